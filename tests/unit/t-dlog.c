/*
 * t-dlog.c - the daemon's log lines: "cnauthz[PID]: LEVEL: message" on a
 * plain descriptor; "<PRIORITY>LEVEL: message" when JOURNAL_STREAM names
 * the descriptor (systemd's journal), with the syslog priority of each
 * level; one line per event, however long or whatever it holds.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dlog.h"
#include "tap.h"
#include "testlib.h"

/* What dlog wrote to a fresh file, with JOURNAL_STREAM as given (NULL:
 * unset; "self": the file's own device and inode). */
static char *logged(const char *js, enum dlog_level level, const char *msg,
		    bool *journal)
{
	char path[256], env[64];
	FILE *f;
	struct stat st;
	struct dlog *l;
	char *out;
	size_t len;

	snprintf(path, sizeof path, "%s", scratch_at("log"));
	f = fopen(path, "w+");
	if (f == NULL || fstat(fileno(f), &st) < 0)
		bail_errno("log file");
	if (js == NULL) {
		unsetenv("JOURNAL_STREAM");
	} else if (strcmp(js, "self") == 0) {
		snprintf(env, sizeof env, "%ju:%ju", (uintmax_t)st.st_dev,
			 (uintmax_t)st.st_ino);
		setenv("JOURNAL_STREAM", env, 1);
	} else {
		setenv("JOURNAL_STREAM", js, 1);
	}
	l = dlog_new(fileno(f));
	if (l == NULL)
		bail("dlog_new");
	*journal = dlog_journal(l);
	dlog(l, level, "%s", msg);
	dlog_free(l);
	fclose(f);
	out = slurp(path, &len);
	if (out == NULL)
		bail_errno("read back");
	return out;
}

int main(void)
{
	char want[128], big[4000];
	bool journal;
	char *got;
	static const struct {
		enum dlog_level level;
		const char *line;
	} prios[] = {
		{DLOG_ERROR, "<3>error: x\n"},
		{DLOG_WARNING, "<4>warning: x\n"},
		{DLOG_DENY, "<5>deny: x\n"},
		{DLOG_ALLOW, "<6>allow: x\n"},
		{DLOG_INFO, "<6>info: x\n"},
	};

	scratch_make("dlog");
	got = logged(NULL, DLOG_ERROR, "it broke", &journal);
	snprintf(want, sizeof want, "cnauthz[%ld]: error: it broke\n",
		 (long)getpid());
	is_str(got, want, "no JOURNAL_STREAM: name, pid, level, message");
	ok(!journal, "... not the journal");
	free(got);

	for (size_t i = 0; i < sizeof prios / sizeof prios[0]; i++) {
		got = logged("self", prios[i].level, "x", &journal);
		is_str(got, prios[i].line,
		       "JOURNAL_STREAM names the descriptor: %.3s, no name or pid",
		       prios[i].line);
		free(got);
	}
	ok(journal, "... the journal");

	got = logged("1:1", DLOG_ERROR, "x", &journal);
	ok(!journal && strncmp(got, "cnauthz[", 8) == 0,
	   "JOURNAL_STREAM naming another file: plain lines");
	free(got);
	got = logged("garbage", DLOG_ERROR, "x", &journal);
	ok(!journal, "an unreadable JOURNAL_STREAM: plain lines");
	free(got);

	got = logged("self", DLOG_ERROR, "one\ntwo\n", &journal);
	is_str(got, "<3>error: one two \n",
	       "a newline in a message does not start a line of its own");
	free(got);

	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	got = logged("self", DLOG_INFO, big, &journal);
	is_int((long long)strlen(got), 2047, "a long message is cut to 2047 bytes");
	ok(got[strlen(got) - 1] == '\n' && strchr(got, '\n') == got + 2046,
	   "... ending in its one newline");
	free(got);

	is_int(dlog_level_of("error"), DLOG_ERROR, "\"error\" is DLOG_ERROR");
	is_int(dlog_level_of("info"), DLOG_INFO, "\"info\" is DLOG_INFO");
	is_int(dlog_level_of("whatever"), DLOG_INFO, "anything else is info");
	unsetenv("JOURNAL_STREAM");
	scratch_remove();
	return done_testing();
}
