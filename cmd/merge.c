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
	char hex[GIT_OID_HEXSZ + 1];

	git_oid_tostr(hex, sizeof(hex), commit);
	if (st->up_to_date)
		printf("Already up to date.\n");
	else if (st->fast_forward)
		printf("Fast-forward to %.10s.\n", hex);
	else
		printf("[main %.10s] Merged %s: %zu record%s merged field by field, %zu conflict%s in %zu record%s.\n",
		       hex, what, st->merged, st->merged == 1 ? "" : "s",
		       st->conflicts, st->conflicts == 1 ? "" : "s",
		       st->conflicted_records,
		       st->conflicted_records == 1 ? "" : "s");
	if (st->conflicts)
		printf("See them with 'khaosat conflicts'; settle each with 'khaosat resolve'.\n");
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
