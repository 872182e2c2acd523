/*
 * t-mediatype.c - mediatype_parse against Go 1.19's mime.ParseMediaType.
 *
 * Every row's expectation is what Go 1.19.8 returns for the same string
 * (run through mime.ParseMediaType: rc 0 = no error, 1 = the media type
 * and an error, 2 = "" and an error). The two decisions cnauthz takes on
 * it are dockerd's: a body is forwarded only for rc 0 and
 * "application/json"; Go's ParseForm reads a form body for
 * "application/x-www-form-urlencoded" whatever the error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mediatype.h"
#include "tap.h"

static const struct {
	const char *in;
	int rc;
	const char *type;
} rows[] = {
	/* the plain cases */
	{"application/json", 0, "application/json"},
	{"Application/JSON", 0, "application/json"},
	{"APPLICATION/JSON", 0, "application/json"},
	{" application/json ; charset=utf-8", 0, "application/json"},
	{"\tapplication/json\t", 0, "application/json"},
	{"application/json;\tcharset = \"utf-8\"", 0, "application/json"},
	{"text", 0, "text"},
	{"*/*", 0, "*/*"},
	{"application/json+x", 0, "application/json+x"},
	{"application/x-www-form-urlencoded", 0,
	 "application/x-www-form-urlencoded"},
	{"APPLICATION/X-WWW-FORM-URLENCODED", 0,
	 "application/x-www-form-urlencoded"},

	/* trailing semicolons: one, after trimming, is ignored; more are
	 * a bad parameter (the type is kept) */
	{"application/json;", 0, "application/json"},
	{"application/json ; ", 0, "application/json"},
	{"application/json;charset=utf-8;", 0, "application/json"},
	{"application/json; a=b ;", 0, "application/json"},
	{"application/json;;", 1, "application/json"},
	{"application/json; ;", 1, "application/json"},
	{"application/json;charset=utf-8;;", 1, "application/json"},
	{"application/json;;charset=utf-8", 1, "application/json"},

	/* duplicate parameters: "" and an error */
	{"application/json; charset=utf-8; charset=latin1", 2, ""},
	{"application/json; charset=utf-8; CHARSET=x", 2, ""},
	{"application/json; a=1; b=2; A=3", 2, ""},
	{"application/json; foo*0=a; foo*0=b", 2, ""},
	{"application/json; foo*=x; foo=y", 0, "application/json"},
	{"application/json; a=b; a*=utf-8''x", 0, "application/json"},
	{"application/json; a=1; x; a=2", 1, "application/json"},
	{"application/json; a=1; a=2; x", 2, ""},

	/* bad parameters: the type and an error */
	{"application/json; charset", 1, "application/json"},
	{"application/json; =x", 1, "application/json"},
	{"application/json; charset=", 1, "application/json"},
	{"application/json; a=b c", 1, "application/json"},
	{"application/json; charset=utf-8, text/plain", 1, "application/json"},
	{"application/json x;", 2, ""},

	/* quoted values: \ escapes only a tspecial; CR/LF end it badly */
	{"application/json; a=\"b\\\"c\"", 0, "application/json"},
	{"application/json; a=\"C:\\dev\\x\"", 0, "application/json"},
	{"application/json; a=\"\"", 0, "application/json"},
	{"application/json; a=\"x;y\"; b=1", 0, "application/json"},
	{"application/json; a=\"unterminated", 1, "application/json"},
	{"application/json; a=\"\\", 1, "application/json"},
	{"application/json; a=\"x\rb\"", 1, "application/json"},
	{"application/json; a=\"x\nb\"", 1, "application/json"},
	{"x/y;a=\"\\\xc3\xa9\"", 0, "x/y"},

	/* the type itself */
	{"application/json/x", 2, ""},
	{"", 2, ""},
	{"   ", 2, ""},
	{";charset=utf-8", 2, ""},
	{"/json", 2, ""},
	{"application/", 2, ""},
	{"application /json", 2, ""},
	{"application/ json", 2, ""},
	{"application/json x", 2, ""},
	{"application/json,text/plain", 2, ""},
	{"application/\xc3\xa9", 2, ""},

	/* unicode.IsSpace is trimmed, whatever its encoding length */
	{"\xc2\xa0" "application/json", 0, "application/json"}, /* NBSP */
	{"\xc2\x85" "application/json\xc2\xa0", 0, "application/json"},
	{"\xe3\x80\x80" "application/json", 0, "application/json"}, /* U+3000 */
	{"application/json\xe2\x80\x80", 0, "application/json"},     /* U+2000 */
	{"application/json\xe2\x80\x8a", 0, "application/json"},     /* U+200A */
	{"\xe2\x80\xa8" "application/json\xe2\x80\xa9", 0, "application/json"},
	{"\xe2\x80\xaf" "application/json\xe2\x81\x9f", 0, "application/json"},
	{"\xe1\x9a\x80" "application/x-www-form-urlencoded", 0,
	 "application/x-www-form-urlencoded"},                     /* U+1680 */
	{"application/json\xc2\xa0; a=b", 0, "application/json"},
	{"application/json;\xe3\x80\x80", 0, "application/json"},
	{"application/json;charset=utf-8\xe3\x80\x80;", 0, "application/json"},
	{"application/json\xc2\xa0x", 2, ""},
	/* ... but not what only looks like a space */
	{"application/json\xe2\x80\x8b", 2, ""}, /* U+200B zero width */
	{"application/json\xe1\xa0\x8e", 2, ""}, /* U+180E, no longer a space */

	/* strings.ToLower maps U+0130 to 'i' and U+212A to 'k' */
	{"APPL\xc4\xb0" "CATION/JSON", 0, "application/json"},
	{"appl\xc4\xb0" "cat\xc4\xb0" "on/json", 0, "application/json"},
	{"APPL\xc4\xb0" "CATION/X-WWW-FORM-URLENCODED; x", 1,
	 "application/x-www-form-urlencoded"},
	{"application/\xe2\x84\xaa", 0, "application/k"},
	{"appl\xc4\xb1" "cation/json", 2, ""}, /* dotless i stays non-ASCII */

	/* what Go's ParseForm still reads as a form */
	{"application/x-www-form-urlencoded; charset=%", 0,
	 "application/x-www-form-urlencoded"},
	{"application/x-www-form-urlencoded;charset=%;", 0,
	 "application/x-www-form-urlencoded"},
	{"Application/X-WWW-Form-Urlencoded;;", 1,
	 "application/x-www-form-urlencoded"},
	{"application/x-www-form-urlencoded; a", 1,
	 "application/x-www-form-urlencoded"},
	{"application/x-www-form-urlencoded; a=1; A=2", 2, ""},
};

static void test_table(void)
{
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		char out[128];
		int rc;

		memset(out, 'Z', sizeof out);
		rc = (int)mediatype_parse(rows[i].in, out, sizeof out);
		is_int(rc, rows[i].rc, "row %zu: rc %d", i, rows[i].rc);
		is_str(out, rows[i].type, "row %zu: type \"%s\"", i,
		       rows[i].type);
	}
}

/* Long parameter lists: a duplicate is found however far apart, and it
 * counts only when it comes before the first bad parameter. */
static void test_many_params(void)
{
	size_t cap = 70 * 16 + 64;
	char *s = malloc(cap), out[128];
	size_t n;

	if (s == NULL)
		return;
	n = (size_t)snprintf(s, cap, "application/json");
	for (int i = 0; i < 70; i++)
		n += (size_t)snprintf(s + n, cap - n, "; p%d=v", i);
	is_int(mediatype_parse(s, out, sizeof out), MEDIATYPE_OK,
	       "70 distinct parameters are fine");
	is_str(out, "application/json", "... the type is kept");
	snprintf(s + n, cap - n, "; P69=w");
	is_int(mediatype_parse(s, out, sizeof out), MEDIATYPE_BAD,
	       "the 71st repeating the 70th (in another case) is a duplicate");
	is_str(out, "", "... and the type is \"\"");
	snprintf(s + n, cap - n, "; p0=w");
	is_int(mediatype_parse(s, out, sizeof out), MEDIATYPE_BAD,
	       "the 71st repeating the first is a duplicate");
	snprintf(s + n, cap - n, "; bad; p0=w");
	is_int(mediatype_parse(s, out, sizeof out), MEDIATYPE_BAD_PARAMS,
	       "a duplicate after a bad parameter is never reached");
	is_str(out, "application/json", "... the type is kept");
	free(s);
}

static void test_sizes(void)
{
	char out[128], small[17], in[300];

	is_int(mediatype_parse("application/json", small, sizeof small),
	       MEDIATYPE_OK, "a type that just fits out (16 + NUL)");
	is_str(small, "application/json", "... is written whole");
	is_int(mediatype_parse("application/json", small, 16), MEDIATYPE_BAD,
	       "one byte less does not fit");
	is_str(small, "", "... and out is left empty");
	memset(in, 'a', sizeof in);
	memcpy(in + 100, "/", 1);
	in[sizeof in - 1] = '\0';
	is_int(mediatype_parse(in, out, sizeof out), MEDIATYPE_BAD,
	       "a type longer than out is refused");
	is_str(out, "", "... with out empty, not cut short");
	is_int(mediatype_parse("\xe3\x80\x80\xe3\x80\x80 text/plain \xe3\x80\x80",
			       small, sizeof small),
	       MEDIATYPE_OK, "spaces trimmed do not count against out");
	is_str(small, "text/plain", "... text/plain");
}

int main(void)
{
	test_table();
	test_many_params();
	test_sizes();
	return done_testing();
}
