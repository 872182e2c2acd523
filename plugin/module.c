/* module.c - see module.h */
#include "module.h"

#include <string.h>

static const struct cnauthz_module *const builtins[] = {
	&mod_permit,
	&mod_deny,
	&mod_hostaccess,
	&mod_images,
};

const struct cnauthz_module *module_builtin(const char *name)
{
	for (size_t i = 0; i < sizeof builtins / sizeof builtins[0]; i++)
		if (strcmp(builtins[i]->name, name) == 0)
			return builtins[i];
	return NULL;
}

unsigned module_results(const struct cnauthz_module *m, const void *state)
{
	if (m == &mod_permit || m == &mod_deny)
		return mod_permit_results(m, state);
	if (m == &mod_hostaccess || m == &mod_images)
		/* filters: never success */
		return 1u << CNAUTHZ_DENY | 1u << CNAUTHZ_IGNORE |
		       1u << CNAUTHZ_ERROR;
	return (1u << CNAUTHZ_NRESULTS) - 1;
}
