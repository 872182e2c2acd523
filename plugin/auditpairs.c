/* auditpairs.c - see auditpairs.h */
#include "auditpairs.h"

#include <stdlib.h>
#include <string.h>

#include "text.h"

/*
 * The nodes live in one array; a bucket's list (same hash) and the age
 * list (every entry, oldest first) are threaded through them by index,
 * and free nodes are chained through anext.
 */

#define NIL UINT32_MAX

struct pair_node {
	unsigned char dg[32];
	uint64_t id;
	uint32_t bnext, bprev; /* in its bucket, oldest first */
	uint32_t anext, aprev; /* in the age list, oldest first; free list */
};

struct audit_pairs {
	struct pair_node *n;
	uint32_t *bhead, *btail;
	size_t max, count, mask;
	uint32_t ahead, atail, free;
};

struct audit_pairs *audit_pairs_new(size_t max)
{
	struct audit_pairs *p = calloc(1, sizeof *p);
	size_t nb = 1;

	if (p == NULL)
		return NULL;
	if (max == 0 || max >= NIL)
		max = AUDIT_PAIRS_DEFAULT;
	while (nb < max)
		nb <<= 1;
	p->max = max;
	p->mask = nb - 1;
	p->n = calloc(max, sizeof *p->n);
	p->bhead = malloc(nb * sizeof *p->bhead);
	p->btail = malloc(nb * sizeof *p->btail);
	if (p->n == NULL || p->bhead == NULL || p->btail == NULL)
		goto fail;
	for (size_t i = 0; i < nb; i++)
		p->bhead[i] = p->btail[i] = NIL;
	for (size_t i = 0; i < max; i++)
		p->n[i].anext = i + 1 < max ? (uint32_t)(i + 1) : NIL;
	p->free = 0;
	p->ahead = p->atail = NIL;
	return p;
fail:
	audit_pairs_free(p);
	return NULL;
}

void audit_pairs_free(struct audit_pairs *p)
{
	if (p == NULL)
		return;
	free(p->n);
	free(p->bhead);
	free(p->btail);
	free(p);
}

/* 64 hex digits -> 32 bytes; -1 for anything else (no digest). */
static int digest_bin(const char *hex, unsigned char *dg)
{
	for (size_t i = 0; i < 32; i++) {
		int hi = text_hexval(hex[2 * i]), lo;

		if (hi < 0)
			return -1;
		lo = text_hexval(hex[2 * i + 1]);
		if (lo < 0)
			return -1;
		dg[i] = (unsigned char)(hi << 4 | lo);
	}
	return hex[64] == '\0' ? 0 : -1;
}

static size_t bucket_of(const struct audit_pairs *p, const unsigned char *dg)
{
	uint64_t h;

	memcpy(&h, dg, sizeof h);
	return (size_t)h & p->mask;
}

static void pair_unlink(struct audit_pairs *p, uint32_t i)
{
	struct pair_node *x = &p->n[i];
	size_t b = bucket_of(p, x->dg);

	if (x->bprev != NIL)
		p->n[x->bprev].bnext = x->bnext;
	else
		p->bhead[b] = x->bnext;
	if (x->bnext != NIL)
		p->n[x->bnext].bprev = x->bprev;
	else
		p->btail[b] = x->bprev;
	if (x->aprev != NIL)
		p->n[x->aprev].anext = x->anext;
	else
		p->ahead = x->anext;
	if (x->anext != NIL)
		p->n[x->anext].aprev = x->aprev;
	else
		p->atail = x->aprev;
	x->anext = p->free;
	p->free = i;
	p->count--;
}

void audit_pairs_push(struct audit_pairs *p, const char *digest, uint64_t id)
{
	unsigned char dg[32];
	struct pair_node *x;
	uint32_t i;
	size_t b;

	if (p == NULL || digest_bin(digest, dg) < 0)
		return;
	if (p->free == NIL)
		pair_unlink(p, p->ahead); /* full: the oldest goes */
	i = p->free;
	x = &p->n[i];
	p->free = x->anext;
	memcpy(x->dg, dg, sizeof dg);
	x->id = id;
	b = bucket_of(p, dg);
	x->bnext = NIL;
	x->bprev = p->btail[b];
	if (x->bprev != NIL)
		p->n[x->bprev].bnext = i;
	else
		p->bhead[b] = i;
	p->btail[b] = i;
	x->anext = NIL;
	x->aprev = p->atail;
	if (x->aprev != NIL)
		p->n[x->aprev].anext = i;
	else
		p->ahead = i;
	p->atail = i;
	p->count++;
}

bool audit_pairs_pop(struct audit_pairs *p, const char *digest, uint64_t *id)
{
	unsigned char dg[32];

	if (p == NULL || digest_bin(digest, dg) < 0)
		return false;
	for (uint32_t i = p->bhead[bucket_of(p, dg)]; i != NIL;
	     i = p->n[i].bnext) {
		if (memcmp(p->n[i].dg, dg, sizeof dg) == 0) {
			*id = p->n[i].id;
			pair_unlink(p, i);
			return true;
		}
	}
	return false;
}

size_t audit_pairs_count(const struct audit_pairs *p)
{
	return p != NULL ? p->count : 0;
}
