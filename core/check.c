/*
 * Record checks within a survey: path, parse, id, schema, references and
 * uniqueness.  See check.h.
 */
#include "check.h"
#include "alloc.h"
#include "attachpath.h"
#include "buf.h"
#include "diag.h"
#include "file.h"
#include "pool.h"
#include "record.h"
#include "repo.h"
#include "schema.h"
#include "unique.h"

#include <dirent.h>
#include <git2.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int ks_is_temp_path(const char *path)
{
	const char *base = strrchr(path, '/');

	return strstr(base ? base + 1 : path, ".tmp-") != NULL;
}

/* ---- plain files and folders only ---- */

static int not_plain(struct ks_diags *d, const char *rel, mode_t m, int folder)
{
	return ks_error(d, KS_EINVALID, rel, 0, 0,
			folder ? "is %s, not a folder; khaosat keeps a survey in plain folders and files, and changed nothing; put the folder itself back in its place (a survey moves to another disk whole)"
			       : "is %s, not a plain file; khaosat keeps records as plain files, and changed nothing; put the file itself back in its place",
			ks_file_kind(m));
}

static int plain(struct ks_repo *r, const char *rel, int folder,
		 struct ks_diags *d)
{
	/* The last folder found plain: most paths share it with the one
	 * before, so a long list costs one lstat a path. */
	static char *known;
	struct ks_buf abs = KS_BUF_INIT;
	const char *slash;
	size_t root = strlen(ks_repo_workdir(r));
	struct stat st;
	int err = 0;

	if (ks_buf_addf(&abs, "%s%s", ks_repo_workdir(r), rel) < 0)
		return -1;
	slash = strrchr(rel, '/');
	if (slash && !(known && strlen(known) == (size_t)(slash - rel) + root &&
		       !strncmp(known, abs.ptr, strlen(known)))) {
		const char *p;

		for (p = strchr(rel, '/'); p; p = strchr(p + 1, '/')) {
			abs.ptr[root + (size_t)(p - rel)] = '\0';
			if (lstat(abs.ptr, &st) < 0) {
				if (errno != ENOENT && errno != ENOTDIR)
					err = ks_error(d, KS_EIO, abs.ptr + root, 0, 0,
						       "cannot read the folder: %s; nothing was changed",
						       strerror(errno));
				abs.ptr[root + (size_t)(p - rel)] = '/';
				goto out;
			}
			if (!S_ISDIR(st.st_mode)) {
				err = not_plain(d, abs.ptr + root, st.st_mode, 1);
				goto out;
			}
			abs.ptr[root + (size_t)(p - rel)] = '/';
		}
		ks_free(known);
		known = ks_strndup(abs.ptr, root + (size_t)(slash - rel));
	}
	if (lstat(abs.ptr, &st) == 0 &&
	    (folder ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)))
		err = not_plain(d, rel, st.st_mode, folder);
out:
	ks_buf_release(&abs);
	return err;
}

int ks_plain_path(struct ks_repo *r, const char *rel, struct ks_diags *d)
{
	return plain(r, rel, 0, d);
}

static int walk(struct ks_paths *out, struct ks_buf *abs, size_t rel_off,
		int depth, struct ks_diags *d)
{
	DIR *dh;
	struct dirent *e;
	size_t len = abs->len;
	int err = 0;

	if (depth > 8)
		return 0;
	dh = opendir(abs->ptr);
	if (!dh)
		return errno == ENOENT ? 0 :
			ks_error(d, KS_EIO, abs->ptr + rel_off, 0, 0,
				 "cannot read the folder: %s", strerror(errno));
	while (!err && (e = readdir(dh))) {
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		abs->len = len;
		abs->ptr[len] = '\0';
		if (ks_buf_addf(abs, "/%s", e->d_name) < 0) {
			err = -1;
			break;
		}
		if (lstat(abs->ptr, &st) < 0 || ks_is_temp_path(e->d_name))
			continue;
		if (S_ISDIR(st.st_mode))
			err = walk(out, abs, rel_off, depth + 1, d);
		else if (S_ISREG(st.st_mode))
			err = ks_paths_add(out, abs->ptr + rel_off);
		else
			err = not_plain(d, abs->ptr + rel_off, st.st_mode, 0);
	}
	closedir(dh);
	abs->len = len;
	abs->ptr[len] = '\0';
	return err;
}

int ks_list_records(struct ks_paths *out, struct ks_repo *r,
		    struct ks_diags *d)
{
	return ks_list_files(out, r, KS_RECORDS_DIR, d);
}

int ks_list_files(struct ks_paths *out, struct ks_repo *r, const char *dir,
		  struct ks_diags *d)
{
	struct ks_buf abs = KS_BUF_INIT;
	size_t off = strlen(ks_repo_workdir(r));
	int err;

	if (ks_buf_addf(&abs, "%s%s", ks_repo_workdir(r), dir) < 0)
		return -1;
	/* A folder moved away and linked back is not read as empty. */
	err = plain(r, dir, 1, d);
	if (!err)
		err = walk(out, &abs, off, 0, d);
	ks_buf_release(&abs);
	ks_paths_sort(out);
	return err;
}

/* ---- one record ---- */

struct refctx {
	struct ks_repo *r;
	struct ks_unique *uniq;
};

static int ref_exists(void *ctx, const char *kind, const char *id)
{
	struct refctx *c = ctx;
	struct stat st;
	char *rel, *abs;
	int found = 0;

	if (!ks_repo_find_kind(c->r, kind))
		return 0;
	rel = ks_record_relpath(kind, id);
	if (!rel)
		return 0;
	abs = ks_repo_path(c->r, rel);
	if (abs && stat(abs, &st) == 0 && S_ISREG(st.st_mode))
		found = 1;
	ks_free(abs);
	ks_free(rel);
	return found;
}

static void unique_value(void *ctx, const char *pointer,
			 const struct ks_node *value)
{
	struct refctx *c = ctx;

	if (c->uniq)
		ks_unique_value(c->uniq, pointer, value);
}

/* Kind and id of a record path, with the errors a person needs. */
static int record_place(struct ks_repo *r, const char *relpath,
			char **kind, char **id, struct ks_kind **k,
			struct ks_diags *d)
{
	struct ks_buf known = KS_BUF_INIT;

	if (ks_record_path_parse(relpath, kind, id) < 0) {
		ks_error(d, KS_EINVALID, relpath, 0, 0,
			 "not where a record belongs: records are named records/<kind>/<device>/<NNN>/<id>.yaml");
		return KS_EINVALID;
	}
	*k = ks_repo_find_kind(r, *kind);
	if (*k)
		return 0;
	ks_repo_kind_list(r, &known);
	ks_error(d, KS_EINVALID, relpath, 0, 0,
		 "unknown kind \"%s\" (the survey has: %s)", *kind, known.ptr);
	ks_buf_release(&known);
	return KS_EINVALID;
}

/* Each file the record lists in `attachments` is in its place. */
static int attachments_there(struct ks_repo *r, const char *relpath,
			     const char *id, const struct ks_kind *k,
			     const struct ks_node *root, struct ks_diags *d)
{
	const struct ks_node *list = ks_map_get(root, "attachments");
	size_t i;
	int err = 0;

	for (i = 0; list && list->kind == KS_NODE_SEQ && i < list->u.seq.n; i++) {
		const struct ks_node *it = list->u.seq.v[i];
		const struct ks_node *h = ks_map_get(it, "sha256");
		const struct ks_node *t = ks_map_get(it, "type");
		enum ks_media m = t && t->kind == KS_NODE_SCALAR
			? ks_media_of_type(t->u.scalar.str) : KS_MEDIA_NONE;
		char *rel, *abs = NULL, ptr[48];
		struct stat st;

		/* a hash or type the schema refuses is reported by it */
		if (!h || h->kind != KS_NODE_SCALAR || !m ||
		    !(rel = ks_attach_relpath(k->name, id, h->u.scalar.str, m)))
			continue;
		if (!(abs = ks_repo_path(r, rel))) {
			ks_free(rel);
			return -1;
		}
		if (lstat(abs, &st) < 0 || !S_ISREG(st.st_mode)) {
			snprintf(ptr, sizeof(ptr), "/attachments/%zu", i);
			ks_diags_add(d, KS_SEV_ERROR, relpath, it->line, it->col,
				     ptr, "x-attachment",
				     "the attached file %s is missing: attach it again, or remove its item",
				     rel);
			err = KS_EINVALID;
		}
		ks_free(abs);
		ks_free(rel);
	}
	return err;
}

/* Vietnam's mainland and coastal islands, in degrees (WGS84). */
#define VN_LAT_MIN 8.18
#define VN_LAT_MAX 23.40
#define VN_LON_MIN 102.14
#define VN_LON_MAX 109.47
#define VN_NEAR 0.5	/* degrees outside that still may be a GPS error */

static double outside(double v, double lo, double hi)
{
	return v < lo ? lo - v : v > hi ? v - hi : 0;
}

/*
 * A record's position lies in Vietnam: just outside (near a border, or a
 * GPS fix off the coast) is a warning to check it, further an error.
 */
static int position_in_vietnam(const char *relpath, const struct ks_node *root,
			       struct ks_diags *d)
{
	const struct ks_node *p = ks_map_get(root, "position");
	double lat, lon, off;

	if (!p || p->kind != KS_NODE_MAP ||
	    !ks_node_finite(ks_map_get(p, "latitude"), &lat) ||
	    !ks_node_finite(ks_map_get(p, "longitude"), &lon))
		return 0;
	off = outside(lat, VN_LAT_MIN, VN_LAT_MAX);
	if (outside(lon, VN_LON_MIN, VN_LON_MAX) > off)
		off = outside(lon, VN_LON_MIN, VN_LON_MAX);
	if (!off)
		return 0;
	if (off <= VN_NEAR) {
		ks_diags_add(d, KS_SEV_WARNING, relpath, p->line, p->col,
			     "/position", "x-position",
			     "the position %.5f, %.5f is just outside Vietnam, near a border or the coast: check it",
			     lat, lon);
		return 0;
	}
	if (!outside(lon, VN_LAT_MIN, VN_LAT_MAX) && !outside(lat, VN_LON_MIN, VN_LON_MAX))
		ks_diags_add(d, KS_SEV_ERROR, relpath, p->line, p->col,
			     "/position", "x-position",
			     "the position %.5f, %.5f is outside Vietnam: latitude and longitude look swapped",
			     lat, lon);
	else
		ks_diags_add(d, KS_SEV_ERROR, relpath, p->line, p->col,
			     "/position", "x-position",
			     "the position %.5f, %.5f is outside Vietnam (latitude 8.2 to 23.4, longitude 102.1 to 109.5): check what was typed",
			     lat, lon);
	return KS_EINVALID;
}

static int check_parsed(struct ks_repo *r, const char *relpath,
			const char *id, struct ks_kind *k,
			const struct ks_doc *doc, struct ks_unique *uniq,
			struct ks_diags *d)
{
	struct ks_schema *schema;
	const struct ks_pair *idp;
	struct refctx rc = { r, uniq };
	struct ks_validate_opts vo = { ref_exists, unique_value, &rc, 0 };
	int err = 0, v;

	idp = ks_map_pair(ks_doc_root(doc), "id");
	if (idp && idp->value->kind == KS_NODE_SCALAR &&
	    strcmp(idp->value->u.scalar.str, id)) {
		err = KS_EINVALID;
		ks_diags_add(d, KS_SEV_ERROR, relpath, idp->value->line,
			     idp->value->col, "/id", "id",
			     "record id \"%s\" does not match its file name \"%s.yaml\"",
			     idp->value->u.scalar.str, id);
	}
	if (ks_repo_schema(&schema, r, k, d))
		return KS_EINVALID;
	if (uniq)
		ks_unique_begin(uniq, k->name, schema, relpath, id, d);
	v = ks_schema_validate(schema, ks_doc_root(doc), relpath, &vo, d);
	if (v == -1)
		return -1;
	if (v)
		err = KS_EINVALID;
	v = attachments_there(r, relpath, id, k, ks_doc_root(doc), d);
	if (v == -1)
		return -1;
	if (v || position_in_vietnam(relpath, ks_doc_root(doc), d))
		err = KS_EINVALID;
	return err;
}

int ks_check_values(struct ks_repo *r, const char *kind,
		    const struct ks_node *root, const char *display,
		    struct ks_diags *d)
{
	return ks_check_values_into(r, kind, root, display, NULL, d);
}

int ks_check_values_into(struct ks_repo *r, const char *kind,
			 const struct ks_node *root, const char *display,
			 struct ks_unique *uniq, struct ks_diags *d)
{
	struct ks_kind *k = ks_repo_find_kind(r, kind);
	struct ks_schema *schema;
	struct refctx rc = { r, uniq };
	struct ks_validate_opts vo = { ref_exists, unique_value, &rc, 0 };
	int v;

	if (!k)
		return ks_error(d, KS_EINVALID, display, 0, 0,
				"unknown kind \"%s\"", kind);
	if (ks_repo_schema(&schema, r, k, d))
		return KS_EINVALID;
	v = ks_schema_validate(schema, root, display, &vo, d);
	return v == -1 ? -1 : v ? KS_EINVALID : 0;
}

int ks_check_value(struct ks_repo *r, const struct ks_snode *s,
		   const struct ks_node *value, struct ks_diags *d)
{
	struct refctx rc = { r, NULL };
	struct ks_validate_opts vo = { ref_exists, NULL, &rc, 0 };
	int v = ks_snode_validate(s, value, NULL, &vo, d);

	return v == -1 ? -1 : v ? KS_EINVALID : 0;
}

int ks_check_doc(struct ks_repo *r, const char *relpath,
		 const struct ks_doc *doc, struct ks_unique *uniq,
		 struct ks_diags *d)
{
	char *kind = NULL, *id = NULL;
	struct ks_kind *k = NULL;
	int err = record_place(r, relpath, &kind, &id, &k, d);

	if (!err)
		err = check_parsed(r, relpath, id, k, doc, uniq, d);
	ks_free(kind);
	ks_free(id);
	return err;
}

/*
 * ks_check_record() of a record whose file a thread loaded already:
 * `loaded` what ks_doc_load() returned, `doc` what it parsed, `load_d`
 * its messages, which join `d` where ks_check_record() makes them.
 */
static int check_loaded(struct ks_repo *r, const char *relpath,
			const struct ks_doc *doc, int loaded,
			struct ks_diags *load_d, struct ks_unique *uniq,
			struct ks_diags *d)
{
	char *kind = NULL, *id = NULL;
	struct ks_kind *k = NULL;
	int err = record_place(r, relpath, &kind, &id, &k, d);

	/* a misplaced record is not loaded: what loading said is dropped */
	if (!err) {
		ks_diags_move(d, load_d);
		err = loaded ? loaded : check_parsed(r, relpath, id, k, doc, uniq, d);
	}
	ks_free(kind);
	ks_free(id);
	return err;
}

#define LOAD_AHEAD_MIN 64

/* A record read and parsed ahead by a pool thread. */
struct load_job {
	const char *path;
	char *abs;
	struct ks_doc *doc;
	struct ks_diags d;
	int loaded;		/* what ks_doc_load() returned */
};

static void load_work(void *item, void *ctx)
{
	struct load_job *j = item;

	(void)ctx;
	ks_diags_init(&j->d);
	j->loaded = j->abs ? ks_doc_load(&j->doc, j->abs, j->path,
					 KS_PARSE_RECORD, &j->d) : -1;
}

/* The oldest record loaded, checked and handed to `done` unless `stop`. */
static int load_done(struct ks_pool *pool, struct ks_repo *r,
		     struct ks_unique *uniq, ks_checked_fn done, void *ctx,
		     int stop)
{
	struct load_job *j = ks_pool_take(pool);
	struct ks_diags rd = KS_DIAGS_INIT;
	int err = 0;

	if (!stop)
		err = done(ctx, j->path, check_loaded(r, j->path, j->doc, j->loaded,
						      &j->d, uniq, &rd), &rd);
	ks_diags_release(&rd);
	ks_diags_release(&j->d);
	ks_doc_free(j->doc);
	ks_free(j->abs);
	ks_pool_drop(pool);
	return err;
}

int ks_check_records(struct ks_repo *r, char *const *paths, size_t n,
		     struct ks_unique *uniq, ks_checked_fn done, void *ctx)
{
	/* without a pool (few records, or no memory for one), one by one */
	struct ks_pool *pool = n >= LOAD_AHEAD_MIN
		? ks_pool_new(sizeof(struct load_job), 0, load_work, NULL) : NULL;
	struct load_job *j;
	size_t i;
	int err = 0;

	for (i = 0; i < n && !err; i++) {
		if (!pool) {
			struct ks_diags rd = KS_DIAGS_INIT;

			err = done(ctx, paths[i],
				   ks_check_record(r, paths[i], uniq, NULL, &rd), &rd);
			ks_diags_release(&rd);
			continue;
		}
		while (!err && !(j = ks_pool_slot(pool)))
			err = load_done(pool, r, uniq, done, ctx, 0);
		if (err)
			break;
		j->path = paths[i];
		j->abs = ks_repo_path(r, paths[i]);
		ks_pool_put(pool);
	}
	if (pool) {
		while (ks_pool_take(pool)) {
			int e = load_done(pool, r, uniq, done, ctx, err != 0);

			if (!err)
				err = e;
		}
		ks_pool_free(pool);
	}
	return err;
}

int ks_check_record(struct ks_repo *r, const char *relpath,
		    struct ks_unique *uniq, struct ks_doc **out,
		    struct ks_diags *d)
{
	char *kind = NULL, *id = NULL, *abs = NULL;
	struct ks_doc *doc = NULL;
	struct ks_kind *k = NULL;
	int err;

	if (out)
		*out = NULL;
	err = record_place(r, relpath, &kind, &id, &k, d);
	if (err)
		goto out;
	abs = ks_repo_path(r, relpath);
	if (!abs) {
		err = -1;
		goto out;
	}
	err = ks_doc_load(&doc, abs, relpath, KS_PARSE_RECORD, d);
	if (err)
		goto out;
	err = check_parsed(r, relpath, id, k, doc, uniq, d);
	if (out && (err == 0 || err == KS_EINVALID)) {
		*out = doc;
		doc = NULL;
	}
out:
	ks_doc_free(doc);
	ks_free(abs);
	ks_free(kind);
	ks_free(id);
	return err;
}

int ks_resolve_record(char **relpath, struct ks_repo *r, const char *arg,
		      const char *cwd, struct ks_diags *d)
{
	const char *wd = ks_repo_workdir(r);
	size_t wdlen = strlen(wd);
	char real[PATH_MAX];
	struct ks_buf b = KS_BUF_INIT;
	size_t i;

	*relpath = NULL;
	if (ks_id_parse(arg, NULL, NULL) == 0) {
		struct stat st;

		for (i = 0; i < ks_repo_kind_count(r); i++) {
			char *rel = ks_record_relpath(ks_repo_kind(r, i)->name,
						      arg);
			char *abs = rel ? ks_repo_path(r, rel) : NULL;
			int found = abs && stat(abs, &st) == 0;

			ks_free(abs);
			if (found) {
				*relpath = rel;
				return 0;
			}
			ks_free(rel);
		}
		return ks_error(d, KS_ENOTFOUND, NULL, 0, 0,
				"no record \"%s\" in this survey", arg);
	}
	if (arg[0] == '/')
		ks_buf_puts(&b, arg);
	else
		ks_buf_addf(&b, "%s/%s", cwd, arg);
	if (!realpath(b.ptr, real)) {
		ks_buf_release(&b);
		return ks_error(d, KS_ENOTFOUND, arg, 0, 0,
				"no such record file or id");
	}
	ks_buf_release(&b);
	if (strncmp(real, wd, wdlen) || !real[wdlen])
		return ks_error(d, KS_EINVALID, arg, 0, 0,
				"file is outside the survey");
	*relpath = ks_strdup(real + wdlen);
	return *relpath ? 0 : -1;
}

int ks_record_format(struct ks_buf *out, struct ks_repo *r, const char *kind,
		     const struct ks_node *root)
{
	struct ks_kind *k = ks_repo_find_kind(r, kind);
	struct ks_diags ignore = KS_DIAGS_INIT;
	struct ks_schema *s = NULL;
	int err;

	/* A broken schema is reported by check; formatting still works. */
	if (k)
		ks_repo_schema(&s, r, k, &ignore);
	ks_diags_release(&ignore);
	err = ks_doc_write(out, root, s ? ks_schema_layout() : NULL,
			   s ? ks_schema_layout_root(s) : NULL);
	return err;
}

int ks_schema_files_id(struct ks_buf *out, struct ks_repo *r)
{
	struct ks_diags ignore = KS_DIAGS_INIT;
	struct ks_paths files = { 0 };
	size_t i;
	int err = 0;

	/* Every file a schema may $ref, and the survey file naming them. */
	if (ks_list_files(&files, r, KS_SCHEMA_DIR, &ignore) < 0 ||
	    ks_paths_add(&files, KS_SURVEY_FILE) < 0)
		err = -1;
	for (i = 0; i < files.n && !err; i++) {
		char *abs = ks_repo_path(r, files.v[i]);
		char hex[GIT_OID_HEXSZ + 1] = "none";
		git_oid oid;

		if (abs && git_odb_hashfile(&oid, abs, GIT_OBJECT_BLOB) == 0)
			git_oid_tostr(hex, sizeof(hex), &oid);
		ks_free(abs);
		if (ks_buf_addf(out, "S %s %s\n", files.v[i], hex) < 0)
			err = -1;
	}
	ks_paths_release(&files);
	ks_diags_release(&ignore);
	return err;
}
