/*
 * common.h - what the fuzz harnesses share: the entry points libFuzzer
 * (or tests/fuzz/replay.c) calls, the repository's top directory, an
 * AuthZReq envelope builder and an invariant check that crashes.
 *
 * A harness keeps no mutable state between inputs beyond what it sets up
 * once in LLVMFuzzerInitialize (a loaded rule set, a temp directory).
 */
#ifndef CNZ_FUZZ_COMMON_H
#define CNZ_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "text.h"

struct ruleset;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The repository's top directory: $CNZ_TOP, else where it was built. */
const char *fuzz_top(void);

/* Loads a rules directory (relative to the top unless absolute); a load
 * that fails, or a broken file in it, aborts: the harness is wrong. */
struct ruleset *fuzz_rules(const char *dir);

/*
 * Appends an AuthZReq body as dockerd sends it for a caller on the unix
 * socket: RequestMethod, RequestUri (any bytes: escaped as JSON, invalid
 * UTF-8 as \u00XX), a Content-Type header when ctype is not NULL, and
 * RequestBody (base64) when body is not NULL.
 */
void fuzz_envelope(struct buf *b, const char *method, const char *uri,
		   size_t urilen, const char *ctype, const unsigned char *body,
		   size_t blen);

/* A copy of data[0..n) with a NUL after it (malloc'ed; aborts on OOM). */
char *fuzz_strndup(const uint8_t *data, size_t n);

/*
 * The end of one input: empties OpenSSL's per-thread error queue, which a
 * refused certificate or CRL leaves filled (nothing in cnauthz reads it).
 * Its entries are freed only when overwritten, so an input would end with
 * more mallocs than frees and libFuzzer would run a leak check after each.
 */
void fuzz_input_done(void);

/* True when s[0..n) is printable ASCII (what text_printable produces). */
int fuzz_printable(const char *s, size_t n);

/* An invariant of the code under test: a failure is a finding. */
#define FUZZ_CHECK(c)                                                        \
	do {                                                                 \
		if (!(c)) {                                                  \
			fprintf(stderr, "%s:%d: invariant failed: %s\n",     \
				__FILE__, __LINE__, #c);                     \
			abort();                                             \
		}                                                            \
	} while (0)

#endif
