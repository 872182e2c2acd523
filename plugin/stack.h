/*
 * stack.h - Linux-PAM's dispatch (pam_dispatch.c, _pam_dispatch_aux) over
 * a compiled stack. It knows controls and results, never what a module
 * checks. The semantics are in cnauthz-rules(5) (CONTROLS), which
 * follows Linux-PAM's pam.conf(5) and pam_dispatch.c.
 *
 * A compiled stack is a sequence of entries at one level: "include" has
 * already been spliced in (its lines are entries of the including stack),
 * a "substack" is one entry pointing at the other file's stack.
 */
#ifndef CNZ_STACK_H
#define CNZ_STACK_H

#include <stdbool.h>
#include <stddef.h>

#include "cnauthz_module.h"

struct rule_line;

struct stack;

struct stack_entry {
	const struct rule_line *line; /* control, text, position */
	const char *file;             /* the rule file's name */
	const struct cnauthz_module *mod; /* NULL for a substack */
	void *state;
	const struct stack *sub; /* the substack, or NULL */
};

struct stack {
	size_t n;
	const struct stack_entry **v;
};

enum stack_impression { IMP_UNDEF, IMP_POS, IMP_NEG };

#define STACK_MSG 512

struct stack_result {
	bool allow;
	enum stack_impression impression;
	enum cnauthz_result status;
	/* The line whose result was recorded last (NULL: nothing decided,
	 * the stack ran out), and what its module said. */
	const struct stack_entry *decider;
	char msg[STACK_MSG];
	bool bad_jump; /* a jump ran past the end of its (sub)stack */
	bool halted;   /* stopped by stack_eval_until's halted() */
};

/* What happened at one line, for --explain. */
struct stack_step {
	const struct stack_entry *entry;
	int depth;  /* substack nesting, 0 at the top */
	int result; /* module result; -1 when entering a substack */
	int action; /* the control's action for it */
	enum stack_impression impression; /* after the action */
	enum cnauthz_result status;
	bool stopped;  /* done/die ended this (sub)stack here */
	bool bad_jump; /* the jump ran past the end */
	const char *msg;
};

typedef void (*stack_trace_fn)(void *arg, const struct stack_step *step);

void stack_eval(const struct stack *s, const struct cnauthz_api *api,
		const struct cnauthz_request *req, struct stack_result *out,
		stack_trace_fn trace, void *trace_arg);

/* As stack_eval, but after each module asks halted(req): when it answers
 * with a reason (the request cannot be judged at all), the whole stack
 * stops there, NEG with status error, that line deciding. */
typedef const char *(*stack_halted_fn)(const struct cnauthz_request *req);
void stack_eval_until(const struct stack *s, const struct cnauthz_api *api,
		      const struct cnauthz_request *req,
		      stack_halted_fn halted, struct stack_result *out,
		      stack_trace_fn trace, void *trace_arg);

#endif
