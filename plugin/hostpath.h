/*
 * hostpath.h - a bind-mount source judged as the path the kernel will
 * mount on this host.
 *
 * dockerd cleans a bind source lexically (Go's path.Clean: repeated
 * slashes, "." and ".." removed without looking at the disk) and the
 * kernel then follows symlinks in what is left. So does this: clean, then
 * resolve the longest prefix that exists (realpath) and keep the rest as
 * written. "/srv/data/../../etc" is "/etc"; a symlink under /srv/data that
 * points at / is "/".
 */
#ifndef CNZ_HOSTPATH_H
#define CNZ_HOSTPATH_H

#include <stdbool.h>
#include <stddef.h>

/* Go's path.Clean of an absolute path into out; -1 if it does not fit. */
int hostpath_clean(const char *in, char *out, size_t outsz);
/* Clean, then resolve symlinks of the longest existing prefix. -1 when
 * the path is not absolute or does not fit. */
int hostpath_resolve(const char *in, char *out, size_t outsz);
/* True when path is prefix or lies under it, component-wise ("/srv/data"
 * covers "/srv/data/x" but not "/srv/database"). */
bool hostpath_under(const char *path, const char *prefix);

#endif
