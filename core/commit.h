/*
 * Committing what changed in the work tree (changes.h).
 *
 * Only survey files take part: khaosat.yaml, schema/, records/ and
 * conflicts/.  A commit is refused, and nothing is staged, when any new or
 * changed record is invalid; when the survey file or a schema changed, every
 * record is checked again.  Commits carry author = surveyor, committer = the
 * device, and a "Device: <id>" trailer.
 */
#ifndef KS_COMMIT_H
#define KS_COMMIT_H

#include <git2.h>
#include <stddef.h>

#include "changes.h"

struct ks_diags;
struct ks_repo;

/*
 * Checks and commits every change; *out receives the new commit id.
 * KS_ENOTFOUND when there is nothing to commit, KS_EINVALID (with the
 * record errors) when a changed record is invalid.
 */
int ks_commit_changes(git_oid *out, struct ks_repo *r, const char *message,
		      struct ks_diags *d);

/*
 * Checks and commits the change of one survey file, `path` (relative to
 * the work tree), leaving every other change in the work tree as it is.
 * KS_ENOTFOUND when it did not change.
 */
int ks_commit_path(git_oid *out, struct ks_repo *r, const char *path,
		   const char *message, struct ks_diags *d);

/* The same for the changes of `n` paths together, in one commit. */
int ks_commit_paths(git_oid *out, struct ks_repo *r, const char *const *paths,
		    size_t n, const char *message, struct ks_diags *d);

/*
 * Makes a commit of `tree` on refs/heads/main with the given parents (the
 * first must be the current tip, or none for the first commit), signed by
 * this device's identity, and moves main to it.
 */
int ks_commit_tree(git_oid *out, struct ks_repo *r, const git_oid *tree,
		   const git_oid *parents, size_t nparents,
		   const char *message, struct ks_diags *d);

/*
 * 0 when commits can be made as git's configuration asks (signed or not);
 * KS_EENV, before anything is written, when signing is asked for in a way
 * that cannot work (see sign.h).
 */
int ks_commit_can_sign(struct ks_repo *r, struct ks_diags *d);

/* Same, without moving any ref: the caller moves main when ready. */
int ks_commit_tree_only(git_oid *out, struct ks_repo *r, const git_oid *tree,
			const git_oid *parents, size_t nparents,
			const char *message, struct ks_diags *d);

/*
 * A commit time in the zone it was recorded in (the surveyor's), as
 * "2026-11-27 15:49 +0700", or with `iso` as "2026-11-27T15:49:02+07:00".
 */
void ks_format_time(char *buf, size_t n, const git_time *t, int iso);

/* The Device trailer's value in a commit message (ks_free), or NULL. */
char *ks_commit_device(const char *message);

#endif
