/*
 * ruleset_holder.h - the daemon's current rule set, swapped whole on reload.
 *
 * A request takes a reference to the set in force when it starts and
 * keeps judging with it; a reload installs a new set for the requests
 * after it, and the old one is freed when its last request lets go
 * (ruleset_ref, ruleset_unref).
 */
#ifndef CNZ_RULESET_HOLDER_H
#define CNZ_RULESET_HOLDER_H

#include "ruleset.h"

struct ruleset_holder;

/* Holds rs, taking the caller's reference; NULL when out of memory
 * (the reference is then still the caller's). */
struct ruleset_holder *ruleset_holder_new(struct ruleset *rs);
void ruleset_holder_free(struct ruleset_holder *h);
/* A new reference to the set in force. */
struct ruleset *ruleset_holder_get(struct ruleset_holder *h);
/* Installs rs (taking the caller's reference) and drops the old one. */
void ruleset_holder_swap(struct ruleset_holder *h, struct ruleset *rs);

#endif
