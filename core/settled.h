/*
 * What one side of a merge settled: the conflict entries its own commits
 * (those the other side does not have) removed.  A merge asks it when an
 * entry is open on one side only: if the other side settled it, it is
 * gone; if not, the other side never saw it, and it stays open.  The
 * answer depends on the two histories alone, never on a merge base, so
 * laptops that merge through different bases agree (see mergetree.c).
 */
#ifndef KS_SETTLED_H
#define KS_SETTLED_H

#include <git2.h>

struct ks_node;
struct ks_settled;

/*
 * Collects the settlements of the commits reachable from `tip` and not
 * from `other`: each non-merge commit that removed an entry from a file
 * under conflicts/ (a resolve, a record deleted with its conflicts, a
 * conflict file removed by hand).  Returns 0 or -1 (git error, out of
 * memory).
 */
int ks_settled_collect(struct ks_settled **out, git_repository *repo,
		       const git_oid *tip, const git_oid *other);

/*
 * 1 when `entry`, an entry of conflicts/<...> at `cpath`, was settled: the
 * settlements of its field in that file proposed every value it proposes.
 * An entry with a proposal no settlement saw is still open.
 */
int ks_settled_covers(const struct ks_settled *s, const char *cpath,
		      const struct ks_node *entry);

void ks_settled_free(struct ks_settled *s);

/* 1 when two proposals propose the same: a value, a text, a deletion. */
int ks_proposal_same(const struct ks_node *a, const struct ks_node *b);

#endif
