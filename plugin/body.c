/* body.c - see body.h */
#include "body.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct body {
	json_t *root;
};

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

json_t *body_member(const json_t *obj, const char *name)
{
	const char *k;
	json_t *v;

	if (!json_is_object(obj))
		return NULL;
	/* (jansson's iteration takes a non-const object; it does not
	 * change it, hence the casts through uintptr_t) */
	/* exact first (the common case), then folded; duplicates under
	 * folding were refused at parse, so there is at most one */
	v = json_object_get(obj, name);
	if (v != NULL)
		return v;
	json_object_foreach((json_t *)(uintptr_t)obj, k, v) {
		if (body_key_matches(k, strlen(k), name))
			return v;
	}
	return NULL;
}

/*
 * The folded form of a key, for finding duplicates: a key that could
 * match an ASCII field name folds as above; any other key stands for
 * itself (Go compares map keys exactly).
 */
static char *fold_key(const char *key, size_t klen)
{
	const unsigned char *k = (const unsigned char *)key;
	char *out = malloc(klen + 2);
	size_t i = 0, o = 0;

	if (out == NULL)
		return NULL;
	out[o++] = 'F';
	while (i < klen) {
		int c;

		i += fold_char(k + i, klen - i, &c);
		if (c < 0) {
			out[0] = 'X';
			memcpy(out + 1, key, klen);
			out[klen + 1] = '\0';
			return out;
		}
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return out;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct walk {
	size_t nodes;
	struct cnz_err *err;
};

static int check(const json_t *v, int depth, struct walk *w)
{
	if (++w->nodes > BODY_MAX_NODES) {
		cnz_err_set(w->err, NULL, 0, 0,
			    "body has more than %d JSON values", BODY_MAX_NODES);
		return -1;
	}
	if (depth > BODY_MAX_DEPTH) {
		cnz_err_set(w->err, NULL, 0, 0,
			    "body nests deeper than %d levels", BODY_MAX_DEPTH);
		return -1;
	}
	if (json_is_array(v)) {
		size_t i;
		json_t *e;

		if (json_array_size(v) > BODY_MAX_ARRAY) {
			cnz_err_set(w->err, NULL, 0, 0,
				    "body has an array longer than %d",
				    BODY_MAX_ARRAY);
			return -1;
		}
		json_array_foreach(v, i, e)
			if (check(e, depth + 1, w) < 0)
				return -1;
		return 0;
	}
	if (json_is_object(v)) {
		size_t n = json_object_size(v), i = 0;
		char **keys = calloc(n ? n : 1, sizeof *keys);
		const char *k;
		json_t *e;
		int rc = -1;

		if (keys == NULL) {
			cnz_err_set(w->err, NULL, 0, 0, "out of memory");
			return -1;
		}
		json_object_foreach((json_t *)(uintptr_t)v, k, e) {
			keys[i] = fold_key(k, strlen(k));
			if (keys[i++] == NULL) {
				cnz_err_set(w->err, NULL, 0, 0, "out of memory");
				goto out;
			}
			if (check(e, depth + 1, w) < 0)
				goto out;
		}
		qsort(keys, n, sizeof *keys, cmp_str);
		for (i = 1; i < n; i++)
			if (strcmp(keys[i - 1], keys[i]) == 0) {
				cnz_err_set(w->err, NULL, 0, 0,
					    "body repeats the field \"%.80s\" (in another letter case); dockerd would take the last one",
					    keys[i] + 1);
				goto out;
			}
		rc = 0;
out:
		for (i = 0; i < n; i++)
			free(keys[i]);
		free(keys);
		return rc;
	}
	return 0;
}

struct body *body_parse(const unsigned char *buf, size_t len,
			struct cnz_err *err)
{
	struct body *b = calloc(1, sizeof *b);
	struct walk w = {0, err};
	json_error_t jerr;

	cnz_err_clear(err);
	if (b == NULL) {
		cnz_err_set(err, NULL, 0, 0, "out of memory");
		return NULL;
	}
	b->root = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES,
			     &jerr);
	if (b->root == NULL) {
		cnz_err_set(err, NULL, 0, 0, "body is not valid JSON: %s",
			    jerr.text);
		goto fail;
	}
	if (!json_is_object(b->root)) {
		cnz_err_set(err, NULL, 0, 0, "body is not a JSON object");
		goto fail;
	}
	if (check(b->root, 1, &w) < 0)
		goto fail;
	return b;
fail:
	body_free(b);
	return NULL;
}

void body_free(struct body *b)
{
	if (b == NULL)
		return;
	json_decref(b->root);
	free(b);
}

const json_t *body_root(const struct body *b)
{
	return b->root;
}

struct comp {
	char *name;
	bool fan; /* "[]" follows */
};

struct body_path {
	char *text;
	size_t n;
	struct comp c[BODY_PATH_MAX];
};

struct body_path *body_path_compile(const char *s, size_t *errpos,
				    const char **why)
{
	struct body_path *p = calloc(1, sizeof *p);
	size_t i = 0, len = strlen(s);

	*errpos = 0;
	if (p == NULL || (p->text = strdup(s)) == NULL) {
		*why = "out of memory";
		goto fail;
	}
	while (i <= len) {
		size_t j = i;

		while (j < len && s[j] != '.' && s[j] != '[')
			j++;
		if (j == i) {
			*errpos = i;
			*why = "empty component in field path";
			goto fail;
		}
		for (size_t k = i; k < j; k++) {
			unsigned char c = (unsigned char)s[k];

			if (c <= 0x20 || c == 0x7f || c == ']' || c == '"') {
				*errpos = k;
				*why = "bad character in field path";
				goto fail;
			}
		}
		if (p->n == BODY_PATH_MAX) {
			*errpos = i;
			*why = "field path too long";
			goto fail;
		}
		p->c[p->n].name = strndup(s + i, j - i);
		if (p->c[p->n].name == NULL) {
			*why = "out of memory";
			goto fail;
		}
		p->n++; /* owned by p from here, freed on failure */
		if (j < len && s[j] == '[') {
			if (j + 1 >= len || s[j + 1] != ']') {
				*errpos = j;
				*why = "only \"[]\" (any element) may follow a name";
				goto fail;
			}
			p->c[p->n - 1].fan = true;
			j += 2;
		}
		if (j == len)
			break;
		if (s[j] != '.') {
			*errpos = j;
			*why = "expected '.' after \"[]\"";
			goto fail;
		}
		i = j + 1;
		if (i == len) {
			*errpos = j;
			*why = "field path ends with '.'";
			goto fail;
		}
	}
	return p;
fail:
	body_path_free(p);
	return NULL;
}

void body_path_free(struct body_path *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->n; i++)
		free(p->c[i].name);
	free(p->text);
	free(p);
}

const char *body_path_text(const struct body_path *p)
{
	return p->text;
}

static bool visit(const json_t *v, const struct body_path *p, size_t i,
		  body_visit_fn fn, void *arg)
{
	const json_t *m;

	if (i == p->n)
		return fn(arg, v);
	m = body_member(v, p->c[i].name);
	if (m == NULL)
		return false;
	if (p->c[i].fan) {
		size_t k;
		json_t *e;

		if (!json_is_array(m))
			return false;
		json_array_foreach(m, k, e)
			if (visit(e, p, i + 1, fn, arg))
				return true;
		return false;
	}
	return visit(m, p, i + 1, fn, arg);
}

bool body_path_visit(const json_t *root, const struct body_path *p,
		     body_visit_fn fn, void *arg)
{
	return visit(root, p, 0, fn, arg);
}
