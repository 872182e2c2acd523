/*
 * audit.h - the audit trail: one JSON line per decision, hash-chained,
 * written to every configured sink.
 *
 * A record is formatted once per decision (its JSON: buf_add_json_str) and the
 * same bytes go to each sink (auditsink.h): a file (O_APPEND, one write
 * per record, reopened by audit_reopen), syslog (RFC 5424 datagrams on a
 * local AF_UNIX socket) and stdout. The sequence number, the chain hash
 * and the writes happen under one mutex, so a file's order is the chain's
 * order.
 *
 * Recorded: every AuthZReq, and every AuthZRes that carries a response
 * status or is denied. An AuthZRes is paired with its AuthZReq through
 * decision.digest (auditpairs.h).
 *
 * The record (fields in this order; absent ones are left out):
 *   seq      1, 2, ... per process
 *   start    {"pid":N,"version":"..."}: only on seq 1, the start of a chain
 *   time     RFC 3339, UTC, microseconds
 *   call     "AuthZReq" | "AuthZRes"
 *   req      the request id: an AuthZReq's own seq; for an AuthZRes the
 *            seq of its AuthZReq, or null when it could not be paired
 *   who      {"cn","sha256","serial","issuer","not_after"} |
 *            {"local":true} | null (identity refused or unreadable)
 *   method, path (canonical), uri (raw, printable)
 *   decision "allow" | "deny"
 *   msg, rule ("file:line" or null), stack (or null), ruleset (hash)
 *   status   the response status (AuthZRes), or null
 *   facts    what built-in checks saw, secret-looking keys dropped
 *   prev     the previous record's hash (64 zeros after start)
 *   hash     SHA-256 (hex) of this line up to, not including, the
 *            ',"hash":' member, followed by '}'
 */
#ifndef CNZ_AUDIT_H
#define CNZ_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "server.h"

struct audit;
struct decision;

#define AUDIT_MAX_SINKS 16

struct audit_opts {
	/* "file:/path", "syslog[:facility][@/socket/path]", "stdout" */
	const char *const *sinks;
	size_t nsinks;
	/* --audit-failure=allow: the request goes on when a record could not
	 * be written (only changes how the AuthZRes is paired). */
	bool fail_open;
	size_t pairs_max; /* 0: AUDIT_PAIRS_DEFAULT (auditpairs.h) */
	int stdout_fd;    /* the stdout sink's fd; 0 means STDOUT_FILENO */
	/* Told when a sink starts failing and when it writes again (level
	 * "error" or "info"); may be NULL. Called with the audit lock held. */
	void (*notice)(void *arg, const char *level, const char *msg);
	void *notice_arg;
};

/* Parses the sink specs and opens every sink; NULL with err on failure
 * (a bad spec, a file that cannot be opened). */
struct audit *audit_open(const struct audit_opts *o, struct cnz_err *err);

/*
 * Records one decision, when it is one to record. Returns 0 when every
 * sink took the record (or there was nothing to record), -1 when some
 * sink failed: why then says which and how. A record that no sink took
 * is not part of the chain (the next one takes its seq); one that some
 * sinks took is, and is missing from the others.
 */
int audit_record(struct audit *a, enum server_call call,
		 const struct decision *d, char *why, size_t whysz);

/* Reopens the file sinks (after logrotate renamed them). A file that
 * cannot be opened keeps its old descriptor; -1 and why then. */
int audit_reopen(struct audit *a, char *why, size_t whysz);

/* Records written so far (the last seq). */
uint64_t audit_seq(struct audit *a);

void audit_close(struct audit *a);

/* The hash of a record line (without its newline), as verify checks it:
 * fills hex (65 bytes) and returns 0, or -1 when the line does not end
 * in a ',"hash":"<64 hex>"}' member. *claimed points at the hash the
 * line claims. */
int audit_line_hash(const char *line, size_t len, char *hex,
		    const char **claimed);

#endif
