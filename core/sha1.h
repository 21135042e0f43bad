/*
 * SHA-1 of raw bytes, for the checksums of the packs khaosat writes
 * (packwrite.h, bulkpack.h).  Not for anything that needs a strong hash.
 */
#ifndef KS_SHA1_H
#define KS_SHA1_H

#include <stddef.h>
#include <stdint.h>

struct ks_sha1 {
	uint32_t h[5];
	uint64_t len;
	unsigned char buf[64];
};

void ks_sha1_init(struct ks_sha1 *s);
void ks_sha1_update(struct ks_sha1 *s, const void *data, size_t len);
void ks_sha1_final(struct ks_sha1 *s, unsigned char out[20]);

#endif
