/*
 * A list of paths (or names), grown one at a time and sorted: see paths.h.
 */
#include "paths.h"
#include "alloc.h"

#include <stdlib.h>
#include <string.h>

void ks_paths_release(struct ks_paths *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		ks_free(p->v[i]);
	ks_free(p->v);
	memset(p, 0, sizeof(*p));
}

int ks_paths_add(struct ks_paths *p, const char *path)
{
	char *s;

	if (ks_grow(&p->v, p->n, &p->alloc, sizeof(*p->v), 64) < 0)
		return -1;
	s = ks_strdup(path);
	if (!s)
		return -1;
	p->v[p->n++] = s;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void ks_paths_sort(struct ks_paths *p)
{
	if (p->n)
		qsort(p->v, p->n, sizeof(*p->v), cmp_str);
}

int ks_paths_has(const struct ks_paths *p, const char *path)
{
	return p->n && bsearch(&path, p->v, p->n, sizeof(*p->v), cmp_str);
}
