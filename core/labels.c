/*
 * A record as a person reads it: see labels.h.
 */
#include "labels.h"
#include "buf.h"
#include "fielddiff.h"
#include "intl.h"
#include "record.h"
#include "schema.h"

#include <stdlib.h>
#include <string.h>

static int map_lines(struct ks_buf *out, const struct ks_snode *s,
		     const struct ks_node *n, int depth,
		     const struct ks_labels_opts *o);

/* The start of a line that shows `value` (NULL: a group's title). */
static void line_start(struct ks_buf *out, const struct ks_node *value,
		       const struct ks_labels_opts *o)
{
	if (o && o->line)
		o->line(o->ctx, out, value);
}

/* The value's label in the schema's enum, or NULL. */
static const char *enum_label(const struct ks_snode *s, const char *v)
{
	size_t i, n = s ? ks_snode_enum_count(s) : 0;

	for (i = 0; i < n; i++) {
		const struct ks_node *e = ks_snode_enum_value(s, i);

		if (e->kind == KS_NODE_SCALAR && !strcmp(e->u.scalar.str, v))
			return ks_snode_enum_title(s, i);
	}
	return NULL;
}

/* A scalar as a person reads it: a label, yes or no, or the text. */
static void scalar_text(struct ks_buf *out, const struct ks_snode *s,
			const struct ks_node *v)
{
	const char *label = enum_label(s, v->u.scalar.str);
	enum ks_scalar_type t = ks_scalar_type(v);

	if (label)
		ks_buf_puts(out, label);
	else if (t == KS_SCALAR_BOOL && s &&
		 ks_snode_types(s) == KS_TYPE_BOOLEAN)
		ks_buf_puts(out, !strcmp(v->u.scalar.str, "true")
			    ? C_("boolean", "yes") : C_("boolean", "no"));
	else
		ks_buf_puts(out, v->u.scalar.str);
}

int ks_labels_value(struct ks_buf *out, const struct ks_snode *s,
		    const struct ks_node *v)
{
	if (v->kind != KS_NODE_SCALAR)
		return ks_buf_puts(out, "");
	scalar_text(out, s, v);
	return ks_buf_failed(out) ? -1 : 0;
}

static int all_scalars(const struct ks_node *seq)
{
	size_t i;

	for (i = 0; i < seq->u.seq.n; i++)
		if (seq->u.seq.v[i]->kind != KS_NODE_SCALAR)
			return 0;
	return 1;
}

/*
 * One field's value after its title: inline, or on the lines below.  A
 * list of plain values is one line, unless each line names its value.
 */
static int value_lines(struct ks_buf *out, const struct ks_snode *s,
		       const struct ks_node *v, int depth,
		       const struct ks_labels_opts *o)
{
	const struct ks_snode *items = s ? ks_snode_items(s) : NULL;
	size_t i;

	if (v->kind == KS_NODE_SCALAR) {
		ks_buf_puts(out, " ");
		scalar_text(out, s, v);
		return ks_buf_putc(out, '\n');
	}
	if (v->kind == KS_NODE_MAP) {
		ks_buf_putc(out, '\n');
		return map_lines(out, s, v, depth + 1, o);
	}
	if (all_scalars(v) && !(o && o->line)) {
		for (i = 0; i < v->u.seq.n; i++) {
			ks_buf_puts(out, i ? ", " : " ");
			scalar_text(out, items, v->u.seq.v[i]);
		}
		return ks_buf_putc(out, '\n');
	}
	ks_buf_putc(out, '\n');
	for (i = 0; i < v->u.seq.n; i++) {
		const struct ks_node *it = v->u.seq.v[i];

		line_start(out, it->kind == KS_NODE_SCALAR ? it : NULL, o);
		ks_buf_addf(out, "%*s%zu.", (depth + 1) * 2, "", i + 1);
		value_lines(out, items, it, depth + 1, o);
	}
	return ks_buf_failed(out) ? -1 : 0;
}

static int map_lines(struct ks_buf *out, const struct ks_snode *s,
		     const struct ks_node *n, int depth,
		     const struct ks_labels_opts *o)
{
	size_t i;

	for (i = 0; i < n->u.map.n; i++) {
		const struct ks_pair *p = &n->u.map.v[i];
		const struct ks_snode *ps = s ? ks_snode_cond_property(s, p->key)
					      : NULL;
		const char *title = ps ? ks_snode_title(ps) : NULL;

		line_start(out, p->value->kind == KS_NODE_SCALAR ? p->value
							       : NULL, o);
		ks_buf_addf(out, "%*s%s:", depth * 2, "", title ? title : p->key);
		value_lines(out, ps, p->value, depth, o);
	}
	return ks_buf_failed(out) ? -1 : 0;
}

int ks_labels_record(struct ks_buf *out, const struct ks_snode *s,
		     const struct ks_node *n)
{
	return ks_labels_record_with(out, s, n, NULL);
}

int ks_labels_record_with(struct ks_buf *out, const struct ks_snode *s,
			  const struct ks_node *n,
			  const struct ks_labels_opts *o)
{
	if (n->kind != KS_NODE_MAP)
		return ks_buf_puts(out, "");
	return map_lines(out, s, n, 0, o);
}

int ks_labels_path(struct ks_buf *out, const struct ks_snode *root,
		   const char *field)
{
	struct ks_buf prefix = KS_BUF_INIT;
	const char *p = field, *q;
	size_t start = out->len;

	while (*p == '/') {
		const char *name = p + 1, *bracket;

		/* the token: up to the next '/' outside [...] */
		for (q = name; *q && *q != '/'; q++)
			if (*q == '[')
				while (*q && *q != ']')
					q++;
		bracket = memchr(name, '[', (size_t)(q - name));
		if (name < q && strspn(name, "0123456789") == (size_t)(q - name)) {
			if (out->len == start)
				ks_buf_puts(out, _("item"));
			ks_buf_addf(out, " %lu", strtoul(name, NULL, 10) + 1);
		} else {
			const char *end = bracket ? bracket : q;
			const struct ks_snode *sn;
			const char *title;
			size_t at = prefix.len;

			ks_buf_add(&prefix, p, (size_t)(end - p));
			sn = ks_buf_failed(&prefix) ? NULL
						    : ks_field_schema(root, prefix.ptr);
			title = sn ? ks_snode_title(sn) : NULL;
			if (out->len > start)
				ks_buf_puts(out, " \u203a ");
			if (title && *title)
				ks_buf_puts(out, title);
			else
				ks_buf_add(out, name, (size_t)(end - name));
			if (bracket) {
				const char *eq = memchr(bracket, '=',
							(size_t)(q - bracket));
				const char *key = eq ? eq + 1 : bracket + 1;
				size_t len = (size_t)(q - key);

				if (len && key[len - 1] == ']')
					len--;
				ks_buf_addf(out, " [%.*s]", (int)len, key);
			}
			prefix.len = at;
		}
		ks_buf_add(&prefix, p, (size_t)(q - p));
		p = q;
	}
	if (out->len == start)
		ks_buf_puts(out, _("the whole record"));
	ks_buf_release(&prefix);
	return ks_buf_failed(out) || ks_buf_failed(&prefix) ? -1 : 0;
}

/* A value in a change: a choice by its label, yes or no, else as written. */
static int change_value(struct ks_buf *out, const struct ks_snode *s,
			const struct ks_node *v)
{
	if (v && v->kind == KS_NODE_SCALAR && s &&
	    (ks_snode_enum_count(s) ||
	     ks_snode_types(s) == KS_TYPE_BOOLEAN))
		return ks_labels_value(out, s, v);
	return ks_value_inline(out, v);
}

int ks_labels_change(struct ks_buf *out, const struct ks_snode *root,
		     const struct ks_field_change *c)
{
	const struct ks_snode *s = root ? ks_field_schema(root, c->field) : NULL;
	int r = ks_buf_addf(out, "%c ", c->op);

	r |= ks_labels_path(out, root, c->field);
	switch (c->op) {
	case KS_FIELD_CHANGED:
		r |= ks_buf_puts(out, ": ");
		r |= change_value(out, s, c->old);
		r |= ks_buf_puts(out, " \u2192 ");
		return r | change_value(out, s, c->new);
	case KS_FIELD_ADDED:
		r |= ks_buf_puts(out, ": ");
		return r | change_value(out, s, c->new);
	case KS_FIELD_REMOVED:
		/* TRANSLATORS: "- Điện thoại, was "0912..."". */
		r |= ks_buf_puts(out, _(", was "));
		return r | change_value(out, s, c->old);
	}
	return -1;
}
