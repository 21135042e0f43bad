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
#include "record.h"
#include "repo.h"
#include "recordcache.h"
#include "unique.h"

#include <git2.h>
#include <stdlib.h>
#include <string.h>

struct judged {
	const struct ks_paths *paths;	/* sorted */
	int (*feed)(struct ks_unique *u, void *ctx, struct ks_diags *d);
	void *ctx;
};

static int path_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int judged_has(const struct judged *j, const char *path)
{
	return j->paths->n &&
	       bsearch(&path, j->paths->v, j->paths->n, sizeof(char *),
		       path_cmp) != NULL;
}

/*
 * The clashes of the judged records, moved to `d` (with their place when
 * `located`).  Returns 0, KS_EINVALID or -1.
 */
static int against_survey(struct ks_repo *r, const struct judged *j,
			  const struct ks_changes *given, int located,
			  struct ks_diags *d)
{
	struct ks_unique *u = ks_unique_new();
	struct ks_changes own = { 0 };
	const struct ks_changes *changes = given ? given : &own;
	struct ks_paths skip = { 0 };
	struct ks_diags ignore = KS_DIAGS_INIT, mine = KS_DIAGS_INIT;
	size_t i;
	int err = -1;

	if (!u || (!given && ks_changes_list(&own, r, &ignore) == -1))
		goto out;
	for (i = 0; i < j->paths->n; i++)
		if (ks_paths_add(&skip, j->paths->v[i]) < 0)
			goto out;
	for (i = 0; i < changes->n; i++) {
		const char *p = changes->v[i].path;

		if (changes->v[i].what == KS_CHANGE_DELETED ||
		    strncmp(p, KS_RECORDS_DIR "/", strlen(KS_RECORDS_DIR) + 1) ||
		    judged_has(j, p))
			continue;
		if (ks_paths_add(&skip, p) < 0 ||
		    ks_check_record(r, p, u, NULL, &ignore) == -1)
			goto out;
	}
	ks_paths_sort(&skip);
	if (j->feed(u, j->ctx, &mine) == -1 ||
	    ks_unique_probe_head(u, r, &skip, &mine) == -1 ||
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
	ks_changes_release(&own);
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

static int clash_one(struct one *o, const struct ks_changes *changes,
		     struct ks_diags *d)
{
	struct ks_paths self = { 0 };
	struct judged j = { &self, feed_one, o };
	char *rel = ks_record_relpath(o->kind, o->id);
	int err = -1;

	if (rel && ks_paths_add(&self, rel) == 0) {
		o->rel = rel;
		err = against_survey(o->r, &j, changes, 0, d);
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

	return clash_one(&o, NULL, d);
}

int ks_clash_record(struct ks_repo *r, const char *kind, const char *id,
		    const struct ks_node *root, struct ks_diags *d)
{
	struct one o = { r, kind, id, NULL, NULL, root };

	return clash_one(&o, NULL, d);
}

int ks_clash_record_changes(struct ks_repo *r, const char *kind,
			    const char *id, const struct ks_node *root,
			    const struct ks_changes *changes, struct ks_diags *d)
{
	struct one o = { r, kind, id, NULL, NULL, root };

	return clash_one(&o, changes, d);
}

struct many {
	struct ks_repo *r;
	const struct ks_paths *paths;
};

static int feed_many(struct ks_unique *u, void *ctx, struct ks_diags *d)
{
	struct many *m = ctx;
	struct ks_diags schema = KS_DIAGS_INIT;
	size_t i;
	int err = 0;

	/* ks_check_record() begins each record in `u`, errors to `d`. */
	for (i = 0; i < m->paths->n && err != -1; i++) {
		ks_diags_release(&schema);
		err = ks_check_record(m->r, m->paths->v[i], u, NULL, &schema);
		/* Keep the clashes; the rest is 'khaosat check's to say. */
		for (size_t k = 0; k < schema.n; k++)
			if (schema.v[k].keyword &&
			    !strcmp(schema.v[k].keyword, "x-unique"))
				ks_diags_add(d, schema.v[k].severity,
					     schema.v[k].path, schema.v[k].line,
					     schema.v[k].col, schema.v[k].pointer,
					     schema.v[k].keyword, "%s",
					     schema.v[k].message);
	}
	ks_diags_release(&schema);
	return err == -1 ? -1 : 0;
}

int ks_clash_paths(struct ks_repo *r, const struct ks_paths *paths,
		   struct ks_diags *d)
{
	struct many m = { r, paths };
	struct judged j = { paths, feed_many, &m };

	return against_survey(r, &j, NULL, 1, d);
}

static int add_changed(const git_diff_delta *dd, float progress, void *p)
{
	(void)progress;
	if (dd->status == GIT_DELTA_DELETED)
		return 0;
	return ks_paths_add(p, dd->new_file.path) < 0 ? -1 : 0;
}

int ks_clash_between(struct ks_repo *r, const git_oid *from,
		     const git_oid *to, struct ks_diags *d)
{
	git_repository *repo = ks_repo_git(r);
	git_diff_options opts = GIT_DIFF_OPTIONS_INIT;
	char *records = KS_RECORDS_DIR "/";
	git_diff *diff = NULL;
	struct ks_paths paths = { 0 };
	int err = -1;

	opts.pathspec.strings = &records;
	opts.pathspec.count = 1;
	if (ks_diff_commits(&diff, repo, from, to, &opts) < 0 ||
	    git_diff_foreach(diff, add_changed, NULL, NULL, NULL, &paths) < 0) {
		err = ks_error(d, KS_EIO, NULL, 0, 0, "cannot compare two commits: %s",
			       ks_git_error());
		goto out;
	}
	ks_paths_sort(&paths);
	err = paths.n ? ks_clash_paths(r, &paths, d) : 0;
out:
	ks_paths_release(&paths);
	git_diff_free(diff);
	return err;
}
