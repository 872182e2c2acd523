/*
 * t-fairq.c - the fair queue the server puts expensive decisions in: one
 * item per key in turn, FIFO within a key, keys cut at FAIRQ_KEY_MAX.
 */
#include <stdio.h>
#include <string.h>

#include "fairq.h"
#include "tap.h"
#include "testlib.h"

struct job {
	struct fairq_item it; /* first: a job is its item */
	char name[8];
};

static bool not_a(const char *key, size_t klen, void *arg)
{
	(void)arg;
	return !(klen == 1 && key[0] == 'a');
}

static const char *pop(struct fairq *q)
{
	struct fairq_item *it = fairq_pop(q);

	return it != NULL ? ((struct job *)(void *)it)->name : "(none)";
}

int main(void)
{
	struct fairq *q = fairq_new();
	struct job a[100], b[3], c[1], l1, l2;
	char order[64] = "", key[100];
	bool fifo = true;

	if (q == NULL)
		bail("out of memory");
	ok(fairq_pop(q) == NULL && fairq_len(q) == 0, "empty: nothing to pop");

	/* CN a floods 100 items, then b queues 3 and c 1 */
	for (int i = 0; i < 100; i++) {
		snprintf(a[i].name, sizeof a[i].name, "a%d", i);
		fairq_push(q, "a", 1, &a[i].it);
	}
	for (int i = 0; i < 3; i++) {
		snprintf(b[i].name, sizeof b[i].name, "b%d", i);
		fairq_push(q, "b", 1, &b[i].it);
	}
	snprintf(c[0].name, sizeof c[0].name, "c0");
	fairq_push(q, "c", 1, &c[0].it);
	ok(fairq_len(q) == 104 && fairq_keys(q) == 3, "104 items of 3 keys");
	for (int i = 0; i < 8; i++) {
		strcat(order, pop(q));
		strcat(order, " ");
	}
	is_str(order, "a0 b0 c0 a1 b1 a2 b2 a3 ",
	       "behind a flood of 100, the others wait one item each turn");
	for (int i = 4; i < 100; i++)
		if (strcmp(pop(q), a[i].name) != 0)
			fifo = false;
	ok(fifo, "a key's own items come in the order they were queued");
	ok(fairq_pop(q) == NULL && fairq_len(q) == 0 && fairq_keys(q) == 0,
	   "then the queue is empty");

	/* a key that comes back after its lane emptied is a new lane, last */
	fairq_push(q, "b", 1, &b[0].it);
	fairq_push(q, "a", 1, &a[0].it);
	fairq_push(q, "b", 1, &b[1].it);
	is_str(pop(q), "b0", "a key that queues again starts a new turn");
	is_str(pop(q), "a0", "... after the keys already waiting");
	is_str(pop(q), "b1", "... and so on");

	/* a key that may not go now keeps its place */
	fairq_push(q, "a", 1, &a[0].it);
	fairq_push(q, "b", 1, &b[0].it);
	fairq_push(q, "a", 1, &a[1].it);
	fairq_push(q, "c", 1, &c[0].it);
	{
		struct fairq_item *it = fairq_pop_if(q, not_a, NULL);

		is_str(it != NULL ? ((struct job *)(void *)it)->name : "(none)",
		       "b0", "fairq_pop_if passes over a key that is not ready");
	}
	ok(fairq_pop_if(q, not_a, NULL) == &c[0].it &&
		   fairq_pop_if(q, not_a, NULL) == NULL,
	   "... takes the next ready one, and none when only that key waits");
	is_str(pop(q), "a0", "... which is still first in line");
	is_str(pop(q), "a1", "... its items in order");
	ok(fairq_len(q) == 0 && fairq_keys(q) == 0, "empty again");

	/* keys are cut at FAIRQ_KEY_MAX */
	memset(key, 'k', sizeof key);
	snprintf(l1.name, sizeof l1.name, "l1");
	snprintf(l2.name, sizeof l2.name, "l2");
	fairq_push(q, key, FAIRQ_KEY_MAX + 10, &l1.it);
	fairq_push(q, key, FAIRQ_KEY_MAX + 20, &l2.it);
	ok(fairq_keys(q) == 1, "keys that agree to FAIRQ_KEY_MAX bytes share a FIFO");
	pop(q);
	pop(q);
	fairq_push(q, "", 0, &l1.it);
	ok(fairq_keys(q) == 1 && strcmp(pop(q), "l1") == 0,
	   "the empty key is a key like any other");
	fairq_free(q);
	return done_testing();
}
