/*
 * replay.c - a fuzz harness as a plain program: every file of the corpus
 * directories (or files) on the command line goes once through
 * LLVMFuzzerTestOneInput, and each is one TAP test, "ok N - DIR/FILE".
 * Built with gcc and -fsanitize=address,undefined, this turns the corpus
 * and every past finding into regression tests that "make check" runs.
 *
 * With no arguments it replays tests/fuzz/corpus/TARGET and
 * tests/fuzz/regressions/TARGET under the top directory (FUZZ_TARGET is
 * compiled in). A crash, a sanitizer report or a leak ends the program
 * before the plan is printed, or with a non-zero status: prove fails it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"

#ifndef FUZZ_TARGET
#error "FUZZ_TARGET must name the harness"
#endif

static int ntests, nfailed;

static void result(int ok, const char *name, const char *why)
{
	ntests++;
	if (!ok)
		nfailed++;
	printf("%sok %d - %s%s%s\n", ok ? "" : "not ", ntests, name,
	       why ? ": " : "", why ? why : "");
	/* a sanitizer ends the process with _exit: say it now */
	fflush(stdout);
}

/* Reads a whole file into an allocation of exactly its size, so that a
 * read past the end is a heap overflow the sanitizer sees. */
static uint8_t *slurp(const char *path, size_t *len, const char **why)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	uint8_t *buf = NULL;
	size_t got = 0;

	*len = 0;
	if (fd < 0 || fstat(fd, &st) < 0) {
		*why = strerror(errno);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	buf = malloc(st.st_size > 0 ? (size_t)st.st_size : 1);
	if (buf == NULL) {
		*why = "out of memory";
		close(fd);
		return NULL;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			*why = n < 0 ? strerror(errno) : "file shrank";
			free(buf);
			close(fd);
			return NULL;
		}
		got += (size_t)n;
	}
	close(fd);
	*len = got;
	return buf;
}

static void one(const char *path, const char *name)
{
	const char *why = NULL;
	size_t len;
	uint8_t *data = slurp(path, &len, &why);

	if (data == NULL) {
		result(0, name, why);
		return;
	}
	LLVMFuzzerTestOneInput(data, len);
	free(data);
	result(1, name, NULL);
}

static int skip_dot(const struct dirent *de)
{
	return de->d_name[0] != '.';
}

/* A directory: its files in name order. must: a missing one fails. */
static void replay(const char *path, const char *label, int must)
{
	struct dirent **list;
	struct stat st;
	int n;

	if (stat(path, &st) < 0) {
		if (must || errno != ENOENT)
			result(0, label, strerror(errno));
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		one(path, label);
		return;
	}
	n = scandir(path, &list, skip_dot, alphasort);
	if (n < 0) {
		result(0, label, strerror(errno));
		return;
	}
	for (int i = 0; i < n; i++) {
		char file[8192], name[8192];

		snprintf(file, sizeof file, "%s/%s", path, list[i]->d_name);
		snprintf(name, sizeof name, "%s/%s", label, list[i]->d_name);
		one(file, name);
		free(list[i]);
	}
	free(list);
}

int main(int argc, char **argv)
{
	char corpus[4096], regr[4096];

	LLVMFuzzerInitialize(&argc, &argv);
	if (argc > 1) {
		for (int i = 1; i < argc; i++)
			replay(argv[i], argv[i], 1);
	} else {
		snprintf(corpus, sizeof corpus, "%s/tests/fuzz/corpus/%s",
			 fuzz_top(), FUZZ_TARGET);
		snprintf(regr, sizeof regr, "%s/tests/fuzz/regressions/%s",
			 fuzz_top(), FUZZ_TARGET);
		/* the corpus must be there; regressions may not exist yet */
		replay(corpus, "corpus/" FUZZ_TARGET, 1);
		replay(regr, "regressions/" FUZZ_TARGET, 0);
	}
	if (ntests == 0)
		result(0, "no input to replay", NULL);
	printf("1..%d\n", ntests);
	if (nfailed > 0)
		printf("# Looks like you failed %d test%s of %d.\n", nfailed,
		       nfailed == 1 ? "" : "s", ntests);
	return nfailed > 0;
}
