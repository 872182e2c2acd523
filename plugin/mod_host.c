/*
 * mod_host.c - the "hostaccess" module: does this request give a
 * container (or a plugin, or a build) the host?
 *
 *   hostaccess [CHECK ...] [allow-bind=PATH ...] [allow-cap=CAP ...]
 *              [allow-device=PATH ...] [allow-sysctl=NAME ...]
 *              [allow-runtime=NAME ...] [allow-exec-user=USER ...]
 *              [allow-volume-driver=NAME ...] [allow-network-driver=NAME ...]
 *
 * It answers deny, naming the field it saw, when the request carries host
 * access, and ignore otherwise: it is a filter that never grants. Checks
 * (all of them when none is named): privileged, capabilities, namespaces,
 * devices, security, sysctls, runtime, binds, volumes-from, cgroup,
 * exec, build, plugins, networks. See cnauthz-rules(5) for each field.
 *
 * Bind sources are judged as host paths (hostpath.h): an allow-bind prefix
 * covers a source only after "..", "//" and symlinks are resolved.
 */
#include <jansson.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "body.h"
#include "hostpath.h"
#include "module.h"
#include "pattern.h"
#include "request.h"
#include "route.h"
#include "view.h"

enum check {
	CK_PRIVILEGED = 1 << 0,
	CK_CAPS = 1 << 1,
	CK_NS = 1 << 2,
	CK_DEVICES = 1 << 3,
	CK_SECURITY = 1 << 4,
	CK_SYSCTLS = 1 << 5,
	CK_RUNTIME = 1 << 6,
	CK_BINDS = 1 << 7,
	CK_VOLFROM = 1 << 8,
	CK_CGROUP = 1 << 9,
	CK_EXEC = 1 << 10,
	CK_BUILD = 1 << 11,
	CK_PLUGINS = 1 << 12,
	CK_NETWORKS = 1 << 13,
	CK_ALL = (1 << 14) - 1,
};

static const struct {
	const char *name;
	unsigned bit;
} checks[] = {
	{"privileged", CK_PRIVILEGED}, {"capabilities", CK_CAPS},
	{"namespaces", CK_NS},	       {"devices", CK_DEVICES},
	{"security", CK_SECURITY},     {"sysctls", CK_SYSCTLS},
	{"runtime", CK_RUNTIME},       {"binds", CK_BINDS},
	{"volumes-from", CK_VOLFROM},  {"cgroup", CK_CGROUP},
	{"exec", CK_EXEC},	       {"build", CK_BUILD},
	{"plugins", CK_PLUGINS},       {"networks", CK_NETWORKS},
};

enum list { L_BIND, L_CAP, L_DEVICE, L_SYSCTL, L_RUNTIME, L_EXECUSER,
	    L_VOLDRIVER, L_NETDRIVER, L_N };

static const char *const list_opt[L_N] = {
	"allow-bind=", "allow-cap=", "allow-device=", "allow-sysctl=",
	"allow-runtime=", "allow-exec-user=", "allow-volume-driver=",
	"allow-network-driver=",
};

#define MAX_ALLOW 64

struct host {
	unsigned checks;
	size_t n[L_N];
	char *allow[L_N][MAX_ALLOW];
	struct pattern *create, *update, *exec, *volume, *build, *plugins,
		*netcreate;
};

/* What the check found: the first thing wins. */
struct found {
	char msg[320];
};

static void host_free(void *state)
{
	struct host *h = state;

	if (h == NULL)
		return;
	for (int l = 0; l < L_N; l++)
		for (size_t i = 0; i < h->n[l]; i++)
			free(h->allow[l][i]);
	pattern_free(h->create);
	pattern_free(h->update);
	pattern_free(h->exec);
	pattern_free(h->volume);
	pattern_free(h->build);
	pattern_free(h->plugins);
	pattern_free(h->netcreate);
	free(h);
}

static int host_init(const struct cnauthz_api *api, int argc,
		     const char *const *argv, void **state,
		     struct cnauthz_init_error *err)
{
	struct host *h = calloc(1, sizeof *h);
	size_t pos;
	const char *why;

	(void)api;
	if (h == NULL)
		goto oom;
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
			if (h->n[l] == MAX_ALLOW) {
				snprintf(err->msg, sizeof err->msg,
					 "more than %d %s values", MAX_ALLOW,
					 list_opt[l]);
				goto fail;
			}
			if (l == L_BIND) {
				/* resolved now, as a source will be */
				if (v[0] != '/' ||
				    hostpath_resolve(v, buf, sizeof buf) < 0) {
					err->offset = strlen(list_opt[l]);
					snprintf(err->msg, sizeof err->msg,
						 "allow-bind= takes an absolute path");
					goto fail;
				}
				v = buf;
			}
			if ((h->allow[l][h->n[l]] = strdup(v)) == NULL)
				goto oom;
			h->n[l]++;
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
		h->checks |= checks[k].bit;
	}
	if (h->checks == 0)
		h->checks = CK_ALL;
	err->arg = -1;
#define PAT(field, text)                                                     \
	if ((h->field = pattern_compile(text, &pos, &why)) == NULL) {        \
		snprintf(err->msg, sizeof err->msg, "%s", why);              \
		goto fail;                                                   \
	}
	PAT(create, "/containers/create")
	PAT(update, "/containers/*/update")
	PAT(exec, "/containers/*/exec")
	PAT(volume, "/volumes/create")
	PAT(build, "/build")
	PAT(plugins, "/plugins/{pull,create,**/enable,**/disable,**/upgrade,**/set,**/push}")
	PAT(netcreate, "/networks/create")
#undef PAT
	*state = h;
	return 0;
oom:
	err->arg = -1;
	snprintf(err->msg, sizeof err->msg, "out of memory");
fail:
	host_free(h);
	return -1;
}

static bool allowed(const struct host *h, enum list l, const char *v)
{
	for (size_t i = 0; i < h->n[l]; i++) {
		if (l == L_BIND ? hostpath_under(v, h->allow[l][i])
				: strcasecmp(v, h->allow[l][i]) == 0)
			return true;
	}
	return false;
}

/* A string member's value, or NULL when absent, null or not a string. */
static const char *str(const struct jd_node *o, const char *k)
{
	const struct jd_node *v = body_member(o, k);

	return jd_str(v);
}

static bool truthy(const struct jd_node *o, const char *k)
{
	return jd_is(body_member(o, k), JD_TRUE);
}

/* A member that is present and not null, empty array or empty object. */
static bool nonempty(const struct jd_node *o, const char *k)
{
	const struct jd_node *v = body_member(o, k);

	if (v == NULL || jd_is(v, JD_NULL))
		return false;
	if (jd_is(v, JD_ARRAY) || jd_is(v, JD_OBJECT))
		return v->count > 0;
	if (jd_is(v, JD_STRING))
		return v->slen > 0;
	return true;
}

#define FOUND(f, ...) (snprintf((f)->msg, sizeof (f)->msg, __VA_ARGS__), true)

/* A namespace mode that shares the host's or another container's. */
static bool ns_mode(const struct jd_node *hc, const char *w, const char *field,
		    bool container_too, struct found *f)
{
	const char *m = str(hc, field);

	if (m == NULL)
		return false;
	if (strcasecmp(m, "host") == 0)
		return FOUND(f, "%s%s is \"host\"", w, field);
	if (container_too && strncasecmp(m, "container:", 10) == 0)
		return FOUND(f,
			     "%s%s joins another container (\"%.60s\")",
			     w, field, m);
	return false;
}

/* One host path: is it outside every allow-bind prefix? */
static bool host_path(const struct host *h, const char *src,
		      const char *what, struct found *f)
{
	char res[PATH_MAX];

	if (hostpath_resolve(src, res, sizeof res) < 0)
		return FOUND(f, "%s has a host path cnauthz cannot resolve", what);
	if (allowed(h, L_BIND, res))
		return false;
	return FOUND(f, "%s binds host path %.120s%s%.120s%s", what, src,
		     strcmp(src, res) != 0 ? " (resolved: " : "",
		     strcmp(src, res) != 0 ? res : "",
		     strcmp(src, res) != 0 ? ")" : "");
}

/* File system types the local driver may mount that do not reach the
 * host's files or kernel state: proc, sysfs, devtmpfs, cgroup, overlay
 * (lowerdir=/...) and the like all would. */
static bool fs_type_contained(const char *t)
{
	static const char *const ok[] = {"tmpfs", "nfs", "nfs4", "cifs",
					 "none", "bind"};

	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
		if (strcasecmp(t, ok[i]) == 0)
			return true;
	return false;
}

/* Local-driver volume options that mount a host path, device or file
 * system (the driver passes type, device and o to mount(2)). */
static bool local_opts(const struct host *h, const struct jd_node *opts,
		       const char *what, struct found *f)
{
	const char *type = str(opts, "type"), *o = str(opts, "o"),
		   *dev = str(opts, "device");
	bool bind = o != NULL && (strstr(o, "bind") != NULL);

	if (!jd_is(opts, JD_OBJECT) || opts->count == 0)
		return false;
	if (dev != NULL && dev[0] == '/') {
		if (host_path(h, dev, what, f))
			return true;
	} else if (bind || (type != NULL && (strcasecmp(type, "none") == 0 ||
					     strcasecmp(type, "bind") == 0))) {
		return FOUND(f, "%s mounts a host path (type=%.20s o=%.40s)",
			     what, type ? type : "", o ? o : "");
	}
	if (type != NULL && !fs_type_contained(type))
		return FOUND(f, "%s mounts a file system of type \"%.20s\"",
			     what, type);
	return false;
}

static bool volume_driver(const struct host *h, const char *driver,
			  const char *what, struct found *f)
{
	if (driver == NULL || driver[0] == '\0' ||
	    strcasecmp(driver, "local") == 0 || allowed(h, L_VOLDRIVER, driver))
		return false;
	return FOUND(f, "%s uses volume driver \"%.60s\"", what, driver);
}

/* Resources, shared by create (HostConfig) and update (top level). */
static bool resources(const struct host *h, const struct jd_node *r,
		      const char *where, struct found *f)
{
	const struct jd_node *v;

	if ((h->checks & CK_DEVICES)) {
		v = body_member(r, "Devices");
		if (jd_is(v, JD_ARRAY))
			jd_foreach(v, e) {
				const char *p = str(e, "PathOnHost");

				if (p == NULL || !allowed(h, L_DEVICE, p))
					return FOUND(f, "%sDevices gives host device %.80s",
						     where, p ? p : "(unnamed)");
			}
		else if (nonempty(r, "Devices"))
			return FOUND(f, "%sDevices is set", where);
		if (nonempty(r, "DeviceRequests"))
			return FOUND(f, "%sDeviceRequests asks for host devices",
				     where);
		if (nonempty(r, "DeviceCgroupRules"))
			return FOUND(f, "%sDeviceCgroupRules opens host devices",
				     where);
	}
	if ((h->checks & CK_CGROUP) && nonempty(r, "CgroupParent"))
		return FOUND(f, "%sCgroupParent places it in a host cgroup (%.60s)",
			     where, str(r, "CgroupParent") ? str(r, "CgroupParent") : "");
	return false;
}

static bool security_opt(const char *o)
{
	/* no-new-privileges only makes a container safer */
	return strcasecmp(o, "no-new-privileges") == 0 ||
	       strcasecmp(o, "no-new-privileges=true") == 0 ||
	       strcasecmp(o, "no-new-privileges:true") == 0;
}

static bool check_create(const struct host *h, const struct jd_node *body,
			 struct found *f)
{
	const struct jd_node *hc = body_member(body, "HostConfig"), *v;
	const char *w = "HostConfig.";
	char what[64];

	/* dockerd (runconfig's ContainerConfigWrapper) embeds a deprecated
	 * HostConfig at the top level of the body too, and uses it instead
	 * when "HostConfig" is absent or null: {"Privileged":true} alone is a
	 * privileged container. (Config has no field of the same name.) */
	if (hc == NULL || jd_is(hc, JD_NULL)) {
		hc = body;
		w = "top-level ";
	}
	if (!jd_is(hc, JD_OBJECT))
		return FOUND(f, "HostConfig is not an object");
	if ((h->checks & CK_PRIVILEGED) && truthy(hc, "Privileged"))
		return FOUND(f, "%sPrivileged is true", w);
	if (h->checks & CK_CAPS) {
		v = body_member(hc, "CapAdd");
		if (jd_is(v, JD_ARRAY))
			jd_foreach(v, e) {
				const char *c = jd_str(e);
				const char *bare = c && strncasecmp(c, "CAP_", 4) == 0 ? c + 4 : c;

				if (c == NULL || !allowed(h, L_CAP, bare))
					return FOUND(f, "%sCapAdd adds %.40s", w,
						     c ? c : "a capability");
			}
		else if (nonempty(hc, "CapAdd"))
			return FOUND(f, "%sCapAdd is set", w);
		if (nonempty(hc, "Capabilities"))
			return FOUND(f, "%sCapabilities replaces the capability set", w);
	}
	if (h->checks & CK_NS) {
		if (ns_mode(hc, w, "NetworkMode", true, f) ||
		    ns_mode(hc, w, "PidMode", true, f) ||
		    ns_mode(hc, w, "IpcMode", true, f) ||
		    ns_mode(hc, w, "UTSMode", false, f) ||
		    ns_mode(hc, w, "UsernsMode", false, f) ||
		    ns_mode(hc, w, "CgroupnsMode", false, f))
			return true;
	}
	if (resources(h, hc, w, f))
		return true;
	if (h->checks & CK_SECURITY) {
		v = body_member(hc, "SecurityOpt");
		if (jd_is(v, JD_ARRAY))
			jd_foreach(v, e) {
				const char *o = jd_str(e);

				if (o == NULL || !security_opt(o))
					return FOUND(f, "%sSecurityOpt sets \"%.60s\"", w,
						     o ? o : "?");
			}
		else if (nonempty(hc, "SecurityOpt"))
			return FOUND(f, "%sSecurityOpt is set", w);
		v = body_member(hc, "MaskedPaths");
		if (v != NULL && !jd_is(v, JD_NULL))
			return FOUND(f, "%sMaskedPaths overrides the masked /proc paths", w);
		v = body_member(hc, "ReadonlyPaths");
		if (v != NULL && !jd_is(v, JD_NULL))
			return FOUND(f, "%sReadonlyPaths overrides the read-only /proc paths", w);
	}
	if (h->checks & CK_SYSCTLS) {
		v = body_member(hc, "Sysctls");
		if (jd_is(v, JD_OBJECT))
			jd_foreach(v, e)
				if (!allowed(h, L_SYSCTL, e->key))
					return FOUND(f, "%sSysctls sets %.60s", w, e->key);
		if (v != NULL && !jd_is(v, JD_NULL) && !jd_is(v, JD_OBJECT))
			return FOUND(f, "%sSysctls is not an object", w);
	}
	if (h->checks & CK_RUNTIME) {
		const char *rt = str(hc, "Runtime");

		if (rt != NULL && rt[0] != '\0' && strcmp(rt, "runc") != 0 &&
		    !allowed(h, L_RUNTIME, rt))
			return FOUND(f, "%sRuntime is \"%.40s\"", w, rt);
		if (body_member(hc, "Runtime") != NULL && rt == NULL &&
		    !jd_is(body_member(hc, "Runtime"), JD_NULL))
			return FOUND(f, "%sRuntime is not a string", w);
	}
	if (h->checks & CK_BINDS) {
		/* the driver of every named and anonymous volume; dockerd
		 * copies a top-level one into HostConfig when that has none */
		snprintf(what, sizeof what, "%sVolumeDriver", w);
		if (volume_driver(h, str(hc, "VolumeDriver"), what, f) ||
		    volume_driver(h, str(body, "VolumeDriver"),
				  "top-level VolumeDriver", f))
			return true;
		v = body_member(hc, "Binds");
		if (jd_is(v, JD_ARRAY))
			jd_foreach(v, e) {
				const char *b = jd_str(e);
				char src[PATH_MAX];
				const char *colon;

				if (b == NULL)
					return FOUND(f, "%sBinds has a non-string entry", w);
				colon = strchr(b, ':');
				snprintf(src, sizeof src, "%.*s",
					 colon ? (int)(colon - b) : (int)strlen(b), b);
				/* a source with a '/' is a host path; one
				 * without is a named volume */
				if (strchr(src, '/') != NULL) {
					if (src[0] != '/')
						return FOUND(f, "%sBinds has a relative host path %.80s", w, src);
					snprintf(what, sizeof what, "%sBinds", w);
					if (host_path(h, src, what, f))
						return true;
				}
			}
		else if (nonempty(hc, "Binds"))
			return FOUND(f, "%sBinds is not a list", w);
		v = body_member(hc, "Mounts");
		if (jd_is(v, JD_ARRAY))
			jd_foreach(v, e) {
				const char *t = str(e, "Type"), *src = str(e, "Source");
				const struct jd_node *vo = body_member(e, "VolumeOptions");
				const struct jd_node *dc = body_member(vo, "DriverConfig");

				if (t == NULL)
					return FOUND(f, "%sMounts has an entry without a Type", w);
				if (strcasecmp(t, "bind") == 0) {
					if (src == NULL || src[0] != '/')
						return FOUND(f, "%sMounts bind without an absolute Source", w);
					snprintf(what, sizeof what, "%sMounts (type bind)", w);
					if (host_path(h, src, what, f))
						return true;
				} else if (strcasecmp(t, "volume") == 0) {
					snprintf(what, sizeof what, "%sMounts (type volume)", w);
					if (volume_driver(h, str(dc, "Name"), what, f))
						return true;
					snprintf(what, sizeof what, "%sMounts volume options", w);
					if (local_opts(h, body_member(dc, "Options"), what, f))
						return true;
				} else if (strcasecmp(t, "tmpfs") != 0) {
					return FOUND(f, "%sMounts has type \"%.20s\"", w, t);
				}
			}
		else if (nonempty(hc, "Mounts"))
			return FOUND(f, "%sMounts is not a list", w);
	}
	if ((h->checks & CK_VOLFROM) && nonempty(hc, "VolumesFrom"))
		return FOUND(f, "%sVolumesFrom mounts another container's volumes", w);
	return false;
}

static bool check_exec(const struct host *h, const struct jd_node *body,
		       struct found *f)
{
	const char *u = str(body, "User");

	if (truthy(body, "Privileged"))
		return FOUND(f, "exec Privileged is true");
	if (u != NULL && u[0] != '\0' && !allowed(h, L_EXECUSER, u))
		return FOUND(f, "exec User chooses the user \"%.40s\"", u);
	if (body_member(body, "User") != NULL && u == NULL &&
	    !jd_is(body_member(body, "User"), JD_NULL))
		return FOUND(f, "exec User is not a string");
	return false;
}

static bool check_volume(const struct host *h, const struct jd_node *body,
			 struct found *f)
{
	const char *d = str(body, "Driver");

	if (volume_driver(h, d, "volume Driver", f))
		return true;
	return local_opts(h, body_member(body, "DriverOpts"),
			  "volume DriverOpts", f);
}

static bool check_network(const struct host *h, const struct jd_node *body,
			  struct found *f)
{
	const char *d = str(body, "Driver");
	const struct jd_node *o = body_member(body, "Options");

	if (d != NULL && d[0] != '\0' && strcasecmp(d, "bridge") != 0 &&
	    !allowed(h, L_NETDRIVER, d))
		return FOUND(f, "network Driver \"%.40s\" can reach the host's network", d);
	if (jd_is(o, JD_OBJECT))
		jd_foreach(o, e)
			if (strcasecmp(e->key, "parent") == 0 ||
			    strcasecmp(e->key, "com.docker.network.bridge.name") == 0)
				return FOUND(f, "network Options.%.60s attaches to a host interface", e->key);
	if (truthy(body, "ConfigOnly") || nonempty(body, "ConfigFrom"))
		return FOUND(f, "network ConfigFrom/ConfigOnly is set");
	return false;
}

static enum cnauthz_result host_eval(const void *state,
				     const struct cnauthz_api *api,
				     const struct cnauthz_request *req,
				     char *msg, size_t msgsz)
{
	const struct host *h = state;
	const struct route *r = view_route(req);
	const char *m = api->method(req);
	const struct jd_node *body;
	struct found f;
	bool hit = false;
	enum check need = 0;

	f.msg[0] = '\0';
	if (strcmp(m, "POST") == 0 && pattern_match(h->create, r))
		need = CK_ALL & ~(CK_EXEC | CK_BUILD | CK_PLUGINS | CK_NETWORKS);
	else if (strcmp(m, "POST") == 0 && pattern_match(h->update, r))
		need = CK_DEVICES | CK_CGROUP;
	else if (strcmp(m, "POST") == 0 && pattern_match(h->exec, r))
		need = CK_EXEC;
	else if (strcmp(m, "POST") == 0 && pattern_match(h->volume, r))
		need = CK_BINDS;
	else if (strcmp(m, "POST") == 0 && pattern_match(h->netcreate, r))
		need = CK_NETWORKS;
	else if (strcmp(m, "POST") == 0 && pattern_match(h->build, r))
		need = CK_BUILD;
	else if ((strcmp(m, "POST") == 0 && pattern_match(h->plugins, r)) ||
		 (strcmp(m, "DELETE") == 0 && strncmp(api->path(req), "/plugins/", 9) == 0))
		need = CK_PLUGINS;
	if ((need & h->checks) == 0)
		return CNAUTHZ_IGNORE;

	if (need == CK_PLUGINS) {
		snprintf(msg, msgsz,
			 "plugin management (%s %s): plugins run with host privileges",
			 m, api->path(req));
		return CNAUTHZ_DENY;
	}
	if (need == CK_BUILD) {
		const char *nm = view_query_value(req, "networkmode");

		if (view_fatal(req) != NULL)
			return CNAUTHZ_ERROR;
		if (nm != NULL && nm[0] != '\0' && strcasecmp(nm, "default") != 0 &&
		    strcasecmp(nm, "bridge") != 0 && strcasecmp(nm, "none") != 0) {
			snprintf(msg, msgsz, "build networkmode \"%.40s\" reaches the host's network", nm);
			return CNAUTHZ_DENY;
		}
		return CNAUTHZ_IGNORE;
	}
	body = view_body_json(req);
	if (body == NULL)
		return CNAUTHZ_ERROR; /* the view is fatal: deny, whatever */
	if (need & CK_PRIVILEGED) {
		hit = check_create(h, body, &f);
		view_fact(req, "image", jd_str(body_member(body, "Image"))
				   ? json_string(jd_str(body_member(body, "Image")))
				   : NULL);
	} else if (need == (CK_DEVICES | CK_CGROUP)) {
		hit = resources(h, body, "", &f);
	} else if (need == CK_EXEC) {
		hit = check_exec(h, body, &f);
	} else if (need == CK_BINDS) {
		hit = check_volume(h, body, &f);
	} else if (need == CK_NETWORKS) {
		hit = check_network(h, body, &f);
	}
	if (!hit)
		return CNAUTHZ_IGNORE;
	view_fact(req, "host_access", json_string(f.msg));
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
