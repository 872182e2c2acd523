/*
 * view.h - the read-only view of one request that modules see
 * (struct cnauthz_request of cnauthz_module.h), and the api table built-in
 * and loaded modules read it through.
 */
#ifndef CNZ_VIEW_H
#define CNZ_VIEW_H

#include <stdbool.h>

#include <jansson.h>
#include <stdatomic.h>

#include "cnauthz_module.h"

struct request;
struct identity;
struct route;

struct view_query; /* lazily parsed query string */
struct body;
struct jd_node;

/* What evaluation computes once per request, on first use. The view is
 * passed const; the cache is reached through a pointer to the view's own
 * storage, the one thing evaluation writes (one request, one thread). */
struct view_cache {
	struct view_query *query;
	struct body *body;  /* parsed on first use */
	bool body_tried;
	json_t *facts;      /* what built-in checks saw, for the audit */
	char fatal[384];    /* why this request cannot be judged, or "" */
	/* the fatal reason is a body that was not forwarded: one a rule
	 * wanted, or one that could override the query */
	bool fatal_unseen_body;
	char certbuf[1024]; /* api->cert's answer, until its next call */
};

struct cnauthz_request {
	const struct request *req;
	const struct identity *id;
	const struct route *route;
	struct view_cache *cache; /* points at cache_store */
	struct view_cache cache_store;
	/* Lifetime: decide() holds the view; a module call run under a
	 * deadline (guard.h) holds it too, as it may outlive decide(). The
	 * last release calls release(release_arg). */
	atomic_uint refs;
	void (*release)(void *arg);
	void *release_arg;
	atomic_bool abandoned; /* a guarded call overran: leave the caches */
	unsigned method_bit; /* view_method_bit of the request's method */
	/* Ownership (owners.h) for the owner module, or NULL; and whether
	 * this is dockerd's AuthZRes, after the call ran. Set by decide. */
	struct owners *owners;
	bool response;
	bool no_facts; /* nobody reads the facts (no audit trail) */
};

/* The bit of an HTTP method dockerd routes (GET, HEAD, POST, PUT, DELETE,
 * PATCH, OPTIONS, CONNECT, TRACE), compared exactly as its router does; 0
 * for any other. Rules compare bits instead of strings. */
unsigned view_method_bit_of(const char *s, size_t n);
static inline unsigned view_method_bit(const struct cnauthz_request *v)
{
	return v->method_bit;
}

extern const struct cnauthz_api view_api;

void view_init(struct cnauthz_request *v, const struct request *req,
	       const struct identity *id, const struct route *route);
void view_cleanup(struct cnauthz_request *v);
/* Sets who frees the view's owner when the last holder lets go (refs 1). */
void view_set_release(struct cnauthz_request *v, void (*release)(void *),
		      void *arg);
void view_hold(const struct cnauthz_request *v);
void view_release(const struct cnauthz_request *v);

/* For built-in modules. */
const struct route *view_route(const struct cnauthz_request *v);
const struct identity *view_identity(const struct cnauthz_request *v);
const struct request *view_request(const struct cnauthz_request *v);
/* The ownership store, or NULL; true for an AuthZRes. */
struct owners *view_owners(const struct cnauthz_request *v);
bool view_is_response(const struct cnauthz_request *v);
/* Whether a module's detailed facts would be read (the audit trail,
 * explain): a module may skip building costly ones when not. */
bool view_wants_facts(const struct cnauthz_request *v);
/* The values of query parameter name in order, as view_query_value reads
 * the first (and with its checks): *pos starts at 0; NULL after the
 * last. */
const char *view_query_each(const struct cnauthz_request *v,
			    const char *name, size_t *pos);
/* True when some query pair could not be parsed the way Go parses it (a
 * ';' separator, bad %-escape): dockerd then answers 400 or drops it. */
bool view_query_malformed(const struct cnauthz_request *v);

/*
 * The request body as JSON, read as dockerd reads it (body.h), or NULL.
 * NULL marks the view fatal: a rule wanted the body and it is not there
 * (dockerd forwarded none, whatever the headers say) or dockerd would read
 * it differently. A fatal view denies the request whatever the stack says:
 * an absent body is never an empty, harmless one.
 */
const struct jd_node *view_body_json(const struct cnauthz_request *v);
/* The first value of query parameter name, as dockerd's r.Form.Get reads
 * it, or NULL. Marks the view fatal when the query cannot be read as
 * dockerd reads it: a malformed pair, or a POST/PUT/PATCH with a
 * form-urlencoded body, whose values dockerd would take over the query's. */
const char *view_query_value(const struct cnauthz_request *v,
			     const char *name);
/* The first value as Go's url.ParseQuery gives it, without the checks
 * view_query_value makes (for tests of the parse itself). */
const char *view_query_raw(const struct cnauthz_request *v, const char *name);
/* Why the request cannot be judged, or NULL. */
const char *view_fatal(const struct cnauthz_request *v);
/* True when that reason is a body dockerd did not forward (a rule wanted
 * it, or it could override the query): what a request rebuilt from an
 * audit record, which keeps no body, always lacks. */
bool view_fatal_unseen_body(const struct cnauthz_request *v);
void view_set_fatal(const struct cnauthz_request *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Records a fact (key -> value, reference stolen) for the audit trail. */
void view_fact(const struct cnauthz_request *v, const char *key,
	       json_t *value);

/* Go's url.QueryUnescape of s[0..len) into out (len+1 bytes); -1 if bad. */
int view_query_unescape(const char *s, size_t len, char *out, size_t *outlen);

#endif
