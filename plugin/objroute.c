/* objroute.c - see objroute.h */
#include "objroute.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "body.h"

/* view_method_bit_of's bits */
#define M_GET 1u
#define M_HEAD 2u
#define M_POST 4u
#define M_PUT 8u
#define M_DELETE 16u

/* "/PREFIX{name:.*}/SUFFIX" routes, in the router's order. */
static const struct {
	unsigned methods;
	const char *prefix, *suffix;
	enum own_kind kind;
	enum objroute_op op;
} routes[] = {
	{M_HEAD, "/containers/", "/archive", OWN_CONTAINER, OR_READ},
	{M_GET, "/containers/", "/export", OWN_CONTAINER, OR_READ},
	{M_GET, "/containers/", "/changes", OWN_CONTAINER, OR_READ},
	{M_GET, "/containers/", "/json", OWN_CONTAINER, OR_READ},
	{M_GET, "/containers/", "/top", OWN_CONTAINER, OR_READ},
	{M_GET, "/containers/", "/logs", OWN_CONTAINER, OR_READ},
	{M_GET, "/containers/", "/stats", OWN_CONTAINER, OR_READ},
	{M_GET, "/containers/", "/attach/ws", OWN_CONTAINER, OR_READ},
	{M_GET, "/containers/", "/archive", OWN_CONTAINER, OR_READ},
	{M_GET, "/containers/", "/checkpoints", OWN_CONTAINER, OR_READ},
	{M_POST, "/containers/", "/kill", OWN_CONTAINER, OR_ACT},
	{M_POST, "/containers/", "/pause", OWN_CONTAINER, OR_ACT},
	{M_POST, "/containers/", "/unpause", OWN_CONTAINER, OR_ACT},
	{M_POST, "/containers/", "/restart", OWN_CONTAINER, OR_ACT},
	{M_POST, "/containers/", "/start", OWN_CONTAINER, OR_START},
	{M_POST, "/containers/", "/stop", OWN_CONTAINER, OR_ACT},
	{M_POST, "/containers/", "/wait", OWN_CONTAINER, OR_ACT},
	{M_POST, "/containers/", "/resize", OWN_CONTAINER, OR_ACT},
	{M_POST, "/containers/", "/attach", OWN_CONTAINER, OR_ACT},
	{M_POST, "/containers/", "/copy", OWN_CONTAINER, OR_ACT},
	{M_POST, "/containers/", "/exec", OWN_CONTAINER, OR_EXEC_CREATE},
	{M_POST, "/containers/", "/rename", OWN_CONTAINER, OR_RENAME},
	{M_POST, "/containers/", "/update", OWN_CONTAINER, OR_ACT},
	{M_POST, "/containers/", "/checkpoints", OWN_CONTAINER, OR_ACT},
	{M_PUT, "/containers/", "/archive", OWN_CONTAINER, OR_ACT},
	{M_GET, "/exec/", "/json", OWN_EXEC, OR_READ},
	{M_POST, "/exec/", "/start", OWN_EXEC, OR_ACT},
	{M_POST, "/exec/", "/resize", OWN_EXEC, OR_ACT},
	{M_POST, "/networks/", "/connect", OWN_NETWORK, OR_CONNECT},
	{M_POST, "/networks/", "/disconnect", OWN_NETWORK, OR_CONNECT},
};

/* Routes without a name, matched whole before the named ones. */
static const struct {
	unsigned methods;
	const char *path;
	enum own_kind kind;
	enum objroute_op op;
} fixed[] = {
	{M_POST, "/containers/create", OWN_CONTAINER, OR_CREATE_CONTAINER},
	{M_POST, "/containers/prune", OWN_CONTAINER, OR_PRUNE},
	{M_POST, "/volumes/create", OWN_VOLUME, OR_CREATE_VOLUME},
	{M_POST, "/volumes/prune", OWN_VOLUME, OR_PRUNE},
	{M_POST, "/networks/create", OWN_NETWORK, OR_CREATE_NETWORK},
	{M_POST, "/networks/prune", OWN_NETWORK, OR_PRUNE},
	{M_POST, "/commit", OWN_TAG, OR_COMMIT},
	{M_POST, "/images/create", OWN_TAG, OR_IMAGE_CREATE},
	{M_POST, "/images/load", OWN_TAG, OR_LOAD},
	{M_POST, "/images/prune", OWN_TAG, OR_PRUNE},
	{M_POST, "/build", OWN_TAG, OR_BUILD},
};

static bool starts(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

static enum objroute_op set(struct objroute *out, enum objroute_op op,
			    enum own_kind kind, const char *ref, size_t len)
{
	out->op = op;
	out->kind = kind;
	out->ref = ref;
	out->reflen = len;
	return op;
}

enum objroute_op objroute_match(unsigned method, const char *path,
				struct objroute *out)
{
	size_t n = strlen(path);

	set(out, OR_NONE, OWN_CONTAINER, path + n, 0);
	for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
		if ((fixed[i].methods & method) && strcmp(path, fixed[i].path) == 0)
			return set(out, fixed[i].op, fixed[i].kind, path + n, 0);
	for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
		size_t pl = strlen(routes[i].prefix),
		       sl = strlen(routes[i].suffix);

		if (!(routes[i].methods & method) || n < pl + sl + 1 ||
		    !starts(path, routes[i].prefix) ||
		    strcmp(path + n - sl, routes[i].suffix) != 0)
			continue;
		return set(out, routes[i].op, routes[i].kind, path + pl,
			   n - pl - sl);
	}
	if (method & M_DELETE) {
		if (starts(path, "/containers/")) {
			/* the checkpoint router's {name} is one segment */
			const char *name = path + 12, *slash = strchr(name, '/');

			if (slash != NULL && slash > name &&
			    starts(slash, "/checkpoints/") &&
			    slash[13] != '\0' && strchr(slash + 13, '/') == NULL)
				return set(out, OR_ACT, OWN_CONTAINER, name,
					   (size_t)(slash - name));
			if (name[0] != '\0')
				return set(out, OR_DELETE, OWN_CONTAINER, name,
					   strlen(name));
		}
		if (starts(path, "/networks/") && path[10] != '\0')
			return set(out, OR_DELETE, OWN_NETWORK, path + 10,
				   n - 10);
		if (starts(path, "/volumes/") && path[9] != '\0')
			return set(out, OR_DELETE, OWN_VOLUME, path + 9, n - 9);
		if (starts(path, "/images/") && path[8] != '\0')
			return set(out, OR_IMAGE_DELETE, OWN_TAG, path + 8, n - 8);
	}
	if ((method & M_GET) && starts(path, "/networks/") && path[10] != '\0')
		return set(out, OR_READ, OWN_NETWORK, path + 10, n - 10);
	if ((method & M_GET) && starts(path, "/volumes/") && path[9] != '\0')
		return set(out, OR_READ, OWN_VOLUME, path + 9, n - 9);
	if ((method & M_PUT) && starts(path, "/volumes/") && path[9] != '\0')
		return set(out, OR_ACT, OWN_VOLUME, path + 9, n - 9);
	if ((method & M_POST) && starts(path, "/images/") && n > 12 &&
	    strcmp(path + n - 4, "/tag") == 0)
		return set(out, OR_TAG, OWN_TAG, path + 8, n - 12);
	return OR_NONE;
}

const struct jd_node *objroute_hostconfig(const struct jd_node *body,
					  const char **where)
{
	const struct jd_node *hc = body_member(body, "HostConfig");

	*where = "HostConfig.";
	if (hc == NULL || jd_is(hc, JD_NULL)) {
		*where = "top-level ";
		return body;
	}
	return hc;
}

void objroute_volumes(const struct jd_node *hc,
		      void (*fn)(void *arg, const char *name,
				 const char *field),
		      void *arg)
{
	const struct jd_node *v = body_member(hc, "Binds");
	char name[OWN_KEY_MAX];

	jd_foreach(jd_is(v, JD_ARRAY) ? v : NULL, e) {
		const char *b = jd_str(e), *colon;

		/* dockerd's Linux parser: "src:dst[:mode]", a src that is not
		 * an absolute path is a volume's name; "/dst" alone is an
		 * anonymous volume (a relative path with a '/' is refused) */
		if (b == NULL || (colon = strchr(b, ':')) == NULL || colon == b ||
		    memchr(b, '/', (size_t)(colon - b)) != NULL ||
		    (size_t)(colon - b) >= sizeof name)
			continue;
		snprintf(name, sizeof name, "%.*s", (int)(colon - b), b);
		fn(arg, name, "Binds");
	}
	v = body_member(hc, "Mounts");
	jd_foreach(jd_is(v, JD_ARRAY) ? v : NULL, e) {
		const char *t = jd_str(body_member(e, "Type")),
			   *src = jd_str(body_member(e, "Source"));

		if (t != NULL && strcasecmp(t, "volume") == 0 && src != NULL &&
		    src[0] != '\0')
			fn(arg, src, "Mounts");
	}
}
