/*
 * The filters of the records page: one kind of record, and for that kind
 * a choice for each of its fields that has choices (legal type, trade
 * group, OCOP stars, ...), two levels deep.  A filter names a field by its
 * dotted path and a value by its code; only fields and codes of the
 * schema are taken, so nothing else of the request is read.
 */
#include "filter.h"
#include "html.h"
#include "alloc.h"
#include "buf.h"
#include "conflict.h"
#include "diag.h"
#include "dupes.h"
#include "intl.h"
#include "record.h"
#include "repo.h"
#include "schema.h"

#include <stdio.h>
#include <string.h>

#define MAX_RANGE 10	/* whole numbers offered as choices, at most */

/* How many choices the field has: its enum, or its few whole numbers. */
static size_t choices(const struct ks_filter_field *ff)
{
	return ff->lo <= ff->hi ? (size_t)(ff->hi - ff->lo + 1)
				: ks_snode_enum_count(ff->s);
}

/* Choice `i` of the field as stored (`buf` holds a number's text). */
static const char *code_of(const struct ks_filter_field *ff, size_t i,
			   char *buf, size_t n)
{
	const struct ks_node *v;

	if (ff->lo <= ff->hi) {
		snprintf(buf, n, "%lld", ff->lo + (long long)i);
		return buf;
	}
	v = ks_snode_enum_value(ff->s, i);
	return v && v->kind == KS_NODE_SCALAR ? v->u.scalar.str : NULL;
}

/* The choice fields of the object `s` at `prefix`, into f->fields. */
static void choice_fields(struct ks_filter *f, const struct ks_snode *s,
			  const char *prefix, const char *title_prefix,
			  int depth)
{
	size_t i, n = ks_snode_property_count(s);

	for (i = 0; i < n && f->nfields < KS_FILTER_MAX; i++) {
		const char *name = ks_snode_property_name(s, i);
		const struct ks_snode *p = ks_snode_property(s, name);
		const struct ks_snode *items = ks_snode_items(p);
		const char *title = ks_snode_title(p) ? ks_snode_title(p) : name;
		struct ks_filter_field *ff = &f->fields[f->nfields];
		unsigned types = ks_snode_types(p);
		long long lo, hi;

		if (types == KS_TYPE_OBJECT && depth < 1) {
			char sub[sizeof(ff->path)], subt[sizeof(ff->title)];

			snprintf(sub, sizeof(sub), "%s%s.", prefix, name);
			snprintf(subt, sizeof(subt), "%s%s › ", title_prefix, title);
			choice_fields(f, p, sub, subt, depth + 1);
			continue;
		}
		ff->lo = 1;
		ff->hi = 0;
		if (ks_snode_enum_count(p)) {
			ff->list = 0;
		} else if (types == KS_TYPE_ARRAY && items && ks_snode_enum_count(items)) {
			ff->list = 1;
			p = items;
		} else if (ks_snode_int_range(p, &lo, &hi) && lo <= hi &&
			   hi - lo < MAX_RANGE) {
			/* OCOP stars: 3, 4 or 5 */
			ff->list = 0;
			ff->lo = lo;
			ff->hi = hi;
		} else {
			continue;
		}
		if ((size_t)snprintf(ff->path, sizeof(ff->path), "%s%s", prefix,
				     name) >= sizeof(ff->path))
			continue;
		snprintf(ff->title, sizeof(ff->title), "%s%s", title_prefix, title);
		ff->s = p;
		ff->value = NULL;
		f->nfields++;
	}
}

int ks_filter_read(struct ks_filter *f, struct ks_repo *r,
		   const char *(*arg)(void *, const char *), void *ctx)
{
	const char *kind = arg(ctx, "kind");
	struct ks_diags quiet = KS_DIAGS_INIT;
	size_t i, j;

	memset(f, 0, sizeof(*f));
	if (!kind || !*kind)
		return 0;
	if (!(f->kind = ks_repo_find_kind(r, kind)))
		return KS_ENOTFOUND;
	if (ks_repo_schema(&f->schema, r, f->kind, &quiet)) {
		ks_diags_release(&quiet);
		f->schema = NULL;
		return 0;	/* a kind whose form does not read: no choices */
	}
	ks_diags_release(&quiet);
	choice_fields(f, ks_schema_root(f->schema), "", "", 0);
	for (i = 0; i < f->nfields; i++) {
		char name[sizeof(f->fields[i].path) + 2];
		const char *v;

		struct ks_filter_field *ff = &f->fields[i];
		char buf[24];

		snprintf(name, sizeof(name), "f.%s", ff->path);
		if (!(v = arg(ctx, name)) || !*v)
			continue;
		for (j = 0; j < choices(ff) && !ff->value; j++) {
			const char *code = code_of(ff, j, buf, sizeof(buf));

			if (code && !strcmp(code, v))
				ff->value = code == buf
					? strcpy(ff->number, buf) : code;
		}
		if (!ff->value)
			return KS_ENOTFOUND;	/* not one of the choices */
		f->active++;
	}
	return 0;
}

void ks_filter_form(struct ks_buf *b, struct ks_repo *r,
		    const struct ks_filter *f, const char *query)
{
	size_t i, j;

	ks_buf_puts(b, "<form class=\"filter\" method=\"get\" action=\"/records\">\n");
	if (query) {
		ks_buf_puts(b, "<input type=\"hidden\" name=\"q\" value=\"");
		ks_html(b, query);
		ks_buf_puts(b, "\">\n");
	}
	ks_buf_puts(b, "<label>");
	ks_html(b, _("Kind of record"));
	ks_buf_puts(b, " <select name=\"kind\"><option value=\"\">");
	ks_html(b, _("(every kind)"));
	ks_buf_puts(b, "</option>");
	for (i = 0; i < ks_repo_kind_count(r); i++) {
		const struct ks_kind *k = ks_repo_kind(r, i);

		ks_buf_puts(b, "<option value=\"");
		ks_html(b, k->name);
		ks_buf_puts(b, f->kind == k ? "\" selected>" : "\">");
		ks_html(b, k->title && *k->title ? k->title : k->name);
		ks_buf_puts(b, "</option>");
	}
	ks_buf_puts(b, "</select></label>\n");
	for (i = 0; i < f->nfields; i++) {
		const struct ks_filter_field *ff = &f->fields[i];

		ks_buf_puts(b, "<label>");
		ks_html(b, ff->title);
		ks_buf_puts(b, " <select name=\"f.");
		ks_html(b, ff->path);
		ks_buf_puts(b, "\"><option value=\"\"></option>");
		for (j = 0; j < choices(ff); j++) {
			char buf[24];
			const char *code = code_of(ff, j, buf, sizeof(buf));
			const char *t = ff->lo <= ff->hi ? NULL : ks_snode_enum_title(ff->s, j);

			if (!code)
				continue;
			ks_buf_puts(b, "<option value=\"");
			ks_html(b, code);
			ks_buf_puts(b, ff->value && !strcmp(ff->value, code)
				    ? "\" selected>" : "\">");
			ks_html(b, t ? t : code);
			ks_buf_puts(b, "</option>");
		}
		ks_buf_puts(b, "</select></label>\n");
	}
	ks_buf_puts(b, "<button>");
	ks_html(b, _("Filter"));
	ks_buf_puts(b, "</button>\n</form>\n");
}

void ks_filter_query(struct ks_buf *b, const struct ks_filter *f)
{
	size_t i;

	if (!f->kind)
		return;
	ks_buf_puts(b, "&amp;kind=");
	ks_html_urlarg(b, f->kind->name);
	for (i = 0; i < f->nfields; i++) {
		if (!f->fields[i].value)
			continue;
		ks_buf_puts(b, "&amp;f.");
		ks_html_urlarg(b, f->fields[i].path);
		ks_buf_putc(b, '=');
		ks_html_urlarg(b, f->fields[i].value);
	}
}

/* The node at a dotted path of `root` ("location.kind"), or NULL. */
static const struct ks_node *at_path(const struct ks_node *root, const char *path)
{
	char field[sizeof(((struct ks_filter_field *)0)->path) + 1];
	const struct ks_node *nearest;
	size_t i;

	/* as history names fields: "/location/kind" */
	field[0] = '/';
	for (i = 0; path[i] && i + 1 < sizeof(field); i++)
		field[i + 1] = path[i] == '.' ? '/' : path[i];
	field[i + 1] = '\0';
	return root ? ks_field_find(root, field, &nearest) : NULL;
}

static int holds(const struct ks_node *v, const char *code, int list)
{
	size_t i;

	if (!v)
		return 0;
	if (!list)
		return v->kind == KS_NODE_SCALAR && !strcmp(v->u.scalar.str, code);
	for (i = 0; v->kind == KS_NODE_SEQ && i < v->u.seq.n; i++)
		if (holds(v->u.seq.v[i], code, 0))
			return 1;
	return 0;
}

int ks_filter_match(const struct ks_filter *f, struct ks_repo *r,
		    const struct ks_dupe_rec *e)
{
	struct ks_diags quiet = KS_DIAGS_INIT;
	struct ks_doc *doc = NULL;
	char *abs;
	size_t i;
	int yes = 1;

	if (!f->kind)
		return 1;
	if (strcmp(e->kind, f->kind->name))
		return 0;
	if (!f->active)
		return 1;
	if (!(abs = ks_repo_path(r, e->path)))
		return -1;
	if (ks_doc_load(&doc, abs, e->path, KS_PARSE_RECORD, &quiet))
		yes = 0;	/* a record that does not read holds nothing */
	for (i = 0; yes && i < f->nfields; i++)
		if (f->fields[i].value &&
		    !holds(at_path(ks_doc_root(doc), f->fields[i].path),
			   f->fields[i].value, f->fields[i].list))
			yes = 0;
	ks_doc_free(doc);
	ks_free(abs);
	ks_diags_release(&quiet);
	return yes;
}
