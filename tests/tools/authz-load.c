/*
 * authz-load - drives a cnauthz socket as dockerd does, only harder: C
 * kept-alive HTTP/1.1 connections, each posting its share of N plugin
 * calls one after the other, and counts the answers.
 *
 *   authz-load --socket PATH --input FILE --count N [--conns C]
 *
 * FILE has one call per line: "<endpoint> <JSON body>", for example
 *   /AuthZPlugin.AuthZReq {"RequestMethod":"GET","RequestUri":"/_ping"}
 * and is cycled through until N calls were made. On stdout, one line of
 * "key value" pairs:
 *   calls N answered N allow A deny D req R res_status S
 *   res_nostatus_allow X res_nostatus_deny Y errors E seconds T rate R
 * An AuthZRes counts as "status" when its body has "ResponseStatusCode".
 * Exits 0 when every call was answered 200, 1 otherwise, 2 on usage.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

struct call {
	char *endpoint;
	char *body;
	size_t len;
	bool res, status;
};

struct counts {
	unsigned long answered, allow, deny, req, res_status, res_ns_allow,
		res_ns_deny, errors;
};

struct job {
	const char *sock;
	const struct call *calls;
	size_t ncalls;
	unsigned long first, n; /* call indexes first .. first+n-1 (cycled) */
	struct counts c;
	char err[256];
};

static int dial(const char *path)
{
	struct sockaddr_un sa;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sa.sun_path) {
		close(fd);
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int send_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Reads one response into buf (headers + body); returns the body's
 * offset and sets *status and *blen, or -1. "have" carries bytes read
 * past the end of one response over to the next. */
static long read_response(int fd, char *buf, size_t cap, size_t *have,
			  int *status, size_t *blen)
{
	char *eoh = NULL, *cl;
	size_t hlen, need;
	ssize_t r;

	for (;;) {
		buf[*have] = '\0';
		eoh = strstr(buf, "\r\n\r\n");
		if (eoh != NULL)
			break;
		if (*have + 1 >= cap)
			return -1;
		r = recv(fd, buf + *have, cap - 1 - *have, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		*have += (size_t)r;
	}
	hlen = (size_t)(eoh - buf) + 4;
	if (sscanf(buf, "HTTP/1.%*d %d", status) != 1)
		return -1;
	cl = strcasestr(buf, "\r\nContent-Length:");
	if (cl == NULL || cl > eoh)
		return -1;
	*blen = strtoul(cl + 17, NULL, 10);
	need = hlen + *blen;
	if (need + 1 > cap)
		return -1;
	while (*have < need) {
		r = recv(fd, buf + *have, cap - 1 - *have, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		*have += (size_t)r;
	}
	return (long)hlen;
}

static void *worker(void *arg)
{
	struct job *j = arg;
	size_t cap = 1 << 20, have = 0, blen = 0;
	char *buf = malloc(cap), hdr[256];
	int fd = dial(j->sock), status = 0;
	long off;

	if (buf == NULL || fd < 0) {
		snprintf(j->err, sizeof j->err, "connect %s: %s", j->sock,
			 strerror(errno));
		j->c.errors = j->n;
		goto out;
	}
	for (unsigned long i = 0; i < j->n; i++) {
		const struct call *c = &j->calls[(j->first + i) % j->ncalls];
		int hn = snprintf(hdr, sizeof hdr,
				  "POST %s HTTP/1.1\r\nHost: plugin\r\n"
				  "Content-Type: application/json\r\n"
				  "Content-Length: %zu\r\n\r\n",
				  c->endpoint, c->len);
		bool allow;

		if (send_all(fd, hdr, (size_t)hn) < 0 ||
		    send_all(fd, c->body, c->len) < 0 ||
		    (off = read_response(fd, buf, cap, &have, &status, &blen)) < 0) {
			snprintf(j->err, sizeof j->err,
				 "call %lu: connection failed: %s", i,
				 strerror(errno));
			j->c.errors += j->n - i;
			break;
		}
		if (status != 200) {
			j->c.errors++;
		} else {
			buf[off + (long)blen] = '\0';
			allow = strstr(buf + off, "\"Allow\":true") != NULL;
			j->c.answered++;
			if (allow)
				j->c.allow++;
			else
				j->c.deny++;
			if (!c->res)
				j->c.req++;
			else if (c->status)
				j->c.res_status++;
			else if (allow)
				j->c.res_ns_allow++;
			else
				j->c.res_ns_deny++;
		}
		/* keep what belongs to the next response */
		memmove(buf, buf + off + (long)blen, have - (size_t)off - blen);
		have -= (size_t)off + blen;
	}
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return NULL;
}

static int load(const char *path, struct call **out, size_t *n)
{
	FILE *f = fopen(path, "r");
	char *line = NULL, *sp;
	size_t cap = 0, max = 0;
	ssize_t len;
	struct call *v = NULL, *nv;

	*n = 0;
	if (f == NULL)
		return -1;
	while ((len = getline(&line, &cap, f)) > 0) {
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		sp = strchr(line, ' ');
		if (sp == NULL || line[0] != '/')
			continue;
		if (*n == max) {
			max = max ? max * 2 : 64;
			nv = realloc(v, max * sizeof *v);
			if (nv == NULL)
				goto fail;
			v = nv;
		}
		*sp = '\0';
		v[*n].endpoint = strdup(line);
		v[*n].body = strdup(sp + 1);
		if (v[*n].endpoint == NULL || v[*n].body == NULL)
			goto fail;
		v[*n].len = strlen(sp + 1);
		v[*n].res = strcmp(line, "/AuthZPlugin.AuthZRes") == 0;
		v[*n].status = strstr(sp + 1, "\"ResponseStatusCode\":") != NULL;
		(*n)++;
	}
	free(line);
	fclose(f);
	*out = v;
	return *n > 0 ? 0 : -1;
fail:
	free(line);
	fclose(f);
	free(v);
	return -1;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{"socket", required_argument, NULL, 's'},
		{"input", required_argument, NULL, 'i'},
		{"count", required_argument, NULL, 'n'},
		{"conns", required_argument, NULL, 'c'},
		{NULL, 0, NULL, 0},
	};
	const char *sock = NULL, *input = NULL;
	unsigned long count = 0, conns = 4;
	struct call *calls = NULL;
	size_t ncalls = 0;
	struct job *jobs;
	pthread_t *th;
	struct counts t;
	struct timespec t0, t1;
	double secs;
	int c;

	while ((c = getopt_long(argc, argv, "s:i:n:c:", lo, NULL)) != -1) {
		switch (c) {
		case 's':
			sock = optarg;
			break;
		case 'i':
			input = optarg;
			break;
		case 'n':
			count = strtoul(optarg, NULL, 10);
			break;
		case 'c':
			conns = strtoul(optarg, NULL, 10);
			break;
		default:
			return 2;
		}
	}
	if (sock == NULL || input == NULL || count == 0 || conns == 0 ||
	    conns > 256) {
		fprintf(stderr, "usage: authz-load --socket PATH --input FILE --count N [--conns C]\n");
		return 2;
	}
	if (load(input, &calls, &ncalls) < 0) {
		fprintf(stderr, "authz-load: %s: no calls read\n", input);
		return 2;
	}
	jobs = calloc(conns, sizeof *jobs);
	th = calloc(conns, sizeof *th);
	if (jobs == NULL || th == NULL)
		return 2;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned long i = 0; i < conns; i++) {
		jobs[i].sock = sock;
		jobs[i].calls = calls;
		jobs[i].ncalls = ncalls;
		jobs[i].first = i * 7919; /* each connection its own mix */
		jobs[i].n = count / conns + (i < count % conns ? 1 : 0);
		if (pthread_create(&th[i], NULL, worker, &jobs[i]) != 0)
			return 2;
	}
	memset(&t, 0, sizeof t);
	for (unsigned long i = 0; i < conns; i++) {
		pthread_join(th[i], NULL);
		if (jobs[i].err[0])
			fprintf(stderr, "authz-load: connection %lu: %s\n", i,
				jobs[i].err);
		t.answered += jobs[i].c.answered;
		t.allow += jobs[i].c.allow;
		t.deny += jobs[i].c.deny;
		t.req += jobs[i].c.req;
		t.res_status += jobs[i].c.res_status;
		t.res_ns_allow += jobs[i].c.res_ns_allow;
		t.res_ns_deny += jobs[i].c.res_ns_deny;
		t.errors += jobs[i].c.errors;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("calls %lu answered %lu allow %lu deny %lu req %lu res_status %lu "
	       "res_nostatus_allow %lu res_nostatus_deny %lu errors %lu "
	       "seconds %.2f rate %.0f\n",
	       count, t.answered, t.allow, t.deny, t.req, t.res_status,
	       t.res_ns_allow, t.res_ns_deny, t.errors, secs,
	       secs > 0 ? (double)t.answered / secs : 0.0);
	for (size_t i = 0; i < ncalls; i++) {
		free(calls[i].endpoint);
		free(calls[i].body);
	}
	free(calls);
	free(jobs);
	free(th);
	return t.errors == 0 && t.answered == count ? 0 : 1;
}
