/* learn.c - see learn.h */
#include "learn.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "body.h"
#include "decide.h"
#include "identity.h"
#include "imgref.h"
#include "objroute.h"
#include "owners.h"
#include "ownname.h"
#include "request.h"
#include "route.h"
#include "text.h"
#include "view.h"

struct caller {
	struct owners *o;
	char cn[OWN_CN_MAX];
	char ou[OWN_OU_MAX];
	int64_t now;
	bool created; /* claim_end: the create succeeded */
};

static void claim(void *arg, const char *name, const char *field)
{
	struct caller *c = arg;
	struct own_obj ob;

	(void)field;
	if (owners_find(c->o, OWN_VOLUME, name, &ob) == OWN_UNKNOWN)
		owners_claim(c->o, name, c->cn, c->ou, c->now,
			     LEARN_CLAIM_TTL_MS);
}

static void claim_end(void *arg, const char *name, const char *field)
{
	struct caller *c = arg;

	(void)field;
	owners_claim_end(c->o, name, c->cn, c->created);
}

/* The volumes a create's body mounts, each given to fn. */
static void volumes_of(const struct cnauthz_request *view,
		       void (*fn)(void *, const char *, const char *),
		       struct caller *c)
{
	const struct jd_node *body = view_body_json(view), *hc;
	const char *where;

	if (body == NULL)
		return;
	hc = objroute_hostconfig(body, &where);
	if (jd_is(hc, JD_OBJECT))
		objroute_volumes(hc, fn, c);
}

/* dockerd's answer, as JSON, or NULL. */
static json_t *answer(const struct request *req)
{
	size_t len, blen;
	const char *b64 = request_response_b64(req, &len);
	struct cnz_err why;
	unsigned char *body = NULL;
	json_t *j;

	if (b64 == NULL || b64_decode(b64, len, &body, &blen, &why) < 0)
		return NULL;
	j = json_loadb((const char *)body, blen, 0, NULL);
	free(body);
	return j;
}

static const char *member(json_t *j, const char *name)
{
	return json_string_value(json_object_get(j, name));
}

/* The tag a tag, commit made (what the owner module judged). */
static void learn_tag(struct caller *c, const char *repo, const char *tag,
		      const char *image)
{
	char t[IMGREF_MAX];
	struct cnz_err why;
	bool hex;
	struct own_put p = {.cn = c->cn, .ou = c->ou, .extra = image};

	if (repo == NULL || repo[0] == '\0' ||
	    imgref_tag(repo, tag, t, &why, &hex) < 0)
		return;
	owners_put(c->o, OWN_TAG, t, &p);
}

static void learn_response(struct caller *c, const struct cnauthz_request *view,
			   const struct objroute *or, const char *ref)
{
	const struct request *req = view_request(view);
	int status = request_status(req);
	bool ok = status >= 200 && status < 300;
	json_t *a = NULL;
	struct own_obj ob;
	const char *s;

	if (or->op == OR_CREATE_CONTAINER) {
		c->created = ok;
		volumes_of(view, claim_end, c);
	}
	if (!ok)
		return;
	switch (or->op) {
	case OR_CREATE_CONTAINER:
		if ((a = answer(req)) != NULL && (s = member(a, "Id")) != NULL) {
			const char *name = view_query_value(view, "name");
			struct own_put p = {.cn = c->cn, .ou = c->ou};

			if (name != NULL && name[0] == '/')
				name++;
			if (name != NULL && owners_name_valid(OWN_CONTAINER, name))
				p.name = name;
			owners_put(c->o, OWN_CONTAINER, s, &p);
		}
		break;
	case OR_EXEC_CREATE:
		if ((a = answer(req)) != NULL && (s = member(a, "Id")) != NULL &&
		    owners_find(c->o, OWN_CONTAINER, ref, &ob) == OWN_FOUND) {
			struct own_put p = {.extra = ob.key, .cn = c->cn,
					    .ou = c->ou};

			owners_put(c->o, OWN_EXEC, s, &p);
		}
		break;
	case OR_CREATE_VOLUME:
		if ((a = answer(req)) != NULL && (s = member(a, "Name")) != NULL) {
			/* dockerd answers a create of an existing volume with
			 * that volume: its owner stays */
			struct own_put p = {.extra = member(a, "CreatedAt"),
					    .cn = c->cn, .ou = c->ou,
					    .claim = true};

			owners_put(c->o, OWN_VOLUME, s, &p);
		}
		break;
	case OR_CREATE_NETWORK: {
		const struct jd_node *body = view_body_json(view);
		const char *name = jd_str(body_member(body, "Name"));

		if ((a = answer(req)) != NULL && (s = member(a, "Id")) != NULL) {
			struct own_put p = {.name = name, .cn = c->cn,
					    .ou = c->ou};

			if (name == NULL || !owners_name_valid(OWN_NETWORK, name))
				p.name = NULL;
			owners_put(c->o, OWN_NETWORK, s, &p);
		}
		break;
	}
	case OR_RENAME:
		s = view_query_value(view, "name");
		if (s != NULL && s[0] == '/')
			s++;
		if (s != NULL && owners_name_valid(OWN_CONTAINER, s) &&
		    owners_find(c->o, OWN_CONTAINER, ref, &ob) == OWN_FOUND)
			owners_put(c->o, OWN_CONTAINER, ob.key,
				   &(struct own_put){.name = s});
		break;
	case OR_DELETE:
		/* a volume's name is its key; a network's reference found
		 * one network (none other could take its name meanwhile: the
		 * owner module refuses a taken name). A container's name may
		 * already be another's: its destroy event says which. */
		if (or->kind == OWN_VOLUME)
			owners_remove(c->o, OWN_VOLUME, ref);
		else if (or->kind == OWN_NETWORK &&
			 owners_find(c->o, OWN_NETWORK, ref, &ob) == OWN_FOUND)
			owners_remove(c->o, OWN_NETWORK, ob.key);
		break;
	case OR_TAG:
		learn_tag(c, view_query_value(view, "repo"),
			  view_query_value(view, "tag"), NULL);
		break;
	case OR_COMMIT:
		a = answer(req);
		learn_tag(c, view_query_value(view, "repo"),
			  view_query_value(view, "tag"), member(a, "Id"));
		break;
	case OR_IMAGE_DELETE: {
		struct imgref r;
		struct cnz_err why;
		char t[IMGREF_MAX];

		if (imgref_parse(ref, &r, &why) == 0 && r.digest[0] == '\0') {
			text_join(t, sizeof t, r.repo, ":",
				  r.tag[0] ? r.tag : "latest", NULL);
			owners_remove(c->o, OWN_TAG, t);
		}
		break;
	}
	default:
		break;
	}
	json_decref(a);
}

void learn(struct owners *o, const struct cnauthz_request *view,
	   const struct decision *d, int64_t now_ms)
{
	const struct identity *id = view_identity(view);
	struct objroute or;
	struct caller c;
	char ref[OWN_KEY_MAX];

	/* an AuthZReq teaches only the volumes a create will make */
	if (!view_is_response(view) &&
	    !(d->allow && strcmp(route_path(view_route(view)),
				 "/containers/create") == 0))
		return;
	if (o == NULL || id == NULL ||
	    objroute_match(view_method_bit(view), route_path(view_route(view)),
			   &or) == OR_NONE ||
	    or.reflen >= sizeof ref)
		return;
	memcpy(ref, or.ref, or.reflen);
	ref[or.reflen] = '\0';
	memset(&c, 0, sizeof c);
	c.o = o;
	c.now = now_ms;
	text_join(c.cn, sizeof c.cn,
		  identity_is_local(id) ? "@local" : identity_cn(id), NULL);
	if (identity_cert_field(id, "OU", 0, c.ou, sizeof c.ou) == NULL)
		c.ou[0] = '\0';
	if (!owners_owner_valid(c.cn))
		return;
	if (view_is_response(view))
		learn_response(&c, view, &or, ref);
	else if (d->allow && or.op == OR_CREATE_CONTAINER)
		volumes_of(view, claim, &c);
}
