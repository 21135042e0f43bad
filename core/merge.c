/*
 * Three-way merge of records: mappings key by key, keyed arrays item by
 * item, everything else as a whole value.  See merge.h for the rules.
 */
#include "merge.h"
#include "alloc.h"
#include "buf.h"
#include "diag.h"
#include "record.h"
#include "schema.h"

#include <stdlib.h>
#include <string.h>

void ks_mconflicts_release(struct ks_mconflicts *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		ks_free(c->v[i].field);
	ks_free(c->v);
	memset(c, 0, sizeof(*c));
}

int ks_mconflicts_add(struct ks_mconflicts *c, const char *field,
		      const struct ks_node *b, const struct ks_node *o,
		      const struct ks_node *t)
{
	struct ks_mconflict *m;

	if (c->n == c->alloc) {
		size_t n = c->alloc ? c->alloc * 2 : 8;
		struct ks_mconflict *v = ks_realloc(c->v, n * sizeof(*v));

		if (!v)
			return -1;
		c->v = v;
		c->alloc = n;
	}
	m = &c->v[c->n];
	m->field = ks_strdup(field);
	if (!m->field)
		return -1;
	m->base = b;
	m->ours = o;
	m->theirs = t;
	c->n++;
	return 0;
}

static int same(const struct ks_node *a, const struct ks_node *b)
{
	if (!a || !b)
		return a == b;
	return ks_node_equal(a, b);
}

struct merger {
	struct ks_doc *out;
	struct ks_mconflicts *c;
	struct ks_buf field;	/* the path being merged */
};

static int merge3(struct merger *m, struct ks_node **res,
		  const struct ks_node *b, const struct ks_node *o,
		  const struct ks_node *t, const struct ks_snode *s);

static struct ks_node *clone(struct merger *m, const struct ks_node *n)
{
	return n ? ks_node_clone(m->out, n) : NULL;
}

/* Appends "/key" to the field path, escaped as in a JSON Pointer. */
static int push_key(struct ks_buf *f, const char *key)
{
	int e = ks_buf_putc(f, '/');

	for (; *key; key++) {
		if (*key == '~')
			e |= ks_buf_puts(f, "~0");
		else if (*key == '/')
			e |= ks_buf_puts(f, "~1");
		else
			e |= ks_buf_putc(f, *key);
	}
	return e;
}

static int merge_map(struct merger *m, struct ks_node **res,
		     const struct ks_node *b, const struct ks_node *o,
		     const struct ks_node *t, const struct ks_snode *s)
{
	const struct ks_node *sides[3] = { b, o, t };
	struct ks_node *map = ks_node_map(m->out);
	size_t mark = m->field.len, i, j;

	if (!map)
		return -1;
	for (i = 0; i < 3; i++) {
		const struct ks_node *side = sides[i];

		for (j = 0; side && j < side->u.map.n; j++) {
			const char *key = side->u.map.v[j].key;
			struct ks_node *r = NULL;
			size_t k;
			int seen = 0;

			/* Each key once: skip it if an earlier side had it. */
			for (k = 0; k < i; k++)
				seen |= sides[k] && ks_map_get(sides[k], key);
			if (seen)
				continue;
			if (push_key(&m->field, key) < 0 ||
			    merge3(m, &r, ks_map_get(b, key), ks_map_get(o, key),
				   ks_map_get(t, key),
				   s ? ks_snode_property(s, key) : NULL) < 0)
				return -1;
			m->field.len = mark;
			m->field.ptr[mark] = '\0';
			if (r && ks_map_set(m->out, map, key, r) < 0)
				return -1;
		}
	}
	*res = map;
	return 0;
}

/* ---- arrays of objects identified by a key field ---- */

struct kitem {
	const char *key;	/* the key's text */
	const struct ks_node *item;
};

/* Items by key; -1 when an item has no scalar key or a key repeats. */
static int key_items(const struct ks_node *seq, const char *field,
		     struct kitem **out, size_t *n)
{
	size_t i, j;

	*out = NULL;
	*n = 0;
	if (!seq)
		return 0;
	*out = ks_calloc(seq->u.seq.n + 1, sizeof(**out));
	if (!*out)
		return -2;
	for (i = 0; i < seq->u.seq.n; i++) {
		const struct ks_node *k = ks_map_get(seq->u.seq.v[i], field);

		if (!k || k->kind != KS_NODE_SCALAR)
			return -1;
		for (j = 0; j < i; j++)
			if (!strcmp((*out)[j].key, k->u.scalar.str))
				return -1;
		(*out)[i].key = k->u.scalar.str;
		(*out)[i].item = seq->u.seq.v[i];
	}
	*n = seq->u.seq.n;
	return 0;
}

static long find_key(const struct kitem *v, size_t n, const char *key)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(v[i].key, key))
			return (long)i;
	return -1;
}

/* The base keys that `side` keeps, in the side's order. */
static size_t kept_order(const struct kitem *side, size_t ns,
			 const struct kitem *b, size_t nb, const char **out)
{
	size_t i, n = 0;

	for (i = 0; i < ns; i++)
		if (find_key(b, nb, side[i].key) >= 0)
			out[n++] = side[i].key;
	return n;
}

static int same_order(const char **a, size_t na, const char **b, size_t nb)
{
	size_t i;

	if (na != nb)
		return 0;
	for (i = 0; i < na; i++)
		if (strcmp(a[i], b[i]))
			return 0;
	return 1;
}

struct newitem {
	const char *key;
	long anchor;		/* position of the base item it follows, -1 first */
};

static int newitem_cmp(const void *x, const void *y)
{
	const struct newitem *a = x, *b = y;

	if (a->anchor != b->anchor)
		return a->anchor < b->anchor ? -1 : 1;
	return strcmp(a->key, b->key);
}

/*
 * Position (in `order`) of the nearest base item before `key` in `side`;
 * -1 when there is none.
 */
static long anchor_of(const struct kitem *side, size_t ns, const char *key,
		      const char **order, size_t norder)
{
	long i = find_key(side, ns, key), j;
	size_t k;

	for (j = i - 1; j >= 0; j--)
		for (k = 0; k < norder; k++)
			if (!strcmp(order[k], side[j].key))
				return (long)k;
	return -1;
}

/* Puts the keys of `side` first, in its order; the rest keep theirs. */
static void reorder_to(const char **order, size_t norder, const char **side,
		       size_t nside)
{
	const char **tmp = ks_calloc(norder + 1, sizeof(*tmp));
	size_t i, j, n = 0;

	if (!tmp)
		return;
	for (i = 0; i < nside; i++)
		tmp[n++] = side[i];
	for (i = 0; i < norder; i++) {
		int found = 0;

		for (j = 0; j < nside; j++)
			found |= !strcmp(order[i], side[j]);
		if (!found)
			tmp[n++] = order[i];
	}
	memcpy(order, tmp, norder * sizeof(*order));
	ks_free(tmp);
}

static const struct ks_node *item_of(const struct kitem *v, size_t n,
				     const char *key)
{
	long i = find_key(v, n, key);

	return i >= 0 ? v[i].item : NULL;
}

/* Merges the items with one key and appends the result, if any. */
static int emit_item(struct merger *m, struct ks_node *seq, const char *key,
		     const struct kitem *bi, size_t nb, const struct kitem *oi,
		     size_t no, const struct kitem *ti, size_t nt,
		     const struct ks_snode *is, const char *keyfield)
{
	size_t mark = m->field.len;
	struct ks_node *r = NULL;
	int err;

	if (ks_buf_addf(&m->field, "[%s=%s]", keyfield, key) < 0)
		return -1;
	err = merge3(m, &r, item_of(bi, nb, key), item_of(oi, no, key),
		     item_of(ti, nt, key), is);
	m->field.len = mark;
	m->field.ptr[mark] = '\0';
	if (err)
		return err;
	return r ? ks_seq_push(m->out, seq, r) : 0;
}

static int merge_keyed(struct merger *m, struct ks_node **res,
		       const struct ks_node *b, const struct ks_node *o,
		       const struct ks_node *t, const struct ks_snode *s,
		       const char *keyfield, int *fallback)
{
	struct kitem *bi = NULL, *oi = NULL, *ti = NULL;
	size_t nb, no, nt, i, nnew = 0, norder, nkeep_o, nkeep_t;
	const char **order = NULL, **ko = NULL, **kt = NULL;
	struct newitem *news = NULL;
	const struct ks_snode *is = s ? ks_snode_items(s) : NULL;
	struct ks_node *seq = NULL;
	size_t mark = m->field.len;
	int err = -1, e;

	*fallback = 0;
	e = key_items(b, keyfield, &bi, &nb);
	if (!e)
		e = key_items(o, keyfield, &oi, &no);
	if (!e)
		e = key_items(t, keyfield, &ti, &nt);
	if (e) {
		*fallback = e == -1;
		err = e == -1 ? 0 : -1;
		goto out;
	}
	order = ks_calloc(nb + 1, sizeof(*order));
	ko = ks_calloc(nb + 1, sizeof(*ko));
	kt = ks_calloc(nb + 1, sizeof(*kt));
	news = ks_calloc(no + nt + 1, sizeof(*news));
	seq = ks_node_seq(m->out);
	if (!order || !ko || !kt || !news || !seq)
		goto out;
	/*
	 * Order of the items both had: a side that reordered them wins
	 * when the other did not; two different reorderings keep the base's.
	 */
	nkeep_o = kept_order(oi, no, bi, nb, ko);
	nkeep_t = kept_order(ti, nt, bi, nb, kt);
	for (i = 0; i < nb; i++)
		order[i] = bi[i].key;
	norder = nb;
	{
		const char **bo = order;
		size_t nbo = nb;
		/* Items removed by a side do not count as reordering. */
		const char **bo_o = ks_calloc(nb + 1, sizeof(*bo_o));
		const char **bo_t = ks_calloc(nb + 1, sizeof(*bo_t));
		size_t n_o = 0, n_t = 0;

		if (!bo_o || !bo_t) {
			ks_free(bo_o);
			ks_free(bo_t);
			goto out;
		}
		for (i = 0; i < nbo; i++) {
			if (find_key(oi, no, bo[i]) >= 0)
				bo_o[n_o++] = bo[i];
			if (find_key(ti, nt, bo[i]) >= 0)
				bo_t[n_t++] = bo[i];
		}
		if (same_order(ko, nkeep_o, bo_o, n_o) &&
		    !same_order(kt, nkeep_t, bo_t, n_t))
			reorder_to(order, norder, kt, nkeep_t);
		else if (same_order(kt, nkeep_t, bo_t, n_t) &&
			 !same_order(ko, nkeep_o, bo_o, n_o))
			reorder_to(order, norder, ko, nkeep_o);
		ks_free(bo_o);
		ks_free(bo_t);
	}
	/* Items new on either side, placed after the base item they follow. */
	for (i = 0; i < no + nt; i++) {
		const struct kitem *side = i < no ? oi : ti;
		size_t ns = i < no ? no : nt;
		const char *key = side[i < no ? i : i - no].key;
		long a = anchor_of(side, ns, key, order, norder);
		size_t k;
		int dup = 0;

		if (find_key(bi, nb, key) >= 0)
			continue;
		for (k = 0; k < nnew; k++) {
			if (!strcmp(news[k].key, key)) {
				dup = 1;
				if (a < news[k].anchor)
					news[k].anchor = a;
			}
		}
		if (!dup) {
			news[nnew].key = key;
			news[nnew].anchor = a;
			nnew++;
		}
	}
	qsort(news, nnew, sizeof(*news), newitem_cmp);
	{
		size_t ni = 0;
		long pos;

		for (pos = -1; pos < (long)norder; pos++) {
			const char *key;

			if (pos >= 0) {
				key = order[pos];
				if (emit_item(m, seq, key, bi, nb, oi, no, ti, nt, is,
					      keyfield) < 0)
					goto out;
			}
			while (ni < nnew && news[ni].anchor == pos) {
				key = news[ni++].key;
				if (emit_item(m, seq, key, bi, nb, oi, no, ti, nt, is,
					      keyfield) < 0)
					goto out;
			}
		}
	}
	*res = seq;
	err = 0;
out:
	m->field.len = mark;
	m->field.ptr[mark] = '\0';
	ks_free(bi);
	ks_free(oi);
	ks_free(ti);
	ks_free(order);
	ks_free(ko);
	ks_free(kt);
	ks_free(news);
	return err;
}

static int is_kind(const struct ks_node *n, enum ks_node_kind k)
{
	return n && n->kind == k;
}

static int merge3(struct merger *m, struct ks_node **res,
		  const struct ks_node *b, const struct ks_node *o,
		  const struct ks_node *t, const struct ks_snode *s)
{
	const char *xkey;

	*res = NULL;
	if (same(o, t) || same(b, t)) {
		*res = clone(m, o);
		return o && !*res ? -1 : 0;
	}
	if (same(b, o)) {
		*res = clone(m, t);
		return t && !*res ? -1 : 0;
	}
	/* Both changed, differently: look inside when the shapes allow. */
	if (is_kind(o, KS_NODE_MAP) && is_kind(t, KS_NODE_MAP) &&
	    (!b || b->kind == KS_NODE_MAP))
		return merge_map(m, res, b, o, t, s);
	xkey = s ? ks_snode_xkey(s) : NULL;
	if (xkey && is_kind(o, KS_NODE_SEQ) && is_kind(t, KS_NODE_SEQ) &&
	    (!b || b->kind == KS_NODE_SEQ)) {
		int fallback;

		if (merge_keyed(m, res, b, o, t, s, xkey, &fallback) < 0)
			return -1;
		if (!fallback)
			return 0;
	}
	/* A conflict: the field stays at its base value. */
	if (ks_mconflicts_add(m->c, m->field.ptr, b, o, t) < 0)
		return -1;
	*res = clone(m, b);
	return b && !*res ? -1 : 0;
}

int ks_merge_nodes(struct ks_node **result, struct ks_doc *out,
		   const struct ks_node *base, const struct ks_node *ours,
		   const struct ks_node *theirs, const struct ks_snode *schema,
		   unsigned flags, struct ks_mconflicts *c)
{
	struct merger m = { out, c, KS_BUF_INIT };
	int err;

	*result = NULL;
	if ((flags & KS_MERGE_STRICT) && !same(ours, theirs) &&
	    !same(base, ours) && !same(base, theirs)) {
		if (ks_mconflicts_add(c, "", base, ours, theirs) < 0)
			return -1;
		*result = clone(&m, base);
		return base && !*result ? -1 : 0;
	}
	if (ks_buf_puts(&m.field, "") < 0)
		return -1;
	err = merge3(&m, result, base, ours, theirs, schema);
	ks_buf_release(&m.field);
	return err;
}
