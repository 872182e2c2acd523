/*
 * t-images.c - the "images" module (mod_images.c) through decide(), with
 * rule files in a temporary directory: references normalised as dockerd
 * normalises them (docker/distribution's ParseNormalizedNamed), '*' and
 * '**' patterns over the repository, images given by ID denied, and the
 * three requests it judges: container create (Image), pull and import
 * (POST /images/create), tag (source and target). Anything else is none
 * of its business. Last, the errors of a bad "images" line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decide.h"
#include "ruleset.h"
#include "tap.h"
#include "testlib.h"

#define DIGEST "sha256:45b23dee08af5e43a7fea6c4cf9c25ccf269ee113168c19722f87876677c5cb2"
#define HEX64 "45b23dee08af5e43a7fea6c4cf9c25ccf269ee113168c19722f87876677c5cb2"

static const char *dir;
static struct ruleset *rs;

/* body NULL: no RequestBody (and no Content-Type). */
static void judge(const char *cn, const char *method, const char *uri,
		  const char *body, struct verdict *v)
{
	/* a body is JSON; a bodiless POST, as dockerd's Go client sends
	 * one, says Content-Length 0 */
	json_t *h = body != NULL
			    ? json_pack("{s:s}", "Content-Type", "application/json")
			    : json_pack("{s:s}", "Content-Length", "0");
	char *text = authz_req_text(&(struct authz_req){
		.method = method,
		.uri = uri,
		.headers = h,
		.body = body,
		.bodylen = body != NULL ? strlen(body) : 0,
	});

	judge_text(rs, cn, text, v);
	free(text);
}

/* deny_with NULL: allowed; else denied with that in the message. */
static void expect(const char *cn, const char *method, const char *uri,
		   const char *body, const char *deny_with, const char *name)
{
	struct verdict v;

	judge(cn, method, uri, body, &v);
	if (deny_with == NULL) {
		if (!ok(v.allow, "%s: %s is allowed", cn, name))
			diag("%s", v.msg);
	} else {
		ok(!v.allow, "%s: %s is denied", cn, name);
		like(v.msg, deny_with, "... with \"%s\"", deny_with);
	}
}

/* A container create running image (a JSON string literal's content). */
static void run(const char *cn, const char *image, const char *deny_with)
{
	char body[1024];

	snprintf(body, sizeof body,
		 "{\"Image\":\"%s\",\"Cmd\":[\"sh\"],\"HostConfig\":{}}", image);
	expect(cn, "POST", "/v1.41/containers/create", body, deny_with, image);
}

static void test_normalise(void)
{
	/* client allows docker.io/library/ONE, registry.example.com/team/ANY,
	 * localhost:5000/x/ONE and Foo/ONE (see main) */
	run("client", "busybox", NULL);
	run("client", "busybox:1.36", NULL);
	run("client", "busybox:latest@" DIGEST, NULL);
	run("client", "busybox@" DIGEST, NULL);
	run("client", "library/busybox", NULL);
	run("client", "docker.io/busybox", NULL);
	run("client", "docker.io/library/busybox", NULL);
	run("client", "docker.io/library/busybox:1.36", NULL);
	run("client", "index.docker.io/busybox", NULL);
	run("client", "index.docker.io/library/busybox:1", NULL);
	run("client", "someone/busybox",
	    "image docker.io/someone/busybox is not in the image allow-list");
	run("client", "docker.io/someone/busybox",
	    "image docker.io/someone/busybox is not in the image allow-list");
	run("client", "index.docker.io/someone/busybox",
	    "image docker.io/someone/busybox is not");
	run("client", "docker.io/library/a/b", "image docker.io/library/a/b is not");
	run("client", "localhost:5000/x/y:tag", NULL);
	run("client", "localhost:5000/x/y", NULL);
	run("client", "localhost:5000/x/y@" DIGEST, NULL);
	run("client", "localhost:5000/x/y/z", "image localhost:5000/x/y/z is not");
	run("client", "localhost:5001/x/y", "image localhost:5001/x/y is not");
	run("client", "localhost/x/y", "image localhost/x/y is not");
	/* no '/': the official image "localhost", tag 5000 */
	run("client", "localhost:5000", NULL);
	run("dstar", "localhost:5000", "image docker.io/library/localhost is");
	run("client", "registry.example.com/team/app@" DIGEST, NULL);
	run("client", "registry.example.com/team/app:1.0", NULL);
	run("client", "registry.example.com/team/a/b/c:1", NULL);
	run("client", "registry.example.com/other/app",
	    "image registry.example.com/other/app is not");
	run("client", "registry.example.com/teamx/app",
	    "image registry.example.com/teamx/app is not");
	run("client", "registry.example.com:443/team/app",
	    "image registry.example.com:443/team/app is not");
	/* an upper-case first component is a registry, as in current
	 * distribution/reference (dockerd 20.10's 2.8 rejects the name) */
	run("client", "Foo/bar", NULL);
	run("client", "foo/bar", "image docker.io/foo/bar is not");
	run("star", "Foo/bar", "image Foo/bar is not in the image allow-list");
	run("star", "fOO/bar", "image fOO/bar is not");
	/* '*' is one component, '**' any number */
	run("star", "someone/app", NULL);
	run("star", "docker.io/someone/app:2", NULL);
	run("star", "app", NULL); /* docker.io/library/app */
	run("star", "apps", "image docker.io/library/apps is");
	run("star", "someone/deep/app", "image docker.io/someone/deep/app is not");
	run("star", "someone/app2", "image docker.io/someone/app2 is not");
	run("dstar", "registry.example.com/a", NULL);
	run("dstar", "registry.example.com/a/b/c/d:1", NULL);
	run("dstar", "registry.example.com.evil.io/a",
	    "image registry.example.com.evil.io/a is not");
	run("dstar", "busybox", "image docker.io/library/busybox is not");
	/* images given by ID cannot be checked */
	run("client", DIGEST,
	    "image \"" DIGEST "\": an image given by ID cannot be checked against the list");
	run("client", "sha256:45b23dee08af", "given by ID");
	run("client", HEX64, "given by ID");
	run("client", "e4d749581c56", "given by ID");
	run("client", "deadbeef", "given by ID");
	run("client", "", "image \"\": no image named");
}

static void test_endpoints(void)
{
	char uri[512];

	expect("client", "POST", "/v1.41/containers/create",
	       "{\"Cmd\":[\"sh\"],\"HostConfig\":{}}",
	       "container create without an Image string", "a create without Image");
	expect("client", "POST", "/v1.41/containers/create",
	       "{\"Image\":5}", "container create without an Image string",
	       "a create with a number for Image");
	expect("client", "POST", "/v1.41/containers/create",
	       "{\"image\":\"evil/x\"}",
	       "image docker.io/evil/x is not", "a create with \"image\" in lower case");
	expect("client", "POST", "/v1.41/containers/create", NULL,
	       "not available for inspection", "a create without its body");
	expect("client", "POST", "/v1.41/containers/create",
	       "{\"Image\":\"busybox\",\"image\":\"evil/x\"}",
	       "cannot be inspected", "a create with Image twice");

	expect("client", "POST", "/v1.41/images/create?fromImage=busybox&tag=latest",
	       NULL, NULL, "pull busybox:latest");
	expect("client", "POST",
	       "/v1.41/images/create?fromImage=docker.io%2Flibrary%2Fbusybox&tag=1.36",
	       NULL, NULL, "pull docker.io%2Flibrary%2Fbusybox");
	expect("client", "POST", "/v1.41/images/create?fromImage=evil%2Fx&tag=latest",
	       NULL, "pull of docker.io/evil/x is not in the image allow-list",
	       "pull evil/x");
	expect("client", "POST", "/v1.41/images/create?tag=latest&fromImage=evil/x",
	       NULL, "pull of docker.io/evil/x is not", "pull evil/x (tag first)");
	expect("client", "POST",
	       "/v1.41/images/create?fromImage=busybox&fromImage=evil/x", NULL,
	       NULL, "pull with fromImage twice: the first is dockerd's");
	expect("client", "POST",
	       "/v1.41/images/create?fromImage=evil/x&fromImage=busybox", NULL,
	       "pull of docker.io/evil/x", "... and the other way round");
	expect("client", "POST", "/v1.41/images/create?fromImage=busybox;x=1",
	       NULL, "query string cannot be read as dockerd reads it",
	       "pull with a ';' in the query");
	expect("client", "POST", "/v1.41/images/create?fromImage=" HEX64, NULL,
	       "given by ID", "pull of a hex name");
	expect("client", "POST", "/v1.41/images/create?fromSrc=-&repo=busybox&tag=x",
	       NULL, NULL, "import as busybox");
	expect("client", "POST", "/v1.41/images/create?fromSrc=-&repo=evil%2Fx",
	       NULL, "import as docker.io/evil/x is not in the image allow-list",
	       "import as evil/x");
	expect("client", "POST",
	       "/v1.41/images/create?fromSrc=http%3A%2F%2Fexample.com%2Fx.tar", NULL,
	       "import as \"\": no image named", "import without a repo");
	expect("client", "POST", "/v1.41/images/create?fromImage=&fromSrc=-&repo=evil/x",
	       NULL, "import as docker.io/evil/x",
	       "import with an empty fromImage");
	expect("client", "POST", "/v1.41/images/create", NULL, NULL,
	       "/images/create with neither (dockerd fails it)");

	expect("client", "POST", "/v1.41/images/busybox/tag?repo=mine&tag=1", NULL,
	       NULL, "tag busybox as mine");
	expect("client", "POST",
	       "/v1.41/images/busybox:1.36/tag?repo=docker.io%2Flibrary%2Fmine", NULL,
	       NULL, "tag busybox:1.36 as docker.io/library/mine");
	expect("client", "POST", "/v1.41/images/busybox/tag?repo=evil/x&tag=1", NULL,
	       "tag target docker.io/evil/x is not in the image allow-list",
	       "tag busybox as evil/x");
	expect("client", "POST", "/v1.41/images/evil/x/tag?repo=busybox", NULL,
	       "tag source docker.io/evil/x is not in the image allow-list",
	       "tag evil/x as busybox");
	expect("client", "POST", "/v1.41/images/evil%2Fx/tag?repo=busybox", NULL,
	       "tag source docker.io/evil/x is not", "tag evil%2Fx as busybox");
	expect("client", "POST",
	       "/v1.41/images/localhost:5000/x/y:1/tag?repo=localhost:5000/x/z",
	       NULL, NULL, "tag within localhost:5000/x");
	snprintf(uri, sizeof uri, "/v1.41/images/%s/tag?repo=busybox", DIGEST);
	expect("client", "POST", uri, NULL,
	       "tag source \"" DIGEST "\": an image given by ID cannot be checked",
	       "tag an image ID");
	expect("client", "POST", "/v1.41/images/e4d749581c56/tag?repo=busybox",
	       NULL, "tag source \"e4d749581c56\": an image given by ID",
	       "tag a short image ID");
	expect("client", "POST", "/v1.41/images/busybox/tag", NULL, NULL,
	       "tag without a repo (dockerd fails it)");

	/* none of its business */
	expect("client", "GET", "/v1.41/images/json", NULL, NULL, "image ls");
	expect("client", "GET", "/v1.41/images/evil/x/json", NULL, NULL,
	       "inspect evil/x");
	expect("client", "DELETE", "/v1.41/images/evil/x", NULL, NULL, "rmi evil/x");
	expect("client", "POST", "/v1.41/images/evil/x/push", NULL, NULL,
	       "push evil/x");
	expect("client", "POST", "/v1.41/containers/web/start", NULL, NULL,
	       "a container start");
	expect("client", "GET", "/v1.41/images/create?fromImage=evil/x", NULL,
	       NULL, "GET /images/create (dockerd routes no such thing)");
	expect("client", "PUT", "/v1.41/containers/create", NULL, NULL,
	       "PUT /containers/create (nor that)");
	expect("client", "POST", "/v1.41/containers/create/x", NULL, NULL,
	       "POST /containers/create/x");
}

static void test_errors(void)
{
	static const struct {
		const char *cn, *line, *word;
		size_t offset;
		const char *msg;
	} e[] = {
		{"e1", "requisite images", "images", 0,
		 "images: images needs at least one repository pattern"},
		{"e2", "requisite images docker.io/library/* /docker.io/x",
		 "/docker.io/x", 0,
		 "images: want a repository pattern such as docker.io/library/* (no digest or leading '/')"},
		{"e3", "requisite images docker.io/x@sha256:abc", "docker.io/x@", 0,
		 "images: want a repository pattern"},
	};
	char want[512], file[16];

	for (size_t i = 0; i < sizeof e / sizeof e[0]; i++) {
		const char *got = NULL;
		struct verdict v;

		snprintf(want, sizeof want, "%s/%s:1:%zu: %s", dir, e[i].cn,
			 (size_t)(strstr(e[i].line, e[i].word) - e[i].line) + 1 +
				 e[i].offset,
			 e[i].msg);
		/* "/e1:", not "e1": the directory's random name may hold it */
		snprintf(file, sizeof file, "/%s:", e[i].cn);
		for (size_t k = 0; k < ruleset_nerrors(rs); k++)
			if (strstr(ruleset_error(rs, k), file) != NULL)
				got = ruleset_error(rs, k);
		like(got, want, "%s: \"%s\" is reported at its word", e[i].cn,
		     e[i].line);
		judge(e[i].cn, "GET", "/_ping", NULL, &v);
		ok(!v.allow, "%s: the broken file denies everything", e[i].cn);
	}
	{
		const char *got = NULL;

		for (size_t k = 0; k < ruleset_nerrors(rs); k++)
			if (strstr(ruleset_error(rs, k), "/e4:") != NULL)
				got = ruleset_error(rs, k);
		snprintf(want, sizeof want, "%s/e4:1:", dir);
		like(got, want, "e4: an unclosed '{' in a pattern is an error");
		like(got, "images: ", "... from images");
	}
}

int main(void)
{
	struct ruleset_opts o = {.insecure_permissions = true};

	dir = scratch_make("images");
	put("client",
	    "requisite images docker.io/library/* registry.example.com/team/** "
	    "localhost:5000/x/* Foo/*\n"
	    "sufficient permit\n");
	put("star", "requisite images docker.io/*/app\nsufficient permit\n");
	put("dstar", "requisite images registry.example.com/**\nsufficient permit\n");
	put("e1", "requisite images\n");
	put("e2", "requisite images docker.io/library/* /docker.io/x\n");
	put("e3", "requisite images docker.io/x@sha256:abc\n");
	put("e4", "requisite images docker.io/{a,b\n");
	rs = load_rules(dir, &o);
	is_int((long long)ruleset_nerrors(rs), 4, "the four bad files are errors");
	test_normalise();
	test_endpoints();
	test_errors();
	ruleset_unref(rs);
	scratch_remove();
	return done_testing();
}
