/* pattern.c - see pattern.h */
#include "pattern.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "route.h"

/* Eight bytes a segment: rule sets of thousands of files hold many. */
struct seg {
	uint16_t off, len; /* into the alternative's text */
	bool anyseg;       /* "**" */
	bool literal;      /* no '*' or '?': compared as bytes */
};

struct alt {
	char *text;
	size_t nseg;
	struct seg *segs;
};

struct pattern {
	char *src;
	size_t nalt;
	struct alt *alts;
	bool packed; /* everything in this one allocation */
};

bool pattern_glob(const char *pat, size_t plen, const char *s, size_t slen)
{
	size_t p = 0, i = 0, star_p = (size_t)-1, star_i = 0;

	while (i < slen) {
		if (p < plen && (pat[p] == '?' || pat[p] == s[i]) &&
		    pat[p] != '*') {
			p++;
			i++;
		} else if (p < plen && pat[p] == '*') {
			star_p = p++;
			star_i = i;
		} else if (star_p != (size_t)-1) {
			p = star_p + 1;
			i = ++star_i;
		} else {
			return false;
		}
	}
	while (p < plen && pat[p] == '*')
		p++;
	return p == plen;
}

/* Segment-level wildcard match: "**" is the star over segments. */
static bool alt_match(const struct alt *a, const struct route *r)
{
	size_t np = a->nseg, ns = route_nseg(r);
	size_t p = 0, i = 0, star_p = (size_t)-1, star_i = 0;

	while (i < ns) {
		if (p < np && !a->segs[p].anyseg &&
		    (a->segs[p].literal
			     ? a->segs[p].len == route_seglen(r, i) &&
				       memcmp(a->text + a->segs[p].off,
					      route_seg(r, i),
					      a->segs[p].len) == 0
			     : pattern_glob(a->text + a->segs[p].off,
					    a->segs[p].len,
					    route_seg(r, i), route_seglen(r, i)))) {
			p++;
			i++;
		} else if (p < np && a->segs[p].anyseg) {
			star_p = p++;
			star_i = i;
		} else if (star_p != (size_t)-1) {
			p = star_p + 1;
			i = ++star_i;
		} else {
			return false;
		}
	}
	while (p < np && a->segs[p].anyseg)
		p++;
	return p == np;
}

bool pattern_match(const struct pattern *p, const struct route *r)
{
	for (size_t i = 0; i < p->nalt; i++)
		if (alt_match(&p->alts[i], r))
			return true;
	return false;
}

const char *pattern_text(const struct pattern *p)
{
	return p->src;
}

/* Brace expansion into a list of strings. */
struct strlist {
	char **v;
	size_t n;
};

static void strlist_free(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static int strlist_add(struct strlist *l, const char *a, size_t alen,
		       const char *b, size_t blen)
{
	char **nv, *s;

	if (l->n >= PATTERN_MAX_ALTS)
		return -1;
	s = malloc(alen + blen + 1);
	nv = realloc(l->v, (l->n + 1) * sizeof *l->v);
	if (s == NULL || nv == NULL) {
		free(s);
		if (nv != NULL)
			l->v = nv;
		return -1;
	}
	memcpy(s, a, alen);
	memcpy(s + alen, b, blen);
	s[alen + blen] = '\0';
	l->v = nv;
	l->v[l->n++] = s;
	return 0;
}

/* Offset of the '}' closing the '{' at s[open], or (size_t)-1. */
static size_t closing(const char *s, size_t len, size_t open)
{
	int depth = 0;

	for (size_t i = open; i < len; i++) {
		if (s[i] == '{')
			depth++;
		else if (s[i] == '}' && --depth == 0)
			return i;
	}
	return (size_t)-1;
}

/* Expands the first brace group of s, recursively. */
static int expand(const char *s, struct strlist *out, const char **why)
{
	size_t len = strlen(s), open, close, start;
	const char *brace = strchr(s, '{');
	int depth = 0;

	if (brace == NULL)
		return strlist_add(out, s, len, "", 0) < 0
			       ? (*why = "too many alternatives", -1)
			       : 0;
	open = (size_t)(brace - s);
	close = closing(s, len, open);
	start = open + 1;
	for (size_t i = open + 1; i <= close; i++) {
		if (s[i] == '{')
			depth++;
		else if (s[i] == '}' && depth > 0)
			depth--;
		else if ((s[i] == ',' && depth == 0) || i == close) {
			struct strlist one = {0};
			size_t tail = len - close - 1;
			int rc;

			/* prefix + alternative + suffix, then expand again */
			rc = strlist_add(&one, s, open, s + start, i - start);
			if (rc == 0) {
				char *joined = malloc(strlen(one.v[0]) + tail + 1);

				if (joined == NULL) {
					rc = -1;
				} else {
					strcpy(joined, one.v[0]);
					memcpy(joined + strlen(one.v[0]),
					       s + close + 1, tail + 1);
					rc = expand(joined, out, why);
					free(joined);
				}
			}
			strlist_free(&one);
			if (rc < 0) {
				if (*why == NULL)
					*why = "too many alternatives";
				return -1;
			}
			start = i + 1;
		}
	}
	return 0;
}

/* On error *at is the offset in a->text the error is about. */
static int split_alt(struct alt *a, size_t *at, const char **why)
{
	size_t len = strlen(a->text), n = 0;

	if (len == 1) { /* "/" */
		a->nseg = 0;
		return 0;
	}
	{
		size_t nseg = 1;

		for (size_t k = 1; k < len; k++)
			nseg += a->text[k] == '/';
		a->segs = calloc(nseg, sizeof *a->segs);
	}
	if (a->segs == NULL) {
		*why = "out of memory";
		return -1;
	}
	for (size_t i = 1; i <= len;) {
		size_t j = i;
		struct seg *sg = &a->segs[n];
		const char *stars, *ss = a->text + i;

		while (j < len && a->text[j] != '/')
			j++;
		*at = i;
		if (j == i) {
			*why = "empty segment in path pattern";
			return -1;
		}
		sg->off = (uint16_t)i;
		sg->len = (uint16_t)(j - i);
		if ((sg->len == 1 && ss[0] == '.') ||
		    (sg->len == 2 && ss[0] == '.' && ss[1] == '.')) {
			*why = "'.' or '..' segment in path pattern";
			return -1;
		}
		sg->literal = memchr(ss, '*', sg->len) == NULL &&
			      memchr(ss, '?', sg->len) == NULL;
		if (sg->len == 2 && ss[0] == '*' && ss[1] == '*') {
			sg->anyseg = true;
		} else if ((stars = memmem(ss, sg->len, "**", 2)) != NULL) {
			*at = (size_t)(stars - a->text);
			*why = "'**' must be a whole segment";
			return -1;
		}
		n++;
		i = j + 1;
	}
	a->nseg = n;
	return 0;
}

/*
 * Moves a compiled pattern into one allocation: rule sets of thousands of
 * files hold thousands of patterns, and five small blocks each cost more
 * than the pattern. Frees p; NULL when out of memory.
 */
static struct pattern *pack(struct pattern *p)
{
	size_t size = sizeof *p + p->nalt * sizeof(struct alt) + strlen(p->src) + 1;
	struct pattern *q;
	char *at;

	/* a pattern without braces is its one alternative: one string */
	bool one = p->nalt == 1 && strcmp(p->alts[0].text, p->src) == 0;

	for (size_t i = 0; i < p->nalt; i++)
		size += p->alts[i].nseg * sizeof(struct seg) +
			(one ? 0 : strlen(p->alts[i].text) + 1);
	q = malloc(size);
	if (q == NULL) {
		pattern_free(p);
		return NULL;
	}
	at = (char *)q + sizeof *q;
	q->nalt = p->nalt;
	q->packed = true;
	q->alts = (struct alt *)(void *)at;
	at += p->nalt * sizeof(struct alt);
	for (size_t i = 0; i < p->nalt; i++) {
		struct alt *a = &q->alts[i];
		const struct alt *b = &p->alts[i];

		a->nseg = b->nseg;
		a->segs = (struct seg *)(void *)at;
		at += b->nseg * sizeof(struct seg);
	}
	q->src = at;
	strcpy(at, p->src);
	at += strlen(p->src) + 1;
	for (size_t i = 0; i < p->nalt; i++) {
		struct alt *a = &q->alts[i];
		const struct alt *b = &p->alts[i];

		if (one) {
			a->text = q->src;
		} else {
			a->text = at;
			strcpy(at, b->text);
			at += strlen(b->text) + 1;
		}
		for (size_t k = 0; k < b->nseg; k++) {
			a->segs[k] = b->segs[k];
		}
	}
	pattern_free(p);
	return q;
}

static struct pattern *compile(const char *s, size_t *errpos,
			       const char **why)
{
	struct pattern *p = NULL;
	struct strlist l = {0};
	size_t len = strlen(s), open = 0, at = 0;
	int depth = 0;

	*why = NULL;
	*errpos = 0;
	if (len == 0 || s[0] != '/') {
		*why = "path pattern must start with '/'";
		return NULL;
	}
	if (len > PATTERN_MAX_LEN) {
		*why = "path pattern too long";
		return NULL;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= 0x20 || c >= 0x7f) {
			*errpos = i;
			*why = "control, space or non-ASCII byte in path pattern";
			return NULL;
		}
		if (c == '{' && depth++ == 0)
			open = i; /* the outermost '{' still open at the end */
		if (c == '}' && --depth < 0) {
			*errpos = i;
			*why = "unbalanced '}' in path pattern";
			return NULL;
		}
	}
	if (depth != 0) {
		*errpos = open;
		*why = "unbalanced '{' in path pattern";
		return NULL;
	}
	if (expand(s, &l, why) < 0)
		goto fail;
	p = calloc(1, sizeof *p);
	if (p == NULL || (p->src = strdup(s)) == NULL ||
	    (p->alts = calloc(l.n, sizeof *p->alts)) == NULL) {
		*why = "out of memory";
		goto fail;
	}
	for (size_t i = 0; i < l.n; i++) {
		p->alts[i].text = l.v[i];
		l.v[i] = NULL;
		p->nalt = i + 1;
		if (p->alts[i].text[0] != '/') {
			*why = "every alternative must start with '/'";
			goto fail;
		}
		if (split_alt(&p->alts[i], &at, why) < 0) {
			/* placed only when the alternative is the pattern */
			if (strcmp(p->alts[i].text, s) == 0)
				*errpos = at;
			goto fail;
		}
	}
	strlist_free(&l);
	return pack(p);
fail:
	strlist_free(&l);
	pattern_free(p);
	return NULL;
}

struct pattern *pattern_compile(const char *s, struct cnz_err *err)
{
	const char *why = NULL;
	size_t pos = 0;
	struct pattern *p = compile(s, &pos, &why);

	if (p == NULL)
		cnz_err_set(err, NULL, 0, (unsigned)pos + 1, "%s",
			    why != NULL ? why : "bad path pattern");
	return p;
}

void pattern_free(struct pattern *p)
{
	if (p == NULL)
		return;
	if (p->packed) {
		free(p);
		return;
	}
	for (size_t i = 0; i < p->nalt; i++) {
		free(p->alts[i].text);
		free(p->alts[i].segs);
	}
	free(p->alts);
	free(p->src);
	free(p);
}
