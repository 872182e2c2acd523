/*
 * t-request.c - request_decode: the AuthZReq/AuthZRes envelope as dockerd
 * really writes it (tests/fixtures/captures), and everything else refused
 * with a reason.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "request.h"
#include "tap.h"
#include "testlib.h"

/* ---- the capture file ------------------------------------------------ */

/* Index just past the JSON value starting at s[i] (an object, array,
 * string or bare literal), or 0 when it does not end within n. */
static size_t value_end(const char *s, size_t n, size_t i)
{
	int depth = 0;
	bool str = false;

	for (; i < n; i++) {
		char c = s[i];

		if (str) {
			if (c == '\\') {
				i++;
			} else if (c == '"') {
				str = false;
				if (depth == 0)
					return i + 1;
			}
			continue;
		}
		if (c == '"') {
			str = true;
		} else if (c == '{' || c == '[') {
			depth++;
		} else if (c == '}' || c == ']') {
			if (depth == 0)
				return i;
			if (--depth == 0)
				return i + 1;
		} else if (depth == 0 && (c == ',' || c == ' ' || c == '\n')) {
			return i;
		}
	}
	return 0;
}

struct capture {
	char endpoint[64];
	char *body; /* the body's raw JSON text, as in the file */
	size_t len;
	json_t *parsed; /* the same, parsed by jansson as a cross-check */
};

/* Reads every line with a non-null body; returns how many, or -1. */
static int read_captures(struct capture **out)
{
	char *line = NULL;
	size_t cap = 0, n = 0;
	ssize_t got;
	struct capture *v = NULL;
	FILE *f;

	f = capture_open();
	if (f == NULL) {
		diag("cannot open the dockerd 20.10 capture");
		return -1;
	}
	while ((got = getline(&line, &cap, f)) > 0) {
		json_error_t jerr;
		json_t *o = json_loadb(line, (size_t)got, 0, &jerr);
		json_t *b = json_object_get(o, "body");
		const char *k = strstr(line, "\"body\": ");
		size_t start, end;

		if (o == NULL || k == NULL) {
			diag("unreadable capture line: %s", jerr.text);
			json_decref(o);
			continue;
		}
		if (json_is_null(b)) {
			json_decref(o);
			continue;
		}
		start = (size_t)(k - line) + strlen("\"body\": ");
		end = value_end(line, (size_t)got, start);
		v = realloc(v, (n + 1) * sizeof *v);
		snprintf(v[n].endpoint, sizeof v[n].endpoint, "%s",
			 json_string_value(json_object_get(o, "endpoint")));
		v[n].len = end > start ? end - start : 0;
		v[n].body = strndup(line + start, v[n].len);
		v[n].parsed = json_incref(b);
		json_decref(o);
		n++;
	}
	free(line);
	fclose(f);
	*out = v;
	return (int)n;
}

static void free_captures(struct capture *v, int n)
{
	for (int i = 0; i < n; i++) {
		free(v[i].body);
		json_decref(v[i].parsed);
	}
	free(v);
}

/* ---- helpers ------------------------------------------------------- */

static int nfail_empty_msg; /* failures that gave no reason */

static struct request *dec(const char *json)
{
	struct cnz_err err;
	struct request *r = request_decode(json, strlen(json), &err);

	if (r == NULL && err.msg[0] == '\0')
		nfail_empty_msg++;
	return r;
}

/* Ok when json is refused with a reason containing sub. */
static void refused(const char *json, size_t len, const char *sub,
		    const char *name)
{
	struct cnz_err err;
	struct request *r;

	memset(&err, 0, sizeof err);
	r = request_decode(json, len, &err);
	if (r == NULL && err.msg[0] == '\0')
		nfail_empty_msg++;
	if (!ok(r == NULL, "%s", name)) {
		request_free(r);
		return;
	}
	if (sub != NULL)
		like(err.msg, sub, "... and the reason names %s", sub);
}

#define REFUSED(json, sub, name) refused((json), strlen(json), (sub), (name))

static char *b64s(const char *s)
{
	return b64_encode((const unsigned char *)s, strlen(s), NULL);
}

/* ---- the tests ----------------------------------------------------- */

static void test_captures(void)
{
	struct capture *v = NULL;
	int n = read_captures(&v), nreq = 0, nres = 0, bad = 0, agree = 0;
	int with_body = 0, with_certs = 0, with_status = 0;

	ok(n > 200, "the capture file has its %d bodies", n);
	for (int i = 0; i < n; i++) {
		struct cnz_err err;
		struct request *r = request_decode(v[i].body, v[i].len, &err);
		json_t *b = v[i].parsed, *certs, *st;
		const char *body64;
		size_t blen, clen;
		const unsigned char *body;
		bool same = true;

		if (strcmp(v[i].endpoint, "/AuthZPlugin.AuthZReq") == 0)
			nreq++;
		else if (strcmp(v[i].endpoint, "/AuthZPlugin.AuthZRes") == 0)
			nres++;
		if (r == NULL) {
			diag("line %d (%s) refused: %s", i + 1, v[i].endpoint,
			     err.msg);
			bad++;
			continue;
		}
		/* What request_decode read is what the JSON says. */
#define SAME_STR(get, key)                                                  \
	same = same && strcmp(get(r), json_object_get(b, key)                 \
					      ? json_string_value(             \
							json_object_get(b, key))  \
					      : "") == 0
		SAME_STR(request_user, "User");
		SAME_STR(request_authn, "UserAuthNMethod");
		SAME_STR(request_method, "RequestMethod");
		SAME_STR(request_uri, "RequestUri");
#undef SAME_STR
		same = same && request_method(r)[0] != '\0' &&
		       request_uri(r)[0] == '/';
		same = same && request_nheaders(r) ==
				       json_object_size(json_object_get(
					       b, "RequestHeaders"));
		for (size_t h = 0; same && h < request_nheaders(r); h++) {
			json_t *hv = json_object_get(
				json_object_get(b, "RequestHeaders"),
				request_header_name(r, h));

			same = hv != NULL &&
			       strcmp(json_string_value(hv),
				      request_header_value(r, h)) == 0;
		}
		body64 = json_string_value(json_object_get(b, "RequestBody"));
		body = request_body(r, &blen);
		if (body64 != NULL) {
			unsigned char *want = NULL;
			size_t wl = 0;
			struct cnz_err why;

			with_body++;
			same = same &&
			       b64_decode(body64, strlen(body64), &want, &wl,
					  &why) == 0 &&
			       body != NULL && blen == wl &&
			       memcmp(body, want, wl) == 0 && body[0] == '{';
			free(want);
		} else {
			same = same && body == NULL;
		}
		certs = json_object_get(b, "RequestPeerCertificates");
		same = same && request_ncerts(r) == json_array_size(certs);
		for (size_t c = 0; same && c < request_ncerts(r); c++) {
			const char *pem = request_cert_pem(r, c, &clen, &(struct cnz_err){0});
			const char *raw;
			size_t rl;

			with_certs++;
			raw = request_cert_b64(r, c, &rl);
			same = strncmp(pem, "-----BEGIN CERTIFICATE-----\n",
				       28) == 0 &&
			       strlen(pem) == clen &&
			       strcmp(raw, json_string_value(json_array_get(
						   certs, c))) == 0 &&
			       rl == strlen(raw);
		}
		st = json_object_get(b, "ResponseStatusCode");
		if (st != NULL)
			with_status++;
		same = same && request_status(r) ==
				       (st != NULL ? json_integer_value(st) : 0);
		if (same)
			agree++;
		else
			diag("line %d: decoded fields differ from the JSON", i + 1);
		request_free(r);
	}
	is_int(bad, 0, "every captured body decodes");
	is_int(agree, n, "every captured body decodes to exactly its fields");
	ok(nreq > 100 && nres > 100,
	   "the captures hold both AuthZReq (%d) and AuthZRes (%d) bodies",
	   nreq, nres);
	ok(with_body > 0 && with_certs > 0 && with_status > 0,
	   "the captures exercise bodies (%d), certificates (%d), statuses (%d)",
	   with_body, with_certs, with_status);
	free_captures(v, n);
}

static void test_field_names(void)
{
	struct request *r;

	r = dec("{\"RequestMethod\":\"GET\",\"RequestURI\":\"/containers/json\"}");
	ok(r != NULL && strcmp(request_uri(r), "") == 0 &&
		   request_uri_len(r) == 0,
	   "a \"RequestURI\" key is not the URI (dockerd writes RequestUri)");
	request_free(r);
	r = dec("{\"RequestMethod\":\"GET\",\"requesturi\":\"/x\",\"requestUri\":\"/y\"}");
	ok(r != NULL && strcmp(request_uri(r), "") == 0,
	   "keys are matched case-sensitively: requesturi and requestUri are not the URI");
	request_free(r);
	r = dec("{\"RequestMethod\":\"GET\",\"RequestUri\":\"/containers/json?all=1\"}");
	ok(r != NULL && strcmp(request_uri(r), "/containers/json?all=1") == 0 &&
		   request_uri_len(r) == strlen("/containers/json?all=1"),
	   "\"RequestUri\" is the URI, query included");
	request_free(r);
	r = dec("{\"user\":\"admin\",\"USER\":\"admin\",\"method\":\"GET\"}");
	ok(r != NULL && strcmp(request_user(r), "") == 0 &&
		   strcmp(request_method(r), "") == 0,
	   "\"user\" and \"USER\" are not User; \"method\" is not RequestMethod");
	request_free(r);
	r = dec("{\"User\":\"client\",\"UserAuthNMethod\":\"TLS\",\"RequestMethod\":\"POST\",\"RequestUri\":\"/v1.41/x\"}");
	ok(r != NULL && strcmp(request_user(r), "client") == 0 &&
		   strcmp(request_authn(r), "TLS") == 0 &&
		   strcmp(request_method(r), "POST") == 0,
	   "User, UserAuthNMethod and RequestMethod are read by their exact names");
	request_free(r);
	r = dec("{}");
	ok(r != NULL && strcmp(request_user(r), "") == 0 &&
		   strcmp(request_authn(r), "") == 0 &&
		   strcmp(request_method(r), "") == 0 &&
		   strcmp(request_uri(r), "") == 0 && request_nheaders(r) == 0 &&
		   request_ncerts(r) == 0 && request_status(r) == 0,
	   "every field is optional: {} decodes to empty fields");
	if (r != NULL) {
		size_t l = 1;

		ok(request_body(r, &l) == NULL && l == 0,
		   "... and no body");
	}
	request_free(r);
	r = dec("{\"User\":null,\"RequestMethod\":null,\"RequestUri\":null,"
		"\"RequestHeaders\":null,\"RequestPeerCertificates\":null,"
		"\"ResponseStatusCode\":null,\"ResponseHeaders\":null,"
		"\"ResponseBody\":null}");
	ok(r != NULL && strcmp(request_user(r), "") == 0 &&
		   request_nheaders(r) == 0 && request_ncerts(r) == 0 &&
		   request_status(r) == 0,
	   "null means absent, as Go decodes it, for every field");
	request_free(r);
	r = dec("{\"Unknown\":[1,{\"x\":2}],\"RequestMethod\":\"GET\"}");
	ok(r != NULL && strcmp(request_method(r), "GET") == 0,
	   "unknown members are ignored");
	request_free(r);
	r = dec("{\"RequestUri\":\"/x?a=\\u003cb\\u003e\\u0026c=\\u00e9\"}");
	ok(r != NULL && strcmp(request_uri(r), "/x?a=<b>&c=\xc3\xa9") == 0,
	   "Go's \\u003c-style escapes decode to their characters (UTF-8)");
	request_free(r);
	r = dec(" \n{\"RequestMethod\":\"GET\"}\n");
	ok(r != NULL, "whitespace around the object and Go's final newline are fine");
	request_free(r);
}

static void test_headers(void)
{
	struct request *r;
	char *big;
	size_t k;

	r = dec("{\"RequestHeaders\":{\"Content-Type\":\"application/json\","
		"\"User-Agent\":\"Docker-Client/28.2.2 (linux)\",\"X-Empty\":\"\"}}");
	ok(r != NULL && request_nheaders(r) == 3, "a flat header map decodes");
	if (r != NULL) {
		is_str(request_header(r, "Content-Type"), "application/json",
		       "a header is found by its name");
		is_str(request_header(r, "content-type"), "application/json",
		       "header names compare case-insensitively (lower)");
		is_str(request_header(r, "CONTENT-TYPE"), "application/json",
		       "header names compare case-insensitively (upper)");
		is_str(request_header(r, "X-Empty"), "",
		       "an empty header value is \"\", not absent");
		ok(request_header(r, "Content-Typ") == NULL &&
			   request_header(r, "Content-Type-X") == NULL &&
			   request_header(r, "Authorization") == NULL,
		   "an absent header is NULL (no prefix matches)");
		is_str(request_header_name(r, 0), "Content-Type",
		       "header names keep their spelling and order");
		is_str(request_header_value(r, 1), "Docker-Client/28.2.2 (linux)",
		       "header values are read by index");
	}
	request_free(r);

	REFUSED("{\"RequestHeaders\":{\"X-A\":[\"1\",\"2\"]}}", "header",
		"a header with a list value (http.Header, not flat) is refused");
	REFUSED("{\"RequestHeaders\":{\"X-A\":1}}", "header",
		"a header with a number value is refused");
	REFUSED("{\"RequestHeaders\":{\"X-A\":null}}", "header",
		"a header with a null value is refused");
	REFUSED("{\"RequestHeaders\":{\"Content-Type\":\"a\",\"content-type\":\"b\"}}",
		"case", "a header name repeated in another case is refused");
	REFUSED("{\"RequestHeaders\":{\"X-A\":\"1\",\"Y\":\"2\",\"x-a\":\"3\"}}",
		"case", "... also when the repeats are not adjacent");
	REFUSED("{\"RequestHeaders\":{\"X-A\":\"1\",\"X-A\":\"2\"}}", NULL,
		"a header name repeated exactly is refused");
	REFUSED("{\"RequestHeaders\":{\"X-A\":\"a\\u0000b\"}}", NULL,
		"a header value with \\u0000 is refused");
	REFUSED("{\"RequestHeaders\":{\"X-A\\u0000B\":\"1\"}}", NULL,
		"a header name with \\u0000 is refused");

	/* REQUEST_MAX_HEADERS accepted, one more refused */
	big = malloc(64 * (REQUEST_MAX_HEADERS + 2));
	for (int extra = 0; extra <= 1; extra++) {
		k = (size_t)sprintf(big, "{\"RequestHeaders\":{");
		for (int i = 0; i < REQUEST_MAX_HEADERS + extra; i++)
			k += (size_t)sprintf(big + k, "%s\"X-H%d\":\"%d\"",
					     i ? "," : "", i, i);
		sprintf(big + k, "}}");
		if (extra == 0) {
			r = dec(big);
			ok(r != NULL && request_nheaders(r) == REQUEST_MAX_HEADERS,
			   "%d headers are accepted", REQUEST_MAX_HEADERS);
			if (r != NULL)
				is_str(request_header(r, "x-h255"), "255",
				       "... and the last one is found");
			request_free(r);
		} else {
			REFUSED(big, "headers", "one header more is refused");
		}
	}
	free(big);
}

static void test_body(void)
{
	struct request *r;
	const unsigned char *b;
	size_t len;
	char *s, *e;
	static const unsigned char bin[] = { 0, 1, 2, 0xff, '{', 0, '}' };

	e = b64s("{\"Image\":\"busybox\"}\n");
	s = malloc(strlen(e) + 32);
	sprintf(s, "{\"RequestBody\":\"%s\"}", e);
	r = dec(s);
	b = r != NULL ? request_body(r, &len) : NULL;
	ok(b != NULL && len == 20 &&
		   memcmp(b, "{\"Image\":\"busybox\"}\n", 20) == 0,
	   "RequestBody is base64-decoded to the raw body bytes");
	request_free(r);
	free(s);
	free(e);

	e = b64_encode(bin, sizeof bin, NULL);
	s = malloc(strlen(e) + 32);
	sprintf(s, "{\"RequestBody\":\"%s\"}", e);
	r = dec(s);
	b = r != NULL ? request_body(r, &len) : NULL;
	ok(b != NULL && len == sizeof bin && memcmp(b, bin, sizeof bin) == 0,
	   "a body with NUL and 0xff bytes keeps every byte and its length");
	request_free(r);
	free(s);
	free(e);

	/* "e30=" is "{}": the same text with JSON escapes in it is the
	 * same string, read the long way (the fast path takes only plain
	 * base64 up to the first '"') */
	r = dec("{\"RequestBody\":\"e3\\u0030=\",\"User\":\"a\"}");
	b = r != NULL ? request_body(r, &len) : NULL;
	ok(b != NULL && len == 2 && memcmp(b, "{}", 2) == 0 &&
		   strcmp(request_user(r), "a") == 0,
	   "a RequestBody with a JSON escape in its base64 decodes as its text says");
	request_free(r);
	REFUSED("{\"RequestBody\":\"e3\\/=\"}", "pad bits",
		"an escaped character is judged as base64 like any other");
	REFUSED("{\"RequestBody\":\"e30=\\\"\"}", "multiple of 4",
		"a RequestBody with an escaped quote in it is read to its end and refused");
	REFUSED("{\"RequestBody\":\"e30\"}", "multiple of 4",
		"a RequestBody of a bad length is refused with why");
	request_free(dec("{\"RequestBody\":\"e30=\"}"));

	r = dec("{\"RequestMethod\":\"POST\"}");
	len = 7;
	ok(r != NULL && request_body(r, &len) == NULL && len == 0,
	   "an absent RequestBody means no body");
	request_free(r);
	r = dec("{\"RequestBody\":\"\"}");
	len = 7;
	ok(r != NULL && request_body(r, &len) == NULL && len == 0,
	   "an empty RequestBody (\"\") means no body");
	request_free(r);
	r = dec("{\"RequestBody\":null}");
	len = 7;
	ok(r != NULL && request_body(r, &len) == NULL && len == 0,
	   "a null RequestBody means no body");
	request_free(r);

	REFUSED("{\"RequestBody\":\"e30\"}", "RequestBody",
		"a RequestBody of bad base64 length is refused");
	REFUSED("{\"RequestBody\":\"e30=\\n\"}", "RequestBody",
		"a RequestBody with a newline is refused");
	REFUSED("{\"RequestBody\":\"e3-=\"}", "RequestBody",
		"a RequestBody in URL-safe base64 is refused");
	REFUSED("{\"RequestBody\":\"{}\"}", "RequestBody",
		"a RequestBody of raw JSON (not base64) is refused");
	REFUSED("{\"RequestBody\":{\"a\":1}}", "RequestBody",
		"a RequestBody object is refused");
	REFUSED("{\"ResponseBody\":\"e30\"}", "ResponseBody",
		"a ResponseBody that is not base64 is refused");
	REFUSED("{\"ResponseBody\":[1]}", "ResponseBody",
		"a ResponseBody array is refused");
	r = dec("{\"ResponseBody\":\"W10K\",\"ResponseStatusCode\":200}");
	ok(r != NULL && request_status(r) == 200,
	   "a base64 ResponseBody and a status decode");
	request_free(r);
}

static void test_certs(void)
{
	struct request *r;
	char *p1 = b64s("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
	char *p2 = b64s("second\n");
	char *s = malloc(strlen(p1) + strlen(p2) + 128), *big;
	const char *pem, *raw;
	size_t len, rl, k;

	sprintf(s, "{\"RequestPeerCertificates\":[\"%s\",\"%s\"]}", p1, p2);
	r = dec(s);
	ok(r != NULL && request_ncerts(r) == 2, "two peer certificates decode");
	if (r != NULL && request_ncerts(r) == 2) {
		pem = request_cert_pem(r, 0, &len, &(struct cnz_err){0});
		is_str(pem,
		       "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
		       "entry 0 is base64-decoded to its PEM text");
		is_int((long long)len, (long long)strlen(pem),
		       "... with its length");
		pem = request_cert_pem(r, 1, &len, &(struct cnz_err){0});
		is_str(pem, "second\n", "entry 1 is decoded too, in order");
		raw = request_cert_b64(r, 0, &rl);
		ok(rl == strlen(p1) && strncmp(raw, p1, rl) == 0,
		   "the base64 form of entry 0 is kept exactly as received");
		raw = request_cert_b64(r, 1, &rl);
		ok(rl == strlen(p2) && strncmp(raw, p2, rl) == 0,
		   "the base64 form of entry 1 is kept exactly as received");
	}
	request_free(r);
	r = dec("{\"RequestPeerCertificates\":[]}");
	ok(r != NULL && request_ncerts(r) == 0, "an empty certificate list is no certificate");
	request_free(r);

	REFUSED("{\"RequestPeerCertificates\":\"LS0t\"}", "RequestPeerCertificates",
		"RequestPeerCertificates as a string (not an array) is refused");
	REFUSED("{\"RequestPeerCertificates\":{\"0\":\"LS0t\"}}",
		"RequestPeerCertificates",
		"RequestPeerCertificates as an object is refused");
	REFUSED("{\"RequestPeerCertificates\":[\"\"]}", "certificate 0",
		"an empty certificate entry is refused");
	REFUSED("{\"RequestPeerCertificates\":[null]}", "certificate 0",
		"a null certificate entry is refused");
	REFUSED("{\"RequestPeerCertificates\":[[\"LS0t\"]]}", "certificate 0",
		"a nested array certificate entry is refused");
	sprintf(s, "{\"RequestPeerCertificates\":[\"%s\",42]}", p1);
	REFUSED(s, "certificate 1",
		"a non-string second certificate entry is refused, naming it");
	/* The leaf's base64 is checked when it is decoded (never, when the
	 * identity cache knows the very text): the decode refuses it. */
	{
		static const char *const bad_leaf[] = {
			"{\"RequestPeerCertificates\":[\"LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg\"]}",
			"{\"RequestPeerCertificates\":[\"-----BEGIN CERTIFICATE-----\"]}",
		};

		for (size_t i = 0; i < 2; i++) {
			struct request *bl = dec(bad_leaf[i]);
			const char *lp = NULL;
			struct cnz_err why = {.msg = ""};
			size_t pl;

			if (bl != NULL)
				lp = request_cert_pem(bl, 0, &pl, &why);
			ok(bl != NULL && lp == NULL && why.msg[0] != '\0',
			   "a leaf of %s is refused when decoded",
			   i == 0 ? "unpadded base64" : "raw PEM (not base64)");
			request_free(bl);
		}
	}
	REFUSED("{\"RequestPeerCertificates\":[\"LS0t\",\"LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg\"]}",
		"certificate 1", "a chain entry of unpadded base64 is refused at once");

	big = malloc((strlen(p2) + 4) * (REQUEST_MAX_CERTS + 2) + 64);
	for (int extra = 0; extra <= 1; extra++) {
		k = (size_t)sprintf(big, "{\"RequestPeerCertificates\":[");
		for (int i = 0; i < REQUEST_MAX_CERTS + extra; i++)
			k += (size_t)sprintf(big + k, "%s\"%s\"", i ? "," : "",
					     p2);
		sprintf(big + k, "]}");
		if (extra == 0) {
			r = dec(big);
			ok(r != NULL && request_ncerts(r) == REQUEST_MAX_CERTS,
			   "%d peer certificates are accepted", REQUEST_MAX_CERTS);
			request_free(r);
		} else {
			REFUSED(big, "certificates",
				"one peer certificate more is refused");
		}
	}
	free(big);
	free(s);
	free(p1);
	free(p2);
}

static void test_types(void)
{
	static const char *const str_fields[] = {
		"User", "UserAuthNMethod", "RequestMethod", "RequestUri",
		"RequestBody", "ResponseBody",
	};
	static const char *const not_str[] = {
		"1", "true", "false", "[]", "[\"GET\"]", "{}", "1.5",
	};
	static const struct {
		const char *field, *value;
	} others[] = {
		{ "RequestHeaders", "\"Content-Type: x\"" },
		{ "RequestHeaders", "[]" },
		{ "RequestHeaders", "[[\"a\",\"b\"]]" },
		{ "RequestHeaders", "7" },
		{ "RequestHeaders", "true" },
		{ "RequestPeerCertificates", "\"LS0t\"" },
		{ "RequestPeerCertificates", "{}" },
		{ "RequestPeerCertificates", "0" },
		{ "ResponseHeaders", "\"x\"" },
		{ "ResponseHeaders", "[]" },
		{ "ResponseHeaders", "false" },
		{ "ResponseStatusCode", "\"200\"" },
		{ "ResponseStatusCode", "200.0" },
		{ "ResponseStatusCode", "2e2" },
		{ "ResponseStatusCode", "true" },
		{ "ResponseStatusCode", "[200]" },
		{ "ResponseStatusCode", "-1" },
		{ "ResponseStatusCode", "1000" },
		{ "ResponseStatusCode", "-200" },
		{ "ResponseStatusCode", "4294967496" },
	};
	char s[256], name[256];
	struct request *r;

	for (size_t f = 0; f < sizeof str_fields / sizeof str_fields[0]; f++)
		for (size_t v = 0; v < sizeof not_str / sizeof not_str[0]; v++) {
			snprintf(s, sizeof s, "{\"%s\":%s}", str_fields[f],
				 not_str[v]);
			snprintf(name, sizeof name, "%s given %s is refused",
				 str_fields[f], not_str[v]);
			refused(s, strlen(s), str_fields[f], name);
		}
	for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
		snprintf(s, sizeof s, "{\"%s\":%s}", others[i].field,
			 others[i].value);
		snprintf(name, sizeof name, "%s given %s is refused",
			 others[i].field, others[i].value);
		refused(s, strlen(s), others[i].field, name);
	}
	REFUSED("{\"ResponseStatusCode\":99999999999999999999999}", NULL,
		"a ResponseStatusCode beyond 64 bits is refused");

	r = dec("{\"ResponseStatusCode\":0}");
	ok(r != NULL && request_status(r) == 0, "ResponseStatusCode 0 is accepted");
	request_free(r);
	r = dec("{\"ResponseStatusCode\":999}");
	ok(r != NULL && request_status(r) == 999, "ResponseStatusCode 999 is accepted");
	request_free(r);
	r = dec("{\"ResponseStatusCode\":204}");
	ok(r != NULL && request_status(r) == 204, "ResponseStatusCode 204 reads as 204");
	request_free(r);
	r = dec("{\"ResponseHeaders\":{\"Api-Version\":\"1.41\"}}");
	ok(r != NULL, "a ResponseHeaders object is accepted");
	request_free(r);
}

static void test_malformed(void)
{
	static const char *const top[] = {
		"[]", "[{\"RequestMethod\":\"GET\"}]", "\"GET\"", "1", "null",
		"true",
	};
	static const char *const broken[] = {
		"",
		" ",
		"{",
		"{\"RequestMethod\":\"GET\"",
		"{\"RequestMethod\":\"GE",
		"{\"RequestMethod\":}",
		"{\"RequestMethod\" \"GET\"}",
		"{\"RequestMethod\":\"GET\",}",
		"{'RequestMethod':'GET'}",
		"{RequestMethod:\"GET\"}",
		"{\"RequestUri\":\"/a\tb\"}", /* raw control char in a string */
		"{\"RequestUri\":\"\\x41\"}", /* not a JSON escape */
		"{\"RequestUri\":\"\\ud800\"}",   /* lone surrogate */
		"\xef\xbb\xbf{}",             /* a byte order mark */
	};
	static const char *const trailing[] = {
		"{} x", "{}{}", "{\"RequestMethod\":\"GET\"}}", "{}\n{}", "{},",
		"{} null",
	};
	static const char *const bad_utf8[] = {
		"{\"User\":\"caf\xe9\"}",          /* latin-1 */
		"{\"User\":\"\xc0\xaf\"}",         /* overlong '/' */
		"{\"RequestUri\":\"/\xed\xa0\x80\"}", /* UTF-16 surrogate */
		"{\"RequestUri\":\"/\xf4\x90\x80\x80\"}", /* > U+10FFFF */
		"{\"RequestUri\":\"/\xff\"}",
		"{\"Us\xffr\":\"x\"}",             /* in a key */
		"{\"RequestHeaders\":{\"X\":\"\xc3\"}}", /* cut short */
	};
	static const char *const nul[] = {
		"{\"User\":\"admin\\u0000x\"}",
		"{\"RequestUri\":\"/_ping\\u0000/../containers\"}",
		"{\"RequestMethod\":\"GET\\u0000\"}",
		"{\"UserAuthNMethod\":\"TLS\\u0000\"}",
		"{\"User\\u0000\":\"admin\"}",
		"{\"RequestBody\":\"e30=\\u0000\"}",
	};
	static const char *const dup[] = {
		"{\"User\":\"client\",\"User\":\"admin\"}",
		"{\"User\":\"admin\",\"User\":\"admin\"}",
		"{\"RequestUri\":\"/_ping\",\"RequestMethod\":\"GET\",\"RequestUri\":\"/containers/x/archive\"}",
		"{\"RequestUri\":null,\"RequestUri\":\"/x\"}",
		"{\"RequestBody\":\"\",\"RequestBody\":\"e30=\"}",
		"{\"RequestPeerCertificates\":[],\"RequestPeerCertificates\":[\"LS0t\"]}",
		"{\"Unknown\":1,\"Unknown\":2}",
		"{\"ResponseHeaders\":{\"A\":\"1\",\"A\":\"2\"}}",
	};
	char buf[128];

	for (size_t i = 0; i < sizeof top / sizeof top[0]; i++) {
		snprintf(buf, sizeof buf, "a top level of %s is refused", top[i]);
		REFUSED(top[i], NULL, buf);
	}
	for (size_t i = 0; i < sizeof broken / sizeof broken[0]; i++) {
		snprintf(buf, sizeof buf, "broken JSON #%zu is refused", i);
		REFUSED(broken[i], "JSON", buf);
	}
	for (size_t i = 0; i < sizeof trailing / sizeof trailing[0]; i++) {
		snprintf(buf, sizeof buf,
			 "trailing data after the object (#%zu) is refused", i);
		REFUSED(trailing[i], NULL, buf);
	}
	refused("{}\0", 3, NULL, "a NUL byte after the object is refused");
	refused("{\"User\":\"a\"}\0{\"User\":\"admin\"}",
		sizeof "{\"User\":\"a\"}\0{\"User\":\"admin\"}" - 1, NULL,
		"a second object hidden after a NUL byte is refused");
	refused("{\"RequestMethod\":\"GET\"}", 10, NULL,
		"only len bytes are read: a cut-short buffer is truncated JSON");
	for (size_t i = 0; i < sizeof bad_utf8 / sizeof bad_utf8[0]; i++) {
		snprintf(buf, sizeof buf, "invalid UTF-8 (#%zu) is refused", i);
		REFUSED(bad_utf8[i], NULL, buf);
	}
	for (size_t i = 0; i < sizeof nul / sizeof nul[0]; i++) {
		snprintf(buf, sizeof buf, "\\u0000 in a string (#%zu) is refused", i);
		REFUSED(nul[i], NULL, buf);
	}
	for (size_t i = 0; i < sizeof dup / sizeof dup[0]; i++) {
		snprintf(buf, sizeof buf, "a duplicate key (#%zu) is refused", i);
		REFUSED(dup[i], NULL, buf);
	}
	{
		struct request *r = dec("{\"User\":\"a\",\"user\":\"b\"}");

		ok(r != NULL && strcmp(request_user(r), "a") == 0,
		   "keys differing only in case are not duplicates; the exact name counts");
		request_free(r);
	}
}

static void test_err(void)
{
	struct cnz_err err;
	struct request *r;

	memset(&err, 'x', sizeof err);
	r = request_decode("{\"RequestMethod\":\"GET\"}", 23, &err);
	ok(r != NULL && err.msg[0] == '\0' && err.file[0] == '\0',
	   "a successful decode leaves err cleared");
	request_free(r);
	memset(&err, 0, sizeof err);
	r = request_decode("{\"User\":7}", 10, NULL);
	ok(r == NULL, "a NULL err is allowed on failure");
	r = request_decode("{\"User\":\"a\"}", 12, NULL);
	ok(r != NULL, "a NULL err is allowed on success");
	request_free(r);
	request_free(NULL);
	ok(1, "request_free(NULL) is a no-op");
}

int main(void)
{
	test_captures();
	test_field_names();
	test_headers();
	test_body();
	test_certs();
	test_types();
	test_malformed();
	test_err();
	is_int(nfail_empty_msg, 0, "every refusal came with a non-empty err.msg");
	return done_testing();
}
