/*
 * fuzz-auditshow.c - "cnauthz audit show" reads audit files, which anyone
 * who could write them may have filled with anything: audit_show_time
 * (--since, and each record's time) and audit_show_line (a record as a
 * table row or as itself, filtered).
 *
 * Input: a first line, read as a --since TIME; the rest, one record line.
 * Invariants: a time that parses formats back (UTC, to the second) to a
 * time that parses to the same instant; a row is one line of printable
 * ASCII; --json writes the line itself, or nothing; a line that is not a
 * record says why.
 */
#include <string.h>
#include <time.h>

#include "auditshow.h"
#include "common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static void check_time(const char *s, size_t n)
{
	time_t t, back;
	struct tm tm;
	char iso[64];

	if (audit_show_time(s, n, 2000000000, &t) < 0)
		return;
	if (t < 0 || gmtime_r(&t, &tm) == NULL || tm.tm_year > 8000)
		return; /* parses, but strftime's %Y would not read back */
	strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%SZ", &tm);
	FUZZ_CHECK(audit_show_time(iso, strlen(iso), 2000000000, &back) == 0);
	FUZZ_CHECK(back == t);
}

static void check_line(const char *line, size_t n, time_t since, bool json)
{
	struct audit_show_opts o;
	struct cnz_err why = {.msg = ""};
	char *out = NULL;
	size_t outlen = 0;
	FILE *f = open_memstream(&out, &outlen);
	int rc;

	FUZZ_CHECK(f != NULL);
	memset(&o, 0, sizeof o);
	o.json = json;
	o.since_set = since != 0;
	o.since = since;
	o.deny_only = n % 2 == 0;
	rc = audit_show_line(line, n, &o, f, &why);
	fclose(f);
	FUZZ_CHECK(rc >= -1 && rc <= 1);
	FUZZ_CHECK(rc == -1 ? why.msg[0] != '\0' : true);
	FUZZ_CHECK(rc == 1 ? outlen > 0 : outlen == 0);
	if (rc == 1 && json) {
		FUZZ_CHECK(outlen == n + 1 && memcmp(out, line, n) == 0);
	} else if (rc == 1) {
		FUZZ_CHECK(out[outlen - 1] == '\n');
		FUZZ_CHECK(fuzz_printable(out, outlen - 1));
	}
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	const char *nl = memchr(s, '\n', size);
	size_t first = nl != NULL ? (size_t)(nl - s) : size;
	time_t since = 0;

	check_time(s, first);
	if (audit_show_time(s, first, 2000000000, &since) < 0)
		since = 0;
	if (nl != NULL) {
		check_line(nl + 1, size - first - 1, since, false);
		check_line(nl + 1, size - first - 1, 0, true);
	}
	fuzz_input_done();
	return 0;
}
