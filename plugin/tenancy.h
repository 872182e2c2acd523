/*
 * tenancy.h - the daemon's side of ownership: the store (owners.h), its
 * file in the state directory (ownfile.h), what dockerd has (a listing
 * when cnauthz starts or reconnects, then its events: follow.h) and the
 * administrator's control socket (DIR/control.sock, "cnauthz owners").
 *
 * No request thread ever waits for dockerd. dockerd sends every call,
 * cnauthz's own among them, through cnauthz: a decision that asked
 * dockerd something would wait for a call that waits for a pool thread,
 * and with every pool thread so waiting nothing would move. So one
 * thread of its own ("follower") asks dockerd, and the decisions read
 * only the store. Each of its requests carries a random token
 * (X-Cnauthz-Self), made at start and never written anywhere: the
 * AuthZReq dockerd then sends is recognised as cnauthz's own only when it
 * comes from dockerd's unix socket, carries that token and GETs one of the
 * listings - a caller cannot make one by sending the header. That the
 * token comes back at all also proves that the dockerd at --docker-socket
 * is the one that asks this cnauthz; until it has, and the listing is
 * done, ownership cannot be judged (owners_health) and the owner module
 * denies.
 *
 * Another thread ("service") writes the file when the store changes (at
 * most every 100 ms, and when the daemon stops), ends stale volume
 * claims and answers the control socket. When the file cannot be read,
 * nothing overwrites it and ownership cannot be judged until it is fixed
 * and cnauthz restarted; when it cannot be written, ownership cannot be
 * judged until a write succeeds again. Either is logged once, and said in
 * each denial (and so in the audit record).
 */
#ifndef CNZ_TENANCY_H
#define CNZ_TENANCY_H

#include <stdbool.h>

#include "decide.h"

struct tenancy;
struct owners;

struct tenancy_opts {
	const char *state_dir;
	const char *docker_socket;
	bool insecure; /* --insecure-permissions: skip the directory checks */
	/* level "info", "warning" or "error"; called from any thread */
	void (*notice)(void *arg, const char *level, const char *msg);
	void *notice_arg;
};

/* Loads the state and starts the service thread; NULL (said through
 * notice) when a thread cannot start. Any other problem - the state
 * directory another cnauthz's (locked), unsafe, or its file unreadable -
 * is a fault (owners_health), said, not an error. */
struct tenancy *tenancy_start(const struct tenancy_opts *o);
/* Starts following dockerd (once the plugin socket serves); t NULL: does
 * nothing. 0, or -1 (said). */
int tenancy_follow(struct tenancy *t);
/* Stops both threads and writes the file a last time. */
void tenancy_stop(struct tenancy *t);

struct owners *tenancy_owners(struct tenancy *t); /* NULL when t is */

/* The decide() hooks; their arg is the tenancy. */
extern const struct decide_hooks tenancy_hooks;

/* The control socket's path in dir (into buf). */
const char *tenancy_control_path(const char *dir, char *buf, size_t bufsz);

#endif
