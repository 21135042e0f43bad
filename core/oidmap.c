/*
 * Object id maps: see oidmap.h.
 */
#include "oidmap.h"

#include <string.h>

struct entry {
	git_oid id;
	size_t value;
};

/* Object ids are hashes already: their first bytes spread well. */
static size_t oid_hash(const git_oid *id)
{
	size_t h;

	memcpy(&h, id->id, sizeof(h));
	return h;
}

static int oid_eq(const void *entry, const void *key)
{
	return git_oid_equal(&((const struct entry *)entry)->id, key);
}

static struct entry *find(const struct ks_oidmap *m, const git_oid *id)
{
	return ks_table_find(&m->t, oid_hash(id), id, oid_eq);
}

int ks_oidmap_put(struct ks_oidmap *m, const git_oid *id, size_t value)
{
	void *e;
	int r;

	/* A zeroed map learns its entries' size at the first addition. */
	if (!m->t.size)
		ks_table_init(&m->t, sizeof(struct entry));
	r = ks_table_put(&m->t, oid_hash(id), id, oid_eq, &e);
	if (r == 1) {
		git_oid_cpy(&((struct entry *)e)->id, id);
		((struct entry *)e)->value = value;
		m->n = m->t.n;
	}
	return r;
}

int ks_oidmap_get(const struct ks_oidmap *m, const git_oid *id, size_t *value)
{
	const struct entry *e = find(m, id);

	if (!e)
		return 0;
	if (value)
		*value = e->value;
	return 1;
}

int ks_oidmap_set(struct ks_oidmap *m, const git_oid *id, size_t value)
{
	struct entry *e = find(m, id);

	if (!e)
		return -1;
	e->value = value;
	return 0;
}

void ks_oidmap_release(struct ks_oidmap *m)
{
	ks_table_release(&m->t);
	m->n = 0;
}
