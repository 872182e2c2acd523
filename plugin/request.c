/* request.c - see request.h */
#include "request.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "b64.h"
#include "jscan.h"

struct header {
	const char *name;
	const char *value;
};

/*
 * Everything a request is made of lives in one allocation: the struct,
 * then the arena every decoded string is in. The base64 fields are kept
 * as text (checked when the envelope is read); the body is decoded then
 * too (checking it is decoding it: one pass, not two), the certificates
 * when first asked for, so one already in the identity cache is never
 * decoded at all.
 */
struct request {
	const char *user, *authn, *method, *uri;
	size_t uri_len;
	struct header headers[REQUEST_MAX_HEADERS];
	size_t nheaders;
	const char *body64;  /* NULL: no RequestBody */
	size_t body64_len;
	unsigned char *body; /* decoded on first use */
	size_t body_len;
	size_t ncerts;
	const char *cert_b64[REQUEST_MAX_CERTS];
	size_t cert_b64_len[REQUEST_MAX_CERTS];
	unsigned char *cert_pem[REQUEST_MAX_CERTS]; /* decoded on first use */
	size_t cert_pem_len[REQUEST_MAX_CERTS];
	int status;
	const char *resp64; /* ResponseBody (AuthZRes), NULL: none */
	size_t resp64_len;
	char arena[]; /* the decoded strings */
};

static const char empty[] = "";

enum field { F_USER, F_AUTHN, F_METHOD, F_URI, F_HEADERS, F_BODY, F_CERTS,
	     F_STATUS, F_RESP_HEADERS, F_RESP_BODY, F_OTHER };

static const char *const field_names[F_OTHER] = {
	[F_USER] = "User",
	[F_AUTHN] = "UserAuthNMethod",
	[F_METHOD] = "RequestMethod",
	[F_URI] = "RequestUri",
	[F_HEADERS] = "RequestHeaders",
	[F_BODY] = "RequestBody",
	[F_CERTS] = "RequestPeerCertificates",
	[F_STATUS] = "ResponseStatusCode",
	[F_RESP_HEADERS] = "ResponseHeaders",
	[F_RESP_BODY] = "ResponseBody",
};

#define LEN(s) (sizeof s - 1)
static const unsigned char field_lens[F_OTHER] = {
	[F_USER] = LEN("User"),
	[F_AUTHN] = LEN("UserAuthNMethod"),
	[F_METHOD] = LEN("RequestMethod"),
	[F_URI] = LEN("RequestUri"),
	[F_HEADERS] = LEN("RequestHeaders"),
	[F_BODY] = LEN("RequestBody"),
	[F_CERTS] = LEN("RequestPeerCertificates"),
	[F_STATUS] = LEN("ResponseStatusCode"),
	[F_RESP_HEADERS] = LEN("ResponseHeaders"),
	[F_RESP_BODY] = LEN("ResponseBody"),
};
#undef LEN

/* A value of the wrong type: the JSON error if it is not even JSON (so
 * "{\"User\":}" reads as broken JSON), else a type error naming the key. */
static int wrong_type(struct jscan *j, const char *what, const char *key,
		      struct cnz_err *err)
{
	if (jscan_skip(j, 1))
		cnz_err_set(err, NULL, 0, 0, "AuthZReq field %s is not %s", key,
			    what);
	return -1;
}

static int get_string(struct jscan *j, const char *key, const char **out,
		      size_t *len, struct cnz_err *err)
{
	if (jscan_null(j)) {
		*out = empty;
		*len = 0;
		return 0;
	}
	if (jscan_peek(j) != '"')
		return wrong_type(j, "a string", key, err);
	return jscan_string(j, out, len) ? 0 : -1;
}

static int get_headers(struct jscan *j, struct request *r,
		       struct cnz_err *err)
{
	if (jscan_null(j))
		return 0;
	if (jscan_peek(j) != '{')
		return wrong_type(j, "an object", "RequestHeaders", err);
	j->i++;
	if (jscan_peek(j) == '}') {
		j->i++;
		return 0;
	}
	for (;;) {
		struct header *h;
		size_t nl, vl;
		int c;

		if (r->nheaders == REQUEST_MAX_HEADERS) {
			cnz_err_set(err, NULL, 0, 0,
				    "AuthZReq has more than %d headers",
				    REQUEST_MAX_HEADERS);
			return -1;
		}
		h = &r->headers[r->nheaders];
		if (!jscan_string(j, &h->name, &nl) || !jscan_expect(j, ':'))
			return -1;
		if (jscan_peek(j) != '"') {
			if (jscan_skip(j, 2))
				cnz_err_set(err, NULL, 0, 0,
					    "AuthZReq header value is not a string");
			return -1;
		}
		if (!jscan_string(j, &h->value, &vl))
			return -1;
		for (size_t k = 0; k < r->nheaders; k++)
			if (strcasecmp(r->headers[k].name, h->name) == 0) {
				/* Go canonicalises header names, so dockerd
				 * never sends this; which one a check would
				 * read is a guess, so refuse. */
				cnz_err_set(err, NULL, 0, 0,
					    strcmp(r->headers[k].name, h->name) == 0
						    ? "AuthZReq repeats a header name"
						    : "AuthZReq repeats a header name in another case");
				return -1;
			}
		r->nheaders++;
		c = jscan_peek(j);
		j->i++;
		if (c == '}')
			return 0;
		if (c != ',') {
			jscan_fail(j, "',' or '}' was expected");
			return -1;
		}
	}
}

static int get_certs(struct jscan *j, struct request *r, struct cnz_err *err)
{
	if (jscan_null(j))
		return 0;
	if (jscan_peek(j) != '[')
		return wrong_type(j, "an array", "RequestPeerCertificates", err);
	j->i++;
	if (jscan_peek(j) == ']') {
		j->i++;
		return 0;
	}
	for (;;) {
		size_t i = r->ncerts, n;
		struct cnz_err why;
		int c;

		if (i == REQUEST_MAX_CERTS) {
			cnz_err_set(err, NULL, 0, 0,
				    "AuthZReq carries more than %d peer certificates",
				    REQUEST_MAX_CERTS);
			return -1;
		}
		if (jscan_peek(j) != '"') {
			if (jscan_skip(j, 2))
				cnz_err_set(err, NULL, 0, 0,
					    "peer certificate %zu is not a non-empty string",
					    i);
			return -1;
		}
		if (!jscan_string(j, &r->cert_b64[i], &n))
			return -1;
		if (n == 0) {
			cnz_err_set(err, NULL, 0, 0,
				    "peer certificate %zu is not a non-empty string",
				    i);
			return -1;
		}
		/* the leaf is checked when it is decoded - never, when the
		 * identity cache has seen this very text - the rest now */
		if (i > 0 && b64_check(r->cert_b64[i], n, &why) < 0) {
			cnz_err_set(err, NULL, 0, 0, "peer certificate %zu: %s",
				    i, why.msg);
			return -1;
		}
		r->cert_b64_len[i] = n;
		r->ncerts = i + 1;
		c = jscan_peek(j);
		j->i++;
		if (c == ']')
			return 0;
		if (c != ',') {
			jscan_fail(j, "',' or ']' was expected");
			return -1;
		}
	}
}

/* A base64 field: checked now, decoded when used. */
static int get_b64(struct jscan *j, const char *key, const char **out,
		   size_t *len, struct cnz_err *err)
{
	struct cnz_err why;

	if (get_string(j, key, out, len, err) < 0)
		return -1;
	if (*len == 0) {
		*out = NULL; /* Go's omitempty: an empty []byte is not sent */
		return 0;
	}
	if (b64_check(*out, *len, &why) < 0) {
		cnz_err_set(err, NULL, 0, 0, "AuthZReq field %s: %s", key,
			    why.msg);
		return -1;
	}
	return 0;
}

static int get_field(struct jscan *j, struct request *r, enum field f,
		     struct cnz_err *err)
{
	size_t n;
	unsigned long v;

	switch (f) {
	case F_USER:
		return get_string(j, "User", &r->user, &n, err);
	case F_AUTHN:
		return get_string(j, "UserAuthNMethod", &r->authn, &n, err);
	case F_METHOD:
		return get_string(j, "RequestMethod", &r->method, &n, err);
	case F_URI:
		return get_string(j, "RequestUri", &r->uri, &r->uri_len, err);
	case F_HEADERS:
		return get_headers(j, r, err);
	case F_BODY: {
		struct cnz_err why;
		const char *q;

		/* The usual case, straight from the input: base64 has no
		 * '"', escape, control or non-ASCII byte, so the first '"'
		 * ends it, and if the decoder takes every byte before it
		 * (it refuses anything outside the alphabet) this was the
		 * whole string, checked and decoded in one pass, never
		 * copied. Anything else goes the long way, for its error. */
		if (jscan_peek(j) == '"' &&
		    (q = memchr(j->s + j->i + 1, '"', j->n - j->i - 1)) != NULL &&
		    q > j->s + j->i + 1 &&
		    b64_decode(j->s + j->i + 1, (size_t)(q - j->s - j->i - 1),
			       &r->body, &r->body_len, &why) == 0) {
			r->body64 = j->s + j->i + 1;
			r->body64_len = (size_t)(q - r->body64);
			j->i = (size_t)(q - j->s) + 1;
			return 0;
		}
		if (get_string(j, "RequestBody", &r->body64, &r->body64_len,
			       err) < 0)
			return -1;
		if (r->body64_len == 0) {
			r->body64 = NULL; /* omitempty, as get_b64 */
			return 0;
		}
		if (b64_decode(r->body64, r->body64_len, &r->body,
			       &r->body_len, &why) < 0) {
			cnz_err_set(err, NULL, 0, 0,
				    "AuthZReq field RequestBody: %s", why.msg);
			return -1;
		}
		return 0;
	}
	case F_CERTS:
		return get_certs(j, r, err);
	case F_RESP_BODY: /* checked; read by learn.c */
		return get_b64(j, "ResponseBody", &r->resp64, &r->resp64_len,
			       err);
	case F_STATUS:
		if (jscan_null(j))
			return 0;
		if (!jscan_uint(j, 999, &v)) {
			cnz_err_set(err, NULL, 0, 0,
				    "AuthZRes field ResponseStatusCode is not an HTTP status");
			return -1;
		}
		r->status = (int)v;
		return 0;
	case F_RESP_HEADERS:
		if (jscan_null(j))
			return 0;
		if (jscan_peek(j) != '{')
			return wrong_type(j, "an object", "ResponseHeaders", err);
		return jscan_skip(j, 1) ? 0 : -1;
	case F_OTHER:
		break;
	}
	return jscan_skip(j, 1) ? 0 : -1; /* unknown: checked and ignored */
}

struct request *request_decode(const char *buf, size_t len,
			       struct cnz_err *err)
{
	struct request *r;
	struct jscan j;
	const char *keys[64];
	size_t klen[64], nkeys = 0;

	cnz_err_clear(err);
	if (len > SIZE_MAX - sizeof *r - 16) {
		cnz_err_set(err, NULL, 0, 0, "AuthZReq too large");
		return NULL;
	}
	r = malloc(sizeof *r + len + 16);
	if (r == NULL) {
		cnz_err_set(err, NULL, 0, 0, "out of memory");
		return NULL;
	}
	r->user = r->authn = r->method = r->uri = empty;
	r->uri_len = 0;
	r->nheaders = 0;
	r->body64 = NULL;
	r->body64_len = 0;
	r->body = NULL;
	r->body_len = 0;
	r->ncerts = 0;
	memset(r->cert_pem, 0, sizeof r->cert_pem);
	r->status = 0;
	jscan_init(&j, buf, len, r->arena);

	if (jscan_peek(&j) != '{') {
		if (jscan_peek(&j) < 0 || !jscan_skip(&j, 0))
			goto syntax;
		cnz_err_set(err, NULL, 0, 0, "AuthZReq is not a JSON object");
		goto fail;
	}
	j.i++;
	if (jscan_peek(&j) == '}') {
		j.i++;
	} else {
		for (;;) {
			const char *k;
			size_t kl;
			enum field f;
			int c;

			if (!jscan_string(&j, &k, &kl))
				goto syntax;
			/* Exact duplicate keys are refused: which one counts
			 * would be a guess. Keys differing only in case are
			 * other fields: dockerd writes the exact names. */
			for (size_t i = 0; i < nkeys; i++)
				if (klen[i] == kl && memcmp(keys[i], k, kl) == 0) {
					cnz_err_set(err, NULL, 0, 0,
						    "AuthZReq repeats the field %.40s",
						    k);
					goto fail;
				}
			if (nkeys == sizeof keys / sizeof keys[0]) {
				cnz_err_set(err, NULL, 0, 0,
					    "AuthZReq has too many fields");
				goto fail;
			}
			keys[nkeys] = k;
			klen[nkeys++] = kl;
			if (!jscan_expect(&j, ':'))
				goto syntax;
			/* by length, then bytes (cheaper than strcmp) */
			for (f = 0; f < F_OTHER; f++)
				if (kl == field_lens[f] &&
				    memcmp(k, field_names[f], kl) == 0)
					break;
			if (get_field(&j, r, f, err) < 0)
				goto fieldfail;
			c = jscan_peek(&j);
			j.i++;
			if (c == '}')
				break;
			if (c != ',') {
				j.i--;
				jscan_fail(&j, "',' or '}' was expected");
				goto syntax;
			}
		}
	}
	if (!jscan_end(&j)) {
		jscan_fail(&j, "data after the object");
		goto syntax;
	}
	return r;
fieldfail:
	if (err == NULL || err->msg[0] != '\0')
		goto fail;
syntax:
	cnz_err_set(err, NULL, 0, 0, "AuthZReq is not valid JSON: %s at byte %zu",
		    j.why ? j.why : "unexpected end", j.at);
fail:
	request_free(r);
	return NULL;
}

size_t request_user_hint(const char *buf, size_t len, char *out,
			 size_t outsz)
{
	struct jscan j;
	char arena[256];
	const char *k, *v;
	size_t kl, vl;

	if (outsz == 0)
		return 0;
	out[0] = '\0';
	/* a window the arena can hold: a longer User is no User here */
	jscan_init(&j, buf, len < sizeof arena - 1 ? len : sizeof arena - 1,
		   arena);
	if (jscan_peek(&j) != '{')
		return 0;
	j.i++;
	if (!jscan_string(&j, &k, &kl) || kl != 4 || memcmp(k, "User", 4) != 0 ||
	    !jscan_expect(&j, ':') || jscan_peek(&j) != '"' ||
	    !jscan_string(&j, &v, &vl) || vl >= outsz)
		return 0;
	memcpy(out, v, vl + 1);
	return vl;
}

void request_free(struct request *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < REQUEST_MAX_CERTS; i++)
		free(r->cert_pem[i]);
	free(r->body);
	free(r);
}

const char *request_user(const struct request *r)
{
	return r->user;
}

const char *request_authn(const struct request *r)
{
	return r->authn;
}

const char *request_method(const struct request *r)
{
	return r->method;
}

const char *request_uri(const struct request *r)
{
	return r->uri;
}

size_t request_uri_len(const struct request *r)
{
	return r->uri_len;
}

const char *request_header(const struct request *r, const char *name)
{
	for (size_t i = 0; i < r->nheaders; i++)
		if (strcasecmp(r->headers[i].name, name) == 0)
			return r->headers[i].value;
	return NULL;
}

size_t request_nheaders(const struct request *r)
{
	return r->nheaders;
}

const char *request_header_name(const struct request *r, size_t i)
{
	return r->headers[i].name;
}

const char *request_header_value(const struct request *r, size_t i)
{
	return r->headers[i].value;
}

const unsigned char *request_body(const struct request *r, size_t *len)
{
	*len = r->body_len;
	return r->body; /* decoded with the envelope */
}

const char *request_body_b64(const struct request *r, size_t *len)
{
	*len = r->body64_len;
	return r->body64;
}

size_t request_ncerts(const struct request *r)
{
	return r->ncerts;
}

const char *request_cert_pem(struct request *r, size_t i, size_t *len,
			     struct cnz_err *err)
{
	*len = 0;
	if (r->cert_pem[i] == NULL &&
	    b64_decode(r->cert_b64[i], r->cert_b64_len[i], &r->cert_pem[i],
		       &r->cert_pem_len[i], err) < 0)
		return NULL;
	*len = r->cert_pem_len[i];
	return (const char *)r->cert_pem[i];
}

const char *request_cert_b64(const struct request *r, size_t i, size_t *len)
{
	*len = r->cert_b64_len[i];
	return r->cert_b64[i];
}

const char *request_response_b64(const struct request *r, size_t *len)
{
	*len = r->resp64_len;
	return r->resp64;
}

int request_status(const struct request *r)
{
	return r->status;
}
