/*
 * Drafts kept under .git/khaosat/drafts/<id>.yaml, out of the survey's
 * work tree, until they validate.  See draft.h.
 */
#include "draft.h"
#include "alloc.h"
#include "buf.h"
#include "diag.h"
#include "file.h"
#include "repo.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DRAFT_HEADER "# khaosat draft: "

void ks_drafts_release(struct ks_drafts *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		ks_free(l->v[i].id);
		ks_free(l->v[i].kind);
	}
	ks_free(l->v);
	memset(l, 0, sizeof(*l));
}

char *ks_draft_display(const char *id)
{
	struct ks_buf b = KS_BUF_INIT;

	if (ks_buf_addf(&b, ".git/%s/%s.yaml", KS_DRAFTS_DIR, id) < 0)
		return NULL;
	return ks_buf_detach(&b, NULL);
}

/* The absolute path of the draft `id`; NULL when `id` is not a record id. */
static char *draft_path(struct ks_repo *r, const char *id)
{
	struct ks_buf b = KS_BUF_INIT;

	if (ks_id_parse(id, NULL, NULL) < 0 ||
	    ks_buf_addf(&b, "%s%s/%s.yaml", git_repository_path(ks_repo_git(r)),
			KS_DRAFTS_DIR, id) < 0)
		return NULL;
	return ks_buf_detach(&b, NULL);
}

int ks_draft_save(struct ks_repo *r, const char *kind, const char *id,
		  const char *text, size_t len, struct ks_diags *d)
{
	struct ks_buf b = KS_BUF_INIT;
	char *abs = draft_path(r, id);
	int err = -1;

	if (!abs || ks_buf_addf(&b, "%s%s\n", DRAFT_HEADER, kind) < 0 ||
	    ks_buf_add(&b, text, len) < 0)
		goto out;
	err = ks_file_put_text(abs, &b, KS_FILE_DURABLE, d);
out:
	ks_buf_release(&b);
	ks_free(abs);
	return err;
}

int ks_draft_load(struct ks_buf *text, char **kind, struct ks_repo *r,
		  const char *id, struct ks_diags *d)
{
	struct ks_buf b = KS_BUF_INIT;
	char *abs = draft_path(r, id), *display = NULL;
	const char *nl;
	size_t hl = strlen(DRAFT_HEADER);
	int err;

	*kind = NULL;
	if (!abs)
		return ks_error(d, KS_ENOTFOUND, NULL, 0, 0,
				"no draft \"%s\"", id);
	display = ks_draft_display(id);
	if (ks_buf_read_file(&b, abs, 0) < 0) {
		err = errno == ENOENT
			? ks_error(d, KS_ENOTFOUND, NULL, 0, 0, "no draft \"%s\"", id)
			: ks_error(d, KS_EIO, display, 0, 0, "cannot read: %s",
				   strerror(errno));
		goto out;
	}
	nl = strchr(b.ptr, '\n');
	if (b.len < hl || memcmp(b.ptr, DRAFT_HEADER, hl) || !nl ||
	    nl == b.ptr + hl) {
		err = ks_error(d, KS_EINVALID, display, 1, 1,
			       "not a draft: the first line should name its kind");
		goto out;
	}
	*kind = ks_strndup(b.ptr + hl, (size_t)(nl - b.ptr) - hl);
	if (!*kind || ks_buf_add(text, nl + 1, b.len - (size_t)(nl + 1 - b.ptr)) < 0) {
		ks_free(*kind);
		*kind = NULL;
		err = -1;
		goto out;
	}
	err = 0;
out:
	ks_buf_release(&b);
	ks_free(abs);
	ks_free(display);
	return err;
}

int ks_draft_exists(struct ks_repo *r, const char *id)
{
	char *abs = draft_path(r, id);
	struct stat st;
	int yes = abs && stat(abs, &st) == 0 && S_ISREG(st.st_mode);

	ks_free(abs);
	return yes;
}

static int by_id(const void *a, const void *b)
{
	const struct ks_draft *x = a, *y = b;
	char dx[KS_DEVICE_MAX + 1], dy[KS_DEVICE_MAX + 1];
	unsigned long cx = 0, cy = 0;
	int c;

	ks_id_parse(x->id, dx, &cx);
	ks_id_parse(y->id, dy, &cy);
	c = strcmp(dx, dy);
	if (c)
		return c;
	return cx < cy ? -1 : cx > cy;
}

static int record_exists(struct ks_repo *r, const char *kind, const char *id)
{
	char *rel = ks_record_relpath(kind, id);
	char *abs = rel ? ks_repo_path(r, rel) : NULL;
	struct stat st;
	int yes = abs && stat(abs, &st) == 0;

	ks_free(rel);
	ks_free(abs);
	return yes;
}

int ks_draft_list(struct ks_drafts *out, struct ks_repo *r,
		  struct ks_diags *d)
{
	struct ks_buf dir = KS_BUF_INIT;
	struct dirent *e;
	DIR *dh;
	int err = 0;

	memset(out, 0, sizeof(*out));
	if (ks_buf_addf(&dir, "%s%s", git_repository_path(ks_repo_git(r)),
			KS_DRAFTS_DIR) < 0)
		return -1;
	dh = opendir(dir.ptr);
	if (!dh) {
		err = errno == ENOENT ? 0 :
			ks_error(d, KS_EIO, dir.ptr, 0, 0,
				 "cannot read the folder: %s", strerror(errno));
		ks_buf_release(&dir);
		return err;
	}
	while (!err && (e = readdir(dh))) {
		struct ks_diags ignore = KS_DIAGS_INIT;
		struct ks_buf text = KS_BUF_INIT;
		size_t n = strlen(e->d_name);
		char *id, *kind = NULL;
		int r2;

		if (n <= 5 || strcmp(e->d_name + n - 5, ".yaml"))
			continue;
		id = ks_strndup(e->d_name, n - 5);
		if (!id) {
			err = -1;
			break;
		}
		r2 = ks_draft_load(&text, &kind, r, id, &ignore);
		ks_diags_release(&ignore);
		ks_buf_release(&text);
		/* Finished, but killed before the draft was removed. */
		if (r2 == 0 && record_exists(r, kind, id)) {
			ks_free(id);
			ks_free(kind);
			continue;
		}
		if (r2 == 0 &&
		    ks_grow(&out->v, out->n, &out->alloc, sizeof(*out->v), 8) == 0) {
			out->v[out->n].id = id;
			out->v[out->n++].kind = kind;
			continue;
		}
		if (r2 == 0 || r2 == -1)
			err = -1;
		ks_free(id);
		ks_free(kind);
	}
	closedir(dh);
	ks_buf_release(&dir);
	if (err)
		ks_drafts_release(out);
	else if (out->n)
		qsort(out->v, out->n, sizeof(*out->v), by_id);
	return err;
}

int ks_draft_finish(struct ks_repo *r, const char *kind, const char *id,
		    const char *text, size_t len, struct ks_diags *d)
{
	char *rel = ks_record_relpath(kind, id), *abs = NULL;
	struct stat st;
	int err = -1;

	if (!rel || !(abs = ks_repo_path(r, rel)))
		goto out;
	if (stat(abs, &st) == 0) {
		err = ks_error(d, KS_EEXISTS, rel, 0, 0,
			       "a record already exists here; the draft was kept");
		goto out;
	}
	/* The record first: a crash in between leaves both, never neither. */
	err = ks_file_put(abs, text, len, KS_FILE_DURABLE, d);
	if (!err)
		err = ks_draft_remove(r, id, d);
out:
	ks_free(rel);
	ks_free(abs);
	return err;
}

int ks_draft_remove(struct ks_repo *r, const char *id, struct ks_diags *d)
{
	char *abs = draft_path(r, id);
	int err = 0;

	if (!abs)
		return 0;
	if (unlink(abs) < 0 && errno != ENOENT)
		err = ks_error(d, KS_EIO, abs, 0, 0, "cannot remove: %s",
			       strerror(errno));
	ks_free(abs);
	return err;
}
