/*
 * The values `khaosat stats` counts, from a record or from the text the
 * reading index keeps.  See statsval.h.
 */
#include "statsval.h"
#include "buf.h"
#include "record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct ks_stats_spec ks_stats_specs[] = {
	{ "address.commune_name", "address", "commune_name", 2 },
	{ "legal_type", "legal_type", NULL, 0 },
	{ "trade_group", "trade_group", NULL, 0 },
	{ "kind", "kind", NULL, 0 },
	{ "ocop.stars", "ocop", "stars", 0 },
	{ "surveyor", "surveyor", NULL, 1 },
	{ NULL, NULL, NULL, 0 },
};

const char *ks_stats_value(const struct ks_node *root,
			   const struct ks_stats_spec *s)
{
	const struct ks_node *n = root ? ks_map_get(root, s->a) : NULL;

	if (n && s->b)
		n = ks_map_get(n, s->b);
	return n && n->kind == KS_NODE_SCALAR ? n->u.scalar.str : NULL;
}

int ks_stats_text(struct ks_buf *out, const struct ks_node *root)
{
	size_t i;

	for (i = 0; ks_stats_specs[i].field; i++) {
		const char *v = ks_stats_value(root, &ks_stats_specs[i]);

		if (!v)
			continue;
		ks_buf_addf(out, "%zu=", i);
		for (; *v; v++) {
			if (*v == '\\')
				ks_buf_puts(out, "\\\\");
			else if (*v == '\n')
				ks_buf_puts(out, "\\n");
			else if (*v == '\t')
				ks_buf_puts(out, "\\t");
			else
				ks_buf_putc(out, *v);
		}
		ks_buf_putc(out, '\n');
	}
	return ks_buf_failed(out) ? -1 : 0;
}

/* "<n>=" into head (24 bytes): its length.  Called 400,000 times by stats. */
static size_t field_head(char head[24], size_t n)
{
	char digits[21];
	size_t k = 0, len = 0;

	do {
		digits[k++] = (char)('0' + n % 10);
		n /= 10;
	} while (n);
	while (k)
		head[len++] = digits[--k];
	head[len++] = '=';
	head[len] = '\0';
	return len;
}

int ks_stats_text_value(struct ks_buf *out, const char *text, size_t n)
{
	char head[24];
	size_t hl = field_head(head, n);
	const char *p = text;

	ks_buf_reset(out);
	/* at the start of a line: "1=" is not found in "11=" */
	while (p && strncmp(p, head, hl)) {
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	if (!p)
		return 0;
	for (p += hl; *p && *p != '\n'; p++) {
		size_t plain = strcspn(p, "\\\n");

		/* the text as it is up to a backslash, at once */
		if (plain) {
			ks_buf_add(out, p, plain);
			p += plain - 1;
		} else if (p[1] && p[1] != '\n') {
			p++;
			ks_buf_putc(out, *p == 'n' ? '\n' : *p == 't' ? '\t' : *p);
		}
	}
	return ks_buf_failed(out) ? -1 : 1;
}
