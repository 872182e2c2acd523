/*
 * view.h - the read-only view of one request that modules see
 * (struct cnauthz_request of cnauthz_module.h), and the api table built-in
 * and loaded modules read it through.
 */
#ifndef CNZ_VIEW_H
#define CNZ_VIEW_H

#include <stdbool.h>

#include "cnauthz_module.h"

struct request;
struct identity;
struct route;

struct view_query; /* lazily parsed query string */

/* What evaluation computes once per request, on first use. The view is
 * passed const; the cache is reached through a pointer to the view's own
 * storage, the one thing evaluation writes (one request, one thread). */
struct view_cache {
	struct view_query *query;
};

struct cnauthz_request {
	const struct request *req;
	const struct identity *id;
	const struct route *route;
	struct view_cache *cache; /* points at cache_store */
	struct view_cache cache_store;
};

extern const struct cnauthz_api view_api;

void view_init(struct cnauthz_request *v, const struct request *req,
	       const struct identity *id, const struct route *route);
void view_cleanup(struct cnauthz_request *v);

/* For built-in modules. */
const struct route *view_route(const struct cnauthz_request *v);
const struct identity *view_identity(const struct cnauthz_request *v);
const struct request *view_request(const struct cnauthz_request *v);
/* True when some query pair could not be parsed the way Go parses it (a
 * ';' separator, bad %-escape): dockerd then answers 400 or drops it. */
bool view_query_malformed(const struct cnauthz_request *v);

/* Go's url.QueryUnescape of s[0..len) into out (len+1 bytes); -1 if bad. */
int view_query_unescape(const char *s, size_t len, char *out, size_t *outlen);

#endif
