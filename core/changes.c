/*
 * What changed in the work tree since the last commit: the survey files
 * (khaosat.yaml, members.yaml, allowed_signers, schema/, records/,
 * conflicts/) new, modified or deleted against HEAD.  See changes.h.
 */
#include "changes.h"
#include "alloc.h"
#include "attachpath.h"
#include "buf.h"
#include "check.h"
#include "diag.h"
#include "file.h"
#include "gitindex.h"
#include "members.h"
#include "repo.h"
#include "wtlist.h"

#include <git2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int ks_is_survey_path(const char *p)
{
	/* the records first: all but a few of the paths asked about */
	if (!strncmp(p, KS_RECORDS_DIR "/", strlen(KS_RECORDS_DIR) + 1))
		return 1;
	return !strcmp(p, KS_SURVEY_FILE) || !strcmp(p, KS_SIGNERS_FILE) ||
	       !strcmp(p, KS_MEMBERS_FILE) ||
	       !strncmp(p, KS_SCHEMA_DIR "/", strlen(KS_SCHEMA_DIR) + 1) ||
	       !strncmp(p, KS_RECORDS_DIR "/", strlen(KS_RECORDS_DIR) + 1) ||
	       !strncmp(p, KS_ATTACH_DIR "/", strlen(KS_ATTACH_DIR) + 1) ||
	       !strncmp(p, "conflicts/", 10);
}

void ks_changes_release(struct ks_changes *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		ks_free(c->v[i].path);
	ks_free(c->v);
	if (c->index)
		ks_gitindex_release(c->index);
	ks_free(c->index);
	ks_free(c->stamps);
	memset(c, 0, sizeof(*c));
}

const struct ks_wtstamp *ks_changes_stamp(const struct ks_changes *c,
					  const char *path)
{
	size_t at;

	if (!c->stamps || !c->index ||
	    !ks_gitindex_find(c->index, path, strlen(path), &at) ||
	    !c->stamps[at].plain)
		return NULL;
	return &c->stamps[at];
}

int ks_changes_add(struct ks_changes *c, enum ks_change_kind what,
		   const char *path)
{
	if (ks_grow(&c->v, c->n, &c->alloc, sizeof(*c->v), 16) < 0)
		return -1;
	c->v[c->n].what = what;
	c->v[c->n].path = ks_strdup(path);
	if (!c->v[c->n].path)
		return -1;
	c->n++;
	return 0;
}

static int change_cmp(const void *a, const void *b)
{
	return strcmp(((const struct ks_change *)a)->path,
		      ((const struct ks_change *)b)->path);
}

void ks_changes_sort(struct ks_changes *c)
{
	if (c->n)
		qsort(c->v, c->n, sizeof(*c->v), change_cmp);
}

/* ---- whether the index holds HEAD's tree ---- */

#define INDEX_HEAD_FILE "khaosat/index-head"
#define STAGED (GIT_STATUS_INDEX_NEW | GIT_STATUS_INDEX_MODIFIED | \
		GIT_STATUS_INDEX_DELETED | GIT_STATUS_INDEX_RENAMED | \
		GIT_STATUS_INDEX_TYPECHANGE)

/* The first words of a note: the index file's size, times and inode. */
static void file_words(struct ks_buf *out, const struct stat *st)
{
	ks_buf_addf(out, "%lld %lld.%09ld %lld.%09ld %llu ", (long long)st->st_size,
		    (long long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec,
		    (long long)st->st_ctim.tv_sec, st->st_ctim.tv_nsec,
		    (unsigned long long)st->st_ino);
}

/*
 * The index file's stat data and HEAD's tree, as one line: the change
 * time cannot be set back, so an index written again never passes for
 * the one noted.  -1 when there is no index or no commit yet.
 */
static int index_stamp(struct ks_buf *out, struct ks_repo *r, struct stat *st_out,
		       git_oid *tree_out)
{
	git_repository *repo = ks_repo_git(r);
	git_commit *head = NULL;
	struct ks_buf path = KS_BUF_INIT;
	struct stat st;
	git_oid oid;
	char hex[GIT_OID_HEXSZ + 1];
	int err = -1;

	ks_buf_reset(out);
	if (ks_buf_addf(&path, "%sindex", git_repository_path(repo)) < 0 ||
	    stat(path.ptr, &st) < 0 ||
	    git_reference_name_to_id(&oid, repo, KS_MAIN_REF) < 0 ||
	    git_commit_lookup(&head, repo, &oid) < 0)
		goto out;
	git_oid_tostr(hex, sizeof(hex), git_commit_tree_id(head));
	file_words(out, &st);
	err = ks_buf_addf(out, "%s\n", hex);
	if (st_out)
		*st_out = st;
	if (tree_out)
		git_oid_cpy(tree_out, git_commit_tree_id(head));
out:
	git_error_clear();
	git_commit_free(head);
	ks_buf_release(&path);
	return err;
}

static char *index_head_path(struct ks_repo *r)
{
	struct ks_buf p = KS_BUF_INIT;

	ks_buf_addf(&p, "%s" INDEX_HEAD_FILE, git_repository_path(ks_repo_git(r)));
	return ks_buf_failed(&p) ? (ks_buf_release(&p), NULL)
				 : ks_buf_detach(&p, NULL);
}

/* Only a cache: a note that cannot be written costs a comparison. */
static void note_stamp(struct ks_repo *r, const struct ks_buf *stamp)
{
	struct ks_diags ignore = KS_DIAGS_INIT;
	char *file = index_head_path(r);

	if (file)
		ks_file_put_text(file, stamp, 0, &ignore);
	ks_diags_release(&ignore);
	ks_free(file);
}

/* 1 when the note says the index as it is now holds HEAD's tree. */
static int noted(struct ks_repo *r, const struct ks_buf *stamp)
{
	struct ks_buf old = KS_BUF_INIT;
	char *file = index_head_path(r);
	int same = file && ks_buf_read_file(&old, file, 256) == 0 &&
		   old.len == stamp->len && !memcmp(old.ptr, stamp->ptr, old.len);

	ks_buf_release(&old);
	ks_free(file);
	return same;
}

int ks_changes_read_index(struct ks_gitindex *ix, struct ks_repo *r)
{
	struct ks_buf file = KS_BUF_INIT, now = KS_BUF_INIT, old = KS_BUF_INIT;
	char *note = index_head_path(r);
	const char *hex;
	struct stat st;
	int err = -1, known = 0;

	if (!note || ks_buf_addf(&file, "%sindex",
				 git_repository_path(ks_repo_git(r))) < 0)
		goto out;
	/* the file part of the note: size, times and inode, not HEAD's tree */
	if (stat(file.ptr, &st) == 0 && ks_buf_read_file(&old, note, 256) == 0 &&
	    (hex = memrchr(old.ptr, ' ', old.len)) != NULL) {
		file_words(&now, &st);
		known = !ks_buf_failed(&now) &&
			now.len == (size_t)(hex - old.ptr) + 1 &&
			!memcmp(now.ptr, old.ptr, now.len);
	}
	err = ks_gitindex_read(ix, file.ptr, !known);
	if (!err && known && (ix->st.st_ino != st.st_ino ||
			      ix->st.st_ctim.tv_nsec != st.st_ctim.tv_nsec ||
			      ix->st.st_ctim.tv_sec != st.st_ctim.tv_sec)) {
		/* replaced between the look and the read: check it after all */
		ks_gitindex_release(ix);
		err = ks_gitindex_read(ix, file.ptr, 1);
	}
out:
	ks_free(note);
	ks_buf_release(&file);
	ks_buf_release(&now);
	ks_buf_release(&old);
	return err;
}

void ks_changes_index_is_head(struct ks_repo *r)
{
	struct ks_buf stamp = KS_BUF_INIT;

	if (index_stamp(&stamp, r, NULL, NULL) == 0)
		note_stamp(r, &stamp);
	ks_buf_release(&stamp);
}

/* A change of the work tree kept when it is of a survey file. */
static int keep(struct ks_changes *out, struct ks_repo *r,
		enum ks_change_kind what, const char *path, struct ks_diags *d)
{
	int err;

	if (!ks_is_survey_path(path) || ks_is_temp_path(path))
		return 0;
	/* Never a deletion because a folder became a link or cannot be
	 * read, never a link or a pipe taken for a record. */
	if ((err = ks_plain_path(r, path, d)))
		return err;
	return ks_changes_add(out, what, path);
}

/* ks_wtlist()'s answers, as changes. */
static int add_found(void *payload, enum ks_wt_change what, const char *path)
{
	static const enum ks_change_kind kinds[] = {
		[KS_WT_NEW] = KS_CHANGE_NEW,
		[KS_WT_MODIFIED] = KS_CHANGE_MODIFIED,
		[KS_WT_DELETED] = KS_CHANGE_DELETED,
	};

	return ks_changes_add(payload, kinds[what], path);
}

/* Notes the index read as HEAD's, if it and HEAD are still as they were. */
static void note_read(struct ks_repo *r, const struct ks_gitindex *ix,
		      const git_oid *head_tree)
{
	struct ks_buf stamp = KS_BUF_INIT;
	struct stat st;
	git_oid tree;

	if (index_stamp(&stamp, r, &st, &tree) == 0 &&
	    ks_gitindex_same_file(&st, &ix->st) && git_oid_equal(&tree, head_tree))
		note_stamp(r, &stamp);
	ks_buf_release(&stamp);
}

/*
 * The usual case: git's index holds HEAD's tree, as khaosat noted (and
 * the file is the one noted: `known`), or as git's own cache of its tree
 * says.  Then the work tree is compared with it by khaosat itself
 * (wtlist.h), and the index is kept for the walk of the committed
 * records.  0, 1 when libgit2 must be asked.
 */
static int list_own(struct ks_changes *out, struct ks_repo *r, int known,
		    const struct stat *index_st, const git_oid *head_tree,
		    struct ks_diags *d)
{
	struct ks_changes raw = { 0 };
	struct ks_wtlist_ask ask = { ks_is_survey_path, add_found, &raw, NULL };
	struct ks_gitindex *ix = ks_calloc(1, sizeof(*ix));
	struct ks_buf file = KS_BUF_INIT;
	size_t i;
	int err, refreshed = 0;

	if (!ix || ks_buf_addf(&file, "%sindex",
			       git_repository_path(ks_repo_git(r))) < 0) {
		ks_free(ix);
		return -1;
	}
	/* the file noted was checked when it was noted; another is checked now */
	err = ks_gitindex_read(ix, file.ptr, !known) ? 1 : 0;
	if (!err && (!ix->has_file || !ks_gitindex_same_file(&ix->st, index_st) ||
		     (!known && (!ix->has_root ||
				 memcmp(ix->root, head_tree->id, 20)))))
		err = 1;
	if (!err && out->want_stamps &&
	    !(ask.stamps = ks_calloc(ix->n ? ix->n : 1, sizeof(*ask.stamps))))
		err = -1;
	out->listed = time(NULL);
	if (!err)
		err = ks_wtlist(r, ix, &ask, ks_repo_writer(r), &refreshed);
	if (!err && (refreshed || !known))
		note_read(r, ix, head_tree);
	if (!err)
		out->index_is_head = 1;
	for (i = 0; i < raw.n && !err; i++)
		err = keep(out, r, raw.v[i].what, raw.v[i].path, d);
	if (!err) {
		out->index = ix;
		ix = NULL;
		out->stamps = ask.stamps;
		ask.stamps = NULL;
	}
	ks_free(ask.stamps);
	ks_changes_release(&raw);
	ks_changes_sort(out);
	if (ix)
		ks_gitindex_release(ix);
	ks_free(ix);
	ks_buf_release(&file);
	return err;
}

int ks_changes_list(struct ks_changes *out, struct ks_repo *r,
		    struct ks_diags *d)
{
	git_status_options opts = GIT_STATUS_OPTIONS_INIT;
	git_status_list *list = NULL;
	struct ks_buf before = KS_BUF_INIT, after = KS_BUF_INIT;
	struct stat index_st;
	git_oid head_tree;
	size_t i, n;
	int err = 0, stamped, known, staged = 0;

	stamped = index_stamp(&before, r, &index_st, &head_tree) == 0;
	known = stamped && noted(r, &before);
	if (stamped && (err = list_own(out, r, known, &index_st, &head_tree, d)) != 1) {
		ks_buf_release(&before);
		return err;
	}
	err = 0;
	opts.show = known ? GIT_STATUS_SHOW_WORKDIR_ONLY
			  : GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
	/*
	 * The index's stat data refreshed as git status does, by a writer:
	 * a survey copied to another disk (new inodes, new times) would
	 * otherwise have every file read and hashed at every status, for
	 * ever.  Only an optimisation: when the index cannot be written
	 * (a plain git holds its lock), the status is taken without it.
	 */
	opts.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED |
		     GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS |
		     GIT_STATUS_OPT_EXCLUDE_SUBMODULES;
	if (ks_repo_writer(r))
		opts.flags |= GIT_STATUS_OPT_UPDATE_INDEX;
	if (git_status_list_new(&list, ks_repo_git(r), &opts) < 0) {
		git_error_clear();
		opts.flags &= ~(unsigned)GIT_STATUS_OPT_UPDATE_INDEX;
		list = NULL;
	}
	if (!list && git_status_list_new(&list, ks_repo_git(r), &opts) < 0) {
		ks_buf_release(&before);
		return ks_error(d, KS_EIO, NULL, 0, 0,
				"cannot compare the work tree with the last commit: %s",
				ks_git_error());
	}
	n = git_status_list_entrycount(list);
	for (i = 0; i < n; i++)
		staged |= (git_status_byindex(list, i)->status & STAGED) != 0;
	out->index_is_head = known || !staged;
	/* noted only when nothing wrote the index or moved HEAD meanwhile */
	if (stamped && !known && !staged && index_stamp(&after, r, NULL, NULL) == 0 &&
	    after.len == before.len && !memcmp(after.ptr, before.ptr, after.len))
		note_stamp(r, &after);
	ks_buf_release(&before);
	ks_buf_release(&after);
	for (i = 0; i < n && !err; i++) {
		const git_status_entry *e = git_status_byindex(list, i);
		unsigned s = e->status;
		const git_diff_delta *dd = e->index_to_workdir ?
			e->index_to_workdir : e->head_to_index;
		const char *path = dd->new_file.path ? dd->new_file.path
						     : dd->old_file.path;
		int in_head = !(s & GIT_STATUS_INDEX_NEW) &&
			      !(s & GIT_STATUS_WT_NEW);
		int in_wt = !(s & GIT_STATUS_WT_DELETED) &&
			    !((s & GIT_STATUS_INDEX_DELETED) &&
			      !(s & GIT_STATUS_WT_NEW));

		if (s & GIT_STATUS_IGNORED)
			continue;
		if (s & GIT_STATUS_INDEX_DELETED && s & GIT_STATUS_WT_NEW)
			in_head = 1;
		if (!in_head && in_wt)
			err = keep(out, r, KS_CHANGE_NEW, path, d);
		else if (in_head && !in_wt)
			err = keep(out, r, KS_CHANGE_DELETED, path, d);
		else if (in_head && in_wt)
			err = keep(out, r, KS_CHANGE_MODIFIED, path, d);
	}
	git_status_list_free(list);
	ks_changes_sort(out);
	return err;
}

/*
 * The id git would store for the file: through wtlist.c, which tells
 * when no filter can apply from the index read here, or libgit2's when
 * this reader refuses the index or cannot read it.
 */
static int hash_file(git_oid *id, struct ks_repo *r, const char *abs,
		     const char *path)
{
	struct ks_gitindex ix = KS_GITINDEX_INIT;
	int err = ks_changes_read_index(&ix, r);

	if (err == 0)
		err = ks_wtlist_hash(id, r, &ix, abs, path);
	else
		err = git_repository_hashfile(id, ks_repo_git(r), abs,
					      GIT_OBJECT_BLOB, path);
	ks_gitindex_release(&ix);
	return err < 0 ? -1 : 0;
}

int ks_changes_of_path(struct ks_changes *out, struct ks_repo *r,
		       const char *path, struct ks_diags *d)
{
	git_repository *repo = ks_repo_git(r);
	git_commit *head = NULL;
	git_tree *tree = NULL;
	git_tree_entry *te = NULL;
	git_oid now;
	struct stat st;
	char *abs = NULL;
	int err, in_head = 0, in_wt;

	if (!ks_is_survey_path(path) || ks_is_temp_path(path))
		return 0;
	if ((err = ks_plain_path(r, path, d)))
		return err;
	if (!(abs = ks_repo_path(r, path)))
		return -1;
	in_wt = lstat(abs, &st) == 0 && S_ISREG(st.st_mode);
	/* the file as git would store it, its filters applied */
	if (in_wt && hash_file(&now, r, abs, path) < 0) {
		err = ks_error(d, KS_EIO, path, 0, 0,
			       "cannot read the file to compare it: %s",
			       ks_git_error());
		goto out;
	}
	if (git_revparse_single((git_object **)&head, repo, KS_MAIN_REF) == 0 &&
	    git_commit_tree(&tree, head) == 0 &&
	    git_tree_entry_bypath(&te, tree, path) == 0 &&
	    git_tree_entry_type(te) == GIT_OBJECT_BLOB)
		in_head = 1;
	if (!in_head && in_wt)
		err = ks_changes_add(out, KS_CHANGE_NEW, path);
	else if (in_head && !in_wt)
		err = ks_changes_add(out, KS_CHANGE_DELETED, path);
	else if (in_head && !git_oid_equal(git_tree_entry_id(te), &now))
		err = ks_changes_add(out, KS_CHANGE_MODIFIED, path);
out:
	git_tree_entry_free(te);
	git_tree_free(tree);
	git_commit_free(head);
	ks_free(abs);
	return err;
}

int ks_is_record_path(const char *path)
{
	return !strncmp(path, KS_RECORDS_DIR "/", strlen(KS_RECORDS_DIR) + 1);
}

int ks_is_conflict_path(const char *path)
{
	return !strncmp(path, "conflicts/", 10);
}

const struct ks_change *ks_changes_find(const struct ks_changes *c,
					const char *path)
{
	struct ks_change key = { KS_CHANGE_NEW, (char *)path };

	return c->n ? bsearch(&key, c->v, c->n, sizeof(key), change_cmp) : NULL;
}
