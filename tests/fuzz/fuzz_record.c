/*
 * libFuzzer target: the YAML reader and the canonical writer on arbitrary
 * bytes.  Read as any document (as schemas are read) and as a record, the
 * input either parses or is refused with located errors; a record is then
 * written canonically, and that output must read back and write again to
 * the same bytes.
 */
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_doc *doc = NULL;
	int err;

	/* any document, as a schema file is read */
	err = ks_doc_parse(&doc, "in.yaml", (const char *)data, size, 0, &d);
	if (err) {
		if (err != KS_EINVALID)
			fuzz_fail(&d, "parse returned %d", err);
		fuzz_check_errors(&d, "in.yaml", 1, 0);
	}
	ks_doc_free(doc);
	ks_diags_release(&d);

	/* a record */
	doc = fuzz_parse_record(data, size);
	if (doc)
		fuzz_check_fixed_point(ks_doc_root(doc), NULL, NULL);
	ks_doc_free(doc);
	return 0;
}
