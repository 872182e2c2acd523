/*
 * t-hostpath.c - bind sources judged as the host path the kernel mounts
 * (hostpath.c): Go's path.Clean first, as dockerd cleans a source, then
 * the symlinks of the longest existing prefix resolved on this host; and
 * the component-wise "under" test allow-bind= uses.
 *
 * The symlink tests build a directory under /tmp and remove it.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hostpath.h"
#include "tap.h"
#include "testlib.h"

/* ---- Go's path.Clean ---- */

static void test_clean(void)
{
	/* each "want" is Go 1.19's path.Clean of "in" */
	static const struct {
		const char *in, *want;
	} t[] = {
		{"/", "/"},
		{"//", "/"},
		{"///", "/"},
		{"/.", "/"},
		{"/./", "/"},
		{"/..", "/"},
		{"/../..", "/"},
		{"/../a", "/a"},
		{"/a", "/a"},
		{"/a/", "/a"},
		{"/a/.", "/a"},
		{"/a/..", "/"},
		{"/a/b/", "/a/b"},
		{"/a//b", "/a/b"},
		{"///a///", "/a"},
		{"/a/./b", "/a/b"},
		{"/a/../b", "/b"},
		{"/a/b/..", "/a"},
		{"/a/b/../../..", "/"},
		{"/a/b/c/../../d", "/a/d"},
		{"/abc/def/..", "/abc"},
		{"/abc/def/../..", "/"},
		{"/srv/data/../../etc", "/etc"},
		{"/srv/data/./../data/x", "/srv/data/x"},
		{"/...", "/..."},
		{"/a/..b/.c", "/a/..b/.c"},
		{"/a/b../c.", "/a/b../c."},
		{"/a b/c d", "/a b/c d"},
		{"/\xc3\xa9/..", "/"},
		{"/a/b/c/./../../g", "/a/g"},
	};
	char out[PATH_MAX];

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		memset(out, 'Z', sizeof out);
		if (is_int(hostpath_clean(t[i].in, out, sizeof out), 0,
			   "clean \"%s\" succeeds", t[i].in))
			is_str(out, t[i].want, "... giving \"%s\"", t[i].want);
		else
			ok(0, "... giving \"%s\"", t[i].want);
	}
	is_int(hostpath_clean("a/b", out, sizeof out), -1,
	       "a relative path is refused");
	is_int(hostpath_clean("", out, sizeof out), -1,
	       "an empty path is refused");
	is_int(hostpath_clean("./a", out, sizeof out), -1, "\"./a\" is refused");
	is_int(hostpath_clean("/abc", out, 5), 0, "\"/abc\" fits 5 bytes");
	is_str(out, "/abc", "... whole");
	is_int(hostpath_clean("/abc", out, 4), -1, "but not 4");
	is_int(hostpath_clean("/a/b/../c", out, 5), 0,
	       "what is removed need not fit (\"/a/c\" in 5 bytes)");
	is_int(hostpath_clean("/", out, 1), -1, "\"/\" does not fit 1 byte");
	{
		/* a long path that cleans to a short one */
		size_t n = 5 * 3000 + 3;
		char *in = malloc(n);

		if (in == NULL)
			bail_errno("malloc");
		in[0] = '\0';
		for (int i = 0; i < 3000; i++)
			strcat(in, "/a/..");
		strcat(in, "/b");
		is_int(hostpath_clean(in, out, 8), 0,
		       "3000 \"/a/..\" then \"/b\" cleans in 8 bytes");
		is_str(out, "/b", "... to \"/b\"");
		free(in);
	}
}

/* ---- under ---- */

static void test_under(void)
{
	static const struct {
		const char *path, *prefix;
		bool want;
	} t[] = {
		{"/srv/data", "/srv/data", true},
		{"/srv/data/x", "/srv/data", true},
		{"/srv/data/x/y", "/srv/data", true},
		{"/srv/database", "/srv/data", false},
		{"/srv/data2/x", "/srv/data", false},
		{"/srv/dat", "/srv/data", false},
		{"/srv", "/srv/data", false},
		{"/", "/srv/data", false},
		{"/etc", "/srv/data", false},
		{"/", "/", true},
		{"/etc/shadow", "/", true},
		{"/srv/data", "/srv", true},
		{"/srvx", "/srv", false},
	};

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		is_int(hostpath_under(t[i].path, t[i].prefix), t[i].want,
		       "\"%s\" is %sunder \"%s\"", t[i].path,
		       t[i].want ? "" : "not ", t[i].prefix);
}

/* ---- resolve ---- */

/* "SCRATCH/rest" */
static const char *at(const char *rest)
{
	return scratch_at(rest);
}

static void mkd(const char *rest)
{
	if (mkdir(at(rest), 0755) < 0)
		bail_errno(at(rest));
}

static void lnk(const char *target, const char *rest)
{
	if (symlink(target, at(rest)) < 0)
		bail_errno(at(rest));
}

static void resolves(const char *in, const char *want, const char *name)
{
	char out[PATH_MAX];

	memset(out, 'Z', sizeof out);
	if (is_int(hostpath_resolve(in, out, sizeof out), 0, "%s: resolves",
		   name))
		is_str(out, want, "... \"%s\" is \"%s\"", in, want);
	else
		ok(0, "... \"%s\" is \"%s\"", in, want);
}

static void test_resolve(void)
{
	char out[PATH_MAX], link[PATH_MAX];
	FILE *f;

	scratch_make("hostpath"); /* symlinks resolved */
	mkd("allowed");
	mkd("allowed/data");
	mkd("other");
	f = fopen(at("allowed/data/file"), "w");
	if (f == NULL || fclose(f) != 0)
		bail_errno("file");
	lnk("/", "allowed/root");            /* a link to / */
	lnk("../other", "allowed/sib");      /* to a sibling, relative */
	lnk(at("other"), "allowed/abs");     /* to a sibling, absolute */
	lnk("c2", "allowed/c1");             /* a chain, ending at /etc */
	lnk("./c3", "allowed/c2");
	lnk("/etc", "allowed/c3");
	lnk("data", "allowed/in");           /* staying inside */
	lnk("..", "allowed/data/up");        /* up to allowed/ */
	lnk("../../other", "allowed/data/up2");
	lnk("root/etc", "allowed/viaroot");  /* through another link */

	resolves(at("allowed/data"), at("allowed/data"), "a plain directory");
	resolves(at("allowed/data/file"), at("allowed/data/file"),
		 "a plain file");
	resolves(at("/allowed//data/"), at("allowed/data"),
		 "repeated and trailing slashes");
	resolves(at("allowed/./data/."), at("allowed/data"), "\".\"");
	resolves(at("allowed/root"), "/", "a link to /");
	resolves(at("allowed/root/etc"), "/etc", "a path through a link to /");
	resolves(at("allowed/root/etc/passwd"), "/etc/passwd",
		 "a file through a link to /");
	resolves(at("allowed/sib"), at("other"), "a relative link to a sibling");
	resolves(at("allowed/sib/x/y"), at("other/x/y"),
		 "a link to a sibling, then a tail that does not exist");
	resolves(at("allowed/abs/f"), at("other/f"),
		 "an absolute link to a sibling");
	resolves(at("allowed/c1"), "/etc", "a chain of three links");
	resolves(at("allowed/c1/passwd"), "/etc/passwd",
		 "a file at the end of a chain");
	resolves(at("allowed/in/file"), at("allowed/data/file"),
		 "a link that stays inside");
	resolves(at("allowed/data/up"), at("allowed"), "a link to \"..\"");
	resolves(at("allowed/data/up/sib"), at("other"),
		 "a link to \"..\" then a link to a sibling");
	resolves(at("allowed/data/up2/x"), at("other/x"),
		 "a link up two levels and across");
	resolves(at("allowed/viaroot/passwd"), "/etc/passwd",
		 "a link whose target goes through another link");

	/* ".." is removed lexically first, as dockerd cleans the source:
	 * the kernel never sees "root/..", it sees what is left */
	resolves(at("allowed/root/../data"), at("allowed/data"),
		 "\"..\" after a link to / is lexical (dockerd cleans first)");
	resolves(at("allowed/sib/../data/file"), at("allowed/data/file"),
		 "\"..\" after a link to a sibling is lexical");
	resolves(at("allowed/c1/../in"), at("allowed/data"),
		 "\"..\" after a chain is lexical, then the link \"in\" resolves");
	resolves(at("allowed/data/../../other"), at("other"),
		 "\"..\" out of the directory");
	resolves(at("allowed/data/../../../../../../etc"), "/etc",
		 "\"..\" far above / stops at /");

	/* what does not exist is kept as written, after the real prefix */
	resolves(at("allowed/new"), at("allowed/new"), "a missing last name");
	resolves(at("allowed/new/a/b"), at("allowed/new/a/b"),
		 "a missing directory and below");
	resolves(at("allowed/root/nonexistent-cnz/x"), "/nonexistent-cnz/x",
		 "a missing tail after a link to /");
	resolves(at("allowed/data/file/x"), at("allowed/data/file/x"),
		 "a name under a regular file (kept as written)");
	resolves("/nonexistent-cnz/a/../b", "/nonexistent-cnz/b",
		 "nothing below / exists");
	resolves("/", "/", "/ itself");

	is_int(hostpath_resolve("relative/x", out, sizeof out), -1,
	       "a relative path is refused");
	is_int(hostpath_resolve("", out, sizeof out), -1,
	       "an empty path is refused");
	is_int(hostpath_resolve(at("allowed/root"), out, 2), 0,
	       "\"/\" fits in 2 bytes");
	is_int(hostpath_resolve(at("allowed/data"), out, 8), -1,
	       "a result that does not fit is refused");
	is_int(hostpath_resolve(at("allowed/new/a"), out, 8), -1,
	       "... also with a missing tail");

	/* and together, as allow-bind uses them */
	ok(!hostpath_resolve(at("allowed/root/etc"), out, sizeof out) &&
		   !hostpath_under(out, at("allowed")),
	   "a link to / inside the allowed directory is not under it");
	ok(!hostpath_resolve(at("allowed/data/x"), out, sizeof out) &&
		   hostpath_under(out, at("allowed")),
	   "a new name inside it is");
	snprintf(link, sizeof link, "%s", at("allowed-link"));
	lnk(at("allowed"), "allowed-link");
	ok(!hostpath_resolve(link, out, sizeof out) && strcmp(out, at("allowed")) == 0,
	   "an allowed directory named through a link resolves to the directory");

	scratch_remove();
}

int main(void)
{
	test_clean();
	test_under();
	test_resolve();
	return done_testing();
}
