/*
 * What may be where in a survey's tree, and how large: the one statement of
 * the layout that every import (stick, bundle, hub, clone) enforces on each
 * folder and file a new commit brings, so that no peer can put a file
 * where khaosat would not look for it, bury one folder under a million
 * entries, or fill a disk.
 *
 *   khaosat.yaml, members.yaml,            files, at the root
 *   allowed_signers
 *   schema/<name>.yaml|.yml|.json           files, one level
 *   records/<kind>/<device>/<NNN>/<id>.yaml as ks_record_relpath() makes it,
 *                                           for a kind the survey has
 *   attachments/<kind>/<device>/<NNN>/<id>/<sha256>.<ext>
 *                                           a record's attached files
 *                                           (attachpath.h)
 *   conflicts/<any of the above>            a conflict file per survey file
 *
 * No file is executable, no folder holds more than KS_LAYOUT_MAX_ENTRIES
 * entries, and each file has a size limit (ks_layout_max_size()).
 */
#ifndef KS_LAYOUT_H
#define KS_LAYOUT_H

#include <stddef.h>

#define KS_LAYOUT_MAX_ENTRIES 10000

#define KS_LAYOUT_MAX_SURVEY_FILE (64u * 1024)
#define KS_LAYOUT_MAX_SCHEMA (1024u * 1024)
#define KS_LAYOUT_MAX_SIGNERS (1024u * 1024)
#define KS_LAYOUT_MAX_MEMBERS (1024u * 1024)
#define KS_LAYOUT_MAX_RECORD (16u * 1024 * 1024)
#define KS_LAYOUT_MAX_CONFLICT (64u * 1024 * 1024)

/* Says whether the survey has a kind (as its khaosat.yaml names them). */
typedef int (*ks_layout_kind_fn)(void *ctx, const char *kind);

/*
 * NULL when a folder (`folder` set) or a file may be at `path` (relative
 * to the survey's root, no trailing slash); otherwise why not, in words for
 * a person.  `known` may be NULL: then any well-formed kind name will do.
 */
const char *ks_layout_problem(const char *path, int folder,
			      ks_layout_kind_fn known, void *ctx);

/* The largest a file at `path` may be, in bytes (0: none may be there). */
size_t ks_layout_max_size(const char *path);

#endif
