/*
 * Reading SSH's wire format (RFC 4251: uint32 and string, big-endian), as
 * SSH signatures (sshsig.c) and OpenSSH private key files (sshkey.c) hold
 * it.  Internal to those two; nothing allocates.
 */
#ifndef KS_SSHWIRE_H
#define KS_SSHWIRE_H

#include <stddef.h>
#include <string.h>

struct ks_wire {
	const unsigned char *p;
	size_t left;
};

/* A uint32: 0, or -1 when fewer than 4 bytes are left. */
static inline int ks_wire_u32(struct ks_wire *r, unsigned long *out)
{
	if (r->left < 4)
		return -1;
	*out = (unsigned long)r->p[0] << 24 | (unsigned long)r->p[1] << 16 |
	       (unsigned long)r->p[2] << 8 | r->p[3];
	r->p += 4;
	r->left -= 4;
	return 0;
}

/* A string (its bytes stay where they are): 0, or -1 when cut short. */
static inline int ks_wire_string(struct ks_wire *r, const unsigned char **s,
				 size_t *len)
{
	unsigned long n;

	if (ks_wire_u32(r, &n) < 0 || n > r->left)
		return -1;
	*s = r->p;
	*len = n;
	r->p += n;
	r->left -= n;
	return 0;
}

/* 1 when the `len` bytes at `s` are exactly `word`. */
static inline int ks_wire_is(const unsigned char *s, size_t len,
			     const char *word)
{
	return len == strlen(word) && !memcmp(s, word, len);
}

#endif
