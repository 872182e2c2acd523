/*
 * t-jscan.c - the envelope's string scanner: a byte that ends the fast
 * path (control, non-ASCII, '"', backslash) is found at every offset of
 * the 16- and 8-byte blocks, and on random strings the scanner agrees
 * with jansson on what is a JSON string and what it decodes to.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jscan.h"
#include "tap.h"

/* Scans s[0..n) as one JSON string; *out gets the decoded text (in
 * arena) or NULL when refused. */
static bool scan(const char *s, size_t n, char *arena, const char **out,
		 size_t *len)
{
	struct jscan j;

	jscan_init(&j, s, n, arena);
	*out = NULL;
	*len = 0;
	if (!jscan_string(&j, out, len) || !jscan_end(&j)) {
		*out = NULL;
		return false;
	}
	return true;
}

/* jansson's reading of the same text: the decoded string or NULL. */
static json_t *jansson(const char *s, size_t n)
{
	json_t *v = json_loadb(s, n, JSON_DECODE_ANY, NULL);

	if (v != NULL && !json_is_string(v)) {
		json_decref(v);
		v = NULL;
	}
	return v;
}

int main(void)
{
	static const struct {
		const char *bytes;
		bool good;
		const char *what;
	} specials[] = {
		{ "\x01", false, "a control byte" },
		{ "\x1f", false, "unit separator" },
		{ "\"", false, "a bare quote (ends the string early)" },
		{ "\\", false, "a lone backslash" },
		{ "\x80", false, "a stray continuation byte" },
		{ "\xff", false, "0xff" },
		{ "\xc3\xa9", true, "U+00E9 in UTF-8" },
		{ "\xe2\x84\xaa", true, "U+212A in UTF-8" },
		{ "\x7f", true, "DEL (allowed in JSON)" },
		{ "\\n", true, "an escaped newline" },
		{ "\\u00e9", true, "an escaped U+00E9" },
		{ " ", true, "a space" },
	};
	char buf[128], arena[256];

	/* every special at every offset of two 16-byte blocks */
	for (size_t k = 0; k < sizeof specials / sizeof specials[0]; k++) {
		int right = 0, total = 0;

		for (size_t pos = 0; pos < 40; pos++) {
			size_t sl = strlen(specials[k].bytes), n = 0;
			const char *out;
			size_t len;
			bool got;
			json_t *jv;

			buf[n++] = '"';
			memset(buf + n, 'a', pos);
			n += pos;
			memcpy(buf + n, specials[k].bytes, sl);
			n += sl;
			memset(buf + n, 'x', 40 - pos); /* not an escape letter */
			n += 40 - pos;
			buf[n++] = '"';
			got = scan(buf, n, arena, &out, &len);
			jv = jansson(buf, n);
			total++;
			if (got == specials[k].good && (jv != NULL) == got &&
			    (!got || (len == json_string_length(jv) &&
				      memcmp(out, json_string_value(jv), len) == 0)))
				right++;
			else
				diag("%s at %zu: scanner %d, jansson %d",
				     specials[k].what, pos, got, jv != NULL);
			json_decref(jv);
		}
		is_int(right, total, "%s at each of 40 offsets: %s",
		       specials[k].what,
		       specials[k].good ? "read as jansson reads it" : "refused");
	}

	/* random strings over an alphabet of the bytes that matter */
	{
		static const char alpha[] = "ab\"\\\x01\x1f\x7f\x80\xc3\xa9u0n/";
		unsigned seed = 12345;
		int agree = 0, accepted = 0, total = 20000;

		for (int t = 0; t < total; t++) {
			size_t n = 0, l;
			const char *out;
			size_t len;
			bool got;
			json_t *jv;

			seed = seed * 1103515245u + 12345u;
			l = (seed >> 16) % 60;
			buf[n++] = '"';
			for (size_t i = 0; i < l; i++) {
				seed = seed * 1103515245u + 12345u;
				/* mostly plain letters, so long runs occur */
				buf[n++] = (seed >> 16) % 4 != 0
						   ? 'a'
						   : alpha[(seed >> 8) % (sizeof alpha - 1)];
			}
			buf[n++] = '"';
			got = scan(buf, n, arena, &out, &len);
			jv = jansson(buf, n);
			if (got == (jv != NULL) &&
			    (!got || (len == json_string_length(jv) &&
				      memcmp(out, json_string_value(jv), len) == 0)))
				agree++;
			else if (agree + 5 > t)
				diag("string %d: scanner %d, jansson %d", t, got,
				     jv != NULL);
			accepted += got;
			json_decref(jv);
		}
		is_int(agree, total, "20000 random strings: the scanner and jansson agree on each");
		ok(accepted > 1000 && accepted < total - 1000,
		   "... of which %d were strings and %d not", accepted,
		   total - accepted);
	}
	return done_testing();
}
