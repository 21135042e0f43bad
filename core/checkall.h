/*
 * khaosat check, in core: the whole survey (committed records through the
 * record cache, what changed since from the work tree) or the records
 * named, each against its schema, unique values across the survey, and
 * every open conflict as an error at its field.  The command line parses
 * and prints; this decides.
 */
#ifndef KS_CHECKALL_H
#define KS_CHECKALL_H

#include <stddef.h>

struct ks_diags;
struct ks_repo;

struct ks_check_totals {
	size_t records;		/* checked */
	size_t invalid;		/* of them, with an error */
	int schemas_bad;	/* a schema did not compile: no record checked */
};

/*
 * Checks `nnames` records named as a person wrote them (paths or ids,
 * relative to `cwd`), or the whole survey when there are none.  Problems
 * go into `d`, sorted by file, line and column; *out says how many.
 * Returns 0 whether or not problems were found; -1 (out of memory) or
 * another status when the check itself could not be made.
 */
int ks_check_survey(struct ks_check_totals *out, struct ks_repo *r,
		    char *const *names, size_t nnames, const char *cwd,
		    struct ks_diags *d);

#endif
