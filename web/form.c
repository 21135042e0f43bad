/*
 * A record's form in the browser: see form.h.
 */
#include "form.h"
#include "html.h"
#include "post.h"
#include "alloc.h"
#include "answer.h"
#include "buf.h"
#include "diag.h"
#include "dupes.h"
#include "input.h"
#include "intl.h"
#include "record.h"
#include "repo.h"
#include "rindex.h"
#include "watch.h"
#include "schema.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 8	/* as deep as a form goes; deeper is kept as it is */
#define MAX_ITEMS 1000	/* items of one list a form takes */
#define MAX_PICK 2000	/* records an x-ref picker offers */

/* ---- reading what was posted ---- */

static char *child(const char *ptr, const char *seg)
{
	struct ks_buf b = KS_BUF_INIT;

	ks_buf_puts(&b, ptr);
	ks_buf_putc(&b, '/');
	ks_buf_puts(&b, seg);
	return ks_buf_failed(&b) ? (ks_buf_release(&b), NULL)
				 : ks_buf_detach(&b, NULL);
}

static char *child_index(const char *ptr, size_t i)
{
	char n[24];

	snprintf(n, sizeof(n), "%zu", i);
	return child(ptr, n);
}

/* Under `ptr`, the name of field `name` of the form: its next segment. */
static const char *below(const char *name, const char *ptr, size_t *seglen)
{
	size_t n = strlen(ptr);

	if (strncmp(name, ptr, n) || name[n] != '/')
		return NULL;
	name += n + 1;
	*seglen = strcspn(name, "/");
	return name;
}

static int is_blank(const char *s)
{
	return !s || !s[strspn(s, " \t\r\n")];
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * The item numbers sent under the list at `ptr`, ascending, each once:
 * a removed item leaves a gap, which the record closes.
 */
static size_t *item_numbers(const struct ks_web_form *f, const char *ptr,
			    size_t *n)
{
	size_t i, *v = ks_malloc(sizeof(*v) * (f->n + 1)), k = 0, len;

	if (!v)
		return NULL;
	for (i = 0; i < f->n; i++) {
		const char *seg = below(f->v[i].name, ptr, &len);
		char *end;
		unsigned long x;

		if (!seg || !len || seg[0] < '0' || seg[0] > '9')
			continue;
		x = strtoul(seg, &end, 10);
		if ((size_t)(end - seg) != len || x >= MAX_ITEMS)
			continue;
		v[k++] = x;
	}
	qsort(v, k, sizeof(*v), cmp_size);
	for (i = 0, *n = 0; i < k; i++)
		if (!*n || v[*n - 1] != v[i])
			v[(*n)++] = v[i];
	return v;
}

static int read_value(struct ks_node **out, struct ks_doc *doc,
		      const struct ks_snode *s, const struct ks_web_form *f,
		      const char *ptr, const struct ks_node *old, int depth,
		      struct ks_diags *d);

/*
 * A scalar: absent when blank, else read as typed text for `s`; the value
 * it had (`old`), when that is what the form sent back, exactly as it was.
 */
static int read_scalar(struct ks_node **out, struct ks_doc *doc,
		       const struct ks_snode *s, const char *text,
		       const struct ks_node *old, const char *ptr,
		       struct ks_diags *d)
{
	struct ks_diags why = KS_DIAGS_INIT;
	int err;

	*out = NULL;
	if (is_blank(text))
		return 0;
	err = ks_input_read(out, doc, s, text, &why);
	if (!err && old && old->kind == KS_NODE_SCALAR &&
	    !strcmp(old->u.scalar.str, (*out)->u.scalar.str) &&
	    !(*out = ks_node_clone(doc, old)))
		err = -1;
	if (err == KS_EINVALID || (err == -1 && why.n)) {
		/* kept as typed, to be shown again and fixed */
		*out = ks_node_scalar(doc, text, strlen(text), 1);
		err = *out ? 0 : -1;
		if (*out)
			ks_diags_add(d, KS_SEV_ERROR, NULL, 0, 0, ptr, "input",
				     "%s", why.n ? why.v[0].message : "");
	}
	ks_diags_release(&why);
	return err < 0 ? -1 : 0;
}

static int read_list(struct ks_node **out, struct ks_doc *doc,
		     const struct ks_snode *s, const struct ks_web_form *f,
		     const char *ptr, const struct ks_node *old, int depth,
		     struct ks_diags *d)
{
	size_t had = old && old->kind == KS_NODE_SEQ ? old->u.seq.n : 0;
	const struct ks_snode *items = ks_snode_items(s);
	struct ks_node *seq = ks_node_seq(doc), *v;
	size_t i, n, *nums;
	int err = 0;

	*out = NULL;
	if (!seq)
		return -1;
	if (items && ks_snode_enum_count(items)) {
		/*
		 * Choices ticked: every value sent under the list's own name,
		 * those the record had first, in its order, then the new ones.
		 */
		size_t j;

		for (j = 0; j < had && !err; j++)
			for (i = 0; i < f->n && !err; i++)
				if (!strcmp(f->v[i].name, ptr) &&
				    old->u.seq.v[j]->kind == KS_NODE_SCALAR &&
				    !strcmp(f->v[i].value, old->u.seq.v[j]->u.scalar.str)) {
					err = (v = ks_node_clone(doc, old->u.seq.v[j]))
						? ks_seq_push(doc, seq, v) : -1;
					break;
				}
		for (i = 0; i < f->n && !err; i++) {
			int seen = 0;

			if (strcmp(f->v[i].name, ptr))
				continue;
			for (j = 0; j < seq->u.seq.n && !seen; j++)
				seen = !strcmp(seq->u.seq.v[j]->u.scalar.str,
					       f->v[i].value);
			if (!seen && !(err = read_scalar(&v, doc, items, f->v[i].value,
						       NULL, ptr, d)) && v)
				err = ks_seq_push(doc, seq, v);
		}
		if (!err && seq->u.seq.n)
			*out = seq;
		return err;
	}
	if (!(nums = item_numbers(f, ptr, &n)))
		return -1;
	for (i = 0; i < n && !err; i++) {
		char *ip = child_index(ptr, nums[i]);

		/* the item that had this place, for its values' exact text */
		err = ip ? read_value(&v, doc, items, f, ip,
				      i < had ? old->u.seq.v[i] : NULL,
				      depth + 1, d)
			 : -1;
		/* an object item is there even when empty; a blank value not */
		if (!err && !v && items && ks_snode_types(items) == KS_TYPE_OBJECT &&
		    ks_web_form_get(f, ip))
			err = (v = ks_node_map(doc)) ? 0 : -1;
		if (!err && v)
			err = ks_seq_push(doc, seq, v);
		ks_free(ip);
	}
	ks_free(nums);
	if (!err && seq->u.seq.n)
		*out = seq;
	return err;
}

/* 1 when `name` is among the properties of `s` the form shows in order. */
static int listed(const struct ks_snode *s, const char *name, size_t len)
{
	size_t i, n = ks_snode_property_count(s);

	for (i = 0; i < n; i++) {
		const char *p = ks_snode_property_name(s, i);

		if (strlen(p) == len && !strncmp(p, name, len))
			return 1;
	}
	return 0;
}

static int read_map(struct ks_node **out, struct ks_doc *doc,
		    const struct ks_snode *s, const struct ks_web_form *f,
		    const char *ptr, const struct ks_node *old, int depth,
		    struct ks_diags *d)
{
	struct ks_node *map = ks_node_map(doc), *v;
	size_t i, n = ks_snode_property_count(s), len;
	int err = 0;

	*out = map;
	if (!map)
		return -1;
	for (i = 0; i < n && !err; i++) {
		const char *name = ks_snode_property_name(s, i);
		char *p;

		if (!depth && !strcmp(name, "id"))
			continue;
		if (ks_snode_read_only(ks_snode_property(s, name))) {
			/* not in the form: kept as the record had it */
			const struct ks_node *was = old ? ks_map_get(old, name) : NULL;

			if (was && !(v = ks_node_clone(doc, was)))
				return -1;
			if (was)
				err = ks_map_set(doc, map, name, v);
			continue;
		}
		if (!(p = child(ptr, name)))
			return -1;
		err = read_value(&v, doc, ks_snode_property(s, name), f, p,
				 old ? ks_map_get(old, name) : NULL, depth, d);
		if (!err && v)
			err = ks_map_set(doc, map, name, v);
		ks_free(p);
	}
	/* fields only a condition describes, in the order sent */
	for (i = 0; i < f->n && !err; i++) {
		const char *seg = below(f->v[i].name, ptr, &len);
		char *name, *p;

		if (!seg || !len || listed(s, seg, len))
			continue;
		if (!(name = ks_strndup(seg, len)))
			return -1;
		if (!ks_map_get(map, name) && ks_snode_cond_property(s, name) &&
		    (p = child(ptr, name))) {
			err = read_value(&v, doc, ks_snode_cond_property(s, name),
					 f, p, NULL, depth, d);
			if (!err && v)
				err = ks_map_set(doc, map, name, v);
			ks_free(p);
		}
		ks_free(name);
	}
	/* what the schema does not describe is not in the form: kept */
	for (i = 0; old && old->kind == KS_NODE_MAP && i < old->u.map.n && !err; i++) {
		const char *name = old->u.map.v[i].key;

		if ((!depth && !strcmp(name, "id")) ||
		    ks_snode_cond_property(s, name) || ks_map_get(map, name))
			continue;
		v = ks_node_clone(doc, old->u.map.v[i].value);
		err = v ? ks_map_set(doc, map, name, v) : -1;
	}
	return err;
}

static int read_value(struct ks_node **out, struct ks_doc *doc,
		      const struct ks_snode *s, const struct ks_web_form *f,
		      const char *ptr, const struct ks_node *old, int depth,
		      struct ks_diags *d)
{
	unsigned types = ks_snode_types(s);
	int err;

	*out = NULL;
	if (depth >= MAX_DEPTH || (old && types == KS_TYPE_OBJECT &&
				   old->kind != KS_NODE_MAP)) {
		/* not in the form: as it was */
		if (old && !(*out = ks_node_clone(doc, old)))
			return -1;
		return 0;
	}
	if (types == KS_TYPE_OBJECT) {
		err = read_map(out, doc, s, f, ptr, old, depth + 1, d);
		if (!err && !(*out)->u.map.n)
			*out = NULL;	/* an optional part left empty */
		return err;
	}
	if (types == KS_TYPE_ARRAY)
		return read_list(out, doc, s, f, ptr, old, depth, d);
	return read_scalar(out, doc, s, ks_web_form_get(f, ptr), old, ptr, d);
}

int ks_form_read(struct ks_node **out, struct ks_doc *doc,
		 const struct ks_schema *schema, const struct ks_web_form *f,
		 const struct ks_node *old, struct ks_diags *d)
{
	size_t i, first = d->n;
	int err = read_map(out, doc, ks_schema_root(schema), f, "", old, 0, d);

	/* each reason named by its field, as the validator names them */
	for (i = first; !err && i < d->n; i++) {
		struct ks_buf m = KS_BUF_INIT;
		size_t at;

		if (ks_schema_label(schema, d->v[i].pointer, &m) < 0)
			err = -1;
		ks_buf_puts(&m, ": ");
		at = m.len;
		ks_buf_puts(&m, d->v[i].message);
		if (ks_buf_failed(&m)) {
			ks_buf_release(&m);
			return -1;
		}
		ks_free(d->v[i].message);
		d->v[i].message = ks_buf_detach(&m, NULL);
		d->v[i].detail = at;
	}
	return err;
}

/* ---- buttons that change the form's shape ---- */

/* The node at a pointer of the form's own making ("/a/0/b"), or NULL. */
static struct ks_node *node_at(struct ks_node *n, const char *ptr,
			       const struct ks_snode **s)
{
	char seg[128];

	while (n && *ptr == '/') {
		size_t len = strcspn(++ptr, "/");

		if (len >= sizeof(seg))
			return NULL;
		memcpy(seg, ptr, len);
		seg[len] = '\0';
		ptr += len;
		if (n->kind == KS_NODE_MAP) {
			n = ks_map_get(n, seg);
			*s = *s ? ks_snode_cond_property(*s, seg) : NULL;
		} else if (n->kind == KS_NODE_SEQ) {
			char *end;
			unsigned long i = strtoul(seg, &end, 10);

			n = !*end && *seg && i < n->u.seq.n ? n->u.seq.v[i] : NULL;
			*s = *s ? ks_snode_items(*s) : NULL;
		} else {
			return NULL;
		}
	}
	return *ptr ? NULL : n;
}

int ks_form_op(struct ks_doc *doc, struct ks_node *root,
	       const struct ks_schema *schema, const char *op)
{
	const struct ks_snode *s = ks_schema_root(schema);
	struct ks_node *list, *item;
	const char *ptr = op + 4, *slash;

	if (!strncmp(op, "add /", 5)) {
		/* the list may not be there yet: made in its parent */
		char *parent;
		struct ks_node *map;
		const struct ks_snode *ls;

		slash = strrchr(ptr, '/');
		if (!(parent = ks_strndup(ptr, (size_t)(slash - ptr))))
			return -1;
		map = node_at(root, parent, &s);
		ks_free(parent);
		if (!map || map->kind != KS_NODE_MAP || !s)
			return KS_EINVALID;
		ls = ks_snode_cond_property(s, slash + 1);
		if (!ls || ks_snode_types(ls) != KS_TYPE_ARRAY ||
		    !ks_snode_items(ls))
			return KS_EINVALID;
		if (!(list = ks_map_get(map, slash + 1))) {
			if (!(list = ks_node_seq(doc)) ||
			    ks_map_set(doc, map, slash + 1, list) < 0)
				return -1;
		}
		if (list->kind != KS_NODE_SEQ || list->u.seq.n >= MAX_ITEMS)
			return KS_EINVALID;
		item = ks_snode_types(ks_snode_items(ls)) == KS_TYPE_OBJECT
			? ks_node_map(doc)
			: ks_node_scalar(doc, "", 0, 1);
		return item ? ks_seq_push(doc, list, item) : -1;
	}
	if (!strncmp(op, "del /", 5)) {
		char *lptr;
		unsigned long i;
		char *end;

		slash = strrchr(ptr, '/');
		i = strtoul(slash + 1, &end, 10);
		if (!slash[1] || *end || !(lptr = ks_strndup(ptr, (size_t)(slash - ptr))))
			return *end || !slash[1] ? KS_EINVALID : -1;
		list = node_at(root, lptr, &s);
		ks_free(lptr);
		if (!list || list->kind != KS_NODE_SEQ || i >= list->u.seq.n)
			return KS_EINVALID;
		memmove(list->u.seq.v + i, list->u.seq.v + i + 1,
			(list->u.seq.n - i - 1) * sizeof(*list->u.seq.v));
		list->u.seq.n--;
		return 0;
	}
	return KS_EINVALID;
}

/* ---- the form's HTML ---- */

struct render {
	const struct ks_form_view *v;
	struct ks_buf *b;
	char lists[8][32];		/* x-ref kinds whose <datalist> is out */
	size_t nlists;
};

static const char *title_of(const struct ks_snode *s, const char *name)
{
	const char *t = s ? ks_snode_title(s) : NULL;

	return t && *t ? t : name;
}

/* One problem under its field, in its words without the field's name. */
static void problem(struct render *rd, const struct ks_diag *g, int *open)
{
	if (!(*open)++)
		ks_buf_puts(rd->b, "<ul class=\"problems\">");
	ks_buf_puts(rd->b, "<li>");
	ks_html(rd->b, g->message + (g->detail <= strlen(g->message)
				      ? g->detail : 0));
	ks_buf_puts(rd->b, "</li>");
}

/*
 * The problems of the value at `ptr` (`plen` bytes of it), or with
 * `missing`, those of the object at `ptr` that say it misses that field.
 */
static void problems_at(struct render *rd, const char *ptr, size_t plen,
			const char *missing)
{
	const struct ks_diags *d = rd->v->problems;
	size_t i;
	int open = 0;

	for (i = 0; d && i < d->n; i++) {
		const struct ks_diag *g = &d->v[i];
		const char *p = g->pointer ? g->pointer : "";

		if (strlen(p) != plen || strncmp(p, ptr, plen) ||
		    !g->missing != !missing ||
		    (missing && strcmp(g->missing, missing)))
			continue;
		problem(rd, g, &open);
	}
	if (open)
		ks_buf_puts(rd->b, "</ul>\n");
}

static void problems_of(struct render *rd, const char *ptr)
{
	problems_at(rd, ptr, strlen(ptr), NULL);
}

/* 1 when a problem says the object at `ptr` (`plen`) misses `name`. */
static int said_missing(const struct render *rd, const char *ptr,
			size_t plen, const char *name)
{
	const struct ks_diags *d = rd->v->problems;
	size_t i;

	for (i = 0; d && i < d->n; i++) {
		const char *p = d->v[i].pointer ? d->v[i].pointer : "";

		if (d->v[i].missing && !strcmp(d->v[i].missing, name) &&
		    strlen(p) == plen && !strncmp(p, ptr, plen))
			return 1;
	}
	return 0;
}

static void attr_id(struct ks_buf *b, const char *ptr)
{
	ks_buf_puts(b, " id=\"f");
	ks_html(b, ptr);
	ks_buf_puts(b, "\" name=\"");
	ks_html(b, ptr);
	ks_buf_puts(b, "\"");
}

static void label_for(struct render *rd, const char *ptr, const char *title,
		      int required)
{
	ks_buf_puts(rd->b, "<label for=\"f");
	ks_html(rd->b, ptr);
	ks_buf_puts(rd->b, "\">");
	ks_html(rd->b, title);
	if (required)
		ks_buf_puts(rd->b, " <abbr class=\"req\">*</abbr>");
	ks_buf_puts(rd->b, "</label>\n");
}

static void description(struct render *rd, const struct ks_snode *s)
{
	const char *desc = ks_snode_description(s);

	if (!desc || !*desc)
		return;
	ks_buf_puts(rd->b, "<small class=\"help\">");
	ks_html(rd->b, desc);
	ks_buf_puts(rd->b, "</small>\n");
}

static const char *scalar_text(const struct ks_node *v)
{
	return v && v->kind == KS_NODE_SCALAR ? v->u.scalar.str : NULL;
}

/* The choices of an enum, each by its label, the value's selected. */
static void options(struct render *rd, const struct ks_snode *s,
		    const char *now)
{
	size_t i, n = ks_snode_enum_count(s);
	int found = !now || !*now;

	ks_buf_puts(rd->b, "<option value=\"\"></option>");
	for (i = 0; i < n; i++) {
		const struct ks_node *e = ks_snode_enum_value(s, i);
		const char *code = scalar_text(e), *t = ks_snode_enum_title(s, i);

		if (!code)
			continue;
		ks_buf_puts(rd->b, "<option value=\"");
		ks_html(rd->b, code);
		ks_buf_putc(rd->b, '"');
		if (now && !strcmp(now, code)) {
			ks_buf_puts(rd->b, " selected");
			found = 1;
		}
		ks_buf_putc(rd->b, '>');
		ks_html(rd->b, t ? t : code);
		ks_buf_puts(rd->b, "</option>");
	}
	/* a value not among the choices is shown, to be changed */
	if (!found) {
		ks_buf_puts(rd->b, "<option selected value=\"");
		ks_html(rd->b, now);
		ks_buf_puts(rd->b, "\">");
		ks_html(rd->b, now);
		ks_buf_puts(rd->b, "</option>");
	}
}

/* The records of `kind` to pick from, once per page. */
static void datalist(struct render *rd, const char *kind)
{
	struct ks_dupe_index refs = { 0 };
	struct ks_diags quiet = KS_DIAGS_INIT;
	struct ks_rindex *x;
	size_t i, total;
	int err;

	for (i = 0; i < rd->nlists; i++)
		if (!strcmp(rd->lists[i], kind))
			return;
	if (rd->nlists == sizeof(rd->lists) / sizeof(rd->lists[0]) ||
	    strlen(kind) >= sizeof(rd->lists[0]))
		return;
	strcpy(rd->lists[rd->nlists++], kind);
	x = rd->v->index ? ks_web_index_fresh(rd->v->index, &quiet) : NULL;
	err = x ? ks_rindex_load(x, &refs, &total, kind, NULL, 0, NULL, 0, MAX_PICK,
				 &quiet)
		: ks_rindex_dupe_load(&refs, rd->v->repo, kind, 0, &quiet);
	if (err == -1)
		ks_buf_fail(rd->b);
	ks_diags_release(&quiet);
	ks_buf_puts(rd->b, "<datalist id=\"ref-");
	ks_html(rd->b, kind);
	ks_buf_puts(rd->b, "\">");
	for (i = 0; i < refs.n && i < MAX_PICK; i++) {
		ks_buf_puts(rd->b, "<option value=\"");
		ks_html(rd->b, refs.v[i].id);
		ks_buf_puts(rd->b, "\">");
		if (refs.v[i].name)
			ks_html(rd->b, refs.v[i].name);
		if (refs.v[i].commune) {
			ks_buf_puts(rd->b, ", ");
			ks_html(rd->b, refs.v[i].commune);
		}
		ks_buf_puts(rd->b, "</option>");
	}
	ks_buf_puts(rd->b, "</datalist>\n");
	ks_dupe_index_release(&refs);
}

/* One value's input: a choice, yes/no, a date, a picker or text. */
static void input(struct render *rd, const struct ks_snode *s,
		  const char *ptr, const struct ks_node *v)
{
	struct ks_buf *b = rd->b;
	const char *now = scalar_text(v), *fmt = ks_snode_format(s);
	const char *ref = ks_snode_xref(s);
	unsigned types = ks_snode_types(s) & ~KS_TYPE_NULL;

	if (ks_snode_enum_count(s)) {
		ks_buf_puts(b, "<select");
		attr_id(b, ptr);
		ks_buf_putc(b, '>');
		options(rd, s, now);
		ks_buf_puts(b, "</select>\n");
		return;
	}
	if (types == KS_TYPE_BOOLEAN) {
		int yes = now && !strcmp(now, "true"), no = now && !strcmp(now, "false");

		ks_buf_puts(b, "<select");
		attr_id(b, ptr);
		ks_buf_puts(b, "><option value=\"\"></option><option value=\"true\"");
		ks_buf_puts(b, yes ? " selected>" : ">");
		ks_html(b, _("Yes"));
		ks_buf_puts(b, "</option><option value=\"false\"");
		ks_buf_puts(b, no ? " selected>" : ">");
		ks_html(b, _("No"));
		ks_buf_puts(b, "</option>");
		if (now && *now && !yes && !no) {
			ks_buf_puts(b, "<option selected value=\"");
			ks_html(b, now);
			ks_buf_puts(b, "\">");
			ks_html(b, now);
			ks_buf_puts(b, "</option>");
		}
		ks_buf_puts(b, "</select>\n");
		return;
	}
	if ((types & KS_TYPE_STRING) && !fmt && !ref &&
	    ((now && strchr(now, '\n')) || ks_snode_max_length(s) > 300)) {
		/* text of more than a line: notes, complaints */
		ks_buf_puts(b, "<textarea");
		attr_id(b, ptr);
		ks_buf_puts(b, " rows=\"4\">");
		if (now)
			ks_html(b, now);
		ks_buf_puts(b, "</textarea>\n");
		return;
	}
	ks_buf_puts(b, "<input");
	attr_id(b, ptr);
	if (fmt && !strcmp(fmt, "date"))
		ks_buf_puts(b, " type=\"date\"");
	else if (fmt && !strcmp(fmt, "vn-phone"))
		ks_buf_puts(b, " type=\"tel\"");
	else
		ks_buf_puts(b, " type=\"text\"");
	if (types == KS_TYPE_INTEGER)
		ks_buf_puts(b, " inputmode=\"numeric\"");
	else if (types == KS_TYPE_NUMBER ||
		 types == (KS_TYPE_NUMBER | KS_TYPE_INTEGER))
		ks_buf_puts(b, " inputmode=\"decimal\"");
	if (ref) {
		ks_buf_puts(b, " list=\"ref-");
		ks_html(b, ref);
		ks_buf_putc(b, '"');
	}
	if (now) {
		ks_buf_puts(b, " value=\"");
		if ((types & KS_TYPE_NUMBER) && strchr(now, '.') &&
		    !strpbrk(now, "eE")) {
			/* a decimal as Vietnamese write it, read back the same */
			const char *p;

			for (p = now; *p; p++)
				ks_buf_putc(b, *p == '.' ? ',' : *p);
		} else {
			ks_html(b, now);
		}
		ks_buf_putc(b, '"');
	}
	ks_buf_puts(b, ">\n");
	if (ref)
		datalist(rd, ref);
}

static void render_map(struct render *rd, const struct ks_snode *s,
		       struct ks_node *map, const char *ptr, int depth);

static void button(struct ks_buf *b, const char *op, const char *ptr,
		   const char *text, const char *cls)
{
	ks_buf_addf(b, "<button class=\"%s\" name=\"op\" value=\"%s ", cls, op);
	ks_html(b, ptr);
	ks_buf_puts(b, "\">");
	ks_html(b, text);
	ks_buf_puts(b, "</button>\n");
}

/* A set of choices (a list of enum values): one tick box each. */
static void ticks(struct render *rd, const struct ks_snode *items,
		  const char *ptr, const struct ks_node *list)
{
	size_t i, j, n = ks_snode_enum_count(items);

	for (i = 0; i < n; i++) {
		const char *code = scalar_text(ks_snode_enum_value(items, i));
		const char *t = ks_snode_enum_title(items, i);
		int on = 0;

		if (!code)
			continue;
		for (j = 0; list && list->kind == KS_NODE_SEQ && j < list->u.seq.n; j++)
			on |= scalar_text(list->u.seq.v[j]) &&
			      !strcmp(scalar_text(list->u.seq.v[j]), code);
		ks_buf_puts(rd->b, "<label class=\"tick\"><input type=\"checkbox\" name=\"");
		ks_html(rd->b, ptr);
		ks_buf_puts(rd->b, "\" value=\"");
		ks_html(rd->b, code);
		ks_buf_puts(rd->b, on ? "\" checked> " : "\"> ");
		ks_html(rd->b, t ? t : code);
		ks_buf_puts(rd->b, "</label>\n");
	}
}

static void render_list(struct render *rd, const struct ks_snode *s,
			const char *title, struct ks_node *list,
			const char *ptr, int required, int depth)
{
	const struct ks_snode *items = ks_snode_items(s);
	const char *ititle = title_of(items, title);
	size_t i, n = list && list->kind == KS_NODE_SEQ ? list->u.seq.n : 0;
	struct ks_buf add = KS_BUF_INIT;

	ks_buf_puts(rd->b, "<fieldset class=\"list\"><legend>");
	ks_html(rd->b, title);
	if (required)
		ks_buf_puts(rd->b, " <abbr class=\"req\">*</abbr>");
	ks_buf_puts(rd->b, "</legend>\n");
	description(rd, s);
	problems_of(rd, ptr);
	if (items && ks_snode_enum_count(items)) {
		ticks(rd, items, ptr, list);
		ks_buf_puts(rd->b, "</fieldset>\n");
		return;
	}
	for (i = 0; i < n; i++) {
		char *ip = child_index(ptr, i);
		struct ks_buf t = KS_BUF_INIT;

		if (!ip) {
			ks_buf_fail(rd->b);
			return;
		}
		ks_buf_addf(&t, "%s %zu", ititle, i + 1);
		if (list->u.seq.v[i]->kind == KS_NODE_MAP &&
		    ks_snode_types(items) == KS_TYPE_OBJECT) {
			ks_buf_puts(rd->b, "<fieldset class=\"item\"><legend>");
			ks_html(rd->b, t.ptr);
			ks_buf_puts(rd->b, "</legend>\n<input type=\"hidden\" name=\"");
			ks_html(rd->b, ip);
			ks_buf_puts(rd->b, "\" value=\"\">\n");
			problems_of(rd, ip);
			render_map(rd, items, list->u.seq.v[i], ip, depth + 1);
		} else {
			ks_buf_puts(rd->b, "<div class=\"item\">");
			label_for(rd, ip, t.ptr, 0);
			input(rd, items, ip, list->u.seq.v[i]);
			problems_of(rd, ip);
		}
		ks_buf_release(&t);
		ks_buf_addf(&t, C_("form", "Remove %s %zu"), ititle, i + 1);
		button(rd->b, "del", ip, t.ptr, "del");
		ks_buf_puts(rd->b, list->u.seq.v[i]->kind == KS_NODE_MAP &&
				   ks_snode_types(items) == KS_TYPE_OBJECT
				   ? "</fieldset>\n" : "</div>\n");
		ks_buf_release(&t);
		ks_free(ip);
	}
	ks_buf_addf(&add, C_("form", "Add %s"), ititle);
	button(rd->b, "add", ptr, add.ptr, "add");
	ks_buf_release(&add);
	ks_buf_puts(rd->b, "</fieldset>\n");
}

static void render_field(struct render *rd, const struct ks_snode *parent,
			 struct ks_node *map, const char *name,
			 const char *ptr, int depth)
{
	const struct ks_snode *s = ks_snode_cond_property(parent, name);
	struct ks_node *v = ks_map_get(map, name);
	unsigned types = ks_snode_types(s);
	const char *title = title_of(s, name);
	size_t plen = (size_t)(strrchr(ptr, '/') - ptr);	/* the parent's */
	int required = ks_snode_is_required(parent, name) ||
		       said_missing(rd, ptr, plen, name);

	if (ks_snode_read_only(s))
		return;	/* written elsewhere (attachments), kept on save */
	if (!v && !required) {
		/* what the answers so far rule out is not asked */
		int no = ks_field_forbidden(rd->v->doc, parent, map, name);

		if (no) {
			if (no < 0)
				ks_buf_fail(rd->b);
			return;
		}
	}
	if (types == KS_TYPE_OBJECT && depth < MAX_DEPTH &&
	    (!v || v->kind == KS_NODE_MAP)) {
		if (!v && (!(v = ks_node_map(rd->v->doc)) ||
			   ks_map_set(rd->v->doc, map, name, v) < 0)) {
			ks_buf_fail(rd->b);
			return;
		}
		ks_buf_puts(rd->b, "<fieldset><legend>");
		ks_html(rd->b, title);
		ks_buf_puts(rd->b, "</legend>\n");
		description(rd, s);
		problems_at(rd, ptr, plen, name);
		problems_of(rd, ptr);
		render_map(rd, s, v, ptr, depth + 1);
		ks_buf_puts(rd->b, "</fieldset>\n");
		return;
	}
	if (types == KS_TYPE_ARRAY && depth < MAX_DEPTH &&
	    (!v || v->kind == KS_NODE_SEQ)) {
		render_list(rd, s, title, v, ptr, required, depth);
		problems_at(rd, ptr, plen, name);
		return;
	}
	ks_buf_puts(rd->b, "<div class=\"field\">\n");
	label_for(rd, ptr, title, required);
	description(rd, s);
	if (v && v->kind != KS_NODE_SCALAR) {
		/* a list or part where the schema wants a value: not editable
		   here without losing it, so shown and kept */
		ks_buf_puts(rd->b, "<p class=\"bad\">");
		ks_html(rd->b, _("This field holds more than one value; change it with 'khaosat edit'."));
		ks_buf_puts(rd->b, "</p>\n");
	} else {
		input(rd, s, ptr, v);
	}
	problems_at(rd, ptr, plen, name);
	problems_of(rd, ptr);
	ks_buf_puts(rd->b, "</div>\n");
}

/* The field `name` of the object at `ptr`. */
static void field_at(struct render *rd, const struct ks_snode *s,
		     struct ks_node *map, const char *name, const char *ptr,
		     int depth)
{
	char *p = child(ptr, name);

	if (!p) {
		ks_buf_fail(rd->b);
		return;
	}
	render_field(rd, s, map, name, p, depth);
	ks_free(p);
}

static void render_map(struct render *rd, const struct ks_snode *s,
		       struct ks_node *map, const char *ptr, int depth)
{
	size_t i, n = ks_snode_property_count(s);

	for (i = 0; i < n; i++) {
		const char *name = ks_snode_property_name(s, i);

		if (depth || strcmp(name, "id"))
			field_at(rd, s, map, name, ptr, depth);
	}
	/* fields only a condition describes, when given or asked for */
	for (i = 0; map->kind == KS_NODE_MAP && i < map->u.map.n; i++) {
		const char *name = map->u.map.v[i].key;

		if (!ks_snode_property(s, name) && ks_snode_cond_property(s, name))
			field_at(rd, s, map, name, ptr, depth);
	}
	for (i = 0; rd->v->problems && i < rd->v->problems->n; i++) {
		const struct ks_diag *g = &rd->v->problems->v[i];

		if (g->missing && g->pointer && !strcmp(g->pointer, ptr) &&
		    !ks_snode_property(s, g->missing) && !ks_map_get(map, g->missing) &&
		    ks_snode_cond_property(s, g->missing))
			field_at(rd, s, map, g->missing, ptr, depth);
	}
}

int ks_form_html(struct ks_buf *b, const struct ks_form_view *v)
{
	struct render rd;
	struct ks_node *root = ks_doc_root(v->doc);

	memset(&rd, 0, sizeof(rd));
	rd.v = v;
	rd.b = b;
	if (!root || root->kind != KS_NODE_MAP)
		return -1;
	problems_of(&rd, "");
	render_map(&rd, ks_schema_root(v->schema), root, "", 0);
	return ks_buf_failed(b) ? -1 : 0;
}
