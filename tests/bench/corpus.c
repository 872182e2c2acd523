/* corpus.c - see corpus.h */
#include "corpus.h"

#include <jansson.h>
#include <limits.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "decide.h"
#include "ruleset.h"

unsigned long long bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ULL +
	       (unsigned long long)ts.tv_nsec;
}

const char *corpus_top(void)
{
	static char top[PATH_MAX];
	const char *e = getenv("CNAUTHZ_TOP");
	char probe[PATH_MAX + 64];
	ssize_t n;

	if (top[0] != '\0')
		return top;
	if (e != NULL && e[0] != '\0') {
		snprintf(top, sizeof top, "%s", e);
		return top;
	}
	/* up from the binary (tests/bench/bin/NAME) to the tree's top */
	n = readlink("/proc/self/exe", top, sizeof top - 1);
	top[n > 0 ? n : 0] = '\0';
	for (char *s; (s = strrchr(top, '/')) != NULL && s != top;) {
		*s = '\0';
		snprintf(probe, sizeof probe,
			 "%s/tests/fixtures/captures/dockerd-20.10-authz.jsonl",
			 top);
		if (access(probe, R_OK) == 0)
			return top;
	}
	snprintf(top, sizeof top, ".");
	return top;
}

static int push(struct bench_corpus *c, char *name, char *body, size_t len,
		bool synthetic, bool huge)
{
	struct bench_req *nv = realloc(c->v, (c->n + 1) * sizeof *nv);

	if (nv == NULL || name == NULL || body == NULL) {
		free(name);
		free(body);
		if (nv != NULL)
			c->v = nv;
		return -1;
	}
	c->v = nv;
	c->v[c->n].name = name;
	c->v[c->n].body = body;
	c->v[c->n].len = len;
	c->v[c->n].synthetic = synthetic;
	c->v[c->n].huge = huge;
	c->v[c->n].expect = -1;
	c->n++;
	return 0;
}

static char *dump(const json_t *j, size_t *len)
{
	char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);

	if (s != NULL)
		*len = strlen(s);
	return s;
}

/* Each record of the file, parsed; calls fn(lineno, record, arg). */
static int each_record(const char *path,
		       int (*fn)(int no, json_t *rec, void *arg), void *arg)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	int no = 0, rc = 0;

	if (f == NULL) {
		perror(path);
		return -1;
	}
	while (rc == 0 && getline(&line, &cap, f) > 0) {
		json_error_t je;
		json_t *rec = json_loads(line, 0, &je);

		no++;
		if (rec == NULL) {
			fprintf(stderr, "%s:%d: %s\n", path, no, je.text);
			rc = -1;
			break;
		}
		rc = fn(no, rec, arg);
		json_decref(rec);
	}
	free(line);
	fclose(f);
	return rc;
}

static bool is_req(json_t *rec)
{
	const char *ep = json_string_value(json_object_get(rec, "endpoint"));

	return ep != NULL && strcmp(ep, "/AuthZPlugin.AuthZReq") == 0 &&
	       json_is_object(json_object_get(rec, "body"));
}

static int add_capture(int no, json_t *rec, void *arg)
{
	struct bench_corpus *c = arg;
	json_t *body = json_object_get(rec, "body");
	const char *user, *method, *uri;
	char *name = NULL, *s;
	size_t len = 0;

	if (!is_req(rec))
		return 0;
	user = json_string_value(json_object_get(body, "User"));
	method = json_string_value(json_object_get(body, "RequestMethod"));
	uri = json_string_value(json_object_get(body, "RequestUri"));
	if (asprintf(&name, "cap:%d %s %s %.70s", no,
		     user != NULL ? user : "(local)",
		     method != NULL ? method : "?", uri != NULL ? uri : "?") < 0)
		name = NULL;
	s = dump(body, &len);
	return push(c, name, s, len, false, false);
}

int corpus_add_captures(struct bench_corpus *c, const char *path)
{
	return each_record(path, add_capture, c);
}

/* --- synthetic requests ------------------------------------------------ */

struct templates {
	json_t *client; /* envelope of a client POST /containers/create */
	json_t *admin;
};

static int find_templates(int no, json_t *rec, void *arg)
{
	struct templates *t = arg;
	json_t *body = json_object_get(rec, "body");
	const char *user, *method, *uri;

	(void)no;
	if (!is_req(rec) || json_object_get(body, "RequestBody") == NULL)
		return 0;
	user = json_string_value(json_object_get(body, "User"));
	method = json_string_value(json_object_get(body, "RequestMethod"));
	uri = json_string_value(json_object_get(body, "RequestUri"));
	if (user == NULL || method == NULL || uri == NULL ||
	    strcmp(method, "POST") != 0 ||
	    strncmp(uri, "/v1.41/containers/create", 24) != 0)
		return 0;
	if (strcmp(user, "client") == 0 && t->client == NULL)
		t->client = json_deep_copy(body);
	else if (strcmp(user, "admin") == 0 && t->admin == NULL)
		t->admin = json_deep_copy(body);
	return 0;
}

/* The create body the template carries, decoded. */
static json_t *template_create_body(const json_t *env)
{
	const char *b64 = json_string_value(json_object_get(env, "RequestBody"));
	size_t n = b64 != NULL ? strlen(b64) : 0;
	unsigned char *raw = malloc(n / 4 * 3 + 4);
	json_t *j = NULL;
	int got;

	if (raw == NULL || b64 == NULL)
		goto out;
	got = EVP_DecodeBlock(raw, (const unsigned char *)b64, (int)n);
	if (got < 0)
		goto out;
	while (got > 0 && n > 0 && b64[n - 1] == '=') { /* padding */
		got--;
		n--;
	}
	j = json_loadb((const char *)raw, (size_t)got, 0, NULL);
out:
	free(raw);
	return j;
}

/* The envelope with RequestBody (and its Content-Length) replaced. */
static char *envelope(const json_t *tmpl, const char *uri,
		      const json_t *create, size_t *len)
{
	json_t *env = json_deep_copy(tmpl);
	json_t *hdrs = json_object_get(env, "RequestHeaders");
	char *body = dump(create, len), *b64 = NULL, *out = NULL, cl[32];
	size_t blen = body != NULL ? *len : 0;

	if (env == NULL || body == NULL)
		goto out;
	b64 = malloc(4 * ((blen + 2) / 3) + 1);
	if (b64 == NULL)
		goto out;
	EVP_EncodeBlock((unsigned char *)b64, (const unsigned char *)body,
			(int)blen);
	json_object_set_new(env, "RequestBody", json_string(b64));
	if (uri != NULL)
		json_object_set_new(env, "RequestUri", json_string(uri));
	snprintf(cl, sizeof cl, "%zu", blen);
	if (json_is_object(hdrs))
		json_object_set_new(hdrs, "Content-Length", json_string(cl));
	out = dump(env, len);
out:
	free(b64);
	free(body);
	json_decref(env);
	return out;
}

/* n Env entries of about width bytes each, and nlabels labels. */
static void add_env_labels(json_t *create, int n, int width, int nlabels)
{
	json_t *env = json_array(), *labels = json_object();
	char *v = malloc((size_t)width + 32);

	for (int i = 0; i < n && v != NULL; i++) {
		int k = snprintf(v, (size_t)width + 32, "BENCH_VAR_%05d=", i);

		for (; k < width; k++)
			v[k] = (char)('a' + (k + i) % 26);
		v[k] = '\0';
		json_array_append_new(env, json_string(v));
	}
	for (int i = 0; i < nlabels && v != NULL; i++) {
		char key[64];

		snprintf(key, sizeof key, "com.example.bench.label-%04d", i);
		snprintf(v, (size_t)width + 32,
			 "value %d of a label that a compose file would set", i);
		json_object_set_new(labels, key, json_string(v));
	}
	free(v);
	json_object_set_new(create, "Env", env);
	json_object_set_new(create, "Labels", labels);
}

/* n named-volume Binds and n volume Mounts; with host, the last Bind is a
 * host path (/srv/bench-data). */
static void add_binds(json_t *create, int n, bool host)
{
	json_t *hc = json_object_get(create, "HostConfig");
	json_t *binds = json_array(), *mounts = json_array();
	char s[128], t[128];

	for (int i = 0; i < n; i++) {
		if (host && i == n - 1)
			snprintf(s, sizeof s, "/srv/bench-data:/data/%04d:ro", i);
		else
			snprintf(s, sizeof s, "benchvol%04d:/data/%04d", i, i);
		json_array_append_new(binds, json_string(s));
		snprintf(s, sizeof s, "benchmnt%04d", i);
		snprintf(t, sizeof t, "/mnt/%04d", i);
		json_array_append_new(mounts,
				      json_pack("{s:s, s:s, s:s, s:b}", "Type",
						"volume", "Source", s, "Target",
						t, "ReadOnly", 0));
	}
	json_object_set_new(hc, "Binds", binds);
	json_object_set_new(hc, "Mounts", mounts);
}

int corpus_add_synthetic(struct bench_corpus *c, const char *path, bool huge)
{
	struct templates t = {NULL, NULL};
	json_t *base = NULL, *j;
	const char *uri = "/v1.41/containers/create?name=bench";
	char *s;
	size_t len;
	int rc = -1;

	if (each_record(path, find_templates, &t) < 0)
		goto out;
	if (t.client == NULL || t.admin == NULL ||
	    (base = template_create_body(t.client)) == NULL ||
	    !json_is_object(json_object_get(base, "HostConfig"))) {
		fprintf(stderr, "%s: no client/admin container create to build on\n",
			path);
		goto out;
	}

	/* ~128 KiB: 1,000 Env entries, 300 labels (allowed for client) */
	j = json_deep_copy(base);
	add_env_labels(j, 1000, 100, 300);
	s = envelope(t.client, uri, j, &len);
	if (push(c, strdup("syn:client create, 1000 env + 300 labels (128 KiB)"),
		 s, len, true, false) < 0)
		goto out_j;
	/* the same body from admin: a stack that never reads the body */
	s = envelope(t.admin, uri, j, &len);
	if (push(c, strdup("syn:admin create, 1000 env + 300 labels (128 KiB)"),
		 s, len, true, false) < 0)
		goto out_j;
	json_decref(j);

	/* 500 named-volume binds + 500 volume mounts (allowed) */
	j = json_deep_copy(base);
	add_binds(j, 500, false);
	s = envelope(t.client, uri, j, &len);
	if (push(c, strdup("syn:client create, 500 volume binds + 500 mounts"),
		 s, len, true, false) < 0)
		goto out_j;
	json_decref(j);

	/* the same with a host bind last: walked to the end, then denied */
	j = json_deep_copy(base);
	add_binds(j, 500, true);
	s = envelope(t.client, uri, j, &len);
	if (push(c, strdup("syn:client create, 499 volume binds + 1 host bind (deny)"),
		 s, len, true, false) < 0)
		goto out_j;
	json_decref(j);

	if (huge) {
		/* ~900 KiB: just under dockerd's 1 MiB forwarding cap */
		j = json_deep_copy(base);
		add_env_labels(j, 8600, 100, 100);
		s = envelope(t.client, uri, j, &len);
		if (push(c, strdup("syn:client create, 8600 env (900 KiB)"), s,
			 len, true, true) < 0)
			goto out_j;
		json_decref(j);
	}
	rc = 0;
	goto out;
out_j:
	json_decref(j);
out:
	json_decref(base);
	json_decref(t.client);
	json_decref(t.admin);
	return rc;
}

int corpus_expect(struct bench_corpus *c, const char *rules_dir)
{
	struct cnz_err err;
	struct ruleset *rs = ruleset_load(rules_dir, NULL, &err);
	char buf[1024];

	if (rs == NULL) {
		fprintf(stderr, "%s\n", cnz_err_str(&err, buf, sizeof buf));
		return -1;
	}
	for (size_t i = 0; i < ruleset_nerrors(rs); i++)
		fprintf(stderr, "rules: %s\n", ruleset_error(rs, i));
	for (size_t i = 0; i < c->n; i++) {
		struct decision d;

		decide(rs, c->v[i].body, c->v[i].len, NULL, &d);
		c->v[i].expect = d.allow ? 1 : 0;
		decision_clear(&d);
	}
	ruleset_unref(rs);
	return 0;
}

void corpus_free(struct bench_corpus *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].name);
		free(c->v[i].body);
	}
	free(c->v);
	c->v = NULL;
	c->n = 0;
}

/* --- requests with generated certificates ------------------------------- */

static EVP_PKEY *bench_key(void)
{
	static EVP_PKEY *key;

	if (key == NULL)
		key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	return key;
}

static char *cert_pem(const char *cn)
{
	EVP_PKEY *key = bench_key();
	X509 *x = X509_new();
	X509_NAME *name;
	BIO *bio = BIO_new(BIO_s_mem());
	char *out = NULL, *p;
	long n;

	if (key == NULL || x == NULL || bio == NULL)
		goto out;
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), (long)(random() & 0x7fffffff));
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 365);
	X509_set_pubkey(x, key);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
				   (const unsigned char *)cn, -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "OU", MBSTRING_ASC,
				   (const unsigned char *)"bench", -1, -1, 0);
	X509_set_issuer_name(x, name);
	if (!X509_sign(x, key, EVP_sha256()) || !PEM_write_bio_X509(bio, x))
		goto out;
	n = BIO_get_mem_data(bio, &p);
	out = strndup(p, (size_t)n);
out:
	BIO_free(bio);
	X509_free(x);
	return out;
}

char *corpus_make_request(const char *cn, const char *method,
			  const char *uri, const char *json_body,
			  size_t *len)
{
	char *pem = cert_pem(cn), *b64 = NULL, *out = NULL;
	json_t *env = NULL, *hdrs;
	size_t n;

	if (pem == NULL)
		return NULL;
	n = strlen(pem);
	b64 = malloc(4 * ((n + 2) / 3) + 1);
	if (b64 == NULL)
		goto out;
	EVP_EncodeBlock((unsigned char *)b64, (const unsigned char *)pem,
			(int)n);
	hdrs = json_pack("{s:s}", "User-Agent", "Docker-Client/28.2.2 (linux)");
	env = json_pack("{s:o, s:s, s:[s], s:s, s:s, s:s}", "RequestHeaders",
			hdrs, "RequestMethod", method,
			"RequestPeerCertificates", b64, "RequestUri", uri,
			"User", cn, "UserAuthNMethod", "TLS");
	if (env == NULL)
		goto out;
	if (json_body != NULL) {
		size_t bl = strlen(json_body);
		char *bb = malloc(4 * ((bl + 2) / 3) + 1), cl[32];

		if (bb == NULL)
			goto out;
		EVP_EncodeBlock((unsigned char *)bb,
				(const unsigned char *)json_body, (int)bl);
		json_object_set_new(env, "RequestBody", json_string(bb));
		free(bb);
		snprintf(cl, sizeof cl, "%zu", bl);
		json_object_set_new(hdrs, "Content-Length", json_string(cl));
		json_object_set_new(hdrs, "Content-Type",
				    json_string("application/json"));
	} else if (strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0) {
		/* as dockerd's Go client sends a bodiless POST */
		json_object_set_new(hdrs, "Content-Length", json_string("0"));
	}
	out = dump(env, len);
out:
	json_decref(env);
	free(b64);
	free(pem);
	return out;
}
