/*
 * Two trees walked side by side.  See treediff.h.
 */
#include "treediff.h"
#include "buf.h"

#include <string.h>

struct tdiff {
	git_repository *repo;
	const char *only;
	size_t only_len;
	ks_tree_diff_fn fn;
	void *payload;
	struct ks_buf path;	/* of the entry at hand; a folder's ends in '/' */
};

/* 1 when the file at t->path is one `only` keeps. */
static int wanted_file(const struct tdiff *t)
{
	const char *p = t->path.ptr;

	if (!t->only)
		return 1;
	if (strncmp(p, t->only, t->only_len))
		return 0;
	return !p[t->only_len] || t->only[t->only_len - 1] == '/' ||
	       p[t->only_len] == '/';
}

/* 1 when the folder at t->path (ending in '/') may hold a kept path. */
static int wanted_folder(const struct tdiff *t)
{
	size_t n = t->path.len;

	if (!t->only)
		return 1;
	/* `only` is in it, or it is in `only` */
	if (t->only_len >= n)
		return !strncmp(t->only, t->path.ptr, n);
	return !strncmp(t->path.ptr, t->only, t->only_len) &&
	       (t->only[t->only_len - 1] == '/' || t->path.ptr[t->only_len] == '/');
}

static void side_of(git_diff_file *f, const git_tree_entry *e)
{
	git_oid_cpy(&f->id, git_tree_entry_id(e));
	f->mode = (uint16_t)git_tree_entry_filemode(e);
	f->flags = GIT_DIFF_FLAG_VALID_ID | GIT_DIFF_FLAG_EXISTS;
	f->id_abbrev = GIT_OID_HEXSZ;
}

/* One difference at t->path: `o` and `n` the old and new entries. */
static int emit(struct tdiff *t, git_delta_t status, const git_tree_entry *o,
		const git_tree_entry *n)
{
	git_diff_delta dd;

	if (!wanted_file(t))
		return 0;
	memset(&dd, 0, sizeof(dd));
	dd.status = status;
	dd.nfiles = 2;
	dd.old_file.path = dd.new_file.path = t->path.ptr;
	if (o)
		side_of(&dd.old_file, o);
	if (n)
		side_of(&dd.new_file, n);
	return t->fn(&dd, 0, t->payload);
}

static int walk(struct tdiff *t, git_tree *a, git_tree *b);

static int subtree(git_tree **out, struct tdiff *t, const git_tree_entry *e)
{
	*out = NULL;
	return e ? git_tree_lookup(out, t->repo, git_tree_entry_id(e)) : 0;
}

/* Two folders at t->path, either absent: their differences. */
static int folders(struct tdiff *t, const git_tree_entry *o,
		   const git_tree_entry *n)
{
	git_tree *x = NULL, *y = NULL;
	int err;

	if (!wanted_folder(t))
		return 0;
	err = subtree(&x, t, o) < 0 || subtree(&y, t, n) < 0 ? -1 : walk(t, x, y);
	git_tree_free(x);
	git_tree_free(y);
	return err;
}

static int is_tree(const git_tree_entry *e)
{
	return git_tree_entry_type(e) == GIT_OBJECT_TREE;
}

/* The kind of file a mode is (regular, link, submodule): GIT_MODE_TYPE. */
static unsigned mode_type(const git_tree_entry *e)
{
	return (unsigned)git_tree_entry_filemode(e) & 0170000u;
}

/* An entry on one side only: deleted (`o`) or added (`n`), all of it. */
static int one_side(struct tdiff *t, const git_tree_entry *o,
		    const git_tree_entry *n)
{
	const git_tree_entry *e = o ? o : n;

	if (is_tree(e))
		return folders(t, o, n);
	return emit(t, o ? GIT_DELTA_DELETED : GIT_DELTA_ADDED, o, n);
}

/* The same name on both sides, both folders or both files. */
static int both(struct tdiff *t, const git_tree_entry *o,
		const git_tree_entry *n)
{
	int err;

	if (git_oid_equal(git_tree_entry_id(o), git_tree_entry_id(n)) &&
	    git_tree_entry_filemode(o) == git_tree_entry_filemode(n))
		return 0;
	if (is_tree(o))
		return folders(t, o, n);
	if (mode_type(o) == mode_type(n))
		return emit(t, GIT_DELTA_MODIFIED, o, n);
	/* another kind of file: deleted, then added, as libgit2 says it */
	err = emit(t, GIT_DELTA_DELETED, o, NULL);
	return err ? err : emit(t, GIT_DELTA_ADDED, NULL, n);
}

static int walk(struct tdiff *t, git_tree *a, git_tree *b)
{
	size_t i = 0, j = 0, at = t->path.len;
	size_t ni = a ? git_tree_entrycount(a) : 0;
	size_t nj = b ? git_tree_entrycount(b) : 0;
	int err = 0;

	while (!err && (i < ni || j < nj)) {
		const git_tree_entry *o = i < ni ? git_tree_entry_byindex(a, i) : NULL;
		const git_tree_entry *n = j < nj ? git_tree_entry_byindex(b, j) : NULL;
		/* a folder sorts as its name and a '/': never equal to a file */
		int c = !o ? 1 : !n ? -1 : git_tree_entry_cmp(o, n);
		const git_tree_entry *e = c <= 0 ? o : n;

		ks_buf_setlen(&t->path, at);
		ks_buf_puts(&t->path, git_tree_entry_name(e));
		if (is_tree(e))
			ks_buf_putc(&t->path, '/');
		if (ks_buf_failed(&t->path)) {
			git_error_set_oom();
			return -1;
		}
		if (c < 0)
			err = one_side(t, o, NULL);
		else if (c > 0)
			err = one_side(t, NULL, n);
		else
			err = both(t, o, n);
		i += c <= 0;
		j += c >= 0;
	}
	ks_buf_setlen(&t->path, at);
	return err;
}

int ks_tree_diff(git_repository *repo, git_tree *a, git_tree *b,
		 const char *only, ks_tree_diff_fn fn, void *payload)
{
	struct tdiff t = { repo, only, only ? strlen(only) : 0, fn, payload,
			   KS_BUF_INIT };
	int err;

	if (t.only && !t.only_len)
		t.only = NULL;
	err = walk(&t, a, b);
	ks_buf_release(&t.path);
	return err;
}

int ks_commit_diff(git_repository *repo, const git_oid *a, const git_oid *b,
		   const char *only, ks_tree_diff_fn fn, void *payload)
{
	git_commit *ca = NULL, *cb = NULL;
	git_tree *ta = NULL, *tb = NULL;
	int err = -1;

	if (git_commit_lookup(&ca, repo, a) == 0 &&
	    git_commit_lookup(&cb, repo, b) == 0 &&
	    git_commit_tree(&ta, ca) == 0 && git_commit_tree(&tb, cb) == 0)
		err = ks_tree_diff(repo, ta, tb, only, fn, payload);
	git_tree_free(ta);
	git_tree_free(tb);
	git_commit_free(ca);
	git_commit_free(cb);
	return err;
}
