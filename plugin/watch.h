/*
 * watch.h - notices changes in the rules directory (inotify), so the
 * daemon reloads without a SIGHUP: files edited in place, written and
 * renamed over (how editors and configuration-management tools replace a
 * file atomically), created, removed, or the directory itself replaced.
 * The rules path's parent directory is watched for the path's own entry:
 * a symlink flipped to another checkout ("ln -sfn NEW tmp && mv -T tmp
 * rules") is a change, and the new target is watched from then on.
 */
#ifndef CNZ_WATCH_H
#define CNZ_WATCH_H

#include <stdbool.h>

#include "err.h"

struct watch;

struct watch *watch_new(const char *dir, struct cnz_err *err);
void watch_free(struct watch *w);
/* A descriptor to poll for POLLIN. */
int watch_fd(const struct watch *w);
/* Reads what is pending; true when something in the directory changed.
 * Re-arms itself when the directory was replaced or moved. */
bool watch_drain(struct watch *w);
/* False when the directory is gone and nothing watches it yet;
 * watch_rearm then tries again (true when it is watched once more). */
bool watch_armed(const struct watch *w);
bool watch_rearm(struct watch *w);
/* Watches these files as well, in place of those given before: each
 * through its directory, so that a file written and closed, or another
 * renamed over it (a new CRL dropped in), is a change. -1 when one could
 * not be watched (the others are). */
int watch_files(struct watch *w, const char *const *paths, size_t n);
/* The file (as given to watch_files) whose change the last watch_drain
 * saw, NULL when none did. */
const char *watch_last_file(const struct watch *w);

#endif
