/* decide.c - see decide.h */
#include "decide.h"

#include <openssl/evp.h>
#include <stdatomic.h>
#include <stdio.h>
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

/*
 * What a stack evaluation reads, owned together: a module call that overran
 * its deadline (guard.h) may still be reading it after decide() returned,
 * so it is freed by whoever lets go of the view last.
 */
struct owner {
	struct cnauthz_request view;
	struct request *req;
	struct identity *id;
	struct route *route;
	struct ruleset *rs; /* the modules' states and code stay loaded */
};

static void owner_free(void *arg)
{
	struct owner *ow = arg;

	view_cleanup(&ow->view);
	route_free(ow->route);
	identity_unref(ow->id);
	request_free(ow->req);
	ruleset_unref(ow->rs);
	free(ow);
}

void decide(const struct ruleset *rs, const char *buf, size_t len,
	    const struct decide_opts *o, struct decision *d)
{
	struct request *req = NULL;
	struct identity *id = NULL;
	struct route *route = NULL;
	struct ruleset_pick pick;
	struct stack_result res;
	struct owner *ow;
	struct cnauthz_request *view;
	struct cnz_err err;
	char why[512], q[256], num[TEXT_UINT_MAX];

	memset(d, 0, sizeof *d);
	d->who[0] = '?';
	text_join(d->ruleset, sizeof d->ruleset, ruleset_hash(rs), NULL);
	req = request_decode(buf, len, &err);
	if (req == NULL) {
		/* jansson's message quotes the bytes it could not read */
		text_join(d->msg, sizeof d->msg, "malformed AuthZReq: ",
			  text_printable(why, sizeof why, err.msg,
					 strlen(err.msg)),
			  NULL);
		return;
	}
	text_printable(d->uri, sizeof d->uri, request_uri(req),
		       request_uri_len(req));
	d->status = request_status(req);
	if (o != NULL && o->digest)
		request_digest(req, d->digest);
	text_printable(d->method, sizeof d->method, request_method(req),
		       strlen(request_method(req)));
	if (o != NULL && o->as != NULL) {
		id = identity_ref(o->as);
	} else if (o != NULL && o->cache != NULL && request_ncerts(req) > 0) {
		size_t clen;
		const char *cert = request_cert_b64(req, 0, &clen);
		struct identity *hit = idcache_get(o->cache, cert, clen);

		id = identity_from_request(req, hit, &err);
		if (hit == NULL && id != NULL)
			idcache_put(o->cache, cert, clen, id);
		identity_unref(hit);
	} else {
		id = identity_from_request(req, NULL, &err);
	}
	if (id == NULL) {
		text_join(d->msg, sizeof d->msg, "identity refused: ", err.msg,
			  NULL);
		goto out;
	}
	d->id = identity_ref(id);
	text_join(d->who, sizeof d->who, identity_label(id), NULL);
	route = route_parse(request_uri(req), request_uri_len(req), why,
			    sizeof why);
	if (route == NULL) {
		text_join(d->msg, sizeof d->msg, d->who, " may not ", d->method,
			  ": ", why, NULL);
		goto out;
	}
	text_printable(d->path, sizeof d->path, route_path(route),
		       strlen(route_path(route)));
	if (request_method(req)[0] == '\0') {
		text_join(d->msg, sizeof d->msg, d->who, " may not ", d->path,
			  ": the request has no method", NULL);
		goto out;
	}

	if (o != NULL && o->hooks != NULL && o->hooks->self != NULL &&
	    o->hooks->self(o->hooks_arg, req, id, route)) {
		d->allow = true;
		text_join(d->rule, sizeof d->rule, "cnauthz:self", NULL);
		text_join(d->msg, sizeof d->msg,
			  "cnauthz's own request to dockerd", NULL);
		goto out;
	}
	if (o != NULL && o->stack != NULL)
		ruleset_pick_name(rs, o->stack, &pick);
	else
		ruleset_pick(rs, id, &pick);
	text_join(d->stack, sizeof d->stack, pick.name, NULL);
	if (pick.stack == NULL) {
		bool absent = identity_is_local(id) ||
			      strcmp(pick.name, "@other") == 0;

		text_join(d->msg, sizeof d->msg, d->who, " may not ",
			  d->method, " ", d->path, ": rule file ", pick.name,
			  absent ? ": " : " is invalid: ", pick.error, NULL);
		goto out;
	}

	ow = calloc(1, sizeof *ow);
	if (ow == NULL) {
		text_join(d->msg, sizeof d->msg, d->who, " may not ",
			  d->method, " ", d->path, ": out of memory", NULL);
		goto out;
	}
	/* from here the owner has them */
	ow->req = req;
	ow->id = id;
	ow->route = route;
	ow->rs = ruleset_ref(rs);
	req = NULL;
	id = NULL;
	route = NULL;
	view = &ow->view;
	view_init(view, ow->req, ow->id, ow->route);
	view_set_release(view, owner_free, ow);
	if (o != NULL) {
		view->owners = o->owners;
		view->response = o->response;
		view->no_facts = o->no_facts;
	}
	stack_eval_until(pick.stack, &view_api, view, view_fatal, &res,
			 o != NULL ? o->trace : NULL,
			 o != NULL ? o->trace_arg : NULL);
	if (!atomic_load(&view->abandoned)) {
		/* (an overrunning module may still write the caches) */
		d->facts = view->cache->facts;
		view->cache->facts = NULL;
	}
	if (res.decider != NULL)
		text_join(d->rule, sizeof d->rule, res.decider->file, ":",
			  text_uint(res.decider->line->line, num), NULL);
	d->allow = res.allow;
	if (view_fatal(view) != NULL) {
		/* A rule wanted what the request does not show as dockerd
		 * will read it: deny, whatever the stack concluded. */
		d->allow = false;
		d->body_unseen = view_fatal_unseen_body(view);
		text_join(d->msg, sizeof d->msg, d->who, " may not ",
			  d->method, " ", d->path, ": ", view_fatal(view),
			  d->rule[0] ? " (" : "", d->rule,
			  d->rule[0] ? ")" : "", NULL);
	} else if (res.allow) {
		text_join(d->msg, sizeof d->msg, "allowed by ", d->rule, NULL);
	} else if (res.decider == NULL) {
		text_join(d->msg, sizeof d->msg, d->who, " may not ",
			  d->method, " ", d->path, ": no rule in ", pick.name,
			  " allows it", NULL);
	} else {
		text_printable(q, sizeof q, res.msg, strlen(res.msg));
		text_join(d->msg, sizeof d->msg, d->who, " may not ",
			  d->method, " ", d->path, ": ",
			  q[0] ? q : rule_result_name((int)res.status), " (",
			  d->rule, ")", NULL);
	}
	if (o != NULL && o->hooks != NULL && o->hooks->after != NULL &&
	    !atomic_load(&view->abandoned))
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
	json_decref(d->facts);
	d->facts = NULL;
}
