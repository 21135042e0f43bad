/*
 * The JSON writer (see json.h): separators from a stack of open objects
 * and arrays, strings escaped, every error sticky in the buffer.
 */
#include "json.h"
#include "buf.h"

#include <stdio.h>
#include <string.h>
#include <utf8proc.h>

enum {
	JL_OBJECT = 1,		/* an object, else an array */
	JL_ITEMS = 2,		/* it has a member or element already */
	JL_LINES = 4,		/* each item after the first starts a line */
};

void ks_json_init(struct ks_json *j, struct ks_buf *out)
{
	memset(j, 0, sizeof(*j));
	j->out = out;
}

/*
 * A call out of place, or a cut text to be written, fails the text as a
 * failed addition does: it is not to be used.
 */
static int spoil(struct ks_json *j)
{
	ks_buf_fail(j->out);
	return -1;
}

static unsigned char *top(struct ks_json *j)
{
	return j->depth ? &j->level[j->depth - 1] : NULL;
}

/*
 * What goes before an item: a comma (and a line break) after an earlier
 * one.  `key` is 1 for a member's key, 0 for a value.
 */
static int item(struct ks_json *j, int key)
{
	unsigned char *l = top(j);
	int brk = j->newline;

	if (ks_buf_failed(j->out))
		return -1;
	j->newline = 0;
	if (!l)
		return key || j->done ? spoil(j) : 0;
	if (!key && (*l & JL_OBJECT)) {
		/* A member's value: right after its key, never alone. */
		if (!j->keyed)
			return spoil(j);
		j->keyed = 0;
		return 0;
	}
	if (key && (!(*l & JL_OBJECT) || j->keyed))
		return spoil(j);
	if (!(*l & JL_ITEMS)) {
		*l |= JL_ITEMS;
		return 0;
	}
	return ks_buf_puts(j->out, brk || (*l & JL_LINES) ? ",\n " : ",");
}

/* After a value: at depth 0 the document is whole. */
static int written(struct ks_json *j, int err)
{
	if (!err && !j->depth)
		j->done = 1;
	return err;
}

static int begin(struct ks_json *j, char c, unsigned char flags)
{
	if (item(j, 0) < 0)
		return -1;
	if (j->depth == KS_JSON_MAX_DEPTH)
		return spoil(j);
	if (ks_buf_putc(j->out, c) < 0)
		return -1;
	j->level[j->depth++] = flags;
	return 0;
}

static int end(struct ks_json *j, char c, unsigned char object)
{
	unsigned char *l = top(j);

	if (ks_buf_failed(j->out))
		return -1;
	if (!l || (*l & JL_OBJECT) != object || j->keyed)
		return spoil(j);
	j->depth--;
	j->newline = 0;
	return written(j, ks_buf_putc(j->out, c));
}

int ks_json_begin_object(struct ks_json *j)
{
	return begin(j, '{', JL_OBJECT);
}

int ks_json_end_object(struct ks_json *j)
{
	return end(j, '}', JL_OBJECT);
}

int ks_json_begin_array(struct ks_json *j)
{
	return begin(j, '[', 0);
}

int ks_json_begin_lines(struct ks_json *j)
{
	return begin(j, '[', JL_LINES);
}

int ks_json_end_array(struct ks_json *j)
{
	return end(j, ']', 0);
}

int ks_json_newline(struct ks_json *j)
{
	if (ks_buf_failed(j->out))
		return -1;
	j->newline = 1;
	return 0;
}

/* The escape of an ASCII byte JSON needs one for: ", \ or a control. */
static void escape(struct ks_buf *b, unsigned char c)
{
	static const char *const named[] = {
		['\t'] = "\\t", ['\n'] = "\\n", ['\r'] = "\\r",
	};

	if (c == '"' || c == '\\') {
		ks_buf_putc(b, '\\');
		ks_buf_putc(b, (char)c);
	} else if (c < sizeof(named) / sizeof(*named) && named[c]) {
		ks_buf_puts(b, named[c]);
	} else {
		ks_buf_addf(b, "\\u%04x", c);
	}
}

int ks_json_string(struct ks_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), i = 0, run;
	utf8proc_int32_t cp;
	utf8proc_ssize_t n;

	ks_buf_putc(b, '"');
	while (i < len) {
		/* Bytes that need nothing, added in one go. */
		for (run = i; run < len && p[run] >= 0x20 && p[run] < 0x80 &&
		     p[run] != '"' && p[run] != '\\'; run++)
			;
		ks_buf_add(b, p + i, run - i);
		if ((i = run) == len)
			break;
		if (p[i] < 0x80) {
			escape(b, p[i++]);
			continue;
		}
		n = utf8proc_iterate(p + i, (utf8proc_ssize_t)(len - i), &cp);
		if (n > 0) {
			ks_buf_add(b, p + i, (size_t)n);
			i += (size_t)n;
		} else {
			ks_buf_puts(b, "\xef\xbf\xbd");
			i++;
		}
	}
	return ks_buf_putc(b, '"');
}

int ks_json_key(struct ks_json *j, const char *key)
{
	if (item(j, 1) < 0 || ks_json_string(j->out, key) < 0 ||
	    ks_buf_putc(j->out, ':') < 0)
		return -1;
	j->keyed = 1;
	return 0;
}

int ks_json_str(struct ks_json *j, const char *s)
{
	if (!s)
		return ks_json_null(j);
	return written(j, item(j, 0) < 0 ? -1 : ks_json_string(j->out, s));
}

int ks_json_str_buf(struct ks_json *j, const struct ks_buf *s)
{
	if (ks_buf_failed(s))
		return spoil(j);
	return ks_json_str(j, s->ptr);
}

int ks_json_raw(struct ks_json *j, const char *text)
{
	return written(j, item(j, 0) < 0 ? -1 : ks_buf_puts(j->out, text));
}

int ks_json_int(struct ks_json *j, long long v)
{
	char num[32];

	snprintf(num, sizeof(num), "%lld", v);
	return ks_json_raw(j, num);
}

int ks_json_uint(struct ks_json *j, unsigned long long v)
{
	char num[32];

	snprintf(num, sizeof(num), "%llu", v);
	return ks_json_raw(j, num);
}

int ks_json_bool(struct ks_json *j, int v)
{
	return ks_json_raw(j, v ? "true" : "false");
}

int ks_json_null(struct ks_json *j)
{
	return ks_json_raw(j, "null");
}

struct ks_buf *ks_json_value_buf(struct ks_json *j)
{
	written(j, item(j, 0));
	return j->out;
}

int ks_json_field_str(struct ks_json *j, const char *key, const char *s)
{
	return ks_json_key(j, key) < 0 ? -1 : ks_json_str(j, s);
}

int ks_json_field_int(struct ks_json *j, const char *key, long long v)
{
	return ks_json_key(j, key) < 0 ? -1 : ks_json_int(j, v);
}

int ks_json_field_uint(struct ks_json *j, const char *key,
		       unsigned long long v)
{
	return ks_json_key(j, key) < 0 ? -1 : ks_json_uint(j, v);
}

int ks_json_field_bool(struct ks_json *j, const char *key, int v)
{
	return ks_json_key(j, key) < 0 ? -1 : ks_json_bool(j, v);
}

int ks_json_end(struct ks_json *j)
{
	if (ks_buf_failed(j->out))
		return -1;
	if (j->depth || !j->done)
		return spoil(j);
	return 0;
}

int ks_json_pointer_next(const char **p, struct ks_buf *tok)
{
	const char *q;

	if (!*p || **p != '/')
		return 0;
	ks_buf_reset(tok);
	for (q = *p + 1; *q && *q != '/'; q++) {
		if (q[0] == '~' && (q[1] == '0' || q[1] == '1'))
			ks_buf_putc(tok, *++q == '0' ? '~' : '/');
		else
			ks_buf_putc(tok, *q);
	}
	*p = q;
	return ks_buf_failed(tok) ? -1 : 1;
}

/* JSON's own number syntax; YAML also reads 0x1F, .inf, 1_000... */
int ks_json_is_number(const char *s)
{
	if (*s == '-')
		s++;
	if (*s == '0')
		s++;
	else if (*s >= '1' && *s <= '9')
		while (*s >= '0' && *s <= '9')
			s++;
	else
		return 0;
	if (*s == '.') {
		if (*++s < '0' || *s > '9')
			return 0;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (*s < '0' || *s > '9')
			return 0;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	return *s == '\0';
}
