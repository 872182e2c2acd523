/*
 * mod_permit.c - the "permit" and "deny" modules.
 *
 *   permit [METHODS] [PATTERN] [CONDITION ...]
 *   deny   [METHODS] [PATTERN] [CONDITION ...] [msg=TEXT]
 *
 * METHODS is a comma-separated list of HTTP methods ("GET,HEAD") or "*";
 * an unknown name is refused, so a typo cannot silently never match
 * (which would make a "deny" rule allow). PATTERN is a path
 * pattern (pattern.h). Either may be left out (any method, any path).
 * CONDITIONs (cond.h) look into the body or the query; all must hold. When
 * the request matches, permit answers success and deny answers deny; when
 * it does not, both answer ignore. When a condition cannot be judged (no
 * body, or one dockerd would read differently) the answer is error, and
 * the request is denied whatever the stack says. A deny's msg= is the
 * reason it gives (else it quotes itself).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cond.h"
#include "module.h"
#include "pattern.h"
#include "request.h"
#include "route.h"
#include "text.h"
#include "view.h"

#define MAX_METHODS 16
#define MAX_CONDS 16

static bool method_known(const char *s, size_t n)
{
	return view_method_bit_of(s, n) != 0;
}

/* One rule line's state, kept small: a rule set of 10,000 files holds
 * many of them. */
struct match {
	bool deny;
	size_t nmethods;         /* 0: any */
	unsigned mask;           /* the methods' view_method_bit_of bits */
	struct pattern *pattern; /* NULL: any path */
	char *why;               /* a deny's msg=, or NULL */
	size_t nconds;
	struct cond *conds[];
};

/* What init collects before the match is made to size. */
struct parsed {
	char methods[MAX_METHODS][16];
	struct cond *conds[MAX_CONDS];
};

/* "GET", "GET,HEAD", "*": a method list rather than a condition's field */
static bool looks_like_methods(const char *s)
{
	if (strcmp(s, "*") == 0)
		return true;
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || *s == ','))
			return false;
	return true;
}

static int parse_methods(const char *s, struct match *m, struct parsed *pd,
			 struct cnauthz_init_error *err)
{
	size_t i = 0;

	if (strcmp(s, "*") == 0)
		return 0;
	while (s[i] != '\0') {
		size_t j = i;

		while (s[j] >= 'A' && s[j] <= 'Z')
			j++;
		if (j == i || j - i >= sizeof pd->methods[0] ||
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
		memcpy(pd->methods[m->nmethods], s + i, j - i);
		pd->methods[m->nmethods][j - i] = '\0';
		m->mask |= view_method_bit_of(s + i, j - i);
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
	free(m->why);
	for (size_t i = 0; i < m->nconds; i++)
		cond_free(m->conds[i]);
	free(m);
}

/* What the rule says, for a message: built when it matched (by copies, as
 * this runs on every match), not kept. */
static void describe(const struct match *m, char *out, size_t outsz)
{
	static const char *const names[] = {"GET", "HEAD", "POST", "PUT",
					    "DELETE", "PATCH", "OPTIONS",
					    "CONNECT", "TRACE"};
	size_t o = 0;
	bool first = true;

	out[0] = '\0';
	text_append(out, outsz, &o,
		    m->deny ? "rule \"deny " : "rule \"permit ");
	if (m->nmethods == 0)
		text_append(out, outsz, &o, "*");
	for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
		if (m->mask & 1u << k) {
			if (!first)
				text_append(out, outsz, &o, ",");
			text_append(out, outsz, &o, names[k]);
			first = false;
		}
	text_append(out, outsz, &o, " ");
	text_append(out, outsz, &o,
		    m->pattern ? pattern_text(m->pattern) : "/**");
	for (size_t k = 0; k < m->nconds; k++) {
		text_append(out, outsz, &o, " ");
		text_append(out, outsz, &o, cond_text(m->conds[k]));
	}
	text_append(out, outsz, &o, "\"");
}

static int match_init(bool deny, int argc, const char *const *argv,
		      void **state, struct cnauthz_init_error *err)
{
	struct match head, *m = NULL;
	struct parsed pd;
	int i = 0;

	memset(&head, 0, sizeof head);
	memset(&pd, 0, sizeof pd);
	head.deny = deny;
	/* A method list, or what must have been meant as one ("get /x",
	 * "GET/x"), so that the error is about methods, not conditions. */
	if (i < argc && argv[i][0] != '/' &&
	    (looks_like_methods(argv[i]) ||
	     strspn(argv[i], "ABCDEFGHIJKLMNOPQRSTUVWXYZ,") ==
		     strcspn(argv[i], "/") ||
	     (argc > 1 && argv[1][0] == '/'))) {
		err->arg = i;
		if (parse_methods(argv[i], &head, &pd, err) < 0)
			goto fail;
		i++;
	}
	if (i < argc && argv[i][0] == '/') {
		struct cnz_err pe;

		err->arg = i;
		head.pattern = pattern_compile(argv[i], &pe);
		if (head.pattern == NULL) {
			err->offset = pe.col - 1;
			text_join(err->msg, sizeof err->msg, pe.msg, NULL);
			goto fail;
		}
		i++;
	}
	while (i < argc) {
		int used = 0;

		if (strncmp(argv[i], "msg=", 4) == 0) {
			err->arg = i;
			err->offset = 0;
			if (!deny || head.why != NULL || argv[i][4] == '\0' ||
			    i + 1 != argc) {
				snprintf(err->msg, sizeof err->msg, "%s",
					 !deny ? "msg= is for deny: a permit's "
						 "message names its line"
					 : argv[i][4] == '\0'
						 ? "msg= needs a text"
						 : "msg= comes once, last");
				goto fail;
			}
			if ((head.why = strdup(argv[i] + 4)) == NULL) {
				snprintf(err->msg, sizeof err->msg,
					 "out of memory");
				goto fail;
			}
			i++;
			continue;
		}
		if (argv[i][0] == '/') {
			err->arg = i;
			err->offset = 0;
			snprintf(err->msg, sizeof err->msg,
				 "unexpected argument (want [METHODS] [PATTERN] [CONDITION ...])");
			goto fail;
		}
		if (head.nconds == MAX_CONDS) {
			err->arg = i;
			err->offset = 0;
			snprintf(err->msg, sizeof err->msg,
				 "more than %d conditions", MAX_CONDS);
			goto fail;
		}
		pd.conds[head.nconds] = cond_parse(argc - i, argv + i, &used, err);
		if (pd.conds[head.nconds] == NULL) {
			err->arg += i;
			goto fail;
		}
		head.nconds++;
		i += used;
	}
	m = malloc(sizeof *m + head.nconds * sizeof m->conds[0]);
	if (m == NULL) {
		err->arg = -1;
		snprintf(err->msg, sizeof err->msg, "out of memory");
		goto fail;
	}
	*m = head;
	memcpy(m->conds, pd.conds, head.nconds * sizeof m->conds[0]);
	*state = m;
	return 0;
fail:
	free(m);
	pattern_free(head.pattern);
	free(head.why);
	for (size_t k = 0; k < head.nconds; k++)
		cond_free(pd.conds[k]);
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
	(void)api;
	if (m->nmethods > 0 && !(m->mask & view_method_bit(req)))
		return CNAUTHZ_IGNORE;
	if (m->pattern != NULL && !pattern_match(m->pattern, view_route(req)))
		return CNAUTHZ_IGNORE;
	for (size_t i = 0; i < m->nconds; i++) {
		if (!cond_eval(m->conds[i], req)) {
			if (view_fatal(req) != NULL) {
				if (msgsz > 0)
					text_join(msg, msgsz, view_fatal(req),
						  NULL);
				return CNAUTHZ_ERROR;
			}
			return CNAUTHZ_IGNORE;
		}
	}
	if (msgsz > 0 && m->why != NULL)
		text_join(msg, msgsz, m->why, NULL);
	else if (msgsz > 0)
		describe(m, msg, msgsz);
	return m->deny ? CNAUTHZ_DENY : CNAUTHZ_SUCCESS;
}

unsigned mod_permit_results(const void *state)
{
	const struct match *m = state;
	unsigned mine = 1u << (m->deny ? CNAUTHZ_DENY : CNAUTHZ_SUCCESS);

	if (m->nmethods == 0 && m->pattern == NULL && m->nconds == 0)
		return mine; /* no arguments: always the same answer */
	return mine | 1u << CNAUTHZ_IGNORE |
	       (m->nconds > 0 ? 1u << CNAUTHZ_ERROR : 0);
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
