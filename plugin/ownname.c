/* ownname.c - see ownname.h */
#include "ownname.h"

#include <string.h>

#include "identity.h"

bool owners_id_valid(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return i == OWN_ID_LEN;
}

bool owners_owner_valid(const char *s)
{
	return strcmp(s, "@local") == 0 || identity_name_valid(s, strlen(s));
}

static bool alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

/* dockerd's RestrictedNamePattern: [a-zA-Z0-9][a-zA-Z0-9_.-]+ */
static bool restricted_name(const char *s)
{
	size_t i;

	if (!alnum(s[0]))
		return false;
	for (i = 1; s[i] != '\0'; i++)
		if (!alnum(s[i]) && s[i] != '_' && s[i] != '.' && s[i] != '-')
			return false;
	return i >= 2 && i < OWN_NAME_MAX;
}

/* 1 to max-1 bytes, none a control byte, none of stop. */
static bool plain(const char *s, size_t max, const char *stop)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f ||
		    strchr(stop, s[i]) != NULL)
			return false;
	return i > 0 && i < max;
}

bool owners_name_valid(enum own_kind k, const char *s)
{
	switch (k) {
	case OWN_CONTAINER:
		return restricted_name(s);
	case OWN_NETWORK:
		return plain(s, OWN_NAME_MAX, "");
	default:
		return false;
	}
}

bool owners_key_valid(enum own_kind k, const char *s)
{
	const char *slash, *colon;

	switch (k) {
	case OWN_CONTAINER:
	case OWN_EXEC:
	case OWN_NETWORK:
		return owners_id_valid(s);
	case OWN_VOLUME:
		return plain(s, OWN_NAME_MAX, "/");
	case OWN_TAG:
		/* domain/path:tag, printable ASCII */
		slash = strchr(s, '/');
		colon = strrchr(s, ':');
		for (const char *p = s; *p; p++)
			if (*p <= 0x20 || *p >= 0x7f || *p == '@')
				return false;
		return slash != NULL && slash > s && colon != NULL &&
		       colon > strrchr(s, '/') && colon[1] != '\0' &&
		       strlen(s) < OWN_KEY_MAX;
	default:
		return false;
	}
}

bool owners_extra_valid(enum own_kind k, const char *s)
{
	if (k == OWN_EXEC)
		return owners_id_valid(s);
	return s[0] == '\0' || plain(s, 128, "");
}

bool owners_ou_valid(const char *s)
{
	return plain(s, OWN_OU_MAX, "");
}
