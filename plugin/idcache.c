/* idcache.c - see idcache.h */
#include "idcache.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "identity.h"
#include "request.h"

#define WAYS 4

struct slot {
	uint64_t hash;
	char *key;
	size_t len;
	struct identity *id;
	unsigned long long used; /* tick of the last hit */
};

struct idcache {
	pthread_mutex_t lock;
	size_t nsets; /* a power of two */
	struct slot *slots; /* nsets * WAYS */
	unsigned long long tick, hits, misses;
};

static uint64_t hash_range(uint64_t h, const char *s, size_t n);

/* A quick 64-bit hash of a certificate's text: its length, its first and
 * last 256 bytes (where the serial and the signature are). The key is
 * compared in full on a hit, so a collision costs a compare, nothing more. */
static uint64_t hash(const char *s, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ n;

	if (n <= 512)
		return hash_range(h, s, n);
	return hash_range(hash_range(h, s, 256), s + n - 256, 256);
}

static uint64_t hash_range(uint64_t h, const char *s, size_t n)
{
	/* four independent lanes of 8 bytes: the multiplies overlap */
	uint64_t l[4] = {h, h ^ 0x2545f4914f6cdd1dULL, h ^ 0x9e3779b97f4a7c15ULL,
			 h ^ 0xbf58476d1ce4e5b9ULL};
	size_t i = 0;

	for (; i + 32 <= n; i += 32)
		for (int k = 0; k < 4; k++) {
			uint64_t w;

			memcpy(&w, s + i + 8 * k, 8);
			l[k] ^= w;
			l[k] *= 0xff51afd7ed558ccdULL;
			l[k] ^= l[k] >> 32;
		}
	h = l[0] ^ (l[1] * 0x9e3779b97f4a7c15ULL) ^ (l[2] >> 7) ^ (l[3] << 11);
	for (; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	h ^= h >> 29;
	return h * 0xc4ceb9fe1a85ec53ULL;
}

struct idcache *idcache_new(size_t entries)
{
	struct idcache *c = calloc(1, sizeof *c);

	if (c == NULL)
		return NULL;
	c->nsets = 1;
	while (c->nsets * WAYS < entries)
		c->nsets *= 2;
	c->slots = calloc(c->nsets * WAYS, sizeof *c->slots);
	if (c->slots == NULL) {
		free(c);
		return NULL;
	}
	pthread_mutex_init(&c->lock, NULL);
	return c;
}

void idcache_free(struct idcache *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->nsets * WAYS; i++) {
		free(c->slots[i].key);
		identity_unref(c->slots[i].id);
	}
	free(c->slots);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

struct identity *idcache_get(struct idcache *c, const char *cert, size_t len)
{
	uint64_t h = hash(cert, len);
	struct slot *set = &c->slots[(h & (c->nsets - 1)) * WAYS];
	struct identity *id = NULL;

	pthread_mutex_lock(&c->lock);
	for (int w = 0; w < WAYS; w++)
		if (set[w].id != NULL && set[w].hash == h && set[w].len == len &&
		    memcmp(set[w].key, cert, len) == 0) {
			set[w].used = ++c->tick;
			id = identity_ref(set[w].id);
			break;
		}
	if (id != NULL)
		c->hits++;
	else
		c->misses++;
	pthread_mutex_unlock(&c->lock);
	return id;
}

void idcache_put(struct idcache *c, const char *cert, size_t len,
		 struct identity *id)
{
	uint64_t h = hash(cert, len);
	struct slot *set = &c->slots[(h & (c->nsets - 1)) * WAYS], *victim;
	struct identity *old = NULL;
	char *oldkey = NULL, *key = malloc(len);

	if (key == NULL)
		return;
	memcpy(key, cert, len);
	pthread_mutex_lock(&c->lock);
	victim = &set[0];
	for (int w = 0; w < WAYS; w++) {
		if (set[w].id != NULL && set[w].hash == h && set[w].len == len &&
		    memcmp(set[w].key, cert, len) == 0) {
			/* another thread was first */
			pthread_mutex_unlock(&c->lock);
			free(key);
			return;
		}
		if (set[w].id == NULL || set[w].used < victim->used)
			victim = &set[w];
	}
	old = victim->id;
	oldkey = victim->key;
	victim->hash = h;
	victim->key = key;
	victim->len = len;
	victim->id = identity_ref(id);
	victim->used = ++c->tick;
	pthread_mutex_unlock(&c->lock);
	free(oldkey);
	identity_unref(old);
}

void idcache_stats(struct idcache *c, unsigned long long *hits,
		   unsigned long long *misses)
{
	pthread_mutex_lock(&c->lock);
	*hits = c->hits;
	*misses = c->misses;
	pthread_mutex_unlock(&c->lock);
}

struct identity *idcache_identity(struct idcache *c, struct request *req,
				  struct cnz_err *err)
{
	struct identity *hit, *id;
	const char *cert;
	size_t len;

	if (c == NULL || request_ncerts(req) == 0)
		return identity_from_request(req, NULL, err);
	cert = request_cert_b64(req, 0, &len);
	hit = idcache_get(c, cert, len);
	id = identity_from_request(req, hit, err);
	if (hit == NULL && id != NULL)
		idcache_put(c, cert, len, id);
	identity_unref(hit);
	return id;
}
