/*
 * Unique values of some records against the rest of the survey.  See
 * clash.h.
 *
 * Every way in works the same: the records changed in the work tree (other
 * than the ones judged) are indexed first, then the judged records' values,
 * so that a clash between the two is reported at the judged one; then the
 * committed records are compared with the index, and a clash is reported
 * at the indexed record.  Only the judged records' clashes are kept.
 */
#include "clash.h"
#include "alloc.h"
#include "check.h"
#include "commit.h"
#include "diag.h"
#include "paths.h"
#include "record.h"
#include "repo.h"
#include "recordcache.h"
#include "rindex.h"
#include "schema.h"
#include "treediff.h"
#include "unique.h"
#include "unique_int.h"

#include <git2.h>
#include <stdlib.h>
#include <string.h>

struct judged {
	const struct ks_paths *paths;	/* sorted */
	int (*feed)(struct ks_unique *u, void *ctx, struct ks_diags *d);
	void *ctx;
	int clean;	/* the work tree is known to hold HEAD's tree: not listed */
};

static int judged_has(const struct judged *j, const char *path)
{
	return ks_paths_has(j->paths, path);
}

/*
 * The clashes of the judged records, moved to `d` (with their place when
 * `located`).  Returns 0, KS_EINVALID or -1.
 */
static int against_survey(struct ks_repo *r, const struct judged *j,
			  int located, struct ks_diags *d)
{
	struct ks_unique *u = ks_unique_new();
	struct ks_changes ch = { 0 };
	struct ks_paths skip = { 0 };
	struct ks_diags ignore = KS_DIAGS_INIT, mine = KS_DIAGS_INIT;
	size_t i;
	int err = -1;

	if (!u || (!j->clean && ks_changes_list(&ch, r, &ignore) == -1))
		goto out;
	for (i = 0; i < j->paths->n; i++)
		if (ks_paths_add(&skip, j->paths->v[i]) < 0)
			goto out;
	for (i = 0; i < ch.n; i++) {
		const char *p = ch.v[i].path;

		if (ch.v[i].what == KS_CHANGE_DELETED ||
		    strncmp(p, KS_RECORDS_DIR "/", strlen(KS_RECORDS_DIR) + 1) ||
		    judged_has(j, p))
			continue;
		if (ks_paths_add(&skip, p) < 0 ||
		    ks_check_record(r, p, u, NULL, &ignore) == -1)
			goto out;
	}
	ks_paths_sort(&skip);
	if (j->feed(u, j->ctx, &mine) == -1 ||
	    ks_unique_probe_head(u, r, &skip, NULL, &mine) == -1 ||
	    ks_unique_report(u, &mine) < 0)
		goto out;
	err = 0;
	for (i = 0; i < mine.n; i++) {
		const struct ks_diag *m = &mine.v[i];

		if (m->severity != KS_SEV_ERROR || !m->keyword ||
		    strcmp(m->keyword, "x-unique") || !m->path ||
		    !judged_has(j, m->path))
			continue;
		if (located)
			ks_diags_add(d, KS_SEV_ERROR, m->path, m->line, m->col,
				     m->pointer, m->keyword, "%s", m->message);
		else
			ks_diags_add(d, KS_SEV_ERROR, NULL, 0, 0, m->pointer,
				     m->keyword, "%s", m->message);
		err = KS_EINVALID;
	}
out:
	ks_unique_free(u);
	ks_changes_release(&ch);
	ks_paths_release(&skip);
	ks_diags_release(&ignore);
	ks_diags_release(&mine);
	return err;
}

/* One record not saved yet (or saved at its path): its place and id. */
struct one {
	struct ks_repo *r;
	const char *kind, *id, *rel;
	const char *pointer;		/* one value, or NULL: the tree */
	const struct ks_node *node;
};

static int feed_one(struct ks_unique *u, void *ctx, struct ks_diags *d)
{
	struct one *o = ctx;
	struct ks_diags schema = KS_DIAGS_INIT;
	int err;

	const struct ks_kind *k = ks_repo_find_kind(o->r, o->kind);

	/* the schema only names the fields: one not compiled names none */
	ks_unique_begin(u, o->kind, k ? k->schema : NULL, o->rel, o->id, d);
	if (o->pointer) {
		ks_unique_value(u, o->pointer, o->node);
		return 0;
	}
	/* The schema's verdict is the caller's; only the values count here. */
	err = ks_check_values_into(o->r, o->kind, o->node, o->rel, u, &schema);
	ks_diags_release(&schema);
	return err == -1 ? -1 : 0;
}

static int clash_one(struct one *o, struct ks_diags *d)
{
	struct ks_paths self = { 0 };
	struct judged j = { &self, feed_one, o, 0 };
	char *rel = ks_record_relpath(o->kind, o->id);
	int err = -1;

	if (rel && ks_paths_add(&self, rel) == 0) {
		o->rel = rel;
		err = against_survey(o->r, &j, 0, d);
	}
	ks_paths_release(&self);
	ks_free(rel);
	return err;
}

int ks_clash_value(struct ks_repo *r, const char *kind, const char *id,
		   const char *pointer, const struct ks_node *value,
		   struct ks_diags *d)
{
	struct one o = { r, kind, id, NULL, pointer, value };

	return clash_one(&o, d);
}

int ks_clash_record(struct ks_repo *r, const char *kind, const char *id,
		    const struct ks_node *root, struct ks_diags *d)
{
	struct one o = { r, kind, id, NULL, NULL, root };

	return clash_one(&o, d);
}

struct many {
	struct ks_repo *r;
	const struct ks_paths *paths;
};

/* Keeps a record's clashes; the rest is 'khaosat check's to say. */
static int keep_clashes(void *ctx, const char *path, int err,
			struct ks_diags *rd)
{
	struct ks_diags *d = ctx;
	size_t k;

	(void)path;
	for (k = 0; k < rd->n; k++)
		if (rd->v[k].keyword && !strcmp(rd->v[k].keyword, "x-unique"))
			ks_diags_add(d, rd->v[k].severity, rd->v[k].path,
				     rd->v[k].line, rd->v[k].col, rd->v[k].pointer,
				     rd->v[k].keyword, "%s", rd->v[k].message);
	return err == -1 ? -1 : 0;
}

static int feed_many(struct ks_unique *u, void *ctx, struct ks_diags *d)
{
	struct many *m = ctx;

	/* ks_check_record() begins each record in `u` */
	return ks_check_records(m->r, m->paths->v, m->paths->n, u, keep_clashes,
				d) == -1 ? -1 : 0;
}

static int clash_paths(struct ks_repo *r, const struct ks_paths *paths,
		       int clean, struct ks_diags *d)
{
	struct many m = { r, paths };
	struct judged j = { paths, feed_many, &m, clean };

	return against_survey(r, &j, 1, d);
}

int ks_clash_paths(struct ks_repo *r, const struct ks_paths *paths,
		   struct ks_diags *d)
{
	return clash_paths(r, paths, 0, d);
}

static int add_changed(const git_diff_delta *dd, float progress, void *p)
{
	(void)progress;
	if (dd->status == GIT_DELTA_DELETED)
		return 0;
	return ks_paths_add(p, dd->new_file.path) < 0 ? -1 : 0;
}

int ks_clash_between(struct ks_repo *r, const git_oid *from,
		     const git_oid *to, int clean, struct ks_diags *d)
{
	struct ks_paths paths = { 0 };
	int err = -1;

	if (ks_commit_diff(ks_repo_git(r), from, to, KS_RECORDS_DIR "/",
			   add_changed, &paths)) {
		err = ks_error(d, KS_EIO, NULL, 0, 0, "cannot compare two commits: %s",
			       ks_git_error());
		goto out;
	}
	ks_paths_sort(&paths);
	err = paths.n ? clash_paths(r, &paths, clean, d) : 0;
out:
	ks_paths_release(&paths);
	return err;
}

/* ---- against the reading index ---- */

/* The judged record's x-unique values, as the validator finds them. */
struct uval {
	char *pointer, *value;
	size_t len;
	int line, col;
};

struct uvals {
	struct uval *v;
	size_t n, alloc;
	int oom;
};

static void list_value(void *ctx, const char *pointer, const struct ks_node *v)
{
	struct uvals *l = ctx;
	struct uval *e;

	/* as ks_unique_value() takes them: scalars */
	if (l->oom || v->kind != KS_NODE_SCALAR)
		return;
	if (ks_grow(&l->v, l->n, &l->alloc, sizeof(*l->v), 4) < 0) {
		l->oom = 1;
		return;
	}
	e = &l->v[l->n];
	e->pointer = ks_strdup(pointer);
	e->value = ks_strndup(v->u.scalar.str, v->u.scalar.len);
	e->len = v->u.scalar.len;
	e->line = v->line;
	e->col = v->col;
	if (!e->pointer || !e->value) {
		ks_free(e->pointer);
		ks_free(e->value);
		l->oom = 1;
		return;
	}
	l->n++;
}

/* A record holding one of the values: indexed before the judged one. */
struct holding {
	struct ks_unique *u;
	const char *kind;
	const struct ks_schema *schema;
	const struct uval *val;
	struct ks_diags *ignore;
};

static int add_holder(void *ctx, const char *path, const char *id, int line,
		      int col)
{
	struct holding *h = ctx;

	ks_unique_begin(h->u, h->kind, h->schema, path, id, h->ignore);
	ks_unique_add_at(h->u, h->val->pointer, h->val->value, h->val->len,
			 line, col);
	return h->u->oom ? -1 : 0;
}

int ks_clash_record_index(struct ks_repo *r, struct ks_rindex *x,
			  const char *kind, const char *id,
			  const struct ks_node *root, struct ks_diags *d)
{
	struct ks_kind *k = ks_repo_find_kind(r, kind);
	struct ks_schema *schema = NULL;
	struct uvals vals = { NULL, 0, 0, 0 };
	struct ks_validate_opts vo = { NULL, list_value, &vals, 0 };
	struct ks_diags ignore = KS_DIAGS_INIT, mine = KS_DIAGS_INIT;
	struct ks_unique *u = NULL;
	char *rel = ks_record_relpath(kind, id);
	size_t i;
	int err = -1;

	if (!rel)
		goto out;
	err = 0;
	if (!k || ks_repo_schema(&schema, r, k, &ignore) ||
	    !ks_schema_has_unique(schema))
		goto out;	/* no form, or no value that must be unique */
	if (ks_schema_validate(schema, root, rel, &vo, &ignore) == -1 ||
	    vals.oom || !(u = ks_unique_new())) {
		err = -1;
		goto out;
	}
	/* the other records holding each value, then the judged one */
	for (i = 0; i < vals.n && !err; i++) {
		struct holding h = { u, kind, schema, &vals.v[i], &ignore };

		err = ks_rindex_holders(x, kind, vals.v[i].pointer,
					vals.v[i].value, vals.v[i].len, rel,
					add_holder, &h, d);
	}
	if (err)
		goto out;
	ks_unique_begin(u, kind, schema, rel, id, &mine);
	for (i = 0; i < vals.n; i++)
		ks_unique_add_at(u, vals.v[i].pointer, vals.v[i].value,
				 vals.v[i].len, vals.v[i].line, vals.v[i].col);
	if (ks_unique_report(u, &mine) < 0) {
		err = -1;
		goto out;
	}
	for (i = 0; i < mine.n; i++) {
		const struct ks_diag *m = &mine.v[i];

		if (m->severity != KS_SEV_ERROR || !m->keyword ||
		    strcmp(m->keyword, "x-unique"))
			continue;
		ks_diags_add(d, KS_SEV_ERROR, NULL, 0, 0, m->pointer,
			     m->keyword, "%s", m->message);
		err = KS_EINVALID;
	}
out:
	for (i = 0; i < vals.n; i++) {
		ks_free(vals.v[i].pointer);
		ks_free(vals.v[i].value);
	}
	ks_free(vals.v);
	ks_unique_free(u);
	ks_free(rel);
	ks_diags_release(&ignore);
	ks_diags_release(&mine);
	return err;
}
