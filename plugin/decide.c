/* decide.c - see decide.h */
#include "decide.h"

#include <openssl/evp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "idcache.h"
#include "identity.h"
#include "request.h"
#include "route.h"
#include "ruleset.h"
#include "rulefile.h"
#include "text.h"
#include "view.h"

/* What an AuthZReq and its AuthZRes have in common. */
static void request_digest(const struct request *r, char *hex)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	const unsigned char *body;
	size_t blen;

	body = (const unsigned char *)request_body_b64(r, &blen);
	if (ctx == NULL || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) ||
	    !EVP_DigestUpdate(ctx, request_user(r), strlen(request_user(r)) + 1) ||
	    !EVP_DigestUpdate(ctx, request_method(r), strlen(request_method(r)) + 1) ||
	    !EVP_DigestUpdate(ctx, request_uri(r), request_uri_len(r) + 1) ||
	    (body != NULL && !EVP_DigestUpdate(ctx, body, blen)) ||
	    !EVP_DigestFinal_ex(ctx, md, &mdlen))
		mdlen = 0;
	text_hex(md, mdlen < 32 ? mdlen : 32, hex);
	EVP_MD_CTX_free(ctx);
}

/* What the decision records of the request, before anything is judged. */
static void describe(struct decision *d, const struct request *req, bool digest)
{
	text_printable(d->uri, sizeof d->uri, request_uri(req),
		       request_uri_len(req));
	d->status = request_status(req);
	if (digest)
		request_digest(req, d->digest);
	text_printable(d->method, sizeof d->method, request_method(req),
		       strlen(request_method(req)));
}

/* Every denial says the same thing first, "WHO may not METHOD PATH: ", as
 * far as they are known, then its reasons (strings up to a NULL). */
static void __attribute__((sentinel)) deny(struct decision *d, ...)
{
	size_t len = 0;
	const char *s;
	va_list ap;

	d->allow = false;
	d->msg[0] = '\0';
	text_append(d->msg, sizeof d->msg, &len, d->who);
	text_append(d->msg, sizeof d->msg, &len, " may not ");
	text_append(d->msg, sizeof d->msg, &len, d->method);
	if (d->method[0] != '\0' && d->path[0] != '\0')
		text_append(d->msg, sizeof d->msg, &len, " ");
	text_append(d->msg, sizeof d->msg, &len, d->path);
	text_append(d->msg, sizeof d->msg, &len, ": ");
	va_start(ap, d);
	while ((s = va_arg(ap, const char *)) != NULL)
		text_append(d->msg, sizeof d->msg, &len, s);
	va_end(ap);
}

static void unref_ruleset(void *rs)
{
	ruleset_unref(rs);
}

/* The view the stack reads. It owns req, id and route (they become NULL
 * here) and holds the rule set: a module call that overran its deadline
 * (guard.h) may still read them after decide() returned. NULL when out of
 * memory, nothing taken. */
static struct cnauthz_request *view_of(struct ruleset *rs,
				       struct request **req,
				       struct identity **id,
				       struct route **route,
				       const struct decide_opts *o)
{
	struct cnauthz_request *view = view_new_owning(*req, *id, *route);

	if (view == NULL)
		return NULL;
	*req = NULL;
	*id = NULL;
	*route = NULL;
	view_set_release(view, unref_ruleset, ruleset_ref(rs));
	view_set_context(view, o->owners, o->response, !o->no_facts);
	return view;
}

/* cnauthz's own request to dockerd (decide_hooks.self): allowed, no
 * stack run. */
static bool own_call(const struct decide_opts *o, const struct request *req,
		     const struct identity *id, const struct route *route,
		     struct decision *d)
{
	if (o->hooks == NULL || o->hooks->self == NULL ||
	    !o->hooks->self(o->hooks_arg, req, id, route))
		return false;
	d->allow = true;
	text_join(d->rule, sizeof d->rule, "cnauthz:self", NULL);
	text_join(d->msg, sizeof d->msg, "cnauthz's own request to dockerd",
		  NULL);
	return true;
}

/* The rule file whose stack runs: the identity's, or the one asked for
 * (cnauthz test --stack). False, the denial said, when it cannot run. */
static bool pick_stack(struct ruleset *rs, const struct identity *id,
		       const struct decide_opts *o, struct decision *d,
		       struct ruleset_pick *p)
{
	if (o->stack != NULL)
		ruleset_pick_name(rs, o->stack, p);
	else
		ruleset_pick(rs, id, p);
	text_join(d->stack, sizeof d->stack, p->name, NULL);
	if (p->stack != NULL)
		return true;
	deny(d, "rule file ", p->name,
	     identity_is_local(id) || strcmp(p->name, "@other") == 0
		     ? ": " : " is invalid: ", p->error, NULL);
	return false;
}

/* What the stack concluded, or the reason the request cannot be judged. */
static void verdict(struct decision *d, const struct cnauthz_request *view,
		    const struct stack_result *res, const char *stack)
{
	char q[256], num[TEXT_UINT_MAX];

	if (res->decider != NULL)
		text_join(d->rule, sizeof d->rule, res->decider->file, ":",
			  text_uint(res->decider->line->line, num), NULL);
	d->allow = res->allow;
	if (view_fatal(view) != NULL) {
		/* A rule wanted what the request does not show as dockerd
		 * will read it: deny, whatever the stack concluded. */
		d->body_unseen = view_fatal_unseen_body(view);
		deny(d, view_fatal(view), d->rule[0] ? " (" : "", d->rule,
		     d->rule[0] ? ")" : "", NULL);
	} else if (res->allow) {
		text_join(d->msg, sizeof d->msg, "allowed by ", d->rule, NULL);
	} else if (res->decider == NULL) {
		deny(d, "no rule in ", stack, " allows it", NULL);
	} else {
		text_printable(q, sizeof q, res->msg, strlen(res->msg));
		deny(d, q[0] ? q : rule_result_name((int)res->status), " (",
		     d->rule, ")", NULL);
	}
}

void decide(struct ruleset *rs, const char *buf, size_t len,
	    const struct decide_opts *o, struct decision *d)
{
	static const struct decide_opts defaults;
	struct request *req;
	struct identity *id = NULL;
	struct route *route = NULL;
	struct cnauthz_request *view;
	struct ruleset_pick pick;
	struct stack_result res;
	struct cnz_err err;
	char why[CNZ_ERR_MSG];

	o = o != NULL ? o : &defaults;
	memset(d, 0, sizeof *d);
	d->who[0] = '?';
	text_join(d->ruleset, sizeof d->ruleset, ruleset_hash(rs), NULL);
	if ((req = request_decode(buf, len, &err)) == NULL) {
		/* the message quotes the bytes it could not read */
		text_join(d->msg, sizeof d->msg, "malformed AuthZReq: ",
			  text_printable(why, sizeof why, err.msg,
					 strlen(err.msg)), NULL);
		return;
	}
	describe(d, req, o->digest);
	id = o->as != NULL ? identity_ref(o->as)
			   : idcache_identity(o->cache, req, &err);
	if (id == NULL) {
		text_join(d->msg, sizeof d->msg, "identity refused: ", err.msg,
			  NULL);
		goto out;
	}
	d->id = identity_ref(id);
	text_join(d->who, sizeof d->who, identity_label(id), NULL);
	if ((route = route_parse(request_uri(req), request_uri_len(req),
				 &err)) == NULL) {
		deny(d, err.msg, NULL);
		goto out;
	}
	text_printable(d->path, sizeof d->path, route_path(route),
		       strlen(route_path(route)));
	if (request_method(req)[0] == '\0') {
		deny(d, "the request has no method", NULL);
		goto out;
	}
	if (own_call(o, req, id, route, d) || !pick_stack(rs, id, o, d, &pick))
		goto out;
	if ((view = view_of(rs, &req, &id, &route, o)) == NULL) {
		deny(d, "out of memory", NULL);
		goto out;
	}
	stack_eval_until(pick.stack, &view_api, view, view_fatal, &res,
			 o->trace, o->trace_arg);
	verdict(d, view, &res, pick.name);
	d->facts = view_take_facts(view);
	if (o->hooks != NULL && o->hooks->after != NULL && !view_abandoned(view))
		o->hooks->after(o->hooks_arg, view, d);
	view_release(view);
out:
	route_free(route);
	identity_unref(id);
	request_free(req);
}

void decision_clear(struct decision *d)
{
	identity_unref(d->id);
	d->id = NULL;
	free(d->facts);
	d->facts = NULL;
}
