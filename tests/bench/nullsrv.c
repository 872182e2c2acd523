/*
 * nullsrv.c - the transport limit: cnauthz's own HTTP side (server.c's
 * server_start, so the same libmicrohttpd threading, pool size, limits and
 * body handling as "cnauthz serve") with the decision replaced by a fixed
 * {"Allow":true,"Msg":""}. Whatever cnauthz costs above this is the cost of
 * deciding.
 *
 *   nullsrv [serve] [--socket PATH] [--threads N] [--max-body BYTES]
 *           [--rules DIR] [--verbose] [--work-ns N]
 *
 * The arguments are cnauthz serve's, so tests/lib/e2e.sh can start it as
 * the plugin (E2E_PLUGIN_BIN); --rules and --verbose are accepted and
 * ignored. The defaults are the daemon's (daemon.c: 2 threads, the server's
 * default body cap). SIGINT/SIGTERM stop it; SIGHUP is ignored.
 *
 * --work-ns N makes it spin N ns before each answer: a stand-in for a
 * plugin that does N ns of work, to show what the transport charges for
 * the first microsecond of work on this machine (run.sh's calibration).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "corpus.h"
#include "server.h"
#include "text.h"

static unsigned handle(void *arg, enum server_call call, const char *body,
		       size_t len, struct buf *reply)
{
	const unsigned long long *work_ns = arg;

	if (*work_ns > 0) {
		unsigned long long t0 = bench_now_ns();

		while (bench_now_ns() - t0 < *work_ns)
			;
	}
	(void)call;
	(void)body;
	(void)len;
	buf_adds(reply, "{\"Allow\":true,\"Msg\":\"\"}");
	return reply->oom ? 500 : 200;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{"socket", required_argument, NULL, 's'},
		{"threads", required_argument, NULL, 't'},
		{"max-body", required_argument, NULL, 'm'},
		{"rules", required_argument, NULL, 'r'},
		{"verbose", no_argument, NULL, 'v'},
		{"work-ns", required_argument, NULL, 'w'},
		{NULL, 0, NULL, 0},
	};
	struct server_opts so;
	struct server *s;
	struct cnz_err err;
	char buf[1024];
	sigset_t set;
	unsigned long long work_ns = 0;
	int ch, sig;

	memset(&so, 0, sizeof so);
	so.socket_path = "/run/docker/plugins/cnauthz-null.sock";
	so.listen_fd = -1;
	so.threads = 2; /* daemon.c's default */
	so.max_body = SERVER_DEFAULT_MAX_BODY;
	if (argc > 1 && strcmp(argv[1], "serve") == 0) {
		argv++;
		argc--;
	}
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 's':
			so.socket_path = optarg;
			break;
		case 't':
			so.threads = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'm':
			so.max_body = strtoul(optarg, NULL, 10);
			break;
		case 'w':
			work_ns = strtoull(optarg, NULL, 10);
			break;
		case 'r':
		case 'v':
			break;
		default:
			fprintf(stderr, "usage: nullsrv [serve] [--socket PATH] "
					"[--threads N] [--max-body BYTES] [--work-ns N]\n");
			return 2;
		}
	}

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	s = server_start(&so, handle, &work_ns, &err);
	if (s == NULL) {
		fprintf(stderr, "nullsrv: %s\n", cnz_err_str(&err, buf, sizeof buf));
		return 1;
	}
	fprintf(stderr, "nullsrv[%ld]: serving on %s, %u thread(s)\n",
		(long)getpid(), so.socket_path, so.threads);
	for (;;) {
		if (sigwait(&set, &sig) != 0 || sig == SIGHUP)
			continue;
		break;
	}
	server_stop(s);
	return 0;
}
