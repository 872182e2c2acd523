/*
 * hostref.h - the network host an image reference or a URL makes dockerd
 * contact, and whether that host is the Docker host itself.
 *
 * dockerd pulls, pushes, looks up and downloads as root, from the host's
 * own network namespace: a registry named "127.0.0.1:5000/x" or
 * "localhost/x", or an import or build URL on a loopback address, reaches
 * services that listen only on the host's loopback (and dockerd trusts
 * 127.0.0.0/8 as an insecure registry by default, so plain HTTP works).
 *
 * The registry of a reference is found as dockerd (distribution/reference
 * splitDockerDomain) finds it: the part before the first '/' when it holds
 * a '.' or a ':', is "localhost", or has an upper-case letter; else the
 * reference is on Docker Hub. A URL's host is the authority after
 * "scheme://" (user info and port removed), or for git's "user@host:path"
 * the part between '@' and ':'.
 *
 * "The host itself" is judged on the name as written: localhost and
 * *.localhost, IPv4 0.0.0.0/8, 127.0.0.0/8 and 169.254.0.0/16 in every
 * spelling inet_aton(3) takes (127.1, 0x7f.1, 2130706433), IPv6 ::, ::1,
 * fe80::/10 and their IPv4-mapped forms. A DNS name that resolves to a
 * loopback address is not seen: pin registries with the images module.
 */
#ifndef CNZ_HOSTREF_H
#define CNZ_HOSTREF_H

#include <stdbool.h>
#include <stddef.h>

#define HOSTREF_MAX 256

/*
 * The registry host (with its port, as written) of the image reference
 * ref[0..len), into out[0..outsz). Returns 1 when the reference names a
 * registry, 0 when it is on Docker Hub (out is "docker.io"), -1 when the
 * host is longer than outsz allows or ref holds a NUL.
 */
int hostref_registry(const char *ref, size_t len, char *out, size_t outsz);
/* The host (with its port) of the URL url[0..len); -1 when there is none
 * or it does not fit. */
int hostref_url(const char *url, size_t len, char *out, size_t outsz);
/* Is host[0..len) ("name", "name:port", "[v6]:port") the Docker host?
 * A host holding a NUL is taken to be (a caller denies it). */
bool hostref_is_local(const char *host, size_t len);

#endif
