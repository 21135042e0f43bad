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
#include <limits.h>
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

/*
 * An indexed value.  Its bytes and its record (keep_rec()) live in the
 * index's blocks; its kind and field are the index's field number `field`.
 */
struct uentry {
	const char *value;
	const char *rec;
	unsigned field;
	unsigned len;
	int line, col;
};

struct ukey {
	unsigned field;
	const char *s;
	size_t len;
};

struct ufield {
	char *kind, *pointer;
};

/* Strings copied in, freed only with the index. */
struct ublock {
	struct ublock *next;
	size_t used, cap;
	char data[];
};

#define UBLOCK_SIZE ((size_t)64 * 1024)

static int uentry_eq(const void *entry, const void *key)
{
	const struct uentry *e = entry;
	const struct ukey *k = key;

	return e->field == k->field && e->len == k->len &&
	       !memcmp(e->value, k->s, k->len);
}

struct ks_unique *ks_unique_new(void)
{
	struct ks_unique *u = ks_calloc(1, sizeof(*u));

	if (u)
		ks_table_init(&u->table, sizeof(struct uentry));
	return u;
}

void ks_unique_free(struct ks_unique *u)
{
	size_t i;

	if (!u)
		return;
	while (u->blocks) {
		struct ublock *next = u->blocks->next;

		ks_free(u->blocks);
		u->blocks = next;
	}
	for (i = 0; i < u->nfields; i++) {
		ks_free(u->fields[i].kind);
		ks_free(u->fields[i].pointer);
	}
	ks_free(u->fields);
	ks_table_release(&u->table);
	ks_free(u);
}

int ks_unique_reserve(struct ks_unique *u, size_t n)
{
	if (ks_table_reserve(&u->table, n) < 0) {
		u->oom = 1;
		return -1;
	}
	return 0;
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
	u->rec = NULL;
	u->placed = 0;
}

void ks_unique_placed(struct ks_unique *u)
{
	u->placed = 1;
}

/* `a` then `b` (a NUL after each) copied into the blocks, or NULL. */
static const char *keep(struct ks_unique *u, const char *a, size_t alen,
			const char *b, size_t blen)
{
	size_t need = alen + 1 + (b ? blen + 1 : 0);
	struct ublock *k = u->blocks;
	char *at;

	if (!k || k->cap - k->used < need) {
		size_t cap = need > UBLOCK_SIZE / 4 ? need : UBLOCK_SIZE;

		if (!(k = ks_malloc(sizeof(*k) + cap))) {
			u->oom = 1;
			return NULL;
		}
		k->used = 0;
		k->cap = cap;
		/* a string of its own goes behind the block being filled */
		if (cap != UBLOCK_SIZE && u->blocks) {
			k->next = u->blocks->next;
			u->blocks->next = k;
		} else {
			k->next = u->blocks;
			u->blocks = k;
		}
	}
	at = k->data + k->used;
	memcpy(at, a, alen);
	at[alen] = '\0';
	if (b) {
		memcpy(at + alen + 1, b, blen);
		at[alen + 1 + blen] = '\0';
	}
	k->used += need;
	return at;
}

/* The number of the field `pointer` of the record's kind, or -1. */
static int field_of(struct ks_unique *u, const char *pointer, unsigned *out)
{
	size_t i = u->field;

	if (i < u->nfields && !strcmp(u->fields[i].pointer, pointer) &&
	    !strcmp(u->fields[i].kind, u->kind)) {
		*out = (unsigned)i;
		return 0;
	}
	for (i = 0; i < u->nfields; i++)
		if (!strcmp(u->fields[i].pointer, pointer) &&
		    !strcmp(u->fields[i].kind, u->kind))
			break;
	if (i == u->nfields) {
		struct ufield f = { ks_strdup(u->kind), ks_strdup(pointer) };

		if (!f.kind || !f.pointer ||
		    ks_grow(&u->fields, u->nfields, &u->afields,
			    sizeof(*u->fields), 4) < 0) {
			ks_free(f.kind);
			ks_free(f.pointer);
			u->oom = 1;
			return -1;
		}
		u->fields[u->nfields++] = f;
	}
	u->field = i;
	*out = (unsigned)i;
	return 0;
}

static size_t key_hash(const struct ukey *k)
{
	return ks_hash(k->s, k->len) ^ ((size_t)(k->field + 1) * 0x9e3779b9u);
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

/*
 * The record being indexed, kept as "path NUL id", or as "NUL id" when
 * the caller said its path is the one its kind and id give
 * (ks_unique_placed(); the walk of the committed records does): 3.8 MB of
 * a whole check of 100,000 records.  The caller knows it from the split
 * it made already; finding it here cost a check 68 M instructions.
 */
static const char *keep_rec(struct ks_unique *u)
{
	if (u->placed)
		return keep(u, "", 0, u->id, strlen(u->id));
	return keep(u, u->path, strlen(u->path), u->id, strlen(u->id));
}

/* The id of a record kept by keep_rec(). */
static const char *rec_id(const char *rec)
{
	return rec + strlen(rec) + 1;
}

/* The path of a record kept by keep_rec(), of kind `kind`; NULL out of memory. */
static char *rec_path(const char *rec, const char *kind)
{
	return *rec ? ks_strdup(rec) : ks_record_relpath(kind, rec + 1);
}

void ks_unique_add_at(struct ks_unique *u, const char *pointer,
		       const char *value, size_t len, int line, int col)
{
	struct ukey k = { 0, value, len };
	struct uentry *e;
	void *slot;
	int r;

	if (u->record) {
		ks_buf_addf(u->record, "V %d %d %s\t", line, col, pointer);
		ks_buf_add_escaped(u->record, value, len);
		ks_buf_putc(u->record, '\n');
		u->nrecord++;
	}
	if (len > UINT_MAX || field_of(u, pointer, &k.field) < 0)
		goto oom;
	r = ks_table_put(&u->table, key_hash(&k), &k, uentry_eq, &slot);
	if (r < 0)
		goto oom;
	e = slot;
	if (r == 0) {
		if (strcmp(rec_id(e->rec), u->id) && !u->quiet) {
			char *other = rec_path(e->rec, u->fields[e->field].kind);

			if (!other)
				goto oom;
			clash(u, u->path, line, col, pointer, value, len,
			      rec_id(e->rec), other, e->line, e->col);
			ks_free(other);
		}
		return;
	}
	if (!u->rec)
		u->rec = keep_rec(u);
	e->value = keep(u, value, len, NULL, 0);
	/* Half an entry would be found, and its missing names read, later. */
	if (!u->rec || !e->value) {
		ks_table_remove(&u->table, e);
		goto oom;
	}
	e->rec = u->rec;
	e->field = k.field;
	e->len = (unsigned)len;
	e->line = line;
	e->col = col;
	return;
oom:
	u->oom = 1;
}

/*
 * A committed record's value, compared with the values already indexed
 * (those of the records being checked) without being added: a clash is
 * reported at the indexed record, naming the committed one.
 */
void ks_unique_probe_at(struct ks_unique *u, const char *pointer,
			 const char *value, size_t len, int line, int col)
{
	struct ukey k = { 0, value, len };
	const struct uentry *e;

	if (field_of(u, pointer, &k.field) < 0)
		return;
	e = ks_table_find(&u->table, key_hash(&k), &k, uentry_eq);
	if (e && strcmp(rec_id(e->rec), u->id)) {
		char *at = rec_path(e->rec, u->fields[e->field].kind);

		if (!at) {
			u->oom = 1;
			return;
		}
		clash(u, at, e->line, e->col, pointer, value, len, u->id,
		      u->path, line, col);
		ks_free(at);
	}
}

void ks_unique_each(const struct ks_unique *u,
		    void (*fn)(void *ctx, const char *kind, const char *pointer,
			       const char *value, size_t len),
		    void *ctx)
{
	const struct uentry *e;
	size_t i = 0;

	while ((e = ks_table_next(&u->table, &i)))
		fn(ctx, u->fields[e->field].kind, u->fields[e->field].pointer,
		   e->value, e->len);
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

