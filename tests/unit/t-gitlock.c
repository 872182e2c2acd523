/*
 * t-gitlock.c - git's index lock over a rules directory (gitlock.h): a
 * .git file's "gitdir:" line, the work tree found from a directory below
 * its top (a .git directory, or a .git file naming the git directory,
 * relative or absolute), and the lock held or not.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gitlock.h"
#include "tap.h"
#include "testlib.h"

static int parse(const char *s, char *out, size_t sz)
{
	return gitlock_parse(s, strlen(s), out, sz);
}

int main(void)
{
	char out[64], lock[4096], want[4096];
	const char *top;

	is_int(parse("gitdir: /srv/policy/.git/worktrees/abc\n", out, sizeof out), 0,
	       "gitdir: PATH and a newline");
	is_str(out, "/srv/policy/.git/worktrees/abc", "... PATH");
	is_int(parse("gitdir: ../.git/modules/x", out, sizeof out), 0, "... or its end");
	is_str(out, "../.git/modules/x", "... a relative PATH as written");
	is_int(parse("gitdir:/x\n", out, sizeof out), -1, "no blank after the colon: refused");
	is_int(parse("gitdir: \n", out, sizeof out), -1, "an empty PATH: refused");
	is_int(parse("gitdir: a\rb\n", out, sizeof out), -1, "a CR in it: refused");
	is_int(gitlock_parse("gitdir: a\0b", 11, out, sizeof out), -1, "a NUL in it: refused");
	is_int(parse("ref: refs/heads/main\n", out, sizeof out), -1, "anything else: refused");
	is_int(parse("gitdir: 0123456789012345678901234567890123456789012345678901234567890123456789",
		     out, sizeof out), -1, "a PATH that does not fit: refused");

	top = scratch_make("gitlock");
	if (mkdir(scratch_at("plain"), 0755) < 0 || mkdir(scratch_at("repo"), 0755) < 0 ||
	    mkdir(scratch_at("repo/.git"), 0755) < 0 || mkdir(scratch_at("repo/rules"), 0755) < 0 ||
	    mkdir(scratch_at("wt"), 0755) < 0 || mkdir(scratch_at("wt/rules"), 0755) < 0 ||
	    mkdir(scratch_at("gd"), 0755) < 0 || mkdir(scratch_at("wt2"), 0755) < 0)
		bail_errno("mkdir");
	ok(!gitlock_find(scratch_at("plain"), lock, sizeof lock) || strncmp(lock, top, strlen(top)) != 0,
	   "a directory in no work tree of its own: none found in it");
	ok(gitlock_find(scratch_at("repo/rules"), lock, sizeof lock), "rules/ below a .git directory: found");
	snprintf(want, sizeof want, "%s/repo/.git/index.lock", top);
	is_str(lock, want, "... its index.lock");
	ok(!gitlock_held(scratch_at("repo/rules")), "... not held");
	put("repo/.git/index.lock", "");
	ok(gitlock_held(scratch_at("repo/rules")), "... held once git made it");
	put("wt/.git", "gitdir: ../gd\n");
	ok(gitlock_find(scratch_at("wt/rules"), lock, sizeof lock), "a .git file with a relative gitdir: found");
	snprintf(want, sizeof want, "%s/wt/../gd/index.lock", top);
	is_str(lock, want, "... relative to the .git file's directory");
	ok(!gitlock_held(scratch_at("wt/rules")), "... not held");
	put("gd/index.lock", "");
	ok(gitlock_held(scratch_at("wt/rules")), "... held");
	snprintf(want, sizeof want, "gitdir: %s/gd\n", top);
	put("wt2/.git", want);
	ok(gitlock_held(scratch_at("wt2")), "an absolute gitdir: held too");
	put("wt2/.git", "not a gitfile\n");
	ok(!gitlock_find(scratch_at("wt2"), lock, sizeof lock), "a .git file that is not one: no work tree");
	scratch_remove();
	return done_testing();
}
