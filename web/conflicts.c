/*
 * The conflicts page of khaosat serve: every open conflict with its base
 * value and each proposal side by side (who, on which laptop, when), and
 * on this laptop a button for each choice and a field for a new value.
 * Settling one is `khaosat resolve` (resolve.h): found the same way,
 * checked the same way, committed the same way, holding the survey lock.
 */
#include "common.h"
#include "pages_int.h"
#include "html.h"
#include "post.h"
#include "alloc.h"
#include "conflict.h"
#include "diag.h"
#include "fielddiff.h"
#include "input.h"
#include "intl.h"
#include "labels.h"
#include "lock.h"
#include "record.h"
#include "repo.h"
#include "resolve.h"
#include "schema.h"

#include <stdlib.h>
#include <string.h>

static const char *text_of(const struct ks_node *map, const char *key)
{
	const struct ks_node *n = ks_map_get(map, key);

	return n && n->kind == KS_NODE_SCALAR ? n->u.scalar.str : "";
}

/* A conflict's value in a cell: a choice by its label, a part in short. */
static void cell_value(struct ks_buf *b, const struct ks_snode *s,
		       const struct ks_node *v)
{
	struct ks_buf t = KS_BUF_INIT;

	if (!v)
		ks_buf_puts(&t, _("(none)"));
	else if (v->kind == KS_NODE_SCALAR)
		ks_labels_value(&t, s, v);
	else
		ks_value_inline(&t, v);
	ks_html(b, t.ptr);
	if (ks_buf_failed(&t))
		ks_buf_fail(b);
	ks_buf_release(&t);
}

/*
 * The schema of the record a conflict is about (*root) and of its field
 * (returned), or NULL; *id the record's id (ks_free), or NULL for a
 * survey file.
 */
static const struct ks_snode *field_schema(struct ks_repo *repo,
					   const struct ks_conflict_entry *e,
					   char **id, const struct ks_snode **root)
{
	struct ks_diags quiet = KS_DIAGS_INIT;
	struct ks_schema *schema = NULL;
	struct ks_kind *k = NULL;
	char *kind = NULL;

	*id = NULL;
	*root = NULL;
	if (ks_record_path_parse(e->file, &kind, id) == 0)
		k = ks_repo_find_kind(repo, kind);
	if (k && ks_repo_schema(&schema, repo, k, &quiet))
		schema = NULL;
	ks_free(kind);
	ks_diags_release(&quiet);
	if (!schema)
		return NULL;
	*root = ks_schema_root(schema);
	return ks_field_schema(*root, e->field);
}

static void heading(struct ks_buf *b, const struct ks_conflict_entry *e,
		    const char *id, const struct ks_snode *root)
{
	ks_buf_puts(b, "<h2>");
	if (id) {
		ks_buf_puts(b, "<a href=\"/records/");
		ks_html_urlarg(b, id);
		ks_buf_puts(b, "\">");
		ks_html(b, id);
		ks_buf_puts(b, "</a> ");
	} else {
		ks_html(b, e->file);
		ks_buf_putc(b, ' ');
	}
	if (*e->field) {
		struct ks_buf label = KS_BUF_INIT;

		ks_labels_path(&label, root, e->field);
		ks_html(b, label.ptr);
		ks_buf_release(&label);
	} else {
		ks_html(b, _("(the whole record)"));
	}
	ks_buf_puts(b, "</h2>\n");
}

/* The buttons that settle the conflict `e`, and a new value's field. */
static void choices(struct ks_buf *b, const struct ks_web_req *q,
		    const struct ks_conflict_entry *e, const char *id)
{
	size_t j;

	ks_web_form_begin(b, q, "settle", "/conflicts");
	ks_buf_puts(b, "<input type=\"hidden\" name=\"id\" value=\"");
	ks_html(b, id ? id : e->file);
	ks_buf_puts(b, "\">\n<input type=\"hidden\" name=\"field\" value=\"");
	ks_html(b, *e->field ? e->field : "/");
	ks_buf_puts(b, "\">\n");
	for (j = 0; j < e->proposals->u.seq.n; j++) {
		ks_buf_addf(b, "<button name=\"choice\" value=\"%zu\">", j + 1);
		ks_buf_addf(b, _("Keep %zu"), j + 1);
		ks_buf_puts(b, "</button>\n");
	}
	ks_buf_puts(b, "<button name=\"choice\" value=\"base\">");
	ks_html(b, _("Keep the value from before both changes"));
	ks_buf_puts(b, "</button>\n");
	if (*e->field) {
		ks_buf_puts(b, "<label>");
		ks_html(b, _("Or a new value:"));
		ks_buf_puts(b, " <input type=\"text\" name=\"value\"></label>\n"
			    "<button name=\"choice\" value=\"value\">");
		ks_html(b, _("Keep the new value"));
		ks_buf_puts(b, "</button>\n");
	}
	ks_buf_puts(b, "</form>\n");
}

/*
 * The open conflicts: each field by its titles, its base value and every
 * proposal with who made it, on which laptop and when; `said` and `notes`
 * above them (what a settlement did, or why it was refused).
 */
static int page(const struct ks_web_req *q, struct ks_web_reply *r,
		const char *said, const struct ks_diags *notes)
{
	struct ks_conflict_set cs = { 0 };
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_buf *b = &r->body;
	const char *const cols[] = {
		"", _("Value"), _("Who, on which laptop, when"), NULL,
	};
	size_t i, j;

	ks_page_begin(b, ks_repo_name(q->repo), C_("page", "Conflicts"),
		      KS_PAGE_CONFLICTS);
	if (said) {
		ks_buf_puts(b, "<p class=\"said\">");
		ks_html(b, said);
		ks_buf_puts(b, "</p>\n");
	}
	if (notes)
		ks_web_diags(b, notes);
	if (ks_conflicts_load(&cs, q->repo, NULL, &d) == -1) {
		ks_diags_release(&d);
		return -1;
	}
	ks_buf_puts(b, "<p>");
	if (!cs.n)
		ks_html(b, _("No open conflicts."));
	else if (q->writable)
		ks_html(b, _("Two laptops changed these fields differently; both values are kept until one is chosen below."));
	else
		ks_html(b, _("Two laptops changed these fields differently; both values are kept until one is chosen ('khaosat resolve')."));
	ks_buf_puts(b, "</p>\n");
	for (i = 0; i < cs.n; i++) {
		const struct ks_conflict_entry *e = &cs.v[i];
		const struct ks_snode *root, *fs;
		char *id;

		fs = field_schema(q->repo, e, &id, &root);
		ks_buf_puts(b, "<section class=\"conflict\">\n");
		heading(b, e, id, root);
		ks_web_table_head(b, cols);
		ks_buf_puts(b, "<tr><td>");
		ks_html(b, _("before both changes"));
		ks_buf_puts(b, "</td><td>");
		cell_value(b, fs, e->base);
		ks_buf_puts(b, "</td><td></td></tr>\n");
		for (j = 0; j < e->proposals->u.seq.n; j++) {
			const struct ks_node *p = e->proposals->u.seq.v[j];

			ks_buf_addf(b, "<tr><td>%zu</td><td>", j + 1);
			if (ks_map_get(p, "deleted"))
				ks_html(b, _("(delete the record)"));
			else
				cell_value(b, fs, ks_map_get(p, "value"));
			ks_buf_puts(b, "</td><td>");
			ks_html(b, text_of(p, "author"));
			ks_buf_puts(b, ", ");
			ks_html(b, text_of(p, "device"));
			ks_buf_puts(b, ", ");
			ks_html(b, text_of(p, "time"));
			ks_buf_puts(b, "</td></tr>\n");
		}
		ks_buf_puts(b, "</table>\n");
		if (q->writable)
			choices(b, q, e, id);
		ks_buf_puts(b, "</section>\n");
		ks_free(id);
	}
	ks_web_diags(b, &d);
	ks_conflict_set_release(&cs);
	ks_diags_release(&d);
	return ks_web_done(r);
}

/*
 * What the form chose, as resolve's --take, --base or --value, and the
 * commit message that says so.  0, KS_EINVALID (a choice that is not one
 * of the form's), or -1.
 */
static int chosen(const struct ks_node **value, const char **text,
		  struct ks_doc *doc, struct ks_buf *msg, struct ks_repo *repo,
		  const struct ks_resolve *t, const char *id,
		  const char *choice, const char *typed, struct ks_diags *d)
{
	struct ks_node *given = NULL;
	unsigned long n = 0;
	char *end;
	enum ks_resolve_how how;
	int err;

	if (!strcmp(choice, "base")) {
		how = KS_RESOLVE_BASE;
	} else if (!strcmp(choice, "value")) {
		char *rid = NULL;
		const struct ks_snode *root;
		const struct ks_snode *fs = field_schema(repo, t->e, &rid, &root);

		ks_free(rid);
		how = KS_RESOLVE_VALUE;
		if (!t->gone && (!*t->field || !typed || !*typed))
			return ks_error(d, KS_EINVALID, NULL, 0, 0,
					"give the new value, or choose one that is there");
		if (!t->gone && (err = ks_input_read(&given, doc, fs, typed, d)))
			return err;
	} else {
		how = KS_RESOLVE_TAKE;
		n = strtoul(choice, &end, 10);
		if ((*end || !*choice) && !t->gone)
			return KS_EINVALID;
	}
	return ks_resolve_choice(value, text, msg, t, id, how, n, given);
}

/* Settles the conflict the form names; the page again with what happened. */
static int settle(const struct ks_web_req *q, struct ks_web_reply *r)
{
	const char *id = ks_web_form_get(q->form, "id");
	const char *field = ks_web_form_get(q->form, "field");
	const char *choice = ks_web_form_get(q->form, "choice");
	struct ks_resolve t = KS_RESOLVE_INIT;
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_buf msg = KS_BUF_INIT;
	struct ks_doc *doc = ks_doc_new(NULL);
	struct ks_lock *lock = NULL;
	const struct ks_node *value;
	const char *text;
	int err;

	if (!doc)
		return -1;
	if (!id || !field || !choice) {
		err = KS_EINVALID;
		ks_error(&d, err, NULL, 0, 0, "the form does not say which conflict to settle, or how");
	} else if (!(err = ks_web_lock(&lock, q, &d)) &&
		   !(err = ks_repo_require_main(q->repo, &d)) &&
		   !(err = ks_resolve_find(&t, q->repo, id, field, &d)) &&
		   !(err = chosen(&value, &text, doc, &msg, q->repo, &t, id,
				  choice, ks_web_form_get(q->form, "value"), &d))) {
		err = ks_buf_failed(&msg) ? -1
			: ks_resolve_settle(q->repo, &t, value, text, msg.ptr, &d);
	}
	if (err == KS_EINVALID && !d.errors)
		ks_error(&d, err, NULL, 0, 0, "that is not one of the choices of this conflict");
	ks_web_unlock(q, lock);
	if (!err)
		err = ks_web_redirect(r, "/conflicts?settled=1");
	else if (err != -1) {
		if (ks_buf_failed(&r->body) || page(q, r, _("Not settled: nothing was changed."), &d) < 0)
			err = -1;
		else {
			r->status = err == KS_ENOTFOUND ? 404 : err == KS_EIO ? 503 : 422;
			err = 0;
		}
	}
	ks_resolve_release(&t);
	ks_buf_release(&msg);
	ks_doc_free(doc);
	ks_diags_release(&d);
	return err;
}

int ks_web_conflicts(const struct ks_web_req *q, struct ks_web_reply *r)
{
	if (q->form)
		return settle(q, r);
	return page(q, r, q->arg(q->ctx, "settled")
		    ? _("The conflict is settled; saved to the survey history.") : NULL,
		    NULL);
}
