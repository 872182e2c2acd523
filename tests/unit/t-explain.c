/*
 * t-explain.c - "cnauthz test --explain" and "--json" (explain.c): the
 * stack as it ran, through decide() with explain_trace. Every line
 * visited, in order, with its module's result, the action its control
 * took and the state after it; substacks entered and indented; jumps;
 * where the stack stopped; and the line that decided. The JSON form is
 * parsed back and checked field by field.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decide.h"
#include "explain.h"
#include "identity.h"
#include "ruleset.h"
#include "tap.h"
#include "testlib.h"

static const char *dir;

struct out {
	char *text;  /* explain_print_text */
	json_t *json; /* explain_print_json, parsed */
	bool allow;
};

static char *print(const struct explain *x, const struct decision *d,
		   bool json)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL)
		bail_errno("open_memstream");
	if (json)
		explain_print_json(x, d, f);
	else
		explain_print_text(x, d, f);
	fclose(f);
	return buf;
}

/* Judges METHOD URI [body] as cn (NULL: local) with the files put. */
static void explain(const char *cn, const char *method, const char *uri,
		    const char *body, struct out *o)
{
	struct ruleset_opts ro = {.insecure_permissions = true};
	struct decide_opts dopts = {0};
	struct explain *x = explain_new();
	struct cnz_err err;
	struct ruleset *rs = ruleset_load(dir, &ro, &err);
	struct decision d;
	json_error_t je;
	json_t *r = json_object();
	char *req, *js;

	if (rs == NULL || x == NULL)
		bail_errno("load");
	json_object_set_new(r, "RequestMethod", json_string(method));
	json_object_set_new(r, "RequestUri", json_string(uri));
	if (body != NULL) {
		/* base64 by hand would be noise: the tests' bodies are
		 * given already encoded */
		json_object_set_new(r, "RequestBody", json_string(body));
		json_object_set_new(r, "RequestHeaders",
				    json_pack("{s:s}", "Content-Type",
					      "application/json"));
	}
	req = json_dumps(r, JSON_COMPACT);
	json_decref(r);
	dopts.as = cn != NULL ? identity_named(cn, &err) : identity_local();
	dopts.trace = explain_trace;
	dopts.trace_arg = x;
	decide(rs, req, strlen(req), &dopts, &d);
	o->allow = d.allow;
	o->text = print(x, &d, false);
	js = print(x, &d, true);
	o->json = json_loads(js, 0, &je);
	if (o->json == NULL)
		diag("bad JSON: %s: %s", je.text, js);
	free(js);
	decision_clear(&d);
	identity_unref(dopts.as);
	explain_free(x);
	ruleset_unref(rs);
	free(req);
	scratch_clear();
}

static void out_free(struct out *o)
{
	free(o->text);
	json_decref(o->json);
}

static const char *jstr(json_t *o, const char *path)
{
	const char *dot = strchr(path, '.');
	char key[64];

	if (dot == NULL)
		return json_string_value(json_object_get(o, path));
	snprintf(key, sizeof key, "%.*s", (int)(dot - path), path);
	return jstr(json_object_get(o, key), dot + 1);
}

static json_t *step(const struct out *o, size_t i)
{
	return json_array_get(json_object_get(o->json, "steps"), i);
}

static void test_simple(void)
{
	struct out o;

	put("client",
	    "requisite deny DELETE\n"
	    "# a comment\n"
	    "sufficient permit GET\n"
	    "sufficient permit POST\n");
	explain("client", "GET", "/v1.41/containers/json", NULL, &o);
	ok(o.allow, "GET is allowed");
	is_str(o.text,
	       "stack client for client GET /containers/json\n"
	       "  client:1           requisite deny DELETE\n"
	       "                     -> ignore, action ignore; now undefined/deny\n"
	       "  client:3           sufficient permit GET\n"
	       "                     -> success, action done; now positive/success; stops here - rule \"permit GET /**\"\n"
	       "allow, decided by client:3\n",
	       "text: each line visited with result, action and state; where it stopped; who decided");
	is_str(jstr(o.json, "decision"), "allow", "json: decision");
	is_str(jstr(o.json, "rule"), "client:3", "json: rule");
	is_str(jstr(o.json, "msg"), "allowed by client:3", "json: msg");
	is_str(jstr(o.json, "stack"), "client", "json: stack");
	is_str(jstr(o.json, "identity"), "client", "json: identity");
	is_str(jstr(o.json, "method"), "GET", "json: method");
	is_str(jstr(o.json, "path"), "/containers/json", "json: canonical path");
	is_int((long long)json_array_size(json_object_get(o.json, "steps")), 2,
	       "json: two steps (the comment and the line after are not steps)");
	is_str(jstr(step(&o, 0), "file"), "client", "json step 0: file");
	is_int(json_integer_value(json_object_get(step(&o, 0), "line")), 1,
	       "json step 0: line");
	is_str(jstr(step(&o, 0), "text"), "requisite deny DELETE", "json step 0: text");
	is_str(jstr(step(&o, 0), "result"), "ignore", "json step 0: result");
	is_str(jstr(step(&o, 0), "action"), "ignore", "json step 0: action");
	is_str(jstr(step(&o, 0), "impression"), "undefined", "json step 0: impression");
	is_str(jstr(step(&o, 0), "status"), "deny", "json step 0: status");
	ok(json_is_false(json_object_get(step(&o, 0), "stopped")), "json step 0: not stopped");
	is_int(json_integer_value(json_object_get(step(&o, 1), "line")), 3,
	       "json step 1: line 3");
	is_str(jstr(step(&o, 1), "action"), "done", "json step 1: action done");
	is_str(jstr(step(&o, 1), "impression"), "positive", "json step 1: positive");
	is_str(jstr(step(&o, 1), "status"), "success", "json step 1: success");
	ok(json_is_true(json_object_get(step(&o, 1), "stopped")), "json step 1: stopped here");
	is_str(jstr(step(&o, 1), "msg"), "rule \"permit GET /**\"", "json step 1: the module's message");
	is_int((long long)json_integer_value(json_object_get(step(&o, 1), "depth")), 0,
	       "json: depth 0 at the top");
	out_free(&o);
}

static void test_deny(void)
{
	struct out o;

	put("client", "required deny GET /secrets\noptional permit GET\n");
	explain("client", "GET", "/v1.41/secrets", NULL, &o);
	ok(!o.allow, "required deny: denied");
	is_str(o.text,
	       "stack client for client GET /secrets\n"
	       "  client:1           required deny GET /secrets\n"
	       "                     -> deny, action bad; now negative/deny - rule \"deny GET /secrets\"\n"
	       "  client:2           optional permit GET\n"
	       "                     -> success, action ok; now negative/deny - rule \"permit GET /**\"\n"
	       "deny, decided by client:1: client may not GET /secrets: rule \"deny GET /secrets\" (client:1)\n",
	       "text: a failure is kept (required) and later success does not override it");
	is_str(jstr(o.json, "decision"), "deny", "json: deny");
	is_str(jstr(o.json, "rule"), "client:1", "json: the deciding line is the failed one");
	is_str(jstr(step(&o, 1), "impression"), "negative", "json: the state stays negative");
	out_free(&o);

	/* nothing decides */
	put("client", "sufficient permit POST\n");
	explain("client", "GET", "/_ping", NULL, &o);
	is_str(o.text,
	       "stack client for client GET /_ping\n"
	       "  client:1           sufficient permit POST\n"
	       "                     -> ignore, action ignore; now undefined/deny\n"
	       "deny: client may not GET /_ping: no rule in client allows it\n",
	       "text: a stack that runs out: no deciding line");
	ok(json_is_null(json_object_get(o.json, "rule")), "json: rule null when nothing decided");
	out_free(&o);

	/* a broken file: no steps */
	put("client", "bogus permit\n");
	explain("client", "GET", "/_ping", NULL, &o);
	like(o.text, "stack client for client GET /_ping\ndeny: client may not GET /_ping: rule file client is invalid: ",
	     "text: a broken file runs nothing and says why");
	is_int((long long)json_array_size(json_object_get(o.json, "steps")), 0,
	       "json: no steps for a broken file");
	out_free(&o);
}

static void test_include_substack(void)
{
	struct out o;

	put("@base", "requisite deny DELETE\nsufficient permit GET\n");
	put("@sub", "required permit POST /a\n[success=done default=die] permit POST /a/b\n");
	put("client",
	    "substack @sub\n"
	    "include @base\n");
	explain("client", "GET", "/v1.41/x", NULL, &o);
	is_str(o.text,
	       "stack client for client GET /x\n"
	       "  client:1           substack @sub\n"
	       "                     -> runs the substack\n"
	       "    @sub:1             required permit POST /a\n"
	       "                       -> ignore, action ignore; now undefined/deny\n"
	       "    @sub:2             [success=done default=die] permit POST /a/b\n"
	       "                       -> ignore, action die; now negative/deny; stops here\n"
	       "  @base:1            requisite deny DELETE\n"
	       "                     -> ignore, action ignore; now negative/deny\n"
	       "  @base:2            sufficient permit GET\n"
	       "                     -> success, action done; now negative/deny - rule \"permit GET /**\"\n"
	       "deny, decided by @sub:2: client may not GET /x: rule failed (@sub:2)\n",
	       "text: a substack is entered and indented, its die ends only it; included lines are named by their own file");
	ok(json_is_true(json_object_get(step(&o, 0), "substack")), "json: the substack entry is marked");
	is_int(json_integer_value(json_object_get(step(&o, 1), "depth")), 1,
	       "json: the substack's lines are at depth 1");
	is_str(jstr(step(&o, 3), "file"), "@base", "json: an included line names its file");
	out_free(&o);
}

static void test_jumps(void)
{
	struct out o;

	put("client",
	    "[success=1 default=ignore] permit GET\n"
	    "required deny *\n"
	    "sufficient permit *\n");
	explain("client", "GET", "/_ping", NULL, &o);
	ok(o.allow, "a jump over a deny: allowed");
	is_str(o.text,
	       "stack client for client GET /_ping\n"
	       "  client:1           [success=1 default=ignore] permit GET\n"
	       "                     -> success, action 1; now undefined/deny - rule \"permit GET /**\"\n"
	       "  client:3           sufficient permit *\n"
	       "                     -> success, action done; now positive/success; stops here - rule \"permit * /**\"\n"
	       "allow, decided by client:3\n",
	       "text: the jump is shown as its count and the line jumped over is not visited");
	out_free(&o);

	put("client", "[success=5 default=ignore] permit GET\nsufficient permit *\n");
	explain("client", "GET", "/_ping", NULL, &o);
	like(o.text, "-> success, action 5; now negative/deny; jump past the end",
	     "text: a jump past the end is shown and denies");
	ok(json_is_true(json_object_get(step(&o, 0), "bad_jump")), "json: bad_jump");
	ok(!o.allow, "... denied");
	out_free(&o);
}

static void test_fatal(void)
{
	struct out o;

	/* "eyJIb3N0Q29uZmlnIjp7IlByaXZpbGVnZWQiOnRydWV9fQ==" is
	 * {"HostConfig":{"Privileged":true}} */
	put("client",
	    "requisite hostaccess\n"
	    "sufficient permit *\n");
	explain("client", "POST", "/v1.41/containers/create",
		"eyJIb3N0Q29uZmlnIjp7IlByaXZpbGVnZWQiOnRydWV9fQ==", &o);
	ok(!o.allow, "a privileged create: denied");
	like(o.text, "  client:1           requisite hostaccess\n"
		     "                     -> deny, action die; now negative/deny; stops here - ",
	     "text: the filter's denial stops the stack");
	like(o.text, "stops here - HostConfig.Privileged is true\n", "... with what it saw");
	ok(json_object_get(o.json, "facts") != NULL, "json: what the checks saw (facts)");
	out_free(&o);

	/* a body wanted and not there: the line that wanted it stops all */
	put("client",
	    "[default=ignore] deny POST /containers/create HostConfig.Privileged == true\n"
	    "sufficient permit *\n");
	explain("client", "POST", "/v1.41/containers/create", NULL, &o);
	ok(!o.allow, "a body condition without a body: denied");
	like(o.text, "action die; now negative/error; stops here - the request body was not available",
	     "text: the unjudgeable request stops at the line that wanted the body");
	is_int((long long)json_array_size(json_object_get(o.json, "steps")), 1,
	       "json: nothing after it runs");
	out_free(&o);
}

static void test_local(void)
{
	struct out o;

	put("@local", "sufficient permit *\n");
	explain(NULL, "HEAD", "/_ping", NULL, &o);
	like(o.text, "stack @local for local HEAD /_ping\n", "text: the local identity's stack");
	is_str(jstr(o.json, "identity"), "local", "json: identity local");
	out_free(&o);
}

int main(void)
{
	dir = scratch_make("explain");
	test_simple();
	test_deny();
	test_include_substack();
	test_jumps();
	test_fatal();
	test_local();
	scratch_remove();
	return done_testing();
}
