/*
 * dlog.h - the daemon's log: one line per event on a descriptor (stderr),
 * "cnauthz[PID]: LEVEL: message", each line one write(2), so concurrent
 * workers never interleave.
 *
 * When the descriptor is the journal - JOURNAL_STREAM, which systemd sets
 * for a service, names its device and inode - each line starts with its
 * syslog priority as sd-daemon(3) describes ("<3>" for an error), so that
 * "journalctl -p err" finds errors, and leaves out the name and pid, which
 * journald records itself.
 */
#ifndef CNZ_DLOG_H
#define CNZ_DLOG_H

#include <stdarg.h>
#include <stdbool.h>

struct dlog;

enum dlog_level {
	DLOG_ERROR,   /* "error", priority 3 (err) */
	DLOG_WARNING, /* "warning", 4 */
	DLOG_DENY,    /* "deny", 5 (notice): a request denied */
	DLOG_ALLOW,   /* "allow", 6 (info): a request allowed (--verbose) */
	DLOG_INFO,    /* "info", 6 */
};

/* A log on fd; journal mode when JOURNAL_STREAM names fd. NULL when out
 * of memory. */
struct dlog *dlog_new(int fd);
void dlog_free(struct dlog *l);
/* Whether lines carry priorities (fd is the journal). */
bool dlog_journal(const struct dlog *l);
/* The level of "error", "warning", "deny", "allow"; DLOG_INFO otherwise. */
enum dlog_level dlog_level_of(const char *word);

void dlog(const struct dlog *l, enum dlog_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void dlogv(const struct dlog *l, enum dlog_level level, const char *fmt,
	   va_list ap) __attribute__((format(printf, 3, 0)));

#endif
