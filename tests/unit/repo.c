/*
 * Unit tests for the pure functions of core/repo.h: device ids, record ids,
 * and the path where each record lives (a function of its kind and id, read
 * back exactly, nothing else accepted).
 */
#include "unit.h"

#include "alloc.h"
#include "repo.h"

#include <string.h>

static void test_device_valid(void **state)
{
	static const char *const good[] = {
		"md01", "ab", "a1", "z9", "hp03", "abcdefghijkl", "a0000000000b",
		"laptop7", NULL,
	};
	static const char *const bad[] = {
		"", "a", "1md", "9", "Md01", "mD01", "md-01", "md_01", "md 01",
		" md01", "md01 ", "md01\n", "abcdefghijklm", "m\xc4\x91" "01",
		"md.01", "md/01", "..", NULL,
	};
	size_t i;

	for (i = 0; good[i]; i++) {
		if (!ks_device_valid(good[i]))
			print_message("should be valid: \"%s\"\n", good[i]);
		assert_true(ks_device_valid(good[i]));
	}
	for (i = 0; bad[i]; i++) {
		if (ks_device_valid(bad[i]))
			print_message("should be invalid: \"%s\"\n", bad[i]);
		assert_false(ks_device_valid(bad[i]));
	}
}

static void assert_id(const char *id, const char *device,
		      unsigned long counter)
{
	char dev[KS_DEVICE_MAX + 1] = "unset";
	unsigned long c = 12345;

	if (ks_id_parse(id, dev, &c) != 0)
		print_message("should be an id: \"%s\"\n", id);
	assert_int_equal(ks_id_parse(id, dev, &c), 0);
	assert_string_equal(dev, device);
	assert_int_equal(c, counter);
	/* Either output may be left out. */
	assert_int_equal(ks_id_parse(id, NULL, NULL), 0);
	assert_int_equal(ks_id_parse(id, dev, NULL), 0);
	assert_int_equal(ks_id_parse(id, NULL, &c), 0);
}

static void test_id_parse(void **state)
{
	static const char *const bad[] = {
		"", "md01", "md01-", "-0042", "md01-042", "md01-1", "md01-1234567890",
		"MD01-0042", "md01-00a2", "md01--0042", "md01-0042-1",
		"md01-0042.yaml", " md01-0042", "md01-0042 ", "md01-0042\n",
		"md01-+042", "md01- 042", "abcdefghijklm-0001", "1md-0001",
		"m-0001", "md01_0042", "md01-٠٠٤٢", "md\xc4\x91-0001", NULL,
	};
	char dev[KS_DEVICE_MAX + 1];
	unsigned long c;
	size_t i;

	assert_id("md01-0042", "md01", 42);
	assert_id("md02-0001", "md02", 1);
	assert_id("ab-9999", "ab", 9999);
	assert_id("md01-10000", "md01", 10000);
	assert_id("md01-123456789", "md01", 123456789);
	assert_id("abcdefghijkl-0001", "abcdefghijkl", 1);
	for (i = 0; bad[i]; i++) {
		if (ks_id_parse(bad[i], dev, &c) != -1)
			print_message("should not be an id: \"%s\"\n", bad[i]);
		assert_int_equal(ks_id_parse(bad[i], dev, &c), -1);
	}
}

static void assert_no_relpath(const char *kind, const char *id)
{
	char *p = ks_record_relpath(kind, id);

	if (p)
		print_message("kind \"%s\" gave \"%s\"\n", kind, p);
	ks_free(p);
	assert_null(p);
}

static void assert_relpath(const char *kind, const char *id, const char *want)
{
	char *p = ks_record_relpath(kind, id);
	char *k = NULL, *i = NULL;

	assert_non_null(p);
	assert_string_equal(p, want);
	/* And back again. */
	assert_int_equal(ks_record_path_parse(p, &k, &i), 0);
	assert_string_equal(k, kind);
	assert_string_equal(i, id);
	ks_free(k);
	ks_free(i);
	ks_free(p);
}

static void test_record_relpath(void **state)
{
	assert_relpath("workshop", "md01-0042",
		       "records/workshop/md01/000/md01-0042.yaml");
	assert_relpath("workshop", "md01-0999",
		       "records/workshop/md01/009/md01-0999.yaml");
	assert_relpath("brand", "md02-1000",
		       "records/brand/md02/010/md02-1000.yaml");
	assert_relpath("brand", "md02-1999",
		       "records/brand/md02/019/md02-1999.yaml");
	assert_relpath("workshop", "hp03-42000",
		       "records/workshop/hp03/420/hp03-42000.yaml");
	assert_relpath("workshop", "md01-123456789",
		       "records/workshop/md01/1234567/md01-123456789.yaml");
	assert_relpath("x_1", "ab-0001", "records/x_1/ab/000/ab-0001.yaml");
	/* Not an id: no path. */
	assert_no_relpath("workshop", "md01-42");
	assert_no_relpath("workshop", "../md01-0042");
	assert_no_relpath("workshop", "md01-0042/x");
	assert_no_relpath("workshop", "");
}

static void assert_not_a_record_path(const char *path)
{
	char *k = (char *)"unset", *i = (char *)"unset";
	int r = ks_record_path_parse(path, &k, &i);

	if (r != -1) {
		print_message("should be refused: \"%s\" (kind \"%s\")\n",
			      path, k);
		ks_free(k);
		ks_free(i);
	}
	assert_int_equal(r, -1);
	assert_null(k);
	assert_null(i);
}

static void test_record_path_parse(void **state)
{
	char *k = NULL, *i = NULL;

	/* Any kind name is read back; the survey decides if it knows it. */
	assert_int_equal(ks_record_path_parse("records/foo/md01/000/md01-0001.yaml",
					      &k, &i), 0);
	assert_string_equal(k, "foo");
	assert_string_equal(i, "md01-0001");
	ks_free(k);
	ks_free(i);

	/* Wrong bucket, device folder, extension, depth or root. */
	assert_not_a_record_path("records/workshop/md01/001/md01-0001.yaml");
	assert_not_a_record_path("records/workshop/md01/0/md01-0001.yaml");
	assert_not_a_record_path("records/workshop/md01/00/md01-0001.yaml");
	assert_not_a_record_path("records/workshop/md02/000/md01-0001.yaml");
	assert_not_a_record_path("records/workshop/md01/000/md01-0001.yml");
	assert_not_a_record_path("records/workshop/md01/000/md01-0001.YAML");
	assert_not_a_record_path("records/workshop/md01/000/md01-0001.json");
	assert_not_a_record_path("records/workshop/md01/000/md01-0001");
	assert_not_a_record_path("records/workshop/md01/000/md01-0001.yaml.tmp-ab12");
	assert_not_a_record_path("records/workshop/md01/000/.yaml");
	assert_not_a_record_path("records/workshop/md01/000/md01-42.yaml");
	assert_not_a_record_path("records/workshop/md01/000/notes.yaml");
	assert_not_a_record_path("records/workshop/x/md01/000/md01-0001.yaml");
	assert_not_a_record_path("records/workshop/000/md01-0001.yaml");
	assert_not_a_record_path("records/workshop/md01-0001.yaml");
	assert_not_a_record_path("records/md01-0001.yaml");
	assert_not_a_record_path("records/");
	assert_not_a_record_path("records");
	assert_not_a_record_path("");
	assert_not_a_record_path("schema/workshop.yaml");
	assert_not_a_record_path("khaosat.yaml");
	assert_not_a_record_path("record/workshop/md01/000/md01-0001.yaml");
	assert_not_a_record_path("recordsx/workshop/md01/000/md01-0001.yaml");
	assert_not_a_record_path("./records/workshop/md01/000/md01-0001.yaml");
	assert_not_a_record_path("/records/workshop/md01/000/md01-0001.yaml");
	assert_not_a_record_path("records/workshop//md01/000/md01-0001.yaml");
	assert_not_a_record_path("records/workshop/md01/000//md01-0001.yaml");
}

/*
 * A kind is a name (lowercase letters, digits, _): no empty kind, and no
 * kind that leads out of records/.
 */
static void test_kind_must_be_a_name(void **state)
{
	assert_no_relpath("", "md01-0001");
	assert_no_relpath("..", "md01-0001");
	assert_no_relpath("a/b", "md01-0001");
	assert_not_a_record_path("records//md01/000/md01-0001.yaml");
	assert_not_a_record_path("records/../md01/000/md01-0001.yaml");
}

static void test_out_of_memory(void **state)
{
	char *k = NULL, *i = NULL;
	long n;

	ks_alloc_fail_after(0);
	assert_null(ks_record_relpath("workshop", "md01-0042"));
	ks_alloc_fail_after(-1);
	for (n = 0; n < 20; n++) {
		int r;

		ks_alloc_fail_after(n);
		r = ks_record_path_parse("records/workshop/md01/000/md01-0042.yaml",
					 &k, &i);
		ks_alloc_fail_after(-1);
		if (r == 0) {
			assert_string_equal(k, "workshop");
			assert_string_equal(i, "md01-0042");
			ks_free(k);
			ks_free(i);
			break;
		}
		assert_int_equal(r, -1);
		assert_null(k);
		assert_null(i);
	}
	assert_true(n > 0 && n < 20);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_device_valid),
		cmocka_unit_test(test_id_parse),
		cmocka_unit_test(test_record_relpath),
		cmocka_unit_test(test_record_path_parse),
		cmocka_unit_test(test_kind_must_be_a_name),
		cmocka_unit_test(test_out_of_memory),
	};

	KS_RUN_TESTS(tests);
}
