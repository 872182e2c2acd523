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

/* Built-ins, each defined in its own mod_*.c. */
extern const struct cnauthz_module mod_permit;
extern const struct cnauthz_module mod_deny;
extern const struct cnauthz_module mod_hostaccess;
extern const struct cnauthz_module mod_images;

#endif
