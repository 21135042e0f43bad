/*
 * khaosat status: what changed since the last commit, and which of the
 * changed records would stop a commit.
 */
#include "cli.h"
#include "buf.h"
#include "check.h"
#include "commit.h"
#include "conflict.h"
#include "diag.h"
#include "repo.h"

#include <stdlib.h>
#include <string.h>

static const struct cmd_info info = {
	"khaosat status [--json]",
	"Show the survey's new, modified and deleted records and schema files\n"
	"since the last commit, and which changed records are invalid.",
};

static const char *change_name(enum ks_change_kind k)
{
	switch (k) {
	case KS_CHANGE_NEW:
		return "new";
	case KS_CHANGE_MODIFIED:
		return "modified";
	case KS_CHANGE_DELETED:
		return "deleted";
	}
	return "?";
}

int cmd_status(int argc, char **argv, struct cli *cli)
{
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_changes c = { 0 };
	const struct ks_identity *who;
	int json = 0, err, ninvalid = 0;
	size_t i;
	const struct opt opts[] = {
		{ 0, "json", NULL, OPT_FLAG, &json, "print the changes as JSON" },
		OPT_END_MARK,
	};
	int *invalid = NULL;

	if ((err = parse_options(&argc, argv, &info, opts)))
		return err;
	if (argc)
		return usage_error(&info, "status takes no arguments");
	if ((err = open_survey(cli, &d)))
		return fail(&d, err);
	if ((err = ks_changes_list(&c, cli->repo, &d)))
		return fail(&d, err);
	invalid = calloc(c.n + 1, sizeof(*invalid));
	for (i = 0; i < c.n; i++) {
		struct ks_diags rd = KS_DIAGS_INIT;

		if (c.v[i].what == KS_CHANGE_DELETED ||
		    strncmp(c.v[i].path, KS_RECORDS_DIR "/",
			    strlen(KS_RECORDS_DIR) + 1))
			continue;
		if (ks_check_record(cli->repo, c.v[i].path, NULL, NULL, &rd)) {
			invalid[i] = (int)(rd.errors ? rd.errors : 1);
			ninvalid++;
		}
		ks_diags_release(&rd);
	}
	who = ks_repo_identity(cli->repo);
	if (json) {
		struct ks_buf b = KS_BUF_INIT;

		ks_buf_puts(&b, "{\"survey\":");
		ks_json_string(&b, ks_repo_name(cli->repo));
		ks_buf_puts(&b, ",\"device\":");
		ks_json_string(&b, who->device ? who->device : "");
		ks_buf_puts(&b, ",\"changes\":[");
		for (i = 0; i < c.n; i++) {
			ks_buf_addf(&b, "%s{\"change\":\"%s\",\"path\":", i ? "," : "",
				    change_name(c.v[i].what));
			ks_json_string(&b, c.v[i].path);
			ks_buf_addf(&b, ",\"errors\":%d}", invalid[i]);
		}
		ks_buf_puts(&b, "]}\n");
		fputs(b.ptr, stdout);
		ks_buf_release(&b);
	} else {
		printf("Survey \"%s\", device %s (%s)\n", ks_repo_name(cli->repo),
		       who->device ? who->device : "?",
		       who->surveyor ? who->surveyor : "no surveyor set");
		if (!c.n)
			printf("Nothing to commit: every record is committed.\n");
		else
			printf("Changes not committed yet:\n");
		for (i = 0; i < c.n; i++) {
			printf("  %-9s %s", change_name(c.v[i].what), c.v[i].path);
			if (invalid[i])
				printf("  (invalid: %d error%s)", invalid[i],
				       invalid[i] == 1 ? "" : "s");
			printf("\n");
		}
		{
			struct ks_conflict_set cs = { 0 };
			struct ks_diags cd = KS_DIAGS_INIT;

			if (ks_conflicts_load(&cs, cli->repo, NULL, &cd) == 0 && cs.n)
				printf("%zu open conflict%s; see 'khaosat conflicts'.\n",
				       cs.n, cs.n == 1 ? "" : "s");
			ks_conflict_set_release(&cs);
			ks_diags_release(&cd);
		}
		if (ninvalid)
			printf("%d record%s invalid; see 'khaosat check'. A commit is refused until %s fixed.\n",
			       ninvalid, ninvalid == 1 ? " is" : "s are",
			       ninvalid == 1 ? "it is" : "they are");
		else if (c.n)
			printf("Record them with 'khaosat commit -m MESSAGE'.\n");
	}
	free(invalid);
	ks_changes_release(&c);
	ks_diags_release(&d);
	return EXIT_OK;
}
