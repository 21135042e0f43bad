/*
 * The table of committed unique values: its file, read, searched and
 * written.  See uniqtab.h; what fills it is recordcache.c.
 */
#include "uniqtab.h"
#include "alloc.h"
#include "diag.h"
#include "file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FLUSH_AT ((size_t)256 * 1024)

void ks_uniqtab_release(struct ks_uniqtab *t)
{
	ks_buf_release(&t->text);
	t->rows = t->end = t->nrows = 0;
	t->tree[0] = '\0';
}

static int is_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

/* "E <rows> <bytes>\n" at `s` (the end of the text at `end`): 0, or -1. */
static int end_line(const char *s, const char *end, size_t *rows,
		    size_t *bytes)
{
	char *e;

	if (end - s < 6 || memcmp(s, "E ", 2) || s[2] < '0' || s[2] > '9')
		return -1;
	*rows = strtoul(s + 2, &e, 10);
	if (*e != ' ' || e[1] < '0' || e[1] > '9')
		return -1;
	*bytes = strtoul(e + 1, &e, 10);
	return e == end - 1 && *e == '\n' ? 0 : -1;
}

/* Whether the `len` bytes at `s` begin with "<header>T <tree>\n". */
static int head_ok(const char *s, size_t len, const struct ks_buf *header)
{
	size_t head = header->len + 2 + KS_UNIQTAB_HEX + 1;

	return len >= head && !memcmp(s, header->ptr, header->len) &&
	       !memcmp(s + header->len, "T ", 2) &&
	       is_hex(s + header->len + 2, KS_UNIQTAB_HEX) && s[head - 1] == '\n';
}

int ks_uniqtab_present(const char *file, const struct ks_buf *header)
{
	size_t head = header->len + 2 + KS_UNIQTAB_HEX + 1, got = 0;
	char *s = ks_malloc(head);
	ssize_t n = 0;
	int fd, ok;

	if (!s)
		return 0;
	fd = open(file, O_RDONLY | O_CLOEXEC);
	while (fd >= 0 && got < head) {
		n = read(fd, s + got, head - got);
		if (n > 0)
			got += (size_t)n;
		else if (n == 0 || errno != EINTR)
			break;
	}
	ok = head_ok(s, got, header);
	if (fd >= 0)
		close(fd);
	ks_free(s);
	return ok;
}

int ks_uniqtab_load(struct ks_uniqtab *t, const char *file,
		    const struct ks_buf *header)
{
	size_t head = header->len + 2 + KS_UNIQTAB_HEX + 1, rows, bytes, n;
	const char *s, *last;

	ks_uniqtab_release(t);
	if (ks_buf_read_file(&t->text, file, 0) < 0) {
		ks_uniqtab_release(t);
		return errno == ENOMEM ? -1 : 0;
	}
	s = t->text.ptr;
	if (!head_ok(s, t->text.len, header))
		goto unusable;
	memcpy(t->tree, s + header->len + 2, KS_UNIQTAB_HEX);
	t->tree[KS_UNIQTAB_HEX] = '\0';
	t->rows = t->end = head;
	/* the end line, and the rows before it whole */
	if (t->text.len < head + 1 || s[t->text.len - 1] != '\n')
		goto unusable;
	for (last = s + t->text.len - 1; last > s + head && last[-1] != '\n'; last--)
		;
	if (end_line(last, s + t->text.len, &rows, &bytes) < 0 ||
	    bytes != (size_t)(last - (s + head)))
		goto unusable;
	for (n = 0, s += head; s < last; n++)
		s = (const char *)memchr(s, '\n', (size_t)(last - s)) + 1;
	if (n != rows)
		goto unusable;
	t->end = (size_t)(last - t->text.ptr);
	t->nrows = rows;
	return 1;
unusable:
	ks_uniqtab_release(t);
	return 0;
}

int ks_uniqtab_key(struct ks_buf *key, const char *kind, const char *pointer,
		   const char *value, size_t len)
{
	ks_buf_reset(key);
	ks_buf_puts(key, kind);
	ks_buf_putc(key, '\t');
	ks_buf_puts(key, pointer);
	ks_buf_putc(key, '\t');
	ks_buf_add_escaped(key, value, len);
	ks_buf_putc(key, '\t');
	return ks_buf_failed(key) ? -1 : 0;
}

/* The length of the row at `s`, its newline included. */
static size_t row_len(const char *s)
{
	return (size_t)((const char *)strchr(s, '\n') - s) + 1;
}

/* A row's order against a key: rows and keys compare as bytes. */
static int row_cmp(const char *row, const struct ks_buf *key)
{
	size_t len = row_len(row), n = len < key->len ? len : key->len;
	int c = memcmp(row, key->ptr, n);

	return c ? c : len < key->len ? -1 : 0;
}

/* The offset of the first row not before `key` (t->end when none). */
static size_t lower_bound(const struct ks_uniqtab *t, const struct ks_buf *key)
{
	const char *s = t->text.ptr;
	size_t lo = t->rows, hi = t->end;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		while (mid > lo && s[mid - 1] != '\n')
			mid--;
		if (row_cmp(s + mid, key) < 0)
			lo = mid + row_len(s + mid);
		else
			hi = mid;
	}
	return lo;
}

const char *ks_uniqtab_next(const struct ks_uniqtab *t, const struct ks_buf *key,
			    size_t *pos)
{
	size_t at = *pos ? *pos - 1 : lower_bound(t, key);
	const char *row = t->text.ptr + at;

	if (at >= t->end || memcmp(row, key->ptr, key->len) ||
	    row_len(row) <= key->len)
		return NULL;
	*pos = at + row_len(row) + 1;
	return row;
}

/* The number at `s` up to `stop`, into *out: past it, or NULL. */
static const char *number(const char *s, char stop, int *out)
{
	char *e;
	long v;

	if (*s < '0' || *s > '9')
		return NULL;
	v = strtol(s, &e, 10);
	if (*e != stop || v > INT_MAX)
		return NULL;
	*out = (int)v;
	return e + 1;
}

/* The four text fields of a row: past them, or NULL. */
static const char *fields(const char *row, const char *f[4], size_t len[4])
{
	const char *s = row;
	int i;

	for (i = 0; i < 4; i++) {
		f[i] = s;
		len[i] = strcspn(s, "\t\n");
		if (s[len[i]] != '\t')
			return NULL;
		s += len[i] + 1;
	}
	return s;
}

int ks_uniqtab_row(struct ks_uniqrow *out, struct ks_buf *value,
		   const char *row)
{
	const char *f[4], *s;
	size_t len[4];

	s = fields(row, f, len);

	if (!s || !(s = number(s, '\t', &out->line)) ||
	    !number(s, '\n', &out->col))
		return -1;
	out->kind = f[0];
	out->kind_len = len[0];
	out->pointer = f[1];
	out->pointer_len = len[1];
	out->id = f[3];
	out->id_len = len[3];
	ks_buf_reset(value);
	ks_buf_add_unescaped(value, f[2], f[2] + len[2]);
	return ks_buf_failed(value) ? -1 : 0;
}

void ks_uniqrows_release(struct ks_uniqrows *r)
{
	ks_buf_release(&r->text);
	ks_free(r->at);
	r->at = NULL;
	r->n = r->alloc = 0;
	r->failed = 0;
}

void ks_uniqrows_add(struct ks_uniqrows *r, const char *kind,
		     const char *pointer, size_t pointer_len,
		     const char *value, size_t value_len, const char *id,
		     int line, int col)
{
	size_t at = r->text.len;

	if (r->failed)
		return;
	/* a field with a tab or a newline in it would not be one field */
	if (strpbrk(kind, "\t\n") || strpbrk(id, "\t\n") ||
	    memchr(pointer, '\t', pointer_len) || memchr(pointer, '\n', pointer_len) ||
	    memchr(value, '\t', value_len) || memchr(value, '\n', value_len) ||
	    ks_grow(&r->at, r->n, &r->alloc, sizeof(*r->at), 1024) < 0) {
		r->failed = 1;
		return;
	}
	ks_buf_puts(&r->text, kind);
	ks_buf_putc(&r->text, '\t');
	ks_buf_add(&r->text, pointer, pointer_len);
	ks_buf_putc(&r->text, '\t');
	ks_buf_add(&r->text, value, value_len);
	ks_buf_putc(&r->text, '\t');
	ks_buf_puts(&r->text, id);
	ks_buf_addf(&r->text, "\t%d\t%d\n", line, col);
	if (ks_buf_failed(&r->text))
		r->failed = 1;
	r->at[r->n++] = at;
}

/* Two rows in the table's order: as bytes, each up to its newline. */
static int line_cmp(const char *a, const char *b)
{
	size_t la = row_len(a), lb = row_len(b);
	int c = memcmp(a, b, la < lb ? la : lb);

	return c ? c : la < lb ? -1 : la > lb;
}

/* Two rows by their offsets in `text`. */
static int at_cmp(const void *a, const void *b, void *text)
{
	return line_cmp((const char *)text + *(const size_t *)a,
			(const char *)text + *(const size_t *)b);
}

/* Writes `len` bytes through `out`, a buffer flushed at FLUSH_AT. */
static void put(struct ks_file *f, struct ks_buf *out, const char *s,
		size_t len)
{
	ks_buf_add(out, s, len);
	if (out->len >= FLUSH_AT && !ks_buf_failed(out)) {
		ks_file_write(f, out->ptr, out->len);
		ks_buf_reset(out);
	}
}

int ks_uniqtab_write(const char *file, const struct ks_buf *header,
		     const char *tree, const struct ks_uniqtab *old,
		     int (*drop)(void *ctx, const char *kind, size_t kind_len,
				 const char *id, size_t id_len),
		     void *ctx, struct ks_uniqrows *add)
{
	struct ks_diags ignore = KS_DIAGS_INIT;
	struct ks_file file_out = KS_FILE_INIT;
	struct ks_buf out = KS_BUF_INIT;
	const char *s = old ? old->text.ptr + old->rows : NULL;
	const char *oend = old ? old->text.ptr + old->end : NULL;
	size_t i = 0, n = 0, bytes = 0;
	int err = -1;

	if (add->failed || strlen(tree) != KS_UNIQTAB_HEX)
		return -1;
	/* the offsets sorted in place: no second array of 100,000s */
	if (add->n)
		qsort_r(add->at, add->n, sizeof(*add->at), at_cmp, add->text.ptr);
	if (ks_file_begin(&file_out, file, 0, &ignore) < 0)
		goto out;
	put(&file_out, &out, header->ptr, header->len);
	put(&file_out, &out, "T ", 2);
	put(&file_out, &out, tree, KS_UNIQTAB_HEX);
	put(&file_out, &out, "\n", 1);
	i = 0;
	while (s < oend || i < add->n) {
		const char *row;
		size_t len;

		if (s < oend && (i == add->n ||
				 line_cmp(s, add->text.ptr + add->at[i]) <= 0)) {
			const char *f[4];
			size_t flen[4];

			row = s;
			len = row_len(s);
			s += len;
			if (drop && (!fields(row, f, flen) ||
				     drop(ctx, f[0], flen[0], f[3], flen[3])))
				continue;
		} else {
			row = add->text.ptr + add->at[i++];
			len = row_len(row);
		}
		put(&file_out, &out, row, len);
		bytes += len;
		n++;
	}
	ks_buf_addf(&out, "E %zu %zu\n", n, bytes);
	if (ks_buf_failed(&out)) {
		ks_file_abort(&file_out);
		goto out;
	}
	ks_file_write(&file_out, out.ptr, out.len);
	err = ks_file_commit(&file_out, &ignore) < 0 ? -1 : 0;
out:
	ks_buf_release(&out);
	ks_diags_release(&ignore);
	return err;
}
