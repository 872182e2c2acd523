/*
 * jscan.h - a strict, allocation-free JSON scanner for the envelope
 * dockerd sends (request.c): RFC 8259 exactly, plus what jansson refuses
 * and cnauthz must too - invalid UTF-8, "\u0000", lone surrogates,
 * duplicate object keys, trailing data. Strings are decoded into an arena
 * the caller provides (never longer than the input); nothing is allocated
 * per value, which is what makes decoding the envelope cheap.
 */
#ifndef CNZ_JSCAN_H
#define CNZ_JSCAN_H

#include <stdbool.h>
#include <stddef.h>

#define JSCAN_MAX_DEPTH 64
#define JSCAN_MAX_MEMBERS 256 /* per object in a skipped value */

struct jscan {
	const char *s;
	size_t n, i;
	char *arena;   /* at least n + 1 bytes */
	size_t used;
	const char *why; /* the first error */
	size_t at;       /* its byte offset */
};

void jscan_init(struct jscan *j, const char *s, size_t n, char *arena);
/* Skips blanks; returns the next byte or -1 at the end. */
int jscan_peek(struct jscan *j);
/* Consumes c (after blanks) or fails. */
bool jscan_expect(struct jscan *j, char c);
/* A string: decoded, NUL-terminated, in the arena; *len its length. */
bool jscan_string(struct jscan *j, const char **out, size_t *len);
/* A non-negative integer without fraction or exponent, <= max. */
bool jscan_uint(struct jscan *j, unsigned long max, unsigned long *out);
/* A number (after blanks), validated by RFC 8259's grammar: *text and
 * *len its characters in the input, *integer when it has neither a
 * fraction nor an exponent. */
bool jscan_number(struct jscan *j, const char **text, size_t *len,
		  bool *integer);
/* The literal null (after blanks)? Consumed when it is. */
bool jscan_null(struct jscan *j);
/* Any value, validated (objects checked for duplicate keys) and skipped. */
bool jscan_skip(struct jscan *j, int depth);
/* Only blanks left? */
bool jscan_end(struct jscan *j);
bool jscan_fail(struct jscan *j, const char *why);

#endif
