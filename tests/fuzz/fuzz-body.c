/*
 * fuzz-body.c - request bodies read as dockerd reads them, and the
 * conditions and modules that read them: body_parse (Go's case folding,
 * keys that fold together, depth, UTF-8; every body it accepts is read
 * again by jansson, which must agree value for value), body_path_visit
 * over a set of field paths, cond_parse + cond_eval (checked against the
 * condition's negation: "==" and "!=", "~" and "!~", "in" and "!in",
 * "exists" and "absent" must disagree whenever the field is there), and
 * decide() with the fixed rule set in tests/fuzz/rules/ (hostaccess,
 * images, body and query conditions) on every endpoint whose body a check
 * reads.
 *
 * Input: a JSON body alone (it starts with '{'), or
 *
 *   CONDITION WORDS\n[METHOD ]URI\nBODY
 *
 * where the URI line may be empty (then POST /containers/create).
 */
#include <jansson.h>
#include <string.h>

#include "body.h"
#include "bodypath.h"
#include "common.h"
#include "cond.h"
#include "decide.h"
#include "identity.h"
#include "mediatype.h"
#include "request.h"
#include "route.h"
#include "ruleset.h"
#include "view.h"

#define MAX_WORDS 8

/* body_path_compile, its error as a 0-based offset and a message (valid
 * until the next call), as the tests below read it. */
static struct body_path *compile(const char *s, size_t *errpos, const char **why)
{
	static struct cnz_err err;
	struct body_path *p = body_path_compile(s, &err);

	*errpos = p == NULL ? err.col - 1 : 0;
	*why = p == NULL ? err.msg : NULL;
	return p;
}

static struct ruleset *rules; /* tests/fuzz/rules, loaded once */
static struct identity *local;

static const char *const paths[] = {
	"HostConfig.Binds[]", "HostConfig.Mounts[].Type", "Image",
	"HostConfig.Privileged", "Env[]", "a[].b[].c", "Labels.danger",
	"HostConfig.Devices[].PathOnHost", "HostConfig", "Cmd[]",
};
#define NPATHS (sizeof paths / sizeof paths[0])
static struct body_path *compiled[NPATHS];

static const char *const endpoints[] = {
	"/v1.41/containers/create?name=x",
	"/v1.41/containers/c1/update",
	"/v1.41/containers/c1/exec",
	"/v1.41/volumes/create",
	"/v1.41/networks/create",
};
#define NENDPOINTS (sizeof endpoints / sizeof endpoints[0])

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	rules = fuzz_rules("tests/fuzz/rules");
	local = identity_local();
	FUZZ_CHECK(local != NULL);
	for (size_t i = 0; i < NPATHS; i++) {
		size_t pos;
		const char *why;

		compiled[i] = compile(paths[i], &pos, &why);
		FUZZ_CHECK(compiled[i] != NULL);
	}
	return 0;
}

struct count {
	size_t n, stop;
};

static bool count_fn(void *arg, const struct jd_node *v)
{
	struct count *c = arg;

	FUZZ_CHECK(v != NULL);
	return ++c->n == c->stop;
}

/*
 * A second reader as the oracle: jansson, which cnauthz used before its
 * own. What body_parse accepts, jansson must accept (cnauthz refuses
 * more: keys that fold together, limits), and read value for value.
 */
static void same_as_jansson(const struct jd_node *n, const json_t *j)
{
	size_t i = 0;

	FUZZ_CHECK(j != NULL);
	switch (n->type) {
	case JD_NULL:
		FUZZ_CHECK(json_is_null(j));
		break;
	case JD_TRUE:
		FUZZ_CHECK(json_is_true(j));
		break;
	case JD_FALSE:
		FUZZ_CHECK(json_is_false(j));
		break;
	case JD_INT:
		FUZZ_CHECK(json_is_integer(j) &&
			   json_integer_value(j) == n->integer);
		break;
	case JD_REAL:
		FUZZ_CHECK(json_is_real(j) && json_real_value(j) == n->real);
		break;
	case JD_STRING:
		FUZZ_CHECK(json_is_string(j) && json_string_length(j) == n->slen &&
			   memcmp(json_string_value(j), n->str, n->slen) == 0 &&
			   n->str[n->slen] == '\0');
		break;
	case JD_ARRAY:
		FUZZ_CHECK(json_is_array(j) && json_array_size(j) == n->count);
		jd_foreach(n, c) {
			FUZZ_CHECK(c->key == NULL);
			same_as_jansson(c, json_array_get(j, i++));
		}
		FUZZ_CHECK(i == n->count);
		break;
	case JD_OBJECT:
		FUZZ_CHECK(json_is_object(j) && json_object_size(j) == n->count);
		jd_foreach(n, c) {
			FUZZ_CHECK(c->key != NULL && strlen(c->key) == c->klen);
			same_as_jansson(c, json_object_get(j, c->key));
			i++;
		}
		FUZZ_CHECK(i == n->count);
		break;
	default:
		FUZZ_CHECK(!"a node of no known type");
	}
}

static void check_body(const unsigned char *b, size_t len)
{
	struct cnz_err err;
	struct body *body = body_parse(b, len, &err);
	const struct jd_node *root;
	json_error_t jerr;
	json_t *j;

	if (body == NULL) {
		FUZZ_CHECK(err.msg[0] != '\0');
		return;
	}
	root = body_root(body);
	FUZZ_CHECK(jd_is(root, JD_OBJECT));
	j = json_loadb((const char *)b, len, JSON_REJECT_DUPLICATES, &jerr);
	if (j == NULL)
		fprintf(stderr, "jansson: %s\n", jerr.text);
	same_as_jansson(root, j);
	json_decref(j);
	for (size_t i = 0; i < NPATHS; i++) {
		struct count all = {0, 0}, two = {0, 2};
		bool stopped = body_path_visit(root, compiled[i], count_fn, &all);

		FUZZ_CHECK(!stopped);
		stopped = body_path_visit(root, compiled[i], count_fn, &two);
		FUZZ_CHECK(stopped == (all.n >= 2) && two.n == (all.n < 2 ? all.n : 2));
		/* a path without "[]" reaches at most one value */
		if (strstr(paths[i], "[]") == NULL)
			FUZZ_CHECK(all.n <= 1);
		if (strchr(paths[i], '.') == NULL && strstr(paths[i], "[]") == NULL)
			FUZZ_CHECK((all.n == 1) == (body_member(root, paths[i]) != NULL));
	}
	body_free(body);
}

static const char *negation(const char *op)
{
	static const char *const pairs[][2] = {
		{"==", "!="}, {"~", "!~"}, {"in", "!in"}, {"exists", "absent"},
	};

	for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
		if (strcmp(op, pairs[i][0]) == 0)
			return pairs[i][1];
		if (strcmp(op, pairs[i][1]) == 0)
			return pairs[i][0];
	}
	return NULL;
}

/* One condition on one request, in a view of its own. */
static bool eval(const struct cond *c, const struct request *req,
		 const struct route *r, bool *fatal, size_t *reached,
		 const char *field)
{
	struct cnauthz_request *v = view_new(req, local, r);
	bool res;

	FUZZ_CHECK(v != NULL);
	res = cond_eval(c, v);
	*fatal = view_fatal(v) != NULL;
	if (*fatal)
		FUZZ_CHECK(!res);
	if (reached != NULL) {
		*reached = 0;
		if (strncmp(field, "query:", 6) == 0) {
			*reached = view_api.query(v, field + 6) != NULL;
		} else if (!*fatal) {
			size_t pos;
			const char *why;
			struct body_path *bp = compile(field, &pos, &why);
			struct count cnt = {0, 0};

			FUZZ_CHECK(bp != NULL);
			body_path_visit(view_body_json(v), bp, count_fn, &cnt);
			*reached = cnt.n;
			body_path_free(bp);
		}
	}
	view_release(v);
	return res;
}

static void check_cond(char **w, int nw, const char *method, const char *uri,
		       size_t urilen, const unsigned char *body, size_t blen)
{
	struct cnauthz_init_error ie;
	struct cond *c, *n = NULL;
	int used = 0, used2 = 0;
	const char *neg;
	struct buf env;
	struct cnz_err err;
	struct request *req = NULL;
	struct route *r = NULL;

	memset(&ie, 0, sizeof ie);
	c = cond_parse(nw, (const char *const *)w, &used, &ie);
	if (c == NULL) {
		FUZZ_CHECK(ie.msg[0] != '\0' && ie.arg >= 0 && ie.arg < nw);
		return;
	}
	FUZZ_CHECK(used >= 2 && used <= 3 && used <= nw);
	FUZZ_CHECK(cond_text(c) != NULL);
	neg = negation(w[1]);
	if (neg != NULL) {
		const char *save = w[1];

		w[1] = (char *)(uintptr_t)neg;
		n = cond_parse(nw, (const char *const *)w, &used2, &ie);
		w[1] = (char *)(uintptr_t)save;
		FUZZ_CHECK(n != NULL && used2 == used);
	}

	buf_init(&env);
	fuzz_envelope(&env, method, uri, urilen, "application/json", body, blen);
	req = request_decode(env.p, env.len, &err);
	if (req != NULL)
		r = route_parse(request_uri(req), request_uri_len(req), &err);
	if (r != NULL) {
		bool f1, f2, r1, r2, exists = strcmp(w[1], "exists") == 0 ||
					      strcmp(w[1], "absent") == 0;
		const char *query = strncmp(w[0], "query:", 6) == 0 ? w[0] + 6 : NULL;
		size_t reached;

		r1 = eval(c, req, r, &f1, &reached, w[0]);
		if (n != NULL) {
			r2 = eval(n, req, r, &f2, NULL, w[0]);
			/* whether the request can be judged does not depend
			 * on the operator */
			FUZZ_CHECK(f1 == f2);
			if (!f1) {
				if (exists)
					FUZZ_CHECK(r1 != r2);
				else if (reached == 0)
					FUZZ_CHECK(!r1 && !r2);
				else if (query != NULL || strstr(w[0], "[]") == NULL)
					FUZZ_CHECK(r1 != r2);
			}
		}
		route_free(r);
	}
	request_free(req);
	buf_free(&env);
	cond_free(n);
	cond_free(c);
}

static void check_decide(const char *stack, const char *method,
			 const char *uri, size_t urilen,
			 const unsigned char *body, size_t blen)
{
	struct decide_opts o;
	struct decision d;
	struct buf env;

	memset(&o, 0, sizeof o);
	o.stack = stack;
	buf_init(&env);
	fuzz_envelope(&env, method, uri, urilen, "application/json", body, blen);
	decide(rules, env.p, env.len, &o, &d);
	FUZZ_CHECK(d.msg[0] != '\0' && fuzz_printable(d.msg, strlen(d.msg)));
	if (d.allow)
		FUZZ_CHECK(strncmp(d.msg, "allowed by ", 11) == 0);
	decision_clear(&d);
	buf_free(&env);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_strndup(data, size);
	char *words[MAX_WORDS], *line1 = s, *line2 = NULL, *p;
	const unsigned char *body = (const unsigned char *)s;
	size_t blen = size, urilen = 0;
	const char *method = "POST", *uri = NULL;
	char mt[128];
	int nw = 0;

	if (size > 0 && s[0] != '{') {
		char *nl1 = memchr(s, '\n', size), *nl2;

		if (nl1 == NULL) {
			body = NULL;
			blen = 0;
		} else {
			*nl1 = '\0';
			line2 = nl1 + 1;
			nl2 = memchr(line2, '\n', size - (size_t)(line2 - s));
			if (nl2 == NULL) {
				body = NULL;
				blen = 0;
				urilen = size - (size_t)(line2 - s);
			} else {
				*nl2 = '\0';
				body = (const unsigned char *)nl2 + 1;
				blen = size - (size_t)(body - (const unsigned char *)s);
				urilen = (size_t)(nl2 - line2);
			}
			uri = line2;
			(void)mediatype_parse(line2, mt, sizeof mt);
			p = memchr(line2, ' ', urilen);
			if (p != NULL) {
				*p = '\0';
				method = line2;
				uri = p + 1;
				urilen -= (size_t)(uri - line2);
			}
		}
		/* Go's mime.ParseMediaType, on each line as it is */
		(void)mediatype_parse(line1, mt, sizeof mt);
		/* the condition: words of the first line */
		for (p = strtok(line1, " \t"); p != NULL && nw < MAX_WORDS;
		     p = strtok(NULL, " \t"))
			words[nw++] = p;
	} else {
		line1 = NULL;
	}

	if (body != NULL)
		check_body(body, blen);
	if (nw > 0)
		check_cond(words, nw, method,
			   uri != NULL && urilen > 0 ? uri : endpoints[0],
			   uri != NULL && urilen > 0 ? urilen : strlen(endpoints[0]),
			   body, blen);
	for (size_t i = 0; i < NENDPOINTS; i++)
		check_decide("body", "POST", endpoints[i], strlen(endpoints[i]),
			     body, blen);
	check_decide("strict", "POST", endpoints[0], strlen(endpoints[0]), body,
		     blen);
	if (uri != NULL && urilen > 0) {
		check_decide("body", method, uri, urilen, body, blen);
		check_decide("strict", method, uri, urilen, body, blen);
	}
	free(s);
	return 0;
}
