/*
 * mediatype.h - Go's mime.ParseMediaType, as dockerd uses it.
 *
 * dockerd forwards a request body to the plugin only when
 * mime.ParseMediaType(Content-Type) succeeds with "application/json";
 * Go's Request.ParseForm reads form values from a POST/PUT/PATCH body
 * whose media type is "application/x-www-form-urlencoded" even when the
 * parameters after it fail to parse. Both decisions must be made here
 * exactly as there.
 */
#ifndef CNZ_MEDIATYPE_H
#define CNZ_MEDIATYPE_H

#include <stddef.h>

enum mediatype_rc {
	MEDIATYPE_OK = 0,         /* out holds the lower-cased type */
	MEDIATYPE_BAD_PARAMS = 1, /* out holds it, but Go reports an error */
	MEDIATYPE_BAD = 2,        /* out is "" and Go reports an error */
};

/* Parses v; out receives the media type (lower case, trimmed). */
enum mediatype_rc mediatype_parse(const char *v, char *out, size_t outsz);

#endif
