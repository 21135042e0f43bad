/*
 * Unit tests for core/statsval.h: the values text the reading index keeps
 * for `khaosat stats` gives back each value as the record wrote it,
 * escapes and all, and finds spec 1 in a text that also holds spec 11.
 */
#include "unit.h"

#include "buf.h"
#include "diag.h"
#include "record.h"
#include "statsval.h"

#include <string.h>

static struct ks_doc *parse(const char *yaml)
{
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_doc *doc = NULL;

	assert_int_equal(ks_doc_parse(&doc, "r.yaml", yaml, strlen(yaml),
				      KS_PARSE_RECORD, &d), 0);
	ks_diags_release(&d);
	return doc;
}

/* The number of the spec named `field`. */
static size_t spec(const char *field)
{
	size_t i;

	for (i = 0; ks_stats_specs[i].field; i++)
		if (!strcmp(ks_stats_specs[i].field, field))
			return i;
	fail();
	return 0;
}

static void test_round_trip(void **state)
{
	struct ks_doc *doc = parse(
		"id: md01-0001\n"
		"address:\n  commune_name: \"Mỹ\\tĐồng\\\\x\\ny\"\n"
		"legal_type: hop_tac_xa\n"
		"surveyor: Nguyễn Thị Hoa\n");
	struct ks_buf text = KS_BUF_INIT, v = KS_BUF_INIT;

	(void)state;
	assert_int_equal(ks_stats_text(&text, ks_doc_root(doc)), 0);
	/* one line per value: escapes keep it so */
	assert_null(strchr(strchr(text.ptr, '=') + 1, '\t'));
	assert_int_equal(ks_stats_text_value(&v, text.ptr, spec("address.commune_name")), 1);
	assert_string_equal(v.ptr, "Mỹ\tĐồng\\x\ny");
	assert_int_equal(ks_stats_text_value(&v, text.ptr, spec("legal_type")), 1);
	assert_string_equal(v.ptr, "hop_tac_xa");
	assert_int_equal(ks_stats_text_value(&v, text.ptr, spec("surveyor")), 1);
	assert_string_equal(v.ptr, "Nguyễn Thị Hoa");
	assert_int_equal(ks_stats_text_value(&v, text.ptr, spec("ocop.stars")), 0);
	ks_buf_release(&text);
	ks_buf_release(&v);
	ks_doc_free(doc);
}

static void test_number_prefix(void **state)
{
	struct ks_buf v = KS_BUF_INIT;

	(void)state;
	assert_int_equal(ks_stats_text_value(&v, "11=eleven\n1=one\n", 1), 1);
	assert_string_equal(v.ptr, "one");
	assert_int_equal(ks_stats_text_value(&v, "11=eleven\n", 1), 0);
	assert_int_equal(ks_stats_text_value(&v, "", 0), 0);
	ks_buf_release(&v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_number_prefix),
	};

	KS_RUN_TESTS(tests);
}
