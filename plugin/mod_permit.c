/*
 * mod_permit.c - the "permit" and "deny" modules.
 *
 *   permit [METHODS] [PATTERN]
 *   deny   [METHODS] [PATTERN]
 *
 * METHODS is a comma-separated list of HTTP methods ("GET,HEAD") or "*";
 * an unknown name is refused, so a typo cannot silently never match
 * (which would make a "deny" rule allow). PATTERN is a path
 * pattern (pattern.h). Either may be left out (any method, any path). When
 * the request matches, permit answers success and deny answers deny; when
 * it does not, both answer ignore.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "module.h"
#include "pattern.h"
#include "request.h"
#include "route.h"
#include "text.h"
#include "view.h"

#define MAX_METHODS 16

static const char *const known_methods[] = {
	"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT",
	"TRACE",
};

static bool method_known(const char *s, size_t n)
{
	for (size_t i = 0; i < sizeof known_methods / sizeof known_methods[0];
	     i++)
		if (strlen(known_methods[i]) == n &&
		    memcmp(known_methods[i], s, n) == 0)
			return true;
	return false;
}

struct match {
	bool deny;
	size_t nmethods; /* 0: any */
	char methods[MAX_METHODS][16];
	struct pattern *pattern; /* NULL: any path */
	char desc[160];          /* what the rule says, for messages */
};

static int parse_methods(const char *s, struct match *m,
			 struct cnauthz_init_error *err)
{
	size_t i = 0;

	if (strcmp(s, "*") == 0)
		return 0;
	while (s[i] != '\0') {
		size_t j = i;

		while (s[j] >= 'A' && s[j] <= 'Z')
			j++;
		if (j == i || j - i >= sizeof m->methods[0] ||
		    (s[j] != ',' && s[j] != '\0')) {
			err->offset = j;
			snprintf(err->msg, sizeof err->msg,
				 "expected an upper-case method list such as GET,HEAD, \"*\" or a path pattern starting with '/'");
			return -1;
		}
		if (!method_known(s + i, j - i)) {
			err->offset = i;
			snprintf(err->msg, sizeof err->msg,
				 "unknown method \"%.*s\" (want GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS, CONNECT or TRACE)",
				 (int)(j - i), s + i);
			return -1;
		}
		if (m->nmethods == MAX_METHODS) {
			err->offset = i;
			snprintf(err->msg, sizeof err->msg,
				 "more than %d methods", MAX_METHODS);
			return -1;
		}
		memcpy(m->methods[m->nmethods], s + i, j - i);
		m->methods[m->nmethods][j - i] = '\0';
		m->nmethods++;
		i = s[j] == ',' ? j + 1 : j;
		if (s[j] == ',' && s[i] == '\0') {
			err->offset = j;
			snprintf(err->msg, sizeof err->msg,
				 "trailing ',' in method list");
			return -1;
		}
	}
	return 0;
}

static void match_free(void *state)
{
	struct match *m = state;

	if (m == NULL)
		return;
	pattern_free(m->pattern);
	free(m);
}

static int match_init(bool deny, int argc, const char *const *argv,
		      void **state, struct cnauthz_init_error *err)
{
	struct match *m = calloc(1, sizeof *m);
	int i = 0;

	if (m == NULL) {
		err->arg = -1;
		snprintf(err->msg, sizeof err->msg, "out of memory");
		return -1;
	}
	m->deny = deny;
	if (i < argc && argv[i][0] != '/') {
		err->arg = i;
		if (parse_methods(argv[i], m, err) < 0)
			goto fail;
		i++;
	}
	if (i < argc) {
		const char *why;

		err->arg = i;
		m->pattern = pattern_compile(argv[i], &err->offset, &why);
		if (m->pattern == NULL) {
			snprintf(err->msg, sizeof err->msg, "%s", why);
			goto fail;
		}
		i++;
	}
	if (i < argc) {
		err->arg = i;
		err->offset = 0;
		snprintf(err->msg, sizeof err->msg,
			 "unexpected argument (want [METHODS] [PATTERN])");
		goto fail;
	}
	{
		char ms[MAX_METHODS * 16 + 1] = "*";
		size_t o = 0;

		for (size_t k = 0; k < m->nmethods; k++)
			o += (size_t)snprintf(ms + o, sizeof ms - o, "%s%s",
					      k ? "," : "", m->methods[k]);
		snprintf(m->desc, sizeof m->desc, "%s %s", ms,
			 m->pattern ? pattern_text(m->pattern) : "/**");
	}
	*state = m;
	return 0;
fail:
	match_free(m);
	return -1;
}

static int permit_init(const struct cnauthz_api *api, int argc,
		       const char *const *argv, void **state,
		       struct cnauthz_init_error *err)
{
	(void)api;
	return match_init(false, argc, argv, state, err);
}

static int deny_init(const struct cnauthz_api *api, int argc,
		     const char *const *argv, void **state,
		     struct cnauthz_init_error *err)
{
	(void)api;
	return match_init(true, argc, argv, state, err);
}

static enum cnauthz_result match_eval(const void *state,
				      const struct cnauthz_api *api,
				      const struct cnauthz_request *req,
				      char *msg, size_t msgsz)
{
	const struct match *m = state;
	const char *method = api->method(req);
	bool hit = m->nmethods == 0;

	for (size_t i = 0; i < m->nmethods && !hit; i++)
		hit = strcmp(m->methods[i], method) == 0;
	if (!hit)
		return CNAUTHZ_IGNORE;
	if (m->pattern != NULL && !pattern_match(m->pattern, view_route(req)))
		return CNAUTHZ_IGNORE;
	snprintf(msg, msgsz, "%s %s", m->deny ? "deny" : "permit", m->desc);
	return m->deny ? CNAUTHZ_DENY : CNAUTHZ_SUCCESS;
}

const struct cnauthz_module mod_permit = {
	.abi_version = CNAUTHZ_MODULE_ABI,
	.name = "permit",
	.init = permit_init,
	.evaluate = match_eval,
	.free = match_free,
};

const struct cnauthz_module mod_deny = {
	.abi_version = CNAUTHZ_MODULE_ABI,
	.name = "deny",
	.init = deny_init,
	.evaluate = match_eval,
	.free = match_free,
};
