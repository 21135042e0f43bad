/*
 * Survey statistics: the records and their values from the reading index
 * (rindex.h), each record's validity from the check of the whole survey
 * (checkall.h).  See stats.h.
 */
#include "stats.h"
#include "alloc.h"
#include "buf.h"
#include "changes.h"
#include "check.h"
#include "checkall.h"
#include "conflict.h"
#include "diag.h"
#include "paths.h"
#include "record.h"
#include "repo.h"
#include "rindex.h"
#include "schema.h"
#include "statsval.h"
#include "table.h"
#include "vnkey.h"

#include <stdlib.h>
#include <string.h>

#define NSPECS 6	/* ks_stats_specs[], less its end */

/* What a counted field of one kind needs while counting. */
struct counter {
	const struct ks_stats_spec *spec;	/* NULL: the device */
	const struct ks_snode *node;	/* for enum titles, or NULL */
	struct ks_stat_field *f;
	/*
	 * Each text met so far and the value it counts under: the same
	 * commune written 40,000 times is folded once.
	 */
	struct ks_table seen;	/* of struct seen */
};

struct seen {
	char *text;
	size_t value;		/* in f->v */
};

static int seen_eq(const void *entry, const void *key)
{
	return !strcmp(((const struct seen *)entry)->text, key);
}

static void counter_release(struct counter *c)
{
	struct seen *e;
	size_t i = 0;

	while ((e = ks_table_next(&c->seen, &i)))
		ks_free(e->text);
	ks_table_release(&c->seen);
}

struct kindctx {
	struct ks_kind *k;
	struct counter c[NSPECS + 1];
	size_t nc;
};

static void field_release(struct ks_stat_field *f)
{
	size_t i;

	for (i = 0; i < f->n; i++) {
		ks_free(f->v[i].value);
		ks_free(f->v[i].key);
	}
	ks_free(f->v);
}

void ks_stats_release(struct ks_stats *s)
{
	size_t i, j;

	for (i = 0; i < s->n; i++) {
		for (j = 0; j < s->v[i].nfields; j++)
			field_release(&s->v[i].fields[j]);
		ks_free(s->v[i].fields);
	}
	ks_free(s->v);
	memset(s, 0, sizeof(*s));
}

static const char *enum_title(const struct ks_snode *n, const char *value)
{
	const struct ks_node *v;
	size_t i;

	for (i = 0; n && i < ks_snode_enum_count(n); i++) {
		v = ks_snode_enum_value(n, i);
		if (v && v->kind == KS_NODE_SCALAR &&
		    !strcmp(v->u.scalar.str, value))
			return ks_snode_enum_title(n, i);
	}
	return NULL;
}

/* Counts `value` (NULL: missing) once. */
static int count(struct counter *c, const char *value, struct ks_buf *key)
{
	struct ks_stat_field *f = c->f;
	struct ks_stat_value *v;
	struct seen *slot;
	size_t i, hash;
	int err;

	if (!value) {
		f->missing++;
		return 0;
	}
	hash = ks_hash(value, strlen(value));
	if ((slot = ks_table_find(&c->seen, hash, value, seen_eq))) {
		f->v[slot->value].count++;
		return 0;
	}
	if (!(slot = ks_table_add(&c->seen, hash)))
		return -1;
	if (!(slot->text = ks_strdup(value))) {
		ks_table_remove(&c->seen, slot);
		return -1;
	}
	ks_buf_reset(key);
	if (c->spec && c->spec->free_text) {
		err = c->spec->free_text == 2
			? ks_vnkey_commune_exact(key, value, strlen(value))
			: ks_vnkey_exact(key, value, strlen(value));
		if (err == -1)
			return -1;
		if (err || !key->len) {
			ks_buf_reset(key);
			err = ks_buf_puts(key, value);
		}
	} else {
		err = ks_buf_puts(key, value);
	}
	if (err)
		return -1;
	/* another spelling of a value counted already */
	for (i = 0; i < f->n; i++) {
		if (!strcmp(f->v[i].key, key->ptr)) {
			f->v[i].count++;
			slot->value = i;
			return 0;
		}
	}
	if (ks_grow(&f->v, f->n, &f->alloc, sizeof(*f->v), 16) < 0)
		return -1;
	v = &f->v[f->n];
	memset(v, 0, sizeof(*v));
	v->value = ks_strdup(value);
	v->key = ks_strdup(key->ptr);
	if (!v->value || !v->key) {
		ks_free(v->value);
		ks_free(v->key);
		return -1;
	}
	v->title = enum_title(c->node, value);
	v->count = 1;
	slot->value = f->n++;
	return 0;
}

/* Which fields the kind's schema has; the device always. */
static int kind_setup(struct kindctx *kc, struct ks_stat_kind *sk,
		      struct ks_repo *r, struct ks_kind *k)
{
	struct ks_diags ignore = KS_DIAGS_INIT;
	struct ks_schema *s = NULL;
	const struct ks_snode *root = NULL, *n;
	size_t i;

	kc->k = k;
	sk->kind = k->name;
	sk->title = k->title;
	/* A broken schema is check's to report; its records are invalid. */
	if (ks_repo_schema(&s, r, k, &ignore) == 0 && s)
		root = ks_schema_root(s);
	ks_diags_release(&ignore);
	sk->fields = ks_calloc(NSPECS + 1, sizeof(*sk->fields));
	if (!sk->fields)
		return -1;
	for (i = 0; ks_stats_specs[i].field; i++) {
		const struct ks_stats_spec *sp = &ks_stats_specs[i];

		n = root ? ks_snode_property(root, sp->a) : NULL;
		if (n && sp->b)
			n = ks_snode_property(n, sp->b);
		if (!n)
			continue;
		ks_table_init(&kc->c[kc->nc].seen, sizeof(struct seen));
		kc->c[kc->nc].spec = sp;
		kc->c[kc->nc].node = n;
		kc->c[kc->nc].f = &sk->fields[sk->nfields];
		sk->fields[sk->nfields].field = sp->field;
		sk->fields[sk->nfields++].title = ks_snode_title(n);
		kc->nc++;
	}
	ks_table_init(&kc->c[kc->nc].seen, sizeof(struct seen));
	kc->c[kc->nc].spec = NULL;
	kc->c[kc->nc].node = NULL;
	kc->c[kc->nc++].f = &sk->fields[sk->nfields];
	sk->fields[sk->nfields++].field = "device";
	return 0;
}

/* One pass over the records: what it counts them into. */
struct collect {
	struct ks_stats *out;
	struct kindctx *kc;
	struct ks_paths invalid;	/* paths check finds errors in, sorted */
	int none_valid;		/* no schema compiles: no record is valid */
	struct ks_buf value, key;
	struct ks_changes listing;	/* the check's, for the reading index */
};

/*
 * The record `path` of `kind` counted: valid or not, and its values, from
 * the record `root` or the values text `text` (neither: it does not read).
 */
static int count_record(struct collect *c, const char *path, const char *kind,
			const char *id, const struct ks_node *root,
			const char *text)
{
	struct ks_stat_kind *sk = NULL;
	struct kindctx *kc = NULL;
	char device[KS_DEVICE_MAX + 1];
	const char *v;
	size_t i;

	for (i = 0; i < c->out->n && !sk; i++)
		if (!strcmp(c->out->v[i].kind, kind)) {
			sk = &c->out->v[i];
			kc = &c->kc[i];
		}
	if (!sk)
		return 0;
	sk->records++;
	if (c->none_valid || ks_paths_has(&c->invalid, path))
		sk->invalid++;
	else
		sk->valid++;
	for (i = 0; i < kc->nc; i++) {
		const struct ks_stats_spec *sp = kc->c[i].spec;
		int rc;

		if (!sp) {
			v = ks_id_parse(id, device, NULL) == 0 ? device : NULL;
		} else if (root) {
			v = ks_stats_value(root, sp);
		} else if (text) {
			rc = ks_stats_text_value(&c->value, text,
						 (size_t)(sp - ks_stats_specs));
			if (rc < 0)
				return -1;
			v = rc ? c->value.ptr : NULL;
		} else {
			v = NULL;
		}
		if (count(&kc->c[i], v, &c->key) < 0)
			return -1;
	}
	return 0;
}

static int count_row(void *ctx, const char *path, const char *kind,
		     const char *id, const char *stats)
{
	/* one that does not read has no values text (NULL), not an empty one */
	return count_record(ctx, path, kind, id, NULL, stats);
}

/* Without the reading index: each record file read. */
static int count_files(struct collect *c, struct ks_repo *r,
		       struct ks_diags *d)
{
	struct ks_paths paths = { 0 };
	size_t i;
	int err = ks_list_records(&paths, r, d);

	for (i = 0; !err && i < paths.n; i++) {
		struct ks_diags quiet = KS_DIAGS_INIT;
		struct ks_doc *doc = NULL;
		char *kind = NULL, *id = NULL, *abs = NULL;

		if (ks_record_path_parse(paths.v[i], &kind, &id) == 0) {
			if (!(abs = ks_repo_path(r, paths.v[i])) ||
			    ks_doc_load(&doc, abs, paths.v[i], KS_PARSE_RECORD,
					&quiet) == -1)
				err = -1;
			else
				err = count_record(c, paths.v[i], kind, id,
						   doc ? ks_doc_root(doc) : NULL,
						   NULL);
		}
		ks_doc_free(doc);
		ks_diags_release(&quiet);
		ks_free(abs);
		ks_free(kind);
		ks_free(id);
	}
	ks_paths_release(&paths);
	return err;
}

/* The paths `khaosat check` finds errors in, into c->invalid. */
static int find_invalid(struct collect *c, struct ks_repo *r)
{
	struct ks_check_opts o = { NULL, 0, NULL, NULL, &c->listing };
	struct ks_check_totals t = { 0 };
	struct ks_diags cd = KS_DIAGS_INIT;
	const char *last = NULL;
	size_t i;
	int err = ks_check_survey(&t, r, &o, &cd);

	c->none_valid = t.schemas_bad;
	/* sorted by file: each path once */
	for (i = 0; !err && i < cd.n; i++) {
		if (cd.v[i].severity != KS_SEV_ERROR || !cd.v[i].path ||
		    (last && !strcmp(last, cd.v[i].path)))
			continue;
		last = cd.v[i].path;
		if (ks_paths_add(&c->invalid, last) < 0)
			err = -1;
	}
	ks_paths_sort(&c->invalid);
	ks_diags_release(&cd);
	return err;
}

static int cmp_value(const void *x, const void *y)
{
	const struct ks_stat_value *a = x, *b = y;

	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	return strcmp(a->value, b->value);
}

static int count_conflicts(struct ks_stats *out, struct ks_repo *r,
			   struct ks_diags *d)
{
	struct ks_conflict_set cs = { 0 };
	struct ks_diags cd = KS_DIAGS_INIT;
	const char *last = NULL;
	size_t i, j;
	int err = ks_conflicts_load(&cs, r, NULL, &cd);

	if (err == -1)
		goto out;
	/* A conflict file that cannot be read: count the rest, say so. */
	for (i = 0; i < cd.n; i++)
		ks_diags_add(d, KS_SEV_WARNING, cd.v[i].path, cd.v[i].line,
			     cd.v[i].col, NULL, NULL, "%s", cd.v[i].message);
	err = 0;
	for (i = 0; i < cs.n; i++) {
		char *kind = NULL, *id = NULL;

		if (ks_record_path_parse(cs.v[i].file, &kind, &id) == 0) {
			for (j = 0; j < out->n; j++) {
				if (strcmp(out->v[j].kind, kind))
					continue;
				out->v[j].conflicts++;
				if (!last || strcmp(last, cs.v[i].file))
					out->v[j].conflicted++;
			}
		}
		last = cs.v[i].file;
		ks_free(kind);
		ks_free(id);
	}
out:
	ks_conflict_set_release(&cs);
	ks_diags_release(&cd);
	return err;
}

int ks_stats_collect(struct ks_stats *out, struct ks_repo *r,
		     const char *kind, struct ks_diags *d)
{
	struct collect c = { out, NULL, { 0 }, 0, KS_BUF_INIT, KS_BUF_INIT,
			     { 0 } };
	struct ks_diags quiet = KS_DIAGS_INIT;
	struct ks_rindex *x = NULL;
	size_t i, j, nk = ks_repo_kind_count(r);
	int err = -1;

	memset(out, 0, sizeof(*out));
	out->v = ks_calloc(nk ? nk : 1, sizeof(*out->v));
	c.kc = ks_calloc(nk ? nk : 1, sizeof(*c.kc));
	if (!out->v || !c.kc)
		goto out;
	for (i = 0; i < nk; i++) {
		struct ks_kind *k = ks_repo_kind(r, i);

		if (kind && strcmp(kind, k->name))
			continue;
		if (kind_setup(&c.kc[out->n], &out->v[out->n], r, k) < 0) {
			out->n++;
			goto out;
		}
		out->n++;
	}
	/* valid as `khaosat check` says, with the same record cache */
	if ((err = find_invalid(&c, r)))
		goto out;
	/* a survey whose .git cannot be written is read record by record */
	err = ks_rindex_open(&x, r, &quiet);
	if (!err)
		err = ks_rindex_refresh_listed(x, &c.listing, NULL, &quiet);
	/* a link or a pipe among the records: refused, as a listing does */
	for (i = 0; !err && i < ks_rindex_not_plain(x)->n; i++)
		err = ks_plain_path(r, ks_rindex_not_plain(x)->v[i], d);
	if (!err)
		err = ks_rindex_each(x, count_row, &c, d);
	else if (err != -1 && !d->errors)
		err = count_files(&c, r, d);
	if (err)
		goto out;
	for (i = 0; i < out->n; i++)
		for (j = 0; j < out->v[i].nfields; j++)
			if (out->v[i].fields[j].n > 1)
				qsort(out->v[i].fields[j].v, out->v[i].fields[j].n,
				      sizeof(*out->v[i].fields[j].v), cmp_value);
	err = count_conflicts(out, r, d);
out:
	if (err)
		ks_stats_release(out);
	ks_rindex_close(x);
	ks_diags_release(&quiet);
	ks_paths_release(&c.invalid);
	ks_changes_release(&c.listing);
	ks_buf_release(&c.value);
	ks_buf_release(&c.key);
	for (i = 0; c.kc && i < nk; i++)
		for (j = 0; j < c.kc[i].nc; j++)
			counter_release(&c.kc[i].c[j]);
	ks_free(c.kc);
	return err;
}
