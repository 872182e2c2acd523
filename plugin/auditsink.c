/* auditsink.c - see auditsink.h */
#include "auditsink.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#define SYSLOG_TIMEOUT_MS 2000   /* a syslog daemon that stalls: a failure */

enum sink_kind { SINK_FILE, SINK_SYSLOG, SINK_STDOUT };

struct sink {
	enum sink_kind kind;
	char spec[300];      /* as given, for messages */
	char path[256];      /* file, or syslog socket */
	int fd;
	int facility;        /* syslog */
	struct sockaddr_un sun;
	socklen_t sunlen;
	bool failing;        /* the last record did not reach it */
	uint64_t missed;     /* records it missed while failing */
};

struct audit_sinks {
	struct buf msg;      /* a syslog datagram */
	char host[256];      /* RFC 5424 HOSTNAME */
	long pid;
	void (*notice)(void *arg, const char *level, const char *msg);
	void *notice_arg;
	size_t n;
	struct sink v[];
};

void audit_time(struct buf *b, const struct timespec *ts)
{
	struct tm tm;
	char t[48];

	gmtime_r(&ts->tv_sec, &tm);
	strftime(t, sizeof t, "%Y-%m-%dT%H:%M:%S", &tm);
	buf_printf(b, "%s.%06ldZ", t, ts->tv_nsec / 1000);
}

static const struct {
	const char *name;
	int code;
} facilities[] = {
	{"kern", 0},	 {"user", 1},	  {"mail", 2},	   {"daemon", 3},
	{"auth", 4},	 {"syslog", 5},	  {"lpr", 6},	   {"news", 7},
	{"uucp", 8},	 {"cron", 9},	  {"authpriv", 10}, {"ftp", 11},
	{"local0", 16}, {"local1", 17}, {"local2", 18},  {"local3", 19},
	{"local4", 20}, {"local5", 21}, {"local6", 22},  {"local7", 23},
};

static int open_file(const char *path)
{
	return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY,
		    0600);
}

static int sink_parse(struct sink *s, const char *spec, int stdout_fd,
		      struct cnz_err *err)
{
	const char *p;

	memset(s, 0, sizeof *s);
	s->fd = -1;
	if (snprintf(s->spec, sizeof s->spec, "%s", spec) >=
	    (int)sizeof s->spec) {
		cnz_err_set(err, NULL, 0, 0, "--audit %.40s...: too long", spec);
		return -1;
	}
	if (strcmp(spec, "stdout") == 0) {
		s->kind = SINK_STDOUT;
		s->fd = stdout_fd;
		return 0;
	}
	if (strncmp(spec, "file:", 5) == 0) {
		s->kind = SINK_FILE;
		p = spec + 5;
		if (p[0] != '/') {
			cnz_err_set(err, NULL, 0, 0,
				    "--audit %s: the file must be an absolute path (the daemon may chdir)",
				    spec);
			return -1;
		}
		if (snprintf(s->path, sizeof s->path, "%s", p) >=
		    (int)sizeof s->path) {
			cnz_err_set(err, NULL, 0, 0, "--audit %s: path too long",
				    spec);
			return -1;
		}
		s->fd = open_file(s->path);
		if (s->fd < 0) {
			cnz_err_set(err, s->path, 0, 0, "cannot open audit file: %s",
				    strerror(errno));
			return -1;
		}
		return 0;
	}
	if (strcmp(spec, "syslog") == 0 || strncmp(spec, "syslog:", 7) == 0 ||
	    strncmp(spec, "syslog@", 7) == 0) {
		const char *at = strchr(spec, '@');
		char fac[32] = "daemon";
		size_t flen;
		struct timeval tv = {SYSLOG_TIMEOUT_MS / 1000,
				     (SYSLOG_TIMEOUT_MS % 1000) * 1000};

		s->kind = SINK_SYSLOG;
		p = spec + 6;
		if (*p == ':') {
			p++;
			flen = at != NULL ? (size_t)(at - p) : strlen(p);
			if (flen == 0 || flen >= sizeof fac) {
				cnz_err_set(err, NULL, 0, 0,
					    "--audit %s: bad facility", spec);
				return -1;
			}
			memcpy(fac, p, flen);
			fac[flen] = '\0';
		}
		s->facility = -1;
		for (size_t i = 0; i < sizeof facilities / sizeof facilities[0];
		     i++)
			if (strcmp(fac, facilities[i].name) == 0)
				s->facility = facilities[i].code;
		if (s->facility < 0) {
			cnz_err_set(err, NULL, 0, 0,
				    "--audit %s: unknown facility \"%s\" (daemon, auth, authpriv, local0..local7, ...)",
				    spec, fac);
			return -1;
		}
		snprintf(s->path, sizeof s->path, "%s",
			 at != NULL ? at + 1 : "/dev/log");
		if (s->path[0] != '/' ||
		    strlen(s->path) >= sizeof s->sun.sun_path) {
			cnz_err_set(err, NULL, 0, 0,
				    "--audit %s: the socket must be an absolute path shorter than %zu bytes",
				    spec, sizeof s->sun.sun_path);
			return -1;
		}
		s->sun.sun_family = AF_UNIX;
		memcpy(s->sun.sun_path, s->path, strlen(s->path) + 1);
		s->sunlen = (socklen_t)sizeof s->sun;
		/* Not connected: each record is sent to the path, so a
		 * restarted syslog daemon (a new socket) is found again. */
		s->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (s->fd < 0) {
			cnz_err_set(err, NULL, 0, 0, "--audit %s: socket: %s",
				    spec, strerror(errno));
			return -1;
		}
		(void)setsockopt(s->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
		return 0;
	}
	cnz_err_set(err, NULL, 0, 0,
		    "--audit %s: not a sink (file:/path, syslog[:facility][@/socket], stdout)",
		    spec);
	return -1;
}

/* Writes all of p, or nothing: a record cut short by a full disk is cut
 * off again, so the file never holds a torn line. */
static int write_all(struct sink *s, const char *p, size_t n, char *why,
		     size_t whysz)
{
	size_t done = 0;
	ssize_t w;
	struct stat st;
	int e;

	while (done < n) {
		w = write(s->fd, p + done, n - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			e = w < 0 ? errno : EIO;
			goto fail;
		}
		done += (size_t)w;
	}
	return 0;
fail:
	if (done > 0 && s->kind == SINK_FILE && fstat(s->fd, &st) == 0 &&
	    S_ISREG(st.st_mode) && st.st_size >= (off_t)done)
		(void)!ftruncate(s->fd, st.st_size - (off_t)done);
	snprintf(why, whysz, "%s: %s", s->spec, strerror(e));
	return -1;
}

/* "<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD MSG", RFC 5424. */
static void syslog_header(const struct audit_sinks *ss, struct buf *b,
			  int facility, int sev, const char *ts,
			  const char *msgid)
{
	buf_printf(b, "<%d>1 %s %s cnauthz %ld %s - ", facility * 8 + sev, ts,
		   ss->host, ss->pid, msgid);
}

/* A plain-text line to the syslog sinks that still work (not chained). */
static void syslog_note(struct audit_sinks *ss, int sev, const char *text)
{
	struct timespec now;
	struct buf t;

	clock_gettime(CLOCK_REALTIME, &now);
	buf_init(&t);
	audit_time(&t, &now);
	for (size_t i = 0; i < ss->n; i++) {
		struct sink *s = &ss->v[i];

		if (s->kind != SINK_SYSLOG || s->failing)
			continue;
		ss->msg.len = 0;
		syslog_header(ss, &ss->msg, s->facility, sev,
			      t.p != NULL ? t.p : "-", "audit");
		buf_adds(&ss->msg, text);
		if (!ss->msg.oom)
			(void)!sendto(s->fd, ss->msg.p, ss->msg.len,
				      MSG_NOSIGNAL,
				      (const struct sockaddr *)&s->sun,
				      s->sunlen);
	}
	buf_free(&t);
}

static void notice(struct audit_sinks *ss, const char *level, int sev,
		   const char *text)
{
	if (ss->notice != NULL)
		ss->notice(ss->notice_arg, level, text);
	syslog_note(ss, sev, text);
}

/* Sends the finished line (newline included) to one sink. */
static int sink_send(struct audit_sinks *ss, struct sink *s, const char *line,
		     size_t len, const char *ts, int sev, const char *msgid,
		     char *why, size_t whysz)
{
	ssize_t w;

	if (s->kind != SINK_SYSLOG)
		return write_all(s, line, len, why, whysz);
	ss->msg.len = 0;
	syslog_header(ss, &ss->msg, s->facility, sev, ts, msgid);
	buf_add(&ss->msg, line, len - 1); /* no newline */
	if (ss->msg.oom) {
		snprintf(why, whysz, "%s: out of memory", s->spec);
		return -1;
	}
	do
		w = sendto(s->fd, ss->msg.p, ss->msg.len, MSG_NOSIGNAL,
			   (const struct sockaddr *)&s->sun, s->sunlen);
	while (w < 0 && errno == EINTR);
	if (w == (ssize_t)ss->msg.len)
		return 0;
	snprintf(why, whysz, "%s: %s", s->spec,
		 w < 0 ? strerror(errno) : "datagram cut short");
	return -1;
}

size_t audit_sinks_send(struct audit_sinks *ss, const char *line, size_t len,
			const char *ts, enum audit_severity sev,
			const char *msgid, uint64_t seq, size_t *failed,
			char *why, size_t whysz)
{
	char text[600], one[400];
	size_t ok = 0;

	*failed = 0;
	for (size_t i = 0; i < ss->n; i++) {
		struct sink *s = &ss->v[i];

		if (sink_send(ss, s, line, len, ts, (int)sev, msgid, one,
			      sizeof one) == 0) {
			ok++;
			if (s->failing) {
				s->failing = false;
				snprintf(text, sizeof text,
					 "audit sink %s writes again (from seq %" PRIu64
					 "; %" PRIu64 " record(s) it did not take)",
					 s->spec, seq, s->missed);
				notice(ss, "info", AUDIT_SEV_NOTICE, text);
				s->missed = 0;
			}
			continue;
		}
		(*failed)++;
		s->missed++;
		if (*failed == 1)
			snprintf(why, whysz, "%s", one);
		if (!s->failing) {
			s->failing = true;
			snprintf(text, sizeof text,
				 "audit sink failed: %s (records cannot be written to it until this is fixed)",
				 one);
			notice(ss, "error", AUDIT_SEV_ERR, text);
		}
	}
	return ok;
}

int audit_sinks_reopen(struct audit_sinks *ss, char *why, size_t whysz)
{
	int rc = 0, fd;

	if (whysz > 0)
		why[0] = '\0';
	for (size_t i = 0; i < ss->n; i++) {
		struct sink *s = &ss->v[i];

		if (s->kind != SINK_FILE)
			continue;
		fd = open_file(s->path);
		if (fd < 0) {
			/* Keep writing to the old (renamed) file rather
			 * than lose records. */
			snprintf(why, whysz,
				 "%s: cannot reopen: %s (still writing to the old file)",
				 s->path, strerror(errno));
			rc = -1;
			continue;
		}
		close(s->fd);
		s->fd = fd;
	}
	return rc;
}

struct audit_sinks *audit_sinks_open(const char *const *specs, size_t n,
				     int stdout_fd,
				     void (*notice_fn)(void *arg,
						       const char *level,
						       const char *msg),
				     void *notice_arg, struct cnz_err *err)
{
	struct audit_sinks *ss = calloc(1, sizeof *ss + n * sizeof ss->v[0]);
	char host[256];

	if (ss == NULL) {
		cnz_err_set(err, NULL, 0, 0, "out of memory");
		return NULL;
	}
	buf_init(&ss->msg);
	ss->n = n;
	for (size_t i = 0; i < n; i++)
		ss->v[i].fd = -1;
	for (size_t i = 0; i < n; i++)
		if (sink_parse(&ss->v[i], specs[i], stdout_fd, err) < 0)
			goto fail;
	ss->notice = notice_fn;
	ss->notice_arg = notice_arg;
	ss->pid = (long)getpid();
	/* RFC 5424 HOSTNAME: printable ASCII without spaces, or "-". */
	if (gethostname(host, sizeof host) < 0)
		host[0] = '\0';
	host[sizeof host - 1] = '\0';
	for (char *c = host; *c; c++)
		if (*c <= 0x20 || *c >= 0x7f)
			*c = '_';
	snprintf(ss->host, sizeof ss->host, "%s", host[0] ? host : "-");
	return ss;
fail:
	audit_sinks_close(ss);
	return NULL;
}

void audit_sinks_close(struct audit_sinks *ss)
{
	if (ss == NULL)
		return;
	for (size_t i = 0; i < ss->n; i++)
		if (ss->v[i].fd >= 0 && ss->v[i].kind != SINK_STDOUT)
			close(ss->v[i].fd);
	buf_free(&ss->msg);
	free(ss);
}
