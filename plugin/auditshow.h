/*
 * auditshow.h - "cnauthz audit show": the audit trail (audit.h) as a
 * person reads it, one line per decision, filtered.
 *
 *   cnauthz audit show [--cn CN]... [--deny] [--since TIME] [--json] FILE...
 *
 * Files are read in the order given ("-": standard input), one record a
 * line. Shown: AuthZReq records (an AuthZRes repeats its AuthZReq's
 * decision about the response), as a table - time (UTC), seq, who,
 * decision, method, path, rule and, for a denial, the message - or with
 * --json the matching records as they are, for jq. Every field is printed
 * through text_printable: a tampered file cannot write to the terminal.
 * "audit verify" says whether the records can be trusted; show does not.
 */
#ifndef CNZ_AUDITSHOW_H
#define CNZ_AUDITSHOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include "err.h"

#define AUDIT_SHOW_MAX_CN 16

struct audit_show_opts {
	const char *cn[AUDIT_SHOW_MAX_CN]; /* --cn: any of these; none: all */
	size_t ncn;
	bool deny_only; /* --deny */
	bool since_set;
	time_t since;   /* --since: records at or after it */
	bool json;      /* --json: the records themselves */
};

/*
 * --since's TIME, into *out (UTC): a date "2026-12-05" (its midnight), a
 * time "2026-12-05T10:00", "2026-12-05 10:00:00", with seconds'
 * fractions, and "Z" or "+hh:mm"/"-hh:mm" (RFC 3339; no zone: UTC), or an
 * age before now: a number and s, m, h or d ("90m", "7d"). 0, or -1 when
 * s[0..len) is none of these.
 */
int audit_show_time(const char *s, size_t len, time_t now, time_t *out);

/* The table's first line. */
void audit_show_header(FILE *out);

/*
 * One record line: 1 when it was shown (written to out), 0 when it is
 * not shown (an AuthZRes, or filtered out), -1 when it is not a record
 * (err says why).
 */
int audit_show_line(const char *line, size_t len,
		    const struct audit_show_opts *o, FILE *out,
		    struct cnz_err *err);

/* "cnauthz audit show ARGS": argv[0] is "show". The exit status. */
int audit_show_main(int argc, char **argv);

#endif
