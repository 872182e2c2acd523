/* jscan.c - see jscan.h */
#include "jscan.h"

#include <stdint.h>
#include <string.h>

#include "text.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

void jscan_init(struct jscan *j, const char *s, size_t n, char *arena)
{
	j->s = s;
	j->n = n;
	j->i = 0;
	j->arena = arena;
	j->used = 0;
	j->why = NULL;
	j->at = 0;
}

bool jscan_fail(struct jscan *j, const char *why)
{
	if (j->why == NULL) {
		j->why = why;
		j->at = j->i;
	}
	return false;
}

int jscan_peek(struct jscan *j)
{
	while (j->i < j->n && (j->s[j->i] == ' ' || j->s[j->i] == '\t' ||
			       j->s[j->i] == '\n' || j->s[j->i] == '\r'))
		j->i++;
	return j->i < j->n ? (unsigned char)j->s[j->i] : -1;
}

bool jscan_expect(struct jscan *j, char c)
{
	if (jscan_peek(j) != (unsigned char)c)
		return jscan_fail(j, c == '"' ? "a string was expected"
				     : c == ':' ? "':' was expected"
				     : "unexpected character");
	j->i++;
	return true;
}

bool jscan_end(struct jscan *j)
{
	return jscan_peek(j) < 0;
}

static int hex4(const char *s)
{
	int v = 0;

	for (int k = 0; k < 4; k++) {
		int d = text_hexval((unsigned char)s[k]);

		if (d < 0)
			return -1;
		v = v << 4 | d;
	}
	return v;
}

static size_t put_utf8(char *o, uint32_t cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | cp >> 12);
		o[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | cp >> 18);
	o[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	o[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Sixteen signed bytes (GCC's and clang's vector extension: SSE2 on
 * x86-64, NEON on arm64, plain code elsewhere). */
typedef signed char sv16 __attribute__((vector_size(16)));

bool jscan_string(struct jscan *j, const char **out, size_t *len)
{
	char *o;
	size_t start;

	if (!jscan_expect(j, '"'))
		return false;
	o = j->arena + j->used;
	start = j->used;
	for (;;) {
		unsigned char c;
		size_t run = j->i;

		/* the common case: a run of plain ASCII, copied at once;
		 * sixteen bytes (then eight) are looked at together while none
		 * of them is a control byte, non-ASCII, '"' or a backslash.
		 * As signed bytes, non-ASCII ones are negative: "< 0x20"
		 * catches both. */
#if defined(__SSE2__)
		/* x86-64: a mask of the sixteen, one bit each */
		while (run + 16 <= j->n) {
			__m128i v = _mm_loadu_si128(
				(const __m128i_u *)(const void *)(j->s + run));
			unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(
				_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
					     _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))),
				_mm_cmplt_epi8(v, _mm_set1_epi8(0x20))));

			if (m != 0) {
				run += (size_t)__builtin_ctz(m);
				goto found;
			}
			run += 16;
		}
#else
		while (run + 16 <= j->n) {
			sv16 v, bad;
			uint64_t lanes[2];

			memcpy(&v, j->s + run, 16);
			bad = (v < 0x20) | (v == '"') | (v == '\\');
			memcpy(lanes, &bad, 16);
			if (lanes[0] | lanes[1]) {
				/* the first such byte, from the lanes (each 0 or
				 * 0xff; little-endian: byte k is bits 8k..8k+7),
				 * rather than by the loops below */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
				run += lanes[0] ? (size_t)__builtin_ctzll(lanes[0]) / 8
						: 8 + (size_t)__builtin_ctzll(lanes[1]) / 8;
#endif
				break;
			}
			run += 16;
		}
#endif
		while (run + 8 <= j->n) {
			uint64_t w, ctl, quote, bsl;

			memcpy(&w, j->s + run, 8);
			ctl = (w - 0x2020202020202020ULL) & ~w;
			quote = w ^ 0x2222222222222222ULL;
			quote = (quote - 0x0101010101010101ULL) & ~quote;
			bsl = w ^ 0x5c5c5c5c5c5c5c5cULL;
			bsl = (bsl - 0x0101010101010101ULL) & ~bsl;
			if ((ctl | quote | bsl | w) & 0x8080808080808080ULL)
				break;
			run += 8;
		}
		while (run < j->n && (c = (unsigned char)j->s[run]) >= 0x20 &&
		       c < 0x80 && c != '"' && c != '\\')
			run++;
#if defined(__SSE2__)
found:
#endif
		memcpy(j->arena + j->used, j->s + j->i, run - j->i);
		j->used += run - j->i;
		j->i = run;
		if (j->i >= j->n)
			return jscan_fail(j, "unterminated string");
		c = (unsigned char)j->s[j->i];
		if (c == '"') {
			j->i++;
			break;
		}
		if (c < 0x20)
			return jscan_fail(j, "control character in a string");
		if (c >= 0x80) {
			size_t k = text_utf8_seq((const unsigned char *)j->s + j->i,
						 j->n - j->i);

			if (k == 0)
				return jscan_fail(j, "invalid UTF-8 in a string");
			memcpy(j->arena + j->used, j->s + j->i, k);
			j->used += k;
			j->i += k;
			continue;
		}
		/* an escape */
		if (j->i + 1 >= j->n)
			return jscan_fail(j, "unterminated string");
		j->i++;
		switch (j->s[j->i]) {
		case '"': j->arena[j->used++] = '"'; break;
		case '\\': j->arena[j->used++] = '\\'; break;
		case '/': j->arena[j->used++] = '/'; break;
		case 'b': j->arena[j->used++] = '\b'; break;
		case 'f': j->arena[j->used++] = '\f'; break;
		case 'n': j->arena[j->used++] = '\n'; break;
		case 'r': j->arena[j->used++] = '\r'; break;
		case 't': j->arena[j->used++] = '\t'; break;
		case 'u': {
			int hi, lo;
			uint32_t cp;

			if (j->i + 4 >= j->n ||
			    (hi = hex4(j->s + j->i + 1)) < 0)
				return jscan_fail(j, "bad \\u escape");
			j->i += 4;
			if (hi == 0)
				return jscan_fail(j, "\\u0000 in a string");
			cp = (uint32_t)hi;
			if (hi >= 0xdc00 && hi <= 0xdfff)
				return jscan_fail(j, "lone surrogate in a string");
			if (hi >= 0xd800 && hi <= 0xdbff) {
				if (j->i + 6 >= j->n || j->s[j->i + 1] != '\\' ||
				    j->s[j->i + 2] != 'u' ||
				    (lo = hex4(j->s + j->i + 3)) < 0xdc00 ||
				    lo > 0xdfff)
					return jscan_fail(j, "lone surrogate in a string");
				j->i += 6;
				cp = 0x10000 + (((uint32_t)hi - 0xd800) << 10) +
				     ((uint32_t)lo - 0xdc00);
			}
			j->used += put_utf8(j->arena + j->used, cp);
			break;
		}
		default:
			return jscan_fail(j, "bad escape in a string");
		}
		j->i++;
	}
	j->arena[j->used++] = '\0';
	*out = o;
	*len = j->used - 1 - start;
	return true;
}

bool jscan_null(struct jscan *j)
{
	if (jscan_peek(j) == 'n' && j->n - j->i >= 4 &&
	    memcmp(j->s + j->i, "null", 4) == 0) {
		j->i += 4;
		return true;
	}
	return false;
}

/* A number, validated by RFC 8259's grammar; *integer when it has no
 * fraction or exponent. */
static bool number(struct jscan *j, bool *integer)
{
	size_t i = j->i;

	*integer = true;
	if (i < j->n && j->s[i] == '-')
		i++;
	if (i >= j->n || j->s[i] < '0' || j->s[i] > '9')
		return jscan_fail(j, "bad number");
	if (j->s[i] == '0')
		i++;
	else
		while (i < j->n && j->s[i] >= '0' && j->s[i] <= '9')
			i++;
	if (i < j->n && j->s[i] == '.') {
		*integer = false;
		i++;
		if (i >= j->n || j->s[i] < '0' || j->s[i] > '9')
			return jscan_fail(j, "bad number");
		while (i < j->n && j->s[i] >= '0' && j->s[i] <= '9')
			i++;
	}
	if (i < j->n && (j->s[i] == 'e' || j->s[i] == 'E')) {
		*integer = false;
		i++;
		if (i < j->n && (j->s[i] == '+' || j->s[i] == '-'))
			i++;
		if (i >= j->n || j->s[i] < '0' || j->s[i] > '9')
			return jscan_fail(j, "bad number");
		while (i < j->n && j->s[i] >= '0' && j->s[i] <= '9')
			i++;
	}
	j->i = i;
	return true;
}

bool jscan_number(struct jscan *j, const char **text, size_t *len,
		  bool *integer)
{
	size_t start;

	if (jscan_peek(j) < 0)
		return jscan_fail(j, "a number was expected");
	start = j->i;
	if (!number(j, integer))
		return false;
	*text = j->s + start;
	*len = j->i - start;
	return true;
}

bool jscan_uint(struct jscan *j, unsigned long max, unsigned long *out)
{
	size_t start;
	bool integer;
	unsigned long v = 0;

	if (jscan_peek(j) < 0)
		return jscan_fail(j, "a number was expected");
	start = j->i;
	if (j->s[start] == '-' || !number(j, &integer) || !integer)
		return jscan_fail(j, "a whole number was expected");
	for (size_t k = start; k < j->i; k++) {
		if (v > (max - (unsigned long)(j->s[k] - '0')) / 10)
			return jscan_fail(j, "number out of range");
		v = v * 10 + (unsigned long)(j->s[k] - '0');
	}
	*out = v;
	return true;
}

bool jscan_skip(struct jscan *j, int depth)
{
	int c = jscan_peek(j);

	if (depth > JSCAN_MAX_DEPTH)
		return jscan_fail(j, "nesting too deep");
	if (c == '"') {
		const char *s;
		size_t len, mark = j->used;

		if (!jscan_string(j, &s, &len))
			return false;
		j->used = mark; /* only validated */
		return true;
	}
	if (c == '{') {
		const char *keys[JSCAN_MAX_MEMBERS];
		size_t klen[JSCAN_MAX_MEMBERS], nk = 0, mark = j->used;

		j->i++;
		if (jscan_peek(j) == '}') {
			j->i++;
			return true;
		}
		for (;;) {
			if (nk == JSCAN_MAX_MEMBERS)
				return jscan_fail(j, "object with too many members");
			if (!jscan_string(j, &keys[nk], &klen[nk]))
				return false;
			for (size_t k = 0; k < nk; k++)
				if (klen[k] == klen[nk] &&
				    memcmp(keys[k], keys[nk], klen[k]) == 0)
					return jscan_fail(j, "duplicate object key");
			nk++;
			if (!jscan_expect(j, ':') || !jscan_skip(j, depth + 1))
				return false;
			c = jscan_peek(j);
			j->i++;
			if (c == '}')
				break;
			if (c != ',')
				return jscan_fail(j, "',' or '}' was expected");
		}
		j->used = mark;
		return true;
	}
	if (c == '[') {
		j->i++;
		if (jscan_peek(j) == ']') {
			j->i++;
			return true;
		}
		for (;;) {
			if (!jscan_skip(j, depth + 1))
				return false;
			c = jscan_peek(j);
			j->i++;
			if (c == ']')
				return true;
			if (c != ',')
				return jscan_fail(j, "',' or ']' was expected");
		}
	}
	if (c == '-' || (c >= '0' && c <= '9')) {
		bool integer;

		return number(j, &integer);
	}
	if (c == 't' && j->n - j->i >= 4 && memcmp(j->s + j->i, "true", 4) == 0) {
		j->i += 4;
		return true;
	}
	if (c == 'f' && j->n - j->i >= 5 && memcmp(j->s + j->i, "false", 5) == 0) {
		j->i += 5;
		return true;
	}
	if (jscan_null(j))
		return true;
	return jscan_fail(j, c < 0 ? "unexpected end" : "unexpected character");
}
