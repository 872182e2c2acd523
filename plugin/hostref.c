/* hostref.c - see hostref.h */
#include "hostref.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <strings.h>

static int put(const char *s, size_t n, char *out, size_t outsz)
{
	if (n >= outsz)
		return -1;
	memcpy(out, s, n);
	out[n] = '\0';
	return 0;
}

int hostref_registry(const char *ref, size_t len, char *out, size_t outsz)
{
	const char *slash = memchr(ref, '/', len);
	size_t n;
	bool domain = false;

	if (memchr(ref, '\0', len) != NULL)
		return -1;
	if (slash != NULL) {
		n = (size_t)(slash - ref);
		domain = (n == 9 && memcmp(ref, "localhost", 9) == 0);
		for (size_t i = 0; i < n && !domain; i++)
			domain = ref[i] == '.' || ref[i] == ':' ||
				 (ref[i] >= 'A' && ref[i] <= 'Z');
	}
	if (!domain)
		return put("docker.io", 9, out, outsz) < 0 ? -1 : 0;
	return put(ref, n, out, outsz) < 0 ? -1 : 1;
}

int hostref_url(const char *url, size_t len, char *out, size_t outsz)
{
	const char *p = url, *end = url + len, *at, *q;

	if (memchr(url, '\0', len) != NULL)
		return -1;
	for (size_t i = 0; i + 2 < len; i++) {
		if (url[i] == '/' || url[i] == '@')
			break;
		if (url[i] == ':' && url[i + 1] == '/' && url[i + 2] == '/') {
			p = url + i + 3;
			break;
		}
	}
	/* the authority ends at the first '/', '?' or '#' */
	for (q = p; q < end && *q != '/' && *q != '?' && *q != '#'; q++)
		;
	end = q;
	at = NULL;
	for (q = p; q < end; q++)
		if (*q == '@')
			at = q; /* the last one: user info may hold '@' */
	if (at != NULL)
		p = at + 1;
	if (p == url) {
		/* no scheme: git's "host:path" keeps only the host */
		for (q = p; q < end && *q != ':'; q++)
			;
		end = q;
	}
	if (end == p)
		return -1;
	return put(p, (size_t)(end - p), out, outsz);
}

static bool v4_local(struct in_addr a)
{
	unsigned long h = ntohl(a.s_addr);

	return (h >> 24) == 127 || (h >> 24) == 0 || (h >> 16) == 0xa9fe;
}

bool hostref_is_local(const char *host, size_t len)
{
	char h[HOSTREF_MAX];
	size_t n;
	struct in_addr a4;
	struct in6_addr a6;

	if (len >= sizeof h)
		return false;
	if (memchr(host, '\0', len) != NULL)
		return true; /* unreadable: judged as the host, so denied */
	memcpy(h, host, len);
	h[len] = '\0';
	n = len;
	if (n > 0 && h[0] == '[') {
		char *close = strchr(h, ']');

		if (close == NULL)
			return false;
		*close = '\0';
		memmove(h, h + 1, strlen(h + 1) + 1);
		n = strlen(h);
	} else {
		/* "name:port": one ':' (a bare IPv6 address has several) */
		char *colon = strchr(h, ':');

		if (colon != NULL && strchr(colon + 1, ':') == NULL) {
			*colon = '\0';
			n = (size_t)(colon - h);
		}
	}
	if (n > 0 && h[n - 1] == '.')
		h[--n] = '\0';
	if (n == 0)
		return true; /* no name: the connection goes nowhere else */
	if (strcasecmp(h, "localhost") == 0 ||
	    (n > 10 && strcasecmp(h + n - 10, ".localhost") == 0))
		return true;
	if (inet_aton(h, &a4) != 0)
		return v4_local(a4);
	{
		char *zone = strchr(h, '%');

		if (zone != NULL)
			*zone = '\0';
	}
	if (inet_pton(AF_INET6, h, &a6) == 1) {
		if (IN6_IS_ADDR_LOOPBACK(&a6) || IN6_IS_ADDR_UNSPECIFIED(&a6) ||
		    IN6_IS_ADDR_LINKLOCAL(&a6))
			return true;
		if (IN6_IS_ADDR_V4MAPPED(&a6) || IN6_IS_ADDR_V4COMPAT(&a6)) {
			memcpy(&a4.s_addr, a6.s6_addr + 12, 4);
			return v4_local(a4);
		}
	}
	return false;
}
