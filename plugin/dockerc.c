/* dockerc.c - see dockerc.h */
#include "dockerc.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* --- the head --------------------------------------------------------------- */

static bool digits(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static void trim(const char **s, size_t *n)
{
	while (*n > 0 && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
		(*n)--;
}

static int head_parse(const char *buf, size_t len, struct dockerc_head *h,
		      const char **why)
{
	const char *end = NULL, *line, *p;
	size_t scan = len < DOCKERC_MAX_HEAD ? len : DOCKERC_MAX_HEAD;

	memset(h, 0, sizeof *h);
	h->length = -1;
	for (size_t i = 0; i + 3 < scan; i++)
		if (memcmp(buf + i, "\r\n\r\n", 4) == 0) {
			end = buf + i + 2; /* the last header line's CRLF */
			h->head_len = i + 4;
			break;
		}
	if (end == NULL) {
		if (len >= DOCKERC_MAX_HEAD) {
			*why = "the answer's head is too long";
			return -1;
		}
		return 0;
	}
	/* "HTTP/1.1 200 OK" */
	if (h->head_len < 14 || memcmp(buf, "HTTP/1.", 7) != 0 ||
	    (buf[7] != '0' && buf[7] != '1') || buf[8] != ' ' ||
	    !digits(buf + 9, 3) || (buf[12] != ' ' && buf[12] != '\r')) {
		*why = "not an HTTP/1.x status line";
		return -1;
	}
	h->status = (buf[9] - '0') * 100 + (buf[10] - '0') * 10 + (buf[11] - '0');
	line = memchr(buf, '\n', h->head_len);
	for (line = line + 1; line < end;) {
		const char *eol = memchr(line, '\n', (size_t)(end - line));
		const char *colon;
		size_t nlen, vlen;

		if (eol == NULL || eol == line || eol[-1] != '\r') {
			*why = "a header line without CRLF";
			return -1;
		}
		colon = memchr(line, ':', (size_t)(eol - line));
		if (colon == NULL || colon == line) {
			*why = "a header line without a name";
			return -1;
		}
		nlen = (size_t)(colon - line);
		p = colon + 1;
		vlen = (size_t)(eol - 1 - p);
		trim(&p, &vlen);
		if (nlen == 14 && strncasecmp(line, "Content-Length", 14) == 0) {
			long long v = 0;

			if (!digits(p, vlen) || vlen > 18) {
				*why = "a malformed Content-Length";
				return -1;
			}
			for (size_t i = 0; i < vlen; i++)
				v = v * 10 + (p[i] - '0');
			if (h->length >= 0 && h->length != v) {
				*why = "two Content-Lengths";
				return -1;
			}
			h->length = v;
		} else if (nlen == 17 &&
			   strncasecmp(line, "Transfer-Encoding", 17) == 0) {
			if (vlen != 7 || strncasecmp(p, "chunked", 7) != 0) {
				*why = "a transfer coding other than chunked";
				return -1;
			}
			h->chunked = true;
		}
		line = eol + 1;
	}
	if (h->chunked)
		h->length = -1; /* RFC 9112: chunked wins */
	return 1;
}

int dockerc_head(const char *buf, size_t len, struct dockerc_head *h,
		 struct cnz_err *err)
{
	const char *why = "a malformed answer";
	int rc = head_parse(buf, len, h, &why);

	if (rc < 0)
		cnz_err_set(err, NULL, 0, 0, "%s", why);
	return rc;
}

/* --- chunks ----------------------------------------------------------------- */

enum {
	C_SIZE, C_EXT, C_SIZE_LF, C_DATA, C_DATA_CR, C_DATA_LF, C_TRAILER,
	C_TRAILER_LINE, C_TRAILER_LF, C_END_LF, C_DONE,
};

void dockerc_chunks_init(struct dockerc_chunks *c)
{
	memset(c, 0, sizeof *c);
	c->state = C_SIZE;
}

static int chunks_feed(struct dockerc_chunks *c, const char *in, size_t len,
		       struct buf *out, const char **why)
{
	size_t i = 0;

	while (i < len) {
		char ch = in[i];
		int hv;

		switch (c->state) {
		case C_SIZE:
			hv = text_hexval((unsigned char)ch);
			if (hv >= 0) {
				if (++c->digits > 15) {
					*why = "a chunk size too large";
					return -1;
				}
				c->left = c->left * 16 + (unsigned)hv;
			} else if (c->digits > 0 && (ch == ';' || ch == ' ' || ch == '\t')) {
				c->state = C_EXT;
			} else if (c->digits > 0 && ch == '\r') {
				c->state = C_SIZE_LF;
			} else {
				*why = "a malformed chunk size";
				return -1;
			}
			i++;
			break;
		case C_EXT:
			if (ch == '\r')
				c->state = C_SIZE_LF;
			else if (ch == '\n' || ch == '\0') {
				*why = "a malformed chunk extension";
				return -1;
			}
			i++;
			break;
		case C_SIZE_LF:
			if (ch != '\n') {
				*why = "a chunk size line without CRLF";
				return -1;
			}
			i++;
			c->digits = 0;
			c->state = c->left == 0 ? C_TRAILER : C_DATA;
			break;
		case C_DATA: {
			size_t take = len - i < c->left ? len - i : (size_t)c->left;

			buf_add(out, in + i, take);
			i += take;
			c->left -= take;
			if (c->left == 0)
				c->state = C_DATA_CR;
			break;
		}
		case C_DATA_CR:
		case C_DATA_LF:
			if (ch != (c->state == C_DATA_CR ? '\r' : '\n')) {
				*why = "a chunk not followed by CRLF";
				return -1;
			}
			c->state = c->state == C_DATA_CR ? C_DATA_LF : C_SIZE;
			i++;
			break;
		case C_TRAILER:
			/* a trailer line, or the blank line that ends it all */
			c->state = ch == '\r' ? C_END_LF : C_TRAILER_LINE;
			i++;
			break;
		case C_TRAILER_LINE:
			if (ch == '\r')
				c->state = C_TRAILER_LF;
			i++;
			break;
		case C_TRAILER_LF:
		case C_END_LF:
			if (ch != '\n') {
				*why = "a trailer without CRLF";
				return -1;
			}
			i++;
			c->state = c->state == C_END_LF ? C_DONE : C_TRAILER;
			c->done = c->state == C_DONE;
			break;
		default: /* C_DONE */
			*why = "data after the last chunk";
			return -1;
		}
	}
	if (out->oom) {
		*why = "out of memory";
		return -1;
	}
	return 0;
}

int dockerc_chunks_feed(struct dockerc_chunks *c, const char *in, size_t len,
			struct buf *out, struct cnz_err *err)
{
	const char *why = "a malformed chunk";
	int rc = chunks_feed(c, in, len, out, &why);

	if (rc < 0)
		cnz_err_set(err, NULL, 0, 0, "%s", why);
	return rc;
}

/* --- requests --------------------------------------------------------------- */

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int dial(const struct dockerc *d, const char *path, char *why,
		size_t whysz)
{
	struct sockaddr_un sa;
	struct buf req;
	int fd;
	size_t off = 0;

	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	if (strlen(d->socket_path) >= sizeof sa.sun_path) {
		snprintf(why, whysz, "%s: socket path too long", d->socket_path);
		return -1;
	}
	memcpy(sa.sun_path, d->socket_path, strlen(d->socket_path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		snprintf(why, whysz, "%s: %s", d->socket_path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	buf_init(&req);
	buf_printf(&req,
		   "GET %s HTTP/1.1\r\nHost: docker\r\nUser-Agent: cnauthz\r\n"
		   "%s: %s\r\nConnection: close\r\n\r\n",
		   path, DOCKERC_HEADER, d->token);
	while (!req.oom && off < req.len) {
		ssize_t n = send(fd, req.p + off, req.len - off, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(why, whysz, "%s: send: %s", d->socket_path,
				 strerror(errno));
			buf_free(&req);
			close(fd);
			return -1;
		}
		off += (size_t)n;
	}
	if (req.oom) {
		snprintf(why, whysz, "out of memory");
		close(fd);
		fd = -1;
	}
	buf_free(&req);
	return fd;
}

/* Reads what is there (waiting until deadline, -1: forever): bytes, 0 at
 * the end, -1 with why. */
static ssize_t get_some(const struct dockerc *d, int fd, char *b, size_t n,
			long long deadline, char *why, size_t whysz)
{
	for (;;) {
		struct pollfd p[2] = {{fd, POLLIN, 0}, {d->stop_fd, POLLIN, 0}};
		long long left = deadline < 0 ? -1 : deadline - now_ms();
		int r;
		ssize_t got;

		if (deadline >= 0 && left <= 0) {
			snprintf(why, whysz, "dockerd did not answer in time");
			return -1;
		}
		r = poll(p, d->stop_fd >= 0 ? 2 : 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(why, whysz, "poll: %s", strerror(errno));
			return -1;
		}
		if (d->stop_fd >= 0 && (p[1].revents & POLLIN)) {
			snprintf(why, whysz, "stopped");
			return -1;
		}
		if (r == 0)
			continue;
		got = read(fd, b, n);
		if (got < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (got < 0)
			snprintf(why, whysz, "read: %s", strerror(errno));
		return got;
	}
}

struct reader {
	struct dockerc_head head;
	struct dockerc_chunks chunks;
	long long body_read;
	bool have_head;
};

/*
 * Feeds raw bytes: the head first, then the body into out. 1 when the
 * body is complete, 0 for more, -1 with why.
 */
static int feed(struct reader *r, struct buf *raw, const char *in, size_t n,
		struct buf *out, const char **why)
{
	if (!r->have_head) {
		int h;

		buf_add(raw, in, n);
		if (raw->oom) {
			*why = "out of memory";
			return -1;
		}
		h = head_parse(raw->p, raw->len, &r->head, why);
		if (h <= 0)
			return h;
		r->have_head = true;
		dockerc_chunks_init(&r->chunks);
		in = raw->p + r->head.head_len;
		n = raw->len - r->head.head_len;
	}
	if (r->head.chunked) {
		if (chunks_feed(&r->chunks, in, n, out, why) < 0)
			return -1;
		return r->chunks.done;
	}
	if (r->head.length >= 0 && r->body_read + (long long)n > r->head.length)
		n = (size_t)(r->head.length - r->body_read);
	buf_add(out, in, n);
	r->body_read += (long long)n;
	if (out->oom) {
		*why = "out of memory";
		return -1;
	}
	return r->head.length >= 0 && r->body_read == r->head.length;
}

int dockerc_get(const struct dockerc *d, const char *path, int timeout_ms,
		int *status, char **body, size_t *len, char *why,
		size_t whysz)
{
	long long deadline = now_ms() + timeout_ms;
	struct reader r;
	struct buf raw, out;
	char b[16384];
	int fd, rc = -1, done = 0;
	const char *bad;

	*body = NULL;
	*len = 0;
	fd = dial(d, path, why, whysz);
	if (fd < 0)
		return -1;
	memset(&r, 0, sizeof r);
	buf_init(&raw);
	buf_init(&out);
	while (!done) {
		ssize_t n = get_some(d, fd, b, sizeof b, deadline, why, whysz);

		if (n < 0)
			goto out;
		if (n == 0) {
			/* without a length the end of the connection ends it */
			if (r.have_head && !r.head.chunked && r.head.length < 0)
				break;
			snprintf(why, whysz, "dockerd closed the connection early");
			goto out;
		}
		done = feed(&r, &raw, b, (size_t)n, &out, &bad);
		if (done < 0) {
			snprintf(why, whysz, "dockerd's answer: %s", bad);
			goto out;
		}
		if (out.len > DOCKERC_MAX_BODY) {
			snprintf(why, whysz, "dockerd's answer is too large");
			goto out;
		}
	}
	if (buf_cstr(&out) == NULL && out.oom) {
		snprintf(why, whysz, "out of memory");
		goto out;
	}
	*status = r.head.status;
	*len = out.len;
	*body = out.p != NULL ? out.p : strdup("");
	out.p = NULL;
	rc = *body != NULL ? 0 : -1;
out:
	buf_free(&raw);
	buf_free(&out);
	close(fd);
	return rc;
}

int dockerc_stream(const struct dockerc *d, const char *path,
		   int (*fn)(void *arg, const char *line, size_t len),
		   int (*connected)(void *arg), void *arg, char *why,
		   size_t whysz)
{
	long long deadline = now_ms() + 10000; /* for the head */
	struct reader r;
	struct buf raw, out;
	char b[16384];
	int fd, rc = -1;
	const char *bad;

	fd = dial(d, path, why, whysz);
	if (fd < 0)
		return -1;
	memset(&r, 0, sizeof r);
	buf_init(&raw);
	buf_init(&out);
	for (;;) {
		ssize_t n = get_some(d, fd, b, sizeof b,
				     r.have_head ? -1 : deadline, why, whysz);
		int fed;
		size_t start = 0;

		if (n < 0)
			goto out;
		if (n == 0) {
			snprintf(why, whysz, "dockerd ended the event stream");
			rc = 0;
			goto out;
		}
		fed = feed(&r, &raw, b, (size_t)n, &out, &bad);
		if (fed < 0) {
			snprintf(why, whysz, "dockerd's events: %s", bad);
			goto out;
		}
		if (r.have_head && r.head.status != 200) {
			snprintf(why, whysz, "dockerd answered %d to %s",
				 r.head.status, path);
			goto out;
		}
		if (r.have_head && connected != NULL) {
			int stop = connected(arg);

			connected = NULL;
			if (stop != 0) {
				rc = stop;
				goto out;
			}
		}
		/* each whole line */
		for (size_t i = 0; i < out.len; i++) {
			int stop;

			if (out.p[i] != '\n')
				continue;
			stop = fn(arg, out.p + start, i - start);
			start = i + 1;
			if (stop != 0) {
				rc = stop;
				goto out;
			}
		}
		if (start > 0 && (rc = fn(arg, NULL, 0)) != 0)
			goto out;
		rc = -1;
		if (out.len > 0)
			memmove(out.p, out.p + start, out.len - start);
		out.len -= start;
		if (out.len > DOCKERC_MAX_HEAD * 64) {
			snprintf(why, whysz, "an event line too long");
			goto out;
		}
		if (fed == 1) {
			snprintf(why, whysz, "dockerd ended the event stream");
			rc = 0;
			goto out;
		}
	}
out:
	buf_free(&raw);
	buf_free(&out);
	close(fd);
	return rc;
}
