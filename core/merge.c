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

#include <limits.h>
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

	if (ks_grow(&c->v, c->n, &c->alloc, sizeof(*c->v), 8) < 0)
		return -1;
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

/* Whether a scalar is text: quoted, typed string by the schema, or plain
 * text that no YAML 1.2 reader takes for anything else. */
static int is_text(const struct ks_node *n, const struct ks_snode *s)
{
	return n->u.scalar.quoted || (s && ks_snode_types(s) == KS_TYPE_STRING) ||
	       ks_scalar_type(n) == KS_SCALAR_STRING;
}

/*
 * Equal as data under the schema: quoting alone is no change when both
 * sides are text (a hand-edited file may quote what khaosat would not).
 * Not ks_node_equal(), on purpose: that one holds quoting to be part of
 * the value, and knows no schema.
 */
static int same_in(const struct ks_node *a, const struct ks_node *b,
		   const struct ks_snode *s)
{
	size_t i;

	if (!a || !b)
		return a == b;
	if (a->kind != b->kind)
		return 0;
	switch (a->kind) {
	case KS_NODE_SCALAR:
		if (a->u.scalar.len != b->u.scalar.len ||
		    memcmp(a->u.scalar.str, b->u.scalar.str, a->u.scalar.len))
			return 0;
		return a->u.scalar.quoted == b->u.scalar.quoted ||
		       (is_text(a, s) && is_text(b, s));
	case KS_NODE_MAP:
		if (a->u.map.n != b->u.map.n)
			return 0;
		for (i = 0; i < a->u.map.n; i++) {
			const char *k = a->u.map.v[i].key;
			const struct ks_node *bv = ks_map_get(b, k);

			if (!bv || !same_in(a->u.map.v[i].value, bv,
					    s ? ks_snode_property(s, k) : NULL))
				return 0;
		}
		return 1;
	case KS_NODE_SEQ:
		if (a->u.seq.n != b->u.seq.n)
			return 0;
		for (i = 0; i < a->u.seq.n; i++)
			if (!same_in(a->u.seq.v[i], b->u.seq.v[i],
				     s ? ks_snode_items(s) : NULL))
				return 0;
		return 1;
	}
	return 0;
}

int ks_merge_same(const struct ks_node *a, const struct ks_node *b)
{
	return same_in(a, b, NULL);
}

struct merger {
	struct ks_doc *out;
	struct ks_mconflicts *c;
	struct ks_buf field;	/* the path being merged */
	int fresh;		/* inside a value the base does not have */
};

/*
 * An order on values that does not depend on the side they come from:
 * kinds, then scalars by their bytes, mappings and lists member by member.
 */
static int node_order(const struct ks_node *a, const struct ks_node *b)
{
	size_t i, n;
	int c;

	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	switch (a->kind) {
	case KS_NODE_SCALAR:
		n = a->u.scalar.len < b->u.scalar.len ? a->u.scalar.len
						      : b->u.scalar.len;
		if ((c = memcmp(a->u.scalar.str, b->u.scalar.str, n)))
			return c;
		if (a->u.scalar.len != b->u.scalar.len)
			return a->u.scalar.len < b->u.scalar.len ? -1 : 1;
		return a->u.scalar.quoted - b->u.scalar.quoted;
	case KS_NODE_MAP:
		n = a->u.map.n < b->u.map.n ? a->u.map.n : b->u.map.n;
		for (i = 0; i < n; i++)
			if ((c = strcmp(a->u.map.v[i].key, b->u.map.v[i].key)) ||
			    (c = node_order(a->u.map.v[i].value,
					    b->u.map.v[i].value)))
				return c;
		return a->u.map.n < b->u.map.n ? -1 : a->u.map.n > b->u.map.n;
	case KS_NODE_SEQ:
		n = a->u.seq.n < b->u.seq.n ? a->u.seq.n : b->u.seq.n;
		for (i = 0; i < n; i++)
			if ((c = node_order(a->u.seq.v[i], b->u.seq.v[i])))
				return c;
		return a->u.seq.n < b->u.seq.n ? -1 : a->u.seq.n > b->u.seq.n;
	}
	return 0;
}

/*
 * What a conflict leaves in the record: the base value; but where the base
 * has no value because it has no record (or item, or mapping) there at
 * all, leaving the field out would leave the new record without fields
 * both sides gave it, so one side's value stays, the same whichever side
 * is ours.  The conflict still lists both.
 */
static const struct ks_node *kept(const struct merger *m,
				  const struct ks_node *b,
				  const struct ks_node *o,
				  const struct ks_node *t)
{
	if (b || !m->fresh || !o || !t)
		return b;
	return node_order(o, t) <= 0 ? o : t;
}

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

struct rkey {
	const char *key;
	long rank;
};

/* A property's place in the schema; unknown keys after all others. */
static long schema_rank(const struct ks_snode *s, const char *key)
{
	size_t i, n = s ? ks_snode_property_count(s) : 0;

	for (i = 0; i < n; i++)
		if (!strcmp(ks_snode_property_name(s, i), key))
			return (long)i;
	return (long)n + 1000000;
}

static int cmp_rkey(const void *a, const void *b)
{
	const struct rkey *x = a, *y = b;

	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return strcmp(x->key, y->key);
}

static int merge_map(struct merger *m, struct ks_node **res,
		     const struct ks_node *b, const struct ks_node *o,
		     const struct ks_node *t, const struct ks_snode *s)
{
	const struct ks_node *sides[3] = { b, o, t };
	struct ks_node *map = ks_node_map(m->out);
	size_t mark = m->field.len, i, j, n = 0, alloc = 0;
	struct rkey *rk;
	int err = -1, fresh;

	if (!map)
		return -1;
	for (i = 0; i < 3; i++)
		alloc += sides[i] ? sides[i]->u.map.n : 0;
	rk = ks_calloc(alloc + 1, sizeof(*rk));
	if (!rk)
		return -1;
	/*
	 * Every key once, in the schema's order and then byte order: the
	 * same walk from either side, and conflicts listed as a form reads.
	 */
	for (i = 0; i < 3; i++)
		for (j = 0; sides[i] && j < sides[i]->u.map.n; j++) {
			rk[n].key = sides[i]->u.map.v[j].key;
			rk[n].rank = schema_rank(s, rk[n].key);
			n++;
		}
	qsort(rk, n, sizeof(*rk), cmp_rkey);
	fresh = m->fresh;
	m->fresh = !b;
	for (i = 0; i < n; i++) {
		struct ks_node *r = NULL;

		if (i && !strcmp(rk[i].key, rk[i - 1].key))
			continue;
		if (push_key(&m->field, rk[i].key) < 0 ||
		    merge3(m, &r, ks_map_get(b, rk[i].key), ks_map_get(o, rk[i].key),
			   ks_map_get(t, rk[i].key),
			   s ? ks_snode_property(s, rk[i].key) : NULL) < 0)
			goto out;
		m->field.len = mark;
		m->field.ptr[mark] = '\0';
		if (r && ks_map_set(m->out, map, rk[i].key, r) < 0)
			goto out;
	}
	*res = map;
	err = 0;
out:
	m->fresh = fresh;
	m->field.len = mark;
	m->field.ptr[mark] = '\0';
	ks_free(rk);
	return err;
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

static const struct ks_node *item_of(const struct kitem *v, size_t n,
				     const char *key)
{
	long i = find_key(v, n, key);

	return i >= 0 ? v[i].item : NULL;
}

/*
 * A keyed array's three sides by key, and the keys of the result in
 * their order as it is being built.
 */
struct keyed {
	struct kitem *bi, *oi, *ti;
	size_t nb, no, nt;
	const char **order;
	size_t norder;
};

/* Merges the items with one key and appends the result, if any. */
static int emit_item(struct merger *m, struct ks_node *seq, const char *key,
		     const struct keyed *k, const struct ks_snode *is,
		     const char *keyfield)
{
	size_t mark = m->field.len;
	struct ks_node *r = NULL;
	int err;

	if (ks_buf_addf(&m->field, "[%s=%s]", keyfield, key) < 0)
		return -1;
	err = merge3(m, &r, item_of(k->bi, k->nb, key),
		     item_of(k->oi, k->no, key),
		     item_of(k->ti, k->nt, key), is);
	m->field.len = mark;
	m->field.ptr[mark] = '\0';
	if (err)
		return err;
	return r ? ks_seq_push(m->out, seq, r) : 0;
}

/* The keys of `side` that are also in `a` and `b`, in the side's order. */
static size_t common_order(const struct kitem *side, size_t ns,
			   const struct kitem *a, size_t na,
			   const struct kitem *b, size_t nb, const char **out)
{
	size_t i, n = 0;

	for (i = 0; i < ns; i++)
		if (find_key(a, na, side[i].key) >= 0 &&
		    find_key(b, nb, side[i].key) >= 0)
			out[n++] = side[i].key;
	return n;
}

static int same_order(const char **a, const char **b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(a[i], b[i]))
			return 0;
	return 1;
}

/*
 * The order of the items both sides have: a reordering made on one side,
 * or the same one on both, wins; of two different ones, the smaller.
 */
static const char **chosen_order(const char **b, const char **o,
				 const char **t, size_t n)
{
	size_t i;

	if (same_order(o, t, n) || (b && same_order(b, t, n)))
		return o;
	if (b && same_order(b, o, n))
		return t;
	/*
	 * Two different orders: the smaller, compared key by key.  Not the
	 * base's: then merging the result again with either side would move
	 * the items once more.
	 */
	for (i = 0; i < n; i++)
		if (strcmp(o[i], t[i]))
			return strcmp(o[i], t[i]) < 0 ? o : t;
	return o;
}

/*
 * Where a new item goes: after the nearest item before it in its side
 * that the result keeps in `order`; -1 when none comes before it.
 */
static long anchor_of(const struct kitem *side, size_t at, const char **order,
		      size_t norder)
{
	size_t j, k;

	for (j = at; j-- > 0;)
		for (k = 0; k < norder; k++)
			if (!strcmp(order[k], side[j].key))
				return (long)k;
	return -1;
}

/* Puts `key` at place `at` of the order, moving the later keys on. */
static void order_insert(struct keyed *k, size_t at, const char *key)
{
	memmove(&k->order[at + 1], &k->order[at],
		(k->norder - at) * sizeof(*k->order));
	k->order[at] = key;
	k->norder++;
}

/*
 * The base items both sides kept, in the order chosen: a reordering made
 * on one side, or the same on both, wins; of two different ones the
 * smaller, so that either side gives the same.
 */
static int order_kept(struct keyed *k)
{
	const char **cb = ks_calloc(k->nb + 1, sizeof(*cb));
	const char **co = ks_calloc(k->no + 1, sizeof(*co));
	const char **ct = ks_calloc(k->nt + 1, sizeof(*ct));
	const char **chosen;
	size_t i, n;
	int err = -1;

	if (!cb || !co || !ct)
		goto out;
	n = common_order(k->bi, k->nb, k->oi, k->no, k->ti, k->nt, cb);
	common_order(k->oi, k->no, k->bi, k->nb, k->ti, k->nt, co);
	common_order(k->ti, k->nt, k->bi, k->nb, k->oi, k->no, ct);
	chosen = chosen_order(cb, co, ct, n);
	for (i = 0; i < n; i++)
		k->order[k->norder++] = chosen[i];
	err = 0;
out:
	ks_free(cb);
	ks_free(co);
	ks_free(ct);
	return err;
}

/* Base items one side removed: where the base had them. */
static void order_removed(struct keyed *k)
{
	size_t i;

	for (i = 0; i < k->nb; i++) {
		if (find_key(k->oi, k->no, k->bi[i].key) >= 0 &&
		    find_key(k->ti, k->nt, k->bi[i].key) >= 0)
			continue;
		order_insert(k, (size_t)(anchor_of(k->bi, i, k->order,
						   k->norder) + 1),
			     k->bi[i].key);
	}
}

/*
 * Items new on one side only go after the item they follow in that side.
 * Where both sides add runs after the same item, each run stays whole
 * and in its side's order, and the run whose first key sorts first goes
 * first.
 */
static void order_new_on(struct keyed *k, const struct kitem *side,
			 size_t ns, const struct kitem *other, size_t nother)
{
	size_t i;

	for (i = 0; i < ns; i++) {
		const char *key = side[i].key;
		long after;
		size_t end;

		if (find_key(k->bi, k->nb, key) >= 0 ||
		    find_key(other, nother, key) >= 0)
			continue;
		after = anchor_of(side, i, k->order, k->norder);
		end = (size_t)(after + 1);
		if (after < 0 || find_key(k->bi, k->nb, k->order[after]) >= 0 ||
		    find_key(other, nother, k->order[after]) >= 0) {
			/* First of a run: before or after the other's run. */
			size_t g = end;

			while (g < k->norder &&
			       find_key(k->bi, k->nb, k->order[g]) < 0 &&
			       find_key(side, ns, k->order[g]) < 0 &&
			       find_key(other, nother, k->order[g]) >= 0)
				g++;
			if (g > end && strcmp(key, k->order[end]) > 0)
				end = g;
		}
		order_insert(k, end, key);
	}
}

/*
 * Where a key new on both sides follows in one side: the place of the
 * item before it there, or LONG_MIN when the side puts it first, before
 * one of the base's items.
 */
static long anchor_on(const struct keyed *k, const struct kitem *side,
		      size_t ns, size_t at)
{
	long a = anchor_of(side, at, k->order, k->norder);

	if (a < 0 && !(at + 1 < ns &&
		       find_key(k->bi, k->nb, side[at + 1].key) >= 0))
		return LONG_MIN;
	return a;
}

/*
 * Keys new on both sides: after the later of the items they follow in
 * the two sides (so that merging the result again with either side
 * leaves it where it is).  "First" counts only where the side put the
 * item before one of the base's; several at one place go in key order.
 */
static int order_new_on_both(struct keyed *k)
{
	const char **both = ks_calloc(k->no + 1, sizeof(*both));
	const char **bothb = ks_calloc(k->nt + 1, sizeof(*bothb));
	const char **bothc;
	size_t nboth = 0, i, j;

	if (!both || !bothb) {
		ks_free(both);
		ks_free(bothb);
		return -1;
	}
	for (j = 0; j < k->no; j++)
		if (find_key(k->bi, k->nb, k->oi[j].key) < 0 &&
		    find_key(k->ti, k->nt, k->oi[j].key) >= 0)
			both[nboth++] = k->oi[j].key;
	for (j = 0, i = 0; j < k->nt; j++)
		if (find_key(k->bi, k->nb, k->ti[j].key) < 0 &&
		    find_key(k->oi, k->no, k->ti[j].key) >= 0)
			bothb[i++] = k->ti[j].key;
	bothc = chosen_order(NULL, both, bothb, nboth);
	/* In the order chosen, so the walk is the same from either side. */
	for (i = 0; i < nboth; i++) {
		const char *key = bothc[i];
		long ao = anchor_on(k, k->oi, k->no,
				    (size_t)find_key(k->oi, k->no, key));
		long at = anchor_on(k, k->ti, k->nt,
				    (size_t)find_key(k->ti, k->nt, key));
		long pick = ao > at ? ao : at;
		size_t end = pick == LONG_MIN ? 0 : (size_t)(pick + 1);

		while (end < k->norder &&
		       find_key(k->bi, k->nb, k->order[end]) < 0 &&
		       find_key(k->oi, k->no, k->order[end]) >= 0 &&
		       find_key(k->ti, k->nt, k->order[end]) >= 0 &&
		       strcmp(k->order[end], key) < 0)
			end++;
		order_insert(k, end, key);
	}
	ks_free(both);
	ks_free(bothb);
	return 0;
}

/*
 * Merges arrays of items identified by `keyfield`, item by item; the
 * order of the result is built in four steps, each above.  *fallback is
 * 1 (and nothing merged) when an item has no key or a key repeats.
 */
static int merge_keyed(struct merger *m, struct ks_node **res,
		       const struct ks_node *b, const struct ks_node *o,
		       const struct ks_node *t, const struct ks_snode *s,
		       const char *keyfield, int *fallback)
{
	struct keyed k = { 0 };
	const struct ks_snode *is = s ? ks_snode_items(s) : NULL;
	struct ks_node *seq = NULL;
	size_t mark = m->field.len, i;
	int err = -1, e;

	*fallback = 0;
	e = key_items(b, keyfield, &k.bi, &k.nb);
	if (!e)
		e = key_items(o, keyfield, &k.oi, &k.no);
	if (!e)
		e = key_items(t, keyfield, &k.ti, &k.nt);
	if (e) {
		*fallback = e == -1;
		err = e == -1 ? 0 : -1;
		goto out;
	}
	k.order = ks_calloc(k.nb + k.no + k.nt + 1, sizeof(*k.order));
	seq = ks_node_seq(m->out);
	if (!k.order || !seq || order_kept(&k) < 0)
		goto out;
	order_removed(&k);
	order_new_on(&k, k.oi, k.no, k.ti, k.nt);
	order_new_on(&k, k.ti, k.nt, k.oi, k.no);
	if (order_new_on_both(&k) < 0)
		goto out;
	for (i = 0; i < k.norder; i++)
		if (emit_item(m, seq, k.order[i], &k, is, keyfield) < 0)
			goto out;
	*res = seq;
	err = 0;
out:
	m->field.len = mark;
	m->field.ptr[mark] = '\0';
	ks_free(k.bi);
	ks_free(k.oi);
	ks_free(k.ti);
	ks_free(k.order);
	return err;
}

static int is_kind(const struct ks_node *n, enum ks_node_kind k)
{
	return n && n->kind == k;
}

/* 1 when the mapping `v` holds every field of `mark` at its value. */
static int derived(const struct ks_node *v, const struct ks_node *mark)
{
	size_t i;

	if (!v || v->kind != KS_NODE_MAP)
		return 0;
	for (i = 0; i < mark->u.map.n; i++) {
		const struct ks_node *x = ks_map_get(v, mark->u.map.v[i].key);

		if (!x || x->kind != KS_NODE_SCALAR ||
		    strcmp(x->u.scalar.str, mark->u.map.v[i].value->u.scalar.str))
			return 0;
	}
	return 1;
}

/*
 * Two different values of an x-derived field: a derived one yields to one
 * a person gave, and of two derived ones the first by content stays, the
 * same whichever side is ours; NULL when neither is derived.
 */
static const struct ks_node *derived_pick(const struct ks_node *o,
					  const struct ks_node *t,
					  const struct ks_snode *s)
{
	const struct ks_node *mark = s ? ks_snode_xderived(s) : NULL;
	int od, td;

	if (!mark || !o || !t)
		return NULL;
	od = derived(o, mark);
	td = derived(t, mark);
	if (od && td)
		return node_order(o, t) <= 0 ? o : t;
	return od ? t : td ? o : NULL;
}

static int merge3(struct merger *m, struct ks_node **res,
		  const struct ks_node *b, const struct ks_node *o,
		  const struct ks_node *t, const struct ks_snode *s)
{
	const struct ks_node *pick;
	const char *xkey;

	*res = NULL;
	if (same_in(o, t, s) || same_in(b, t, s)) {
		*res = clone(m, o);
		return o && !*res ? -1 : 0;
	}
	if (same_in(b, o, s)) {
		*res = clone(m, t);
		return t && !*res ? -1 : 0;
	}
	/* A derived value taken whole, never mixed field by field. */
	if ((pick = derived_pick(o, t, s))) {
		*res = clone(m, pick);
		return *res ? 0 : -1;
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
	/* A conflict: the field stays at its base value (see kept()). */
	if (ks_mconflicts_add(m->c, m->field.ptr, b, o, t) < 0)
		return -1;
	b = kept(m, b, o, t);
	*res = clone(m, b);
	return b && !*res ? -1 : 0;
}

int ks_merge_nodes(struct ks_node **result, struct ks_doc *out,
		   const struct ks_node *base, const struct ks_node *ours,
		   const struct ks_node *theirs, const struct ks_snode *schema,
		   unsigned flags, struct ks_mconflicts *c)
{
	struct merger m = { out, c, KS_BUF_INIT, !base };
	const struct ks_node *k;
	int err;

	*result = NULL;
	if ((flags & KS_MERGE_STRICT) && !ks_merge_same(ours, theirs) &&
	    !ks_merge_same(base, ours) && !ks_merge_same(base, theirs)) {
		if (ks_mconflicts_add(c, "", base, ours, theirs) < 0)
			return -1;
		k = kept(&m, base, ours, theirs);
		*result = clone(&m, k);
		return k && !*result ? -1 : 0;
	}
	if (ks_buf_puts(&m.field, "") < 0)
		return -1;
	err = merge3(&m, result, base, ours, theirs, schema);
	ks_buf_release(&m.field);
	return err;
}
