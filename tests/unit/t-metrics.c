/*
 * t-metrics.c - the daemon's counters and their Prometheus text
 * exposition: what each decision adds, label values escaped, the label
 * set bounded (files past the cap count as "(other)"), the histogram
 * cumulative, and exact counts from threads counting at once.
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "decide.h"
#include "metrics.h"
#include "tap.h"
#include "testlib.h"

static char *scrape_v(struct metrics *m, const char *hash, const char *ver)
{
	struct buf b;
	char *s;

	buf_init(&b);
	metrics_write(m, hash, ver, &b);
	if (b.oom)
		bail("out of memory");
	s = strdup(buf_cstr(&b));
	buf_free(&b);
	if (s == NULL)
		bail("out of memory");
	return s;
}

static char *scrape(struct metrics *m, const char *hash)
{
	return scrape_v(m, hash, NULL);
}

static void decision(struct decision *d, bool allow, const char *stack,
		     const char *who, const char *msg)
{
	memset(d, 0, sizeof *d);
	d->allow = allow;
	snprintf(d->stack, sizeof d->stack, "%s", stack);
	snprintf(d->who, sizeof d->who, "%s", who);
	snprintf(d->msg, sizeof d->msg, "%s", msg);
}

/* One call, begun and ended here. */
static void count(struct metrics *m, const struct decision *d, uint64_t ns)
{
	metrics_end(m, metrics_begin(m), d, ns);
}

static struct metrics *shared;

static void *hammer(void *arg)
{
	struct decision d;

	decision(&d, arg != NULL, "admin", "admin", "");
	for (int i = 0; i < 100000; i++)
		count(shared, &d, 1000);
	return NULL;
}

/* Moves this thread to CPU cpu: 0, or -1 when it may not run there. */
static int on_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof set, &set) < 0 || sched_getcpu() != cpu)
		return -1;
	return 0;
}

int main(void)
{
	struct metrics *m = metrics_new(false);
	struct decision d;
	char *s, name[32];
	pthread_t th[4];

	ok(m != NULL, "metrics_new");
	s = scrape(m, "abc");
	like(s, "# TYPE cnauthz_decisions_by_file_total counter\n",
	     "a fresh scrape declares the decision counter");
	ok(strstr(s, "cnauthz_decisions_by_file_total{") == NULL,
	   "... with no series before a decision");
	like(s, "cnauthz_ruleset_info{hash=\"abc\"} 1\n", "the set's hash as an info metric");
	like(s, "cnauthz_decision_seconds_bucket{le=\"+Inf\"} 0\n", "an empty histogram");
	ok(strstr(s, "by_cn") == NULL, "no CN series unless asked");
	free(s);

	decision(&d, true, "admin", "admin", "allowed by admin:3");
	count(m, &d, 20000);   /* 20 us */
	count(m, &d, 2000000); /* 2 ms */
	decision(&d, false, "@developer", "dev1", "no rule allows it");
	d.body_unseen = true;
	count(m, &d, 5000000000u); /* 5 s: only +Inf */
	decision(&d, false, "", "?", "identity refused: no CN");
	count(m, &d, 1000);
	decision(&d, false, "", "?", "malformed AuthZReq: x");
	count(m, &d, 1000);
	metrics_reload(m, true);
	metrics_reload(m, false);
	metrics_reload(m, false);
	metrics_audit_failure(m);
	metrics_begin(m); /* a call being decided */
	s = scrape(m, "a\"b\\c\nd");
	like(s, "cnauthz_decisions_by_file_total{verdict=\"allow\",file=\"admin\"} 2\n",
	     "allowed decisions by file");
	like(s, "cnauthz_decisions_by_file_total{verdict=\"deny\",file=\"admin\"} 0\n",
	     "... with the other verdict at 0");
	like(s, "cnauthz_decisions_by_file_total{verdict=\"deny\",file=\"@developer\"} 1\n",
	     "denied decisions by file");
	like(s, "cnauthz_decisions_by_file_total{verdict=\"deny\",file=\"(none)\"} 2\n",
	     "decisions no stack ran for, as (none)");
	like(s, "cnauthz_identity_refusals_total 1\n", "identity refusals");
	like(s, "cnauthz_malformed_requests_total 1\n", "malformed requests");
	like(s, "cnauthz_body_unseen_denials_total 1\n", "body-unseen denials");
	like(s, "cnauthz_decision_seconds_bucket{le=\"1e-05\"} 2\n", "the first bucket");
	like(s, "cnauthz_decision_seconds_bucket{le=\"2.5e-05\"} 3\n",
	     "buckets are cumulative");
	like(s, "cnauthz_decision_seconds_bucket{le=\"0.0025\"} 4\n", "... 2 ms in the 2.5 ms one");
	like(s, "cnauthz_decision_seconds_bucket{le=\"1\"} 4\n", "... 5 s in none");
	like(s, "cnauthz_decision_seconds_bucket{le=\"+Inf\"} 5\n", "... but in +Inf");
	like(s, "cnauthz_decision_seconds_count 5\n", "the count");
	like(s, "cnauthz_decision_seconds_sum 5.002022000\n", "the sum, in seconds");
	like(s, "cnauthz_reloads_total{result=\"ok\"} 1\n", "reloads ok");
	like(s, "cnauthz_reloads_total{result=\"refused\"} 2\n", "reloads refused");
	like(s, "cnauthz_audit_failures_total 1\n", "audit failures");
	like(s, "cnauthz_threads_busy 1\n", "threads busy");
	like(s, "cnauthz_ruleset_info{hash=\"a\\\"b\\\\c\\nd\"} 1\n",
	     "label values escaped: quote, backslash, newline");
	free(s);
	s = scrape_v(m, "abc", "0123abcd");
	like(s, "cnauthz_ruleset_info{hash=\"abc\",version=\"0123abcd\"} 1\n",
	     "the set's version, when it has one, as a label of the info metric");
	free(s);
	s = scrape_v(m, "abc", "");
	like(s, "cnauthz_ruleset_info{hash=\"abc\"} 1\n", "... none when it has none");
	free(s);

	for (int i = 0; i < METRICS_MAX_FILES + 10; i++) {
		snprintf(name, sizeof name, "f%d", i);
		decision(&d, true, name, name, "");
		count(m, &d, 1);
	}
	s = scrape(m, NULL);
	like(s, "cnauthz_decisions_by_file_total{verdict=\"allow\",file=\"(other)\"} 13\n",
	     "files past the cap are counted as (other)");
	ok(strstr(s, "cnauthz_ruleset_info{") == NULL, "no info line without a set");
	free(s);
	metrics_free(m);

	shared = metrics_new(true);
	for (int i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, hammer, i % 2 ? shared : NULL);
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	s = scrape(shared, "h");
	like(s, "cnauthz_decisions_by_file_total{verdict=\"allow\",file=\"admin\"} 200000\n",
	     "4 threads at once: every allow counted");
	like(s, "cnauthz_decisions_by_file_total{verdict=\"deny\",file=\"admin\"} 200000\n",
	     "... and every deny");
	like(s, "cnauthz_decisions_by_cn_total{verdict=\"allow\",cn=\"admin\"} 200000\n",
	     "by CN when asked");
	like(s, "cnauthz_decision_seconds_count 400000\n", "... and the histogram's count");
	free(s);
	metrics_free(shared);

	/* a thread's +1 and -1 counted on two CPUs' counters */
	m = metrics_new(false);
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2 || on_cpu(1) < 0 || on_cpu(0) < 0) {
		diag("one CPU only: the move between CPUs is not tried");
	} else {
		struct metrics_shard *sh = metrics_begin(m);

		decision(&d, true, "admin", "admin", "");
		count(m, &d, 1000);
		if (on_cpu(1) < 0)
			bail("cannot move back to CPU 1");
		count(m, &d, 1000);
		s = scrape(m, "h");
		like(s, "cnauthz_threads_busy 1\n",
		     "a call begun on one CPU is busy while the thread is on another");
		free(s);
		metrics_end(m, sh, &d, 1000);
		s = scrape(m, "h");
		like(s, "cnauthz_threads_busy 0\n",
		     "... and ended there: busy 0");
		like(s, "cnauthz_decisions_by_file_total{verdict=\"allow\",file=\"admin\"} 3\n",
		     "... the decisions on both CPUs summed");
		like(s, "cnauthz_decision_seconds_count 3\n", "... in the histogram too");
		free(s);
	}
	metrics_free(m);
	return done_testing();
}
