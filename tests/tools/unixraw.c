/*
 * unixraw - raw bytes to a unix socket, for tests of what HTTP parsers
 * must survive: pipelined requests, a request sent a byte at a time, one
 * cut short, or connections just held open.
 *
 *   unixraw SOCKET [--chunk N] [--delay-ms N] [--wait-ms N] < bytes
 *       sends stdin in chunks of N bytes (default: all at once) with a
 *       delay between them, then reads until EOF or until nothing came
 *       for --wait-ms (default 2000); prints what it read; exit 0 when
 *       the peer closed the connection, 3 when it was still open.
 *   unixraw SOCKET --hold N --hold-ms T
 *       opens N connections, holds them T ms, prints how many were
 *       accepted and still open at the end ("held K").
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static int dial(const char *path)
{
	struct sockaddr_un sa;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Sends IN to the socket and copies what comes back to stdout. */
static int exchange(const char *path, const char *in, size_t inlen,
		    long chunk, long delay, long wait)
{
	char buf[65536];
	int fd, rc = 0;

	fd = dial(path);
	if (fd < 0) {
		perror("unixraw: connect");
		return 1;
	}
	for (size_t off = 0; off < inlen;) {
		size_t n = chunk > 0 && (size_t)chunk < inlen - off ? (size_t)chunk
								    : inlen - off;
		ssize_t w = send(fd, in + off, n, MSG_NOSIGNAL);

		if (w < 0) {
			printf("(send failed: %s)\n", strerror(errno));
			rc = 4;
			goto out;
		}
		off += (size_t)w;
		if (delay > 0 && off < inlen)
			sleep_ms(delay);
	}
	for (;;) {
		struct pollfd p = {fd, POLLIN, 0};
		ssize_t r;

		if (poll(&p, 1, (int)wait) <= 0) {
			rc = 3; /* still open */
			goto out;
		}
		r = read(fd, buf, sizeof buf);
		if (r <= 0)
			break;
		fwrite(buf, 1, (size_t)r, stdout);
	}
out:
	fflush(stdout);
	close(fd);
	return rc;
}

int main(int argc, char **argv)
{
	long chunk = 0, delay = 0, wait = 2000, hold = 0, hold_ms = 0;
	char *in = NULL, buf[65536];
	size_t inlen = 0, cap = 0;
	int rc;

	if (argc < 2) {
		fprintf(stderr, "usage: unixraw SOCKET [options] (see the source)\n");
		return 2;
	}
	for (int i = 2; i + 1 < argc; i += 2) {
		long v = strtol(argv[i + 1], NULL, 10);

		if (strcmp(argv[i], "--chunk") == 0) chunk = v;
		else if (strcmp(argv[i], "--delay-ms") == 0) delay = v;
		else if (strcmp(argv[i], "--wait-ms") == 0) wait = v;
		else if (strcmp(argv[i], "--hold") == 0) hold = v;
		else if (strcmp(argv[i], "--hold-ms") == 0) hold_ms = v;
		else {
			fprintf(stderr, "unixraw: unknown option %s\n", argv[i]);
			return 2;
		}
	}
	if (hold > 0) {
		int *fds = calloc((size_t)hold, sizeof *fds), n = 0, open_ = 0;

		if (fds == NULL)
			return 2;
		for (long i = 0; i < hold; i++) {
			fds[i] = dial(argv[1]);
			n += fds[i] >= 0;
		}
		sleep_ms(hold_ms);
		for (long i = 0; i < hold; i++) {
			struct pollfd p = {fds[i], POLLIN, 0};

			if (fds[i] < 0)
				continue;
			/* closed by the peer: readable with EOF */
			if (poll(&p, 1, 0) == 0 ||
			    (recv(fds[i], buf, 1, MSG_DONTWAIT | MSG_PEEK) < 0 &&
			     errno == EAGAIN))
				open_++;
			close(fds[i]);
		}
		printf("connected %d held %d\n", n, open_);
		free(fds);
		return 0;
	}
	for (;;) {
		ssize_t r;

		if (inlen == cap) {
			char *bigger = realloc(in, cap ? cap * 2 : 65536);

			if (bigger == NULL) {
				free(in);
				return 2;
			}
			in = bigger;
			cap = cap ? cap * 2 : 65536;
		}
		r = read(0, in + inlen, cap - inlen);
		if (r <= 0)
			break;
		inlen += (size_t)r;
	}
	rc = exchange(argv[1], in, inlen, chunk, delay, wait);
	free(in);
	return rc;
}
