/*
 * imgref.h - image references as dockerd reads them
 * (docker/distribution's reference package, ParseNormalizedNamed):
 * "busybox" is docker.io/library/busybox, "me/app:1" docker.io/me/app:1,
 * "reg.example:5000/x" keeps its registry. A reference that the grammar
 * refuses, or that dockerd would take for an image ID (64 hex digits, a
 * "sha256:" digest), is refused here too, with why.
 */
#ifndef CNZ_IMGREF_H
#define CNZ_IMGREF_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

#define IMGREF_MAX 512

struct imgref {
	char repo[IMGREF_MAX]; /* "docker.io/library/busybox" */
	char tag[130];         /* "" when none */
	char digest[140];      /* "sha256:..." when given, else "" */
	bool hex_name;         /* the familiar name ("abc1") is all hex */
};

/* Parses ref (a NUL-terminated string). 0, or -1 with err. */
int imgref_parse(const char *ref, struct imgref *out, struct cnz_err *err);

/*
 * The tag dockerd makes for repository repo and tag tag, as POST
 * /images/{name}/tag, /commit and an import name it: a tag in tag
 * replaces one in repo, none at all is "latest"; a digest is refused.
 * Writes "docker.io/library/x:tag" into out (IMGREF_MAX). 0, or -1 with
 * err.
 */
int imgref_tag(const char *repo, const char *tag, char *out,
	       struct cnz_err *err, bool *hex_name);

/* True for a string that could be an ID prefix: [0-9a-f]+. */
bool imgref_all_hex(const char *s, size_t n);

#endif
