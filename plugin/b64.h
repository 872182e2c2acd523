/*
 * b64.h - strict standard base64 (RFC 4648 section 4, with padding), the
 * encoding Go's encoding/json gives a []byte, which is how dockerd sends
 * RequestBody, ResponseBody and each peer certificate.
 */
#ifndef CNZ_B64_H
#define CNZ_B64_H

#include <stddef.h>

#include "err.h"

/*
 * Decodes in[0..len). Rejects anything Go's encoder would never write:
 * a length that is not a multiple of 4, characters outside the alphabet
 * (whitespace included), misplaced or excess padding, non-zero pad bits.
 * On success returns 0 and a malloc'ed, NUL-terminated *out of *outlen
 * bytes (the NUL is not counted). On failure returns -1 with err.
 */
int b64_decode(const char *in, size_t len, unsigned char **out,
	       size_t *outlen, struct cnz_err *err);

/* Checks in[0..len) exactly as b64_decode does, without decoding it:
 * 0, or -1 with err. */
int b64_check(const char *in, size_t len, struct cnz_err *err);

/* Number of bytes in[0..len) decodes to, judged by its length and padding
 * alone, or (size_t)-1 when the length is not a multiple of 4. */
size_t b64_decoded_len(const char *in, size_t len);

/* Encodes in[0..len) into a malloc'ed NUL-terminated string, or NULL. */
char *b64_encode(const unsigned char *in, size_t len, size_t *outlen);

#endif
