/*
 * t-audit.c - the audit trail: the record's text, what is never written,
 * the hash chain and what "audit verify" says about each way of tampering
 * with it, the AuthZReq/AuthZRes pairing, the sinks (file, syslog), fail
 * closed on a sink that cannot be written, and reopening after rotation.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "audit.h"
#include "auditpairs.h"
#include "auditverify.h"
#include "b64.h"
#include "decide.h"
#include "identity.h"
#include "ruleset.h"
#include "tap.h"
#include "testlib.h"
#include "view.h"

static const char *tmp; /* the scratch directory */

/* ---- helpers -------------------------------------------------------- */

static void spit(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");

	if (f != NULL) {
		fputs(text, f);
		fclose(f);
	}
}

/* "SCRATCH/name" */
static const char *tpath(const char *name)
{
	return scratch_at(name);
}

/* The file's lines (malloc'ed copies), at most max. */
static int lines_of(const char *path, char **v, int max)
{
	size_t len;
	char *text = slurp(path, &len), *s, *nl;
	int n = 0;

	if (text == NULL)
		return -1;
	for (s = text; n < max && (nl = strchr(s, '\n')) != NULL; s = nl + 1)
		v[n++] = strndup(s, (size_t)(nl - s));
	free(text);
	return n;
}

static void free_lines(char **v, int n)
{
	for (int i = 0; i < n; i++)
		free(v[i]);
}

/* Writes lines v[order[0]], v[order[1]], ... (-1 ends) to path. */
static void write_lines(const char *path, char **v, const int *order)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL)
		return;
	for (int i = 0; order[i] >= 0; i++)
		fprintf(f, "%s\n", v[order[i]]);
	fclose(f);
}

static char verr[2048], vout[2048];

/* audit verify on files, what it said in verr/vout; returns its status. */
static int verify(bool strict, const char *f1, const char *f2)
{
	const char *files[2] = {f1, f2};
	struct audit_verify_opts o = {strict, false, false};
	FILE *out = fmemopen(vout, sizeof vout, "w");
	FILE *err = fmemopen(verr, sizeof verr, "w");
	int rc;

	memset(verr, 0, sizeof verr);
	memset(vout, 0, sizeof vout);
	rc = audit_verify(files, f2 != NULL ? 2 : 1, &o, out, err);
	fclose(out);
	fclose(err);
	return rc;
}

static struct identity *client_id(void)
{
	char path[4096];
	size_t len;
	char *pem;
	struct cnz_err err;
	struct identity *id;

	snprintf(path, sizeof path, "%s/tests/fixtures/certs/client.pem",
		 tap_top());
	pem = slurp(path, &len);
	if (pem == NULL)
		return NULL;
	id = identity_from_pem(pem, len, &err);
	if (id == NULL)
		diag("client.pem: %s", err.msg);
	free(pem);
	return id;
}

/* A decision as decide() would leave it. */
static void mkdecision(struct decision *d, bool allow, const char *path,
		       const char *digest, int status)
{
	memset(d, 0, sizeof *d);
	d->allow = allow;
	snprintf(d->msg, sizeof d->msg, "%s", allow ? "allowed by admin:2"
						    : "client may not POST: no");
	snprintf(d->rule, sizeof d->rule, "%s", allow ? "admin:2" : "");
	snprintf(d->stack, sizeof d->stack, "client");
	snprintf(d->who, sizeof d->who, "local");
	snprintf(d->method, sizeof d->method, "POST");
	snprintf(d->path, sizeof d->path, "%s", path);
	snprintf(d->uri, sizeof d->uri, "/v1.41%s", path);
	snprintf(d->ruleset, sizeof d->ruleset, "%064d", 7);
	snprintf(d->digest, sizeof d->digest, "%s", digest);
	d->status = status;
	d->id = identity_local();
}

static struct audit *open1(const char *spec, bool fail_open)
{
	const char *sinks[1] = {spec};
	struct audit_opts o;
	struct cnz_err err;
	struct audit *a;

	memset(&o, 0, sizeof o);
	o.sinks = sinks;
	o.nsinks = 1;
	o.fail_open = fail_open;
	a = audit_open(&o, &err);
	if (a == NULL)
		diag("audit_open %s: %s", spec, err.msg);
	return a;
}

static json_t *parse(const char *line)
{
	json_error_t e;
	json_t *j = json_loads(line, 0, &e);

	if (j == NULL)
		diag("not JSON (%s): %s", e.text, line);
	return j;
}

#define DG_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define DG_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define DG_C "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"

/* ---- tests ------------------------------------------------------------ */

static void test_json_text(void)
{
	struct buf b;

	buf_init(&b);
	buf_add_json_str(&b, "a\"b\\c\n\t\x01/", 9);
	is_str(buf_cstr(&b), "\"a\\\"b\\\\c\\n\\t\\u0001/\"",
	       "quotes, backslashes and control bytes are escaped");
	b.len = 0;
	buf_add_json_str(&b, "caf\xc3\xa9 \xf0\x9f\x98\x80", 10);
	is_str(buf_cstr(&b), "\"caf\\u00e9 \\ud83d\\ude00\"",
	       "UTF-8 is written as \\u escapes, surrogate pairs above U+FFFF");
	b.len = 0;
	buf_add_json_str(&b, "x\xff\xc3y", 4);
	is_str(buf_cstr(&b), "\"x\\u00ff\\u00c3y\"",
	       "bytes that are not UTF-8 are written as their latin-1 code");
	buf_free(&b);
}

static void test_secret_keys(void)
{
	static const char *const secret[] = {
		"Env",        "env",	     "Cmd",	      "Entrypoint",
		"password",   "Password",    "secret",	      "api_token",
		"X-Registry-Auth", "Authorization", "key", "PrivateKey",
		"credentials", "BuildArgs",  "Cookie",	      "RequestBody",
		"RequestHeaders",
	};
	static const char *const plain[] = {
		"image", "host_access", "privileged", "binds", "capabilities",
		"devices", "network",
	};

	for (size_t i = 0; i < sizeof secret / sizeof secret[0]; i++)
		ok(view_fact_key_secret(secret[i]), "\"%s\" looks secret", secret[i]);
	for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++)
		ok(!view_fact_key_secret(plain[i]), "\"%s\" does not", plain[i]);
}

static void test_facts_scrubbed(void)
{
	struct cnauthz_request *v = view_new(NULL, NULL, NULL);
	char big[2000], *text;
	json_t *j;

	if (v == NULL)
		bail("view_new");
	view_fact_str(v, "image", "busybox");
	view_fact_json(v, "Env", "[\"SECRET=hunter2\"]", 18);
	view_fact_json(v, "privileged", "true", 4);
	view_fact_json(v, "binds", "[\"/srv:/srv\"]", 13);
	view_fact_str(v, "password", "hunter3");
	view_fact_json(v, "n", "2.5", 3);
	view_fact_str(v, "Cmd", "echo hunter5");
	view_fact_json(v, "none", "null", 4);
	text = view_take_facts(v);
	j = parse(text != NULL ? text : "");
	ok(j != NULL, "facts are written as JSON");
	ok(text != NULL && strstr(text, "hunter") == NULL,
	   "no value under a secret-looking key: %s", text ? text : "");
	is_str(json_string_value(json_object_get(j, "image")), "busybox",
	       "the image is kept");
	ok(json_is_true(json_object_get(j, "privileged")), "booleans are kept");
	is_str(json_string_value(json_array_get(json_object_get(j, "binds"), 0)),
	       "/srv:/srv", "arrays are kept");
	ok(json_is_null(json_object_get(j, "none")), "null is kept");
	like(text ? text : "", "\"n\":2.5", "numbers are kept");
	json_decref(j);
	free(text);

	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	view_fact_str(v, "image", big);
	text = view_take_facts(v);
	j = parse(text != NULL ? text : "");
	is_int((long long)strlen(json_string_value(json_object_get(j, "image"))),
	       512 + 3, "a long string value is cut at 512 bytes, with \"...\"");
	ok(text != NULL && strncmp(text, "{\"image\":\"x", 11) == 0,
	   "a key recorded again keeps its place, its value replaced");
	json_decref(j);
	free(text);
	view_release(v);
}

static void test_pairs(void)
{
	struct audit_pairs *p = audit_pairs_new(4);
	uint64_t id = 0;

	ok(p != NULL, "a pairing table");
	audit_pairs_push(p, DG_A, 1);
	audit_pairs_push(p, DG_B, 2);
	audit_pairs_push(p, DG_A, 3);
	is_int((long long)audit_pairs_count(p), 3, "three entries");
	ok(audit_pairs_pop(p, DG_A, &id) && id == 1,
	   "identical requests pair first in, first out (1)");
	ok(audit_pairs_pop(p, DG_A, &id) && id == 3, "... then 3");
	ok(!audit_pairs_pop(p, DG_A, &id), "... then none");
	ok(!audit_pairs_pop(p, DG_C, &id), "an unknown digest pairs with nothing");
	audit_pairs_push(p, "", 9);
	audit_pairs_push(p, "not hex", 9);
	is_int((long long)audit_pairs_count(p), 1, "no digest: nothing kept");
	for (uint64_t i = 10; i < 20; i++)
		audit_pairs_push(p, i % 2 ? DG_C : DG_A, i);
	is_int((long long)audit_pairs_count(p), 4, "capped at its size");
	ok(!audit_pairs_pop(p, DG_B, &id), "the oldest entries were evicted");
	ok(audit_pairs_pop(p, DG_A, &id) && id == 16,
	   "the newest stay, in order (16)");
	ok(audit_pairs_pop(p, DG_C, &id) && id == 17, "(17)");
	ok(audit_pairs_pop(p, DG_A, &id) && id == 18, "(18)");
	ok(audit_pairs_pop(p, DG_C, &id) && id == 19, "(19)");
	is_int((long long)audit_pairs_count(p), 0, "empty again");
	audit_pairs_free(p);
}

/* Five records: Req allow A, Res A 201, Req deny B, Res B (unpaired), and
 * a Res without a status (not recorded). */
static int write_five(struct audit *a, char *why)
{
	struct decision d;
	int rc = 0;

	mkdecision(&d, true, "/containers/create", DG_A, 0);
	rc |= audit_record(a, SERVER_AUTHZ_REQ, &d, why, 256);
	decision_clear(&d);
	mkdecision(&d, true, "/containers/create", DG_A, 201);
	rc |= audit_record(a, SERVER_AUTHZ_RES, &d, why, 256);
	decision_clear(&d);
	mkdecision(&d, false, "/volumes/create", DG_B, 0);
	rc |= audit_record(a, SERVER_AUTHZ_REQ, &d, why, 256);
	decision_clear(&d);
	mkdecision(&d, true, "/volumes/create", DG_B, 200);
	rc |= audit_record(a, SERVER_AUTHZ_RES, &d, why, 256);
	decision_clear(&d);
	mkdecision(&d, true, "/containers/x/attach", DG_C, 0);
	rc |= audit_record(a, SERVER_AUTHZ_REQ, &d, why, 256);
	decision_clear(&d);
	mkdecision(&d, true, "/containers/x/attach", DG_C, 0);
	rc |= audit_record(a, SERVER_AUTHZ_RES, &d, why, 256);
	decision_clear(&d);
	return rc;
}

static void test_records(void)
{
	struct audit *a;
	char why[256], spec[600], *v[16];
	json_t *j[6] = {NULL};
	int n;

	snprintf(spec, sizeof spec, "file:%s", tpath("rec.log"));
	a = open1(spec, false);
	if (!ok(a != NULL, "a file sink opens"))
		return;
	is_int(write_five(a, why), 0, "five decisions recorded");
	is_int((long long)audit_seq(a), 5, "... seq is 5 (an AuthZRes without status is not recorded)");
	audit_close(a);
	n = lines_of(tpath("rec.log"), v, 16);
	is_int(n, 5, "one line per record");
	for (int i = 0; i < n && i < 5; i++)
		j[i] = parse(v[i]);
	ok(j[0] && j[1] && j[2] && j[3] && j[4], "every line is a JSON object");
	if (!(j[0] && j[1] && j[2] && j[3] && j[4]))
		goto out;
	like(v[0], "{\"seq\":1,\"start\":{\"pid\":", "the first record starts the chain");
	ok(json_object_get(j[1], "start") == NULL, "... the others do not");
	is_str(json_string_value(json_object_get(j[0], "prev")),
	       "0000000000000000000000000000000000000000000000000000000000000000",
	       "the first prev is all zeros");
	for (int i = 1; i < 5; i++) {
		is_int(json_integer_value(json_object_get(j[i], "seq")), i + 1,
		       "record %d: seq %d", i + 1, i + 1);
		is_str(json_string_value(json_object_get(j[i], "prev")),
		       json_string_value(json_object_get(j[i - 1], "hash")),
		       "record %d: prev is the hash of record %d", i + 1, i);
	}
	like(json_string_value(json_object_get(j[0], "time")), "Z",
	     "time is UTC");
	is_int((long long)strlen(json_string_value(json_object_get(j[0], "time"))),
	       27, "time is RFC 3339 with microseconds (27 characters)");
	is_str(json_string_value(json_object_get(j[0], "call")), "AuthZReq", "call");
	is_int(json_integer_value(json_object_get(j[0], "req")), 1,
	       "an AuthZReq's request id is its own seq");
	is_str(json_string_value(json_object_get(j[1], "call")), "AuthZRes",
	       "an AuthZRes with a status is recorded");
	is_int(json_integer_value(json_object_get(j[1], "req")), 1,
	       "... with the request id of its AuthZReq");
	is_int(json_integer_value(json_object_get(j[1], "status")), 201,
	       "... and the response status");
	ok(json_is_null(json_object_get(j[0], "status")),
	   "an AuthZReq's status is null");
	is_str(json_string_value(json_object_get(j[2], "decision")), "deny",
	       "decision deny");
	ok(json_is_null(json_object_get(j[2], "rule")), "no deciding rule: null");
	ok(json_is_null(json_object_get(j[3], "req")),
	   "the AuthZRes of a denied request pairs with nothing: null");
	is_str(json_string_value(json_object_get(j[4], "path")),
	       "/containers/x/attach", "the attach AuthZReq is recorded");
	ok(json_is_true(json_object_get(json_object_get(j[0], "who"), "local")),
	   "a local caller is {\"local\":true}");
	is_str(json_string_value(json_object_get(j[0], "rule")), "admin:2",
	       "rule file:line");
	is_str(json_string_value(json_object_get(j[0], "uri")),
	       "/v1.41/containers/create", "the raw URI");
	is_int((long long)strlen(json_string_value(json_object_get(j[0], "ruleset"))),
	       64, "the rule set hash");
	ok(json_is_object(json_object_get(j[0], "facts")), "facts, an object");
	like(v[0], "\"facts\":{},\"prev\":\"", "... then prev, then hash, last");
	is_int(verify(false, tpath("rec.log"), NULL), 0, "audit verify passes");
	like(vout, "ok, 5 record(s), seq 1..5, 1 process start(s)", "... and says so");
out:
	for (int i = 0; i < 5; i++)
		json_decref(j[i]);
	free_lines(v, n);
}

static void test_identity_fields(void)
{
	char spec[600], why[256], *v[2];
	struct audit *a;
	struct decision d;
	json_t *j, *who;
	int n;

	snprintf(spec, sizeof spec, "file:%s", tpath("who.log"));
	a = open1(spec, false);
	mkdecision(&d, true, "/_ping", DG_A, 0);
	identity_unref(d.id);
	d.id = client_id();
	if (!ok(a != NULL && d.id != NULL, "an audit and client's certificate"))
		return;
	audit_record(a, SERVER_AUTHZ_REQ, &d, why, sizeof why);
	decision_clear(&d);
	audit_close(a);
	n = lines_of(tpath("who.log"), v, 2);
	j = n == 1 ? parse(v[0]) : NULL;
	who = json_object_get(j, "who");
	/* tests/fixtures/certs/client.facts: what openssl said */
	is_str(json_string_value(json_object_get(who, "cn")), "client", "who.cn");
	is_str(json_string_value(json_object_get(who, "sha256")),
	       "1fd859367e03b8344455bb15b1d99425d1c1bd7a438649eed12904c00f87d1d9",
	       "who.sha256: the certificate's fingerprint");
	is_str(json_string_value(json_object_get(who, "serial")),
	       "35632e4a1192bff38fde2e28a8b1447f", "who.serial");
	is_str(json_string_value(json_object_get(who, "issuer")),
	       "CN=cnauthz test CA", "who.issuer");
	is_str(json_string_value(json_object_get(who, "not_after")),
	       "2126-11-05T15:13:43Z", "who.not_after");
	json_decref(j);
	free_lines(v, n);
}

/* A real decision: client's stack (hostaccess) on a privileged create
 * whose Env and Cmd hold a secret. */
static void test_no_secret_from_decide(void)
{
	static const char create[] =
		"{\"Image\":\"busybox\",\"Env\":[\"SECRET=hunter2-env\"],"
		"\"Cmd\":[\"sh\",\"-c\",\"echo hunter2-cmd\"],"
		"\"Entrypoint\":[\"hunter2-ep\"],"
		"\"HostConfig\":{\"Privileged\":true}}";
	char dir[4096], *b64, body[2048], spec[600], why[256];
	struct ruleset_opts ro;
	struct cnz_err err;
	struct ruleset *rs;
	struct decide_opts o;
	struct decision d;
	struct audit *a;
	size_t len;
	char *text;

	memset(&ro, 0, sizeof ro);
	ro.insecure_permissions = true;
	snprintf(dir, sizeof dir, "%s/rules", tap_top());
	rs = ruleset_load(dir, &ro, &err);
	memset(&o, 0, sizeof o);
	o.as = client_id();
	if (!ok(rs != NULL && o.as != NULL, "rules/ and client's identity")) {
		ruleset_unref(rs);
		identity_unref(o.as);
		return;
	}
	b64 = b64_encode((const unsigned char *)create, strlen(create), &len);
	snprintf(body, sizeof body,
		 "{\"RequestMethod\":\"POST\",\"RequestUri\":\"/v1.41/containers/create?name=hunter2-name\","
		 "\"RequestHeaders\":{\"Content-Type\":\"application/json\",\"X-Registry-Auth\":\"hunter2-hdr\"},"
		 "\"RequestBody\":\"%s\"}",
		 b64 != NULL ? b64 : "");
	free(b64);
	decide(rs, body, strlen(body), &o, &d);
	ok(!d.allow, "client may not create a privileged container");
	snprintf(spec, sizeof spec, "file:%s", tpath("secret.log"));
	a = open1(spec, false);
	if (a != NULL)
		audit_record(a, SERVER_AUTHZ_REQ, &d, why, sizeof why);
	audit_close(a);
	text = slurp(tpath("secret.log"), &len);
	ok(text != NULL && len > 0, "the denial is recorded");
	like(text ? text : "", "\"image\":\"busybox\"", "the facts name the image");
	like(text ? text : "", "\"host_access\":", "... and what hostaccess saw");
	like(text ? text : "", "\"rule\":\"@developer:", "... and the deciding rule");
	ok(text != NULL && strstr(text, "hunter2-env") == NULL &&
		   strstr(text, "hunter2-cmd") == NULL &&
		   strstr(text, "hunter2-ep") == NULL &&
		   strstr(text, "hunter2-hdr") == NULL,
	   "no Env, Cmd, Entrypoint or header value reaches the record");
	like(text ? text : "", "name=hunter2-name",
	     "(the raw URI is kept as given: documented)");
	free(text);
	decision_clear(&d);
	identity_unref(o.as);
	ruleset_unref(rs);
}

static void test_verify_tampering(void)
{
	char spec[600], why[256], *v[16], *forged = NULL, hex[65];
	const char *claimed;
	struct audit *a;
	int n;

	snprintf(spec, sizeof spec, "file:%s", tpath("chain.log"));
	a = open1(spec, false);
	if (a == NULL)
		return;
	write_five(a, why);
	audit_close(a);
	n = lines_of(tpath("chain.log"), v, 16);
	if (!is_int(n, 5, "five records to tamper with"))
		return;

	write_lines(tpath("t.log"), v, (const int[]){0, 1, 2, 3, 4, -1});
	is_int(verify(false, tpath("t.log"), NULL), 0, "untouched: ok");

	{ /* edited */
		char *e = strdup(v[2]);
		char *p = strstr(e, "\"deny\"");

		if (p != NULL)
			memcpy(p, "\"allo\"", 6);
		spit(tpath("t.log"), "");
		write_lines(tpath("t.log"), (char *[]){v[0], v[1], e, v[3], v[4]},
			    (const int[]){0, 1, 2, 3, 4, -1});
		is_int(verify(false, tpath("t.log"), NULL), 1, "an edited record: broken");
		like(verr, "t.log:3: seq 3: the hash does not match",
		     "... named by line and seq");
		free(e);
	}
	write_lines(tpath("t.log"), v, (const int[]){0, 1, 3, 4, -1});
	is_int(verify(false, tpath("t.log"), NULL), 1, "a deleted record: broken");
	like(verr, "t.log:3: seq 4: record seq 3 is missing",
	     "... the missing seq is named");
	write_lines(tpath("t.log"), v, (const int[]){0, 1, 4, -1});
	is_int(verify(false, tpath("t.log"), NULL), 1, "two deleted: broken");
	like(verr, "records seq 3..4 are missing", "... both named");
	write_lines(tpath("t.log"), v, (const int[]){0, 2, 1, 3, 4, -1});
	is_int(verify(false, tpath("t.log"), NULL), 1, "reordered records: broken");
	like(verr, "t.log:2: seq 3:", "... at the first one out of place");
	write_lines(tpath("t.log"), v, (const int[]){0, 1, 1, 2, 3, 4, -1});
	is_int(verify(false, tpath("t.log"), NULL), 1, "a repeated record: broken");
	like(verr, "t.log:3: seq 2: seq 2 after seq 2", "... named");

	/* An inserted record whose own hash is right: the next one's prev
	 * gives it away. */
	{
		struct buf b;
		size_t cut;

		buf_init(&b);
		buf_adds(&b, v[2]);
		cut = b.len - (64 + 2 + strlen(",\"hash\":\""));
		b.len = cut;
		{
			char *p = strstr(b.p, "\"deny\"");

			if (p != NULL)
				memcpy(p, "\"allo\"", 6);
		}
		buf_adds(&b, ",\"hash\":\"");
		buf_add(&b, "0000000000000000000000000000000000000000000000000000000000000000", 64);
		buf_adds(&b, "\"}");
		buf_cstr(&b);
		if (audit_line_hash(b.p, b.len, hex, &claimed) == 0) {
			memcpy(b.p + cut + strlen(",\"hash\":\""), hex, 64);
			forged = strdup(b.p);
		}
		buf_free(&b);
		ok(forged != NULL, "a forged record with a correct hash of its own");
		write_lines(tpath("t.log"), (char *[]){v[0], v[1], forged, v[3], v[4]},
			    (const int[]){0, 1, 2, 3, 4, -1});
		is_int(verify(false, tpath("t.log"), NULL), 1, "a replaced record: broken");
		like(verr, "t.log:4: seq 4: prev is not the hash of seq 3",
		     "... the record after it names it");
		free(forged);
	}

	write_lines(tpath("t.log"), v, (const int[]){0, 1, 2, 3, 4, -1});
	{
		FILE *f = fopen(tpath("t.log"), "ab");

		if (f != NULL) {
			fputs("{\"seq\":6,\"time\":\"2", f);
			fclose(f);
		}
	}
	is_int(verify(false, tpath("t.log"), NULL), 1, "a torn last line: broken");
	like(verr, "t.log:6: the last record is cut short", "... named");
	spit(tpath("t.log"), "not json\n");
	is_int(verify(false, tpath("t.log"), NULL), 1, "a line that is not JSON: broken");
	like(verr, "t.log:1: not a JSON record", "... named");

	/* rotation: the chain goes on across files */
	write_lines(tpath("old.log"), v, (const int[]){0, 1, 2, -1});
	write_lines(tpath("new.log"), v, (const int[]){3, 4, -1});
	is_int(verify(false, tpath("old.log"), tpath("new.log")), 0,
	       "a rotated log: old then new file, one chain");
	is_int(verify(false, tpath("new.log"), tpath("old.log")), 1,
	       "... given in the wrong order: broken");
	like(verr, "old.log:1: seq 1: a chain start earlier than",
	     "... a start cannot be older than the record before it");
	is_int(verify(false, tpath("new.log"), NULL), 0,
	       "the newer file alone: ok");
	like(vout, "new.log:1: seq 4 continues a chain from an earlier file",
	     "... saying it continues an earlier file");
	is_int(verify(true, tpath("new.log"), NULL), 1, "... an error with --strict");
	write_lines(tpath("old.log"), v, (const int[]){0, 1, -1});
	is_int(verify(false, tpath("old.log"), tpath("new.log")), 1,
	       "a record lost between two files: broken");
	like(verr, "new.log:1: seq 4: record seq 3 is missing", "... named");
	is_int(verify(false, tpath("nonexistent.log"), NULL), 2,
	       "a file that cannot be read: 2");
	free_lines(v, n);
}

static void test_lifetimes(void)
{
	char spec[600], why[256];
	struct audit *a;

	snprintf(spec, sizeof spec, "file:%s", tpath("life.log"));
	for (int i = 0; i < 3; i++) {
		a = open1(spec, false);
		if (a == NULL)
			return;
		write_five(a, why);
		audit_close(a);
	}
	is_int(verify(true, tpath("life.log"), NULL), 0,
	       "three process lifetimes in one file: ok, even --strict");
	like(vout, "ok, 15 record(s), seq 1..5, 3 process start(s)", "... three starts");
}

static void test_fail_closed(void)
{
	const char *sinks[2];
	char spec[600], spec2[600], why[256], *v[4];
	struct audit_opts o;
	struct cnz_err err;
	struct audit *a;
	struct decision d;
	struct rlimit rl, old;
	struct stat st;
	int n;

	a = open1("file:/dev/full", false);
	if (!ok(a != NULL, "a sink on /dev/full"))
		return;
	mkdecision(&d, true, "/_ping", DG_A, 0);
	is_int(audit_record(a, SERVER_AUTHZ_REQ, &d, why, sizeof why), -1,
	       "a record that cannot be written: -1");
	like(why, "file:/dev/full: No space left on device", "... why says which sink and why");
	is_int((long long)audit_seq(a), 0, "... and it is not part of the chain");
	audit_close(a);

	/* Two sinks, one failing: the record is in the other, in the chain. */
	snprintf(spec, sizeof spec, "file:%s", tpath("two.log"));
	sinks[0] = spec;
	sinks[1] = "file:/dev/full";
	memset(&o, 0, sizeof o);
	o.sinks = sinks;
	o.nsinks = 2;
	a = audit_open(&o, &err);
	if (a == NULL)
		return;
	is_int(audit_record(a, SERVER_AUTHZ_REQ, &d, why, sizeof why), -1,
	       "one of two sinks failing: -1 too");
	is_int((long long)audit_seq(a), 1, "... but the record is in the chain");
	audit_close(a);
	n = lines_of(tpath("two.log"), v, 4);
	is_int(n, 1, "... and in the sink that took it");
	free_lines(v, n);

	/* A file size limit: a record cut short is cut off again. */
	snprintf(spec2, sizeof spec2, "file:%s", tpath("fsize.log"));
	a = open1(spec2, false);
	if (a == NULL)
		return;
	is_int(audit_record(a, SERVER_AUTHZ_REQ, &d, why, sizeof why), 0,
	       "a first record");
	stat(tpath("fsize.log"), &st);
	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &old);
	rl = old;
	rl.rlim_cur = (rlim_t)st.st_size + 100;
	setrlimit(RLIMIT_FSIZE, &rl);
	is_int(audit_record(a, SERVER_AUTHZ_REQ, &d, why, sizeof why), -1,
	       "a record beyond the file size limit: -1");
	like(why, "File too large", "... saying why");
	{
		struct stat st2;

		stat(tpath("fsize.log"), &st2);
		is_int((long long)st2.st_size, (long long)st.st_size,
		       "... and the 100 bytes that fit were cut off again: no torn line");
	}
	is_int(audit_record(a, SERVER_AUTHZ_REQ, &d, why, sizeof why), -1,
	       "still failing");
	setrlimit(RLIMIT_FSIZE, &old);
	is_int(audit_record(a, SERVER_AUTHZ_REQ, &d, why, sizeof why), 0,
	       "the limit lifted: records are written again");
	is_int((long long)audit_seq(a), 2, "... with the next seq: none lost, none skipped");
	audit_close(a);
	decision_clear(&d);
	is_int(verify(false, tpath("fsize.log"), NULL), 0,
	       "the file verifies after the failure");
}

static void test_syslog(void)
{
	char sock[300], spec[400], why[256], msg[8192];
	struct sockaddr_un sa;
	struct timeval tv = {2, 0};
	struct audit *a;
	struct decision d;
	ssize_t n;
	int fd;

	snprintf(sock, sizeof sock, "%s/log.sock", tmp);
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	if (strlen(sock) < sizeof sa.sun_path)
		memcpy(sa.sun_path, sock, strlen(sock) + 1);
	if (!ok(fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0,
		"a syslog socket of our own"))
		return;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	snprintf(spec, sizeof spec, "syslog:local3@%s", sock);
	a = open1(spec, false);
	if (a == NULL)
		return;
	mkdecision(&d, true, "/_ping", DG_A, 0);
	is_int(audit_record(a, SERVER_AUTHZ_REQ, &d, why, sizeof why), 0,
	       "an allowed request sent to syslog");
	decision_clear(&d);
	n = recv(fd, msg, sizeof msg - 1, 0);
	msg[n > 0 ? n : 0] = '\0';
	like(msg, "<158>1 ", "RFC 5424: local3.info for an allow (PRI 158), version 1");
	like(msg, " cnauthz ", "APP-NAME cnauthz");
	like(msg, " AuthZReq - {\"seq\":1,", "MSGID AuthZReq, no SD, then the record");
	ok(n > 0 && msg[n - 1] == '}', "... with no newline");

	mkdecision(&d, false, "/volumes/create", DG_B, 0);
	audit_record(a, SERVER_AUTHZ_REQ, &d, why, sizeof why);
	n = recv(fd, msg, sizeof msg - 1, 0);
	msg[n > 0 ? n : 0] = '\0';
	like(msg, "<157>1 ", "a denial by the rules: local3.notice (157)");
	identity_unref(d.id);
	d.id = NULL;
	d.stack[0] = '\0';
	audit_record(a, SERVER_AUTHZ_REQ, &d, why, sizeof why);
	n = recv(fd, msg, sizeof msg - 1, 0);
	msg[n > 0 ? n : 0] = '\0';
	like(msg, "<156>1 ", "a request that could not be judged: local3.warning (156)");
	decision_clear(&d);

	close(fd);
	unlink(sock);
	mkdecision(&d, true, "/_ping", DG_A, 0);
	is_int(audit_record(a, SERVER_AUTHZ_REQ, &d, why, sizeof why), -1,
	       "the syslog socket gone: the record fails");
	like(why, "syslog:local3@", "... why names the sink");
	decision_clear(&d);
	audit_close(a);

	a = open1("syslog:nosuch", false);
	ok(a == NULL, "an unknown facility is refused");
	a = open1("syslog@relative", false);
	ok(a == NULL, "a relative socket path is refused");
	a = open1("file:relative.log", false);
	ok(a == NULL, "a relative file path is refused");
	a = open1("carrier-pigeon", false);
	ok(a == NULL, "an unknown sink is refused");
}

static void test_reopen(void)
{
	char spec[600], why[256], *v[16];
	struct audit *a;
	int n;

	snprintf(spec, sizeof spec, "file:%s", tpath("rot.log"));
	a = open1(spec, false);
	if (a == NULL)
		return;
	write_five(a, why);
	rename(tpath("rot.log"), tpath("rot.log.1"));
	write_five(a, why); /* still to the renamed file */
	is_int(audit_reopen(a, why, sizeof why), 0, "reopen after a rename");
	write_five(a, why);
	audit_close(a);
	n = lines_of(tpath("rot.log.1"), v, 16);
	is_int(n, 10, "records before the reopen stay in the old file");
	free_lines(v, n);
	n = lines_of(tpath("rot.log"), v, 16);
	is_int(n, 5, "records after it go to the new file");
	free_lines(v, n);
	is_int(verify(true, tpath("rot.log.1"), tpath("rot.log")), 0,
	       "both files verify as one chain");
}

int main(void)
{
	tmp = scratch_make("audit");
	test_json_text();
	test_secret_keys();
	test_facts_scrubbed();
	test_pairs();
	test_records();
	test_identity_fields();
	test_no_secret_from_decide();
	test_verify_tampering();
	test_lifetimes();
	test_fail_closed();
	test_syslog();
	test_reopen();
	scratch_remove();
	return done_testing();
}
