/*
 * syslog-recv - a stand-in for the local syslog daemon in tests: binds an
 * AF_UNIX datagram socket and appends each datagram, plus a newline, to a
 * file, until it is killed.
 *
 *   syslog-recv SOCKET OUTFILE
 *
 * The socket is made (a stale one replaced) before the file is created, so
 * a test can wait for OUTFILE to know the socket is ready.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	static char buf[256 * 1024];
	struct sockaddr_un sa;
	int fd, out;
	ssize_t n;

	if (argc != 3) {
		fprintf(stderr, "usage: syslog-recv SOCKET OUTFILE\n");
		return 2;
	}
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	if (strlen(argv[1]) >= sizeof sa.sun_path) {
		fprintf(stderr, "syslog-recv: socket path too long\n");
		return 2;
	}
	memcpy(sa.sun_path, argv[1], strlen(argv[1]) + 1);
	unlink(argv[1]);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		fprintf(stderr, "syslog-recv: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	out = open(argv[2], O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (out < 0) {
		fprintf(stderr, "syslog-recv: %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	for (;;) {
		n = recv(fd, buf, sizeof buf - 1, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "syslog-recv: recv: %s\n", strerror(errno));
			return 1;
		}
		buf[n++] = '\n';
		if (write(out, buf, (size_t)n) != n) {
			fprintf(stderr, "syslog-recv: write: %s\n", strerror(errno));
			return 1;
		}
	}
}
