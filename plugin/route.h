/*
 * route.h - the request URI in the canonical form dockerd's router sees.
 *
 * dockerd hands the plugin RequestUri raw, as the client wrote it. Its router
 * (gorilla/mux on the percent-decoded path) then routes a different string:
 * the absolute-form "scheme://host" dropped, the query split off, %XX
 * decoded (so "%2F" is a "/" to the router), and an optional "/v1.41" style
 * API-version prefix matched by the pattern "/v[0-9.]+". Rules match that
 * canonical path, so a rule cannot be walked around by spelling a path
 * differently. Paths the router would not take as they are ("//", "." and
 * ".." segments, which it redirects) are refused rather than guessed at.
 */
#ifndef CNZ_ROUTE_H
#define CNZ_ROUTE_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

struct route;

/*
 * Parses uri[0..len). Returns NULL and a reason in err when the URI is one
 * cnauthz denies; the reason quotes the URI printably.
 */
struct route *route_parse(const char *uri, size_t len, struct cnz_err *err);
void route_free(struct route *r);

/* The canonical path: decoded, version prefix removed, always "/..." */
const char *route_path(const struct route *r);
/* The API version from the prefix ("1.41"), or "" when there was none.
 * Only MAJOR.MINOR without leading zeros is accepted: any other spelling
 * of "/v[0-9.]+" is refused, since dockerd compares versions part by part
 * as integers and "1.023" would reach its handlers as 1.23. */
const char *route_version(const struct route *r);
/* True when dockerd's handlers see a version older than MAJOR.MINOR: the
 * prefix's, or without one dockerd's default (its newest, never older
 * than 1.24 in any dockerd cnauthz supports). */
bool route_version_before(const struct route *r, unsigned major,
			  unsigned minor);
/* The raw query string after the first '?', or "" when there was none. */
const char *route_query(const struct route *r);
/* Path segments ("/containers/json" has 2); the path "/" has 0. */
size_t route_nseg(const struct route *r);
const char *route_seg(const struct route *r, size_t i);
size_t route_seglen(const struct route *r, size_t i);

#endif
