/* dlog.c - see dlog.h */
#include "dlog.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct dlog {
	int fd;
	bool journal;
	long pid; /* ours, for the "cnauthz[PID]: " prefix (no fork after) */
};

static const struct {
	const char *word;
	char prio;
} levels[] = {
	[DLOG_ERROR] = {"error", '3'},
	[DLOG_WARNING] = {"warning", '4'},
	[DLOG_DENY] = {"deny", '5'},
	[DLOG_ALLOW] = {"allow", '6'},
	[DLOG_INFO] = {"info", '6'},
};

/* JOURNAL_STREAM is "DEVICE:INODE" of the stream systemd connected to the
 * service's stdout and stderr; fd is the journal when it is that file. */
static bool is_journal(int fd)
{
	const char *js = getenv("JOURNAL_STREAM");
	uintmax_t dev, ino;
	char *end;
	struct stat st;

	if (js == NULL || *js == '\0')
		return false;
	errno = 0;
	dev = strtoumax(js, &end, 10);
	if (errno != 0 || end == js || *end != ':')
		return false;
	js = end + 1;
	ino = strtoumax(js, &end, 10);
	if (errno != 0 || end == js || *end != '\0')
		return false;
	if (fstat(fd, &st) < 0)
		return false;
	return (uintmax_t)st.st_dev == dev && (uintmax_t)st.st_ino == ino;
}

struct dlog *dlog_new(int fd)
{
	struct dlog *l = calloc(1, sizeof *l);

	if (l == NULL)
		return NULL;
	l->fd = fd;
	l->journal = is_journal(fd);
	l->pid = (long)getpid();
	return l;
}

void dlog_free(struct dlog *l)
{
	free(l);
}

bool dlog_journal(const struct dlog *l)
{
	return l != NULL && l->journal;
}

enum dlog_level dlog_level_of(const char *word)
{
	for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++)
		if (strcmp(levels[i].word, word) == 0)
			return (enum dlog_level)i;
	return DLOG_INFO;
}

void dlogv(const struct dlog *l, enum dlog_level level, const char *fmt,
	   va_list ap)
{
	char line[2048];
	int n;

	if ((unsigned)level >= sizeof levels / sizeof levels[0])
		level = DLOG_INFO;
	if (l != NULL && l->journal)
		n = snprintf(line, sizeof line, "<%c>%s: ", levels[level].prio,
			     levels[level].word);
	else
		n = snprintf(line, sizeof line, "cnauthz[%ld]: %s: ",
			     l != NULL ? l->pid : (long)getpid(),
			     levels[level].word);
	if (n < 0)
		return;
	vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
	/* a message holding a newline would start a line of its own, at
	 * the default priority: one line per event */
	for (char *p = line + n; *p; p++)
		if (*p == '\n')
			*p = ' ';
	n = (int)strlen(line);
	if ((size_t)n >= sizeof line - 1)
		n = (int)sizeof line - 2; /* cut: the newline still ends it */
	line[n++] = '\n';
	(void)!write(l != NULL ? l->fd : STDERR_FILENO, line, (size_t)n);
}

void dlog(const struct dlog *l, enum dlog_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	dlogv(l, level, fmt, ap);
	va_end(ap);
}
