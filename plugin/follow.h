/*
 * follow.h - dockerd's answers about its objects, read into the store
 * (owners.h): the listings cnauthz asks for when it starts and whenever
 * it reconnects, and the events it follows in between. Both parsers take
 * a buffer and a length; what they cannot read is refused whole (a
 * listing) or skipped (one event), never half applied.
 *
 *   GET /containers/json?all=1   [{"Id","Names":["/web","/other/alias"]}]
 *   GET /networks                [{"Id","Name"}]
 *   GET /volumes                 {"Volumes":[{"Name","CreatedAt"}]}
 *   GET /images/json             [{"Id","RepoTags":["busybox:latest"]}]
 *   GET /events                  {"Type","Action","Actor":{"ID",
 *                                 "Attributes":{"name",...}}} a line
 *
 * Events: container create, rename and destroy, network create and
 * destroy apply at once; volume and image events ask for a new listing
 * of their kind (an image's untag does not say which tag went, a
 * volume's create not when it was made).
 */
#ifndef CNZ_FOLLOW_H
#define CNZ_FOLLOW_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#include "owners.h"

/* The listing path of each kind (NULL for execs, which dockerd does not
 * list). */
const char *follow_list_path(enum own_kind k);

/* A listing's body, applied with owners_sync(since). Returns how many
 * objects were forgotten, or -1 with err. */
long follow_list(struct owners *o, enum own_kind k, const char *body,
		 size_t len, uint64_t since, struct cnz_err *err);

/* What an event asks for next. */
enum follow_need {
	FOLLOW_RELIST_VOLUMES = 1,
	FOLLOW_RELIST_IMAGES = 2,
};

/* One event line; ORs follow_need bits into *need. 0, or -1 with err
 * (the event is ignored). */
int follow_event(struct owners *o, const char *line, size_t len,
		 unsigned *need, struct cnz_err *err);

/* The events path: since now, the four kinds only. */
#define FOLLOW_EVENTS_PATH                                                    \
	"/v1.41/events?filters=%7B%22type%22%3A%5B%22container%22%2C"          \
	"%22network%22%2C%22volume%22%2C%22image%22%5D%7D"

#endif
