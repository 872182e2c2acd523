/*
 * text.h - small string helpers shared by messages and JSON output.
 *
 * Messages that quote request data (paths, CNs, field values) pass it through
 * text_printable() first, so whatever bytes a client sent, what reaches a log,
 * a terminal or dockerd's error message is printable ASCII.
 */
#ifndef CNZ_TEXT_H
#define CNZ_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Copies src[0..len) to dst as printable ASCII: bytes outside 0x20..0x7e and
 * the backslash become "\xNN". Truncates with "..." when dst is too small.
 * Always NUL-terminates (dstsz > 0). Returns dst.
 */
char *text_printable(char *dst, size_t dstsz, const char *src, size_t len);

/*
 * The strings up to a NULL, one after another, into dst (dstsz > 0), cut to
 * fit and NUL-terminated: what snprintf(dst, dstsz, "%s%s...") writes,
 * without the cost of a format on the per-request path. Returns dst.
 */
char *text_join(char *dst, size_t dstsz, ...) __attribute__((sentinel));
/* Appends s to dst[0..dstsz) at *len, cut to fit, NUL-terminated; *len
 * moves on past what was written (dstsz > *len). */
void text_append(char *dst, size_t dstsz, size_t *len, const char *s);
/* v in decimal into out (TEXT_UINT_MAX bytes at least); returns out. */
#define TEXT_UINT_MAX 21
char *text_uint(unsigned long long v, char *out);

/* A growable byte buffer; on allocation failure it sets oom and stays valid. */
struct buf {
	char *p;
	size_t len;
	size_t cap;
	bool oom;
};

void buf_init(struct buf *b);
void buf_free(struct buf *b);
void buf_add(struct buf *b, const void *p, size_t n);
/* Room for n more bytes (and a NUL) without another allocation; false
 * (and oom set) when there is no memory for it. */
bool buf_reserve(struct buf *b, size_t n);
void buf_adds(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Appends s[0..n) as a JSON string literal, quotes included: the one JSON
 * string writer of cnauthz (replies, audit records, ownership files). ASCII
 * only, so a record is the same bytes whatever reads it: non-ASCII UTF-8 as
 * \uXXXX (surrogate pairs above U+FFFF), bytes that are not UTF-8 as
 * \u00XX (their latin-1 reading); the output is always valid JSON. */
void buf_add_json_str(struct buf *b, const char *s, size_t n);
/* Ensures p is NUL-terminated (not counted in len); returns p or NULL on oom. */
const char *buf_cstr(struct buf *b);

/* The value of a hexadecimal digit, or -1. */
int text_hexval(int c);

/* in[0..n) as 2n lower-case hex digits and a NUL into out (2n + 1
 * bytes): how digests are written. */
void text_hex(const unsigned char *in, size_t n, char *out);

/* Certificate serials and fingerprints as they compare: the hex digits of
 * s in lower case, ':' separators dropped, into out. -1 when s holds
 * anything else, no digit at all, or does not fit. */
int text_hex_norm(const char *s, char *out, size_t outsz);
/* s past its leading zeros (a serial's do not count); "0" stays "0". */
const char *text_skip_zeros(const char *s);

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when invalid. */
size_t text_utf8_seq(const unsigned char *s, size_t n);

#endif
