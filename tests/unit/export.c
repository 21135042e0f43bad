/*
 * Unit tests for the export's tables (core/export_table.c): the columns a
 * schema gives, the rows a record fills (typed cells, labels, lists of
 * objects as their own tables, nested ones, values the schema lacks), and
 * clean unwinding when memory runs out at any allocation.
 */
#include "unit.h"

#include "alloc.h"
#include "buf.h"
#include "diag.h"
#include "export_int.h"
#include "fielddiff.h"
#include "record.h"
#include "schema.h"

#include <string.h>

static const char schema_text[] =
	"type: object\n"
	"title: Cơ sở\n"
	"properties:\n"
	"  id: {type: string, title: Mã phiếu}\n"
	"  name: {type: string, title: Tên}\n"
	"  kind:\n"
	"    type: string\n"
	"    title: Loại\n"
	"    enum: [a, b]\n"
	"    x-enum-titles: {a: Loại A, b: Loại B}\n"
	"  address:\n"
	"    type: object\n"
	"    title: Địa chỉ\n"
	"    properties:\n"
	"      commune: {type: string, title: Xã}\n"
	"      code: {type: string}\n"
	"  born: {type: string, format: date, title: Ngày}\n"
	"  staff: {type: integer}\n"
	"  ok: {type: boolean}\n"
	"  tags:\n"
	"    type: array\n"
	"    items: {type: string, enum: [x, y], x-enum-titles: {x: Ích, y: Y}}\n"
	"  _status: {type: string}\n"
	"  products:\n"
	"    type: array\n"
	"    title: Sản phẩm\n"
	"    items:\n"
	"      type: object\n"
	"      properties:\n"
	"        id: {type: string}\n"
	"        name: {type: string}\n"
	"        parts:\n"
	"          type: array\n"
	"          title: Bộ phận\n"
	"          items:\n"
	"            type: object\n"
	"            properties:\n"
	"              weight: {type: number}\n";

static const char record_text[] =
	"id: md01-0001\n"
	"name: \"Đúc, \\\"gang\\\"\"\n"
	"kind: b\n"
	"address:\n"
	"  commune: Mỹ Đồng\n"
	"  zip: 1234\n"
	"born: \"2024-02-29\"\n"
	"staff: 0x10\n"
	"ok: true\n"
	"tags: [y, x, z]\n"
	"_status: mine\n"
	"extra: {a: [1, no]}\n"
	"products:\n"
	"  - name: P1\n"
	"    id: p-1\n"
	"    parts:\n"
	"      - weight: 2.5\n"
	"      - weight: 3\n"
	"        color: red\n"
	"  - name: P2\n"
	"  - just text\n";

struct capture {
	struct ks_buf out;
	int fail_at;		/* the writer fails at this row (0: never) */
	int rows;
};

static int cap_row(void *w, struct ks_xtable *t, const struct ks_xrow *row,
		   struct ks_diags *d)
{
	static const char kinds[] = "-snbdt";
	struct capture *c = w;
	size_t i;

	if (++c->rows == c->fail_at)
		return ks_error(d, KS_EIO, NULL, 0, 0, "disk full");
	ks_buf_addf(&c->out, "%s:", t->name);
	for (i = 0; i < row->ncells; i++) {
		const struct ks_xcell *x = &row->cells[i];

		ks_buf_addf(&c->out, "%s%c", i ? "|" : "", kinds[x->type]);
		if (x->type != KS_XCELL_EMPTY)
			ks_buf_puts(&c->out, ks_xcell_text(row, x));
	}
	return ks_buf_putc(&c->out, '\n');
}

static const struct ks_xwriter cap_ops = { NULL, cap_row, NULL, NULL };

static struct ks_schema *compile(void)
{
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_schema *s = NULL;
	struct ks_doc *doc = NULL;

	assert_int_equal(ks_doc_parse(&doc, "s.yaml", schema_text,
				      strlen(schema_text), 0, &d), 0);
	assert_int_equal(ks_schema_compile(&s, doc, NULL, 0, &d), 0);
	ks_diags_release(&d);
	return s;
}

static struct ks_doc *record(void)
{
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_doc *doc = NULL;

	assert_int_equal(ks_doc_parse(&doc, "r.yaml", record_text,
				      strlen(record_text), KS_PARSE_RECORD, &d), 0);
	ks_diags_release(&d);
	return doc;
}

static void columns(const struct ks_xtable *t, struct ks_buf *out)
{
	size_t i;

	ks_buf_addf(out, "%s (%s) keys %zu:", t->name, t->title, t->nkeys);
	for (i = 0; i < t->ncols; i++)
		ks_buf_addf(out, " %s=%s", t->cols[i].path, t->cols[i].title);
	ks_buf_putc(out, '\n');
}

static void test_columns(void **state)
{
	struct ks_schema *s = compile();
	struct ks_xplan p;
	struct ks_buf out = KS_BUF_INIT;
	size_t i;

	assert_int_equal(ks_xplan_build(&p, "ws", "Cơ sở", ks_schema_root(s)), 0);
	for (i = 0; i < p.n; i++)
		columns(p.v[i], &out);
	assert_string_equal(out.ptr,
		"ws (Cơ sở) keys 2: id=Mã phiếu _status=Record status name=Tên "
		"kind=Loại address.commune=Địa chỉ: Xã address.code=Địa chỉ: code "
		"born=Ngày staff=staff ok=ok tags=tags _status#2=_status "
		"_other=Other fields (JSON)\n"
		"ws.products (Sản phẩm) keys 2: id=Mã phiếu _index=Item no. "
		"id#2=id name=name _other=Other fields (JSON)\n"
		"ws.products.parts (Bộ phận) keys 3: id=Mã phiếu "
		"products._index=Item no. _index=Item no. weight=weight "
		"_other=Other fields (JSON)\n");
	assert_true(ks_xplan_has_field(&p, "address.commune"));
	assert_true(ks_xplan_has_field(&p, "products.parts.weight"));
	assert_false(ks_xplan_has_field(&p, "address"));
	assert_false(ks_xplan_has_field(&p, "parts.weight"));
	ks_buf_reset(&out);
	assert_int_equal(ks_xplan_fields(&p, &out), 0);
	assert_string_equal(out.ptr, "name, kind, address.commune, address.code, "
			    "born, staff, ok, tags, _status#2, products.id#2, "
			    "products.name, products.parts.weight");
	ks_buf_release(&out);
	ks_xplan_release(&p);
	ks_schema_free(s);
}

static void test_rows(void **state)
{
	struct ks_schema *s = compile();
	struct ks_doc *doc = record();
	struct capture c = { KS_BUF_INIT, 0, 0 };
	struct ks_xemit e = { &cap_ops, &c, 0 };
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_xplan p;

	assert_int_equal(ks_xplan_build(&p, "ws", "Cơ sở", ks_schema_root(s)), 0);
	assert_int_equal(ks_xplan_write_record(&p, &e, "md01-0001", "ok",
					       ks_doc_root(doc), &d), 0);
	assert_string_equal(c.out.ptr,
		"ws:smd01-0001|sok|sĐúc, \"gang\"|sLoại B|sMỹ Đồng|-|d2024-02-29|"
		"n0x10|btrue|sY; Ích; z|smine|"
		"s{\"address.zip\":1234,\"extra\":{\"a\":[1,\"no\"]}}\n"
		"ws.products:smd01-0001|n1|sp-1|sP1|-\n"
		"ws.products.parts:smd01-0001|n1|n1|n2.5|-\n"
		"ws.products.parts:smd01-0001|n1|n2|n3|s{\"color\":\"red\"}\n"
		"ws.products:smd01-0001|n2|-|sP2|-\n"
		"ws.products:smd01-0001|n3|-|-|s{\"\":\"just text\"}\n");
	assert_int_equal(p.v[0]->rows, 1);
	assert_int_equal(p.v[1]->rows, 3);
	assert_int_equal(p.v[2]->rows, 2);
	/* With --values: no labels. */
	ks_buf_reset(&c.out);
	e.values = 1;
	assert_int_equal(ks_xplan_write_record(&p, &e, "md01-0001", "ok",
					       ks_doc_root(doc), &d), 0);
	assert_non_null(strstr(c.out.ptr, "|sb|"));
	assert_non_null(strstr(c.out.ptr, "|sy; x; z|"));
	/* A record that does not parse: its id and status only. */
	ks_buf_reset(&c.out);
	assert_int_equal(ks_xplan_write_record(&p, &e, "md01-0009", "invalid: x",
					       NULL, &d), 0);
	assert_string_equal(c.out.ptr, "ws:smd01-0009|sinvalid: x|-|-|-|-|-|-|-|-|-|-\n");
	/* A writer's error stops the record and comes back as it is. */
	c.fail_at = c.rows + 3;
	assert_int_equal(ks_xplan_write_record(&p, &e, "md01-0001", "ok",
					       ks_doc_root(doc), &d), KS_EIO);
	assert_string_equal(d.v[0].message, "disk full");
	ks_diags_release(&d);
	ks_buf_release(&c.out);
	ks_xplan_release(&p);
	ks_doc_free(doc);
	ks_schema_free(s);
}

static void test_json(void **state)
{
	struct ks_schema *s = compile();
	struct ks_doc *doc = record();
	struct ks_buf out = KS_BUF_INIT;

	assert_int_equal(ks_value_json(&out, ks_map_get(ks_doc_root(doc), "address"),
				       ks_snode_property(ks_schema_root(s), "address")), 0);
	assert_string_equal(out.ptr, "{\"commune\":\"Mỹ Đồng\",\"zip\":1234}");
	ks_buf_reset(&out);
	assert_int_equal(ks_value_json(&out, ks_map_get(ks_doc_root(doc), "staff"),
				       NULL), 0);
	assert_string_equal(out.ptr, "\"0x10\"");
	ks_buf_release(&out);
	ks_doc_free(doc);
	ks_schema_free(s);
}

/* Every allocation may fail: the plan and the rows unwind with -1. */
static void test_out_of_memory(void **state)
{
	struct ks_schema *s = compile();
	struct ks_doc *doc = record();
	long n;
	int done = 0;

	for (n = 0; !done && n < 5000; n++) {
		struct capture c = { KS_BUF_INIT, 0, 0 };
		struct ks_xemit e = { &cap_ops, &c, 0 };
		struct ks_diags d = KS_DIAGS_INIT;
		struct ks_xplan p;
		int err;

		ks_alloc_fail_after(n);
		err = ks_xplan_build(&p, "ws", "Cơ sở", ks_schema_root(s));
		if (!err)
			err = ks_xplan_write_record(&p, &e, "md01-0001", "ok",
						    ks_doc_root(doc), &d);
		ks_alloc_fail_after(-1);
		if (err)
			assert_int_equal(err, -1);
		else
			done = strstr(c.out.ptr, "ws.products:smd01-0001|n3") != NULL;
		ks_xplan_release(&p);
		ks_buf_release(&c.out);
		ks_diags_release(&d);
	}
	print_message("succeeded after %ld failed allocations\n", n - 1);
	assert_true(done);
	assert_true(n > 20);
	ks_doc_free(doc);
	ks_schema_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_columns),
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_out_of_memory),
	};

	KS_RUN_TESTS(tests);
}
