/*
 * guard.h - a deadline around code cnauthz does not control (a loaded
 * module's evaluate): the call runs on a helper thread and the caller
 * waits at most the deadline. A call that overruns is abandoned - its
 * thread finishes (or hangs) on its own and its result is thrown away -
 * and the caller denies. A hanging module costs a thread, never dockerd's
 * request: legacy plugins have no timeout in dockerd, so without this one
 * stuck evaluation would hang the API call, and then every one after it.
 *
 * Threads are made as needed, up to a cap; when every one of them is
 * stuck, calls fail at once.
 */
#ifndef CNZ_GUARD_H
#define CNZ_GUARD_H

#include <stdbool.h>
#include <stddef.h>

struct guard;

#define GUARD_MAX_THREADS 32

/* deadline_ms: how long a caller waits. */
struct guard *guard_new(unsigned deadline_ms);
/* Joins the idle threads; abandoned ones are detached and left. */
void guard_free(struct guard *g);
unsigned guard_deadline(const struct guard *g);

typedef void (*guard_fn)(void *arg);

enum guard_rc {
	GUARD_DONE = 0,       /* in time; the copy of arg is back in arg */
	GUARD_NOT_RUN = -1,   /* no thread free: fn never ran, never will */
	GUARD_OVERRAN = -2,   /* abandoned: fn is still running on its copy */
};

/*
 * Runs fn on a private copy of arg (argsz bytes, copied in and, when in
 * time, copied back out), so an abandoned call never writes the caller's
 * memory; whatever else fn reaches through pointers in arg must outlive
 * it (hold a reference in arg and let fn drop it).
 */
enum guard_rc guard_call_copy(struct guard *g, guard_fn fn, void *arg,
			      size_t argsz);

#endif
