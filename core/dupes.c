/*
 * Likely duplicates and word search over an index of record keys.  See
 * dupes.h.
 */
#include "dupes.h"
#include "alloc.h"
#include "buf.h"
#include "check.h"
#include "diag.h"
#include "fnv.h"
#include "record.h"
#include "repo.h"
#include "vnkey.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- the index ---- */

void ks_dupe_rec_release(struct ks_dupe_rec *e)
{
	if (e->block) {
		ks_free(e->block);
		return;
	}
	ks_free(e->kind);
	ks_free(e->id);
	ks_free(e->path);
	ks_free(e->name);
	ks_free(e->commune);
	ks_free(e->tax);
	ks_free(e->phone);
	ks_free(e->name_exact);
	ks_free(e->name_loose);
	ks_free(e->scope);
	ks_free(e->words);
	ks_free(e->facets);
}

void ks_dupe_index_release(struct ks_dupe_index *ix)
{
	size_t i;

	for (i = 0; i < ix->n; i++)
		ks_dupe_rec_release(&ix->v[i]);
	ks_free(ix->v);
	memset(ix, 0, sizeof(*ix));
}

/* The text of the scalar at root/a[/b], or NULL. */
static const char *field(const struct ks_node *root, const char *a,
			 const char *b)
{
	const struct ks_node *n = ks_map_get(root, a);

	if (n && b)
		n = ks_map_get(n, b);
	return n && n->kind == KS_NODE_SCALAR ? n->u.scalar.str : NULL;
}

/*
 * A copy of a key of `s` in *out; NULL when `s` is NULL or has no key
 * (an empty name, a number that is not a phone).  -1 on no memory.
 */
static int keep_key(char **out, struct ks_buf *b, const char *s,
		    int (*fn)(struct ks_buf *, const char *, size_t))
{
	int err;

	*out = NULL;
	if (!s)
		return 0;
	ks_buf_reset(b);
	err = fn(b, s, strlen(s));
	if (err == -1)
		return -1;
	if (err || !b->len)
		return 0;
	*out = ks_strdup(b->ptr);
	return *out ? 0 : -1;
}

static int loose_name(struct ks_buf *b, const char *s, size_t len)
{
	return ks_vnkey_loose(b, s, len, 0);
}

/* Fields whose words a search looks at. */
static const char *const search_fields[][2] = {
	{ "name", NULL },
	{ "address", "street" },
	{ "address", "village" },
	{ "address", "commune_name" },
	{ "address", "full_text" },
	{ "owner", "address" },
	{ NULL, NULL },
};

static int search_words(char **out, struct ks_buf *b, const struct ks_node *root)
{
	size_t i;
	const char *s;

	ks_buf_reset(b);
	if (ks_buf_putc(b, ' ') < 0)
		return -1;
	for (i = 0; search_fields[i][0]; i++) {
		size_t before = b->len;
		int err;

		s = field(root, search_fields[i][0], search_fields[i][1]);
		if (!s)
			continue;
		err = ks_vnkey_loose(b, s, strlen(s), KS_VNKEY_KEEP_LEGAL);
		if (err == -1)
			return -1;
		if (err)
			b->len = before;	/* not UTF-8: nothing to find */
		if (b->len > before && ks_buf_putc(b, ' ') < 0)
			return -1;
		b->ptr[b->len] = '\0';
	}
	*out = ks_strdup(b->ptr);
	return *out ? 0 : -1;
}

static int rec_fill(struct ks_dupe_rec *e, struct ks_buf *b,
		    const struct ks_node *root)
{
	const char *name = field(root, "name", NULL);
	const char *commune = field(root, "address", "commune_name");

	if ((name && !(e->name = ks_strdup(name))) ||
	    (commune && !(e->commune = ks_strdup(commune))) ||
	    keep_key(&e->tax, b, field(root, "tax_code", NULL),
		     ks_vnkey_taxcode) < 0 ||
	    keep_key(&e->phone, b, field(root, "phone", NULL),
		     ks_vnkey_phone) < 0 ||
	    keep_key(&e->name_exact, b, name, ks_vnkey_exact) < 0 ||
	    keep_key(&e->name_loose, b, name, loose_name) < 0 ||
	    keep_key(&e->scope, b, commune, ks_vnkey_commune) < 0)
		return -1;
	return search_words(&e->words, b, root);
}

int ks_dupe_index_add(struct ks_dupe_index *ix, const char *kind,
		      const char *id, const char *path,
		      const struct ks_node *root)
{
	struct ks_dupe_rec *e;
	struct ks_buf b = KS_BUF_INIT;
	int err = -1;

	if (ks_grow(&ix->v, ix->n, &ix->alloc, sizeof(*ix->v), 64) < 0)
		return -1;
	e = &ix->v[ix->n];
	memset(e, 0, sizeof(*e));
	if (!(e->kind = ks_strdup(kind)) || !(e->id = ks_strdup(id)) ||
	    !(e->path = ks_strdup(path)))
		goto out;
	if (root && root->kind == KS_NODE_MAP && rec_fill(e, &b, root) < 0)
		goto out;
	if (!e->scope && !(e->scope = ks_strdup("")))
		goto out;
	if (!e->words && !(e->words = ks_strdup(" ")))
		goto out;
	ix->n++;
	err = 0;
out:
	if (err)
		ks_dupe_rec_release(e);
	ks_buf_release(&b);
	return err;
}

/* By device, then counter (md01-9999 before md01-10000), then kind. */
static int cmp_rec(const void *x, const void *y)
{
	const struct ks_dupe_rec *a = x, *b = y;
	char da[KS_DEVICE_MAX + 1], db[KS_DEVICE_MAX + 1];
	unsigned long ca, cb;
	int c;

	if (ks_id_parse(a->id, da, &ca) == 0 &&
	    ks_id_parse(b->id, db, &cb) == 0) {
		c = strcmp(da, db);
		if (c)
			return c;
		if (ca != cb)
			return ca < cb ? -1 : 1;
	} else if ((c = strcmp(a->id, b->id))) {
		return c;
	}
	return strcmp(a->kind, b->kind);
}

int ks_dupe_index_page(struct ks_dupe_index *ix, size_t *total,
		       struct ks_repo *r, const char *kind, size_t first,
		       size_t count, struct ks_diags *d)
{
	struct ks_paths paths = { 0 };
	struct ks_dupe_rec *all = NULL;
	size_t i, n = 0, alloc = 0;
	int err = ks_list_records(&paths, r, d);

	*total = 0;
	/* every record by its id, from its path alone */
	for (i = 0; !err && i < paths.n; i++) {
		char *k = NULL, *id = NULL;

		if (ks_record_path_parse(paths.v[i], &k, &id) < 0 ||
		    (kind && strcmp(k, kind)) || !ks_repo_find_kind(r, k)) {
			ks_free(k);
			ks_free(id);
			continue;
		}
		if (ks_grow(&all, n, &alloc, sizeof(*all), 64) < 0) {
			ks_free(k);
			ks_free(id);
			err = -1;
			break;
		}
		memset(&all[n], 0, sizeof(all[n]));
		all[n].kind = k;
		all[n].id = id;
		all[n].path = paths.v[i];
		n++;
	}
	if (!err && n > 1)
		qsort(all, n, sizeof(*all), cmp_rec);
	/* and only those of the page read */
	for (i = first; !err && i < n && i < first + count; i++) {
		struct ks_diags pd = KS_DIAGS_INIT;
		struct ks_doc *doc = NULL, *none = NULL;
		char *abs = ks_repo_path(r, all[i].path);
		const struct ks_node *root = NULL;

		if (!abs)
			err = -1;
		else if (!(err = ks_doc_load(&doc, abs, all[i].path,
					     KS_PARSE_RECORD, &pd)))
			root = ks_doc_root(doc);
		else if (err != -1) {
			/* listed all the same, with nothing but its id */
			err = (none = ks_doc_new(NULL)) &&
			      (root = ks_node_map(none)) ? 0 : -1;
		}
		if (!err)
			err = ks_dupe_index_add(ix, all[i].kind, all[i].id,
						all[i].path, root);
		ks_doc_free(doc);
		ks_doc_free(none);
		ks_diags_release(&pd);
		ks_free(abs);
	}
	for (i = 0; i < n; i++) {
		ks_free(all[i].kind);
		ks_free(all[i].id);
	}
	ks_free(all);
	ks_paths_release(&paths);
	if (!err)
		*total = n;
	return err;
}

int ks_dupe_index_load(struct ks_dupe_index *ix, struct ks_repo *r,
		       const char *kind, struct ks_diags *d)
{
	struct ks_paths paths = { 0 };
	size_t i;
	int err;

	err = ks_list_records(&paths, r, d);
	for (i = 0; !err && i < paths.n; i++) {
		struct ks_diags pd = KS_DIAGS_INIT;
		struct ks_doc *doc = NULL;
		char *k = NULL, *id = NULL, *abs = NULL;

		if (ks_record_path_parse(paths.v[i], &k, &id) < 0 ||
		    (kind && strcmp(k, kind)) || !ks_repo_find_kind(r, k))
			goto next;
		abs = ks_repo_path(r, paths.v[i]);
		if (!abs) {
			err = -1;
			goto next;
		}
		err = ks_doc_load(&doc, abs, paths.v[i], KS_PARSE_RECORD, &pd);
		if (err == -1)
			goto next;
		if (err) {
			ks_diags_add(d, KS_SEV_WARNING, paths.v[i], 0, 0, NULL,
				     NULL, "left out: the record cannot be read");
			err = 0;
			goto next;
		}
		err = ks_dupe_index_add(ix, k, id, paths.v[i], ks_doc_root(doc));
next:
		ks_doc_free(doc);
		ks_diags_release(&pd);
		ks_free(abs);
		ks_free(k);
		ks_free(id);
	}
	ks_paths_release(&paths);
	if (!err && ix->n > 1)
		qsort(ix->v, ix->n, sizeof(*ix->v), cmp_rec);
	return err;
}

/* ---- pairs ---- */

void ks_dupes_release(struct ks_dupes *p)
{
	ks_free(p->v);
	ks_free(p->shared);
	memset(p, 0, sizeof(*p));
}

/* One record under one key: pairs are the runs of equal keys. */
struct keyed {
	const struct ks_dupe_rec *rec;
	uint64_t hash;		/* of what cmp_key() compares */
	size_t i;
};

/*
 * What two records must share for `why`: the kind always, and the
 * commune with the name.
 */
static int cmp_key(const struct ks_dupe_rec *a, const struct ks_dupe_rec *b,
		   unsigned why)
{
	int c = strcmp(a->kind, b->kind);

	if (c)
		return c;
	switch (why) {
	case KS_DUPE_TAX:
		return strcmp(a->tax, b->tax);
	case KS_DUPE_PHONE:
		return strcmp(a->phone, b->phone);
	}
	c = strcmp(a->scope, b->scope);
	return c ? c : strcmp(a->name_loose, b->name_loose);
}

/* FNV-1a over `s` and its NUL, from `h`. */
static uint64_t hash_str(uint64_t h, const char *s)
{
	return ks_fnv(h, s, strlen(s) + 1);
}

static uint64_t key_hash(const struct ks_dupe_rec *e, unsigned why)
{
	uint64_t h = hash_str(KS_FNV_INIT, e->kind);

	if (why == KS_DUPE_NAME)
		h = hash_str(h, e->scope);
	return hash_str(h, ks_dupe_key(e, why));
}

/*
 * Records that share a key next to each other, in their order: by the
 * key's hash first, so that 100,000 names are seldom compared whole.
 */
static int cmp_keyed(const void *x, const void *y, void *why)
{
	const struct keyed *a = x, *b = y;
	int c;

	if (a->hash != b->hash)
		return a->hash < b->hash ? -1 : 1;
	c = cmp_key(a->rec, b->rec, *(unsigned *)why);
	if (c)
		return c;
	return a->i < b->i ? -1 : a->i > b->i;
}

const char *ks_dupe_key(const struct ks_dupe_rec *e, unsigned why)
{
	switch (why) {
	case KS_DUPE_TAX:
		return e->tax;
	case KS_DUPE_PHONE:
		return e->phone;
	}
	return e->name_loose;
}

static int add_pair(struct ks_dupes *out, size_t a, size_t b, unsigned why)
{
	if (ks_grow(&out->v, out->n, &out->alloc, sizeof(*out->v), 64) < 0)
		return -1;
	out->v[out->n].a = a;
	out->v[out->n].b = b;
	out->v[out->n++].why = why;
	return 0;
}

static int add_shared(struct ks_dupes *out, size_t first, size_t count,
		      unsigned why)
{
	if (ks_grow(&out->shared, out->nshared, &out->shared_alloc,
		    sizeof(*out->shared), 8) < 0)
		return -1;
	out->shared[out->nshared].why = why;
	out->shared[out->nshared].first = first;
	out->shared[out->nshared++].count = count;
	return 0;
}

/* Pairs within each run of records that share the key of `why`. */
static int pairs_by(struct ks_dupes *out, const struct ks_dupe_index *ix,
		    unsigned why, struct keyed *k)
{
	size_t i, j, m, n = 0, run;

	for (i = 0; i < ix->n; i++) {
		if (!ks_dupe_key(&ix->v[i], why))
			continue;
		k[n].rec = &ix->v[i];
		k[n].hash = key_hash(&ix->v[i], why);
		k[n++].i = i;
	}
	if (n > 1)
		qsort_r(k, n, sizeof(*k), cmp_keyed, &why);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && !cmp_key(k[i].rec, k[j].rec, why); j++)
			;
		run = j - i;
		if (run > KS_DUPES_MAX_SHARED) {
			if (add_shared(out, k[i].i, run, why) < 0)
				return -1;
			continue;
		}
		for (m = i; m < j; m++) {
			size_t o;

			for (o = m + 1; o < j; o++)
				if (add_pair(out, k[m].i, k[o].i, why) < 0)
					return -1;
		}
	}
	return 0;
}

static int cmp_pair(const void *x, const void *y)
{
	const struct ks_dupe_pair *a = x, *b = y;

	if (a->a != b->a)
		return a->a < b->a ? -1 : 1;
	return a->b < b->b ? -1 : a->b > b->b;
}

static int cmp_shared(const void *x, const void *y)
{
	const struct ks_dupe_shared *a = x, *b = y;

	if (a->why != b->why)
		return a->why < b->why ? -1 : 1;
	return a->first < b->first ? -1 : a->first > b->first;
}

int ks_dupes_find(struct ks_dupes *out, const struct ks_dupe_index *ix)
{
	static const unsigned whys[] = { KS_DUPE_TAX, KS_DUPE_PHONE, KS_DUPE_NAME };
	struct keyed *k;
	size_t i, n;
	int err = 0;

	memset(out, 0, sizeof(*out));
	k = ks_calloc(ix->n ? ix->n : 1, sizeof(*k));
	if (!k)
		return -1;
	for (i = 0; !err && i < sizeof(whys) / sizeof(whys[0]); i++)
		err = pairs_by(out, ix, whys[i], k);
	ks_free(k);
	if (err) {
		ks_dupes_release(out);
		return -1;
	}
	/* One entry per pair, with all its evidence. */
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(*out->v), cmp_pair);
	for (i = 0, n = 0; i < out->n; i++) {
		if (n && !cmp_pair(&out->v[n - 1], &out->v[i]))
			out->v[n - 1].why |= out->v[i].why;
		else
			out->v[n++] = out->v[i];
	}
	out->n = n;
	for (i = 0; i < n; i++) {
		const struct ks_dupe_rec *a = &ix->v[out->v[i].a];
		const struct ks_dupe_rec *b = &ix->v[out->v[i].b];

		if ((out->v[i].why & KS_DUPE_NAME) && a->name_exact &&
		    b->name_exact && !strcmp(a->name_exact, b->name_exact))
			out->v[i].why |= KS_DUPE_SAME_NAME;
	}
	if (out->nshared > 1)
		qsort(out->shared, out->nshared, sizeof(*out->shared),
		      cmp_shared);
	return 0;
}

/* ---- search ---- */

/*
 * A word typed in Telex on a keyboard without Vietnamese ("dduc", "haf",
 * "nguyeenx"), as its loose key ("duc", "ha", "nguyen"): doubled d, a, e
 * and o, and a, o, u before w, are one letter, and a tone letter at the
 * end (s, f, r, x, j, z) is dropped, since no Vietnamese word ends so.
 */
static int telex_loose(struct ks_buf *out, const char *w, size_t n)
{
	size_t i;

	if (n > 1 && strchr("sfrxjz", w[n - 1]))
		n--;
	for (i = 0; i < n; i++) {
		if (i + 1 < n && ((w[i] == w[i + 1] && strchr("daeo", w[i])) ||
				  (w[i + 1] == 'w' && strchr("aou", w[i])))) {
			ks_buf_putc(out, w[i++]);
			continue;
		}
		ks_buf_putc(out, w[i]);
	}
	return ks_buf_failed(out) ? -1 : 0;
}

/* 1 when " w" (the word, or what its Telex spells) starts a word of `words`. */
static int word_in(const char *words, const char *p, size_t n,
		   struct ks_buf *w)
{
	ks_buf_reset(w);
	if (ks_buf_putc(w, ' ') < 0 || ks_buf_add(w, p, n) < 0)
		return -1;
	if (strstr(words, w->ptr))
		return 1;
	ks_buf_reset(w);
	if (ks_buf_putc(w, ' ') < 0 || telex_loose(w, p, n) < 0)
		return -1;
	return w->len > 1 && strstr(words, w->ptr) != NULL;
}

/* 1 when every word of `q` ("w1 w2") starts a word of `words` (" a b "). */
static int matches(const char *words, const char *q, struct ks_buf *w)
{
	const char *p = q, *e;
	int r;

	while (*p) {
		e = strchr(p, ' ');
		r = word_in(words, p, e ? (size_t)(e - p) : strlen(p), w);
		if (r <= 0)
			return r;
		p = e ? e + 1 : p + strlen(p);
	}
	return 1;
}

/*
 * A query that is a phone number, a tax code or a record id, written any
 * way ("0912 345 678", "+84 912345678", "0201234567"): their keys, "" for
 * what it is not.
 */
struct exact {
	struct ks_buf phone, tax;
	const char *id;
};

static int exact_key(struct ks_buf *out, const char *query,
		     int (*fn)(struct ks_buf *, const char *, size_t))
{
	int err = fn(out, query, strlen(query));

	if (err == -1)
		return -1;
	if (err)
		ks_buf_reset(out);
	return 0;
}

static int exact_keys(struct exact *x, const char *query)
{
	char device[KS_DEVICE_MAX + 1];
	unsigned long counter;

	x->id = ks_id_parse(query, device, &counter) == 0 ? query : NULL;
	if (exact_key(&x->phone, query, ks_vnkey_phone) < 0 ||
	    exact_key(&x->tax, query, ks_vnkey_taxcode) < 0)
		return -1;
	return 0;
}

static int exact_hit(const struct exact *x, const struct ks_dupe_rec *e)
{
	return (x->phone.len && e->phone && !strcmp(x->phone.ptr, e->phone)) ||
	       (x->tax.len && e->tax && !strcmp(x->tax.ptr, e->tax)) ||
	       (x->id && !strcmp(x->id, e->id));
}

struct ks_dupe_query {
	struct ks_buf q, w;
	struct exact x;
};

void ks_dupe_query_free(struct ks_dupe_query *dq)
{
	if (!dq)
		return;
	ks_buf_release(&dq->q);
	ks_buf_release(&dq->w);
	ks_buf_release(&dq->x.phone);
	ks_buf_release(&dq->x.tax);
	ks_free(dq);
}

int ks_dupe_query_new(struct ks_dupe_query **out, const char *query,
		      struct ks_diags *d)
{
	struct ks_dupe_query *dq = ks_calloc(1, sizeof(*dq));
	int err;

	*out = NULL;
	if (!dq)
		return -1;
	ks_buf_init(&dq->q);
	ks_buf_init(&dq->w);
	ks_buf_init(&dq->x.phone);
	ks_buf_init(&dq->x.tax);
	err = ks_vnkey_loose(&dq->q, query, strlen(query), 0);
	if (!err && !dq->q.len)
		err = ks_vnkey_loose(&dq->q, query, strlen(query),
				     KS_VNKEY_KEEP_LEGAL);
	if (!err && exact_keys(&dq->x, query) < 0)
		err = -1;
	if (err == KS_EINVALID)
		err = ks_error(d, KS_EINVALID, NULL, 0, 0,
			       "the query is not valid UTF-8");
	else if (!err && !dq->q.len && !dq->x.phone.len && !dq->x.tax.len &&
		 !dq->x.id)
		err = ks_error(d, KS_EINVALID, NULL, 0, 0,
			       "nothing to search for in \"%s\": give words of a name or an address, a phone number, a tax code or an id",
			       query);
	if (err) {
		ks_dupe_query_free(dq);
		return err;
	}
	*out = dq;
	return 0;
}

int ks_dupe_query_match(struct ks_dupe_query *dq, const struct ks_dupe_rec *e)
{
	int m = exact_hit(&dq->x, e);

	if (!m && dq->q.len)
		m = matches(e->words, dq->q.ptr, &dq->w);
	return m;
}

int ks_dupe_search(size_t **hits, size_t *n, const struct ks_dupe_index *ix,
		   const char *query, struct ks_diags *d)
{
	struct ks_dupe_query *dq = NULL;
	size_t i;
	int err, m;

	*hits = NULL;
	*n = 0;
	if ((err = ks_dupe_query_new(&dq, query, d)))
		return err;
	*hits = ks_calloc(ix->n ? ix->n : 1, sizeof(**hits));
	if (!*hits)
		err = -1;
	for (i = 0; !err && i < ix->n; i++) {
		m = ks_dupe_query_match(dq, &ix->v[i]);
		if (m < 0)
			err = -1;
		else if (m)
			(*hits)[(*n)++] = i;
	}
	if (err) {
		ks_free(*hits);
		*hits = NULL;
		*n = 0;
	}
	ks_dupe_query_free(dq);
	return err;
}
