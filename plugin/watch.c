/* watch.c - see watch.h */
#include "watch.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

/* Not IN_MODIFY: a file is judged once it is closed or renamed into
 * place, never half written (and a log appended to in the directory by
 * mistake cannot start a reload loop). */
#define WATCH_MASK                                                          \
	(IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE |         \
	 IN_DELETE | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)

/* The directory that holds the rules path: the path's own entry made,
 * replaced, renamed or removed there - a symlink flipped to a new
 * checkout by "mv -T" - is a change of the whole set. */
#define PARENT_MASK                                                         \
	(IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_ONLYDIR)

/* A file the rules name (a CRL), watched through its directory: written
 * and closed, or another file renamed over it. */
#define FILE_MASK                                                           \
	(IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_ATTRIB)

struct wfile {
	int wd;     /* its directory's watch */
	char *path; /* as the rules name it */
	char *base; /* its name in that directory */
};

struct watch {
	int fd;
	int wd;      /* the rules directory (a symlink's target) */
	int pwd;     /* its path's parent; -1 when it cannot be watched */
	char *dir;
	char *base;  /* the path's last component, as the parent lists it */
	struct wfile *files; /* watch_files */
	size_t nfiles;
	const char *last;    /* the file whose change watch_drain saw last */
};

/* The parent and last component of dir ("rules" -> ".", "rules"). */
static int split(const char *dir, char **parent, char **base)
{
	size_t n = strlen(dir);
	const char *slash;

	while (n > 1 && dir[n - 1] == '/')
		n--;
	*parent = *base = NULL;
	slash = memrchr(dir, '/', n);
	if (slash == NULL)
		*parent = strdup(".");
	else if (slash == dir)
		*parent = strdup("/");
	else
		*parent = strndup(dir, (size_t)(slash - dir));
	*base = strndup(slash ? slash + 1 : dir,
			n - (slash ? (size_t)(slash + 1 - dir) : 0));
	if (*parent == NULL || *base == NULL) {
		free(*parent);
		free(*base);
		return -1;
	}
	return 0;
}

struct watch *watch_new(const char *dir, struct cnz_err *err)
{
	struct watch *w = calloc(1, sizeof *w);
	char *parent = NULL;

	if (w != NULL)
		w->pwd = -1;
	if (w == NULL || (w->dir = strdup(dir)) == NULL) {
		free(w);
		cnz_err_set(err, dir, 0, 0, "out of memory");
		return NULL;
	}
	w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->fd < 0) {
		cnz_err_set(err, dir, 0, 0, "inotify: %s", strerror(errno));
		goto fail;
	}
	w->wd = inotify_add_watch(w->fd, dir, WATCH_MASK);
	if (w->wd < 0) {
		cnz_err_set(err, dir, 0, 0, "cannot watch: %s", strerror(errno));
		goto fail;
	}
	if (split(dir, &parent, &w->base) < 0) {
		cnz_err_set(err, dir, 0, 0, "out of memory");
		goto fail;
	}
	/* "/" has no parent to flip it in */
	if (strcmp(w->base, "") != 0 && strcmp(w->base, "/") != 0)
		w->pwd = inotify_add_watch(w->fd, parent, PARENT_MASK);
	free(parent);
	return w;
fail:
	watch_free(w);
	return NULL;
}

void watch_free(struct watch *w)
{
	if (w == NULL)
		return;
	if (w->fd >= 0)
		close(w->fd);
	free(w->dir);
	free(w->base);
	for (size_t i = 0; i < w->nfiles; i++) {
		free(w->files[i].path);
		free(w->files[i].base);
	}
	free(w->files);
	free(w);
}

int watch_files(struct watch *w, const char *const *paths, size_t n)
{
	struct wfile *nf = n ? calloc(n, sizeof *nf) : NULL;
	size_t k = 0;
	int rc = 0;

	if (n > 0 && nf == NULL)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char *parent = NULL;

		if (split(paths[i], &parent, &nf[k].base) < 0) {
			rc = -1;
			continue;
		}
		/* IN_MASK_ADD: the directory may be watched already (the
		 * rules path's parent, another file's): one watch, the
		 * masks joined */
		nf[k].wd = inotify_add_watch(w->fd, parent,
					     FILE_MASK | IN_ONLYDIR | IN_MASK_ADD);
		free(parent);
		if (nf[k].wd < 0 || (nf[k].path = strdup(paths[i])) == NULL) {
			free(nf[k].base);
			rc = -1;
			continue;
		}
		k++;
	}
	/* the old files' directory watches stay: their events match no
	 * file any more, and are dropped */
	for (size_t i = 0; i < w->nfiles; i++) {
		free(w->files[i].path);
		free(w->files[i].base);
	}
	free(w->files);
	w->files = nf;
	w->nfiles = k;
	w->last = NULL;
	return rc;
}

const char *watch_last_file(const struct watch *w)
{
	return w->last;
}

int watch_fd(const struct watch *w)
{
	return w->fd;
}

bool watch_drain(struct watch *w)
{
	char buf[16 * (sizeof(struct inotify_event) + NAME_MAX + 1)]
		__attribute__((aligned(__alignof__(struct inotify_event))));
	bool changed = false, rearm = false;
	ssize_t n;

	w->last = NULL;
	while ((n = read(w->fd, buf, sizeof buf)) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const void *)p;

			p += sizeof *ev + ev->len;
			if (ev->mask & IN_Q_OVERFLOW) {
				rearm = changed = true;
				continue;
			}
			for (size_t i = 0; i < w->nfiles && ev->len > 0; i++)
				if (ev->wd == w->files[i].wd &&
				    strcmp(ev->name, w->files[i].base) == 0) {
					changed = true;
					w->last = w->files[i].path;
				}
			/* A watch we removed when re-arming still reports its
			 * IN_IGNORED later: taken for the new watch's, it would
			 * remove that one too, forever, and the directory
			 * moved in would never be loaded. */
			if (ev->wd == w->pwd && w->pwd >= 0) {
				/* the rules path itself now names another
				 * directory: watch that one */
				if (ev->len > 0 && strcmp(ev->name, w->base) == 0)
					rearm = changed = true;
				continue;
			}
			if (ev->wd != w->wd)
				continue;
			if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED))
				rearm = true;
			changed = true;
		}
	}
	if (rearm) {
		/* the directory was replaced: watch whatever is there now,
		 * or, when nothing is yet, whatever is there later */
		if (w->wd >= 0)
			inotify_rm_watch(w->fd, w->wd);
		w->wd = -1;
		watch_rearm(w);
	}
	return changed;
}

bool watch_armed(const struct watch *w)
{
	return w->wd >= 0;
}

bool watch_rearm(struct watch *w)
{
	if (w->wd < 0)
		w->wd = inotify_add_watch(w->fd, w->dir, WATCH_MASK);
	return w->wd >= 0;
}
