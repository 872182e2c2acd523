/*
 * fairq.h - a queue that is fair between keys: items wait in one FIFO per
 * key, and fairq_pop takes one item from each key with items in turn
 * (round robin), so a key with a hundred items waiting delays another
 * key's next item by at most one of its own. The server queues its
 * expensive decisions here by CN (server.c). Items are the caller's
 * (intrusive: nothing is allocated per item); not thread-safe, the caller
 * locks.
 */
#ifndef CNZ_FAIRQ_H
#define CNZ_FAIRQ_H

#include <stdbool.h>
#include <stddef.h>

struct fairq;

struct fairq_item {
	struct fairq_item *next; /* the queue's */
};

/* Keys longer than this are cut to it (keys that agree that far share a
 * FIFO). */
#define FAIRQ_KEY_MAX 64

struct fairq *fairq_new(void);
void fairq_free(struct fairq *q); /* items still queued are not touched */
/* Queues it behind the items of key. -1 when out of memory. */
int fairq_push(struct fairq *q, const char *key, size_t klen,
	       struct fairq_item *it);
/* The next item (see above), or NULL when none waits. */
struct fairq_item *fairq_pop(struct fairq *q);
/* The same among the keys for which ready(key, klen, arg) is true (the
 * others keep their place): NULL when none is. */
struct fairq_item *fairq_pop_if(struct fairq *q,
				bool (*ready)(const char *key, size_t klen,
					      void *arg),
				void *arg);
size_t fairq_len(const struct fairq *q);
/* How many keys have items waiting. */
size_t fairq_keys(const struct fairq *q);

#endif
