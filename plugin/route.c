/* route.c - see route.h */
#include "route.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

#define ROUTE_MAX_URI (64 * 1024)
#define ROUTE_MAX_SEG 256

struct route {
	char *path;    /* canonical path, NUL-terminated */
	char *query;   /* raw query */
	char version[16];
	unsigned vmajor, vminor; /* the version as dockerd compares it */
	size_t nseg;
	size_t *segoff; /* offsets of each segment's first byte in path */
	size_t *seglen;
	char *mem; /* path and query, in the same allocation as the route */
};

static void deny(struct cnz_err *err, const char *uri, size_t len,
		 const char *reason)
{
	char q[160];

	cnz_err_set(err, NULL, 0, 0, "%s in URI \"%s\"", reason,
		    text_printable(q, sizeof q, uri, len));
}

static bool is_scheme_char(char c, bool first)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return true;
	return !first && ((c >= '0' && c <= '9') || c == '+' || c == '-' ||
			  c == '.');
}

/* Length of "scheme://authority" at the start of s, 0 when absent. */
static size_t absolute_prefix(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len && is_scheme_char(s[i], i == 0))
		i++;
	if (i == 0 || len - i < 3 || memcmp(s + i, "://", 3) != 0)
		return 0;
	i += 3;
	while (i < len && s[i] != '/' && s[i] != '?')
		i++;
	return i;
}

/* "v" followed by one or more of [0-9.], as dockerd's "/v{version:[0-9.]+}" */
static bool is_version_seg(const char *s, size_t n)
{
	if (n < 2 || s[0] != 'v')
		return false;
	for (size_t i = 1; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || s[i] == '.'))
			return false;
	return true;
}

/* One part of a canonical version: "0" or 1-4 digits without a leading
 * zero. Returns the characters read, 0 when s does not start with one. */
static size_t version_part(const char *s, size_t n, unsigned *out)
{
	size_t i = 0;

	*out = 0;
	while (i < n && s[i] >= '0' && s[i] <= '9' && i < 5)
		*out = *out * 10 + (unsigned)(s[i++] - '0');
	if (i == 0 || i > 4 || (i > 1 && s[0] == '0'))
		return 0;
	return i;
}

/*
 * dockerd compares versions part by part as integers (api/types/versions),
 * so "1.023", "01.23" and "1.23.0" all reach a handler as older than 1.24,
 * and "1.41.0" as 1.41. Only MAJOR.MINOR without leading zeros is taken:
 * one spelling per version, compared here as dockerd compares it.
 */
static bool version_canonical(const char *s, size_t n, unsigned *major,
			      unsigned *minor)
{
	size_t a = version_part(s, n, major), b;

	if (a == 0 || a >= n || s[a] != '.')
		return false;
	b = version_part(s + a + 1, n - a - 1, minor);
	return b != 0 && a + 1 + b == n;
}

struct route *route_parse(const char *uri, size_t len, struct cnz_err *err)
{
	struct route *r = NULL;
	size_t skip, plen, qlen, qpos, o = 0, nseg = 0;
	const char *p, *q;
	char *path;

	if (len == 0) {
		cnz_err_set(err, NULL, 0, 0, "empty request URI");
		return NULL;
	}
	if (len > ROUTE_MAX_URI) {
		cnz_err_set(err, NULL, 0, 0, "request URI longer than %d bytes",
			 ROUTE_MAX_URI);
		return NULL;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)uri[i];

		if (c <= 0x20 || c >= 0x7f) {
			deny(err, uri, len,
			     "control, space or non-ASCII byte");
			return NULL;
		}
		if (c == '#') {
			deny(err, uri, len, "fragment ('#')");
			return NULL;
		}
	}

	skip = absolute_prefix(uri, len);
	p = uri + skip;
	len -= skip;
	qpos = len;
	for (size_t i = 0; i < len; i++)
		if (p[i] == '?') {
			qpos = i;
			break;
		}
	plen = qpos;
	qlen = qpos < len ? len - qpos - 1 : 0;
	q = qpos < len ? p + qpos + 1 : ""; /* before p may become "/" */
	if (plen == 0 && skip > 0) {
		p = "/"; /* "http://host" or "http://host?x": Go routes "/" */
		plen = 1;
	}
	if (plen == 0 || p[0] != '/') {
		deny(err, uri + 0, skip + len,
		     "path does not start with '/'");
		return NULL;
	}

	/* one allocation: the route, up to plen/2+1 segments, the path and
	 * the query */
	{
		size_t nmax = plen / 2 + 1;
		char *block = malloc(sizeof *r + 2 * nmax * sizeof(size_t) +
				     plen + 1 + qlen + 1);

		if (block == NULL)
			goto oom;
		r = (struct route *)(void *)block;
		memset(r, 0, sizeof *r);
		r->segoff = (size_t *)(void *)(block + sizeof *r);
		r->seglen = r->segoff + nmax;
		r->mem = (char *)(r->seglen + nmax);
	}
	path = r->mem;
	r->query = r->mem + plen + 1;
	memcpy(r->query, q, qlen);
	r->query[qlen] = '\0';

	for (size_t i = 0; i < plen; i++) {
		char c = p[i];

		if (c == '%') {
			int hi = i + 2 < plen ? text_hexval(p[i + 1]) : -1;
			int lo = i + 2 < plen ? text_hexval(p[i + 2]) : -1;

			if (hi < 0 || lo < 0) {
				deny(err, uri, skip + len,
				     "invalid percent-encoding");
				goto fail;
			}
			c = (char)(hi << 4 | lo);
			if ((unsigned char)c < 0x20 || c == 0x7f) {
				deny(err, uri, skip + len,
				     "percent-encoded control byte");
				goto fail;
			}
			i += 2;
		}
		path[o++] = c;
	}
	path[o] = '\0';

	/* Split into segments and refuse what the router would not route
	 * as-is: empty segments ("//", a trailing "/"), "." and "..". */
	for (size_t i = 1; i <= o;) {
		size_t j = i;

		if (o == 1)
			break; /* "/" itself: no segments */
		while (j < o && path[j] != '/')
			j++;
		if (j == i) {
			deny(err, uri, skip + len,
			     "empty path segment ('//' or trailing '/')");
			goto fail;
		}
		if ((j - i == 1 && path[i] == '.') ||
		    (j - i == 2 && path[i] == '.' && path[i + 1] == '.')) {
			deny(err, uri, skip + len,
			     "dot segment ('.' or '..')");
			goto fail;
		}
		if (nseg >= ROUTE_MAX_SEG) {
			deny(err, uri, skip + len,
			     "too many path segments");
			goto fail;
		}
		r->segoff[nseg] = i;
		r->seglen[nseg] = j - i;
		nseg++;
		i = j + 1;
	}

	/* Drop the "/v1.41" prefix: the router routes with and without it. */
	if (nseg > 0 && is_version_seg(path + r->segoff[0], r->seglen[0])) {
		/* "/v1.41/x": drop "/v1.41", the '/' and the segment */
		size_t vl = r->seglen[0] - 1, cut = r->seglen[0] + 1;

		if (!version_canonical(path + 2, vl, &r->vmajor, &r->vminor)) {
			deny(err, uri, skip + len,
			     "unknown API version spelling (dockerd compares "
			     "versions part by part; write MAJOR.MINOR, e.g. "
			     "v1.41)");
			goto fail;
		}
		memcpy(r->version, path + 2, vl);
		r->version[vl] = '\0';
		if (nseg == 1) {
			path[1] = '\0';
		} else {
			memmove(path, path + cut, o - cut + 1);
			for (size_t k = 1; k < nseg; k++) {
				r->segoff[k - 1] = r->segoff[k] - cut;
				r->seglen[k - 1] = r->seglen[k];
			}
		}
		nseg--;
	}
	r->path = path;
	r->nseg = nseg;
	return r;
oom:
	cnz_err_set(err, NULL, 0, 0, "out of memory");
fail:
	route_free(r);
	return NULL;
}

void route_free(struct route *r)
{
	if (r == NULL)
		return;
	free(r);
}

const char *route_path(const struct route *r)
{
	return r->path;
}

const char *route_version(const struct route *r)
{
	return r->version;
}

bool route_version_before(const struct route *r, unsigned major,
			  unsigned minor)
{
	if (r->version[0] == '\0')
		return false; /* dockerd's default: its newest version */
	return r->vmajor < major || (r->vmajor == major && r->vminor < minor);
}

const char *route_query(const struct route *r)
{
	return r->query;
}

size_t route_nseg(const struct route *r)
{
	return r->nseg;
}

const char *route_seg(const struct route *r, size_t i)
{
	return r->path + r->segoff[i];
}

size_t route_seglen(const struct route *r, size_t i)
{
	return r->seglen[i];
}
