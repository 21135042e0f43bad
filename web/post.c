/*
 * Decoding a posted form: see post.h.
 */
#include "post.h"
#include "alloc.h"
#include "diag.h"
#include "intl.h"
#include "text.h"

#include <string.h>

/*
 * One name or value, unescaped into a new NFC string; NULL with *why
 * set, or NULL with *why NULL when memory runs out.
 */
static char *unescape(const char *s, size_t len, const char **why)
{
	char *raw = ks_malloc(len + 1), *nfc;
	size_t i, n = 0, out;
	int line, col;

	*why = NULL;
	if (!raw)
		return NULL;
	for (i = 0; i < len; i++) {
		int hi, lo;

		if (s[i] == '+') {
			raw[n++] = ' ';
		} else if (s[i] != '%') {
			raw[n++] = s[i];
		} else if (i + 2 < len && (hi = ks_hex_digit(s[i + 1])) >= 0 &&
			   (lo = ks_hex_digit(s[i + 2])) >= 0) {
			raw[n++] = (char)(hi * 16 + lo);
			i += 2;
		} else {
			/* xgettext:no-c-format */
			*why = N_("the form's data is badly encoded (a % not followed by two hexadecimal digits)");
			goto bad;
		}
	}
	raw[n] = '\0';
	/* a browser sends every line break of a text area as CR LF */
	for (i = 0, out = 0; i < n; i++)
		if (raw[i] != '\r' || raw[i + 1] != '\n')
			raw[out++] = raw[i];
	raw[n = out] = '\0';
	if (memchr(raw, '\0', n)) {
		*why = N_("the form's data holds a NUL character");
		goto bad;
	}
	if (ks_utf8_check(raw, n, &line, &col)) {
		*why = N_("the form's data is not UTF-8 text");
		goto bad;
	}
	nfc = ks_nfc(raw, n, &out);
	ks_free(raw);
	return nfc;
bad:
	ks_free(raw);
	return NULL;
}

int ks_web_form_parse(struct ks_web_form *f, const char *body, size_t len,
		      const char **why)
{
	const char *p = body, *end = body + len;

	*why = NULL;
	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *stop = amp ? amp : end;
		const char *eq = memchr(p, '=', (size_t)(stop - p));
		struct ks_web_field fl;

		if (stop == p) {	/* "a=1&&b=2": nothing between */
			p = stop + 1;
			continue;
		}
		if (!eq) {
			*why = N_("the form's data is badly encoded (a field without \"=\")");
			return KS_EINVALID;
		}
		fl.name = unescape(p, (size_t)(eq - p), why);
		fl.value = fl.name ? unescape(eq + 1, (size_t)(stop - eq - 1), why)
				   : NULL;
		if (!fl.value || ks_grow(&f->v, f->n, &f->alloc, sizeof(*f->v), 8) < 0) {
			ks_free(fl.name);
			ks_free(fl.value);
			return *why ? KS_EINVALID : -1;
		}
		f->v[f->n++] = fl;
		p = stop + 1;
	}
	return 0;
}

const char *ks_web_form_get(const struct ks_web_form *f, const char *name)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		if (!strcmp(f->v[i].name, name))
			return f->v[i].value;
	return NULL;
}

void ks_web_form_release(struct ks_web_form *f)
{
	size_t i;

	for (i = 0; i < f->n; i++) {
		ks_free(f->v[i].name);
		ks_free(f->v[i].value);
	}
	ks_free(f->v);
	f->v = NULL;
	f->n = f->alloc = 0;
}
