/*
 * err.h - error out-parameter carried by every parser and loader.
 *
 * A user-facing error names where it happened as "file:line:col: message";
 * parts that are unknown are left out ("file: message", or just "message").
 */
#ifndef CNZ_ERR_H
#define CNZ_ERR_H

#include <stddef.h>

#define CNZ_ERR_WHERE 256
#define CNZ_ERR_MSG 512

struct cnz_err {
	char file[CNZ_ERR_WHERE]; /* "" when not about a file */
	unsigned line;            /* 1-based; 0 when unknown */
	unsigned col;             /* 1-based; 0 when unknown */
	char msg[CNZ_ERR_MSG];
};

/* Sets every field of err (a NULL err is allowed and ignored). */
void cnz_err_set(struct cnz_err *err, const char *file, unsigned line,
		 unsigned col, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* Clears err to "no error". */
void cnz_err_clear(struct cnz_err *err);

/* Formats err as "file:line:col: msg" into buf; returns buf. */
const char *cnz_err_str(const struct cnz_err *err, char *buf, size_t bufsz);

#endif
