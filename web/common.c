/*
 * What the pages of khaosat serve share: see common.h.
 */
#include "common.h"
#include "html.h"
#include "alloc.h"
#include "buf.h"
#include "diag.h"
#include "intl.h"
#include "lock.h"
#include "merge.h"
#include "record.h"
#include "repo.h"

#include <string.h>
#include <unistd.h>

/* "<table>" and its row of column titles, NULL-terminated (escaped). */
void ks_web_table_head(struct ks_buf *b, const char *const *titles)
{
	ks_buf_puts(b, "<table>\n<tr>");
	for (; *titles; titles++) {
		ks_buf_puts(b, "<th>");
		ks_html(b, *titles);
		ks_buf_puts(b, "</th>");
	}
	ks_buf_puts(b, "</tr>\n");
}

/* A page finished: 200, HTML. */
int ks_web_done(struct ks_web_reply *r)
{
	r->status = 200;
	r->type = "text/html; charset=utf-8";
	return ks_page_end(&r->body);
}

int ks_web_not_found(const struct ks_web_req *q, struct ks_web_reply *r)
{
	r->status = 404;
	r->type = "text/html; charset=utf-8";
	ks_page_begin(&r->body, ks_repo_name(q->repo), _("Not found"),
		      KS_PAGE_OTHER);
	ks_buf_puts(&r->body, "<p>");
	ks_html(&r->body, _("There is no such page or record in this survey."));
	ks_buf_puts(&r->body, " <a href=\"/records\">");
	ks_html(&r->body, _("See the records."));
	ks_buf_puts(&r->body, "</a></p>\n");
	return ks_page_end(&r->body);
}

/* A problem of the survey's files, said on the page instead of a list. */
void ks_web_diags(struct ks_buf *b, const struct ks_diags *d)
{
	size_t i;

	if (!d->errors)
		return;
	ks_buf_puts(b, "<ul class=\"problems\">\n");
	for (i = 0; i < d->n; i++) {
		if (d->v[i].severity != KS_SEV_ERROR)
			continue;
		ks_buf_puts(b, "<li>");
		if (d->v[i].path) {
			ks_html(b, d->v[i].path);
			if (d->v[i].line)
				ks_buf_addf(b, ":%d", d->v[i].line);
			ks_buf_puts(b, ": ");
		}
		ks_html(b, d->v[i].message);
		ks_buf_puts(b, "</li>\n");
	}
	ks_buf_puts(b, "</ul>\n");
}

const char *ks_web_kind_title(const struct ks_kind *k)
{
	return k->title && *k->title ? k->title : k->name;
}

/* Where record `id` is in the work tree, or NULL (ks_free). */
char *ks_web_record_path(struct ks_repo *repo, const char *id,
			 const struct ks_kind **kind)
{
	size_t i;

	for (i = 0; i < ks_repo_kind_count(repo); i++) {
		const struct ks_kind *k = ks_repo_kind(repo, i);
		char *rel = ks_record_relpath(k->name, id);
		char *abs = rel ? ks_repo_path(repo, rel) : NULL;
		int there = abs && access(abs, F_OK) == 0;

		ks_free(abs);
		if (there) {
			*kind = k;
			return rel;
		}
		ks_free(rel);
	}
	return NULL;
}

int ks_web_redirect(struct ks_web_reply *r, const char *path)
{
	r->status = 303;
	r->type = "text/plain; charset=utf-8";
	r->location = ks_strdup(path);
	return r->location ? 0 : -1;
}

int ks_web_lock(struct ks_lock **l, const struct ks_web_req *q,
		struct ks_diags *d)
{
	struct ks_repo *r = q->repo;
	const char *gitdir = git_repository_path(ks_repo_git(r));
	struct ks_lock_opts o = { "khaosat serve", q->lock_ms, NULL, NULL };
	int removed, recovered, err;

	*l = NULL;
	if ((err = ks_lock_take(l, gitdir, 1, &o, d)))
		return err;
	if ((err = ks_lock_clear_stale(gitdir, &removed, d)) ||
	    (err = ks_merge_recover(r, &recovered, d))) {
		ks_lock_free(*l);
		*l = NULL;
	}
	ks_repo_set_writer(r, !err);
	return err;
}

void ks_web_unlock(const struct ks_web_req *q, struct ks_lock *l)
{
	if (l)
		ks_repo_set_writer(q->repo, 0);
	ks_lock_free(l);
}

void ks_web_form_begin(struct ks_buf *b, const struct ks_web_req *q,
		       const char *cls, const char *action)
{
	ks_buf_puts(b, "<form class=\"");
	ks_html(b, cls);
	ks_buf_puts(b, "\" method=\"post\" action=\"");
	ks_html(b, action);
	ks_buf_puts(b, "\">\n<input type=\"hidden\" name=\"csrf\" value=\"");
	ks_html(b, q->csrf);
	ks_buf_puts(b, "\">\n");
}

int ks_web_to_record(struct ks_web_reply *r, const char *id, const char *then)
{
	struct ks_buf to = KS_BUF_INIT;
	int err;

	ks_buf_puts(&to, "/records/");
	ks_html_urlarg(&to, id);
	ks_buf_puts(&to, then);
	err = ks_buf_failed(&to) ? -1 : ks_web_redirect(r, to.ptr);
	ks_buf_release(&to);
	return err;
}

void ks_web_back_to_record(struct ks_buf *b, const char *id)
{
	ks_buf_puts(b, "<p><a href=\"/records/");
	ks_html_urlarg(b, id);
	ks_buf_puts(b, "\">");
	ks_html(b, _("Back to the record"));
	ks_buf_puts(b, "</a></p>\n");
}
