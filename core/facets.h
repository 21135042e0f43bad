/*
 * Facets: the fields of a kind that records are sorted into by a choice
 * (legal type, trade group, OCOP stars, ...), as the records page filters
 * them and the reading index (rindex.h) keeps them.
 *
 * A facet is a field with an enum, a list of enum values, or a whole
 * number of a few values (OCOP stars: 3 to 5), at most two objects deep,
 * named by its dotted path ("location.kind").  A record's facet text holds
 * one line "N=value" for each value it has at facet number N of its kind,
 * between newlines, so that "\nN=value\n" is found in it exactly when the
 * record holds that value.
 */
#ifndef KS_FACETS_H
#define KS_FACETS_H

#include <stddef.h>

struct ks_buf;
struct ks_node;
struct ks_snode;

#define KS_FACETS_MAX 24	/* facets a kind offers, at most */
#define KS_FACET_RANGE 10	/* whole numbers offered as choices, at most */

struct ks_facet {
	char path[128];		/* "legal_type", "location.kind" */
	char title[256];	/* "Vị trí sản xuất › Loại vị trí" */
	const struct ks_snode *s;	/* the values' schema (items for lists) */
	int list;		/* a list of choices: any item may hold it */
	long long lo, hi;	/* whole numbers lo..hi (lo > hi: an enum) */
};

/* The facets of the kind whose schema is `s`, in its order: how many. */
size_t ks_facets(struct ks_facet *out, size_t max, const struct ks_snode *s);

/* How many choices facet `f` has: its enum, or its whole numbers. */
size_t ks_facet_choices(const struct ks_facet *f);

/* Choice `i` of `f` as stored (`buf` holds a number's text), or NULL. */
const char *ks_facet_choice(const struct ks_facet *f, size_t i, char *buf,
			    size_t n);

/*
 * Appends the facet text of the record `root`: "\n", then "N=value\n"
 * for each value it holds at facet N of the `n`.  Returns 0 or -1.
 */
int ks_facets_text(struct ks_buf *out, const struct ks_facet *f, size_t n,
		   const struct ks_node *root);

/* The line that says a record holds `value` at facet `n`, newlines around. */
int ks_facet_line(struct ks_buf *out, size_t n, const char *value);

/* 1 when the facet text `text` holds `value` at facet `n`, 0 when not. */
int ks_facets_hold(const char *text, size_t n, const char *value);

#endif
