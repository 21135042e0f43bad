/*
 * Unit tests for core/pool.h: every item worked on once and taken back in
 * the order it was put, with threads and without; the caller works on
 * what no thread has started; a full ring gives no slot until an item is
 * dropped; a pool freed with items left in it ends; while failures are
 * injected, all work is on the caller's thread; ks_pool_split() covers
 * every item once, in as many shares as processors are allowed.
 */
#include "unit.h"

#include "alloc.h"
#include "pool.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct item {
	size_t n;
	size_t square;
	pthread_t by;
	int times;		/* worked on: must end at 1 */
};

struct ctx {
	int slow;		/* each work takes a millisecond */
	int worked;		/* by any thread */
};

static void work(void *p, void *c)
{
	struct item *it = p;
	struct ctx *ctx = c;

	if (ctx->slow) {
		struct timespec ms = { 0, 1000000 };

		nanosleep(&ms, NULL);
	}
	it->square = it->n * it->n;
	it->by = pthread_self();
	__atomic_fetch_add(&it->times, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&ctx->worked, 1, __ATOMIC_RELAXED);
}

/* Puts 0..n-1 through a pool; the count of items the caller worked on. */
static size_t run(unsigned threads, size_t n, struct ctx *ctx)
{
	struct ks_pool *p = ks_pool_new(sizeof(struct item), threads, work, ctx);
	size_t next = 0, want = 0, mine = 0;
	struct item *it;

	assert_non_null(p);
	for (;;) {
		if (next < n && (it = ks_pool_slot(p))) {
			it->n = next++;
			ks_pool_put(p);
			continue;
		}
		if (!(it = ks_pool_take(p)))
			break;
		assert_int_equal(it->n, want);
		assert_int_equal(it->square, want * want);
		assert_int_equal(it->times, 1);
		mine += pthread_equal(it->by, pthread_self()) != 0;
		/* taken again before the drop: the same item, not worked again */
		assert_ptr_equal(ks_pool_take(p), it);
		ks_pool_drop(p);
		want++;
	}
	assert_int_equal(want, n);
	assert_int_equal(ctx->worked, (int)n);
	ks_pool_free(p);
	return mine;
}

static void test_order(void **state)
{
	unsigned threads[] = { 0, 1, 3, 7 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(threads) / sizeof(threads[0]); i++) {
		struct ctx ctx = { 0, 0 };

		run(threads[i], 20000, &ctx);
	}
}

static void test_both_work(void **state)
{
	struct ctx ctx = { 1, 0 };
	size_t mine = run(1, 300, &ctx);

	(void)state;
	/* the caller works on what the one thread has not started */
	assert_true(mine > 0);
	assert_true(mine < 300);
}

static void test_full(void **state)
{
	struct ctx ctx = { 0, 0 };
	struct ks_pool *p = ks_pool_new(sizeof(struct item), 2, work, &ctx);
	struct item *it;
	size_t i;

	(void)state;
	assert_non_null(p);
	assert_null(ks_pool_take(p));
	for (i = 0; i < KS_POOL_DEPTH; i++) {
		it = ks_pool_slot(p);
		assert_non_null(it);
		it->n = i;
		ks_pool_put(p);
	}
	assert_null(ks_pool_slot(p));
	it = ks_pool_take(p);
	assert_non_null(it);
	assert_int_equal(it->n, 0);
	/* taken is not dropped: still no room */
	assert_null(ks_pool_slot(p));
	ks_pool_drop(p);
	it = ks_pool_slot(p);
	assert_non_null(it);
	assert_int_equal(it->n, 0);	/* zeroed for the caller */
	it->n = KS_POOL_DEPTH;
	ks_pool_put(p);
	for (i = 1; i <= KS_POOL_DEPTH; i++) {
		it = ks_pool_take(p);
		assert_non_null(it);
		assert_int_equal(it->n, i);
		ks_pool_drop(p);
	}
	assert_null(ks_pool_take(p));
	ks_pool_drop(p);	/* nothing taken: nothing happens */
	assert_null(ks_pool_take(p));
	ks_pool_free(p);
}

static void test_free_with_items(void **state)
{
	struct ctx ctx = { 1, 0 };
	struct ks_pool *p = ks_pool_new(sizeof(struct item), 2, work, &ctx);
	size_t i;

	(void)state;
	assert_non_null(p);
	for (i = 0; i < 10; i++) {
		((struct item *)ks_pool_slot(p))->n = i;
		ks_pool_put(p);
	}
	ks_pool_free(p);
	ks_pool_free(NULL);
}

static void test_injecting(void **state)
{
	struct ctx ctx = { 0, 0 };
	size_t mine;

	(void)state;
	ks_alloc_fail_after(1000000);
	mine = run(3, 500, &ctx);
	ks_alloc_fail_after(-1);
	assert_int_equal(mine, 500);
}

/* ks_pool_split(): each item's count, and the threads that worked. */
struct cover {
	int *times;
	pthread_t by[16];
	int nby;
	pthread_mutex_t mu;
};

static void cover_share(void *c, size_t from, size_t to)
{
	struct cover *cv = c;
	size_t i;

	assert_true(from < to);
	for (i = from; i < to; i++)
		__atomic_fetch_add(&cv->times[i], 1, __ATOMIC_RELAXED);
	pthread_mutex_lock(&cv->mu);
	if (cv->nby < 16)
		cv->by[cv->nby++] = pthread_self();
	pthread_mutex_unlock(&cv->mu);
}

static void test_split(void **state)
{
	static const size_t ns[] = { 0, 1, 7, 4095, 4096, 8192, 30001 };
	static const char *const procs[] = { "1", "2", "3", "8" };
	size_t a, b, i;

	(void)state;
	for (a = 0; a < sizeof(procs) / sizeof(procs[0]); a++) {
		setenv("KHAOSAT_THREADS", procs[a], 1);
		for (b = 0; b < sizeof(ns) / sizeof(ns[0]); b++) {
			struct cover cv = { 0 };
			size_t want;

			cv.times = ks_calloc(ns[b] + 1, sizeof(int));
			assert_non_null(cv.times);
			pthread_mutex_init(&cv.mu, NULL);
			ks_pool_split(ns[b], 4096, cover_share, &cv);
			for (i = 0; i < ns[b]; i++)
				assert_int_equal(cv.times[i], 1);
			/* one share a processor, of 4,096 items at least */
			want = ns[b] / 4096;
			if (want > (size_t)atoi(procs[a]))
				want = (size_t)atoi(procs[a]);
			if (want < 1)
				want = 1;
			assert_int_equal(cv.nby, ns[b] ? (int)want : 0);
			/* the first share is the caller's */
			for (i = 0; i < (size_t)cv.nby; i++)
				if (pthread_equal(cv.by[i], pthread_self()))
					break;
			assert_true(!ns[b] || i < (size_t)cv.nby);
			pthread_mutex_destroy(&cv.mu);
			ks_free(cv.times);
		}
	}
	unsetenv("KHAOSAT_THREADS");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_both_work),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_free_with_items),
		cmocka_unit_test(test_injecting),
		cmocka_unit_test(test_split),
	};

	KS_RUN_TESTS(tests);
}
