/*
 * A cache of the values of committed records, so that checking one changed
 * record against a survey of 100,000 does not parse the other 99,999.
 *
 * The cache (.git/khaosat/record-cache) is keyed by blob id, kind and the
 * kind's schema blob id: content-addressed, so it can never describe a
 * record other than the one it was made from.  It is local and rebuilt
 * from the repository whenever it is missing, stale or unreadable.
 */
#ifndef KS_RECORDCACHE_H
#define KS_RECORDCACHE_H

#include <stddef.h>

struct ks_changes;
struct ks_diags;
struct ks_paths;
struct ks_repo;
struct ks_unique;

/*
 * Compares the values already in `u` (those of the records just checked)
 * with every record committed at HEAD except the paths in `skip` (sorted),
 * and reports each clash at the checked record.  Committed values are not
 * added, so clashes among committed records are not this call's concern.
 *
 * The values are looked up in the table of unique values (uniqtab.h,
 * .git/khaosat/unique-table), with the records changed since the table's
 * tree read from HEAD; written again once more than a few changed.  With
 * no table to use, every committed record is walked through the cache,
 * and the walk makes the table.
 *
 * `listing`: a listing of the work tree just made (changes.h), or NULL.
 * When it found git's index to hold HEAD's tree (index_is_head), the
 * committed records are taken from the index the listing read rather
 * than from HEAD's trees (at 100,000 records, 0.51 G instructions
 * instead of 0.85 G for a probe).  A conflict in the index falls back to
 * the trees.
 */
int ks_unique_probe_head(struct ks_unique *u, struct ks_repo *r,
			 const struct ks_paths *skip,
			 const struct ks_changes *listing, struct ks_diags *d);

/*
 * Checks every record committed at HEAD that is not in `changed` (sorted
 * paths that differ in the work tree): from the cache when a record's blob
 * was seen valid before and its references still exist, from the work tree
 * otherwise.  Unique values go into `u`; *count is how many were checked.
 * `listing` as above.
 */
int ks_check_committed(struct ks_unique *u, struct ks_repo *r,
		       const struct ks_paths *changed,
		       const struct ks_changes *listing, size_t *count,
		       struct ks_diags *d);

#endif
