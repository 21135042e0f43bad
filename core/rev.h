/*
 * Points in a survey's history as people name them: anything git's
 * revision syntax understands (a commit id, main~3, a tag), or a date.
 *
 * A date is YYYY-MM-DD, or that followed by a time, "YYYY-MM-DD HH:MM"
 * or "YYYY-MM-DDTHH:MM[:SS]", in the local time zone (TZ).  It names main
 * as this survey had it then: the newest commit on main's first-parent
 * line committed at or before the end of that day (or that minute).  The
 * first-parent line is what this repository's main pointed to over time;
 * commits merged in from other laptops count from when they were merged,
 * which is when this survey had them.  Auditors ask for "the data as
 * submitted on 30 June": that is `ID@2025-06-30`.
 */
#ifndef KS_REV_H
#define KS_REV_H

#include <git2.h>
#include <time.h>

struct ks_diags;
struct ks_repo;

/*
 * Resolves `spec` to a commit.  KS_ENOTFOUND with a diagnostic when
 * nothing matches, KS_EINVALID for a date that is not a calendar date.
 */
int ks_rev_commit(git_commit **out, struct ks_repo *r, const char *spec,
		  struct ks_diags *d);

/*
 * 1 and the last second it names in *end when `spec` is written as a date
 * (a date alone names its whole day); 0 when it is not a date at all;
 * -1 when it looks like one but is not a real date or time.
 */
int ks_rev_parse_date(const char *spec, time_t *end);

#endif
