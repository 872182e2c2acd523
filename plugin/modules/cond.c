/* cond.c - see cond.h */
#include "cond.h"

#include <fnmatch.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "body.h"
#include "bodypath.h"
#include "text.h"
#include "view.h"

enum op { OP_EQ, OP_NE, OP_GLOB, OP_NGLOB, OP_PREFIX, OP_IN, OP_NIN,
	  OP_EXISTS, OP_ABSENT };

#define COND_MAX_VALUES 64

/* A literal of a condition: its JSON type, number and text (a JSON
 * string's decoded value, or the word as written, which is also what a
 * query value is compared with). */
struct lit {
	enum jd_type type;
	double num;
	char *s;
};

struct cond {
	char *text;
	enum op op;
	char *query; /* "query:NAME": NAME; else NULL */
	struct body_path *path;
	size_t nvalues;
	struct lit *values; /* nvalues of them */
};

static const struct {
	const char *word;
	enum op op;
} ops[] = {
	{"==", OP_EQ}, {"!=", OP_NE}, {"~", OP_GLOB}, {"!~", OP_NGLOB},
	{"^=", OP_PREFIX}, {"in", OP_IN}, {"!in", OP_NIN},
	{"exists", OP_EXISTS}, {"absent", OP_ABSENT},
};

/* A literal: JSON true/false/null/number/"string", else a plain string
 * (jansson reads it, once, when the rule set loads). */
static int literal(const char *s, struct lit *out)
{
	json_error_t e;
	json_t *v = json_loads(s, JSON_DECODE_ANY, &e);

	memset(out, 0, sizeof *out);
	out->type = JD_STRING;
	if (v != NULL && json_is_string(v)) {
		out->s = strdup(json_string_value(v));
	} else {
		out->s = strdup(s);
		if (json_is_true(v))
			out->type = JD_TRUE;
		else if (json_is_false(v))
			out->type = JD_FALSE;
		else if (json_is_null(v))
			out->type = JD_NULL;
		else if (json_is_number(v)) {
			out->type = JD_REAL;
			out->num = json_number_value(v);
		}
	}
	json_decref(v);
	return out->s != NULL ? 0 : -1;
}

void cond_free(struct cond *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->nvalues; i++)
		free(c->values[i].s);
	free(c->values);
	body_path_free(c->path);
	free(c->query);
	free(c->text);
	free(c);
}

static int add_values(struct cond *c, const char *s, bool list,
		      struct cnauthz_init_error *err)
{
	const char *p = s;

	for (;;) {
		const char *comma = list ? strchr(p, ',') : NULL;
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		char *one;

		if (c->nvalues == COND_MAX_VALUES) {
			err->offset = (size_t)(p - s);
			snprintf(err->msg, sizeof err->msg,
				 "more than %d values", COND_MAX_VALUES);
			return -1;
		}
		{
			struct lit *nv = realloc(c->values,
						 (c->nvalues + 1) * sizeof *nv);

			if (nv == NULL) {
				snprintf(err->msg, sizeof err->msg, "out of memory");
				return -1;
			}
			c->values = nv;
		}
		one = strndup(p, n);
		if (one == NULL || literal(one, &c->values[c->nvalues]) < 0) {
			free(one);
			snprintf(err->msg, sizeof err->msg, "out of memory");
			return -1;
		}
		free(one);
		c->nvalues++;
		if (comma == NULL)
			return 0;
		p = comma + 1;
	}
}

struct cond *cond_parse(int argc, const char *const *argv, int *used,
			struct cnauthz_init_error *err)
{
	struct cond *c = calloc(1, sizeof *c);
	struct cnz_err pe;
	size_t i;
	int n = 2;

	if (c == NULL) {
		err->arg = 0;
		snprintf(err->msg, sizeof err->msg, "out of memory");
		return NULL;
	}
	err->arg = 0;
	err->offset = 0;
	if (strncmp(argv[0], "query:", 6) == 0) {
		if (argv[0][6] == '\0') {
			err->offset = 6;
			snprintf(err->msg, sizeof err->msg,
				 "query: needs a parameter name");
			goto fail;
		}
		c->query = strdup(argv[0] + 6);
		if (c->query == NULL)
			goto oom;
	} else {
		c->path = body_path_compile(argv[0], &pe);
		if (c->path == NULL) {
			err->offset = pe.col - 1;
			text_join(err->msg, sizeof err->msg, pe.msg, NULL);
			goto fail;
		}
	}
	if (argc < 2) {
		snprintf(err->msg, sizeof err->msg,
			 "condition \"%.60s\" needs an operator (== != ~ !~ ^= in !in exists absent)",
			 argv[0]);
		goto fail;
	}
	for (i = 0; i < sizeof ops / sizeof ops[0]; i++)
		if (strcmp(argv[1], ops[i].word) == 0)
			break;
	if (i == sizeof ops / sizeof ops[0]) {
		err->arg = 1;
		snprintf(err->msg, sizeof err->msg,
			 "unknown operator \"%.20s\" (want == != ~ !~ ^= in !in exists absent)",
			 argv[1]);
		goto fail;
	}
	c->op = ops[i].op;
	if (c->op != OP_EXISTS && c->op != OP_ABSENT) {
		if (argc < 3) {
			err->arg = 1;
			snprintf(err->msg, sizeof err->msg,
				 "operator %s needs a value", argv[1]);
			goto fail;
		}
		err->arg = 2;
		if (add_values(c, argv[2], c->op == OP_IN || c->op == OP_NIN,
			       err) < 0)
			goto fail;
		if ((c->op == OP_GLOB || c->op == OP_NGLOB ||
		     c->op == OP_PREFIX) &&
		    c->values[0].type != JD_STRING) {
			snprintf(err->msg, sizeof err->msg,
				 "operator %s compares strings; \"%.40s\" is not one",
				 argv[1], argv[2]);
			goto fail;
		}
		n = 3;
	}
	if (asprintf(&c->text, "%s %s%s%s", argv[0], argv[1], n == 3 ? " " : "",
		     n == 3 ? argv[2] : "") < 0) {
		c->text = NULL;
		goto oom;
	}
	*used = n;
	return c;
oom:
	snprintf(err->msg, sizeof err->msg, "out of memory");
fail:
	cond_free(c);
	return NULL;
}

const char *cond_text(const struct cond *c)
{
	return c->text;
}

/* A body value and a literal, compared with their JSON types. */
static bool values_equal(const struct jd_node *a, const struct lit *lit)
{
	switch (a->type) {
	case JD_INT:
	case JD_REAL:
		return lit->type == JD_REAL && a->real == lit->num;
	case JD_STRING:
		return lit->type == JD_STRING && strlen(lit->s) == a->slen &&
		       memcmp(a->str, lit->s, a->slen) == 0;
	case JD_TRUE:
	case JD_FALSE:
	case JD_NULL:
		return lit->type == a->type;
	case JD_ARRAY:
	case JD_OBJECT:
		break;
	}
	return false; /* a literal is never an array or an object */
}

/* Does one reached value satisfy the (positive form of the) operator? */
static bool test(const struct cond *c, const struct jd_node *v)
{
	const char *s = jd_str(v);

	switch (c->op) {
	case OP_EQ:
	case OP_NE:
		return values_equal(v, &c->values[0]) == (c->op == OP_EQ);
	case OP_GLOB:
	case OP_NGLOB:
		return (s != NULL &&
			fnmatch(c->values[0].s, s, 0) == 0) ==
		       (c->op == OP_GLOB);
	case OP_PREFIX:
		return s != NULL &&
		       strncmp(s, c->values[0].s, strlen(c->values[0].s)) == 0;
	case OP_IN:
	case OP_NIN: {
		bool in = false;

		for (size_t i = 0; i < c->nvalues && !in; i++)
			in = values_equal(v, &c->values[i]);
		return in == (c->op == OP_IN);
	}
	case OP_EXISTS:
		return !jd_is(v, JD_NULL);
	case OP_ABSENT:
		return false;
	}
	return false;
}

struct visit_arg {
	const struct cond *c;
	bool nonnull;
};

static bool on_value(void *arg, const struct jd_node *v)
{
	struct visit_arg *a = arg;

	if (!jd_is(v, JD_NULL))
		a->nonnull = true;
	if (a->c->op == OP_ABSENT)
		return a->nonnull;
	return test(a->c, v);
}

bool cond_eval(const struct cond *c, const struct cnauthz_request *req)
{
	if (c->query != NULL) {
		const char *q = view_query_value(req, c->query);
		struct jd_node s;

		if (view_fatal(req) != NULL)
			return false;
		if (c->op == OP_EXISTS || c->op == OP_ABSENT)
			return (q != NULL) == (c->op == OP_EXISTS);
		if (q == NULL)
			return false;
		/* query values are strings: compare with the text written */
		if (c->op == OP_EQ || c->op == OP_NE || c->op == OP_IN ||
		    c->op == OP_NIN) {
			bool in = false;

			for (size_t i = 0; i < c->nvalues && !in; i++)
				in = strcmp(q, c->values[i].s) == 0;
			return in == (c->op == OP_EQ || c->op == OP_IN);
		}
		/* Go keeps the decoded bytes, UTF-8 or not ("%ff"): so does
		 * this, or both "~" and "!~" would be false for them */
		memset(&s, 0, sizeof s);
		s.type = JD_STRING;
		s.str = q;
		s.slen = strlen(q);
		return test(c, &s);
	}
	{
		const struct jd_node *root = view_body_json(req);
		struct visit_arg a = {c, false};
		bool hit;

		if (root == NULL)
			return false; /* the view is fatal now */
		hit = body_path_visit(root, c->path, on_value, &a);
		if (c->op == OP_ABSENT)
			return !a.nonnull;
		return hit;
	}
}
