/*
 * auditverify.h - "cnauthz audit verify": checks the hash chain of audit
 * files (see audit.h) and names the first broken or missing record.
 *
 * Files are read in the order given, oldest first, and one chain may run
 * on from one file into the next (a rotated log). Within the files:
 * every line is a complete JSON record whose hash is right; a record with
 * "start" begins a process's chain (seq 1, prev all zeros); every other
 * record follows the one before it (seq + 1, prev = its hash). The first
 * record of the first file may continue a chain from a file not given: a
 * note, or an error with strict. With any_order, the records may be in
 * any order and repeated (auditlink.h).
 */
#ifndef CNZ_AUDITVERIFY_H
#define CNZ_AUDITVERIFY_H

#include <stdbool.h>
#include <stdio.h>

struct audit_verify_opts {
	bool strict; /* a chain that starts before the first file: an error */
	bool quiet;  /* nothing on out when all is well */
	/* link the records by their hashes, in any order, repeats counted
	 * once (a central collector's file): auditlink.h */
	bool any_order;
};

/* 0: every file is sound; 1: a record is broken or missing (one line on
 * errout: "file:line: seq N: why"); 2: a file could not be read. */
int audit_verify(const char *const *files, size_t nfiles,
		 const struct audit_verify_opts *o, FILE *out, FILE *errout);

/* "cnauthz audit ARGS": argv[0] is "audit". The exit status. */
int audit_main(int argc, char **argv);

#endif
