/*
 * Records: YAML documents parsed into a tree that remembers where every
 * node came from, and the canonical writer that prints a tree back.
 *
 * The reader accepts the YAML that people and tools write by hand (and JSON,
 * which is YAML) but refuses, with a located error, what would make a record
 * ambiguous: duplicate keys, anchors and aliases, tags, tabs in indentation,
 * bytes that are not UTF-8, more than one document.  Every string (keys and
 * values) is normalised to NFC as it is read.
 *
 * Scalars are kept as text plus one bit, `quoted`: whether the author wrote
 * them in a non-plain style.  What a plain scalar means (string, number,
 * boolean, null) is decided by the schema where it has an opinion, and by the
 * YAML 1.2 core schema otherwise (ks_scalar_type()); no YAML 1.1 guessing.
 *
 * Ownership: a struct ks_doc owns every node and string in its tree (they
 * live in the document's arena); nodes are valid until ks_doc_free().  Nodes
 * built with ks_node_*() belong to the document they were made in and may
 * only be linked into that document's tree.
 */
#ifndef KS_RECORD_H
#define KS_RECORD_H

#include <stddef.h>

struct ks_buf;
struct ks_diags;

enum ks_node_kind {
	KS_NODE_SCALAR,
	KS_NODE_MAP,
	KS_NODE_SEQ,
};

/* YAML 1.2 core-schema reading of a scalar. */
enum ks_scalar_type {
	KS_SCALAR_NULL,
	KS_SCALAR_BOOL,
	KS_SCALAR_INT,
	KS_SCALAR_FLOAT,
	KS_SCALAR_STRING,
};

struct ks_node;

struct ks_pair {
	const char *key;	/* NUL-terminated, NFC */
	size_t key_len;
	int line, col;		/* of the key; 1-based, 0 if built in memory */
	struct ks_node *value;
};

struct ks_node {
	enum ks_node_kind kind;
	int line, col;		/* where the node starts; 0 if built in memory */
	union {
		struct {
			const char *str;	/* NUL-terminated, NFC */
			size_t len;
			unsigned quoted;	/* not written in plain style */
		} scalar;
		struct {
			struct ks_pair *v;
			size_t n, alloc;
		} map;
		struct {
			struct ks_node **v;
			size_t n, alloc;
		} seq;
	} u;
};

struct ks_doc;

/* Parse flags. */
#define KS_PARSE_RECORD	0x1	/* the root must be a mapping */
#define KS_PARSE_ALLOW_EMPTY 0x2	/* an empty stream gives a null root */
/* Keep text exactly as written (no NFC, NUL allowed): test data only. */
#define KS_PARSE_VERBATIM 0x4

/* Limits that keep a hostile file from costing unbounded time or memory. */
#define KS_MAX_RECORD_SIZE (16u << 20)
#define KS_MAX_DEPTH 64

/*
 * Parses `len` bytes at `buf`.  `path` is used in diagnostics only (may be
 * NULL).  On success *out is a new document (free with ks_doc_free) and 0 is
 * returned; otherwise KS_EINVALID (or -1 when memory runs out) with located
 * errors in `d`, and *out is NULL.
 */
int ks_doc_parse(struct ks_doc **out, const char *path, const char *buf,
		 size_t len, unsigned flags, struct ks_diags *d);

/*
 * Reads and parses the file at `fspath`; diagnostics name it `display`
 * (or `fspath` when `display` is NULL).  A missing file is KS_ENOTFOUND.
 */
int ks_doc_load(struct ks_doc **out, const char *fspath, const char *display,
		unsigned flags, struct ks_diags *d);

/* A new empty document (root NULL) for building a tree in memory. */
struct ks_doc *ks_doc_new(const char *path);
void ks_doc_free(struct ks_doc *doc);

struct ks_node *ks_doc_root(const struct ks_doc *doc);
void ks_doc_set_root(struct ks_doc *doc, struct ks_node *root);
/* The path given at parse time, or NULL. */
const char *ks_doc_path(const struct ks_doc *doc);

/*
 * Tree building.  Strings are copied into the document and normalised to
 * NFC; NULL is returned when memory runs out or `str` is not valid UTF-8.
 */
struct ks_node *ks_node_scalar(struct ks_doc *doc, const char *str,
			       size_t len, unsigned quoted);
struct ks_node *ks_node_map(struct ks_doc *doc);
struct ks_node *ks_node_seq(struct ks_doc *doc);
/* Sets `key` to `value`, replacing an existing value in place. */
int ks_map_set(struct ks_doc *doc, struct ks_node *map, const char *key,
	       struct ks_node *value);
/* Removes `key`; returns 1 if it was there. */
int ks_map_remove(struct ks_node *map, const char *key);
int ks_seq_push(struct ks_doc *doc, struct ks_node *seq, struct ks_node *item);
/* A deep copy of `node` (from any document) made in `doc`. */
struct ks_node *ks_node_clone(struct ks_doc *doc, const struct ks_node *node);
/* Allocates from the document's arena (freed with the document). */
void *ks_doc_alloc(struct ks_doc *doc, size_t size);

/*
 * Sets the value at `path`, a dotted path with list indexes
 * ("address.commune_name", "products[0].name"), creating mappings on the
 * way and appending a list item when the index equals the list's length.
 * Returns 0, or KS_EINVALID with an error naming `path` when it does not
 * fit the tree (a key under a scalar, an index past the end).
 */
int ks_node_set_path(struct ks_doc *doc, struct ks_node *root,
		     const char *path, struct ks_node *value,
		     struct ks_diags *d);

/* Lookups; NULL when absent or when `map` is not a mapping. */
struct ks_node *ks_map_get(const struct ks_node *map, const char *key);
const struct ks_pair *ks_map_pair(const struct ks_node *map, const char *key);

/* The YAML 1.2 core-schema type of a scalar (a quoted scalar is a string). */
enum ks_scalar_type ks_scalar_type(const struct ks_node *n);
/*
 * Reads a plain scalar as a number in the YAML 1.2 core schema (decimal,
 * 0x, 0o, floats, .inf, .nan); returns 0 and sets *out, or -1.
 */
int ks_scalar_number(const struct ks_node *n, double *out);
/* 1 when `n` (may be NULL) is a scalar holding a finite number, in *out. */
int ks_node_finite(const struct ks_node *n, double *out);
/* 1 for true, 0 for false, -1 when the scalar is not a core boolean. */
int ks_scalar_bool(const struct ks_node *n);

/*
 * Structural equality: same kinds, same scalar text and quoting, same keys
 * (in any order) with equal values, same items in the same order.
 */
int ks_node_equal(const struct ks_node *a, const struct ks_node *b);

/*
 * What the canonical writer needs to know of a schema.  `ctx` is an opaque
 * position in the schema (NULL: no schema there); child() descends to a
 * property (key) or to the items of an array (key NULL).  rank() orders a
 * mapping's keys (lower first; -1 for keys the schema does not list, which
 * then follow in byte order).  is_string() is 1 when the schema says the
 * scalar at `ctx` can only be a string.
 */
struct ks_layout {
	const void *(*child)(const void *ctx, const char *key);
	int (*rank)(const void *ctx, const char *key);
	int (*is_string)(const void *ctx);
};

/*
 * Appends the canonical text of `root` to `out`: block style, two-space
 * indent, keys in schema order, UTF-8 NFC, LF line ends, one trailing
 * newline.  A string is quoted whenever a plain YAML 1.2 (or 1.1) reader
 * would see another type or another value.  `layout` may be NULL.
 */
int ks_doc_write(struct ks_buf *out, const struct ks_node *root,
		 const struct ks_layout *layout, const void *ctx);

/*
 * 1 when `s` may be written as a plain scalar and still read back as the
 * same string under YAML 1.2 and YAML 1.1 resolution.
 */
int ks_plain_string_ok(const char *s, size_t len);

#endif
