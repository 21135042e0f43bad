/*
 * UTF-8 text helpers: validation with a location, NFC normalisation through
 * utf8proc, and counting code points (what JSON Schema lengths measure).
 */
#ifndef KS_TEXT_H
#define KS_TEXT_H

#include <stddef.h>

/*
 * Checks that `s` is well-formed UTF-8 (no overlongs, no surrogates, nothing
 * above U+10FFFF).  Returns 0, or -1 and the 1-based line and column (in
 * characters) of the first bad byte.
 */
int ks_utf8_check(const char *s, size_t len, int *line, int *col);

/* Number of code points in valid UTF-8. */
size_t ks_utf8_count(const char *s, size_t len);

/* 1 when `s` is all ASCII (then it is also NFC). */
int ks_is_ascii(const char *s, size_t len);

/*
 * 1 when valid UTF-8 `s` is certainly NFC without asking utf8proc: every
 * code point is one that NFC never changes and never composes with a
 * neighbour (ASCII, Latin-1 to Latin Extended-B, Latin Extended
 * Additional, which covers precomposed Vietnamese, and common
 * punctuation).  0 means "maybe not": run ks_nfc().
 */
int ks_is_nfc_quick(const char *s, size_t len);

/*
 * NFC form of valid UTF-8 `s`, newly allocated (ks_free) with its length
 * in *outlen; NULL when memory runs out or `s` is not valid UTF-8.
 */
char *ks_nfc(const char *s, size_t len, size_t *outlen);

/* The value of a hexadecimal digit, or -1 when `c` is not one. */
int ks_hex_digit(int c);

#endif
