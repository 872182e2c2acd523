/*
 * stack.c - see stack.h. The shape follows _pam_dispatch_aux: two pieces
 * of state (impression, status) shared by the stack and its substacks, a
 * saved copy at each (sub)stack's start for "reset", and "done"/"die"
 * ending only the current (sub)stack.
 */
#include "stack.h"

#include <stdio.h>
#include <string.h>

#include "rulefile.h"
#include "text.h"

struct state {
	enum stack_impression impression;
	enum cnauthz_result status;
	const struct stack_entry *decider;
	char msg[STACK_MSG];
	bool bad_jump;
	bool halted;
};

struct run {
	const struct cnauthz_api *api;
	const struct cnauthz_request *req;
	stack_trace_fn trace;
	void *trace_arg;
	stack_halted_fn halted;
};

static void record(struct state *st, enum stack_impression imp,
		   enum cnauthz_result status, const struct stack_entry *e,
		   const char *msg)
{
	st->impression = imp;
	st->status = status;
	st->decider = e;
	text_join(st->msg, sizeof st->msg, msg, NULL);
}

static void step(const struct run *run, const struct stack_entry *e,
		 int depth, int result, int action, const struct state *st,
		 bool stopped, bool bad_jump, const char *msg)
{
	struct stack_step s = {e,	       depth,	   result,   action,
			       st->impression, st->status, stopped,  bad_jump,
			       msg};

	if (run->trace != NULL)
		run->trace(run->trace_arg, &s);
}

static void dispatch(const struct run *run, const struct stack *s, int depth,
		     struct state *st)
{
	/* the state when this (sub)stack began, for "reset" */
	const struct state saved = *st;

	for (size_t i = 0; i < s->n; i++) {
		const struct stack_entry *e = s->v[i];
		char msg[STACK_MSG];
		int r, action;
		bool stop = false, bad_jump = false;

		if (e->sub != NULL) {
			step(run, e, depth, -1, ACT_IGNORE, st, false, false,
			     "");
			dispatch(run, e->sub, depth + 1, st);
			if (st->halted)
				return;
			continue;
		}
		msg[0] = '\0';
		r = (int)e->mod->evaluate(e->state, run->api, run->req, msg,
					  sizeof msg);
		msg[sizeof msg - 1] = '\0';
		if (r < 0 || r >= CNAUTHZ_NRESULTS) {
			/* as PAM does with an out-of-range return code */
			snprintf(msg, sizeof msg,
				 "module %s returned an invalid result %d",
				 e->mod->name, r);
			r = CNAUTHZ_ERROR;
			action = ACT_BAD;
		} else {
			action = e->line->actions[r];
		}
		if (run->halted != NULL) {
			const char *why = run->halted(run->req);

			if (why != NULL) {
				/* nothing can be judged: stop everything */
				record(st, IMP_NEG, CNAUTHZ_ERROR, e, why);
				st->halted = true;
				step(run, e, depth, r, ACT_DIE, st, true, false,
				     why);
				return;
			}
		}

		switch (action) {
		case ACT_RESET:
			*st = saved;
			break;
		case ACT_OK:
		case ACT_DONE:
			if (st->impression == IMP_UNDEF ||
			    (st->impression == IMP_POS &&
			     st->status == CNAUTHZ_SUCCESS))
				record(st, IMP_POS, (enum cnauthz_result)r, e,
				       msg);
			stop = st->impression != IMP_NEG && action == ACT_DONE;
			break;
		case ACT_BAD:
		case ACT_DIE:
			if (st->impression != IMP_NEG)
				/* an ignore that is bad counts as a denial */
				record(st, IMP_NEG,
				       r == CNAUTHZ_IGNORE ? CNAUTHZ_DENY
							   : (enum cnauthz_result)r,
				       e, msg[0] ? msg : "rule failed");
			stop = action == ACT_DIE;
			break;
		case ACT_IGNORE:
			break;
		default: /* a jump over the next N entries of this level */
			if ((size_t)action > s->n - 1 - i) {
				bad_jump = true;
				record(st, IMP_NEG, CNAUTHZ_DENY, e,
				       "jump past the end of the stack");
				st->bad_jump = true;
				step(run, e, depth, r, action, st, false, true,
				     msg);
				return;
			}
			step(run, e, depth, r, action, st, false, false, msg);
			i += (size_t)action;
			continue;
		}
		step(run, e, depth, r, action, st, stop, bad_jump, msg);
		if (stop)
			return;
	}
}

void stack_eval(const struct stack *s, const struct cnauthz_api *api,
		const struct cnauthz_request *req, struct stack_result *out,
		stack_trace_fn trace, void *trace_arg)
{
	stack_eval_until(s, api, req, NULL, out, trace, trace_arg);
}

void stack_eval_until(const struct stack *s, const struct cnauthz_api *api,
		      const struct cnauthz_request *req,
		      stack_halted_fn halted, struct stack_result *out,
		      stack_trace_fn trace, void *trace_arg)
{
	struct run run = {api, req, trace, trace_arg, halted};
	struct state st;

	memset(&st, 0, sizeof st);
	st.impression = IMP_UNDEF;
	st.status = CNAUTHZ_DENY;
	dispatch(&run, s, 0, &st);
	memset(out, 0, sizeof *out);
	out->impression = st.impression;
	out->status = st.status;
	out->decider = st.decider;
	out->bad_jump = st.bad_jump;
	out->halted = st.halted;
	memcpy(out->msg, st.msg, sizeof out->msg);
	out->allow = st.impression == IMP_POS && st.status == CNAUTHZ_SUCCESS;
}
