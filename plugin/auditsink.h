/*
 * auditsink.h - where the audit trail (audit.h) is written: files
 * (O_APPEND, one write per record, never a torn line; reopened after
 * logrotate), syslog (RFC 5424 datagrams on a local AF_UNIX socket, sent
 * to its path each time, so a restarted syslog daemon is found again) and
 * stdout.
 *
 * A set of sinks takes each finished record and says how many sinks took
 * it. It keeps track of the sinks that fail: when one starts failing and
 * when it writes again, it tells its notice callback and the syslog
 * sinks that still work. Not locked: the audit calls it under its mutex.
 */
#ifndef CNZ_AUDITSINK_H
#define CNZ_AUDITSINK_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "err.h"
#include "text.h"

/* Syslog severities (RFC 5424 6.2.1). */
enum audit_severity {
	AUDIT_SEV_ERR = 3,
	AUDIT_SEV_WARNING = 4,
	AUDIT_SEV_NOTICE = 5,
	AUDIT_SEV_INFO = 6,
};

struct audit_sinks;

/*
 * Parses the specs ("file:/path", "syslog[:facility][@/socket/path]",
 * "stdout") and opens every sink; NULL with err on failure (a bad spec, a
 * file that cannot be opened). stdout_fd: the stdout sink's descriptor.
 * notice (may be NULL) is told when a sink starts failing (level "error")
 * and when it writes again ("info").
 */
struct audit_sinks *audit_sinks_open(const char *const *specs, size_t n,
				     int stdout_fd,
				     void (*notice)(void *arg,
						    const char *level,
						    const char *msg),
				     void *notice_arg, struct cnz_err *err);
void audit_sinks_close(struct audit_sinks *ss);

/*
 * Sends one record, line[0..len) with its newline, to every sink; to
 * syslog with severity sev, timestamp ts and MSGID msgid. seq is the
 * record's, for the notices. Returns how many sinks took it and sets
 * *failed to how many did not; why then says how the first one failed.
 */
size_t audit_sinks_send(struct audit_sinks *ss, const char *line, size_t len,
			const char *ts, enum audit_severity sev,
			const char *msgid, uint64_t seq, size_t *failed,
			char *why, size_t whysz);

/* Reopens the file sinks (after logrotate renamed them). A file that
 * cannot be opened keeps its old descriptor; -1 and why then. */
int audit_sinks_reopen(struct audit_sinks *ss, char *why, size_t whysz);

/* Appends ts as the audit writes times: RFC 3339, UTC, microseconds (a
 * record's "time" and a syslog header's TIMESTAMP alike). */
void audit_time(struct buf *b, const struct timespec *ts);

#endif
