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
		"                       [--max-body BYTES] [--verbose] [--pidfile FILE]\n"
		"                       [--audit file:/PATH | syslog[:FACILITY][@/SOCKET] | stdout]...\n"
		"                       [--audit-failure=deny|allow] [--module-dir DIR]\n"
		"                       [--max-connections N] [--idle-timeout SECONDS]\n"
		"                       [--eval-timeout MS] [--threading pool|per-connection]\n"
		"                       [--no-watch] [--insecure-permissions]\n");
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
	optind = 1;
	while ((c = getopt_long(argc, argv, "r:s:t:m:vh", longopts, NULL)) !=
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
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "cnauthz: unexpected argument \"%s\"\n",
			argv[optind]);
		usage(stderr);
		return -1;
	}
	return 0;
}
