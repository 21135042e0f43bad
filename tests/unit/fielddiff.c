/*
 * Unit tests for core/fielddiff.c: field-level differences, leaves, field
 * paths as people type them, and how values are shown.
 */
#include "unit.h"

#include "alloc.h"
#include "buf.h"
#include "diag.h"
#include "fielddiff.h"
#include "record.h"
#include "schema.h"

#include <string.h>

static const char schema_text[] =
	"type: object\n"
	"properties:\n"
	"  name: {type: string}\n"
	"  phone: {type: string}\n"
	"  workers:\n"
	"    type: object\n"
	"    properties:\n"
	"      regular: {type: integer}\n"
	"  products:\n"
	"    type: array\n"
	"    x-key: name\n"
	"    items:\n"
	"      type: object\n"
	"      properties:\n"
	"        name: {type: string}\n"
	"        output: {type: number}\n"
	"  tags: {type: array, items: {type: string}}\n";

static struct ks_doc *parse(const char *text)
{
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_doc *doc = NULL;

	assert_int_equal(ks_doc_parse(&doc, "t.yaml", text, strlen(text), 0, &d), 0);
	ks_diags_release(&d);
	return doc;
}

static struct ks_schema *compile(void)
{
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_schema *s = NULL;
	struct ks_doc *doc = parse(schema_text);

	assert_int_equal(ks_schema_compile(&s, doc, NULL, 0, &d), 0);
	ks_diags_release(&d);
	return s;
}

/* The changes as lines "op field: old -> new", joined by newlines. */
static char *describe(const char *a, const char *b, int with_schema)
{
	struct ks_doc *da = a ? parse(a) : NULL, *db = b ? parse(b) : NULL;
	struct ks_schema *s = with_schema ? compile() : NULL;
	struct ks_field_changes c = { 0 };
	struct ks_buf out = KS_BUF_INIT;
	size_t i;

	assert_int_equal(ks_field_diff(&c, da ? ks_doc_root(da) : NULL,
				       db ? ks_doc_root(db) : NULL,
				       s ? ks_schema_root(s) : NULL), 0);
	ks_buf_puts(&out, "");
	for (i = 0; i < c.n; i++) {
		ks_buf_addf(&out, "%c %s: ", c.v[i].op, c.v[i].field);
		ks_value_inline(&out, c.v[i].old);
		ks_buf_puts(&out, " -> ");
		ks_value_inline(&out, c.v[i].new);
		ks_buf_putc(&out, '\n');
	}
	ks_field_changes_release(&c);
	ks_doc_free(da);
	ks_doc_free(db);
	ks_schema_free(s);
	return ks_buf_detach(&out, NULL);
}

static void expect(const char *a, const char *b, int with_schema,
		   const char *want)
{
	char *got = describe(a, b, with_schema);

	if (strcmp(got, want))
		fprintf(stderr, "got:\n%s\nwant:\n%s\n", got, want);
	assert_string_equal(got, want);
	ks_free(got);
}

static void test_scalars_and_mappings(void **state)
{
	expect("name: A\nphone: \"1\"\n", "name: A\nphone: \"2\"\n", 1,
	       "~ /phone: \"1\" -> \"2\"\n");
	expect("name: A\n", "name: A\nworkers: {regular: 3}\n", 1,
	       "+ /workers: (none) -> {regular: 3}\n");
	expect("name: A\nworkers: {regular: 3}\n", "name: A\n", 1,
	       "- /workers: {regular: 3} -> (none)\n");
	expect("workers: {regular: 3}\n", "workers: {regular: 4}\n", 1,
	       "~ /workers/regular: 3 -> 4\n");
	expect("name: A\n", "name: A\n", 1, "");
	/* Key order is not a change: the same mapping. */
	expect("name: A\nphone: \"1\"\n", "phone: \"1\"\nname: A\n", 1, "");
	/* The whole record, created or deleted. */
	expect(NULL, "name: A\n", 1, "+ : (none) -> {name: \"A\"}\n");
	expect("name: A\n", NULL, 1, "- : {name: \"A\"} -> (none)\n");
}

static void test_keyed_items(void **state)
{
	const char *base =
		"products:\n"
		"  - {name: Chảo gang, output: 10}\n"
		"  - {name: Nồi, output: 5}\n";

	expect(base,
	       "products:\n"
	       "  - {name: Chảo gang, output: 12}\n"
	       "  - {name: Nồi, output: 5}\n", 1,
	       "~ /products[name=Chảo gang]/output: 10 -> 12\n");
	expect(base,
	       "products:\n"
	       "  - {name: Chảo gang, output: 10}\n"
	       "  - {name: Nồi, output: 5}\n"
	       "  - {name: Lò trung tần, output: 1}\n", 1,
	       "+ /products[name=Lò trung tần]: (none) -> {name: \"Lò trung tần\", output: 1}\n");
	expect(base, "products:\n  - {name: Nồi, output: 5}\n", 1,
	       "- /products[name=Chảo gang]: {name: \"Chảo gang\", output: 10} -> (none)\n");
	/* Only the order changed: that is the change. */
	expect(base,
	       "products:\n"
	       "  - {name: Nồi, output: 5}\n"
	       "  - {name: Chảo gang, output: 10}\n", 1,
	       "~ /products: [{name: \"Chảo gang\", output: 10}, {name: \"Nồi\", output: 5}] -> "
	       "[{name: \"Nồi\", output: 5}, {name: \"Chảo gang\", output: 10}]\n");
	/* Without the schema, or with a duplicate key, the list is one value. */
	expect(base, "products:\n  - {name: Nồi, output: 5}\n", 0,
	       "~ /products: [{name: \"Chảo gang\", output: 10}, {name: \"Nồi\", output: 5}] -> "
	       "[{name: \"Nồi\", output: 5}]\n");
	expect(base,
	       "products:\n  - {name: Nồi, output: 5}\n  - {name: Nồi, output: 6}\n", 1,
	       "~ /products: [{name: \"Chảo gang\", output: 10}, {name: \"Nồi\", output: 5}] -> "
	       "[{name: \"Nồi\", output: 5}, {name: \"Nồi\", output: 6}]\n");
	/* Lists without x-key are one value. */
	expect("tags: [a, b]\n", "tags: [a, c]\n", 1,
	       "~ /tags: [\"a\", \"b\"] -> [\"a\", \"c\"]\n");
}

struct leaf_list {
	struct ks_buf b;
};

static int add_leaf(const char *field, const struct ks_node *value, int line,
		    void *arg)
{
	struct ks_buf *b = arg;

	ks_buf_addf(b, "%d %s=", line, field);
	ks_value_inline(b, value);
	ks_buf_putc(b, '\n');
	return 0;
}

static void test_leaves(void **state)
{
	struct ks_doc *doc = parse(
		"name: A\n"
		"workers:\n"
		"  regular: 3\n"
		"products:\n"
		"  - name: Nồi\n"
		"    output: 5\n"
		"tags: [x]\n"
		"empty: {}\n");
	struct ks_schema *s = compile();
	struct ks_buf b = KS_BUF_INIT;

	assert_int_equal(ks_field_leaves(ks_doc_root(doc), ks_schema_root(s),
					 add_leaf, &b), 0);
	assert_string_equal(b.ptr,
			    "1 /name=\"A\"\n"
			    "3 /workers/regular=3\n"
			    "5 /products[name=Nồi]/name=\"Nồi\"\n"
			    "6 /products[name=Nồi]/output=5\n"
			    "7 /tags=[\"x\"]\n"
			    "8 /empty={}\n");
	ks_buf_release(&b);
	ks_doc_free(doc);
	ks_schema_free(s);
}

static void normalised(const char *in, const char *want)
{
	char *got = ks_field_normalise(in);

	assert_non_null(got);
	assert_string_equal(got, want);
	ks_free(got);
}

static void test_field_paths(void **state)
{
	struct ks_schema *s = compile();

	normalised("workers.regular", "/workers/regular");
	normalised("/workers/regular", "/workers/regular");
	normalised("products[name=Chảo gang 1.5].output",
		   "/products[name=Chảo gang 1.5]/output");
	normalised("phone", "/phone");
	normalised("/", "");
	normalised("", "");
	assert_true(ks_field_overlaps("/workers", "/workers/regular"));
	assert_true(ks_field_overlaps("/workers/regular", "/workers"));
	assert_true(ks_field_overlaps("/products", "/products[name=A]/output"));
	assert_true(ks_field_overlaps("", "/phone"));
	assert_false(ks_field_overlaps("/work", "/workers"));
	assert_false(ks_field_overlaps("/phone", "/name"));
	assert_non_null(ks_field_schema(ks_schema_root(s), "/products[name=A]/output"));
	assert_ptr_equal(ks_field_schema(ks_schema_root(s), "/workers/regular"),
			 ks_snode_property(ks_snode_property(ks_schema_root(s),
							     "workers"), "regular"));
	assert_null(ks_field_schema(ks_schema_root(s), "/no/such"));
	ks_schema_free(s);
}

static void test_values(void **state)
{
	struct ks_doc *doc = parse(
		"a: \"0912\"\n"
		"b: 0912\n"
		"c: 1.5e3\n"
		"d: 0x1F\n"
		"e: true\n"
		"f: ~\n"
		"g: \"line\\none \\\"q\\\"\"\n"
		"h: [1, x]\n");
	struct ks_buf b = KS_BUF_INIT;

	assert_int_equal(ks_value_json(&b, ks_doc_root(doc), NULL), 0);
	assert_string_equal(b.ptr,
			    "{\"a\":\"0912\",\"b\":\"0912\",\"c\":1.5e3,\"d\":\"0x1F\","
			    "\"e\":true,\"f\":null,\"g\":\"line\\none \\\"q\\\"\","
			    "\"h\":[1,\"x\"]}");
	ks_buf_reset(&b);
	assert_int_equal(ks_value_inline(&b, ks_map_get(ks_doc_root(doc), "g")), 0);
	assert_string_equal(b.ptr, "\"line\\none \\\"q\\\"\"");
	ks_buf_reset(&b);
	ks_value_inline(&b, NULL);
	assert_string_equal(b.ptr, "(none)");
	ks_buf_release(&b);
	ks_doc_free(doc);
}

/* Every allocation failing in turn: -1, nothing leaked, then success. */
static void test_out_of_memory(void **state)
{
	struct ks_doc *a = parse("products:\n  - {name: A, output: 1}\nworkers: {regular: 2}\n");
	struct ks_doc *b = parse("products:\n  - {name: B, output: 1}\nworkers: {regular: 3}\n");
	struct ks_schema *s = compile();
	long n;
	int done = 0;

	for (n = 0; !done && n < 10000; n++) {
		struct ks_field_changes c = { 0 };
		char *f;
		int err;

		ks_alloc_fail_after(n);
		err = ks_field_diff(&c, ks_doc_root(a), ks_doc_root(b),
				    ks_schema_root(s));
		f = err ? NULL : ks_field_normalise("products[name=B].output");
		ks_alloc_fail_after(-1);
		if (!err && f) {
			assert_int_equal(c.n, 3);
			done = 1;
		} else if (err) {
			assert_int_equal(err, -1);
		}
		ks_free(f);
		ks_field_changes_release(&c);
	}
	assert_true(done);
	ks_doc_free(a);
	ks_doc_free(b);
	ks_schema_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scalars_and_mappings),
		cmocka_unit_test(test_keyed_items),
		cmocka_unit_test(test_leaves),
		cmocka_unit_test(test_field_paths),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_out_of_memory),
	};

	KS_RUN_TESTS(tests);
}
