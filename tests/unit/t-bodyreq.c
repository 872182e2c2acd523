/*
 * t-bodyreq.c - whole AuthZReq envelopes through decide() when a rule
 * looks into the request body: a body that is missing (whatever the
 * headers claim), not JSON to dockerd, or that dockerd would read
 * differently denies the request whatever the stack's controls make of
 * it, and the stack stops at that line (a trace shows which lines ran).
 * Odd key case is read as Go reads it; wrong JSON types are not what the
 * checks look for. First with small rule files in a temporary directory,
 * then with the repository's rules/ and the dockerd 20.10 capture.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "body.h"
#include "decide.h"
#include "owners.h"
#include "ruleset.h"
#include "tap.h"
#include "testlib.h"

static const char *dir; /* the temporary rules directory */

/*
 * An envelope: headers is a JSON object text (or NULL for none), body the
 * raw RequestBody (or NULL: dockerd forwarded none).
 */
static void judge(struct ruleset *rs, const char *cn, const char *method,
		  const char *uri, const char *headers, const char *body,
		  size_t bodylen, struct verdict *v)
{
	json_error_t je;
	json_t *h = NULL;
	char *text;

	if (headers != NULL && (h = json_loads(headers, 0, &je)) == NULL)
		bail("bad headers in a test");
	text = authz_req_text(&(struct authz_req){
		.method = method,
		.uri = uri,
		.headers = h,
		.body = body,
		.bodylen = bodylen,
	});
	judge_text(rs, cn, text, v);
	free(text);
}

#define JSON_HDR "{\"Content-Type\":\"application/json\",\"Content-Length\":\"123\"}"

/* A JSON create body, as a client sends it. */
static void create(struct ruleset *rs, const char *cn, const char *body,
		   struct verdict *v)
{
	judge(rs, cn, "POST", "/v1.41/containers/create", JSON_HDR, body,
	      strlen(body), v);
}

/* The same request, but dockerd forwarded no body. */
static void create_nobody(struct ruleset *rs, const char *cn,
			  struct verdict *v)
{
	judge(rs, cn, "POST", "/v1.41/containers/create", JSON_HDR, NULL, 0, v);
}

static const char *PRIV = "{\"Image\":\"x\",\"HostConfig\":{\"Privileged\":true}}";
static const char *UNPRIV = "{\"Image\":\"x\",\"HostConfig\":{\"Privileged\":false}}";

static void test_no_body(struct ruleset *rs)
{
	static const struct {
		const char *cn, *ran, *what;
	} t[] = {
		{"req", "req:1", "a requisite deny on a body field"},
		{"opt", "opt:1", "an optional deny, a sufficient permit after it"},
		{"suff", "suff:1", "a sufficient deny, a sufficient permit after it"},
		{"suffpermit", "suffpermit:1",
		 "a sufficient permit on a body field, another after it"},
		{"ign", "ign:1", "[error=ignore default=ignore] deny"},
		{"done", "done:1", "[error=done default=ignore] permit"},
		{"mid", "mid:1 mid:2 mid:3",
		 "the third of five lines (required deny after optional permits)"},
		{"abs", "abs:1", "\"absent\", which no body would satisfy"},
		{"sub", "sub:sub:1 @inner:1 @inner:2",
		 "a substack whose second line reads the body"},
		{"host", "host:1", "requisite hostaccess"},
		{"img", "img:1", "requisite images"},
	};
	struct verdict v;

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		create_nobody(rs, t[i].cn, &v);
		ok(!v.allow, "no body, %s: denied", t[i].what);
		like(v.msg, "the request body was not available for inspection",
		     "... as not available for inspection");
		is_str(v.ran, t[i].ran, "... and the stack stopped there (%s)",
		       t[i].ran);
	}
	create_nobody(rs, "req", &v);
	is_str(v.msg,
	       "req may not POST /containers/create: the request body was not available for inspection (dockerd forwarded none) (req:1)",
	       "the whole message: who, what, why, which line");

	/* a body rule that does not match the request never wants its body */
	judge(rs, "req", "POST", "/v1.41/containers/web/start", JSON_HDR, NULL,
	      0, &v);
	ok(v.allow, "no body on another endpoint: the body rule is not reached");
	is_str(v.ran, "req:1 req:2", "... and the stack ran on");
	judge(rs, "req", "GET", "/v1.41/containers/create", JSON_HDR, NULL, 0, &v);
	ok(v.allow, "no body for another method: allowed");
	judge(rs, "mid", "POST", "/v1.41/images/create?fromImage=x", NULL, NULL,
	      0, &v);
	ok(v.allow, "no body, no body rule on that path: allowed");

	/* the same stacks with a body */
	create(rs, "req", UNPRIV, &v);
	ok(v.allow, "with an unprivileged body, req allows");
	create(rs, "req", PRIV, &v);
	ok(!v.allow, "with a privileged body, req denies");
	is_str(v.rule, "req:1", "... at its first line");
	create(rs, "opt", PRIV, &v);
	ok(v.allow, "opt: an optional deny does not decide (PAM)");
	create(rs, "suffpermit", UNPRIV, &v);
	ok(v.allow, "suffpermit allows an unprivileged body");
	is_str(v.ran, "suffpermit:1", "... at its first line");
	create(rs, "mid", "{\"Image\":\"evil\"}", &v);
	ok(!v.allow, "mid denies Image evil");
	is_str(v.ran, "mid:1 mid:2 mid:3 mid:4 mid:5",
	       "... after running every line (a required deny is remembered)");
	create(rs, "mid", "{\"Image\":\"good\"}", &v);
	ok(v.allow, "mid allows Image good");
	create(rs, "abs", "{\"Image\":\"x\"}", &v);
	ok(!v.allow, "abs denies a body without HostConfig.Privileged");
	create(rs, "abs", UNPRIV, &v);
	ok(v.allow, "abs allows one with it");
}

static void test_content_type(struct ruleset *rs)
{
	struct verdict v;

	judge(rs, "req", "POST", "/v1.41/containers/create",
	      "{\"Content-Type\":\"text/plain\"}", UNPRIV, strlen(UNPRIV), &v);
	ok(!v.allow, "a body forwarded as text/plain is denied");
	like(v.msg, "forwarded without a JSON Content-Type", "... saying so");
	is_str(v.ran, "req:1", "... at the line that read it");
	judge(rs, "req", "POST", "/v1.41/containers/create", "{}", UNPRIV,
	      strlen(UNPRIV), &v);
	ok(!v.allow, "a body without any Content-Type is denied");
	judge(rs, "req", "POST", "/v1.41/containers/create", NULL, UNPRIV,
	      strlen(UNPRIV), &v);
	ok(!v.allow, "a body without headers at all is denied");
	judge(rs, "req", "POST", "/v1.41/containers/create",
	      "{\"Content-Type\":\"application/json;;\"}", UNPRIV,
	      strlen(UNPRIV), &v);
	ok(!v.allow, "a body with a Content-Type Go rejects is denied");
	judge(rs, "req", "POST", "/v1.41/containers/create",
	      "{\"content-type\":\"Application/JSON; charset=utf-8\"}", UNPRIV,
	      strlen(UNPRIV), &v);
	ok(v.allow, "\"Application/JSON; charset=utf-8\" (header in lower case) is JSON");
	judge(rs, "req", "POST", "/v1.41/containers/create",
	      "{\"Content-Type\":\"\\u3000application/json\"}", PRIV,
	      strlen(PRIV), &v);
	ok(!v.allow, "... so is \"\\u3000application/json\": the privileged check runs");
	like(v.msg, "rule \"deny POST /containers/create", "... and denies");
	judge(rs, "req", "POST", "/v1.41/containers/create",
	      "{\"Content-Type\":\"\\u3000application/json\"}", UNPRIV,
	      strlen(UNPRIV), &v);
	ok(v.allow, "... and lets an unprivileged body through");
}

/* room for BODY_MAX_ARRAY + 1 ",\"a\"" and the rest */
#define BODY_MAX_ARRAY_TEXT ((BODY_MAX_ARRAY + 2) * 4 + 64)

static void test_shapes(struct ruleset *rs)
{
	struct verdict v;
	char *big;
	size_t n;

	/* key case as Go reads it */
	create(rs, "req", "{\"Image\":\"x\",\"hostconfig\":{\"privileged\":true}}",
	       &v);
	ok(!v.allow, "\"hostconfig\":{\"privileged\":true}: the condition sees it");
	is_str(v.rule, "req:1", "... at the deny line");
	create(rs, "host", "{\"Image\":\"x\",\"hostconfig\":{\"privileged\":true}}",
	       &v);
	ok(!v.allow, "... and so does hostaccess");
	like(v.msg, "HostConfig.Privileged is true", "... naming the field");
	create(rs, "req", "{\"Image\":\"x\",\"HOSTCONFIG\":{\"Privi\xc5\xbf" "eged\":true}}",
	       &v);
	ok(v.allow, "\"Priviſeged\" is not Privileged (ſ folds to S, not L)");
	create(rs, "req", "{\"Image\":\"x\",\"Ho\xc5\xbftConfig\":{\"PRIVILEGED\":true}}",
	       &v);
	ok(!v.allow, "\"HoſtConfig\" is HostConfig");

	/* what dockerd would read differently */
	create(rs, "req",
	       "{\"Image\":\"x\",\"HostConfig\":{\"Privileged\":false},"
	       "\"hostconfig\":{\"Privileged\":true}}",
	       &v);
	ok(!v.allow, "two HostConfigs in different case: denied");
	like(v.msg, "the request body cannot be inspected: body repeats the field",
	     "... as a body that cannot be inspected");
	is_str(v.ran, "req:1", "... where the stack stopped");
	create(rs, "req",
	       "{\"Image\":\"x\",\"HostConfig\":{\"Privileged\":false,"
	       "\"PRIVILEGED\":true}}",
	       &v);
	ok(!v.allow, "a nested folded duplicate: denied");
	like(v.msg, "cannot be inspected", "... cannot be inspected");
	create(rs, "req",
	       "{\"Image\":\"x\",\"HostConfig\":{\"Privileged\":false,"
	       "\"Privileged\":true}}",
	       &v);
	ok(!v.allow, "an exact nested duplicate: denied");
	like(v.msg, "cannot be inspected", "... cannot be inspected");
	create(rs, "opt",
	       "{\"Image\":\"x\",\"Labels\":{\"a\":\"1\",\"a\":\"2\"}}", &v);
	ok(!v.allow, "a duplicate in Labels under an optional line: denied");

	/* wrong JSON types (dockerd would refuse them) are not true */
	create(rs, "req", "{\"HostConfig\":{\"Privileged\":\"true\"}}", &v);
	ok(v.allow, "\"Privileged\":\"true\" (a string) is not == true");
	create(rs, "strtrue", "{\"HostConfig\":{\"Privileged\":\"true\"}}", &v);
	ok(!v.allow, "... but == \"\\\"true\\\"\" holds for it");
	create(rs, "host", "{\"HostConfig\":{\"Privileged\":\"true\"}}", &v);
	ok(v.allow, "... and hostaccess does not take it for privileged");
	create(rs, "req", "{\"HostConfig\":{\"Privileged\":1}}", &v);
	ok(v.allow, "\"Privileged\":1 is not == true");
	create(rs, "host", "{\"HostConfig\":{\"Privileged\":1}}", &v);
	ok(v.allow, "... nor privileged to hostaccess");
	create(rs, "host", "{\"HostConfig\":{\"Privileged\":null}}", &v);
	ok(v.allow, "\"Privileged\":null is not privileged");

	/* deep nesting and huge arrays */
	n = 0;
	big = malloc(BODY_MAX_ARRAY_TEXT);
	if (big == NULL)
		bail("malloc");
	n += (size_t)sprintf(big + n, "{\"Image\":\"x\",\"Labels\":{\"a\":");
	for (int i = 0; i < 70; i++)
		big[n++] = '[';
	for (int i = 0; i < 70; i++)
		big[n++] = ']';
	n += (size_t)sprintf(big + n, "}}");
	create(rs, "req", big, &v);
	ok(!v.allow, "a body nested 72 deep is denied");
	like(v.msg, "nests deeper than 64 levels", "... saying so");
	is_str(v.ran, "req:1", "... where the stack stopped");
	n = (size_t)sprintf(big, "{\"Image\":\"x\",\"Cmd\":[\"a\"");
	for (int i = 0; i < BODY_MAX_ARRAY; i++)
		n += (size_t)sprintf(big + n, ",\"a\"");
	n += (size_t)sprintf(big + n, "]}");
	create(rs, "mid", big, &v);
	ok(!v.allow, "a Cmd of BODY_MAX_ARRAY + 1 strings is denied");
	like(v.msg, "array longer than 10000 elements (BODY_MAX_ARRAY",
	     "... saying so, with the limit");
	is_str(v.ran, "mid:1 mid:2 mid:3", "... where the stack stopped");
	free(big);
}

static void test_temp_rules(void)
{
	struct ruleset_opts o = {.insecure_permissions = true};
	struct ruleset *rs;

	dir = scratch_make("bodyreq");
	put("req",
	    "requisite deny POST /containers/create HostConfig.Privileged == true\n"
	    "sufficient permit\n");
	put("opt",
	    "optional deny POST /containers/create HostConfig.Privileged == true\n"
	    "sufficient permit\n");
	put("suff",
	    "sufficient deny POST /containers/create HostConfig.Privileged == true\n"
	    "sufficient permit\n");
	put("suffpermit",
	    "sufficient permit POST /containers/create HostConfig.Privileged == false\n"
	    "sufficient permit\n");
	put("ign",
	    "[error=ignore default=ignore] deny POST /containers/create HostConfig.Privileged == true\n"
	    "sufficient permit\n");
	put("done",
	    "[error=done default=ignore] permit POST /containers/create HostConfig.Privileged == false\n"
	    "sufficient permit\n");
	put("mid",
	    "optional permit GET\n"
	    "optional permit POST /images/create\n"
	    "required deny POST /containers/create Image == evil\n"
	    "optional permit POST /containers/create\n"
	    "sufficient permit\n");
	put("abs",
	    "requisite deny POST /containers/create HostConfig.Privileged absent\n"
	    "sufficient permit\n");
	put("@inner",
	    "optional permit GET\n"
	    "required deny POST /containers/create HostConfig.Privileged == true\n"
	    "optional permit\n");
	put("sub", "substack @inner\nsufficient permit\n");
	put("host", "requisite hostaccess\nsufficient permit\n");
	put("img", "requisite images docker.io/library/*\nsufficient permit\n");
	put("strtrue",
	    "requisite deny POST /containers/create HostConfig.Privileged == \"\\\"true\\\"\"\n"
	    "sufficient permit\n");
	rs = load_rules(dir, &o);
	if (!is_int((long long)ruleset_nerrors(rs), 0, "the test rules load"))
		diag("%s", ruleset_error(rs, 0));
	test_no_body(rs);
	test_content_type(rs);
	test_shapes(rs);
	ruleset_unref(rs);
	scratch_remove();
}

/* ---- the repository's rules, and the real capture ---- */

static void test_repo_rules(void)
{
	struct ruleset_opts o = {.insecure_permissions = true};
	struct ruleset *rs;
	struct verdict v;
	char path[1024], line[1 << 16];
	FILE *f;
	int n = 0, nclient = 0, nadmin = 0;

	snprintf(path, sizeof path, "%s/rules", tap_top());
	rs = load_rules(path, &o);

	create_nobody(rs, "client", &v);
	ok(!v.allow, "rules/client: a create without its body is denied");
	like(v.msg, "not available for inspection", "... as not available");
	like(v.ran, "@developer:", "... in @developer");
	ok(strchr(v.ran, ' ') == NULL, "... at its first line that ran (%s)",
	   v.ran);
	create_nobody(rs, "admin", &v);
	ok(v.allow, "rules/admin: the same is allowed (nothing reads the body)");
	judge(rs, "client", "POST", "/v1.41/containers/web/exec", JSON_HDR, NULL,
	      0, &v);
	ok(!v.allow, "rules/client: an exec without its body is denied");
	like(v.msg, "not available for inspection", "... as not available");
	judge(rs, "client", "POST", "/v1.41/volumes/create", JSON_HDR, NULL, 0,
	      &v);
	ok(!v.allow, "rules/client: a volume create without its body is denied");
	judge(rs, "client", "POST", "/v1.41/networks/create", JSON_HDR, NULL, 0,
	      &v);
	ok(!v.allow, "rules/client: a network create without its body is denied");
	judge(rs, "client", "POST", "/v1.41/containers/web/start",
	      "{\"Content-Length\":\"0\"}", NULL, 0, &v);
	ok(v.allow, "rules/client: a start has no body and needs none");
	judge(rs, "client", "POST", "/v1.41/containers/web/start", NULL, NULL, 0,
	      &v);
	ok(!v.allow, "rules/client: a start without Content-Length is denied");
	like(v.msg, "could read as a form overriding the query string",
	     "... as one whose hidden (chunked) form body could set checkpoint-dir");
	create(rs, "client",
	       "{\"Image\":\"tiny\",\"hostconfig\":{\"privileged\":true}}", &v);
	ok(!v.allow, "rules/client: \"hostconfig\":{\"privileged\":true} is denied");
	like(v.msg, "HostConfig.Privileged is true", "... naming the field");
	create(rs, "client",
	       "{\"Image\":\"tiny\",\"HostConfig\":{},\"Hostconfig\":{\"Privileged\":true}}",
	       &v);
	ok(!v.allow, "rules/client: HostConfig twice is denied");
	like(v.msg, "cannot be inspected", "... as a body that cannot be inspected");

	/* the capture's creates, as dockerd sent them (identity from the
	 * certificate) */
	f = capture_open();
	if (f == NULL)
		bail("cannot open the dockerd 20.10 capture");
	while (fgets(line, sizeof line, f) != NULL) {
		json_error_t je;
		json_t *o2 = json_loads(line, 0, &je);
		json_t *b = json_object_get(o2, "body");
		const char *ep = json_string_value(json_object_get(o2, "endpoint"));
		const char *m = json_string_value(json_object_get(b, "RequestMethod"));
		const char *uri = json_string_value(json_object_get(b, "RequestUri"));
		const char *rb = json_string_value(json_object_get(b, "RequestBody"));
		unsigned char *raw = NULL;
		size_t rawlen;
		const char *want = NULL;
		struct cnz_err why;
		char *text;

		if (ep == NULL || strcmp(ep, "/AuthZPlugin.AuthZReq") != 0 ||
		    m == NULL || strcmp(m, "POST") != 0 || uri == NULL ||
		    strstr(uri, "/containers/create") == NULL || rb == NULL) {
			json_decref(o2);
			continue;
		}
		if (b64_decode(rb, strlen(rb), &raw, &rawlen, &why) < 0)
			bail("a capture's RequestBody is not base64");
		if (strstr((const char *)raw, "\"Privileged\":true") != NULL)
			want = "HostConfig.Privileged is true";
		else if (strstr(uri, "?name=c1") != NULL)
			/* the owner module: "c1" spells an ID prefix */
			want = "container name \"c1\" is all hex digits";
		else if (strstr((const char *)raw, "CAP_SYS_ADMIN") != NULL)
			want = "HostConfig.CapAdd adds CAP_SYS_ADMIN";
		text = json_dumps(b, JSON_COMPACT);
		judge_text(rs, NULL, text, &v);
		n++;
		if (strcmp(v.stack, "admin") == 0) {
			/* the capture has admin's calls too: the whole API */
			nadmin++;
			ok(v.allow, "capture %d (admin): allowed", n);
			free(text);
			free(raw);
			json_decref(o2);
			continue;
		}
		nclient++;
		is_str(v.stack, "client", "capture %d: judged by rules/client", n);
		if (want == NULL) {
			if (!ok(v.allow, "capture %d (%s): allowed", n, uri))
				diag("%s", v.msg);
		} else {
			ok(!v.allow, "capture %d (%s): denied", n, uri);
			like(v.msg, want, "... naming %s", want);
		}
		/* the same request with its body held back */
		json_object_del(b, "RequestBody");
		free(text);
		text = json_dumps(b, JSON_COMPACT);
		judge_text(rs, NULL, text, &v);
		ok(!v.allow, "capture %d without its RequestBody: denied", n);
		like(v.msg, "not available for inspection", "... not available");
		free(text);
		free(raw);
		json_decref(o2);
	}
	fclose(f);
	ok(nclient >= 3 && nadmin >= 1,
	   "the capture's creates were client's (%d) and admin's (%d)", nclient,
	   nadmin);
	ruleset_unref(rs);
}

int main(void)
{
	/* client's container web, which the starts name */
	owners_put(test_owners(), OWN_CONTAINER,
		   "a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0",
		   &(struct own_put){.name = "web", .cn = "client"});
	test_temp_rules();
	test_repo_rules();
	return done_testing();
}
