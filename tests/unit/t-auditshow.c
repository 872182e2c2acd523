/*
 * t-auditshow.c - "cnauthz audit show": the --since times it takes (dates,
 * RFC 3339 times with and without zones, ages) and what it refuses; one
 * record line as a table row - filtered by CN, denial and time, container
 * IDs cut as docker ps cuts them, fields a tampered file fills with
 * control bytes printed harmless - or as itself (--json); what is not a
 * record.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auditshow.h"
#include "tap.h"

static void test_time(void)
{
	static const struct {
		const char *s;
		long long want; /* -1: refused */
	} t[] = {
		{"2026-12-05", 1796428800},
		{"2026-12-05T10:00", 1796464800},
		{"2026-12-05 10:00", 1796464800},
		{"2026-12-05t10:00:30", 1796464830},
		{"2026-12-05T10:00:30Z", 1796464830},
		{"2026-12-05T10:00:30.123456Z", 1796464830},
		{"2026-12-05T11:00:30+01:00", 1796464830},
		{"2026-12-05T09:30:30-00:30", 1796464830},
		{"1970-01-01", 0},
		{"2024-02-29", 1709164800},
		{"2023-02-29", -1},
		{"2026-13-01", -1},
		{"2026-12-32", -1},
		{"2026-12-05T24:00", -1},
		{"2026-12-05T10:60", -1},
		{"2026-12-05T10", -1},
		{"2026-12-05T10:00:", -1},
		{"2026-12-05T10:00:00.", -1},
		{"2026-12-05T10:00:00+1:00", -1},
		{"2026-12-05T10:00:00+01:00x", -1},
		{"2026-12-05x", -1},
		{"26-12-05", -1},
		{"1969-12-31", -1},
		{"", -1},
		{"yesterday", -1},
		{"-5m", -1},
		{"5", -1},
		{"m", -1},
		{"5w", -1},
	};
	time_t got;

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		int rc = audit_show_time(t[i].s, strlen(t[i].s), 2000000000, &got);

		if (t[i].want < 0)
			is_int(rc, -1, "\"%s\" is refused", t[i].s);
		else
			ok(rc == 0 && (long long)got == t[i].want,
			   "\"%s\" is %lld (got %lld, rc %d)", t[i].s, t[i].want,
			   rc == 0 ? (long long)got : 0, rc);
	}
	ok(audit_show_time("90s", 3, 2000000000, &got) == 0 && got == 2000000000 - 90,
	   "90s: 90 seconds before now");
	ok(audit_show_time("30m", 3, 2000000000, &got) == 0 && got == 2000000000 - 1800,
	   "30m: half an hour before now");
	ok(audit_show_time("2h", 2, 2000000000, &got) == 0 && got == 2000000000 - 7200,
	   "2h");
	ok(audit_show_time("7d", 2, 2000000000, &got) == 0 && got == 2000000000 - 604800,
	   "7d");
	is_int(audit_show_time("99999d", 6, 100, &got), -1,
	       "an age before the epoch is refused");
	is_int(audit_show_time("2026-12-05", 5, 0, &got), -1,
	       "exactly len bytes are read");
}

/* One line through audit_show_line, its output as a string. */
static char *row(const char *line, const struct audit_show_opts *o, int *rc,
		 const char **why)
{
	static struct cnz_err err;
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	if (f == NULL)
		return NULL;
	*rc = audit_show_line(line, strlen(line), o, f, &err);
	*why = *rc < 0 ? err.msg : NULL;
	fclose(f);
	return buf;
}

#define REC(seq, cn, dec, path, rule, msg)                                    \
	"{\"seq\":" #seq ",\"time\":\"2026-12-05T10:18:0" #seq ".5Z\","           \
	"\"call\":\"AuthZReq\",\"req\":" #seq ",\"who\":{\"cn\":\"" cn "\"},"     \
	"\"method\":\"POST\",\"path\":\"" path "\",\"uri\":\"/v1.41" path "\","  \
	"\"decision\":\"" dec "\",\"msg\":\"" msg "\",\"rule\":" rule ","         \
	"\"stack\":\"x\",\"ruleset\":\"00\",\"status\":null,\"facts\":{},"       \
	"\"prev\":\"00\",\"hash\":\"00\"}"

static void test_line(void)
{
	struct audit_show_opts o;
	const char *why;
	char *out;
	int rc;
	const char *allow = REC(1, "client", "allow", "/containers/create",
				"\"@developer:22\"", "allowed by @developer:22");
	const char *deny = REC(2, "client", "deny", "/containers/create",
			       "\"@developer:10\"",
			       "client may not POST /containers/create: HostConfig.Privileged is true (@developer:10)");
	const char *admin = REC(3, "admin", "allow",
				"/containers/000c193c295a4b21c1e9d5c0b8e0f0a0e1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6/start",
				"\"admin:2\"", "allowed by admin:2");

	memset(&o, 0, sizeof o);
	out = row(allow, &o, &rc, &why);
	is_int(rc, 1, "an allowed AuthZReq is shown");
	is_str(out,
	       "2026-12-05 10:18:01      1 client       allow    POST   /containers/create                    @developer:22\n",
	       "... time to the second, seq, who, decision, method, path, rule");
	free(out);
	out = row(deny, &o, &rc, &why);
	is_str(out,
	       "2026-12-05 10:18:02      2 client       deny     POST   /containers/create                    @developer:10  client may not POST /containers/create: HostConfig.Privileged is true (@developer:10)\n",
	       "a denial: with its message");
	free(out);
	out = row(admin, &o, &rc, &why);
	like(out, " /containers/000c193c295a.../start ",
	     "a container ID is cut to 12 characters");
	free(out);

	o.deny_only = true;
	out = row(allow, &o, &rc, &why);
	ok(rc == 0 && out != NULL && out[0] == '\0', "--deny: an allow is not shown");
	free(out);
	out = row(deny, &o, &rc, &why);
	is_int(rc, 1, "--deny: a denial is");
	free(out);
	o.deny_only = false;

	o.cn[o.ncn++] = "admin";
	out = row(deny, &o, &rc, &why);
	is_int(rc, 0, "--cn admin: client's record is not shown");
	free(out);
	out = row(admin, &o, &rc, &why);
	is_int(rc, 1, "--cn admin: admin's is");
	free(out);
	o.cn[o.ncn++] = "client";
	out = row(deny, &o, &rc, &why);
	is_int(rc, 1, "--cn admin --cn client: client's is too");
	free(out);
	o.ncn = 0;

	o.since_set = true;
	o.since = 1796465882; /* 2026-12-05T10:18:02Z */
	out = row(allow, &o, &rc, &why);
	is_int(rc, 0, "--since 10:18:02: the record of 10:18:01.5 is not shown");
	free(out);
	out = row(deny, &o, &rc, &why);
	is_int(rc, 1, "... the one of 10:18:02.5 is");
	free(out);
	o.since_set = false;

	o.json = true;
	out = row(deny, &o, &rc, &why);
	ok(out != NULL && strncmp(out, deny, strlen(deny)) == 0 &&
		   strcmp(out + strlen(deny), "\n") == 0,
	   "--json: the record itself, one line");
	free(out);
	o.json = false;

	out = row("{\"seq\":4,\"time\":\"2026-12-05T10:18:04Z\",\"call\":\"AuthZRes\",\"req\":1,\"decision\":\"allow\"}",
		  &o, &rc, &why);
	is_int(rc, 0, "an AuthZRes is not shown (its AuthZReq is the decision)");
	free(out);
	out = row("{\"seq\":5,\"time\":\"2026-12-05T10:18:05Z\",\"call\":\"AuthZReq\",\"who\":null,\"method\":null,\"path\":null,\"uri\":null,\"decision\":\"deny\",\"msg\":\"malformed\",\"rule\":null}",
		  &o, &rc, &why);
	like(out, "      5 -            deny     -      -  ",
	     "a record of a request that could not be read: dashes");
	free(out);
	out = row("{\"seq\":6,\"time\":\"2026-12-05T10:18:06Z\",\"call\":\"AuthZReq\",\"who\":{\"cn\":\"x\\u001b[2J\"},\"method\":\"GET\",\"path\":\"/a\\u0007\",\"decision\":\"deny\",\"msg\":\"\\u001b]0;owned\\u0007\",\"rule\":null}",
		  &o, &rc, &why);
	ok(out != NULL && strchr(out, '\033') == NULL && strchr(out, '\007') == NULL,
	   "control bytes in a tampered record never reach the terminal");
	like(out, "x\\x1b[2J", "... they are shown as \\xNN");
	free(out);

	out = row("not json", &o, &rc, &why);
	ok(rc == -1 && why != NULL && strcmp(why, "not a JSON object") == 0,
	   "not JSON: not a record, saying why");
	free(out);
	out = row("{\"a\":1}", &o, &rc, &why);
	ok(rc == -1 && why != NULL && strstr(why, "not an audit record") != NULL,
	   "JSON without seq, call and decision: not a record");
	free(out);
	o.since_set = true;
	out = row("{\"seq\":1,\"time\":\"whenever\",\"call\":\"AuthZReq\",\"decision\":\"deny\"}",
		  &o, &rc, &why);
	ok(rc == -1 && why != NULL && strstr(why, "time") != NULL,
	   "--since and a record whose time cannot be read: said, not guessed");
	free(out);
}

int main(void)
{
	test_time();
	test_line();
	return done_testing();
}
