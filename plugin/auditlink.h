/*
 * auditlink.h - "cnauthz audit verify --any-order": the hash chains of
 * audit records in whatever order a collector stored them.
 *
 * A central rsyslog (contrib/rsyslog) stores a host's records in the
 * order they arrive: after an outage the host's disk-assisted queue
 * drains out of order, and RELP, which delivers at least once, may send a
 * record twice. The chain is in the records themselves - each names the
 * hash of the one before it - so this links them by those hashes instead
 * of by their place in the file:
 *
 *   - every line must be a whole record whose own hash is right (an
 *     altered record is named by file and line);
 *   - a record that is byte for byte one seen before (the same hash) is
 *     a repeat: counted and noted, not a break;
 *   - every record but a chain start (seq 1, "start", prev all zeros)
 *     must follow a record that is there: its prev is that record's hash
 *     and its seq that record's seq + 1. One whose predecessor is not
 *     there names the missing record (deleted, altered, or never
 *     delivered). The single exception is one chain that continues from
 *     a file not given (a rotated log), older than every chain start:
 *     a note, or an error with --strict;
 *   - two different records that follow the same one: one of them was
 *     altered or inserted.
 *
 * What no chain can show: records missing at the very end (after the last
 * one there is, nothing names them).
 *
 * Every record is held (about 150 bytes each) until the chains are
 * linked: a day of a busy host's records at a time, not a year's.
 */
#ifndef CNZ_AUDITLINK_H
#define CNZ_AUDITLINK_H

#include <stdio.h>

#include "auditverify.h"

/* As audit_verify (0 sound, 1 broken or missing, 2 unreadable), every
 * problem (up to 20) on errout as "file:line: seq N: why". */
int audit_verify_any_order(const char *const *files, size_t nfiles,
			   const struct audit_verify_opts *o, FILE *out,
			   FILE *errout);

#endif
