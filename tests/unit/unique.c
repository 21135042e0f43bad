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
		cmocka_unit_test(test_out_of_memory),
	};

	KS_RUN_TESTS(tests);
}
