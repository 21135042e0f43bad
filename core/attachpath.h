/*
 * Where attached files live, and how they are named: a place that is a
 * pure function of the record and the file's content,
 *
 *   attachments/<kind>/<device>/<NNN>/<id>/<sha256>.<ext>
 *
 * so a folder holds one record's files, and two laptops attaching photos
 * to the same record never write the same path with different content.
 * The size limits of attached files are here too (layout.h uses them).
 */
#ifndef KS_ATTACHPATH_H
#define KS_ATTACHPATH_H

#include <stddef.h>

#include "media.h"

#define KS_ATTACH_DIR "attachments"
#define KS_ATTACH_MAX_INPUT (100u * 1024 * 1024)	/* a file given to attach */
#define KS_ATTACH_MAX_FILE (32u * 1024 * 1024)		/* a file kept */
#define KS_ATTACH_MAX_SYNC (2048ull * 1024 * 1024)	/* new files in one sync */

/* The place of a file (ks_free), or NULL for a bad kind, id or hash. */
char *ks_attach_relpath(const char *kind, const char *id, const char *sha256,
			enum ks_media m);

/*
 * The parts of a file's place: 0 with the record's kind and id (ks_free),
 * the hash and the type its name says, or -1 when it is not such a place.
 */
int ks_attach_path_parse(const char *relpath, char **kind, char **id,
			 char sha256[65], enum ks_media *m);

/*
 * The folder of a record's files, from the record's place
 * (records/K/D/NNN/ID.yaml -> attachments/K/D/NNN/ID); NULL for a path
 * that is not a record's (ks_free).
 */
char *ks_attach_folder(const char *record_relpath);

struct git_tree;
struct ks_node;

/*
 * Whether the record an attached file at `relpath` belongs to is in the
 * tree `root` (a commit's): 1, or 0 with its path in *record (ks_free);
 * -1 when memory runs out or `relpath` is no attached file's place.
 */
int ks_attach_record_in(struct git_tree *root, const char *relpath,
			char **record);

/* The item of the record `root`'s attachments for file `sha256`, or NULL. */
struct ks_node *ks_attach_item(const struct ks_node *root, const char *sha256);

/* The lowercase hex SHA-256 of `data` into `out`. */
void ks_attach_hash(char out[65], const void *data, size_t len);

/*
 * NULL when `data` may be the file at `relpath`: its name is the hash of
 * its content and names its type, which its content is, whole.  Otherwise
 * why not, in words for a person, in `why`.
 */
const char *ks_attach_file_problem(const char *relpath, const void *data,
				   size_t len, char *why, size_t whylen);

#endif
