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

struct ks_unique {
	struct ks_table table;	/* of struct uentry (unique.c) */
	/* the record being indexed */
	const char *kind, *path, *id;
	const struct ks_schema *schema;	/* the kind's, for field titles */
	struct ks_diags *d;
	int quiet;		/* committed records: clashes are not ours */
	struct ks_buf *record;	/* values of the record, for the cache */
	size_t nrecord;
	struct ks_buf probe;	/* a probed value's key, reused */
	int oom;
};

/* A value of the record being indexed, at a line and column. */
void ks_unique_add_at(struct ks_unique *u, const char *pointer,
		      const char *value, size_t len, int line, int col);

/* The same value looked up only: a clash is reported, nothing is added. */
void ks_unique_probe_at(struct ks_unique *u, const char *pointer,
			const char *value, size_t len, int line, int col);

#endif
