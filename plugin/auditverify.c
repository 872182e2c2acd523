/* auditverify.c - see auditverify.h */
#include "auditverify.h"
#include "auditshow.h"
#include "auditlink.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"

#define ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"

struct chain {
	bool have;          /* a record before this one */
	uint64_t seq;
	char hash[65];
	char time[40];
	const char *file;   /* where it was */
	unsigned long line;
};

static bool is_hash(const char *s)
{
	if (s == NULL || strlen(s) != 64)
		return false;
	for (size_t i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* Checks one line (without its newline). 0 ok, 1 broken: msg says why,
 * *seq is the record's seq when it could be read (else 0). */
static int check_line(struct chain *c, const char *file, unsigned long ln,
		      const char *line, size_t len, bool strict, FILE *out,
		      uint64_t *seq, char *msg, size_t msgsz)
{
	json_t *rec = NULL, *jseq, *jprev;
	const char *when;
	json_error_t jerr;
	char hex[65];
	const char *claimed = NULL, *prev;
	int rc = 1;

	*seq = 0;
	rec = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (rec == NULL || !json_is_object(rec)) {
		snprintf(msg, msgsz,
			 "not a JSON record (a torn, truncated or edited line): %s",
			 rec == NULL ? jerr.text : "not an object");
		goto out;
	}
	jseq = json_object_get(rec, "seq");
	if (json_is_integer(jseq) && json_integer_value(jseq) > 0)
		*seq = (uint64_t)json_integer_value(jseq);
	if (audit_line_hash(line, len, hex, &claimed) < 0) {
		snprintf(msg, msgsz,
			 "no \"hash\" member at the end of the record (edited?)");
		goto out;
	}
	if (strncmp(hex, claimed, 64) != 0) {
		snprintf(msg, msgsz,
			 "the hash does not match the record: it was changed after it was written");
		goto out;
	}
	if (*seq == 0) {
		snprintf(msg, msgsz, "no valid \"seq\"");
		goto out;
	}
	jprev = json_object_get(rec, "prev");
	prev = json_string_value(jprev);
	if (!is_hash(prev)) {
		snprintf(msg, msgsz, "no valid \"prev\"");
		goto out;
	}
	when = json_string_value(json_object_get(rec, "time"));
	if (when == NULL || strlen(when) >= sizeof c->time) {
		snprintf(msg, msgsz, "no valid \"time\"");
		goto out;
	}
	if (json_object_get(rec, "start") != NULL) {
		if (*seq != 1 || strcmp(prev, ZERO_HASH) != 0) {
			snprintf(msg, msgsz,
				 "a chain start must be seq 1 with a prev of zeros");
			goto out;
		}
		/* A new process; whatever came before ended there, but not
		 * after it began (RFC 3339 UTC times compare as text). */
		if (c->have && strcmp(when, c->time) < 0) {
			snprintf(msg, msgsz,
				 "a chain start earlier than the record before it (seq %" PRIu64
				 " at %s:%lu, %s): files or process lifetimes out of order",
				 c->seq, c->file, c->line, c->time);
			goto out;
		}
	} else if (*seq == 1) {
		snprintf(msg, msgsz, "seq 1 without \"start\"");
		goto out;
	} else if (!c->have) {
		if (strict) {
			snprintf(msg, msgsz,
				 "continues a chain from an earlier file (prev %.16s...), which was not given (--strict)",
				 prev);
			goto out;
		}
		if (out != NULL)
			fprintf(out,
				"%s:%lu: seq %" PRIu64
				" continues a chain from an earlier file (prev %.16s...); not checked before it\n",
				file, ln, *seq, prev);
	} else if (*seq <= c->seq) {
		snprintf(msg, msgsz,
			 "seq %" PRIu64 " after seq %" PRIu64
			 " (%s:%lu): a record out of order, repeated or inserted",
			 *seq, c->seq, c->file, c->line);
		goto out;
	} else if (*seq > c->seq + 1) {
		if (*seq == c->seq + 2)
			snprintf(msg, msgsz,
				 "record seq %" PRIu64
				 " is missing (deleted, or moved): this one follows seq %" PRIu64
				 " (%s:%lu)",
				 c->seq + 1, c->seq, c->file, c->line);
		else
			snprintf(msg, msgsz,
				 "records seq %" PRIu64 "..%" PRIu64
				 " are missing (deleted, or moved): this one follows seq %" PRIu64
				 " (%s:%lu)",
				 c->seq + 1, *seq - 1, c->seq, c->file, c->line);
		goto out;
	} else if (strcmp(prev, c->hash) != 0) {
		snprintf(msg, msgsz,
			 "prev is not the hash of seq %" PRIu64
			 " (%s:%lu): a record was replaced or inserted",
			 c->seq, c->file, c->line);
		goto out;
	}
	c->have = true;
	c->seq = *seq;
	memcpy(c->hash, hex, sizeof c->hash);
	snprintf(c->time, sizeof c->time, "%s", when);
	c->file = file;
	c->line = ln;
	rc = 0;
out:
	json_decref(rec);
	return rc;
}

int audit_verify(const char *const *files, size_t nfiles,
		 const struct audit_verify_opts *o, FILE *out, FILE *errout)
{
	struct chain c;
	char *line = NULL, msg[512];
	size_t cap = 0;
	ssize_t n;
	int rc = 0;

	if (o->any_order)
		return audit_verify_any_order(files, nfiles, o, out, errout);
	memset(&c, 0, sizeof c);
	for (size_t f = 0; f < nfiles && rc == 0; f++) {
		const char *name = files[f];
		FILE *in = strcmp(name, "-") == 0 ? stdin : fopen(name, "re");
		unsigned long ln = 0, records = 0, starts = 0;
		uint64_t first = 0, seq = 0;

		if (in == NULL) {
			fprintf(errout, "cnauthz: %s: %s\n", name, strerror(errno));
			rc = 2;
			break;
		}
		while ((n = getline(&line, &cap, in)) > 0) {
			ln++;
			if (line[n - 1] != '\n') {
				fprintf(errout,
					"%s:%lu: the last record is cut short (no newline): a torn write\n",
					name, ln);
				rc = 1;
				break;
			}
			line[--n] = '\0';
			if (check_line(&c, name, ln, line, (size_t)n, o->strict,
				       o->quiet ? NULL : out, &seq, msg,
				       sizeof msg) != 0) {
				if (seq > 0)
					fprintf(errout, "%s:%lu: seq %" PRIu64 ": %s\n",
						name, ln, seq, msg);
				else
					fprintf(errout, "%s:%lu: %s\n", name, ln, msg);
				rc = 1;
				break;
			}
			if (records++ == 0)
				first = seq;
			if (seq == 1)
				starts++;
		}
		if (rc == 0 && ferror(in)) {
			fprintf(errout, "cnauthz: %s: %s\n", name, strerror(errno));
			rc = 2;
		}
		if (in != stdin)
			fclose(in);
		if (rc == 0 && !o->quiet) {
			if (records == 0)
				fprintf(out, "%s: ok, no records\n", name);
			else
				fprintf(out,
					"%s: ok, %lu record(s), seq %" PRIu64 "..%" PRIu64
					", %lu process start(s), last hash %s\n",
					name, records, first, c.seq, starts, c.hash);
		}
	}
	free(line);
	return rc;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: cnauthz audit verify [--strict] [--quiet] [--any-order] FILE...\n"
		   "       cnauthz audit show [--cn CN]... [--deny] [--since TIME] [--json] FILE...\n"
		   "verify checks the hash chain of audit files, given oldest first\n"
		   "(audit.log.2 audit.log.1 audit.log; \"-\": stdin):\n"
		   "  --strict  a first record that continues an older file's chain is an error\n"
		   "  --quiet   say nothing when the files are sound\n"
		   "  --any-order  link records by their hashes, in any order, repeats\n"
		   "            counted once (a central collector's file)\n"
		   "Exit: 0 sound; 1 a record broken or missing; 2 a usage error or a file\n"
		   "that cannot be read. show prints the records as a table (show --help).\n");
}

int audit_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"strict", no_argument, NULL, 's'},
		{"quiet", no_argument, NULL, 'q'},
		{"any-order", no_argument, NULL, 'a'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct audit_verify_opts o = {false, false, false};
	int c;

	if (argc >= 2 && strcmp(argv[1], "show") == 0)
		return audit_show_main(argc - 1, argv + 1);
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 ||
			  strcmp(argv[1], "-h") == 0)) {
		usage(stdout);
		return 0;
	}
	if (argc < 2 || strcmp(argv[1], "verify") != 0) {
		if (argc < 2)
			fprintf(stderr, "cnauthz audit: verify or show?\n");
		else
			fprintf(stderr,
				"cnauthz audit: unknown command \"%s\" (verify or show)\n",
				argv[1]);
		usage(stderr);
		return 2;
	}
	argc--;
	argv++;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "sqah", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			o.strict = true;
			break;
		case 'q':
			o.quiet = true;
			break;
		case 'a':
			o.any_order = true;
			break;
		case 'h':
			opterr = 1;
			usage(stdout);
			return 0;
		default:
			opterr = 1;
			fprintf(stderr,
				"cnauthz audit verify: unknown option \"%s\"\n"
				"(cnauthz audit --help lists the options)\n",
				argv[optind - 1]);
			return 2;
		}
	}
	opterr = 1;
	if (optind >= argc) {
		fprintf(stderr,
			"cnauthz audit verify: no FILE to verify (\"-\" for standard input)\n"
			"(cnauthz audit --help lists the options)\n");
		return 2;
	}
	return audit_verify((const char *const *)(argv + optind),
			    (size_t)(argc - optind), &o, stdout, stderr);
}
