/*
 * Survey statistics: how many records of each kind the work tree holds,
 * how many are valid and how many have open conflicts, and how they fall
 * by commune, legal type, trade group, brand kind, OCOP stars, surveyor
 * and device.
 *
 * A field is counted for a kind when the kind's schema has it; its title
 * (and the titles of enum values, from x-enum-titles) come from the
 * schema.  Free-text values (communes, surveyors) are grouped by key_exact
 * (vnkey.h), so "Thủy Nguyên" and "Thuỷ Nguyên" count as one and are shown
 * as the first record (by path) wrote them; a commune's name also without
 * a leading "xã", "phường", "thị trấn" or "đặc khu".  The device is the prefix of
 * the record id.  A record is valid when `khaosat check` finds nothing
 * wrong with it: file, schema, references, unique values, open conflicts
 * (when no schema compiles, none is).
 */
#ifndef KS_STATS_H
#define KS_STATS_H

#include <stddef.h>

struct ks_diags;
struct ks_repo;

struct ks_stat_value {
	char *value;		/* as the first record wrote it */
	char *key;		/* what equal values share */
	const char *title;	/* the enum value's title, or NULL */
	size_t count;
};

struct ks_stat_field {
	const char *field;	/* "address.commune_name", "device" */
	const char *title;	/* from the schema; NULL for the device */
	struct ks_stat_value *v;	/* by count, largest first, then value */
	size_t n, alloc;
	size_t missing;		/* records without the field */
};

struct ks_stat_kind {
	const char *kind, *title;	/* the survey's, valid with the repo */
	size_t records, valid, invalid;
	size_t conflicted;	/* records with open conflicts */
	size_t conflicts;	/* open conflict entries */
	struct ks_stat_field *fields;
	size_t nfields;
};

struct ks_stats {
	struct ks_stat_kind *v;	/* in the survey's order of kinds */
	size_t n;
};

/*
 * Counts the records of the work tree, of `kind` only when not NULL (it
 * must be one of the survey's).  Returns 0, or a status with errors in
 * `d`; the records' own errors are counted, not reported.
 */
int ks_stats_collect(struct ks_stats *out, struct ks_repo *r,
		     const char *kind, struct ks_diags *d);
void ks_stats_release(struct ks_stats *s);

#endif
