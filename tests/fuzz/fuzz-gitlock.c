/*
 * fuzz-gitlock.c - gitlock_parse (gitlock.h) reads a .git file that
 * whoever can write the rules checkout wrote.
 *
 * Invariants: a PATH taken is the bytes after "gitdir: " up to the first
 * newline, not empty, without NUL or CR, NUL-terminated within out.
 */
#include <string.h>

#include "common.h"
#include "gitlock.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	char out[128];
	size_t n;

	if (gitlock_parse(s, size, out, sizeof out) == 0) {
		n = strlen(out);
		FUZZ_CHECK(size >= 8 && memcmp(s, "gitdir: ", 8) == 0);
		FUZZ_CHECK(n > 0 && n < sizeof out && n <= size - 8);
		FUZZ_CHECK(memcmp(out, s + 8, n) == 0);
		FUZZ_CHECK(n == size - 8 || s[8 + n] == '\n');
		FUZZ_CHECK(strchr(out, '\r') == NULL);
	}
	fuzz_input_done();
	return 0;
}
