/*
 * Record checks within a survey: path, parse, id, schema, references and
 * uniqueness.  See check.h.
 */
#include "check.h"
#include "alloc.h"
#include "buf.h"
#include "diag.h"
#include "record.h"
#include "repo.h"
#include "schema.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- path lists ---- */

void ks_paths_release(struct ks_paths *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		ks_free(p->v[i]);
	ks_free(p->v);
	memset(p, 0, sizeof(*p));
}

int ks_paths_add(struct ks_paths *p, const char *path)
{
	char *s;

	if (p->n == p->alloc) {
		size_t n = p->alloc ? p->alloc * 2 : 64;
		char **v = ks_realloc(p->v, n * sizeof(*v));

		if (!v)
			return -1;
		p->v = v;
		p->alloc = n;
	}
	s = ks_strdup(path);
	if (!s)
		return -1;
	p->v[p->n++] = s;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void ks_paths_sort(struct ks_paths *p)
{
	if (p->n)
		qsort(p->v, p->n, sizeof(*p->v), cmp_str);
}

static int walk(struct ks_paths *out, struct ks_buf *abs, size_t rel_off,
		int depth, struct ks_diags *d)
{
	DIR *dh;
	struct dirent *e;
	size_t len = abs->len;
	int err = 0;

	if (depth > 8)
		return 0;
	dh = opendir(abs->ptr);
	if (!dh)
		return errno == ENOENT ? 0 :
			ks_error(d, KS_EIO, abs->ptr + rel_off, 0, 0,
				 "cannot read the folder: %s", strerror(errno));
	while (!err && (e = readdir(dh))) {
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		abs->len = len;
		abs->ptr[len] = '\0';
		if (ks_buf_addf(abs, "/%s", e->d_name) < 0) {
			err = -1;
			break;
		}
		if (lstat(abs->ptr, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode))
			err = walk(out, abs, rel_off, depth + 1, d);
		else if (S_ISREG(st.st_mode) &&
			 strstr(e->d_name, ".tmp-") == NULL)
			err = ks_paths_add(out, abs->ptr + rel_off);
	}
	closedir(dh);
	abs->len = len;
	abs->ptr[len] = '\0';
	return err;
}

int ks_list_records(struct ks_paths *out, struct ks_repo *r,
		    struct ks_diags *d)
{
	struct ks_buf abs = KS_BUF_INIT;
	size_t off = strlen(ks_repo_workdir(r));
	int err;

	if (ks_buf_addf(&abs, "%s%s", ks_repo_workdir(r), KS_RECORDS_DIR) < 0)
		return -1;
	err = walk(out, &abs, off, 0, d);
	ks_buf_release(&abs);
	ks_paths_sort(out);
	return err;
}

/* ---- uniqueness ---- */

struct uentry {
	char *key;		/* kind NUL pointer NUL value */
	size_t keylen;
	char *path;
	char *id;
	int line, col;
	int reported;
	struct uentry *next;
};

struct ks_unique {
	struct uentry **table;
	size_t size, n;
	/* the record being checked */
	const char *kind, *path, *id;
	struct ks_diags *d;
	int oom;
};

struct ks_unique *ks_unique_new(void)
{
	struct ks_unique *u = ks_calloc(1, sizeof(*u));

	if (!u)
		return NULL;
	u->size = 1024;
	u->table = ks_calloc(u->size, sizeof(*u->table));
	if (!u->table) {
		ks_free(u);
		return NULL;
	}
	return u;
}

void ks_unique_free(struct ks_unique *u)
{
	size_t i;

	if (!u)
		return;
	for (i = 0; i < u->size; i++) {
		struct uentry *e, *next;

		for (e = u->table[i]; e; e = next) {
			next = e->next;
			ks_free(e->key);
			ks_free(e->path);
			ks_free(e->id);
			ks_free(e);
		}
	}
	ks_free(u->table);
	ks_free(u);
}

static size_t hash_bytes(const char *s, size_t n)
{
	size_t h = 14695981039346656037u;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211u;
	return h;
}

static void unique_grow(struct ks_unique *u)
{
	size_t size = u->size * 2, i;
	struct uentry **t = ks_calloc(size, sizeof(*t));

	if (!t)
		return;
	for (i = 0; i < u->size; i++) {
		struct uentry *e, *next;

		for (e = u->table[i]; e; e = next) {
			size_t j = hash_bytes(e->key, e->keylen) & (size - 1);

			next = e->next;
			e->next = t[j];
			t[j] = e;
		}
	}
	ks_free(u->table);
	u->table = t;
	u->size = size;
}

static void on_unique(void *ctx, const char *pointer,
		      const struct ks_node *value)
{
	struct ks_unique *u = ctx;
	struct ks_buf key = KS_BUF_INIT;
	struct uentry *e;
	size_t h;

	if (value->kind != KS_NODE_SCALAR)
		return;
	ks_buf_add(&key, u->kind, strlen(u->kind) + 1);
	ks_buf_add(&key, pointer, strlen(pointer) + 1);
	if (ks_buf_add(&key, value->u.scalar.str, value->u.scalar.len) < 0) {
		u->oom = 1;
		goto out;
	}
	h = hash_bytes(key.ptr, key.len) & (u->size - 1);
	for (e = u->table[h]; e; e = e->next) {
		if (e->keylen != key.len || memcmp(e->key, key.ptr, key.len))
			continue;
		if (!strcmp(e->id, u->id))
			goto out;
		ks_diags_add(u->d, KS_SEV_ERROR, u->path, value->line,
			     value->col, pointer, "x-unique",
			     "\"%s\" is also used by record %s (%s:%d:%d); it must be unique",
			     value->u.scalar.str, e->id, e->path, e->line,
			     e->col);
		goto out;
	}
	e = ks_calloc(1, sizeof(*e));
	if (!e) {
		u->oom = 1;
		goto out;
	}
	e->keylen = key.len;
	e->key = ks_buf_detach(&key, NULL);
	e->path = ks_strdup(u->path);
	e->id = ks_strdup(u->id);
	e->line = value->line;
	e->col = value->col;
	e->next = u->table[h];
	u->table[h] = e;
	if (++u->n > u->size)
		unique_grow(u);
out:
	ks_buf_release(&key);
}

int ks_unique_report(struct ks_unique *u, struct ks_diags *d)
{
	return u->oom ? -1 : 0;
}

/* ---- one record ---- */

struct refctx {
	struct ks_repo *r;
	struct ks_unique *uniq;
};

static int ref_exists(void *ctx, const char *kind, const char *id)
{
	struct refctx *c = ctx;
	struct stat st;
	char *rel, *abs;
	int found = 0;

	if (!ks_repo_find_kind(c->r, kind))
		return 0;
	rel = ks_record_relpath(kind, id);
	if (!rel)
		return 0;
	abs = ks_repo_path(c->r, rel);
	if (abs && stat(abs, &st) == 0 && S_ISREG(st.st_mode))
		found = 1;
	ks_free(abs);
	ks_free(rel);
	return found;
}

static void unique_value(void *ctx, const char *pointer,
			 const struct ks_node *value)
{
	struct refctx *c = ctx;

	if (c->uniq)
		on_unique(c->uniq, pointer, value);
}

/* Kind and id of a record path, with the errors a person needs. */
static int record_place(struct ks_repo *r, const char *relpath,
			char **kind, char **id, struct ks_kind **k,
			struct ks_diags *d)
{
	struct ks_buf known = KS_BUF_INIT;

	if (ks_record_path_parse(relpath, kind, id) < 0)
		return ks_error(d, KS_EINVALID, relpath, 0, 0,
				"not where a record belongs: records are named records/<kind>/<device>/<NNN>/<id>.yaml");
	*k = ks_repo_find_kind(r, *kind);
	if (*k)
		return 0;
	ks_repo_kind_list(r, &known);
	ks_error(d, KS_EINVALID, relpath, 0, 0,
		 "unknown kind \"%s\" (the survey has: %s)", *kind, known.ptr);
	ks_buf_release(&known);
	return KS_EINVALID;
}

static int check_parsed(struct ks_repo *r, const char *relpath,
			const char *id, struct ks_kind *k,
			const struct ks_doc *doc, struct ks_unique *uniq,
			struct ks_diags *d)
{
	struct ks_schema *schema;
	const struct ks_pair *idp;
	struct refctx rc = { r, uniq };
	struct ks_validate_opts vo = { ref_exists, unique_value, &rc, 0 };
	int err = 0, v;

	idp = ks_map_pair(ks_doc_root(doc), "id");
	if (idp && idp->value->kind == KS_NODE_SCALAR &&
	    strcmp(idp->value->u.scalar.str, id)) {
		err = KS_EINVALID;
		ks_diags_add(d, KS_SEV_ERROR, relpath, idp->value->line,
			     idp->value->col, "/id", "id",
			     "record id \"%s\" does not match its file name \"%s.yaml\"",
			     idp->value->u.scalar.str, id);
	}
	if (ks_repo_schema(&schema, r, k, d))
		return KS_EINVALID;
	if (uniq) {
		uniq->kind = k->name;
		uniq->path = relpath;
		uniq->id = id;
		uniq->d = d;
	}
	v = ks_schema_validate(schema, ks_doc_root(doc), relpath, &vo, d);
	if (v == -1)
		return -1;
	return v ? KS_EINVALID : err;
}

int ks_check_values(struct ks_repo *r, const char *kind,
		    const struct ks_node *root, const char *display,
		    struct ks_diags *d)
{
	struct ks_kind *k = ks_repo_find_kind(r, kind);
	struct ks_schema *schema;
	struct refctx rc = { r, NULL };
	struct ks_validate_opts vo = { ref_exists, unique_value, &rc, 0 };
	int v;

	if (!k)
		return ks_error(d, KS_EINVALID, display, 0, 0,
				"unknown kind \"%s\"", kind);
	if (ks_repo_schema(&schema, r, k, d))
		return KS_EINVALID;
	v = ks_schema_validate(schema, root, display, &vo, d);
	return v == -1 ? -1 : v ? KS_EINVALID : 0;
}

int ks_check_doc(struct ks_repo *r, const char *relpath,
		 const struct ks_doc *doc, struct ks_unique *uniq,
		 struct ks_diags *d)
{
	char *kind = NULL, *id = NULL;
	struct ks_kind *k = NULL;
	int err = record_place(r, relpath, &kind, &id, &k, d);

	if (!err)
		err = check_parsed(r, relpath, id, k, doc, uniq, d);
	ks_free(kind);
	ks_free(id);
	return err;
}

int ks_check_record(struct ks_repo *r, const char *relpath,
		    struct ks_unique *uniq, struct ks_doc **out,
		    struct ks_diags *d)
{
	char *kind = NULL, *id = NULL, *abs = NULL;
	struct ks_doc *doc = NULL;
	struct ks_kind *k = NULL;
	int err;

	if (out)
		*out = NULL;
	err = record_place(r, relpath, &kind, &id, &k, d);
	if (err)
		goto out;
	abs = ks_repo_path(r, relpath);
	if (!abs) {
		err = -1;
		goto out;
	}
	err = ks_doc_load(&doc, abs, relpath, KS_PARSE_RECORD, d);
	if (err)
		goto out;
	err = check_parsed(r, relpath, id, k, doc, uniq, d);
	if (out && (err == 0 || err == KS_EINVALID)) {
		*out = doc;
		doc = NULL;
	}
out:
	ks_doc_free(doc);
	ks_free(abs);
	ks_free(kind);
	ks_free(id);
	return err;
}

int ks_resolve_record(char **relpath, struct ks_repo *r, const char *arg,
		      const char *cwd, struct ks_diags *d)
{
	const char *wd = ks_repo_workdir(r);
	size_t wdlen = strlen(wd);
	char real[PATH_MAX];
	struct ks_buf b = KS_BUF_INIT;
	size_t i;

	*relpath = NULL;
	if (ks_id_parse(arg, NULL, NULL) == 0) {
		struct stat st;

		for (i = 0; i < ks_repo_kind_count(r); i++) {
			char *rel = ks_record_relpath(ks_repo_kind(r, i)->name,
						      arg);
			char *abs = rel ? ks_repo_path(r, rel) : NULL;
			int found = abs && stat(abs, &st) == 0;

			ks_free(abs);
			if (found) {
				*relpath = rel;
				return 0;
			}
			ks_free(rel);
		}
		return ks_error(d, KS_ENOTFOUND, NULL, 0, 0,
				"no record \"%s\" in this survey", arg);
	}
	if (arg[0] == '/')
		ks_buf_puts(&b, arg);
	else
		ks_buf_addf(&b, "%s/%s", cwd, arg);
	if (!realpath(b.ptr, real)) {
		ks_buf_release(&b);
		return ks_error(d, KS_ENOTFOUND, arg, 0, 0,
				"no such record file or id");
	}
	ks_buf_release(&b);
	if (strncmp(real, wd, wdlen) || !real[wdlen])
		return ks_error(d, KS_EINVALID, arg, 0, 0,
				"file is outside the survey");
	*relpath = ks_strdup(real + wdlen);
	return *relpath ? 0 : -1;
}

int ks_record_format(struct ks_buf *out, struct ks_repo *r, const char *kind,
		     const struct ks_node *root)
{
	struct ks_kind *k = ks_repo_find_kind(r, kind);
	struct ks_diags ignore = KS_DIAGS_INIT;
	struct ks_schema *s = NULL;
	int err;

	/* A broken schema is reported by check; formatting still works. */
	if (k)
		ks_repo_schema(&s, r, k, &ignore);
	ks_diags_release(&ignore);
	err = ks_doc_write(out, root, s ? ks_schema_layout() : NULL,
			   s ? ks_schema_layout_root(s) : NULL);
	return err;
}
