/*
 * hostcheck.h - the hostaccess catalogue: what in a request body gives a
 * container (or an exec, a volume, a network) the host. Used by the
 * hostaccess module (mod_hostaccess.c), which owns the options and decides
 * which check applies to which route.
 *
 * Each check reads a body as dockerd decodes it (body.h) and, on the first
 * thing it finds, writes a message naming the field into f->msg and
 * returns true. A check never grants: false only means "nothing here".
 */
#ifndef CNZ_HOSTCHECK_H
#define CNZ_HOSTCHECK_H

#include <stdbool.h>
#include <stddef.h>

struct jd_node;

enum host_check {
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
	CK_LOGGING = 1 << 14,
	CK_OOM = 1 << 15,
	CK_PORTS = 1 << 16,
	CK_ANNOTATIONS = 1 << 17,
	CK_CHECKPOINT = 1 << 18,
	CK_REGISTRY = 1 << 19,
	CK_ALL = (1 << 20) - 1,
	/* what a container's HostConfig is judged by (create, legacy start) */
	CK_HOSTCONFIG = CK_PRIVILEGED | CK_CAPS | CK_NS | CK_DEVICES |
			CK_SECURITY | CK_SYSCTLS | CK_RUNTIME | CK_BINDS |
			CK_VOLFROM | CK_CGROUP | CK_LOGGING | CK_OOM |
			CK_PORTS | CK_ANNOTATIONS,
};

enum host_list {
	L_BIND,
	L_CAP,
	L_DEVICE,
	L_SYSCTL,
	L_RUNTIME,
	L_EXECUSER,
	L_VOLDRIVER,
	L_NETDRIVER,
	L_LOGDRIVER,
	L_LOGOPT,
	L_ANNOTATION,
	L_PORT,
	L_VOLTYPE,
	L_REGISTRY,
	L_JOIN, /* "namespaces", "volumes-from": left to the owner module */
	L_N
};

#define HOST_MAX_ALLOW 64

/* The module's options: which checks, and what each allow-* admits. */
struct host {
	unsigned checks;
	size_t n[L_N];
	char *allow[L_N][HOST_MAX_ALLOW];
};

/* What a check found: the first thing wins. */
struct found {
	char msg[320];
};

/* Is v admitted by the allow-* list l? (Binds: v is a resolved path.) */
bool host_allowed(const struct host *h, enum host_list l, const char *v);

/* A container's create body, or a legacy (API < 1.24) start body, which
 * dockerd decodes with the same wrapper: HostConfig, or the deprecated
 * top-level one when HostConfig is absent or null. */
bool hostcheck_container(const struct host *h, const struct jd_node *body,
			 struct found *f);
/* POST /containers/{id}/update: the Resources at the top level. */
bool hostcheck_update(const struct host *h, const struct jd_node *body,
		      struct found *f);
bool hostcheck_exec(const struct host *h, const struct jd_node *body,
		    struct found *f);
bool hostcheck_volume(const struct host *h, const struct jd_node *body,
		      struct found *f);
bool hostcheck_network(const struct host *h, const struct jd_node *body,
		       struct found *f);

#endif
