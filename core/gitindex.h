/*
 * git's index file (.git/index) read and written by khaosat itself, for
 * the two things it does at every command: list what changed in the work
 * tree, and note the files a commit saved.
 *
 * libgit2 1.5 turns every entry into an allocated object on reading and
 * writes every one back: about 8,000 instructions an entry at 100,000
 * records, three times git's own cost.  Here the file is mapped (as git
 * and libgit2 map it) and read once, its pages let go of behind the
 * reading; the entries are kept in one array, their stat data in another
 * and their paths in one buffer.  A write copies the entries that did
 * not change as they were.
 *
 * Versions 2, 3 and 4 are read; version 4 is written (git reads it since
 * 1.8; libgit2 since 0.21).  The file's SHA-1 is checked on reading
 * (unless the caller knows the file) and written.  Optional extensions
 * (TREE, REUC, UNTR, ...: caches of git's, named in capitals) are dropped
 * on writing, as git allows; of TREE, the id of the tree all the entries
 * make is kept on reading (has_root), when git left it valid.  A file
 * with a required extension (split or sparse index) is refused, so that
 * the caller uses libgit2, which refuses it too or knows it.
 *
 * The file is replaced as git replaces it: written to "index.lock",
 * created exclusively (a plain git holding the lock wins, and the write
 * is given up: the index is only a cache), flushed, renamed.
 */
#ifndef KS_GITINDEX_H
#define KS_GITINDEX_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#define KS_GITINDEX_STAGE(flags) (((flags) >> 12) & 3)
#define KS_GITINDEX_EXTENDED 0x4000
#define KS_GITINDEX_VALID 0x8000	/* "assume unchanged" */

/*
 * One entry, its numbers as git stores them (32 bits each).  Its stat
 * data is apart, in `stat` at the same number: what a listing compares,
 * and may let go of after (ks_gitindex_drop_stat).
 */
struct ks_gitindex_entry {
	unsigned char id[20];
	uint32_t mode;
	uint16_t flags;		/* stage, flag bits; the length recomputed */
	uint16_t flags2;	/* version 3's extended flags */
	uint32_t path;		/* offset of its path in `paths` */
	uint32_t path_len;
	unsigned char fresh;	/* its stat data taken by this process */
};

struct ks_gitindex_stat {
	uint32_t ctime_s, ctime_ns, mtime_s, mtime_ns;
	uint32_t dev, ino, uid, gid, size;
};

struct ks_gitindex {
	unsigned version;
	struct ks_gitindex_entry *v;
	struct ks_gitindex_stat *stat;	/* one for each of `v`; NULL once
					   let go of */
	size_t n, alloc;
	char *paths;		/* NUL-terminated paths, one after the other
				   (less than 4 GiB of them) */
	size_t paths_len, paths_alloc;
	struct stat st;		/* of the file that was read */
	int has_file;		/* there was a file to read */
	int has_root;		/* git's cache of the entries' tree is valid */
	unsigned char root[20];	/* and says this tree */
};

#define KS_GITINDEX_INIT { 0, NULL, NULL, 0, 0, NULL, 0, 0, { 0 }, 0, 0, { 0 } }

void ks_gitindex_release(struct ks_gitindex *ix);

/*
 * Lets go of every entry's stat data, for a caller done comparing the
 * work tree that keeps only the paths, ids and modes (at 100,000 entries,
 * 3.6 MB of 7.6).  The index can then be read, not changed or written:
 * ks_gitindex_put() returns -1 and ks_gitindex_write() 1.
 */
void ks_gitindex_drop_stat(struct ks_gitindex *ix);

/*
 * Reads the index at `file`: 0, also when there is no file (an empty
 * index, has_file 0); 1 when the file is damaged, of another version or
 * has a required extension (libgit2 should be asked instead); -1 out of
 * memory or when it cannot be read.  With `verify`, its SHA-1 is checked
 * first, as libgit2 does; git itself does not, and a caller that knows
 * the file by its stat data as one already checked need not either.
 */
int ks_gitindex_read(struct ks_gitindex *ix, const char *file, int verify);

static inline const char *ks_gitindex_path(const struct ks_gitindex *ix,
					   const struct ks_gitindex_entry *e)
{
	return ix->paths + e->path;
}

/*
 * The position of `path` at stage 0: 1 when it is there (*pos its
 * index), 0 when not (*pos where it would go).
 */
int ks_gitindex_find(const struct ks_gitindex *ix, const char *path,
		     size_t len, size_t *pos);

/* The first entry whose path is >= `prefix` (a folder "dir/"). */
size_t ks_gitindex_lower(const struct ks_gitindex *ix, const char *prefix,
			 size_t len);

/* Whether two stat results are of the same unchanged file. */
int ks_gitindex_same_file(const struct stat *a, const struct stat *b);

/* Entry `at`'s stat data from lstat(): git keeps the low 32 bits. */
void ks_gitindex_set_stat(struct ks_gitindex *ix, size_t at,
			  const struct stat *st);

/*
 * Sets `path` at stage 0 to `mode` and blob `id` with the stat data `st`
 * (NULL: none, so that the next status reads the file), adding the entry
 * when it is not there.  0, or -1 out of memory.
 */
int ks_gitindex_put(struct ks_gitindex *ix, const char *path, unsigned mode,
		    const unsigned char id[20], const struct stat *st);

/* Removes `path` at every stage: 1 when it was there, 0 when not. */
int ks_gitindex_remove(struct ks_gitindex *ix, const char *path);

/*
 * Writes the index to `file` as version 4.  Entries kept from the file
 * read whose time is not older than that file's (git's "racily clean"
 * entries: the file may have changed again in the same tick) are written
 * with size 0, so that git and libgit2 read their files again rather
 * than trust a time the new index's own would hide.
 * With `durable`, flushed before the rename, and the folder after it.
 * 0 (ix->st is then the new file's); 1 when the index changed on disk
 * since it was read or a plain git holds its lock (nothing written); -1
 * when it cannot be written.
 */
int ks_gitindex_write(struct ks_gitindex *ix, const char *file, int durable);

#endif
