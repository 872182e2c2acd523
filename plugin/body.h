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
 * UTF-8, NUL in strings, trailing data, nesting deeper than BODY_MAX_DEPTH,
 * arrays longer than BODY_MAX_ARRAY, more than BODY_MAX_NODES values.
 */
#ifndef CNZ_BODY_H
#define CNZ_BODY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "err.h"

#define BODY_MAX_DEPTH 64
#define BODY_MAX_ARRAY 100000
#define BODY_MAX_NODES 1000000
#define BODY_PATH_MAX 32 /* components in a field path */

struct body;

struct body *body_parse(const unsigned char *buf, size_t len,
			struct cnz_err *err);
void body_free(struct body *b);
const json_t *body_root(const struct body *b);

/* Go's field-name match: key (UTF-8) equals the ASCII name under simple
 * case folding. Exposed for tests. */
bool body_key_matches(const char *key, size_t klen, const char *name);
/* The member of obj whose key matches name, or NULL. */
json_t *body_member(const json_t *obj, const char *name);

/*
 * A field path: "HostConfig.Binds[]", "Mounts[].Type". Components are
 * matched with body_key_matches; "[]" after a component fans out over every
 * element of an array there.
 */
struct body_path;
struct body_path *body_path_compile(const char *s, size_t *errpos,
				    const char **why);
void body_path_free(struct body_path *p);
const char *body_path_text(const struct body_path *p);

/* Calls fn for each value the path reaches (none when absent; a null is
 * reached like any value). fn returns true to stop early. Returns true
 * when fn stopped it. */
typedef bool (*body_visit_fn)(void *arg, const json_t *v);
bool body_path_visit(const json_t *root, const struct body_path *p,
		     body_visit_fn fn, void *arg);

#endif
