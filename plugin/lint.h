/*
 * lint.h - what "cnauthz check" warns about in rule files that load:
 * lines that can never be reached (they follow, at the same level, a line
 * whose module always gives the same answer and whose control then always
 * ends the stack), and stacks that can never allow (no line's module can
 * answer success under a control that takes it as ok or done). Only
 * warnings: such files are valid and load.
 */
#ifndef CNZ_LINT_H
#define CNZ_LINT_H

#include <stddef.h>

struct ruleset;

/* Calls warn once per finding, "file:line: message". */
void lint_ruleset(const struct ruleset *rs,
		  void (*warn)(void *arg, const char *msg), void *arg);

#endif
