/*
 * fuzz-rulefile.c - the rule-file parser (rulefile_parse: words, quotes,
 * escapes, continuations, comments, controls, [result=action] brackets),
 * then, when it parses, the file loaded for real: written as "fuzz" into
 * a per-process copy of the repository's rules/ (so include and substack
 * reach @developer, @readonly, ... and the file itself), ruleset_load
 * instantiating every module (permit, deny, conditions, hostaccess,
 * images, cert, revoked: built-ins only, a file naming a shared object
 * is parsed but not loaded), splicing includes, checking loops and
 * depth; and a dry run of a dozen fixed AuthZReq requests (one from CN
 * client with its certificate) through the "fuzz" stack with decide().
 *
 * Input: a rule file.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "b64.h"
#include "common.h"
#include "decide.h"
#include "rulefile.h"
#include "ruleset.h"
#include "rulesdir.h"

static char dir[4096];     /* the per-process rules directory */
static char fuzzpath[4200]; /* dir/fuzz */

struct fixed {
	const char *method, *uri, *ctype, *body;
};

static const struct fixed fixed[] = {
	{"GET", "/v1.41/containers/json?all=1", NULL, NULL},
	{"HEAD", "/_ping", NULL, NULL},
	{"POST", "/v1.41/containers/create?name=x", "application/json",
	 "{\"Image\":\"busybox\",\"HostConfig\":{\"Privileged\":true,"
	 "\"Binds\":[\"/etc:/x\"],\"CapAdd\":[\"SYS_ADMIN\"]}}"},
	{"POST", "/v1.41/containers/create", "application/json; charset=utf-8",
	 "{\"Image\":\"registry.example.com/ci/app:1\",\"Env\":[\"A=1\"],"
	 "\"HostConfig\":{\"Memory\":0,\"Binds\":[\"vol:/data\"],"
	 "\"Mounts\":[{\"Type\":\"tmpfs\",\"Target\":\"/t\"}]}}"},
	{"POST", "/v1.41/containers/create", "text/plain", "{\"Image\":\"x\"}"},
	{"POST", "/v1.41/images/create?fromImage=registry.example.com%2Fci%2Fapp&tag=1",
	 NULL, NULL},
	{"POST", "/v1.41/images/create?fromSrc=-&repo=x;y", NULL, NULL},
	{"POST", "/v1.41/images/busybox/tag?repo=evil.example.com/x&tag=1",
	 NULL, NULL},
	{"POST", "/v1.41/build?networkmode=host&t=x", "application/x-tar",
	 NULL},
	{"DELETE", "/v1.41/containers/abc?force=1", NULL, NULL},
	{"POST", "/v1.41/containers/abc/start", NULL, NULL},
	{"POST", "/v1.41/containers/abc/exec", "application/json",
	 "{\"User\":\"root\",\"Privileged\":false,\"Cmd\":[\"sh\"]}"},
	{"POST", "/v1.41/volumes/create", "application/json",
	 "{\"Driver\":\"local\",\"DriverOpts\":{\"type\":\"none\","
	 "\"o\":\"bind\",\"device\":\"/srv\"}}"},
	{"POST", "/v1.41/networks/create", "application/json",
	 "{\"Name\":\"n\",\"Driver\":\"macvlan\",\"Options\":{\"parent\":\"eth0\"}}"},
	{"POST", "/v1.41/plugins/pull?remote=x", NULL, NULL},
	{"GET", "/v1.41/containers/c1/export", NULL, NULL},
	{"POST", "http://h/v1.41/containers/a%2Fb/kill", NULL, NULL},
};
#define NFIXED (sizeof fixed / sizeof fixed[0])
/* the fixed requests, and one from CN client with its certificate */
static struct buf envelopes[NFIXED + 1];

static void cleanup(void)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			unlinkat(dirfd(d), de->d_name, 0);
	closedir(d);
	rmdir(dir);
	for (size_t i = 0; i <= NFIXED; i++)
		buf_free(&envelopes[i]);
}

/* A container create by CN client, certificate and all, as dockerd
 * sends it (the certificate of tests/fixtures/captures). */
static void client_envelope(struct buf *b)
{
	static const char body[] =
		"{\"Image\":\"busybox\",\"HostConfig\":{\"Binds\":[\"/srv/data:/d\"]}}";
	char path[4200], pem[8192], *c, *bb;
	size_t n, cn, bn;
	int fd;

	snprintf(path, sizeof path, "%s/tests/fixtures/certs/capture-client.pem",
		 fuzz_top());
	fd = open(path, O_RDONLY | O_CLOEXEC);
	FUZZ_CHECK(fd >= 0);
	n = (size_t)read(fd, pem, sizeof pem);
	close(fd);
	FUZZ_CHECK(n > 0 && n < sizeof pem);
	c = b64_encode((const unsigned char *)pem, n, &cn);
	bb = b64_encode((const unsigned char *)body, sizeof body - 1, &bn);
	FUZZ_CHECK(c != NULL && bb != NULL);
	buf_init(b);
	buf_adds(b, "{\"User\":\"client\",\"UserAuthNMethod\":\"TLS\","
		    "\"RequestMethod\":\"POST\",\"RequestUri\":"
		    "\"/v1.41/containers/create\",\"RequestHeaders\":"
		    "{\"Content-Type\":\"application/json\"},\"RequestBody\":\"");
	buf_add(b, bb, bn);
	buf_adds(b, "\",\"RequestPeerCertificates\":[\"");
	buf_add(b, c, cn);
	buf_adds(b, "\"]}");
	FUZZ_CHECK(!b->oom);
	free(c);
	free(bb);
}

static void copy_file(const char *from, const char *to)
{
	char buf[8192];
	int in = open(from, O_RDONLY | O_CLOEXEC), out;
	ssize_t n;

	FUZZ_CHECK(in >= 0);
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	FUZZ_CHECK(out >= 0);
	while ((n = read(in, buf, sizeof buf)) > 0)
		FUZZ_CHECK(write(out, buf, (size_t)n) == n);
	FUZZ_CHECK(n == 0);
	close(in);
	close(out);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");
	char src[4096], from[8400], to[8400];
	struct dirent *de;
	DIR *d;

	(void)argc;
	(void)argv;
	snprintf(dir, sizeof dir, "%s/cnauthz-fuzz-rulefile-%ld-XXXXXX",
		 tmp != NULL && *tmp ? tmp : "/tmp", (long)getpid());
	FUZZ_CHECK(mkdtemp(dir) != NULL);
	atexit(cleanup);
	snprintf(fuzzpath, sizeof fuzzpath, "%s/fuzz", dir);
	snprintf(src, sizeof src, "%s/rules", fuzz_top());
	d = opendir(src);
	FUZZ_CHECK(d != NULL);
	while ((de = readdir(d)) != NULL) {
		if (!rulefile_name_valid(de->d_name, strlen(de->d_name)))
			continue;
		snprintf(from, sizeof from, "%s/%s", src, de->d_name);
		snprintf(to, sizeof to, "%s/%s", dir, de->d_name);
		copy_file(from, to);
	}
	closedir(d);
	for (size_t i = 0; i < NFIXED; i++) {
		const struct fixed *f = &fixed[i];

		buf_init(&envelopes[i]);
		fuzz_envelope(&envelopes[i], f->method, f->uri, strlen(f->uri),
			      f->ctype, (const unsigned char *)f->body,
			      f->body ? strlen(f->body) : 0);
	}
	client_envelope(&envelopes[NFIXED]);
	return 0;
}

/* What a message may hold: it is logged and sent to dockerd. */
static bool clean_msg(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 && *s != '\t')
			return false;
	return true;
}

/* Checks the parsed lines; false when one names a module by path (the
 * harness never dlopen()s what the fuzzer names: built-ins only). */
static bool check_lines(const struct rulefile *f)
{
	char ab[12];
	bool builtin = true;

	FUZZ_CHECK(rulefile_nlines(f) <= RULEFILE_MAX_LINES);
	for (size_t i = 0; i < rulefile_nlines(f); i++) {
		const struct rule_line *l = rulefile_line(f, i);

		FUZZ_CHECK(l->line >= 1 && l->col >= 1);
		FUZZ_CHECK(l->control != NULL && l->module != NULL &&
			   l->text != NULL);
		FUZZ_CHECK(l->argc >= 0 && l->argc <= RULEFILE_MAX_ARGS);
		for (int k = 0; k < l->argc; k++)
			FUZZ_CHECK(l->argv[k] != NULL && l->arg_line[k] >= l->line);
		if (l->kind != RULE_MODULE) {
			FUZZ_CHECK(l->argc == 0);
			FUZZ_CHECK(rulefile_name_valid(l->module,
						       strlen(l->module)));
			continue;
		}
		for (int r = 0; r < CNAUTHZ_NRESULTS; r++) {
			FUZZ_CHECK(l->actions[r] >= ACT_RESET &&
				   l->actions[r] <= RULEFILE_MAX_JUMP);
			(void)rule_action_name(l->actions[r], ab);
		}
		if (strchr(l->module, '/') != NULL)
			builtin = false;
	}
	return builtin;
}

static void dry_run(struct ruleset *rs)
{
	struct decide_opts o;

	memset(&o, 0, sizeof o);
	o.stack = "fuzz";
	for (size_t i = 0; i <= NFIXED; i++) {
		struct decision d;

		decide(rs, envelopes[i].p, envelopes[i].len, &o, &d);
		FUZZ_CHECK(d.msg[0] != '\0' && strcmp(d.stack, "fuzz") == 0);
		FUZZ_CHECK(clean_msg(d.msg));
		if (d.allow)
			FUZZ_CHECK(strncmp(d.msg, "allowed by ", 11) == 0 &&
				   d.rule[0] != '\0');
		decision_clear(&d);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cnz_err err;
	struct rulefile *f;
	struct ruleset *rs;
	struct ruleset_pick pick;
	int fd;

	f = rulefile_parse("fuzz", (const char *)data, size, &err);
	if (f == NULL) {
		FUZZ_CHECK(err.msg[0] != '\0' && clean_msg(err.msg));
		return 0;
	}
	if (!check_lines(f)) {
		rulefile_free(f);
		return 0;
	}
	rulefile_free(f);

	fd = open(fuzzpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	FUZZ_CHECK(fd >= 0);
	FUZZ_CHECK(size == 0 || write(fd, data, size) == (ssize_t)size);
	close(fd);
	{
		struct ruleset_opts ro = {.insecure_permissions = true};

		rs = ruleset_load(dir, &ro, &err);
		FUZZ_CHECK(rs != NULL);
	}
	ruleset_pick_name(rs, "fuzz", &pick);
	if (pick.stack == NULL) {
		FUZZ_CHECK(pick.error != NULL && clean_msg(pick.error));
		FUZZ_CHECK(ruleset_nerrors(rs) > 0);
	} else {
		dry_run(rs);
	}
	for (size_t i = 0; i < ruleset_nerrors(rs); i++)
		FUZZ_CHECK(clean_msg(ruleset_error(rs, i)));
	ruleset_unref(rs);
	fuzz_input_done();
	return 0;
}
