/*
 * A record as a person reads it: each field by its title, each enum
 * value by its label (x-enum-titles), yes and no as words, lists
 * numbered, parts indented.  The YAML keeps the codes; this is only how
 * show puts them.
 */
#ifndef KS_LABELS_H
#define KS_LABELS_H

struct ks_buf;
struct ks_node;
struct ks_snode;

/*
 * Appends the mapping `n`, described by the schema `s` (NULL: by keys and
 * values as written), to `out`, one field a line.  0, or -1 when memory
 * runs out.
 */
int ks_labels_record(struct ks_buf *out, const struct ks_snode *s,
		     const struct ks_node *n);

#endif
