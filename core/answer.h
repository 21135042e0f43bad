/*
 * Checking a form's answer against the survey at the moment it is given,
 * so that a surveyor fixes a wrong reference or a value another record
 * already holds while still looking at the question, not after the whole
 * form.  The same checks as `khaosat check` makes of a saved record.
 */
#ifndef KS_ANSWER_H
#define KS_ANSWER_H

struct ks_diags;
struct ks_node;
struct ks_repo;
struct ks_snode;

/*
 * Checks `value`, found at `pointer` in a record of `kind` that has (or
 * will have) `id`, against its subschema `s`: the schema, the records it
 * refers to (x-ref) and, under x-unique, every other record of the kind,
 * committed or changed in the work tree.  Returns 0, KS_EINVALID with the
 * reasons in `d` (messages without a location), or -1.
 */
int ks_answer_check(struct ks_repo *r, const char *kind, const char *id,
		    const struct ks_snode *s, const char *pointer,
		    const struct ks_node *value, struct ks_diags *d);

/*
 * 1 when, with the answers in `map` so far, the schema `parent` of that
 * object forbids the field `name` whatever its value (a condition such as
 * `then: {not: {required: [name]}}`, or the schema false): a form does not
 * ask it.  0 when it may be given (or is there already), -1 out of memory.
 * `map` is left as it was.
 */
struct ks_doc;
int ks_field_forbidden(struct ks_doc *doc, const struct ks_snode *parent,
		       struct ks_node *map, const char *name);

/*
 * The rules between fields of one object (x-compare) that the answer
 * `value` for the field `name` of `map` breaks, given the answers so far:
 * KS_EINVALID with each in `d` (the message names the other field), 0
 * when it breaks none, -1 out of memory.  `map` is left as it was.
 */
int ks_answer_rules(struct ks_doc *doc, const struct ks_snode *parent,
		    struct ks_node *map, const char *name,
		    struct ks_node *value, struct ks_diags *d);

/*
 * Fills the fields every record of a survey has, when the schema `s` has
 * them and `root` does not: the surveyor (`who`) and today's date as
 * surveyed_at.  0, or -1 when memory runs out.
 */
struct ks_identity;
int ks_record_defaults(struct ks_doc *doc, struct ks_node *root,
		       const struct ks_snode *s, const struct ks_identity *who);

#endif
