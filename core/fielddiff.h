/*
 * Field-level differences between two versions of a record (or of any
 * YAML tree): what `khaosat diff` prints and what `history` and `blame`
 * are built on.
 *
 * Fields are named as the merge and conflicts name them: "/phone",
 * "/address/commune", "/products[name=Chảo gang]/output" (items of an
 * array whose schema has x-key are addressed by their key, so an item keeps
 * its name when others are added or removed).  Arrays without x-key are one
 * value, as they are for the merge.
 */
#ifndef KS_FIELDDIFF_H
#define KS_FIELDDIFF_H

#include <stddef.h>

struct ks_buf;
struct ks_node;
struct ks_snode;

enum ks_field_op {
	KS_FIELD_ADDED = '+',
	KS_FIELD_REMOVED = '-',
	KS_FIELD_CHANGED = '~',
};

struct ks_field_change {
	enum ks_field_op op;
	char *field;			/* "" for the whole value */
	const struct ks_node *old, *new;	/* NULL where absent */
};

struct ks_field_changes {
	struct ks_field_change *v;
	size_t n, alloc;
};

void ks_field_changes_release(struct ks_field_changes *c);

/*
 * Appends the differences from `old` to `new` (either may be NULL: the
 * record did not exist) to `out`, in the order of the fields in `new` and
 * then those only in `old`.  A mapping or keyed item added or removed as a
 * whole is one change.  `schema` (may be NULL) supplies x-key.  The nodes
 * point into the inputs.  Returns 0 or -1 (out of memory).
 */
int ks_field_diff(struct ks_field_changes *out, const struct ks_node *old,
		  const struct ks_node *new, const struct ks_snode *schema);

/*
 * Calls `fn` for every leaf of `root` (a scalar, an array without x-key,
 * an empty mapping) with its field path and the line it starts on (its
 * key's line).  Stops at and returns the first non-zero return of `fn`;
 * -1 when memory runs out.
 */
int ks_field_leaves(const struct ks_node *root, const struct ks_snode *schema,
		    int (*fn)(const char *field, const struct ks_node *value,
			      int line, void *arg),
		    void *arg);

/*
 * The schema of the value at a field path, following properties, items
 * and keyed items; NULL where the schema says nothing.
 */
const struct ks_snode *ks_field_schema(const struct ks_snode *root,
				       const char *field);

/*
 * Turns a field as a person types it into a field path: "workers.regular",
 * "/workers/regular" and "products[name=Chảo gang].output" are accepted
 * (dots inside [...] are part of the key).  Returns a new string (ks_free)
 * or NULL when memory runs out.
 */
char *ks_field_normalise(const char *field);

/* 1 when `a` is `b` or inside it, or `b` inside `a`. */
int ks_field_overlaps(const char *a, const char *b);

/*
 * A value on one line, for people: strings in double quotes with JSON
 * escapes, numbers, booleans and null as written, mappings as {k: v} and
 * arrays as [a, b]; "(none)" for NULL.
 */
int ks_value_inline(struct ks_buf *out, const struct ks_node *n);

/*
 * A change on one line, without a newline: "~ /phone: \"09..\" → \"09..\"",
 * "+ /field: value", "- /field, was value" ("/" for the whole value).
 */
int ks_field_change_format(struct ks_buf *out, const struct ks_field_change *c);

/*
 * A value as JSON: a scalar the YAML core schema reads as a number, a
 * boolean or null (and that the schema does not declare a string) is that
 * JSON value; everything else is a JSON string; null for NULL.
 */
int ks_value_json(struct ks_buf *out, const struct ks_node *n,
		  const struct ks_snode *schema);

#endif
