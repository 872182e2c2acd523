/*
 * t-stack.c - the PAM dispatch of stack.c against Linux-PAM's semantics
 * (pam.conf(5), pam_dispatch.c) as cnauthz-rules(5) states them.
 *
 * Stacks are built here, not by ruleset.c: each test gives rule text, which
 * rulefile_parse turns into lines (so the control keywords and the bracket
 * form are the parser's), and every line gets a test module whose answer
 * is fixed by the first letter of its "module" word:
 *
 *   S success   D deny   I ignore   E error
 *   X returns 42, N returns -1 (out of range)
 *
 * The whole word is the line's label ("S1", "D2") and the module's message
 * is "<label> said <result>"; a lower-case first letter ("d1") makes the
 * module say nothing. "include NAME" splices NAME's lines in, as ruleset.c
 * does; "substack NAME" is one entry running NAME's stack.
 *
 * A trace records what ran: module labels, and "sub:NAME" where a
 * substack was entered.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rulefile.h"
#include "stack.h"
#include "tap.h"

/* ---- the test module ---- */

struct tmod {
	int result;
	bool quiet;
	const char *label;
};

static enum cnauthz_result tmod_eval(const void *state,
				     const struct cnauthz_api *api,
				     const struct cnauthz_request *req,
				     char *msg, size_t msgsz)
{
	const struct tmod *m = state;

	(void)api;
	(void)req;
	if (!m->quiet)
		snprintf(msg, msgsz, "%s said %s", m->label,
			 rule_result_name(m->result));
	return (enum cnauthz_result)m->result;
}

static const struct cnauthz_module tmod = {
	.abi_version = CNAUTHZ_MODULE_ABI,
	.name = "test",
	.evaluate = tmod_eval,
};

static int label_result(const char *label)
{
	switch (toupper((unsigned char)label[0])) {
	case 'S': return CNAUTHZ_SUCCESS;
	case 'D': return CNAUTHZ_DENY;
	case 'I': return CNAUTHZ_IGNORE;
	case 'E': return CNAUTHZ_ERROR;
	case 'X': return 42;
	case 'N': return -1;
	default:
		printf("Bail out! test module label \"%s\" has no result\n",
		       label);
		exit(255);
	}
}

/* ---- building stacks from rule text ---- */

struct src {
	const char *name;
	const char *text;
};

#define MAXF 16
#define MAXE 256

struct tb {
	const struct src *srcs;
	struct rulefile *rf[MAXF];
	size_t nrf;
	struct stack_entry ent[MAXE];
	struct tmod mods[MAXE];
	size_t nent;
	const struct stack_entry *v[MAXF][MAXE];
	struct stack st[MAXF];
	size_t nst;
};

static void bail(const char *why, const char *what)
{
	printf("Bail out! %s: %s\n", why, what);
	exit(255);
}

static const char *src_text(const struct src *srcs, const char *name)
{
	for (size_t i = 0; srcs[i].name != NULL; i++)
		if (strcmp(srcs[i].name, name) == 0)
			return srcs[i].text;
	bail("no test source", name);
	return NULL;
}

static struct stack_entry *new_entry(struct tb *tb)
{
	if (tb->nent == MAXE)
		bail("test stack too large", "");
	memset(&tb->ent[tb->nent], 0, sizeof tb->ent[0]);
	return &tb->ent[tb->nent++];
}

static void push(struct tb *tb, size_t si, const struct stack_entry *e)
{
	if (tb->st[si].n == MAXE)
		bail("test stack too large", "");
	tb->v[si][tb->st[si].n++] = e;
}

static size_t new_stack(struct tb *tb)
{
	if (tb->nst == MAXF)
		bail("too many test stacks", "");
	tb->st[tb->nst].n = 0;
	tb->st[tb->nst].v = tb->v[tb->nst];
	return tb->nst++;
}

/* Appends file "name"'s lines to stack si. */
static void load(struct tb *tb, const char *name, size_t si, int depth)
{
	const char *text = src_text(tb->srcs, name);
	struct cnz_err err;
	struct rulefile *rf;
	char buf[1024];

	if (depth > 8)
		bail("test include loop", name);
	rf = rulefile_parse(name, text, strlen(text), &err);
	if (rf == NULL)
		bail("test rules do not parse", cnz_err_str(&err, buf, sizeof buf));
	if (tb->nrf == MAXF)
		bail("too many test files", name);
	tb->rf[tb->nrf++] = rf;
	for (size_t i = 0; i < rulefile_nlines(rf); i++) {
		const struct rule_line *l = rulefile_line(rf, i);
		struct stack_entry *e;
		size_t sub;

		switch (l->kind) {
		case RULE_MODULE:
			e = new_entry(tb);
			e->line = l;
			e->file = name;
			e->mod = &tmod;
			e->state = &tb->mods[e - tb->ent];
			tb->mods[e - tb->ent].result = label_result(l->module);
			tb->mods[e - tb->ent].quiet =
				islower((unsigned char)l->module[0]);
			tb->mods[e - tb->ent].label = l->module;
			push(tb, si, e);
			break;
		case RULE_INCLUDE:
			load(tb, l->module, si, depth + 1);
			break;
		case RULE_SUBSTACK:
			sub = new_stack(tb);
			load(tb, l->module, sub, depth + 1);
			e = new_entry(tb);
			e->line = l;
			e->file = name;
			e->sub = &tb->st[sub];
			push(tb, si, e);
			break;
		}
	}
}

static void tb_free(struct tb *tb)
{
	for (size_t i = 0; i < tb->nrf; i++)
		rulefile_free(tb->rf[i]);
	free(tb);
}

/* ---- running them ---- */

#define MAXSTEPS 64

struct out {
	struct stack_result res;
	char ran[512];       /* labels of what ran, space-separated */
	struct stack_step steps[MAXSTEPS];
	size_t nsteps;
	bool decided;     /* res.decider was set (it is freed with the stack) */
	char decider[64]; /* "file:line", or "" */
};

static void trace(void *arg, const struct stack_step *s)
{
	struct out *o = arg;
	const char *label = s->entry->line->module;
	size_t n = strlen(o->ran);

	snprintf(o->ran + n, sizeof o->ran - n, "%s%s%s", n ? " " : "",
		 s->entry->sub != NULL ? "sub:" : "", label);
	if (o->nsteps < MAXSTEPS)
		o->steps[o->nsteps++] = *s;
}

/* Runs srcs[0] (which may include or substack the others). */
static void eval_srcs(const struct src *srcs, struct out *o)
{
	struct tb *tb = calloc(1, sizeof *tb);
	size_t top;

	if (tb == NULL)
		bail("out of memory", "");
	tb->srcs = srcs;
	top = new_stack(tb);
	load(tb, srcs[0].name, top, 0);
	memset(o, 0, sizeof *o);
	stack_eval(&tb->st[top], NULL, NULL, &o->res, trace, o);
	o->decided = o->res.decider != NULL;
	if (o->decided)
		snprintf(o->decider, sizeof o->decider, "%s:%u",
			 o->res.decider->file, o->res.decider->line->line);
	/* what pointed into the stack (or into stack_eval) is gone */
	o->res.decider = NULL;
	for (size_t i = 0; i < o->nsteps; i++) {
		o->steps[i].entry = NULL;
		o->steps[i].msg = NULL;
	}
	tb_free(tb);
}

static void eval_text(const char *text, struct out *o)
{
	const struct src srcs[] = {{"top", text}, {NULL, NULL}};

	eval_srcs(srcs, o);
}

static const char *imp_name(enum stack_impression i)
{
	return i == IMP_UNDEF ? "UNDEF" : i == IMP_POS ? "POS" : "NEG";
}

/* "POS/success" */
static const char *state_str(char *buf, size_t n, enum stack_impression i,
			     int status)
{
	snprintf(buf, n, "%s/%s", imp_name(i), rule_result_name(status));
	return buf;
}

static const char *final_state(const struct out *o)
{
	static char buf[64];

	return state_str(buf, sizeof buf, o->res.impression, o->res.status);
}

/* ---- the bracket form: every action for every result ---- */

enum next { RUNS, STOPS, SKIPS };

struct mrow {
	const char *start; /* the state before the line */
	const char *result;
	const char *action;
	const char *after; /* the state after it */
	enum next next;
};

/* A line that puts the stack in each start state; its label is "?0". */
static const char *prefix_for(const char *start)
{
	if (strcmp(start, "UNDEF/deny") == 0)
		return "";
	if (strcmp(start, "POS/success") == 0)
		return "required S0\n";
	if (strcmp(start, "NEG/deny") == 0)
		return "required D0\n";
	if (strcmp(start, "POS/error") == 0)
		return "[default=ok] E0\n";
	bail("no prefix for", start);
	return NULL;
}

static const struct mrow matrix[] = {
	/* From the start: impression UNDEF, status denied. */
	{"UNDEF/deny", "success", "ok", "POS/success", RUNS},
	{"UNDEF/deny", "deny", "ok", "POS/deny", RUNS},
	{"UNDEF/deny", "ignore", "ok", "POS/ignore", RUNS},
	{"UNDEF/deny", "error", "ok", "POS/error", RUNS},
	{"UNDEF/deny", "success", "done", "POS/success", STOPS},
	{"UNDEF/deny", "deny", "done", "POS/deny", STOPS},
	{"UNDEF/deny", "ignore", "done", "POS/ignore", STOPS},
	{"UNDEF/deny", "error", "done", "POS/error", STOPS},
	{"UNDEF/deny", "success", "bad", "NEG/success", RUNS},
	{"UNDEF/deny", "deny", "bad", "NEG/deny", RUNS},
	{"UNDEF/deny", "ignore", "bad", "NEG/deny", RUNS},
	{"UNDEF/deny", "error", "bad", "NEG/error", RUNS},
	{"UNDEF/deny", "success", "die", "NEG/success", STOPS},
	{"UNDEF/deny", "deny", "die", "NEG/deny", STOPS},
	{"UNDEF/deny", "ignore", "die", "NEG/deny", STOPS},
	{"UNDEF/deny", "error", "die", "NEG/error", STOPS},
	{"UNDEF/deny", "success", "ignore", "UNDEF/deny", RUNS},
	{"UNDEF/deny", "deny", "ignore", "UNDEF/deny", RUNS},
	{"UNDEF/deny", "ignore", "ignore", "UNDEF/deny", RUNS},
	{"UNDEF/deny", "error", "ignore", "UNDEF/deny", RUNS},
	{"UNDEF/deny", "success", "reset", "UNDEF/deny", RUNS},
	{"UNDEF/deny", "deny", "reset", "UNDEF/deny", RUNS},
	{"UNDEF/deny", "ignore", "reset", "UNDEF/deny", RUNS},
	{"UNDEF/deny", "error", "reset", "UNDEF/deny", RUNS},
	{"UNDEF/deny", "success", "1", "UNDEF/deny", SKIPS},
	{"UNDEF/deny", "deny", "1", "UNDEF/deny", SKIPS},
	{"UNDEF/deny", "ignore", "1", "UNDEF/deny", SKIPS},
	{"UNDEF/deny", "error", "1", "UNDEF/deny", SKIPS},

	/* After a success: ok/done record any result, reset forgets it. */
	{"POS/success", "success", "ok", "POS/success", RUNS},
	{"POS/success", "deny", "ok", "POS/deny", RUNS},
	{"POS/success", "ignore", "ok", "POS/ignore", RUNS},
	{"POS/success", "error", "ok", "POS/error", RUNS},
	{"POS/success", "success", "done", "POS/success", STOPS},
	{"POS/success", "deny", "done", "POS/deny", STOPS},
	{"POS/success", "ignore", "done", "POS/ignore", STOPS},
	{"POS/success", "error", "done", "POS/error", STOPS},
	{"POS/success", "success", "bad", "NEG/success", RUNS},
	{"POS/success", "deny", "bad", "NEG/deny", RUNS},
	{"POS/success", "ignore", "bad", "NEG/deny", RUNS},
	{"POS/success", "error", "bad", "NEG/error", RUNS},
	{"POS/success", "success", "die", "NEG/success", STOPS},
	{"POS/success", "deny", "die", "NEG/deny", STOPS},
	{"POS/success", "ignore", "die", "NEG/deny", STOPS},
	{"POS/success", "error", "die", "NEG/error", STOPS},
	{"POS/success", "success", "ignore", "POS/success", RUNS},
	{"POS/success", "deny", "ignore", "POS/success", RUNS},
	{"POS/success", "ignore", "ignore", "POS/success", RUNS},
	{"POS/success", "error", "ignore", "POS/success", RUNS},
	{"POS/success", "success", "reset", "UNDEF/deny", RUNS},
	{"POS/success", "deny", "reset", "UNDEF/deny", RUNS},
	{"POS/success", "ignore", "reset", "UNDEF/deny", RUNS},
	{"POS/success", "error", "reset", "UNDEF/deny", RUNS},
	{"POS/success", "success", "1", "POS/success", SKIPS},
	{"POS/success", "deny", "1", "POS/success", SKIPS},
	{"POS/success", "ignore", "1", "POS/success", SKIPS},
	{"POS/success", "error", "1", "POS/success", SKIPS},

	/* After a failure: the first failure sticks; done does not stop. */
	{"NEG/deny", "success", "ok", "NEG/deny", RUNS},
	{"NEG/deny", "deny", "ok", "NEG/deny", RUNS},
	{"NEG/deny", "ignore", "ok", "NEG/deny", RUNS},
	{"NEG/deny", "error", "ok", "NEG/deny", RUNS},
	{"NEG/deny", "success", "done", "NEG/deny", RUNS},
	{"NEG/deny", "deny", "done", "NEG/deny", RUNS},
	{"NEG/deny", "ignore", "done", "NEG/deny", RUNS},
	{"NEG/deny", "error", "done", "NEG/deny", RUNS},
	{"NEG/deny", "success", "bad", "NEG/deny", RUNS},
	{"NEG/deny", "deny", "bad", "NEG/deny", RUNS},
	{"NEG/deny", "ignore", "bad", "NEG/deny", RUNS},
	{"NEG/deny", "error", "bad", "NEG/deny", RUNS},
	{"NEG/deny", "success", "die", "NEG/deny", STOPS},
	{"NEG/deny", "deny", "die", "NEG/deny", STOPS},
	{"NEG/deny", "ignore", "die", "NEG/deny", STOPS},
	{"NEG/deny", "error", "die", "NEG/deny", STOPS},
	{"NEG/deny", "success", "ignore", "NEG/deny", RUNS},
	{"NEG/deny", "deny", "ignore", "NEG/deny", RUNS},
	{"NEG/deny", "ignore", "ignore", "NEG/deny", RUNS},
	{"NEG/deny", "error", "ignore", "NEG/deny", RUNS},
	{"NEG/deny", "success", "reset", "UNDEF/deny", RUNS},
	{"NEG/deny", "deny", "reset", "UNDEF/deny", RUNS},
	{"NEG/deny", "ignore", "reset", "UNDEF/deny", RUNS},
	{"NEG/deny", "error", "reset", "UNDEF/deny", RUNS},
	{"NEG/deny", "success", "1", "NEG/deny", SKIPS},
	{"NEG/deny", "deny", "1", "NEG/deny", SKIPS},
	{"NEG/deny", "ignore", "1", "NEG/deny", SKIPS},
	{"NEG/deny", "error", "1", "NEG/deny", SKIPS},

	/* POS without success ([default=ok] on an error): ok and done no
	 * longer record, but done still stops, since impression is not NEG. */
	{"POS/error", "success", "ok", "POS/error", RUNS},
	{"POS/error", "deny", "ok", "POS/error", RUNS},
	{"POS/error", "ignore", "ok", "POS/error", RUNS},
	{"POS/error", "error", "ok", "POS/error", RUNS},
	{"POS/error", "success", "done", "POS/error", STOPS},
	{"POS/error", "deny", "done", "POS/error", STOPS},
	{"POS/error", "ignore", "done", "POS/error", STOPS},
	{"POS/error", "error", "done", "POS/error", STOPS},
	{"POS/error", "success", "bad", "NEG/success", RUNS},
	{"POS/error", "deny", "bad", "NEG/deny", RUNS},
	{"POS/error", "ignore", "bad", "NEG/deny", RUNS},
	{"POS/error", "error", "bad", "NEG/error", RUNS},
	{"POS/error", "success", "die", "NEG/success", STOPS},
	{"POS/error", "deny", "die", "NEG/deny", STOPS},
	{"POS/error", "ignore", "die", "NEG/deny", STOPS},
	{"POS/error", "error", "die", "NEG/error", STOPS},
	{"POS/error", "success", "ignore", "POS/error", RUNS},
	{"POS/error", "deny", "ignore", "POS/error", RUNS},
	{"POS/error", "ignore", "ignore", "POS/error", RUNS},
	{"POS/error", "error", "ignore", "POS/error", RUNS},
	{"POS/error", "success", "reset", "UNDEF/deny", RUNS},
	{"POS/error", "deny", "reset", "UNDEF/deny", RUNS},
	{"POS/error", "ignore", "reset", "UNDEF/deny", RUNS},
	{"POS/error", "error", "reset", "UNDEF/deny", RUNS},
	{"POS/error", "success", "1", "POS/error", SKIPS},
	{"POS/error", "deny", "1", "POS/error", SKIPS},
	{"POS/error", "ignore", "1", "POS/error", SKIPS},
	{"POS/error", "error", "1", "POS/error", SKIPS},
};

static char result_letter(const char *result)
{
	return (char)toupper((unsigned char)result[0]);
}

/*
 * The prefix, then "<control> R1" answering the row's result, then two
 * markers that answer ignore under "optional" (they change nothing): a
 * jump of 1 skips I2 and runs I3, a stop runs neither.
 */
static void matrix_row(const struct mrow *m, const char *control,
		       const char *form)
{
	const char *prefix = prefix_for(m->start);
	char text[256], want_ran[64], got[64];
	size_t at = prefix[0] != '\0' ? 1 : 0; /* the step under test */
	const struct stack_step *s;
	struct out o;

	snprintf(text, sizeof text, "%s%s %c1\noptional I2\noptional I3\n",
		 prefix, control, result_letter(m->result));
	eval_text(text, &o);
	/* "S0 D1 I2 I3": the prefix's label is its module word */
	snprintf(want_ran, sizeof want_ran, "%.*s%s%c1%s",
		 at ? (int)strcspn(strchr(prefix, ' ') + 1, "\n") : 0,
		 at ? strchr(prefix, ' ') + 1 : "", at ? " " : "",
		 result_letter(m->result),
		 m->next == RUNS ? " I2 I3" : m->next == SKIPS ? " I3" : "");
	is_str(o.ran, want_ran, "from %s, %s on %s: %s", m->start, form,
	       m->result,
	       m->next == RUNS	  ? "the next lines run"
	       : m->next == SKIPS ? "exactly one line is skipped"
				  : "the stack stops there");
	if (o.nsteps <= at) {
		ok(0, "from %s, %s on %s: the line was traced", m->start, form,
		   m->result);
		return;
	}
	s = &o.steps[at];
	is_str(state_str(got, sizeof got, s->impression, (int)s->status),
	       m->after, "from %s, %s on %s: the state becomes %s", m->start,
	       form, m->result, m->after);
	ok(s->stopped == (m->next == STOPS),
	   "from %s, %s on %s: the trace %s a stop", m->start, form,
	   m->result, m->next == STOPS ? "reports" : "does not report");
	is_str(final_state(&o), m->after,
	       "from %s, %s on %s: the ignoring markers keep it %s", m->start,
	       form, m->result, m->after);
	ok(o.res.allow == (strcmp(m->after, "POS/success") == 0),
	   "from %s, %s on %s: %s", m->start, form, m->result,
	   strcmp(m->after, "POS/success") == 0 ? "allowed" : "denied");
}

static void test_bracket_matrix(void)
{
	for (size_t i = 0; i < sizeof matrix / sizeof matrix[0]; i++) {
		const struct mrow *m = &matrix[i];
		char control[64], form[64];

		/* the result named explicitly */
		snprintf(control, sizeof control, "[%s=%s]", m->result,
			 m->action);
		snprintf(form, sizeof form, "%s", control);
		matrix_row(m, control, form);
		/* the same action reached through default */
		snprintf(control, sizeof control, "[default=%s]", m->action);
		snprintf(form, sizeof form, "%s", control);
		matrix_row(m, control, form);
	}
}

static void test_bracket_defaults(void)
{
	struct out o;

	eval_text("[success=ok] D1\noptional I2\n", &o);
	is_str(final_state(&o), "NEG/deny",
	       "a result the bracket does not name takes default, which defaults to bad");
	is_str(o.ran, "D1 I2", "that implicit bad does not stop the stack");

	eval_text("[deny=ok default=die] S1\noptional I2\n", &o);
	is_str(final_state(&o), "NEG/success",
	       "an explicit default applies to the results not named");
	is_str(o.ran, "S1", "an explicit default=die stops the stack");

	eval_text("[success=die default=ok] S1\n", &o);
	is_str(final_state(&o), "NEG/success",
	       "a named result beats default");

	eval_text("[default=done success=bad] S1\noptional I2\n", &o);
	is_str(final_state(&o), "NEG/success",
	       "default may come before the named results it does not override");
	is_str(o.ran, "S1 I2", "and the named bad does not stop");

	eval_text("[] S1\noptional I2\n", &o);
	is_str(final_state(&o), "NEG/success",
	       "an empty bracket makes every result bad");
}

/* ---- the keyword table, by behaviour ---- */

struct krow {
	const char *keyword;
	const char *result;
	const char *after;   /* from UNDEF/deny */
	enum next next;
};

static const struct krow keywords[] = {
	{"required", "success", "POS/success", RUNS},
	{"required", "deny", "NEG/deny", RUNS},
	{"required", "ignore", "UNDEF/deny", RUNS},
	{"required", "error", "NEG/error", RUNS},
	{"requisite", "success", "POS/success", RUNS},
	{"requisite", "deny", "NEG/deny", STOPS},
	{"requisite", "ignore", "UNDEF/deny", RUNS},
	{"requisite", "error", "NEG/error", STOPS},
	{"sufficient", "success", "POS/success", STOPS},
	{"sufficient", "deny", "UNDEF/deny", RUNS},
	{"sufficient", "ignore", "UNDEF/deny", RUNS},
	{"sufficient", "error", "UNDEF/deny", RUNS},
	{"optional", "success", "POS/success", RUNS},
	{"optional", "deny", "UNDEF/deny", RUNS},
	{"optional", "ignore", "UNDEF/deny", RUNS},
	{"optional", "error", "UNDEF/deny", RUNS},
};

static void test_keywords(void)
{
	for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++) {
		const struct krow *k = &keywords[i];
		struct mrow m = {"UNDEF/deny", k->result, k->keyword, k->after,
				 k->next};

		matrix_row(&m, k->keyword, k->keyword);
	}
}

/* ---- the 11 consequences of pam-semantics.md ---- */

static void test_consequences(void)
{
	struct out o;
	const struct src inc_done[] = {
		{"top", "required S1\ninclude inc\nrequired D9\n"},
		{"inc", "sufficient S2\nrequired D3\n"},
		{NULL, NULL},
	};
	const struct src inc_die[] = {
		{"top", "include inc\nsufficient S9\n"},
		{"inc", "requisite D1\nrequired S2\n"},
		{NULL, NULL},
	};
	const struct src sub_done[] = {
		{"top", "substack sub\nrequired S3\n"},
		{"sub", "sufficient S1\nrequired D2\n"},
		{NULL, NULL},
	};
	const struct src sub_done_then_fail[] = {
		{"top", "substack sub\nrequired D3\n"},
		{"sub", "sufficient S1\nrequired D2\n"},
		{NULL, NULL},
	};
	const struct src sub_die[] = {
		{"top", "substack sub\nrequired S3\nsufficient S4\n"},
		{"sub", "requisite D1\nrequired S2\n"},
		{NULL, NULL},
	};
	const struct src sub_reset[] = {
		{"top", "required S1\nsubstack sub\n"},
		{"sub", "required D2\n[default=reset] I3\n"},
		{NULL, NULL},
	};
	const struct src sub_reset_undef[] = {
		{"top", "substack sub\noptional I9\n"},
		{"sub", "required S1\n[default=reset] I2\n"},
		{NULL, NULL},
	};

	/* 1 */
	eval_text("required D1\nrequired E2\nrequired S3\n", &o);
	ok(!o.res.allow, "1: a required failure denies");
	is_str(o.ran, "D1 E2 S3", "1: after a required failure the stack runs on");
	is_str(final_state(&o), "NEG/deny",
	       "1: the result is the first failure (deny), not the later error");
	is_str(o.decider, "top:1", "1: the first failure is the decider");
	is_str(o.res.msg, "D1 said deny", "1: its message is the one kept");

	/* 2 */
	eval_text("required S1\nrequisite D2\nrequired S3\n", &o);
	is_str(o.ran, "S1 D2", "2: a requisite failure stops the stack at once");
	is_str(final_state(&o), "NEG/deny", "2: and denies with its result");
	is_str(o.decider, "top:2", "2: the requisite line decides");
	eval_text("required E1\nrequisite D2\nrequired S3\n", &o);
	is_str(o.ran, "E1 D2", "2: a requisite failure after a failure stops too");
	is_str(final_state(&o), "NEG/error",
	       "2: the earlier failure is what is reported");
	is_str(o.decider, "top:1", "2: and the earlier line is the decider");

	/* 3 */
	eval_text("required S1\nsufficient S2\nrequired D3\n", &o);
	ok(o.res.allow, "3: a sufficient success after successes allows");
	is_str(o.ran, "S1 S2", "3: and ends the stack (later lines do not run)");
	is_str(o.decider, "top:2", "3: the sufficient line decides");
	eval_text("sufficient S1\nrequired D2\n", &o);
	ok(o.res.allow, "3: a sufficient success first in the stack allows");
	is_str(o.ran, "S1", "3: without running the rest");
	eval_text("required D1\nsufficient S2\nrequired S3\n", &o);
	ok(!o.res.allow, "3: a sufficient success after a failure does not allow");
	is_str(o.ran, "D1 S2 S3", "3: and does not end the stack");
	is_str(final_state(&o), "NEG/deny", "3: the failure stays");

	/* 4 */
	eval_text("sufficient D1\nsufficient E2\nrequired S3\n", &o);
	ok(o.res.allow, "4: sufficient deny and error are ignored");
	is_str(o.ran, "D1 E2 S3", "4: and the stack runs on");
	is_str(o.decider, "top:3", "4: an ignored failure never decides");
	eval_text("required S1\nsufficient D2\n", &o);
	ok(o.res.allow, "4: a sufficient failure does not undo an earlier success");

	/* 5 */
	eval_text("optional S1\nrequired I2\n", &o);
	ok(o.res.allow, "5: an optional success counts while nothing has decided");
	eval_text("required D1\noptional S2\n", &o);
	ok(!o.res.allow, "5: an optional success after a failure changes nothing");
	is_str(o.decider, "top:1", "5: and is not the decider");
	eval_text("optional D1\nrequired S2\n", &o);
	ok(o.res.allow, "5: an optional failure is ignored");
	eval_text("optional S1\noptional D2\noptional E3\n", &o);
	ok(o.res.allow, "5: optional failures after an optional success are ignored");

	/* 6 */
	eval_text("optional D1\noptional E2\n", &o);
	ok(!o.res.allow, "6: an all-optional stack that all fails is denied");
	is_str(final_state(&o), "UNDEF/deny", "6: with nothing decided");
	ok(!o.decided, "6: and no decider");
	is_str(o.res.msg, "", "6: and no message");
	eval_text("required I1\nrequisite I2\nsufficient I3\noptional I4\n", &o);
	ok(!o.res.allow, "6: an all-ignore stack is denied");
	is_str(o.ran, "I1 I2 I3 I4", "6: every ignoring line runs");
	ok(!o.decided, "6: all-ignore: no decider");

	/* 7 */
	eval_srcs(inc_done, &o);
	ok(o.res.allow, "7: sufficient inside an include can allow");
	is_str(o.ran, "S1 S2", "7: done inside an include ends the whole stack");
	is_str(o.decider, "inc:1", "7: the included line is the decider");
	eval_srcs(inc_die, &o);
	ok(!o.res.allow, "7: requisite inside an include denies");
	is_str(o.ran, "D1", "7: die inside an include ends the whole stack");

	/* 8 */
	eval_srcs(sub_done, &o);
	ok(o.res.allow, "8: a substack's sufficient success carries to the parent");
	is_str(o.ran, "sub:sub S1 S3",
	       "8: done inside a substack ends only the substack");
	eval_srcs(sub_done_then_fail, &o);
	ok(!o.res.allow, "8: a parent line after a substack's done still counts");
	is_str(o.ran, "sub:sub S1 D3", "8: the parent runs on after the substack's done");
	eval_srcs(sub_die, &o);
	ok(!o.res.allow, "8: a NEG inside a substack stays NEG");
	is_str(o.ran, "sub:sub D1 S3 S4",
	       "8: die inside a substack ends only the substack");
	is_str(final_state(&o), "NEG/deny",
	       "8: a sufficient success in the parent cannot undo the substack's failure");
	is_str(o.decider, "sub:1", "8: the substack's line is the decider");

	/* 9 */
	eval_text("required D1\n[default=reset] I2\nrequired S3\n", &o);
	ok(o.res.allow, "9: reset at the top forgets a failure");
	is_str(o.ran, "D1 I2 S3", "9: reset does not stop");
	eval_text("required S1\n[default=reset] I2\n", &o);
	ok(!o.res.allow, "9: reset at the top forgets a success too");
	is_str(final_state(&o), "UNDEF/deny", "9: back to UNDEF/deny");
	ok(!o.decided, "9: and to no decider");
	eval_srcs(sub_reset, &o);
	ok(o.res.allow,
	   "9: reset inside a substack restores the state the substack began with");
	is_str(o.decider, "top:1",
	       "9: including the decider from before the substack");
	is_str(o.res.msg, "S1 said success", "9: and its message");
	eval_srcs(sub_reset_undef, &o);
	is_str(final_state(&o), "UNDEF/deny",
	       "9: reset in a substack entered at UNDEF goes back to UNDEF");

	/* 10 */
	eval_text("required S0\n[success=2] S1\nrequired D2\nrequired D3\nrequired S4\n",
		  &o);
	is_str(o.ran, "S0 S1 S4", "10: a jump of 2 skips exactly two lines");
	ok(o.res.allow, "10: the jump itself changes no state");
	eval_text("[success=1] S1\nrequired S2\n", &o);
	ok(!o.res.bad_jump, "10: a jump to the last line is fine");
	eval_text("[success=2] S1\nrequired S2\n", &o);
	ok(!o.res.allow, "10: a jump past the end denies");
	ok(o.res.bad_jump, "10: and is reported as a bad jump");

	/* 11 is a load-time property: see t-ruleset.c */
}

/* ---- end of the stack ---- */

static void test_end_of_stack(void)
{
	struct out o;

	eval_text("", &o);
	ok(!o.res.allow, "an empty stack is denied");
	is_str(final_state(&o), "UNDEF/deny", "an empty stack ends UNDEF/deny");
	ok(!o.decided, "an empty stack has no decider");
	is_str(o.ran, "", "an empty stack runs nothing");

	eval_text("required I1\noptional I2\n", &o);
	ok(!o.res.allow, "an all-ignore stack is denied");

	eval_text("[success=bad] S1\n", &o);
	ok(!o.res.allow, "[success=bad] on success is denied");
	is_str(final_state(&o), "NEG/success",
	       "[success=bad] leaves status success but impression NEG");
	is_str(o.decider, "top:1", "[success=bad]: the line is the decider");

	eval_text("[ignore=ok] I1\n", &o);
	ok(!o.res.allow, "[ignore=ok] on ignore is denied");
	is_str(final_state(&o), "POS/ignore",
	       "[ignore=ok] leaves impression POS with status ignore");

	/*
	 * ok records any result, ignore included (pam_dispatch.c does too:
	 * it skips PAM_IGNORE only when replaying a frozen chain). Once
	 * status is ignore, a later success cannot record.
	 */
	eval_text("[ignore=ok] I1\nrequired S2\n", &o);
	ok(!o.res.allow,
	   "a success after [ignore=ok] cannot record: status is no longer success");

	eval_text("required S1\n", &o);
	ok(o.res.allow, "POS with success at the end is allowed");
	is_str(final_state(&o), "POS/success", "required success: POS/success");
}

/* ---- jumps ---- */

static void test_jumps(void)
{
	struct out o;
	const struct src over_sub[] = {
		{"top", "[success=1] S1\nsubstack sub\nrequired S3\n"},
		{"sub", "required D1\nrequired D2\n"},
		{NULL, NULL},
	};
	const struct src over_sub2[] = {
		{"top", "[success=2] S1\nsubstack sub\nrequired D3\nrequired S4\n"},
		{"sub", "required D1\nrequired D2\n"},
		{NULL, NULL},
	};
	const struct src to_sub_end[] = {
		{"top", "required S0\nsubstack sub\nrequired S3\n"},
		{"sub", "[success=1] S1\nrequired D2\n"},
		{NULL, NULL},
	};
	const struct src past_sub_end[] = {
		{"top", "required S0\nsubstack sub\nrequired S3\n"},
		{"sub", "[success=2] S1\nrequired D2\n"},
		{NULL, NULL},
	};
	const struct src inc_counted[] = {
		{"top", "required S0\n[success=1] S1\ninclude inc\nrequired S4\n"},
		{"inc", "required D2\nrequired S3\n"},
		{NULL, NULL},
	};

	eval_text("required S0\n[success=2] S1\nrequired D2\nrequired D3\n", &o);
	is_str(o.ran, "S0 S1", "a jump landing exactly at the end skips the rest");
	ok(o.res.allow, "a jump landing exactly at the end is fine");
	ok(!o.res.bad_jump, "a jump landing exactly at the end is not a bad jump");

	eval_text("required S0\n[success=3] S1\nrequired D2\nrequired D3\n", &o);
	is_str(o.ran, "S0 S1", "a jump one past the end runs nothing more");
	ok(!o.res.allow, "a jump one past the end denies");
	ok(o.res.bad_jump, "a jump one past the end is a bad jump");
	is_str(final_state(&o), "NEG/deny", "a bad jump sets NEG/deny");
	is_str(o.decider, "top:2", "the jumping line is the decider of a bad jump");
	is_str(o.res.msg, "jump past the end of the stack",
	       "a bad jump says so");
	ok(o.nsteps == 2 && o.steps[1].bad_jump,
	   "the trace marks the bad jump");

	eval_text("required D0\n[success=5] S1\n", &o);
	is_str(final_state(&o), "NEG/deny",
	       "a bad jump after a failure stays NEG/deny");
	is_str(o.decider, "top:2",
	       "a bad jump overrides an earlier failure's decider (as PAM)");

	eval_text("[success=1] S1\n", &o);
	ok(o.res.bad_jump, "a jump from the last line is a bad jump");

	eval_text("[deny=1 default=ignore] D1\nrequired D2\nrequired S3\n", &o);
	is_str(o.ran, "D1 S3", "a jump on deny skips the next line");
	ok(o.res.allow, "a jump on deny leaves the state alone");

	eval_srcs(over_sub, &o);
	is_str(o.ran, "S1 S3", "a jump counts a substack as one line");
	ok(o.res.allow, "the skipped substack's lines never ran");
	eval_srcs(over_sub2, &o);
	is_str(o.ran, "S1 S4", "a jump of 2 skips a substack and one more line");
	eval_srcs(to_sub_end, &o);
	is_str(o.ran, "S0 sub:sub S1 S3",
	       "a jump to the end of a substack continues in the parent");
	ok(o.res.allow && !o.res.bad_jump,
	   "a jump to the end of a substack is fine");
	eval_srcs(past_sub_end, &o);
	is_str(o.ran, "S0 sub:sub S1 S3",
	       "a jump past the end of a substack ends the substack; the parent runs on");
	ok(!o.res.allow && o.res.bad_jump,
	   "a jump past the end of a substack denies");
	eval_srcs(inc_counted, &o);
	is_str(o.ran, "S0 S1 S3 S4", "a jump counts an include's lines one by one");
	ok(o.res.allow, "a jump over an included line");
}

/* ---- substacks ---- */

static void test_substacks(void)
{
	struct out o;
	const struct src neg_done[] = {
		{"top", "required D0\nsubstack sub\nrequired S3\n"},
		{"sub", "sufficient S1\nrequired S2\n"},
		{NULL, NULL},
	};
	const struct src nested[] = {
		{"top", "substack a\nrequired S9\n"},
		{"a", "substack b\nrequired S5\n"},
		{"b", "sufficient S1\nrequired D2\n"},
		{NULL, NULL},
	};
	const struct src empty_sub[] = {
		{"top", "substack sub\n"},
		{"sub", ""},
		{NULL, NULL},
	};
	const struct src pos_through[] = {
		{"top", "substack sub\n"},
		{"sub", "required S1\n"},
		{NULL, NULL},
	};

	eval_srcs(neg_done, &o);
	is_str(o.ran, "D0 sub:sub S1 S2 S3",
	       "sufficient inside a substack entered NEG does not stop it");
	ok(!o.res.allow, "a substack cannot undo a failure before it");

	eval_srcs(nested, &o);
	is_str(o.ran, "sub:a sub:b S1 S5 S9",
	       "done in a nested substack ends only the innermost");
	ok(o.res.allow, "nested substacks share the state");
	ok(o.nsteps == 5 && o.steps[0].depth == 0 && o.steps[1].depth == 1 &&
		   o.steps[2].depth == 2 && o.steps[3].depth == 1 &&
		   o.steps[4].depth == 0,
	   "the trace reports each line's substack depth");
	ok(o.steps[0].result == -1, "entering a substack is traced with result -1");
	ok(o.steps[2].stopped, "the trace reports the stop inside the substack");

	eval_srcs(empty_sub, &o);
	ok(!o.res.allow, "an empty substack decides nothing: denied");
	eval_srcs(pos_through, &o);
	ok(o.res.allow, "a substack's success is the stack's success");
	is_str(o.decider, "sub:1", "the substack's line is the decider");
}

/* ---- the decider, messages, bad results ---- */

static void test_decider(void)
{
	struct out o;

	eval_text("required S1\nrequired S2\noptional I3\n", &o);
	is_str(o.decider, "top:2",
	       "the decider is the last line whose result was recorded");
	is_str(o.res.msg, "S2 said success", "its message is kept");

	eval_text("required D1\nrequired D2\n", &o);
	is_str(o.decider, "top:1", "after a failure, later failures do not record");
	is_str(o.res.msg, "D1 said deny", "the first failure's message is kept");

	eval_text("required d1\n", &o);
	is_str(o.res.msg, "rule failed",
	       "a failure whose module said nothing reads \"rule failed\"");
	eval_text("required s1\n", &o);
	is_str(o.res.msg, "", "a success whose module said nothing has no message");
	ok(o.res.allow, "a quiet success still allows");

	eval_text("[ignore=bad] I1\n", &o);
	is_str(final_state(&o), "NEG/deny", "an ignore that is bad counts as deny");
	is_str(o.res.msg, "I1 said ignore", "the module's message is kept");

	eval_text("optional I1\n", &o);
	ok(!o.decided, "nothing recorded: no decider");
	is_str(o.res.msg, "", "nothing recorded: no message");
}

static void test_bad_results(void)
{
	struct out o;

	eval_text("[default=ok] X1\noptional I2\n", &o);
	ok(!o.res.allow, "a module returning 42 denies, whatever the control says");
	is_str(final_state(&o), "NEG/error",
	       "an out-of-range result is treated as error with action bad");
	is_str(o.ran, "X1 I2", "bad, not die: the stack runs on");
	is_str(o.res.msg, "module test returned an invalid result 42",
	       "the message names the module and the value");
	is_str(o.decider, "top:1", "the misbehaving line is the decider");
	ok(o.nsteps == 2 && o.steps[0].result == CNAUTHZ_ERROR &&
		   o.steps[0].action == ACT_BAD,
	   "the trace shows error/bad for it");

	eval_text("sufficient N1\nrequired S2\n", &o);
	ok(!o.res.allow, "a module returning -1 denies even under sufficient");
	is_str(o.res.msg, "module test returned an invalid result -1",
	       "the message shows the negative value");

	eval_text("required D1\n[default=ok] X2\n", &o);
	is_str(o.decider, "top:1",
	       "an out-of-range result after a failure does not replace it");
	is_str(final_state(&o), "NEG/deny", "the first failure stays");
}

int main(void)
{
	test_bracket_matrix();
	test_bracket_defaults();
	test_keywords();
	test_consequences();
	test_end_of_stack();
	test_jumps();
	test_substacks();
	test_decider();
	test_bad_results();
	return done_testing();
}
