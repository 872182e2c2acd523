/*
 * t-captures.c - every AuthZReq/AuthZRes body a real dockerd 20.10 sent
 * (tests/fixtures/captures) through decide() with the repository's rules/:
 * all of it reads, identities are what dockerd said, and the verdicts are
 * what rules/client, rules/admin and rules/@local say - replayed in order
 * with the daemon's learning (learn.h), so client owns what it made.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "decide.h"
#include "learn.h"
#include "owners.h"
#include "ruleset.h"
#include "route.h"
#include "tap.h"
#include "testlib.h"

struct line {
	int no;             /* 1-based line in the file */
	bool res;           /* AuthZRes (else AuthZReq) */
	char user[64];      /* User as dockerd sent it, "" when none */
	char method[16];
	char path[512];     /* canonical path, as the router sees it */
	char *body;
	size_t len;
	bool allow;         /* what the replay decided */
	char msg[DECISION_MSG];
};

/* The daemon's hook after a decision, without the daemon: learn.h. */
static void after(void *arg, const struct cnauthz_request *view,
		  const struct decision *d)
{
	learn(arg, view, d, 0);
}

static const struct decide_hooks learning = {.after = after};

/* Copies the string value of "key" in the raw JSON body into out ("" when
 * absent); the captures hold no escapes in these fields. */
static void field(const char *body, const char *key, char *out, size_t outsz)
{
	char pat[64];
	const char *p, *e;

	out[0] = '\0';
	snprintf(pat, sizeof pat, "\"%s\": \"", key);
	p = strstr(body, pat);
	if (p == NULL)
		return;
	p += strlen(pat);
	e = strchr(p, '"');
	if (e != NULL && (size_t)(e - p) < outsz) {
		memcpy(out, p, (size_t)(e - p));
		out[e - p] = '\0';
	}
}

static int read_lines(struct line **out)
{
	char *buf = NULL, uri[2048];
	struct cnz_err rerr;
	size_t cap = 0;
	ssize_t got;
	struct line *v = NULL;
	int n = 0, no = 0;
	FILE *f;

	f = capture_open();
	if (f == NULL)
		return -1;
	while ((got = getline(&buf, &cap, f)) > 0) {
		/* {"accept": ..., "body": {...}, "endpoint": "..."} */
		char *b = strstr(buf, "\"body\": {");
		char *e = strstr(buf, "}, \"endpoint\": ");
		struct route *r;

		no++;
		if (b == NULL || e == NULL || e < b)
			continue;
		b += strlen("\"body\": ");
		v = realloc(v, (size_t)(n + 1) * sizeof *v);
		memset(&v[n], 0, sizeof v[n]);
		v[n].no = no;
		v[n].res = strstr(e, "/AuthZPlugin.AuthZRes") != NULL;
		v[n].len = (size_t)(e + 1 - b);
		v[n].body = strndup(b, v[n].len);
		field(v[n].body, "User", v[n].user, sizeof v[n].user);
		field(v[n].body, "RequestMethod", v[n].method,
		      sizeof v[n].method);
		field(v[n].body, "RequestUri", uri, sizeof uri);
		r = route_parse(uri, strlen(uri), &rerr);
		snprintf(v[n].path, sizeof v[n].path, "%s",
			 r != NULL ? route_path(r) : "?");
		route_free(r);
		n++;
	}
	free(buf);
	fclose(f);
	*out = v;
	return n;
}

/* Segment i of a canonical path ("/a/b/c": 0 is "a"), into out. */
static size_t seg(const char *path, size_t i, char *out, size_t outsz)
{
	size_t n = 0;

	out[0] = '\0';
	while (*path == '/') {
		const char *s = path + 1, *e = strchr(s, '/');
		size_t l = e != NULL ? (size_t)(e - s) : strlen(s);

		if (n++ == i && l < outsz) {
			memcpy(out, s, l);
			out[l] = '\0';
		}
		path = s + l;
	}
	return n; /* the number of segments */
}

static bool one_of(const char *s, const char *const *set)
{
	for (; *set != NULL; set++)
		if (strcmp(s, *set) == 0)
			return true;
	return false;
}

/*
 * The request body of an AuthZReq envelope, decoded with jansson and
 * OpenSSL's base64 here, independently of the plugin's own readers.
 */
static json_t *request_body_json(const char *envelope, size_t len)
{
	json_t *env = json_loadb(envelope, len, 0, NULL), *b = NULL;
	const char *b64 = json_string_value(json_object_get(env, "RequestBody"));

	if (b64 != NULL) {
		size_t n = strlen(b64);
		unsigned char *raw = malloc(n);
		int got = raw ? EVP_DecodeBlock(raw, (const unsigned char *)b64, (int)n) : -1;

		if (got > 0) {
			while (got > 0 && raw[got - 1] == '\0')
				got--; /* EVP_DecodeBlock pads with NULs */
			b = json_loadb((const char *)raw, (size_t)got, 0, NULL);
		}
		free(raw);
	}
	json_decref(env);
	return b;
}

/* Host access in a container-create body, as @developer's hostaccess
 * line refuses it (only what the captures exercise: privileged, added
 * capabilities, host-path binds). */
static bool gives_host(const json_t *body)
{
	const json_t *hc = json_object_get(body, "HostConfig"), *binds;
	size_t i;
	json_t *e;

	if (json_is_true(json_object_get(hc, "Privileged")))
		return true;
	if (json_array_size(json_object_get(hc, "CapAdd")) > 0)
		return true;
	binds = json_object_get(hc, "Binds");
	json_array_foreach(binds, i, e)
		if (json_string_value(e) && json_string_value(e)[0] == '/')
			return true;
	return false;
}

/* rules/client (include @developer), read by hand: what it should allow. */
static bool client_allows(const char *method, const char *path,
			  const char *envelope, size_t len, bool res)
{
	static const char *const life[] = {
		"start", "stop", "restart", "kill", "wait", "attach", "resize",
		"rename", "pause", "unpause", "exec", NULL,
	};
	static const char *const exec_ops[] = { "start", "resize", NULL };
	char s0[256], s2[256], uri[1024];
	size_t n = seg(path, 0, s0, sizeof s0);
	bool post = strcmp(method, "POST") == 0;

	seg(path, 2, s2, sizeof s2);
	/* Ownership (@developer, owner): the capture replays in order, so
	 * client acts on what it made. It made no container "big" (its
	 * removal was of nothing: dockerd said so too), and a new name of
	 * hex digits ("c1") is refused, as it spells an ID prefix. (At the
	 * AuthZRes the call has run: owner judged it before.) */
	field(envelope, "RequestUri", uri, sizeof uri);
	if (!res && (strcmp(path, "/containers/big") == 0 ||
		     strstr(uri, "/containers/create?name=c1") != NULL))
		return false;
	if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0)
		return true; /* the whole read-only API */
	if (post && strcmp(path, "/containers/create") == 0) {
		json_t *b = request_body_json(envelope, len);
		bool host = b == NULL || gives_host(b);

		json_decref(b);
		return !host;
	}
	if (post && n == 3 && strcmp(s0, "containers") == 0 && one_of(s2, life))
		return true;
	if (strcmp(method, "DELETE") == 0 && n == 2 &&
	    (strcmp(s0, "containers") == 0 || strcmp(s0, "volumes") == 0 ||
	     strcmp(s0, "networks") == 0))
		return true;
	if (strcmp(method, "DELETE") == 0 && strcmp(s0, "images") == 0)
		return true;
	if (post && n == 3 && strcmp(s0, "exec") == 0 && one_of(s2, exec_ops))
		return true;
	if (strcmp(method, "PUT") == 0 && n == 3 &&
	    strcmp(s0, "containers") == 0 && strcmp(s2, "archive") == 0)
		return true; /* docker cp into a container */
	if (post && (strcmp(path, "/images/create") == 0 ||
		     strcmp(path, "/volumes/create") == 0 ||
		     strcmp(path, "/networks/create") == 0 ||
		     strcmp(path, "/commit") == 0))
		return true;
	if (post && strcmp(s0, "images") == 0 && n >= 3 &&
	    strcmp(path + strlen(path) - 4, "/tag") == 0)
		return true;
	return false;
}

/*
 * What decision.digest should be for an envelope, computed here with
 * jansson and OpenSSL: SHA-256 of User, RequestMethod and RequestUri, each
 * with its NUL, then the RequestBody text as sent (base64), in hex.
 */
static void want_digest(const char *envelope, size_t len, char hex[65])
{
	json_t *env = json_loadb(envelope, len, 0, NULL);
	static const char *const keys[] = { "User", "RequestMethod", "RequestUri" };
	const char *body = json_string_value(json_object_get(env, "RequestBody"));
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	for (size_t k = 0; k < 3; k++) {
		const char *s = json_string_value(json_object_get(env, keys[k]));

		if (s == NULL)
			s = "";
		EVP_DigestUpdate(ctx, s, strlen(s) + 1);
	}
	if (body != NULL)
		EVP_DigestUpdate(ctx, body, strlen(body));
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	for (unsigned i = 0; i < mdlen; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	json_decref(env);
}

/* The verdict decide() gives line l, or -1 when there is none. */
static int verdict(struct ruleset *rs, const struct line *v, int n,
		   const char *method, const char *path, bool res)
{
	for (int i = 0; i < n; i++)
		if (v[i].res == res && strcmp(v[i].user, "client") == 0 &&
		    strcmp(v[i].method, method) == 0 &&
		    strcmp(v[i].path, path) == 0) {
			(void)rs;
			diag("line %d: %s", v[i].no, v[i].msg);
			return v[i].allow;
		}
	return -1;
}

int main(void)
{
	char dir[4096];
	struct ruleset_opts opts = { .insecure_permissions = true };
	struct cnz_err err;
	struct ruleset *rs;
	struct owners *store;
	struct line *v = NULL;
	int n, malformed = 0, who_ok = 0, admin = 0, admin_ok = 0;
	int local = 0, local_ok = 0, client = 0, client_ok = 0, path_ok = 0;
	int allowed_with_rule = 0, allowed = 0;

	snprintf(dir, sizeof dir, "%s/rules", tap_top());
	rs = ruleset_load(dir, &opts, &err);
	if (!ok(rs != NULL, "the repository's rules/ loads")) {
		diag("%s", err.msg);
		return done_testing();
	}
	is_int((long long)ruleset_nerrors(rs), 0, "no rule file in rules/ is broken");
	for (size_t i = 0; i < ruleset_nerrors(rs); i++)
		diag("%s", ruleset_error(rs, i));

	store = owners_new();
	n = read_lines(&v);
	ok(n > 200, "the capture file has its %d bodies", n);

	for (int i = 0; i < n; i++) {
		struct decision d;
		const char *want_who = v[i].user[0] ? v[i].user : "local";
		/* in order, as the daemon: what each create made is learnt */
		struct decide_opts o = {.owners = store, .response = v[i].res,
					.hooks = &learning, .hooks_arg = store};

		decide(rs, v[i].body, v[i].len, &o, &d);
		v[i].allow = d.allow;
		snprintf(v[i].msg, sizeof v[i].msg, "%s", d.msg);
		if (strncmp(d.msg, "malformed", 9) == 0 ||
		    strncmp(d.msg, "identity refused", 16) == 0 ||
		    strcmp(d.path, "") == 0) {
			malformed++;
			diag("line %d: %s", v[i].no, d.msg);
		}
		if (strcmp(d.who, want_who) == 0)
			who_ok++;
		else
			diag("line %d: judged as %s, dockerd said %s", v[i].no,
			     d.who, want_who);
		if (strcmp(d.path, v[i].path) == 0 &&
		    strcmp(d.method, v[i].method) == 0)
			path_ok++;
		if (d.allow) {
			allowed++;
			if (d.rule[0] != '\0')
				allowed_with_rule++;
		}
		if (strcmp(want_who, "admin") == 0) {
			admin++;
			admin_ok += d.allow;
		} else if (strcmp(want_who, "local") == 0) {
			local++;
			local_ok += d.allow;
		} else if (strcmp(want_who, "client") == 0) {
			bool want = client_allows(v[i].method, v[i].path,
						  v[i].body, v[i].len, v[i].res);

			client++;
			if (d.allow == want)
				client_ok++;
			else
				diag("line %d: client %s %s: %s, expected %s",
				     v[i].no, v[i].method, v[i].path, d.msg,
				     want ? "allowed" : "denied");
		}
		decision_clear(&d);
	}
	is_int(malformed, 0, "no captured body is malformed or has a refused identity");
	is_int(who_ok, n, "every body is judged as the identity dockerd reported");
	is_int(path_ok, n, "every decision names the body's method and canonical path");
	ok(admin > 50 && client > 100 && local == 4,
	   "the captures hold admin (%d), client (%d) and local (%d) bodies",
	   admin, client, local);
	is_int(admin_ok, admin, "admin is always allowed");
	is_int(local_ok, local, "local (the unix socket) is always allowed");
	is_int(client_ok, client,
	       "every client verdict is what rules/client says, read by hand");
	is_int(allowed_with_rule, allowed, "every allow names the rule that allowed it");

	/* A few verdicts spelt out. */
	is_int(verdict(rs, v, n, "GET", "/containers/json", false), 1,
	       "client may GET /containers/json");
	is_int(verdict(rs, v, n, "HEAD", "/_ping", false), 1,
	       "client may HEAD /_ping");
	is_int(verdict(rs, v, n, "POST", "/images/create", false), 1,
	       "client may POST /images/create (pull)");
	is_int(verdict(rs, v, n, "GET", "/containers/c1/archive", false), 1,
	       "client may GET /containers/*/archive (copy out)");
	is_int(verdict(rs, v, n, "HEAD", "/containers/c1/archive", false), 1,
	       "client may HEAD /containers/*/archive");
	is_int(verdict(rs, v, n, "PUT", "/containers/c1/archive", false), 1,
	       "client may PUT /containers/*/archive (copy in)");
	is_int(verdict(rs, v, n, "DELETE", "/containers/sleeper", false), 1,
	       "client may DELETE /containers/*");
	is_int(verdict(rs, v, n, "DELETE", "/containers/c1", true), 1,
	       "... also in AuthZRes");
	is_int(verdict(rs, v, n, "POST", "/containers/create", false), 1,
	       "client may POST /containers/create");
	is_int(verdict(rs, v, n, "POST", "/build", false), 0,
	       "client may not POST /build: its networkmode could hide in a form body cnauthz cannot see");
	is_int(verdict(rs, v, n, "POST", "/volumes/create", false), 1,
	       "client may POST /volumes/create (a plain local volume)");
	is_int(verdict(rs, v, n, "DELETE", "/images/tiny:t2", false), 1,
	       "client may DELETE /images/*");

	/* The digest the audit pairs an AuthZRes with its AuthZReq by. */
	{
		struct decide_opts o = { .digest = true };
		int right = 0, paired = 0, nres = 0;
		char (*dg)[65] = calloc((size_t)n, sizeof *dg);

		for (int i = 0; i < n && dg != NULL; i++) {
			struct decision d;
			char want[65];

			decide(rs, v[i].body, v[i].len, &o, &d);
			want_digest(v[i].body, v[i].len, want);
			memcpy(dg[i], d.digest, sizeof dg[i]);
			if (strcmp(d.digest, want) == 0)
				right++;
			else
				diag("line %d: digest %s, want %s", v[i].no,
				     d.digest, want);
			if (v[i].res) {
				nres++;
				for (int k = i - 1; k >= 0; k--)
					if (!v[k].res &&
					    strcmp(dg[k], d.digest) == 0) {
						paired++;
						break;
					}
			}
			decision_clear(&d);
		}
		is_int(right, n, "every digest is SHA-256 of User, method, URI and body, in hex");
		ok(nres > 50 && paired == nres,
		   "every AuthZRes (%d of %d) has the digest of an AuthZReq before it",
		   paired, nres);
		free(dg);
	}

	for (int i = 0; i < n; i++)
		free(v[i].body);
	free(v);
	owners_free(store);
	ruleset_unref(rs);
	return done_testing();
}
