/*
 * ownstate.h - the ownership store (owners.h) as a state file, and back.
 *
 * The state file is JSON:
 *
 *   {"cnauthz-owners":1,
 *    "containers":[{"id":HEX64,"name":"web","owner":"alice","ou":"dev"}],
 *    "execs":[{"id":HEX64,"container":HEX64,"owner":"alice"}],
 *    "volumes":[{"name":"data","created":"2024-...","owner":"alice"}],
 *    "networks":[{"id":HEX64,"name":"net","owner":"alice"}],
 *    "tags":[{"tag":"docker.io/library/x:1","image":"sha256:...",
 *             "owner":"alice"}]}
 *
 * "owner" (a CN, or "@local" for dockerd's unix socket) and "ou" (the
 * owner's certificate OU when it made the object) are absent for an
 * unowned object. The parser takes a buffer and a length and refuses
 * anything else: an unknown member, a malformed ID or name, a duplicate.
 */
#ifndef CNZ_OWNSTATE_H
#define CNZ_OWNSTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "owners.h"

/* The state file's text (malloc'ed, *len bytes), as of *changes (may be
 * NULL); NULL when out of memory. */
char *owners_dump(const struct owners *o, size_t *len, uint64_t *changes);
/*
 * Reads a state file's text into o, which must be empty. verified false:
 * the objects are what dockerd had when the file was written, to be
 * checked against its next listing (owners_sync); true: take them as they
 * are (cnauthz test). -1 with err on any error, o then empty.
 */
int owners_load(struct owners *o, const char *buf, size_t len, bool verified,
		struct cnz_err *err);

#endif
