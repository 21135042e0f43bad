/*
 * khaosat commit: record every change to the survey in one commit, refused
 * as a whole when any changed record is invalid.
 */
#include "cli.h"
#include "commit.h"
#include "diag.h"
#include "intl.h"
#include "repo.h"

#include <string.h>

static const struct cmd_info info = {
	"khaosat commit [-v] -m MESSAGE",
	N_("Stage every new, changed and deleted record and schema file and commit\n"
	"them, with the surveyor as author and this device as committer. If any\n"
	"changed record is invalid, nothing is committed and the errors are shown."),
};

int cmd_commit(int argc, char **argv, struct cli *cli)
{
	const char *message = NULL;
	struct ks_diags d = KS_DIAGS_INIT;
	git_oid id;
	char hex[GIT_OID_HEXSZ + 1];
	int verbose = 0, err;
	const struct opt opts[] = {
		{ 'm', "message", "MESSAGE", OPT_STRING, &message,
		  N_("what the survey history records for this save") },
		{ 'v', "verbose", NULL, OPT_FLAG, &verbose,
		  N_("name the commit as git does: [main <id>]") },
		OPT_END_MARK,
	};

	if ((err = parse_options(&argc, argv, &info, opts)))
		return err;
	if (argc)
		return usage_error(&info, "commit takes no arguments (records are found by 'khaosat status')");
	if (!message || !message[strspn(message, " \t\n")])
		return usage_error(&info, "a message is required (-m MESSAGE)");
	if ((err = open_survey(cli, &d)))
		return fail(&d, err);
	err = ks_commit_changes(&id, cli->repo, message, &d);
	note_drafts(cli->repo);
	if (err == KS_EINVALID) {
		print_diags(&d);
		fputs(_("not saved: fix the errors above; nothing was saved to the history\n"),
		      stderr);
		ks_diags_release(&d);
		return EXIT_PROBLEMS;
	}
	if (err)
		return fail(&d, err);
	git_oid_tostr(hex, sizeof(hex), &id);
	if (verbose)
		printf("[main %.10s] %s\n", hex, message);
	else
		printf(_("Saved to the survey history: %s\n"), message);
	fflush(stdout);
	print_diags(&d);	/* what it settled, what it let through */
	ks_diags_release(&d);
	return EXIT_OK;
}
