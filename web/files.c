/*
 * A record's attached files in the browser: its photos shown on its page,
 * and each file served by the record's id and the file's own name (the
 * hash of its content), never by a path from the request.
 */
#include "files.h"
#include "common.h"
#include "html.h"
#include "alloc.h"
#include "attachpath.h"
#include "buf.h"
#include "intl.h"
#include "record.h"
#include "repo.h"

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
