/*
 * Values that must be unique across a kind (x-unique), checked where a
 * surveyor meets them: a form's answer as it is given, a record as it is
 * saved, the records a sync or a merge brought in.  Each compares some
 * records with every other record of the survey, committed or changed in
 * the work tree, and keeps only the clashes of those records.
 */
#ifndef KS_CLASH_H
#define KS_CLASH_H

#include <git2.h>

struct ks_diags;
struct ks_node;
struct ks_paths;
struct ks_repo;

/*
 * One value, at `pointer` in a record of `kind` that has (or will have)
 * `id`.  Returns 0, KS_EINVALID with the clashes in `d` (messages without
 * a location: the caller shows the field), or -1.
 */
int ks_clash_value(struct ks_repo *r, const char *kind, const char *id,
		   const char *pointer, const struct ks_node *value,
		   struct ks_diags *d);

/* Every x-unique value of a record's tree; same results. */
int ks_clash_record(struct ks_repo *r, const char *kind, const char *id,
		    const struct ks_node *root, struct ks_diags *d);

/*
 * The same, against the x-unique values the reading index keeps of every
 * record of the work tree (rindex.h: a server keeps it fresh), instead of
 * a status of every file and a walk of every committed record.  A record
 * deleted from the folder and not yet committed holds no value here.
 */
struct ks_rindex;
int ks_clash_record_index(struct ks_repo *r, struct ks_rindex *x,
			  const char *kind, const char *id,
			  const struct ks_node *root, struct ks_diags *d);

/*
 * The records at `paths` (sorted, in the work tree), each clash an error
 * at the value's place naming the other record.  Returns 0, KS_EINVALID
 * or -1.
 */
int ks_clash_paths(struct ks_repo *r, const struct ks_paths *paths,
		   struct ks_diags *d);

/*
 * The records that commit `to` added or changed since commit `from` (a
 * merge, a sync), as ks_clash_paths() judges them in the work tree.
 * `clean`: the caller knows the work tree holds HEAD's tree and nothing
 * else (a merge that needs a clean work tree just made it), so it is not
 * listed again for uncommitted records: at 100,000 records that listing
 * is an lstat() of every file.
 */
int ks_clash_between(struct ks_repo *r, const git_oid *from,
		     const git_oid *to, int clean, struct ks_diags *d);

#endif
