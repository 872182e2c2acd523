/*
 * owners_impl.h - the inside of the ownership store, private to owners.c
 * and ownstate.c (the state file) and to no other file.
 *
 * The state file needs what owners.h keeps hidden: it writes what each
 * object holds, not what a lookup answers (an exec's own owner, not its
 * container's; an empty CreatedAt apart from none), and it reads a whole
 * file under one write lock, counting no change, marking each object
 * unverified and leaving the store empty when the file is refused.
 */
#ifndef CNZ_OWNERS_IMPL_H
#define CNZ_OWNERS_IMPL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "owners.h"

struct obj {
	char *key;
	char *name;  /* containers and networks, else NULL */
	char *extra; /* exec: container ID; volume: CreatedAt; tag: image */
	char *cn;    /* NULL: unowned */
	char *ou;
	uint64_t touched;      /* the clock when last put */
	int64_t pending_until; /* a claimed volume not yet confirmed */
	bool unverified;       /* from the state file, not yet listed */
};

/* Objects sorted by key, and by (name, key) for those with a name. */
struct index {
	struct obj **v;
	size_t n, cap;
};

struct kindset {
	struct index bykey, byname;
};

/* The locks, apart: readers get a const store and still lock it. */
struct locks {
	pthread_rwlock_t rw;
	pthread_mutex_t fault;
};

struct owners {
	struct locks *locks;
	struct kindset k[OWN_NKINDS];
	uint64_t clock;
	atomic_uint_fast64_t changes;
	atomic_uint faults;
	char why[3][256]; /* under locks->fault */
};

/* The caller holds locks->rw: a read lock for own_get and own_by_name, a
 * write lock for own_put_locked and own_clear (or the store is the
 * caller's alone, as in owners_free). */

/* The object key in ks, or NULL. */
struct obj *own_get(const struct kindset *ks, const char *key);
/* Objects with this name: the first in *first, their count (up to 2). */
unsigned own_by_name(const struct kindset *ks, const char *name,
		     const struct obj **first);
/* owners_put without the lock, and without counting a change. */
int own_put_locked(struct owners *o, enum own_kind k, const char *key,
		   const struct own_put *p);
/* Forgets every object. */
void own_clear(struct owners *o);

#endif
