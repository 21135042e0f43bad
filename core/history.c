/*
 * Field-level history: see history.h.
 *
 * The walk visits every commit reachable from the tip, parents first, and
 * notes the record's blob (and its conflict file's blob) in each.  A commit
 * whose two blobs equal those of a parent shares that parent's state; the
 * others "introduce" a state: the record parsed once per distinct blob,
 * and for each of its leaves the commit that introduced the value (the
 * parent's origin when a parent has the same value there, else this
 * commit).  History is the list of introduced changes, blame the origins
 * at the tip.
 */
#include "history.h"
#include "alloc.h"
#include "buf.h"
#include "check.h"
#include "commit.h"
#include "conflict.h"
#include "diag.h"
#include "oidmap.h"
#include "record.h"
#include "repo.h"
#include "schema.h"
#include "treediff.h"

#include <stdlib.h>
#include <string.h>

#define CONFLICTS_PREFIX "conflicts/"
#define NONE ((size_t)-1)

/* ---- commit information ---- */

int ks_commit_info_fill(struct ks_commit_info *ci, const git_commit *c)
{
	const git_signature *a = git_commit_author(c);
	const char *summary = git_commit_summary((git_commit *)c);

	memset(ci, 0, sizeof(*ci));
	git_oid_cpy(&ci->id, git_commit_id(c));
	ci->summary = ks_strdup(summary ? summary : "");
	ci->author = ks_strdup(a->name);
	ci->email = ks_strdup(a->email);
	ci->device = ks_commit_device(git_commit_message(c));
	ci->when = a->when;
	ci->parents = (int)git_commit_parentcount(c);
	if (!ci->summary || !ci->author || !ci->email) {
		ks_commit_info_release(ci);
		return -1;
	}
	return 0;
}

void ks_commit_info_release(struct ks_commit_info *ci)
{
	ks_free(ci->summary);
	ks_free(ci->author);
	ks_free(ci->email);
	ks_free(ci->device);
	memset(ci, 0, sizeof(*ci));
}

/* ---- reading files at a commit ---- */

/* Parses a blob; *out stays NULL when it does not parse. */
static int parse_blob(struct ks_doc **out, git_repository *repo,
		      const git_oid *id, const char *path)
{
	struct ks_diags quiet = KS_DIAGS_INIT;
	git_blob *b = NULL;
	int err;

	*out = NULL;
	if (git_blob_lookup(&b, repo, id) < 0)
		return KS_EIO;
	err = ks_doc_parse(out, path, git_blob_rawcontent(b),
			   (size_t)git_blob_rawsize(b), KS_PARSE_RECORD, &quiet);
	git_blob_free(b);
	ks_diags_release(&quiet);
	return err == -1 ? -1 : 0;
}

/* The schema of a record's kind, for x-key; NULL when it has none. */
static const struct ks_snode *kind_schema(struct ks_repo *r, const char *path,
					  struct ks_schema **compiled)
{
	struct ks_diags quiet = KS_DIAGS_INIT;
	struct ks_kind *k;
	char *kind = NULL, *id = NULL;

	*compiled = NULL;
	if (ks_record_path_parse(path, &kind, &id) == 0 &&
	    (k = ks_repo_find_kind(r, kind)))
		ks_repo_schema(compiled, r, k, &quiet);
	ks_free(kind);
	ks_free(id);
	ks_diags_release(&quiet);
	return *compiled ? ks_schema_root(*compiled) : NULL;
}

/* ---- the walk ---- */

struct origin {
	char *field;
	size_t commit;		/* walk index */
};

struct state {
	struct ks_doc *doc;	/* the record; NULL: absent or unreadable */
	int unreadable;
	struct ks_doc *conflicts;	/* its conflict file, or NULL */
	struct origin *origins;	/* sorted by field */
	size_t norigins;
};

struct hnode {
	git_oid id;
	git_time_t when;	/* the author's time: which of two writers */
	git_oid blob, cblob;	/* zero when absent */
	size_t parent0, nparents;	/* into walk.parents */
	size_t rep;		/* the node whose state this is, or NONE */
	size_t arrival;		/* the first-parent node that brought it */
	int on_line;		/* on the tip's first-parent line */
	struct state *st;	/* when rep is this node */
};

/*
 * A path looked up in commit after commit.  chain[i] is the id of the tree
 * that holds comps[i] (zero past where the path ends), so a commit whose
 * tree on the path is its parent's costs no read below that point.
 */
struct trail {
	char *buf;		/* the path, cut into comps */
	char *comps[16];
	size_t n;
};

struct walk {
	git_repository *repo;
	const char *path;
	char *cpath;
	struct trail rec, conf;
	git_oid *chains;	/* per node: rec.n then conf.n tree ids */
	size_t chains_alloc;
	size_t *info;		/* node -> index in the caller's commit list */
	struct ks_schema *compiled;	/* the kind's, owned by the repository */
	struct hnode *v;
	size_t n, alloc;
	size_t *parents;
	size_t nparents, parents_alloc;
	struct ks_oidmap index;	/* commit id -> node */
	struct ks_oidmap docs;	/* blob id -> docs[] */
	struct ks_doc **doc_list;
	size_t ndocs, docs_alloc;
	const struct ks_snode *schema;
};

static void walk_release(struct walk *w)
{
	size_t i, j;

	for (i = 0; i < w->n; i++) {
		struct state *st = w->v[i].st;

		if (!st)
			continue;
		for (j = 0; j < st->norigins; j++)
			ks_free(st->origins[j].field);
		ks_free(st->origins);
		ks_free(st);
	}
	for (i = 0; i < w->ndocs; i++)
		ks_doc_free(w->doc_list[i]);
	ks_free(w->doc_list);
	ks_free(w->v);
	ks_free(w->parents);
	ks_free(w->cpath);
	ks_free(w->rec.buf);
	ks_free(w->conf.buf);
	ks_free(w->chains);
	ks_free(w->info);
	ks_oidmap_release(&w->index);
	ks_oidmap_release(&w->docs);
}

/* The parsed blob, shared by every commit that has it. */
static int doc_of(struct ks_doc **out, struct walk *w, const git_oid *blob,
		  const char *path)
{
	size_t i;
	int err;

	*out = NULL;
	if (git_oid_is_zero(blob))
		return 0;
	if (ks_oidmap_get(&w->docs, blob, &i)) {
		*out = w->doc_list[i];
		return 0;
	}
	if ((err = parse_blob(out, w->repo, blob, path)))
		return err;
	if (ks_grow(&w->doc_list, w->ndocs, &w->docs_alloc,
		    sizeof(*w->doc_list), 16) < 0 ||
	    ks_oidmap_put(&w->docs, blob, w->ndocs) < 0) {
		ks_doc_free(*out);
		*out = NULL;
		return -1;
	}
	w->doc_list[w->ndocs++] = *out;
	return 0;
}

static struct state *state_of(const struct walk *w, size_t node)
{
	size_t rep = node == NONE ? NONE : w->v[node].rep;

	return rep == NONE ? NULL : w->v[rep].st;
}

static int origin_cmp(const void *a, const void *b)
{
	return strcmp(((const struct origin *)a)->field,
		      ((const struct origin *)b)->field);
}

static size_t origin_find(const struct state *st, const char *field)
{
	struct origin key = { (char *)field, 0 }, *o;

	if (!st || !st->norigins)
		return NONE;
	o = bsearch(&key, st->origins, st->norigins, sizeof(key), origin_cmp);
	return o ? o->commit : NONE;
}

struct origin_ctx {
	struct walk *w;
	size_t node;
	struct state *st;
	size_t alloc;
};

static const struct ks_node *conflict_entry(const struct ks_doc *cf,
					    const char *field);

/*
 * A resolution that keeps one of the proposals keeps that commit's value:
 * it stays attributed to the commit that wrote it.  Returns that commit's
 * origin for the field, or `node` itself.
 */
static size_t chosen_proposal(const struct walk *w, size_t node,
			      const char *field, const struct ks_node *value)
{
	const struct hnode *h = &w->v[node];
	const struct state *ps;
	const struct ks_node *e = NULL, *list;
	size_t i, len, at;
	git_oid id;

	if (h->nparents != 1)
		return node;
	ps = state_of(w, w->parents[h->parent0]);
	if (!ps || !ps->conflicts)
		return node;
	/* The entry for the field or for a field enclosing it. */
	for (len = strlen(field);; len--) {
		if (!field[len] || field[len] == '/' || field[len] == '[') {
			char *f = ks_strndup(field, len);

			if (!f)
				return node;
			e = conflict_entry(ps->conflicts, f);
			ks_free(f);
			if (e)
				break;
		}
		if (!len)
			return node;
	}
	list = ks_map_get(e, "proposals");
	for (i = 0; list && list->kind == KS_NODE_SEQ && i < list->u.seq.n; i++) {
		const struct ks_node *p = list->u.seq.v[i];
		const struct ks_node *v = ks_map_get(p, "value");
		const struct ks_node *c = ks_map_get(p, "commit");

		if (v && field[len])
			v = ks_field_find(v, field + len, NULL);
		if (!v || !ks_node_equal(v, value) || !c ||
		    c->kind != KS_NODE_SCALAR ||
		    git_oid_fromstr(&id, c->u.scalar.str) < 0 ||
		    !ks_oidmap_get(&w->index, &id, &at))
			continue;
		at = origin_find(state_of(w, at), field);
		return at != NONE ? at : node;
	}
	return node;
}

/*
 * Of two commits that both wrote one value (two laptops that typed the
 * same), the one credited: the earlier, then the smaller id.  Never the
 * order of a merge's parents, which differs from laptop to laptop: every
 * laptop must credit the same commit, or their conflict files differ.
 */
static int credited_before(const struct walk *w, size_t a, size_t b)
{
	if (b == NONE)
		return 1;
	if (w->v[a].when != w->v[b].when)
		return w->v[a].when < w->v[b].when;
	return git_oid_cmp(&w->v[a].id, &w->v[b].id) < 0;
}

/* A leaf's origin: a parent's when a parent has the same value there. */
static int add_origin(const char *field, const struct ks_node *value,
		      int line, void *arg)
{
	struct origin_ctx *oc = arg;
	struct walk *w = oc->w;
	const struct hnode *h = &w->v[oc->node];
	size_t i, from = NONE;
	struct origin *o;

	for (i = 0; i < h->nparents; i++) {
		struct state *ps = state_of(w, w->parents[h->parent0 + i]);
		const struct ks_node *pv;

		if (!ps || !ps->doc)
			continue;
		pv = ks_field_find(ks_doc_root(ps->doc), field, NULL);
		if (pv && ks_node_equal(pv, value)) {
			size_t at = origin_find(ps, field);

			if (at != NONE && credited_before(w, at, from))
				from = at;
		}
	}
	if (from == NONE)
		from = oc->node;
	if (from == oc->node)
		from = chosen_proposal(w, oc->node, field, value);
	if (ks_grow(&oc->st->origins, oc->st->norigins, &oc->alloc,
		    sizeof(*o), 16) < 0)
		return -1;
	o = &oc->st->origins[oc->st->norigins];
	o->field = ks_strdup(field);
	if (!o->field)
		return -1;
	o->commit = from;
	oc->st->norigins++;
	return 0;
}

static int introduce(struct walk *w, size_t node)
{
	struct hnode *h = &w->v[node];
	struct origin_ctx oc = { w, node, NULL, 0 };
	int err;

	h->st = oc.st = ks_calloc(1, sizeof(*oc.st));
	if (!oc.st)
		return -1;
	h->rep = node;
	if ((err = doc_of(&oc.st->doc, w, &h->blob, w->path)) ||
	    (err = doc_of(&oc.st->conflicts, w, &h->cblob, w->cpath)))
		return err;
	oc.st->unreadable = !git_oid_is_zero(&h->blob) && !oc.st->doc;
	if (!oc.st->doc)
		return 0;
	if (ks_field_leaves(ks_doc_root(oc.st->doc), w->schema, add_origin,
			    &oc) < 0)
		return -1;
	qsort(oc.st->origins, oc.st->norigins, sizeof(*oc.st->origins),
	      origin_cmp);
	return 0;
}

/* Places node `i` after its parents, and decides whose state it has. */
static int visit(struct walk *w, size_t i)
{
	struct hnode *h = &w->v[i];
	size_t k;

	h->rep = NONE;
	for (k = 0; k < h->nparents; k++) {
		const struct hnode *p = &w->v[w->parents[h->parent0 + k]];

		if (git_oid_equal(&p->blob, &h->blob) &&
		    git_oid_equal(&p->cblob, &h->cblob)) {
			h->rep = p->rep;
			return 0;
		}
	}
	if (git_oid_is_zero(&h->blob) && git_oid_is_zero(&h->cblob) &&
	    !h->nparents)
		return 0;
	return introduce(w, i);
}

/* Marks the tip's first-parent line and which of its merges brought what. */
static int label_arrivals(struct walk *w)
{
	size_t *line = NULL, nline = 0, *stack = NULL, nstack = 0, alloc = 0;
	size_t i, k, cur;
	int err = -1;

	for (i = 0; i < w->n; i++)
		w->v[i].arrival = NONE;
	line = ks_calloc(w->n + 1, sizeof(*line));
	if (!line)
		return -1;
	for (cur = w->n - 1;; cur = w->parents[w->v[cur].parent0]) {
		w->v[cur].on_line = 1;
		w->v[cur].arrival = cur;
		line[nline++] = cur;
		if (!w->v[cur].nparents)
			break;
	}
	/* Oldest first: what an older merge brought is not a newer one's. */
	while (nline--) {
		const struct hnode *m = &w->v[line[nline]];

		for (k = 1; k < m->nparents; k++) {
			if (ks_grow(&stack, nstack, &alloc, sizeof(*stack), 64) < 0)
				goto out;
			stack[nstack++] = w->parents[m->parent0 + k];
		}
		while (nstack) {
			struct hnode *c = &w->v[stack[--nstack]];

			if (c->arrival != NONE)
				continue;
			c->arrival = line[nline];
			for (k = 0; k < c->nparents; k++) {
				if (ks_grow(&stack, nstack, &alloc, sizeof(*stack),
					    64) < 0)
					goto out;
				stack[nstack++] = w->parents[c->parent0 + k];
			}
		}
	}
	err = 0;
out:
	ks_free(line);
	ks_free(stack);
	return err;
}

static int trail_init(struct trail *t, const char *path)
{
	char *p;

	if (!(t->buf = ks_strdup(path)))
		return -1;
	for (p = t->buf, t->n = 0; p && t->n < 16; t->n++) {
		t->comps[t->n] = p;
		if ((p = strchr(p, '/')))
			*p++ = '\0';
	}
	return p ? KS_EINVALID : 0;
}

/*
 * The blob at the trail's path under `root`, and the trees on the way in
 * `chain`; where a tree equals the one in `prev` (the parent's chain),
 * the rest is the parent's.
 */
static int follow(git_oid *blob, git_oid *chain, const git_oid *prev,
		  const git_oid *prev_blob, git_repository *repo,
		  const git_oid *root, const struct trail *t)
{
	git_oid cur = *root;
	size_t i;

	for (i = 0; i < t->n; i++) {
		git_tree *tree = NULL;
		const git_tree_entry *e;
		git_object_t want = i + 1 < t->n ? GIT_OBJECT_TREE : GIT_OBJECT_BLOB;

		chain[i] = cur;
		if (prev && git_oid_equal(&prev[i], &cur)) {
			memcpy(chain + i, prev + i, (t->n - i) * sizeof(*chain));
			*blob = *prev_blob;
			return 0;
		}
		if (git_tree_lookup(&tree, repo, &cur) < 0)
			return KS_EIO;
		e = git_tree_entry_byname(tree, t->comps[i]);
		if (!e || git_tree_entry_type(e) != want) {
			git_tree_free(tree);
			memset(chain + i + 1, 0, (t->n - i - 1) * sizeof(*chain));
			memset(blob, 0, sizeof(*blob));
			return 0;
		}
		cur = *git_tree_entry_id(e);
		git_tree_free(tree);
	}
	*blob = cur;
	return 0;
}

/* Both blobs of node `i`, its first parent's chains helping. */
static int node_blobs(struct walk *w, size_t i, const git_oid *root)
{
	size_t per = w->rec.n + w->conf.n;
	git_oid *chain = w->chains + i * per;
	const git_oid *prev = NULL, *prev_conf = NULL;
	const git_oid *prev_blob = NULL, *prev_cblob = NULL;
	int err;

	if (w->v[i].nparents) {
		size_t first = w->parents[w->v[i].parent0];

		prev = w->chains + first * per;
		prev_conf = prev + w->rec.n;
		prev_blob = &w->v[first].blob;
		prev_cblob = &w->v[first].cblob;
	}
	if ((err = follow(&w->v[i].blob, chain, prev, prev_blob, w->repo,
			  root, &w->rec)))
		return err;
	return follow(&w->v[i].cblob, chain + w->rec.n, prev_conf, prev_cblob,
		      w->repo, root, &w->conf);
}

/* Adds the node for commit `c`, whose parents are all in the walk. */
static int add_node(struct walk *w, git_commit *c)
{
	size_t per = w->rec.n + w->conf.n, k;
	struct hnode *h;
	int err;

	if (ks_grow(&w->v, w->n, &w->alloc, sizeof(*w->v), 64) < 0 ||
	    ks_grow(&w->chains, (w->n + 1) * per - 1, &w->chains_alloc,
		    sizeof(*w->chains), 64 * per) < 0 ||
	    ks_oidmap_put(&w->index, git_commit_id(c), w->n) < 0)
		return -1;
	h = &w->v[w->n];
	memset(h, 0, sizeof(*h));
	git_oid_cpy(&h->id, git_commit_id(c));
	h->when = git_commit_author(c)->when.time;
	h->parent0 = w->nparents;
	for (k = 0; k < git_commit_parentcount(c); k++) {
		size_t p;

		/* A parent outside the walk (a shallow history) is none. */
		if (!ks_oidmap_get(&w->index, git_commit_parent_id(c, (unsigned)k), &p))
			continue;
		if (ks_grow(&w->parents, w->nparents, &w->parents_alloc,
			    sizeof(*w->parents), 64) < 0)
			return -1;
		w->parents[w->nparents++] = p;
		h->nparents++;
	}
	if ((err = node_blobs(w, w->n, git_commit_tree_id(c))))
		return err;
	w->n++;
	return visit(w, w->n - 1);
}

/*
 * Every commit of the tip's history, parents before children, each read
 * once (a revwalk reads commits, then looking each up reads it again): a
 * depth-first walk that takes first parents first and adds a commit when
 * its parents are in.
 */
static int walk_commits(struct walk *w, git_commit *tip)
{
	struct frame {
		git_commit *c;		/* NULL until read */
		git_oid id;
	} *stack = NULL;
	size_t n = 0, alloc = 0, k;
	int err = 0;

	if (ks_grow(&stack, 0, &alloc, sizeof(*stack), 64) < 0)
		return -1;
	stack[n].c = NULL;
	git_oid_cpy(&stack[n++].id, git_commit_id(tip));
	while (n && !err) {
		struct frame *f = &stack[n - 1];
		git_commit *c;

		if (ks_oidmap_get(&w->index, &f->id, NULL)) {
			git_commit_free(f->c);
			n--;
			continue;
		}
		if (f->c) {
			c = f->c;
			n--;
			err = add_node(w, c);
			git_commit_free(c);
			continue;
		}
		if (git_commit_lookup(&f->c, w->repo, &f->id) < 0) {
			err = KS_EIO;
			break;
		}
		c = f->c;
		/* Pushed last, popped first: the first parent goes first. */
		for (k = git_commit_parentcount(c); k-- > 0 && !err;) {
			const git_oid *pid = git_commit_parent_id(c, (unsigned)k);

			if (ks_oidmap_get(&w->index, pid, NULL))
				continue;
			if (ks_grow(&stack, n, &alloc, sizeof(*stack), 64) < 0) {
				err = -1;
				break;
			}
			stack[n].c = NULL;
			git_oid_cpy(&stack[n++].id, pid);
		}
	}
	while (n--)
		git_commit_free(stack[n].c);
	ks_free(stack);
	return err;
}

static int walk_record(struct walk *w, struct ks_repo *r, const char *path,
		       git_commit *tip, struct ks_diags *d)
{
	size_t i;
	int err;

	w->repo = ks_repo_git(r);
	w->path = path;
	{
		struct ks_buf cp = KS_BUF_INIT;

		if (ks_buf_addf(&cp, "%s%s", CONFLICTS_PREFIX, path) < 0)
			return -1;
		w->cpath = ks_buf_detach(&cp, NULL);
	}
	if ((err = trail_init(&w->rec, path)) || (err = trail_init(&w->conf, w->cpath)))
		return err == KS_EINVALID ? ks_error(d, err, path, 0, 0, "path too deep") : err;
	if ((err = walk_commits(w, tip)) == KS_EIO)
		return ks_error(d, KS_EIO, NULL, 0, 0, "cannot read the history: %s",
				ks_git_error());
	if (err)
		return err;
	if (!w->n)
		return ks_error(d, KS_ENOTFOUND, NULL, 0, 0, "no commits to read");
	if (label_arrivals(w) < 0)
		return -1;
	for (i = 0; i < w->n; i++)
		if (w->v[i].rep != NONE)
			return 0;
	return KS_ENOTFOUND;
}

void ks_commit_list_release(struct ks_commit_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		ks_commit_info_release(&l->v[i]);
	ks_free(l->v);
	memset(l, 0, sizeof(*l));
}

/* The commit information of a walk node, added once to `list`. */
static int info_index(size_t *out, struct walk *w,
		      struct ks_commit_list *list, size_t node)
{
	size_t *map = w->info;
	struct ks_commit_info *ci;
	git_commit *c = NULL, *m = NULL;
	const struct hnode *h = &w->v[node];

	if (map[node] != NONE) {
		*out = map[node];
		return 0;
	}
	if (ks_grow(&list->v, list->n, &list->alloc, sizeof(*list->v), 16) < 0)
		return -1;
	ci = &list->v[list->n];
	if (git_commit_lookup(&c, w->repo, &h->id) < 0)
		return KS_EIO;
	if (ks_commit_info_fill(ci, c) < 0) {
		git_commit_free(c);
		return -1;
	}
	git_commit_free(c);
	if (!h->on_line && h->arrival != NONE &&
	    git_commit_lookup(&m, w->repo, &w->v[h->arrival].id) == 0) {
		ci->arrived = 1;
		git_oid_cpy(&ci->arrival, git_commit_id(m));
		ci->arrival_when = git_commit_committer(m)->when;
		git_commit_free(m);
	}
	*out = map[node] = list->n++;
	return 0;
}

/* ---- finding the record ---- */

static int tip_or_head(git_commit **out, struct ks_repo *r, git_commit *tip,
		       struct ks_diags *d)
{
	git_oid head;

	if (tip)
		return git_commit_dup(out, tip) < 0 ? KS_EIO : 0;
	if (git_reference_name_to_id(&head, ks_repo_git(r), "HEAD") < 0 ||
	    git_commit_lookup(out, ks_repo_git(r), &head) < 0)
		return ks_error(d, KS_ENOTFOUND, NULL, 0, 0,
				"the survey has no commit yet");
	return 0;
}

/* The record's path in commit `c`, when it is there (*out stays NULL). */
static int path_at(char **out, struct ks_repo *r, git_commit *c,
		   const char *id)
{
	git_tree *t = NULL;
	git_oid blob;
	size_t i;

	*out = NULL;
	if (git_commit_tree(&t, c) < 0)
		return 0;
	for (i = 0; i < ks_repo_kind_count(r) && !*out; i++) {
		char *rel = ks_record_relpath(ks_repo_kind(r, i)->name, id);

		if (!rel) {
			git_tree_free(t);
			return -1;
		}
		if (ks_tree_blob(&blob, t, rel))
			*out = rel;
		else
			ks_free(rel);
	}
	git_tree_free(t);
	return 0;
}

/*
 * The record's path: ids do not say their kind, so try each kind's place,
 * at the tip first, then back through history (a deleted record had one).
 */
int ks_record_path_in_history(char **out, struct ks_repo *r, const char *id,
			      git_commit *tip, struct ks_diags *d)
{
	git_repository *repo = ks_repo_git(r);
	git_revwalk *rw = NULL;
	git_commit *start = NULL;
	git_oid oid;
	int err;

	*out = NULL;
	if (ks_id_parse(id, NULL, NULL) < 0)
		return ks_error(d, KS_ENOTFOUND, NULL, 0, 0,
				"no record \"%s\": a record id is a device id, a dash and a number (md01-0042)",
				id);
	if ((err = tip_or_head(&start, r, tip, d)))
		return err;
	/* Where it is now, usually: no walk needed. */
	if ((err = path_at(out, r, start, id)) || *out)
		goto out;
	if (git_revwalk_new(&rw, repo) < 0 ||
	    git_revwalk_push(rw, git_commit_id(start)) < 0) {
		err = ks_error(d, KS_EIO, NULL, 0, 0, "cannot read the history: %s",
			       ks_git_error());
		goto out;
	}
	git_revwalk_sorting(rw, GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME);
	while (!*out) {
		git_commit *c = NULL;
		int rc = git_revwalk_next(&oid, rw);

		if (rc == GIT_ITEROVER)
			break;
		if (rc < 0 || git_commit_lookup(&c, repo, &oid) < 0) {
			err = ks_error(d, KS_EIO, NULL, 0, 0,
				       "cannot read the history: %s; the survey's files are damaged ('khaosat verify' says where)",
				       ks_git_error());
			goto out;
		}
		err = path_at(out, r, c, id);
		git_commit_free(c);
		if (err)
			goto out;
	}
	err = *out ? 0 : ks_error(d, KS_ENOTFOUND, NULL, 0, 0,
				  "no record \"%s\" in the history of the survey",
				  id);
out:
	git_revwalk_free(rw);
	git_commit_free(start);
	return err;
}

/* ---- history ---- */

void ks_history_release(struct ks_history *h)
{
	size_t i;

	ks_commit_list_release(&h->commits);
	for (i = 0; i < h->nevents; i++)
		ks_free(h->events[i].change.field);
	for (i = 0; i < h->ndocs; i++)
		ks_doc_free(h->docs[i]);
	ks_free(h->events);
	ks_free(h->docs);
	ks_free(h->path);
	memset(h, 0, sizeof(*h));
}

struct hbuild {
	struct walk *w;
	struct ks_history *h;
	const char *field;	/* the filter, or NULL */
};

/* The value at `field` in a node's record, or NULL. */
static const struct ks_node *value_in(const struct walk *w, size_t node,
				      const char *field)
{
	struct state *st = state_of(w, node);

	if (!st || !st->doc)
		return NULL;
	return *field ? ks_field_find(ks_doc_root(st->doc), field, NULL)
		      : ks_doc_root(st->doc);
}

static int same_value(const struct ks_node *a, const struct ks_node *b)
{
	return (!a && !b) || (a && b && ks_node_equal(a, b));
}

static int add_event(struct hbuild *hb, size_t node, enum ks_event_kind kind,
		     enum ks_field_op op, const char *field,
		     const struct ks_node *old, const struct ks_node *new,
		     const struct ks_node *proposals)
{
	struct ks_history *h = hb->h;
	struct ks_event *e;
	size_t ci;
	int err;

	/* With a field asked for, a change around it is narrowed to it. */
	if (hb->field) {
		if (!ks_field_overlaps(field, hb->field))
			return 0;
		if (strlen(field) < strlen(hb->field)) {
			const char *rest = hb->field + strlen(field);

			old = old ? ks_field_find(old, rest, NULL) : NULL;
			new = new ? ks_field_find(new, rest, NULL) : NULL;
			if (kind != KS_EVENT_CONFLICT && same_value(old, new))
				return 0;
			if (kind != KS_EVENT_CONFLICT)
				op = !old ? KS_FIELD_ADDED
				   : !new ? KS_FIELD_REMOVED : KS_FIELD_CHANGED;
			field = hb->field;
		}
	}
	if ((err = info_index(&ci, hb->w, &h->commits, node)))
		return err;
	if (ks_grow(&h->events, h->nevents, &h->events_alloc,
		    sizeof(*h->events), 32) < 0)
		return -1;
	e = &h->events[h->nevents];
	memset(e, 0, sizeof(*e));
	e->change.field = ks_strdup(field);
	if (!e->change.field)
		return -1;
	e->kind = kind;
	e->commit = ci;
	e->change.op = op;
	e->change.old = old;
	e->change.new = new;
	e->proposals = proposals;
	h->nevents++;
	return 0;
}

/* The conflict entry for `field` in a conflict file, or NULL. */
static const struct ks_node *conflict_entry(const struct ks_doc *cf,
					    const char *field)
{
	const struct ks_node *list = cf ? ks_map_get(ks_doc_root(cf),
						     "conflicts") : NULL;
	size_t i;

	if (!list || list->kind != KS_NODE_SEQ)
		return NULL;
	for (i = 0; i < list->u.seq.n; i++) {
		const struct ks_node *f = ks_map_get(list->u.seq.v[i], "field");

		if (f && f->kind == KS_NODE_SCALAR && !strcmp(f->u.scalar.str, field))
			return list->u.seq.v[i];
	}
	return NULL;
}

/* 1 when a conflict on a field overlapping `field` is open in `before`
   and gone from `after`: the commit settled it. */
static int settles(const struct ks_doc *before, const struct ks_doc *after,
		   const char *field)
{
	const struct ks_node *list = before ? ks_map_get(ks_doc_root(before),
							 "conflicts") : NULL;
	size_t i;

	if (!list || list->kind != KS_NODE_SEQ)
		return 0;
	for (i = 0; i < list->u.seq.n; i++) {
		const struct ks_node *f = ks_map_get(list->u.seq.v[i], "field");

		if (f && f->kind == KS_NODE_SCALAR &&
		    ks_field_overlaps(f->u.scalar.str, field) &&
		    !conflict_entry(after, f->u.scalar.str))
			return 1;
	}
	return 0;
}

/* A merge's change is its own only when no parent had the new value. */
static int from_a_parent(const struct walk *w, size_t node,
			 const struct ks_field_change *c)
{
	const struct hnode *h = &w->v[node];
	size_t k;

	for (k = 0; k < h->nparents; k++)
		if (same_value(value_in(w, w->parents[h->parent0 + k], c->field),
			       c->new))
			return 1;
	return 0;
}

static int node_events(struct hbuild *hb, size_t node)
{
	struct walk *w = hb->w;
	const struct hnode *h = &w->v[node];
	struct state *st = h->st, *before;
	size_t p0 = h->nparents ? w->parents[h->parent0] : NONE;
	const struct ks_node *old, *new, *list;
	struct ks_field_changes ch = { 0 };
	int merge = h->nparents > 1, err = 0;
	size_t i, k;

	before = state_of(w, p0);
	old = before && before->doc ? ks_doc_root(before->doc) : NULL;
	new = st->doc ? ks_doc_root(st->doc) : NULL;
	if (st->unreadable)
		return add_event(hb, node, KS_EVENT_EDIT, KS_FIELD_CHANGED, "",
				 old, NULL, NULL);
	if (!old && new) {
		/* Created: each field is a change of its own. */
		for (i = 0; i < new->u.map.n && !err; i++) {
			struct ks_buf f = KS_BUF_INIT;

			if (merge && from_a_parent(w, node, &(struct ks_field_change){
					KS_FIELD_ADDED, "", NULL, new }))
				break;
			if (ks_buf_addf(&f, "/%s", new->u.map.v[i].key) < 0)
				return -1;
			err = add_event(hb, node, merge ? KS_EVENT_MERGE : KS_EVENT_EDIT,
					KS_FIELD_ADDED, f.ptr, NULL,
					new->u.map.v[i].value, NULL);
			if (!err && hb->h->nevents)
				hb->h->events[hb->h->nevents - 1].created = 1;
			ks_buf_release(&f);
		}
	} else if (ks_field_diff(&ch, old, new, w->schema) < 0) {
		return -1;
	}
	for (i = 0; i < ch.n && !err; i++) {
		const struct ks_field_change *c = &ch.v[i];
		enum ks_event_kind kind = KS_EVENT_EDIT;
		size_t before_n = hb->h->nevents;

		if (merge) {
			if (from_a_parent(w, node, c))
				continue;
			kind = KS_EVENT_MERGE;
		} else if (settles(before ? before->conflicts : NULL,
				   st->conflicts, c->field)) {
			kind = KS_EVENT_RESOLUTION;
		}
		err = add_event(hb, node, kind, c->op, c->field, c->old, c->new,
				NULL);
		if (!err && !new && hb->h->nevents > before_n)
			hb->h->events[hb->h->nevents - 1].deleted = 1;
	}
	ks_field_changes_release(&ch);
	if (err || !merge || !st->conflicts)
		return err;
	/* Conflicts this merge recorded (not taken from a parent). */
	list = ks_map_get(ks_doc_root(st->conflicts), "conflicts");
	for (i = 0; list && list->kind == KS_NODE_SEQ && i < list->u.seq.n; i++) {
		const struct ks_node *e = list->u.seq.v[i];
		const struct ks_node *f = ks_map_get(e, "field");
		int known = 0;

		if (!f || f->kind != KS_NODE_SCALAR)
			continue;
		for (k = 0; k < h->nparents && !known; k++) {
			struct state *ps = state_of(w, w->parents[h->parent0 + k]);

			known = ps && conflict_entry(ps->conflicts, f->u.scalar.str);
		}
		if (!known &&
		    (err = add_event(hb, node, KS_EVENT_CONFLICT, '!',
				     f->u.scalar.str, ks_map_get(e, "base"),
				     NULL, ks_map_get(e, "proposals"))))
			return err;
	}
	return 0;
}

/*
 * What history and blame share: the record's path, its kind's schema and
 * the walk of the tip's history (HEAD when `tip` is NULL).
 */
static int walk_of(struct walk *w, char **path, struct ks_repo *r,
		   const char *id, git_commit *tip, struct ks_diags *d)
{
	git_commit *start = NULL;
	int err;

	if ((err = tip_or_head(&start, r, tip, d)) ||
	    (err = ks_record_path_in_history(path, r, id, start, d)))
		goto out;
	w->schema = kind_schema(r, *path, &w->compiled);
	if ((err = walk_record(w, r, *path, start, d)))
		goto out;
	w->info = ks_malloc(w->n * sizeof(*w->info));
	if (!w->info) {
		err = -1;
		goto out;
	}
	memset(w->info, 0xff, w->n * sizeof(*w->info));
out:
	git_commit_free(start);
	return err;
}

int ks_history_record(struct ks_history *out, struct ks_repo *r,
		      const char *id, git_commit *tip, const char *field,
		      struct ks_diags *d)
{
	struct walk w = { 0 };
	struct hbuild hb = { &w, out, field && *field ? field : NULL };
	size_t i;
	int err;

	memset(out, 0, sizeof(*out));
	if ((err = walk_of(&w, &out->path, r, id, tip, d)))
		goto out;
	out->schema = w.schema;
	for (i = 0; i < w.n && !err; i++)
		if (w.v[i].rep == i)
			err = node_events(&hb, i);
	/* The nodes point into the walk's documents: keep them. */
	out->docs = w.doc_list;
	out->ndocs = out->docs_alloc = w.ndocs;
	w.doc_list = NULL;
	w.ndocs = 0;
out:
	walk_release(&w);
	if (err)
		ks_history_release(out);
	return err;
}

/* ---- blame ---- */

void ks_blame_release(struct ks_blame *b)
{
	size_t i;

	ks_commit_list_release(&b->commits);
	for (i = 0; i < b->nlines; i++)
		ks_free(b->lines[i].field);
	ks_free(b->lines);
	ks_free(b->text);
	ks_doc_free(b->doc);
	ks_free(b->path);
	memset(b, 0, sizeof(*b));
}

struct bbuild {
	struct walk *w;
	struct ks_blame *b;
	struct state *st;
};

static int blame_leaf(const char *field, const struct ks_node *value,
		      int line, void *arg)
{
	struct bbuild *bb = arg;
	struct ks_blame *b = bb->b;
	struct ks_blame_line *l;
	size_t node = origin_find(bb->st, field), ci;
	int err;

	if (node == NONE)
		return 0;
	if ((err = info_index(&ci, bb->w, &b->commits, node)))
		return err;
	if (ks_grow(&b->lines, b->nlines, &b->lines_alloc, sizeof(*b->lines),
		    32) < 0)
		return -1;
	l = &b->lines[b->nlines];
	l->field = ks_strdup(field);
	if (!l->field)
		return -1;
	l->value = value;
	l->commit = ci;
	l->line = line;
	b->nlines++;
	return 0;
}

int ks_blame_record(struct ks_blame *out, struct ks_repo *r, const char *id,
		    git_commit *tip, struct ks_diags *d)
{
	struct walk w = { 0 };
	struct bbuild bb = { &w, out, NULL };
	struct ks_buf text = KS_BUF_INIT;
	int err;

	memset(out, 0, sizeof(*out));
	if ((err = walk_of(&w, &out->path, r, id, tip, d)))
		goto out;
	out->schema = w.schema;
	bb.st = state_of(&w, w.n - 1);
	if (!bb.st || (!bb.st->doc && !bb.st->unreadable)) {
		err = ks_error(d, KS_ENOTFOUND, NULL, 0, 0,
			       "record \"%s\" was deleted; 'khaosat history %s' shows what it held",
			       id, id);
		goto out;
	}
	if (!bb.st->doc) {
		err = ks_error(d, KS_EINVALID, out->path, 0, 0,
			       "the committed record cannot be read as YAML");
		goto out;
	}
	/* Blame the canonical text: its lines are where the fields are. */
	if (ks_doc_write(&text, ks_doc_root(bb.st->doc), ks_schema_layout(),
			 w.compiled ? ks_schema_layout_root(w.compiled) : NULL) < 0 ||
	    ks_doc_parse(&out->doc, out->path, text.ptr, text.len,
			 KS_PARSE_RECORD, d) != 0)
		goto oom;
	out->text = ks_buf_detach(&text, NULL);
	err = ks_field_leaves(ks_doc_root(out->doc), w.schema, blame_leaf, &bb);
	goto out;
oom:
	err = -1;
out:
	ks_buf_release(&text);
	walk_release(&w);
	if (err)
		ks_blame_release(out);
	return err;
}

/* ---- the commit behind one value ---- */

struct ks_origins {
	struct walk w;
};

int ks_origins_open(struct ks_origins **out, struct ks_repo *r,
		    const char *path, git_commit *tip, struct ks_diags *d)
{
	struct ks_origins *o = ks_calloc(1, sizeof(*o));
	int err;

	*out = NULL;
	if (!o)
		return -1;
	o->w.schema = kind_schema(r, path, &o->w.compiled);
	if ((err = walk_record(&o->w, r, path, tip, d))) {
		ks_origins_free(o);
		return err;
	}
	*out = o;
	return 0;
}

/* 1 when node `i` holds `v` at `field` (or, for a file that does not
   parse, the tip's blob). */
static int holds(const struct walk *w, size_t i, const char *field,
		 const struct ks_node *v, const git_oid *blob)
{
	return blob ? git_oid_equal(&w->v[i].blob, blob)
		    : same_value(value_in(w, i, field), v);
}

static int origin_of_state(git_oid *out, struct ks_origins *o,
			   const char *field, const struct ks_node *v,
			   int unreadable)
{
	const struct walk *w = &o->w;
	const git_oid *blob = unreadable ? &w->v[w->n - 1].blob : NULL;
	size_t *at = ks_malloc(w->n * sizeof(*at)), i, k;

	if (!at)
		return -1;
	for (i = 0; i < w->n; i++) {
		const struct hnode *h = &w->v[i];

		at[i] = NONE;
		if (!holds(w, i, field, v, blob))
			continue;
		for (k = 0; k < h->nparents; k++) {
			size_t p = w->parents[h->parent0 + k];

			if (at[p] != NONE && credited_before(w, at[p], at[i]))
				at[i] = at[p];
		}
		if (at[i] == NONE)
			at[i] = i;
	}
	git_oid_cpy(out, &w->v[at[w->n - 1] != NONE ? at[w->n - 1] : w->n - 1].id);
	ks_free(at);
	return 0;
}

int ks_origins_find(git_oid *out, struct ks_origins *o, const char *field)
{
	const struct walk *w = &o->w;
	size_t node = w->n - 1, best = NONE, i;
	const struct state *st = state_of(w, node);
	const struct ks_node *v = value_in(w, node, field);

	/*
	 * A leaf (a scalar, a plain list): its origin, as blame has it, seen
	 * through merges and through settlements that kept a proposal.
	 */
	for (i = 0; v && st && i < st->norigins; i++)
		if (!strcmp(field, st->origins[i].field))
			best = st->origins[i].commit;
	if (best != NONE) {
		git_oid_cpy(out, &w->v[best].id);
		return 0;
	}
	/*
	 * A mapping, a whole record, a value that is absent or a file that
	 * does not parse: the commit where it became what it is (for a value
	 * whose parts came from two lines, the merge that joined them),
	 * computed for every commit in order, parents first, with the same
	 * choice between two writers as for a leaf.
	 */
	return origin_of_state(out, o, field, v, st && st->unreadable);
}

void ks_origins_free(struct ks_origins *o)
{
	if (!o)
		return;
	walk_release(&o->w);
	ks_free(o);
}

/* ---- diff between two points ---- */

void ks_file_diffs_release(struct ks_file_diffs *f)
{
	size_t i;

	for (i = 0; i < f->n; i++) {
		struct ks_file_diff *e = &f->v[i];

		ks_free(e->path);
		ks_free(e->kind);
		ks_free(e->id);
		ks_free(e->unreadable);
		ks_doc_free(e->old);
		ks_doc_free(e->new);
		ks_field_changes_release(&e->fields);
	}
	ks_free(f->v);
	memset(f, 0, sizeof(*f));
}

struct tree_paths {
	struct ks_paths *out;
	int oom;
};

static int add_tree_path(const git_diff_delta *dd, float progress, void *p)
{
	struct tree_paths *tp = p;

	(void)progress;
	tp->oom = ks_paths_add(tp->out, dd->new_file.path ? dd->new_file.path
							   : dd->old_file.path) < 0;
	return tp->oom ? -1 : 0;
}

static int tree_paths(struct ks_paths *out, git_repository *repo,
		      git_tree *a, git_tree *b, const char *only)
{
	struct tree_paths tp = { out, 0 };
	int err = ks_tree_diff(repo, a, b, only, add_tree_path, &tp);

	return tp.oom ? -1 : err ? KS_EIO : 0;
}
/* The bytes of `path` at a tree, or in the work tree when `t` is NULL. */
static int read_side(struct ks_buf *out, int *present, struct ks_repo *r,
		     git_tree *t, const char *path)
{
	git_blob *b = NULL;
	git_oid id;

	*present = 0;
	if (t) {
		if (!ks_tree_blob(&id, t, path))
			return 0;
		if (git_blob_lookup(&b, ks_repo_git(r), &id) < 0)
			return KS_EIO;
		*present = 1;
		if (ks_buf_add(out, git_blob_rawcontent(b),
			       (size_t)git_blob_rawsize(b)) < 0) {
			git_blob_free(b);
			return -1;
		}
		git_blob_free(b);
	} else {
		char *abs = ks_repo_path(r, path);

		if (!abs)
			return -1;
		if (ks_buf_read_file(out, abs, KS_MAX_RECORD_SIZE) == 0)
			*present = 1;
		ks_free(abs);
	}
	/* Never a NULL pointer for an empty file. */
	return ks_buf_puts(out, "") < 0 ? -1 : 0;
}

/* Parses one side; on failure keeps the first reason in *why. */
static int parse_side(struct ks_doc **out, const struct ks_buf *b,
		      const char *path, char **why)
{
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_buf msg = KS_BUF_INIT;
	int err = ks_doc_parse(out, path, b->ptr, b->len, 0, &d);

	if (err && err != -1 && !*why && d.n) {
		ks_diag_format(&msg, &d.v[0]);
		while (msg.len && msg.ptr[msg.len - 1] == '\n')
			msg.ptr[--msg.len] = '\0';
		*why = ks_buf_detach(&msg, NULL);
		err = 0;
	} else if (err && err != -1) {
		err = 0;
	}
	ks_diags_release(&d);
	return err;
}

static int diff_file(struct ks_file_diffs *out, struct ks_repo *r,
		     git_tree *from, git_tree *to, const char *path)
{
	struct ks_buf a = KS_BUF_INIT, b = KS_BUF_INIT;
	struct ks_file_diff *e;
	struct ks_schema *schema = NULL;
	const struct ks_snode *s;
	int in_a, in_b, err;

	if ((err = read_side(&a, &in_a, r, from, path)) ||
	    (err = read_side(&b, &in_b, r, to, path)))
		goto out;
	if ((!in_a && !in_b) ||
	    (in_a && in_b && a.len == b.len && !memcmp(a.ptr, b.ptr, a.len)))
		goto out;
	err = -1;
	if (ks_grow(&out->v, out->n, &out->alloc, sizeof(*out->v), 16) < 0)
		goto out;
	e = &out->v[out->n++];
	memset(e, 0, sizeof(*e));
	e->what = !in_a ? KS_FILE_ADDED : !in_b ? KS_FILE_DELETED
			: KS_FILE_MODIFIED;
	if (!(e->path = ks_strdup(path)))
		goto out;
	ks_record_path_parse(path, &e->kind, &e->id);
	if ((in_a && parse_side(&e->old, &a, path, &e->unreadable) < 0) ||
	    (in_b && parse_side(&e->new, &b, path, &e->unreadable) < 0))
		goto out;
	err = 0;
	if (e->unreadable)
		goto out;
	s = e->kind ? kind_schema(r, path, &schema) : NULL;
	err = ks_field_diff(&e->fields, e->old ? ks_doc_root(e->old) : NULL,
			    e->new ? ks_doc_root(e->new) : NULL, s);
out:
	ks_buf_release(&a);
	ks_buf_release(&b);
	return err;
}

int ks_survey_diff(struct ks_file_diffs *out, struct ks_repo *r,
		   git_commit *from, git_commit *to, const char *only,
		   struct ks_diags *d)
{
	git_repository *repo = ks_repo_git(r);
	git_tree *ta = NULL, *tb = NULL, *th = NULL;
	git_commit *head = NULL;
	struct ks_paths paths = { 0 };
	struct ks_changes wt = { 0 };
	git_oid hid;
	size_t i;
	int err;

	memset(out, 0, sizeof(*out));
	if (git_commit_tree(&ta, from) < 0 ||
	    (to && git_commit_tree(&tb, to) < 0))
		goto gitfail;
	if (to) {
		err = tree_paths(&paths, repo, ta, tb, only);
	} else {
		/* The work tree: from `from` to HEAD, then HEAD to the files. */
		if (git_reference_name_to_id(&hid, repo, "HEAD") < 0 ||
		    git_commit_lookup(&head, repo, &hid) < 0 ||
		    git_commit_tree(&th, head) < 0)
			goto gitfail;
		err = tree_paths(&paths, repo, ta, th, only);
		if (!err && !(err = ks_changes_list(&wt, r, d)))
			for (i = 0; i < wt.n && !err; i++)
				if (!only || !strcmp(only, wt.v[i].path))
					err = ks_paths_add(&paths, wt.v[i].path);
	}
	if (err == KS_EIO)
		goto gitfail;
	if (err)
		goto out;
	ks_paths_sort(&paths);
	for (i = 0; i < paths.n && !err; i++) {
		if ((i && !strcmp(paths.v[i], paths.v[i - 1])) ||
		    !ks_is_survey_path(paths.v[i]))
			continue;
		err = diff_file(out, r, ta, tb, paths.v[i]);
	}
	if (err == KS_EIO)
		goto gitfail;
	goto out;
gitfail:
	err = ks_error(d, KS_EIO, NULL, 0, 0, "cannot compare: %s",
		       ks_git_error());
out:
	ks_changes_release(&wt);
	ks_paths_release(&paths);
	git_tree_free(ta);
	git_tree_free(tb);
	git_tree_free(th);
	git_commit_free(head);
	if (err)
		ks_file_diffs_release(out);
	return err;
}
