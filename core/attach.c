/*
 * Attaching files to records.  See attach.h.
 */
#include "attach.h"
#include "attachpath.h"
#include "intl.h"
#include "alloc.h"
#include "buf.h"
#include "check.h"
#include "diag.h"
#include "file.h"
#include "record.h"
#include "repo.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void ks_attached_release(struct ks_attached *a, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		ks_free(a[i].relpath);
		a[i].relpath = NULL;
	}
}

/* ---- the record's items ---- */

static struct ks_node *text(struct ks_doc *doc, const char *s)
{
	return ks_node_scalar(doc, s, strlen(s), 1);
}

static struct ks_node *number(struct ks_doc *doc, double v)
{
	char s[32];
	int n = snprintf(s, sizeof(s), "%.6f", v);

	/* 21.025000 -> 21.025, never "21." */
	while (n > 1 && s[n - 1] == '0' && s[n - 2] != '.')
		s[--n] = '\0';
	return ks_node_scalar(doc, s, (size_t)n, 0);
}

struct ks_node *ks_position_node(struct ks_doc *doc, double lat, double lon,
				 double accuracy, const char *source)
{
	struct ks_node *p = ks_node_map(doc);

	if (!p || ks_map_set(doc, p, "latitude", number(doc, lat)) < 0 ||
	    ks_map_set(doc, p, "longitude", number(doc, lon)) < 0 ||
	    (accuracy > 0 &&
	     ks_map_set(doc, p, "accuracy", number(doc, accuracy)) < 0) ||
	    (source && ks_map_set(doc, p, "source", text(doc, source)) < 0))
		return NULL;
	return p;
}

int ks_position_read(const struct ks_node *p, double *lat, double *lon)
{
	return p && p->kind == KS_NODE_MAP &&
	       ks_node_finite(ks_map_get(p, "latitude"), lat) &&
	       ks_node_finite(ks_map_get(p, "longitude"), lon) &&
	       *lat >= -90 && *lat <= 90 && *lon >= -180 && *lon <= 180;
}

/* {latitude, longitude[, accuracy][, source]} of a photo's position. */
static struct ks_node *position(struct ks_doc *doc,
				const struct ks_media_meta *meta,
				const char *source)
{
	return ks_position_node(doc, meta->lat, meta->lon, meta->accuracy,
				source);
}

/* Adds (or, for a file it has, captions) the file's item in the record. */
static int add_item(struct ks_doc *doc, struct ks_node *root,
		    const struct ks_attached *a, const struct ks_media_meta *meta,
		    const char *caption)
{
	struct ks_node *list = (struct ks_node *)ks_map_get(root, "attachments");
	struct ks_node *it;

	if (!list) {
		if (!(list = ks_node_seq(doc)) ||
		    ks_map_set(doc, root, "attachments", list) < 0)
			return -1;
		list = (struct ks_node *)ks_map_get(root, "attachments");
	}
	if (list->kind != KS_NODE_SEQ)
		return 1;	/* the schema check says what is wrong */
	if ((it = ks_attach_item(root, a->sha256)))
		return caption ? ks_map_set(doc, it, "caption", text(doc, caption)) : 0;
	if (!(it = ks_node_map(doc)) ||
	    ks_map_set(doc, it, "sha256", text(doc, a->sha256)) < 0 ||
	    ks_map_set(doc, it, "kind", text(doc, ks_media_class(a->media))) < 0 ||
	    ks_map_set(doc, it, "type", text(doc, ks_media_type(a->media))) < 0 ||
	    (caption && ks_map_set(doc, it, "caption", text(doc, caption)) < 0) ||
	    (meta->taken[0] && ks_map_set(doc, it, "taken", text(doc, meta->taken)) < 0) ||
	    (meta->has_position &&
	     ks_map_set(doc, it, "position", position(doc, meta, NULL)) < 0))
		return -1;
	return ks_seq_push(doc, list, it);
}

/* ---- the files ---- */

/* Reads, checks and prepares one file; its kept bytes in `kept`. */
static int prepare_one(struct ks_buf *kept, struct ks_attached *a,
		       struct ks_media_meta *meta, const struct ks_attach_file *f,
		       const struct ks_media_opts *o, struct ks_diags *d)
{
	struct ks_buf in = KS_BUF_INIT;
	struct stat st;
	int err;

	if (stat(f->path, &st) < 0 || !S_ISREG(st.st_mode))
		return ks_error(d, KS_ENOTFOUND, f->display, 0, 0,
				"cannot read the file: %s",
				errno ? strerror(errno) : _("not a file"));
	if ((unsigned long long)st.st_size > KS_ATTACH_MAX_INPUT)
		return ks_error(d, KS_EINVALID, f->display, 0, 0,
				"%llu MB, over the limit of %u MB for a file to attach",
				(unsigned long long)st.st_size / (1024 * 1024),
				KS_ATTACH_MAX_INPUT / (1024 * 1024));
	if (ks_buf_read_file(&in, f->path, KS_ATTACH_MAX_INPUT) < 0) {
		ks_buf_release(&in);
		return ks_error(d, KS_EIO, f->display, 0, 0,
				"cannot read the file: %s", strerror(errno));
	}
	a->given = in.len;
	a->media = ks_media_sniff(in.ptr, in.len);
	if (!a->media)
		err = ks_error(d, KS_EINVALID, f->display, 0, 0, "%s",
			       _("not a JPEG, PNG or WebP photo or a PDF document by its content; nothing was attached"));
	else {
		ks_media_meta(meta, a->media, in.ptr, in.len);
		err = ks_media_prepare(kept, a->media, in.ptr, in.len, o,
				       f->display, d);
	}
	ks_buf_release(&in);
	if (!err && kept->len > KS_ATTACH_MAX_FILE)
		err = ks_error(d, KS_EINVALID, f->display, 0, 0,
			       "%zu MB as kept, over the limit of %u MB for an attached file",
			       kept->len / (1024 * 1024),
			       KS_ATTACH_MAX_FILE / (1024 * 1024));
	if (!err) {
		a->size = kept->len;
		ks_attach_hash(a->sha256, kept->ptr, kept->len);
	}
	return err;
}

/* Removes the files this call made (made[i]), after a failure. */
static void undo(struct ks_repo *r, const struct ks_attached *a,
		 const int *made, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char *abs = made[i] ? ks_repo_path(r, a[i].relpath) : NULL;

		if (abs)
			unlink(abs);
		ks_free(abs);
	}
}

int ks_attach(struct ks_attached *out, struct ks_repo *r, const char *kind,
	      const char *id, const char *rel, struct ks_doc *doc,
	      const struct ks_attach_file *files, size_t n,
	      const struct ks_media_opts *o, struct ks_diags *d)
{
	struct ks_node *root = ks_doc_root(doc);
	struct ks_buf *kept = ks_calloc(n + 1, sizeof(*kept));
	struct ks_buf text = KS_BUF_INIT;
	int *made = ks_calloc(n + 1, sizeof(*made));
	int positioned = ks_repo_kind_has(r, kind, "position");
	size_t i;
	int err = 0;

	memset(out, 0, n * sizeof(*out));
	if (!kept || !made || !root || root->kind != KS_NODE_MAP) {
		err = -1;
		goto out;
	}
	for (i = 0; i < n; i++)
		ks_buf_init(&kept[i]);
	for (i = 0; !err && i < n; i++) {
		struct ks_media_meta meta;

		if ((err = prepare_one(&kept[i], &out[i], &meta, &files[i], o, d)))
			break;
		out[i].had = ks_attach_item(root, out[i].sha256) != NULL;
		if (!(out[i].relpath = ks_attach_relpath(kind, id, out[i].sha256,
							 out[i].media)) ||
		    add_item(doc, root, &out[i], &meta, files[i].caption) < 0)
			err = -1;
		else if (meta.has_position && positioned &&
			 !ks_map_get(root, "position")) {
			out[i].positioned = 1;
			if (ks_map_set(doc, root, "position",
				       position(doc, &meta, "photo")) < 0)
				err = -1;
		}
	}
	/* the files first: the record is checked with them in their places */
	for (i = 0; !err && i < n; i++) {
		char *abs = ks_repo_path(r, out[i].relpath);
		struct stat st;

		if (!abs)
			err = -1;
		else if (lstat(abs, &st) < 0) {
			err = ks_file_put_text(abs, &kept[i], KS_FILE_DURABLE, d);
			made[i] = !err;
		}
		ks_free(abs);
	}
	if (!err)
		err = ks_check_doc(r, rel, doc, NULL, d);
	if (!err && ks_record_format(&text, r, kind, root) < 0)
		err = -1;
	if (!err) {
		char *abs = ks_repo_path(r, rel);

		err = abs ? ks_file_put_text(abs, &text, KS_FILE_DURABLE, d) : -1;
		ks_free(abs);
	}
	if (err)
		undo(r, out, made, n);
out:
	for (i = 0; kept && i < n; i++)
		ks_buf_release(&kept[i]);
	ks_free(kept);
	ks_free(made);
	ks_buf_release(&text);
	if (err)
		ks_attached_release(out, n);
	return err;
}
