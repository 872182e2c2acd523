/* err.c - see err.h */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void cnz_err_set(struct cnz_err *err, const char *file, unsigned line,
		 unsigned col, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return;
	snprintf(err->file, sizeof err->file, "%s", file != NULL ? file : "");
	err->line = line;
	err->col = col;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
}

void cnz_err_clear(struct cnz_err *err)
{
	if (err != NULL)
		memset(err, 0, sizeof *err);
}

const char *cnz_err_str(const struct cnz_err *err, char *buf, size_t bufsz)
{
	if (bufsz == 0)
		return buf;
	if (err->file[0] == '\0')
		snprintf(buf, bufsz, "%s", err->msg);
	else if (err->line == 0)
		snprintf(buf, bufsz, "%s: %s", err->file, err->msg);
	else if (err->col == 0)
		snprintf(buf, bufsz, "%s:%u: %s", err->file, err->line, err->msg);
	else
		snprintf(buf, bufsz, "%s:%u:%u: %s", err->file, err->line,
			 err->col, err->msg);
	return buf;
}
