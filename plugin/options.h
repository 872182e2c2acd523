/*
 * options.h - the arguments of "cnauthz serve", parsed into struct
 * options with the daemon's defaults (cnauthz(8) describes each).
 */
#ifndef CNZ_OPTIONS_H
#define CNZ_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "audit.h"
#include "ruleset.h"
#include "server.h"

struct options {
	const char *rules_dir;              /* --rules */
	const char *socket_path;            /* --socket */
	const char *pidfile;                /* --pidfile, or NULL */
	unsigned threads;                   /* --threads */
	size_t max_body;                    /* --max-body */
	int verbose;                        /* --verbose, counted */
	/* --module-dir, --insecure-permissions (the daemon sets guard) */
	struct ruleset_opts load;
	const char *audit[AUDIT_MAX_SINKS]; /* --audit SPEC, in order */
	size_t naudit;
	bool audit_fail_open;               /* --audit-failure=allow */
	bool no_watch;                      /* --no-watch: SIGHUP only */
	unsigned conn_limit;                /* --max-connections */
	unsigned timeout;                   /* --idle-timeout, seconds */
	unsigned eval_timeout;              /* --eval-timeout, ms */
	enum server_mode mode;              /* --threading */
	const char *metrics;                /* --metrics ADDR, or NULL */
	bool metrics_cn_label;              /* --metrics-cn-label */
	const char *state_dir;              /* --state-dir (ownership) */
	const char *docker_socket;          /* --docker-socket */
	bool no_ownership;                  /* --no-ownership */
};

/*
 * Fills o from serve's argv (argv[0] is skipped), every option not given
 * at its default. On a bad or unexpected argument says why on stderr
 * (with the usage where it helps) and returns -1; --help prints the
 * usage on stdout and exits 0.
 */
int options_parse(int argc, char **argv, struct options *o);

#endif
