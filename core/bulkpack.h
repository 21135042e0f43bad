/*
 * The new blobs of a large commit (an import) written as one pack rather
 * than as a loose object each.  A loose object is a file of its own, an
 * inode and a flush to the disk: for 100,000 records, most of the time of
 * the commit.  The pack goes through libgit2's indexer, which writes the
 * pack and its index and flushes both before they take their names, so
 * the blobs are on the disk before the commit that names them is
 * written, as loose objects flushed one by one are.
 */
#ifndef KS_BULKPACK_H
#define KS_BULKPACK_H

#include <git2.h>
#include <stddef.h>

struct ks_diags;

/* A record file to store: where it is, and the blob id its text hashed to. */
struct ks_bulk_blob {
	const char *path;	/* absolute */
	const char *name;	/* for messages: relative to the work tree */
	git_oid id;
};

/*
 * Writes the blobs of the `n` files as one pack into the object database
 * of `repo`, reading each file again; one whose text no longer hashes to
 * its `id` (it changed meanwhile) stops the write with KS_EINVALID naming
 * it, and nothing is kept.  Blobs the repository holds already, and
 * repeats, are left out; with none left, nothing is written.  0, -1 when
 * memory runs out, or KS_EIO / KS_EINVALID with an error in `d`.
 */
int ks_bulk_pack_blobs(git_repository *repo, const struct ks_bulk_blob *v,
		       size_t n, struct ks_diags *d);

#endif
