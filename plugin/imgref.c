/* imgref.c - see imgref.h */
#include "imgref.h"

#include <string.h>

#include "text.h"

bool imgref_all_hex(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

static bool lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool alnum(char c)
{
	return lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

/* path-component: [a-z0-9]+ ((\.|_|__|-+) [a-z0-9]+)* */
static bool path_component(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t run = 0;

		while (i < n && lower_alnum(s[i])) {
			i++;
			run++;
		}
		if (run == 0)
			return false;
		if (i == n)
			return true;
		if (s[i] == '.') {
			i++;
		} else if (s[i] == '_') {
			i += (i + 1 < n && s[i + 1] == '_') ? 2 : 1;
		} else if (s[i] == '-') {
			while (i < n && s[i] == '-')
				i++;
		} else {
			return false;
		}
		if (i == n)
			return false; /* a separator ends it */
	}
	return n > 0;
}

/* domain: component ("." component)* (":" port)?, a component being
 * [a-zA-Z0-9] or [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9] */
static bool domain(const char *s, size_t n)
{
	const char *colon = memchr(s, ':', n);
	size_t hn = colon ? (size_t)(colon - s) : n, start = 0;

	if (colon != NULL) {
		size_t pn = n - hn - 1;

		if (pn == 0)
			return false;
		for (size_t i = 0; i < pn; i++)
			if (colon[1 + i] < '0' || colon[1 + i] > '9')
				return false;
	}
	if (hn == 0)
		return false;
	for (size_t i = 0; i <= hn; i++) {
		if (i < hn && s[i] != '.')
			continue;
		if (i == start || !alnum(s[start]) || !alnum(s[i - 1]))
			return false;
		for (size_t j = start; j < i; j++)
			if (!alnum(s[j]) && s[j] != '-')
				return false;
		start = i + 1;
	}
	return true;
}

/* tag: [\w][\w.-]{0,127} */
static bool tag_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 128 || !(alnum(s[0]) || s[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!(alnum(s[i]) || s[i] == '_' || s[i] == '.' || s[i] == '-'))
			return false;
	return true;
}

/* digest: algorithm ":" hex of at least 32 (sha256: 64) */
static bool digest_valid(const char *s)
{
	const char *colon = strchr(s, ':');

	if (colon == NULL || colon == s)
		return false;
	for (const char *p = s; p < colon; p++)
		if (!lower_alnum(*p) && *p != '+' && *p != '.' && *p != '_' &&
		    *p != '-')
			return false;
	if (strncmp(s, "sha256:", 7) == 0)
		return strlen(colon + 1) == 64 &&
		       imgref_all_hex(colon + 1, 64);
	return strlen(colon + 1) >= 32;
}

static int parse(const char *ref, struct imgref *out, const char **why)
{
	char name[IMGREF_MAX];
	const char *at, *slash, *first, *rest;
	char *colon, *lastslash;
	size_t n, dl;

	memset(out, 0, sizeof *out);
	if (ref[0] == '\0') {
		*why = "no image named";
		return -1;
	}
	n = strlen(ref);
	if (n == 64 && imgref_all_hex(ref, n)) {
		*why = "a 64-digit hex string is an image ID, not a name";
		return -1;
	}
	if (strncmp(ref, "sha256:", 7) == 0) {
		*why = "an image given by ID";
		return -1;
	}
	at = strchr(ref, '@');
	n = at ? (size_t)(at - ref) : n;
	if (n >= sizeof name) {
		*why = "image reference too long";
		return -1;
	}
	memcpy(name, ref, n);
	name[n] = '\0';
	if (at != NULL) {
		if (!digest_valid(at + 1) ||
		    strlen(at + 1) >= sizeof out->digest) {
			*why = "a malformed digest";
			return -1;
		}
		text_join(out->digest, sizeof out->digest, at + 1, NULL);
	}
	lastslash = strrchr(name, '/');
	colon = strrchr(name, ':');
	if (colon != NULL && (lastslash == NULL || colon > lastslash)) {
		*colon = '\0';
		if (!tag_valid(colon + 1)) {
			*why = "a malformed tag";
			return -1;
		}
		text_join(out->tag, sizeof out->tag, colon + 1, NULL);
	}
	/* splitDockerDomain */
	slash = strchr(name, '/');
	dl = slash ? (size_t)(slash - name) : 0;
	first = name;
	rest = name;
	if (slash != NULL) {
		bool is_domain = memchr(name, '.', dl) || memchr(name, ':', dl) ||
				 (dl == 9 && strncmp(name, "localhost", 9) == 0);

		for (size_t i = 0; i < dl && !is_domain; i++)
			if (name[i] >= 'A' && name[i] <= 'Z')
				is_domain = true;
		if (is_domain) {
			if (!domain(name, dl)) {
				*why = "a malformed registry host";
				return -1;
			}
			rest = slash + 1;
		} else {
			first = NULL;
		}
	} else {
		first = NULL;
	}
	/* the remainder: path components, lower case */
	for (const char *p = rest; *p;) {
		const char *e = strchr(p, '/');
		size_t cl = e ? (size_t)(e - p) : strlen(p);

		if (!path_component(p, cl)) {
			*why = "a malformed repository name (lower case letters, digits and . _ - only)";
			return -1;
		}
		if (e == NULL)
			break;
		p = e + 1;
		if (*p == '\0') {
			*why = "a malformed repository name";
			return -1;
		}
	}
	if (first == NULL) {
		/* docker.io; one component is an official image */
		text_join(out->repo, sizeof out->repo, "docker.io/",
			  strchr(rest, '/') ? "" : "library/", rest, NULL);
	} else if (dl == 15 && strncmp(first, "index.docker.io", 15) == 0) {
		text_join(out->repo, sizeof out->repo, "docker.io/",
			  strchr(rest, '/') ? "" : "library/", rest, NULL);
	} else if (dl == 9 && strncmp(first, "docker.io", 9) == 0) {
		text_join(out->repo, sizeof out->repo, "docker.io/",
			  strchr(rest, '/') ? "" : "library/", rest, NULL);
	} else {
		text_join(out->repo, sizeof out->repo, name, NULL);
	}
	if (strlen(out->repo) > 255) {
		*why = "repository name too long";
		return -1;
	}
	/* "docker run abc1" looks for the tag docker.io/library/abc1:latest
	 * before it takes abc1 for an image ID prefix; "sha256:abc1" for
	 * the tag abc1 of docker.io/library/sha256 */
	if (strncmp(out->repo, "docker.io/library/", 18) == 0) {
		const char *fam = out->repo + 18;

		out->hex_name = imgref_all_hex(fam, strlen(fam)) ||
				strcmp(fam, "sha256") == 0;
	}
	return 0;
}

static int tag_of(const char *repo, const char *tag, char *out,
		  const char **why, bool *hex_name)
{
	struct imgref r;
	const char *t;

	if (parse(repo, &r, why) < 0)
		return -1;
	*hex_name = r.hex_name;
	if (tag != NULL && tag[0] != '\0') {
		if (!tag_valid(tag)) {
			*why = "a malformed tag";
			return -1;
		}
		t = tag; /* WithTag(TrimNamed(ref), tag) */
	} else if (r.digest[0] != '\0') {
		*why = "a digest reference cannot be a tag";
		return -1;
	} else {
		t = r.tag[0] != '\0' ? r.tag : "latest"; /* TagNameOnly */
	}
	text_join(out, IMGREF_MAX, r.repo, ":", t, NULL);
	return 0;
}

int imgref_parse(const char *ref, struct imgref *out, struct cnz_err *err)
{
	const char *why = "a malformed reference";

	if (parse(ref, out, &why) == 0)
		return 0;
	cnz_err_set(err, NULL, 0, 0, "%s", why);
	return -1;
}

int imgref_tag(const char *repo, const char *tag, char *out,
	       struct cnz_err *err, bool *hex_name)
{
	const char *why = "a malformed reference";

	if (tag_of(repo, tag, out, &why, hex_name) == 0)
		return 0;
	cnz_err_set(err, NULL, 0, 0, "%s", why);
	return -1;
}
