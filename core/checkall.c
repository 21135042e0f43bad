/*
 * khaosat check, in core: see checkall.h.  It sits above check.c (one
 * record), the record cache (the committed survey) and conflict.c.
 */
#include "checkall.h"
#include "alloc.h"
#include "check.h"
#include "commit.h"
#include "conflict.h"
#include "diag.h"
#include "recordcache.h"
#include "repo.h"
#include "schema.h"
#include "unique.h"

#include <string.h>

/*
 * The whole survey: what changed since the last commit joins `paths`
 * (from the work tree), the rest is checked from the record cache.
 */
static int check_committed(struct ks_paths *paths, size_t *committed,
			   struct ks_unique *uniq, struct ks_repo *r,
			   struct ks_diags *d)
{
	struct ks_changes ch = { 0 };
	struct ks_paths changed = { 0 };
	size_t j;
	int err = ks_changes_list(&ch, r, d);

	for (j = 0; !err && j < ch.n; j++) {
		if (ks_paths_add(&changed, ch.v[j].path) < 0)
			err = -1;
		else if (ch.v[j].what != KS_CHANGE_DELETED &&
			 !strncmp(ch.v[j].path, KS_RECORDS_DIR "/",
				  strlen(KS_RECORDS_DIR) + 1) &&
			 ks_paths_add(paths, ch.v[j].path) < 0)
			err = -1;
	}
	ks_changes_release(&ch);
	ks_paths_sort(&changed);
	if (!err)
		err = ks_check_committed(uniq, r, &changed, committed, d);
	ks_paths_release(&changed);
	return err;
}

int ks_check_survey(struct ks_check_totals *out, struct ks_repo *r,
		    char *const *names, size_t nnames, const char *cwd,
		    struct ks_diags *d)
{
	struct ks_paths paths = { 0 };
	struct ks_unique *uniq = NULL;
	size_t i, committed = 0;
	int err = 0;

	memset(out, 0, sizeof(*out));
	/* A schema that does not compile is reported first, and alone. */
	if ((out->schemas_bad = ks_repo_schemas(r, d) != 0))
		return 0;
	for (i = 0; i < nnames; i++) {
		char *rel = NULL;

		err = ks_resolve_record(&rel, r, names[i], cwd, d);
		if (err == -1)
			goto out;
		if (!err && ks_paths_add(&paths, rel) < 0)
			err = -1;
		ks_free(rel);
		if (err == -1)
			goto out;
		/* A name that names no record is an error in `d` already. */
		err = 0;
	}
	if (!(uniq = ks_unique_new())) {
		err = -1;
		goto out;
	}
	if (!nnames && (err = check_committed(&paths, &committed, uniq, r, d)))
		goto out;
	ks_paths_sort(&paths);
	for (i = 0; i < paths.n; i++)
		if ((err = ks_check_record(r, paths.v[i], uniq, NULL, d)) == -1)
			goto out;
	err = 0;
	/* Named records: their unique values against the committed survey. */
	if ((nnames && ks_unique_probe_head(uniq, r, &paths, d) == -1) ||
	    ks_unique_report(uniq, d) < 0) {
		err = -1;
		goto out;
	}
	/* An open conflict is an error at its field until someone settles it. */
	for (i = 0; i < (nnames ? paths.n : 1); i++) {
		struct ks_conflict_set cs = { 0 };

		if (ks_conflicts_load(&cs, r, nnames ? paths.v[i] : NULL, d) == -1 ||
		    ks_conflicts_report(r, &cs, d) < 0)
			err = -1;
		ks_conflict_set_release(&cs);
		if (err)
			goto out;
	}
	/* One order whatever the path taken: by file, line and column. */
	ks_diags_sort(d);
	out->records = paths.n + committed;
	out->invalid = ks_diags_error_paths(d);
out:
	ks_unique_free(uniq);
	ks_paths_release(&paths);
	return err;
}
