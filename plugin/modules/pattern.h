/*
 * pattern.h - path patterns for rules: "/containers/ANY/{start,stop}" with
 * ANY written as a star.
 *
 * A pattern is matched against the canonical path segment by segment:
 *   *      within a segment, any run of characters (so "*" alone is exactly
 *          one segment); ?  one character
 *   **     a whole segment: zero or more segments
 *   {a,b}  alternatives, anywhere, nestable; they may contain '/'
 * Everything else matches itself, case-sensitively, as dockerd's router
 * does. "/" matches only the path "/"; a lone "**" segment matches every
 * path.
 */
#ifndef CNZ_PATTERN_H
#define CNZ_PATTERN_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

struct pattern;
struct route;

#define PATTERN_MAX_LEN 1024
#define PATTERN_MAX_ALTS 64

/* On error returns NULL with err: its col is the 1-based byte offset in s. */
struct pattern *pattern_compile(const char *s, struct cnz_err *err);
void pattern_free(struct pattern *p);
bool pattern_match(const struct pattern *p, const struct route *r);
/* The pattern's source text. */
const char *pattern_text(const struct pattern *p);

/* Glob match of one segment: '*' and '?' as above. Exposed for tests. */
bool pattern_glob(const char *pat, size_t plen, const char *s, size_t slen);

#endif
