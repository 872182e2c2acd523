/*
 * mod_revoked.c - the certificate-aware filter "revoked".
 *
 *   revoked [crl=FILE ...] [list=FILE ...]
 *
 * answers deny for a certificate whose serial a CRL (PEM or DER) of its
 * issuer lists, or whose serial or SHA-256 fingerprint a deny-list file
 * names (one hex value per line, ':' allowed, '#' comments), and ignore
 * otherwise (also for a caller without a certificate). dockerd checks no
 * revocation itself. The files are read when the rule set loads, with the
 * strict file checks; a reload picks up a new CRL, and the daemon reloads
 * by itself when one named by absolute path changes (ruleset_dep).
 *
 * A filter: it never grants. Its companion "cert" is mod_cert.c.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsperm.h"
#include "identity.h"
#include "module.h"
#include "text.h"
#include "view.h"

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
		if (text_hex_norm(line, hex, sizeof hex) < 0 || r->nlisted >= MAX_LISTED) {
			snprintf(why, whysz, "%s:%zu: not a hexadecimal serial or fingerprint",
				 path, lineno);
			free(buf);
			return -1;
		}
		nv = realloc(r->listed, (r->nlisted + 1) * sizeof *nv);
		if (nv == NULL || (nv[r->nlisted] = strdup(text_skip_zeros(hex))) == NULL) {
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
	if (serial == NULL || text_hex_norm(serial, s, sizeof s) < 0)
		return CNAUTHZ_ERROR;
	fpr = api->cert(req, "fingerprint", 0);
	if (fpr == NULL || text_hex_norm(fpr, f, sizeof f) < 0)
		return CNAUTHZ_ERROR;
	for (size_t i = 0; i < r->nlisted; i++)
		if (strcmp(r->listed[i], text_skip_zeros(s)) == 0 ||
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
