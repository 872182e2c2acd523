/*
 * metricsrv.h - serves GET /metrics (struct metrics' exposition) on its
 * own libmicrohttpd daemon, one thread: a unix socket path (mode 0600, as
 * the plugin's) or 127.0.0.1:PORT / [::1]:PORT (loopback only: the
 * counters name rule files, and scraping from afar is a proxy's job).
 */
#ifndef CNZ_METRICSRV_H
#define CNZ_METRICSRV_H

#include <stddef.h>

#include "err.h"
#include "metrics.h"

struct metricsrv;

/* Writes the loaded rule set's hash (NUL-terminated) into hash[65] and
 * its version (rulesver.h; "" when none) into version[65]; 0 on
 * success. */
typedef int (*metricsrv_hash_fn)(void *arg, char *hash, char *version);

struct metricsrv *metricsrv_start(const char *addr, struct metrics *m,
				  metricsrv_hash_fn hash, void *arg,
				  struct cnz_err *err);
void metricsrv_stop(struct metricsrv *s);

#endif
