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
	watch_free(w);
	scratch_remove();
	return done_testing();
}
