/*
 * The cache of the values of committed records (.git/khaosat/record-cache)
 * and the walks over HEAD that use it: checking the committed survey, and
 * probing a few checked records' unique values against it.  See
 * recordcache.h.  It drives record checks (check.c) and fills the index of
 * unique values (unique.c), so it sits above both.
 */
#include "recordcache.h"
#include "alloc.h"
#include "buf.h"
#include "check.h"
#include "diag.h"
#include "file.h"
#include "record.h"
#include "repo.h"
#include "schema.h"
#include "table.h"
#include "unique.h"
#include "unique_int.h"

#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * One entry per committed record blob:
 *   B <blob> <kind> <id> <values> <valid> <refs>
 *   V <line> <col> <pointer>\t<value>        (x-unique values)
 *   R <kind> <id>                            (x-ref targets)
 * "valid" is the record's schema result with every reference assumed to
 * exist; the references are checked against the work tree each time.
 */
#define CACHE_MAGIC "khaosat-record-cache 2\n"

struct blob_entry {
	char *path;
	git_oid oid;
};

/*
 * Where each cached record's lines start, by "oid kind": a table of
 * pointers to the B lines, each keyed by the text after its "B ".
 */
struct line_key {
	const char *s;
	size_t len;
};

static int line_eq(const void *entry, const void *key)
{
	const char *l = *(const char *const *)entry + 2;
	const struct line_key *k = key;

	return !strncmp(l, k->s, k->len) && l[k->len] == ' ';
}

/* The B line of the entry keyed `key`, or NULL. */
static const char *cache_find(const struct ks_table *ci, const char *key,
			      size_t len)
{
	struct line_key k = { key, len };
	const char *const *l = ks_table_find(ci, ks_hash(key, len), &k,
					     line_eq);

	return l ? *l : NULL;
}

/*
 * Indexes the entries of the cache `text` by key; *values: how many
 * unique values they hold in all.
 */
static int index_cache(struct ks_table *ci, const char *text, size_t *values)
{
	const char *p;
	size_t n = 0;

	*values = 0;
	for (p = text; (p = strstr(p, "\nB ")); p++) {
		const char *f = p + 3;
		int i;

		n++;
		/* B <blob> <kind> <id> <values> ... */
		for (i = 0; i < 3 && f; i++)
			f = strchr(f, ' ') ? strchr(f, ' ') + 1 : NULL;
		if (f)
			*values += strtoul(f, NULL, 10);
	}
	if (ks_table_reserve(ci, n) < 0)
		return -1;
	for (p = text; (p = strstr(p, "\nB ")); p++) {
		const char *key = p + 3, *sp = strchr(key, ' ');
		struct line_key k;
		void *e;

		sp = sp ? strchr(sp + 1, ' ') : NULL;
		if (!sp)
			continue;
		k.s = key;
		k.len = (size_t)(sp - key);
		/* An entry twice: the later one counts. */
		if (ks_table_put(ci, ks_hash(k.s, k.len), &k, line_eq, &e) < 0)
			return -1;
		*(const char **)e = p + 1;
	}
	return 0;
}

/* Unescapes a cached value into `out`. */
static void cache_unescape(struct ks_buf *out, const char *s, const char *end)
{
	for (; s < end; s++) {
		if (*s == '\\' && s + 1 < end) {
			s++;
			ks_buf_putc(out, *s == 't' ? '\t' : *s == 'n' ? '\n' : *s);
		} else {
			ks_buf_putc(out, *s);
		}
	}
}

/* The length of an entry starting at its B line. */
static size_t entry_len(const char *b)
{
	const char *end = strstr(b, "\nB ");

	return end ? (size_t)(end - b) + 1 : strlen(b);
}

/*
 * Replays a cached entry's values into `u` and checks its references in
 * the work tree.  *ok is 1 when the record is valid as cached and every
 * reference exists.  -1 when the entry is damaged.  The entry is read
 * from a copy of its own: sscanf() measures the whole string it is given,
 * and an entry read in place in the old cache has the rest of the cache
 * after it.
 */
struct scratch {
	struct ks_buf value, ptr, own;
};

static int replay(struct ks_unique *u, struct ks_repo *r, const char *at,
		  int check_refs, int probe, int *ok, struct scratch *sc)
{
	struct ks_buf *value = &sc->value, *ptr = &sc->ptr, *own = &sc->own;
	const char *p, *bline;
	unsigned long nv = 0, valid = 0, nr = 0, i;
	char hex[GIT_OID_HEXSZ + 1], kind[64], id[64];
	int err = -1;

	*ok = 0;
	ks_buf_reset(own);
	if (ks_buf_add(own, at, entry_len(at)) < 0)
		goto out;
	bline = own->ptr;
	p = strchr(bline, '\n');
	if (!p || sscanf(bline, "B %40s %63s %63s %lu %lu %lu", hex, kind, id,
			 &nv, &valid, &nr) != 6)
		goto out;
	for (i = 0; i < nv; i++) {
		const char *l = p + 1, *tab, *eol;
		int line, col, used = 0;

		if (strncmp(l, "V ", 2) ||
		    sscanf(l + 2, "%d %d %n", &line, &col, &used) < 2)
			goto out;
		tab = strchr(l, '\t');
		eol = strchr(l, '\n');
		if (!tab || !eol || tab > eol)
			goto out;
		ks_buf_reset(ptr);
		ks_buf_add(ptr, l + 2 + used, (size_t)(tab - (l + 2 + used)));
		ks_buf_reset(value);
		cache_unescape(value, tab + 1, eol);
		if (ks_buf_failed(ptr) || ks_buf_failed(value))
			goto out;
		if (probe)
			ks_unique_probe_at(u, ptr->ptr, value->ptr, value->len, line, col);
		else
			ks_unique_add_at(u, ptr->ptr, value->ptr, value->len, line, col);
		p = eol;
	}
	*ok = valid == 1;
	for (i = 0; i < nr; i++) {
		const char *l = p + 1, *eol = strchr(l, '\n');
		char rk[64], rid[64];

		if (!eol || sscanf(l, "R %63s %63s", rk, rid) != 2)
			goto out;
		if (check_refs && *ok) {
			char *rel = ks_repo_find_kind(r, rk)
				? ks_record_relpath(rk, rid) : NULL;
			char *abs = rel ? ks_repo_path(r, rel) : NULL;

			*ok = abs && access(abs, F_OK) == 0;
			ks_free(rel);
			ks_free(abs);
		}
		p = eol;
	}
	err = 0;
out:
	return err;
}

static int path_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int skipped(const struct ks_paths *skip, const char *path)
{
	return skip && skip->n &&
	       bsearch(&path, skip->v, skip->n, sizeof(*skip->v), path_cmp);
}

struct indexing {
	struct ks_unique *u;
	struct ks_buf refs;
	size_t nrefs;
};

static void collect_value(void *ctx, const char *pointer,
			  const struct ks_node *value)
{
	struct indexing *x = ctx;

	ks_unique_value(x->u, pointer, value);
}

static int collect_ref(void *ctx, const char *kind, const char *id)
{
	struct indexing *x = ctx;

	/* Kinds and ids with blanks cannot exist: no need to keep them. */
	if (!strpbrk(kind, " \t\n") && !strpbrk(id, " \t\n")) {
		ks_buf_addf(&x->refs, "R %s %s\n", kind, id);
		x->nrefs++;
	}
	return 1;
}

/*
 * Parses and validates a committed record, and appends its cache entry to
 * `out`.  Values are indexed into a scratch table, not the caller's.
 */
static int index_blob(struct ks_buf *out, struct ks_repo *r, struct ks_kind *k,
		      const char *path, const char *id, const char *hex,
		      const git_oid *oid)
{
	struct ks_diags ignore = KS_DIAGS_INIT;
	struct indexing x = { NULL, KS_BUF_INIT, 0 };
	struct ks_validate_opts vo = { collect_ref, collect_value, &x, 0 };
	struct ks_buf vals = KS_BUF_INIT;
	struct ks_schema *schema;
	struct ks_doc *doc = NULL;
	git_blob *blob = NULL;
	int valid = 0, err = -1;

	x.u = ks_unique_new();
	if (!x.u || git_blob_lookup(&blob, ks_repo_git(r), oid) < 0)
		goto out;
	ks_unique_begin(x.u, k->name, NULL, path, id, &ignore);
	x.u->quiet = 1;
	x.u->record = &vals;
	if (ks_repo_schema(&schema, r, k, &ignore) == 0 &&
	    ks_doc_parse(&doc, path, git_blob_rawcontent(blob),
			 (size_t)git_blob_rawsize(blob), KS_PARSE_RECORD,
			 &ignore) == 0) {
		const struct ks_pair *idp = ks_map_pair(ks_doc_root(doc), "id");

		valid = ks_schema_validate(schema, ks_doc_root(doc), path, &vo,
					   &ignore) == 0 &&
			(!idp || (idp->value->kind == KS_NODE_SCALAR &&
				  !strcmp(idp->value->u.scalar.str, id)));
	}
	ks_buf_addf(out, "B %s %s %s %zu %d %zu\n", hex, k->name, id,
		    x.u->nrecord, valid, x.nrefs);
	ks_buf_add(out, vals.ptr, vals.len);
	ks_buf_add(out, x.refs.ptr, x.refs.len);
	err = 0;
out:
	ks_unique_free(x.u);
	ks_buf_release(&x.refs);
	ks_buf_release(&vals);
	ks_doc_free(doc);
	git_blob_free(blob);
	ks_diags_release(&ignore);
	return err;
}

/*
 * The records folder of the tree committed at HEAD, into *out: 1, or 0
 * when there is no commit yet or no records folder in it, or an error.
 */
static int head_records(git_tree **out, git_repository *repo,
			struct ks_diags *d)
{
	git_commit *head = NULL;
	git_tree *tree = NULL;
	git_tree_entry *te = NULL;
	git_oid oid;
	int err = 0;

	*out = NULL;
	if (git_reference_name_to_id(&oid, repo, KS_MAIN_REF) < 0)
		return 0;
	if (git_commit_lookup(&head, repo, &oid) < 0 ||
	    git_commit_tree(&tree, head) < 0) {
		err = ks_error(d, KS_EIO, NULL, 0, 0,
			       "cannot read the last commit: %s", ks_git_error());
		goto out;
	}
	if (git_tree_entry_bypath(&te, tree, KS_RECORDS_DIR) == 0 &&
	    git_tree_lookup(out, repo, git_tree_entry_id(te)) == 0)
		err = 1;
	git_error_clear();
out:
	git_tree_entry_free(te);
	git_tree_free(tree);
	git_commit_free(head);
	return err;
}

/* One walk over the committed records: see scan_head(). */
struct scan {
	struct ks_unique *u;
	struct ks_repo *r;
	const struct ks_paths *skip;
	int check;
	size_t *count;
	struct ks_diags *d;
	struct ks_table ci;	/* the old cache's entries, when usable */
	/*
	 * The cache as it will be saved.  While it is the old one's first
	 * `same` bytes (every record so far found where the old cache has
	 * it: the usual case), it is not copied: `fresh` holds its text only
	 * once `copied`, from where the two part on.
	 */
	struct ks_buf fresh;
	const struct ks_buf *old;
	size_t same;
	int copied;
	/*
	 * Once copied, the new cache goes to its file as it is made, a
	 * megabyte at a time, never whole in memory: `written` bytes so far.
	 * A file that cannot be written leaves the cache as it was.
	 */
	const char *path;
	struct ks_file out;
	int writing;
	size_t written;
	struct ks_buf key;	/* "oid kind" of the record at hand */
	struct scratch replay;	/* buffers every replay reuses */
	size_t misses;		/* records the old cache did not have */
	int usable;		/* the old cache is of the same schemas */
};

#define FLUSH_AT (1u << 20)

/* `len` bytes of the new cache, to its file. */
static void put_out(struct scan *sc, const char *data, size_t len)
{
	if (!sc->writing)
		return;
	if (ks_file_write(&sc->out, data, len) < 0) {
		ks_file_abort(&sc->out);
		sc->writing = 0;
		return;
	}
	sc->written += len;
}

/* What `fresh` holds, to the file once it is `at` bytes long. */
static void flush(struct scan *sc, size_t at)
{
	if (!sc->copied || sc->fresh.len < at)
		return;
	put_out(sc, sc->fresh.ptr, sc->fresh.len);
	ks_buf_reset(&sc->fresh);
}

/* The new cache's file, begun with `len` bytes of text. */
static void start_out(struct scan *sc, const char *text, size_t len)
{
	struct ks_diags ignore = KS_DIAGS_INIT;

	sc->writing = ks_file_begin(&sc->out, sc->path, 0, &ignore) == 0;
	ks_diags_release(&ignore);
	put_out(sc, text, len);
}

/* The new cache parts from the old one here: its text so far, copied. */
static int part(struct scan *sc)
{
	if (sc->copied)
		return 0;
	sc->copied = 1;
	ks_buf_reset(&sc->fresh);
	start_out(sc, sc->old->ptr, sc->same);
	return 0;
}

/*
 * Starts the new cache with the schemas' lines, and reads the old one
 * into `old`: usable, and indexed, only with the very same schemas.
 */
static int open_cache(struct scan *sc, struct ks_buf *old, const char *path)
{
	ks_buf_puts(&sc->fresh, CACHE_MAGIC);
	if (ks_schema_files_id(&sc->fresh, sc->r) < 0)
		return -1;
	size_t values = 0;

	sc->usable = ks_buf_read_file(old, path, 0) == 0 &&
		     old->len >= sc->fresh.len &&
		     !memcmp(old->ptr, sc->fresh.ptr, sc->fresh.len) &&
		     index_cache(&sc->ci, old->ptr, &values) == 0;
	/* the index of values grows once, not by doubling as they come */
	if (sc->usable && sc->check &&
	    ks_unique_reserve(sc->u, sc->u->table.n + values + values / 64) < 0)
		return -1;
	sc->old = old;
	sc->same = sc->fresh.len;
	sc->copied = !sc->usable;
	if (sc->copied) {
		start_out(sc, sc->fresh.ptr, sc->fresh.len);
		ks_buf_reset(&sc->fresh);
	}
	return 0;
}

/*
 * One committed record: its entry of the new cache, kept or made, its
 * unique values into the index, and with `check` its check.
 */
static int scan_record(struct scan *sc, const struct blob_entry *b)
{
	char hex[GIT_OID_HEXSZ + 1], *kind = NULL, *id = NULL;
	const char *cached, *entry = NULL;
	struct ks_kind *k;
	size_t start = 0;
	int ok, err = 0;

	if (ks_record_path_parse(b->path, &kind, &id) < 0 ||
	    !(k = ks_repo_find_kind(sc->r, kind))) {
		/* Misplaced or of an unknown kind: check says so. */
		if (sc->check && !skipped(sc->skip, b->path)) {
			(*sc->count)++;
			if (ks_check_record(sc->r, b->path, NULL, NULL,
					    sc->d) == -1)
				err = -1;
		}
		goto out;
	}
	git_oid_tostr(hex, sizeof(hex), &b->oid);
	/* "oid kind", for each of 100,000 records: no printf */
	ks_buf_reset(&sc->key);
	ks_buf_add(&sc->key, hex, GIT_OID_HEXSZ);
	ks_buf_putc(&sc->key, ' ');
	ks_buf_puts(&sc->key, k->name);
	/* A kept entry is copied as it is, so the cache stays stable. */
	cached = sc->usable ? cache_find(&sc->ci, sc->key.ptr, sc->key.len) : NULL;
	if (cached && !sc->copied && cached == sc->old->ptr + sc->same) {
		entry = cached;
		sc->same += entry_len(cached);
	} else if (part(sc) < 0) {
		err = -1;
		goto out;
	} else if (cached) {
		start = sc->fresh.len;
		ks_buf_add(&sc->fresh, cached, entry_len(cached));
	} else {
		start = sc->fresh.len;
		sc->misses++;
		if (index_blob(&sc->fresh, sc->r, k, b->path, id, hex,
			       &b->oid) < 0) {
			err = -1;
			goto out;
		}
	}
	if (ks_buf_failed(&sc->fresh)) {
		err = -1;
		goto out;
	}
	if (!entry)
		entry = sc->fresh.ptr + start;
	if (skipped(sc->skip, b->path))
		goto out;
	ks_unique_begin(sc->u, k->name, k->schema, b->path, id, sc->d);
	if (replay(sc->u, sc->r, entry, sc->check, !sc->check, &ok,
		   &sc->replay) < 0) {
		/* later records are read again; the cache is written anew */
		sc->usable = 0;
		if (part(sc) < 0) {
			err = -1;
			goto out;
		}
	}
	if (sc->check) {
		(*sc->count)++;
		/* Not valid as cached: check it for its errors. */
		if (!ok && ks_check_record(sc->r, b->path, NULL, NULL,
					   sc->d) == -1)
			err = -1;
	}
out:
	flush(sc, FLUSH_AT);
	ks_free(kind);
	ks_free(id);
	return err;
}

/*
 * The walk of HEAD's records folder: each record scanned as the walk
 * meets it, never a list of all 100,000 held at once.
 */
struct walk {
	struct scan *sc;
	struct ks_buf path;
	int err;		/* scan_record()'s, which stops the walk */
};

static int walk_blob(const char *root, const git_tree_entry *e, void *p)
{
	struct walk *w = p;
	struct blob_entry b;

	if (git_tree_entry_type(e) != GIT_OBJECT_BLOB)
		return 0;
	ks_buf_reset(&w->path);
	ks_buf_puts(&w->path, KS_RECORDS_DIR "/");
	ks_buf_puts(&w->path, root);
	ks_buf_puts(&w->path, git_tree_entry_name(e));
	if (ks_buf_failed(&w->path)) {
		w->err = -1;
		return -1;
	}
	b.path = w->path.ptr;
	git_oid_cpy(&b.oid, git_tree_entry_id(e));
	w->err = scan_record(w->sc, &b);
	if (!w->err && w->sc->u->oom)
		w->err = -1;
	return w->err ? -1 : 0;
}

/*
 * Walks the records committed at HEAD through the cache.  Every record
 * not in `skip` has its unique values added to `u` (quietly unless
 * `check`); with `check`, a record that is not valid as cached, or whose
 * references are gone, is checked again from the work tree into `d`, and
 * *count counts the records looked at.
 */
static int scan_head(struct ks_unique *u, struct ks_repo *r,
		     const struct ks_paths *skip, int check, size_t *count,
		     struct ks_diags *d)
{
	struct scan sc = { u, r, skip, check, count, d,
			   KS_TABLE_INIT(const char *), KS_BUF_INIT, NULL, 0, 1,
			   NULL, KS_FILE_INIT, 0, 0, KS_BUF_INIT,
			   { KS_BUF_INIT, KS_BUF_INIT, KS_BUF_INIT }, 0, 0 };
	struct ks_buf old = KS_BUF_INIT, cachepath = KS_BUF_INIT;
	struct walk w = { &sc, KS_BUF_INIT, 0 };
	git_tree *records = NULL;
	int err;

	err = head_records(&records, ks_repo_git(r), d);
	if (err <= 0)
		goto out;
	ks_buf_addf(&cachepath, "%skhaosat/record-cache",
		    git_repository_path(ks_repo_git(r)));
	if (ks_buf_failed(&cachepath)) {
		err = -1;
		goto out;
	}
	sc.path = cachepath.ptr;
	err = open_cache(&sc, &old, cachepath.ptr);
	/* A folder that cannot be read leaves out its records, no more. */
	if (!err && git_tree_walk(records, GIT_TREEWALK_PRE, walk_blob, &w) < 0)
		err = w.err;
	git_error_clear();
	if (!err && u->oom)
		err = -1;
	/* Only a cache: a failure to save it costs speed, not correctness. */
	if (!err && !sc.copied && sc.same < old.len) {
		/* the old cache less records no longer committed */
		struct ks_diags ignore = KS_DIAGS_INIT;

		old.len = sc.same;
		ks_file_put_text(cachepath.ptr, &old, 0, &ignore);
		ks_diags_release(&ignore);
	} else if (!err && sc.copied) {
		struct ks_diags ignore = KS_DIAGS_INIT;

		flush(&sc, 0);
		if (sc.writing &&
		    (sc.misses || !sc.usable || sc.written != old.len))
			ks_file_commit(&sc.out, &ignore);
		ks_diags_release(&ignore);
	}
out:
	ks_file_abort(&sc.out);
	git_tree_free(records);
	ks_buf_release(&w.path);
	ks_table_release(&sc.ci);
	ks_buf_release(&sc.fresh);
	ks_buf_release(&sc.key);
	ks_buf_release(&sc.replay.value);
	ks_buf_release(&sc.replay.ptr);
	ks_buf_release(&sc.replay.own);
	ks_buf_release(&old);
	ks_buf_release(&cachepath);
	return err;
}

int ks_unique_probe_head(struct ks_unique *u, struct ks_repo *r,
			 const struct ks_paths *skip, struct ks_diags *d)
{
	size_t n = 0;

	return scan_head(u, r, skip, 0, &n, d);
}

int ks_check_committed(struct ks_unique *u, struct ks_repo *r,
		       const struct ks_paths *changed, size_t *count,
		       struct ks_diags *d)
{
	*count = 0;
	return scan_head(u, r, changed, 1, count, d);
}
