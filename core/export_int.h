/*
 * Inside the export: the tables a kind's schema gives (export_table.c),
 * rows of typed cells, and the writers that turn rows into a workbook
 * (export_xlsx.c) or CSV files (export_csv.c).  Not for use outside
 * core/export*.c.
 */
#ifndef KS_EXPORT_INT_H
#define KS_EXPORT_INT_H

#include "buf.h"

#include <stddef.h>
#include <stdio.h>

struct ks_diags;
struct ks_node;
struct ks_snode;

/* What a column holds, from its schema. */
enum ks_xcol_type {
	KS_XCOL_ID,		/* the record's id */
	KS_XCOL_STATUS,		/* ok / invalid: ... / conflict: ... */
	KS_XCOL_INDEX,		/* an item's 1-based position in its list */
	KS_XCOL_STRING,
	KS_XCOL_INTEGER,
	KS_XCOL_NUMBER,
	KS_XCOL_BOOL,
	KS_XCOL_DATE,
	KS_XCOL_DATETIME,
	KS_XCOL_LIST,		/* a list of scalars, joined with "; " */
	KS_XCOL_JSON,		/* anything deeper, as JSON text */
	KS_XCOL_OTHER,		/* values the schema does not describe */
	KS_XCOL_FILE,		/* where an attached file is (files tables) */
};

struct ks_xcol {
	char *path;		/* "address.commune_name", "id", "_status" */
	char *title;		/* the schema's titles, or a description */
	enum ks_xcol_type type;
	const struct ks_snode *sn;	/* for enum labels; may be NULL */
	size_t width;		/* widest text seen, in characters */
};

struct ks_xobj;

/* One table: a kind, or a list of objects inside it. */
struct ks_xtable {
	char *name;		/* "workshop", "workshop.products" */
	char *title;		/* the kind's or the list's title */
	struct ks_xcol *cols;
	size_t ncols, alloc;
	size_t nkeys;		/* leading id, status and index columns */
	size_t depth;		/* 0 for a kind, 1 for its lists, ... */
	int photos;		/* a kind with attachments: a photo column */
	int files;		/* its attachments: a column of their places */
	struct ks_xobj *obj;	/* where an item's fields go */
	size_t rows;		/* data rows written so far */
	void *sink;		/* the writer's handle for the table */
	struct ks_xrow *row;	/* the row being filled */
};

/* Every table of one kind; tables[0] is the kind's own. */
struct ks_xplan {
	struct ks_xtable **v;
	size_t n, alloc;
};

/*
 * Builds the tables of a kind from its schema root.  -1 when memory runs
 * out.  Release with ks_xplan_release().
 */
int ks_xplan_build(struct ks_xplan *p, const char *kind, const char *title,
		   const struct ks_snode *root);
void ks_xplan_release(struct ks_xplan *p);

/* 1 when `path` (dotted) is a field of the plan's records. */
int ks_xplan_has_field(const struct ks_xplan *p, const char *path);
/* Appends the plan's field paths, comma-separated, to `out`. */
int ks_xplan_fields(const struct ks_xplan *p, struct ks_buf *out);
/* The schema node at a dotted field path, or NULL. */
const struct ks_snode *ks_xplan_field_snode(const struct ks_snode *root,
					    const char *path);

enum ks_xcell_type {
	KS_XCELL_EMPTY,
	KS_XCELL_STRING,
	KS_XCELL_NUMBER,	/* num; text as the record wrote it */
	KS_XCELL_BOOL,		/* num 0 or 1 */
	KS_XCELL_DATE,		/* y m d; text as written */
	KS_XCELL_DATETIME,	/* y m d H M S; text as written */
	KS_XCELL_LINK,		/* text, and a link at loff (a file's place) */
};

struct ks_xcell {
	enum ks_xcell_type type;
	size_t off, len;	/* text in the row's buffer */
	size_t loff;		/* KS_XCELL_LINK: the link, NUL-ended */
	double num;
	int y, m, d, hh, mm;
	double ss;
};

struct ks_xrow {
	struct ks_xcell *cells;	/* one per column */
	size_t ncells;
	struct ks_buf text;
};

static inline const char *ks_xcell_text(const struct ks_xrow *row,
					const struct ks_xcell *c)
{
	return row->text.ptr + c->off;
}

/* How a writer is told about tables and rows. */
struct ks_xwriter {
	/* A new table: the writer writes its two header rows. */
	int (*table)(void *w, struct ks_xtable *t, struct ks_diags *d);
	int (*row)(void *w, struct ks_xtable *t, const struct ks_xrow *row,
		   struct ks_diags *d);
	/*
	 * Optional: a picture (JPEG bytes) for the row about to be written,
	 * in the column after the table's last (t->photos tables only).
	 */
	int (*image)(void *w, struct ks_xtable *t, const void *data, size_t len,
		     struct ks_diags *d);
	/*
	 * The information sheet as label/value pairs (n of them), then the
	 * file is completed and moved under its name.
	 */
	int (*finish)(void *w, const char *const *info, size_t n,
		      struct ks_diags *d);
	/* Drops everything written (also after a failed finish). */
	void (*abort)(void *w);
};

/*
 * What a record gives a table's writer: `emit` is called for each row of
 * each table (the kind's row first, then each list's rows after their
 * parent row).  `status` goes in the kind's status column.
 */
struct ks_xemit {
	const struct ks_xwriter *ops;
	void *w;
	int values;		/* enum values, not labels */
	/*
	 * An attached file's place in a files table is `files` (NULL: "")
	 * then its place in the survey, linked to `link` then that place.
	 */
	const char *files, *link;
};

/*
 * Where the attached file that attachment `item` of record `id` names is:
 * `prefix`, then its place under the survey's attachments folder
 * ("workshop/md01/000/md01-0001/<sha256>.jpg").  NULL when the item names
 * no file, or memory ran out (ks_free).
 */
char *ks_xfile_place(const char *prefix, const char *kind, const char *id,
		     const struct ks_node *item);

int ks_xplan_write_record(struct ks_xplan *p, const struct ks_xemit *e,
			  const char *id, const char *status,
			  const struct ks_node *root, struct ks_diags *d);

/* The enum label of scalar `n` under schema node `sn`, or NULL. */
const char *ks_xlabel(const struct ks_node *n, const struct ks_snode *sn);

/*
 * JSON output: one object per record ({"kind", "id", "file", "status",
 * "errors", "conflicts", "files", "record"}; files: the places of its
 * attached files, as export.h's ks_export_opts.files says), as a document {"records": [...],
 * "info": {...}} or, with KS_XJSON_LINES, one record per line.  With
 * KS_XJSON_GEO, a GeoJSON FeatureCollection: a Point for each record with
 * a position (its own, or else its first photo's), the record's scalar
 * fields flattened into the properties.  `path` NULL writes to `f`.
 */
struct ks_xjson;
#define KS_XJSON_DOC 0
#define KS_XJSON_LINES 1
#define KS_XJSON_GEO 2	/* a GeoJSON FeatureCollection of positioned records */
int ks_xjson_open(struct ks_xjson **out, const char *path, FILE *f, int mode,
		  struct ks_diags *d);
int ks_xjson_record(struct ks_xjson *j, const char *kind, const char *id,
		    const char *file, const char *status,
		    const struct ks_diags *errors, const char *const *conflicts,
		    size_t nconflicts, const char *const *files, size_t nfiles,
		    const struct ks_node *root,
		    const struct ks_snode *sn, struct ks_diags *d);
/* Completes the output (and frees `j` on success). */
int ks_xjson_finish(struct ks_xjson *j, const char *const *info, size_t n,
		    struct ks_diags *d);
void ks_xjson_abort(struct ks_xjson *j);

/* The writers: `path` is the output file (xlsx) or folder (csv). */
int ks_xlsx_open(void **w, const char *path, const char *title,
		 struct ks_diags *d);
extern const struct ks_xwriter ks_xlsx_writer;
int ks_csv_open(void **w, const char *path, struct ks_diags *d);
extern const struct ks_xwriter ks_csv_writer;

#endif
