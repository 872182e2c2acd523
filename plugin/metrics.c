/* metrics.c - see metrics.h */
#include "metrics.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* A label value's counters: allowed, denied. The name is set once (by
 * compare-and-swap) and kept until metrics_free. */
struct slot {
	_Atomic(char *) name;
	atomic_uint_fast64_t n[2];
};

/* A fixed open-addressed table: lookups and inserts without a lock. */
struct table {
	struct slot *slots;
	size_t cap;        /* a power of two, twice the names kept */
	size_t max;        /* names kept; then "(other)" */
	atomic_size_t used;
	struct slot other;
};

struct metrics {
	struct table files;
	struct table cns; /* slots NULL: no CN label */
	atomic_uint_fast64_t identity_refused, malformed, body_unseen;
	atomic_uint_fast64_t reload_ok, reload_refused, audit_failures;
	atomic_int busy;
	atomic_uint_fast64_t bucket[NBUCKETS], count, sum_ns;
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

static struct slot *table_find(struct table *t, const char *name)
{
	size_t i = hash_str(name) & (t->cap - 1);

	for (size_t probes = 0; probes < t->cap; probes++) {
		struct slot *s = &t->slots[i];
		char *have = atomic_load_explicit(&s->name, memory_order_acquire);

		if (have == NULL) {
			char *mine;

			if (atomic_load_explicit(&t->used, memory_order_relaxed) >=
			    t->max)
				return &t->other;
			mine = strdup(name);
			if (mine == NULL)
				return &t->other;
			if (atomic_compare_exchange_strong(&s->name, &have, mine)) {
				atomic_fetch_add(&t->used, 1);
				return s;
			}
			free(mine); /* another thread took the slot: have is set */
		}
		if (strcmp(have, name) == 0)
			return s;
		i = (i + 1) & (t->cap - 1);
	}
	return &t->other;
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
	return m;
fail:
	metrics_free(m);
	return NULL;
}

void metrics_free(struct metrics *m)
{
	if (m == NULL)
		return;
	table_free(&m->files);
	table_free(&m->cns);
	free(m);
}

static void add(atomic_uint_fast64_t *c, uint64_t v)
{
	atomic_fetch_add_explicit(c, v, memory_order_relaxed);
}

void metrics_decision(struct metrics *m, const struct decision *d,
		      uint64_t ns)
{
	int v = d->allow ? 0 : 1;
	size_t b;

	if (m == NULL)
		return;
	add(&table_find(&m->files, d->stack)->n[v], 1);
	if (m->cns.slots != NULL)
		add(&table_find(&m->cns, d->who)->n[v], 1);
	/* decide's own words for the two denials before any stack runs */
	if (strncmp(d->msg, "identity refused: ", 18) == 0)
		add(&m->identity_refused, 1);
	else if (strncmp(d->msg, "malformed AuthZReq: ", 20) == 0)
		add(&m->malformed, 1);
	if (d->body_unseen)
		add(&m->body_unseen, 1);
	for (b = 0; b < NBUCKETS && ns > bucket_ns[b]; b++)
		;
	if (b < NBUCKETS)
		add(&m->bucket[b], 1);
	add(&m->count, 1);
	add(&m->sum_ns, ns);
}

void metrics_reload(struct metrics *m, bool ok)
{
	if (m != NULL)
		add(ok ? &m->reload_ok : &m->reload_refused, 1);
}

void metrics_audit_failure(struct metrics *m)
{
	if (m != NULL)
		add(&m->audit_failures, 1);
}

void metrics_busy(struct metrics *m, int delta)
{
	if (m != NULL)
		atomic_fetch_add_explicit(&m->busy, delta, memory_order_relaxed);
}

static uint64_t get(atomic_uint_fast64_t *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
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
		    atomic_uint_fast64_t *c)
{
	head(out, name, "counter", help);
	buf_printf(out, "%s %llu\n", name, (unsigned long long)get(c));
}

static void table_write(struct buf *out, struct table *t, const char *label)
{
	static const char *const verdict[2] = {"allow", "deny"};

	for (size_t i = 0; i <= t->cap; i++) {
		struct slot *s = i < t->cap ? &t->slots[i] : &t->other;
		const char *name = i < t->cap ? atomic_load(&s->name) : "(other)";

		if (name == NULL || (i == t->cap && get(&s->n[0]) + get(&s->n[1]) == 0))
			continue;
		for (int v = 0; v < 2; v++) {
			buf_printf(out, "cnauthz_decisions_%s_total{verdict=\"%s\",%s=\"",
				   label[0] == 'f' ? "by_file" : "by_cn",
				   verdict[v], label);
			add_label(out, name[0] ? name : "(none)");
			buf_printf(out, "\"} %llu\n",
				   (unsigned long long)get(&s->n[v]));
		}
	}
}

void metrics_write(struct metrics *m, const char *hash, const char *version,
		   struct buf *out)
{
	uint64_t cum = 0;
	char sum[64];

	head(out, "cnauthz_decisions_by_file_total", "counter",
	     "Decisions by verdict and the rule file whose stack ran ((none): none ran).");
	table_write(out, &m->files, "file");
	if (m->cns.slots != NULL) {
		head(out, "cnauthz_decisions_by_cn_total", "counter",
		     "Decisions by verdict and CN (--metrics-cn-label).");
		table_write(out, &m->cns, "cn");
	}
	counter(out, "cnauthz_identity_refusals_total",
		"Requests denied because no identity could be taken from them.",
		&m->identity_refused);
	counter(out, "cnauthz_malformed_requests_total",
		"Requests denied because they could not be read.",
		&m->malformed);
	counter(out, "cnauthz_body_unseen_denials_total",
		"Denials because a rule needed a body dockerd did not forward.",
		&m->body_unseen);
	head(out, "cnauthz_decision_seconds", "histogram",
	     "Time to decide and audit one call.");
	for (size_t b = 0; b < NBUCKETS; b++) {
		cum += get(&m->bucket[b]);
		buf_printf(out, "cnauthz_decision_seconds_bucket{le=\"%s\"} %llu\n",
			   bucket_le[b], (unsigned long long)cum);
	}
	/* +Inf is the count: read once, so +Inf >= every bucket read before */
	{
		uint64_t n = get(&m->count), s = get(&m->sum_ns);

		if (n < cum)
			n = cum;
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
		   (unsigned long long)get(&m->reload_ok),
		   (unsigned long long)get(&m->reload_refused));
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
		&m->audit_failures);
	head(out, "cnauthz_threads_busy", "gauge",
	     "Threads deciding a call right now.");
	buf_printf(out, "cnauthz_threads_busy %d\n",
		   atomic_load_explicit(&m->busy, memory_order_relaxed));
}
