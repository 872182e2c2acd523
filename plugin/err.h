/*
 * err.h - the one way cnauthz's parsers report an error.
 *
 * A public function that parses (text or bytes into a structure: the
 * envelope, a URI, base64, a body, a rule file, a pattern, a state file,
 * dockerd's answers) takes a struct cnz_err *err as its last parameter
 * and, when it fails, returns its failure value (NULL, -1) with err set.
 * err is read only after a failure: the parsers on the request path do
 * not touch it on success, so it costs them nothing.
 * The rule set's loader reports the same way.
 *
 * A user-facing error names where it happened as "file:line:col:
 * message"; parts that are unknown are left out ("file: message", or just
 * "message"). Parsing a string rather than a file (a path pattern, a body
 * path) leaves file empty and puts the 1-based byte offset of the fault
 * in col.
 *
 * The one other form, for static helpers inside a file only: a
 * "const char **why" out-parameter pointing at a static text, which the
 * file's public function puts into its cnz_err.
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
