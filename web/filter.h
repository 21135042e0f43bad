/*
 * The records page's filters: a kind, and a choice for each field of it
 * that has choices (filter.c).
 */
#ifndef KS_WEB_FILTER_H
#define KS_WEB_FILTER_H

#include "facets.h"

#include <stddef.h>

struct ks_buf;
struct ks_dupe_rec;
struct ks_kind;
struct ks_repo;
struct ks_schema;
struct ks_snode;

struct ks_filter_field {
	struct ks_facet fc;	/* the field */
	const char *value;	/* the code chosen, or NULL */
	char number[24];	/* a whole number chosen, as text */
};

struct ks_filter {
	struct ks_kind *kind;	/* NULL: every kind, and no field */
	struct ks_schema *schema;
	struct ks_filter_field fields[KS_FACETS_MAX];
	size_t nfields, active;
};

/*
 * The filters a request asks for (its "kind" and "f.<path>" arguments).
 * 0; KS_ENOTFOUND for a kind the survey does not have or a value that is
 * not one of its field's choices.
 */
int ks_filter_read(struct ks_filter *f, struct ks_repo *r,
		   const char *(*arg)(void *, const char *), void *ctx);

/* The form that sets them, keeping the search `query` (may be NULL). */
void ks_filter_form(struct ks_buf *b, struct ks_repo *r,
		    const struct ks_filter *f, const char *query);

/* "&amp;kind=...&amp;f.x=..." for the links between pages. */
void ks_filter_query(struct ks_buf *b, const struct ks_filter *f);

/*
 * 1 when the record `e` passes the filters, 0 when not, -1 out of memory.
 * A record without its facet text (one not from the reading index) has
 * it read from its file.
 */
int ks_filter_match(const struct ks_filter *f, struct ks_repo *r,
		    struct ks_dupe_rec *e);

#endif
