/* view.c - see view.h */
#include "view.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "body.h"
#include "bodypath.h"
#include "identity.h"
#include "mediatype.h"
#include "request.h"
#include "route.h"
#include "text.h"

struct qpair {
	char *key, *value;
};

struct view_query {
	struct qpair *pairs;
	size_t n;
	bool malformed;
	bool oom;
};

void view_init(struct cnauthz_request *v, const struct request *req,
	       const struct identity *id, const struct route *route)
{
	v->req = req;
	v->id = id;
	v->route = route;
	memset(&v->cache_store, 0, sizeof v->cache_store);
	v->cache = &v->cache_store;
	atomic_init(&v->refs, 1);
	atomic_init(&v->abandoned, false);
	v->method_bit = req != NULL ? view_method_bit_of(request_method(req),
							 strlen(request_method(req)))
				    : 0;
	v->release = NULL;
	v->release_arg = NULL;
	v->owners = NULL;
	v->response = false;
	v->no_facts = false;
}

void view_set_release(struct cnauthz_request *v, void (*release)(void *),
		      void *arg)
{
	v->release = release;
	v->release_arg = arg;
}

void view_hold(const struct cnauthz_request *v)
{
	struct cnauthz_request *mv = (struct cnauthz_request *)(uintptr_t)v;

	atomic_fetch_add(&mv->refs, 1);
}

void view_release(const struct cnauthz_request *v)
{
	struct cnauthz_request *mv = (struct cnauthz_request *)(uintptr_t)v;

	if (atomic_fetch_sub(&mv->refs, 1) == 1 && mv->release != NULL)
		mv->release(mv->release_arg);
}

void view_cleanup(struct cnauthz_request *v)
{
	struct view_query *q = v->cache->query;

	body_free(v->cache->body);
	v->cache->body = NULL;
	json_decref(v->cache->facts);
	v->cache->facts = NULL;
	if (q == NULL)
		return;
	for (size_t i = 0; i < q->n; i++) {
		free(q->pairs[i].key);
		free(q->pairs[i].value);
	}
	free(q->pairs);
	free(q);
	v->cache->query = NULL;
}

int view_query_unescape(const char *s, size_t len, char *out, size_t *outlen)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '%') {
			int hi = i + 2 < len ? text_hexval(s[i + 1]) : -1;
			int lo = i + 2 < len ? text_hexval(s[i + 2]) : -1;

			if (hi < 0 || lo < 0)
				return -1;
			out[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else if (s[i] == '+') {
			out[o++] = ' ';
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
	*outlen = o;
	return 0;
}

/* Go's url.ParseQuery, pair by pair; bad pairs are skipped and noted. */
static struct view_query *parse_query(const char *q)
{
	struct view_query *vq = calloc(1, sizeof *vq);
	size_t cap = 0;

	if (vq == NULL)
		return NULL;
	while (*q != '\0') {
		const char *amp = strchr(q, '&');
		size_t plen = amp != NULL ? (size_t)(amp - q) : strlen(q);
		const char *eq = memchr(q, '=', plen);
		size_t klen = eq != NULL ? (size_t)(eq - q) : plen;
		size_t vlen = eq != NULL ? plen - klen - 1 : 0;
		char *k = NULL, *v = NULL;
		size_t kl, vl;

		if (memchr(q, ';', plen) != NULL) {
			vq->malformed = true;
		} else if (plen > 0) {
			k = malloc(klen + 1);
			v = malloc(vlen + 1);
			if (k == NULL || v == NULL) {
				vq->oom = true;
			} else if (view_query_unescape(q, klen, k, &kl) < 0 ||
				   view_query_unescape(eq != NULL ? eq + 1 : "",
						       vlen, v, &vl) < 0 ||
				   strlen(k) != kl || strlen(v) != vl) {
				/* a bad escape, or a %00 that C strings would
				 * cut short where Go keeps it */
				vq->malformed = true;
			} else {
				if (vq->n == cap) {
					size_t nc = cap ? cap * 2 : 8;
					struct qpair *np = realloc(
						vq->pairs, nc * sizeof *np);

					if (np == NULL) {
						vq->oom = true;
						goto next;
					}
					vq->pairs = np;
					cap = nc;
				}
				vq->pairs[vq->n].key = k;
				vq->pairs[vq->n].value = v;
				vq->n++;
				k = v = NULL;
			}
		}
next:
		free(k);
		free(v);
		if (amp == NULL)
			break;
		q = amp + 1;
	}
	return vq;
}

static struct view_query *query_of(const struct cnauthz_request *v)
{
	if (v->cache->query == NULL)
		v->cache->query = parse_query(route_query(v->route));
	return v->cache->query;
}

bool view_query_malformed(const struct cnauthz_request *v)
{
	struct view_query *q = query_of(v);

	return q == NULL || q->malformed || q->oom;
}

static const char *api_method(const struct cnauthz_request *v)
{
	return request_method(v->req);
}

static const char *api_path(const struct cnauthz_request *v)
{
	return route_path(v->route);
}

static const char *api_uri(const struct cnauthz_request *v)
{
	return request_uri(v->req);
}

static const char *api_query(const struct cnauthz_request *v,
			     const char *name)
{
	struct view_query *q = query_of(v);

	if (q == NULL)
		return NULL;
	for (size_t i = 0; i < q->n; i++)
		if (strcmp(q->pairs[i].key, name) == 0)
			return q->pairs[i].value;
	return NULL;
}

static const char *api_header(const struct cnauthz_request *v,
			      const char *name)
{
	return request_header(v->req, name);
}

static int api_is_local(const struct cnauthz_request *v)
{
	return identity_is_local(v->id);
}

static const char *api_cn(const struct cnauthz_request *v)
{
	return identity_cn(v->id);
}

static const char *api_cert(const struct cnauthz_request *v,
			    const char *name, size_t index)
{
	return identity_cert_field(v->id, name, index, v->cache->certbuf,
				   sizeof v->cache->certbuf);
}

struct visit_ctx {
	cnauthz_visit_fn fn;
	void *arg;
};

static bool api_visit_one(void *arg, const struct jd_node *j)
{
	struct visit_ctx *c = arg;
	struct cnauthz_value v;

	memset(&v, 0, sizeof v);
	switch (j->type) {
	case JD_NULL: v.type = CNAUTHZ_NULL; break;
	case JD_TRUE: v.type = CNAUTHZ_BOOL; v.boolean = 1; break;
	case JD_FALSE: v.type = CNAUTHZ_BOOL; break;
	case JD_INT:
		v.type = CNAUTHZ_INT;
		v.integer = j->integer;
		v.real = j->real;
		break;
	case JD_REAL:
		v.type = CNAUTHZ_REAL;
		v.real = j->real;
		break;
	case JD_STRING:
		v.type = CNAUTHZ_STRING;
		v.string = j->str;
		v.length = j->slen;
		break;
	case JD_ARRAY: v.type = CNAUTHZ_ARRAY; break;
	case JD_OBJECT: v.type = CNAUTHZ_OBJECT; break;
	}
	return c->fn(c->arg, &v) != 0;
}

static int api_body_visit(const struct cnauthz_request *v, const char *path,
			  cnauthz_visit_fn fn, void *arg)
{
	const struct jd_node *root = view_body_json(v);
	struct body_path *p;
	struct visit_ctx c = {fn, arg};
	const char *why;
	size_t pos;

	if (root == NULL)
		return -1;
	p = body_path_compile(path, &pos, &why);
	if (p == NULL) {
		view_set_fatal(v, "a module asked for the bad body path \"%.80s\": %s",
			       path, why);
		return -1;
	}
	body_path_visit(root, p, api_visit_one, &c);
	body_path_free(p);
	return 0;
}

const struct cnauthz_api view_api = {
	.abi_version = CNAUTHZ_MODULE_ABI,
	.size = sizeof(struct cnauthz_api),
	.cert = api_cert,
	.body_visit = api_body_visit,
	.method = api_method,
	.path = api_path,
	.uri = api_uri,
	.query = view_query_value,
	.header = api_header,
	.is_local = api_is_local,
	.cn = api_cn,
};

const struct route *view_route(const struct cnauthz_request *v)
{
	return v->route;
}

const struct identity *view_identity(const struct cnauthz_request *v)
{
	return v->id;
}

const struct request *view_request(const struct cnauthz_request *v)
{
	return v->req;
}

struct owners *view_owners(const struct cnauthz_request *v)
{
	return v->owners;
}

bool view_is_response(const struct cnauthz_request *v)
{
	return v->response;
}

bool view_wants_facts(const struct cnauthz_request *v)
{
	return !v->no_facts;
}

const char *view_query_each(const struct cnauthz_request *v,
			    const char *name, size_t *pos)
{
	struct view_query *q;

	if (*pos == 0 && view_query_value(v, name) == NULL)
		return NULL; /* none, or the query cannot be read: fatal */
	q = query_of(v);
	for (size_t i = *pos; q != NULL && i < q->n; i++)
		if (strcmp(q->pairs[i].key, name) == 0) {
			*pos = i + 1;
			return q->pairs[i].value;
		}
	*pos = q != NULL ? q->n : 0;
	return NULL;
}

const char *view_fatal(const struct cnauthz_request *v)
{
	return v->cache->fatal[0] != '\0' ? v->cache->fatal : NULL;
}

bool view_fatal_unseen_body(const struct cnauthz_request *v)
{
	return v->cache->fatal[0] != '\0' && v->cache->fatal_unseen_body;
}

void view_set_fatal(const struct cnauthz_request *v, const char *fmt, ...)
{
	va_list ap;

	if (v->cache->fatal[0] != '\0')
		return; /* the first reason is the one reported */
	va_start(ap, fmt);
	vsnprintf(v->cache->fatal, sizeof v->cache->fatal, fmt, ap);
	va_end(ap);
}

void view_fact(const struct cnauthz_request *v, const char *key,
	       json_t *value)
{
	if (value == NULL)
		return;
	if (v->cache->facts == NULL)
		v->cache->facts = json_object();
	if (v->cache->facts == NULL ||
	    json_object_set_new(v->cache->facts, key, value) < 0)
		json_decref(value);
}

const struct jd_node *view_body_json(const struct cnauthz_request *v)
{
	struct view_cache *c = v->cache;
	const unsigned char *b;
	const char *ct;
	char mt[128];
	size_t len;
	struct cnz_err err;

	if (c->body != NULL)
		return body_root(c->body);
	if (c->body_tried)
		return NULL;
	c->body_tried = true;
	b = request_body(v->req, &len);
	if (b == NULL) {
		if (c->fatal[0] == '\0')
			c->fatal_unseen_body = true;
		view_set_fatal(v,
			       "the request body was not available for inspection (dockerd forwarded none)");
		return NULL;
	}
	/* dockerd forwards only what mime.ParseMediaType reads as JSON */
	ct = request_header(v->req, "Content-Type");
	if (ct == NULL || mediatype_parse(ct, mt, sizeof mt) != MEDIATYPE_OK ||
	    strcmp(mt, "application/json") != 0) {
		view_set_fatal(v,
			       "the request body was forwarded without a JSON Content-Type; it cannot be read as dockerd reads it");
		return NULL;
	}
	c->body = body_parse(b, len, &err);
	if (c->body == NULL) {
		char q[CNZ_ERR_MSG];

		/* the parser's message quotes the client's bytes */
		view_set_fatal(v, "the request body cannot be inspected: %s",
			       text_printable(q, sizeof q, err.msg,
					      strlen(err.msg)));
		return NULL;
	}
	return body_root(c->body);
}

const char *view_query_value(const struct cnauthz_request *v,
			     const char *name)
{
	const char *m = request_method(v->req), *ct;
	char mt[128];

	if (view_query_malformed(v)) {
		view_set_fatal(v,
			       "the query string cannot be read as dockerd reads it (a ';' separator or a bad %%-escape)");
		return NULL;
	}
	/*
	 * Go's ParseForm lets a form body override the query for these. It
	 * reads the body as a form when the FIRST Content-Type says so; the
	 * plugin is shown only the LAST one of a repeated header. So the
	 * query of a POST, PUT or PATCH is trusted only when no body can
	 * override it: none at all (Content-Length 0), or one dockerd
	 * forwarded - which it does only when that first Content-Type is
	 * JSON - and never when the Content-Type shown is a form.
	 */
	if (strcmp(m, "POST") == 0 || strcmp(m, "PUT") == 0 ||
	    strcmp(m, "PATCH") == 0) {
		const char *cl = request_header(v->req, "Content-Length");
		size_t blen;
		bool forwarded = request_body(v->req, &blen) != NULL;

		ct = request_header(v->req, "Content-Type");
		mt[0] = '\0';
		if (ct != NULL)
			mediatype_parse(ct, mt, sizeof mt);
		if (strcmp(mt, "application/x-www-form-urlencoded") == 0) {
			view_set_fatal(v,
				       "a form-encoded body could override the query string; query conditions cannot be judged");
			return NULL;
		}
		if (!forwarded && (cl == NULL || strcmp(cl, "0") != 0)) {
			if (v->cache->fatal[0] == '\0')
				v->cache->fatal_unseen_body = true;
			view_set_fatal(v,
				       "the request has a body cnauthz cannot see, which dockerd could read as a form overriding the query string; query conditions cannot be judged");
			return NULL;
		}
	}
	return api_query(v, name);
}

const char *view_query_raw(const struct cnauthz_request *v, const char *name)
{
	return api_query(v, name);
}

unsigned view_method_bit_of(const char *s, size_t n)
{
	static const char *const methods[] = {
		"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS",
		"CONNECT", "TRACE",
	};

	for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
		if (strlen(methods[i]) == n && memcmp(methods[i], s, n) == 0)
			return 1u << i;
	return 0;
}
