/*
 * The index of unique values from inside, for the record cache
 * (recordcache.c), which replays cached values into it, and for clash.c,
 * which feeds it the values the reading index keeps.  Nothing else
 * should need it.
 */
#ifndef KS_UNIQUE_INT_H
#define KS_UNIQUE_INT_H

#include "buf.h"
#include "table.h"

#include <stddef.h>

struct ks_diags;
struct ublock;
struct ufield;

struct ks_unique {
	struct ks_table table;	/* of struct uentry (unique.c) */
	/*
	 * What the entries point to, copied once: the values and each
	 * record's "path NUL id" in blocks freed together, the (kind,
	 * field) pairs in a short list.  At 100,000 records this is a third
	 * of one allocation per string.
	 */
	struct ublock *blocks;
	struct ufield *fields;
	size_t nfields, afields, field;	/* `field`: the last one used */
	const char *rec;	/* the record being indexed, once copied */
	/* the record being indexed */
	const char *kind, *path, *id;
	int placed;		/* `path` is the one `kind` and `id` give */
	const struct ks_schema *schema;	/* the kind's, for field titles */
	struct ks_diags *d;
	int quiet;		/* committed records: clashes are not ours */
	struct ks_buf *record;	/* values of the record, for the cache */
	size_t nrecord;
	int oom;
};

/*
 * Says that the record just begun lies where its kind and id put it
 * (ks_record_path_split() found them in its path), so that only its id is
 * kept: 38 bytes fewer for each of 100,000 committed records.
 */
void ks_unique_placed(struct ks_unique *u);

/* Room for `n` values in all, so that the index grows once. */
int ks_unique_reserve(struct ks_unique *u, size_t n);

/* A value of the record being indexed, at a line and column. */
void ks_unique_add_at(struct ks_unique *u, const char *pointer,
		      const char *value, size_t len, int line, int col);

/* Each value indexed, with its record's kind and its field's pointer. */
void ks_unique_each(const struct ks_unique *u,
		    void (*fn)(void *ctx, const char *kind, const char *pointer,
			       const char *value, size_t len),
		    void *ctx);
/* The same value looked up only: a clash is reported, nothing is added. */
void ks_unique_probe_at(struct ks_unique *u, const char *pointer,
			const char *value, size_t len, int line, int col);

#endif
