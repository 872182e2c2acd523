/*
 * fsperm.h - strict file checks, in the manner of sshd's StrictModes and
 * doas: whatever cnauthz trusts (the rules directory, each rule file, each
 * module) and every directory above it must be owned by root (or by the
 * user cnauthz runs as) and not writable by group or others - checked on
 * the opened descriptor, so there is no window between check and use.
 *
 * One exception, the one that makes /tmp safe: a world-writable directory
 * with the sticky bit set, where nobody can move or replace an entry that
 * root owns.
 */
#ifndef CNZ_FSPERM_H
#define CNZ_FSPERM_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

/* Checks st (from fstat) of "path"; -1 and a reason naming the path. */
int fsperm_check_stat(const struct stat *st, const char *path, bool is_parent,
		      char *why, size_t whysz);
/* Checks every directory from "/" down to dir (inclusive), each opened
 * with O_NOFOLLOW under the one above it. dir_is_parent: dir holds the
 * trusted file (so a sticky dir passes) rather than being trusted itself
 * as a directory whose entries all count (the rules directory). */
int fsperm_check_dirs(const char *dir, bool dir_is_parent, char *why,
		      size_t whysz);

#endif
