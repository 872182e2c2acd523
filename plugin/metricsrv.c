/* metricsrv.c - see metricsrv.h */
#include "metricsrv.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <microhttpd.h>

#include "server.h"
#include "text.h"

struct metricsrv {
	struct MHD_Daemon *mhd;
	struct metrics *m;
	metricsrv_hash_fn hash;
	void *arg;
	int fd;
	char *path; /* the unix socket made, or NULL */
};

/* body is copied: MHD owns its copy. */
static enum MHD_Result reply(struct MHD_Connection *c, unsigned status,
			     const char *type, char *body, size_t len)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
		len, body, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result rc;

	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", type);
	rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
				  const char *url, const char *method,
				  const char *version, const char *upload,
				  size_t *upload_len, void **ctx)
{
	static char not_found[] = "not found: the metrics are at /metrics\n";
	static char not_get[] = "only GET (or HEAD) is served here\n";
	static char oom[] = "out of memory\n";
	struct metricsrv *s = cls;
	struct buf b;
	char hash[65], ver[65] = "";
	enum MHD_Result rc;

	(void)version;
	(void)upload;
	if (*ctx == NULL) { /* the headers: wait for the (empty) body */
		*ctx = s;
		return MHD_YES;
	}
	if (*upload_len != 0) { /* a body is not wanted: dropped */
		*upload_len = 0;
		return MHD_YES;
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return reply(c, 405, "text/plain", not_get, strlen(not_get));
	if (strcmp(url, "/metrics") != 0)
		return reply(c, 404, "text/plain", not_found, strlen(not_found));
	buf_init(&b);
	if (s->hash(s->arg, hash, ver) == 0)
		metrics_write(s->m, hash, ver, &b);
	else
		metrics_write(s->m, NULL, NULL, &b);
	if (b.oom)
		rc = reply(c, 500, "text/plain", oom, strlen(oom));
	else
		rc = reply(c, 200, "text/plain; version=0.0.4; charset=utf-8",
			   b.p, b.len);
	buf_free(&b);
	return rc;
}

/* 127.0.0.1:PORT or [::1]:PORT: a listening TCP socket, or -1 with err. */
static int bind_loopback(const char *addr, struct cnz_err *err)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	const char *colon = strrchr(addr, ':');
	char host[64], *end;
	unsigned long port;
	int fd = -1, one = 1;

	memset(&ss, 0, sizeof ss);
	if (colon == NULL || (size_t)(colon - addr) >= sizeof host)
		goto bad;
	memcpy(host, addr, (size_t)(colon - addr));
	host[colon - addr] = '\0';
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || errno != 0 || port > 65535)
		goto bad;
	if (strcmp(host, "127.0.0.1") == 0) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;

		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sl = sizeof *in;
	} else if (strcmp(host, "[::1]") == 0) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		in6->sin6_addr = in6addr_loopback;
		sl = sizeof *in6;
	} else {
		goto bad;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    bind(fd, (struct sockaddr *)&ss, sl) < 0 || listen(fd, 16) < 0) {
		cnz_err_set(err, NULL, 0, 0, "--metrics %s: %s", addr,
			    strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
bad:
	cnz_err_set(err, NULL, 0, 0,
		    "--metrics %s: give a unix socket path (starting with /) or 127.0.0.1:PORT or [::1]:PORT (loopback only)",
		    addr);
	return -1;
}

struct metricsrv *metricsrv_start(const char *addr, struct metrics *m,
				  metricsrv_hash_fn hash, void *arg,
				  struct cnz_err *err)
{
	struct metricsrv *s = calloc(1, sizeof *s);

	if (s == NULL) {
		cnz_err_set(err, NULL, 0, 0, "out of memory");
		return NULL;
	}
	s->fd = -1;
	s->m = m;
	s->hash = hash;
	s->arg = arg;
	if (addr[0] == '/') {
		s->fd = server_bind_unix(addr, err);
		if (s->fd >= 0 && (s->path = strdup(addr)) == NULL) {
			cnz_err_set(err, NULL, 0, 0, "out of memory");
			goto fail;
		}
	} else {
		s->fd = bind_loopback(addr, err);
	}
	if (s->fd < 0)
		goto fail;
	s->mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL,
				  0, NULL, NULL, on_request, s,
				  MHD_OPTION_LISTEN_SOCKET, s->fd,
				  MHD_OPTION_CONNECTION_LIMIT, 16u,
				  MHD_OPTION_CONNECTION_TIMEOUT, 30u,
				  MHD_OPTION_END);
	if (s->mhd == NULL) {
		cnz_err_set(err, NULL, 0, 0,
			    "--metrics %s: cannot start the HTTP server", addr);
		goto fail;
	}
	return s;
fail:
	metricsrv_stop(s);
	return NULL;
}

void metricsrv_stop(struct metricsrv *s)
{
	if (s == NULL)
		return;
	if (s->mhd != NULL)
		MHD_stop_daemon(s->mhd); /* closes the listening socket too */
	else if (s->fd >= 0)
		close(s->fd);
	if (s->path != NULL)
		unlink(s->path);
	free(s->path);
	free(s);
}
