/*
 * ownfile.h - the state directory and its ownership file,
 * DIR/owners.json (ownstate.h says what is in it).
 *
 * The directory is made 0700 when missing, and must be owned by the user
 * cnauthz runs as (or root) and not writable by group or others (fsperm.h)
 * - unless insecure - or nothing in it is trusted. The file is written
 * whole to DIR/owners.json.tmp, synced, and renamed over the old one (the
 * directory synced after): a reader sees the old file or the new one,
 * never part of one, whenever cnauthz or the machine stops.
 */
#ifndef CNZ_OWNFILE_H
#define CNZ_OWNFILE_H

#include <stdbool.h>
#include <stddef.h>

struct owners;

#define OWNFILE_NAME "owners.json"

/*
 * Opens (making it when missing, if make) the state directory: its fd,
 * or -1 with why.
 */
int ownfile_dir(const char *dir, bool make, bool insecure, char *why,
		size_t whysz);
/*
 * Reads DIR/owners.json into o (empty): 1 when read, 0 when there is no
 * such file (o stays empty), -1 with why.
 */
int ownfile_load(int dirfd, const char *dir, struct owners *o, bool verified,
		 char *why, size_t whysz);
/* The store in DIR/owners.json, for reading only (cnauthz test, replay,
 * owners list without a daemon): taken as it is, not locked. NULL with
 * why when the directory or the file cannot be read; an empty store when
 * there is no such directory or file. */
struct owners *ownfile_read(const char *dir, char *why, size_t whysz);
/* Writes o to DIR/owners.json as above: 0, or -1 with why. *changes: as
 * of which owners_changes the file is. */
int ownfile_save(int dirfd, const char *dir, const struct owners *o,
		 unsigned long long *changes, char *why, size_t whysz);

#endif
