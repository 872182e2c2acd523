/*
 * mod_hostaccess.c - the "hostaccess" module: does this request give a
 * container (or a plugin, a build, dockerd itself) the host?
 *
 *   hostaccess [CHECK ...] [allow-bind=PATH ...] [allow-cap=CAP ...]
 *              [allow-device=PATH ...] [allow-sysctl=NAME ...]
 *              [allow-runtime=NAME ...] [allow-exec-user=USER ...]
 *              [allow-volume-driver=NAME ...] [allow-network-driver=NAME ...]
 *              [allow-log-driver=NAME ...] [allow-log-opt=KEY ...]
 *              [allow-annotation=KEY ...] [allow-port=N ...]
 *              [allow-volume-type=TYPE ...] [allow-registry=HOST ...]
 *              [allow-join=namespaces] [allow-join=volumes-from]
 *
 * It answers deny, naming the field it saw, when the request carries host
 * access, and ignore otherwise: it is a filter that never grants. Checks
 * (all of them when none is named): privileged, capabilities, namespaces,
 * devices, security, sysctls, runtime, binds, volumes-from, cgroup,
 * exec, build, plugins, networks, logging, oom, ports, annotations,
 * checkpoint, registry. See cnauthz-rules(5) for each field; the fields
 * themselves are judged in hostcheck.c, the routes here.
 *
 * Bind sources are judged as host paths (hostpath.h): an allow-bind prefix
 * covers a source only after "..", "//" and symlinks are resolved.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "body.h"
#include "hostcheck.h"
#include "hostpath.h"
#include "hostref.h"
#include "module.h"
#include "pattern.h"
#include "request.h"
#include "route.h"
#include "text.h"
#include "view.h"

static const struct {
	const char *name;
	unsigned bit;
} checks[] = {
	{"privileged", CK_PRIVILEGED},	{"capabilities", CK_CAPS},
	{"namespaces", CK_NS},		{"devices", CK_DEVICES},
	{"security", CK_SECURITY},	{"sysctls", CK_SYSCTLS},
	{"runtime", CK_RUNTIME},	{"binds", CK_BINDS},
	{"volumes-from", CK_VOLFROM},	{"cgroup", CK_CGROUP},
	{"exec", CK_EXEC},		{"build", CK_BUILD},
	{"plugins", CK_PLUGINS},	{"networks", CK_NETWORKS},
	{"logging", CK_LOGGING},	{"oom", CK_OOM},
	{"ports", CK_PORTS},		{"annotations", CK_ANNOTATIONS},
	{"checkpoint", CK_CHECKPOINT},	{"registry", CK_REGISTRY},
};

static const char *const list_opt[L_N] = {
	"allow-bind=", "allow-cap=", "allow-device=", "allow-sysctl=",
	"allow-runtime=", "allow-exec-user=", "allow-volume-driver=",
	"allow-network-driver=", "allow-log-driver=", "allow-log-opt=",
	"allow-annotation=", "allow-port=", "allow-volume-type=",
	"allow-registry=", "allow-join=",
};

/* The routes hostaccess reads, and the checks that apply there. dockerd
 * routes a container as {name:.*}: a link alias "web/db" names a real
 * container, so a container's name may span segments ('**'). */
enum target {
	T_CREATE, T_START, T_UPDATE, T_EXEC, T_VOLUME, T_NETWORK, T_BUILD,
	T_PLUGINS, T_PLUGINRM, T_CHECKPOINT, T_IMAGECREATE, T_DISTRIBUTION,
	T_PUSH, T_AUTH, T_SEARCH, T_PLUGINPRIV, T_N
};

/* view_method_bit_of's bits */
#define M_GET 1u
#define M_HEAD 2u
#define M_POST 4u
#define M_DELETE 16u

static const struct {
	unsigned methods;
	const char *pattern;
	unsigned checks;
} targets[T_N] = {
	[T_CREATE] = {M_POST, "/containers/create", CK_HOSTCONFIG},
	[T_START] = {M_POST, "/containers/**/start",
		     CK_HOSTCONFIG | CK_CHECKPOINT},
	[T_UPDATE] = {M_POST, "/containers/**/update",
		      CK_DEVICES | CK_CGROUP | CK_OOM},
	[T_EXEC] = {M_POST, "/containers/**/exec", CK_EXEC},
	[T_VOLUME] = {M_POST, "/volumes/create", CK_BINDS},
	[T_NETWORK] = {M_POST, "/networks/create", CK_NETWORKS},
	[T_BUILD] = {M_POST, "/build", CK_BUILD | CK_REGISTRY},
	[T_PLUGINS] = {M_POST,
		       "/plugins/{pull,create,**/enable,**/disable,**/upgrade,**/set,**/push}",
		       CK_PLUGINS},
	[T_PLUGINRM] = {M_DELETE, "/plugins/**", CK_PLUGINS},
	[T_CHECKPOINT] = {M_GET | M_HEAD | M_POST | M_DELETE,
			  "/containers/**/checkpoints{,/*}", CK_CHECKPOINT},
	[T_IMAGECREATE] = {M_POST, "/images/create", CK_REGISTRY},
	[T_DISTRIBUTION] = {M_GET | M_HEAD, "/distribution/**/json",
			    CK_REGISTRY},
	[T_PUSH] = {M_POST, "/images/**/push", CK_REGISTRY},
	[T_AUTH] = {M_POST, "/auth", CK_REGISTRY},
	[T_SEARCH] = {M_GET | M_HEAD, "/images/search", CK_REGISTRY},
	[T_PLUGINPRIV] = {M_GET | M_HEAD, "/plugins/privileges", CK_REGISTRY},
};

struct hostaccess {
	struct host opt;
	struct pattern *route[T_N];
};

static void host_free(void *state)
{
	struct hostaccess *h = state;

	if (h == NULL)
		return;
	for (int l = 0; l < L_N; l++)
		for (size_t i = 0; i < h->opt.n[l]; i++)
			free(h->opt.allow[l][i]);
	for (int t = 0; t < T_N; t++)
		pattern_free(h->route[t]);
	free(h);
}

/* One allow-* value, checked as the list takes it. */
static int allow_value(enum host_list l, const char *v, char *buf,
		       size_t bufsz, const char **out, const char **why)
{
	*out = v;
	if (l == L_JOIN && strcmp(v, "namespaces") != 0 &&
	    strcmp(v, "volumes-from") != 0) {
		*why = "allow-join= takes namespaces (NetworkMode, PidMode, "
		       "IpcMode, Cgroup container:NAME) or volumes-from, left "
		       "to the owner module";
		return -1;
	}
	if (l == L_BIND) {
		/* resolved now, as a source will be */
		if (v[0] != '/' || hostpath_resolve(v, buf, bufsz) < 0) {
			*why = "allow-bind= takes an absolute path";
			return -1;
		}
		*out = buf;
	} else if (l == L_PORT) {
		char *end;
		long p = strtol(v, &end, 10);

		if (*end != '\0' || p < 1 || p > 1023 || v[0] == '0' ||
		    v[0] == '+' || v[0] == '-' || v[0] == ' ') {
			*why = "allow-port= takes a port from 1 to 1023 "
			       "(ports from 1024 up are allowed)";
			return -1;
		}
	}
	return 0;
}

static int host_init(const struct cnauthz_api *api, int argc,
		     const char *const *argv, void **state,
		     struct cnauthz_init_error *err)
{
	struct hostaccess *h = calloc(1, sizeof *h);
	struct host *o;
	struct cnz_err pe;
	const char *why;

	(void)api;
	if (h == NULL)
		goto oom;
	o = &h->opt;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		int l, k;

		err->arg = i;
		for (l = 0; l < L_N; l++)
			if (strncmp(a, list_opt[l], strlen(list_opt[l])) == 0)
				break;
		if (l < L_N) {
			const char *v = a + strlen(list_opt[l]);
			char buf[PATH_MAX];

			if (*v == '\0') {
				err->offset = strlen(list_opt[l]);
				snprintf(err->msg, sizeof err->msg,
					 "%s needs a value", list_opt[l]);
				goto fail;
			}
			if (o->n[l] == HOST_MAX_ALLOW) {
				snprintf(err->msg, sizeof err->msg,
					 "more than %d %s values",
					 HOST_MAX_ALLOW, list_opt[l]);
				goto fail;
			}
			if (allow_value((enum host_list)l, v, buf, sizeof buf,
					&v, &why) < 0) {
				err->offset = strlen(list_opt[l]);
				snprintf(err->msg, sizeof err->msg, "%s", why);
				goto fail;
			}
			if ((o->allow[l][o->n[l]] = strdup(v)) == NULL)
				goto oom;
			o->n[l]++;
			continue;
		}
		for (k = 0; k < (int)(sizeof checks / sizeof checks[0]); k++)
			if (strcmp(a, checks[k].name) == 0)
				break;
		if (k == (int)(sizeof checks / sizeof checks[0])) {
			snprintf(err->msg, sizeof err->msg,
				 "unknown check or option \"%.40s\"", a);
			goto fail;
		}
		o->checks |= checks[k].bit;
	}
	if (o->checks == 0)
		o->checks = CK_ALL;
	err->arg = -1;
	for (int t = 0; t < T_N; t++) {
		h->route[t] = pattern_compile(targets[t].pattern, &pe);
		if (h->route[t] == NULL) {
			text_join(err->msg, sizeof err->msg, pe.msg, NULL);
			goto fail;
		}
	}
	*state = h;
	return 0;
oom:
	err->arg = -1;
	snprintf(err->msg, sizeof err->msg, "out of memory");
fail:
	host_free(h);
	return -1;
}

/* The name between "/PREFIX/" and "/SUFFIX" of the canonical path. */
static void path_name(const char *path, size_t prefix, size_t suffix,
		      char *out, size_t outsz)
{
	size_t n = strlen(path);

	n = n > prefix + suffix ? n - prefix - suffix : 0;
	snprintf(out, outsz, "%.*s", (int)n, path + prefix);
}

/* A registry or URL host that is the Docker host itself, and not allowed
 * by name. what names the parameter. */
static bool local_host(const struct host *h, const char *ref, bool url,
		       const char *what, struct found *f)
{
	char host[HOSTREF_MAX];
	/* 1: a host to judge; 0: Docker Hub; -1: none readable */
	int rc = url ? (hostref_url(ref, strlen(ref), host, sizeof host) < 0
				? -1 : 1)
		     : hostref_registry(ref, strlen(ref), host, sizeof host);

	if (rc < 0)
		return snprintf(f->msg, sizeof f->msg,
				"%s \"%.80s\" names no host cnauthz can read",
				what, ref), true;
	if (rc == 0 || !hostref_is_local(host, strlen(host)) ||
	    host_allowed(h, L_REGISTRY, host))
		return false;
	snprintf(f->msg, sizeof f->msg,
		 "%s \"%.80s\" makes dockerd, as root, contact %.80s on the "
		 "host itself", what, ref, host);
	return true;
}

/* What dockerd reads from the query of target t; false when nothing to
 * deny (or the view went fatal: the caller checks). */
static bool query_checks(const struct hostaccess *ha, enum target t,
			 unsigned need, const struct cnauthz_request *req,
			 struct found *f)
{
	const struct host *h = &ha->opt;
	const char *v;
	char name[512];

	switch (t) {
	case T_START:
		if (!(need & CK_CHECKPOINT))
			return false;
		if ((v = view_query_value(req, "checkpoint-dir")) != NULL &&
		    v[0] != '\0')
			return snprintf(f->msg, sizeof f->msg,
					"start checkpoint-dir restores a container "
					"from a host directory (%.80s)", v), true;
		if ((v = view_query_value(req, "checkpoint")) != NULL &&
		    v[0] != '\0')
			return snprintf(f->msg, sizeof f->msg,
					"start checkpoint restores a container's "
					"saved process state (%.60s)", v), true;
		return false;
	case T_CHECKPOINT:
		if ((v = view_query_value(req, "dir")) != NULL && v[0] != '\0')
			return snprintf(f->msg, sizeof f->msg,
					"checkpoint dir names a host directory "
					"(%.80s)", v), true;
		return false;
	case T_BUILD:
		if ((need & CK_BUILD) &&
		    (v = view_query_value(req, "networkmode")) != NULL &&
		    v[0] != '\0' && strcasecmp(v, "default") != 0 &&
		    strcasecmp(v, "bridge") != 0 && strcasecmp(v, "none") != 0)
			return snprintf(f->msg, sizeof f->msg,
					"build networkmode \"%.40s\" reaches the "
					"host's network", v), true;
		if ((need & CK_BUILD) && view_fatal(req) == NULL &&
		    (v = view_query_value(req, "cgroupparent")) != NULL &&
		    v[0] != '\0')
			return snprintf(f->msg, sizeof f->msg,
					"build cgroupparent places its containers "
					"in a host cgroup (%.60s)", v), true;
		if ((need & CK_REGISTRY) && view_fatal(req) == NULL &&
		    (v = view_query_value(req, "remote")) != NULL &&
		    v[0] != '\0')
			return local_host(h, v, true, "build remote", f);
		return false;
	case T_IMAGECREATE:
		if ((v = view_query_value(req, "fromImage")) != NULL &&
		    v[0] != '\0' && local_host(h, v, false, "fromImage", f))
			return true;
		if (view_fatal(req) == NULL &&
		    (v = view_query_value(req, "fromSrc")) != NULL &&
		    v[0] != '\0' && strcmp(v, "-") != 0)
			return local_host(h, v, true, "fromSrc", f);
		return false;
	case T_DISTRIBUTION:
		path_name(route_path(view_route(req)), strlen("/distribution/"),
			  strlen("/json"), name, sizeof name);
		return local_host(h, name, false, "distribution lookup of", f);
	case T_PUSH:
		path_name(route_path(view_route(req)), strlen("/images/"), strlen("/push"),
			  name, sizeof name);
		return local_host(h, name, false, "push of", f);
	case T_SEARCH:
		if ((v = view_query_value(req, "term")) != NULL && v[0] != '\0')
			return local_host(h, v, false, "search term", f);
		return false;
	case T_PLUGINPRIV:
		if ((v = view_query_value(req, "remote")) != NULL && v[0] != '\0')
			return local_host(h, v, false, "plugin privileges of", f);
		return false;
	case T_AUTH:
		return snprintf(f->msg, sizeof f->msg,
				"registry login (POST /auth): dockerd contacts the "
				"body's serveraddress, any address, as root "
				"(and upstream dockerd shows that body to no "
				"plugin)"), true;
	case T_PLUGINS:
	case T_PLUGINRM:
		return false;
	default:
		return false;
	}
}

/* Whether dockerd decodes a body for a start at this API version: below
 * 1.24, when Content-Length is over 7 or unknown (chunked). */
static bool legacy_start_body(const struct cnauthz_request *req)
{
	const char *cl = request_header(view_request(req), "Content-Length");
	size_t blen;

	if (!route_version_before(view_route(req), 1, 24))
		return false; /* dockerd refuses a start body itself */
	if (request_body(view_request(req), &blen) != NULL)
		return true;
	if (cl == NULL)
		return true; /* chunked looks the same: dockerd reads it */
	return !(strlen(cl) == 1 && cl[0] >= '0' && cl[0] <= '7');
}

static enum cnauthz_result host_eval(const void *state,
				     const struct cnauthz_api *api,
				     const struct cnauthz_request *req,
				     char *msg, size_t msgsz)
{
	const struct hostaccess *ha = state;
	const struct host *h = &ha->opt;
	const struct route *r = view_route(req);
	unsigned mbit = view_method_bit(req), need = 0;
	const struct jd_node *body;
	struct found f;
	bool hit = false;
	int t;

	(void)api;
	f.msg[0] = '\0';
	for (t = 0; t < T_N; t++)
		if ((targets[t].methods & mbit) && pattern_match(ha->route[t], r))
			break;
	if (t == T_N || (need = targets[t].checks & h->checks) == 0)
		return CNAUTHZ_IGNORE;
	if (need == CK_PLUGINS) {
		snprintf(msg, msgsz,
			 "plugin management (%s %s): plugins run with host privileges",
			 api->method(req), route_path(r));
		return CNAUTHZ_DENY;
	}
	hit = query_checks(ha, (enum target)t, need, req, &f);
	if (view_fatal(req) != NULL)
		return CNAUTHZ_ERROR; /* the view is fatal: deny, whatever */
	if (!hit && t == T_START && legacy_start_body(req)) {
		if ((body = view_body_json(req)) == NULL)
			return CNAUTHZ_ERROR;
		if (hostcheck_container(h, body, &f)) {
			char inner[sizeof f.msg];

			snprintf(inner, sizeof inner, "%s", f.msg);
			text_join(f.msg, sizeof f.msg, "start body at API ",
				  route_version(r),
				  " (below 1.24 dockerd applies it as the "
				  "HostConfig): ", inner, NULL);
			hit = true;
		}
	} else if (!hit && (t == T_CREATE || t == T_UPDATE || t == T_EXEC ||
			    t == T_VOLUME || t == T_NETWORK ||
			    (t == T_CHECKPOINT && mbit == M_POST))) {
		if ((body = view_body_json(req)) == NULL)
			return CNAUTHZ_ERROR;
		switch (t) {
		case T_CREATE:
			hit = hostcheck_container(h, body, &f);
			view_fact_str(req, "image",
				      jd_str(body_member(body, "Image")));
			break;
		case T_UPDATE: hit = hostcheck_update(h, body, &f); break;
		case T_EXEC: hit = hostcheck_exec(h, body, &f); break;
		case T_VOLUME: hit = hostcheck_volume(h, body, &f); break;
		case T_NETWORK: hit = hostcheck_network(h, body, &f); break;
		default: {
			const struct jd_node *d = body_member(body, "CheckpointDir");

			if (d != NULL && !jd_is(d, JD_NULL) &&
			    (!jd_is(d, JD_STRING) || d->slen > 0))
				hit = snprintf(f.msg, sizeof f.msg,
					       "checkpoint CheckpointDir names a "
					       "host directory") > 0;
			break;
		}
		}
	}
	if (!hit)
		return CNAUTHZ_IGNORE;
	view_fact_str(req, "host_access", f.msg);
	snprintf(msg, msgsz, "%s", f.msg);
	return CNAUTHZ_DENY;
}

const struct cnauthz_module mod_hostaccess = {
	.abi_version = CNAUTHZ_MODULE_ABI,
	.name = "hostaccess",
	.init = host_init,
	.evaluate = host_eval,
	.free = host_free,
};
