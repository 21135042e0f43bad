/*
 * khaosat init: create a survey repository with the default schema pack and
 * this laptop's device identity.
 */
#include "cli.h"
#include "intl.h"
#include "diag.h"
#include "init.h"
#include "repo.h"
#include "sign.h"
#include "sshsig.h"
#include "remote.h"

static const struct cmd_info info = {
	"khaosat init [DIR] --device ID --surveyor NAME [--email ADDR] [--name NAME]\n"
	"   or: khaosat init --bare DIR",
	N_("Create a survey repository in DIR (default: the current folder) with\n"
	"khaosat.yaml, the default schemas and a first commit. The device id and\n"
	"surveyor are this laptop's identity: local configuration, never synced.\n"
	"The survey is signed: this laptop gets its own key and is the survey's\n"
	"centre in members.yaml; only laptops the centre approves may change it\n"
	"(see 'khaosat device'). With --unsigned, any laptop may change anything.\n"
	"With --bare, create a hub for LAN sync instead: a bare repository that\n"
	"refuses rewinding or deleting refs; a first laptop's sync fills it."),
};

int cmd_init(int argc, char **argv, struct cli *cli)
{
	struct ks_init_opts o = { 0 };
	const char *device = NULL, *surveyor = NULL, *email = NULL;
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_repo *r = NULL;
	int bare = 0, unsigned_mode = 0;
	const struct opt opts[] = {
		{ 0, "bare", NULL, OPT_FLAG, &bare,
		  N_("create a hub (a bare repository) for LAN sync") },
		{ 0, "device", "ID", OPT_STRING, &device,
		  N_("this laptop's device id: 2-12 lowercase letters and digits (md01)") },
		{ 0, "surveyor", "NAME", OPT_STRING, &surveyor,
		  N_("the surveyor's full name, as author of commits") },
		{ 0, "email", "ADDR", OPT_STRING, &email, N_("the surveyor's e-mail") },
		{ 0, "name", "NAME", OPT_STRING, &o.name,
		  N_("the survey's name (default: the folder's name)") },
		{ 0, "unsigned", NULL, OPT_FLAG, &unsigned_mode,
		  N_("no members file and no keys: any laptop may change anything") },
		OPT_END_MARK,
	};
	int err = parse_options(&argc, argv, &info, opts);

	if (err)
		return err;
	if (argc > 1)
		return usage_error(&info, "too many arguments");
	if (bare) {
		if (argc != 1)
			return usage_error(&info, "give the hub's folder");
		if (device || surveyor || email || o.name)
			return usage_error(&info, "a hub has no device identity or name; use --bare alone");
		if ((err = lock_new_survey(cli, argv[0], &d)) ||
		    (err = ks_hub_init(argv[0], &d)))
			return fail(&d, err);
		printf(_("Created a hub in %s. On the first laptop: khaosat remote add centre URL; khaosat sync\n"),
		       argv[0]);
		ks_diags_release(&d);
		return EXIT_OK;
	}
	if ((err = identity_from_options(&o.who, &info, device, surveyor, email)))
		return err;
	o.unsigned_mode = unsigned_mode;
	err = lock_new_survey(cli, argc ? argv[0] : ".", &d);
	if (!err)
		err = ks_repo_init(&r, argc ? argv[0] : ".", &o, &d);
	if (err)
		return fail(&d, err);
	printf(_("Created survey \"%s\" (id %s) in %s\n"), ks_repo_name(r),
	       ks_repo_survey_id(r), ks_repo_workdir(r));
	printf(_("Device %s, surveyor %s. Add a record with 'khaosat new workshop'.\n"),
	       device, surveyor);
	if (unsigned_mode) {
		fputs(_("Unsigned survey: any laptop may change anything.\n"), stdout);
	} else {
		struct ks_sshsig_key pub;
		char fp[KS_SSHSIG_FINGERPRINT_SIZE];

		if (ks_signer_own_key(&pub, ks_repo_git(r), &d) == 0 &&
		    ks_sshsig_key_fingerprint(fp, &pub) == 0)
			printf(_("Signed survey: this laptop is its centre, with key %s.\n"
				 "Give that key to every laptop that joins: 'khaosat clone' shows it to compare.\n"),
			       fp);
	}
	ks_repo_free(r);
	ks_diags_release(&d);
	return EXIT_OK;
}
