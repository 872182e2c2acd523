/*
 * mod_cert.c - certificate-aware filters, "cert" and "revoked".
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
 *   revoked [crl=FILE ...] [list=FILE ...]
 *
 * answers deny for a certificate whose serial a CRL (PEM or DER) of its
 * issuer lists, or whose serial or SHA-256 fingerprint a deny-list file
 * names (one hex value per line, ':' allowed, '#' comments), and ignore
 * otherwise (also for a caller without a certificate). dockerd checks no
 * revocation itself. The files are read when the rule set loads, with the
 * strict file checks; reload (SIGHUP) picks up a new CRL.
 *
 * Both are filters and never grant.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fsperm.h"
#include "identity.h"
#include "module.h"
#include "view.h"

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

/* Lower-case hex without ':' - how serials and fingerprints compare. */
static int norm_hex(const char *s, char *out, size_t outsz)
{
	size_t o = 0;

	for (; *s; s++) {
		if (*s == ':')
			continue;
		if (!isxdigit((unsigned char)*s) || o + 1 >= outsz)
			return -1;
		out[o++] = (char)tolower((unsigned char)*s);
	}
	/* a serial's leading zeros do not count */
	out[o] = '\0';
	return o > 0 ? 0 : -1;
}

static const char *skip_zeros(const char *s)
{
	while (s[0] == '0' && s[1] != '\0')
		s++;
	return s;
}

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

	if (end == s || n < 0 || end[1] != '\0')
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
				    norm_hex(one, hex, sizeof hex) < 0) {
					free(list);
					err->offset = strlen(kinds[k].opt);
					snprintf(err->msg, sizeof err->msg,
						 "%s wants hexadecimal values", kinds[k].opt);
					goto fail;
				}
				c->v[k][c->n[k]] = strdup((k == K_SERIAL) ? skip_zeros(hex)
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
				if (norm_hex(have, hex, sizeof hex) == 0 &&
				    strcmp(k == K_SERIAL ? skip_zeros(hex) : hex,
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

/* ---- revoked ---- */

#define MAX_FILES 16
#define MAX_LISTED 100000

struct revoked {
	size_t ncrl;
	X509_CRL *crl[MAX_FILES * 8];
	char crlfile[MAX_FILES * 8][256];
	size_t nlisted;
	char **listed; /* normalised hex: serials (no leading 0) and fingerprints */
	char listfile[MAX_FILES][256];
};

static void revoked_free(void *state)
{
	struct revoked *r = state;

	if (r == NULL)
		return;
	for (size_t i = 0; i < r->ncrl; i++)
		X509_CRL_free(r->crl[i]);
	for (size_t i = 0; i < r->nlisted; i++)
		free(r->listed[i]);
	free(r->listed);
	free(r);
}

/* Reads a whole file after the strict checks on its descriptor. */
static char *read_checked(const char *path, size_t *len, char *why,
			  size_t whysz)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	char *buf = NULL, dir[512], *slash;
	size_t got = 0;

	if (fd < 0) {
		snprintf(why, whysz, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > 64 * 1024 * 1024) {
		snprintf(why, whysz, "%s: not a regular file of sane size", path);
		goto fail;
	}
	snprintf(dir, sizeof dir, "%s", path);
	slash = strrchr(dir, '/');
	if (slash != NULL && slash != dir)
		*slash = '\0';
	else if (slash == dir)
		dir[1] = '\0';
	else
		snprintf(dir, sizeof dir, ".");
	if (fsperm_check_dirs(dir, true, why, whysz) < 0 ||
	    fsperm_check_stat(&st, path, false, why, whysz) < 0)
		goto fail;
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL)
		goto fail;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n <= 0) {
			snprintf(why, whysz, "%s: short read", path);
			goto fail;
		}
		got += (size_t)n;
	}
	buf[got] = '\0';
	*len = got;
	close(fd);
	return buf;
fail:
	free(buf);
	close(fd);
	return NULL;
}

static int load_crl(struct revoked *r, const char *path, char *why,
		    size_t whysz)
{
	size_t len, before = r->ncrl;
	char *buf = read_checked(path, &len, why, whysz);
	BIO *b;

	if (buf == NULL)
		return -1;
	b = BIO_new_mem_buf(buf, (int)len);
	if (b == NULL)
		goto fail;
	for (;;) { /* PEM: one or more CRLs */
		X509_CRL *c = PEM_read_bio_X509_CRL(b, NULL, NULL, NULL);

		if (c == NULL)
			break;
		if (r->ncrl == sizeof r->crl / sizeof r->crl[0]) {
			X509_CRL_free(c);
			snprintf(why, whysz, "%s: too many CRLs", path);
			goto fail;
		}
		snprintf(r->crlfile[r->ncrl], sizeof r->crlfile[0], "%s", path);
		r->crl[r->ncrl++] = c;
	}
	if (r->ncrl == before) { /* DER */
		const unsigned char *p = (const unsigned char *)buf;
		X509_CRL *c = d2i_X509_CRL(NULL, &p, (long)len);

		if (c == NULL || p != (const unsigned char *)buf + len) {
			X509_CRL_free(c);
			snprintf(why, whysz, "%s: not a CRL (PEM or DER)", path);
			goto fail;
		}
		snprintf(r->crlfile[r->ncrl], sizeof r->crlfile[0], "%s", path);
		r->crl[r->ncrl++] = c;
	}
	BIO_free(b);
	free(buf);
	return 0;
fail:
	BIO_free(b);
	free(buf);
	return -1;
}

static int load_list(struct revoked *r, const char *path, char *why,
		     size_t whysz)
{
	size_t len, lineno = 0;
	char *buf = read_checked(path, &len, why, whysz), *save = NULL, *line;

	if (buf == NULL)
		return -1;
	for (line = strtok_r(buf, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		char hex[160], *hash = strchr(line, '#'), **nv;
		size_t n;

		lineno++;
		if (hash != NULL)
			*hash = '\0';
		n = strlen(line);
		while (n > 0 && isspace((unsigned char)line[n - 1]))
			line[--n] = '\0';
		while (isspace((unsigned char)*line))
			line++;
		if (*line == '\0')
			continue;
		if (norm_hex(line, hex, sizeof hex) < 0 || r->nlisted >= MAX_LISTED) {
			snprintf(why, whysz, "%s:%zu: not a hexadecimal serial or fingerprint",
				 path, lineno);
			free(buf);
			return -1;
		}
		nv = realloc(r->listed, (r->nlisted + 1) * sizeof *nv);
		if (nv == NULL || (nv[r->nlisted] = strdup(skip_zeros(hex))) == NULL) {
			if (nv != NULL)
				r->listed = nv;
			free(buf);
			snprintf(why, whysz, "out of memory");
			return -1;
		}
		r->listed = nv;
		r->nlisted++;
	}
	free(buf);
	return 0;
}

static int revoked_init(const struct cnauthz_api *api, int argc,
			const char *const *argv, void **state,
			struct cnauthz_init_error *err)
{
	struct revoked *r = calloc(1, sizeof *r);

	(void)api;
	if (r == NULL) {
		snprintf(err->msg, sizeof err->msg, "out of memory");
		return -1;
	}
	if (argc == 0) {
		snprintf(err->msg, sizeof err->msg,
			 "revoked needs crl=FILE or list=FILE");
		goto fail;
	}
	for (int i = 0; i < argc; i++) {
		err->arg = i;
		if (i >= MAX_FILES) {
			snprintf(err->msg, sizeof err->msg, "more than %d files", MAX_FILES);
			goto fail;
		}
		if (strncmp(argv[i], "crl=", 4) == 0) {
			if (load_crl(r, argv[i] + 4, err->msg, sizeof err->msg) < 0)
				goto fail;
		} else if (strncmp(argv[i], "list=", 5) == 0) {
			if (load_list(r, argv[i] + 5, err->msg, sizeof err->msg) < 0)
				goto fail;
			snprintf(r->listfile[0], sizeof r->listfile[0], "%s",
				 argv[i] + 5);
		} else {
			snprintf(err->msg, sizeof err->msg,
				 "unknown argument (want crl=FILE or list=FILE)");
			goto fail;
		}
	}
	*state = r;
	return 0;
fail:
	revoked_free(r);
	return -1;
}

static enum cnauthz_result revoked_eval(const void *state,
					const struct cnauthz_api *api,
					const struct cnauthz_request *req,
					char *msg, size_t msgsz)
{
	const struct revoked *r = state;
	const X509 *x = identity_x509(view_identity(req));
	const char *serial, *fpr;
	char s[160], f[160];

	if (x == NULL)
		return CNAUTHZ_IGNORE;
	for (size_t i = 0; i < r->ncrl; i++) {
		X509_REVOKED *rev = NULL;

		if (X509_NAME_cmp(X509_CRL_get_issuer(r->crl[i]),
				  X509_get_issuer_name(x)) != 0)
			continue;
		if (X509_CRL_get0_by_serial(r->crl[i], &rev,
					    X509_get0_serialNumber(x)) == 1) {
			snprintf(msg, msgsz,
				 "the client certificate (serial %s) is revoked by the CRL %s",
				 api->cert(req, "serial", 0), r->crlfile[i]);
			return CNAUTHZ_DENY;
		}
	}
	serial = api->cert(req, "serial", 0);
	if (serial == NULL || norm_hex(serial, s, sizeof s) < 0)
		return CNAUTHZ_ERROR;
	fpr = api->cert(req, "fingerprint", 0);
	if (fpr == NULL || norm_hex(fpr, f, sizeof f) < 0)
		return CNAUTHZ_ERROR;
	for (size_t i = 0; i < r->nlisted; i++)
		if (strcmp(r->listed[i], skip_zeros(s)) == 0 ||
		    strcmp(r->listed[i], f) == 0) {
			snprintf(msg, msgsz,
				 "the client certificate (serial %s) is on the deny-list %s",
				 s, r->listfile[0]);
			return CNAUTHZ_DENY;
		}
	return CNAUTHZ_IGNORE;
}

const struct cnauthz_module mod_revoked = {
	.abi_version = CNAUTHZ_MODULE_ABI,
	.name = "revoked",
	.init = revoked_init,
	.evaluate = revoked_eval,
	.free = revoked_free,
};
