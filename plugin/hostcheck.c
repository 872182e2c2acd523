/* hostcheck.c - see hostcheck.h */
#include "hostcheck.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "body.h"
#include "hostpath.h"

bool host_allowed(const struct host *h, enum host_list l, const char *v)
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
	if (host_allowed(h, L_BIND, res))
		return false;
	return FOUND(f, "%s binds host path %.120s%s%.120s%s", what, src,
		     strcmp(src, res) != 0 ? " (resolved: " : "",
		     strcmp(src, res) != 0 ? res : "",
		     strcmp(src, res) != 0 ? ")" : "");
}

/* File system types the local driver may mount that reach neither the
 * host's files or kernel state (proc, sysfs, devtmpfs, cgroup, overlay
 * with lowerdir=/... all would) nor the network from the host's own
 * namespace, as root (nfs, cifs: dockerd mounts them, with addr=). */
static bool fs_type_contained(const struct host *h, const char *t)
{
	/* none and bind mount the device path, judged as a bind before */
	return strcasecmp(t, "tmpfs") == 0 || strcasecmp(t, "none") == 0 ||
	       strcasecmp(t, "bind") == 0 || host_allowed(h, L_VOLTYPE, t);
}

/* An "addr=" among the comma-separated mount options o. */
static bool has_addr_opt(const char *o)
{
	for (const char *p = o; p != NULL; p = strchr(p, ',')) {
		p += *p == ',';
		if (strncasecmp(p, "addr=", 5) == 0)
			return true;
	}
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
	if (type != NULL && !fs_type_contained(h, type))
		return FOUND(f, "%s mounts a file system of type \"%.20s\"",
			     what, type);
	if (dev != NULL && dev[0] == '/') {
		if (host_path(h, dev, what, f))
			return true;
	} else if (bind || (type != NULL && (strcasecmp(type, "none") == 0 ||
					     strcasecmp(type, "bind") == 0))) {
		return FOUND(f, "%s mounts a host path (type=%.20s o=%.40s)",
			     what, type ? type : "", o ? o : "");
	}
	if (o != NULL && has_addr_opt(o) &&
	    (type == NULL || !host_allowed(h, L_VOLTYPE, type)))
		return FOUND(f, "%s mounts from a network address (o=%.60s)",
			     what, o);
	return false;
}

static bool volume_driver(const struct host *h, const char *driver,
			  const char *what, struct found *f)
{
	if (driver == NULL || driver[0] == '\0' ||
	    strcasecmp(driver, "local") == 0 || host_allowed(h, L_VOLDRIVER, driver))
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

				if (p == NULL || !host_allowed(h, L_DEVICE, p))
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
	if ((h->checks & CK_OOM) && truthy(r, "OomKillDisable"))
		return FOUND(f, "%sOomKillDisable keeps it from the OOM killer: "
			     "it can exhaust the host's memory", where);
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

/* Log drivers that write only where dockerd keeps a container's logs. */
static bool log_driver_contained(const struct host *h, const char *t)
{
	return t[0] == '\0' || strcmp(t, "json-file") == 0 ||
	       strcmp(t, "local") == 0 || strcmp(t, "none") == 0 ||
	       host_allowed(h, L_LOGDRIVER, t);
}

/* Log options that name no address, socket or file: the size and
 * rotation of the files dockerd keeps, and what goes into a record. */
static bool log_opt_contained(const struct host *h, const char *k)
{
	static const char *const ok[] = {
		"max-size", "max-file", "compress", "labels", "labels-regex",
		"env", "env-regex", "tag", "mode", "max-buffer-size",
	};

	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
		if (strcmp(k, ok[i]) == 0)
			return true;
	return host_allowed(h, L_LOGOPT, k);
}

/*
 * LogConfig: dockerd runs the log driver itself, as root, in the host's
 * namespaces: syslog, gelf, fluentd, splunk and the rest write to any
 * address or host socket the options name. The driver and each option
 * key are allow-listed; an empty Type is the daemon's default driver,
 * which still takes the request's options.
 */
static bool log_config(const struct host *h, const struct jd_node *lc,
		       const char *w, struct found *f)
{
	const struct jd_node *t, *cfg;

	if (lc == NULL || jd_is(lc, JD_NULL))
		return false;
	if (!jd_is(lc, JD_OBJECT))
		return FOUND(f, "%sLogConfig is not an object", w);
	t = body_member(lc, "Type");
	if (t != NULL && !jd_is(t, JD_NULL) && !jd_is(t, JD_STRING))
		return FOUND(f, "%sLogConfig.Type is not a string", w);
	if (jd_str(t) != NULL && !log_driver_contained(h, jd_str(t)))
		return FOUND(f, "%sLogConfig.Type \"%.40s\": dockerd runs that log "
			     "driver as root, writing where its options point",
			     w, jd_str(t));
	cfg = body_member(lc, "Config");
	if (cfg == NULL || jd_is(cfg, JD_NULL))
		return false;
	if (!jd_is(cfg, JD_OBJECT))
		return FOUND(f, "%sLogConfig.Config is not an object", w);
	jd_foreach(cfg, e)
		if (!log_opt_contained(h, e->key))
			return FOUND(f, "%sLogConfig.Config sets \"%.60s\", a log "
				     "option cnauthz does not allow", w, e->key);
	return false;
}

/* OomScoreAdj below 0 makes the host's OOM killer spare the container and
 * kill host processes first. */
static bool oom_score(const struct jd_node *hc, const char *w,
		      struct found *f)
{
	const struct jd_node *v = body_member(hc, "OomScoreAdj");

	if (v == NULL || jd_is(v, JD_NULL))
		return false;
	if (!jd_is(v, JD_INT))
		return FOUND(f, "%sOomScoreAdj is not an integer", w);
	if (v->integer < 0)
		return FOUND(f, "%sOomScoreAdj is %lld: below 0 the OOM killer "
			     "takes host processes first", w, v->integer);
	return false;
}

/* A port number as Go's strconv.ParseUint(s, 10, 16) reads it. */
static int port_number(const char *s, size_t n)
{
	unsigned v = 0;

	if (n == 0 || n > 5)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	return v > 65535 ? -1 : (int)v;
}

/*
 * PortBindings: a container may take the host ports any unprivileged host
 * user could; the ports below 1024 are root's (a container answering on
 * the host's port 22, 53 or 443 impersonates the host). HostPort is "" or
 * "0" (any free port), "N" or "N-M".
 */
static bool port_bindings(const struct host *h, const struct jd_node *pb,
			  const char *w, struct found *f)
{
	if (pb == NULL || jd_is(pb, JD_NULL))
		return false;
	if (!jd_is(pb, JD_OBJECT))
		return FOUND(f, "%sPortBindings is not an object", w);
	jd_foreach(pb, port) {
		if (jd_is(port, JD_NULL))
			continue;
		if (!jd_is(port, JD_ARRAY))
			return FOUND(f, "%sPortBindings[%.20s] is not a list", w,
				     port->key);
		jd_foreach(port, b) {
			const struct jd_node *hp = body_member(b, "HostPort");
			const char *s = jd_str(hp), *dash;
			int lo, hi;

			if (!jd_is(b, JD_OBJECT) ||
			    (hp != NULL && !jd_is(hp, JD_NULL) && s == NULL))
				return FOUND(f, "%sPortBindings[%.20s] has an entry "
					     "cnauthz cannot read", w, port->key);
			if (s == NULL || s[0] == '\0')
				continue;
			dash = strchr(s, '-');
			lo = port_number(s, dash ? (size_t)(dash - s) : strlen(s));
			hi = dash ? port_number(dash + 1, strlen(dash + 1)) : lo;
			if (lo < 0 || hi < 0)
				return FOUND(f, "%sPortBindings[%.20s] HostPort "
					     "\"%.20s\" is not a port or range", w,
					     port->key, s);
			for (int p = lo; p <= hi && p < 1024; p++) {
				char num[12];

				snprintf(num, sizeof num, "%d", p);
				if (p != 0 && !host_allowed(h, L_PORT, num))
					return FOUND(f, "%sPortBindings binds host "
						     "port %d: ports below 1024 "
						     "are the host's", w, p);
			}
		}
	}
	return false;
}

/* Annotations (API 1.43+) go to the OCI runtime, which acts on some
 * (runc's systemd driver turns org.systemd.property.* into properties of
 * the container's unit): each key must be allowed by name. */
static bool annotations(const struct host *h, const struct jd_node *a,
			const char *w, struct found *f)
{
	if (a == NULL || jd_is(a, JD_NULL))
		return false;
	if (!jd_is(a, JD_OBJECT))
		return FOUND(f, "%sAnnotations is not an object", w);
	jd_foreach(a, e)
		if (!host_allowed(h, L_ANNOTATION, e->key))
			return FOUND(f, "%sAnnotations sets \"%.60s\", which the "
				     "runtime may act on", w, e->key);
	return false;
}

bool hostcheck_container(const struct host *h, const struct jd_node *body,
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

				if (c == NULL || !host_allowed(h, L_CAP, bare))
					return FOUND(f, "%sCapAdd adds %.40s", w,
						     c ? c : "a capability");
			}
		else if (nonempty(hc, "CapAdd"))
			return FOUND(f, "%sCapAdd is set", w);
		if (nonempty(hc, "Capabilities"))
			return FOUND(f, "%sCapabilities replaces the capability set", w);
	}
	if (h->checks & CK_NS) {
		/* another container's namespaces: unless the profile leaves
		 * them to the owner module (allow-join=namespaces) */
		bool other = !host_allowed(h, L_JOIN, "namespaces");

		if (ns_mode(hc, w, "NetworkMode", other, f) ||
		    ns_mode(hc, w, "PidMode", other, f) ||
		    ns_mode(hc, w, "IpcMode", other, f) ||
		    ns_mode(hc, w, "UTSMode", false, f) ||
		    ns_mode(hc, w, "UsernsMode", false, f) ||
		    ns_mode(hc, w, "CgroupnsMode", false, f) ||
		    ns_mode(hc, w, "Cgroup", other, f))
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
				if (!host_allowed(h, L_SYSCTL, e->key))
					return FOUND(f, "%sSysctls sets %.60s", w, e->key);
		if (v != NULL && !jd_is(v, JD_NULL) && !jd_is(v, JD_OBJECT))
			return FOUND(f, "%sSysctls is not an object", w);
	}
	if (h->checks & CK_RUNTIME) {
		const char *rt = str(hc, "Runtime");

		if (rt != NULL && rt[0] != '\0' && strcmp(rt, "runc") != 0 &&
		    !host_allowed(h, L_RUNTIME, rt))
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
	if ((h->checks & CK_VOLFROM) && nonempty(hc, "VolumesFrom") &&
	    !host_allowed(h, L_JOIN, "volumes-from"))
		return FOUND(f, "%sVolumesFrom mounts another container's volumes", w);
	if ((h->checks & CK_LOGGING) &&
	    log_config(h, body_member(hc, "LogConfig"), w, f))
		return true;
	if ((h->checks & CK_OOM) && oom_score(hc, w, f))
		return true;
	if ((h->checks & CK_PORTS) &&
	    port_bindings(h, body_member(hc, "PortBindings"), w, f))
		return true;
	if ((h->checks & CK_ANNOTATIONS) &&
	    annotations(h, body_member(hc, "Annotations"), w, f))
		return true;
	return false;
}

bool hostcheck_update(const struct host *h, const struct jd_node *body,
		      struct found *f)
{
	return resources(h, body, "", f);
}

bool hostcheck_exec(const struct host *h, const struct jd_node *body,
		       struct found *f)
{
	const char *u = str(body, "User");

	if (truthy(body, "Privileged"))
		return FOUND(f, "exec Privileged is true");
	if (u != NULL && u[0] != '\0' && !host_allowed(h, L_EXECUSER, u))
		return FOUND(f, "exec User chooses the user \"%.40s\"", u);
	if (body_member(body, "User") != NULL && u == NULL &&
	    !jd_is(body_member(body, "User"), JD_NULL))
		return FOUND(f, "exec User is not a string");
	return false;
}

bool hostcheck_volume(const struct host *h, const struct jd_node *body,
			 struct found *f)
{
	const char *d = str(body, "Driver");

	if (volume_driver(h, d, "volume Driver", f))
		return true;
	return local_opts(h, body_member(body, "DriverOpts"),
			  "volume DriverOpts", f);
}

bool hostcheck_network(const struct host *h, const struct jd_node *body,
			  struct found *f)
{
	const char *d = str(body, "Driver");
	const struct jd_node *o = body_member(body, "Options");

	if (d != NULL && d[0] != '\0' && strcasecmp(d, "bridge") != 0 &&
	    !host_allowed(h, L_NETDRIVER, d))
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

