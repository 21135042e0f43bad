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

struct ks_unique *ks_unique_new(void)
{
	struct ks_unique *u = ks_calloc(1, sizeof(*u));

	if (!u)
		return NULL;
	u->size = 1024;
	u->table = ks_calloc(u->size, sizeof(*u->table));
	if (!u->table) {
		ks_free(u);
		return NULL;
	}
	return u;
}

void ks_unique_free(struct ks_unique *u)
{
	size_t i;

	if (!u)
		return;
	for (i = 0; i < u->size; i++) {
		struct uentry *e, *next;

		for (e = u->table[i]; e; e = next) {
			next = e->next;
			ks_free(e->key);
			ks_free(e->path);
			ks_free(e->id);
			ks_free(e);
		}
	}
	ks_free(u->table);
	ks_free(u);
}

static void unique_grow(struct ks_unique *u)
{
	size_t size = u->size * 2, i;
	struct uentry **t = ks_calloc(size, sizeof(*t));

	if (!t)
		return;
	for (i = 0; i < u->size; i++) {
		struct uentry *e, *next;

		for (e = u->table[i]; e; e = next) {
			size_t j = ks_hash(e->key, e->keylen) & (size - 1);

			next = e->next;
			e->next = t[j];
			t[j] = e;
		}
	}
	ks_free(u->table);
	u->table = t;
	u->size = size;
}

void ks_unique_begin(struct ks_unique *u, const char *kind, const char *path,
		     const char *id, struct ks_diags *d)
{
	u->kind = kind;
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

void ks_unique_add_at(struct ks_unique *u, const char *pointer,
		       const char *value, size_t len, int line, int col)
{
	struct ks_buf key = KS_BUF_INIT;
	struct uentry *e;
	size_t h;

	if (u->record) {
		ks_buf_addf(u->record, "V %d %d %s\t", line, col, pointer);
		cache_escape(u->record, value, len);
		ks_buf_putc(u->record, '\n');
		u->nrecord++;
	}
	if (make_key(u, &key, pointer, value, len) < 0)
		goto out;
	h = ks_hash(key.ptr, key.len) & (u->size - 1);
	for (e = u->table[h]; e; e = e->next) {
		if (e->keylen != key.len || memcmp(e->key, key.ptr, key.len))
			continue;
		if (!strcmp(e->id, u->id) || u->quiet)
			goto out;
		ks_diags_add(u->d, KS_SEV_ERROR, u->path, line, col, pointer,
			     "x-unique",
			     "\"%.*s\" is also used by record %s (%s:%d:%d); it must be unique",
			     (int)len, value, e->id, e->path, e->line, e->col);
		goto out;
	}
	e = ks_calloc(1, sizeof(*e));
	if (!e) {
		u->oom = 1;
		goto out;
	}
	e->keylen = key.len;
	e->key = ks_buf_detach(&key, NULL);
	e->path = ks_strdup(u->path);
	e->id = ks_strdup(u->id);
	e->line = line;
	e->col = col;
	e->next = u->table[h];
	u->table[h] = e;
	if (!e->key || !e->path || !e->id)
		u->oom = 1;
	if (++u->n > u->size)
		unique_grow(u);
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
	struct ks_buf key = KS_BUF_INIT;
	struct uentry *e;
	size_t h;

	if (make_key(u, &key, pointer, value, len) < 0)
		goto out;
	h = ks_hash(key.ptr, key.len) & (u->size - 1);
	for (e = u->table[h]; e; e = e->next) {
		if (e->keylen != key.len || memcmp(e->key, key.ptr, key.len) ||
		    !strcmp(e->id, u->id))
			continue;
		ks_diags_add(u->d, KS_SEV_ERROR, e->path, e->line, e->col, pointer,
			     "x-unique",
			     "\"%.*s\" is also used by record %s (%s:%d:%d); it must be unique",
			     (int)len, value, u->id, u->path, line, col);
	}
out:
	ks_buf_release(&key);
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

