/*
 * t-cond.c - the conditions of permit and deny (cond.c): FIELD OP VALUE,
 * FIELD exists, FIELD absent. Parse errors (with the word and offset they
 * point at); evaluation on crafted AuthZReq envelopes through a view and
 * cond_eval: JSON types, "[]" any-element semantics, null and missing
 * fields, query parameters read as dockerd reads them, and the requests
 * that cannot be judged (the view goes fatal). Last, whole requests
 * through decide() against a temporary rules directory.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cond.h"
#include "decide.h"
#include "identity.h"
#include "request.h"
#include "route.h"
#include "ruleset.h"
#include "tap.h"
#include "testlib.h"
#include "view.h"

/* ---- parsing ---- */

static void parse_ok(const char *a0, const char *a1, const char *a2,
		     int want_used, const char *text)
{
	/* a word after the condition is left for the caller */
	const char *argv[4] = {a0, a1, a2 ? a2 : "trailing", "trailing"};
	int argc = a2 ? 4 : 3, used = -1;
	struct cnauthz_init_error err = {0};
	struct cond *c = cond_parse(argc, argv, &used, &err);

	if (!ok(c != NULL, "\"%.60s\" parses", text))
		diag("error: %s", err.msg);
	is_int(used, want_used, "... using %d words", want_used);
	if (c != NULL)
		is_str(cond_text(c), text, "... its text is \"%.60s\"", text);
	cond_free(c);
}

static void parse_err(int argc, const char *a0, const char *a1,
		      const char *a2, int arg, size_t offset, const char *msg)
{
	const char *argv[3] = {a0, a1, a2};
	int used = -1;
	struct cnauthz_init_error err;
	struct cond *c;

	memset(&err, 0x55, sizeof err);
	c = cond_parse(argc, argv, &used, &err);
	ok(c == NULL, "\"%s %s %s\" (%d words) is refused", a0,
	   argc > 1 ? a1 : "", argc > 2 ? a2 : "", argc);
	is_int(err.arg, arg, "... at word %d", arg);
	is_int((long long)err.offset, (long long)offset, "... offset %zu",
	       offset);
	like(err.msg, msg, "... \"%s\"", msg);
	cond_free(c);
}

static void test_parse(void)
{
	char many[65 * 3 + 1] = "";

	parse_ok("HostConfig.Privileged", "==", "true", 3,
		 "HostConfig.Privileged == true");
	parse_ok("HostConfig.Binds[]", "exists", NULL, 2,
		 "HostConfig.Binds[] exists");
	parse_ok("HostConfig.Binds[]", "absent", NULL, 2,
		 "HostConfig.Binds[] absent");
	parse_ok("Image", "~", "busybox*", 3, "Image ~ busybox*");
	parse_ok("Image", "!~", "\"1*\"", 3, "Image !~ \"1*\"");
	parse_ok("Image", "^=", "docker.io/", 3, "Image ^= docker.io/");
	parse_ok("HostConfig.NetworkMode", "in", "bridge,none,default", 3,
		 "HostConfig.NetworkMode in bridge,none,default");
	parse_ok("HostConfig.NetworkMode", "!in", "host", 3,
		 "HostConfig.NetworkMode !in host");
	parse_ok("query:fromImage", "!=", "x", 3, "query:fromImage != x");
	parse_ok("query:all", "exists", NULL, 2, "query:all exists");

	parse_err(1, "HostConfig.Privileged", NULL, NULL, 0, 0,
		  "needs an operator");
	parse_err(3, "HostConfig.Privileged", "=", "true", 1, 0,
		  "unknown operator \"=\"");
	parse_err(3, "HostConfig.Privileged", "EXISTS", "x", 1, 0,
		  "unknown operator");
	parse_err(2, "HostConfig.Privileged", "==", NULL, 1, 0,
		  "operator == needs a value");
	parse_err(2, "Image", "in", NULL, 1, 0, "operator in needs a value");
	parse_err(3, "Image", "~", "1", 2, 0,
		  "operator ~ compares strings; \"1\" is not one");
	parse_err(3, "Image", "!~", "true", 2, 0, "operator !~ compares strings");
	parse_err(3, "Image", "^=", "null", 2, 0, "operator ^= compares strings");
	parse_err(3, "Image", "~", "2.5", 2, 0, "compares strings");
	parse_err(3, "HostConfig..Privileged", "==", "true", 0, 11,
		  "empty component in field path");
	parse_err(3, "HostConfig.Binds[0]", "exists", "x", 0, 16,
		  "only \"[]\"");
	parse_err(2, "Host Config", "exists", NULL, 0, 4,
		  "bad character in field path");
	parse_err(3, "query:", "==", "1", 0, 6, "query: needs a parameter name");
	for (int i = 0; i < 65; i++)
		strcat(many, i ? ",ab" : "ab");
	parse_err(3, "Image", "in", many, 2, 64 * 3,
		  "more than 64 values");
	many[64 * 3 - 1] = '\0';
	{
		char text[sizeof many + 16];

		snprintf(text, sizeof text, "Image in %s", many);
		parse_ok("Image", "in", many, 3, text);
	}
}

/* ---- evaluation ---- */

struct fixture {
	struct request *req;
	struct identity *id;
	struct route *route;
	struct cnauthz_request *v;
};

/* An AuthZReq with the headers given (NULL: left out); body NULL: no
 * RequestBody. */
static char *envelope(const char *method, const char *uri, const char *ct,
		      const char *cl, const char *body)
{
	json_t *h = json_object();

	if (ct != NULL)
		json_object_set_new(h, "Content-Type", json_string(ct));
	if (cl != NULL)
		json_object_set_new(h, "Content-Length", json_string(cl));
	return authz_req_text(&(struct authz_req){
		.method = method,
		.uri = uri,
		.headers = h,
		.body = body,
		.bodylen = body != NULL ? strlen(body) : 0,
	});
}

/* A view of an AuthZReq: method, uri, a Content-Type (or NULL) and a
 * body (or NULL: no RequestBody, and Content-Length 0, as dockerd's Go
 * client sends a bodiless POST). */
static void setup(struct fixture *f, const char *method, const char *uri,
		  const char *ct, const char *body)
{
	char *text = envelope(method, uri, ct, body == NULL ? "0" : NULL, body);
	struct cnz_err err;

	memset(f, 0, sizeof *f);
	f->req = request_decode(text, strlen(text), &err);
	free(text);
	if (f->req == NULL)
		bail(err.msg);
	f->route = route_parse(request_uri(f->req), request_uri_len(f->req),
			       &err);
	if (f->route == NULL)
		bail(err.msg);
	f->id = identity_local();
	f->v = view_new(f->req, f->id, f->route);
	if (f->v == NULL)
		bail("view_new");
}

static void teardown(struct fixture *f)
{
	view_release(f->v);
	identity_unref(f->id);
	route_free(f->route);
	request_free(f->req);
}

/* 1: holds, 0: does not, -1: the request cannot be judged (the view went
 * fatal; cond_eval must then answer false). */
static int eval_in(const char *method, const char *uri, const char *ct,
		   const char *body, const char *a0, const char *a1,
		   const char *a2, char *fatal, size_t fatalsz)
{
	const char *argv[3] = {a0, a1, a2};
	struct cnauthz_init_error err = {0};
	int used;
	struct cond *c = cond_parse(a2 ? 3 : 2, argv, &used, &err);
	struct fixture f;
	bool r;
	int out;

	if (c == NULL)
		bail(err.msg);
	setup(&f, method, uri, ct, body);
	r = cond_eval(c, f.v);
	out = r ? 1 : 0;
	if (view_fatal(f.v) != NULL) {
		if (fatal != NULL)
			snprintf(fatal, fatalsz, "%s", view_fatal(f.v));
		out = r ? 2 : -1; /* 2: held although fatal (a bug) */
	}
	teardown(&f);
	cond_free(c);
	return out;
}

static const char *B =
	"{\"HostConfig\":{\"Privileged\":true,\"Off\":false,\"S\":\"true\","
	"\"N\":1,\"F\":1.0,\"Big\":1e3,\"Neg\":-0,\"Z\":null,"
	"\"Arr\":[1,\"a\",null,true],\"E\":[],\"Nulls\":[null,null],"
	"\"Obj\":{\"k\":\"v\"},\"Empty\":\"\","
	"\"Binds\":[\"/srv/data:/data\",\"v1:/v\"]},"
	"\"Image\":\"docker.io/library/busybox:1.36\","
	"\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"/\"},{\"Type\":\"tmpfs\"},"
	"{\"type\":\"volume\"}]}";

static void holds(const char *a0, const char *a1, const char *a2, int want)
{
	char fatal[400] = "";
	int got = eval_in("POST", "/containers/create", "application/json", B,
			  a0, a1, a2, fatal, sizeof fatal);

	is_int(got, want, "\"%s %s%s%s\" %s", a0, a1, a2 ? " " : "",
	       a2 ? a2 : "",
	       want == 1 ? "holds" : want == 0 ? "does not hold" : "is fatal");
	if (got < 0 && want >= 0)
		diag("fatal: %s", fatal);
}

static void test_types(void)
{
	/* booleans against strings */
	holds("HostConfig.Privileged", "==", "true", 1);
	holds("HostConfig.Privileged", "==", "\"true\"", 0);
	holds("HostConfig.Privileged", "!=", "false", 1);
	holds("HostConfig.Privileged", "==", "1", 0);
	holds("HostConfig.S", "==", "true", 0);
	holds("HostConfig.S", "==", "\"true\"", 1);
	holds("HostConfig.S", "!=", "true", 1);
	holds("HostConfig.Off", "==", "false", 1);
	holds("HostConfig.Off", "==", "null", 0);
	holds("HostConfig.Off", "==", "0", 0);
	holds("hostconfig.privileged", "==", "true", 1);
	/* numbers: 1 == 1.0, but not "1" */
	holds("HostConfig.N", "==", "1", 1);
	holds("HostConfig.N", "==", "1.0", 1);
	holds("HostConfig.N", "==", "1e0", 1);
	holds("HostConfig.N", "==", "\"1\"", 0);
	holds("HostConfig.N", "==", "true", 0);
	holds("HostConfig.N", "!=", "2", 1);
	holds("HostConfig.N", "!=", "1", 0);
	holds("HostConfig.F", "==", "1", 1);
	holds("HostConfig.Big", "==", "1000", 1);
	holds("HostConfig.Neg", "==", "0", 1);
	holds("HostConfig.N", "in", "2,3,1.0", 1);
	holds("HostConfig.N", "in", "\"1\",2", 0);
	holds("HostConfig.N", "!in", "2,3", 1);
	holds("HostConfig.N", "!in", "2,1", 0);
	/* null */
	holds("HostConfig.Z", "==", "null", 1);
	holds("HostConfig.Z", "!=", "null", 0);
	holds("HostConfig.Z", "==", "\"null\"", 0);
	holds("HostConfig.Z", "exists", NULL, 0);
	holds("HostConfig.Z", "absent", NULL, 1);
	holds("HostConfig.Z", "in", "null,1", 1);
	/* missing fields: every operator but absent is false */
	holds("HostConfig.Missing", "==", "null", 0);
	holds("HostConfig.Missing", "!=", "1", 0);
	holds("HostConfig.Missing", "~", "*", 0);
	holds("HostConfig.Missing", "!~", "x", 0);
	holds("HostConfig.Missing", "^=", "x", 0);
	holds("HostConfig.Missing", "in", "1,2", 0);
	holds("HostConfig.Missing", "!in", "1,2", 0);
	holds("HostConfig.Missing", "exists", NULL, 0);
	holds("HostConfig.Missing", "absent", NULL, 1);
	holds("Missing.Deeper.Still", "absent", NULL, 1);
	holds("HostConfig.Off", "exists", NULL, 1);
	holds("HostConfig.Empty", "exists", NULL, 1);
	holds("HostConfig.Empty", "==", "\"\"", 1);
	/* strings */
	holds("Image", "~", "docker.io/library/*", 1);
	holds("Image", "~", "*/busybox:*", 1);
	holds("Image", "~", "busybox*", 0);
	holds("Image", "!~", "busybox*", 1);
	holds("Image", "!~", "docker.io/*", 0);
	holds("Image", "^=", "docker.io/library/", 1);
	holds("Image", "^=", "library/", 0);
	holds("Image", "==", "docker.io/library/busybox:1.36", 1);
	holds("Image", "==", "Docker.io/library/busybox:1.36", 0);
	holds("image", "in", "a,docker.io/library/busybox:1.36", 1);
	/* ~ and ^= need a string to match */
	holds("HostConfig.N", "~", "\"1\"", 0);
	holds("HostConfig.N", "^=", "\"1\"", 0);
	holds("HostConfig.N", "!~", "\"1\"", 1);
	holds("HostConfig.Obj", "~", "*", 0);
	holds("HostConfig.Obj", "==", "null", 0);
	holds("HostConfig.Obj", "exists", NULL, 1);
	holds("HostConfig.Obj.k", "==", "v", 1);
}

static void test_any_element(void)
{
	/* Arr is [1, "a", null, true] */
	holds("HostConfig.Arr[]", "==", "a", 1);
	holds("HostConfig.Arr[]", "==", "b", 0);
	holds("HostConfig.Arr[]", "==", "1", 1);
	holds("HostConfig.Arr[]", "==", "true", 1);
	holds("HostConfig.Arr[]", "==", "null", 1);
	holds("HostConfig.Arr[]", "==", "false", 0);
	holds("HostConfig.Arr[]", "!=", "1", 1); /* some element is not 1 */
	holds("HostConfig.Arr[]", "~", "?", 1);
	holds("HostConfig.Arr[]", "~", "b*", 0);
	holds("HostConfig.Arr[]", "!~", "a", 1); /* 1 is not a matching string */
	holds("HostConfig.Arr[]", "^=", "a", 1);
	holds("HostConfig.Arr[]", "^=", "b", 0);
	holds("HostConfig.Arr[]", "in", "x,true", 1);
	holds("HostConfig.Arr[]", "in", "x,y", 0);
	holds("HostConfig.Arr[]", "!in", "1,a,null,true", 0);
	holds("HostConfig.Arr[]", "!in", "1,a,null", 1);
	holds("HostConfig.Arr[]", "exists", NULL, 1);
	holds("HostConfig.Arr[]", "absent", NULL, 0);
	holds("HostConfig.Arr", "==", "a", 0); /* the array is not "a" */
	holds("HostConfig.Arr", "exists", NULL, 1);
	/* an empty array: nothing is reached */
	holds("HostConfig.E[]", "==", "1", 0);
	holds("HostConfig.E[]", "!=", "1", 0);
	holds("HostConfig.E[]", "!in", "1", 0);
	holds("HostConfig.E[]", "!~", "x", 0);
	holds("HostConfig.E[]", "exists", NULL, 0);
	holds("HostConfig.E[]", "absent", NULL, 1);
	holds("HostConfig.E", "exists", NULL, 1);
	/* only nulls: absent, as a null field is */
	holds("HostConfig.Nulls[]", "exists", NULL, 0);
	holds("HostConfig.Nulls[]", "absent", NULL, 1);
	holds("HostConfig.Nulls[]", "==", "null", 1);
	/* [] over something that is not an array reaches nothing */
	holds("HostConfig.N[]", "==", "1", 0);
	holds("HostConfig.N[]", "absent", NULL, 1);
	holds("HostConfig.Z[]", "absent", NULL, 1);
	/* real shapes */
	holds("HostConfig.Binds[]", "^=", "/srv/", 1);
	holds("HostConfig.Binds[]", "~", "/etc*", 0);
	holds("HostConfig.Binds[]", "~", "v1:*", 1);
	holds("Mounts[].Type", "==", "bind", 1);
	holds("Mounts[].Type", "==", "volume", 1); /* "type" matches Type */
	holds("Mounts[].Type", "!in", "bind,tmpfs", 1);
	holds("Mounts[].Type", "!in", "bind,tmpfs,volume", 0);
	holds("Mounts[].Source", "==", "/", 1);
	holds("Mounts[].Source", "exists", NULL, 1);
	holds("Mounts[].Nothing", "absent", NULL, 1);
}

/* query conditions: 1/0/-1 for uri (and method, Content-Type) */
static void q(const char *method, const char *uri, const char *ct,
	      const char *a0, const char *a1, const char *a2, int want,
	      const char *name)
{
	char fatal[400] = "";
	int got = eval_in(method, uri, ct, NULL, a0, a1, a2, fatal,
			  sizeof fatal);

	is_int(got, want, "%s: %s %s \"%s %s%s%s\" %s", name, method, uri, a0,
	       a1, a2 ? " " : "", a2 ? a2 : "",
	       want == 1 ? "holds" : want == 0 ? "does not hold"
					       : "cannot be judged");
	if (got < 0 && want >= 0)
		diag("fatal: %s", fatal);
}

static void test_query(void)
{
	const char *form = "application/x-www-form-urlencoded";
	char fatal[400];

	q("GET", "/containers/json?all=1", NULL, "query:all", "==", "1", 1,
	  "a plain value");
	q("GET", "/containers/json?all=1", NULL, "query:all", "==", "1.0", 0,
	  "query values are text: 1.0 is not 1");
	q("GET", "/containers/json?all=1", NULL, "query:all", "==", "\"1\"", 1,
	  "a JSON string literal stands for its text");
	q("GET", "/containers/json?all=true", NULL, "query:all", "==", "true", 1,
	  "true is the text true");
	q("GET", "/containers/json?all=1&all=0", NULL, "query:all", "==", "1",
	  1, "the first of repeated values");
	q("GET", "/containers/json?all=1&all=0", NULL, "query:all", "==", "0",
	  0, "not the second");
	q("GET", "/containers/json?ALL=1", NULL, "query:all", "exists", NULL, 0,
	  "names are case-sensitive");
	q("GET", "/containers/json?name=web", NULL, "query:name", "==", "Web", 0,
	  "values are case-sensitive (==)");
	q("GET", "/containers/json?name=web", NULL, "query:name", "in", "WEB,db",
	  0, "values are case-sensitive (in)");
	q("GET", "/containers/json?name=a+b", NULL, "query:name", "==", "a b", 1,
	  "'+' is a space");
	q("GET", "/containers/json?name=a%20b%2Bc", NULL, "query:name", "==",
	  "a b+c", 1, "%XX is decoded (%2B is '+')");
	q("GET", "/containers/json?n%61me=x", NULL, "query:name", "==", "x", 1,
	  "%XX in a name is decoded");
	q("GET", "/containers/json?name=%e2%84%aa", NULL, "query:name", "==",
	  "\xe2\x84\xaa", 1, "lower-case hex, a multibyte character");
	q("GET", "/containers/json?name=web-1", NULL, "query:name", "~",
	  "web-*", 1, "~ on a query value");
	q("GET", "/containers/json?name=web-1", NULL, "query:name", "!~",
	  "db-*", 1, "!~ on a query value");
	q("GET", "/containers/json?name=web-1", NULL, "query:name", "^=", "web",
	  1, "^= on a query value");
	q("GET", "/containers/json?name=web-1", NULL, "query:name", "in",
	  "db,web-1", 1, "in on a query value");
	q("GET", "/containers/json?name=web-1", NULL, "query:name", "!in",
	  "db,web-1", 0, "!in on a query value");
	q("GET", "/containers/json?name=web-1", NULL, "query:name", "!=", "db",
	  1, "!= on a query value");
	q("GET", "/containers/json?flag", NULL, "query:flag", "exists", NULL, 1,
	  "a name without '=' exists");
	q("GET", "/containers/json?flag", NULL, "query:flag", "==", "\"\"", 1,
	  "... with the value \"\"");
	q("GET", "/containers/json?flag=", NULL, "query:flag", "==", "\"\"", 1,
	  "an empty value");
	q("GET", "/containers/json?x=1", NULL, "query:flag", "absent", NULL, 1,
	  "a missing name is absent");
	q("GET", "/containers/json", NULL, "query:flag", "absent", NULL, 1,
	  "no query at all: absent");
	q("GET", "/containers/json", NULL, "query:flag", "!=", "x", 0,
	  "a missing name makes != false");
	q("GET", "/containers/json", NULL, "query:flag", "!in", "x", 0,
	  "... and !in");

	/* what dockerd would read differently: the request is unjudgeable */
	q("GET", "/containers/json?all=0;all=1", NULL, "query:all", "==", "0",
	  -1, "a ';' in a pair");
	q("GET", "/containers/json?x=1;y&all=0", NULL, "query:all", "==", "0",
	  -1, "a ';' in another pair");
	q("GET", "/containers/json?all=%zz", NULL, "query:all", "exists", NULL,
	  -1, "a bad escape");
	q("GET", "/containers/json?other=%4&all=1", NULL, "query:all", "==",
	  "1", -1, "a cut escape in another pair");
	q("GET", "/containers/json?all=1%00", NULL, "query:all", "^=", "\"1\"", -1,
	  "%00 (Go keeps the NUL, C would cut)");
	q("GET", "/containers/json?a%00b=1", NULL, "query:a", "absent", NULL, -1,
	  "%00 in a name");
	eval_in("GET", "/containers/json?all=0;all=1", NULL, NULL, "query:all",
		"exists", NULL, fatal, sizeof fatal);
	like(fatal, "cannot be read as dockerd reads it",
	     "... the reason is given");

	/* a form body would override the query */
	q("POST", "/build?networkmode=bridge", form, "query:networkmode", "==",
	  "bridge", -1, "POST with a form body");
	q("POST", "/build?networkmode=bridge",
	  "Application/X-WWW-Form-Urlencoded; charset=utf-8", "query:networkmode",
	  "==", "bridge", -1, "... in any case, with parameters");
	q("POST", "/build?networkmode=bridge",
	  "application/x-www-form-urlencoded; charset=%", "query:networkmode",
	  "==", "bridge", -1, "... with an odd parameter");
	q("POST", "/build?networkmode=bridge",
	  "application/x-www-form-urlencoded;;", "query:networkmode", "==",
	  "bridge", -1, "... with a bad parameter (Go still reads the form)");
	q("POST", "/build?networkmode=bridge",
	  "\xe3\x80\x80" "application/x-www-form-urlencoded", "query:networkmode",
	  "==", "bridge", -1, "... after a U+3000 space");
	q("POST", "/build?networkmode=bridge",
	  "APPL\xc4\xb0" "CATION/X-WWW-FORM-URLENCODED", "query:networkmode",
	  "==", "bridge", -1, "... with U+0130 for I");
	q("PUT", "/containers/x/archive?path=/tmp", form, "query:path", "==",
	  "/tmp", -1, "PUT with a form body");
	q("PATCH", "/x?a=1", form, "query:a", "==", "1", -1,
	  "PATCH with a form body");
	q("POST", "/build?networkmode=bridge",
	  "application/x-www-form-urlencoded; a=1; A=2", "query:networkmode",
	  "==", "bridge", 1, "a duplicate parameter makes it no form for Go");
	q("GET", "/containers/json?all=1", form, "query:all", "==", "1", 1,
	  "GET with that Content-Type: Go reads no form");
	q("DELETE", "/containers/x?force=1", form, "query:force", "==", "1", 1,
	  "DELETE with that Content-Type");
	q("POST", "/build?networkmode=bridge", "application/json",
	  "query:networkmode", "==", "bridge", 1, "POST with JSON");
	q("POST", "/build?networkmode=bridge", "application/x-tar",
	  "query:networkmode", "==", "bridge", 1, "POST with a tar");
	q("POST", "/build?networkmode=bridge", NULL, "query:networkmode", "==",
	  "bridge", 1, "POST without a Content-Type");
	q("POST", "/build?networkmode=bridge", "multipart/form-data; boundary=x",
	  "query:networkmode", "==", "bridge", 1,
	  "POST with multipart (ParseForm leaves it alone)");
}

static void test_body_fatal(void)
{
	char fatal[400];
	int r;

	r = eval_in("POST", "/containers/create", "application/json", NULL,
		    "HostConfig.Privileged", "absent", NULL, fatal,
		    sizeof fatal);
	is_int(r, -1, "no RequestBody: even \"absent\" cannot be judged");
	like(fatal, "not available for inspection", "... the reason");
	r = eval_in("POST", "/containers/create", "text/plain",
		    "{\"HostConfig\":{}}", "HostConfig.Privileged", "absent",
		    NULL, fatal, sizeof fatal);
	is_int(r, -1, "a body without a JSON Content-Type cannot be judged");
	like(fatal, "without a JSON Content-Type", "... the reason");
	r = eval_in("POST", "/containers/create", "application/json; charset=utf-8;;",
		    "{}", "Image", "absent", NULL, fatal, sizeof fatal);
	is_int(r, -1,
	       "a Content-Type Go refuses (\";;\") means dockerd forwarded none");
	r = eval_in("POST", "/containers/create", "\xc2\xa0" "Application/JSON ;",
		    "{}", "Image", "absent", NULL, fatal, sizeof fatal);
	is_int(r, 1, "\"\\u00a0Application/JSON ;\" is JSON to Go and here");
	r = eval_in("POST", "/containers/create", "application/json",
		    "{\"Image\":1,\"image\":2}", "Image", "exists", NULL, fatal,
		    sizeof fatal);
	is_int(r, -1, "a body with folded duplicate keys cannot be judged");
	like(fatal, "cannot be inspected", "... the reason");
	r = eval_in("GET", "/containers/json?all=1", NULL, NULL, "query:all",
		    "==", "1", fatal, sizeof fatal);
	is_int(r, 1, "a query condition does not need a body");
}

/* ---- whole requests ---- */

static const char *dir;

/* As client; the arguments as envelope()'s. */
static void judge_with(struct ruleset *rs, const char *method,
		       const char *uri, const char *ct, const char *cl,
		       const char *body, struct verdict *v)
{
	char *text = envelope(method, uri, ct, cl, body);

	judge_text(rs, "client", text, v);
	free(text);
}

static void judge(struct ruleset *rs, const char *method,
		  const char *uri, const char *ct, const char *body,
		  struct verdict *v)
{
	/* as dockerd's Go client sends a bodiless POST */
	judge_with(rs, method, uri, ct, body == NULL ? "0" : NULL, body, v);
}

/* With a chosen Content-Length header (NULL: none, as for a chunked
 * body) and no RequestBody: a body dockerd did not forward. */
static void judge_unseen(struct ruleset *rs, const char *method,
			 const char *uri, const char *ct, const char *cl,
			 struct verdict *v)
{
	judge_with(rs, method, uri, ct, cl, NULL, v);
}

static const struct {
	const char *name, *line, *word;
	size_t offset;
	const char *msg, *what;
} bad[] = {
	{"bad1", "sufficient permit POST /containers/create HostConfig.Privileged == true extra",
	 "extra", 0,
	 "condition \"extra\" needs an operator (== != ~ !~ ^= in !in exists absent)",
	 "a word after a whole condition is a condition without an operator"},
	{"bad2", "sufficient permit POST /x HostConfig..Privileged exists",
	 "HostConfig..", 11, "empty component in field path",
	 "a bad field path points into the word"},
	{"bad3", "sufficient permit POST /x Image ~ 5", " 5", 1,
	 "operator ~ compares strings; \"5\" is not one",
	 "~ with a number points at the value"},
	{"bad4", "sufficient permit GET query: exists", "query:", 6,
	 "query: needs a parameter name", "\"query:\" points past the colon"},
};

static void test_decide(void)
{
	struct ruleset_opts o = {.insecure_permissions = true};
	struct ruleset *rs;
	struct verdict v;

	dir = scratch_make("cond");
	put("client",
	    "requisite deny GET /containers/json query:all == 1\n"
	    "requisite deny POST /build query:networkmode !in default,bridge,none\n"
	    "requisite deny POST /containers/create HostConfig.Privileged == true\n"
	    "requisite deny POST /containers/create \"HostConfig.Binds[]\" ~ \"/etc*\"\n"
	    "sufficient permit\n");
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char text[300];

		snprintf(text, sizeof text, "%s\n", bad[i].line);
		put(bad[i].name, text);
	}
	rs = load_rules(dir, &o);

	judge(rs, "GET", "/containers/json?all=0", NULL, NULL, &v);
	ok(v.allow, "all=0 passes the query deny");
	judge(rs, "GET", "/containers/json?all=1", NULL, NULL, &v);
	ok(!v.allow, "all=1 is denied");
	like(v.msg, "rule \"deny GET /containers/json query:all == 1\"",
	     "... by the rule, which the message quotes");
	judge(rs, "GET", "/containers/json?all=0&all=1", NULL, NULL, &v);
	ok(v.allow, "all=0&all=1: dockerd reads the first, 0");
	judge(rs, "GET", "/containers/json?all=0;all=1", NULL, NULL, &v);
	ok(!v.allow, "all=0;all=1 is denied: cannot be judged");
	like(v.msg, "query string cannot be read as dockerd reads it",
	     "... saying why");
	like(v.msg, "(client:1)", "... and naming the line");
	judge(rs, "GET", "/containers/json?all=%G0", NULL, NULL, &v);
	ok(!v.allow, "a bad escape is denied");
	judge(rs, "GET", "/containers/json?x=%00", NULL, NULL, &v);
	ok(!v.allow, "%%00 anywhere in the query is denied");
	judge(rs, "GET", "/images/json?x=%00", NULL, NULL, &v);
	ok(v.allow, "... but only when a query condition looks at it");

	judge(rs, "POST", "/build?networkmode=bridge", "application/x-tar", NULL,
	      &v);
	ok(v.allow, "a build with networkmode=bridge is allowed");
	judge(rs, "POST", "/build?networkmode=host", "application/x-tar", NULL,
	      &v);
	ok(!v.allow, "a build with networkmode=host is denied");
	judge(rs, "POST", "/build?networkmode=bridge",
	      "application/x-www-form-urlencoded", NULL, &v);
	ok(!v.allow, "a build with a form Content-Type is denied");
	like(v.msg, "form-encoded body could override the query string",
	     "... saying why");
	judge(rs, "POST", "/build?networkmode=bridge",
	      "\xe1\x9a\x80" "Application/X-WWW-Form-Urlencoded; x", NULL, &v);
	ok(!v.allow, "... also behind a U+1680 space and a bad parameter");
	/* dockerd shows the plugin the last of two Content-Type headers but
	 * Go parses the body as a form by the first: a body cnauthz cannot
	 * see may override the query, whatever Content-Type it is shown */
	judge_unseen(rs, "POST", "/build?networkmode=bridge", "application/x-tar",
		     NULL, &v);
	ok(!v.allow, "a build whose chunked body cnauthz cannot see is denied");
	like(v.msg, "body cnauthz cannot see", "... saying why");
	judge_unseen(rs, "POST", "/build?networkmode=bridge", "application/x-tar",
		     "4096", &v);
	ok(!v.allow, "... also with a Content-Length");
	judge_unseen(rs, "POST", "/build?networkmode=bridge", "application/x-tar",
		     "0", &v);
	ok(v.allow, "a bodiless POST (Content-Length 0) is judged by its query");
	judge_unseen(rs, "GET", "/containers/json?all=0", NULL, NULL, &v);
	ok(v.allow, "a GET's query is trusted whatever its headers (no form)");

	judge(rs, "POST", "/containers/create", "application/json",
	      "{\"Image\":\"x\",\"HostConfig\":{\"Privileged\":false}}", &v);
	ok(v.allow, "an unprivileged create is allowed");
	judge(rs, "POST", "/containers/create", "application/json",
	      "{\"Image\":\"x\",\"HostConfig\":{\"privileged\":true}}", &v);
	ok(!v.allow, "\"privileged\":true is denied");
	judge(rs, "POST", "/containers/create", "application/json",
	      "{\"HostConfig\":{\"Binds\":[\"/srv:/a\",\"/etc/ssl:/b\"]}}", &v);
	ok(!v.allow, "a bind of /etc/ssl among others is denied");
	judge(rs, "POST", "/containers/create", "application/json",
	      "{\"HostConfig\":{\"Binds\":[\"/srv:/a\"]}}", &v);
	ok(v.allow, "a bind of /srv is allowed by these rules");
	judge(rs, "POST", "/containers/create", "application/json", NULL, &v);
	ok(!v.allow, "a create without its body is denied");
	like(v.msg, "not available for inspection", "... saying why");

	/* rule files whose conditions do not parse: the column points at
	 * the word (and into it) */
	is_int((long long)ruleset_nerrors(rs), 4, "the four bad files are errors");
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char want[1024];
		const char *got = NULL;

		snprintf(want, sizeof want, "%s/%s:1:%zu: permit: %s", dir,
			 bad[i].name,
			 (size_t)(strstr(bad[i].line, bad[i].word) - bad[i].line) +
				 1 + bad[i].offset,
			 bad[i].msg);
		for (size_t k = 0; k < ruleset_nerrors(rs); k++)
			if (strstr(ruleset_error(rs, k), bad[i].name) != NULL)
				got = ruleset_error(rs, k);
		is_str(got, want, "%s", bad[i].what);
	}
	ruleset_unref(rs);
	scratch_remove();
}

int main(void)
{
	test_parse();
	test_types();
	test_any_element();
	test_query();
	test_body_fatal();
	test_decide();
	return done_testing();
}
