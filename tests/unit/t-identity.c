/*
 * t-identity.c - who is asking: the leaf certificate's single CN, checked
 * against User, or "local" when there is neither.
 *
 * Certificates come from tests/fixtures/certs (make.sh there made them);
 * each NAME.facts beside NAME.pem is what the openssl CLI said about it, so
 * fingerprints, serials and names are checked against openssl, not against
 * the code's own arithmetic.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1 /* strptime, timegm, getline */
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "b64.h"
#include "identity.h"
#include "request.h"
#include "tap.h"
#include "testlib.h"

/* ---- fixtures ------------------------------------------------------ */

/* Reads a file under the repository top into a malloc'ed buffer of exactly
 * its size (not NUL-terminated, so an over-read shows under ASan). */
/* A file of the repository, rel to its top; NULL (said with diag) when
 * it cannot be read. */
static char *slurp_top(const char *rel, size_t *len)
{
	char path[4096];
	char *buf;

	snprintf(path, sizeof path, "%s/%s", tap_top(), rel);
	buf = slurp(path, len);
	if (buf == NULL)
		diag("cannot open %s", path);
	return buf;
}

static char *cert(const char *name, size_t *len)
{
	char rel[256];

	snprintf(rel, sizeof rel, "tests/fixtures/certs/%s.pem", name);
	return slurp_top(rel, len);
}

/* cert(name) as a string ("" when it cannot be read). */
static char *cert_str(const char *name)
{
	size_t len;
	char *p = cert(name, &len);

	return p != NULL ? p : strdup("");
}

struct facts {
	char subject[512], issuer[512], serial[128], fingerprint[128];
	time_t not_after;
};

/* What openssl said: "subject=", "issuer=", "serial=", "notAfter=" and
 * "sha256 Fingerprint=AA:BB:..", normalised to what identity.h returns. */
static int read_facts(const char *name, struct facts *f)
{
	char rel[256], *text, *line, *save = NULL;
	size_t len;
	int got = 0;

	memset(f, 0, sizeof *f);
	snprintf(rel, sizeof rel, "tests/fixtures/certs/%s.facts", name);
	text = slurp_top(rel, &len);
	if (text == NULL)
		return -1;
	for (line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		char *v = strchr(line, '=');

		if (v == NULL)
			continue;
		*v++ = '\0';
		if (strcmp(line, "subject") == 0) {
			snprintf(f->subject, sizeof f->subject, "%s", v);
			got++;
		} else if (strcmp(line, "issuer") == 0) {
			snprintf(f->issuer, sizeof f->issuer, "%s", v);
			got++;
		} else if (strcmp(line, "serial") == 0) {
			size_t k = 0;

			for (; v[k] && k < sizeof f->serial - 1; k++)
				f->serial[k] = (char)(v[k] >= 'A' && v[k] <= 'F'
							      ? v[k] - 'A' + 'a'
							      : v[k]);
			got++;
		} else if (strcmp(line, "notAfter") == 0) {
			struct tm tm;

			memset(&tm, 0, sizeof tm);
			if (strptime(v, "%b %d %H:%M:%S %Y GMT", &tm) != NULL)
				f->not_after = timegm(&tm);
			got++;
		} else if (strcmp(line, "sha256 Fingerprint") == 0) {
			size_t k = 0;

			for (; *v && k < sizeof f->fingerprint - 1; v++)
				if (*v != ':')
					f->fingerprint[k++] =
						(char)(*v >= 'A' && *v <= 'F'
							       ? *v - 'A' + 'a'
							       : *v);
			got++;
		}
	}
	free(text);
	return got == 5 ? 0 : -1;
}

/* A request body with these members; cert names are fixture files whose
 * PEM goes into RequestPeerCertificates (NULL: none). */
static struct request *req_with(const char *user, const char *authn,
				const char *cert1, const char *cert2)
{
	char *s = malloc(16384), *b64;
	size_t k, len;
	struct cnz_err err;
	struct request *r;

	k = (size_t)sprintf(s, "{\"RequestMethod\":\"GET\",\"RequestUri\":\"/_ping\"");
	if (user != NULL)
		k += (size_t)sprintf(s + k, ",\"User\":\"%s\"", user);
	if (authn != NULL)
		k += (size_t)sprintf(s + k, ",\"UserAuthNMethod\":\"%s\"", authn);
	if (cert1 != NULL) {
		const char *names[2] = { cert1, cert2 };

		k += (size_t)sprintf(s + k, ",\"RequestPeerCertificates\":[");
		for (int i = 0; i < 2 && names[i] != NULL; i++) {
			char *pem = cert(names[i], &len);

			b64 = b64_encode((const unsigned char *)pem, len, NULL);
			k += (size_t)sprintf(s + k, "%s\"%s\"", i ? "," : "", b64);
			free(b64);
			free(pem);
		}
		k += (size_t)sprintf(s + k, "]");
	}
	sprintf(s + k, "}");
	r = request_decode(s, strlen(s), &err);
	if (r == NULL)
		diag("test request refused: %s", err.msg);
	free(s);
	return r;
}

/* identity_from_pem over a buffer of exactly len bytes. */
static struct identity *from_pem(const char *pem, size_t len,
				 struct cnz_err *err)
{
	char *copy = malloc(len ? len : 1);
	struct identity *id;

	memcpy(copy, pem, len);
	memset(err, 0, sizeof *err);
	id = identity_from_pem(copy, len, err);
	free(copy);
	return id;
}

/* ---- tests --------------------------------------------------------- */

static void check_against_openssl(const char *name, const char *cn)
{
	struct facts f;
	struct cnz_err err;
	size_t len;
	char *pem = cert(name, &len);
	struct identity *id;

	if (!ok(pem != NULL && read_facts(name, &f) == 0,
		"fixture %s and what openssl said about it are readable", name)) {
		free(pem);
		return;
	}
	id = from_pem(pem, len, &err);
	if (!ok(id != NULL, "%s.pem is accepted", name)) {
		diag("refused: %s", err.msg);
		free(pem);
		return;
	}
	is_str(identity_cn(id), cn, "%s.pem: the CN is \"%s\"", name, cn);
	is_str(identity_fingerprint(id), f.fingerprint,
	       "%s.pem: the fingerprint is openssl's SHA-256 of the DER, lower-case hex",
	       name);
	is_int((long long)strlen(identity_fingerprint(id)), 64,
	       "%s.pem: the fingerprint has 64 hex digits", name);
	is_str(identity_serial(id), f.serial,
	       "%s.pem: the serial is openssl's, lower-case hex", name);
	is_str(identity_subject(id), f.subject,
	       "%s.pem: the subject is openssl's RFC 2253 form", name);
	is_str(identity_issuer(id), f.issuer,
	       "%s.pem: the issuer is openssl's RFC 2253 form", name);
	is_int((long long)identity_not_after(id), (long long)f.not_after,
	       "%s.pem: not_after is openssl's notAfter", name);
	ok(identity_not_before(id) > 0 &&
		   identity_not_before(id) < identity_not_after(id),
	   "%s.pem: not_before is set and earlier than not_after", name);
	ok(identity_has_cert(id) && identity_x509(id) != NULL &&
		   !identity_is_local(id),
	   "%s.pem: the identity has its certificate and is not local", name);
	is_str(identity_label(id), cn, "%s.pem: the label is the CN", name);
	identity_unref(id);
	free(pem);
}

static void test_from_pem(void)
{
	static const struct {
		const char *name, *why, *quoted;
	} bad_cn[] = {
		{ "nocn", "no CN", NULL },
		{ "twocn", "more than one CN", NULL },
		{ "dotdot", "not a valid", "../etc" },
		{ "atother", "not a valid", "@other" },
		{ "space", "not a valid", "the client" },
		{ "cafe", "not a valid", "caf\\xc3\\xa9" },
		{ "nul", "not a valid", "admin\\x00x" },
		{ "cn65", "not a valid", "ccccccccccccccccccccccccc" },
		{ "ca", "not a valid", "cnauthz test CA" },
	};
	struct cnz_err err;

	check_against_openssl("client", "client");
	check_against_openssl("admin", "admin");
	check_against_openssl("cn64",
			      "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc");
	check_against_openssl("capture-client", "client");
	check_against_openssl("capture-admin", "admin");

	for (size_t i = 0; i < sizeof bad_cn / sizeof bad_cn[0]; i++) {
		size_t len;
		char *pem = cert(bad_cn[i].name, &len);
		struct identity *id = from_pem(pem ? pem : "", pem ? len : 0,
					       &err);

		ok(pem != NULL && id == NULL,
		   "%s.pem is refused", bad_cn[i].name);
		like(err.msg, bad_cn[i].why, "... and the reason says \"%s\"",
		     bad_cn[i].why);
		if (bad_cn[i].quoted != NULL)
			like(err.msg, bad_cn[i].quoted,
			     "... and the message quotes the CN printably");
		identity_unref(id);
		free(pem);
	}
}

/* Ok when identity_from_pem refuses text[0..n) with a reason containing
 * sub (any reason when sub is NULL). */
static void pem_refused(const char *text, size_t n, const char *sub,
			const char *name)
{
	struct cnz_err err;
	struct identity *id = from_pem(text, n, &err);

	ok(id == NULL, "%s", name);
	if (sub != NULL)
		like(err.msg, sub, "... and the reason says \"%s\"", sub);
	else
		ok(id != NULL || err.msg[0] != '\0', "... with a reason");
	identity_unref(id);
}

static void pem_refused_s(const char *text, const char *sub, const char *name)
{
	pem_refused(text, strlen(text), sub, name);
}

static void test_pem_shape(void)
{
	char *client = cert_str("client"), *admin = cert_str("admin");
	char *buf = malloc(strlen(client) * 3 + 200000);
	struct identity *id;
	struct cnz_err err;
	char *p, *end;

	sprintf(buf, "%sjunk\n", client);
	pem_refused_s(buf, "trailing", "PEM followed by other text is refused");
	sprintf(buf, "%s%s", client, admin);
	pem_refused_s(buf, "trailing",
	       "two certificates in one entry are refused");
	sprintf(buf, "%s\n-----BEGIN PUBLIC KEY-----\n", client);
	pem_refused_s(buf, "trailing",
	       "PEM followed by the start of another block is refused");
	sprintf(buf, "%s\n\n", client);
	id = from_pem(buf, strlen(buf), &err);
	ok(id != NULL, "trailing newlines after the PEM block are accepted");
	identity_unref(id);
	id = from_pem(client, strlen(client) - 1, &err);
	ok(id != NULL, "a PEM block without its final newline is accepted");
	identity_unref(id);

	sprintf(buf, "junk\n%s", client);
	pem_refused_s(buf, "PEM", "text before the PEM block is refused");
	sprintf(buf, "\n%s", client);
	pem_refused_s(buf, "PEM", "a newline before the PEM block is refused");
	sprintf(buf, "%s%s", admin, client);
	pem_refused_s(buf, NULL,
	       "two certificates are refused whichever comes first");

	{
		char *k = cert_str("leaf-pubkey"), *t = cert_str("client-trusted");

		pem_refused_s(k, "not a plain CERTIFICATE",
		       "a PUBLIC KEY PEM block is refused");
		pem_refused_s(t, "not a plain CERTIFICATE",
		       "a TRUSTED CERTIFICATE PEM block is refused");
		free(k);
		free(t);
	}
	/* the same base64 under a different label */
	p = strstr(client, "\n") + 1;
	sprintf(buf, "-----BEGIN X509 CERTIFICATE-----\n%.*s-----END X509 CERTIFICATE-----\n",
		(int)(strstr(client, "-----END") - p), p);
	pem_refused_s(buf, "CERTIFICATE",
	       "an \"X509 CERTIFICATE\" PEM block is refused");
	sprintf(buf, "-----BEGIN CERTIFICATE-----\nProc-Type: 4,ENCRYPTED\n"
		     "DEK-Info: AES-128-CBC,00000000000000000000000000000000\n\n"
		     "%.*s-----END CERTIFICATE-----\n",
		(int)(strstr(client, "-----END") - p), p);
	pem_refused_s(buf, NULL, "a CERTIFICATE block with PEM headers is refused");

	pem_refused("", 0, "PEM", "an empty entry is refused");
	pem_refused_s("hello\n", "PEM", "text that is not PEM is refused");
	pem_refused_s("-----BEGIN CERTIFICATE-----\n", "PEM",
	       "a PEM block without its END line is refused");
	pem_refused_s("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
		      "DER", "a CERTIFICATE block of junk DER is refused");
	pem_refused_s("-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n",
		      "DER", "a CERTIFICATE block holding an empty SEQUENCE is refused");
	pem_refused_s("-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n",
		      NULL, "a CERTIFICATE block of bad base64 is refused");

	/* The DER with one extra byte after it, and cut one byte short. */
	{
		size_t plen = strlen(client);
		char *b64 = malloc(plen), *q = b64;
		unsigned char *der = NULL;
		size_t derlen = 0;
		struct cnz_err why;
		char *enc;

		end = strstr(client, "-----END");
		for (const char *c = p; c < end; c++)
			if (*c != '\n')
				*q++ = *c;
		ok(b64_decode(b64, (size_t)(q - b64), &der, &derlen, &why) == 0,
		   "the client certificate's DER is at hand");
		der = realloc(der, derlen + 1);
		der[derlen] = 0;
		enc = b64_encode(der, derlen + 1, NULL);
		sprintf(buf, "-----BEGIN CERTIFICATE-----\n%s\n-----END CERTIFICATE-----\n", enc);
		pem_refused_s(buf, "DER",
		       "a certificate with a byte after its DER is refused");
		free(enc);
		enc = b64_encode(der, derlen - 1, NULL);
		sprintf(buf, "-----BEGIN CERTIFICATE-----\n%s\n-----END CERTIFICATE-----\n", enc);
		pem_refused_s(buf, "DER",
		       "a certificate cut one byte short is refused");
		free(enc);
		enc = b64_encode(der, derlen, NULL);
		sprintf(buf, "-----BEGIN CERTIFICATE-----\n%s\n-----END CERTIFICATE-----\n", enc);
		id = from_pem(buf, strlen(buf), &err);
		ok(id != NULL && strcmp(identity_cn(id), "client") == 0,
		   "the same DER re-encoded with one long base64 line is accepted");
		identity_unref(id);
		free(enc);
		free(der);
		free(b64);
	}

	/* Only len bytes count: a cut-off buffer is not the whole PEM. */
	id = from_pem(client, strlen(client) - 30, &err);
	ok(id == NULL, "a PEM cut before its END line is refused");
	identity_unref(id);

	/* Over 64 KiB: refused before parsing. */
	memset(buf, '\n', 70000);
	memcpy(buf, client, strlen(client));
	pem_refused(buf, 70000, "too large", "a certificate entry over 64 KiB is refused");

	free(buf);
	free(client);
	free(admin);
}

static void test_from_request(void)
{
	static const struct {
		const char *user, *authn, *c1, *c2, *why, *name;
	} bad[] = {
		{ "admin", "TLS", "client", NULL, "does not match",
		  "User must equal the certificate's CN (admin vs client)" },
		{ "Client", "TLS", "client", NULL, "does not match",
		  "User and CN compare case-sensitively" },
		{ "client ", "TLS", "client", NULL, "does not match",
		  "User with a trailing space is not the CN" },
		{ "", "TLS", "client", NULL, "does not match",
		  "an empty User with a certificate is refused" },
		{ NULL, "TLS", "client", NULL, "does not match",
		  "a certificate without User is refused" },
		{ "client", NULL, NULL, NULL, "without a client certificate",
		  "User without a certificate is refused" },
		{ "client", "TLS", NULL, NULL, "without a client certificate",
		  "User and TLS without a certificate are refused" },
		{ "local", NULL, NULL, NULL, "without a client certificate",
		  "User \"local\" without a certificate is not the local identity" },
		{ NULL, "TLS", NULL, NULL, "UserAuthNMethod",
		  "UserAuthNMethod without a certificate is refused" },
		{ NULL, "plugin", NULL, NULL, "UserAuthNMethod",
		  "any UserAuthNMethod without a certificate is refused" },
		{ "client", NULL, "client", NULL, "TLS",
		  "a certificate without UserAuthNMethod is refused" },
		{ "client", "tls", "client", NULL, "TLS",
		  "UserAuthNMethod \"tls\" (lower case) is not TLS" },
		{ "client", "plugin", "client", NULL, "TLS",
		  "a certificate with UserAuthNMethod other than TLS is refused" },
		{ "client", "TLS ", "client", NULL, "TLS",
		  "UserAuthNMethod \"TLS \" is not TLS" },
		{ "admin", "TLS", "client", "admin", "does not match",
		  "only the leaf (entry 0) counts, not a later certificate" },
		{ "admin", "TLS", "nul", NULL, "not a valid",
		  "User admin with a CN of admin NUL x is refused" },
		{ "admin", "TLS", "twocn", NULL, "more than one CN",
		  "User admin with CNs client and admin is refused" },
		{ "client", "TLS", "twocn", NULL, "more than one CN",
		  "User client with CNs client and admin is refused" },
		{ "", "TLS", "nocn", NULL, "no CN",
		  "an empty User with a certificate without CN is refused" },
		{ "../etc", "TLS", "dotdot", NULL, "not a valid",
		  "User ../etc with the matching CN is refused" },
		{ "@other", "TLS", "atother", NULL, "not a valid",
		  "User @other with the matching CN is refused" },
	};
	struct cnz_err err;
	struct identity *id;
	struct request *r;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		r = req_with(bad[i].user, bad[i].authn, bad[i].c1, bad[i].c2);
		memset(&err, 0, sizeof err);
		id = r != NULL ? identity_from_request(r, NULL, &err) : NULL;
		ok(r != NULL && id == NULL, "%s", bad[i].name);
		like(err.msg, bad[i].why, "... and the reason says \"%s\"",
		     bad[i].why);
		identity_unref(id);
		request_free(r);
	}

	r = req_with("client", "TLS", "client", NULL);
	id = r != NULL ? identity_from_request(r, NULL, &err) : NULL;
	ok(id != NULL && strcmp(identity_cn(id), "client") == 0 &&
		   identity_has_cert(id) && !identity_is_local(id),
	   "User client, TLS and a certificate with CN client is client");
	if (id != NULL) {
		struct identity *again = identity_from_request(r, id, &err);

		ok(again == id, "a cached identity is reused, not parsed again");
		identity_unref(again);
	}
	request_free(r);
	r = req_with("admin", "TLS", "client", NULL);
	if (id != NULL) {
		struct identity *again = identity_from_request(r, id, &err);

		ok(again == NULL, "a cached identity is still checked against User");
		like(err.msg, "does not match", "... and refused when they differ");
	}
	identity_unref(id);
	request_free(r);

	r = req_with("client", "TLS", "client", "admin");
	id = r != NULL ? identity_from_request(r, NULL, &err) : NULL;
	ok(id != NULL && strcmp(identity_cn(id), "client") == 0,
	   "with a chain, the identity is the leaf's CN");
	identity_unref(id);
	request_free(r);

	r = req_with("cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc",
		     "TLS", "cn64", NULL);
	id = r != NULL ? identity_from_request(r, NULL, &err) : NULL;
	ok(id != NULL, "a 64-byte CN matching User is accepted");
	identity_unref(id);
	request_free(r);

	r = req_with(NULL, NULL, NULL, NULL);
	id = r != NULL ? identity_from_request(r, NULL, &err) : NULL;
	ok(id != NULL && identity_is_local(id),
	   "no User, no method and no certificate is the local identity");
	if (id != NULL) {
		is_str(identity_cn(id), "", "the local identity has CN \"\"");
		is_str(identity_label(id), "local", "the local identity's label is \"local\"");
		ok(!identity_has_cert(id) && identity_x509(id) == NULL,
		   "the local identity has no certificate");
		is_str(identity_fingerprint(id), "",
		       "the local identity has no fingerprint");
		is_str(identity_subject(id), "", "the local identity has no subject");
		is_int((long long)identity_not_after(id), 0,
		       "the local identity has no not_after");
	}
	identity_unref(id);
	request_free(r);
	r = req_with("", "", NULL, NULL);
	id = r != NULL ? identity_from_request(r, NULL, &err) : NULL;
	ok(id != NULL && identity_is_local(id),
	   "empty User and UserAuthNMethod without a certificate are local too");
	identity_unref(id);
	request_free(r);
}

/* The identity dockerd reported in every captured body. */
static void test_captures(void)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t got;
	FILE *f;
	int n = 0, agree = 0, seen_client = 0, seen_admin = 0, seen_local = 0;
	struct facts fc;

	f = capture_open();
	if (!ok(f != NULL, "the capture file opens"))
		return;
	read_facts("capture-client", &fc);
	while ((got = getline(&line, &cap, f)) > 0) {
		/* The body is the value of "body": take it out by hand. */
		char *b = strstr(line, "\"body\": {"), *e = strstr(line, "}, \"endpoint\"");
		struct cnz_err err;
		struct request *r;
		struct identity *id;
		const char *user;

		if (b == NULL || e == NULL)
			continue;
		b += strlen("\"body\": ");
		r = request_decode(b, (size_t)(e + 1 - b), &err);
		if (r == NULL) {
			diag("capture line %d refused: %s", n + 1, err.msg);
			n++;
			continue;
		}
		n++;
		user = request_user(r);
		id = identity_from_request(r, NULL, &err);
		if (id == NULL) {
			diag("capture line %d: identity refused: %s", n, err.msg);
		} else if (user[0] == '\0' ? identity_is_local(id)
					   : strcmp(identity_cn(id), user) == 0) {
			agree++;
			if (identity_is_local(id))
				seen_local++;
			else if (strcmp(user, "admin") == 0)
				seen_admin++;
			else if (strcmp(user, "client") == 0) {
				if (seen_client++ == 0) {
					is_str(identity_subject(id),
					       "OU=devs,CN=client",
					       "the captured client certificate is CN client, OU devs");
					is_str(identity_fingerprint(id),
					       fc.fingerprint,
					       "the captured client certificate's fingerprint is openssl's");
					is_str(identity_issuer(id), "CN=test-ca",
					       "the captured client certificate's issuer is the capture CA");
					is_int((long long)identity_not_after(id),
					       (long long)fc.not_after,
					       "the captured client certificate's not_after is openssl's");
				}
			}
		}
		identity_unref(id);
		request_free(r);
	}
	free(line);
	fclose(f);
	ok(n > 200, "the capture file has its %d bodies", n);
	is_int(agree, n,
	       "in every captured body User is the certificate's CN, or both are absent");
	ok(seen_client > 0 && seen_admin > 0 && seen_local > 0,
	   "the captures hold client (%d), admin (%d) and local (%d) callers",
	   seen_client, seen_admin, seen_local);
}

static void test_name_valid(void)
{
	static const struct {
		const char *name;
		size_t len; /* 0: strlen */
		bool valid;
	} t[] = {
		{ "client", 0, true },
		{ "admin", 0, true },
		{ "a", 0, true },
		{ "A", 0, true },
		{ "7", 0, true },
		{ "ci-runner_01.example.com", 0, true },
		{ "user@example.com", 0, true },
		{ "a+b", 0, true },
		{ "a..b", 0, true },
		{ "x.", 0, true },
		{ "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc", 0, true },
		{ "ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc", 0, false },
		{ "", 0, false },
		{ "@other", 0, false },
		{ "@local", 0, false },
		{ ".hidden", 0, false },
		{ "..", 0, false },
		{ "../etc", 0, false },
		{ "a/b", 0, false },
		{ "/", 0, false },
		{ "-x", 0, false },
		{ "_x", 0, false },
		{ "+x", 0, false },
		{ "#x", 0, false },
		{ "~x", 0, false },
		{ "the client", 0, false },
		{ "client\n", 0, false },
		{ "client\t", 0, false },
		{ "a:b", 0, false },
		{ "a\\b", 0, false },
		{ "a*", 0, false },
		{ "a?", 0, false },
		{ "a{b,c}", 0, false },
		{ "caf\xc3\xa9", 0, false },
		{ "\xc3\xa9t\xc3\xa9", 0, false },
		{ "admin\0x", 7, false },
		{ "admin\0", 6, false },
		/* names ending in .<digit> are CNs (not man pages) */
		{ "web.1", 0, true },
		{ "10.0.0.5", 0, true },
		{ "fd00..1", 0, true },
		{ "cnauthz-rules.5", 0, true },
		/* what editors and package managers leave is no CN */
		{ "client.bak", 0, false },
		{ "client.swp", 0, false },
		{ "client.tmp", 0, false },
		{ "client.dpkg-old", 0, false },
		{ "client.ucf-dist", 0, false },
		{ "client.rpmnew", 0, false },
		{ "client.bak.1", 0, true },
		{ "client.BAK", 0, true },
		{ ".bak", 0, false },
		{ "x.bak", 0, false },
	};

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		size_t len = t[i].len ? t[i].len : strlen(t[i].name);
		char q[160];
		size_t k = 0;

		for (size_t j = 0; j < len && k < sizeof q - 5; j++) {
			unsigned char c = (unsigned char)t[i].name[j];

			k += (size_t)snprintf(q + k, sizeof q - k,
					      c < 0x20 || c >= 0x7f ? "\\x%02x" : "%c",
					      c);
		}
		is_int(identity_name_valid(t[i].name, len), t[i].valid,
		       "\"%s\" (%zu bytes) is %s rule-file name", q, len,
		       t[i].valid ? "a valid" : "not a");
	}
	ok(identity_name_valid("client", 3) && !identity_name_valid("client", 0),
	   "identity_name_valid reads exactly len bytes");
}

static void test_named(void)
{
	struct cnz_err err;
	struct identity *id = identity_named("client", &err), *r;

	ok(id != NULL && strcmp(identity_cn(id), "client") == 0 &&
		   !identity_has_cert(id) && !identity_is_local(id),
	   "identity_named gives a CN without a certificate");
	r = identity_ref(id);
	ok(r == id, "identity_ref returns the same identity");
	identity_unref(r);
	ok(strcmp(identity_cn(id), "client") == 0,
	   "an identity survives one of its two references being dropped");
	identity_unref(id);
	id = identity_named("../etc", &err);
	ok(id == NULL, "identity_named refuses a CN that is not a rule-file name");
	like(err.msg, "not a valid", "... and says why");
	identity_unref(NULL);
	ok(1, "identity_unref(NULL) is a no-op");
}

int main(void)
{
	test_from_pem();
	test_pem_shape();
	test_from_request();
	test_captures();
	test_name_valid();
	test_named();
	return done_testing();
}
