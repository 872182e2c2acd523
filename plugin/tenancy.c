/* tenancy.c - see tenancy.h */
#include "tenancy.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "dockerc.h"
#include "follow.h"
#include "identity.h"
#include "imgref.h"
#include "learn.h"
#include "ownfile.h"
#include "owners.h"
#include "ownname.h"
#include "ownstate.h"
#include "request.h"
#include "route.h"
#include "text.h"

#define SAVE_EVERY_MS 100
#define RETRY_WRITE_MS 1000
#define LIST_TIMEOUT_MS 30000
#define CONTROL_MAX 65536
#define TENANCY_NICE 10
#define WAKE_EVERY_MS 100

struct tenancy {
	struct owners *store;
	char *dir, *docker_socket;
	int dirfd, lockfd, ctlfd;
	int stop[2]; /* readable once stopping */
	int wake[2]; /* readable: dockerd asked something, try it now */
	char token[65];
	atomic_uint_fast64_t self_seen;
	atomic_llong last_wake; /* ms: the follower woken by a call */
	atomic_bool unreachable; /* the follower's last try found no dockerd */
	pthread_t follower, service;
	bool following, serving;
	bool read_broken; /* never overwrite a file that could not be read */
	unsigned long long saved;
	bool write_failing;
	long long last_try;
	void (*notice)(void *arg, const char *level, const char *msg);
	void *notice_arg;
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void say(struct tenancy *t, const char *level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void say(struct tenancy *t, const char *level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (t->notice == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	t->notice(t->notice_arg, level, msg);
}

static bool stopping(const struct tenancy *t)
{
	struct pollfd p = {t->stop[0], POLLIN, 0};

	return poll(&p, 1, 0) > 0;
}

/* Sleeps ms, or less when woken (true) or stopping (false). */
static bool nap(const struct tenancy *t, int ms)
{
	struct pollfd p[2] = {{t->stop[0], POLLIN, 0}, {t->wake[0], POLLIN, 0}};
	char b[64];

	if (poll(p, 2, ms) > 0 && (p[1].revents & POLLIN))
		while (read(t->wake[0], b, sizeof b) > 0)
			;
	return !(p[0].revents & POLLIN);
}

/* --- the hooks -------------------------------------------------------------- */

static bool self_hook(void *arg, const struct request *req,
		      const struct identity *id, const struct route *route)
{
	static const char *const paths[] = {
		"/containers/json", "/networks", "/volumes", "/images/json",
		"/events",
	};
	struct tenancy *t = arg;
	const char *h, *path = route_path(route);
	bool listing = false;

	/* dockerd asks: it is up, though the follower found none. At most
	 * every WAKE_EVERY_MS; and not when the follower reached a dockerd
	 * that failed it (not ours, a listing refused): its backoff, not
	 * every call, says when to list again. */
	if ((owners_faults(t->store) & OWN_FAULT_UNLISTED) &&
	    atomic_load_explicit(&t->unreachable, memory_order_relaxed)) {
		long long now = now_ms(),
			  last = atomic_load_explicit(&t->last_wake,
						      memory_order_relaxed);

		if (now - last >= WAKE_EVERY_MS &&
		    atomic_compare_exchange_strong(&t->last_wake, &last, now))
			(void)!write(t->wake[1], "w", 1);
	}
	if (!identity_is_local(id) || strcmp(request_method(req), "GET") != 0 ||
	    (h = request_header(req, DOCKERC_HEADER)) == NULL ||
	    strlen(h) != 64 || CRYPTO_memcmp(h, t->token, 64) != 0)
		return false;
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
		listing |= strcmp(path, paths[i]) == 0;
	if (!listing)
		return false;
	atomic_fetch_add(&t->self_seen, 1);
	return true;
}

static void after_hook(void *arg, const struct cnauthz_request *view,
		       const struct decision *d)
{
	struct tenancy *t = arg;

	learn(t->store, view, d, now_ms());
}

const struct decide_hooks tenancy_hooks = {
	.self = self_hook,
	.after = after_hook,
};

struct owners *tenancy_owners(struct tenancy *t)
{
	return t != NULL ? t->store : NULL;
}

/* --- the file --------------------------------------------------------------- */

static void save(struct tenancy *t, bool last)
{
	char why[600];
	unsigned long long at;

	if (t->read_broken || t->dirfd < 0 ||
	    owners_changes(t->store) == t->saved)
		return;
	if (t->write_failing && !last && now_ms() - t->last_try < RETRY_WRITE_MS)
		return;
	t->last_try = now_ms();
	if (ownfile_save(t->dirfd, t->dir, t->store, &at, why, sizeof why) < 0) {
		if (!t->write_failing)
			say(t, "error",
			    "ownership: %s; object-scoped calls of CNs under the owner module are denied until it can be",
			    why);
		t->write_failing = true;
		owners_fault(t->store, OWN_FAULT_WRITE, why);
		return;
	}
	t->saved = at;
	if (t->write_failing) {
		say(t, "info", "ownership: %s/%s written again", t->dir,
		    OWNFILE_NAME);
		t->write_failing = false;
		owners_fault(t->store, OWN_FAULT_WRITE, NULL);
	}
}

/* --- the control socket ----------------------------------------------------- */

const char *tenancy_control_path(const char *dir, char *buf, size_t bufsz)
{
	return text_join(buf, bufsz, dir, "/control.sock", NULL);
}

static int kind_of(const char *s)
{
	for (int k = 0; k < OWN_NKINDS; k++)
		if (strcmp(s, owners_kind_name((enum own_kind)k)) == 0)
			return k;
	if (strcmp(s, "image") == 0)
		return OWN_TAG;
	return -1;
}

/* "set": assigns an owner (or none) to an object dockerd has. */
static void control_set(struct tenancy *t, json_t *rq, struct buf *out)
{
	const char *kind = json_string_value(json_object_get(rq, "kind"));
	const char *ref = json_string_value(json_object_get(rq, "ref"));
	const char *cn = json_string_value(json_object_get(rq, "owner"));
	const char *ou = json_string_value(json_object_get(rq, "ou"));
	char key[IMGREF_MAX], q[200];
	struct own_obj *ob = malloc(sizeof *ob);
	struct cnz_err why;
	bool hex;
	int k;

	if (ob == NULL) {
		buf_adds(out, "error out of memory\n");
		return;
	}
	if (kind == NULL || ref == NULL || cn == NULL || (k = kind_of(kind)) < 0) {
		buf_adds(out, "error want kind (container, exec, volume, network, image), reference and owner\n");
		goto out;
	}
	if (cn[0] != '\0' && !owners_owner_valid(cn)) {
		buf_printf(out, "error \"%s\" cannot be an owner (a CN, or @local)\n",
			   text_printable(q, sizeof q, cn, strlen(cn)));
		goto out;
	}
	text_join(key, sizeof key, ref, NULL);
	if (k == OWN_TAG && imgref_tag(ref, NULL, key, &why, &hex) < 0) {
		buf_printf(out, "error %s: %s\n",
			   text_printable(q, sizeof q, ref, strlen(ref)), why.msg);
		goto out;
	}
	if (owners_find(t->store, (enum own_kind)k, key, ob) != OWN_FOUND ||
	    ob->pending) {
		buf_printf(out, "error no %s \"%s\" is known to cnauthz (full ID, name or unique prefix)\n",
			   kind, text_printable(q, sizeof q, ref, strlen(ref)));
		goto out;
	}
	if (owners_put(t->store, (enum own_kind)k, ob->key,
		       &(struct own_put){.cn = cn, .ou = ou}) < 0) {
		buf_adds(out, "error the owner or OU is malformed\n");
		goto out;
	}
	/* an ID as docker ps shows it */
	buf_printf(out, "ok %s %.*s%s%s%s is now %s%s\n", kind,
		   owners_id_valid(ob->key) ? 12 : (int)strlen(ob->key), ob->key,
		   ob->name[0] ? " (" : "", ob->name, ob->name[0] ? ")" : "",
		   cn[0] ? "owned by " : "unowned", cn);
	say(t, "info", "ownership: %s %s%s%s%s assigned to %s by the administrator (was %s)",
	    kind, ob->key, ob->name[0] ? " (" : "", ob->name,
	    ob->name[0] ? ")" : "", cn[0] ? cn : "nobody",
	    ob->cn[0] ? ob->cn : "nobody");
out:
	free(ob);
}

static void control(struct tenancy *t)
{
	struct ucred cr;
	socklen_t crl = sizeof cr;
	struct buf in, out;
	json_t *rq = NULL;
	const char *cmd;
	long long deadline = now_ms() + 2000;
	int fd = accept4(t->ctlfd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	buf_init(&in);
	buf_init(&out);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &crl) < 0 ||
	    (cr.uid != 0 && cr.uid != geteuid())) {
		buf_adds(&out, "error not allowed\n");
		goto reply;
	}
	while (in.len < CONTROL_MAX && memchr(in.p ? in.p : "", '\n', in.len) == NULL) {
		struct pollfd p = {fd, POLLIN, 0};
		char b[4096];
		ssize_t n;

		if (now_ms() >= deadline ||
		    poll(&p, 1, (int)(deadline - now_ms())) <= 0)
			goto done;
		n = read(fd, b, sizeof b);
		if (n <= 0)
			break;
		buf_add(&in, b, (size_t)n);
	}
	rq = in.p != NULL ? json_loadb(in.p, in.len, JSON_DISABLE_EOF_CHECK, NULL)
			  : NULL;
	cmd = json_string_value(json_object_get(rq, "cmd"));
	if (cmd != NULL && strcmp(cmd, "dump") == 0) {
		size_t len;
		char *text = owners_dump(t->store, &len, NULL), health[300];
		const char *h = owners_health(t->store, health, sizeof health);

		buf_printf(&out, "ok %s\n", h != NULL ? h : "ownership can be judged");
		if (text != NULL)
			buf_add(&out, text, len);
		free(text);
	} else if (cmd != NULL && strcmp(cmd, "set") == 0) {
		control_set(t, rq, &out);
	} else {
		buf_adds(&out, "error unknown command (dump, set)\n");
	}
reply:
	for (size_t off = 0; !out.oom && off < out.len;) {
		ssize_t n = send(fd, out.p + off, out.len - off, MSG_NOSIGNAL);

		if (n <= 0)
			break;
		off += (size_t)n;
	}
done:
	json_decref(rq);
	buf_free(&in);
	buf_free(&out);
	close(fd);
}

static int control_socket(struct tenancy *t, char *why, size_t whysz)
{
	struct sockaddr_un sa;
	mode_t old;
	int fd;

	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	tenancy_control_path(t->dir, sa.sun_path, sizeof sa.sun_path);
	if (strlen(sa.sun_path) + 1 >= sizeof sa.sun_path) {
		snprintf(why, whysz, "%s: path too long for a socket", t->dir);
		return -1;
	}
	/* the lock is ours: a socket left there is a dead daemon's */
	unlinkat(t->dirfd, "control.sock", 0);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	old = umask(0177);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
	    listen(fd, 8) < 0) {
		umask(old);
		snprintf(why, whysz, "%s: %s", sa.sun_path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	umask(old);
	return fd;
}

/* The threads of ownership give way to the pool's, as the reload does. */
static void background(void)
{
	(void)setpriority(PRIO_PROCESS, (id_t)gettid(), TENANCY_NICE);
}

static void *service(void *arg)
{
	struct tenancy *t = arg;

	background();
	for (;;) {
		struct pollfd p[2] = {{t->stop[0], POLLIN, 0},
				      {t->ctlfd, POLLIN, 0}};

		if (poll(p, t->ctlfd >= 0 ? 2 : 1, SAVE_EVERY_MS) < 0 &&
		    errno != EINTR)
			break;
		if (p[0].revents & POLLIN)
			break;
		if (t->ctlfd >= 0 && (p[1].revents & POLLIN))
			control(t);
		save(t, false);
		owners_expire(t->store, now_ms());
	}
	return NULL;
}

/* --- following dockerd ------------------------------------------------------ */

struct follow_ctx {
	struct tenancy *t;
	struct dockerc d;
	unsigned long long seen0;
	unsigned need;
	bool listed;
	bool reached; /* dockerd answered the events request */
	char why[600];
};

static int list_kind(struct follow_ctx *c, enum own_kind k)
{
	uint64_t since = owners_clock(c->t->store);
	char *body = NULL;
	size_t len;
	int status;
	long gone;
	struct cnz_err err;

	if (dockerc_get(&c->d, follow_list_path(k), LIST_TIMEOUT_MS, &status,
			&body, &len, c->why, sizeof c->why) < 0)
		return -1;
	if (status != 200) {
		snprintf(c->why, sizeof c->why, "dockerd answered %d to %s",
			 status, follow_list_path(k));
		free(body);
		return -1;
	}
	gone = follow_list(c->t->store, k, body, len, since, &err);
	if (gone < 0)
		text_join(c->why, sizeof c->why, err.msg, NULL);
	free(body);
	if (gone > 0)
		say(c->t, "info",
		    "ownership: forgot %ld %s(s) dockerd no longer has", gone,
		    owners_kind_name(k));
	return gone < 0 ? -1 : 0;
}

static int on_connected(void *arg)
{
	static const enum own_kind kinds[] = {OWN_CONTAINER, OWN_NETWORK,
					      OWN_VOLUME, OWN_TAG};
	struct follow_ctx *c = arg;
	size_t n[4], owned[4];

	c->reached = true;
	for (size_t i = 0; i < 4; i++)
		if (list_kind(c, kinds[i]) < 0)
			return -1;
	/* dockerd asked us about our own requests: it is our dockerd */
	if (atomic_load(&c->t->self_seen) == c->seen0) {
		snprintf(c->why, sizeof c->why,
			 "the dockerd at %s does not ask this cnauthz about its calls: "
			 "--docker-socket must name the dockerd that uses this plugin",
			 c->t->docker_socket);
		return -1;
	}
	for (size_t i = 0; i < 4; i++)
		n[i] = owners_count(c->t->store, kinds[i], &owned[i]);
	owners_fault(c->t->store, OWN_FAULT_UNLISTED, NULL);
	c->listed = true;
	say(c->t, "info",
	    "ownership: following dockerd at %s: %zu containers (%zu owned), %zu networks (%zu), %zu volumes (%zu), %zu image tags (%zu)",
	    c->t->docker_socket, n[0], owned[0], n[1], owned[1], n[2],
	    owned[2], n[3], owned[3]);
	return 0;
}

static int on_event(void *arg, const char *line, size_t len)
{
	struct follow_ctx *c = arg;
	struct cnz_err err;

	if (line != NULL) {
		if (follow_event(c->t->store, line, len, &c->need, &err) < 0)
			say(c->t, "warning", "ownership: %.299s", err.msg);
		return 0;
	}
	/* the end of what arrived together: the listings it asked for */
	if ((c->need & FOLLOW_RELIST_VOLUMES) && list_kind(c, OWN_VOLUME) < 0)
		return -1;
	if ((c->need & FOLLOW_RELIST_IMAGES) && list_kind(c, OWN_TAG) < 0)
		return -1;
	c->need = 0;
	return 0;
}

static void *follower(void *arg)
{
	struct tenancy *t = arg;
	struct follow_ctx c;
	char last[600] = "";
	int backoff = 200;

	background();
	memset(&c, 0, sizeof c);
	c.t = t;
	c.d.socket_path = t->docker_socket;
	c.d.token = t->token;
	c.d.stop_fd = t->stop[0];
	while (!stopping(t)) {
		char reason[700];

		c.seen0 = atomic_load(&t->self_seen);
		c.why[0] = '\0';
		c.need = 0;
		c.reached = false;
		dockerc_stream(&c.d, FOLLOW_EVENTS_PATH, on_event, on_connected,
			       &c, c.why, sizeof c.why);
		if (stopping(t))
			break;
		atomic_store(&t->unreachable, !c.listed && !c.reached);
		if (c.listed) {
			/* keep what is known; the next listing corrects it */
			say(t, "warning",
			    "ownership: lost dockerd's events (%s); following again",
			    c.why);
			c.listed = false;
			backoff = 200;
			strcpy(last, "");
		} else {
			snprintf(reason, sizeof reason,
				 "cnauthz has not listed dockerd's objects (%s)",
				 c.why[0] ? c.why : "no answer");
			if (owners_faults(t->store) & OWN_FAULT_UNLISTED)
				owners_fault(t->store, OWN_FAULT_UNLISTED, reason);
			if (strcmp(last, c.why) != 0)
				say(t, "warning", "ownership: %s; trying again",
				    reason);
			snprintf(last, sizeof last, "%s", c.why);
		}
		if (!nap(t, backoff))
			break;
		backoff = backoff < 1000 ? backoff * 2 : 1000;
	}
	return NULL;
}

/* --- life ------------------------------------------------------------------- */

struct tenancy *tenancy_start(const struct tenancy_opts *o)
{
	struct tenancy *t = calloc(1, sizeof *t);
	unsigned char rnd[32];
	char why[600], unlisted[600];
	int rc;

	if (t == NULL) {
		if (o->notice != NULL)
			o->notice(o->notice_arg, "error", "out of memory");
		return NULL;
	}
	t->dirfd = t->lockfd = t->ctlfd = t->stop[0] = t->stop[1] = -1;
	t->wake[0] = t->wake[1] = -1;
	t->notice = o->notice;
	t->notice_arg = o->notice_arg;
	atomic_init(&t->self_seen, 0);
	atomic_init(&t->last_wake, 0);
	atomic_init(&t->unreachable, true);
	t->dir = strdup(o->state_dir);
	t->docker_socket = strdup(o->docker_socket);
	t->store = owners_new();
	if (t->dir == NULL || t->docker_socket == NULL || t->store == NULL ||
	    pipe2(t->stop, O_CLOEXEC) < 0 ||
	    pipe2(t->wake, O_CLOEXEC | O_NONBLOCK) < 0) {
		say(t, "error", "out of memory");
		goto fail;
	}
	if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd) {
		say(t, "error", "getrandom: %s", strerror(errno));
		goto fail;
	}
	text_hex(rnd, sizeof rnd, t->token);
	snprintf(unlisted, sizeof unlisted,
		 "cnauthz has not listed dockerd's objects yet (dockerd at %s)",
		 t->docker_socket);
	owners_fault(t->store, OWN_FAULT_UNLISTED, unlisted);

	t->dirfd = ownfile_dir(t->dir, true, o->insecure, why, sizeof why);
	if (t->dirfd < 0) {
		t->read_broken = true;
		owners_fault(t->store, OWN_FAULT_READ, why);
		say(t, "error", "ownership: %s; object-scoped calls of CNs under the owner module are denied", why);
	} else {
		/* read-only: flock needs no more, and nothing stays open
		 * for writing in the directory between saves */
		t->lockfd = openat(t->dirfd, "lock",
				   O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (t->lockfd < 0 || flock(t->lockfd, LOCK_EX | LOCK_NB) < 0) {
			/* never two writers of one file: this one judges no
			 * ownership, and says so, rather than not start */
			snprintf(why, sizeof why, "%s: %s", t->dir,
				 errno == EWOULDBLOCK
					 ? "another cnauthz uses this state directory"
					 : strerror(errno));
			t->read_broken = true;
			owners_fault(t->store, OWN_FAULT_READ, why);
			say(t, "error",
			    "ownership: %s; object-scoped calls of CNs under the owner module are denied",
			    why);
			goto serve;
		}
		rc = ownfile_load(t->dirfd, t->dir, t->store, false, why,
				  sizeof why);
		if (rc < 0) {
			t->read_broken = true;
			owners_fault(t->store, OWN_FAULT_READ, why);
			say(t, "error",
			    "ownership: %s; object-scoped calls of CNs under the owner module are denied until it is fixed (or moved away) and cnauthz restarted",
			    why);
		} else if (rc == 0) {
			say(t, "info", "ownership: no %s/%s yet: every object dockerd has is unowned",
			    t->dir, OWNFILE_NAME);
		} else {
			say(t, "info", "ownership: read %s/%s", t->dir,
			    OWNFILE_NAME);
		}
		t->saved = owners_changes(t->store);
		t->ctlfd = control_socket(t, why, sizeof why);
		if (t->ctlfd < 0)
			say(t, "warning",
			    "ownership: no control socket (cnauthz owners set will not work): %s",
			    why);
	}
serve:
	if (pthread_create(&t->service, NULL, service, t) != 0) {
		say(t, "error", "ownership: cannot start a thread");
		goto fail;
	}
	t->serving = true;
	return t;
fail:
	tenancy_stop(t);
	return NULL;
}

int tenancy_follow(struct tenancy *t)
{
	if (t == NULL || t->following)
		return 0;
	if (pthread_create(&t->follower, NULL, follower, t) != 0) {
		say(t, "error", "ownership: cannot start following dockerd");
		return -1;
	}
	t->following = true;
	return 0;
}

void tenancy_stop(struct tenancy *t)
{
	char path[4096];

	if (t == NULL)
		return;
	if (t->stop[1] >= 0)
		(void)!write(t->stop[1], "x", 1);
	if (t->following)
		pthread_join(t->follower, NULL);
	if (t->serving)
		pthread_join(t->service, NULL);
	if (t->store != NULL)
		save(t, true);
	if (t->ctlfd >= 0) {
		close(t->ctlfd);
		if (t->dir != NULL)
			unlink(tenancy_control_path(t->dir, path, sizeof path));
	}
	if (t->lockfd >= 0)
		close(t->lockfd);
	if (t->dirfd >= 0)
		close(t->dirfd);
	for (int i = 0; i < 2; i++) {
		if (t->stop[i] >= 0)
			close(t->stop[i]);
		if (t->wake[i] >= 0)
			close(t->wake[i]);
	}
	owners_free(t->store);
	free(t->dir);
	free(t->docker_socket);
	free(t);
}
