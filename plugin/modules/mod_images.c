/*
 * mod_images.c - the "images" module: an allow-list of image repositories
 * for what a client may run and pull.
 *
 *   images PATTERN ...    (see cnauthz-rules(5) for examples)
 *
 * The image named by a container create (Image), a pull or import
 * (POST /images/create: fromImage, or repo), and a tag (POST
 * /images/NAME/tag: the source NAME and the new repo) is normalised as
 * dockerd normalises a reference ("busybox" is docker.io/library/busybox)
 * and its repository, without tag or digest, is matched against the
 * patterns: '*' within one path component, '**' any number of components.
 * Outside the list the module answers deny; otherwise, and for every
 * other request, ignore: it is a filter and never grants.
 *
 * An image given by ID ("sha256:...", or a bare hex string dockerd could
 * take for an ID prefix) cannot be checked and is denied.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "body.h"
#include "imgref.h"
#include "module.h"
#include "pattern.h"
#include "route.h"
#include "text.h"
#include "view.h"

#define MAX_PATTERNS 64

struct images {
	size_t n;
	struct pattern *p[]; /* as many as the line names */
};

static void images_free(void *state)
{
	struct images *im = state;

	if (im == NULL)
		return;
	for (size_t i = 0; i < im->n; i++)
		pattern_free(im->p[i]);
	free(im);
}

static int images_init(const struct cnauthz_api *api, int argc,
		       const char *const *argv, void **state,
		       struct cnauthz_init_error *err)
{
	struct images *im = calloc(1, sizeof *im + (size_t)(argc > 0 ? argc : 0) *
					     sizeof im->p[0]);

	(void)api;
	if (im == NULL) {
		snprintf(err->msg, sizeof err->msg, "out of memory");
		return -1;
	}
	if (argc == 0) {
		snprintf(err->msg, sizeof err->msg,
			 "images needs at least one repository pattern");
		goto fail;
	}
	for (int i = 0; i < argc; i++) {
		char buf[PATTERN_MAX_LEN + 2];
		struct cnz_err pe;

		err->arg = i;
		if (argc > MAX_PATTERNS || argv[i][0] == '/' ||
		    strchr(argv[i], '@') != NULL) {
			snprintf(err->msg, sizeof err->msg,
				 "want a repository pattern such as docker.io/library/* (no digest or leading '/')");
			goto fail;
		}
		/* matched as a path: "/" + repository */
		snprintf(buf, sizeof buf, "/%s", argv[i]);
		im->p[im->n] = pattern_compile(buf, &pe);
		if (im->p[im->n] == NULL) {
			/* the offset in argv[i], without the '/' put before it */
			err->offset = pe.col > 1 ? pe.col - 2 : 0;
			text_join(err->msg, sizeof err->msg, pe.msg, NULL);
			goto fail;
		}
		im->n++;
	}
	*state = im;
	return 0;
fail:
	images_free(im);
	return -1;
}

/*
 * The repository of reference ref, normalised as
 * docker/distribution's ParseNormalizedNamed: "/" + domain + "/" + path.
 * Returns -1 with *why when it cannot be judged.
 */
static int normalise(const char *ref, char *out, size_t outsz,
		     const char **why)
{
	char name[512];
	const char *slash, *at, *lastslash, *colon;
	size_t n;

	if (ref[0] == '\0') {
		*why = "no image named";
		return -1;
	}
	if (strncmp(ref, "sha256:", 7) == 0 || imgref_all_hex(ref, strlen(ref))) {
		*why = "an image given by ID cannot be checked against the list";
		return -1;
	}
	at = strchr(ref, '@');
	n = at ? (size_t)(at - ref) : strlen(ref);
	if (n >= sizeof name) {
		*why = "image reference too long";
		return -1;
	}
	memcpy(name, ref, n);
	name[n] = '\0';
	lastslash = strrchr(name, '/');
	colon = strrchr(name, ':');
	if (colon != NULL && (lastslash == NULL || colon > lastslash))
		name[colon - name] = '\0'; /* the tag */
	slash = strchr(name, '/');
	if (slash == NULL) {
		snprintf(out, outsz, "/docker.io/library/%s", name);
	} else {
		size_t dl = (size_t)(slash - name);
		bool domain = memchr(name, '.', dl) || memchr(name, ':', dl) ||
			      (dl == 9 && strncmp(name, "localhost", 9) == 0);

		for (size_t i = 0; i < dl && !domain; i++)
			if (name[i] >= 'A' && name[i] <= 'Z')
				domain = true;
		if (!domain)
			snprintf(out, outsz, "/docker.io/%s", name);
		else if (dl == 15 && strncmp(name, "index.docker.io", 15) == 0)
			snprintf(out, outsz, "/docker.io/%s%s",
				 strchr(slash + 1, '/') ? "" : "library/",
				 slash + 1);
		else if (dl == 9 && strncmp(name, "docker.io", 9) == 0 &&
			 strchr(slash + 1, '/') == NULL)
			snprintf(out, outsz, "/docker.io/library/%s", slash + 1);
		else
			snprintf(out, outsz, "/%s", name);
	}
	return 0;
}

static enum cnauthz_result judge(const struct images *im, const char *ref,
				 const char *what, char *msg, size_t msgsz)
{
	char repo[600];
	const char *why = NULL;
	struct route *r;
	struct cnz_err rerr;
	bool ok = false;

	if (normalise(ref, repo, sizeof repo, &why) < 0) {
		snprintf(msg, msgsz, "%s \"%.100s\": %s", what, ref, why);
		return CNAUTHZ_DENY;
	}
	r = route_parse(repo, strlen(repo), &rerr);
	if (r == NULL) {
		snprintf(msg, msgsz, "%s \"%.100s\" is not a valid reference",
			 what, ref);
		return CNAUTHZ_DENY;
	}
	/* route_parse would take a "v1.2" registry for an API version */
	if (strcmp(route_path(r), repo) != 0) {
		route_free(r);
		snprintf(msg, msgsz, "%s \"%.100s\" is not a reference cnauthz can judge",
			 what, ref);
		return CNAUTHZ_DENY;
	}
	for (size_t i = 0; i < im->n && !ok; i++)
		ok = pattern_match(im->p[i], r);
	route_free(r);
	if (ok)
		return CNAUTHZ_IGNORE;
	snprintf(msg, msgsz, "%s %s is not in the image allow-list", what,
		 repo + 1);
	return CNAUTHZ_DENY;
}

static enum cnauthz_result images_eval(const void *state,
				       const struct cnauthz_api *api,
				       const struct cnauthz_request *req,
				       char *msg, size_t msgsz)
{
	const struct images *im = state;
	const char *m = api->method(req), *path = api->path(req);
	size_t plen = strlen(path);

	if (strcmp(m, "POST") != 0)
		return CNAUTHZ_IGNORE;
	if (strcmp(path, "/containers/create") == 0) {
		const struct jd_node *b = view_body_json(req), *img;

		if (b == NULL)
			return CNAUTHZ_ERROR;
		img = body_member(b, "Image");
		if (!jd_is(img, JD_STRING)) {
			snprintf(msg, msgsz, "container create without an Image string");
			return CNAUTHZ_DENY;
		}
		return judge(im, jd_str(img), "image", msg, msgsz);
	}
	if (strcmp(path, "/images/create") == 0) {
		const char *from = view_query_value(req, "fromImage");
		const char *src = view_query_value(req, "fromSrc");
		const char *repo = view_query_value(req, "repo");

		if (view_fatal(req) != NULL)
			return CNAUTHZ_ERROR;
		if (from != NULL && from[0] != '\0')
			return judge(im, from, "pull of", msg, msgsz);
		if (src != NULL)
			return judge(im, repo ? repo : "", "import as", msg,
				     msgsz);
		return CNAUTHZ_IGNORE;
	}
	if (plen > 12 && strncmp(path, "/images/", 8) == 0 &&
	    strcmp(path + plen - 4, "/tag") == 0) {
		char src[512];
		const char *repo = view_query_value(req, "repo");
		enum cnauthz_result r;

		if (view_fatal(req) != NULL)
			return CNAUTHZ_ERROR;
		snprintf(src, sizeof src, "%.*s", (int)(plen - 12), path + 8);
		r = judge(im, src, "tag source", msg, msgsz);
		if (r != CNAUTHZ_IGNORE || repo == NULL || repo[0] == '\0')
			return r;
		return judge(im, repo, "tag target", msg, msgsz);
	}
	return CNAUTHZ_IGNORE;
}

const struct cnauthz_module mod_images = {
	.abi_version = CNAUTHZ_MODULE_ABI,
	.name = "images",
	.init = images_init,
	.evaluate = images_eval,
	.free = images_free,
};
