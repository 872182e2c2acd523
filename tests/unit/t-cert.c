/*
 * t-cert.c - the certificate-aware built-ins (mod_cert.c, mod_revoked.c),
 * judged through decide() on AuthZReq bodies that carry the fixture
 * certificates the way dockerd sends them (User and
 * RequestPeerCertificates):
 *
 *   cert [cn=] [ou=] [o=] [san=] [issuer=] [serial=] [fingerprint=]
 *        [min-validity=]      a filter: deny unless every kind given is met
 *   revoked [crl=FILE] [list=FILE]
 *                             a filter: deny a certificate a CRL of its
 *                             issuer or a deny-list names
 *
 * tests/fixtures/certs/make.sh made the certificates and CRLs ("make.sh
 * revocation": the rev-* set); what openssl says about each is in its
 * .facts file. rev-good: O=Example Corp, OU=ops, OU=devs, CN=good, serial
 * 0A01, a SAN of each kind; rev-revoked (0A02) is in rev-crl.pem/.der;
 * rev-listed (F00D) is for deny-lists; other-crl.pem is another CA's CRL
 * naming 0A01 and 0A02. client.pem (CN=client, OU=devs) is of yet another
 * CA and has no SAN.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "decide.h"
#include "identity.h"
#include "ruleset.h"
#include "tap.h"
#include "testlib.h"

static char rules[128];

static const char *fixture(const char *name)
{
	static char buf[4][1024];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof buf[i], "%s/tests/fixtures/certs/%s",
		 tap_top(), name);
	return buf[i];
}

/* "SCRATCH/name" */
static const char *tmp(const char *name)
{
	return scratch_at(name);
}

static void write_file(const char *path, const char *data, size_t len,
		       mode_t mode)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0 ||
	    chmod(path, mode) < 0)
		bail_errno(path);
}

/* Copies a fixture into the test directory (root-owned, 0644). */
static char *copy_fixture(const char *name)
{
	size_t len;
	char *data = slurp(fixture(name), &len);

	if (data == NULL)
		bail_errno(fixture(name));
	write_file(tmp(name), data, len, 0644);
	free(data);
	return strdup(tmp(name)); /* the caller frees it */
}

/* A fact from NAME.facts: "serial", "sha256 Fingerprint", lower-cased,
 * without ':' when nocolon. */
static const char *fact(const char *name, const char *key, bool nocolon)
{
	static char out[4][200];
	static int i;
	char file[200], *text, *p;
	size_t len, o = 0;

	i = (i + 1) % 4;
	snprintf(file, sizeof file, "%s.facts", name);
	text = slurp(fixture(file), &len);
	if (text == NULL)
		bail_errno(file);
	p = strstr(text, key);
	if (p == NULL)
		bail_errno(key);
	for (p += strlen(key) + 1; *p && *p != '\n'; p++) {
		if (nocolon && *p == ':')
			continue;
		if (o + 1 < sizeof out[i])
			out[i][o++] = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
	}
	out[i][o] = '\0';
	free(text);
	return out[i];
}

static void put_rules(const char *name, const char *text)
{
	char p[512];

	snprintf(p, sizeof p, "%s/%s", rules, name);
	write_file(p, text, strlen(text), 0644);
}

static struct ruleset *load(void)
{
	struct ruleset_opts o = {.insecure_permissions = false};

	return load_rules(rules, &o);
}

/* An AuthZReq for GET /_ping from the holder of fixture NAME.pem (CN cn),
 * or from the unix socket when name is NULL. */
static char *req_from(const char *name, const char *cn)
{
	char file[200], *pem = NULL, *out;
	size_t len;

	if (name != NULL) {
		snprintf(file, sizeof file, "%s.pem", name);
		pem = slurp(fixture(file), &len);
		if (pem == NULL)
			bail_errno(file);
	}
	out = authz_req_text(&(struct authz_req){
		.user = pem != NULL ? cn : NULL,
		.cert = pem,
		.method = "GET",
		.uri = "/v1.41/_ping",
		.headers = json_object(),
	});
	free(pem);
	return out;
}

/* Judges GET /_ping by the holder of fixture cert (or local: NULL) with
 * the rules for CN cn = "text" followed by a permit line. */
static void run(const char *text, const char *cert, const char *cn,
		struct verdict *v)
{
	char body[4096], *req;
	struct ruleset *rs;

	snprintf(body, sizeof body, "%s\nsufficient permit *\n", text);
	put_rules(cn != NULL ? cn : "@local", body);
	rs = load();
	req = req_from(cert, cn);
	judge_text(rs, NULL, req, v);
	free(req);
	ruleset_unref(rs);
}

static bool allowed(const char *text, const char *cert, const char *cn)
{
	struct verdict v;

	run(text, cert, cn, &v);
	return v.allow;
}

/* The load error of file cn with "text" in it, or "" */
static const char *load_error(const char *cn, const char *text)
{
	static char out[2048];
	struct ruleset_pick p;
	struct ruleset *rs;

	put_rules(cn, text);
	rs = load();
	ruleset_pick_name(rs, cn, &p);
	snprintf(out, sizeof out, "%s", p.stack != NULL ? "" : p.error);
	ruleset_unref(rs);
	return out;
}

/* "RULES/NAME:line:col: " for the rule file NAME */
static const char *where(const char *name, int line, int col)
{
	return file_where(rules, name, line, col);
}

/* ---- cert ---- */

static void test_cert_names(void)
{
	struct verdict v;

	ok(allowed("requisite cert ou=devs", "client", "client"),
	   "cert ou=devs: client (OU=devs) passes to the permit line");
	run("requisite cert ou=devs", "admin", "admin", &v);
	ok(!v.allow, "cert ou=devs: admin (no OU) is denied");
	is_str(v.msg,
	       "admin may not GET /_ping: the client certificate's OU is not devs (admin:1)",
	       "... saying which field is not what");
	ok(allowed("requisite cert ou=devs", "rev-good", "good"),
	   "cert ou=devs: a certificate with OU=ops and OU=devs passes (any value)");
	ok(allowed("requisite cert ou=ops", "rev-good", "good"),
	   "cert ou=ops: ... so does its first OU");
	ok(!allowed("requisite cert ou=qa", "rev-good", "good"),
	   "cert ou=qa: neither OU matches: denied");
	ok(allowed("requisite cert ou=qa ou=ops", "rev-good", "good"),
	   "cert ou=qa ou=ops: values of one kind are alternatives");
	run("requisite cert ou=qa ou=web", "rev-good", "good", &v);
	like(v.msg, "OU is not qa (or another listed)",
	     "... and a denial of several says so");
	ok(allowed("requisite cert ou=d*", "rev-good", "good"),
	   "cert ou=d*: globs");
	ok(!allowed("requisite cert ou=dev", "client", "client"),
	   "cert ou=dev: a glob matches the whole value");

	ok(allowed("requisite cert \"o=Example Corp\"", "rev-good", "good"),
	   "cert o=: the organization");
	run("requisite cert o=Example", "rev-good", "good", &v);
	ok(!v.allow, "cert o=Example: not the whole O: denied");
	like(v.msg, "the client certificate's O is not Example (good:1)", "... naming O");
	ok(!allowed("requisite cert o=*", "client", "client"),
	   "cert o=*: a certificate without O is denied");
	ok(allowed("requisite cert cn=g*", "rev-good", "good"),
	   "cert cn=: the CN, globbed");
	ok(!allowed("requisite cert cn=admin", "client", "client"),
	   "cert cn=admin: client is denied");

	/* kinds together: all must hold */
	ok(allowed("requisite cert ou=devs \"o=Example*\" cn=good", "rev-good", "good"),
	   "cert ou= o= cn=: every kind met: passes");
	run("requisite cert ou=devs o=Other", "rev-good", "good", &v);
	ok(!v.allow, "cert ou=devs o=Other: one kind unmet: denied");
	like(v.msg, "O is not Other", "... naming the unmet kind");

	/* a filter never grants */
	run("sufficient cert ou=devs", "client", "client", &v);
	ok(v.allow, "(sanity) sufficient cert + permit: allowed by the permit");
	is_str(v.rule, "client:2", "... the permit line decided, never cert");
	put_rules("client", "sufficient cert ou=devs\n");
	{
		struct ruleset *rs = load();
		char *req = req_from("client", "client");
		struct decision d;

		decide(rs, req, strlen(req), NULL, &d);
		ok(!d.allow, "cert alone, all criteria met, allows nothing (a filter)");
		decision_clear(&d);
		free(req);
		ruleset_unref(rs);
	}
}

static void test_cert_san_issuer(void)
{
	struct verdict v;

	ok(allowed("requisite cert san=DNS:*.example.com", "rev-good", "good"),
	   "cert san=DNS:*.example.com");
	ok(allowed("requisite cert san=IP:10.0.0.1", "rev-good", "good"),
	   "cert san=IP:10.0.0.1");
	ok(allowed("requisite cert san=IP:fd00::1", "rev-good", "good"),
	   "cert san=IP:fd00::1 (IPv6, as inet_ntop writes it)");
	ok(allowed("requisite cert san=email:good@example.com", "rev-good", "good"),
	   "cert san=email:");
	ok(allowed("requisite cert san=URI:spiffe://example.com/*", "rev-good", "good"),
	   "cert san=URI:, globbed");
	ok(!allowed("requisite cert san=good.example.com", "rev-good", "good"),
	   "cert san= without its kind prefix does not match");
	run("requisite cert san=DNS:evil.example.com", "rev-good", "good", &v);
	ok(!v.allow, "cert san=DNS:evil.example.com: denied");
	like(v.msg, "subject alternative name is not DNS:evil.example.com", "... naming the SAN");
	ok(!allowed("requisite cert san=*", "client", "client"),
	   "cert san=*: a certificate without SANs is denied");

	ok(allowed("requisite cert \"issuer=CN=cnauthz revocation test CA,O=cnauthz\"",
		   "rev-good", "good"),
	   "cert issuer=: the issuer in RFC 2253");
	ok(allowed("requisite cert \"issuer=*revocation*\"", "rev-good", "good"),
	   "cert issuer=: globbed");
	run("requisite cert \"issuer=*revocation*\"", "client", "client", &v);
	ok(!v.allow, "cert issuer=: a certificate of another CA is denied");
	like(v.msg, "issuer is not *revocation*", "... naming the issuer");
}

static void test_cert_serial_fpr(void)
{
	char line[512];
	struct verdict v;
	const char *fpr = fact("rev-good", "sha256 Fingerprint", false);
	const char *fprhex = fact("rev-good", "sha256 Fingerprint", true);

	is_str(fact("rev-good", "serial", false), "0a01", "(fixture) rev-good's serial is 0A01");
	ok(allowed("requisite cert serial=0a01", "rev-good", "good"),
	   "cert serial=0a01");
	ok(allowed("requisite cert serial=0A:01", "rev-good", "good"),
	   "cert serial=0A:01: colons and case do not count");
	ok(allowed("requisite cert serial=a01", "rev-good", "good"),
	   "cert serial=a01: nor do leading zeros");
	ok(allowed("requisite cert serial=00000a01", "rev-good", "good"),
	   "cert serial=00000a01: however many");
	ok(allowed("requisite cert serial=ff,0a01", "rev-good", "good"),
	   "cert serial=ff,0a01: a comma-separated list");
	run("requisite cert serial=0a02", "rev-good", "good", &v);
	ok(!v.allow, "cert serial=0a02: another serial is denied");
	is_str(v.msg,
	       "good may not GET /_ping: the client certificate's serial is not a02 (good:1)",
	       "... naming the serial wanted");
	ok(!allowed("requisite cert serial=0a0", "rev-good", "good"),
	   "cert serial=0a0: a prefix is not the serial");
	ok(allowed("requisite cert serial=f00d", "rev-listed", "listed"),
	   "cert serial=f00d: rev-listed (serial 00F00D as made)");

	snprintf(line, sizeof line, "requisite cert fingerprint=%s", fpr);
	ok(allowed(line, "rev-good", "good"),
	   "cert fingerprint= as openssl prints it (colons)");
	snprintf(line, sizeof line, "requisite cert fingerprint=%s", fprhex);
	ok(allowed(line, "rev-good", "good"), "cert fingerprint= as bare hex");
	run(line, "rev-listed", "listed", &v);
	ok(!v.allow, "cert fingerprint=: another certificate is denied");
	like(v.msg, "SHA-256 fingerprint is not ", "... naming the fingerprint");
	snprintf(line, sizeof line, "requisite cert fingerprint=%.60s", fprhex);
	ok(!allowed(line, "rev-good", "good"), "cert fingerprint=: a prefix is not enough");
}

static void test_cert_validity(void)
{
	struct verdict v;

	/* the fixtures are valid until 2126 */
	ok(allowed("requisite cert min-validity=7d", "client", "client"),
	   "cert min-validity=7d: a certificate valid for ~100 years passes");
	ok(allowed("requisite cert min-validity=36000d", "client", "client"),
	   "cert min-validity=36000d: still passes");
	run("requisite cert min-validity=40000d", "client", "client", &v);
	ok(!v.allow, "cert min-validity=40000d: expires too soon: denied");
	like(v.msg, "the client certificate expires within 3456000000 seconds (client:1)",
	     "... saying so in seconds");
	ok(allowed("requisite cert min-validity=3600s", "client", "client"),
	   "cert min-validity=3600s");
	ok(allowed("requisite cert min-validity=60m", "client", "client"),
	   "cert min-validity=60m");
	ok(allowed("requisite cert min-validity=24h", "client", "client"),
	   "cert min-validity=24h");
}

static void test_cert_nocert(void)
{
	struct verdict v;

	run("requisite cert ou=devs", NULL, NULL, &v);
	ok(!v.allow, "cert: a local caller (no certificate) is denied");
	like(v.msg, "no client certificate to check (@local:1)", "... saying so");
	run("requisite cert", NULL, NULL, &v);
	ok(!v.allow, "cert without criteria: still wants a certificate");
	ok(allowed("requisite cert", "client", "client"),
	   "cert without criteria: any certificate passes");

	/* "cnauthz test --cn": a CN without a certificate */
	{
		struct decide_opts o = {0};
		struct cnz_err err;
		struct ruleset *rs;
		struct decision d;
		const char *req = "{\"RequestMethod\":\"GET\",\"RequestUri\":\"/_ping\"}";

		put_rules("client", "requisite cert ou=devs\nsufficient permit *\n");
		rs = load();
		o.as = identity_named("client", &err);
		decide(rs, req, strlen(req), &o, &d);
		ok(!d.allow, "cert: a CN named without a certificate is denied");
		like(d.msg, "no client certificate to check", "... saying so");
		decision_clear(&d);
		identity_unref(o.as);
		ruleset_unref(rs);
	}
}

static void test_cert_errors(void)
{
	const char *e;

	e = load_error("client", "requisite cert ou=devs color=blue\n");
	like(e, where("client", 1, 24), "cert: an unknown criterion is an error at its column");
	like(e, "cert: unknown criterion (want cn=, ou=, o=, san=, issuer=, serial=, fingerprint=, min-validity=)",
	     "... listing the criteria");
	e = load_error("client", "requisite cert serial=xyz\n");
	like(e, where("client", 1, 16 + 7),
	     "cert serial=xyz: not hex: an error at the value's column");
	like(e, "serial= wants hexadecimal values", "... saying so");
	e = load_error("client", "requisite cert fingerprint=12:zz\n");
	like(e, "fingerprint= wants hexadecimal values", "cert fingerprint=12:zz: not hex");
	e = load_error("client", "requisite cert ou=\n");
	like(e, where("client", 1, 16 + 3), "cert ou=: an empty value is an error at its column");
	like(e, "ou= needs a value", "... saying so");
	e = load_error("client", "requisite cert min-validity=7w\n");
	like(e, where("client", 1, 16 + 13), "cert min-validity=7w: an error at the value");
	like(e, "min-validity= wants a number and s, m, h or d (7d)", "... saying what it wants");
	e = load_error("client", "requisite cert min-validity=-1d\n");
	like(e, "min-validity= wants", "cert min-validity=-1d: refused");
	/* the number alone: the unit was read past the value's end */
	e = load_error("client", "requisite cert min-validity=90\n");
	like(e, "min-validity= wants a number and s, m, h or d",
	     "cert min-validity=90 (no unit): refused");
}

/* ---- revoked ---- */

static void test_revoked(void)
{
	char line[1024];
	struct verdict v;
	char *crl = copy_fixture("rev-crl.pem");
	char *der = copy_fixture("rev-crl.der");
	char *other = copy_fixture("other-crl.pem");

	snprintf(line, sizeof line, "requisite revoked crl=%s", crl);
	run(line, "rev-revoked", "revoked", &v);
	ok(!v.allow, "revoked crl=PEM: a certificate the CRL lists is denied");
	{
		char want[1200];

		snprintf(want, sizeof want,
			 "revoked may not GET /_ping: the client certificate (serial 0a02) is revoked by the CRL %s (revoked:1)",
			 crl);
		is_str(v.msg, want, "... naming the serial and the CRL");
	}
	ok(allowed(line, "rev-good", "good"),
	   "revoked crl=PEM: a certificate of the same CA not listed passes");
	ok(allowed(line, "client", "client"),
	   "revoked crl=PEM: a certificate of another CA passes");
	run(line, NULL, NULL, &v);
	ok(v.allow, "revoked: a local caller (no certificate) passes");

	snprintf(line, sizeof line, "requisite revoked crl=%s", der);
	ok(!allowed(line, "rev-revoked", "revoked"), "revoked crl=DER: listed: denied");
	ok(allowed(line, "rev-good", "good"), "revoked crl=DER: not listed: passes");

	snprintf(line, sizeof line, "requisite revoked crl=%s", other);
	ok(allowed(line, "rev-revoked", "revoked"),
	   "revoked: another issuer's CRL naming the same serial does not count");
	ok(allowed(line, "rev-good", "good"),
	   "revoked: ... for either serial it names");
	snprintf(line, sizeof line, "requisite revoked crl=%s crl=%s", other, crl);
	ok(!allowed(line, "rev-revoked", "revoked"),
	   "revoked: several CRLs: the issuer's one counts");

	/* a filter never grants */
	snprintf(line, sizeof line, "sufficient revoked crl=%s\n", crl);
	put_rules("good", line);
	{
		struct ruleset *rs = load();
		char *req = req_from("rev-good", "good");
		struct decision d;

		decide(rs, req, strlen(req), NULL, &d);
		ok(!d.allow, "revoked alone allows nothing (a filter)");
		decision_clear(&d);
		free(req);
		ruleset_unref(rs);
	}
	free(crl);
	free(der);
	free(other);
}

static void test_revoked_list(void)
{
	char line[1024], list[2048];
	struct verdict v;
	const char *fpr = fact("rev-good", "sha256 Fingerprint", false);

	snprintf(list, sizeof list,
		 "# revoked by hand\n"
		 "00:F0:0D   # rev-listed, as openssl prints a serial\n"
		 "\n"
		 "  deadbeef\n");
	write_file(tmp("deny.list"), list, strlen(list), 0644);
	snprintf(line, sizeof line, "requisite revoked list=%s", tmp("deny.list"));
	run(line, "rev-listed", "listed", &v);
	ok(!v.allow, "revoked list=: a serial on the list is denied (colons, case, zeros)");
	{
		char want[1200];

		snprintf(want, sizeof want,
			 "listed may not GET /_ping: the client certificate (serial f00d) is on the deny-list %s (listed:1)",
			 tmp("deny.list"));
		is_str(v.msg, want, "... naming the serial and the list");
	}
	ok(allowed(line, "rev-good", "good"), "revoked list=: others pass");

	/* a fingerprint on the list; the rule set re-reads it when loaded */
	snprintf(list, sizeof list, "f00e\n%s\n", fpr);
	write_file(tmp("deny.list"), list, strlen(list), 0644);
	run(line, "rev-good", "good", &v);
	ok(!v.allow, "revoked list=: a SHA-256 fingerprint on the list is denied");
	like(v.msg, "(serial 0a01) is on the deny-list", "... naming the serial");
	ok(allowed(line, "rev-listed", "listed"),
	   "revoked list=: a new load reads the new list (rev-listed no longer on it)");

	/* errors reject the file at the argument's column */
	snprintf(list, sizeof list, "0a01\nnot-hex\n");
	write_file(tmp("bad.list"), list, strlen(list), 0644);
	snprintf(line, sizeof line, "requisite revoked list=%s\n", tmp("bad.list"));
	{
		const char *e = load_error("good", line);
		char want[1200];

		snprintf(want, sizeof want,
			 "%srevoked: %s:2: not a hexadecimal serial or fingerprint",
			 where("good", 1, 19), tmp("bad.list"));
		is_str(e, want, "revoked list=: a bad line rejects the rule file, file:line:col and the list's line");
	}
	snprintf(line, sizeof line, "requisite revoked crl=%s\n", tmp("bad.list"));
	like(load_error("good", line), "not a CRL (PEM or DER)",
	     "revoked crl=: a file that is not a CRL is an error");
	snprintf(line, sizeof line, "requisite revoked crl=%s\n", tmp("nonexistent.pem"));
	like(load_error("good", line), "No such file or directory",
	     "revoked crl=: a missing CRL is an error (fail closed)");
	like(load_error("good", "requisite revoked\n"),
	     "revoked needs crl=FILE or list=FILE", "revoked without files is an error");
	like(load_error("good", "requisite revoked file=x\n"),
	     where("good", 1, 19), "revoked: an unknown argument is an error at its column");

	/* the strict file checks apply to CRLs and lists */
	chmod(tmp("deny.list"), 0666);
	snprintf(line, sizeof line, "requisite revoked list=%s\n", tmp("deny.list"));
	like(load_error("good", line),
	     "deny.list is writable by others (mode 0666): refused",
	     "revoked list=: a world-writable list is refused, naming it");
	chmod(tmp("deny.list"), 0644);
	chmod(tmp("rev-crl.pem"), 0664);
	snprintf(line, sizeof line, "requisite revoked crl=%s\n", tmp("rev-crl.pem"));
	like(load_error("good", line),
	     "rev-crl.pem is writable by its group (mode 0664): refused",
	     "revoked crl=: a group-writable CRL is refused, naming it");
	chmod(tmp("rev-crl.pem"), 0644);
	if (symlink(tmp("rev-crl.pem"), tmp("link.pem")) < 0)
		bail_errno("symlink");
	snprintf(line, sizeof line, "requisite revoked crl=%s\n", tmp("link.pem"));
	like(load_error("good", line), "link.pem: ",
	     "revoked crl=: a symlinked CRL is refused");
}

int main(void)
{
	chmod(scratch_make("cert"), 0755);
	snprintf(rules, sizeof rules, "%s", scratch_at("rules"));
	if (mkdir(rules, 0755) < 0)
		bail_errno("mkdir");

	test_cert_names();
	test_cert_san_issuer();
	test_cert_serial_fpr();
	test_cert_validity();
	test_cert_nocert();
	test_cert_errors();
	test_revoked();
	test_revoked_list();

	scratch_remove();
	return done_testing();
}
