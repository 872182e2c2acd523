/*
 * corpus.h - the requests the benchmarks replay: every AuthZReq record of
 * tests/fixtures/captures (what a real dockerd sent), and synthetic
 * AuthZReq bodies for the shipped profiles' worst cases (large
 * container-create bodies, many binds), built on a captured envelope so
 * that headers and certificates are dockerd's own.
 */
#ifndef CNZ_BENCH_CORPUS_H
#define CNZ_BENCH_CORPUS_H

#include <stdbool.h>
#include <stddef.h>

struct bench_req {
	char *name;   /* "cap:27 client POST /v1.41/containers/create?..." */
	char *body;   /* the AuthZReq JSON, as sent to the plugin */
	size_t len;
	bool synthetic;
	bool huge;    /* near dockerd's 1 MiB forwarding cap: in-process only */
	int expect;   /* -1 unknown, 0 deny, 1 allow (corpus_expect) */
};

struct bench_corpus {
	struct bench_req *v;
	size_t n;
};

/* Adds the AuthZReq records of a captures .jsonl file (compact JSON, key
 * order kept, as dockerd marshals it). -1 with a message on stderr. */
int corpus_add_captures(struct bench_corpus *c, const char *path);

/* Adds the synthetic requests, built on capture records of that file
 * (client's and admin's POST /containers/create). With huge, also the
 * ~900 KiB body (dockerd forwards bodies up to 1 MiB). */
int corpus_add_synthetic(struct bench_corpus *c, const char *path, bool huge);

/* Sets expect from decide() with the rules in dir (the shipped profiles
 * or any other set). -1 when the directory cannot be loaded. */
int corpus_expect(struct bench_corpus *c, const char *rules_dir);

void corpus_free(struct bench_corpus *c);

/* An AuthZReq for cn with a throwaway self-signed certificate whose CN is
 * cn (User agrees), asking method uri with an optional JSON body. */
char *corpus_make_request(const char *cn, const char *method,
			  const char *uri, const char *json_body,
			  size_t *len);

/* The directory of the source tree (from $CNAUTHZ_TOP or the binary's
 * location, ../.. of tests/bench/). */
const char *corpus_top(void);

/* Monotonic nanoseconds. */
unsigned long long bench_now_ns(void);

#endif
