/* rulefile.c - see rulefile.h */
#include "rulefile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "identity.h"
#include "rulelex.h"

/* A parsed line: pub, const for its readers, points at what the line
 * owns here, in two allocations (or at static keywords). A rule set keeps
 * every line of every CN file: two pointers a line, not one for each
 * thing pub points at. */
struct pline {
	struct rule_line pub;
	char *text;  /* the text, then a control and a module not in it */
	char **argv; /* the arguments' pointers, then arg_line, arg_col */
};

struct rulefile {
	struct pline *lines;
	size_t n, cap;
};

static const char *const result_names[CNAUTHZ_NRESULTS] = {
	[CNAUTHZ_SUCCESS] = "success",
	[CNAUTHZ_DENY] = "deny",
	[CNAUTHZ_IGNORE] = "ignore",
	[CNAUTHZ_ERROR] = "error",
};

const char *rule_result_name(int result)
{
	if (result < 0 || result >= CNAUTHZ_NRESULTS)
		return "?";
	return result_names[result];
}

const char *rule_action_name(int action, char *buf)
{
	switch (action) {
	case ACT_IGNORE: return "ignore";
	case ACT_OK: return "ok";
	case ACT_DONE: return "done";
	case ACT_BAD: return "bad";
	case ACT_DIE: return "die";
	case ACT_RESET: return "reset";
	default:
		snprintf(buf, 12, "%d", action);
		return buf;
	}
}

bool rulefile_name_valid(const char *name, size_t len)
{
	if (len > 0 && name[0] == '@')
		return identity_name_valid(name + 1, len - 1);
	return identity_name_valid(name, len);
}

const char *rulefile_name_why(const char *name, size_t len, char *buf,
			      size_t bufsz)
{
	if (len == 1 && name[0] == '@')
		return "it is '@' alone";
	if (len > 0 && name[0] == '@')
		return identity_name_why(name + 1, len - 1, buf, bufsz);
	return identity_name_why(name, len, buf, bufsz);
}

static void pline_drop_args(struct pline *p)
{
	for (int k = 0; k < p->pub.argc; k++)
		free(p->argv[k]);
	free(p->argv);
	p->argv = NULL;
	p->pub.argc = 0;
	p->pub.argv = NULL;
	p->pub.arg_line = p->pub.arg_col = NULL;
}

static void pline_free(struct pline *p)
{
	free(p->text);
	pline_drop_args(p);
}

void rulefile_drop_args(struct rulefile *f)
{
	for (size_t i = 0; i < f->n; i++)
		pline_drop_args(&f->lines[i]);
}

void rulefile_free(struct rulefile *f)
{
	if (f == NULL)
		return;
	for (size_t i = 0; i < f->n; i++)
		pline_free(&f->lines[i]);
	free(f->lines);
	free(f);
}

size_t rulefile_nlines(const struct rulefile *f)
{
	return f->n;
}

const struct rule_line *rulefile_line(const struct rulefile *f, size_t i)
{
	return &f->lines[i].pub;
}

static int parse_action(const char *v, size_t n, int *out)
{
	static const struct {
		const char *name;
		int action;
	} tab[] = {
		{"ignore", ACT_IGNORE}, {"ok", ACT_OK},	  {"done", ACT_DONE},
		{"bad", ACT_BAD},	{"die", ACT_DIE}, {"reset", ACT_RESET},
	};
	long jump = 0;

	for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
		if (strlen(tab[i].name) == n && memcmp(tab[i].name, v, n) == 0) {
			*out = tab[i].action;
			return 0;
		}
	if (n == 0 || n > 4 || v[0] == '0')
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		jump = jump * 10 + (v[i] - '0');
	}
	if (jump < 1 || jump > RULEFILE_MAX_JUMP)
		return -1;
	*out = (int)jump;
	return 0;
}

/* "[success=ok deny=die default=bad]" */
static int parse_bracket(struct rulelex *lx, const struct rule_word *w,
			 int *actions)
{
	bool set[CNAUTHZ_NRESULTS] = {false};
	bool have_default = false;
	int def = ACT_BAD;
	size_t i = 1, end = w->len - 1; /* inside the brackets */
	char msg[200];

	while (i < end) {
		size_t k, eq, vstart;
		int res = -1, act;

		while (i < end && (w->s[i] == ' ' || w->s[i] == '\t'))
			i++;
		if (i >= end)
			break;
		k = i;
		while (i < end && w->s[i] != ' ' && w->s[i] != '\t')
			i++;
		eq = k;
		while (eq < i && w->s[eq] != '=')
			eq++;
		if (eq == i)
			return rulelex_fail(lx, w->line, w->col + (unsigned)k,
				    "expected result=action in '[...]'");
		vstart = eq + 1;
		if (eq - k == 7 && memcmp(w->s + k, "default", 7) == 0) {
			res = CNAUTHZ_NRESULTS;
		} else {
			for (int r = 0; r < CNAUTHZ_NRESULTS; r++)
				if (strlen(result_names[r]) == eq - k &&
				    memcmp(result_names[r], w->s + k, eq - k) == 0)
					res = r;
		}
		if (res < 0) {
			snprintf(msg, sizeof msg,
				 "unknown result \"%.*s\" (want success, deny, ignore, error or default)",
				 (int)(eq - k), w->s + k);
			return rulelex_fail(lx, w->line, w->col + (unsigned)k, msg);
		}
		if (parse_action(w->s + vstart, i - vstart, &act) < 0) {
			snprintf(msg, sizeof msg,
				 "unknown action \"%.*s\" (want ok, done, bad, die, ignore, reset or a jump 1..%d)",
				 (int)(i - vstart), w->s + vstart,
				 RULEFILE_MAX_JUMP);
			return rulelex_fail(lx, w->line, w->col + (unsigned)vstart, msg);
		}
		if (res == CNAUTHZ_NRESULTS) {
			if (have_default)
				return rulelex_fail(lx, w->line, w->col + (unsigned)k,
					    "'default' given twice");
			have_default = true;
			def = act;
		} else {
			if (set[res])
				return rulelex_fail(lx, w->line, w->col + (unsigned)k,
					    "result given twice in '[...]'");
			set[res] = true;
			actions[res] = act;
		}
	}
	for (int r = 0; r < CNAUTHZ_NRESULTS; r++)
		if (!set[r])
			actions[r] = def;
	return 0;
}

static int parse_control(struct rulelex *lx, const struct rule_word *w,
			 struct pline *p)
{
	static const struct {
		const char *name;
		int a[CNAUTHZ_NRESULTS]; /* success, deny, ignore, error */
	} kw[] = {
		{"required", {ACT_OK, ACT_BAD, ACT_IGNORE, ACT_BAD}},
		{"requisite", {ACT_OK, ACT_DIE, ACT_IGNORE, ACT_DIE}},
		{"sufficient", {ACT_DONE, ACT_IGNORE, ACT_IGNORE, ACT_IGNORE}},
		{"optional", {ACT_OK, ACT_IGNORE, ACT_IGNORE, ACT_IGNORE}},
	};
	char msg[200];

	p->pub.kind = RULE_MODULE;
	if (w->bracket) /* not a quoted or escaped '[' */
		return parse_bracket(lx, w, p->pub.actions);
	if (strcmp(w->s, "include") == 0) {
		p->pub.kind = RULE_INCLUDE;
		return 0;
	}
	if (strcmp(w->s, "substack") == 0) {
		p->pub.kind = RULE_SUBSTACK;
		return 0;
	}
	for (size_t i = 0; i < sizeof kw / sizeof kw[0]; i++)
		if (strcmp(w->s, kw[i].name) == 0) {
			memcpy(p->pub.actions, kw[i].a, sizeof kw[i].a);
			return 0;
		}
	snprintf(msg, sizeof msg,
		 "unknown control \"%.60s\" (want required, requisite, sufficient, optional, include, substack or [...])",
		 w->s);
	for (char *c = msg; *c; c++)
		if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
			*c = '?';
	return rulelex_fail(lx, w->line, w->col, msg);
}

static int add_line(struct rulefile *f, struct rulelex *lx,
		    struct rule_word *words, size_t nw, size_t from, size_t to)
{
	struct pline *p;
	char msg[200];

	if (f->n >= RULEFILE_MAX_LINES)
		return rulelex_fail(lx, words[0].line, words[0].col, "too many rules");
	if (f->n == f->cap) {
		size_t nc = f->cap ? f->cap * 2 : 16;
		struct pline *nl = realloc(f->lines, nc * sizeof *nl);

		if (nl == NULL)
			return rulelex_fail(lx, words[0].line, words[0].col,
				    "out of memory");
		f->lines = nl;
		f->cap = nc;
	}
	p = &f->lines[f->n];
	memset(p, 0, sizeof *p);
	f->n++; /* owned from here, freed with the file */
	p->pub.line = words[0].line;
	p->pub.col = words[0].col;
	if (parse_control(lx, &words[0], p) < 0)
		return -1;
	if (nw < 2)
		return rulelex_fail(lx, words[0].line, words[0].col,
			    p->pub.kind == RULE_MODULE
				    ? "missing module after control"
				    : "missing rule-file name");
	if (p->pub.kind != RULE_MODULE) {
		if (nw > 2)
			return rulelex_fail(lx, words[2].line, words[2].col,
				    "include and substack take one name");
		if (!rulefile_name_valid(words[1].s, words[1].len)) {
			snprintf(msg, sizeof msg,
				 "\"%.60s\" is not a rule-file name",
				 words[1].s);
			for (char *c = msg; *c; c++)
				if ((unsigned char)*c < 0x20 ||
				    (unsigned char)*c >= 0x7f)
					*c = '?';
			return rulelex_fail(lx, words[1].line, words[1].col, msg);
		}
	}
	if (nw - 2 > RULEFILE_MAX_ARGS)
		return rulelex_fail(lx, words[2 + RULEFILE_MAX_ARGS].line,
			    words[2 + RULEFILE_MAX_ARGS].col,
			    "too many arguments");
	/* a keyword control points at the keyword: one copy for all lines */
	{
		static const char *const kws[] = {"required", "requisite",
						  "sufficient", "optional",
						  "include", "substack"};

		for (size_t k = 0; k < sizeof kws / sizeof kws[0]; k++)
			if (strcmp(words[0].s, kws[k]) == 0)
				p->pub.control = kws[k];
	}
	p->pub.module_line = words[1].line;
	p->pub.module_col = words[1].col;
	{
		size_t na = nw - 2, tl, ml = strlen(words[1].s), cl = 0, need;
		char *text = rulelex_text(lx, from, to), *t;
		bool tail;

		if (text == NULL)
			return rulelex_fail(lx, words[0].line, words[0].col,
					    "out of memory");
		/* the text, then the control unless it is a keyword, then
		 * the module (or included name) unless, as written, it ends
		 * the line: then it is the text's tail, no copy */
		tl = strlen(text);
		tail = nw == 2 && tl > ml && text[tl - ml - 1] == ' ' &&
		       strcmp(text + tl - ml, words[1].s) == 0;
		if (p->pub.control == NULL)
			cl = strlen(words[0].s) + 1;
		need = tl + 1 + cl + (tail ? 0 : ml + 1);
		t = realloc(text, need);
		if (t == NULL) {
			free(text);
			return rulelex_fail(lx, words[0].line, words[0].col,
					    "out of memory");
		}
		p->pub.text = p->text = t;
		if (cl > 0) {
			memcpy(t + tl + 1, words[0].s, cl);
			p->pub.control = t + tl + 1;
		}
		if (tail) {
			p->pub.module = t + tl - ml;
		} else {
			memcpy(t + tl + 1 + cl, words[1].s, ml + 1);
			p->pub.module = t + tl + 1 + cl;
		}
		{
			unsigned *pos;

			/* argv[na] is NULL, as a C argv */
			p->argv = calloc(1, (na + 1) * sizeof *p->argv +
						    2 * na * sizeof *pos);
			if (p->argv == NULL)
				return rulelex_fail(lx, words[0].line,
						    words[0].col, "out of memory");
			pos = (unsigned *)(void *)(p->argv + na + 1);
			p->pub.argv = (const char *const *)p->argv;
			p->pub.arg_line = pos;
			p->pub.arg_col = pos + na;
			for (size_t i = 0; i < na; i++) {
				p->argv[i] = words[i + 2].s;
				words[i + 2].s = NULL;
				pos[i] = words[i + 2].line;
				pos[na + i] = words[i + 2].col;
				p->pub.argc++;
			}
		}
	}
	return 0;
}

struct rulefile *rulefile_parse(const char *name, const char *buf, size_t len,
				struct cnz_err *err)
{
	struct rulefile *f = calloc(1, sizeof *f);
	struct rulelex *lx;
	struct rule_word words[RULEFILE_MAX_ARGS + 3];
	size_t nw = 0, from, to;
	int rc;

	cnz_err_clear(err);
	memset(words, 0, sizeof words);
	if (f == NULL) {
		cnz_err_set(err, name, 0, 0, "out of memory");
		return NULL;
	}
	lx = rulelex_new(name, buf, len, err);
	if (lx == NULL) {
		free(f);
		return NULL;
	}
	while ((rc = rulelex_line(lx, words, sizeof words / sizeof words[0],
				  &nw, &from, &to)) > 0) {
		if (add_line(f, lx, words, nw, from, to) < 0)
			goto fail;
		for (size_t i = 0; i < nw; i++) {
			free(words[i].s);
			words[i].s = NULL;
		}
	}
	if (rc < 0)
		goto fail;
	rulelex_free(lx);
	/* kept as long as the rule set: no spare capacity */
	if (f->n > 0 && f->n < f->cap) {
		struct pline *fit = realloc(f->lines, f->n * sizeof *fit);

		if (fit != NULL) {
			f->lines = fit;
			f->cap = f->n;
		}
	}
	return f;
fail:
	for (size_t i = 0; i < nw; i++)
		free(words[i].s);
	rulelex_free(lx);
	rulefile_free(f);
	return NULL;
}
