/*
 * t-fsperm.c - the strict file checks (fsperm.c) and how the rule-set
 * loader applies them (ruleset.c without --insecure-permissions): owner
 * root (or the user cnauthz runs as), no group or other write bit, every
 * directory from "/" down, a sticky world-writable parent (/tmp) allowed,
 * and a refusal that names the path and says why.
 *
 * The checks on real files need root (chown to another uid); without it
 * those tests are skipped. Everything is made under a mkdtemp directory
 * in /tmp, which is itself the sticky-parent case.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "decide.h"
#include "fsperm.h"
#include "identity.h"
#include "ruleset.h"
#include "tap.h"
#include "testlib.h"

#define NOBODY 65534

/* "SCRATCH/rest" */
static const char *at(const char *rest)
{
	return scratch_at(rest);
}

static void mkdir_mode(const char *rel, mode_t mode)
{
	if (mkdir(at(rel), 0700) < 0 || chmod(at(rel), mode) < 0)
		bail_errno(at(rel));
}

static void put_mode(const char *rel, const char *text, mode_t mode)
{
	const char *p = at(rel);
	FILE *f = fopen(p, "w");

	if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0 ||
	    chmod(p, mode) < 0)
		bail_errno(p);
}

/* ---- fsperm_check_stat on made-up stat buffers ---- */

static struct stat st_of(uid_t uid, mode_t mode)
{
	struct stat st;

	memset(&st, 0, sizeof st);
	st.st_uid = uid;
	st.st_mode = mode;
	return st;
}

static void test_check_stat(void)
{
	char why[512];
	struct stat st;
	uid_t other = geteuid() == NOBODY ? NOBODY - 1 : NOBODY;

	st = st_of(0, S_IFREG | 0644);
	is_int(fsperm_check_stat(&st, "/r/f", false, why, sizeof why), 0,
	       "stat: root-owned 0644 file passes");
	st = st_of(0, S_IFREG | 0600);
	is_int(fsperm_check_stat(&st, "/r/f", false, why, sizeof why), 0,
	       "stat: root-owned 0600 file passes");
	st = st_of(geteuid(), S_IFREG | 0644);
	is_int(fsperm_check_stat(&st, "/r/f", false, why, sizeof why), 0,
	       "stat: a file of the user cnauthz runs as passes");

	st = st_of(0, S_IFREG | 0664);
	is_int(fsperm_check_stat(&st, "/r/f", false, why, sizeof why), -1,
	       "stat: group-writable file refused");
	is_str(why,
	       "/r/f is writable by its group (mode 0664): refused (see --insecure-permissions)",
	       "... the reason names the path, who can write and the mode");
	st = st_of(0, S_IFREG | 0646);
	is_int(fsperm_check_stat(&st, "/r/f", false, why, sizeof why), -1,
	       "stat: world-writable file refused");
	is_str(why,
	       "/r/f is writable by others (mode 0646): refused (see --insecure-permissions)",
	       "... the reason says others");
	st = st_of(0, S_IFREG | 0666);
	fsperm_check_stat(&st, "/r/f", false, why, sizeof why);
	like(why, "writable by others (mode 0666)",
	     "stat: writable by both is reported as others");

	st = st_of(other, S_IFREG | 0644);
	is_int(fsperm_check_stat(&st, "/r/f", false, why, sizeof why), -1,
	       "stat: a file owned by another uid refused");
	{
		char want[200];

		snprintf(want, sizeof want,
			 "/r/f is owned by uid %u, not by root: refused (see --insecure-permissions)",
			 (unsigned)other);
		is_str(why, want, "... the reason names the path and the uid");
	}
	st = st_of(other, S_IFREG | 0666);
	fsperm_check_stat(&st, "/r/f", false, why, sizeof why);
	like(why, "owned by uid", "stat: the owner is checked first");

	/* the sticky exception */
	st = st_of(0, S_IFDIR | 01777);
	is_int(fsperm_check_stat(&st, "/tmp", true, why, sizeof why), 0,
	       "stat: sticky world-writable parent (like /tmp) passes");
	is_int(fsperm_check_stat(&st, "/tmp", false, why, sizeof why), -1,
	       "stat: ... but not as the trusted directory itself");
	st = st_of(0, S_IFDIR | 0777);
	is_int(fsperm_check_stat(&st, "/p", true, why, sizeof why), -1,
	       "stat: world-writable parent without sticky bit refused");
	st = st_of(0, S_IFDIR | 01775);
	is_int(fsperm_check_stat(&st, "/p", true, why, sizeof why), -1,
	       "stat: sticky but only group-writable parent refused (the exception is for /tmp)");
	st = st_of(other, S_IFDIR | 01777);
	is_int(fsperm_check_stat(&st, "/p", true, why, sizeof why), -1,
	       "stat: sticky parent owned by another uid refused");
	st = st_of(0, S_IFREG | 01777);
	is_int(fsperm_check_stat(&st, "/p", true, why, sizeof why), -1,
	       "stat: the sticky exception is for directories only");
}

/* ---- fsperm_check_dirs on a real tree ---- */

static void test_check_dirs(void)
{
	char why[1024];

	mkdir_mode("a", 0755);
	mkdir_mode("a/b", 0755);
	mkdir_mode("a/b/c", 0755);
	is_int(fsperm_check_dirs(at("a/b/c"), false, why, sizeof why), 0,
	       "dirs: a root-owned 0755 chain under /tmp passes");
	if (fsperm_check_dirs(at("a/b/c"), false, why, sizeof why) != 0)
		diag("why: %s", why);

	chmod(at("a/b"), 0775);
	is_int(fsperm_check_dirs(at("a/b/c"), false, why, sizeof why), -1,
	       "dirs: a group-writable directory above is refused");
	is_str(why,
	       at("a/b is writable by its group (mode 0775): refused (see --insecure-permissions)"),
	       "... naming that directory, not the leaf");
	chmod(at("a/b"), 0755);

	chmod(at("a/b/c"), 0757);
	is_int(fsperm_check_dirs(at("a/b/c"), false, why, sizeof why), -1,
	       "dirs: the directory itself world-writable is refused");
	like(why, at("a/b/c is writable by others"), "... naming it");
	chmod(at("a/b/c"), 01777);
	is_int(fsperm_check_dirs(at("a/b/c"), false, why, sizeof why), -1,
	       "dirs: a sticky world-writable rules directory is refused");
	is_int(fsperm_check_dirs(at("a/b/c"), true, why, sizeof why), 0,
	       "dirs: ... but passes as a file's parent (dir_is_parent)");
	chmod(at("a/b/c"), 0755);

	chmod(at("a"), 01777);
	is_int(fsperm_check_dirs(at("a/b/c"), false, why, sizeof why), 0,
	       "dirs: a sticky world-writable ancestor passes");
	chmod(at("a"), 0777);
	is_int(fsperm_check_dirs(at("a/b/c"), false, why, sizeof why), -1,
	       "dirs: a world-writable ancestor without sticky bit is refused");
	like(why, at("a is writable by others (mode 0777)"), "... naming it");
	chmod(at("a"), 0755);

	/* a symlink in the path: the real chain is what is checked */
	mkdir_mode("w", 0775);
	mkdir_mode("w/rules", 0755);
	if (symlink(at("w/rules"), at("a/link")) < 0)
		bail_errno("symlink");
	is_int(fsperm_check_dirs(at("a/link"), false, why, sizeof why), -1,
	       "dirs: through a symlink, the target's parents are checked");
	like(why, at("w is writable by its group"),
	     "... and the real group-writable parent is named");

	is_int(fsperm_check_dirs(at("nonexistent"), false, why, sizeof why), -1,
	       "dirs: a missing directory fails");
	like(why, "No such file or directory", "... saying so");

	if (geteuid() != 0) {
		ok(1, "# skip dirs: chown needs root");
		return;
	}
	if (chown(at("a/b"), NOBODY, NOBODY) < 0)
		bail_errno("chown");
	is_int(fsperm_check_dirs(at("a/b/c"), false, why, sizeof why), -1,
	       "dirs: a directory above owned by another uid is refused");
	like(why, at("a/b is owned by uid 65534, not by root"), "... naming it");
	if (chown(at("a/b"), 0, 0) < 0)
		bail_errno("chown");
}

/* ---- the loader: ruleset_load without --insecure-permissions ---- */

static struct ruleset *load_strict(const char *dir, char *errbuf, size_t sz)
{
	struct ruleset_opts o = {.insecure_permissions = false};
	struct cnz_err err;
	struct ruleset *rs = ruleset_load(dir, &o, &err);

	errbuf[0] = '\0';
	if (rs == NULL)
		cnz_err_str(&err, errbuf, sz);
	return rs;
}

static struct ruleset *load_insecure(const char *dir)
{
	struct ruleset_opts o = {.insecure_permissions = true};
	struct cnz_err err;

	return ruleset_load(dir, &o, &err);
}

/* Allowed? for CN cn and GET /_ping. */
static bool allows(struct ruleset *rs, const char *cn, char *msg,
		   size_t msgsz)
{
	struct decide_opts o = {0};
	struct cnz_err err;
	struct decision d;
	static const char req[] =
		"{\"RequestMethod\":\"GET\",\"RequestUri\":\"/v1.41/_ping\"}";
	bool allow;

	o.as = identity_named(cn, &err);
	decide(rs, req, strlen(req), &o, &d);
	allow = d.allow;
	snprintf(msg, msgsz, "%s", d.msg);
	decision_clear(&d);
	identity_unref(o.as);
	return allow;
}

static const char *error_for(struct ruleset *rs, const char *name)
{
	struct ruleset_pick p;

	ruleset_pick_name(rs, name, &p);
	return p.error;
}

static void test_loader(void)
{
	char err[1024], msg[DECISION_MSG];
	struct ruleset *rs;

	mkdir_mode("p", 0755);
	mkdir_mode("p/rules", 0755);
	put_mode("p/rules/admin", "sufficient permit *\n", 0644);
	put_mode("p/rules/client", "sufficient permit GET\n", 0600);

	rs = load_strict(at("p/rules"), err, sizeof err);
	ok(rs != NULL, "loader: a root-owned 0755 directory of 0644 files loads");
	if (rs == NULL) {
		diag("error: %s", err);
		return;
	}
	is_int((long long)ruleset_nerrors(rs), 0, "loader: ... without errors");
	ok(allows(rs, "admin", msg, sizeof msg), "loader: ... and its rules allow");
	ruleset_unref(rs);

	/* the rules directory writable by its group: nothing loads */
	chmod(at("p/rules"), 0775);
	rs = load_strict(at("p/rules"), err, sizeof err);
	ok(rs == NULL, "loader: a group-writable rules directory fails the load");
	like(err, "rules directory refused: ", "... as the rules directory");
	like(err, at("p/rules is writable by its group (mode 0775)"),
	     "... naming the directory and why");
	rs = load_insecure(at("p/rules"));
	ok(rs != NULL && ruleset_nerrors(rs) == 0,
	   "loader: --insecure-permissions loads it anyway");
	ruleset_unref(rs);
	chmod(at("p/rules"), 0755);

	/* a parent of the rules directory writable by its group */
	chmod(at("p"), 0770);
	rs = load_strict(at("p/rules"), err, sizeof err);
	ok(rs == NULL, "loader: a group-writable parent fails the load");
	like(err, at("p is writable by its group (mode 0770)"),
	     "... naming the parent");
	chmod(at("p"), 0755);

	/* one world-writable file: that file is refused, the rest serve */
	chmod(at("p/rules/client"), 0646);
	rs = load_strict(at("p/rules"), err, sizeof err);
	ok(rs != NULL, "loader: a world-writable file does not fail the whole load");
	if (rs != NULL) {
		is_int((long long)ruleset_nerrors(rs), 1, "loader: ... one error");
		is_str(ruleset_nerrors(rs) ? ruleset_error(rs, 0) : NULL,
		       at("p/rules/client is writable by others (mode 0646): refused (see --insecure-permissions)"),
		       "loader: ... which names the file and why");
		ok(!allows(rs, "client", msg, sizeof msg),
		   "loader: the refused file's CN is denied");
		like(msg, "rule file client is invalid: ",
		     "... as an invalid rule file");
		like(msg, "writable by others", "... saying why");
		ok(allows(rs, "admin", msg, sizeof msg),
		   "loader: the other files still judge");
		ruleset_unref(rs);
	}
	chmod(at("p/rules/client"), 0664);
	rs = load_strict(at("p/rules"), err, sizeof err);
	like(rs != NULL ? error_for(rs, "client") : err,
	     "client is writable by its group (mode 0664)",
	     "loader: a group-writable file is refused too");
	ruleset_unref(rs);
	chmod(at("p/rules/client"), 0600);

	/* a symlinked rule file, even to a good file, is refused */
	put_mode("p/target", "sufficient permit *\n", 0644);
	if (symlink(at("p/target"), at("p/rules/linked")) < 0)
		bail_errno("symlink");
	rs = load_strict(at("p/rules"), err, sizeof err);
	like(rs != NULL ? error_for(rs, "linked") : err,
	     at("p/rules/linked: is a symbolic link"),
	     "loader: a symlinked rule file is refused, naming it");
	ruleset_unref(rs);
	rs = load_insecure(at("p/rules"));
	like(rs != NULL ? error_for(rs, "linked") : "",
	     "is a symbolic link",
	     "loader: ... also with --insecure-permissions (never followed)");
	ruleset_unref(rs);
	unlink(at("p/rules/linked"));

	if (geteuid() != 0) {
		ok(1, "# skip loader: chown needs root");
		return;
	}
	if (chown(at("p/rules/client"), NOBODY, NOBODY) < 0)
		bail_errno("chown");
	rs = load_strict(at("p/rules"), err, sizeof err);
	is_str(rs != NULL ? error_for(rs, "client") : err,
	       at("p/rules/client is owned by uid 65534, not by root: refused (see --insecure-permissions)"),
	       "loader: a file owned by another uid is refused, naming path and uid");
	ruleset_unref(rs);
	rs = load_insecure(at("p/rules"));
	ok(rs != NULL && ruleset_nerrors(rs) == 0 &&
		   allows(rs, "client", msg, sizeof msg),
	   "loader: --insecure-permissions trusts it");
	ruleset_unref(rs);
	if (chown(at("p/rules/client"), 0, 0) < 0)
		bail_errno("chown");

	if (chown(at("p/rules"), NOBODY, NOBODY) < 0)
		bail_errno("chown");
	rs = load_strict(at("p/rules"), err, sizeof err);
	ok(rs == NULL, "loader: a rules directory owned by another uid fails");
	like(err, at("p/rules is owned by uid 65534"), "... naming it");
	ruleset_unref(rs);
	if (chown(at("p/rules"), 0, 0) < 0)
		bail_errno("chown");

	/* the hash changes with the content, not with the mode */
	rs = load_strict(at("p/rules"), err, sizeof err);
	ok(rs != NULL && ruleset_nerrors(rs) == 0,
	   "loader: after the fixes the directory loads cleanly again");
	ruleset_unref(rs);
}

int main(void)
{
	/* mkdtemp makes 0700; the checks want no group/other write only */
	chmod(scratch_make("fsperm"), 0755);
	test_check_stat();
	test_check_dirs();
	test_loader();
	scratch_remove();
	return done_testing();
}
