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
#include "cli.h"
#include "decide.h"
#include "owners.h"
#include "guard.h"
#include "identity.h"
#include "ruleset.h"
#include "text.h"

#define REPLAY_MAX_LINE (64u << 20)
/* decision.uri's room: a recorded URI this long may have been cut */
#define RECORD_URI_CUT (sizeof ((struct decision *)0)->uri - 1)

struct counts {
	size_t lines, judged, allowed, denied, unknown, skipped, bad, changed,
		differ;
};

struct one {
	char *req;              /* an AuthZReq body */
	size_t len;
	struct identity *as;    /* for audit records: the CN they name */
	bool record;            /* from an audit record: no body, no headers */
	char recorded[400];     /* a record's decision: "allow (@x:3)" */
	bool recorded_allow;
	char why[600];          /* a record skipped: why (rc 0) */
};

static void one_clear(struct one *o)
{
	free(o->req);
	identity_unref(o->as);
	memset(o, 0, sizeof *o);
}

/* "allow (rule)" or "deny (rule): msg" of an audit record, for messages. */
static void recorded_of(json_t *j, struct one *o)
{
	const char *dec = json_string_value(json_object_get(j, "decision"));
	const char *rule = json_string_value(json_object_get(j, "rule"));
	const char *msg = json_string_value(json_object_get(j, "msg"));
	char q[300];

	o->recorded_allow = dec != NULL && strcmp(dec, "allow") == 0;
	if (o->recorded_allow)
		snprintf(o->recorded, sizeof o->recorded, "allow (%s)",
			 rule ? rule : "-");
	else
		snprintf(o->recorded, sizeof o->recorded, "deny (%s): %s",
			 rule ? rule : "-",
			 msg ? text_printable(q, sizeof q, msg, strlen(msg))
			     : "");
}

/*
 * An audit record (audit.h), as the daemon writes it. Returns 1 with a
 * request to judge, 0 when it is one to skip (an AuthZRes; with o->why
 * when it is an AuthZReq that cannot be judged again), -1 when it is not
 * a record after all.
 */
static int parse_record(json_t *j, struct one *o, const char **why)
{
	const char *call = json_string_value(json_object_get(j, "call"));
	json_t *id = json_object_get(j, "who"), *method, *uri, *r;
	const char *cn;
	struct cnz_err err;

	if (call != NULL && strcmp(call, "AuthZReq") != 0)
		return 0; /* the AuthZRes: judged again with its AuthZReq */
	method = json_object_get(j, "method");
	uri = json_object_get(j, "uri");
	if (call == NULL &&
	    (!json_is_string(method) || !json_is_string(uri))) {
		*why = "neither an AuthZReq, a capture nor an audit record";
		return -1;
	}
	o->record = true;
	recorded_of(j, o);
	/* what the daemon could not read, it recorded with nulls: those
	 * are its own records, and there is nothing to judge again */
	if (!json_is_string(method) || !json_is_string(uri)) {
		snprintf(o->why, sizeof o->why,
			 "the request could not be read; recorded %s",
			 o->recorded);
		return 0;
	}
	if (strlen(json_string_value(uri)) >= RECORD_URI_CUT) {
		snprintf(o->why, sizeof o->why,
			 "its URI was cut to %zu bytes in the record; recorded %s",
			 RECORD_URI_CUT, o->recorded);
		return 0;
	}
	/* the daemon's own listing of dockerd's objects (cnauthz(8),
	 * Ownership): its token is not recorded, and it was no one's call */
	r = json_object_get(j, "rule");
	if (json_is_string(r) &&
	    strcmp(json_string_value(r), "cnauthz:self") == 0) {
		snprintf(o->why, sizeof o->why,
			 "cnauthz's own request, to follow dockerd; recorded %s",
			 o->recorded);
		return 0;
	}
	/* audit.h: "who" is {"cn":...}, {"local":true}, or null when the
	 * identity was refused - which cannot be judged again */
	cn = json_string_value(json_object_get(id, "cn"));
	if (cn != NULL) {
		o->as = identity_named(cn, &err);
		if (o->as == NULL) {
			snprintf(o->why, sizeof o->why,
				 "its CN cannot have a rule file; recorded %s",
				 o->recorded);
			return 0;
		}
	} else if (json_is_true(json_object_get(id, "local"))) {
		o->as = identity_local();
		if (o->as == NULL) {
			*why = "out of memory";
			return -1;
		}
	} else {
		snprintf(o->why, sizeof o->why,
			 "no identity was read from it; recorded %s",
			 o->recorded);
		return 0;
	}
	r = json_pack("{s:O,s:O}", "RequestMethod", method, "RequestUri", uri);
	o->req = r != NULL ? json_dumps(r, JSON_COMPACT) : NULL;
	json_decref(r);
	if (o->req == NULL) {
		*why = "out of memory";
		return -1;
	}
	return 1;
}

/*
 * Turns one input line into an AuthZReq. Returns 1 when there is one to
 * judge, 0 when the line is to be skipped (an AuthZRes, Plugin.Activate,
 * a blank line; o->why says why when it is worth saying), -1 when it
 * cannot be read.
 */
static int parse_line(const char *line, size_t len, struct one *o,
		      const char **why)
{
	json_error_t e;
	json_t *j = json_loadb(line, len, 0, &e), *body;
	const char *ep;
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
	rc = parse_record(j, o, why);
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

/* A decision a record cannot give: a rule needed the body it does not
 * keep. */
static bool unknown(const struct one *o, const struct decision *d)
{
	return o->record && d->body_unseen;
}

static void judge(struct ruleset *rs, struct ruleset *old,
		  const char *name, size_t lineno, const struct one *o,
		  struct counts *c, struct owners *owners)
{
	struct decide_opts dopts = {0};
	struct decision d, od;

	dopts.as = o->as;
	dopts.owners = owners;
	decide(rs, o->req, o->len, &dopts, &d);
	c->judged++;
	if (old != NULL) {
		decide(old, o->req, o->len, &dopts, &od);
		if (unknown(o, &d) || unknown(o, &od)) {
			c->unknown++; /* neither can be compared */
		} else if (od.allow != d.allow) {
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
	} else if (unknown(o, &d)) {
		c->unknown++;
		printf("%s:%zu: ?     %s %s %s %s: not judged: the audit record keeps no body, and %s needs it; recorded %s\n",
		       name, lineno, d.rule[0] ? d.rule : "-", d.who, d.method,
		       d.path, d.rule[0] ? d.rule : "a rule", o->recorded);
	} else {
		if (d.allow)
			c->allowed++;
		else
			c->denied++;
		if (o->record && d.allow != o->recorded_allow)
			c->differ++;
		printf("%s:%zu: %s %s %s %s %s%s%s\n", name, lineno,
		       d.allow ? "allow" : "deny ", d.rule[0] ? d.rule : "-",
		       d.who, d.method, d.path, d.allow ? "" : ": ",
		       d.allow ? "" : d.msg);
	}
	decision_clear(&d);
}

static int replay_file(const char *name, struct ruleset *rs,
		       struct ruleset *old, struct counts *c,
		       struct owners *owners)
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
		if (n == 0) {
			c->skipped++;
			continue;
		}
		if ((size_t)n > REPLAY_MAX_LINE) {
			c->bad++;
			fprintf(stderr, "cnauthz replay: %s:%zu: longer than %u bytes\n",
				name, lineno, REPLAY_MAX_LINE);
			continue;
		}
		rc = parse_line(line, (size_t)n, &o, &why);
		if (rc < 0) {
			c->bad++;
			fprintf(stderr, "cnauthz replay: %s:%zu: %s\n", name,
				lineno, why);
		} else if (rc == 0) {
			c->skipped++;
			if (o.why[0] != '\0' && old == NULL)
				printf("%s:%zu: skip  not judged again: %s\n",
				       name, lineno, o.why);
		} else {
			judge(rs, old, name, lineno, &o, c, owners);
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
	fprintf(f,
		"usage: cnauthz replay [--rules DIR] [--diff OLD_DIR] [--exit-code]\n"
		"                      [--module-dir DIR] [--insecure-permissions]\n"
		"                      [--state-dir DIR | --no-ownership] FILE...\n"
		"Judges recorded requests: dockerd's AuthZReq bodies, captured plugin\n"
		"calls or cnauthz's own audit records, one a line (\"-\": stdin).\n"
		"  --rules DIR             the rules to judge by (default %s)\n"
		"  --diff OLD_DIR          judge by OLD_DIR too; print only the decisions\n"
		"                          that change; exit 1 when one does\n"
		"  --exit-code             without --diff: exit 1 when a decision differs\n"
		"                          from the one an audit record recorded\n"
		"  --module-dir DIR        where modules named by name are found\n"
		"  --insecure-permissions  skip the owner and mode checks (tests only)\n"
		"  --state-dir DIR         who owns what: DIR/owners.json (default %s)\n"
		"  --no-ownership          read no ownership: the owner module cannot\n"
		"                          judge a call that names an object\n"
		"Exit: 0 nothing changed and every line read; 1 a decision changed or a\n"
		"line could not be read; 2 a usage error, a file or rules directory\n"
		"that cannot be read.\n",
		CNAUTHZ_RULES_DIR, CNAUTHZ_STATE_DIR);
}

int replay_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"rules", required_argument, NULL, 'r'},
		{"diff", required_argument, NULL, 'd'},
		{"exit-code", no_argument, NULL, 'e'},
		{"insecure-permissions", no_argument, NULL, 'I'},
		{"module-dir", required_argument, NULL, 'M'},
		{"state-dir", required_argument, NULL, 'S'},
		{"no-ownership", no_argument, NULL, 'O'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *dir = CNAUTHZ_RULES_DIR, *olddir = NULL, *state = NULL;
	struct owners *owners = NULL; /* who owns what: cli_owners */
	struct ruleset_opts lo = {.module_dir = CNAUTHZ_MODULE_DIR};
	struct ruleset *rs = NULL, *old = NULL;
	struct counts c = {0};
	int ch, status = 2, exit_code = 0, no_own = 0;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (ch) {
		case 'r': dir = optarg; break;
		case 'd': olddir = optarg; break;
		case 'e': exit_code = 1; break;
		case 'I': lo.insecure_permissions = true; break;
		case 'M': lo.module_dir = optarg; break;
		case 'S': state = optarg; break;
		case 'O': no_own = 1; break;
		case 'h': opterr = 1; usage(stdout); return 0;
		case ':':
			opterr = 1;
			fprintf(stderr, "cnauthz replay: %s needs a value\n(cnauthz replay --help lists the options)\n",
				argv[optind - 1]);
			return 2;
		default:
			opterr = 1;
			fprintf(stderr, "cnauthz replay: unknown option \"%s\"\n(cnauthz replay --help lists the options)\n",
				argv[optind - 1]);
			return 2;
		}
	}
	opterr = 1;
	if (state != NULL && no_own) {
		fprintf(stderr, "cnauthz replay: --state-dir and --no-ownership are alternatives: give one\n(cnauthz replay --help lists the options)\n");
		return 2;
	}
	if (optind == argc) {
		fprintf(stderr, "cnauthz replay: no FILE to replay (\"-\" for standard input)\n(cnauthz replay --help lists the options)\n");
		return 2;
	}
	lo.guard = guard_new(1000);
	if (lo.guard == NULL)
		goto out;
	rs = load(dir, &lo);
	if (rs == NULL || (olddir != NULL && (old = load(olddir, &lo)) == NULL))
		goto out;
	if (!no_own && (owners = cli_owners(state, "replay")) == NULL &&
	    state != NULL)
		goto out;
	status = 0;
	for (int i = optind; i < argc; i++)
		if (replay_file(argv[i], rs, old, &c, owners) < 0)
			status = 2;
	if (old != NULL)
		printf("%zu request(s) judged, %zu decision(s) changed from %s to %s",
		       c.judged, c.changed, olddir, dir);
	else
		printf("%zu request(s) judged: %zu allowed, %zu denied",
		       c.judged, c.allowed, c.denied);
	if (c.unknown > 0)
		printf(", %zu not judged (the audit record keeps no body)",
		       c.unknown);
	if (old == NULL && exit_code)
		printf(", %zu differ from the record", c.differ);
	printf("; %zu line(s) skipped, %zu unreadable\n", c.skipped, c.bad);
	if (status == 0 && (c.bad > 0 || c.changed > 0 ||
			    (exit_code && c.differ > 0)))
		status = 1;
out:
	owners_free(owners);
	ruleset_unref(old);
	ruleset_unref(rs);
	guard_free(lo.guard);
	return status;
}
