/*
 * metrics.h - the daemon's counters, and their Prometheus text
 * exposition (version 0.0.4).
 *
 * Every count is a relaxed atomic add on the counters of the CPU the
 * thread runs on (a scrape sums them): the decision path takes no lock,
 * waits for nobody, whoever scrapes, and shares no cache line with the
 * other workers. Decisions are counted by verdict
 * and by the rule file whose stack ran (a bounded label set: the rule
 * files, at most METRICS_MAX_FILES of them, the rest as "(other)"); the
 * CN is a label only when asked (metrics_new's cn_label), bounded alike.
 */
#ifndef CNZ_METRICS_H
#define CNZ_METRICS_H

#include <stdbool.h>
#include <stdint.h>

#include "text.h"

struct metrics;
struct decision;

#define METRICS_MAX_FILES 256
#define METRICS_MAX_CNS 1024

/* NULL when out of memory. */
struct metrics *metrics_new(bool cn_label);
void metrics_free(struct metrics *m);

/* The counters of the CPU a call began on. */
struct metrics_shard;

/* A thread begins deciding a call (one more busy): its counters, to give
 * back to metrics_end with the decision, answered in ns nanoseconds
 * (decide and audit). Both do nothing with m NULL. */
struct metrics_shard *metrics_begin(struct metrics *m);
void metrics_end(struct metrics *m, struct metrics_shard *sh,
		 const struct decision *d, uint64_t ns);
void metrics_reload(struct metrics *m, bool ok);
void metrics_audit_failure(struct metrics *m);

/* Appends the exposition; hash is the loaded rule set's (or NULL), version
 * its version (a label when neither NULL nor ""). */
void metrics_write(struct metrics *m, const char *hash, const char *version,
		   struct buf *out);

#endif
