/*
 * Growable NUL-terminated byte buffers (see buf.h for the invariants).
 */
#include "buf.h"
#include "alloc.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char ks_buf_empty[1];

void ks_buf_init(struct ks_buf *b)
{
	b->ptr = ks_buf_empty;
	b->len = 0;
	b->alloc = 0;
	b->failed = 0;
}

int ks_buf_failed(const struct ks_buf *b)
{
	return b->failed;
}

/*
 * A failure empties the text: what is left must never pass for the whole
 * text, nor a folder's path cut short for the path of a file in it.
 */
void ks_buf_fail(struct ks_buf *b)
{
	b->failed = 1;
	b->len = 0;
	if (b->alloc)
		b->ptr[0] = '\0';
}

void ks_buf_release(struct ks_buf *b)
{
	if (b->alloc)
		ks_free(b->ptr);
	ks_buf_init(b);
}

char *ks_buf_detach(struct ks_buf *b, size_t *len)
{
	char *p;

	if (b->failed) {
		ks_buf_release(b);
		return NULL;
	}
	if (len)
		*len = b->len;
	if (!b->alloc) {
		p = ks_strdup("");
	} else {
		p = b->ptr;
	}
	ks_buf_init(b);
	return p;
}

void ks_buf_reset(struct ks_buf *b)
{
	b->len = 0;
	b->failed = 0;
	/* Never a write to the shared empty string: threads share it. */
	if (b->alloc)
		b->ptr[0] = '\0';
}

int ks_buf_grow(struct ks_buf *b, size_t extra)
{
	size_t want, n;
	char *p;

	if (b->failed)
		return -1;
	if (extra >= (size_t)-1 / 2 - b->len) {
		ks_buf_fail(b);
		return -1;
	}
	want = b->len + extra + 1;
	if (want <= b->alloc)
		return 0;
	n = b->alloc ? b->alloc : 64;
	while (n < want)
		n *= 2;
	p = ks_realloc(b->alloc ? b->ptr : NULL, n);
	if (!p) {
		ks_buf_fail(b);
		return -1;
	}
	if (!b->alloc)
		p[0] = '\0';
	b->ptr = p;
	b->alloc = n;
	return 0;
}

void ks_buf_setlen(struct ks_buf *b, size_t len)
{
	assert(len < b->alloc || (!len && !b->alloc));
	b->len = len;
	if (b->alloc)
		b->ptr[len] = '\0';
}

int ks_buf_add(struct ks_buf *b, const void *data, size_t len)
{
	if (ks_buf_grow(b, len) < 0)
		return -1;
	memcpy(b->ptr + b->len, data, len);
	b->len += len;
	b->ptr[b->len] = '\0';
	return 0;
}

int ks_buf_puts(struct ks_buf *b, const char *s)
{
	return ks_buf_add(b, s, strlen(s));
}

int ks_buf_putc(struct ks_buf *b, char c)
{
	return ks_buf_add(b, &c, 1);
}

int ks_buf_vaddf(struct ks_buf *b, const char *fmt, va_list ap)
{
	size_t room = b->alloc && !b->failed ? b->alloc - b->len : 0;
	va_list cp;
	int n;

	/* Written in place when it fits: one formatting, not two. */
	va_copy(cp, ap);
	n = vsnprintf(room ? b->ptr + b->len : NULL, room, fmt, cp);
	va_end(cp);
	if (n < 0) {
		if (room)
			b->ptr[b->len] = '\0';
		ks_buf_fail(b);
		return -1;
	}
	if ((size_t)n < room) {
		b->len += (size_t)n;
		return 0;
	}
	if (room)
		b->ptr[b->len] = '\0';
	if (ks_buf_grow(b, (size_t)n) < 0)
		return -1;
	vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int ks_buf_addf(struct ks_buf *b, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = ks_buf_vaddf(b, fmt, ap);
	va_end(ap);
	return r;
}

size_t ks_hash(const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t h = (size_t)14695981039346656037u, i;

	for (i = 0; i < len; i++)
		h = (h ^ p[i]) * (size_t)1099511628211u;
	return h;
}

int ks_buf_read_file(struct ks_buf *b, const char *path, size_t max)
{
	struct stat st;
	int fd, r = -1;
	ssize_t n;

	/* Not blocking: a named pipe in a record's place must not hang. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0)
		goto out;
	if (S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		errno = EINVAL;
		goto out;
	}
	if (max && (size_t)st.st_size > max) {
		errno = EFBIG;
		goto out;
	}
	/* the file's size exactly: a cache of 9 MB takes 9 MB, not 16 */
	if (!b->alloc && !b->failed && st.st_size > 0) {
		char *p = ks_malloc((size_t)st.st_size + 1);

		if (!p) {
			errno = ENOMEM;
			goto out;
		}
		b->ptr = p;
		b->alloc = (size_t)st.st_size + 1;
		b->ptr[0] = '\0';
	} else if (ks_buf_grow(b, (size_t)st.st_size) < 0) {
		errno = ENOMEM;
		goto out;
	}
	for (;;) {
		char probe;

		/* full: more only if the file grew since fstat() */
		if (b->alloc - b->len - 1 == 0) {
			n = read(fd, &probe, 1);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				goto out;
			if (n == 0)
				break;
			if (ks_buf_grow(b, 8192) < 0) {
				errno = ENOMEM;
				goto out;
			}
			b->ptr[b->len++] = probe;
		} else {
			n = read(fd, b->ptr + b->len, b->alloc - b->len - 1);
			if (n < 0) {
				if (errno == EINTR)
					continue;
				goto out;
			}
			if (n == 0)
				break;
			b->len += (size_t)n;
		}
		if (max && b->len > max) {
			errno = EFBIG;
			goto out;
		}
	}
	b->ptr[b->len] = '\0';
	r = 0;
out:
	close(fd);
	return r;
}

void ks_buf_add_escaped(struct ks_buf *b, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (s[i] == '\\')
			ks_buf_puts(b, "\\\\");
		else if (s[i] == '\t')
			ks_buf_puts(b, "\\t");
		else if (s[i] == '\n')
			ks_buf_puts(b, "\\n");
		else
			ks_buf_putc(b, s[i]);
	}
}

void ks_buf_add_unescaped(struct ks_buf *b, const char *s, const char *end)
{
	while (s < end) {
		const char *bs = memchr(s, '\\', (size_t)(end - s));

		/* the text up to the next backslash, whole */
		ks_buf_add(b, s, (size_t)((bs ? bs : end) - s));
		if (!bs)
			break;
		if (bs + 1 < end) {
			ks_buf_putc(b, bs[1] == 't' ? '\t' : bs[1] == 'n' ? '\n' : bs[1]);
			s = bs + 2;
		} else {
			ks_buf_putc(b, '\\');
			s = bs + 1;
		}
	}
}

int ks_buf_add_hex(struct ks_buf *b, const unsigned char *bytes, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	char *o;
	size_t i;

	if (ks_buf_grow(b, 2 * len) < 0)
		return -1;
	o = b->ptr + b->len;
	for (i = 0; i < len; i++) {
		o[2 * i] = digits[bytes[i] >> 4];
		o[2 * i + 1] = digits[bytes[i] & 15];
	}
	ks_buf_setlen(b, b->len + 2 * len);
	return 0;
}
