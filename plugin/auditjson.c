/* auditjson.c - see auditjson.h */
#include "auditjson.h"

#include <string.h>

#define FACT_STR_MAX 512         /* one string value beyond this: cut */
#define FACTS_DEPTH 8

/* Case-insensitive substrings: a facts key containing one of them is
 * never written. Broad on purpose: a fact lost is cheaper than a secret
 * in a log that is kept for years. */
bool audit_secret_key(const char *key)
{
	static const char *const words[] = {
		"env",    "cmd",   "entrypoint", "command", "args",
		"pass",   "secret", "token",     "auth",    "key",
		"cred",   "cookie", "session",   "private", "sign",
		"cert",   "header", "body",
	};

	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (strcasestr(key, words[i]) != NULL)
			return true;
	return false;
}

static void json_val(struct buf *b, json_t *v, int depth)
{
	const char *k, *s;
	json_t *e;
	size_t i, n;
	bool first = true;

	if (v == NULL || depth > FACTS_DEPTH) {
		buf_adds(b, "null");
		return;
	}
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		buf_add(b, "{", 1);
		json_object_foreach(v, k, e) {
			if (audit_secret_key(k))
				continue;
			if (!first)
				buf_add(b, ",", 1);
			first = false;
			buf_add_json_str(b, k, strlen(k));
			buf_add(b, ":", 1);
			json_val(b, e, depth + 1);
		}
		buf_add(b, "}", 1);
		break;
	case JSON_ARRAY:
		buf_add(b, "[", 1);
		json_array_foreach(v, i, e) {
			if (i > 0)
				buf_add(b, ",", 1);
			json_val(b, e, depth + 1);
		}
		buf_add(b, "]", 1);
		break;
	case JSON_STRING:
		s = json_string_value(v);
		n = json_string_length(v);
		if (n > FACT_STR_MAX) {
			struct buf t;

			/* cut on a character boundary, and say so */
			n = FACT_STR_MAX;
			while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
				n--;
			buf_init(&t);
			buf_add(&t, s, n);
			buf_adds(&t, "...");
			buf_add_json_str(b, t.p != NULL ? t.p : "", t.len);
			if (t.oom)
				b->oom = true;
			buf_free(&t);
		} else {
			buf_add_json_str(b, s, n);
		}
		break;
	case JSON_INTEGER:
		buf_printf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL:
		buf_printf(b, "%.17g", json_real_value(v));
		break;
	case JSON_TRUE:
		buf_adds(b, "true");
		break;
	case JSON_FALSE:
		buf_adds(b, "false");
		break;
	case JSON_NULL:
	default:
		buf_adds(b, "null");
		break;
	}
}

void audit_json(struct buf *b, json_t *v)
{
	json_val(b, v, 0);
}
