/* b64.c - see b64.h */
#include "b64.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

/* The value + 1 of each alphabet byte (1..64), 65 for '=', 0 for the
 * rest: one load per byte, no branches. */
static const unsigned char dtab[256] = {
	['A'] = 1, ['B'] = 2, ['C'] = 3, ['D'] = 4, ['E'] = 5, ['F'] = 6,
	['G'] = 7, ['H'] = 8, ['I'] = 9, ['J'] = 10, ['K'] = 11, ['L'] = 12,
	['M'] = 13, ['N'] = 14, ['O'] = 15, ['P'] = 16, ['Q'] = 17, ['R'] = 18,
	['S'] = 19, ['T'] = 20, ['U'] = 21, ['V'] = 22, ['W'] = 23, ['X'] = 24,
	['Y'] = 25, ['Z'] = 26, ['a'] = 27, ['b'] = 28, ['c'] = 29, ['d'] = 30,
	['e'] = 31, ['f'] = 32, ['g'] = 33, ['h'] = 34, ['i'] = 35, ['j'] = 36,
	['k'] = 37, ['l'] = 38, ['m'] = 39, ['n'] = 40, ['o'] = 41, ['p'] = 42,
	['q'] = 43, ['r'] = 44, ['s'] = 45, ['t'] = 46, ['u'] = 47, ['v'] = 48,
	['w'] = 49, ['x'] = 50, ['y'] = 51, ['z'] = 52, ['0'] = 53, ['1'] = 54,
	['2'] = 55, ['3'] = 56, ['4'] = 57, ['5'] = 58, ['6'] = 59, ['7'] = 60,
	['8'] = 61, ['9'] = 62, ['+'] = 63, ['/'] = 64, ['='] = 65,
};

/* 0..63 for the alphabet, 64 for '=', 255 for everything else. */
static inline unsigned char dval(unsigned char c)
{
	return (unsigned char)(dtab[c] - 1);
}

size_t b64_decoded_len(const char *in, size_t len)
{
	size_t pad = 0;

	if (len % 4 != 0)
		return (size_t)-1;
	if (len == 0)
		return 0;
	if (in[len - 1] == '=')
		pad++;
	if (in[len - 2] == '=')
		pad++;
	return len / 4 * 3 - pad;
}

/*
 * The last quantum of in[0..len) (len a non-zero multiple of 4), the only
 * one where padding may stand: "xxxx", "xxx=" or "xx==". Writes its 1..3
 * bytes to o (when o is not NULL); returns how many, or -1 with *why.
 */
static int last_quantum(const unsigned char *q, unsigned char *o,
			const char **why)
{
	unsigned char a = dval(q[0]), b = dval(q[1]);
	unsigned char c = dval(q[2]), d = dval(q[3]);

	if (a > 63 || b > 63 || c == 255 || d == 255) {
		*why = "invalid base64 character";
		return -1;
	}
	if (c == 64 && d != 64) {
		*why = "misplaced base64 padding";
		return -1;
	}
	if ((c == 64 && (b & 0x0f)) || (c != 64 && d == 64 && (c & 0x03))) {
		*why = "non-zero base64 pad bits";
		return -1;
	}
	if (o != NULL) {
		o[0] = (unsigned char)(a << 2 | b >> 4);
		if (c != 64)
			o[1] = (unsigned char)(b << 4 | c >> 2);
		if (d != 64)
			o[2] = (unsigned char)(c << 6 | d);
	}
	return c == 64 ? 1 : d == 64 ? 2 : 3;
}

/*
 * The quanta before the last: four alphabet characters each, no padding.
 * A value above 63 ('=' is 64, anything else 255) sets a bit of 0xc0 in
 * the OR of the four, so one test judges them all. Writes 3 bytes per
 * quantum to o (when o is not NULL); -1 with *why on a bad character.
 */
static int body_quanta(const unsigned char *u, size_t len, unsigned char *o,
		       const char **why)
{
	for (size_t i = 0; i < len; i += 4) {
		unsigned a = dval(u[i]), b = dval(u[i + 1]);
		unsigned c = dval(u[i + 2]), d = dval(u[i + 3]);
		uint32_t v;

		if ((a | b | c | d) & 0xc0) {
			*why = a > 63 || b > 63 || c == 255 || d == 255
				       ? "invalid base64 character"
				       : "misplaced base64 padding";
			return -1;
		}
		if (o != NULL) {
			v = a << 18 | b << 12 | c << 6 | d;
			*o++ = (unsigned char)(v >> 16);
			*o++ = (unsigned char)(v >> 8);
			*o++ = (unsigned char)v;
		}
	}
	return 0;
}

int b64_decode(const char *in, size_t len, unsigned char **out,
	       size_t *outlen, const char **why)
{
	const unsigned char *u = (const unsigned char *)in;
	unsigned char *o = NULL;
	size_t n;
	int k = 0;

	*out = NULL;
	*outlen = 0;
	n = b64_decoded_len(in, len);
	if (n == (size_t)-1) {
		*why = "base64 length is not a multiple of 4";
		return -1;
	}
	o = malloc(n + 3); /* the last quantum writes up to 3 */
	if (o == NULL) {
		*why = "out of memory";
		return -1;
	}
	if (len > 0) {
		if (body_quanta(u, len - 4, o, why) < 0)
			goto fail;
		k = last_quantum(u + len - 4, o + (len - 4) / 4 * 3, why);
		if (k < 0)
			goto fail;
		n = (len - 4) / 4 * 3 + (size_t)k;
	}
	o[n] = '\0';
	*out = o;
	*outlen = n;
	return 0;
fail:
	free(o);
	return -1;
}

char *b64_encode(const unsigned char *in, size_t len, size_t *outlen)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t n = (len + 2) / 3 * 4, k = 0;
	char *o;

	if (len > (SIZE_MAX - 1) / 4 * 3 - 3)
		return NULL;
	o = malloc(n + 1);
	if (o == NULL)
		return NULL;
	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;

		if (i + 1 < len)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < len)
			v |= in[i + 2];
		o[k++] = tab[v >> 18 & 63];
		o[k++] = tab[v >> 12 & 63];
		o[k++] = i + 1 < len ? tab[v >> 6 & 63] : '=';
		o[k++] = i + 2 < len ? tab[v & 63] : '=';
	}
	o[k] = '\0';
	if (outlen != NULL)
		*outlen = k;
	return o;
}

int b64_check(const char *in, size_t len, const char **why)
{
	const unsigned char *u = (const unsigned char *)in;

	if (len % 4 != 0) {
		*why = "base64 length is not a multiple of 4";
		return -1;
	}
	if (len == 0)
		return 0;
	if (body_quanta(u, len - 4, NULL, why) < 0 ||
	    last_quantum(u + len - 4, NULL, why) < 0)
		return -1;
	return 0;
}
