/*
 * ownname.h - the syntax of what the ownership store keeps (owners.h):
 * IDs, owners, object names and keys, the extra values and OUs. Shared by
 * the store, its state file and the parsers of dockerd's answers
 * (follow.h, learn.h), so each refuses the same things.
 */
#ifndef CNZ_OWNNAME_H
#define CNZ_OWNNAME_H

#include <stdbool.h>

#include "owners.h"

bool owners_id_valid(const char *s);          /* 64 lower-case hex */
bool owners_owner_valid(const char *s);       /* a CN or "@local" */
bool owners_key_valid(enum own_kind k, const char *s);
bool owners_name_valid(enum own_kind k, const char *s);
/* An extra value (own_put): an exec's container ID is an ID; the rest
 * short and plain, or "". */
bool owners_extra_valid(enum own_kind k, const char *s);
/* An owner's OU: 1 to OWN_OU_MAX-1 bytes, no control byte. */
bool owners_ou_valid(const char *s);

#endif
