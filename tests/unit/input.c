/*
 * Unit tests for core/input.h: what a person types for a field, read the
 * way Vietnamese write numbers, dates, yes or no and phone numbers, into
 * the canonical text; what is unclear or wrong refused with how it was
 * read.
 */
#include "unit.h"

#include "diag.h"
#include "input.h"
#include "record.h"
#include "schema.h"

#include <stdlib.h>
#include <string.h>

static const char schema_text[] =
	"type: object\n"
	"properties:\n"
	"  workers: {type: integer}\n"
	"  maybe_workers: {type: [integer, 'null']}\n"
	"  area: {type: number}\n"
	"  export: {type: boolean}\n"
	"  since: {type: string, format: date}\n"
	"  phone: {type: string, format: vn-phone}\n"
	"  name: {type: string}\n";

static struct ks_schema *schema;

/* The schema, compiled once; it stays reachable until the program ends. */
static void compile_schema(void)
{
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_doc *doc = NULL;

	if (ks_doc_parse(&doc, "schema.yaml", schema_text, strlen(schema_text),
			 0, &d) ||
	    ks_schema_compile(&schema, doc, NULL, 0, &d)) {
		fprintf(stderr, "the test schema does not compile\n");
		exit(1);
	}
	ks_diags_release(&d);
}

/*
 * Reads `text` for `field`: the canonical text, or NULL when refused, with
 * the first message in `why` (which may be NULL).
 */
static char *read_as(const char *field, const char *text, char *why,
		     size_t n)
{
	const struct ks_snode *s = ks_snode_property(ks_schema_root(schema),
						     field);
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_doc *doc = ks_doc_new(NULL);
	struct ks_node *v = NULL;
	static char got[128];
	int r;

	assert_non_null(doc);
	r = ks_input_read(&v, doc, s, text, &d);
	if (why)
		snprintf(why, n, "%s", d.n ? d.v[0].message : "");
	if (!r) {
		assert_non_null(v);
		assert_int_equal(v->kind, KS_NODE_SCALAR);
		snprintf(got, sizeof(got), "%s", v->u.scalar.str);
	} else {
		assert_int_equal(r, KS_EINVALID);
		assert_true(d.n > 0);
	}
	ks_diags_release(&d);
	ks_doc_free(doc);
	return r ? NULL : got;
}

#define READS(field, text, want) \
	assert_string_equal(read_as(field, text, NULL, 0), want)
#define REFUSED(field, text) \
	assert_null(read_as(field, text, NULL, 0))

static void test_whole_numbers(void **state)
{
	(void)state;
	READS("workers", "12", "12");
	READS("workers", "2.000.000.000", "2000000000");
	READS("workers", "-3", "-3");
	READS("workers", "+7", "7");
	READS("maybe_workers", "1.500", "1500");
	REFUSED("workers", "2e9");
	REFUSED("workers", "350,5");
	REFUSED("workers", "12.5");
	REFUSED("workers", "2.00.000");
	REFUSED("workers", "1.2345");
	REFUSED("workers", "");
	REFUSED("workers", "mười");
}

static void test_decimals(void **state)
{
	char why[256];

	(void)state;
	READS("area", "350", "350");
	READS("area", "350,5", "350.5");
	READS("area", "2.000.000,75", "2000000.75");
	READS("area", "350.5", "350.5");
	READS("area", "0,25", "0.25");
	READS("area", "-1,5", "-1.5");
	REFUSED("area", "1e3");
	REFUSED("area", "1,2,3");
	REFUSED("area", "350,");
	/* Thousands or decimals: both readings are shown. */
	assert_null(read_as("area", "1.234", why, sizeof(why)));
	assert_non_null(strstr(why, "1234"));
	assert_non_null(strstr(why, "1,234"));
}

static void test_yes_no(void **state)
{
	(void)state;
	READS("export", "c", "true");
	READS("export", "Có", "true");
	READS("export", "y", "true");
	READS("export", "k", "false");
	READS("export", "không", "false");
	READS("export", "NO", "false");
	REFUSED("export", "maybe");
}

static void test_dates(void **state)
{
	(void)state;
	READS("since", "31/12/2024", "2024-12-31");
	READS("since", "1/2/2024", "2024-02-01");
	READS("since", "05-06-2023", "2023-06-05");
	READS("since", "05.06.2023", "2023-06-05");
	READS("since", "2024-12-31", "2024-12-31");
	REFUSED("since", "31/02/2024");
	REFUSED("since", "12/31/2024");
	REFUSED("since", "31/12/24");
	REFUSED("since", "31/12-2024");
}

static void test_phones(void **state)
{
	(void)state;
	READS("phone", "0912 345 678", "0912345678");
	READS("phone", "0912.345.678", "0912345678");
	READS("phone", "(0225) 3822-111", "02253822111");
	READS("phone", "+84 912 345 678", "0912345678");
	/* Not a phone number's shape: kept, for the format to explain. */
	READS("phone", "gọi ông Tư", "gọi ông Tư");
}

static void test_text_as_typed(void **state)
{
	(void)state;
	READS("name", "Đúc gang 1.234", "Đúc gang 1.234");
	READS("name", "350,5", "350,5");
	REFUSED("name", "\xff");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_whole_numbers),
		cmocka_unit_test(test_decimals),
		cmocka_unit_test(test_yes_no),
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_phones),
		cmocka_unit_test(test_text_as_typed),
	};

	compile_schema();
	KS_RUN_TESTS(tests);
}
