/* fsperm.c - see fsperm.h */
#include "fsperm.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int fsperm_check_stat(const struct stat *st, const char *path, bool is_parent,
		      char *why, size_t whysz)
{
	if (st->st_uid != 0 && st->st_uid != geteuid()) {
		snprintf(why, whysz,
			 "%s is owned by uid %u, not by root: refused (see --insecure-permissions)",
			 path, (unsigned)st->st_uid);
		return -1;
	}
	if (is_parent && S_ISDIR(st->st_mode) && (st->st_mode & S_ISVTX) &&
	    (st->st_mode & S_IWOTH))
		return 0; /* sticky, like /tmp: root's entries stay root's */
	if (st->st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(why, whysz,
			 "%s is writable by %s (mode %04o): refused (see --insecure-permissions)",
			 path, (st->st_mode & S_IWOTH) ? "others" : "its group",
			 (unsigned)(st->st_mode & 07777));
		return -1;
	}
	return 0;
}

int fsperm_check_dirs(const char *dir, bool dir_is_parent, char *why,
		      size_t whysz)
{
	char real[PATH_MAX], sofar[PATH_MAX] = "";
	struct stat st;
	int fd, rc = -1;
	char *save = NULL, *comp;

	if (realpath(dir, real) == NULL) {
		snprintf(why, whysz, "%s: %s", dir, strerror(errno));
		return -1;
	}
	fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		snprintf(why, whysz, "/: %s", strerror(errno));
		goto out;
	}
	if (fsperm_check_stat(&st, "/", true, why, whysz) < 0)
		goto out;
	for (comp = strtok_r(real, "/", &save); comp != NULL;
	     comp = strtok_r(NULL, "/", &save)) {
		int next = openat(fd, comp, O_RDONLY | O_DIRECTORY |
						    O_NOFOLLOW | O_CLOEXEC);
		bool last;

		snprintf(sofar + strlen(sofar), sizeof sofar - strlen(sofar),
			 "/%s", comp);
		if (next < 0 || fstat(next, &st) < 0) {
			snprintf(why, whysz, "%s: %s", sofar, strerror(errno));
			if (next >= 0)
				close(next);
			goto out;
		}
		close(fd);
		fd = next;
		last = save == NULL || *save == '\0';
		if (fsperm_check_stat(&st, sofar, !last || dir_is_parent, why,
				      whysz) < 0)
			goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	return rc;
}
