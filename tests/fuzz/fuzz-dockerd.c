/*
 * fuzz-dockerd.c - dockerd's answers as cnauthz's own requests read them
 * (dockerc.h, follow.h): an HTTP response head, its chunked body fed in
 * two pieces, and the body read as each listing and as lines of events,
 * into a store.
 *
 * Invariants: a head is never longer than its input; chunks decode to no
 * more bytes than went in, the same whatever the split; a listing that
 * is refused leaves the store as it was; whatever the answers did, the
 * store dumps to a file that loads again.
 */
#include <string.h>

#include "common.h"
#include "dockerc.h"
#include "follow.h"
#include "owners.h"
#include "ownstate.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static void chunks(const char *in, size_t n)
{
	struct dockerc_chunks a, b;
	struct buf whole, split;
	struct cnz_err why;
	int ra, rb;

	buf_init(&whole);
	buf_init(&split);
	dockerc_chunks_init(&a);
	ra = dockerc_chunks_feed(&a, in, n, &whole, &why);
	dockerc_chunks_init(&b);
	rb = dockerc_chunks_feed(&b, in, n / 2, &split, &why);
	if (rb == 0)
		rb = dockerc_chunks_feed(&b, in + n / 2, n - n / 2, &split, &why);
	FUZZ_CHECK(ra == rb);
	if (ra == 0) {
		FUZZ_CHECK(whole.len <= n && whole.len == split.len);
		FUZZ_CHECK(whole.len == 0 || memcmp(whole.p, split.p, whole.len) == 0);
		FUZZ_CHECK(a.done == b.done);
	}
	buf_free(&whole);
	buf_free(&split);
}

static void answers(const char *in, size_t n)
{
	struct owners *o = owners_new(), *p = owners_new();
	struct cnz_err err;
	char *text;
	size_t len, start = 0;
	unsigned need = 0;

	FUZZ_CHECK(o != NULL && p != NULL);
	for (int k = 0; k < OWN_NKINDS; k++) {
		size_t before = owners_count(o, (enum own_kind)k, NULL);

		if (follow_list_path((enum own_kind)k) == NULL)
			continue;
		if (follow_list(o, (enum own_kind)k, in, n, owners_clock(o),
				&err) < 0)
			FUZZ_CHECK(owners_count(o, (enum own_kind)k, NULL) == before);
	}
	for (size_t i = 0; i <= n; i++) {
		if (i < n && in[i] != '\n')
			continue;
		(void)follow_event(o, in + start, i - start, &need, &err);
		start = i + 1;
	}
	FUZZ_CHECK((need & ~3u) == 0);
	text = owners_dump(o, &len, NULL);
	FUZZ_CHECK(text != NULL);
	FUZZ_CHECK(owners_load(p, text, len, true, &err) == 0);
	free(text);
	owners_free(o);
	owners_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	struct dockerc_head h;
	struct cnz_err why = {.msg = ""};
	int r = dockerc_head(in, size, &h, &why);

	if (r == 1) {
		FUZZ_CHECK(h.head_len <= size && h.head_len >= 4);
		FUZZ_CHECK(h.status >= 0 && h.status <= 999);
		chunks(in + h.head_len, size - h.head_len);
	} else if (r < 0) {
		FUZZ_CHECK(why.msg[0] != '\0');
	}
	chunks(in, size);
	answers(in, size);
	fuzz_input_done();
	return 0;
}
