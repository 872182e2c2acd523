/*
 * t-watch.c - the rules directory's watch (watch.c): changes are seen,
 * and a directory replaced (moved away, another moved in) is watched in
 * its place, after which the watch falls quiet again.
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
	return done_testing();
}
