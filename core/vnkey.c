/*
 * Vietnamese text keys (see vnkey.h).  Text is decomposed with utf8proc
 * into code points in a buffer of our own, so that running out of memory
 * is seen (and testable) here, then worked on syllable by syllable.
 */
#include "vnkey.h"
#include "alloc.h"
#include "buf.h"
#include "diag.h"
#include "schema.h"
#include "text.h"

#include <stdio.h>
#include <string.h>
#include <utf8proc.h>

typedef utf8proc_int32_t cp_t;

#define MARK_FIRST 0x300
#define MARK_LAST 0x36f
#define D_STROKE 0x111

/*
 * Vietnamese has no eth: Ð (U+00D0) and the African D are typed for Đ.
 * Called on each code point before decomposition.
 */
static cp_t fold_d(cp_t c, void *data)
{
	int loose = *(int *)data;

	switch (c) {
	case 0x110: case 0x111: case 0xd0: case 0xf0: case 0x189: case 0x256:
		return loose ? 'd' : D_STROKE;
	}
	return c;
}

/* Code points of valid UTF-8 `s` under `opts`, in *out (ks_free). */
static int decompose(cp_t **out, size_t *n, const char *s, size_t len,
		     utf8proc_option_t opts, int loose)
{
	size_t size = len + 16;
	utf8proc_ssize_t got;
	cp_t *buf = NULL, *nb;
	int line, col;

	*out = NULL;
	*n = 0;
	if (ks_utf8_check(s, len, &line, &col) < 0 || memchr(s, '\0', len))
		return KS_EINVALID;
	for (;;) {
		if (size > ((size_t)-1 >> 3) ||
		    !(nb = ks_realloc(buf, (size + 1) * sizeof(*buf)))) {
			ks_free(buf);
			return -1;
		}
		buf = nb;
		got = utf8proc_decompose_custom((const utf8proc_uint8_t *)s,
						(utf8proc_ssize_t)len, buf,
						(utf8proc_ssize_t)size, opts,
						fold_d, &loose);
		if (got < 0) {
			ks_free(buf);
			return got == UTF8PROC_ERROR_NOMEM ? -1 : KS_EINVALID;
		}
		if ((size_t)got <= size)
			break;
		size = (size_t)got;
	}
	*out = buf;
	*n = (size_t)got;
	return 0;
}

static int is_blank(cp_t c)
{
	switch (utf8proc_category(c)) {
	case UTF8PROC_CATEGORY_ZS: case UTF8PROC_CATEGORY_ZL:
	case UTF8PROC_CATEGORY_ZP:
		return 1;
	default:
		return c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
		       c == '\v';
	}
}

/* Collapses runs of blanks into one space and trims both ends. */
static size_t squeeze(cp_t *v, size_t n)
{
	size_t i, m = 0;

	for (i = 0; i < n; i++) {
		if (!is_blank(v[i]))
			v[m++] = v[i];
		else if (m && v[m - 1] != ' ')
			v[m++] = ' ';
	}
	if (m && v[m - 1] == ' ')
		m--;
	return m;
}

static int encode(struct ks_buf *out, const cp_t *v, size_t n)
{
	utf8proc_uint8_t u[4];
	size_t i;

	for (i = 0; i < n; i++)
		if (ks_buf_add(out, u, (size_t)utf8proc_encode_char(v[i], u)) < 0)
			return -1;
	return 0;
}

/* ---- key_exact: where the tone mark goes ---- */

/* huyền, sắc, ngã, hỏi, nặng */
static int is_tone(cp_t c)
{
	return c == 0x300 || c == 0x301 || c == 0x303 || c == 0x309 ||
	       c == 0x323;
}

/* circumflex, breve, horn: part of the vowel, not the tone */
static int is_shape(cp_t c)
{
	return c == 0x302 || c == 0x306 || c == 0x31b;
}

static int is_vowel(cp_t c)
{
	return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' ||
	       c == 'y';
}

/* â ă ê ô ơ ư, and nothing else */
static int shape_fits(cp_t base, cp_t shape)
{
	switch (base) {
	case 'a':
		return shape == 0x302 || shape == 0x306;
	case 'e':
		return shape == 0x302;
	case 'o':
		return shape == 0x302 || shape == 0x31b;
	case 'u':
		return shape == 0x31b;
	}
	return 0;
}

static int in_syllable(cp_t c)
{
	return (c >= 'a' && c <= 'z') || c == D_STROKE ||
	       (c >= MARK_FIRST && c <= MARK_LAST);
}

#define SYL_MAX 10

struct letter {
	cp_t base, shape;	/* shape 0: none */
};

/*
 * The vowel that carries the tone, by the school rule: a vowel with its
 * own mark (the later of ươ); else the middle of three vowels; of two, the
 * second when a consonant follows or the pair is a glide and its vowel
 * (oa, oe, uy: hoà, khoẻ, thuỷ), the first otherwise (mái, mùa, mía).
 * "qu" and "gi" before a vowel are consonants.  -1: not a syllable.
 */
static int tone_target(const struct letter *l, int nl)
{
	int v0, v1, i, target = -1;

	for (v0 = 0; v0 < nl && !is_vowel(l[v0].base); v0++)
		;
	if (v0 == nl)
		return -1;
	for (v1 = v0; v1 + 1 < nl && is_vowel(l[v1 + 1].base); v1++)
		;
	for (i = v1 + 1; i < nl; i++)
		if (is_vowel(l[i].base))
			return -1;
	if (v0 == 1 && v1 > v0 && !l[1].shape &&
	    ((l[0].base == 'q' && l[1].base == 'u') ||
	     (l[0].base == 'g' && l[1].base == 'i')))
		v0++;
	for (i = v0; i <= v1; i++)
		if (l[i].shape)
			target = i;
	if (target >= 0)
		return target;
	switch (v1 - v0 + 1) {
	case 1:
		return v0;
	case 2:
		if (v1 + 1 < nl)
			return v1;
		if ((l[v0].base == 'o' &&
		     (l[v1].base == 'a' || l[v1].base == 'e')) ||
		    (l[v0].base == 'u' && l[v1].base == 'y'))
			return v1;
		return v0;
	case 3:
		return v0 + 1;
	}
	return -1;
}

static int ccc(cp_t c)
{
	return utf8proc_get_property(c)->combining_class;
}

/*
 * Moves the tone mark of the decomposed syllable v[0..n) to its vowel.  A
 * run that is not one Vietnamese syllable (two tones, foreign marks, two
 * vowel groups) is left as it is.
 */
static void place_tone(cp_t *v, size_t n)
{
	struct letter l[SYL_MAX];
	cp_t tone = 0, *p = v;
	int nl = 0, i, t;
	size_t j;

	for (j = 0; j < n; j++) {
		if (is_tone(v[j])) {
			if (tone || !nl)
				return;
			tone = v[j];
		} else if (is_shape(v[j])) {
			if (!nl || l[nl - 1].shape ||
			    !shape_fits(l[nl - 1].base, v[j]))
				return;
			l[nl - 1].shape = v[j];
		} else if (v[j] >= MARK_FIRST && v[j] <= MARK_LAST) {
			return;
		} else {
			if (nl == SYL_MAX)
				return;
			l[nl].base = v[j];
			l[nl++].shape = 0;
		}
	}
	if (!tone || (t = tone_target(l, nl)) < 0)
		return;
	/* Same length as before: the marks in canonical order. */
	for (i = 0; i < nl; i++) {
		*p++ = l[i].base;
		if (i == t && l[i].shape && ccc(tone) < ccc(l[i].shape))
			*p++ = tone;
		if (l[i].shape)
			*p++ = l[i].shape;
		if (i == t && !(l[i].shape && ccc(tone) < ccc(l[i].shape)))
			*p++ = tone;
	}
}

int ks_vnkey_exact(struct ks_buf *out, const char *s, size_t len)
{
	cp_t *v;
	size_t n, i, b;
	utf8proc_ssize_t m;
	int err;

	err = decompose(&v, &n, s, len, UTF8PROC_DECOMPOSE | UTF8PROC_STABLE |
			UTF8PROC_CASEFOLD | UTF8PROC_IGNORE | UTF8PROC_STRIPCC |
			UTF8PROC_LUMP, 0);
	if (err)
		return err;
	n = squeeze(v, n);
	for (i = 0; i < n; i = b) {
		for (b = i; b < n && in_syllable(v[b]); b++)
			;
		if (b > i)
			place_tone(v + i, b - i);
		else
			b++;
	}
	m = utf8proc_normalize_utf32(v, (utf8proc_ssize_t)n,
				     UTF8PROC_COMPOSE | UTF8PROC_STABLE);
	err = m < 0 ? -1 : encode(out, v, (size_t)m);
	ks_free(v);
	return err;
}

/* ---- key_loose ---- */

/*
 * Legal forms, in key_loose spelling.  A phrase comes before any shorter
 * one it starts with.
 */
static const char *const legal_words[] = {
	"cong ty", "cty", "trach nhiem huu han", "tnhh", "mot thanh vien",
	"hai thanh vien tro len", "mtv", "co phan", "cp", "hop tac xa", "htx",
	"to hop tac", "tht", "ho kinh doanh", "hkd", "doanh nghiep tu nhan",
	"dntn", "doanh nghiep", "co so", "company limited", "company",
	"co ltd", "ltd", "jsc", "llc", NULL,
};

/* Length of the legal-form phrase at the start of words `s`, or 0. */
static size_t legal_at(const char *s)
{
	size_t i, n;

	for (i = 0; legal_words[i]; i++) {
		n = strlen(legal_words[i]);
		if (!strncmp(s, legal_words[i], n) && (!s[n] || s[n] == ' '))
			return n;
	}
	return 0;
}

static int is_word_char(cp_t c)
{
	switch (utf8proc_category(c)) {
	case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL:
	case UTF8PROC_CATEGORY_LT: case UTF8PROC_CATEGORY_LM:
	case UTF8PROC_CATEGORY_LO: case UTF8PROC_CATEGORY_ND:
	case UTF8PROC_CATEGORY_NL: case UTF8PROC_CATEGORY_NO:
		return 1;
	default:
		return 0;
	}
}

/* Appends the words of `words` (one space apart) but the legal forms. */
static int drop_legal(struct ks_buf *out, const char *words)
{
	const char *p = words, *e;
	size_t start = out->len, n;

	while (*p) {
		n = legal_at(p);
		if (!n) {
			e = strchr(p, ' ');
			n = e ? (size_t)(e - p) : strlen(p);
			if ((out->len > start && ks_buf_putc(out, ' ') < 0) ||
			    ks_buf_add(out, p, n) < 0)
				return -1;
		}
		p += n;
		if (*p == ' ')
			p++;
	}
	return 0;
}

int ks_vnkey_loose(struct ks_buf *out, const char *s, size_t len,
		   unsigned flags)
{
	struct ks_buf words = KS_BUF_INIT;
	cp_t *v;
	size_t n, i;
	int err;

	err = decompose(&v, &n, s, len, UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT |
			UTF8PROC_STABLE | UTF8PROC_CASEFOLD | UTF8PROC_IGNORE |
			UTF8PROC_STRIPCC | UTF8PROC_STRIPMARK | UTF8PROC_LUMP, 1);
	if (err)
		return err;
	for (i = 0; i < n; i++)
		if (!is_word_char(v[i]))
			v[i] = ' ';
	n = squeeze(v, n);
	if (flags & KS_VNKEY_KEEP_LEGAL)
		err = encode(out, v, n);
	else if (!(err = encode(&words, v, n)))
		err = drop_legal(out, words.ptr);
	ks_buf_release(&words);
	ks_free(v);
	return err;
}

/*
 * A commune's key: `key` of the name, without the leading unit word of
 * `unit` (written as that key writes it) when a name follows it.
 */
static int commune_key(struct ks_buf *out, const char *s, size_t len,
		       int (*key)(struct ks_buf *, const char *, size_t),
		       const char *const *unit)
{
	struct ks_buf k = KS_BUF_INIT;
	size_t i, skip = 0;
	int err;

	err = key(&k, s, len);
	for (i = 0; !err && unit[i]; i++)
		if (k.len > strlen(unit[i]) &&
		    !strncmp(k.ptr, unit[i], strlen(unit[i])))
			skip = strlen(unit[i]);
	if (!err && ks_buf_add(out, k.ptr + skip, k.len - skip) < 0)
		err = -1;
	ks_buf_release(&k);
	return err;
}

static int loose_keep_legal(struct ks_buf *out, const char *s, size_t len)
{
	return ks_vnkey_loose(out, s, len, KS_VNKEY_KEEP_LEGAL);
}

int ks_vnkey_commune(struct ks_buf *out, const char *s, size_t len)
{
	static const char *const unit[] = {
		"xa ", "phuong ", "thi tran ", "dac khu ", NULL,
	};

	return commune_key(out, s, len, loose_keep_legal, unit);
}

int ks_vnkey_commune_exact(struct ks_buf *out, const char *s, size_t len)
{
	static const char *const unit[] = {
		"xã ", "phường ", "thị trấn ", "đặc khu ", NULL,
	};

	return commune_key(out, s, len, ks_vnkey_exact, unit);
}

/* ---- numbers ---- */

/*
 * Mobile prefixes of before the 2018 change from 11 to 10 digits, and
 * their successors (DOMAIN.md 2.2).
 */
static const char *const old_mobile[][2] = {
	{ "0162", "032" }, { "0163", "033" }, { "0164", "034" },
	{ "0165", "035" }, { "0166", "036" }, { "0167", "037" },
	{ "0168", "038" }, { "0169", "039" },
	{ "0120", "070" }, { "0121", "079" }, { "0122", "077" },
	{ "0126", "076" }, { "0128", "078" },
	{ "0123", "083" }, { "0124", "084" }, { "0125", "085" },
	{ "0127", "081" }, { "0129", "082" },
	{ "0186", "056" }, { "0188", "058" }, { "0199", "059" },
	{ NULL, NULL },
};

/* Digits of `s` into d (room for `max`), skipping the separators `sep`. */
static int digits_of(char *d, size_t max, size_t *n, const char *s,
		     size_t len, const char *sep)
{
	size_t i;

	*n = 0;
	for (i = 0; i < len; i++) {
		if (s[i] >= '0' && s[i] <= '9') {
			if (*n + 1 >= max)
				return KS_EINVALID;
			d[(*n)++] = s[i];
		} else if (!s[i] || !strchr(sep, s[i])) {
			return KS_EINVALID;
		}
	}
	d[*n] = '\0';
	return 0;
}

int ks_vnkey_phone(struct ks_buf *out, const char *s, size_t len)
{
	char d[24];
	size_t n, i = 0;
	int intl = 0;

	while (i < len && s[i] == ' ')
		i++;
	if (len - i >= 5 && !strncmp(s + i, "(+84)", 5)) {
		intl = 1;
		i += 5;
	} else if (len - i >= 3 && !strncmp(s + i, "+84", 3)) {
		intl = 1;
		i += 3;
	}
	/* d[0] is kept for the trunk 0 */
	if (digits_of(d + 1, sizeof(d) - 1, &n, s + i, len - i, " .-()"))
		return KS_EINVALID;
	if (!intl && n > 4 && !strncmp(d + 1, "0084", 4)) {
		memmove(d + 1, d + 5, n - 3);
		n -= 4;
		intl = 1;
	} else if (!intl && (n == 11 || n == 12) && !strncmp(d + 1, "84", 2)) {
		memmove(d + 1, d + 3, n - 1);
		n -= 2;
		intl = 1;
	}
	if (intl && n && d[1] == '0') {
		/* "+84 0912...": a common slip, the same number */
		memmove(d + 1, d + 2, n);
		n--;
	}
	if (intl) {
		d[0] = '0';
		n++;
	} else {
		memmove(d, d + 1, n + 1);
	}
	for (i = 0; n == 11 && old_mobile[i][0]; i++) {
		if (strncmp(d, old_mobile[i][0], 4))
			continue;
		memcpy(d, old_mobile[i][1], 3);
		memmove(d + 3, d + 4, n - 3);
		n--;
		break;
	}
	if (ks_format_check("vn-phone", d, n, NULL, 0) != 1)
		return KS_EINVALID;
	return ks_buf_addf(out, "+84%s", d + 1);
}

int ks_vnkey_taxcode(struct ks_buf *out, const char *s, size_t len)
{
	char d[24], code[32];
	size_t n;

	if (digits_of(d, sizeof(d), &n, s, len, " .-"))
		return KS_EINVALID;
	if (n == 13)
		snprintf(code, sizeof(code), "%.10s-%s", d, d + 10);
	else
		memcpy(code, d, n + 1);
	if (ks_format_check("vn-tax-code", code, strlen(code), NULL, 0) != 1)
		return KS_EINVALID;
	return ks_buf_puts(out, code);
}
