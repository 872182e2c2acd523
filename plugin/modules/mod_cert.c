/*
 * mod_cert.c - the certificate-aware filter "cert".
 *
 *   cert [cn=GLOB] [ou=GLOB] [o=GLOB] [san=GLOB] [issuer=GLOB]
 *        [serial=HEX[,HEX...]] [fingerprint=HEX[,HEX...]]
 *        [min-validity=DURATION]
 *
 * answers ignore when the caller's client certificate meets every kind of
 * criterion given (several of one kind are alternatives: ou=devs ou=ops
 * is "devs or ops"; a multi-valued field such as OU or SAN meets a glob
 * when any of its values does), and deny, naming what failed, otherwise -
 * also for a caller without a certificate. DURATION is a number with s,
 * m, h or d: the certificate must stay valid at least that long.
 *
 * A filter: it never grants. Its companion "revoked" is mod_revoked.c.
 */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "module.h"
#include "text.h"

#define MAX_CRIT 32

enum kind { K_CN, K_OU, K_O, K_SAN, K_ISSUER, K_SERIAL, K_FPR, K_N };

static const struct {
	const char *opt, *field, *what;
} kinds[K_N] = {
	[K_CN] = {"cn=", "CN", "CN"},
	[K_OU] = {"ou=", "OU", "OU"},
	[K_O] = {"o=", "O", "O"},
	[K_SAN] = {"san=", "SAN", "subject alternative name"},
	[K_ISSUER] = {"issuer=", "issuer", "issuer"},
	[K_SERIAL] = {"serial=", "serial", "serial"},
	[K_FPR] = {"fingerprint=", "fingerprint", "SHA-256 fingerprint"},
};

struct certcrit {
	size_t n[K_N];
	char *v[K_N][MAX_CRIT];
	long long min_validity; /* seconds; -1 when not asked */
};

static void cert_free(void *state)
{
	struct certcrit *c = state;

	if (c == NULL)
		return;
	for (int k = 0; k < K_N; k++)
		for (size_t i = 0; i < c->n[k]; i++)
			free(c->v[k][i]);
	free(c);
}

static long long parse_duration(const char *s)
{
	char *end;
	long long n = strtoll(s, &end, 10);

	/* a number and one unit letter: "90" has no unit (and no end[1]) */
	if (end == s || n < 0 || *end == '\0' || end[1] != '\0')
		return -1;
	switch (*end) {
	case 's': return n;
	case 'm': return n * 60;
	case 'h': return n * 3600;
	case 'd': return n * 86400;
	default: return -1;
	}
}

static int cert_init(const struct cnauthz_api *api, int argc,
		     const char *const *argv, void **state,
		     struct cnauthz_init_error *err)
{
	struct certcrit *c = calloc(1, sizeof *c);

	(void)api;
	if (c == NULL)
		goto oom;
	c->min_validity = -1;
	for (int i = 0; i < argc; i++) {
		int k;

		err->arg = i;
		if (strncmp(argv[i], "min-validity=", 13) == 0) {
			c->min_validity = parse_duration(argv[i] + 13);
			if (c->min_validity < 0) {
				err->offset = 13;
				snprintf(err->msg, sizeof err->msg,
					 "min-validity= wants a number and s, m, h or d (7d)");
				goto fail;
			}
			continue;
		}
		for (k = 0; k < K_N; k++)
			if (strncmp(argv[i], kinds[k].opt, strlen(kinds[k].opt)) == 0)
				break;
		if (k == K_N) {
			snprintf(err->msg, sizeof err->msg,
				 "unknown criterion (want cn=, ou=, o=, san=, issuer=, serial=, fingerprint=, min-validity=)");
			goto fail;
		}
		{
			const char *v = argv[i] + strlen(kinds[k].opt);
			char *list = strdup(v), *save = NULL, *one;

			if (list == NULL)
				goto oom;
			for (one = strtok_r(list, (k == K_SERIAL || k == K_FPR) ? "," : "", &save);
			     one != NULL; one = strtok_r(NULL, ",", &save)) {
				char hex[160];

				if (c->n[k] == MAX_CRIT) {
					free(list);
					snprintf(err->msg, sizeof err->msg,
						 "more than %d values for %s", MAX_CRIT,
						 kinds[k].opt);
					goto fail;
				}
				if ((k == K_SERIAL || k == K_FPR) &&
				    text_hex_norm(one, hex, sizeof hex) < 0) {
					free(list);
					err->offset = strlen(kinds[k].opt);
					snprintf(err->msg, sizeof err->msg,
						 "%s wants hexadecimal values", kinds[k].opt);
					goto fail;
				}
				c->v[k][c->n[k]] = strdup((k == K_SERIAL) ? text_skip_zeros(hex)
							  : (k == K_FPR) ? hex : one);
				if (c->v[k][c->n[k]++] == NULL) {
					free(list);
					goto oom;
				}
			}
			free(list);
			if (*v == '\0') {
				err->offset = strlen(kinds[k].opt);
				snprintf(err->msg, sizeof err->msg, "%s needs a value",
					 kinds[k].opt);
				goto fail;
			}
		}
	}
	*state = c;
	return 0;
oom:
	err->arg = -1;
	snprintf(err->msg, sizeof err->msg, "out of memory");
fail:
	cert_free(c);
	return -1;
}

static bool meets(const struct certcrit *c, int k,
		  const struct cnauthz_api *api,
		  const struct cnauthz_request *req)
{
	for (size_t idx = 0;; idx++) {
		const char *have = api->cert(req, kinds[k].field, idx);
		char hex[160];

		if (have == NULL)
			return false;
		for (size_t i = 0; i < c->n[k]; i++) {
			if (k == K_SERIAL || k == K_FPR) {
				if (text_hex_norm(have, hex, sizeof hex) == 0 &&
				    strcmp(k == K_SERIAL ? text_skip_zeros(hex) : hex,
					   c->v[k][i]) == 0)
					return true;
			} else if (fnmatch(c->v[k][i], have, 0) == 0) {
				return true;
			}
		}
		if (k != K_OU && k != K_O && k != K_SAN && k != K_CN)
			return false; /* single-valued */
	}
}

static enum cnauthz_result cert_eval(const void *state,
				     const struct cnauthz_api *api,
				     const struct cnauthz_request *req,
				     char *msg, size_t msgsz)
{
	const struct certcrit *c = state;
	const char *na;

	if (api->cert(req, "fingerprint", 0) == NULL) {
		snprintf(msg, msgsz, "no client certificate to check");
		return CNAUTHZ_DENY;
	}
	for (int k = 0; k < K_N; k++)
		if (c->n[k] > 0 && !meets(c, k, api, req)) {
			snprintf(msg, msgsz,
				 "the client certificate's %s is not %s%s",
				 kinds[k].what, c->v[k][0], c->n[k] > 1 ? " (or another listed)" : "");
			return CNAUTHZ_DENY;
		}
	na = api->cert(req, "not_after", 0);
	if (c->min_validity >= 0 &&
	    (na == NULL || strtoll(na, NULL, 10) - (long long)time(NULL) <
				   c->min_validity)) {
		snprintf(msg, msgsz,
			 "the client certificate expires within %lld seconds",
			 c->min_validity);
		return CNAUTHZ_DENY;
	}
	return CNAUTHZ_IGNORE;
}

const struct cnauthz_module mod_cert = {
	.abi_version = CNAUTHZ_MODULE_ABI,
	.name = "cert",
	.init = cert_init,
	.evaluate = cert_eval,
	.free = cert_free,
};
