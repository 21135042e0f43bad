/*
 * Unit tests for core/delta.h and core/packwrite.h.  Deltas are checked by
 * applying them with the small decoder below (random, edited, empty, tiny
 * and large buffers).  Packs are written from a survey-like repository made
 * with libgit2 in a temporary folder, then read back three ways: by the
 * pack reader below (every entry inflated, every delta applied, every
 * object id recomputed), by libgit2's indexer completing the thin pack from
 * a reader's repository that holds only the base, and by git index-pack
 * --fix-thin and git fsck as an independent witness.  The object set is
 * compared with `git rev-list --objects`, and every allocation failing in
 * turn must fail the write cleanly.
 */
#include "unit.h"

#include "alloc.h"
#include "buf.h"
#include "delta.h"
#include "packwrite.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* ---- a delta decoder, written from gitformat-pack, strict ---- */

static int get_size(const unsigned char **p, const unsigned char *end,
		    size_t *out)
{
	size_t v = 0;
	int shift = 0;
	unsigned char c;

	do {
		if (*p == end || shift > 56)
			return -1;
		c = *(*p)++;
		v |= (size_t)(c & 0x7f) << shift;
		shift += 7;
	} while (c & 0x80);
	*out = v;
	return 0;
}

/*
 * Applies `delta` to `base`; the result is malloc'd.  Besides what git
 * checks, refuses what our encoder must never write: opcode 0, a copy
 * whose size is left out (0x10000), and a copy of zero bytes.
 */
static unsigned char *apply(const unsigned char *base, size_t blen,
			    const unsigned char *delta, size_t dlen,
			    size_t *outlen)
{
	const unsigned char *p = delta, *end = delta + dlen;
	unsigned char *out = NULL;
	size_t bsize, tsize, o = 0;

	if (get_size(&p, end, &bsize) || bsize != blen ||
	    get_size(&p, end, &tsize))
		return NULL;
	out = malloc(tsize ? tsize : 1);
	assert_non_null(out);
	while (p < end) {
		unsigned char op = *p++;
		size_t off = 0, len = 0;
		int i;

		if (!(op & 0x80)) {
			if (!op || op > end - p || op > tsize - o)
				goto bad;
			memcpy(out + o, p, op);
			p += op;
			o += op;
			continue;
		}
		for (i = 0; i < 4; i++)
			if (op & (1 << i)) {
				if (p == end)
					goto bad;
				off |= (size_t)*p++ << (8 * i);
			}
		for (i = 0; i < 3; i++)
			if (op & (0x10 << i)) {
				if (p == end)
					goto bad;
				len |= (size_t)*p++ << (8 * i);
			}
		if (!len || off > blen || len > blen - off || len > tsize - o)
			goto bad;
		memcpy(out + o, base + off, len);
		o += len;
	}
	if (o != tsize)
		goto bad;
	*outlen = tsize;
	return out;
bad:
	free(out);
	return NULL;
}

/* ---- deltas ---- */

static uint64_t rng_state = 42;

static uint32_t rnd(void)
{
	rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(rng_state >> 33);
}

static void fill_random(unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)rnd();
}

/* Encodes, decodes, compares; returns the delta's length. */
static size_t roundtrip(const unsigned char *base, size_t blen,
			const unsigned char *target, size_t tlen)
{
	struct ks_delta_index *ix;
	unsigned char *d, *back;
	size_t dlen, backlen = 0;

	assert_int_equal(ks_delta_index_new(&ix, base, blen), 0);
	assert_int_equal(ks_delta_create(&d, &dlen, ix, target, tlen,
					 (size_t)-1), 0);
	back = apply(base, blen, d, dlen, &backlen);
	if (!back)
		print_message("bad delta for %zu -> %zu bytes\n", blen, tlen);
	assert_non_null(back);
	assert_int_equal(backlen, tlen);
	assert_memory_equal(back, target, tlen);
	/* The same inputs, the same bytes. */
	{
		unsigned char *d2;
		size_t dlen2;

		assert_int_equal(ks_delta_create(&d2, &dlen2, ix, target, tlen,
						 (size_t)-1), 0);
		assert_int_equal(dlen2, dlen);
		assert_memory_equal(d2, d, dlen);
		ks_free(d2);
	}
	free(back);
	ks_free(d);
	ks_delta_index_free(ix);
	return dlen;
}

/* A copy of `base` with `n` random insertions, deletions and changes. */
static unsigned char *edit(const unsigned char *base, size_t blen, int n,
			   size_t *tlen)
{
	size_t cap = blen + (size_t)n * 64 + 1, len = blen;
	unsigned char *t = malloc(cap);
	int i;

	assert_non_null(t);
	memcpy(t, base, blen);
	for (i = 0; i < n; i++) {
		size_t at = len ? rnd() % len : 0, k = 1 + rnd() % 40;

		switch (rnd() % 3) {
		case 0:
			memmove(t + at + k, t + at, len - at);
			fill_random(t + at, k);
			len += k;
			break;
		case 1:
			if (k > len - at)
				k = len - at;
			memmove(t + at, t + at + k, len - at - k);
			len -= k;
			break;
		default:
			if (k > len - at)
				k = len - at;
			fill_random(t + at, k);
		}
	}
	*tlen = len;
	return t;
}

static void test_delta_small(void **state)
{
	unsigned char a[64], b[64];
	size_t i, j;

	fill_random(a, sizeof(a));
	memcpy(b, a, sizeof(b));
	/* Every size pair up to 40 bytes, related and not. */
	for (i = 0; i <= 40; i++)
		for (j = 0; j <= 40; j++) {
			roundtrip(a, i, b, j);
			roundtrip(a, i, a + 7, j);
		}
	/* Identical: one copy. */
	assert_true(roundtrip(a, 64, a, 64) <= 2 + 3);
	/* Empty target: the two sizes only. */
	assert_int_equal(roundtrip(a, 64, a, 0), 2);
}

static void test_delta_random_and_edited(void **state)
{
	int round;

	for (round = 0; round < 200; round++) {
		size_t blen = rnd() % 5000, tlen;
		unsigned char *base = malloc(blen + 1), *t;
		size_t dlen;

		assert_non_null(base);
		fill_random(base, blen);
		if (round % 4 == 0) {
			/* Unrelated bytes: inserts only, a little overhead. */
			tlen = rnd() % 5000;
			t = malloc(tlen + 1);
			assert_non_null(t);
			fill_random(t, tlen);
			dlen = roundtrip(base, blen, t, tlen);
			assert_true(dlen <= tlen + tlen / 127 + 1 + 8);
		} else {
			int edits = 1 + (int)(rnd() % 8);

			t = edit(base, blen, edits, &tlen);
			dlen = roundtrip(base, blen, t, tlen);
			/* Each edit costs about its bytes and two copies. */
			if (blen > 1000)
				assert_true(dlen < (size_t)edits * 100 + 50);
		}
		free(t);
		free(base);
	}
}

/* Repeated text (every block in one bucket) and a record-sized edit. */
static void test_delta_repetitive(void **state)
{
	size_t n = 1 << 20, tlen, dlen;
	unsigned char *z = calloc(n, 1), *t;

	assert_non_null(z);
	assert_true(roundtrip(z, n, z, n) < 16);
	t = edit(z, n, 3, &tlen);
	dlen = roundtrip(z, n, t, tlen);
	assert_true(dlen < 400);
	free(t);
	memset(z, 'a', n);
	assert_true(roundtrip(z, n, z + 5, n - 5) < 16);
	free(z);
}

static void test_delta_large(void **state)
{
	/* Past 0xffffff bytes a copy needs a second instruction. */
	size_t n = (16u << 20) + 12345, tlen, dlen;
	unsigned char *base = malloc(n), *t;

	assert_non_null(base);
	fill_random(base, n);
	dlen = roundtrip(base, n, base, n);
	assert_true(dlen > 8 && dlen < 24);
	t = edit(base, n, 20, &tlen);
	dlen = roundtrip(base, n, t, tlen);
	assert_true(dlen < 20 * 100);
	free(t);
	free(base);
}

static void test_delta_limit(void **state)
{
	unsigned char a[1000], b[1000], *d = (unsigned char *)"x";
	struct ks_delta_index *ix;
	size_t dlen = 7;

	fill_random(a, sizeof(a));
	fill_random(b, sizeof(b));
	assert_int_equal(ks_delta_index_new(&ix, a, sizeof(a)), 0);
	/* Unrelated: longer than 500 bytes, so no delta. */
	assert_int_equal(ks_delta_create(&d, &dlen, ix, b, sizeof(b), 500), 1);
	assert_null(d);
	assert_int_equal(dlen, 0);
	/* Even the header does not fit in one byte. */
	assert_int_equal(ks_delta_create(&d, &dlen, ix, a, sizeof(a), 6), 1);
	assert_int_equal(ks_delta_create(&d, &dlen, ix, a, sizeof(a), 7), 0);
	assert_int_equal(dlen, 7);
	ks_free(d);
	ks_delta_index_free(ix);
}

static void test_delta_out_of_memory(void **state)
{
	unsigned char a[4000], *b, *d;
	struct ks_delta_index *ix;
	size_t blen, dlen;
	long n;
	int err = -1;

	fill_random(a, sizeof(a));
	b = edit(a, sizeof(a), 30, &blen);
	for (n = 0; err; n++) {
		ix = NULL;
		d = NULL;
		ks_alloc_fail_after(n);
		err = ks_delta_index_new(&ix, a, sizeof(a));
		if (!err) {
			err = ks_delta_create(&d, &dlen, ix, b, blen, (size_t)-1);
			if (err)
				assert_null(d);
		} else {
			assert_null(ix);
		}
		ks_alloc_fail_after(-1);
		assert_true(err == 0 || err == -1);
		ks_free(d);
		ks_delta_index_free(ix);
		assert_true(n < 1000);
	}
	free(b);
}

/* ---- a survey-like repository ---- */

struct fixture {
	char dir[64];
	char src[96];
	git_repository *repo;
	git_oid c[8];		/* root, base, change, tip, side, merge, small,
				   moved */
	int have_git;
};

static struct fixture fx;

/*
 * A workshop record: the same fields every time, values drawn from its id,
 * and `version` in its revenue (an edit changes that one line).
 */
static void record(struct ks_buf *b, unsigned id, unsigned version)
{
	static const char *const words[] = {
		"gang", "đồng", "nhôm", "đúc", "chuông", "nồi", "chảo", "tượng",
		"khuôn", "cát", "lò", "than", "gò", "hàn", "mài", "sơn",
	};
	uint64_t save = rng_state;
	int i;

	rng_state = id * 2654435761u;
	ks_buf_reset(b);
	ks_buf_addf(b, "id: md01-%04u\n"
		    "name: \"HKD Đúc %s %s số %u\"\n"
		    "legal_type: ho_kinh_doanh\n"
		    "trade_group: do_go_gom_su_det_may_co_khi_nho\n"
		    "address:\n  village: Thôn %u\n  commune_name: Mỹ Đồng\n"
		    "  district_name: Thủy Nguyên\n"
		    "  province_name: Hải Phòng\n"
		    "  location: lang_nghe\n"
		    "owner:\n  name: Phạm Văn %s\n  gender: nam\n"
		    "  birth_year: %u\n"
		    "phone: \"09%08u\"\n"
		    "workers:\n  regular: %u\n  seasonal: %u\n"
		    "  trained: %u\n"
		    "annual_revenue: %u%03u000\n"
		    "energy:\n  electricity: true\n  coal: true\n"
		    "  gas: false\n"
		    "environment:\n  dust_filter: false\n"
		    "  wastewater_treatment: false\n"
		    "products:\n",
		    id, words[rnd() % 16], words[rnd() % 16], id, 1 + rnd() % 9,
		    words[rnd() % 16], 1950 + rnd() % 50, rnd() % 100000000,
		    rnd() % 80, rnd() % 30, rnd() % 10, 1 + rnd() % 900,
		    version);
	for (i = 0; i < 3; i++)
		ks_buf_addf(b, "  - name: %s %s\n    unit: cái\n"
			    "    price: %u\n    market: trong_tinh\n",
			    words[rnd() % 16], words[rnd() % 16], rnd() % 100000);
	ks_buf_puts(b, "notes: \"");
	for (i = 0; i < 6; i++)
		ks_buf_addf(b, "%s ", words[rnd() % 16]);
	ks_buf_puts(b, "\"\nsurveyed_by: Nguyễn Thị Hoa\n");
	rng_state = save;
}

static void put_file(git_index *idx, const char *path, const struct ks_buf *b)
{
	git_index_entry e;

	memset(&e, 0, sizeof(e));
	e.mode = GIT_FILEMODE_BLOB;
	e.path = path;
	assert_int_equal(git_index_add_from_buffer(idx, &e, b->ptr, b->len), 0);
}

static void put_record(git_index *idx, unsigned id, unsigned version)
{
	struct ks_buf b = KS_BUF_INIT, path = KS_BUF_INIT;

	record(&b, id, version);
	ks_buf_addf(&path, "records/workshop/md01/%03u/md01-%04u.yaml",
		    id / 100, id);
	put_file(idx, path.ptr, &b);
	ks_buf_release(&b);
	ks_buf_release(&path);
}

static void drop_record(git_index *idx, unsigned id)
{
	char path[64];

	snprintf(path, sizeof(path), "records/workshop/md01/%03u/md01-%04u.yaml",
		 id / 100, id);
	assert_int_equal(git_index_remove_bypath(idx, path), 0);
}

static void commit(git_oid *out, git_index *idx, const char *msg,
		   const git_oid *p1, const git_oid *p2, int when)
{
	git_signature *sig;
	git_tree *tree;
	git_commit *parents[2] = { NULL, NULL };
	git_oid tid;
	size_t n = 0;

	assert_int_equal(git_signature_new(&sig, "Nguyễn Thị Hoa",
					   "hoa@example.com",
					   1700000000 + when * 60, 420), 0);
	assert_int_equal(git_index_write_tree(&tid, idx), 0);
	assert_int_equal(git_tree_lookup(&tree, fx.repo, &tid), 0);
	if (p1)
		assert_int_equal(git_commit_lookup(&parents[n++], fx.repo, p1), 0);
	if (p2)
		assert_int_equal(git_commit_lookup(&parents[n++], fx.repo, p2), 0);
	assert_int_equal(git_commit_create(out, fx.repo, NULL, sig, sig, NULL,
					   msg, tree, n,
					   (const git_commit **)parents), 0);
	git_commit_free(parents[0]);
	git_commit_free(parents[1]);
	git_tree_free(tree);
	git_signature_free(sig);
}

static void read_tree(git_index *idx, const git_oid *commit_id)
{
	git_commit *c;
	git_tree *t;

	assert_int_equal(git_commit_lookup(&c, fx.repo, commit_id), 0);
	assert_int_equal(git_commit_tree(&t, c), 0);
	assert_int_equal(git_index_read_tree(idx, t), 0);
	git_tree_free(t);
	git_commit_free(c);
}

static void schema(git_index *idx, int version)
{
	struct ks_buf b = KS_BUF_INIT;
	int i;

	ks_buf_addf(&b, "$schema: https://json-schema.org/draft/2020-12/schema\n"
		    "title: Cơ sở sản xuất (v%d)\ntype: object\nproperties:\n",
		    version);
	for (i = 0; i < 60; i++)
		ks_buf_addf(&b, "  field_%02d:\n    type: string\n"
			    "    title: Trường số %d\n", i, i);
	put_file(idx, "schema/workshop.yaml", &b);
	ks_buf_reset(&b);
	ks_buf_addf(&b, "survey: Mỹ Đồng\nid: 3f2a\nversion: %d\n", version);
	put_file(idx, "khaosat.yaml", &b);
	ks_buf_release(&b);
}

/*
 * root: 150 records and the schema; base: 100 more; change: 10 records
 * edited, 5 added, 2 deleted; tip: 3 edited and the schema changed.
 * side: from base, one record edited; merge: tip and side.  small: a
 * separate root commit of 30 records.  moved: from tip, the file of record
 * 77 under another name and record 78 edited (the reader of a pack from
 * tip holds the moved file's blob, at its old path).
 */
static int setup(void **state)
{
	git_index *idx;
	unsigned i;

	snprintf(fx.dir, sizeof(fx.dir), "/tmp/ks-unit-packwrite-XXXXXX");
	assert_non_null(mkdtemp(fx.dir));
	snprintf(fx.src, sizeof(fx.src), "%s/src", fx.dir);
	assert_int_equal(git_repository_init(&fx.repo, fx.src, 0), 0);
	assert_int_equal(git_repository_index(&idx, fx.repo), 0);
	schema(idx, 1);
	for (i = 1; i <= 150; i++)
		put_record(idx, i, 1);
	commit(&fx.c[0], idx, "Import\n", NULL, NULL, 0);
	for (i = 151; i <= 250; i++)
		put_record(idx, i, 1);
	commit(&fx.c[1], idx, "Thôn 7\n", &fx.c[0], NULL, 1);
	for (i = 0; i < 10; i++)
		put_record(idx, 3 + i * 23, 2);
	for (i = 251; i <= 255; i++)
		put_record(idx, i, 2);
	drop_record(idx, 5);
	drop_record(idx, 140);
	commit(&fx.c[2], idx, "Visits\n", &fx.c[1], NULL, 2);
	put_record(idx, 3, 3);
	put_record(idx, 77, 3);
	put_record(idx, 199, 3);
	schema(idx, 2);
	commit(&fx.c[3], idx, "More visits\n", &fx.c[2], NULL, 3);
	read_tree(idx, &fx.c[1]);
	put_record(idx, 120, 4);
	commit(&fx.c[4], idx, "Side\n", &fx.c[1], NULL, 4);
	read_tree(idx, &fx.c[3]);
	put_record(idx, 120, 4);
	commit(&fx.c[5], idx, "Merge\n", &fx.c[3], &fx.c[4], 5);
	/* small: an unrelated root of 30 records, for the slower sweeps. */
	assert_int_equal(git_index_clear(idx), 0);
	schema(idx, 1);
	for (i = 1; i <= 30; i++)
		put_record(idx, i * 7, 1);
	commit(&fx.c[6], idx, "Small\n", NULL, NULL, 6);
	read_tree(idx, &fx.c[3]);
	{
		struct ks_buf b = KS_BUF_INIT;

		record(&b, 77, 3);
		put_file(idx, "records/workshop/md01/000/md01-0077-moved.yaml", &b);
		ks_buf_release(&b);
	}
	drop_record(idx, 77);
	put_record(idx, 78, 5);
	commit(&fx.c[7], idx, "Moved\n", &fx.c[3], NULL, 7);
	git_index_free(idx);
	fx.have_git = system("git --version >/dev/null 2>&1") == 0;
	if (!fx.have_git)
		print_message("git is missing: the git witness checks are skipped\n");
	return 0;
}

static int rm_one(const char *path, const struct stat *sb, int type,
		  struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	return remove(path);
}

static int teardown(void **state)
{
	git_repository_free(fx.repo);
	nftw(fx.dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

/* ---- packs in memory ---- */

struct sink {
	unsigned char *p;
	size_t len, cap;
	long calls, fail_at;	/* the call that returns 42, -1: none */
};

/* Plain realloc: the allocation-failure tests must not fail the sink. */
static int sink_write(const void *data, size_t len, void *payload)
{
	struct sink *s = payload;

	if (s->calls++ == s->fail_at)
		return 42;
	if (s->len + len > s->cap) {
		s->cap = (s->len + len) * 2;
		s->p = realloc(s->p, s->cap);
		assert_non_null(s->p);
	}
	memcpy(s->p + s->len, data, len);
	s->len += len;
	return 0;
}

static void sink_release(struct sink *s)
{
	free(s->p);
	memset(s, 0, sizeof(*s));
	s->fail_at = -1;
}

static int write_pack(struct sink *s, const git_oid *tip, const git_oid *hidden,
		      size_t nhidden, struct ks_pack_stats *st)
{
	memset(s, 0, sizeof(*s));
	s->fail_at = -1;
	return ks_pack_write(fx.repo, tip, hidden, nhidden, sink_write, s, st);
}

static void write_file(const char *path, const void *p, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void save(const char *path, const struct sink *s)
{
	write_file(path, s->p, s->len);
}

/* ---- a pack reader: every entry inflated, every delta applied ---- */

struct entry {
	size_t off;
	git_object_t type;
	git_oid id;
	unsigned char *data;
	size_t len;
};

struct parsed {
	struct entry *v;
	size_t n, deltas, thin;
};

static unsigned char *inflate_at(const unsigned char *p, size_t avail,
				 size_t size, size_t *used)
{
	unsigned char *out = malloc(size ? size : 1);
	z_stream z;

	assert_non_null(out);
	memset(&z, 0, sizeof(z));
	assert_int_equal(inflateInit(&z), Z_OK);
	z.next_in = (Bytef *)p;
	z.avail_in = (uInt)avail;
	z.next_out = out;
	z.avail_out = (uInt)size;
	assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
	assert_int_equal(z.total_out, size);
	*used = z.total_in;
	inflateEnd(&z);
	return out;
}

static const struct entry *entry_at(const struct parsed *pk, size_t off)
{
	size_t i;

	for (i = 0; i < pk->n; i++)
		if (pk->v[i].off == off)
			return &pk->v[i];
	return NULL;
}

/*
 * Reads the pack in `s`.  A REF_DELTA base outside the pack must be in
 * `outside` (the reader's objects); NULL: there must be none.
 */
static void parse_pack(struct parsed *pk, const struct sink *s, git_odb *outside)
{
	const unsigned char *p = s->p;
	size_t pos = 12, count, i;

	memset(pk, 0, sizeof(*pk));
	assert_true(s->len >= 32);
	assert_memory_equal(p, "PACK\0\0\0\2", 8);
	count = (size_t)p[8] << 24 | (size_t)p[9] << 16 | (size_t)p[10] << 8 | p[11];
	pk->v = calloc(count + 1, sizeof(*pk->v));
	assert_non_null(pk->v);
	for (i = 0; i < count; i++) {
		struct entry *e = &pk->v[i];
		git_odb_object *ob = NULL;
		const unsigned char *bdata;
		size_t size, blen, used, shift = 4;
		unsigned char c, *delta;
		int type;

		assert_true(pos < s->len - 20);
		e->off = pos;
		c = p[pos++];
		type = (c >> 4) & 7;
		size = c & 15;
		while (c & 0x80) {
			c = p[pos++];
			size |= (size_t)(c & 0x7f) << shift;
			shift += 7;
		}
		if (type == GIT_OBJECT_COMMIT || type == GIT_OBJECT_TREE ||
		    type == GIT_OBJECT_BLOB) {
			e->type = type;
			e->data = inflate_at(p + pos, s->len - 20 - pos, size, &used);
			e->len = size;
			pos += used;
			assert_int_equal(git_odb_hash(&e->id, e->data, e->len, e->type), 0);
			pk->n++;
			continue;
		}
		if (type == 6) {
			size_t ofs;
			const struct entry *b;

			c = p[pos++];
			ofs = c & 0x7f;
			while (c & 0x80) {
				c = p[pos++];
				ofs = ((ofs + 1) << 7) | (c & 0x7f);
			}
			assert_true(ofs > 0 && ofs <= e->off);
			b = entry_at(pk, e->off - ofs);
			assert_non_null(b);
			e->type = b->type;
			bdata = b->data;
			blen = b->len;
		} else {
			git_oid bid;
			size_t k;

			assert_int_equal(type, 7);
			git_oid_fromraw(&bid, p + pos);
			pos += GIT_OID_RAWSZ;
			for (k = 0; k < pk->n; k++)
				if (git_oid_equal(&pk->v[k].id, &bid))
					break;
			/* Our writer points a REF_DELTA only outside. */
			assert_int_equal(k, pk->n);
			assert_non_null(outside);
			assert_int_equal(git_odb_read(&ob, outside, &bid), 0);
			e->type = git_odb_object_type(ob);
			bdata = git_odb_object_data(ob);
			blen = git_odb_object_size(ob);
			pk->thin++;
		}
		delta = inflate_at(p + pos, s->len - 20 - pos, size, &used);
		pos += used;
		e->data = apply(bdata, blen, delta, size, &e->len);
		assert_non_null(e->data);
		free(delta);
		git_odb_object_free(ob);
		assert_int_equal(git_odb_hash(&e->id, e->data, e->len, e->type), 0);
		pk->deltas++;
		pk->n++;
	}
	assert_int_equal(pos, s->len - 20);
}

static void parsed_release(struct parsed *pk)
{
	size_t i;

	for (i = 0; i < pk->n; i++)
		free(pk->v[i].data);
	free(pk->v);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* `git ...` run in the source repository, each line's object id into `v`. */
static size_t git_ids(char **v, size_t max, const char *args)
{
	struct ks_buf cmd = KS_BUF_INIT;
	char line[4096];
	size_t n = 0;
	FILE *f;

	ks_buf_addf(&cmd, "git -C '%s' %s", fx.src, args);
	f = popen(cmd.ptr, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		assert_true(n < max);
		line[GIT_OID_HEXSZ] = '\0';
		v[n++] = strdup(line);
	}
	assert_int_equal(pclose(f), 0);
	ks_buf_release(&cmd);
	qsort(v, n, sizeof(*v), cmp_str);
	return n;
}

static int has_id(char **v, size_t n, const char *id)
{
	return bsearch(&id, v, n, sizeof(*v), cmp_str) != NULL;
}

/*
 * The pack's objects are those of `git rev-list --objects tip --not
 * hidden`, and at most some the reader holds already (a file it has at
 * another path): with `extra`, that many of them.
 */
static void check_rev_list(const struct parsed *pk, const git_oid *tip,
			   const git_oid *hidden, size_t nhidden, size_t extra)
{
	struct ks_buf args = KS_BUF_INIT, known = KS_BUF_INIT;
	char hex[GIT_OID_HEXSZ + 1], **want, **got, **held = NULL;
	size_t nwant, nheld = 0, i, more = 0;
	git_odb *odb;

	if (!fx.have_git)
		return;
	ks_buf_addf(&args, "rev-list --objects %s --not",
		    git_oid_tostr(hex, sizeof(hex), tip));
	ks_buf_puts(&known, "rev-list --objects");
	/* git refuses names it does not know; ks_pack_write ignores them. */
	assert_int_equal(git_repository_odb(&odb, fx.repo), 0);
	for (i = 0; i < nhidden; i++)
		if (git_odb_exists(odb, &hidden[i])) {
			ks_buf_addf(&args, " %s",
				    git_oid_tostr(hex, sizeof(hex), &hidden[i]));
			ks_buf_addf(&known, " %s", hex);
		}
	git_odb_free(odb);
	want = calloc(pk->n + 1000, sizeof(*want));
	got = calloc(pk->n + 1, sizeof(*got));
	assert_non_null(want);
	assert_non_null(got);
	nwant = git_ids(want, pk->n + 1000, args.ptr);
	for (i = 0; i < pk->n; i++)
		got[i] = strdup(git_oid_tostr(hex, sizeof(hex), &pk->v[i].id));
	qsort(got, pk->n, sizeof(*got), cmp_str);
	for (i = 0; i < nwant; i++)
		assert_true(has_id(got, pk->n, want[i]));
	if (nhidden) {
		held = calloc(100000, sizeof(*held));
		assert_non_null(held);
		nheld = git_ids(held, 100000, known.ptr);
	}
	for (i = 0; i < pk->n; i++)
		if (!has_id(want, nwant, got[i])) {
			assert_true(has_id(held, nheld, got[i]));
			more++;
		}
	assert_int_equal(more, extra);
	assert_int_equal(nwant + more, pk->n);
	for (i = 0; i < nwant; i++)
		free(want[i]);
	for (i = 0; i < pk->n; i++)
		free(got[i]);
	for (i = 0; i < nheld; i++)
		free(held[i]);
	free(want);
	free(got);
	free(held);
	ks_buf_release(&args);
	ks_buf_release(&known);
}

/* Feeds a pack to libgit2's indexer into `repo`, completing it from `odb`. */
static void index_into(git_repository *repo, git_odb *odb, const struct sink *s,
		       size_t thin)
{
	struct ks_buf dir = KS_BUF_INIT;
	git_indexer *ix;
	git_indexer_progress stats;

	ks_buf_addf(&dir, "%s/objects/pack", git_repository_path(repo));
	assert_int_equal(git_indexer_new(&ix, dir.ptr, 0, odb, NULL), 0);
	assert_int_equal(git_indexer_append(ix, s->p, s->len, &stats), 0);
	assert_int_equal(git_indexer_commit(ix, &stats), 0);
	/* --fix-thin: each outside base appended once. */
	if (thin)
		assert_true(stats.local_objects > 0 && stats.local_objects <= thin);
	else
		assert_int_equal(stats.local_objects, 0);
	git_indexer_free(ix);
	ks_buf_release(&dir);
}

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int sh(const char *fmt, ...)
{
	struct ks_buf cmd = KS_BUF_INIT;
	va_list ap;
	int rc;

	ks_buf_puts(&cmd, "GIT_CONFIG_NOSYSTEM=1 HOME=/nonexistent ");
	va_start(ap, fmt);
	ks_buf_vaddf(&cmd, fmt, ap);
	va_end(ap);
	rc = system(cmd.ptr);
	if (rc)
		print_message("failed (%d): %s\n", rc, cmd.ptr);
	ks_buf_release(&cmd);
	return rc;
}

/* ---- packs ---- */

static void test_full_pack(void **state)
{
	struct ks_pack_stats st;
	struct sink s, again;
	struct parsed pk;
	char path[160];
	git_repository *r;
	git_odb *odb;
	size_t i;

	assert_int_equal(write_pack(&s, &fx.c[1], NULL, 0, &st), 0);
	assert_int_equal(st.bytes, s.len);
	assert_int_equal(st.commits, 2);
	assert_int_equal(st.thin, 0);
	parse_pack(&pk, &s, NULL);
	assert_int_equal(pk.n, st.objects);
	assert_int_equal(pk.deltas, st.deltas);
	/* 250 records much alike: most are deltas against one another. */
	print_message("full pack: %zu objects, %zu deltas, %zu bytes\n",
		      st.objects, st.deltas, s.len);
	assert_true(pk.deltas > 100);
	/* Commits first. */
	for (i = 0; i < pk.n; i++)
		assert_true((pk.v[i].type == GIT_OBJECT_COMMIT) == (i < 2));
	check_rev_list(&pk, &fx.c[1], NULL, 0, 0);
	parsed_release(&pk);

	assert_int_equal(write_pack(&again, &fx.c[1], NULL, 0, NULL), 0);
	assert_int_equal(again.len, s.len);
	assert_memory_equal(again.p, s.p, s.len);
	sink_release(&again);

	/* libgit2 indexes it with no help. */
	snprintf(path, sizeof(path), "%s/full.git", fx.dir);
	assert_int_equal(git_repository_init(&r, path, 1), 0);
	index_into(r, NULL, &s, 0);
	assert_int_equal(git_repository_odb(&odb, r), 0);
	assert_true(git_odb_exists(odb, &fx.c[1]));
	git_odb_free(odb);
	git_repository_free(r);

	if (fx.have_git) {
		snprintf(path, sizeof(path), "%s/full.pack", fx.dir);
		save(path, &s);
		assert_int_equal(sh("git init -q --bare --initial-branch=main '%s/full-w.git' && "
				    "git -C '%s/full-w.git' index-pack --stdin <'%s' >/dev/null && "
				    "git -C '%s/full-w.git' verify-pack '%s/full-w.git'/objects/pack/*.idx",
				    fx.dir, fx.dir, path, fx.dir, fx.dir), 0);
	}
	sink_release(&s);
}

static int case_no;

/*
 * A thin pack for tip --not hidden, checked every way: the reader holds
 * full packs of the hidden commits (missing ones aside) and nothing else.
 */
static void thin_case(const git_oid *tip, const git_oid *hidden,
		      size_t nhidden, size_t min_thin, size_t extra)
{
	struct ks_pack_stats st;
	struct sink s, again, base;
	struct parsed pk;
	char reader[160], witness[160], file[160], hex[GIT_OID_HEXSZ + 1];
	git_repository *r;
	git_odb *odb;
	size_t i;

	case_no++;
	snprintf(reader, sizeof(reader), "%s/reader%d.git", fx.dir, case_no);
	snprintf(witness, sizeof(witness), "%s/witness%d.git", fx.dir, case_no);
	assert_int_equal(git_repository_init(&r, reader, 1), 0);
	if (fx.have_git)
		assert_int_equal(sh("git init -q --bare --initial-branch=main '%s'", witness), 0);
	for (i = 0; i < nhidden; i++) {
		git_odb *src;

		assert_int_equal(git_repository_odb(&src, fx.repo), 0);
		if (!git_odb_exists(src, &hidden[i])) {
			git_odb_free(src);
			continue;
		}
		git_odb_free(src);
		assert_int_equal(write_pack(&base, &hidden[i], NULL, 0, NULL), 0);
		index_into(r, NULL, &base, 0);
		if (fx.have_git) {
			snprintf(file, sizeof(file), "%s/base%d-%zu.pack", fx.dir,
				 case_no, i);
			save(file, &base);
			assert_int_equal(sh("git -C '%s' index-pack --stdin <'%s' >/dev/null",
					    witness, file), 0);
		}
		sink_release(&base);
	}

	assert_int_equal(write_pack(&s, tip, hidden, nhidden, &st), 0);
	assert_int_equal(st.bytes, s.len);
	assert_int_equal(git_repository_odb(&odb, r), 0);
	parse_pack(&pk, &s, odb);
	assert_int_equal(pk.n, st.objects);
	assert_int_equal(pk.thin, st.thin);
	assert_int_equal(pk.deltas, st.deltas);
	print_message("thin pack %d: %zu objects, %zu deltas (%zu thin), %zu bytes\n",
		      case_no, st.objects, st.deltas, st.thin, s.len);
	assert_true(st.thin >= min_thin);
	check_rev_list(&pk, tip, hidden, nhidden, extra);

	assert_int_equal(write_pack(&again, tip, hidden, nhidden, NULL), 0);
	assert_int_equal(again.len, s.len);
	assert_memory_equal(again.p, s.p, s.len);
	sink_release(&again);

	/* libgit2's indexer completes it from the reader's objects. */
	index_into(r, odb, &s, st.thin);
	assert_int_equal(git_odb_refresh(odb), 0);
	for (i = 0; i < pk.n; i++)
		assert_true(git_odb_exists(odb, &pk.v[i].id));
	assert_true(git_odb_exists(odb, tip));
	git_odb_free(odb);
	git_repository_free(r);
	parsed_release(&pk);

	/* And so does git, whose fsck then finds the whole history. */
	if (fx.have_git && st.objects) {
		snprintf(file, sizeof(file), "%s/thin%d.pack", fx.dir, case_no);
		save(file, &s);
		assert_int_equal(sh("git -C '%s' index-pack --fix-thin --stdin <'%s' >/dev/null && "
				    "git -C '%s' update-ref refs/heads/main %s && "
				    "git -C '%s' fsck --full --no-dangling 2>&1",
				    witness, file, witness,
				    git_oid_tostr(hex, sizeof(hex), tip), witness), 0);
	}
	sink_release(&s);
}

static void test_thin_linear(void **state)
{
	thin_case(&fx.c[3], &fx.c[1], 1, 10, 0);
}

/* Boundary: the hidden side branch and base, its parent in the pack. */
static void test_thin_merge(void **state)
{
	thin_case(&fx.c[5], &fx.c[4], 1, 10, 0);
}

static void test_thin_two_hidden(void **state)
{
	git_oid h[2];

	h[0] = fx.c[1];
	h[1] = fx.c[4];
	thin_case(&fx.c[5], h, 2, 10, 0);
}

/* Hidden commits the repository lacks change nothing. */
static void test_thin_missing_hidden(void **state)
{
	struct sink a, b;
	git_oid h[3];

	assert_int_equal(git_oid_fromstr(&h[0], "0123456789abcdef0123456789abcdef01234567"), 0);
	h[1] = fx.c[1];
	h[2] = h[0];
	thin_case(&fx.c[3], h, 3, 10, 0);
	assert_int_equal(write_pack(&a, &fx.c[3], h, 3, NULL), 0);
	assert_int_equal(write_pack(&b, &fx.c[3], &fx.c[1], 1, NULL), 0);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.p, b.p, a.len);
	sink_release(&a);
	sink_release(&b);
}

/*
 * A file moved: its blob, which the reader holds at the old path, is
 * written again (the walk does not open what the reader's tree holds at
 * the same path, and does not look for it elsewhere); still a pack every
 * reader completes.
 */
static void test_thin_moved(void **state)
{
	thin_case(&fx.c[7], &fx.c[3], 1, 1, 1);
}

/* A tip the reader has: a valid pack of no objects. */
static void test_empty_pack(void **state)
{
	struct ks_pack_stats st;
	struct sink s;
	struct parsed pk;

	assert_int_equal(write_pack(&s, &fx.c[1], &fx.c[3], 1, &st), 0);
	assert_int_equal(st.objects, 0);
	assert_int_equal(s.len, 32);
	parse_pack(&pk, &s, NULL);
	assert_int_equal(pk.n, 0);
	parsed_release(&pk);
	sink_release(&s);
}

/* The callback's non-zero value stops the write and is returned. */
static void test_callback_abort(void **state)
{
	struct sink s;
	long calls, k;

	assert_int_equal(write_pack(&s, &fx.c[1], NULL, 0, NULL), 0);
	calls = s.calls;
	sink_release(&s);
	assert_true(calls > 2);
	for (k = 0; k < calls; k += k < 3 ? 1 : calls / 4) {
		memset(&s, 0, sizeof(s));
		s.fail_at = k;
		assert_int_equal(ks_pack_write(fx.repo, &fx.c[1], NULL, 0,
					       sink_write, &s, NULL), 42);
		sink_release(&s);
	}
	memset(&s, 0, sizeof(s));
	s.fail_at = calls - 1;
	assert_int_equal(ks_pack_write(fx.repo, &fx.c[1], NULL, 0, sink_write,
				       &s, NULL), 42);
	sink_release(&s);
}

/*
 * The blob at `path` in commit `at` (its id into `id`), its loose file
 * given `text` as its content, zlib-compressed as git writes one; the
 * file's bytes before are kept in `old` to be put back.
 */
static void damage(git_oid *id, char *file, size_t size, struct ks_buf *old,
		   const git_oid *at, const char *path, const char *text)
{
	char hex[GIT_OID_HEXSZ + 1], head[64];
	unsigned char *z;
	uLongf zlen;
	git_commit *c;
	git_tree *t;
	git_tree_entry *e;
	struct ks_buf raw = KS_BUF_INIT;

	assert_int_equal(git_commit_lookup(&c, fx.repo, at), 0);
	assert_int_equal(git_commit_tree(&t, c), 0);
	assert_int_equal(git_tree_entry_bypath(&e, t, path), 0);
	git_oid_cpy(id, git_tree_entry_id(e));
	git_oid_tostr(hex, sizeof(hex), id);
	snprintf(file, size, "%s/.git/objects/%.2s/%s", fx.src, hex, hex + 2);
	git_tree_entry_free(e);
	git_tree_free(t);
	git_commit_free(c);
	assert_int_equal(ks_buf_read_file(old, file, 0), 0);
	assert_true(old->len > 0);
	snprintf(head, sizeof(head), "blob %zu", strlen(text));
	ks_buf_add(&raw, head, strlen(head) + 1);
	ks_buf_puts(&raw, text);
	zlen = compressBound(raw.len);
	z = malloc(zlen);
	assert_non_null(z);
	assert_int_equal(compress(z, &zlen, (unsigned char *)raw.ptr, raw.len), Z_OK);
	assert_int_equal(chmod(file, 0644), 0);
	write_file(file, z, zlen);
	free(z);
	ks_buf_release(&raw);
}

/*
 * A damaged object the pack would hold, or a damaged reader's version a
 * delta would be made against, stops the write: libgit2's own check of
 * each object read is off while it runs, and back on after.
 */
static void test_damaged_object(void **state)
{
	static const char *const paths[] = {
		"records/workshop/md01/001/md01-0199.yaml",	/* in the pack */
		"records/workshop/md01/000/md01-0003.yaml",	/* a delta base */
	};
	const git_oid *at[] = { &fx.c[3], &fx.c[1] };
	char file[512];
	struct ks_buf old = KS_BUF_INIT;
	size_t i;
	git_repository *repo;
	git_odb *odb;
	git_odb_object *obj = NULL;
	git_oid id;
	struct sink s;
	int err;

	for (i = 0; i < 2; i++) {
		damage(&id, file, sizeof(file), &old, at[i], paths[i],
		       "id: md01-0666\n");
		/* a repository opened afresh: nothing of it read before */
		assert_int_equal(git_repository_open(&repo, fx.src), 0);
		memset(&s, 0, sizeof(s));
		s.fail_at = -1;
		err = ks_pack_write(repo, &fx.c[3], &fx.c[1], 1, sink_write, &s,
				    NULL);
		assert_int_equal(err, GIT_EMISMATCH);
		assert_non_null(strstr(git_error_last()->message,
				       "object hash mismatch"));
		sink_release(&s);
		/* libgit2's own check is on again */
		assert_int_equal(git_repository_odb(&odb, repo), 0);
		assert_int_equal(git_odb_read(&obj, odb, &id), GIT_EMISMATCH);
		git_odb_free(odb);
		git_repository_free(repo);
		write_file(file, old.ptr, old.len);	/* put back */
		ks_buf_release(&old);
	}
	/* put back: the same pack as before any damage */
	thin_case(&fx.c[3], &fx.c[1], 1, 10, 0);
}

/* Every allocation failing in turn: -1, nothing leaked (ASan checks). */
static void out_of_memory(const git_oid *tip, const git_oid *hidden,
			  size_t nhidden)
{
	struct sink s, good;
	long n;
	int err = -1;

	assert_int_equal(write_pack(&good, tip, hidden, nhidden, NULL), 0);
	for (n = 0; err; n++) {
		memset(&s, 0, sizeof(s));
		s.fail_at = -1;
		ks_alloc_fail_after(n);
		err = ks_pack_write(fx.repo, tip, hidden, nhidden, sink_write,
				    &s, NULL);
		ks_alloc_fail_after(-1);
		assert_true(err == 0 || err == -1);
		if (!err) {
			assert_int_equal(s.len, good.len);
			assert_memory_equal(s.p, good.p, s.len);
		}
		sink_release(&s);
		assert_true(n < 100000);
	}
	print_message("%ld allocations\n", n - 1);
	sink_release(&good);
}

static void test_out_of_memory(void **state)
{
	out_of_memory(&fx.c[3], &fx.c[1], 1);
	out_of_memory(&fx.c[5], &fx.c[4], 1);
	out_of_memory(&fx.c[6], NULL, 0);
}

static int run(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_delta_small),
		cmocka_unit_test(test_delta_random_and_edited),
		cmocka_unit_test(test_delta_repetitive),
		cmocka_unit_test(test_delta_large),
		cmocka_unit_test(test_delta_limit),
		cmocka_unit_test(test_delta_out_of_memory),
		cmocka_unit_test(test_full_pack),
		cmocka_unit_test(test_thin_linear),
		cmocka_unit_test(test_thin_merge),
		cmocka_unit_test(test_thin_two_hidden),
		cmocka_unit_test(test_thin_missing_hidden),
		cmocka_unit_test(test_thin_moved),
		cmocka_unit_test(test_empty_pack),
		cmocka_unit_test(test_callback_abort),
		cmocka_unit_test(test_damaged_object),
		cmocka_unit_test(test_out_of_memory),
	};
	int failed, total = (int)(sizeof(tests) / sizeof(tests[0]));

	failed = cmocka_run_group_tests(tests, setup, teardown);
	printf("%d passed, %d failed\n", total - failed, failed);
	return failed ? 1 : 0;
}

int main(void)
{
	int rc;

	git_libgit2_init();
	rc = run();
	git_libgit2_shutdown();
	return rc;
}
