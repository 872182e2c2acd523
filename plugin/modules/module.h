/*
 * module.h - the table of built-in modules. Every module, built in or
 * loaded, is a struct cnauthz_module (cnauthz_module.h); the stack never
 * knows which kind it runs.
 */
#ifndef CNZ_MODULE_H
#define CNZ_MODULE_H

#include "cnauthz_module.h"

#include <stdbool.h>

#include "err.h"

/* The built-in module called name, or NULL. */
const struct cnauthz_module *module_builtin(const char *name);

/*
 * The modules of one rule set: built-ins, and shared objects loaded with
 * dlopen once per set - by absolute path ("/usr/lib/x/m.so"), or by a
 * name found as DIR/NAME.so under the module directory. A loaded module
 * passes the strict file checks (fsperm.h) on the very descriptor that is
 * loaded, exports "cnauthz_module" with this ABI version and its own name,
 * or the rule file naming it is rejected: fail closed, unlike PAM's
 * optional modules.
 */
struct module_set;
struct guard;
/* guard: the deadline loaded modules are called under (NULL: none). */
struct module_set *module_set_new(const char *module_dir, bool strict,
				  struct guard *guard);
/* Drops the shared objects: call after every instance's free. */
void module_set_free(struct module_set *ms);
/* NULL with why[0..whysz) when there is no such module or it is refused. */
const struct cnauthz_module *module_set_get(struct module_set *ms,
					    const char *name, char *why,
					    size_t whysz);
/*
 * Makes one instance of m for a rule line: m's init, and for a loaded
 * module a wrapper that calls its evaluate under the set's deadline (a
 * call that overruns makes the request unjudgeable: denied). *mod and
 * *state are what the stack entry holds. 0, or -1 with err.
 */
int module_instantiate(struct module_set *ms, const struct cnauthz_module *m,
		       const struct cnauthz_api *api, int argc,
		       const char *const *argv,
		       const struct cnauthz_module **mod, void **state,
		       struct cnauthz_init_error *err);

/*
 * The results a module instance can ever answer, as a bit mask of
 * 1 << enum cnauthz_result: what "cnauthz check" reasons with to find
 * lines that are never reached and stacks that can never allow. A module
 * cnauthz knows nothing about can answer anything.
 */
unsigned module_results(const struct cnauthz_module *m, const void *state);
/* What a permit or deny line can answer (module_results of mod_permit.c). */
unsigned mod_permit_results(const void *state);

/* Built-ins, each defined in its own mod_*.c. */
extern const struct cnauthz_module mod_permit;
extern const struct cnauthz_module mod_deny;
extern const struct cnauthz_module mod_hostaccess;
extern const struct cnauthz_module mod_images;
extern const struct cnauthz_module mod_cert;
extern const struct cnauthz_module mod_revoked;
extern const struct cnauthz_module mod_owner;

#endif
