/*
 * t-lint.c - what "cnauthz check" warns about (lint.c): lines that can
 * never be reached, and stacks that can never allow. Each case is a
 * rules directory of its own; the warnings are collected and compared
 * whole, so a warning too many fails as surely as one too few. Such files
 * still load: warnings are not errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lint.h"
#include "ruleset.h"
#include "tap.h"
#include "testlib.h"

static const char *dir;

struct found {
	char text[4096];
	int n;
};

static void collect(void *arg, const char *msg)
{
	struct found *f = arg;
	size_t l = strlen(f->text);

	snprintf(f->text + l, sizeof f->text - l, "%s%s", l ? "\n" : "", msg);
	f->n++;
}

/* The warnings for the files put since the last scratch_clear(), one a
 * line. */
static const char *lint(void)
{
	static struct found f;
	struct ruleset_opts o = {.insecure_permissions = true};
	struct cnz_err err;
	struct ruleset *rs = ruleset_load(dir, &o, &err);
	char buf[1024];

	if (rs == NULL) {
		printf("Bail out! %s\n", cnz_err_str(&err, buf, sizeof buf));
		exit(255);
	}
	memset(&f, 0, sizeof f);
	if (ruleset_nerrors(rs) > 0) {
		snprintf(f.text, sizeof f.text, "ERROR %s", ruleset_error(rs, 0));
	} else {
		lint_ruleset(rs, collect, &f);
	}
	ruleset_unref(rs);
	scratch_clear();
	return f.text;
}

#define NEVER_ALLOWS(f) f ": this stack can never allow anything: no line can give a positive result"

static void test_unreachable(void)
{
	put("a", "requisite deny *\nsufficient permit GET\n");
	is_str(lint(), "a:2: never reached in the stack of a: a:1 (\"requisite deny *\") always ends it\n"
	       NEVER_ALLOWS("a"),
	       "requisite deny * (always denies, then dies) hides what follows, and nothing can allow");

	put("a", "sufficient permit *\nsufficient permit GET\n");
	is_str(lint(), "a:2: never reached in the stack of a: a:1 (\"sufficient permit *\") always ends it",
	       "sufficient permit * first (always done) hides what follows");

	put("a", "[default=die] permit *\nsufficient permit GET\n");
	is_str(lint(), "a:2: never reached in the stack of a: a:1 (\"[default=die] permit *\") always ends it\n"
	       NEVER_ALLOWS("a"),
	       "[default=die] on an always-success line hides what follows (and dies negative)");

	put("a", "[success=die] permit *\nsufficient permit GET\n");
	like(lint(), "a:2: never reached in the stack of a: a:1 ",
	     "[success=die] on an always-success line hides what follows");

	put("a", "requisite deny *\n");
	is_str(lint(), "", "an always-stopping last line hides nothing");

	put("a", "requisite deny GET\nsufficient permit *\n");
	is_str(lint(), "", "requisite deny GET sometimes ignores: nothing hidden");

	put("a", "required deny *\nsufficient permit GET\n");
	like(lint(), "", "(required deny * does not stop the stack)");

	put("a", "requisite hostaccess\nsufficient permit *\n");
	is_str(lint(), "", "a filter that can ignore hides nothing");

	put("a", "required deny GET\nsufficient permit *\nsufficient permit HEAD\n");
	is_str(lint(), "",
	       "sufficient after a possible failure does not always end the stack (PAM: done only on a clean record)");

	put("a", "optional permit *\nsufficient permit GET\n");
	is_str(lint(), "", "optional (ok) never ends the stack");

	/* the first hidden line is the one reported */
	put("a", "sufficient permit GET\nrequisite deny *\nsufficient permit HEAD\nsufficient permit POST\n");
	is_str(lint(), "a:3: never reached in the stack of a: a:2 (\"requisite deny *\") always ends it",
	       "one warning, for the first line hidden");

	/* through include: lines are reported where they are written */
	put("@base", "requisite deny *\n");
	put("a", "include @base\nsufficient permit GET\n");
	like(lint(), "a:2: never reached in the stack of a: @base:1 (\"requisite deny *\") always ends it",
	     "an included line that always ends the stack hides the includer's next line");

	/* inside a substack, done/die end only the substack */
	put("@sub", "requisite deny *\n");
	put("a", "substack @sub\nsufficient permit GET\n");
	is_str(lint(), NEVER_ALLOWS("a"),
	       "a substack that always dies does not hide the caller's lines (its failure stays)");
	put("@sub", "sufficient permit *\n");
	put("a", "substack @sub\nrequired deny GET\n");
	is_str(lint(), "", "a substack that always succeeds (done) does not hide the caller's lines");

	/* a jump past a line, always taken */
	put("a", "[success=1 default=bad] permit *\nrequired deny *\nsufficient permit GET\n");
	is_str(lint(), "a:2: never reached in the stack of a: a:1 (\"[success=1 default=bad] permit *\") always jumps over it",
	       "a line always jumped over is never reached");
	put("a", "[success=1 deny=die default=bad] permit GET\nrequired deny *\nsufficient permit GET\n");
	is_str(lint(), "", "a jump taken only sometimes hides nothing");
}

static void test_never_allows(void)
{
	put("a", "[success=bad default=ignore] permit GET\nrequisite deny POST\n");
	is_str(lint(), NEVER_ALLOWS("a"),
	       "success taken as bad: the stack can never allow");

	put("a", "required permit GET\n");
	is_str(lint(), "", "required permit GET can allow");

	put("@other", "requisite deny *\n");
	is_str(lint(), "", "a file of nothing but refusals (@other) means it: no warning");

	put("a", "requisite hostaccess\nrequisite images docker.io/**\n");
	is_str(lint(), "", "filters alone: no permit, so no warning");

	put("a", "required deny *\nsufficient permit GET\n");
	is_str(lint(), NEVER_ALLOWS("a"),
	       "required deny * first: nothing after it can make the result positive");

	put("a", "sufficient permit GET\nrequired deny *\n");
	is_str(lint(), "", "a sufficient permit before the required deny can allow");

	put("a", "required permit GET\nrequisite deny *\n");
	is_str(lint(), NEVER_ALLOWS("a"),
	       "a permit always followed by requisite deny * can never allow");

	put("a", "[success=1 default=ignore] permit GET\nrequired permit POST\n");
	is_str(lint(), "", "a jump over the last line (not past the end) can still allow by that line");
	put("a", "[success=2 default=bad] permit GET\nrequired permit POST\n");
	is_str(lint(), NEVER_ALLOWS("a"),
	       "the only success jumps past the end of the stack (a denial)");

	put("@sub", "sufficient permit GET\n");
	put("a", "substack @sub\n");
	is_str(lint(), "", "a substack that can allow: no warning");

	put("@sub", "[success=bad] permit GET\n");
	put("a", "substack @sub\nrequired deny POST\n");
	is_str(lint(), NEVER_ALLOWS("@sub") "\n" NEVER_ALLOWS("a"),
	       "a substack that can never allow, alone: both warned");

	put("a", "[success=reset default=ignore] permit GET\nrequired deny *\n");
	is_str(lint(), NEVER_ALLOWS("a"),
	       "reset then a certain denial: never allows");

	put("a", "required deny *\n[default=reset] permit GET\nsufficient permit HEAD\n");
	is_str(lint(), "",
	       "reset after a failure clears it: the stack can allow again");
}

static void test_shipped(void)
{
	char cmd[600];

	snprintf(cmd, sizeof cmd,
		 "cp '%s'/rules/@* '%s'/rules/admin '%s'/rules/client '%s'/",
		 tap_top(), tap_top(), tap_top(), dir);
	if (system(cmd) != 0)
		bail_errno("cp rules");
	is_str(lint(), "", "the shipped rules give no warning");
}

int main(void)
{
	dir = scratch_make("lint");
	test_unreachable();
	test_never_allows();
	test_shipped();
	scratch_remove();
	return done_testing();
}
