/*
 * libFuzzer target: arbitrary bytes as a schema.  Schemas sync between
 * laptops like records, so a hostile one must not crash, hang or exhaust
 * memory.  The input either compiles or is refused with errors located in
 * the schema; a compiled schema then validates a fixed sample record (as
 * YAML and as JSON), orders its keys for the canonical writer (which must
 * still reach a fixed point), and answers the introspection calls that
 * forms and export make.  No file is read: without a base folder only
 * references inside the document resolve.
 */
#include "fuzz.h"

static const char schema_sample[] =
	"id: md01-0100\n"
	"name: Hộ kinh doanh Phạm Văn Tư\n"
	"legal_type: ho_kinh_doanh\n"
	"tax_code: \"0200094485\"\n"
	"phone: \"0912345678\"\n"
	"address:\n"
	"  village: Thôn 7\n"
	"  commune_name: Mỹ Đồng\n"
	"  province_name: Hải Phòng\n"
	"trade_group: do_go_gom_su_det_may_co_khi_nho\n"
	"workers:\n"
	"  regular: 4\n"
	"  seasonal: -1\n"
	"products:\n"
	"  - name: Đối trọng\n"
	"    export_countries: [Hoa Kỳ, Hoa Kỳ]\n"
	"    output_tonnes_per_year: 1.5e3\n"
	"  - name: Puly\n"
	"    market: null\n"
	"flags: [true, no, ~, 0x1F, .inf]\n"
	"notes: |-\n"
	"  hai\n"
	"  dòng\n"
	"surveyed_at: \"2024-03-15\"\n"
	"surveyor: Nguyễn Thị Hoa\n";

static struct ks_doc *schema_record;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct ks_diags d = KS_DIAGS_INIT;

	if (ks_doc_parse(&schema_record, "sample.yaml", schema_sample,
			 sizeof(schema_sample) - 1, KS_PARSE_RECORD, &d))
		fuzz_fail(&d, "the sample record does not parse");
	ks_diags_release(&d);
	return 0;
}

static int schema_ref_exists(void *ctx, const char *kind, const char *id)
{
	return id[0] == 'm';
}

static void schema_unique_value(void *ctx, const char *pointer,
			 const struct ks_node *value)
{
	if (!pointer || !value)
		fuzz_fail(NULL, "x-unique callback without pointer or value");
}

/* What a form or an export asks of a schema, a few levels deep. */
static void schema_walk(const struct ks_snode *n, int depth)
{
	size_t i, count;
	const char *s;

	if (!n || depth > 6)
		return;
	(void)ks_snode_types(n);
	(void)ks_snode_is_required(n, "id");
	s = ks_snode_title(n);
	if (s)
		(void)strlen(s);
	s = ks_snode_description(n);
	if (s)
		(void)strlen(s);
	s = ks_snode_format(n);
	if (s)
		(void)strlen(s);
	s = ks_snode_xref(n);
	if (s)
		(void)strlen(s);
	s = ks_snode_xkey(n);
	if (s)
		(void)strlen(s);
	(void)ks_snode_xunique(n);
	count = ks_snode_enum_count(n);
	for (i = 0; i < count && i < 64; i++) {
		if (!ks_snode_enum_value(n, i))
			fuzz_fail(NULL, "enum value %zu of %zu is NULL", i,
				  count);
		s = ks_snode_enum_title(n, i);
		if (s)
			(void)strlen(s);
	}
	count = ks_snode_property_count(n);
	for (i = 0; i < count && i < 64; i++) {
		const char *name = ks_snode_property_name(n, i);

		if (!name)
			fuzz_fail(NULL, "property %zu of %zu has no name", i,
				  count);
		schema_walk(ks_snode_property(n, name), depth + 1);
	}
	schema_walk(ks_snode_items(n), depth + 1);
}

static void schema_use(const struct ks_schema *s)
{
	struct ks_validate_opts vo = {
		schema_ref_exists, schema_unique_value, NULL, 0,
	};
	unsigned flags;

	for (flags = 0; flags <= KS_VALIDATE_JSON; flags++) {
		struct ks_diags d = KS_DIAGS_INIT;
		int err;

		vo.flags = flags;
		err = ks_schema_validate(s, ks_doc_root(schema_record),
					 "sample.yaml", &vo, &d);
		if (err == KS_EINVALID)
			fuzz_check_errors(&d, "sample.yaml", 1, 1);
		else if (err)
			fuzz_fail(&d, "validation returned %d", err);
		else if (d.errors)
			fuzz_fail(&d, "valid, with errors");
		ks_diags_release(&d);
	}
	fuzz_check_fixed_point(ks_doc_root(schema_record), ks_schema_layout(),
			       ks_schema_layout_root(s));
	(void)ks_schema_xmerge(s);
	schema_walk(ks_schema_root(s), 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned modes[] = {
		0, KS_SCHEMA_STRICT | KS_SCHEMA_FORMAT_ANNOTATION,
	};
	size_t m;

	for (m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		struct ks_diags d = KS_DIAGS_INIT;
		struct ks_schema *s = NULL;
		struct ks_doc *doc = NULL;
		int err, empty;

		err = ks_doc_parse(&doc, "schema.yaml", (const char *)data,
				   size, 0, &d);
		if (err) {
			if (err != KS_EINVALID)
				fuzz_fail(&d, "parse returned %d", err);
			fuzz_check_errors(&d, "schema.yaml", 1, 0);
			ks_diags_release(&d);
			return 0;
		}
		empty = !ks_doc_root(doc);
		err = ks_schema_compile(&s, doc, NULL, modes[m], &d);
		if (err) {
			if (err != KS_EINVALID)
				fuzz_fail(&d, "compile returned %d", err);
			if (s)
				fuzz_fail(&d, "a refused schema was returned");
			fuzz_check_errors(&d, "schema.yaml", !empty, 0);
		} else {
			if (!s || d.errors)
				fuzz_fail(&d, "compiled with errors");
			schema_use(s);
		}
		ks_schema_free(s);
		ks_diags_release(&d);
	}
	return 0;
}
