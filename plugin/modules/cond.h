/*
 * cond.h - conditions on what a request carries, for permit and deny:
 *
 *   FIELD OP VALUE      FIELD exists      FIELD absent
 *
 * FIELD is a body field path ("HostConfig.Privileged", "HostConfig.Binds[]",
 * matched as dockerd's Go decoder matches, see body.h) or "query:NAME" (the
 * first value of a query parameter, decoded as dockerd decodes it).
 * OP is == != ~ (glob) !~ ^= (prefix) in !in (VALUE a comma-separated list).
 * VALUE is compared with its JSON type: true, false, null and numbers are
 * those, anything else is a string, and a JSON string literal ("\"true\"")
 * forces a string. With "[]", a condition holds when some element makes it
 * hold; a field that is absent makes == != ~ !~ ^= in !in false.
 */
#ifndef CNZ_COND_H
#define CNZ_COND_H

#include <stdbool.h>

#include "cnauthz_module.h"

struct cond;

/* Parses the condition starting at argv[0]; *used is how many words it
 * took (2 or 3). NULL with err (arg relative to argv) on error. */
struct cond *cond_parse(int argc, const char *const *argv, int *used,
			struct cnauthz_init_error *err);
void cond_free(struct cond *c);
/* True when the condition holds. When the request cannot be judged (no
 * body, a body or query dockerd would read differently) the view is
 * marked fatal and the result is false. */
bool cond_eval(const struct cond *c, const struct cnauthz_request *req);
const char *cond_text(const struct cond *c);

#endif
