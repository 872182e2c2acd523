/* mediatype.c - see mediatype.h; follows Go 1.19's mime/mediatype.go. */
#include "mediatype.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* unicode.IsSpace, for the characters that can appear in a header: the
 * ASCII spaces and, as UTF-8, U+0085 and U+00A0. Returns bytes, 0 if not. */
static size_t space_len(const char *s)
{
	unsigned char c = (unsigned char)s[0];

	if (c == ' ' || (c >= '\t' && c <= '\r'))
		return 1;
	if (c == 0xc2 && ((unsigned char)s[1] == 0x85 ||
			  (unsigned char)s[1] == 0xa0))
		return 2;
	return 0;
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

enum mediatype_rc mediatype_parse(const char *v, char *out, size_t outsz)
{
	const char *semi = strchr(v, ';'), *end, *p, *rest;
	const char *names[64];
	size_t nnames = 0, n, tl;

	out[0] = '\0';
	/* mediatype = TrimSpace(ToLower(base)) */
	end = semi != NULL ? semi : v + strlen(v);
	p = skip_space(v);
	while (end > p) { /* trailing spaces, ASCII or U+0085/U+00A0 */
		if (space_len(end - 1) == 1)
			end--;
		else if (end - p >= 2 && space_len(end - 2) == 2)
			end -= 2;
		else
			break;
	}
	n = (size_t)(end - p);
	if (n + 1 > outsz)
		return MEDIATYPE_BAD;
	for (size_t i = 0; i < n; i++) {
		char c = p[i];

		out[i] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
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
		/* a duplicate parameter name: Go returns "" and an error */
		for (size_t i = 0; i < nnames; i++)
			if (strncasecmp(names[i], key, klen) == 0 &&
			    !is_token_char(names[i][klen]))
				goto bad;
		if (nnames < sizeof names / sizeof names[0])
			names[nnames++] = key;
		s = q;
		continue;
bad_param:
		/* trailing semicolons are not an error */
		{
			const char *t = skip_space(s);

			if (*t == ';' && *skip_space(t + 1) == '\0')
				break;
		}
		return MEDIATYPE_BAD_PARAMS;
	}
	return MEDIATYPE_OK;
bad:
	out[0] = '\0';
	return MEDIATYPE_BAD;
}
