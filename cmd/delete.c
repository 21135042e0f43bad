/*
 * khaosat delete: remove a record, the way a surveyor expects, with the
 * reason saved in the survey history; it reaches the other laptops at the
 * next sync as a deletion.
 */
#include "cli.h"
#include "alloc.h"
#include "buf.h"
#include "check.h"
#include "delete.h"
#include "diag.h"
#include "intl.h"
#include "repo.h"

#include <string.h>

static const struct cmd_info info = {
	"khaosat delete ID -m REASON",
	N_("Delete the record ID and save the deletion to the survey history at\n"
	"once, with REASON (a duplicate, a workshop that closed), leaving other\n"
	"changes as they are. Refused, and the record kept, while another\n"
	"record refers to it."),
};

int cmd_delete(int argc, char **argv, struct cli *cli)
{
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_buf message = KS_BUF_INIT;
	const char *reason = NULL;
	char *rel = NULL, *kind = NULL, *rid = NULL;
	git_oid oid;
	int saved = 0, err;
	const struct opt opts[] = {
		{ 'm', "message", "REASON", OPT_STRING, &reason,
		  N_("why the record goes, kept in the history") },
		OPT_END_MARK,
	};

	if ((err = parse_options(&argc, argv, &info, opts)))
		return err;
	if (argc != 1)
		return usage_error(&info, "give one record id");
	if (!reason || !reason[strspn(reason, " \t\n")])
		return usage_error(&info, "say why the record goes (-m REASON)");
	if ((err = open_survey(cli, &d)) ||
	    (err = ks_resolve_record(&rel, cli->repo, argv[0], cli->cwd, &d)))
		return fail(&d, err);
	/* The history's message, in the survey's language. */
	if (ks_record_path_parse(rel, &kind, &rid) < 0 ||
	    ks_buf_addf(&message, _("Delete %s: %s"), rid, reason) < 0)
		err = -1;
	else
		err = ks_delete_record(&oid, &saved, cli->repo, rel, message.ptr,
				       &d);
	ks_buf_release(&message);
	ks_free(kind);
	ks_free(rid);
	if (err) {
		ks_free(rel);
		return fail(&d, err);
	}
	print_diags(&d);
	ks_diags_release(&d);
	if (saved)
		printf(_("Deleted %s; the deletion is saved to the survey history and reaches the other laptops at the next sync.\n"),
		       rel);
	else
		printf(_("Deleted %s; it had never been saved to the history.\n"),
		       rel);
	ks_free(rel);
	return EXIT_OK;
}
