/*
 * A map from object ids to numbers (or, ignoring the numbers, a set of
 * object ids), on the program's hash table (table.h).  A map that is all
 * zero bytes ({ 0 } or KS_OIDMAP_INIT) is empty.
 */
#ifndef KS_OIDMAP_H
#define KS_OIDMAP_H

#include "table.h"

#include <git2.h>
#include <stddef.h>

struct ks_oidmap {
	struct ks_table t;	/* of ids and their numbers (oidmap.c) */
	size_t n;		/* how many ids: t.n, for readers */
};

#define KS_OIDMAP_INIT { { NULL, NULL, 0, 0, 0 }, 0 }

/* 1 when added, 0 when `id` was there (its value unchanged), -1 out of memory. */
int ks_oidmap_put(struct ks_oidmap *m, const git_oid *id, size_t value);
/* 1 and its value in *value (may be NULL) when `id` is there, else 0. */
int ks_oidmap_get(const struct ks_oidmap *m, const git_oid *id, size_t *value);
/* Changes the value of an id that is there; 0, or -1 when it is not. */
int ks_oidmap_set(struct ks_oidmap *m, const git_oid *id, size_t value);
void ks_oidmap_release(struct ks_oidmap *m);

#endif
