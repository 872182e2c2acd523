/* server.c - see server.h */
#include "server.h"

#include <errno.h>
#include <stdarg.h>
#include <microhttpd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

struct server {
	struct MHD_Daemon *mhd;
	server_handler handler;
	void *arg;
	size_t max_body;
	char *path;      /* the socket we bound, to remove at stop */
	dev_t dev;       /* ... if it is still ours */
	ino_t ino;
	int fd;
};

struct conn {
	enum { ROUTE_ACTIVATE, ROUTE_REQ, ROUTE_RES } route;
	struct buf body;
	bool too_big;
	size_t drained; /* bytes thrown away once too big */
};

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
		buf_init(&cn->body);
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

	buf_init(&out);
	if (cn->route == ROUTE_ACTIVATE) {
		buf_adds(&out, "{\"Implements\":[\"authz\"]}");
		return reply(c, MHD_HTTP_OK, &out);
	}
	status = s->handler(s->arg,
			    cn->route == ROUTE_REQ ? SERVER_AUTHZ_REQ
						   : SERVER_AUTHZ_RES,
			    cn->body.p != NULL ? cn->body.p : "", cn->body.len,
			    &out);
	return reply(c, status, &out);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct conn *cn = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (cn == NULL)
		return;
	buf_free(&cn->body);
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
	s->arg = arg;
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
	/* The threading mode: see SERVER_POOL's choice in server.h. */
	s->mhd = MHD_start_daemon(
		o->mode == SERVER_PER_CONNECTION
			? MHD_USE_INTERNAL_POLLING_THREAD |
				  MHD_USE_THREAD_PER_CONNECTION |
				  MHD_USE_POLL | MHD_USE_ERROR_LOG
			: MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
				  MHD_USE_ERROR_LOG,
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
	if (s->mhd != NULL)
		MHD_stop_daemon(s->mhd); /* closes the listening socket too */
	else if (s->fd >= 0)
		close(s->fd);
	if (s->path != NULL && stat(s->path, &st) == 0 &&
	    st.st_dev == s->dev && st.st_ino == s->ino)
		unlink(s->path);
	free(s->path);
	free(s);
}
