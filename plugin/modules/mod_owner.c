/*
 * mod_owner.c - the "owner" module: a CN acts only on the containers,
 * execs, volumes, networks and image tags it owns (owners.h).
 *
 *   owner [KIND ...] [share=CN ...] [share-ou=OU ...] [share-my-ou]
 *         [allow-unowned] [ignore-reads]
 *
 * KIND: containers, execs, volumes, networks, images (all when none is
 * named). For each object a call names - in its path (objroute.h), in its
 * query (/commit?container=), in its body (NetworkMode, PidMode, IpcMode
 * "container:NAME", VolumesFrom, Links, Binds and Mounts volumes,
 * NetworkMode and EndpointsConfig networks, a network connect's
 * Container) and the image tags it makes or removes - it resolves the
 * reference as dockerd does and answers deny, naming the object and its
 * owner, unless the caller owns it, it is shared with the caller, or it
 * is unowned and allow-unowned is given. Names that could be taken for
 * another object's ID prefix (all hex) are refused for new containers,
 * networks and tags; a prune (which removes others' objects) and an image
 * load or a build's tags (which cnauthz cannot see whole) are denied.
 * Otherwise it answers ignore: a filter that never grants. At dockerd's
 * AuthZRes (the call has run) it ignores everything: it judged the call
 * before dockerd ran it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "body.h"
#include "imgref.h"
#include "module.h"
#include "objroute.h"
#include "owners.h"
#include "ownname.h"
#include "request.h"
#include "route.h"
#include "text.h"
#include "view.h"

#define OWNER_MAX_SHARE 64
#define OWNER_MAX_FACTS 16

static const char *const kind_words[OWN_NKINDS] = {
	"containers", "execs", "volumes", "networks", "images",
};

struct owner_mod {
	unsigned kinds; /* 1 << enum own_kind */
	bool allow_unowned, ignore_reads, share_my_ou;
	size_t nshare, nshare_ou;
	char *share[OWNER_MAX_SHARE];
	char *share_ou[OWNER_MAX_SHARE];
};

static void owner_free(void *state)
{
	struct owner_mod *m = state;

	if (m == NULL)
		return;
	for (size_t i = 0; i < m->nshare; i++)
		free(m->share[i]);
	for (size_t i = 0; i < m->nshare_ou; i++)
		free(m->share_ou[i]);
	free(m);
}

static int owner_init(const struct cnauthz_api *api, int argc,
		      const char *const *argv, void **state,
		      struct cnauthz_init_error *err)
{
	struct owner_mod *m = calloc(1, sizeof *m);

	(void)api;
	if (m == NULL) {
		snprintf(err->msg, sizeof err->msg, "out of memory");
		return -1;
	}
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		int k;

		err->arg = i;
		for (k = 0; k < OWN_NKINDS; k++)
			if (strcmp(a, kind_words[k]) == 0)
				break;
		if (k < OWN_NKINDS) {
			m->kinds |= 1u << k;
		} else if (strcmp(a, "allow-unowned") == 0) {
			m->allow_unowned = true;
		} else if (strcmp(a, "ignore-reads") == 0) {
			m->ignore_reads = true;
		} else if (strcmp(a, "share-my-ou") == 0) {
			m->share_my_ou = true;
		} else if (strncmp(a, "share=", 6) == 0) {
			if (!owners_owner_valid(a + 6)) {
				err->offset = 6;
				snprintf(err->msg, sizeof err->msg,
					 "share= takes a CN (or @local)");
				goto fail;
			}
			if (m->nshare == OWNER_MAX_SHARE ||
			    (m->share[m->nshare] = strdup(a + 6)) == NULL) {
				snprintf(err->msg, sizeof err->msg,
					 "more than %d share= values, or out of memory",
					 OWNER_MAX_SHARE);
				goto fail;
			}
			m->nshare++;
		} else if (strncmp(a, "share-ou=", 9) == 0) {
			if (a[9] == '\0' || strlen(a + 9) >= OWN_OU_MAX) {
				err->offset = 9;
				snprintf(err->msg, sizeof err->msg,
					 "share-ou= takes an OU of 1 to %d bytes",
					 OWN_OU_MAX - 1);
				goto fail;
			}
			if (m->nshare_ou == OWNER_MAX_SHARE ||
			    (m->share_ou[m->nshare_ou] = strdup(a + 9)) == NULL) {
				snprintf(err->msg, sizeof err->msg,
					 "more than %d share-ou= values, or out of memory",
					 OWNER_MAX_SHARE);
				goto fail;
			}
			m->nshare_ou++;
		} else {
			snprintf(err->msg, sizeof err->msg,
				 "unknown kind or option \"%.40s\"", a);
			goto fail;
		}
	}
	if (m->kinds == 0)
		m->kinds = (1u << OWN_NKINDS) - 1;
	*state = m;
	return 0;
fail:
	owner_free(m);
	return -1;
}

/* --- one evaluation ------------------------------------------------------- */

#define MAX_OUS 8

struct judge {
	const struct owner_mod *m;
	const struct cnauthz_api *api;
	const struct cnauthz_request *req;
	struct owners *store;
	char who[OWN_CN_MAX];
	char ous[MAX_OUS][OWN_OU_MAX];
	size_t nous;
	struct buf facts; /* the objects seen, for the audit: a JSON array */
	size_t nfacts;
	char *msg;
	size_t msgsz;
	bool denied;
	bool error;       /* ownership cannot be judged: msg says why */
	signed char usable; /* the store: 0 not yet asked, 1 yes, -1 no */
	bool said;        /* msg already says whose the first object is */
	const char *where; /* "HostConfig." or "top-level " */
};

/* How a reference is used: what else than owning it admits it. */
enum use {
	U_ACT,     /* owned, shared, or unowned with allow-unowned */
	U_READ,    /* the same, and dockerd's own networks */
	U_JOIN,    /* a network joined: the same as U_READ */
	U_MOUNT,   /* a volume mounted: one that does not exist is made */
	U_TAG,     /* an image tag made or moved: one that does not exist */
	U_PULL,    /* a tag a pull moves: unowned ones too */
};

enum rel { R_OWN, R_SHARED, R_UNOWNED, R_OTHER };

static bool in(char *const *list, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], s) == 0)
			return true;
	return false;
}

static enum rel relation(const struct judge *j, const struct own_obj *ob)
{
	if (ob->cn[0] == '\0')
		return R_UNOWNED;
	if (strcmp(ob->cn, j->who) == 0)
		return R_OWN;
	if (in(j->m->share, j->m->nshare, ob->cn))
		return R_SHARED;
	if (ob->ou[0] != '\0') {
		if (in(j->m->share_ou, j->m->nshare_ou, ob->ou))
			return R_SHARED;
		for (size_t i = 0; j->m->share_my_ou && i < j->nous; i++)
			if (strcmp(j->ous[i], ob->ou) == 0)
				return R_SHARED;
	}
	return R_OTHER;
}

/* "container web (3f2a1b2c3d4e)", "volume data", "image tag x:1". */
static const char *display(const struct own_obj *ob, char *buf, size_t bufsz)
{
	char q[OWN_NAME_MAX + 8], id[13];

	switch (ob->kind) {
	case OWN_CONTAINER:
	case OWN_NETWORK:
		text_join(id, sizeof id, ob->key, NULL);
		if (ob->name[0] != '\0')
			text_join(buf, bufsz, owners_kind_name(ob->kind), " ",
				  text_printable(q, sizeof q, ob->name,
						 strlen(ob->name)),
				  " (", id, ")", NULL);
		else
			text_join(buf, bufsz, owners_kind_name(ob->kind), " ",
				  id, NULL);
		break;
	case OWN_EXEC:
		text_join(id, sizeof id, ob->key, NULL);
		text_join(buf, bufsz, "exec ", id, NULL);
		break;
	case OWN_VOLUME:
		text_join(buf, bufsz, "volume ",
			  text_printable(q, sizeof q, ob->key, strlen(ob->key)),
			  NULL);
		break;
	default:
		text_join(buf, bufsz, "image tag ",
			  text_printable(q, sizeof q, ob->key, strlen(ob->key)),
			  NULL);
		break;
	}
	return buf;
}

/* Adds ,"name":value (a string; NULL: null) to a fact object. */
static void fact_member(struct buf *b, const char *name, const char *value)
{
	buf_add(b, ",\"", 2);
	buf_adds(b, name);
	buf_add(b, "\":", 2);
	if (value != NULL)
		view_fact_add_str(b, value);
	else
		buf_adds(b, "null");
}

static void fact(struct judge *j, enum own_kind k, const char *ref,
		 const struct own_obj *ob, const char *verdict)
{
	struct buf *b = &j->facts;

	if (!view_wants_facts(j->req) || j->nfacts >= OWNER_MAX_FACTS)
		return;
	buf_add(b, j->nfacts++ > 0 ? "," : "[", 1);
	buf_adds(b, "{\"kind\":");
	view_fact_add_str(b, owners_kind_name(k));
	fact_member(b, "ref", ref);
	if (ob != NULL) {
		fact_member(b, "id", ob->key);
		if (ob->name[0] != '\0')
			fact_member(b, "name", ob->name);
		fact_member(b, "owner", ob->cn[0] ? ob->cn : NULL);
		if (ob->ou[0] != '\0')
			fact_member(b, "ou", ob->ou);
		if (ob->how != NULL && ob->how[0] != '\0')
			fact_member(b, "by", ob->how);
	}
	fact_member(b, "verdict", verdict);
	buf_add(b, "}", 1);
}

/* A denial: the first one is the message. Returns false. */
static bool deny(struct judge *j, const char *what, const char *why)
{
	if (!j->denied)
		text_join(j->msg, j->msgsz, what, why, NULL);
	j->denied = true;
	return false;
}

/*
 * Whether the store can answer, asked only when a call names an object:
 * a create that names none, a prune or a hex name is judged without it.
 * When it cannot, the call is an error whatever else was found.
 */
static bool usable(struct judge *j)
{
	char health[300];

	if (j->usable == 0) {
		j->usable = 1;
		if (j->store == NULL) {
			text_join(j->msg, j->msgsz,
				  "ownership is not known here (the daemon "
				  "keeps it in its --state-dir; cnauthz test "
				  "reads one with --state-dir)",
				  NULL);
			j->usable = -1;
		} else if (owners_health(j->store, health, sizeof health) !=
			   NULL) {
			text_join(j->msg, j->msgsz,
				  "ownership cannot be judged: ", health, NULL);
			j->usable = -1;
		}
		if (j->usable < 0)
			j->error = j->denied = true;
	}
	return j->usable > 0;
}

/* What the owner module says of an object it admits, for --explain: the
 * first one only. */
static void say(struct judge *j, const char *a, const char *b, const char *c)
{
	if (!j->said && !j->denied)
		text_join(j->msg, j->msgsz, a, b, c, NULL);
	j->said = true;
}

static bool is_predefined_network(const struct own_obj *ob)
{
	return ob->kind == OWN_NETWORK &&
	       (strcmp(ob->name, "bridge") == 0 || strcmp(ob->name, "host") == 0 ||
		strcmp(ob->name, "none") == 0);
}

/* Why an unresolved reference is refused, into why. */
static void unresolved(enum own_kind k, enum own_match mm,
		       const struct own_obj *ob, const char *ref, char *why,
		       size_t whysz)
{
	char q[140], num[TEXT_UINT_MAX];
	size_t len;

	text_printable(q, sizeof q, ref, strlen(ref));
	if (mm == OWN_UNKNOWN) {
		text_join(why, whysz, "no ", owners_kind_name(k), " \"", q,
			  "\" is known to cnauthz", NULL);
		return;
	}
	text_join(why, whysz, owners_kind_name(k), " reference \"", q, "\" ",
		  NULL);
	len = strlen(why);
	if (mm == OWN_BADREF) {
		text_append(why, whysz, &len, "is refused: ");
		text_append(why, whysz, &len, ob->how);
		return;
	}
	text_append(why, whysz, &len, "is ambiguous: ");
	text_append(why, whysz, &len, text_uint(ob->nmatch, num));
	text_append(why, whysz, &len,
		    strcmp(ob->how, "name") == 0
			    ? " networks have that name"
			    : " or more IDs start with it");
}

/*
 * Judges one reference of kind k; what names where it came from (""
 * for the path, "HostConfig.VolumesFrom: " for a body field). True when
 * admitted.
 */
static bool check_ref(struct judge *j, enum own_kind k, const char *ref,
		      const char *what, enum use use)
{
	struct own_obj obj, *ob = &obj;
	char disp[OWN_NAME_MAX + 64], why[600];
	enum own_match mm;
	enum rel r;
	bool ok = true;

	if (!(j->m->kinds & (1u << k)))
		return true;
	if (!usable(j))
		return false;
	mm = owners_find(j->store, k, ref, ob);
	if (mm == OWN_UNKNOWN && (use == U_MOUNT || use == U_TAG || use == U_PULL)) {
		fact(j, k, ref, NULL, "new"); /* the call makes it */
		goto out;
	}
	if (mm != OWN_FOUND) {
		fact(j, k, ref, NULL, mm == OWN_UNKNOWN ? "unknown"
				      : mm == OWN_AMBIGUOUS ? "ambiguous"
							    : "refused");
		unresolved(k, mm, ob, ref, why, sizeof why);
		ok = deny(j, what, why);
		goto out;
	}
	r = relation(j, ob);
	display(ob, disp, sizeof disp);
	if (ob->pending && r != R_OWN && r != R_SHARED) {
		fact(j, k, ref, ob, "other");
		text_join(why, sizeof why, disp, " is being made by ", ob->cn,
			  NULL);
		ok = deny(j, what, why);
	} else if (r == R_OWN || r == R_SHARED) {
		fact(j, k, ref, ob, r == R_OWN ? "own" : "shared");
		say(j, disp, r == R_OWN ? " is owned by " : " is shared by ",
		    ob->cn);
	} else if ((use == U_READ || use == U_JOIN) &&
		   is_predefined_network(ob)) {
		fact(j, k, ref, ob, "predefined");
		say(j, disp, " is one of dockerd's own networks", "");
	} else if (r == R_UNOWNED && (j->m->allow_unowned || use == U_PULL)) {
		fact(j, k, ref, ob, "unowned");
		say(j, disp, " is unowned (allowed here)", "");
	} else if (r == R_UNOWNED) {
		fact(j, k, ref, ob, "unowned");
		text_join(why, sizeof why, disp,
			  " is unowned: only a CN whose rules allow unowned objects may act on it",
			  NULL);
		ok = deny(j, what, why);
	} else if (use == U_PULL) {
		fact(j, k, ref, ob, "other");
		text_join(why, sizeof why, "a pull would move ", disp,
			  ", which belongs to ", ob->cn, NULL);
		ok = deny(j, what, why);
	} else {
		fact(j, k, ref, ob, "other");
		text_join(why, sizeof why, disp, " belongs to ", ob->cn, NULL);
		ok = deny(j, what, why);
	}
out:
	return ok;
}

/* A new container or network name dockerd could take for an ID prefix,
 * which would shadow another's object for everyone who uses its short
 * ID. True when refused. */
static bool hex_name(struct judge *j, const char *kind, const char *name)
{
	char q[140], why[400];

	if (!imgref_all_hex(name, strlen(name)))
		return false;
	text_printable(q, sizeof q, name, strlen(name));
	text_join(why, sizeof why, kind, " name \"", q,
		  "\" is all hex digits: dockerd would take it before the ID "
		  "prefix it spells, so it could stand in for another's ",
		  kind, NULL);
	deny(j, "", why);
	return true;
}

/* The tag a call makes or moves (repo, tag as dockerd's TagImage reads
 * them). */
static void tag_target(struct judge *j, const char *repo, const char *tag,
		       const char *what, enum use use)
{
	char t[IMGREF_MAX], q[140], why[600];
	struct cnz_err bad;
	bool hex = false;

	if (!(j->m->kinds & (1u << OWN_TAG)))
		return;
	if (imgref_tag(repo, tag, t, &bad, &hex) < 0) {
		text_join(why, sizeof why, "\"",
			  text_printable(q, sizeof q, repo, strlen(repo)),
			  "\" is not a tag cnauthz can judge: ", bad.msg, NULL);
		deny(j, what, why);
		return;
	}
	if (hex) {
		text_join(why, sizeof why, "image tag ", t,
			  ": a repository name of hex digits (or sha256) could be "
			  "taken for an image ID, standing in for another's image",
			  NULL);
		deny(j, what, why);
		return;
	}
	check_ref(j, OWN_TAG, t, what, use);
}

struct each_tag {
	struct judge *j;
	const char *what;
};

static int pull_all_tag(void *arg, const struct own_obj *t)
{
	struct each_tag *e = arg;
	enum rel r = relation(e->j, t);
	char disp[OWN_KEY_MAX + 16], why[OWN_KEY_MAX + 100];

	if (r != R_OTHER)
		return 0;
	fact(e->j, OWN_TAG, t->key, t, "other");
	display(t, disp, sizeof disp);
	text_join(why, sizeof why, "a pull of every tag would move ", disp,
		  ", which belongs to ", t->cn, NULL);
	deny(e->j, e->what, why);
	return 1;
}

/* POST /images/create: a pull (fromImage, tag) or an import (fromSrc,
 * repo, tag). */
static void image_create(struct judge *j)
{
	const char *from = view_query_value(j->req, "fromImage");
	const char *tag = view_query_value(j->req, "tag");
	const char *src = view_query_value(j->req, "fromSrc");
	const char *repo = view_query_value(j->req, "repo");
	struct imgref r;
	struct cnz_err bad;
	char q[140], why[400];

	if (view_fatal(j->req) != NULL || !(j->m->kinds & (1u << OWN_TAG)))
		return;
	if (from == NULL || from[0] == '\0') {
		if (src != NULL && repo != NULL && repo[0] != '\0')
			tag_target(j, repo, tag, "import: ", U_TAG);
		return;
	}
	if (imgref_parse(from, &r, &bad) < 0) {
		text_join(why, sizeof why, "\"",
			  text_printable(q, sizeof q, from, strlen(from)),
			  "\" is not a reference cnauthz can judge: ", bad.msg, NULL);
		deny(j, "pull: ", why);
		return;
	}
	if (tag != NULL && tag[0] != '\0') {
		if (strchr(tag, ':') != NULL)
			return; /* a digest: no tag is made */
		tag_target(j, r.repo, tag, "pull: ", U_PULL);
	} else if (r.tag[0] != '\0') {
		tag_target(j, r.repo, r.tag, "pull: ", U_PULL);
	} else if (r.digest[0] == '\0') {
		/* no tag at all: dockerd pulls every tag of the repository */
		struct each_tag e = {j, "pull: "};

		if (r.hex_name)
			tag_target(j, r.repo, "latest", "pull: ", U_PULL);
		else if (usable(j))
			owners_each_tag(j->store, r.repo, pull_all_tag, &e);
	}
}

/* DELETE /images/{name}: only a tag, and one the caller may touch. */
static void image_delete(struct judge *j, const char *name)
{
	struct imgref r;
	struct cnz_err bad;
	char t[IMGREF_MAX], q[140], why[600];

	if (!(j->m->kinds & (1u << OWN_TAG)))
		return;
	text_printable(q, sizeof q, name, strlen(name));
	if (imgref_parse(name, &r, &bad) < 0 || r.digest[0] != '\0') {
		text_join(why, sizeof why, "image \"", q,
			  "\": only an image tag can be judged (",
			  r.digest[0] ? "a digest reference" : bad.msg,
			  "); remove an image by its tag", NULL);
		deny(j, "", why);
		return;
	}
	text_join(t, sizeof t, r.repo, ":", r.tag[0] ? r.tag : "latest", NULL);
	check_ref(j, OWN_TAG, t, "", U_ACT);
}

static const char *str(const struct jd_node *o, const char *k)
{
	return jd_str(body_member(o, k));
}

/* dockerd's opts.ParseLink: "name:alias", "name", "/name:/parent/alias". */
static void link_name(const char *l, char *out, size_t outsz)
{
	const char *colon = strchr(l, ':');
	size_t n = colon ? (size_t)(colon - l) : strlen(l);

	if (n > 0 && l[0] == '/') {
		l++;
		n--;
	}
	snprintf(out, outsz, "%.*s", (int)n, l);
}

static bool predefined_mode(const char *nm)
{
	return nm[0] == '\0' || strcmp(nm, "default") == 0 ||
	       strcmp(nm, "bridge") == 0 || strcmp(nm, "host") == 0 ||
	       strcmp(nm, "none") == 0;
}

/* The references in a container's HostConfig (create, or a legacy start
 * body), and the networks of a create's NetworkingConfig. */
static void mount_ref(void *arg, const char *name, const char *field)
{
	struct judge *j = arg;
	char what[80];

	text_join(what, sizeof what, j->where, field, ": ", NULL);
	check_ref(j, OWN_VOLUME, name, what, U_MOUNT);
}

static void container_refs(struct judge *j, const struct jd_node *body,
			   bool create)
{
	static const char *const modes[] = {"NetworkMode", "PidMode", "IpcMode",
					    "Cgroup"};
	const struct jd_node *hc, *v;
	const char *w, *s;
	char what[80], ref[OWN_KEY_MAX];

	hc = objroute_hostconfig(body, &w);
	if (!jd_is(hc, JD_OBJECT))
		return; /* dockerd refuses it; hostaccess says why */
	for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
		s = str(hc, modes[i]);
		if (s == NULL)
			continue;
		text_join(what, sizeof what, w, modes[i], ": ", NULL);
		/* IsContainer(): exactly "container:" */
		if (strncmp(s, "container:", 10) == 0)
			check_ref(j, OWN_CONTAINER, s + 10, what, U_ACT);
		else if (i == 0 && !predefined_mode(s))
			check_ref(j, OWN_NETWORK, s, what, U_JOIN);
	}
	v = body_member(hc, "VolumesFrom");
	text_join(what, sizeof what, w, "VolumesFrom: ", NULL);
	jd_foreach(jd_is(v, JD_ARRAY) ? v : NULL, e) {
		const char *c = jd_str(e), *colon;

		if (c == NULL)
			continue;
		colon = strchr(c, ':');
		snprintf(ref, sizeof ref, "%.*s",
			 colon ? (int)(colon - c) : (int)strlen(c), c);
		check_ref(j, OWN_CONTAINER, ref, what, U_ACT);
	}
	v = body_member(hc, "Links");
	text_join(what, sizeof what, w, "Links: ", NULL);
	jd_foreach(jd_is(v, JD_ARRAY) ? v : NULL, e) {
		if (jd_str(e) == NULL)
			continue;
		link_name(jd_str(e), ref, sizeof ref);
		check_ref(j, OWN_CONTAINER, ref, what, U_ACT);
	}
	j->where = w;
	objroute_volumes(hc, mount_ref, j);
	if (!create)
		return;
	v = body_member(body_member(body, "NetworkingConfig"), "EndpointsConfig");
	jd_foreach(jd_is(v, JD_OBJECT) ? v : NULL, e) {
		snprintf(ref, sizeof ref, "%.*s", (int)e->klen, e->key);
		if (!predefined_mode(ref))
			check_ref(j, OWN_NETWORK, ref,
				  "NetworkingConfig.EndpointsConfig: ", U_JOIN);
	}
}

/* dockerd reads a start body below API 1.24 (see mod_hostaccess.c). */
static bool legacy_start_body(const struct cnauthz_request *req)
{
	const char *cl = request_header(view_request(req), "Content-Length");
	size_t blen;

	if (!route_version_before(view_route(req), 1, 24))
		return false;
	if (request_body(view_request(req), &blen) != NULL)
		return true;
	if (cl == NULL)
		return true;
	return !(strlen(cl) == 1 && cl[0] >= '0' && cl[0] <= '7');
}

static void judge_call(struct judge *j, const struct objroute *o,
		       const char *ref)
{
	const struct cnauthz_request *req = j->req;
	const struct jd_node *body;
	const char *s, *t;
	size_t pos = 0;

	switch (o->op) {
	case OR_READ:
		check_ref(j, o->kind, ref, "", U_READ);
		break;
	case OR_ACT:
	case OR_DELETE:
	case OR_EXEC_CREATE:
		check_ref(j, o->kind, ref, "", U_ACT);
		break;
	case OR_START:
		if (!check_ref(j, o->kind, ref, "", U_ACT) ||
		    !legacy_start_body(req))
			break;
		if ((body = view_body_json(req)) != NULL)
			container_refs(j, body, false);
		break;
	case OR_RENAME:
		s = view_query_value(req, "name");
		if (check_ref(j, o->kind, ref, "", U_ACT) && s != NULL)
			hex_name(j, "container", s[0] == '/' ? s + 1 : s);
		break;
	case OR_CONNECT:
		if (!check_ref(j, OWN_NETWORK, ref, "", U_JOIN))
			break;
		if ((body = view_body_json(req)) == NULL)
			break;
		if ((s = str(body, "Container")) != NULL)
			check_ref(j, OWN_CONTAINER, s, "Container: ", U_ACT);
		break;
	case OR_CREATE_CONTAINER:
		s = view_query_value(req, "name");
		if (s != NULL && hex_name(j, "container", s[0] == '/' ? s + 1 : s))
			break;
		if ((body = view_body_json(req)) != NULL)
			container_refs(j, body, true);
		break;
	case OR_CREATE_VOLUME:
		if ((body = view_body_json(req)) != NULL &&
		    (s = str(body, "Name")) != NULL && s[0] != '\0')
			check_ref(j, OWN_VOLUME, s, "volume create: ", U_MOUNT);
		break;
	case OR_CREATE_NETWORK: {
		struct own_obj taken, *ob;
		char disp[OWN_NAME_MAX + 64], why[OWN_NAME_MAX + 200];

		if (!(j->m->kinds & (1u << OWN_NETWORK)) ||
		    (body = view_body_json(req)) == NULL ||
		    (s = str(body, "Name")) == NULL || hex_name(j, "network", s))
			break;
		ob = &taken;
		if (usable(j) &&
		    owners_find_name(j->store, OWN_NETWORK, s, ob) !=
			    OWN_UNKNOWN) {
			text_join(why, sizeof why, "the name is taken: ",
				  ob->key[0] ? display(ob, disp, sizeof disp)
					     : "more than one network has it",
				  NULL);
			deny(j, "network create: ", why);
		}
		break;
	}
	case OR_COMMIT:
		s = view_query_value(req, "container");
		t = view_query_value(req, "repo");
		if (view_fatal(req) != NULL)
			break;
		check_ref(j, OWN_CONTAINER, s != NULL ? s : "", "commit container: ",
			  U_ACT);
		if (t != NULL && t[0] != '\0')
			tag_target(j, t, view_query_value(req, "tag"),
				   "commit: ", U_TAG);
		break;
	case OR_TAG:
		s = view_query_value(req, "repo");
		if (view_fatal(req) == NULL)
			tag_target(j, s != NULL ? s : "",
				   view_query_value(req, "tag"), "tag: ", U_TAG);
		break;
	case OR_IMAGE_DELETE:
		image_delete(j, ref);
		break;
	case OR_IMAGE_CREATE:
		image_create(j);
		break;
	case OR_BUILD:
		while ((s = view_query_each(req, "t", &pos)) != NULL &&
		       !j->denied)
			tag_target(j, s, NULL, "build tag: ", U_TAG);
		break;
	case OR_LOAD:
		if (j->m->kinds & (1u << OWN_TAG))
			deny(j, "",
			     "an image load makes whatever tags its archive names, "
			     "which cnauthz cannot see: it could replace another's");
		break;
	case OR_PRUNE:
		if (j->m->kinds & (1u << o->kind)) {
			char why[200];

			text_join(why, sizeof why, "a prune removes other owners' ",
				  kind_words[o->kind], " too", NULL);
			deny(j, "", why);
		}
		break;
	case OR_NONE:
		break;
	}
}

static enum cnauthz_result owner_eval(const void *state,
				      const struct cnauthz_api *api,
				      const struct cnauthz_request *req,
				      char *msg, size_t msgsz)
{
	const struct owner_mod *m = state;
	struct objroute o;
	struct judge j;
	char ref[OWN_KEY_MAX];
	enum objroute_op op;

	op = objroute_match(view_method_bit(req), route_path(view_route(req)),
			    &o);
	/* at the AuthZRes the call has run: it was judged before */
	if (op == OR_NONE || view_is_response(req) ||
	    (op == OR_READ && m->ignore_reads))
		return CNAUTHZ_IGNORE;
	memset(&j, 0, sizeof j);
	j.m = m;
	j.api = api;
	j.req = req;
	j.msg = msg;
	j.msgsz = msgsz;
	j.store = view_owners(req);
	if (o.reflen >= sizeof ref) {
		text_join(msg, msgsz, owners_kind_name(o.kind),
			  " reference too long", NULL);
		return CNAUTHZ_DENY;
	}
	memcpy(ref, o.ref, o.reflen);
	ref[o.reflen] = '\0';
	text_join(j.who, sizeof j.who, api->is_local(req) ? "@local"
							 : api->cn(req),
		  NULL);
	/* the caller's OUs: only share-my-ou compares them */
	for (j.nous = 0; m->share_my_ou && j.nous < MAX_OUS; j.nous++) {
		const char *ou = api->cert(req, "OU", j.nous);

		if (ou == NULL)
			break;
		text_join(j.ous[j.nous], sizeof j.ous[0], ou, NULL);
	}
	judge_call(&j, &o, ref);
	if (j.nfacts > 0) {
		buf_add(&j.facts, "]", 1);
		if (!j.facts.oom)
			view_fact_json(req, "objects", j.facts.p, j.facts.len);
		buf_free(&j.facts);
	}
	if (view_fatal(req) != NULL || j.error)
		return CNAUTHZ_ERROR;
	return j.denied ? CNAUTHZ_DENY : CNAUTHZ_IGNORE;
}

const struct cnauthz_module mod_owner = {
	.abi_version = CNAUTHZ_MODULE_ABI,
	.name = "owner",
	.init = owner_init,
	.evaluate = owner_eval,
	.free = owner_free,
};
