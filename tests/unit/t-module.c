/*
 * t-module.c - loadable modules (module.c, through ruleset.c and decide):
 * the test writes a small module in C, builds variants of it with
 * "cc -shared" into a temporary module directory, and loads them from
 * rule files.
 *
 * Refused, each rejecting the rule file with file:line:col and a reason:
 * a wrong ABI version, another name, no "cnauthz_module" symbol, no
 * evaluate or init, a file others can write, a symbolic link, a module
 * directory its group can write, a file owned by another uid, a name that
 * is not built in and not in the module directory, and a module whose
 * init fails (the column of the bad argument). Accepted: by name under
 * the module directory and by absolute path, loaded once per rule set,
 * init and free paired, unloaded with the set. Evaluated through decide()
 * on AuthZReq bodies with a client certificate: method, canonical path,
 * query, headers, identity and certificate fields, body_visit with the
 * same Go-compatible lookups as the built-ins, and the body that is not
 * there failing the request closed.
 *
 * Needs cc; skips everything without it. The strict checks need the test
 * directory to be owned by the user running the test (root in CI).
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "decide.h"
#include "guard.h"
#include "module.h"
#include "ruleset.h"
#include "tap.h"
#include "testlib.h"

static const char *top;  /* the test's temporary directory */
static char moddir[128];  /* top/mods: where the modules are built */
static char rules[128];   /* top/rules */
static char logf_[128];   /* top/init.log: what init and free did */

/* "TOP/rest" */
static const char *at(const char *rest)
{
	return scratch_at(rest);
}

/*
 * The module under test. Its arguments:
 *   answer=success|deny|ignore|error|bogus|slow   what evaluate returns
 *                   (bogus: 7, out of range; slow: success after 0.6 s)
 *   report=N        evaluate writes what it saw into msg: 1 the request,
 *                   2 certificate names, 3 serial, 4 fingerprint,
 *                   5 validity, 6 body values
 *   binds=PREFIX    deny when a HostConfig.Binds[] entry starts with it
 *   bad=WORD        init fails, pointing at offset 4 of this argument
 *   log=FILE        init and free append a line to FILE
 * NAME, ABI and the NO_* macros make the broken variants.
 */
static const char module_src[] =
	"#include <stdio.h>\n"
	"#include <stdlib.h>\n"
	"#include <string.h>\n"
	"#include <time.h>\n"
	"#include \"cnauthz_module.h\"\n"
	"#ifndef NAME\n#define NAME \"probe\"\n#endif\n"
	"#ifndef ABI\n#define ABI CNAUTHZ_MODULE_ABI\n#endif\n"
	"struct st { int answer, report; char binds[64], log[256]; int id; };\n"
	"static int ids;\n"
	"static void note(const struct st *s, const char *what) {\n"
	"  FILE *f; if (!s->log[0] || !(f = fopen(s->log, \"a\"))) return;\n"
	"  fprintf(f, \"%s %d\\n\", what, s->id); fclose(f); }\n"
	"static int init(const struct cnauthz_api *api, int argc,\n"
	"    const char *const *argv, void **state,\n"
	"    struct cnauthz_init_error *err) {\n"
	"  struct st *s = calloc(1, sizeof *s);\n"
	"  if (!s || api->abi_version != 1 || api->size < sizeof *api) {\n"
	"    free(s); snprintf(err->msg, sizeof err->msg, \"bad api\"); return -1; }\n"
	"  s->answer = CNAUTHZ_IGNORE; s->id = ++ids;\n"
	"  for (int i = 0; i < argc; i++) {\n"
	"    const char *a = argv[i];\n"
	"    if (!strcmp(a, \"answer=success\")) s->answer = CNAUTHZ_SUCCESS;\n"
	"    else if (!strcmp(a, \"answer=deny\")) s->answer = CNAUTHZ_DENY;\n"
	"    else if (!strcmp(a, \"answer=ignore\")) s->answer = CNAUTHZ_IGNORE;\n"
	"    else if (!strcmp(a, \"answer=error\")) s->answer = CNAUTHZ_ERROR;\n"
	"    else if (!strcmp(a, \"answer=bogus\")) s->answer = 7;\n"
	"    else if (!strcmp(a, \"answer=slow\")) s->answer = -1;\n"
	"    else if (!strncmp(a, \"report=\", 7)) s->report = atoi(a + 7);\n"
	"    else if (!strncmp(a, \"binds=\", 6)) snprintf(s->binds, sizeof s->binds, \"%s\", a + 6);\n"
	"    else if (!strncmp(a, \"log=\", 4)) snprintf(s->log, sizeof s->log, \"%s\", a + 4);\n"
	"    else { err->arg = i; err->offset = 4;\n"
	"      snprintf(err->msg, sizeof err->msg, \"cannot use %s\", a);\n"
	"      free(s); return -1; }\n"
	"  }\n"
	"  note(s, \"init\"); *state = s; return 0; }\n"
	"struct acc { char out[256]; int n; };\n"
	"static int visit(void *arg, const struct cnauthz_value *v) {\n"
	"  struct acc *a = arg; size_t l = strlen(a->out); a->n++;\n"
	"  if (v->type == CNAUTHZ_STRING)\n"
	"    snprintf(a->out + l, sizeof a->out - l, \"%s%s\", l ? \",\" : \"\", v->string);\n"
	"  else if (v->type == CNAUTHZ_BOOL)\n"
	"    snprintf(a->out + l, sizeof a->out - l, \"%sbool:%d\", l ? \",\" : \"\", v->boolean);\n"
	"  else if (v->type == CNAUTHZ_INT)\n"
	"    snprintf(a->out + l, sizeof a->out - l, \"%sint:%lld\", l ? \",\" : \"\", v->integer);\n"
	"  else snprintf(a->out + l, sizeof a->out - l, \"%stype:%d\", l ? \",\" : \"\", (int)v->type);\n"
	"  return 0; }\n"
	"static const char *nz(const char *s) { return s ? s : \"(null)\"; }\n"
	"static enum cnauthz_result eval(const void *state,\n"
	"    const struct cnauthz_api *api, const struct cnauthz_request *req,\n"
	"    char *msg, size_t msgsz) {\n"
	"  const struct st *s = state;\n"
	"  if (s->binds[0]) {\n"
	"    struct acc a = {{0}, 0};\n"
	"    if (api->body_visit(req, \"HostConfig.Binds[]\", visit, &a) < 0) {\n"
	"      snprintf(msg, msgsz, \"no body\"); return CNAUTHZ_ERROR; }\n"
	"    if (strncmp(a.out, s->binds, strlen(s->binds)) == 0) {\n"
	"      snprintf(msg, msgsz, \"bind %s refused\", a.out); return CNAUTHZ_DENY; }\n"
	"    return CNAUTHZ_IGNORE;\n"
	"  }\n"
	"  if (s->report == 1)\n"
	"    snprintf(msg, msgsz, \"m=%s p=%s u=%s q=%s h=%s local=%d cn=%s\",\n"
	"      api->method(req), api->path(req), api->uri(req),\n"
	"      nz(api->query(req, \"all\")), nz(api->header(req, \"x-probe\")),\n"
	"      api->is_local(req), api->cn(req));\n"
	"  if (s->report == 2) {\n"
	"    char cn[64], ou0[64], ou1[64], o[64], san0[80], iss[128];\n"
	"    snprintf(cn, sizeof cn, \"%s\", nz(api->cert(req, \"CN\", 0)));\n"
	"    snprintf(ou0, sizeof ou0, \"%s\", nz(api->cert(req, \"OU\", 0)));\n"
	"    snprintf(ou1, sizeof ou1, \"%s\", nz(api->cert(req, \"OU\", 1)));\n"
	"    snprintf(o, sizeof o, \"%s\", nz(api->cert(req, \"O\", 0)));\n"
	"    snprintf(san0, sizeof san0, \"%s\", nz(api->cert(req, \"SAN\", 0)));\n"
	"    snprintf(iss, sizeof iss, \"%s\", nz(api->cert(req, \"issuer\", 0)));\n"
	"    snprintf(msg, msgsz, \"CN=%s OU=%s OU1=%s O=%s SAN=%s issuer=%s nosuch=%s serial1=%s\",\n"
	"      cn, ou0, ou1, o, san0, iss, nz(api->cert(req, \"nosuch\", 0)),\n"
	"      nz(api->cert(req, \"serial\", 1)));\n"
	"  }\n"
	"  if (s->report == 3) {\n"
	"    char ser[80];\n"
	"    snprintf(ser, sizeof ser, \"%s\", nz(api->cert(req, \"serial\", 0)));\n"
	"    snprintf(msg, msgsz, \"serial=%s\", ser); }\n"
	"  if (s->report == 4) {\n"
	"    char fpr[80];\n"
	"    snprintf(fpr, sizeof fpr, \"%s\", nz(api->cert(req, \"fingerprint\", 0)));\n"
	"    snprintf(msg, msgsz, \"fpr=%s\", fpr); }\n"
	"  if (s->report == 5) {\n"
	"    char nb[32];\n"
	"    snprintf(nb, sizeof nb, \"%s\", nz(api->cert(req, \"not_before\", 0)));\n"
	"    snprintf(msg, msgsz, \"nb=%s na=%s\", nb, nz(api->cert(req, \"not_after\", 0))); }\n"
	"  if (s->report == 6) {\n"
	"    struct acc b = {{0}, 0}, p = {{0}, 0}, n = {{0}, 0};\n"
	"    int rc = api->body_visit(req, \"hostconfig.binds[]\", visit, &b);\n"
	"    api->body_visit(req, \"HostConfig.Privileged\", visit, &p);\n"
	"    api->body_visit(req, \"HostConfig.Memory\", visit, &n);\n"
	"    snprintf(msg, msgsz, \"binds=%d:%d:%s priv=%s mem=%s\", rc, b.n, b.out, p.out, n.out);\n"
	"  }\n"
	"  if (s->answer == -1) { nanosleep(&(struct timespec){0, 600000000}, 0);\n"
	"    snprintf(msg, msgsz, \"slow\"); return CNAUTHZ_SUCCESS; }\n"
	"  return (enum cnauthz_result)s->answer; }\n"
	"static void fr(void *state) { note(state, \"free\"); free(state); }\n"
	"#ifndef NO_SYMBOL\n"
	"const struct cnauthz_module cnauthz_module = {\n"
	"  .abi_version = ABI, .name = NAME,\n"
	"#ifndef NO_INIT\n  .init = init,\n#endif\n"
	"#ifndef NO_EVAL\n  .evaluate = eval,\n#endif\n"
	"  .free = fr };\n"
	"#else\n"
	"const struct cnauthz_module some_other_symbol = {\n"
	"  .abi_version = ABI, .name = NAME, .init = init, .evaluate = eval };\n"
	"#endif\n";

static bool have_cc;

/* Builds top/src.c with extra flags into out (mode 0755). */
static int build(const char *out, const char *flags)
{
	char cmd[2048];

	snprintf(cmd, sizeof cmd,
		 "cc -std=c11 -O1 -fPIC -shared -I'%s/plugin/modules' %s -o '%s' '%s/src.c' 2>'%s/cc.err'",
		 tap_top(), flags, out, top, top);
	if (system(cmd) != 0) {
		diag("cc failed: %s", cmd);
		return -1;
	}
	return chmod(out, 0755);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0 ||
	    chmod(path, mode) < 0)
		bail_errno(path);
}

static void put_rule(const char *name, const char *text)
{
	char p[512];

	snprintf(p, sizeof p, "%s/%s", rules, name);
	write_file(p, text, 0644);
}

static void rm_rule(const char *name)
{
	char p[512];

	snprintf(p, sizeof p, "%s/%s", rules, name);
	unlink(p);
}

/* The deadline loaded modules run under, as the daemon and the CLI have
 * one (guard.h); NULL: called directly. */
static struct guard *cur_guard;

static struct ruleset *load_with(const char *mdir, bool insecure)
{
	struct ruleset_opts o = {.insecure_permissions = insecure,
				 .module_dir = mdir,
				 .guard = cur_guard};

	return load_rules(rules, &o);
}

static struct ruleset *load(void)
{
	return load_with(moddir, false);
}

/* The error of rule file name, or "" when it loaded. */
static const char *file_error(struct ruleset *rs, const char *name)
{
	struct ruleset_pick p;

	ruleset_pick_name(rs, name, &p);
	return p.stack != NULL ? "" : p.error ? p.error : "(none)";
}

/* "RULES/NAME:line:col: " for the rule file NAME */
static const char *where(const char *name, int line, int col)
{
	return file_where(rules, name, line, col);
}

/* One file "t" with line, loaded; returns its error ("" if it loaded). */
static char last_error[2048];
static const char *try_line(const char *line)
{
	char text[1024];
	struct ruleset *rs;

	snprintf(text, sizeof text, "%s\nsufficient permit *\n", line);
	put_rule("t", text);
	rs = load();
	snprintf(last_error, sizeof last_error, "%s", file_error(rs, "t"));
	ruleset_unref(rs);
	return last_error;
}

/* ---- requests ---- */

static char *client_pem;

/* An AuthZReq as dockerd sends it: as CN "client" (tests/fixtures/certs/
 * client.pem, OU=devs) when tls, else as a unix-socket caller. body goes
 * with a JSON Content-Type; with_body: dockerd forwarded it. */
static char *make_req(bool tls, const char *method, const char *uri,
		      const char *body, bool with_body)
{
	json_t *h = json_object();

	json_object_set_new(h, "X-Probe", json_string("yes"));
	if (body != NULL)
		json_object_set_new(h, "Content-Type",
				    json_string("application/json"));
	return authz_req_text(&(struct authz_req){
		.user = tls ? "client" : NULL,
		.cert = tls ? client_pem : NULL,
		.method = method,
		.uri = uri,
		.headers = h,
		.body = with_body ? body : NULL,
		.bodylen = with_body && body != NULL ? strlen(body) : 0,
	});
}

static void judge(struct ruleset *rs, const char *req, struct verdict *v)
{
	judge_text(rs, NULL, req, v);
}

/* Judges req with one rule "requisite probe report=N answer=deny" for
 * client and @local. */
static void report(const char *req, int n, struct verdict *v)
{
	struct ruleset *rs;
	char line[100];

	snprintf(line, sizeof line, "requisite probe report=%d answer=deny\n", n);
	put_rule("client", line);
	put_rule("@local", line);
	rs = load();
	judge(rs, req, v);
	ruleset_unref(rs);
}

/* ---- the tests ---- */

static void test_build(void)
{
	write_file(at("src.c"), module_src, 0644);
	have_cc = build(at("mods/probe.so"), "") == 0;
	ok(have_cc, "cc builds the probe module");
	if (!have_cc)
		return;
	ok(build(at("mods/wrongabi.so"), "-DNAME='\"wrongabi\"' -DABI=2") == 0 &&
		   build(at("mods/wrongname.so"), "-DNAME='\"other\"'") == 0 &&
		   build(at("mods/nosym.so"), "-DNAME='\"nosym\"' -DNO_SYMBOL") == 0 &&
		   build(at("mods/noeval.so"), "-DNAME='\"noeval\"' -DNO_EVAL") == 0 &&
		   build(at("mods/noinit.so"), "-DNAME='\"noinit\"' -DNO_INIT") == 0 &&
		   build(at("mods/writable.so"), "-DNAME='\"writable\"'") == 0 &&
		   build(at("mods/grp.so"), "-DNAME='\"grp\"'") == 0 &&
		   build(at("mods/theirs.so"), "-DNAME='\"theirs\"'") == 0 &&
		   build(at("elsewhere/probe.so"), "") == 0 &&
		   build(at("elsewhere/renamed.so"), "") == 0 &&
		   build(at("gw/gwmod.so"), "-DNAME='\"gwmod\"'") == 0,
	   "cc builds the broken variants");
	if (chmod(at("mods/writable.so"), 0757) < 0 ||
	    chmod(at("mods/grp.so"), 0775) < 0 ||
	    symlink(at("mods/probe.so"), at("mods/link.so")) < 0 ||
	    chmod(at("gw"), 0775) < 0)
		bail_errno("chmod/symlink");
}

static void test_load_ok(void)
{
	struct ruleset *rs;
	char line[600];

	is_str(try_line("requisite probe"), "",
	       "by name: NAME.so under the module directory loads");
	snprintf(line, sizeof line, "requisite %s/probe.so", moddir);
	is_str(try_line(line), "", "by absolute path: loads");
	snprintf(line, sizeof line, "requisite %s", at("elsewhere/probe.so"));
	is_str(try_line(line), "",
	       "by absolute path outside the module directory: loads");

	/* a name with no module directory configured */
	put_rule("t", "requisite probe\n");
	rs = load_with(NULL, false);
	is_str(file_error(rs, "t"),
	       at("rules/t:1:11: unknown module \"probe\""),
	       "without a module directory, by name: an unknown module");
	ruleset_unref(rs);
}

static void test_load_refused(void)
{
	char line[600];
	const char *e;

	e = try_line("requisite wrongabi");
	like(e, where("t", 1, 11), "wrong ABI version: the file is rejected at the module's column");
	like(e, "has ABI version 2; this cnauthz has 1", "... saying which versions");

	e = try_line("requisite wrongname");
	like(e, where("t", 1, 11), "another name: rejected with line:col");
	like(e, "is not the module \"wrongname\"", "... saying it is not that module");

	e = try_line("requisite nosym");
	like(e, "exports no cnauthz_module", "no cnauthz_module symbol: rejected");

	e = try_line("requisite noeval");
	like(e, "is not the module \"noeval\" (no name, init or evaluate",
	     "no evaluate: rejected");
	e = try_line("requisite noinit");
	like(e, "(no name, init or evaluate", "no init: rejected");

	e = try_line("requisite writable");
	like(e, where("t", 1, 11), "a world-writable module: rejected with line:col");
	like(e, "/mods/writable.so is writable by others (mode 0757)",
	     "... naming the module's path and why");

	e = try_line("requisite grp");
	like(e, "/mods/grp.so is writable by its group (mode 0775)",
	     "a group-writable module: rejected");

	e = try_line("requisite link");
	like(e, "/mods/link.so: it is a symbolic link",
	     "a symlink to a good module: rejected, never followed");

	snprintf(line, sizeof line, "requisite %s", at("gw/gwmod.so"));
	e = try_line(line);
	like(e, "/gw is writable by its group (mode 0775)",
	     "a module in a group-writable directory: rejected, naming the directory");

	snprintf(line, sizeof line, "requisite %s", at("elsewhere/renamed.so"));
	e = try_line(line);
	like(e, "is not the module \"renamed\"",
	     "by absolute path, the file name must be the module's name");

	e = try_line("requisite nosuch");
	like(e, where("t", 1, 11), "no such module: rejected with line:col");
	like(e, "unknown module \"nosuch\" (not built in, and no ", "... saying where it looked");
	like(e, "/mods/nosuch.so)", "... naming the path");

	e = try_line("requisite ../elsewhere/probe");
	like(e, "unknown module \"../elsewhere/probe\"",
	     "a relative path is no module name (nothing outside the directory)");
	e = try_line("requisite Probe");
	like(e, "unknown module \"Probe\"", "names are lower-case [a-z0-9_-]");

	snprintf(line, sizeof line, "requisite %s", at("mods/missing.so"));
	e = try_line(line);
	like(e, "cannot open module ", "a missing absolute path: rejected");
	like(e, "No such file or directory", "... saying why");

	/* the module directory itself group-writable */
	chmod(moddir, 0775);
	e = try_line("requisite probe");
	like(e, "/mods is writable by its group (mode 0775)",
	     "a group-writable module directory: the good module is refused too");
	chmod(moddir, 0755);
	is_str(try_line("requisite probe"), "", "... and loads again once fixed");

	if (geteuid() == 0) {
		if (chown(at("mods/theirs.so"), 65534, 65534) < 0)
			bail_errno("chown");
		e = try_line("requisite theirs");
		like(e, "/mods/theirs.so is owned by uid 65534, not by root",
		     "a module owned by another uid: rejected");
	} else {
		ok(1, "# skip chown needs root");
	}

	/* --insecure-permissions: the mode checks go, the symlink rule stays */
	{
		struct ruleset *rs;

		put_rule("t", "requisite writable\nsufficient permit *\n");
		rs = load_with(moddir, true);
		is_str(file_error(rs, "t"), "",
		       "--insecure-permissions loads a world-writable module");
		ruleset_unref(rs);
		put_rule("t", "requisite link\nsufficient permit *\n");
		rs = load_with(moddir, true);
		like(file_error(rs, "t"), "symbolic link",
		     "--insecure-permissions still never follows a symlink");
		ruleset_unref(rs);
		put_rule("t", "requisite wrongabi\nsufficient permit *\n");
		rs = load_with(moddir, true);
		like(file_error(rs, "t"), "has ABI version 2",
		     "--insecure-permissions still checks the ABI version");
		ruleset_unref(rs);
	}
	rm_rule("t");
}

static void test_init_error_col(void)
{
	const char *e;
	char want[700];

	e = try_line("required   probe report=1 xyzzy=1");
	/* xyzzy=1 starts at column 27 */
	snprintf(want, sizeof want, "%sprobe: cannot use xyzzy=1",
		 where("t", 1, 27 + 4));
	is_str(e, want,
	       "init failing: the file is rejected at line:col of the bad argument plus the module's offset");

	e = try_line("# a comment\n\nrequisite probe \\\n  report=1 zz");
	/* zz starts at line 4, column 12 */
	snprintf(want, sizeof want, "%sprobe: cannot use zz",
		 where("t", 4, 12 + 4));
	is_str(e, want,
	       "init failing on a continued line: line and column of the argument itself");
}

static int count_lines(const char *path, const char *prefix)
{
	FILE *f = fopen(path, "r");
	char line[256];
	int n = 0;

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof line, f) != NULL)
		if (strncmp(line, prefix, strlen(prefix)) == 0)
			n++;
	fclose(f);
	return n;
}

static void test_lifecycle(void)
{
	struct ruleset *rs;
	char text[1024], path[600];
	void *h;
	struct module_set *ms;
	const struct cnauthz_module *m1, *m2, *m3;
	char why[512];

	unlink(logf_);
	snprintf(text, sizeof text,
		 "requisite probe log=%s\nrequisite probe log=%s\n"
		 "requisite %s/probe.so log=%s\nsufficient permit *\n",
		 logf_, logf_, moddir, logf_);
	put_rule("a", text);
	snprintf(text, sizeof text, "requisite probe log=%s\nsufficient permit *\n",
		 logf_);
	put_rule("b", text);
	rs = load();
	is_str(file_error(rs, "a"), "", "three lines with one module load");
	is_int(count_lines(logf_, "init"), 4, "init ran once per rule line (4)");
	is_int(count_lines(logf_, "free"), 0, "nothing freed while the set lives");
	snprintf(path, sizeof path, "%s/probe.so", moddir);
	h = dlopen(path, RTLD_NOW | RTLD_NOLOAD);
	ok(h != NULL, "the module is loaded while the set lives");
	if (h != NULL)
		dlclose(h);
	ruleset_unref(rs);
	is_int(count_lines(logf_, "free"), 4, "free ran for every instance when the set was dropped");
	h = dlopen(path, RTLD_NOW | RTLD_NOLOAD);
	ok(h == NULL, "the module is unloaded with the set");
	if (h != NULL)
		dlclose(h);
	rm_rule("a");
	rm_rule("b");

	/* one dlopen per module per set: the same descriptor back */
	ms = module_set_new(moddir, true, NULL);
	m1 = module_set_get(ms, "probe", why, sizeof why);
	m2 = module_set_get(ms, "probe", why, sizeof why);
	m3 = module_set_get(ms, path, why, sizeof why);
	ok(m1 != NULL && m1 == m2, "module_set_get: the same module twice by name is loaded once");
	ok(m3 == m1, "... and by its absolute path too");
	ok(module_set_get(ms, "permit", why, sizeof why) == &mod_permit,
	   "module_set_get: built-ins come first");
	is_str(module_set_get(ms, "permit", why, sizeof why)->name, "permit",
	       "built-ins are the same descriptor type (name)");
	is_int(mod_permit.abi_version, CNAUTHZ_MODULE_ABI,
	       "built-ins carry the ABI version too");
	module_set_free(ms);
}

static void test_evaluate(const char *how)
{
	struct ruleset *rs;
	struct verdict v;
	char *req, want[1024];
	const char *body =
		"{\"Image\":\"x\",\"hostconfig\":{\"BINDS\":[\"/srv/a:/a\",\"/etc:/e\"],"
		"\"Privileged\":true,\"Memory\":42}}";
	char facts[4096], fpr[80] = "", serial[80] = "", *p;
	size_t flen;

	/* what openssl said about the fixture (make.sh) */
	snprintf(facts, sizeof facts, "%s/tests/fixtures/certs/client.facts",
		 tap_top());
	p = slurp(facts, &flen);
	if (p != NULL) {
		char *s = strstr(p, "serial="), *f = strstr(p, "Fingerprint=");
		size_t o = 0;

		for (s = s ? s + 7 : NULL; s && *s && *s != '\n'; s++)
			if (o + 1 < sizeof serial)
				serial[o++] = (char)(*s >= 'A' && *s <= 'F' ? *s + 32 : *s);
		serial[o] = '\0';
		o = 0;
		for (f = f ? f + 12 : NULL; f && *f && *f != '\n'; f++)
			if (*f != ':' && o + 1 < sizeof fpr)
				fpr[o++] = (char)(*f >= 'A' && *f <= 'F' ? *f + 32 : *f);
		fpr[o] = '\0';
		free(p);
	}

	req = make_req(true, "POST", "/v1.41/containers/create?all=1&all=2&name=x",
		       body, true);
	report(req, 1, &v);
	ok(!v.allow, "a module's deny denies" " [%s]", how);
	like(v.msg, "client may not POST /containers/create: m=POST ",
	     "the module's message is the denial's, after who and what" " [%s]", how);
	like(v.msg, " (client:1)", "... naming the deciding line" " [%s]", how);
	like(v.msg, " p=/containers/create ", "api->path: canonical, version prefix and query gone" " [%s]", how);
	like(v.msg, " u=/v1.41/containers/create?all=1&all=2&name=x ", "api->uri: raw" " [%s]", how);
	like(v.msg, " q=1 ", "api->query: the first value, as dockerd reads it" " [%s]", how);
	like(v.msg, " h=yes ", "api->header: case-insensitive name" " [%s]", how);
	like(v.msg, " local=0 cn=client ", "api->is_local and api->cn for a TLS caller" " [%s]", how);
	report(req, 2, &v);
	like(v.msg, ": CN=client OU=devs OU1=(null) O=(null) ",
	     "api->cert: CN, OU (index 0 and past the last), O absent" " [%s]", how);
	like(v.msg, " SAN=(null) ", "api->cert: SAN absent on this certificate" " [%s]", how);
	like(v.msg, " issuer=CN=cnauthz test CA ", "api->cert: issuer in RFC 2253" " [%s]", how);
	like(v.msg, " nosuch=(null) serial1=(null) ",
	     "api->cert: unknown names and indexes past single values are NULL" " [%s]", how);
	report(req, 3, &v);
	snprintf(want, sizeof want, ": serial=%s (", serial);
	like(v.msg, want, "api->cert: serial, lower-case hex (as openssl says)" " [%s]", how);
	report(req, 4, &v);
	snprintf(want, sizeof want, ": fpr=%s (", fpr);
	ok(fpr[0] != '\0' && strstr(v.msg, want) != NULL,
	   "api->cert: SHA-256 fingerprint, lower-case hex (as openssl says)" " [%s]", how);
	report(req, 5, &v);
	/* notAfter=Nov  5 15:13:43 2126 GMT */
	like(v.msg, " na=4949565223 ", "api->cert: not_after in seconds since the epoch" " [%s]", how);
	like(v.msg, ": nb=", "api->cert: not_before given" " [%s]", how);
	report(req, 6, &v);
	like(v.msg, ": binds=0:2:/srv/a:/a,/etc:/e ",
	     "api->body_visit: Go's case-insensitive field names, every [] element" " [%s]", how);
	like(v.msg, " priv=bool:1 mem=int:42 (",
	     "api->body_visit: booleans and integers typed" " [%s]", how);
	free(req);

	req = make_req(false, "GET", "/_ping", NULL, false);
	report(req, 1, &v);
	like(v.msg, " local=1 cn= (",
	     "a local caller: is_local 1, cn \"\"" " [%s]", how);
	ok(!v.allow, "... denied (by the module)" " [%s]", how);
	report(req, 2, &v);
	like(v.msg, ": CN=(null) OU=(null) OU1=(null) O=(null) SAN=(null) issuer=(null) ",
	     "a local caller: no certificate fields" " [%s]", how);
	report(req, 6, &v);
	like(v.msg, "the request body was not available for inspection",
	     "a local caller without a body: body_visit fails, the request is unjudgeable" " [%s]", how);
	free(req);

	/* the fail-closed body rule: a module that wanted the body and did
	 * not get it cannot let the request through */
	put_rule("client", "sufficient probe report=6 answer=success\n");
	rs = load();
	req = make_req(true, "POST", "/v1.41/containers/create", body, false);
	judge(rs, req, &v);
	free(req);
	ok(!v.allow, "a module's success after body_visit failed still denies" " [%s]", how);
	like(v.msg, "the request body was not available for inspection",
	     "... saying the body was not there" " [%s]", how);
	req = make_req(true, "POST", "/v1.41/containers/create", body, true);
	judge(rs, req, &v);
	free(req);
	ok(v.allow, "... and the same request with its body is allowed" " [%s]", how);
	is_str(v.rule, "client:1", "... by the module's line" " [%s]", how);
	ruleset_unref(rs);

	/* a module as a real filter */
	put_rule("client", "requisite probe binds=/etc\nsufficient permit *\n");
	rs = load();
	req = make_req(true, "POST", "/v1.41/containers/create",
		       "{\"HostConfig\":{\"Binds\":[\"/etc:/x\"]}}", true);
	judge(rs, req, &v);
	free(req);
	ok(!v.allow, "binds=/etc: a bind of /etc is denied" " [%s]", how);
	like(v.msg, "bind /etc:/x refused (client:1)", "... with the module's message" " [%s]", how);
	req = make_req(true, "POST", "/v1.41/containers/create",
		       "{\"HostConfig\":{\"Binds\":[\"/srv:/x\"]}}", true);
	judge(rs, req, &v);
	free(req);
	ok(v.allow, "binds=/etc: a bind of /srv passes to the permit line" " [%s]", how);
	req = make_req(true, "GET", "/v1.41/containers/json", NULL, false);
	judge(rs, req, &v);
	free(req);
	ok(!v.allow, "binds=/etc: a GET without body: the module answers error" " [%s]", how);
	like(v.msg, "the request body was not available", "... and the request is denied as unjudgeable" " [%s]", how);
	ruleset_unref(rs);

	/* results and controls */
	put_rule("client", "[ignore=ok default=bad] probe answer=bogus\nsufficient permit *\n");
	rs = load();
	req = make_req(true, "GET", "/_ping", NULL, false);
	judge(rs, req, &v);
	ok(!v.allow, "an out-of-range result is an error taken as bad" " [%s]", how);
	like(v.msg, "module probe returned an invalid result 7", "... and says so" " [%s]", how);
	ruleset_unref(rs);
	put_rule("client", "required probe answer=error\nsufficient permit *\n");
	rs = load();
	judge(rs, req, &v);
	ok(!v.allow, "answer=error under required denies" " [%s]", how);
	ruleset_unref(rs);
	put_rule("client", "optional probe answer=ignore\nsufficient permit *\n");
	rs = load();
	judge(rs, req, &v);
	ok(v.allow, "answer=ignore passes to the next line" " [%s]", how);
	is_str(v.rule, "client:2", "... which decides" " [%s]", how);
	ruleset_unref(rs);
	put_rule("client", "sufficient probe answer=success\nrequired deny *\n");
	rs = load();
	judge(rs, req, &v);
	ok(v.allow, "answer=success under sufficient allows" " [%s]", how);
	is_str(v.rule, "client:1", "... decided by the module" " [%s]", how);
	ruleset_unref(rs);
	free(req);
	rm_rule("client");
	rm_rule("@local");
}

/* A loaded module that overruns the deadline: denied as unjudgeable. */
static void test_deadline(void)
{
	struct guard *g = guard_new(100), *saved = cur_guard;
	struct ruleset *rs;
	struct verdict v;
	char *req;

	cur_guard = g;
	put_rule("client", "sufficient probe answer=slow\n");
	rs = load();
	req = make_req(true, "GET", "/_ping", NULL, false);
	judge(rs, req, &v);
	ok(!v.allow, "a module slower than the deadline (100 ms) cannot allow");
	like(v.msg, "module probe did not answer within 100 ms; request denied",
	     "... the denial names the module and the deadline");
	ruleset_unref(rs);
	/* let the abandoned call finish before its thread pool goes */
	usleep(800 * 1000);
	guard_free(g);
	cur_guard = saved;
	rs = load();
	judge(rs, req, &v);
	ok(v.allow, "the same module within a 5 s deadline allows");
	like(v.msg, "allowed by client:1", "... by its line");
	ruleset_unref(rs);
	free(req);
	rm_rule("client");
}

/*
 * api->query reads the query only as dockerd will: what the built-ins'
 * query conditions refuse to judge (view_query_value), a module is not
 * shown either - the request is denied whatever the module says.
 */
#define QGAP(c, desc) ok((c), "%s", desc)
static void test_query(void)
{
	struct verdict v;
	struct ruleset *rs;
	char *req;
	json_t *j;

	put_rule("@local", "sufficient probe report=1 answer=success\n");
	rs = load();
	req = make_req(false, "GET", "/v1.41/images/json?all=1", NULL, false);
	judge(rs, req, &v);
	free(req);
	ok(v.allow, "api->query on a plain GET: the module decides");

	req = make_req(false, "GET", "/v1.41/images/json?all=1;x=2", NULL, false);
	judge(rs, req, &v);
	free(req);
	QGAP(!v.allow && strstr(v.msg, "the query string cannot be read as dockerd reads it"),
	     "api->query on a query Go would not read (';'): denied whatever the module says");

	/* a POST whose body dockerd did not forward: a form could hide there */
	j = json_pack("{s:s,s:s,s:{s:s,s:s}}", "RequestMethod", "POST",
		      "RequestUri", "/v1.41/images/create?fromImage=busybox",
		      "RequestHeaders", "Content-Type",
		      "application/x-www-form-urlencoded", "Content-Length", "20");
	req = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	judge(rs, req, &v);
	free(req);
	QGAP(!v.allow && strstr(v.msg, "could override the query string"),
	     "api->query on a POST with a form body: denied whatever the module says");
	j = json_pack("{s:s,s:s,s:{s:s}}", "RequestMethod", "POST",
		      "RequestUri", "/v1.41/images/create?fromImage=busybox",
		      "RequestHeaders", "Content-Length", "20");
	req = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	judge(rs, req, &v);
	free(req);
	QGAP(!v.allow && strstr(v.msg, "a body cnauthz cannot see"),
	     "api->query on a POST whose body was not forwarded: denied");
	ruleset_unref(rs);
	rm_rule("@local");
}

int main(void)
{
	char path[4096];
	size_t len;

	top = scratch_make("module");
	chmod(top, 0755);
	snprintf(moddir, sizeof moddir, "%s/mods", top);
	snprintf(rules, sizeof rules, "%s/rules", top);
	snprintf(logf_, sizeof logf_, "%s/init.log", top);
	if (mkdir(moddir, 0755) < 0 || mkdir(rules, 0755) < 0 ||
	    mkdir(at("elsewhere"), 0755) < 0 || mkdir(at("gw"), 0755) < 0)
		bail_errno("mkdir");
	snprintf(path, sizeof path, "%s/tests/fixtures/certs/client.pem",
		 tap_top());
	client_pem = slurp(path, &len);
	if (client_pem == NULL)
		bail_errno(path);

	test_build();
	if (have_cc) {
		test_load_ok();
		test_load_refused();
		test_init_error_col();
		test_lifecycle();
		test_evaluate("called directly");
		cur_guard = guard_new(5000);
		test_evaluate("under the evaluation deadline");
		test_deadline();
		test_query();
		guard_free(cur_guard);
		cur_guard = NULL;
	}
	free(client_pem);
	scratch_remove();
	return done_testing();
}
