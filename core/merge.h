/*
 * Three-way merge of survey data: records merge field by field, conflicts
 * are kept as data, and the result never depends on which side is "ours".
 *
 * Rules (DESIGN.md, Merge): a field changed on one side takes that change;
 * the same change on both sides is no conflict; different changes are a
 * conflict, which leaves the field at its base value and records every
 * proposal (where the base has no value because the record, item or
 * mapping around the field is new on both sides, one side's value stays,
 * chosen by content, so that neither side's fields go missing).  Mappings merge key by key; arrays of objects with x-key merge
 * item by item; other arrays merge as one value.  A kind with x-merge:
 * record conflicts on any two concurrent edits of one record.  An object
 * with x-derived ({source: photo}) is a value made from other data: where
 * both sides set it differently, one a person gave wins over a derived one,
 * and of two derived ones the first by content stays, with no conflict
 * (the data they came from, the photos, are both kept).  Delete
 * against modify keeps the modified record and records the conflict; a side
 * that does not parse makes a whole-record conflict that keeps both texts.
 *
 * Symmetry: every choice depends only on the three values (and, for the
 * order of items added on both sides, on their keys), never on which side
 * is which, so merge(A, B) and merge(B, A) give the same tree.
 */
#ifndef KS_MERGE_H
#define KS_MERGE_H

#include <git2.h>
#include <stddef.h>

struct ks_buf;
struct ks_diags;
struct ks_doc;
struct ks_node;
struct ks_repo;
struct ks_snode;

#define KS_MERGE_STRICT 0x1	/* any two concurrent edits conflict */

/* One field in conflict; nodes are NULL where the value is absent. */
struct ks_mconflict {
	char *field;		/* "/phone", "/products[name=Chảo gang]/use";
				   "" for the whole record */
	const struct ks_node *base, *ours, *theirs;
};

struct ks_mconflicts {
	struct ks_mconflict *v;
	size_t n, alloc;
};

void ks_mconflicts_release(struct ks_mconflicts *c);
/* Appends a conflict; the nodes are not copied. */
int ks_mconflicts_add(struct ks_mconflicts *c, const char *field,
		      const struct ks_node *base, const struct ks_node *ours,
		      const struct ks_node *theirs);

/*
 * Merges one record (or any YAML tree).  *result is built in `out` and is
 * NULL when the merged record is absent (deleted on both sides, or deleted
 * on one and unchanged on the other).  `schema` (may be NULL) supplies
 * x-key; conflicts are appended to `c`, with nodes pointing into the three
 * inputs, which must outlive `c`.  Returns 0 or -1 (out of memory).
 */
int ks_merge_nodes(struct ks_node **result, struct ks_doc *out,
		   const struct ks_node *base, const struct ks_node *ours,
		   const struct ks_node *theirs, const struct ks_snode *schema,
		   unsigned flags, struct ks_mconflicts *c);

/*
 * Equal as data: quoting alone is no difference between two scalars that
 * are both text.
 */
int ks_merge_same(const struct ks_node *a, const struct ks_node *b);

struct ks_merge_stats {
	size_t taken;		/* files changed on one side, taken as they were */
	size_t merged;		/* records changed on both sides, merged */
	size_t conflicts;	/* conflict entries written */
	size_t conflicted_records;
	int fast_forward;
	int up_to_date;
};

/*
 * Merges commit `theirs` into main: the three-way merge of the trees from
 * their merge base, conflict entries under conflicts/, a merge commit with
 * both parents authored by this device, and the work tree updated.  The
 * work tree must have no uncommitted survey changes.
 */
int ks_merge_into_main(git_oid *out, struct ks_merge_stats *stats,
		       struct ks_repo *r, const git_oid *theirs,
		       const char *what, struct ks_diags *d);

/*
 * The same, for a caller that has just checked that the work tree has no
 * uncommitted change (a sync): reading a large work tree twice costs.
 */
int ks_merge_into_main_checked(git_oid *out, struct ks_merge_stats *stats,
			       struct ks_repo *r, const git_oid *theirs,
			       const char *what, struct ks_diags *d);

/*
 * Finishes a merge that was killed between updating the work tree and
 * moving main (see the journal in mergetree.c): main moves to the merge
 * and the paths it changes are checked out.  *recovered says whether there
 * was one.  Commands that read or write the survey call it first.
 */
int ks_merge_recover(struct ks_repo *r, int *recovered, struct ks_diags *d);

/* Who proposed a value in a conflict entry written outside a merge. */
struct ks_proposer {
	const char *author, *email, *device;
	const char *commit;	/* hex id, or NULL: not committed yet */
	git_time when;
};

/* This device's surveyor, now: the proposer of a change not committed yet. */
void ks_proposer_self(struct ks_proposer *p, struct ks_repo *r);

/*
 * Merges a surveyor's version of a work-tree file (`mine`, NULL when
 * deleted) with a version that arrived while they worked (`theirs`), from
 * the version both started from (`base`), field by field, and writes the
 * result into the work tree.  Each clash leaves the field at its base
 * value and becomes an entry under conflicts/ (joined with those open),
 * proposed by `pm` and `pt`; *conflicts counts them.  A side that does not
 * parse, or a deletion, keeps the surveyor's file as it is and the other
 * version in a whole-record entry.  Nothing the surveyor wrote is lost.
 */
int ks_merge_worktree_file(size_t *conflicts, struct ks_repo *r,
			   const char *relpath, const struct ks_buf *base,
			   const struct ks_buf *mine, const struct ks_buf *theirs,
			   const struct ks_proposer *pm,
			   const struct ks_proposer *pt, struct ks_diags *d);

/* 1 when a merge was interrupted and ks_merge_recover() has work to do. */
int ks_merge_pending(struct ks_repo *r);

/*
 * The tree that merging `a` and `b` gives (symmetric in a and b), without
 * touching any ref or the work tree.
 */
int ks_merge_trees_of(git_oid *tree, struct ks_merge_stats *stats,
		      struct ks_repo *r, const git_oid *a, const git_oid *b,
		      struct ks_diags *d);

#endif
