/*
 * A record's attached files in the browser: its photos shown on its page,
 * and each file served by the record's id and the file's own name (the
 * hash of its content), never by a path from the request.
 */
#include "files.h"
#include "common.h"
#include "html.h"
#include "post.h"
#include "alloc.h"
#include "attach.h"
#include "attachpath.h"
#include "buf.h"
#include "commit.h"
#include "diag.h"
#include "file.h"
#include "intl.h"
#include "lock.h"
#include "paths.h"
#include "record.h"
#include "repo.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int ks_web_file(const struct ks_web_req *q, struct ks_web_reply *r,
		const char *id, const char *name)
{
	const struct ks_kind *kind = NULL;
	const char *dot = strchr(name, '.');
	enum ks_media m = dot ? ks_media_of_ext(dot + 1) : KS_MEDIA_NONE;
	char sha[65], *rec = NULL, *rel = NULL, *abs = NULL;
	struct stat st;
	int fd = -1;

	if (!m || dot - name != 64 || ks_id_parse(id, NULL, NULL) < 0)
		return ks_web_not_found(q, r);
	memcpy(sha, name, 64);
	sha[64] = '\0';
	/* made again from the id and the hash: nothing else reaches the disk */
	if ((rec = ks_web_record_path(q->repo, id, &kind)) &&
	    (rel = ks_attach_relpath(kind->name, id, sha, m)) &&
	    (abs = ks_repo_path(q->repo, rel)))
		fd = open(abs, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	ks_free(rec);
	ks_free(rel);
	ks_free(abs);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		return ks_web_not_found(q, r);
	}
	r->status = 200;
	r->type = ks_media_type(m);
	r->fd = fd;
	r->fsize = (size_t)st.st_size;
	return 0;
}

static const char *text_of(const struct ks_node *item, const char *key)
{
	const struct ks_node *v = ks_map_get(item, key);

	return v && v->kind == KS_NODE_SCALAR ? v->u.scalar.str : NULL;
}

void ks_web_gallery(struct ks_buf *b, const char *id, const struct ks_node *root)
{
	const struct ks_node *l = ks_map_get(root, "attachments");
	size_t i;

	if (!l || l->kind != KS_NODE_SEQ || !l->u.seq.n)
		return;
	ks_buf_puts(b, "<div class=\"gallery\">\n");
	for (i = 0; i < l->u.seq.n; i++) {
		const struct ks_node *it = l->u.seq.v[i];
		const char *sha = text_of(it, "sha256"), *type = text_of(it, "type");
		const char *caption = text_of(it, "caption"), *taken = text_of(it, "taken");
		enum ks_media m = ks_media_of_type(type);
		struct ks_buf href = KS_BUF_INIT;

		if (!sha || strlen(sha) != 64 || strspn(sha, "0123456789abcdef") != 64 || !m)
			continue;
		ks_buf_puts(&href, "/records/");
		ks_html_urlarg(&href, id);
		ks_buf_addf(&href, "/files/%s.%s", sha, ks_media_ext(m));
		ks_buf_puts(b, "<figure><a href=\"");
		ks_buf_puts(b, href.ptr);
		ks_buf_puts(b, "\">");
		if (m == KS_MEDIA_PDF) {
			ks_html(b, _("Document (PDF)"));
		} else {
			ks_buf_puts(b, "<img src=\"");
			ks_buf_puts(b, href.ptr);
			ks_buf_puts(b, "\" alt=\"");
			ks_html(b, caption ? caption : _("Photo"));
			ks_buf_puts(b, "\" loading=\"lazy\">");
		}
		ks_buf_puts(b, "</a>");
		if (caption || taken) {
			ks_buf_puts(b, "<figcaption>");
			ks_html(b, caption ? caption : "");
			if (caption && taken)
				ks_buf_puts(b, " · ");
			ks_html(b, taken ? taken : "");
			ks_buf_puts(b, "</figcaption>");
		}
		ks_buf_puts(b, "</figure>\n");
		ks_buf_release(&href);
	}
	ks_buf_puts(b, "</div>\n");
}

void ks_web_attach_form(struct ks_buf *b, const struct ks_web_req *q,
			const char *id)
{
	if (!q->writable)
		return;
	ks_buf_puts(b, "<form class=\"attach\" method=\"post\" action=\"/records/");
	ks_html_urlarg(b, id);
	ks_buf_puts(b, "/attach\" enctype=\"multipart/form-data\">"
		    "<input type=\"hidden\" name=\"csrf\" value=\"");
	ks_html(b, q->csrf);
	ks_buf_puts(b, "\"><label>");
	ks_html(b, _("Photos or documents"));
	ks_buf_puts(b, " <input type=\"file\" name=\"file\" multiple "
		    "accept=\"image/jpeg,image/png,image/webp,application/pdf\">"
		    "</label> <label>");
	ks_html(b, _("Caption"));
	ks_buf_puts(b, " <input type=\"text\" name=\"caption\" maxlength=\"500\">"
		    "</label> <button>");
	ks_html(b, _("Attach"));
	ks_buf_puts(b, "</button></form>\n");
}

/* Why nothing was attached: the problems, and the way back. */
static int refused(const struct ks_web_req *q, struct ks_web_reply *r,
		   const char *id, const struct ks_diags *d)
{
	struct ks_buf *b = &r->body;

	ks_page_begin(b, ks_repo_name(q->repo), _("Nothing was attached"),
		      KS_PAGE_OTHER);
	ks_web_diags(b, d);
	ks_web_back_to_record(b, id);
	ks_web_done(r);
	r->status = 422;
	return 0;
}

/*
 * A commit that failed: the record's text as it was before, and none of
 * the files attached, so that the survey is as it was.
 */
static void take_back(const struct ks_web_req *q, const char *abs,
		      const struct ks_buf *before, const struct ks_attached *done,
		      size_t n)
{
	struct ks_diags ignore = KS_DIAGS_INIT;
	size_t i;

	ks_file_put_text(abs, before, KS_FILE_DURABLE, &ignore);
	for (i = 0; i < n; i++) {
		char *f = done[i].had ? NULL : ks_repo_path(q->repo, done[i].relpath);

		if (f && unlink(f) == 0) {
			/* its record's folder, when it was the first file */
			char *slash = strrchr(f, '/');

			*slash = '\0';
			rmdir(f);
		}
		ks_free(f);
	}
	ks_diags_release(&ignore);
}

/* Attaches the files received and commits them with their record. */
static int attach_all(const struct ks_web_req *q, const char *id,
		      const struct ks_kind *kind, const char *rel,
		      struct ks_diags *d)
{
	struct ks_media_opts mo = { KS_WEB_MAX_SIDE, KS_WEB_QUALITY, 0 };
	const char *caption = q->form ? ks_web_form_get(q->form, "caption") : NULL;
	struct ks_attach_file *files = ks_calloc(q->nfiles, sizeof(*files));
	struct ks_attached *done = ks_calloc(q->nfiles, sizeof(*done));
	struct ks_paths paths = { 0 };
	struct ks_buf msg = KS_BUF_INIT, before = KS_BUF_INIT;
	struct ks_doc *doc = NULL;
	char *abs = ks_repo_path(q->repo, rel);
	size_t i;
	git_oid oid;
	int err = -1;

	if (caption && !caption[strspn(caption, " \t\r\n")])
		caption = NULL;
	if (!files || !done || !abs)
		goto out;
	for (i = 0; i < q->nfiles; i++) {
		files[i].path = q->files[i].path;
		files[i].display = q->files[i].name;
		files[i].caption = caption;
	}
	if (ks_buf_read_file(&before, abs, KS_MAX_RECORD_SIZE) < 0) {
		err = ks_error(d, KS_EIO, rel, 0, 0, "cannot read: %s",
			       strerror(errno));
		goto out;
	}
	if ((err = ks_doc_load(&doc, abs, rel, KS_PARSE_RECORD, d)) ||
	    (err = ks_attach(done, q->repo, kind->name, id, rel, doc, files,
			     q->nfiles, &mo, d)))
		goto out;
	/* the record and its new files, saved as one commit */
	err = ks_paths_add(&paths, rel);
	for (i = 0; !err && i < q->nfiles; i++)
		if (!done[i].had)
			err = ks_paths_add(&paths, done[i].relpath);
	if (!err && ks_buf_addf(&msg, _("Attach files to %s"), id) < 0)
		err = -1;
	if (!err)
		err = ks_commit_paths(&oid, q->repo, (const char *const *)paths.v,
				      paths.n, msg.ptr, d);
	if (err)
		take_back(q, abs, &before, done, q->nfiles);
	ks_attached_release(done, q->nfiles);
out:
	ks_paths_release(&paths);
	ks_buf_release(&msg);
	ks_buf_release(&before);
	ks_doc_free(doc);
	ks_free(abs);
	ks_free(files);
	ks_free(done);
	return err;
}

int ks_web_attach(const struct ks_web_req *q, struct ks_web_reply *r,
		  const char *id)
{
	struct ks_diags d = KS_DIAGS_INIT;
	const struct ks_kind *kind = NULL;
	struct ks_lock *lock = NULL;
	char *rel;
	int err;

	if (ks_id_parse(id, NULL, NULL) < 0 ||
	    !(rel = ks_web_record_path(q->repo, id, &kind)))
		return ks_web_not_found(q, r);
	if (!q->nfiles)
		err = ks_error(&d, KS_EINVALID, NULL, 0, 0, "%s",
			       _("choose at least one photo or document"));
	else if (!(err = ks_web_lock(&lock, q, &d))) {
		err = attach_all(q, id, kind, rel, &d);
		ks_web_unlock(q, lock);
	}
	ks_free(rel);
	if (err == -1) {
		ks_diags_release(&d);
		return -1;
	}
	if (err) {
		err = refused(q, r, id, &d);
		ks_diags_release(&d);
		return err;
	}
	ks_diags_release(&d);
	return ks_web_to_record(r, id, "?saved=1");
}
