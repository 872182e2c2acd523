/*
 * objroute.h - which of dockerd's objects a call names in its path, and
 * what it does to them: the object-scoped routes of dockerd 20.10
 * (api/server/router/{container,checkpoint,network,volume,image}), read
 * as its router reads them. A "{name:.*}" spans '/': the name is all that
 * lies between the route's prefix and its suffix ("POST
 * /containers/web/db/start" starts "web/db"); the checkpoint router's
 * "DELETE /containers/{name}/checkpoints/{checkpoint}", registered first,
 * takes one segment.
 */
#ifndef CNZ_OBJROUTE_H
#define CNZ_OBJROUTE_H

#include <stddef.h>

#include "owners.h"

enum objroute_op {
	OR_NONE = 0,      /* not an object-scoped call */
	OR_READ,          /* GET/HEAD of one object */
	OR_ACT,           /* changes or uses one object */
	OR_START,         /* container start: a HostConfig body below 1.24 */
	OR_DELETE,        /* removes one object */
	OR_RENAME,        /* container rename: q name */
	OR_EXEC_CREATE,   /* POST /containers/{name}/exec */
	OR_CONNECT,       /* network connect, disconnect: body Container */
	OR_CREATE_CONTAINER, /* q name; body references */
	OR_CREATE_VOLUME, /* body Name */
	OR_CREATE_NETWORK, /* body Name */
	OR_COMMIT,        /* q container, repo, tag */
	OR_TAG,           /* POST /images/{name}/tag: q repo, tag */
	OR_IMAGE_DELETE,  /* DELETE /images/{name} */
	OR_IMAGE_CREATE,  /* POST /images/create: a pull or an import */
	OR_BUILD,         /* POST /build: q t (any number) */
	OR_LOAD,          /* POST /images/load */
	OR_PRUNE,         /* POST /{containers,networks,volumes,images}/prune */
};

struct objroute {
	enum objroute_op op;
	enum own_kind kind; /* of the object in the path (or made) */
	const char *ref;    /* the name in the path: a slice of it */
	size_t reflen;
};

struct jd_node;

/* The HostConfig of a container create (or legacy start) body as dockerd
 * reads it: "HostConfig", or the deprecated top-level one when that is
 * absent or null (*where: "HostConfig." or "top-level "). */
const struct jd_node *objroute_hostconfig(const struct jd_node *body,
					  const char **where);
/* The named volumes such a HostConfig mounts - Binds "name:/dst[:mode]"
 * (a source with no '/'), Mounts of type volume with a Source - each
 * given to fn with the field it came from ("Binds", "Mounts"). */
void objroute_volumes(const struct jd_node *hc,
		      void (*fn)(void *arg, const char *name,
				 const char *field),
		      void *arg);

/* method: view_method_bit_of's bit; path: the canonical path. Fills out
 * (op OR_NONE when the call names no object) and returns out->op. */
enum objroute_op objroute_match(unsigned method, const char *path,
				struct objroute *out);

#endif
