/*
 * The reading index in SQLite.  See rindex.h.
 *
 * One table, rec, holds a row per record file: its stat data, kind and id
 * (with the id's device and counter, for ordering), the keys of
 * ks_dupe_rec and the facet text.  meta holds each kind's facets, so that
 * a change of a form's choices reads that kind's records again.  The
 * database is written in WAL mode, so that readers never wait for a
 * refresh; a crash loses at most the last refresh, which the next one
 * redoes.
 */
#include "rindex.h"
#include "alloc.h"
#include "attach.h"
#include "buf.h"
#include "changes.h"
#include "check.h"
#include "diag.h"
#include "dupes.h"
#include "facets.h"
#include "file.h"
#include "pool.h"
#include "record.h"
#include "repo.h"
#include "schema.h"
#include "statcursor.h"
#include "statsval.h"
#include "table.h"
#include "wtlist.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <git2.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define RINDEX_FILE "khaosat/read-index.sqlite"
#define RINDEX_VERSION 5

/* what a refresh compares, read without the rows' text (version 5) */
#define REC_STAT_INDEX \
	"CREATE INDEX IF NOT EXISTS rec_stat ON rec(path, size, mtime, ctime, ino);"

static const char schema_sql[] =
	"PRAGMA user_version = 5;"
	"CREATE TABLE meta(k TEXT PRIMARY KEY, v TEXT NOT NULL);"
	"CREATE TABLE rec("
	" path TEXT PRIMARY KEY, size INTEGER, mtime INTEGER,"
	" ctime INTEGER, ino INTEGER,"
	" kind TEXT NOT NULL, id TEXT NOT NULL, dev TEXT NOT NULL,"
	" num INTEGER NOT NULL,"
	" name TEXT, commune TEXT, tax TEXT, phone TEXT, name_exact TEXT,"
	" name_loose TEXT, scope TEXT, words TEXT, facets TEXT,"
	" lat REAL, lon REAL, stats TEXT);"
	"CREATE INDEX rec_order ON rec(dev, num, kind);"
	REC_STAT_INDEX
	"CREATE INDEX rec_place ON rec(lat, lon) WHERE lat IS NOT NULL;"
	"CREATE TABLE uniq(path TEXT NOT NULL, kind TEXT NOT NULL,"
	" ptr TEXT NOT NULL, value TEXT NOT NULL, line INTEGER, col INTEGER);"
	"CREATE INDEX uniq_value ON uniq(kind, ptr, value);"
	"CREATE INDEX uniq_path ON uniq(path);"
	"CREATE INDEX rec_kind ON rec(kind, dev, num);";

struct kind_facets {
	const struct ks_kind *kind;
	struct ks_facet f[KS_FACETS_MAX];
	size_t n;
	/* its compiled form, when its records have x-unique values */
	const struct ks_schema *unique;
	char *sig;		/* "path list\n" of each facet, the schemas' ids */
};

struct ks_rindex {
	sqlite3 *db;
	struct ks_repo *r;
	struct kind_facets *kinds;
	size_t nkinds;
	sqlite3_stmt *put, *del, *uput, *udel;
	time_t start;		/* when the refresh began */
	char *file;
	int damaged;		/* made anew when closed */
	struct ks_paths odd;	/* files the last refresh met that are
				   not plain (links, pipes) */
};

/* One stored row's stat data, while a refresh compares. */
struct seen {
	const char *path;	/* in the walk's `seen_names` */
	size_t off;		/* the same, while they are read */
	struct ks_wtstamp s;
	int found;
};

static int seen_eq(const void *entry, const void *key)
{
	return !strcmp(((const struct seen *)entry)->path, key);
}

static int db_error(struct ks_rindex *x, struct ks_diags *d)
{
	int code = x->db ? sqlite3_errcode(x->db) : SQLITE_NOMEM;

	if (code == SQLITE_NOMEM)
		return -1;
	if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB) {
		x->damaged = 1;
		return ks_error(d, KS_EIO, RINDEX_FILE, 0, 0,
				"the list of records kept for reading is "
				"damaged; it is made anew next time");
	}
	return ks_error(d, KS_EIO, RINDEX_FILE, 0, 0,
			"the list of records kept for reading failed: %s",
			sqlite3_errmsg(x->db));
}

/* ---- opening ---- */

static int kinds_load(struct ks_rindex *x)
{
	struct ks_buf files = KS_BUF_INIT;	/* the schema files' ids, once */
	size_t i, j, n = ks_repo_kind_count(x->r);
	int err = -1;

	if (!(x->kinds = ks_calloc(n + 1, sizeof(*x->kinds))))
		return -1;
	x->nkinds = n;
	for (i = 0; i < n; i++) {
		struct kind_facets *k = &x->kinds[i];
		struct ks_diags quiet = KS_DIAGS_INIT;
		struct ks_schema *s = NULL;
		struct ks_buf sig = KS_BUF_INIT;

		k->kind = ks_repo_kind(x->r, i);
		/* a form that does not read offers no facets */
		if (ks_repo_schema(&s, x->r, (struct ks_kind *)k->kind, &quiet) == 0) {
			k->n = ks_facets(k->f, KS_FACETS_MAX, ks_schema_root(s));
			if (ks_schema_has_unique(s))
				k->unique = s;
		}
		ks_diags_release(&quiet);
		ks_buf_putc(&sig, '-');
		for (j = 0; j < k->n; j++)
			ks_buf_addf(&sig, "%s %d\n", k->f[j].path, k->f[j].list);
		/* a kind's unique values are read again when its forms change */
		if (k->unique && !files.len &&
		    ks_schema_files_id(&files, x->r) < 0) {
			ks_buf_release(&sig);
			goto out;
		}
		if (k->unique)
			ks_buf_add(&sig, files.ptr, files.len);
		if (!(k->sig = ks_buf_detach(&sig, NULL)))
			goto out;
	}
	err = 0;
out:
	ks_buf_release(&files);
	return err;
}

static const struct kind_facets *kind_of(const struct ks_rindex *x,
					 const char *name)
{
	size_t i;

	for (i = 0; i < x->nkinds; i++)
		if (!strcmp(x->kinds[i].kind->name, name))
			return &x->kinds[i];
	return NULL;
}

static void drop_files(const char *file)
{
	struct ks_buf b = KS_BUF_INIT;

	unlink(file);
	ks_buf_addf(&b, "%s-wal", file);
	if (!ks_buf_failed(&b))
		unlink(b.ptr);
	ks_buf_reset(&b);
	ks_buf_addf(&b, "%s-shm", file);
	if (!ks_buf_failed(&b))
		unlink(b.ptr);
	ks_buf_release(&b);
}

/*
 * Version 4 lacked only the index of the rows' stat data: given it, in
 * a second or so, rather than every record read again.
 */
static const char upgrade_4_sql[] =
	"BEGIN IMMEDIATE;"
	REC_STAT_INDEX
	"PRAGMA user_version = 5;"
	"COMMIT;";

/*
 * 1 when the database is one this version made (or of version 4, brought
 * up to it), 0 when not, -1 failure.
 */
static int usable(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	int rc, version = -1;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL))
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_NOMEM ? -1 : 0;
	if (version == 4 && sqlite3_exec(db, upgrade_4_sql, NULL, NULL, NULL)) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return 0;	/* made anew */
	}
	return version == 4 || version == RINDEX_VERSION;
}

static int open_db(struct ks_rindex *x, const char *file, struct ks_diags *d)
{
	int attempt, rc;

	for (attempt = 0; attempt < 2; attempt++) {
		int ok;

		rc = sqlite3_open_v2(file, &x->db, SQLITE_OPEN_READWRITE |
				     SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
				     NULL);
		if (rc == SQLITE_NOMEM)
			return -1;
		if (rc == SQLITE_OK) {
			sqlite3_busy_timeout(x->db, 10000);
			ok = usable(x->db);
			if (ok == 1)
				break;
			if (ok == 0 && sqlite3_exec(x->db, "PRAGMA user_version",
						    NULL, NULL, NULL) == SQLITE_OK) {
				/* empty (new) or of another version */
				sqlite3_stmt *st = NULL;
				int empty = 0;

				if (!sqlite3_prepare_v2(x->db,
					"SELECT count(*) FROM sqlite_master",
					-1, &st, NULL) &&
				    sqlite3_step(st) == SQLITE_ROW)
					empty = !sqlite3_column_int(st, 0);
				sqlite3_finalize(st);
				if (empty &&
				    sqlite3_exec(x->db, "PRAGMA journal_mode=WAL",
						 NULL, NULL, NULL) == SQLITE_OK &&
				    sqlite3_exec(x->db, schema_sql, NULL, NULL,
						 NULL) == SQLITE_OK)
					break;
			}
		}
		/* damaged, or another version's: made anew */
		sqlite3_close(x->db);
		x->db = NULL;
		drop_files(file);
	}
	if (!x->db)
		return ks_error(d, KS_EIO, RINDEX_FILE, 0, 0,
				"cannot make the list of records kept for "
				"reading: %s", sqlite3_errstr(rc));
	if (sqlite3_exec(x->db, "PRAGMA synchronous=NORMAL", NULL, NULL,
			 NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(x->db,
		"INSERT OR REPLACE INTO rec(path, size, mtime, ctime, ino,"
		" kind, id, dev, num, name, commune, tax, phone, name_exact,"
		" name_loose, scope, words, facets, lat, lon, stats) VALUES(?1,"
		" ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,"
		" ?16, ?17, ?18, ?19, ?20, ?21)", -1, &x->put, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(x->db, "DELETE FROM rec WHERE path = ?1", -1,
			       &x->del, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(x->db, "INSERT INTO uniq(path, kind, ptr, value,"
			       " line, col) VALUES(?1, ?2, ?3, ?4, ?5, ?6)", -1,
			       &x->uput, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(x->db, "DELETE FROM uniq WHERE path = ?1", -1,
			       &x->udel, NULL) != SQLITE_OK)
		return db_error(x, d);
	return 0;
}

int ks_rindex_open(struct ks_rindex **out, struct ks_repo *r,
		   struct ks_diags *d)
{
	struct ks_rindex *x = ks_calloc(1, sizeof(*x));
	struct ks_buf file = KS_BUF_INIT;
	int err = -1;

	*out = NULL;
	if (!x)
		return -1;
	x->r = r;
	if (ks_buf_addf(&file, "%skhaosat", git_repository_path(ks_repo_git(r))) < 0)
		goto out;
	if (mkdir(file.ptr, 0777) < 0 && errno != EEXIST) {
		err = ks_error(d, KS_EIO, file.ptr, 0, 0,
			       "cannot make the folder: %s", strerror(errno));
		goto out;
	}
	if (ks_buf_puts(&file, "/read-index.sqlite") < 0 ||
	    kinds_load(x) < 0)
		goto out;
	err = open_db(x, file.ptr, d);
out:
	x->file = ks_buf_detach(&file, NULL);
	if (err)
		ks_rindex_close(x);
	else
		*out = x;
	return err;
}

void ks_rindex_close(struct ks_rindex *x)
{
	size_t i;

	if (!x)
		return;
	sqlite3_finalize(x->put);
	sqlite3_finalize(x->del);
	sqlite3_finalize(x->uput);
	sqlite3_finalize(x->udel);
	sqlite3_close(x->db);
	ks_paths_release(&x->odd);
	if (x->damaged && x->file)
		drop_files(x->file);
	ks_free(x->file);
	for (i = 0; x->kinds && i < x->nkinds; i++)
		ks_free(x->kinds[i].sig);
	ks_free(x->kinds);
	ks_free(x);
}

/* ---- writing entries ---- */

static int bind_text(sqlite3_stmt *st, int i, const char *s)
{
	return s ? sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC)
		 : sqlite3_bind_null(st, i);
}

/* One record's x-unique values going into the uniq table. */
struct uvalues {
	struct ks_rindex *x;
	const char *rel, *kind;
	int failed;
};

static void put_unique(void *ctx, const char *pointer, const struct ks_node *v)
{
	struct uvalues *u = ctx;
	sqlite3_stmt *st = u->x->uput;

	/* as unique.c indexes them: scalars, as written */
	if (u->failed || v->kind != KS_NODE_SCALAR)
		return;
	sqlite3_reset(st);
	if (sqlite3_bind_text(st, 1, u->rel, -1, SQLITE_STATIC) ||
	    sqlite3_bind_text(st, 2, u->kind, -1, SQLITE_STATIC) ||
	    sqlite3_bind_text(st, 3, pointer, -1, SQLITE_TRANSIENT) ||
	    sqlite3_bind_text(st, 4, v->u.scalar.str, (int)v->u.scalar.len,
			      SQLITE_TRANSIENT) ||
	    sqlite3_bind_int(st, 5, v->line) || sqlite3_bind_int(st, 6, v->col) ||
	    sqlite3_step(st) != SQLITE_DONE)
		u->failed = 1;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

/*
 * The x-unique values of the record `rel` as it is now: its old ones
 * dropped, and those the validator finds in `root` (NULL: none) kept.
 */
static int put_uniques(struct ks_rindex *x, const struct kind_facets *kf,
		       const char *rel, const struct ks_node *root,
		       struct ks_diags *d)
{
	struct uvalues u = { x, rel, kf->kind->name, 0 };
	struct ks_validate_opts vo = { NULL, put_unique, &u, 0 };
	struct ks_diags ignore = KS_DIAGS_INIT;
	int rc;

	sqlite3_reset(x->udel);
	rc = sqlite3_bind_text(x->udel, 1, rel, -1, SQLITE_STATIC) ||
	     sqlite3_step(x->udel) != SQLITE_DONE;
	sqlite3_reset(x->udel);
	if (rc)
		return db_error(x, d);
	if (!kf->unique || !root)
		return 0;
	/* the verdict is check's to give: only the values count here */
	rc = ks_schema_validate(kf->unique, root, rel, &vo, &ignore);
	ks_diags_release(&ignore);
	if (rc == -1)
		return -1;
	return u.failed ? db_error(x, d) : 0;
}

static int bind_place(sqlite3_stmt *st, int i, int placed, double v)
{
	return placed ? sqlite3_bind_double(st, i, v) : sqlite3_bind_null(st, i);
}

/* The entry of the record file `rel` as it is now (or its removal). */
static int put(struct ks_rindex *x, const char *rel,
	       const struct ks_wtstamp *st, struct ks_diags *d)
{
	struct ks_dupe_index one = { 0 };
	const struct kind_facets *kf;
	struct ks_diags quiet = KS_DIAGS_INIT;
	struct ks_doc *doc = NULL;
	struct ks_buf facets = KS_BUF_INIT, stats = KS_BUF_INIT;
	char *kind = NULL, *id = NULL, *abs = NULL;
	char dev[KS_DEVICE_MAX + 1];
	unsigned long num;
	const struct ks_dupe_rec *e;
	double lat = 0, lon = 0;
	int err = -1, rc, placed;

	if (ks_record_path_parse(rel, &kind, &id) < 0 ||
	    !(kf = kind_of(x, kind))) {
		err = 0;	/* not a record of the survey */
		goto out;
	}
	if (!(abs = ks_repo_path(x->r, rel)))
		goto out;
	rc = ks_doc_load(&doc, abs, rel, KS_PARSE_RECORD, &quiet);
	if (rc == -1)
		goto out;
	/* one that does not read is listed with its id alone */
	if (ks_dupe_index_add(&one, kind, id, rel, rc ? NULL : ks_doc_root(doc)) < 0)
		goto out;
	e = &one.v[0];
	if (!rc && (ks_facets_text(&facets, kf->f, kf->n, ks_doc_root(doc)) < 0 ||
		    ks_stats_text(&stats, ks_doc_root(doc)) < 0))
		goto out;
	if (ks_id_parse(id, dev, &num) < 0) {
		snprintf(dev, sizeof(dev), "%s", id);
		num = 0;
	}
	placed = !rc && ks_position_read(ks_map_get(ks_doc_root(doc), "position"),
					 &lat, &lon);
	sqlite3_reset(x->put);
	/* changed within the second the refresh began: read it again */
	if (sqlite3_bind_text(x->put, 1, rel, -1, SQLITE_STATIC) ||
	    sqlite3_bind_int64(x->put, 2, st->size) ||
	    sqlite3_bind_int64(x->put, 3, st->mtime / 1000000000 >=
					  (long long)x->start ? -1 : st->mtime) ||
	    sqlite3_bind_int64(x->put, 4, st->ctime) ||
	    sqlite3_bind_int64(x->put, 5, st->ino) ||
	    bind_text(x->put, 6, kind) || bind_text(x->put, 7, id) ||
	    bind_text(x->put, 8, dev) ||
	    sqlite3_bind_int64(x->put, 9, (long long)num) ||
	    bind_text(x->put, 10, e->name) || bind_text(x->put, 11, e->commune) ||
	    bind_text(x->put, 12, e->tax) || bind_text(x->put, 13, e->phone) ||
	    bind_text(x->put, 14, e->name_exact) ||
	    bind_text(x->put, 15, e->name_loose) ||
	    bind_text(x->put, 16, e->scope) || bind_text(x->put, 17, e->words) ||
	    bind_text(x->put, 18, rc ? NULL : facets.ptr) ||
	    bind_place(x->put, 19, placed, lat) ||
	    bind_place(x->put, 20, placed, lon) ||
	    bind_text(x->put, 21, rc ? NULL : stats.ptr) ||
	    sqlite3_step(x->put) != SQLITE_DONE) {
		err = db_error(x, d);
		goto out;
	}
	err = put_uniques(x, kf, rel, rc ? NULL : ks_doc_root(doc), d);
out:
	if (x->put) {
		sqlite3_reset(x->put);
		sqlite3_clear_bindings(x->put);
	}
	ks_dupe_index_release(&one);
	ks_buf_release(&facets);
	ks_buf_release(&stats);
	ks_doc_free(doc);
	ks_diags_release(&quiet);
	ks_free(abs);
	ks_free(kind);
	ks_free(id);
	return err;
}

static int drop(struct ks_rindex *x, const char *rel, struct ks_diags *d)
{
	int rc;

	sqlite3_reset(x->del);
	rc = sqlite3_bind_text(x->del, 1, rel, -1, SQLITE_STATIC) ||
	     sqlite3_step(x->del) != SQLITE_DONE;
	sqlite3_reset(x->del);
	if (!rc) {
		sqlite3_reset(x->udel);
		rc = sqlite3_bind_text(x->udel, 1, rel, -1, SQLITE_STATIC) ||
		     sqlite3_step(x->udel) != SQLITE_DONE;
		sqlite3_reset(x->udel);
	}
	return rc ? db_error(x, d) : 0;
}

static int exec(struct ks_rindex *x, const char *sql, struct ks_diags *d)
{
	return sqlite3_exec(x->db, sql, NULL, NULL, NULL) == SQLITE_OK
		? 0 : db_error(x, d);
}

/* Kinds whose facets changed have their records read again. */
static int facets_check(struct ks_rindex *x, struct ks_diags *d)
{
	sqlite3_stmt *get = NULL, *set = NULL, *stale = NULL;
	size_t i;
	int err = 0;

	if (sqlite3_prepare_v2(x->db, "SELECT v FROM meta WHERE k = ?1", -1,
			       &get, NULL) ||
	    sqlite3_prepare_v2(x->db, "INSERT OR REPLACE INTO meta(k, v)"
			       " VALUES(?1, ?2)", -1, &set, NULL) ||
	    sqlite3_prepare_v2(x->db, "UPDATE rec SET mtime = -1"
			       " WHERE kind = ?1", -1, &stale, NULL))
		err = db_error(x, d);
	for (i = 0; !err && i < x->nkinds; i++) {
		const struct kind_facets *k = &x->kinds[i];
		const char *was;
		int same;

		sqlite3_reset(get);
		if (bind_text(get, 1, k->kind->name)) {
			err = db_error(x, d);
			break;
		}
		same = sqlite3_step(get) == SQLITE_ROW &&
		       (was = (const char *)sqlite3_column_text(get, 0)) &&
		       !strcmp(was, k->sig);
		sqlite3_reset(get);
		if (same)
			continue;
		sqlite3_reset(set);
		sqlite3_reset(stale);
		if (bind_text(set, 1, k->kind->name) ||
		    bind_text(set, 2, k->sig) ||
		    sqlite3_step(set) != SQLITE_DONE ||
		    bind_text(stale, 1, k->kind->name) ||
		    sqlite3_step(stale) != SQLITE_DONE)
			err = db_error(x, d);
	}
	sqlite3_finalize(get);
	sqlite3_finalize(set);
	sqlite3_finalize(stale);
	return err;
}

/* ---- refreshing ---- */

/*
 * A refresh: the rows' stat data (`seen`, their paths in one block), the
 * files under records/ as its folders list them (`files`, their paths in
 * `names`), then each file's stat data.
 */
enum { LISTED_GONE, LISTED_FOLDER, LISTED_OTHER, LISTED_FILE };

struct listed {
	size_t path;		/* its "records/..." in `names` */
	struct ks_wtstamp s;
	unsigned char what;	/* LISTED_* */
};

struct walk {
	struct ks_rindex *x;
	struct ks_table seen;
	struct ks_buf seen_names;
	struct listed *files;
	size_t nfiles, alloc;
	struct ks_buf names;
	struct ks_buf rel;	/* "records/..." of the folder being read */
	int top;		/* records/, open */
	const struct ks_changes *listing;	/* or NULL */
	size_t read;
	struct ks_diags *d;
};

#define WALK_INIT { NULL, KS_TABLE_INIT(struct seen), KS_BUF_INIT, NULL, 0, 0, \
		    KS_BUF_INIT, KS_BUF_INIT, -1, NULL, 0, NULL }

static void walk_release(struct walk *w)
{
	ks_table_release(&w->seen);
	ks_buf_release(&w->seen_names);
	ks_free(w->files);
	ks_buf_release(&w->names);
	ks_buf_release(&w->rel);
	if (w->top >= 0)
		close(w->top);
}

static int seen_load(struct walk *w, struct ks_diags *d)
{
	struct ks_rindex *x = w->x;
	sqlite3_stmt *st = NULL;
	struct seen *s;
	size_t i = 0;
	int rc, err = 0;

	if (sqlite3_prepare_v2(x->db, "SELECT path, size, mtime, ctime, ino"
			       " FROM rec", -1, &st, NULL))
		return db_error(x, d);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *p = (const char *)sqlite3_column_text(st, 0);
		size_t len = p ? strlen(p) : 0;

		if (!p || !(s = ks_table_add(&w->seen, ks_hash(p, len)))) {
			err = -1;
			break;
		}
		s->off = w->seen_names.len;
		if (ks_buf_add(&w->seen_names, p, len + 1) < 0) {
			err = -1;
			break;
		}
		s->s.size = sqlite3_column_int64(st, 1);
		s->s.mtime = sqlite3_column_int64(st, 2);
		s->s.ctime = sqlite3_column_int64(st, 3);
		s->s.ino = sqlite3_column_int64(st, 4);
	}
	if (!err && rc != SQLITE_DONE)
		err = db_error(x, d);
	sqlite3_finalize(st);
	/* the block has its last size: the paths can be pointed at */
	while (!err && (s = ks_table_next(&w->seen, &i)))
		s->path = w->seen_names.ptr + s->off;
	return err;
}

static int same_stat(const struct seen *s, const struct ks_wtstamp *st)
{
	return s->s.mtime >= 0 && s->s.size == st->size &&
	       s->s.ino == st->ino && s->s.mtime == st->mtime &&
	       s->s.ctime == st->ctime;
}

static int listed_add(struct walk *w)
{
	struct listed *f;

	if (ks_grow(&w->files, w->nfiles, &w->alloc, sizeof(*w->files), 1024) < 0)
		return -1;
	f = &w->files[w->nfiles];
	f->path = w->names.len;
	if (ks_buf_add(&w->names, w->rel.ptr, w->rel.len + 1) < 0)
		return -1;
	w->nfiles++;
	return 0;
}

/*
 * The files in the folder open at `fd` (w->rel names it) and in its
 * folders, listed; their stat data is read after, by several threads.
 */
static int list_dir(struct walk *w, int fd, int depth)
{
	DIR *dh = fdopendir(fd);
	struct dirent *e;
	size_t len = w->rel.len;
	int err = 0;

	if (!dh) {
		close(fd);
		return errno == ENOMEM ? -1 : 0;
	}
	while (!err && (e = readdir(dh))) {
		unsigned char type = e->d_type;

		if (e->d_name[0] == '.' || ks_is_temp_path(e->d_name))
			continue;
		w->rel.len = len;
		w->rel.ptr[len] = '\0';
		ks_buf_putc(&w->rel, '/');
		if (ks_buf_puts(&w->rel, e->d_name) < 0) {
			err = -1;
			break;
		}
		if (type == DT_UNKNOWN) {
			struct stat st;

			if (fstatat(dirfd(dh), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
				continue;
			type = S_ISDIR(st.st_mode) ? DT_DIR : DT_REG;
		}
		if (type == DT_DIR) {
			int sub;

			if (depth >= 8)
				continue;
			sub = openat(dirfd(dh), e->d_name,
				     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub >= 0)
				err = list_dir(w, sub, depth + 1);
			continue;
		}
		err = listed_add(w);
	}
	closedir(dh);
	w->rel.len = len;
	w->rel.ptr[len] = '\0';
	return err;
}

/* Files [from, to)'s stat data, by one of several threads (pool.h). */
static void stat_share(void *ctx, size_t from, size_t to)
{
	struct walk *w = ctx;
	size_t skip = strlen(KS_RECORDS_DIR "/"), i;
	struct ks_stat_cursor c;
	struct stat st;

	ks_stat_cursor_init(&c, w->top);
	for (i = from; i < to; i++) {
		struct listed *f = &w->files[i];
		const struct ks_wtstamp *k = w->listing ?
			ks_changes_stamp(w->listing, w->names.ptr + f->path) : NULL;

		if (k) {
			/* as the listing just before found it */
			f->what = LISTED_FILE;
			f->s = *k;
		} else if (ks_stat_at(&c, w->names.ptr + f->path + skip, &st) < 0)
			f->what = LISTED_GONE;
		else if (S_ISDIR(st.st_mode))
			f->what = LISTED_FOLDER;
		else if (!S_ISREG(st.st_mode))
			f->what = LISTED_OTHER;
		else {
			f->what = LISTED_FILE;
			ks_wtstamp_of(&f->s, &st);
		}
	}
	ks_stat_cursor_release(&c);
}

/* Each file listed against its row: read again when it changed. */
static int compare(struct walk *w)
{
	size_t i;
	int err = 0;

	for (i = 0; !err && i < w->nfiles; i++) {
		const struct listed *f = &w->files[i];
		const char *path = w->names.ptr + f->path;
		struct seen *s;

		if (f->what == LISTED_OTHER) {
			/* never read; said to those that refuse it */
			err = ks_paths_add(&w->x->odd, path) < 0 ? -1 : 0;
			continue;
		}
		if (f->what != LISTED_FILE)
			continue;	/* gone, or a folder, since it was listed */
		s = ks_table_find(&w->seen, ks_hash(path, strlen(path)), path,
				  seen_eq);
		if (s)
			s->found = 1;
		if (s && same_stat(s, &f->s))
			continue;
		w->read++;
		err = put(w->x, path, &f->s, w->d);
	}
	return err;
}

static int refresh(struct ks_rindex *x, const struct ks_changes *listing,
		   size_t *read, struct ks_diags *d)
{
	struct walk w = WALK_INIT;
	char *top = ks_repo_path(x->r, KS_RECORDS_DIR);
	struct seen *s;
	size_t i = 0;
	int fd, err;

	if (!top)
		return -1;
	w.x = x;
	w.listing = listing;
	w.d = d;
	x->start = time(NULL);
	/* a file's time is judged against when its stat data was read */
	if (listing && listing->stamps && listing->listed < x->start)
		x->start = listing->listed;
	ks_paths_release(&x->odd);
	if ((err = exec(x, "BEGIN IMMEDIATE", d)))
		goto out;
	if ((err = facets_check(x, d)) || (err = seen_load(&w, d)) ||
	    ks_buf_puts(&w.rel, KS_RECORDS_DIR) < 0)
		goto done;
	/* opened twice, not dup()'ed: Windows' compat/ knows a folder by
	   the descriptor it was opened as */
	w.top = open(top, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (w.top >= 0 &&
	    (fd = open(top, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) >= 0)
		err = list_dir(&w, fd, 0);
	else if (w.top >= 0 || errno != ENOENT)
		err = ks_error(d, KS_EIO, KS_RECORDS_DIR, 0, 0,
			       "cannot read the folder: %s", strerror(errno));
	if (!err && w.nfiles) {
		ks_pool_split(w.nfiles, 2048, stat_share, &w);
		err = compare(&w);
	}
	while (!err && (s = ks_table_next(&w.seen, &i)))
		if (!s->found)
			err = drop(x, s->path, d);
done:
	if (err)
		sqlite3_exec(x->db, "ROLLBACK", NULL, NULL, NULL);
	else
		err = exec(x, "COMMIT", d);
out:
	if (read)
		*read = w.read;
	walk_release(&w);
	ks_free(top);
	return err;
}

int ks_rindex_refresh(struct ks_rindex *x, size_t *read, struct ks_diags *d)
{
	return refresh(x, NULL, read, d);
}

int ks_rindex_refresh_listed(struct ks_rindex *x,
			     const struct ks_changes *listing, size_t *read,
			     struct ks_diags *d)
{
	return refresh(x, listing, read, d);
}

const struct ks_paths *ks_rindex_not_plain(const struct ks_rindex *x)
{
	return &x->odd;
}

int ks_rindex_refresh_paths(struct ks_rindex *x, const char *const *paths,
			    size_t n, struct ks_diags *d)
{
	size_t i;
	int err;

	x->start = time(NULL);
	ks_paths_release(&x->odd);
	if ((err = exec(x, "BEGIN IMMEDIATE", d)))
		return err;
	for (i = 0; !err && i < n; i++) {
		char *abs = ks_repo_path(x->r, paths[i]);
		struct stat st;
		struct ks_wtstamp stamp;

		if (!abs)
			err = -1;
		else if (lstat(abs, &st) == 0 && S_ISREG(st.st_mode)) {
			ks_wtstamp_of(&stamp, &st);
			err = put(x, paths[i], &stamp, d);
		} else
			err = drop(x, paths[i], d);
		ks_free(abs);
	}
	if (err)
		sqlite3_exec(x->db, "ROLLBACK", NULL, NULL, NULL);
	else
		err = exec(x, "COMMIT", d);
	return err;
}

/* ---- reading ---- */

int ks_rindex_holders(struct ks_rindex *x, const char *kind,
		      const char *pointer, const char *value, size_t len,
		      const char *except,
		      int (*found)(void *ctx, const char *path, const char *id,
				   int line, int col),
		      void *ctx, struct ks_diags *d)
{
	sqlite3_stmt *st = NULL;
	int rc, err = 0;

	if (sqlite3_prepare_v2(x->db, "SELECT u.path, r.id, u.line, u.col"
			       " FROM uniq u JOIN rec r ON r.path = u.path"
			       " WHERE u.kind = ?1 AND u.ptr = ?2 AND u.value = ?3"
			       " AND u.path != ?4", -1, &st, NULL) ||
	    sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC) ||
	    sqlite3_bind_text(st, 2, pointer, -1, SQLITE_STATIC) ||
	    sqlite3_bind_text(st, 3, value, (int)len, SQLITE_STATIC) ||
	    sqlite3_bind_text(st, 4, except ? except : "", -1, SQLITE_STATIC)) {
		sqlite3_finalize(st);
		return db_error(x, d);
	}
	while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW)
		err = found(ctx, (const char *)sqlite3_column_text(st, 0),
			    (const char *)sqlite3_column_text(st, 1),
			    sqlite3_column_int(st, 2), sqlite3_column_int(st, 3));
	if (!err && rc != SQLITE_DONE)
		err = db_error(x, d);
	sqlite3_finalize(st);
	return err;
}

int ks_rindex_each(struct ks_rindex *x,
		   int (*fn)(void *ctx, const char *path, const char *kind,
			     const char *id, const char *stats),
		   void *ctx, struct ks_diags *d)
{
	sqlite3_stmt *st = NULL;
	int rc, err = 0;

	if (sqlite3_prepare_v2(x->db, "SELECT path, kind, id, stats FROM rec"
			       " ORDER BY path", -1, &st, NULL) != SQLITE_OK)
		return db_error(x, d);
	while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW)
		err = fn(ctx, (const char *)sqlite3_column_text(st, 0),
			 (const char *)sqlite3_column_text(st, 1),
			 (const char *)sqlite3_column_text(st, 2),
			 (const char *)sqlite3_column_text(st, 3));
	if (!err && rc != SQLITE_DONE)
		err = db_error(x, d);
	sqlite3_finalize(st);
	return err;
}

int ks_rindex_counts(struct ks_rindex *x, size_t *counts, struct ks_diags *d)
{
	sqlite3_stmt *st = NULL;
	size_t i;
	int rc;

	for (i = 0; i < x->nkinds; i++)
		counts[i] = 0;
	if (sqlite3_prepare_v2(x->db, "SELECT kind, count(*) FROM rec"
			       " GROUP BY kind", -1, &st, NULL))
		return db_error(x, d);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *k = (const char *)sqlite3_column_text(st, 0);

		for (i = 0; k && i < x->nkinds; i++)
			if (!strcmp(x->kinds[i].kind->name, k))
				counts[i] = (size_t)sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_error(x, d);
}

static char *column(sqlite3_stmt *st, int i, int *oom)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	char *copy;

	if (!s)
		return NULL;
	if (!(copy = ks_strdup((const char *)s)))
		*oom = 1;
	return copy;
}

void ks_rindex_places_release(struct ks_rindex_places *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		ks_free(p->v[i].id);
		ks_free(p->v[i].name);
	}
	ks_free(p->v);
	memset(p, 0, sizeof(*p));
}

int ks_rindex_places(struct ks_rindex *x, struct ks_rindex_places *out,
		     double south, double west, double north, double east,
		     size_t max, struct ks_diags *d)
{
	sqlite3_stmt *st = NULL;
	int rc, oom = 0;

	memset(out, 0, sizeof(*out));
	if (sqlite3_prepare_v2(x->db, "SELECT id, name, lat, lon FROM rec"
			       " WHERE lat BETWEEN ?1 AND ?3"
			       " AND lon BETWEEN ?2 AND ?4", -1, &st, NULL) ||
	    sqlite3_bind_double(st, 1, south) ||
	    sqlite3_bind_double(st, 2, west) ||
	    sqlite3_bind_double(st, 3, north) ||
	    sqlite3_bind_double(st, 4, east)) {
		sqlite3_finalize(st);
		return db_error(x, d);
	}
	while (!oom && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct ks_rindex_place *p;

		out->total++;
		if (out->n == max)
			continue;
		if (ks_grow(&out->v, out->n, &out->alloc, sizeof(*out->v), 64) < 0) {
			oom = 1;
			break;
		}
		p = &out->v[out->n++];
		p->id = column(st, 0, &oom);
		p->name = column(st, 1, &oom);
		p->lat = sqlite3_column_double(st, 2);
		p->lon = sqlite3_column_double(st, 3);
	}
	sqlite3_finalize(st);
	if (oom)
		return -1;
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : db_error(x, d);
}

/*
 * The WHERE of a load: a kind, and facet text holding each value asked
 * for (into `needles`, one after another); *npairs how many.
 */
static int where(struct ks_buf *sql, struct ks_buf *needles, size_t *npairs,
		 const char *kind, const char *const *held, size_t nheld)
{
	size_t i;

	*npairs = 0;
	if (kind)
		ks_buf_puts(sql, " WHERE kind = ?1");
	for (i = 0; kind && i < nheld; i++) {
		if (!held[i])
			continue;
		ks_buf_addf(sql, " AND instr(facets, ?%zu) > 0", ++*npairs + 1);
		ks_facet_line(needles, i, held[i]);
		ks_buf_putc(needles, '\0');
	}
	return ks_buf_failed(sql) || ks_buf_failed(needles) ? -1 : 0;
}

static int bind_where(sqlite3_stmt *st, const char *kind,
		      const struct ks_buf *needles, size_t npairs)
{
	const char *p = needles->ptr;
	size_t i;

	if (kind && bind_text(st, 1, kind))
		return -1;
	for (i = 0; kind && i < npairs; i++) {
		if (sqlite3_bind_text(st, (int)i + 2, p, -1, SQLITE_STATIC))
			return -1;
		p += strlen(p) + 1;
	}
	return 0;
}

#define REC_COLUMNS "kind, id, path, name, commune, tax, phone, name_exact," \
	" name_loose, scope, words, facets"
/* The same without words and with "" for facet text (a record that read) */
#define REC_COLUMNS_LEAN "kind, id, path, name, commune, tax, phone," \
	" name_exact, name_loose, scope, NULL," \
	" CASE WHEN facets IS NULL THEN NULL ELSE '' END"

/*
 * Adds the record of the row at `st` (REC_COLUMNS, or _LEAN) to `ix`, its
 * strings in one block.
 */
static int add_row(struct ks_dupe_index *ix, sqlite3_stmt *st)
{
	enum { COLUMNS = 12, SCOPE = 9, WORDS = 10 };
	const unsigned char *text[COLUMNS];
	size_t len[COLUMNS], total = 0, i;
	struct ks_dupe_rec *e;
	char **field[COLUMNS], *p;

	if (ks_grow(&ix->v, ix->n, &ix->alloc, sizeof(*ix->v), 64) < 0)
		return -1;
	e = &ix->v[ix->n];
	memset(e, 0, sizeof(*e));
	field[0] = &e->kind, field[1] = &e->id, field[2] = &e->path;
	field[3] = &e->name, field[4] = &e->commune, field[5] = &e->tax;
	field[6] = &e->phone, field[7] = &e->name_exact;
	field[8] = &e->name_loose, field[SCOPE] = &e->scope;
	field[WORDS] = &e->words, field[11] = &e->facets;
	for (i = 0; i < COLUMNS; i++) {
		text[i] = sqlite3_column_text(st, (int)i);
		len[i] = text[i] ? (size_t)sqlite3_column_bytes(st, (int)i) + 1
				 : i == SCOPE ? 1 : i == WORDS ? 2 : 0;
		total += len[i];
	}
	if (!text[0] || !text[1] || !text[2] || !(p = e->block = ks_malloc(total)))
		return -1;
	for (i = 0; i < COLUMNS; i++) {
		if (!len[i])
			continue;
		/* no scope: ""; no words: " " */
		memcpy(p, text[i] ? (const char *)text[i] : i == SCOPE ? "" : " ",
		       len[i]);
		*field[i] = p;
		p += len[i];
	}
	ix->n++;
	return 0;
}

/*
 * The rows of `where` that `match` takes, in order: their number in
 * *total, and the rowids of the `count` from the `first` on in *page.
 * Only what a search reads is taken out of each row, and not copied.
 */
static int search(struct ks_rindex *x, sqlite3_int64 **page, size_t *npage,
		  size_t *total, const char *where_sql, const char *kind,
		  const struct ks_buf *needles, size_t npairs,
		  struct ks_dupe_query *match, size_t first, size_t count,
		  struct ks_diags *d)
{
	struct ks_buf sql = KS_BUF_INIT;
	sqlite3_stmt *st = NULL;
	size_t alloc = 0;
	int rc, err = -1;

	ks_buf_addf(&sql, "SELECT rowid, id, phone, tax, words FROM rec%s"
		    " ORDER BY dev, num, kind", where_sql);
	if (ks_buf_failed(&sql))
		goto out;
	if (sqlite3_prepare_v2(x->db, sql.ptr, -1, &st, NULL) ||
	    bind_where(st, kind, needles, npairs)) {
		err = db_error(x, d);
		goto out;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct ks_dupe_rec e;
		int m;

		memset(&e, 0, sizeof(e));
		e.id = (char *)sqlite3_column_text(st, 1);
		e.phone = (char *)sqlite3_column_text(st, 2);
		e.tax = (char *)sqlite3_column_text(st, 3);
		e.words = (char *)sqlite3_column_text(st, 4);
		if (!e.id)
			continue;
		if (!e.words)
			e.words = (char *)" ";
		if ((m = ks_dupe_query_match(match, &e)) < 0)
			goto out;
		if (!m)
			continue;
		if (*total >= first && (!count || *total < first + count)) {
			if (ks_grow(page, *npage, &alloc, sizeof(**page), 64) < 0)
				goto out;
			(*page)[(*npage)++] = sqlite3_column_int64(st, 0);
		}
		++*total;
	}
	err = rc == SQLITE_DONE ? 0 : db_error(x, d);
out:
	sqlite3_finalize(st);
	ks_buf_release(&sql);
	return err;
}

/*
 * Adds the records of the rowids `page` to `ix`, in their order, as
 * `columns` (REC_COLUMNS or REC_COLUMNS_LEAN) has them.
 */
static int load_rows(struct ks_rindex *x, struct ks_dupe_index *ix,
		     const char *columns, const sqlite3_int64 *page, size_t n,
		     struct ks_diags *d)
{
	struct ks_buf sql = KS_BUF_INIT;
	sqlite3_stmt *st = NULL;
	size_t i;
	int err = 0;

	ks_buf_addf(&sql, "SELECT %s FROM rec WHERE rowid = ?1", columns);
	if (ks_buf_failed(&sql))
		return -1;
	if (sqlite3_prepare_v2(x->db, sql.ptr, -1, &st, NULL)) {
		ks_buf_release(&sql);
		return db_error(x, d);
	}
	ks_buf_release(&sql);
	for (i = 0; !err && i < n; i++) {
		int rc;

		sqlite3_reset(st);
		if (sqlite3_bind_int64(st, 1, page[i]) ||
		    ((rc = sqlite3_step(st)) != SQLITE_ROW && rc != SQLITE_DONE))
			err = db_error(x, d);
		else if (rc == SQLITE_ROW)
			err = add_row(ix, st);
	}
	sqlite3_finalize(st);
	return err;
}

/* ks_rindex_load(), each record as `columns` has it */
static int load(struct ks_rindex *x, struct ks_dupe_index *ix,
		size_t *total, const char *kind, const char *const *held,
		size_t nheld, struct ks_dupe_query *match, size_t first,
		size_t count, const char *columns, struct ks_diags *d)
{
	struct ks_buf sql = KS_BUF_INIT, cond = KS_BUF_INIT, needles = KS_BUF_INIT;
	sqlite3_stmt *st = NULL, *ct = NULL;
	sqlite3_int64 *page = NULL;
	size_t npairs, npage = 0;
	int rc, err = -1;

	*total = 0;
	if (where(&cond, &needles, &npairs, kind, held, nheld) < 0)
		goto out;
	if (match) {
		err = search(x, &page, &npage, total, cond.ptr, kind, &needles,
			     npairs, match, first, count, d);
		if (!err)
			err = load_rows(x, ix, columns, page, npage, d);
		goto out;
	}
	ks_buf_addf(&sql, "SELECT count(*) FROM rec%s", cond.ptr);
	if (ks_buf_failed(&sql))
		goto out;
	if (sqlite3_prepare_v2(x->db, sql.ptr, -1, &ct, NULL) ||
	    bind_where(ct, kind, &needles, npairs) ||
	    sqlite3_step(ct) != SQLITE_ROW) {
		err = db_error(x, d);
		goto out;
	}
	*total = (size_t)sqlite3_column_int64(ct, 0);
	ks_buf_reset(&sql);
	ks_buf_addf(&sql, "SELECT %s FROM rec%s"
		    " ORDER BY dev, num, kind LIMIT %lld OFFSET %zu", columns,
		    cond.ptr,
		    count ? (long long)count : -1LL, first);
	if (ks_buf_failed(&sql))
		goto out;
	if (sqlite3_prepare_v2(x->db, sql.ptr, -1, &st, NULL) ||
	    bind_where(st, kind, &needles, npairs)) {
		err = db_error(x, d);
		goto out;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (add_row(ix, st) < 0)
			goto out;
	err = rc == SQLITE_DONE ? 0 : db_error(x, d);
out:
	ks_free(page);
	sqlite3_finalize(st);
	sqlite3_finalize(ct);
	ks_buf_release(&sql);
	ks_buf_release(&cond);
	ks_buf_release(&needles);
	return err;
}

int ks_rindex_load(struct ks_rindex *x, struct ks_dupe_index *ix,
		   size_t *total, const char *kind, const char *const *held,
		   size_t nheld, struct ks_dupe_query *match, size_t first,
		   size_t count, struct ks_diags *d)
{
	return load(x, ix, total, kind, held, nheld, match, first, count,
		    REC_COLUMNS, d);
}

int ks_rindex_dupe_load(struct ks_dupe_index *ix, struct ks_repo *r,
			const char *kind, unsigned want, struct ks_diags *d)
{
	struct ks_diags quiet = KS_DIAGS_INIT;
	struct ks_rindex *x = NULL;
	size_t i, k, total;
	int err;

	/* a survey whose .git cannot be written is read record by record */
	err = ks_rindex_open(&x, r, &quiet);
	if (!err)
		err = ks_rindex_refresh(x, NULL, &quiet);
	ks_diags_release(&quiet);
	if (!err)
		err = load(x, ix, &total, kind, NULL, 0, NULL, 0, 0,
			   want & KS_RINDEX_WORDS ? REC_COLUMNS
						  : REC_COLUMNS_LEAN, d);
	if (err == -1) {
		ks_rindex_close(x);
		return -1;
	}
	ks_rindex_close(x);
	if (err) {
		ks_dupe_index_release(ix);
		return ks_dupe_index_load(ix, r, kind, d);
	}
	for (i = 0, k = 0; i < ix->n; i++) {
		struct ks_dupe_rec *e = &ix->v[i];

		if (!e->facets) {
			ks_diags_add(d, KS_SEV_WARNING, e->path, 0, 0, NULL,
				     NULL, "left out: the record cannot be read");
			ks_dupe_rec_release(e);
			continue;
		}
		ix->v[k++] = *e;
	}
	ix->n = k;
	return 0;
}
