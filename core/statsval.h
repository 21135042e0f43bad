/*
 * The fields `khaosat stats` counts (stats.h), and a record's values of
 * them as one text, which the reading index (rindex.h) keeps so that
 * counting 100,000 records reads none of them.
 */
#ifndef KS_STATSVAL_H
#define KS_STATSVAL_H

#include <stddef.h>

struct ks_buf;
struct ks_node;

struct ks_stats_spec {
	const char *field;	/* "address.commune_name" */
	const char *a, *b;	/* its keys, one or two deep */
	int free_text;		/* grouped by key_exact; 2: a commune */
};

/* The fields counted, when a kind's schema has them; a NULL field ends. */
extern const struct ks_stats_spec ks_stats_specs[];

/* The text value of spec `s` in the record `root`, or NULL. */
const char *ks_stats_value(const struct ks_node *root,
			   const struct ks_stats_spec *s);

/*
 * Appends the values text of the record `root`: for each spec N it has
 * a text value of, "N=value\n" (backslash, tab and newline escaped).
 * 0, or -1 out of memory.
 */
int ks_stats_text(struct ks_buf *out, const struct ks_node *root);

/*
 * The value of spec `n` in a values text, into `out`: 1, 0 when the
 * record has none, -1 out of memory.
 */
int ks_stats_text_value(struct ks_buf *out, const char *text, size_t n);

#endif
