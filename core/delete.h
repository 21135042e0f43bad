/*
 * Deleting a record the way a surveyor expects: the file goes and the
 * deletion is saved to the survey history at once, with its reason in the
 * message, so that it reaches every laptop at the next sync as a deletion.
 * Other changes in the work tree are left as they are.
 */
#ifndef KS_DELETE_H
#define KS_DELETE_H

#include <git2.h>

struct ks_diags;
struct ks_repo;

/*
 * Deletes the record at `relpath` and commits only that, with `message`.
 * A record never saved to the history is only removed (*saved 0).  When
 * the commit is refused (another record refers to this one), the record
 * is put back as it was and the reasons are in `d`.
 */
int ks_delete_record(git_oid *out, int *saved, struct ks_repo *r,
		     const char *relpath, const char *message,
		     struct ks_diags *d);

#endif
