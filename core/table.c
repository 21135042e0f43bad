/*
 * The hash table of the program's own indexes: see table.h.  A probe
 * reads the dense array of slots, then the entry a slot names, whose
 * hash lies just before it, in the same cache line.
 */
#include "table.h"
#include "alloc.h"

#include <assert.h>
#include <stdint.h>
#include <string.h>

#define MIN_CAP 16

void ks_table_init(struct ks_table *t, size_t size)
{
	t->slot = NULL;
	t->entry = NULL;
	t->n = t->cap = 0;
	t->size = size;
}

void ks_table_release(struct ks_table *t)
{
	ks_free(t->slot);
	ks_free(t->entry);
	ks_table_init(t, t->size);
}

/* The bytes of one entry in the array: its hash, then the entry. */
static size_t stride(const struct ks_table *t)
{
	const size_t a = sizeof(size_t);

	return a + (t->size + a - 1) / a * a;
}

static size_t *hash_at(const struct ks_table *t, size_t k)
{
	return (size_t *)(void *)(t->entry + k * stride(t));
}

static void *entry_at(const struct ks_table *t, size_t k)
{
	return t->entry + k * stride(t) + sizeof(size_t);
}

/* The number of the entry at `entry`. */
static size_t number_of(const struct ks_table *t, const void *entry)
{
	size_t off = (size_t)((const unsigned char *)entry - t->entry);

	assert(off >= sizeof(size_t) && off % stride(t) == sizeof(size_t));
	return (off - sizeof(size_t)) / stride(t);
}

/* The slot of the entry that holds `key`, or the free slot that ends its run. */
static size_t probe(const struct ks_table *t, size_t h, const void *key,
		    ks_table_eq_fn eq)
{
	size_t mask = t->cap - 1, i, k;

	for (i = h & mask; t->slot[i]; i = (i + 1) & mask) {
		k = t->slot[i] - 1;
		if (*hash_at(t, k) == h && eq(entry_at(t, k), key))
			break;
	}
	return i;
}

static size_t free_slot(const uint32_t *slot, size_t mask, size_t h)
{
	size_t i;

	for (i = h & mask; slot[i]; i = (i + 1) & mask)
		;
	return i;
}

/* The slot that names entry `k`. */
static size_t slot_of(const struct ks_table *t, size_t k)
{
	size_t mask = t->cap - 1, i;

	for (i = *hash_at(t, k) & mask; t->slot[i] != k + 1; i = (i + 1) & mask)
		assert(t->slot[i]);
	return i;
}

/*
 * `cap` slots, the entries' array grown to cap / 2, every entry filed
 * again from its kept hash.  Nothing changes when an allocation fails.
 */
static int resize(struct ks_table *t, size_t cap)
{
	uint32_t *slot;
	unsigned char *entry;
	size_t k;

	/* numbers up to cap / 2, plus 1, must fit a slot */
	if (cap > (size_t)UINT32_MAX || cap / 2 > SIZE_MAX / stride(t))
		return -1;
	slot = ks_calloc(cap, sizeof(*slot));
	if (!slot)
		return -1;
	entry = ks_realloc(t->entry, cap / 2 * stride(t));
	if (!entry) {
		ks_free(slot);
		return -1;
	}
	t->entry = entry;
	for (k = 0; k < t->n; k++)
		slot[free_slot(slot, cap - 1, *hash_at(t, k))] = (uint32_t)(k + 1);
	ks_free(t->slot);
	t->slot = slot;
	t->cap = cap;
	return 0;
}

int ks_table_reserve(struct ks_table *t, size_t n)
{
	size_t cap = t->cap ? t->cap : MIN_CAP;

	assert(t->size);
	if (t->cap && n <= t->cap / 2)
		return 0;
	while (cap / 2 < n) {
		if (cap > SIZE_MAX / 2)
			return -1;
		cap *= 2;
	}
	return resize(t, cap);
}

/* A hash as the table keeps it: 0 is kept as 1, as it always was. */
static size_t kept(size_t hash)
{
	return hash ? hash : 1;
}

/* Entry n, new and zeroed, under `h`, named by the free slot `i`. */
static void *claim(struct ks_table *t, size_t i, size_t h)
{
	size_t k = t->n++;
	void *e = entry_at(t, k);

	*hash_at(t, k) = h;
	t->slot[i] = (uint32_t)(k + 1);
	memset(e, 0, t->size);
	return e;
}

void *ks_table_find(const struct ks_table *t, size_t hash, const void *key,
		    ks_table_eq_fn eq)
{
	size_t i;

	if (!t->n)
		return NULL;
	i = probe(t, kept(hash), key, eq);
	return t->slot[i] ? entry_at(t, t->slot[i] - 1) : NULL;
}

void *ks_table_add(struct ks_table *t, size_t hash)
{
	size_t h = kept(hash);

	if (ks_table_reserve(t, t->n + 1) < 0)
		return NULL;
	return claim(t, free_slot(t->slot, t->cap - 1, h), h);
}

int ks_table_put(struct ks_table *t, size_t hash, const void *key,
		 ks_table_eq_fn eq, void **entry)
{
	size_t h = kept(hash), i;

	if (t->cap) {
		i = probe(t, h, key, eq);
		if (t->slot[i]) {
			*entry = entry_at(t, t->slot[i] - 1);
			return 0;
		}
		/* The free slot found stays the right one while nothing grows. */
		if (t->n + 1 <= t->cap / 2) {
			*entry = claim(t, i, h);
			return 1;
		}
	}
	*entry = ks_table_add(t, hash);
	return *entry ? 1 : -1;
}

void ks_table_remove(struct ks_table *t, void *entry)
{
	size_t mask = t->cap - 1, k = number_of(t, entry), last, i, j, home;

	assert(k < t->n);
	i = slot_of(t, k);
	/*
	 * No tombstones: each later slot of the run moves back into the
	 * hole unless its entry's home slot lies after the hole, where a
	 * probe for it would never pass the hole.
	 */
	for (j = (i + 1) & mask; t->slot[j]; j = (j + 1) & mask) {
		home = *hash_at(t, t->slot[j] - 1) & mask;
		if (((j - home) & mask) < ((j - i) & mask))
			continue;
		t->slot[i] = t->slot[j];
		i = j;
	}
	t->slot[i] = 0;
	/* The last entry fills the hole in the array. */
	last = --t->n;
	if (k != last) {
		t->slot[slot_of(t, last)] = (uint32_t)(k + 1);
		memcpy(hash_at(t, k), hash_at(t, last), stride(t));
	}
}

void *ks_table_next(const struct ks_table *t, size_t *i)
{
	return *i < t->n ? entry_at(t, (*i)++) : NULL;
}
