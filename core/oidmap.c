/*
 * Object id maps: see oidmap.h.
 */
#include "oidmap.h"
#include "alloc.h"

#include <string.h>

static size_t slot(const struct ks_oidmap *m, const git_oid *id)
{
	size_t i;

	/* Object ids are hashes already: their first bytes spread well. */
	memcpy(&i, id->id, sizeof(i));
	for (i &= m->cap - 1; !git_oid_is_zero(&m->keys[i]) &&
	     !git_oid_equal(&m->keys[i], id); i = (i + 1) & (m->cap - 1))
		;
	return i;
}

static int grow(struct ks_oidmap *m)
{
	struct ks_oidmap bigger = { NULL, NULL, m->n, m->cap ? m->cap * 2 : 64 };
	size_t i, j;

	bigger.keys = ks_calloc(bigger.cap, sizeof(git_oid));
	bigger.values = ks_calloc(bigger.cap, sizeof(size_t));
	if (!bigger.keys || !bigger.values) {
		ks_free(bigger.keys);
		ks_free(bigger.values);
		return -1;
	}
	for (i = 0; i < m->cap; i++) {
		if (git_oid_is_zero(&m->keys[i]))
			continue;
		j = slot(&bigger, &m->keys[i]);
		git_oid_cpy(&bigger.keys[j], &m->keys[i]);
		bigger.values[j] = m->values[i];
	}
	ks_free(m->keys);
	ks_free(m->values);
	*m = bigger;
	return 0;
}

int ks_oidmap_put(struct ks_oidmap *m, const git_oid *id, size_t value)
{
	size_t i;

	if (m->n * 2 >= m->cap && grow(m) < 0)
		return -1;
	i = slot(m, id);
	if (!git_oid_is_zero(&m->keys[i]))
		return 0;
	git_oid_cpy(&m->keys[i], id);
	m->values[i] = value;
	m->n++;
	return 1;
}

int ks_oidmap_get(const struct ks_oidmap *m, const git_oid *id, size_t *value)
{
	size_t i;

	if (!m->cap)
		return 0;
	i = slot(m, id);
	if (git_oid_is_zero(&m->keys[i]))
		return 0;
	if (value)
		*value = m->values[i];
	return 1;
}

int ks_oidmap_set(struct ks_oidmap *m, const git_oid *id, size_t value)
{
	size_t i;

	if (!m->cap)
		return -1;
	i = slot(m, id);
	if (git_oid_is_zero(&m->keys[i]))
		return -1;
	m->values[i] = value;
	return 0;
}

void ks_oidmap_release(struct ks_oidmap *m)
{
	ks_free(m->keys);
	ks_free(m->values);
	m->keys = NULL;
	m->values = NULL;
	m->n = m->cap = 0;
}
