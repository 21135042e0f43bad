/*
 * The hash table of the program's own indexes: see table.h.  The hashes
 * and the entries share one allocation, the hashes first, so a probe
 * reads a dense array and touches an entry only where the hashes agree.
 */
#include "table.h"
#include "alloc.h"

#include <assert.h>
#include <stdint.h>
#include <string.h>

#define MIN_CAP 16

void ks_table_init(struct ks_table *t, size_t size)
{
	t->hash = NULL;
	t->entry = NULL;
	t->n = t->cap = 0;
	t->size = size;
}

void ks_table_release(struct ks_table *t)
{
	ks_free(t->hash);
	ks_table_init(t, t->size);
}

/* A hash as a slot keeps it: 0 marks a free slot. */
static size_t kept(size_t hash)
{
	return hash ? hash : 1;
}

static void *entry_at(const struct ks_table *t, size_t i)
{
	return t->entry + i * t->size;
}

/* The slot of the entry that holds `key`, or the free slot that ends its run. */
static size_t probe(const struct ks_table *t, size_t h, const void *key,
		    ks_table_eq_fn eq)
{
	size_t mask = t->cap - 1, i;

	for (i = h & mask; t->hash[i]; i = (i + 1) & mask)
		if (t->hash[i] == h && eq(entry_at(t, i), key))
			break;
	return i;
}

static size_t free_slot(const struct ks_table *t, size_t h)
{
	size_t mask = t->cap - 1, i;

	for (i = h & mask; t->hash[i]; i = (i + 1) & mask)
		;
	return i;
}

/* Moves every entry into a new array of `cap` slots. */
static int resize(struct ks_table *t, size_t cap)
{
	struct ks_table to = { NULL, NULL, t->n, cap, t->size };
	size_t i, j;

	if (cap > SIZE_MAX / (sizeof(size_t) + t->size))
		return -1;
	to.hash = ks_calloc(cap, sizeof(size_t) + t->size);
	if (!to.hash)
		return -1;
	/* Entries follow the hashes, so they are aligned as a size_t is. */
	to.entry = (unsigned char *)(to.hash + cap);
	for (i = 0; i < t->cap; i++) {
		if (!t->hash[i])
			continue;
		j = free_slot(&to, t->hash[i]);
		to.hash[j] = t->hash[i];
		memcpy(entry_at(&to, j), entry_at(t, i), t->size);
	}
	ks_free(t->hash);
	*t = to;
	return 0;
}

int ks_table_reserve(struct ks_table *t, size_t n)
{
	size_t cap = t->cap ? t->cap : MIN_CAP;

	assert(t->size);
	if (n <= t->cap / 2)
		return 0;
	while (cap / 2 < n) {
		if (cap > SIZE_MAX / 2)
			return -1;
		cap *= 2;
	}
	return resize(t, cap);
}

/* Takes the free slot `i` for an entry whose kept hash is `h`. */
static void *claim(struct ks_table *t, size_t i, size_t h)
{
	void *e = entry_at(t, i);

	t->hash[i] = h;
	t->n++;
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
	return t->hash[i] ? entry_at(t, i) : NULL;
}

void *ks_table_add(struct ks_table *t, size_t hash)
{
	size_t h = kept(hash);

	if (ks_table_reserve(t, t->n + 1) < 0)
		return NULL;
	return claim(t, free_slot(t, h), h);
}

int ks_table_put(struct ks_table *t, size_t hash, const void *key,
		 ks_table_eq_fn eq, void **entry)
{
	size_t h = kept(hash), i;

	if (t->cap) {
		i = probe(t, h, key, eq);
		if (t->hash[i]) {
			*entry = entry_at(t, i);
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
	size_t mask = t->cap - 1, i, j;

	i = (size_t)((unsigned char *)entry - t->entry) / t->size;
	assert(i < t->cap && t->hash[i]);
	t->n--;
	/*
	 * No tombstones: each later entry of the run moves back into the
	 * hole unless its home slot lies after the hole, where a probe for
	 * it would never pass the hole.
	 */
	for (j = (i + 1) & mask; t->hash[j]; j = (j + 1) & mask) {
		if (((j - t->hash[j]) & mask) < ((j - i) & mask))
			continue;
		t->hash[i] = t->hash[j];
		memcpy(entry_at(t, i), entry_at(t, j), t->size);
		i = j;
	}
	t->hash[i] = 0;
}

void *ks_table_next(const struct ks_table *t, size_t *i)
{
	while (*i < t->cap) {
		size_t at = (*i)++;

		if (t->hash[at])
			return entry_at(t, at);
	}
	return NULL;
}
