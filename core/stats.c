/*
 * Survey statistics: one pass over the records of the work tree that
 * checks each one and counts its values.  See stats.h.
 */
#include "stats.h"
#include "alloc.h"
#include "buf.h"
#include "check.h"
#include "conflict.h"
#include "diag.h"
#include "record.h"
#include "repo.h"
#include "schema.h"
#include "unique.h"
#include "vnkey.h"

#include <stdlib.h>
#include <string.h>

/* The fields counted, when a kind's schema has them. */
static const struct spec {
	const char *field, *a, *b;
	int free_text;		/* grouped by key_exact; 2: a commune */
} specs[] = {
	{ "address.commune_name", "address", "commune_name", 2 },
	{ "legal_type", "legal_type", NULL, 0 },
	{ "trade_group", "trade_group", NULL, 0 },
	{ "kind", "kind", NULL, 0 },
	{ "ocop.stars", "ocop", "stars", 0 },
	{ "surveyor", "surveyor", NULL, 1 },
	{ NULL, NULL, NULL, 0 },
};

/* What a counted field of one kind needs while counting. */
struct counter {
	const struct spec *spec;	/* NULL: the device */
	const struct ks_snode *node;	/* for enum titles, or NULL */
	struct ks_stat_field *f;
};

struct kindctx {
	struct ks_kind *k;
	struct counter c[sizeof(specs) / sizeof(specs[0])];
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
	size_t i;
	int err;

	if (!value) {
		f->missing++;
		return 0;
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
	for (i = 0; i < f->n; i++) {
		if (!strcmp(f->v[i].key, key->ptr)) {
			f->v[i].count++;
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
	f->n++;
	return 0;
}

static const char *scalar_at(const struct ks_node *root, const char *a,
			     const char *b)
{
	const struct ks_node *n = ks_map_get(root, a);

	if (n && b)
		n = ks_map_get(n, b);
	return n && n->kind == KS_NODE_SCALAR ? n->u.scalar.str : NULL;
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
	sk->fields = ks_calloc(sizeof(specs) / sizeof(specs[0]),
			       sizeof(*sk->fields));
	if (!sk->fields)
		return -1;
	for (i = 0; specs[i].field; i++) {
		n = root ? ks_snode_property(root, specs[i].a) : NULL;
		if (n && specs[i].b)
			n = ks_snode_property(n, specs[i].b);
		if (!n)
			continue;
		kc->c[kc->nc].spec = &specs[i];
		kc->c[kc->nc].node = n;
		kc->c[kc->nc].f = &sk->fields[sk->nfields];
		sk->fields[sk->nfields].field = specs[i].field;
		sk->fields[sk->nfields++].title = ks_snode_title(n);
		kc->nc++;
	}
	kc->c[kc->nc].spec = NULL;
	kc->c[kc->nc].node = NULL;
	kc->c[kc->nc++].f = &sk->fields[sk->nfields];
	sk->fields[sk->nfields++].field = "device";
	return 0;
}

static int record_values(struct kindctx *kc, const struct ks_node *root,
			 const char *id)
{
	struct ks_buf key = KS_BUF_INIT;
	char device[KS_DEVICE_MAX + 1];
	const char *v;
	size_t i;
	int err = 0;

	for (i = 0; !err && i < kc->nc; i++) {
		if (kc->c[i].spec)
			v = root ? scalar_at(root, kc->c[i].spec->a,
					     kc->c[i].spec->b) : NULL;
		else
			v = ks_id_parse(id, device, NULL) == 0 ? device : NULL;
		err = count(&kc->c[i], v, &key);
	}
	ks_buf_release(&key);
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
	struct ks_paths paths = { 0 };
	struct kindctx *kc = NULL;
	struct ks_unique *u = NULL;
	unsigned char *bad = NULL;
	size_t *which = NULL, i, j, nk = ks_repo_kind_count(r);
	int err = -1;

	memset(out, 0, sizeof(*out));
	out->v = ks_calloc(nk ? nk : 1, sizeof(*out->v));
	kc = ks_calloc(nk ? nk : 1, sizeof(*kc));
	u = ks_unique_new();
	if (!out->v || !kc || !u)
		goto out;
	for (i = 0; i < nk; i++) {
		struct ks_kind *k = ks_repo_kind(r, i);

		if (kind && strcmp(kind, k->name))
			continue;
		if (kind_setup(&kc[out->n], &out->v[out->n], r, k) < 0) {
			out->n++;
			goto out;
		}
		out->n++;
	}
	err = ks_list_records(&paths, r, d);
	if (err)
		goto out;
	err = -1;
	bad = ks_calloc(paths.n ? paths.n : 1, 1);
	which = ks_calloc(paths.n ? paths.n : 1, sizeof(*which));
	if (!bad || !which)
		goto out;
	for (i = 0; i < paths.n; i++) {
		struct ks_diags rd = KS_DIAGS_INIT;
		struct ks_doc *doc = NULL;
		char *k = NULL, *id = NULL;
		int v;

		which[i] = (size_t)-1;
		if (ks_record_path_parse(paths.v[i], &k, &id) == 0)
			for (j = 0; j < out->n; j++)
				if (!strcmp(out->v[j].kind, k))
					which[i] = j;
		if (which[i] != (size_t)-1) {
			/* A clash with an earlier record lands in rd. */
			v = ks_check_record(r, paths.v[i], u, &doc, &rd);
			bad[i] = v != 0 || rd.errors;
			if (v != -1)
				v = record_values(&kc[which[i]], doc ?
						  ks_doc_root(doc) : NULL, id);
		} else {
			v = 0;
		}
		ks_doc_free(doc);
		ks_diags_release(&rd);
		ks_free(k);
		ks_free(id);
		if (v == -1)
			goto out;
	}
	if (ks_unique_report(u, d) < 0)
		goto out;
	for (i = 0; i < paths.n; i++) {
		if (which[i] == (size_t)-1)
			continue;
		out->v[which[i]].records++;
		if (bad[i])
			out->v[which[i]].invalid++;
		else
			out->v[which[i]].valid++;
	}
	for (i = 0; i < out->n; i++)
		for (j = 0; j < out->v[i].nfields; j++)
			if (out->v[i].fields[j].n > 1)
				qsort(out->v[i].fields[j].v, out->v[i].fields[j].n,
				      sizeof(*out->v[i].fields[j].v), cmp_value);
	err = count_conflicts(out, r, d);
out:
	if (err)
		ks_stats_release(out);
	ks_free(bad);
	ks_free(which);
	ks_free(kc);
	ks_unique_free(u);
	ks_paths_release(&paths);
	return err;
}
