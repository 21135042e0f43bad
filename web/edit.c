/*
 * The pages that add and change records in the browser: a new record of a
 * kind (/new/KIND), and a record or draft changed (/records/ID/edit).
 *
 * They are the command line's new and edit with a web form in front:
 *   - what is typed is read as the terminal form reads it (input.h), and
 *     checked by the same validator, with each problem at its field;
 *   - a new record's answers are kept, at every press of a button, as the
 *     same unfinished form (formsave.h) the terminal form keeps, so that a
 *     closed tab or a stopped server loses nothing, and either form can go
 *     on with it;
 *   - "save" writes the record and commits that one file as the laptop's
 *     surveyor, with the survey lock held; a record that changed since the
 *     form was opened is merged field by field (merge.h), as edit does;
 *   - "keep as draft" keeps a record that is not valid yet (draft.h).
 */
#include "common.h"
#include "pages_int.h"
#include "form.h"
#include "html.h"
#include "post.h"
#include "watch.h"
#include "alloc.h"
#include "answer.h"
#include "check.h"
#include "clash.h"
#include "commit.h"
#include "create.h"
#include "diag.h"
#include "draft.h"
#include "file.h"
#include "formsave.h"
#include "json.h"
#include "intl.h"
#include "lock.h"
#include "merge.h"
#include "record.h"
#include "repo.h"
#include "rindex.h"
#include "schema.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>


/* What a form page is about, and what it holds. */
struct page {
	const struct ks_web_req *q;
	struct ks_web_reply *r;
	struct ks_kind *kind;
	struct ks_schema *schema;
	const char *id;		/* an edit's record, or NULL for a new one */
	char *rel;		/* an edit's file; NULL for a draft */
	int draft;		/* an edit of a draft */
	char base[GIT_OID_HEXSZ + 1];	/* an edit's file as opened */
	struct ks_doc *doc;	/* the record in the form */
	struct ks_formsave save;	/* a new record's answers */
	struct ks_diags problems;	/* shown at their fields */
	struct ks_diags notes;	/* said above the form */
	const char *said;	/* one line above the form, or NULL */
	struct ks_buf pending;	/* unfinished changes of the record, offered */
	unsigned status;
};

/* A form page about to be made: of record `id`, or NULL for a new one. */
static void page_init(struct page *p, const struct ks_web_req *q,
		      struct ks_web_reply *r, const char *id)
{
	memset(p, 0, sizeof(*p));
	p->q = q;
	p->r = r;
	p->id = id;
	ks_diags_init(&p->problems);
	ks_diags_init(&p->notes);
	ks_buf_init(&p->pending);
}

static void page_release(struct page *p)
{
	ks_free(p->rel);
	ks_doc_free(p->doc);
	ks_formsave_release(&p->save);
	ks_diags_release(&p->problems);
	ks_diags_release(&p->notes);
	ks_buf_release(&p->pending);
}

/* An unfinished form's name as the forms folder has it, nothing else. */
static int form_name_ok(const char *s)
{
	size_t n = strlen(s);

	return n > 5 && n < 128 && s[0] != '.' &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n &&
	       !strcmp(s + n - 5, ".yaml") && !strstr(s, "..");
}

static void hidden(struct ks_buf *b, const char *name, const char *value)
{
	ks_buf_puts(b, "<input type=\"hidden\" name=\"");
	ks_html(b, name);
	ks_buf_puts(b, "\" value=\"");
	ks_html(b, value);
	ks_buf_puts(b, "\">\n");
}

static void submit(struct ks_buf *b, const char *op, const char *text,
		   const char *cls)
{
	ks_buf_addf(b, "<button class=\"%s\" name=\"op\" value=\"%s\">", cls, op);
	ks_html(b, text);
	ks_buf_puts(b, "</button>\n");
}

/* The page: what happened, every problem by its field's name, the form. */
static int show(struct page *p)
{
	struct ks_buf *b = &p->r->body, title = KS_BUF_INIT, action = KS_BUF_INIT;
	struct ks_form_view v = { p->q->repo, p->q->index, p->schema, p->doc,
				  &p->problems };
	const char *kt = ks_web_kind_title(p->kind);
	size_t i;

	if (p->id && p->draft)
		ks_buf_addf(&title, _("Draft %s %s"), kt, p->id);
	else if (p->id)
		ks_buf_addf(&title, _("Change %s %s"), kt, p->id);
	else
		ks_buf_addf(&title, _("New %s"), kt);
	ks_page_begin(b, ks_repo_name(p->q->repo), title.ptr, KS_PAGE_OTHER);
	if (p->said) {
		ks_buf_puts(b, "<p class=\"said\">");
		ks_html(b, p->said);
		ks_buf_puts(b, "</p>\n");
	}
	ks_web_diags(b, &p->notes);
	if (p->pending.len)
		ks_buf_add(b, p->pending.ptr, p->pending.len);
	if (p->problems.errors) {
		ks_buf_puts(b, "<div class=\"summary\"><p class=\"bad\">");
		ks_html(b, _("Not saved yet: the record is not valid. Fix what is marked below."));
		ks_buf_puts(b, "</p>\n<ul class=\"problems\">\n");
		for (i = 0; i < p->problems.n; i++) {
			if (p->problems.v[i].severity != KS_SEV_ERROR)
				continue;
			ks_buf_puts(b, "<li>");
			ks_html(b, p->problems.v[i].message);
			ks_buf_puts(b, "</li>\n");
		}
		ks_buf_puts(b, "</ul></div>\n");
	}
	if (p->id) {
		ks_buf_puts(&action, "/records/");
		ks_html_urlarg(&action, p->id);
		ks_buf_puts(&action, "/edit");
	} else {
		ks_buf_puts(&action, "/new/");
		ks_html_urlarg(&action, p->kind->name);
	}
	ks_web_form_begin(b, p->q, "record", action.ptr);
	/* Enter in a field checks the form; it never adds or removes items */
	submit(b, "check", _("Check"), "default");
	if (p->save.file)
		hidden(b, "form", p->save.file);
	if (p->id && !p->draft)
		hidden(b, "base", p->base);
	if (ks_form_html(b, &v) < 0)
		ks_buf_fail(b);
	ks_buf_puts(b, "<div class=\"actions\">\n");
	submit(b, "save", _("Save to the survey"), "save");
	submit(b, "check", _("Check"), "check");
	if (!p->id || p->draft)
		submit(b, "draft", _("Keep as a draft"), "draft");
	ks_buf_puts(b, "<span id=\"kept\" class=\"kept\"></span>\n</div>\n</form>\n"
		    "<script src=\"/static/form.js\" defer></script>\n");
	ks_buf_release(&title);
	ks_buf_release(&action);
	if (ks_web_done(p->r) < 0)
		return -1;
	p->r->status = p->status ? p->status : 200;
	return 0;
}

/* One problem into `to`, all it says kept. */
static int copy_diag(struct ks_diags *to, const struct ks_diag *g)
{
	size_t n = to->n;
	struct ks_diag *c;

	ks_diags_add(to, g->severity, g->path, g->line, g->col, g->pointer,
		     g->keyword, "%s", g->message);
	if (to->n == n)
		return -1;	/* not added: out of memory */
	c = &to->v[n];
	c->detail = g->detail;
	if (g->missing && !(c->missing = ks_strdup(g->missing)))
		return -1;
	return 0;
}

/*
 * Its unique values against the rest of the survey: against the values
 * the reading index keeps when the server has one, not by a status of
 * every file and a walk of every committed record.
 */
static int clash(struct page *p, const char *id, const struct ks_node *root,
		 struct ks_diags *d)
{
	struct ks_diags quiet = KS_DIAGS_INIT;
	struct ks_rindex *x = p->q->index ?
		ks_web_index_fresh(p->q->index, &quiet) : NULL;
	int err = x ? ks_clash_record_index(p->q->repo, x, p->kind->name, id,
					    root, d)
		    : ks_clash_record(p->q->repo, p->kind->name, id, root, d);

	ks_diags_release(&quiet);
	return err;
}

/* The record's problems now: its schema, references, unique values. */
static int judge(struct page *p, const char *id, struct ks_diags *d)
{
	struct ks_node *root = ks_doc_root(p->doc);
	int err;

	if (ks_map_set(p->doc, root, "id", ks_node_scalar(p->doc, id, strlen(id), 1)) < 0)
		return -1;
	if (p->rel)
		err = ks_check_doc(p->q->repo, p->rel, p->doc, NULL, d);
	else
		err = ks_check_values(p->q->repo, p->kind->name, root, NULL, d);
	if (!err)
		err = clash(p, id, root, d);
	return err;
}

/*
 * The validator's problems, less those at a field whose text could not
 * be read (its own reason is there already).
 */
static int add_problems(struct page *p, struct ks_diags *found)
{
	size_t i, j;

	for (i = 0; i < found->n; i++) {
		struct ks_diag *g = &found->v[i];
		int dup = 0;

		for (j = 0; j < p->problems.n && !dup; j++)
			dup = p->problems.v[j].keyword &&
			      !strcmp(p->problems.v[j].keyword, "input") &&
			      g->pointer && !strcmp(g->pointer, p->problems.v[j].pointer);
		if (dup)
			continue;
		if (copy_diag(&p->problems, g) < 0)
			return -1;
	}
	return 0;
}

/* ---- a new record ---- */

static struct ks_kind *kind_named(struct ks_repo *r, const char *name)
{
	return ks_repo_find_kind(r, name);
}

/*
 * The form's answers kept as an unfinished form, for the next press, the
 * next visit or the terminal form: a new record's, or a change of record
 * p->id with the version it was opened on.
 */
static int keep_answers(struct page *p)
{
	if (!p->save.file) {
		if (ks_formsave_start(&p->save, p->q->repo, p->kind->name) < 0 ||
		    (p->id && !(p->save.of = ks_strdup(p->id))) ||
		    (p->id && !p->draft && !(p->save.base = ks_strdup(p->base))))
			return -1;
	}
	p->save.record = ks_doc_root(p->doc);
	return ks_formsave_write(p->q->repo, &p->save, &p->notes) == -1 ? -1 : 0;
}

/*
 * The answer to a script that keeps the form as it is typed (op=keep):
 * JSON with the unfinished form's name, each problem under the pointer of
 * the field it is about, and when the answers were kept.
 */
static int keep_json(struct page *p)
{
	struct ks_buf *b = &p->r->body, at = KS_BUF_INIT;
	struct ks_json j;
	char when[16];
	time_t now = time(NULL);
	struct tm tm;
	size_t i;

	localtime_r(&now, &tm);
	strftime(when, sizeof(when), "%H:%M:%S", &tm);
	ks_json_init(&j, b);
	ks_json_begin_object(&j);
	ks_json_field_str(&j, "form", p->save.file ? p->save.file : "");
	ks_buf_addf(&at, _("Kept at %s."), when);
	ks_json_field_str(&j, "said", at.ptr ? at.ptr : "");
	ks_json_key(&j, "problems");
	ks_json_begin_array(&j);
	for (i = 0; i < p->problems.n; i++) {
		const struct ks_diag *g = &p->problems.v[i];

		if (g->severity != KS_SEV_ERROR)
			continue;
		ks_buf_reset(&at);
		ks_buf_puts(&at, g->pointer ? g->pointer : "");
		if (g->missing)
			ks_buf_addf(&at, "/%s", g->missing);
		ks_json_begin_object(&j);
		ks_json_key(&j, "field");
		ks_json_str_buf(&j, &at);
		ks_json_field_str(&j, "problem", g->message +
				  (g->detail <= strlen(g->message) ? g->detail : 0));
		ks_json_end_object(&j);
	}
	ks_json_end_array(&j);
	ks_json_end_object(&j);
	ks_json_end(&j);
	ks_buf_release(&at);
	p->r->status = 200;
	p->r->type = "application/json";
	return ks_buf_failed(b) ? -1 : 0;
}

/* The form named by the page, or a new one with the usual fields filled. */
static int open_new(struct page *p, const char *file)
{
	struct ks_node *root;
	int err;

	if (file) {
		struct ks_node *rec;

		if (!form_name_ok(file))
			return KS_ENOTFOUND;
		err = ks_formsave_load(&p->save, p->q->repo, file, &p->notes);
		if (err || strcmp(p->save.kind, p->kind->name) || p->save.of)
			return err == -1 ? -1 : KS_ENOTFOUND;
		if (!(p->doc = ks_doc_new(NULL)) ||
		    !(rec = ks_node_clone(p->doc, p->save.record)))
			return -1;
		ks_doc_set_root(p->doc, rec);
		return 0;
	}
	if (!(p->doc = ks_doc_new(NULL)) || !(root = ks_node_map(p->doc)))
		return -1;
	ks_doc_set_root(p->doc, root);
	return ks_record_defaults(p->doc, root, ks_schema_root(p->schema),
				  ks_repo_identity(p->q->repo));
}

/*
 * Writes a new record (or a draft) under this device's next id, and
 * commits the record; a record not committed is taken away again.
 */
static int save_new(struct page *p, int draft, char **id, struct ks_diags *d)
{
	struct ks_buf msg = KS_BUF_INIT;
	char *rel = NULL, *abs = NULL;
	git_oid commit;
	int err = ks_record_create(id, p->q->repo, p->kind->name, p->doc,
				   ks_doc_root(p->doc), draft, d);

	if (err || draft)
		return err;
	if (!(rel = ks_record_relpath(p->kind->name, *id)) ||
	    !(abs = ks_repo_path(p->q->repo, rel)) ||
	    ks_buf_addf(&msg, "Add %s %s", p->kind->name, *id) < 0)
		err = -1;
	else
		err = ks_commit_path(&commit, p->q->repo, rel, msg.ptr, d);
	if (err && abs)
		unlink(abs);	/* not in the survey: as it was */
	ks_buf_release(&msg);
	ks_free(rel);
	ks_free(abs);
	return err;
}

/* ---- a record changed ---- */

static int open_edit(struct page *p, struct ks_diags *d)
{
	struct ks_buf text = KS_BUF_INIT;
	const struct ks_kind *k = NULL;
	char *kind = NULL, *abs = NULL;
	git_oid oid;
	int err;

	if ((p->rel = ks_web_record_path(p->q->repo, p->id, &k))) {
		p->kind = (struct ks_kind *)k;
		if (!(abs = ks_repo_path(p->q->repo, p->rel)))
			return -1;
		err = ks_buf_read_file(&text, abs, 0) < 0
			? ks_error(d, KS_EIO, p->rel, 0, 0, "cannot read: %s",
				   strerror(errno))
			: 0;
		ks_free(abs);
	} else {
		if (!ks_draft_exists(p->q->repo, p->id))
			return KS_ENOTFOUND;
		p->draft = 1;
		err = ks_draft_load(&text, &kind, p->q->repo, p->id, d);
		if (!err && !(p->kind = ks_repo_find_kind(p->q->repo, kind)))
			err = ks_error(d, KS_EINVALID, NULL, 0, 0,
				       "the draft %s is of a kind this survey does not have: %s",
				       p->id, kind);
		ks_free(kind);
	}
	if (!err)
		err = ks_doc_parse(&p->doc, p->rel, text.ptr ? text.ptr : "",
				   text.len, KS_PARSE_RECORD, d);
	if (!err && git_odb_hash(&oid, text.ptr ? text.ptr : "", text.len,
				 GIT_OBJECT_BLOB) == 0)
		git_oid_tostr(p->base, sizeof(p->base), &oid);
	ks_buf_release(&text);
	if (!err)
		err = ks_repo_schema(&p->schema, p->q->repo, p->kind, d);
	return err;
}

/*
 * Writes the changed record over its file, holding the lock: straight
 * when the file is as the form opened it, else merged field by field from
 * that version (a sync or a hand edit came in meanwhile).
 */
static int save_edit(struct page *p, const struct ks_buf *text,
		     size_t *conflicts, struct ks_diags *d)
{
	struct ks_repo *repo = p->q->repo;
	struct ks_buf now = KS_BUF_INIT, orig = KS_BUF_INIT;
	char *abs = ks_repo_path(repo, p->rel);
	git_oid oid, base;
	git_blob *blob = NULL;
	int err = 0;

	*conflicts = 0;
	if (!abs)
		return -1;
	if (ks_buf_read_file(&now, abs, 0) < 0) {
		err = ks_error(d, KS_EIO, p->rel, 0, 0, "cannot read: %s",
			       strerror(errno));
		goto out;
	}
	if (git_odb_hash(&oid, now.ptr ? now.ptr : "", now.len, GIT_OBJECT_BLOB) ||
	    git_oid_fromstr(&base, p->base)) {
		err = ks_error(d, KS_EINVALID, NULL, 0, 0,
			       "the form does not say which version of the record it changes");
		goto out;
	}
	if (git_oid_equal(&oid, &base)) {
		err = ks_file_put_text(abs, text, KS_FILE_DURABLE, d);
	} else if (git_blob_lookup(&blob, ks_repo_git(repo), &base) == 0) {
		struct ks_proposer me;

		ks_proposer_self(&me, repo);
		if (ks_buf_add(&orig, git_blob_rawcontent(blob),
			       (size_t)git_blob_rawsize(blob)) < 0)
			err = -1;
		else
			err = ks_merge_worktree_file(conflicts, repo, p->rel,
						     &orig, text, &now, &me,
						     &me, d);
	} else {
		err = ks_error(d, KS_ECONFLICT, p->rel, 0, 0,
			       "the record was changed on this laptop while the form was open; open it again to see the change and make yours");
	}
out:
	git_error_clear();
	git_blob_free(blob);
	ks_buf_release(&now);
	ks_buf_release(&orig);
	ks_free(abs);
	return err;
}

/* The saved record into the survey history; put back if that fails. */
static int commit_edit(struct page *p, size_t conflicts, const struct ks_buf *before,
		       struct ks_diags *d)
{
	struct ks_buf msg = KS_BUF_INIT, cpath = KS_BUF_INIT;
	struct ks_diags ignore = KS_DIAGS_INIT;
	git_oid commit;
	int err;

	ks_buf_addf(&msg, "Edit %s %s", p->kind->name, p->id);
	ks_buf_addf(&cpath, "conflicts/%s", p->rel);
	if (ks_buf_failed(&msg) || ks_buf_failed(&cpath))
		err = -1;
	else
		err = ks_commit_path(&commit, p->q->repo, p->rel, msg.ptr, d);
	if (err == KS_ENOTFOUND)
		err = 0;	/* saved as it was: nothing to commit */
	if (!err && conflicts)
		err = ks_commit_path(&commit, p->q->repo, cpath.ptr,
				     "Keep the conflicts of an edit", d);
	if (err && err != -1) {
		char *abs = ks_repo_path(p->q->repo, p->rel);

		if (abs)
			ks_file_put_text(abs, before, KS_FILE_DURABLE, &ignore);
		ks_free(abs);
	}
	ks_diags_release(&ignore);
	ks_buf_release(&msg);
	ks_buf_release(&cpath);
	return err;
}

/*
 * The unfinished change this form goes on with, when the page names one
 * (?form= when opened, the form's own field when posted): it must be a
 * change of this record.  Opened, the form shows its answers and keeps
 * the version of the file it was first opened on.
 */
static int open_change(struct page *p)
{
	const char *file = p->q->form ? ks_web_form_get(p->q->form, "form")
				      : p->q->arg(p->q->ctx, "form");
	struct ks_node *rec;
	int err;

	if (!file || !*file)
		return 0;
	if (!form_name_ok(file))
		return KS_ENOTFOUND;
	err = ks_formsave_load(&p->save, p->q->repo, file, &p->notes);
	if (!err && (!p->save.of || strcmp(p->save.of, p->id)))
		err = KS_ENOTFOUND;
	if (err || p->q->form)
		return err;
	if (p->save.base) {
		if (strlen(p->save.base) != GIT_OID_HEXSZ)
			return KS_ENOTFOUND;
		memcpy(p->base, p->save.base, sizeof(p->base));
	}
	if (!(rec = ks_node_clone(p->doc, p->save.record)))
		return -1;
	ks_doc_set_root(p->doc, rec);
	return 0;
}

/* A change of this record left unfinished: offered above the form. */
static int pending_change(struct page *p)
{
	struct ks_formsaves l = { 0 };
	struct ks_diags quiet = KS_DIAGS_INIT;
	struct ks_buf *b = &p->pending;
	size_t i;
	int err = ks_formsave_list(&l, p->q->repo, p->kind->name, &quiet);

	for (i = 0; err != -1 && i < l.n; i++) {
		char when[32];
		struct tm tm;

		if (!l.v[i].of || strcmp(l.v[i].of, p->id))
			continue;
		localtime_r(&l.v[i].started, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm);
		ks_buf_puts(b, "<p class=\"said\"><a href=\"/records/");
		ks_html_urlarg(b, p->id);
		ks_buf_puts(b, "/edit?form=");
		ks_html_urlarg(b, l.v[i].file);
		ks_buf_puts(b, "\">");
		ks_buf_addf(b, _("Go on with the change of this record started %s, not saved yet"),
			    when);
		ks_buf_puts(b, "</a></p>\n");
	}
	ks_formsaves_release(&l);
	ks_diags_release(&quiet);
	return err == -1 || ks_buf_failed(b) ? -1 : 0;
}

/* ---- the request ---- */

/* Reads the posted form into p->doc; the reasons of bad text in problems. */
static int read_posted(struct page *p)
{
	struct ks_node *root, *old = p->doc ? ks_doc_root(p->doc) : NULL;
	struct ks_doc *doc = ks_doc_new(NULL);

	if (!doc || ks_form_read(&root, doc, p->schema, p->q->form, old,
				 &p->problems) < 0) {
		ks_doc_free(doc);
		return -1;
	}
	ks_doc_set_root(doc, root);
	ks_doc_free(p->doc);
	p->doc = doc;
	return 0;
}

/* A save refused: the form again with why. */
static int refused(struct page *p, struct ks_diags *d, unsigned status)
{
	size_t i;

	/* a problem at a field goes there; any other above the form */
	for (i = 0; i < d->n; i++)
		if (copy_diag(d->v[i].pointer ? &p->problems : &p->notes,
			      &d->v[i]) < 0)
			return -1;
	p->status = status;
	return show(p);
}

/* Saved: the browser goes on to the record's page (or its form). */
static unsigned status_of(int err)
{
	return err == KS_EIO ? 503 : err == KS_ECONFLICT ? 409 : 422;
}

/*
 * What every press of a button does before a save: the form's shape
 * changed (an item added or removed), or the record checked as `id`.
 * 1 when that ends the request (the page is shown), 0 to go on and save
 * (or keep a draft, with `draft`), -1 when memory runs out.
 */
static int before_save(struct page *p, const char *op, const char *id,
		       int draft)
{
	struct ks_diags d = KS_DIAGS_INIT;
	int err;

	if (!strncmp(op, "add ", 4) || !strncmp(op, "del ", 4)) {
		err = ks_form_op(p->doc, ks_doc_root(p->doc), p->schema, op);
		ks_diags_release(&p->problems);	/* shown when checked */
		if (err == -1 || keep_answers(p) < 0)
			return -1;
		return show(p) < 0 ? -1 : 1;
	}
	if (keep_answers(p) < 0)
		return -1;
	err = judge(p, id, &d);
	if (err != -1 && add_problems(p, &d) < 0)
		err = -1;
	ks_diags_release(&d);
	if (err == -1)
		return -1;
	if (!strcmp(op, "keep"))
		return keep_json(p) < 0 ? -1 : 1;
	if (strcmp(op, "save") && !draft) {
		p->said = p->problems.errors ? NULL : _("No problems: the record can be saved.");
		return show(p) < 0 ? -1 : 1;
	}
	if (p->problems.errors && !draft) {
		p->status = 422;
		return show(p) < 0 ? -1 : 1;
	}
	return 0;
}

static int post_new(struct page *p)
{
	const char *op = ks_web_form_get(p->q->form, "op");
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_lock *lock = NULL;
	char *id = NULL, prov[32];
	int err, draft;

	if (!op)
		op = "check";
	if ((err = read_posted(p)))
		return err;
	snprintf(prov, sizeof(prov), "%s-0000", ks_repo_identity(p->q->repo)->device);
	draft = !strcmp(op, "draft");
	if ((err = before_save(p, op, prov, draft)))
		return err < 0 ? -1 : 0;
	if ((err = ks_web_lock(&lock, p->q, &d)) ||
	    (err = ks_repo_require_main(p->q->repo, &d)) ||
	    (err = save_new(p, draft, &id, &d))) {
		if (err == -1)
			goto oom;
		err = refused(p, &d, status_of(err));
		goto out;
	}
	ks_formsave_remove(p->q->repo, &p->save, &p->notes);
	err = ks_web_to_record(p->r, id, draft ? "/edit?kept=1" : "?saved=1");
	goto out;
oom:
	err = -1;
out:
	ks_web_unlock(p->q, lock);
	ks_free(id);
	ks_diags_release(&d);
	return err;
}

static int post_edit(struct page *p)
{
	const char *op = ks_web_form_get(p->q->form, "op");
	const char *base = ks_web_form_get(p->q->form, "base");
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_buf text = KS_BUF_INIT, before = KS_BUF_INIT;
	struct ks_lock *lock = NULL;
	size_t conflicts = 0;
	int err, draft;

	if (!op)
		op = "check";
	if (!p->draft) {
		/* the version the form was opened on, not the one on disk */
		if (!base || strlen(base) != GIT_OID_HEXSZ ||
		    strspn(base, "0123456789abcdef") != GIT_OID_HEXSZ) {
			ks_error(&d, KS_EINVALID, NULL, 0, 0,
				 "the form does not say which version of the record it changes");
			err = refused(p, &d, 400);
			ks_diags_release(&d);
			return err;
		}
		memcpy(p->base, base, sizeof(p->base));
	}
	if ((err = read_posted(p)))
		return err;
	draft = p->draft && !strcmp(op, "draft");
	if ((err = before_save(p, op, p->id, draft)))
		return err < 0 ? -1 : 0;
	if (ks_record_format(&text, p->q->repo, p->kind->name, ks_doc_root(p->doc)) < 0)
		goto oom;
	if ((err = ks_web_lock(&lock, p->q, &d)) ||
	    (err = ks_repo_require_main(p->q->repo, &d)))
		goto refuse;
	if (draft) {
		err = ks_draft_save(p->q->repo, p->kind->name, p->id, text.ptr,
				    text.len, &d);
	} else if (p->draft) {
		git_oid commit;
		struct ks_buf msg = KS_BUF_INIT;
		char *rel = ks_record_relpath(p->kind->name, p->id);

		ks_buf_addf(&msg, "Add %s %s", p->kind->name, p->id);
		err = !rel || ks_buf_failed(&msg) ? -1
			: ks_draft_finish(p->q->repo, p->kind->name, p->id,
					  text.ptr, text.len, &d);
		if (!err && (err = ks_commit_path(&commit, p->q->repo, rel,
						  msg.ptr, &d)) && err != -1) {
			/* not committed: the draft stays a draft */
			char *abs = ks_repo_path(p->q->repo, rel);
			struct ks_diags ignore = KS_DIAGS_INIT;

			ks_draft_save(p->q->repo, p->kind->name, p->id, text.ptr,
				      text.len, &ignore);
			if (abs)
				unlink(abs);
			ks_free(abs);
			ks_diags_release(&ignore);
		}
		ks_free(rel);
		ks_buf_release(&msg);
	} else {
		char *abs = ks_repo_path(p->q->repo, p->rel);

		if (!abs || ks_buf_read_file(&before, abs, 0) < 0)
			err = abs ? ks_error(&d, KS_EIO, p->rel, 0, 0,
					     "cannot read: %s", strerror(errno))
				  : -1;
		ks_free(abs);
		if (!err && !(err = save_edit(p, &text, &conflicts, &d)))
			err = commit_edit(p, conflicts, &before, &d);
	}
refuse:
	if (err) {
		if (err == -1)
			goto oom;
		err = refused(p, &d, status_of(err));
		goto out;
	}
	if (p->save.file)
		ks_formsave_remove(p->q->repo, &p->save, &p->notes);
	err = ks_web_to_record(p->r, p->id, draft ? "/edit?kept=1"
			: conflicts ? "?saved=1&conflicts=1" : "?saved=1");
	goto out;
oom:
	err = -1;
out:
	ks_web_unlock(p->q, lock);
	ks_buf_release(&text);
	ks_buf_release(&before);
	ks_diags_release(&d);
	return err;
}

int ks_web_new(const struct ks_web_req *q, struct ks_web_reply *r,
	       const char *kind)
{
	struct page p;
	const char *file;
	int err;

	page_init(&p, q, r, NULL);
	if (!(p.kind = kind_named(q->repo, kind)) || !q->writable) {
		page_release(&p);
		return ks_web_not_found(q, r);
	}
	if ((err = ks_repo_schema(&p.schema, q->repo, p.kind, &p.notes)))
		goto out;
	file = q->form ? ks_web_form_get(q->form, "form") : q->arg(q->ctx, "form");
	err = open_new(&p, file && *file ? file : NULL);
	if (err == KS_ENOTFOUND) {
		page_release(&p);
		return ks_web_not_found(q, r);
	}
	if (!err)
		err = q->form ? post_new(&p) : show(&p);
out:
	if (err && err != -1) {
		/* the survey's own files are broken: said, nothing else */
		ks_page_begin(&r->body, ks_repo_name(q->repo), _("Cannot add a record"),
			      KS_PAGE_OTHER);
		ks_web_diags(&r->body, &p.notes);
		err = ks_web_done(r);
		r->status = 500;
	}
	page_release(&p);
	return err;
}

int ks_web_edit(const struct ks_web_req *q, struct ks_web_reply *r,
		const char *id)
{
	struct page p;
	struct ks_diags d = KS_DIAGS_INIT;
	char device[16];
	unsigned long counter;
	int err;

	page_init(&p, q, r, id);
	if (!q->writable || ks_id_parse(id, device, &counter) < 0)
		return ks_web_not_found(q, r);
	err = open_edit(&p, &d);
	if (!err)
		err = open_change(&p);
	if (err == KS_ENOTFOUND) {
		page_release(&p);
		ks_diags_release(&d);
		return ks_web_not_found(q, r);
	}
	if (err == KS_EINVALID && p.rel && !p.doc) {
		/* the file does not read as YAML: not a form's work */
		err = 0;
		ks_page_begin(&r->body, ks_repo_name(q->repo), id, KS_PAGE_OTHER);
		ks_buf_puts(&r->body, "<p class=\"bad\">");
		ks_html(&r->body, _("This record's file does not read; fix it with 'khaosat edit' on this laptop."));
		ks_buf_puts(&r->body, "</p>\n");
		ks_web_diags(&r->body, &d);
		err = ks_web_done(r);
	} else if (!err && q->form) {
		err = post_edit(&p);
	} else if (!err) {
		/* opened: its problems shown at once, to be fixed */
		if (judge(&p, id, &d) == -1 || add_problems(&p, &d) < 0)
			err = -1;
		else if (q->arg(q->ctx, "kept"))
			p.said = _("Kept as a draft on this laptop; it joins the survey once it is valid and saved.");
		else if (!p.save.file && pending_change(&p) < 0)
			err = -1;
		if (!err)
			err = show(&p);
	} else if (err != -1) {
		ks_page_begin(&r->body, ks_repo_name(q->repo), id, KS_PAGE_OTHER);
		ks_web_diags(&r->body, &d);
		err = ks_web_done(r);
		r->status = 500;
	}
	ks_diags_release(&d);
	page_release(&p);
	return err;
}
