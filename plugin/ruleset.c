/* ruleset.c - see ruleset.h */
#include "ruleset.h"

#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <openssl/evp.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "identity.h"
#include "module.h"
#include "rulefile.h"
#include "rulesdir.h"
#include "rulesver.h"
#include "stack.h"
#include "text.h"
#include "view.h"

enum mark { UNSEEN, ACTIVE, DONE };

struct rfile {
	char *name;
	char *path;  /* while loading, for messages */
	struct rulefile *rf;
	struct stack_entry *entries; /* one per line of rf */
	size_t nentries;             /* initialised so far */
	struct stack stack;
	size_t cap;
	char *error;
	enum mark mark;
	int height; /* deepest include/substack chain below */
};

struct ruleset {
	atomic_uint refs;
	char *dir;
	struct rfile *files;
	size_t nfiles;
	size_t *table; /* index + 1, 0 = empty */
	size_t tabsize;
	char **errors, **warnings;
	size_t nerrors, nwarnings;
	char **deps; /* files the modules read, by absolute path */
	size_t ndeps;
	char hash[65];
	char version[RULESVER_MAX + 1]; /* rulesver.h; "" when none */
	size_t text_bytes;          /* of every file read */
	struct module_set *modules; /* dropped after every instance */
};

static uint64_t hash_name(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

static struct rfile *find(const struct ruleset *rs, const char *name)
{
	size_t mask = rs->tabsize - 1, i;

	if (rs->tabsize == 0)
		return NULL;
	for (i = hash_name(name) & mask; rs->table[i] != 0; i = (i + 1) & mask)
		if (strcmp(rs->files[rs->table[i] - 1].name, name) == 0)
			return &rs->files[rs->table[i] - 1];
	return NULL;
}

static int add_str(char ***v, size_t *n, const char *s)
{
	char **nv = realloc(*v, (*n + 1) * sizeof **v);

	if (nv == NULL)
		return -1;
	*v = nv;
	if ((nv[*n] = strdup(s)) == NULL)
		return -1;
	(*n)++;
	return 0;
}

static void warn(void *arg, const char *msg)
{
	struct ruleset *rs = arg;

	(void)add_str(&rs->warnings, &rs->nwarnings, msg);
}

static char oom_msg[] = "out of memory";

static void set_broken(struct rfile *f, const struct cnz_err *e)
{
	char buf[CNZ_ERR_WHERE + CNZ_ERR_MSG + 64];

	if (f->error != NULL)
		return;
	f->error = strdup(cnz_err_str(e, buf, sizeof buf));
	if (f->error == NULL)
		f->error = oom_msg; /* never freed: see rfile_free */
}

/*
 * Notes the files a line's module read: every argument KEY=/PATH whose
 * path names a regular file ("revoked crl=/etc/cnauthz/crl.pem"), so that
 * the daemon reloads when one is replaced (ruleset_dep).
 */
static void note_deps(struct ruleset *rs, const struct rule_line *l)
{
	for (int a = 0; a < l->argc; a++) {
		const char *eq = strchr(l->argv[a], '=');
		struct stat st;
		bool seen = false;

		if (eq == NULL || eq[1] != '/' || stat(eq + 1, &st) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		for (size_t i = 0; i < rs->ndeps && !seen; i++)
			seen = strcmp(rs->deps[i], eq + 1) == 0;
		if (!seen && rs->ndeps < RULESET_MAX_DEPS)
			(void)add_str(&rs->deps, &rs->ndeps, eq + 1);
	}
}

/* Instantiates the module of every line. */
static void init_modules(struct ruleset *rs, struct rfile *f,
			 struct module_set *ms)
{
	size_t n = rulefile_nlines(f->rf);
	struct cnz_err e;

	f->entries = calloc(n ? n : 1, sizeof *f->entries);
	if (f->entries == NULL) {
		cnz_err_set(&e, f->path, 0, 0, "out of memory");
		set_broken(f, &e);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const struct rule_line *l = rulefile_line(f->rf, i);
		struct stack_entry *en = &f->entries[i];
		struct cnauthz_init_error ie;
		char why[PATH_MAX + 200], q[PATH_MAX + 300];

		en->line = l;
		en->file = f->name;
		f->nentries = i + 1;
		if (l->kind != RULE_MODULE)
			continue;
		en->mod = module_set_get(ms, l->module, why, sizeof why);
		if (en->mod == NULL) {
			cnz_err_set(&e, f->path, l->module_line, l->module_col,
				    "%s",
				    text_printable(q, sizeof q, why, strlen(why)));
			set_broken(f, &e);
			return;
		}
		memset(&ie, 0, sizeof ie);
		ie.arg = -1;
		if (module_instantiate(ms, en->mod, &view_api, l->argc, l->argv,
				       &en->mod, &en->state, &ie) < 0) {
			unsigned line = l->module_line, col = l->module_col;

			if (ie.arg >= 0 && ie.arg < l->argc) {
				line = l->arg_line[ie.arg];
				col = l->arg_col[ie.arg] + (unsigned)ie.offset;
			}
			en->mod = NULL; /* nothing to free */
			ie.msg[sizeof ie.msg - 1] = '\0';
			/* the message may quote the file's words, which can
			 * hold an escaped CR: printable, as above */
			snprintf(why, sizeof why, "%s: %s", l->module, ie.msg);
			cnz_err_set(&e, f->path, line, col, "%s",
				    text_printable(q, sizeof q, why,
						   strlen(why)));
			set_broken(f, &e);
			return;
		}
		note_deps(rs, l);
	}
}

static int stack_push(struct rfile *f, const struct stack_entry *e,
		      struct cnz_err *err, const struct rule_line *at)
{
	if (f->stack.n >= RULESET_MAX_STACK) {
		cnz_err_set(err, f->path, at->line, at->col,
			    "stack longer than %d entries once includes are spliced",
			    RULESET_MAX_STACK);
		return -1;
	}
	if (f->stack.n == f->cap) {
		size_t nc = f->cap ? f->cap * 2 : 16;
		const struct stack_entry **nv =
			realloc(f->stack.v, nc * sizeof *nv);

		if (nv == NULL) {
			cnz_err_set(err, f->path, at->line, at->col,
				    "out of memory");
			return -1;
		}
		f->stack.v = nv;
		f->cap = nc;
	}
	f->stack.v[f->stack.n++] = e;
	return 0;
}

/* Builds f's stack, splicing includes; depth-first with loop detection. */
static int compile(struct ruleset *rs, struct rfile *f)
{
	struct cnz_err e;

	if (f->mark == DONE)
		return f->error == NULL ? 0 : -1;
	if (f->mark == ACTIVE)
		return -2; /* a loop: reported by the caller at its line */
	if (f->error != NULL) {
		f->mark = DONE;
		return -1;
	}
	f->mark = ACTIVE;
	for (size_t i = 0; i < f->nentries; i++) {
		struct stack_entry *en = &f->entries[i];
		const struct rule_line *l = en->line;
		struct rfile *t;
		int rc;

		if (l->kind == RULE_MODULE) {
			if (stack_push(f, en, &e, l) < 0)
				goto broken;
			continue;
		}
		t = find(rs, l->module);
		if (t == NULL) {
			cnz_err_set(&e, f->path, l->module_line, l->module_col,
				    "%s: no rule file \"%s\" in %s", l->control,
				    l->module, rs->dir);
			goto broken;
		}
		rc = compile(rs, t);
		if (rc == -2) {
			cnz_err_set(&e, f->path, l->module_line, l->module_col,
				    "%s \"%s\" makes a loop", l->control,
				    l->module);
			goto broken;
		}
		if (rc < 0) {
			cnz_err_set(&e, f->path, l->module_line, l->module_col,
				    "%s \"%s\", which is invalid: %s",
				    l->control, l->module, t->error);
			goto broken;
		}
		if (t->height + 1 > RULESET_MAX_DEPTH) {
			cnz_err_set(&e, f->path, l->module_line, l->module_col,
				    "include/substack nesting deeper than %d",
				    RULESET_MAX_DEPTH);
			goto broken;
		}
		if (t->height + 1 > f->height)
			f->height = t->height + 1;
		if (l->kind == RULE_SUBSTACK) {
			en->sub = &t->stack;
			if (stack_push(f, en, &e, l) < 0)
				goto broken;
		} else {
			for (size_t k = 0; k < t->stack.n; k++)
				if (stack_push(f, t->stack.v[k], &e, l) < 0)
					goto broken;
		}
	}
	f->mark = DONE;
	if (f->stack.n > 0 && f->stack.n < f->cap) { /* no spare capacity */
		const struct stack_entry **fit =
			realloc(f->stack.v, f->stack.n * sizeof *fit);

		if (fit != NULL) {
			f->stack.v = fit;
			f->cap = f->stack.n;
		}
	}
	return 0;
broken:
	set_broken(f, &e);
	f->mark = DONE;
	return -1;
}

/*
 * The set's version (rulesver.h), read from the directory the set was
 * read from; when there is a version file, its name, length and text go
 * into the hash like a rule file's (a set without one keeps the hash it
 * had). A version file that cannot be read or parsed is a warning, and
 * the set has no version. -1 with err only when hashing fails.
 */
static int read_version(struct ruleset *rs, struct rulesdir *d,
			EVP_MD_CTX *md, struct cnz_err *err)
{
	char whybuf[PATH_MAX + 200], *path = NULL, *content = NULL;
	char lenbuf[32], msg[PATH_MAX + 400];
	const char *why;
	size_t len = 0;
	int n, rc = 0;

	if (asprintf(&path, "%s/%s", rs->dir, RULESVER_FILE) < 0) {
		cnz_err_set(err, rs->dir, 0, 0, "out of memory");
		return -1;
	}
	if (rulesdir_read(d, RULESVER_FILE, path, &content, &len, &why, whybuf,
			  sizeof whybuf) < 0) {
		if (why == whybuf) /* strictness: names the path itself */
			snprintf(msg, sizeof msg, "%s (the set has no version)",
				 why);
		else
			snprintf(msg, sizeof msg, "%s: %s (the set has no version)",
				 path, why);
		if (strcmp(why, strerror(ENOENT)) != 0)
			warn(rs, msg);
		goto out;
	}
	n = snprintf(lenbuf, sizeof lenbuf, "%zu", len);
	if (!EVP_DigestUpdate(md, RULESVER_FILE, sizeof RULESVER_FILE) ||
	    !EVP_DigestUpdate(md, lenbuf, (size_t)n + 1) ||
	    !EVP_DigestUpdate(md, content, len)) {
		cnz_err_set(err, rs->dir, 0, 0, "cannot hash the rule set");
		rc = -1;
		goto out;
	}
	if (rulesver_parse(content, len, rs->version, &why) < 0) {
		snprintf(msg, sizeof msg, "%s: the set has no version: %s", path,
			 why);
		warn(rs, msg);
	}
out:
	free(content);
	free(path);
	return rc;
}

struct ruleset *ruleset_load(const char *dir, const struct ruleset_opts *o,
			     struct cnz_err *err)
{
	struct ruleset *rs = calloc(1, sizeof *rs);
	struct rulesdir *d = NULL;
	char **names = NULL;
	size_t nnames = 0;
	bool strict = o == NULL || !o->insecure_permissions;
	char whybuf[PATH_MAX + 200];
	EVP_MD_CTX *md = NULL;

	cnz_err_clear(err);
	if (rs == NULL || (rs->dir = strdup(dir)) == NULL) {
		cnz_err_set(err, dir, 0, 0, "out of memory");
		goto fail;
	}
	atomic_init(&rs->refs, 1);
	rs->modules = module_set_new(o != NULL ? o->module_dir : NULL, strict,
				     o != NULL ? o->guard : NULL);
	if (rs->modules == NULL) {
		cnz_err_set(err, dir, 0, 0, "out of memory");
		goto fail;
	}
	d = rulesdir_open(dir, strict, err);
	if (d == NULL)
		goto fail;
	/* The names first, sorted, so that the files are then read,
	 * hashed and parsed one at a time in a stable order: no file's text
	 * outlives its parse (10,000 texts held at once would be megabytes
	 * of holes in the heap afterwards). */
	if (rulesdir_list(d, RULESET_MAX_FILES, &names, &nnames, warn, rs,
			  err) < 0)
		goto fail;
	if (nnames > 0 &&
	    (rs->files = calloc(nnames, sizeof *rs->files)) == NULL) {
		cnz_err_set(err, dir, 0, 0, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < nnames; i++) {
		struct rfile *f = &rs->files[rs->nfiles++];

		f->name = names[i];
		names[i] = NULL;
		if (asprintf(&f->path, "%s/%s", dir, f->name) < 0) {
			f->path = NULL;
			cnz_err_set(err, dir, 0, 0, "out of memory");
			goto fail;
		}
	}
	free(names);
	names = NULL;
	for (rs->tabsize = 16; rs->tabsize < rs->nfiles * 2;)
		rs->tabsize *= 2;
	rs->table = calloc(rs->tabsize, sizeof *rs->table);
	md = EVP_MD_CTX_new();
	if (rs->table == NULL || md == NULL ||
	    !EVP_DigestInit_ex(md, EVP_sha256(), NULL)) {
		cnz_err_set(err, dir, 0, 0, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < rs->nfiles; i++) {
		size_t mask = rs->tabsize - 1;
		size_t h = hash_name(rs->files[i].name) & mask;

		while (rs->table[h] != 0)
			h = (h + 1) & mask;
		rs->table[h] = i + 1;
	}
	for (size_t i = 0; i < rs->nfiles; i++) {
		struct rfile *f = &rs->files[i];
		struct cnz_err e;
		const char *why;
		char lenbuf[32], *content = NULL;
		size_t len = 0;
		int n;

		if (rulesdir_read(d, f->name, f->path, &content, &len, &why,
				  whybuf, sizeof whybuf) < 0) {
			/* a strictness refusal names the path itself */
			if (why == whybuf)
				cnz_err_set(&e, "", 0, 0, "%s", why);
			else
				cnz_err_set(&e, f->path, 0, 0, "%s", why);
			set_broken(f, &e);
		}
		rs->text_bytes += len;
		/* the set's hash: name, length and text of every file */
		n = snprintf(lenbuf, sizeof lenbuf, "%zu", len);
		if (!EVP_DigestUpdate(md, f->name, strlen(f->name) + 1) ||
		    !EVP_DigestUpdate(md, lenbuf, (size_t)n + 1) ||
		    !EVP_DigestUpdate(md, content ? content : "", len)) {
			free(content);
			cnz_err_set(err, dir, 0, 0, "cannot hash the rule set");
			goto fail;
		}
		if (f->error == NULL) {
			f->rf = rulefile_parse(f->path, content, len, &e);
			if (f->rf == NULL) {
				set_broken(f, &e);
			} else {
				init_modules(rs, f, rs->modules);
				/* the modules have read their arguments: only
				 * the lines' text, controls and positions are
				 * needed from here */
				rulefile_drop_args(f->rf);
			}
		}
		free(content);
	}
	if (read_version(rs, d, md, err) < 0)
		goto fail;
	{
		unsigned char dg[EVP_MAX_MD_SIZE];
		unsigned dglen = 0;

		if (!EVP_DigestFinal_ex(md, dg, &dglen)) {
			cnz_err_set(err, dir, 0, 0, "cannot hash the rule set");
			goto fail;
		}
		text_hex(dg, dglen < 32 ? dglen : 32, rs->hash);
	}
	EVP_MD_CTX_free(md);
	md = NULL;
	rulesdir_close(d);
	d = NULL;
	for (size_t i = 0; i < rs->nfiles; i++)
		compile(rs, &rs->files[i]);
	for (size_t i = 0; i < rs->nfiles; i++) {
		struct rfile *f = &rs->files[i];

		/* the path was needed for errors: 10,000 files keep none */
		free(f->path);
		f->path = NULL;
		if (f->error != NULL &&
		    add_str(&rs->errors, &rs->nerrors, f->error) < 0) {
			cnz_err_set(err, dir, 0, 0, "out of memory");
			goto fail;
		}
	}
	/* A load frees as much as it keeps (file texts, words, scratch):
	 * give those pages back, as a daemon that reloads would otherwise
	 * hold the peak for good - when they are worth it. A trim takes
	 * every malloc arena's lock and hands free pages back, which the
	 * request threads then fault in again: for a small set it costs
	 * them more than it saves. */
	if (ruleset_is_large(rs))
		malloc_trim(0);
	return rs;
fail:
	EVP_MD_CTX_free(md);
	rulesdir_close(d);
	for (size_t i = 0; names != NULL && i < nnames; i++)
		free(names[i]);
	free(names);
	ruleset_unref(rs);
	return NULL;
}

struct ruleset *ruleset_ref(struct ruleset *rs)
{
	atomic_fetch_add_explicit(&rs->refs, 1, memory_order_relaxed);
	return rs;
}

static void rfile_free(struct rfile *f)
{
	for (size_t i = 0; i < f->nentries; i++)
		if (f->entries[i].mod != NULL && f->entries[i].mod->free)
			f->entries[i].mod->free(f->entries[i].state);
	free(f->entries);
	free(f->stack.v);
	rulefile_free(f->rf);
	free(f->name);
	free(f->path);
	if (f->error != oom_msg)
		free(f->error);
}

void ruleset_unref(struct ruleset *rs)
{
	if (rs == NULL ||
	    atomic_fetch_sub_explicit(&rs->refs, 1, memory_order_acq_rel) != 1)
		return;
	for (size_t i = 0; i < rs->nfiles; i++)
		rfile_free(&rs->files[i]);
	for (size_t i = 0; i < rs->nerrors; i++)
		free(rs->errors[i]);
	for (size_t i = 0; i < rs->nwarnings; i++)
		free(rs->warnings[i]);
	for (size_t i = 0; i < rs->ndeps; i++)
		free(rs->deps[i]);
	free(rs->deps);
	free(rs->errors);
	free(rs->warnings);
	free(rs->files);
	free(rs->table);
	free(rs->dir);
	module_set_free(rs->modules);
	free(rs);
}

void ruleset_pick_name(const struct ruleset *rs, const char *name,
		       struct ruleset_pick *out)
{
	const struct rfile *f = find(rs, name);

	out->name = name;
	out->stack = NULL;
	out->error = NULL;
	if (f == NULL) {
		out->error = "no such rule file";
		return;
	}
	out->name = f->name;
	if (f->error != NULL)
		out->error = f->error;
	else
		out->stack = &f->stack;
}

void ruleset_pick(const struct ruleset *rs, const struct identity *id,
		  struct ruleset_pick *out)
{
	if (identity_is_local(id)) {
		ruleset_pick_name(rs, "@local", out);
		return;
	}
	ruleset_pick_name(rs, identity_cn(id), out);
	if (out->stack == NULL && out->error != NULL &&
	    find(rs, identity_cn(id)) == NULL)
		ruleset_pick_name(rs, "@other", out);
}

size_t ruleset_nerrors(const struct ruleset *rs)
{
	return rs->nerrors;
}

const char *ruleset_error(const struct ruleset *rs, size_t i)
{
	return rs->errors[i];
}

size_t ruleset_nwarnings(const struct ruleset *rs)
{
	return rs->nwarnings;
}

const char *ruleset_warning(const struct ruleset *rs, size_t i)
{
	return rs->warnings[i];
}

bool ruleset_is_large(const struct ruleset *rs)
{
	return rs != NULL && rs->text_bytes >= RULESET_LARGE_BYTES;
}

size_t ruleset_nfiles(const struct ruleset *rs)
{
	return rs->nfiles;
}

const char *ruleset_file_name(const struct ruleset *rs, size_t i)
{
	return rs->files[i].name;
}

const struct stack *ruleset_file_stack(const struct ruleset *rs, size_t i)
{
	return rs->files[i].error == NULL ? &rs->files[i].stack : NULL;
}

size_t ruleset_ndeps(const struct ruleset *rs)
{
	return rs->ndeps;
}

const char *ruleset_dep(const struct ruleset *rs, size_t i)
{
	return rs->deps[i];
}

const char *ruleset_version(const struct ruleset *rs)
{
	return rs->version;
}

const char *ruleset_hash(const struct ruleset *rs)
{
	return rs->hash;
}

const char *ruleset_dir(const struct ruleset *rs)
{
	return rs->dir;
}
