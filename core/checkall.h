/*
 * Checking the survey: the one place that decides what is checked, for
 * `khaosat check`, for a commit and for verify.  Each record against its
 * schema, unique values across the survey, open conflicts as errors at
 * their fields; the commands only parse and print.
 */
#ifndef KS_CHECKALL_H
#define KS_CHECKALL_H

#include <git2.h>
#include <stddef.h>

struct ks_changes;
struct ks_diags;
struct ks_repo;

struct ks_check_totals {
	size_t records;		/* checked */
	size_t invalid;		/* of them, with an error */
	int schemas_bad;	/* a schema did not compile: no record checked */
	size_t uncommitted;	/* survey files changed since the last commit
				   (the whole survey only) */
};

struct ks_check_opts {
	char *const *names;	/* records as a person named them (paths or
				   ids); none: the whole survey */
	size_t nnames;
	const char *cwd;	/* what the names are relative to */
	git_tree *head;		/* the whole survey as committed in this tree
				   (main's tip), not the work tree: verify's
				   check.  Open conflicts are then left to the
				   caller. */
	struct ks_changes *listing;	/* when not NULL (and the whole
				   survey is checked from the work tree): the
				   check's listing of it handed over, each
				   file's stat data with it (changes.h), for
				   a caller that reads the same files next;
				   released by the caller */
};

/*
 * Checks the records o->names, or the whole survey when there are none.
 * Problems go into `d`, sorted by file, line and column; *out says how
 * many.  Returns 0 whether or not problems were found; -1 (out of memory)
 * or another status when the check itself could not be made.
 */
int ks_check_survey(struct ks_check_totals *out, struct ks_repo *r,
		    const struct ks_check_opts *o, struct ks_diags *d);

/*
 * What a commit of the changes `c` must pass before anything is written:
 * every new or changed record valid with unique values across the survey
 * (all records again when a survey file or schema changed, or a record
 * was deleted), a layout every laptop accepts, schema files that compile
 * together and a members file that reads.  KS_EINVALID with the problems
 * in `d`.  Problems of records the commit does not change are warnings,
 * unless the commit causes them.
 */
int ks_check_changes(struct ks_repo *r, const struct ks_changes *c,
		     struct ks_diags *d);

#endif
