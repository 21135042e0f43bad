/*
 * The pages of khaosat serve: see pages.h.  Each reads the survey as the
 * command line does (dupes.h's index for the list and search, check.h for
 * a record and its problems, labels.h for its values) and writes HTML.
 */
#include "pages.h"
#include "pages_int.h"
#include "common.h"
#include "filter.h"
#include "static.h"
#include "html.h"
#include "alloc.h"
#include "check.h"
#include "checkall.h"
#include "commit.h"
#include "conflict.h"
#include "diag.h"
#include "draft.h"
#include "dupes.h"
#include "fielddiff.h"
#include "formsave.h"
#include "heard.h"
#include "history.h"
#include "intl.h"
#include "labels.h"
#include "paths.h"
#include "record.h"
#include "repo.h"
#include "rindex.h"
#include "files.h"
#include "map.h"
#include "watch.h"
#include "schema.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PAGE_SIZE 50



/* What waits for the surveyor: invalid records, forms and drafts. */
static int waiting(const struct ks_web_req *q, struct ks_buf *b)
{
	struct ks_check_opts o = { NULL, 0, NULL, NULL };
	struct ks_check_totals t = { 0 };
	struct ks_formsaves forms = { 0 };
	struct ks_drafts drafts = { 0 };
	struct ks_diags d = KS_DIAGS_INIT, quiet = KS_DIAGS_INIT;
	int err = 0;

	if (ks_check_survey(&t, q->repo, &o, &quiet) == -1 ||
	    ks_formsave_list(&forms, q->repo, NULL, &d) == -1 ||
	    ks_draft_list(&drafts, q->repo, &d) == -1)
		err = -1;
	ks_buf_puts(b, "<ul class=\"waiting\">\n<li>");
	if (t.schemas_bad)
		ks_html(b, _("A form (schema) of the survey does not read: no record could be checked; see 'khaosat check'."));
	else if (t.invalid)
		ks_buf_addf(b, Q_("%zu record is not valid yet.", "%zu records are not valid yet.",
				  t.invalid), t.invalid);
	else
		ks_html(b, _("Every record is valid."));
	ks_buf_puts(b, "</li>\n<li>");
	ks_buf_addf(b, Q_("%zu unfinished form on this laptop.",
			  "%zu unfinished forms on this laptop.", forms.n), forms.n);
	ks_buf_puts(b, "</li>\n<li>");
	ks_buf_addf(b, Q_("%zu record kept as a draft.", "%zu records kept as drafts.",
			  drafts.n), drafts.n);
	ks_buf_puts(b, "</li>\n</ul>\n");
	if (q->writable && (forms.n || drafts.n)) {
		size_t i;

		ks_buf_puts(b, "<ul class=\"unfinished\">\n");
		for (i = 0; i < forms.n; i++) {
			char when[32];
			struct tm tm;

			localtime_r(&forms.v[i].started, &tm);
			strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm);
			if (forms.v[i].of) {
				ks_buf_puts(b, "<li><a href=\"/records/");
				ks_html_urlarg(b, forms.v[i].of);
				ks_buf_puts(b, "/edit?form=");
			} else {
				ks_buf_puts(b, "<li><a href=\"/new/");
				ks_html_urlarg(b, forms.v[i].kind);
				ks_buf_puts(b, "?form=");
			}
			ks_html_urlarg(b, forms.v[i].file);
			ks_buf_puts(b, "\">");
			if (forms.v[i].of)
				ks_buf_addf(b, _("Change of %s %s not saved yet, started %s"),
					    forms.v[i].kind, forms.v[i].of, when);
			else
				ks_buf_addf(b, _("Unfinished form %s, started %s"),
					    forms.v[i].kind, when);
			ks_buf_puts(b, "</a></li>\n");
		}
		for (i = 0; i < drafts.n; i++) {
			ks_buf_puts(b, "<li><a href=\"/records/");
			ks_html_urlarg(b, drafts.v[i].id);
			ks_buf_puts(b, "/edit\">");
			ks_buf_addf(b, _("Draft %s %s"), drafts.v[i].kind,
				    drafts.v[i].id);
			ks_buf_puts(b, "</a></li>\n");
		}
		ks_buf_puts(b, "</ul>\n");
	}
	ks_web_diags(b, &d);
	ks_formsaves_release(&forms);
	ks_drafts_release(&drafts);
	ks_diags_release(&d);
	ks_diags_release(&quiet);
	return err;
}

/* When each laptop's work last came here, by a stick or a hub. */
static int last_heard(const struct ks_web_req *q, struct ks_buf *b)
{
	struct ks_heard h = { NULL, 0, 0 };
	size_t i;
	const char *const cols[] = {
		_("Laptop"), _("Its newest work received here"), _("Surveyor"), NULL,
	};

	if (ks_heard_list(&h, q->repo) < 0)
		return -1;
	ks_buf_puts(b, "<h2>");
	ks_html(b, _("The other laptops"));
	ks_buf_puts(b, "</h2>\n");
	if (!h.n) {
		ks_buf_puts(b, "<p>");
		ks_html(b, _("Nothing has come from another laptop yet: sync with a USB stick or the centre's hub."));
		ks_buf_puts(b, "</p>\n");
	} else {
		ks_web_table_head(b, cols);
		for (i = 0; i < h.n; i++) {
			char when[40];

			ks_format_time(when, sizeof(when), &h.v[i].when, 0);
			ks_buf_puts(b, "<tr><td>");
			ks_html(b, h.v[i].device);
			ks_buf_puts(b, "</td><td>");
			ks_html(b, when);
			ks_buf_puts(b, "</td><td>");
			ks_html(b, h.v[i].author);
			ks_buf_puts(b, "</td></tr>\n");
		}
		ks_buf_puts(b, "</table>\n");
	}
	ks_heard_release(&h);
	return 0;
}

/*
 * The records of each kind of the survey (counts[i] for kind i), by
 * their files' places alone: one pass over the list.
 */
static void count_kinds(size_t *counts, struct ks_repo *r,
		       const struct ks_paths *paths)
{
	size_t i, j;

	for (i = 0; i < paths->n; i++) {
		char *k = NULL, *id = NULL;

		if (ks_record_path_parse(paths->v[i], &k, &id) == 0)
			for (j = 0; j < ks_repo_kind_count(r); j++)
				if (!strcmp(ks_repo_kind(r, j)->name, k)) {
					counts[j]++;
					break;
				}
		ks_free(k);
		ks_free(id);
	}
}

/* The survey at a glance: its records by kind, and its open conflicts. */
static int home(const struct ks_web_req *q, struct ks_web_reply *r)
{
	struct ks_paths paths = { 0 };
	struct ks_conflict_set cs = { 0 };
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_buf *b = &r->body;
	struct ks_rindex *x;
	size_t i, *counts = NULL;
	int err;

	ks_page_begin(b, ks_repo_name(q->repo), C_("page", "Overview"), KS_PAGE_HOME);
	/* the records of each kind: from the index, or by their files' places */
	if (!(counts = ks_calloc(ks_repo_kind_count(q->repo) + 1, sizeof(*counts))))
		goto oom;
	x = q->index ? ks_web_index_fresh(q->index, &d) : NULL;
	if (!x || (err = ks_rindex_counts(x, counts, &d))) {
		err = ks_list_records(&paths, q->repo, &d);
		if (err == -1)
			goto oom;
		count_kinds(counts, q->repo, &paths);
	}
	{
		const char *const cols[] = {
			_("Kind of record"), C_("column", "Records"), "", NULL,
		};

		ks_web_table_head(b, cols);
	}
	for (i = 0; i < ks_repo_kind_count(q->repo); i++) {
		const struct ks_kind *k = ks_repo_kind(q->repo, i);

		ks_buf_puts(b, "<tr><td>");
		ks_html(b, ks_web_kind_title(k));
		ks_buf_addf(b, "</td><td>%zu</td><td>", counts[i]);
		if (q->writable) {
			ks_buf_puts(b, "<a class=\"new\" href=\"/new/");
			ks_html_urlarg(b, k->name);
			ks_buf_puts(b, "\">");
			ks_html(b, _("Add one"));
			ks_buf_puts(b, "</a>");
		}
		ks_buf_puts(b, "</td></tr>\n");
	}
	ks_buf_puts(b, "</table>\n");
	if (ks_conflicts_load(&cs, q->repo, NULL, &d) == -1)
		goto oom;
	ks_buf_puts(b, "<p>");
	if (cs.n)
		ks_buf_addf(b, Q_("%zu open conflict: two laptops changed a field differently.",
				  "%zu open conflicts: two laptops changed a field differently.",
				  cs.n), cs.n);
	else
		ks_html(b, _("No open conflicts."));
	ks_buf_puts(b, "</p>\n");
	if (waiting(q, b) == -1 || last_heard(q, b) == -1)
		goto oom;
	ks_web_diags(b, &d);
	ks_free(counts);
	ks_conflict_set_release(&cs);
	ks_paths_release(&paths);
	ks_diags_release(&d);
	return ks_web_done(r);
oom:
	ks_free(counts);
	ks_conflict_set_release(&cs);
	ks_paths_release(&paths);
	ks_diags_release(&d);
	return -1;
}

/* The records, or those a search finds, a page at a time. */
/* The links to the previous and next pages of the list. */
static void pages_links(struct ks_buf *b, size_t page, int more,
			const char *query, const struct ks_filter *f)
{
	size_t i;

	ks_buf_puts(b, "<p class=\"pages\">");
	for (i = 0; i < 2; i++) {
		if ((i == 0 && page <= 1) || (i == 1 && !more))
			continue;
		ks_buf_addf(b, "<a rel=\"%s\" href=\"/records?page=%zu", i ? "next" : "prev",
			    i ? page + 1 : page - 1);
		if (query) {
			ks_buf_puts(b, "&amp;q=");
			ks_html_urlarg(b, query);
		}
		ks_filter_query(b, f);
		ks_buf_puts(b, "\">");
		ks_html(b, i ? _("Next page") : _("Previous page"));
		ks_buf_puts(b, "</a> ");
	}
	ks_buf_puts(b, "</p>\n");
}

/*
 * How many records there are, and `count` of them from the index: its
 * entries at `at` (NULL: from `from` on).
 */
static void list_page(struct ks_buf *b, const struct ks_dupe_index *ix,
		      const size_t *at, size_t count, size_t total, size_t from)
{
	const char *const cols[] = {
		_("Id"), _("Name"), _("Commune"), NULL,
	};
	size_t i;

	ks_buf_puts(b, "<p>");
	ks_buf_addf(b, Q_("%zu record", "%zu records", total), total);
	ks_buf_puts(b, "</p>\n");
	if (!count)
		return;
	ks_web_table_head(b, cols);
	for (i = 0; i < count; i++) {
		const struct ks_dupe_rec *e = &ix->v[at ? at[i] : from + i];

		ks_buf_puts(b, "<tr><td><a href=\"/records/");
		ks_html_urlarg(b, e->id);
		ks_buf_puts(b, "\">");
		ks_html(b, e->id);
		ks_buf_puts(b, "</a></td><td>");
		ks_html(b, e->name ? e->name : "");
		ks_buf_puts(b, "</td><td>");
		ks_html(b, e->commune ? e->commune : "");
		ks_buf_puts(b, "</td></tr>\n");
	}
	ks_buf_puts(b, "</table>\n");
}

/*
 * The records, or those a search finds, of one kind and holding the
 * choices asked for, a page at a time.
 */
static int records(const struct ks_web_req *q, struct ks_web_reply *r)
{
	struct ks_dupe_index ix = { 0 };
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_buf *b = &r->body;
	struct ks_filter f;
	struct ks_rindex *x;
	const char *query = q->arg(q->ctx, "q"), *pg = q->arg(q->ctx, "page");
	const char *kind;
	size_t *hits = NULL, n, i, k, page = 1, first, last;
	int err;

	if (query && !*query)
		query = NULL;
	if (pg) {
		char *end;
		unsigned long v = strtoul(pg, &end, 10);

		if (*end || v < 1 || v > 1000000)
			return ks_web_not_found(q, r);
		page = v;
	}
	if (ks_filter_read(&f, q->repo, q->arg, q->ctx))
		return ks_web_not_found(q, r);
	kind = f.kind ? f.kind->name : NULL;
	ks_page_begin(b, ks_repo_name(q->repo), C_("page", "Records"), KS_PAGE_RECORDS);
	ks_buf_puts(b, "<form class=\"search\" method=\"get\" action=\"/records\">"
		    "<input type=\"search\" name=\"q\" value=\"");
	ks_html(b, query ? query : "");
	ks_buf_puts(b, "\" placeholder=\"");
	ks_html(b, _("name, phone, tax code or id"));
	ks_buf_puts(b, "\"> <button>");
	ks_html(b, _("Search"));
	ks_buf_puts(b, "</button></form>\n");
	ks_filter_form(b, q->repo, &f, query);
	first = (page - 1) * PAGE_SIZE;
	x = q->index ? ks_web_index_fresh(q->index, &d) : NULL;
	if (x) {
		/*
		 * The index gives the page's records of the kind that hold
		 * the filters and match the search, and how many do.
		 */
		struct ks_dupe_query *dq = NULL;
		const char *held[KS_FACETS_MAX];
		size_t total = 0;

		for (i = 0; i < f.nfields; i++)
			held[i] = f.fields[i].value;
		err = query ? ks_dupe_query_new(&dq, query, &d) : 0;
		if (!err)
			err = ks_rindex_load(x, &ix, &total, kind, held, f.nfields,
					     dq, first, PAGE_SIZE, &d);
		ks_dupe_query_free(dq);
		if (err == -1)
			goto oom;
		if (!total && (query || f.active))
			ks_buf_addf(b, "<p>%s</p>\n", _("No record matches."));
		else
			list_page(b, &ix, NULL, ix.n, total, 0);
		if (page > 1 || first + ix.n < total)
			pages_links(b, page, first + ix.n < total, query, &f);
		goto done;
	}
	if (!query && !f.active) {
		/* the list alone: only the page's records read */
		size_t total;

		if ((err = ks_dupe_index_page(&ix, &total, q->repo, kind, first,
					      PAGE_SIZE, &d)) == -1)
			goto oom;
		list_page(b, &ix, NULL, ix.n, total, 0);
		if (page > 1 || first + ix.n < total)
			pages_links(b, page, first + ix.n < total, query, &f);
		goto done;
	}
	if ((err = ks_dupe_index_load(&ix, q->repo, NULL, &d)) == -1)
		goto oom;
	n = ix.n;
	if (query) {
		err = ks_dupe_search(&hits, &n, &ix, query, &d);
		if (err == -1)
			goto oom;
		if (err)
			n = 0;
	}
	if (f.kind) {
		/* the search's hits (or every record) that pass the filters */
		size_t *kept = ks_malloc(sizeof(*kept) * (n + 1));

		if (!kept)
			goto oom;
		for (i = 0, k = 0; i < n; i++) {
			size_t at = hits ? hits[i] : i;
			int yes = ks_filter_match(&f, q->repo, &ix.v[at]);

			if (yes < 0) {
				ks_free(kept);
				goto oom;
			}
			if (yes)
				kept[k++] = at;
		}
		ks_free(hits);
		hits = kept;
		n = k;
	}
	last = first + PAGE_SIZE < n ? first + PAGE_SIZE : n;
	if (!n)
		ks_buf_addf(b, "<p>%s</p>\n", _("No record matches."));
	else
		list_page(b, &ix, hits ? hits + first : NULL, first < n ? last - first : 0,
			  n, first);
	if (page > 1 || last < n)
		pages_links(b, page, last < n, query, &f);
done:
	ks_free(hits);
	ks_dupe_index_release(&ix);
	ks_diags_release(&d);
	return ks_web_done(r);
oom:
	ks_free(hits);
	ks_dupe_index_release(&ix);
	ks_diags_release(&d);
	return -1;
}

/*
 * Who set each value of the record shown: its leaves (by their field
 * paths, fielddiff.h) matched with the lines of its blame.
 */
struct leaf {
	const struct ks_node *node;
	char *field;
};

struct who {
	const char *id;			/* the record's */
	const struct ks_blame *bl;	/* NULL: the record is not saved yet */
	struct leaf *v;
	size_t n, alloc;
};

static int who_leaf(const char *field, const struct ks_node *value, int line,
		    void *arg)
{
	struct who *w = arg;

	(void)line;
	if (ks_grow(&w->v, w->n, &w->alloc, sizeof(*w->v), 32) < 0 ||
	    !(w->v[w->n].field = ks_strdup(field)))
		return -1;
	w->v[w->n++].node = value;
	return 0;
}

static void who_release(struct who *w)
{
	size_t i;

	for (i = 0; i < w->n; i++)
		ks_free(w->v[i].field);
	ks_free(w->v);
}

/*
 * After a value: who saved it to the history, when and on which laptop;
 * or that it was changed here and is not saved yet.
 */
static void who_html(struct ks_buf *b, const struct who *w,
		     const struct ks_node *v)
{
	const struct ks_blame_line *l = NULL;
	struct ks_buf t = KS_BUF_INIT;
	const char *field = NULL;
	size_t i;

	if (!w || !w->bl)
		return;
	for (i = 0; i < w->n && !field; i++)
		if (w->v[i].node == v)
			field = w->v[i].field;
	if (!field)
		return;
	for (i = 0; !l && i < w->bl->nlines; i++)
		if (!strcmp(w->bl->lines[i].field, field))
			l = &w->bl->lines[i];
	if (!l || !ks_node_equal(l->value, v)) {
		ks_buf_puts(&t, _("changed here, not saved to the history yet"));
	} else {
		const struct ks_commit_info *ci = &w->bl->commits.v[l->commit];
		char when[64];

		ks_format_time(when, sizeof(when), &ci->when, 0);
		when[10] = '\0';	/* the day is enough here */
		if (ci->device)
			/* TRANSLATORS: who set a value: "Hoa, on md01, 2024-03-15" */
			ks_buf_addf(&t, _("%s, on %s, %s"), ci->author,
				    ci->device, when);
		else
			ks_buf_addf(&t, _("%s, %s"), ci->author, when);
	}
	/* the value's own history, a click away */
	ks_buf_puts(b, " <small class=\"who\"><a href=\"/records/");
	ks_html_urlarg(b, w->id);
	ks_buf_puts(b, "/history?field=");
	ks_html_urlarg(b, field);
	ks_buf_puts(b, "\">");
	ks_html(b, t.ptr);
	ks_buf_puts(b, "</a></small>");
	if (ks_buf_failed(&t))
		ks_buf_fail(b);
	ks_buf_release(&t);
}

static void value_html(struct ks_buf *b, const struct ks_snode *s,
		       const struct ks_node *v, const struct who *w);

/* A mapping as a list of fields by their titles. */
static void fields_html(struct ks_buf *b, const struct ks_snode *s,
			const struct ks_node *n, const struct who *w)
{
	size_t i;

	ks_buf_puts(b, "<dl>\n");
	for (i = 0; i < n->u.map.n; i++) {
		const struct ks_pair *p = &n->u.map.v[i];
		const struct ks_snode *ps = s ? ks_snode_cond_property(s, p->key)
					      : NULL;
		const char *title = ps ? ks_snode_title(ps) : NULL;

		ks_buf_puts(b, "<dt>");
		ks_html(b, title ? title : p->key);
		ks_buf_puts(b, "</dt><dd>");
		value_html(b, ps, p->value, w);
		ks_buf_puts(b, "</dd>\n");
	}
	ks_buf_puts(b, "</dl>\n");
}

static void value_html(struct ks_buf *b, const struct ks_snode *s,
		       const struct ks_node *v, const struct who *w)
{
	struct ks_buf t = KS_BUF_INIT;
	size_t i;

	if (v->kind == KS_NODE_SCALAR) {
		ks_labels_value(&t, s, v);
		ks_html(b, t.ptr);
		who_html(b, w, v);
	} else if (v->kind == KS_NODE_MAP) {
		fields_html(b, s, v, w);
	} else {
		ks_buf_puts(b, "<ol>\n");
		for (i = 0; i < v->u.seq.n; i++) {
			ks_buf_puts(b, "<li>");
			value_html(b, s ? ks_snode_items(s) : NULL, v->u.seq.v[i], w);
			ks_buf_puts(b, "</li>\n");
		}
		ks_buf_puts(b, "</ol>\n");
		who_html(b, w, v);	/* a list without x-key is one value */
	}
	if (ks_buf_failed(&t))
		ks_buf_fail(b);
	ks_buf_release(&t);
}


/* One record: its fields by title and labels, and whether it is valid. */
static int record(const struct ks_web_req *q, struct ks_web_reply *r,
		  const char *id)
{
	struct ks_diags d = KS_DIAGS_INIT, quiet = KS_DIAGS_INIT;
	struct ks_buf *b = &r->body, title = KS_BUF_INIT;
	const struct ks_kind *kind = NULL;
	struct ks_schema *schema = NULL;
	struct ks_doc *doc = NULL;
	char device[16];
	unsigned long counter;
	char *rel;
	int err;

	/* an id, never a path: nothing of the request reaches the disk */
	if (ks_id_parse(id, device, &counter) < 0 ||
	    !(rel = ks_web_record_path(q->repo, id, &kind)))
		return ks_web_not_found(q, r);
	err = ks_check_record(q->repo, rel, NULL, &doc, &d);
	if (err == -1) {
		ks_free(rel);
		ks_diags_release(&d);
		return -1;
	}
	ks_buf_addf(&title, "%s %s", ks_web_kind_title(kind), id);
	ks_page_begin(b, ks_repo_name(q->repo), title.ptr, KS_PAGE_OTHER);
	if (q->arg(q->ctx, "saved")) {
		ks_buf_puts(b, "<p class=\"said\">");
		ks_html(b, q->arg(q->ctx, "conflicts")
			? _("Saved to the survey history. The record had changed while the form was open: your changes were merged with it, and the fields both changed wait as conflicts.")
			: _("Saved to the survey history."));
		ks_buf_puts(b, "</p>\n");
	}
	ks_buf_puts(b, "<p class=\"links\">");
	if (q->writable) {
		ks_buf_puts(b, "<a class=\"edit\" href=\"/records/");
		ks_html_urlarg(b, id);
		ks_buf_puts(b, "/edit\">");
		ks_html(b, _("Change this record"));
		ks_buf_puts(b, "</a> ");
	}
	ks_buf_puts(b, "<a href=\"/records/");
	ks_html_urlarg(b, id);
	ks_buf_puts(b, "/history\">");
	ks_html(b, _("Every change of this record, and who made it"));
	ks_buf_puts(b, "</a>");
	if (ks_web_map_offered(q->repo, kind)) {
		ks_buf_puts(b, " <a class=\"map\" href=\"/records/");
		ks_html_urlarg(b, id);
		ks_buf_puts(b, "/map\">");
		ks_html(b, q->writable ? _("Choose its position on a map")
				       : _("Its position on a map"));
		ks_buf_puts(b, "</a>");
	}
	ks_buf_puts(b, "</p>\n");
	if (!err) {
		ks_buf_puts(b, "<p class=\"ok\">");
		ks_html(b, _("The record is valid."));
		ks_buf_puts(b, "</p>\n");
	} else {
		ks_buf_puts(b, "<p class=\"bad\">");
		ks_html(b, _("The record is not valid yet:"));
		ks_buf_puts(b, "</p>\n");
		ks_web_diags(b, &d);
	}
	if (doc && ks_repo_schema(&schema, q->repo, (struct ks_kind *)kind,
				  &quiet))
		schema = NULL;
	if (doc && ks_doc_root(doc)->kind == KS_NODE_MAP) {
		const struct ks_snode *root = schema ? ks_schema_root(schema) : NULL;
		struct ks_blame bl = { 0 };
		struct who w = { id, NULL, NULL, 0, 0 };

		/* a record not saved yet has no one to name */
		if (!ks_blame_record(&bl, q->repo, id, NULL, &quiet))
			w.bl = &bl;
		if (w.bl && ks_field_leaves(ks_doc_root(doc), root, who_leaf, &w) < 0)
			ks_buf_fail(b);
		ks_web_gallery(b, id, ks_doc_root(doc));
		ks_web_attach_form(b, q, id);
		fields_html(b, root, ks_doc_root(doc), &w);
		who_release(&w);
		ks_blame_release(&bl);
	}
	ks_doc_free(doc);
	ks_free(rel);
	ks_buf_release(&title);
	ks_diags_release(&d);
	ks_diags_release(&quiet);
	return ks_web_done(r);
}

/*
 * Every change of every field of record `id`, oldest first, each with who
 * made it, on which laptop and when (history.h: a value carried by merges
 * is shown at the save that first wrote it).
 */
static int history(const struct ks_web_req *q, struct ks_web_reply *r,
		   const char *id)
{
	struct ks_history h = { 0 };
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_buf *b = &r->body, title = KS_BUF_INIT;
	char device[16];
	unsigned long counter;
	size_t i, last = (size_t)-1;
	int err;

	const char *asked = q->arg(q->ctx, "field");
	char *field = NULL;

	if (ks_id_parse(id, device, &counter) < 0)
		return ks_web_not_found(q, r);
	/* one field's history: a path as history names fields, or nothing */
	if (asked && *asked && (asked[0] != '/' || strlen(asked) > 512 ||
				!(field = ks_field_normalise(asked))))
		return field || asked[0] != '/' || strlen(asked) > 512
			? ks_web_not_found(q, r) : -1;
	err = ks_history_record(&h, q->repo, id, NULL, field, &d);
	if (err == -1) {
		ks_diags_release(&d);
		return -1;
	}
	if (err) {
		ks_free(field);
		ks_history_release(&h);
		ks_diags_release(&d);
		return ks_web_not_found(q, r);
	}
	if (field) {
		struct ks_buf label = KS_BUF_INIT;

		ks_labels_path(&label, h.schema, field);
		ks_buf_addf(&title, _("History of %s: %s"), id, label.ptr);
		ks_buf_release(&label);
	} else {
		ks_buf_addf(&title, _("History of %s"), id);
	}
	ks_page_begin(b, ks_repo_name(q->repo), title.ptr, KS_PAGE_OTHER);
	ks_buf_puts(b, "<p><a href=\"/records/");
	ks_html_urlarg(b, id);
	ks_buf_puts(b, "\">");
	ks_html(b, _("The record as it is now"));
	ks_buf_puts(b, "</a></p>\n");
	for (i = 0; i < h.nevents; i++) {
		const struct ks_event *e = &h.events[i];
		struct ks_buf line = KS_BUF_INIT;

		if (e->commit != last) {
			const struct ks_commit_info *ci = &h.commits.v[e->commit];
			char when[64];

			if (last != (size_t)-1)
				ks_buf_puts(b, "</ul>\n");
			ks_format_time(when, sizeof(when), &ci->when, 0);
			ks_buf_puts(b, "<h2>");
			ks_html(b, when);
			ks_buf_puts(b, " \xe2\x80\x94 ");
			ks_html(b, ci->author);
			if (ci->device) {
				ks_buf_puts(b, ", ");
				ks_html(b, ci->device);
			}
			ks_buf_puts(b, "</h2>\n<p>");
			ks_html(b, ci->summary);
			ks_buf_puts(b, "</p>\n<ul>\n");
			last = e->commit;
		}
		if (e->kind == KS_EVENT_CONFLICT) {
			struct ks_buf label = KS_BUF_INIT;

			ks_labels_path(&label, h.schema, e->change.field);
			ks_buf_addf(&line, _("%s: conflict recorded"), label.ptr);
			if (ks_buf_failed(&label))
				ks_buf_fail(&line);
			ks_buf_release(&label);
		} else
			ks_labels_change(&line, h.schema, &e->change);
		ks_buf_puts(b, "<li>");
		ks_html(b, line.ptr);
		ks_buf_puts(b, "</li>\n");
		if (ks_buf_failed(&line))
			ks_buf_fail(b);
		ks_buf_release(&line);
	}
	if (last != (size_t)-1)
		ks_buf_puts(b, "</ul>\n");
	else if (field) {
		ks_buf_puts(b, "<p>");
		ks_html(b, _("This field was never changed after the record was made, or never filled in."));
		ks_buf_puts(b, "</p>\n");
	}
	ks_free(field);
	ks_buf_release(&title);
	ks_history_release(&h);
	ks_diags_release(&d);
	return ks_web_done(r);
}

/*
 * "/records/ID" and what follows it: the record, its history, its form.
 * `id` is copied out of the path so that it can be checked as an id.
 */
static int record_pages(const struct ks_web_req *q, struct ks_web_reply *r,
			const char *rest)
{
	const char *slash = strchr(rest, '/');
	char id[64];

	if (!slash)
		return q->form ? ks_web_not_found(q, r) : record(q, r, rest);
	if ((size_t)(slash - rest) >= sizeof(id))
		return ks_web_not_found(q, r);
	memcpy(id, rest, (size_t)(slash - rest));
	id[slash - rest] = '\0';
	if (!strcmp(slash, "/edit"))
		return ks_web_edit(q, r, id);
	if (!strcmp(slash, "/history") && !q->form)
		return history(q, r, id);
	if (!strncmp(slash, "/files/", 7) && !q->form)
		return ks_web_file(q, r, id, slash + 7);
	if (!strcmp(slash, "/attach") && q->form)
		return ks_web_attach(q, r, id);
	if (!strcmp(slash, "/map") || !strcmp(slash, "/map.svg"))
		return ks_web_map(q, r, id, !strcmp(slash, "/map.svg"));
	return ks_web_not_found(q, r);
}

/* Which kind of record to add. */
static int new_pick(const struct ks_web_req *q, struct ks_web_reply *r)
{
	struct ks_buf *b = &r->body;
	size_t i;

	if (!q->writable)
		return ks_web_not_found(q, r);
	ks_page_begin(b, ks_repo_name(q->repo), _("Add a record"), KS_PAGE_NEW);
	ks_buf_puts(b, "<ul class=\"kinds\">\n");
	for (i = 0; i < ks_repo_kind_count(q->repo); i++) {
		const struct ks_kind *k = ks_repo_kind(q->repo, i);

		ks_buf_puts(b, "<li><a href=\"/new/");
		ks_html_urlarg(b, k->name);
		ks_buf_puts(b, "\">");
		ks_html(b, ks_web_kind_title(k));
		ks_buf_puts(b, "</a></li>\n");
	}
	ks_buf_puts(b, "</ul>\n");
	return ks_web_done(r);
}

int ks_web_post(const struct ks_web_req *q, struct ks_web_reply *r)
{
	if (!strncmp(q->path, "/new/", 5))
		return ks_web_new(q, r, q->path + 5);
	if (!strncmp(q->path, "/records/", 9))
		return record_pages(q, r, q->path + 9);
	if (!strcmp(q->path, "/conflicts"))
		return ks_web_conflicts(q, r);
	if (!strcmp(q->path, "/sync"))
		return ks_web_sync(q, r);
	return ks_web_not_found(q, r);
}

/* The password for writing over the LAN, asked (the server checks it). */
static int login_page(const struct ks_web_req *q, struct ks_web_reply *r)
{
	struct ks_buf *b = &r->body;

	if (q->writable)
		return ks_web_redirect(r, "/");
	if (!q->can_login)
		return ks_web_not_found(q, r);
	ks_page_begin(b, ks_repo_name(q->repo), C_("page", "Log in to make changes"),
		      KS_PAGE_OTHER);
	ks_web_form_begin(b, q, "login", "/login");
	ks_buf_puts(b, "<div class=\"field\"><label for=\"password\">");
	ks_html(b, _("The password the centre set for changing records here"));
	ks_buf_puts(b, "</label><input id=\"password\" name=\"password\" type=\"password\" "
		    "autocomplete=\"current-password\"></div>\n<button class=\"save\">");
	ks_html(b, _("Log in"));
	ks_buf_puts(b, "</button>\n</form>\n");
	return ks_web_done(r);
}

int ks_web_page(const struct ks_web_req *q, struct ks_web_reply *r)
{
	static const char prefix[] = "/records/";

	if (!strcmp(q->path, "/"))
		return home(q, r);
	if (!strcmp(q->path, "/records"))
		return records(q, r);
	if (!strcmp(q->path, "/conflicts"))
		return ks_web_conflicts(q, r);
	if (!strncmp(q->path, prefix, strlen(prefix)))
		return record_pages(q, r, q->path + strlen(prefix));
	if (!strcmp(q->path, "/new"))
		return new_pick(q, r);
	if (!strcmp(q->path, "/export") || !strcmp(q->path, "/export/file"))
		return ks_web_export(q, r);
	if (!strcmp(q->path, "/sync"))
		return ks_web_sync(q, r);
	if (!strcmp(q->path, "/login"))
		return login_page(q, r);
	if (!strncmp(q->path, "/new/", 5))
		return ks_web_new(q, r, q->path + 5);
	if (!strncmp(q->path, "/static/", 8)) {
		const struct ks_web_static *f;

		/* the files compiled in, by name: nothing is read from disk */
		for (f = ks_web_static_files; f->path; f++)
			if (!strcmp(f->path, q->path)) {
				r->status = 200;
				r->type = f->type;
				return ks_buf_add(&r->body, f->data, f->size);
			}
	}
	return ks_web_not_found(q, r);
}
