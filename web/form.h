/*
 * A record's form in the browser, generated from its schema: the same
 * fields, titles, choices and conditions as the terminal form, and the
 * same reading of what a person types (input.h).
 *
 * Each input is named by the JSON pointer of its value ("/name",
 * "/address/commune_name", "/products/0/name"); a list item of objects
 * also sends its own pointer, empty, so that an item with nothing filled
 * in yet is still there.  Everything else a form sends (its token, the
 * button pressed) has a name that does not start with "/".
 */
#ifndef KS_WEB_FORM_H
#define KS_WEB_FORM_H

struct ks_buf;
struct ks_diags;
struct ks_doc;
struct ks_node;
struct ks_repo;
struct ks_web_index;
struct ks_schema;
struct ks_web_form;

struct ks_form_view {
	struct ks_repo *repo;		/* for the pickers of x-ref fields */
	struct ks_web_index *index;	/* the same from the index, or NULL */
	const struct ks_schema *schema;
	struct ks_doc *doc;		/* the record as filled so far */
	const struct ks_diags *problems;	/* shown at their fields */
};

/*
 * The inputs of the whole record (not the <form> around them): sections
 * for objects, lists with buttons to add and remove items, choices for
 * enums, and each problem of `v->problems` under its field.  Fields the
 * answers so far rule out are left out, as the terminal form skips them.
 */
int ks_form_html(struct ks_buf *b, const struct ks_form_view *v);

/*
 * The record the posted fields `f` describe, as a new root of `doc`:
 * each value read as input.h reads typed text, for the field's schema.
 * A value that cannot be read is kept as typed (so the form shows it
 * again) and its reason goes into `d` at its pointer.  `old`, the record
 * the form was opened on (or NULL), gives back the fields the form does
 * not show (those the schema does not describe), so that nothing is
 * dropped by saving through the browser.  0, or -1 out of memory.
 */
int ks_form_read(struct ks_node **out, struct ks_doc *doc,
		 const struct ks_schema *schema, const struct ks_web_form *f,
		 const struct ks_node *old, struct ks_diags *d);

/*
 * Applies an "add POINTER" or "del POINTER" button to `root`: one more
 * (empty) item at the end of the list at POINTER, or the item at POINTER
 * removed.  0, KS_EINVALID when the button names no list, -1.
 */
int ks_form_op(struct ks_doc *doc, struct ks_node *root,
	       const struct ks_schema *schema, const char *op);

#endif
