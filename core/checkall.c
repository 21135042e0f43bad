/*
 * Checking the survey, in core: see checkall.h.  It sits above check.c
 * (one record), the record cache (the committed survey), unique.c and
 * conflict.c, and below commit.c and verify.c.
 */
#include "checkall.h"
#include "alloc.h"
#include "attachcheck.h"
#include "buf.h"
#include "check.h"
#include "changes.h"
#include "conflict.h"
#include "layout.h"
#include "members.h"
#include "record.h"
#include "diag.h"
#include "gitindex.h"
#include "recordcache.h"
#include "repo.h"
#include "schema.h"
#include "unique.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * A record the work tree changed, checked as committed: from its blob in
 * `head` (absent there when new: then it is not part of the survey yet).
 */
static int check_head_blob(struct ks_repo *r, git_tree *head, const char *path,
			   struct ks_unique *uniq, size_t *count,
			   struct ks_diags *d)
{
	git_tree_entry *e = NULL;
	git_blob *blob = NULL;
	struct ks_doc *doc = NULL;
	int err = 0;

	if (git_tree_entry_bypath(&e, head, path) < 0) {
		git_error_clear();
		return 0;
	}
	(*count)++;
	if (git_blob_lookup(&blob, ks_repo_git(r), git_tree_entry_id(e)) < 0) {
		err = ks_error(d, KS_EIO, path, 0, 0, "cannot read it at HEAD: %s",
			       ks_git_error());
		goto out;
	}
	err = ks_doc_parse(&doc, path, git_blob_rawcontent(blob),
			   (size_t)git_blob_rawsize(blob), KS_PARSE_RECORD, d);
	if (!err)
		err = ks_check_doc(r, path, doc, uniq, d);
out:
	ks_doc_free(doc);
	git_blob_free(blob);
	git_tree_entry_free(e);
	return err == -1 ? -1 : 0;
}

/*
 * The whole survey.  Records unchanged since the last commit are checked
 * through the record cache.  A changed one joins `paths`, to be checked
 * from the work tree; with `head`, its committed version is checked here
 * instead.
 */
static int check_whole(struct ks_check_totals *out, struct ks_paths *paths,
		       struct ks_unique *uniq, struct ks_repo *r, git_tree *head,
		       struct ks_changes *keep, struct ks_diags *d)
{
	struct ks_changes ch = { 0 };
	struct ks_paths changed = { 0 };
	size_t j, committed = 0;
	int err;

	ch.want_stamps = keep && !head;
	err = ks_changes_list(&ch, r, d);

	/*
	 * The work tree compared: of git's index the walk of the committed
	 * records needs paths and ids alone.  Its stat data let go of here
	 * is a sixth of a whole check's memory at 100,000 records.
	 */
	if (!err && ch.index)
		ks_gitindex_drop_stat(ch.index);
	out->uncommitted = ch.n;
	for (j = 0; !err && j < ch.n; j++) {
		if (ks_paths_add(&changed, ch.v[j].path) < 0)
			err = -1;
		else if (!head && ch.v[j].what != KS_CHANGE_DELETED &&
			 ks_is_record_path(ch.v[j].path) &&
			 ks_paths_add(paths, ch.v[j].path) < 0)
			err = -1;
	}
	ks_paths_sort(&changed);
	/* attached files against their records, for what changed */
	if (!err && !head && ks_attach_check_changes(r, &ch, d) == -1)
		err = -1;
	if (!err)
		err = ks_check_committed(uniq, r, &changed, &ch,
					 &committed, d);
	for (j = 0; head && !err && j < ch.n; j++)
		if (ch.v[j].what != KS_CHANGE_NEW && ks_is_record_path(ch.v[j].path))
			err = check_head_blob(r, head, ch.v[j].path, uniq,
					      &committed, d);
	out->records += committed;
	if (!err && ch.want_stamps) {
		*keep = ch;
		memset(&ch, 0, sizeof(ch));
	}
	ks_changes_release(&ch);
	ks_paths_release(&changed);
	return err;
}

/* Records as a person named them (paths or ids) into `paths`. */
static int resolve_names(struct ks_paths *paths, struct ks_repo *r,
			 const struct ks_check_opts *o, struct ks_diags *d)
{
	size_t i;

	for (i = 0; i < o->nnames; i++) {
		char *rel = NULL;
		int err = ks_resolve_record(&rel, r, o->names[i], o->cwd, d);

		if (err == -1)
			return -1;
		if (!err && ks_paths_add(paths, rel) < 0)
			err = -1;
		ks_free(rel);
		if (err == -1)
			return -1;
		/* A name that names no record is an error in `d` already. */
	}
	return 0;
}

/* An open conflict is an error at its field until someone settles it. */
static int report_conflicts(struct ks_repo *r, const struct ks_paths *paths,
			    int named, struct ks_diags *d)
{
	size_t i;
	int err = 0;

	for (i = 0; !err && i < (named ? paths->n : 1); i++) {
		struct ks_conflict_set cs = { 0 };

		if (ks_conflicts_load(&cs, r, named ? paths->v[i] : NULL, d) == -1 ||
		    ks_conflicts_report(r, &cs, d) < 0)
			err = -1;
		ks_conflict_set_release(&cs);
	}
	return err;
}

int ks_check_survey(struct ks_check_totals *out, struct ks_repo *r,
		    const struct ks_check_opts *o, struct ks_diags *d)
{
	struct ks_paths paths = { 0 };
	struct ks_unique *uniq = NULL;
	size_t i;
	int err = 0;

	memset(out, 0, sizeof(*out));
	/* A schema that does not compile is reported first, and alone. */
	if ((out->schemas_bad = ks_repo_schemas(r, d) != 0))
		return 0;
	if ((err = resolve_names(&paths, r, o, d)))
		goto out;
	if (!(uniq = ks_unique_new())) {
		err = -1;
		goto out;
	}
	if (!o->nnames && (err = check_whole(out, &paths, uniq, r, o->head,
						o->listing, d)))
		goto out;
	ks_paths_sort(&paths);
	for (i = 0; i < paths.n; i++)
		if ((err = ks_check_record(r, paths.v[i], uniq, NULL, d)) == -1)
			goto out;
	err = 0;
	/* Named records: their unique values against the committed survey. */
	if ((o->nnames && ks_unique_probe_head(uniq, r, &paths, NULL, d) == -1) ||
	    ks_unique_report(uniq, d) < 0 ||
	    (!o->head && report_conflicts(r, &paths, o->nnames != 0, d) < 0)) {
		err = -1;
		goto out;
	}
	/* One order whatever the path taken: by file, line and column. */
	ks_diags_sort(d);
	out->records += paths.n;
	out->invalid = ks_diags_error_paths(d);
out:
	ks_unique_free(uniq);
	ks_paths_release(&paths);
	return err;
}

/* ---- what a commit changes ---- */

/*
 * 1 when an error of an unchanged record is this commit's doing: a
 * reference to a record it deletes.  Every other problem of a record the
 * commit does not touch was there before it (a merge or a sync brought it).
 */
static int caused_by(const struct ks_diag *g, const struct ks_changes *c)
{
	size_t i;

	if (g->severity != KS_SEV_ERROR || !g->keyword ||
	    strcmp(g->keyword, "x-ref"))
		return 0;
	for (i = 0; i < c->n; i++) {
		char *kind = NULL, *id = NULL;
		struct ks_buf q = KS_BUF_INIT;
		int hit = 0;

		if (c->v[i].what == KS_CHANGE_DELETED && ks_is_record_path(c->v[i].path) &&
		    ks_record_path_parse(c->v[i].path, &kind, &id) == 0 &&
		    ks_buf_addf(&q, "\"%s\"", id) == 0)
			hit = strstr(g->message, q.ptr) != NULL;
		ks_free(kind);
		ks_free(id);
		ks_buf_release(&q);
		if (hit)
			return 1;
	}
	return 0;
}

/*
 * The problems of records the commit does not change: those it causes go
 * to `d` as errors; for the others, one warning per record, since they
 * must not stop the surveyor's unrelated work.
 */
static void judge_unchanged(const struct ks_diags *u,
			    const struct ks_changes *c, int rules,
			    struct ks_diags *d)
{
	const char *last = NULL;
	size_t i, records = 0;

	for (i = 0; i < u->n; i++) {
		const struct ks_diag *g = &u->v[i];

		if (caused_by(g, c)) {
			ks_diags_add(d, g->severity, g->path, g->line, g->col,
				     g->pointer, g->keyword, "%s", g->message);
			continue;
		}
		if (g->severity != KS_SEV_ERROR || !g->path)
			continue;
		if (rules) {
			/* The centre tightening a rule: say where, let it pass. */
			ks_diags_add(d, KS_SEV_WARNING, g->path, g->line, g->col,
				     g->pointer, g->keyword, "%s", g->message);
			records += !last || strcmp(last, g->path);
			last = g->path;
			continue;
		}
		if (last && !strcmp(last, g->path))
			continue;
		last = g->path;
		ks_diags_add(d, KS_SEV_WARNING, g->path, 0, 0, NULL, "invalid-before",
			     "was not valid before this commit either (a merge or a sync made it so); it does not stop this commit: 'khaosat check' says why");
	}
	if (records)
		ks_diags_add(d, KS_SEV_NOTE, NULL, 0, 0, NULL, "new-rules",
			     "%zu record%s this commit does not change %s not valid under the rules it changes; they do not stop it, and every laptop is told at its next sync",
			     records, records == 1 ? "" : "s", records == 1 ? "is" : "are");
}

static int repo_kind(void *ctx, const char *kind)
{
	return ks_repo_find_kind(ctx, kind) != NULL;
}

/*
 * What no peer would take is never committed: every changed file in its
 * place in the survey layout, within its size limit (layout.h).
 */
static int check_layout(struct ks_repo *r, const struct ks_changes *c,
			struct ks_diags *d)
{
	size_t i;
	int bad = 0;

	for (i = 0; i < c->n; i++) {
		const char *p = c->v[i].path, *why;
		struct stat st;
		char *abs;

		if (c->v[i].what == KS_CHANGE_DELETED)
			continue;
		if ((why = ks_layout_problem(p, 0, repo_kind, r))) {
			ks_diags_add(d, KS_SEV_ERROR, p, 0, 0, NULL, "layout",
				     "cannot be committed: %s", why);
			bad = 1;
			continue;
		}
		abs = ks_repo_path(r, p);
		if (abs && stat(abs, &st) == 0 &&
		    (size_t)st.st_size > ks_layout_max_size(p)) {
			ks_diags_add(d, KS_SEV_ERROR, p, 0, 0, NULL, "layout",
				     "cannot be committed: %lld bytes, over the limit of %zu for such a file",
				     (long long)st.st_size, ks_layout_max_size(p));
			bad = 1;
		}
		ks_free(abs);
	}
	return bad ? KS_EINVALID : 0;
}

/* ---- every schema file one the survey uses ---- */

#define SCHEMA_URI "file:///khaosat-survey/"

struct disk_fetch {
	struct ks_repo *r;
	struct ks_paths *used;
};

/* A document a $ref names, read from the work tree's schema/ folder. */
static int fetch_from_disk(void *ctx, const char *uri, struct ks_doc **out,
			   struct ks_diags *d)
{
	struct disk_fetch *df = ctx;
	const char *rel = uri + strlen(SCHEMA_URI);
	char *abs;
	int err;

	*out = NULL;
	if (strncmp(uri, SCHEMA_URI KS_SCHEMA_DIR "/",
		    strlen(SCHEMA_URI KS_SCHEMA_DIR "/")) ||
	    strstr(rel, "..") || strchr(rel, '%') ||
	    !(abs = ks_repo_path(df->r, rel)))
		return KS_ENOTFOUND;
	err = access(abs, F_OK) < 0 ? KS_ENOTFOUND
		: ks_doc_load(out, abs, rel, 0, d);
	ks_free(abs);
	if (!err && ks_paths_add(df->used, rel) < 0)
		return -1;
	return err;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * A file in schema/ that no kind's schema uses (itself, or a document it
 * refers to) would be refused by every peer (see check_schema_files() in
 * bundle.c): the same compiler, reading the work tree, says which are.
 */
static int check_schema_files(struct ks_repo *r, const struct ks_changes *c,
			      struct ks_diags *d)
{
	struct ks_paths used = { 0 }, files = { 0 };
	struct disk_fetch df = { r, &used };
	size_t i;
	int touched = 0, err = 0;

	for (i = 0; i < c->n; i++)
		touched |= c->v[i].what != KS_CHANGE_DELETED &&
			   !strncmp(c->v[i].path, KS_SCHEMA_DIR "/",
				    strlen(KS_SCHEMA_DIR) + 1);
	if (!touched)
		return 0;
	for (i = 0; i < ks_repo_kind_count(r) && !err; i++) {
		const struct ks_kind *k = ks_repo_kind(r, i);
		struct ks_schema_opts opts = KS_SCHEMA_OPTS_INIT;
		struct ks_diags ignore = KS_DIAGS_INIT;
		struct ks_buf uri = KS_BUF_INIT;
		struct ks_schema *s = NULL;
		struct ks_doc *doc = NULL;

		if (ks_buf_addf(&uri, "%s%s", SCHEMA_URI, k->schema_path) < 0) {
			err = -1;
			break;
		}
		opts.base_uri = uri.ptr;
		opts.fetch = fetch_from_disk;
		opts.fetch_ctx = &df;
		/* Whether it compiles is check_changes()'s to say. */
		if (fetch_from_disk(&df, uri.ptr, &doc, &ignore) == 0 &&
		    ks_schema_compile_opts(&s, doc, &opts, &ignore) == -1)
			err = -1;
		ks_schema_free(s);
		ks_diags_release(&ignore);
		ks_buf_release(&uri);
	}
	if (!err && ks_list_files(&files, r, KS_SCHEMA_DIR, d) < 0)
		err = -1;
	ks_paths_sort(&used);
	for (i = 0; i < files.n && !err; i++) {
		const char *f = files.v[i];

		if (used.n && bsearch(&f, used.v, used.n, sizeof(*used.v), cmp_str))
			continue;
		ks_diags_add(d, KS_SEV_ERROR, f, 0, 0, NULL, "layout",
			     "cannot be committed: no kind's schema uses it, so every other laptop would refuse it (a schema a kind uses refers to it with $ref)");
		err = KS_EINVALID;
	}
	ks_paths_release(&used);
	ks_paths_release(&files);
	return err;
}

/* Checks what a commit would take; every problem goes to `d`. */
/* A members file that does not read would be refused by every peer. */
static int check_members_file(struct ks_repo *r, struct ks_diags *d)
{
	struct ks_buf text = KS_BUF_INIT;
	struct ks_members *m = NULL;
	char *abs = ks_repo_path(r, KS_MEMBERS_FILE);
	int err;

	if (!abs)
		return -1;
	if (ks_buf_read_file(&text, abs, KS_LAYOUT_MAX_MEMBERS) < 0)
		err = ks_error(d, KS_EIO, KS_MEMBERS_FILE, 0, 0, "cannot read it: %s",
			       strerror(errno));
	else
		err = ks_members_parse(&m, KS_MEMBERS_FILE, text.ptr, text.len, d);
	ks_members_free(m);
	ks_buf_release(&text);
	ks_free(abs);
	return err;
}

/*
 * Every record again, for a commit that changes the survey's rules.
 * Unchanged records first, so that a value clashing with one of them is
 * reported at the changed record, which stops the commit; the unchanged
 * records the new rules refuse are warnings (judge_unchanged()).
 */
static int commit_whole(struct ks_repo *r, const struct ks_changes *c,
			struct ks_unique *uniq, struct ks_diags *d)
{
	struct ks_diags u = KS_DIAGS_INIT;
	struct ks_paths all = { 0 };
	size_t i;
	int pass, err = 0, bad = 0;

	if (ks_list_records(&all, r, d) < 0)
		return -1;
	for (pass = 0; pass < 2 && !err; pass++)
		for (i = 0; i < all.n; i++) {
			int changed = ks_changes_find(c, all.v[i]) != NULL;

			if (changed != pass)
				continue;
			err = ks_check_record(r, all.v[i], uniq, NULL,
					      changed ? d : &u);
			if (err == -1 || err == KS_EIO)
				break;
			bad |= err && changed;
			err = 0;
		}
	if (!err)
		judge_unchanged(&u, c, 1, d);
	ks_diags_release(&u);
	ks_paths_release(&all);
	return err < 0 ? err : bad;
}

/* The paths of `c`, sorted: 0, or -1 out of memory. */
static int paths_of(struct ks_paths *out, const struct ks_changes *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (ks_paths_add(out, c->v[i].path) < 0)
			return -1;
	ks_paths_sort(out);
	return 0;
}

/* Where the changed records' checks go: check_changed()'s. */
struct changed_out {
	struct ks_diags *d;
	int *bad;
};

static int changed_done(void *ctx, const char *path, int err,
			struct ks_diags *rd)
{
	struct changed_out *o = ctx;

	(void)path;
	ks_diags_move(o->d, rd);
	*o->bad |= err != 0;
	return err == -1 || err == KS_EIO ? err : 0;
}

/*
 * The records `c` adds or changes, checked from the work tree, their
 * values into `uniq`: *bad set when one is not valid.  0, or the -1 or
 * KS_EIO that stopped it.  An import's are read on every processor
 * (ks_check_records()).
 */
static int check_changed(struct ks_repo *r, const struct ks_changes *c,
			 struct ks_unique *uniq, struct ks_diags *d, int *bad)
{
	struct changed_out o = { d, bad };
	char **paths = ks_calloc(c->n + 1, sizeof(*paths));
	size_t i, n = 0;
	int err;

	if (!paths)
		return -1;
	for (i = 0; i < c->n; i++)
		if (c->v[i].what != KS_CHANGE_DELETED &&
		    ks_is_record_path(c->v[i].path))
			paths[n++] = c->v[i].path;
	err = ks_check_records(r, paths, n, uniq, changed_done, &o);
	ks_free(paths);
	return err;
}

/*
 * A commit that deletes records, the rules as they were: the committed
 * records through the record cache (ks_check_committed()), where a record
 * is checked again only when it is not valid as cached or a record it
 * refers to is gone, which is how a reference to a deleted record shows;
 * then the changed records.  The committed ones first, so that a value
 * clashing with one of them is reported at the changed record.  Every
 * record parsed again, as commit_whole() does, took 40 G instructions to
 * delete one record of 100,000.  A record not in `c` is judged by the
 * cache's entry for HEAD's blob, and read from the work tree only when
 * that entry must be checked again, as every record was before.
 */
static int commit_deleting(struct ks_repo *r, const struct ks_changes *c,
			   struct ks_unique *uniq, struct ks_diags *d)
{
	struct ks_diags u = KS_DIAGS_INIT;
	struct ks_paths changed = { 0 };
	size_t count = 0;
	int err, bad = 0;

	err = paths_of(&changed, c);
	if (!err)
		err = ks_check_committed(uniq, r, &changed, c, &count, &u);
	if (!err)
		err = check_changed(r, c, uniq, d, &bad);
	if (!err)
		judge_unchanged(&u, c, 0, d);
	ks_diags_release(&u);
	ks_paths_release(&changed);
	return err < 0 ? err : bad;
}

/* The changed records, then their values against the committed rest. */
static int commit_changed(struct ks_repo *r, const struct ks_changes *c,
			  struct ks_unique *uniq, struct ks_diags *d)
{
	struct ks_paths all = { 0 };
	int err, bad = 0;

	err = paths_of(&all, c);
	if (!err)
		err = check_changed(r, c, uniq, d, &bad);
	if (!err)
		err = ks_unique_probe_head(uniq, r, &all, c, d);
	ks_paths_release(&all);
	return err < 0 ? err : bad;
}

static int check_changes(struct ks_repo *r, const struct ks_changes *c,
			 struct ks_diags *d)
{
	struct ks_unique *uniq = NULL;
	const struct ks_change *members;
	size_t i, errors_before = d->errors;
	int everything = 0, shape = 0, bad = 0, err;

	/*
	 * A changed survey file or schema puts every record at stake, and a
	 * deleted record may be referenced from any other.  Conflict files
	 * change no record's validity.
	 */
	for (i = 0; i < c->n; i++) {
		const char *p = c->v[i].path;

		if (!ks_is_record_path(p) && !ks_is_conflict_path(p) &&
		    strcmp(p, KS_SIGNERS_FILE))
			shape = 1;
		else if (ks_is_record_path(p) && c->v[i].what == KS_CHANGE_DELETED)
			everything = 1;
	}
	/* New rules must compile before any record is judged by them. */
	if (shape && (err = ks_repo_schemas(r, d))) {
		if (err == -1)
			return -1;
		bad = 1;
	}
	if ((members = ks_changes_find(c, KS_MEMBERS_FILE)) &&
	    members->what != KS_CHANGE_DELETED &&
	    (err = check_members_file(r, d)))
		return err;
	if (bad)
		return KS_EINVALID;
	if (!(uniq = ks_unique_new()))
		return -1;
	err = shape ? commit_whole(r, c, uniq, d)
	      : everything ? commit_deleting(r, c, uniq, d)
			   : commit_changed(r, c, uniq, d);
	if (err >= 0 && ks_unique_report(uniq, d) < 0)
		err = -1;
	ks_unique_free(uniq);
	if (err < 0)
		return err;
	return err || d->errors > errors_before ? KS_EINVALID : 0;
}

int ks_check_changes(struct ks_repo *r, const struct ks_changes *c,
		     struct ks_diags *d)
{
	int err;

	if ((err = check_layout(r, c, d)) ||
	    (err = ks_attach_check_changes(r, c, d)) ||
	    (err = check_changes(r, c, d)))
		return err;
	return check_schema_files(r, c, d);
}
