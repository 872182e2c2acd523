/*
 * cli.h - the offline subcommands: "cnauthz check" validates a rules
 * directory, "cnauthz test" judges one request without a daemon. They run
 * the very code the daemon runs (ruleset_load, decide).
 */
#ifndef CNZ_CLI_H
#define CNZ_CLI_H

#include <stddef.h>

/* "cnauthz check ARGS" and "cnauthz test ARGS": argv[0] is the
 * subcommand. The exit status. */
int cli_check_main(int argc, char **argv);
int cli_test_main(int argc, char **argv);

/* Who owns what for test and replay: dir's owners.json, or without dir
 * the daemon's default state directory's; an empty store when there is
 * none. NULL (said on stderr, as cmd) when it cannot be read. */
struct owners;
struct owners *cli_owners(const char *dir, const char *cmd);

/* Reads a whole file ("-" for stdin) into a malloc'ed buffer. */
char *cli_read_file(const char *path, size_t max, size_t *len);

#endif
