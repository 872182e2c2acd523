/* guard.c - see guard.h */
#include "guard.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct job {
	guard_fn fn;
	void *arg;        /* the job's own copy */
	size_t argsz;
	bool done, abandoned;
	pthread_cond_t cond;
	struct job *next;
};

struct guard {
	pthread_mutex_t lock;
	pthread_cond_t work;
	struct job *head, *tail;
	unsigned deadline_ms;
	unsigned threads, idle, stuck;
	bool stopping;
};

static void job_free(struct job *j)
{
	pthread_cond_destroy(&j->cond);
	free(j->arg);
	free(j);
}

static void *worker(void *arg)
{
	struct guard *g = arg;

	pthread_mutex_lock(&g->lock);
	for (;;) {
		struct job *j;

		while (g->head == NULL && !g->stopping)
			pthread_cond_wait(&g->work, &g->lock);
		if (g->head == NULL) {
			g->threads--;
			g->idle--;
			pthread_mutex_unlock(&g->lock);
			return NULL;
		}
		j = g->head;
		g->head = j->next;
		if (g->head == NULL)
			g->tail = NULL;
		g->idle--;
		pthread_mutex_unlock(&g->lock);

		j->fn(j->arg);

		pthread_mutex_lock(&g->lock);
		g->idle++;
		if (j->abandoned) {
			g->stuck--; /* it came back after all */
			job_free(j);
		} else {
			j->done = true;
			pthread_cond_signal(&j->cond);
		}
	}
}

struct guard *guard_new(unsigned deadline_ms)
{
	struct guard *g = calloc(1, sizeof *g);

	if (g == NULL)
		return NULL;
	pthread_mutex_init(&g->lock, NULL);
	pthread_cond_init(&g->work, NULL);
	g->deadline_ms = deadline_ms ? deadline_ms : 1000;
	return g;
}

unsigned guard_deadline(const struct guard *g)
{
	return g->deadline_ms;
}

void guard_free(struct guard *g)
{
	if (g == NULL)
		return;
	pthread_mutex_lock(&g->lock);
	g->stopping = true;
	pthread_cond_broadcast(&g->work);
	/* wait for the idle ones to leave; stuck ones are left running */
	while (g->threads > g->stuck) {
		struct timespec ts = {0, 1000000};

		pthread_mutex_unlock(&g->lock);
		nanosleep(&ts, NULL);
		pthread_mutex_lock(&g->lock);
	}
	pthread_mutex_unlock(&g->lock);
	if (g->stuck == 0) {
		pthread_cond_destroy(&g->work);
		pthread_mutex_destroy(&g->lock);
		free(g);
	}
	/* else: a stuck thread still holds g; leaking it is the price */
}

enum guard_rc guard_call_copy(struct guard *g, guard_fn fn, void *arg,
			      size_t argsz)
{
	struct job *j = calloc(1, sizeof *j);
	struct timespec ts;
	pthread_condattr_t ca;

	if (j == NULL || (j->arg = malloc(argsz ? argsz : 1)) == NULL) {
		free(j);
		return GUARD_NOT_RUN;
	}
	memcpy(j->arg, arg, argsz);
	j->fn = fn;
	j->argsz = argsz;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&j->cond, &ca);
	pthread_condattr_destroy(&ca);

	pthread_mutex_lock(&g->lock);
	if (g->idle == 0) {
		pthread_t t;
		pthread_attr_t a;

		if (g->threads >= GUARD_MAX_THREADS) {
			pthread_mutex_unlock(&g->lock);
			job_free(j);
			return GUARD_NOT_RUN; /* every thread busy or stuck */
		}
		pthread_attr_init(&a);
		pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
		if (pthread_create(&t, &a, worker, g) != 0) {
			pthread_attr_destroy(&a);
			pthread_mutex_unlock(&g->lock);
			job_free(j);
			return GUARD_NOT_RUN;
		}
		pthread_attr_destroy(&a);
		g->threads++;
		g->idle++;
	}
	if (g->tail != NULL)
		g->tail->next = j;
	else
		g->head = j;
	g->tail = j;
	pthread_cond_signal(&g->work);

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += g->deadline_ms / 1000;
	ts.tv_nsec += (long)(g->deadline_ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	while (!j->done) {
		if (pthread_cond_timedwait(&j->cond, &g->lock, &ts) == ETIMEDOUT &&
		    !j->done) {
			/* overran: the worker frees the job if it returns */
			j->abandoned = true;
			g->stuck++;
			/* a queued job that never started is taken back */
			for (struct job **p = &g->head; *p != NULL; p = &(*p)->next)
				if (*p == j) {
					*p = j->next;
					if (g->tail == j) {
						g->tail = NULL;
						for (struct job *q = g->head; q; q = q->next)
							g->tail = q;
					}
					g->stuck--;
					pthread_mutex_unlock(&g->lock);
					job_free(j);
					return GUARD_NOT_RUN;
				}
			pthread_mutex_unlock(&g->lock);
			return GUARD_OVERRAN;
		}
	}
	pthread_mutex_unlock(&g->lock);
	memcpy(arg, j->arg, argsz);
	job_free(j);
	return GUARD_DONE;
}
