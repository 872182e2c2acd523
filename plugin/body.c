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

/* An object's index, kept with the body. */
struct body_index {
	struct body_index *next;
	size_t size; /* a power of two */
	const struct jd_node *slot[];
};

const struct jd_node *body_member(const struct jd_node *obj, const char *name)
{
	uint64_t h;

	if (!jd_is(obj, JD_OBJECT))
		return NULL;
	/* Each member carries the hash of its folded key: only a member
	 * with name's hash can match it, and duplicates under folding were
	 * refused at parse, so there is at most one. */
	h = fold_hash(name, strlen(name));
	if (obj->index != NULL) {
		size_t mask = obj->index->size - 1;

		for (size_t i = (size_t)(h ^ (h >> 32)) & mask;
		     obj->index->slot[i] != NULL; i = (i + 1) & mask) {
			const struct jd_node *m = obj->index->slot[i];

			if (m->fold == h && body_key_matches(m->key, m->klen, name))
				return m;
		}
		return NULL;
	}
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

static uint64_t mix(uint64_t h, uint64_t w)
{
	h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
	return h ^ (h >> 29);
}

/*
 * The r (<= 8) bytes at p as the low bytes of a word, as memcpy into a
 * zeroed word would make them on a little-endian machine, but built in
 * registers: short keys are most keys, and a word stored in pieces and
 * read back whole stalls the CPU's store forwarding (a fifth of a
 * container create's time went there).
 */
static inline uint64_t load_word(const unsigned char *p, size_t r)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint64_t w;

	if (r == 8) {
		memcpy(&w, p, 8);
		return w;
	}
	if (r >= 4) { /* two loads that may overlap: bytes 0..3, r-4..r-1 */
		uint32_t a, b;

		memcpy(&a, p, 4);
		memcpy(&b, p + r - 4, 4);
		return a | (uint64_t)b << (8 * (r - 4));
	}
	if (r == 0)
		return 0;
	return p[0] | (uint64_t)p[r / 2] << (8 * (r / 2)) |
	       (uint64_t)p[r - 1] << (8 * (r - 1));
#else
	uint64_t w = 0;

	memcpy(&w, p, r);
	return w;
#endif
}

/*
 * The hash of a key's folded form (fold_key's, without the copy). Folded
 * characters are taken eight at a time through memory, so the word is
 * the same whichever path made it: eight plain ASCII bytes are folded
 * together (a lower-case letter is 0x61..0x7a: adding 0x1f sets its top
 * bit, adding 0x05 does not), anything else one character at a time.
 */
static uint64_t fold_hash(const char *key, size_t klen)
{
	const unsigned char *k = (const unsigned char *)key;
	const uint64_t ones = 0x0101010101010101ULL, top = 0x80 * ones;
	uint64_t h = 0x46, w;
	unsigned char buf[8];
	size_t i = 0, nb = 0;

	while (i < klen) {
		int c;

		if (nb == 0) {
			/* up to eight bytes, zero-padded (a zero byte folds
			 * to itself): the word the slow path would make */
			size_t r = klen - i < 8 ? klen - i : 8;

			w = load_word(k + i, r);
			if ((w & top) == 0) {
				uint64_t lower = (w + 0x1f * ones) &
						 ~(w + 0x05 * ones) & top;

				w -= lower >> 2;
				i += r;
				if (r == 8) {
					h = mix(h, w);
					continue;
				}
				return mix(h, w | (uint64_t)r << 56);
			}
		}
		if (k[i] < 0x80) {
			c = k[i] - ((unsigned)(k[i] - 'a') < 26u ? 32 : 0);
			i++;
		} else {
			i += fold_char(k + i, klen - i, &c);
		}
		if (c < 0) { /* stands for itself */
			h = 0x58;
			for (size_t j = 0; j < klen; j++)
				h = mix(h, k[j]);
			return mix(h, klen);
		}
		buf[nb++] = (unsigned char)c;
		if (nb == 8) {
			memcpy(&w, buf, 8);
			h = mix(h, w);
			nb = 0;
		}
	}
	memset(buf + nb, 0, 8 - nb);
	memcpy(&w, buf, 8);
	return mix(h, w | (uint64_t)nb << 56);
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
	struct body_index *tabs;
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

static const struct jd_node zero_node;

static struct jd_node *new_node(struct parser *p)
{
	struct chunk *c = p->b->chunks;
	struct jd_node *n;

	if (++p->b->nodes > BODY_MAX_NODES) {
		refuse(p, "body has more than %d JSON values (BODY_MAX_NODES, cnauthz's limit)",
		       BODY_MAX_NODES);
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
	/* a copy of a zero node: vector stores, where memset of this size
	 * became "rep stos", whose start-up cost showed per node */
	*n = zero_node;
	return n;
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

/*
 * No two members of obj may fold alike. Up to BODY_INDEX_MIN members are
 * compared pairwise by hash; a larger object gets an index, an open-
 * addressing table of its members by hash (kept: body_member looks up
 * through it), and a member whose hash is already there is settled by
 * twins(). A hash of 64 bits makes a chain of unequal keys with equal
 * hashes a curiosity, not a cost.
 */
static bool check_keys(struct parser *p, struct jd_node *obj)
{
	struct body_index *t;
	size_t n = obj->count, size = 16;

	if (n < 2)
		return true;
	if (n <= BODY_INDEX_MIN) {
		for (const struct jd_node *a = obj->child; a != NULL; a = a->next)
			for (const struct jd_node *b = a->next; b != NULL; b = b->next)
				if (a->fold == b->fold && !twins(p, a, b))
					return false;
		return true;
	}
	while (size < 2 * n)
		size *= 2;
	t = calloc(1, sizeof *t + size * sizeof t->slot[0]);
	if (t == NULL)
		return refuse(p, "out of memory");
	t->next = p->b->tabs;
	p->b->tabs = t;
	jd_foreach(obj, m) {
		size_t i = (size_t)(m->fold ^ (m->fold >> 32)) & (size - 1);

		for (; t->slot[i] != NULL; i = (i + 1) & (size - 1))
			if (t->slot[i]->fold == m->fold && !twins(p, t->slot[i], m))
				return false;
		t->slot[i] = m;
	}
	t->size = size;
	obj->index = t;
	return true;
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
		refuse(p, "body nests deeper than %d levels (BODY_MAX_DEPTH, cnauthz's limit)",
		       BODY_MAX_DEPTH);
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
				refuse(p, "body has an array longer than %d elements (BODY_MAX_ARRAY, cnauthz's limit)",
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
	while (b->tabs != NULL) {
		struct body_index *t = b->tabs;

		b->tabs = t->next;
		free(t);
	}
	free(b->arena);
	free(b);
}

const struct jd_node *body_root(const struct body *b)
{
	return b->root;
}
