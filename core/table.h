/*
 * The one hash table of the program's own indexes: open addressing with
 * linear probing over fixed-size entries that the caller lays out (a key
 * and whatever goes with it).  The caller hashes its keys (ks_hash() in
 * buf.h for bytes) and says when an entry holds a key; the table keeps
 * each entry's hash beside it, so that the equality function is called
 * only where whole hashes agree and growing never hashes again.
 *
 * The slots hold only entry numbers (4 bytes each); the entries lie in
 * one dense array, each behind its hash, in the order they were added
 * (a removal moves the last entry into the hole).  At most half the
 * slots are used, so a table of 100,000 entries of 32 bytes takes about
 * 6 MB, where entries in the slots themselves would take 10.
 *
 * Invariants: `cap` is 0 or a power of two of at least 16; n <= cap / 2;
 * the array has room for cap / 2 entries; a used slot holds the entry's
 * number plus 1, a free one 0.
 *
 * Entries are aligned as a size_t is.  An entry's address holds until the
 * next addition or removal, either of which may move entries.  The table
 * frees nothing an entry points to: the caller walks the entries with
 * ks_table_next() to do so before ks_table_release().  Out of memory is
 * returned, never ignored, and the table is then as it was.
 */
#ifndef KS_TABLE_H
#define KS_TABLE_H

#include <stddef.h>
#include <stdint.h>

struct ks_table {
	uint32_t *slot;		/* cap slots: an entry's number + 1, 0 when free */
	unsigned char *entry;	/* cap / 2 of: a size_t hash, then `size` bytes */
	size_t n, cap, size;
};

#define KS_TABLE_INIT(type) { NULL, NULL, 0, 0, sizeof(type) }

/* 1 when `entry` holds `key` (both as the caller lays them out), else 0. */
typedef int (*ks_table_eq_fn)(const void *entry, const void *key);

/* An empty table of entries of `size` bytes; allocates nothing. */
void ks_table_init(struct ks_table *t, size_t size);
/* Frees the slots and entries; the table is then empty, for entries of the same size. */
void ks_table_release(struct ks_table *t);

/* The entry that holds `key`, whose hash is `hash`, or NULL. */
void *ks_table_find(const struct ks_table *t, size_t hash, const void *key,
		    ks_table_eq_fn eq);

/*
 * The entry that holds `key`, made when there is none: 1 and a new
 * zeroed entry in *entry for the caller to fill with the key, 0 and the
 * entry that holds it, or -1 out of memory (*entry NULL).
 */
int ks_table_put(struct ks_table *t, size_t hash, const void *key,
		 ks_table_eq_fn eq, void **entry);

/*
 * A new zeroed entry under `hash`, no entry compared: for a key the
 * caller knows is not there.  NULL when out of memory.
 */
void *ks_table_add(struct ks_table *t, size_t hash);

/* Room for `n` entries in all without growing; 0, or -1 out of memory. */
int ks_table_reserve(struct ks_table *t, size_t n);

/* Removes an entry that ks_table_find() or ks_table_next() gave. */
void ks_table_remove(struct ks_table *t, void *entry);

/*
 * The entries in the array's order, none twice: start with *i at 0; NULL
 * at the end.  No addition or removal while walking.
 */
void *ks_table_next(const struct ks_table *t, size_t *i);

#endif
