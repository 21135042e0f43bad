/*
 * Unit tests for what the form keeps on the laptop: unfinished forms
 * (core/formsave.h) written, read back, listed oldest first and removed;
 * drafts (core/draft.h) saved, listed by id and finished into a record;
 * and the field name read back from a "missing property" error.
 */
#include "unit.h"
#include "survey.h"

#include "alloc.h"
#include "buf.h"
#include "diag.h"
#include "file.h"
#include "draft.h"
#include "formsave.h"
#include "record.h"
#include "init.h"
#include "repo.h"
#include "schema.h"

#include <git2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void test_form_round_trip(void **state)
{
	struct fixture *fx = *state;
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_formsave f = KS_FORMSAVE_INIT, back;
	struct ks_formsaves l;
	struct ks_doc *doc = NULL;
	struct ks_buf was = KS_BUF_INIT, now = KS_BUF_INIT;
	static const char rec[] = "name: \"Hộ Đúc\"\nphone: \"0912345678\"\nworkers:\n  regular: 4\n";

	assert_int_equal(ks_doc_parse(&doc, NULL, rec, strlen(rec), KS_PARSE_RECORD, &d), 0);
	assert_int_equal(ks_formsave_start(&f, fx->r, "workshop"), 0);
	assert_non_null(strstr(f.file, "workshop-"));
	assert_int_equal(ks_formsave_add(&f, "value /name"), 0);
	assert_int_equal(ks_formsave_add(&f, "value /phone"), 0);
	assert_int_equal(ks_formsave_add(&f, "open /workers"), 0);
	ks_formsave_truncate(&f, 2);
	assert_int_equal(f.nanswers, 2);
	f.record = ks_doc_root(doc);
	assert_int_equal(ks_formsave_write(fx->r, &f, &d), 0);

	assert_int_equal(ks_formsave_load(&back, fx->r, f.file, &d), 0);
	assert_string_equal(back.kind, "workshop");
	assert_int_equal(back.started, f.started);
	assert_int_equal(back.nanswers, 2);
	assert_string_equal(back.answers[1], "value /phone");
	/* The same values, read the same way (a string stays a string). */
	assert_int_equal(ks_doc_write(&was, ks_doc_root(doc), NULL, NULL), 0);
	assert_int_equal(ks_doc_write(&now, back.record, NULL, NULL), 0);
	assert_string_equal(now.ptr, was.ptr);
	assert_non_null(strstr(now.ptr, "phone: \"0912345678\"\n"));
	ks_formsave_release(&back);
	ks_buf_release(&was);
	ks_buf_release(&now);

	/* Listed for its kind only; gone once removed. */
	assert_int_equal(ks_formsave_list(&l, fx->r, "brand", &d), 0);
	assert_int_equal(l.n, 0);
	ks_formsaves_release(&l);
	assert_int_equal(ks_formsave_list(&l, fx->r, NULL, &d), 0);
	assert_int_equal(l.n, 1);
	ks_formsaves_release(&l);
	assert_int_equal(ks_formsave_remove(fx->r, &f, &d), 0);
	assert_int_equal(ks_formsave_list(&l, fx->r, NULL, &d), 0);
	assert_int_equal(l.n, 0);
	ks_formsaves_release(&l);
	assert_int_equal(ks_formsave_load(&back, fx->r, f.file, &d), KS_ENOTFOUND);
	ks_formsave_release(&f);
	ks_doc_free(doc);
	ks_diags_release(&d);
}

static void test_form_list_order_and_damage(void **state)
{
	struct fixture *fx = *state;
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_formsave a = KS_FORMSAVE_INIT, b = KS_FORMSAVE_INIT;
	struct ks_formsaves l;
	struct ks_buf junk = KS_BUF_INIT;

	assert_int_equal(ks_formsave_start(&a, fx->r, "workshop"), 0);
	assert_int_equal(ks_formsave_start(&b, fx->r, "brand"), 0);
	/* b is older; a file that is not a form is left out, not an error. */
	b.started -= 3600;
	assert_int_equal(ks_formsave_write(fx->r, &a, &d), 0);
	assert_int_equal(ks_formsave_write(fx->r, &b, &d), 0);
	ks_buf_addf(&junk, "%s/s/.git/%s/zz.yaml", fx->dir.ptr, KS_FORMS_DIR);
	assert_int_equal(ks_file_put(junk.ptr, "kind: [\n", 8, KS_FILE_DURABLE, &d), 0);
	assert_int_equal(ks_formsave_list(&l, fx->r, NULL, &d), 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.v[0].kind, "brand");
	assert_string_equal(l.v[1].kind, "workshop");
	assert_int_equal(l.v[1].nanswers, 0);
	ks_formsaves_release(&l);
	assert_int_equal(d.errors, 0);
	ks_formsave_remove(fx->r, &a, &d);
	ks_formsave_remove(fx->r, &b, &d);
	unlink(junk.ptr);
	ks_formsave_release(&a);
	ks_formsave_release(&b);
	ks_buf_release(&junk);
	ks_diags_release(&d);
}

static void test_drafts(void **state)
{
	struct fixture *fx = *state;
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_buf text = KS_BUF_INIT, rec = KS_BUF_INIT;
	struct ks_drafts l;
	struct stat st;
	char *kind = NULL;
	static const char t1[] = "id: md01-0010\nname: A\n";
	static const char t2[] = "id: md01-0009\nname: B\n";

	assert_int_equal(ks_draft_exists(fx->r, "md01-0010"), 0);
	assert_int_equal(ks_draft_load(&text, &kind, fx->r, "md01-0010", &d), KS_ENOTFOUND);
	assert_int_equal(ks_draft_save(fx->r, "workshop", "md01-0010", t1, strlen(t1), &d), 0);
	assert_int_equal(ks_draft_save(fx->r, "brand", "md01-0009", t2, strlen(t2), &d), 0);
	assert_int_equal(ks_draft_exists(fx->r, "md01-0010"), 1);
	assert_int_equal(ks_draft_load(&text, &kind, fx->r, "md01-0010", &d), 0);
	assert_string_equal(text.ptr, t1);
	assert_string_equal(kind, "workshop");
	ks_free(kind);
	/* Ordered by id: counter 9 before 10. */
	assert_int_equal(ks_draft_list(&l, fx->r, &d), 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.v[0].id, "md01-0009");
	assert_string_equal(l.v[0].kind, "brand");
	assert_string_equal(l.v[1].id, "md01-0010");
	ks_drafts_release(&l);

	/* Finishing writes the record where it belongs and drops the draft. */
	assert_int_equal(ks_draft_finish(fx->r, "workshop", "md01-0010", t1, strlen(t1), &d), 0);
	ks_buf_addf(&rec, "%s/s/records/workshop/md01/000/md01-0010.yaml", fx->dir.ptr);
	assert_int_equal(stat(rec.ptr, &st), 0);
	assert_int_equal(ks_draft_exists(fx->r, "md01-0010"), 0);
	/* A record already there is never overwritten: the draft stays. */
	assert_int_equal(ks_draft_save(fx->r, "workshop", "md01-0010", t2, strlen(t2), &d), 0);
	assert_int_equal(ks_draft_finish(fx->r, "workshop", "md01-0010", t2, strlen(t2), &d), KS_EEXISTS);
	assert_int_equal(ks_draft_exists(fx->r, "md01-0010"), 1);
	/* ...and a draft whose record exists is not listed. */
	assert_int_equal(ks_draft_list(&l, fx->r, &d), 0);
	assert_int_equal(l.n, 1);
	ks_drafts_release(&l);
	assert_int_equal(ks_draft_remove(fx->r, "md01-0010", &d), 0);
	assert_int_equal(ks_draft_remove(fx->r, "md01-0009", &d), 0);
	assert_int_equal(ks_draft_remove(fx->r, "md01-0009", &d), 0);
	/* Not an id: never a path outside the drafts folder. */
	assert_int_equal(ks_draft_exists(fx->r, "../config"), 0);
	ks_buf_release(&text);
	ks_buf_release(&rec);
	ks_diags_release(&d);
}

static void test_missing_property(void **state)
{
	static const char schema[] =
		"type: object\n"
		"required: [a]\n"
		"properties: {a: {type: string}, b: {type: string}, c: {}}\n"
		"dependentRequired: {b: [c]}\n"
		"if: {required: [b]}\n"
		"then: {required: [\"q\\\"x\"]}\n";
	static const char inst[] = "b: x\nd: 1\n";
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_doc *sdoc = NULL, *doc = NULL;
	struct ks_schema *s = NULL;
	size_t i;
	int a = 0, c = 0, q = 0;

	assert_int_equal(ks_doc_parse(&sdoc, NULL, schema, strlen(schema), 0, &d), 0);
	assert_int_equal(ks_schema_compile(&s, sdoc, NULL, 0, &d), 0);
	assert_int_equal(ks_doc_parse(&doc, NULL, inst, strlen(inst), 0, &d), 0);
	assert_int_equal(ks_schema_validate(s, ks_doc_root(doc), NULL, NULL, &d), KS_EINVALID);
	for (i = 0; i < d.n; i++) {
		char *name = ks_diag_missing_property(&d.v[i]);

		a += name && !strcmp(name, "a");
		c += name && !strcmp(name, "c");
		q += name && !strcmp(name, "q\"x");
		ks_free(name);
	}
	assert_int_equal(a, 1);
	assert_int_equal(c, 1);
	assert_int_equal(q, 1);
	ks_diags_release(&d);
	/* Any other error names no field. */
	ks_diags_add(&d, KS_SEV_ERROR, NULL, 0, 0, "", "required", "something else");
	ks_diags_add(&d, KS_SEV_ERROR, NULL, 0, 0, "", "type", "missing property \"z\"");
	assert_null(ks_diag_missing_property(&d.v[0]));
	assert_null(ks_diag_missing_property(&d.v[1]));
	ks_diags_release(&d);
	ks_doc_free(doc);
	ks_schema_free(s);
}

static int run(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_form_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_form_list_order_and_damage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_drafts, setup, teardown),
		cmocka_unit_test(test_missing_property),
	};

	KS_RUN_TESTS(tests);
}

int main(void)
{
	int rc;

	git_libgit2_init();
	rc = run();
	git_libgit2_shutdown();
	return rc;
}
