/*
 * The table of committed unique values (.git/khaosat/unique-table): every
 * x-unique value of the records of one records tree, sorted by kind,
 * field and value, so that checking a few changed records against a
 * survey of 100,000 looks their values up instead of reading every
 * committed record's entry of the record cache.
 *
 * A text file:
 *   <header>                         (the caller's: format and schemas)
 *   T <records tree id>
 *   <kind>\t<pointer>\t<value>\t<id>\t<line>\t<col>     (the rows)
 *   E <rows> <bytes of the rows>
 * Values are escaped as the record cache escapes them (\\, \t, \n), so a
 * row is one line, and the rows are in byte order, which keeps the rows
 * of one (kind, pointer, value) together.  A table that is not exactly
 * this, or is of other schemas, is not used.  Like the record cache it
 * is local and only a cache: recordcache.c makes it from the records'
 * entries and brings it forward from tree to tree.
 */
#ifndef KS_UNIQTAB_H
#define KS_UNIQTAB_H

#include "buf.h"

#include <stddef.h>

#define KS_UNIQTAB_HEX 40	/* a records tree id, in hexadecimal */

struct ks_uniqtab {
	struct ks_buf text;	/* the whole file */
	size_t rows, end;	/* the rows are text.ptr[rows..end) */
	size_t nrows;
	char tree[KS_UNIQTAB_HEX + 1];
};

#define KS_UNIQTAB_INIT { KS_BUF_INIT, 0, 0, 0, "" }

void ks_uniqtab_release(struct ks_uniqtab *t);

/*
 * Reads the table at `file` made under `header`: 1 when it is there and
 * whole, 0 when it is not (missing, damaged, other schemas), -1 out of
 * memory.
 */
int ks_uniqtab_load(struct ks_uniqtab *t, const char *file,
		    const struct ks_buf *header);

/*
 * Whether `file` begins as a table made under `header` (its rows are not
 * read): 1, or 0 when it is missing or of other schemas or format.
 */
int ks_uniqtab_present(const char *file, const struct ks_buf *header);

/* The key of a value: "<kind>\t<pointer>\t<escaped value>\t". */
int ks_uniqtab_key(struct ks_buf *key, const char *kind, const char *pointer,
		   const char *value, size_t len);

/*
 * The rows whose key is `key`: start with *pos at 0; each call gives the
 * next row (its text, up to its newline), NULL after the last.
 */
const char *ks_uniqtab_next(const struct ks_uniqtab *t, const struct ks_buf *key,
			    size_t *pos);

/* One row's fields; the value is unescaped into `value`.  0, or -1. */
struct ks_uniqrow {
	const char *kind, *pointer, *id;
	size_t kind_len, pointer_len, id_len;
	int line, col;
};

int ks_uniqtab_row(struct ks_uniqrow *out, struct ks_buf *value,
		   const char *row);

/* Rows being gathered for a new table. */
struct ks_uniqrows {
	struct ks_buf text;
	size_t *at;		/* each row's offset in `text` */
	size_t n, alloc;
	int failed;		/* out of memory, or a row that cannot be one */
};

#define KS_UNIQROWS_INIT { KS_BUF_INIT, NULL, 0, 0, 0 }

void ks_uniqrows_release(struct ks_uniqrows *r);

/* A row, its value already escaped as the record cache keeps it. */
void ks_uniqrows_add(struct ks_uniqrows *r, const char *kind,
		     const char *pointer, size_t pointer_len,
		     const char *value, size_t value_len, const char *id,
		     int line, int col);

/*
 * Writes the table of records tree `tree` to `file`: the rows of `old`
 * (may be NULL) that `drop` does not refuse, and the rows of `add`, in
 * order (`add`'s offsets are sorted in place).  `drop(ctx, kind,
 * kind_len, id, id_len)` returns 1 for the rows of a record whose values
 * are not the old ones any more.  0, or -1 when the table could not be
 * written (it is then as it was).
 */
int ks_uniqtab_write(const char *file, const struct ks_buf *header,
		     const char *tree, const struct ks_uniqtab *old,
		     int (*drop)(void *ctx, const char *kind, size_t kind_len,
				 const char *id, size_t id_len),
		     void *ctx, struct ks_uniqrows *add);

#endif
