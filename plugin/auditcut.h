/*
 * auditcut.h - an audit record that would not fit syslog's message limit
 * is cut, never silently: rsyslog takes 8 KiB a message by default
 * (maxMessageSize) and cuts what is longer without a word, and a cut
 * record is a broken chain. So no record is longer than AUDIT_RECORD_MAX
 * bytes, its newline and a syslog header (up to 512 bytes) still under
 * 8 KiB, in every sink alike (one record, one chain):
 *
 *   - first the facts are replaced by {"truncated":true,"bytes":N,
 *     "sha256":"..."}: the length and SHA-256 of what they were;
 *   - then, while still too long, the longest of the strings msg, uri,
 *     path, method, rule, stack and who's cn, serial and issuer is cut to
 *     half, ending in "...[cut]";
 *   - and the record says so: "truncated":N after the facts, N the
 *     bytes its fields took before.
 *
 * The record is then hashed and chained as any other: verify checks it.
 */
#ifndef CNZ_AUDITCUT_H
#define CNZ_AUDITCUT_H

#include <stddef.h>

#include "text.h"

#define AUDIT_RECORD_MAX 7680 /* bytes, newline included */
/* What the fields after "req" may take: the record less its head (seq,
 * start, time, call, req) and tail (prev, hash). */
#define AUDIT_BODY_MAX (AUDIT_RECORD_MAX - 400)

/*
 * body[0..len) is a record's fields from ',"who":' to the facts, as
 * audit.c formats them. When longer than max, writes the cut fields to
 * out (in the same form) and returns 1; 0 when they fit as they are; -1
 * when they cannot be cut to fit or memory runs out.
 */
int audit_cut(const char *body, size_t len, size_t max, struct buf *out);

#endif
