/* fairq.c - see fairq.h */
#include "fairq.h"

#include <stdlib.h>
#include <string.h>

/* One key's FIFO, in the ring of keys with items while it has any; kept
 * on a free list after (a daemon sees a bounded set of CNs). */
struct lane {
	struct lane *next; /* in the ring, or the free list */
	struct fairq_item *head, *tail;
	size_t klen;
	char key[FAIRQ_KEY_MAX];
};

struct fairq {
	struct lane *first, *last; /* the ring, next key first */
	struct lane *spare;
	size_t len, keys;
};

struct fairq *fairq_new(void)
{
	return calloc(1, sizeof(struct fairq));
}

void fairq_free(struct fairq *q)
{
	struct lane *l, *next;

	if (q == NULL)
		return;
	for (l = q->first; l != NULL; l = next) {
		next = l->next;
		free(l);
	}
	for (l = q->spare; l != NULL; l = next) {
		next = l->next;
		free(l);
	}
	free(q);
}

int fairq_push(struct fairq *q, const char *key, size_t klen,
	       struct fairq_item *it)
{
	struct lane *l;

	if (klen > FAIRQ_KEY_MAX)
		klen = FAIRQ_KEY_MAX;
	for (l = q->first; l != NULL; l = l->next)
		if (l->klen == klen && memcmp(l->key, key, klen) == 0)
			break;
	if (l == NULL) {
		if (q->spare != NULL) {
			l = q->spare;
			q->spare = l->next;
		} else if ((l = malloc(sizeof *l)) == NULL) {
			return -1;
		}
		l->head = l->tail = NULL;
		l->klen = klen;
		memcpy(l->key, key, klen);
		l->next = NULL;
		if (q->last != NULL)
			q->last->next = l;
		else
			q->first = l;
		q->last = l;
		q->keys++;
	}
	it->next = NULL;
	if (l->tail != NULL)
		l->tail->next = it;
	else
		l->head = it;
	l->tail = it;
	q->len++;
	return 0;
}

struct fairq_item *fairq_pop(struct fairq *q)
{
	struct lane *l = q->first;
	struct fairq_item *it;

	if (l == NULL)
		return NULL;
	it = l->head;
	l->head = it->next;
	q->first = l->next;
	if (q->first == NULL)
		q->last = NULL;
	if (l->head == NULL) { /* no more: off the ring */
		l->tail = NULL;
		l->next = q->spare;
		q->spare = l;
		q->keys--;
	} else { /* its next item waits for the other keys' turn */
		l->next = NULL;
		if (q->last != NULL)
			q->last->next = l;
		else
			q->first = l;
		q->last = l;
	}
	q->len--;
	it->next = NULL;
	return it;
}

size_t fairq_len(const struct fairq *q)
{
	return q->len;
}

size_t fairq_keys(const struct fairq *q)
{
	return q->keys;
}
