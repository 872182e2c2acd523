/*
 * module.h - the table of built-in modules. Every module, built in or
 * loaded, is a struct cnauthz_module (cnauthz_module.h); the stack never
 * knows which kind it runs.
 */
#ifndef CNZ_MODULE_H
#define CNZ_MODULE_H

#include "cnauthz_module.h"

/* The built-in module called name, or NULL. */
const struct cnauthz_module *module_builtin(const char *name);

/*
 * The results a module instance can ever answer, as a bit mask of
 * 1 << enum cnauthz_result: what "cnauthz check" reasons with to find
 * lines that are never reached and stacks that can never allow. A module
 * cnauthz knows nothing about can answer anything.
 */
unsigned module_results(const struct cnauthz_module *m, const void *state);
unsigned mod_permit_results(const struct cnauthz_module *m, const void *state);

/* Built-ins, each defined in its own mod_*.c. */
extern const struct cnauthz_module mod_permit;
extern const struct cnauthz_module mod_deny;
extern const struct cnauthz_module mod_hostaccess;
extern const struct cnauthz_module mod_images;

#endif
