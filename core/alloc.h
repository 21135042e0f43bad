/*
 * One allocation wrapper for the whole library, so that tests can make the
 * Nth allocation fail and check that every caller unwinds cleanly (the way
 * SQLite tests its out-of-memory paths).
 *
 * Every function returns NULL on failure and never aborts; callers treat
 * NULL as an error and release what they hold.
 */
#ifndef KS_ALLOC_H
#define KS_ALLOC_H

#include <stddef.h>

void *ks_malloc(size_t size);
void *ks_calloc(size_t n, size_t size);
void *ks_realloc(void *ptr, size_t size);
char *ks_strdup(const char *s);
char *ks_strndup(const char *s, size_t n);
void ks_free(void *ptr);

/* zlib's allocation functions (z_stream's zalloc and zfree), through these. */
void *ks_zalloc(void *opaque, unsigned items, unsigned size);
void ks_zfree(void *opaque, void *ptr);

/*
 * Makes room for one more element in a growable array.  `array` is the
 * address of the array pointer; it holds `n` elements of `size` bytes in
 * room for *alloc.  When full, the room doubles (starting at `first`)
 * until element n fits.
 * Returns 0, or -1 when memory runs out (the array is then unchanged).
 */
int ks_grow(void *array, size_t n, size_t *alloc, size_t size, size_t first);

/*
 * Test hook: make the allocation after `n` more successful ones fail, and
 * every one after it.  A negative `n` turns failure injection off.
 */
void ks_alloc_fail_after(long n);

/* 1 while failures are injected: work is then done on one thread only. */
int ks_alloc_injecting(void);

/*
 * How many allocations have failed so far.  Where -1 can mean either a
 * libgit2 error or no memory (GIT_ERROR is -1 too, and libgit2 leaves
 * messages of lookups that later succeeded), a change of this count says
 * which.
 */
unsigned long ks_alloc_failures(void);

#endif
