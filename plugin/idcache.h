/*
 * idcache.h - identities already parsed, by their certificate.
 *
 * dockerd sends the same client certificate with every call of a client;
 * parsing it (PEM, DER, subject, SHA-256) costs more than the rest of a
 * decision. The cache is keyed by the certificate exactly as dockerd sent
 * it (its base64 text), compared in full, bounded (set-associative, the
 * oldest of a set evicted) and shared by the worker threads. A hit still
 * has its User checked against the CN like a fresh parse.
 */
#ifndef CNZ_IDCACHE_H
#define CNZ_IDCACHE_H

#include <stddef.h>

struct idcache;
struct identity;
struct request;
struct cnz_err;

#define IDCACHE_DEFAULT 1024

struct idcache *idcache_new(size_t entries);
void idcache_free(struct idcache *c);
/* A new reference to the identity parsed from this certificate, or NULL. */
struct identity *idcache_get(struct idcache *c, const char *cert, size_t len);
/* Remembers id (taking a reference of its own) for this certificate. */
void idcache_put(struct idcache *c, const char *cert, size_t len,
		 struct identity *id);
/* The identity of req (identity_from_request), from c when it holds the
 * client certificate and put there when it did not; c NULL: parsed. */
struct identity *idcache_identity(struct idcache *c, struct request *req,
				  struct cnz_err *err);
/* Counters, for tests and benchmarks. */
void idcache_stats(struct idcache *c, unsigned long long *hits,
		   unsigned long long *misses);

#endif
