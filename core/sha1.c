/*
 * SHA-1 (FIPS 180-4) of raw bytes: a pack's trailer.  libgit2 hashes
 * objects but has no public SHA-1 of raw bytes.
 */
#include "sha1.h"

#include <string.h>

static uint32_t rol(uint32_t x, int n)
{
	return (x << n) | (x >> (32 - n));
}

void ks_sha1_init(struct ks_sha1 *s)
{
	static const uint32_t h0[5] = {
		0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0,
	};

	memcpy(s->h, h0, sizeof(h0));
	s->len = 0;
}

static void sha1_block(struct ks_sha1 *s, const unsigned char *p)
{
	uint32_t w[80], a, b, c, d, e, f, k, t;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (; i < 80; i++)
		w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
	a = s->h[0], b = s->h[1], c = s->h[2], d = s->h[3], e = s->h[4];
	for (i = 0; i < 80; i++) {
		if (i < 20) {
			f = (b & c) | (~b & d);
			k = 0x5a827999;
		} else if (i < 40) {
			f = b ^ c ^ d;
			k = 0x6ed9eba1;
		} else if (i < 60) {
			f = (b & c) | (b & d) | (c & d);
			k = 0x8f1bbcdc;
		} else {
			f = b ^ c ^ d;
			k = 0xca62c1d6;
		}
		t = rol(a, 5) + f + e + k + w[i];
		e = d;
		d = c;
		c = rol(b, 30);
		b = a;
		a = t;
	}
	s->h[0] += a, s->h[1] += b, s->h[2] += c, s->h[3] += d, s->h[4] += e;
}

void ks_sha1_update(struct ks_sha1 *s, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t used = s->len % 64;

	s->len += len;
	if (used) {
		size_t n = 64 - used < len ? 64 - used : len;

		memcpy(s->buf + used, p, n);
		p += n;
		len -= n;
		if (used + n < 64)
			return;
		sha1_block(s, s->buf);
	}
	for (; len >= 64; p += 64, len -= 64)
		sha1_block(s, p);
	memcpy(s->buf, p, len);
}

void ks_sha1_final(struct ks_sha1 *s, unsigned char out[20])
{
	uint64_t bits = s->len * 8;
	unsigned char pad[72] = { 0x80 };
	size_t n = 64 - (s->len + 8) % 64;
	int i;

	/* 0x80, zeros up to 56 mod 64, then the length in bits, big-endian. */
	for (i = 0; i < 8; i++)
		pad[n + i] = (unsigned char)(bits >> (56 - 8 * i));
	ks_sha1_update(s, pad, n + 8);
	for (i = 0; i < 20; i++)
		out[i] = (unsigned char)(s->h[i / 4] >> (24 - 8 * (i % 4)));
}
