/*
 * cnauthz_module.h - the module ABI of cnauthz, version 1.
 *
 * A module is one exported descriptor, struct cnauthz_module, named
 * "cnauthz_module" in a shared object (or a table entry for built-ins, which
 * use this same descriptor). cnauthz refuses a module whose abi_version is
 * not its own CNAUTHZ_MODULE_ABI, whose name is not the one it was loaded
 * by, or that lacks init or evaluate; the rule file naming it is rejected.
 * The api table may grow at its end in later versions of ABI 1: check
 * api->size before using a member added after this header. cnauthz calls init once per rule line when a
 * rule set is loaded, evaluate once per request that reaches the line, and
 * free when the rule set is dropped. evaluate must be thread-safe: it gets a
 * const state and may be called from several threads at once.
 *
 * A module answers CNAUTHZ_SUCCESS, CNAUTHZ_DENY, CNAUTHZ_IGNORE (not about
 * this request) or CNAUTHZ_ERROR; the rule's control decides what that does
 * to the stack, with Linux-PAM's semantics (cnauthz-rules(5)).
 */
#ifndef CNAUTHZ_MODULE_H
#define CNAUTHZ_MODULE_H

#include <stddef.h>

#define CNAUTHZ_MODULE_ABI 1

enum cnauthz_result {
	CNAUTHZ_SUCCESS = 0,
	CNAUTHZ_DENY = 1,
	CNAUTHZ_IGNORE = 2,
	CNAUTHZ_ERROR = 3,
};
#define CNAUTHZ_NRESULTS 4

/* The read-only view of one request; only the api below reads it. */
struct cnauthz_request;

/* One JSON value of the request body, as body_visit reaches it. */
enum cnauthz_type {
	CNAUTHZ_NULL = 0,
	CNAUTHZ_BOOL = 1,
	CNAUTHZ_INT = 2,
	CNAUTHZ_REAL = 3,
	CNAUTHZ_STRING = 4,
	CNAUTHZ_ARRAY = 5,  /* elements not given; use "[]" in the path */
	CNAUTHZ_OBJECT = 6, /* members not given; extend the path */
};

struct cnauthz_value {
	enum cnauthz_type type;
	int boolean;
	long long integer;
	double real;
	const char *string; /* NUL-terminated; never contains NUL */
	size_t length;      /* of string */
};

/* Called for each value a body path reaches; return non-zero to stop. */
typedef int (*cnauthz_visit_fn)(void *arg, const struct cnauthz_value *v);

/* What cnauthz offers a module. Strings are NUL-terminated, owned by
 * cnauthz and valid for the duration of the call. */
struct cnauthz_api {
	unsigned abi_version;
	size_t size; /* sizeof(struct cnauthz_api) in cnauthz */
	/* "GET", ... exactly as dockerd sent it; "" when dockerd sent none. */
	const char *(*method)(const struct cnauthz_request *req);
	/* Canonical path: percent-decoded, "/v1.41" prefix removed. */
	const char *(*path)(const struct cnauthz_request *req);
	/* The raw RequestUri as dockerd sent it. */
	const char *(*uri)(const struct cnauthz_request *req);
	/* First value of query parameter name, decoded as dockerd decodes
	 * it, or NULL when absent. */
	const char *(*query)(const struct cnauthz_request *req,
			     const char *name);
	/* A request header, name compared case-insensitively, or NULL. */
	const char *(*header)(const struct cnauthz_request *req,
			      const char *name);
	/* 1 for a caller without a TLS identity (dockerd's unix socket). */
	int (*is_local)(const struct cnauthz_request *req);
	/* The client certificate's CN, "" when local. */
	const char *(*cn)(const struct cnauthz_request *req);
	/*
	 * The client certificate's fields: name is "CN", "O", "OU" (subject
	 * attributes; index counts repeats), "SAN" ("DNS:x", "IP:x",
	 * "email:x", "URI:x"; index counts entries), "subject", "issuer"
	 * (RFC 2253), "serial" (lower-case hex), "fingerprint" (SHA-256 of
	 * the DER, lower-case hex), "not_before", "not_after" (seconds since
	 * the epoch, decimal). NULL past the last value, for an unknown name,
	 * or when the caller has no certificate. Valid until the next call
	 * of cert.
	 */
	const char *(*cert)(const struct cnauthz_request *req,
			    const char *name, size_t index);
	/*
	 * Visits the values the body path reaches ("HostConfig.Binds[]"),
	 * read as dockerd's Go decoder reads the body (case-insensitive
	 * field names with Go's folding). Returns 0 when visited (none when
	 * absent), -1 when the body cannot be read as dockerd reads it or
	 * was not forwarded: the request is then denied whatever the stack
	 * says, and the module should answer CNAUTHZ_ERROR.
	 */
	int (*body_visit)(const struct cnauthz_request *req, const char *path,
			  cnauthz_visit_fn fn, void *arg);
};

/* Where init found a problem: argument index (-1: the line as a whole),
 * byte offset within that argument, and a message. */
struct cnauthz_init_error {
	int arg;
	size_t offset;
	char msg[256];
};

struct cnauthz_module {
	unsigned abi_version; /* CNAUTHZ_MODULE_ABI */
	const char *name;
	/* Parses the rule line's arguments into *state. 0 on success;
	 * otherwise -1 with err filled in, and nothing to free. */
	int (*init)(const struct cnauthz_api *api, int argc,
		    const char *const *argv, void **state,
		    struct cnauthz_init_error *err);
	/* Judges one request. May write a short reason into msg (always
	 * NUL-terminated by cnauthz); it is what a denial says. */
	enum cnauthz_result (*evaluate)(const void *state,
					const struct cnauthz_api *api,
					const struct cnauthz_request *req,
					char *msg, size_t msgsz);
	void (*free)(void *state);
};

#endif
