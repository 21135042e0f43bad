/*
 * The one way khaosat writes a file: records, conflict files, journals,
 * bundles, exports and caches all go through it, so every one of them is
 * either the old file or the new one, never half of each, whatever
 * happens to the process or the power.
 *
 * A file is written under a temporary name in its own folder
 * ("<name>.tmp-XXXXXX", which `check`, the sweeps and git ignore), then,
 * for a durable file, flushed to the disk; renamed over the final name;
 * and, for a durable file, its folder flushed so that the rename itself
 * survives a power cut.  Every step's result is checked.  A final name
 * that exists and is not a regular file (a device such as /dev/full, a
 * FIFO, a folder, a symbolic link) is refused before anything is written:
 * the writer replaces files, never other things.
 *
 * Test kill points (crash.h) sit between the steps: "file: written",
 * "file: flushed", "file: renamed".
 */
#ifndef KS_FILE_H
#define KS_FILE_H

#include <stddef.h>
#include <stdio.h>

struct ks_buf;
struct ks_diags;

enum {
	KS_FILE_DURABLE = 0x1,	/* flush the file and its folder */
	KS_FILE_BY_NAME = 0x2,	/* the caller writes ks_file.tmp itself */
	KS_FILE_FOLDER = 0x4,	/* a folder of files, renamed whole */
	KS_FILE_FOLDERS = 0x8,	/* make the folders on the way */
};

/*
 * A file being written.  `tmp` is the temporary name; `fd` is open on it
 * (-1 with KS_FILE_BY_NAME or KS_FILE_FOLDER, where the caller writes
 * `tmp` by name: a library that opens files itself, or a folder).
 */
struct ks_file {
	char *path;
	char *tmp;
	int fd;
	unsigned flags;
	FILE *stream;		/* from ks_file_stream(), or NULL */
	int err;		/* errno of the first failed write, or 0 */
};

#define KS_FILE_INIT { NULL, NULL, -1, 0, NULL, 0 }

/*
 * Starts writing `path`; its folder must exist unless KS_FILE_FOLDERS.  Refuses with KS_EIO when
 * `path` is something other than a regular file.  On failure nothing
 * exists on disk and `f` needs no release.
 */
int ks_file_begin(struct ks_file *f, const char *path, unsigned flags,
		  struct ks_diags *d);

/* Appends bytes; a failure is remembered and reported by ks_file_commit(). */
int ks_file_write(struct ks_file *f, const void *data, size_t len);

/* A stdio stream on the file, owned by `f` (NULL when out of memory). */
FILE *ks_file_stream(struct ks_file *f);

/*
 * Flushes, renames the file over its final name and flushes the folder.
 * Releases `f` whatever the result; on failure the final name is as it
 * was and the temporary file is gone.
 */
int ks_file_commit(struct ks_file *f, struct ks_diags *d);

/*
 * Like ks_file_commit(), for a file a person may save at the same moment:
 * the new file is swapped in atomically, then `was` is asked whether the
 * file it displaced (`old_file`, NULL when there was none) is the one the
 * caller expected to replace (1 yes, 0 no, -1 cannot tell).  If not, the
 * two are swapped back, so the person's file stays, and the result is
 * KS_ECONFLICT with nothing reported (the caller names it).  On a file
 * system that cannot swap (FAT) it looks first, then renames.
 */
int ks_file_commit_if(struct ks_file *f,
		      int (*was)(const char *old_file, void *arg), void *arg,
		      struct ks_diags *d);

/* Drops the temporary file and releases `f`.  Safe on a released `f`. */
void ks_file_abort(struct ks_file *f);

/* The whole file at once: begin (making folders), write, commit. */
int ks_file_put(const char *path, const void *data, size_t len,
		unsigned flags, struct ks_diags *d);

/*
 * ks_file_put() of a buffer's text.  A buffer whose building ran out of
 * memory is refused and the file left as it was, so that no caller can
 * write an emptied text over a record.
 */
int ks_file_put_text(const char *path, const struct ks_buf *text,
		     unsigned flags, struct ks_diags *d);

/* Flushes the folder holding `path`, so that a rename in it is kept. */
int ks_file_sync_folder(const char *path);

/* "a symbolic link", "a named pipe"...: what a file mode is, for messages. */
const char *ks_file_kind(unsigned mode);

/* 1 when `path` is a folder (or a link to one). */
int ks_is_dir(const char *path);

/* The last part of a path: "b.bundle" of "a/b.bundle". */
const char *ks_base_name(const char *path);

/* Removes a file tree this program made (a failed init or clone). */
void ks_remove_tree(const char *path);

/*
 * Removes the folders in `dir` whose names start with `prefix` and that
 * were last changed over `seconds` ago: private work folders a killed
 * process left behind.
 */
void ks_sweep_stale(const char *dir, const char *prefix, long seconds);

/* A temporary file or folder older than this was left by a crash. */
#define KS_STALE_SECONDS 3600

#endif
