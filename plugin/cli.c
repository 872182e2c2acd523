/* cli.c - see cli.h */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "b64.h"
#include "config.h"
#include "decide.h"
#include "explain.h"
#include "guard.h"
#include "identity.h"
#include "lint.h"
#include "ownfile.h"
#include "owners.h"
#include "ruleset.h"
#include "text.h"

struct owners *cli_owners(const char *dir, const char *cmd)
{
	const char *def = getenv("CNAUTHZ_STATE_DIR");
	struct owners *o;
	char why[600];

	if (def == NULL || def[0] == '\0')
		def = CNAUTHZ_STATE_DIR;
	o = ownfile_read(dir != NULL ? dir : def, why, sizeof why);
	if (o == NULL)
		fprintf(stderr, "cnauthz %s: %s%s\n", cmd, why,
			dir != NULL ? ""
				    : " (ownership is not known: the owner module denies)");
	return o;
}

char *cli_read_file(const char *path, size_t max, size_t *len)
{
	int fd = strcmp(path, "-") == 0 ? STDIN_FILENO
					: open(path, O_RDONLY | O_CLOEXEC);
	size_t cap = 4096, n = 0;
	char *buf = NULL, *nb;
	ssize_t r;

	if (fd < 0)
		return NULL;
	buf = malloc(cap + 1);
	if (buf == NULL)
		goto fail;
	for (;;) {
		if (n == cap) {
			if (cap >= max) {
				errno = EFBIG;
				goto fail;
			}
			cap *= 2;
			nb = realloc(buf, cap + 1);
			if (nb == NULL)
				goto fail;
			buf = nb;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto fail;
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > max) {
		errno = EFBIG;
		goto fail;
	}
	buf[n] = '\0';
	*len = n;
	if (fd != STDIN_FILENO)
		close(fd);
	return buf;
fail:
	free(buf);
	if (fd >= 0 && fd != STDIN_FILENO) {
		int e = errno;

		close(fd);
		errno = e;
	}
	return NULL;
}

static struct ruleset *load(const char *dir, const struct ruleset_opts *o)
{
	struct cnz_err err;
	char buf[1024];
	struct ruleset *rs;

	if (o->insecure_permissions)
		fprintf(stderr,
			"cnauthz: WARNING: --insecure-permissions: rule files are trusted whoever can write them\n");
	rs = ruleset_load(dir, o, &err);

	if (rs == NULL)
		fprintf(stderr, "cnauthz: %s\n",
			cnz_err_str(&err, buf, sizeof buf));
	return rs;
}

static void print_warning(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "warning: %s\n", msg);
}

static void check_usage(FILE *f)
{
	fprintf(f,
		"usage: cnauthz check [--rules DIR] [--quiet] [--module-dir DIR]\n"
		"                     [--insecure-permissions]\n"
		"       cnauthz check --name NAME...\n"
		"  --rules DIR             the rules directory (default %s)\n"
		"  --quiet                 no summary line, only errors and warnings\n"
		"  --module-dir DIR        where modules named by name are found\n"
		"                          (default %s)\n"
		"  --insecure-permissions  skip the owner and mode checks (tests only)\n"
		"  --name NAME             is NAME a valid CN (and rule-file name)?\n"
		"                          loads no rules; may be repeated\n",
		CNAUTHZ_RULES_DIR, CNAUTHZ_MODULE_DIR);
}

/* check --name: the CN rule of identity.h, for contrib/mkcerts.sh. */
static int check_names(char *const *names, size_t n)
{
	int status = 0;

	for (size_t i = 0; i < n; i++) {
		char whybuf[160], q[200];
		const char *why = identity_name_why(names[i], strlen(names[i]),
						    whybuf, sizeof whybuf);

		if (why == NULL)
			continue;
		fprintf(stderr, "cnauthz check: \"%s\" is not a valid CN: %s\n",
			text_printable(q, sizeof q, names[i], strlen(names[i])),
			why);
		status = 1;
	}
	return status;
}

int cli_check_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"rules", required_argument, NULL, 'r'},
		{"quiet", no_argument, NULL, 'q'},
		{"insecure-permissions", no_argument, NULL, 'I'},
		{"module-dir", required_argument, NULL, 'M'},
		{"name", required_argument, NULL, 'n'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct ruleset_opts lo = {.module_dir = CNAUTHZ_MODULE_DIR};
	const char *dir = CNAUTHZ_RULES_DIR;
	struct ruleset *rs;
	char **names = NULL;
	size_t nnames = 0;
	int c, quiet = 0, status;

	names = calloc((size_t)argc + 1, sizeof *names);
	if (names == NULL)
		return 2;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":r:qM:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			dir = optarg;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'I':
			lo.insecure_permissions = true;
			break;
		case 'M':
			lo.module_dir = optarg;
			break;
		case 'n':
			names[nnames++] = optarg;
			break;
		case 'h':
			opterr = 1;
			free(names);
			check_usage(stdout);
			return 0;
		case ':':
			opterr = 1;
			fprintf(stderr, "cnauthz check: %s needs a value\n"
					"(cnauthz check --help lists the options)\n",
				argv[optind - 1]);
			free(names);
			return 2;
		default:
			opterr = 1;
			fprintf(stderr, "cnauthz check: unknown option \"%s\"\n"
					"(cnauthz check --help lists the options)\n",
				argv[optind - 1]);
			free(names);
			return 2;
		}
	}
	opterr = 1;
	if (optind != argc) {
		fprintf(stderr, "cnauthz check: unexpected argument \"%s\"\n"
				"(cnauthz check --help lists the options)\n",
			argv[optind]);
		free(names);
		return 2;
	}
	if (nnames > 0) {
		status = check_names(names, nnames);
		free(names);
		return status;
	}
	free(names);
	rs = load(dir, &lo);
	if (rs == NULL)
		return 1;
	/* the names skipped, and why: never silently */
	for (size_t i = 0; i < ruleset_nwarnings(rs); i++)
		fprintf(stderr, "warning: %s\n", ruleset_warning(rs, i));
	lint_ruleset(rs, print_warning, NULL);
	for (size_t i = 0; i < ruleset_nerrors(rs); i++)
		fprintf(stderr, "%s\n", ruleset_error(rs, i));
	if (!quiet && ruleset_nwarnings(rs) > 0)
		printf("%s: %zu rule file(s), %zu with errors, %zu name(s) skipped\n",
		       dir, ruleset_nfiles(rs), ruleset_nerrors(rs),
		       ruleset_nwarnings(rs));
	else if (!quiet)
		printf("%s: %zu rule file(s), %zu with errors\n", dir,
		       ruleset_nfiles(rs), ruleset_nerrors(rs));
	/* a set with a version: what the daemon will log, audit and
	 * export for it, so a pipeline can tie the two */
	if (!quiet && ruleset_version(rs)[0] != '\0')
		printf("%s: set %s, version %s\n", dir, ruleset_hash(rs),
		       ruleset_version(rs));
	status = ruleset_nerrors(rs) > 0 ? 1 : 0;
	ruleset_unref(rs);
	return status;
}

static void test_usage(FILE *f)
{
	fprintf(f,
		"usage: cnauthz test [--rules DIR] (--cn CN | --cert FILE | --local)\n"
		"                    --method METHOD --uri URI [--body FILE]\n"
		"                    [--stack NAME] [--explain | --json]\n"
		"                    [--module-dir DIR] [--insecure-permissions]\n"
		"                    [--state-dir DIR | --no-ownership]\n"
		"       cnauthz test [--rules DIR] [--cn CN] --request FILE [--stack NAME]\n"
		"                    [--explain | --json] ...\n"
		"Judges one call as the daemon would; exit 0 allow, 1 deny, 2 error.\n"
		"Who asks (one of them):\n"
		"  --cn CN                 a client whose certificate has this CN\n"
		"  --cert FILE             a client with this PEM certificate, as dockerd\n"
		"                          sends it (for cert and revoked rules)\n"
		"  --local                 a caller on dockerd's unix socket (@local)\n"
		"  --request FILE          a whole AuthZReq as dockerd sends it (\"-\":\n"
		"                          stdin); its certificate says who, unless --cn\n"
		"The call:\n"
		"  --method METHOD         GET, POST, ...\n"
		"  --uri URI               as the client sent it: /v1.41/containers/json\n"
		"  --body FILE             a JSON request body (\"-\": stdin)\n"
		"Options:\n"
		"  --rules DIR             the rules directory (default %s)\n"
		"  --stack NAME            run this rule file instead of the caller's\n"
		"  --explain               every line visited, its result and the state\n"
		"  --json                  the same as one JSON object\n"
		"  --module-dir DIR        where modules named by name are found\n"
		"  --insecure-permissions  skip the owner and mode checks (tests only)\n"
		"  --state-dir DIR         who owns what: DIR/owners.json (default %s)\n"
		"  --no-ownership          read no ownership: the owner module cannot\n"
		"                          judge a call that names an object\n",
		CNAUTHZ_RULES_DIR, CNAUTHZ_STATE_DIR);
}

/* A usage error: what is wrong, then where the options are; exit 2. */
static int test_misuse(const char *what)
{
	fprintf(stderr, "cnauthz test: %s\n"
			"(cnauthz test --help lists the options)\n", what);
	return 2;
}

/* The client certificate of --cert, as dockerd would send it: User and
 * RequestPeerCertificates, added to o. */
static int add_cert(json_t *o, const char *file)
{
	struct cnz_err err;
	char user[IDENTITY_CN_MAX * 4 + 1], *text = NULL, *pem = NULL,
					    *b64 = NULL;
	size_t len = 0, pemlen = 0;
	int rc = -1;

	text = cli_read_file(file, 1u << 20, &len);
	if (text == NULL) {
		fprintf(stderr, "cnauthz test: %s: %s\n", file, strerror(errno));
		return -1;
	}
	if (identity_pem_as_dockerd(text, len, &pem, &pemlen, user,
				    sizeof user, &err) < 0) {
		fprintf(stderr, "cnauthz test: %s: %s\n", file, err.msg);
		goto out;
	}
	b64 = b64_encode((const unsigned char *)pem, pemlen, NULL);
	if (b64 == NULL)
		goto out;
	/* dockerd: User is the leaf's CN, the method TLS, the leaf first */
	json_object_set_new(o, "User", json_string(user));
	json_object_set_new(o, "UserAuthNMethod", json_string("TLS"));
	json_object_set_new(o, "RequestPeerCertificates",
			    json_pack("[s]", b64));
	rc = 0;
out:
	free(text);
	free(pem);
	free(b64);
	return rc;
}

/* An AuthZReq as dockerd would send it for these facts. */
static char *make_request(const char *method, const char *uri,
			  const char *body_file, const char *cert_file,
			  size_t *len)
{
	json_t *o = json_object(), *h = json_object();
	char *out = NULL, *body = NULL, *b64 = NULL;
	size_t blen = 0;

	if (o == NULL || h == NULL)
		goto out;
	if (cert_file != NULL && add_cert(o, cert_file) < 0)
		goto out;
	json_object_set_new(h, "User-Agent",
			    json_string("cnauthz-test/" CNAUTHZ_VERSION));
	if (body_file != NULL) {
		body = cli_read_file(body_file, 8u << 20, &blen);
		if (body == NULL) {
			fprintf(stderr, "cnauthz test: %s: %s\n", body_file,
				strerror(errno));
			goto out;
		}
		b64 = b64_encode((const unsigned char *)body, blen, NULL);
		if (b64 == NULL)
			goto out;
		if (blen > 0)
			json_object_set_new(o, "RequestBody", json_string(b64));
		json_object_set_new(h, "Content-Type",
				    json_string("application/json"));
		/* header values are strings in dockerd's map */
		json_object_set_new(h, "Content-Length", json_sprintf("%zu", blen));
	} else if (strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0 ||
		   strcmp(method, "PATCH") == 0) {
		/* as dockerd's Go client sends a bodiless POST */
		json_object_set_new(h, "Content-Length", json_string("0"));
	}
	json_object_set_new(o, "RequestMethod", json_string(method));
	json_object_set_new(o, "RequestUri", json_string(uri));
	json_object_set_new(o, "RequestHeaders", h);
	h = NULL;
	out = json_dumps(o, JSON_COMPACT);
	if (out != NULL)
		*len = strlen(out);
out:
	free(body);
	free(b64);
	json_decref(h);
	json_decref(o);
	return out;
}

int cli_test_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"rules", required_argument, NULL, 'r'},
		{"cn", required_argument, NULL, 'c'},
		{"cert", required_argument, NULL, 'C'},
		{"local", no_argument, NULL, 'l'},
		{"method", required_argument, NULL, 'm'},
		{"uri", required_argument, NULL, 'u'},
		{"body", required_argument, NULL, 'b'},
		{"request", required_argument, NULL, 'R'},
		{"stack", required_argument, NULL, 's'},
		{"insecure-permissions", no_argument, NULL, 'I'},
		{"module-dir", required_argument, NULL, 'M'},
		{"explain", no_argument, NULL, 'x'},
		{"json", no_argument, NULL, 'j'},
		{"state-dir", required_argument, NULL, 'S'},
		{"no-ownership", no_argument, NULL, 'O'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct ruleset_opts lo = {.module_dir = CNAUTHZ_MODULE_DIR};
	const char *state = NULL; /* who owns what: DIR/owners.json */
	struct explain *x = NULL;
	int explain = 0, json = 0;
	const char *dir = CNAUTHZ_RULES_DIR, *cn = NULL, *method = NULL,
		   *uri = NULL, *body = NULL, *reqfile = NULL, *cert = NULL;
	struct decide_opts dopts = {0};
	struct ruleset *rs = NULL;
	struct decision d;
	struct cnz_err err;
	char *req = NULL;
	size_t len = 0;
	int c, local = 0, status = 2, no_own = 0;

	optind = 1;
	opterr = 0; /* what is wrong is said below, in a sentence */
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		char what[160];

		switch (c) {
		case 'r': dir = optarg; break;
		case 'c': cn = optarg; break;
		case 'C': cert = optarg; break;
		case 'l': local = 1; break;
		case 'm': method = optarg; break;
		case 'u': uri = optarg; break;
		case 'b': body = optarg; break;
		case 'R': reqfile = optarg; break;
		case 's': dopts.stack = optarg; break;
		case 'I': lo.insecure_permissions = true; break;
		case 'M': lo.module_dir = optarg; break;
		case 'x': explain = 1; break;
		case 'j': json = 1; break;
		case 'S': state = optarg; break;
		case 'O': no_own = 1; break;
		case 'h': opterr = 1; test_usage(stdout); return 0;
		case ':':
			opterr = 1;
			snprintf(what, sizeof what, "%s needs a value",
				 argv[optind - 1]);
			return test_misuse(what);
		default:
			opterr = 1;
			snprintf(what, sizeof what, "unknown option \"%s\"",
				 argv[optind - 1]);
			return test_misuse(what);
		}
	}
	opterr = 1;
	if (optind != argc) {
		char what[160];

		snprintf(what, sizeof what, "unexpected argument \"%.100s\"",
			 argv[optind]);
		return test_misuse(what);
	}
	if (reqfile != NULL && (method || uri || body || local || cert))
		return test_misuse("--request FILE is the whole call: no --method, --uri, --body, --cert or --local with it");
	if ((cn != NULL) + (cert != NULL) + local > 1)
		return test_misuse("--cn, --cert and --local are alternatives: give one");
	if (reqfile == NULL && cn == NULL && cert == NULL && !local)
		return test_misuse("who asks? give --cn CN, --cert FILE or --local (or a whole --request FILE)");
	if (reqfile == NULL && method == NULL)
		return test_misuse("--method is missing (GET, POST, ...)");
	if (reqfile == NULL && uri == NULL)
		return test_misuse("--uri is missing (as the client sent it: /v1.41/containers/json)");
	if (explain && json)
		return test_misuse("--explain and --json are alternatives: give one");
	if (state != NULL && no_own)
		return test_misuse("--state-dir and --no-ownership are alternatives: give one");
	if (reqfile != NULL) {
		req = cli_read_file(reqfile, 64u << 20, &len);
		if (req == NULL) {
			fprintf(stderr, "cnauthz test: %s: %s\n", reqfile,
				strerror(errno));
			return 2;
		}
	} else {
		req = make_request(method, uri, body, cert, &len);
		if (req == NULL)
			return 2;
	}
	if (cn != NULL) {
		dopts.as = identity_named(cn, &err);
		if (dopts.as == NULL) {
			fprintf(stderr, "cnauthz test: %s\n", err.msg);
			goto out;
		}
	} else if (local) {
		dopts.as = identity_local();
		if (dopts.as == NULL)
			goto out;
	}
	lo.guard = guard_new(1000);
	if (lo.guard == NULL)
		goto out;
	rs = load(dir, &lo);
	if (rs == NULL)
		goto out;
	if (explain || json) {
		x = explain_new();
		if (x == NULL)
			goto out;
		dopts.trace = explain_trace;
		dopts.trace_arg = x;
	}
	if (!no_own && (dopts.owners = cli_owners(state, "test")) == NULL &&
	    state != NULL)
		goto out;
	decide(rs, req, len, &dopts, &d);
	if (json)
		explain_print_json(x, &d, stdout);
	else if (explain)
		explain_print_text(x, &d, stdout);
	else if (d.allow)
		printf("allow %s\n", d.rule);
	else
		printf("deny %s: %s\n", d.rule[0] ? d.rule : "-", d.msg);
	status = d.allow ? 0 : 1;
	decision_clear(&d);
out:
	explain_free(x);
	owners_free(dopts.owners);
	ruleset_unref(rs);
	rs = NULL;
	guard_free(lo.guard);
	identity_unref(dopts.as);
	free(req);
	return status;
}
