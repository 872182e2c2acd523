/* auditcut.c - see auditcut.h */
#include "auditcut.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define DUMP_FLAGS (JSON_COMPACT | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER)
#define MARK "...[cut]"

/* The strings that may be cut, in the record and in "who". */
static const char *const top_keys[] = {"msg", "uri", "path", "method",
				       "rule", "stack"};
static const char *const who_keys[] = {"cn", "serial", "issuer"};

static size_t dumped_len(const json_t *v)
{
	char *s = json_dumps(v, DUMP_FLAGS);
	size_t n = s != NULL ? strlen(s) : (size_t)-1;

	free(s);
	return n;
}

static int facts_marker(json_t *rec)
{
	json_t *facts = json_object_get(rec, "facts"), *m;
	unsigned char md[32];
	char hex[65];
	char *s;

	if (facts == NULL)
		return 0;
	s = json_dumps(facts, DUMP_FLAGS);
	if (s == NULL || EVP_Digest(s, strlen(s), md, NULL, EVP_sha256(), NULL) != 1) {
		free(s);
		return -1;
	}
	text_hex(md, 32, hex);
	m = json_pack("{s:b,s:I,s:s}", "truncated", 1, "bytes",
		      (json_int_t)strlen(s), "sha256", hex);
	free(s);
	if (m == NULL || json_object_set_new(rec, "facts", m) < 0)
		return -1;
	return 0;
}

/* The longest string that may be cut (its object and key); false when
 * none is longer than the marker. */
static bool longest(json_t *rec, json_t **obj, const char **key)
{
	json_t *who = json_object_get(rec, "who");
	size_t best = strlen(MARK) + 8;

	*obj = NULL;
	for (size_t i = 0; i < sizeof top_keys / sizeof *top_keys; i++) {
		const json_t *v = json_object_get(rec, top_keys[i]);

		if (json_is_string(v) && json_string_length(v) > best) {
			best = json_string_length(v);
			*obj = rec;
			*key = top_keys[i];
		}
	}
	for (size_t i = 0; json_is_object(who) && i < sizeof who_keys / sizeof *who_keys; i++) {
		const json_t *v = json_object_get(who, who_keys[i]);

		if (json_is_string(v) && json_string_length(v) > best) {
			best = json_string_length(v);
			*obj = who;
			*key = who_keys[i];
		}
	}
	return *obj != NULL;
}

/* Cuts obj[key] (UTF-8, as jansson holds it) to about half, at a
 * character boundary, and marks it. */
static int halve(json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));
	size_t n = json_string_length(json_object_get(obj, key)) / 2;
	char *t;
	int rc;

	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--; /* not inside a UTF-8 sequence */
	t = malloc(n + sizeof MARK);
	if (t == NULL)
		return -1;
	memcpy(t, s, n);
	memcpy(t + n, MARK, sizeof MARK);
	rc = json_object_set_new(obj, key, json_stringn(t, n + strlen(MARK)));
	free(t);
	return rc;
}

int audit_cut(const char *body, size_t len, size_t max, struct buf *out)
{
	json_t *rec = NULL;
	json_error_t jerr;
	char *text = NULL, *s = NULL;
	size_t n;
	int rc = -1;

	if (len <= max)
		return 0;
	if (len < 2 || body[0] != ',' || (text = malloc(len + 1)) == NULL)
		return -1;
	/* ',"who":...' is an object's members: make it one */
	text[0] = '{';
	memcpy(text + 1, body + 1, len - 1);
	text[len] = '}';
	rec = json_loadb(text, len + 1, JSON_ALLOW_NUL, &jerr);
	if (!json_is_object(rec) || facts_marker(rec) < 0)
		goto out;
	/* room for ,"truncated":N */
	while ((n = dumped_len(rec)) != (size_t)-1 && n + 32 > max) {
		json_t *obj;
		const char *key;

		if (!longest(rec, &obj, &key) || halve(obj, key) < 0)
			goto out;
	}
	if (n == (size_t)-1 ||
	    json_object_set_new(rec, "truncated", json_integer((json_int_t)len)) < 0 ||
	    (s = json_dumps(rec, DUMP_FLAGS)) == NULL)
		goto out;
	n = strlen(s);
	out->len = 0;
	buf_adds(out, ",");
	buf_add(out, s + 1, n - 2);
	rc = out->oom ? -1 : 1;
out:
	free(s);
	free(text);
	json_decref(rec);
	return rc;
}
