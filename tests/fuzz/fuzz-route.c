/*
 * fuzz-route.c - the canonical URI: route_parse (absolute form, query,
 * %XX, version prefix, segments), path patterns (pattern_compile, brace
 * expansion, pattern_match, pattern_glob) and the query string as dockerd
 * reads it (the view's parser, view_query_unescape).
 *
 * Also the registry host of an image reference and the host of a URL
 * (hostref.h), and whether that host is the Docker host itself.
 *
 * Input: a RequestUri. When it holds a newline, the part before it is
 * also compiled as a path pattern and matched against the route of the
 * part after it. The whole input is also read as a reference and a URL.
 */
#include <string.h>

#include "common.h"
#include "hostref.h"
#include "identity.h"
#include "pattern.h"
#include "request.h"
#include "route.h"
#include "view.h"

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

static const char *const fixed_patterns[] = {
	"/**",
	"/",
	"/containers/*/{start,stop,restart,kill,wait,attach,exec}",
	"/images/**/tag",
	"/images/{get,**/get}",
	"/{_ping,version}",
	"/containers/*/{export,archive,attach/ws}",
	"/plugins/{pull,create,**/enable,**/disable,**/upgrade,**/set,**/push}",
	"/v*/c?n*/**/x",
};
#define NPAT (sizeof fixed_patterns / sizeof fixed_patterns[0])
static struct pattern *pats[NPAT];
static struct request *req_get, *req_form; /* two requests to view */
static struct identity *local;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char get[] =
		"{\"RequestMethod\":\"GET\",\"RequestUri\":\"/x\"}";
	static const char form[] =
		"{\"RequestMethod\":\"POST\",\"RequestUri\":\"/x\","
		"\"RequestHeaders\":{\"Content-Type\":"
		"\"application/x-www-form-urlencoded; charset=utf-8\"}}";
	struct cnz_err err;

	(void)argc;
	(void)argv;
	for (size_t i = 0; i < NPAT; i++) {
		size_t pos;
		const char *why;

		pats[i] = compile(fixed_patterns[i], &pos, &why);
		FUZZ_CHECK(pats[i] != NULL);
	}
	req_get = request_decode(get, sizeof get - 1, &err);
	req_form = request_decode(form, sizeof form - 1, &err);
	local = identity_local();
	FUZZ_CHECK(req_get != NULL && req_form != NULL && local != NULL);
	return 0;
}

static void check_route(const struct route *r)
{
	const char *path = route_path(r);
	size_t len = strlen(path), at = 0;

	FUZZ_CHECK(path[0] == '/');
	FUZZ_CHECK(strlen(route_version(r)) < 32);
	(void)strlen(route_query(r));
	/* the segments, joined with '/', are the path */
	if (route_nseg(r) == 0)
		FUZZ_CHECK(strcmp(path, "/") == 0);
	for (size_t i = 0; i < route_nseg(r); i++) {
		const char *s = route_seg(r, i);
		size_t n = route_seglen(r, i);

		FUZZ_CHECK(n > 0 && path[at] == '/' && s == path + at + 1);
		FUZZ_CHECK(memchr(s, '/', n) == NULL);
		FUZZ_CHECK(!(n == 1 && s[0] == '.'));
		FUZZ_CHECK(!(n == 2 && s[0] == '.' && s[1] == '.'));
		at += n + 1;
	}
	FUZZ_CHECK(route_nseg(r) == 0 || at == len);
	/* the any-path pattern matches every path; "/" only "/" */
	FUZZ_CHECK(pattern_match(pats[0], r));
	FUZZ_CHECK(pattern_match(pats[1], r) == (route_nseg(r) == 0));
	for (size_t i = 2; i < NPAT; i++)
		(void)pattern_match(pats[i], r);
}

static void check_query(const struct request *req, const struct route *r)
{
	static const char *const names[] = {
		"fromImage", "fromSrc", "repo", "tag", "networkmode", "a", "",
	};
	struct cnauthz_request *v = view_new(req, local, r);
	bool bad;

	FUZZ_CHECK(v != NULL);
	bad = view_query_malformed(v);
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		const char *a = view_api.query(v, names[i]);
		const char *b = view_query_value(v, names[i]);

		if (a != NULL)
			(void)strlen(a);
		/* a readable query gives what the api gives; an unreadable
		 * one gives nothing and makes the request unjudgeable */
		if (view_fatal(v) == NULL)
			FUZZ_CHECK(a == b && !bad);
		else
			FUZZ_CHECK(b == NULL);
	}
	if (bad)
		FUZZ_CHECK(view_fatal(v) != NULL);
	view_release(v);
}

static void one_uri(const char *uri, size_t len)
{
	struct cnz_err err;
	struct route *r = route_parse(uri, len, &err);
	char *out;
	size_t n;

	if (r == NULL) {
		FUZZ_CHECK(err.msg[0] != '\0' &&
			   fuzz_printable(err.msg, strlen(err.msg)));
	} else {
		check_route(r);
		check_query(req_get, r);
		check_query(req_form, r);
		route_free(r);
	}
	out = malloc(len + 1);
	FUZZ_CHECK(out != NULL);
	if (view_query_unescape(uri, len, out, &n) == 0)
		FUZZ_CHECK(n <= len && out[n] == '\0');
	free(out);
}

static void pattern_uri(const char *pat, const char *uri, size_t len)
{
	size_t pos = 0;
	const char *why = NULL;
	struct pattern *p = compile(pat, &pos, &why);
	struct cnz_err rerr;
	struct route *r;

	(void)pattern_glob(pat, strlen(pat), uri, len);
	if (p == NULL) {
		FUZZ_CHECK(why != NULL && pos <= strlen(pat));
		return;
	}
	FUZZ_CHECK(strcmp(pattern_text(p), pat) == 0);
	r = route_parse(uri, len, &rerr);
	if (r != NULL) {
		(void)pattern_match(p, r);
		route_free(r);
	}
	pattern_free(p);
}

/* A host read out of s[0..n) is a piece of it, and fits. */
static void one_hostref(const char *s, size_t n)
{
	char host[HOSTREF_MAX];
	int rc = hostref_registry(s, n, host, sizeof host);

	FUZZ_CHECK(rc >= -1 && rc <= 1);
	if (rc == 0)
		FUZZ_CHECK(strcmp(host, "docker.io") == 0);
	if (rc == 1) {
		FUZZ_CHECK(strlen(host) < n && memcmp(host, s, strlen(host)) == 0 &&
			   s[strlen(host)] == '/');
		(void)hostref_is_local(host, strlen(host));
	}
	if (hostref_url(s, n, host, sizeof host) == 0) {
		FUZZ_CHECK(host[0] != '\0' && strlen(host) <= n);
		FUZZ_CHECK(memmem(s, n, host, strlen(host)) != NULL);
		(void)hostref_is_local(host, strlen(host));
	}
	(void)hostref_is_local(s, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	char *s = fuzz_strndup(data, size);

	one_uri(s, size);
	one_hostref(s, size);
	if (nl != NULL) {
		size_t k = (size_t)(nl - data);

		s[k] = '\0'; /* the pattern; a NUL in it ends it early */
		pattern_uri(s, s + k + 1, size - k - 1);
	}
	free(s);
	return 0;
}
