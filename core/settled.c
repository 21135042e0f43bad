/*
 * What one side of a merge settled.  See settled.h.
 */
#include "settled.h"
#include "alloc.h"
#include "buf.h"
#include "diag.h"
#include "record.h"
#include "treediff.h"

#include <string.h>

#define CONFLICTS_DIR "conflicts/"

struct settlement {
	char *cpath;			/* conflicts/<record path> */
	char *field;
	const struct ks_node *proposals;	/* owned by a doc of `docs` */
};

struct ks_settled {
	struct settlement *v;
	size_t n, alloc;
	struct ks_doc **docs;
	size_t ndocs, docalloc;
};

static const char *field_of(const struct ks_node *entry)
{
	const struct ks_node *f = ks_map_get(entry, "field");

	return f && f->kind == KS_NODE_SCALAR ? f->u.scalar.str : NULL;
}

int ks_proposal_same(const struct ks_node *a, const struct ks_node *b)
{
	static const char *const what[] = { "value", "text", "deleted" };
	size_t i;

	for (i = 0; i < sizeof(what) / sizeof(*what); i++) {
		const struct ks_node *x = ks_map_get(a, what[i]);
		const struct ks_node *y = ks_map_get(b, what[i]);

		if (!x != !y || (x && !ks_node_equal(x, y)))
			return 0;
	}
	return 1;
}

static int has_field(const struct ks_node *list, const char *field)
{
	size_t i;

	for (i = 0; list && list->kind == KS_NODE_SEQ && i < list->u.seq.n; i++) {
		const char *f = field_of(list->u.seq.v[i]);

		if (f && !strcmp(f, field))
			return 1;
	}
	return 0;
}

/* The entries of a conflict file's blob; NULL when absent or unreadable. */
static const struct ks_node *entries_of(struct ks_settled *s,
					git_repository *repo,
					const git_diff_file *f, const char *path)
{
	struct ks_diags ignore = KS_DIAGS_INIT;
	struct ks_doc *doc = NULL;
	git_blob *b = NULL;
	const struct ks_node *list = NULL;

	if (git_oid_is_zero(&f->id))
		return NULL;
	if (git_blob_lookup(&b, repo, &f->id) < 0) {
		git_error_clear();
		return NULL;
	}
	if (ks_doc_parse(&doc, path, git_blob_rawcontent(b),
			 (size_t)git_blob_rawsize(b), KS_PARSE_RECORD, &ignore) == 0 &&
	    ks_grow(&s->docs, s->ndocs, &s->docalloc, sizeof(*s->docs), 8) == 0) {
		s->docs[s->ndocs++] = doc;
		list = ks_map_get(ks_doc_root(doc), "conflicts");
		doc = NULL;
	}
	ks_doc_free(doc);
	ks_diags_release(&ignore);
	git_blob_free(b);
	return list;
}

static int add(struct ks_settled *s, const char *cpath, const char *field,
	       const struct ks_node *proposals)
{
	struct settlement *x;

	if (ks_grow(&s->v, s->n, &s->alloc, sizeof(*s->v), 16) < 0)
		return -1;
	x = &s->v[s->n];
	x->cpath = ks_strdup(cpath);
	x->field = ks_strdup(field);
	x->proposals = proposals;
	if (!x->cpath || !x->field) {
		ks_free(x->cpath);
		ks_free(x->field);
		return -1;
	}
	s->n++;
	return 0;
}

struct walk {
	struct ks_settled *s;
	git_repository *repo;
};

static int delta_cb(const git_diff_delta *dd, float progress, void *p)
{
	struct walk *w = p;
	const struct ks_node *old, *now;
	size_t i;

	(void)progress;
	if (strncmp(dd->old_file.path, CONFLICTS_DIR, strlen(CONFLICTS_DIR)))
		return 0;
	old = entries_of(w->s, w->repo, &dd->old_file, dd->old_file.path);
	if (!old || old->kind != KS_NODE_SEQ)
		return 0;
	now = entries_of(w->s, w->repo, &dd->new_file, dd->new_file.path);
	for (i = 0; i < old->u.seq.n; i++) {
		const struct ks_node *e = old->u.seq.v[i];
		const char *f = field_of(e);

		if (f && !has_field(now, f) &&
		    add(w->s, dd->old_file.path, f, ks_map_get(e, "proposals")) < 0)
			return -1;
	}
	return 0;
}

/* The settlements of one commit: what it removed from its parent's. */
static int one_commit(struct ks_settled *s, git_repository *repo,
		      git_commit *c)
{
	git_commit *parent = NULL;
	git_tree *a = NULL, *b = NULL;
	struct walk w = { s, repo };
	int err = -1;

	if (git_commit_parent(&parent, c, 0) < 0 ||
	    git_commit_tree(&a, parent) < 0 || git_commit_tree(&b, c) < 0)
		goto out;
	err = ks_tree_diff(repo, a, b, CONFLICTS_DIR, delta_cb, &w) ? -1 : 0;
out:
	git_tree_free(a);
	git_tree_free(b);
	git_commit_free(parent);
	return err;
}

int ks_settled_collect(struct ks_settled **out, git_repository *repo,
		       const git_oid *tip, const git_oid *other)
{
	struct ks_settled *s = ks_calloc(1, sizeof(*s));
	git_revwalk *w = NULL;
	git_oid id;
	int err = -1, r;

	*out = NULL;
	if (!s)
		return -1;
	if (git_revwalk_new(&w, repo) < 0 || git_revwalk_push(w, tip) < 0 ||
	    git_revwalk_hide(w, other) < 0)
		goto out;
	while ((r = git_revwalk_next(&id, w)) == 0) {
		git_commit *c = NULL;

		if (git_commit_lookup(&c, repo, &id) < 0)
			goto out;
		/* Merges carry settlements; only a commit of its own makes one. */
		r = git_commit_parentcount(c) == 1 ? one_commit(s, repo, c) : 0;
		git_commit_free(c);
		if (r < 0)
			goto out;
	}
	if (r != GIT_ITEROVER)
		goto out;
	err = 0;
out:
	git_revwalk_free(w);
	if (err)
		ks_settled_free(s);
	else
		*out = s;
	return err;
}

int ks_settled_covers(const struct ks_settled *s, const char *cpath,
		      const struct ks_node *entry)
{
	const struct ks_node *props = ks_map_get(entry, "proposals");
	const char *field = field_of(entry);
	size_t i, j, k;

	if (!s || !field || !props || props->kind != KS_NODE_SEQ)
		return 0;
	for (i = 0; i < props->u.seq.n; i++) {
		int seen = 0;

		for (j = 0; j < s->n && !seen; j++) {
			const struct ks_node *sp = s->v[j].proposals;

			if (strcmp(s->v[j].cpath, cpath) || strcmp(s->v[j].field, field) ||
			    !sp || sp->kind != KS_NODE_SEQ)
				continue;
			for (k = 0; k < sp->u.seq.n && !seen; k++)
				seen = ks_proposal_same(props->u.seq.v[i], sp->u.seq.v[k]);
		}
		if (!seen)
			return 0;
	}
	return 1;
}

void ks_settled_free(struct ks_settled *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->n; i++) {
		ks_free(s->v[i].cpath);
		ks_free(s->v[i].field);
	}
	for (i = 0; i < s->ndocs; i++)
		ks_doc_free(s->docs[i]);
	ks_free(s->v);
	ks_free(s->docs);
	ks_free(s);
}
