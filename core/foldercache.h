/*
 * The folders of the work tree that held only the files of git's index
 * when they were last read, each with its stat data: the walk for new
 * files (wtlist.c) skips reading a folder whose stat data is as noted
 * and whose entries in the index are the same, as git's untracked cache
 * does.  At 100,000 records that is a thousand folders not read, some
 * 100 ms of every listing.
 *
 * Making, renaming or removing a file in a folder moves the folder's
 * modification time, and setting that time back moves its change time,
 * which nothing can set: so a folder whose both times and inode are as
 * noted has the same names in it.  That holds on Linux's own file
 * systems (ext4, XFS, Btrfs, F2FS, ZFS, tmpfs, overlayfs), not on FAT,
 * which keeps no change time, nor on a network folder, whose times are
 * the server's; so the cache is used only on one of those, and only once
 * it was seen to keep to it, tested once (in .git/khaosat, which must be
 * on the same one) and again whenever the work tree moves to another.
 * A folder changed less than two seconds before a listing began is not
 * noted: a file made in it within the same tick of the clock would not
 * move its time.
 *
 * Kept in .git/khaosat/folders, only a cache: one that cannot be read
 * is made anew, one that cannot be written costs the next listing its
 * reading of the folders.  Not on Windows, nor when core.trustctime is
 * off (the change time is what makes a folder's times trustworthy).
 */
#ifndef KS_FOLDERCACHE_H
#define KS_FOLDERCACHE_H

#include <stdint.h>
#include <sys/stat.h>

struct ks_foldercache;

/*
 * The cache of the work tree open as `top` and the repository whose git
 * folder is `gitdir` (ending in '/'): NULL when the file system cannot
 * be trusted with it, or out of memory.
 */
struct ks_foldercache *ks_foldercache_open(const char *gitdir, int top);

/*
 * 1 when the folder `rel` (relative to the work tree, no '/' at its
 * end), whose stat data is `st` and whose entries in the index have the
 * digest `names` (the caller's, only compared), was noted with both: it holds
 * only the index's files, and its folders are the index's.
 */
int ks_foldercache_same(struct ks_foldercache *c, const char *rel,
			const struct stat *st, uint64_t names);

/*
 * Notes that the folder `rel`, whose stat data was `st` before it was
 * read, held only the index's files and folders (digest `names`).
 */
void ks_foldercache_note(struct ks_foldercache *c, const char *rel,
			 const struct stat *st, uint64_t names);

/*
 * With `write`, after a walk of every folder: writes the cache when it
 * changed (what it keeps is the folders found the same or noted in this
 * walk); then frees it.  Safe on NULL.
 */
void ks_foldercache_close(struct ks_foldercache *c, int write);

#endif
