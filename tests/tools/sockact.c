/*
 * sockact - what systemd's socket activation gives cnauthz, for a test
 * machine without a running systemd: it binds and listens on SOCKET, then
 * runs COMMAND with that socket as fd 3 (LISTEN_FDS=1, LISTEN_PID = the
 * child's pid) and starts it again, after DELAY ms, whenever it exits.
 * The listening socket outlives every instance, so connections made while
 * none runs wait in the backlog instead of being refused.
 *
 *   sockact SOCKET DELAY_MS COMMAND [ARG...]
 *
 * SIGTERM stops it (and the current instance).
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;
static volatile pid_t child;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
	if (child > 0)
		kill(child, SIGTERM);
}

int main(int argc, char **argv)
{
	struct sockaddr_un sa;
	struct sigaction act;
	long delay;
	int fd;

	if (argc < 4) {
		fprintf(stderr, "usage: sockact SOCKET DELAY_MS COMMAND [ARG...]\n");
		return 2;
	}
	delay = strtol(argv[2], NULL, 10);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", argv[1]);
	unlink(argv[1]);
	umask(0177);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
	    listen(fd, 128) < 0) {
		perror("sockact");
		return 1;
	}
	memset(&act, 0, sizeof act);
	act.sa_handler = on_term;
	sigaction(SIGTERM, &act, NULL);
	sigaction(SIGINT, &act, NULL);
	while (!stop) {
		pid_t p = fork();
		int st;

		if (p == 0) {
			char pid[32];

			if (fd != 3) {
				dup2(fd, 3);
				close(fd);
			}
			snprintf(pid, sizeof pid, "%ld", (long)getpid());
			setenv("LISTEN_PID", pid, 1);
			setenv("LISTEN_FDS", "1", 1);
			execvp(argv[3], argv + 3);
			_exit(127);
		}
		child = p;
		while (waitpid(p, &st, 0) < 0 && errno == EINTR)
			;
		child = 0;
		fprintf(stderr, "sockact: instance %ld ended (%s %d)\n", (long)p,
			WIFSIGNALED(st) ? "signal" : "status",
			WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
		if (!stop) {
			struct timespec ts = {delay / 1000, (delay % 1000) * 1000000L};

			nanosleep(&ts, NULL);
		}
	}
	unlink(argv[1]);
	return 0;
}
