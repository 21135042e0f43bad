/*
 * Work done ahead, taken back in order: see pool.h.
 *
 * Items are numbered as they are put.  Three counters say where each is:
 * `dropped` items are done with, `started` have been claimed by a thread
 * (or by the caller), `put` have been handed in; dropped <= started <= put
 * and put - dropped <= KS_POOL_DEPTH, so a slot is never reused while its
 * item is in the ring.  The mutex guards `started`, `put`, `stop` and the
 * `done` flags; `dropped` is the caller's alone.
 */
#include "pool.h"
#include "alloc.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_THREADS 7

struct ks_pool {
	size_t size;
	ks_pool_work_fn work;
	void *ctx;
	unsigned char *items;
	unsigned char done[KS_POOL_DEPTH];
	size_t dropped, started, put;
	int stop;
	pthread_mutex_t mu;
	pthread_cond_t more;	/* an item was put, or the pool stops */
	pthread_cond_t ended;	/* an item's work was done */
	pthread_t tid[MAX_THREADS];
	unsigned nthreads;
};

static void *item_at(struct ks_pool *p, size_t seq)
{
	return p->items + (seq % KS_POOL_DEPTH) * p->size;
}

/* The oldest item nobody has, worked on; called and returning locked. */
static void work_next(struct ks_pool *p)
{
	size_t seq = p->started++;

	pthread_mutex_unlock(&p->mu);
	p->work(item_at(p, seq), p->ctx);
	pthread_mutex_lock(&p->mu);
	p->done[seq % KS_POOL_DEPTH] = 1;
	pthread_cond_broadcast(&p->ended);
}

static void *pool_thread(void *arg)
{
	struct ks_pool *p = arg;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!p->stop && p->started == p->put)
			pthread_cond_wait(&p->more, &p->mu);
		if (p->stop)
			break;
		work_next(p);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

static unsigned threads_wanted(unsigned threads)
{
	const char *env;
	char *end;
	long cpus;

	/* failures injected by count must come in one order */
	if (ks_alloc_injecting())
		return 0;
	if (!threads) {
		/* KHAOSAT_THREADS counts the caller's too */
		env = getenv("KHAOSAT_THREADS");
		cpus = env && *env ? strtol(env, &end, 10) : 0;
		if (!env || !*env || *end || cpus < 1)
			cpus = sysconf(_SC_NPROCESSORS_ONLN);
		threads = cpus > 1 ? (unsigned)(cpus - 1) : 0;
	}
	return threads > MAX_THREADS ? MAX_THREADS : threads;
}

struct ks_pool *ks_pool_new(size_t size, unsigned threads,
			    ks_pool_work_fn work, void *ctx)
{
	struct ks_pool *p = ks_calloc(1, sizeof(*p));
	unsigned i, want = threads_wanted(threads);

	if (!p || !(p->items = ks_calloc(KS_POOL_DEPTH, size))) {
		ks_free(p);
		return NULL;
	}
	p->size = size;
	p->work = work;
	p->ctx = ctx;
	if (!want)
		return p;
	if (pthread_mutex_init(&p->mu, NULL))
		return p;
	if (pthread_cond_init(&p->more, NULL)) {
		pthread_mutex_destroy(&p->mu);
		return p;
	}
	if (pthread_cond_init(&p->ended, NULL)) {
		pthread_cond_destroy(&p->more);
		pthread_mutex_destroy(&p->mu);
		return p;
	}
	/* Fewer threads than wanted only means less done ahead. */
	for (i = 0; i < want; i++)
		if (pthread_create(&p->tid[p->nthreads], NULL, pool_thread, p) == 0)
			p->nthreads++;
	if (!p->nthreads) {
		pthread_cond_destroy(&p->ended);
		pthread_cond_destroy(&p->more);
		pthread_mutex_destroy(&p->mu);
	}
	return p;
}

void *ks_pool_slot(struct ks_pool *p)
{
	void *it;

	if (p->put - p->dropped == KS_POOL_DEPTH)
		return NULL;
	it = item_at(p, p->put);
	memset(it, 0, p->size);
	return it;
}

void ks_pool_put(struct ks_pool *p)
{
	if (!p->nthreads) {
		p->put++;
		return;
	}
	pthread_mutex_lock(&p->mu);
	p->done[p->put % KS_POOL_DEPTH] = 0;
	p->put++;
	pthread_cond_signal(&p->more);
	pthread_mutex_unlock(&p->mu);
}

void *ks_pool_take(struct ks_pool *p)
{
	size_t seq = p->dropped;
	void *it;

	if (seq == p->put)
		return NULL;
	it = item_at(p, seq);
	if (!p->nthreads) {
		if (p->started == seq) {
			p->started++;
			p->work(it, p->ctx);
		}
		return it;
	}
	pthread_mutex_lock(&p->mu);
	/*
	 * Rather than wait, the caller works on the next item nobody has:
	 * the oldest itself, when no thread has started it.
	 */
	while (!p->done[seq % KS_POOL_DEPTH])
		if (p->started < p->put)
			work_next(p);
		else
			pthread_cond_wait(&p->ended, &p->mu);
	pthread_mutex_unlock(&p->mu);
	return it;
}

void ks_pool_drop(struct ks_pool *p)
{
	if (p->dropped < p->put)
		p->dropped++;
}

void ks_pool_free(struct ks_pool *p)
{
	unsigned i;

	if (!p)
		return;
	if (p->nthreads) {
		pthread_mutex_lock(&p->mu);
		p->stop = 1;
		pthread_cond_broadcast(&p->more);
		pthread_mutex_unlock(&p->mu);
		for (i = 0; i < p->nthreads; i++)
			pthread_join(p->tid[i], NULL);
		pthread_cond_destroy(&p->ended);
		pthread_cond_destroy(&p->more);
		pthread_mutex_destroy(&p->mu);
	}
	ks_free(p->items);
	ks_free(p);
}

struct share {
	ks_pool_share_fn fn;
	void *ctx;
	size_t from, to;
};

static void *share_thread(void *arg)
{
	struct share *sh = arg;

	sh->fn(sh->ctx, sh->from, sh->to);
	return NULL;
}

void ks_pool_split(size_t n, size_t min_share, ks_pool_share_fn fn,
		   void *ctx)
{
	struct share sh[MAX_THREADS + 1];
	pthread_t tid[MAX_THREADS + 1];
	size_t shares = min_share ? n / min_share : n, most, k;
	int started[MAX_THREADS + 1] = { 0 };

	if (!n)
		return;
	most = (size_t)threads_wanted(0) + 1;
	if (shares > most)
		shares = most;
	if (shares < 1)
		shares = 1;
	for (k = 0; k < shares; k++) {
		sh[k].fn = fn;
		sh[k].ctx = ctx;
		sh[k].from = n * k / shares;
		sh[k].to = n * (k + 1) / shares;
	}
	for (k = 1; k < shares; k++)
		started[k] = !pthread_create(&tid[k], NULL, share_thread, &sh[k]);
	/* the first share is the caller's; one whose thread did not start too */
	fn(ctx, sh[0].from, sh[0].to);
	for (k = 1; k < shares; k++)
		if (!started[k])
			fn(ctx, sh[k].from, sh[k].to);
	for (k = 1; k < shares; k++)
		if (started[k])
			pthread_join(tid[k], NULL);
}
