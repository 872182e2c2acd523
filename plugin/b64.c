/* b64.c - see b64.h */
#include "b64.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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
 * Four tables, one per position in a quantum, that put a character's six
 * bits where they land in the three output bytes of a little-endian word
 * (byte 0 first): the OR of the four lookups is the output, and a
 * character outside the alphabet ('=' included: padding belongs to the
 * last quantum only) sets bit 24, so one test judges a quantum. Built by
 * the compiler from B64_V; four loads and three ORs a quantum.
 */
#define B64_BAD 0x01000000u
#define B64_V(c)                                                               \
	((c) >= 'A' && (c) <= 'Z'   ? (uint32_t)(c) - 'A'                       \
	 : (c) >= 'a' && (c) <= 'z' ? (uint32_t)(c) - 'a' + 26                  \
	 : (c) >= '0' && (c) <= '9' ? (uint32_t)(c) - '0' + 52                  \
	 : (c) == '+'               ? 62u                                       \
	 : (c) == '/'               ? 63u                                       \
				    : 64u)
#define Q0(c) (B64_V(c) > 63 ? B64_BAD : B64_V(c) << 2),
#define Q1(c) (B64_V(c) > 63 ? B64_BAD : B64_V(c) >> 4 | (B64_V(c) & 0x0f) << 12),
#define Q2(c) (B64_V(c) > 63 ? B64_BAD : (B64_V(c) >> 2) << 8 | (B64_V(c) & 0x03) << 22),
#define Q3(c) (B64_V(c) > 63 ? B64_BAD : B64_V(c) << 16),
#define R4(F, b) F(b) F(b + 1) F(b + 2) F(b + 3)
#define R16(F, b) R4(F, b) R4(F, b + 4) R4(F, b + 8) R4(F, b + 12)
#define R64(F, b) R16(F, b) R16(F, b + 16) R16(F, b + 32) R16(F, b + 48)
#define R256(F) R64(F, 0) R64(F, 64) R64(F, 128) R64(F, 192)
static const uint32_t qtab[4][256] = {{R256(Q0)}, {R256(Q1)}, {R256(Q2)},
				      {R256(Q3)}};
#undef Q0
#undef Q1
#undef Q2
#undef Q3
#undef R4
#undef R16
#undef R64
#undef R256

static const char *quantum_why(const unsigned char *q)
{
	for (int k = 0; k < 4; k++)
		if (dval(q[k]) == 255)
			return "invalid base64 character";
	return "misplaced base64 padding";
}

/*
 * The quanta before the last: four alphabet characters each, no padding.
 * Writes 3 bytes per quantum to o (when o is not NULL; o has one byte of
 * room past them: whole words are stored); -1 with *why on a bad
 * character.
 */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/*
 * W characters (W / 4 quanta) at a time, W = 16 or 32, in GCC's and
 * clang's vector extension: each byte's six bits by range (A-Z, a-z, 0-9,
 * '+', '/': the ranges are disjoint, so the sum of the masked offsets is
 * the one that applies), every byte in some range or the block is left to
 * the table loop (which names the error); then pairs of sextets into 12
 * bits, pairs of those into 24, each quantum's bytes big end first, two
 * quanta's six bytes together in a 64-bit lane, stored as overlapping
 * 8-byte words (o has room for two bytes more). Returns how many
 * characters were done.
 */
#define VEC_QUANTA(NAME, W, ATTR)                                              \
	typedef unsigned char NAME##_u8 __attribute__((vector_size(W)));      \
	typedef unsigned short NAME##_u16 __attribute__((vector_size(W)));     \
	typedef unsigned int NAME##_u32 __attribute__((vector_size(W)));       \
	typedef unsigned long long NAME##_u64 __attribute__((vector_size(W))); \
	ATTR static size_t NAME(const unsigned char *u, size_t len,           \
				unsigned char *o)                             \
	{                                                                      \
		size_t i = 0;                                                  \
                                                                               \
		for (; i + (W) <= len; i += (W)) {                             \
			NAME##_u8 c, v, ok, up, lo, dg, pl, sl;                \
			NAME##_u16 w;                                          \
			NAME##_u32 d;                                          \
			NAME##_u64 q;                                          \
			uint64_t bad[(W) / 8], acc = 0;                        \
                                                                               \
			memcpy(&c, u + i, W);                                  \
			up = (NAME##_u8)((c >= 'A') & (c <= 'Z'));             \
			lo = (NAME##_u8)((c >= 'a') & (c <= 'z'));             \
			dg = (NAME##_u8)((c >= '0') & (c <= '9'));             \
			pl = (NAME##_u8)(c == '+');                            \
			sl = (NAME##_u8)(c == '/');                            \
			ok = up | lo | dg | pl | sl;                           \
			memcpy(bad, &ok, W);                                   \
			for (int k = 0; k < (W) / 8; k++)                      \
				acc |= ~bad[k];                                \
			if (acc != 0)                                          \
				break;                                         \
			v = c + (up & (unsigned char)(0u - 'A')) +             \
			    (lo & (unsigned char)(26u - 'a')) +                \
			    (dg & (unsigned char)(52u - '0')) +                \
			    (pl & (unsigned char)(62u - '+')) +                \
			    (sl & (unsigned char)(63u - '/'));                 \
			memcpy(&w, &v, W);                                     \
			w = (NAME##_u16)((w & 0xff) << 6 | w >> 8);            \
			memcpy(&d, &w, W);                                     \
			d = (d & 0xffff) << 12 | d >> 16;                      \
			d = (d >> 16 & 0xff) | (d & 0xff00) | (d & 0xff) << 16; \
			memcpy(&q, &d, W);                                     \
			q = (q & 0xffffff) | (q >> 32) << 24;                  \
			for (int k = 0; k < (W) / 8; k++) {                    \
				uint64_t x = q[k];                             \
                                                                               \
				memcpy(o + 6 * k, &x, 8);                      \
			}                                                      \
			o += (W) / 4 * 3;                                      \
		}                                                              \
		return i;                                                      \
	}

/* SSE2 on x86-64, NEON on arm64 */
VEC_QUANTA(vec16, 16, )
#undef VEC_QUANTA

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define B64_AVX2 1

/*
 * Where the CPU has AVX2: 32 characters at a time by table look-ups
 * (vpshufb), after Mula and Lemire, "Faster Base64 Encoding and Decoding
 * Using AVX2 Instructions" (2018). A character's high and low nibbles
 * each pick a class mask; the two share a bit only for a byte outside the
 * alphabet (this takes every byte outside it: non-ASCII, '=', controls).
 * Its high nibble (and '/' apart) then picks what to add to make it its
 * 6-bit value; two multiply-adds pack four of those into three bytes, a
 * shuffle puts each lane's twelve in order, and the lanes are stored
 * 24 bytes apart (o has room for four bytes more).
 */
__attribute__((target("avx2"))) static size_t
vec32(const unsigned char *u, size_t len, unsigned char *o)
{
	const __m256i lut_lo = _mm256_setr_epi8(
		0x15, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
		0x11, 0x11, 0x13, 0x1a, 0x1b, 0x1b, 0x1b, 0x1a,
		0x15, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
		0x11, 0x11, 0x13, 0x1a, 0x1b, 0x1b, 0x1b, 0x1a);
	const __m256i lut_hi = _mm256_setr_epi8(
		0x10, 0x10, 0x01, 0x02, 0x04, 0x08, 0x04, 0x08,
		0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10,
		0x10, 0x10, 0x01, 0x02, 0x04, 0x08, 0x04, 0x08,
		0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10);
	/* by high nibble ('/' at index 1): '+' 62 = 43 + 19, '/' 63 = 47 +
	 * 16, '0' 52 = 48 + 4, 'A' 0 = 65 - 65, 'a' 26 = 97 - 71 */
	const __m256i lut_roll = _mm256_setr_epi8(
		0, 16, 19, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 16, 19, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0, 0, 0);
	const __m256i order = _mm256_setr_epi8(
		2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1,
		2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1);
	const __m256i m2f = _mm256_set1_epi8(0x2f);
	size_t i = 0;

	for (; i + 32 <= len; i += 32) {
		__m256i c, hi, lo, roll, v;

		c = _mm256_loadu_si256((const __m256i_u *)(const void *)(u + i));
		/* pshufb reads bits 0-3 and 7: 0x2f clears 7 and keeps the
		 * nibble (bit 5 rides along unread) */
		hi = _mm256_and_si256(_mm256_srli_epi32(c, 4), m2f);
		lo = _mm256_and_si256(c, m2f);
		if (!_mm256_testz_si256(_mm256_shuffle_epi8(lut_lo, lo),
					_mm256_shuffle_epi8(lut_hi, hi)))
			break;
		roll = _mm256_shuffle_epi8(
			lut_roll,
			_mm256_add_epi8(_mm256_cmpeq_epi8(c, m2f), hi));
		v = _mm256_add_epi8(c, roll);
		/* 00aaaaaa 00bbbbbb -> 0000aaaa aabbbbbb, then pairs of
		 * those -> 00000000 aaaaaabb bbbbcccc ccdddddd */
		v = _mm256_maddubs_epi16(v, _mm256_set1_epi32(0x01400140));
		v = _mm256_madd_epi16(v, _mm256_set1_epi32(0x00011000));
		v = _mm256_shuffle_epi8(v, order);
		_mm_storeu_si128((__m128i_u *)(void *)o,
				 _mm256_castsi256_si128(v));
		_mm_storeu_si128((__m128i_u *)(void *)(o + 12),
				 _mm256_extracti128_si256(v, 1));
		o += 24;
	}
	return i;
}
#endif

static size_t vec_quanta(const unsigned char *u, size_t len, unsigned char *o)
{
	size_t i = 0;

#ifdef B64_AVX2
	if (__builtin_cpu_supports("avx2"))
		i = vec32(u, len, o);
#endif
	return i + vec16(u + i, len - i, o + i / 4 * 3);
}
#endif

static int body_quanta(const unsigned char *u, size_t len, unsigned char *o,
		       const char **why)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	size_t i = 0;

	if (o != NULL) {
		i = vec_quanta(u, len, o);
		o += i / 4 * 3;
	}
	for (; i + 8 <= len; i += 8) {
		const unsigned char *q = u + i;
		uint32_t w0 = qtab[0][q[0]] | qtab[1][q[1]] | qtab[2][q[2]] |
			      qtab[3][q[3]];
		uint32_t w1 = qtab[0][q[4]] | qtab[1][q[5]] | qtab[2][q[6]] |
			      qtab[3][q[7]];

		if ((w0 | w1) & B64_BAD) {
			*why = quantum_why(w0 & B64_BAD ? q : q + 4);
			return -1;
		}
		if (o != NULL) {
			memcpy(o, &w0, 4);
			memcpy(o + 3, &w1, 4);
			o += 6;
		}
	}
	for (; i < len; i += 4) {
		const unsigned char *q = u + i;
		uint32_t w = qtab[0][q[0]] | qtab[1][q[1]] | qtab[2][q[2]] |
			     qtab[3][q[3]];

		if (w & B64_BAD) {
			*why = quantum_why(q);
			return -1;
		}
		if (o != NULL) {
			memcpy(o, &w, 4);
			o += 3;
		}
	}
	return 0;
#else
	for (size_t i = 0; i < len; i += 4) {
		unsigned a = dval(u[i]), b = dval(u[i + 1]);
		unsigned c = dval(u[i + 2]), d = dval(u[i + 3]);
		uint32_t v;

		if ((a | b | c | d) & 0xc0) {
			*why = quantum_why(u + i);
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
#endif
}

static int decode(const char *in, size_t len, unsigned char **out,
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

static int check(const char *in, size_t len, const char **why)
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

int b64_decode(const char *in, size_t len, unsigned char **out,
	       size_t *outlen, struct cnz_err *err)
{
	const char *why = "bad base64";

	if (decode(in, len, out, outlen, &why) == 0)
		return 0;
	cnz_err_set(err, NULL, 0, 0, "%s", why);
	return -1;
}

int b64_check(const char *in, size_t len, struct cnz_err *err)
{
	const char *why = "bad base64";

	if (check(in, len, &why) == 0)
		return 0;
	cnz_err_set(err, NULL, 0, 0, "%s", why);
	return -1;
}
