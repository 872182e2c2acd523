/* module.c - see module.h */
#include "module.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsperm.h"
#include "guard.h"
#include "view.h"

/* A filter never answers success. */
static unsigned filter_results(const void *state)
{
	(void)state;
	return 1u << CNAUTHZ_DENY | 1u << CNAUTHZ_IGNORE | 1u << CNAUTHZ_ERROR;
}

/* The built-ins, and what an instance of each can answer. */
static const struct builtin {
	const struct cnauthz_module *mod;
	unsigned (*results)(const void *state);
} builtins[] = {
	{&mod_permit, mod_permit_results},
	{&mod_deny, mod_permit_results},
	{&mod_hostaccess, filter_results},
	{&mod_images, filter_results},
	{&mod_cert, filter_results},
	{&mod_revoked, filter_results},
	{&mod_owner, filter_results},
};
#define NBUILTINS (sizeof builtins / sizeof builtins[0])

const struct cnauthz_module *module_builtin(const char *name)
{
	for (size_t i = 0; i < NBUILTINS; i++)
		if (strcmp(builtins[i].mod->name, name) == 0)
			return builtins[i].mod;
	return NULL;
}

unsigned module_results(const struct cnauthz_module *m, const void *state)
{
	for (size_t i = 0; i < NBUILTINS; i++)
		if (builtins[i].mod == m)
			return builtins[i].results(state);
	return (1u << CNAUTHZ_NRESULTS) - 1;
}

#define MODULE_SET_MAX 64

struct loaded {
	char *path;
	void *handle;
	const struct cnauthz_module *mod;
};

struct module_set {
	char *dir;
	bool strict;
	struct guard *guard;
	size_t n;
	struct loaded v[MODULE_SET_MAX];
};

struct module_set *module_set_new(const char *module_dir, bool strict,
				  struct guard *guard)
{
	struct module_set *ms = calloc(1, sizeof *ms);

	if (ms == NULL)
		return NULL;
	ms->strict = strict;
	ms->guard = guard;
	if (module_dir != NULL && (ms->dir = strdup(module_dir)) == NULL) {
		free(ms);
		return NULL;
	}
	return ms;
}

void module_set_free(struct module_set *ms)
{
	if (ms == NULL)
		return;
	for (size_t i = 0; i < ms->n; i++) {
		dlclose(ms->v[i].handle);
		free(ms->v[i].path);
	}
	free(ms->dir);
	free(ms);
}

static bool name_ok(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		      *s == '_' || *s == '-'))
			return false;
	return true;
}

/* dlopen()s path through the descriptor that was checked. */
static const struct cnauthz_module *load(struct module_set *ms,
					 const char *path, const char *want,
					 char *why, size_t whysz)
{
	const struct cnauthz_module *m;
	char dir[PATH_MAX], byfd[64];
	struct stat st;
	void *h = NULL;
	char *slash;
	int fd;

	for (size_t i = 0; i < ms->n; i++)
		if (strcmp(ms->v[i].path, path) == 0)
			return ms->v[i].mod;
	if (ms->n == MODULE_SET_MAX) {
		snprintf(why, whysz, "more than %d loaded modules", MODULE_SET_MAX);
		return NULL;
	}
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, whysz, "cannot open module %s: %s", path,
			 errno == ELOOP ? "it is a symbolic link" : strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(why, whysz, "module %s is not a regular file", path);
		goto fail;
	}
	if (ms->strict) {
		snprintf(dir, sizeof dir, "%s", path);
		slash = strrchr(dir, '/');
		if (slash == dir)
			slash[1] = '\0';
		else if (slash != NULL)
			*slash = '\0';
		if (fsperm_check_dirs(dir, true, why, whysz) < 0 ||
		    fsperm_check_stat(&st, path, false, why, whysz) < 0)
			goto fail;
	}
	snprintf(byfd, sizeof byfd, "/proc/self/fd/%d", fd);
	h = dlopen(byfd, RTLD_NOW | RTLD_LOCAL);
	if (h == NULL) {
		snprintf(why, whysz, "cannot load module %s: %s", path, dlerror());
		goto fail;
	}
	m = dlsym(h, "cnauthz_module");
	if (m == NULL) {
		snprintf(why, whysz, "module %s exports no cnauthz_module", path);
		goto fail;
	}
	if (m->abi_version != CNAUTHZ_MODULE_ABI) {
		snprintf(why, whysz,
			 "module %s has ABI version %u; this cnauthz has %d",
			 path, m->abi_version, CNAUTHZ_MODULE_ABI);
		goto fail;
	}
	if (m->name == NULL || m->init == NULL || m->evaluate == NULL ||
	    (want != NULL && strcmp(m->name, want) != 0)) {
		snprintf(why, whysz,
			 "module %s is not the module \"%s\" (no name, init or evaluate, or another name)",
			 path, want ? want : "?");
		goto fail;
	}
	close(fd);
	ms->v[ms->n].path = strdup(path);
	if (ms->v[ms->n].path == NULL) {
		dlclose(h);
		snprintf(why, whysz, "out of memory");
		return NULL;
	}
	ms->v[ms->n].handle = h;
	ms->v[ms->n].mod = m;
	ms->n++;
	return m;
fail:
	if (h != NULL)
		dlclose(h);
	close(fd);
	return NULL;
}

const struct cnauthz_module *module_set_get(struct module_set *ms,
					    const char *name, char *why,
					    size_t whysz)
{
	const struct cnauthz_module *m = module_builtin(name);
	char path[PATH_MAX];
	const char *base;

	if (m != NULL)
		return m;
	if (name[0] == '/') {
		base = strrchr(name, '/') + 1;
		snprintf(path, sizeof path, "%.*s", (int)strcspn(base, "."), base);
		return load(ms, name, name_ok(path) ? path : NULL, why, whysz);
	}
	if (!name_ok(name)) {
		snprintf(why, whysz, "unknown module \"%.60s\"", name);
		return NULL;
	}
	if (ms->dir == NULL) {
		snprintf(why, whysz, "unknown module \"%s\"", name);
		return NULL;
	}
	if (snprintf(path, sizeof path, "%s/%s.so", ms->dir, name) >=
		    (int)sizeof path ||
	    access(path, F_OK) != 0) {
		snprintf(why, whysz,
			 "unknown module \"%s\" (not built in, and no %s)",
			 name, path);
		return NULL;
	}
	return load(ms, path, name, why, whysz);
}

/* A loaded module's instance, called under the deadline. */
struct guarded {
	const struct cnauthz_module *real;
	void *state;
	struct guard *guard;
	/* mod_guarded under the real module's name, for the messages
	 * that name it (an invalid result, say) */
	struct cnauthz_module desc;
};

struct gjob {
	const struct cnauthz_module *real;
	const void *state;
	const struct cnauthz_api *api;
	const struct cnauthz_request *req;
	int result;
	char msg[512];
};

static void gjob_run(void *arg)
{
	struct gjob *j = arg;

	j->msg[0] = '\0';
	j->result = (int)j->real->evaluate(j->state, j->api, j->req, j->msg,
					   sizeof j->msg);
	j->msg[sizeof j->msg - 1] = '\0';
	view_release(j->req); /* held for this call, however long it took */
}

static enum cnauthz_result guarded_eval(const void *state,
					const struct cnauthz_api *api,
					const struct cnauthz_request *req,
					char *msg, size_t msgsz)
{
	const struct guarded *w = state;
	struct gjob j;

	memset(&j, 0, sizeof j);
	j.real = w->real;
	j.state = w->state;
	j.api = api;
	j.req = req;
	view_hold(req);
	switch (guard_call_copy(w->guard, gjob_run, &j, sizeof j)) {
	case GUARD_DONE:
		snprintf(msg, msgsz, "%s", j.msg);
		return (enum cnauthz_result)j.result;
	case GUARD_NOT_RUN:
		view_release(req);
		view_set_fatal(req,
			       "module %s could not be run: every evaluation thread is busy or stuck",
			       w->real->name);
		break;
	case GUARD_OVERRAN:
		view_abandon(req);
		view_set_fatal(req,
			       "module %s did not answer within %u ms; request denied",
			       w->real->name, guard_deadline(w->guard));
		break;
	}
	snprintf(msg, msgsz, "%s", view_fatal(req) ? view_fatal(req) : "");
	return CNAUTHZ_ERROR;
}

static void guarded_free(void *state)
{
	struct guarded *w = state;

	if (w == NULL)
		return;
	if (w->real->free != NULL)
		w->real->free(w->state);
	free(w);
}

static const struct cnauthz_module mod_guarded = {
	.abi_version = CNAUTHZ_MODULE_ABI,
	.name = "(loaded module)",
	.evaluate = guarded_eval,
	.free = guarded_free,
};

int module_instantiate(struct module_set *ms, const struct cnauthz_module *m,
		       const struct cnauthz_api *api, int argc,
		       const char *const *argv,
		       const struct cnauthz_module **mod, void **state,
		       struct cnauthz_init_error *err)
{
	struct guarded *w;
	void *st = NULL;

	*mod = m;
	*state = NULL;
	if (m->init(api, argc, argv, &st, err) < 0)
		return -1;
	if (module_builtin(m->name) == m || ms->guard == NULL) {
		*state = st;
		return 0;
	}
	w = calloc(1, sizeof *w);
	if (w == NULL) {
		if (m->free != NULL)
			m->free(st);
		err->arg = -1;
		snprintf(err->msg, sizeof err->msg, "out of memory");
		return -1;
	}
	w->real = m;
	w->state = st;
	w->guard = ms->guard;
	w->desc = mod_guarded;
	w->desc.name = m->name;
	*mod = &w->desc;
	*state = w;
	return 0;
}
