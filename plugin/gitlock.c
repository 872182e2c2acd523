/* gitlock.c - see gitlock.h */
#include "gitlock.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int gitlock_parse(const char *buf, size_t len, char *out, size_t outsz)
{
	static const char key[] = "gitdir: ";
	size_t n;

	if (len < sizeof key || memcmp(buf, key, sizeof key - 1) != 0)
		return -1;
	buf += sizeof key - 1;
	len -= sizeof key - 1;
	for (n = 0; n < len && buf[n] != '\n'; n++)
		if (buf[n] == '\0' || buf[n] == '\r')
			return -1;
	if (n == 0 || n >= outsz)
		return -1;
	memcpy(out, buf, n);
	out[n] = '\0';
	return 0;
}

/* The git directory a .git file at path names, into gd. */
static bool read_gitfile(const char *path, const char *base, char *gd,
			 size_t gdsz)
{
	char buf[PATH_MAX + 16], target[PATH_MAX];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t n;

	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof buf);
	close(fd);
	if (n <= 0 || gitlock_parse(buf, (size_t)n, target, sizeof target) < 0)
		return false;
	if (target[0] == '/')
		return snprintf(gd, gdsz, "%s", target) < (int)gdsz;
	return snprintf(gd, gdsz, "%s/%s", base, target) < (int)gdsz;
}

bool gitlock_find(const char *dir, char *lock, size_t locksz)
{
	char cur[PATH_MAX], dotgit[PATH_MAX + 8], gd[PATH_MAX];

	if (realpath(dir, cur) == NULL)
		return false;
	for (;;) {
		struct stat st;
		char *slash;

		snprintf(dotgit, sizeof dotgit, "%s/.git",
			 strcmp(cur, "/") == 0 ? "" : cur);
		if (lstat(dotgit, &st) == 0) {
			if (S_ISDIR(st.st_mode))
				return snprintf(lock, locksz, "%s/index.lock",
						dotgit) < (int)locksz;
			if (S_ISREG(st.st_mode) &&
			    read_gitfile(dotgit, cur, gd, sizeof gd))
				return snprintf(lock, locksz, "%s/index.lock",
						gd) < (int)locksz;
			return false;
		}
		if (strcmp(cur, "/") == 0)
			return false;
		slash = strrchr(cur, '/');
		if (slash == cur)
			cur[1] = '\0';
		else
			*slash = '\0';
	}
}

bool gitlock_held(const char *dir)
{
	char lock[PATH_MAX + 32];

	return gitlock_find(dir, lock, sizeof lock) &&
	       access(lock, F_OK) == 0;
}
