/* ruleset.c - see ruleset.h */
#include "ruleset.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsperm.h"
#include "identity.h"
#include "module.h"
#include "rulefile.h"
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
	char hash[65];
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

static int warn(struct ruleset *rs, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int warn(struct ruleset *rs, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return add_str(&rs->warnings, &rs->nwarnings, msg);
}

bool ruleset_name_ignored(const char *name)
{
	static const char *const suffixes[] = {
		"~", ".swp", ".swx", ".bak", ".orig", ".rej", ".tmp",
		".rpmnew", ".rpmsave", ".dpkg-old", ".dpkg-new", ".dpkg-dist",
		".dpkg-tmp", ".dpkg-bak", ".ucf-old", ".ucf-new", ".ucf-dist",
	};
	size_t n = strlen(name);

	if (name[0] == '.' || name[0] == '#')
		return true;
	for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
		size_t k = strlen(suffixes[i]);

		if (n > k && strcmp(name + n - k, suffixes[i]) == 0)
			return true;
	}
	/* a man page beside the rules: "cnauthz-rules.5" */
	return n > 2 && name[n - 2] == '.' && name[n - 1] >= '1' &&
	       name[n - 1] <= '9';
}

/* Reads a rule file without following a symlink, refusing what is not a
 * plain file of a sane size. On error returns -1 with *why. */
static int read_file(int dirfd, const char *name, const char *path,
		     bool strict, char **out, size_t *len, const char **why,
		     char *whybuf, size_t whybufsz)
{
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
					     O_NOCTTY | O_NONBLOCK);
	struct stat st;
	char *buf = NULL;
	size_t got = 0;

	*out = NULL;
	*len = 0;
	if (fd < 0) {
		*why = errno == ELOOP ? "is a symbolic link" : strerror(errno);
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		*why = strerror(errno);
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		*why = "is not a regular file";
		goto fail;
	}
	if (strict && fsperm_check_stat(&st, path, false, whybuf, whybufsz) < 0) {
		*why = whybuf;
		goto fail;
	}
	if (st.st_size > RULEFILE_MAX_SIZE) {
		*why = "is larger than the 1 MiB limit";
		goto fail;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		*why = "out of memory";
		goto fail;
	}
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			*why = r < 0 ? strerror(errno) : "changed while read";
			goto fail;
		}
		got += (size_t)r;
	}
	buf[got] = '\0';
	close(fd);
	*out = buf;
	*len = got;
	return 0;
fail:
	free(buf);
	close(fd);
	return -1;
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

/* Instantiates the module of every line. */
static void init_modules(struct rfile *f, struct module_set *ms)
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

static int cmp_name(const void *a, const void *b)
{
	return strcmp(((const struct rfile *)a)->name,
		      ((const struct rfile *)b)->name);
}

struct ruleset *ruleset_load(const char *dir, const struct ruleset_opts *o,
			     struct cnz_err *err)
{
	struct ruleset *rs = calloc(1, sizeof *rs);
	DIR *d = NULL;
	struct dirent *de;
	size_t cap = 0;
	int dfd;
	bool strict = o == NULL || !o->insecure_permissions;
	char whybuf[PATH_MAX + 200];
	struct stat dst;
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
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || (d = fdopendir(dfd)) == NULL) {
		cnz_err_set(err, dir, 0, 0, "cannot open rules directory: %s",
			    strerror(errno));
		if (dfd >= 0)
			close(dfd);
		goto fail;
	}
	/* Whoever can write the directory or a directory above it can
	 * write the rules: the chain from "/", then the descriptor read. */
	if (strict && (fsperm_check_dirs(dir, false, whybuf, sizeof whybuf) < 0 ||
		       fstat(dfd, &dst) < 0 ||
		       fsperm_check_stat(&dst, dir, false, whybuf,
					 sizeof whybuf) < 0)) {
		cnz_err_set(err, "", 0, 0, "rules directory refused: %s", whybuf);
		goto fail;
	}
	/* The names first, sorted, so that the files are then read,
	 * hashed and parsed one at a time in a stable order: no file's text
	 * outlives its parse (10,000 texts held at once would be megabytes
	 * of holes in the heap afterwards). */
	while ((errno = 0, de = readdir(d)) != NULL) {
		struct rfile *f;
		char *path;

		if (ruleset_name_ignored(de->d_name))
			continue;
		if (asprintf(&path, "%s/%s", dir, de->d_name) < 0) {
			cnz_err_set(err, dir, 0, 0, "out of memory");
			goto fail;
		}
		if (!rulefile_name_valid(de->d_name, strlen(de->d_name))) {
			warn(rs, "%s: skipped: \"%s\" is not a valid rule-file name",
			     path, de->d_name);
			free(path);
			continue;
		}
		if (rs->nfiles >= RULESET_MAX_FILES) {
			cnz_err_set(err, dir, 0, 0, "more than %d rule files",
				    RULESET_MAX_FILES);
			free(path);
			goto fail;
		}
		if (rs->nfiles == cap) {
			size_t nc = cap ? cap * 2 : 32;
			struct rfile *nf = realloc(rs->files, nc * sizeof *nf);

			if (nf == NULL) {
				free(path);
				cnz_err_set(err, dir, 0, 0, "out of memory");
				goto fail;
			}
			rs->files = nf;
			cap = nc;
		}
		f = &rs->files[rs->nfiles++];
		memset(f, 0, sizeof *f);
		f->path = path;
		f->name = strdup(de->d_name);
		if (f->name == NULL) {
			cnz_err_set(err, dir, 0, 0, "out of memory");
			goto fail;
		}
	}
	if (errno != 0) {
		cnz_err_set(err, dir, 0, 0, "cannot read rules directory: %s",
			    strerror(errno));
		goto fail;
	}
	if (rs->nfiles > 0) {
		struct rfile *fit = realloc(rs->files, rs->nfiles * sizeof *fit);

		if (fit != NULL)
			rs->files = fit;
		qsort(rs->files, rs->nfiles, sizeof *rs->files, cmp_name);
	}
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

		if (read_file(dfd, f->name, f->path, strict, &content, &len,
			      &why, whybuf, sizeof whybuf) < 0) {
			/* a strictness refusal names the path itself */
			if (why == whybuf)
				cnz_err_set(&e, "", 0, 0, "%s", why);
			else
				cnz_err_set(&e, f->path, 0, 0, "%s", why);
			set_broken(f, &e);
		}
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
				init_modules(f, rs->modules);
				/* the modules have read their arguments: only
				 * the lines' text, controls and positions are
				 * needed from here */
				rulefile_drop_args(f->rf);
			}
		}
		free(content);
	}
	{
		unsigned char dg[EVP_MAX_MD_SIZE];
		unsigned dglen = 0;

		if (!EVP_DigestFinal_ex(md, dg, &dglen)) {
			cnz_err_set(err, dir, 0, 0, "cannot hash the rule set");
			goto fail;
		}
		for (unsigned i = 0; i < dglen && i < 32; i++)
			snprintf(rs->hash + 2 * i, 3, "%02x", dg[i]);
	}
	EVP_MD_CTX_free(md);
	md = NULL;
	closedir(d);
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
	 * hold the peak for good. */
	malloc_trim(0);
	return rs;
fail:
	EVP_MD_CTX_free(md);
	if (d != NULL)
		closedir(d);
	ruleset_unref(rs);
	return NULL;
}

struct ruleset *ruleset_ref(const struct ruleset *crs)
{
	struct ruleset *rs = (struct ruleset *)(uintptr_t)crs;

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

const char *ruleset_hash(const struct ruleset *rs)
{
	return rs->hash;
}

const char *ruleset_dir(const struct ruleset *rs)
{
	return rs->dir;
}
