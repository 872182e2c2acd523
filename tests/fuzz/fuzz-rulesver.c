/*
 * fuzz-rulesver.c - the rule set's version file (.cnauthz-version), which
 * whoever deploys the rules writes, read by rulesver_parse into a log
 * line and a metrics label.
 *
 * Invariants: a version taken is 1 to RULESVER_MAX characters of
 * [A-Za-z0-9._:/@+-], the input's first line byte for byte; a refusal
 * says why and leaves out empty.
 */
#include <string.h>

#include "common.h"
#include "rulesver.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	char out[RULESVER_MAX + 1];
	const char *why = NULL;
	size_t n;

	memset(out, 'x', sizeof out);
	if (rulesver_parse(s, size, out, &why) == 0) {
		n = strlen(out);
		FUZZ_CHECK(n >= 1 && n <= RULESVER_MAX);
		FUZZ_CHECK(memcmp(out, s, n) == 0);
		FUZZ_CHECK(n == size || s[n] == '\n');
		FUZZ_CHECK(strspn(out, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:/@+-") == n);
	} else {
		FUZZ_CHECK(why != NULL && out[0] == '\0');
	}
	fuzz_input_done();
	return 0;
}
