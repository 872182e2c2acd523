/*
 * fuzz-request.c - the AuthZReq decoder and everything behind it: the
 * envelope JSON (request_decode), base64 bodies and certificates, the
 * PEM/X.509 identity (identity_from_request), the canonical route, and
 * the whole decide() against the repository's rules/, three ways: as the
 * request's own identity (without and with the daemon's certificate
 * cache, which must change nothing), as CN "client" (@developer, so
 * bodies and queries are read), and with the @readonly stack.
 *
 * Input: an AuthZReq or AuthZRes body as dockerd sends it. The input is
 * also fed to the base64 decoder alone, which must round-trip exactly.
 */
#include <string.h>

#include "b64.h"
#include "fairq.h"
#include "common.h"
#include "decide.h"
#include "idcache.h"
#include "identity.h"
#include "request.h"
#include "route.h"
#include "ruleset.h"

static struct ruleset *rules;      /* rules/, loaded once */
static struct identity *as_client; /* CN "client" without a certificate */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct cnz_err err;

	(void)argc;
	(void)argv;
	rules = fuzz_rules("rules");
	as_client = identity_named("client", &err);
	FUZZ_CHECK(as_client != NULL);
	return 0;
}

static void check_decision(const struct decision *d, bool decoded)
{
	FUZZ_CHECK(memchr(d->msg, '\0', sizeof d->msg) != NULL);
	FUZZ_CHECK(d->msg[0] != '\0');
	/* Messages quote request data only through text_printable: what
	 * dockerd shows and logs record is printable ASCII. */
	FUZZ_CHECK(fuzz_printable(d->msg, strlen(d->msg)));
	FUZZ_CHECK(fuzz_printable(d->who, strlen(d->who)));
	FUZZ_CHECK(fuzz_printable(d->method, strlen(d->method)));
	FUZZ_CHECK(fuzz_printable(d->path, strlen(d->path)));
	FUZZ_CHECK(fuzz_printable(d->uri, strlen(d->uri)));
	if (!decoded)
		FUZZ_CHECK(!d->allow);
	if (d->allow) {
		FUZZ_CHECK(strncmp(d->msg, "allowed by ", 11) == 0);
		FUZZ_CHECK(d->rule[0] != '\0' && d->stack[0] != '\0');
		FUZZ_CHECK(d->path[0] == '/' && d->method[0] != '\0');
	}
}

static void check_request(struct request *r)
{
	struct cnz_err err;
	struct identity *id;
	struct route *rt;
	const unsigned char *body;
	size_t n;

	FUZZ_CHECK(strlen(request_uri(r)) == request_uri_len(r));
	(void)strlen(request_user(r));
	(void)strlen(request_authn(r));
	(void)strlen(request_method(r));
	for (size_t i = 0; i < request_nheaders(r); i++) {
		const char *name = request_header_name(r, i);

		/* names are unique under case folding: the lookup finds it */
		FUZZ_CHECK(request_header(r, name) == request_header_value(r, i));
	}
	body = request_body(r, &n);
	if (body != NULL) {
		size_t bl;
		const char *b64 = request_body_b64(r, &bl);

		FUZZ_CHECK(body[n] == '\0');
		FUZZ_CHECK(b64 != NULL && b64_decoded_len(b64, bl) == n);
	}
	FUZZ_CHECK(request_ncerts(r) <= REQUEST_MAX_CERTS);
	for (size_t i = 0; i < request_ncerts(r); i++) {
		size_t pl, bl;
		struct cnz_err bad = {.msg = ""};
		const char *pem = request_cert_pem(r, i, &pl, &bad);
		const char *b64 = request_cert_b64(r, i, &bl);

		FUZZ_CHECK(b64 != NULL && bl > 0);
		/* only the leaf's base64 is left to be checked when decoded */
		if (pem == NULL) {
			FUZZ_CHECK(i == 0 && bad.msg[0] != '\0');
			continue;
		}
		FUZZ_CHECK(b64_decoded_len(b64, bl) == pl);
		/* decoded once: a second call gives the same bytes */
		FUZZ_CHECK(request_cert_pem(r, i, &bl, &bad) == pem && bl == pl);
	}
	FUZZ_CHECK(request_status(r) >= 0 && request_status(r) <= 999);

	id = identity_from_request(r, NULL, &err);
	if (id != NULL) {
		if (identity_is_local(id)) {
			FUZZ_CHECK(request_ncerts(r) == 0);
			FUZZ_CHECK(request_user(r)[0] == '\0');
		} else {
			FUZZ_CHECK(strcmp(identity_cn(id), request_user(r)) == 0);
			FUZZ_CHECK(identity_name_valid(identity_cn(id),
						       strlen(identity_cn(id))));
			FUZZ_CHECK(identity_has_cert(id));
		}
		identity_unref(id);
	} else {
		FUZZ_CHECK(err.msg[0] != '\0');
	}

	rt = route_parse(request_uri(r), request_uri_len(r), &err);
	if (rt != NULL)
		FUZZ_CHECK(route_path(rt)[0] == '/');
	else
		FUZZ_CHECK(fuzz_printable(err.msg, strlen(err.msg)));
	route_free(rt);
}

/* The daemon's certificate cache changes nothing: a miss (parse, put)
 * and a hit (User checked against the cached CN) decide as no cache. */
static void check_cached(const char *buf, size_t size,
			 const struct decision *want)
{
	struct idcache *c = idcache_new(4);
	struct decide_opts o;

	FUZZ_CHECK(c != NULL);
	memset(&o, 0, sizeof o);
	o.cache = c;
	for (int i = 0; i < 2; i++) {
		struct decision d;

		decide(rules, buf, size, &o, &d);
		FUZZ_CHECK(d.allow == want->allow);
		FUZZ_CHECK(strcmp(d.msg, want->msg) == 0);
		FUZZ_CHECK(strcmp(d.who, want->who) == 0);
		FUZZ_CHECK(strcmp(d.rule, want->rule) == 0);
		decision_clear(&d);
	}
	idcache_free(c);
}

/* The strict decoder accepts only what the encoder writes. */
static void check_b64(const uint8_t *data, size_t size)
{
	unsigned char *out = NULL;
	struct cnz_err why = {.msg = ""};
	size_t n = 0, m = 0;
	char *enc;

	if (b64_decode((const char *)data, size, &out, &n, &why) == 0) {
		enc = b64_encode(out, n, &m);
		FUZZ_CHECK(enc != NULL && m == size &&
			   memcmp(enc, data, size) == 0);
		free(enc);
		free(out);
	} else {
		FUZZ_CHECK(out == NULL && why.msg[0] != '\0');
	}
	enc = b64_encode(data, size, &m);
	FUZZ_CHECK(enc != NULL);
	FUZZ_CHECK(b64_decode(enc, m, &out, &n, &why) == 0);
	FUZZ_CHECK(n == size && (size == 0 || memcmp(out, data, size) == 0));
	free(out);
	free(enc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct cnz_err err;
	struct request *r;
	struct decision d;
	struct decide_opts o;
	bool decoded;

	r = request_decode(buf, size, &err);
	decoded = r != NULL;
	if (r != NULL)
		check_request(r);
	else
		FUZZ_CHECK(err.msg[0] != '\0');
	{
		/* the fair queue's key: a NUL-terminated string that, when
		 * the envelope decodes, is its User or "" */
		char hint[FAIRQ_KEY_MAX + 1];
		size_t hl = request_user_hint(buf, size, hint, sizeof hint);

		FUZZ_CHECK(hl < sizeof hint && strlen(hint) == hl);
		if (r != NULL && hl > 0)
			FUZZ_CHECK(strcmp(hint, request_user(r)) == 0);
	}
	request_free(r);

	decide(rules, buf, size, NULL, &d);
	check_decision(&d, decoded);
	check_cached(buf, size, &d);
	decision_clear(&d);

	memset(&o, 0, sizeof o);
	o.as = as_client;
	decide(rules, buf, size, &o, &d);
	check_decision(&d, decoded);
	if (decoded && d.path[0] != '\0')
		FUZZ_CHECK(strcmp(d.who, "client") == 0);
	decision_clear(&d);

	memset(&o, 0, sizeof o);
	o.stack = "@readonly";
	decide(rules, buf, size, &o, &d);
	check_decision(&d, decoded);
	/* @readonly never allows what is not a GET or HEAD */
	if (d.allow)
		FUZZ_CHECK(strcmp(d.method, "GET") == 0 ||
			   strcmp(d.method, "HEAD") == 0);
	decision_clear(&d);

	if (size <= 4096)
		check_b64(data, size);
	fuzz_input_done();
	return 0;
}
