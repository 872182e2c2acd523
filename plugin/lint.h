/*
 * lint.h - what "cnauthz check" warns about in rule files that load:
 * lines that can never be reached (every answer the lines before them can
 * give ends the stack or jumps over them), and stacks that can never allow
 * (no way through the stack ends positive with success). The stack is run
 * as stack.c runs it, on every answer each module can give at once, so
 * neither warning is ever wrong; a stack of nothing but refusals (no line
 * that can answer success, such as @other) is not warned about. Only
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
