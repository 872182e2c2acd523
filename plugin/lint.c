/* lint.c - see lint.h */
#include "lint.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "module.h"
#include "rulefile.h"
#include "ruleset.h"
#include "stack.h"

/*
 * stack.c's dispatch, run on sets of states instead of one: a state is
 * (impression, status), 3 x 4 of them, a set is a bit mask. Every answer a
 * module can give (module_results) is followed, so what is unreachable
 * here is unreachable whatever the requests, and a stack none of whose
 * final states is (positive, success) can never allow. A request that
 * cannot be judged (halted) only ever denies, so it is left out.
 */
#define NSTATES (3 * CNAUTHZ_NRESULTS)
typedef uint16_t states;

static int st_index(enum stack_impression imp, int status)
{
	return (int)imp * CNAUTHZ_NRESULTS + status;
}

static states st_bit(enum stack_impression imp, int status)
{
	return (states)(1u << st_index(imp, status));
}

static const states allow_states = (states)(1u << (IMP_POS * CNAUTHZ_NRESULTS +
						    CNAUTHZ_SUCCESS));

#define LINT_MAX_DEPTH 32

/* Substack results already worked out: (stack, start state) -> states. */
struct memo {
	const struct stack *s;
	int start;
	states out;
};

struct lint {
	struct memo *v;
	size_t n, cap;
	bool oom;
};

/* What entry e's module can answer, and whether it can also answer out
 * of range (a loaded module: stack.c then takes it as error, bad). */
static unsigned results_of(const struct stack_entry *e, bool *invalid)
{
	*invalid = module_builtin(e->mod->name) != e->mod;
	return module_results(e->mod, e->state);
}

static states run_stack(struct lint *L, const struct stack *s, int start,
			states *reach, int depth);

static states sub_result(struct lint *L, const struct stack *s, int start,
			 int depth)
{
	states out;

	for (size_t i = 0; i < L->n; i++)
		if (L->v[i].s == s && L->v[i].start == start)
			return L->v[i].out;
	if (depth > LINT_MAX_DEPTH)
		return (states)((1u << NSTATES) - 1); /* claim nothing */
	out = run_stack(L, s, start, NULL, depth);
	if (L->n == L->cap) {
		size_t nc = L->cap ? L->cap * 2 : 16;
		struct memo *nv = realloc(L->v, nc * sizeof *nv);

		if (nv == NULL) {
			L->oom = true;
			return out;
		}
		L->v = nv;
		L->cap = nc;
	}
	L->v[L->n].s = s;
	L->v[L->n].start = start;
	L->v[L->n].out = out;
	L->n++;
	return out;
}

/*
 * The states s can end in when it starts in state start; reach (s->n + 1
 * masks, or NULL) gets the states each entry is reached in.
 */
static states run_stack(struct lint *L, const struct stack *s, int start,
			states *reach, int depth)
{
	states *r = reach, out = 0;

	if (r == NULL) {
		r = calloc(s->n + 1, sizeof *r);
		if (r == NULL) {
			L->oom = true;
			return (states)((1u << NSTATES) - 1);
		}
	} else {
		memset(r, 0, (s->n + 1) * sizeof *r);
	}
	r[0] = (states)(1u << start);
	for (size_t i = 0; i < s->n; i++) {
		const struct stack_entry *e = s->v[i];
		unsigned res;
		bool invalid;

		if (r[i] == 0)
			continue;
		if (e->sub != NULL) {
			for (int k = 0; k < NSTATES; k++)
				if (r[i] & 1u << k)
					r[i + 1] |= sub_result(L, e->sub, k,
							       depth + 1);
			continue;
		}
		res = results_of(e, &invalid);
		for (int k = 0; k < NSTATES; k++) {
			enum stack_impression imp =
				(enum stack_impression)(k / CNAUTHZ_NRESULTS);
			int status = k % CNAUTHZ_NRESULTS;

			if (!(r[i] & 1u << k))
				continue;
			for (int res_i = 0; res_i <= CNAUTHZ_NRESULTS; res_i++) {
				int result = res_i, a;
				enum stack_impression ni = imp;
				int ns = status;

				if (res_i == CNAUTHZ_NRESULTS) {
					if (!invalid)
						continue;
					result = CNAUTHZ_ERROR;
					a = ACT_BAD;
				} else {
					if (!(res & 1u << res_i))
						continue;
					a = e->line->actions[res_i];
				}
				switch (a) {
				case ACT_RESET:
					r[i + 1] |= (states)(1u << start);
					break;
				case ACT_OK:
				case ACT_DONE:
					if (imp == IMP_UNDEF ||
					    (imp == IMP_POS &&
					     status == CNAUTHZ_SUCCESS)) {
						ni = IMP_POS;
						ns = result;
					}
					if (ni != IMP_NEG && a == ACT_DONE)
						out |= st_bit(ni, ns);
					else
						r[i + 1] |= st_bit(ni, ns);
					break;
				case ACT_BAD:
				case ACT_DIE:
					if (imp != IMP_NEG) {
						ni = IMP_NEG;
						ns = result == CNAUTHZ_IGNORE
							     ? CNAUTHZ_DENY
							     : result;
					}
					if (a == ACT_DIE)
						out |= st_bit(ni, ns);
					else
						r[i + 1] |= st_bit(ni, ns);
					break;
				case ACT_IGNORE:
					r[i + 1] |= st_bit(imp, status);
					break;
				default: /* a jump */
					if ((size_t)a > s->n - 1 - i)
						out |= st_bit(IMP_NEG,
							      CNAUTHZ_DENY);
					else
						r[i + 1 + (size_t)a] |=
							st_bit(imp, status);
					break;
				}
			}
		}
	}
	out |= r[s->n];
	if (reach == NULL)
		free(r);
	return out;
}

/* Can any line of s (or of a substack in it) ever answer success? */
static bool has_permit(const struct stack *s, int depth)
{
	if (depth > LINT_MAX_DEPTH)
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

/* How entry e never goes on to the next entry (which it is known not to):
 * it always ends the stack, always jumps, or some of each. */
static const char *how_it_stops(const struct stack_entry *e)
{
	bool invalid, stops = false, jumps = false;
	unsigned res;

	if (e->sub != NULL)
		return "always ends it";
	res = results_of(e, &invalid);
	for (int k = 0; k < CNAUTHZ_NRESULTS; k++) {
		int a = e->line->actions[k];

		if (!(res & 1u << k))
			continue;
		if (a > 0)
			jumps = true;
		else
			stops = true;
	}
	return jumps && stops ? "always ends it or jumps over it"
	       : jumps	      ? "always jumps over it"
			      : "always ends it";
}

void lint_ruleset(const struct ruleset *rs,
		  void (*warn)(void *arg, const char *msg), void *arg)
{
	struct lint L = {0};
	char msg[1024];

	for (size_t i = 0; i < ruleset_nfiles(rs); i++) {
		const struct stack *s = ruleset_file_stack(rs, i);
		const char *name = ruleset_file_name(rs, i);
		states *reach, out;

		if (s == NULL || s->n == 0)
			continue;
		reach = calloc(s->n + 1, sizeof *reach);
		if (reach == NULL)
			break;
		out = run_stack(&L, s, st_index(IMP_UNDEF, CNAUTHZ_DENY), reach,
				0);
		if (L.oom) {
			free(reach);
			break;
		}
		for (size_t k = 1; k < s->n; k++) {
			const struct stack_entry *a = s->v[k - 1], *b = s->v[k];

			if (reach[k] != 0)
				continue;
			/* everything before k is reached: k-1 is the cause */
			snprintf(msg, sizeof msg,
				 "%s:%u: never reached in the stack of %s: %s:%u (\"%.60s\") %s",
				 b->file, b->line->line, name, a->file,
				 a->line->line, a->line->text, how_it_stops(a));
			warn(arg, msg);
			break;
		}
		/* A file of nothing but refusals (@other) means it. */
		if (has_permit(s, 0) && !(out & allow_states)) {
			snprintf(msg, sizeof msg,
				 "%s: this stack can never allow anything: no line can give a positive result",
				 name);
			warn(arg, msg);
		}
		free(reach);
	}
	free(L.v);
}
