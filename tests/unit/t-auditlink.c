/*
 * t-auditlink.c - "audit verify --any-order" (auditlink.h): chains linked
 * by their hashes in a collector's file: in order, shuffled, repeated,
 * one record missing, one altered (and one forged with a right hash of
 * its own), two process runs, a chain continued from a file not given.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "auditlink.h"
#include "auditverify.h"
#include "tap.h"
#include "testlib.h"

#define ZEROS "0000000000000000000000000000000000000000000000000000000000000000"
#define N 12

static char verr[4096], vout[4096];

/* One record after prev (ZEROS: a start), its hash computed as audit.c
 * writes it; time "2026-01-0DT00:00:SS". malloc'ed. */
static char *mkrec(unsigned seq, int day, const char *prev, const char *verdict)
{
	char *line = NULL, hex[65];
	const char *claimed;
	int n;

	n = asprintf(&line,
		     "{\"seq\":%u%s,\"time\":\"2026-01-0%dT00:00:%02u.000000Z\",\"call\":\"AuthZReq\",\"decision\":\"%s\",\"prev\":\"%s\",\"hash\":\"%s\"}",
		     seq, seq == 1 ? ",\"start\":{\"pid\":1,\"version\":\"t\"}" : "",
		     day, seq % 60, verdict, prev, ZEROS);
	if (n < 0)
		bail("out of memory");
	if (audit_line_hash(line, (size_t)n, hex, &claimed) < 0)
		bail("audit_line_hash refused a record");
	memcpy(line + n - 66, hex, 64);
	return line;
}

/* A chain of N records: v[0..N-1]; hash of v[i] in h[i]. */
static void mkchain(char **v, int day)
{
	char prev[65] = ZEROS, hex[65];
	const char *claimed;

	for (unsigned i = 0; i < N; i++) {
		v[i] = mkrec(i + 1, day, prev, i % 3 ? "allow" : "deny");
		audit_line_hash(v[i], strlen(v[i]), hex, &claimed);
		memcpy(prev, hex, 65);
	}
}

static void write_lines(const char *path, char **v, const int *order)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL)
		bail_errno(path);
	for (int i = 0; order[i] >= 0; i++)
		fprintf(f, "%s\n", v[order[i]]);
	fclose(f);
}

static int verify(bool strict, const char *f1)
{
	const char *files[1] = {f1};
	struct audit_verify_opts o = {strict, false, true};
	FILE *out = fmemopen(vout, sizeof vout, "w");
	FILE *err = fmemopen(verr, sizeof verr, "w");
	int rc;

	memset(verr, 0, sizeof verr);
	memset(vout, 0, sizeof vout);
	rc = audit_verify(files, 1, &o, out, err);
	fclose(out);
	fclose(err);
	return rc;
}

int main(void)
{
	char *v[2 * N + 2];
	const char *f;

	scratch_make("auditlink");
	f = scratch_at("c.log");
	mkchain(v, 1);
	mkchain(v + N, 2); /* a second process run, a day later */

	write_lines(f, v, (const int[]){0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, -1});
	is_int(verify(false, f), 0, "in order: sound");
	like(vout, "ok, 12 record(s) in 1 chain(s), 1 process start(s), 0 repeat(s)",
	     "... one chain of 12");
	like(vout, "c.log:1: chain of 12 record(s), seq 1..12, last hash",
	     "... from its start to its last");
	{ /* the same in file order: the default still agrees */
		const char *files[1] = {f};
		struct audit_verify_opts o = {false, true, false};
		FILE *dn = fopen("/dev/null", "w");

		is_int(audit_verify(files, 1, &o, dn, dn), 0, "... and in file order");
		fclose(dn);
	}

	write_lines(f, v, (const int[]){7, 2, 11, 0, 5, 9, 1, 4, 10, 3, 8, 6, -1});
	is_int(verify(false, f), 0, "shuffled: sound");
	like(vout, "ok, 12 record(s) in 1 chain(s)", "... still one chain of 12");
	like(vout, "seq 1..12", "... seq 1 to 12");

	write_lines(f, v, (const int[]){0, 1, 2, 3, 3, 4, 5, 9, 6, 7, 8, 9, 10, 11, 0, -1});
	is_int(verify(false, f), 0, "repeated records (a RELP resend): sound");
	like(vout, "c.log:5: seq 4 repeats line 4 (a resent record): counted once",
	     "... each repeat noted as such");
	like(vout, "c.log:12: seq 10 repeats line 8", "... named where it was first");
	like(vout, "ok, 12 record(s) in 1 chain(s), 1 process start(s), 3 repeat(s) counted once",
	     "... counted once: 12 records, 3 repeats");
	is_int((long long)strlen(verr), 0, "... and no problem said");

	write_lines(f, v, (const int[]){5, 0, 1, 2, 3, 6, 7, 8, 9, 10, 11, -1});
	is_int(verify(false, f), 1, "one missing (seq 5), shuffled: broken");
	like(verr, "c.log:1: seq 6: the record before it (seq 5, hash ",
	     "... the missing record is named by the one after it");
	write_lines(f, v, (const int[]){11, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10, -1});
	is_int(verify(false, f), 0,
	       "the last one arriving first, the second last twice: sound");

	{ /* altered: its own hash no longer matches */
		char *e = strdup(v[4]), *p = strstr(e, "\"allow\"");

		if (p != NULL)
			memcpy(p, "\"ALLOW\"", 7);
		v[2 * N] = e;
		write_lines(f, v, (const int[]){0, 1, 2, 3, 2 * N, 5, 6, 7, 8, 9, 10, 11, -1});
		is_int(verify(false, f), 1, "one altered: broken");
		like(verr, "c.log:5: seq 5: the hash does not match the record",
		     "... named by line and seq");
		write_lines(f, v, (const int[]){0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 2 * N, -1});
		is_int(verify(false, f), 1,
		       "... even when the true record is there as well");
	}
	{ /* forged: right hash of its own, so the next one's prev betrays it */
		char hex[65];
		const char *claimed;

		audit_line_hash(v[3], strlen(v[3]), hex, &claimed);
		v[2 * N + 1] = mkrec(5, 1, hex, "bogus");
		write_lines(f, v, (const int[]){0, 1, 2, 3, 2 * N + 1, 5, 6, 7, 8, 9, 10, 11, -1});
		is_int(verify(false, f), 1, "one replaced by a forged record: broken");
		like(verr, "c.log:6: seq 6: the record before it (seq 5,",
		     "... the next record misses the true one");
		write_lines(f, v, (const int[]){0, 1, 2, 3, 4, 2 * N + 1, 5, 6, 7, 8, 9, 10, 11, -1});
		is_int(verify(false, f), 1, "... inserted beside the true one: broken");
		like(verr, "one of them was altered or inserted", "... two records follow seq 4");
	}

	write_lines(f, v, (const int[]){N + 3, 0, N + 0, 1, 2, N + 1, N + 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
					N + 4, N + 5, N + 6, N + 7, N + 8, N + 9, N + 10, N + 11, -1});
	is_int(verify(false, f), 0, "two process runs interleaved: sound");
	like(vout, "ok, 24 record(s) in 2 chain(s), 2 process start(s)", "... two chains");

	write_lines(f, v, (const int[]){8, 5, 6, 7, 9, 10, 11, N + 0, N + 1, -1});
	is_int(verify(false, f), 0, "a chain continued from a file not given: sound");
	like(vout, "c.log:2: seq 6 continues a chain from an earlier file",
	     "... saying so");
	is_int(verify(true, f), 1, "... an error with --strict");
	like(verr, "which was not given (--strict)", "... saying why");
	write_lines(f, v, (const int[]){0, 1, N + 8, N + 9, -1});
	is_int(verify(false, f), 1,
	       "a headless chain younger than a start: broken, not an older file");
	like(verr, "seq 9: the record before it (seq 8", "... a missing record");

	FILE *t = fopen(f, "wb");
	fputs(v[0], t);
	fputs("\n{\"seq\":2,\"ti", t);
	fclose(t);
	is_int(verify(false, f), 1, "a torn last line: broken");
	like(verr, "c.log:2: the last record is cut short", "... named");
	write_lines(f, v, (const int[]){-1});
	is_int(verify(false, f), 0, "no records: sound");
	like(vout, "ok, 0 record(s) in 0 chain(s)", "... saying so");

	for (int i = 0; i < 2 * N + 2; i++)
		free(v[i]);
	scratch_remove();
	return done_testing();
}
