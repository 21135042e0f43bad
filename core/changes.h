/*
 * What changed in the work tree since the last commit: survey files only
 * (khaosat.yaml, members.yaml, allowed_signers, schema/, records/ and
 * conflicts/), each new, modified or deleted against HEAD.
 */
#ifndef KS_CHANGES_H
#define KS_CHANGES_H

#include <stddef.h>
#include <time.h>

struct ks_diags;
struct ks_gitindex;
struct ks_repo;
struct ks_wtstamp;

enum ks_change_kind {
	KS_CHANGE_NEW,
	KS_CHANGE_MODIFIED,
	KS_CHANGE_DELETED,
};

struct ks_change {
	enum ks_change_kind what;
	char *path;		/* relative to the work tree */
};

struct ks_changes {
	struct ks_change *v;
	size_t n, alloc;
	int index_is_head;	/* ks_changes_list() found git's index to
				   hold HEAD's tree: nothing staged */
	struct ks_gitindex *index; /* that index, as khaosat's own listing
				   read it (wtlist.h), or NULL */
	int want_stamps;	/* asked of ks_changes_list(): `stamps` */
	struct ks_wtstamp *stamps; /* each of `index`'s files' stat data,
				   as the listing found it, or NULL */
	time_t listed;		/* when the listing began */
};

void ks_changes_release(struct ks_changes *c);

/*
 * The stat data the listing found of the file at `path` (relative to the
 * work tree), when it was asked for (want_stamps) and the file is one of
 * git's index that was a regular file; else NULL.  Safe from several
 * threads at once.
 */
const struct ks_wtstamp *ks_changes_stamp(const struct ks_changes *c,
					  const char *path);

/* Adds a change (not in order: ks_changes_sort() after). */
int ks_changes_add(struct ks_changes *c, enum ks_change_kind what,
		   const char *path);
void ks_changes_sort(struct ks_changes *c);

/*
 * Lists changed survey files against HEAD, sorted by path.
 *
 * Git's index is compared with HEAD's tree only when it may differ: when
 * a listing found nothing staged, the index file's stat data and HEAD's
 * tree are kept in .git/khaosat/index-head, and while both are the same
 * the next listing compares the work tree with the index alone (at
 * 100,000 records a fifth of a check).  A plain `git add`, a commit or a
 * reset changes one of them.
 */
int ks_changes_list(struct ks_changes *out, struct ks_repo *r,
		    struct ks_diags *d);

/*
 * Notes that git's index holds HEAD's tree now: for a commit that wrote
 * both, after a listing that found nothing staged.
 */
void ks_changes_index_is_head(struct ks_repo *r);

/*
 * Reads git's index with gitindex.h, its SHA-1 checked unless the file
 * is the one last noted as HEAD's (whichever HEAD): ks_gitindex_read()'s
 * results.
 */
int ks_changes_read_index(struct ks_gitindex *ix, struct ks_repo *r);

/*
 * Adds the change of the one survey file `path` against HEAD, if it
 * changed: what ks_changes_list() would say of it, without comparing
 * the rest of the work tree.
 */
int ks_changes_of_path(struct ks_changes *out, struct ks_repo *r,
		       const char *path, struct ks_diags *d);

/* 1 when the path is a survey file that commits take. */
int ks_is_survey_path(const char *path);

/* 1 for a path under records/, or under conflicts/. */
int ks_is_record_path(const char *path);
int ks_is_conflict_path(const char *path);

/* The change of `path` in the sorted list, or NULL. */
const struct ks_change *ks_changes_find(const struct ks_changes *c,
					const char *path);

#endif
