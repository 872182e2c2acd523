/* view.c - see view.h */
#include "view.h"

#include <stdarg.h>
#include <stdatomic.h>
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

#define VIEW_FACTS_MAX 8
#define FACT_STR_MAX 512 /* one string value beyond this: cut */

struct fact {
	char key[32];
	struct buf value; /* JSON text */
};

/* What evaluation computes once per request, on first use, and the view's
 * lifetime: written while modules hold the view const (one request, one
 * thread at a time; an overrunning call is abandoned, never joined). */
struct view_state {
	struct view_query *query;
	struct body *body;  /* parsed on first use */
	bool body_tried;
	char fatal[384];    /* why this request cannot be judged, or "" */
	/* the fatal reason is a body that was not forwarded: one a rule
	 * wanted, or one that could override the query */
	bool fatal_unseen_body;
	char certbuf[1024]; /* api->cert's answer, until its next call */
	struct fact facts[VIEW_FACTS_MAX]; /* what built-in checks saw */
	size_t nfacts;
	atomic_uint refs;
	atomic_bool abandoned; /* a guarded call overran: leave the facts */
	void (*release)(void *arg);
	void *release_arg;
	/* view_new_owning's: freed with the view */
	struct request *own_req;
	struct identity *own_id;
	struct route *own_route;
};

struct cnauthz_request {
	struct view_state *st;
	const struct request *req;
	const struct identity *id;
	const struct route *route;
	unsigned method_bit; /* view_method_bit_of the request's method */
	struct owners *owners;
	bool response;
	bool no_facts;
};

/* Both in one allocation, the state first: freeing it frees the view. */
struct view_mem {
	struct view_state st;
	struct cnauthz_request v;
};

struct cnauthz_request *view_new(const struct request *req,
				 const struct identity *id,
				 const struct route *route)
{
	/* not calloc: the buffers (fatal, certbuf, facts) are written
	 * before they are read, and need not be zeroed for every request */
	struct view_mem *m = malloc(sizeof *m);

	if (m == NULL)
		return NULL;
	m->st.query = NULL;
	m->st.body = NULL;
	m->st.body_tried = false;
	m->st.fatal[0] = '\0';
	m->st.fatal_unseen_body = false;
	m->st.nfacts = 0;
	atomic_init(&m->st.refs, 1);
	atomic_init(&m->st.abandoned, false);
	m->st.release = NULL;
	m->st.release_arg = NULL;
	m->st.own_req = NULL;
	m->st.own_id = NULL;
	m->st.own_route = NULL;
	m->v = (struct cnauthz_request){
		.st = &m->st,
		.req = req,
		.id = id,
		.route = route,
		.method_bit = req != NULL
			? view_method_bit_of(request_method(req),
					     strlen(request_method(req)))
			: 0,
	};
	return &m->v;
}

struct cnauthz_request *view_new_owning(struct request *req,
					struct identity *id,
					struct route *route)
{
	struct cnauthz_request *v = view_new(req, id, route);

	if (v == NULL)
		return NULL;
	v->st->own_req = req;
	v->st->own_id = id;
	v->st->own_route = route;
	return v;
}

void view_set_context(struct cnauthz_request *v, struct owners *owners,
		      bool response, bool want_facts)
{
	v->owners = owners;
	v->response = response;
	v->no_facts = !want_facts;
}

void view_set_release(struct cnauthz_request *v, void (*release)(void *),
		      void *arg)
{
	v->st->release = release;
	v->st->release_arg = arg;
}

void view_hold(const struct cnauthz_request *v)
{
	atomic_fetch_add(&v->st->refs, 1);
}

static void state_free(struct view_state *st)
{
	struct view_query *q = st->query;

	body_free(st->body);
	route_free(st->own_route);
	identity_unref(st->own_id);
	request_free(st->own_req);
	for (size_t i = 0; i < st->nfacts; i++)
		buf_free(&st->facts[i].value);
	if (q != NULL) {
		for (size_t i = 0; i < q->n; i++) {
			free(q->pairs[i].key);
			free(q->pairs[i].value);
		}
		free(q->pairs);
		free(q);
	}
	free(st); /* and the view after it (struct view_mem) */
}

void view_release(const struct cnauthz_request *v)
{
	struct view_state *st = v->st;
	void (*release)(void *) = st->release;
	void *arg = st->release_arg;

	if (atomic_fetch_sub(&st->refs, 1) != 1)
		return;
	state_free(st);
	if (release != NULL)
		release(arg);
}

void view_abandon(const struct cnauthz_request *v)
{
	atomic_store(&v->st->abandoned, true);
}

bool view_abandoned(const struct cnauthz_request *v)
{
	return atomic_load(&v->st->abandoned);
}

unsigned view_method_bit(const struct cnauthz_request *v)
{
	return v->method_bit;
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
	if (v->st->query == NULL)
		v->st->query = parse_query(route_query(v->route));
	return v->st->query;
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
	return identity_cert_field(v->id, name, index, v->st->certbuf,
				   sizeof v->st->certbuf);
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
	struct cnz_err err;

	if (root == NULL)
		return -1;
	p = body_path_compile(path, &err);
	if (p == NULL) {
		view_set_fatal(v, "a module asked for the bad body path \"%.80s\": %s",
			       path, err.msg);
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
	return v->st->fatal[0] != '\0' ? v->st->fatal : NULL;
}

bool view_fatal_unseen_body(const struct cnauthz_request *v)
{
	return v->st->fatal[0] != '\0' && v->st->fatal_unseen_body;
}

void view_set_fatal(const struct cnauthz_request *v, const char *fmt, ...)
{
	va_list ap;

	if (v->st->fatal[0] != '\0')
		return; /* the first reason is the one reported */
	va_start(ap, fmt);
	vsnprintf(v->st->fatal, sizeof v->st->fatal, fmt, ap);
	va_end(ap);
}

/* Case-insensitive substrings: a facts key containing one of them is
 * never recorded. Broad on purpose: a fact lost is cheaper than a secret
 * in a log that is kept for years. */
bool view_fact_key_secret(const char *key)
{
	static const char *const words[] = {
		"env",    "cmd",   "entrypoint", "command", "args",
		"pass",   "secret", "token",     "auth",    "key",
		"cred",   "cookie", "session",   "private", "sign",
		"cert",   "header", "body",
	};

	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (strcasestr(key, words[i]) != NULL)
			return true;
	return false;
}

void view_fact_add_str(struct buf *b, const char *s)
{
	size_t n = strlen(s);

	if (n <= FACT_STR_MAX) {
		buf_add_json_str(b, s, n);
		return;
	}
	/* cut on a character boundary, and say so */
	n = FACT_STR_MAX;
	while (n > 0 && ((const unsigned char *)s)[n] >> 6 == 2)
		n--;
	buf_add_json_str(b, s, n);
	if (b->len > 0)
		b->len--; /* the closing quote */
	buf_adds(b, "...\"");
}

/* The value of fact key, emptied, or NULL when it may not be recorded. */
static struct buf *fact_slot(const struct cnauthz_request *v, const char *key)
{
	struct view_state *st = v->st;
	struct fact *f;

	if (view_fact_key_secret(key) || strlen(key) >= sizeof f->key)
		return NULL;
	for (size_t i = 0; i < st->nfacts; i++)
		if (strcmp(st->facts[i].key, key) == 0) {
			st->facts[i].value.len = 0;
			return &st->facts[i].value;
		}
	if (st->nfacts == VIEW_FACTS_MAX)
		return NULL;
	f = &st->facts[st->nfacts++];
	memcpy(f->key, key, strlen(key) + 1);
	buf_init(&f->value);
	return &f->value;
}

void view_fact_str(const struct cnauthz_request *v, const char *key,
		   const char *s)
{
	struct buf *b;

	if (s != NULL && (b = fact_slot(v, key)) != NULL)
		view_fact_add_str(b, s);
}

void view_fact_json(const struct cnauthz_request *v, const char *key,
		    const char *json, size_t len)
{
	struct buf *b = fact_slot(v, key);

	if (b != NULL)
		buf_add(b, json, len);
}

char *view_take_facts(struct cnauthz_request *v)
{
	struct view_state *st = v->st;
	struct buf out;
	size_t n = 0;

	if (st->nfacts == 0 || view_abandoned(v))
		return NULL;
	buf_init(&out);
	buf_add(&out, "{", 1);
	for (size_t i = 0; i < st->nfacts; i++) {
		if (st->facts[i].value.oom || st->facts[i].value.len == 0)
			continue; /* a fact lost, never a broken record */
		if (n++ > 0)
			buf_add(&out, ",", 1);
		buf_add_json_str(&out, st->facts[i].key,
				 strlen(st->facts[i].key));
		buf_add(&out, ":", 1);
		buf_add(&out, st->facts[i].value.p, st->facts[i].value.len);
	}
	buf_add(&out, "}", 1);
	if (buf_cstr(&out) == NULL) {
		buf_free(&out);
		return NULL;
	}
	return out.p;
}

const struct jd_node *view_body_json(const struct cnauthz_request *v)
{
	struct view_state *c = v->st;
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
			if (v->st->fatal[0] == '\0')
				v->st->fatal_unseen_body = true;
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
