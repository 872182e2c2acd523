/* lint.c - see lint.h */
#include "lint.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "module.h"
#include "rulefile.h"
#include "ruleset.h"
#include "stack.h"

static bool positive_action(int a)
{
	return a == ACT_OK || a == ACT_DONE;
}

/* Can this stack (or a substack in it) ever leave a positive success? */
static bool can_allow(const struct stack *s, int depth)
{
	if (depth > 32)
		return true; /* give up: claim nothing */
	for (size_t i = 0; i < s->n; i++) {
		const struct stack_entry *e = s->v[i];

		if (e->sub != NULL) {
			if (can_allow(e->sub, depth + 1))
				return true;
			continue;
		}
		if ((module_results(e->mod, e->state) & 1u << CNAUTHZ_SUCCESS) &&
		    positive_action(e->line->actions[CNAUTHZ_SUCCESS]))
			return true;
	}
	return false;
}

static bool has_permit(const struct stack *s, int depth)
{
	if (depth > 32)
		return false;
	for (size_t i = 0; i < s->n; i++) {
		const struct stack_entry *e = s->v[i];

		if (e->sub != NULL ? has_permit(e->sub, depth + 1)
				   : (module_results(e->mod, e->state) &
				      1u << CNAUTHZ_SUCCESS) != 0)
			return true;
	}
	return false;
}

/*
 * The first entry of s after which nothing runs: its module always gives
 * one answer, and the control always ends the stack on it (die; or done
 * when no earlier line can have left a negative impression; or a jump
 * past the end). Returns its index, or s->n.
 */
static size_t always_stops(const struct stack *s)
{
	bool maybe_neg = false;

	for (size_t i = 0; i < s->n; i++) {
		const struct stack_entry *e = s->v[i];
		unsigned res;
		int r = -1;

		if (e->sub != NULL) {
			maybe_neg = true; /* claim nothing about substacks */
			continue;
		}
		res = module_results(e->mod, e->state);
		for (int k = 0; k < CNAUTHZ_NRESULTS; k++) {
			int a = e->line->actions[k];

			if ((res & 1u << k) && (a == ACT_BAD || a == ACT_DIE ||
						a > 0))
				maybe_neg = true;
		}
		if ((res & (res - 1)) == 0) /* exactly one possible answer */
			for (int k = 0; k < CNAUTHZ_NRESULTS; k++)
				if (res == 1u << k)
					r = k;
		if (r < 0)
			continue;
		if (e->line->actions[r] == ACT_DIE ||
		    (e->line->actions[r] == ACT_DONE && !maybe_neg &&
		     r == CNAUTHZ_SUCCESS))
			return i;
	}
	return s->n;
}

void lint_ruleset(const struct ruleset *rs,
		  void (*warn)(void *arg, const char *msg), void *arg)
{
	char msg[1024];

	for (size_t i = 0; i < ruleset_nfiles(rs); i++) {
		const struct stack *s = ruleset_file_stack(rs, i);
		const char *name = ruleset_file_name(rs, i);
		size_t stop;

		if (s == NULL || s->n == 0)
			continue;
		stop = always_stops(s);
		if (stop + 1 < s->n) {
			const struct stack_entry *a = s->v[stop], *b = s->v[stop + 1];

			snprintf(msg, sizeof msg,
				 "%s:%u: never reached in the stack of %s: %s:%u (\"%.60s\") always ends it",
				 b->file, b->line->line, name, a->file,
				 a->line->line, a->line->text);
			warn(arg, msg);
		}
		/* A file of nothing but refusals (@other) means it. */
		if (has_permit(s, 0) && !can_allow(s, 0)) {
			snprintf(msg, sizeof msg,
				 "%s: this stack can never allow anything: no line can give a positive result",
				 name);
			warn(arg, msg);
		}
	}
}
