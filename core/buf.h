/*
 * A growable byte buffer, always NUL-terminated, in the spirit of git's
 * strbuf.  Invariants: `ptr` is never NULL after ks_buf_init (it points at a
 * static empty string until the first growth), `ptr[len] == '\0'`, and
 * `len < alloc` whenever `alloc` is non-zero.
 *
 * Adding functions return 0, or -1 when memory runs out (the buffer then
 * keeps its previous contents).
 */
#ifndef KS_BUF_H
#define KS_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct ks_buf {
	char *ptr;
	size_t len;
	size_t alloc;
};

extern char ks_buf_empty[];
#define KS_BUF_INIT { ks_buf_empty, 0, 0 }

void ks_buf_init(struct ks_buf *b);
/* Frees the contents; the buffer is then empty and reusable. */
void ks_buf_release(struct ks_buf *b);
/* Hands the string to the caller (free with ks_free) and empties the buffer. */
char *ks_buf_detach(struct ks_buf *b, size_t *len);
void ks_buf_reset(struct ks_buf *b);
int ks_buf_grow(struct ks_buf *b, size_t extra);
int ks_buf_add(struct ks_buf *b, const void *data, size_t len);
int ks_buf_puts(struct ks_buf *b, const char *s);
int ks_buf_putc(struct ks_buf *b, char c);
int ks_buf_addf(struct ks_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int ks_buf_vaddf(struct ks_buf *b, const char *fmt, va_list ap);
/* FNV-1a of `len` bytes: the one hash of the program's own tables. */
size_t ks_hash(const void *data, size_t len);

/* Reads a whole file; -1 with errno set on failure. */
int ks_buf_read_file(struct ks_buf *b, const char *path, size_t max);

#endif
