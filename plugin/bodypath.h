/*
 * bodypath.h - field paths into a request body (body.h), as rules name
 * them: "HostConfig.Binds[]", "Mounts[].Type". Components are matched
 * as dockerd matches field names (body_key_matches: Go's simple case
 * folding); "[]" after a component fans out over every element of an
 * array there.
 */
#ifndef CNZ_BODYPATH_H
#define CNZ_BODYPATH_H

#include <stdbool.h>
#include <stddef.h>

#include "body.h"
#include "err.h"

#define BODY_PATH_MAX 32 /* components in a field path */

struct body_path;

/* On error returns NULL with err: its col is the 1-based byte offset in s. */
struct body_path *body_path_compile(const char *s, struct cnz_err *err);
void body_path_free(struct body_path *p);
/* The path's source text. */
const char *body_path_text(const struct body_path *p);

/* Calls fn for each value the path reaches (none when absent; a null is
 * reached like any value). fn returns true to stop early. Returns true
 * when fn stopped it. */
typedef bool (*body_visit_fn)(void *arg, const struct jd_node *v);
bool body_path_visit(const struct jd_node *root, const struct body_path *p,
		     body_visit_fn fn, void *arg);

#endif
