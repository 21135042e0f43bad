/*
 * khaosat remote add|list|remove: the hubs this laptop syncs with over a
 * network.  The first one added is the default for 'khaosat sync'.
 */
#include "cli.h"
#include "intl.h"
#include "alloc.h"
#include "check.h"
#include "diag.h"
#include "repo.h"
#include "remote.h"

#include <string.h>

static const struct cmd_info info = {
	"khaosat remote add NAME URL\n"
	"   or: khaosat remote list\n"
	"   or: khaosat remote remove NAME",
	N_("Name the hubs this laptop syncs with: a bare repository on a shared\n"
	"folder (a path or file:// URL), git://, ssh:// or user@host:path, or\n"
	"http(s)://. The first one added is the default for 'khaosat sync'."),
};

static int list(struct cli *cli)
{
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_paths names = { 0 };
	char *def;
	size_t i;
	int err;

	if ((err = open_survey(cli, &d)))
		return fail(&d, err);
	if (ks_remote_names(ks_repo_git(cli->repo), &names) < 0)
		return fail(&d, ks_error(&d, KS_EIO, NULL, 0, 0,
					 "cannot list the remotes: %s", ks_git_error()));
	def = ks_default_remote(cli->repo);
	for (i = 0; i < names.n; i++) {
		char *url = ks_remote_url(ks_repo_git(cli->repo), names.v[i]);

		if (!url)
			continue;
		printf("%s\t%s%s\n", names.v[i], url,
		       def && !strcmp(def, names.v[i]) ? "\t(default)" : "");
		ks_free(url);
	}
	if (!names.n)
		fputs(_("No remotes; add one with 'khaosat remote add NAME URL'.\n"), stdout);
	ks_free(def);
	ks_paths_release(&names);
	ks_diags_release(&d);
	return EXIT_OK;
}

int cmd_remote(int argc, char **argv, struct cli *cli)
{
	struct ks_diags d = KS_DIAGS_INIT;
	int err;

	if ((err = parse_options(&argc, argv, &info, NULL)))
		return err;
	if (argc < 1)
		return usage_error(&info, "give a subcommand: add, list or remove");
	if (!strcmp(argv[0], "list")) {
		if (argc != 1)
			return usage_error(&info, "list takes no arguments");
		return list(cli);
	}
	if (!strcmp(argv[0], "add")) {
		if (argc != 3)
			return usage_error(&info, "give a name and a URL");
		if ((err = open_survey(cli, &d)) ||
		    (err = ks_remote_add(cli->repo, argv[1], argv[2], &d)))
			return fail(&d, err);
		printf(_("Added remote %s: %s\n"), argv[1], argv[2]);
	} else if (!strcmp(argv[0], "remove")) {
		if (argc != 2)
			return usage_error(&info, "give the remote's name");
		if ((err = open_survey(cli, &d)) ||
		    (err = ks_remote_remove(cli->repo, argv[1], &d)))
			return fail(&d, err);
		printf(_("Removed remote %s\n"), argv[1]);
	} else {
		return usage_error(&info, "unknown subcommand '%s'; use add, list or remove",
				   argv[0]);
	}
	ks_diags_release(&d);
	return EXIT_OK;
}
