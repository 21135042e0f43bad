/*
 * Field-level history over the commit graph: what changed between two
 * points (diff), every change of every field of one record (history), and
 * who last set each field (blame).
 *
 * Attribution sees through merges.  A commit "introduces" the value of a
 * field when the value differs from that field in every parent: an edit,
 * or a merge that had to leave a field at its base value because of a
 * conflict.  A merge that takes a value from one side introduces nothing,
 * so a value that reached main through merges is attributed to the commit
 * on some laptop that first wrote it.  Identical blobs on two lines share
 * their attribution, so the walk costs one parse per distinct version of
 * the record, not one per commit.
 */
#ifndef KS_HISTORY_H
#define KS_HISTORY_H

#include <git2.h>
#include <stddef.h>

#include "fielddiff.h"

struct ks_diags;
struct ks_doc;
struct ks_repo;

/* ---- diff between two points ---- */

enum ks_file_change {
	KS_FILE_ADDED,
	KS_FILE_DELETED,
	KS_FILE_MODIFIED,
};

struct ks_file_diff {
	enum ks_file_change what;
	char *path;			/* survey-relative */
	char *kind, *id;		/* for a record; NULL otherwise */
	struct ks_doc *old, *new;	/* NULL when absent or not parsed */
	char *unreadable;		/* why fields could not be compared */
	struct ks_field_changes fields;
};

struct ks_file_diffs {
	struct ks_file_diff *v;
	size_t n, alloc;
};

void ks_file_diffs_release(struct ks_file_diffs *f);

/*
 * The survey files that differ from commit `from` to commit `to` (NULL:
 * the work tree), each with its field changes, sorted by path.  `only` (a
 * survey-relative path, may be NULL) limits it to one file.
 */
int ks_survey_diff(struct ks_file_diffs *out, struct ks_repo *r,
		   git_commit *from, git_commit *to, const char *only,
		   struct ks_diags *d);

/* ---- history of one record ---- */

enum ks_event_kind {
	KS_EVENT_EDIT,		/* a commit that changed the record */
	KS_EVENT_RESOLUTION,	/* a commit that settled an open conflict */
	KS_EVENT_MERGE,		/* a merge's own change (a conflict's base) */
	KS_EVENT_CONFLICT,	/* a merge recorded a conflict */
};

/* Who made a commit, when, where. */
struct ks_commit_info {
	git_oid id;
	char *summary;
	char *author, *email, *device;
	git_time when;			/* the author's time and zone */
	int parents;
	/* Not on main's first-parent line: the merge there that brought it. */
	int arrived;
	git_oid arrival;
	git_time arrival_when;
};

/* The commits a history or blame refers to, each once. */
struct ks_commit_list {
	struct ks_commit_info *v;
	size_t n, alloc;
};

void ks_commit_list_release(struct ks_commit_list *l);

struct ks_event {
	enum ks_event_kind kind;
	size_t commit;			/* index into ks_history.commits.v */
	struct ks_field_change change;	/* for a conflict: op '!', the field;
					   old = the value kept, new = NULL */
	const struct ks_node *proposals;	/* a conflict's, from its entry */
	int created, deleted;		/* the record itself came or went */
};

struct ks_history {
	struct ks_commit_list commits;
	struct ks_event *events;	/* oldest first */
	size_t nevents, events_alloc;
	struct ks_doc **docs;		/* owners of the nodes */
	size_t ndocs, docs_alloc;
	char *path;			/* the record's path */
	const struct ks_snode *schema;
};

void ks_history_release(struct ks_history *h);

/*
 * Every change to the record `id` in the history of `tip` (NULL: HEAD),
 * oldest first; with `field` (a normalised field path, see
 * ks_field_normalise), only changes to that field, inside it or
 * enclosing it.  KS_ENOTFOUND when the record never existed.
 */
int ks_history_record(struct ks_history *out, struct ks_repo *r,
		      const char *id, git_commit *tip, const char *field,
		      struct ks_diags *d);

/* ---- blame ---- */

struct ks_blame_line {
	char *field;			/* the leaf's path */
	const struct ks_node *value;
	size_t commit;			/* index into ks_blame.commits.v */
	int line;			/* where the leaf starts in `text` */
};

struct ks_blame {
	struct ks_commit_list commits;
	struct ks_blame_line *lines;	/* in the order of the record */
	size_t nlines, lines_alloc;
	char *text;			/* the record, canonical */
	struct ks_doc *doc;		/* `text` parsed: owns the values */
	char *path;
	const struct ks_snode *schema;
};

void ks_blame_release(struct ks_blame *b);

/*
 * For every field of the record `id` as committed at `tip` (NULL: HEAD),
 * the commit that introduced its value.
 */
int ks_blame_record(struct ks_blame *out, struct ks_repo *r, const char *id,
		    git_commit *tip, struct ks_diags *d);

/*
 * The path of record `id`: where it is at `tip` (NULL: HEAD), or where it
 * was before it was deleted.  KS_ENOTFOUND when it never existed.
 */
int ks_record_path_in_history(char **out, struct ks_repo *r, const char *id,
			      git_commit *tip, struct ks_diags *d);

/* ---- the commit behind one value ---- */

/*
 * One record's history at one tip, kept to ask who wrote its fields (a
 * merge asks for every proposal of a record's conflicts).
 */
struct ks_origins;

/*
 * Walks the history of the record at `path` (present at `tip` or not).
 * KS_ENOTFOUND when no commit of that history has it.
 */
int ks_origins_open(struct ks_origins **out, struct ks_repo *r,
		    const char *path, git_commit *tip, struct ks_diags *d);

/*
 * The commit that gave `field` ("" for the whole record) its state at the
 * tip: for a leaf, the commit blame credits (a merge that only carried it
 * introduces nothing; a settlement that kept a proposal keeps its
 * writer); for a mapping or a whole record, the commit where it became
 * exactly what it is (the merge that joined parts made on two lines); for
 * a value that is absent, the commit that removed it (or the record).
 */
int ks_origins_find(git_oid *out, struct ks_origins *o, const char *field);

void ks_origins_free(struct ks_origins *o);

/* Fills `ci` from a commit (strings are ks_free'd by the release calls). */
int ks_commit_info_fill(struct ks_commit_info *ci, const git_commit *c);
void ks_commit_info_release(struct ks_commit_info *ci);

#endif
