/*
 * t-view.c - the api table modules read a request through (view_api), over
 * a decoded request, its identity and its canonical route. query() follows
 * Go's url.ParseQuery and Values.Get (the first value of a repeated key),
 * with what Go would reject or C strings would cut short skipped and marked.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "identity.h"
#include "request.h"
#include "route.h"
#include "tap.h"
#include "testlib.h"
#include "view.h"

struct fixture {
	struct request *req;
	struct identity *id;
	struct route *route;
	struct cnauthz_request *v;
};

/* A view of a request for uri with the given extra JSON members. */
static int setup(struct fixture *f, const char *method, const char *uri,
		 const char *members, struct identity *id)
{
	char json[4096];
	struct cnz_err err;

	memset(f, 0, sizeof *f);
	snprintf(json, sizeof json,
		 "{\"RequestMethod\":\"%s\",\"RequestUri\":\"%s\"%s%s}", method,
		 uri, members[0] ? "," : "", members);
	f->req = request_decode(json, strlen(json), &err);
	if (f->req == NULL) {
		diag("request refused: %s", err.msg);
		return -1;
	}
	f->route = route_parse(request_uri(f->req), request_uri_len(f->req),
			       &err);
	if (f->route == NULL) {
		diag("route refused: %s", err.msg);
		request_free(f->req);
		return -1;
	}
	f->id = id != NULL ? id : identity_local();
	f->v = view_new(f->req, f->id, f->route);
	if (f->v == NULL)
		bail("view_new");
	return 0;
}

static void teardown(struct fixture *f)
{
	if (f->v != NULL)
		view_release(f->v);
	identity_unref(f->id);
	route_free(f->route);
	request_free(f->req);
}

static const struct cnauthz_api *api = &view_api;

/* query(key) over "/x?" + query: is it want (NULL: absent)? */
static void query_is(const char *query, const char *key, const char *want,
		     bool malformed, const char *name)
{
	struct fixture f;
	char uri[1024];

	snprintf(uri, sizeof uri, "/containers/json?%s", query);
	if (!ok(setup(&f, "GET", uri, "", NULL) == 0,
		"a request with query \"%s\" is set up", query))
		return;
	is_str(view_query_raw(f.v, key), want, "%s", name);
	if (malformed)
		ok(api->query(f.v, key) == NULL && view_fatal(f.v) != NULL,
		   "... while api->query refuses it and marks the request unjudgeable");
	else
		is_str(api->query(f.v, key), want, "... and api->query agrees");
	is_int(view_query_malformed(f.v), malformed,
	       "... and \"%s\" is %s", query,
	       malformed ? "marked malformed" : "not marked malformed");
	teardown(&f);
}

static void test_fields(void)
{
	struct fixture f;
	struct cnz_err err;

	ok(api->abi_version == CNAUTHZ_MODULE_ABI,
	   "view_api carries the module ABI version");
	ok(api->method && api->path && api->uri && api->query && api->header &&
		   api->is_local && api->cn,
	   "every view_api entry is filled in");

	if (!ok(setup(&f, "POST",
		      "/v1.41/containers/abc%2Fx/start?detachKeys=ctrl-p",
		      "\"RequestHeaders\":{\"Content-Type\":\"application/json\","
		      "\"Content-Length\":\"0\",\"X-Empty\":\"\"}",
		      NULL) == 0,
		"a POST request is set up"))
		return;
	is_str(api->method(f.v), "POST", "method() is RequestMethod as sent");
	is_str(api->path(f.v), "/containers/abc/x/start",
	       "path() is the canonical path: decoded, version prefix removed");
	is_str(api->uri(f.v), "/v1.41/containers/abc%2Fx/start?detachKeys=ctrl-p",
	       "uri() is the raw RequestUri");
	is_str(api->header(f.v, "content-type"), "application/json",
	       "header() compares names case-insensitively");
	is_str(api->header(f.v, "X-Empty"), "",
	       "header() of an empty header is \"\"");
	ok(api->header(f.v, "Authorization") == NULL,
	   "header() of an absent header is NULL");
	is_str(api->query(f.v, "detachKeys"), "ctrl-p", "query() reads the query");
	is_int(api->is_local(f.v), 1, "is_local() is 1 for the local identity");
	is_str(api->cn(f.v), "", "cn() is \"\" for the local identity");
	ok(view_request(f.v) == f.req && view_route(f.v) == f.route &&
		   view_identity(f.v) == f.id,
	   "the view hands back its request, route and identity");
	teardown(&f);

	if (setup(&f, "GET", "/_ping", "", identity_named("client", &err)) == 0) {
		is_int(api->is_local(f.v), 0, "is_local() is 0 for a CN");
		is_str(api->cn(f.v), "client", "cn() is the CN");
		ok(api->query(f.v, "x") == NULL, "query() without a query is NULL");
		is_int(view_query_malformed(f.v), 0,
		       "no query is not a malformed query");
		teardown(&f);
	}

	if (setup(&f, "", "/_ping", "", NULL) == 0) {
		is_str(api->method(f.v), "", "method() is \"\" when dockerd sent none");
		teardown(&f);
	}

	if (setup(&f, "GET", "http://h:2376/v1.41/x?a=1", "", NULL) == 0) {
		is_str(api->path(f.v), "/x", "path() of an absolute-form URI is its path");
		is_str(api->query(f.v, "a"), "1", "query() of an absolute-form URI reads its query");
		teardown(&f);
	}
	if (setup(&f, "GET", "http://h?a=1", "", NULL) == 0) {
		is_str(api->query(f.v, "a"), "1",
		       "query() of \"http://h?a=1\" reads a=1");
		teardown(&f);
	}
}

static void test_query(void)
{
	query_is("a=1&b=2", "a", "1", false, "query(a) of a=1&b=2 is 1");
	query_is("a=1&b=2", "b", "2", false, "query(b) of a=1&b=2 is 2");
	query_is("a=1&b=2", "c", NULL, false, "an absent key is NULL");
	query_is("a=1&a=2", "a", "1", false, "a repeated key gives its first value");
	query_is("A=1", "a", NULL, false, "keys are case-sensitive");
	query_is("ab=1", "a", NULL, false, "keys match whole, not by prefix");

	/* Decoding, as url.QueryUnescape. */
	query_is("a=x+y", "a", "x y", false, "'+' decodes to a space");
	query_is("a=x%20y", "a", "x y", false, "%20 decodes to a space");
	query_is("a=%2B", "a", "+", false, "%2B decodes to '+'");
	query_is("a=%41%62", "a", "Ab", false, "%XX decodes in either case");
	query_is("a=%c3%a9", "a", "\xc3\xa9", false, "%XX decodes to raw bytes");
	query_is("a+b=1", "a b", "1", false, "keys are decoded too ('+')");
	query_is("%61=1", "a", "1", false, "keys are decoded too (%XX)");
	query_is("a=b%3Dc%26d", "a", "b=c&d", false,
		 "encoded '=' and '&' stay in the value");
	query_is("a==1", "a", "=1", false, "the value starts after the first '='");
	query_is("filters=%7B%22label%22%3A%5B%22a%3Db%22%5D%7D", "filters",
		 "{\"label\":[\"a=b\"]}", false, "a JSON filter decodes whole");

	/* Keys without values, empty pairs. */
	query_is("a", "a", "", false, "\"a\" (no '=') gives \"\"");
	query_is("a=", "a", "", false, "\"a=\" gives \"\"");
	query_is("a&b=1", "b", "1", false, "a bare key does not disturb the next");
	query_is("&&a=1&&", "a", "1", false, "empty pairs are ignored");
	query_is("&", "a", NULL, false, "a lone '&' is no pair, and not malformed");
	query_is("=1", "", "1", false, "\"=1\" is the empty key, as in Go");
	query_is("", "a", NULL, false, "an empty query has no keys");

	/* ';' - Go since 1.17 refuses it as a separator. */
	query_is("a=1;b=2", "a", NULL, true, "a pair with ';' is skipped");
	query_is("a=1;b=2", "b", NULL, true, "... and is not split at ';'");
	query_is("x=0&a=1;b=2&c=3", "x", "0", true,
		 "pairs before a ';' pair are kept");
	query_is("x=0&a=1;b=2&c=3", "c", "3", true,
		 "pairs after a ';' pair are kept");
	query_is("a=%3B", "a", ";", false, "an encoded ';' is just a character");

	/* Bad escapes. */
	query_is("a=%zz&b=2", "a", NULL, true, "a pair with a bad escape is skipped");
	query_is("a=%zz&b=2", "b", "2", true, "... and the next pair is kept");
	query_is("a=%4", "a", NULL, true, "a cut-short escape is skipped");
	query_is("a=%", "a", NULL, true, "a lone '%' is skipped");
	query_is("a%=1", "a%", NULL, true, "a bad escape in the key is skipped");
	query_is("a=%zz&a=2", "a", "2", true,
		 "a skipped bad value leaves the next value of the key first");
	query_is("a=1&a=%zz", "a", "1", true,
		 "a bad later value does not change the first");

	/* %00: Go keeps it, C strings would cut it: skipped and marked. */
	query_is("a=x%00y&b=1", "a", NULL, true, "%00 in a value is skipped");
	query_is("a=x%00y&b=1", "b", "1", true, "... and the next pair is kept");
	query_is("a%00b=1", "a", NULL, true, "%00 in a key is skipped");
	query_is("a=1&a=%00", "a", "1", true,
		 "a %00 value after a good one is skipped and marked");
}

static void count_release(void *arg)
{
	(*(int *)arg)++;
}

static void test_cache(void)
{
	struct fixture f;
	const char *a1, *a2;
	int released = 0;
	char *facts;

	if (setup(&f, "GET", "/x?a=1&b=%zz", "", NULL) != 0)
		return;
	a1 = view_query_raw(f.v, "a");
	a2 = view_query_raw(f.v, "a");
	ok(a1 != NULL && a1 == a2, "the query is parsed once and the result kept");
	ok(view_query_malformed(f.v) && view_query_malformed(f.v),
	   "view_query_malformed is stable across calls");
	ok(view_take_facts(f.v) == NULL, "no facts recorded: none taken");
	view_fact_str(f.v, "image", "busybox");
	facts = view_take_facts(f.v);
	is_str(facts, "{\"image\":\"busybox\"}", "a recorded fact is taken as a JSON object");
	free(facts);
	view_set_release(f.v, count_release, &released);
	view_hold(f.v);
	view_release(f.v);
	is_int(released, 0, "a view still held is not released");
	view_abandon(f.v);
	ok(view_abandoned(f.v) && view_take_facts(f.v) == NULL,
	   "an abandoned view's facts are left to the call that overran");
	view_release(f.v);
	f.v = NULL;
	is_int(released, 1, "the last holder's release frees the view and says so, once");
	teardown(&f);
}

static void test_unescape(void)
{
	char out[32];
	size_t n = 99;

	ok(view_query_unescape("a+b%41", 6, out, &n) == 0 && n == 4 &&
		   strcmp(out, "a bA") == 0,
	   "view_query_unescape decodes '+' and %%XX");
	ok(view_query_unescape("%00x", 4, out, &n) == 0 && n == 2 &&
		   out[0] == '\0' && out[1] == 'x',
	   "view_query_unescape decodes %%00 and counts it");
	ok(view_query_unescape("", 0, out, &n) == 0 && n == 0 && out[0] == '\0',
	   "view_query_unescape of nothing is \"\"");
	ok(view_query_unescape("%4", 2, out, &n) < 0, "\"%%4\" is a bad escape");
	ok(view_query_unescape("%", 1, out, &n) < 0, "\"%%\" is a bad escape");
	ok(view_query_unescape("%g1", 3, out, &n) < 0, "\"%%g1\" is a bad escape");
	ok(view_query_unescape("%41", 2, out, &n) < 0,
	   "only len bytes are read: \"%%4\" of \"%%41\" is a bad escape");
}

int main(void)
{
	test_fields();
	test_query();
	test_cache();
	test_unescape();
	return done_testing();
}
