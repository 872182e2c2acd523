/*
 * t-body.c - request bodies read as dockerd's Go encoding/json reads them
 * (body.c): real container-create bodies accepted; anything Go would read
 * differently (keys that fold together, duplicates at any depth) or that
 * is not a bounded JSON object refused; Go's field-name matching; field
 * paths, compiled and walked.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "body.h"
#include "bodypath.h"
#include "tap.h"
#include "testlib.h"

/* body_path_compile, its error as a 0-based offset and a message (valid
 * until the next call), as the tests below read it. */
static struct body_path *compile(const char *s, size_t *errpos, const char **why)
{
	static struct cnz_err err;
	struct body_path *p = body_path_compile(s, &err);

	*errpos = p == NULL ? err.col - 1 : 0;
	*why = p == NULL ? err.msg : NULL;
	return p;
}

/* body_parse of a C string: the body, or NULL with err set. */
static struct body *parse(const char *s, struct cnz_err *err)
{
	return body_parse((const unsigned char *)s, strlen(s), err);
}

static void accepts(const char *s, const char *name)
{
	struct cnz_err err;
	struct body *b = parse(s, &err);

	if (!ok(b != NULL, "accepted: %s", name))
		diag("refused with: %s", err.msg);
	body_free(b);
}

/* Refused, with an error that contains why. */
static void refuses(const char *s, size_t len, const char *why,
		    const char *name)
{
	struct cnz_err err;
	struct body *b = body_parse((const unsigned char *)s, len, &err);

	ok(b == NULL, "refused: %s", name);
	if (b == NULL)
		like(err.msg, why, "... saying \"%s\"", why);
	else
		ok(0, "... saying \"%s\" (it was accepted)", why);
	body_free(b);
}

#define REFUSES(s, why, name) refuses((s), strlen(s), (why), (name))

/* A growing string buffer. */
struct sb {
	char *p;
	size_t n, cap;
};

static void sb_add(struct sb *b, const char *s)
{
	size_t l = strlen(s);

	if (b->n + l + 1 > b->cap) {
		size_t nc = b->cap ? b->cap : 4096;

		while (b->n + l + 1 > nc)
			nc *= 2;
		b->p = realloc(b->p, nc);
		if (b->p == NULL)
			bail("out of memory");
		b->cap = nc;
	}
	memcpy(b->p + b->n, s, l + 1);
	b->n += l;
}

static void sb_rep(struct sb *b, const char *s, size_t times)
{
	for (size_t i = 0; i < times; i++)
		sb_add(b, s);
}

/* ---- real bodies ---- */

static void test_captures(void)
{
	char line[1 << 16];
	FILE *f;
	int n = 0;

	f = capture_open();
	if (f == NULL)
		bail("cannot open the dockerd 20.10 capture");
	while (fgets(line, sizeof line, f) != NULL) {
		json_error_t je;
		json_t *o = json_loads(line, 0, &je);
		json_t *b = json_object_get(o, "body");
		const char *ep = json_string_value(json_object_get(o, "endpoint"));
		const char *m = json_string_value(json_object_get(b, "RequestMethod"));
		const char *uri = json_string_value(json_object_get(b, "RequestUri"));
		const char *rb = json_string_value(json_object_get(b, "RequestBody"));
		unsigned char *raw = NULL;
		size_t rawlen;
		struct cnz_err why;
		struct cnz_err err;
		struct body *body;

		if (o == NULL)
			bail("a capture line is not JSON");
		if (ep == NULL || strcmp(ep, "/AuthZPlugin.AuthZReq") != 0 ||
		    m == NULL || strcmp(m, "POST") != 0 || uri == NULL ||
		    strstr(uri, "/containers/create") == NULL || rb == NULL) {
			json_decref(o);
			continue;
		}
		if (b64_decode(rb, strlen(rb), &raw, &rawlen, &why) < 0)
			bail("a capture's RequestBody is not base64");
		body = body_parse(raw, rawlen, &err);
		n++;
		if (!ok(body != NULL, "capture %d (%s) is accepted", n, uri))
			diag("refused with: %s", err.msg);
		if (body != NULL) {
			const struct jd_node *r = body_root(body);
			const struct jd_node *hc = body_member(r, "HostConfig");

			ok(jd_is(r, JD_OBJECT), "... its root is the object");
			is_str(jd_str(body_member(r, "Image")), "tiny",
			       "... Image is \"tiny\"");
			ok(jd_is(hc, JD_OBJECT) &&
				   (jd_is(body_member(hc, "Privileged"), JD_TRUE) ||
				    jd_is(body_member(hc, "Privileged"), JD_FALSE)),
			   "... HostConfig.Privileged is a boolean");
			is_str(jd_str(body_member(hc, "networkmode")),
			       "none",
			       "... \"networkmode\" finds HostConfig.NetworkMode");
		}
		body_free(body);
		free(raw);
		json_decref(o);
	}
	fclose(f);
	ok(n >= 4, "the capture holds container creates (%d)", n);
}

/* ---- what is refused ---- */

static void test_refused(void)
{
	accepts("{}", "the empty object");
	accepts(" \n{\"Image\":\"busybox\"}\t\r\n", "whitespace around the object");
	REFUSES("[]", "not a JSON object", "an array at the top");
	REFUSES("\"x\"", "body is not", "a string at the top");
	REFUSES("1", "body is not", "a number at the top");
	REFUSES("null", "body is not", "null at the top");
	REFUSES("", "not valid JSON", "an empty body");
	REFUSES("{} x", "not valid JSON", "trailing data after the object");
	REFUSES("{}{\"HostConfig\":{\"Privileged\":true}}", "not valid JSON",
		"a second object after the first");
	REFUSES("{\"Image\":\"busybox\"", "not valid JSON", "an unclosed object");
	REFUSES("{\"Image\":\"bu\xff\"}", "not valid JSON",
		"invalid UTF-8 in a value");
	REFUSES("{\"Im\xc3\"}", "not valid JSON", "a truncated UTF-8 sequence");
	REFUSES("{\"Im\xc0\xa1ge\":1}", "not valid JSON",
		"an over-long UTF-8 encoding in a key");
	REFUSES("{\"Image\":\"a\\u0000b\"}", "not valid JSON",
		"\\u0000 in a value");
	REFUSES("{\"Ima\\u0000ge\":1}", "not valid JSON", "\\u0000 in a key");
	refuses("{\"Image\":\"a\0b\"}", 15, "not valid JSON", "a raw NUL byte");
	REFUSES("{\"Image\":\"\\ud800\"}", "not valid JSON",
		"a lone surrogate escape");

	/* Go takes the last of two equal keys; cnauthz refuses both */
	REFUSES("{\"Image\":\"a\",\"Image\":\"b\"}", "not valid JSON",
		"an exact duplicate key");
	REFUSES("{\"Image\":\"a\",\"image\":\"b\"}", "repeats the field",
		"keys differing in ASCII case only (Image, image)");
	REFUSES("{\"IMAGE\":\"a\",\"iMaGe\":\"b\"}", "repeats the field",
		"keys differing in ASCII case only (IMAGE, iMaGe)");
	REFUSES("{\"HostConfig\":{},\"Ho\xc5\xbftconfig\":{\"Privileged\":true}}",
		"repeats the field",
		"HostConfig and Hoſtconfig (U+017F folds to S)");
	REFUSES("{\"HostConfig\":{\"NetworkMode\":\"none\","
		"\"Networ\xe2\x84\xaaMode\":\"host\"}}",
		"repeats the field",
		"NetworkMode and NetworKMode (U+212A Kelvin folds to K)");
	REFUSES("{\"HostConfig\":{\"Privileged\":false,\"privileged\":true}}",
		"repeats the field", "a folded duplicate inside HostConfig");
	REFUSES("{\"HostConfig\":{\"Mounts\":[{\"Type\":\"volume\"},"
		"{\"Type\":\"volume\",\"type\":\"bind\"}]}}",
		"repeats the field", "a folded duplicate inside an array element");
	REFUSES("{\"HostConfig\":{\"Mounts\":[{\"Type\":\"a\",\"Type\":\"b\"}]}}",
		"not valid JSON", "an exact duplicate inside an array element");
	REFUSES("{\"Labels\":{\"a\":\"1\",\"a\":\"2\"}}", "not valid JSON",
		"an exact duplicate inside a map (Labels)");
	REFUSES("{\"Labels\":{\"role\":\"1\",\"ROLE\":\"2\"}}",
		"repeats the field",
		"a folded duplicate inside a map (Labels): refused too");
	REFUSES("{\"a\":[[{\"x\":{\"Deep\":1,\"dEEP\":2}}]]}", "repeats the field",
		"a folded duplicate four levels down");
	{
		struct cnz_err err;
		struct body *b = parse(
			"{\"HostConfig\":{},\"Ho\xc5\xbftconfig\":{}}", &err);

		ok(b == NULL && strstr(err.msg, "\"HOSTCONFIG\"") != NULL,
		   "the error names the folded field (%s)", err.msg);
		body_free(b);
	}

	/* characters that fold to no ASCII letter are different keys, as in
	 * Go (which matches neither to the field Image) */
	accepts("{\"Image\":\"a\",\"\xc4\xb0mage\":\"b\"}",
		"Image and İmage (U+0130 does not fold to I)");
	accepts("{\"Image\":\"a\",\"\xc4\xb1mage\":\"b\"}",
		"Image and ımage (U+0131 does not fold to I)");
	accepts("{\"\xc4\xb0mage\":\"a\",\"\xc4\xb0MAGE\":\"b\"}",
		"İmage and İMAGE (non-ASCII keys compare exactly)");
	accepts("{\"Ke\":1,\"\xe2\x84\xab" "e\":2}",
		"Ke and Åe (U+212B Angstrom does not fold to ASCII)");
	{
		struct cnz_err err;
		struct body *b = parse("{\"\xc4\xb0mage\":\"evil\",\"Image\":\"ok\"}",
				       &err);

		if (b != NULL) {
			is_str(jd_str(body_member(body_root(b), "Image")),
			       "ok", "body_member(Image) skips İmage");
			is_str(jd_str(body_member(body_root(b), "image")),
			       "ok", "body_member(image) finds Image");
		} else {
			ok(0, "body_member(Image) skips İmage (refused)");
			ok(0, "body_member(image) finds Image (refused)");
		}
		body_free(b);
		b = parse("{\"Ho\xc5\xbftConfig\":{\"Networ\xe2\x84\xaamode\":\"host\"}}",
			  &err);
		if (b != NULL) {
			const struct jd_node *hc = body_member(body_root(b), "HostConfig");

			is_str(jd_str(body_member(hc, "NetworkMode")),
			       "host",
			       "body_member finds HoſtConfig.NetworKmode as Go does");
		} else {
			ok(0, "body_member finds HoſtConfig.NetworKmode (refused)");
		}
		body_free(b);
	}
}

/* ---- limits ---- */

/* {"a": OPEN... 0 CLOSE...}: the top object is at depth 1, so "0" lies
 * exactly depth deep. */
static void nested(struct sb *b, size_t depth, const char *open,
		   const char *close)
{
	b->n = 0;
	sb_add(b, "{\"a\":");
	sb_rep(b, open, depth - 2);
	sb_add(b, "0");
	sb_rep(b, close, depth - 2);
	sb_add(b, "}");
}

static void test_limits(void)
{
	struct sb b = {0};
	struct cnz_err err;
	struct body *body;

	nested(&b, BODY_MAX_DEPTH, "[", "]");
	accepts(b.p, "a value exactly BODY_MAX_DEPTH deep (in arrays)");
	nested(&b, BODY_MAX_DEPTH + 1, "[", "]");
	refuses(b.p, b.n, "nests deeper than 64", "one level deeper (arrays)");
	nested(&b, BODY_MAX_DEPTH, "{\"a\":", "}");
	accepts(b.p, "a value exactly BODY_MAX_DEPTH deep (in objects)");
	nested(&b, BODY_MAX_DEPTH + 1, "{\"a\":", "}");
	refuses(b.p, b.n, "nests deeper than 64", "one level deeper (objects)");
	b.n = 0;
	sb_add(&b, "{\"a\":");
	sb_rep(&b, "[", BODY_MAX_DEPTH - 1);
	sb_rep(&b, "]", BODY_MAX_DEPTH - 1);
	sb_add(&b, "}");
	accepts(b.p, "an empty array as the deepest value at the limit");
	nested(&b, 100000, "[", "]");
	refuses(b.p, b.n, "", "100000 levels: refused, without a crash");

	/* array length */
	b.n = 0;
	sb_add(&b, "{\"a\":[0");
	sb_rep(&b, ",0", BODY_MAX_ARRAY - 1);
	sb_add(&b, "]}");
	accepts(b.p, "an array of exactly BODY_MAX_ARRAY elements");
	b.n = 0;
	sb_add(&b, "{\"HostConfig\":{\"Binds\":[\"v:/x\"");
	sb_rep(&b, ",\"v:/x\"", BODY_MAX_ARRAY);
	sb_add(&b, "]}}");
	refuses(b.p, b.n, "array longer than 10000 elements (BODY_MAX_ARRAY",
		"an array one element longer, nested in HostConfig");

	/* values: the root, FULL full arrays, then "z" and its elements */
	for (int extra = 0; extra < 2; extra++) {
		enum { FULL = (BODY_MAX_NODES - 3) / (1 + BODY_MAX_ARRAY) };
		size_t last = BODY_MAX_NODES - 1 - FULL * (1 + BODY_MAX_ARRAY) - 1 +
			      (size_t)extra;

		b.n = 0;
		sb_add(&b, "{");
		for (int k = 0; k < FULL; k++) {
			char key[32];

			snprintf(key, sizeof key, "\"a%d\":[0", k);
			sb_add(&b, key);
			sb_rep(&b, ",0", BODY_MAX_ARRAY - 1);
			sb_add(&b, "],");
		}
		sb_add(&b, "\"z\":[0");
		sb_rep(&b, ",0", last - 1);
		sb_add(&b, "]}");
		body = body_parse((const unsigned char *)b.p, b.n, &err);
		if (extra == 0) {
			if (!ok(body != NULL,
				"exactly BODY_MAX_NODES values are accepted"))
				diag("refused with: %s", err.msg);
		} else {
			ok(body == NULL,
			   "BODY_MAX_NODES + 1 values are refused");
			like(err.msg, "more than 20000 JSON values (BODY_MAX_NODES",
			     "... saying so");
		}
		body_free(body);
	}
	free(b.p);
}

/* ---- Go's field-name match ---- */

static void test_key_matches(void)
{
	static const struct {
		const char *key, *name;
		bool want;
	} t[] = {
		{"Image", "Image", true},
		{"image", "Image", true},
		{"IMAGE", "Image", true},
		{"iMaGe", "Image", true},
		{"Imag", "Image", false},
		{"Images", "Image", false},
		{"", "Image", false},
		{"", "", true},
		{"HostConfig", "hostconfig", true},
		{"Ho\xc5\xbftconfig", "HostConfig", true},   /* ſ */
		{"HO\xc5\xbfTCONFIG", "HostConfig", true},
		{"\xc5\xbf", "S", true},
		{"\xc5\xbf", "s", true},
		{"\xc5\xbf\xc5\xbf", "Ss", true},
		{"\xc5\xbf", "T", false},
		{"Networ\xe2\x84\xaaMode", "NetworkMode", true}, /* Kelvin */
		{"\xe2\x84\xaa", "k", true},
		{"\xe2\x84\xaa", "K", true},
		{"\xe2\x84\xab", "A", false},       /* Angstrom sign */
		{"\xc4\xb0mage", "Image", false},   /* İ U+0130 */
		{"\xc4\xb1mage", "Image", false},   /* ı U+0131 */
		{"\xc4\xb0", "I", false},
		{"\xc4\xb1", "I", false},
		{"\xc4\xb1", "i", false},
		{"Im\xc3\xa1ge", "Image", false},
		{"\xc3\x89nv", "Env", false},       /* É */
		{"\xef\xbc\xa9mage", "Image", false}, /* fullwidth I */
		{"Ima\xc5\xbf", "Imas", true},
		{"Ima\xc5", "Imas", false},        /* a cut-off sequence */
		{"A_b", "a_B", true},
		{"a-b", "a_b", false},
		{"A1", "a1", true},
		{"a@", "A`", false},              /* '@'/'`' differ only in 0x20 */
		{"[", "{", false},
		{"Cmd", "CMD", true},
	};

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		is_int(body_key_matches(t[i].key, strlen(t[i].key), t[i].name),
		       t[i].want, "body_key_matches(\"%s\", \"%s\") is %s",
		       t[i].key, t[i].name, t[i].want ? "true" : "false");
	is_int(body_key_matches("Image\0", 6, "Image"), 0,
	       "a key with a NUL after the name does not match it");
	is_int(body_key_matches("Image", 4, "Imag"), 1,
	       "the key's length is taken as given");
}

/* ---- field paths ---- */

static void compile_error(const char *path, size_t pos, const char *why)
{
	size_t got = 99;
	const char *w = NULL;
	struct body_path *p = compile(path, &got, &w);

	ok(p == NULL, "\"%s\" does not compile", path);
	is_int((long long)got, (long long)pos, "... error at %zu", pos);
	is_str(w, why, "... \"%s\"", why);
	body_path_free(p);
}

struct seen {
	char text[1024];
	int n;
	int stop_after; /* 0: never stop */
};

/* A node as compact JSON (what the tests compare with). */
static void dump(const struct jd_node *v, char *out, size_t outsz)
{
	size_t l = strlen(out);

	switch (v->type) {
	case JD_NULL: snprintf(out + l, outsz - l, "null"); break;
	case JD_TRUE: snprintf(out + l, outsz - l, "true"); break;
	case JD_FALSE: snprintf(out + l, outsz - l, "false"); break;
	case JD_INT: snprintf(out + l, outsz - l, "%lld", v->integer); break;
	case JD_REAL: snprintf(out + l, outsz - l, "%.17g", v->real); break;
	case JD_STRING: snprintf(out + l, outsz - l, "\"%s\"", v->str); break;
	case JD_ARRAY:
	case JD_OBJECT:
		snprintf(out + l, outsz - l, v->type == JD_ARRAY ? "[" : "{");
		jd_foreach(v, e) {
			l = strlen(out);
			if (e != v->child)
				snprintf(out + l, outsz - l, ",");
			l = strlen(out);
			if (v->type == JD_OBJECT)
				snprintf(out + l, outsz - l, "\"%s\":", e->key);
			dump(e, out, outsz);
		}
		l = strlen(out);
		snprintf(out + l, outsz - l, v->type == JD_ARRAY ? "]" : "}");
		break;
	}
}

static bool collect(void *arg, const struct jd_node *v)
{
	struct seen *s = arg;
	char d[1024] = "";
	size_t l = strlen(s->text);

	dump(v, d, sizeof d);
	snprintf(s->text + l, sizeof s->text - l, "%s%s", l ? " " : "", d);
	s->n++;
	return s->stop_after != 0 && s->n >= s->stop_after;
}

/* The values path reaches in body json, space-separated, as JSON. */
static void visits(const char *json, const char *path, const char *want,
		   const char *name)
{
	struct cnz_err err;
	struct body *b = parse(json, &err);
	size_t pos;
	const char *why;
	struct body_path *p = compile(path, &pos, &why);
	struct seen s = {"", 0, 0};
	bool stopped;

	if (b == NULL || p == NULL) {
		ok(0, "%s (%s)", name, b == NULL ? err.msg : why);
		body_free(b);
		body_path_free(p);
		return;
	}
	stopped = body_path_visit(body_root(b), p, collect, &s);
	is_str(s.text, want, "%s: %s reaches [%s]", name, path, want);
	ok(!stopped, "... and the walk was not stopped");
	body_free(b);
	body_path_free(p);
}

static void test_paths(void)
{
	static const char *mounts =
		"{\"HostConfig\":{\"Mounts\":["
		"{\"Type\":\"volume\",\"VolumeOptions\":{\"DriverConfig\":"
		"{\"Name\":\"local\",\"Options\":{\"type\":\"none\",\"o\":\"bind\","
		"\"device\":\"/\"}}}},"
		"{\"Type\":\"tmpfs\"},"
		"{\"Type\":\"volume\",\"VolumeOptions\":null},"
		"{\"Type\":\"volume\",\"VolumeOptions\":{\"DriverConfig\":"
		"{\"Options\":{\"Device\":\"/etc\"}}}}]}}";
	static const char *arr =
		"{\"A\":[{\"B\":[{\"C\":1},{\"C\":2},{\"D\":3}]},{\"B\":null},"
		"{\"B\":[{\"C\":4}]},7,{\"b\":[{\"c\":5}]}],"
		"\"N\":null,\"S\":\"str\",\"O\":{\"x\":1},\"E\":[]}";
	struct body_path *p;
	size_t pos;
	const char *why;
	char longp[BODY_PATH_MAX * 3 + 8];

	p = compile("HostConfig.Binds[]", &pos, &why);
	ok(p != NULL, "\"HostConfig.Binds[]\" compiles");
	if (p != NULL)
		is_str(body_path_text(p), "HostConfig.Binds[]",
		       "body_path_text gives it back");
	body_path_free(p);
	p = compile("Mounts[].VolumeOptions.DriverConfig.Options.device",
			      &pos, &why);
	ok(p != NULL, "a path with [] in the middle compiles");
	body_path_free(p);
	p = compile("A[].B[].C", &pos, &why);
	ok(p != NULL, "a path with two [] compiles");
	body_path_free(p);
	p = compile("x\xc5\xbf.\xc3\xa9", &pos, &why);
	ok(p != NULL, "non-ASCII names compile");
	body_path_free(p);

	compile_error("", 0, "empty component in field path");
	compile_error(".a", 0, "empty component in field path");
	compile_error("a..b", 2, "empty component in field path");
	compile_error("a.", 1, "field path ends with '.'");
	compile_error("[]", 0, "empty component in field path");
	compile_error("a.[]", 2, "empty component in field path");
	compile_error("a[", 1, "only \"[]\" (any element) may follow a name");
	compile_error("a[0]", 1, "only \"[]\" (any element) may follow a name");
	compile_error("a[]b", 3, "expected '.' after \"[]\"");
	compile_error("a[][]", 3, "expected '.' after \"[]\"");
	compile_error("a b", 1, "bad character in field path");
	compile_error("ab]", 2, "bad character in field path");
	compile_error("a\"b", 1, "bad character in field path");
	compile_error("a\tb", 1, "bad character in field path");
	compile_error("a.b\x7f", 3, "bad character in field path");

	/* BODY_PATH_MAX components compile, one more does not */
	longp[0] = '\0';
	for (int i = 0; i < BODY_PATH_MAX; i++)
		strcat(longp, i ? ".ab" : "ab");
	p = compile(longp, &pos, &why);
	ok(p != NULL, "a path of BODY_PATH_MAX components compiles");
	body_path_free(p);
	strcat(longp, ".c");
	compile_error(longp, (size_t)BODY_PATH_MAX * 3, "field path too long");

	visits("{\"HostConfig\":{\"Binds\":[\"/a:/b\",\"v:/c\"]}}",
	       "HostConfig.Binds[]", "\"/a:/b\" \"v:/c\"", "[] fans out");
	visits("{\"HostConfig\":{\"Binds\":[\"/a:/b\",\"v:/c\"]}}",
	       "HostConfig.Binds", "[\"/a:/b\",\"v:/c\"]",
	       "without [] the array itself");
	visits("{\"hostconfig\":{\"BINDS\":[\"/a:/b\"]}}", "HostConfig.Binds[]",
	       "\"/a:/b\"", "keys match case-insensitively");
	visits("{\"Ho\xc5\xbftConfig\":{\"Privileged\":true}}",
	       "HostConfig.Privileged", "true", "a key with ſ matches");
	visits("{\"HostConfig\":{\"Privileged\":true}}", "hostconfig.PRIVILEGED",
	       "true", "path names match case-insensitively too");
	visits(mounts, "HostConfig.Mounts[].VolumeOptions.DriverConfig.Options.device",
	       "\"/\" \"/etc\"",
	       "[] in the middle: every element that has the field");
	visits(mounts, "HostConfig.Mounts[].Type",
	       "\"volume\" \"tmpfs\" \"volume\" \"volume\"", "every Type");
	visits(mounts, "HostConfig.Mounts[].VolumeOptions",
	       "{\"DriverConfig\":{\"Name\":\"local\",\"Options\":{\"type\":\"none\",\"o\":\"bind\",\"device\":\"/\"}}} null {\"DriverConfig\":{\"Options\":{\"Device\":\"/etc\"}}}",
	       "a null is reached like any value, an absent field is not");
	visits(arr, "A[].B[].C", "1 2 4 5", "nested []");
	visits(arr, "A[].B[]", "{\"C\":1} {\"C\":2} {\"D\":3} {\"C\":4} {\"c\":5}",
	       "nested [] without a tail");
	visits(arr, "A[].B", "[{\"C\":1},{\"C\":2},{\"D\":3}] null [{\"C\":4}] [{\"c\":5}]",
	       "[] then a field: the element 7 has none");
	visits(arr, "Missing", "", "an absent field reaches nothing");
	visits(arr, "Missing.x[].y", "", "nor does a path below it");
	visits(arr, "N", "null", "a null field reaches null");
	visits(arr, "N.x", "", "a path through null reaches nothing");
	visits(arr, "N[]", "", "null under [] reaches nothing");
	visits(arr, "S[]", "", "a string under [] reaches nothing");
	visits(arr, "O[]", "", "an object under [] reaches nothing");
	visits(arr, "E[]", "", "an empty array under [] reaches nothing");
	visits(arr, "S.x", "", "a path through a string reaches nothing");
	visits(arr, "A.B", "", "a path into an array without [] reaches nothing");
	visits(arr, "O.x", "1", "an object member");

	/* the callback stops the walk */
	{
		struct cnz_err err;
		struct body *b = parse(arr, &err);
		struct body_path *bp = compile("A[].B[].C", &pos, &why);
		struct seen s = {"", 0, 2};

		if (b != NULL && bp != NULL) {
			ok(body_path_visit(body_root(b), bp, collect, &s),
			   "a callback that answers true stops the walk");
			is_str(s.text, "1 2", "... after the second value");
		} else {
			ok(0, "stopping the walk (setup failed)");
			ok(0, "... after the second value");
		}
		body_free(b);
		body_path_free(bp);
	}
}

/*
 * The member lookup and the duplicate check go by a hash of the folded
 * key that folds eight ASCII bytes at once and other characters one by
 * one: every spelling of a name that Go would match must land on the
 * same member, wherever a long s or a Kelvin sign stands, and a name
 * one letter off must not.
 */
static void test_fold_spellings(void)
{
	unsigned seed = 7;
	int found = 0, missed = 0, dups = 0, total = 2000;

	for (int t = 0; t < total; t++) {
		char name[40], key[120], json[600], other[40];
		size_t nl, kl = 0;
		struct cnz_err err;
		struct body *b;

		seed = seed * 1103515245u + 12345u;
		nl = 1 + (seed >> 16) % 30;
		for (size_t i = 0; i < nl; i++) {
			seed = seed * 1103515245u + 12345u;
			name[i] = "SKskAbZz_09"[(seed >> 16) % 11];
		}
		name[nl] = '\0';
		for (size_t i = 0; i < nl; i++) {
			int c = name[i], r;

			seed = seed * 1103515245u + 12345u;
			r = (int)((seed >> 16) % 3);
			if ((c == 's' || c == 'S') && r == 0) {
				memcpy(key + kl, "\xc5\xbf", 2); /* U+017F */
				kl += 2;
			} else if ((c == 'k' || c == 'K') && r == 0) {
				memcpy(key + kl, "\xe2\x84\xaa", 3); /* U+212A */
				kl += 3;
			} else if (c >= 'a' && c <= 'z' && r == 1) {
				key[kl++] = (char)(c - 32);
			} else if (c >= 'A' && c <= 'Z' && r == 1) {
				key[kl++] = (char)(c + 32);
			} else {
				key[kl++] = (char)c;
			}
		}
		key[kl] = '\0';
		/* every other name in an object of 21 members: looked up
		 * through the object's index; else by a walk of two */
		if (t % 2 == 0)
			snprintf(json, sizeof json, "{\"x\":0,\"%s\":1}", key);
		else
			snprintf(json, sizeof json,
				 "{\"f0\":0,\"f1\":0,\"f2\":0,\"f3\":0,\"f4\":0,"
				 "\"f5\":0,\"f6\":0,\"f7\":0,\"f8\":0,\"f9\":0,"
				 "\"%s\":1,\"g0\":0,\"g1\":0,\"g2\":0,\"g3\":0,"
				 "\"g4\":0,\"g5\":0,\"g6\":0,\"g7\":0,\"g8\":0,"
				 "\"g9\":0}", key);
		b = body_parse((const unsigned char *)json, strlen(json), &err);
		if (b != NULL && jd_is(body_member(body_root(b), name), JD_INT) &&
		    body_member(body_root(b), name)->integer == 1)
			found++;
		else if (found + 3 > t)
			diag("\"%s\" not found as \"%s\"", name, key);
		memcpy(other, name, nl + 1);
		other[(seed >> 8) % nl] = '~';
		if (b != NULL && body_member(body_root(b), other) != NULL)
			missed++;
		body_free(b);
		/* the same name twice, spelt two ways: refused */
		snprintf(json, sizeof json, "{\"%s\":0,\"%s\":1}", name, key);
		b = body_parse((const unsigned char *)json, strlen(json), &err);
		dups += b == NULL;
		body_free(b);
	}
	is_int(found, total, "2000 random names: each found under a random Go-equal spelling");
	is_int(missed, 0, "... and a name one character off finds nothing");
	is_int(dups, total, "... and a body holding both spellings is refused");
}

/* Objects on both sides of BODY_INDEX_MIN (compared pairwise up to it,
 * through the object's index beyond) and large ones: a repeated key is
 * refused wherever the pair stands. */
static void test_dups_by_size(void)
{
	static const size_t sizes[] = { 2, BODY_INDEX_MIN, BODY_INDEX_MIN + 1, 33, 100, 1000, 5000 };

	for (size_t z = 0; z < sizeof sizes / sizeof sizes[0]; z++) {
		size_t n = sizes[z];
		int clean = 0, exact = 0, folded = 0, trials = 0;

		for (size_t a = 0; a < n; a += n / 7 + 1) {
			size_t bpos = n - 1 - a / 2;
			struct sb b = {0}, e = {0}, f = {0};
			struct cnz_err err;
			struct body *x;
			char k[64];

			if (bpos <= a)
				continue;
			trials++;
			sb_add(&b, "{");
			sb_add(&e, "{");
			sb_add(&f, "{");
			for (size_t i = 0; i < n; i++) {
				const char *sep = i > 0 ? "," : "";

				snprintf(k, sizeof k, "%s\"Key%zu\":%zu", sep, i, i);
				sb_add(&b, k);
				if (i == bpos) {
					snprintf(k, sizeof k, "%s\"Key%zu\":0", sep, a);
					sb_add(&e, k);
					snprintf(k, sizeof k, "%s\"kEY%zu\":0", sep, a);
					sb_add(&f, k);
				} else {
					snprintf(k, sizeof k, "%s\"Key%zu\":%zu", sep, i, i);
					sb_add(&e, k);
					sb_add(&f, k);
				}
			}
			sb_add(&b, "}");
			sb_add(&e, "}");
			sb_add(&f, "}");
			x = body_parse((const unsigned char *)b.p, b.n, &err);
			clean += x != NULL;
			body_free(x);
			x = body_parse((const unsigned char *)e.p, e.n, &err);
			exact += x == NULL && strstr(err.msg, "duplicate") != NULL;
			body_free(x);
			x = body_parse((const unsigned char *)f.p, f.n, &err);
			folded += x == NULL && strstr(err.msg, "repeats the field") != NULL;
			body_free(x);
			free(b.p);
			free(e.p);
			free(f.p);
		}
		ok(trials > 0 && clean == trials && exact == trials &&
			   folded == trials,
		   "an object of %zu members: distinct keys read (%d/%d), an exact "
		   "repeat (%d/%d) and a folded one (%d/%d) refused wherever they stand",
		   n, clean, trials, exact, trials, folded, trials);
	}
}

int main(void)
{
	test_captures();
	test_refused();
	test_limits();
	test_key_matches();
	test_paths();
	test_fold_spellings();
	test_dups_by_size();
	return done_testing();
}
