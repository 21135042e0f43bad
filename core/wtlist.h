/*
 * The survey's files in the work tree compared with git's index, without
 * libgit2's status: for the usual case, where khaosat has noted that the
 * index holds HEAD's tree (changes.c), this is the whole of "what changed
 * since the last commit".
 *
 * It decides as libgit2 1.5's status does (diff_generate.c): a file whose
 * size differs from its entry's is changed; one whose times, inode, owner
 * or group differ, or whose time is not older than the index file's own
 * (git's racy case), is read and hashed, with the repository's filters,
 * and changed only when its id differs.  Files in the survey's folders
 * that the index does not hold, and git does not ignore, are new.  Only
 * the files the caller wants are looked at (changes.c: the survey's).
 *
 * Anything out of the ordinary is left to libgit2, which knows git's
 * every rule: an entry at a conflict stage or with git's flags, a link or
 * other non-plain file, a file whose executable bit changed, a folder
 * that cannot be read, a nested repository, a configuration that turns
 * off file modes, links or case; an index this reader refuses.
 *
 * Files whose stat data changed but not their content (a survey copied to
 * another disk, a file touched) have it refreshed in the index, as
 * libgit2's GIT_STATUS_OPT_UPDATE_INDEX does, when `refresh` is set.
 */
#ifndef KS_WTLIST_H
#define KS_WTLIST_H

#include <sys/stat.h>

struct ks_gitindex;
struct ks_repo;

enum ks_wt_change {
	KS_WT_NEW,
	KS_WT_MODIFIED,
	KS_WT_DELETED,
};

/*
 * A file's stat data as ks_wtlist() found it, for a reader that looks at
 * the same files next (rindex.c): the times in nanoseconds.  `plain` is 0
 * when the file was not looked at, or was gone or not a regular file.
 */
struct ks_wtstamp {
	long long size, mtime, ctime, ino;
	int plain;
};

/* k's size, times and inode from `st` (`plain` is the caller's). */
void ks_wtstamp_of(struct ks_wtstamp *k, const struct stat *st);

/* What the caller asks for, and where the answers go. */
struct ks_wtlist_ask {
	/*
	 * 1: look at this file, or at this top-level folder ("name/": all
	 * of it); asked from several threads at once
	 */
	int (*wanted)(const char *path);
	/* each change, in no order: 0, or -1 to stop */
	int (*found)(void *payload, enum ks_wt_change what, const char *path);
	void *payload;
	/* when not NULL: each entry's of the index (ix->n of them) */
	struct ks_wtstamp *stamps;
};

/*
 * Hands ask->found() every wanted file new, modified or deleted in the
 * work tree against `ix`, git's index as the caller read it (gitindex.h).
 * 0 when listed (*refreshed: the index was written again, with `ix`'s
 * stat data refreshed); 1 when libgit2 must be asked instead, whatever
 * was handed so far; -1 out of memory or when found() stopped it.
 */
int ks_wtlist(struct ks_repo *r, struct ks_gitindex *ix,
	      const struct ks_wtlist_ask *ask, int refresh, int *refreshed);

/*
 * The id git would store for the work tree's file `path` (at `abs`), as
 * ks_wtlist() hashes it: a plain blob id when no filter can apply (no
 * core.autocrlf, no attributes file, none in `ix`, git's index as read),
 * else libgit2's, with the filters.  libgit2 alone would load the whole
 * index to look for attributes.  0, or -1 with libgit2's error.
 */
struct git_oid;
int ks_wtlist_hash(struct git_oid *id, struct ks_repo *r,
		   const struct ks_gitindex *ix, const char *abs,
		   const char *path);

#endif
