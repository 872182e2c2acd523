/* server.c - see server.h */
#include "server.h"

#include <errno.h>
#include <stdarg.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "fairq.h"

/*
 * Body buffers are kept for the next request, capacity and all: a body
 * read into memory that is already the process's costs no page faults,
 * no growing by copies, and no allocator deciding, from what came before,
 * whether to map fresh pages and give them back each time (a slow run of
 * 128 KiB creates spent its time there). Up to BODY_SPARE of them, each
 * of up to BODY_KEEP bytes (a body larger than dockerd forwards is not
 * worth keeping memory for).
 */
#define BODY_SPARE 16
#define BODY_KEEP (4u * 1024 * 1024)

struct spares {
	pthread_mutex_t mu;
	struct buf v[BODY_SPARE];
	size_t n;
};

/* A key's budget for large bodies (server.h). */
struct bucket {
	char key[FAIRQ_KEY_MAX];
	size_t klen;
	double tokens; /* bytes */
	unsigned long long t; /* ns, last refill */
};

#define LANE_BUCKETS 64

/* The heavy slots, their fair queue and the keys' budgets (server.h). */
struct lane {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct fairq *q;
	unsigned slots, running;
	bool stopping;
	pthread_t *workers;
	unsigned nworkers;
	/* sharing: the hash of the last call's key, and until when more
	 * than one key counts as active (atomics: every call notes its key,
	 * and small calls take no lock) */
	_Atomic unsigned long long last_key, shared_until;
	unsigned long long now;
	struct bucket b[LANE_BUCKETS];
	size_t nb;
};

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ULL +
	       (unsigned long long)ts.tv_nsec;
}

/* Notes a call of key: a key other than the last one's makes the server
 * shared for SERVER_SHARED_MS. By a 64-bit hash (FNV-1a): two CNs that
 * collide only lose the budget between them. */
static void lane_saw(struct lane *l, const char *key, size_t klen)
{
	unsigned long long h = 0xcbf29ce484222325ULL, prev;

	if (klen > FAIRQ_KEY_MAX)
		klen = FAIRQ_KEY_MAX;
	for (size_t i = 0; i < klen; i++)
		h = (h ^ (unsigned char)key[i]) * 0x100000001b3ULL;
	prev = atomic_exchange(&l->last_key, h);
	if (prev != h && prev != 0) /* 0: the first call */
		atomic_store(&l->shared_until,
			     now_ns() + SERVER_SHARED_MS * 1000000ULL);
}

/* key's bucket, refilled to now (lane locked); the least recently used
 * one is given up when the table is full. */
static struct bucket *bucket_of(struct lane *l, const char *key, size_t klen,
				unsigned long long now)
{
	struct bucket *b = NULL;
	double add;

	if (klen > FAIRQ_KEY_MAX)
		klen = FAIRQ_KEY_MAX;
	for (size_t i = 0; i < l->nb; i++)
		if (l->b[i].klen == klen && memcmp(l->b[i].key, key, klen) == 0)
			b = &l->b[i];
	if (b == NULL) {
		if (l->nb < LANE_BUCKETS) {
			b = &l->b[l->nb++];
		} else {
			b = &l->b[0];
			for (size_t i = 1; i < l->nb; i++)
				if (l->b[i].t < b->t)
					b = &l->b[i];
		}
		memcpy(b->key, key, klen);
		b->klen = klen;
		b->tokens = SERVER_HEAVY_BURST;
		b->t = now;
	}
	add = (double)(now - b->t) * (SERVER_HEAVY_RATE / 1e9);
	b->tokens = b->tokens + add > SERVER_HEAVY_BURST ? SERVER_HEAVY_BURST
							 : b->tokens + add;
	b->t = now;
	return b;
}

/* May a large body of key start now? (lane locked, l->now set) */
static bool lane_ready(const char *key, size_t klen, void *arg)
{
	struct lane *l = arg;

	return l->now >= atomic_load(&l->shared_until) ||
	       bucket_of(l, key, klen, l->now)->tokens > 0;
}

static void lane_charge(struct lane *l, const char *key, size_t klen,
			size_t len)
{
	bucket_of(l, key, klen, l->now)->tokens -= (double)len;
}

struct server {
	struct MHD_Daemon *mhd;
	server_handler handler;
	server_key_fn key;
	void *arg;
	size_t max_body;
	struct spares spares;
	struct lane *lane; /* NULL: every call inline */
	char *path;      /* the socket we bound, to remove at stop */
	dev_t dev;       /* ... if it is still ours */
	ino_t ino;
	int fd;
};

struct conn {
	struct fairq_item it; /* while it waits for a heavy slot */
	enum { ROUTE_ACTIVATE, ROUTE_REQ, ROUTE_RES } route;
	enum { CONN_READING, CONN_QUEUED, CONN_DONE } state;
	struct buf body;
	bool too_big;
	size_t drained; /* bytes thrown away once too big */
	struct MHD_Connection *c;
	struct buf out; /* a lane thread's answer (CONN_DONE) */
	unsigned status;
	char key[FAIRQ_KEY_MAX + 1]; /* whose turn it takes */
	size_t klen;
};

static struct conn *conn_of(struct fairq_item *it)
{
	return (struct conn *)(void *)((char *)it - offsetof(struct conn, it));
}

static void body_take(struct server *s, struct buf *b, size_t want)
{
	pthread_mutex_lock(&s->spares.mu);
	if (s->spares.n > 0)
		*b = s->spares.v[--s->spares.n];
	else
		buf_init(b);
	pthread_mutex_unlock(&s->spares.mu);
	b->len = 0;
	if (want > 0)
		buf_reserve(b, want); /* one allocation, not a doubling chain */
}

static void body_give(struct server *s, struct buf *b)
{
	if (b->p != NULL && !b->oom && b->cap <= BODY_KEEP) {
		pthread_mutex_lock(&s->spares.mu);
		if (s->spares.n < BODY_SPARE) {
			s->spares.v[s->spares.n++] = *b;
			buf_init(b);
		}
		pthread_mutex_unlock(&s->spares.mu);
	}
	buf_free(b);
}

static int fill_sun(struct sockaddr_un *sa, const char *path,
		    struct cnz_err *err)
{
	memset(sa, 0, sizeof *sa);
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sa->sun_path) {
		cnz_err_set(err, path, 0, 0, "socket path too long");
		return -1;
	}
	memcpy(sa->sun_path, path, strlen(path) + 1);
	return 0;
}

int server_bind_unix(const char *path, struct cnz_err *err)
{
	struct sockaddr_un sa;
	struct stat st;
	mode_t old;
	int fd = -1, probe = -1, rc;

	if (fill_sun(&sa, path, err) < 0)
		return -1;
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			cnz_err_set(err, path, 0, 0,
				    "exists and is not a socket; not replacing it");
			return -1;
		}
		probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (probe < 0) {
			cnz_err_set(err, path, 0, 0, "socket: %s",
				    strerror(errno));
			return -1;
		}
		if (connect(probe, (struct sockaddr *)&sa, sizeof sa) == 0) {
			close(probe);
			cnz_err_set(err, path, 0, 0,
				    "another process is listening on this socket (is cnauthz already running?)");
			return -1;
		}
		if (errno != ECONNREFUSED) {
			cnz_err_set(err, path, 0, 0,
				    "cannot tell whether the socket is in use: %s",
				    strerror(errno));
			close(probe);
			return -1;
		}
		close(probe);
		if (unlink(path) < 0 && errno != ENOENT) {
			cnz_err_set(err, path, 0, 0,
				    "cannot remove stale socket: %s",
				    strerror(errno));
			return -1;
		}
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		cnz_err_set(err, path, 0, 0, "socket: %s", strerror(errno));
		return -1;
	}
	/* 0600 from the first instant: no window where others can connect */
	old = umask(0177);
	rc = bind(fd, (struct sockaddr *)&sa, sizeof sa);
	umask(old);
	if (rc < 0) {
		cnz_err_set(err, path, 0, 0, "bind: %s", strerror(errno));
		close(fd);
		return -1;
	}
	if (listen(fd, 128) < 0) {
		cnz_err_set(err, path, 0, 0, "listen: %s", strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	return fd;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status,
			     struct buf *b)
{
	struct MHD_Response *r;
	enum MHD_Result rc;
	const char *p = buf_cstr(b);

	if (p == NULL) {
		static char oom[] = "{\"Err\":\"cnauthz: out of memory\"}";

		buf_free(b);
		r = MHD_create_response_from_buffer(strlen(oom), oom,
						    MHD_RESPMEM_PERSISTENT);
		status = MHD_HTTP_INTERNAL_SERVER_ERROR;
	} else {
		r = MHD_create_response_from_buffer(b->len, b->p,
						    MHD_RESPMEM_MUST_FREE);
		if (r != NULL)
			buf_init(b); /* now owned by the response */
	}
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				"application/json");
	rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result reply_err(struct MHD_Connection *c, unsigned status,
				 const char *msg)
{
	struct buf b;

	buf_init(&b);
	buf_adds(&b, "{\"Err\":");
	buf_add_json_str(&b, msg, strlen(msg));
	buf_adds(&b, "}");
	return reply(c, status, &b);
}

static unsigned decide_now(struct server *s, struct conn *cn, struct buf *out)
{
	return s->handler(s->arg,
			  cn->route == ROUTE_REQ ? SERVER_AUTHZ_REQ
						 : SERVER_AUTHZ_RES,
			  cn->body.p != NULL ? cn->body.p : "", cn->body.len,
			  out);
}

/*
 * A heavy call's way in: 1 when it takes a slot now (it waits behind no
 * one), 2 when it is decided inline without one (the server is
 * stopping), 0 when it was queued (its connection suspended until a lane
 * thread has decided it).
 */
static int lane_enter(struct server *s, struct MHD_Connection *c,
		      struct conn *cn)
{
	struct lane *l = s->lane;

	pthread_mutex_lock(&l->mu);
	if (l->stopping) {
		pthread_mutex_unlock(&l->mu);
		return 2;
	}
	l->now = now_ns();
	if (l->running < l->slots && fairq_len(l->q) == 0 &&
	    lane_ready(cn->key, cn->klen, l)) {
		lane_charge(l, cn->key, cn->klen, cn->body.len);
		l->running++;
		pthread_mutex_unlock(&l->mu);
		return 1;
	}
	pthread_mutex_unlock(&l->mu);
	cn->c = c;
	cn->state = CONN_QUEUED;
	/* suspended before a lane thread can see it, so its resume
	 * always finds it suspended */
	MHD_suspend_connection(c);
	pthread_mutex_lock(&l->mu);
	if (l->stopping || fairq_push(l->q, cn->key, cn->klen, &cn->it) < 0) {
		pthread_mutex_unlock(&l->mu);
		cn->state = CONN_READING;
		MHD_resume_connection(c);
		return 2;
	}
	pthread_cond_signal(&l->cv);
	pthread_mutex_unlock(&l->mu);
	return 0;
}

static void lane_leave(struct server *s)
{
	struct lane *l = s->lane;

	pthread_mutex_lock(&l->mu);
	l->running--;
	if (fairq_len(l->q) > 0)
		pthread_cond_signal(&l->cv);
	pthread_mutex_unlock(&l->mu);
}

/* A lane thread: the queued calls, one key at a time in turn; at stop,
 * what is queued still gets its answer. */
static void *lane_main(void *arg)
{
	struct server *s = arg;
	struct lane *l = s->lane;

	/* On Linux a thread id names that thread alone: only this one
	 * gives way to the threads that answer small calls. */
	(void)setpriority(PRIO_PROCESS, (id_t)gettid(), SERVER_LANE_NICE);
	for (;;) {
		struct fairq_item *it;
		struct conn *cn;

		pthread_mutex_lock(&l->mu);
		for (;;) {
			it = NULL;
			if (fairq_len(l->q) == 0 && l->stopping)
				break;
			if (fairq_len(l->q) > 0 && l->running < l->slots) {
				l->now = now_ns();
				it = l->stopping ? fairq_pop(l->q)
						 : fairq_pop_if(l->q, lane_ready, l);
				if (it != NULL)
					break;
			}
			if (fairq_len(l->q) > 0 && l->running < l->slots) {
				/* every key waiting is over budget: look
				 * again when some has earned a little */
				struct timespec ts;

				clock_gettime(CLOCK_REALTIME, &ts);
				ts.tv_nsec += 2000000;
				if (ts.tv_nsec >= 1000000000) {
					ts.tv_sec++;
					ts.tv_nsec -= 1000000000;
				}
				pthread_cond_timedwait(&l->cv, &l->mu, &ts);
			} else {
				pthread_cond_wait(&l->cv, &l->mu);
			}
		}
		if (it == NULL) {
			pthread_mutex_unlock(&l->mu);
			return NULL;
		}
		cn = conn_of(it);
		lane_charge(l, cn->key, cn->klen, cn->body.len);
		l->running++;
		pthread_mutex_unlock(&l->mu);
		buf_init(&cn->out);
		cn->status = decide_now(s, cn, &cn->out);
		cn->state = CONN_DONE;
		lane_leave(s);
		MHD_resume_connection(cn->c);
	}
}

static void lane_stop(struct server *s)
{
	struct lane *l = s->lane;

	if (l == NULL)
		return;
	pthread_mutex_lock(&l->mu);
	l->stopping = true;
	pthread_cond_broadcast(&l->cv);
	pthread_mutex_unlock(&l->mu);
	for (unsigned i = 0; i < l->nworkers; i++)
		pthread_join(l->workers[i], NULL);
	l->nworkers = 0;
}

static void lane_free(struct lane *l)
{
	if (l == NULL)
		return;
	fairq_free(l->q);
	free(l->workers);
	pthread_cond_destroy(&l->cv);
	pthread_mutex_destroy(&l->mu);
	free(l);
}

static struct lane *lane_new(unsigned threads)
{
	struct lane *l = calloc(1, sizeof *l);

	if (l == NULL)
		return NULL;
	pthread_mutex_init(&l->mu, NULL);
	pthread_cond_init(&l->cv, NULL);
	l->slots = threads / 2 > 0 ? threads / 2 : 1;
	l->q = fairq_new();
	l->workers = calloc(l->slots, sizeof *l->workers);
	if (l->q == NULL || l->workers == NULL) {
		lane_free(l);
		return NULL;
	}
	return l;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
				  const char *url, const char *method,
				  const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	struct server *s = cls;
	struct conn *cn = *con_cls;
	struct buf out;
	unsigned status;

	(void)version;
	if (cn == NULL) {
		const char *cl;

		if (strcmp(url, "/Plugin.Activate") != 0 &&
		    strcmp(url, "/AuthZPlugin.AuthZReq") != 0 &&
		    strcmp(url, "/AuthZPlugin.AuthZRes") != 0)
			return reply_err(c, MHD_HTTP_NOT_FOUND,
					 "cnauthz: no such endpoint");
		if (strcmp(method, "POST") != 0)
			return reply_err(c, MHD_HTTP_METHOD_NOT_ALLOWED,
					 "cnauthz: plugin calls are POST");
		cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						 MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl != NULL && strtoull(cl, NULL, 10) > s->max_body)
			return reply_err(c, MHD_HTTP_CONTENT_TOO_LARGE,
					 "cnauthz: request body too large");
		cn = calloc(1, sizeof *cn);
		if (cn == NULL)
			return MHD_NO;
		/* room for what Content-Length announces, up to what a
		 * kept buffer may hold: beyond, memory grows as bytes come */
		body_take(s, &cn->body,
			  cl == NULL ? 0
			  : strtoull(cl, NULL, 10) < BODY_KEEP
				  ? (size_t)strtoull(cl, NULL, 10)
				  : BODY_KEEP);
		buf_init(&cn->out);
		cn->route = strcmp(url, "/Plugin.Activate") == 0 ? ROUTE_ACTIVATE
			    : strcmp(url, "/AuthZPlugin.AuthZReq") == 0
				    ? ROUTE_REQ
				    : ROUTE_RES;
		*con_cls = cn;
		return MHD_YES;
	}
	if (*upload_size > 0) {
		/* Over the cap (a chunked body has no length to refuse up
		 * front): keep nothing, drain to the end and answer 413 then,
		 * as MHD can only answer a request it has read. A body that
		 * goes on past twice the cap gets the connection closed. */
		if (cn->too_big || cn->body.len + *upload_size > s->max_body) {
			if (!cn->too_big)
				buf_free(&cn->body);
			cn->too_big = true;
			cn->drained += *upload_size;
			*upload_size = 0;
			return cn->drained > 2 * s->max_body ? MHD_NO : MHD_YES;
		}
		buf_add(&cn->body, upload, *upload_size);
		*upload_size = 0;
		return cn->body.oom ? MHD_NO : MHD_YES;
	}
	if (cn->too_big)
		return reply_err(c, MHD_HTTP_CONTENT_TOO_LARGE,
				 "cnauthz: request body too large");
	if (cn->state == CONN_DONE) /* back from a lane thread */
		return reply(c, cn->status, &cn->out);
	if (cn->state == CONN_QUEUED)
		return MHD_YES;

	buf_init(&out);
	if (cn->route == ROUTE_ACTIVATE) {
		buf_adds(&out, "{\"Implements\":[\"authz\"]}");
		return reply(c, MHD_HTTP_OK, &out);
	}
	if (s->lane != NULL && s->key != NULL) {
		/* whose call it is: for the budget of large bodies, which
		 * applies while more than one key is active */
		cn->klen = s->key(cn->body.p != NULL ? cn->body.p : "",
				  cn->body.len, cn->key, sizeof cn->key);
		lane_saw(s->lane, cn->key, cn->klen);
	}
	if (s->lane != NULL && cn->body.len >= SERVER_HEAVY_BODY) {
		int slot = lane_enter(s, c, cn);

		if (slot == 0)
			return MHD_YES; /* queued: answered when resumed */
		status = decide_now(s, cn, &out);
		if (slot == 1)
			lane_leave(s);
		return reply(c, status, &out);
	}
	status = decide_now(s, cn, &out);
	return reply(c, status, &out);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct conn *cn = *con_cls;

	(void)c;
	(void)toe;
	if (cn == NULL)
		return;
	body_give(cls, &cn->body);
	buf_free(&cn->out);
	free(cn);
	*con_cls = NULL;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	fputs("cnauthz: libmicrohttpd: ", stderr);
	vfprintf(stderr, fmt, ap);
}

struct server *server_start(const struct server_opts *o, server_handler h,
			    void *arg, struct cnz_err *err)
{
	struct server *s = calloc(1, sizeof *s);
	struct stat st;

	if (s == NULL) {
		cnz_err_set(err, NULL, 0, 0, "out of memory");
		return NULL;
	}
	s->handler = h;
	s->key = o->key;
	s->arg = arg;
	s->fd = -1;
	pthread_mutex_init(&s->spares.mu, NULL);
	s->max_body = o->max_body ? o->max_body : SERVER_DEFAULT_MAX_BODY;
	s->fd = o->listen_fd;
	if (s->fd < 0) {
		s->fd = server_bind_unix(o->socket_path, err);
		if (s->fd < 0)
			goto fail;
		if ((s->path = strdup(o->socket_path)) == NULL) {
			cnz_err_set(err, NULL, 0, 0, "out of memory");
			goto fail;
		}
		if (stat(s->path, &st) == 0) {
			s->dev = st.st_dev;
			s->ino = st.st_ino;
		}
	}
	if (o->mode == SERVER_POOL) {
		s->lane = lane_new(o->threads ? o->threads : 2);
		if (s->lane == NULL) {
			cnz_err_set(err, NULL, 0, 0, "out of memory");
			goto fail;
		}
	}
	/* The threading mode: see SERVER_POOL's choice in server.h. */
	s->mhd = MHD_start_daemon(
		o->mode == SERVER_PER_CONNECTION
			? MHD_USE_INTERNAL_POLLING_THREAD |
				  MHD_USE_THREAD_PER_CONNECTION |
				  MHD_USE_POLL | MHD_USE_ERROR_LOG
			: MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
				  MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME,
		0, NULL, NULL, on_request, s,
		/* the logger first, or MHD logs the options before it */
		MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, s,
		MHD_OPTION_LISTEN_SOCKET, s->fd,
		MHD_OPTION_THREAD_POOL_SIZE,
		(unsigned)(o->mode == SERVER_PER_CONNECTION
				   ? 0
				   : o->threads ? o->threads : 2),
		MHD_OPTION_CONNECTION_LIMIT,
		(unsigned)(o->conn_limit ? o->conn_limit : 256),
		MHD_OPTION_CONNECTION_TIMEOUT,
		(unsigned)(o->conn_timeout ? o->conn_timeout : 300),
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_END);
	if (s->mhd == NULL) {
		cnz_err_set(err, o->socket_path, 0, 0,
			    "cannot start the HTTP server");
		goto fail;
	}
	for (unsigned i = 0; s->lane != NULL && i < s->lane->slots; i++) {
		if (pthread_create(&s->lane->workers[i], NULL, lane_main, s) != 0) {
			cnz_err_set(err, NULL, 0, 0, "cannot start a lane thread");
			goto fail;
		}
		s->lane->nworkers++;
	}
	return s;
fail:
	server_stop(s);
	return NULL;
}

void server_stop(struct server *s)
{
	struct stat st;

	if (s == NULL)
		return;
	/* the queued calls answered and their connections resumed first:
	 * MHD cannot stop with connections suspended */
	lane_stop(s);
	if (s->mhd != NULL)
		MHD_stop_daemon(s->mhd); /* closes the listening socket too */
	else if (s->fd >= 0)
		close(s->fd);
	if (s->path != NULL && stat(s->path, &st) == 0 &&
	    st.st_dev == s->dev && st.st_ino == s->ino)
		unlink(s->path);
	lane_free(s->lane);
	for (size_t i = 0; i < s->spares.n; i++)
		buf_free(&s->spares.v[i]);
	pthread_mutex_destroy(&s->spares.mu);
	free(s->path);
	free(s);
}
