/*
 * Values that must be unique across all records of a kind (x-unique): an
 * index of the values of the records checked, each clash reported at the
 * record that brings it.  The committed survey's values come from the
 * record cache (recordcache.h).
 */
#ifndef KS_UNIQUE_H
#define KS_UNIQUE_H

#include <stddef.h>

struct ks_diags;
struct ks_schema;
struct ks_node;
struct ks_paths;
struct ks_repo;
struct ks_unique;

struct ks_unique *ks_unique_new(void);
void ks_unique_free(struct ks_unique *u);

/*
 * The record whose values follow; errors about it go to `d`.  `schema`:
 * the kind's, which names its fields in messages (NULL: by their keys).
 */
void ks_unique_begin(struct ks_unique *u, const char *kind,
		     const struct ks_schema *schema, const char *path,
		     const char *id, struct ks_diags *d);
/*
 * One value under an x-unique schema.  A value already held by another
 * record is an error at the value's location naming the other record.
 */
void ks_unique_value(struct ks_unique *u, const char *pointer,
		     const struct ks_node *value);
/* -1 when memory ran out while indexing (the checks are incomplete). */
int ks_unique_report(struct ks_unique *u, struct ks_diags *d);

#endif
