/* hostpath.c - see hostpath.h */
#include "hostpath.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

int hostpath_clean(const char *in, char *out, size_t outsz)
{
	size_t o = 0, i = 0, n = strlen(in);

	if (n == 0 || in[0] != '/' || outsz < 2)
		return -1;
	out[o++] = '/';
	while (i < n) {
		size_t j;

		while (i < n && in[i] == '/')
			i++;
		j = i;
		while (j < n && in[j] != '/')
			j++;
		if (j - i == 0)
			break;
		if (j - i == 1 && in[i] == '.') {
			/* "." : nothing */
		} else if (j - i == 2 && in[i] == '.' && in[i + 1] == '.') {
			/* "..": back to the previous '/', never above root */
			if (o > 1) {
				o--;
				while (o > 1 && out[o - 1] != '/')
					o--;
				if (o > 1)
					o--;
			}
		} else {
			if (o > 1) {
				if (o + 1 >= outsz)
					return -1;
				out[o++] = '/';
			}
			if (o + (j - i) >= outsz)
				return -1;
			memcpy(out + o, in + i, j - i);
			o += j - i;
		}
		i = j;
	}
	out[o] = '\0';
	return 0;
}

int hostpath_resolve(const char *in, char *out, size_t outsz)
{
	char clean[PATH_MAX], real[PATH_MAX];
	size_t cut;

	if (hostpath_clean(in, clean, sizeof clean) < 0)
		return -1;
	/* the longest prefix realpath can resolve, at a '/' boundary */
	cut = strlen(clean);
	for (;;) {
		char save = clean[cut];

		clean[cut] = '\0';
		if (realpath(cut == 0 ? "/" : clean, real) != NULL) {
			clean[cut] = save;
			break;
		}
		clean[cut] = save;
		if (cut == 0) {
			strcpy(real, "/");
			break;
		}
		while (cut > 0 && clean[cut - 1] != '/')
			cut--;
		if (cut > 0)
			cut--; /* drop the '/' too */
	}
	/* real + the part that does not exist (already clean) */
	if (clean[cut] == '\0') {
		if (strlen(real) + 1 > outsz)
			return -1;
		strcpy(out, real);
		return 0;
	}
	if (strlen(real) + strlen(clean + cut) + 1 > outsz)
		return -1;
	strcpy(out, strcmp(real, "/") == 0 ? "" : real);
	strcat(out, clean + cut);
	return 0;
}

bool hostpath_under(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	if (strcmp(prefix, "/") == 0)
		return path[0] == '/';
	if (strncmp(path, prefix, n) != 0)
		return false;
	return path[n] == '\0' || path[n] == '/';
}
