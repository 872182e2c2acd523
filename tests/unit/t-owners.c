/*
 * t-owners.c - the ownership store (owners.c, ownstate.c): references
 * resolved in dockerd's order (full ID, name with or without '/', unique
 * ID prefix; networks by ID, name, prefix; volumes by name; execs by full
 * ID),
 * renames and removals keeping the names true, volume claims, listings
 * that forget what went away and distrust what the state file said, the
 * health faults, and the state file written and read back (and refused
 * when malformed).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "owners.h"
#include "ownstate.h"
#include "tap.h"

#define A1 "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"
#define A2 "a1b2c3ffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
#define B1 "b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0"
#define C1 "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00"
#define E1 "e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1"
#define E2 "e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2"

static struct own_obj ob;

static int put(struct owners *o, enum own_kind k, const char *key,
	       const char *name, const char *extra, const char *cn)
{
	struct own_put p = {.name = name, .extra = extra, .cn = cn};

	return owners_put(o, k, key, &p);
}

static enum own_match find(struct owners *o, enum own_kind k, const char *ref)
{
	return owners_find(o, k, ref, &ob);
}

static void test_containers(void)
{
	struct owners *o = owners_new();

	ok(put(o, OWN_CONTAINER, A1, "web", NULL, "alice") == 0, "put alice's web");
	ok(put(o, OWN_CONTAINER, A2, "db", NULL, "bob") == 0, "put bob's db");
	ok(put(o, OWN_CONTAINER, B1, "b0b0", NULL, NULL) == 0,
	   "put an unowned container called b0b0");
	ok(put(o, OWN_CONTAINER, "a1b2", "x", NULL, "alice") < 0,
	   "a key that is not a full ID is refused");
	ok(put(o, OWN_CONTAINER, C1, "/bad", NULL, "alice") < 0,
	   "a name dockerd would refuse is refused");
	ok(put(o, OWN_CONTAINER, C1, "x", NULL, "no/cn") < 0,
	   "an owner that cannot be a CN is refused");

	is_int(find(o, OWN_CONTAINER, A1), OWN_FOUND, "by full ID");
	is_str(ob.cn, "alice", "... alice's");
	is_str(ob.how, "ID", "... found as an ID");
	is_int(find(o, OWN_CONTAINER, "web"), OWN_FOUND, "by name");
	is_str(ob.key, A1, "... the right one");
	is_str(ob.how, "name", "... found as a name");
	is_int(find(o, OWN_CONTAINER, "/web"), OWN_FOUND, "by /name");
	is_str(ob.key, A1, "... the right one");
	is_int(find(o, OWN_CONTAINER, "//web"), OWN_BADREF,
	       "//web is a link alias, not followed");
	is_int(find(o, OWN_CONTAINER, "web/db"), OWN_BADREF,
	       "a link alias is refused");
	is_int(find(o, OWN_CONTAINER, "a1b2c3d"), OWN_FOUND,
	       "a unique ID prefix");
	is_str(ob.key, A1, "... the right one");
	is_str(ob.how, "ID prefix", "... found as a prefix");
	is_int(find(o, OWN_CONTAINER, "a1b2c3"), OWN_AMBIGUOUS,
	       "a prefix of two IDs is ambiguous");
	is_int(ob.nmatch, 2, "... two matched");
	is_int(find(o, OWN_CONTAINER, "b0b0"), OWN_FOUND,
	       "b0b0: a name, before the ID prefix it also is");
	is_str(ob.key, B1, "... the container called b0b0");
	is_str(ob.cn, "", "... unowned");
	is_int(find(o, OWN_CONTAINER, "nothere"), OWN_UNKNOWN, "unknown name");
	is_int(find(o, OWN_CONTAINER, "ff"), OWN_UNKNOWN, "unknown prefix");
	is_int(find(o, OWN_CONTAINER, ""), OWN_BADREF, "an empty reference");
	is_int(find(o, OWN_CONTAINER, "WEB"), OWN_UNKNOWN,
	       "names compare exactly");

	/* a name another container holds, after a rename nobody saw */
	ok(put(o, OWN_CONTAINER, C1, "web", NULL, "carol") == 0,
	   "a new container takes the name web");
	is_int(find(o, OWN_CONTAINER, "web"), OWN_FOUND, "web is one container");
	is_str(ob.key, C1, "... the newest");
	is_int(find(o, OWN_CONTAINER, A1), OWN_FOUND, "the old one stays by ID");
	is_str(ob.name, "", "... without a name");
	ok(put(o, OWN_CONTAINER, A1, "web2", NULL, NULL) == 0,
	   "rename keeps the owner (cn NULL)");
	is_int(find(o, OWN_CONTAINER, "web2"), OWN_FOUND, "by its new name");
	is_str(ob.cn, "alice", "... still alice's");
	ok(put(o, OWN_CONTAINER, A1, NULL, NULL, "") == 0, "owner cleared");
	find(o, OWN_CONTAINER, "web2");
	is_str(ob.cn, "", "... unowned now");
	ok(owners_remove(o, OWN_CONTAINER, C1), "rm web");
	is_int(find(o, OWN_CONTAINER, "web"), OWN_UNKNOWN, "... its name is free");
	ok(!owners_remove(o, OWN_CONTAINER, C1), "rm again: not known");
	owners_free(o);
}

static void test_networks_volumes_execs(void)
{
	struct owners *o = owners_new();

	put(o, OWN_NETWORK, A1, "net", NULL, "alice");
	put(o, OWN_NETWORK, A2, "net", NULL, "bob");
	put(o, OWN_NETWORK, B1, "bridge", NULL, NULL);
	is_int(find(o, OWN_NETWORK, "net"), OWN_AMBIGUOUS,
	       "two networks called net: ambiguous");
	is_str(ob.how, "name", "... on the name");
	is_int(find(o, OWN_NETWORK, A2), OWN_FOUND, "a full ID first");
	is_str(ob.cn, "bob", "... bob's");
	is_int(find(o, OWN_NETWORK, "a1b2c3d"), OWN_FOUND, "a unique prefix");
	is_int(find(o, OWN_NETWORK, "bridge"), OWN_FOUND, "bridge by name");
	is_int(owners_find_name(o, OWN_NETWORK, "b0", &ob), OWN_UNKNOWN,
	       "find_name takes no prefix");

	put(o, OWN_VOLUME, "data", NULL, "2024-01-01T00:00:00Z", "alice");
	is_int(find(o, OWN_VOLUME, "data"), OWN_FOUND, "a volume by name");
	is_str(ob.extra, "2024-01-01T00:00:00Z", "... with its CreatedAt");
	is_int(find(o, OWN_VOLUME, "dat"), OWN_UNKNOWN, "no prefixes for volumes");
	ok(put(o, OWN_VOLUME, "a/b", NULL, NULL, "alice") < 0,
	   "a volume name with a '/' is refused");

	put(o, OWN_CONTAINER, C1, "app", NULL, "alice");
	put(o, OWN_EXEC, E1, NULL, C1, NULL);
	put(o, OWN_EXEC, E2, NULL, C1, "admin");
	ok(put(o, OWN_EXEC, A1, NULL, "nothex", "x") < 0,
	   "an exec's container must be an ID");
	is_int(find(o, OWN_EXEC, E1), OWN_FOUND, "an exec by full ID");
	is_str(ob.cn, "alice", "... one cnauthz did not see made: its container's owner");
	is_str(ob.extra, C1, "... and its container");
	is_int(find(o, OWN_EXEC, E2), OWN_FOUND, "admin's exec in alice's container");
	is_str(ob.cn, "admin", "... is admin's");
	is_int(find(o, OWN_EXEC, "e1e1"), OWN_UNKNOWN, "no prefixes for execs");
	owners_remove(o, OWN_CONTAINER, C1);
	is_int(find(o, OWN_EXEC, E1), OWN_UNKNOWN,
	       "the container's removal takes its execs");
	owners_free(o);
}

static void test_claims(void)
{
	struct owners *o = owners_new();

	is_int(owners_claim(o, "new", "alice", "dev", 1000, 100), 1,
	       "alice claims a volume a create will make");
	is_int(find(o, OWN_VOLUME, "new"), OWN_FOUND, "... it is found");
	ok(ob.pending, "... as pending");
	is_str(ob.cn, "alice", "... alice's");
	is_int(owners_claim(o, "new", "bob", NULL, 1010, 100), 0,
	       "bob cannot claim it meanwhile");
	is_int(owners_claim(o, "new", "alice", NULL, 1010, 100), 1,
	       "alice can again");
	owners_claim_end(o, "new", "bob", true);
	find(o, OWN_VOLUME, "new");
	ok(ob.pending, "bob's confirmation does nothing");
	owners_claim_end(o, "new", "alice", true);
	find(o, OWN_VOLUME, "new");
	ok(!ob.pending, "alice's create succeeded: hers");
	is_str(ob.ou, "dev", "... with her OU");
	owners_expire(o, 1000000);
	is_int(find(o, OWN_VOLUME, "new"), OWN_FOUND, "a confirmed claim stays");

	is_int(owners_claim(o, "gone", "alice", NULL, 1000, 100), 1, "claim gone");
	owners_claim_end(o, "gone", "alice", false);
	is_int(find(o, OWN_VOLUME, "gone"), OWN_UNKNOWN,
	       "a failed create drops its claim");
	is_int(owners_claim(o, "late", "alice", NULL, 1000, 100), 1, "claim late");
	is_int(owners_claim(o, "late", "bob", NULL, 1200, 100), 1,
	       "an expired claim is no claim");
	owners_expire(o, 5000);
	is_int(find(o, OWN_VOLUME, "late"), OWN_UNKNOWN, "expired claims go");
	is_int(owners_claim(o, "new", "bob", NULL, 1000, 100), 0,
	       "a volume that exists cannot be claimed");
	owners_free(o);
}

static void test_sync(void)
{
	struct owners *o = owners_new();
	struct own_item items[] = {
		{A1, "web", NULL},
		{B1, "fresh", NULL},
	};
	struct own_item vols[] = {
		{"data", NULL, "2024-02-02T00:00:00Z"},
		{"kept", NULL, "2024-01-01T00:00:00Z"},
	};
	uint64_t since;
	struct cnz_err err;
	const char *state =
		"{\"cnauthz-owners\":1,\"volumes\":["
		"{\"name\":\"data\",\"created\":\"2024-01-01T00:00:00Z\",\"owner\":\"alice\"},"
		"{\"name\":\"kept\",\"created\":\"2024-01-01T00:00:00Z\",\"owner\":\"alice\"}]}";

	put(o, OWN_CONTAINER, A1, "web", NULL, "alice");
	put(o, OWN_CONTAINER, A2, "gone", NULL, "alice");
	put(o, OWN_EXEC, E1, NULL, A2, "alice");
	since = owners_clock(o);
	put(o, OWN_CONTAINER, C1, "racing", NULL, "bob");
	is_int(owners_sync(o, OWN_CONTAINER, items, 2, since), 2,
	       "a listing forgets a container and its exec that went away");
	is_int(find(o, OWN_CONTAINER, "gone"), OWN_UNKNOWN, "... gone is gone");
	is_int(find(o, OWN_EXEC, E1), OWN_UNKNOWN, "... and its exec");
	is_int(find(o, OWN_CONTAINER, "racing"), OWN_FOUND,
	       "... one learnt while the listing ran stays");
	is_int(find(o, OWN_CONTAINER, "fresh"), OWN_FOUND,
	       "... one first seen in the listing is there");
	is_str(ob.cn, "", "... unowned");
	is_int(find(o, OWN_CONTAINER, "web"), OWN_FOUND, "web stays");
	is_str(ob.cn, "alice", "... alice's");
	owners_free(o);

	o = owners_new();
	ok(owners_load(o, state, strlen(state), false, &err) == 0,
	   "a state file loads");
	since = owners_clock(o);
	is_int(owners_sync(o, OWN_VOLUME, vols, 2, since), 0,
	       "the volume listing forgets nothing");
	find(o, OWN_VOLUME, "data");
	is_str(ob.cn, "", "a volume made again while nobody looked is unowned");
	find(o, OWN_VOLUME, "kept");
	is_str(ob.cn, "alice", "the one that is the same stays alice's");
	vols[1].extra = "2030-01-01T00:00:00Z";
	owners_sync(o, OWN_VOLUME, vols, 2, owners_clock(o));
	find(o, OWN_VOLUME, "kept");
	is_str(ob.cn, "alice", "... once verified, a later listing keeps it");
	owners_free(o);
}

static void test_health(void)
{
	struct owners *o = owners_new();
	char buf[256];

	ok(owners_health(o, buf, sizeof buf) == NULL, "healthy at first");
	owners_fault(o, OWN_FAULT_UNLISTED, "not listed yet");
	owners_fault(o, OWN_FAULT_WRITE, "disk full");
	is_str(owners_health(o, buf, sizeof buf), "disk full",
	       "a write fault is told before the listing");
	owners_fault(o, OWN_FAULT_WRITE, NULL);
	is_str(owners_health(o, buf, sizeof buf), "not listed yet",
	       "then the other fault");
	owners_fault(o, OWN_FAULT_UNLISTED, NULL);
	ok(owners_health(o, buf, sizeof buf) == NULL, "healthy again");
	owners_free(o);
}

static int collect(void *arg, const struct own_obj *t)
{
	char *out = arg;

	strcat(out, t->key);
	strcat(out, ";");
	return 0;
}

static void test_dump_load(void)
{
	struct owners *o = owners_new(), *p = owners_new();
	struct cnz_err err = {.msg = ""};
	char *text, *again, tags[1024] = "";
	size_t len, len2, owned;
	struct own_put pou = {.name = "web", .cn = "alice", .ou = "dev"};

	owners_put(o, OWN_CONTAINER, A1, &pou);
	put(o, OWN_CONTAINER, B1, "other", NULL, NULL);
	put(o, OWN_EXEC, E1, NULL, A1, "alice");
	put(o, OWN_VOLUME, "data", NULL, "2024", "@local");
	put(o, OWN_NETWORK, C1, "net\"q", NULL, "bob");
	put(o, OWN_TAG, "docker.io/library/app:1", NULL, "sha256:" A1, "alice");
	put(o, OWN_TAG, "docker.io/library/app:2", NULL, NULL, "bob");
	put(o, OWN_TAG, "docker.io/library/app2:1", NULL, NULL, "bob");
	owners_claim(o, "pending", "alice", NULL, 0, 1000);
	text = owners_dump(o, &len, NULL);
	ok(text != NULL, "dump");
	ok(strstr(text, "pending") == NULL, "... leaves an unconfirmed claim out");
	if (!ok(owners_load(p, text, len, true, &err) == 0,
		"... and it loads back"))
		diag("%s", err.msg);
	again = owners_dump(p, &len2, NULL);
	ok(again != NULL && len == len2 && memcmp(text, again, len) == 0,
	   "... the same");
	is_int(owners_find(p, OWN_CONTAINER, "web", &ob), OWN_FOUND, "web");
	is_str(ob.ou, "dev", "... with its OU");
	is_int(owners_count(p, OWN_CONTAINER, &owned), 2, "two containers");
	is_int(owned, 1, "... one owned");
	owners_each_tag(p, "docker.io/library/app", collect, tags);
	is_str(tags, "docker.io/library/app:1;docker.io/library/app:2;",
	       "the tags of one repository");
	free(text);
	free(again);
	owners_free(o);
	owners_free(p);
}

static void bad(const char *text, const char *want, const char *name)
{
	struct owners *o = owners_new();
	struct cnz_err err = {.msg = ""};

	ok(owners_load(o, text, strlen(text), true, &err) < 0,
	   "refused: %s", name);
	like(err.msg, want, "... saying \"%s\"", want);
	is_int(owners_count(o, OWN_CONTAINER, NULL), 0, "... nothing kept");
	owners_free(o);
}

static void test_bad_files(void)
{
	bad("", "line 1", "empty");
	bad("[]", "version 1", "not an object");
	bad("{\"cnauthz-owners\":2}", "version 1", "another version");
	bad("{\"cnauthz-owners\":1,\"x\":[]}", "unknown member", "unknown section");
	bad("{\"cnauthz-owners\":1,\"containers\":[{\"id\":\"" A1 "\",\"color\":\"red\"}]}",
	    "unknown member", "unknown member");
	bad("{\"cnauthz-owners\":1,\"containers\":[{\"id\":\"A1\"}]}",
	    "valid \"id\"", "a short ID");
	bad("{\"cnauthz-owners\":1,\"containers\":[{\"id\":\"" A1 "\"},{\"id\":\"" A1 "\"}]}",
	    "twice", "a duplicate");
	bad("{\"cnauthz-owners\":1,\"containers\":[{\"id\":\"" A1 "\",\"name\":\"xy\"},"
	    "{\"id\":\"" A2 "\",\"name\":\"xy\"}]}",
	    "two are called", "two containers of one name");
	bad("{\"cnauthz-owners\":1,\"containers\":[{\"id\":\"" A1 "\",\"owner\":\"@other\"}]}",
	    "malformed", "an owner that is no CN");
	bad("{\"cnauthz-owners\":1,\"containers\":[{\"id\":\"" A1 "\",\"ou\":\"x\"}]}",
	    "malformed", "an OU without an owner");
	bad("{\"cnauthz-owners\":1,\"execs\":[{\"id\":\"" E1 "\",\"container\":\"" A1 "\"}]}",
	    "does not have", "an exec of no container");
	bad("{\"cnauthz-owners\":1,\"containers\":[{\"id\":\"" A1 "\",\"name\":\"a\\u0000b\"}]}",
	    "NUL", "a NUL in a name");
	bad("{\"cnauthz-owners\":1,\"cnauthz-owners\":1}", "line 1", "a duplicate key");
	bad("{\"cnauthz-owners\":1,\"tags\":[{\"tag\":\"busybox\"}]}",
	    "valid \"tag\"", "a tag not normalised");
}

int main(void)
{
	test_containers();
	test_networks_volumes_execs();
	test_claims();
	test_sync();
	test_health();
	test_dump_load();
	test_bad_files();
	return done_testing();
}
