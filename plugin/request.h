/*
 * request.h - an AuthZReq/AuthZRes body, decoded once into a read-only
 * object. Nothing downstream looks at the envelope JSON again.
 *
 * Field names are the ones dockerd really sends (moby's
 * pkg/authorization/api.go, Request and Response): RequestUri (not
 * RequestURI), a flat string->string RequestHeaders map, RequestBody as
 * standard base64, RequestPeerCertificates as an array of base64 of PEM text,
 * leaf first. Every field is optional, as in Go, where a missing key is the
 * zero value; a field of the wrong type, invalid base64, duplicate keys or
 * anything that is not a JSON object is an error.
 */
#ifndef CNZ_REQUEST_H
#define CNZ_REQUEST_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

struct request;

/* Limits on the envelope (the body itself is bounded by the server cap). */
#define REQUEST_MAX_CERTS 16
#define REQUEST_MAX_HEADERS 256

struct request *request_decode(const char *buf, size_t len,
			       struct cnz_err *err);
void request_free(struct request *r);
/*
 * The User field, cheaply, before (and without) decoding the envelope:
 * its value when it is the envelope's first member, as dockerd writes it
 * (the client certificate's CN), a plain string under outsz bytes; else
 * "". Not checked beyond that: for choosing whose turn a request waits
 * in (server.c's fair queue), never for deciding. Returns its length.
 */
size_t request_user_hint(const char *buf, size_t len, char *out,
			 size_t outsz);

const char *request_user(const struct request *r);   /* "" if absent */
const char *request_authn(const struct request *r);  /* UserAuthNMethod */
const char *request_method(const struct request *r); /* "" if absent */
const char *request_uri(const struct request *r);    /* raw RequestUri */
size_t request_uri_len(const struct request *r);
/* Header value by name, compared ASCII-case-insensitively (as Go's
 * http.Header canonicalises), or NULL. */
const char *request_header(const struct request *r, const char *name);
size_t request_nheaders(const struct request *r);
const char *request_header_name(const struct request *r, size_t i);
const char *request_header_value(const struct request *r, size_t i);
/* The decoded RequestBody, or NULL when dockerd sent none (decoded with
 * the envelope), and its base64 text as sent (NULL when none). The base64
 * text may point into the buffer given to request_decode (it is not
 * copied when it needs no unescaping): it is valid only while that buffer
 * is, and is not NUL-terminated. */
const unsigned char *request_body(const struct request *r, size_t *len);
const char *request_body_b64(const struct request *r, size_t *len);
size_t request_ncerts(const struct request *r);
/* PEM text of peer certificate i (0 is the leaf), decoded on first use
 * (NULL with err when its base64 is bad: the leaf's is checked only
 * then; the request is not const for that), and its base64 form exactly
 * as received (a cheap cache key). */
const char *request_cert_pem(struct request *r, size_t i, size_t *len,
			     struct cnz_err *err);
const char *request_cert_b64(const struct request *r, size_t i, size_t *len);
/* ResponseStatusCode, or 0 when absent. */
int request_status(const struct request *r);
/* ResponseBody (an AuthZRes: dockerd's answer, when JSON and at most 64
 * KiB) as base64 text, or NULL when none. */
const char *request_response_b64(const struct request *r, size_t *len);

#endif
