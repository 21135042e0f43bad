/*
 * Vietnamese text keys: forms of names and numbers under which two ways of
 * writing the same thing compare equal (DOMAIN.md sections 2 and 5).  They
 * are for finding and pairing records, never for display or storage.
 *
 *  - key_exact: NFC, case folded, blanks collapsed, zero-width characters
 *    dropped, and the tone mark of each syllable moved to the one vowel the
 *    school rule puts it on ("Thủy" and "Thuỷ" both give "thuỷ", "Hòa" and
 *    "Hoà" give "hoà").  Keeps every other mark and all punctuation.
 *  - key_loose: no marks at all ("đ" and the look-alike "Ð" give "d"),
 *    case folded, compatibility forms folded, punctuation turned into
 *    blanks, words separated by one space; legal-form words ("công ty",
 *    "TNHH", "Cty", "HTX", "cơ sở", "hộ kinh doanh"...) dropped unless
 *    KS_VNKEY_KEEP_LEGAL is given.
 *  - phone: the E.164 form "+84..." of a Vietnamese phone number written
 *    any usual way (0912.345.678, +84 912 345 678, (+84)912345678,
 *    84912345678); an 11-digit mobile number of before 2018 becomes its
 *    10-digit successor.
 *  - tax code: digits only, a branch's three digits after one dash.
 *
 * Every function appends to `out` (which keeps its contents on failure but
 * for a partial key, so callers reset it first) and returns 0, KS_EINVALID
 * when the input is not valid UTF-8 or not a phone number or tax code, or
 * -1 when memory runs out.
 */
#ifndef KS_VNKEY_H
#define KS_VNKEY_H

#include <stddef.h>

struct ks_buf;

#define KS_VNKEY_KEEP_LEGAL 0x1	/* key_loose: keep legal-form words */

int ks_vnkey_exact(struct ks_buf *out, const char *s, size_t len);
int ks_vnkey_loose(struct ks_buf *out, const char *s, size_t len,
		   unsigned flags);

/*
 * The E.164 form, checked as the schema format vn-phone checks a number
 * once it is written the usual way.
 */
int ks_vnkey_phone(struct ks_buf *out, const char *s, size_t len);

/*
 * "0201234567", "0201234567-001" or a 12-digit personal number, from a
 * code written with spaces, dots or dashes; it must then pass the schema
 * format vn-tax-code (check digit included).
 */
int ks_vnkey_taxcode(struct ks_buf *out, const char *s, size_t len);

/*
 * The key_loose form of a commune's name without a leading "xã",
 * "phường", "thị trấn" or "đặc khu" (the schema asks for the bare name;
 * people write the word anyway).
 */
int ks_vnkey_commune(struct ks_buf *out, const char *s, size_t len);

/*
 * The key_exact form of a commune's name without a leading "xã",
 * "phường", "thị trấn" or "đặc khu": how statistics group communes and
 * export filters compare them.
 */
int ks_vnkey_commune_exact(struct ks_buf *out, const char *s, size_t len);

#endif
