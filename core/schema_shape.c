/*
 * Shapes, layout and introspection: the static views of a compiled schema.
 * A shape merges every subschema that can apply at one instance location
 * (see schema_int.h); shapes type plain scalars during validation and give
 * the canonical writer its key order.  Introspection answers the questions
 * of interactive forms, merge and export.
 */
#include "schema_int.h"
#include "intl.h"
#include "buf.h"
#include "json.h"
#include "alloc.h"
#include "record.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SHAPES 20000

/* ---- shapes ---- */

struct member {
	struct ks_snode *s;
	unsigned char cond;
};

struct skey {
	struct member *m;
	size_t n;
	size_t hash;
	struct ks_shape *sh;
};

struct sbuild {
	struct ks_comp *c;
	struct skey *tab;
	size_t cap, n;
	size_t *queue;		/* indexes into tab of shapes to build */
	size_t nqueue, aqueue;
	unsigned *visit;
	unsigned gen;
	struct member *cl, *props;
	size_t ncl, acl, nprops, aprops;
	struct { struct ks_snode *s; unsigned char cond; size_t k; } *stk;
	size_t astk;
	struct member *tmp;	/* scratch: the members of one child shape */
	size_t ntmp, atmp;
};

static int member_cmp(const void *a, const void *b)
{
	const struct member *x = a, *y = b;

	if (x->s->id != y->s->id)
		return x->s->id < y->s->id ? -1 : 1;
	return (int)x->cond - (int)y->cond;
}

/* Room for `need` elements in *v. */
static int grow(void **v, size_t *alloc, size_t need, size_t size)
{
	return need ? ks_grow(v, need - 1, alloc, size, 64) : 0;
}

static int tab_grow(struct sbuild *b)
{
	size_t ncap = b->cap ? b->cap * 2 : 256, i, j;
	struct skey *t;

	t = ks_calloc(ncap, sizeof(*t));
	if (!t)
		return -1;
	for (i = 0; i < b->cap; i++) {
		if (!b->tab[i].sh)
			continue;
		for (j = b->tab[i].hash & (ncap - 1); t[j].sh;
		     j = (j + 1) & (ncap - 1))
			;
		t[j] = b->tab[i];
	}
	/* queue entries index the old table: rebuild them */
	for (i = 0; i < b->nqueue; i++) {
		struct ks_shape *sh = b->tab[b->queue[i]].sh;

		for (j = b->tab[b->queue[i]].hash & (ncap - 1);
		     t[j].sh != sh; j = (j + 1) & (ncap - 1))
			;
		b->queue[i] = j;
	}
	ks_free(b->tab);
	b->tab = t;
	b->cap = ncap;
	return 0;
}

/* The shape of a set of members (sorted and deduplicated here). */
static struct ks_shape *get_shape(struct sbuild *b, struct member *m,
				  size_t n)
{
	struct ks_comp *c = b->c;
	size_t i, k, h = 1469598103934665603ull;
	struct member *key;
	struct ks_shape *sh;

	if (!n)
		return NULL;
	qsort(m, n, sizeof(*m), member_cmp);
	for (i = 1, k = 1; i < n; i++)
		if (m[i].s != m[k - 1].s)
			m[k++] = m[i];
	n = k;
	for (i = 0; i < n; i++)
		h = (h ^ (m[i].s->id * 2 + m[i].cond)) * 1099511628211ull;
	if (b->cap) {
		for (i = h & (b->cap - 1); b->tab[i].sh;
		     i = (i + 1) & (b->cap - 1)) {
			struct skey *e = &b->tab[i];

			if (e->hash == h && e->n == n &&
			    !memcmp(e->m, m, n * sizeof(*m)))
				return e->sh;
		}
	}
	if (b->n >= MAX_SHAPES)
		return NULL;
	if ((b->n + 1) * 2 > b->cap && tab_grow(b) < 0)
		goto out;
	key = ks_sc_alloc(c->m, n * sizeof(*key));
	sh = ks_sc_alloc(c->m, sizeof(*sh));
	if (!key || !sh)
		goto out;
	memcpy(key, m, n * sizeof(*key));
	for (i = h & (b->cap - 1); b->tab[i].sh; i = (i + 1) & (b->cap - 1))
		;
	b->tab[i].m = key;
	b->tab[i].n = n;
	b->tab[i].hash = h;
	b->tab[i].sh = sh;
	b->n++;
	if (grow((void **)&b->queue, &b->aqueue, b->nqueue + 1,
		 sizeof(*b->queue)) < 0)
		goto out;
	b->queue[b->nqueue++] = i;
	return sh;
out:
	/* every way here is a failed allocation */
	ks_sc_oom(c);
	return NULL;
}

static int closure(struct sbuild *b, const struct member *m, size_t n)
{
	size_t i, top;

	b->gen++;
	b->ncl = b->nprops = 0;
	for (i = 0; i < n; i++) {
		if (b->visit[m[i].s->id] == b->gen)
			continue;
		b->visit[m[i].s->id] = b->gen;
		if (grow((void **)&b->stk, &b->astk, 1, sizeof(*b->stk)) < 0)
			return -1;
		b->stk[0].s = m[i].s;
		b->stk[0].cond = m[i].cond;
		b->stk[0].k = 0;
		top = 1;
		if (grow((void **)&b->cl, &b->acl, b->ncl + 1,
			 sizeof(*b->cl)) < 0)
			return -1;
		b->cl[b->ncl++] = m[i];
		while (top) {
			struct ks_snode *s = b->stk[top - 1].s, *t = NULL;
			unsigned char cond = b->stk[top - 1].cond;
			const struct ks_sseq *e;

			if (b->stk[top - 1].k >= s->nseq) {
				top--;
				continue;
			}
			e = &s->seq[b->stk[top - 1].k++];
			switch (e->kind) {
			case KS_SEQ_PROPS:
				if (grow((void **)&b->props, &b->aprops,
					 b->nprops + 1, sizeof(*b->props)) < 0)
					return -1;
				b->props[b->nprops].s = s;
				b->props[b->nprops++].cond = cond;
				break;
			case KS_SEQ_REF:
				t = s->ref;
				break;
			case KS_SEQ_DYNREF:
				t = s->dynref;
				cond = 1;
				break;
			case KS_SEQ_ALLOF:
				t = e->s;
				break;
			case KS_SEQ_COND:
				t = e->s;
				cond = 1;
				break;
			}
			if (!t || b->visit[t->id] == b->gen)
				continue;
			b->visit[t->id] = b->gen;
			if (grow((void **)&b->stk, &b->astk, top + 1,
				 sizeof(*b->stk)) < 0 ||
			    grow((void **)&b->cl, &b->acl, b->ncl + 1,
				 sizeof(*b->cl)) < 0)
				return -1;
			b->stk[top].s = t;
			b->stk[top].cond = cond;
			b->stk[top].k = 0;
			top++;
			b->cl[b->ncl].s = t;
			b->cl[b->ncl++].cond = cond;
		}
	}
	return 0;
}

const struct ks_sprop *ks_snode_own_prop(const struct ks_snode *s,
					 const char *name, size_t len)
{
	struct ks_sprop key;

	if (!s->nprops)
		return NULL;
	memset(&key, 0, sizeof(key));
	key.name = name;
	key.len = len;
	return bsearch(&key, s->props_sorted, s->nprops, sizeof(key),
		       ks_sc_prop_cmp);
}

static int shprop_cmp(const void *a, const void *b)
{
	const struct ks_shape_prop *x = a, *y = b;

	return strcmp(x->name, y->name);
}

/* Appends a member to the scratch list b->tmp. */
static int add_member(struct sbuild *b, struct ks_snode *s,
		      unsigned char cond)
{
	if (grow((void **)&b->tmp, &b->atmp, b->ntmp + 1, sizeof(*b->tmp)) < 0)
		return -1;
	b->tmp[b->ntmp].s = s;
	b->tmp[b->ntmp++].cond = cond;
	return 0;
}

/*
 * The types a value may have: those every unconditional member allows,
 * or, when none says, those some conditional member allows.  The title is
 * an unconditional member's, else a conditional one's.
 */
static void shape_types(struct sbuild *b, struct ks_shape *sh)
{
	const char *ctitle = NULL;
	unsigned u = 0, cu = 0;
	int anyu = 0;
	size_t i;

	for (i = 0; i < b->ncl; i++) {
		const struct ks_snode *s = b->cl[i].s;

		if (s->kw & KW_TYPE) {
			if (!b->cl[i].cond) {
				u = anyu ? ks_sc_type_and(u, s->types) :
					   s->types;
				anyu = 1;
			} else {
				cu |= s->types;
			}
		}
		if (s->title) {
			if (!b->cl[i].cond && !sh->title)
				sh->title = s->title;
			else if (!ctitle)
				ctitle = s->title;
		}
	}
	sh->types = anyu ? u : cu;
	if (!sh->title)
		sh->title = ctitle;
}

/* Property names in schema order, each with the shape of its value. */
static int shape_props(struct sbuild *b, struct ks_shape *sh)
{
	struct ks_comp *c = b->c;
	struct ks_shape_prop *names = NULL;
	size_t i, j, k, nnames = 0;

	for (i = 0, k = 0; i < b->nprops; i++)
		k += b->props[i].s->nprops;
	if (!k)
		return 0;
	names = ks_sc_alloc(c->m, k * sizeof(*names));
	if (!names)
		return -1;
	for (i = 0; i < b->nprops; i++) {
		const struct ks_snode *s = b->props[i].s;

		for (j = 0; j < s->nprops; j++) {
			size_t x;

			for (x = 0; x < nnames; x++)
				if (!strcmp(names[x].name, s->props[j].name))
					break;
			if (x == nnames) {
				names[nnames].name = s->props[j].name;
				names[nnames].rank = (int)nnames;
				nnames++;
			}
		}
	}
	for (i = 0; i < nnames; i++) {
		b->ntmp = 0;
		for (j = 0; j < b->nprops; j++) {
			const struct ks_sprop *p = ks_snode_own_prop(
				b->props[j].s, names[i].name,
				strlen(names[i].name));

			if (p && add_member(b, p->s, b->props[j].cond) < 0)
				return -1;
		}
		names[i].sh = get_shape(b, b->tmp, b->ntmp);
		if (c->oom)
			return -1;
	}
	sh->props = names;
	sh->nprops = nnames;
	sh->sorted = ks_sc_alloc(c->m, nnames * sizeof(*names));
	if (!sh->sorted)
		return -1;
	memcpy(sh->sorted, names, nnames * sizeof(*names));
	qsort(sh->sorted, nnames, sizeof(*names), shprop_cmp);
	return 0;
}

/* items, and each place of prefixItems. */
static int shape_items(struct sbuild *b, struct ks_shape *sh)
{
	size_t i, k, maxprefix = 0;

	b->ntmp = 0;
	for (i = 0; i < b->ncl; i++) {
		const struct ks_snode *s = b->cl[i].s;

		if (s->nprefix > maxprefix)
			maxprefix = s->nprefix;
		if (s->items && add_member(b, s->items, b->cl[i].cond) < 0)
			return -1;
	}
	sh->items = get_shape(b, b->tmp, b->ntmp);
	if (!maxprefix)
		return 0;
	sh->prefix = ks_sc_alloc(b->c->m, maxprefix * sizeof(*sh->prefix));
	if (!sh->prefix)
		return -1;
	sh->nprefix = maxprefix;
	for (k = 0; k < maxprefix; k++) {
		b->ntmp = 0;
		for (i = 0; i < b->ncl; i++)
			if (b->cl[i].s->nprefix > k &&
			    add_member(b, b->cl[i].s->prefix[k],
				       b->cl[i].cond) < 0)
				return -1;
		sh->prefix[k] = get_shape(b, b->tmp, b->ntmp);
	}
	return 0;
}

/*
 * Properties no name lists: additionalProperties and (conditionally)
 * unevaluatedProperties together, and one shape per pattern.
 */
static int shape_others(struct sbuild *b, struct ks_shape *sh)
{
	size_t i, j, k = 0;

	b->ntmp = 0;
	for (i = 0; i < b->ncl; i++) {
		const struct ks_snode *s = b->cl[i].s;

		k += s->npats;
		if (s->addl && add_member(b, s->addl, b->cl[i].cond) < 0)
			return -1;
		if (s->uneval_props && add_member(b, s->uneval_props, 1) < 0)
			return -1;
	}
	sh->addl = get_shape(b, b->tmp, b->ntmp);
	if (!k)
		return 0;
	sh->pats = ks_sc_alloc(b->c->m, k * sizeof(*sh->pats));
	if (!sh->pats)
		return -1;
	for (i = 0; i < b->ncl; i++) {
		const struct ks_snode *s = b->cl[i].s;

		for (j = 0; j < s->npats; j++) {
			struct member one;

			one.s = s->pats[j].s;
			one.cond = b->cl[i].cond;
			sh->pats[sh->npats].pat = &s->pats[j];
			sh->pats[sh->npats++].sh = get_shape(b, &one, 1);
		}
	}
	return 0;
}

/* Builds one queued shape; its children are queued in turn. */
static int build_shape(struct sbuild *b, const struct skey *key)
{
	struct ks_shape *sh = key->sh;

	if (closure(b, key->m, key->n) < 0)
		goto oom;
	shape_types(b, sh);
	if (shape_props(b, sh) < 0 || shape_items(b, sh) < 0 ||
	    shape_others(b, sh) < 0 || b->c->oom)
		goto oom;
	return 0;
oom:
	/* failing is running out of memory, whatever the path */
	ks_sc_oom(b->c);
	return -1;
}

void ks_sc_build_shapes(struct ks_comp *c)
{
	struct sbuild b;
	struct member root;

	memset(&b, 0, sizeof(b));
	b.c = c;
	b.visit = ks_calloc(c->nall ? c->nall : 1, sizeof(*b.visit));
	if (!b.visit) {
		ks_sc_oom(c);
		return;
	}
	root.s = c->s->root;
	root.cond = 0;
	c->s->root_shape = get_shape(&b, &root, 1);
	while (b.nqueue && !c->oom) {
		size_t idx = b.queue[--b.nqueue];
		struct skey key = b.tab[idx];

		if (build_shape(&b, &key) < 0)
			break;
	}
	ks_free(b.tab);
	ks_free(b.queue);
	ks_free(b.visit);
	ks_free(b.cl);
	ks_free(b.props);
	ks_free(b.stk);
	ks_free(b.tmp);
}

/* ---- shapes at run time, and the canonical writer's layout ---- */

const struct ks_shape *ks_shape_child(const struct ks_shape *sh,
				      const char *key, size_t len)
{
	size_t lo, hi;

	if (!sh)
		return NULL;
	lo = 0;
	hi = sh->nprops;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const char *nm = sh->sorted[mid].name;
		int r = strncmp(nm, key, len);

		if (!r && nm[len])
			r = 1;
		if (!r)
			return sh->sorted[mid].sh;
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (sh->npats) {
		size_t i;

		for (i = 0; i < sh->npats; i++) {
			pcre2_match_data *md;
			int r;

			md = pcre2_match_data_create_from_pattern(
				sh->pats[i].pat->re, NULL);
			if (!md)
				continue;
			r = pcre2_match(sh->pats[i].pat->re, (PCRE2_SPTR)key,
					len, 0, 0, md, NULL);
			pcre2_match_data_free(md);
			if (r >= 0)
				return sh->pats[i].sh;
		}
	}
	return sh->addl;
}

const struct ks_shape *ks_shape_item(const struct ks_shape *sh, size_t i)
{
	if (!sh)
		return NULL;
	if (i < sh->nprefix && sh->prefix[i])
		return sh->prefix[i];
	return sh->items;
}

int ks_schema_label(const struct ks_schema *s, const char *pointer,
		    struct ks_buf *out)
{
	const struct ks_shape *sh = s ? s->root_shape : NULL;
	struct ks_buf tok = KS_BUF_INIT;
	const char *p = pointer ? pointer : "";
	size_t start = out->len;	/* what `out` held is not ours */

	while (ks_json_pointer_next(&p, &tok) > 0) {
		int index = tok.len && tok.len < 10 &&
			strspn(tok.ptr, "0123456789") == tok.len &&
			(!sh || (sh->types & KS_TYPE_ARRAY) || sh->items ||
			 sh->nprefix);

		if (index) {
			size_t i = strtoul(tok.ptr, NULL, 10);

			if (out->len == start)
				ks_buf_puts(out, _("item"));
			ks_buf_addf(out, " %zu", i + 1);
			sh = ks_shape_item(sh, i);
		} else {
			sh = ks_shape_child(sh, tok.ptr, tok.len);
			if (out->len > start)
				ks_buf_puts(out, " \u203a ");
			ks_buf_puts(out, sh && sh->title && *sh->title ?
				    sh->title : tok.ptr);
		}
	}
	ks_buf_release(&tok);
	return ks_buf_failed(out) || ks_buf_failed(&tok) ? -1 : 0;
}

static const void *layout_child(const void *ctx, const char *key)
{
	if (!key)
		return ks_shape_item(ctx, SIZE_MAX);
	return ks_shape_child(ctx, key, strlen(key));
}

static int layout_rank(const void *ctx, const char *key)
{
	const struct ks_shape *sh = ctx;
	size_t lo = 0, hi;

	if (!sh)
		return -1;
	hi = sh->nprops;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int r = strcmp(sh->sorted[mid].name, key);

		if (!r)
			return sh->sorted[mid].rank;
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static int layout_is_string(const void *ctx)
{
	const struct ks_shape *sh = ctx;

	return sh && sh->types == KS_TYPE_STRING;
}

const struct ks_layout *ks_schema_layout(void)
{
	static const struct ks_layout layout = {
		layout_child, layout_rank, layout_is_string,
	};

	return &layout;
}

const void *ks_schema_layout_root(const struct ks_schema *s)
{
	return s ? s->root_shape : NULL;
}

/* ---- introspection ---- */

const struct ks_snode *ks_schema_root(const struct ks_schema *s)
{
	return s ? s->root : NULL;
}

const char *ks_schema_xmerge(const struct ks_schema *s)
{
	return s ? s->xmerge : NULL;
}

int ks_schema_has_unique(const struct ks_schema *s)
{
	return s && s->has_unique;
}

size_t ks_snode_property_count(const struct ks_snode *n)
{
	return n ? n->niprops : 0;
}

const char *ks_snode_property_name(const struct ks_snode *n, size_t i)
{
	return n && i < n->niprops ? n->iprops[i].name : NULL;
}

const struct ks_sprop *ks_snode_find_prop(const struct ks_snode *n,
					  const char *name, size_t len)
{
	size_t i;

	if (!n)
		return NULL;
	for (i = 0; i < n->niprops; i++)
		if (n->iprops[i].len == len &&
		    !memcmp(n->iprops[i].name, name, len))
			return &n->iprops[i];
	return NULL;
}

const struct ks_snode *ks_snode_property(const struct ks_snode *n,
					 const char *name)
{
	const struct ks_sprop *p = ks_snode_find_prop(n, name, strlen(name));

	return p ? p->s : NULL;
}

static const struct ks_snode *cond_property(const struct ks_snode *n,
					    const char *name, int depth)
{
	const struct ks_sprop *p;
	const struct ks_snode *r = NULL;
	size_t i;

	if (!n || depth > 32)
		return NULL;
	p = ks_snode_own_prop(n, name, strlen(name));
	if (p)
		return p->s;
	r = cond_property(n->ref, name, depth + 1);
	for (i = 0; !r && i < n->nallof; i++)
		r = cond_property(n->allof[i], name, depth + 1);
	for (i = 0; !r && i < n->nanyof; i++)
		r = cond_property(n->anyof[i], name, depth + 1);
	for (i = 0; !r && i < n->noneof; i++)
		r = cond_property(n->oneof[i], name, depth + 1);
	for (i = 0; !r && i < n->ndepsch; i++)
		r = cond_property(n->depsch[i].s, name, depth + 1);
	if (!r)
		r = cond_property(n->then_, name, depth + 1);
	if (!r)
		r = cond_property(n->else_, name, depth + 1);
	return r;
}

const struct ks_snode *ks_snode_cond_property(const struct ks_snode *n,
					      const char *name)
{
	const struct ks_snode *s = ks_snode_property(n, name);

	return s ? s : cond_property(n, name, 0);
}

/*
 * Finds the first subschema along $ref and allOf (depth first, the
 * subschema itself first) for which `pick` returns non-NULL.
 */
static const void *follow(const struct ks_snode *n,
			  const void *(*pick)(const struct ks_snode *,
					      const void *),
			  const void *arg, int depth)
{
	const void *r;
	size_t i;

	if (!n || depth > 32)
		return NULL;
	r = pick(n, arg);
	if (r)
		return r;
	for (i = 0; i < n->nseq; i++) {
		const struct ks_sseq *e = &n->seq[i];

		if (e->kind == KS_SEQ_REF)
			r = follow(n->ref, pick, arg, depth + 1);
		else if (e->kind == KS_SEQ_ALLOF)
			r = follow(e->s, pick, arg, depth + 1);
		if (r)
			return r;
	}
	return NULL;
}

static const void *pick_required(const struct ks_snode *n, const void *arg)
{
	size_t i;

	for (i = 0; i < n->nrequired; i++)
		if (!strcmp(n->required[i], arg))
			return n;
	return NULL;
}

int ks_snode_is_required(const struct ks_snode *n, const char *name)
{
	return follow(n, pick_required, name, 0) != NULL;
}

static const void *pick_items(const struct ks_snode *n, const void *arg)
{
	(void)arg;
	return n->items;
}

const struct ks_snode *ks_snode_items(const struct ks_snode *n)
{
	return follow(n, pick_items, NULL, 0);
}

unsigned ks_snode_types(const struct ks_snode *n)
{
	return n ? n->stypes : 0;
}

static const void *pick_title(const struct ks_snode *n, const void *arg)
{
	(void)arg;
	return n->title;
}

static const void *pick_description(const struct ks_snode *n,
				    const void *arg)
{
	(void)arg;
	return n->description;
}

static const void *pick_format(const struct ks_snode *n, const void *arg)
{
	(void)arg;
	return n->format;
}

static const void *pick_xref(const struct ks_snode *n, const void *arg)
{
	(void)arg;
	return n->xref;
}

static const void *pick_xkey(const struct ks_snode *n, const void *arg)
{
	(void)arg;
	return n->xkey;
}

static const void *pick_xunique(const struct ks_snode *n, const void *arg)
{
	(void)arg;
	return n->xunique ? n : NULL;
}

static const void *pick_enum(const struct ks_snode *n, const void *arg)
{
	(void)arg;
	return n->nenum ? n : NULL;
}

static const void *pick_read_only(const struct ks_snode *n, const void *arg)
{
	(void)arg;
	return n->read_only ? n : NULL;
}

int ks_snode_read_only(const struct ks_snode *n)
{
	return n && follow(n, pick_read_only, NULL, 0) != NULL;
}

const char *ks_snode_title(const struct ks_snode *n)
{
	return follow(n, pick_title, NULL, 0);
}

const char *ks_snode_stitle(const struct ks_snode *n)
{
	return follow(n, pick_title, NULL, 0);
}

const char *ks_snode_description(const struct ks_snode *n)
{
	return follow(n, pick_description, NULL, 0);
}

const char *ks_snode_format(const struct ks_snode *n)
{
	return follow(n, pick_format, NULL, 0);
}

static const void *pick_maxlen(const struct ks_snode *n, const void *arg)
{
	(void)arg;
	return n->kw & KW_MAXLEN ? (const void *)&n->maxlen : NULL;
}

static const void *pick_range(const struct ks_snode *n, const void *arg)
{
	(void)arg;
	return (n->kw & (KW_MINIMUM | KW_MAXIMUM)) == (KW_MINIMUM | KW_MAXIMUM) &&
	       n->minimum.has_ll && n->maximum.has_ll ? (const void *)n : NULL;
}

int ks_snode_int_range(const struct ks_snode *n, long long *min,
		       long long *max)
{
	const struct ks_snode *r;

	if (ks_snode_types(n) != KS_TYPE_INTEGER ||
	    !(r = follow(n, pick_range, NULL, 0)))
		return 0;
	*min = r->minimum.ll;
	*max = r->maximum.ll;
	return 1;
}

size_t ks_snode_max_length(const struct ks_snode *n)
{
	const size_t *v = follow(n, pick_maxlen, NULL, 0);

	return v ? *v : 0;
}

const char *ks_snode_xref(const struct ks_snode *n)
{
	return follow(n, pick_xref, NULL, 0);
}

static const void *pick_xderived(const struct ks_snode *n, const void *arg)
{
	(void)arg;
	return n->xderived;
}

const struct ks_node *ks_snode_xderived(const struct ks_snode *n)
{
	return follow(n, pick_xderived, NULL, 0);
}

const char *ks_snode_xkey(const struct ks_snode *n)
{
	return follow(n, pick_xkey, NULL, 0);
}

int ks_snode_xunique(const struct ks_snode *n)
{
	return follow(n, pick_xunique, NULL, 0) != NULL;
}

size_t ks_snode_enum_count(const struct ks_snode *n)
{
	const struct ks_snode *e = follow(n, pick_enum, NULL, 0);

	return e ? e->nenum : 0;
}

const struct ks_node *ks_snode_enum_value(const struct ks_snode *n,
					  size_t i)
{
	const struct ks_snode *e = follow(n, pick_enum, NULL, 0);

	return e && i < e->nenum ? e->enumv[i].n : NULL;
}

const char *ks_snode_enum_title(const struct ks_snode *n, size_t i)
{
	const struct ks_snode *e = follow(n, pick_enum, NULL, 0);

	if (!e || i >= e->nenum || !e->enum_titles)
		return NULL;
	return e->enum_titles[i];
}

