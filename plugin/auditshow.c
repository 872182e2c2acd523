/* auditshow.c - see auditshow.h */
#include "auditshow.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

#define SHOW_MAX_LINE (1u << 20)

static bool digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static int num(const char *s, size_t n)
{
	int v = 0;

	for (size_t i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

/* An age: digits and one of s, m, h, d. */
static int parse_age(const char *s, size_t len, time_t now, time_t *out)
{
	uint64_t v = 0, unit;

	if (len < 2 || !digits(s, len - 1) || len - 1 > 9)
		return -1;
	for (size_t i = 0; i + 1 < len; i++)
		v = v * 10 + (uint64_t)(s[i] - '0');
	switch (s[len - 1]) {
	case 's': unit = 1; break;
	case 'm': unit = 60; break;
	case 'h': unit = 3600; break;
	case 'd': unit = 86400; break;
	default: return -1;
	}
	if (v * unit > (uint64_t)now)
		return -1;
	*out = now - (time_t)(v * unit);
	return 0;
}

static bool leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int audit_show_time(const char *s, size_t len, time_t now, time_t *out)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30,
				    31, 31, 30, 31, 30, 31};
	struct tm tm;
	size_t i;
	int off = 0;
	time_t t;

	if (len > 0 && s[len - 1] >= 'a' && s[len - 1] <= 'z')
		return parse_age(s, len, now, out);
	/* YYYY-MM-DD */
	if (len < 10 || !digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) ||
	    s[7] != '-' || !digits(s + 8, 2))
		return -1;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = num(s, 4) - 1900;
	tm.tm_mon = num(s + 5, 2) - 1;
	tm.tm_mday = num(s + 8, 2);
	if (tm.tm_year < 70 || tm.tm_mon < 0 || tm.tm_mon > 11 ||
	    tm.tm_mday < 1 ||
	    tm.tm_mday > mdays[tm.tm_mon] +
				 (tm.tm_mon == 1 && leap(tm.tm_year + 1900)))
		return -1;
	i = 10;
	if (i < len) {
		/* T or a blank, then HH:MM, optionally :SS and .fraction */
		if ((s[i] != 'T' && s[i] != 't' && s[i] != ' ') ||
		    len < i + 6 || !digits(s + i + 1, 2) || s[i + 3] != ':' ||
		    !digits(s + i + 4, 2))
			return -1;
		tm.tm_hour = num(s + i + 1, 2);
		tm.tm_min = num(s + i + 4, 2);
		i += 6;
		if (i < len && s[i] == ':') {
			if (len < i + 3 || !digits(s + i + 1, 2))
				return -1;
			tm.tm_sec = num(s + i + 1, 2);
			i += 3;
			if (i < len && s[i] == '.') {
				size_t k = i + 1;

				while (k < len && s[k] >= '0' && s[k] <= '9')
					k++;
				if (k == i + 1)
					return -1;
				i = k;
			}
		}
		if (tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
			return -1;
		if (i < len && (s[i] == 'Z' || s[i] == 'z')) {
			i++;
		} else if (i < len && (s[i] == '+' || s[i] == '-')) {
			if (len != i + 6 || !digits(s + i + 1, 2) ||
			    s[i + 3] != ':' || !digits(s + i + 4, 2) ||
			    num(s + i + 1, 2) > 23 || num(s + i + 4, 2) > 59)
				return -1;
			off = (num(s + i + 1, 2) * 60 + num(s + i + 4, 2)) * 60;
			if (s[i] == '-')
				off = -off;
			i += 6;
		}
	}
	if (i != len)
		return -1;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return -1;
	*out = t - off;
	return 0;
}

void audit_show_header(FILE *out)
{
	fprintf(out, "%-19s %6s %-12s %-8s %-6s %-37s %-14s %s\n", "TIME (UTC)",
		"SEQ", "WHO", "DECISION", "METHOD", "PATH", "RULE", "MESSAGE");
}

/* A path with each 64-hex segment (a container or image ID) cut to its
 * first 12, as docker ps shows IDs. */
static void short_path(char *dst, size_t dstsz, const char *p)
{
	size_t n = 0;

	while (*p != '\0' && n + 1 < dstsz) {
		size_t seg = strcspn(p + (*p == '/'), "/") + (*p == '/');
		size_t hex = 0;

		if (*p == '/') {
			dst[n++] = '/';
			p++;
			seg--;
		}
		while (hex < seg && ((p[hex] >= '0' && p[hex] <= '9') ||
				     (p[hex] >= 'a' && p[hex] <= 'f')))
			hex++;
		if (seg == 64 && hex == 64) {
			size_t k = dstsz - n - 1 < 15 ? dstsz - n - 1 : 15;

			memcpy(dst + n, p, k < 12 ? k : 12);
			if (k > 12)
				memcpy(dst + n + 12, "...", k - 12);
			n += k;
		} else {
			size_t k = seg < dstsz - n - 1 ? seg : dstsz - n - 1;

			memcpy(dst + n, p, k);
			n += k;
		}
		p += seg;
	}
	dst[n] = '\0';
}

/* The string member key of j, made printable into buf; dflt if absent. */
static const char *field(json_t *j, const char *key, char *buf, size_t bufsz,
			 const char *dflt)
{
	json_t *v = json_object_get(j, key);

	if (!json_is_string(v))
		return dflt;
	return text_printable(buf, bufsz, json_string_value(v),
			      json_string_length(v));
}

static bool wanted(json_t *j, const struct audit_show_opts *o,
		   const char **why)
{
	const char *dec = json_string_value(json_object_get(j, "decision"));
	const char *cn = json_string_value(
		json_object_get(json_object_get(j, "who"), "cn"));

	if (o->deny_only && (dec == NULL || strcmp(dec, "allow") == 0))
		return false;
	if (o->ncn > 0) {
		bool hit = false;

		for (size_t i = 0; i < o->ncn && cn != NULL; i++)
			hit = hit || strcmp(cn, o->cn[i]) == 0;
		if (!hit)
			return false;
	}
	if (o->since_set) {
		json_t *tv = json_object_get(j, "time");
		time_t t;

		if (!json_is_string(tv) ||
		    audit_show_time(json_string_value(tv), json_string_length(tv),
				    0, &t) < 0) {
			*why = "its time is not an RFC 3339 time";
			return false;
		}
		if (t < o->since)
			return false;
	}
	return true;
}

static int show_line(const char *line, size_t len,
		     const struct audit_show_opts *o, FILE *out,
		     const char **why)
{
	json_error_t e;
	json_t *j = json_loadb(line, len, JSON_REJECT_DUPLICATES, &e), *who;
	const char *call, *dec;
	char tbuf[40], wbuf[80], mbuf[40], pbuf[300], sbuf[300], rbuf[300],
		msgbuf[1100], *c;
	const char *time_s, *who_s, *path_s;
	json_int_t seq;
	bool allow;
	int rc = -1;

	*why = NULL;
	if (j == NULL || !json_is_object(j)) {
		*why = "not a JSON object";
		goto out;
	}
	call = json_string_value(json_object_get(j, "call"));
	dec = json_string_value(json_object_get(j, "decision"));
	if (call == NULL || dec == NULL ||
	    !json_is_integer(json_object_get(j, "seq"))) {
		*why = "not an audit record (no seq, call or decision)";
		goto out;
	}
	rc = 0;
	if (strcmp(call, "AuthZReq") != 0 || !wanted(j, o, why)) {
		if (*why != NULL)
			rc = -1;
		goto out;
	}
	rc = 1;
	if (o->json) {
		fwrite(line, 1, len, out);
		fputc('\n', out);
		goto out;
	}
	seq = json_integer_value(json_object_get(j, "seq"));
	time_s = field(j, "time", tbuf, sizeof tbuf, "-");
	if ((c = strchr(tbuf, 'T')) != NULL && time_s == tbuf)
		*c = ' ';
	if (time_s == tbuf && strlen(tbuf) > 19)
		tbuf[19] = '\0'; /* to the second: the fraction is in --json */
	who = json_object_get(j, "who");
	who_s = json_is_true(json_object_get(who, "local"))
			? "local"
			: field(who, "cn", wbuf, sizeof wbuf, "-");
	path_s = field(j, "path", sbuf, sizeof sbuf, NULL);
	if (path_s != NULL) {
		short_path(pbuf, sizeof pbuf, sbuf);
		path_s = pbuf;
	} else {
		path_s = field(j, "uri", pbuf, sizeof pbuf, "-");
	}
	allow = strcmp(dec, "allow") == 0;
	fprintf(out, "%-19s %6lld %-12s %-8s %-6s %-37s ", time_s,
		(long long)seq, who_s, allow ? "allow" : "deny",
		field(j, "method", mbuf, sizeof mbuf, "-"), path_s);
	if (allow)
		fprintf(out, "%s\n", field(j, "rule", rbuf, sizeof rbuf, "-"));
	else
		fprintf(out, "%-14s %s\n",
			field(j, "rule", rbuf, sizeof rbuf, "-"),
			field(j, "msg", msgbuf, sizeof msgbuf, ""));
out:
	json_decref(j);
	return rc;
}

int audit_show_line(const char *line, size_t len,
		    const struct audit_show_opts *o, FILE *out,
		    struct cnz_err *err)
{
	const char *why = "not a record";
	int rc = show_line(line, len, o, out, &why);

	if (rc < 0)
		cnz_err_set(err, NULL, 0, 0, "%s", why);
	return rc;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: cnauthz audit show [--cn CN]... [--deny] [--since TIME] [--json] FILE...\n"
		"The AuthZReq records of audit files (oldest first; \"-\": stdin), one\n"
		"line each: time (UTC), seq, who, decision, method, path, rule and a\n"
		"denial's message.\n"
		"  --cn CN        only this CN's calls (repeat for several)\n"
		"  --deny         only denials\n"
		"  --since TIME   only records from TIME on: 2026-12-05, 2026-12-05T10:00,\n"
		"                 RFC 3339 (UTC unless a zone is given), or an age: 90m, 7d\n"
		"  --json         the records themselves, one a line (for jq)\n"
		"Exit: 0; 1 when a line is not a record (said on stderr, the rest shown);\n"
		"2 for a usage error or a file that cannot be read.\n");
}

static int misuse(const char *what)
{
	fprintf(stderr, "cnauthz audit show: %s\n"
			"(cnauthz audit show --help lists the options)\n", what);
	return 2;
}

static int show_file(const char *name, const struct audit_show_opts *o,
		     size_t *bad)
{
	FILE *f = strcmp(name, "-") == 0 ? stdin : fopen(name, "r");
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	ssize_t n;

	if (f == NULL) {
		fprintf(stderr, "cnauthz audit show: %s: %s\n", name,
			strerror(errno));
		return -1;
	}
	while ((n = getline(&line, &cap, f)) >= 0) {
		const char *why;

		lineno++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (n == 0)
			continue;
		if ((size_t)n > SHOW_MAX_LINE) {
			why = "longer than 1 MiB";
		} else if (show_line(line, (size_t)n, o, stdout, &why) >= 0) {
			continue;
		}
		(*bad)++;
		fprintf(stderr, "cnauthz audit show: %s:%zu: %s\n", name, lineno,
			why);
	}
	free(line);
	if (f != stdin)
		fclose(f);
	return 0;
}

int audit_show_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"cn", required_argument, NULL, 'c'},
		{"deny", no_argument, NULL, 'd'},
		{"since", required_argument, NULL, 's'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct audit_show_opts o;
	size_t bad = 0;
	int c, status = 0;
	char what[200];

	memset(&o, 0, sizeof o);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (o.ncn == AUDIT_SHOW_MAX_CN) {
				opterr = 1;
				return misuse("at most 16 --cn");
			}
			o.cn[o.ncn++] = optarg;
			break;
		case 'd':
			o.deny_only = true;
			break;
		case 's':
			if (audit_show_time(optarg, strlen(optarg), time(NULL),
					    &o.since) < 0) {
				opterr = 1;
				snprintf(what, sizeof what,
					 "--since \"%.60s\" is not a time: give 2026-12-05, 2026-12-05T10:00:00Z or an age such as 90m or 7d",
					 optarg);
				return misuse(what);
			}
			o.since_set = true;
			break;
		case 'j':
			o.json = true;
			break;
		case 'h':
			opterr = 1;
			usage(stdout);
			return 0;
		case ':':
			opterr = 1;
			snprintf(what, sizeof what, "%s needs a value",
				 argv[optind - 1]);
			return misuse(what);
		default:
			opterr = 1;
			snprintf(what, sizeof what, "unknown option \"%.60s\"",
				 argv[optind - 1]);
			return misuse(what);
		}
	}
	opterr = 1;
	if (optind >= argc)
		return misuse("no FILE to show (\"-\" for standard input)");
	if (!o.json)
		audit_show_header(stdout);
	for (int i = optind; i < argc; i++)
		if (show_file(argv[i], &o, &bad) < 0)
			status = 2;
	if (status == 0 && bad > 0)
		status = 1;
	return status;
}
