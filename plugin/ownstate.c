/* ownstate.c - see ownstate.h */
#include "ownstate.h"

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "ownname.h"
#include "owners_impl.h"
#include "text.h"

static const char *const section[OWN_NKINDS] = {
	"containers", "execs", "volumes", "networks", "tags",
};
/* The member holding the key, and the one holding extra. */
static const char *const key_member[OWN_NKINDS] = {
	"id", "id", "name", "id", "tag",
};
static const char *const extra_member[OWN_NKINDS] = {
	NULL, "container", "created", NULL, "image",
};

static void dump_str(struct buf *b, const char *member, const char *v)
{
	buf_adds(b, ",\"");
	buf_adds(b, member);
	buf_adds(b, "\":");
	buf_add_json_str(b, v, strlen(v));
}

char *owners_dump(const struct owners *o, size_t *len, uint64_t *changes)
{
	struct buf b;

	buf_init(&b);
	pthread_rwlock_rdlock(&o->locks->rw);
	if (changes != NULL)
		*changes = atomic_load(&o->changes);
	buf_adds(&b, "{\"cnauthz-owners\":1");
	for (int k = 0; k < OWN_NKINDS; k++) {
		const struct index *ix = &o->k[k].bykey;
		bool first = true;

		buf_adds(&b, ",\n\"");
		buf_adds(&b, section[k]);
		buf_adds(&b, "\":[");
		for (size_t i = 0; i < ix->n; i++) {
			const struct obj *ob = ix->v[i];

			if (ob->pending_until > 0)
				continue; /* not made yet */
			buf_adds(&b, first ? "\n{\"" : ",\n{\"");
			first = false;
			buf_adds(&b, key_member[k]);
			buf_adds(&b, "\":");
			buf_add_json_str(&b, ob->key, strlen(ob->key));
			if (ob->name != NULL)
				dump_str(&b, "name", ob->name);
			if (extra_member[k] != NULL && ob->extra != NULL)
				dump_str(&b, extra_member[k], ob->extra);
			if (ob->cn != NULL)
				dump_str(&b, "owner", ob->cn);
			if (ob->ou != NULL)
				dump_str(&b, "ou", ob->ou);
			buf_adds(&b, "}");
		}
		buf_adds(&b, "]");
	}
	buf_adds(&b, "}\n");
	pthread_rwlock_unlock(&o->locks->rw);
	if (b.oom) {
		buf_free(&b);
		return NULL;
	}
	*len = b.len;
	return b.p;
}

/* One entry of section k; 0, or -1 with why. */
static int load_entry(struct owners *o, enum own_kind k, json_t *e,
		      bool verified, struct cnz_err *err)
{
	const char *member, *key = NULL, *name = NULL, *extra = NULL,
			   *cn = NULL, *ou = NULL;
	json_t *v;
	struct obj *ob;
	struct own_put p;

	if (!json_is_object(e)) {
		cnz_err_set(err, NULL, 0, 0, "%s: an entry is not an object", section[k]);
		return -1;
	}
	json_object_foreach(e, member, v) {
		const char **slot = NULL;

		if (strcmp(member, key_member[k]) == 0)
			slot = &key;
		else if (strcmp(member, "name") == 0 &&
			 (k == OWN_CONTAINER || k == OWN_NETWORK))
			slot = &name;
		else if (extra_member[k] != NULL &&
			 strcmp(member, extra_member[k]) == 0)
			slot = &extra;
		else if (strcmp(member, "owner") == 0)
			slot = &cn;
		else if (strcmp(member, "ou") == 0)
			slot = &ou;
		if (slot == NULL || !json_is_string(v) ||
		    strlen(json_string_value(v)) != json_string_length(v)) {
			char q[80];

			cnz_err_set(err, NULL, 0, 0, "%s: %s \"%s\"", section[k],
				 slot == NULL ? "unknown member"
					      : "not a string (or holds NUL):",
				 text_printable(q, sizeof q, member,
						strlen(member)));
			return -1;
		}
		*slot = json_string_value(v);
	}
	if (key == NULL || !owners_key_valid(k, key)) {
		cnz_err_set(err, NULL, 0, 0, "%s: an entry without a valid \"%s\"",
			 section[k], key_member[k]);
		return -1;
	}
	if ((name != NULL && !owners_name_valid(k, name)) ||
	    (extra != NULL && !owners_extra_valid(k, extra)) ||
	    (cn != NULL && !owners_owner_valid(cn)) ||
	    (ou != NULL && (cn == NULL || !owners_ou_valid(ou))) ||
	    (k == OWN_EXEC && extra == NULL)) {
		char q[80];

		cnz_err_set(err, NULL, 0, 0, "%s: entry %s has a malformed member",
			 section[k], text_printable(q, sizeof q, key, strlen(key)));
		return -1;
	}
	if (own_get(&o->k[k], key) != NULL) {
		char q[80];

		cnz_err_set(err, NULL, 0, 0, "%s: %s is there twice", section[k],
			 text_printable(q, sizeof q, key, strlen(key)));
		return -1;
	}
	if (k == OWN_CONTAINER && name != NULL) {
		const struct obj *same;

		if (own_by_name(&o->k[k], name, &same) > 0) {
			cnz_err_set(err, NULL, 0, 0,
				 "containers: two are called \"%s\"", name);
			return -1;
		}
	}
	p = (struct own_put){.name = name, .extra = extra, .cn = cn, .ou = ou};
	if (own_put_locked(o, k, key, &p) < 0) {
		cnz_err_set(err, NULL, 0, 0, "%s: too many entries, or out of memory",
			 section[k]);
		return -1;
	}
	ob = own_get(&o->k[k], key);
	if (ob != NULL)
		ob->unverified = !verified;
	return 0;
}

int owners_load(struct owners *o, const char *buf, size_t len, bool verified,
		struct cnz_err *err)
{
	json_error_t jerr;
	json_t *root, *v;
	const char *member;
	int rc = -1;

	if (len > OWNERS_MAX_FILE) {
		cnz_err_set(err, NULL, 0, 0, "larger than %u bytes", OWNERS_MAX_FILE);
		return -1;
	}
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		char q[200];

		cnz_err_set(err, NULL, 0, 0, "line %d: %s", jerr.line,
			 text_printable(q, sizeof q, jerr.text,
					strlen(jerr.text)));
		return -1;
	}
	v = json_object_get(root, "cnauthz-owners");
	if (!json_is_object(root) || !json_is_integer(v) ||
	    json_integer_value(v) != 1) {
		cnz_err_set(err, NULL, 0, 0,
			 "not a cnauthz ownership file of version 1 (\"cnauthz-owners\":1)");
		goto out;
	}
	pthread_rwlock_wrlock(&o->locks->rw);
	json_object_foreach(root, member, v) {
		int k;
		size_t i;
		json_t *e;

		if (strcmp(member, "cnauthz-owners") == 0)
			continue;
		for (k = 0; k < OWN_NKINDS; k++)
			if (strcmp(member, section[k]) == 0)
				break;
		if (k == OWN_NKINDS || !json_is_array(v)) {
			char q[80];

			cnz_err_set(err, NULL, 0, 0, "unknown member or not a list: \"%s\"",
				 text_printable(q, sizeof q, member,
						strlen(member)));
			goto unlock;
		}
		json_array_foreach(v, i, e)
			if (load_entry(o, (enum own_kind)k, e, verified,
				       err) < 0)
				goto unlock;
	}
	/* an exec of a container the file does not have is no exec */
	for (size_t i = 0; i < o->k[OWN_EXEC].bykey.n; i++) {
		const struct obj *e = o->k[OWN_EXEC].bykey.v[i];

		if (own_get(&o->k[OWN_CONTAINER], e->extra) == NULL) {
			cnz_err_set(err, NULL, 0, 0,
				 "execs: %.64s is of a container the file does not have",
				 e->key);
			goto unlock;
		}
	}
	rc = 0;
unlock:
	if (rc < 0)
		own_clear(o);
	pthread_rwlock_unlock(&o->locks->rw);
out:
	json_decref(root);
	return rc;
}
