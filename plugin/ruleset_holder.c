/* ruleset_holder.c - see ruleset_holder.h */
#include "ruleset_holder.h"

#include <pthread.h>
#include <stdlib.h>

struct ruleset_holder {
	pthread_mutex_t lock;
	struct ruleset *rs;
};

struct ruleset_holder *ruleset_holder_new(struct ruleset *rs)
{
	struct ruleset_holder *h = calloc(1, sizeof *h);

	if (h == NULL)
		return NULL;
	pthread_mutex_init(&h->lock, NULL);
	h->rs = rs;
	return h;
}

void ruleset_holder_free(struct ruleset_holder *h)
{
	if (h == NULL)
		return;
	ruleset_unref(h->rs);
	pthread_mutex_destroy(&h->lock);
	free(h);
}

struct ruleset *ruleset_holder_get(struct ruleset_holder *h)
{
	struct ruleset *rs;

	pthread_mutex_lock(&h->lock);
	rs = ruleset_ref(h->rs);
	pthread_mutex_unlock(&h->lock);
	return rs;
}

void ruleset_holder_swap(struct ruleset_holder *h, struct ruleset *rs)
{
	struct ruleset *old;

	pthread_mutex_lock(&h->lock);
	old = h->rs;
	h->rs = rs;
	pthread_mutex_unlock(&h->lock);
	ruleset_unref(old);
}
