/*
 * x-unique: an index of values by kind and field.  See unique.h; the
 * cache of committed records that feeds it is recordcache.c.
 */
#include "unique.h"
#include "unique_int.h"
#include "alloc.h"
#include "buf.h"
#include "diag.h"
#include "record.h"
#include "repo.h"
#include "schema.h"

#include <git2.h>
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

struct uentry {
	char *key;		/* kind NUL pointer NUL value */
	size_t keylen;
	char *path;
	char *id;
	int line, col;
};

struct ukey {
	const char *s;
	size_t len;
};

static int uentry_eq(const void *entry, const void *key)
{
	const struct uentry *e = entry;
	const struct ukey *k = key;

	return e->keylen == k->len && !memcmp(e->key, k->s, k->len);
}

struct ks_unique *ks_unique_new(void)
{
	struct ks_unique *u = ks_calloc(1, sizeof(*u));

	if (u) {
		ks_table_init(&u->table, sizeof(struct uentry));
		ks_buf_init(&u->probe);
	}
	return u;
}

void ks_unique_free(struct ks_unique *u)
{
	struct uentry *e;
	size_t i = 0;

	if (!u)
		return;
	ks_buf_release(&u->probe);
	while ((e = ks_table_next(&u->table, &i))) {
		ks_free(e->key);
		ks_free(e->path);
		ks_free(e->id);
	}
	ks_table_release(&u->table);
	ks_free(u);
}

void ks_unique_begin(struct ks_unique *u, const char *kind,
		     const struct ks_schema *schema, const char *path,
		     const char *id, struct ks_diags *d)
{
	u->kind = kind;
	u->schema = schema;
	u->path = path;
	u->id = id;
	u->d = d;
}

/* Escapes a value for one line of the cache: \\, \t and \n. */
static void cache_escape(struct ks_buf *b, const char *s, size_t len)
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

/* The index key of a value: kind, field and value, NUL-separated. */
static int make_key(struct ks_unique *u, struct ks_buf *key,
		    const char *pointer, const char *value, size_t len)
{
	int e = ks_buf_add(key, u->kind, strlen(u->kind) + 1);

	e |= ks_buf_add(key, pointer, strlen(pointer) + 1);
	e |= ks_buf_add(key, value, len);
	if (e)
		u->oom = 1;
	return e ? -1 : 0;
}

/* The error at `path` of a value that record `other` holds too. */
static void clash(struct ks_unique *u, const char *path, int line, int col,
		  const char *pointer, const char *value, size_t len,
		  const char *other, const char *opath, int oline, int ocol)
{
	struct ks_buf label = KS_BUF_INIT;

	if (ks_schema_label(u->schema, pointer, &label) < 0)
		u->oom = 1;
	ks_diags_add(u->d, KS_SEV_ERROR, path, line, col, pointer, "x-unique",
		     "%s: \"%.*s\" is also used by record %s (%s:%d:%d); it must be unique",
		     label.ptr ? label.ptr : "", (int)len, value, other, opath,
		     oline, ocol);
	ks_buf_release(&label);
}

void ks_unique_add_at(struct ks_unique *u, const char *pointer,
		       const char *value, size_t len, int line, int col)
{
	struct ks_buf key = KS_BUF_INIT;
	struct ukey k;
	struct uentry *e;
	void *slot;
	int r;

	if (u->record) {
		ks_buf_addf(u->record, "V %d %d %s\t", line, col, pointer);
		cache_escape(u->record, value, len);
		ks_buf_putc(u->record, '\n');
		u->nrecord++;
	}
	if (make_key(u, &key, pointer, value, len) < 0)
		goto out;
	k.s = key.ptr;
	k.len = key.len;
	r = ks_table_put(&u->table, ks_hash(k.s, k.len), &k, uentry_eq, &slot);
	if (r < 0) {
		u->oom = 1;
		goto out;
	}
	e = slot;
	if (r == 0) {
		if (strcmp(e->id, u->id) && !u->quiet)
			clash(u, u->path, line, col, pointer, value, len,
			      e->id, e->path, e->line, e->col);
		goto out;
	}
	e->keylen = key.len;
	e->key = ks_buf_detach(&key, NULL);
	e->path = ks_strdup(u->path);
	e->id = ks_strdup(u->id);
	e->line = line;
	e->col = col;
	/* Half an entry would be found, and its missing names read, later. */
	if (!e->key || !e->path || !e->id) {
		ks_free(e->key);
		ks_free(e->path);
		ks_free(e->id);
		ks_table_remove(&u->table, e);
		u->oom = 1;
	}
out:
	ks_buf_release(&key);
}

/*
 * A committed record's value, compared with the values already indexed
 * (those of the records being checked) without being added: a clash is
 * reported at the indexed record, naming the committed one.
 */
void ks_unique_probe_at(struct ks_unique *u, const char *pointer,
			 const char *value, size_t len, int line, int col)
{
	struct ks_buf *key = &u->probe;	/* 100,000 probes: one buffer */
	const struct uentry *e;
	struct ukey k;

	ks_buf_reset(key);
	if (make_key(u, key, pointer, value, len) < 0)
		return;
	k.s = key->ptr;
	k.len = key->len;
	e = ks_table_find(&u->table, ks_hash(k.s, k.len), &k, uentry_eq);
	if (e && strcmp(e->id, u->id))
		clash(u, e->path, e->line, e->col, pointer, value, len, u->id,
		      u->path, line, col);
}

void ks_unique_value(struct ks_unique *u, const char *pointer,
		     const struct ks_node *value)
{
	if (value->kind == KS_NODE_SCALAR)
		ks_unique_add_at(u, pointer, value->u.scalar.str, value->u.scalar.len,
			   value->line, value->col);
}

int ks_unique_report(struct ks_unique *u, struct ks_diags *d)
{
	return u->oom ? -1 : 0;
}

