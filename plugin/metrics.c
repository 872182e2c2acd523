/* metrics.c - see metrics.h */
#include "metrics.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>

#include "decide.h"

/* Upper bounds of the latency histogram, in seconds and nanoseconds. */
static const char *const bucket_le[] = {
	"1e-05", "2.5e-05", "5e-05", "0.0001", "0.00025", "0.0005",
	"0.001", "0.0025", "0.005", "0.01", "0.025", "0.1", "1",
};
static const uint64_t bucket_ns[] = {
	10000, 25000, 50000, 100000, 250000, 500000,
	1000000, 2500000, 5000000, 10000000, 25000000, 100000000, 1000000000,
};
#define NBUCKETS (sizeof bucket_ns / sizeof bucket_ns[0])
/* bucket[NBUCKETS] counts the calls slower than the last bound */

/* A label value: its name, set once (by compare-and-swap) and kept until
 * metrics_free. Its counts live in the shards, at the slot's index. */
struct slot {
	_Atomic(char *) name;
};

/* A fixed open-addressed table of names: lookups and inserts without a
 * lock. Index cap stands for "(other)". */
struct table {
	struct slot *slots;
	size_t cap;        /* a power of two, twice the names kept */
	size_t max;        /* names kept; then "(other)" */
	atomic_size_t used;
};

/* One CPU's counters. A thread counts on the shard of the CPU it runs on,
 * so that the workers' adds do not bounce one cache line between CPUs;
 * a scrape sums the shards. The adds stay atomic: a thread can
 * be moved off its CPU between choosing a shard and adding. */
struct metrics_shard {
	atomic_uint_fast64_t identity_refused, malformed, body_unseen;
	atomic_uint_fast64_t reload_ok, reload_refused, audit_failures;
	/* calls begun; those done are the buckets' sum, the count */
	atomic_uint_fast64_t begun, bucket[NBUCKETS + 1], sum_ns;
	atomic_uint_fast64_t (*files)[2]; /* [files.cap + 1][allow, deny] */
	atomic_uint_fast64_t (*cns)[2];   /* likewise, or NULL */
} __attribute__((aligned(64)));

#define MAX_SHARDS 64

struct metrics {
	struct table files;
	struct table cns; /* slots NULL: no CN label */
	struct metrics_shard *shards;
	size_t nshards;
};

static int table_init(struct table *t, size_t max)
{
	t->max = max;
	t->cap = 2 * max;
	t->slots = calloc(t->cap, sizeof *t->slots);
	return t->slots == NULL ? -1 : 0;
}

static void table_free(struct table *t)
{
	for (size_t i = 0; t->slots != NULL && i < t->cap; i++)
		free(atomic_load(&t->slots[i].name));
	free(t->slots);
}

static size_t hash_str(const char *s)
{
	size_t h = 14695981039346656037ULL & SIZE_MAX;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * (1099511628211ULL & SIZE_MAX);
	return h;
}

/* The index of name's slot, taking a free one for a new name; t->cap
 * ("(other)") when the table is full or out of memory. */
static size_t table_find(struct table *t, const char *name)
{
	size_t i = hash_str(name) & (t->cap - 1);

	for (size_t probes = 0; probes < t->cap; probes++) {
		struct slot *s = &t->slots[i];
		char *have = atomic_load_explicit(&s->name, memory_order_acquire);

		if (have == NULL) {
			char *mine;

			if (atomic_load_explicit(&t->used, memory_order_relaxed) >=
			    t->max)
				return t->cap;
			mine = strdup(name);
			if (mine == NULL)
				return t->cap;
			if (atomic_compare_exchange_strong(&s->name, &have, mine)) {
				atomic_fetch_add(&t->used, 1);
				return i;
			}
			free(mine); /* another thread took the slot: have is set */
		}
		if (strcmp(have, name) == 0)
			return i;
		i = (i + 1) & (t->cap - 1);
	}
	return t->cap;
}

/* One per CPU the machine may have (at most MAX_SHARDS): zeroed counters
 * for cap + 1 file and CN slots each, on their own cache lines. */
static int shards_init(struct metrics *m)
{
	long ncpu = sysconf(_SC_NPROCESSORS_CONF);

	m->nshards = ncpu < 1 ? 1 : ncpu > MAX_SHARDS ? MAX_SHARDS : (size_t)ncpu;
	m->shards = aligned_alloc(64, m->nshards * sizeof *m->shards);
	if (m->shards == NULL)
		return -1;
	memset(m->shards, 0, m->nshards * sizeof *m->shards);
	for (size_t i = 0; i < m->nshards; i++) {
		struct metrics_shard *sh = &m->shards[i];

		sh->files = calloc(m->files.cap + 1, sizeof *sh->files);
		if (sh->files == NULL)
			return -1;
		if (m->cns.slots != NULL) {
			sh->cns = calloc(m->cns.cap + 1, sizeof *sh->cns);
			if (sh->cns == NULL)
				return -1;
		}
	}
	return 0;
}

struct metrics *metrics_new(bool cn_label)
{
	struct metrics *m = calloc(1, sizeof *m);

	if (m == NULL)
		return NULL;
	if (table_init(&m->files, METRICS_MAX_FILES) < 0)
		goto fail;
	if (cn_label && table_init(&m->cns, METRICS_MAX_CNS) < 0)
		goto fail;
	if (shards_init(m) < 0)
		goto fail;
	return m;
fail:
	metrics_free(m);
	return NULL;
}

void metrics_free(struct metrics *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; m->shards != NULL && i < m->nshards; i++) {
		free(m->shards[i].files);
		free(m->shards[i].cns);
	}
	free(m->shards);
	table_free(&m->files);
	table_free(&m->cns);
	free(m);
}

/* The shard of the CPU this thread runs on now. */
static struct metrics_shard *here(struct metrics *m)
{
	int cpu = sched_getcpu();

	return &m->shards[cpu < 0 ? 0 : (size_t)cpu % m->nshards];
}

static void add(atomic_uint_fast64_t *c, uint64_t v)
{
	atomic_fetch_add_explicit(c, v, memory_order_relaxed);
}

struct metrics_shard *metrics_begin(struct metrics *m)
{
	struct metrics_shard *sh;

	if (m == NULL)
		return NULL;
	sh = here(m);
	add(&sh->begun, 1);
	return sh;
}

void metrics_end(struct metrics *m, struct metrics_shard *sh,
		 const struct decision *d, uint64_t ns)
{
	int v = d->allow ? 0 : 1;
	size_t b;

	if (m == NULL || sh == NULL)
		return;
	add(&sh->files[table_find(&m->files, d->stack)][v], 1);
	if (sh->cns != NULL)
		add(&sh->cns[table_find(&m->cns, d->who)][v], 1);
	/* decide's own words for the two denials before any stack runs */
	if (strncmp(d->msg, "identity refused: ", 18) == 0)
		add(&sh->identity_refused, 1);
	else if (strncmp(d->msg, "malformed AuthZReq: ", 20) == 0)
		add(&sh->malformed, 1);
	if (d->body_unseen)
		add(&sh->body_unseen, 1);
	for (b = 0; b < NBUCKETS && ns > bucket_ns[b]; b++)
		;
	add(&sh->bucket[b], 1);
	add(&sh->sum_ns, ns);
}

void metrics_reload(struct metrics *m, bool ok)
{
	if (m != NULL)
		add(ok ? &here(m)->reload_ok : &here(m)->reload_refused, 1);
}

void metrics_audit_failure(struct metrics *m)
{
	if (m != NULL)
		add(&here(m)->audit_failures, 1);
}


static uint64_t get(atomic_uint_fast64_t *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

/* The shards' counters summed, as a scrape shows them. */
struct totals {
	uint64_t identity_refused, malformed, body_unseen;
	uint64_t reload_ok, reload_refused, audit_failures;
	uint64_t begun, bucket[NBUCKETS + 1], count, sum_ns;
};

static void totals(struct metrics *m, struct totals *t)
{
	memset(t, 0, sizeof *t);
	for (size_t i = 0; i < m->nshards; i++) {
		struct metrics_shard *sh = &m->shards[i];

		t->identity_refused += get(&sh->identity_refused);
		t->malformed += get(&sh->malformed);
		t->body_unseen += get(&sh->body_unseen);
		t->reload_ok += get(&sh->reload_ok);
		t->reload_refused += get(&sh->reload_refused);
		t->audit_failures += get(&sh->audit_failures);
		for (size_t b = 0; b <= NBUCKETS; b++)
			t->bucket[b] += get(&sh->bucket[b]);
		t->sum_ns += get(&sh->sum_ns);
	}
	for (size_t b = 0; b <= NBUCKETS; b++)
		t->count += t->bucket[b];
	/* read after the calls done: each of those had begun before */
	for (size_t i = 0; i < m->nshards; i++)
		t->begun += get(&m->shards[i].begun);
	if (t->begun < t->count)
		t->begun = t->count;
}

/* Slot i's count of verdict v in the file table (cn false) or the CN
 * table, summed over the shards. */
static uint64_t slot_count(struct metrics *m, bool cn, size_t i, int v)
{
	uint64_t n = 0;

	for (size_t k = 0; k < m->nshards; k++)
		n += get(cn ? &m->shards[k].cns[i][v] : &m->shards[k].files[i][v]);
	return n;
}

/* A label value, escaped as the exposition format says. */
static void add_label(struct buf *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			buf_adds(out, "\\\\");
		else if (*s == '"')
			buf_adds(out, "\\\"");
		else if (*s == '\n')
			buf_adds(out, "\\n");
		else
			buf_add(out, s, 1);
	}
}

static void head(struct buf *out, const char *name, const char *type,
		 const char *help)
{
	buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void counter(struct buf *out, const char *name, const char *help,
		    uint64_t n)
{
	head(out, name, "counter", help);
	buf_printf(out, "%s %llu\n", name, (unsigned long long)n);
}

static void table_write(struct buf *out, struct metrics *m, bool cn)
{
	static const char *const verdict[2] = {"allow", "deny"};
	struct table *t = cn ? &m->cns : &m->files;

	for (size_t i = 0; i <= t->cap; i++) {
		const char *name = i < t->cap ? atomic_load(&t->slots[i].name)
					      : "(other)";
		uint64_t n[2];

		if (name == NULL)
			continue;
		n[0] = slot_count(m, cn, i, 0);
		n[1] = slot_count(m, cn, i, 1);
		if (i == t->cap && n[0] + n[1] == 0)
			continue;
		for (int v = 0; v < 2; v++) {
			buf_printf(out, "cnauthz_decisions_%s_total{verdict=\"%s\",%s=\"",
				   cn ? "by_cn" : "by_file", verdict[v],
				   cn ? "cn" : "file");
			add_label(out, name[0] ? name : "(none)");
			buf_printf(out, "\"} %llu\n", (unsigned long long)n[v]);
		}
	}
}

void metrics_write(struct metrics *m, const char *hash, const char *version,
		   struct buf *out)
{
	struct totals t;
	uint64_t cum = 0;
	char sum[64];

	totals(m, &t);
	head(out, "cnauthz_decisions_by_file_total", "counter",
	     "Decisions by verdict and the rule file whose stack ran ((none): none ran).");
	table_write(out, m, false);
	if (m->cns.slots != NULL) {
		head(out, "cnauthz_decisions_by_cn_total", "counter",
		     "Decisions by verdict and CN (--metrics-cn-label).");
		table_write(out, m, true);
	}
	counter(out, "cnauthz_identity_refusals_total",
		"Requests denied because no identity could be taken from them.",
		t.identity_refused);
	counter(out, "cnauthz_malformed_requests_total",
		"Requests denied because they could not be read.",
		t.malformed);
	counter(out, "cnauthz_body_unseen_denials_total",
		"Denials because a rule needed a body dockerd did not forward.",
		t.body_unseen);
	head(out, "cnauthz_decision_seconds", "histogram",
	     "Time to decide and audit one call.");
	for (size_t b = 0; b < NBUCKETS; b++) {
		cum += t.bucket[b];
		buf_printf(out, "cnauthz_decision_seconds_bucket{le=\"%s\"} %llu\n",
			   bucket_le[b], (unsigned long long)cum);
	}
	{ /* +Inf: every call, the count */
		uint64_t n = t.count, s = t.sum_ns;

		snprintf(sum, sizeof sum, "%llu.%09llu",
			 (unsigned long long)(s / 1000000000u),
			 (unsigned long long)(s % 1000000000u));
		buf_printf(out, "cnauthz_decision_seconds_bucket{le=\"+Inf\"} %llu\n"
			   "cnauthz_decision_seconds_sum %s\n"
			   "cnauthz_decision_seconds_count %llu\n",
			   (unsigned long long)n, sum, (unsigned long long)n);
	}
	head(out, "cnauthz_reloads_total", "counter",
	     "Rule set reloads: ok (a new set is in force) or refused (the old one stays).");
	buf_printf(out, "cnauthz_reloads_total{result=\"ok\"} %llu\n"
		   "cnauthz_reloads_total{result=\"refused\"} %llu\n",
		   (unsigned long long)t.reload_ok,
		   (unsigned long long)t.reload_refused);
	head(out, "cnauthz_ruleset_info", "gauge",
	     "The rule set in force, by its hash (as logged at start and reload and written in each audit record) and its .cnauthz-version.");
	if (hash != NULL) {
		buf_adds(out, "cnauthz_ruleset_info{hash=\"");
		add_label(out, hash);
		if (version != NULL && version[0] != '\0') {
			buf_adds(out, "\",version=\"");
			add_label(out, version);
		}
		buf_adds(out, "\"} 1\n");
	}
	counter(out, "cnauthz_audit_failures_total",
		"Decisions whose audit record could not be written.",
		t.audit_failures);
	head(out, "cnauthz_threads_busy", "gauge",
	     "Threads deciding a call right now.");
	buf_printf(out, "cnauthz_threads_busy %llu\n",
		   (unsigned long long)(t.begun - t.count));
}
