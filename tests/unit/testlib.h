/*
 * testlib.h - what the unit tests share, linked into each of them like
 * tap.o: bailing out, reading a file, a scratch directory of rule files,
 * AuthZReq envelopes as dockerd sends them, and judging one with decide()
 * into a small verdict.
 */
#ifndef CNZ_TESTLIB_H
#define CNZ_TESTLIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "decide.h"

struct ruleset;

/* "Bail out! why", and exit 255: prove stops the test program there. */
void bail(const char *why) __attribute__((noreturn));
/* The same with ": " and strerror(errno) after why. */
void bail_errno(const char *why) __attribute__((noreturn));

/* The whole file, NUL-terminated (the NUL not counted in *len), or NULL
 * when it cannot be read. */
char *slurp(const char *path, size_t *len);

/*
 * The scratch directory: one per test program, for rule files and
 * whatever else a test makes. scratch_make makes /tmp/cnz-t-NAME-XXXXXX
 * (0700) and returns its path, symlinks resolved (bails when it cannot);
 * scratch_at names a path in it (one of 8 buffers, reused in turn); put
 * writes a file there (or bails); scratch_clear removes the files in it
 * (names starting with '.' stay); scratch_remove removes it and all it
 * holds. What cannot be removed is said with diag.
 */
const char *scratch_make(const char *name);
const char *scratch_at(const char *rest);
void put(const char *name, const char *text);
void scratch_clear(void);
void scratch_remove(void);

/* ruleset_load, or bail out saying why the directory could not be
 * loaded. */
struct ruleset_opts;
struct ruleset *load_rules(const char *dir, const struct ruleset_opts *o);

/* "DIR/NAME:line:col: ", how the loader starts the error of rule file
 * NAME in DIR (one of 4 buffers, reused in turn). */
const char *file_where(const char *dir, const char *name, int line, int col);

/* The dockerd 20.10 capture (tests/fixtures/captures/
 * dockerd-20.10-authz.jsonl: one {"endpoint", "body"} a line), opened for
 * reading, or NULL. */
FILE *capture_open(void);

/* An AuthZReq envelope: each member present when given. */
struct authz_req {
	const char *user;   /* User */
	const char *cert;   /* the client certificate (PEM): UserAuthNMethod
			     * "TLS" and RequestPeerCertificates [it] */
	const char *method; /* RequestMethod */
	const char *uri;    /* RequestUri */
	json_t *headers;    /* RequestHeaders (the reference is taken) */
	const char *body;   /* RequestBody, base64-encoded here */
	size_t bodylen;
};

/* The envelope as compact JSON text (malloc'ed); bails when it cannot be
 * made. */
char *authz_req_text(const struct authz_req *r);

/* What decide() said, as far as the tests look at it. */
struct verdict {
	bool allow;
	char msg[DECISION_MSG];
	char rule[300];
	char stack[80];
	/* the lines that ran, in order: "file:line", "sub:file:line" for a
	 * substack entered */
	char ran[1024];
};

/* The ownership store judge_text gives decide() (owners.h): empty and
 * judgeable at first; a test adds the objects its calls name. */
struct owners;
struct owners *test_owners(void);

/* decide() over the envelope text, judged as CN cn (NULL: the identity
 * the envelope carries), into v, with test_owners(). Bails when cn is not
 * a valid CN. */
void judge_text(struct ruleset *rs, const char *cn, const char *text,
		struct verdict *v);

#endif
