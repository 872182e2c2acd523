/*
 * dockerc.h - cnauthz's own requests to dockerd: HTTP/1.1 GETs on its
 * unix socket, for the listings and the event stream ownership needs
 * (tenancy.h). Each request carries the header "X-Cnauthz-Self: TOKEN",
 * by which the daemon knows the AuthZReq dockerd then sends about it as
 * its own. Every wait is bounded and ends early when stop_fd becomes
 * readable.
 *
 * The answer is read by two parsers that take a buffer and a length: the
 * status line and headers (dockerc_head), and the chunked transfer coding
 * (struct dockerc_chunks), fed as bytes arrive.
 */
#ifndef CNZ_DOCKERC_H
#define CNZ_DOCKERC_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "text.h"

#define DOCKERC_HEADER "X-Cnauthz-Self"
#define DOCKERC_MAX_HEAD 16384
#define DOCKERC_MAX_BODY (64u << 20)

/* --- the parsers ------------------------------------------------------------ */

struct dockerc_head {
	int status;            /* 200, ... */
	size_t head_len;       /* bytes up to and including the blank line */
	bool chunked;          /* Transfer-Encoding: chunked */
	long long length;      /* Content-Length, or -1 */
};

/* 1: a whole head parsed into h; 0: more bytes needed; -1: malformed
 * (err says how). */
int dockerc_head(const char *buf, size_t len, struct dockerc_head *h,
		 struct cnz_err *err);

/* The chunked coding, decoded as it arrives. */
struct dockerc_chunks {
	int state;
	unsigned long long left; /* of the current chunk */
	unsigned digits;
	bool done;               /* the last chunk was read */
};

void dockerc_chunks_init(struct dockerc_chunks *c);
/* Decodes in[0..len) into out (appended); -1 with err when malformed. */
int dockerc_chunks_feed(struct dockerc_chunks *c, const char *in, size_t len,
			struct buf *out, struct cnz_err *err);

/* --- requests ------------------------------------------------------------- */

struct dockerc {
	const char *socket_path;
	const char *token;  /* the X-Cnauthz-Self value */
	int stop_fd;        /* readable: give up now (-1: none) */
};

/*
 * GET path (e.g. "/v1.41/containers/json?all=1"); waits at most
 * timeout_ms in all. 0 with *status and the whole body (malloc'ed, NUL
 * after it), or -1 with why (stopped: why "stopped").
 */
int dockerc_get(const struct dockerc *d, const char *path, int timeout_ms,
		int *status, char **body, size_t *len, char *why,
		size_t whysz);

/*
 * GET path and hand each line of the answer's body to fn as it arrives
 * (dockerd's /events writes one JSON object a line), and a NULL line
 * after the lines of each read; until the stream ends (0), fn answers
 * non-zero (that), the stop fd fires or something fails (-1 with why).
 * connected, when not NULL, is called once the answer's head says 200;
 * when it answers non-zero, so does this, at once.
 */
int dockerc_stream(const struct dockerc *d, const char *path,
		   int (*fn)(void *arg, const char *line, size_t len),
		   int (*connected)(void *arg), void *arg, char *why,
		   size_t whysz);

#endif
