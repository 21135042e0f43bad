/*
 * Facets of a kind and of a record.  See facets.h.
 */
#include "facets.h"
#include "buf.h"
#include "conflict.h"
#include "record.h"
#include "schema.h"

#include <stdio.h>
#include <string.h>

static size_t walk(struct ks_facet *out, size_t n, size_t max,
		   const struct ks_snode *s, const char *prefix,
		   const char *title_prefix, int depth)
{
	size_t i, count = ks_snode_property_count(s);

	for (i = 0; i < count && n < max; i++) {
		const char *name = ks_snode_property_name(s, i);
		const struct ks_snode *p = ks_snode_property(s, name);
		const struct ks_snode *items = ks_snode_items(p);
		const char *title = ks_snode_title(p) ? ks_snode_title(p) : name;
		struct ks_facet *f = &out[n];
		unsigned types = ks_snode_types(p);
		long long lo, hi;

		if (types == KS_TYPE_OBJECT && depth < 1) {
			char sub[sizeof(f->path)], subt[sizeof(f->title)];

			snprintf(sub, sizeof(sub), "%s%s.", prefix, name);
			snprintf(subt, sizeof(subt), "%s%s › ", title_prefix, title);
			n = walk(out, n, max, p, sub, subt, depth + 1);
			continue;
		}
		f->lo = 1;
		f->hi = 0;
		if (ks_snode_enum_count(p)) {
			f->list = 0;
		} else if (types == KS_TYPE_ARRAY && items &&
			   ks_snode_enum_count(items)) {
			f->list = 1;
			p = items;
		} else if (ks_snode_int_range(p, &lo, &hi) && lo <= hi &&
			   hi - lo < KS_FACET_RANGE) {
			f->list = 0;
			f->lo = lo;
			f->hi = hi;
		} else {
			continue;
		}
		if ((size_t)snprintf(f->path, sizeof(f->path), "%s%s", prefix,
				     name) >= sizeof(f->path))
			continue;
		snprintf(f->title, sizeof(f->title), "%s%s", title_prefix, title);
		f->s = p;
		n++;
	}
	return n;
}

size_t ks_facets(struct ks_facet *out, size_t max, const struct ks_snode *s)
{
	return s ? walk(out, 0, max, s, "", "", 0) : 0;
}

size_t ks_facet_choices(const struct ks_facet *f)
{
	return f->lo <= f->hi ? (size_t)(f->hi - f->lo + 1)
			      : ks_snode_enum_count(f->s);
}

const char *ks_facet_choice(const struct ks_facet *f, size_t i, char *buf,
			    size_t n)
{
	const struct ks_node *v;

	if (f->lo <= f->hi) {
		snprintf(buf, n, "%lld", f->lo + (long long)i);
		return buf;
	}
	v = ks_snode_enum_value(f->s, i);
	return v && v->kind == KS_NODE_SCALAR ? v->u.scalar.str : NULL;
}

/* The node at a dotted path of `root` ("location.kind"), or NULL. */
static const struct ks_node *at_path(const struct ks_node *root,
				     const char *path)
{
	char field[sizeof(((struct ks_facet *)0)->path) + 1];
	const struct ks_node *nearest;
	size_t i;

	/* as history names fields: "/location/kind" */
	field[0] = '/';
	for (i = 0; path[i] && i + 1 < sizeof(field); i++)
		field[i + 1] = path[i] == '.' ? '/' : path[i];
	field[i + 1] = '\0';
	return root ? ks_field_find(root, field, &nearest) : NULL;
}

static void line(struct ks_buf *out, size_t n, const struct ks_node *v)
{
	/* a value over lines is no choice; it could not be found either */
	if (v && v->kind == KS_NODE_SCALAR && !strchr(v->u.scalar.str, '\n'))
		ks_buf_addf(out, "%zu=%s\n", n, v->u.scalar.str);
}

int ks_facets_text(struct ks_buf *out, const struct ks_facet *f, size_t n,
		   const struct ks_node *root)
{
	size_t i, j;

	ks_buf_putc(out, '\n');
	for (i = 0; i < n; i++) {
		const struct ks_node *v = at_path(root, f[i].path);

		if (!v)
			continue;
		if (!f[i].list)
			line(out, i, v);
		else if (v->kind == KS_NODE_SEQ)
			for (j = 0; j < v->u.seq.n; j++)
				line(out, i, v->u.seq.v[j]);
	}
	return ks_buf_failed(out) ? -1 : 0;
}

int ks_facet_line(struct ks_buf *out, size_t n, const char *value)
{
	return ks_buf_addf(out, "\n%zu=%s\n", n, value);
}

int ks_facets_hold(const char *text, size_t n, const char *value)
{
	char head[32];
	size_t nh = (size_t)snprintf(head, sizeof(head), "\n%zu=", n);
	size_t nv = strlen(value);
	const char *p = text;

	while ((p = strstr(p, head))) {
		if (!strncmp(p + nh, value, nv) && p[nh + nv] == '\n')
			return 1;
		p += nh;
	}
	return 0;
}
