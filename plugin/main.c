/*
 * main.c - cnauthz, a Docker Engine authorization plugin: the client
 * certificate's CN picks a PAM-style rule stack that allows or denies each
 * API call. See cnauthz(8) and cnauthz-rules(5).
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "auditverify.h"
#include "cli.h"
#include "config.h"
#include "daemon.h"
#include "ownercli.h"
#include "replay.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: cnauthz [serve] [options]     run the plugin (default)\n"
		"       cnauthz check [--rules DIR]   validate a rules directory\n"
		"       cnauthz check --name NAME...  is NAME a valid CN?\n"
		"       cnauthz test [--rules DIR] (--cn CN | --cert FILE | --local)\n"
		"                    --method M --uri URI [--body FILE] | --request FILE\n"
		"                    [--explain | --json]  judge one call\n"
		"       cnauthz replay [--rules DIR] [--diff OLD_DIR] [--exit-code] FILE...\n"
		"       cnauthz audit verify [--strict] [--quiet] FILE...\n"
		"       cnauthz audit show [--cn CN] [--deny] [--since TIME] [--json] FILE...\n"
		"       cnauthz owners [--state-dir DIR] list | set KIND REF OWNER | unset KIND REF\n"
		"       cnauthz version\n"
		"Each command's --help lists its options. See cnauthz(8).\n");
}

/*
 * A bare "cnauthz" serves the default rules directory - when there is
 * one. A first try on a machine without it gets what to do instead of a
 * daemon's error.
 */
static int bare(void)
{
	struct stat st;

	if (stat(CNAUTHZ_RULES_DIR, &st) == 0)
		return -1; /* serve it */
	fprintf(stderr,
		"cnauthz: there is no rules directory %s, so nothing to serve.\n"
		"  make run                      serves the repository's rules/ (from a clone)\n"
		"  make install                  puts the shipped rules in %s\n"
		"  cnauthz serve --rules DIR     serves another directory\n"
		"  cnauthz check --rules DIR     checks one\n"
		"  cnauthz --help                lists every command\n",
		CNAUTHZ_RULES_DIR, CNAUTHZ_RULES_DIR);
	return 2;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "serve";

	if (argc == 1 && bare() == 2)
		return 2;

	if (argc > 1 && argv[1][0] == '-') {
		if (strcmp(argv[1], "--help") == 0 ||
		    strcmp(argv[1], "-h") == 0) {
			usage(stdout);
			return 0;
		}
		if (strcmp(argv[1], "--version") == 0) {
			printf("cnauthz %s\n", CNAUTHZ_VERSION);
			return 0;
		}
		return daemon_main(argc, argv); /* "cnauthz --rules ..." */
	}
	if (strcmp(cmd, "serve") == 0)
		return daemon_main(argc > 1 ? argc - 1 : argc,
				   argc > 1 ? argv + 1 : argv);
	if (strcmp(cmd, "check") == 0)
		return cli_check_main(argc - 1, argv + 1);
	if (strcmp(cmd, "test") == 0)
		return cli_test_main(argc - 1, argv + 1);
	if (strcmp(cmd, "replay") == 0)
		return replay_main(argc - 1, argv + 1);
	if (strcmp(cmd, "audit") == 0)
		return audit_main(argc - 1, argv + 1);
	if (strcmp(cmd, "owners") == 0)
		return ownercli_main(argc - 1, argv + 1);
	if (strcmp(cmd, "version") == 0) {
		printf("cnauthz %s\n", CNAUTHZ_VERSION);
		return 0;
	}
	if (strcmp(cmd, "help") == 0) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "cnauthz: unknown command \"%s\"\n", cmd);
	usage(stderr);
	return 2;
}
