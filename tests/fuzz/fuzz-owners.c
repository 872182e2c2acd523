/*
 * fuzz-owners.c - the ownership state file (owners_load), and the
 * readers of names around it: a reference resolved as dockerd resolves
 * it (owners_find), an image reference normalised (imgref), a path read
 * as dockerd's router reads its object routes (objroute).
 *
 * Invariants: a file that loads dumps to a file that loads to the same
 * dump; a refused file leaves the store empty and says why printably; a
 * reference found names an object of the store; a normalised tag is a
 * key the store takes; a path's object name is a slice of the path.
 */
#include <string.h>

#include "common.h"
#include "imgref.h"
#include "objroute.h"
#include "owners.h"
#include "ownname.h"
#include "ownstate.h"

static struct owners *fixed; /* a store to resolve inputs against */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char state[] =
		"{\"cnauthz-owners\":1,\"containers\":["
		"{\"id\":\"a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90\",\"name\":\"web\",\"owner\":\"alice\"},"
		"{\"id\":\"a1b2c3ffffffffffffffffffffffffffffffffffffffffffffffffffffffffff\",\"name\":\"db\"}],"
		"\"networks\":[{\"id\":\"b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0\",\"name\":\"net\",\"owner\":\"bob\"},"
		"{\"id\":\"b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b1\",\"name\":\"net\"}],"
		"\"volumes\":[{\"name\":\"data\",\"owner\":\"@local\"}],"
		"\"tags\":[{\"tag\":\"docker.io/library/busybox:latest\",\"owner\":\"alice\"}]}";
	struct cnz_err err;

	(void)argc;
	(void)argv;
	fixed = owners_new();
	FUZZ_CHECK(fixed != NULL);
	FUZZ_CHECK(owners_load(fixed, state, sizeof state - 1, true, &err) == 0);
	return 0;
}

static void roundtrip(const uint8_t *data, size_t size, bool verified)
{
	struct owners *o = owners_new(), *p;
	struct cnz_err err = {.msg = ""};
	char *a, *b;
	size_t la, lb;

	FUZZ_CHECK(o != NULL);
	if (owners_load(o, (const char *)data, size, verified, &err) < 0) {
		FUZZ_CHECK(err.msg[0] != '\0');
		for (int k = 0; k < OWN_NKINDS; k++)
			FUZZ_CHECK(owners_count(o, (enum own_kind)k, NULL) == 0);
		owners_free(o);
		return;
	}
	a = owners_dump(o, &la, NULL);
	FUZZ_CHECK(a != NULL);
	p = owners_new();
	FUZZ_CHECK(p != NULL);
	FUZZ_CHECK(owners_load(p, a, la, verified, &err) == 0);
	b = owners_dump(p, &lb, NULL);
	FUZZ_CHECK(b != NULL && la == lb && memcmp(a, b, la) == 0);
	/* a listing of nothing forgets everything that was there before */
	for (int k = 0; k < OWN_NKINDS; k++)
		FUZZ_CHECK(owners_sync(p, (enum own_kind)k, NULL, 0,
				       owners_clock(p)) >= 0);
	for (int k = 0; k < OWN_NKINDS; k++)
		FUZZ_CHECK(owners_count(p, (enum own_kind)k, NULL) == 0);
	free(a);
	free(b);
	owners_free(o);
	owners_free(p);
}

static void resolve(const char *s)
{
	struct own_obj ob;

	for (int k = 0; k < OWN_NKINDS; k++) {
		enum own_match m = owners_find(fixed, (enum own_kind)k, s, &ob);

		if (m == OWN_FOUND) {
			struct own_obj again;

			/* what was found is found again by its own key */
			FUZZ_CHECK(owners_find(fixed, (enum own_kind)k, ob.key,
					       &again) == OWN_FOUND);
			FUZZ_CHECK(strcmp(again.key, ob.key) == 0);
		}
		if (m == OWN_AMBIGUOUS)
			FUZZ_CHECK(ob.nmatch >= 2);
	}
}

static void image(const char *s)
{
	struct imgref r;
	struct cnz_err why = {.msg = ""};
	char t[IMGREF_MAX];
	bool hex;

	if (imgref_parse(s, &r, &why) == 0) {
		FUZZ_CHECK(strlen(r.repo) > 0 && strlen(r.repo) <= 255);
		FUZZ_CHECK(strchr(r.repo, '/') != NULL);
	} else {
		FUZZ_CHECK(why.msg[0] != '\0' &&
			   fuzz_printable(why.msg, strlen(why.msg)));
	}
	if (imgref_tag(s, NULL, t, &why, &hex) == 0)
		FUZZ_CHECK(owners_key_valid(OWN_TAG, t));
	if (imgref_tag("busybox", s, t, &why, &hex) == 0)
		FUZZ_CHECK(owners_key_valid(OWN_TAG, t));
}

static void path(const char *s)
{
	struct objroute r;

	if (s[0] != '/')
		return;
	for (unsigned m = 1; m <= 16; m <<= 1) {
		if (objroute_match(m, s, &r) == OR_NONE)
			continue;
		FUZZ_CHECK(r.ref >= s && r.ref + r.reflen <= s + strlen(s));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_strndup(data, size);

	roundtrip(data, size, false);
	roundtrip(data, size, true);
	if (size < 4096) {
		resolve(s);
		image(s);
		path(s);
	}
	free(s);
	fuzz_input_done();
	return 0;
}
