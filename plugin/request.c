/* request.c - see request.h */
#include "request.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "b64.h"

struct header {
	const char *name;
	const char *value;
};

struct request {
	json_t *root; /* owns every string below that is not decoded */
	const char *user, *authn, *method, *uri;
	size_t uri_len;
	struct header *headers;
	size_t nheaders;
	unsigned char *body;
	size_t body_len;
	bool has_body;
	size_t ncerts;
	const char *cert_b64[REQUEST_MAX_CERTS];
	size_t cert_b64_len[REQUEST_MAX_CERTS];
	unsigned char *cert_pem[REQUEST_MAX_CERTS];
	size_t cert_pem_len[REQUEST_MAX_CERTS];
	int status;
};

static const char empty[] = "";

/* A string member: absent or null -> "", a string -> it, else an error. */
static int get_str(json_t *root, const char *key, const char **out,
		   size_t *outlen, struct cnz_err *err)
{
	json_t *v = json_object_get(root, key);

	*out = empty;
	if (outlen != NULL)
		*outlen = 0;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v)) {
		cnz_err_set(err, NULL, 0, 0, "AuthZReq field %s is not a string",
			    key);
		return -1;
	}
	*out = json_string_value(v);
	if (outlen != NULL)
		*outlen = json_string_length(v);
	if (strlen(*out) != json_string_length(v)) {
		cnz_err_set(err, NULL, 0, 0, "AuthZReq field %s contains NUL",
			    key);
		return -1;
	}
	return 0;
}

static int get_b64(json_t *root, const char *key, unsigned char **out,
		   size_t *outlen, bool *present, struct cnz_err *err)
{
	const char *s, *why = NULL;
	size_t n;

	*present = false;
	if (get_str(root, key, &s, &n, err) < 0)
		return -1;
	if (n == 0)
		return 0; /* Go's omitempty: an empty []byte is not sent */
	if (b64_decode(s, n, out, outlen, &why) < 0) {
		cnz_err_set(err, NULL, 0, 0, "AuthZReq field %s: %s", key, why);
		return -1;
	}
	*present = true;
	return 0;
}

static int get_headers(struct request *r, struct cnz_err *err)
{
	json_t *h = json_object_get(r->root, "RequestHeaders");
	const char *k;
	json_t *v;
	size_t i = 0;

	if (h == NULL || json_is_null(h))
		return 0;
	if (!json_is_object(h)) {
		cnz_err_set(err, NULL, 0, 0,
			    "AuthZReq field RequestHeaders is not an object");
		return -1;
	}
	if (json_object_size(h) > REQUEST_MAX_HEADERS) {
		cnz_err_set(err, NULL, 0, 0,
			    "AuthZReq has more than %d headers",
			    REQUEST_MAX_HEADERS);
		return -1;
	}
	r->headers = calloc(json_object_size(h) + 1, sizeof *r->headers);
	if (r->headers == NULL) {
		cnz_err_set(err, NULL, 0, 0, "out of memory");
		return -1;
	}
	json_object_foreach(h, k, v) {
		if (!json_is_string(v) ||
		    strlen(json_string_value(v)) != json_string_length(v)) {
			cnz_err_set(err, NULL, 0, 0,
				    "AuthZReq header value is not a string");
			return -1;
		}
		for (size_t j = 0; j < i; j++)
			if (strcasecmp(r->headers[j].name, k) == 0) {
				/* Go canonicalises header names, so dockerd
				 * never sends this; which one a check would
				 * read is a guess, so refuse. */
				cnz_err_set(err, NULL, 0, 0,
					    "AuthZReq repeats a header name in another case");
				return -1;
			}
		r->headers[i].name = k;
		r->headers[i].value = json_string_value(v);
		i++;
	}
	r->nheaders = i;
	return 0;
}

static int get_certs(struct request *r, struct cnz_err *err)
{
	json_t *a = json_object_get(r->root, "RequestPeerCertificates");
	const char *why = NULL;

	if (a == NULL || json_is_null(a))
		return 0;
	if (!json_is_array(a)) {
		cnz_err_set(err, NULL, 0, 0,
			    "AuthZReq field RequestPeerCertificates is not an array");
		return -1;
	}
	if (json_array_size(a) > REQUEST_MAX_CERTS) {
		cnz_err_set(err, NULL, 0, 0,
			    "AuthZReq carries more than %d peer certificates",
			    REQUEST_MAX_CERTS);
		return -1;
	}
	for (size_t i = 0; i < json_array_size(a); i++) {
		json_t *v = json_array_get(a, i);
		const char *s;
		size_t n;

		if (!json_is_string(v) || json_string_length(v) == 0) {
			cnz_err_set(err, NULL, 0, 0,
				    "peer certificate %zu is not a non-empty string",
				    i);
			return -1;
		}
		s = json_string_value(v);
		n = json_string_length(v);
		if (b64_decode(s, n, &r->cert_pem[i], &r->cert_pem_len[i],
			       &why) < 0) {
			cnz_err_set(err, NULL, 0, 0, "peer certificate %zu: %s",
				    i, why);
			return -1;
		}
		r->cert_b64[i] = s;
		r->cert_b64_len[i] = n;
		r->ncerts = i + 1;
	}
	return 0;
}

struct request *request_decode(const char *buf, size_t len,
			       struct cnz_err *err)
{
	struct request *r = calloc(1, sizeof *r);
	json_error_t jerr;
	json_t *st;
	bool has_resp_body = false;
	unsigned char *resp_body = NULL;
	size_t resp_len = 0;

	cnz_err_clear(err);
	if (r == NULL) {
		cnz_err_set(err, NULL, 0, 0, "out of memory");
		return NULL;
	}
	r->user = r->authn = r->method = r->uri = empty;
	/* Exact duplicate keys are refused: which one counts would be a
	 * guess. Keys differing only in case are different fields here, as
	 * dockerd's encoder writes the exact names. */
	r->root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (r->root == NULL) {
		cnz_err_set(err, NULL, 0, 0,
			    "AuthZReq is not valid JSON: %s at byte %d",
			    jerr.text, jerr.position);
		goto fail;
	}
	if (!json_is_object(r->root)) {
		cnz_err_set(err, NULL, 0, 0, "AuthZReq is not a JSON object");
		goto fail;
	}
	if (get_str(r->root, "User", &r->user, NULL, err) < 0 ||
	    get_str(r->root, "UserAuthNMethod", &r->authn, NULL, err) < 0 ||
	    get_str(r->root, "RequestMethod", &r->method, NULL, err) < 0 ||
	    get_str(r->root, "RequestUri", &r->uri, &r->uri_len, err) < 0 ||
	    get_headers(r, err) < 0 ||
	    get_b64(r->root, "RequestBody", &r->body, &r->body_len,
		    &r->has_body, err) < 0 ||
	    get_certs(r, err) < 0)
		goto fail;

	st = json_object_get(r->root, "ResponseStatusCode");
	if (st != NULL && !json_is_null(st)) {
		if (!json_is_integer(st) || json_integer_value(st) < 0 ||
		    json_integer_value(st) > 999) {
			cnz_err_set(err, NULL, 0, 0,
				    "AuthZRes field ResponseStatusCode is not an HTTP status");
			goto fail;
		}
		r->status = (int)json_integer_value(st);
	}
	/* Decoded only to be sure it is well formed; no rule reads it. */
	if (get_b64(r->root, "ResponseBody", &resp_body, &resp_len,
		    &has_resp_body, err) < 0)
		goto fail;
	free(resp_body);
	st = json_object_get(r->root, "ResponseHeaders");
	if (st != NULL && !json_is_null(st) && !json_is_object(st)) {
		cnz_err_set(err, NULL, 0, 0,
			    "AuthZRes field ResponseHeaders is not an object");
		goto fail;
	}
	return r;
fail:
	request_free(r);
	return NULL;
}

void request_free(struct request *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < REQUEST_MAX_CERTS; i++)
		free(r->cert_pem[i]);
	free(r->body);
	free(r->headers);
	json_decref(r->root);
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
	return r->has_body ? r->body : NULL;
}

size_t request_ncerts(const struct request *r)
{
	return r->ncerts;
}

const char *request_cert_pem(const struct request *r, size_t i, size_t *len)
{
	*len = r->cert_pem_len[i];
	return (const char *)r->cert_pem[i];
}

const char *request_cert_b64(const struct request *r, size_t i, size_t *len)
{
	*len = r->cert_b64_len[i];
	return r->cert_b64[i];
}

int request_status(const struct request *r)
{
	return r->status;
}
