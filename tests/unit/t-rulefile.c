/*
 * t-rulefile.c - golden tests of the rule-file parser (rulefile.c).
 *
 * Every error is checked as the exact string cnz_err_str gives,
 * "name:line:col: message". Lines and columns are 1-based; a column counts
 * bytes, not characters (a UTF-8 "é" is two columns) and a tab is one
 * column. A position is where the offending thing starts: the word, the
 * bracket piece, the opening quote, the bad byte.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "identity.h"
#include "rulefile.h"
#include "tap.h"

#define NAME "rules/client"

/* ---- errors ---- */

struct erow {
	const char *what;
	const char *in;
	size_t len; /* 0: strlen(in) */
	const char *want;
};

#define UNKNOWN_CONTROL(w)                                                   \
	"unknown control \"" w "\" (want required, requisite, sufficient, "  \
	"optional, include, substack or [...])"
#define UNKNOWN_RESULT(w)                                                    \
	"unknown result \"" w                                                \
	"\" (want success, deny, ignore, error or default)"
#define UNKNOWN_ACTION(w)                                                    \
	"unknown action \"" w "\" (want ok, done, bad, die, ignore, reset "  \
	"or a jump 1..1000)"
#define BAD_ESCAPE "only \\\" and \\\\ are escapes inside quotes"

static const struct erow errors[] = {
	/* controls */
	{"an unknown control", "bogus permit\n", 0,
	 NAME ":1:1: " UNKNOWN_CONTROL("bogus")},
	{"controls are case-sensitive", "Required permit\n", 0,
	 NAME ":1:1: " UNKNOWN_CONTROL("Required")},
	{"an unknown control after blank lines and comments",
	 "\n# c\n\n   bogus permit\n", 0, NAME ":4:4: " UNKNOWN_CONTROL("bogus")},
	{"an unknown control after a tab (one column)", "\tbogus permit\n", 0,
	 NAME ":1:2: " UNKNOWN_CONTROL("bogus")},
	{"an unknown control's non-ASCII bytes are shown as '?'",
	 "r\xc3\xa9quired permit\n", 0, NAME ":1:1: " UNKNOWN_CONTROL("r??quired")},
	{"an unknown control on a CRLF line", "required permit\r\nbogus x\r\n", 0,
	 NAME ":2:1: " UNKNOWN_CONTROL("bogus")},
	{"a quoted '[' is not a bracket control", "\"[default=ok\" permit\n", 0,
	 NAME ":1:1: " UNKNOWN_CONTROL("[default=ok")},
	{"a quoted '[' without ']' is not read as a bracket",
	 "\"[default=okk\" permit\n", 0,
	 NAME ":1:1: " UNKNOWN_CONTROL("[default=okk")},
	{"an escaped '[' is not a bracket control", "\\[default=ok] permit\n", 0,
	 NAME ":1:1: " UNKNOWN_CONTROL("[default=ok]")},

	/* a control without a module */
	{"a control without a module", "  required\n", 0,
	 NAME ":1:3: missing module after control"},
	{"a control followed by a comment only", "required # permit\n", 0,
	 NAME ":1:1: missing module after control"},
	{"a bracket without a module", "[success=ok default=bad]\n", 0,
	 NAME ":1:1: missing module after control"},
	{"include without a name", "include\n", 0,
	 NAME ":1:1: missing rule-file name"},
	{"substack without a name", "substack   # x\n", 0,
	 NAME ":1:1: missing rule-file name"},

	/* the bracket form */
	{"an unknown result", "[succes=ok] permit\n", 0,
	 NAME ":1:2: " UNKNOWN_RESULT("succes")},
	{"an unknown result later in the bracket",
	 "[success=ok  new_authtok_reqd=ok] permit\n", 0,
	 NAME ":1:14: " UNKNOWN_RESULT("new_authtok_reqd")},
	{"an empty result", "[=ok] permit\n", 0, NAME ":1:2: " UNKNOWN_RESULT("")},
	{"results are case-sensitive", "[Success=ok] permit\n", 0,
	 NAME ":1:2: " UNKNOWN_RESULT("Success")},
	{"an unknown action", "[success=okay] permit\n", 0,
	 NAME ":1:10: " UNKNOWN_ACTION("okay")},
	{"an empty action", "[success=] permit\n", 0,
	 NAME ":1:10: " UNKNOWN_ACTION("")},
	{"a jump of 0", "[success=0] permit\n", 0, NAME ":1:10: " UNKNOWN_ACTION("0")},
	{"a jump over the maximum", "[success=1001] permit\n", 0,
	 NAME ":1:10: " UNKNOWN_ACTION("1001")},
	{"a jump with five digits", "[success=10000] permit\n", 0,
	 NAME ":1:10: " UNKNOWN_ACTION("10000")},
	{"a jump with a leading zero", "[success=01] permit\n", 0,
	 NAME ":1:10: " UNKNOWN_ACTION("01")},
	{"a negative jump", "[success=-1] permit\n", 0,
	 NAME ":1:10: " UNKNOWN_ACTION("-1")},
	{"a jump with a sign", "[success=+1] permit\n", 0,
	 NAME ":1:10: " UNKNOWN_ACTION("+1")},
	{"a jump with trailing garbage", "[success=1x] permit\n", 0,
	 NAME ":1:10: " UNKNOWN_ACTION("1x")},
	{"a second '=' makes the action unknown", "[success=ok=bad] permit\n", 0,
	 NAME ":1:10: " UNKNOWN_ACTION("ok=bad")},
	{"a result given twice", "[success=ok deny=bad success=die] permit\n", 0,
	 NAME ":1:22: result given twice in '[...]'"},
	{"default given twice", "[default=ok default=bad] permit\n", 0,
	 NAME ":1:13: 'default' given twice"},
	{"a piece without '='", "[success ok] permit\n", 0,
	 NAME ":1:2: expected result=action in '[...]'"},
	{"a piece without '=' after a tab", "[success=ok\tdeny] permit\n", 0,
	 NAME ":1:13: expected result=action in '[...]'"},
	{"the bracket's column is where the bracket starts",
	 "  \t[success=ok deny=nope] permit\n", 0,
	 NAME ":1:21: " UNKNOWN_ACTION("nope")},
	{"an unterminated '['", "[success=ok permit\n", 0,
	 NAME ":1:1: unterminated '[' control"},
	{"an unterminated '[' at the end of the file", "   [success=ok", 0,
	 NAME ":1:4: unterminated '[' control"},

	/* quoting */
	{"an unterminated quote", "required permit \"GET /x\n", 0,
	 NAME ":1:17: unterminated quoted string"},
	{"an unterminated quote at the end of the file",
	 "required permit GET \"/x", 0, NAME ":1:21: unterminated quoted string"},
	{"an unterminated quote inside a word", "required permit GET/\"x y\n", 0,
	 NAME ":1:21: unterminated quoted string"},
	{"a bad escape inside quotes", "required permit \"a\\nb\"\n", 0,
	 NAME ":1:19: " BAD_ESCAPE},
	{"an escaped space inside quotes", "required permit \"a\\ b\"\n", 0,
	 NAME ":1:19: " BAD_ESCAPE},
	{"a backslash-newline inside quotes", "required permit \"a\\\nb\"\n", 0,
	 NAME ":1:19: " BAD_ESCAPE},
	{"a backslash at the end of the file inside quotes",
	 "required permit \"a\\", 0, NAME ":1:19: " BAD_ESCAPE},

	/* control characters */
	{"a NUL byte", "required\0permit\n", 16,
	 NAME ":1:9: control character 0x00"},
	{"a NUL byte inside a comment", "# hidden\0 rule\nrequired permit\n", 31,
	 NAME ":1:9: control character 0x00"},
	{"a NUL byte on line 3", "\n\nrequired permit GET\0\n", 23,
	 NAME ":3:20: control character 0x00"},
	{"a SOH byte", "required permit\x01\n", 0,
	 NAME ":1:16: control character 0x01"},
	{"an ESC byte (terminal escapes)", "required permit \x1b[31m\n", 0,
	 NAME ":1:17: control character 0x1b"},
	{"a form feed", "\x0crequired permit\n", 0,
	 NAME ":1:1: control character 0x0c"},
	{"a vertical tab", "required\x0bpermit\n", 0,
	 NAME ":1:9: control character 0x0b"},
	{"a DEL byte", "required permit\x7f\n", 0,
	 NAME ":1:16: control character 0x7f"},
	{"a control character after a continuation",
	 "required permit \\\n  GET\x02\n", 0,
	 NAME ":2:6: control character 0x02"},
	{"a control character after a 2-byte UTF-8 character",
	 "# \xc3\xa9\x01\n", 0, NAME ":1:5: control character 0x01"},

	/* encodings other than UTF-8: a value that could never match */
	{"a latin-1 byte in a value",
	 "requisite deny POST /containers/create Image == caf\xe9\n", 0,
	 NAME ":1:52: byte 0xe9 is not UTF-8 (rule files are UTF-8 text)"},
	{"a latin-1 byte in a comment", "# caf\xe9\nrequired permit\n", 0,
	 NAME ":1:6: byte 0xe9 is not UTF-8 (rule files are UTF-8 text)"},
	{"a UTF-8 sequence cut short", "required permit GET /\xc3\n", 0,
	 NAME ":1:22: byte 0xc3 is not UTF-8 (rule files are UTF-8 text)"},
	{"an overlong '/'", "required permit GET \xc0\xaf\n", 0,
	 NAME ":1:21: byte 0xc0 is not UTF-8 (rule files are UTF-8 text)"},
	{"a UTF-16 surrogate", "# \xed\xa0\x80\n", 0,
	 NAME ":1:3: byte 0xed is not UTF-8 (rule files are UTF-8 text)"},
	{"the column after a 3-byte character counts its bytes",
	 "# \xe2\x84\xaa \xff\n", 0,
	 NAME ":1:7: byte 0xff is not UTF-8 (rule files are UTF-8 text)"},

	/* include and substack */
	{"include with two names", "include a b\n", 0,
	 NAME ":1:11: include and substack take one name"},
	{"substack with two names", "substack a b c\n", 0,
	 NAME ":1:12: include and substack take one name"},
	{"include of a path", "include ../x\n", 0,
	 NAME ":1:9: \"../x\" is not a rule-file name"},
	{"include of a name with '/'", "include a/b\n", 0,
	 NAME ":1:9: \"a/b\" is not a rule-file name"},
	{"include of an absolute path", "substack /etc/passwd\n", 0,
	 NAME ":1:10: \"/etc/passwd\" is not a rule-file name"},
	{"include of a hidden name", "include .x\n", 0,
	 NAME ":1:9: \".x\" is not a rule-file name"},
	{"include of a bare '@'", "include @\n", 0,
	 NAME ":1:9: \"@\" is not a rule-file name"},
	{"include of an empty quoted name", "include \"\"\n", 0,
	 NAME ":1:9: \"\" is not a rule-file name"},
	{"include of a name with a space", "include \"a b\"\n", 0,
	 NAME ":1:9: \"a b\" is not a rule-file name"},
	{"include of a non-ASCII name", "include \xc3\xa9t\xc3\xa9\n", 0,
	 NAME ":1:9: \"??t??\" is not a rule-file name"},

	/* positions: continuation lines and bytes */
	{"an error on a continuation line",
	 "required permit \\\n   \"unterminated\n", 0,
	 NAME ":2:4: unterminated quoted string"},
	{"an error two continuations down",
	 "required \\\n permit \\\n  GET \"x\\y\"\n", 0,
	 NAME ":3:9: " BAD_ESCAPE},
	{"an error on the line after a continued line",
	 "required \\\n permit\nbogus x\n", 0,
	 NAME ":3:1: " UNKNOWN_CONTROL("bogus")},
	{"include with two names on a continuation line",
	 "include a \\\n\tb\n", 0,
	 NAME ":2:2: include and substack take one name"},
	{"columns count bytes: after a 2-byte character",
	 "required permit \xc3\xa9 \"x\n", 0,
	 NAME ":1:20: unterminated quoted string"},
	{"columns count bytes: after a 3-byte character",
	 "required permit \xe2\x82\xac\"x\n", 0,
	 NAME ":1:20: unterminated quoted string"},
	{"columns count bytes: after a 4-byte character",
	 "required \xf0\x9f\x90\xb3 \"x\n", 0,
	 NAME ":1:15: unterminated quoted string"},
};

static void test_errors(void)
{
	for (size_t i = 0; i < sizeof errors / sizeof errors[0]; i++) {
		const struct erow *e = &errors[i];
		size_t len = e->len ? e->len : strlen(e->in);
		struct cnz_err err;
		struct rulefile *f;
		char buf[1024];

		memset(&err, 0x55, sizeof err);
		f = rulefile_parse(NAME, e->in, len, &err);
		ok(f == NULL, "%s: the file is rejected", e->what);
		is_str(cnz_err_str(&err, buf, sizeof buf), e->want, "%s: %s",
		       e->what, e->want + strlen(NAME) + 1);
		rulefile_free(f);
	}
}

/* ---- errors about sizes, on generated input ---- */

static char *repeat(const char *head, const char *unit, size_t n,
		    const char *tail, size_t *len)
{
	size_t hl = strlen(head), ul = strlen(unit), tl = strlen(tail);
	char *s = malloc(hl + ul * n + tl + 1), *p = s;

	if (s == NULL) {
		printf("Bail out! out of memory\n");
		exit(255);
	}
	memcpy(p, head, hl);
	p += hl;
	for (size_t i = 0; i < n; i++, p += ul)
		memcpy(p, unit, ul);
	memcpy(p, tail, tl + 1);
	*len = hl + ul * n + tl;
	return s;
}

static void expect_error(const char *in, size_t len, const char *want,
			 const char *what)
{
	struct cnz_err err;
	struct rulefile *f = rulefile_parse(NAME, in, len, &err);
	char buf[1024];

	ok(f == NULL, "%s: the file is rejected", what);
	is_str(cnz_err_str(&err, buf, sizeof buf), want, "%s: %s", what,
	       want + strlen(NAME) + 1);
	rulefile_free(f);
}

static struct rulefile *expect_parse(const char *in, size_t len,
				     const char *what)
{
	struct cnz_err err;
	struct rulefile *f = rulefile_parse(NAME, in, len, &err);
	char buf[1024];

	if (!ok(f != NULL, "%s: parses", what))
		diag("error: %s", cnz_err_str(&err, buf, sizeof buf));
	return f;
}

static void test_limits(void)
{
	struct rulefile *f;
	size_t len;
	char *s;

	/* words: 4096 bytes is the longest; the error is at byte 4097 */
	s = repeat("required permit ", "A", RULEFILE_MAX_WORD, "\n", &len);
	f = expect_parse(s, len, "a 4096-byte word");
	if (f != NULL)
		is_int((long long)strlen(rulefile_line(f, 0)->argv[0]),
		       RULEFILE_MAX_WORD, "a 4096-byte word is kept whole");
	rulefile_free(f);
	free(s);
	s = repeat("required permit ", "A", RULEFILE_MAX_WORD + 1, "\n", &len);
	expect_error(s, len, NAME ":1:4113: word too long",
		     "a 4097-byte word");
	free(s);
	s = repeat("required permit \"", "A", RULEFILE_MAX_WORD + 1, "\"\n", &len);
	expect_error(s, len, NAME ":1:4114: word too long",
		     "a 4097-byte quoted word");
	free(s);
	s = repeat("[", " ", RULEFILE_MAX_WORD, "] permit\n", &len);
	expect_error(s, len, NAME ":1:4097: word too long",
		     "a bracket control longer than a word");
	free(s);

	/* arguments: 64 at most; the error is at the 65th */
	s = repeat("required permit", " a", RULEFILE_MAX_ARGS, "\n", &len);
	f = expect_parse(s, len, "64 arguments");
	if (f != NULL)
		is_int(rulefile_line(f, 0)->argc, RULEFILE_MAX_ARGS,
		       "64 arguments are all kept");
	rulefile_free(f);
	free(s);
	/* "required permit" is 15 bytes; argument k (1-based) is at 15+2k */
	s = repeat("required permit", " a", RULEFILE_MAX_ARGS + 1, "\n", &len);
	expect_error(s, len, NAME ":1:145: too many arguments",
		     "65 arguments: the error is at the 65th");
	free(s);
	s = repeat("required permit", " a", RULEFILE_MAX_ARGS + 2, "\n", &len);
	expect_error(s, len, NAME ":1:145: too many arguments",
		     "66 arguments: the error is still at the 65th");
	free(s);
	s = repeat("required permit", " a", 1000, "\n", &len);
	expect_error(s, len, NAME ":1:145: too many arguments",
		     "1000 arguments: the error is still at the 65th");
	free(s);

	/* lines: 10000 rules at most; blank lines and comments are free */
	s = repeat("# many\n\n", "optional permit\n", RULEFILE_MAX_LINES,
		   "# end\n\n", &len);
	f = expect_parse(s, len, "10000 rules with comments and blank lines");
	if (f != NULL)
		is_int((long long)rulefile_nlines(f), RULEFILE_MAX_LINES,
		       "10000 rules are all kept");
	rulefile_free(f);
	free(s);
	s = repeat("", "optional permit\n", RULEFILE_MAX_LINES + 1, "", &len);
	expect_error(s, len, NAME ":10001:1: too many rules", "10001 rules");
	free(s);

	/* size: 1 MiB at most, whatever the content */
	s = repeat("", "#", RULEFILE_MAX_SIZE, "", &len);
	f = expect_parse(s, len, "a 1 MiB file");
	rulefile_free(f);
	free(s);
	s = repeat("", "#", RULEFILE_MAX_SIZE + 1, "", &len);
	expect_error(s, len, NAME ": rule file larger than 1048576 bytes",
		     "a file one byte over 1 MiB");
	free(s);
}

/* ---- what a good file parses to ---- */

static const struct rule_line *one_line(struct rulefile **f, const char *in,
					const char *what)
{
	*f = expect_parse(in, strlen(in), what);
	if (*f == NULL)
		return NULL;
	if (!is_int((long long)rulefile_nlines(*f), 1, "%s: one rule", what))
		return NULL;
	return rulefile_line(*f, 0);
}

/* "argv[0]|argv[1]|..." */
static const char *args(const struct rule_line *l)
{
	static char buf[4096];
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; i < l->argc; i++)
		n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s",
				      i ? "|" : "", l->argv[i]);
	return buf;
}

struct prow {
	const char *what;
	const char *in;
	const char *module;
	const char *args; /* joined with '|' */
};

static const struct prow words[] = {
	{"plain words", "required permit GET /x\n", "permit", "GET|/x"},
	{"no final newline", "required permit GET", "permit", "GET"},
	{"tabs and runs of blanks separate words", "required\t permit \t\tGET  /x",
	 "permit", "GET|/x"},
	{"CRLF line endings", "required permit GET\r\n", "permit", "GET"},
	{"a lone CR is a blank", "required permit\rGET\r", "permit", "GET"},
	{"a comment after the words", "required permit GET # not /x\n", "permit",
	 "GET"},
	{"a comment right after a word", "required permit GET #x\n", "permit",
	 "GET"},
	{"'#' inside a word is literal", "required permit a#b\n", "permit", "a#b"},
	{"'#' ending a word is literal", "required permit a#\n", "permit", "a#"},
	{"a quoted '#' starts no comment", "required permit \"#x\"\n", "permit",
	 "#x"},
	{"an escaped '#' starts no comment", "required permit \\#x\n", "permit",
	 "#x"},
	{"quotes make one word of \"a b\"", "required permit \"a b\" c\n",
	 "permit", "a b|c"},
	{"\\\" and \\\\ inside quotes", "required permit \"a\\\"b\\\\c\"\n",
	 "permit", "a\"b\\c"},
	{"a tab inside quotes is kept", "required permit \"a\tb\"\n", "permit",
	 "a\tb"},
	{"adjacent quoted and unquoted parts join",
	 "required permit pre\"mid dle\"post\n", "permit", "premid dlepost"},
	{"two quoted parts join", "required permit \"a\"\"b\"\n", "permit", "ab"},
	{"empty quotes are an empty argument", "required permit \"\" x\n",
	 "permit", "|x"},
	{"'#' inside quotes inside a word", "required permit a\"#\"b\n", "permit",
	 "a#b"},
	{"a quoted module name", "required \"permit\" GET\n", "permit", "GET"},
	{"a backslash escapes a space", "required permit a\\ b\n", "permit",
	 "a b"},
	{"a backslash escapes a quote", "required permit a\\\"b\n", "permit",
	 "a\"b"},
	{"a backslash escapes a backslash", "required permit a\\\\b\n", "permit",
	 "a\\b"},
	{"a backslash escapes an ordinary letter", "required permit \\a\n",
	 "permit", "a"},
	{"a backslash-newline continues the line",
	 "required \\\n  permit \\\n\tGET\n", "permit", "GET"},
	{"a continuation ends the word before it",
	 "required permit GET\\\n/x\n", "permit", "GET|/x"},
	{"a continuation right after the control",
	 "required\\\npermit\n", "permit", ""},
	{"an empty continued line", "required permit \\\n\n", "permit", ""},
	{"a continuation followed by a comment",
	 "required permit \\\n  # why\n", "permit", ""},
	{"a continuation with CRLF endings",
	 "required permit \\\r\n  GET\r\n", "permit", "GET"},
	{"a CRLF continuation ends the word before it",
	 "required permit GET\\\r\n/x\r\n", "permit", "GET|/x"},
	{"a trailing backslash at the end of the file is dropped",
	 "required permit GET\\", "permit", "GET"},
	{"a lone trailing backslash at the end of the file is dropped",
	 "required permit GET \\", "permit", "GET"},
	{"the bracket word ends at ']'", "[default=ok]permit GET\n", "permit",
	 "GET"},
	{"a ']' after the control is an ordinary character",
	 "required permit a]b\n", "permit", "a]b"},
	{"'[' after the control is an ordinary character",
	 "required permit [x\n", "permit", "[x"},
	{"non-ASCII bytes pass through arguments",
	 "required permit \xc3\xa9\n", "permit", "\xc3\xa9"},
};

static void test_words(void)
{
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
		const struct prow *p = &words[i];
		struct rulefile *f;
		const struct rule_line *l = one_line(&f, p->in, p->what);

		if (l != NULL) {
			is_str(l->module, p->module, "%s: the module", p->what);
			is_str(args(l), p->args, "%s: the arguments", p->what);
		}
		rulefile_free(f);
	}
}

static void test_empty(void)
{
	static const char *const empties[] = {
		"", "\n", "\n\n\n", "   \t  \n", "\r\n\r\n", "# only a comment",
		"# a\n   # b\n\t# c\n", "\\\n", "# a comment \\\n",
	};

	for (size_t i = 0; i < sizeof empties / sizeof empties[0]; i++) {
		struct rulefile *f = expect_parse(empties[i], strlen(empties[i]),
						  "a file without rules");

		if (f != NULL)
			is_int((long long)rulefile_nlines(f), 0,
			       "a file without rules (#%zu) has no lines", i);
		rulefile_free(f);
	}
}

static void test_positions(void)
{
	static const char three[] =
		"# head\n"
		"\n"
		"  required  permit GET \"/a b\"   # note\n"
		"sufficient \\\n"
		"   deny \\\n"
		"\tPOST /x\n"
		"include @other\n";
	struct rulefile *f;
	const struct rule_line *l;

	f = expect_parse(three, strlen(three), "a file with three rules");
	if (f == NULL)
		return;
	is_int((long long)rulefile_nlines(f), 3, "three rules");

	l = rulefile_line(f, 0);
	is_int(l->line, 3, "rule 1 starts on line 3");
	is_int(l->col, 3, "rule 1's control is at column 3");
	is_int(l->kind, RULE_MODULE, "rule 1 is a module line");
	is_str(l->control, "required", "rule 1's control as written");
	is_str(l->module, "permit", "rule 1's module");
	is_int(l->module_line, 3, "rule 1's module is on line 3");
	is_int(l->module_col, 13, "rule 1's module is at column 13");
	is_int(l->argc, 2, "rule 1 has two arguments");
	is_str(args(l), "GET|/a b", "rule 1's arguments");
	is_int(l->arg_line[0], 3, "rule 1's first argument is on line 3");
	is_int(l->arg_col[0], 20, "rule 1's first argument is at column 20");
	is_int(l->arg_col[1], 24,
	       "a quoted argument's column is its opening quote's");
	is_str(l->text, "required  permit GET \"/a b\"",
	       "rule 1's text: as written, from the control to the last word");

	l = rulefile_line(f, 1);
	is_int(l->line, 4, "rule 2 starts on line 4");
	is_int(l->col, 1, "rule 2's control is at column 1");
	is_int(l->module_line, 5, "rule 2's module is on the continuation line 5");
	is_int(l->module_col, 4, "rule 2's module is at column 4 of line 5");
	is_int(l->arg_line[0], 6, "rule 2's first argument is on line 6");
	is_int(l->arg_col[0], 2, "rule 2's first argument is at column 2 (after a tab)");
	is_int(l->arg_line[1], 6, "rule 2's second argument is on line 6");
	is_int(l->arg_col[1], 7, "rule 2's second argument is at column 7");
	is_str(l->text, "sufficient     deny   POST /x",
	       "rule 2's text: continuations and tabs become spaces");

	l = rulefile_line(f, 2);
	is_int(l->line, 7, "rule 3 is on line 7");
	is_int(l->kind, RULE_INCLUDE, "include makes an include line");
	is_str(l->control, "include", "an include's control");
	is_str(l->module, "@other", "an include's name is in module");
	is_int(l->module_col, 9, "an include's name is at column 9");
	is_int(l->argc, 0, "an include has no arguments");
	is_str(l->text, "include @other", "an include's text");
	rulefile_free(f);

	l = one_line(&f, "substack admin", "a substack");
	if (l != NULL) {
		is_int(l->kind, RULE_SUBSTACK, "substack makes a substack line");
		is_str(l->module, "admin", "a substack's name");
	}
	rulefile_free(f);

	l = one_line(&f, "required permit GET\r\n", "a CRLF line's text");
	if (l != NULL)
		is_str(l->text, "required permit GET",
		       "a CRLF line's text has no CR");
	rulefile_free(f);

	l = one_line(&f, "required permit \\\r\n  GET\r\n",
		     "a CRLF continuation's text");
	if (l != NULL) {
		is_str(l->text, "required permit    GET",
		       "a CRLF continuation becomes one space in the text");
		is_int(l->arg_line[0], 2, "the argument after it is on line 2");
		is_int(l->arg_col[0], 3, "at column 3");
	}
	rulefile_free(f);

	l = one_line(&f, "[success=ok\tdefault=bad]  permit # x\n",
		     "a bracket control's text");
	if (l != NULL) {
		is_str(l->control, "[success=ok\tdefault=bad]",
		       "a bracket control as written");
		is_str(l->text, "[success=ok default=bad]  permit",
		       "a bracket line's text");
		is_int(l->module_col, 27, "the module after a bracket");
	}
	rulefile_free(f);
}

/* ---- controls to actions ---- */

#define OK ACT_OK
#define DONE ACT_DONE
#define BAD ACT_BAD
#define DIE ACT_DIE
#define IGN ACT_IGNORE
#define RESET ACT_RESET

struct crow {
	const char *control;
	int a[CNAUTHZ_NRESULTS]; /* success, deny, ignore, error */
};

static const struct crow controls[] = {
	/* pam-semantics.md, "Keywords are shorthands" */
	{"required", {OK, BAD, IGN, BAD}},
	{"requisite", {OK, DIE, IGN, DIE}},
	{"sufficient", {DONE, IGN, IGN, IGN}},
	{"optional", {OK, IGN, IGN, IGN}},
	/* the bracket form */
	{"[success=ok]", {OK, BAD, BAD, BAD}},
	{"[default=ignore]", {IGN, IGN, IGN, IGN}},
	{"[success=done default=die]", {DONE, DIE, DIE, DIE}},
	{"[default=die success=done]", {DONE, DIE, DIE, DIE}},
	{"[success=ok deny=bad ignore=ignore error=die]", {OK, BAD, IGN, DIE}},
	{"[error=reset]", {BAD, BAD, BAD, RESET}},
	{"[success=1 deny=2 ignore=999 error=1000]", {1, 2, 999, 1000}},
	{"[ success=ok\t\tdeny=die ]", {OK, DIE, BAD, BAD}},
	{"[]", {BAD, BAD, BAD, BAD}},
	{"[ ]", {BAD, BAD, BAD, BAD}},
};

static void test_controls(void)
{
	static const char *const res[] = {"success", "deny", "ignore", "error"};

	for (size_t i = 0; i < sizeof controls / sizeof controls[0]; i++) {
		const struct crow *c = &controls[i];
		char in[128];
		struct rulefile *f;
		const struct rule_line *l;

		snprintf(in, sizeof in, "%s permit\n", c->control);
		l = one_line(&f, in, c->control);
		for (int r = 0; l != NULL && r < CNAUTHZ_NRESULTS; r++) {
			char b1[12], b2[12];

			is_str(rule_action_name(l->actions[r], b1),
			       rule_action_name(c->a[r], b2), "%s: %s is %s",
			       c->control, res[r], rule_action_name(c->a[r], b2));
		}
		rulefile_free(f);
	}
}

static void test_names(void)
{
	char buf[12];
	char max[IDENTITY_CN_MAX + 2];

	is_str(rule_action_name(ACT_OK, buf), "ok", "action name ok");
	is_str(rule_action_name(ACT_DONE, buf), "done", "action name done");
	is_str(rule_action_name(ACT_BAD, buf), "bad", "action name bad");
	is_str(rule_action_name(ACT_DIE, buf), "die", "action name die");
	is_str(rule_action_name(ACT_IGNORE, buf), "ignore", "action name ignore");
	is_str(rule_action_name(ACT_RESET, buf), "reset", "action name reset");
	is_str(rule_action_name(1000, buf), "1000", "a jump's name is its count");
	is_str(rule_result_name(CNAUTHZ_SUCCESS), "success", "result name success");
	is_str(rule_result_name(CNAUTHZ_DENY), "deny", "result name deny");
	is_str(rule_result_name(CNAUTHZ_IGNORE), "ignore", "result name ignore");
	is_str(rule_result_name(CNAUTHZ_ERROR), "error", "result name error");
	is_str(rule_result_name(4), "?", "an out-of-range result's name is ?");
	is_str(rule_result_name(-1), "?", "a negative result's name is ?");

	ok(rulefile_name_valid("client", 6), "a CN is a rule-file name");
	ok(rulefile_name_valid("build-01.ci_x+y@corp", 20),
	   "a CN may contain . _ @ + - after its first character");
	ok(rulefile_name_valid("@other", 6), "@other is a rule-file name");
	ok(rulefile_name_valid("@local", 6), "@local is a rule-file name");
	ok(rulefile_name_valid("@shared-1", 9), "@ and a CN is a rule-file name");
	ok(!rulefile_name_valid("", 0), "the empty name is not");
	ok(!rulefile_name_valid("@", 1), "a bare @ is not");
	ok(!rulefile_name_valid("@@x", 3), "@@x is not");
	ok(!rulefile_name_valid(".x", 2), "a hidden name is not");
	ok(!rulefile_name_valid("-x", 2), "a name starting with '-' is not");
	ok(!rulefile_name_valid("a/b", 3), "a name with '/' is not");
	ok(!rulefile_name_valid("a b", 3), "a name with a space is not");
	ok(!rulefile_name_valid("a\0b", 3), "a name with a NUL is not");
	memset(max, 'a', sizeof max);
	ok(rulefile_name_valid(max, IDENTITY_CN_MAX),
	   "a 64-byte name is a rule-file name");
	ok(!rulefile_name_valid(max, IDENTITY_CN_MAX + 1),
	   "a 65-byte name is not");
	max[0] = '@';
	ok(rulefile_name_valid(max, IDENTITY_CN_MAX + 1),
	   "@ and a 64-byte name is a rule-file name");
}

static void test_err_untouched_name(void)
{
	struct cnz_err err;
	struct rulefile *f;
	char buf[256];

	f = rulefile_parse("x", "required permit\n", 16, &err);
	ok(f != NULL, "a good file parses");
	is_str(cnz_err_str(&err, buf, sizeof buf), "",
	       "a good file leaves the error cleared");
	rulefile_free(f);
	f = rulefile_parse("x", "bogus\n", 6, NULL);
	ok(f == NULL, "a NULL error pointer is allowed");
}

int main(void)
{
	test_errors();
	test_limits();
	test_words();
	test_empty();
	test_positions();
	test_controls();
	test_names();
	test_err_untouched_name();
	return done_testing();
}
