/*
 * fuzz-auditcut.c - audit_cut (auditcut.h), which cuts an audit record's
 * fields to fit syslog's message limit. Its input is what audit.c
 * formats, from what clients sent; here, anything.
 *
 * Input: the fields (',"who":...'); the limit is 64 + the first byte.
 * Invariants: 0 only when they fit as they are; 1 gives fields within the
 * limit that, braced, are one JSON object saying "truncated" (the bytes
 * they took before) and holding every member the input had; -1 else.
 */
#include <jansson.h>
#include <string.h>

#include "auditcut.h"
#include "common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	size_t max = 64 + (size > 0 ? data[0] : 0);
	struct buf out;
	int rc;

	buf_init(&out);
	rc = audit_cut(s, size, max, &out);
	FUZZ_CHECK(rc >= -1 && rc <= 1);
	if (rc == 0)
		FUZZ_CHECK(size <= max);
	if (rc == 1) {
		json_error_t e;
		json_t *rec, *in;
		char *text = malloc(out.len + 1);

		FUZZ_CHECK(text != NULL);
		FUZZ_CHECK(out.len <= max && out.len > 0 && out.p[0] == ',');
		text[0] = '{';
		memcpy(text + 1, out.p + 1, out.len - 1);
		text[out.len] = '}';
		rec = json_loadb(text, out.len + 1, JSON_ALLOW_NUL, &e);
		FUZZ_CHECK(json_is_object(rec));
		FUZZ_CHECK(json_integer_value(json_object_get(rec, "truncated")) == (json_int_t)size);
		free(text);
		text = malloc(size + 1);
		FUZZ_CHECK(text != NULL);
		text[0] = '{';
		memcpy(text + 1, s + 1, size - 1);
		text[size] = '}';
		in = json_loadb(text, size + 1, JSON_ALLOW_NUL, &e);
		if (json_is_object(in)) {
			const char *k;
			json_t *v;

			json_object_foreach(in, k, v)
				FUZZ_CHECK(json_object_get(rec, k) != NULL);
		}
		json_decref(in);
		json_decref(rec);
		free(text);
	}
	buf_free(&out);
	fuzz_input_done();
	return 0;
}
