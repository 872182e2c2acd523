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

/* Takes the first item of l, which follows prev in the ring (NULL: l
 * is first); l goes to the end of the ring, or off it when empty. */
static struct fairq_item *take(struct fairq *q, struct lane *prev,
			       struct lane *l)
{
	struct fairq_item *it = l->head;

	l->head = it->next;
	if (prev == NULL)
		q->first = l->next;
	else
		prev->next = l->next;
	if (q->last == l)
		q->last = prev;
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

struct fairq_item *fairq_pop(struct fairq *q)
{
	return q->first != NULL ? take(q, NULL, q->first) : NULL;
}

struct fairq_item *fairq_pop_if(struct fairq *q,
				bool (*ready)(const char *key, size_t klen,
					      void *arg),
				void *arg)
{
	for (struct lane *prev = NULL, *l = q->first; l != NULL;
	     prev = l, l = l->next)
		if (ready(l->key, l->klen, arg))
			return take(q, prev, l);
	return NULL;
}

size_t fairq_len(const struct fairq *q)
{
	return q->len;
}

size_t fairq_keys(const struct fairq *q)
{
	return q->keys;
}
