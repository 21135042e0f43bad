/*
 * Work done ahead, taken back in order.  A walk that parses and validates
 * thousands of records one after another, with something after each that
 * must stay in order (a table of unique values, a cache written in the
 * walk's order, diagnostics as the files were named), hands each record
 * to the pool and takes the results back in the order it handed them,
 * while the pool's threads work on the records that follow.
 *
 * Items are `size` bytes each, in a ring of KS_POOL_DEPTH slots that the
 * caller fills and reads; `work` is called once on each, from a pool
 * thread or from the caller itself: when the item it takes is not done,
 * the caller works on the oldest item nobody has started rather than
 * wait.  So the caller's thread works too, and with one processor (or a
 * thread that cannot start) every item is worked on as it is taken, as a
 * plain loop would.
 *
 * `work` runs beside other calls of itself and beside the caller: it may
 * touch only its item and what nobody changes while the pool runs.
 *
 *	while (more) {
 *		if (!(it = ks_pool_slot(p)))	(the ring is full)
 *			use(ks_pool_take(p)), ks_pool_drop(p);
 *		else
 *			fill(it), ks_pool_put(p);
 *	}
 *	while ((it = ks_pool_take(p)))
 *		use(it), ks_pool_drop(p);
 */
#ifndef KS_POOL_H
#define KS_POOL_H

#include <stddef.h>

#define KS_POOL_DEPTH 64

typedef void (*ks_pool_work_fn)(void *item, void *ctx);

struct ks_pool;

/*
 * A pool of up to `threads` threads besides the caller's; 0: one fewer
 * than KHAOSAT_THREADS says, or than the processors, at most 7.  NULL
 * when out of memory.
 */
struct ks_pool *ks_pool_new(size_t size, unsigned threads,
			    ks_pool_work_fn work, void *ctx);

/* The slot to fill next, zeroed; NULL when every slot is in use. */
void *ks_pool_slot(struct ks_pool *p);

/* The slot ks_pool_slot() gave, filled: its work may start. */
void ks_pool_put(struct ks_pool *p);

/*
 * The oldest item put and not yet dropped, its work done; NULL when none
 * is left.  It stays the caller's until ks_pool_drop().
 */
void *ks_pool_take(struct ks_pool *p);

/* The item ks_pool_take() gave is done with: its slot is free. */
void ks_pool_drop(struct ks_pool *p);

/*
 * Stops the threads, once they end the work they are doing.  What items
 * still in the ring hold is the caller's to release: ks_pool_take() each
 * first (which works on it) when they hold anything.
 */
void ks_pool_free(struct ks_pool *p);

/*
 * Work on many small items shared out at once: `fn` called on shares of
 * [0, n), one a processor (as ks_pool_new() counts them, the caller's
 * thread among them), each of at least `min_share` items; returns when
 * every share is done (at once when n is 0: `fn` is not called).  Each
 * call may touch only its share and what nobody changes meanwhile.  For
 * work whose items cost a system call each (a file's stat data), where a
 * ring's hand-over would cost more.
 */
typedef void (*ks_pool_share_fn)(void *ctx, size_t from, size_t to);
void ks_pool_split(size_t n, size_t min_share, ks_pool_share_fn fn,
		   void *ctx);

#endif
