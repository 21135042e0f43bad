/*
 * A record as a person reads it: each field by its title, each enum
 * value by its label (x-enum-titles), yes and no as words, lists
 * numbered, parts indented.  The YAML keeps the codes; this is only how
 * show puts them.
 */
#ifndef KS_LABELS_H
#define KS_LABELS_H

struct ks_buf;
struct ks_field_change;
struct ks_node;
struct ks_snode;

/*
 * Appends the mapping `n`, described by the schema `s` (NULL: by keys and
 * values as written), to `out`, one field a line.  0, or -1 when memory
 * runs out.
 */
int ks_labels_record(struct ks_buf *out, const struct ks_snode *s,
		     const struct ks_node *n);

/*
 * Appends the scalar `v` as a person reads it: its label when `s` (its
 * schema, may be NULL) has one for it, yes or no, or the text.
 */
int ks_labels_value(struct ks_buf *out, const struct ks_snode *s,
		    const struct ks_node *v);

/*
 * The field at the field path `field` (fielddiff.h: "/workers/regular",
 * "/products[name=Chảo gang]/output") as a person names it: its titles
 * from the top down, "Sản phẩm [Chảo gang] › Sản lượng", an item by its
 * number from 1; "the whole record" for "".  `root` may be NULL.
 */
int ks_labels_path(struct ks_buf *out, const struct ks_snode *root,
		   const char *field);
/*
 * A change on one line for people: "~ Loại hình: Hộ kinh doanh →
 * Hợp tác xã", "+ field: value", "- field, was value"; choices by their
 * labels, other values as ks_value_inline() writes them.
 */
int ks_labels_change(struct ks_buf *out, const struct ks_snode *root,
		     const struct ks_field_change *c);

/* What a caller adds to each line, such as who set its value (blame). */
struct ks_labels_opts {
	/*
	 * Called at the start of each line with the value the line shows, or
	 * NULL for the title of a group or a list.  With it, each value of a
	 * list has a line of its own.
	 */
	void (*line)(void *ctx, struct ks_buf *out, const struct ks_node *value);
	void *ctx;
};

int ks_labels_record_with(struct ks_buf *out, const struct ks_snode *s,
			  const struct ks_node *n,
			  const struct ks_labels_opts *o);

#endif
