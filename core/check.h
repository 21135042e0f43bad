/*
 * Checking records in a survey: where the file is, what it parses to, its
 * schema, its references to other records (x-ref), and values that must be
 * unique across a kind (x-unique).
 *
 * A record at records/<kind>/<device>/<bucket>/<id>.yaml is valid when the
 * file parses, its kind is one of the survey's, its `id` field equals the
 * file name, and it satisfies the kind's schema.  References are checked
 * against the work tree (a record exists when its file does).  Uniqueness
 * needs every record of the kind, so it is checked only when a whole
 * survey is checked through a struct ks_unique.
 */
#ifndef KS_CHECK_H
#define KS_CHECK_H

#include <stddef.h>

#include "paths.h"

struct ks_buf;
struct ks_diags;
struct ks_doc;
struct ks_node;
struct ks_repo;
struct ks_unique;

/*
 * Loads and checks the record at `relpath` (relative to the work tree).
 * Returns 0 when valid, KS_EINVALID with located errors, KS_ENOTFOUND when
 * the file is missing, or another status.  On 0 or KS_EINVALID after a
 * successful parse, *out (when not NULL) receives the document (caller
 * frees).  `uniq` may be NULL.
 */
int ks_check_record(struct ks_repo *r, const char *relpath,
		    struct ks_unique *uniq, struct ks_doc **out,
		    struct ks_diags *d);

/*
 * Checks an already parsed record as if it were the file at `relpath`:
 * its kind, its id against the file name, its schema, references, and
 * (with `uniq`) uniqueness.  Same results as ks_check_record().
 */
int ks_check_doc(struct ks_repo *r, const char *relpath,
		 const struct ks_doc *doc, struct ks_unique *uniq,
		 struct ks_diags *d);

/*
 * ks_check_record() of each of the `n` records at `paths`, in order, each
 * one's result and messages (`rd`, the callee's to take or leave) handed
 * to `done`, which returns 0 to go on or a status that stops the walk.
 * From 64 records on, the files are read and parsed ahead by a pool's
 * threads (pool.h); the checks and `done` run here, in order, so `uniq`
 * and the messages are as ks_check_record() makes them one by one.
 * Returns 0, or the status `done` stopped with.
 */
typedef int (*ks_checked_fn)(void *ctx, const char *path, int err,
			     struct ks_diags *rd);
int ks_check_records(struct ks_repo *r, char *const *paths, size_t n,
		     struct ks_unique *uniq, ks_checked_fn done, void *ctx);

/*
 * Validates a record tree of `kind` that is not in a file yet (a form, a
 * --set): its schema and its references.  Diagnostics name `display`.
 */
int ks_check_values(struct ks_repo *r, const char *kind,
		    const struct ks_node *root, const char *display,
		    struct ks_diags *d);

/*
 * Same, and the values under x-unique go into `uniq` (after the caller's
 * ks_unique_begin()).
 */
int ks_check_values_into(struct ks_repo *r, const char *kind,
			 const struct ks_node *root, const char *display,
			 struct ks_unique *uniq, struct ks_diags *d);

/*
 * One value against its subschema `s` (a form's answer): the schema and
 * the records it refers to (x-ref).  Uniqueness needs the whole survey:
 * see ks_answer_check().  Returns 0, KS_EINVALID with reasons, or -1.
 */
struct ks_snode;
int ks_check_value(struct ks_repo *r, const struct ks_snode *s,
		   const struct ks_node *value, struct ks_diags *d);

/* 1 for the temporary files of an interrupted atomic write (*.tmp-XXXXXX). */
int ks_is_temp_path(const char *path);

/* Every file under records/, relative to the work tree, sorted. */
int ks_list_records(struct ks_paths *out, struct ks_repo *r,
		    struct ks_diags *d);
/*
 * KS_EINVALID when a folder on the way to `relpath` (relative to the work
 * tree) is not a plain folder (a symbolic link: a folder moved to another
 * disk and linked back), or the path itself is there and is not a plain
 * file (a link, a named pipe, a device); KS_EIO when a folder cannot be
 * read.  A path that is simply absent is fine.
 */
int ks_plain_path(struct ks_repo *r, const char *relpath, struct ks_diags *d);
/*
 * Every file under `dir` (relative to the work tree), sorted; anything in
 * it that is not a plain file or folder is an error (ks_plain_path).
 */
int ks_list_files(struct ks_paths *out, struct ks_repo *r, const char *dir,
		  struct ks_diags *d);

/*
 * "S FILE BLOB-ID" for each file a schema may read (the schema folder's,
 * and the survey file naming the kinds), appended to `out`: what a cache
 * of checked records depends on.  0, or -1 when memory runs out.
 */
int ks_schema_files_id(struct ks_buf *out, struct ks_repo *r);

/*
 * Resolves what a person typed as a record: an id ("md01-0042") or a path
 * to a record file (relative to `cwd`).  Sets *relpath (ks_free).
 */
int ks_resolve_record(char **relpath, struct ks_repo *r, const char *arg,
		      const char *cwd, struct ks_diags *d);



/*
 * Appends the canonical text of a record of `kind` (keys in the order of
 * its schema when the schema compiles, byte order otherwise).
 */
int ks_record_format(struct ks_buf *out, struct ks_repo *r, const char *kind,
		     const struct ks_node *root);
#endif
