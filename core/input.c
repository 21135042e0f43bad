/*
 * A person's text for a field, read as Vietnamese write it: see input.h.
 */
#include "input.h"
#include "buf.h"
#include "diag.h"
#include "intl.h"
#include "record.h"
#include "schema.h"
#include "text.h"

#include <string.h>
#include <strings.h>

static int digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Digits from `s` while they last: how many. */
static size_t digits(const char *s)
{
	size_t n = 0;

	while (digit(s[n]))
		n++;
	return n;
}

/*
 * The whole part of a number: plain digits, or 1 to 3 digits then groups
 * of a dot and 3 digits (2.000.000).  Appends the digits to `out` and
 * returns the length read, 0 when there is no whole part; *grouped says
 * whether dots were read.
 */
static size_t whole_part(const char *s, struct ks_buf *out, int *grouped)
{
	size_t n = digits(s), i;

	*grouped = 0;
	if (!n)
		return 0;
	ks_buf_add(out, s, n);
	if (n > 3)
		return n;
	for (i = n; s[i] == '.' && digits(s + i + 1) == 3; i += 4) {
		ks_buf_add(out, s + i + 1, 3);
		*grouped = 1;
	}
	return *grouped ? i : n;
}

/* A sign, kept when it is a minus. */
static const char *sign(const char *s, struct ks_buf *out)
{
	if (*s == '-')
		ks_buf_putc(out, '-');
	return *s == '-' || *s == '+' ? s + 1 : s;
}

static int refuse(struct ks_diags *d, const char *fmt, const char *text)
{
	return ks_error(d, KS_EINVALID, NULL, 0, 0, fmt, text);
}

/* "2.000.000" -> "2000000"; no decimals, no exponent. */
static int read_integer(struct ks_buf *out, const char *text,
			struct ks_diags *d)
{
	int grouped;
	const char *s = sign(text, out);
	size_t n = whole_part(s, out, &grouped);

	if (!n || s[n])
		return refuse(d, _("\"%s\" is not a whole number: write digits, with dots between thousands if you like (2.000.000)"),
			      text);
	return 0;
}

/*
 * "350,5" -> "350.5", "2.000.000,75" -> "2000000.75", "350.5" as it is;
 * "1.234" (thousands, or decimals?) is refused with both readings.
 */
static int read_number(struct ks_buf *out, const char *text,
		       struct ks_diags *d)
{
	int grouped;
	const char *s = sign(text, out);
	size_t n = whole_part(s, out, &grouped), m;

	if (!n)
		goto bad;
	if (!s[n])
		return 0;
	if (s[n] == ',' && (m = digits(s + n + 1)) && !s[n + 1 + m]) {
		ks_buf_putc(out, '.');
		ks_buf_add(out, s + n + 1, m);
		return 0;
	}
	/* One dot and decimals that cannot be groups of thousands. */
	if (!grouped && s[n] == '.' && (m = digits(s + n + 1)) &&
	    !s[n + 1 + m]) {
		ks_buf_putc(out, '.');
		ks_buf_add(out, s + n + 1, m);
		return 0;
	}
bad:
	return refuse(d, _("\"%s\" is not a number: write it as 350 or 350,5 (a comma before the decimals, dots between thousands: 2.000.000,5)"),
		      text);
}

/*
 * A number that reads as thousands and as decimals alike, "1.234": refused
 * with both ways of writing it plainly, 1234 and 1,234.
 */
static int ambiguous(const char *text, struct ks_diags *d)
{
	struct ks_buf thousands = KS_BUF_INIT, decimals = KS_BUF_INIT;
	const char *s = *text == '-' || *text == '+' ? text + 1 : text;
	size_t n = digits(s);
	int err;

	if (!(n >= 1 && n <= 3 && s[n] == '.' && digits(s + n + 1) == 3 &&
	      !s[n + 4]))
		return 0;
	ks_buf_add(&thousands, text, (size_t)(s - text) + n);
	ks_buf_puts(&thousands, s + n + 1);
	ks_buf_add(&decimals, text, (size_t)(s - text) + n);
	ks_buf_putc(&decimals, ',');
	ks_buf_puts(&decimals, s + n + 1);
	err = ks_buf_failed(&thousands) || ks_buf_failed(&decimals) ? -1 :
	      ks_error(d, KS_EINVALID, NULL, 0, 0,
		       _("\"%s\" is unclear: write %s for a whole number, or %s for one with decimals"),
		       text, thousands.ptr, decimals.ptr);
	ks_buf_release(&thousands);
	ks_buf_release(&decimals);
	return err;
}

static int read_boolean(struct ks_buf *out, const char *text,
			struct ks_diags *d)
{
	static const char *const yes[] = { "c", "có", "y", "yes", "true" };
	static const char *const no[] = { "k", "không", "n", "no", "false" };
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(*yes); i++) {
		if (!strcasecmp(text, yes[i]))
			return ks_buf_puts(out, "true");
		if (!strcasecmp(text, no[i]))
			return ks_buf_puts(out, "false");
	}
	return refuse(d, _("\"%s\": answer c (có) or k (không)"), text);
}

/*
 * "31/12/2024", "1/2/2024", "31-12-2024" or "31.12.2024" -> "2024-12-31";
 * ISO dates as they are.
 */
static int read_date(struct ks_buf *out, const char *text,
		     struct ks_diags *d)
{
	size_t dd = digits(text), mm = 0, yy = 0;
	char sep = text[dd], why[128];

	if (dd >= 1 && dd <= 2 && sep && strchr("/-.", sep)) {
		mm = digits(text + dd + 1);
		if (mm >= 1 && mm <= 2 && text[dd + 1 + mm] == sep)
			yy = digits(text + dd + mm + 2);
	}
	if (yy == 4 && !text[dd + mm + 2 + yy])
		ks_buf_addf(out, "%.4s-%s%.*s-%s%.*s", text + dd + mm + 2,
			    mm == 1 ? "0" : "", (int)mm, text + dd + 1,
			    dd == 1 ? "0" : "", (int)dd, text);
	else
		ks_buf_puts(out, text);
	if (ks_buf_failed(out))
		return -1;
	if (ks_format_check("date", out->ptr, out->len, why, sizeof(why)) != 1)
		return refuse(d, _("\"%s\" is not a date: write day/month/year, as 31/12/2024"),
			      text);
	return 0;
}

/*
 * "0912 345 678", "0912.345.678", "(0225) 3822-111", "+84 912 345 678"
 * -> digits, with +84 written as 0.  Anything else is kept as typed, for
 * the format's own check to explain.
 */
static int read_phone(struct ks_buf *out, const char *text,
		      struct ks_diags *d)
{
	const char *s = text;

	if (!strncmp(s, "+84", 3)) {
		ks_buf_putc(out, '0');
		s += 3;
	}
	for (; *s; s++) {
		if (digit(*s))
			ks_buf_putc(out, *s);
		else if (!strchr(" .-()", *s))
			break;
	}
	if (*s || !out->len) {
		ks_buf_reset(out);
		ks_buf_puts(out, text);
	}
	return 0;
}

/* The reader a schema's types and format ask for, or NULL: as typed. */
typedef int (*reader_fn)(struct ks_buf *, const char *, struct ks_diags *);

static reader_fn reader_for(const struct ks_snode *s)
{
	unsigned types = ks_snode_types(s) & ~(unsigned)KS_TYPE_NULL;
	const char *format = ks_snode_format(s);

	if (types == KS_TYPE_INTEGER)
		return read_integer;
	if (types == KS_TYPE_NUMBER || types == (KS_TYPE_NUMBER | KS_TYPE_INTEGER))
		return read_number;
	if (types == KS_TYPE_BOOLEAN)
		return read_boolean;
	if (types == KS_TYPE_STRING && format && !strcmp(format, "date"))
		return read_date;
	if (types == KS_TYPE_STRING && format && !strcmp(format, "vn-phone"))
		return read_phone;
	return NULL;
}

int ks_input_read(struct ks_node **out, struct ks_doc *doc,
		  const struct ks_snode *s, const char *text,
		  struct ks_diags *d)
{
	struct ks_buf b = KS_BUF_INIT;
	reader_fn read = s ? reader_for(s) : NULL;
	unsigned types = s ? ks_snode_types(s) : 0;
	int line, col, err;

	*out = NULL;
	if (ks_utf8_check(text, strlen(text), &line, &col) < 0)
		return ks_error(d, KS_EINVALID, NULL, 0, 0, "%s",
				_("not valid text (it is not UTF-8)"));
	if (read == read_number && (err = ambiguous(text, d)))
		return err;
	err = read ? read(&b, text, d) : ks_buf_puts(&b, text);
	if (!err && ks_buf_failed(&b))
		err = -1;
	/*
	 * Text for a field that takes text or something else (a code that
	 * may be null) stays text: "311" is not the number 311.
	 */
	if (!err && !(*out = ks_node_scalar(doc, b.ptr, b.len,
					    !read && (types & KS_TYPE_STRING) &&
					    types != KS_TYPE_STRING)))
		err = -1;
	ks_buf_release(&b);
	return err;
}
