/*
 * A delta encoder for git's pack format.  The base is cut into 16-byte
 * blocks, each filed under a hash of its bytes; the target is scanned with
 * the same hash rolled one byte at a time, and where a block matches, the
 * match is grown forwards as far as the bytes agree and backwards into the
 * bytes not yet written.  Matches become copy instructions, the rest
 * insert instructions: greedy, like git's own diff-delta, and good enough
 * for records that change a few fields at a time.
 */
#include "delta.h"
#include "alloc.h"

#include <stdint.h>
#include <string.h>

/* Candidates looked at per position: a base of repeated blocks stays linear. */
#define CHAIN_MAX 64
/* A copy instruction holds at most 24 bits of size and 32 bits of offset. */
#define COPY_MAX 0xffffffu
/* One search grows a match this far; a longer one continues at the next. */
#define MATCH_MAX 0x10000u
#define INSERT_MAX 127
#define HASH_MUL 0x01000193u

struct ks_delta_index {
	const unsigned char *base;
	size_t len;
	uint32_t *head;		/* bucket -> first block + 1, 0 when empty */
	uint32_t *next;		/* block -> next block in its bucket + 1 */
	size_t nblocks;
	unsigned bits;		/* the table has 1 << bits buckets */
};

static uint32_t block_hash(const unsigned char *p)
{
	uint32_t h = 0;
	int i;

	for (i = 0; i < KS_DELTA_BLOCK; i++)
		h = h * HASH_MUL + p[i];
	return h;
}

/* HASH_MUL to the 15th power: what the leaving byte was multiplied by. */
static uint32_t roll_out_factor(void)
{
	uint32_t f = 1;
	int i;

	for (i = 1; i < KS_DELTA_BLOCK; i++)
		f *= HASH_MUL;
	return f;
}

static uint32_t bucket(const struct ks_delta_index *ix, uint32_t h)
{
	return (h * 0x9e3779b1u) >> (32 - ix->bits);
}

int ks_delta_index_new(struct ks_delta_index **out, const void *base,
		       size_t len)
{
	struct ks_delta_index *ix;
	size_t i;

	*out = NULL;
	ix = ks_calloc(1, sizeof(*ix));
	if (!ix)
		return -1;
	ix->base = base;
	ix->len = len;
	ix->bits = 4;
	/* Offsets past 32 bits cannot be copied from: index nothing. */
	ix->nblocks = len <= 0xffffffffu ? len / KS_DELTA_BLOCK : 0;
	while (((size_t)1 << ix->bits) < ix->nblocks)
		ix->bits++;
	ix->head = ks_calloc((size_t)1 << ix->bits, sizeof(*ix->head));
	ix->next = ks_calloc(ix->nblocks ? ix->nblocks : 1, sizeof(*ix->next));
	if (!ix->head || !ix->next) {
		ks_delta_index_free(ix);
		return -1;
	}
	/* Last block first, so that each bucket lists its blocks in order. */
	for (i = ix->nblocks; i-- > 0;) {
		uint32_t b = bucket(ix, block_hash(ix->base + i * KS_DELTA_BLOCK));

		ix->next[i] = ix->head[b];
		ix->head[b] = (uint32_t)i + 1;
	}
	*out = ix;
	return 0;
}

void ks_delta_index_free(struct ks_delta_index *ix)
{
	if (!ix)
		return;
	ks_free(ix->head);
	ks_free(ix->next);
	ks_free(ix);
}

size_t ks_delta_index_memory(const struct ks_delta_index *ix)
{
	return sizeof(*ix) + (((size_t)1 << ix->bits) + ix->nblocks) *
		sizeof(uint32_t);
}

/* ---- the delta being written ---- */

struct out {
	unsigned char *ptr;
	size_t len, alloc, max;
	size_t copy_off, copy_len;	/* a copy not yet written */
	int nomem;
};

/* Room for `n` more bytes; 0, or -1 (nomem set) when memory runs out. */
static int room(struct out *o, size_t n)
{
	size_t want = o->alloc ? o->alloc : 256;
	unsigned char *p;

	if (o->len + n <= o->alloc)
		return 0;
	while (want < o->len + n)
		want *= 2;
	p = ks_realloc(o->ptr, want);
	if (!p) {
		o->nomem = 1;
		return -1;
	}
	o->ptr = p;
	o->alloc = want;
	return 0;
}

static int put_size(struct out *o, size_t v)
{
	if (room(o, 10) < 0)
		return -1;
	while (v >= 0x80) {
		o->ptr[o->len++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	o->ptr[o->len++] = (unsigned char)v;
	return 0;
}

/*
 * One copy instruction: the offset's and the size's non-zero bytes, each
 * flagged in the opcode.  The size is never 0 here, so it is never read as
 * the format's 0x10000.
 */
static int put_copy(struct out *o, size_t off, size_t len)
{
	unsigned char *op;
	int i;

	if (room(o, 8) < 0)
		return -1;
	op = &o->ptr[o->len++];
	*op = 0x80;
	for (i = 0; i < 4; i++) {
		unsigned char b = (unsigned char)(off >> (8 * i));

		if (b) {
			*op |= (unsigned char)(1 << i);
			o->ptr[o->len++] = b;
		}
	}
	for (i = 0; i < 3; i++) {
		unsigned char b = (unsigned char)(len >> (8 * i));

		if (b) {
			*op |= (unsigned char)(0x10 << i);
			o->ptr[o->len++] = b;
		}
	}
	return 0;
}

/* Writes the pending copy; 0, -1 out of memory, 1 over the limit. */
static int flush_copy(struct out *o)
{
	while (o->copy_len) {
		size_t n = o->copy_len < COPY_MAX ? o->copy_len : COPY_MAX;

		if (put_copy(o, o->copy_off, n) < 0)
			return -1;
		o->copy_off += n;
		o->copy_len -= n;
	}
	return o->len > o->max;
}

/* A copy that continues the pending one joins it: one instruction. */
static int add_copy(struct out *o, size_t off, size_t len)
{
	int r;

	if (o->copy_len && o->copy_off + o->copy_len == off &&
	    o->copy_len + len <= COPY_MAX) {
		o->copy_len += len;
		return 0;
	}
	r = flush_copy(o);
	if (r)
		return r;
	o->copy_off = off;
	o->copy_len = len;
	return 0;
}

static int add_insert(struct out *o, const unsigned char *p, size_t len)
{
	int r = flush_copy(o);

	if (r)
		return r;
	while (len) {
		size_t n = len < INSERT_MAX ? len : INSERT_MAX;

		if (room(o, n + 1) < 0)
			return -1;
		o->ptr[o->len++] = (unsigned char)n;
		memcpy(o->ptr + o->len, p, n);
		o->len += n;
		p += n;
		len -= n;
		if (o->len > o->max)
			return 1;
	}
	return 0;
}

/* The longest match for t[i..] among the blocks filed under `h`. */
static size_t find_match(const struct ks_delta_index *ix, uint32_t h,
			 const unsigned char *t, size_t i, size_t tlen,
			 size_t *moff)
{
	size_t best = 0, want = tlen - i < MATCH_MAX ? tlen - i : MATCH_MAX;
	uint32_t e = ix->head[bucket(ix, h)];
	int chain;

	for (chain = 0; e && chain < CHAIN_MAX; chain++, e = ix->next[e - 1]) {
		size_t p = (size_t)(e - 1) * KS_DELTA_BLOCK, n, limit;

		if (memcmp(ix->base + p, t + i, KS_DELTA_BLOCK))
			continue;
		limit = ix->len - p < want ? ix->len - p : want;
		for (n = KS_DELTA_BLOCK; n < limit && ix->base[p + n] == t[i + n];)
			n++;
		if (n > best) {
			best = n;
			*moff = p;
			if (n == want)
				break;
		}
	}
	return best;
}

/* How far the pending copy can grow over t[i..], within one instruction. */
static size_t continued(const struct out *o, const struct ks_delta_index *ix,
			const unsigned char *t, size_t i, size_t tlen)
{
	size_t from = o->copy_off + o->copy_len, n = 0, limit;

	if (!o->copy_len || from >= ix->len)
		return 0;
	limit = tlen - i;
	if (limit > ix->len - from)
		limit = ix->len - from;
	if (limit > COPY_MAX - o->copy_len)
		limit = COPY_MAX - o->copy_len;
	if (limit > MATCH_MAX)
		limit = MATCH_MAX;
	while (n < limit && ix->base[from + n] == t[i + n])
		n++;
	return n;
}

/* The instructions after the header; 0, -1 out of memory, 1 over the limit. */
static int encode(struct out *o, const struct ks_delta_index *ix,
		  const unsigned char *t, size_t tlen)
{
	const uint32_t factor = roll_out_factor();
	size_t i = 0, pending = 0, off = 0, n;
	uint32_t h;
	int r;

	if (!ix->nblocks || tlen < KS_DELTA_BLOCK)
		return add_insert(o, t, tlen);
	h = block_hash(t);
	while (i + KS_DELTA_BLOCK <= tlen) {
		/* Right after a copy, the base's next bytes may simply go on. */
		n = pending == i ? continued(o, ix, t, i, tlen) : 0;
		if (n) {
			o->copy_len += n;
			i += n;
			pending = i;
			if (i + KS_DELTA_BLOCK <= tlen)
				h = block_hash(t + i);
			continue;
		}
		n = find_match(ix, h, t, i, tlen, &off);
		if (!n) {
			/*
			 * As git's diff-delta: bytes without a match count as
			 * inserted already, and past the limit the search stops
			 * (a match found later might take a few of them back).
			 * A window's worse bases then cost little.
			 */
			if (o->len + (i - pending) > o->max)
				return 1;
			if (i + KS_DELTA_BLOCK < tlen)
				h = (h - t[i] * factor) * HASH_MUL +
					t[i + KS_DELTA_BLOCK];
			i++;
			continue;
		}
		/* Bytes just before the match that agree join the copy. */
		while (i > pending && off > 0 && ix->base[off - 1] == t[i - 1]) {
			i--;
			off--;
			n++;
		}
		r = add_insert(o, t + pending, i - pending);
		if (!r)
			r = add_copy(o, off, n);
		if (r)
			return r;
		i += n;
		pending = i;
		if (i + KS_DELTA_BLOCK <= tlen)
			h = block_hash(t + i);
	}
	return add_insert(o, t + pending, tlen - pending);
}

int ks_delta_create(unsigned char **out, size_t *outlen,
		    const struct ks_delta_index *ix, const void *target,
		    size_t len, size_t max)
{
	struct out o = { NULL, 0, 0, max, 0, 0, 0 };
	int r;

	*out = NULL;
	*outlen = 0;
	if (put_size(&o, ix->len) < 0 || put_size(&o, len) < 0)
		goto fail;
	r = o.len > max ? 1 : encode(&o, ix, target, len);
	if (!r)
		r = flush_copy(&o);
	if (r)
		goto fail;
	*out = o.ptr;
	*outlen = o.len;
	return 0;
fail:
	ks_free(o.ptr);
	return o.nomem ? -1 : 1;
}
