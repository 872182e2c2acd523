/* auditlink.c - see auditlink.h */
#include "auditlink.h"

#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "text.h"

#define MAX_PROBLEMS 20
#define MAX_NOTES 10
#define NONE SIZE_MAX

struct lrec {
	unsigned char hash[32];
	unsigned char prev[32];
	uint64_t seq;
	char time[40];
	size_t file;
	unsigned long line;
	size_t succ; /* the record that follows it; NONE */
	bool start;
	bool repeat;
	bool head; /* has no predecessor among the records */
};

struct linker {
	struct lrec *r;
	size_t n, cap;
	const char *const *files;
	FILE *out, *errout;
	unsigned long problems, notes;
};

static int unhex(const char *s, unsigned char *bin)
{
	if (s == NULL || strlen(s) != 64)
		return -1;
	for (size_t i = 0; i < 32; i++) {
		int hi = text_hexval(s[2 * i]), lo = text_hexval(s[2 * i + 1]);

		if (hi < 0 || lo < 0 || (s[2 * i] >= 'A' && s[2 * i] <= 'F') ||
		    (s[2 * i + 1] >= 'A' && s[2 * i + 1] <= 'F'))
			return -1;
		bin[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

static void tohex(const unsigned char *bin, char *hex)
{
	static const char d[] = "0123456789abcdef";

	for (size_t i = 0; i < 32; i++) {
		hex[2 * i] = d[bin[i] >> 4];
		hex[2 * i + 1] = d[bin[i] & 15];
	}
	hex[64] = '\0';
}

static bool is_zero(const unsigned char *h)
{
	for (size_t i = 0; i < 32; i++)
		if (h[i] != 0)
			return false;
	return true;
}

static void problem(struct linker *k, size_t file, unsigned long line,
		    uint64_t seq, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void problem(struct linker *k, size_t file, unsigned long line,
		    uint64_t seq, const char *fmt, ...)
{
	va_list ap;

	if (k->problems++ >= MAX_PROBLEMS)
		return;
	if (seq > 0)
		fprintf(k->errout, "%s:%lu: seq %" PRIu64 ": ", k->files[file],
			line, seq);
	else
		fprintf(k->errout, "%s:%lu: ", k->files[file], line);
	va_start(ap, fmt);
	vfprintf(k->errout, fmt, ap);
	va_end(ap);
	fputc('\n', k->errout);
}

/* Reads one line (no newline) into a new record; a broken line is a
 * problem and no record. -1: out of memory. */
static int take_line(struct linker *k, size_t file, unsigned long ln,
		     const char *line, size_t len)
{
	json_t *rec, *jseq;
	json_error_t jerr;
	const char *claimed, *when, *prev;
	char hex[65];
	struct lrec *r;
	uint64_t seq = 0;
	int rc = 0;

	rec = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (rec == NULL || !json_is_object(rec)) {
		problem(k, file, ln, 0,
			"not a JSON record (a torn, truncated or edited line): %s",
			rec == NULL ? jerr.text : "not an object");
		goto out;
	}
	jseq = json_object_get(rec, "seq");
	if (json_is_integer(jseq) && json_integer_value(jseq) > 0)
		seq = (uint64_t)json_integer_value(jseq);
	if (audit_line_hash(line, len, hex, &claimed) < 0) {
		problem(k, file, ln, seq,
			"no \"hash\" member at the end of the record (edited?)");
		goto out;
	}
	if (strncmp(hex, claimed, 64) != 0) {
		problem(k, file, ln, seq,
			"the hash does not match the record: it was changed after it was written");
		goto out;
	}
	if (seq == 0) {
		problem(k, file, ln, 0, "no valid \"seq\"");
		goto out;
	}
	when = json_string_value(json_object_get(rec, "time"));
	if (when == NULL || strlen(when) >= sizeof r->time) {
		problem(k, file, ln, seq, "no valid \"time\"");
		goto out;
	}
	if (k->n == k->cap) {
		size_t nc = k->cap ? k->cap * 2 : 1024;
		struct lrec *nr = realloc(k->r, nc * sizeof *nr);

		if (nr == NULL) {
			rc = -1;
			goto out;
		}
		k->r = nr;
		k->cap = nc;
	}
	r = &k->r[k->n];
	memset(r, 0, sizeof *r);
	prev = json_string_value(json_object_get(rec, "prev"));
	if (unhex(prev, r->prev) < 0) {
		problem(k, file, ln, seq, "no valid \"prev\"");
		goto out;
	}
	unhex(hex, r->hash);
	r->seq = seq;
	snprintf(r->time, sizeof r->time, "%s", when);
	r->file = file;
	r->line = ln;
	r->succ = NONE;
	r->start = json_object_get(rec, "start") != NULL;
	if (r->start && (seq != 1 || !is_zero(r->prev))) {
		problem(k, file, ln, seq,
			"a chain start must be seq 1 with a prev of zeros");
		goto out;
	}
	if (!r->start && (seq == 1 || is_zero(r->prev))) {
		problem(k, file, ln, seq,
			"seq 1 or a prev of zeros without \"start\"");
		goto out;
	}
	k->n++;
out:
	json_decref(rec);
	return rc;
}

static const struct lrec *sort_base;

/* by hash, then by where it was (the first of repeats first) */
static int cmp_hash(const void *a, const void *b)
{
	const struct lrec *x = &sort_base[*(const size_t *)a];
	const struct lrec *y = &sort_base[*(const size_t *)b];
	int c = memcmp(x->hash, y->hash, 32);

	if (c != 0)
		return c;
	if (x->file != y->file)
		return x->file < y->file ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

/* The unique record with hash h among the sorted unique ones; NONE. */
static size_t find(const struct lrec *r, const size_t *u, size_t nu,
		   const unsigned char *h)
{
	size_t lo = 0, hi = nu;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = memcmp(r[u[mid]].hash, h, 32);

		if (c == 0)
			return u[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NONE;
}

static int read_files(struct linker *k, size_t nfiles)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = 0;

	for (size_t f = 0; f < nfiles && rc == 0; f++) {
		const char *name = k->files[f];
		FILE *in = strcmp(name, "-") == 0 ? stdin : fopen(name, "re");
		unsigned long ln = 0;

		if (in == NULL) {
			fprintf(k->errout, "cnauthz: %s: %s\n", name,
				strerror(errno));
			rc = 2;
			break;
		}
		while ((n = getline(&line, &cap, in)) > 0) {
			ln++;
			if (line[n - 1] != '\n') {
				problem(k, f, ln, 0,
					"the last record is cut short (no newline): a torn write");
				break;
			}
			line[--n] = '\0';
			if (take_line(k, f, ln, line, (size_t)n) < 0) {
				fprintf(k->errout, "cnauthz: out of memory\n");
				rc = 2;
				break;
			}
		}
		if (rc == 0 && ferror(in)) {
			fprintf(k->errout, "cnauthz: %s: %s\n", name,
				strerror(errno));
			rc = 2;
		}
		if (in != stdin)
			fclose(in);
	}
	free(line);
	return rc;
}

/* Marks the repeats; u gets the unique records' indexes, by hash. */
static size_t drop_repeats(struct linker *k, size_t *u)
{
	size_t nu = 0;

	for (size_t i = 0; i < k->n; i++)
		u[i] = i;
	sort_base = k->r;
	if (k->n > 0)
		qsort(u, k->n, sizeof *u, cmp_hash);
	for (size_t i = 0; i < k->n; i++) {
		struct lrec *r = &k->r[u[i]];

		if (nu > 0 && memcmp(k->r[u[nu - 1]].hash, r->hash, 32) == 0) {
			const struct lrec *first = &k->r[u[nu - 1]];

			r->repeat = true;
			if (k->notes++ < MAX_NOTES && k->out != NULL)
				fprintf(k->out,
					"%s:%lu: seq %" PRIu64
					" repeats %s%sline %lu (a resent record): counted once\n",
					k->files[r->file], r->line, r->seq,
					first->file == r->file ? "" : k->files[first->file],
					first->file == r->file ? "" : " ",
					first->line);
			continue;
		}
		u[nu++] = u[i];
	}
	return nu;
}

/* Links every unique record to the one before it. */
static void link_records(struct linker *k, const size_t *u, size_t nu)
{
	for (size_t i = 0; i < nu; i++) {
		struct lrec *r = &k->r[u[i]];
		size_t p;

		if (r->start)
			continue;
		p = find(k->r, u, nu, r->prev);
		if (p == NONE) {
			r->head = true;
			continue;
		}
		if (k->r[p].seq + 1 != r->seq) {
			problem(k, r->file, r->line, r->seq,
				"its prev is the hash of seq %" PRIu64
				" (%s:%lu), not of seq %" PRIu64,
				k->r[p].seq, k->files[k->r[p].file],
				k->r[p].line, r->seq - 1);
			continue;
		}
		if (k->r[p].succ != NONE) {
			const struct lrec *o = &k->r[k->r[p].succ];

			problem(k, r->file, r->line, r->seq,
				"follows seq %" PRIu64
				" (%s:%lu) as %s:%lu does too: one of them was altered or inserted",
				k->r[p].seq, k->files[k->r[p].file],
				k->r[p].line, k->files[o->file], o->line);
			continue;
		}
		k->r[p].succ = u[i];
	}
}

/* The heads that start no chain: at most one, older than every start,
 * may continue a chain from a file not given; the others name a missing
 * record. */
static void judge_heads(struct linker *k, const size_t *u, size_t nu,
			bool strict)
{
	const char *first_start = NULL;
	size_t oldest = NONE;

	for (size_t i = 0; i < nu; i++) {
		const struct lrec *r = &k->r[u[i]];

		if (r->start && (first_start == NULL ||
				 strcmp(r->time, first_start) < 0))
			first_start = r->time;
		if (r->head && (oldest == NONE ||
				strcmp(r->time, k->r[oldest].time) < 0))
			oldest = u[i];
	}
	if (oldest != NONE && first_start != NULL &&
	    strcmp(k->r[oldest].time, first_start) > 0)
		oldest = NONE; /* younger than a start: a break, not a file */
	for (size_t i = 0; i < nu; i++) {
		const struct lrec *r = &k->r[u[i]];
		char hex[65];

		if (!r->head)
			continue;
		tohex(r->prev, hex);
		if (u[i] == oldest && !strict) {
			if (k->out != NULL)
				fprintf(k->out,
					"%s:%lu: seq %" PRIu64
					" continues a chain from an earlier file (prev %.16s...); not checked before it\n",
					k->files[r->file], r->line, r->seq, hex);
		} else if (u[i] == oldest) {
			problem(k, r->file, r->line, r->seq,
				"continues a chain from an earlier file (prev %.16s...), which was not given (--strict)",
				hex);
		} else {
			problem(k, r->file, r->line, r->seq,
				"the record before it (seq %" PRIu64
				", hash %.16s...) is missing: deleted, altered, or never delivered",
				r->seq - 1, hex);
		}
	}
}

int audit_verify_any_order(const char *const *files, size_t nfiles,
			   const struct audit_verify_opts *o, FILE *out,
			   FILE *errout)
{
	struct linker k = {.files = files, .out = o->quiet ? NULL : out,
			   .errout = errout};
	size_t *u = NULL, nu, chains = 0, starts = 0;
	const struct lrec *last = NULL, *lasthead = NULL;
	int rc;

	rc = read_files(&k, nfiles);
	if (rc != 0)
		goto done;
	u = malloc((k.n ? k.n : 1) * sizeof *u);
	if (u == NULL) {
		fprintf(errout, "cnauthz: out of memory\n");
		rc = 2;
		goto done;
	}
	nu = drop_repeats(&k, u);
	link_records(&k, u, nu);
	judge_heads(&k, u, nu, o->strict);
	if (k.problems > MAX_PROBLEMS)
		fprintf(errout, "... and %lu more problem(s)\n",
			k.problems - MAX_PROBLEMS);
	if (k.notes > MAX_NOTES && k.out != NULL)
		fprintf(k.out, "... and %lu more repeat(s)\n",
			k.notes - MAX_NOTES);
	if (k.problems > 0) {
		rc = 1;
		goto done;
	}
	/* every chain, from its first record to its last */
	for (size_t i = 0; i < nu; i++) {
		const struct lrec *h = &k.r[u[i]], *t = h;
		unsigned long len = 1;
		char hex[65];

		if (!h->start && !h->head)
			continue;
		chains++;
		starts += h->start;
		while (t->succ != NONE) {
			t = &k.r[t->succ];
			len++;
		}
		if (lasthead == NULL || strcmp(h->time, lasthead->time) > 0) {
			lasthead = h;
			last = t;
		}
		tohex(t->hash, hex);
		if (k.out != NULL)
			fprintf(k.out,
				"%s:%lu: chain of %lu record(s), seq %" PRIu64
				"..%" PRIu64 "%s, last hash %s\n",
				files[h->file], h->line, len, h->seq, t->seq,
				h->start ? "" : " (continued)", hex);
	}
	if (k.out != NULL) {
		char hex[65] = "";

		if (last != NULL)
			tohex(last->hash, hex);
		fprintf(k.out,
			"%s%s: ok, %zu record(s) in %zu chain(s), %zu process start(s), %zu repeat(s) counted once%s%s\n",
			files[0], nfiles > 1 ? " ..." : "", nu, chains, starts,
			k.n - nu, last != NULL ? ", last hash " : "", hex);
	}
	rc = 0;
done:
	free(u);
	free(k.r);
	return rc;
}
