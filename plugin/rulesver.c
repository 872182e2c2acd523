/* rulesver.c - see rulesver.h */
#include "rulesver.h"

#include <string.h>

static int allowed(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || strchr("._:/@+-", c) != NULL;
}

int rulesver_parse(const char *buf, size_t len, char *out, const char **why)
{
	size_t n = 0;

	out[0] = '\0';
	while (n < len && buf[n] != '\n') {
		if (buf[n] == '\0' || !allowed(buf[n])) {
			*why = "the version may hold only letters, digits and ._:/@+-";
			return -1;
		}
		if (++n > RULESVER_MAX) {
			*why = "the version is longer than 64 characters";
			return -1;
		}
	}
	if (n == 0) {
		*why = "the version (its first line) is empty";
		return -1;
	}
	memcpy(out, buf, n);
	out[n] = '\0';
	return 0;
}
