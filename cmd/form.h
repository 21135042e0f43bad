/*
 * The interactive record form: asks for each field of a schema by its
 * Vietnamese title, offers enums as numbered menus, re-asks with the reason
 * when an answer is invalid, and handles nested objects and lists.
 */
#ifndef KS_FORM_H
#define KS_FORM_H

struct ks_doc;
struct ks_node;
struct ks_snode;

/*
 * Fills `map` (a mapping in `doc`, possibly holding values already, which
 * become the defaults) by asking on the terminal.  When `only` is not
 * NULL, asks only for that top-level field.  Returns 0, or -1 when the
 * input ended.
 */
int form_fill(struct ks_doc *doc, struct ks_node *map,
	      const struct ks_snode *schema, const char *only);

/* Prints a value for a person: scalars as text, lists and maps summarised. */
void form_print_value(const struct ks_node *v);

#endif
