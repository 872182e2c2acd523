/*
 * body.h - a request body read the way dockerd will read it.
 *
 * dockerd decodes JSON bodies with Go's encoding/json into structs, which
 * matches object keys to field names case-insensitively with Go's simple
 * case folding (so "hostconfig", "HOSTCONFIG" and "Hoſtconfig", with
 * U+017F, all reach HostConfig), and where a field appears twice takes the
 * last value (merging repeated objects). A reader that does otherwise can be
 * walked around. cnauthz looks keys up with the same folding and, rather
 * than reproduce the merge, refuses a body in which any object has two keys
 * that fold to the same name (no real client sends one).
 *
 * Also refused: anything that is not a JSON object at the top, invalid
 * UTF-8, NUL in strings, lone surrogates, exact duplicate keys, trailing
 * data, integers beyond 64 bits, nesting deeper than BODY_MAX_DEPTH,
 * arrays longer than BODY_MAX_ARRAY, more than BODY_MAX_NODES values.
 *
 * The document is a tree of nodes in a few blocks of memory (not one
 * allocation per value, as a general JSON library makes): reading a
 * container create costs microseconds. Rules reach into it by field
 * paths (bodypath.h).
 */
#ifndef CNZ_BODY_H
#define CNZ_BODY_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

/*
 * What one body may cost, chosen from real requests with a wide margin:
 * a docker run with many environment variables, labels and mounts is a
 * few hundred values and a handful of levels; the benchmarks' 128 KiB
 * create (1,000 Env, 300 labels) is about 1,400 values, its 900 KiB one
 * about 8,800. A body past a limit is refused, the message naming the
 * limit and its value (cnauthz-rules(5)). At BODY_MAX_NODES the tree is
 * about 2 MB and a few milliseconds of work, whatever else the body
 * holds: a body of 1 MiB of small values (500,000 of them) is refused
 * when its 20,001st value is read, not parsed to the end.
 */
#define BODY_MAX_DEPTH 64
#define BODY_MAX_ARRAY 10000
#define BODY_MAX_NODES 20000

struct body_index;

enum jd_type {
	JD_NULL,
	JD_FALSE,
	JD_TRUE,
	JD_INT,
	JD_REAL,
	JD_STRING,
	JD_ARRAY,
	JD_OBJECT,
};

/* One value. Members of an object carry their key. */
struct jd_node {
	enum jd_type type;
	unsigned count;           /* elements or members */
	const char *key;          /* as a member: its key, else NULL */
	size_t klen;
	unsigned long long fold;  /* as a member: hash of its folded key */
	union {
		struct {                  /* JD_STRING */
			const char *str;  /* its value (NUL-terminated) */
			size_t slen;
		};
		struct {                  /* JD_INT and JD_REAL */
			long long integer; /* JD_INT */
			double real;       /* JD_INT and JD_REAL */
		};
	};
	const struct jd_node *child, *next;
	/* An object of more than BODY_INDEX_MIN members: its members by
	 * folded-key hash (open addressing, a power of two of them). */
	const struct body_index *index;
};

#define BODY_INDEX_MIN 8

#define jd_foreach(parent, c)                                               \
	for (const struct jd_node *c = (parent) != NULL ? (parent)->child    \
							: NULL;              \
	     c != NULL; c = c->next)

static inline bool jd_is(const struct jd_node *n, enum jd_type t)
{
	return n != NULL && n->type == t;
}

/* A string node's value, or NULL for anything else. */
static inline const char *jd_str(const struct jd_node *n)
{
	return jd_is(n, JD_STRING) ? n->str : NULL;
}

struct body;

struct body *body_parse(const unsigned char *buf, size_t len,
			struct cnz_err *err);
void body_free(struct body *b);
const struct jd_node *body_root(const struct body *b);

/* Go's field-name match: key (UTF-8) equals the ASCII name under simple
 * case folding. Exposed for tests. */
bool body_key_matches(const char *key, size_t klen, const char *name);
/* The member of obj whose key matches name, or NULL. */
const struct jd_node *body_member(const struct jd_node *obj, const char *name);

#endif
