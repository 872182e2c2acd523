/*
 * t-owner.c - the "owner" module (mod_owner.c) through decide(), with a
 * store (owners.h) and rule files in a scratch directory: every kind of
 * object-scoped call on alice's own object, on bob's and on an unowned
 * one; references by ID, name, /name, prefix and an ambiguous prefix;
 * the references in create bodies, connects, commits, tags, pulls and
 * builds; all-hex names; sharing by CN and OU; allow-unowned,
 * ignore-reads, kinds; AuthZRes ignored; no store or an unhealthy one
 * denies; the audit facts name object and owner; the init errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decide.h"
#include "identity.h"
#include "owners.h"
#include "ruleset.h"
#include "tap.h"
#include "testlib.h"

#define AWEB "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"
#define BDB "a1b2c3ffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
#define BWEB "b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0"
#define AGENT "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00"
#define AEXEC "e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1"
#define BEXEC "e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2"
#define ANET "d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1"
#define BNET "d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2"
#define BRIDGE "f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0"

static struct ruleset *rs;
static struct owners *store;
static bool response;
static json_t *last_facts;

static void judge(const char *cn, const char *method, const char *uri,
		  const char *body, struct decision *d)
{
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
	struct cnz_err err;
	struct decide_opts o = {.owners = store, .response = response};

	o.as = identity_named(cn, &err);
	if (o.as == NULL)
		bail(err.msg);
	decide(rs, text, strlen(text), &o, d);
	identity_unref(o.as);
	free(text);
}

/* deny_with NULL: allowed; else denied saying that. */
static void expect(const char *cn, const char *method, const char *uri,
		   const char *body, const char *deny_with)
{
	struct decision d;

	judge(cn, method, uri, body, &d);
	if (deny_with == NULL) {
		if (!ok(d.allow, "%s: %s %s%s%s is allowed", cn, method, uri,
			body ? " " : "", body ? body : ""))
			diag("%s", d.msg);
	} else {
		ok(!d.allow, "%s: %s %s%s%s is denied", cn, method, uri,
		   body ? " " : "", body ? body : "");
		like(d.msg, deny_with, "... with \"%s\"", deny_with);
	}
	json_decref(last_facts);
	last_facts = d.facts != NULL ? json_loads(d.facts, 0, NULL) : NULL;
	decision_clear(&d);
}

static void own(enum own_kind k, const char *key, const char *name,
		const char *extra, const char *cn, const char *ou)
{
	struct own_put p = {.name = name, .extra = extra, .cn = cn, .ou = ou};

	if (owners_put(store, k, key, &p) < 0)
		bail("owners_put");
}

static void setup(void)
{
	const char *dir = scratch_make("owner");

	put("alice", "requisite owner\nsufficient permit\n");
	put("bob", "requisite owner\nsufficient permit\n");
	put("carol", "requisite owner share=alice\nsufficient permit\n");
	put("dave", "requisite owner allow-unowned\nsufficient permit\n");
	put("erin", "requisite owner share-ou=dev\nsufficient permit\n");
	put("frank", "requisite owner ignore-reads\nsufficient permit\n");
	put("gina", "requisite owner volumes\nsufficient permit\n");
	rs = load_rules(dir, &(struct ruleset_opts){.insecure_permissions = true});
	store = owners_new();
	own(OWN_CONTAINER, AWEB, "aweb", NULL, "alice", "dev");
	own(OWN_CONTAINER, BDB, "bdb", NULL, "bob", NULL);
	own(OWN_CONTAINER, BWEB, "bweb", NULL, "bob", NULL);
	own(OWN_CONTAINER, AGENT, "agent", NULL, NULL, NULL);
	own(OWN_EXEC, AEXEC, NULL, AWEB, "alice", NULL);
	own(OWN_EXEC, BEXEC, NULL, AWEB, "bob", NULL);
	own(OWN_VOLUME, "avol", NULL, NULL, "alice", NULL);
	own(OWN_VOLUME, "bvol", NULL, NULL, "bob", NULL);
	own(OWN_VOLUME, "oldvol", NULL, NULL, NULL, NULL);
	own(OWN_NETWORK, ANET, "anet", NULL, "alice", NULL);
	own(OWN_NETWORK, BNET, "bnet", NULL, "bob", NULL);
	own(OWN_NETWORK, BRIDGE, "bridge", NULL, NULL, NULL);
	own(OWN_TAG, "docker.io/library/aapp:1", NULL, NULL, "alice", NULL);
	own(OWN_TAG, "docker.io/library/bapp:latest", NULL, NULL, "bob", NULL);
	own(OWN_TAG, "docker.io/library/busybox:latest", NULL, NULL, NULL, NULL);
}

static void test_paths(void)
{
	static const char *const calls[][2] = {
		{"GET", "/json"},      {"GET", "/logs?stdout=1"},
		{"GET", "/top"},       {"GET", "/changes"},
		{"GET", "/stats"},     {"GET", "/export"},
		{"GET", "/archive?path=/etc"}, {"HEAD", "/archive?path=/"},
		{"GET", "/attach/ws"}, {"PUT", "/archive?path=/"},
		{"POST", "/start"},    {"POST", "/stop"},
		{"POST", "/kill"},     {"POST", "/restart"},
		{"POST", "/pause"},    {"POST", "/unpause"},
		{"POST", "/attach"},   {"POST", "/wait"},
		{"POST", "/resize"},   {"POST", "/update"},
		{"DELETE", ""},
	};
	char uri[200];

	for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++) {
		snprintf(uri, sizeof uri, "/v1.41/containers/aweb%s", calls[i][1]);
		expect("alice", calls[i][0], uri, NULL, NULL);
		snprintf(uri, sizeof uri, "/v1.41/containers/bweb%s", calls[i][1]);
		expect("alice", calls[i][0], uri, NULL,
		       "container bweb (b0b0b0b0b0b0) belongs to bob");
		snprintf(uri, sizeof uri, "/v1.41/containers/agent%s", calls[i][1]);
		expect("alice", calls[i][0], uri, NULL,
		       "container agent (c0ffee00c0ff) is unowned: only a CN whose rules allow unowned objects");
	}
	expect("alice", "POST", "/v1.41/containers/" AWEB "/start", NULL, NULL);
	expect("alice", "POST", "/v1.41/containers/%2Faweb/start", NULL,
	       "empty path segment"); /* route.c: the router would redirect */
	expect("alice", "POST", "/v1.41/containers/a1b2c3d4/start", NULL, NULL);
	expect("alice", "POST", "/v1.41/containers/a1b2c3/start", NULL,
	       "container reference \"a1b2c3\" is ambiguous: 2 or more IDs start with it");
	expect("alice", "POST", "/v1.41/containers/b0b0/start", NULL,
	       "belongs to bob");
	expect("alice", "POST", "/v1.41/containers/nosuch/start", NULL,
	       "no container \"nosuch\" is known to cnauthz");
	expect("alice", "GET", "/v1.41/containers/aweb/db/json", NULL,
	       "container reference \"aweb/db\" is refused: a link alias");
	expect("alice", "DELETE", "/v1.41/containers/bweb/checkpoints/c1", NULL,
	       "belongs to bob");
	expect("bob", "POST", "/v1.41/containers/bweb/stop", NULL, NULL);
	expect("alice", "POST", "/v1.41/containers/bweb/exec",
	       "{\"Cmd\":[\"sh\"]}", "belongs to bob");
	expect("alice", "POST", "/v1.41/containers/aweb/exec",
	       "{\"Cmd\":[\"sh\"]}", NULL);

	/* execs */
	expect("alice", "POST", "/v1.41/exec/" AEXEC "/start", "{}", NULL);
	expect("alice", "GET", "/v1.41/exec/" AEXEC "/json", NULL, NULL);
	expect("alice", "POST", "/v1.41/exec/" BEXEC "/start", "{}",
	       "exec e2e2e2e2e2e2 belongs to bob");
	expect("alice", "POST", "/v1.41/exec/" BEXEC "/resize?h=1&w=1", NULL,
	       "belongs to bob");
	expect("alice", "POST", "/v1.41/exec/e1e1/start", "{}",
	       "no exec \"e1e1\"");

	/* volumes */
	expect("alice", "GET", "/v1.41/volumes/avol", NULL, NULL);
	expect("alice", "DELETE", "/v1.41/volumes/avol", NULL, NULL);
	expect("alice", "GET", "/v1.41/volumes/bvol", NULL,
	       "volume bvol belongs to bob");
	expect("alice", "DELETE", "/v1.41/volumes/oldvol", NULL,
	       "volume oldvol is unowned");
	expect("alice", "POST", "/v1.41/volumes/create", "{\"Name\":\"bvol\"}",
	       "volume create: volume bvol belongs to bob");
	expect("alice", "POST", "/v1.41/volumes/create", "{\"Name\":\"avol\"}", NULL);
	expect("alice", "POST", "/v1.41/volumes/create", "{\"Name\":\"newvol\"}", NULL);
	expect("alice", "POST", "/v1.41/volumes/create", "{}", NULL);

	/* networks */
	expect("alice", "GET", "/v1.41/networks/anet", NULL, NULL);
	expect("alice", "GET", "/v1.41/networks/bridge", NULL, NULL);
	expect("alice", "GET", "/v1.41/networks/bnet", NULL,
	       "network bnet (d2d2d2d2d2d2) belongs to bob");
	expect("alice", "DELETE", "/v1.41/networks/bnet", NULL, "belongs to bob");
	expect("alice", "DELETE", "/v1.41/networks/bridge", NULL, "is unowned");
	expect("alice", "POST", "/v1.41/networks/anet/connect",
	       "{\"Container\":\"aweb\"}", NULL);
	expect("alice", "POST", "/v1.41/networks/bridge/connect",
	       "{\"Container\":\"aweb\"}", NULL);
	expect("alice", "POST", "/v1.41/networks/bnet/connect",
	       "{\"Container\":\"aweb\"}", "belongs to bob");
	expect("alice", "POST", "/v1.41/networks/anet/connect",
	       "{\"Container\":\"bweb\"}",
	       "Container: container bweb");
	expect("alice", "POST", "/v1.41/networks/anet/disconnect",
	       "{\"Container\":\"agent\"}", "Container: container agent");
	expect("alice", "POST", "/v1.41/networks/create", "{\"Name\":\"bnet\"}",
	       "network create: the name is taken: network bnet");
	expect("alice", "POST", "/v1.41/networks/create", "{\"Name\":\"deadbeef\"}",
	       "network name \"deadbeef\" is all hex digits");
	expect("alice", "POST", "/v1.41/networks/create", "{\"Name\":\"mynet\"}", NULL);
	expect("alice", "POST", "/v1.41/networks/prune", NULL,
	       "a prune removes other owners' networks too");
}

static void create(const char *hostconfig, const char *deny_with)
{
	char body[1024];

	snprintf(body, sizeof body,
		 "{\"Image\":\"busybox\",\"HostConfig\":{%s}}", hostconfig);
	expect("alice", "POST", "/v1.41/containers/create", body, deny_with);
}

static void test_bodies(void)
{
	create("", NULL);
	create("\"NetworkMode\":\"container:aweb\"", NULL);
	create("\"NetworkMode\":\"container:bweb\"",
	       "HostConfig.NetworkMode: container bweb");
	create("\"PidMode\":\"container:" BWEB "\"",
	       "HostConfig.PidMode: container bweb");
	create("\"IpcMode\":\"container:agent\"",
	       "HostConfig.IpcMode: container agent");
	create("\"NetworkMode\":\"anet\"", NULL);
	create("\"NetworkMode\":\"bridge\"", NULL);
	create("\"NetworkMode\":\"bnet\"",
	       "HostConfig.NetworkMode: network bnet");
	create("\"VolumesFrom\":[\"aweb:ro\"]", NULL);
	create("\"VolumesFrom\":[\"/aweb\"]", NULL);
	create("\"VolumesFrom\":[\"/bweb:rw\"]", "container bweb (b0b0b0b0b0b0) belongs to bob");
	create("\"VolumesFrom\":[\"bweb:ro\"]",
	       "HostConfig.VolumesFrom: container bweb");
	create("\"Links\":[\"/bdb:/x/db\"]",
	       "HostConfig.Links: container bdb");
	create("\"Links\":[\"aweb:web\"]", NULL);
	create("\"Binds\":[\"avol:/data\",\"newvol:/new:ro\",\"/anon\"]", NULL);
	create("\"Binds\":[\"bvol:/data\"]",
	       "HostConfig.Binds: volume bvol belongs to bob");
	create("\"Mounts\":[{\"Type\":\"volume\",\"Source\":\"oldvol\",\"Target\":\"/m\"}]",
	       "HostConfig.Mounts: volume oldvol is unowned");
	create("\"Mounts\":[{\"Type\":\"volume\",\"Target\":\"/m\"}]", NULL);
	expect("alice", "POST", "/v1.41/containers/create",
	       "{\"Image\":\"busybox\",\"NetworkMode\":\"container:bweb\"}",
	       "top-level NetworkMode: container bweb");
	expect("alice", "POST", "/v1.41/containers/create",
	       "{\"Image\":\"busybox\",\"HostConfig\":{},\"NetworkingConfig\":"
	       "{\"EndpointsConfig\":{\"bnet\":{}}}}",
	       "NetworkingConfig.EndpointsConfig: network bnet");
	expect("alice", "POST", "/v1.41/containers/create?name=abc123",
	       "{\"Image\":\"busybox\"}",
	       "container name \"abc123\" is all hex digits");
	expect("alice", "POST", "/v1.41/containers/create?name=%2Fbeef",
	       "{\"Image\":\"busybox\"}", "container name \"beef\" is all hex");
	expect("alice", "POST", "/v1.41/containers/create?name=web2",
	       "{\"Image\":\"busybox\"}", NULL);
	expect("alice", "POST", "/v1.41/containers/aweb/rename?name=cafe", NULL,
	       "container name \"cafe\" is all hex digits");
	expect("alice", "POST", "/v1.41/containers/aweb/rename?name=web3", NULL, NULL);
	expect("alice", "POST", "/v1.41/containers/bweb/rename?name=web3", NULL,
	       "belongs to bob");
	/* a legacy start body is a HostConfig too */
	expect("alice", "POST", "/v1.23/containers/aweb/start",
	       "{\"NetworkMode\":\"container:bweb\"}",
	       "top-level NetworkMode: container bweb");
	expect("alice", "POST", "/v1.41/containers/prune", NULL,
	       "a prune removes other owners' containers too");
}

static void test_images(void)
{
	expect("alice", "POST", "/v1.41/commit?container=aweb&repo=aapp&tag=1", NULL, NULL);
	expect("alice", "POST", "/v1.41/commit?container=aweb&repo=newapp", NULL, NULL);
	expect("alice", "POST", "/v1.41/commit?container=aweb", NULL, NULL);
	expect("alice", "POST", "/v1.41/commit?container=bweb&repo=newapp", NULL,
	       "commit container: container bweb");
	expect("alice", "POST", "/v1.41/commit?container=aweb&repo=bapp", NULL,
	       "commit: image tag docker.io/library/bapp:latest belongs to bob");
	expect("alice", "POST", "/v1.41/commit?container=aweb&repo=busybox", NULL,
	       "commit: image tag docker.io/library/busybox:latest is unowned");
	expect("alice", "POST", "/v1.41/commit?container=aweb&repo=a1b2", NULL,
	       "a repository name of hex digits");
	expect("alice", "POST", "/v1.41/commit?repo=x", NULL,
	       "container reference \"\" is refused");
	expect("alice", "POST", "/v1.41/images/busybox/tag?repo=aapp&tag=1", NULL, NULL);
	expect("alice", "POST", "/v1.41/images/busybox/tag?repo=mine", NULL, NULL);
	expect("alice", "POST", "/v1.41/images/busybox/tag?repo=docker.io/library/bapp", NULL,
	       "tag: image tag docker.io/library/bapp:latest belongs to bob");
	expect("alice", "POST", "/v1.41/images/busybox/tag?repo=bapp:v2&tag=latest", NULL,
	       "belongs to bob");
	expect("alice", "POST", "/v1.41/images/busybox/tag?repo=busybox", NULL,
	       "is unowned");
	expect("alice", "POST", "/v1.41/images/busybox/tag?repo=deadbeef", NULL,
	       "hex digits");
	expect("alice", "POST", "/v1.41/images/busybox/tag?repo=sha256&tag=abc", NULL,
	       "hex digits (or sha256)");
	expect("alice", "POST", "/v1.41/images/busybox/tag?repo=Bad", NULL,
	       "not a tag cnauthz can judge");
	expect("alice", "DELETE", "/v1.41/images/aapp:1", NULL, NULL);
	expect("alice", "DELETE", "/v1.41/images/bapp", NULL,
	       "image tag docker.io/library/bapp:latest belongs to bob");
	expect("alice", "DELETE", "/v1.41/images/busybox", NULL, "is unowned");
	expect("alice", "DELETE", "/v1.41/images/sha256:" AWEB, NULL,
	       "only an image tag can be judged");
	expect("alice", "DELETE", "/v1.41/images/" AWEB, NULL,
	       "only an image tag can be judged");
	expect("alice", "DELETE", "/v1.41/images/a1b2", NULL,
	       "no tag \"docker.io/library/a1b2:latest\" is known");
	expect("alice", "POST", "/v1.41/images/create?fromImage=busybox&tag=latest", NULL, NULL);
	expect("alice", "POST", "/v1.41/images/create?fromImage=aapp&tag=1", NULL, NULL);
	expect("alice", "POST", "/v1.41/images/create?fromImage=newimg", NULL, NULL);
	expect("alice", "POST", "/v1.41/images/create?fromImage=bapp&tag=latest", NULL,
	       "pull: a pull would move image tag docker.io/library/bapp:latest, which belongs to bob");
	expect("alice", "POST", "/v1.41/images/create?fromImage=bapp:latest", NULL,
	       "belongs to bob");
	expect("alice", "POST", "/v1.41/images/create?fromImage=bapp", NULL,
	       "pull: a pull of every tag would move image tag docker.io/library/bapp:latest");
	expect("alice", "POST", "/v1.41/images/create?fromImage=bapp&tag=sha256:"
	       AWEB, NULL, NULL);
	expect("alice", "POST", "/v1.41/images/create?fromSrc=-&repo=bapp", NULL,
	       "import: image tag docker.io/library/bapp:latest belongs to bob");
	expect("alice", "POST", "/v1.41/build?t=mine:1&t=bapp", NULL,
	       "build tag: image tag docker.io/library/bapp:latest belongs to bob");
	expect("alice", "POST", "/v1.41/build?t=mine:1", NULL, NULL);
	expect("alice", "POST", "/v1.41/images/load", NULL, "an image load makes whatever tags");
	expect("alice", "POST", "/v1.41/images/prune", NULL, "a prune removes other owners' images");
	expect("alice", "GET", "/v1.41/images/bapp/json", NULL, NULL);
}

static void test_options(void)
{
	struct decision d;
	char buf[64];

	expect("carol", "POST", "/v1.41/containers/aweb/stop", NULL, NULL);
	expect("carol", "POST", "/v1.41/containers/bweb/stop", NULL, "belongs to bob");
	expect("dave", "POST", "/v1.41/containers/agent/stop", NULL, NULL);
	expect("dave", "POST", "/v1.41/containers/bweb/stop", NULL, "belongs to bob");
	expect("erin", "POST", "/v1.41/containers/aweb/stop", NULL, NULL);
	expect("erin", "POST", "/v1.41/containers/bdb/stop", NULL, "belongs to bob");
	expect("frank", "GET", "/v1.41/containers/bweb/json", NULL, NULL);
	expect("frank", "POST", "/v1.41/containers/bweb/stop", NULL, "belongs to bob");
	expect("gina", "POST", "/v1.41/containers/bweb/stop", NULL, NULL);
	expect("gina", "DELETE", "/v1.41/volumes/bvol", NULL, "belongs to bob");
	expect("gina", "POST", "/v1.41/containers/create",
	       "{\"HostConfig\":{\"NetworkMode\":\"container:bweb\","
	       "\"Binds\":[\"bvol:/x\"]}}", "HostConfig.Binds: volume bvol");

	/* the facts the audit records */
	expect("alice", "POST", "/v1.41/containers/bweb/stop", NULL, "bob");
	ok(last_facts != NULL, "the decision has facts");
	{
		json_t *o = json_array_get(json_object_get(last_facts, "objects"), 0);

		is_str(json_string_value(json_object_get(o, "kind")), "container",
		       "... the object's kind");
		is_str(json_string_value(json_object_get(o, "id")), BWEB, "... its ID");
		is_str(json_string_value(json_object_get(o, "owner")), "bob",
		       "... its owner");
		is_str(json_string_value(json_object_get(o, "verdict")), "other",
		       "... and the verdict");
	}
	expect("alice", "POST", "/v1.41/containers/agent/stop", NULL, "unowned");
	ok(json_is_null(json_object_get(json_array_get(
		   json_object_get(last_facts, "objects"), 0), "owner")),
	   "an unowned object's owner is null");

	/* at the AuthZRes the call has run: nothing to judge */
	response = true;
	expect("alice", "DELETE", "/v1.41/containers/bweb", NULL, NULL);
	response = false;

	/* unhealthy, and none at all */
	owners_fault(store, OWN_FAULT_WRITE, "/var/lib/cnauthz/owners.json: No space left on device");
	expect("alice", "POST", "/v1.41/containers/aweb/stop", NULL,
	       "ownership cannot be judged: /var/lib/cnauthz/owners.json: No space left");
	expect("alice", "GET", "/v1.41/containers/json", NULL, NULL);
	/* a call that names no object is judged without the store */
	expect("alice", "POST", "/v1.41/containers/create?name=web3",
	       "{\"Image\":\"busybox\",\"HostConfig\":{}}", NULL);
	expect("alice", "POST", "/v1.41/containers/create?name=f00d",
	       "{\"Image\":\"busybox\"}", "container name \"f00d\" is all hex");
	create("\"VolumesFrom\":[\"aweb\"]", "ownership cannot be judged");
	owners_fault(store, OWN_FAULT_WRITE, NULL);
	expect("alice", "POST", "/v1.41/containers/aweb/stop", NULL, NULL);
	{
		struct owners *keep = store;

		store = NULL;
		expect("alice", "POST", "/v1.41/containers/aweb/stop", NULL,
		       "ownership is not known here");
		expect("alice", "POST", "/v1.41/networks/create",
		       "{\"Name\":\"anet2\"}", "ownership is not known here");
		expect("alice", "POST", "/v1.41/volumes/create", "{}", NULL);
		expect("alice", "POST", "/v1.41/containers/prune", NULL,
		       "prune");
		store = keep;
	}

	/* init errors */
	{
		const char *dir = scratch_at("");
		struct ruleset *bad;

		(void)dir;
		put("badopt", "requisite owner nonsense\n");
		put("badshare", "requisite owner share=@other\n");
		bad = load_rules(scratch_at(""),
				 &(struct ruleset_opts){.insecure_permissions = true});
		judge("badopt", "GET", "/v1.41/_ping", NULL, &d);
		decision_clear(&d);
		snprintf(buf, sizeof buf, "%zu", ruleset_nerrors(bad));
		is_str(buf, "2", "two broken files");
		for (size_t i = 0; i < ruleset_nerrors(bad); i++)
			diag("%s", ruleset_error(bad, i));
		like(ruleset_error(bad, 0), "unknown kind or option \"nonsense\"",
		     "an unknown option is named");
		like(ruleset_error(bad, 1), "share= takes a CN", "a bad share=");
		ruleset_unref(bad);
	}
}

int main(void)
{
	setup();
	test_paths();
	test_bodies();
	test_images();
	test_options();
	json_decref(last_facts);
	ruleset_unref(rs);
	owners_free(store);
	scratch_remove();
	return done_testing();
}
