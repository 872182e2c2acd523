/* replay.c - see replay.h */
#include "replay.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "decide.h"
#include "guard.h"
#include "identity.h"
#include "ruleset.h"

#define REPLAY_MAX_LINE (64u << 20)

struct counts {
	size_t lines, judged, allowed, denied, skipped, bad, changed;
};

struct one {
	char *req;              /* an AuthZReq body */
	size_t len;
	struct identity *as;    /* for audit records: the CN they name */
};

static void one_clear(struct one *o)
{
	free(o->req);
	identity_unref(o->as);
	memset(o, 0, sizeof *o);
}

/*
 * Turns one input line into an AuthZReq. Returns 1 when there is one to
 * judge, 0 when the line is to be skipped (an AuthZRes, Plugin.Activate,
 * a blank line), -1 when it cannot be read.
 */
static int parse_line(const char *line, size_t len, struct one *o,
		      const char **why)
{
	json_error_t e;
	json_t *j = json_loadb(line, len, 0, &e), *body, *id;
	const char *ep, *call;
	int rc = -1;

	memset(o, 0, sizeof *o);
	if (j == NULL || !json_is_object(j)) {
		*why = "not a JSON object";
		goto out;
	}
	ep = json_string_value(json_object_get(j, "endpoint"));
	body = json_object_get(j, "body");
	if (ep != NULL) { /* a capture line */
		rc = 0;
		if (strcmp(ep, "/AuthZPlugin.AuthZReq") != 0 ||
		    !json_is_object(body))
			goto out;
		o->req = json_dumps(body, JSON_COMPACT);
		rc = o->req != NULL ? 1 : -1;
		goto out;
	}
	if (json_object_get(j, "RequestUri") != NULL ||
	    json_object_get(j, "RequestMethod") != NULL) {
		o->req = json_dumps(j, JSON_COMPACT);
		rc = o->req != NULL ? 1 : -1;
		goto out;
	}
	/* an audit record: method, raw URI, identity; no body */
	call = json_string_value(json_object_get(j, "call"));
	if (call != NULL && strcmp(call, "AuthZReq") != 0) {
		rc = 0;
		goto out;
	}
	if (!json_is_string(json_object_get(j, "method")) ||
	    !json_is_string(json_object_get(j, "uri"))) {
		*why = "neither an AuthZReq, a capture nor an audit record";
		goto out;
	}
	/* audit.h: "who" is {"cn":...}, {"local":true}, or null when the
	 * identity was refused - which cannot be judged again: skipped */
	id = json_object_get(j, "who");
	{
		const char *cn = json_string_value(json_object_get(id, "cn"));
		json_t *r;
		struct cnz_err err;

		if (cn != NULL) {
			o->as = identity_named(cn, &err);
		} else if (json_is_true(json_object_get(id, "local"))) {
			o->as = identity_local();
		} else {
			rc = 0;
			goto out;
		}
		if (o->as == NULL) {
			*why = "the record's identity is not a CN";
			goto out;
		}
		r = json_pack("{s:O,s:O}", "RequestMethod",
			      json_object_get(j, "method"), "RequestUri",
			      json_object_get(j, "uri"));
		o->req = r != NULL ? json_dumps(r, JSON_COMPACT) : NULL;
		json_decref(r);
		rc = o->req != NULL ? 1 : -1;
	}
out:
	if (o->req != NULL)
		o->len = strlen(o->req);
	json_decref(j);
	return rc;
}

static struct ruleset *load(const char *dir, const struct ruleset_opts *lo)
{
	struct cnz_err err;
	char buf[1024];
	struct ruleset *rs = ruleset_load(dir, lo, &err);

	if (rs == NULL) {
		fprintf(stderr, "cnauthz replay: %s\n",
			cnz_err_str(&err, buf, sizeof buf));
		return NULL;
	}
	for (size_t i = 0; i < ruleset_nerrors(rs); i++)
		fprintf(stderr, "cnauthz replay: warning: %s\n",
			ruleset_error(rs, i));
	return rs;
}

static void judge(const struct ruleset *rs, const struct ruleset *old,
		  const char *name, size_t lineno, const struct one *o,
		  struct counts *c)
{
	struct decide_opts dopts = {0};
	struct decision d, od;

	dopts.as = o->as;
	decide(rs, o->req, o->len, &dopts, &d);
	c->judged++;
	if (d.allow)
		c->allowed++;
	else
		c->denied++;
	if (old == NULL) {
		printf("%s:%zu: %s %s %s %s %s%s%s\n", name, lineno,
		       d.allow ? "allow" : "deny ", d.rule[0] ? d.rule : "-",
		       d.who, d.method, d.path, d.allow ? "" : ": ",
		       d.allow ? "" : d.msg);
	} else {
		decide(old, o->req, o->len, &dopts, &od);
		if (od.allow != d.allow) {
			c->changed++;
			printf("%s:%zu: %s %s %s: %s (%s) -> %s (%s)%s%s\n", name,
			       lineno, d.who, d.method, d.path,
			       od.allow ? "allow" : "deny",
			       od.rule[0] ? od.rule : "-",
			       d.allow ? "allow" : "deny",
			       d.rule[0] ? d.rule : "-", d.allow ? "" : ": ",
			       d.allow ? "" : d.msg);
		}
		decision_clear(&od);
	}
	decision_clear(&d);
}

static int replay_file(const char *name, const struct ruleset *rs,
		       const struct ruleset *old, struct counts *c)
{
	FILE *f = strcmp(name, "-") == 0 ? stdin : fopen(name, "r");
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	ssize_t n;

	if (f == NULL) {
		fprintf(stderr, "cnauthz replay: %s: %s\n", name,
			strerror(errno));
		return -1;
	}
	while ((n = getline(&line, &cap, f)) >= 0) {
		struct one o;
		const char *why = "unreadable";
		int rc;

		lineno++;
		c->lines++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (n == 0 || (size_t)n > REPLAY_MAX_LINE) {
			c->skipped++;
			continue;
		}
		rc = parse_line(line, (size_t)n, &o, &why);
		if (rc < 0) {
			c->bad++;
			fprintf(stderr, "cnauthz replay: %s:%zu: %s\n", name,
				lineno, why);
		} else if (rc == 0) {
			c->skipped++;
		} else {
			judge(rs, old, name, lineno, &o, c);
		}
		one_clear(&o);
	}
	free(line);
	if (f != stdin)
		fclose(f);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: cnauthz replay [--rules DIR] [--diff OLD_DIR] "
		   "[--insecure-permissions] [--module-dir DIR] FILE...\n");
}

int replay_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"rules", required_argument, NULL, 'r'},
		{"diff", required_argument, NULL, 'd'},
		{"insecure-permissions", no_argument, NULL, 'I'},
		{"module-dir", required_argument, NULL, 'M'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *dir = CNAUTHZ_RULES_DIR, *olddir = NULL;
	struct ruleset_opts lo = {.module_dir = CNAUTHZ_MODULE_DIR};
	struct ruleset *rs = NULL, *old = NULL;
	struct counts c = {0};
	int ch, status = 2;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "r:d:IM:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'r': dir = optarg; break;
		case 'd': olddir = optarg; break;
		case 'I': lo.insecure_permissions = true; break;
		case 'M': lo.module_dir = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind == argc) {
		usage(stderr);
		return 2;
	}
	lo.guard = guard_new(1000);
	if (lo.guard == NULL)
		goto out;
	rs = load(dir, &lo);
	if (rs == NULL || (olddir != NULL && (old = load(olddir, &lo)) == NULL))
		goto out;
	status = 0;
	for (int i = optind; i < argc; i++)
		if (replay_file(argv[i], rs, old, &c) < 0)
			status = 2;
	if (old != NULL)
		printf("%zu request(s) judged, %zu decision(s) changed from %s to %s; %zu line(s) skipped, %zu unreadable\n",
		       c.judged, c.changed, olddir, dir, c.skipped, c.bad);
	else
		printf("%zu request(s) judged: %zu allowed, %zu denied; %zu line(s) skipped, %zu unreadable\n",
		       c.judged, c.allowed, c.denied, c.skipped, c.bad);
	if (c.bad > 0 && status == 0)
		status = 1;
out:
	ruleset_unref(old);
	ruleset_unref(rs);
	guard_free(lo.guard);
	return status;
}
