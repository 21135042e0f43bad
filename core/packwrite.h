/*
 * Writing a git pack (version 2, gitformat-pack) ourselves rather than
 * with libgit2's packbuilder, so that an incremental bundle can be thin:
 * a changed record, and each tree on its path, is written as a REF_DELTA
 * against the version the reader already holds, the way `git bundle
 * create` does it.  Objects new to the reader are tried against the ten
 * objects before them (same type, sorted by path and size) as OFS_DELTA.
 *
 * The reader completes a thin pack from its own objects: git index-pack
 * --fix-thin, or libgit2's git_indexer given the repository's odb.
 */
#ifndef KS_PACKWRITE_H
#define KS_PACKWRITE_H

#include <git2.h>
#include <stddef.h>
#include <stdint.h>

struct ks_pack_stats {
	size_t commits;		/* commits in the pack */
	size_t objects;		/* all objects in the pack, commits included */
	size_t deltas;		/* of those, written as deltas */
	size_t thin;		/* of those, against an object outside the pack */
	uint64_t bytes;		/* the pack's length, trailer included */
};

/* Receives the pack in pieces, in order; a non-zero return stops the write. */
typedef int (*ks_pack_write_fn)(const void *data, size_t len, void *payload);

/*
 * Writes to `fn` a pack of every object reachable from the commit `tip`
 * and not from any of the `nhidden` commits in `hidden`: the objects of
 * `git rev-list --objects tip --not hidden...`.  Hidden commits the
 * repository lacks are ignored.  Each tree is walked beside the hidden
 * commits' trees at the same path, and what equals theirs is not opened:
 * the cost follows what changed, not the survey.  So a file the reader
 * holds only at another path (a moved file) is written again.
 *
 * A tree or blob may be written as a REF_DELTA against the object at the
 * same path in the tree of a boundary commit (one of the hidden commits,
 * or a hidden parent of a packed commit), which the reader must hold: a
 * thin pack.  With nhidden == 0 the pack is complete; its deltas are
 * OFS_DELTA against objects earlier in it.  Commits come first, then trees
 * and blobs.  The same repository contents and arguments give the same
 * bytes.
 *
 * `st` (may be NULL) is filled on success.  Returns 0, -1 when memory runs
 * out, a libgit2 error code (< 0; git_error_last() says more), or the
 * non-zero value `fn` returned.  GIT_ERROR is -1 too: a caller tells
 * them apart with ks_alloc_failures() (libgit2 leaves the messages of
 * lookups that later succeeded, so git_error_last() cannot); a positive
 * value from `fn` keeps its failures apart.
 *
 * Memory: the objects listed (about 64 bytes each), plus at most ten
 * objects and their indexes in the delta window (32 MiB of objects at
 * most), plus the object being written, its base and their delta.
 */
int ks_pack_write(git_repository *repo, const git_oid *tip,
		  const git_oid *hidden, size_t nhidden,
		  ks_pack_write_fn fn, void *payload, struct ks_pack_stats *st);

#endif
