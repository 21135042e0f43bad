/*
 * Open conflicts, as the merge leaves them: one file per record under
 * conflicts/<record path>, listing each conflicting field with its base
 * value and every proposal (value, author, device, commit, time).  They are
 * data, so they sync like records; resolving one is a normal commit that
 * sets the field and removes the entry.
 */
#ifndef KS_CONFLICT_H
#define KS_CONFLICT_H

#include <git2.h>
#include <stddef.h>

struct ks_diags;
struct ks_doc;
struct ks_node;
struct ks_paths;
struct ks_repo;

struct ks_conflict_entry {
	const char *file;		/* the record's path */
	const char *field;		/* "/phone", "" for the whole record */
	const struct ks_node *base;	/* NULL when absent */
	const struct ks_node *proposals;	/* a list of mappings */
	const char *conflict_path;	/* conflicts/<file> */
};

struct ks_conflict_set {
	struct ks_conflict_entry *v;
	size_t n, alloc;
	struct ks_doc **docs;		/* owners of the nodes */
	size_t ndocs;
};

void ks_conflict_set_release(struct ks_conflict_set *s);

/* How conflict files are written: keys in a fixed, readable order. */
struct ks_layout;
const struct ks_layout *ks_conflict_layout(void);
const void *ks_conflict_layout_root(void);

/*
 * Reads the open conflicts in the work tree (all, or those of one record
 * path when `only` is not NULL), ordered by record and field.
 */
int ks_conflicts_load(struct ks_conflict_set *out, struct ks_repo *r,
		      const char *only, struct ks_diags *d);

/*
 * The same, from the conflict files of a commit's tree (`verify` judges
 * what was committed, not the work tree).
 */
int ks_conflicts_load_tree(struct ks_conflict_set *out, struct ks_repo *r,
			   git_tree *tree, struct ks_diags *d);

/*
 * One error per open conflict, at the field's location in the record (or
 * the nearest enclosing value that exists).
 */
int ks_conflicts_report(struct ks_repo *r, const struct ks_conflict_set *s,
			struct ks_diags *d);

/*
 * Finds the node at a field path ("/products[name=Chảo gang]/use"); when
 * it does not exist, *nearest is the deepest enclosing node that does.
 */
const struct ks_node *ks_field_find(const struct ks_node *root,
				    const char *field,
				    const struct ks_node **nearest);

/*
 * Sets (or, with value NULL, removes) the field in `root`, creating the
 * mappings and keyed items on the way.  Returns 0 or KS_EINVALID.
 */
int ks_field_set(struct ks_doc *doc, struct ks_node *root, const char *field,
		 const struct ks_node *value, struct ks_diags *d);

/*
 * A person changed fields of the record at `relpath` that have open
 * conflicts (`before`: the record as committed, `now`: as typed): each such
 * field's entry is settled by the typed value and removed from the
 * conflict file (the file goes with its last entry), with a note.  A field
 * put back to the conflict's base settles nothing (the merge leaves that
 * value there, and so would a recovered merge).  *settled: how many.
 * Returns 0, KS_EIO or -1.
 */
int ks_conflicts_settle_typed(struct ks_repo *r, const char *relpath,
			      const struct ks_node *before,
			      const struct ks_node *now, size_t *settled,
			      struct ks_diags *d);

/*
 * Settles one conflict of the record at `relpath`: `choice` is the value
 * to keep (NULL: remove the field, or the record for field ""), `text`
 * the raw text to keep for a record that did not parse.  Writes the record
 * and the conflict file (removed when it was the last entry); the caller
 * commits.  A field's conflict on a record that no longer exists only
 * closes (a deleted record's conflicts go with it).
 */
int ks_conflict_resolve(struct ks_repo *r, const char *relpath,
			const char *field, const struct ks_node *choice,
			const char *text, struct ks_diags *d);

#endif
