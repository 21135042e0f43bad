/*
 * khaosat export: one snapshot of a survey (the work tree, or a commit's
 * tree read from git), each record's status as check would give it, and
 * the records streamed one at a time into a writer.  See export.h.
 */
#include "export.h"
#include "intl.h"
#include "export_int.h"
#include "alloc.h"
#include "attachpath.h"
#include "buf.h"
#include "media.h"
#include "check.h"
#include "commit.h"
#include "diag.h"
#include "file.h"
#include "record.h"
#include "repo.h"
#include "rev.h"
#include "schema.h"
#include "text.h"
#include "unique.h"
#include "vnkey.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define TREE_URI "khaosat-tree:/"

struct xkind {
	char *name, *title, *schema_path;
	struct ks_schema *schema;
	int own;		/* compiled from a commit: ours to free */
	int selected;
	struct ks_xplan plan;
};

struct xrec {
	char *path;
	git_oid oid;		/* the blob, when read from a commit */
	long kind;		/* index in kinds, -1 for no known kind */
	char *id;		/* from the file name */
	int placed;		/* where its kind and id say it belongs */
	char device[KS_DEVICE_MAX + 1];
	unsigned long counter;
};

struct xconf {
	char *path;		/* the record's */
	char **fields;
	size_t n;
};

struct xcond {
	char *field;
	char *value;		/* NFC */
	char *key;		/* its text key, as statistics group it */
	char **segs;
	size_t nsegs;
};

struct ks_export {
	struct ks_repo *r;
	int people;		/* a spreadsheet or CSV: words in the language */
	git_commit *commit;	/* HEAD or the --at commit; may be NULL */
	git_tree *tree;		/* NULL: the work tree */
	char *at;
	char *name, *survey_id;
	struct xkind *kinds;
	size_t nkinds;
	struct xrec *recs;
	size_t nrecs, alloc;
	const char **paths;	/* every record path, sorted: references */
	struct xconf *confs;
	size_t nconfs, confalloc;
	struct xcond *conds;
	size_t nconds, condalloc;
	int any_selected;
	int thumbs;		/* a spreadsheet: each record's first photo */
	size_t nthumbs;
	char *copy;		/* "FOLDER/": attached files are copied here */
	struct ks_export_stats st;
};

/* ---- reading files of the snapshot ---- */

/* "main~2:khaosat.yaml": git's name for a file at a revision. */
static char *display_name(const struct ks_export *x, const char *path)
{
	struct ks_buf b = KS_BUF_INIT;

	if ((x->tree ? ks_buf_addf(&b, "%s:%s", x->at, path)
		     : ks_buf_puts(&b, path)) < 0) {
		ks_buf_release(&b);
		return NULL;
	}
	return ks_buf_detach(&b, NULL);
}

static int read_blob(struct ks_doc **out, struct ks_export *x,
		     const git_oid *oid, const char *display, unsigned flags,
		     struct ks_diags *d)
{
	git_blob *b = NULL;
	int err;

	if (git_blob_lookup(&b, ks_repo_git(x->r), oid) < 0)
		return ks_error(d, KS_EIO, display, 0, 0, "cannot read: %s",
				ks_git_error());
	err = ks_doc_parse(out, display, git_blob_rawcontent(b),
			   (size_t)git_blob_rawsize(b), flags, d);
	git_blob_free(b);
	return err;
}

/* Parses the file at `path` of the snapshot; KS_ENOTFOUND when absent. */
static int load(struct ks_doc **out, struct ks_export *x, const char *path,
		const git_oid *oid, unsigned flags, struct ks_diags *d)
{
	char *disp = display_name(x, path), *abs = NULL;
	git_tree_entry *e = NULL;
	int err;

	*out = NULL;
	if (!disp)
		return -1;
	if (!x->tree) {
		abs = ks_repo_path(x->r, path);
		err = abs ? ks_doc_load(out, abs, disp, flags, d) : -1;
	} else if (oid) {
		err = read_blob(out, x, oid, disp, flags, d);
	} else if (git_tree_entry_bypath(&e, x->tree, path) < 0 ||
		   git_tree_entry_type(e) != GIT_OBJECT_BLOB) {
		err = KS_ENOTFOUND;
	} else {
		err = read_blob(out, x, git_tree_entry_id(e), disp, flags, d);
	}
	git_tree_entry_free(e);
	ks_free(abs);
	ks_free(disp);
	return err;
}

/* ---- kinds and schemas ---- */

static const char *text_of(const struct ks_node *n)
{
	return n && n->kind == KS_NODE_SCALAR ? n->u.scalar.str : NULL;
}

/* Schema files a $ref names are read from the same commit. */
static int fetch_tree(void *ctx, const char *uri, struct ks_doc **out,
		      struct ks_diags *d)
{
	struct ks_export *x = ctx;
	const char *path = uri + strlen(TREE_URI);

	if (strncmp(uri, TREE_URI, strlen(TREE_URI)) ||
	    strncmp(path, KS_SCHEMA_DIR "/", strlen(KS_SCHEMA_DIR) + 1) ||
	    strstr(path, "..") || strchr(path, '%'))
		return KS_ENOTFOUND;
	return load(out, x, path, NULL, 0, d);
}

static int tree_schema(struct ks_export *x, struct xkind *k,
		       struct ks_diags *d)
{
	struct ks_schema_opts o = KS_SCHEMA_OPTS_INIT;
	struct ks_buf uri = KS_BUF_INIT;
	struct ks_doc *doc = NULL;
	int err = load(&doc, x, k->schema_path, NULL, 0, d);

	if (err == KS_ENOTFOUND)
		return ks_error(d, KS_EINVALID, KS_SURVEY_FILE, 0, 0,
				"the schema of kind \"%s\", \"%s\", is missing at %s",
				k->name, k->schema_path, x->at);
	if (err)
		return err == KS_EIO || err == -1 ? err : KS_EINVALID;
	if (ks_buf_addf(&uri, "%s%s", TREE_URI, k->schema_path) < 0) {
		ks_doc_free(doc);
		return -1;
	}
	o.base_uri = uri.ptr;
	o.fetch = fetch_tree;
	o.fetch_ctx = x;
	err = ks_schema_compile_opts(&k->schema, doc, &o, d);
	k->own = 1;
	ks_buf_release(&uri);
	return err == KS_ENOTFOUND ? KS_EINVALID : err;
}

/* The survey file of a commit: its name, id and kinds. */
static int tree_kinds(struct ks_export *x, struct ks_diags *d)
{
	struct ks_doc *doc = NULL;
	const struct ks_node *root, *kinds;
	char *disp = display_name(x, KS_SURVEY_FILE);
	size_t i;
	int err = load(&doc, x, KS_SURVEY_FILE, NULL, KS_PARSE_RECORD, d);

	if (err == KS_ENOTFOUND)
		err = ks_error(d, KS_EINVALID, disp, 0, 0,
			       "no survey file at %s", x->at);
	if (err)
		goto out;
	root = ks_doc_root(doc);
	kinds = ks_map_get(root, "kinds");
	x->name = ks_strdup(text_of(ks_map_get(root, "name")) ?
			    text_of(ks_map_get(root, "name")) : "");
	x->survey_id = ks_strdup(text_of(ks_map_get(root, "id")) ?
				 text_of(ks_map_get(root, "id")) : "");
	if (!kinds || kinds->kind != KS_NODE_MAP || !kinds->u.map.n) {
		err = ks_error(d, KS_EINVALID, disp, root->line, root->col,
			       "\"kinds\" must map each record kind to its schema");
		goto out;
	}
	x->kinds = ks_calloc(kinds->u.map.n, sizeof(*x->kinds));
	if (!x->kinds || !x->name || !x->survey_id) {
		err = -1;
		goto out;
	}
	for (i = 0; i < kinds->u.map.n && !err; i++) {
		const struct ks_pair *p = &kinds->u.map.v[i];
		const char *schema = text_of(ks_map_get(p->value, "schema"));
		const char *title = text_of(ks_map_get(p->value, "title"));
		struct xkind *k = &x->kinds[x->nkinds++];

		if (!schema || !*schema || schema[0] == '/' || strstr(schema, "..")) {
			err = ks_error(d, KS_EINVALID, disp, p->line, p->col,
				       "kind \"%s\" needs a \"schema\" file inside the survey",
				       p->key);
			break;
		}
		k->name = ks_strdup(p->key);
		k->schema_path = ks_strdup(schema);
		k->title = title ? ks_strdup(title) : NULL;
		if (!k->name || !k->schema_path || (title && !k->title))
			err = -1;
		else
			err = tree_schema(x, k, d);
	}
out:
	ks_free(disp);
	ks_doc_free(doc);
	return err;
}

static int worktree_kinds(struct ks_export *x, struct ks_diags *d)
{
	struct ks_repo *r = x->r;
	size_t i, n = ks_repo_kind_count(r);
	int err = 0;

	x->name = ks_strdup(ks_repo_name(r));
	x->survey_id = ks_strdup(ks_repo_survey_id(r));
	x->kinds = ks_calloc(n ? n : 1, sizeof(*x->kinds));
	if (!x->kinds || !x->name || !x->survey_id)
		return -1;
	for (i = 0; i < n; i++) {
		struct ks_kind *rk = ks_repo_kind(r, i);
		struct xkind *k = &x->kinds[x->nkinds++];

		k->name = ks_strdup(rk->name);
		k->schema_path = ks_strdup(rk->schema_path);
		k->title = rk->title ? ks_strdup(rk->title) : NULL;
		if (!k->name || !k->schema_path || (rk->title && !k->title))
			return -1;
		/* Every broken schema is reported, not just the first. */
		if (ks_repo_schema(&k->schema, r, rk, d))
			err = KS_EINVALID;
	}
	return err;
}

static long find_kind(const struct ks_export *x, const char *name)
{
	size_t i;

	for (i = 0; i < x->nkinds; i++)
		if (!strcmp(x->kinds[i].name, name))
			return (long)i;
	return -1;
}

/* ---- records and conflicts ---- */

static int add_rec(struct ks_export *x, const char *path, const git_oid *oid)
{
	struct xrec *rec;
	char *kind = NULL, *id = NULL;

	if (ks_grow(&x->recs, x->nrecs, &x->alloc, sizeof(*x->recs), 1024) < 0)
		return -1;
	rec = &x->recs[x->nrecs];
	memset(rec, 0, sizeof(*rec));
	rec->path = ks_strdup(path);
	if (!rec->path)
		return -1;
	x->nrecs++;
	if (oid)
		git_oid_cpy(&rec->oid, oid);
	if (ks_record_path_parse(path, &kind, &id) == 0) {
		rec->placed = 1;
		rec->kind = find_kind(x, kind);
		rec->id = id;
		if (ks_id_parse(id, rec->device, &rec->counter) < 0)
			rec->device[0] = '\0';
	} else {
		/* records/<kind>/...: of that kind, in the wrong place. */
		const char *k = path + strlen(KS_RECORDS_DIR) + 1;
		const char *slash = strchr(k, '/'), *base = strrchr(path, '/');
		size_t n = strlen(base + 1);

		kind = slash ? ks_strndup(k, (size_t)(slash - k)) : NULL;
		rec->kind = kind ? find_kind(x, kind) : -1;
		if (n > 5 && !strcmp(base + n - 4, ".yaml"))
			n -= 5;
		rec->id = ks_strndup(base + 1, n);
		ks_free(kind);
		kind = NULL;
	}
	ks_free(kind);
	return rec->id ? 0 : -1;
}

struct walk {
	struct ks_export *x;
	const char *top;
	int (*add)(struct ks_export *x, const char *path, const git_oid *oid);
	int err;
};

static int walk_cb(const char *root, const git_tree_entry *e, void *p)
{
	struct walk *w = p;
	struct ks_buf path = KS_BUF_INIT;

	if (git_tree_entry_type(e) != GIT_OBJECT_BLOB)
		return 0;
	if (ks_buf_addf(&path, "%s/%s%s", w->top, root, git_tree_entry_name(e)) < 0)
		w->err = -1;
	else
		w->err = w->add(w->x, path.ptr, git_tree_entry_id(e));
	ks_buf_release(&path);
	return w->err ? -1 : 0;
}

/* Every file under `top` of the snapshot, given to `add`. */
static int list_files(struct ks_export *x, const char *top,
		      int (*add)(struct ks_export *, const char *,
				 const git_oid *),
		      struct ks_diags *d)
{
	struct walk w = { x, top, add, 0 };
	struct ks_paths files = { 0 };
	git_tree_entry *e = NULL;
	git_tree *sub = NULL;
	size_t i;
	int err = 0;

	if (!x->tree) {
		err = ks_list_files(&files, x->r, top, d);
		for (i = 0; !err && i < files.n; i++)
			err = add(x, files.v[i], NULL);
		ks_paths_release(&files);
		return err;
	}
	if (git_tree_entry_bypath(&e, x->tree, top) < 0)
		return 0;
	if (git_tree_lookup(&sub, ks_repo_git(x->r), git_tree_entry_id(e)) < 0) {
		err = ks_error(d, KS_EIO, top, 0, 0, "cannot read: %s",
			       ks_git_error());
	} else if (git_tree_walk(sub, GIT_TREEWALK_PRE, walk_cb, &w) < 0) {
		err = w.err ? w.err : ks_error(d, KS_EIO, top, 0, 0,
					       "cannot read: %s", ks_git_error());
	}
	git_tree_free(sub);
	git_tree_entry_free(e);
	return err;
}

static int add_conflict(struct ks_export *x, const char *path,
			const git_oid *oid)
{
	struct ks_diags ignore = KS_DIAGS_INIT;
	struct ks_doc *doc = NULL;
	const struct ks_node *list;
	struct xconf *c;
	size_t i, n = 0;
	int err;

	if (ks_grow(&x->confs, x->nconfs, &x->confalloc, sizeof(*x->confs), 16) < 0)
		return -1;
	c = &x->confs[x->nconfs++];
	memset(c, 0, sizeof(*c));
	c->path = ks_strdup(path + strlen("conflicts/"));
	err = load(&doc, x, path, oid, KS_PARSE_RECORD, &ignore);
	ks_diags_release(&ignore);
	if (!c->path || err == -1) {
		ks_doc_free(doc);
		return -1;
	}
	list = doc ? ks_map_get(ks_doc_root(doc), "conflicts") : NULL;
	if (list && list->kind == KS_NODE_SEQ)
		n = list->u.seq.n;
	c->fields = ks_calloc(n ? n : 1, sizeof(*c->fields));
	if (!c->fields) {
		ks_doc_free(doc);
		return -1;
	}
	/* A conflict file that cannot be read still marks its record. */
	if (!n)
		c->fields[c->n++] = ks_strdup("(unreadable conflict file)");
	for (i = 0; i < n; i++) {
		const char *f = text_of(ks_map_get(list->u.seq.v[i], "field"));

		c->fields[c->n++] = ks_strdup(!f ? "(unreadable conflict entry)" :
					      *f ? f : "(whole record)");
	}
	ks_doc_free(doc);
	for (i = 0; i < c->n; i++)
		if (!c->fields[i])
			return -1;
	return 0;
}

static int cmp_conf(const void *a, const void *b)
{
	return strcmp(((const struct xconf *)a)->path,
		      ((const struct xconf *)b)->path);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Kind order, then device and counter, then the rest by name. */
static int cmp_rec(const void *a, const void *b)
{
	const struct xrec *p = a, *q = b;
	int c;

	if (p->kind != q->kind)
		return p->kind < q->kind ? -1 : 1;
	if (!*p->device != !*q->device)
		return *p->device ? -1 : 1;
	if (*p->device) {
		c = strcmp(p->device, q->device);
		if (c)
			return c;
		if (p->counter != q->counter)
			return p->counter < q->counter ? -1 : 1;
	}
	c = strcmp(p->id, q->id);
	return c ? c : strcmp(p->path, q->path);
}

static int sort_snapshot(struct ks_export *x)
{
	size_t i;

	if (x->nconfs)
		qsort(x->confs, x->nconfs, sizeof(*x->confs), cmp_conf);
	if (!x->nrecs)
		return 0;
	qsort(x->recs, x->nrecs, sizeof(*x->recs), cmp_rec);
	x->paths = ks_calloc(x->nrecs, sizeof(*x->paths));
	if (!x->paths)
		return -1;
	for (i = 0; i < x->nrecs; i++)
		x->paths[i] = x->recs[i].path;
	qsort(x->paths, x->nrecs, sizeof(*x->paths), cmp_str);
	return 0;
}

/* ---- opening ---- */

static int count_changes(struct ks_export *x, struct ks_diags *d)
{
	struct ks_changes ch = { 0 };
	int err = ks_changes_list(&ch, x->r, d);

	x->st.uncommitted = ch.n;
	ks_changes_release(&ch);
	return err;
}

int ks_export_open(struct ks_export **out, struct ks_repo *r, const char *at,
		   struct ks_diags *d)
{
	struct ks_export *x = ks_calloc(1, sizeof(*x));
	git_object *head = NULL;
	int err;

	*out = x;
	if (!x)
		return -1;
	x->r = r;
	x->st.worktree = !at;
	if (at) {
		x->at = ks_strdup(at);
		if (!x->at)
			return -1;
		if ((err = ks_rev_commit(&x->commit, r, at, d)))
			return err;
		if (git_commit_tree(&x->tree, x->commit) < 0)
			return ks_error(d, KS_EIO, NULL, 0, 0,
					"cannot read the tree of %s: %s", at,
					ks_git_error());
		err = tree_kinds(x, d);
	} else {
		/* The work tree, named by the commit it grew from. */
		if (git_revparse_single(&head, ks_repo_git(r), "HEAD") == 0)
			git_object_peel((git_object **)&x->commit, head,
					GIT_OBJECT_COMMIT);
		git_object_free(head);
		err = worktree_kinds(x, d);
		if (!err)
			err = count_changes(x, d);
	}
	if (x->commit)
		git_oid_tostr(x->st.commit, sizeof(x->st.commit),
			      git_commit_id(x->commit));
	if (!err)
		err = list_files(x, KS_RECORDS_DIR, add_rec, d);
	if (!err)
		err = list_files(x, "conflicts", add_conflict, d);
	if (!err)
		err = sort_snapshot(x);
	return err;
}

void ks_export_free(struct ks_export *x)
{
	size_t i, j;

	if (!x)
		return;
	for (i = 0; i < x->nkinds; i++) {
		struct xkind *k = &x->kinds[i];

		ks_free(k->name);
		ks_free(k->title);
		ks_free(k->schema_path);
		if (k->own)
			ks_schema_free(k->schema);
		ks_xplan_release(&k->plan);
	}
	ks_free(x->kinds);
	for (i = 0; i < x->nrecs; i++) {
		ks_free(x->recs[i].path);
		ks_free(x->recs[i].id);
	}
	ks_free(x->recs);
	ks_free(x->paths);
	for (i = 0; i < x->nconfs; i++) {
		for (j = 0; j < x->confs[i].n; j++)
			ks_free(x->confs[i].fields[j]);
		ks_free(x->confs[i].fields);
		ks_free(x->confs[i].path);
	}
	ks_free(x->confs);
	for (i = 0; i < x->nconds; i++) {
		for (j = 0; j < x->conds[i].nsegs; j++)
			ks_free(x->conds[i].segs[j]);
		ks_free(x->conds[i].segs);
		ks_free(x->conds[i].field);
		ks_free(x->conds[i].value);
		ks_free(x->conds[i].key);
	}
	ks_free(x->conds);
	ks_free(x->at);
	ks_free(x->name);
	ks_free(x->survey_id);
	git_tree_free(x->tree);
	git_commit_free(x->commit);
	ks_free(x);
}

const struct ks_export_stats *ks_export_stats(const struct ks_export *x)
{
	return &x->st;
}

/* ---- selection ---- */

static int plan(struct xkind *k)
{
	if (k->plan.n)
		return 0;
	return ks_xplan_build(&k->plan, k->name, k->title ? k->title :
			      ks_snode_title(ks_schema_root(k->schema)),
			      ks_schema_root(k->schema));
}

int ks_export_select(struct ks_export *x, const char *kind,
		     struct ks_diags *d)
{
	struct ks_buf known = KS_BUF_INIT;
	long i = find_kind(x, kind);
	size_t j;

	if (i >= 0) {
		x->kinds[i].selected = 1;
		x->any_selected = 1;
		return plan(&x->kinds[i]);
	}
	for (j = 0; j < x->nkinds; j++)
		ks_buf_addf(&known, "%s%s", j ? ", " : "", x->kinds[j].name);
	if (ks_buf_failed(&known)) {
		ks_buf_release(&known);
		return -1;
	}
	ks_error(d, KS_ENOTFOUND, NULL, 0, 0,
		 "unknown kind \"%s\" (the survey has: %s)", kind, known.ptr);
	ks_buf_release(&known);
	return KS_ENOTFOUND;
}

static int select_all(struct ks_export *x)
{
	size_t i;

	for (i = 0; i < x->nkinds; i++) {
		if (!x->any_selected)
			x->kinds[i].selected = 1;
		if (x->kinds[i].selected && plan(&x->kinds[i]) < 0)
			return -1;
	}
	x->any_selected = 1;
	return 0;
}

static int split_path(struct xcond *c)
{
	const char *p = c->field;

	for (;;) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		char **v = ks_realloc(c->segs, (c->nsegs + 1) * sizeof(*v));

		if (!v)
			return -1;
		c->segs = v;
		c->segs[c->nsegs] = ks_strndup(p, n);
		if (!c->segs[c->nsegs++])
			return -1;
		if (!dot)
			return 0;
		p = dot + 1;
	}
}

/*
 * The key under which a condition's field compares text, the one
 * statistics group it by: a commune's name without "xã" or "phường",
 * other text by key_exact (case, blanks, where the tone mark sits).
 * *out stays NULL when the text has no key.
 */
static int text_key(char **out, const struct xcond *c, const char *text)
{
	struct ks_buf k = KS_BUF_INIT;
	const char *last = c->segs[c->nsegs - 1];
	int err;

	*out = NULL;
	err = !strcmp(last, "commune_name")
		? ks_vnkey_commune_exact(&k, text, strlen(text))
		: ks_vnkey_exact(&k, text, strlen(text));
	if (!err && k.len)
		*out = ks_buf_detach(&k, NULL);
	ks_buf_release(&k);
	return err == -1 ? -1 : 0;
}

static int same_text(const struct xcond *c, const char *text)
{
	char *k = NULL;
	int same;

	if (!c->key || text_key(&k, c, text) < 0 || !k)
		return 0;
	same = !strcmp(k, c->key);
	ks_free(k);
	return same;
}

int ks_export_where(struct ks_export *x, const char *cond, struct ks_diags *d)
{
	const char *eq = strchr(cond, '=');
	struct ks_buf known = KS_BUF_INIT;
	struct xcond *c;
	size_t i, n;
	int found = 0, err;

	if (select_all(x) < 0)
		return -1;
	if (!eq || eq == cond)
		return ks_error(d, KS_EINVALID, NULL, 0, 0,
				"a condition is FIELD=VALUE, not \"%s\"", cond);
	if (ks_grow(&x->conds, x->nconds, &x->condalloc, sizeof(*x->conds), 4) < 0)
		return -1;
	c = &x->conds[x->nconds++];
	memset(c, 0, sizeof(*c));
	c->field = ks_strndup(cond, (size_t)(eq - cond));
	c->value = ks_nfc(eq + 1, strlen(eq + 1), &n);
	if (!c->field || !c->value || split_path(c) < 0)
		return c->value || !c->field ? -1 :
			ks_error(d, KS_EINVALID, NULL, 0, 0,
				 "the value of \"%s\" is not UTF-8", c->field);
	if (text_key(&c->key, c, c->value) == -1)
		return -1;
	for (i = 0; i < x->nkinds; i++)
		if (x->kinds[i].selected &&
		    ks_xplan_has_field(&x->kinds[i].plan, c->field))
			found = 1;
	if (found)
		return 0;
	err = ks_buf_puts(&known, "id");
	for (i = 0; i < x->nkinds && !err; i++)
		if (x->kinds[i].selected)
			err = ks_xplan_fields(&x->kinds[i].plan, &known);
	if (!err)
		ks_error(d, KS_EINVALID, NULL, 0, 0,
			 "unknown field \"%s\"; the fields are: %s", c->field,
			 known.ptr);
	ks_buf_release(&known);
	return err ? -1 : KS_EINVALID;
}

static int cond_match(const struct ks_node *n, const struct ks_snode *sn,
		      char *const *segs, size_t nsegs, const struct xcond *c)
{
	const struct ks_node *v;
	const char *l;
	size_t i;

	if (n->kind == KS_NODE_SEQ) {
		for (i = 0; i < n->u.seq.n; i++)
			if (cond_match(n->u.seq.v[i], sn ? ks_snode_items(sn) : NULL,
				       segs, nsegs, c))
				return 1;
		return 0;
	}
	if (!nsegs) {
		if (n->kind != KS_NODE_SCALAR)
			return 0;
		l = ks_xlabel(n, sn);
		return !strcmp(n->u.scalar.str, c->value) ||
		       (l && !strcmp(l, c->value)) ||
		       same_text(c, n->u.scalar.str) || (l && same_text(c, l));
	}
	if (n->kind != KS_NODE_MAP || !(v = ks_map_get(n, segs[0])))
		return 0;
	return cond_match(v, sn ? ks_snode_property(sn, segs[0]) : NULL,
			  segs + 1, nsegs - 1, c);
}

static int matches(const struct ks_export *x, const struct xkind *k,
		   const struct ks_node *root)
{
	size_t i;

	for (i = 0; i < x->nconds; i++) {
		const struct xcond *c = &x->conds[i];

		if (!root || !ks_xplan_has_field(&k->plan, c->field) ||
		    !cond_match(root, ks_schema_root(k->schema), c->segs,
				c->nsegs, c))
			return 0;
	}
	return 1;
}

/* ---- one record's status ---- */

struct refs {
	struct ks_export *x;
	struct ks_unique *u;
};

static int ref_exists(void *ctx, const char *kind, const char *id)
{
	struct refs *rf = ctx;
	char *rel;
	int found = 0;

	if (find_kind(rf->x, kind) < 0 || !rf->x->nrecs)
		return 0;
	rel = ks_record_relpath(kind, id);
	if (rel)
		found = bsearch(&rel, rf->x->paths, rf->x->nrecs,
				sizeof(*rf->x->paths), cmp_str) != NULL;
	ks_free(rel);
	return found;
}

static void unique_value(void *ctx, const char *pointer,
			 const struct ks_node *value)
{
	struct refs *rf = ctx;

	ks_unique_value(rf->u, pointer, value);
}

/*
 * Loads a record and checks it as check does; the errors go to `rd`.  A
 * record that parses is returned in *out whatever its errors.
 */
static int check_rec(struct ks_doc **out, struct ks_export *x,
		     struct ks_unique *u, const struct xrec *rec,
		     struct ks_diags *rd)
{
	const struct xkind *k = &x->kinds[rec->kind];
	struct refs rf = { x, u };
	struct ks_validate_opts vo = { ref_exists, unique_value, &rf, 0 };
	const struct ks_pair *idp;
	int err;

	if (!rec->placed)
		ks_error(rd, KS_EINVALID, rec->path, 0, 0,
			 "not where a record belongs: records are named records/<kind>/<device>/<NNN>/<id>.yaml");
	err = load(out, x, rec->path, x->tree ? &rec->oid : NULL,
		   KS_PARSE_RECORD, rd);
	if (err)
		return err == KS_EINVALID || err == KS_ENOTFOUND ? 0 : err;
	idp = ks_map_pair(ks_doc_root(*out), "id");
	if (idp && idp->value->kind == KS_NODE_SCALAR &&
	    strcmp(idp->value->u.scalar.str, rec->id))
		ks_diags_add(rd, KS_SEV_ERROR, rec->path, idp->value->line,
			     idp->value->col, "/id", "id",
			     "record id \"%s\" does not match its file name \"%s.yaml\"",
			     idp->value->u.scalar.str, rec->id);
	ks_unique_begin(u, k->name, k->schema, rec->path, rec->id, rd);
	err = ks_schema_validate(k->schema, ks_doc_root(*out), rec->path, &vo, rd);
	return err == -1 ? -1 : 0;
}

static const struct xconf *conflicts_of(const struct ks_export *x,
					const char *path)
{
	struct xconf key = { (char *)path, NULL, 0 };

	if (!x->nconfs)
		return NULL;
	return bsearch(&key, x->confs, x->nconfs, sizeof(*x->confs), cmp_conf);
}

/*
 * "ok", "invalid: message (+2 more)", "conflict: /phone; invalid: ...":
 * in the language for people (`people`), in English words for programs.
 */
#define WORDS(s) (people ? _(s) : (s))

static int status_text(struct ks_buf *out, const struct ks_diags *rd,
		       const struct xconf *c, int people)
{
	const struct ks_diag *first = NULL;
	size_t i, errors = 0;
	int err = 0;

	for (i = 0; i < rd->n; i++) {
		if (rd->v[i].severity != KS_SEV_ERROR)
			continue;
		if (!first)
			first = &rd->v[i];
		errors++;
	}
	ks_buf_reset(out);
	if (c) {
		err |= ks_buf_puts(out, WORDS("conflict: "));
		for (i = 0; i < c->n; i++)
			err |= ks_buf_addf(out, "%s%s", i ? ", " : "", c->fields[i]);
	}
	if (errors || rd->errors) {
		err |= ks_buf_puts(out, c ? WORDS("; invalid: ")
					  : WORDS("invalid: "));
		err |= ks_buf_puts(out, first ? first->message
					  : WORDS("out of memory"));
		if (errors > 1)
			err |= ks_buf_addf(out, WORDS(" (+%zu more)"),
					   errors - 1);
	}
	if (!out->len)
		err |= ks_buf_puts(out, WORDS("ok"));
	return err ? -1 : 0;
}

/* ---- writing ---- */

struct sink {
	const struct ks_xwriter *ops;	/* tables; NULL for JSON */
	void *w;
	struct ks_xjson *json;
	/* attached files: their places' prefix, their links' (ks_xemit) */
	char *files, *link;
};

/* A record checked and ready to be written. */
struct xitem {
	const struct xrec *rec;
	struct xkind *k;
	const struct xconf *c;
	struct ks_doc *doc;	/* NULL when it does not parse */
	struct ks_diags rd;	/* its errors */
	char *status;
	struct ks_buf thumb;	/* its first photo, small (a spreadsheet) */
};

static void item_release(struct xitem *it)
{
	ks_doc_free(it->doc);
	ks_diags_release(&it->rd);
	ks_free(it->status);
	ks_buf_release(&it->thumb);
	memset(it, 0, sizeof(*it));
}

/* The bytes of a file of the snapshot, at most `max`. */
static int read_file(struct ks_buf *out, struct ks_export *x, const char *path,
		     size_t max)
{
	git_tree_entry *e = NULL;
	git_blob *b = NULL;
	char *abs;
	int err = -1;

	if (!x->tree) {
		if (!(abs = ks_repo_path(x->r, path)))
			return -1;
		err = ks_buf_read_file(out, abs, max) < 0 ? 1 : 0;
		ks_free(abs);
		return err;
	}
	if (git_tree_entry_bypath(&e, x->tree, path) < 0 ||
	    git_blob_lookup(&b, ks_repo_git(x->r), git_tree_entry_id(e)) < 0 ||
	    (size_t)git_blob_rawsize(b) > max)
		err = 1;
	else
		err = ks_buf_add(out, git_blob_rawcontent(b),
				 (size_t)git_blob_rawsize(b));
	git_error_clear();
	git_tree_entry_free(e);
	git_blob_free(b);
	return err;
}

/*
 * The record's first photo, made small for its row of a spreadsheet; a
 * photo that is missing or does not decode gives none.
 */
static int thumb_of(struct ks_export *x, struct xitem *it)
{
	const struct ks_node *l = ks_map_get(ks_doc_root(it->doc), "attachments");
	struct ks_buf bytes = KS_BUF_INIT;
	size_t i;
	int err = 0;

	for (i = 0; l && l->kind == KS_NODE_SEQ && i < l->u.seq.n; i++) {
		const char *sha = text_of(ks_map_get(l->u.seq.v[i], "sha256"));
		enum ks_media m = ks_media_of_type(text_of(ks_map_get(l->u.seq.v[i], "type")));
		char *rel;

		if (!sha || (m != KS_MEDIA_JPEG && m != KS_MEDIA_PNG &&
			     m != KS_MEDIA_WEBP) ||
		    !(rel = ks_attach_relpath(it->k->name, it->rec->id, sha, m)))
			continue;
		err = read_file(&bytes, x, rel, KS_ATTACH_MAX_FILE);
		ks_free(rel);
		if (!err)
			err = ks_media_thumb(&it->thumb, m, bytes.ptr, bytes.len,
					     KS_EXPORT_THUMB);
		if (err == -1)
			break;
		if (it->thumb.len) {
			x->nthumbs++;
			break;
		}
		err = 0;
		ks_buf_reset(&bytes);
	}
	ks_buf_release(&bytes);
	return err == -1 ? -1 : 0;
}

/* The places of a record's attached files, each after `prefix`. */
static int files_of(struct ks_paths *out, const char *prefix,
		    const struct xitem *it)
{
	const struct ks_node *l = it->doc ?
		ks_map_get(ks_doc_root(it->doc), "attachments") : NULL;
	size_t i;

	for (i = 0; l && l->kind == KS_NODE_SEQ && i < l->u.seq.n; i++) {
		char *p = ks_xfile_place(prefix ? prefix : "", it->k->name,
					 it->rec->id, l->u.seq.v[i]);

		if (p && ks_paths_add(out, p) < 0) {
			ks_free(p);
			return -1;
		}
		ks_free(p);
	}
	return 0;
}

/*
 * Copies the record's attached files into the folder x->copy, where they
 * are kept as in the survey; a file that is not there is named in `d`.
 */
static int copy_files(struct ks_export *x, const struct xitem *it,
		      struct ks_diags *d)
{
	struct ks_paths files = { 0 };
	struct ks_buf bytes = KS_BUF_INIT, from = KS_BUF_INIT;
	size_t i;
	int err = files_of(&files, x->copy, it);

	for (i = 0; !err && i < files.n; i++) {
		const char *place = files.v[i] + strlen(x->copy);

		ks_buf_reset(&bytes);
		ks_buf_reset(&from);
		ks_buf_puts(&from, KS_ATTACH_DIR "/");
		ks_buf_puts(&from, place);
		if (ks_buf_failed(&from) ||
		    (err = read_file(&bytes, x, from.ptr, KS_ATTACH_MAX_FILE)) == -1)
			break;
		if (err) {
			ks_diags_add(d, KS_SEV_WARNING, it->rec->path, 0, 0, NULL,
				     NULL, "its file %s is missing: not copied",
				     from.ptr);
			err = 0;
			continue;
		}
		err = ks_file_put(files.v[i], bytes.ptr, bytes.len,
				  KS_FILE_FOLDERS, d);
		x->st.files += !err;
		x->st.file_bytes += err ? 0 : bytes.len;
	}
	if (ks_buf_failed(&from))
		err = -1;
	ks_buf_release(&bytes);
	ks_buf_release(&from);
	ks_paths_release(&files);
	return err;
}

/*
 * Reads and checks a record; it->rec stays NULL when the conditions leave
 * it out.
 */
static int prepare(struct ks_export *x, struct ks_unique *u,
		   const struct xrec *rec, struct xitem *it, struct ks_diags *d)
{
	struct ks_buf status = KS_BUF_INIT;
	int err;

	memset(it, 0, sizeof(*it));
	ks_diags_init(&it->rd);
	it->k = &x->kinds[rec->kind];
	it->c = conflicts_of(x, rec->path);
	if ((err = check_rec(&it->doc, x, u, rec, &it->rd)))
		goto fail;
	if (x->nconds && !matches(x, it->k, it->doc ? ks_doc_root(it->doc) : NULL)) {
		x->st.filtered++;
		item_release(it);
		return 0;
	}
	ks_diags_sort(&it->rd);
	if ((err = status_text(&status, &it->rd, it->c, x->people)))
		goto fail;
	it->status = ks_buf_detach(&status, NULL);
	if (!it->status) {
		err = -1;
		goto fail;
	}
	it->rec = rec;
	if (x->thumbs && it->doc && x->nthumbs < KS_EXPORT_MAX_THUMBS &&
	    it->k->plan.v[0]->photos && (err = thumb_of(x, it)))
		goto fail;
	if (x->copy && (err = copy_files(x, it, d)))
		goto fail;
	x->st.records++;
	x->st.invalid += it->rd.errors != 0;
	x->st.conflicted += it->c != NULL;
	return 0;
fail:
	ks_buf_release(&status);
	item_release(it);
	return err;
}

static int emit(struct sink *s, const struct ks_export_opts *o,
		const struct xitem *it, struct ks_diags *d)
{
	const struct ks_node *root = it->doc ? ks_doc_root(it->doc) : NULL;
	struct ks_xemit e = { s->ops, s->w, o->values, s->files, s->link };
	struct ks_paths files = { 0 };
	int err;

	if (!s->json) {
		err = 0;
		/* the picture first: it sets the height of the row to come */
		if (it->thumb.len && s->ops->image)
			err = s->ops->image(s->w, it->k->plan.v[0], it->thumb.ptr,
					    it->thumb.len, d);
		return err ? err : ks_xplan_write_record(&it->k->plan, &e,
							 it->rec->id, it->status,
							 root, d);
	}
	if (files_of(&files, s->files, it) < 0)
		return -1;
	err = ks_xjson_record(s->json, it->k->name, it->rec->id, it->rec->path,
			      it->status, &it->rd,
			      it->c ? (const char *const *)it->c->fields : NULL,
			      it->c ? it->c->n : 0,
			      (const char *const *)files.v, files.n, root,
			      ks_schema_root(it->k->schema), d);
	ks_paths_release(&files);
	return err;
}

/*
 * Reading and checking records, and writing them, each take about half
 * the time of an export: with two threads they overlap.  The writer
 * thread takes the records in order from a small queue; it touches only
 * the output, the compiled schemas (which are immutable) and the records
 * handed to it.  Without a thread, records are written as they come.
 */
#define QUEUE_LEN 64

struct pipe {
	struct sink *s;
	const struct ks_export_opts *o;
	pthread_t th;
	int running;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct xitem v[QUEUE_LEN];
	size_t head, n;
	int closed, err;
	struct ks_diags d;	/* the writer's */
};

static void *pipe_main(void *arg)
{
	struct pipe *p = arg;
	struct xitem it;
	int failed, err;

	for (;;) {
		pthread_mutex_lock(&p->mu);
		while (!p->n && !p->closed)
			pthread_cond_wait(&p->cv, &p->mu);
		if (!p->n) {
			pthread_mutex_unlock(&p->mu);
			return NULL;
		}
		it = p->v[p->head];
		p->head = (p->head + 1) % QUEUE_LEN;
		p->n--;
		failed = p->err;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
		err = failed ? 0 : emit(p->s, p->o, &it, &p->d);
		item_release(&it);
		if (err) {
			pthread_mutex_lock(&p->mu);
			p->err = err;
			pthread_cond_broadcast(&p->cv);
			pthread_mutex_unlock(&p->mu);
		}
	}
}

static void pipe_open(struct pipe *p, struct sink *s,
		      const struct ks_export_opts *o)
{
	memset(p, 0, sizeof(*p));
	p->s = s;
	p->o = o;
	ks_diags_init(&p->d);
	if (pthread_mutex_init(&p->mu, NULL))
		return;
	if (pthread_cond_init(&p->cv, NULL)) {
		pthread_mutex_destroy(&p->mu);
		return;
	}
	p->running = pthread_create(&p->th, NULL, pipe_main, p) == 0;
	if (!p->running) {
		pthread_cond_destroy(&p->cv);
		pthread_mutex_destroy(&p->mu);
	}
}

/* Hands a record to the writer (which then owns it); the writer's error. */
static int pipe_put(struct pipe *p, struct xitem *it)
{
	int err;

	if (!p->running) {
		err = p->err ? p->err : emit(p->s, p->o, it, &p->d);
		item_release(it);
		return p->err = err;
	}
	pthread_mutex_lock(&p->mu);
	while (p->n == QUEUE_LEN && !p->err)
		pthread_cond_wait(&p->cv, &p->mu);
	err = p->err;
	if (!err) {
		p->v[(p->head + p->n) % QUEUE_LEN] = *it;
		p->n++;
		pthread_cond_broadcast(&p->cv);
	}
	pthread_mutex_unlock(&p->mu);
	if (err)
		item_release(it);
	return err;
}

/* Waits for the writer to finish; its diagnostics go to `d`. */
static int pipe_close(struct pipe *p, struct ks_diags *d)
{
	if (p->running) {
		pthread_mutex_lock(&p->mu);
		p->closed = 1;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
		pthread_join(p->th, NULL);
		pthread_cond_destroy(&p->cv);
		pthread_mutex_destroy(&p->mu);
		p->running = 0;
	}
	ks_diags_move(d, &p->d);
	return p->err;
}

static int info_add(struct ks_paths *info, const char *label,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* A label and its value; -1 (out of memory) when either is missing. */
static int info_add(struct ks_paths *info, const char *label,
		    const char *fmt, ...)
{
	struct ks_buf b = KS_BUF_INIT;
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = ks_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	err = err < 0 || ks_paths_add(info, label) < 0 ||
	      ks_paths_add(info, b.ptr) < 0 ? -1 : 0;
	ks_buf_release(&b);
	return err;
}

static void local_time(char *buf, size_t n, time_t t)
{
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(buf, n, "%Y-%m-%d %H:%M:%S %z", &tm);
}

/*
 * What the information sheet says: where the data came from, and counts.
 * For a spreadsheet (`tables`) in the language; JSON keeps English keys.
 */
static int info_rows(struct ks_export *x, const struct ks_export_opts *o,
		     int tables, struct ks_paths *info)
{
	struct ks_buf b = KS_BUF_INIT;
	char when[64];
	size_t i, j;
	int bad = 0, people = tables;

	bad |= info_add(info, WORDS("Survey"), "%s", x->name);
	bad |= info_add(info, WORDS("Survey id"), "%s", x->survey_id);
	if (x->tree)
		bad |= info_add(info, WORDS("Taken from"), WORDS("the survey history at %s"), x->at);
	else if (x->st.uncommitted)
		bad |= info_add(info, WORDS("Taken from"),
			 people ? Q_("the survey folder, with %zu change not yet saved to the history",
				     "the survey folder, with %zu changes not yet saved to the history",
				     x->st.uncommitted)
			 : x->st.uncommitted == 1
			 ? "the survey folder, with %zu change not yet saved to the history"
			 : "the survey folder, with %zu changes not yet saved to the history",
			 x->st.uncommitted);
	else
		bad |= info_add(info, WORDS("Taken from"), WORDS("the survey folder, all of it saved to the history"));
	bad |= info_add(info, WORDS("Commit"), "%s", x->st.commit);
	if (x->commit) {
		ks_format_time(when, sizeof(when),
			       &git_commit_committer(x->commit)->when, 0);
		bad |= info_add(info, WORDS("Commit time"), "%s", when);
	}
	local_time(when, sizeof(when), o->now);
	bad |= info_add(info, WORDS("Exported at"), "%s", when);
	bad |= info_add(info, WORDS("Exported by"), "khaosat %s", o->version ? o->version : "");
	for (i = 0; i < x->nconds; i++)
		ks_buf_addf(&b, "%s%s=%s", i ? "; " : "", x->conds[i].field,
			    x->conds[i].value);
	/* Every text of the sheet whole, or no export. */
	bad |= ks_buf_failed(&b);
	bad |= info_add(info, WORDS("Conditions"), "%s", b.len ? b.ptr : WORDS("none"));
	bad |= info_add(info, WORDS("Records"), "%zu", x->st.records);
	bad |= info_add(info, WORDS("Valid"), "%zu", x->st.records - x->st.invalid);
	bad |= info_add(info, WORDS("Invalid"), "%zu", x->st.invalid);
	bad |= info_add(info, WORDS("With open conflicts"), "%zu", x->st.conflicted);
	if (x->nconds)
		bad |= info_add(info, WORDS("Left out by the conditions"), "%zu", x->st.filtered);
	bad |= info_add(info, WORDS("Files of no known kind (not exported)"), "%zu",
		 x->st.skipped);
	if (tables) {
		bad |= info_add(info, WORDS("Header rows"),
			 WORDS("row 1: the schema's titles; row 2: the field paths"));
		bad |= info_add(info, WORDS("Values"), o->values ? WORDS("enum values as stored") :
			 WORDS("enum values shown by their labels"));
	}
	for (i = 0; tables && i < x->nkinds; i++)
		for (j = 0; x->kinds[i].selected && j < x->kinds[i].plan.n; j++) {
			const struct ks_xtable *t = x->kinds[i].plan.v[j];

			ks_buf_reset(&b);
			bad |= ks_buf_addf(&b, WORDS("Table %s"), t->name);
			bad |= info_add(info, b.ptr, WORDS("%zu rows"), t->rows);
		}
	ks_buf_release(&b);
	return bad || info->n % 2 ? -1 : 0;
}

static int open_sink(struct sink *s, struct ks_export *x,
		     const struct ks_export_opts *o, struct ks_diags *d)
{
	int mode = o->format == KS_EXPORT_JSONL ? KS_XJSON_LINES
		 : o->format == KS_EXPORT_GEOJSON ? KS_XJSON_GEO : KS_XJSON_DOC;

	switch (o->format) {
	case KS_EXPORT_XLSX:
		s->ops = &ks_xlsx_writer;
		x->thumbs = 1;
		return ks_xlsx_open(&s->w, o->output, x->name, d);
	case KS_EXPORT_CSV:
		s->ops = &ks_csv_writer;
		return ks_csv_open(&s->w, o->output, d);
	case KS_EXPORT_JSON:
	case KS_EXPORT_JSONL:
	case KS_EXPORT_GEOJSON:
		break;
	}
	return ks_xjson_open(&s->json, o->output && strcmp(o->output, "-") ?
			     o->output : NULL, o->out, mode, d);
}

static int declare_tables(struct ks_export *x, struct sink *s,
			  struct ks_diags *d)
{
	size_t i, j;
	int err = 0;

	for (i = 0; i < x->nkinds && !err; i++)
		for (j = 0; x->kinds[i].selected && !err &&
			    j < x->kinds[i].plan.n; j++)
			err = s->ops->table(s->w, x->kinds[i].plan.v[j], d);
	return err;
}

/* Every record of the selected kinds, through the writer thread. */
static int write_records(struct ks_export *x, struct sink *s,
			 const struct ks_export_opts *o, struct ks_unique *u,
			 struct ks_diags *d)
{
	struct pipe p;
	struct xitem it;
	size_t i;
	int err = 0, werr;

	pipe_open(&p, s, o);
	for (i = 0; !err && i < x->nrecs; i++) {
		const struct xrec *rec = &x->recs[i];

		if (rec->kind < 0) {
			x->st.skipped++;
			ks_diags_add(d, KS_SEV_WARNING, rec->path, 0, 0, NULL, NULL,
				     "not exported: not a record of a kind of the survey");
			continue;
		}
		if (!x->kinds[rec->kind].selected)
			continue;
		err = prepare(x, u, rec, &it, d);
		if (!err && it.rec)
			err = pipe_put(&p, &it);
	}
	werr = pipe_close(&p, d);
	return err ? err : werr;
}

/* The output's name without its extension ("a/my-dong" of "a/my-dong.xlsx"). */
static int output_stem(struct ks_buf *b, const char *output)
{
	const char *base = ks_base_name(output), *dot = strrchr(base, '.');

	return ks_buf_add(b, output, dot && dot != base ? (size_t)(dot - output)
							: strlen(output));
}

/*
 * Where the attached files go (ks_export_opts.files) and how the export
 * names them: s->files and s->link; with opts.files, x->copy (a new
 * private folder) and *final, where that folder goes when the export is
 * complete.
 */
static int files_setup(struct ks_export *x, struct sink *s, char **final,
		       const struct ks_export_opts *o, struct ks_diags *d)
{
	struct ks_buf to = KS_BUF_INIT, tmp = KS_BUF_INIT, pre = KS_BUF_INIT;
	int csv = o->format == KS_EXPORT_CSV, err = -1;

	if (!o->files) {
		s->files = ks_strdup(KS_ATTACH_DIR "/");
		ks_buf_addf(&pre, "file://%s" KS_ATTACH_DIR "/", ks_repo_workdir(x->r));
		s->link = ks_buf_detach(&pre, NULL);
		return s->files && s->link ? 0 : -1;
	}
	if (!o->output || !strcmp(o->output, "-"))
		return ks_error(d, KS_EINVALID, NULL, 0, 0,
				"the attached files can be copied only with an export written to a file (-o)");
	if (csv) {
		ks_buf_addf(&to, "%s/" KS_ATTACH_DIR, o->output);
		ks_buf_puts(&pre, KS_ATTACH_DIR "/");
	} else {
		output_stem(&to, o->output);
		ks_buf_puts(&to, "_files");
		ks_buf_puts(&pre, ks_base_name(to.ptr));
		ks_buf_putc(&pre, '/');
	}
	ks_buf_addf(&tmp, "%s.tmp-XXXXXX", to.ptr);
	if (ks_buf_failed(&to) || ks_buf_failed(&tmp) || ks_buf_failed(&pre))
		goto out;
	if (!csv && access(to.ptr, F_OK) == 0) {
		err = ks_error(d, KS_EEXISTS, to.ptr, 0, 0,
			       "already there: the attached files would go into it; move it away or name another output");
		goto out;
	}
	/* csv: the folder's name is free once the export's is */
	if (csv) {
		ks_buf_reset(&tmp);
		ks_buf_addf(&tmp, "%s.files.tmp-XXXXXX", o->output);
		if (ks_buf_failed(&tmp))
			goto out;
	}
	if (!mkdtemp(tmp.ptr)) {
		err = ks_error(d, KS_EIO, tmp.ptr, 0, 0, "cannot make a folder: %s",
			       strerror(errno));
		goto out;
	}
	ks_buf_putc(&tmp, '/');
	s->files = ks_buf_detach(&pre, NULL);
	s->link = ks_strdup(s->files);
	x->copy = ks_buf_detach(&tmp, NULL);
	*final = ks_buf_detach(&to, NULL);
	err = s->files && s->link && x->copy && *final ? 0 : -1;
out:
	ks_buf_release(&to);
	ks_buf_release(&tmp);
	ks_buf_release(&pre);
	return err;
}

/*
 * The copied files go under their name beside the completed export; when
 * they cannot, the export goes too, so that none is left without them.
 */
static int files_finish(struct ks_export *x, const char *final,
			const struct ks_export_opts *o, struct ks_diags *d)
{
	size_t n = strlen(x->copy);
	int err = 0;

	x->copy[n - 1] = '\0';
	if (!x->st.files) {
		ks_remove_tree(x->copy);
	} else if (rename(x->copy, final) < 0 || ks_file_sync_folder(final) < 0) {
		err = ks_error(d, KS_EIO, final, 0, 0,
			       "cannot put the copied files here: %s",
			       strerror(errno));
		ks_remove_tree(x->copy);
		if (o->format == KS_EXPORT_CSV)
			ks_remove_tree(o->output);
		else
			unlink(o->output);
	}
	x->copy[n - 1] = '/';
	return err;
}

int ks_export_write(struct ks_export *x, const struct ks_export_opts *o,
		    struct ks_diags *d)
{
	char *final = NULL;
	struct sink s = { NULL, NULL, NULL, NULL, NULL };
	struct ks_paths info = { 0 };
	struct ks_unique *u = ks_unique_new();
	int err = u ? select_all(x) : -1;

	if (!err)
		err = files_setup(x, &s, &final, o, d);
	if (!err)
		err = open_sink(&s, x, o, d);
	if (!err && s.ops)
		err = declare_tables(x, &s, d);
	x->people = s.ops != NULL;
	if (!err)
		err = write_records(x, &s, o, u, d);
	if (!err)
		err = info_rows(x, o, s.ops != NULL, &info);
	if (!err && s.ops)
		err = s.ops->finish(s.w, (const char *const *)info.v, info.n, d);
	else if (!err && s.json)
		err = ks_xjson_finish(s.json, (const char *const *)info.v, info.n,
				      d);
	if (err && s.ops && s.w)
		s.ops->abort(s.w);
	if (err && s.json)
		ks_xjson_abort(s.json);
	if (!err && x->copy)
		err = files_finish(x, final, o, d);
	else if (x->copy)
		ks_remove_tree(x->copy);
	ks_free(x->copy);
	x->copy = NULL;
	ks_free(final);
	ks_free(s.files);
	ks_free(s.link);
	ks_paths_release(&info);
	ks_unique_free(u);
	return err;
}

