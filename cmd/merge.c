/*
 * khaosat merge: merge a commit or ref into main with the field-level
 * merge; conflicts are recorded, never a reason to stop.
 */
#include "cli.h"
#include "intl.h"
#include "diag.h"
#include "merge.h"
#include "repo.h"

#include <string.h>

static const struct cmd_info info = {
	"khaosat merge REF",
	N_("Merge REF (a branch, a commit id, a remote-tracking ref) into main,\n"
	"record by record and field by field. Conflicting fields keep their\n"
	"base value and are recorded under conflicts/ ('khaosat conflicts'\n"
	"lists them); the merge always finishes. The work tree is updated."),
};

void print_merge(const git_oid *commit, const struct ks_merge_stats *st,
		 const char *what)
{
	char hex[GIT_OID_HEXSZ + 1], merged[48], conflicts[48], records[48];

	git_oid_tostr(hex, sizeof(hex), commit);
	if (st->up_to_date) {
		fputs(_("Already up to date.\n"), stdout);
	} else if (st->fast_forward) {
		printf(_("Fast-forward to %.10s.\n"), hex);
	} else {
		snprintf(merged, sizeof(merged),
			 Q_("%zu record", "%zu records", st->merged), st->merged);
		snprintf(conflicts, sizeof(conflicts),
			 Q_("%zu conflict", "%zu conflicts", st->conflicts),
			 st->conflicts);
		snprintf(records, sizeof(records),
			 Q_("%zu record", "%zu records", st->conflicted_records),
			 st->conflicted_records);
		/*
		 * TRANSLATORS: "[main 1a2b3c4d5e] Merged b/main: 3 records
		 * merged field by field, 2 conflicts in 1 record."
		 */
		printf(_("[main %.10s] Merged %s: %s merged field by field, %s in %s.\n"),
		       hex, what, merged, conflicts, records);
	}
	if (st->conflicts)
		fputs(_("See them with 'khaosat conflicts'; settle each with 'khaosat resolve'.\n"),
		      stdout);
}

int cmd_merge(int argc, char **argv, struct cli *cli)
{
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_merge_stats st;
	git_object *rev = NULL, *obj = NULL;
	git_oid out, before;
	int err, refused;

	if ((err = parse_options(&argc, argv, &info, NULL)))
		return err;
	if (argc != 1)
		return usage_error(&info, "give one ref or commit to merge");
	if ((err = open_survey(cli, &d)))
		return fail(&d, err);
	if (git_revparse_single(&rev, ks_repo_git(cli->repo), argv[0]) < 0 ||
	    git_object_peel(&obj, rev, GIT_OBJECT_COMMIT) < 0) {
		git_object_free(rev);
		return fail(&d, ks_error(&d, KS_ENOTFOUND, NULL, 0, 0,
					 "unknown revision \"%s\"", argv[0]));
	}
	if (git_reference_name_to_id(&before, ks_repo_git(cli->repo),
				     KS_MAIN_REF) < 0)
		memset(&before, 0, sizeof(before));
	err = judge_before_merge(cli->repo, git_object_id(obj), argv[0], &refused, &d);
	if (!err)
		err = ks_merge_into_main(&out, &st, cli->repo, git_object_id(obj),
					 argv[0], &d);
	git_object_free(obj);
	git_object_free(rev);
	if (err == 1)
		return refused ? fail(&d, KS_EINVALID) : (ks_diags_release(&d), EXIT_OK);
	if (err)
		return fail(&d, err);
	print_diags(&d);
	print_merge(&out, &st, argv[0]);
	fflush(stdout);
	if (!git_oid_is_zero(&before)) {
		note_clashes(cli->repo, &before, &out);
		note_rules_changed(cli->repo, &before, &out);
	}
	ks_diags_release(&d);
	return EXIT_OK;
}
