/*
 * loadgen.c - dockerd's side of the plugin socket, as fast as one thread
 * can drive it: N keep-alive HTTP/1.1 connections on a unix socket (epoll,
 * no pipelining: one request in flight per connection, as dockerd's
 * plugin client does), replaying AuthZReq bodies round robin for a
 * bounded count and time. Every answer is parsed and checked: status 200,
 * a JSON object whose Allow is a boolean of the expected value (decide()
 * with --rules, or true with --expect-allow).
 *
 *   loadgen --socket PATH [--conns N] [--duration S] [--requests N]
 *           [--warmup S] [--set captures|synthetic|all]
 *           [--rules DIR | --expect-allow] [--pid PID]
 *           [--reload-pid PID --reloads N] [--slow-us US] [--label NAME]
 *           [--only TEXT] [--vs PATH --vs-pid PID [--slice-ms MS]]
 *
 * Prints a human summary and one machine-readable line:
 *   BENCH loadgen label=... conns=... requests=... rps=... p50_us=... ...
 * The daemon's CPU per request is read from /proc/PID/task/<tid>/schedstat
 * (nanoseconds on CPU, summed over its threads) at the start and the end
 * of the measured phase. With --reload-pid, SIGHUP is sent N times at even
 * intervals over the measured phase; failed requests and requests slower
 * than --slow-us (default: 10 x this run's p99) are counted.
 *
 * With --vs, two daemons (A: --socket/--pid, B: --vs/--vs-pid) take turns:
 * N connections to each, A driven for --slice-ms (50), its requests
 * drained, then B, and so on, so that the machine's own drift (this VM's
 * speed moves by tens of percent over seconds) falls on both alike. Only
 * whole A-then-B pairs after the warm-up count; the line is
 *   BENCH vs label=... pairs=... a_rps=... b_rps=... ratio=...
 *       pair_median=... a_cpu_us=... b_cpu_us=... cpu_ratio=... failed=...
 * (ratio: B's requests per second over A's, each summed over its slices;
 * pair_median: the median of the pairs' own ratios; CPU per request of
 * each daemon over its own slices).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "corpus.h"

struct wire {
	char *p; /* request line, headers and body */
	size_t len;
	int expect; /* 1 allow, 0 deny */
	const char *name;
};

struct conn {
	int fd;
	size_t idx; /* the wire in flight */
	size_t sent;
	char *rbuf;
	size_t rlen, rcap;
	unsigned long long t0;
	bool busy;
	bool measured; /* started in the measured phase */
	const char *path; /* the daemon's socket */
	int side;         /* --vs: 0 for A, 1 for B */
};

static struct {
	const char *socket;
	unsigned conns;
	double duration, warmup;
	unsigned long long requests;
	const char *set;
	const char *rules;
	const char *captures;
	bool expect_allow;
	long pid, reload_pid;
	unsigned reloads;
	double slow_us;
	const char *label;
	const char *only; /* only the requests whose name has this text */
	unsigned timeout_ms;
	const char *vs; /* B's socket, or NULL */
	long vs_pid;
	double slice_ms;
} opt = {
	.conns = 1,
	.duration = 5,
	.warmup = 0.5,
	.set = "captures",
	.label = "run",
	.timeout_ms = 5000,
	.slice_ms = 50,
};

static struct wire *wires;
static size_t nwires;
static size_t next_wire[2]; /* each side replays the same sequence */
static uint32_t *lat; /* ns, requests issued in the measured phase */
static size_t nlat, caplat;
static unsigned long long failed, allowed, denied, reconnects, slow_fixed;
static unsigned fail_shown;
static int epfd = -1;

static void fail_note(const struct conn *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void fail_note(const struct conn *c, const char *fmt, ...)
{
	va_list ap;

	failed++;
	if (fail_shown++ >= 10)
		return;
	fprintf(stderr, "loadgen: failed request [%s]: ", wires[c->idx].name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int conn_open(struct conn *c)
{
	struct sockaddr_un sa;
	struct epoll_event ev;

	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return -1;
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", c->path);
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		fprintf(stderr, "loadgen: connect %s: %s\n", c->path,
			strerror(errno));
		close(c->fd);
		c->fd = -1;
		return -1;
	}
	fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
	memset(&ev, 0, sizeof ev);
	ev.events = EPOLLIN | EPOLLOUT | EPOLLET | EPOLLRDHUP;
	ev.data.ptr = c;
	return epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev);
}

static void conn_close(struct conn *c)
{
	if (c->fd >= 0)
		close(c->fd); /* also leaves the epoll set */
	c->fd = -1;
	c->busy = false;
	c->rlen = 0;
}

/* Sends what is left of the request; -1 on a broken connection. */
static int pump_write(struct conn *c)
{
	const struct wire *w = &wires[c->idx];

	while (c->sent < w->len) {
		ssize_t n = send(c->fd, w->p + c->sent, w->len - c->sent,
				 MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n <= 0)
			return -1;
		c->sent += (size_t)n;
	}
	return 0;
}

static void start(struct conn *c, bool measured)
{
	c->idx = next_wire[c->side]++ % nwires;
	c->sent = 0;
	c->rlen = 0;
	c->busy = true;
	c->measured = measured;
	c->t0 = bench_now_ns();
	if (pump_write(c) < 0) {
		fail_note(c, "send: %s", strerror(errno));
		conn_close(c);
	}
}

/* 1: a whole response is in rbuf (checked); 0: not yet; -1: broken. */
static int parse_response(struct conn *c)
{
	char *hdr_end, *p, *line;
	size_t hlen, clen = (size_t)-1;
	int status;
	json_t *j, *allow;
	json_error_t je;
	const struct wire *w = &wires[c->idx];

	hdr_end = memmem(c->rbuf, c->rlen, "\r\n\r\n", 4);
	if (hdr_end == NULL)
		return 0;
	hlen = (size_t)(hdr_end - c->rbuf) + 4;
	*hdr_end = '\0';
	if (sscanf(c->rbuf, "HTTP/1.%*1[01] %3d", &status) != 1) {
		fail_note(c, "bad status line");
		return -1;
	}
	for (line = strstr(c->rbuf, "\r\n"); line != NULL;
	     line = strstr(line + 2, "\r\n")) {
		if (strncasecmp(line + 2, "Content-Length:", 15) == 0)
			clen = strtoul(line + 17, NULL, 10);
		else if (strncasecmp(line + 2, "Transfer-Encoding:", 18) == 0) {
			*hdr_end = '\r';
			fail_note(c, "chunked answer (not expected of the server)");
			return -1;
		}
	}
	*hdr_end = '\r';
	if (clen == (size_t)-1) {
		fail_note(c, "answer without Content-Length");
		return -1;
	}
	if (c->rlen < hlen + clen)
		return 0;
	if (c->rlen > hlen + clen) {
		fail_note(c, "%zu bytes after the answer", c->rlen - hlen - clen);
		return -1;
	}
	p = c->rbuf + hlen;
	if (status != 200) {
		fail_note(c, "status %d: %.*s", status, (int)(clen < 200 ? clen : 200), p);
		return 1;
	}
	j = json_loadb(p, clen, 0, &je);
	allow = json_object_get(j, "Allow");
	if (!json_is_boolean(allow) ||
	    !json_is_string(json_object_get(j, "Msg"))) {
		fail_note(c, "not an authz answer: %.*s",
			  (int)(clen < 200 ? clen : 200), p);
	} else if ((json_is_true(allow) ? 1 : 0) != w->expect) {
		fail_note(c, "Allow is %s, expected %s: %.*s",
			  json_is_true(allow) ? "true" : "false",
			  w->expect ? "true" : "false",
			  (int)(clen < 300 ? clen : 300), p);
	} else if (c->measured) {
		if (json_is_true(allow))
			allowed++;
		else
			denied++;
	}
	json_decref(j);
	return 1;
}

/* Reads what is there; 1 when the response is complete, 0 if not yet, -1
 * on a broken connection. */
static int pump_read(struct conn *c)
{
	for (;;) {
		ssize_t n;
		int rc;

		if (c->rcap - c->rlen < 4096) {
			size_t nc = c->rcap ? c->rcap * 2 : 16384;
			char *nb = realloc(c->rbuf, nc);

			if (nb == NULL)
				return -1;
			c->rbuf = nb;
			c->rcap = nc;
		}
		n = recv(c->fd, c->rbuf + c->rlen, c->rcap - c->rlen - 1, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n <= 0) {
			if (c->busy)
				fail_note(c, "connection %s",
					  n == 0 ? "closed by the server"
						 : strerror(errno));
			return -1;
		}
		c->rlen += (size_t)n;
		if (!c->busy) {
			fprintf(stderr, "loadgen: unsolicited bytes\n");
			return -1;
		}
		rc = parse_response(c);
		if (rc != 0)
			return rc;
	}
}

/* One epoll event of c: sends what is left of its request, reads what
 * came. true when its answer is complete (and checked): c is free for the
 * next request; false when not yet, or when c broke (closed). */
static bool on_event(struct conn *c, uint32_t events)
{
	int rc = 0;

	if (c->fd < 0)
		return false;
	if (c->busy && c->sent < wires[c->idx].len && pump_write(c) < 0) {
		fail_note(c, "send: %s", strerror(errno));
		conn_close(c);
		return false;
	}
	if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		rc = pump_read(c);
	if (rc < 0) {
		conn_close(c);
		return false;
	}
	if (rc == 0)
		return false;
	c->busy = false;
	c->rlen = 0;
	return true;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static double pct(const uint32_t *v, size_t n, double p)
{
	size_t i;

	if (n == 0)
		return 0;
	i = (size_t)(p * (double)(n - 1) + 0.5);
	return v[i < n ? i : n - 1] / 1000.0;
}

/* CPU time of a process, all threads, in ns (schedstat; stat as a fallback). */
static long long proc_cpu_ns(long pid)
{
	char path[64];
	DIR *d;
	struct dirent *de;
	long long sum = 0;
	bool any = false;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%ld/task", pid);
	d = opendir(path);
	if (d != NULL) {
		while ((de = readdir(d)) != NULL) {
			char p2[512];
			long long ns;

			if (de->d_name[0] == '.')
				continue;
			snprintf(p2, sizeof p2, "/proc/%ld/task/%s/schedstat",
				 pid, de->d_name);
			f = fopen(p2, "r");
			if (f == NULL)
				continue;
			if (fscanf(f, "%lld", &ns) == 1) {
				sum += ns;
				any = true;
			}
			fclose(f);
		}
		closedir(d);
	}
	if (any)
		return sum;
	snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	f = fopen(path, "r");
	if (f != NULL) {
		char buf[1024], *p;
		unsigned long ut = 0, st = 0;

		if (fgets(buf, sizeof buf, f) != NULL &&
		    (p = strrchr(buf, ')')) != NULL &&
		    sscanf(p + 2,
			   "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
			   &ut, &st) == 2)
			sum = (long long)(ut + st) * (1000000000LL /
						      sysconf(_SC_CLK_TCK));
		fclose(f);
		return sum;
	}
	return -1;
}

/* Busy and steal time of the whole machine, ns (/proc/stat, all CPUs). */
static void machine_cpu_ns(long long *busy, long long *steal)
{
	FILE *f = fopen("/proc/stat", "r");
	unsigned long long v[8] = {0};
	long long tick = 1000000000LL / sysconf(_SC_CLK_TCK);

	*busy = *steal = 0;
	if (f == NULL)
		return;
	if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
		   &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) == 8) {
		/* user nice system idle iowait irq softirq steal */
		*busy = (long long)(v[0] + v[1] + v[2] + v[5] + v[6]) * tick;
		*steal = (long long)v[7] * tick;
	}
	fclose(f);
}

static long long self_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

#define HTTP_HEAD \
	"POST /AuthZPlugin.AuthZReq HTTP/1.1\r\n" \
	"Host: plugin\r\n" \
	"User-Agent: Go-http-client/1.1\r\n" \
	"Content-Length: %zu\r\n" \
	"Accept: application/vnd.docker.plugins.v1.2+json\r\n" \
	"Accept-Encoding: gzip\r\n" \
	"\r\n"

static int build_wires(struct bench_corpus *c)
{
	bool caps = strcmp(opt.set, "captures") == 0 || strcmp(opt.set, "all") == 0;
	bool syn = strcmp(opt.set, "synthetic") == 0 || strcmp(opt.set, "all") == 0;

	wires = calloc(c->n ? c->n : 1, sizeof *wires);
	if (wires == NULL)
		return -1;
	for (size_t i = 0; i < c->n; i++) {
		struct bench_req *r = &c->v[i];
		char head[512];
		int hl;

		if (r->huge || (r->synthetic ? !syn : !caps) ||
		    (opt.only != NULL && strstr(r->name, opt.only) == NULL))
			continue;
		hl = snprintf(head, sizeof head, HTTP_HEAD, r->len);
		wires[nwires].len = (size_t)hl + r->len;
		wires[nwires].p = malloc(wires[nwires].len);
		if (wires[nwires].p == NULL)
			return -1;
		memcpy(wires[nwires].p, head, (size_t)hl);
		memcpy(wires[nwires].p + hl, r->body, r->len);
		wires[nwires].expect = opt.expect_allow ? 1 : r->expect;
		wires[nwires].name = r->name;
		nwires++;
	}
	return nwires > 0 ? 0 : -1;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: loadgen --socket PATH [--conns N] [--duration S] [--requests N]\n"
		"               [--warmup S] [--set captures|synthetic|all]\n"
		"               [--rules DIR | --expect-allow] [--pid PID]\n"
		"               [--reload-pid PID --reloads N] [--slow-us US]\n"
		"               [--captures FILE] [--label NAME] [--only TEXT]\n"
		"               [--vs PATH --vs-pid PID [--slice-ms MS]]\n");
	exit(2);
}

static void parse_args(int argc, char **argv)
{
	static const struct option lo[] = {
		{"socket", required_argument, NULL, 's'},
		{"conns", required_argument, NULL, 'c'},
		{"duration", required_argument, NULL, 'd'},
		{"requests", required_argument, NULL, 'n'},
		{"warmup", required_argument, NULL, 'w'},
		{"set", required_argument, NULL, 'S'},
		{"rules", required_argument, NULL, 'r'},
		{"captures", required_argument, NULL, 'C'},
		{"expect-allow", no_argument, NULL, 'a'},
		{"pid", required_argument, NULL, 'p'},
		{"reload-pid", required_argument, NULL, 'R'},
		{"reloads", required_argument, NULL, 'N'},
		{"slow-us", required_argument, NULL, 'l'},
		{"label", required_argument, NULL, 'L'},
		{"timeout-ms", required_argument, NULL, 't'},
		{"only", required_argument, NULL, 'O'},
		{"vs", required_argument, NULL, 'V'},
		{"vs-pid", required_argument, NULL, 'P'},
		{"slice-ms", required_argument, NULL, 'm'},
		{NULL, 0, NULL, 0},
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 's': opt.socket = optarg; break;
		case 'c': opt.conns = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'd': opt.duration = strtod(optarg, NULL); break;
		case 'n': opt.requests = strtoull(optarg, NULL, 10); break;
		case 'w': opt.warmup = strtod(optarg, NULL); break;
		case 'S': opt.set = optarg; break;
		case 'r': opt.rules = optarg; break;
		case 'C': opt.captures = optarg; break;
		case 'a': opt.expect_allow = true; break;
		case 'p': opt.pid = strtol(optarg, NULL, 10); break;
		case 'R': opt.reload_pid = strtol(optarg, NULL, 10); break;
		case 'N': opt.reloads = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'l': opt.slow_us = strtod(optarg, NULL); break;
		case 'L': opt.label = optarg; break;
		case 't': opt.timeout_ms = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'O': opt.only = optarg; break;
		case 'V': opt.vs = optarg; break;
		case 'P': opt.vs_pid = strtol(optarg, NULL, 10); break;
		case 'm': opt.slice_ms = strtod(optarg, NULL); break;
		default: usage();
		}
	}
	if (opt.socket == NULL || opt.conns == 0 || opt.conns > 4096 ||
	    opt.duration <= 0 || (opt.rules == NULL) == !opt.expect_allow ||
	    (strcmp(opt.set, "captures") != 0 &&
	     strcmp(opt.set, "synthetic") != 0 && strcmp(opt.set, "all") != 0) ||
	    (opt.vs != NULL && (opt.pid <= 0 || opt.vs_pid <= 0 ||
				opt.slice_ms <= 0 || opt.reloads > 0 ||
				opt.requests > 0)))
		usage();
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* One daemon's measured slices: answers, nanoseconds, its CPU. */
struct side_total {
	unsigned long long answered, ns;
	long long cpu_ns;
};

/* Each side's answers per second, and the daemon's CPU per answer. */
static double side_rps(const struct side_total *t)
{
	return t->ns > 0 ? (double)t->answered * 1e9 / (double)t->ns : 0;
}

static double side_cpu_us(const struct side_total *t)
{
	return t->answered > 0 ? (double)t->cpu_ns / 1000.0 / (double)t->answered : -1;
}

/* --vs: A and B in turns of --slice-ms, each drained before the other
 * starts; the warm-up and then --duration seconds of each side. */
static int run_vs(struct conn *conns)
{
	const long pids[2] = {opt.pid, opt.vs_pid};
	const unsigned long long slice = (unsigned long long)(opt.slice_ms * 1e6),
				 warm = (unsigned long long)(opt.warmup * 1e9),
				 dur = (unsigned long long)(opt.duration * 1e9);
	struct side_total tot[2] = {{0, 0, 0}, {0, 0, 0}};
	struct epoll_event evs[64];
	double *pair = NULL, a_rate = 0, ratio, median, cpu_a, cpu_b;
	size_t npair = 0, cappair = 0;
	unsigned long long t_begin, t0, answered = 0;
	long long cpu0;
	int side = 0;
	bool draining = false, measured = false;

	for (unsigned i = 0; i < 2 * opt.conns; i++) {
		conns[i].path = i < opt.conns ? opt.socket : opt.vs;
		conns[i].side = i < opt.conns ? 0 : 1;
		if (conn_open(&conns[i]) < 0)
			return 1;
	}
	cpu0 = proc_cpu_ns(pids[0]);
	t_begin = t0 = bench_now_ns();
	for (;;) {
		unsigned long long now = bench_now_ns();
		unsigned busy = 0;
		int n;

		if (now - t0 >= slice)
			draining = true;
		for (unsigned i = 0; i < opt.conns; i++) {
			struct conn *c = &conns[(unsigned)side * opt.conns + i];

			if (c->busy && now - c->t0 > opt.timeout_ms * 1000000ULL) {
				fail_note(c, "no answer within %u ms", opt.timeout_ms);
				conn_close(c);
			}
			if (c->fd < 0 && !draining) {
				reconnects++;
				if (conn_open(c) < 0) {
					usleep(10000);
					continue;
				}
			}
			if (c->fd >= 0 && !c->busy && !draining)
				start(c, measured);
			busy += c->busy;
		}
		if (draining && busy == 0) { /* the slice is over */
			unsigned long long ns = bench_now_ns() - t0;
			long long cpu = proc_cpu_ns(pids[side]) - cpu0;

			if (measured) {
				tot[side].answered += answered;
				tot[side].ns += ns;
				tot[side].cpu_ns += cpu;
				if (side == 0) {
					a_rate = (double)answered / (double)ns;
				} else if (a_rate > 0) {
					if (npair == cappair) {
						size_t nc = cappair ? 2 * cappair : 256;
						double *np = realloc(pair, nc * sizeof *pair);

						if (np == NULL)
							return 1;
						pair = np;
						cappair = nc;
					}
					pair[npair++] = (double)answered / (double)ns / a_rate;
				}
			}
			if (side == 1) {
				if (measured && tot[1].ns >= dur)
					break;
				if (now - t_begin >= warm)
					measured = true;
			}
			side ^= 1;
			answered = 0;
			draining = false;
			cpu0 = proc_cpu_ns(pids[side]);
			t0 = bench_now_ns();
			continue;
		}
		n = epoll_wait(epfd, evs, 64, 10);
		for (int k = 0; k < n; k++) {
			struct conn *c = evs[k].data.ptr;

			if (on_event(c, evs[k].events) && c->side == side) {
				answered++;
				if (!draining)
					start(c, measured);
			}
		}
	}
	ratio = side_rps(&tot[0]) > 0 ? side_rps(&tot[1]) / side_rps(&tot[0]) : 0;
	qsort(pair, npair, sizeof *pair, cmp_double);
	median = npair == 0 ? 0
		 : npair % 2 ? pair[npair / 2]
			     : (pair[npair / 2 - 1] + pair[npair / 2]) / 2;
	cpu_a = side_cpu_us(&tot[0]);
	cpu_b = side_cpu_us(&tot[1]);
	printf("%s: %u conn(s) each, %zu pairs of %.0f ms slices: A %.0f req/s, "
	       "B %.0f req/s, B/A %.4f (pairs' median %.4f); daemon CPU A %.2f "
	       "us/req, B %.2f; failed %llu\n",
	       opt.label, opt.conns, npair, opt.slice_ms, side_rps(&tot[0]),
	       side_rps(&tot[1]), ratio, median, cpu_a, cpu_b, failed);
	printf("BENCH vs label=%s conns=%u slice_ms=%.0f pairs=%zu a_rps=%.0f "
	       "b_rps=%.0f ratio=%.4f pair_median=%.4f a_cpu_us=%.2f "
	       "b_cpu_us=%.2f cpu_ratio=%.4f failed=%llu\n",
	       opt.label, opt.conns, opt.slice_ms, npair, side_rps(&tot[0]),
	       side_rps(&tot[1]), ratio, median, cpu_a, cpu_b,
	       cpu_a > 0 ? cpu_b / cpu_a : 0, failed);
	free(pair);
	return failed > 0 ? 3 : 0;
}

int main(int argc, char **argv)
{
	struct bench_corpus corpus = {NULL, 0};
	struct conn *conns;
	struct epoll_event evs[64];
	char capfile[4096];
	unsigned long long t_begin, t_meas = 0, t_end_issue = 0, t_done,
				   next_reload = 0, reload_every = 0,
				   issued_meas = 0;
	long long d_cpu0 = 0, d_cpu1 = 0, s_cpu0 = 0, s_cpu1 = 0;
	long long m_busy0 = 0, m_busy1 = 0, m_steal0 = 0, m_steal1 = 0;
	unsigned reloads_sent = 0;
	bool measuring = false, stopping = false;
	size_t busy;

	parse_args(argc, argv);
	signal(SIGPIPE, SIG_IGN);
	if (opt.captures == NULL) {
		snprintf(capfile, sizeof capfile,
			 "%s/tests/fixtures/captures/dockerd-20.10-authz.jsonl",
			 corpus_top());
		opt.captures = capfile;
	}
	if (corpus_add_captures(&corpus, opt.captures) < 0 ||
	    corpus_add_synthetic(&corpus, opt.captures, false) < 0)
		return 1;
	if (opt.rules != NULL && corpus_expect(&corpus, opt.rules) < 0)
		return 1;
	if (build_wires(&corpus) < 0) {
		fprintf(stderr, "loadgen: no requests to send\n");
		return 1;
	}
	caplat = 1u << 20;
	lat = malloc(caplat * sizeof *lat);
	conns = calloc(opt.vs != NULL ? 2 * opt.conns : opt.conns, sizeof *conns);
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (lat == NULL || conns == NULL || epfd < 0)
		return 1;
	if (opt.vs != NULL)
		return run_vs(conns);
	for (unsigned i = 0; i < opt.conns; i++) {
		conns[i].path = opt.socket;
		if (conn_open(&conns[i]) < 0)
			return 1;
	}

	t_begin = bench_now_ns();
	for (unsigned i = 0; i < opt.conns; i++)
		start(&conns[i], false);
	for (;;) {
		unsigned long long now = bench_now_ns();
		int n, wait_ms = 10;

		if (!measuring && !stopping &&
		    now - t_begin >= (unsigned long long)(opt.warmup * 1e9)) {
			measuring = true;
			t_meas = now;
			if (opt.pid > 0)
				d_cpu0 = proc_cpu_ns(opt.pid);
			s_cpu0 = self_cpu_ns();
			machine_cpu_ns(&m_busy0, &m_steal0);
			if (opt.reload_pid > 0 && opt.reloads > 0) {
				reload_every = (unsigned long long)(opt.duration * 1e9) /
					       (opt.reloads + 1);
				next_reload = now + reload_every;
			}
		}
		if (measuring && reloads_sent < opt.reloads && now >= next_reload) {
			if (kill((pid_t)opt.reload_pid, SIGHUP) < 0) {
				fprintf(stderr, "loadgen: SIGHUP to %ld: %s\n",
					opt.reload_pid, strerror(errno));
				return 1;
			}
			reloads_sent++;
			next_reload += reload_every;
		}
		if (measuring && !stopping &&
		    ((now - t_meas >= (unsigned long long)(opt.duration * 1e9) &&
		      reloads_sent >= opt.reloads) ||
		     (opt.requests > 0 && issued_meas >= opt.requests))) {
			stopping = true;
			t_end_issue = now;
		}
		busy = 0;
		for (unsigned i = 0; i < opt.conns; i++) {
			struct conn *c = &conns[i];

			if (c->busy && now - c->t0 > opt.timeout_ms * 1000000ULL) {
				fail_note(c, "no answer within %u ms", opt.timeout_ms);
				conn_close(c);
			}
			if (c->fd < 0 && !stopping) {
				reconnects++;
				if (conn_open(c) < 0) {
					usleep(10000);
					continue;
				}
			}
			if (c->fd >= 0 && !c->busy && !stopping) {
				start(c, measuring);
				if (measuring)
					issued_meas++;
			}
			busy += c->busy;
		}
		if (stopping && busy == 0)
			break;
		n = epoll_wait(epfd, evs, 64, wait_ms);
		for (int k = 0; k < n; k++) {
			struct conn *c = evs[k].data.ptr;

			if (on_event(c, evs[k].events)) {
				unsigned long long t = bench_now_ns() - c->t0;

				if (c->measured) {
					if (nlat == caplat) {
						uint32_t *nl = realloc(lat, 2 * caplat * sizeof *lat);

						if (nl == NULL)
							return 1;
						lat = nl;
						caplat *= 2;
					}
					lat[nlat++] = t > UINT32_MAX ? UINT32_MAX : (uint32_t)t;
					if (opt.slow_us > 0 && t > opt.slow_us * 1000)
						slow_fixed++;
				}
				if (!stopping) {
					start(c, measuring);
					if (measuring)
						issued_meas++;
				}
			}
		}
	}
	t_done = bench_now_ns();
	if (opt.pid > 0)
		d_cpu1 = proc_cpu_ns(opt.pid);
	s_cpu1 = self_cpu_ns();
	machine_cpu_ns(&m_busy1, &m_steal1);
	(void)t_end_issue;

	{
		double secs = (double)(t_done - t_meas) / 1e9;
		size_t nn = nlat;
		double rps = nn / secs, p99, thr;
		unsigned long long slow = 0;
		double dcpu = opt.pid > 0 && d_cpu0 >= 0 && d_cpu1 >= 0 && nn > 0
				      ? (double)(d_cpu1 - d_cpu0) / nn / 1000.0
				      : -1;
		double scpu = nn > 0 ? (double)(s_cpu1 - s_cpu0) / nn / 1000.0 : -1;
		/* CPU that neither the daemon nor this process used, in % of one
		 * CPU: other work on the machine, which skews a run */
		double wall = (double)(t_done - t_meas);
		double foreign = 100.0 *
				 (double)((m_busy1 - m_busy0) - (s_cpu1 - s_cpu0) -
					  (opt.pid > 0 ? d_cpu1 - d_cpu0 : 0)) / wall;
		double steal = 100.0 * (double)(m_steal1 - m_steal0) / wall;

		qsort(lat, nn, sizeof *lat, cmp_u32);
		p99 = pct(lat, nn, 0.99);
		thr = opt.slow_us > 0 ? opt.slow_us : 10 * p99;
		if (opt.slow_us > 0)
			slow = slow_fixed;
		else
			for (size_t i = nn; i > 0 && lat[i - 1] / 1000.0 > thr; i--)
				slow++;
		printf("%s: %u conn(s), %zu requests in %.2f s: %.0f req/s; "
		       "latency p50 %.1f us, p99 %.1f us, p99.9 %.1f us, max %.1f us; "
		       "daemon CPU %.1f us/req, loadgen CPU %.1f us/req; "
		       "allowed %llu, denied %llu, failed %llu, slow (> %.0f us) %llu, "
		       "reconnects %llu, reloads %u; other load on the machine %.0f%% "
		       "of a CPU (steal %.0f%%)\n",
		       opt.label, opt.conns, nn, secs, rps, pct(lat, nn, 0.5), p99,
		       pct(lat, nn, 0.999), nn ? lat[nn - 1] / 1000.0 : 0, dcpu,
		       scpu, allowed, denied, failed, thr, slow, reconnects,
		       reloads_sent, foreign < 0 ? 0 : foreign, steal);
		printf("BENCH loadgen label=%s set=%s conns=%u requests=%zu "
		       "secs=%.3f rps=%.0f p50_us=%.1f p99_us=%.1f p999_us=%.1f "
		       "max_us=%.1f daemon_cpu_us=%.2f loadgen_cpu_us=%.2f "
		       "allowed=%llu denied=%llu failed=%llu slow=%llu "
		       "slow_threshold_us=%.0f reconnects=%llu reloads=%u "
		       "foreign_cpu_pct=%.0f steal_pct=%.0f\n",
		       opt.label, opt.set, opt.conns, nn, secs, rps,
		       pct(lat, nn, 0.5), p99, pct(lat, nn, 0.999),
		       nn ? lat[nn - 1] / 1000.0 : 0, dcpu, scpu, allowed, denied,
		       failed, slow, thr, reconnects, reloads_sent,
		       foreign < 0 ? 0 : foreign, steal);
		return failed > 0 ? 3 : 0;
	}
}
