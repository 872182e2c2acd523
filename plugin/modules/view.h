/*
 * view.h - the read-only view of one request that modules see
 * (struct cnauthz_request of cnauthz_module.h), and the api table built-in
 * and loaded modules read it through.
 */
#ifndef CNZ_VIEW_H
#define CNZ_VIEW_H

#include <stdbool.h>
#include <stddef.h>

#include "cnauthz_module.h"

struct request;
struct identity;
struct route;

struct owners;
struct body;
struct jd_node;
struct buf;

/*
 * The view is an object of view.c: made by view_new, shared by reference
 * (a module call run under a deadline, guard.h, may outlive decide() and
 * holds it too). What it describes - request, identity, route, context -
 * is fixed when it is made. What evaluation computes on first use (the
 * parsed query and body, the fatal reason, the audit facts) is the view's
 * evaluation state, a separate object it owns and points to: modules get
 * the view const (the ABI's), and reading the body fills that state.
 */
/* The bit of an HTTP method dockerd routes (GET, HEAD, POST, PUT, DELETE,
 * PATCH, OPTIONS, CONNECT, TRACE), compared exactly as its router does; 0
 * for any other. Rules compare bits instead of strings. */
unsigned view_method_bit_of(const char *s, size_t n);
unsigned view_method_bit(const struct cnauthz_request *v);

extern const struct cnauthz_api view_api;

/* A view of req as id on route, one reference held by the caller, or NULL
 * (no memory). The view does not own them: the caller keeps them alive
 * until the last reference goes (view_set_release says how to learn when). */
struct cnauthz_request *view_new(const struct request *req,
				 const struct identity *id,
				 const struct route *route);
/* As view_new, but the view owns req, id and route: the last release
 * frees them. */
struct cnauthz_request *view_new_owning(struct request *req,
					struct identity *id,
					struct route *route);
/* What decide() knows beyond the request: the ownership store (or NULL),
 * whether this is dockerd's AuthZRes, whether anybody reads the facts. */
void view_set_context(struct cnauthz_request *v, struct owners *owners,
		      bool response, bool want_facts);
/* release(arg) runs when the last reference goes, after the view is
 * freed: what else the evaluation read (the rule set) is let go there. */
void view_set_release(struct cnauthz_request *v, void (*release)(void *),
		      void *arg);
void view_hold(const struct cnauthz_request *v);
/* Drops a reference; the last one frees the view and calls release. */
void view_release(const struct cnauthz_request *v);
/* A guarded module call overran its deadline and may still be running
 * on the view: from now on nobody else reads its facts. */
void view_abandon(const struct cnauthz_request *v);
bool view_abandoned(const struct cnauthz_request *v);
/* The audit facts the built-in checks recorded, as a JSON object text
 * the caller frees, or NULL (none, or the view was abandoned). */
char *view_take_facts(struct cnauthz_request *v);

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
/*
 * Audit facts: what the built-in checks saw (never the body itself), kept
 * as the audit writes them. A key that looks like it could hold a secret
 * (view_fact_key_secret) is never recorded; a key recorded again replaces
 * its value in place. view_fact_str records a string (NULL: nothing),
 * view_fact_json a JSON value text the module wrote with
 * view_fact_add_str and buf_add_json_str.
 */
void view_fact_str(const struct cnauthz_request *v, const char *key,
		   const char *s);
void view_fact_json(const struct cnauthz_request *v, const char *key,
		    const char *json, size_t len);
/* Appends s as a fact's JSON string: cut at 512 bytes (on a character
 * boundary, "..." added), as the audit keeps it. */
void view_fact_add_str(struct buf *b, const char *s);
/* Whether a facts key looks like it could hold a secret (env, cmd,
 * password, token, auth, key, credential ...). */
bool view_fact_key_secret(const char *key);

/* Go's url.QueryUnescape of s[0..len) into out (len+1 bytes); -1 if bad. */
int view_query_unescape(const char *s, size_t len, char *out, size_t *outlen);

#endif
