/* identity.c - see identity.h */
#include "identity.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <arpa/inet.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "request.h"
#include "text.h"

struct identity {
	atomic_uint refs;
	bool local;
	char cn[IDENTITY_CN_MAX + 1];
	X509 *cert;
	char fingerprint[65];
	char serial[80];
	char *issuer;
	char *subject;
	time_t not_after, not_before;
};

static char empty[] = "";

/* What editors and package managers leave beside the file they change. */
static const char *const leftover_suffixes[] = {
	".swp", ".swx", ".bak", ".orig", ".rej", ".tmp",
	".rpmnew", ".rpmsave", ".dpkg-old", ".dpkg-new", ".dpkg-dist",
	".dpkg-tmp", ".dpkg-bak", ".ucf-old", ".ucf-new", ".ucf-dist",
};

const char *identity_name_why(const char *name, size_t len, char *buf,
			      size_t bufsz)
{
	if (len == 0)
		return "it is empty";
	if (len > IDENTITY_CN_MAX) {
		snprintf(buf, bufsz, "it is longer than %d bytes",
			 IDENTITY_CN_MAX);
		return buf;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			     (c >= '0' && c <= '9');

		if (alnum)
			continue;
		if (i == 0 && c == '.')
			return "it starts with '.' (a hidden file)";
		if (i > 0 && (c == '.' || c == '_' || c == '@' || c == '+' ||
			      c == '-'))
			continue;
		if (c == '~' || c == '#')
			return "it holds '~' or '#' (an editor's leftover)";
		if (c == ' ' || c == '\t')
			return "it holds a blank";
		if (c > 0x20 && c < 0x7f)
			snprintf(buf, bufsz, "%s '%c' (%s)",
				 i == 0 ? "it starts with" : "it holds", c,
				 "a CN is [A-Za-z0-9._@+-], starting with a letter or digit");
		else
			snprintf(buf, bufsz, "%s byte 0x%02x (%s)",
				 i == 0 ? "it starts with" : "it holds", c,
				 "a CN is [A-Za-z0-9._@+-], starting with a letter or digit");
		return buf;
	}
	for (size_t i = 0;
	     i < sizeof leftover_suffixes / sizeof leftover_suffixes[0]; i++) {
		size_t k = strlen(leftover_suffixes[i]);

		if (len > k &&
		    memcmp(name + len - k, leftover_suffixes[i], k) == 0) {
			snprintf(buf, bufsz,
				 "it ends in \"%s\" (an editor's or package manager's leftover)",
				 leftover_suffixes[i]);
			return buf;
		}
	}
	return NULL;
}

bool identity_name_valid(const char *name, size_t len)
{
	char buf[160];

	return identity_name_why(name, len, buf, sizeof buf) == NULL;
}

static struct identity *alloc_identity(void)
{
	struct identity *id = calloc(1, sizeof *id);

	if (id == NULL)
		return NULL;
	atomic_init(&id->refs, 1);
	id->issuer = empty;
	id->subject = empty;
	return id;
}

static char *name_str(const X509_NAME *n)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data, *out = NULL;
	long len;

	if (b == NULL)
		return NULL;
	if (X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253) >= 0) {
		len = BIO_get_mem_data(b, &data);
		out = malloc((size_t)len + 1);
		if (out != NULL) {
			memcpy(out, data, (size_t)len);
			out[len] = '\0';
		}
	}
	BIO_free(b);
	return out;
}

static time_t asn1_time(const ASN1_TIME *t)
{
	struct tm tm;

	memset(&tm, 0, sizeof tm);
	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
		return 0;
	return timegm(&tm);
}

/* The subject's single CN, checked as a rule-file name. */
static int subject_cn(X509 *x, char *out, struct cnz_err *err)
{
	const X509_NAME *n = X509_get_subject_name(x);
	int idx = X509_NAME_get_index_by_NID(n, NID_commonName, -1);
	unsigned char *utf8 = NULL;
	int len, rc = -1;
	char q[96], whybuf[160];
	const char *why;

	if (idx < 0) {
		cnz_err_set(err, NULL, 0, 0, "client certificate has no CN");
		return -1;
	}
	if (X509_NAME_get_index_by_NID(n, NID_commonName, idx) >= 0) {
		/* Go's crypto/x509 keeps the last CN; which one dockerd
		 * reported as User would be a guess. */
		cnz_err_set(err, NULL, 0, 0,
			    "client certificate has more than one CN");
		return -1;
	}
	len = ASN1_STRING_to_UTF8(
		&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, idx)));
	if (len < 0) {
		cnz_err_set(err, NULL, 0, 0,
			    "client certificate CN cannot be read as UTF-8");
		return -1;
	}
	why = identity_name_why((const char *)utf8, (size_t)len, whybuf,
				sizeof whybuf);
	if (why != NULL) {
		cnz_err_set(err, NULL, 0, 0,
			    "client certificate CN \"%s\" is not a valid rule-file name: %s",
			    text_printable(q, sizeof q, (const char *)utf8,
					   (size_t)len), why);
		goto out;
	}
	memcpy(out, utf8, (size_t)len);
	out[len] = '\0';
	rc = 0;
out:
	OPENSSL_free(utf8);
	return rc;
}

static bool only_space(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != '\n' && s[i] != '\r' && s[i] != ' ' && s[i] != '\t')
			return false;
	return true;
}

struct identity *identity_from_pem(const char *pem, size_t len,
				   struct cnz_err *err)
{
	struct identity *id = NULL;
	BIO *bio = NULL;
	char *name = NULL, *header = NULL;
	unsigned char *der = NULL, md[EVP_MAX_MD_SIZE];
	const unsigned char *p;
	long derlen;
	unsigned mdlen = 0;
	const ASN1_INTEGER *sn;
	BIGNUM *bn = NULL;
	char *hex = NULL;

	if (len > 64 * 1024) {
		cnz_err_set(err, NULL, 0, 0, "client certificate too large");
		return NULL;
	}
	/* PEM_read_bio skips any text before a BEGIN line; dockerd sends the
	 * block alone, so text around it is refused, before as after. */
	if (len < 11 || memcmp(pem, "-----BEGIN ", 11) != 0) {
		cnz_err_set(err, NULL, 0, 0,
			    "client certificate is not PEM text");
		return NULL;
	}
	bio = BIO_new_mem_buf(pem, (int)len);
	id = alloc_identity();
	if (bio == NULL || id == NULL) {
		cnz_err_set(err, NULL, 0, 0, "out of memory");
		goto fail;
	}
	if (!PEM_read_bio(bio, &name, &header, &der, &derlen)) {
		cnz_err_set(err, NULL, 0, 0,
			    "client certificate is not PEM text");
		goto fail;
	}
	if (strcmp(name, "CERTIFICATE") != 0 || header[0] != '\0') {
		cnz_err_set(err, NULL, 0, 0,
			    "client certificate PEM block is not a plain CERTIFICATE");
		goto fail;
	}
	{
		char *rest;
		long restlen = BIO_get_mem_data(bio, &rest);

		if (restlen > 0 && !only_space(rest, (size_t)restlen)) {
			cnz_err_set(err, NULL, 0, 0,
				    "client certificate PEM has trailing data");
			goto fail;
		}
	}
	p = der;
	id->cert = d2i_X509(NULL, &p, derlen);
	if (id->cert == NULL || p != der + derlen) {
		cnz_err_set(err, NULL, 0, 0,
			    "client certificate is not a valid DER certificate");
		goto fail;
	}
	if (subject_cn(id->cert, id->cn, err) < 0)
		goto fail;
	if (!EVP_Digest(der, (size_t)derlen, md, &mdlen, EVP_sha256(), NULL)) {
		cnz_err_set(err, NULL, 0, 0, "cannot hash certificate");
		goto fail;
	}
	text_hex(md, mdlen < 32 ? mdlen : 32, id->fingerprint);
	sn = X509_get0_serialNumber(id->cert);
	bn = sn != NULL ? ASN1_INTEGER_to_BN(sn, NULL) : NULL;
	hex = bn != NULL ? BN_bn2hex(bn) : NULL;
	if (hex == NULL) {
		cnz_err_set(err, NULL, 0, 0, "cannot read certificate serial");
		goto fail;
	}
	snprintf(id->serial, sizeof id->serial, "%s", hex);
	for (char *c = id->serial; *c; c++)
		if (*c >= 'A' && *c <= 'F')
			*c = (char)(*c - 'A' + 'a');
	id->issuer = name_str(X509_get_issuer_name(id->cert));
	id->subject = name_str(X509_get_subject_name(id->cert));
	if (id->issuer == NULL || id->subject == NULL) {
		cnz_err_set(err, NULL, 0, 0, "out of memory");
		goto fail;
	}
	id->not_after = asn1_time(X509_get0_notAfter(id->cert));
	id->not_before = asn1_time(X509_get0_notBefore(id->cert));
	goto out;
fail:
	identity_unref(id);
	id = NULL;
out:
	OPENSSL_free(hex);
	BN_free(bn);
	OPENSSL_free(name);
	OPENSSL_free(header);
	OPENSSL_free(der);
	BIO_free(bio);
	return id;
}

struct identity *identity_from_request(struct request *r,
				       struct identity *cached,
				       struct cnz_err *err)
{
	const char *user = request_user(r);
	struct identity *id;
	char q[96];
	const char *pem;
	size_t len;

	if (request_ncerts(r) == 0) {
		if (user[0] != '\0') {
			cnz_err_set(err, NULL, 0, 0,
				    "User \"%s\" without a client certificate",
				    text_printable(q, sizeof q, user,
						   strlen(user)));
			return NULL;
		}
		if (request_authn(r)[0] != '\0') {
			cnz_err_set(err, NULL, 0, 0,
				    "UserAuthNMethod without a client certificate");
			return NULL;
		}
		id = identity_local();
		if (id == NULL)
			cnz_err_set(err, NULL, 0, 0, "out of memory");
		return id;
	}
	if (strcmp(request_authn(r), "TLS") != 0) {
		cnz_err_set(err, NULL, 0, 0,
			    "client certificate without UserAuthNMethod TLS");
		return NULL;
	}
	if (cached != NULL) {
		id = identity_ref(cached);
	} else {
		struct cnz_err why;

		pem = request_cert_pem(r, 0, &len, &why);
		if (pem == NULL) {
			cnz_err_set(err, NULL, 0, 0, "peer certificate 0: %s",
				    why.msg);
			return NULL;
		}
		id = identity_from_pem(pem, len, err);
		if (id == NULL)
			return NULL;
	}
	if (strcmp(id->cn, user) != 0) {
		cnz_err_set(err, NULL, 0, 0,
			    "User \"%s\" does not match the certificate CN \"%s\"",
			    text_printable(q, sizeof q, user, strlen(user)),
			    id->cn);
		identity_unref(id);
		return NULL;
	}
	return id;
}

int identity_pem_as_dockerd(const char *text, size_t len, char **pem,
			    size_t *pemlen, char *user, size_t usersz,
			    struct cnz_err *err)
{
	BIO *in = NULL, *out = NULL;
	X509 *x = NULL;
	const X509_NAME *n;
	char *name = NULL, *header = NULL, *data;
	unsigned char *der = NULL;
	const unsigned char *p;
	long derlen = 0, dlen;
	int idx, last = -1, rc = -1;

	*pem = NULL;
	*pemlen = 0;
	if (usersz > 0)
		user[0] = '\0';
	if (len > INT_MAX) {
		cnz_err_set(err, NULL, 0, 0, "certificate file too large");
		return -1;
	}
	in = BIO_new_mem_buf(text, (int)len);
	out = BIO_new(BIO_s_mem());
	if (in == NULL || out == NULL) {
		cnz_err_set(err, NULL, 0, 0, "out of memory");
		goto out;
	}
	/* the first CERTIFICATE block, its DER as it is: Go sends the
	 * certificate's own bytes (x509.Certificate.Raw), never a
	 * re-encoding of what was parsed */
	for (;;) {
		if (!PEM_read_bio(in, &name, &header, &der, &derlen)) {
			cnz_err_set(err, NULL, 0, 0, "no PEM certificate in it");
			goto out;
		}
		if (strcmp(name, "CERTIFICATE") == 0)
			break;
		OPENSSL_free(name);
		OPENSSL_free(header);
		OPENSSL_free(der);
		name = header = NULL;
		der = NULL;
	}
	p = der;
	x = d2i_X509(NULL, &p, derlen);
	if (x == NULL || p != der + derlen) {
		cnz_err_set(err, NULL, 0, 0,
			    "its CERTIFICATE block is not a DER certificate");
		goto out;
	}
	n = X509_get_subject_name(x);
	for (idx = -1; (idx = X509_NAME_get_index_by_NID(n, NID_commonName,
							 idx)) >= 0;)
		last = idx;
	if (last >= 0) {
		unsigned char *utf8 = NULL;
		int ulen = ASN1_STRING_to_UTF8(
			&utf8,
			X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, last)));

		if (ulen >= 0 && usersz > 0)
			snprintf(user, usersz, "%.*s", ulen, (const char *)utf8);
		OPENSSL_free(utf8);
	}
	if (!PEM_write_bio(out, "CERTIFICATE", "", der, derlen)) {
		cnz_err_set(err, NULL, 0, 0, "cannot encode the certificate");
		goto out;
	}
	dlen = BIO_get_mem_data(out, &data);
	*pem = malloc((size_t)dlen + 1);
	if (*pem == NULL) {
		cnz_err_set(err, NULL, 0, 0, "out of memory");
		goto out;
	}
	memcpy(*pem, data, (size_t)dlen);
	(*pem)[dlen] = '\0';
	*pemlen = (size_t)dlen;
	rc = 0;
out:
	X509_free(x);
	OPENSSL_free(name);
	OPENSSL_free(header);
	OPENSSL_free(der);
	BIO_free(in);
	BIO_free(out);
	return rc;
}

struct identity *identity_named(const char *cn, struct cnz_err *err)
{
	struct identity *id;
	char q[96], whybuf[160];
	const char *why = identity_name_why(cn, strlen(cn), whybuf,
					    sizeof whybuf);

	if (why != NULL) {
		cnz_err_set(err, NULL, 0, 0,
			    "\"%s\" is not a valid CN for a rule file: %s",
			    text_printable(q, sizeof q, cn, strlen(cn)), why);
		return NULL;
	}
	id = alloc_identity();
	if (id == NULL) {
		cnz_err_set(err, NULL, 0, 0, "out of memory");
		return NULL;
	}
	snprintf(id->cn, sizeof id->cn, "%s", cn);
	return id;
}

struct identity *identity_local(void)
{
	struct identity *id = alloc_identity();

	if (id != NULL)
		id->local = true;
	return id;
}

struct identity *identity_ref(struct identity *id)
{
	atomic_fetch_add_explicit(&id->refs, 1, memory_order_relaxed);
	return id;
}

void identity_unref(struct identity *id)
{
	if (id == NULL ||
	    atomic_fetch_sub_explicit(&id->refs, 1, memory_order_acq_rel) != 1)
		return;
	X509_free(id->cert);
	if (id->issuer != empty)
		free(id->issuer);
	if (id->subject != empty)
		free(id->subject);
	free(id);
}

bool identity_is_local(const struct identity *id)
{
	return id->local;
}

const char *identity_cn(const struct identity *id)
{
	return id->cn;
}

const char *identity_label(const struct identity *id)
{
	return id->local ? "local" : id->cn;
}

bool identity_has_cert(const struct identity *id)
{
	return id->cert != NULL;
}

const char *identity_fingerprint(const struct identity *id)
{
	return id->fingerprint;
}

const char *identity_serial(const struct identity *id)
{
	return id->serial;
}

const char *identity_issuer(const struct identity *id)
{
	return id->issuer;
}

const char *identity_subject(const struct identity *id)
{
	return id->subject;
}

time_t identity_not_after(const struct identity *id)
{
	return id->not_after;
}

time_t identity_not_before(const struct identity *id)
{
	return id->not_before;
}

const void *identity_x509(const struct identity *id)
{
	return id->cert;
}

static const char *name_attr(X509_NAME *n, int nid, size_t index, char *buf,
			     size_t bufsz)
{
	int idx = -1;
	unsigned char *utf8 = NULL;
	int len;
	const char *out = NULL;

	for (size_t k = 0; k <= index; k++) {
		idx = X509_NAME_get_index_by_NID(n, nid, idx);
		if (idx < 0)
			return NULL;
	}
	len = ASN1_STRING_to_UTF8(
		&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, idx)));
	if (len < 0)
		return NULL;
	if ((size_t)len < bufsz && memchr(utf8, '\0', (size_t)len) == NULL) {
		memcpy(buf, utf8, (size_t)len);
		buf[len] = '\0';
		out = buf;
	}
	OPENSSL_free(utf8);
	return out;
}

static const char *san(X509 *x, size_t index, char *buf, size_t bufsz)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL,
					       NULL);
	const char *out = NULL;
	size_t seen = 0;

	if (gens == NULL)
		return NULL;
	for (int i = 0; i < sk_GENERAL_NAME_num(gens) && out == NULL; i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		const ASN1_STRING *s = NULL;
		const char *kind = NULL;
		char ip[INET6_ADDRSTRLEN];

		switch (g->type) {
		case GEN_DNS: kind = "DNS"; s = g->d.dNSName; break;
		case GEN_EMAIL: kind = "email"; s = g->d.rfc822Name; break;
		case GEN_URI: kind = "URI"; s = g->d.uniformResourceIdentifier; break;
		case GEN_IPADD: kind = "IP"; s = g->d.iPAddress; break;
		default: continue;
		}
		if (seen++ != index)
			continue;
		if (g->type == GEN_IPADD) {
			int len = ASN1_STRING_length(s);

			if ((len == 4 && inet_ntop(AF_INET, ASN1_STRING_get0_data(s), ip, sizeof ip)) ||
			    (len == 16 && inet_ntop(AF_INET6, ASN1_STRING_get0_data(s), ip, sizeof ip))) {
				snprintf(buf, bufsz, "IP:%s", ip);
				out = buf;
			}
		} else {
			int len = ASN1_STRING_length(s);
			const unsigned char *d = ASN1_STRING_get0_data(s);

			if (memchr(d, '\0', (size_t)len) == NULL &&
			    (size_t)len + strlen(kind) + 2 <= bufsz) {
				snprintf(buf, bufsz, "%s:%.*s", kind, len,
					 (const char *)d);
				out = buf;
			}
		}
	}
	GENERAL_NAMES_free(gens);
	return out;
}

const char *identity_cert_field(const struct identity *id, const char *name,
				size_t index, char *buf, size_t bufsz)
{
	X509 *x = id->cert;

	if (x == NULL || bufsz == 0)
		return NULL;
	if (strcmp(name, "CN") == 0)
		return name_attr(X509_get_subject_name(x), NID_commonName,
				 index, buf, bufsz);
	if (strcmp(name, "O") == 0)
		return name_attr(X509_get_subject_name(x),
				 NID_organizationName, index, buf, bufsz);
	if (strcmp(name, "OU") == 0)
		return name_attr(X509_get_subject_name(x),
				 NID_organizationalUnitName, index, buf, bufsz);
	if (strcmp(name, "SAN") == 0)
		return san(x, index, buf, bufsz);
	if (index > 0)
		return NULL;
	if (strcmp(name, "subject") == 0)
		snprintf(buf, bufsz, "%s", id->subject);
	else if (strcmp(name, "issuer") == 0)
		snprintf(buf, bufsz, "%s", id->issuer);
	else if (strcmp(name, "serial") == 0)
		snprintf(buf, bufsz, "%s", id->serial);
	else if (strcmp(name, "fingerprint") == 0)
		snprintf(buf, bufsz, "%s", id->fingerprint);
	else if (strcmp(name, "not_before") == 0)
		snprintf(buf, bufsz, "%lld", (long long)id->not_before);
	else if (strcmp(name, "not_after") == 0)
		snprintf(buf, bufsz, "%lld", (long long)id->not_after);
	else
		return NULL;
	return buf;
}
