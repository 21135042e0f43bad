/*
 * Attached files against their records, for what changed.  See
 * attachcheck.h.
 */
#include "attachcheck.h"
#include "alloc.h"
#include "attachpath.h"
#include "buf.h"
#include "changes.h"
#include "diag.h"
#include "record.h"
#include "repo.h"

#include <dirent.h>
#include <string.h>
#include <sys/stat.h>

/* The record at `rel` as it is in the work tree, or NULL (none, unread). */
static struct ks_doc *record_now(struct ks_repo *r, const char *rel)
{
	struct ks_diags quiet = KS_DIAGS_INIT;
	struct ks_doc *doc = NULL;
	char *abs = ks_repo_path(r, rel);

	if (abs && ks_doc_load(&doc, abs, rel, KS_PARSE_RECORD, &quiet))
		doc = NULL;
	ks_free(abs);
	ks_diags_release(&quiet);
	return doc;
}

/* A new or changed file: whole, its own hash and type, listed. */
static int file_changed(struct ks_repo *r, const char *path,
			struct ks_diags *d)
{
	struct ks_buf text = KS_BUF_INIT;
	struct ks_doc *doc = NULL;
	char *abs = ks_repo_path(r, path), *kind = NULL, *id = NULL, *rel = NULL;
	char sha[65], why[KS_MEDIA_WHY_MAX];
	const char *bad;
	enum ks_media m;
	int err = 0;

	if (!abs)
		return -1;
	if (ks_attach_path_parse(path, &kind, &id, sha, &m) < 0)
		goto out;	/* the layout check says where it may not be */
	if (ks_buf_read_file(&text, abs, KS_ATTACH_MAX_FILE + 1) < 0) {
		err = ks_error(d, KS_EIO, path, 0, 0, "cannot read the file");
		goto out;
	}
	if ((bad = ks_attach_file_problem(path, text.ptr, text.len, why, sizeof(why)))) {
		ks_diags_add(d, KS_SEV_ERROR, path, 0, 0, NULL, "x-attachment",
			     "cannot be kept as an attached file: %s", bad);
		err = KS_EINVALID;
		goto out;
	}
	if (!(rel = ks_record_relpath(kind, id))) {
		err = -1;
		goto out;
	}
	doc = record_now(r, rel);
	if (!(doc && ks_attach_item(ks_doc_root(doc), sha))) {
		ks_diags_add(d, KS_SEV_ERROR, path, 0, 0, NULL, "x-attachment",
			     "no record lists this file (%s has no item with its sha256): attach it with 'khaosat attach', or delete it",
			     rel);
		err = KS_EINVALID;
	}
out:
	ks_doc_free(doc);
	ks_buf_release(&text);
	ks_free(abs);
	ks_free(kind);
	ks_free(id);
	ks_free(rel);
	return err;
}

/* A file gone while a record that did not change still lists it. */
static int file_gone(struct ks_repo *r, const struct ks_changes *c,
		     const char *path, struct ks_diags *d)
{
	char *kind = NULL, *id = NULL, *rel = NULL, sha[65];
	struct ks_doc *doc = NULL;
	enum ks_media m;
	int err = 0;

	if (ks_attach_path_parse(path, &kind, &id, sha, &m) < 0)
		return 0;
	/* a changed record is checked whole, its files with it */
	if (!(rel = ks_record_relpath(kind, id)))
		err = -1;
	else if (!ks_changes_find(c, rel) && (doc = record_now(r, rel)) &&
		 ks_attach_item(ks_doc_root(doc), sha)) {
		ks_diags_add(d, KS_SEV_ERROR, path, 0, 0, NULL, "x-attachment",
			     "the file is gone, but %s still lists it: restore it, or remove its item",
			     rel);
		err = KS_EINVALID;
	}
	ks_doc_free(doc);
	ks_free(kind);
	ks_free(id);
	ks_free(rel);
	return err;
}

/* Every file in the folder of a changed record is one it lists. */
static int folder_listed(struct ks_repo *r, const char *rel, struct ks_diags *d)
{
	struct ks_buf dir = KS_BUF_INIT, file = KS_BUF_INIT;
	struct ks_doc *doc = NULL;
	DIR *dh = NULL;
	struct dirent *e;
	char *abs = NULL, *folder = ks_attach_folder(rel);
	int err = 0;

	if (!folder)
		goto out;	/* not a record's place: its check says so */
	if (ks_buf_puts(&dir, folder) < 0 || !(abs = ks_repo_path(r, dir.ptr))) {
		ks_free(folder);
		err = -1;
		goto out;
	}
	ks_free(folder);
	if (!(dh = opendir(abs)))
		goto out;
	doc = record_now(r, rel);
	while ((e = readdir(dh))) {
		const char *dot = strchr(e->d_name, '.');
		char sha[65];

		if (e->d_name[0] == '.' || !dot || dot - e->d_name != 64)
			continue;
		memcpy(sha, e->d_name, 64);
		sha[64] = '\0';
		if (doc && ks_attach_item(ks_doc_root(doc), sha))
			continue;
		ks_buf_reset(&file);
		ks_buf_addf(&file, "%s/%s", dir.ptr, e->d_name);
		if (doc)
			ks_diags_add(d, KS_SEV_ERROR,
				     ks_buf_failed(&file) ? dir.ptr : file.ptr,
				     0, 0, NULL, "x-attachment",
				     "%s does not list this file any more: delete the file, or attach it again",
				     rel);
		else
			ks_diags_add(d, KS_SEV_ERROR,
				     ks_buf_failed(&file) ? dir.ptr : file.ptr,
				     0, 0, NULL, "x-attachment",
				     "its record %s is gone: delete the file too", rel);
		err = KS_EINVALID;
	}
out:
	if (dh)
		closedir(dh);
	ks_doc_free(doc);
	ks_free(abs);
	ks_buf_release(&dir);
	ks_buf_release(&file);
	return err;
}

int ks_attach_check_changes(struct ks_repo *r, const struct ks_changes *c,
			    struct ks_diags *d)
{
	size_t i;
	int err = 0;

	for (i = 0; i < c->n && err != -1; i++) {
		const char *p = c->v[i].path;
		int e = 0;

		if (!strncmp(p, KS_ATTACH_DIR "/", strlen(KS_ATTACH_DIR) + 1))
			e = c->v[i].what == KS_CHANGE_DELETED ? file_gone(r, c, p, d)
							      : file_changed(r, p, d);
		else if (ks_is_record_path(p))
			e = folder_listed(r, p, d);
		if (e)
			err = e;
	}
	return err;
}
