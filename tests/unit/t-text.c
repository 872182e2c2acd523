/*
 * t-text.c - the string helpers messages are built with: text_join and
 * text_uint (which replaced snprintf on the per-request path, so they
 * must write exactly what snprintf wrote, cut the same way), text_hex and
 * text_printable.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

/* snprintf cutting its output is what the test compares against */
#pragma GCC diagnostic ignored "-Wformat-truncation"

#include "tap.h"
#include "text.h"

static void test_join(void)
{
	char out[16], want[16];

	is_str(text_join(out, sizeof out, NULL), "", "no strings: empty");
	is_str(text_join(out, sizeof out, "allowed by ", "x:1", NULL),
	       "allowed by x:1", "two strings, one after the other");
	is_str(text_join(out, sizeof out, "", "a", "", "b", NULL), "ab",
	       "empty strings add nothing");
	/* cut exactly where snprintf cuts, for every room from 1 to 16 */
	for (size_t room = 1; room <= sizeof out; room++) {
		memset(out, 'Z', sizeof out);
		snprintf(want, room, "%s%s%s", "client", " may not ", "GET");
		text_join(out, room, "client", " may not ", "GET", NULL);
		if (strcmp(out, want) != 0) {
			ok(0, "room %zu: got \"%s\", snprintf wrote \"%s\"", room,
			   out, want);
			return;
		}
		if (room < sizeof out && out[room] != 'Z') {
			ok(0, "room %zu: wrote past the room", room);
			return;
		}
	}
	ok(1, "cut to every room from 1 to 16 as snprintf cuts, never past it");
	is_str(text_join(out, 1, "abc", NULL), "", "room for the NUL only");
	{
		size_t len = 0;

		out[0] = '\0';
		text_append(out, 8, &len, "rule ");
		text_append(out, 8, &len, "\"deny");
		is_str(out, "rule \"d", "text_append cuts at the room");
		is_int((long long)len, 7, "... and its length is what it wrote");
		text_append(out, 8, &len, "x");
		is_str(out, "rule \"d", "... and nothing more fits after");
	}
}

static void test_uint(void)
{
	static const unsigned long long v[] = {
		0, 1, 9, 10, 99, 100, 4294967295ULL, 4294967296ULL, ULLONG_MAX,
	};
	char out[TEXT_UINT_MAX], want[32];

	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		snprintf(want, sizeof want, "%llu", v[i]);
		is_str(text_uint(v[i], out), want, "text_uint(%s)", want);
	}
	ok(strlen(text_uint(ULLONG_MAX, out)) + 1 <= TEXT_UINT_MAX,
	   "TEXT_UINT_MAX holds the largest value and its NUL");
}

static void test_hex_printable(void)
{
	static const unsigned char in[] = {0x00, 0x0f, 0xa5, 0xff};
	char out[16];

	text_hex(in, sizeof in, out);
	is_str(out, "000fa5ff", "text_hex: two lower-case digits a byte");
	text_printable(out, sizeof out, "a\nb\\", 4);
	is_str(out, "a\\x0ab\\x5c", "text_printable escapes controls and '\\'");
}

int main(void)
{
	test_join();
	test_uint();
	test_hex_printable();
	return done_testing();
}
