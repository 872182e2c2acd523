/* mediatype.c - see mediatype.h; follows Go 1.19's mime/mediatype.go. */
#include "mediatype.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* unicode.IsSpace: the ASCII spaces and, as UTF-8, U+0085, U+00A0, U+1680,
 * U+2000-U+200A, U+2028, U+2029, U+202F, U+205F and U+3000. A header value
 * may carry any of them (Go's server refuses only control bytes), and Go's
 * TrimSpace trims them all. Returns bytes, 0 if not a space. */
static size_t space_len(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;

	if (u[0] == ' ' || (u[0] >= '\t' && u[0] <= '\r'))
		return 1;
	if (u[0] == 0xc2 && (u[1] == 0x85 || u[1] == 0xa0))
		return 2;
	if (u[0] == 0xe1 && u[1] == 0x9a && u[2] == 0x80)
		return 3;
	if (u[0] == 0xe2 && u[1] == 0x80 &&
	    ((u[2] >= 0x80 && u[2] <= 0x8a) || u[2] == 0xa8 || u[2] == 0xa9 ||
	     u[2] == 0xaf))
		return 3;
	if (u[0] == 0xe2 && u[1] == 0x81 && u[2] == 0x9f)
		return 3;
	if (u[0] == 0xe3 && u[1] == 0x80 && u[2] == 0x80)
		return 3;
	return 0;
}

/* unicode.ToLower of the character at s, for strings.ToLower: ASCII
 * letters, and the only two non-ASCII characters that lower to ASCII,
 * U+0130 (dotted capital I) to 'i' and U+212A (Kelvin sign) to 'k'; any
 * other non-ASCII character stays non-ASCII and so is never a token
 * character. Returns the bytes used. */
static size_t lower_char(const char *s, char *out)
{
	const unsigned char *u = (const unsigned char *)s;

	if (u[0] == 0xc4 && u[1] == 0xb0) {
		*out = 'i';
		return 2;
	}
	if (u[0] == 0xe2 && u[1] == 0x84 && u[2] == 0xaa) {
		*out = 'k';
		return 3;
	}
	*out = (u[0] >= 'A' && u[0] <= 'Z') ? (char)(u[0] + 32) : (char)u[0];
	return 1;
}

static const char *skip_space(const char *s)
{
	size_t n;

	while ((n = space_len(s)) > 0)
		s += n;
	return s;
}

static bool is_tspecial(char c)
{
	return c != '\0' && strchr("()<>@,;:\\\"/[]?=", c) != NULL;
}

static bool is_token_char(char c)
{
	unsigned char u = (unsigned char)c;

	return u > 0x20 && u < 0x7f && !is_tspecial(c) && c != ' ';
}

static const char *consume_token(const char *s, size_t *len)
{
	size_t n = 0;

	while (is_token_char(s[n]))
		n++;
	*len = n;
	return s + n;
}

/* A token or a quoted string; returns the rest, or NULL when neither. */
static const char *consume_value(const char *s, bool *empty)
{
	size_t n;

	*empty = true;
	if (*s != '"') {
		const char *r = consume_token(s, &n);

		*empty = n == 0;
		return r;
	}
	for (size_t i = 1; s[i] != '\0'; i++) {
		if (s[i] == '"') {
			*empty = i == 1;
			return s + i + 1;
		}
		if (s[i] == '\\' && s[i + 1] != '\0' && is_tspecial(s[i + 1])) {
			i++;
			continue;
		}
		if (s[i] == '\r' || s[i] == '\n')
			return NULL;
	}
	return NULL; /* no closing quote */
}

struct pname {
	const char *s;
	size_t n;
};

static int cmp_pname(const void *a, const void *b)
{
	const struct pname *x = a, *y = b;
	int c = strncasecmp(x->s, y->s, x->n < y->n ? x->n : y->n);

	if (c != 0)
		return c;
	return (x->n > y->n) - (x->n < y->n);
}

enum mediatype_rc mediatype_parse(const char *v, char *out, size_t outsz)
{
	const char *semi = strchr(v, ';'), *end, *p, *rest;
	struct pname *names = NULL;
	size_t nnames = 0, cap = 0, n, tl;
	enum mediatype_rc rc = MEDIATYPE_OK;

	out[0] = '\0';
	/* mediatype = TrimSpace(ToLower(base)) */
	end = semi != NULL ? semi : v + strlen(v);
	p = skip_space(v);
	while (end > p) { /* trailing spaces, of 1, 2 or 3 bytes */
		if (space_len(end - 1) == 1)
			end--;
		else if (end - p >= 2 && space_len(end - 2) == 2)
			end -= 2;
		else if (end - p >= 3 && space_len(end - 3) == 3)
			end -= 3;
		else
			break;
	}
	n = 0;
	while (p < end) {
		if (n + 1 >= outsz)
			goto bad;
		p += lower_char(p, &out[n++]);
	}
	out[n] = '\0';

	/* checkMediaTypeDisposition: token [ "/" token ] */
	rest = consume_token(out, &tl);
	if (tl == 0)
		goto bad;
	if (*rest != '\0') {
		if (*rest != '/')
			goto bad;
		rest = consume_token(rest + 1, &tl);
		if (tl == 0 || *rest != '\0')
			goto bad;
	}
	if (semi == NULL)
		return MEDIATYPE_OK;

	/* parameters */
	for (const char *s = semi;;) {
		const char *q, *key;
		size_t klen;
		bool empty;

		s = skip_space(s);
		if (*s == '\0')
			break;
		/* consumeMediaParam */
		q = s;
		if (*q != ';')
			goto bad_param;
		q = skip_space(q + 1);
		key = q;
		q = consume_token(q, &klen);
		if (klen == 0)
			goto bad_param;
		q = skip_space(q);
		if (*q != '=')
			goto bad_param;
		q = skip_space(q + 1);
		{
			const char *r = consume_value(q, &empty);

			if (r == NULL || (empty && r == q))
				goto bad_param;
			q = r;
		}
		/* every name, for the duplicate check below */
		if (nnames == cap) {
			size_t nc = cap ? cap * 2 : 16;
			struct pname *np = realloc(names, nc * sizeof *np);

			if (np == NULL) { /* out of memory: an error, the type kept */
				rc = MEDIATYPE_BAD_PARAMS;
				break;
			}
			names = np;
			cap = nc;
		}
		names[nnames].s = key;
		names[nnames++].n = klen;
		s = q;
		continue;
bad_param:
		/* trailing semicolons are not an error */
		{
			const char *t = skip_space(s);

			if (*t == ';' && *skip_space(t + 1) == '\0')
				break;
		}
		rc = MEDIATYPE_BAD_PARAMS;
		break;
	}
	/* A repeated name (in any letter case) among the parameters read
	 * before the first bad one: Go stops there with "" and an error. */
	if (nnames > 1) {
		qsort(names, nnames, sizeof *names, cmp_pname);
		for (size_t i = 1; i < nnames; i++)
			if (cmp_pname(&names[i - 1], &names[i]) == 0)
				rc = MEDIATYPE_BAD;
	}
	free(names);
	if (rc != MEDIATYPE_BAD)
		return rc;
bad:
	out[0] = '\0';
	return MEDIATYPE_BAD;
}
