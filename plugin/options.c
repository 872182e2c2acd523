/* options.c - see options.h */
#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: cnauthz [serve] [--rules DIR] [--socket PATH] [--threads N]\n"
		"                       [--threading pool|per-connection] [--max-body BYTES]\n"
		"                       [--verbose] [--pidfile FILE] [--audit SINK]...\n"
		"                       [--audit-failure=deny|allow] [--module-dir DIR]\n"
		"                       [--eval-timeout MS] [--max-connections N]\n"
		"                       [--idle-timeout SECONDS] [--no-watch]\n"
		"                       [--metrics ADDR [--metrics-cn-label]]\n"
		"                       [--insecure-permissions] [--state-dir DIR]\n"
		"                       [--docker-socket PATH] [--no-ownership]\n"
		"Serves the rules to dockerd on a unix socket, in the foreground.\n"
		"  --rules DIR             the rules directory (default %s)\n"
		"  --socket PATH           the socket (default %s);\n"
		"                          missing directories are made under /run only\n"
		"  --threads N             worker threads (default: one per CPU, at most 16)\n"
		"  --threading MODE        pool (default) or per-connection\n"
		"  --max-body BYTES        the largest AuthZReq taken (default 16 MiB)\n"
		"  --verbose               log allowed calls too\n"
		"  --pidfile FILE          write the pid there while serving\n"
		"  --audit SINK            an audit trail: file:/PATH, syslog[:FACILITY][@/SOCKET]\n"
		"                          or stdout; up to 16\n"
		"  --audit-failure=MODE    deny (default): no decision without a record;\n"
		"                          allow: answer anyway\n"
		"  --module-dir DIR        where modules named by name are found\n"
		"                          (default %s)\n"
		"  --eval-timeout MS       how long a loaded module may take (default 1000)\n"
		"  --max-connections N     connections served at once (default 256)\n"
		"  --idle-timeout SECONDS  close an idle connection after (default 300)\n"
		"  --no-watch              reload on SIGHUP only, not on changes\n"
		"  --metrics ADDR          serve Prometheus metrics at /metrics on a unix\n"
		"                          socket path or 127.0.0.1:PORT (default: off)\n"
		"  --metrics-cn-label      count decisions by CN too (a series per CN)\n"
		"  --insecure-permissions  skip the owner and mode checks (tests only)\n"
		"  --state-dir DIR         who owns what (default %s)\n"
		"  --docker-socket PATH    dockerd's socket, asked what objects it has\n"
		"                          (default %s)\n"
		"  --no-ownership          keep no ownership: the owner module denies\n"
		"See cnauthz(8).\n",
		CNAUTHZ_RULES_DIR, CNAUTHZ_SOCKET, CNAUTHZ_MODULE_DIR,
		CNAUTHZ_STATE_DIR, CNAUTHZ_DOCKER_SOCKET);
}

/* A usage error: what is wrong ("WHAT ARG" or "WHAT \"ARG\""), and
 * where the options are listed. */
static int misuse(const char *what, const char *arg, bool quote)
{
	fprintf(stderr, "cnauthz serve: %s%s%s%s\n"
			"(cnauthz serve --help lists the options)\n",
		quote ? what : arg, quote ? " \"" : " ", quote ? arg : what,
		quote ? "\"" : "");
	return -1;
}

int options_parse(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{"rules", required_argument, NULL, 'r'},
		{"socket", required_argument, NULL, 's'},
		{"threads", required_argument, NULL, 't'},
		{"max-body", required_argument, NULL, 'm'},
		{"verbose", no_argument, NULL, 'v'},
		{"pidfile", required_argument, NULL, 'p'},
		{"audit", required_argument, NULL, 'a'},
		{"audit-failure", required_argument, NULL, 'A'},
		{"module-dir", required_argument, NULL, 'M'},
		{"insecure-permissions", no_argument, NULL, 'I'},
		{"no-watch", no_argument, NULL, 'W'},
		{"max-connections", required_argument, NULL, 'c'},
		{"idle-timeout", required_argument, NULL, 'T'},
		{"eval-timeout", required_argument, NULL, 'E'},
		{"threading", required_argument, NULL, 'P'},
		{"metrics", required_argument, NULL, 'X'},
		{"metrics-cn-label", no_argument, NULL, 'Y'},
		{"state-dir", required_argument, NULL, 'S'},
		{"docker-socket", required_argument, NULL, 'D'},
		{"no-ownership", no_argument, NULL, 'O'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;
	char *end;
	unsigned long v;

	memset(o, 0, sizeof *o);
	o->rules_dir = CNAUTHZ_RULES_DIR;
	o->socket_path = CNAUTHZ_SOCKET;
	{
		long n = sysconf(_SC_NPROCESSORS_ONLN); /* see server.h */

		o->threads = n < 1 ? 1 : n > 16 ? 16 : (unsigned)n;
	}
	o->max_body = SERVER_DEFAULT_MAX_BODY;
	o->load.module_dir = CNAUTHZ_MODULE_DIR;
	o->conn_limit = 256;
	o->timeout = 300;
	o->eval_timeout = 1000;
	/* the environment may move the defaults (tests do: cnauthz(8)) */
	o->state_dir = getenv("CNAUTHZ_STATE_DIR");
	if (o->state_dir == NULL || o->state_dir[0] == '\0')
		o->state_dir = CNAUTHZ_STATE_DIR;
	o->docker_socket = getenv("CNAUTHZ_DOCKER_SOCKET");
	if (o->docker_socket == NULL || o->docker_socket[0] == '\0')
		o->docker_socket = CNAUTHZ_DOCKER_SOCKET;
	optind = 1;
	opterr = 0; /* each usage error is said below, in a sentence */
	while ((c = getopt_long(argc, argv, ":r:s:t:m:vh", longopts, NULL)) !=
	       -1) {
		switch (c) {
		case 'r':
			o->rules_dir = optarg;
			break;
		case 's':
			o->socket_path = optarg;
			break;
		case 't':
		case 'm':
		case 'c':
		case 'T':
		case 'E':
			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || v == 0 ||
			    (c == 't' && v > 64) ||
			    (c == 'm' && v > 1024UL * 1024 * 1024) ||
			    (c == 'c' && v > 65536) || (c == 'T' && v > 86400) ||
			    (c == 'E' && v > 600000)) {
				fprintf(stderr, "cnauthz: bad --%s value \"%s\"\n",
					c == 't' ? "threads" : c == 'm' ? "max-body"
					: c == 'c' ? "max-connections"
					: c == 'T' ? "idle-timeout" : "eval-timeout",
					optarg);
				return -1;
			}
			if (c == 't')
				o->threads = (unsigned)v;
			else if (c == 'm')
				o->max_body = v;
			else if (c == 'c')
				o->conn_limit = (unsigned)v;
			else if (c == 'T')
				o->timeout = (unsigned)v;
			else
				o->eval_timeout = (unsigned)v;
			break;
		case 'M':
			o->load.module_dir = optarg;
			break;
		case 'I':
			o->load.insecure_permissions = true;
			break;
		case 'W':
			o->no_watch = true;
			break;
		case 'X':
			o->metrics = optarg;
			break;
		case 'Y':
			o->metrics_cn_label = true;
			break;
		case 'S':
			o->state_dir = optarg;
			break;
		case 'D':
			o->docker_socket = optarg;
			break;
		case 'O':
			o->no_ownership = true;
			break;
		case 'P':
			if (strcmp(optarg, "pool") == 0) {
				o->mode = SERVER_POOL;
			} else if (strcmp(optarg, "per-connection") == 0) {
				o->mode = SERVER_PER_CONNECTION;
			} else {
				fprintf(stderr,
					"cnauthz: bad --threading value \"%s\" (pool or per-connection)\n",
					optarg);
				return -1;
			}
			break;
		case 'v':
			o->verbose++;
			break;
		case 'p':
			o->pidfile = optarg;
			break;
		case 'a':
			if (o->naudit == AUDIT_MAX_SINKS) {
				fprintf(stderr, "cnauthz: at most %d --audit sinks\n",
					AUDIT_MAX_SINKS);
				return -1;
			}
			o->audit[o->naudit++] = optarg;
			break;
		case 'A':
			if (strcmp(optarg, "deny") == 0) {
				o->audit_fail_open = false;
			} else if (strcmp(optarg, "allow") == 0) {
				o->audit_fail_open = true;
			} else {
				fprintf(stderr,
					"cnauthz: bad --audit-failure value \"%s\" (deny or allow)\n",
					optarg);
				return -1;
			}
			break;
		case 'h':
			opterr = 1;
			usage(stdout);
			exit(0);
		case ':':
			opterr = 1;
			return misuse("needs a value", argv[optind - 1], false);
		default:
			opterr = 1;
			return misuse("unknown option", argv[optind - 1], true);
		}
	}
	opterr = 1;
	if (optind != argc)
		return misuse("unexpected argument", argv[optind], true);
	if (o->metrics_cn_label && o->metrics == NULL) {
		fprintf(stderr, "cnauthz: --metrics-cn-label needs --metrics ADDR\n");
		return -1;
	}
	return 0;
}
