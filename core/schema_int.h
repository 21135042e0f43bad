/*
 * Inside the schema module: the compiled form shared by the compiler
 * (schema.c: documents, references, checks; schema_walk.c: keywords;
 * schema_shape.c: shapes, layout, introspection), the evaluator
 * (schema_eval.c, schema_value.c) and the formats (schema_format.c).
 * Nothing outside core/schema*.c includes this.
 *
 * Everything a compiled schema owns lives in its arena (freed at once by
 * ks_schema_free), except the PCRE2 codes, kept on a list of their own, and
 * the parsed documents, whose strings and nodes the compiled tree points
 * into.
 */
#ifndef KS_SCHEMA_INT_H
#define KS_SCHEMA_INT_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stddef.h>
#include <stdint.h>

#include "record.h"
#include "schema.h"
#include "table.h"

/* Subschema applications allowed for one validation (see eval()). */
#define KS_EVAL_BUDGET 1000000ul

struct ks_node;
struct ks_doc;

/* How a value reads once the schema has typed it. */
enum ks_vtype {
	KS_V_NULL,
	KS_V_BOOL,
	KS_V_NUM,
	KS_V_STR,
	KS_V_MAP,
	KS_V_SEQ,
};

struct ks_val {
	enum ks_vtype t;
	unsigned char b;	/* KS_V_BOOL */
	unsigned char integral;	/* KS_V_NUM with no fractional part */
	unsigned char has_ll;	/* exact as a long long */
	const struct ks_node *n;
	const char *str;	/* the text (strings, and numbers as written) */
	size_t len;
	double d;
	long long ll;
	/* A decimal integer literal: sign and digits without leading zeros. */
	const char *digits;
	size_t ndigits;
	unsigned char neg;
};

struct ks_sres;
struct ks_snode;
struct ks_shape;

struct ks_sprop {
	const char *name;
	size_t len;
	struct ks_snode *s;
};

struct ks_spat {
	pcre2_code *re;
	const char *src;
	struct ks_snode *s;
};

struct ks_sdep {
	const char *name;
	const struct ks_node *at;	/* the key, for locations */
	const char **names;		/* dependentRequired */
	size_t nnames;
	struct ks_snode *s;		/* dependentSchemas */
};

/* An entry of a subschema's keywords in source order (see shapes). */
enum ks_sseq_kind {
	KS_SEQ_PROPS,		/* the subschema's own `properties` */
	KS_SEQ_REF,		/* $ref (target read from ->ref) */
	KS_SEQ_DYNREF,
	KS_SEQ_ALLOF,
	KS_SEQ_COND,	/* anyOf, oneOf, if/then/else, dependentSchemas */
};

struct ks_sseq {
	enum ks_sseq_kind kind;
	struct ks_snode *s;
};

/* Bits of ks_snode.kw: which value keywords are present. */
enum {
	KW_TYPE = 1u << 0,
	KW_ENUM = 1u << 1,
	KW_CONST = 1u << 2,
	KW_MINIMUM = 1u << 3,
	KW_MAXIMUM = 1u << 4,
	KW_EXMIN = 1u << 5,
	KW_EXMAX = 1u << 6,
	KW_MULTIPLE = 1u << 7,
	KW_MINLEN = 1u << 8,
	KW_MAXLEN = 1u << 9,
	KW_PATTERN = 1u << 10,
	KW_FORMAT = 1u << 11,
	KW_MINITEMS = 1u << 12,
	KW_MAXITEMS = 1u << 13,
	KW_UNIQUE = 1u << 14,
	KW_MINCONT = 1u << 15,
	KW_MAXCONT = 1u << 16,
	KW_MINPROPS = 1u << 17,
	KW_MAXPROPS = 1u << 18,
	KW_REQUIRED = 1u << 19,
	KW_DEPREQ = 1u << 20,
};

#define KW_NUMERIC (KW_MINIMUM | KW_MAXIMUM | KW_EXMIN | KW_EXMAX | \
		    KW_MULTIPLE)
#define KW_STRING (KW_MINLEN | KW_MAXLEN | KW_PATTERN | KW_FORMAT)
#define KW_ARRAY (KW_MINITEMS | KW_MAXITEMS | KW_UNIQUE | KW_MINCONT | \
		  KW_MAXCONT)
#define KW_OBJECT (KW_MINPROPS | KW_MAXPROPS | KW_REQUIRED | KW_DEPREQ)

/*
 * One rule of x-compare: the property `a` stands to the property `b` as
 * `op` says (<, <=, >, >=), when both are there and both numbers or both
 * strings (ISO dates compare as text).
 */
enum ks_xop { KS_XOP_LT, KS_XOP_LE, KS_XOP_GT, KS_XOP_GE };
struct ks_xcompare {
	const char *a, *b;
	enum ks_xop op;
};

struct ks_snode {
	const struct ks_node *src;	/* where it is written */
	size_t id;			/* index in compile order */
	const char *file;		/* display path of its file */
	struct ks_sres *res;		/* the resource it belongs to */
	unsigned char is_bool, bool_val;
	unsigned char xunique;
	unsigned char read_only;	/* readOnly: true */
	unsigned char has_uneval;	/* unevaluated* here */
	unsigned kw;
	unsigned types;			/* `type` */
	unsigned stypes;		/* `type` along $ref and allOf */
	int fmt;			/* asserted format id, or -1 */

	const char *title, *description, *format;
	const char *xref, *xkey;
	const struct ks_node *xderived;	/* x-derived: {field: value} */
	struct ks_xcompare *xcompare;	/* x-compare rules of an object */
	size_t nxcompare;

	struct ks_snode *ref, *dynref;
	const char *ref_str;		/* $ref as written */
	const struct ks_node *ref_at;
	const char *dyn_name;		/* $dynamicRef that is dynamic */
	struct ks_snode **allof, **anyof, **oneof;
	size_t nallof, nanyof, noneof;
	struct ks_snode *not_, *if_, *then_, *else_;

	struct ks_sprop *props;		/* in source order */
	struct ks_sprop *props_sorted;	/* by name, for lookups */
	size_t nprops;
	struct ks_spat *pats;
	size_t npats;
	struct ks_snode *addl, *propnames;
	struct ks_snode *items, **prefix;
	size_t nprefix;
	struct ks_snode *contains;
	struct ks_snode *uneval_props, *uneval_items;
	struct ks_sdep *depsch, *depreq;
	size_t ndepsch, ndepreq;
	const char **required;
	size_t nrequired;

	struct ks_val minimum, maximum, exmin, exmax, multiple;
	size_t minlen, maxlen, minitems, maxitems, minprops, maxprops;
	size_t mincont, maxcont;
	pcre2_code *pattern;
	const char *pattern_src;
	struct ks_val *enumv;
	size_t nenum;
	const char **enum_titles;	/* parallel to enumv, may be NULL */
	struct ks_val constv;

	/* Keywords in source order, for property order and shapes. */
	struct ks_sseq *seq;
	size_t nseq;

	/* Introspection: properties merged along $ref and allOf. */
	struct ks_sprop *iprops;
	size_t niprops;
};

struct ks_sanchor {
	const char *name;
	struct ks_snode *s;
	int dynamic;
	struct ks_sanchor *next;
};

/* A schema resource: a document root or a subschema with $id. */
struct ks_sres {
	const char *uri;		/* absolute, without fragment */
	struct ks_snode *root;
	const struct ks_node *src;
	struct ks_sanchor *anchors;
	struct ks_sres *next;
};

/*
 * A shape is the static, merged view of one instance location: every
 * subschema that can apply there, along $ref, allOf and the conditional
 * applicators.  It decides how a plain scalar reads (its `types`), the key
 * order of the canonical writer, and the title used in messages.
 */
struct ks_shape_prop {
	const char *name;
	struct ks_shape *sh;
	int rank;			/* position in schema order */
};

struct ks_shape_pat {
	const struct ks_spat *pat;
	struct ks_shape *sh;
};

struct ks_shape {
	unsigned types;
	const char *title;
	struct ks_shape_prop *props;	/* in schema order */
	struct ks_shape_prop *sorted;	/* by name */
	size_t nprops;
	struct ks_shape_pat *pats;
	size_t npats;
	struct ks_shape *addl;
	struct ks_shape *items;
	struct ks_shape **prefix;
	size_t nprefix;
};

/* ---- what a compiled schema owns ---- */

struct chunk {
	struct chunk *next;
	size_t used, size;
	/* data follows, aligned */
};

struct pcre_item {
	pcre2_code *re;
	struct pcre_item *next;
};

struct doc_item {
	struct ks_doc *doc;
	struct doc_item *next;
};

struct reg_item {
	const char *uri;
	struct ks_sres *res;
	struct reg_item *next;
};

struct ks_schema_mem {
	struct chunk *chunks;
	struct pcre_item *pcres;
	struct doc_item *docs;
	struct reg_item *reg;
	size_t ndocs;
};


struct ks_pending {
	struct ks_snode *s;
	const char *ref;		/* as written */
	const char *base;		/* base URI where written */
	const struct ks_node *at;
	int dynamic;
};

struct ks_nodemap {
	struct ks_table t;	/* node -> subschema (schema.c) */
};

struct ks_wctx {
	const char *file;		/* display path */
	const char *base;		/* base URI */
	struct ks_sres *res;
	int novalid;			/* no validation vocabulary */
	int formats;			/* format-assertion vocabulary */
	int doc_root;
};

struct ks_comp {
	struct ks_schema *s;
	struct ks_schema_mem *m;
	struct ks_diags *d;
	const struct ks_schema_opts *opts;
	unsigned flags;
	char *base_dir;		/* absolute, ends in '/'; or NULL */
	char *display_dir;	/* dirname of the root's display path */
	int oom, errors;
	int status;		/* KS_EIO when a file could not be read */
	struct ks_pending *pend;
	size_t npend, apend;
	struct ks_nodemap map;
	struct ks_snode **all;
	size_t nall, aall;
	pcre2_general_context *gctx;
	pcre2_compile_context *cctx;
};

struct ks_schema {
	unsigned flags;
	int has_unique;		/* some subschema says x-unique: true */
	struct ks_snode *root;
	struct ks_shape *root_shape;
	const char *xmerge;
	struct ks_sres *resources;
	/* arena and owned things: see schema.c */
	struct ks_schema_mem *mem;
};

/*
 * ---- the compiler, shared by schema.c, schema_walk.c, schema_shape.c ----
 *
 * ks_sc_* ("schema compiler") functions exist only while a schema is being
 * compiled.  Allocation failures set c->oom and are reported once by
 * compile(); ks_sc_error() counts a located error in the schema.
 */

void *ks_sc_alloc(struct ks_schema_mem *m, size_t size);	/* zeroed */
char *ks_sc_strndup(struct ks_schema_mem *m, const char *s, size_t n);
const char *ks_sc_strdup(struct ks_comp *c, const char *s);
void ks_sc_oom(struct ks_comp *c);
void ks_sc_error(struct ks_comp *c, const char *file,
		 const struct ks_node *at, const char *kw, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* Absolute URI of `ref` against `base` (ks_free), NULL on no memory. */
char *ks_sc_uri_resolve(const char *base, const char *ref);
/* A document by URI: the caller's fetch hook, then files; see schema.c. */
int ks_sc_fetch(struct ks_comp *c, const char *uri, struct ks_doc **out,
		struct ks_diags *d);
/* Subschemas by the node they were compiled from. */
struct ks_snode *ks_sc_map_get(const struct ks_nodemap *m,
			       const struct ks_node *n);
int ks_sc_map_put(struct ks_nodemap *m, const struct ks_node *n,
		  struct ks_snode *s);
int ks_sc_track(struct ks_comp *c, struct ks_snode *s);
void ks_sc_register(struct ks_comp *c, const char *uri, struct ks_sres *res);
struct ks_sres *ks_sc_resource(struct ks_comp *c, const char *uri,
			       const struct ks_node *src);
void ks_sc_anchor(struct ks_comp *c, struct ks_sres *res, const char *name,
		  struct ks_snode *s, int dynamic);
/* Queues a $ref or $dynamicRef for resolution once everything is read. */
int ks_sc_pending(struct ks_comp *c, struct ks_snode *s, const char *ref,
		  const char *base, const struct ks_node *at, int dynamic);
int ks_sc_prop_cmp(const void *a, const void *b);
/* Intersection of two `type` sets (0: unconstrained). */
unsigned ks_sc_type_and(unsigned a, unsigned b);
/* The text of a scalar (plain scalars are strings where one is wanted). */
const char *ks_sc_str(const struct ks_node *n);
/* Compiles the subschema at `n` (once; later calls return it). */
struct ks_snode *ks_sc_walk(struct ks_comp *c, const struct ks_node *n,
			    const struct ks_wctx *w, int depth);
/* Builds the shapes from the root (see struct ks_shape). */
void ks_sc_build_shapes(struct ks_comp *c);

/*
 * Format ids for ks_snode.fmt.  ks_format_check_id() is ks_format_check()
 * by id: 1 valid, 0 invalid, -1 for an unknown id or when memory runs out
 * (libidn2 allocates for host names).
 */
int ks_format_id(const char *name);
int ks_format_check_id(int id, const char *s, size_t len, char *why,
		       size_t whylen);
const char *ks_format_name(int id);
/* The format in a person's words ("tax code"), else `name`. */
const char *ks_format_words(int id, const char *name);

/*
 * Reads a value for a given set of admitted types (0: the core schema; json:
 * no schema typing at all).  Collections are only tagged.
 */
void ks_val_read(struct ks_val *v, const struct ks_node *n, unsigned hint,
		 int json);
/* The same for a scalar whose core type `ct` is known. */
void ks_val_read_scalar(struct ks_val *v, const struct ks_node *n,
			enum ks_scalar_type ct, unsigned hint, int json);
/* ks_scalar_type(), quicker for most text. */
enum ks_scalar_type ks_val_scalar_type(const struct ks_node *n);
/* A hash consistent with ks_val_equal(). */
uint64_t ks_val_hash(const struct ks_val *v, int json);
/* Deep equality of two values (numbers numerically). */
int ks_val_equal(const struct ks_val *a, const struct ks_val *b, int json);
int ks_val_cmp_num(const struct ks_val *a, const struct ks_val *b);

/* The shape of a child, NULL when the schema says nothing. */
const struct ks_shape *ks_shape_child(const struct ks_shape *sh,
				      const char *key, size_t len);
const struct ks_shape *ks_shape_item(const struct ks_shape *sh, size_t i);

/* A property of the subschema itself (binary search), or NULL. */
const struct ks_sprop *ks_snode_own_prop(const struct ks_snode *s,
					 const char *name, size_t len);
size_t ks_schema_edit_distance(const char *a, const char *b, size_t cap);

/* Introspection helpers that follow $ref and allOf. */
const char *ks_snode_stitle(const struct ks_snode *n);
const struct ks_sprop *ks_snode_find_prop(const struct ks_snode *n,
					  const char *name, size_t len);


#endif
