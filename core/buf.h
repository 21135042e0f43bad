/*
 * A growable byte buffer, always NUL-terminated, in the spirit of git's
 * strbuf.  Invariants: `ptr` is never NULL after ks_buf_init (it points at a
 * static empty string until the first growth), `ptr[len] == '\0'`, and
 * `len < alloc` whenever `alloc` is non-zero.
 *
 * Adding functions return 0, or -1 when memory runs out.  A failure is
 * sticky: the text is emptied (never a prefix that could pass for the
 * whole, or a folder's path for a file's), every later addition fails
 * too, and ks_buf_failed() says so, until the buffer is reset or
 * released.  A caller that builds a whole output may add without checking
 * each call and check ks_buf_failed() once, before it uses the text.
 */
#ifndef KS_BUF_H
#define KS_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct ks_buf {
	char *ptr;
	size_t len;
	size_t alloc;
	int failed;	/* an addition failed since the last reset */
};

extern char ks_buf_empty[];
#define KS_BUF_INIT { ks_buf_empty, 0, 0, 0 }

void ks_buf_init(struct ks_buf *b);
/* Frees the contents; the buffer is then empty and reusable. */
void ks_buf_release(struct ks_buf *b);
/* Hands the string to the caller (free with ks_free) and empties the buffer. */
char *ks_buf_detach(struct ks_buf *b, size_t *len);
void ks_buf_reset(struct ks_buf *b);
int ks_buf_grow(struct ks_buf *b, size_t extra);
/*
 * Sets the text's length to `len`, which ks_buf_grow() made room for
 * (bytes written in place after the text), or which is not more than it.
 */
void ks_buf_setlen(struct ks_buf *b, size_t len);
int ks_buf_add(struct ks_buf *b, const void *data, size_t len);
int ks_buf_puts(struct ks_buf *b, const char *s);
int ks_buf_putc(struct ks_buf *b, char c);
int ks_buf_addf(struct ks_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int ks_buf_vaddf(struct ks_buf *b, const char *fmt, va_list ap);
/* 1 when an addition failed since the buffer was last reset or released. */
int ks_buf_failed(const struct ks_buf *b);
/* Marks the text failed, as a failed addition does: it is not to be used. */
void ks_buf_fail(struct ks_buf *b);
/* FNV-1a of `len` bytes: the one hash of the program's own tables. */
size_t ks_hash(const void *data, size_t len);

/*
 * A value as one tab-separated field of one line (the record cache, the
 * table of unique values): backslash, tab and newline escaped as \\, \t
 * and \n.
 */
void ks_buf_add_escaped(struct ks_buf *b, const char *s, size_t len);
/* The value back from its escaped text [s, end). */
void ks_buf_add_unescaped(struct ks_buf *b, const char *s, const char *end);

/* Reads a whole file; -1 with errno set on failure. */
/* Appends `len` bytes as lower-case hexadecimal (an object id: 20). */
int ks_buf_add_hex(struct ks_buf *b, const unsigned char *bytes, size_t len);

int ks_buf_read_file(struct ks_buf *b, const char *path, size_t max);

#endif
