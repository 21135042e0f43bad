/*
 * Unit tests for core/unique.h: a value twice is one error at the second
 * record naming the first, and running out of memory at any allocation
 * of an addition is reported by ks_unique_report() and leaves an index
 * that later values can still be added to and probed against.
 */
#include "unit.h"

#include "alloc.h"
#include "diag.h"
#include "unique.h"
#include "unique_int.h"

#include <stdio.h>
#include <string.h>

static void add(struct ks_unique *u, const char *path, const char *id,
		const char *value, struct ks_diags *d)
{
	ks_unique_begin(u, "workshop", NULL, path, id, d);
	ks_unique_add_at(u, "/tax_code", value, strlen(value), 4, 11);
}

static void test_clash(void **state)
{
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_unique *u = ks_unique_new();

	(void)state;
	assert_non_null(u);
	add(u, "a.yaml", "a-1", "0100109106", &d);
	add(u, "b.yaml", "b-1", "0100109107", &d);
	/* The same record again is no clash with itself. */
	add(u, "a.yaml", "a-1", "0100109106", &d);
	assert_int_equal(d.n, 0);
	add(u, "c.yaml", "c-1", "0100109106", &d);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.v[0].path, "c.yaml");
	assert_string_equal(d.v[0].message,
			    "tax_code: \"0100109106\" is also used by record a-1 (a.yaml:4:11); it must be unique");
	assert_int_equal(ks_unique_report(u, &d), 0);
	ks_unique_free(u);
	ks_diags_release(&d);
}

/*
 * A record's path is kept unless its caller says the record lies where
 * its kind and id put it (ks_unique_placed()), and the next record begun
 * is not taken to be placed too: a clash names each holder at its own
 * path, derived or kept, in both directions (an addition that meets it,
 * a probe that finds it).
 */
static void test_paths(void **state)
{
	static const struct {
		const char *kind, *path, *id, *value;
		int placed;
	} held[] = {
		/* where the id puts it, said so: only the id is kept */
		{ "workshop", "records/workshop/md01/000/md01-0042.yaml", "md01-0042", "1", 1 },
		/* another folder than the id's */
		{ "workshop", "records/workshop/md01/009/md01-0043.yaml", "md01-0043", "2", 0 },
		/* the place of another kind */
		{ "brand", "records/workshop/md01/000/md01-0044.yaml", "md01-0044", "3", 0 },
		/* no survey path at all */
		{ "workshop", "plain/md01-0045.yaml", "md01-0045", "4", 0 },
	};
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_unique *u = ks_unique_new();
	char want[256];
	size_t i;

	(void)state;
	assert_non_null(u);
	for (i = 0; i < 4; i++) {
		ks_unique_begin(u, held[i].kind, NULL, held[i].path, held[i].id, &d);
		if (held[i].placed)
			ks_unique_placed(u);
		ks_unique_add_at(u, "/tax_code", held[i].value, 1, 4, 11);
	}
	for (i = 0; i < 4; i++) {
		ks_unique_begin(u, held[i].kind, NULL, "x.yaml", "x-1", &d);
		ks_unique_add_at(u, "/tax_code", held[i].value, 1, 5, 12);
		assert_int_equal(d.n, i + 1);
		snprintf(want, sizeof(want),
			 "tax_code: \"%s\" is also used by record %s (%s:4:11); it must be unique",
			 held[i].value, held[i].id, held[i].path);
		assert_string_equal(d.v[i].message, want);
		assert_string_equal(d.v[i].path, "x.yaml");
	}
	/* probed: the clash is at the held record, at its path */
	for (i = 0; i < 4; i++) {
		ks_unique_begin(u, held[i].kind, NULL, "y.yaml", "y-1", &d);
		ks_unique_probe_at(u, "/tax_code", held[i].value, 1, 6, 13);
		assert_int_equal(d.n, 5 + i);
		assert_string_equal(d.v[4 + i].path, held[i].path);
	}
	assert_int_equal(ks_unique_report(u, &d), 0);
	ks_unique_free(u);
	ks_diags_release(&d);
}

/*
 * Many records, so that the strings fill several blocks, one value longer
 * than a block, and the same text under another field or another kind,
 * which is no clash: every first holder is still named right at the end.
 */
static void test_many(void **state)
{
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_unique *u = ks_unique_new();
	char path[64], id[32], value[32], *big;
	size_t big_len = 100000;
	int i;

	(void)state;
	assert_non_null(u);
	assert_non_null(big = test_malloc(big_len));
	memset(big, 'x', big_len);
	assert_int_equal(ks_unique_reserve(u, 1000), 0);
	for (i = 0; i < 5000; i++) {
		snprintf(path, sizeof(path), "records/workshop/md01/%03d/md01-%04d.yaml",
			 i / 1000, i);
		snprintf(id, sizeof(id), "md01-%04d", i);
		snprintf(value, sizeof(value), "01001%05d", i);
		add(u, path, id, value, &d);
		ks_unique_add_at(u, "/phone", value, strlen(value), 5, 8);
		if (i == 2500)
			ks_unique_add_at(u, "/note", big, big_len, 6, 7);
		ks_unique_begin(u, "brand", NULL, path, id, &d);
		ks_unique_add_at(u, "/tax_code", value, strlen(value), 3, 4);
	}
	assert_int_equal(d.n, 0);
	add(u, "x.yaml", "x-1", "0100104999", &d);
	ks_unique_add_at(u, "/note", big, big_len, 9, 9);
	assert_int_equal(d.n, 2);
	assert_string_equal(d.v[0].message,
			    "tax_code: \"0100104999\" is also used by record md01-4999 (records/workshop/md01/004/md01-4999.yaml:4:11); it must be unique");
	assert_non_null(strstr(d.v[1].message,
			       "is also used by record md01-2500 (records/workshop/md01/002/md01-2500.yaml:6:7)"));
	assert_int_equal(ks_unique_report(u, &d), 0);
	test_free(big);
	ks_unique_free(u);
	ks_diags_release(&d);
}

/*
 * The Nth allocation of the first addition fails, for every N until one
 * succeeds whole.  The same value from another record afterwards must
 * not find half an entry (no path or id to name).
 */
static void test_out_of_memory(void **state)
{
	long n;
	int done = 0;

	(void)state;
	for (n = 0; !done; n++) {
		struct ks_diags d = KS_DIAGS_INIT;
		struct ks_unique *u = ks_unique_new();
		unsigned long failures = ks_alloc_failures();

		assert_non_null(u);
		ks_alloc_fail_after(n);
		add(u, "a.yaml", "a-1", "0100109106", &d);
		ks_alloc_fail_after(-1);
		done = ks_alloc_failures() == failures;
		assert_int_equal(ks_unique_report(u, &d), done ? 0 : -1);
		add(u, "b.yaml", "b-1", "0100109106", &d);
		ks_unique_begin(u, "workshop", NULL, "c.yaml", "c-1", &d);
		ks_unique_probe_at(u, "/tax_code", "0100109106", 10, 4, 11);
		if (done)
			assert_int_equal(d.n, 2);
		ks_unique_free(u);
		ks_diags_release(&d);
	}
	assert_true(n > 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clash),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_out_of_memory),
	};

	KS_RUN_TESTS(tests);
}
