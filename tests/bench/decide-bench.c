/*
 * decide-bench.c - the decision alone, in process: decide() (decode,
 * identity, canonical path, digest, the CN's stack with its body checks)
 * per corpus request, timed with clock_gettime over many iterations,
 * called as the daemon calls it (with its certificate cache, idcache).
 *
 *   decide-bench [--rules DIR] [--iters N] [--quick] [--no-stacks]
 *                [--captures-only]
 *
 * 1. The shipped profiles (rules/) on every AuthZReq of the captures and on
 *    the synthetic worst cases: per request median/p99 in ns, the pooled
 *    median/p99 over the captures (the target), and a phase breakdown.
 * 2. Synthetic stacks: rules/client replaced by N generated lines
 *    (N = 10, 100, 1000: path-only and body/query-condition rules that
 *    never match) followed by "include @developer", in temp directories.
 * 3. Allocations per decide(): malloc, calloc and realloc are replaced in
 *    this binary (forwarding to glibc's __libc_*), so calls from the
 *    library, jansson, OpenSSL and libc are all counted. "Nothing allocates
 *    per rule" holds when a request costs as many allocations under the
 *    1000-line stack as under the 10-line one.
 * 4. Certificate parses: d2i_X509 is wrapped the same way; with the
 *    certificate cache, 0 parses per decide() once a certificate has been
 *    seen.
 *
 * Machine-readable lines start with "BENCH ".
 */
#include <dlfcn.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "corpus.h"
#include "decide.h"
#include "idcache.h"
#include "learn.h"
#include "owners.h"
#include "identity.h"
#include "request.h"
#include "route.h"
#include "ruleset.h"
#include "stack.h"
#include "view.h"

/* --- counting allocator -------------------------------------------------- */

extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t m);
extern void *__libc_realloc(void *p, size_t n);
extern void __libc_free(void *p);

static bool counting;
static unsigned long long n_alloc, n_alloc_bytes, n_d2i;

void *malloc(size_t n)
{
	if (counting) {
		n_alloc++;
		n_alloc_bytes += n;
	}
	return __libc_malloc(n);
}

void *calloc(size_t n, size_t m)
{
	if (counting) {
		n_alloc++;
		n_alloc_bytes += n * m;
	}
	return __libc_calloc(n, m);
}

void *realloc(void *p, size_t n)
{
	if (counting) {
		n_alloc++;
		n_alloc_bytes += n;
	}
	return __libc_realloc(p, n);
}

void free(void *p)
{
	__libc_free(p);
}

X509 *d2i_X509(X509 **a, const unsigned char **in, long len)
{
	static X509 *(*real)(X509 **, const unsigned char **, long);

	if (real == NULL)
		*(void **)&real = dlsym(RTLD_NEXT, "d2i_X509");
	n_d2i++;
	return real(a, in, len);
}

/* --- helpers ------------------------------------------------------------- */

/* decide() as the daemon calls it (daemon.c's handle): with the shared
 * certificate cache. */
static struct decide_opts dopts;

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t pctl(uint64_t *v, size_t n, double p) /* v sorted */
{
	size_t i = (size_t)(p * (double)(n - 1) + 0.5);

	return n == 0 ? 0 : v[i < n ? i : n - 1];
}

struct sample {
	uint64_t p50, p99, mean;
	unsigned long long allocs, alloc_bytes; /* one decide() */
	double d2i;                             /* per decide(), repeated */
	bool allow;
	char rule[300];
};

static struct ruleset *load(const char *dir)
{
	struct cnz_err err;
	char buf[1024];
	struct ruleset *rs = ruleset_load(dir, NULL, &err);

	if (rs == NULL) {
		fprintf(stderr, "decide-bench: %s\n",
			cnz_err_str(&err, buf, sizeof buf));
		exit(1);
	}
	for (size_t i = 0; i < ruleset_nerrors(rs); i++) {
		fprintf(stderr, "decide-bench: %s\n", ruleset_error(rs, i));
		exit(1);
	}
	return rs;
}

/* Times iters decide() calls of one request; *all gets the samples. */
static void measure(struct ruleset *rs, const struct bench_req *r,
		    unsigned iters, uint64_t *all, struct sample *s)
{
	struct decision d;
	unsigned warm = iters < 20 ? 2 : 20;
	uint64_t *v = malloc(iters * sizeof *v), sum = 0;
	unsigned long long d0;

	for (unsigned i = 0; i < warm; i++) {
		decide(rs, r->body, r->len, &dopts, &d);
		decision_clear(&d);
	}
	/* one call, counted */
	n_alloc = n_alloc_bytes = 0;
	counting = true;
	decide(rs, r->body, r->len, &dopts, &d);
	decision_clear(&d);
	counting = false;
	s->allocs = n_alloc;
	s->alloc_bytes = n_alloc_bytes;
	decide(rs, r->body, r->len, &dopts, &d);
	s->allow = d.allow;
	snprintf(s->rule, sizeof s->rule, "%s", d.rule[0] ? d.rule : "-");
	decision_clear(&d);

	d0 = n_d2i;
	for (unsigned i = 0; i < iters; i++) {
		uint64_t t0 = bench_now_ns(), t1;

		decide(rs, r->body, r->len, &dopts, &d);
		decision_clear(&d);
		t1 = bench_now_ns();
		v[i] = t1 - t0;
		sum += v[i];
	}
	s->d2i = (double)(n_d2i - d0) / iters;
	if (all != NULL)
		memcpy(all, v, iters * sizeof *v);
	qsort(v, iters, sizeof *v, cmp_u64);
	s->p50 = pctl(v, iters, 0.5);
	s->p99 = pctl(v, iters, 0.99);
	s->mean = sum / iters;
	free(v);
}

/* --- ownership -------------------------------------------------------- */

/* The daemon's learning hook, without the daemon (learn.h). */
static void learn_hook(void *arg, const struct cnauthz_request *view,
		       const struct decision *d)
{
	learn(arg, view, d, 0);
}

static const struct decide_hooks learning = {.after = learn_hook};

/*
 * Who owns what in the captures: every record, AuthZReq and AuthZRes, in
 * order through decide() with the daemon's learning, as the daemon saw
 * them. The shipped profiles then judge the captures' object-scoped
 * calls with known owners, as the daemon does.
 */
static struct owners *learn_captures(const char *capfile,
				     struct ruleset *rs)
{
	struct owners *o = owners_new();
	FILE *f = fopen(capfile, "r");
	char *line = NULL;
	size_t cap = 0;

	if (o == NULL || f == NULL) {
		fprintf(stderr, "decide-bench: %s: %s\n", capfile, strerror(errno));
		exit(1);
	}
	while (getline(&line, &cap, f) > 0) {
		json_t *rec = json_loads(line, 0, NULL);
		const char *ep = json_string_value(json_object_get(rec, "endpoint"));
		char *body = json_dumps(json_object_get(rec, "body"), JSON_COMPACT);
		struct decide_opts lo = dopts;
		struct decision d;

		if (body != NULL && ep != NULL && strstr(ep, "AuthZPlugin") != NULL) {
			lo.owners = o;
			lo.response = strcmp(ep, "/AuthZPlugin.AuthZRes") == 0;
			lo.hooks = &learning;
			lo.hooks_arg = o;
			decide(rs, body, strlen(body), &lo, &d);
			decision_clear(&d);
		}
		free(body);
		json_decref(rec);
	}
	free(line);
	fclose(f);
	return o;
}

/*
 * Object-scoped calls against a store of 1,000 containers (half client's,
 * half bob's) with a volume and a network each: by name, full ID and ID
 * prefix, allowed and denied, and a create naming three of them.
 */
static void owner_bench(struct ruleset *rs, unsigned iters)
{
	struct owners *o = owners_new();
	char id[1000][65], name[32], uri[256], body[512], vname[32];
	uint64_t *pool, state = 0x9e3779b97f4a7c15ull;
	size_t npool = 0;
	struct sample s;
	struct decide_opts keep = dopts;
	const char *cases[][4] = {
		/* method, uri (@ID@, @PFX@: c500's ID, prefix), body, label */
		{"GET", "/v1.41/containers/json", NULL,
		 "GET /containers/json (no object: the baseline)"},
		{"GET", "/v1.41/containers/c500/json", NULL, "GET own, by name"},
		{"POST", "/v1.41/containers/@ID@/stop", NULL, "POST stop own, by full ID"},
		{"POST", "/v1.41/containers/@PFX@/start", NULL, "POST start own, by ID prefix"},
		{"GET", "/v1.41/containers/c501/logs?stdout=1", NULL, "GET logs of bob's (denied)"},
		{"DELETE", "/v1.41/volumes/v500", NULL, "DELETE own volume"},
		{"POST", "/v1.41/networks/n500/connect", "{\"Container\":\"c500\"}",
		 "POST connect own container to own network"},
		{"POST", "/v1.41/containers/create?name=new1",
		 "{\"Image\":\"busybox\",\"HostConfig\":{\"NetworkMode\":\"n500\","
		 "\"VolumesFrom\":[\"c500\"],\"Binds\":[\"v500:/data\"]}}",
		 "POST create naming own container, volume, network"},
	};
	size_t ncases = sizeof cases / sizeof cases[0];

	if (o == NULL)
		exit(1);
	for (int i = 0; i < 1000; i++) {
		const char *cn = i % 2 == 0 ? "client" : "bob";

		for (int k = 0; k < 64; k++) {
			state ^= state << 13;
			state ^= state >> 7;
			state ^= state << 17;
			id[i][k] = "0123456789abcdef"[state & 15];
		}
		id[i][64] = '\0';
		snprintf(name, sizeof name, "c%d", i);
		owners_put(o, OWN_CONTAINER, id[i],
			   &(struct own_put){.name = name, .cn = cn});
		snprintf(vname, sizeof vname, "v%d", i);
		owners_put(o, OWN_VOLUME, vname, &(struct own_put){.cn = cn});
		{
			char first = id[i][0]; /* another ID: the network's */

			id[i][0] = first == 'f' ? 'e' : 'f';
			snprintf(name, sizeof name, "n%d", i);
			owners_put(o, OWN_NETWORK, id[i],
				   &(struct own_put){.name = name, .cn = cn});
			id[i][0] = first;
		}
	}
	pool = calloc(ncases * iters, sizeof *pool);
	if (pool == NULL)
		exit(1);
	dopts.owners = o;
	/* as the daemon without an audit trail (the target), then with one,
	 * when the module builds the facts that name object and owner */
	for (int audit = 0; audit < 2; audit++) {
	npool = 0;
	dopts.no_facts = !audit;
	printf("\n== decide() on object-scoped calls, client (@developer), a store of "
	       "1,000 containers, volumes and networks, %u iterations%s\n", iters,
	       audit ? ", facts for an audit trail" : "");
	for (size_t c = 0; c < ncases; c++) {
		struct bench_req r = {0};
		const char *u = cases[c][1], *at;
		char label[] = "owner";

		/* @ID@: c500's full ID; @PFX@: its first 12 digits */
		if ((at = strstr(u, "@ID@")) != NULL)
			snprintf(uri, sizeof uri, "%.*s%s%s", (int)(at - u), u,
				 id[500], at + 4);
		else if ((at = strstr(u, "@PFX@")) != NULL)
			snprintf(uri, sizeof uri, "%.*s%.12s%s", (int)(at - u), u,
				 id[500], at + 5);
		else
			snprintf(uri, sizeof uri, "%s", u);
		snprintf(body, sizeof body, "%s", cases[c][2] ? cases[c][2] : "");
		r.body = corpus_make_request("client", cases[c][0], uri,
					     cases[c][2] ? body : NULL, &r.len);
		r.name = label;
		if (r.body == NULL)
			exit(1);
		measure(rs, &r, iters, pool + npool, &s);
		npool += iters;

		printf("  %-56s p50 %6llu ns  p99 %6llu ns  %s %s\n", cases[c][3],
		       (unsigned long long)s.p50, (unsigned long long)s.p99,
		       s.allow ? "allow" : "deny ", s.rule);
		printf("BENCH decide-owner audit=%d case=%zu p50_ns=%llu p99_ns=%llu verdict=%s\n",
		       audit, c, (unsigned long long)s.p50,
		       (unsigned long long)s.p99, s.allow ? "allow" : "deny");
		free(r.body);
	}
	/* the object-scoped ones: all but the baseline */
	qsort(pool + iters, npool - iters, sizeof *pool, cmp_u64);
	printf("  object-scoped, pooled: p50 %llu ns, p99 %llu ns\n",
	       (unsigned long long)pctl(pool + iters, npool - iters, 0.5),
	       (unsigned long long)pctl(pool + iters, npool - iters, 0.99));
	printf("BENCH decide-owner-pooled audit=%d containers=1000 p50_ns=%llu p99_ns=%llu\n",
	       audit, (unsigned long long)pctl(pool + iters, npool - iters, 0.5),
	       (unsigned long long)pctl(pool + iters, npool - iters, 0.99));
	}
	dopts = keep;
	free(pool);
	owners_free(o);
}

/* --- phases: decide() taken apart the way decide.c does it --------------- */

struct phases {
	uint64_t decode, identity, route, digest, stack, total;
	unsigned long long a_decode, a_identity, a_route, a_digest, a_stack;
};

static void digest(const struct request *r)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	const unsigned char *body;
	size_t blen;

	body = request_body(r, &blen);
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	EVP_DigestUpdate(ctx, request_user(r), strlen(request_user(r)) + 1);
	EVP_DigestUpdate(ctx, request_method(r), strlen(request_method(r)) + 1);
	EVP_DigestUpdate(ctx, request_uri(r), request_uri_len(r) + 1);
	if (body != NULL)
		EVP_DigestUpdate(ctx, body, blen);
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
}

static uint64_t med(uint64_t *v, size_t n)
{
	qsort(v, n, sizeof *v, cmp_u64);
	return pctl(v, n, 0.5);
}

static void phase_times(struct ruleset *rs, const struct bench_req *r,
			unsigned iters, struct phases *out)
{
	uint64_t *v[6];
	struct cnz_err err;

	for (int k = 0; k < 6; k++)
		v[k] = calloc(iters, sizeof *v[k]);
	for (unsigned i = 0; i < iters + 10; i++) {
		uint64_t t[7];
		unsigned long long a[6];
		bool count = i == 9; /* the last warm-up call: allocations */
		struct request *req;
		struct identity *id = NULL;
		struct route *route = NULL;
		struct ruleset_pick pick;
		struct cnauthz_request *view;
		struct stack_result res;
		struct decision d;

		n_alloc = 0;
		counting = count;
		a[0] = n_alloc;
		t[0] = bench_now_ns();
		req = request_decode(r->body, r->len, &err);
		t[1] = bench_now_ns();
		a[1] = n_alloc;
		if (req != NULL) /* decide.c's path: the cache first */
			id = idcache_identity(dopts.cache, req, &err);
		t[2] = bench_now_ns();
		a[2] = n_alloc;
		if (req != NULL)
			route = route_parse(request_uri(req), request_uri_len(req),
					    &err);
		t[3] = bench_now_ns();
		a[3] = n_alloc;
		if (req != NULL)
			digest(req);
		t[4] = bench_now_ns();
		a[4] = n_alloc;
		if (id != NULL && route != NULL) {
			ruleset_pick(rs, id, &pick);
			if (pick.stack != NULL) {
				view = view_new(req, id, route);
				if (view != NULL) {
					stack_eval_until(pick.stack, &view_api,
							 view, view_fatal, &res,
							 NULL, NULL);
					view_release(view);
				}
			}
		}
		t[5] = bench_now_ns();
		route_free(route);
		identity_unref(id);
		request_free(req);
		t[5] = bench_now_ns(); /* the frees count in the stack column */
		a[5] = n_alloc;
		counting = false;
		if (count) {
			out->a_decode = a[1] - a[0];
			out->a_identity = a[2] - a[1];
			out->a_route = a[3] - a[2];
			out->a_digest = a[4] - a[3];
			out->a_stack = a[5] - a[4];
		}
		decide(rs, r->body, r->len, &dopts, &d);
		decision_clear(&d);
		t[6] = bench_now_ns();
		if (i < 10)
			continue;
		for (int k = 0; k < 5; k++)
			v[k][i - 10] = t[k + 1] - t[k];
		v[5][i - 10] = t[6] - t[5];
	}
	out->decode = med(v[0], iters);
	out->identity = med(v[1], iters);
	out->route = med(v[2], iters);
	out->digest = med(v[3], iters);
	out->stack = med(v[4], iters);
	out->total = med(v[5], iters);
	for (int k = 0; k < 6; k++)
		free(v[k]);
}

/* --- synthetic stacks ------------------------------------------------------ */

static int write_file(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "w");
	if (f == NULL)
		return -1;
	fputs(text, f);
	return fclose(f);
}

static int copy_file(const char *from_dir, const char *to_dir,
		     const char *name)
{
	char path[PATH_MAX], *text;
	FILE *f;
	long n;
	int rc;

	if (snprintf(path, sizeof path, "%s/%s", from_dir, name) >= (int)sizeof path)
		return -1;
	f = fopen(path, "r");
	if (f == NULL)
		return -1;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)n + 1);
	if (text == NULL || fread(text, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		free(text);
		return -1;
	}
	fclose(f);
	rc = write_file(to_dir, name, text);
	free(text);
	return rc;
}

/* rules/ with client replaced by n generated lines + include @developer. */
static char *make_stack_dir(const char *shipped, unsigned n)
{
	static const char *const keep[] = {"@developer", "@readonly", "@local",
					   "@other", "admin"};
	char tmpl[] = "/tmp/cnauthz-bench-stack.XXXXXX", path[PATH_MAX];
	char *dir = mkdtemp(tmpl) != NULL ? strdup(tmpl) : NULL;
	FILE *f;

	if (dir == NULL)
		return NULL;
	for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++)
		if (copy_file(shipped, dir, keep[i]) < 0)
			return NULL;
	snprintf(path, sizeof path, "%s/client", dir);
	f = fopen(path, "w");
	if (f == NULL)
		return NULL;
	fprintf(f, "# client - %u generated lines that match nothing, then\n"
		   "# the shipped profile\n", n);
	for (unsigned i = 0; i < n; i++) {
		switch (i % 5) {
		case 0:
			fprintf(f, "requisite deny POST /containers/create HostConfig.Binds[] ~ /bench-nope%u/*\n", i);
			break;
		case 1:
			fprintf(f, "requisite deny * /bench-nope%u/**\n", i);
			break;
		case 2:
			fprintf(f, "requisite deny POST /containers/create Image == bench-nope%u\n", i);
			break;
		case 3:
			fprintf(f, "optional permit GET,HEAD /bench-nope%u/*\n", i);
			break;
		default:
			fprintf(f, "requisite deny POST /images/create query:fromImage == bench-nope%u\n", i);
			break;
		}
	}
	fprintf(f, "include @developer\n");
	if (fclose(f) != 0)
		return NULL;
	return dir;
}

static void remove_dir(const char *dir)
{
	static const char *const names[] = {"@developer", "@readonly", "@local",
					    "@other", "admin", "client"};
	char path[PATH_MAX];

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
}

static bool is_client(const struct bench_req *r)
{
	return strstr(r->body, "\"User\":\"client\"") != NULL;
}

/* --- main -------------------------------------------------------------------- */

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{"rules", required_argument, NULL, 'r'},
		{"iters", required_argument, NULL, 'i'},
		{"quick", no_argument, NULL, 'q'},
		{"no-stacks", no_argument, NULL, 'S'},
		{"captures-only", no_argument, NULL, 'c'},
		{NULL, 0, NULL, 0},
	};
	char rules[PATH_MAX], capfile[PATH_MAX];
	struct bench_corpus c = {NULL, 0};
	unsigned iters = 1000, ncap = 0;
	bool quick = false, stacks = true, synthetic = true;
	struct ruleset *rs;
	struct sample *smp;
	uint64_t *pool;
	size_t npool = 0;
	double d2i_sum = 0;
	unsigned long long alloc_sum = 0, nreq_cert = 0;
	int ch;

	snprintf(rules, sizeof rules, "%s/rules", corpus_top());
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'r': snprintf(rules, sizeof rules, "%s", optarg); break;
		case 'i': iters = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'q': quick = true; break;
		case 'S': stacks = false; break;
		case 'c': synthetic = false; break;
		default:
			fprintf(stderr, "usage: decide-bench [--rules DIR] [--iters N] [--quick] "
					"[--no-stacks] [--captures-only]\n");
			return 2;
		}
	}
	if (quick)
		iters = iters > 50 ? 50 : iters;
	if (iters < 10)
		iters = 10;
	snprintf(capfile, sizeof capfile,
		 "%s/tests/fixtures/captures/dockerd-20.10-authz.jsonl",
		 corpus_top());
	if (corpus_add_captures(&c, capfile) < 0 ||
	    (synthetic && corpus_add_synthetic(&c, capfile, true) < 0))
		return 1;
	for (size_t i = 0; i < c.n; i++)
		ncap += !c.v[i].synthetic;

	/* as daemon.c's handle() without --audit: nobody reads the owner
	 * module's facts */
	dopts.no_facts = true;
	dopts.cache = idcache_new(IDCACHE_DEFAULT);
	if (dopts.cache == NULL)
		return 1;
	{
		/* what a reload of these rules costs the signal thread */
		uint64_t lt[21];

		for (int i = 0; i < 21; i++) {
			uint64_t t0 = bench_now_ns();

			rs = load(rules);
			lt[i] = bench_now_ns() - t0;
			ruleset_unref(rs);
		}
		qsort(lt, 21, sizeof *lt, cmp_u64);
		printf("ruleset_load(%s): median %.2f ms, max %.2f ms (21 loads)\n",
		       rules, lt[10] / 1e6, lt[20] / 1e6);
		printf("BENCH decide-load p50_ms=%.3f max_ms=%.3f\n", lt[10] / 1e6,
		       lt[20] / 1e6);
	}
	rs = load(rules);
	/* as the daemon judges them: with who owns what */
	dopts.owners = learn_captures(capfile, rs);
	smp = calloc(c.n, sizeof *smp);
	pool = calloc((size_t)ncap * iters, sizeof *pool);
	if (smp == NULL || pool == NULL)
		return 1;

	printf("== decide() with the shipped profiles (%s), %u iterations per request\n",
	       rules, iters);
	printf("%-72s %9s %9s %7s %9s %5s  %s\n", "request", "p50 ns", "p99 ns",
	       "allocs", "bytes", "x509", "verdict");
	for (size_t i = 0; i < c.n; i++) {
		const struct bench_req *r = &c.v[i];
		unsigned it = r->huge ? (iters > 40 ? 40 : iters)
			      : r->synthetic ? (iters > 300 ? 300 : iters)
					     : iters;

		measure(rs, r, it, r->synthetic ? NULL : pool + npool, &smp[i]);
		if (!r->synthetic) {
			npool += it;
			alloc_sum += smp[i].allocs;
			if (strstr(r->body, "RequestPeerCertificates") != NULL) {
				d2i_sum += smp[i].d2i;
				nreq_cert++;
			}
		}
		printf("%-72.72s %9llu %9llu %7llu %9llu %5.2f  %s %s\n", r->name,
		       (unsigned long long)smp[i].p50,
		       (unsigned long long)smp[i].p99, smp[i].allocs,
		       smp[i].alloc_bytes, smp[i].d2i,
		       smp[i].allow ? "allow" : "deny", smp[i].rule);
	}
	{
		/* the slowest capture requests: what makes the pooled p99 */
		size_t idx[8], nidx = 0;

		for (size_t i = 0; i < c.n; i++) {
			size_t k;

			if (c.v[i].synthetic)
				continue;
			for (k = nidx; k > 0 && smp[idx[k - 1]].p50 < smp[i].p50; k--)
				if (k < 8)
					idx[k] = idx[k - 1];
			if (k < 8) {
				idx[k] = i;
				if (nidx < 8)
					nidx++;
			}
		}
		printf("\nslowest capture requests by median:\n");
		for (size_t k = 0; k < nidx; k++)
			printf("  %-72.72s %9llu %9llu %7llu\n", c.v[idx[k]].name,
			       (unsigned long long)smp[idx[k]].p50,
			       (unsigned long long)smp[idx[k]].p99,
			       smp[idx[k]].allocs);
	}
	qsort(pool, npool, sizeof *pool, cmp_u64);
	printf("\ncaptures pooled (%u requests x %u): p50 %llu ns, p99 %llu ns, "
	       "p99.9 %llu ns; allocations per decide %.1f (mean); "
	       "certificate parses per decide, same certificate again: %.2f\n",
	       ncap, iters, (unsigned long long)pctl(pool, npool, 0.5),
	       (unsigned long long)pctl(pool, npool, 0.99),
	       (unsigned long long)pctl(pool, npool, 0.999),
	       (double)alloc_sum / ncap, nreq_cert ? d2i_sum / nreq_cert : 0);
	printf("BENCH decide profile=shipped set=captures n=%u iters=%u "
	       "p50_ns=%llu p99_ns=%llu p999_ns=%llu allocs_mean=%.1f "
	       "x509_parses_per_decide=%.2f\n",
	       ncap, iters, (unsigned long long)pctl(pool, npool, 0.5),
	       (unsigned long long)pctl(pool, npool, 0.99),
	       (unsigned long long)pctl(pool, npool, 0.999),
	       (double)alloc_sum / ncap, nreq_cert ? d2i_sum / nreq_cert : 0);
	for (size_t i = 0; i < c.n; i++) {
		if (!c.v[i].synthetic)
			continue;
		printf("BENCH decide-synthetic n=%zu p50_ns=%llu p99_ns=%llu "
		       "allocs=%llu bytes=%zu verdict=%s\n",
		       i, (unsigned long long)smp[i].p50,
		       (unsigned long long)smp[i].p99, smp[i].allocs,
		       c.v[i].len, smp[i].allow ? "allow" : "deny");
	}

	/* phases, medians per request, summed over the captures */
	{
		struct phases sum, p;
		unsigned pit = quick ? 20 : 200;

		memset(&sum, 0, sizeof sum);
		for (size_t i = 0; i < c.n; i++) {
			if (c.v[i].synthetic)
				continue;
			phase_times(rs, &c.v[i], pit, &p);
			sum.decode += p.decode;
			sum.identity += p.identity;
			sum.route += p.route;
			sum.digest += p.digest;
			sum.stack += p.stack;
			sum.total += p.total;
			sum.a_decode += p.a_decode;
			sum.a_identity += p.a_identity;
			sum.a_route += p.a_route;
			sum.a_digest += p.a_digest;
			sum.a_stack += p.a_stack;
		}
		printf("\nphases (mean over the captures of each request's median): "
		       "decode %llu ns, identity (certificate) %llu ns, route %llu ns, "
		       "digest %llu ns, pick + stack + cleanup %llu ns; decide() %llu ns\n",
		       (unsigned long long)(sum.decode / ncap),
		       (unsigned long long)(sum.identity / ncap),
		       (unsigned long long)(sum.route / ncap),
		       (unsigned long long)(sum.digest / ncap),
		       (unsigned long long)(sum.stack / ncap),
		       (unsigned long long)(sum.total / ncap));
		printf("allocations per request (mean over the captures): decode %.1f, "
		       "identity %.1f, route %.1f, digest %.1f, pick + stack %.1f\n",
		       (double)sum.a_decode / ncap, (double)sum.a_identity / ncap,
		       (double)sum.a_route / ncap, (double)sum.a_digest / ncap,
		       (double)sum.a_stack / ncap);
		printf("BENCH decide-phase-allocs decode=%.1f identity=%.1f route=%.1f "
		       "digest=%.1f stack=%.1f\n",
		       (double)sum.a_decode / ncap, (double)sum.a_identity / ncap,
		       (double)sum.a_route / ncap, (double)sum.a_digest / ncap,
		       (double)sum.a_stack / ncap);
		printf("BENCH decide-phases decode_ns=%llu identity_ns=%llu "
		       "route_ns=%llu digest_ns=%llu stack_ns=%llu total_ns=%llu\n",
		       (unsigned long long)(sum.decode / ncap),
		       (unsigned long long)(sum.identity / ncap),
		       (unsigned long long)(sum.route / ncap),
		       (unsigned long long)(sum.digest / ncap),
		       (unsigned long long)(sum.stack / ncap),
		       (unsigned long long)(sum.total / ncap));
	}
	owner_bench(rs, quick ? 50 : iters);
	ruleset_unref(rs);

	if (stacks) {
		static const unsigned sizes[] = {10, 100, 1000};
		unsigned long long *allocs[3];
		unsigned sit = quick ? 20 : iters / 2;
		size_t nclient = 0;

		for (size_t i = 0; i < c.n; i++)
			nclient += is_client(&c.v[i]) && !c.v[i].huge;
		printf("\n== synthetic stacks: client = N generated lines + include @developer "
		       "(%zu client requests x %u)\n", nclient, sit);
		for (int k = 0; k < 3; k++) {
			char *dir = make_stack_dir(rules, sizes[k]);
			struct ruleset *srs;
			uint64_t *sp = calloc(nclient * sit, sizeof *sp);
			size_t ns = 0, j = 0;
			struct sample s;
			unsigned long long syn_p50_max = 0;

			allocs[k] = calloc(c.n, sizeof *allocs[k]);
			if (dir == NULL || sp == NULL || allocs[k] == NULL) {
				fprintf(stderr, "decide-bench: cannot make a stack dir: %s\n",
					strerror(errno));
				return 1;
			}
			srs = load(dir);
			for (size_t i = 0; i < c.n; i++) {
				if (!is_client(&c.v[i]) || c.v[i].huge)
					continue;
				measure(srs, &c.v[i], sit, c.v[i].synthetic ? NULL : sp + ns, &s);
				if (!c.v[i].synthetic)
					ns += sit;
				else if (s.p50 > syn_p50_max)
					syn_p50_max = s.p50;
				allocs[k][i] = s.allocs;
				j++;
			}
			qsort(sp, ns, sizeof *sp, cmp_u64);
			{
				struct phases p;
				uint64_t st = 0;
				unsigned nst = 0;

				for (size_t i = 0; i < c.n; i++) {
					if (!is_client(&c.v[i]) || c.v[i].synthetic)
						continue;
					phase_times(srs, &c.v[i], quick ? 10 : 50, &p);
					st += p.stack;
					nst++;
				}
				st = nst ? st / nst : 0;
				printf("%5u lines: captures (client) p50 %llu ns, p99 %llu ns, "
				       "of which pick + stack %llu ns (mean of medians); "
				       "synthetic bodies p50 up to %llu ns\n",
				       sizes[k], (unsigned long long)pctl(sp, ns, 0.5),
				       (unsigned long long)pctl(sp, ns, 0.99),
				       (unsigned long long)st, syn_p50_max);
				printf("BENCH decide-stack lines=%u p50_ns=%llu p99_ns=%llu "
				       "stack_ns=%llu synthetic_p50_max_ns=%llu\n",
				       sizes[k], (unsigned long long)pctl(sp, ns, 0.5),
				       (unsigned long long)pctl(sp, ns, 0.99),
				       (unsigned long long)st, syn_p50_max);
			}
			ruleset_unref(srs);
			remove_dir(dir);
			free(dir);
			free(sp);
		}
		{
			long long maxdiff = 0;
			size_t worst = 0, nd = 0;

			printf("\nallocations per decide(), client requests, 10 / 100 / 1000 lines:\n");
			for (size_t i = 0; i < c.n; i++) {
				long long d;

				if (!is_client(&c.v[i]) || c.v[i].huge)
					continue;
				d = (long long)allocs[2][i] - (long long)allocs[0][i];
				if (d != 0)
					nd++;
				if (llabs(d) > llabs(maxdiff)) {
					maxdiff = d;
					worst = i;
				}
				if (d != 0 || c.v[i].synthetic)
					printf("  %-72.72s %6llu %6llu %6llu\n",
					       c.v[i].name, allocs[0][i],
					       allocs[1][i], allocs[2][i]);
			}
			printf("  (%zu of %zu requests allocate differently; largest "
			       "difference %+lld allocations = %.2f per added line%s%s)\n",
			       nd, nclient, maxdiff, maxdiff / 990.0,
			       nd ? ", at " : "", nd ? c.v[worst].name : "");
			printf("BENCH decide-allocs requests=%zu differing=%zu "
			       "max_diff=%lld per_line=%.3f\n",
			       nclient, nd, maxdiff, maxdiff / 990.0);
		}
		for (int k = 0; k < 3; k++)
			free(allocs[k]);
	}
	{
		unsigned long long hits, misses;

		idcache_stats(dopts.cache, &hits, &misses);
		printf("\ncertificate cache (idcache, %d entries, as the daemon): "
		       "%llu hits, %llu misses\n", IDCACHE_DEFAULT, hits, misses);
	}
	idcache_free(dopts.cache);
	owners_free(dopts.owners);
	free(smp);
	free(pool);
	corpus_free(&c);
	return 0;
}
