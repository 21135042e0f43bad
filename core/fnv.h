/*
 * FNV-1a, 64 bits: a quick digest of bytes for tables and caches, never
 * for anything an attacker could choose to collide.
 */
#ifndef KS_FNV_H
#define KS_FNV_H

#include <stddef.h>
#include <stdint.h>

#define KS_FNV_INIT 0xcbf29ce484222325ULL

/* `h` (KS_FNV_INIT to start) carried over the `n` bytes at `p`. */
static inline uint64_t ks_fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ s[i]) * 0x100000001b3ULL;
	return h;
}

#endif
