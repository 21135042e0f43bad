/*
 * Field-level differences: see fielddiff.h.
 */
#include "fielddiff.h"
#include "intl.h"
#include "alloc.h"
#include "buf.h"
#include "diag.h"
#include "json.h"
#include "record.h"
#include "schema.h"

#include <string.h>

void ks_field_changes_release(struct ks_field_changes *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		ks_free(c->v[i].field);
	ks_free(c->v);
	c->v = NULL;
	c->n = c->alloc = 0;
}

static int add_change(struct ks_field_changes *c, enum ks_field_op op,
		      const char *field, const struct ks_node *old,
		      const struct ks_node *new)
{
	struct ks_field_change *e;

	if (ks_grow(&c->v, c->n, &c->alloc, sizeof(*c->v), 8) < 0)
		return -1;
	e = &c->v[c->n];
	e->field = ks_strdup(field);
	if (!e->field)
		return -1;
	e->op = op;
	e->old = old;
	e->new = new;
	c->n++;
	return 0;
}

/* The x-key field of the array at `s`, when every item has a distinct one. */
static const char *keyed(const struct ks_node *seq, const struct ks_snode *s)
{
	const char *xkey = s ? ks_snode_xkey(s) : NULL;
	size_t i, j;

	if (!xkey || !seq || seq->kind != KS_NODE_SEQ)
		return NULL;
	for (i = 0; i < seq->u.seq.n; i++) {
		const struct ks_node *k = ks_map_get(seq->u.seq.v[i], xkey);

		if (seq->u.seq.v[i]->kind != KS_NODE_MAP || !k ||
		    k->kind != KS_NODE_SCALAR)
			return NULL;
		for (j = 0; j < i; j++)
			if (!strcmp(ks_map_get(seq->u.seq.v[j], xkey)->u.scalar.str,
				    k->u.scalar.str))
				return NULL;
	}
	return xkey;
}

static const char *item_key(const struct ks_node *item, const char *xkey)
{
	return ks_map_get(item, xkey)->u.scalar.str;
}

static const struct ks_node *find_item(const struct ks_node *seq,
				       const char *xkey, const char *key)
{
	size_t i;

	for (i = 0; i < seq->u.seq.n; i++)
		if (!strcmp(item_key(seq->u.seq.v[i], xkey), key))
			return seq->u.seq.v[i];
	return NULL;
}

struct differ {
	struct ks_field_changes *out;
	struct ks_buf path;
};

static int diff_node(struct differ *df, const struct ks_node *a,
		     const struct ks_node *b, const struct ks_snode *s);

/* Appends "/key" or "[field=key]" to the path; returns the old length. */
static int push(struct differ *df, size_t *mark, const char *xkey,
		const char *key)
{
	*mark = df->path.len;
	return xkey ? ks_buf_addf(&df->path, "[%s=%s]", xkey, key)
		    : ks_buf_addf(&df->path, "/%s", key);
}

static void pop(struct differ *df, size_t mark)
{
	df->path.len = mark;
	df->path.ptr[mark] = '\0';
}

static int diff_child(struct differ *df, const char *xkey, const char *key,
		      const struct ks_node *a, const struct ks_node *b,
		      const struct ks_snode *s)
{
	size_t mark;
	int err;

	if (push(df, &mark, xkey, key) < 0)
		return -1;
	err = diff_node(df, a, b, s);
	pop(df, mark);
	return err;
}

static int diff_maps(struct differ *df, const struct ks_node *a,
		     const struct ks_node *b, const struct ks_snode *s)
{
	size_t i;

	for (i = 0; i < b->u.map.n; i++) {
		const struct ks_pair *p = &b->u.map.v[i];

		if (diff_child(df, NULL, p->key, ks_map_get(a, p->key), p->value,
			       s ? ks_snode_property(s, p->key) : NULL) < 0)
			return -1;
	}
	for (i = 0; i < a->u.map.n; i++) {
		const struct ks_pair *p = &a->u.map.v[i];

		if (!ks_map_get(b, p->key) &&
		    diff_child(df, NULL, p->key, p->value, NULL, NULL) < 0)
			return -1;
	}
	return 0;
}

static int diff_keyed(struct differ *df, const struct ks_node *a,
		      const struct ks_node *b, const struct ks_snode *s,
		      const char *xkey)
{
	const struct ks_snode *is = ks_snode_items(s);
	size_t i, before = df->out->n;

	for (i = 0; i < b->u.seq.n; i++) {
		const char *key = item_key(b->u.seq.v[i], xkey);

		if (diff_child(df, xkey, key, find_item(a, xkey, key),
			       b->u.seq.v[i], is) < 0)
			return -1;
	}
	for (i = 0; i < a->u.seq.n; i++) {
		const char *key = item_key(a->u.seq.v[i], xkey);

		if (!find_item(b, xkey, key) &&
		    diff_child(df, xkey, key, a->u.seq.v[i], NULL, is) < 0)
			return -1;
	}
	/* Same items in another order: the order is what changed. */
	if (df->out->n == before && !ks_node_equal(a, b))
		return add_change(df->out, KS_FIELD_CHANGED, df->path.ptr, a, b);
	return 0;
}

static int diff_node(struct differ *df, const struct ks_node *a,
		     const struct ks_node *b, const struct ks_snode *s)
{
	const char *xkey;

	if (!a && !b)
		return 0;
	if (!a)
		return add_change(df->out, KS_FIELD_ADDED, df->path.ptr, NULL, b);
	if (!b)
		return add_change(df->out, KS_FIELD_REMOVED, df->path.ptr, a, NULL);
	if (ks_node_equal(a, b))
		return 0;
	if (a->kind == KS_NODE_MAP && b->kind == KS_NODE_MAP)
		return diff_maps(df, a, b, s);
	if ((xkey = keyed(a, s)) && keyed(b, s))
		return diff_keyed(df, a, b, s, xkey);
	return add_change(df->out, KS_FIELD_CHANGED, df->path.ptr, a, b);
}

int ks_field_diff(struct ks_field_changes *out, const struct ks_node *old,
		  const struct ks_node *new, const struct ks_snode *schema)
{
	struct differ df = { out, KS_BUF_INIT };
	int err;

	if (ks_buf_puts(&df.path, "") < 0)
		return -1;
	err = diff_node(&df, old, new, schema);
	ks_buf_release(&df.path);
	return err;
}

/* ---- leaves ---- */

struct leafwalk {
	struct ks_buf path;
	int (*fn)(const char *, const struct ks_node *, int, void *);
	void *arg;
};

static int leaves(struct leafwalk *w, const struct ks_node *n, int line,
		  const struct ks_snode *s)
{
	const char *xkey;
	size_t i, mark = w->path.len;
	int err = 0;

	if (n->kind == KS_NODE_MAP && n->u.map.n) {
		for (i = 0; i < n->u.map.n && !err; i++) {
			const struct ks_pair *p = &n->u.map.v[i];

			if (ks_buf_addf(&w->path, "/%s", p->key) < 0)
				return -1;
			err = leaves(w, p->value, p->line,
				     s ? ks_snode_property(s, p->key) : NULL);
			w->path.len = mark;
			w->path.ptr[mark] = '\0';
		}
		return err;
	}
	if (n->kind == KS_NODE_SEQ && n->u.seq.n && (xkey = keyed(n, s))) {
		for (i = 0; i < n->u.seq.n && !err; i++) {
			if (ks_buf_addf(&w->path, "[%s=%s]", xkey,
					item_key(n->u.seq.v[i], xkey)) < 0)
				return -1;
			err = leaves(w, n->u.seq.v[i], n->u.seq.v[i]->line,
				     ks_snode_items(s));
			w->path.len = mark;
			w->path.ptr[mark] = '\0';
		}
		return err;
	}
	return w->fn(w->path.ptr, n, line, w->arg);
}

int ks_field_leaves(const struct ks_node *root, const struct ks_snode *schema,
		    int (*fn)(const char *field, const struct ks_node *value,
			      int line, void *arg),
		    void *arg)
{
	struct leafwalk w = { KS_BUF_INIT, fn, arg };
	int err;

	if (!root)
		return 0;
	if (ks_buf_puts(&w.path, "") < 0)
		return -1;
	err = leaves(&w, root, root->line, schema);
	ks_buf_release(&w.path);
	return err;
}

/* ---- field paths ---- */

const struct ks_snode *ks_field_schema(const struct ks_snode *s,
				       const char *field)
{
	const char *p = field;

	while (s && *p) {
		if (*p == '[') {
			const char *end = strchr(p, ']');

			if (!end)
				return NULL;
			s = ks_snode_items(s);
			p = end + 1;
		} else if (*p == '/') {
			size_t len = strcspn(p + 1, "/[");
			char *name = ks_strndup(p + 1, len);

			if (!name)
				return NULL;
			s = ks_snode_property(s, name);
			ks_free(name);
			p += 1 + len;
		} else {
			return NULL;
		}
	}
	return s;
}

char *ks_field_normalise(const char *field)
{
	struct ks_buf b = KS_BUF_INIT;
	const char *p = field;
	int depth = 0, start = 1;

	if (ks_buf_puts(&b, "") < 0)
		return NULL;
	for (; *p; p++) {
		if (start && *p != '/' && *p != '[' && ks_buf_putc(&b, '/') < 0)
			goto oom;
		start = 0;
		if (*p == '[')
			depth++;
		else if (*p == ']' && depth)
			depth--;
		if (*p == '.' && !depth) {
			start = 1;
			continue;
		}
		if (ks_buf_putc(&b, *p) < 0)
			goto oom;
	}
	/* "/" alone, or a trailing slash, names the same as without it. */
	while (b.len && b.ptr[b.len - 1] == '/')
		b.ptr[--b.len] = '\0';
	return ks_buf_detach(&b, NULL);
oom:
	ks_buf_release(&b);
	return NULL;
}

/* 1 when `inner` is `outer` or a field inside it. */
static int within(const char *inner, const char *outer)
{
	size_t n = strlen(outer);

	return !strncmp(inner, outer, n) &&
	       (inner[n] == '\0' || inner[n] == '/' || inner[n] == '[');
}

int ks_field_overlaps(const char *a, const char *b)
{
	return within(a, b) || within(b, a);
}

/* ---- showing values ---- */

static int is_string(const struct ks_node *n)
{
	return n->u.scalar.quoted || ks_scalar_type(n) == KS_SCALAR_STRING;
}

int ks_value_inline(struct ks_buf *out, const struct ks_node *n)
{
	size_t i;
	int r = 0;

	if (!n)
		return ks_buf_puts(out, "(none)");
	switch (n->kind) {
	case KS_NODE_SCALAR:
		if (is_string(n))
			return ks_json_string(out, n->u.scalar.str);
		return ks_buf_puts(out, n->u.scalar.str);
	case KS_NODE_MAP:
		r |= ks_buf_putc(out, '{');
		for (i = 0; i < n->u.map.n; i++) {
			r |= ks_buf_addf(out, "%s%s: ", i ? ", " : "",
					 n->u.map.v[i].key);
			r |= ks_value_inline(out, n->u.map.v[i].value);
		}
		return r | ks_buf_putc(out, '}');
	case KS_NODE_SEQ:
		r |= ks_buf_putc(out, '[');
		for (i = 0; i < n->u.seq.n; i++) {
			if (i)
				r |= ks_buf_puts(out, ", ");
			r |= ks_value_inline(out, n->u.seq.v[i]);
		}
		return r | ks_buf_putc(out, ']');
	}
	return -1;
}

int ks_field_change_format(struct ks_buf *out, const struct ks_field_change *c)
{
	int r = ks_buf_addf(out, "%c %s", c->op, *c->field ? c->field : "/");

	switch (c->op) {
	case KS_FIELD_CHANGED:
		r |= ks_buf_puts(out, ": ");
		r |= ks_value_inline(out, c->old);
		r |= ks_buf_puts(out, " → ");
		return r | ks_value_inline(out, c->new);
	case KS_FIELD_ADDED:
		r |= ks_buf_puts(out, ": ");
		return r | ks_value_inline(out, c->new);
	case KS_FIELD_REMOVED:
		r |= ks_buf_puts(out, _(", was "));
		return r | ks_value_inline(out, c->old);
	}
	return -1;
}

int ks_value_json(struct ks_buf *out, const struct ks_node *n,
		  const struct ks_snode *s)
{
	size_t i;
	int r = 0;

	if (!n)
		return ks_buf_puts(out, "null");
	switch (n->kind) {
	case KS_NODE_SCALAR:
		if (is_string(n) ||
		    (s && ks_snode_types(s) == KS_TYPE_STRING))
			return ks_json_string(out, n->u.scalar.str);
		switch (ks_scalar_type(n)) {
		case KS_SCALAR_NULL:
			return ks_buf_puts(out, "null");
		case KS_SCALAR_BOOL:
			return ks_buf_puts(out, ks_scalar_bool(n) ? "true" : "false");
		default:
			if (ks_json_is_number(n->u.scalar.str))
				return ks_buf_puts(out, n->u.scalar.str);
			return ks_json_string(out, n->u.scalar.str);
		}
	case KS_NODE_MAP:
		r |= ks_buf_putc(out, '{');
		for (i = 0; i < n->u.map.n; i++) {
			const struct ks_pair *p = &n->u.map.v[i];

			r |= i ? ks_buf_putc(out, ',') : 0;
			r |= ks_json_string(out, p->key);
			r |= ks_buf_putc(out, ':');
			r |= ks_value_json(out, p->value,
					   s ? ks_snode_property(s, p->key) : NULL);
		}
		return r | ks_buf_putc(out, '}');
	case KS_NODE_SEQ:
		r |= ks_buf_putc(out, '[');
		for (i = 0; i < n->u.seq.n; i++) {
			r |= i ? ks_buf_putc(out, ',') : 0;
			r |= ks_value_json(out, n->u.seq.v[i],
					   s ? ks_snode_items(s) : NULL);
		}
		return r | ks_buf_putc(out, ']');
	}
	return -1;
}
