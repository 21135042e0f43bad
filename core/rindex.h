/*
 * The reading index: what the commands and pages that read many records
 * need of each record of the work tree (its kind and id, the keys of
 * dupes.h, its facet text, its position, the values stats counts), kept
 * in .git/khaosat/read-index.sqlite, so that listing, searching,
 * filtering or counting 100,000 records reads no record.
 *
 * An entry is keyed by its file's path and stat data (size, modification
 * and change times, inode), as git's index is, and its facet text by the
 * kind's facets: a refresh reads again only the files whose stat data
 * changed, and every record of a kind whose facets changed.  A file
 * changed within the second the refresh began is read again next time,
 * since a later change could keep its times.
 *
 * It is a cache: local, never synced, and rebuilt from the work tree when
 * it is missing, damaged or of another version.  The records themselves
 * stay the truth; nothing is decided from the index alone that writes.
 */
#ifndef KS_RINDEX_H
#define KS_RINDEX_H

#include <stddef.h>

struct ks_changes;
struct ks_diags;
struct ks_dupe_index;
struct ks_dupe_query;
struct ks_paths;
struct ks_repo;
struct ks_rindex;

/* The index of `r`'s work tree; made empty when there is none yet. */
int ks_rindex_open(struct ks_rindex **out, struct ks_repo *r,
		   struct ks_diags *d);
void ks_rindex_close(struct ks_rindex *x);

/*
 * Brings the index up to the work tree: every record file's stat data is
 * compared, changed files are read, gone ones dropped.  *read, when not
 * NULL, is how many files were read.  A record that does not read is kept
 * with its id alone.  0, -1 out of memory, or an error status.
 */
int ks_rindex_refresh(struct ks_rindex *x, size_t *read, struct ks_diags *d);

/*
 * The same, with the stat data of the files `listing` holds as it found
 * them (checkall.h: a whole check's listing, made just before), so that
 * they are not looked at twice; the others are looked at.
 */
int ks_rindex_refresh_listed(struct ks_rindex *x,
			     const struct ks_changes *listing, size_t *read,
			     struct ks_diags *d);

/*
 * The files under records/ that the last ks_rindex_refresh() met and did
 * not read because they are not plain files (symbolic links, named
 * pipes...): for a command that refuses them, as check.h's listing does.
 */
const struct ks_paths *ks_rindex_not_plain(const struct ks_rindex *x);

/*
 * The same for the record files `paths` alone (relative to the work
 * tree; others are ignored), for a caller that knows what changed.
 */
int ks_rindex_refresh_paths(struct ks_rindex *x, const char *const *paths,
			    size_t n, struct ks_diags *d);

/*
 * Each record of the index, by path: its path, kind, id and the values
 * `khaosat stats` counts (statsval.h; NULL when it does not read), given
 * to `fn`, which returns 0 to go on.  0, or the first other status.
 */
int ks_rindex_each(struct ks_rindex *x,
		   int (*fn)(void *ctx, const char *path, const char *kind,
			     const char *id, const char *stats),
		   void *ctx, struct ks_diags *d);

/* counts[i]: the records of kind i of the survey (ks_repo_kind()). */
int ks_rindex_counts(struct ks_rindex *x, size_t *counts, struct ks_diags *d);

/*
 * Adds to `ix` the records of `kind` (NULL: every kind) that hold, at each
 * facet N of the kind (facets.h) for which held[N] is not NULL, the value
 * held[N] (`nheld` entries; none without a kind), and that `match` takes
 * when not NULL (dupes.h), ordered by id as ks_dupe_index_load() orders
 * them: the `count` from the `first` on (count 0: all).  *total is how
 * many records match in all.
 */
int ks_rindex_load(struct ks_rindex *x, struct ks_dupe_index *ix,
		   size_t *total, const char *kind, const char *const *held,
		   size_t nheld, struct ks_dupe_query *match, size_t first,
		   size_t count, struct ks_diags *d);

/*
 * The records other than `except` (a path) that hold `value` (`len`
 * bytes) under the x-unique field `pointer` of `kind`, as the index has
 * them: each given to `found` with its place, id and the value's line and
 * column.  0, -1, or an error status.
 */
int ks_rindex_holders(struct ks_rindex *x, const char *kind,
		      const char *pointer, const char *value, size_t len,
		      const char *except,
		      int (*found)(void *ctx, const char *path, const char *id,
				   int line, int col),
		      void *ctx, struct ks_diags *d);

/* Records with a position of their own, for a map. */
struct ks_rindex_place {
	char *id, *name;	/* name may be NULL */
	double lat, lon;
};

struct ks_rindex_places {
	struct ks_rindex_place *v;
	size_t n, alloc;
	size_t total;		/* in the box, `max` or not */
};

/*
 * The records positioned within the box from (south, west) to (north,
 * east), in degrees: `max` of them at most, and how many there are.
 */
int ks_rindex_places(struct ks_rindex *x, struct ks_rindex_places *out,
		     double south, double west, double north, double east,
		     size_t max, struct ks_diags *d);
void ks_rindex_places_release(struct ks_rindex_places *p);

/*
 * Every record of `kind` (NULL: every kind) that reads, as
 * ks_dupe_index_load() gives them (one that does not read is left out
 * with a warning naming it), from the index brought up to the work tree;
 * from the records themselves when the index cannot be used.  Only with
 * KS_RINDEX_WORDS in `want` does a record loaded from the index have its
 * words (dupes.h: what a search matches) and facet text; without, its
 * words are " " and its facet text "", which is what finding pairs needs
 * and some half of what a record's row holds.
 */
#define KS_RINDEX_WORDS 0x1
int ks_rindex_dupe_load(struct ks_dupe_index *ix, struct ks_repo *r,
			const char *kind, unsigned want, struct ks_diags *d);

#endif
