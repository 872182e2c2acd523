/*
 * rulesver.h - the rule set's version: the first line of the file
 * .cnauthz-version in the rules directory, read with the set (on the
 * same directory descriptor, with the same strict checks), so that the
 * set in force can be tied to what it was made from - typically the git
 * commit of the checkout (cnauthz(8), "Policy from git").
 *
 * The version is 1 to RULESVER_MAX characters of [A-Za-z0-9._:/@+-],
 * ended by a newline or the end of the file; whatever follows the first
 * line is ignored. It goes into logs and a metrics label: anything else
 * is refused, never passed on.
 */
#ifndef CNZ_RULESVER_H
#define CNZ_RULESVER_H

#include <stddef.h>

#define RULESVER_FILE ".cnauthz-version"
#define RULESVER_MAX 64

/* Parses buf[0..len) into out (RULESVER_MAX + 1 bytes): 0, or -1 with a
 * static *why (out is then ""). */
int rulesver_parse(const char *buf, size_t len, char *out, const char **why);

#endif
