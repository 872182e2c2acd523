/*
 * ruleset.h - a whole rules directory, loaded into one immutable object.
 *
 * One file per CN, named exactly as the CN; reserved names start with '@':
 * @other (an authenticated CN with no file of its own), @local (callers
 * without a TLS identity) and shared stacks that others include. A file
 * with any error is kept as "broken": its CN is denied with the error,
 * it never falls back to @other. Only a directory that cannot be read at
 * all fails the load. The directory and its files are read as rulesdir.h
 * says (the strict checks, which names are rule files).
 *
 * Requests hold a reference to the set they started with; a reload builds
 * a new set and swaps the holder's pointer (ruleset_holder.h).
 */
#ifndef CNZ_RULESET_H
#define CNZ_RULESET_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

struct ruleset;
struct stack;
struct guard;
struct identity;

#define RULESET_MAX_DEPTH 16      /* include/substack nesting, as PAM */
#define RULESET_MAX_STACK 100000  /* entries of one spliced stack */
#define RULESET_MAX_FILES 100000

struct ruleset_opts {
	bool insecure_permissions; /* skip the ownership/mode checks */
	const char *module_dir;    /* where "module NAME" finds NAME.so */
	struct guard *guard;       /* deadline for loaded modules, or NULL */
};

/* NULL with err set only when the directory itself cannot be used. */
struct ruleset *ruleset_load(const char *dir, const struct ruleset_opts *o,
			     struct cnz_err *err);
/* A new reference (the count is the one thing of a set that changes). */
struct ruleset *ruleset_ref(struct ruleset *rs);
void ruleset_unref(struct ruleset *rs);

/* Which stack judges this identity. */
struct ruleset_pick {
	const char *name;          /* the file used: "client", "@other" */
	const struct stack *stack; /* NULL when the file is broken/missing */
	const char *error;         /* why there is no stack */
};
void ruleset_pick(const struct ruleset *rs, const struct identity *id,
		  struct ruleset_pick *out);
/* The same by file name ("client", "@local"). */
void ruleset_pick_name(const struct ruleset *rs, const char *name,
		       struct ruleset_pick *out);

/* Errors (broken files) and warnings (skipped directory entries), each
 * "path:line:col: message". */
size_t ruleset_nerrors(const struct ruleset *rs);
const char *ruleset_error(const struct ruleset *rs, size_t i);
size_t ruleset_nwarnings(const struct ruleset *rs);
const char *ruleset_warning(const struct ruleset *rs, size_t i);
size_t ruleset_nfiles(const struct ruleset *rs);

/* Rule files of RULESET_LARGE_BYTES or more in all: a set whose load and
 * release churn enough memory to be worth a malloc_trim. */
#define RULESET_LARGE_BYTES (256 * 1024)
bool ruleset_is_large(const struct ruleset *rs);
/* File i (sorted by name): its name and compiled stack (NULL if broken). */
const char *ruleset_file_name(const struct ruleset *rs, size_t i);
const struct stack *ruleset_file_stack(const struct ruleset *rs, size_t i);
/* SHA-256 (hex) over every loaded file's name and content, and the
 * version file's when there is one (rulesver.h). */
const char *ruleset_hash(const struct ruleset *rs);
const char *ruleset_dir(const struct ruleset *rs);
/* The files the set's modules read besides the rule files: every module
 * argument KEY=/PATH naming a regular file at load (a CRL, a deny-list),
 * at most RULESET_MAX_DEPS of them; the daemon watches them. */
#define RULESET_MAX_DEPS 64
size_t ruleset_ndeps(const struct ruleset *rs);
const char *ruleset_dep(const struct ruleset *rs, size_t i);
/* The version its .cnauthz-version names (rulesver.h); "" when none. */
const char *ruleset_version(const struct ruleset *rs);

#endif
