/*
 * Unit tests for core/record.h: the YAML reader (located tree, refusals with
 * exact located messages, NFC), scalar resolution by the YAML 1.2 core
 * schema, tree building, and the canonical writer, whose output must read
 * back to the same tree and be a fixed point.  The sample records must come
 * out byte for byte as they are (they are canonical by construction).
 */
#include "unit.h"

#include "alloc.h"
#include "buf.h"
#include "diag.h"
#include "record.h"
#include "schema.h"

#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- helpers ---- */

static void show_diags(const struct ks_diags *d)
{
	struct ks_buf b = KS_BUF_INIT;
	size_t i;

	for (i = 0; i < d->n; i++) {
		ks_buf_reset(&b);
		ks_diag_format(&b, &d->v[i]);
		print_message("  diag: %s\n", b.ptr);
	}
	ks_buf_release(&b);
}

static struct ks_doc *parse_len(const char *text, size_t len, unsigned flags)
{
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_doc *doc = NULL;
	int err = ks_doc_parse(&doc, "r.yaml", text, len, flags, &d);

	size_t n = d.n;

	if (err) {
		print_message("parse failed (%d) on:\n%s\n", err, text);
		show_diags(&d);
	}
	ks_diags_release(&d);
	assert_int_equal(err, 0);
	assert_non_null(doc);
	assert_int_equal(n, 0);
	return doc;
}

static struct ks_doc *parse(const char *text)
{
	return parse_len(text, strlen(text), KS_PARSE_RECORD);
}

/* The canonical text of a document (no schema: keys in byte order). */
static char *write_doc(const struct ks_node *root,
		       const struct ks_layout *layout, const void *ctx)
{
	struct ks_buf b = KS_BUF_INIT;

	assert_int_equal(ks_doc_write(&b, root, layout, ctx), 0);
	return ks_buf_detach(&b, NULL);
}

/*
 * `text` is canonical: parsing and writing it gives the same bytes, and the
 * tree read back from the output is equal to the first one.
 */
static void assert_canonical_flags(const char *text, unsigned flags)
{
	struct ks_doc *doc = parse_len(text, strlen(text), flags);
	struct ks_doc *again;
	char *out = write_doc(ks_doc_root(doc), NULL, NULL);

	if (strcmp(out, text))
		print_message("expected:\n%s---\ngot:\n%s---\n", text, out);
	assert_string_equal(out, text);
	again = parse_len(out, strlen(out), flags);
	assert_true(ks_node_equal(ks_doc_root(doc), ks_doc_root(again)));
	ks_free(out);
	ks_doc_free(again);
	ks_doc_free(doc);
}

static void assert_canonical(const char *text)
{
	assert_canonical_flags(text, KS_PARSE_RECORD);
}

/* Writing `in` gives `want`, and `want` is then canonical. */
static void assert_writes(const char *in, const char *want)
{
	struct ks_doc *doc = parse(in);
	char *out = write_doc(ks_doc_root(doc), NULL, NULL);

	if (strcmp(out, want))
		print_message("input:\n%s---\nexpected:\n%s---\ngot:\n%s---\n",
			      in, want, out);
	assert_string_equal(out, want);
	ks_free(out);
	ks_doc_free(doc);
	assert_canonical(want);
}

/* Parsing fails with KS_EINVALID and exactly this one diagnostic. */
static void assert_refused_len(const char *text, size_t len, unsigned flags,
			       const char *want)
{
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_doc *doc = (struct ks_doc *)&d;	/* must be reset */
	struct ks_buf b = KS_BUF_INIT;
	int err = ks_doc_parse(&doc, "r.yaml", text, len, flags, &d);

	if (err != KS_EINVALID || d.n != 1)
		show_diags(&d);
	assert_int_equal(err, KS_EINVALID);
	assert_null(doc);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.errors, 1);
	assert_int_equal(d.v[0].severity, KS_SEV_ERROR);
	ks_diag_format(&b, &d.v[0]);
	assert_string_equal(b.ptr, want);
	ks_buf_release(&b);
	ks_diags_release(&d);
}

static void assert_refused(const char *text, const char *want)
{
	assert_refused_len(text, strlen(text), KS_PARSE_RECORD, want);
}

static const char *top(void)
{
	const char *t = getenv("KHAOSAT_TOP");

	return t && *t ? t : ".";
}

/* ---- canonical round trips, hand-made ---- */

static void test_canonical_nested_maps(void **state)
{
	assert_canonical("a:\n"
			 "  b:\n"
			 "    c: 1\n"
			 "    d:\n"
			 "      e: deep\n"
			 "  f: x\n"
			 "g: h\n");
}

static void test_canonical_lists_of_maps(void **state)
{
	assert_canonical("items:\n"
			 "  - name: Đối trọng\n"
			 "    qty: 1400\n"
			 "  - name: Puly\n"
			 "    sub:\n"
			 "      k: v\n"
			 "    tags:\n"
			 "      - x\n"
			 "      - y\n"
			 "  - solo: 1\n");
}

static void test_canonical_lists_of_scalars(void **state)
{
	assert_canonical("l:\n"
			 "  - 1\n"
			 "  - two\n"
			 "  - \"3\"\n"
			 "  - true\n"
			 "  - 1.5\n"
			 "  - ~\n");
	/* A list inside a list. */
	assert_canonical("l:\n"
			 "  -\n"
			 "    - 1\n"
			 "    - 2\n"
			 "  - x\n");
}

static void test_canonical_empty_collections(void **state)
{
	assert_canonical("m: {}\n"
			 "s: []\n"
			 "t:\n"
			 "  - {}\n"
			 "  - []\n");
	assert_canonical("{}\n");
	assert_canonical_flags("[]\n", 0);
}

static void test_canonical_multiline(void **state)
{
	/* One final newline: "|"; none: "|-". */
	assert_canonical("t: |\n"
			 "  dòng một\n"
			 "  dòng hai\n");
	assert_canonical("notes: |-\n"
			 "  Năm 2019 đầu tư mở rộng nhà xưởng.\n"
			 "  Đối trọng máy giặt xuất sang Hoa Kỳ.\n");
	/* An empty line in the middle stays a literal block. */
	assert_canonical("notes: |-\n"
			 "  a\n"
			 "\n"
			 "  b\n");
	/* Inside a list of maps the block is indented under its key. */
	assert_canonical("l:\n"
			 "  - notes: |-\n"
			 "      a\n"
			 "      b\n");
	/* What a literal block cannot hold is written quoted. */
	assert_canonical("s: \"a\\n\\n\"\n");
	assert_canonical("s: \" a\\nb\"\n");
	assert_canonical("s: \"a\\n  \\nb\"\n");
	assert_canonical("s: \"\\na\"\n");
	/* A folded block is rewritten as what it means. */
	assert_writes("s: >\n  a\n  b\n", "s: |\n  a b\n");
}

static void test_canonical_quoted_strings(void **state)
{
	/* Strings that a plain YAML 1.2 or 1.1 reader would not read back. */
	assert_canonical("p: \"0912345678\"\n");
	assert_canonical("\"n\": \"no\"\n");
	assert_canonical("\"y\": \"yes\"\n");
	assert_canonical("t: \"true\"\n");
	assert_canonical("nu: \"null\"\n");
	assert_canonical("ti: \"~\"\n");
	assert_canonical("d: \"2024-03-15\"\n");
	assert_canonical("e: \"1e3\"\n");
	assert_canonical("dash: \"- x\"\n");
	assert_canonical("colon: \"a: b\"\n");
	assert_canonical("hash: \"#x\"\n");
	assert_canonical("hash2: \"x #y\"\n");
	assert_canonical("lead: \" x\"\n");
	assert_canonical("trail: \"x \"\n");
	assert_canonical("empty: \"\"\n");
	assert_canonical("\"on\": \"off\"\n");
	assert_canonical("oct: \"0o17\"\n");
	assert_canonical("hex: \"0x1F\"\n");
	assert_canonical("dot: \".5\"\n");
	assert_canonical("under: \"1_000\"\n");
	assert_canonical("time: \"1:30\"\n");
	assert_canonical("neg: \"-3\"\n");
	assert_canonical("dash3: \"---\"\n");
	assert_canonical("star: \"*x\"\n");
	assert_canonical("amp: \"&x\"\n");
	assert_canonical("bang: \"!x\"\n");
	assert_canonical("brace: \"{x}\"\n");
	assert_canonical("end: \"x:\"\n");
	/* Quotes and backslashes: plain where YAML allows, escaped otherwise. */
	assert_canonical("dq: say \"hi\"\n");
	assert_canonical("bs: a\\b\n");
	assert_canonical("q: \"\\\"quoted\\\"\"\n");
	assert_canonical("mix: \"x: \\\"y\\\" \\\\ z\"\n");
	assert_canonical("tab: \"a\\tb\"\n");
	assert_canonical("ctl: \"a\\x01b\"\n");
	/* Single-quoted input comes out double-quoted. */
	assert_writes("p: '0912345678'\n", "p: \"0912345678\"\n");
	/* A quoted string that needs no quotes comes out plain. */
	assert_writes("s: \"Mỹ Đồng\"\n", "s: Mỹ Đồng\n");
	/* Keys are quoted by the same rule. */
	assert_canonical("\"1\": a\n\"n\": b\n\"no\": c\nx y: d\n\"y\": e\n");
	assert_canonical("\"\": empty key\n");
}

static void test_canonical_plain_scalars(void **state)
{
	/* Plain scalars keep their text: numbers, booleans, null. */
	assert_canonical("a: 42\n"
			 "b: -3\n"
			 "c: 1.5\n"
			 "d: 1e3\n"
			 "e: true\n"
			 "f: ~\n"
			 "g: 0x1f\n"
			 "h: Nguyễn Thị Hoa\n"
			 "i: 4-2024-03518\n"
			 "j: 27/GPMT-UBND\n");
	/* An empty value is written as null. */
	assert_writes("a:\nb: 1\n", "a: null\nb: 1\n");
}

static void test_canonical_key_order_and_style(void **state)
{
	/* Without a schema keys go in byte order; flow style becomes block. */
	assert_writes("z: 1\na: {w: 2, b: [3, 4]}\nm: x\n",
		      "a:\n  b:\n    - 3\n    - 4\n  w: 2\nm: x\nz: 1\n");
	/* Four-space indent, comments and a document marker are dropped. */
	assert_writes("---\n# comment\nb:\n    c: 1   # trailing\na: 2\n...\n",
		      "a: 2\nb:\n  c: 1\n");
	/* CR LF line ends become LF. */
	assert_writes("a: 1\r\nb:\r\n  c: 2\r\n", "a: 1\nb:\n  c: 2\n");
}

/* A layout that puts "id" and "name" first and says every value is text. */
static const void *lay_child(const void *ctx, const char *key)
{
	return ctx;
}

static int lay_rank(const void *ctx, const char *key)
{
	if (!strcmp(key, "id"))
		return 0;
	if (!strcmp(key, "name"))
		return 1;
	return -1;
}

static int lay_is_string(const void *ctx)
{
	return 1;
}

static const struct ks_layout text_layout = {
	lay_child, lay_rank, lay_is_string,
};

static void test_write_with_layout(void **state)
{
	struct ks_doc *doc = parse("zeta: 0912345678\n"
				   "name: Hưng Phát\n"
				   "alpha: no\n"
				   "id: md01-0001\n"
				   "sub:\n"
				   "  name: x\n"
				   "  code: 0031\n"
				   "  id: 7\n");
	char *out = write_doc(ks_doc_root(doc), &text_layout, "ctx");

	assert_string_equal(out, "id: md01-0001\n"
				 "name: Hưng Phát\n"
				 "alpha: \"no\"\n"
				 "sub:\n"
				 "  id: \"7\"\n"
				 "  name: x\n"
				 "  code: \"0031\"\n"
				 "zeta: \"0912345678\"\n");
	ks_free(out);
	ks_doc_free(doc);
}

static void test_write_roots(void **state)
{
	struct ks_doc *doc = ks_doc_new(NULL);
	char *out;

	out = write_doc(NULL, NULL, NULL);
	assert_string_equal(out, "null\n");
	ks_free(out);
	out = write_doc(ks_node_scalar(doc, "x", 1, 0), NULL, NULL);
	assert_string_equal(out, "x\n");
	ks_free(out);
	out = write_doc(ks_node_map(doc), NULL, NULL);
	assert_string_equal(out, "{}\n");
	ks_free(out);
	ks_doc_free(doc);
}

/* ---- the sample records ---- */

static int nsamples;
static int sample_failures;

static const char *sample_kind(const char *path, char *kind, size_t n)
{
	const char *p = strstr(path, "/records/");
	size_t len;

	if (!p)
		return NULL;
	p += strlen("/records/");
	len = strcspn(p, "/");
	if (len >= n)
		return NULL;
	memcpy(kind, p, len);
	kind[len] = '\0';
	return kind;
}

static int check_sample(const char *path, const struct stat *st, int type,
			struct FTW *ftw)
{
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_buf text = KS_BUF_INIT, out = KS_BUF_INIT, schema = KS_BUF_INIT;
	struct ks_doc *doc = NULL;
	struct ks_schema *s = NULL;
	char kind[64];
	int err;

	if (type != FTW_F || !strstr(path, ".yaml"))
		return 0;
	nsamples++;
	if (ks_buf_read_file(&text, path, 0) < 0 ||
	    !sample_kind(path, kind, sizeof(kind))) {
		print_message("%s: cannot read\n", path);
		sample_failures++;
		goto out;
	}
	err = ks_doc_parse(&doc, path, text.ptr, text.len, KS_PARSE_RECORD, &d);
	if (err) {
		print_message("%s: does not parse\n", path);
		show_diags(&d);
		sample_failures++;
		goto out;
	}
	/* Keys in schema order: the writer needs the kind's schema. */
	ks_buf_addf(&schema, "%s/schema/%s.yaml", top(), kind);
	err = ks_schema_load(&s, schema.ptr, schema.ptr, 0, &d);
	if (err) {
		print_message("%s: its schema %s does not load\n", path,
			      schema.ptr);
		show_diags(&d);
		sample_failures++;
		goto out;
	}
	if (ks_doc_write(&out, ks_doc_root(doc), ks_schema_layout(),
			 ks_schema_layout_root(s)) < 0 ||
	    out.len != text.len || memcmp(out.ptr, text.ptr, text.len)) {
		print_message("%s: not canonical; the writer gives:\n%s---\n",
			      path, out.ptr);
		sample_failures++;
	}
out:
	ks_schema_free(s);
	ks_doc_free(doc);
	ks_diags_release(&d);
	ks_buf_release(&text);
	ks_buf_release(&out);
	ks_buf_release(&schema);
	return 0;
}

static void test_samples_are_canonical(void **state)
{
	struct ks_buf dir = KS_BUF_INIT;

	ks_buf_addf(&dir, "%s/samples/records", top());
	nsamples = sample_failures = 0;
	assert_int_equal(nftw(dir.ptr, check_sample, 16, FTW_PHYS), 0);
	print_message("%d sample records\n", nsamples);
	assert_true(nsamples >= 40);
	assert_int_equal(sample_failures, 0);
	ks_buf_release(&dir);
}

/* Without a schema the writer still keeps every value and is stable. */
static int check_sample_stable(const char *path, const struct stat *st,
			       int type, struct FTW *ftw)
{
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_buf text = KS_BUF_INIT;
	struct ks_doc *doc = NULL, *again = NULL;
	char *out = NULL, *out2 = NULL;

	if (type != FTW_F || !strstr(path, ".yaml"))
		return 0;
	nsamples++;
	if (ks_buf_read_file(&text, path, 0) < 0 ||
	    ks_doc_parse(&doc, path, text.ptr, text.len, KS_PARSE_RECORD,
			 &d)) {
		sample_failures++;
		goto out;
	}
	out = write_doc(ks_doc_root(doc), NULL, NULL);
	if (ks_doc_parse(&again, path, out, strlen(out), KS_PARSE_RECORD,
			 &d) ||
	    !ks_node_equal(ks_doc_root(doc), ks_doc_root(again))) {
		print_message("%s: the written text reads back differently:\n%s\n",
			      path, out);
		sample_failures++;
		goto out;
	}
	out2 = write_doc(ks_doc_root(again), NULL, NULL);
	if (strcmp(out, out2)) {
		print_message("%s: writing is not a fixed point\n", path);
		sample_failures++;
	}
out:
	show_diags(&d);
	ks_free(out);
	ks_free(out2);
	ks_doc_free(doc);
	ks_doc_free(again);
	ks_diags_release(&d);
	ks_buf_release(&text);
	return 0;
}

static void test_samples_round_trip_without_schema(void **state)
{
	struct ks_buf dir = KS_BUF_INIT;

	ks_buf_addf(&dir, "%s/samples/records", top());
	nsamples = sample_failures = 0;
	assert_int_equal(nftw(dir.ptr, check_sample_stable, 16, FTW_PHYS), 0);
	assert_true(nsamples >= 40);
	assert_int_equal(sample_failures, 0);
	ks_buf_release(&dir);
}

/* ---- positions ---- */

static void assert_pos(int line, int col, int want_line, int want_col)
{
	if (line != want_line || col != want_col)
		print_message("position %d:%d, expected %d:%d\n", line, col,
			      want_line, want_col);
	assert_int_equal(line, want_line);
	assert_int_equal(col, want_col);
}

static void test_positions(void **state)
{
	struct ks_doc *doc = parse("tên: Nguyễn Thị Hoa\n"
				   "địa_chỉ:\n"
				   "  xã: Mỹ Đồng\n"
				   "  sản_phẩm: [Đúc, \"gang\"]\n"
				   "máy:\n"
				   "  - tên: Lò trung tần\n"
				   "    năm: 2019\n"
				   "  - Cầu trục\n"
				   "ghi_chú: |\n"
				   "  dòng một\n"
				   "số: 1\n");
	const struct ks_node *root = ks_doc_root(doc), *addr, *prods, *mach,
			     *m0;
	const struct ks_pair *p;

	assert_pos(root->line, root->col, 1, 1);
	p = ks_map_pair(root, "tên");
	assert_non_null(p);
	assert_pos(p->line, p->col, 1, 1);
	assert_pos(p->value->line, p->value->col, 1, 6);

	p = ks_map_pair(root, "địa_chỉ");
	assert_pos(p->line, p->col, 2, 1);
	addr = p->value;
	assert_pos(addr->line, addr->col, 3, 3);
	p = ks_map_pair(addr, "xã");
	assert_pos(p->line, p->col, 3, 3);
	assert_pos(p->value->line, p->value->col, 3, 7);
	p = ks_map_pair(addr, "sản_phẩm");
	assert_pos(p->line, p->col, 4, 3);
	prods = p->value;
	/* Columns count characters: "  sản_phẩm: [" is 12 of them. */
	assert_pos(prods->line, prods->col, 4, 13);
	assert_int_equal(prods->u.seq.n, 2);
	assert_pos(prods->u.seq.v[0]->line, prods->u.seq.v[0]->col, 4, 14);
	assert_pos(prods->u.seq.v[1]->line, prods->u.seq.v[1]->col, 4, 19);

	p = ks_map_pair(root, "máy");
	assert_pos(p->line, p->col, 5, 1);
	mach = p->value;
	assert_pos(mach->line, mach->col, 6, 3);
	m0 = mach->u.seq.v[0];
	assert_pos(m0->line, m0->col, 6, 5);
	p = ks_map_pair(m0, "tên");
	assert_pos(p->line, p->col, 6, 5);
	assert_pos(p->value->line, p->value->col, 6, 10);
	p = ks_map_pair(m0, "năm");
	assert_pos(p->line, p->col, 7, 5);
	assert_pos(p->value->line, p->value->col, 7, 10);
	assert_pos(mach->u.seq.v[1]->line, mach->u.seq.v[1]->col, 8, 5);

	p = ks_map_pair(root, "ghi_chú");
	assert_pos(p->line, p->col, 9, 1);
	assert_pos(p->value->line, p->value->col, 9, 10);
	p = ks_map_pair(root, "số");
	assert_pos(p->line, p->col, 11, 1);
	assert_pos(p->value->line, p->value->col, 11, 5);
	ks_doc_free(doc);
}

static void test_positions_crlf(void **state)
{
	struct ks_doc *doc = parse("a: 1\r\nb:\r\n  c: xã\r\n");
	const struct ks_pair *p = ks_map_pair(ks_map_get(ks_doc_root(doc), "b"),
					      "c");

	assert_pos(p->line, p->col, 3, 3);
	assert_pos(p->value->line, p->value->col, 3, 6);
	assert_string_equal(p->value->u.scalar.str, "xã");
	ks_doc_free(doc);
}

/*
 * A UTF-8 byte order mark (Windows Notepad writes one) is not content:
 * the file parses and the first key is at 1:1.
 */
static void test_bom_is_not_content(void **state)
{
	struct ks_doc *doc = parse("\xef\xbb\xbf" "a: 1\nb: 2\n");
	const struct ks_pair *p = ks_map_pair(ks_doc_root(doc), "a");

	assert_non_null(p);
	assert_pos(p->line, p->col, 1, 1);
	assert_non_null(ks_map_get(ks_doc_root(doc), "b"));
	ks_doc_free(doc);
}

/* ---- refusals, each with its exact located message ---- */

static void test_refuse_duplicate_key(void **state)
{
	assert_refused("a: 1\nb: 2\na: 3\n", "r.yaml:3:1: error: duplicate key \"a\"");
	assert_refused("a:\n  x: 1\n  y: 2\n  x: 3\n",
		       "r.yaml:4:3: error: duplicate key \"x\"");
	assert_refused("l:\n  - k: 1\n    k: 2\n",
		       "r.yaml:3:5: error: duplicate key \"k\"");
	/* Written differently, the same key once normalised (NFD, NFC). */
	assert_refused("Vi\xe1\xbb\x87t: 1\nVie\xcc\xa3\xcc\x82t: 2\n",
		       "r.yaml:2:1: error: duplicate key \"Việt\"");
	/* Quoting does not make another key. */
	assert_refused("a: 1\n\"a\": 2\n", "r.yaml:2:1: error: duplicate key \"a\"");
	assert_refused("{a: 1, b: 2, a: 3}\n",
		       "r.yaml:1:14: error: duplicate key \"a\"");
}

static void test_refuse_duplicate_key_in_big_map(void **state)
{
	struct ks_buf b = KS_BUF_INIT;
	int i;

	/* Past 16 keys the reader switches to a hash index. */
	for (i = 0; i < 100; i++)
		ks_buf_addf(&b, "k%03d: %d\n", i, i);
	ks_buf_puts(&b, "k057: dup\n");
	assert_refused(b.ptr, "r.yaml:101:1: error: duplicate key \"k057\"");
	ks_buf_reset(&b);
	for (i = 0; i < 100; i++)
		ks_buf_addf(&b, "k%03d: %d\n", i, i);
	{
		struct ks_doc *doc = parse(b.ptr);

		assert_int_equal(ks_doc_root(doc)->u.map.n, 100);
		ks_doc_free(doc);
	}
	ks_buf_release(&b);
}

static void test_refuse_anchor_alias(void **state)
{
	assert_refused("a: &x 1\nb: 2\n",
		       "r.yaml:1:4: error: anchors (&x) are not allowed in records");
	assert_refused("a: &m\n  b: 1\n",
		       "r.yaml:1:4: error: anchors (&m) are not allowed in records");
	assert_refused("a: &s\n  - 1\n",
		       "r.yaml:1:4: error: anchors (&s) are not allowed in records");
	assert_refused("a: 1\nb: *x\n",
		       "r.yaml:2:4: error: aliases (*x) are not allowed in records");
	assert_refused("a: &x 1\nb: *x\n",
		       "r.yaml:1:4: error: anchors (&x) are not allowed in records");
	assert_refused("k:\n  - a\n  - *x\n",
		       "r.yaml:3:5: error: aliases (*x) are not allowed in records");
}

static void test_refuse_tag(void **state)
{
	assert_refused("a: !!str 1\n",
		       "r.yaml:1:4: error: tags (!!str) are not allowed in records");
	assert_refused("a: !custom x\n",
		       "r.yaml:1:4: error: tags (!custom) are not allowed in records");
	assert_refused("a: !!map\n  b: 1\n",
		       "r.yaml:1:4: error: tags (!!map) are not allowed in records");
	assert_refused("a: !!seq\n  - 1\n",
		       "r.yaml:1:4: error: tags (!!seq) are not allowed in records");
}

static void test_refuse_tab_indentation(void **state)
{
	assert_refused("a:\n\tb: 1\n",
		       "r.yaml:2:1: error: tab character in indentation; indent with spaces");
	assert_refused("a:\n  b:\n  \tc: 1\n",
		       "r.yaml:3:3: error: tab character in indentation; indent with spaces");
	/* A tab after the indentation is only a separator. */
	{
		struct ks_doc *doc = parse("a:\tb\nc: d\t# x\n");

		assert_string_equal(ks_map_get(ks_doc_root(doc), "a")->u.scalar.str,
				    "b");
		ks_doc_free(doc);
	}
}

/*
 * In a block scalar, what follows the block's indentation is content: a
 * tab there (a table pasted into notes) is text, not indentation.
 */
static void test_tab_inside_block_scalar_is_content(void **state)
{
	struct ks_doc *doc = parse("notes: |\n"
				   "  Tên\tSố lượng\n"
				   "  \tcột hai\n");
	const struct ks_node *v = ks_map_get(ks_doc_root(doc), "notes");

	assert_non_null(v);
	assert_string_equal(v->u.scalar.str, "Tên\tSố lượng\n\tcột hai\n");
	ks_doc_free(doc);
}

static void test_refuse_invalid_utf8(void **state)
{
	/* Columns count characters: "name: Việt " is 11. */
	assert_refused("a: b\nname: Vi\xe1\xbb\x87t \xff\n",
		       "r.yaml:2:12: error: invalid UTF-8 byte sequence; save the file as UTF-8");
	/* Latin-1, as an old editor would save "Đồng". */
	assert_refused("x: 1\ny: \xd0ong\n",
		       "r.yaml:2:4: error: invalid UTF-8 byte sequence; save the file as UTF-8");
	/* Overlong, surrogate, past U+10FFFF, cut short. */
	assert_refused("a: \xc0\xaf\n",
		       "r.yaml:1:4: error: invalid UTF-8 byte sequence; save the file as UTF-8");
	assert_refused("a: \xed\xa0\x80\n",
		       "r.yaml:1:4: error: invalid UTF-8 byte sequence; save the file as UTF-8");
	assert_refused("a: \xf4\x90\x80\x80\n",
		       "r.yaml:1:4: error: invalid UTF-8 byte sequence; save the file as UTF-8");
	assert_refused("a: x\xe1\xbb",
		       "r.yaml:1:5: error: invalid UTF-8 byte sequence; save the file as UTF-8");
	/* Even in a comment, and in a key. */
	assert_refused("# Vi\xff\na: 1\n",
		       "r.yaml:1:5: error: invalid UTF-8 byte sequence; save the file as UTF-8");
	assert_refused("k\xfe: 1\n",
		       "r.yaml:1:2: error: invalid UTF-8 byte sequence; save the file as UTF-8");
}

static void test_refuse_nul(void **state)
{
	static const char text[] = "a: b\nxã: d\0e\n";

	assert_refused_len(text, sizeof(text) - 1, KS_PARSE_RECORD,
			   "r.yaml:2:6: error: NUL byte in the file; save the file as UTF-8 text");
	/* Written as an escape, it is refused too, at the scalar. */
	assert_refused("a: \"x\\0y\"\n",
		       "r.yaml:1:4: error: text contains a NUL character");
}

static void test_refuse_documents(void **state)
{
	assert_refused("a: 1\n---\nb: 2\n",
		       "r.yaml:2:1: error: more than one YAML document in the file");
	assert_refused("---\na: 1\n---\na: 1\n",
		       "r.yaml:3:1: error: more than one YAML document in the file");
	/* A directive and markers around one document are fine. */
	{
		struct ks_doc *doc = parse("%YAML 1.2\n---\na: 1\n...\n");

		ks_doc_free(doc);
	}
}

static void test_refuse_root_not_mapping(void **state)
{
	assert_refused("- a\n- b\n",
		       "r.yaml:1:1: error: a record must be a mapping of field names to values");
	assert_refused("just text\n",
		       "r.yaml:1:1: error: a record must be a mapping of field names to values");
	assert_refused("\n\n  42\n",
		       "r.yaml:3:3: error: a record must be a mapping of field names to values");
	/* Without KS_PARSE_RECORD any root is fine. */
	{
		struct ks_doc *doc = parse_len("- a\n", 4, 0);

		assert_int_equal(ks_doc_root(doc)->kind, KS_NODE_SEQ);
		ks_doc_free(doc);
	}
}

static void test_refuse_empty(void **state)
{
	struct ks_doc *doc;

	assert_refused("",
		       "r.yaml: error: the file is empty; a record is a mapping of field names to values");
	assert_refused("# only a comment\n\n",
		       "r.yaml: error: the file is empty; a record is a mapping of field names to values");
	/* An empty document is a null, not a mapping. */
	assert_refused("---\n...\n",
		       "r.yaml:2:1: error: a record must be a mapping of field names to values");
	doc = parse_len("", 0, KS_PARSE_RECORD | KS_PARSE_ALLOW_EMPTY);
	assert_null(ks_doc_root(doc));
	ks_doc_free(doc);
	doc = parse_len("# x\n", 4, 0);
	assert_null(ks_doc_root(doc));
	ks_doc_free(doc);
}

static void test_refuse_too_deep(void **state)
{
	struct ks_buf b = KS_BUF_INIT;
	struct ks_doc *doc;
	int i;

	/* The root mapping and 63 lists: 64 levels, the limit. */
	ks_buf_puts(&b, "a: ");
	for (i = 0; i < KS_MAX_DEPTH - 1; i++)
		ks_buf_putc(&b, '[');
	for (i = 0; i < KS_MAX_DEPTH - 1; i++)
		ks_buf_putc(&b, ']');
	ks_buf_putc(&b, '\n');
	doc = parse(b.ptr);
	ks_doc_free(doc);
	/* One more: refused where the 65th level starts. */
	ks_buf_reset(&b);
	ks_buf_puts(&b, "a: ");
	for (i = 0; i < KS_MAX_DEPTH; i++)
		ks_buf_putc(&b, '[');
	for (i = 0; i < KS_MAX_DEPTH; i++)
		ks_buf_putc(&b, ']');
	ks_buf_putc(&b, '\n');
	assert_refused(b.ptr,
		       "r.yaml:1:67: error: nesting is deeper than the limit of 64 levels");
	/* Block style, mappings inside mappings. */
	ks_buf_reset(&b);
	for (i = 0; i <= KS_MAX_DEPTH; i++)
		ks_buf_addf(&b, "%*sk:\n", 2 * i, "");
	assert_refused(b.ptr,
		       "r.yaml:65:129: error: nesting is deeper than the limit of 64 levels");
	/* Far deeper input is refused just the same, without a crash. */
	ks_buf_reset(&b);
	ks_buf_puts(&b, "a: ");
	for (i = 0; i < 100000; i++)
		ks_buf_putc(&b, '[');
	assert_refused(b.ptr,
		       "r.yaml:1:67: error: nesting is deeper than the limit of 64 levels");
	ks_buf_release(&b);
}

static void test_refuse_malformed(void **state)
{
	assert_refused("a: [1, 2\n",
		       "r.yaml:2:1: error: the file cannot be read (YAML): a list in brackets [ ] is not closed with \"]\", or its items are not separated by commas (it began at line 1, column 4)");
	assert_refused("a: b: c\n",
		       "r.yaml:1:5: error: the file cannot be read (YAML): a colon (:) where this line cannot have one; put a value that holds \": \" in double quotes");
	assert_refused("a:\n  - b\n  c: d\n",
		       "r.yaml:3:3: error: the file cannot be read (YAML): a line inside a list does not start with \"- \" like the items around it (it began at line 2, column 3)");
	assert_refused("a: \"open\n",
		       "r.yaml:2:1: error: the file cannot be read (YAML): the file ends inside a value: a quote or a bracket is not closed (it began at line 1, column 4)");
	assert_refused("x: [a, b]\n{a: 1}: 2\n",
		       "r.yaml:2:1: error: a key must be plain text, not a mapping");
	assert_refused("[a]: 1\n",
		       "r.yaml:1:1: error: a key must be plain text, not a list");
}

static void test_refuse_too_large(void **state)
{
	size_t n = KS_MAX_RECORD_SIZE + 1;
	char *big = malloc(n);

	assert_non_null(big);
	memset(big, ' ', n);
	memcpy(big, "a: 1\n", 5);
	assert_refused_len(big, n, KS_PARSE_RECORD,
			   "r.yaml: error: file is larger than the limit of 16 MiB");
	free(big);
}

static void test_load_missing_file(void **state)
{
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_doc *doc = NULL;
	struct ks_buf b = KS_BUF_INIT;

	assert_int_equal(ks_doc_load(&doc, "/nonexistent/x.yaml",
				     "records/x.yaml", KS_PARSE_RECORD, &d),
			 KS_ENOTFOUND);
	assert_null(doc);
	assert_int_equal(d.n, 1);
	ks_diag_format(&b, &d.v[0]);
	assert_string_equal(b.ptr, "records/x.yaml: error: no such file");
	ks_buf_release(&b);
	ks_diags_release(&d);
}

static void test_load_names_the_display_path(void **state)
{
	char path[] = "/tmp/ks-unit-record-XXXXXX";
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_doc *doc = NULL;
	struct ks_buf b = KS_BUF_INIT;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "a: 1\na: 2\n", 10), 10);
	close(fd);
	assert_int_equal(ks_doc_load(&doc, path, "records/w/x.yaml",
				     KS_PARSE_RECORD, &d), KS_EINVALID);
	ks_diag_format(&b, &d.v[0]);
	assert_string_equal(b.ptr, "records/w/x.yaml:2:1: error: duplicate key \"a\"");
	ks_diags_release(&d);
	assert_int_equal(ks_doc_load(&doc, path, NULL, KS_PARSE_RECORD, &d),
			 KS_EINVALID);
	assert_string_equal(d.v[0].path, path);
	ks_diags_release(&d);
	ks_buf_release(&b);
	unlink(path);
}

/* ---- NFC ---- */

static void test_nfc_on_read(void **state)
{
	/* "Việt" in NFD: e, combining dot below, combining circumflex. */
	struct ks_doc *doc = parse("Vie\xcc\xa3\xcc\x82t: Vie\xcc\xa3\xcc\x82t Nam\n"
				   "l:\n  - \"Ho\xcc\x9b\xcc\x80\"\n");
	const struct ks_node *root = ks_doc_root(doc), *v;
	char *out;

	assert_string_equal(root->u.map.v[0].key, "Vi\xe1\xbb\x87t");
	assert_int_equal(root->u.map.v[0].key_len, strlen("Vi\xe1\xbb\x87t"));
	v = ks_map_get(root, "Vi\xe1\xbb\x87t");
	assert_non_null(v);
	assert_string_equal(v->u.scalar.str, "Việt Nam");
	assert_int_equal(v->u.scalar.len, strlen("Việt Nam"));
	v = ks_map_get(root, "l")->u.seq.v[0];
	assert_string_equal(v->u.scalar.str, "Hờ");
	out = write_doc(root, NULL, NULL);
	assert_string_equal(out, "Việt: Việt Nam\nl:\n  - Hờ\n");
	ks_free(out);
	ks_doc_free(doc);
}

/* ---- scalar resolution ---- */

static struct ks_node *scalar(struct ks_doc *doc, const char *s, int quoted)
{
	struct ks_node *n = ks_node_scalar(doc, s, strlen(s), (unsigned)quoted);

	assert_non_null(n);
	return n;
}

static void assert_type(struct ks_doc *doc, const char *s,
			enum ks_scalar_type want)
{
	enum ks_scalar_type got = ks_scalar_type(scalar(doc, s, 0));

	if (got != want)
		print_message("\"%s\": type %d, expected %d\n", s, got, want);
	assert_int_equal(got, want);
}

static void test_scalar_types(void **state)
{
	struct ks_doc *doc = ks_doc_new(NULL);
	struct ks_doc *p;
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL", NULL };
	static const char *const bools[] = { "true", "True", "TRUE", "false",
					     "False", "FALSE", NULL };
	static const char *const ints[] = { "0", "42", "-3", "+12", "012",
					    "0x1f", "0x1F", "0o17", NULL };
	static const char *const floats[] = { "1.5", "1e3", "1E3", "-1.5e-3",
					      "1.", ".5", "+.5", ".inf", ".Inf",
					      ".INF", "-.inf", "-.Inf", "+.inf",
					      ".nan", ".NaN", ".NAN", NULL };
	static const char *const strings[] = {
		"yes", "no", "on", "off", "y", "n", "tRUE", "nULL", "nil",
		"0b101", "1_000", "1:30", "0O17", "0X1F", "-0x1f", "0x", "0o",
		"0o8", "0xg", "e3", "1e", "1.2.3", ".", "-", "+", "-.nan",
		".infinity", "2024-03-15", "0912 345 678", "Mỹ Đồng", NULL,
	};
	size_t i;

	for (i = 0; nulls[i]; i++)
		assert_type(doc, nulls[i], KS_SCALAR_NULL);
	for (i = 0; bools[i]; i++)
		assert_type(doc, bools[i], KS_SCALAR_BOOL);
	for (i = 0; ints[i]; i++)
		assert_type(doc, ints[i], KS_SCALAR_INT);
	for (i = 0; floats[i]; i++)
		assert_type(doc, floats[i], KS_SCALAR_FLOAT);
	for (i = 0; strings[i]; i++)
		assert_type(doc, strings[i], KS_SCALAR_STRING);
	/* Quoted, anything is a string; "" is a string, plain empty null. */
	assert_int_equal(ks_scalar_type(scalar(doc, "42", 1)), KS_SCALAR_STRING);
	assert_int_equal(ks_scalar_type(scalar(doc, "true", 1)), KS_SCALAR_STRING);
	assert_int_equal(ks_scalar_type(scalar(doc, "", 1)), KS_SCALAR_STRING);
	assert_int_equal(ks_scalar_type(scalar(doc, "~", 1)), KS_SCALAR_STRING);
	/* From a parse: an empty value and "" differ. */
	p = parse("a:\nb: \"\"\nc: ''\n");
	assert_int_equal(ks_scalar_type(ks_map_get(ks_doc_root(p), "a")),
			 KS_SCALAR_NULL);
	assert_int_equal(ks_scalar_type(ks_map_get(ks_doc_root(p), "b")),
			 KS_SCALAR_STRING);
	assert_int_equal(ks_scalar_type(ks_map_get(ks_doc_root(p), "c")),
			 KS_SCALAR_STRING);
	ks_doc_free(p);
	ks_doc_free(doc);
}

static void assert_number(struct ks_doc *doc, const char *s, double want)
{
	double got = -12345;

	assert_int_equal(ks_scalar_number(scalar(doc, s, 0), &got), 0);
	if (got != want)
		print_message("\"%s\" read as %g, expected %g\n", s, got, want);
	assert_true(got == want);
}

static void test_scalar_numbers(void **state)
{
	struct ks_doc *doc = ks_doc_new(NULL);
	double v = 0;

	assert_number(doc, "0x1f", 31);
	assert_number(doc, "0x1F", 31);
	assert_number(doc, "0o17", 15);
	assert_number(doc, "1e3", 1000);
	assert_number(doc, "-1.5e-3", -0.0015);
	assert_number(doc, "42", 42);
	assert_number(doc, "-3", -3);
	assert_number(doc, "+12", 12);
	assert_number(doc, "012", 12);
	assert_number(doc, ".5", 0.5);
	assert_number(doc, "1.", 1);
	assert_number(doc, "96500000000", 96500000000.0);
	assert_number(doc, ".inf", INFINITY);
	assert_number(doc, ".Inf", INFINITY);
	assert_number(doc, "+.inf", INFINITY);
	assert_number(doc, "-.Inf", -INFINITY);
	assert_number(doc, "-.INF", -INFINITY);
	assert_int_equal(ks_scalar_number(scalar(doc, ".nan", 0), &v), 0);
	assert_true(isnan(v));
	assert_int_equal(ks_scalar_number(scalar(doc, ".NaN", 0), &v), 0);
	assert_true(isnan(v));
	/* Not numbers. */
	assert_int_equal(ks_scalar_number(scalar(doc, "1", 1), &v), -1);
	assert_int_equal(ks_scalar_number(scalar(doc, "1_000", 0), &v), -1);
	assert_int_equal(ks_scalar_number(scalar(doc, "true", 0), &v), -1);
	assert_int_equal(ks_scalar_number(scalar(doc, "~", 0), &v), -1);
	assert_int_equal(ks_scalar_number(scalar(doc, "", 0), &v), -1);
	assert_int_equal(ks_scalar_number(scalar(doc, "-.nan", 0), &v), -1);
	assert_int_equal(ks_scalar_number(ks_node_map(doc), &v), -1);
	ks_doc_free(doc);
}

static void test_scalar_bools(void **state)
{
	struct ks_doc *doc = ks_doc_new(NULL);

	assert_int_equal(ks_scalar_bool(scalar(doc, "true", 0)), 1);
	assert_int_equal(ks_scalar_bool(scalar(doc, "True", 0)), 1);
	assert_int_equal(ks_scalar_bool(scalar(doc, "TRUE", 0)), 1);
	assert_int_equal(ks_scalar_bool(scalar(doc, "false", 0)), 0);
	assert_int_equal(ks_scalar_bool(scalar(doc, "False", 0)), 0);
	assert_int_equal(ks_scalar_bool(scalar(doc, "FALSE", 0)), 0);
	assert_int_equal(ks_scalar_bool(scalar(doc, "yes", 0)), -1);
	assert_int_equal(ks_scalar_bool(scalar(doc, "on", 0)), -1);
	assert_int_equal(ks_scalar_bool(scalar(doc, "tRUE", 0)), -1);
	assert_int_equal(ks_scalar_bool(scalar(doc, "true", 1)), -1);
	assert_int_equal(ks_scalar_bool(scalar(doc, "1", 0)), -1);
	assert_int_equal(ks_scalar_bool(scalar(doc, "", 0)), -1);
	ks_doc_free(doc);
}

/* ---- trees ---- */

static void test_node_equal(void **state)
{
	struct ks_doc *a = parse("x: 1\ny:\n  - a\n  - b: c\nz: {}\n");
	struct ks_doc *b = parse("z: {}\ny: [a, {b: c}]\nx: 1\n");
	struct ks_doc *c;

	/* Key order and style do not matter; positions do not either. */
	assert_true(ks_node_equal(ks_doc_root(a), ks_doc_root(b)));
	assert_true(ks_node_equal(ks_doc_root(b), ks_doc_root(a)));
	assert_true(ks_node_equal(ks_doc_root(a), ks_doc_root(a)));
	/* Quoting does. */
	c = parse("x: \"1\"\ny: [a, {b: c}]\nz: {}\n");
	assert_false(ks_node_equal(ks_doc_root(a), ks_doc_root(c)));
	ks_doc_free(c);
	/* Item order does. */
	c = parse("x: 1\ny: [{b: c}, a]\nz: {}\n");
	assert_false(ks_node_equal(ks_doc_root(a), ks_doc_root(c)));
	ks_doc_free(c);
	/* A missing or an extra key does, both ways. */
	c = parse("x: 1\ny: [a, {b: c}]\n");
	assert_false(ks_node_equal(ks_doc_root(a), ks_doc_root(c)));
	assert_false(ks_node_equal(ks_doc_root(c), ks_doc_root(a)));
	ks_doc_free(c);
	c = parse("x: 1\ny: [a, {b: c}]\nw: {}\n");
	assert_false(ks_node_equal(ks_doc_root(a), ks_doc_root(c)));
	assert_false(ks_node_equal(ks_doc_root(c), ks_doc_root(a)));
	ks_doc_free(c);
	/* Kinds do: {} is not []. */
	c = parse("x: 1\ny: [a, {b: c}]\nz: []\n");
	assert_false(ks_node_equal(ks_doc_root(a), ks_doc_root(c)));
	ks_doc_free(c);
	/* A prefix of a string is not equal. */
	c = parse("x: 10\ny: [a, {b: c}]\nz: {}\n");
	assert_false(ks_node_equal(ks_doc_root(a), ks_doc_root(c)));
	assert_false(ks_node_equal(ks_doc_root(c), ks_doc_root(a)));
	ks_doc_free(c);
	ks_doc_free(a);
	ks_doc_free(b);
}

static void test_node_clone(void **state)
{
	struct ks_doc *a = parse("tên: Mỹ Đồng\nl:\n  - 1\n  - k: \"v\"\nm: {}\n");
	struct ks_doc *b = ks_doc_new("copy.yaml");
	struct ks_doc *ref = parse("tên: Mỹ Đồng\nl:\n  - 1\n  - k: \"v\"\nm: {}\n");
	struct ks_node *copy;
	const struct ks_pair *p;
	char *out;

	copy = ks_node_clone(b, ks_doc_root(a));
	assert_non_null(copy);
	ks_doc_set_root(b, copy);
	/* The copy lives on after the original is gone. */
	ks_doc_free(a);
	assert_true(ks_node_equal(ks_doc_root(b), ks_doc_root(ref)));
	p = ks_map_pair(ks_doc_root(b), "l");
	assert_pos(p->line, p->col, 2, 1);
	assert_pos(p->value->u.seq.v[1]->line, p->value->u.seq.v[1]->col, 4, 5);
	assert_string_equal(ks_doc_path(b), "copy.yaml");
	out = write_doc(ks_doc_root(b), NULL, NULL);
	assert_string_equal(out, "l:\n  - 1\n  - k: v\nm: {}\ntên: Mỹ Đồng\n");
	ks_free(out);
	/* Changing the copy leaves the reference alone. */
	assert_int_equal(ks_map_set(b, copy, "m", scalar(b, "x", 0)), 0);
	assert_false(ks_node_equal(ks_doc_root(b), ks_doc_root(ref)));
	ks_doc_free(b);
	ks_doc_free(ref);
}

static void test_map_set_remove(void **state)
{
	struct ks_doc *doc = ks_doc_new(NULL);
	struct ks_node *m = ks_node_map(doc), *seq = ks_node_seq(doc);
	char *out;
	int i;

	assert_non_null(m);
	ks_doc_set_root(doc, m);
	assert_int_equal(ks_map_set(doc, m, "b", scalar(doc, "1", 0)), 0);
	assert_int_equal(ks_map_set(doc, m, "a", scalar(doc, "2", 0)), 0);
	/* NFD key: stored, and found, as NFC. */
	assert_int_equal(ks_map_set(doc, m, "Vie\xcc\xa3\xcc\x82t",
				    scalar(doc, "Vie\xcc\xa3\xcc\x82t", 1)), 0);
	assert_string_equal(m->u.map.v[2].key, "Việt");
	assert_string_equal(ks_map_get(m, "Việt")->u.scalar.str, "Việt");
	/* Replacing keeps the place and the count. */
	assert_int_equal(ks_map_set(doc, m, "b", scalar(doc, "3", 0)), 0);
	assert_int_equal(m->u.map.n, 3);
	assert_string_equal(m->u.map.v[0].key, "b");
	assert_string_equal(ks_map_get(m, "b")->u.scalar.str, "3");
	/* Setting "Việt" in NFC replaces the NFD one. */
	assert_int_equal(ks_map_set(doc, m, "Việt", scalar(doc, "x", 0)), 0);
	assert_int_equal(m->u.map.n, 3);
	out = write_doc(m, NULL, NULL);
	/* Byte order: "V" comes before "a". */
	assert_string_equal(out, "Việt: x\na: 2\nb: 3\n");
	ks_free(out);
	/* Many keys: the array grows. */
	for (i = 0; i < 50; i++) {
		char k[16];

		snprintf(k, sizeof(k), "k%02d", i);
		assert_int_equal(ks_map_set(doc, m, k, scalar(doc, k, 0)), 0);
	}
	assert_int_equal(m->u.map.n, 53);
	assert_string_equal(ks_map_get(m, "k49")->u.scalar.str, "k49");
	/* Removing. */
	assert_int_equal(ks_map_remove(m, "k10"), 1);
	assert_int_equal(ks_map_remove(m, "k10"), 0);
	assert_int_equal(ks_map_remove(m, "absent"), 0);
	assert_null(ks_map_get(m, "k10"));
	assert_int_equal(m->u.map.n, 52);
	assert_string_equal(m->u.map.v[12].key, "k09");
	assert_string_equal(m->u.map.v[13].key, "k11");
	assert_int_equal(ks_map_remove(m, "k49"), 1);
	assert_int_equal(ks_map_remove(m, "b"), 1);
	assert_string_equal(m->u.map.v[0].key, "a");
	/* Not a mapping. */
	assert_int_equal(ks_map_set(doc, seq, "a", scalar(doc, "1", 0)), -1);
	assert_int_equal(ks_map_remove(seq, "a"), 0);
	assert_null(ks_map_get(seq, "a"));
	assert_null(ks_map_pair(NULL, "a"));
	ks_doc_free(doc);
}

static void test_seq_push_and_build(void **state)
{
	struct ks_doc *doc = ks_doc_new(NULL);
	struct ks_node *root = ks_node_map(doc), *seq = ks_node_seq(doc),
		       *item = ks_node_map(doc);
	char *out;
	int i;

	ks_doc_set_root(doc, root);
	for (i = 0; i < 20; i++) {
		char s[8];

		snprintf(s, sizeof(s), "%d", i);
		assert_int_equal(ks_seq_push(doc, seq, scalar(doc, s, 0)), 0);
	}
	assert_int_equal(seq->u.seq.n, 20);
	assert_string_equal(seq->u.seq.v[19]->u.scalar.str, "19");
	assert_int_equal(ks_seq_push(doc, root, scalar(doc, "x", 0)), -1);
	seq->u.seq.n = 2;
	assert_int_equal(ks_map_set(doc, item, "phone",
				    scalar(doc, "0912345678", 1)), 0);
	assert_int_equal(ks_seq_push(doc, seq, item), 0);
	assert_int_equal(ks_map_set(doc, root, "l", seq), 0);
	assert_int_equal(ks_map_set(doc, root, "id", scalar(doc, "md01-0001", 1)), 0);
	/* Built nodes have no position. */
	assert_pos(seq->line, seq->col, 0, 0);
	assert_pos(root->u.map.v[0].line, root->u.map.v[0].col, 0, 0);
	out = write_doc(root, NULL, NULL);
	assert_string_equal(out, "id: md01-0001\n"
				 "l:\n"
				 "  - 0\n"
				 "  - 1\n"
				 "  - phone: \"0912345678\"\n");
	ks_free(out);
	/* Strings that are not UTF-8 or hold a NUL are refused. */
	assert_null(ks_node_scalar(doc, "\xff", 1, 0));
	assert_null(ks_node_scalar(doc, "a\0b", 3, 0));
	ks_doc_free(doc);
	/* Documents: path, alloc, free(NULL). */
	doc = ks_doc_new("x.yaml");
	assert_string_equal(ks_doc_path(doc), "x.yaml");
	assert_null(ks_doc_root(doc));
	assert_non_null(ks_doc_alloc(doc, 100000));
	assert_non_null(ks_doc_alloc(doc, 10));
	ks_doc_free(doc);
	ks_doc_free(NULL);
}

/* ---- ks_plain_string_ok ---- */

static void test_plain_string_ok(void **state)
{
	static const char *const ok[] = {
		"hello", "Nguyễn Thị Hoa", "a-b", "x#y", "a:b", "md01-0001",
		"2 tấn/mẻ", "say \"hi\"", "a\\b", "3 apples",
		"Đúc gang", "x-", "a,b", "a]", "trade_group", NULL,
	};
	static const char *const quote[] = {
		"", " x", "x ", "0912345678", "no", "No", "NO", "yes", "Yes",
		"on", "off", "y", "Y", "n", "~", "null", "Null", "true", "False",
		"2024-03-15", "1e3", "1.5", "42", "-3", "+1", ".5", "0x1f",
		"0o17", "1_000", "12:30", "0b101", "- x", "-", "a: b", "#x",
		"x #y", "x:", "---", "...", "[a", "]", "{", "}", "&a", "*a",
		"!a", "|", ">", "'a", "\"a", "%a", "@a", "`a", "?", "? x",
		":x", ",a", "a\nb", "a\tb", "\x01", "<<", "=", ".inf", "-.inf",
		".nan", "a\xc2\x85" "b", "a\xe2\x80\xa8" "b", "\xef\xbb\xbf" "a",
		NULL,
	};
	size_t i;

	for (i = 0; ok[i]; i++) {
		if (!ks_plain_string_ok(ok[i], strlen(ok[i])))
			print_message("should be plain: \"%s\"\n", ok[i]);
		assert_true(ks_plain_string_ok(ok[i], strlen(ok[i])));
	}
	for (i = 0; quote[i]; i++) {
		if (ks_plain_string_ok(quote[i], strlen(quote[i])))
			print_message("should be quoted: \"%s\"\n", quote[i]);
		assert_false(ks_plain_string_ok(quote[i], strlen(quote[i])));
	}
}

/*
 * Codes that start with a digit but are no number, date or time under YAML
 * 1.2 or 1.1 may be plain, as the contract says; the sample records write
 * them so (application_number: 4-2019-32741).
 */
static void test_plain_string_ok_codes(void **state)
{
	static const char *const ok[] = {
		"27/GPMT-UBND", "4-2019-32741", "1204/QĐ-SHTT", "09/QĐ-HTX",
		NULL,
	};
	size_t i;

	for (i = 0; ok[i]; i++) {
		if (!ks_plain_string_ok(ok[i], strlen(ok[i])))
			print_message("should be plain: \"%s\"\n", ok[i]);
		assert_true(ks_plain_string_ok(ok[i], strlen(ok[i])));
	}
}

/* Every string the writer emits reads back as the same string. */
static void test_written_strings_read_back(void **state)
{
	static const char *const strings[] = {
		"0912345678", "no", "yes", "true", "null", "~", "2024-03-15",
		"1e3", "- x", "a: b", "#x", "x #y", " x", "x ", "", "say \"hi\"",
		"a\\b", "\"q\"", "\\", "a\tb", "a\nb", "a\n", "a\n\n", "\na",
		" a\nb", "x\x01y", "Mỹ Đồng", "-", "?", ":", "[]", "{}", "a\rb",
		"\xc2\xa0x", "a\xe2\x80\xa8" "b", "\xef\xbb\xbf" "a", "<<", "=",
		NULL,
	};
	size_t i;

	for (i = 0; strings[i]; i++) {
		struct ks_doc *doc = ks_doc_new(NULL), *back;
		struct ks_node *m = ks_node_map(doc);
		const struct ks_node *v;
		char *out;

		ks_map_set(doc, m, "k", scalar(doc, strings[i], 1));
		out = write_doc(m, NULL, NULL);
		back = parse(out);
		v = ks_map_get(ks_doc_root(back), "k");
		if (!v || strcmp(v->u.scalar.str, strings[i]) ||
		    ks_scalar_type(v) != KS_SCALAR_STRING)
			print_message("\"%s\" was written as:\n%s\n", strings[i],
				      out);
		assert_non_null(v);
		assert_string_equal(v->u.scalar.str, strings[i]);
		assert_int_equal(ks_scalar_type(v), KS_SCALAR_STRING);
		ks_free(out);
		ks_doc_free(back);
		ks_doc_free(doc);
	}
}

/* ---- running out of memory ---- */

static void test_out_of_memory(void **state)
{
	struct ks_buf path = KS_BUF_INIT, text = KS_BUF_INIT, want = KS_BUF_INIT;
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_doc *doc = NULL;
	long n;
	int done = 0;

	ks_buf_addf(&path, "%s/samples/records/workshop/md01/000/md01-0001.yaml",
		    top());
	assert_int_equal(ks_buf_read_file(&text, path.ptr, 0), 0);
	assert_int_equal(ks_doc_parse(&doc, "w.yaml", text.ptr, text.len,
				      KS_PARSE_RECORD, &d), 0);
	assert_int_equal(ks_doc_write(&want, ks_doc_root(doc), NULL, NULL), 0);
	ks_doc_free(doc);
	for (n = 0; !done && n < 100000; n++) {
		struct ks_buf out = KS_BUF_INIT;
		int err;

		ks_diags_init(&d);
		doc = (struct ks_doc *)&d;
		ks_alloc_fail_after(n);
		err = ks_doc_parse(&doc, "w.yaml", text.ptr, text.len,
				   KS_PARSE_RECORD, &d);
		if (err) {
			ks_alloc_fail_after(-1);
			if (err != -1)
				show_diags(&d);
			assert_int_equal(err, -1);
			assert_null(doc);
			ks_diags_release(&d);
			continue;
		}
		err = ks_doc_write(&out, ks_doc_root(doc), NULL, NULL);
		ks_alloc_fail_after(-1);
		if (!err) {
			assert_int_equal(out.len, want.len);
			assert_memory_equal(out.ptr, want.ptr, want.len);
			done = 1;
		} else {
			assert_int_equal(err, -1);
		}
		ks_buf_release(&out);
		ks_doc_free(doc);
		ks_diags_release(&d);
	}
	ks_alloc_fail_after(-1);
	print_message("succeeded after %ld failed allocations\n", n - 1);
	assert_true(done);
	assert_true(n > 10);
	ks_buf_release(&path);
	ks_buf_release(&text);
	ks_buf_release(&want);
}

/* Refusals unwind cleanly too when memory runs out on the way. */
static void test_out_of_memory_on_errors(void **state)
{
	static const char *const bad[] = {
		"a: 1\nb: 2\na: 3\n", "a: &x 1\n", "a: [1, 2\n",
		"x: 1\n---\ny: 2\n", "- a\n",
	};
	size_t i;
	long n;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		for (n = 0; n < 200; n++) {
			struct ks_diags d = KS_DIAGS_INIT;
			struct ks_doc *doc = (struct ks_doc *)&d;
			int err;

			ks_alloc_fail_after(n);
			err = ks_doc_parse(&doc, "r.yaml", bad[i], strlen(bad[i]),
					   KS_PARSE_RECORD, &d);
			ks_alloc_fail_after(-1);
			assert_true(err == -1 || err == KS_EINVALID);
			assert_null(doc);
			assert_true(d.errors > 0 || err == -1);
			ks_diags_release(&d);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_canonical_nested_maps),
		cmocka_unit_test(test_canonical_lists_of_maps),
		cmocka_unit_test(test_canonical_lists_of_scalars),
		cmocka_unit_test(test_canonical_empty_collections),
		cmocka_unit_test(test_canonical_multiline),
		cmocka_unit_test(test_canonical_quoted_strings),
		cmocka_unit_test(test_canonical_plain_scalars),
		cmocka_unit_test(test_canonical_key_order_and_style),
		cmocka_unit_test(test_write_with_layout),
		cmocka_unit_test(test_write_roots),
		cmocka_unit_test(test_samples_are_canonical),
		cmocka_unit_test(test_samples_round_trip_without_schema),
		cmocka_unit_test(test_positions),
		cmocka_unit_test(test_positions_crlf),
		cmocka_unit_test(test_bom_is_not_content),
		cmocka_unit_test(test_refuse_duplicate_key),
		cmocka_unit_test(test_refuse_duplicate_key_in_big_map),
		cmocka_unit_test(test_refuse_anchor_alias),
		cmocka_unit_test(test_refuse_tag),
		cmocka_unit_test(test_refuse_tab_indentation),
		cmocka_unit_test(test_tab_inside_block_scalar_is_content),
		cmocka_unit_test(test_refuse_invalid_utf8),
		cmocka_unit_test(test_refuse_nul),
		cmocka_unit_test(test_refuse_documents),
		cmocka_unit_test(test_refuse_root_not_mapping),
		cmocka_unit_test(test_refuse_empty),
		cmocka_unit_test(test_refuse_too_deep),
		cmocka_unit_test(test_refuse_malformed),
		cmocka_unit_test(test_refuse_too_large),
		cmocka_unit_test(test_load_missing_file),
		cmocka_unit_test(test_load_names_the_display_path),
		cmocka_unit_test(test_nfc_on_read),
		cmocka_unit_test(test_scalar_types),
		cmocka_unit_test(test_scalar_numbers),
		cmocka_unit_test(test_scalar_bools),
		cmocka_unit_test(test_node_equal),
		cmocka_unit_test(test_node_clone),
		cmocka_unit_test(test_map_set_remove),
		cmocka_unit_test(test_seq_push_and_build),
		cmocka_unit_test(test_plain_string_ok),
		cmocka_unit_test(test_plain_string_ok_codes),
		cmocka_unit_test(test_written_strings_read_back),
		cmocka_unit_test(test_out_of_memory),
		cmocka_unit_test(test_out_of_memory_on_errors),
	};

	KS_RUN_TESTS(tests);
}
