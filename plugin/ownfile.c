/* ownfile.c - see ownfile.h */
#include "ownfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsperm.h"
#include "owners.h"
#include "ownstate.h"

int ownfile_dir(const char *dir, bool make, bool insecure, char *why,
		size_t whysz)
{
	struct stat st;
	int fd;

	why[0] = '\0';
	if (make && mkdir(dir, 0700) < 0 && errno != EEXIST) {
		snprintf(why, whysz, "%s: cannot make the state directory: %s",
			 dir, strerror(errno));
		return -1;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, whysz, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		snprintf(why, whysz, "%s: %s", dir, strerror(errno));
		close(fd);
		return -1;
	}
	if (!insecure && fsperm_check_stat(&st, dir, false, why, whysz) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int ownfile_load(int dirfd, const char *dir, struct owners *o, bool verified,
		 char *why, size_t whysz)
{
	struct stat st;
	char *buf = NULL;
	struct cnz_err err;
	size_t len = 0;
	int fd, rc = -1;

	fd = openat(dirfd, OWNFILE_NAME, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0 || fstat(fd, &st) < 0) {
		snprintf(why, whysz, "%s/%s: %s", dir, OWNFILE_NAME,
			 strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > (off_t)OWNERS_MAX_FILE) {
		snprintf(why, whysz, "%s/%s: not a regular file of at most %u bytes",
			 dir, OWNFILE_NAME, OWNERS_MAX_FILE);
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		snprintf(why, whysz, "out of memory");
		goto out;
	}
	while (len < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + len, (size_t)st.st_size - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(why, whysz, "%s/%s: %s", dir, OWNFILE_NAME,
				 n < 0 ? strerror(errno) : "shorter than it said");
			goto out;
		}
		len += (size_t)n;
	}
	if (owners_load(o, buf, len, verified, &err) < 0) {
		snprintf(why, whysz, "%s/%s: %.299s", dir, OWNFILE_NAME,
			 err.msg);
		goto out;
	}
	rc = 1;
out:
	free(buf);
	if (fd >= 0)
		close(fd);
	return rc;
}

struct owners *ownfile_read(const char *dir, char *why, size_t whysz)
{
	struct owners *o = owners_new();
	struct stat st;
	int fd;

	if (o != NULL && stat(dir, &st) < 0 && errno == ENOENT)
		return o; /* no state yet: everything unowned */
	fd = ownfile_dir(dir, false, true, why, whysz);
	if (o == NULL || fd < 0 || ownfile_load(fd, dir, o, true, why, whysz) < 0) {
		if (o == NULL)
			snprintf(why, whysz, "out of memory");
		owners_free(o);
		o = NULL;
	}
	if (fd >= 0)
		close(fd);
	return o;
}

int ownfile_save(int dirfd, const char *dir, const struct owners *o,
		 unsigned long long *changes, char *why, size_t whysz)
{
	static const char tmp[] = OWNFILE_NAME ".tmp";
	uint64_t at = 0;
	size_t len = 0, off = 0;
	char *text = owners_dump(o, &len, &at);
	int fd = -1;

	if (text == NULL) {
		snprintf(why, whysz, "out of memory");
		return -1;
	}
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
				       O_NOFOLLOW, 0600);
	if (fd < 0)
		goto fail;
	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		off += (size_t)n;
	}
	if (fsync(fd) < 0)
		goto fail;
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (renameat(dirfd, tmp, dirfd, OWNFILE_NAME) < 0 || fsync(dirfd) < 0)
		goto fail;
	free(text);
	*changes = at;
	return 0;
fail:
	snprintf(why, whysz, "%s/%s cannot be written: %s", dir, OWNFILE_NAME,
		 strerror(errno));
	if (fd >= 0)
		close(fd);
	unlinkat(dirfd, tmp, 0);
	free(text);
	return -1;
}
