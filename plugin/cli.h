/*
 * cli.h - the offline subcommands: "cnauthz check" validates a rules
 * directory, "cnauthz test" judges one request without a daemon. They run
 * the very code the daemon runs (ruleset_load, decide).
 */
#ifndef CNZ_CLI_H
#define CNZ_CLI_H

#include <stddef.h>

int cli_check(int argc, char **argv);
int cli_test(int argc, char **argv);

/* Reads a whole file ("-" for stdin) into a malloc'ed buffer. */
char *cli_read_file(const char *path, size_t max, size_t *len);

#endif
