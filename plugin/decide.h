/*
 * decide.h - one AuthZReq (or AuthZRes) body in, one decision out:
 * decode, identity, canonical route, the CN's stack. Used alike by the
 * daemon, "cnauthz test" and "cnauthz replay", so all three agree.
 */
#ifndef CNZ_DECIDE_H
#define CNZ_DECIDE_H

#include <stdbool.h>
#include <stddef.h>

#include "stack.h"

struct ruleset;
struct identity;
struct idcache;
struct owners;
struct request;
struct route;
struct cnauthz_request;
struct decision;

#define DECISION_MSG 1024
#define IDENTITY_LABEL_MAX 72

struct decision {
	bool allow;
	char msg[DECISION_MSG]; /* the Msg dockerd shows on a denial */
	char rule[300];          /* deciding rule "file:line", or "" */
	char stack[80];          /* the file whose stack ran, or "" */
	/* What the request was, as far as it could be read: */
	char who[IDENTITY_LABEL_MAX];
	char method[16];
	char path[256];
	char uri[1024];        /* raw RequestUri, printable, maybe cut */
	char ruleset[65];      /* hash of the rule set that decided */
	/* SHA-256 (hex) of User, method, URI and body: the same for an
	 * AuthZReq and its AuthZRes, so the audit can pair them ("" unless
	 * decide_opts.digest asks for it). */
	char digest[65];
	int status;            /* ResponseStatusCode (AuthZRes), or 0 */
	/* Denied because a rule needed a body dockerd did not forward (or
	 * that could override the query): true for every such denial of a
	 * request rebuilt from an audit record, which keeps no body. */
	bool body_unseen;
	struct identity *id; /* a reference, or NULL; decision_clear drops */
	/* What the built-in checks saw (never the body itself), a JSON
	 * object's text (view_take_facts) or NULL; decision_clear frees it. */
	char *facts;
};

/* The daemon's hooks around a decision (tenancy.h). */
struct decide_hooks {
	/* Before any rule: true when the request is cnauthz's own, to
	 * dockerd; it is allowed, rule "cnauthz:self", no stack run. */
	bool (*self)(void *arg, const struct request *req,
		     const struct identity *id, const struct route *route);
	/* After the stack, the view still held: learns what the call did
	 * (creates, renames, removals). */
	void (*after)(void *arg, const struct cnauthz_request *view,
		      const struct decision *d);
};

struct decide_opts {
	/* Judge as this identity instead of the request's certificate
	 * (cnauthz test --cn). */
	struct identity *as;
	/* Judge with this rule file ("@developer") instead of the one the
	 * identity picks (cnauthz test --stack). */
	const char *stack;
	/* Identities already parsed, by certificate (the daemon's). */
	struct idcache *cache;
	/* Compute decision.digest (the audit pairs AuthZRes with it). */
	bool digest;
	stack_trace_fn trace;
	void *trace_arg;
	/* Who owns what, for the owner module (NULL: not known here). */
	struct owners *owners;
	/* This is dockerd's AuthZRes: the call has run. */
	bool response;
	/* Nobody reads decision.facts (no audit trail): modules may skip
	 * the costly ones. */
	bool no_facts;
	const struct decide_hooks *hooks; /* NULL: none */
	void *hooks_arg;
};

void decide(struct ruleset *rs, const char *buf, size_t len,
	    const struct decide_opts *o, struct decision *d);
void decision_clear(struct decision *d);

#endif
