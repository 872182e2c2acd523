/*
 * rulefile.h - parser for one rule file (cnauthz-rules(5)).
 *
 * A line is "control module [arguments]", or "include NAME" or
 * "substack NAME". Controls are Linux-PAM's: required, requisite,
 * sufficient, optional, or "[result=action ...]" with results success,
 * deny, ignore, error, default and actions ok, done, bad, die, ignore,
 * reset or a jump N. '#' starts a comment where a word could start;
 * "double quotes" group words (\" and \\ inside), a backslash escapes the
 * next character and a backslash at the end of a line continues it.
 *
 * The parser takes a buffer and a length; it knows no modules and no
 * files. The words of each line come from the tokenizer (rulelex.h); this
 * parser gives them meaning. Any error rejects the whole file with
 * "file:line:col: message".
 */
#ifndef CNZ_RULEFILE_H
#define CNZ_RULEFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "cnauthz_module.h"
#include "err.h"
#include "rulelex.h"

#define RULEFILE_MAX_SIZE RULELEX_MAX_SIZE
#define RULEFILE_MAX_LINES 10000
#define RULEFILE_MAX_ARGS 64
#define RULEFILE_MAX_WORD RULELEX_MAX_WORD
#define RULEFILE_MAX_JUMP 1000

/* Actions: a jump is a positive count; the rest are these. */
enum rule_action {
	ACT_IGNORE = 0,
	ACT_OK = -1,
	ACT_DONE = -2,
	ACT_BAD = -3,
	ACT_DIE = -4,
	ACT_RESET = -5,
};

enum rule_kind {
	RULE_MODULE,
	RULE_INCLUDE,
	RULE_SUBSTACK,
};

struct rule_line {
	unsigned line, col;  /* where the control starts */
	enum rule_kind kind;
	int actions[CNAUTHZ_NRESULTS]; /* RULE_MODULE only */
	const char *control;           /* as written */
	const char *module;            /* module name, or the included name */
	unsigned module_line, module_col;
	int argc;
	const char *const *argv;
	const unsigned *arg_line, *arg_col;
	const char *text; /* the line as written, comment and newlines gone */
};

struct rulefile;

/*
 * Parses buf[0..len). "name" is used in error messages (normally the path).
 * Returns NULL with err set on any error.
 */
struct rulefile *rulefile_parse(const char *name, const char *buf, size_t len,
				struct cnz_err *err);
void rulefile_free(struct rulefile *f);
/* Frees every line's arguments (argc becomes 0): once the modules have
 * read them, a rule set of thousands of files need not keep them. */
void rulefile_drop_args(struct rulefile *f);
size_t rulefile_nlines(const struct rulefile *f);
const struct rule_line *rulefile_line(const struct rulefile *f, size_t i);

/* True for a name a rule file can have: a CN name (identity_name_valid), or
 * '@' followed by one (the reserved names: @other, @local, shared stacks). */
bool rulefile_name_valid(const char *name, size_t len);
/* NULL for a valid name, else why not (identity_name_why). */
const char *rulefile_name_why(const char *name, size_t len, char *buf,
			      size_t bufsz);

/* "ok", "done", ..., or "N" for a jump; buf must hold 12 bytes. */
const char *rule_action_name(int action, char *buf);
const char *rule_result_name(int result);

#endif
