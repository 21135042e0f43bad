/*
 * Git's binary delta format (gitformat-pack, "Deltified representation"):
 * the base's size and the target's size as little-endian base-128 numbers,
 * then instructions that either copy a range of the base or insert bytes
 * that follow the instruction.  ks_pack_write uses it for REF_DELTA and
 * OFS_DELTA entries.
 *
 * The base is indexed once (its 16-byte blocks, by a rolling hash) and the
 * index reused for every target tried against it, as a delta window does.
 * The index does not copy the base: the base must outlive it.
 */
#ifndef KS_DELTA_H
#define KS_DELTA_H

#include <stddef.h>

/* Bytes of the base each index entry stands for. */
#define KS_DELTA_BLOCK 16

struct ks_delta_index;

/*
 * Indexes `len` bytes at `base` (at most 4 GiB - 1: copy offsets are 32
 * bits; a longer base gets an index that finds nothing).  Free with
 * ks_delta_index_free.  Returns 0, or -1 when memory runs out.
 */
int ks_delta_index_new(struct ks_delta_index **out, const void *base,
		       size_t len);
void ks_delta_index_free(struct ks_delta_index *ix);

/* The memory the index holds, for a caller that bounds its window. */
size_t ks_delta_index_memory(const struct ks_delta_index *ix);

/*
 * Writes the delta that turns the indexed base into `target` to *out
 * (ks_malloc'd; the caller frees it) and its length to *outlen, unless it
 * would be longer than `max` bytes.  The same inputs always give the same
 * bytes.  Returns 0, 1 when the delta would be longer than `max` (*out is
 * then NULL), or -1 when memory runs out.
 */
int ks_delta_create(unsigned char **out, size_t *outlen,
		    const struct ks_delta_index *ix, const void *target,
		    size_t len, size_t max);

#endif
