/*
 * t-pattern.c - path patterns (pattern.c): what compiles, where a bad one
 * is reported, and what each form matches against canonical routes made
 * by route_parse.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pattern.h"
#include "route.h"
#include "tap.h"

/* ---- compile errors ---- */

/* pattern_compile, its error as a 0-based offset and a message (valid
 * until the next call), as the tests below read it. */
static struct pattern *compile(const char *s, size_t *errpos, const char **why)
{
	static struct cnz_err err;
	struct pattern *p = pattern_compile(s, &err);

	*errpos = p == NULL ? err.col - 1 : 0;
	*why = p == NULL ? err.msg : NULL;
	return p;
}

struct crow {
	const char *pattern;
	const char *why;
	size_t errpos;
};

/*
 * errpos is the byte the error is about. Errors found in one alternative
 * after brace expansion can only be placed when the pattern has no braces
 * (the alternative is the pattern itself); otherwise they are at 0.
 */
static const struct crow bad[] = {
	{"", "path pattern must start with '/'", 0},
	{"containers/json", "path pattern must start with '/'", 0},
	{"*", "path pattern must start with '/'", 0},
	{"{/a,/b}", "path pattern must start with '/'", 0},
	{"/a b", "control, space or non-ASCII byte in path pattern", 2},
	{"/a\tb", "control, space or non-ASCII byte in path pattern", 2},
	{"/images/\xc3\xa9", "control, space or non-ASCII byte in path pattern",
	 8},
	{"/x\x7f", "control, space or non-ASCII byte in path pattern", 2},
	{"/a}", "unbalanced '}' in path pattern", 2},
	{"/{a}}", "unbalanced '}' in path pattern", 4},
	{"/a{b", "unbalanced '{' in path pattern", 2},
	{"/{a,{b}", "unbalanced '{' in path pattern", 1},
	{"/{a}/{b", "unbalanced '{' in path pattern", 5},
	{"/{{a}", "unbalanced '{' in path pattern", 1},
	{"/x{a,/}", "empty segment in path pattern", 0},
	{"//x", "empty segment in path pattern", 1},
	{"/a//b", "empty segment in path pattern", 3},
	{"/a/", "empty segment in path pattern", 3},
	{"/.", "'.' or '..' segment in path pattern", 1},
	{"/a/./b", "'.' or '..' segment in path pattern", 3},
	{"/a/..", "'.' or '..' segment in path pattern", 3},
	{"/a/{..,b}", "'.' or '..' segment in path pattern", 0},
	{"/a**b", "'**' must be a whole segment", 2},
	{"/images/**.tar", "'**' must be a whole segment", 8},
	{"/***", "'**' must be a whole segment", 1},
	{"/a/{x,**y}", "'**' must be a whole segment", 0},
	{"/{a,b", "unbalanced '{' in path pattern", 1},
};

static void test_compile_errors(void)
{
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		const struct crow *c = &bad[i];
		size_t errpos = 999;
		const char *why = NULL;
		struct pattern *p = compile(c->pattern, &errpos, &why);

		ok(p == NULL, "\"%s\" is rejected", c->pattern);
		is_str(why, c->why, "\"%s\": %s", c->pattern, c->why);
		is_int((long long)errpos, (long long)c->errpos,
		       "\"%s\": reported at byte %zu", c->pattern, c->errpos);
		pattern_free(p);
	}
}

static char *alternatives(size_t n)
{
	char *s = malloc(n * 8 + 8), *p = s;

	if (s == NULL) {
		printf("Bail out! out of memory\n");
		exit(255);
	}
	p += sprintf(p, "/{");
	for (size_t i = 0; i < n; i++)
		p += sprintf(p, "%s%zu", i ? "," : "", i);
	sprintf(p, "}");
	return s;
}

static void test_limits(void)
{
	struct pattern *p;
	const char *why;
	size_t errpos;
	char *s;

	s = alternatives(PATTERN_MAX_ALTS);
	p = compile(s, &errpos, &why);
	ok(p != NULL, "64 alternatives compile");
	pattern_free(p);
	free(s);

	s = alternatives(PATTERN_MAX_ALTS + 1);
	p = compile(s, &errpos, &why);
	ok(p == NULL, "65 alternatives are rejected");
	is_str(why, "too many alternatives", "65 alternatives: too many alternatives");
	pattern_free(p);
	free(s);

	p = compile("/{a,b}/{a,b}/{a,b}/{a,b}/{a,b}/{a,b}", &errpos, &why);
	ok(p != NULL, "2^6 = 64 alternatives from six groups compile");
	pattern_free(p);
	p = compile("/{a,b}/{a,b}/{a,b}/{a,b}/{a,b}/{a,b}/{a,b}", &errpos,
			    &why);
	ok(p == NULL, "2^7 alternatives from seven groups are rejected");
	is_str(why, "too many alternatives", "seven groups: too many alternatives");
	pattern_free(p);
	/* rejected quickly, without expanding 2^40 strings first */
	p = compile("/{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}"
			    "{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}"
			    "{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}"
			    "{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}",
			    &errpos, &why);
	ok(p == NULL, "2^40 alternatives are rejected");
	pattern_free(p);

	s = malloc(PATTERN_MAX_LEN + 2);
	if (s == NULL)
		return;
	s[0] = '/';
	memset(s + 1, 'a', PATTERN_MAX_LEN);
	s[PATTERN_MAX_LEN] = '\0';
	p = compile(s, &errpos, &why);
	ok(p != NULL, "a 1024-byte pattern compiles");
	pattern_free(p);
	s[PATTERN_MAX_LEN] = 'a';
	s[PATTERN_MAX_LEN + 1] = '\0';
	p = compile(s, &errpos, &why);
	ok(p == NULL, "a 1025-byte pattern is rejected");
	is_str(why, "path pattern too long", "a 1025-byte pattern is too long");
	pattern_free(p);
	free(s);
}

/* ---- matching ---- */

struct mrow {
	const char *pattern;
	const char *uri;
	bool match;
};

static const struct mrow matches[] = {
	/* literal */
	{"/containers/json", "/containers/json", true},
	{"/containers/json", "/v1.41/containers/json", true},
	{"/containers/json", "/containers/json?all=1", true},
	{"/containers/json", "/containers/jso", false},
	{"/containers/json", "/containers/json/x", false},
	{"/containers/json", "/containers", false},
	{"/containers/json", "/Containers/json", false},
	{"/Containers/json", "/containers/json", false},
	{"/containers/json", "/containers%2Fjson", true},
	{"/containers/json", "/containers/%6Ason", true},

	/* "/" and "/ANY" (a double star) */
	{"/", "/", true},
	{"/", "/v1.41", true},
	{"/", "/_ping", false},
	{"/**", "/", true},
	{"/**", "/_ping", true},
	{"/**", "/a/b/c/d", true},

	/* "*" is exactly one segment */
	{"/containers/*", "/containers/abc", true},
	{"/containers/*", "/containers", false},
	{"/containers/*", "/containers/abc/start", false},
	{"/containers/*/start", "/containers/abc/start", true},
	{"/containers/*/start", "/containers/start", false},
	{"/containers/*/start", "/containers/a/b/start", false},
	{"/*", "/_ping", true},
	{"/*", "/", false},
	{"/*/*", "/a/b", true},
	{"/*/*", "/a", false},

	/* "**" is zero or more segments */
	{"/**/json", "/json", true},
	{"/**/json", "/containers/json", true},
	{"/**/json", "/a/b/c/json", true},
	{"/**/json", "/a/json/b", false},
	{"/containers/**", "/containers", true},
	{"/containers/**", "/containers/a", true},
	{"/containers/**", "/containers/a/b/c", true},
	{"/containers/**", "/images/a", false},
	{"/containers/**", "/containersx", false},
	{"/containers/**/logs", "/containers/logs", true},
	{"/containers/**/logs", "/containers/abc/logs", true},
	{"/containers/**/logs", "/containers/a/b/logs", true},
	{"/containers/**/logs", "/containers/a/b/logsx", false},
	{"/containers/**/logs", "/images/abc/logs", false},
	{"/**/a/**", "/a", true},
	{"/**/a/**", "/x/a/y/z", true},
	{"/**/a/**", "/x/b/y", false},
	{"/**/a/**/b", "/a/b", true},
	{"/**/a/**/b", "/x/a/y/z/b", true},
	{"/**/a/**/b", "/x/b/y/a", false},
	{"/**/a/**/b", "/a/b/a/c", false},
	{"/**/a/**/b", "/a/b/a/b", true},
	{"/**/**", "/", true},
	{"/**/**", "/x/y", true},
	{"/**/x/*", "/a/x/b/x/c", true},

	/* alternatives */
	{"/containers/*/{start,stop}", "/containers/a/start", true},
	{"/containers/*/{start,stop}", "/containers/a/stop", true},
	{"/containers/*/{start,stop}", "/containers/a/restart", false},
	{"/containers/*/{start,stop}", "/containers/a/st", false},
	{"/{containers/json,images/json}", "/containers/json", true},
	{"/{containers/json,images/json}", "/images/json", true},
	{"/{containers/json,images/json}", "/containers/images", false},
	{"/{containers/json,images/json}", "/containers/json/images/json", false},
	{"/images/{a,{b,c}d}", "/images/a", true},
	{"/images/{a,{b,c}d}", "/images/bd", true},
	{"/images/{a,{b,c}d}", "/images/cd", true},
	{"/images/{a,{b,c}d}", "/images/d", false},
	{"/images/{a,{b,c}d}", "/images/b", false},
	{"/x{,/y}", "/x", true},
	{"/x{,/y}", "/x/y", true},
	{"/{a,b}/{c,d}", "/b/c", true},
	{"/{a,b}/{c,d}", "/c/b", false},
	{"/a{}", "/a", true},
	{"/{*,**/x}", "/q", true},
	{"/{*,**/x}", "/q/r/x", true},
	{"/{*,**/x}", "/q/r", false},

	/* "?" is one character */
	{"/v?", "/vx", true},
	{"/v?", "/v", false},
	{"/v?", "/vxy", false},
	{"/a?c", "/abc", true},
	{"/a?c", "/a%2Fc", false},
	{"/???", "/abc", true},
	{"/???", "/ab", false},

	/* globs inside a segment */
	{"/images/*.tar", "/images/foo.tar", true},
	{"/images/*.tar", "/images/.tar", true},
	{"/images/*.tar", "/images/foo.tar.gz", false},
	{"/images/*.tar", "/images/foo.tarx", false},
	{"/images/*.tar", "/images/a/b.tar", false},
	{"/images/*.tar", "/images/foo.TAR", false},
	{"/images/a*", "/images/a", true},
	{"/images/a*", "/images/abc", true},
	{"/images/a*", "/images/ba", false},
	{"/images/*a*b*", "/images/xaybz", true},
	{"/images/*a*b*", "/images/xbya", false},
	{"/images/*ab", "/images/aab", true},
	{"/images/*ab", "/images/abab", true},
	{"/images/*ab", "/images/aba", false},
	{"/*/json", "/containers/json", true},
	{"/c*/json", "/containers/json", true},
	{"/c*/json", "/images/json", false},
	{"/images/*/push", "/images/library%2Fbusybox/push", false},
	{"/images/**/push", "/images/library%2Fbusybox/push", true},
};

static void test_matches(void)
{
	for (size_t i = 0; i < sizeof matches / sizeof matches[0]; i++) {
		const struct mrow *m = &matches[i];
		size_t errpos;
		const char *why;
		struct cnz_err rerr;
		struct pattern *p = compile(m->pattern, &errpos, &why);
		struct route *r = route_parse(m->uri, strlen(m->uri), &rerr);

		if (p == NULL || r == NULL) {
			ok(0, "\"%s\" vs \"%s\": %s", m->pattern, m->uri,
			   p == NULL ? why : rerr.msg);
		} else {
			ok(pattern_match(p, r) == m->match,
			   "\"%s\" %s \"%s\"", m->pattern,
			   m->match ? "matches" : "does not match", m->uri);
		}
		pattern_free(p);
		route_free(r);
	}
}

static void test_glob(void)
{
	ok(pattern_glob("*", 1, "", 0), "glob: * matches the empty string");
	ok(pattern_glob("", 0, "", 0), "glob: empty matches empty");
	ok(!pattern_glob("", 0, "a", 1), "glob: empty does not match a");
	ok(!pattern_glob("?", 1, "", 0), "glob: ? needs a character");
	ok(pattern_glob("a*b*c", 5, "aXbYbZc", 7), "glob: backtracking");
	ok(!pattern_glob("a*b*c", 5, "aXbYbZ", 6), "glob: backtracking fails");
	ok(pattern_glob("ab", 1, "a", 1), "glob: lengths bound the pattern");
	ok(pattern_glob("a", 1, "ab", 1), "glob: lengths bound the string");
}

static void test_text(void)
{
	size_t errpos;
	const char *why;
	struct pattern *p = compile("/containers/*/{start,stop}", &errpos,
					    &why);

	if (ok(p != NULL, "a pattern with braces compiles"))
		is_str(pattern_text(p), "/containers/*/{start,stop}",
		       "pattern_text is the source as written");
	pattern_free(p);
	pattern_free(NULL);
	ok(1, "pattern_free(NULL) is allowed");
}

int main(void)
{
	test_compile_errors();
	test_limits();
	test_matches();
	test_glob();
	test_text();
	return done_testing();
}
