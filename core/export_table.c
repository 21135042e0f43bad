/*
 * Records as tables: the columns a kind's schema gives (leaf paths in
 * schema order, a table of its own for each list of objects) and the rows
 * of typed cells a record fills.  See export.h for the layout.
 */
#include "export_int.h"
#include "intl.h"
#include "alloc.h"
#include "attachpath.h"
#include "buf.h"
#include "diag.h"
#include "json.h"
#include "fielddiff.h"
#include "isotime.h"
#include "record.h"
#include "schema.h"
#include "text.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Nesting followed before a value is kept whole, as JSON. */
#define MAX_OBJ_NEST 8
#define MAX_TABLE_DEPTH 4

/* PROP_ID: the record's own id field, which the id column shows. */
enum prop_kind { PROP_COL, PROP_OBJ, PROP_TABLE, PROP_ID };

struct xprop {
	const char *name;	/* the schema's, lives as long as it */
	enum prop_kind what;
	size_t col;
	const struct ks_snode *sn;
	struct ks_xobj *obj;
	struct ks_xtable *table;
};

struct ks_xobj {
	struct xprop *v;
	size_t n, alloc;
};

/* ---- building the plan ---- */

static void obj_free(struct ks_xobj *o)
{
	size_t i;

	if (!o)
		return;
	for (i = 0; i < o->n; i++)
		obj_free(o->v[i].obj);
	ks_free(o->v);
	ks_free(o);
}

static void table_free(struct ks_xtable *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->ncols; i++) {
		ks_free(t->cols[i].path);
		ks_free(t->cols[i].title);
	}
	ks_free(t->cols);
	ks_free(t->name);
	ks_free(t->title);
	obj_free(t->obj);
	if (t->row) {
		ks_free(t->row->cells);
		ks_buf_release(&t->row->text);
		ks_free(t->row);
	}
	ks_free(t);
}

void ks_xplan_release(struct ks_xplan *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		table_free(p->v[i]);
	ks_free(p->v);
	memset(p, 0, sizeof(*p));
}

static int add_col(struct ks_xtable *t, const char *path, const char *title,
		   enum ks_xcol_type type, const struct ks_snode *sn)
{
	struct ks_xcol *c;

	if (ks_grow(&t->cols, t->ncols, &t->alloc, sizeof(*t->cols), 16) < 0)
		return -1;
	c = &t->cols[t->ncols];
	memset(c, 0, sizeof(*c));
	c->path = ks_strdup(path);
	c->title = ks_strdup(title);
	c->type = type;
	c->sn = sn;
	t->ncols++;
	return c->path && c->title ? 0 : -1;
}

static int is_object(const struct ks_snode *sn)
{
	unsigned ty = ks_snode_types(sn);

	if (!ks_snode_property_count(sn))
		return 0;
	return !ty || ((ty & KS_TYPE_OBJECT) &&
		       !(ty & ~(KS_TYPE_OBJECT | KS_TYPE_NULL)));
}

static int is_array(const struct ks_snode *sn)
{
	unsigned ty = ks_snode_types(sn);

	return (ty & KS_TYPE_ARRAY) && !(ty & ~(KS_TYPE_ARRAY | KS_TYPE_NULL));
}

static enum ks_xcol_type scalar_col(const struct ks_snode *sn)
{
	const char *fmt = ks_snode_format(sn);
	unsigned ty = ks_snode_types(sn) & ~KS_TYPE_NULL;

	if (fmt && !strcmp(fmt, "date"))
		return KS_XCOL_DATE;
	if (fmt && !strcmp(fmt, "date-time"))
		return KS_XCOL_DATETIME;
	if (ty == KS_TYPE_INTEGER)
		return KS_XCOL_INTEGER;
	if (ty && !(ty & ~(KS_TYPE_NUMBER | KS_TYPE_INTEGER)))
		return KS_XCOL_NUMBER;
	if (ty == KS_TYPE_BOOLEAN)
		return KS_XCOL_BOOL;
	return KS_XCOL_STRING;
}

/* "Địa chỉ: Xã, phường": the titles along the path, or the name. */
static int join_title(struct ks_buf *out, const char *parent,
		      const struct ks_snode *sn, const char *name)
{
	const char *t = ks_snode_title(sn);

	ks_buf_reset(out);
	if (parent && *parent)
		ks_buf_addf(out, "%s: ", parent);
	return ks_buf_puts(out, t && *t ? t : name);
}

struct builder {
	struct ks_xplan *p;
	struct ks_buf path, title;
};

static int build_table(struct builder *b, struct ks_xtable **out,
		       const struct ks_xtable *parent, const char *rel,
		       const char *title, const struct ks_snode *items);

static int build_obj(struct builder *b, struct ks_xtable *t,
		     struct ks_xobj **out, const struct ks_snode *sn,
		     const char *prefix, const char *tprefix, int nest)
{
	struct ks_xobj *o = ks_calloc(1, sizeof(*o));
	size_t i, n = ks_snode_property_count(sn);
	int err = 0;

	*out = o;
	if (!o)
		return -1;
	for (i = 0; i < n && !err; i++) {
		const char *name = ks_snode_property_name(sn, i);
		const struct ks_snode *c = ks_snode_property(sn, name);
		const struct ks_snode *items = c ? ks_snode_items(c) : NULL;
		struct xprop *pr;
		char *path, *title;

		if (!c)
			continue;
		if (ks_grow(&o->v, o->n, &o->alloc, sizeof(*o->v), 8) < 0)
			return -1;
		pr = &o->v[o->n++];
		memset(pr, 0, sizeof(*pr));
		pr->name = name;
		pr->sn = c;
		ks_buf_reset(&b->path);
		if (ks_buf_addf(&b->path, "%s%s", prefix, name) < 0 ||
		    join_title(&b->title, tprefix, c, name) < 0)
			return -1;
		/* The recursion reuses the buffers: keep copies. */
		path = ks_strdup(b->path.ptr);
		title = ks_strdup(b->title.ptr);
		if (!path || !title) {
			err = -1;
		} else if (!t->depth && !*prefix && !strcmp(name, "id")) {
			pr->what = PROP_ID;
		} else if (nest < MAX_OBJ_NEST && is_object(c)) {
			struct ks_buf sub = KS_BUF_INIT;

			pr->what = PROP_OBJ;
			if (ks_buf_addf(&sub, "%s.", path) < 0)
				err = -1;
			else
				err = build_obj(b, t, &pr->obj, c, sub.ptr, title,
						nest + 1);
			ks_buf_release(&sub);
		} else if (is_array(c) && items && is_object(items) &&
			   t->depth < MAX_TABLE_DEPTH) {
			const char *lt = ks_snode_title(c);

			pr->what = PROP_TABLE;
			err = build_table(b, &pr->table, t, path,
					  lt && *lt ? lt : path, items);
		} else {
			pr->what = PROP_COL;
			pr->col = t->ncols;
			err = add_col(t, path, title,
				      is_array(c) ? (items && (is_object(items) ||
							       is_array(items))
						     ? KS_XCOL_JSON : KS_XCOL_LIST)
				      : is_object(c) ? KS_XCOL_JSON : scalar_col(c),
				      c);
		}
		ks_free(path);
		ks_free(title);
	}
	return err;
}

static int new_table(struct builder *b, struct ks_xtable **out,
		     const char *name, const char *title, size_t depth)
{
	struct ks_xtable *t = ks_calloc(1, sizeof(*t));

	*out = t;
	if (!t)
		return -1;
	if (ks_grow(&b->p->v, b->p->n, &b->p->alloc, sizeof(*b->p->v), 4) < 0) {
		ks_free(t);
		*out = NULL;
		return -1;
	}
	b->p->v[b->p->n++] = t;
	t->name = ks_strdup(name);
	t->title = ks_strdup(title);
	t->depth = depth;
	return t->name && t->title ? 0 : -1;
}

/*
 * A schema may name a field like one of the export's own columns (an
 * item's "id", a "_status" property): the later column gets "#2", "#3"...
 */
static int unique_paths(struct ks_xtable *t)
{
	size_t i, j;

	for (i = 1; i < t->ncols; i++) {
		struct ks_buf b = KS_BUF_INIT;
		int n = 1;

		for (j = 0; j < i; j++) {
			if (strcmp(t->cols[j].path, b.len ? b.ptr : t->cols[i].path))
				continue;
			ks_buf_reset(&b);
			if (ks_buf_addf(&b, "%s#%d", t->cols[i].path, ++n) < 0)
				return -1;
			j = (size_t)-1;
		}
		if (b.len) {
			ks_free(t->cols[i].path);
			t->cols[i].path = ks_buf_detach(&b, NULL);
		}
	}
	return 0;
}

/* The row buffer and the "_other" column that end every table. */
static int finish_table(struct ks_xtable *t)
{
	if (add_col(t, "_other", _("Other fields (JSON)"), KS_XCOL_OTHER, NULL) < 0 ||
	    unique_paths(t) < 0)
		return -1;
	t->row = ks_calloc(1, sizeof(*t->row));
	if (!t->row)
		return -1;
	ks_buf_init(&t->row->text);
	t->row->cells = ks_calloc(t->ncols, sizeof(*t->row->cells));
	t->row->ncells = t->ncols;
	return t->row->cells ? 0 : -1;
}

static int build_table(struct builder *b, struct ks_xtable **out,
		       const struct ks_xtable *parent, const char *rel,
		       const char *title, const struct ks_snode *items)
{
	struct ks_buf name = KS_BUF_INIT, key = KS_BUF_INIT;
	struct ks_xtable *t;
	size_t i;
	int err;

	if (ks_buf_addf(&name, "%s.%s", parent->name, rel) < 0 ||
	    new_table(b, &t, name.ptr, title, parent->depth + 1) < 0) {
		err = -1;
		goto out;
	}
	*out = t;
	/* id, the enclosing lists' positions, then this list's own. */
	err = add_col(t, "id", parent->cols[0].title, KS_XCOL_ID, NULL);
	for (i = parent->depth ? 1 : 2; !err && i < parent->nkeys; i++) {
		const struct ks_xcol *pc = &parent->cols[i];

		ks_buf_reset(&key);
		/* The parent's own position is named by its list. */
		if (i + 1 == parent->nkeys)
			err = ks_buf_addf(&key, "%s._index",
					  strchr(parent->name, '.') + 1);
		else
			err = ks_buf_puts(&key, pc->path);
		if (!err)
			err = add_col(t, key.ptr, pc->title, KS_XCOL_INDEX, NULL);
	}
	if (!err)
		err = add_col(t, "_index", _("Item no."), KS_XCOL_INDEX, NULL);
	t->nkeys = t->ncols;
	if (!err)
		err = build_obj(b, t, &t->obj, items, "", "", 0);
	/* a kind's attachments: where each file is, to open it */
	if (!err && parent->photos && !parent->depth &&
	    !strcmp(rel, "attachments")) {
		t->files = 1;
		err = add_col(t, "_file", _("File"), KS_XCOL_FILE, NULL);
	}
	if (!err)
		err = finish_table(t);
out:
	ks_buf_release(&name);
	ks_buf_release(&key);
	return err;
}

int ks_xplan_build(struct ks_xplan *p, const char *kind, const char *title,
		   const struct ks_snode *root)
{
	struct builder b = { p, KS_BUF_INIT, KS_BUF_INIT };
	const struct ks_snode *idsn = ks_snode_property(root, "id");
	const char *idt = idsn ? ks_snode_title(idsn) : NULL;
	struct ks_xtable *t;
	int err;

	memset(p, 0, sizeof(*p));
	err = new_table(&b, &t, kind, title && *title ? title : kind, 0);
	if (!err)
		err = add_col(t, "id", idt && *idt ? idt : "id", KS_XCOL_ID,
			      idsn);
	if (!err)
		err = add_col(t, "_status", _("Record status"), KS_XCOL_STATUS,
			      NULL);
	if (!err) {
		t->nkeys = 2;
		t->photos = ks_snode_property(root, "attachments") != NULL;
		err = build_obj(&b, t, &t->obj, root, "", "", 0);
	}
	if (!err)
		err = finish_table(t);
	ks_buf_release(&b.path);
	ks_buf_release(&b.title);
	return err;
}

/* ---- fields, for conditions ---- */

static int has_field(const struct ks_xtable *t, const char *prefix,
		     const char *path)
{
	size_t i, n = strlen(prefix);

	if (n && (strncmp(path, prefix, n) || path[n] != '.'))
		return 0;
	for (i = t->nkeys; i + 1 < t->ncols; i++)
		if (!strcmp(t->cols[i].path, n ? path + n + 1 : path))
			return 1;
	return 0;
}

/* "products" for "workshop.products": where the table's items are. */
static const char *table_prefix(const struct ks_xtable *t)
{
	const char *dot = strchr(t->name, '.');

	return dot ? dot + 1 : "";
}

int ks_xplan_has_field(const struct ks_xplan *p, const char *path)
{
	size_t i;

	if (!strcmp(path, "id"))
		return 1;
	for (i = 0; i < p->n; i++)
		if (has_field(p->v[i], table_prefix(p->v[i]), path))
			return 1;
	return 0;
}

/* 1 when `out`, a comma-separated list, has `item` already. */
static int listed(const struct ks_buf *out, const char *item)
{
	size_t n = strlen(item);
	const char *p = out->ptr;

	while ((p = strstr(p, item))) {
		if ((p == out->ptr || p[-1] == ' ') && (!p[n] || p[n] == ','))
			return 1;
		p += n;
	}
	return 0;
}

int ks_xplan_fields(const struct ks_xplan *p, struct ks_buf *out)
{
	struct ks_buf f = KS_BUF_INIT;
	size_t i, j;
	int err = 0;

	for (i = 0; i < p->n; i++) {
		const struct ks_xtable *t = p->v[i];
		const char *pre = table_prefix(t);

		for (j = t->nkeys; j + 1 < t->ncols && !err; j++) {
			ks_buf_reset(&f);
			err = ks_buf_addf(&f, "%s%s%s", pre, *pre ? "." : "",
					  t->cols[j].path);
			if (!err && !listed(out, f.ptr))
				err = ks_buf_addf(out, "%s%s", out->len ? ", " : "",
						  f.ptr);
		}
	}
	ks_buf_release(&f);
	return err ? -1 : 0;
}

const struct ks_snode *ks_xplan_field_snode(const struct ks_snode *root,
					    const char *path)
{
	const struct ks_snode *sn = root;
	const char *p = path;

	while (sn && *p) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		char *name = ks_strndup(p, n);

		while (sn && is_array(sn))
			sn = ks_snode_items(sn);
		sn = sn && name ? ks_snode_property(sn, name) : NULL;
		ks_free(name);
		p += n + (dot ? 1 : 0);
	}
	return sn;
}

/* ---- values ---- */

/* The core type of a scalar as validation reads it under `sn`. */
static enum ks_scalar_type typed(const struct ks_node *n,
				 const struct ks_snode *sn)
{
	enum ks_scalar_type t = ks_scalar_type(n);
	unsigned ty = sn ? ks_snode_types(sn) : 0, bit;

	if (n->u.scalar.quoted || t == KS_SCALAR_STRING || !ty ||
	    !(ty & KS_TYPE_STRING))
		return t;
	bit = t == KS_SCALAR_NULL ? KS_TYPE_NULL :
	      t == KS_SCALAR_BOOL ? KS_TYPE_BOOLEAN :
	      t == KS_SCALAR_INT ? KS_TYPE_INTEGER | KS_TYPE_NUMBER :
	      KS_TYPE_NUMBER;
	return ty & bit ? t : KS_SCALAR_STRING;
}

const char *ks_xlabel(const struct ks_node *n, const struct ks_snode *sn)
{
	size_t i, count = sn ? ks_snode_enum_count(sn) : 0;

	for (i = 0; i < count; i++) {
		const struct ks_node *v = ks_snode_enum_value(sn, i);

		if (v && v->kind == KS_NODE_SCALAR &&
		    !strcmp(v->u.scalar.str, n->u.scalar.str))
			return ks_snode_enum_title(sn, i);
	}
	return NULL;
}

/* YYYY-MM-DD, a real day of a year a spreadsheet can show. */
static int parse_date(const char *s, struct ks_xcell *c)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap;

	if (ks_digits(s, 4, &c->y) || s[4] != '-' || ks_digits(s + 5, 2, &c->m) ||
	    s[7] != '-' || ks_digits(s + 8, 2, &c->d))
		return -1;
	leap = (c->y % 4 == 0 && c->y % 100) || c->y % 400 == 0;
	if (c->y < 1900 || c->m < 1 || c->m > 12 || c->d < 1 ||
	    c->d > mdays[c->m - 1] || (c->m == 2 && c->d == 29 && !leap))
		return -1;
	return 0;
}

/* RFC 3339: the date and the time as written (the offset is kept in the text). */
static int parse_datetime(const char *s, struct ks_xcell *c)
{
	const char *p = s + 19;

	if (parse_date(s, c) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    ks_digits(s + 11, 2, &c->hh) || s[13] != ':' ||
	    ks_digits(s + 14, 2, &c->mm) || s[16] != ':')
		return -1;
	c->ss = (s[17] - '0') * 10 + (s[18] - '0');
	if (s[17] < '0' || s[17] > '5' || s[18] < '0' || s[18] > '9' ||
	    c->hh > 23 || c->mm > 59)
		return -1;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	if (*p == 'Z' || *p == 'z')
		return p[1] ? -1 : 0;
	if ((*p == '+' || *p == '-') && p[1] && p[2] && p[3] == ':' && p[4] &&
	    p[5] && !p[6])
		return 0;
	return -1;
}

static int cell_text(struct ks_xrow *row, struct ks_xcell *c,
		     enum ks_xcell_type type, const char *s, size_t len)
{
	c->type = type;
	c->off = row->text.len;
	c->len = len;
	if (ks_buf_add(&row->text, s, len) < 0 || ks_buf_putc(&row->text, '\0') < 0)
		return -1;
	return 0;
}

/* A scalar in a column: its label, or its typed value. */
static int scalar_cell(struct ks_xrow *row, struct ks_xcell *c,
		       const struct ks_xcol *col, const struct ks_node *n,
		       int values)
{
	const char *s = n->u.scalar.str, *l = values ? NULL : ks_xlabel(n, col->sn);
	size_t len = n->u.scalar.len;
	double v;

	if (l)
		return cell_text(row, c, KS_XCELL_STRING, l, strlen(l));
	switch (typed(n, col->sn)) {
	case KS_SCALAR_NULL:
		c->type = KS_XCELL_EMPTY;
		return 0;
	case KS_SCALAR_BOOL:
		c->num = ks_scalar_bool(n);
		return cell_text(row, c, KS_XCELL_BOOL, c->num ? "true" : "false",
				 c->num ? 4 : 5);
	case KS_SCALAR_INT:
	case KS_SCALAR_FLOAT:
		if (ks_scalar_number(n, &v) == 0 && isfinite(v)) {
			c->num = v;
			return cell_text(row, c, KS_XCELL_NUMBER, s, len);
		}
		break;
	case KS_SCALAR_STRING:
		if (col->type == KS_XCOL_DATE && len == 10 && !parse_date(s, c))
			return cell_text(row, c, KS_XCELL_DATE, s, len);
		if (col->type == KS_XCOL_DATETIME && len >= 20 &&
		    !parse_datetime(s, c))
			return cell_text(row, c, KS_XCELL_DATETIME, s, len);
		break;
	}
	return cell_text(row, c, KS_XCELL_STRING, s, len);
}

static int json_cell(struct ks_xrow *row, struct ks_xcell *c,
		     const struct ks_node *n, const struct ks_snode *sn)
{
	c->type = KS_XCELL_STRING;
	c->off = row->text.len;
	if (ks_value_json(&row->text, n, sn) < 0)
		return -1;
	c->len = row->text.len - c->off;
	return ks_buf_putc(&row->text, '\0');
}

/* A list of scalars, labels joined with "; "; anything else as JSON. */
static int list_cell(struct ks_xrow *row, struct ks_xcell *c,
		     const struct ks_xcol *col, const struct ks_node *n,
		     int values)
{
	const struct ks_snode *items = col->sn ? ks_snode_items(col->sn) : NULL;
	size_t i;
	int err = 0;

	for (i = 0; i < n->u.seq.n; i++)
		if (n->u.seq.v[i]->kind != KS_NODE_SCALAR)
			return json_cell(row, c, n, col->sn);
	c->type = n->u.seq.n ? KS_XCELL_STRING : KS_XCELL_EMPTY;
	c->off = row->text.len;
	for (i = 0; i < n->u.seq.n; i++) {
		const struct ks_node *it = n->u.seq.v[i];
		const char *l = values ? NULL : ks_xlabel(it, items);

		err |= i ? ks_buf_puts(&row->text, "; ") : 0;
		err |= l ? ks_buf_puts(&row->text, l) :
			   ks_buf_add(&row->text, it->u.scalar.str, it->u.scalar.len);
	}
	c->len = row->text.len - c->off;
	return err | ks_buf_putc(&row->text, '\0');
}

static int set_cell(struct ks_xrow *row, const struct ks_xcol *col, size_t i,
		    const struct ks_node *n, int values)
{
	struct ks_xcell *c = &row->cells[i];

	if (col->type == KS_XCOL_LIST && n->kind == KS_NODE_SEQ)
		return list_cell(row, c, col, n, values);
	if (col->type == KS_XCOL_JSON || n->kind != KS_NODE_SCALAR)
		return json_cell(row, c, n, col->sn);
	return scalar_cell(row, c, col, n, values);
}

/* ---- records to rows ---- */

struct pending {
	struct ks_xtable *t;
	const struct ks_node *seq;
};

struct filling {
	const struct ks_xemit *e;
	struct ks_xtable *t;
	const char *id;
	struct ks_buf other;	/* {"path":value,...} */
	struct pending *pend;
	size_t npend, alloc;
};

static int add_other(struct filling *f, const char *prefix, const char *key,
		     const struct ks_node *v, const struct ks_snode *sn)
{
	struct ks_buf path = KS_BUF_INIT;
	int err = ks_buf_putc(&f->other, f->other.len ? ',' : '{');

	err |= ks_buf_addf(&path, "%s%s", prefix, key);
	err |= ks_json_string(&f->other, path.ptr);
	err |= ks_buf_putc(&f->other, ':');
	err |= ks_value_json(&f->other, v, sn);
	ks_buf_release(&path);
	return err ? -1 : 0;
}

static const struct xprop *find_prop(const struct ks_xobj *o, const char *key)
{
	size_t i;

	for (i = 0; i < o->n; i++)
		if (!strcmp(o->v[i].name, key))
			return &o->v[i];
	return NULL;
}

static int is_null(const struct ks_node *n, const struct ks_snode *sn)
{
	return n->kind == KS_NODE_SCALAR && typed(n, sn) == KS_SCALAR_NULL;
}

static int fill_obj(struct filling *f, const struct ks_xobj *o,
		    const struct ks_node *map, const char *prefix)
{
	size_t i;
	int err = 0;

	for (i = 0; i < map->u.map.n && !err; i++) {
		const struct ks_pair *p = &map->u.map.v[i];
		const struct xprop *pr = find_prop(o, p->key);
		const struct ks_node *v = p->value;

		if (!pr) {
			err = add_other(f, prefix, p->key, v, NULL);
		} else if (pr->what == PROP_ID) {
			/* Shown in the id column unless it differs from the file's. */
			if (v->kind != KS_NODE_SCALAR || strcmp(v->u.scalar.str, f->id))
				err = add_other(f, prefix, p->key, v, pr->sn);
		} else if (pr->what == PROP_COL) {
			err = set_cell(f->t->row, &f->t->cols[pr->col], pr->col, v,
				       f->e->values);
		} else if (is_null(v, pr->sn)) {
			continue;
		} else if (pr->what == PROP_OBJ && v->kind == KS_NODE_MAP) {
			struct ks_buf sub = KS_BUF_INIT;

			err = ks_buf_addf(&sub, "%s%s.", prefix, p->key);
			if (!err)
				err = fill_obj(f, pr->obj, v, sub.ptr);
			ks_buf_release(&sub);
		} else if (pr->what == PROP_TABLE && v->kind == KS_NODE_SEQ) {
			if (ks_grow(&f->pend, f->npend, &f->alloc,
				    sizeof(*f->pend), 4) < 0)
				return -1;
			f->pend[f->npend].t = pr->table;
			f->pend[f->npend++].seq = v;
		} else {
			err = add_other(f, prefix, p->key, v, pr->sn);
		}
	}
	return err;
}

char *ks_xfile_place(const char *prefix, const char *kind, const char *id,
		     const struct ks_node *item)
{
	const struct ks_node *sha = ks_map_get(item, "sha256");
	const struct ks_node *type = ks_map_get(item, "type");
	struct ks_buf b = KS_BUF_INIT;
	char *rel;

	if (!sha || sha->kind != KS_NODE_SCALAR || !type ||
	    type->kind != KS_NODE_SCALAR)
		return NULL;
	rel = ks_attach_relpath(kind, id, sha->u.scalar.str,
				ks_media_of_type(type->u.scalar.str));
	if (!rel)
		return NULL;
	ks_buf_puts(&b, prefix);
	ks_buf_puts(&b, rel + strlen(KS_ATTACH_DIR "/"));
	ks_free(rel);
	return ks_buf_failed(&b) ? (ks_buf_release(&b), NULL)
				 : ks_buf_detach(&b, NULL);
}

/*
 * The cell of the attached file `item` of record `id` (of the kind whose
 * table `t` is a list of): its place, as the export gives it, and a link.
 * A hash or type that names no file leaves the cell empty.
 */
static int file_cell(const struct ks_xemit *e, struct ks_xtable *t,
		     const struct ks_node *item, const char *id)
{
	struct ks_xrow *row = t->row;
	struct ks_xcell *c = NULL;
	char *kind, *text = NULL, *link = NULL;
	size_t i;
	int err = 0;

	for (i = 0; i < t->ncols; i++)
		if (t->cols[i].type == KS_XCOL_FILE)
			c = &row->cells[i];
	if (!c)
		return 0;
	if (!(kind = ks_strndup(t->name, strcspn(t->name, "."))))
		return -1;
	text = ks_xfile_place(e->files ? e->files : "", kind, id, item);
	link = ks_xfile_place(e->link ? e->link : "", kind, id, item);
	if (text && link) {
		err = cell_text(row, c, KS_XCELL_LINK, text, strlen(text));
		c->loff = row->text.len;
		err |= ks_buf_add(&row->text, link, strlen(link) + 1);
	}
	ks_free(kind);
	ks_free(text);
	ks_free(link);
	return err ? -1 : 0;
}

static int emit_item(const struct ks_xemit *e, struct ks_xtable *t,
		     const struct ks_node *item, const char *id,
		     const char *status, const size_t *idx, size_t nidx,
		     struct ks_diags *d)
{
	struct filling f = { e, t, id, KS_BUF_INIT, NULL, 0, 0 };
	struct ks_xrow *row = t->row;
	size_t i, j, *sub = NULL;
	char num[32];
	int err = 0;

	ks_buf_reset(&row->text);
	memset(row->cells, 0, row->ncells * sizeof(*row->cells));
	err |= cell_text(row, &row->cells[0], KS_XCELL_STRING, id, strlen(id));
	if (!t->depth)
		err |= cell_text(row, &row->cells[1], KS_XCELL_STRING, status,
				 strlen(status));
	for (i = 0; i < nidx && i + 1 < t->nkeys; i++) {
		snprintf(num, sizeof(num), "%zu", idx[i]);
		row->cells[i + 1].num = (double)idx[i];
		err |= cell_text(row, &row->cells[i + 1], KS_XCELL_NUMBER, num,
				 strlen(num));
	}
	if (err)
		goto out;
	/* A record that does not parse has its id and status only. */
	if (!item)
		;
	else if (item->kind == KS_NODE_MAP)
		err = fill_obj(&f, t->obj, item, "");
	else if (!is_null(item, NULL))
		err = add_other(&f, "", "", item, NULL);
	if (!err && t->files && item && item->kind == KS_NODE_MAP)
		err = file_cell(e, t, item, id);
	if (!err && f.other.len)
		err = ks_buf_putc(&f.other, '}') |
		      cell_text(row, &row->cells[t->ncols - 1], KS_XCELL_STRING,
				f.other.ptr, f.other.len);
	if (err || (err = e->ops->row(e->w, t, row, d)))
		goto out;
	t->rows++;
	if (!f.npend)
		goto out;
	sub = ks_calloc(nidx + 1, sizeof(*sub));
	if (!sub) {
		err = -1;
		goto out;
	}
	if (nidx)
		memcpy(sub, idx, nidx * sizeof(*sub));
	/* The lists' rows follow their parent's. */
	for (i = 0; i < f.npend && !err; i++) {
		const struct ks_node *seq = f.pend[i].seq;

		for (j = 0; j < seq->u.seq.n && !err; j++) {
			sub[nidx] = j + 1;
			err = emit_item(e, f.pend[i].t, seq->u.seq.v[j], id, NULL,
					sub, nidx + 1, d);
		}
	}
out:
	ks_free(sub);
	ks_free(f.pend);
	ks_buf_release(&f.other);
	return err;
}

int ks_xplan_write_record(struct ks_xplan *p, const struct ks_xemit *e,
			  const char *id, const char *status,
			  const struct ks_node *root, struct ks_diags *d)
{
	return emit_item(e, p->v[0], root, id, status, NULL, 0, d);
}
