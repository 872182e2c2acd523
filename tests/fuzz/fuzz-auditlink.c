/*
 * fuzz-auditlink.c - "audit verify --any-order" (auditlink.h) reads a
 * central collector's files, which whoever could write them may have
 * filled with anything.
 *
 * Input: the file's bytes. Invariants: the status is 0, 1 or 2; 0 only
 * when every line is a record (nothing said on errout), 1 with a reason
 * on errout; no crash, no leak, whatever the lines link to.
 */
#define _GNU_SOURCE 1
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "auditlink.h"
#include "common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char errbuf[16384];
	struct audit_verify_opts o = {size % 2 == 0, false, true};
	char path[64];
	const char *files[1] = {path};
	int fd = memfd_create("auditlink", MFD_CLOEXEC);
	FILE *out, *err;
	int rc;

	FUZZ_CHECK(fd >= 0);
	FUZZ_CHECK(size == 0 || write(fd, data, size) == (ssize_t)size);
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	out = fopen("/dev/null", "w");
	memset(errbuf, 0, sizeof errbuf);
	err = fmemopen(errbuf, sizeof errbuf, "w");
	FUZZ_CHECK(out != NULL && err != NULL);
	rc = audit_verify_any_order(files, 1, &o, out, err);
	fclose(out);
	fclose(err);
	close(fd);
	FUZZ_CHECK(rc >= 0 && rc <= 2);
	if (rc == 1)
		FUZZ_CHECK(errbuf[0] != '\0');
	if (rc == 0)
		FUZZ_CHECK(errbuf[0] == '\0');
	fuzz_input_done();
	return 0;
}
