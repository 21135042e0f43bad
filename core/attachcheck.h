/*
 * Attached files and their records agree: checked for what changed in the
 * work tree, by `check` and before every commit.  A new or changed file
 * must be whole, of the type its name says, named by the hash of its
 * content, and listed by its record; a file gone must not be listed by a
 * record that stays; a changed record must list every file of its folder,
 * and a deleted one leave none.
 */
#ifndef KS_ATTACHCHECK_H
#define KS_ATTACHCHECK_H

struct ks_changes;
struct ks_diags;
struct ks_repo;

/* 0, KS_EINVALID with an error for each problem, or -1. */
int ks_attach_check_changes(struct ks_repo *r, const struct ks_changes *c,
			    struct ks_diags *d);

#endif
