/*
 * khaosat clone SOURCE DIR: set up a new laptop from a stick, a bundle
 * file or a git remote, with its own device identity.
 */
#include "cli.h"
#include "intl.h"
#include "diag.h"
#include "clone.h"
#include "enrol.h"
#include "repo.h"
#include "sign.h"
#include "sshsig.h"

static const struct cmd_info info = {
	"khaosat clone SOURCE DIR --device ID --surveyor NAME [--email ADDR]\n"
	"                         [--centre-key SHA256:...]",
	N_("Set up a survey in DIR (new or empty) from SOURCE: a USB stick or\n"
	"folder of bundles (as 'khaosat sync' writes them), one bundle file, or\n"
	"a git remote (URL or path), kept as the remote 'centre'. Everything is\n"
	"checked before the work tree is written. The device id must be one no\n"
	"other laptop of the survey uses.\n"
	"In a signed survey, clone shows the key of the centre that started it:\n"
	"compare it with the one the centre gave you, or give it as\n"
	"--centre-key to refuse any other. This laptop gets its own key and asks\n"
	"to join; it works at once, and its work waits at the other laptops\n"
	"until the centre approves it ('khaosat device approve')."),
};

/* In a signed survey: whose survey it is, and this laptop's own key. */
static void print_joined(struct ks_repo *r, const char *device)
{
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_sshsig_key pub;
	struct ks_intro in;
	git_oid tip;
	char fp[KS_SSHSIG_FINGERPRINT_SIZE];

	if (git_reference_name_to_id(&tip, ks_repo_git(r), KS_MAIN_REF) < 0 ||
	    ks_enrol_introduction(&in, ks_repo_git(r), &tip, &d) || !in.is_signed) {
		git_error_clear();
		ks_diags_release(&d);
		return;
	}
	printf(_("The survey was started by its centre %s (%s) with key %s:\n"
		 "compare it with the key the centre gave you.\n"),
	       in.device, in.surveyor, in.fingerprint);
	if (ks_signer_own_key(&pub, ks_repo_git(r), &d) == 0 &&
	    ks_sshsig_key_fingerprint(fp, &pub) == 0)
		printf(_("This laptop (%s) has its own key %s and has asked to join.\n"
			 "Until the centre approves it, its work waits at the other laptops; nothing is lost.\n"),
		       device, fp);
	ks_diags_release(&d);
}

int cmd_clone(int argc, char **argv, struct cli *cli)
{
	struct ks_clone_opts o = { { 0 } };
	const char *device = NULL, *surveyor = NULL, *email = NULL;
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_sync_report rep;
	struct ks_repo *r = NULL;
	const struct opt opts[] = {
		{ 0, "device", "ID", OPT_STRING, &device,
		  N_("this laptop's device id: 2-12 lowercase letters and digits (md03)") },
		{ 0, "surveyor", "NAME", OPT_STRING, &surveyor,
		  N_("the surveyor's full name, as author of commits") },
		{ 0, "email", "ADDR", OPT_STRING, &email, N_("the surveyor's e-mail") },
		{ 0, "centre-key", "SHA256:...", OPT_STRING, &o.centre_key,
		  N_("the key the centre gave: refuse a survey started by any other") },
		OPT_END_MARK,
	};
	int err = parse_options(&argc, argv, &info, opts);

	if (err)
		return err;
	if (argc != 2)
		return usage_error(&info, "give the source and a new folder");
	if ((err = hub_net_opts(&o.net)))
		return err;
	if ((err = identity_from_options(&o.who, &info, device, surveyor, email)))
		return err;
	if ((err = lock_new_survey(cli, argv[1], &d)))
		return fail(&d, err);
	catch_interrupts();
	err = ks_clone(&r, &rep, argv[0], argv[1], &o, progress_bar(), &d);
	release_interrupts();
	progress_done();
	if (err)
		return interrupted_exit(fail(&d, err));
	print_diags(&d);
	if (rep.folder)
		print_sync(&rep, device, 0);
	printf(_("Set up survey \"%s\" (id %s) in %s\n"), ks_repo_name(r),
	       ks_repo_survey_id(r), ks_repo_workdir(r));
	if (rep.hub)
		printf(_("Device %s, surveyor %s. From now on, 'khaosat sync' syncs with the remote %s.\n"),
		       device, surveyor, rep.hub);
	else
		printf(_("Device %s, surveyor %s. From now on, 'khaosat sync' with the stick.\n"),
		       device, surveyor);
	print_joined(r, device);
	ks_sync_report_release(&rep);
	ks_repo_free(r);
	err = d.errors ? EXIT_PROBLEMS : EXIT_OK;
	ks_diags_release(&d);
	(void)cli;
	return interrupted_exit(err);
}
