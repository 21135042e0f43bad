/*
 * Unit tests for core/vnkey.h: the keys under which two spellings of one
 * Vietnamese name, phone number or tax code compare equal, and those under
 * which different ones stay apart; then the same keys at work in the pairs
 * and the search of core/dupes.h.
 */
#include "unit.h"

#include "alloc.h"
#include "buf.h"
#include "diag.h"
#include "dupes.h"
#include "record.h"
#include "vnkey.h"

#include <string.h>

enum which { EXACT, LOOSE, LOOSE_KEEP, COMMUNE, PHONE, TAXCODE };

static int key(struct ks_buf *out, enum which w, const char *s)
{
	ks_buf_reset(out);
	switch (w) {
	case EXACT:
		return ks_vnkey_exact(out, s, strlen(s));
	case LOOSE:
		return ks_vnkey_loose(out, s, strlen(s), 0);
	case LOOSE_KEEP:
		return ks_vnkey_loose(out, s, strlen(s), KS_VNKEY_KEEP_LEGAL);
	case COMMUNE:
		return ks_vnkey_commune(out, s, strlen(s));
	case PHONE:
		return ks_vnkey_phone(out, s, strlen(s));
	case TAXCODE:
		return ks_vnkey_taxcode(out, s, strlen(s));
	}
	return -1;
}

static void assert_key(enum which w, const char *s, const char *want)
{
	struct ks_buf b = KS_BUF_INIT;
	int err = key(&b, w, s);

	if (err || strcmp(b.ptr, want))
		print_message("key %d of \"%s\": %d \"%s\", wanted \"%s\"\n",
			      (int)w, s, err, b.ptr, want);
	assert_int_equal(err, 0);
	assert_string_equal(b.ptr, want);
	ks_buf_release(&b);
}

static void assert_no_key(enum which w, const char *s)
{
	struct ks_buf b = KS_BUF_INIT;
	int err = key(&b, w, s);

	if (err != KS_EINVALID)
		print_message("key %d of \"%s\" should be refused: %d \"%s\"\n",
			      (int)w, s, err, b.ptr);
	assert_int_equal(err, KS_EINVALID);
	ks_buf_release(&b);
}

/* The same key for every spelling in the NULL-terminated list. */
static void assert_same(enum which w, const char *const *spellings)
{
	struct ks_buf first = KS_BUF_INIT, b = KS_BUF_INIT;
	size_t i;

	assert_int_equal(key(&first, w, spellings[0]), 0);
	for (i = 1; spellings[i]; i++) {
		assert_int_equal(key(&b, w, spellings[i]), 0);
		if (strcmp(first.ptr, b.ptr))
			print_message("\"%s\" -> \"%s\" but \"%s\" -> \"%s\"\n",
				      spellings[0], first.ptr, spellings[i], b.ptr);
		assert_string_equal(first.ptr, b.ptr);
	}
	ks_buf_release(&first);
	ks_buf_release(&b);
}

static void test_exact_tone_placement(void **state)
{
	/* old style (mark on the first vowel) and new style give one key */
	static const char *const thuy[] = { "Thủy", "Thuỷ", "THỦY", "thuỷ", NULL };
	static const char *const hoa[] = { "Hòa Bình", "Hoà Bình", "HOÀ  BÌNH", NULL };
	static const char *const khoe[] = { "khỏe", "khoẻ", NULL };
	static const char *const nguyen[] = {
		"Thủy Nguyên", "Thuỷ Nguyên", "Thu\xcc\x89y Nguye\xcc\x82n",
		"Thuy\xcc\x89 Nguyên", NULL,
	};

	assert_same(EXACT, thuy);
	assert_same(EXACT, hoa);
	assert_same(EXACT, khoe);
	assert_same(EXACT, nguyen);
	/* the school rule: the main vowel of oa, oe, uy */
	assert_key(EXACT, "Thủy", "thuỷ");
	assert_key(EXACT, "Hòa", "hoà");
	assert_key(EXACT, "khỏe", "khoẻ");
	/* a consonant after the pair: the second vowel in both styles */
	assert_key(EXACT, "hòang", "hoàng");
	assert_key(EXACT, "Hoàng", "hoàng");
	assert_key(EXACT, "tóan", "toán");
	/* pairs that are not glides keep the first vowel */
	assert_key(EXACT, "maí", "mái");
	assert_key(EXACT, "muà", "mùa");
	assert_key(EXACT, "miá", "mía");
	/* a vowel with its own mark takes the tone; ươ on the ơ */
	assert_key(EXACT, "ngừơi", "người");
	assert_key(EXACT, "Người", "người");
	assert_key(EXACT, "rựơu", "rượu");
	assert_key(EXACT, "Việt", "việt");
	assert_key(EXACT, "thuở", "thuở");
	assert_key(EXACT, "cứu", "cứu");
	/* three vowels: the middle one */
	assert_key(EXACT, "ngòai", "ngoài");
	assert_key(EXACT, "khủyu", "khuỷu");
	/* qu- and gi- are consonants before a vowel */
	assert_key(EXACT, "Quý", "quý");
	assert_key(EXACT, "quả", "quả");
	assert_key(EXACT, "già", "già");
	assert_key(EXACT, "gìn", "gìn");
	assert_key(EXACT, "giữa", "giữa");
	assert_key(EXACT, "Quỳnh", "quỳnh");
	/* not a Vietnamese syllable: left as it is */
	assert_key(EXACT, "Café", "café");
	assert_key(EXACT, "naïve", "naïve");
}

static void test_exact_unicode_forms(void **state)
{
	/* NFC, NFD (dot below before the circumflex) and "tổ hợp" */
	static const char *const viet[] = {
		"Việt Đức", "Vie\xcc\xa3\xcc\x82t Đức",
		"Vi\xc3\xaa\xcc\xa3t Đức", "VIỆT ĐỨC", NULL,
	};
	/* Eth typed for Đ */
	static const char *const dong[] = { "Mỹ Đồng", "Mỹ \xc3\x90ồng", "mỹ đồng", NULL };
	/* blanks and zero-width characters */
	static const char *const blank[] = {
		"Mỹ Đồng", "  Mỹ   Đồng ", "Mỹ\tĐồng", "Mỹ Đ\xe2\x80\x8bồng",
		"Mỹ\xc2\xa0Đồng", "\xef\xbb\xbfMỹ Đồng", NULL,
	};

	assert_same(EXACT, viet);
	assert_same(EXACT, dong);
	assert_same(EXACT, blank);
	assert_key(EXACT, "Mỹ Đồng", "mỹ đồng");
	assert_key(EXACT, "", "");
	assert_key(EXACT, "Thôn 7, Cụm KCN", "thôn 7, cụm kcn");
	/* exact keeps what loose drops */
	assert_key(EXACT, "Mĩ Đồng", "mĩ đồng");
	assert_no_key(EXACT, "M\xff");
	assert_no_key(EXACT, "\xc3");
}

static void test_exact_keeps_apart(void **state)
{
	static const char *const pairs[][2] = {
		{ "Thủy", "Thùy" }, { "Hòa", "Hóa" }, { "Đồng", "Dong" },
		{ "Mỹ", "Mĩ" }, { "Cty Thành Phương", "Công ty TNHH Thành Phương" },
	};
	struct ks_buf a = KS_BUF_INIT, b = KS_BUF_INIT;
	size_t i;

	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		assert_int_equal(key(&a, EXACT, pairs[i][0]), 0);
		assert_int_equal(key(&b, EXACT, pairs[i][1]), 0);
		assert_string_not_equal(a.ptr, b.ptr);
	}
	ks_buf_release(&a);
	ks_buf_release(&b);
}

static void test_loose(void **state)
{
	static const char *const tp[] = {
		"Công ty TNHH Cơ khí đúc Thành Phương",
		"Cty Cơ khí đúc Thành Phương",
		"CÔNG TY TRÁCH NHIỆM HỮU HẠN CƠ KHÍ ĐÚC THÀNH PHƯƠNG",
		"Co khi duc Thanh Phuong Co., Ltd",
		"Công ty TNHH MTV Cơ khí đúc Thành Phương",
		"Cơ khí  đúc \"Thành-Phương\"",
		"Co\xcc\x82ng ty TNHH Co\xcc\x9b khi\xcc\x81 \xc4\x91u\xcc\x81" "c Tha\xcc\x80nh Phu\xcc\x9bo\xcc\x9bng",
		NULL,
	};
	static const char *const htx[] = {
		"HTX Cơ khí Thiên Hương", "Hợp tác xã Cơ khí Thiên Hương",
		"Cơ sở Cơ khí Thiên Hương", "Hộ kinh doanh Cơ khí Thiên Hương",
		NULL,
	};

	assert_same(LOOSE, tp);
	assert_same(LOOSE, htx);
	assert_key(LOOSE, tp[0], "co khi duc thanh phuong");
	assert_key(LOOSE, "Đúc ĐỒNG Ðông", "duc dong dong");
	assert_key(LOOSE, "Doanh nghiệp tư nhân Đúc thép Hải Long", "duc thep hai long");
	assert_key(LOOSE, "Tổ hợp tác Đúc đồng mỹ nghệ thôn 3", "duc dong my nghe thon 3");
	assert_key(LOOSE, "Công ty cổ phần Cơ khí đúc Bạch Long", "co khi duc bach long");
	/* legal words only as whole words */
	assert_key(LOOSE, "Cơ Sơn Hà", "co son ha");
	assert_key(LOOSE, "Hồ Văn Tư", "ho van tu");
	assert_key(LOOSE, "Thép CPT", "thep cpt");
	assert_key(LOOSE, "Công ty TNHH", "");
	assert_key(LOOSE_KEEP, "Công ty TNHH Đúc", "cong ty tnhh duc");
	assert_key(LOOSE, "Phư\xe2\x80\x8bơng", "phuong");
	assert_key(LOOSE, "ﬁ Ｍỹ", "fi my");
	assert_no_key(LOOSE, "\xed\xa0\x80");
}

static void test_commune(void **state)
{
	static const char *const md[] = {
		"Mỹ Đồng", "xã Mỹ Đồng", "Xã Mỹ Đồng", "MỸ ĐỒNG", "mỹ  đồng", NULL,
	};

	assert_same(COMMUNE, md);
	assert_key(COMMUNE, "Phường Thiên Hương", "thien huong");
	assert_key(COMMUNE, "thị trấn Núi Đèo", "nui deo");
	/* a bare unit word is the name */
	assert_key(COMMUNE, "Xã", "xa");
}

static void test_phone(void **state)
{
	static const char *const mobile[] = {
		"0912345678", "0912.345.678", "0912 345 678", "0912-345-678",
		"+84912345678", "+84 912 345 678", "(+84) 912 345 678",
		"84912345678", "0084 912 345 678", "+84 0912 345 678",
		" 0912345678", NULL,
	};
	static const char *const legacy[] = {
		"01683123456", "0383123456", "+841683123456", "0168.312.3456", NULL,
	};

	assert_same(PHONE, mobile);
	assert_key(PHONE, "0912.345.678", "+84912345678");
	assert_same(PHONE, legacy);
	assert_key(PHONE, "01683123456", "+84383123456");
	assert_key(PHONE, "0123 456 7890", "+84834567890");
	assert_key(PHONE, "0225 3123 456", "+842253123456");
	assert_key(PHONE, "+84 225 3123 456", "+842253123456");
	assert_no_key(PHONE, "");
	assert_no_key(PHONE, "+84");
	assert_no_key(PHONE, "12345");
	assert_no_key(PHONE, "0912abc678");
	assert_no_key(PHONE, "0112345678");
	assert_no_key(PHONE, "091234567");
	assert_no_key(PHONE, "0912345678901234567890123");
	assert_no_key(PHONE, "0912/345/678");
}

static void test_taxcode(void **state)
{
	static const char *const code[] = {
		"0100233488", "0100.233.488", "0100 233 488", " 0100233488 ", NULL,
	};
	static const char *const branch[] = {
		"0314409058-002", "0314409058 - 002", "0314409058002", NULL,
	};

	assert_same(TAXCODE, code);
	assert_key(TAXCODE, "0100 233 488", "0100233488");
	assert_same(TAXCODE, branch);
	assert_key(TAXCODE, "0314409058002", "0314409058-002");
	assert_key(TAXCODE, "031 186 095 759", "031186095759");
	assert_no_key(TAXCODE, "0100233480");	/* check digit */
	assert_no_key(TAXCODE, "0314409058-000");
	assert_no_key(TAXCODE, "01002334");
	assert_no_key(TAXCODE, "0100233488x");
	assert_no_key(TAXCODE, "");
}

/* Every function unwinds when memory runs out, then gives the same key. */
static void test_out_of_memory(void **state)
{
	static const struct {
		enum which w;
		const char *s;
	} cases[] = {
		{ EXACT, "Công ty TNHH Cơ khí đúc Thành Phương, Thủy Nguyên" },
		{ LOOSE, "Công ty TNHH Cơ khí đúc Thành Phương, Thủy Nguyên" },
		{ LOOSE_KEEP, "Hộ kinh doanh Nguyễn Văn Cường" },
		{ COMMUNE, "xã Mỹ Đồng" },
		{ PHONE, "0912.345.678" },
		{ TAXCODE, "0314409058-002" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ks_buf want = KS_BUF_INIT, b = KS_BUF_INIT;
		long n;
		int err = -1, failed = 0;

		assert_int_equal(key(&want, cases[i].w, cases[i].s), 0);
		for (n = 0; n < 1000 && err; n++) {
			ks_buf_release(&b);
			ks_alloc_fail_after(n);
			err = key(&b, cases[i].w, cases[i].s);
			ks_alloc_fail_after(-1);
			if (err) {
				assert_int_equal(err, -1);
				failed++;
			}
		}
		assert_int_equal(err, 0);
		assert_true(failed > 0);
		assert_string_equal(b.ptr, want.ptr);
		ks_buf_release(&b);
		ks_buf_release(&want);
	}
}

/* ---- the keys at work: pairs and search over an index ---- */

static const char *const recs[][2] = {
	{ "md05-0001", "name: Công ty TNHH Cơ khí đúc Thành Phương\n"
	  "tax_code: \"0205260182\"\nphone: \"0912.345.678\"\n"
	  "address:\n  commune_name: Mỹ Đồng\n  village: Thôn 7\n" },
	{ "md05-0002", "name: Cty Cơ khí đúc Thành Phương\n"
	  "address:\n  commune_name: xã Mỹ Đồng\n" },
	{ "md05-0003", "name: Cơ khí đúc Thành Phương\n"
	  "phone: \"+84912345678\"\n"
	  "address:\n  commune_name: Lưu Kiếm\n" },
	{ "md05-0004", "name: Xưởng đúc số 2\ntax_code: \"0205 260 182\"\n"
	  "address:\n  commune_name: Kiền Bái\n" },
	{ "md05-0005", "name: Phạm Thị Thủy\naddress:\n  commune_name: Thiên Hương\n" },
	{ "md05-0006", "name: Phạm Thị Thuỷ\naddress:\n  commune_name: phường Thiên Hương\n" },
	{ "md05-0007", "name: Phạm Thị Thu\naddress:\n  commune_name: Thiên Hương\n" },
	{ "md05-0008", "- not a mapping\n" },
};

/* Index, pairs and a search, as one string; -1 when memory ran out. */
static int run_index(struct ks_buf *out)
{
	struct ks_dupe_index ix = { 0 };
	struct ks_dupes p = { 0 };
	struct ks_diags d = KS_DIAGS_INIT;
	size_t i, *hits = NULL, n = 0;
	int err = 0;

	for (i = 0; !err && i < sizeof(recs) / sizeof(recs[0]); i++) {
		struct ks_doc *doc = NULL;

		err = ks_doc_parse(&doc, "r.yaml", recs[i][1], strlen(recs[i][1]),
				   0, &d);
		if (!err)
			err = ks_dupe_index_add(&ix, "workshop", recs[i][0],
						"r.yaml", ks_doc_root(doc));
		ks_doc_free(doc);
	}
	if (!err)
		err = ks_dupes_find(&p, &ix);
	for (i = 0; !err && i < p.n; i++)
		err = ks_buf_addf(out, "%s %s %x\n", ix.v[p.v[i].a].id,
				  ix.v[p.v[i].b].id, p.v[i].why);
	if (!err)
		err = ks_dupe_search(&hits, &n, &ix, "my dong thanh phuong", &d);
	for (i = 0; !err && i < n; i++)
		err = ks_buf_addf(out, "found %s\n", ix.v[hits[i]].id);
	ks_free(hits);
	ks_dupes_release(&p);
	ks_dupe_index_release(&ix);
	ks_diags_release(&d);
	return err;
}

static void test_pairs_and_search(void **state)
{
	struct ks_buf out = KS_BUF_INIT;
	char want[256];

	snprintf(want, sizeof(want),
		 "md05-0001 md05-0002 %x\n"
		 "md05-0001 md05-0003 %x\n"
		 "md05-0001 md05-0004 %x\n"
		 "md05-0005 md05-0006 %x\n"
		 "found md05-0001\nfound md05-0002\n",
		 KS_DUPE_NAME, KS_DUPE_PHONE, KS_DUPE_TAX,
		 KS_DUPE_NAME | KS_DUPE_SAME_NAME);
	assert_int_equal(run_index(&out), 0);
	assert_string_equal(out.ptr, want);
	ks_buf_release(&out);
}

static void test_search_errors(void **state)
{
	struct ks_dupe_index ix = { 0 };
	struct ks_diags d = KS_DIAGS_INIT;
	size_t *hits = (size_t *)&d, n = 7;

	assert_int_equal(ks_dupe_search(&hits, &n, &ix, "  ;; ", &d),
			 KS_EINVALID);
	assert_null(hits);
	assert_int_equal(n, 0);
	assert_int_equal(d.errors, 1);
	assert_int_equal(ks_dupe_search(&hits, &n, &ix, "M\xff", &d),
			 KS_EINVALID);
	assert_int_equal(d.errors, 2);
	/* an empty index finds nothing, and that is no error */
	assert_int_equal(ks_dupe_search(&hits, &n, &ix, "thanh", &d), 0);
	assert_int_equal(n, 0);
	ks_free(hits);
	ks_diags_release(&d);
}

/* Running out of memory anywhere unwinds; the result is then the same. */
static void test_index_out_of_memory(void **state)
{
	struct ks_buf want = KS_BUF_INIT, out = KS_BUF_INIT;
	long n;
	int err = -1, failed = 0;

	assert_int_equal(run_index(&want), 0);
	for (n = 0; n < 100000 && err; n++) {
		ks_buf_release(&out);
		ks_alloc_fail_after(n);
		err = run_index(&out);
		ks_alloc_fail_after(-1);
		if (err) {
			assert_int_equal(err, -1);
			failed++;
		}
	}
	print_message("succeeded after %d failed allocations\n", failed);
	assert_int_equal(err, 0);
	assert_true(failed > 50);
	assert_string_equal(out.ptr, want.ptr);
	ks_buf_release(&out);
	ks_buf_release(&want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_tone_placement),
		cmocka_unit_test(test_exact_unicode_forms),
		cmocka_unit_test(test_exact_keeps_apart),
		cmocka_unit_test(test_loose),
		cmocka_unit_test(test_commune),
		cmocka_unit_test(test_phone),
		cmocka_unit_test(test_taxcode),
		cmocka_unit_test(test_out_of_memory),
		cmocka_unit_test(test_pairs_and_search),
		cmocka_unit_test(test_search_errors),
		cmocka_unit_test(test_index_out_of_memory),
	};

	KS_RUN_TESTS(tests);
}
