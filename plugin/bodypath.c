/* bodypath.c - see bodypath.h */
#include "bodypath.h"

#include <stdlib.h>
#include <string.h>

struct comp {
	char *name;
	bool fan; /* "[]" follows */
};

struct body_path {
	char *text;
	size_t n;
	struct comp c[]; /* n of them */
};

static struct body_path *compile(const char *s, size_t *errpos,
				 const char **why)
{
	/* components: at most one per '.', and never more than the limit */
	size_t ncomp = 1, i = 0, len = strlen(s);
	struct body_path *p;

	for (size_t k = 0; k < len; k++)
		ncomp += s[k] == '.';
	if (ncomp > BODY_PATH_MAX)
		ncomp = BODY_PATH_MAX + 1; /* room to notice it is too long */
	p = calloc(1, sizeof *p + ncomp * sizeof p->c[0]);

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
		if (p->n == BODY_PATH_MAX || p->n == ncomp) {
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

struct body_path *body_path_compile(const char *s, struct cnz_err *err)
{
	const char *why = "bad field path";
	size_t pos = 0;
	struct body_path *p = compile(s, &pos, &why);

	if (p == NULL)
		cnz_err_set(err, NULL, 0, (unsigned)pos + 1, "%s", why);
	return p;
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

static bool visit(const struct jd_node *v, const struct body_path *p,
		  size_t i, body_visit_fn fn, void *arg)
{
	const struct jd_node *m;

	if (i == p->n)
		return fn(arg, v);
	m = body_member(v, p->c[i].name);
	if (m == NULL)
		return false;
	if (p->c[i].fan) {
		if (!jd_is(m, JD_ARRAY))
			return false;
		jd_foreach(m, e)
			if (visit(e, p, i + 1, fn, arg))
				return true;
		return false;
	}
	return visit(m, p, i + 1, fn, arg);
}

bool body_path_visit(const struct jd_node *root, const struct body_path *p,
		     body_visit_fn fn, void *arg)
{
	return visit(root, p, 0, fn, arg);
}
