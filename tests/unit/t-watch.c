/*
 * t-watch.c - the rules directory's watch (watch.c): changes are seen,
 * and a directory replaced (moved away, another moved in) is watched in
 * its place, after which the watch falls quiet again; a rules path that
 * is a symlink flipped to another directory ("ln -sfn new tmp && mv -T
 * tmp rules") is a change, and the new target is watched instead of the
 * old one; other names beside the path are no change.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "testlib.h"
#include "watch.h"

/* Drains until a drain sees nothing (at most 20 times, 50 ms apart). */
static int drains_until_quiet(struct watch *w)
{
	for (int i = 1; i <= 20; i++) {
		struct pollfd p = {.fd = watch_fd(w), .events = POLLIN};

		if (poll(&p, 1, 50) == 0)
			return i;
		watch_drain(w);
	}
	return -1;
}

static bool changed_within(struct watch *w, int ms)
{
	struct pollfd p = {.fd = watch_fd(w), .events = POLLIN};

	return poll(&p, 1, ms) == 1 && watch_drain(w);
}

int main(void)
{
	struct cnz_err err;
	struct watch *w;
	char dir[4096], old[4096];
	int n;

	scratch_make("watch");
	snprintf(dir, sizeof dir, "%s", scratch_at("rules"));
	snprintf(old, sizeof old, "%s", scratch_at("rules.old"));
	if (mkdir(dir, 0755) < 0)
		bail_errno("mkdir");
	w = watch_new(dir, &err);
	if (!ok(w != NULL, "the rules directory is watched"))
		return done_testing();
	put("rules/client", "sufficient permit\n");
	ok(changed_within(w, 1000), "a file written is a change");
	ok(drains_until_quiet(w) > 0, "... and then it is quiet");

	if (rename(dir, old) < 0 || mkdir(dir, 0755) < 0)
		bail_errno("replace");
	ok(changed_within(w, 1000), "the directory moved away is a change");
	watch_rearm(w);
	n = drains_until_quiet(w);
	ok(n > 0, "after the directory is replaced the watch falls quiet (%d)", n);
	ok(watch_armed(w), "... watching the new directory");
	put("rules/admin", "sufficient permit\n");
	ok(changed_within(w, 1000), "... whose changes are seen");
	ok(drains_until_quiet(w) > 0, "... and then it is quiet again");
	watch_free(w);

	/* a symlink to a checkout, flipped to another */
	snprintf(dir, sizeof dir, "%s", scratch_at("current"));
	if (mkdir(scratch_at("set-a"), 0755) < 0 ||
	    mkdir(scratch_at("set-b"), 0755) < 0 ||
	    symlink("set-a", dir) < 0)
		bail_errno("sets");
	w = watch_new(dir, &err);
	if (!ok(w != NULL, "a rules path that is a symlink is watched"))
		return done_testing();
	put("set-a/client", "sufficient permit\n");
	ok(changed_within(w, 1000), "... a file written in its target is a change");
	ok(drains_until_quiet(w) > 0, "... and then it is quiet");
	put("unrelated", "x\n");
	ok(!changed_within(w, 200), "another name beside the path: no change");
	if (symlink("set-b", scratch_at("current.tmp")) < 0 ||
	    rename(scratch_at("current.tmp"), dir) < 0)
		bail_errno("flip");
	ok(changed_within(w, 1000), "the symlink flipped to another directory: a change");
	ok(drains_until_quiet(w) > 0, "... and then it is quiet");
	ok(watch_armed(w), "... watching the new target");
	put("set-b/admin", "sufficient permit\n");
	ok(changed_within(w, 1000), "... whose changes are seen");
	ok(drains_until_quiet(w) > 0, "... and then it is quiet");
	put("set-a/admin", "sufficient permit\n");
	ok(!changed_within(w, 200), "... and the old target's are not");

	/* files the rules name (a CRL), beside the rules path and elsewhere */
	if (mkdir(scratch_at("pki"), 0755) < 0)
		bail_errno("pki");
	put("crl.pem", "one\n");
	put("pki/crl.pem", "one\n");
	{
		const char *files[2] = {scratch_at("crl.pem"), scratch_at("pki/crl.pem")};
		char f0[4096], f1[4096];

		snprintf(f0, sizeof f0, "%s", files[0]);
		snprintf(f1, sizeof f1, "%s", files[1]);
		files[0] = f0;
		files[1] = f1;
		is_int(watch_files(w, files, 2), 0, "two files the rules name, watched");
		ok(drains_until_quiet(w) > 0, "... quiet");
		put("crl.pem", "two\n");
		ok(changed_within(w, 1000), "one written in place, beside the rules path: a change");
		is_str(watch_last_file(w), f0, "... named");
		ok(drains_until_quiet(w) > 0, "... and then it is quiet");
		put("pki/crl.new", "three\n");
		ok(!changed_within(w, 200), "another name in its directory: no change");
		if (rename(scratch_at("pki/crl.new"), f1) < 0)
			bail_errno("rename");
		ok(changed_within(w, 1000), "a new one renamed over the other: a change");
		is_str(watch_last_file(w), f1, "... named");
		ok(drains_until_quiet(w) > 0, "... and then it is quiet");
		is_int(watch_files(w, NULL, 0), 0, "no files any more");
		put("pki/crl.pem", "four\n");
		ok(!changed_within(w, 200), "... a change of one is none");
	}
	watch_free(w);
	scratch_remove();
	return done_testing();
}
