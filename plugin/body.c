/* body.c - see body.h */
#include "body.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jscan.h"

/*
 * The fold of one UTF-8 character for matching ASCII field names: ASCII
 * letters to upper case, U+017F (long s) to 'S' and U+212A (Kelvin) to
 * 'K' - the only non-ASCII characters whose simple-fold orbit reaches an
 * ASCII letter. Returns the bytes used, and *out = -1 for any other
 * non-ASCII character (which can never match an ASCII name).
 */
static size_t fold_char(const unsigned char *s, size_t n, int *out)
{
	if (s[0] < 0x80) {
		*out = (s[0] >= 'a' && s[0] <= 'z') ? s[0] - 32 : s[0];
		return 1;
	}
	if (n >= 2 && s[0] == 0xc5 && s[1] == 0xbf) {
		*out = 'S';
		return 2;
	}
	if (n >= 3 && s[0] == 0xe2 && s[1] == 0x84 && s[2] == 0xaa) {
		*out = 'K';
		return 3;
	}
	*out = -1;
	return 1;
}

bool body_key_matches(const char *key, size_t klen, const char *name)
{
	const unsigned char *k = (const unsigned char *)key;
	size_t i = 0, j = 0, nlen = strlen(name);

	while (i < klen && j < nlen) {
		int c, d = (unsigned char)name[j];

		i += fold_char(k + i, klen - i, &c);
		if (d >= 'a' && d <= 'z')
			d -= 32;
		if (c != d)
			return false;
		j++;
	}
	return i == klen && j == nlen;
}

static uint64_t fold_hash(const char *key, size_t klen);

const struct jd_node *body_member(const struct jd_node *obj, const char *name)
{
	uint64_t h;

	if (!jd_is(obj, JD_OBJECT))
		return NULL;
	/* Each member carries the hash of its folded key: only a member
	 * with name's hash can match it, and duplicates under folding were
	 * refused at parse, so there is at most one. */
	h = fold_hash(name, strlen(name));
	jd_foreach(obj, m)
		if (m->fold == h && body_key_matches(m->key, m->klen, name))
			return m;
	return NULL;
}

/*
 * The folded form of a key, for finding duplicates: a key that could
 * match an ASCII field name folds as above ('F' + upper case); any other
 * key stands for itself ('X' + its bytes: Go compares map keys exactly).
 * Written to out (outsz >= klen + 2); returns its length.
 */
static size_t fold_key(const char *key, size_t klen, char *out)
{
	const unsigned char *k = (const unsigned char *)key;
	size_t i = 0, o = 0;

	out[o++] = 'F';
	while (i < klen) {
		int c;

		i += fold_char(k + i, klen - i, &c);
		if (c < 0) {
			out[0] = 'X';
			memcpy(out + 1, key, klen);
			return klen + 1;
		}
		out[o++] = (char)c;
	}
	return o;
}

static uint64_t fold_hash(const char *key, size_t klen)
{
	const unsigned char *k = (const unsigned char *)key;
	uint64_t h = 1469598103934665603ULL;
	size_t i = 0;

	while (i < klen) {
		int c;

		i += fold_char(k + i, klen - i, &c);
		if (c < 0) { /* stands for itself */
			h = 0x9e3779b97f4a7c15ULL;
			for (size_t j = 0; j < klen; j++)
				h = (h ^ k[j]) * 1099511628211ULL;
			return h;
		}
		h = (h ^ (unsigned char)c) * 1099511628211ULL;
	}
	return h;
}

#define CHUNK 128

struct chunk {
	struct chunk *next;
	size_t used;
	struct jd_node n[CHUNK];
};

struct body {
	struct jd_node *root;
	struct chunk *chunks;
	size_t nodes;
	char *arena;
};

struct parser {
	struct jscan j;
	struct body *b;
	struct cnz_err *err;
	bool said; /* err holds the reason */
};

static bool refuse(struct parser *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static bool refuse(struct parser *p, const char *fmt, ...)
{
	va_list ap;

	if (!p->said && p->err != NULL) {
		cnz_err_clear(p->err);
		va_start(ap, fmt);
		vsnprintf(p->err->msg, sizeof p->err->msg, fmt, ap);
		va_end(ap);
	}
	p->said = true;
	return false;
}

static struct jd_node *new_node(struct parser *p)
{
	struct chunk *c = p->b->chunks;
	struct jd_node *n;

	if (++p->b->nodes > BODY_MAX_NODES) {
		refuse(p, "body has more than %d JSON values", BODY_MAX_NODES);
		return NULL;
	}
	if (c == NULL || c->used == CHUNK) {
		c = malloc(sizeof *c);
		if (c == NULL) {
			refuse(p, "out of memory");
			return NULL;
		}
		c->used = 0;
		c->next = p->b->chunks;
		p->b->chunks = c;
	}
	n = &c->n[c->used++];
	memset(n, 0, sizeof *n);
	return n;
}

struct keyref {
	uint64_t h;
	const struct jd_node *m;
};

static int cmp_keyref(const void *a, const void *b)
{
	uint64_t x = ((const struct keyref *)a)->h, y = ((const struct keyref *)b)->h;

	return x < y ? -1 : x > y;
}

/* Two members whose keys fold alike: exact twins are JSON's duplicate,
 * folded ones Go's; either way the body is refused. */
static bool twins(struct parser *p, const struct jd_node *a,
		  const struct jd_node *b)
{
	char fa[512], fb[512];
	size_t la, lb;

	if (a->klen == b->klen && memcmp(a->key, b->key, a->klen) == 0)
		return refuse(p, "body is not valid JSON: duplicate object key \"%.60s\"",
			      a->key);
	if (a->klen + 2 > sizeof fa || b->klen + 2 > sizeof fb) {
		/* such long keys never fold to a Go field: compare raw */
		return true;
	}
	la = fold_key(a->key, a->klen, fa);
	lb = fold_key(b->key, b->klen, fb);
	if (la != lb || memcmp(fa, fb, la) != 0)
		return true; /* a hash collision, not twins */
	fa[la] = '\0';
	cnz_err_set(p->err, NULL, 0, 0,
		    "body repeats the field \"%.80s\" (in another letter case); dockerd would take the last one",
		    fa + 1);
	p->said = true;
	return false;
}

static bool check_keys(struct parser *p, const struct jd_node *obj)
{
	struct keyref small[32], *v = small;
	size_t n = 0;
	bool ok = true;

	if (obj->count < 2)
		return true;
	if (obj->count > sizeof small / sizeof small[0]) {
		v = malloc(obj->count * sizeof *v);
		if (v == NULL)
			return refuse(p, "out of memory");
	}
	jd_foreach(obj, m) {
		v[n].h = m->fold;
		v[n++].m = m;
	}
	if (n <= sizeof small / sizeof small[0]) {
		for (size_t i = 0; i < n && ok; i++)
			for (size_t k = i + 1; k < n && ok; k++)
				if (v[i].h == v[k].h)
					ok = twins(p, v[i].m, v[k].m);
	} else {
		qsort(v, n, sizeof *v, cmp_keyref);
		for (size_t i = 1; i < n && ok; i++)
			for (size_t k = i; k > 0 && v[k - 1].h == v[i].h && ok; k--)
				ok = twins(p, v[k - 1].m, v[i].m);
	}
	if (v != small)
		free(v);
	return ok;
}

static bool number_node(struct parser *p, struct jd_node *n)
{
	const char *t;
	size_t len;
	bool integer;
	char buf[64], *num = buf, *end;

	if (!jscan_number(&p->j, &t, &len, &integer))
		return false;
	if (len >= sizeof buf) {
		num = malloc(len + 1);
		if (num == NULL)
			return refuse(p, "out of memory");
	}
	memcpy(num, t, len);
	num[len] = '\0';
	errno = 0;
	if (integer) {
		n->type = JD_INT;
		n->integer = strtoll(num, &end, 10);
		n->real = (double)n->integer;
		if (errno == ERANGE) {
			if (num != buf)
				free(num);
			return refuse(p, "body is not valid JSON: %s",
				      "an integer beyond 64 bits");
		}
	} else {
		n->type = JD_REAL;
		n->real = strtod(num, &end);
		if (errno == ERANGE && (n->real > 1 || n->real < -1)) {
			if (num != buf)
				free(num);
			return refuse(p, "body is not valid JSON: %s",
				      "a number out of range");
		}
	}
	if (num != buf)
		free(num);
	return true;
}

static struct jd_node *value(struct parser *p, int depth)
{
	struct jd_node *n, *last = NULL;
	int c = jscan_peek(&p->j);

	if (depth > BODY_MAX_DEPTH) {
		refuse(p, "body nests deeper than %d levels", BODY_MAX_DEPTH);
		return NULL;
	}
	n = new_node(p);
	if (n == NULL)
		return NULL;
	switch (c) {
	case '{':
	case '[':
		p->j.i++;
		n->type = c == '{' ? JD_OBJECT : JD_ARRAY;
		if (jscan_peek(&p->j) == (c == '{' ? '}' : ']')) {
			p->j.i++;
			return n;
		}
		for (;;) {
			const char *k = NULL;
			size_t kl = 0;
			struct jd_node *e;
			int d;

			if (c == '{' && (!jscan_string(&p->j, &k, &kl) ||
					 !jscan_expect(&p->j, ':')))
				return NULL;
			e = value(p, depth + 1);
			if (e == NULL)
				return NULL;
			e->key = k;
			e->klen = kl;
			if (k != NULL)
				e->fold = fold_hash(k, kl);
			if (last == NULL)
				n->child = e;
			else
				last->next = e;
			last = e;
			if (++n->count > BODY_MAX_ARRAY && c == '[') {
				refuse(p, "body has an array longer than %d",
				       BODY_MAX_ARRAY);
				return NULL;
			}
			d = jscan_peek(&p->j);
			p->j.i++;
			if (d == (c == '{' ? '}' : ']'))
				break;
			if (d != ',') {
				p->j.i--;
				jscan_fail(&p->j, "',' or a closing bracket was expected");
				return NULL;
			}
		}
		if (c == '{' && !check_keys(p, n))
			return NULL;
		return n;
	case '"':
		n->type = JD_STRING;
		return jscan_string(&p->j, &n->str, &n->slen) ? n : NULL;
	case 't':
	case 'f':
		if (p->j.n - p->j.i >= (c == 't' ? 4u : 5u) &&
		    memcmp(p->j.s + p->j.i, c == 't' ? "true" : "false",
			   c == 't' ? 4 : 5) == 0) {
			p->j.i += c == 't' ? 4 : 5;
			n->type = c == 't' ? JD_TRUE : JD_FALSE;
			return n;
		}
		break;
	case 'n':
		if (jscan_null(&p->j)) {
			n->type = JD_NULL;
			return n;
		}
		break;
	default:
		if (c == '-' || (c >= '0' && c <= '9'))
			return number_node(p, n) ? n : NULL;
	}
	jscan_fail(&p->j, c < 0 ? "unexpected end" : "unexpected character");
	return NULL;
}

struct body *body_parse(const unsigned char *buf, size_t len,
			struct cnz_err *err)
{
	struct body *b = calloc(1, sizeof *b);
	struct parser p;

	cnz_err_clear(err);
	if (b == NULL || (b->arena = malloc(len + 16)) == NULL) {
		free(b);
		cnz_err_set(err, NULL, 0, 0, "out of memory");
		return NULL;
	}
	memset(&p, 0, sizeof p);
	p.b = b;
	p.err = err;
	jscan_init(&p.j, (const char *)buf, len, b->arena);
	if (jscan_peek(&p.j) != '{') {
		/* what it is, if anything: a syntax error first */
		if (jscan_peek(&p.j) < 0 || !jscan_skip(&p.j, 0)) {
			cnz_err_set(err, NULL, 0, 0, "body is not valid JSON: %s",
				    p.j.why ? p.j.why : "unexpected end");
			goto fail;
		}
		cnz_err_set(err, NULL, 0, 0, "body is not a JSON object");
		goto fail;
	}
	b->root = value(&p, 1);
	if (b->root != NULL && !jscan_end(&p.j)) {
		jscan_fail(&p.j, "data after the object");
		b->root = NULL;
	}
	if (b->root == NULL) {
		if (!p.said)
			cnz_err_set(err, NULL, 0, 0, "body is not valid JSON: %s",
				    p.j.why ? p.j.why : "unexpected end");
		goto fail;
	}
	return b;
fail:
	body_free(b);
	return NULL;
}

void body_free(struct body *b)
{
	if (b == NULL)
		return;
	while (b->chunks != NULL) {
		struct chunk *c = b->chunks;

		b->chunks = c->next;
		free(c);
	}
	free(b->arena);
	free(b);
}

const struct jd_node *body_root(const struct body *b)
{
	return b->root;
}
