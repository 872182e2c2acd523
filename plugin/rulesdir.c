/* rulesdir.c - see rulesdir.h */
#include "rulesdir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsperm.h"
#include "rulefile.h"
#include "rulesver.h"
#include "text.h"

struct rulesdir {
	const char *path;
	DIR *dir;
	bool strict;
};

struct rulesdir *rulesdir_open(const char *path, bool strict,
			       struct cnz_err *err)
{
	struct rulesdir *d = calloc(1, sizeof *d);
	char whybuf[PATH_MAX + 200] = "";
	struct stat dst;
	int dfd;

	if (d == NULL) {
		cnz_err_set(err, path, 0, 0, "out of memory");
		return NULL;
	}
	d->path = path;
	d->strict = strict;
	dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || (d->dir = fdopendir(dfd)) == NULL) {
		cnz_err_set(err, path, 0, 0, "cannot open rules directory: %s",
			    strerror(errno));
		if (dfd >= 0)
			close(dfd);
		goto fail;
	}
	/* Whoever can write the directory or a directory above it can
	 * write the rules: the chain from "/", then the descriptor read. */
	if (strict && (fsperm_check_dirs(path, false, whybuf, sizeof whybuf) < 0 ||
		       fstat(dfd, &dst) < 0 ||
		       fsperm_check_stat(&dst, path, false, whybuf,
					 sizeof whybuf) < 0)) {
		cnz_err_set(err, "", 0, 0, "rules directory refused: %s", whybuf);
		goto fail;
	}
	return d;
fail:
	rulesdir_close(d);
	return NULL;
}

void rulesdir_close(struct rulesdir *d)
{
	if (d == NULL)
		return;
	if (d->dir != NULL)
		closedir(d->dir);
	free(d);
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int rulesdir_list(struct rulesdir *d, size_t max, char ***names, size_t *n,
		  void (*warn)(void *arg, const char *msg), void *arg,
		  struct cnz_err *err)
{
	struct dirent *de;
	char **v = NULL;
	size_t nv = 0, cap = 0;

	while ((errno = 0, de = readdir(d->dir)) != NULL) {
		char whybuf[160], q[200], msg[PATH_MAX + 600];
		const char *why;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
		    strcmp(de->d_name, RULESVER_FILE) == 0) /* the version */
			continue;
		why = rulefile_name_why(de->d_name, strlen(de->d_name), whybuf,
					sizeof whybuf);
		if (why != NULL) {
			/* the name goes into logs: printable */
			text_printable(q, sizeof q, de->d_name,
				       strlen(de->d_name));
			snprintf(msg, sizeof msg,
				 "%s/%s: skipped, not a rule file: %s", d->path,
				 q, why);
			warn(arg, msg);
			continue;
		}
		if (nv >= max) {
			cnz_err_set(err, d->path, 0, 0, "more than %zu rule files",
				    max);
			goto fail;
		}
		if (nv == cap) {
			size_t nc = cap ? cap * 2 : 32;
			char **nn = realloc(v, nc * sizeof *nn);

			if (nn == NULL)
				goto oom;
			v = nn;
			cap = nc;
		}
		if ((v[nv] = strdup(de->d_name)) == NULL)
			goto oom;
		nv++;
	}
	if (errno != 0) {
		cnz_err_set(err, d->path, 0, 0, "cannot read rules directory: %s",
			    strerror(errno));
		goto fail;
	}
	if (nv > 0)
		qsort(v, nv, sizeof *v, cmp_name);
	*names = v;
	*n = nv;
	return 0;
oom:
	cnz_err_set(err, d->path, 0, 0, "out of memory");
fail:
	for (size_t i = 0; i < nv; i++)
		free(v[i]);
	free(v);
	return -1;
}

int rulesdir_read(struct rulesdir *d, const char *name, const char *path,
		  char **out, size_t *len, const char **why, char *whybuf,
		  size_t whybufsz)
{
	int fd = openat(dirfd(d->dir), name, O_RDONLY | O_NOFOLLOW |
						     O_CLOEXEC | O_NOCTTY |
						     O_NONBLOCK);
	struct stat st;
	char *buf = NULL;
	size_t got = 0;

	*out = NULL;
	*len = 0;
	if (fd < 0) {
		*why = errno == ELOOP ? "is a symbolic link" : strerror(errno);
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		*why = strerror(errno);
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		*why = "is not a regular file";
		goto fail;
	}
	if (d->strict &&
	    fsperm_check_stat(&st, path, false, whybuf, whybufsz) < 0) {
		*why = whybuf;
		goto fail;
	}
	if (st.st_size > RULEFILE_MAX_SIZE) {
		*why = "is larger than the 1 MiB limit";
		goto fail;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		*why = "out of memory";
		goto fail;
	}
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			*why = r < 0 ? strerror(errno) : "changed while read";
			goto fail;
		}
		got += (size_t)r;
	}
	buf[got] = '\0';
	close(fd);
	*out = buf;
	*len = got;
	return 0;
fail:
	free(buf);
	close(fd);
	return -1;
}
