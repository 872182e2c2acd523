/* follow.c - see follow.h */
#include "follow.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imgref.h"
#include "ownname.h"
#include "text.h"

static const char *const paths[OWN_NKINDS] = {
	[OWN_CONTAINER] = "/v1.41/containers/json?all=1",
	[OWN_EXEC] = NULL,
	[OWN_VOLUME] = "/v1.41/volumes",
	[OWN_NETWORK] = "/v1.41/networks",
	[OWN_TAG] = "/v1.41/images/json",
};

const char *follow_list_path(enum own_kind k)
{
	return (unsigned)k < OWN_NKINDS ? paths[k] : NULL;
}

static const char *member(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);

	/* a string with a NUL in it is no string of ours */
	if (!json_is_string(v) ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return NULL;
	return json_string_value(v);
}

/* A container's own name among its Names: "/web" (not "/x/alias"). */
static const char *own_name(const json_t *names)
{
	size_t i;
	json_t *n;

	json_array_foreach(names, i, n) {
		const char *s = json_is_string(n) ? json_string_value(n) : NULL;

		if (s != NULL && s[0] == '/' && strchr(s + 1, '/') == NULL &&
		    owners_name_valid(OWN_CONTAINER, s + 1))
			return s + 1;
	}
	return NULL;
}

/* The normalised tags of one image into items (strings kept in store). */
struct tags {
	struct own_item *v;
	char (*keys)[IMGREF_MAX];
	size_t n, cap;
};

static int add_tag(struct tags *t, const char *familiar, const char *image)
{
	struct imgref r;
	struct cnz_err why;

	if (imgref_parse(familiar, &r, &why) < 0 || r.tag[0] == '\0' ||
	    r.digest[0] != '\0')
		return 0; /* "<none>:<none>", digests: no tag */
	if (t->n == t->cap) {
		size_t nc = t->cap ? t->cap * 2 : 64;
		struct own_item *nv = realloc(t->v, nc * sizeof *nv);
		char(*nk)[IMGREF_MAX];

		if (nv == NULL)
			return -1;
		t->v = nv;
		nk = realloc(t->keys, nc * sizeof *nk);
		if (nk == NULL)
			return -1;
		t->keys = nk;
		t->cap = nc;
	}
	text_join(t->keys[t->n], IMGREF_MAX, r.repo, ":", r.tag, NULL);
	t->v[t->n].name = NULL;
	t->v[t->n].extra = image;
	t->n++;
	return 0;
}

long follow_list(struct owners *o, enum own_kind k, const char *body,
		 size_t len, uint64_t since, struct cnz_err *err)
{
	json_error_t jerr;
	json_t *root, *list, *e;
	struct own_item *items = NULL;
	struct tags tags = {0};
	size_t i, n = 0;
	long gone = -1;

	root = json_loadb(body, len, 0, &jerr);
	if (root == NULL) {
		cnz_err_set(err, NULL, 0, 0, "not JSON: %.100s", jerr.text);
		return -1;
	}
	list = k == OWN_VOLUME ? json_object_get(root, "Volumes") : root;
	if (k == OWN_VOLUME && json_is_null(list)) {
		list = NULL; /* no volumes: dockerd says null */
	} else if (!json_is_array(list)) {
		cnz_err_set(err, NULL, 0, 0, "the %s listing is not a list",
			 owners_kind_name(k));
		goto out;
	}
	if (list != NULL && (items = calloc(json_array_size(list) + 1,
					    sizeof *items)) == NULL) {
		cnz_err_set(err, NULL, 0, 0, "out of memory");
		goto out;
	}
	json_array_foreach(list, i, e) {
		const char *key = NULL, *name = NULL, *extra = NULL;

		switch (k) {
		case OWN_CONTAINER:
			key = member(e, "Id");
			name = own_name(json_object_get(e, "Names"));
			break;
		case OWN_NETWORK:
			key = member(e, "Id");
			name = member(e, "Name");
			if (name != NULL && !owners_name_valid(k, name))
				name = NULL;
			break;
		case OWN_VOLUME:
			key = member(e, "Name");
			extra = member(e, "CreatedAt");
			break;
		case OWN_TAG: {
			json_t *rt = json_object_get(e, "RepoTags"), *t;
			size_t j;
			const char *image = member(e, "Id");

			json_array_foreach(rt, j, t)
				if (json_is_string(t) &&
				    add_tag(&tags, json_string_value(t),
					    image) < 0) {
					cnz_err_set(err, NULL, 0, 0, "out of memory");
					goto out;
				}
			continue;
		}
		default:
			break;
		}
		if (key == NULL) {
			cnz_err_set(err, NULL, 0, 0, "a %s in the listing without %s",
				 owners_kind_name(k),
				 k == OWN_VOLUME ? "a Name" : "an Id");
			goto out;
		}
		if (!owners_key_valid(k, key))
			continue; /* one cnauthz cannot name: unknown, denied */
		items[n].key = key;
		items[n].name = name;
		items[n].extra = extra;
		n++;
	}
	if (k == OWN_TAG) {
		for (i = 0; i < tags.n; i++)
			tags.v[i].key = tags.keys[i];
		gone = owners_sync(o, k, tags.v, tags.n, since);
	} else {
		gone = owners_sync(o, k, items, n, since);
	}
	if (gone < 0)
		cnz_err_set(err, NULL, 0, 0, "out of memory");
out:
	free(items);
	free(tags.v);
	free(tags.keys);
	json_decref(root);
	return gone;
}

int follow_event(struct owners *o, const char *line, size_t len,
		 unsigned *need, struct cnz_err *err)
{
	json_error_t jerr;
	json_t *ev = json_loadb(line, len, 0, &jerr), *actor, *attrs;
	const char *type, *action, *id, *name;
	int rc = 0;

	if (ev == NULL) {
		cnz_err_set(err, NULL, 0, 0, "an event that is not JSON: %.100s",
			 jerr.text);
		return -1;
	}
	type = member(ev, "Type");
	action = member(ev, "Action");
	actor = json_object_get(ev, "Actor");
	attrs = json_object_get(actor, "Attributes");
	id = member(actor, "ID");
	name = member(attrs, "name");
	if (type == NULL || action == NULL || id == NULL) {
		cnz_err_set(err, NULL, 0, 0, "an event without Type, Action or Actor.ID");
		rc = -1;
		goto out;
	}
	if (strcmp(type, "container") == 0) {
		if (name != NULL && !owners_name_valid(OWN_CONTAINER, name))
			name = NULL;
		if (strcmp(action, "create") == 0 || strcmp(action, "rename") == 0)
			rc = owners_put(o, OWN_CONTAINER, id,
					&(struct own_put){.name = name});
		else if (strcmp(action, "destroy") == 0)
			owners_remove(o, OWN_CONTAINER, id);
	} else if (strcmp(type, "network") == 0) {
		if (name != NULL && !owners_name_valid(OWN_NETWORK, name))
			name = NULL;
		if (strcmp(action, "create") == 0)
			rc = owners_put(o, OWN_NETWORK, id,
					&(struct own_put){.name = name});
		else if (strcmp(action, "destroy") == 0)
			owners_remove(o, OWN_NETWORK, id);
	} else if (strcmp(type, "volume") == 0) {
		if (strcmp(action, "create") == 0) {
			rc = owners_put(o, OWN_VOLUME, id, &(struct own_put){0});
			*need |= FOLLOW_RELIST_VOLUMES;
		} else if (strcmp(action, "destroy") == 0) {
			owners_remove(o, OWN_VOLUME, id);
		}
	} else if (strcmp(type, "image") == 0) {
		*need |= FOLLOW_RELIST_IMAGES;
	}
	if (rc < 0)
		cnz_err_set(err, NULL, 0, 0, "a %s event with a malformed ID or name",
			 type);
out:
	json_decref(ev);
	return rc;
}
