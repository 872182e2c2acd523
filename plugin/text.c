/* text.c - see text.h */
#include "text.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *text_printable(char *dst, size_t dstsz, const char *src, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	if (dstsz == 0)
		return dst;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)src[i];
		size_t need = (c >= 0x20 && c < 0x7f && c != '\\') ? 1 : 4;

		if (o + need + 4 > dstsz) { /* room for "..." and NUL */
			if (o + 4 <= dstsz) {
				memcpy(dst + o, "...", 3);
				o += 3;
			}
			break;
		}
		if (need == 1) {
			dst[o++] = (char)c;
		} else {
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 15];
		}
	}
	dst[o < dstsz ? o : dstsz - 1] = '\0';
	return dst;
}

void buf_init(struct buf *b)
{
	memset(b, 0, sizeof *b);
}

void buf_free(struct buf *b)
{
	free(b->p);
	buf_init(b);
}

bool buf_reserve(struct buf *b, size_t n)
{
	size_t want;
	char *np;

	if (b->oom)
		return false;
	if (n > SIZE_MAX - b->len - 1) {
		b->oom = true;
		return false;
	}
	want = b->len + n + 1;
	if (want <= b->cap)
		return true;
	if (b->cap < 64)
		b->cap = 64;
	while (b->cap < want)
		b->cap = b->cap > SIZE_MAX / 2 ? want : b->cap * 2;
	np = realloc(b->p, b->cap);
	if (np == NULL) {
		b->oom = true;
		return false;
	}
	b->p = np;
	return true;
}

void buf_add(struct buf *b, const void *p, size_t n)
{
	if (n == 0 || !buf_reserve(b, n))
		return;
	memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !buf_reserve(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

size_t text_utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, cp = c & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

static void add_u16(struct buf *b, unsigned v)
{
	static const char hex[] = "0123456789abcdef";
	char esc[6] = {'\\', 'u', hex[(v >> 12) & 15], hex[(v >> 8) & 15],
		       hex[(v >> 4) & 15], hex[v & 15]};

	buf_add(b, esc, sizeof esc);
}

void buf_add_json_str(struct buf *b, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, run = 0, len;
	unsigned long cp;

	buf_add(b, "\"", 1);
	while (i < n) {
		unsigned char c = u[i];

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			run++;
			i++;
			continue;
		}
		buf_add(b, s + i - run, run);
		run = 0;
		if (c == '"' || c == '\\') {
			char esc[2] = {'\\', (char)c};

			buf_add(b, esc, 2);
			i++;
		} else if (c == '\n') {
			buf_add(b, "\\n", 2);
			i++;
		} else if (c == '\t') {
			buf_add(b, "\\t", 2);
			i++;
		} else if (c >= 0x80 && (len = text_utf8_seq(u + i, n - i)) > 1) {
			cp = c & (0x7f >> len);
			for (size_t k = 1; k < len; k++)
				cp = (cp << 6) | (u[i + k] & 0x3f);
			if (cp >= 0x10000) {
				cp -= 0x10000;
				add_u16(b, 0xd800 | (unsigned)(cp >> 10));
				add_u16(b, 0xdc00 | (unsigned)(cp & 0x3ff));
			} else {
				add_u16(b, (unsigned)cp);
			}
			i += len;
		} else {
			add_u16(b, c); /* a control byte, or not UTF-8 */
			i++;
		}
	}
	buf_add(b, s + i - run, run);
	buf_add(b, "\"", 1);
}

const char *buf_cstr(struct buf *b)
{
	if (!buf_reserve(b, 0))
		return NULL;
	b->p[b->len] = '\0';
	return b->p;
}

int text_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

void text_append(char *dst, size_t dstsz, size_t *len, const char *s)
{
	size_t n = strlen(s);

	if (n > dstsz - 1 - *len)
		n = dstsz - 1 - *len;
	memcpy(dst + *len, s, n);
	*len += n;
	dst[*len] = '\0';
}

char *text_join(char *dst, size_t dstsz, ...)
{
	va_list ap;
	const char *s;
	size_t len = 0;

	dst[0] = '\0';
	va_start(ap, dstsz);
	while ((s = va_arg(ap, const char *)) != NULL)
		text_append(dst, dstsz, &len, s);
	va_end(ap);
	return dst;
}

char *text_uint(unsigned long long v, char *out)
{
	char tmp[TEXT_UINT_MAX];
	size_t n = 0, i = 0;

	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (n > 0)
		out[i++] = tmp[--n];
	out[i] = '\0';
	return out;
}

void text_hex(const unsigned char *in, size_t n, char *out)
{
	static const char digit[] = "0123456789abcdef";

	/* by table, not snprintf: a digest is written per request */
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digit[in[i] >> 4];
		out[2 * i + 1] = digit[in[i] & 15];
	}
	out[2 * n] = '\0';
}

int text_hex_norm(const char *s, char *out, size_t outsz)
{
	size_t o = 0;

	for (; *s; s++) {
		if (*s == ':')
			continue;
		if (!isxdigit((unsigned char)*s) || o + 1 >= outsz)
			return -1;
		out[o++] = (char)tolower((unsigned char)*s);
	}
	out[o] = '\0';
	return o > 0 ? 0 : -1;
}

const char *text_skip_zeros(const char *s)
{
	while (s[0] == '0' && s[1] != '\0')
		s++;
	return s;
}
