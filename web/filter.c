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
	{
		struct ks_facet fc[KS_FACETS_MAX];

		f->nfields = ks_facets(fc, KS_FACETS_MAX,
				       ks_schema_root(f->schema));
		for (i = 0; i < f->nfields; i++)
			f->fields[i].fc = fc[i];
	}
	for (i = 0; i < f->nfields; i++) {
		char name[sizeof(f->fields[i].fc.path) + 2];
		const char *v;

		struct ks_filter_field *ff = &f->fields[i];
		char buf[24];

		snprintf(name, sizeof(name), "f.%s", ff->fc.path);
		if (!(v = arg(ctx, name)) || !*v)
			continue;
		for (j = 0; j < ks_facet_choices(&ff->fc) && !ff->value; j++) {
			const char *code = ks_facet_choice(&ff->fc, j, buf,
							   sizeof(buf));

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
		ks_html(b, ff->fc.title);
		ks_buf_puts(b, " <select name=\"f.");
		ks_html(b, ff->fc.path);
		ks_buf_puts(b, "\"><option value=\"\"></option>");
		for (j = 0; j < ks_facet_choices(&ff->fc); j++) {
			char buf[24];
			const char *code = ks_facet_choice(&ff->fc, j, buf,
							   sizeof(buf));
			const char *t = ff->fc.lo <= ff->fc.hi ? NULL
				: ks_snode_enum_title(ff->fc.s, j);

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
		ks_html_urlarg(b, f->fields[i].fc.path);
		ks_buf_putc(b, '=');
		ks_html_urlarg(b, f->fields[i].value);
	}
}

/* The facet text of a record the index did not give, from its file. */
static int read_facets(const struct ks_filter *f, struct ks_repo *r,
		       struct ks_dupe_rec *e)
{
	struct ks_diags quiet = KS_DIAGS_INIT;
	struct ks_doc *doc = NULL;
	struct ks_facet fc[KS_FACETS_MAX];
	struct ks_buf b = KS_BUF_INIT;
	char *abs = ks_repo_path(r, e->path);
	size_t i;
	int err;

	if (!abs)
		return -1;
	err = ks_doc_load(&doc, abs, e->path, KS_PARSE_RECORD, &quiet);
	for (i = 0; i < f->nfields; i++)
		fc[i] = f->fields[i].fc;
	/* a record that does not read holds nothing */
	if (!err && (ks_facets_text(&b, fc, f->nfields, ks_doc_root(doc)) < 0 ||
		     !(e->facets = ks_buf_detach(&b, NULL))))
		err = -1;
	ks_buf_release(&b);
	ks_doc_free(doc);
	ks_free(abs);
	ks_diags_release(&quiet);
	return err == -1 ? -1 : 0;
}

int ks_filter_match(const struct ks_filter *f, struct ks_repo *r,
		    struct ks_dupe_rec *e)
{
	size_t i;

	if (!f->kind)
		return 1;
	if (strcmp(e->kind, f->kind->name))
		return 0;
	if (!f->active)
		return 1;
	if (!e->facets && read_facets(f, r, e) < 0)
		return -1;
	for (i = 0; i < f->nfields; i++)
		if (f->fields[i].value &&
		    (!e->facets || !ks_facets_hold(e->facets, i,
						   f->fields[i].value)))
			return 0;
	return 1;
}
