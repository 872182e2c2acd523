/*
 * server.h - the plugin's HTTP side: libmicrohttpd on a unix socket.
 *
 * Routes: POST /Plugin.Activate, /AuthZPlugin.AuthZReq, /AuthZPlugin.AuthZRes.
 * Anything else is 404 (405 for another method) with a JSON "Err". Bodies
 * above the cap are refused with 413 before they are read. The decision
 * itself is the handler's: the server only moves bytes.
 */
#ifndef CNZ_SERVER_H
#define CNZ_SERVER_H

#include <stddef.h>

#include "err.h"
#include "text.h"

struct server;

enum server_call {
	SERVER_AUTHZ_REQ,
	SERVER_AUTHZ_RES,
};

/* Default cap: dockerd forwards up to 4 MiB of JSON body, base64-encoded
 * (x4/3) inside the AuthZReq, next to headers and certificates. */
#define SERVER_DEFAULT_MAX_BODY (16u * 1024 * 1024)

/*
 * The threading mode. SERVER_POOL, with as many threads as CPUs, is the
 * default, chosen with tests/bench's loadgen (the figures are in the
 * history of this file).
 *
 * A pool of one thread per CPU keeps up with one connection as well as
 * anything (dockerd's usual case) and is best under many; a thread per
 * connection costs more CPU per request once connections outnumber CPUs,
 * and more threads than CPUs only add switches. dockerd's requests are
 * short, so no request waits long behind another on its thread.
 */
enum server_mode {
	SERVER_POOL = 0,       /* a pool of threads, each with its epoll */
	SERVER_PER_CONNECTION, /* a thread per connection */
};

/*
 * Fair turns for expensive decisions (SERVER_POOL only). A call whose
 * body is SERVER_HEAVY_BODY bytes or more is decided in a heavy slot, of
 * which there are threads / 2 (at least one): inline on the thread that
 * read it when a slot is free and nobody waits; otherwise its connection
 * is suspended and it waits in a queue fair between keys (fairq.h, keyed
 * by the server_key_fn, the daemon's: the CN), one call per key in turn,
 * decided by a lane thread at a lower priority (SERVER_LANE_NICE). Small
 * calls are decided inline at once, whatever waits: one CN's stream of
 * large bodies can take at most the heavy slots, never the threads that
 * answer everyone's small calls, nor a larger turn than another CN's.
 */
#define SERVER_HEAVY_BODY (64u * 1024)
#define SERVER_LANE_NICE 5
/*
 * And a budget: while calls of more than one key have come within the
 * last SERVER_SHARED_MS, each key's large bodies may start at no more
 * than SERVER_HEAVY_RATE bytes a second (a token bucket of
 * SERVER_HEAVY_BURST); a call over budget waits in the queue, its
 * connection suspended. dockerd spends several times the plugin's CPU on
 * each large body it forwards (TLS, reading, base64, JSON), and only
 * sends a client's next one when the last is answered: the budget keeps
 * one CN's flood from taking dockerd's CPUs from everyone else. Alone, a
 * key is never held back.
 */
#define SERVER_HEAVY_RATE (16.0 * 1024 * 1024)
#define SERVER_HEAVY_BURST (2.0 * 1024 * 1024)
#define SERVER_SHARED_MS 1000

/* Writes the key (NUL-terminated, under outsz bytes) of a call whose
 * body is body[0..len); returns its length. */
typedef size_t (*server_key_fn)(const char *body, size_t len, char *out,
				size_t outsz);

struct server_opts {
	enum server_mode mode;
	server_key_fn key; /* NULL: one key for all */
	const char *socket_path; /* bound by the server unless listen_fd >= 0 */
	int listen_fd;           /* an already listening socket, or -1 */
	unsigned threads;        /* worker threads */
	size_t max_body;
	unsigned conn_limit;
	unsigned conn_timeout; /* seconds of inactivity */
};

/* Fills reply (JSON) and returns the HTTP status. Called concurrently. */
typedef unsigned (*server_handler)(void *arg, enum server_call call,
				   const char *body, size_t len,
				   struct buf *reply);

/* Binds (mode 0600, stale socket replaced, a live one refused) and starts
 * serving. NULL with err on failure. */
struct server *server_start(const struct server_opts *o, server_handler h,
			    void *arg, struct cnz_err *err);
/* Stops serving, waits for in-flight requests, removes the socket if it is
 * still the one this server made. */
void server_stop(struct server *s);

/* Binds path as server_start does; exposed for tests. Returns the fd. */
int server_bind_unix(const char *path, struct cnz_err *err);

#endif
