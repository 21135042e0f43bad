/*
 * libFuzzer target: arbitrary bytes as a record, validated against the
 * default workshop and brand schemas (compiled once, from the schema pack
 * built into the library) with x-ref and x-unique callbacks, read both as
 * YAML and as JSON.  Validation ends in "valid" or in errors located in the
 * record, each with a JSON Pointer and a keyword; the canonical writer,
 * ordering keys by the schema, reaches a fixed point at once.
 */
#include "fuzz.h"
#include "pack.h"

static struct ks_schema *validate_schemas[2];

static int validate_ref_exists(void *ctx, const char *kind, const char *id)
{
	if (!kind || !id)
		fuzz_fail(NULL, "x-ref callback without kind or id");
	return strlen(id) % 2;	/* some exist, some do not */
}

static void validate_unique_value(void *ctx, const char *pointer,
			 const struct ks_node *value)
{
	if (!pointer || *pointer != '/' || !value)
		fuzz_fail(NULL, "x-unique callback without pointer or value");
	if (value->kind == KS_NODE_SCALAR &&
	    strlen(value->u.scalar.str) > value->u.scalar.len)
		fuzz_fail(NULL, "x-unique value with a bad length");
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *want[2] = { "workshop.yaml", "brand.yaml" };
	size_t i, k;

	for (k = 0; k < 2; k++) {
		for (i = 0; ks_schema_pack[i].name; i++) {
			struct ks_diags d = KS_DIAGS_INIT;
			struct ks_doc *doc = NULL;

			if (strcmp(ks_schema_pack[i].name, want[k]))
				continue;
			if (ks_doc_parse(&doc, want[k],
					 (const char *)ks_schema_pack[i].data,
					 ks_schema_pack[i].len, 0, &d) ||
			    ks_schema_compile(&validate_schemas[k], doc,
					      NULL, 0, &d))
				fuzz_fail(&d, "cannot compile %s", want[k]);
			ks_diags_release(&d);
		}
		if (!validate_schemas[k])
			fuzz_fail(NULL, "no %s in the schema pack", want[k]);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ks_validate_opts vo = {
		validate_ref_exists, validate_unique_value, NULL, 0,
	};
	struct ks_doc *doc = fuzz_parse_record(data, size);
	size_t k;
	unsigned flags;

	if (!doc)
		return 0;
	for (k = 0; k < 2; k++) {
		const struct ks_schema *s = validate_schemas[k];

		for (flags = 0; flags <= KS_VALIDATE_JSON; flags++) {
			struct ks_diags d = KS_DIAGS_INIT;
			int err;

			vo.flags = flags;
			err = ks_schema_validate(s, ks_doc_root(doc), "in.yaml",
						 &vo, &d);
			if (err == KS_EINVALID)
				fuzz_check_errors(&d, "in.yaml", 1, 1);
			else if (err)
				fuzz_fail(&d, "validation returned %d", err);
			else if (d.errors)
				fuzz_fail(&d, "valid, with errors");
			ks_diags_release(&d);
		}
		fuzz_check_fixed_point(ks_doc_root(doc), ks_schema_layout(),
				       ks_schema_layout_root(s));
	}
	ks_doc_free(doc);
	return 0;
}
