/*
 * timewindow.c - an example cnauthz module, and the tutorial for writing
 * one: in the manner of pam_time, it refuses calls outside a time window.
 *
 *   requisite /usr/local/lib/cnauthz/modules/timewindow.so \
 *             days=Mon-Fri hours=08:00-18:00 [methods=POST,DELETE] [utc]
 *   requisite timewindow days=Mon-Fri hours=08:00-18:00
 *
 * Inside the window (or for a method not listed) it answers ignore;
 * outside it answers deny, saying which window. Like cnauthz's built-in
 * filters it never grants: put it before the permit lines.
 *
 * The module ABI is cnauthz_module.h (installed with cnauthz): export one
 * "struct cnauthz_module cnauthz_module" with the ABI version, the name
 * the rule line uses, and init/evaluate/free. init parses the line's
 * arguments once per rule set and reports a bad one by index (cnauthz
 * turns that into file:line:col); evaluate must be thread-safe and only
 * read its state; free releases it. Build:
 *
 *   cc -shared -fPIC -o timewindow.so timewindow.c
 *
 * and install it root-owned, mode 0755 or stricter, under the module
 * directory; cnauthz refuses a module anyone else could have written.
 */
#define _POSIX_C_SOURCE 200809L /* gmtime_r, localtime_r */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cnauthz_module.h"

struct window {
	unsigned days;  /* bit 0 = Sunday, as struct tm's tm_wday */
	int from, to;   /* minutes since midnight; from > to wraps midnight */
	int utc;
	char methods[128]; /* ",GET,POST," or "" for every method */
	char desc[160];
};

static const char *const day_names[] = {"Sun", "Mon", "Tue", "Wed",
					"Thu", "Fri", "Sat"};

static int day_index(const char *s)
{
	for (int i = 0; i < 7; i++)
		if (strncmp(s, day_names[i], 3) == 0)
			return i;
	return -1;
}

/* "Mon-Fri", "Sat,Sun", "Mon-Wed,Fri", "All" */
static int parse_days(const char *s, unsigned *out)
{
	*out = 0;
	if (strcmp(s, "All") == 0) {
		*out = 0x7f;
		return 0;
	}
	while (*s) {
		int a = day_index(s), b;

		if (a < 0)
			return -1;
		s += 3;
		b = a;
		if (*s == '-') {
			b = day_index(s + 1);
			if (b < 0)
				return -1;
			s += 4;
		}
		for (int d = a;; d = (d + 1) % 7) {
			*out |= 1u << d;
			if (d == b)
				break;
		}
		if (*s == ',')
			s++;
		else if (*s != '\0')
			return -1;
	}
	return 0;
}

static int parse_hhmm(const char *s, int *out)
{
	int h, m;
	char end;

	if (sscanf(s, "%2d:%2d%c", &h, &m, &end) != 2 || h < 0 || h > 24 ||
	    m < 0 || m > 59 || (h == 24 && m != 0))
		return -1;
	*out = h * 60 + m;
	return 0;
}

static int tw_init(const struct cnauthz_api *api, int argc,
		   const char *const *argv, void **state,
		   struct cnauthz_init_error *err)
{
	struct window *w = calloc(1, sizeof *w);
	const char *days = "All", *hours = "00:00-24:00";

	(void)api;
	if (w == NULL) {
		snprintf(err->msg, sizeof err->msg, "out of memory");
		return -1;
	}
	for (int i = 0; i < argc; i++) {
		err->arg = i;
		if (strncmp(argv[i], "days=", 5) == 0) {
			days = argv[i] + 5;
			if (parse_days(days, &w->days) < 0) {
				err->offset = 5;
				snprintf(err->msg, sizeof err->msg,
					 "days= wants Mon-Fri, Sat,Sun or All");
				goto fail;
			}
		} else if (strncmp(argv[i], "hours=", 6) == 0) {
			char a[8] = "", b[8] = "";

			hours = argv[i] + 6;
			if (sscanf(hours, "%7[0-9:]-%7[0-9:]", a, b) != 2 ||
			    parse_hhmm(a, &w->from) < 0 ||
			    parse_hhmm(b, &w->to) < 0) {
				err->offset = 6;
				snprintf(err->msg, sizeof err->msg,
					 "hours= wants HH:MM-HH:MM");
				goto fail;
			}
		} else if (strncmp(argv[i], "methods=", 8) == 0) {
			if (strlen(argv[i] + 8) + 3 > sizeof w->methods) {
				snprintf(err->msg, sizeof err->msg,
					 "methods= list too long");
				goto fail;
			}
			snprintf(w->methods, sizeof w->methods, ",%s,",
				 argv[i] + 8);
		} else if (strcmp(argv[i], "utc") == 0) {
			w->utc = 1;
		} else {
			snprintf(err->msg, sizeof err->msg,
				 "unknown argument (want days=, hours=, methods=, utc)");
			goto fail;
		}
	}
	if (w->days == 0 && parse_days(days, &w->days) < 0)
		goto fail;
	if (w->from == 0 && w->to == 0 && parse_hhmm("24:00", &w->to) < 0)
		goto fail;
	snprintf(w->desc, sizeof w->desc, "days=%s hours=%s%s", days, hours,
		 w->utc ? " (UTC)" : "");
	*state = w;
	return 0;
fail:
	free(w);
	return -1;
}

static enum cnauthz_result tw_evaluate(const void *state,
				       const struct cnauthz_api *api,
				       const struct cnauthz_request *req,
				       char *msg, size_t msgsz)
{
	const struct window *w = state;
	char m[24];
	time_t now = time(NULL);
	struct tm tm;
	int min;
	int in;

	if (w->methods[0] != '\0') {
		snprintf(m, sizeof m, ",%s,", api->method(req));
		if (strstr(w->methods, m) == NULL)
			return CNAUTHZ_IGNORE;
	}
	if ((w->utc ? gmtime_r(&now, &tm) : localtime_r(&now, &tm)) == NULL)
		return CNAUTHZ_ERROR;
	min = tm.tm_hour * 60 + tm.tm_min;
	in = (w->days >> tm.tm_wday) & 1;
	if (w->from <= w->to)
		in = in && min >= w->from && min < w->to;
	else /* the window wraps midnight */
		in = in && (min >= w->from || min < w->to);
	if (in)
		return CNAUTHZ_IGNORE;
	snprintf(msg, msgsz, "outside the allowed time window (%s)", w->desc);
	return CNAUTHZ_DENY;
}

static void tw_free(void *state)
{
	free(state);
}

const struct cnauthz_module cnauthz_module = {
	.abi_version = CNAUTHZ_MODULE_ABI,
	.name = "timewindow",
	.init = tw_init,
	.evaluate = tw_evaluate,
	.free = tw_free,
};
