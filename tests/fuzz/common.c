/* common.c - see common.h */
#include "common.h"

#include <openssl/err.h>
#include <string.h>

#include "b64.h"
#include "err.h"
#include "ruleset.h"

#ifndef FUZZ_TOP
#define FUZZ_TOP "."
#endif

const char *fuzz_top(void)
{
	const char *t = getenv("CNZ_TOP");

	return t != NULL && *t ? t : FUZZ_TOP;
}

struct ruleset *fuzz_rules(const char *dir)
{
	struct ruleset_opts o = {.insecure_permissions = true};
	struct cnz_err err;
	struct ruleset *rs;
	char path[4096], msg[1024];

	if (dir[0] == '/')
		snprintf(path, sizeof path, "%s", dir);
	else
		snprintf(path, sizeof path, "%s/%s", fuzz_top(), dir);
	rs = ruleset_load(path, &o, &err);
	if (rs == NULL) {
		fprintf(stderr, "fuzz: %s\n", cnz_err_str(&err, msg, sizeof msg));
		abort();
	}
	if (ruleset_nerrors(rs) > 0) {
		fprintf(stderr, "fuzz: %s\n", ruleset_error(rs, 0));
		abort();
	}
	return rs;
}

void fuzz_envelope(struct buf *b, const char *method, const char *uri,
		   size_t urilen, const char *ctype, const unsigned char *body,
		   size_t blen)
{
	buf_adds(b, "{\"RequestMethod\":");
	buf_add_json_str(b, method, strlen(method));
	buf_adds(b, ",\"RequestUri\":");
	buf_add_json_str(b, uri, urilen);
	buf_adds(b, ",\"RequestHeaders\":{\"User-Agent\":\"Docker-Client/28.2.2 (linux)\"");
	if (ctype != NULL) {
		buf_adds(b, ",\"Content-Type\":");
		buf_add_json_str(b, ctype, strlen(ctype));
	}
	buf_adds(b, "}");
	if (body != NULL) {
		size_t n;
		char *s = b64_encode(body, blen, &n);

		if (s == NULL)
			abort();
		buf_adds(b, ",\"RequestBody\":\"");
		buf_add(b, s, n);
		buf_adds(b, "\"");
		free(s);
	}
	buf_adds(b, "}\n");
	if (b->oom)
		abort();
}

char *fuzz_strndup(const uint8_t *data, size_t n)
{
	char *s = malloc(n + 1);

	if (s == NULL)
		abort();
	if (n > 0)
		memcpy(s, data, n);
	s[n] = '\0';
	return s;
}

int fuzz_printable(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return 0;
	return 1;
}

void fuzz_input_done(void)
{
	ERR_clear_error();
}
