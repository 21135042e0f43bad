/*
 * UTF-8 validation, code point counting and NFC normalisation.
 */
#include "text.h"
#include "alloc.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

int ks_is_ascii(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] >= 0x80)
			return 0;
	return 1;
}

int ks_is_nfc_quick(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;

	while (p < end) {
		unsigned long cp;

		if (*p < 0x80) {
			p++;
			continue;
		}
		if ((*p & 0xe0) == 0xc0 && p + 1 < end) {
			cp = ((unsigned long)(*p & 0x1f) << 6) | (p[1] & 0x3f);
			p += 2;
		} else if ((*p & 0xf0) == 0xe0 && p + 2 < end) {
			cp = ((unsigned long)(*p & 0x0f) << 12) |
			     ((unsigned long)(p[1] & 0x3f) << 6) | (p[2] & 0x3f);
			p += 3;
		} else {
			return 0;
		}
		/* No combining marks (U+0300...) and no singletons here. */
		if (!((cp >= 0xa0 && cp <= 0x2ff) ||
		      (cp >= 0x1e00 && cp <= 0x1eff) ||
		      (cp >= 0x2010 && cp <= 0x2027) ||
		      (cp >= 0x2030 && cp <= 0x205e) || cp == 0x20ab ||
		      cp == 0x20ac))
			return 0;
	}
	return 1;
}

/* Length of the UTF-8 sequence at p (at most `left` bytes), or 0 if bad. */
static size_t utf8_seq(const unsigned char *p, size_t left)
{
	unsigned c = p[0];
	size_t n, i;
	unsigned long cp;

	if (c < 0x80)
		return 1;
	if (c < 0xc2)
		return 0;
	if (c < 0xe0) {
		n = 2;
		cp = c & 0x1f;
	} else if (c < 0xf0) {
		n = 3;
		cp = c & 0x0f;
	} else if (c < 0xf5) {
		n = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (n > left)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

int ks_utf8_check(const char *s, size_t len, int *line, int *col)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;
	int l = 1, c = 1;

	while (i < len) {
		if (p[i] < 0x80) {
			if (p[i] == '\n') {
				l++;
				c = 1;
			} else {
				c++;
			}
			i++;
			continue;
		}
		n = utf8_seq(p + i, len - i);
		if (!n) {
			*line = l;
			*col = c;
			return -1;
		}
		i += n;
		c++;
	}
	return 0;
}

size_t ks_utf8_count(const char *s, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			n++;
	return n;
}

char *ks_nfc(const char *s, size_t len, size_t *outlen)
{
	utf8proc_uint8_t *res = NULL;
	utf8proc_ssize_t n;
	char *out;

	if (ks_is_ascii(s, len)) {
		*outlen = len;
		return ks_strndup(s, len);
	}
	n = utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)len,
			 &res, UTF8PROC_STABLE | UTF8PROC_COMPOSE);
	if (n < 0)
		return NULL;
	/* utf8proc allocates with malloc; hand back memory of our own. */
	out = ks_strndup((const char *)res, (size_t)n);
	free(res);
	*outlen = (size_t)n;
	return out;
}

int ks_hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}
