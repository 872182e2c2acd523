/*
 * explain.h - "cnauthz test --explain": the stack as it ran. Collects
 * every step stack_eval traces (each line visited, its module's result,
 * the action its control took and the state after it) and prints them
 * as text or JSON with the decision.
 */
#ifndef CNZ_EXPLAIN_H
#define CNZ_EXPLAIN_H

#include <stdio.h>

#include "stack.h"

struct explain;
struct decision;

struct explain *explain_new(void);
void explain_free(struct explain *x);
/* The stack_trace_fn to give decide_opts.trace, with x as its arg. */
void explain_trace(void *x, const struct stack_step *step);
void explain_print_text(const struct explain *x, const struct decision *d,
			FILE *f);
void explain_print_json(const struct explain *x, const struct decision *d,
			FILE *f);

#endif
