/* testlib.c - see testlib.h */
#include "testlib.h"

#include "owners.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "b64.h"
#include "identity.h"
#include "rulefile.h"
#include "ruleset.h"
#include "stack.h"
#include "tap.h"

void bail(const char *why)
{
	printf("Bail out! %s\n", why);
	exit(255);
}

void bail_errno(const char *why)
{
	printf("Bail out! %s: %s\n", why, strerror(errno));
	exit(255);
}

char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	*len = 0;
	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n + 1);
		if (buf != NULL && fread(buf, 1, (size_t)n, f) == (size_t)n) {
			buf[n] = '\0';
			*len = (size_t)n;
		} else {
			free(buf);
			buf = NULL;
		}
	}
	fclose(f);
	return buf;
}

/* ---- the scratch directory ---- */

static char scratch[PATH_MAX];

const char *scratch_make(const char *name)
{
	char tmpl[128];

	snprintf(tmpl, sizeof tmpl, "/tmp/cnz-t-%s-XXXXXX", name);
	if (mkdtemp(tmpl) == NULL)
		bail_errno("mkdtemp");
	/* as the kernel names it: /tmp may be a symlink */
	if (realpath(tmpl, scratch) == NULL)
		bail_errno("realpath");
	return scratch;
}

const char *scratch_at(const char *rest)
{
	static char buf[8][2 * PATH_MAX];
	static int i;

	i = (i + 1) % 8;
	snprintf(buf[i], sizeof buf[i], "%s/%s", scratch, rest);
	return buf[i];
}

void put(const char *name, const char *text)
{
	const char *p = scratch_at(name);
	FILE *f = fopen(p, "w");

	if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0)
		bail_errno(p);
}

void scratch_clear(void)
{
	DIR *d = opendir(scratch);
	struct dirent *de;
	const char *p;

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		p = scratch_at(de->d_name);
		if (unlink(p) < 0 && rmdir(p) < 0)
			diag("cannot remove %s: %s", p, strerror(errno));
	}
	closedir(d);
}

static int remove_one(const char *path, const struct stat *st, int flag,
		      struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	if (remove(path) < 0)
		diag("cannot remove %s: %s", path, strerror(errno));
	return 0;
}

void scratch_remove(void)
{
	if (nftw(scratch, remove_one, 16, FTW_DEPTH | FTW_PHYS) < 0)
		diag("cannot remove %s: %s", scratch, strerror(errno));
}

/* ---- rule sets and requests ---- */

struct ruleset *load_rules(const char *dir, const struct ruleset_opts *o)
{
	struct cnz_err err;
	struct ruleset *rs = ruleset_load(dir, o, &err);
	char buf[1024];

	if (rs == NULL) {
		printf("Bail out! ruleset_load: %s\n",
		       cnz_err_str(&err, buf, sizeof buf));
		exit(255);
	}
	return rs;
}

const char *file_where(const char *dir, const char *name, int line, int col)
{
	static char buf[4][PATH_MAX + 400];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof buf[i], "%s/%s:%d:%d: ", dir, name, line, col);
	return buf[i];
}

FILE *capture_open(void)
{
	char path[PATH_MAX];

	snprintf(path, sizeof path,
		 "%s/tests/fixtures/captures/dockerd-20.10-authz.jsonl",
		 tap_top());
	return fopen(path, "r");
}

char *authz_req_text(const struct authz_req *r)
{
	json_t *env = json_object();
	char *text, *b;

	if (env == NULL)
		bail("json_object");
	if (r->user != NULL)
		json_object_set_new(env, "User", json_string(r->user));
	if (r->cert != NULL) {
		b = b64_encode((const unsigned char *)r->cert, strlen(r->cert),
			       NULL);
		if (b == NULL)
			bail("b64_encode");
		json_object_set_new(env, "UserAuthNMethod", json_string("TLS"));
		json_object_set_new(env, "RequestPeerCertificates",
				    json_pack("[s]", b));
		free(b);
	}
	if (r->method != NULL)
		json_object_set_new(env, "RequestMethod",
				    json_string(r->method));
	if (r->uri != NULL)
		json_object_set_new(env, "RequestUri", json_string(r->uri));
	if (r->headers != NULL)
		json_object_set_new(env, "RequestHeaders", r->headers);
	if (r->body != NULL) {
		b = b64_encode((const unsigned char *)r->body, r->bodylen, NULL);
		if (b == NULL)
			bail("b64_encode");
		json_object_set_new(env, "RequestBody", json_string(b));
		free(b);
	}
	text = json_dumps(env, JSON_COMPACT);
	json_decref(env);
	if (text == NULL)
		bail("json_dumps");
	return text;
}

static void trace(void *arg, const struct stack_step *s)
{
	struct verdict *v = arg;
	size_t n = strlen(v->ran);

	snprintf(v->ran + n, sizeof v->ran - n, "%s%s%s:%u", n ? " " : "",
		 s->entry->sub != NULL ? "sub:" : "", s->entry->file,
		 s->entry->line->line);
}

struct owners *test_owners(void)
{
	static struct owners *store;

	if (store == NULL && (store = owners_new()) == NULL)
		bail("owners_new: out of memory");
	return store;
}

void judge_text(struct ruleset *rs, const char *cn, const char *text,
		struct verdict *v)
{
	struct cnz_err err;
	struct identity *id = NULL;
	struct decide_opts o = {.trace = trace, .trace_arg = v,
				.owners = test_owners()};
	struct decision d;
	char why[700];

	if (cn != NULL && (id = identity_named(cn, &err)) == NULL) {
		snprintf(why, sizeof why, "identity %s: %s", cn, err.msg);
		bail(why);
	}
	o.as = id;
	memset(v, 0, sizeof *v);
	decide(rs, text, strlen(text), &o, &d);
	v->allow = d.allow;
	snprintf(v->msg, sizeof v->msg, "%s", d.msg);
	snprintf(v->rule, sizeof v->rule, "%s", d.rule);
	snprintf(v->stack, sizeof v->stack, "%s", d.stack);
	decision_clear(&d);
	identity_unref(id);
}
