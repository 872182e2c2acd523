/* daemon.c - see daemon.h */
#include "daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <limits.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "config.h"
#include "guard.h"
#include "metrics.h"
#include "metricsrv.h"
#include "idcache.h"
#include "decide.h"
#include "dlog.h"
#include "options.h"
#include "request.h"
#include "ruleset_holder.h"
#include "ruleset.h"
#include "server.h"
#include "tenancy.h"
#include "text.h"
#include "gitlock.h"
#include "watch.h"

/* The nice value of the thread that reloads (see main). */
#define RELOAD_NICE 10

struct daemon {
	struct options opt;
	struct ruleset_holder *rules;
	struct audit *audit; /* NULL: no --audit */
	struct server *server;
	struct watch *watch; /* NULL: --no-watch */
	struct guard *guard; /* the deadline of loaded modules */
	struct idcache *ids; /* certificates already parsed */
	struct dlog *log;    /* stderr, with priorities for the journal */
	struct metrics *metrics;  /* NULL: no --metrics */
	struct metricsrv *msrv;
	struct tenancy *tenancy; /* who owns what; NULL: --no-ownership */
};

static void reply_json(struct buf *reply, const struct decision *d)
{
	buf_adds(reply, d->allow ? "{\"Allow\":true,\"Msg\":"
				 : "{\"Allow\":false,\"Msg\":");
	buf_add_json_str(reply, d->msg, strlen(d->msg));
	buf_adds(reply, "}");
}

static void audit_notice(void *arg, const char *level, const char *msg)
{
	const struct daemon *dm = arg;

	dlog(dm->log, dlog_level_of(level), "%s", msg);
}

/* No decision without a record: when the audit trail cannot be written,
 * the request is denied, unless --audit-failure=allow. */
static void audit(struct daemon *dm, enum server_call call,
		  struct decision *d)
{
	char why[512];

	if (dm->audit == NULL ||
	    audit_record(dm->audit, call, d, why, sizeof why) == 0)
		return;
	metrics_audit_failure(dm->metrics);
	if (dm->opt.audit_fail_open) {
		dlog(dm->log, DLOG_ERROR,
		     "audit trail not written (%s); %s %s %s %s answered %s anyway (--audit-failure=allow): %s",
		     why, call == SERVER_AUTHZ_REQ ? "AuthZReq" : "AuthZRes",
		     d->who, d->method, d->path, d->allow ? "allow" : "deny",
		     d->msg);
		return;
	}
	d->allow = false;
	snprintf(d->msg, sizeof d->msg,
		 "cnauthz: audit trail cannot be written (%s); request denied (fail closed)",
		 why);
}

static unsigned handle(void *arg, enum server_call call, const char *body,
		       size_t len, struct buf *reply)
{
	struct daemon *dm = arg;
	struct ruleset *rs = ruleset_holder_get(dm->rules);
	struct decide_opts o = {.cache = dm->ids, .digest = dm->audit != NULL,
				.owners = tenancy_owners(dm->tenancy),
				.response = call == SERVER_AUTHZ_RES,
				.no_facts = dm->audit == NULL,
				.hooks = dm->tenancy ? &tenancy_hooks : NULL,
				.hooks_arg = dm->tenancy};
	struct decision d;
	struct timespec t0, t1;
	struct metrics_shard *ms = NULL;

	if (dm->metrics != NULL) {
		ms = metrics_begin(dm->metrics);
		clock_gettime(CLOCK_MONOTONIC, &t0);
	}
	decide(rs, body, len, &o, &d);
	ruleset_unref(rs);
	audit(dm, call, &d);
	if (ms != NULL) {
		clock_gettime(CLOCK_MONOTONIC, &t1);
		metrics_end(dm->metrics, ms, &d,
			    (uint64_t)(t1.tv_sec - t0.tv_sec) * 1000000000u +
				    (uint64_t)t1.tv_nsec - (uint64_t)t0.tv_nsec);
	}
	reply_json(reply, &d);
	if (!d.allow || dm->opt.verbose > 0)
		dlog(dm->log, d.allow ? DLOG_ALLOW : DLOG_DENY, "%s %s %s %s: %s",
		     call == SERVER_AUTHZ_REQ ? "AuthZReq" : "AuthZRes",
		     d.who, d.method, d.path, d.msg);
	decision_clear(&d);
	if (reply->oom)
		return 500;
	return 200;
}

/* The set in force's hash and version, for the metrics' info line. */
static int current_hash(void *arg, char *out, char *version)
{
	struct daemon *dm = arg;
	struct ruleset *rs = ruleset_holder_get(dm->rules);

	text_join(out, 65, ruleset_hash(rs), NULL);
	text_join(version, 65, ruleset_version(rs), NULL);
	ruleset_unref(rs);
	return 0;
}

/* ", version V" after a set's hash in the log, when it has one */
#define VERSION_ARGS(rs)                                                    \
	ruleset_version(rs)[0] ? ", version " : "", ruleset_version(rs)

/* Watches the files the set's modules read (a CRL), so that one
 * replaced is reloaded like a rule file. */
static void watch_deps(struct daemon *dm, const struct ruleset *rs)
{
	const char *v[RULESET_MAX_DEPS];
	size_t n = ruleset_ndeps(rs);

	if (dm->watch == NULL)
		return;
	for (size_t i = 0; i < n && i < RULESET_MAX_DEPS; i++)
		v[i] = ruleset_dep(rs, i);
	if (watch_files(dm->watch, v, n) < 0)
		dlog(dm->log, DLOG_WARNING,
		     "a file the rules name cannot be watched: a change of it needs a reload (SIGHUP)");
}

/* The names skipped and the files with errors, at start and at every
 * reload alike. */
static void report(const struct daemon *dm, const struct ruleset *rs)
{
	for (size_t i = 0; i < ruleset_nwarnings(rs); i++)
		dlog(dm->log, DLOG_WARNING, "%s", ruleset_warning(rs, i));
	for (size_t i = 0; i < ruleset_nerrors(rs); i++)
		dlog(dm->log, DLOG_ERROR,
		     "%s (this file's CN is denied everything)",
		     ruleset_error(rs, i));
}

/*
 * A reload does what a start does: the set in force is what the directory
 * holds, and a file with an error denies its own CN everything (and the
 * CNs whose files include it), as at start; every other change takes
 * effect. Keeping the old set instead would keep every other change out -
 * a file removed or tightened to take access away among them - for as
 * long as one file anywhere is broken. Only a directory that cannot be
 * read (or is refused) leaves the old set in force.
 */
static void reload(struct daemon *dm)
{
	struct cnz_err err;
	char buf[1024];
	struct ruleset *rs = ruleset_load(dm->opt.rules_dir, &dm->opt.load,
					  &err);
	struct ruleset *old;
	bool large;

	if (rs == NULL) {
		dlog(dm->log, DLOG_ERROR,
		     "reload failed, old rules stay in force: %s",
		     cnz_err_str(&err, buf, sizeof buf));
		metrics_reload(dm->metrics, false);
		return;
	}
	report(dm, rs);
	if (ruleset_nerrors(rs) > 0)
		dlog(dm->log, DLOG_ERROR,
		     "reloaded %zu rule file(s) from %s, set %.12s%s%s: %zu file(s) with errors, their CNs are denied everything",
		     ruleset_nfiles(rs), dm->opt.rules_dir, ruleset_hash(rs),
		     VERSION_ARGS(rs), ruleset_nerrors(rs));
	else
		dlog(dm->log, DLOG_INFO,
		     "reloaded %zu rule file(s) from %s, set %.12s%s%s",
		     ruleset_nfiles(rs), dm->opt.rules_dir, ruleset_hash(rs),
		     VERSION_ARGS(rs));
	old = ruleset_holder_get(dm->rules);
	large = ruleset_is_large(rs) || ruleset_is_large(old);
	ruleset_unref(old);
	watch_deps(dm, rs);
	ruleset_holder_swap(dm->rules, rs);
	metrics_reload(dm->metrics, true);
	/* the old set is freed once its last request is done; its pages go
	 * back at the next large load's trim, or now if it already was
	 * (ruleset_load says why only large ones) */
	if (large)
		malloc_trim(0);
}

/*
 * The socket's directory. Made (mkdir -p, 0755 as dockerd makes it) only
 * under /run, where /run/docker/plugins may not exist yet early at boot;
 * anywhere else a missing directory is more likely a typo than a wish,
 * and cnauthz runs as root: it says so instead. -1 with why.
 */
static int make_parent(const char *path, char *why, size_t whysz)
{
	char dir[PATH_MAX];
	char *slash;
	struct stat st;

	if (snprintf(dir, sizeof dir, "%s", path) >= (int)sizeof dir) {
		snprintf(why, whysz, "the path is too long");
		return -1;
	}
	slash = strrchr(dir, '/');
	if (slash == NULL || slash == dir)
		return 0;
	*slash = '\0';
	if (stat(dir, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return 0;
		snprintf(why, whysz, "%s is not a directory", dir);
		return -1;
	}
	if (strncmp(dir, "/run/", 5) != 0 || strstr(dir, "/..") != NULL ||
	    strstr(dir, "/./") != NULL || strstr(dir, "//") != NULL) {
		snprintf(why, whysz,
			 "its directory %s does not exist (cnauthz makes missing directories only under /run)",
			 dir);
		return -1;
	}
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			goto fail;
		*p = '/';
	}
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		goto fail;
	return 0;
fail:
	snprintf(why, whysz, "cannot make %s: %s", dir, strerror(errno));
	return -1;
}

/* The pid, for logrotate's postrotate (kill -USR1). */
static int write_pidfile(const char *path)
{
	char line[32];
	int fd, n, rc = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
		  0644);
	if (fd < 0)
		return -1;
	n = snprintf(line, sizeof line, "%ld\n", (long)getpid());
	if (write(fd, line, (size_t)n) != n)
		rc = -1;
	if (close(fd) < 0)
		rc = -1;
	return rc;
}

/*
 * The listening socket systemd passed (socket activation): fd 3 when
 * LISTEN_PID is this process and LISTEN_FDS is 1. Returns it, -1 when
 * none was passed, -2 (logged) when what was passed is unusable.
 */
static int activation_socket(const struct daemon *dm, char *path,
			     size_t pathsz)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	struct sockaddr_un sa;
	socklen_t len = sizeof sa;
	int type = 0, acc = 0;
	socklen_t il = sizeof(int);

	if (pid == NULL || fds == NULL || strtol(pid, NULL, 10) != getpid())
		return -1;
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	if (strcmp(fds, "1") != 0) {
		dlog(dm->log, DLOG_ERROR, "socket activation passed %s sockets; cnauthz takes exactly one", fds);
		return -2;
	}
	memset(&sa, 0, sizeof sa);
	if (getsockopt(3, SOL_SOCKET, SO_TYPE, &type, &il) < 0 ||
	    type != SOCK_STREAM ||
	    getsockopt(3, SOL_SOCKET, SO_ACCEPTCONN, &acc, &il) < 0 || !acc ||
	    getsockname(3, (struct sockaddr *)&sa, &len) < 0 ||
	    sa.sun_family != AF_UNIX) {
		dlog(dm->log, DLOG_ERROR, "socket activation: fd 3 is not a listening unix stream socket");
		return -2;
	}
	fcntl(3, F_SETFD, FD_CLOEXEC);
	snprintf(path, pathsz, "%s", sa.sun_path[0] ? sa.sun_path : "(abstract)");
	return 3;
}

/* Whether git holds the index lock of the work tree the rules are in
 * (gitlock.h): a reload then waits, said once, and again each 30 s. */
static bool git_busy(struct daemon *dm, int *waited)
{
	if (!gitlock_held(dm->opt.rules_dir)) {
		if (*waited > 0)
			dlog(dm->log, DLOG_INFO, "git is done with %s: reloading",
			     dm->opt.rules_dir);
		*waited = 0;
		return false;
	}
	if (*waited == 0)
		dlog(dm->log, DLOG_INFO,
		     "git is updating %s (its index lock is held): the reload waits",
		     dm->opt.rules_dir);
	else if (*waited % 30000 == 0)
		dlog(dm->log, DLOG_WARNING,
		     "git's index lock for %s held for %d s: a git that died? the reload waits until it is gone",
		     dm->opt.rules_dir, *waited / 1000);
	*waited += 200;
	return true;
}

/* Waits for signals and changes in the rules directory; reloads after a
 * change once the directory has been quiet for a moment (an editor's
 * write-then-rename is one change, not two). Returns on SIGINT/SIGTERM. */
static void run(struct daemon *dm, int sfd)
{
	char buf[1024];
	int pending = 0; /* ms until a reload is due; 0: none */
	char what[PATH_MAX] = ""; /* a file the rules name, changed */
	int gitwait = 0; /* ms a reload has waited for git's index lock */

	for (;;) {
		struct pollfd p[2] = {{sfd, POLLIN, 0}, {-1, POLLIN, 0}};
		struct signalfd_siginfo si;
		int n;

		int wait = pending > 0 ? pending : -1;

		if (dm->watch != NULL) {
			p[1].fd = watch_fd(dm->watch);
			/* the directory is gone: look for it each second */
			if (!watch_armed(dm->watch) && wait < 0)
				wait = 1000;
		}
		n = poll(p, 2, wait);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0 && pending == 0) {
			if (watch_rearm(dm->watch))
				pending = 1; /* it is back: reload it */
			continue;
		}
		if (n == 0 && git_busy(dm, &gitwait)) {
			pending = 200; /* git is still writing: not half */
			continue;
		}
		if (n == 0) { /* quiet since the last change */
			pending = 0;
			if (what[0] != '\0')
				dlog(dm->log, DLOG_INFO, "%s changed: reloading", what);
			else
				dlog(dm->log, DLOG_INFO, "rules directory changed: reloading");
			what[0] = '\0';
			reload(dm);
			continue;
		}
		if (p[1].revents & POLLIN) {
			if (watch_drain(dm->watch)) {
				pending = 200;
				if (watch_last_file(dm->watch) != NULL)
					snprintf(what, sizeof what, "%s",
						 watch_last_file(dm->watch));
			}
		}
		if (!(p[0].revents & POLLIN) ||
		    read(sfd, &si, sizeof si) != (ssize_t)sizeof si)
			continue;
		if (si.ssi_signo == SIGHUP) {
			if (git_busy(dm, &gitwait))
				pending = 200; /* once git is done */
			else
				reload(dm);
			continue;
		}
		if (si.ssi_signo == SIGUSR1) {
			if (dm->audit != NULL &&
			    audit_reopen(dm->audit, buf, sizeof buf) < 0)
				dlog(dm->log, DLOG_ERROR, "audit: %s", buf);
			else if (dm->audit != NULL)
				dlog(dm->log, DLOG_INFO, "audit files reopened at seq %llu",
				     (unsigned long long)audit_seq(dm->audit));
			continue;
		}
		dlog(dm->log, DLOG_INFO, "%s: stopping", strsignal((int)si.ssi_signo));
		return;
	}
}

int daemon_main(int argc, char **argv)
{
	struct daemon dm;
	struct server_opts so;
	struct ruleset *rs;
	struct cnz_err err;
	char buf[1024];
	sigset_t set;
	int status = 1, sfd = -1, lfd;
	char where[128], sockwhy[PATH_MAX + 200];

	memset(&dm, 0, sizeof dm);
	if (options_parse(argc, argv, &dm.opt) < 0)
		return 2;
	dm.log = dlog_new(STDERR_FILENO); /* NULL: plain lines on stderr */
	/*
	 * Fixed allocator thresholds, so a request's cost does not depend
	 * on the ones before it. glibc's defaults move: blocks from 128 KiB
	 * are mapped fresh (and unmapped at free) until one is freed, which
	 * raises the threshold, and with it the one for giving a thread
	 * arena's free top back to the kernel, so a large create's cost
	 * depended on what came before (page faults, madvise, sysmalloc in
	 * the profile). Blocks under 4 MiB
	 * (every envelope dockerd sends: its bodies stop at 1 MiB) now come
	 * from the arenas, whose free memory is kept up to 8 MiB each: the
	 * worker threads' buffers keep their capacity. A large reload's
	 * malloc_trim still gives everything back.
	 */
	mallopt(M_MMAP_THRESHOLD, 4 * 1024 * 1024);
	mallopt(M_TRIM_THRESHOLD, 8 * 1024 * 1024);
	if (dm.opt.load.insecure_permissions)
		dlog(dm.log, DLOG_WARNING,
		     "--insecure-permissions: rule files and modules are trusted whoever can write them; for tests only");

	dm.guard = guard_new(dm.opt.eval_timeout);
	dm.ids = idcache_new(IDCACHE_DEFAULT);
	if (dm.guard == NULL || dm.ids == NULL) {
		dlog(dm.log, DLOG_ERROR, "out of memory");
		goto out;
	}
	dm.opt.load.guard = dm.guard;
	rs = ruleset_load(dm.opt.rules_dir, &dm.opt.load, &err);
	if (rs == NULL) {
		struct stat st;

		dlog(dm.log, DLOG_ERROR, "%s", cnz_err_str(&err, buf, sizeof buf));
		if (stat(dm.opt.rules_dir, &st) < 0 && errno == ENOENT)
			dlog(dm.log, DLOG_INFO,
			     "give --rules DIR: make run serves the repository's rules/, make install puts the shipped rules in %s",
			     CNAUTHZ_RULES_DIR);
		goto out;
	}
	report(&dm, rs);
	dm.rules = ruleset_holder_new(rs);
	if (dm.rules == NULL) {
		ruleset_unref(rs);
		dlog(dm.log, DLOG_ERROR, "out of memory");
		goto out;
	}
	if (dm.opt.naudit > 0) {
		struct audit_opts ao;

		memset(&ao, 0, sizeof ao);
		ao.sinks = dm.opt.audit;
		ao.nsinks = dm.opt.naudit;
		ao.fail_open = dm.opt.audit_fail_open;
		ao.notice = audit_notice;
		ao.notice_arg = &dm;
		dm.audit = audit_open(&ao, &err);
		if (dm.audit == NULL) {
			dlog(dm.log, DLOG_ERROR, "%s", cnz_err_str(&err, buf, sizeof buf));
			goto out;
		}
	}

	/* Signals are taken synchronously by this thread; the workers that
	 * MHD starts inherit the blocked mask. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sfd < 0) {
		dlog(dm.log, DLOG_ERROR, "signalfd: %s", strerror(errno));
		goto out;
	}
	signal(SIGPIPE, SIG_IGN);
	/* A file size limit makes write() fail with EFBIG, which the audit
	 * handles, rather than kill the daemon. */
	signal(SIGXFSZ, SIG_IGN);

	/* ownership's threads, started with the signals blocked, as the
	 * pool's are */
	if (!dm.opt.no_ownership) {
		struct tenancy_opts to = {
			.state_dir = dm.opt.state_dir,
			.docker_socket = dm.opt.docker_socket,
			.insecure = dm.opt.load.insecure_permissions,
			.notice = audit_notice,
			.notice_arg = &dm,
		};

		dm.tenancy = tenancy_start(&to); /* says why it could not */
		if (dm.tenancy == NULL)
			goto out;
	}

	lfd = activation_socket(&dm, where, sizeof where);
	if (lfd == -2)
		goto out;
	if (lfd < 0 &&
	    make_parent(dm.opt.socket_path, sockwhy, sizeof sockwhy) < 0) {
		dlog(dm.log, DLOG_ERROR, "--socket %s: %s", dm.opt.socket_path,
		     sockwhy);
		goto out;
	}
	if (!dm.opt.no_watch) {
		dm.watch = watch_new(dm.opt.rules_dir, &err);
		if (dm.watch == NULL) {
			dlog(dm.log, DLOG_WARNING, "%s (reload with SIGHUP)",
			     cnz_err_str(&err, buf, sizeof buf));
		} else {
			struct ruleset *cur = ruleset_holder_get(dm.rules);

			watch_deps(&dm, cur);
			ruleset_unref(cur);
		}
	}
	if (dm.opt.metrics != NULL) {
		dm.metrics = metrics_new(dm.opt.metrics_cn_label);
		if (dm.metrics == NULL) {
			dlog(dm.log, DLOG_ERROR, "out of memory");
			goto out;
		}
		dm.msrv = metricsrv_start(dm.opt.metrics, dm.metrics,
					  current_hash, &dm, &err);
		if (dm.msrv == NULL) {
			dlog(dm.log, DLOG_ERROR, "%s", cnz_err_str(&err, buf, sizeof buf));
			goto out;
		}
		dlog(dm.log, DLOG_INFO, "metrics at http://%s/metrics%s",
		     dm.opt.metrics,
		     dm.opt.metrics_cn_label ? " (by CN too)" : "");
	}
	memset(&so, 0, sizeof so);
	so.socket_path = dm.opt.socket_path;
	so.listen_fd = lfd;
	so.threads = dm.opt.threads;
	so.max_body = dm.opt.max_body;
	so.conn_limit = dm.opt.conn_limit;
	so.conn_timeout = dm.opt.timeout;
	so.mode = dm.opt.mode;
	so.key = request_user_hint; /* heavy calls take turns by CN */
	dm.server = server_start(&so, handle, &dm, &err);
	if (dm.server == NULL) {
		dlog(dm.log, DLOG_ERROR, "%s", cnz_err_str(&err, buf, sizeof buf));
		goto out;
	}
	if (tenancy_follow(dm.tenancy) < 0) /* says why */
		goto out;
	rs = ruleset_holder_get(dm.rules);
	dlog(dm.log, DLOG_INFO, "serving %zu rule file(s) from %s (set %.12s%s%s) on %s%s",
	     ruleset_nfiles(rs), dm.opt.rules_dir, ruleset_hash(rs),
	     VERSION_ARGS(rs),
	     lfd >= 0 ? where : dm.opt.socket_path,
	     lfd >= 0 ? " (socket activation)" : "");
	ruleset_unref(rs);
	for (size_t i = 0; i < dm.opt.naudit; i++)
		dlog(dm.log, DLOG_INFO, "audit trail to %s%s", dm.opt.audit[i],
		     dm.opt.audit_fail_open ? " (--audit-failure=allow)" : "");
	if (dm.opt.pidfile != NULL && write_pidfile(dm.opt.pidfile) < 0) {
		dlog(dm.log, DLOG_ERROR, "%s: cannot write the pid file: %s",
		     dm.opt.pidfile, strerror(errno));
		goto out;
	}

	/* This thread only waits, reloads, reopens and stops; the pool's
	 * threads (started above, so they keep nice 0) answer dockerd. At
	 * nice 10 a reload's parsing gives way to them on a busy CPU, so it
	 * does not hold up requests, and still gets its share under full
	 * load. On Linux a thread id names that thread alone. */
	if (setpriority(PRIO_PROCESS, (id_t)gettid(), RELOAD_NICE) < 0)
		dlog(dm.log, DLOG_WARNING, "cannot lower the reload thread's priority: %s",
		     strerror(errno));
	run(&dm, sfd);
	status = 0;
out:
	server_stop(dm.server);
	metricsrv_stop(dm.msrv);
	metrics_free(dm.metrics);
	tenancy_stop(dm.tenancy);
	if (dm.opt.pidfile != NULL && dm.server != NULL)
		unlink(dm.opt.pidfile);
	audit_close(dm.audit);
	watch_free(dm.watch);
	ruleset_holder_free(dm.rules);
	guard_free(dm.guard);
	idcache_free(dm.ids);
	if (sfd >= 0)
		close(sfd);
	dlog_free(dm.log);
	return status;
}
