/*
 * Property test for the record-level three-way merge (ks_merge_nodes):
 * random records made from tests/data/merge/schema.yaml, random edit
 * scripts applied to a base on each side, and for every case:
 *
 *   1. symmetry: merge(B, O, T) and merge(B, T, O) write the same bytes and
 *      report the same conflicts (ours and theirs swapped in each entry);
 *   2. no loss: every leaf (path and value) a side set differently from the
 *      base is in the result at that path, or a conflict covers the path
 *      and its proposal from that side holds the leaf; and where no
 *      conflict covers a leaf, the result agrees with the three-way rule
 *      applied to that leaf alone (one-sided changes are taken, nothing is
 *      invented); each conflict entry holds the three sides' values at its
 *      field, the result keeps the base value there (or one side's
 *      value where the mapping around the field is new on both sides),
 *      the sides really disagree, and no two entries are for the same
 *      field or one inside the other;
 *   3. idempotence: merge(R, R, R) = R; and when there is no conflict,
 *      merging either side into the result again changes nothing:
 *      merge(B, R, T) = merge(B, O, R) = R;
 *   4. the result validates against the schema, except under the fields
 *      where a conflict is recorded.
 *
 * The sides are canonical files, except that the keys of one side or both
 * are sometimes in a random order, as in a hand-edited file.
 *
 * A leaf is a scalar or a plain array, at a path written as the merge writes
 * conflict fields ("/workers/regular", "/products[name=Chảo gang]/use").
 *
 *   MERGEPROP_SEED=N     first case's seed (case i uses N + i); default 1
 *   MERGEPROP_CASES=N    number of cases; default 5000
 *   MERGEPROP_VERBOSE=1  print every case's records
 *
 * A failing case prints its seed and its records; replay it alone with
 * MERGEPROP_SEED=<seed> MERGEPROP_CASES=1.  The summary counts one test
 * per property (setup and the four above), each held over every case.
 */
#include "alloc.h"
#include "buf.h"
#include "diag.h"
#include "merge.h"
#include "record.h"
#include "schema.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *top(void)
{
	const char *t = getenv("KHAOSAT_TOP");

	return t && *t ? t : ".";
}

/* ---- random numbers (splitmix64: one seed gives one case) ---- */

static uint64_t rng_state;

static uint64_t rnd64(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* 0 <= rnd(n) < n */
static size_t rnd(size_t n)
{
	return n ? (size_t)(rnd64() % n) : 0;
}

static int chance(int percent)
{
	return (int)rnd(100) < percent;
}

/* ---- what the generator knows of the schema ---- */

enum ftype {
	T_STR,		/* string */
	T_INT,		/* integer */
	T_NUM,		/* number */
	T_BOOL,
	T_NSTR,		/* string or null ("~" in the pool is null) */
	T_OBJ,		/* object with `sub` fields */
	T_KEYED,	/* array of `sub` objects keyed by name (from `pool`) */
	T_LIST,		/* array of 1-3 distinct strings from `pool` */
};

struct fdesc {
	const char *name;
	enum ftype type;
	const char *const *pool;	/* NULL-terminated */
	const struct fdesc *sub;	/* ends with a NULL name */
	int required;
};

#define POOL(...) ((const char *const[]){ __VA_ARGS__, NULL })

static const struct fdesc rep_fields[] = {
	{ "name", T_STR, POOL("Phạm Văn Tuấn", "Vũ Thị Hạnh"), NULL, 0 },
	{ "position", T_STR, POOL("Giám đốc", "Chủ hộ"), NULL, 0 },
	{ "birth_year", T_INT, POOL("1968", "1975"), NULL, 0 },
	{ NULL, 0, NULL, NULL, 0 },
};

static const struct fdesc addr_fields[] = {
	{ "street", T_STR, POOL("12 đường Trục xã", "Số 5 ngõ 3"), NULL, 0 },
	{ "village", T_STR, POOL("Thôn 7", "Thôn 8"), NULL, 0 },
	{ "commune_name", T_STR, POOL("Mỹ Đồng", "Lưu Kiếm"), NULL, 0 },
	{ "district_name", T_NSTR, POOL("Thủy Nguyên", "~"), NULL, 0 },
	{ "province_name", T_STR, POOL("Hải Phòng", "Hà Nội"), NULL, 0 },
	{ NULL, 0, NULL, NULL, 0 },
};

static const struct fdesc workers_fields[] = {
	{ "regular", T_INT, POOL("0", "5", "12", "40"), NULL, 0 },
	{ "seasonal", T_INT, POOL("0", "5", "12"), NULL, 0 },
	{ "insured", T_INT, POOL("0", "5"), NULL, 0 },
	{ NULL, 0, NULL, NULL, 0 },
};

/* Item fields; the key field "name" is set by the generator. */
static const struct fdesc product_fields[] = {
	{ "material", T_STR, POOL("gang_xam", "gang_cau", "dong"), NULL, 0 },
	{ "use", T_STR, POOL("Đồ gia dụng", "Phụ tùng máy", "Đồ nướng"),
	  NULL, 0 },
	{ "market", T_STR, POOL("noi_dia", "xuat_khau", "ca_hai"), NULL, 0 },
	{ "export_countries", T_LIST, POOL("Hàn Quốc", "Nhật Bản", "Lào"),
	  NULL, 0 },
	{ "output_tonnes_per_year", T_NUM, POOL("35", "300", "12.5"), NULL,
	  0 },
	{ NULL, 0, NULL, NULL, 0 },
};

static const struct fdesc machine_fields[] = {
	{ "kind", T_STR, POOL("lo_trung_tan", "lo_cupola", "may_lam_khuon",
			      "may_ban_bi"), NULL, 0 },
	{ "year", T_INT, POOL("2015", "2019", "2021"), NULL, 0 },
	{ "value", T_INT, POOL("85000000", "245000000"), NULL, 0 },
	{ NULL, 0, NULL, NULL, 0 },
};

static const struct fdesc pollution_fields[] = {
	{ "sources", T_LIST, POOL("bui", "khi_thai_lo", "tieng_on_rung",
				  "nuoc_thai", "xi_lo", "cat_khuon_thai"),
	  NULL, 0 },
	{ "measures", T_LIST, POOL("ong_khoi", "cyclone", "loc_bui_tui",
				   "khong_co"), NULL, 0 },
	{ "complaints", T_STR, POOL("Hộ bên cạnh phản ánh bụi",
				    "Không có"), NULL, 0 },
	{ NULL, 0, NULL, NULL, 0 },
};

static const struct fdesc root_fields[] = {
	{ "id", T_STR, POOL("md01-0042"), NULL, 1 },
	{ "name", T_STR, POOL("Cơ khí đúc Hưng Phát",
			      "Hộ kinh doanh Phạm Văn Tuấn",
			      "HTX Cơ khí Mỹ Đồng"), NULL, 1 },
	{ "phone", T_STR, POOL("0912345678", "02253812345", "0987654321"),
	  NULL, 0 },
	{ "representative", T_OBJ, NULL, rep_fields, 0 },
	{ "address", T_OBJ, NULL, addr_fields, 0 },
	{ "year_founded", T_INT, POOL("1995", "2003", "2010"), NULL, 0 },
	{ "floor_area", T_NUM, POOL("120", "250.5", "80"), NULL, 0 },
	{ "association_member", T_BOOL, POOL("true", "false"), NULL, 0 },
	{ "workers", T_OBJ, NULL, workers_fields, 0 },
	{ "products", T_KEYED, POOL("Chảo gang", "Nồi gang",
				    "Đối trọng máy giặt", "Vỉ nướng gang",
				    "Bếp gang", "Nắp hố ga",
				    "Phụ tùng máy bơm"), product_fields, 0 },
	{ "machinery", T_KEYED, POOL("Lò trung tần 1 tấn", "Lò cupola",
				     "Máy làm khuôn số 1",
				     "Máy làm khuôn số 2", "Máy bắn bi"),
	  machine_fields, 0 },
	{ "pollution", T_OBJ, NULL, pollution_fields, 0 },
	{ "notes", T_STR, POOL("Đã kiểm tra", "Cần khảo sát lại",
			       "Xưởng đóng cửa tháng 7"), NULL, 0 },
	{ NULL, 0, NULL, NULL, 0 },
};

/* Allocation failures in the test's own building are not the subject. */
static void *need(void *p)
{
	if (!p) {
		fprintf(stderr, "mergeprop: out of memory\n");
		abort();
	}
	return p;
}

static size_t pool_len(const char *const *pool)
{
	size_t n = 0;

	while (pool[n])
		n++;
	return n;
}

static struct ks_node *scalar(struct ks_doc *doc, const char *s,
			      unsigned quoted)
{
	return need(ks_node_scalar(doc, s, strlen(s), quoted));
}

static struct ks_node *gen_scalar(struct ks_doc *doc, const struct fdesc *f)
{
	const char *v = f->pool[rnd(pool_len(f->pool))];

	if (f->type == T_STR || (f->type == T_NSTR && strcmp(v, "~")))
		return scalar(doc, v, 1);
	return scalar(doc, f->type == T_NSTR ? "null" : v, 0);
}

/* 1-3 distinct values from the pool, in random order. */
static struct ks_node *gen_list(struct ks_doc *doc, const struct fdesc *f)
{
	size_t n = pool_len(f->pool), k = 1 + rnd(3), i, idx[16];
	struct ks_node *seq = need(ks_node_seq(doc));

	for (i = 0; i < n; i++)
		idx[i] = i;
	for (i = 0; i < n; i++) {
		size_t j = i + rnd(n - i), t = idx[i];

		idx[i] = idx[j];
		idx[j] = t;
	}
	for (i = 0; i < k && i < n; i++)
		if (ks_seq_push(doc, seq, scalar(doc, f->pool[idx[i]], 1)))
			need(NULL);
	return seq;
}

static struct ks_node *gen_value(struct ks_doc *doc, const struct fdesc *f);

static struct ks_node *gen_obj(struct ks_doc *doc, const struct fdesc *fields,
			       int percent)
{
	struct ks_node *map = need(ks_node_map(doc));
	const struct fdesc *f;

	for (f = fields; f->name; f++)
		if (f->required || chance(percent))
			if (ks_map_set(doc, map, f->name, gen_value(doc, f)))
				need(NULL);
	return map;
}

static struct ks_node *gen_item(struct ks_doc *doc, const struct fdesc *f,
				const char *name)
{
	struct ks_node *item = gen_obj(doc, f->sub, 50);
	struct ks_node *map = need(ks_node_map(doc));
	size_t i;

	/* The key first, as people write it. */
	if (ks_map_set(doc, map, "name", scalar(doc, name, 1)))
		need(NULL);
	for (i = 0; i < item->u.map.n; i++)
		if (ks_map_set(doc, map, item->u.map.v[i].key,
			       item->u.map.v[i].value))
			need(NULL);
	return map;
}

static int item_named(const struct ks_node *seq, const char *name)
{
	size_t i;

	for (i = 0; i < seq->u.seq.n; i++) {
		const struct ks_node *k = ks_map_get(seq->u.seq.v[i], "name");

		if (k && !strcmp(k->u.scalar.str, name))
			return (int)i;
	}
	return -1;
}

static struct ks_node *gen_keyed(struct ks_doc *doc, const struct fdesc *f)
{
	struct ks_node *seq = need(ks_node_seq(doc));
	size_t n = rnd(6), np = pool_len(f->pool), i;

	for (i = 0; i < n; i++) {
		const char *name = f->pool[rnd(np)];

		if (item_named(seq, name) < 0 &&
		    ks_seq_push(doc, seq, gen_item(doc, f, name)))
			need(NULL);
	}
	return seq;
}

static struct ks_node *gen_value(struct ks_doc *doc, const struct fdesc *f)
{
	switch (f->type) {
	case T_OBJ:
		return gen_obj(doc, f->sub, 60);
	case T_KEYED:
		return gen_keyed(doc, f);
	case T_LIST:
		return gen_list(doc, f);
	default:
		return gen_scalar(doc, f);
	}
}

/* ---- edit scripts ---- */

static const struct fdesc *field_of(const struct fdesc *fields,
				    const char *name)
{
	for (; fields->name; fields++)
		if (!strcmp(fields->name, name))
			return fields;
	return NULL;
}

static int is_scalar_type(enum ftype t)
{
	return t == T_STR || t == T_INT || t == T_NUM || t == T_BOOL ||
	       t == T_NSTR;
}

/* A place to edit: a mapping and its field table. */
struct place {
	struct ks_node *map;
	const struct fdesc *fields;
	int item;		/* an item of a keyed array (keep "name") */
};

/* Every mapping of the record: root, nested objects, keyed items. */
static size_t places(struct ks_node *root, struct place *out, size_t max)
{
	const struct fdesc *f;
	size_t n = 0, i;

	out[n++] = (struct place){ root, root_fields, 0 };
	for (f = root_fields; f->name; f++) {
		struct ks_node *v = ks_map_get(root, f->name);

		if (!v)
			continue;
		if (f->type == T_OBJ && v->kind == KS_NODE_MAP && n < max)
			out[n++] = (struct place){ v, f->sub, 0 };
		if (f->type == T_KEYED && v->kind == KS_NODE_SEQ)
			for (i = 0; i < v->u.seq.n && n < max; i++)
				out[n++] = (struct place){ v->u.seq.v[i],
							   f->sub, 1 };
	}
	return n;
}

/* The root's value for field `f`, made (empty) when absent. */
static struct ks_node *get_or_make(struct ks_doc *doc, struct ks_node *root,
				   const struct fdesc *f)
{
	struct ks_node *v = ks_map_get(root, f->name);

	if (v)
		return v;
	v = need(f->type == T_OBJ ? ks_node_map(doc) : ks_node_seq(doc));
	if (ks_map_set(doc, root, f->name, v))
		need(NULL);
	return v;
}

/* A random field of that type; any scalar type when `scalars`. */
static const struct fdesc *pick_field(const struct fdesc *fields,
				      enum ftype type, int scalars)
{
	const struct fdesc *f, *pick = NULL;
	size_t n = 0;

	for (f = fields; f->name; f++)
		if (scalars ? is_scalar_type(f->type) : f->type == type)
			if (!rnd(++n))
				pick = f;
	return pick;
}

static const struct fdesc *random_field(const struct fdesc *fields,
					enum ftype type)
{
	return pick_field(fields, type, 0);
}

static void edit_set(struct ks_doc *doc, struct ks_node *root)
{
	struct place pl[64];
	size_t n;
	const struct fdesc *f;

	/* Sometimes into a nested object that may not exist yet. */
	if (chance(30)) {
		f = random_field(root_fields, T_OBJ);
		pl[0] = (struct place){ get_or_make(doc, root, f), f->sub, 0 };
		n = 1;
	} else {
		n = places(root, pl, 64);
	}
	n = rnd(n);
	f = pick_field(pl[n].fields, T_STR, 1);
	if (!f || !strcmp(f->name, "id"))
		return;
	if (ks_map_set(doc, pl[n].map, f->name, gen_scalar(doc, f)))
		need(NULL);
}

static void edit_remove(struct ks_node *root)
{
	struct place pl[64];
	size_t n = places(root, pl, 64), i, j, count = 0;
	struct ks_node *map = NULL;
	const char *key = NULL;

	for (i = 0; i < n; i++) {
		for (j = 0; j < pl[i].map->u.map.n; j++) {
			const char *k = pl[i].map->u.map.v[j].key;
			const struct fdesc *f = field_of(pl[i].fields, k);

			if ((f && f->required) || (pl[i].item &&
						    !strcmp(k, "name")))
				continue;
			if (!rnd(++count)) {
				map = pl[i].map;
				key = k;
			}
		}
	}
	if (map)
		ks_map_remove(map, key);
}

static const struct fdesc *random_keyed(void)
{
	return random_field(root_fields, T_KEYED);
}

static void seq_insert(struct ks_doc *doc, struct ks_node *seq, size_t at,
		       struct ks_node *item)
{
	size_t i;

	if (ks_seq_push(doc, seq, item))
		need(NULL);
	for (i = seq->u.seq.n - 1; i > at; i--)
		seq->u.seq.v[i] = seq->u.seq.v[i - 1];
	seq->u.seq.v[at] = item;
}

static void seq_delete(struct ks_node *seq, size_t at)
{
	memmove(&seq->u.seq.v[at], &seq->u.seq.v[at + 1],
		(seq->u.seq.n - at - 1) * sizeof(*seq->u.seq.v));
	seq->u.seq.n--;
}

static void edit_add_item(struct ks_doc *doc, struct ks_node *root)
{
	const struct fdesc *f = random_keyed();
	struct ks_node *seq = get_or_make(doc, root, f);
	const char *name = f->pool[rnd(pool_len(f->pool))];

	if (seq->kind != KS_NODE_SEQ || item_named(seq, name) >= 0)
		return;
	seq_insert(doc, seq, rnd(seq->u.seq.n + 1), gen_item(doc, f, name));
}

static void edit_remove_item(struct ks_node *root)
{
	struct ks_node *seq = ks_map_get(root, random_keyed()->name);

	if (seq && seq->kind == KS_NODE_SEQ && seq->u.seq.n)
		seq_delete(seq, rnd(seq->u.seq.n));
}

static void shuffle(struct ks_node *seq)
{
	size_t n = seq->u.seq.n, i;

	if (n < 2)
		return;
	if (chance(50)) {
		/* Move one item. */
		size_t from = rnd(n), to = rnd(n);
		struct ks_node *it = seq->u.seq.v[from];

		if (from < to)
			memmove(&seq->u.seq.v[from], &seq->u.seq.v[from + 1],
				(to - from) * sizeof(it));
		else
			memmove(&seq->u.seq.v[to + 1], &seq->u.seq.v[to],
				(from - to) * sizeof(it));
		seq->u.seq.v[to] = it;
		return;
	}
	for (i = 0; i < n; i++) {
		size_t j = i + rnd(n - i);
		struct ks_node *t = seq->u.seq.v[i];

		seq->u.seq.v[i] = seq->u.seq.v[j];
		seq->u.seq.v[j] = t;
	}
}

static void edit_reorder(struct ks_node *root)
{
	struct ks_node *seq = ks_map_get(root, random_keyed()->name);

	if (seq && seq->kind == KS_NODE_SEQ)
		shuffle(seq);
}

/* A new plain array: another random one, or the same one reordered. */
static void edit_list(struct ks_doc *doc, struct ks_node *root)
{
	const struct fdesc *f;
	struct ks_node *map, *cur;

	if (chance(70)) {
		f = field_of(root_fields, "pollution");
		map = get_or_make(doc, root, f);
		f = random_field(pollution_fields, T_LIST);
	} else {
		struct ks_node *seq = ks_map_get(root, "products");

		if (!seq || !seq->u.seq.n)
			return;
		map = seq->u.seq.v[rnd(seq->u.seq.n)];
		f = field_of(product_fields, "export_countries");
	}
	cur = ks_map_get(map, f->name);
	if (cur && cur->kind == KS_NODE_SEQ && cur->u.seq.n > 1 && chance(30))
		shuffle(cur);
	else if (ks_map_set(doc, map, f->name, gen_list(doc, f)))
		need(NULL);
}

/* A nested object replaced by a new one. */
static void edit_object(struct ks_doc *doc, struct ks_node *root)
{
	const struct fdesc *f = random_field(root_fields, T_OBJ);

	if (ks_map_set(doc, root, f->name, gen_obj(doc, f->sub, 60)))
		need(NULL);
}

static void edit(struct ks_doc *doc, struct ks_node *root)
{
	size_t op = rnd(100);

	if (op < 35)
		edit_set(doc, root);
	else if (op < 50)
		edit_remove(root);
	else if (op < 62)
		edit_add_item(doc, root);
	else if (op < 72)
		edit_remove_item(root);
	else if (op < 82)
		edit_reorder(root);
	else if (op < 94)
		edit_list(doc, root);
	else
		edit_object(doc, root);
}

/* ---- a case: three records as canonical text, parsed ---- */

struct rec {
	struct ks_buf text;
	struct ks_doc *doc;	/* NULL: the record is absent */
};

static const struct ks_node *root_of(const struct rec *r)
{
	return r->doc ? ks_doc_root(r->doc) : NULL;
}

static void record_text(struct ks_buf *out, const struct ks_node *root,
			const struct ks_schema *s)
{
	if (!root) {
		ks_buf_puts(out, "(absent)\n");
		return;
	}
	if (ks_doc_write(out, root, ks_schema_layout(),
			 ks_schema_layout_root(s)))
		need(NULL);
}

/* Writes `root` canonically and reads it back, as a file would be. */
static void make_rec(struct rec *r, const struct ks_node *root,
		     const struct ks_schema *s)
{
	struct ks_diags d = KS_DIAGS_INIT;

	ks_buf_init(&r->text);
	r->doc = NULL;
	record_text(&r->text, root, s);
	if (root && ks_doc_parse(&r->doc, "gen.yaml", r->text.ptr, r->text.len,
				 KS_PARSE_RECORD, &d)) {
		fprintf(stderr, "mergeprop: generated record does not parse:"
			"\n%s", r->text.ptr);
		abort();
	}
	ks_diags_release(&d);
}

/*
 * Puts the keys of every mapping in a random order: the same record as a
 * hand-edited file may have it (the canonical text printed stays as it was).
 */
static void shuffle_keys(struct ks_node *n)
{
	size_t i;

	if (!n)
		return;
	if (n->kind == KS_NODE_SEQ)
		for (i = 0; i < n->u.seq.n; i++)
			shuffle_keys(n->u.seq.v[i]);
	if (n->kind != KS_NODE_MAP)
		return;
	for (i = 0; i < n->u.map.n; i++) {
		size_t j = i + rnd(n->u.map.n - i);
		struct ks_pair p = n->u.map.v[i];

		n->u.map.v[i] = n->u.map.v[j];
		n->u.map.v[j] = p;
		shuffle_keys(n->u.map.v[i].value);
	}
}

static void rec_release(struct rec *r)
{
	ks_doc_free(r->doc);
	ks_buf_release(&r->text);
}

static struct ks_node *derive(struct ks_doc *doc, const struct ks_node *base)
{
	struct ks_node *root = need(ks_node_clone(doc, base));
	size_t n = chance(15) ? 0 : 1 + rnd(4);

	while (n--)
		edit(doc, root);
	return root;
}

/* ---- leaves ---- */

struct leaf {
	char *path;
	char *text;		/* canonical text of the value (no schema) */
};

struct leaves {
	struct leaf *v;
	size_t n, alloc;
};

static void leaves_release(struct leaves *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].path);
		free(l->v[i].text);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static char *node_text(const struct ks_node *n)
{
	struct ks_buf b = KS_BUF_INIT;
	char *s;

	if (ks_doc_write(&b, n, NULL, NULL))
		need(NULL);
	s = need(strdup(b.ptr));
	ks_buf_release(&b);
	return s;
}

static void add_leaf(struct leaves *l, const char *path,
		     const struct ks_node *n)
{
	if (l->n == l->alloc) {
		l->alloc = l->alloc ? 2 * l->alloc : 32;
		l->v = need(realloc(l->v, l->alloc * sizeof(*l->v)));
	}
	l->v[l->n].path = need(strdup(path));
	l->v[l->n].text = node_text(n);
	/* one line for a scalar: drop the writer's final newline */
	l->v[l->n].text[strlen(l->v[l->n].text) - 1] = '\0';
	l->n++;
}

/* Appends "/key" escaped as in a JSON Pointer (as the merge does). */
static void push_key(struct ks_buf *b, const char *key)
{
	ks_buf_putc(b, '/');
	for (; *key; key++) {
		if (*key == '~')
			ks_buf_puts(b, "~0");
		else if (*key == '/')
			ks_buf_puts(b, "~1");
		else
			ks_buf_putc(b, *key);
	}
}

/* 1 when every item has a scalar key and no key repeats (merged by key). */
static int keyed_ok(const struct ks_node *seq, const char *field)
{
	size_t i, j;

	for (i = 0; i < seq->u.seq.n; i++) {
		const struct ks_node *k = ks_map_get(seq->u.seq.v[i], field);

		if (!k || k->kind != KS_NODE_SCALAR)
			return 0;
		for (j = 0; j < i; j++)
			if (!strcmp(ks_map_get(seq->u.seq.v[j], field)
					    ->u.scalar.str, k->u.scalar.str))
				return 0;
	}
	return 1;
}

static void collect(struct leaves *l, const struct ks_node *n,
		    struct ks_buf *path, const struct ks_snode *s)
{
	size_t mark = path->len, i;
	const char *xkey = s ? ks_snode_xkey(s) : NULL;

	if (!n)
		return;
	if (n->kind == KS_NODE_MAP) {
		for (i = 0; i < n->u.map.n; i++) {
			push_key(path, n->u.map.v[i].key);
			collect(l, n->u.map.v[i].value, path,
				s ? ks_snode_property(s, n->u.map.v[i].key)
				  : NULL);
			path->len = mark;
			path->ptr[mark] = '\0';
		}
		return;
	}
	if (n->kind == KS_NODE_SEQ && xkey && keyed_ok(n, xkey)) {
		for (i = 0; i < n->u.seq.n; i++) {
			const struct ks_node *it = n->u.seq.v[i];

			ks_buf_addf(path, "[%s=%s]", xkey,
				    ks_map_get(it, xkey)->u.scalar.str);
			collect(l, it, path, ks_snode_items(s));
			path->len = mark;
			path->ptr[mark] = '\0';
		}
		return;
	}
	add_leaf(l, path->ptr, n);
}

static void leaves_of(struct leaves *l, const struct ks_node *n,
		      const char *prefix, const struct ks_snode *s)
{
	struct ks_buf path = KS_BUF_INIT;

	memset(l, 0, sizeof(*l));
	ks_buf_puts(&path, prefix);
	collect(l, n, &path, s);
	ks_buf_release(&path);
}

static const char *leaf_at(const struct leaves *l, const char *path)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].path, path))
			return l->v[i].text;
	return NULL;
}

static int same_text(const char *a, const char *b)
{
	return a && b ? !strcmp(a, b) : a == b;
}

/* `path` is `field` or below it. */
static int covers(const char *field, const char *path)
{
	size_t n = strlen(field);

	return !strncmp(field, path, n) &&
	       (path[n] == '\0' || path[n] == '/' || path[n] == '[');
}

/* ---- conflict fields: finding their value, schema and pointer ---- */

/*
 * Follows a conflict field through a tree (and the schema alongside);
 * appends the JSON Pointer of the value to `ptr` when given.  NULL when the
 * path leads nowhere.
 */
static const struct ks_node *follow(const struct ks_node *n, const char *f,
				    const struct ks_snode **s,
				    struct ks_buf *ptr)
{
	struct ks_buf key = KS_BUF_INIT;

	while (n && *f) {
		ks_buf_reset(&key);
		if (*f == '/') {
			for (f++; *f && *f != '/' && *f != '['; f++) {
				if (f[0] == '~' && f[1] == '1')
					ks_buf_putc(&key, '/'), f++;
				else if (f[0] == '~' && f[1] == '0')
					ks_buf_putc(&key, '~'), f++;
				else
					ks_buf_putc(&key, *f);
			}
			n = ks_map_get(n, key.ptr);
			if (s && *s)
				*s = ks_snode_property(*s, key.ptr);
			if (ptr)
				push_key(ptr, key.ptr);
		} else if (*f == '[') {
			const char *eq = strchr(f, '='), *end;
			struct ks_buf val = KS_BUF_INIT;
			size_t i;
			const struct ks_node *found = NULL;

			/* "[field=value]": the value ends at "]" before
			 * the next "/" or "[" or the end */
			end = eq ? eq + 1 : f;
			while (*end && !(end[0] == ']' &&
					 (end[1] == '\0' || end[1] == '/' ||
					  end[1] == '[')))
				end++;
			if (!eq || !*end) {
				n = NULL;
				break;
			}
			ks_buf_add(&key, f + 1, (size_t)(eq - f - 1));
			ks_buf_add(&val, eq + 1, (size_t)(end - eq - 1));
			for (i = 0; n->kind == KS_NODE_SEQ && i < n->u.seq.n;
			     i++) {
				const struct ks_node *k =
					ks_map_get(n->u.seq.v[i], key.ptr);

				if (k && k->kind == KS_NODE_SCALAR &&
				    !strcmp(k->u.scalar.str, val.ptr)) {
					found = n->u.seq.v[i];
					if (ptr)
						ks_buf_addf(ptr, "/%zu", i);
					break;
				}
			}
			ks_buf_release(&val);
			n = found;
			if (s && *s)
				*s = ks_snode_items(*s);
			f = end + 1;
		} else {
			n = NULL;
		}
	}
	ks_buf_release(&key);
	return n;
}

static int same_node(const struct ks_node *a, const struct ks_node *b)
{
	return a && b ? ks_node_equal(a, b) : a == b;
}

/* ---- one case ---- */

struct run {
	struct ks_doc *out;
	struct ks_node *res;
	struct ks_mconflicts c;
	struct ks_buf text;	/* the record, written */
	int err;
};

static void do_merge(struct run *r, const struct ks_node *b,
		     const struct ks_node *o, const struct ks_node *t,
		     const struct ks_schema *s, unsigned flags)
{
	memset(r, 0, sizeof(*r));
	ks_buf_init(&r->text);
	r->out = need(ks_doc_new(NULL));
	r->err = ks_merge_nodes(&r->res, r->out, b, o, t, ks_schema_root(s),
				flags, &r->c);
	if (!r->err)
		record_text(&r->text, r->res, s);
}

static void run_release(struct run *r)
{
	ks_mconflicts_release(&r->c);
	ks_doc_free(r->out);
	ks_buf_release(&r->text);
}

/* What the cases covered, to see that the generator reaches the cases. */
static size_t n_strict, n_absent, n_conflicts, n_whole, n_keyed_conflicts,
	      n_invalid_excused;

/* The failures of the case being run. */
static struct ks_buf problems;
static size_t nproblems;
static size_t by_property[5];

static void problem(int property, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void problem(int property, const char *fmt, ...)
{
	va_list ap;

	nproblems++;
	by_property[property]++;
	if (nproblems > 12)
		return;
	ks_buf_addf(&problems, "  property %d: ", property);
	va_start(ap, fmt);
	ks_buf_vaddf(&problems, fmt, ap);
	va_end(ap);
	ks_buf_putc(&problems, '\n');
}

static void conflicts_text(struct ks_buf *out, const struct ks_mconflicts *c)
{
	size_t i;

	if (!c->n)
		ks_buf_puts(out, "(none)\n");
	for (i = 0; i < c->n; i++) {
		const struct ks_node *p[3] = { c->v[i].base, c->v[i].ours,
					       c->v[i].theirs };
		const char *name[3] = { "base", "ours", "theirs" };
		size_t k;

		ks_buf_addf(out, "- field: \"%s\"\n", c->v[i].field);
		for (k = 0; k < 3; k++) {
			char *t = p[k] ? node_text(p[k]) : NULL;

			if (!t) {
				ks_buf_addf(out, "  %s: (absent)\n", name[k]);
				continue;
			}
			ks_buf_addf(out, "  %s: %s%s", name[k],
				    strchr(t, '\n') == t + strlen(t) - 1
				    ? "" : "\n", t);
			free(t);
		}
	}
}

/* Entry x of one run is entry y of the other, sides swapped. */
static int mirrored(const struct ks_mconflict *x, const struct ks_mconflict *y)
{
	return !strcmp(x->field, y->field) && same_node(x->base, y->base) &&
	       same_node(x->ours, y->theirs) && same_node(x->theirs, y->ours);
}

/* 1: the two runs agree, up to swapping ours and theirs. */
static void check_symmetry(const struct run *a, const struct run *b)
{
	size_t i, j, moved = 0, other = 0;

	if (strcmp(a->text.ptr, b->text.ptr))
		problem(1, "merge(B, O, T) and merge(B, T, O) write "
			"different records");
	if (a->c.n != b->c.n) {
		problem(1, "%zu conflicts one way, %zu the other", a->c.n,
			b->c.n);
		return;
	}
	for (i = 0; i < a->c.n; i++) {
		if (mirrored(&a->c.v[i], &b->c.v[i]))
			continue;
		for (j = 0; j < b->c.n; j++)
			if (mirrored(&a->c.v[i], &b->c.v[j]))
				break;
		if (j < b->c.n)
			moved++;
		else
			other++;
		if (j == b->c.n)
			problem(1, "conflict \"%s\" one way has no mirror "
				"the other way", a->c.v[i].field);
	}
	if (moved && !other)
		problem(1, "the same conflicts, in another order (\"%s\" "
			"first one way, \"%s\" the other)", a->c.v[0].field,
			b->c.v[0].field);
}

static const struct ks_mconflict *covering(const struct ks_mconflicts *c,
					   const char *path)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (covers(c->v[i].field, path))
			return &c->v[i];
	return NULL;
}

/*
 * 1 when the mapping around `field` (the record, an item, a mapping: what
 * the merge merges key by key) is absent from the base.
 */
static int fresh_at(const struct ks_node *b, const struct ks_node *o,
		    const char *field)
{
	char *p = ks_strdup(field);
	int fresh = !b;

	while (p && *p) {
		size_t n = strlen(p);
		const struct ks_node *on;

		if (p[n - 1] == ']') {
			while (n && p[n - 1] != '[')
				n--;
			p[n ? n - 1 : 0] = '\0';
		} else {
			while (n && p[n - 1] != '/')
				n--;
			p[n ? n - 1 : 0] = '\0';
		}
		on = *p ? follow(o, p, NULL, NULL) : o;
		if (!*p || (on && on->kind == KS_NODE_MAP)) {
			fresh = !b || !(*p ? follow(b, p, NULL, NULL) : b);
			break;
		}
	}
	ks_free(p);
	return fresh;
}

/* 2: no loss, the leaf rule, and the conflict entries themselves. */
static void check_no_loss(const struct run *r, const struct ks_node *b,
			  const struct ks_node *o, const struct ks_node *t,
			  const struct ks_snode *root)
{
	struct leaves lb, lo, lt, lr;
	const struct leaves *all[3] = { &lb, &lo, &lt };
	size_t i, k;

	leaves_of(&lb, b, "", root);
	leaves_of(&lo, o, "", root);
	leaves_of(&lt, t, "", root);
	leaves_of(&lr, r->res, "", root);

	for (i = 0; i < r->c.n; i++) {
		const struct ks_mconflict *m = &r->c.v[i];
		const struct ks_node *sb, *so, *st, *sr;

		sb = b ? follow(b, m->field, NULL, NULL) : NULL;
		so = o ? follow(o, m->field, NULL, NULL) : NULL;
		st = t ? follow(t, m->field, NULL, NULL) : NULL;
		sr = r->res ? follow(r->res, m->field, NULL, NULL) : NULL;
		if (!same_node(sb, m->base) || !same_node(so, m->ours) ||
		    !same_node(st, m->theirs))
			problem(2, "conflict \"%s\" does not hold the sides' "
				"values at that field", m->field);
		if (!sb && so && st && fresh_at(b, o, m->field)) {
			/* Nothing there in the base: one side's value stays. */
			if (!same_node(sr, so) && !same_node(sr, st))
				problem(2, "conflict \"%s\" new on both sides: "
					"the result is neither side's value",
					m->field);
		} else if (!same_node(sr, sb)) {
			problem(2, "conflict \"%s\": the result is not the "
				"base value there", m->field);
		}
		if (same_node(so, st) || same_node(sb, so) ||
		    same_node(sb, st))
			problem(2, "conflict \"%s\" where the sides do not "
				"disagree", m->field);
		/* One entry per field, none inside another. */
		for (k = 0; k < i; k++)
			if (covers(r->c.v[k].field, m->field) ||
			    covers(m->field, r->c.v[k].field))
				problem(2, "conflicts \"%s\" and \"%s\" "
					"overlap", r->c.v[k].field, m->field);
	}

	/* Each side's changed leaves are kept. */
	for (k = 1; k < 3; k++) {
		const struct leaves *side = all[k];

		for (i = 0; i < side->n; i++) {
			const char *p = side->v[i].path, *v = side->v[i].text;
			const struct ks_mconflict *m;

			if (same_text(leaf_at(&lb, p), v) ||
			    same_text(leaf_at(&lr, p), v))
				continue;
			m = covering(&r->c, p);
			if (!m) {
				problem(2, "%s's %s = %s is lost", k == 1 ?
					"ours" : "theirs", p, v);
				continue;
			} else {
				/* Its proposal holds the leaf. */
				const struct ks_snode *s = root;
				const struct ks_node *prop = k == 1 ? m->ours
								    : m->theirs;
				struct leaves lp;

				follow(k == 1 ? o : t, m->field, &s, NULL);
				leaves_of(&lp, prop, m->field, s);
				if (!same_text(leaf_at(&lp, p), v))
					problem(2, "%s's %s = %s is neither in "
						"the result nor in the "
						"proposal of \"%s\"", k == 1 ?
						"ours" : "theirs", p, v,
						m->field);
				leaves_release(&lp);
			}
		}
	}

	/*
	 * Outside conflicts, each leaf follows the three-way rule (each
	 * path once: the first leaf set that has it reports it).
	 */
	for (k = 0; k < 4; k++) {
		const struct leaves *l = k < 3 ? all[k] : &lr;

		for (i = 0; i < l->n; i++) {
			const char *p = l->v[i].path;
			const char *vb = leaf_at(&lb, p), *vo = leaf_at(&lo, p);
			const char *vt = leaf_at(&lt, p), *vr = leaf_at(&lr, p);
			const char *want;
			size_t j;

			for (j = 0; j < k; j++)
				if (leaf_at(j < 3 ? all[j] : &lr, p))
					break;
			if (j < k || covering(&r->c, p))
				continue;
			if (same_text(vo, vt) || same_text(vb, vt))
				want = vo;
			else if (same_text(vb, vo))
				want = vt;
			else {
				problem(2, "%s changed differently on both "
					"sides, and no conflict covers it", p);
				continue;
			}
			if (!same_text(want, vr))
				problem(2, "%s is %s in the result, want %s",
					p, vr ? vr : "absent",
					want ? want : "absent");
		}
	}
	leaves_release(&lb);
	leaves_release(&lo);
	leaves_release(&lt);
	leaves_release(&lr);
}

/* Two trees have the same leaves (they differ at most in item order). */
static int same_leaves(const struct ks_node *a, const struct ks_node *b,
		       const struct ks_snode *root)
{
	struct leaves la, lb;
	size_t i;
	int same;

	leaves_of(&la, a, "", root);
	leaves_of(&lb, b, "", root);
	same = la.n == lb.n;
	for (i = 0; same && i < la.n; i++)
		same = same_text(leaf_at(&lb, la.v[i].path), la.v[i].text);
	leaves_release(&la);
	leaves_release(&lb);
	return same;
}

/* 3: merging again changes nothing. */
static void check_idempotence(const struct run *r, const struct ks_node *b,
			      const struct ks_node *o, const struct ks_node *t,
			      const struct ks_schema *s, unsigned flags)
{
	struct run again;
	int k;

	do_merge(&again, r->res, r->res, r->res, s, flags);
	if (again.err || strcmp(again.text.ptr, r->text.ptr) || again.c.n)
		problem(3, "merge(R, R, R) is not R");
	run_release(&again);
	do_merge(&again, o, o, r->res, s, flags);
	if (again.err || strcmp(again.text.ptr, r->text.ptr) || again.c.n)
		problem(3, "merge(O, O, R) is not R");
	run_release(&again);
	if (r->c.n)
		return;
	for (k = 0; k < 2; k++) {
		if (k == 0)
			do_merge(&again, b, r->res, t, s, flags);
		else
			do_merge(&again, b, o, r->res, s, flags);
		if (again.err || strcmp(again.text.ptr, r->text.ptr) ||
		    again.c.n)
			problem(3, "%s is not R (%zu conflicts%s)%s%s",
				k ? "merge(B, O, R)" : "merge(B, R, T)",
				again.c.n,
				!again.err && !again.c.n &&
				same_leaves(again.res, r->res,
					    ks_schema_root(s))
				? "; only the order of keyed items differs"
				: "",
				again.err ? "" : ": it gives\n",
				again.err ? "" : again.text.ptr);
		run_release(&again);
	}
}

/* "missing required property \"x\"" -> x */
static int required_name(const char *msg, struct ks_buf *out)
{
	const char *p = strstr(msg, "property \""), *e;

	if (!p)
		return 0;
	p += strlen("property \"");
	e = strchr(p, '"');
	if (!e)
		return 0;
	ks_buf_add(out, p, (size_t)(e - p));
	return 1;
}

/* 4: valid, except under conflicts. */
static void check_valid(const struct run *r, const struct ks_schema *s)
{
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_buf *ptrs;
	size_t i, j;

	if (!r->res)
		return;
	if (ks_snode_validate(ks_schema_root(s), r->res, "merged.yaml", NULL,
			      &d) >= 0 && !d.errors) {
		ks_diags_release(&d);
		return;
	}
	ptrs = need(calloc(r->c.n + 1, sizeof(*ptrs)));
	for (i = 0; i < r->c.n; i++) {
		ks_buf_init(&ptrs[i]);
		if (!follow(r->res, r->c.v[i].field, NULL, &ptrs[i])) {
			/* Not in the result: excuses nothing. */
			ks_buf_reset(&ptrs[i]);
			ks_buf_puts(&ptrs[i], "\x01");
		}
	}
	n_invalid_excused++;
	for (j = 0; j < d.n; j++) {
		const struct ks_diag *e = &d.v[j];
		const char *p = e->pointer ? e->pointer : "";
		int ok = 0;

		if (e->severity != KS_SEV_ERROR)
			continue;
		for (i = 0; i < r->c.n && !ok; i++) {
			size_t n = ptrs[i].len;

			ok = !strncmp(ptrs[i].ptr, p, n) &&
			     (p[n] == '\0' || p[n] == '/');
		}
		/* A required property left out by a conflict on it. */
		if (!ok && e->keyword && !strcmp(e->keyword, "required")) {
			struct ks_buf want = KS_BUF_INIT;

			if (required_name(e->message, &want)) {
				for (i = 0; i < r->c.n && !ok; i++) {
					struct ks_buf pp = KS_BUF_INIT;
					const char *f = r->c.v[i].field;
					const char *slash = strrchr(f, '/');

					/* the conflict is "<object>/<name>" */
					if (slash && !strcmp(slash + 1,
							     want.ptr)) {
						char *obj = need(strndup(f,
							(size_t)(slash - f)));

						if (follow(r->res, obj, NULL,
							   &pp))
							ok = !strcmp(pp.ptr,
								     p);
						free(obj);
					}
					ks_buf_release(&pp);
				}
			}
			ks_buf_release(&want);
		}
		if (!ok)
			problem(4, "the result is invalid at \"%s\" (%s): %s",
				p, e->keyword ? e->keyword : "", e->message);
	}
	for (i = 0; i < r->c.n; i++)
		ks_buf_release(&ptrs[i]);
	free(ptrs);
	ks_diags_release(&d);
}

/* The generated sides must be valid, or the test proves nothing. */
static int side_valid(const struct ks_node *n, const struct ks_schema *s)
{
	struct ks_diags d = KS_DIAGS_INIT;
	int ok;

	if (!n)
		return 1;
	ok = ks_snode_validate(ks_schema_root(s), n, "side.yaml", NULL, &d) ==
	     0 && !d.errors;
	ks_diags_release(&d);
	return ok;
}

/*
 * Runs one case; `show`: 0 prints only the seed of a failure, 1 prints a
 * failure whole, 2 prints every case.
 */
static int run_case(uint64_t seed, const struct ks_schema *plain,
		    const struct ks_schema *strict, int show)
{
	struct ks_doc *gen = need(ks_doc_new(NULL));
	struct ks_node *gb = NULL, *go, *gt;
	struct rec b, o, t;
	struct run ab, ba;
	const struct ks_schema *s;
	unsigned flags;
	int failed, shuffled;
	size_t k;

	rng_state = seed;
	s = chance(10) ? strict : plain;
	flags = ks_schema_xmerge(s) ? KS_MERGE_STRICT : 0;
	if (!chance(3))
		gb = gen_obj(gen, root_fields, 55);
	if (gb) {
		go = chance(3) ? NULL : derive(gen, gb);
		gt = chance(3) ? NULL : derive(gen, gb);
	} else {
		go = gen_obj(gen, root_fields, 55);
		gt = chance(50) ? derive(gen, go) : gen_obj(gen, root_fields,
							    55);
	}
	make_rec(&b, gb, s);
	make_rec(&o, go, s);
	make_rec(&t, gt, s);
	ks_doc_free(gen);
	shuffled = 0;
	if (o.doc && chance(20)) {
		shuffle_keys(ks_doc_root(o.doc));
		shuffled |= 1;
	}
	if (t.doc && chance(20)) {
		shuffle_keys(ks_doc_root(t.doc));
		shuffled |= 2;
	}

	ks_buf_init(&problems);
	nproblems = 0;
	if (!side_valid(root_of(&b), s) || !side_valid(root_of(&o), s) ||
	    !side_valid(root_of(&t), s))
		problem(0, "the generator made an invalid record");
	do_merge(&ab, root_of(&b), root_of(&o), root_of(&t), s, flags);
	do_merge(&ba, root_of(&b), root_of(&t), root_of(&o), s, flags);
	n_strict += flags != 0;
	n_absent += !gb || !go || !gt;
	n_conflicts += ab.c.n > 0;
	for (k = 0; k < ab.c.n; k++) {
		n_whole += !*ab.c.v[k].field;
		n_keyed_conflicts += strchr(ab.c.v[k].field, '[') != NULL;
	}
	if (ab.err || ba.err) {
		problem(0, "ks_merge_nodes returned %d / %d", ab.err, ba.err);
	} else {
		check_symmetry(&ab, &ba);
		check_no_loss(&ab, root_of(&b), root_of(&o), root_of(&t),
			      ks_schema_root(s));
		check_no_loss(&ba, root_of(&b), root_of(&t), root_of(&o),
			      ks_schema_root(s));
		check_idempotence(&ab, root_of(&b), root_of(&o), root_of(&t),
				  s, flags);
		check_valid(&ab, s);
	}
	failed = nproblems > 0;
	if (failed && !show)
		printf("FAIL seed %" PRIu64 "\n", seed);
	if ((failed && show) || show > 1) {
		struct ks_buf c = KS_BUF_INIT;

		conflicts_text(&c, &ab.c);
		printf("%s seed %" PRIu64 "%s%s (replay: MERGEPROP_SEED=%"
		       PRIu64 " MERGEPROP_CASES=1)\n%s",
		       failed ? "FAIL" : "case", seed,
		       flags ? ", strict" : "",
		       shuffled == 3 ? ", keys of ours and theirs shuffled" :
		       shuffled == 2 ? ", keys of theirs shuffled" :
		       shuffled == 1 ? ", keys of ours shuffled" : "",
		       seed, problems.ptr);
		if (nproblems > 12)
			printf("  ... %zu problems in all\n", nproblems);
		printf("  --- base\n%s  --- ours\n%s  --- theirs\n%s"
		       "  --- merged\n%s  --- conflicts\n%s  ---\n",
		       b.text.ptr, o.text.ptr, t.text.ptr, ab.text.ptr, c.ptr);
		ks_buf_release(&c);
	}
	run_release(&ab);
	run_release(&ba);
	rec_release(&b);
	rec_release(&o);
	rec_release(&t);
	ks_buf_release(&problems);
	return failed;
}

static struct ks_schema *load_schema(const char *file)
{
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_buf path = KS_BUF_INIT;
	struct ks_schema *s = NULL;

	ks_buf_addf(&path, "%s/tests/data/merge/%s", top(), file);
	if (ks_schema_load(&s, path.ptr, NULL, 0, &d))
		printf("FAIL %s does not load\n", path.ptr);
	ks_diags_release(&d);
	ks_buf_release(&path);
	return s;
}

static uint64_t env_num(const char *name, uint64_t def)
{
	const char *v = getenv(name);

	return v && *v ? strtoull(v, NULL, 10) : def;
}

int main(void)
{
	struct ks_schema *plain = load_schema("schema.yaml");
	struct ks_schema *strict = load_schema("strict-schema.yaml");
	uint64_t seed = env_num("MERGEPROP_SEED", 1);
	uint64_t cases = env_num("MERGEPROP_CASES", 5000), i;
	int verbose = (int)env_num("MERGEPROP_VERBOSE", 0);
	size_t passed = 0, failed = 0, shown = 0, k;
	static const char *const names[] = {
		"setup", "symmetry", "no loss", "idempotence", "validity",
	};

	if (!plain || !strict) {
		printf("0 passed, 1 failed\n");
		return 1;
	}
	for (i = 0; i < cases; i++) {
		/* Past 5 failures, only their seeds. */
		int f = run_case(seed + i, plain, strict,
				 verbose ? 2 : shown < 5);

		if (f) {
			failed++;
			shown++;
		} else {
			passed++;
		}
	}
	printf("%" PRIu64 " cases: %zu strict, %zu with a record absent, %zu "
	       "with conflicts (%zu whole-record, %zu in keyed items), %zu "
	       "results invalid where conflicts are\n", cases, n_strict,
	       n_absent, n_conflicts, n_whole, n_keyed_conflicts,
	       n_invalid_excused);
	for (k = 0; k < 5; k++)
		if (by_property[k])
			printf("property %zu (%s): %zu problems\n", k, names[k],
			       by_property[k]);
	ks_schema_free(plain);
	ks_schema_free(strict);
	/*
	 * One test per property, each over every case: the count tests/run.sh
	 * adds up says how many properties hold, not how many cases ran.
	 */
	for (k = 0, passed = 0; k < 5; k++)
		passed += !by_property[k];
	printf("%zu of %zu cases failed\n", failed, (size_t)cases);
	printf("%zu passed, %zu failed\n", passed, 5 - passed);
	return failed ? 1 : 0;
}
