/*
 * Open conflicts: reading the files the merge writes under conflicts/,
 * locating their fields in records, and settling them.  See conflict.h.
 */
#include "conflict.h"
#include "intl.h"
#include "merge.h"
#include "alloc.h"
#include "buf.h"
#include "check.h"
#include "diag.h"
#include "file.h"
#include "record.h"
#include "repo.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CONFLICTS_DIR "conflicts/"

/* ---- the layout of conflict files ---- */

static const char *const conflict_keys[] = {
	"file", "conflicts", "field", "base", "proposals", "commit", "author",
	"email", "device", "time", "deleted", "value", "text", NULL,
};

static const void *cf_child(const void *ctx, const char *key)
{
	/* Field values inside "base" and "value" keep their own form. */
	if (key && (!strcmp(key, "base") || !strcmp(key, "value")))
		return NULL;
	return ctx;
}

static int cf_rank(const void *ctx, const char *key)
{
	int i;

	for (i = 0; conflict_keys[i]; i++)
		if (!strcmp(conflict_keys[i], key))
			return i;
	return -1;
}

static int cf_is_string(const void *ctx)
{
	return 0;
}

static const struct ks_layout layout = {
	cf_child, cf_rank, cf_is_string,
};
static const char conflict_ctx = 1;

const struct ks_layout *ks_conflict_layout(void)
{
	return &layout;
}

const void *ks_conflict_layout_root(void)
{
	return &conflict_ctx;
}

void ks_conflict_set_release(struct ks_conflict_set *s)
{
	size_t i;

	for (i = 0; i < s->ndocs; i++)
		ks_doc_free(s->docs[i]);
	ks_free(s->docs);
	ks_free(s->v);
	memset(s, 0, sizeof(*s));
}

static int add_entry(struct ks_conflict_set *s,
		     const struct ks_conflict_entry *e)
{
	if (ks_grow(&s->v, s->n, &s->alloc, sizeof(*s->v), 16) < 0)
		return -1;
	s->v[s->n++] = *e;
	return 0;
}

static const char *text_of(const struct ks_node *n)
{
	return n && n->kind == KS_NODE_SCALAR ? n->u.scalar.str : NULL;
}

/* Adds the entries of one parsed conflict file; `s` takes `doc`. */
static int load_doc(struct ks_conflict_set *s, struct ks_doc *doc,
		    const char *cpath, struct ks_diags *d)
{
	struct ks_doc **docs;
	const struct ks_node *root, *list;
	size_t i;

	docs = ks_realloc(s->docs, (s->ndocs + 1) * sizeof(*docs));
	if (!docs) {
		ks_doc_free(doc);
		return -1;
	}
	s->docs = docs;
	s->docs[s->ndocs++] = doc;
	root = ks_doc_root(doc);
	list = ks_map_get(root, "conflicts");
	if (!text_of(ks_map_get(root, "file")) || !list ||
	    list->kind != KS_NODE_SEQ)
		return ks_error(d, KS_EINVALID, cpath, root->line, root->col,
				"not a conflict file: it needs \"file\" and a \"conflicts\" list");
	for (i = 0; i < list->u.seq.n; i++) {
		const struct ks_node *e = list->u.seq.v[i];
		struct ks_conflict_entry ce;

		ce.file = text_of(ks_map_get(root, "file"));
		ce.field = text_of(ks_map_get(e, "field"));
		ce.base = ks_map_get(e, "base");
		ce.proposals = ks_map_get(e, "proposals");
		ce.conflict_path = ks_doc_path(doc);
		if (!ce.field || !ce.proposals || ce.proposals->kind != KS_NODE_SEQ)
			return ks_error(d, KS_EINVALID, cpath, e->line, e->col,
					"a conflict needs \"field\" and \"proposals\"");
		if (add_entry(s, &ce) < 0)
			return -1;
	}
	return 0;
}

/* Reads one conflict file of the work tree and adds its entries. */
static int load_file(struct ks_conflict_set *s, struct ks_repo *r,
		     const char *cpath, struct ks_diags *d)
{
	struct ks_doc *doc = NULL;
	char *abs = ks_repo_path(r, cpath);
	int err;

	if (!abs)
		return -1;
	err = ks_doc_load(&doc, abs, cpath, KS_PARSE_RECORD, d);
	ks_free(abs);
	return err ? err : load_doc(s, doc, cpath, d);
}

struct tree_load {
	struct ks_conflict_set *s;
	git_repository *repo;
	struct ks_diags *d;
	int err;
};

static int tree_load_cb(const char *root, const git_tree_entry *e, void *p)
{
	struct tree_load *tl = p;
	struct ks_buf cpath = KS_BUF_INIT;
	struct ks_doc *doc = NULL;
	git_blob *blob = NULL;
	int err;

	if (git_tree_entry_type(e) != GIT_OBJECT_BLOB)
		return 0;
	if (ks_buf_addf(&cpath, "%s%s%s", CONFLICTS_DIR, root,
			git_tree_entry_name(e)) < 0) {
		tl->err = -1;
		return -1;
	}
	if (git_blob_lookup(&blob, tl->repo, git_tree_entry_id(e)) < 0)
		err = ks_error(tl->d, KS_EIO, cpath.ptr, 0, 0, "cannot read it: %s",
			       ks_git_error());
	else if (!(err = ks_doc_parse(&doc, cpath.ptr, git_blob_rawcontent(blob),
				      (size_t)git_blob_rawsize(blob),
				      KS_PARSE_RECORD, tl->d)))
		err = load_doc(tl->s, doc, cpath.ptr, tl->d);
	git_blob_free(blob);
	ks_buf_release(&cpath);
	if (err == -1) {
		tl->err = -1;
		return -1;
	}
	if (err && !tl->err)
		tl->err = err;
	return 0;
}

int ks_conflicts_load_tree(struct ks_conflict_set *out, struct ks_repo *r,
			   git_tree *tree, struct ks_diags *d)
{
	struct tree_load tl = { out, ks_repo_git(r), d, 0 };
	git_tree_entry *e = NULL;
	git_tree *sub = NULL;

	if (git_tree_entry_bypath(&e, tree, "conflicts") < 0 ||
	    git_tree_entry_type(e) != GIT_OBJECT_TREE) {
		git_tree_entry_free(e);
		git_error_clear();
		return 0;
	}
	if (git_tree_lookup(&sub, tl.repo, git_tree_entry_id(e)) < 0) {
		git_tree_entry_free(e);
		return ks_error(d, KS_EIO, "conflicts", 0, 0, "cannot read it: %s",
				ks_git_error());
	}
	git_tree_entry_free(e);
	if (git_tree_walk(sub, GIT_TREEWALK_PRE, tree_load_cb, &tl) < 0 && !tl.err)
		tl.err = ks_error(d, KS_EIO, "conflicts", 0, 0, "cannot read it: %s",
				  ks_git_error());
	git_tree_free(sub);
	return tl.err;
}

int ks_conflicts_load(struct ks_conflict_set *out, struct ks_repo *r,
		      const char *only, struct ks_diags *d)
{
	struct ks_paths files = { 0 };
	size_t i;
	int err = 0;

	if (only) {
		struct ks_buf p = KS_BUF_INIT;
		char *abs;

		ks_buf_addf(&p, "%s%s", CONFLICTS_DIR, only);
		abs = ks_repo_path(r, p.ptr);
		if (abs && access(abs, F_OK) == 0)
			err = load_file(out, r, p.ptr, d);
		ks_free(abs);
		ks_buf_release(&p);
		return err;
	}
	if (ks_list_files(&files, r, "conflicts", d) < 0) {
		ks_paths_release(&files);
		return -1;
	}
	for (i = 0; i < files.n && !err; i++)
		err = load_file(out, r, files.v[i], d);
	ks_paths_release(&files);
	return err;
}

/* ---- field paths ---- */

/* Splits off the next segment: "/name" or "[key=value]". */
static const char *next_segment(const char *p, struct ks_buf *key,
				struct ks_buf *sel_field, int *is_sel)
{
	ks_buf_reset(key);
	ks_buf_reset(sel_field);
	if (*p == '[') {
		const char *eq = strchr(p, '='), *end;

		*is_sel = 1;
		if (!eq)
			return NULL;
		/* The value may hold ']': the selector ends at "]/" or "]" at the end. */
		end = eq + 1;
		for (;;) {
			end = strchr(end, ']');
			if (!end)
				return NULL;
			if (!end[1] || end[1] == '/' || end[1] == '[')
				break;
			end++;
		}
		ks_buf_add(sel_field, p + 1, (size_t)(eq - p - 1));
		ks_buf_add(key, eq + 1, (size_t)(end - eq - 1));
		return end + 1;
	}
	if (*p != '/')
		return NULL;
	*is_sel = 0;
	for (p++; *p && *p != '/' && *p != '['; p++) {
		if (*p == '~' && p[1] == '1') {
			ks_buf_putc(key, '/');
			p++;
		} else if (*p == '~' && p[1] == '0') {
			ks_buf_putc(key, '~');
			p++;
		} else {
			ks_buf_putc(key, *p);
		}
	}
	return p;
}

static struct ks_node *find_item(const struct ks_node *seq, const char *field,
				 const char *key)
{
	size_t i;

	if (!seq || seq->kind != KS_NODE_SEQ)
		return NULL;
	for (i = 0; i < seq->u.seq.n; i++) {
		const char *k = text_of(ks_map_get(seq->u.seq.v[i], field));

		if (k && !strcmp(k, key))
			return seq->u.seq.v[i];
	}
	return NULL;
}

const struct ks_node *ks_field_find(const struct ks_node *root,
				    const char *field,
				    const struct ks_node **nearest)
{
	struct ks_buf key = KS_BUF_INIT, sf = KS_BUF_INIT;
	const struct ks_node *cur = root;
	const char *p = field;
	int sel;

	if (nearest)
		*nearest = root;
	while (cur && *p) {
		p = next_segment(p, &key, &sf, &sel);
		if (!p) {
			cur = NULL;
			break;
		}
		cur = sel ? find_item(cur, sf.ptr, key.ptr) : ks_map_get(cur, key.ptr);
		if (cur && nearest)
			*nearest = cur;
	}
	ks_buf_release(&key);
	ks_buf_release(&sf);
	return cur;
}

int ks_field_set(struct ks_doc *doc, struct ks_node *root, const char *field,
		 const struct ks_node *value, struct ks_diags *d)
{
	struct ks_buf key = KS_BUF_INIT, sf = KS_BUF_INIT;
	struct ks_node *cur = root, *parent = NULL;
	const char *p = field;
	int sel = 0, err = KS_EINVALID;

	while (*p) {
		struct ks_node *next;

		p = next_segment(p, &key, &sf, &sel);
		if (!p) {
			ks_error(d, err, NULL, 0, 0, "bad field path \"%s\"", field);
			goto out;
		}
		if (!*p)
			break;
		next = sel ? find_item(cur, sf.ptr, key.ptr) : ks_map_get(cur, key.ptr);
		if (!next) {
			if (!value) {
				err = 0;	/* nothing to remove */
				goto out;
			}
			next = ks_node_map(doc);
			if (!next)
				goto oom;
			if (sel) {
				if (ks_map_set(doc, next, sf.ptr,
					       ks_node_scalar(doc, key.ptr, key.len, 1)) < 0 ||
				    ks_seq_push(doc, cur, next) < 0)
					goto oom;
			} else if (ks_map_set(doc, cur, key.ptr, next) < 0) {
				goto oom;
			}
		}
		parent = cur;
		cur = next;
	}
	(void)parent;
	if (!*field) {
		ks_error(d, err, NULL, 0, 0, "the whole record is not a field");
		goto out;
	}
	if (sel) {
		/* A whole keyed item. */
		size_t i;

		if (cur->kind != KS_NODE_SEQ) {
			ks_error(d, err, NULL, 0, 0, "\"%s\" is not in a list", field);
			goto out;
		}
		for (i = 0; i < cur->u.seq.n; i++) {
			const char *k = text_of(ks_map_get(cur->u.seq.v[i], sf.ptr));

			if (k && !strcmp(k, key.ptr))
				break;
		}
		if (!value) {
			if (i < cur->u.seq.n) {
				memmove(&cur->u.seq.v[i], &cur->u.seq.v[i + 1],
					(cur->u.seq.n - i - 1) * sizeof(*cur->u.seq.v));
				cur->u.seq.n--;
			}
		} else if (i < cur->u.seq.n) {
			cur->u.seq.v[i] = ks_node_clone(doc, value);
		} else if (ks_seq_push(doc, cur, ks_node_clone(doc, value)) < 0) {
			goto oom;
		}
	} else if (cur->kind != KS_NODE_MAP) {
		ks_error(d, err, NULL, 0, 0, "\"%s\" is not inside a mapping", field);
		goto out;
	} else if (!value) {
		ks_map_remove(cur, key.ptr);
	} else if (ks_map_set(doc, cur, key.ptr, ks_node_clone(doc, value)) < 0) {
		goto oom;
	}
	err = 0;
	goto out;
oom:
	err = -1;
out:
	ks_buf_release(&key);
	ks_buf_release(&sf);
	return err;
}

/* ---- reporting ---- */

/* A proposal in a few words: its value and who proposed it. */
static void describe(struct ks_buf *b, const struct ks_node *p)
{
	const struct ks_node *v = ks_map_get(p, "value");
	const char *author = text_of(ks_map_get(p, "author"));
	const char *device = text_of(ks_map_get(p, "device"));

	if (ks_map_get(p, "deleted"))
		ks_buf_puts(b, _("delete it"));
	else if (ks_map_get(p, "text"))
		ks_buf_puts(b, _("a text that does not read as a record"));
	else if (v && v->kind == KS_NODE_SCALAR)
		ks_buf_addf(b, "\"%s\"", v->u.scalar.str);
	else if (v && v->kind == KS_NODE_MAP)
		ks_buf_addf(b, Q_("a value with %zu field",
				  "a value with %zu fields", v->u.map.n),
			    v->u.map.n);
	else if (v)
		ks_buf_addf(b, Q_("a list of %zu item", "a list of %zu items",
				  v->u.seq.n), v->u.seq.n);
	ks_buf_addf(b, " (%s%s%s)", author ? author : "?",
		    device && *device ? ", " : "", device ? device : "");
}

int ks_conflicts_report(struct ks_repo *r, const struct ks_conflict_set *s,
			struct ks_diags *d)
{
	struct ks_doc *doc = NULL;
	const char *loaded = NULL;
	size_t i, j;

	for (i = 0; i < s->n; i++) {
		const struct ks_conflict_entry *e = &s->v[i];
		const struct ks_node *at = NULL;
		struct ks_buf msg = KS_BUF_INIT;
		char *kind = NULL, *id = NULL;

		if (!loaded || strcmp(loaded, e->file)) {
			struct ks_diags ignore = KS_DIAGS_INIT;
			char *abs = ks_repo_path(r, e->file);

			ks_doc_free(doc);
			doc = NULL;
			if (abs)
				ks_doc_load(&doc, abs, e->file, 0, &ignore);
			ks_free(abs);
			ks_diags_release(&ignore);
			loaded = e->file;
		}
		if (doc)
			ks_field_find(ks_doc_root(doc), e->field, &at);
		if (*e->field)
			ks_buf_addf(&msg, _("open conflict in %s between "),
				    e->field);
		else
			ks_buf_puts(&msg, _("open conflict between "));
		for (j = 0; j < e->proposals->u.seq.n; j++) {
			if (j)
				ks_buf_puts(&msg, j + 1 == e->proposals->u.seq.n
					    ? _(" and ") : ", ");
			describe(&msg, e->proposals->u.seq.v[j]);
		}
		if (ks_record_path_parse(e->file, &kind, &id) == 0)
			ks_buf_addf(&msg, _("; see 'khaosat conflicts %s'"), id);
		ks_diags_add(d, KS_SEV_ERROR, e->file, at ? at->line : 0,
			     at ? at->col : 0, *e->field ? e->field : "",
			     "conflict", "%s", msg.ptr);
		ks_buf_release(&msg);
		ks_free(kind);
		ks_free(id);
	}
	ks_doc_free(doc);
	return 0;
}

/* ---- resolving ---- */

static int remove_entry(struct ks_repo *r, const char *relpath,
			const char *field, struct ks_diags *d)
{
	struct ks_buf cpath = KS_BUF_INIT, text = KS_BUF_INIT;
	struct ks_doc *doc = NULL;
	struct ks_node *list;
	char *abs = NULL;
	size_t i;
	int err = KS_ENOTFOUND, found = 0;

	ks_buf_addf(&cpath, "%s%s", CONFLICTS_DIR, relpath);
	abs = ks_repo_path(r, cpath.ptr);
	if (!abs || ks_doc_load(&doc, abs, cpath.ptr, KS_PARSE_RECORD, d))
		goto out;
	list = ks_map_get(ks_doc_root(doc), "conflicts");
	for (i = 0; list && list->kind == KS_NODE_SEQ && i < list->u.seq.n; i++) {
		const char *f = text_of(ks_map_get(list->u.seq.v[i], "field"));

		if (f && !strcmp(f, field)) {
			memmove(&list->u.seq.v[i], &list->u.seq.v[i + 1],
				(list->u.seq.n - i - 1) * sizeof(*list->u.seq.v));
			list->u.seq.n--;
			found = 1;
			break;
		}
	}
	if (!found) {
		ks_error(d, err, cpath.ptr, 0, 0, "no open conflict on \"%s\"", field);
		goto out;
	}
	if (!list->u.seq.n) {
		char *slash;

		err = unlink(abs) < 0 ? ks_error(d, KS_EIO, cpath.ptr, 0, 0,
						 "cannot remove: %s", strerror(errno)) : 0;
		/* Empty folders up to conflicts/ itself go too. */
		while (!err && (slash = strrchr(abs, '/')) &&
		       strlen(abs) > strlen(ks_repo_workdir(r)) + strlen(CONFLICTS_DIR)) {
			*slash = '\0';
			if (rmdir(abs) < 0)
				break;
		}
		goto out;
	}
	if (ks_doc_write(&text, ks_doc_root(doc), ks_conflict_layout(),
			 ks_conflict_layout_root()) < 0) {
		err = -1;
		goto out;
	}
	err = ks_file_put_text(abs, &text, KS_FILE_DURABLE, d);
out:
	ks_free(abs);
	ks_doc_free(doc);
	ks_buf_release(&cpath);
	ks_buf_release(&text);
	return err;
}

int ks_conflicts_settle_typed(struct ks_repo *r, const char *relpath,
			      const struct ks_node *before,
			      const struct ks_node *now, size_t *settled,
			      struct ks_diags *d)
{
	struct ks_buf cpath = KS_BUF_INIT;
	struct ks_diags ignore = KS_DIAGS_INIT;
	struct ks_doc *doc = NULL;
	const struct ks_node *list;
	char **fields = NULL;
	size_t i, n = 0;
	char *abs = NULL;
	int err = -1;

	*settled = 0;
	if (ks_buf_addf(&cpath, "%s%s", CONFLICTS_DIR, relpath) < 0 ||
	    !(abs = ks_repo_path(r, cpath.ptr)))
		goto out;
	err = 0;
	if (access(abs, F_OK) < 0 ||
	    ks_doc_load(&doc, abs, cpath.ptr, KS_PARSE_RECORD, &ignore))
		goto out;
	list = ks_map_get(ks_doc_root(doc), "conflicts");
	if (!list || list->kind != KS_NODE_SEQ)
		goto out;
	err = -1;
	if (!(fields = ks_calloc(list->u.seq.n + 1, sizeof(*fields))))
		goto out;
	for (i = 0; i < list->u.seq.n; i++) {
		const struct ks_node *e = list->u.seq.v[i];
		const char *f = text_of(ks_map_get(e, "field"));
		const struct ks_node *base = ks_map_get(e, "base"), *vb, *vn;

		if (!f || !*f)
			continue;
		vb = ks_field_find(before, f, NULL);
		vn = ks_field_find(now, f, NULL);
		if (ks_merge_same(vb, vn) || (base ? ks_merge_same(base, vn) : !vn))
			continue;
		if (!(fields[n++] = ks_strdup(f)))
			goto out;
	}
	err = 0;
	for (i = 0; i < n && !err; i++) {
		err = remove_entry(r, relpath, fields[i], d);
		if (!err)
			ks_diags_add(d, KS_SEV_NOTE, relpath, 0, 0, fields[i], "settled",
				     "the open conflict in %s is settled by the value typed here",
				     fields[i]);
	}
	if (!err)
		*settled = n;
out:
	for (i = 0; fields && fields[i]; i++)
		ks_free(fields[i]);
	ks_free(fields);
	ks_free(abs);
	ks_doc_free(doc);
	ks_diags_release(&ignore);
	ks_buf_release(&cpath);
	return err;
}

/* A record in its kind's canonical form; another survey file as merges
   write it. */
static int write_file_text(struct ks_buf *out, struct ks_repo *r,
			   const char *kind, const struct ks_node *root)
{
	if (kind)
		return ks_record_format(out, r, kind, root);
	return ks_doc_write(out, root, NULL, NULL);
}

int ks_conflict_resolve(struct ks_repo *r, const char *relpath,
			const char *field, const struct ks_node *choice,
			const char *text, struct ks_diags *d)
{
	struct ks_buf out = KS_BUF_INIT;
	struct ks_doc *doc = NULL;
	char *abs = ks_repo_path(r, relpath), *kind = NULL, *id = NULL;
	int err = -1, is_record;

	if (!abs)
		return -1;
	/* A record, or a survey file (khaosat.yaml, a schema). */
	is_record = ks_record_path_parse(relpath, &kind, &id) == 0;
	if (!*field) {
		/* The whole file: its text, a value, or its deletion. */
		if (text)
			err = ks_file_put(abs, text, strlen(text), KS_FILE_DURABLE, d);
		else if (!choice)
			err = unlink(abs) < 0 && errno != ENOENT
				? ks_error(d, KS_EIO, relpath, 0, 0, "cannot remove: %s",
					   strerror(errno)) : 0;
		else if (write_file_text(&out, r, is_record ? kind : NULL, choice) < 0)
			err = -1;
		else
			err = ks_file_put_text(abs, &out, KS_FILE_DURABLE, d);
	} else if (access(abs, F_OK) < 0 && errno == ENOENT) {
		/* The record is gone: nothing to set, the entry closes. */
		err = 0;
	} else {
		err = ks_doc_load(&doc, abs, relpath,
				  is_record ? KS_PARSE_RECORD : 0, d);
		if (!err)
			err = ks_field_set(doc, ks_doc_root(doc), field, choice, d);
		if (!err && write_file_text(&out, r, is_record ? kind : NULL,
					    ks_doc_root(doc)) < 0)
			err = -1;
		if (!err)
			err = ks_file_put_text(abs, &out, KS_FILE_DURABLE, d);
	}
	if (!err)
		err = remove_entry(r, relpath, field, d);
	ks_free(abs);
	ks_free(kind);
	ks_free(id);
	ks_doc_free(doc);
	ks_buf_release(&out);
	return err;
}
