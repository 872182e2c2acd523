/*
 * t-ruleset.c - loading a rules directory (ruleset.c): which file judges
 * whom, include and substack, what is refused and how it is reported.
 * Each test makes its own directory under /tmp and removes it.
 *
 * Whole requests go through decide() as a named CN (or the local
 * identity), with a trace of the lines that ran as "file:line", and
 * "sub:file:line" where a substack was entered.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "decide.h"
#include "ruleset_holder.h"
#include "ruleset.h"
#include "rulesdir.h"
#include "tap.h"
#include "testlib.h"

static const char *dir;

static void make_dir(void)
{
	dir = scratch_make("ruleset");
}

static struct ruleset *load(void)
{
	struct ruleset_opts o = {.insecure_permissions = true};

	return load_rules(dir, &o);
}

/* "DIR/rest" */
static const char *at(const char *rest)
{
	static char buf[4][2048];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof buf[i], "%s/%s", dir, rest);
	return buf[i];
}

/* ---- judging requests ---- */

/* cn NULL: the local identity (the request carries no certificate). */
static void judge(struct ruleset *rs, const char *cn, const char *method,
		  const char *uri, struct verdict *v)
{
	char *text = authz_req_text(&(struct authz_req){.method = method,
							.uri = uri});

	judge_text(rs, cn, text, v);
	free(text);
}

static const char *pick_error(struct ruleset *rs, const char *name)
{
	struct ruleset_pick p;

	ruleset_pick_name(rs, name, &p);
	return p.stack == NULL ? p.error : NULL;
}

#define UNKNOWN_CONTROL(w)                                                   \
	"unknown control \"" w "\" (want required, requisite, sufficient, "  \
	"optional, include, substack or [...])"
#define UNKNOWN_METHOD(w)                                                    \
	"permit: unknown method \"" w "\" (want GET, HEAD, POST, PUT, "      \
	"DELETE, PATCH, OPTIONS, CONNECT or TRACE)"
#define METHOD_LIST                                                          \
	"expected an upper-case method list such as GET,HEAD, \"*\" or a "   \
	"path pattern starting with '/'"

/* ---- which file judges whom ---- */

static void test_pick(void)
{
	struct ruleset *rs;
	struct ruleset_pick p;
	struct verdict v;
	const char *client_err;

	make_dir();
	put("@other", "sufficient permit GET\n");
	put("admin", "# admins\nsufficient permit\n");
	put("client", "sufficient permit GET\nbogus permit\n");
	put("@local", "required deny\n");
	rs = load();
	client_err = at("client:2:1: " UNKNOWN_CONTROL("bogus"));

	is_int((long long)ruleset_nfiles(rs), 4, "four rule files are loaded");
	is_int((long long)ruleset_nerrors(rs), 1, "one of them is broken");
	if (ruleset_nerrors(rs) == 1)
		is_str(ruleset_error(rs, 0), client_err,
		       "the error names path:line:col");
	is_int((long long)ruleset_nwarnings(rs), 0, "no warnings");
	is_str(ruleset_dir(rs), dir, "the set remembers its directory");

	judge(rs, "nobody", "GET", "/v1.41/containers/json", &v);
	ok(v.allow, "a CN without a file is judged by @other");
	is_str(v.stack, "@other", "the stack used is @other");
	is_str(v.rule, "@other:1", "the deciding rule is @other:1");
	is_str(v.ran, "@other:1", "only @other's line ran");
	judge(rs, "nobody", "POST", "/v1.41/containers/json", &v);
	ok(!v.allow, "@other denies what it does not allow");
	is_str(v.msg,
	       "nobody may not POST /containers/json: no rule in @other allows it",
	       "a stack that runs out says no rule allows it");

	judge(rs, "admin", "POST", "/v1.41/containers/json", &v);
	ok(v.allow, "a CN with a file is judged by its own file");
	is_str(v.rule, "admin:2", "the deciding rule is admin:2");

	judge(rs, "client", "GET", "/v1.41/containers/json", &v);
	ok(!v.allow,
	   "a CN whose file is broken is denied, even for what its good lines allow");
	is_str(v.stack, "client", "a broken CN does not fall back to @other");
	is_str(v.ran, "", "nothing runs for a broken CN");
	like(v.msg, "rule file client is invalid: ",
	     "the denial says the CN's file is invalid");
	like(v.msg, client_err, "the denial carries the parse error");
	ruleset_pick_name(rs, "client", &p);
	ok(p.stack == NULL, "pick: a broken file has no stack");
	is_str(p.error, client_err, "pick: a broken file's error is path:line:col");
	is_str(p.name, "client", "pick: a broken file is still the one picked");

	judge(rs, NULL, "GET", "/_ping", &v);
	ok(!v.allow, "the local identity is judged by @local");
	is_str(v.stack, "@local", "the stack used is @local");
	is_str(v.msg, "local may not GET /_ping: rule \"deny * /**\" (@local:1)",
	       "the denial quotes the deny rule and names its line");

	ruleset_pick_name(rs, "nobody", &p);
	ok(p.stack == NULL, "pick by name: no fallback to @other");
	is_str(p.error, "no such rule file", "pick by name: no such rule file");
	ruleset_unref(rs);
	scratch_remove();

	/* without @other and @local */
	make_dir();
	put("admin", "sufficient permit\n");
	rs = load();
	judge(rs, "nobody", "GET", "/_ping", &v);
	ok(!v.allow, "no file and no @other: denied");
	is_str(v.msg, "nobody may not GET /_ping: rule file @other: no such rule file",
	       "no file and no @other: the denial says so");
	judge(rs, NULL, "GET", "/_ping", &v);
	ok(!v.allow, "no @local: the local identity is denied");
	is_str(v.msg, "local may not GET /_ping: rule file @local: no such rule file",
	       "no @local: the denial says so, and @other is not used");
	ruleset_unref(rs);
	scratch_remove();

	/* a broken @other */
	make_dir();
	put("@other", "required permit GET,\n");
	put("@local", "sufficient permit\n");
	rs = load();
	judge(rs, "nobody", "GET", "/_ping", &v);
	ok(!v.allow, "a broken @other denies CNs without a file");
	like(v.msg,
	     at("@other:1:20: permit: trailing ',' in method list"),
	     "a broken @other: the denial carries its error");
	judge(rs, NULL, "GET", "/_ping", &v);
	ok(v.allow, "a broken @other does not affect @local");
	ruleset_unref(rs);
	scratch_remove();
}

/* ---- include and substack ---- */

static void test_include(void)
{
	struct ruleset *rs;
	struct verdict v;

	make_dir();
	put("@two", "required deny\nsufficient permit\n");
	put("inc", "[success=1 default=ignore] permit GET\n"
		   "include @two\n"
		   "required deny\n");
	put("sub", "[success=1 default=ignore] permit GET\n"
		   "substack @two\n"
		   "required permit\n");
	put("@suff", "sufficient permit\n");
	put("incdone", "include @suff\nrequired deny\n");
	put("subdone", "substack @suff\nrequired deny\n");
	put("@die", "requisite deny POST\nrequired permit\n");
	put("subdie", "substack @die\nsufficient permit\n");
	put("twice", "include @suff\ninclude @suff\n");
	rs = load();
	is_int((long long)ruleset_nerrors(rs), 0, "the include tests load cleanly");

	judge(rs, "inc", "GET", "/_ping", &v);
	is_str(v.ran, "inc:1 @two:2",
	       "a jump of 1 before an include skips only the include's first line");
	ok(v.allow, "the include's second line then allows");
	is_str(v.rule, "@two:2", "the deciding rule is the included file's line");
	judge(rs, "inc", "POST", "/_ping", &v);
	is_str(v.ran, "inc:1 @two:1 @two:2 inc:3",
	       "without the jump, the included lines run in place");
	ok(!v.allow, "the included required deny denies");
	is_str(v.rule, "@two:1", "the included failing line decides");

	judge(rs, "sub", "GET", "/_ping", &v);
	is_str(v.ran, "sub:1 sub:3", "a jump of 1 skips a whole substack");
	ok(v.allow, "and the line after it allows");
	judge(rs, "sub", "POST", "/_ping", &v);
	is_str(v.ran, "sub:1 sub:sub:2 @two:1 @two:2 sub:3",
	       "a substack runs its lines as one entry of the parent");
	ok(!v.allow, "a failure inside a substack stays a failure");

	judge(rs, "incdone", "GET", "/_ping", &v);
	is_str(v.ran, "@suff:1", "done inside an include ends the whole stack");
	ok(v.allow, "so the include's sufficient success allows");
	judge(rs, "subdone", "GET", "/_ping", &v);
	is_str(v.ran, "sub:subdone:1 @suff:1 subdone:2",
	       "done inside a substack ends only the substack");
	ok(!v.allow, "so the parent's later failure counts");
	judge(rs, "subdie", "POST", "/_ping", &v);
	is_str(v.ran, "sub:subdie:1 @die:1 subdie:2",
	       "die inside a substack ends only the substack");
	ok(!v.allow, "and its NEG stays NEG through a later sufficient");
	judge(rs, "subdie", "GET", "/_ping", &v);
	ok(v.allow, "the same substack allows what it allows");

	judge(rs, "twice", "GET", "/_ping", &v);
	ok(v.allow, "a file may include the same file twice");
	ruleset_unref(rs);
	scratch_remove();
}

static void test_include_errors(void)
{
	struct ruleset *rs;
	struct verdict v;
	char bad[1024], want[2048];

	make_dir();
	put("@other", "sufficient permit\n");
	put("@bad", "required permit GETT /x\n");
	put("missing", "required permit GET\ninclude nope\n");
	put("incbad", "include @bad\n");
	put("subbad", "  substack @bad\n");
	put("self", "include self\n");
	put("selfsub", "substack selfsub\n");
	put("b", "include c\n");
	put("c", "required permit\ninclude b\n");
	put("user", "include missing\n");
	rs = load();
	snprintf(bad, sizeof bad, "%s", at("@bad:1:17: " UNKNOWN_METHOD("GETT")));

	snprintf(want, sizeof want,
		 "%s/missing:2:9: include: no rule file \"nope\" in %s", dir,
		 dir);
	is_str(pick_error(rs, "missing"), want,
	       "include of a missing file: an error at the name");
	is_str(pick_error(rs, "@bad"), bad, "the broken file's own error");
	snprintf(want, sizeof want,
		 "%s/incbad:1:9: include \"@bad\", which is invalid: %s", dir,
		 bad);
	is_str(pick_error(rs, "incbad"), want,
	       "include of a broken file: an error at the name, quoting the file's");
	snprintf(want, sizeof want,
		 "%s/subbad:1:12: substack \"@bad\", which is invalid: %s", dir,
		 bad);
	is_str(pick_error(rs, "subbad"), want,
	       "substack of a broken file: an error at the name, quoting the file's");
	is_str(pick_error(rs, "self"),
	       at("self:1:9: include \"self\" makes a loop"),
	       "a file including itself is a loop");
	is_str(pick_error(rs, "selfsub"),
	       at("selfsub:1:10: substack \"selfsub\" makes a loop"),
	       "a file using itself as a substack is a loop");
	/* b is compiled first (files go in name order), so the loop is
	 * found at c's line and b is broken by including c */
	is_str(pick_error(rs, "c"), at("c:2:9: include \"b\" makes a loop"),
	       "A->B->A: the loop is reported where it closes");
	snprintf(want, sizeof want,
		 "%s/b:1:9: include \"c\", which is invalid: %s/c:2:9: include \"b\" makes a loop",
		 dir, dir);
	is_str(pick_error(rs, "b"), want, "A->B->A: the other file is broken too");
	ok(strstr(pick_error(rs, "user") ? pick_error(rs, "user") : "",
		  "which is invalid") != NULL,
	   "including a file with a broken include is an error");
	is_int((long long)ruleset_nerrors(rs), 9, "nine files are broken");

	judge(rs, "incbad", "GET", "/_ping", &v);
	ok(!v.allow, "a CN whose include is broken is denied");
	is_str(v.stack, "incbad", "and not judged by @other");
	judge(rs, "b", "GET", "/_ping", &v);
	ok(!v.allow, "a CN in an include loop is denied");
	judge(rs, "someone", "GET", "/_ping", &v);
	ok(v.allow, "broken files do not affect other CNs");
	ruleset_unref(rs);
	scratch_remove();
}

/*
 * n00 -> n01 -> ... -> n17, alternating include and substack. cnauthz
 * counts include and substack alike and allows 16 levels below a file.
 * (Linux-PAM counts only substacks, refusing stack_level >= 16, so 15.)
 */
static void test_depth(void)
{
	struct ruleset *rs;
	struct verdict v;
	char name[8], text[64];

	make_dir();
	for (int i = 0; i <= 17; i++) {
		snprintf(name, sizeof name, "n%02d", i);
		if (i == 17)
			snprintf(text, sizeof text, "sufficient permit\n");
		else
			snprintf(text, sizeof text, "%s n%02d\n",
				 i % 2 ? "substack" : "include", i + 1);
		put(name, text);
	}
	put("top", "include n00\n");
	rs = load();
	is_str(pick_error(rs, "n00"),
	       at("n00:1:9: include/substack nesting deeper than 16"),
	       "17 levels of include/substack below a file is an error");
	is_str(pick_error(rs, "n01"), NULL, "16 levels below a file are fine");
	judge(rs, "n01", "GET", "/_ping", &v);
	ok(v.allow, "16 levels deep, the last file's line still decides");
	is_str(v.rule, "n17:1", "the deciding line is 16 levels down");
	like(pick_error(rs, "top") ? pick_error(rs, "top") : "",
	     "nesting deeper than 16",
	     "a file including the too-deep chain is broken, saying why");
	is_int((long long)ruleset_nerrors(rs), 2, "only n00 and top are broken");
	ruleset_unref(rs);
	scratch_remove();
}

/* ---- directory entries ---- */

static void test_entries(void)
{
	/* names no rule file can have, and why the loader says it skipped
	 * each: never silently */
	static const struct {
		const char *name, *why;
	} skipped[] = {
		{".hidden", "it starts with '.' (a hidden file)"},
		{".client.swp", "it starts with '.' (a hidden file)"},
		{"foo~", "it holds '~' or '#' (an editor's leftover)"},
		{"#client#", "it holds '~' or '#' (an editor's leftover)"},
		{"foo.dpkg-old", "it ends in \".dpkg-old\" (an editor's or package manager's leftover)"},
		{"client.swp", "it ends in \".swp\" (an editor's or package manager's leftover)"},
		{"client.rpmsave", "it ends in \".rpmsave\" (an editor's or package manager's leftover)"},
		{"client.bak", "it ends in \".bak\" (an editor's or package manager's leftover)"},
		{"client.orig", "it ends in \".orig\" (an editor's or package manager's leftover)"},
		{"client.tmp", "it ends in \".tmp\" (an editor's or package manager's leftover)"},
		{"client.dpkg-new", "it ends in \".dpkg-new\" (an editor's or package manager's leftover)"},
		{"client.ucf-old", "it ends in \".ucf-old\" (an editor's or package manager's leftover)"},
		{"@x.bak", "it ends in \".bak\" (an editor's or package manager's leftover)"},
		{"bad name", "it holds a blank"},
		{"-lead", "it starts with '-' (a CN is [A-Za-z0-9._@+-], starting with a letter or digit)"},
		{"@", "it is '@' alone"},
	};
	/* CNs that look like other things are CNs: their files load */
	static const char *const cns[] = {
		"web.1", "10.0.0.5", "cnauthz-rules.5", "v1.0", "a.5x", "x.1",
	};
	size_t nskipped = sizeof skipped / sizeof skipped[0];
	size_t ncns = sizeof cns / sizeof cns[0];
	struct ruleset *rs;
	struct verdict v;
	char p[512];
	char want[1024];

	make_dir();
	put("@other", "requisite deny\n");
	put("real", "sufficient permit\n");
	for (size_t i = 0; i < nskipped; i++)
		put(skipped[i].name, "sufficient permit\n");
	for (size_t i = 0; i < ncns; i++)
		put(cns[i], "sufficient permit GET /_ping\n");
	snprintf(p, sizeof p, "%s/client", dir);
	if (symlink("real", p) < 0)
		bail_errno("symlink");
	snprintf(p, sizeof p, "%s/admin", dir);
	if (mkdir(p, 0700) < 0)
		bail_errno("mkdir");
	snprintf(p, sizeof p, "%s/pipe", dir);
	if (mkfifo(p, 0600) < 0)
		bail_errno("mkfifo");
	rs = load();

	is_int((long long)ruleset_nwarnings(rs), (long long)nskipped,
	       "every name that is no rule-file name gives one warning");
	for (size_t i = 0; i < nskipped; i++) {
		bool found = false;

		snprintf(want, sizeof want, "%s/%s: skipped, not a rule file: %s",
			 dir, skipped[i].name, skipped[i].why);
		for (size_t k = 0; k < ruleset_nwarnings(rs); k++)
			found = found || strcmp(ruleset_warning(rs, k), want) == 0;
		ok(found, "\"%s\" is skipped, saying why: %s", skipped[i].name,
		   skipped[i].why);
		is_str(pick_error(rs, skipped[i].name), "no such rule file",
		       "... and not loaded");
	}
	for (size_t i = 0; i < ncns; i++) {
		is_str(pick_error(rs, cns[i]), NULL, "\"%s\" is a CN's rule file",
		       cns[i]);
		judge(rs, cns[i], "GET", "/_ping", &v);
		ok(v.allow, "... which judges CN %s, not @other", cns[i]);
	}

	is_str(pick_error(rs, "client"), at("client: is a symbolic link"),
	       "a symbolic link is refused");
	is_str(pick_error(rs, "real"), NULL, "its target loads on its own");
	judge(rs, "client", "GET", "/_ping", &v);
	ok(!v.allow, "a CN whose file is a symbolic link is denied");
	is_str(v.stack, "client", "and not judged by @other");
	is_str(pick_error(rs, "admin"), at("admin: is not a regular file"),
	       "a directory is refused");
	is_str(pick_error(rs, "pipe"), at("pipe: is not a regular file"),
	       "a FIFO is refused (and loading does not block on it)");
	is_int((long long)ruleset_nerrors(rs), 3,
	       "the link, the directory and the FIFO are the errors");
	is_int((long long)ruleset_nfiles(rs), (long long)(5 + ncns),
	       "@other, real, the link, the directory, the FIFO and the CNs are taken as rule files");
	ruleset_unref(rs);
	scratch_remove();
}

static void test_missing_dir(void)
{
	struct ruleset_opts o = {.insecure_permissions = true};
	struct cnz_err err;
	struct ruleset *rs;
	char buf[1024], p[512];

	make_dir();
	snprintf(p, sizeof p, "%s/nope", dir);
	rs = ruleset_load(p, &o, &err);
	ok(rs == NULL, "a missing directory fails the load");
	is_str(cnz_err_str(&err, buf, sizeof buf),
	       at("nope: cannot open rules directory: No such file or directory"),
	       "a missing directory: the error names it");
	ruleset_unref(rs);
	put("file", "sufficient permit\n");
	snprintf(p, sizeof p, "%s/file", dir);
	rs = ruleset_load(p, &o, &err);
	ok(rs == NULL, "a file instead of a directory fails the load");
	is_str(cnz_err_str(&err, buf, sizeof buf),
	       at("file: cannot open rules directory: Not a directory"),
	       "a file instead of a directory: the error says so");
	ruleset_unref(rs);
	scratch_remove();

	make_dir();
	rs = load();
	ok(rs != NULL, "an empty directory loads");
	is_int((long long)ruleset_nfiles(rs), 0, "an empty directory has no files");
	ruleset_unref(rs);
	scratch_remove();
}

/* ---- the set's hash ---- */

static int is_hex64(const char *h)
{
	if (strlen(h) != 64)
		return 0;
	for (size_t i = 0; i < 64; i++)
		if (!((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'f')))
			return 0;
	return 1;
}

static void hash_of(char *out)
{
	struct ruleset *rs = load();

	snprintf(out, 65, "%s", ruleset_hash(rs));
	ruleset_unref(rs);
}

static void test_hash(void)
{
	char h1[65], h2[65], h3[65], h4[65], h5[65], h6[65], h7[65];
	char p[512];

	make_dir();
	put("@other", "sufficient permit GET\n");
	put("client", "sufficient permit\n");
	hash_of(h1);
	ok(is_hex64(h1), "the hash is 64 lower-case hex digits");
	hash_of(h2);
	is_str(h2, h1, "loading the same files twice gives the same hash");
	put("client", "sufficient permit \n");
	hash_of(h3);
	ok(strcmp(h3, h1) != 0, "one byte more in a file changes the hash");
	put("client", "sufficient permit\n");
	snprintf(p, sizeof p, "%s/client", dir);
	if (truncate(p, 18) < 0 || utimes(p, NULL) < 0)
		bail_errno("touch");
	hash_of(h4);
	is_str(h4, h1, "the same content again gives the same hash (mtime aside)");
	put("client.bak", "anything\n");
	put(".x", "anything\n");
	hash_of(h5);
	is_str(h5, h1, "ignored files do not change the hash");
	put("admin", "sufficient permit\n");
	hash_of(h6);
	ok(strcmp(h6, h1) != 0, "a new rule file changes the hash");
	scratch_remove();

	/* same contents under other names */
	make_dir();
	put("@other", "sufficient permit GET\n");
	put("clienu", "sufficient permit\n");
	hash_of(h7);
	ok(strcmp(h7, h1) != 0, "a renamed file changes the hash");
	scratch_remove();

	make_dir();
	put("@other", "sufficient permit GET\nsufficient permit\n");
	put("client", "");
	hash_of(h7);
	ok(strcmp(h7, h1) != 0,
	   "moving bytes from one file to another changes the hash");
	scratch_remove();
}

/* ---- module errors: where they point ---- */

struct mrow {
	const char *what;
	const char *text;
	const char *where; /* "client:line:col: message" */
};

static const struct mrow module_errors[] = {
	{"an unknown module", "required permitt GET\n",
	 "client:1:10: unknown module \"permitt\""},
	{"an unknown module on a later line",
	 "sufficient permit GET\n  required  Deny\n",
	 "client:2:13: unknown module \"Deny\""},
	{"an unknown method", "required permit GETT /x\n",
	 "client:1:17: " UNKNOWN_METHOD("GETT")},
	{"an unknown method later in a list", "required permit GET,HEAD,GETT /x\n",
	 "client:1:26: " UNKNOWN_METHOD("GETT")},
	{"a lower-case method", "required permit get /x\n",
	 "client:1:17: permit: " METHOD_LIST},
	{"an empty method in a list", "required permit GET,,HEAD\n",
	 "client:1:21: permit: " METHOD_LIST},
	{"a method followed by a path", "required permit GET/x\n",
	 "client:1:20: permit: " METHOD_LIST},
	{"a trailing ',' in a method list", "required permit GET, /x\n",
	 "client:1:20: permit: trailing ',' in method list"},
	{"'**' inside a segment", "required permit GET /containers/a**b\n",
	 "client:1:34: permit: '**' must be a whole segment"},
	{"an unbalanced '}'", "required deny * /x}\n",
	 "client:1:19: deny: unbalanced '}' in path pattern"},
	{"an unbalanced '{'", "required deny * /x/{a,{b}\n",
	 "client:1:20: deny: unbalanced '{' in path pattern"},
	{"a dot segment", "required permit /a/../b\n",
	 "client:1:20: permit: '.' or '..' segment in path pattern"},
	{"a trailing '/'", "required permit GET /containers/\n",
	 "client:1:33: permit: empty segment in path pattern"},
	{"a permit with msg=", "required permit GET /x msg=no\n",
	 "client:1:24: permit: msg= is for deny: a permit's message names its line"},
	{"an empty msg=", "required deny GET /x msg=\n",
	 "client:1:22: deny: msg= needs a text"},
	{"msg= before a condition", "required deny GET /x msg=a query:x exists\n",
	 "client:1:22: deny: msg= comes once, last"},
	{"an argument too many", "required deny GET /x /y\n",
	 "client:1:22: deny: unexpected argument (want [METHODS] [PATTERN] [CONDITION ...])"},
	{"a pattern error on a continuation line",
	 "required permit \\\n   GET \\\n   /a**b\n",
	 "client:3:6: permit: '**' must be a whole segment"},
	{"only the first bad line is reported",
	 "required permit GETT\nrequired permitt\n",
	 "client:1:17: " UNKNOWN_METHOD("GETT")},
};

static void test_module_errors(void)
{
	for (size_t i = 0; i < sizeof module_errors / sizeof module_errors[0];
	     i++) {
		const struct mrow *m = &module_errors[i];
		struct ruleset *rs;

		make_dir();
		put("client", m->text);
		rs = load();
		is_str(pick_error(rs, "client"), at(m->where), "%s: %s", m->what,
		       m->where);
		ruleset_unref(rs);
		scratch_remove();
	}
}

/* ---- a few whole requests through permit and deny ---- */

static void test_requests(void)
{
	struct ruleset *rs;
	struct verdict v;

	make_dir();
	put("client", "requisite  deny   GET,HEAD /containers/*/{export,archive}\n"
		      "sufficient permit GET,HEAD\n"
		      "sufficient permit POST /containers/*/{start,stop}\n"
		      "sufficient permit * /images/**/json\n");
	rs = load();
	judge(rs, "client", "GET", "/v1.41/containers/json", &v);
	ok(v.allow, "client may GET /containers/json");
	is_str(v.ran, "client:1 client:2", "the deny line ignores it, the permit allows");
	judge(rs, "client", "GET", "/v1.41/containers/abc/export", &v);
	ok(!v.allow, "client may not export a container");
	is_str(v.ran, "client:1", "requisite deny stops at once");
	is_str(v.msg,
	       "client may not GET /containers/abc/export: rule \"deny GET,HEAD /containers/*/{export,archive}\" (client:1)",
	       "the denial quotes the rule");
	judge(rs, "client", "HEAD", "/containers/abc/archive?path=/etc", &v);
	ok(!v.allow, "client may not HEAD an archive");
	judge(rs, "client", "POST", "/v1.41/containers/abc/stop", &v);
	ok(v.allow, "client may stop a container");
	judge(rs, "client", "POST", "/v1.41/containers/abc/kill", &v);
	ok(!v.allow, "client may not kill a container");
	judge(rs, "client", "DELETE", "/images/library%2Fbusybox/json", &v);
	ok(v.allow, "a %%2F-encoded name is matched as the router sees it");
	judge(rs, "client", "POST", "/images/create", &v);
	ok(!v.allow, "client may not pull an image");
	is_str(v.msg,
	       "client may not POST /images/create: no rule in client allows it",
	       "the stack runs out");
	ruleset_unref(rs);
	scratch_remove();
}

/* ---- references and the holder ---- */

static void test_holder(void)
{
	struct ruleset *a, *b, *got;
	struct ruleset_holder *h;

	make_dir();
	put("client", "sufficient permit\n");
	a = load();
	b = load();
	h = ruleset_holder_new(a);
	got = ruleset_holder_get(h);
	ok(got == a, "the holder hands out the set it holds");
	ruleset_holder_swap(h, b);
	ruleset_unref(got);
	got = ruleset_holder_get(h);
	ok(got == b, "after a swap it hands out the new set");
	ok(ruleset_ref(got) == got, "ruleset_ref returns its argument");
	ruleset_unref(got);
	ruleset_unref(got);
	ruleset_holder_free(h);
	scratch_remove();
}

/* Whether a set is worth a malloc_trim after its load and release. */
static void test_large(void)
{
	struct ruleset *rs;
	char *text;
	size_t n = RULESET_LARGE_BYTES / 64 + 1;

	make_dir();
	put("client", "sufficient permit\n");
	rs = load();
	ok(!ruleset_is_large(rs), "a set of one small file is not large");
	ruleset_unref(rs);
	text = malloc(n * 64 + 32);
	if (text == NULL)
		bail("out of memory");
	for (size_t i = 0; i < n; i++) { /* comment lines of 64 bytes */
		memset(text + 64 * i, '#', 63);
		text[64 * i + 63] = '\n';
	}
	strcpy(text + 64 * n, "sufficient permit\n");
	put("admin", text);
	free(text);
	rs = load();
	ok(ruleset_is_large(rs), "a set of %zu bytes of rule files is large", n * 64 + 18);
	ok(ruleset_nerrors(rs) == 0, "... and loads without errors");
	ruleset_unref(rs);
	ok(!ruleset_is_large(NULL), "no set is not large");
	scratch_remove();
}

/* The files the modules read (a CRL), which the daemon watches. */
static void test_deps(void)
{
	char crl[PATH_MAX], line[PATH_MAX * 2 + 100];
	struct ruleset *rs;

	make_dir();
	char rel[1024];

	snprintf(rel, sizeof rel, "%s/tests/fixtures/certs/rev-crl.pem", tap_top());
	if (realpath(rel, crl) == NULL) /* by absolute path, as the daemon's */
		bail_errno(rel);
	snprintf(line, sizeof line,
		 "requisite revoked crl=%s crl=%s\nsufficient permit\n", crl, crl);
	put("client", line);
	put("admin", line);
	put("@other", "sufficient permit GET\n");
	rs = load();
	is_int((long long)ruleset_ndeps(rs), 1,
	       "the CRL a module reads is a file the set depends on, once");
	if (ruleset_ndeps(rs) > 0)
		is_str(ruleset_dep(rs, 0), crl, "... by its path");
	ruleset_unref(rs);
	put("client", "sufficient permit\n");
	put("admin", "sufficient permit\n");
	rs = load();
	is_int((long long)ruleset_ndeps(rs), 0, "no module reads a file: none");
	ruleset_unref(rs);
	scratch_remove();
}

int main(void)
{
	test_pick();
	test_include();
	test_include_errors();
	test_depth();
	test_entries();
	test_missing_dir();
	test_hash();
	test_module_errors();
	test_requests();
	test_holder();
	test_large();
	test_deps();
	return done_testing();
}
