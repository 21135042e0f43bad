/*
 * Schemas: JSON Schema 2020-12 (written in YAML or JSON) compiled once into
 * an immutable tree of subschemas, then used to validate many records.
 *
 * Invariants:
 *  - A compiled struct ks_schema never changes; validating with it only
 *    reads it, so one schema may be used from several threads at once as
 *    long as each call has its own diagnostics list and options.
 *  - Every $ref, $dynamicRef (static part), pattern and enum is resolved or
 *    prepared at compile time; a schema that compiles has no dangling
 *    references.
 *  - Scalars are typed by the schema: a plain YAML scalar is read by the
 *    YAML 1.2 core schema, except that where the schema at that point admits
 *    a string but not the scalar's core type, it is that string.  Quoted
 *    scalars are always strings.  KS_VALIDATE_JSON turns the schema typing
 *    off for instances that are JSON.
 *  - Pointers returned by the introspection functions (struct ks_snode,
 *    names, titles, enum values) live as long as the schema.
 *
 * Diagnostics are located at the offending value (the schema file for a
 * broken schema, the record for an invalid record) and carry a JSON Pointer
 * and the keyword that failed.
 */
#ifndef KS_SCHEMA_H
#define KS_SCHEMA_H

#include <stddef.h>

struct ks_buf;
struct ks_diags;
struct ks_doc;
struct ks_node;
struct ks_layout;

struct ks_schema;	/* compiled; immutable after compile */
struct ks_snode;	/* one (sub)schema inside a compiled schema */

/* Compile flags. */
#define KS_SCHEMA_STRICT 0x1	/* unknown keywords are errors */
/*
 * `format` is an annotation only, as the JSON Schema specification has it
 * by default (the conformance suite's core tests expect this).  Without the
 * flag, the formats khaosat knows are asserted.
 */
#define KS_SCHEMA_FORMAT_ANNOTATION 0x2

/*
 * Limits; deeper schemas or instances are reported, not followed.  A
 * validation also stops, with an error, after a number of subschema
 * applications that grows with the record's size (nested anyOf/oneOf can
 * otherwise take exponential time).
 */
#define KS_SCHEMA_MAX_DEPTH 128	/* schema nesting in a document */
#define KS_SCHEMA_MAX_EVAL_DEPTH 256	/* subschemas along one path */

/*
 * Loads and compiles a schema file (YAML or JSON).  `display` names it in
 * diagnostics (NULL: `fspath`).  A $ref to another file resolves relative to
 * the referring file's directory; only files inside the schema's own folder
 * are read.  A broken schema gives located errors (path:line:col) and
 * KS_EINVALID; a missing file KS_ENOTFOUND; a file that cannot be read
 * KS_EIO; -1 when memory runs out.  On success *out is the schema
 * (ks_schema_free).  Unknown keywords and formats are warnings in `d`.
 */
int ks_schema_load(struct ks_schema **out, const char *fspath,
		   const char *display, unsigned flags, struct ks_diags *d);

/*
 * Compiles an already parsed document; takes ownership of `doc` (freed on
 * failure too).  base_dir: where relative file $refs resolve, may be NULL
 * (then only references inside the document resolve).
 */
int ks_schema_compile(struct ks_schema **out, struct ks_doc *doc,
		      const char *base_dir, unsigned flags,
		      struct ks_diags *d);

/*
 * Fetches the document named by an absolute URI (no fragment) that a $ref
 * or $schema points to.  Returns 0 with *out set (the schema takes
 * ownership), KS_ENOTFOUND when there is no such document (the compiler
 * then reports the $ref), or another status with diagnostics in d.
 */
typedef int (*ks_schema_fetch_fn)(void *ctx, const char *uri,
				  struct ks_doc **out, struct ks_diags *d);

struct ks_schema_opts {
	unsigned flags;		/* KS_SCHEMA_* */
	/* The document's URI, when it has one; NULL: from base_dir. */
	const char *base_uri;
	/* Directory for relative file references; NULL: none. */
	const char *base_dir;
	/*
	 * Asked first for every document a reference needs; KS_ENOTFOUND
	 * falls back to files under base_dir.  NULL: only files.
	 */
	ks_schema_fetch_fn fetch;
	void *fetch_ctx;
};

#define KS_SCHEMA_OPTS_INIT { 0, NULL, NULL, NULL, NULL }

/* ks_schema_compile() with every option; takes ownership of `doc`. */
int ks_schema_compile_opts(struct ks_schema **out, struct ks_doc *doc,
			   const struct ks_schema_opts *opts,
			   struct ks_diags *d);

/* NULL is a no-op. */
void ks_schema_free(struct ks_schema *s);

/* Validation flags. */
#define KS_VALIDATE_JSON 0x1	/* the instance is JSON: no schema typing */

struct ks_validate_opts {
	/*
	 * x-ref: 1 if a record `id` of `kind` exists, else 0.  NULL: x-ref
	 * is not checked.
	 */
	int (*ref_exists)(void *ctx, const char *kind, const char *id);
	/*
	 * x-unique: called once per value found under an x-unique schema
	 * (pointer = JSON Pointer of the value).  NULL: skipped.  The caller
	 * builds the cross-record index.  Values are reported for valid and
	 * invalid records alike.
	 */
	void (*unique_value)(void *ctx, const char *pointer,
			     const struct ks_node *value);
	void *ctx;
	unsigned flags;		/* KS_VALIDATE_* */
};

/*
 * Validates `instance` (its file is `path`, for diagnostics); appends every
 * error (not just the first) to d, each with path, line, col, JSON Pointer,
 * keyword and message.  Returns 0 if valid, KS_EINVALID if not, -1 when
 * memory runs out.  opts may be NULL.
 */
int ks_schema_validate(const struct ks_schema *s,
		       const struct ks_node *instance, const char *path,
		       const struct ks_validate_opts *opts,
		       struct ks_diags *d);

/*
 * One value against one subschema (interactive forms ask again with the
 * reason).  Pointers in diagnostics are relative to `instance`.
 */
int ks_snode_validate(const struct ks_snode *n,
		      const struct ks_node *instance, const char *path,
		      const struct ks_validate_opts *opts,
		      struct ks_diags *d);

/*
 * The property that a diagnostic of a validation above says is missing
 * (keywords "required" and "dependentRequired", which forms turn into a
 * question): its name (ks_free), or NULL for any other diagnostic.
 */
struct ks_diag;
char *ks_diag_missing_property(const struct ks_diag *dg);

/*
 * Canonical writer support (see struct ks_layout in record.h): key order is
 * the `properties` order (following $ref, allOf, anyOf, oneOf, if/then/else
 * and dependentSchemas, in schema order); is_string is 1 where the schema's
 * type is exactly "string".  The layout contexts live as long as the schema.
 */
const struct ks_layout *ks_schema_layout(void);
const void *ks_schema_layout_root(const struct ks_schema *s);

/*
 * Introspection, for interactive forms, merge and export.  Property lookup
 * and listing follow $ref and allOf (merged, in schema order; the first
 * subschema found for a name wins).  The other accessors return the value
 * of the subschema itself, else the first found along $ref and allOf.
 */
const struct ks_snode *ks_schema_root(const struct ks_schema *s);
size_t ks_snode_property_count(const struct ks_snode *n);
const char *ks_snode_property_name(const struct ks_snode *n, size_t i);
const struct ks_snode *ks_snode_property(const struct ks_snode *n,
					 const char *name);
int ks_snode_is_required(const struct ks_snode *n, const char *name);
/*
 * Like ks_snode_property(), then also in the subschemas that apply only
 * under a condition (if/then/else, dependentSchemas, anyOf, oneOf): for a
 * field that a condition both requires and describes.
 */
const struct ks_snode *ks_snode_cond_property(const struct ks_snode *n,
					      const char *name);
/* `items` of an array schema, or NULL. */
const struct ks_snode *ks_snode_items(const struct ks_snode *n);

#define KS_TYPE_NULL	0x01
#define KS_TYPE_BOOLEAN	0x02
#define KS_TYPE_OBJECT	0x04
#define KS_TYPE_ARRAY	0x08
#define KS_TYPE_NUMBER	0x10
#define KS_TYPE_STRING	0x20
#define KS_TYPE_INTEGER	0x40

/* Allowed types (intersected along $ref and allOf); 0 = unconstrained. */
unsigned ks_snode_types(const struct ks_snode *n);
const char *ks_snode_title(const struct ks_snode *n);
/*
 * readOnly: true: a field a form neither shows nor asks (another command
 * writes it, as `attach` writes attachments); a form keeps its value.
 */
int ks_snode_read_only(const struct ks_snode *n);
const char *ks_snode_description(const struct ks_snode *n);
const char *ks_snode_format(const struct ks_snode *n);
/*
 * 1 with *min and *max when `n` takes whole numbers from minimum to
 * maximum (both set, both whole), else 0.
 */
int ks_snode_int_range(const struct ks_snode *n, long long *min,
		       long long *max);
/* maxLength (in characters), or 0 when the schema sets none */
size_t ks_snode_max_length(const struct ks_snode *n);
/* x-ref kind, x-key field, or NULL */
const char *ks_snode_xref(const struct ks_snode *n);
const char *ks_snode_xkey(const struct ks_snode *n);
/* x-derived of an object: the {field: value} that marks a derived value. */
const struct ks_node *ks_snode_xderived(const struct ks_snode *n);
int ks_snode_xunique(const struct ks_snode *n);
size_t ks_snode_enum_count(const struct ks_snode *n);
const struct ks_node *ks_snode_enum_value(const struct ks_snode *n,
					  size_t i);
/* From x-enum-titles {value: label}, or NULL. */
const char *ks_snode_enum_title(const struct ks_snode *n, size_t i);
/*
 * The field at `pointer` as a person names it, appended to `out`: titles
 * from the top of the record down, an item by its number from 1
 * ("Sản phẩm 2 › Tên sản phẩm"), a field without a title by its name.
 * `s` may be NULL (names only).  0, or -1 when memory runs out.
 */
int ks_schema_label(const struct ks_schema *s, const char *pointer,
		    struct ks_buf *out);
/* 1 when some subschema says x-unique: true (its records have such values). */
int ks_schema_has_unique(const struct ks_schema *s);

/* The top-level x-merge ("record") or NULL. */
const char *ks_schema_xmerge(const struct ks_schema *s);

/*
 * Checks a string against a named format (date, date-time, time, email,
 * uri, uuid, ipv4, hostname, vn-tax-code, vn-phone).  Returns 1 when valid,
 * 0 when invalid (with a reason in `why` when there is one, e.g. "tax code
 * check digit should be 8"; "" otherwise), -1 for an unknown format.
 * `why` may be NULL.
 */
int ks_format_check(const char *format, const char *s, size_t len,
		    char *why, size_t whylen);
/* 1 when ks_format_check() knows `format`. */
int ks_format_known(const char *format);

#endif
