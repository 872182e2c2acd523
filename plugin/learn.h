/*
 * learn.h - who owns what, learnt from the calls cnauthz judged.
 *
 * dockerd asks about every call twice: AuthZReq before it runs, AuthZRes
 * after, with the response status and, for a JSON answer of at most 64
 * KiB, the answer itself. From an allowed container create's AuthZReq
 * the volumes it will make (Binds and Mounts naming a volume that does
 * not exist) are claimed for the caller; from a successful AuthZRes:
 *
 *   POST /containers/create     {"Id"} and ?name=: the caller's container
 *                               (and the volumes claimed for it)
 *   POST /containers/{c}/exec   {"Id"}: the caller's exec in container c
 *   POST /volumes/create        {"Name","CreatedAt"}: the caller's
 *                               volume, unless it already had an owner
 *   POST /networks/create       {"Id"} and the body's Name
 *   POST /containers/{c}/rename ?name=: c's new name
 *   DELETE /volumes/{name}      forgotten
 *   DELETE /networks/{n}        forgotten, when n names one network
 *   POST /images/{i}/tag, POST /commit: the tag made is the caller's
 *   DELETE /images/{tag}        the tag forgotten
 *
 * Removed containers are forgotten when dockerd's events say so
 * (tenancy.h): a name in a path may already mean another container by
 * the time the AuthZRes comes. The caller is the CN, or "@local".
 */
#ifndef CNZ_LEARN_H
#define CNZ_LEARN_H

#include <stdint.h>

struct owners;
struct cnauthz_request;
struct decision;

/* How long a volume claimed at an AuthZReq waits for its AuthZRes. */
#define LEARN_CLAIM_TTL_MS 120000

/* After decide() judged view (d: its decision; response: an AuthZRes);
 * now_ms on CLOCK_MONOTONIC. */
void learn(struct owners *o, const struct cnauthz_request *view,
	   const struct decision *d, int64_t now_ms);

#endif
