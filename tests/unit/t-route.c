/*
 * t-route.c - RequestUri in the canonical form dockerd's router matches:
 * absolute-form dropped, query split off, %XX decoded, "/v1.41" removed;
 * what the router would not route as written is refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "route.h"
#include "tap.h"

/* route_parse over an exact-size copy (no NUL after it, so an over-read
 * shows under ASan). */
static struct route *parse_n(const char *uri, size_t len, char *why,
			     size_t whysz)
{
	char *copy = malloc(len ? len : 1);
	struct route *r;
	struct cnz_err err;

	memcpy(copy, uri, len);
	err.msg[0] = '\0';
	r = route_parse(copy, len, &err);
	snprintf(why, whysz, "%s", r == NULL ? err.msg : "");
	free(copy);
	return r;
}

/* uri as a printable C literal, for test names. */
static const char *show(const char *uri, size_t len)
{
	static char buf[4][200];
	static int k;
	char *b = buf[k++ % 4];
	size_t o = 0;

	for (size_t i = 0; i < len && o < sizeof buf[0] - 8; i++) {
		unsigned char c = (unsigned char)uri[i];

		o += (size_t)snprintf(b + o, sizeof buf[0] - o,
				      c < 0x20 || c >= 0x7f ? "\\x%02x" : "%c",
				      c);
	}
	if (len > 60)
		snprintf(b + 40, sizeof buf[0] - 40, "...(%zu bytes)", len);
	return b;
}

/* Segments joined by '|', to compare in one assertion. */
static void segs(const struct route *r, char *out, size_t outsz)
{
	size_t o = 0;

	out[0] = '\0';
	for (size_t i = 0; i < route_nseg(r) && o < outsz; i++)
		o += (size_t)snprintf(out + o, outsz - o, "%s%.*s",
				      i ? "|" : "", (int)route_seglen(r, i),
				      route_seg(r, i));
}

static void accepts(const char *uri, const char *path, const char *version,
		    const char *query, const char *segments)
{
	char why[512], got[1024];
	struct route *r = parse_n(uri, strlen(uri), why, sizeof why);

	if (!ok(r != NULL, "\"%s\" is accepted", show(uri, strlen(uri)))) {
		diag("refused: %s", why);
		return;
	}
	is_str(route_path(r), path, "\"%s\" routes as \"%s\"",
	       show(uri, strlen(uri)), path);
	is_str(route_version(r), version, "... with API version \"%s\"", version);
	is_str(route_query(r), query, "... and query \"%s\"", query);
	segs(r, got, sizeof got);
	is_str(got, segments, "... and segments \"%s\"", segments);
	route_free(r);
}

static void refuses_n(const char *uri, size_t len, const char *sub)
{
	char why[512];
	struct route *r = parse_n(uri, len, why, sizeof why);

	ok(r == NULL, "\"%s\" is refused", show(uri, len));
	like(why, sub, "... because of %s", sub);
	route_free(r);
}

static void refuses(const char *uri, const char *sub)
{
	refuses_n(uri, strlen(uri), sub);
}

int main(void)
{
	char why[512], *big;
	struct route *r;
	size_t k;

	/* The version prefix, as "/v{version:[0-9.]+}" matches it. */
	accepts("/v1.41/containers/json", "/containers/json", "1.41", "",
		"containers|json");
	accepts("/containers/json", "/containers/json", "", "",
		"containers|json");
	accepts("/v1.12/x", "/x", "1.12", "", "x");
	accepts("/v1.0/x", "/x", "1.0", "", "x");
	accepts("/v10.1234/x", "/x", "10.1234", "", "x");
	/* dockerd compares "1.023", "01.23" and "1.23.0" as 1.23: only one
	 * spelling of a version is taken, so none can pass for another */
	refuses("/v1.023/containers/x/start", "unknown API version spelling");
	refuses("/v01.23/containers/x/start", "unknown API version spelling");
	refuses("/v1.23.0/containers/x/start", "unknown API version spelling");
	refuses("/v1.41.0/x", "unknown API version spelling");
	refuses("/v1/x", "unknown API version spelling");
	refuses("/v1./x", "unknown API version spelling");
	refuses("/v.41/x", "unknown API version spelling");
	refuses("/v./x", "unknown API version spelling");
	refuses("/v1..23/x", "unknown API version spelling");
	refuses("/v1.12345/x", "unknown API version spelling");
	/* the router matches the decoded path: these are versions too */
	accepts("/v%31.23/x", "/x", "1.23", "", "x");
	accepts("/v1%2e41/x", "/x", "1.41", "", "x");
	{
		static const struct {
			const char *uri;
			bool before;
		} b[] = {
			{"/v1.23/x", true},   {"/v1.12/x", true},
			{"/v1.9/x", true},    {"/v0.99/x", true},
			{"/v1.24/x", false},  {"/v1.41/x", false},
			{"/v1.100/x", false}, {"/v2.0/x", false},
			{"/x", false},
		};

		for (size_t i = 0; i < sizeof b / sizeof b[0]; i++) {
			struct route *vr = parse_n(b[i].uri, strlen(b[i].uri),
						   why, sizeof why);

			ok(vr != NULL && route_version_before(vr, 1, 24) ==
						 b[i].before,
			   "\"%s\" is %sbefore 1.24, as dockerd compares", b[i].uri,
			   b[i].before ? "" : "not ");
			route_free(vr);
		}
	}
	accepts("/v/x", "/v/x", "", "", "v|x");
	accepts("/V1.41/x", "/V1.41/x", "", "", "V1.41|x");
	accepts("/v1.41x/y", "/v1.41x/y", "", "", "v1.41x|y");
	accepts("/v1-41/y", "/v1-41/y", "", "", "v1-41|y");
	accepts("/x/v1.41/y", "/x/v1.41/y", "", "", "x|v1.41|y");
	accepts("/v1.41", "/", "1.41", "", "");
	accepts("/v1.41?x=1", "/", "1.41", "x=1", "");
	accepts("/v1.41/v1.40/x", "/v1.40/x", "1.41", "", "v1.40|x");
	accepts("/v1.41/_ping", "/_ping", "1.41", "", "_ping");
	accepts("/_ping", "/_ping", "", "", "_ping");
	accepts("/", "/", "", "", "");
	accepts("/v1.41/containers/b4162a783b87/wait?condition=next-exit",
		"/containers/b4162a783b87/wait", "1.41", "condition=next-exit",
		"containers|b4162a783b87|wait");

	/* Absolute-form: Go's server routes the URL's path. */
	accepts("http://h:2376/v1.41/x?y", "/x", "1.41", "y", "x");
	accepts("https://h", "/", "", "", "");
	accepts("https://h/", "/", "", "", "");
	accepts("http://h?x=1", "/", "", "x=1", "");
	accepts("HTTP://docker.example:2376/containers/json",
		"/containers/json", "", "", "containers|json");
	accepts("unix://docker.sock/v1.41/info", "/info", "1.41", "", "info");
	accepts("http://user@h:1/images/json", "/images/json", "", "",
		"images|json");

	/* The query starts at the first '?', and is kept raw. */
	accepts("/x?a=1?b=2", "/x", "", "a=1?b=2", "x");
	accepts("/x?", "/x", "", "", "x");
	accepts("/x?a=%zz&b=%00", "/x", "", "a=%zz&b=%00", "x");
	accepts("/containers/json?filters=%7B%22a%22%3A1%7D",
		"/containers/json", "", "filters=%7B%22a%22%3A1%7D",
		"containers|json");

	/* %XX is decoded before routing, in either case of hex. */
	accepts("/containers%2Fjson", "/containers/json", "", "",
		"containers|json");
	accepts("/containers%2fjson", "/containers/json", "", "",
		"containers|json");
	accepts("/v1.41/containers/abc%2Farchive", "/containers/abc/archive",
		"1.41", "", "containers|abc|archive");
	accepts("/%63ontainers/json", "/containers/json", "", "",
		"containers|json");
	accepts("/%76%31.41/x", "/x", "1.41", "", "x");
	accepts("/v1.41%2Fcontainers/json", "/containers/json", "1.41", "",
		"containers|json");
	accepts("/containers/a%20b/json", "/containers/a b/json", "", "",
		"containers|a b|json");
	accepts("/containers/json%3Fall=1", "/containers/json?all=1", "", "",
		"containers|json?all=1");
	accepts("/x/%23y", "/x/#y", "", "", "x|#y");
	accepts("/x/%C3%A9", "/x/\xc3\xa9", "", "", "x|\xc3\xa9");
	accepts("/x/%25", "/x/%", "", "", "x|%");
	accepts("/x/...", "/x/...", "", "", "x|...");
	accepts("/x/.a/a.", "/x/.a/a.", "", "", "x|.a|a.");
	accepts("/x/%2e%2e%2e", "/x/...", "", "", "x|...");

	/* Refused: nothing to route. */
	refuses("", "empty");
	refuses("*", "start with '/'");
	refuses("x/y", "start with '/'");
	refuses("?a=1", "start with '/'");
	refuses("containers/json", "start with '/'");
	refuses("http:/x", "start with '/'");
	refuses("://h/x", "start with '/'");
	refuses("%2Fx", "start with '/'");

	/* Refused: what the router would redirect, not route. */
	refuses("//", "empty path segment");
	refuses("//x", "empty path segment");
	refuses("/x//y", "empty path segment");
	refuses("/x/", "empty path segment");
	refuses("/v1.41/", "empty path segment");
	refuses("/x/?a=1", "empty path segment");
	refuses("http://h//x", "empty path segment");
	refuses("/x%2F", "empty path segment");
	refuses("/x%2F%2Fy", "empty path segment");
	refuses("/%2F", "empty path segment");
	refuses("/.", "dot segment");
	refuses("/..", "dot segment");
	refuses("/x/./y", "dot segment");
	refuses("/x/../y", "dot segment");
	refuses("/x/..", "dot segment");
	refuses("/v1.41/../containers/json", "dot segment");
	refuses("http://h/x/../y", "dot segment");
	refuses("/%2e%2e/x", "dot segment");
	refuses("/x/%2E%2E/y", "dot segment");
	refuses("/x/%2e", "dot segment");
	refuses("/x/.%2e/y", "dot segment");
	refuses("/_ping%2F..%2Fcontainers%2Fx%2Farchive", "dot segment");

	/* Refused: bad or dangerous escapes. */
	refuses("/x%", "percent-encoding");
	refuses("/x%4", "percent-encoding");
	refuses("/x%4?a", "percent-encoding");
	refuses("/x%zz", "percent-encoding");
	refuses("/x%4g", "percent-encoding");
	refuses("/x%g4", "percent-encoding");
	refuses("/x%%41", "percent-encoding");
	refuses("/x%-1", "percent-encoding");
	refuses("/x% 1", "control, space");
	refuses("/x%00", "control byte");
	refuses("/admin%00/x", "control byte");
	refuses("/x%01", "control byte");
	refuses("/x%0a", "control byte");
	refuses("/x%0D%0A", "control byte");
	refuses("/x%1F", "control byte");
	refuses("/x%7f", "control byte");
	refuses("/x%7F", "control byte");

	/* Refused: raw bytes a client could only send to confuse. */
	refuses("/x y", "control, space");
	refuses("/x\ty", "control, space");
	refuses("/x\n", "control, space");
	refuses("/x\r\nHost: y", "control, space");
	refuses("/x\x7f", "control, space");
	refuses("/x\x80", "control, space");
	refuses("/caf\xc3\xa9", "control, space");
	refuses("/x?a=\xff", "control, space");
	refuses("/x?a b", "control, space");
	refuses_n("/x\0y", 4, "control, space");
	refuses_n("/x\0", 3, "control, space");
	refuses("/x#y", "fragment");
	refuses("/x?a#b", "fragment");
	refuses("#", "fragment");

	/* The reason quotes the URI printably. */
	r = parse_n("/x\ty", 4, why, sizeof why);
	like(why, "/x\\x09y", "a refusal quotes the URI with control bytes as \\xNN");
	ok(strchr(why, '\t') == NULL, "... and without the raw byte");
	route_free(r);
	r = parse_n("/x/../y", 7, why, sizeof why);
	like(why, "\"/x/../y\"", "a refusal quotes the URI as written");
	route_free(r);
	r = parse_n("/x//y", 5, why, sizeof why);
	ok(r == NULL && why[0] != '\0' && strlen(why) < CNZ_ERR_MSG,
	   "the reason fits the error's message");
	route_free(r);

	/* Length limits. */
	big = malloc(70000);
	big[0] = '/';
	memset(big + 1, 'a', 69999);
	r = parse_n(big, 64 * 1024, why, sizeof why);
	ok(r != NULL && strlen(route_path(r)) == 64 * 1024 &&
		   route_nseg(r) == 1 && route_seglen(r, 0) == 64 * 1024 - 1,
	   "a URI of exactly 64 KiB is accepted");
	route_free(r);
	r = parse_n(big, 64 * 1024 + 1, why, sizeof why);
	ok(r == NULL, "a URI over 64 KiB is refused");
	like(why, "longer", "... because it is too long");
	route_free(r);
	for (k = 0; k < 256; k++)
		memcpy(big + 2 * k, "/a", 2);
	r = parse_n(big, 2 * 256, why, sizeof why);
	ok(r != NULL && route_nseg(r) == 256, "256 path segments are accepted");
	route_free(r);
	memcpy(big + 2 * 256, "/a", 2);
	r = parse_n(big, 2 * 257, why, sizeof why);
	ok(r == NULL, "257 path segments are refused");
	like(why, "too many path segments", "... because there are too many");
	route_free(r);
	k = (size_t)sprintf(big, "/v1.");
	memset(big + k, '1', 40);
	k += 40;
	k += (size_t)sprintf(big + k, "/x");
	r = parse_n(big, k, why, sizeof why);
	ok(r == NULL, "an API version prefix of 43 characters is refused");
	like(why, "unknown API version spelling", "... as no version dockerd knows");
	route_free(r);
	free(big);

	/* Segments point into the canonical path; they are not NUL-ended. */
	r = parse_n("/v1.41/containers/abc/json?x", 28, why, sizeof why);
	if (ok(r != NULL && route_nseg(r) == 3,
	       "\"/v1.41/containers/abc/json\" has 3 segments after the prefix")) {
		ok(route_seglen(r, 0) == 10 &&
			   strncmp(route_seg(r, 0), "containers", 10) == 0,
		   "segment 0 is \"containers\"");
		ok(route_seglen(r, 1) == 3 && strncmp(route_seg(r, 1), "abc", 3) == 0,
		   "segment 1 is \"abc\"");
		ok(route_seglen(r, 2) == 4 && strcmp(route_seg(r, 2), "json") == 0,
		   "segment 2 is \"json\", the last, NUL-terminated by the path");
		ok(route_seg(r, 0) == route_path(r) + 1 &&
			   route_seg(r, 1) == route_path(r) + 12,
		   "segments point into the canonical path");
	}
	route_free(r);
	route_free(NULL);
	ok(1, "route_free(NULL) is a no-op");
	return done_testing();
}
