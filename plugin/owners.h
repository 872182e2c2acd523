/*
 * owners.h - dockerd's objects as cnauthz knows them, and who owns each:
 * containers (full ID, name), exec instances (ID, container), volumes
 * (name), networks (ID, name) and image tags (the normalised reference,
 * "docker.io/library/busybox:latest").
 *
 * The objects come from dockerd (a listing at start, its /events after
 * that: tenancy.h) and from the answers to creates cnauthz allowed
 * (learn.h); the owners only from those answers, or from an
 * administrator. References resolve exactly as dockerd 20.10 resolves
 * them (owners_find). The store is shared by every request thread: reads
 * take a read lock and copy what they found out, so nothing they return
 * outlives the lock.
 *
 * The state file that keeps it across restarts: ownstate.h.
 */
#ifndef CNZ_OWNERS_H
#define CNZ_OWNERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum own_kind {
	OWN_CONTAINER,
	OWN_EXEC,
	OWN_VOLUME,
	OWN_NETWORK,
	OWN_TAG,
	OWN_NKINDS
};

#define OWN_CN_MAX 65    /* a CN (64 bytes) or "@local", and a NUL */
#define OWN_OU_MAX 65
#define OWN_KEY_MAX 512  /* ID, volume name or normalised tag */
#define OWN_NAME_MAX 256
#define OWN_ID_LEN 64    /* a container, exec or network ID: hex */

/* Limits on what the store keeps, and on the state file. */
#define OWNERS_MAX_OBJECTS 1000000 /* per kind */
#define OWNERS_MAX_EXECS 65536     /* then the oldest exec goes */
#define OWNERS_MAX_FILE (256u << 20)

/* "container", "exec", ... */
const char *owners_kind_name(enum own_kind k);

/* What a lookup found: a copy. */
struct own_obj {
	enum own_kind kind;
	char key[OWN_KEY_MAX];   /* full ID, volume name or tag */
	char name[OWN_NAME_MAX]; /* container or network name, or "" */
	char cn[OWN_CN_MAX];     /* the owner, "" when unowned */
	char ou[OWN_OU_MAX];     /* the owner's OU when it made it, or "" */
	char extra[OWN_KEY_MAX]; /* exec: its container's ID; volume:
				  * CreatedAt; tag: the image ID; or "" */
	const char *how;         /* "ID", "name", "ID prefix" */
	unsigned nmatch;         /* OWN_AMBIGUOUS: how many matched */
	bool pending;            /* a volume a create is making */
};

enum own_match {
	OWN_FOUND,
	OWN_UNKNOWN,   /* nothing by that reference */
	OWN_AMBIGUOUS, /* more than one: dockerd refuses it too */
	OWN_BADREF,    /* a reference cnauthz does not resolve (out->how) */
};

struct owners;

struct owners *owners_new(void);
void owners_free(struct owners *o);

/*
 * Resolves ref as dockerd does. Containers (daemon.GetContainer): a full
 * ID, then a name with or without one leading '/', then a unique ID
 * prefix; a name with another '/' is a link alias, which cnauthz does not
 * follow (OWN_BADREF). Networks (FindNetwork): a full ID, then a name
 * (several networks may share one: ambiguous), then a unique ID prefix.
 * Volumes: the name. Execs: the full ID. Tags: the normalised tag. An
 * exec's owner is its creator when cnauthz saw the create, else its
 * container's owner.
 */
enum own_match owners_find(const struct owners *o, enum own_kind k,
			   const char *ref, struct own_obj *out);
/* The container or network called exactly name (no ID, no prefix). */
enum own_match owners_find_name(const struct owners *o, enum own_kind k,
				const char *name, struct own_obj *out);
/* Calls fn for each tag of repository repo ("docker.io/library/x"), until
 * fn answers non-zero, which is returned; 0 after the last. */
int owners_each_tag(const struct owners *o, const char *repo,
		    int (*fn)(void *arg, const struct own_obj *t), void *arg);

/*
 * Records that dockerd has the object key of kind k (touching it: see
 * owners_sync). name and extra replace what is known when not NULL. cn
 * NULL keeps the owner, "" makes the object unowned, a CN makes it that
 * CN's (with ou, or none when NULL) - unless claim is set and the object
 * already has another owner. 0, or -1 when the key is malformed, a limit
 * is reached or memory is out.
 */
struct own_put {
	const char *name;
	const char *extra;
	const char *cn;
	const char *ou;
	bool claim;
};
int owners_put(struct owners *o, enum own_kind k, const char *key,
	       const struct own_put *p);
/* Forgets the object (a container takes its execs along). True when it
 * was known. */
bool owners_remove(struct owners *o, enum own_kind k, const char *key);

/*
 * A volume a container create will make (a Binds or Mounts volume that
 * does not exist yet): claimed for cn when the create is allowed, so no
 * one else can take the name meanwhile; owners_claim_end confirms it
 * (the create succeeded: the volume exists, cn owns it) or drops it.
 * Unconfirmed claims end by themselves after ttl_ms (now_ms and ttl_ms on
 * CLOCK_MONOTONIC). owners_claim answers 1 when claimed (or already cn's),
 * 0 when the name is taken, -1 on a bad name or no memory.
 */
int owners_claim(struct owners *o, const char *name, const char *cn,
		 const char *ou, int64_t now_ms, int64_t ttl_ms);
void owners_claim_end(struct owners *o, const char *name, const char *cn,
		      bool created);
void owners_expire(struct owners *o, int64_t now_ms);

/*
 * A full listing of kind k from dockerd, asked for when owners_clock
 * answered since: every item is put (name, extra); what the state file
 * said and the listing contradicts (a volume's CreatedAt, a tag's image)
 * loses its owner; and every object of kind k not in the listing and not
 * touched since is forgotten (it went away while nobody looked). Returns
 * how many objects were forgotten, or -1 (out of memory: nothing
 * forgotten). A container listing also forgets the execs of containers
 * that are gone.
 */
struct own_item {
	const char *key;
	const char *name;
	const char *extra;
};
uint64_t owners_clock(const struct owners *o);
long owners_sync(struct owners *o, enum own_kind k,
		 const struct own_item *items, size_t n, uint64_t since);

/*
 * Why ownership cannot be judged now, or none: the objects were never
 * listed (OWN_FAULT_UNLISTED), the state file cannot be read or written.
 * A fault is set with its reason and cleared with why NULL.
 */
enum own_fault {
	OWN_FAULT_UNLISTED = 1,
	OWN_FAULT_READ = 2,
	OWN_FAULT_WRITE = 4,
};
void owners_fault(struct owners *o, enum own_fault f, const char *why);
/* NULL when judgeable; else the reason, in buf. */
const char *owners_health(const struct owners *o, char *buf, size_t bufsz);
unsigned owners_faults(const struct owners *o);

/* Counts every change worth saving. */
uint64_t owners_changes(const struct owners *o);
/* Objects of kind k known (owned or not) and owned. */
size_t owners_count(const struct owners *o, enum own_kind k, size_t *owned);

/* The syntax of keys, names and owners: ownname.h. */

#endif
