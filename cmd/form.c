/*
 * The interactive form behind `khaosat new` on a terminal.  Each answer is
 * checked against its field's schema at once, so a surveyor fixes a typo
 * while still looking at the question.
 */
#include "form.h"
#include "cli.h"
#include "buf.h"
#include "diag.h"
#include "record.h"
#include "schema.h"

#include <stdlib.h>
#include <string.h>

#define MAX_FORM_DEPTH 8

static const char *label(const struct ks_snode *s, const char *name)
{
	const char *t = s ? ks_snode_title(s) : NULL;

	return t && *t ? t : name;
}

void form_print_value(const struct ks_node *v)
{
	if (!v)
		return;
	if (v->kind == KS_NODE_SCALAR)
		fputs(v->u.scalar.str, stdout);
	else if (v->kind == KS_NODE_SEQ)
		printf("%zu item%s", v->u.seq.n, v->u.seq.n == 1 ? "" : "s");
	else
		printf("%zu field%s", v->u.map.n, v->u.map.n == 1 ? "" : "s");
}

/* Prints the reasons a value fails its schema; 0 when it is valid. */
static int explain(const struct ks_snode *s, const struct ks_node *v)
{
	struct ks_diags d = KS_DIAGS_INIT;
	size_t i;
	int bad;

	ks_snode_validate(s, v, NULL, NULL, &d);
	bad = d.errors > 0;
	for (i = 0; i < d.n; i++)
		if (d.v[i].severity == KS_SEV_ERROR)
			printf("  ! %s\n", d.v[i].message);
	ks_diags_release(&d);
	return bad;
}

static void print_header(const struct ks_snode *s, const char *name,
			 int required, int depth)
{
	const char *desc = ks_snode_description(s);

	printf("\n%*s%s [%s]%s\n", depth * 2, "", label(s, name), name,
	       required ? " *" : "");
	if (desc && *desc)
		printf("%*s  %s\n", depth * 2, "", desc);
}

/* Reads one answer; NULL at end of input. */
static char *answer(int depth, const struct ks_node *current)
{
	struct ks_buf p = KS_BUF_INIT;
	char *line;

	ks_buf_addf(&p, "%*s> ", depth * 2, "");
	if (current && current->kind == KS_NODE_SCALAR) {
		ks_buf_reset(&p);
		ks_buf_addf(&p, "%*s[%s] > ", depth * 2, "",
			    current->u.scalar.str);
	}
	line = read_line(p.ptr);
	ks_buf_release(&p);
	return line;
}

/* An enum as a numbered menu; returns the chosen value node. */
static int ask_enum(struct ks_doc *doc, const struct ks_snode *s,
		    int required, int depth, const struct ks_node *current,
		    struct ks_node **out)
{
	size_t i, n = ks_snode_enum_count(s);

	*out = NULL;
	for (i = 0; i < n; i++) {
		const struct ks_node *v = ks_snode_enum_value(s, i);
		const char *t = ks_snode_enum_title(s, i);

		if (v->kind != KS_NODE_SCALAR)
			continue;
		printf("%*s  %zu) %s%s%s%s\n", depth * 2, "", i + 1,
		       t ? t : v->u.scalar.str, t ? " (" : "",
		       t ? v->u.scalar.str : "", t ? ")" : "");
	}
	for (;;) {
		char *a = answer(depth, current), *end;
		unsigned long k;

		if (!a)
			return -1;
		if (!*a) {
			free(a);
			if (current || !required)
				return 0;
			printf("  ! this field is required\n");
			continue;
		}
		k = strtoul(a, &end, 10);
		if (!*end && k >= 1 && k <= n) {
			*out = ks_node_clone(doc, ks_snode_enum_value(s, k - 1));
			free(a);
			return *out ? 0 : -1;
		}
		for (i = 0; i < n; i++) {
			const struct ks_node *v = ks_snode_enum_value(s, i);

			if (v->kind == KS_NODE_SCALAR && !strcmp(v->u.scalar.str, a))
				break;
		}
		free(a);
		if (i < n) {
			*out = ks_node_clone(doc, ks_snode_enum_value(s, i));
			return *out ? 0 : -1;
		}
		printf("  ! choose a number from 1 to %zu\n", n);
	}
}

static int ask_scalar(struct ks_doc *doc, const struct ks_snode *s,
		      int required, int depth, const struct ks_node *current,
		      struct ks_node **out)
{
	unsigned types = ks_snode_types(s);

	*out = NULL;
	if (ks_snode_enum_count(s))
		return ask_enum(doc, s, required, depth, current, out);
	if (types == KS_TYPE_BOOLEAN)
		printf("%*s  (y = có/yes, n = không/no)\n", depth * 2, "");
	for (;;) {
		char *a = answer(depth, current);
		struct ks_node *v;

		if (!a)
			return -1;
		if (!*a) {
			free(a);
			if (current || !required)
				return 0;
			printf("  ! this field is required\n");
			continue;
		}
		if (types == KS_TYPE_BOOLEAN) {
			const char *b = NULL;

			if (!strcasecmp(a, "y") || !strcasecmp(a, "yes") ||
			    !strcasecmp(a, "có") || !strcasecmp(a, "true"))
				b = "true";
			else if (!strcasecmp(a, "n") || !strcasecmp(a, "no") ||
				 !strcasecmp(a, "không") || !strcasecmp(a, "false"))
				b = "false";
			free(a);
			if (!b) {
				printf("  ! answer y or n\n");
				continue;
			}
			*out = ks_node_scalar(doc, b, strlen(b), 0);
			return *out ? 0 : -1;
		}
		v = ks_node_scalar(doc, a, strlen(a), 0);
		free(a);
		if (!v) {
			printf("  ! not valid text\n");
			continue;
		}
		if (!explain(s, v)) {
			*out = v;
			return 0;
		}
	}
}

static int fill_map(struct ks_doc *doc, struct ks_node *map,
		    const struct ks_snode *s, const char *only, int depth);

static int ask_field(struct ks_doc *doc, struct ks_node *map,
		     const struct ks_snode *parent, const char *name,
		     int depth)
{
	const struct ks_snode *s = ks_snode_property(parent, name);
	int required = ks_snode_is_required(parent, name);
	struct ks_node *cur = ks_map_get(map, name), *v = NULL;
	unsigned types;

	if (!s)
		return 0;
	types = ks_snode_types(s);
	print_header(s, name, required, depth);
	if (types == KS_TYPE_OBJECT && depth < MAX_FORM_DEPTH) {
		if (!required && !cur &&
		    !ask_yes_no("  fill in this part?", 0))
			return 0;
		if (!cur || cur->kind != KS_NODE_MAP) {
			cur = ks_node_map(doc);
			if (!cur || ks_map_set(doc, map, name, cur) < 0)
				return -1;
		}
		return fill_map(doc, cur, s, NULL, depth + 1);
	}
	if (types == KS_TYPE_ARRAY) {
		const struct ks_snode *items = ks_snode_items(s);
		unsigned itypes = items ? ks_snode_types(items) : 0;
		int added = 0;

		if (!cur || cur->kind != KS_NODE_SEQ) {
			cur = ks_node_seq(doc);
			if (!cur)
				return -1;
		}
		if (cur->u.seq.n)
			printf("%*s  (%zu already)\n", depth * 2, "", cur->u.seq.n);
		for (;;) {
			struct ks_buf q = KS_BUF_INIT;
			int yes;

			ks_buf_addf(&q, "  add %s %s?", cur->u.seq.n ? "another" : "a",
				    items ? label(items, "item") : "item");
			yes = ask_yes_no(q.ptr, 0);
			ks_buf_release(&q);
			if (!yes)
				break;
			if (itypes == KS_TYPE_OBJECT && depth < MAX_FORM_DEPTH) {
				v = ks_node_map(doc);
				if (!v || fill_map(doc, v, items, NULL, depth + 1) < 0)
					return -1;
			} else if (ask_scalar(doc, items, 1, depth + 1, NULL, &v) < 0) {
				return -1;
			}
			if (v && ks_seq_push(doc, cur, v) < 0)
				return -1;
			added = 1;
		}
		if (added && !ks_map_get(map, name))
			return ks_map_set(doc, map, name, cur) ? -1 : 0;
		return 0;
	}
	if (ask_scalar(doc, s, required, depth, cur, &v) < 0)
		return -1;
	if (v)
		return ks_map_set(doc, map, name, v) ? -1 : 0;
	return 0;
}

static int fill_map(struct ks_doc *doc, struct ks_node *map,
		    const struct ks_snode *s, const char *only, int depth)
{
	size_t i, n = ks_snode_property_count(s);

	for (i = 0; i < n; i++) {
		const char *name = ks_snode_property_name(s, i);

		if (!strcmp(name, "id") && depth == 0)
			continue;
		if (only && strcmp(only, name))
			continue;
		if (ask_field(doc, map, s, name, depth) < 0)
			return -1;
	}
	return 0;
}

int form_fill(struct ks_doc *doc, struct ks_node *map,
	      const struct ks_snode *schema, const char *only)
{
	return fill_map(doc, map, schema, only, 0);
}
