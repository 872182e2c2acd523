/*
 * rulelex.h - the words of a rule file (cnauthz-rules(5)), a line at a
 * time: the tokenizer under rulefile.c's parser.
 *
 * Blanks separate words; '#' where a word could start comments out the
 * rest of the line; "double quotes" group words, with \" and \\ the only
 * escapes inside; elsewhere a backslash takes the next character as it
 * is, and one at the end of a line continues the line (LF or CRLF). A
 * line's first word that starts with '[' runs to the next ']', blanks
 * included: a bracket control. Errors are "file:line:col: message" and
 * never hold a control character.
 */
#ifndef CNZ_RULELEX_H
#define CNZ_RULELEX_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

/* What one rule file may hold; rulefile.h's limits are these. */
#define RULELEX_MAX_SIZE (1024 * 1024) /* bytes in a file */
#define RULELEX_MAX_WORD 4096          /* bytes in a word */

struct rule_word {
	char *s;          /* malloc'ed: len bytes and a NUL */
	size_t len;
	unsigned line, col;
	bool bracket;     /* read as a "[...]" control */
};

struct rulelex;

/*
 * A tokenizer over buf[0..len); name is for messages. Refuses a buffer
 * larger than RULELEX_MAX_SIZE or holding a control character other
 * than tab, CR and LF: NULL with err (the error of every later call).
 */
struct rulelex *rulelex_new(const char *name, const char *buf, size_t len,
			    struct cnz_err *err);
void rulelex_free(struct rulelex *lx);

/*
 * Reads the next line that has words: at most max of them into words[]
 * (each owning its text) and *n their count; buf[*from..*to) is the line
 * from its first word to the end of its last. 1 when a line was read, 0
 * at the end of the buffer, -1 with the error set (a word too long, an
 * unterminated quote or bracket, more than max words: "too many
 * arguments"); the words of a line that fails are freed.
 */
int rulelex_line(struct rulelex *lx, struct rule_word *words, size_t max,
		 size_t *n, size_t *from, size_t *to);

/* buf[from..to) as one line of text: continuations, newlines, CRs and
 * tabs made spaces, trailing spaces dropped. malloc'ed, or NULL. */
char *rulelex_text(const struct rulelex *lx, size_t from, size_t to);

/* Sets the error at line:col, any control character of msg made '?'.
 * Returns -1. */
int rulelex_fail(struct rulelex *lx, unsigned line, unsigned col,
		 const char *msg);

#endif
