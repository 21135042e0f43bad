/*
 * Three-way merge of survey trees: each path changed on one side is taken,
 * each path changed on both is merged as a record (or as a conflict file),
 * conflicts are written under conflicts/, and the result is committed with
 * both parents.  See merge.h.
 */
#include "merge.h"
#include "alloc.h"
#include "buf.h"
#include "changes.h"
#include "check.h"
#include "commit.h"
#include "conflict.h"
#include "crash.h"
#include "diag.h"
#include "intl.h"
#include "file.h"
#include "gitindex.h"
#include "history.h"
#include "isotime.h"
#include "objbatch.h"
#include "record.h"
#include "repo.h"
#include "schema.h"
#include "settled.h"
#include "table.h"
#include "treediff.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CONFLICTS_DIR "conflicts/"
#define MAX_VIRTUAL_DEPTH 8

/* ---- merge state ---- */

struct side {
	git_oid tip;		/* zero for a virtual base */
	int is_commit;
};

struct pending {		/* conflicts found for one file */
	char *path;
	struct ks_doc *doc;	/* owns the nodes of `c` */
	struct ks_mconflicts c;
	/* the three parsed files, owners of the nodes in c */
	struct ks_doc *b, *o, *t;
};

/*
 * Virtual merges already made during one merge, by their two commits
 * (ordered).  When many laptops merge each other's tips round after round,
 * every pair of tips has the previous round's tips as merge bases, and so
 * on down: without reuse a merge would redo the same virtual merges
 * (laptops - 1)^depth times.  They are deterministic, so each is made once.
 */
struct vmemo {
	char *gitdir;		/* whose objects the trees are */
	struct vmerge {
		git_oid a, b, tree;
	} *v;
	size_t n, alloc;
};

/*
 * Kept for the whole process: a sync merges several devices' tips in a
 * row, and their merges share the same virtual bases.  Trees in it exist
 * in that repository's object database, so the cache stays true.
 */
static struct vmemo vmemo;

struct tmerge {
	struct ks_repo *r;
	struct vmemo *memo;
	git_repository *repo;
	struct side ours, theirs;
	git_tree *tours, *ttheirs;	/* the two sides' trees */
	int write_conflicts;
	struct ks_table edits;		/* of struct edit: the merged tree */
	struct pending *p;
	size_t np, palloc;
	struct ks_merge_stats *stats;
	struct ks_diags *d;
	struct ks_paths *touched;	/* every path the merge may change */
	struct held *held;		/* records the two sides hold differently */
	struct ks_settled *settled[2];	/* what each side's own commits settled */
	int settled_tried[2];
	size_t nheld, heldalloc;
};

struct held {
	char *path;
	git_oid ours, theirs;	/* zero when absent */
};

static void pending_free(struct pending *p)
{
	ks_free(p->path);
	ks_mconflicts_release(&p->c);
	ks_doc_free(p->doc);
	ks_doc_free(p->b);
	ks_doc_free(p->o);
	ks_doc_free(p->t);
}

static int read_blob(struct ks_buf *out, git_repository *repo,
		     const git_oid *oid)
{
	git_blob *b = NULL;
	int err;

	if (git_blob_lookup(&b, repo, oid) < 0)
		return -1;
	err = ks_buf_add(out, git_blob_rawcontent(b),
			 (size_t)git_blob_rawsize(b));
	git_blob_free(b);
	return err;
}

/* Remembers a path the merge wrote, for the checkout; -1 out of memory. */
static int touch(struct tmerge *m, const char *path)
{
	return m->touched && ks_paths_add(m->touched, path) < 0 ? -1 : 0;
}

/*
 * The merged tree is "ours" with the merge's edits: each path it set or
 * removed, by path.  Only the trees on those paths are written again
 * (write_merged_tree()), where an index of the whole tree would be read,
 * sorted and written whole: a quarter of a merge's work at 100,000 records.
 */
struct edit {
	char *path;
	git_oid oid;		/* zero: removed */
};

static int edit_holds(const void *entry, const void *key)
{
	return !strcmp(((const struct edit *)entry)->path, key);
}

static int edit_put(struct tmerge *m, const char *path, const git_oid *oid)
{
	struct edit *e;
	int rc;

	rc = ks_table_put(&m->edits, ks_hash(path, strlen(path)), path,
			  edit_holds, (void **)&e);
	if (rc < 0)
		return -1;
	if (rc == 1 && !(e->path = ks_strdup(path))) {
		ks_table_remove(&m->edits, e);
		return -1;
	}
	if (oid)
		git_oid_cpy(&e->oid, oid);
	else
		memset(&e->oid, 0, sizeof(e->oid));
	return 0;
}

static void edits_release(struct ks_table *t)
{
	struct edit *e;
	size_t i = 0;

	while ((e = ks_table_next(t, &i)))
		ks_free(e->path);
	ks_table_release(t);
}

/* The blob at `path` in the merged tree so far, into *oid: 1, or 0 (none). */
static int merged_blob(git_oid *oid, struct tmerge *m, const char *path)
{
	const struct edit *e = ks_table_find(&m->edits,
					     ks_hash(path, strlen(path)), path,
					     edit_holds);
	git_tree_entry *te = NULL;
	int found;

	if (e) {
		git_oid_cpy(oid, &e->oid);
		return !git_oid_is_zero(oid);
	}
	found = git_tree_entry_bypath(&te, m->tours, path) == 0 &&
		git_tree_entry_type(te) == GIT_OBJECT_BLOB;
	if (found)
		git_oid_cpy(oid, git_tree_entry_id(te));
	git_tree_entry_free(te);
	git_error_clear();
	return found;
}

/* `path` in the merged tree set to blob `oid`; NULL or zero: removed. */
static int merged_set(struct tmerge *m, const char *path, const git_oid *oid)
{
	if (touch(m, path) < 0)
		return -1;
	return edit_put(m, path, oid);
}

static int write_text(git_oid *oid, struct tmerge *m, const struct ks_buf *b)
{
	if (ks_buf_failed(b))
		return -1;
	return git_blob_create_from_buffer(oid, m->repo, b->ptr, b->len);
}

/* ---- attribution ---- */

/* The history of one record on one side, walked once per merge. */
struct writers {
	struct ks_origins *o;
	int tried;
};

/*
 * The commit that gave `field` of the record at `path` its state on
 * `side`, as history and blame attribute it.
 */
static int writer_of(git_commit **out, struct tmerge *m,
		     const struct side *side, struct writers *w,
		     const char *path, const char *field)
{
	git_commit *tip = NULL;
	git_oid id;
	int err = 0;

	*out = NULL;
	if (!w->tried) {
		struct ks_diags quiet = KS_DIAGS_INIT;

		w->tried = 1;
		if (git_commit_lookup(&tip, m->repo, &side->tip) < 0)
			return ks_error(m->d, KS_EIO, path, 0, 0,
					"cannot read a commit: %s", ks_git_error());
		err = ks_origins_open(&w->o, m->r, path, tip, &quiet);
		git_commit_free(tip);
		ks_diags_release(&quiet);
		if (err == -1)
			return -1;
	}
	/* A history that cannot be read: the side's tip says who. */
	if (!w->o || ks_origins_find(&id, w->o, field) < 0)
		git_oid_cpy(&id, &side->tip);
	if (git_commit_lookup(out, m->repo, &id) < 0)
		return ks_error(m->d, KS_EIO, path, 0, 0, "cannot read a commit: %s",
				ks_git_error());
	return 0;
}

static struct ks_node *str_node(struct ks_doc *doc, const char *s)
{
	return ks_node_scalar(doc, s, strlen(s), 1);
}

/* A proposal: who proposed `value` (NULL: the side deleted it). */
static struct ks_node *proposal(struct tmerge *m, struct ks_doc *doc,
				const struct side *side, struct writers *w,
				const char *path, const char *field,
				const struct ks_node *value, const char *text)
{
	struct ks_node *p = ks_node_map(doc);
	git_commit *c = NULL;
	char hex[GIT_OID_HEXSZ + 1], when[64];
	const git_signature *a;
	char *dev;
	int e = 0;

	if (!p || writer_of(&c, m, side, w, path, field) < 0)
		return NULL;
	git_oid_tostr(hex, sizeof(hex), git_commit_id(c));
	a = git_commit_author(c);
	ks_format_time(when, sizeof(when), &a->when, 1);
	dev = ks_commit_device(git_commit_message(c));
	e |= ks_map_set(doc, p, "commit", str_node(doc, hex));
	e |= ks_map_set(doc, p, "author", str_node(doc, a->name));
	e |= ks_map_set(doc, p, "email", str_node(doc, a->email));
	e |= ks_map_set(doc, p, "device", str_node(doc, dev ? dev : ""));
	e |= ks_map_set(doc, p, "time", str_node(doc, when));
	if (text)
		e |= ks_map_set(doc, p, "text", str_node(doc, text));
	else if (value)
		e |= ks_map_set(doc, p, "value", ks_node_clone(doc, value));
	else
		e |= ks_map_set(doc, p, "deleted", ks_node_scalar(doc, "true", 4, 0));
	ks_free(dev);
	git_commit_free(c);
	return e ? NULL : p;
}

/* ---- conflict files ---- */

/* A node as its conflict file shows it: the key conflicts are ordered by. */
static int node_text(struct ks_buf *out, const struct ks_node *n)
{
	return ks_doc_write(out, n, ks_conflict_layout(), ks_conflict_layout_root());
}

/* Which of two nodes comes first; -2 when it cannot be told (no memory). */
static int text_cmp_nodes(const struct ks_node *a, const struct ks_node *b)
{
	struct ks_buf x = KS_BUF_INIT, y = KS_BUF_INIT;
	int c = node_text(&x, a) < 0 || node_text(&y, b) < 0 ? -2
		: strcmp(x.ptr, y.ptr) < 0 ? -1 : strcmp(x.ptr, y.ptr) > 0;

	ks_buf_release(&x);
	ks_buf_release(&y);
	return c;
}

static const char *field_of(const struct ks_node *entry)
{
	const struct ks_node *f = ks_map_get(entry, "field");

	return f && f->kind == KS_NODE_SCALAR ? f->u.scalar.str : "";
}

/* A node and its sort key, written once: the order is never left to chance. */
struct keyed {
	const char *field;	/* entries: the field first */
	char *text;
	struct ks_node *node;
};

static int keyed_cmp(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;
	int c = strcmp(x->field, y->field);

	return c ? c : strcmp(x->text, y->text);
}

/*
 * Sorts a list in place: proposals by content, entries by field then
 * content (invariant 6: the same conflicts, the same bytes, on every
 * laptop).  Returns 0, or -1 out of memory, the list unchanged.
 */
static int sort_seq(struct ks_node *seq, int entries)
{
	struct ks_buf t = KS_BUF_INIT;
	struct keyed *k;
	size_t i, n;
	int err = 0;

	if (!seq || seq->kind != KS_NODE_SEQ || (n = seq->u.seq.n) < 2)
		return 0;
	if (!(k = ks_calloc(n, sizeof(*k))))
		return -1;
	for (i = 0; i < n && !err; i++) {
		ks_buf_reset(&t);
		k[i].node = seq->u.seq.v[i];
		k[i].field = entries ? field_of(k[i].node) : "";
		if (node_text(&t, k[i].node) < 0 || !(k[i].text = ks_buf_detach(&t, NULL)))
			err = -1;
	}
	if (!err) {
		qsort(k, n, sizeof(*k), keyed_cmp);
		for (i = 0; i < n; i++)
			seq->u.seq.v[i] = k[i].node;
	}
	for (i = 0; i < n; i++)
		ks_free(k[i].text);
	ks_free(k);
	ks_buf_release(&t);
	return err;
}

static struct ks_node *entry_for(const struct ks_node *list, const char *field)
{
	size_t i;

	for (i = 0; list && list->kind == KS_NODE_SEQ && i < list->u.seq.n; i++)
		if (!strcmp(field_of(list->u.seq.v[i]), field))
			return list->u.seq.v[i];
	return NULL;
}

static const char *text_of_key(const struct ks_node *p, const char *key)
{
	const struct ks_node *c = ks_map_get(p, key);

	return c && c->kind == KS_NODE_SCALAR ? c->u.scalar.str : "";
}

/* "2026-11-27T15:49:02+07:00" as seconds since 1970; 0 when it is not. */
static int64_t epoch_of(const char *iso)
{
	int64_t t;

	return ks_iso_instant(&t, iso) == 0 ? t : 0;
}

/*
 * Of two proposals of one value, the one credited: the earlier commit,
 * then the smaller id, as history credits one of two writers of a value.
 */
static int credited_first(const struct ks_node *a, const struct ks_node *b)
{
	int64_t ta = epoch_of(text_of_key(a, "time"));
	int64_t tb = epoch_of(text_of_key(b, "time"));

	if (ta != tb)
		return ta < tb;
	return strcmp(text_of_key(a, "commit"), text_of_key(b, "commit")) < 0;
}

/*
 * Adds to entry `into` every proposal of `from` it does not have.  One
 * value proposed by two commits (two laptops typed the same, or two merges
 * credited different writers) is one proposal, credited as history credits
 * it (credited_first()): whichever laptop joins which lists in which
 * order, all of them end with the same list.
 */
static int union_proposals(struct ks_doc *doc, struct ks_node *into,
			   const struct ks_node *from)
{
	struct ks_node *mine = ks_map_get(into, "proposals");
	const struct ks_node *theirs = ks_map_get(from, "proposals");
	size_t i, j;

	if (!mine || mine->kind != KS_NODE_SEQ || !theirs ||
	    theirs->kind != KS_NODE_SEQ)
		return 0;
	for (i = 0; i < theirs->u.seq.n; i++) {
		const struct ks_node *t = theirs->u.seq.v[i];
		int have = 0;

		for (j = 0; j < mine->u.seq.n && !have; j++) {
			if (!ks_proposal_same(mine->u.seq.v[j], t))
				continue;
			have = 1;
			if (credited_first(t, mine->u.seq.v[j])) {
				struct ks_node *c = ks_node_clone(doc, t);

				if (!c)
					return -1;
				mine->u.seq.v[j] = c;
			}
		}
		if (!have && ks_seq_push(doc, mine, ks_node_clone(doc, t)) < 0)
			return -1;
	}
	return sort_seq(mine, 0);
}

/* 1 when every proposal of `a` is one of `b`'s (by what it proposes). */
static int proposals_within(const struct ks_node *a, const struct ks_node *b)
{
	size_t i, j;

	if (!a || !b || a->kind != KS_NODE_SEQ || b->kind != KS_NODE_SEQ)
		return 0;
	for (i = 0; i < a->u.seq.n; i++) {
		for (j = 0; j < b->u.seq.n; j++)
			if (ks_proposal_same(a->u.seq.v[i], b->u.seq.v[j]))
				break;
		if (j == b->u.seq.n)
			return 0;
	}
	return 1;
}

/* Two entries of one field with one base and the same proposals, by what
   they propose (whoever they credit). */
static int same_conflict(const struct ks_node *a, const struct ks_node *b)
{
	const struct ks_node *ba = ks_map_get(a, "base"), *bb = ks_map_get(b, "base");
	const struct ks_node *pa = ks_map_get(a, "proposals");
	const struct ks_node *pb = ks_map_get(b, "proposals");

	if (!ba != !bb || (ba && !ks_node_equal(ba, bb)))
		return 0;
	return proposals_within(pa, pb) && proposals_within(pb, pa);
}

/* Which side's own commits settled an entry open on the other. */
enum { OURS, THEIRS };

static int settled_by(struct tmerge *m, int side, const char *cpath,
		      const struct ks_node *entry)
{
	if (!m->settled_tried[side]) {
		const git_oid *tip = side == OURS ? &m->ours.tip : &m->theirs.tip;
		const git_oid *other = side == OURS ? &m->theirs.tip : &m->ours.tip;

		m->settled_tried[side] = 1;
		if (ks_settled_collect(&m->settled[side], m->repo, tip, other) < 0)
			return ks_error(m->d, KS_EIO, cpath, 0, 0,
					"cannot read the history: %s", ks_git_error());
	}
	return ks_settled_covers(m->settled[side], cpath, entry);
}

static int entry_order(const struct ks_node *a, const struct ks_node *b)
{
	return text_cmp_nodes(a, b);
}

/*
 * Merge of two conflict lists, entry by field.  An entry open on one side
 * only is gone when the other side's own commits settled it (every value
 * it proposes was settled there), and stays open when that side never
 * settled it: it never saw it.  Both sides changed it: the union of their
 * proposals, unless one side settled the other's and opened a new one.
 * The merge base is never asked: in a criss-cross history it is a virtual
 * merge whose entries depend on how the merges were grouped, and laptops
 * that asked it would trade an entry back and forth for ever.  With `m`
 * NULL (lists of one side: open and fresh), everything stays, joined.
 */
static struct ks_node *merge_entries(struct tmerge *m, struct ks_doc *doc,
				     const char *cpath,
				     const struct ks_node *o,
				     const struct ks_node *t)
{
	const struct ks_node *lists[2] = { o, t };
	struct ks_node *out = ks_node_seq(doc);
	size_t i, j;

	if (!out)
		return NULL;
	for (i = 0; i < 2; i++) {
		for (j = 0; lists[i] && lists[i]->kind == KS_NODE_SEQ &&
			    j < lists[i]->u.seq.n; j++) {
			const char *f = field_of(lists[i]->u.seq.v[j]);
			const struct ks_node *eo = entry_for(o, f),
					     *et = entry_for(t, f);
			const struct ks_node *pick, *other = NULL;
			int so = 0, st = 0;
			struct ks_node *r;

			if (entry_for(out, f))
				continue;
			if (m && eo && et && !ks_node_equal(eo, et) &&
			    !same_conflict(eo, et)) {
				if ((so = settled_by(m, THEIRS, cpath, eo)) < 0 ||
				    (st = settled_by(m, OURS, cpath, et)) < 0)
					return NULL;
			} else if (m && eo && !et) {
				if ((so = settled_by(m, THEIRS, cpath, eo)) < 0)
					return NULL;
			} else if (m && et && !eo) {
				if ((st = settled_by(m, OURS, cpath, et)) < 0)
					return NULL;
			}
			if (eo && et && !ks_node_equal(eo, et) && so == st) {
				/* Joined, from the one first in content order. */
				int first = entry_order(eo, et);

				if (first == -2)
					return NULL;
				pick = first <= 0 ? eo : et;
				other = pick == eo ? et : eo;
			} else if (eo && !so) {
				pick = eo;
			} else {
				pick = et && !st ? et : NULL;
			}
			if (!pick)
				continue;
			r = ks_node_clone(doc, pick);
			if (!r || (other && union_proposals(doc, r, other) < 0) ||
			    ks_seq_push(doc, out, r) < 0)
				return NULL;
		}
	}
	return sort_seq(out, 1) < 0 ? NULL : out;
}

/* The text of conflicts/<file> holding `entries`. */
static int conflict_text(struct ks_buf *text, struct ks_doc *doc,
			 const char *file, struct ks_node *entries)
{
	struct ks_node *root = ks_node_map(doc);

	if (!root || ks_map_set(doc, root, "file", str_node(doc, file)) < 0 ||
	    ks_map_set(doc, root, "conflicts", entries) < 0)
		return -1;
	return ks_doc_write(text, root, ks_conflict_layout(),
			    ks_conflict_layout_root());
}

/*
 * `fresh` entries joined with those of the conflict file `text` (NULL or
 * unreadable: none open); *old owns what it parsed.
 */
static struct ks_node *join_open(struct ks_doc *doc, struct ks_doc **old,
				 const char *cpath, const struct ks_buf *text,
				 struct ks_node *fresh)
{
	struct ks_diags ignore = KS_DIAGS_INIT;
	int parsed = text && ks_doc_parse(old, cpath, text->ptr, text->len,
					  KS_PARSE_RECORD, &ignore) == 0;

	ks_diags_release(&ignore);
	if (parsed)
		return merge_entries(NULL, doc, cpath,
				     ks_map_get(ks_doc_root(*old), "conflicts"),
				     fresh);
	return merge_entries(NULL, doc, cpath, fresh, NULL);
}

static int write_conflict_doc(git_oid *oid, struct tmerge *m,
			      struct ks_doc *doc, const char *file,
			      struct ks_node *entries)
{
	struct ks_buf text = KS_BUF_INIT;
	int err = conflict_text(&text, doc, file, entries);

	if (!err)
		err = write_text(oid, m, &text);
	ks_buf_release(&text);
	return err;
}

/* Merges conflicts/<file> changed on both sides. */
static int merge_conflict_file(struct tmerge *m, const char *path,
			       const git_oid *b, const git_oid *o,
			       const git_oid *t)
{
	const git_oid *ids[3] = { b, o, t };
	struct ks_doc *docs[3] = { NULL, NULL, NULL };
	const struct ks_node *lists[3] = { NULL, NULL, NULL };
	struct ks_doc *out = ks_doc_new(path);
	struct ks_diags ignore = KS_DIAGS_INIT;
	struct ks_node *entries;
	git_oid res;
	int i, err = -1;

	for (i = 0; i < 3; i++) {
		struct ks_buf text = KS_BUF_INIT;

		if (ids[i] && !git_oid_is_zero(ids[i]) &&
		    read_blob(&text, m->repo, ids[i]) == 0 &&
		    ks_doc_parse(&docs[i], path, text.ptr, text.len,
				 KS_PARSE_RECORD, &ignore) == 0)
			lists[i] = ks_map_get(ks_doc_root(docs[i]), "conflicts");
		ks_buf_release(&text);
	}
	if (!out)
		goto out;
	entries = merge_entries(m, out, path, lists[1], lists[2]);
	if (!entries)
		goto out;
	if (!entries->u.seq.n) {
		err = merged_set(m, path, NULL);
		goto out;
	}
	if (write_conflict_doc(&res, m, out, path + strlen(CONFLICTS_DIR),
			       entries) < 0)
		goto out;
	err = merged_set(m, path, &res);
out:
	for (i = 0; i < 3; i++)
		ks_doc_free(docs[i]);
	ks_doc_free(out);
	ks_diags_release(&ignore);
	return err;
}

/*
 * `fresh` joined with the conflict file of the side that kept a record the
 * other side deleted, when this merge kept it that way; `fresh` otherwise.
 */
static struct ks_node *kept_conflicts(struct tmerge *m, struct pending *p,
				      struct ks_doc *doc, const char *cpath,
				      struct ks_node *fresh)
{
	struct ks_buf text = KS_BUF_INIT;
	struct ks_doc *old = NULL;
	git_tree *keeper = NULL;
	git_tree_entry *te = NULL;
	struct ks_node *out = fresh;
	size_t i;

	for (i = 0; i < p->c.n && !keeper; i++)
		if (!*p->c.v[i].field && !p->c.v[i].ours != !p->c.v[i].theirs)
			keeper = p->c.v[i].ours ? m->tours : m->ttheirs;
	if (!keeper || git_tree_entry_bypath(&te, keeper, cpath) < 0)
		return fresh;
	if (read_blob(&text, m->repo, git_tree_entry_id(te)) < 0)
		out = NULL;
	else
		out = join_open(doc, &old, cpath, &text, fresh);
	git_tree_entry_free(te);
	ks_doc_free(old);
	ks_buf_release(&text);
	return out;
}

/* Writes the conflicts found for one file, joining those already open. */
static int flush_pending(struct tmerge *m, struct pending *p)
{
	struct ks_buf cpath = KS_BUF_INIT, text = KS_BUF_INIT;
	struct ks_doc *old = NULL, *doc = p->doc;
	struct writers wo = { NULL, 0 }, wt = { NULL, 0 };
	git_oid open_id;
	struct ks_node *entries = NULL, *fresh;
	git_oid res;
	size_t i;
	int err = -1;

	ks_buf_addf(&cpath, "%s%s", CONFLICTS_DIR, p->path);
	fresh = ks_node_seq(doc);
	if (!fresh)
		goto out;
	for (i = 0; i < p->c.n; i++) {
		const struct ks_mconflict *c = &p->c.v[i];
		struct ks_node *e = ks_node_map(doc), *props = ks_node_seq(doc);
		struct ks_node *po, *pt;

		if (!e || !props)
			goto out;
		if (ks_map_set(doc, e, "field", str_node(doc, c->field)) < 0)
			goto out;
		if (c->base && ks_map_set(doc, e, "base",
					  ks_node_clone(doc, c->base)) < 0)
			goto out;
		po = proposal(m, doc, &m->ours, &wo, p->path, c->field,
			      c->ours, NULL);
		pt = proposal(m, doc, &m->theirs, &wt, p->path, c->field,
			      c->theirs, NULL);
		if (!po || !pt || ks_seq_push(doc, props, po) < 0 ||
		    ks_seq_push(doc, props, pt) < 0)
			goto out;
		if (sort_seq(props, 0) < 0 ||
		    ks_map_set(doc, e, "proposals", props) < 0 ||
		    ks_seq_push(doc, fresh, e) < 0)
			goto out;
	}
	/*
	 * A record kept against its deletion keeps the conflicts it had on
	 * the side that kept it (the deleting side removed them with it).
	 */
	if ((fresh = kept_conflicts(m, p, doc, cpath.ptr, fresh)) == NULL)
		goto out;
	/* Conflicts still open on this record stay, joined with the new. */
	entries = join_open(doc, &old, cpath.ptr,
			    merged_blob(&open_id, m, cpath.ptr) &&
			    read_blob(&text, m->repo, &open_id) == 0
			    ? &text : NULL, fresh);
	if (!entries ||
	    write_conflict_doc(&res, m, doc, p->path, entries) < 0 ||
	    merged_set(m, cpath.ptr, &res) < 0)
		goto out;
	m->stats->conflicts += p->c.n;
	m->stats->conflicted_records++;
	/* The survey file and schemas shape every record: say it loudly. */
	if (m->write_conflicts && strncmp(p->path, KS_RECORDS_DIR "/", strlen(KS_RECORDS_DIR) + 1))
		ks_diags_add(m->d, KS_SEV_WARNING, p->path, 0, 0, NULL, "conflict",
			     Q_("%zu conflict in a file every record depends on; settle it first ('khaosat conflicts')",
				"%zu conflicts in a file every record depends on; settle them first ('khaosat conflicts')",
				p->c.n), p->c.n);
	err = 0;
out:
	ks_origins_free(wo.o);
	ks_origins_free(wt.o);
	ks_doc_free(old);
	ks_buf_release(&cpath);
	ks_buf_release(&text);
	return err;
}

/* ---- one file changed on both sides ---- */

static int parse_side(struct ks_doc **doc, struct ks_buf *text,
		      struct tmerge *m, const char *path, const git_oid *oid,
		      unsigned flags)
{
	struct ks_diags ignore = KS_DIAGS_INIT;
	int err;

	*doc = NULL;
	if (!oid || git_oid_is_zero(oid))
		return 0;
	if (read_blob(text, m->repo, oid) < 0)
		return -1;
	err = ks_doc_parse(doc, path, text->ptr, text->len, flags, &ignore);
	ks_diags_release(&ignore);
	return err ? 1 : 0;
}

static struct pending *new_pending(struct tmerge *m, const char *path)
{
	struct pending *p;

	if (ks_grow(&m->p, m->np, &m->palloc, sizeof(*m->p), 8) < 0)
		return NULL;
	p = &m->p[m->np];
	memset(p, 0, sizeof(*p));
	p->path = ks_strdup(path);
	p->doc = ks_doc_new(path);
	if (!p->path || !p->doc) {
		pending_free(p);
		return NULL;
	}
	m->np++;
	return p;
}

static int oid_cmp_null(const git_oid *a, const git_oid *b)
{
	return git_oid_cmp(a, b);
}

/* The schema (and strictness) for a survey file, when it has one. */
static const struct ks_snode *schema_for(struct tmerge *m, const char *path,
					 unsigned *flags, const void **lctx)
{
	struct ks_diags ignore = KS_DIAGS_INIT;
	char *kind = NULL, *id = NULL;
	struct ks_schema *s = NULL;
	struct ks_kind *k;
	const char *xm;

	*flags = 0;
	*lctx = NULL;
	if (ks_record_path_parse(path, &kind, &id) == 0 &&
	    (k = ks_repo_find_kind(m->r, kind)))
		ks_repo_schema(&s, m->r, k, &ignore);
	ks_free(kind);
	ks_free(id);
	ks_diags_release(&ignore);
	if (!s)
		return NULL;
	xm = ks_schema_xmerge(s);
	if (xm && !strcmp(xm, "record"))
		*flags = KS_MERGE_STRICT;
	*lctx = ks_schema_layout_root(s);
	return ks_schema_root(s);
}

/* Both texts, as strings, when a side does not parse. */
static int text_conflict(struct pending *p, const struct ks_buf *o,
			 const struct ks_buf *t, const struct ks_node *base)
{
	struct ks_node *on = o ? ks_node_scalar(p->doc, o->ptr, o->len, 1) : NULL;
	struct ks_node *tn = t ? ks_node_scalar(p->doc, t->ptr, t->len, 1) : NULL;

	/* Text that is not UTF-8 cannot be kept as a string; say so. */
	if (o && !on)
		on = str_node(p->doc, "(this side's file is not valid UTF-8 text)");
	if (t && !tn)
		tn = str_node(p->doc, "(this side's file is not valid UTF-8 text)");
	return ks_mconflicts_add(&p->c, "", base, on, tn);
}

static int merge_file(struct tmerge *m, const char *path, const git_oid *b,
		      const git_oid *o, const git_oid *t)
{
	struct ks_buf tb = KS_BUF_INIT, to = KS_BUF_INIT, tt = KS_BUF_INIT;
	struct ks_buf out = KS_BUF_INIT;
	struct pending *p = new_pending(m, path);
	const struct ks_snode *schema;
	const void *lctx;
	struct ks_node *res = NULL;
	unsigned flags, pflags;
	int eb, eo, et, err = -1;
	git_oid oid;

	if (!p)
		return -1;
	pflags = !strncmp(path, KS_RECORDS_DIR "/", strlen(KS_RECORDS_DIR) + 1)
		? KS_PARSE_RECORD : 0;
	eb = parse_side(&p->b, &tb, m, path, b, pflags);
	eo = parse_side(&p->o, &to, m, path, o, pflags);
	et = parse_side(&p->t, &tt, m, path, t, pflags);
	if (eb < 0 || eo < 0 || et < 0)
		goto out;
	if (eb || eo || et) {
		/* Unparseable: a whole-file conflict that keeps both texts. */
		err = merged_set(m, path, b && !git_oid_is_zero(b) ? b :
				oid_cmp_null(o, t) < 0 ? o : t);
		if (err)
			goto out;
		err = text_conflict(p, o && !git_oid_is_zero(o) ? &to : NULL,
				    t && !git_oid_is_zero(t) ? &tt : NULL,
				    p->b ? ks_doc_root(p->b) : NULL);
		goto done;
	}
	schema = schema_for(m, path, &flags, &lctx);
	if (!p->o || !p->t) {
		/* Deleted on one side, changed on the other: keep the change. */
		if (ks_mconflicts_add(&p->c, "", p->b ? ks_doc_root(p->b) : NULL,
				      p->o ? ks_doc_root(p->o) : NULL,
				      p->t ? ks_doc_root(p->t) : NULL) < 0)
			goto out;
		err = merged_set(m, path, p->o ? o : t);
		goto done;
	}
	if (ks_merge_nodes(&res, p->doc, p->b ? ks_doc_root(p->b) : NULL,
			   ks_doc_root(p->o), ks_doc_root(p->t), schema, flags,
			   &p->c) < 0)
		goto out;
	if (!res) {
		err = merged_set(m, path, NULL);
		goto done;
	}
	if (ks_doc_write(&out, res, lctx ? ks_schema_layout() : NULL, lctx) < 0 ||
	    write_text(&oid, m, &out) < 0 || merged_set(m, path, &oid) < 0)
		goto out;
	m->stats->merged++;
	err = 0;
done:
	if (!err && !p->c.n) {
		/* Nothing to record: drop the pending entry. */
		pending_free(p);
		m->np--;
	}
out:
	ks_buf_release(&tb);
	ks_buf_release(&to);
	ks_buf_release(&tt);
	ks_buf_release(&out);
	return err;
}

/* ---- fields held at an open conflict's base ---- */

/* Notes a record the two sides hold differently (see hold_open()). */
static int note_held(struct tmerge *m, const char *path, const git_oid *o,
		     const git_oid *t)
{
	struct held *h;

	if (strncmp(path, KS_RECORDS_DIR "/", strlen(KS_RECORDS_DIR) + 1) ||
	    git_oid_equal(o, t))
		return 0;
	if (ks_grow(&m->held, m->nheld, &m->heldalloc, sizeof(*m->held), 16) < 0)
		return -1;
	h = &m->held[m->nheld];
	if (!(h->path = ks_strdup(path)))
		return -1;
	git_oid_cpy(&h->ours, o);
	git_oid_cpy(&h->theirs, t);
	m->nheld++;
	return 0;
}

static void held_free(struct tmerge *m)
{
	size_t i;

	for (i = 0; i < m->nheld; i++)
		ks_free(m->held[i].path);
	ks_free(m->held);
	m->held = NULL;
	m->nheld = m->heldalloc = 0;
}

/* 1 when `v` is the base or one of the proposals of conflict entry `e`. */
static int known_to(const struct ks_node *e, const struct ks_node *v)
{
	const struct ks_node *props = ks_map_get(e, "proposals");
	size_t i;

	if (ks_merge_same(ks_map_get(e, "base"), v))
		return 1;
	for (i = 0; props && props->kind == KS_NODE_SEQ && i < props->u.seq.n; i++) {
		const struct ks_node *pv = ks_map_get(props->u.seq.v[i], "value");

		if (pv && ks_merge_same(pv, v))
			return 1;
	}
	return 0;
}

/*
 * A field with an open conflict stays at the conflict's base until someone
 * settles it (DESIGN.md, Merge).  Which value a merge leaves there depends
 * on the merge base, and laptops that merge through different bases (a
 * criss-cross history, virtual bases) would otherwise leave different
 * proposals in the field and trade them for ever.  So when the two sides
 * hold different values, each the base or a proposal of the open entry,
 * the field takes the entry's base: the result depends on the two sides
 * and the entry alone, however the merges are grouped.  A value the entry
 * does not know (typed since) merges as usual, and a whole-record entry or
 * one without a base (a field new on both sides) is left to the merge.
 */
static int hold_record(struct tmerge *m, const struct held *h)
{
	struct ks_buf cpath = KS_BUF_INIT, out = KS_BUF_INIT;
	struct ks_buf text[4] = { KS_BUF_INIT, KS_BUF_INIT, KS_BUF_INIT, KS_BUF_INIT };
	struct ks_doc *doc[4] = { NULL, NULL, NULL, NULL };	/* conflicts, ours, theirs, merged */
	struct ks_diags ignore = KS_DIAGS_INIT;
	git_oid ce, re;
	const struct ks_node *entries;
	struct ks_node *root;
	const void *lctx;
	unsigned flags;
	git_oid oid;
	int changed = 0, err = -1, e[4];
	size_t i;

	if (ks_buf_addf(&cpath, "%s%s", CONFLICTS_DIR, h->path) < 0)
		goto out;
	err = 0;
	if (!merged_blob(&ce, m, cpath.ptr) || !merged_blob(&re, m, h->path) ||
	    git_oid_is_zero(&h->ours) || git_oid_is_zero(&h->theirs))
		goto out;
	e[0] = parse_side(&doc[0], &text[0], m, cpath.ptr, &ce, KS_PARSE_RECORD);
	e[1] = parse_side(&doc[1], &text[1], m, h->path, &h->ours, KS_PARSE_RECORD);
	e[2] = parse_side(&doc[2], &text[2], m, h->path, &h->theirs, KS_PARSE_RECORD);
	e[3] = parse_side(&doc[3], &text[3], m, h->path, &re, KS_PARSE_RECORD);
	for (i = 0; i < 4; i++)
		if (e[i] < 0)
			err = -1;
	/* Unparseable: a whole-record conflict, left as the merge made it. */
	if (err || e[0] || e[1] || e[2] || e[3])
		goto out;
	entries = ks_map_get(ks_doc_root(doc[0]), "conflicts");
	root = ks_doc_root(doc[3]);
	for (i = 0; entries && entries->kind == KS_NODE_SEQ && i < entries->u.seq.n; i++) {
		const struct ks_node *en = entries->u.seq.v[i];
		const struct ks_node *f = ks_map_get(en, "field");
		const struct ks_node *base = ks_map_get(en, "base");
		const struct ks_node *vo, *vt, *now;
		const char *field;

		if (!f || f->kind != KS_NODE_SCALAR || !base)
			continue;
		field = f->u.scalar.str;
		if (!*field)
			continue;
		vo = ks_field_find(ks_doc_root(doc[1]), field, NULL);
		vt = ks_field_find(ks_doc_root(doc[2]), field, NULL);
		if (!vo || !vt || ks_merge_same(vo, vt) ||
		    !known_to(en, vo) || !known_to(en, vt))
			continue;
		now = ks_field_find(root, field, NULL);
		if (now && ks_merge_same(now, base))
			continue;
		if ((err = ks_field_set(doc[3], root, field, base, &ignore)) != 0)
			goto out;
		changed = 1;
	}
	if (!changed)
		goto out;
	schema_for(m, h->path, &flags, &lctx);
	err = -1;
	if (ks_doc_write(&out, root, lctx ? ks_schema_layout() : NULL, lctx) < 0 ||
	    write_text(&oid, m, &out) < 0 || merged_set(m, h->path, &oid) < 0)
		goto out;
	err = 0;
out:
	for (i = 0; i < 4; i++) {
		ks_doc_free(doc[i]);
		ks_buf_release(&text[i]);
	}
	ks_diags_release(&ignore);
	ks_buf_release(&cpath);
	ks_buf_release(&out);
	/* A field path that does not fit the record: left as merged. */
	return err == KS_EINVALID ? 0 : err;
}

static int hold_open(struct tmerge *m)
{
	size_t i;

	for (i = 0; i < m->nheld; i++)
		if (hold_record(m, &m->held[i]) < 0)
			return -1;
	return 0;
}

/* ---- trees ---- */

struct change {
	char *path;
	git_oid old_id, new_id;	/* zero when absent */
};

struct changes {
	struct change *v;
	size_t n, alloc;
};

static int diff_cb(const git_diff_delta *dd, float progress, void *p)
{
	struct changes *c = p;
	struct change *x;

	if (ks_grow(&c->v, c->n, &c->alloc, sizeof(*c->v), 64) < 0)
		return -1;
	x = &c->v[c->n];
	if (!(x->path = ks_strdup(dd->new_file.path ? dd->new_file.path
						    : dd->old_file.path)))
		return -1;
	c->n++;
	memset(&x->old_id, 0, sizeof(x->old_id));
	memset(&x->new_id, 0, sizeof(x->new_id));
	if (dd->status != GIT_DELTA_ADDED)
		git_oid_cpy(&x->old_id, &dd->old_file.id);
	if (dd->status != GIT_DELTA_DELETED)
		git_oid_cpy(&x->new_id, &dd->new_file.id);
	return 0;
}

/* Rename detection stays off: a file name is a record's identity. */
static int diff_trees(struct changes *c, git_repository *repo, git_tree *a,
		      git_tree *b)
{
	return ks_tree_diff(repo, a, b, NULL, diff_cb, c) ? -1 : 0;
}

static void changes_release(struct changes *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		ks_free(c->v[i].path);
	ks_free(c->v);
}

/*
 * 1 when one side changed the conflict file of the record at `path`: its
 * concurrent edits ended in a conflict, and the record may sit at its base
 * value, yet it was edited.  Conflict files sort before records/.
 */
static int conflict_changed(const struct changes *c, const char *path)
{
	size_t i, n = strlen(CONFLICTS_DIR);

	for (i = 0; i < c->n && !strncmp(c->v[i].path, CONFLICTS_DIR, n); i++)
		if (!strcmp(c->v[i].path + n, path))
			return 1;
	return 0;
}

/*
 * A record one side deleted while the other left its file alone but
 * changed its conflict file (concurrent edits of it, merged there, ended
 * in a conflict): that is a delete against a modify, not a clean delete,
 * or the edits would be lost with the record.  `x` is the deleting side's
 * change; the other side's version is the base.
 */
static int deleted_while_edited(struct tmerge *m, const struct change *x,
				int deleted_by_ours)
{
	return merge_file(m, x->path, &x->old_id,
			  deleted_by_ours ? &x->new_id : &x->old_id,
			  deleted_by_ours ? &x->old_id : &x->new_id);
}

/*
 * Merges `theirs` into the index (which holds `ours`) over `base`.  Paths
 * come sorted from both diffs, so one pass pairs them.
 */
/*
 * A conflict file changed on one side only is still merged entry by entry
 * (see merge_entries()): an entry one side never saw stays open, an entry
 * its own commits settled goes, whatever the merge base says.
 */
static int is_conflict_file(const struct change *x)
{
	return !strncmp(x->path, CONFLICTS_DIR, strlen(CONFLICTS_DIR));
}

static int merge_into_index(struct tmerge *m, git_tree *base, git_tree *ours,
			    git_tree *theirs)
{
	struct changes co = { 0 }, ct = { 0 };
	size_t i = 0, j = 0;
	int err = -1;

	if (diff_trees(&co, m->repo, base, ours) < 0 ||
	    diff_trees(&ct, m->repo, base, theirs) < 0) {
		ks_error(m->d, KS_EIO, NULL, 0, 0, "cannot compare the histories: %s",
			 ks_git_error());
		goto out;
	}
	m->stats->taken += co.n;
	/* The side read into the index may not be main's: both count. */
	for (i = 0; i < co.n; i++)
		if (touch(m, co.v[i].path) < 0)
			goto out;
	i = 0;
	while (i < co.n || j < ct.n) {
		const struct change *t = j < ct.n ? &ct.v[j] : NULL;
		int c = i >= co.n ? 1 : !t ? -1 : strcmp(co.v[i].path, t->path);

		if (c < 0) {
			const struct change *o = &co.v[i];

			if (note_held(m, o->path, &o->new_id, &o->old_id) < 0)
				goto out;
			if (git_oid_is_zero(&o->new_id) && conflict_changed(&ct, o->path) &&
			    deleted_while_edited(m, o, 1) < 0)
				goto gitfail;
			if (is_conflict_file(o) && merge_conflict_file(m, o->path, &o->old_id,
							     &o->new_id, &o->old_id) < 0)
				goto gitfail;
			i++;
			continue;
		}
		if (c > 0) {
			if (note_held(m, t->path, &t->old_id, &t->new_id) < 0)
				goto out;
			if (git_oid_is_zero(&t->new_id) && conflict_changed(&co, t->path)) {
				if (deleted_while_edited(m, t, 0) < 0)
					goto gitfail;
				j++;
				continue;
			}
			/* Changed on their side only: take it. */
			if (is_conflict_file(t) ? merge_conflict_file(m, t->path, &t->old_id,
							   &t->old_id, &t->new_id) < 0
				      : merged_set(m, t->path, &t->new_id) < 0)
				goto gitfail;
			m->stats->taken++;
			j++;
			continue;
		}
		m->stats->taken--;
		if (note_held(m, t->path, &co.v[i].new_id, &t->new_id) < 0)
			goto out;
		if (!git_oid_equal(&co.v[i].new_id, &t->new_id)) {
			const git_oid *b = &t->old_id;

			if (!strncmp(t->path, CONFLICTS_DIR, strlen(CONFLICTS_DIR))) {
				if (merge_conflict_file(m, t->path, b, &co.v[i].new_id,
							&t->new_id) < 0)
					goto gitfail;
			} else if (merge_file(m, t->path, b, &co.v[i].new_id,
					      &t->new_id) < 0) {
				goto gitfail;
			}
		}
		i++;
		j++;
	}
	err = 0;
	goto out;
gitfail:
	ks_error(m->d, KS_EIO, NULL, 0, 0, "cannot merge: %s", ks_git_error());
out:
	changes_release(&co);
	changes_release(&ct);
	return err;
}

static int tree_of(git_tree **out, git_repository *repo, const git_oid *commit)
{
	git_commit *c = NULL;
	int err = git_commit_lookup(&c, repo, commit);

	if (!err)
		err = git_commit_tree(out, c);
	git_commit_free(c);
	return err;
}

static int merge_commits(git_oid *tree, struct tmerge *parent,
			 const git_oid *a, const git_oid *b, int depth,
			 int write_conflicts);

/*
 * The base to merge from: the merge base, or, when a criss-cross history
 * has several, their own merge (recursively, as git does), without
 * conflict files.  Bases are taken in id order, so both sides agree.
 */
static int base_tree(git_tree **out, struct tmerge *m, git_oidarray *bases,
		     int depth)
{
	git_signature *sig = NULL;
	git_oid acc, t, c;
	size_t i;
	int err = -1;

	if (bases->count == 1 || depth >= MAX_VIRTUAL_DEPTH)
		return tree_of(out, m->repo, &bases->ids[0]);
	qsort(bases->ids, bases->count, sizeof(git_oid),
	      (int (*)(const void *, const void *))git_oid_cmp);
	/* A fixed signature keeps the virtual commits the same everywhere. */
	if (git_signature_new(&sig, "khaosat", "virtual@khaosat.invalid", 0, 0) < 0)
		return -1;
	git_oid_cpy(&acc, &bases->ids[0]);
	for (i = 1; i < bases->count; i++) {
		git_tree *vt = NULL;
		git_commit *p1 = NULL, *p2 = NULL;
		const git_commit *parents[2];

		if (merge_commits(&t, m, &acc, &bases->ids[i], depth + 1, 0) < 0)
			goto out;
		if (i + 1 == bases->count) {
			err = git_tree_lookup(out, m->repo, &t);
			goto out;
		}
		/* An unreferenced commit to fold the next base into. */
		if (git_tree_lookup(&vt, m->repo, &t) < 0 ||
		    git_commit_lookup(&p1, m->repo, &acc) < 0 ||
		    git_commit_lookup(&p2, m->repo, &bases->ids[i]) < 0) {
			git_tree_free(vt);
			git_commit_free(p1);
			goto out;
		}
		parents[0] = p1;
		parents[1] = p2;
		err = git_commit_create(&c, m->repo, NULL, sig, sig, NULL,
					"virtual merge base", vt, 2, parents);
		git_tree_free(vt);
		git_commit_free(p1);
		git_commit_free(p2);
		if (err < 0)
			goto out;
		err = -1;
		git_oid_cpy(&acc, &c);
	}
out:
	git_signature_free(sig);
	return err;
}

/* The tree of an earlier virtual merge of `a` and `b`, if there was one. */
static int memo_find(git_oid *tree, const struct vmemo *vm, const git_oid *a,
		     const git_oid *b)
{
	size_t i;

	for (i = 0; vm && i < vm->n; i++)
		if (git_oid_equal(&vm->v[i].a, a) &&
		    git_oid_equal(&vm->v[i].b, b)) {
			git_oid_cpy(tree, &vm->v[i].tree);
			return 1;
		}
	return 0;
}

/* The memo is a cache: one that cannot grow only forgets. */
static void memo_add(struct vmemo *vm, const git_oid *a, const git_oid *b,
		     const git_oid *tree)
{
	if (ks_grow(&vm->v, vm->n, &vm->alloc, sizeof(*vm->v), 16) < 0)
		return;
	git_oid_cpy(&vm->v[vm->n].a, a);
	git_oid_cpy(&vm->v[vm->n].b, b);
	git_oid_cpy(&vm->v[vm->n].tree, tree);
	vm->n++;
}

/*
 * A merge of its own, inside `parent`'s: the same repository, memo and
 * diagnostics, a fresh index and nothing pending, held or settled yet.
 */
static void child_merge(struct tmerge *m, const struct tmerge *parent,
			int write_conflicts, struct ks_merge_stats *scratch)
{
	*m = *parent;
	ks_table_init(&m->edits, sizeof(struct edit));
	m->p = NULL;
	m->np = m->palloc = 0;
	m->held = NULL;
	m->nheld = m->heldalloc = 0;
	memset(m->settled, 0, sizeof(m->settled));
	memset(m->settled_tried, 0, sizeof(m->settled_tried));
	m->write_conflicts = write_conflicts;
	/*
	 * A virtual base is the merge a laptop would have made of those two
	 * commits, conflict files included (so that a conflict settled on
	 * one side is seen as settled); it touches nothing and counts nothing.
	 */
	if (!write_conflicts) {
		m->touched = NULL;
		memset(scratch, 0, sizeof(*scratch));
		m->stats = scratch;
	}
}

static void child_merge_release(struct tmerge *m)
{
	size_t i;

	for (i = 0; i < m->np; i++)
		pending_free(&m->p[i]);
	ks_free(m->p);
	held_free(m);
	ks_settled_free(m->settled[OURS]);
	ks_settled_free(m->settled[THEIRS]);
	edits_release(&m->edits);
}

/*
 * A file and a folder of one name in the merged tree: an edit sets a
 * file under a name that is a file itself (`path` "a/b" where "a" is a
 * file), or sets a file where "ours" has a folder.
 * The name into `out`: 1, or 0 when there is none.
 */
static int file_and_folder(struct ks_buf *out, struct tmerge *m)
{
	struct edit *e;
	size_t i = 0;
	git_oid oid;

	while ((e = ks_table_next(&m->edits, &i))) {
		const char *slash = e->path;
		git_tree_entry *te = NULL;
		int folder;

		if (git_oid_is_zero(&e->oid))
			continue;
		while ((slash = strchr(slash, '/'))) {
			ks_buf_reset(out);
			ks_buf_add(out, e->path, (size_t)(slash - e->path));
			if (!ks_buf_failed(out) && merged_blob(&oid, m, out->ptr))
				return 1;
			slash++;
		}
		folder = git_tree_entry_bypath(&te, m->tours, e->path) == 0 &&
			 git_tree_entry_type(te) == GIT_OBJECT_TREE;
		git_tree_entry_free(te);
		git_error_clear();
		if (folder) {
			ks_buf_reset(out);
			ks_buf_puts(out, e->path);
			return 1;
		}
	}
	return 0;
}

/* "ours" with the edits that change it, as tree updates; -1 out of memory. */
static int tree_updates(git_tree_update **out, size_t *n, struct tmerge *m)
{
	git_tree_update *up = ks_calloc(m->edits.n + 1, sizeof(*up));
	git_oid now;
	struct edit *e;
	size_t i = 0;

	*out = up;
	*n = 0;
	if (!up)
		return -1;
	while ((e = ks_table_next(&m->edits, &i))) {
		int removed = git_oid_is_zero(&e->oid);
		git_tree_entry *te = NULL;
		int there = git_tree_entry_bypath(&te, m->tours, e->path) == 0;

		/* git_tree_create_updated() refuses to remove what is not there */
		now = there ? *git_tree_entry_id(te) : e->oid;
		there = there && git_tree_entry_filemode(te) == GIT_FILEMODE_BLOB;
		git_tree_entry_free(te);
		if (removed ? !there : there && git_oid_equal(&now, &e->oid))
			continue;
		up[*n].action = removed ? GIT_TREE_UPDATE_REMOVE
					: GIT_TREE_UPDATE_UPSERT;
		up[*n].path = e->path;
		up[*n].filemode = GIT_FILEMODE_BLOB;
		git_oid_cpy(&up[*n].id, &e->oid);
		(*n)++;
	}
	git_error_clear();
	return 0;
}

static int write_merged_tree(git_oid *tree, struct tmerge *m)
{
	struct ks_buf name = KS_BUF_INIT;
	git_tree_update *up;
	size_t n;
	int err;

	if (tree_updates(&up, &n, m) < 0) {
		ks_free(up);
		return -1;
	}
	/*
	 * Every blob of the tree exists: one of the two sides' or one this
	 * merge wrote.  libgit2's strict mode would read the header of each
	 * again to prove it; the trees written here are checked by
	 * construction instead.
	 */
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_OBJECT_CREATION, 0);
	err = git_tree_create_updated(tree, m->repo, m->tours, n, up);
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_OBJECT_CREATION, 1);
	ks_free(up);
	if (err >= 0)
		return 0;
	/* Only plain git can make one: neither is dropped for the other. */
	if (file_and_folder(&name, m)) {
		err = ks_error(m->d, KS_ECONFLICT, name.ptr, 0, 0,
			       "a file on one side and a folder on the other have this name; nothing was merged; rename one of them on its laptop, then merge again");
		ks_buf_release(&name);
		return err;
	}
	ks_buf_release(&name);
	return ks_error(m->d, KS_EIO, NULL, 0, 0,
			"cannot write the merged tree: %s", ks_git_error());
}

static int merge_commits(git_oid *tree, struct tmerge *parent,
			 const git_oid *a, const git_oid *b, int depth,
			 int write_conflicts)
{
	struct tmerge m;
	struct ks_merge_stats scratch;
	git_oidarray bases = { 0 };
	git_tree *tb = NULL, *ta = NULL, *tt = NULL;
	size_t i;
	int err = -1;

	/* Symmetry: the side with the smaller id is "ours", always. */
	if (git_oid_cmp(a, b) > 0) {
		const git_oid *x = a;

		a = b;
		b = x;
	}
	if (!write_conflicts && memo_find(tree, parent->memo, a, b))
		return 0;
	child_merge(&m, parent, write_conflicts, &scratch);
	git_oid_cpy(&m.ours.tip, a);
	git_oid_cpy(&m.theirs.tip, b);
	if (git_merge_bases(&bases, m.repo, a, b) < 0) {
		ks_error(m.d, KS_EINVALID, NULL, 0, 0,
			 "the two histories have nothing in common: not the same survey");
		goto out;
	}
	if (base_tree(&tb, &m, &bases, depth) < 0 || tree_of(&ta, m.repo, a) < 0 ||
	    tree_of(&tt, m.repo, b) < 0) {
		ks_error(m.d, KS_EIO, NULL, 0, 0, "cannot read the histories: %s",
			 ks_git_error());
		goto out;
	}
	m.tours = ta;
	m.ttheirs = tt;
	if (merge_into_index(&m, tb, ta, tt) < 0)
		goto out;
	for (i = 0; i < m.np; i++)
		if (flush_pending(&m, &m.p[i]) < 0)
			goto out;
	if (hold_open(&m) < 0 || (err = write_merged_tree(tree, &m)) < 0)
		goto out;
	if (!write_conflicts && m.memo)
		memo_add(m.memo, a, b, tree);
	err = 0;
out:
	child_merge_release(&m);
	git_tree_free(tb);
	git_tree_free(ta);
	git_tree_free(tt);
	git_oidarray_dispose(&bases);
	return err;
}

static int merge_trees(git_oid *tree, struct ks_merge_stats *stats,
		       struct ks_repo *r, const git_oid *a, const git_oid *b,
		       struct ks_paths *touched, struct ks_diags *d)
{
	struct tmerge m;

	memset(&m, 0, sizeof(m));
	memset(stats, 0, sizeof(*stats));
	m.r = r;
	m.repo = ks_repo_git(r);
	m.stats = stats;
	m.d = d;
	m.touched = touched;
	/*
	 * By path: a repository opened later may reuse a freed pointer.  A
	 * view without a path (objects being checked, whose merges are kept
	 * in memory only) remembers nothing: its trees do not outlive it.
	 */
	if (!git_repository_path(m.repo)) {
		m.memo = NULL;
		return merge_commits(tree, &m, a, b, 0, 1);
	}
	if (!vmemo.gitdir || strcmp(vmemo.gitdir, git_repository_path(m.repo))) {
		ks_free(vmemo.gitdir);
		vmemo.n = 0;
		vmemo.gitdir = ks_strdup(git_repository_path(m.repo));
	}
	m.memo = vmemo.gitdir ? &vmemo : NULL;
	return merge_commits(tree, &m, a, b, 0, 1);
}

int ks_merge_trees_of(git_oid *tree, struct ks_merge_stats *stats,
		      struct ks_repo *r, const git_oid *a, const git_oid *b,
		      struct ks_diags *d)
{
	return merge_trees(tree, stats, r, a, b, NULL, d);
}

/* ---- into main ---- */

static int move_main(struct ks_repo *r, const git_oid *to, const git_oid *from,
		     const char *why, struct ks_diags *d);
static char *journal_path(struct ks_repo *r);
static int changed_paths(struct ks_paths *out, git_repository *repo,
			 const git_oid *a, const git_oid *b);

/* ---- the surveyor's files ---- */

/*
 * Where a merge meets the work tree, each path is in one of three states:
 * as the old main had it, as the new main has it, or changed by a person
 * (neither).  Only the first two are khaosat's to replace.
 */
struct wt_paths {
	struct ks_paths from, to, other;
};

static void wt_paths_release(struct wt_paths *w)
{
	ks_paths_release(&w->from);
	ks_paths_release(&w->to);
	ks_paths_release(&w->other);
}

/*
 * Whether the work-tree file at `path` holds exactly blob `id` (absent
 * when `id` is NULL).  Anything that is not a regular file is a person's.
 */
/* Whether the file `abs` holds exactly blob `id` (absent: `id` NULL). */
static int abs_is(const char *abs, const git_oid *id)
{
	struct ks_buf text = KS_BUF_INIT;
	struct stat st;
	git_oid got;
	int is = 0;

	if (!abs || lstat(abs, &st) < 0) {
		is = (!abs || errno == ENOENT) && !id;
	} else if (S_ISREG(st.st_mode) && id) {
		if (ks_buf_read_file(&text, abs, 0) < 0)
			is = -1;
		else if (git_odb_hash(&got, text.ptr, text.len, GIT_OBJECT_BLOB) == 0)
			is = git_oid_equal(&got, id);
	}
	ks_buf_release(&text);
	return is;
}

static int file_is(struct ks_repo *r, const char *path, const git_oid *id)
{
	char *abs = ks_repo_path(r, path);
	int is = abs ? abs_is(abs, id) : -1;

	ks_free(abs);
	return is;
}

/* For ks_file_commit_if(): was the displaced file blob `arg` (or none)? */
static int displaced_is(const char *old_file, void *arg)
{
	return abs_is(old_file, arg);
}

/* Sorts each path that differs between `from` and `to` by its state. */
static int wt_classify(struct wt_paths *out, struct ks_repo *r,
		       git_tree *from, git_tree *to, struct ks_paths *paths)
{
	size_t i;

	ks_paths_sort(paths);
	for (i = 0; i < paths->n; i++) {
		git_oid fb, tb;
		int hf, ht, is_to, is_from;
		struct ks_paths *into;

		/* A path the merge touched twice is looked at once. */
		if (i && !strcmp(paths->v[i - 1], paths->v[i]))
			continue;
		hf = ks_tree_blob(&fb, from, paths->v[i]);
		ht = ks_tree_blob(&tb, to, paths->v[i]);
		is_to = file_is(r, paths->v[i], ht ? &tb : NULL);
		is_from = is_to ? 0 : file_is(r, paths->v[i], hf ? &fb : NULL);
		into = is_to ? &out->to : is_from ? &out->from : &out->other;

		if (is_to < 0 || is_from < 0 || ks_paths_add(into, paths->v[i]) < 0)
			return -1;
	}
	return 0;
}

/* Removes the leftovers of a killed write of `path`: "<path>.tmp-*". */
static void sweep_temps(struct ks_repo *r, const char *path)
{
	struct ks_buf dir = KS_BUF_INIT, p = KS_BUF_INIT;
	const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
	struct dirent *e;
	DIR *dh;

	if (ks_buf_addf(&dir, "%s%.*s", ks_repo_workdir(r),
			slash ? (int)(slash - path) : 0, path) < 0 ||
	    !(dh = opendir(dir.ptr))) {
		ks_buf_release(&dir);
		return;
	}
	while ((e = readdir(dh))) {
		size_t n = strlen(base);

		if (strncmp(e->d_name, base, n) || strncmp(e->d_name + n, ".tmp-", 5))
			continue;
		ks_buf_reset(&p);
		if (ks_buf_addf(&p, "%s/%s", dir.ptr, e->d_name) == 0)
			unlink(p.ptr);
	}
	closedir(dh);
	ks_buf_release(&dir);
	ks_buf_release(&p);
}

/* Removes the folders of `path` that its removal left empty. */
static void prune_folders(struct ks_repo *r, const char *path)
{
	char *abs = ks_repo_path(r, path), *slash;
	size_t root = strlen(ks_repo_workdir(r));

	while (abs && (slash = strrchr(abs, '/')) && (size_t)(slash - abs) > root) {
		*slash = '\0';
		if (rmdir(abs) < 0)
			break;
	}
	ks_free(abs);
}

/*
 * The error for files a person saved while a merge was writing: left as
 * they are, nothing merged, and what to do.  Names up to two.
 */
static int changed_meanwhile(struct ks_diags *d, char *const *v, size_t n)
{
	struct ks_buf names = KS_BUF_INIT;
	int err;

	ks_buf_addf(&names, "'%s'", n ? v[0] : "");
	if (n == 2)
		ks_buf_addf(&names, _(" and '%s'"), v[1]);
	else if (n > 2)
		ks_buf_addf(&names, Q_(" and %zu other file", " and %zu other files",
				       n - 1), n - 1);
	if (ks_buf_failed(&names))
		return ks_error(d, KS_ERROR, NULL, 0, 0, "out of memory");
	if (n == 1)
		err = ks_error(d, KS_ECONFLICT, NULL, 0, 0,
			       "%s changed while khaosat was merging; it was left as you saved it and nothing was merged; save your change to the survey history ('khaosat commit'), then run this again",
			       names.ptr);
	else
		err = ks_error(d, KS_ECONFLICT, NULL, 0, 0,
			       "%s changed while khaosat was merging; they were left as you saved them and nothing was merged; save your changes to the survey history ('khaosat commit'), then run this again",
			       names.ptr);
	ks_buf_release(&names);
	return err;
}

/*
 * Puts each of `paths` as `tree` has it: written whole under a temporary
 * name and renamed (a kill leaves the old file or the new one, never half
 * of one, so recovery can tell them from a person's edit), or removed.
 * Just before each rename the file is looked at again: if it no longer
 * holds what `expect` has there, a person saved it meanwhile, and it is
 * left as they saved it: with `strict` that stops the update (KS_ECONFLICT,
 * named), otherwise the file is skipped (putting back what was written).
 * `inos` (NULL, or one per path) gets the inode of each file written.
 */
static int write_paths(struct ks_repo *r, git_tree *tree, git_tree *expect,
		       const struct ks_paths *paths, int strict, ino_t *inos,
		       struct ks_diags *d)
{
	git_repository *repo = ks_repo_git(r);
	size_t i;
	int err = 0;

	for (i = 0; !err && i < paths->n; i++) {
		struct ks_buf text = KS_BUF_INIT;
		struct ks_file f = KS_FILE_INIT;
		char *abs = ks_repo_path(r, paths->v[i]);
		git_oid id, old;
		int has_old = ks_tree_blob(&old, expect, paths->v[i]);

		if (!abs) {
			err = -1;
		} else if (ks_tree_blob(&id, tree, paths->v[i])) {
			if (read_blob(&text, repo, &id) < 0)
				err = ks_error(d, KS_EIO, paths->v[i], 0, 0,
					       "cannot read: %s", ks_git_error());
			else if (!(err = ks_file_begin(&f, abs, KS_FILE_FOLDERS, d)))
				ks_file_write(&f, text.ptr, text.len);
			if (!err) {
				struct stat st;

				/* Which inode is ours, for the index. */
				if (inos)
					inos[i] = fstat(f.fd, &st) == 0 ? st.st_ino : 0;
				err = ks_file_commit_if(&f, displaced_is,
							has_old ? &old : NULL, d);
			}
			if (err == KS_ECONFLICT) {
				err = 0;
				if (inos)
					inos[i] = 0;
				if (strict)
					err = changed_meanwhile(d, &paths->v[i], 1);
			}
		} else if (file_is(r, paths->v[i], has_old ? &old : NULL) != 1) {
			if (strict)
				err = changed_meanwhile(d, &paths->v[i], 1);
		} else if (unlink(abs) < 0 && errno != ENOENT) {
			err = ks_error(d, KS_EIO, paths->v[i], 0, 0,
				       "cannot remove: %s", strerror(errno));
		} else {
			prune_folders(r, paths->v[i]);
		}
		ks_free(abs);
		ks_buf_release(&text);
		if (!err)
			ks_crash_point("merge: checkout wrote a file");
	}
	return err;
}

/*
 * index_paths() by gitindex.h, which copies the entries that did not
 * change rather than make 100,000 objects of them: 0, 1 when libgit2
 * must do it (an index this reader refuses, none, or one a plain git
 * holds or wrote meanwhile), -1 out of memory.  `listed`: the index as
 * the merge's listing read it, or NULL to read it here; its write is
 * given up all the same when the file changed since.
 */
static int index_paths_own(struct ks_repo *r, git_tree *tree,
			   const struct ks_paths *paths, const ino_t *inos,
			   struct ks_gitindex *listed)
{
	struct ks_gitindex own = KS_GITINDEX_INIT, *ix = listed ? listed : &own;
	struct ks_buf file = KS_BUF_INIT;
	size_t i;
	int e = listed ? 0 : ks_changes_read_index(&own, r) ? 1 : 0;

	if (!e && !ix->has_file)
		e = 1;
	for (i = 0; !e && i < paths->n; i++) {
		struct stat st;
		git_oid id;
		char *abs;

		if (!ks_tree_blob(&id, tree, paths->v[i])) {
			ks_gitindex_remove(ix, paths->v[i]);
			continue;
		}
		/* as index_paths(): the stat data only of the file written here */
		abs = ks_repo_path(r, paths->v[i]);
		if (!abs)
			e = -1;
		else if (!inos || lstat(abs, &st) < 0 || st.st_ino != inos[i])
			e = ks_gitindex_put(ix, paths->v[i], GIT_FILEMODE_BLOB,
					    id.id, NULL);
		else
			e = ks_gitindex_put(ix, paths->v[i], GIT_FILEMODE_BLOB,
					    id.id, &st);
		ks_free(abs);
	}
	if (!e && ks_buf_addf(&file, "%sindex",
			      git_repository_path(ks_repo_git(r))) < 0)
		e = -1;
	if (!e)
		e = ks_gitindex_write(ix, file.ptr, 1) ? 1 : 0;
	ks_gitindex_release(&own);
	ks_buf_release(&file);
	return e;
}

/*
 * The index learns `paths` as `tree` has them, with the stat data of the
 * files this merge wrote (`inos`, one per path, or NULL), so that status
 * trusts those without reading them again.
 */
static int index_paths(struct ks_repo *r, git_tree *tree,
		       const struct ks_paths *paths, const ino_t *inos,
		       struct ks_gitindex *listed, struct ks_diags *d)
{
	git_index *idx = NULL;
	size_t i;
	int e = 0;

	if (!paths->n)
		return 0;
	if ((e = index_paths_own(r, tree, paths, inos, listed)) <= 0)
		return e;
	e = 0;
	if (git_repository_index(&idx, ks_repo_git(r)) < 0)
		e = -1;
	for (i = 0; !e && i < paths->n; i++) {
		git_index_entry ie;
		struct stat st;
		char *abs;

		memset(&ie, 0, sizeof(ie));
		if (!ks_tree_blob(&ie.id, tree, paths->v[i])) {
			e = git_index_remove_bypath(idx, paths->v[i]);
			continue;
		}
		abs = ks_repo_path(r, paths->v[i]);
		ie.path = paths->v[i];
		ie.mode = GIT_FILEMODE_BLOB;
		/*
		 * The stat data only of the file this merge wrote: a file a
		 * person put in its place since (another inode), or one found
		 * already there, is entered without it, so status reads it.
		 */
		if (!abs || !inos || lstat(abs, &st) < 0 || st.st_ino != inos[i]) {
			ks_free(abs);
			e = git_index_add(idx, &ie);
			continue;
		}
		ks_free(abs);
		ie.ctime.seconds = (int32_t)st.st_ctim.tv_sec;
		ie.ctime.nanoseconds = (uint32_t)st.st_ctim.tv_nsec;
		ie.mtime.seconds = (int32_t)st.st_mtim.tv_sec;
		ie.mtime.nanoseconds = (uint32_t)st.st_mtim.tv_nsec;
		ie.dev = (uint32_t)st.st_dev;
		ie.ino = (uint32_t)st.st_ino;
		ie.uid = (uint32_t)st.st_uid;
		ie.gid = (uint32_t)st.st_gid;
		ie.file_size = (uint32_t)st.st_size;
		e = git_index_add(idx, &ie);
	}
	if (!e)
		e = git_index_write(idx);
	git_index_free(idx);
	return e < 0 ? ks_error(d, KS_EIO, NULL, 0, 0,
				"cannot update the index: %s", ks_git_error()) : 0;
}

/* Makes what was written reach the disk before main moves to it. */
static int flush_worktree(struct ks_repo *r, struct ks_diags *d)
{
	int fd = open(ks_repo_workdir(r), O_RDONLY | O_DIRECTORY | O_CLOEXEC), e;

	if (fd < 0)
		return ks_error(d, KS_EIO, NULL, 0, 0, "cannot flush the work tree: %s",
				strerror(errno));
	e = syncfs(fd);
	close(fd);
	return e < 0 ? ks_error(d, KS_EIO, NULL, 0, 0,
				"cannot flush the work tree: %s", strerror(errno)) : 0;
}

/*
 * Updates the work tree (and index) from commit `from` to `to` at `paths`.
 * Every file is looked at first: one a person changed meanwhile (neither
 * as `from` nor as `to` has it) stops the update before anything is
 * written, and is named.  A write that fails half way puts back what was
 * written.  `listed`: git's index as the merge's listing read it, or NULL.
 */
static int update_worktree(struct ks_repo *r, const git_oid *from,
			   const git_oid *to, struct ks_paths *paths,
			   struct ks_gitindex *listed, struct ks_diags *d)
{
	git_repository *repo = ks_repo_git(r);
	struct wt_paths w = { { 0 }, { 0 }, { 0 } };
	git_tree *tf = NULL, *tt = NULL;
	ino_t *inos = NULL;
	int err;

	if (tree_of(&tf, repo, from) < 0 || tree_of(&tt, repo, to) < 0 ||
	    wt_classify(&w, r, tf, tt, paths) < 0) {
		err = ks_error(d, KS_EIO, NULL, 0, 0,
			       "cannot compare the work tree with the merge: %s",
			       ks_git_error());
		goto out;
	}
	if (w.other.n) {
		err = changed_meanwhile(d, w.other.v, w.other.n);
		goto out;
	}
	inos = ks_calloc(w.from.n + 1, sizeof(*inos));
	if (!inos) {
		err = -1;
		goto out;
	}
	if ((err = write_paths(r, tt, tf, &w.from, 1, inos, d))) {
		struct ks_diags ignore = KS_DIAGS_INIT;

		/* Back as main still has it; nothing of the person's. */
		write_paths(r, tf, tt, &w.from, 0, NULL, &ignore);
		ks_diags_release(&ignore);
		goto out;
	}
	if ((err = flush_worktree(r, d)) ||
	    (err = index_paths(r, tt, &w.from, inos, listed, d)) ||
	    (err = index_paths(r, tt, &w.to, NULL, listed, d)))
		goto out;
out:
	ks_free(inos);
	git_tree_free(tf);
	git_tree_free(tt);
	wt_paths_release(&w);
	return err;
}

static int move_main(struct ks_repo *r, const git_oid *to, const git_oid *from,
		     const char *why, struct ks_diags *d)
{
	git_reference *ref = NULL;
	int err = git_reference_create_matching(&ref, ks_repo_git(r),
						KS_MAIN_REF, to, 1, from,
						why);

	git_reference_free(ref);
	if (err == GIT_EMODIFIED)
		return ks_error(d, KS_ECONFLICT, NULL, 0, 0,
				"main moved while merging; run the merge again");
	if (err < 0)
		return ks_error(d, KS_EIO, NULL, 0, 0, "cannot move main: %s",
				ks_git_error());
	return 0;
}

/*
 * Moving main and updating the work tree are two steps; a journal makes
 * them one.  Before the first, .git/khaosat/merge-journal names the old and
 * the new commit; after the second it is removed.  A process killed in
 * between leaves the journal, and ks_merge_recover() finishes the move.
 */
static char *journal_path(struct ks_repo *r)
{
	struct ks_buf p = KS_BUF_INIT;

	if (ks_buf_addf(&p, "%skhaosat", git_repository_path(ks_repo_git(r))) < 0)
		return NULL;
	mkdir(p.ptr, 0777);
	if (ks_buf_puts(&p, "/merge-journal") < 0) {
		ks_buf_release(&p);
		return NULL;
	}
	return ks_buf_detach(&p, NULL);
}

static int journal_begin(struct ks_repo *r, const git_oid *from,
			 const git_oid *to, struct ks_diags *d)
{
	char a[GIT_OID_HEXSZ + 1], b[GIT_OID_HEXSZ + 1], text[128];
	char *path = journal_path(r);
	int err, n;

	if (!path)
		return -1;
	git_oid_tostr(a, sizeof(a), from);
	git_oid_tostr(b, sizeof(b), to);
	n = snprintf(text, sizeof(text), "from %s\nto %s\n", a, b);
	err = ks_file_put(path, text, (size_t)n, KS_FILE_DURABLE, d);
	ks_free(path);
	ks_crash_point("merge: journal written");
	return err;
}

static void journal_end(struct ks_repo *r)
{
	char *path = journal_path(r);

	if (path)
		unlink(path);
	ks_free(path);
}

/* Work-tree paths that differ between two commits' trees. */
static int add_changed_path(const git_diff_delta *dl, float progress, void *p)
{
	(void)progress;
	/* no renames: both sides have the one path */
	return ks_paths_add(p, dl->old_file.path) < 0 ? -1 : 0;
}

static int changed_paths(struct ks_paths *out, git_repository *repo,
			 const git_oid *a, const git_oid *b)
{
	return ks_commit_diff(repo, a, b, NULL, add_changed_path, out) ? -1 : 0;
}

int ks_merge_pending(struct ks_repo *r)
{
	char *path = journal_path(r);
	struct stat st;
	int pending = path && stat(path, &st) == 0;

	ks_free(path);
	return pending;
}

void ks_proposer_self(struct ks_proposer *p, struct ks_repo *r)
{
	const struct ks_identity *who = ks_repo_identity(r);
	time_t now = time(NULL);
	struct tm tm;

	memset(p, 0, sizeof(*p));
	p->author = who->surveyor ? who->surveyor : "";
	p->email = who->email;
	p->device = who->device;
	p->when.time = now;
	/* the local offset: local time read as UTC, less the time */
	if (localtime_r(&now, &tm))
		p->when.offset = (int)((timegm(&tm) - now) / 60);
}

/*
 * Files a person changed while a merge was interrupted: each is merged
 * field by field with what the merge brought (from `tf` to `tt`), in the
 * work tree, and the index says `tt`, so the person's change shows as
 * theirs, uncommitted.
 */
static int merge_kept_edits(struct ks_repo *r, git_tree *tf, git_tree *tt,
			    const git_oid *to, const struct ks_paths *paths,
			    struct ks_diags *d)
{
	git_repository *repo = ks_repo_git(r);
	struct ks_proposer pm, pt;
	git_commit *c = NULL;
	git_index *idx = NULL;
	char hex[GIT_OID_HEXSZ + 1], *dev = NULL;
	size_t i, n;
	int err = -1;

	if (!paths->n)
		return 0;
	if (git_commit_lookup(&c, repo, to) < 0 ||
	    git_repository_index(&idx, repo) < 0)
		return ks_error(d, KS_EIO, NULL, 0, 0,
				"cannot finish the interrupted merge: %s",
				ks_git_error());
	ks_proposer_self(&pm, r);
	git_oid_tostr(hex, sizeof(hex), to);
	dev = ks_commit_device(git_commit_message(c));
	pt.author = git_commit_author(c)->name;
	pt.email = git_commit_author(c)->email;
	pt.device = dev;
	pt.commit = hex;
	pt.when = git_commit_author(c)->when;
	for (i = 0; i < paths->n; i++) {
		struct ks_buf base = KS_BUF_INIT, mine = KS_BUF_INIT,
			      theirs = KS_BUF_INIT;
		char *abs = ks_repo_path(r, paths->v[i]);
		git_oid fb, tb;
		int hf = ks_tree_blob(&fb, tf, paths->v[i]);
		int ht = ks_tree_blob(&tb, tt, paths->v[i]);
		int hm = abs && ks_buf_read_file(&mine, abs, 0) == 0;

		err = !abs || (hf && read_blob(&base, repo, &fb) < 0) ||
		      (ht && read_blob(&theirs, repo, &tb) < 0) ? -1 : 0;
		if (!err)
			err = ks_merge_worktree_file(&n, r, paths->v[i],
						     hf ? &base : NULL,
						     hm ? &mine : NULL,
						     ht ? &theirs : NULL,
						     &pm, &pt, d);
		if (!err) {
			git_index_entry e;

			memset(&e, 0, sizeof(e));
			e.mode = GIT_FILEMODE_BLOB;
			e.path = paths->v[i];
			git_oid_cpy(&e.id, &tb);
			if (ht ? git_index_add(idx, &e) < 0 :
			    git_index_remove_bypath(idx, paths->v[i]) < 0)
				err = ks_error(d, KS_EIO, NULL, 0, 0,
					       "cannot finish the interrupted merge: %s",
					       ks_git_error());
		}
		if (!err && n)
			ks_diags_add(d, KS_SEV_NOTE, paths->v[i], 0, 0, NULL, NULL,
				     Q_("was changed by hand during an interrupted merge: kept, merged with what the merge brought, %zu conflict recorded",
					"was changed by hand during an interrupted merge: kept, merged with what the merge brought, %zu conflicts recorded",
					n), n);
		else if (!err)
			ks_diags_add(d, KS_SEV_NOTE, paths->v[i], 0, 0, NULL, NULL,
				     "was changed by hand during an interrupted merge: kept, and merged with what the merge brought");
		ks_free(abs);
		ks_buf_release(&base);
		ks_buf_release(&mine);
		ks_buf_release(&theirs);
		if (err)
			goto out;
	}
	if (git_index_write(idx) < 0)
		err = ks_error(d, KS_EIO, NULL, 0, 0,
			       "cannot finish the interrupted merge: %s",
			       ks_git_error());
out:
	ks_free(dev);
	git_index_free(idx);
	git_commit_free(c);
	return err;
}

int ks_merge_recover(struct ks_repo *r, int *recovered, struct ks_diags *d)
{
	git_repository *repo = ks_repo_git(r);
	struct ks_paths paths = { 0 };
	struct wt_paths w = { { 0 }, { 0 }, { 0 } };
	git_tree *tf = NULL, *tt = NULL;
	git_oid from, to, head;
	char *path = journal_path(r), text[128];
	FILE *f;
	size_t n;
	int err = 0;

	*recovered = 0;
	if (!path)
		return -1;
	if (!(f = fopen(path, "r"))) {
		ks_free(path);
		return 0;
	}
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	if (n != 2 * GIT_OID_HEXSZ + 10 || strncmp(text, "from ", 5) ||
	    strncmp(text + 46, "to ", 3) ||
	    git_oid_fromstrn(&from, text + 5, GIT_OID_HEXSZ) < 0 ||
	    git_oid_fromstrn(&to, text + 49, GIT_OID_HEXSZ) < 0 ||
	    git_reference_name_to_id(&head, repo, KS_MAIN_REF) < 0) {
		/* Torn before its rename could not happen; anything else is
		 * not ours to finish. */
		unlink(path);
		ks_free(path);
		git_error_clear();
		return 0;
	}
	if (!git_oid_equal(&head, &from) && !git_oid_equal(&head, &to)) {
		unlink(path);
		ks_free(path);
		return 0;
	}
	/*
	 * Files still as the old main had them take the merge; files the
	 * merge already wrote stay; files a person changed since are theirs:
	 * merged field by field, never overwritten.
	 */
	if (changed_paths(&paths, repo, &from, &to) < 0) {
		err = ks_error(d, KS_EIO, NULL, 0, 0,
			       "cannot finish the interrupted merge: %s; run the command again",
			       ks_git_error());
		goto out;
	}
	for (n = 0; n < paths.n; n++)
		sweep_temps(r, paths.v[n]);
	if (tree_of(&tf, repo, &from) < 0 ||
	    tree_of(&tt, repo, &to) < 0 ||
	    wt_classify(&w, r, tf, tt, &paths) < 0) {
		err = ks_error(d, KS_EIO, NULL, 0, 0,
			       "cannot finish the interrupted merge: %s; run the command again",
			       ks_git_error());
		goto out;
	}
	if ((err = write_paths(r, tt, tf, &w.from, 1, NULL, d)) ||
	    (err = flush_worktree(r, d)) ||
	    (err = index_paths(r, tt, &w.from, NULL, NULL, d)) ||
	    (err = index_paths(r, tt, &w.to, NULL, NULL, d)) ||
	    (err = merge_kept_edits(r, tf, tt, &to, &w.other, d)))
		goto out;
	if (git_oid_equal(&head, &from) &&
	    (err = move_main(r, &to, &from, "khaosat: interrupted merge finished", d)))
		goto out;
	unlink(path);
	*recovered = 1;
out:
	git_tree_free(tf);
	git_tree_free(tt);
	wt_paths_release(&w);
	ks_paths_release(&paths);
	ks_free(path);
	return err;
}

/*
 * 1 when merging `theirs` into `head` would bring nothing: the merged tree
 * is head's, and every commit of theirs that head lacks is a merge (no
 * surveyor's edit would be left out of main's history).
 */
static int brings_nothing(git_repository *repo, const git_oid *theirs,
			  const git_oid *head, const git_oid *tree)
{
	git_commit *hc = NULL;
	git_revwalk *w = NULL;
	git_oid oid;
	int same, only_merges = 1;

	if (git_commit_lookup(&hc, repo, head) < 0)
		return 0;
	same = git_oid_equal(git_commit_tree_id(hc), tree);
	git_commit_free(hc);
	if (!same || git_revwalk_new(&w, repo) < 0 ||
	    git_revwalk_push(w, theirs) < 0 || git_revwalk_hide(w, head) < 0) {
		git_revwalk_free(w);
		git_error_clear();
		return 0;
	}
	while (only_merges && git_revwalk_next(&oid, w) == 0) {
		git_commit *c = NULL;

		only_merges = git_commit_lookup(&c, repo, &oid) == 0 &&
			      git_commit_parentcount(c) > 1;
		git_commit_free(c);
	}
	git_revwalk_free(w);
	git_error_clear();
	return only_merges;
}

/*
 * Nothing of ours to merge: main moves forward, history stays linear.
 * Only the paths that differ are checked out: comparing every file of a
 * large survey would cost far more.
 */
static int fast_forward(struct ks_repo *r, const git_oid *head,
			const git_oid *theirs, struct ks_gitindex *listed,
			struct ks_diags *d)
{
	struct ks_paths touched = { 0 };
	int err;

	if (changed_paths(&touched, ks_repo_git(r), head, theirs) < 0) {
		ks_paths_release(&touched);
		return ks_error(d, KS_EIO, NULL, 0, 0,
				"cannot compare the histories: %s", ks_git_error());
	}
	if ((err = journal_begin(r, head, theirs, d))) {
		ks_paths_release(&touched);
		return err;
	}
	err = update_worktree(r, head, theirs, &touched, listed, d);
	ks_paths_release(&touched);
	if (err) {
		journal_end(r);
		return err;
	}
	ks_crash_point("merge: work tree updated");
	if ((err = move_main(r, theirs, head, "khaosat merge: fast-forward", d)))
		return err;
	journal_end(r);
	return 0;
}

/* The merge commit of `tree`, then the work tree and main moved to it. */
static int commit_merge(git_oid *out, struct ks_repo *r, const git_oid *head,
			const git_oid *theirs, const git_oid *tree,
			struct ks_paths *touched,
			const struct ks_merge_stats *stats, const char *what,
			struct ks_gitindex *listed, struct ks_objbatch *batch,
			struct ks_diags *d)
{
	struct ks_buf msg = KS_BUF_INIT;
	git_oid parents[2];
	int err;

	/* In the survey's language: the history is everyone's. */
	ks_buf_addf(&msg, _("Merge %s\n\n"), what);
	ks_buf_addf(&msg, Q_("%zu record merged field by field",
			     "%zu records merged field by field", stats->merged),
		    stats->merged);
	if (stats->conflicts)
		ks_buf_addf(&msg, Q_(", %zu conflict kept for review in conflicts/",
				     ", %zu conflicts kept for review in conflicts/",
				     stats->conflicts), stats->conflicts);
	ks_buf_puts(&msg, ".\n");
	git_oid_cpy(&parents[0], head);
	git_oid_cpy(&parents[1], theirs);
	err = ks_commit_tree_only(out, r, tree, parents, 2, msg.ptr, d);
	ks_buf_release(&msg);
	/* the merge's trees and commit on the disk before anything names them */
	if (!err)
		err = ks_objbatch_write(batch, what, d);
	if (!err)
		err = journal_begin(r, head, out, d);
	if (!err && (err = update_worktree(r, head, out, touched, listed, d)))
		journal_end(r);
	if (!err) {
		ks_crash_point("merge: work tree updated");
		err = move_main(r, out, head, "khaosat merge", d);
	}
	if (!err)
		journal_end(r);
	return err;
}

/*
 * After main moved: the index held the old main's tree (`index_head`,
 * as the listing said), and the work tree's update set every path that
 * differs to the new one's, so it holds the new main's.  Noted, so that
 * the next listing (the clash notes that follow an apply, the next
 * check) compares only the work tree with it.
 */
static void index_moved_with_main(struct ks_repo *r, int index_head)
{
	if (index_head)
		ks_changes_index_is_head(r);
}

static int merge_into_main(git_oid *out, struct ks_merge_stats *stats,
			   struct ks_repo *r, const git_oid *theirs,
			   const char *what, int checked, struct ks_diags *d)
{
	git_repository *repo = ks_repo_git(r);
	struct ks_changes ch = { 0 };
	struct ks_paths touched = { 0 };
	struct ks_objbatch *batch = NULL;
	git_oid head, tree;
	int err, index_head;

	memset(stats, 0, sizeof(*stats));
	if ((err = ks_repo_require_identity(r, d)) ||
	    (err = ks_repo_require_main(r, d)))
		return err;
	if (git_reference_name_to_id(&head, repo, KS_MAIN_REF) < 0)
		return ks_error(d, KS_EIO, NULL, 0, 0, "the survey has no commit yet");
	/* Before reading the work tree: in a large survey that costs most. */
	if (git_oid_equal(&head, theirs) ||
	    git_graph_descendant_of(repo, &head, theirs) == 1) {
		stats->up_to_date = 1;
		git_oid_cpy(out, &head);
		return 0;
	}
	if (!checked && (err = ks_changes_list(&ch, r, d)))
		return err;
	/*
	 * Of the listing, whether the index held main's tree, and the index
	 * as read: the work tree's update enters its files there.
	 */
	if (ch.n) {
		ks_changes_release(&ch);
		return ks_error(d, KS_EINVALID, NULL, 0, 0,
				"the work tree has uncommitted changes; commit them first ('khaosat status' lists them)");
	}
	index_head = ch.index_is_head;
	if (git_graph_descendant_of(repo, theirs, &head) == 1) {
		err = fast_forward(r, &head, theirs, ch.index, d);
		ks_changes_release(&ch);
		if (err)
			return err;
		stats->fast_forward = 1;
		git_oid_cpy(out, theirs);
		index_moved_with_main(r, index_head);
		return 0;
	}
	/* A merge commit that cannot be signed as asked: before any object. */
	if ((err = ks_commit_can_sign(r, d))) {
		ks_changes_release(&ch);
		return err;
	}
	/* the objects the merge makes, kept in memory until its commit is */
	if (ks_objbatch_begin(&batch, repo) < 0) {
		ks_changes_release(&ch);
		return ks_error(d, KS_EIO, NULL, 0, 0, "cannot merge: %s",
				ks_git_error());
	}
	if ((err = merge_trees(&tree, stats, r, &head, theirs, &touched, d)) < 0)
		goto out;
	if (brings_nothing(repo, theirs, &head, &tree)) {
		/*
		 * Only merges of what main has, with main's very tree: a
		 * commit would record nothing, and two channels (a stick and a
		 * hub) would then trade such commits for ever.
		 */
		memset(stats, 0, sizeof(*stats));
		stats->up_to_date = 1;
		git_oid_cpy(out, &head);
		err = 0;
		goto out;
	}
	err = commit_merge(out, r, &head, theirs, &tree, &touched, stats, what,
			   ch.index, batch, d);
	if (!err)
		index_moved_with_main(r, index_head);
out:
	ks_objbatch_end(batch);
	ks_changes_release(&ch);
	ks_paths_release(&touched);
	return err;
}

int ks_merge_into_main(git_oid *out, struct ks_merge_stats *stats,
		       struct ks_repo *r, const git_oid *theirs,
		       const char *what, struct ks_diags *d)
{
	return merge_into_main(out, stats, r, theirs, what, 0, d);
}

int ks_merge_into_main_checked(git_oid *out, struct ks_merge_stats *stats,
			       struct ks_repo *r, const git_oid *theirs,
			       const char *what, struct ks_diags *d)
{
	return merge_into_main(out, stats, r, theirs, what, 1, d);
}

/* ---- a surveyor's file against a version that arrived meanwhile ---- */

static struct ks_node *proposer_node(struct ks_doc *doc,
				     const struct ks_proposer *who,
				     const struct ks_node *value,
				     const struct ks_buf *text)
{
	struct ks_node *p = ks_node_map(doc);
	char when[64];
	int e = 0;

	if (!p)
		return NULL;
	ks_format_time(when, sizeof(when), &who->when, 1);
	if (who->commit)
		e |= ks_map_set(doc, p, "commit", str_node(doc, who->commit));
	e |= ks_map_set(doc, p, "author", str_node(doc, who->author));
	e |= ks_map_set(doc, p, "email", str_node(doc, who->email ? who->email : ""));
	e |= ks_map_set(doc, p, "device", str_node(doc, who->device ? who->device : ""));
	e |= ks_map_set(doc, p, "time", str_node(doc, when));
	if (text) {
		struct ks_node *t = ks_node_scalar(doc, text->ptr, text->len, 1);

		e |= ks_map_set(doc, p, "text", t ? t :
				str_node(doc, "(this side's file is not valid UTF-8 text)"));
	} else if (value) {
		e |= ks_map_set(doc, p, "value", ks_node_clone(doc, value));
	} else {
		e |= ks_map_set(doc, p, "deleted", ks_node_scalar(doc, "true", 4, 0));
	}
	return e ? NULL : p;
}

/* Joins `fresh` entries with the conflict file in the work tree. */
static int write_worktree_conflicts(struct ks_repo *r, const char *relpath,
				    struct ks_doc *doc, struct ks_node *fresh,
				    struct ks_diags *d)
{
	struct ks_buf cpath = KS_BUF_INIT, text = KS_BUF_INIT;
	struct ks_doc *old = NULL;
	struct ks_node *entries;
	char *abs = NULL;
	int err = -1;

	if (ks_buf_addf(&cpath, "%s%s", CONFLICTS_DIR, relpath) < 0 ||
	    !(abs = ks_repo_path(r, cpath.ptr)))
		goto out;
	entries = join_open(doc, &old, cpath.ptr,
			    ks_buf_read_file(&text, abs, 0) == 0 ? &text : NULL,
			    fresh);
	ks_buf_reset(&text);
	if (!entries || conflict_text(&text, doc, relpath, entries) < 0)
		goto out;
	err = ks_file_put_text(abs, &text, KS_FILE_DURABLE, d);
out:
	ks_doc_free(old);
	ks_free(abs);
	ks_buf_release(&cpath);
	ks_buf_release(&text);
	return err;
}

static int parse_text(struct ks_doc **doc, const char *path,
		      const struct ks_buf *text)
{
	struct ks_diags ignore = KS_DIAGS_INIT;
	int err;

	*doc = NULL;
	if (!text)
		return 0;
	err = ks_doc_parse(doc, path, text->ptr, text->len, KS_PARSE_RECORD,
			   &ignore);
	ks_diags_release(&ignore);
	return err == -1 ? -1 : err ? 1 : 0;
}

/* How the record at `relpath` merges: its schema, x-merge and layout. */
static void record_rules(const struct ks_snode **schema, unsigned *flags,
			 const void **lctx, struct ks_repo *r,
			 const char *relpath)
{
	struct ks_diags ignore = KS_DIAGS_INIT;
	struct ks_schema *s = NULL;
	struct ks_kind *k;
	char *kind = NULL, *id = NULL;
	const char *xm;

	*schema = NULL;
	*flags = 0;
	*lctx = NULL;
	if (ks_record_path_parse(relpath, &kind, &id) == 0 &&
	    (k = ks_repo_find_kind(r, kind)) &&
	    ks_repo_schema(&s, r, k, &ignore) == 0) {
		xm = ks_schema_xmerge(s);
		*flags = xm && !strcmp(xm, "record") ? KS_MERGE_STRICT : 0;
		*schema = ks_schema_root(s);
		*lctx = ks_schema_layout_root(s);
	}
	ks_diags_release(&ignore);
	ks_free(kind);
	ks_free(id);
}

/*
 * One entry of the conflict file: the field, its base and both
 * proposals.  `mine` and `theirs` are the texts of files that are not
 * records, or NULL.
 */
static struct ks_node *conflict_entry(struct ks_doc *out,
				      const struct ks_mconflict *x,
				      const struct ks_proposer *pm,
				      const struct ks_buf *mine,
				      const struct ks_proposer *pt,
				      const struct ks_buf *theirs)
{
	struct ks_node *e = ks_node_map(out), *props = ks_node_seq(out);
	struct ks_node *po, *pn;

	if (!e || !props ||
	    ks_map_set(out, e, "field", str_node(out, x->field)) < 0 ||
	    (x->base && ks_map_set(out, e, "base",
				   ks_node_clone(out, x->base)) < 0))
		return NULL;
	po = proposer_node(out, pm, x->ours, mine);
	pn = proposer_node(out, pt, x->theirs, theirs);
	if (!po || !pn || ks_seq_push(out, props, po) < 0 ||
	    ks_seq_push(out, props, pn) < 0)
		return NULL;
	if (sort_seq(props, 0) < 0 ||
	    ks_map_set(out, e, "proposals", props) < 0)
		return NULL;
	return e;
}

int ks_merge_worktree_file(size_t *conflicts, struct ks_repo *r,
			   const char *relpath, const struct ks_buf *base,
			   const struct ks_buf *mine, const struct ks_buf *theirs,
			   const struct ks_proposer *pm,
			   const struct ks_proposer *pt, struct ks_diags *d)
{
	struct ks_doc *db = NULL, *dm = NULL, *dt = NULL;
	struct ks_doc *out = ks_doc_new(relpath);
	struct ks_mconflicts c = { 0 };
	struct ks_buf text = KS_BUF_INIT;
	struct ks_node *res = NULL, *fresh;
	const struct ks_snode *schema;
	char *abs = ks_repo_path(r, relpath);
	unsigned flags;
	const void *lctx;
	int eb, em, et, err = -1;
	size_t i;

	*conflicts = 0;
	if (!out || !abs)
		goto out;
	eb = parse_text(&db, relpath, base);
	em = parse_text(&dm, relpath, mine);
	et = parse_text(&dt, relpath, theirs);
	if (eb < 0 || em < 0 || et < 0)
		goto out;
	record_rules(&schema, &flags, &lctx, r, relpath);
	if (em || et || !dm || !dt) {
		/* Unparseable or deleted: the surveyor's file stays as it is
		 * and the other version is kept in the conflict entry. */
		if (ks_mconflicts_add(&c, "", db ? ks_doc_root(db) : NULL,
				      dm ? ks_doc_root(dm) : NULL,
				      dt ? ks_doc_root(dt) : NULL) < 0)
			goto out;
	} else {
		if (ks_merge_nodes(&res, out, db ? ks_doc_root(db) : NULL,
				   ks_doc_root(dm), ks_doc_root(dt), schema,
				   flags, &c) < 0)
			goto out;
		if (res && ks_doc_write(&text, res, lctx ? ks_schema_layout() : NULL,
					lctx) < 0)
			goto out;
	}
	fresh = ks_node_seq(out);
	if (!fresh)
		goto out;
	for (i = 0; i < c.n; i++) {
		int whole = !*c.v[i].field;
		struct ks_node *e = conflict_entry(out, &c.v[i],
						   pm, whole && em ? mine : NULL,
						   pt, whole && et ? theirs : NULL);

		if (!e || ks_seq_push(out, fresh, e) < 0)
			goto out;
	}
	if (!em && !et && dm && dt) {
		if (res)
			err = ks_file_put_text(abs, &text,
					       KS_FILE_DURABLE, d);
		else
			err = unlink(abs) < 0 && errno != ENOENT
				? ks_error(d, KS_EIO, relpath, 0, 0,
					   "cannot remove: %s", strerror(errno))
				: 0;
		if (err)
			goto out;
	} else if (mine) {
		if ((err = ks_file_put_text(abs, mine, KS_FILE_DURABLE, d)))
			goto out;
	}
	if (c.n && (err = write_worktree_conflicts(r, relpath, out, fresh, d)))
		goto out;
	*conflicts = c.n;
	err = 0;
out:
	ks_mconflicts_release(&c);
	ks_doc_free(out);
	ks_doc_free(db);
	ks_doc_free(dm);
	ks_doc_free(dt);
	ks_buf_release(&text);
	ks_free(abs);
	return err;
}
