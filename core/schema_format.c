/*
 * The formats khaosat asserts: RFC 3339 dates and times, e-mail addresses,
 * URIs, UUIDs, IPv4 addresses and host names as JSON Schema defines them,
 * and the Vietnamese tax codes and phone numbers of DOMAIN.md section 2.
 * Each check says why a value fails when there is something to say.
 * libidn2 judges the internationalised parts of host names (IDNA 2008).
 */
#include "schema_int.h"
#include "intl.h"
#include "lazylib.h"

#include <assert.h>
#include <idn2.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* loaded at the first internationalised host name judged: see lazylib.h */
#define IDN2_FUNCS(X) \
	X(idn2_free) X(idn2_register_u8)
KS_LAZYLIB(idn2_lib, KS_SONAME_idn2, "libidn2-0", IDN2_FUNCS);
#define idn2_free KS_LAZY(idn2_lib, idn2_free)
#define idn2_register_u8 KS_LAZY(idn2_lib, idn2_register_u8)

enum {
	F_DATE, F_DATETIME, F_TIME, F_EMAIL, F_URI, F_UUID, F_IPV4,
	F_HOSTNAME, F_TAXCODE, F_PHONE, F_COUNT
};

static const char *const names[F_COUNT] = {
	"date", "date-time", "time", "email", "uri", "uuid", "ipv4",
	"hostname", "vn-tax-code", "vn-phone",
};

int ks_format_id(const char *name)
{
	int i;

	for (i = 0; i < F_COUNT; i++)
		if (!strcmp(names[i], name))
			return i;
	return -1;
}

int ks_format_known(const char *format)
{
	return format && ks_format_id(format) >= 0;
}

const char *ks_format_name(int id)
{
	return id >= 0 && id < F_COUNT ? names[id] : NULL;
}

const char *ks_format_words(int id, const char *name)
{
	/* parallel to names[] */
	static const char *const words[F_COUNT] = {
		N_("date (year-month-day)"), N_("date and time"), N_("time"),
		N_("e-mail address"), N_("web address (URI)"), N_("UUID"),
		N_("IPv4 address"), N_("host name"), N_("tax code"),
		N_("phone number"),
	};

	return id >= 0 && id < F_COUNT ? _(words[id]) : name;
}

static int why_set(char *why, size_t whylen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int why_set(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (why && whylen) {
		va_start(ap, fmt);
		vsnprintf(why, whylen, _(fmt), ap);
		va_end(ap);
	}
	return 0;
}

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_hex(int c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Whatever the locale. */
static char ascii_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* n ASCII digits at s as a number, or -1. */
static int digits(const char *s, size_t n)
{
	int v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* ---- dates and times (RFC 3339) ---- */

static int days_in(int y, int m)
{
	static const int d[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30,
				 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return d[m - 1];
}

static int check_date(const char *s, size_t len, char *why, size_t wl)
{
	int y, m, d;

	if (len != 10 || s[4] != '-' || s[7] != '-')
		return why_set(why, wl, "expected YYYY-MM-DD");
	y = digits(s, 4);
	m = digits(s + 5, 2);
	d = digits(s + 8, 2);
	if (y < 0 || m < 0 || d < 0)
		return why_set(why, wl, "expected YYYY-MM-DD");
	if (m < 1 || m > 12)
		return why_set(why, wl, "there is no month %02d", m);
	if (d < 1 || d > days_in(y, m))
		return why_set(why, wl, "%04d-%02d has no day %02d", y, m, d);
	return 1;
}

static int check_time(const char *s, size_t len, char *why, size_t wl)
{
	int h, mi, se, oh = 0, om = 0, sign = 0;
	size_t i = 8;

	if (len < 8 || s[2] != ':' || s[5] != ':')
		return why_set(why, wl, "expected HH:MM:SS and a time zone");
	h = digits(s, 2);
	mi = digits(s + 3, 2);
	se = digits(s + 6, 2);
	if (h < 0 || mi < 0 || se < 0)
		return why_set(why, wl, "expected HH:MM:SS and a time zone");
	if (i < len && s[i] == '.') {
		i++;
		if (i >= len || !is_digit(s[i]))
			return why_set(why, wl, "expected digits after \".\"");
		while (i < len && is_digit(s[i]))
			i++;
	}
	if (i < len && (s[i] == 'Z' || s[i] == 'z')) {
		i++;
	} else if (i < len && (s[i] == '+' || s[i] == '-')) {
		sign = s[i] == '+' ? 1 : -1;
		if (len - i != 6 || s[i + 3] != ':')
			return why_set(why, wl, "expected a time zone as "
				       "Z or +HH:MM");
		oh = digits(s + i + 1, 2);
		om = digits(s + i + 4, 2);
		if (oh < 0 || om < 0)
			return why_set(why, wl, "expected a time zone as "
				       "Z or +HH:MM");
		if (oh > 23 || om > 59)
			return why_set(why, wl, "the time zone offset is out "
				       "of range");
		i += 6;
	} else {
		return why_set(why, wl, "a time zone (Z or +HH:MM) is "
			       "required");
	}
	if (i != len)
		return why_set(why, wl, "unexpected text after the time");
	if (h > 23 || mi > 59 || se > 60)
		return why_set(why, wl, "the time is out of range");
	if (se == 60) {
		/* a leap second is 23:59:60 in UTC */
		int utc = (h * 60 + mi - sign * (oh * 60 + om)) % 1440;

		if (utc < 0)
			utc += 1440;
		if (utc != 23 * 60 + 59)
			return why_set(why, wl, "a leap second must be at "
				       "23:59:60 UTC");
	}
	return 1;
}

static int check_datetime(const char *s, size_t len, char *why, size_t wl)
{
	if (len < 11 || (s[10] != 'T' && s[10] != 't'))
		return why_set(why, wl, "expected YYYY-MM-DDTHH:MM:SS and a "
			       "time zone");
	if (!check_date(s, 10, why, wl))
		return 0;
	return check_time(s + 11, len - 11, why, wl);
}

/* ---- IP addresses ---- */

static int check_ipv4(const char *s, size_t len, char *why, size_t wl)
{
	size_t i = 0;
	int part;

	for (part = 0; part < 4; part++) {
		size_t st = i;
		int v = 0;

		while (i < len && is_digit(s[i]) && i - st < 4)
			v = v * 10 + (s[i++] - '0');
		if (i == st || i - st > 3 || v > 255 ||
		    (i - st > 1 && s[st] == '0'))
			return why_set(why, wl, "expected four numbers 0-255 "
				       "separated by dots");
		if (part < 3) {
			if (i >= len || s[i] != '.')
				return why_set(why, wl, "expected four numbers "
					       "0-255 separated by dots");
			i++;
		}
	}
	if (i != len)
		return why_set(why, wl, "expected four numbers 0-255 "
			       "separated by dots");
	return 1;
}

static int check_ipv6(const char *s, size_t len)
{
	size_t i = 0;
	int groups = 0, gap = 0;

	if (len >= 2 && s[0] == ':' && s[1] == ':') {
		gap = 1;
		i = 2;
		if (i == len)
			return 1;
	} else if (len && s[0] == ':') {
		return 0;
	}
	while (i < len) {
		size_t st = i;

		while (i < len && is_hex(s[i]) && i - st < 5)
			i++;
		if (i < len && s[i] == '.') {
			/* an embedded IPv4 address ends the address */
			if (!check_ipv4(s + st, len - st, NULL, 0))
				return 0;
			groups += 2;
			i = len;
			break;
		}
		if (i == st || i - st > 4)
			return 0;
		groups++;
		if (i == len)
			break;
		if (s[i] != ':')
			return 0;
		i++;
		if (i < len && s[i] == ':') {
			if (gap)
				return 0;
			gap = 1;
			i++;
			if (i == len)
				break;
		} else if (i == len) {
			return 0;
		}
	}
	return gap ? groups < 8 : groups == 8;
}

/* ---- host names (RFC 1123, with IDNA A-labels) ---- */

/* What libidn2 found wrong with an A-label, said of the label. */
static const char *alabel_problem(int rc)
{
	switch (rc) {
	case IDN2_PUNYCODE_BAD_INPUT:
	case IDN2_PUNYCODE_BIG_OUTPUT:
	case IDN2_PUNYCODE_OVERFLOW:
		return _("is not valid punycode");
	case IDN2_DISALLOWED:
		return _("has a character that host names do not allow");
	case IDN2_UNASSIGNED:
		return _("has a character that Unicode does not assign");
	case IDN2_LEADING_COMBINING:
		return _("starts with a combining mark");
	case IDN2_CONTEXTJ:
		return _("has a zero-width joiner or non-joiner where none "
		       "may stand");
	case IDN2_CONTEXTO:
		return _("has a character that is not allowed where it stands");
	case IDN2_BIDI:
		return _("breaks the rules for right-to-left text");
	case IDN2_2HYPHEN:
		return _("has \"--\" in the third and fourth places once decoded");
	case IDN2_HYPHEN_STARTEND:
		return _("starts or ends with \"-\" once decoded");
	case IDN2_NOT_NFC:
		return _("is not in Unicode normal form C once decoded");
	}
	return _("is not a valid internationalised name");
}

/*
 * An A-label ("xn--" and punycode) must decode to a U-label that IDNA 2008
 * allows (RFC 5891 5.4): libidn2 decodes it, checks the U-label and
 * encodes it again.  The prefix and the punycode digits after the last
 * "-" may be written in either case, as RFC 3492 reads them; the letters
 * before it stand for themselves, and a U-label has no capitals.
 * Returns 1, 0 with a reason, or -1 when memory runs out.
 */
static int check_alabel(const char *s, size_t n, char *why, size_t wl)
{
	char label[64];
	uint8_t *out = NULL;
	size_t i, digits = 4;
	int rc;

	assert(n >= 4 && n < sizeof(label));
	for (i = 4; i < n; i++)
		if (s[i] == '-')
			digits = i + 1;
	for (i = 0; i < n; i++) {
		if (i >= 4 && i < digits && ascii_lower(s[i]) != s[i])
			return why_set(why, wl, "\"%.*s\" has a capital letter, "
				       "which an internationalised name "
				       "cannot have", (int)n, s);
		label[i] = i < 2 || i >= digits ? ascii_lower(s[i]) : s[i];
	}
	label[n] = '\0';
	rc = idn2_register_u8(NULL, (const uint8_t *)label, &out, 0);
	idn2_free(out);
	if (rc == IDN2_MALLOC)
		return -1;
	if (rc != IDN2_OK)
		return why_set(why, wl, "\"%.*s\" %s", (int)n, s,
			       alabel_problem(rc));
	return 1;
}

static int check_hostname(const char *s, size_t len, char *why, size_t wl)
{
	size_t i = 0;

	if (!len || len > 253)
		return why_set(why, wl, "a host name has 1 to 253 characters");
	while (i <= len) {
		size_t st = i, n;

		while (i < len && s[i] != '.')
			i++;
		n = i - st;
		if (!n || n > 63)
			return why_set(why, wl, "each part of a host name has "
				       "1 to 63 characters");
		if (s[st] == '-' || s[i - 1] == '-')
			return why_set(why, wl, "a part of a host name cannot "
				       "start or end with \"-\"");
		{
			size_t k;

			for (k = st; k < i; k++)
				if (!is_alpha(s[k]) && !is_digit(s[k]) &&
				    s[k] != '-')
					return why_set(why, wl, "a host name "
						       "has only letters, "
						       "digits, \"-\" and "
						       "\".\"");
		}
		if (n >= 4 && s[st + 2] == '-' && s[st + 3] == '-') {
			int rc;

			if (ascii_lower(s[st]) != 'x' ||
			    ascii_lower(s[st + 1]) != 'n')
				return why_set(why, wl, "\"--\" is only "
					       "allowed after \"xn\"");
			rc = check_alabel(s + st, n, why, wl);
			if (rc != 1)
				return rc;
		}
		i++;
	}
	return 1;
}

/* ---- e-mail addresses (RFC 5321 mailbox) ---- */

static int atext(int c)
{
	return is_alpha(c) || is_digit(c) || (c && strchr("!#$%&'*+-/=?^_`{|}~",
							  c));
}

static int check_email(const char *s, size_t len, char *why, size_t wl)
{
	size_t at, i;

	if (!len)
		return why_set(why, wl, "expected name@domain");
	if (s[0] == '"') {
		for (i = 1; i < len && s[i] != '"'; i++) {
			if (s[i] == '\\')
				i++;
			else if ((unsigned char)s[i] < 0x20)
				return why_set(why, wl, "bad quoted name");
		}
		if (i >= len || i + 1 >= len || s[i + 1] != '@')
			return why_set(why, wl, "expected name@domain");
		at = i + 1;
	} else {
		at = len;
		for (i = 0; i < len; i++) {
			if (s[i] == '@') {
				at = i;
				break;
			}
			if (s[i] == '.') {
				if (i == 0 || s[i - 1] == '.' ||
				    i + 1 >= len || s[i + 1] == '@')
					return why_set(why, wl, "misplaced "
						       "\".\" in the name");
			} else if (!atext((unsigned char)s[i])) {
				return why_set(why, wl, "the name has a "
					       "character that needs quoting");
			}
		}
		if (at == 0 || at == len)
			return why_set(why, wl, "expected name@domain");
	}
	s += at + 1;
	len -= at + 1;
	if (!len)
		return why_set(why, wl, "the domain is missing");
	if (s[0] == '[') {
		if (s[len - 1] != ']')
			return why_set(why, wl, "bad address literal");
		if (len > 6 && !strncmp(s + 1, "IPv6:", 5))
			return check_ipv6(s + 6, len - 7) ? 1 :
				why_set(why, wl, "bad IPv6 address");
		return check_ipv4(s + 1, len - 2, why, wl);
	}
	return check_hostname(s, len, why, wl);
}

/* ---- URIs (RFC 3986, absolute) ---- */

static int unreserved(int c)
{
	return is_alpha(c) || is_digit(c) || c == '-' || c == '.' ||
	       c == '_' || c == '~';
}

static int sub_delim(int c)
{
	return c && strchr("!$&'()*+,;=", c) != NULL;
}

/* Checks s[0..n) against unreserved / pct-encoded / sub-delims / extra. */
static int uri_chars(const char *s, size_t n, const char *extra)
{
	size_t i;

	for (i = 0; i < n; i++) {
		int c = (unsigned char)s[i];

		if (c == '%') {
			if (i + 2 >= n)
				return 0;
			if (!is_hex(s[i + 1]) || !is_hex(s[i + 2]))
				return 0;
			i += 2;
			continue;
		}
		if (unreserved(c) || sub_delim(c) || (c && strchr(extra, c)))
			continue;
		return 0;
	}
	return 1;
}

static int check_uri(const char *s, size_t len, char *why, size_t wl)
{
	size_t i = 0, end;
	const char *bad = "not an absolute URI";

	if (!len || !is_alpha(s[0]))
		return why_set(why, wl, "a URI starts with a scheme such as "
			       "\"https:\"");
	while (i < len && (is_alpha(s[i]) || is_digit(s[i]) || s[i] == '+' ||
			   s[i] == '-' || s[i] == '.'))
		i++;
	if (i >= len || s[i] != ':')
		return why_set(why, wl, "a URI starts with a scheme such as "
			       "\"https:\"");
	i++;
	for (end = i; end < len && s[end] != '?' && s[end] != '#'; end++)
		;
	if (end - i >= 2 && s[i] == '/' && s[i + 1] == '/') {
		size_t a = i + 2, ae = a, host, hend, k;

		while (ae < end && s[ae] != '/')
			ae++;
		host = a;
		for (k = a; k < ae; k++)
			if (s[k] == '@')
				host = k + 1;
		if (host > a && !uri_chars(s + a, host - 1 - a, ":"))
			return why_set(why, wl, "%s", bad);
		if (host < ae && s[host] == '[') {
			for (hend = host; hend < ae && s[hend] != ']'; hend++)
				;
			if (hend >= ae)
				return why_set(why, wl, "%s", bad);
			if (host + 1 < hend && (s[host + 1] == 'v' ||
						s[host + 1] == 'V')) {
				if (!uri_chars(s + host + 1, hend - host - 1,
					       ":"))
					return why_set(why, wl, "%s", bad);
			} else if (!check_ipv6(s + host + 1, hend - host - 1)) {
				return why_set(why, wl, "bad IPv6 address");
			}
			hend++;
		} else {
			for (hend = host; hend < ae && s[hend] != ':'; hend++)
				;
			if (!uri_chars(s + host, hend - host, ""))
				return why_set(why, wl, "%s", bad);
		}
		if (hend < ae) {
			if (s[hend] != ':')
				return why_set(why, wl, "%s", bad);
			for (k = hend + 1; k < ae; k++)
				if (!is_digit(s[k]))
					return why_set(why, wl, "the port must "
						       "be a number");
		}
		i = ae;
	}
	if (!uri_chars(s + i, end - i, ":@/"))
		return why_set(why, wl, "%s", bad);
	if (end < len && s[end] == '?') {
		size_t q = end + 1;

		for (end = q; end < len && s[end] != '#'; end++)
			;
		if (!uri_chars(s + q, end - q, ":@/?"))
			return why_set(why, wl, "%s", bad);
	}
	if (end < len && !uri_chars(s + end + 1, len - end - 1, ":@/?"))
		return why_set(why, wl, "%s", bad);
	return 1;
}

static int check_uuid(const char *s, size_t len, char *why, size_t wl)
{
	size_t i;

	if (len != 36)
		return why_set(why, wl, "expected 8-4-4-4-12 hex digits");
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return why_set(why, wl, "expected 8-4-4-4-12 "
					       "hex digits");
		} else if (!is_hex(s[i])) {
			return why_set(why, wl, "expected 8-4-4-4-12 hex "
				       "digits");
		}
	}
	return 1;
}

/* ---- Vietnam: tax codes and phone numbers (DOMAIN.md 2) ---- */

static int all_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!is_digit(s[i]))
			return 0;
	return 1;
}

static int check_taxcode(const char *s, size_t len, char *why, size_t wl)
{
	static const int weight[9] = { 31, 29, 23, 19, 17, 13, 7, 5, 3 };
	int sum = 0, r, i, want;

	if (len == 12 && all_digits(s, 12))
		return 1;	/* personal number: no check digit */
	if (!((len == 10 && all_digits(s, 10)) ||
	      (len == 14 && all_digits(s, 10) && s[10] == '-' &&
	       all_digits(s + 11, 3))))
		return why_set(why, wl, "tax code must have 10 digits, "
			       "10 digits-3 digits, or 12 digits");
	if (len == 14 && !memcmp(s + 11, "000", 3))
		return why_set(why, wl, "tax code branch number must be "
			       "001 to 999");
	if (!memcmp(s + 2, "0000000", 7))
		return why_set(why, wl, "tax code digits 3 to 9 cannot all "
			       "be zero");
	for (i = 0; i < 9; i++)
		sum += weight[i] * (s[i] - '0');
	r = sum % 11;
	if (r == 0)
		return why_set(why, wl, "no check digit fits the first 9 "
			       "digits of this tax code");
	want = 10 - r;
	if (s[9] - '0' != want)
		return why_set(why, wl, "tax code check digit should be %d",
			       want);
	return 1;
}

static int check_phone(const char *s, size_t len, char *why, size_t wl)
{
	char d[24];
	size_t i = 0, n = 0;
	int intl = 0, sep = 1;

	if (len >= 5 && !strncmp(s, "(+84)", 5)) {
		intl = 1;
		i = 5;
	} else if (len >= 3 && !strncmp(s, "+84", 3)) {
		intl = 1;
		i = 3;
	}
	if (intl) {
		d[n++] = '0';
		while (i < len && s[i] == ' ')
			i++;
		if (i < len && s[i] == '0')
			return why_set(why, wl, "after +84 the number is "
				       "written without its leading 0");
	}
	for (; i < len; i++) {
		char ch = s[i];

		if (is_digit(ch)) {
			if (n >= sizeof(d) - 1)
				return why_set(why, wl, "phone number is too "
					       "long");
			d[n++] = ch;
			sep = 0;
		} else if (ch == ' ' || ch == '.' || ch == '-') {
			if (sep)
				return why_set(why, wl, "spaces, dots and "
					       "dashes may only separate "
					       "groups of digits");
			sep = 1;
		} else {
			return why_set(why, wl, "phone number may contain "
				       "only digits, spaces, dots and dashes");
		}
	}
	if (sep && n > (size_t)intl)
		return why_set(why, wl, "spaces, dots and dashes may only "
			       "separate groups of digits");
	d[n] = '\0';
	if (!intl && n == 11 && !strncmp(d, "84", 2) && d[2] != '0') {
		/* 84... without the plus */
		memmove(d + 1, d + 2, n - 1);
		d[0] = '0';
		n--;
	}
	if (n == 0 || d[0] != '0')
		return why_set(why, wl, "phone number must start with 0 "
			       "or +84");
	if (n == 10) {
		if (!strchr("35789", d[1]))
			return why_set(why, wl, "mobile numbers start with "
				       "03, 05, 07, 08 or 09");
		return 1;
	}
	if (n == 11) {
		if (d[1] != '2')
			return why_set(why, wl, "11-digit numbers are "
				       "landlines and start with 02");
		return 1;
	}
	return why_set(why, wl, "phone number must have 10 digits (mobile) "
		       "or 11 digits starting with 02 (landline)");
}

int ks_format_check_id(int id, const char *s, size_t len, char *why,
		       size_t whylen)
{
	if (why && whylen)
		why[0] = '\0';
	if (memchr(s, '\0', len))
		return why_set(why, whylen, "contains a NUL character");
	switch (id) {
	case F_DATE: return check_date(s, len, why, whylen);
	case F_DATETIME: return check_datetime(s, len, why, whylen);
	case F_TIME: return check_time(s, len, why, whylen);
	case F_EMAIL: return check_email(s, len, why, whylen);
	case F_URI: return check_uri(s, len, why, whylen);
	case F_UUID: return check_uuid(s, len, why, whylen);
	case F_IPV4: return check_ipv4(s, len, why, whylen);
	case F_HOSTNAME: return check_hostname(s, len, why, whylen);
	case F_TAXCODE: return check_taxcode(s, len, why, whylen);
	case F_PHONE: return check_phone(s, len, why, whylen);
	}
	return -1;
}

int ks_format_check(const char *format, const char *s, size_t len,
		    char *why, size_t whylen)
{
	int id = format ? ks_format_id(format) : -1;

	if (why && whylen)
		why[0] = '\0';
	if (id < 0)
		return -1;
	return ks_format_check_id(id, s, len, why, whylen);
}
