/*
 * The allocation wrapper: plain malloc with a countdown that tests can set
 * to simulate running out of memory at any chosen point.
 */
#include "alloc.h"

#include <stdlib.h>
#include <string.h>

static long fail_countdown = -1;
static unsigned long failures;

static int should_fail(void)
{
	if (fail_countdown < 0)
		return 0;
	if (fail_countdown == 0)
		return 1;
	fail_countdown--;
	return 0;
}

void ks_alloc_fail_after(long n)
{
	fail_countdown = n;
}

int ks_alloc_injecting(void)
{
	return fail_countdown >= 0;
}

unsigned long ks_alloc_failures(void)
{
	return __atomic_load_n(&failures, __ATOMIC_RELAXED);
}

static void *counted(void *p)
{
	if (!p)	/* the pool's threads allocate too */
		__atomic_fetch_add(&failures, 1, __ATOMIC_RELAXED);
	return p;
}

void *ks_malloc(size_t size)
{
	return counted(should_fail() ? NULL : malloc(size ? size : 1));
}

void *ks_calloc(size_t n, size_t size)
{
	return counted(should_fail() ? NULL : calloc(n ? n : 1, size ? size : 1));
}

void *ks_realloc(void *ptr, size_t size)
{
	return counted(should_fail() ? NULL : realloc(ptr, size ? size : 1));
}

void *ks_zalloc(void *opaque, unsigned items, unsigned size)
{
	(void)opaque;
	return ks_calloc(items, size);
}

void ks_zfree(void *opaque, void *ptr)
{
	(void)opaque;
	ks_free(ptr);
}

int ks_grow(void *array, size_t n, size_t *alloc, size_t size, size_t first)
{
	void *old, *v;
	size_t m;

	if (n < *alloc)
		return 0;
	m = *alloc ? *alloc * 2 : first;
	while (m && m <= n)
		m *= 2;
	if (!m || m > (size_t)-1 / size)
		return -1;
	/* The pointer is read and written as bytes: its type is the caller's. */
	memcpy(&old, array, sizeof(old));
	v = ks_realloc(old, m * size);
	if (!v)
		return -1;
	memcpy(array, &v, sizeof(v));
	*alloc = m;
	return 0;
}

char *ks_strndup(const char *s, size_t n)
{
	char *p = ks_malloc(n + 1);

	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *ks_strdup(const char *s)
{
	return ks_strndup(s, strlen(s));
}

void ks_free(void *ptr)
{
	free(ptr);
}
