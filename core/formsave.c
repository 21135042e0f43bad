/*
 * Unfinished forms kept under .git/khaosat/forms/, one YAML file each,
 * rewritten whole and atomically after every answer.  See formsave.h.
 */
#include "formsave.h"
#include "alloc.h"
#include "buf.h"
#include "diag.h"
#include "file.h"
#include "isotime.h"
#include "record.h"
#include "repo.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TIME_FORMAT "%Y-%m-%dT%H:%M:%SZ"

void ks_formsave_release(struct ks_formsave *f)
{
	size_t i;

	ks_free(f->file);
	ks_free(f->of);
	ks_free(f->base);
	ks_free(f->kind);
	for (i = 0; i < f->nanswers; i++)
		ks_free(f->answers[i]);
	ks_free(f->answers);
	ks_doc_free(f->doc);
	memset(f, 0, sizeof(*f));
}

/* The forms folder, or a file in it when `file` is not NULL (ks_free). */
static char *forms_path(struct ks_repo *r, const char *file)
{
	struct ks_buf b = KS_BUF_INIT;

	if (ks_buf_addf(&b, "%s%s%s%s", git_repository_path(ks_repo_git(r)),
			KS_FORMS_DIR, file ? "/" : "", file ? file : "") < 0)
		return NULL;
	return ks_buf_detach(&b, NULL);
}

int ks_formsave_start(struct ks_formsave *f, struct ks_repo *r,
		      const char *kind)
{
	struct ks_buf name = KS_BUF_INIT;
	char stamp[32];
	struct tm tm;
	struct stat st;
	unsigned n;

	f->started = time(NULL);
	gmtime_r(&f->started, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	f->kind = ks_strdup(kind);
	if (!f->kind)
		return -1;
	for (n = (unsigned)getpid();; n++) {
		char *abs;
		int taken;

		ks_buf_reset(&name);
		if (ks_buf_addf(&name, "%s-%s-%u.yaml", kind, stamp, n) < 0)
			return -1;
		abs = forms_path(r, name.ptr);
		if (!abs) {
			ks_buf_release(&name);
			return -1;
		}
		taken = stat(abs, &st) == 0;
		ks_free(abs);
		if (!taken)
			break;
	}
	f->file = ks_buf_detach(&name, NULL);
	return 0;
}

int ks_formsave_add(struct ks_formsave *f, const char *answer)
{
	char *s;

	if (ks_grow(&f->answers, f->nanswers, &f->alloc, sizeof(*f->answers),
		    32) < 0)
		return -1;
	s = ks_strdup(answer);
	if (!s)
		return -1;
	f->answers[f->nanswers++] = s;
	return 0;
}

void ks_formsave_truncate(struct ks_formsave *f, size_t n)
{
	while (f->nanswers > n)
		ks_free(f->answers[--f->nanswers]);
}

static int set_scalar(struct ks_doc *doc, struct ks_node *map,
		      const char *key, const char *value)
{
	struct ks_node *v = ks_node_scalar(doc, value, strlen(value), 1);

	return v ? ks_map_set(doc, map, key, v) : -1;
}

/* The file's text: kind, started, answers, record. */
static int form_text(struct ks_buf *out, const struct ks_formsave *f)
{
	struct ks_doc *doc = ks_doc_new(NULL);
	struct ks_node *root, *seq, *rec;
	char stamp[32];
	struct tm tm;
	size_t i;
	int err = -1;

	if (!doc)
		return -1;
	gmtime_r(&f->started, &tm);
	strftime(stamp, sizeof(stamp), TIME_FORMAT, &tm);
	root = ks_node_map(doc);
	seq = ks_node_seq(doc);
	rec = f->record ? ks_node_clone(doc, f->record) : ks_node_map(doc);
	if (!root || !seq || !rec ||
	    set_scalar(doc, root, "kind", f->kind) < 0 ||
	    (f->of && set_scalar(doc, root, "of", f->of) < 0) ||
	    (f->base && set_scalar(doc, root, "base", f->base) < 0) ||
	    set_scalar(doc, root, "started", stamp) < 0)
		goto out;
	for (i = 0; i < f->nanswers; i++) {
		struct ks_node *a = ks_node_scalar(doc, f->answers[i],
						   strlen(f->answers[i]), 1);

		if (!a || ks_seq_push(doc, seq, a) < 0)
			goto out;
	}
	if (ks_map_set(doc, root, "answers", seq) < 0 ||
	    ks_map_set(doc, root, "record", rec) < 0)
		goto out;
	err = ks_doc_write(out, root, NULL, NULL);
out:
	ks_doc_free(doc);
	return err;
}

int ks_formsave_write(struct ks_repo *r, const struct ks_formsave *f,
		      struct ks_diags *d)
{
	struct ks_buf text = KS_BUF_INIT;
	char *abs = forms_path(r, f->file);
	int err = -1;

	if (!abs || form_text(&text, f) < 0)
		goto out;
	err = ks_file_put_text(abs, &text, KS_FILE_DURABLE, d);
out:
	ks_buf_release(&text);
	ks_free(abs);
	return err;
}

static const char *scalar(const struct ks_node *map, const char *key)
{
	const struct ks_node *v = ks_map_get(map, key);

	return v && v->kind == KS_NODE_SCALAR ? v->u.scalar.str : NULL;
}

int ks_formsave_load(struct ks_formsave *f, struct ks_repo *r,
		     const char *file, struct ks_diags *d)
{
	struct ks_buf display = KS_BUF_INIT;
	const struct ks_node *root, *answers, *rec;
	const char *kind, *started;
	char *abs = forms_path(r, file);
	int64_t when;
	size_t i;
	int err;

	memset(f, 0, sizeof(*f));
	if (!abs || ks_buf_addf(&display, ".git/%s/%s", KS_FORMS_DIR, file) < 0) {
		err = -1;
		goto out;
	}
	err = ks_doc_load(&f->doc, abs, display.ptr, KS_PARSE_RECORD, d);
	if (err)
		goto out;
	root = ks_doc_root(f->doc);
	kind = scalar(root, "kind");
	started = scalar(root, "started");
	answers = ks_map_get(root, "answers");
	rec = ks_map_get(root, "record");
	if (!kind || !started || !answers || answers->kind != KS_NODE_SEQ ||
	    !rec || rec->kind != KS_NODE_MAP ||
	    ks_iso_instant(&when, started) < 0) {
		err = ks_error(d, KS_EINVALID, display.ptr, 0, 0,
			       "not an unfinished form");
		goto out;
	}
	f->started = (time_t)when;
	f->record = rec;
	f->kind = ks_strdup(kind);
	f->file = ks_strdup(file);
	if (scalar(root, "of"))
		f->of = ks_strdup(scalar(root, "of"));
	if (scalar(root, "base"))
		f->base = ks_strdup(scalar(root, "base"));
	if (!f->kind || !f->file || (scalar(root, "of") && !f->of) ||
	    (scalar(root, "base") && !f->base)) {
		err = -1;
		goto out;
	}
	for (i = 0; i < answers->u.seq.n; i++) {
		const struct ks_node *a = answers->u.seq.v[i];

		if (a->kind != KS_NODE_SCALAR) {
			err = ks_error(d, KS_EINVALID, display.ptr, a->line,
				       a->col, "an answer is not text");
			goto out;
		}
		if (ks_formsave_add(f, a->u.scalar.str) < 0) {
			err = -1;
			goto out;
		}
	}
out:
	if (err)
		ks_formsave_release(f);
	ks_buf_release(&display);
	ks_free(abs);
	return err;
}

void ks_formsaves_release(struct ks_formsaves *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		ks_formsave_release(&l->v[i]);
	ks_free(l->v);
	memset(l, 0, sizeof(*l));
}

static int older_first(const void *a, const void *b)
{
	const struct ks_formsave *x = a, *y = b;

	if (x->started != y->started)
		return x->started < y->started ? -1 : 1;
	return strcmp(x->file, y->file);
}

static int is_form_file(const char *name)
{
	size_t n = strlen(name);

	return name[0] != '.' && n > 5 && !strcmp(name + n - 5, ".yaml");
}

int ks_formsave_list(struct ks_formsaves *out, struct ks_repo *r,
		     const char *kind, struct ks_diags *d)
{
	char *dir = forms_path(r, NULL);
	struct dirent *e;
	DIR *dh;
	int err = 0;

	memset(out, 0, sizeof(*out));
	if (!dir)
		return -1;
	dh = opendir(dir);
	if (!dh) {
		err = errno == ENOENT ? 0 :
			ks_error(d, KS_EIO, dir, 0, 0, "cannot read the folder: %s",
				 strerror(errno));
		ks_free(dir);
		return err;
	}
	while (!err && (e = readdir(dh))) {
		struct ks_diags ignore = KS_DIAGS_INIT;
		struct ks_formsave f;
		int r2;

		if (!is_form_file(e->d_name))
			continue;
		r2 = ks_formsave_load(&f, r, e->d_name, &ignore);
		ks_diags_release(&ignore);
		if (r2 == -1)
			err = -1;
		if (r2)
			continue;
		if (kind && strcmp(kind, f.kind)) {
			ks_formsave_release(&f);
			continue;
		}
		if (ks_grow(&out->v, out->n, &out->alloc, sizeof(*out->v), 4) < 0) {
			ks_formsave_release(&f);
			err = -1;
			break;
		}
		out->v[out->n++] = f;
	}
	closedir(dh);
	ks_free(dir);
	if (err)
		ks_formsaves_release(out);
	else if (out->n)
		qsort(out->v, out->n, sizeof(*out->v), older_first);
	return err;
}

int ks_formsave_remove(struct ks_repo *r, const struct ks_formsave *f,
		       struct ks_diags *d)
{
	char *abs;
	int err = 0;

	if (!f->file)
		return 0;
	abs = forms_path(r, f->file);
	if (!abs)
		return -1;
	if (unlink(abs) < 0 && errno != ENOENT)
		err = ks_error(d, KS_EIO, abs, 0, 0, "cannot remove: %s",
			       strerror(errno));
	ks_free(abs);
	return err;
}
