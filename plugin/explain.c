/* explain.c - see explain.h */
#include "explain.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "decide.h"
#include "rulefile.h"

struct xstep {
	char file[80];
	unsigned line;
	char text[256];
	int depth, result, action;
	enum stack_impression impression;
	enum cnauthz_result status;
	bool stopped, bad_jump;
	char msg[256];
};

struct explain {
	struct xstep *v;
	size_t n, cap;
	bool oom;
};

struct explain *explain_new(void)
{
	return calloc(1, sizeof(struct explain));
}

void explain_free(struct explain *x)
{
	if (x == NULL)
		return;
	free(x->v);
	free(x);
}

void explain_trace(void *arg, const struct stack_step *s)
{
	struct explain *x = arg;
	struct xstep *st;

	if (x->n == x->cap) {
		size_t nc = x->cap ? x->cap * 2 : 32;
		struct xstep *nv = realloc(x->v, nc * sizeof *nv);

		if (nv == NULL) {
			x->oom = true;
			return;
		}
		x->v = nv;
		x->cap = nc;
	}
	st = &x->v[x->n++];
	memset(st, 0, sizeof *st);
	snprintf(st->file, sizeof st->file, "%s", s->entry->file);
	st->line = s->entry->line->line;
	snprintf(st->text, sizeof st->text, "%s", s->entry->line->text);
	st->depth = s->depth;
	st->result = s->result;
	st->action = s->action;
	st->impression = s->impression;
	st->status = s->status;
	st->stopped = s->stopped;
	st->bad_jump = s->bad_jump;
	snprintf(st->msg, sizeof st->msg, "%s", s->msg ? s->msg : "");
}

static const char *imp_name(enum stack_impression i)
{
	return i == IMP_POS ? "positive" : i == IMP_NEG ? "negative" : "undefined";
}

void explain_print_text(const struct explain *x, const struct decision *d,
			FILE *f)
{
	char ab[12], where[100];

	fprintf(f, "stack %s for %s %s %s\n", d->stack[0] ? d->stack : "-",
		d->who, d->method, d->path);
	for (size_t i = 0; i < x->n; i++) {
		const struct xstep *s = &x->v[i];

		snprintf(where, sizeof where, "%s:%u", s->file, s->line);
		fprintf(f, "%*s%-18s %s\n", 2 + 2 * s->depth, "", where, s->text);
		if (s->result < 0) {
			fprintf(f, "%*s%-18s -> runs the substack\n",
				2 + 2 * s->depth, "", "");
			continue;
		}
		fprintf(f, "%*s%-18s -> %s, action %s; now %s/%s%s%s%s%s\n",
			2 + 2 * s->depth, "", "", rule_result_name(s->result),
			rule_action_name(s->action, ab),
			imp_name(s->impression), rule_result_name((int)s->status),
			s->stopped ? "; stops here" : "",
			s->bad_jump ? "; jump past the end" : "",
			s->msg[0] ? " - " : "", s->msg);
	}
	if (d->allow)
		fprintf(f, "allow, decided by %s\n", d->rule);
	else
		fprintf(f, "deny%s%s: %s\n", d->rule[0] ? ", decided by " : "",
			d->rule, d->msg);
}

void explain_print_json(const struct explain *x, const struct decision *d,
			FILE *f)
{
	json_t *o = json_object(), *steps = json_array();
	char ab[12];
	char *s;

	for (size_t i = 0; i < x->n; i++) {
		const struct xstep *st = &x->v[i];
		json_t *j = json_object();

		json_object_set_new(j, "file", json_string(st->file));
		json_object_set_new(j, "line", json_integer(st->line));
		json_object_set_new(j, "text", json_string(st->text));
		json_object_set_new(j, "depth", json_integer(st->depth));
		if (st->result < 0) {
			json_object_set_new(j, "substack", json_true());
		} else {
			json_object_set_new(j, "result",
					    json_string(rule_result_name(st->result)));
			json_object_set_new(j, "action",
					    json_string(rule_action_name(st->action, ab)));
			json_object_set_new(j, "impression",
					    json_string(imp_name(st->impression)));
			json_object_set_new(j, "status",
					    json_string(rule_result_name((int)st->status)));
			json_object_set_new(j, "stopped", json_boolean(st->stopped));
			if (st->bad_jump)
				json_object_set_new(j, "bad_jump", json_true());
			if (st->msg[0])
				json_object_set_new(j, "msg", json_string(st->msg));
		}
		json_array_append_new(steps, j);
	}
	json_object_set_new(o, "decision",
			    json_string(d->allow ? "allow" : "deny"));
	json_object_set_new(o, "rule", d->rule[0] ? json_string(d->rule) : json_null());
	json_object_set_new(o, "msg", json_string(d->msg));
	json_object_set_new(o, "stack", json_string(d->stack));
	json_object_set_new(o, "identity", json_string(d->who));
	json_object_set_new(o, "method", json_string(d->method));
	json_object_set_new(o, "path", json_string(d->path));
	if (d->facts != NULL)
		json_object_set_new(o, "facts", json_loads(d->facts, 0, NULL));
	json_object_set_new(o, "steps", steps);
	s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (s != NULL)
		fprintf(f, "%s\n", s);
	free(s);
	json_decref(o);
}
