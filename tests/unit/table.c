/*
 * Unit tests for core/table.h: entries survive many doublings, keys whose
 * hashes are all one (or 0) are still told apart by their equality,
 * removal leaves every other key findable wherever its run wraps, the walk
 * sees each entry once, and a failed allocation leaves the table as it
 * was, with the failure returned.
 */
#include "unit.h"

#include "alloc.h"
#include "buf.h"
#include "table.h"

#include <stdlib.h>
#include <string.h>

struct pair {
	size_t key;
	size_t value;
};

static int pair_eq(const void *entry, const void *key)
{
	return ((const struct pair *)entry)->key == *(const size_t *)key;
}

/* Which hash the tests file a key under. */
static size_t (*hash_of)(size_t key);

static size_t spread(size_t key)
{
	return ks_hash(&key, sizeof(key));
}

static size_t constant(size_t key)
{
	(void)key;
	return 42;
}

static size_t zero(size_t key)
{
	(void)key;
	return 0;
}

/* Seven runs, so that removals shift entries across others' homes. */
static size_t few(size_t key)
{
	return (key % 7) * 5 + 13;
}

static int put(struct ks_table *t, size_t key, size_t value)
{
	struct pair *p;
	void *e;
	int r = ks_table_put(t, hash_of(key), &key, pair_eq, &e);

	if (r == 1) {
		p = e;
		assert_int_equal(p->key, 0);
		assert_int_equal(p->value, 0);
		p->key = key;
		p->value = value;
	}
	return r;
}

static struct pair *find(const struct ks_table *t, size_t key)
{
	return ks_table_find(t, hash_of(key), &key, pair_eq);
}

/* Every key of `want` (want[k] != 0: there, with value want[k]) and no other. */
static void check_all(const struct ks_table *t, const size_t *want, size_t n)
{
	size_t k, i = 0, count = 0, seen = 0;
	struct pair *p;

	for (k = 0; k < n; k++) {
		p = find(t, k);
		if (want[k]) {
			assert_non_null(p);
			assert_int_equal(p->value, want[k]);
			count++;
		} else {
			assert_null(p);
		}
	}
	assert_int_equal(t->n, count);
	while ((p = ks_table_next(t, &i))) {
		assert_true(p->key < n);
		assert_int_equal(p->value, want[p->key]);
		seen++;
	}
	assert_int_equal(seen, count);
}

static void test_growth(void **state)
{
	struct ks_table t = KS_TABLE_INIT(struct pair);
	size_t n = 100000, k, i = 0, seen = 0, sum = 0;
	struct pair *p;

	(void)state;
	hash_of = spread;
	assert_null(find(&t, 1));
	assert_null(ks_table_next(&t, &i));
	for (k = 0; k < n; k++)
		assert_int_equal(put(&t, k, k * 3 + 1), 1);
	/* From 16 slots to 262144: fourteen doublings, at most half full. */
	assert_int_equal(t.n, n);
	assert_int_equal(t.cap, 262144);
	for (k = 0; k < n; k++) {
		p = find(&t, k);
		assert_non_null(p);
		assert_int_equal(p->key, k);
		assert_int_equal(p->value, k * 3 + 1);
		/* Already there: the value stays. */
		assert_int_equal(put(&t, k, 7), 0);
		assert_int_equal(p->value, k * 3 + 1);
	}
	assert_null(find(&t, n));
	i = 0;
	while ((p = ks_table_next(&t, &i))) {
		seen++;
		sum += p->key;
	}
	assert_int_equal(seen, n);
	assert_int_equal(sum, n * (n - 1) / 2);
	ks_table_release(&t);
	assert_int_equal(t.n, 0);
	assert_null(find(&t, 1));
	/* Released, the table takes entries of the same size again. */
	assert_int_equal(put(&t, 5, 6), 1);
	assert_int_equal(find(&t, 5)->value, 6);
	ks_table_release(&t);
}

/* The key of the entry slot `s` names (ks_table_next() from its number). */
static size_t key_in_slot(const struct ks_table *t, size_t s)
{
	size_t k = t->slot[s] - 1;
	const struct pair *p;

	assert_int_not_equal(t->slot[s], 0);
	p = ks_table_next(t, &k);
	assert_non_null(p);
	return p->key;
}

static void collide(size_t (*h)(size_t))
{
	struct ks_table t;
	size_t want[300] = { 0 }, k;

	hash_of = h;
	ks_table_init(&t, sizeof(struct pair));
	for (k = 0; k < 300; k++) {
		assert_int_equal(put(&t, k, k + 1), 1);
		want[k] = k + 1;
	}
	assert_int_equal(put(&t, 299, 1), 0);
	check_all(&t, want, 300);
	for (k = 0; k < 300; k += 3) {
		ks_table_remove(&t, find(&t, k));
		want[k] = 0;
	}
	check_all(&t, want, 300);
	for (k = 0; k < 300; k += 6) {
		assert_int_equal(put(&t, k, 1000 + k), 1);
		want[k] = 1000 + k;
	}
	check_all(&t, want, 300);
	ks_table_release(&t);
}

static void test_collisions(void **state)
{
	(void)state;
	collide(constant);
	/* 0 marks a free slot: a hash of 0 must still be a key's. */
	collide(zero);
}

/* Removals in a pseudo-random order, checked against a plain array. */
static void test_removal(void **state)
{
	struct ks_table t = KS_TABLE_INIT(struct pair);
	size_t want[64] = { 0 }, k, round;
	unsigned long x = 12345;

	(void)state;
	hash_of = few;
	for (round = 0; round < 3000; round++) {
		x = x * 6364136223846793005ul + 1442695040888963407ul;
		k = (x >> 33) % 64;
		if (want[k]) {
			ks_table_remove(&t, find(&t, k));
			want[k] = 0;
		} else {
			assert_int_equal(put(&t, k, round + 1), 1);
			want[k] = round + 1;
		}
		check_all(&t, want, 64);
	}
	ks_table_release(&t);
}

/* A run that wraps from the last slot to the first, then loses entries. */
static size_t last_slot(size_t key)
{
	return key < 4 ? 15 : 3;
}

static void test_removal_wraps(void **state)
{
	struct ks_table t = KS_TABLE_INIT(struct pair);
	size_t want[8] = { 0 }, k;

	(void)state;
	hash_of = last_slot;
	for (k = 0; k < 5; k++) {
		assert_int_equal(put(&t, k, k + 10), 1);
		want[k] = k + 10;
	}
	assert_int_equal(t.cap, 16);
	/*
	 * Slots 15, 0, 1, 2 hold keys 0-3, slot 3 key 4, at home.  Keys 1-3
	 * move back over the wrap; key 4 must not move before its home.
	 */
	ks_table_remove(&t, find(&t, 0));
	want[0] = 0;
	check_all(&t, want, 8);
	assert_int_equal(key_in_slot(&t, 15), 1);
	assert_int_equal(key_in_slot(&t, 3), 4);
	assert_int_equal(t.slot[2], 0);
	ks_table_remove(&t, find(&t, 1));
	want[1] = 0;
	check_all(&t, want, 8);
	ks_table_remove(&t, find(&t, 4));
	want[4] = 0;
	check_all(&t, want, 8);
	ks_table_release(&t);
}

static void test_out_of_memory(void **state)
{
	struct ks_table t = KS_TABLE_INIT(struct pair);
	size_t want[100] = { 0 }, k;
	void *e;

	(void)state;
	hash_of = spread;
	/* The first slots cannot be had: nothing is added. */
	ks_alloc_fail_after(0);
	assert_int_equal(put(&t, 1, 2), -1);
	assert_int_equal(ks_table_reserve(&t, 10), -1);
	assert_null(ks_table_add(&t, 3));
	ks_alloc_fail_after(-1);
	assert_int_equal(t.n, 0);
	assert_int_equal(t.cap, 0);
	assert_null(find(&t, 1));
	/* Full up to the next doubling, which fails: the entries stay. */
	for (k = 0; k < 8; k++) {
		assert_int_equal(put(&t, k, k + 1), 1);
		want[k] = k + 1;
	}
	assert_int_equal(t.cap, 16);
	ks_alloc_fail_after(0);
	assert_int_equal(ks_table_put(&t, hash_of(8), &k, pair_eq, &e), -1);
	assert_null(e);
	assert_null(ks_table_add(&t, hash_of(8)));
	/* The slots can be had, the larger array of entries cannot. */
	ks_alloc_fail_after(1);
	assert_int_equal(ks_table_put(&t, hash_of(8), &k, pair_eq, &e), -1);
	ks_alloc_fail_after(0);
	check_all(&t, want, 100);
	/* A key that is there needs no room. */
	k = 3;
	assert_int_equal(put(&t, k, 9), 0);
	ks_alloc_fail_after(-1);
	assert_int_equal(t.cap, 16);
	check_all(&t, want, 100);
	/* Memory is back: growth goes on from where it stopped. */
	for (k = 8; k < 100; k++) {
		assert_int_equal(put(&t, k, k + 1), 1);
		want[k] = k + 1;
	}
	check_all(&t, want, 100);
	ks_table_release(&t);
}

/* The walk follows the order of addition; a removal moves the last in. */
static void test_order(void **state)
{
	struct ks_table t = KS_TABLE_INIT(struct pair);
	size_t k, i = 0;
	struct pair *p;

	(void)state;
	hash_of = spread;
	for (k = 0; k < 40; k++)
		assert_int_equal(put(&t, k, k + 100), 1);
	for (k = 0; k < 40; k++) {
		p = ks_table_next(&t, &i);
		assert_non_null(p);
		assert_int_equal(p->key, k);
	}
	assert_null(ks_table_next(&t, &i));
	ks_table_remove(&t, find(&t, 2));
	i = 2;
	assert_int_equal(((struct pair *)ks_table_next(&t, &i))->key, 39);
	assert_int_equal(find(&t, 39)->value, 139);
	assert_null(find(&t, 2));
	ks_table_release(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_collisions),
		cmocka_unit_test(test_removal),
		cmocka_unit_test(test_removal_wraps),
		cmocka_unit_test(test_out_of_memory),
		cmocka_unit_test(test_order),
	};

	KS_RUN_TESTS(tests);
}
