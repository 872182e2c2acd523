/*
 * auditpairs.h - the AuthZReq -> AuthZRes pairing table of the audit
 * trail (audit.h): dockerd asks about a request twice, before and after
 * it runs, and the AuthZRes record names the AuthZReq record it answers.
 * The two calls carry the same decision.digest, so the table maps digest
 * -> request ids, first in first out per digest, at most max entries (the
 * oldest is evicted). Not locked: the audit calls it under its own mutex.
 */
#ifndef CNZ_AUDITPAIRS_H
#define CNZ_AUDITPAIRS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AUDIT_PAIRS_DEFAULT 65536

struct audit_pairs;

/* max 0 (or too large): AUDIT_PAIRS_DEFAULT. NULL when out of memory. */
struct audit_pairs *audit_pairs_new(size_t max);
void audit_pairs_free(struct audit_pairs *p);
/* Remembers id for digest (64 hex digits; anything else is ignored). */
void audit_pairs_push(struct audit_pairs *p, const char *digest, uint64_t id);
/* The oldest id pushed for digest, removed; false when there is none. */
bool audit_pairs_pop(struct audit_pairs *p, const char *digest, uint64_t *id);
size_t audit_pairs_count(const struct audit_pairs *p);

#endif
