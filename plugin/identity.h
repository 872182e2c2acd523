/*
 * identity.h - who is asking: the client certificate's CN, or "local".
 *
 * dockerd puts the verified client leaf certificate (PEM, base64) first in
 * RequestPeerCertificates and its subject CN in User. cnauthz parses the
 * leaf itself and insists the two agree; a request with neither is a caller
 * on dockerd's unix socket (or any listener without TLS), the local identity.
 * Identities are immutable and reference counted so a cache can share them.
 */
#ifndef CNZ_IDENTITY_H
#define CNZ_IDENTITY_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "err.h"

struct identity;
struct request;

#define IDENTITY_CN_MAX 64 /* X.509's upper bound for a common name */

/*
 * The one rule for what a CN may be, and so what a CN's rule file may be
 * called: the loader (rulesdir.c), the identity check below, "cnauthz
 * check --name" and through it contrib/mkcerts.sh all ask it. 1 to 64
 * bytes of [A-Za-z0-9._@+-], starting with a letter or digit, and not
 * ending in a suffix that editors and package managers leave beside a
 * file they change (".swp", ".swx", ".bak", ".orig", ".rej", ".tmp",
 * ".rpmnew", ".rpmsave", ".dpkg-old", ".dpkg-new", ".dpkg-dist",
 * ".dpkg-tmp", ".dpkg-bak", ".ucf-old", ".ucf-new", ".ucf-dist"). So no
 * '/', no leading '.', no leading '@' (reserved names such as @other), no
 * NUL; "web.1" and "10.0.0.5" are CNs.
 */
bool identity_name_valid(const char *name, size_t len);
/* NULL when name[0..len) is valid, else why not ("it ends in ..."), in
 * buf (160 bytes is enough) or a static text. */
const char *identity_name_why(const char *name, size_t len, char *buf,
			      size_t bufsz);

/* Parses one certificate, PEM text exactly as dockerd sends it. */
struct identity *identity_from_pem(const char *pem, size_t len,
				   struct cnz_err *err);
/* The identity behind a request: checks User against the leaf's CN. The
 * leaf is parsed with identity_from_pem unless "cached" is given (an
 * identity already parsed from the same certificate). The request is
 * not const: its leaf certificate is decoded on first use. */
struct identity *identity_from_request(struct request *r,
				       struct identity *cached,
				       struct cnz_err *err);
/*
 * What dockerd sends for a client certificate (cnauthz test --cert): the
 * first certificate in text (a PEM file; text around it is allowed) as
 * Go's pem.EncodeToMemory writes it, in *pem (malloc'ed, *pemlen bytes),
 * and the subject's CN as Go reads it - the last CN, "" for none - in
 * user, whether or not a rule file can have it. -1 with err when text
 * holds no certificate.
 */
int identity_pem_as_dockerd(const char *text, size_t len, char **pem,
			    size_t *pemlen, char *user, size_t usersz,
			    struct cnz_err *err);
/* A CN without a certificate (cnauthz test --cn). */
struct identity *identity_named(const char *cn, struct cnz_err *err);
struct identity *identity_local(void);

struct identity *identity_ref(struct identity *id);
void identity_unref(struct identity *id);

bool identity_is_local(const struct identity *id);
/* The CN, or "" for the local identity. */
const char *identity_cn(const struct identity *id);
/* "client" or "local": for messages. */
const char *identity_label(const struct identity *id);
bool identity_has_cert(const struct identity *id);
/* Certificate facts; "" when there is no certificate. */
const char *identity_fingerprint(const struct identity *id); /* sha256 hex */
const char *identity_serial(const struct identity *id);      /* hex */
const char *identity_issuer(const struct identity *id);      /* RFC 2253 */
const char *identity_subject(const struct identity *id);     /* RFC 2253 */
time_t identity_not_after(const struct identity *id);        /* 0: none */
time_t identity_not_before(const struct identity *id);
/* The parsed certificate (an X509 *), or NULL. Owned by the identity. */
const void *identity_x509(const struct identity *id);
/*
 * A certificate field by name, as cnauthz_module.h's api->cert describes:
 * "CN", "O", "OU" (index: which of several), "SAN" ("DNS:x", "IP:x",
 * "email:x", "URI:x"), "subject", "issuer", "serial", "fingerprint",
 * "not_before", "not_after". Written into buf; NULL when absent.
 */
const char *identity_cert_field(const struct identity *id, const char *name,
				size_t index, char *buf, size_t bufsz);

#endif
