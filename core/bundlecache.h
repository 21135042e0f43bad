/*
 * Which bundle files on a stick were read whole and found intact, so that a
 * sync reads an unchanged bundle's header and last bytes, not its whole
 * pack, each time (.git/khaosat/bundle-cache).
 *
 * An entry is a file name (<device>.bundle) with the stamp of the file that
 * was checked (bundle.h: its size, modification time and the pack's
 * checksum as its last 20 bytes say).  Only intact files are entered (read
 * whole, or just written by this laptop), so a damaged bundle is read
 * again at every sync until it is replaced.  The
 * cache is local to the laptop and only a cache: a missing one, or one that
 * does not read back exactly as it was written, is started afresh, which
 * costs reading each bundle once more and nothing else.
 *
 * The trade: a file changed behind the cache's back with its size, time
 * and last 20 bytes kept as they were (flash memory decaying in place, or
 * a byte changed and the time set back) is trusted until the file or the
 * cache changes.
 */
#ifndef KS_BUNDLECACHE_H
#define KS_BUNDLECACHE_H

#include <git2.h>
#include <stddef.h>

#include "bundle.h"

struct ks_diags;

#define KS_BUNDLE_CACHE_FILE "khaosat/bundle-cache"
/* Entries kept: a few sticks' worth of devices. */
#define KS_BUNDLE_CACHE_MAX 256
#define KS_BUNDLE_CACHE_NAME_MAX 64

struct ks_bundle_cache_entry {
	char name[KS_BUNDLE_CACHE_NAME_MAX + 1];
	struct ks_bundle_stamp stamp;
	int used;		/* met or entered by this run */
};

struct ks_bundle_cache {
	char *path;		/* the cache file */
	struct ks_bundle_cache_entry *v;
	size_t n, alloc;
	int changed;		/* to be written back */
};

#define KS_BUNDLE_CACHE_INIT { NULL, NULL, 0, 0, 0 }

/*
 * Reads the cache of `repo` into `c` (initialised).  A missing, unreadable
 * or damaged cache file gives an empty cache.  -1 only when memory runs
 * out; release `c` in every case.
 */
int ks_bundle_cache_load(struct ks_bundle_cache *c, git_repository *repo);

/* 1 when a file `name` with exactly this stamp was found intact before. */
int ks_bundle_cache_has(struct ks_bundle_cache *c, const char *name,
			const struct ks_bundle_stamp *st);

/*
 * Enters the file `name`, just found intact, with its stamp.  A stamp of
 * size 0 (the file changed while it was read) or a name that cannot be
 * kept is not entered.  -1: memory.
 */
int ks_bundle_cache_add(struct ks_bundle_cache *c, const char *name,
			const struct ks_bundle_stamp *st);

/*
 * Writes the cache back when it changed: the entries this run met first,
 * at most KS_BUNDLE_CACHE_MAX.  KS_EIO with a diagnostic when it cannot be
 * written (a caller may ignore that: it is only a cache).
 */
int ks_bundle_cache_save(struct ks_bundle_cache *c, struct ks_diags *d);

void ks_bundle_cache_release(struct ks_bundle_cache *c);

#endif
