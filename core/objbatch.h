/*
 * The objects a merge makes, kept in memory and written as one pack.  A
 * merge of a thousand records on each side makes a thousand trees; written
 * as loose objects each is a file of its own, flushed to the disk with its
 * folder: two thousand flushes, most of the merge's time on a disk that
 * honours them.  As one pack they are one file and its index, each
 * flushed before it takes its name (libgit2's indexer), and written
 * before anything names them: the commit is written before the work tree
 * or main moves to it, as the loose objects were.
 *
 *   ks_objbatch_begin()   objects written to the repository from now on
 *                         are kept in memory (and read from there)
 *   ks_objbatch_write()   they are written as one pack; objects written
 *                         after it go to the disk as before
 *   ks_objbatch_end()     the memory is given back; objects never written
 *                         (a merge that stopped) are dropped
 *
 * The store is an object database backend of the repository, first in
 * its order; between batches it holds nothing and passes every question
 * on, and the next batch of the same repository uses it again.  A merge
 * runs under the survey's exclusive lock (lock.h): the objects a batch
 * keeps are the merge's own.
 */
#ifndef KS_OBJBATCH_H
#define KS_OBJBATCH_H

#include <git2.h>

struct ks_diags;
struct ks_objbatch;

/* 0, or -1 (an error in libgit2's) when the store cannot be added. */
int ks_objbatch_begin(struct ks_objbatch **out, git_repository *repo);

/*
 * The objects kept written as one pack into the repository, flushed;
 * none: nothing written.  0, or KS_EIO with an error in `d` (`what` the
 * subject of its message).
 */
int ks_objbatch_write(struct ks_objbatch *b, const char *what,
		      struct ks_diags *d);

/* The batch closed (NULL: nothing). */
void ks_objbatch_end(struct ks_objbatch *b);

#endif
