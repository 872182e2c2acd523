/*
 * gitlock.h - a rules directory inside a git work tree updated in place
 * ("git pull", "git checkout COMMIT") is not loaded while git updates it:
 * git holds its index lock (GIT_DIR/index.lock) from before it writes the
 * first file of the work tree until after the last, so while the lock is
 * there the directory may be half old, half new, and the daemon's reload
 * waits (daemon.c).
 *
 * The work tree is found as git finds it: the first ".git" in the
 * directory or above it (symlinks resolved), a directory, or a file
 * "gitdir: PATH" (a linked worktree or a submodule), PATH relative to the
 * file's directory.
 */
#ifndef CNZ_GITLOCK_H
#define CNZ_GITLOCK_H

#include <stdbool.h>
#include <stddef.h>

/* Parses a .git file's text: "gitdir: PATH" and a newline or its end;
 * PATH into out. 0, or -1 when it is not one (or does not fit). */
int gitlock_parse(const char *buf, size_t len, char *out, size_t outsz);

/* The index lock of the git work tree dir is in, into lock: true when dir
 * is in one (whether or not the lock is held). */
bool gitlock_find(const char *dir, char *lock, size_t locksz);

/* True when git holds the index lock of the work tree dir is in. */
bool gitlock_held(const char *dir);

#endif
