/* owners.c - see owners.h */
#include "owners.h"
#include "owners_impl.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ownname.h"
#include "text.h"

static const char *const kind_names[OWN_NKINDS] = {
	"container", "exec", "volume", "network", "tag",
};

const char *owners_kind_name(enum own_kind k)
{
	return (unsigned)k < OWN_NKINDS ? kind_names[k] : "object";
}

/* --- the indexes ----------------------------------------------------------- */

static int cmp_key(const struct obj *a, const char *key)
{
	return strcmp(a->key, key);
}

static int cmp_name(const struct obj *a, const char *name, const char *key)
{
	int c = strcmp(a->name, name);

	return c != 0 ? c : strcmp(a->key, key);
}

/* The first position whose key is >= key. */
static size_t lower_key(const struct index *ix, const char *key)
{
	size_t lo = 0, hi = ix->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cmp_key(ix->v[mid], key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The first position whose (name, key) is >= (name, key). */
static size_t lower_name(const struct index *ix, const char *name,
			 const char *key)
{
	size_t lo = 0, hi = ix->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cmp_name(ix->v[mid], name, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int ix_insert(struct index *ix, size_t at, struct obj *ob)
{
	if (ix->n == ix->cap) {
		size_t nc = ix->cap ? ix->cap * 2 : 16;
		struct obj **nv = realloc(ix->v, nc * sizeof *nv);

		if (nv == NULL)
			return -1;
		ix->v = nv;
		ix->cap = nc;
	}
	memmove(ix->v + at + 1, ix->v + at, (ix->n - at) * sizeof *ix->v);
	ix->v[at] = ob;
	ix->n++;
	return 0;
}

static void ix_delete(struct index *ix, size_t at)
{
	memmove(ix->v + at, ix->v + at + 1, (ix->n - at - 1) * sizeof *ix->v);
	ix->n--;
}

struct obj *own_get(const struct kindset *ks, const char *key)
{
	size_t at = lower_key(&ks->bykey, key);

	if (at < ks->bykey.n && cmp_key(ks->bykey.v[at], key) == 0)
		return ks->bykey.v[at];
	return NULL;
}

static void obj_free(struct obj *ob)
{
	if (ob == NULL)
		return;
	free(ob->key);
	free(ob->name);
	free(ob->extra);
	free(ob->cn);
	free(ob->ou);
	free(ob);
}

static void unname(struct kindset *ks, struct obj *ob)
{
	size_t at;

	if (ob->name == NULL)
		return;
	at = lower_name(&ks->byname, ob->name, ob->key);
	if (at < ks->byname.n && ks->byname.v[at] == ob)
		ix_delete(&ks->byname, at);
}

static int rename_obj(struct kindset *ks, struct obj *ob, const char *name)
{
	char *n;

	if (ob->name != NULL && strcmp(ob->name, name) == 0)
		return 0;
	if ((n = strdup(name)) == NULL)
		return -1;
	unname(ks, ob);
	free(ob->name);
	ob->name = n;
	if (ix_insert(&ks->byname, lower_name(&ks->byname, n, ob->key), ob) < 0) {
		free(ob->name);
		ob->name = NULL;
		return -1;
	}
	return 0;
}

static void drop(struct kindset *ks, struct obj *ob)
{
	size_t at = lower_key(&ks->bykey, ob->key);

	unname(ks, ob);
	if (at < ks->bykey.n && ks->bykey.v[at] == ob)
		ix_delete(&ks->bykey, at);
	obj_free(ob);
}

static int set_str(char **dst, const char *s)
{
	char *n;

	if (s == NULL) {
		free(*dst);
		*dst = NULL;
		return 0;
	}
	if (*dst != NULL && strcmp(*dst, s) == 0)
		return 0;
	if ((n = strdup(s)) == NULL)
		return -1;
	free(*dst);
	*dst = n;
	return 0;
}

/* --- life ------------------------------------------------------------------ */

struct owners *owners_new(void)
{
	struct owners *o = calloc(1, sizeof *o);
	pthread_rwlockattr_t a;

	if (o == NULL || (o->locks = calloc(1, sizeof *o->locks)) == NULL) {
		free(o);
		return NULL;
	}
	/* a steady stream of readers must not starve a writer */
	pthread_rwlockattr_init(&a);
	pthread_rwlockattr_setkind_np(&a,
				      PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&o->locks->rw, &a);
	pthread_rwlockattr_destroy(&a);
	pthread_mutex_init(&o->locks->fault, NULL);
	atomic_init(&o->changes, 0);
	atomic_init(&o->faults, 0);
	return o;
}

void own_clear(struct owners *o)
{
	for (int k = 0; k < OWN_NKINDS; k++) {
		struct kindset *ks = &o->k[k];

		for (size_t i = 0; i < ks->bykey.n; i++)
			obj_free(ks->bykey.v[i]);
		free(ks->bykey.v);
		free(ks->byname.v);
		memset(ks, 0, sizeof *ks);
	}
}

void owners_free(struct owners *o)
{
	if (o == NULL)
		return;
	own_clear(o);
	pthread_rwlock_destroy(&o->locks->rw);
	pthread_mutex_destroy(&o->locks->fault);
	free(o->locks);
	free(o);
}

/* --- lookups --------------------------------------------------------------- */

static void copy_out(const struct owners *o, enum own_kind k,
		     const struct obj *ob, const char *how,
		     struct own_obj *out)
{
	const char *cn = ob->cn, *ou = ob->ou;

	out->kind = k;
	text_join(out->key, sizeof out->key, ob->key, NULL);
	text_join(out->name, sizeof out->name, ob->name ? ob->name : "", NULL);
	text_join(out->extra, sizeof out->extra, ob->extra ? ob->extra : "",
		  NULL);
	if (k == OWN_EXEC && cn == NULL && ob->extra != NULL) {
		/* an exec cnauthz did not see made: its container's owner */
		const struct obj *c = own_get(&o->k[OWN_CONTAINER], ob->extra);

		if (c != NULL) {
			cn = c->cn;
			ou = c->ou;
		}
	}
	text_join(out->cn, sizeof out->cn, cn ? cn : "", NULL);
	text_join(out->ou, sizeof out->ou, ou ? ou : "", NULL);
	out->how = how;
	out->nmatch = 1;
	out->pending = ob->pending_until > 0;
}

/* Objects with this name: the first in *first, their count (up to 2). */
unsigned own_by_name(const struct kindset *ks, const char *name,
		     const struct obj **first)
{
	size_t at = lower_name(&ks->byname, name, "");
	unsigned n = 0;

	*first = NULL;
	for (; at < ks->byname.n && strcmp(ks->byname.v[at]->name, name) == 0;
	     at++) {
		if (n++ == 0)
			*first = ks->byname.v[at];
		if (n == 2)
			break;
	}
	return n;
}

/* Objects whose key starts with prefix: the first, their count (up to 2). */
static unsigned by_prefix(const struct kindset *ks, const char *prefix,
			  const struct obj **first)
{
	size_t len = strlen(prefix), at = lower_key(&ks->bykey, prefix);
	unsigned n = 0;

	*first = NULL;
	for (; at < ks->bykey.n && strncmp(ks->bykey.v[at]->key, prefix, len) == 0;
	     at++) {
		if (n++ == 0)
			*first = ks->bykey.v[at];
		if (n == 2)
			break;
	}
	return n;
}

static enum own_match find_locked(const struct owners *o, enum own_kind k,
				  const char *ref, bool names_only,
				  struct own_obj *out)
{
	const struct kindset *ks = &o->k[k];
	const struct obj *ob;
	const char *name = ref;
	unsigned n;

	out->nmatch = 0;
	out->how = "";
	if (ref[0] == '\0') {
		out->how = "an empty reference";
		return OWN_BADREF;
	}
	if (!names_only && (ob = own_get(ks, ref)) != NULL) {
		copy_out(o, k, ob,
			 k == OWN_VOLUME ? "name" : k == OWN_TAG ? "tag" : "ID",
			 out);
		return OWN_FOUND;
	}
	if (k == OWN_VOLUME || k == OWN_EXEC || k == OWN_TAG)
		return OWN_UNKNOWN;
	if (k == OWN_CONTAINER) {
		/* GetByName: "/" + name unless it starts with one */
		if (name[0] == '/')
			name++;
		if (strchr(name, '/') != NULL) {
			out->how = "a link alias (a name with a '/' in it), which cnauthz does not follow";
			return OWN_BADREF;
		}
	}
	n = own_by_name(ks, name, &ob);
	if (n == 1) {
		copy_out(o, k, ob, "name", out);
		return OWN_FOUND;
	}
	if (n > 1) { /* networks only: container names are unique */
		out->how = "name";
		out->nmatch = n;
		return OWN_AMBIGUOUS;
	}
	if (names_only)
		return OWN_UNKNOWN;
	n = by_prefix(ks, ref, &ob);
	if (n == 1) {
		copy_out(o, k, ob, "ID prefix", out);
		return OWN_FOUND;
	}
	if (n > 1) {
		out->how = "ID prefix";
		out->nmatch = n;
		return OWN_AMBIGUOUS;
	}
	return OWN_UNKNOWN;
}

enum own_match owners_find(const struct owners *o, enum own_kind k,
			   const char *ref, struct own_obj *out)
{
	enum own_match m;

	/* no memset: what is found is copied whole (copy_out), and
	 * otherwise only how and nmatch are read */
	out->kind = k;
	out->key[0] = out->name[0] = out->cn[0] = out->ou[0] = '\0';
	out->extra[0] = '\0';
	out->pending = false;
	if ((unsigned)k >= OWN_NKINDS)
		return OWN_BADREF;
	pthread_rwlock_rdlock(&o->locks->rw);
	m = find_locked(o, k, ref, false, out);
	pthread_rwlock_unlock(&o->locks->rw);
	return m;
}

enum own_match owners_find_name(const struct owners *o, enum own_kind k,
				const char *name, struct own_obj *out)
{
	enum own_match m;

	memset(out, 0, sizeof *out);
	out->kind = k;
	if (k != OWN_CONTAINER && k != OWN_NETWORK)
		return OWN_BADREF;
	pthread_rwlock_rdlock(&o->locks->rw);
	m = find_locked(o, k, name, true, out);
	pthread_rwlock_unlock(&o->locks->rw);
	return m;
}

int owners_each_tag(const struct owners *o, const char *repo,
		    int (*fn)(void *arg, const struct own_obj *t), void *arg)
{
	const struct kindset *ks = &o->k[OWN_TAG];
	size_t len = strlen(repo), at;
	struct own_obj *t = malloc(sizeof *t);
	int rc = 0;

	if (t == NULL)
		return -1;
	pthread_rwlock_rdlock(&o->locks->rw);
	/* "repo:" sorts before "repo:x" and after "repo" itself */
	for (at = lower_key(&ks->bykey, repo); at < ks->bykey.n && rc == 0;
	     at++) {
		const struct obj *ob = ks->bykey.v[at];

		if (strncmp(ob->key, repo, len) != 0)
			break;
		if (ob->key[len] != ':')
			continue; /* "repo2:x", "repo/sub:x" */
		memset(t, 0, sizeof *t);
		copy_out(o, OWN_TAG, ob, "tag", t);
		rc = fn(arg, t);
	}
	pthread_rwlock_unlock(&o->locks->rw);
	free(t);
	return rc;
}

/* --- changes --------------------------------------------------------------- */

static void changed(struct owners *o)
{
	atomic_fetch_add(&o->changes, 1);
}

/* The object key of kind k, made when missing; NULL on a bad key, a full
 * kind or no memory. */
static struct obj *obtain(struct owners *o, enum own_kind k, const char *key)
{
	struct kindset *ks = &o->k[k];
	size_t at = lower_key(&ks->bykey, key);
	struct obj *ob;

	if (at < ks->bykey.n && cmp_key(ks->bykey.v[at], key) == 0)
		return ks->bykey.v[at];
	if (!owners_key_valid(k, key))
		return NULL;
	if (k == OWN_EXEC && ks->bykey.n >= OWNERS_MAX_EXECS) {
		/* the exec touched longest ago goes */
		struct obj *old = ks->bykey.v[0];

		for (size_t i = 1; i < ks->bykey.n; i++)
			if (ks->bykey.v[i]->touched < old->touched)
				old = ks->bykey.v[i];
		drop(ks, old);
		at = lower_key(&ks->bykey, key);
	}
	if (ks->bykey.n >= OWNERS_MAX_OBJECTS)
		return NULL;
	ob = calloc(1, sizeof *ob);
	if (ob == NULL || (ob->key = strdup(key)) == NULL ||
	    ix_insert(&ks->bykey, at, ob) < 0) {
		obj_free(ob);
		return NULL;
	}
	return ob;
}

int own_put_locked(struct owners *o, enum own_kind k, const char *key,
		   const struct own_put *p)
{
	struct kindset *ks = &o->k[k];
	struct obj *ob;

	if ((p->name != NULL && !owners_name_valid(k, p->name)) ||
	    (p->extra != NULL && !owners_extra_valid(k, p->extra)) ||
	    (p->cn != NULL && p->cn[0] != '\0' && !owners_owner_valid(p->cn)) ||
	    (p->ou != NULL && p->ou[0] != '\0' && !owners_ou_valid(p->ou)))
		return -1;
	if ((ob = obtain(o, k, key)) == NULL)
		return -1;
	ob->touched = ++o->clock;
	ob->pending_until = 0;
	if (k == OWN_CONTAINER && p->name != NULL) {
		/* dockerd's names are unique: another container that had
		 * this one is stale (its rename or removal went unseen) */
		size_t at = lower_name(&ks->byname, p->name, "");

		while (at < ks->byname.n &&
		       strcmp(ks->byname.v[at]->name, p->name) == 0) {
			struct obj *st = ks->byname.v[at];

			if (st == ob) {
				at++;
				continue;
			}
			ix_delete(&ks->byname, at);
			free(st->name);
			st->name = NULL;
		}
	}
	if (p->name != NULL && rename_obj(ks, ob, p->name) < 0)
		return -1;
	if (p->extra != NULL && set_str(&ob->extra, p->extra) < 0)
		return -1;
	if (p->cn != NULL && !(p->claim && ob->cn != NULL)) {
		if (p->cn[0] == '\0') {
			set_str(&ob->cn, NULL);
			set_str(&ob->ou, NULL);
		} else if (set_str(&ob->cn, p->cn) < 0 ||
			   set_str(&ob->ou, p->ou != NULL && p->ou[0] != '\0'
						    ? p->ou
						    : NULL) < 0) {
			return -1;
		}
	}
	return 0;
}

int owners_put(struct owners *o, enum own_kind k, const char *key,
	       const struct own_put *p)
{
	int rc;

	if ((unsigned)k >= OWN_NKINDS)
		return -1;
	pthread_rwlock_wrlock(&o->locks->rw);
	rc = own_put_locked(o, k, key, p);
	pthread_rwlock_unlock(&o->locks->rw);
	changed(o);
	return rc;
}

/* Forgets the execs of container id; how many. */
static long drop_execs_of(struct owners *o, const char *id)
{
	struct kindset *ks = &o->k[OWN_EXEC];
	long n = 0;

	for (size_t i = ks->bykey.n; i-- > 0;) {
		struct obj *e = ks->bykey.v[i];

		if (e->extra != NULL && strcmp(e->extra, id) == 0) {
			drop(ks, e);
			n++;
		}
	}
	return n;
}

bool owners_remove(struct owners *o, enum own_kind k, const char *key)
{
	struct obj *ob;

	if ((unsigned)k >= OWN_NKINDS)
		return false;
	pthread_rwlock_wrlock(&o->locks->rw);
	ob = own_get(&o->k[k], key);
	if (ob != NULL) {
		if (k == OWN_CONTAINER)
			drop_execs_of(o, ob->key);
		drop(&o->k[k], ob);
	}
	pthread_rwlock_unlock(&o->locks->rw);
	if (ob != NULL)
		changed(o);
	return ob != NULL;
}

/* A claim past its time is no claim. */
static bool expired(const struct obj *ob, int64_t now_ms)
{
	return ob->pending_until > 0 && ob->pending_until <= now_ms;
}

int owners_claim(struct owners *o, const char *name, const char *cn,
		 const char *ou, int64_t now_ms, int64_t ttl_ms)
{
	struct kindset *ks = &o->k[OWN_VOLUME];
	struct obj *ob;
	int rc = 1;

	if (!owners_key_valid(OWN_VOLUME, name) || !owners_owner_valid(cn))
		return -1;
	pthread_rwlock_wrlock(&o->locks->rw);
	ob = own_get(ks, name);
	if (ob != NULL && expired(ob, now_ms)) {
		drop(ks, ob);
		ob = NULL;
	}
	if (ob != NULL) {
		/* exists, or another create is making it */
		rc = ob->pending_until > 0 && ob->cn != NULL &&
		     strcmp(ob->cn, cn) == 0;
		if (rc)
			ob->pending_until = now_ms + ttl_ms;
	} else if ((ob = obtain(o, OWN_VOLUME, name)) == NULL ||
		   set_str(&ob->cn, cn) < 0 ||
		   set_str(&ob->ou, ou != NULL && ou[0] ? ou : NULL) < 0) {
		if (ob != NULL)
			drop(ks, ob);
		rc = -1;
	} else {
		ob->touched = ++o->clock;
		ob->pending_until = now_ms + ttl_ms;
	}
	pthread_rwlock_unlock(&o->locks->rw);
	return rc;
}

void owners_claim_end(struct owners *o, const char *name, const char *cn,
		      bool created)
{
	struct kindset *ks = &o->k[OWN_VOLUME];
	struct obj *ob;

	pthread_rwlock_wrlock(&o->locks->rw);
	ob = own_get(ks, name);
	if (ob != NULL && ob->pending_until > 0 && ob->cn != NULL &&
	    strcmp(ob->cn, cn) == 0) {
		if (created) {
			ob->pending_until = 0;
			ob->touched = ++o->clock;
		} else {
			drop(ks, ob);
		}
	} else {
		ob = NULL;
	}
	pthread_rwlock_unlock(&o->locks->rw);
	if (ob != NULL && created)
		changed(o);
}

void owners_expire(struct owners *o, int64_t now_ms)
{
	struct kindset *ks = &o->k[OWN_VOLUME];

	pthread_rwlock_wrlock(&o->locks->rw);
	for (size_t i = ks->bykey.n; i-- > 0;)
		if (expired(ks->bykey.v[i], now_ms))
			drop(ks, ks->bykey.v[i]);
	pthread_rwlock_unlock(&o->locks->rw);
}

uint64_t owners_clock(const struct owners *o)
{
	uint64_t c;

	pthread_rwlock_rdlock(&o->locks->rw);
	c = o->clock;
	pthread_rwlock_unlock(&o->locks->rw);
	return c;
}

long owners_sync(struct owners *o, enum own_kind k,
		 const struct own_item *items, size_t n, uint64_t since)
{
	struct kindset *ks = &o->k[k];
	long gone = 0;

	if ((unsigned)k >= OWN_NKINDS)
		return -1;
	pthread_rwlock_wrlock(&o->locks->rw);
	for (size_t i = 0; i < n; i++) {
		struct obj *ob = own_get(ks, items[i].key);
		struct own_put p = {.name = items[i].name,
				    .extra = items[i].extra};

		/* what the state file said, and dockerd now contradicts: a
		 * volume or tag made again while cnauthz was not looking is
		 * not the old owner's */
		if (ob != NULL && ob->unverified && items[i].extra != NULL &&
		    ob->extra != NULL && strcmp(ob->extra, items[i].extra) != 0)
			p.cn = "";
		if (ob != NULL)
			ob->unverified = false;
		/* a malformed item is left out; it is dockerd's answer, not
		 * ours to refuse whole */
		(void)own_put_locked(o, k, items[i].key, &p);
	}
	for (size_t i = ks->bykey.n; i-- > 0;) {
		struct obj *ob = ks->bykey.v[i];

		if (ob->touched > since)
			continue;
		if (k == OWN_CONTAINER)
			gone += drop_execs_of(o, ob->key);
		drop(ks, ob);
		gone++;
	}
	if (k == OWN_CONTAINER) {
		struct kindset *ex = &o->k[OWN_EXEC];

		for (size_t i = ex->bykey.n; i-- > 0;) {
			struct obj *e = ex->bykey.v[i];

			if (e->extra == NULL || own_get(ks, e->extra) == NULL) {
				drop(ex, e);
				gone++;
			}
		}
	}
	pthread_rwlock_unlock(&o->locks->rw);
	changed(o);
	return gone;
}

/* --- faults ---------------------------------------------------------------- */

static int fault_slot(enum own_fault f)
{
	return f == OWN_FAULT_UNLISTED ? 0 : f == OWN_FAULT_READ ? 1 : 2;
}

void owners_fault(struct owners *o, enum own_fault f, const char *why)
{
	pthread_mutex_lock(&o->locks->fault);
	if (why != NULL) {
		text_join(o->why[fault_slot(f)], sizeof o->why[0], why, NULL);
		atomic_fetch_or(&o->faults, (unsigned)f);
	} else {
		atomic_fetch_and(&o->faults, ~(unsigned)f);
	}
	pthread_mutex_unlock(&o->locks->fault);
}

unsigned owners_faults(const struct owners *o)
{
	return atomic_load(&o->faults);
}

const char *owners_health(const struct owners *o, char *buf, size_t bufsz)
{
	unsigned f = atomic_load(&o->faults);
	int slot;

	if (f == 0)
		return NULL;
	/* the most fundamental first */
	slot = (f & OWN_FAULT_READ) ? 1 : (f & OWN_FAULT_WRITE) ? 2 : 0;
	pthread_mutex_lock(&o->locks->fault);
	text_join(buf, bufsz, o->why[slot], NULL);
	pthread_mutex_unlock(&o->locks->fault);
	return buf;
}

/* --- counts ---------------------------------------------------------------- */

uint64_t owners_changes(const struct owners *o)
{
	return atomic_load(&o->changes);
}

size_t owners_count(const struct owners *o, enum own_kind k, size_t *owned)
{
	size_t n, w = 0;

	pthread_rwlock_rdlock(&o->locks->rw);
	n = o->k[k].bykey.n;
	for (size_t i = 0; i < n; i++)
		w += o->k[k].bykey.v[i]->cn != NULL;
	pthread_rwlock_unlock(&o->locks->rw);
	if (owned != NULL)
		*owned = w;
	return n;
}
