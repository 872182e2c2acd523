/*
 * t-rulesver.c - the rule set's version (rulesver.h): what the first line
 * of .cnauthz-version may hold, and how the loader takes it - read with
 * the set, in its hash only when present (a set without one keeps its
 * hash), never taken for a rule file, and a bad one a warning that leaves
 * the set without a version.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ruleset.h"
#include "rulesver.h"
#include "tap.h"
#include "testlib.h"

static int parse(const char *s, char *out, const char **why)
{
	return rulesver_parse(s, strlen(s), out, why);
}

int main(void)
{
	char out[RULESVER_MAX + 1], h0[65], h1[65], h2[65];
	const char *why = NULL;
	struct ruleset *rs;
	const char *dir;
	char long65[70];

	is_int(parse("70938d072ab0d2d8efe1e7ccd2f7493c940db030\n", out, &why), 0,
	       "a git commit and a newline");
	is_str(out, "70938d072ab0d2d8efe1e7ccd2f7493c940db030", "... the commit");
	is_int(parse("v1.2.3+build/main@abc_d:e-f\nsecond line ignored", out, &why), 0,
	       "letters, digits, ._:/@+- ; the first line only");
	is_str(out, "v1.2.3+build/main@abc_d:e-f", "... that line");
	is_int(parse("", out, &why), -1, "empty: refused");
	like(why, "empty", "... saying so");
	is_int(parse("\nabc", out, &why), -1, "an empty first line: refused");
	is_int(parse("abc def", out, &why), -1, "a space: refused");
	like(why, "only letters, digits", "... saying what it may hold");
	is_int(parse("abc\"}\n", out, &why), -1, "a quote (a label breaker): refused");
	is_str(out, "", "... and nothing is left in out");
	is_int(rulesver_parse("ab\0c", 4, out, &why), -1, "a NUL: refused");
	memset(long65, 'a', 65);
	long65[65] = '\0';
	is_int(parse(long65, out, &why), -1, "65 characters: refused");
	like(why, "longer than 64", "... saying so");
	long65[64] = '\0';
	is_int(parse(long65, out, &why), 0, "64: taken");

	dir = scratch_make("rulesver");
	put("client", "sufficient permit GET\n");
	rs = load_rules(dir, NULL);
	is_str(ruleset_version(rs), "", "no version file: no version");
	snprintf(h0, sizeof h0, "%s", ruleset_hash(rs));
	ruleset_unref(rs);

	put(RULESVER_FILE, "0123abc\n");
	chmod(scratch_at(RULESVER_FILE), 0644);
	rs = load_rules(dir, NULL);
	is_str(ruleset_version(rs), "0123abc", "the version file read with the set");
	is_int((long long)ruleset_nfiles(rs), 1, "... not taken for a rule file");
	is_int((long long)ruleset_nwarnings(rs), 0, "... nor warned about");
	snprintf(h1, sizeof h1, "%s", ruleset_hash(rs));
	ok(strcmp(h0, h1) != 0, "... and in the set's hash");
	ruleset_unref(rs);

	put(RULESVER_FILE, "0123abd\n");
	chmod(scratch_at(RULESVER_FILE), 0644);
	rs = load_rules(dir, NULL);
	snprintf(h2, sizeof h2, "%s", ruleset_hash(rs));
	ok(strcmp(h1, h2) != 0, "another version, another hash");
	ruleset_unref(rs);

	put(RULESVER_FILE, "not a version\n");
	chmod(scratch_at(RULESVER_FILE), 0644);
	rs = load_rules(dir, NULL);
	is_str(ruleset_version(rs), "", "a bad version: none");
	is_int((long long)ruleset_nwarnings(rs), 1, "... a warning");
	if (ruleset_nwarnings(rs) > 0)
		like(ruleset_warning(rs, 0), ".cnauthz-version: the set has no version: the version may hold only",
		     "... naming the file and why");
	is_int((long long)ruleset_nerrors(rs), 0, "... not an error: the rules still load");
	ruleset_unref(rs);

	put(RULESVER_FILE, "0123abc\n");
	chmod(scratch_at(RULESVER_FILE), 0666);
	rs = load_rules(dir, NULL);
	is_str(ruleset_version(rs), "", "a version file others may write: refused (strict)");
	if (ruleset_nwarnings(rs) > 0)
		like(ruleset_warning(rs, 0), "the set has no version", "... a warning saying so");
	ruleset_unref(rs);

	scratch_remove();
	return done_testing();
}
