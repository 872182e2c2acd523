/*
 * rulesdir.h - the rules directory as the loader (ruleset.c) reads it.
 *
 * Nothing in it is trusted before the strict checks (fsperm.h) pass: the
 * directory and every directory above it when it is opened, each file on
 * the very descriptor that is read. Entries are listed by name: hidden
 * files and editor and package-manager leftovers are skipped, each with a
 * warning naming it, as are names that no rule file can have. A
 * file is read without following a symlink, and only when it is a
 * regular file of at most RULEFILE_MAX_SIZE bytes.
 */
#ifndef CNZ_RULESDIR_H
#define CNZ_RULESDIR_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

struct rulesdir;

/* Opens dir (which must outlive the rulesdir); with strict, refuses it
 * unless it passes the checks. NULL with err on failure. */
struct rulesdir *rulesdir_open(const char *dir, bool strict,
			       struct cnz_err *err);
void rulesdir_close(struct rulesdir *d);

/*
 * The names of the rule files, sorted (strcmp): *names is a malloc'ed
 * array of *n malloc'ed strings (NULL when there are none). warn(arg,
 * msg) is told "PATH: skipped, not a rule file: WHY" for each entry
 * (but . and ..) whose name is not a valid rule-file name. -1 with err
 * when the directory cannot be read,
 * holds more than max rule files, or memory runs out.
 */
int rulesdir_list(struct rulesdir *d, size_t max, char ***names, size_t *n,
		  void (*warn)(void *arg, const char *msg), void *arg,
		  struct cnz_err *err);

/*
 * Reads the file called name (path names it in messages) into a
 * malloc'ed, NUL-terminated *out of *len bytes. -1 with *why on failure:
 * why points at whybuf when the strict checks refused the file (the
 * message then names the path itself), at a static text otherwise.
 */
int rulesdir_read(struct rulesdir *d, const char *name, const char *path,
		  char **out, size_t *len, const char **why, char *whybuf,
		  size_t whybufsz);

#endif
