/*
 * khaosat device list|add|remove: the survey's members (members.yaml):
 * which laptops may change what, with which key.  add and remove commit
 * the members file, and only it; in a signed survey only the centre's
 * commits of it are authentic (see core/auth.h).
 */
#include "cli.h"
#include "intl.h"
#include "alloc.h"
#include "buf.h"
#include "commit.h"
#include "diag.h"
#include "enrol.h"
#include "file.h"
#include "members.h"
#include "repo.h"
#include "sign.h"
#include "sshkey.h"
#include "sshsig.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const struct cmd_info info = {
	"khaosat device list\n"
	"   or: khaosat device approve DEVICE [--role ROLE] [--surveyor NAME]\n"
	"   or: khaosat device add DEVICE --surveyor NAME --role ROLE [--key KEY]\n"
	"                          [--from WHEN] [--until WHEN]\n"
	"   or: khaosat device remove DEVICE [--until WHEN]",
	N_("The survey's members (members.yaml): each laptop's device id, its\n"
	"surveyor, its role (centre: everything; surveyor: records and their\n"
	"conflicts; auditor: nothing) and the ed25519 SSH key its commits are\n"
	"signed with (KEY: a .pub file, or the key itself). list also shows the\n"
	"new laptops that asked to join and whose work waits here; approve\n"
	"makes one a member (a surveyor unless --role says otherwise) with the\n"
	"key its work is signed with, and its work is taken in at the next sync.\n"
	"approve, add and remove commit members.yaml and nothing else, and only\n"
	"the centre's such commits are taken; remove keeps the member, with\n"
	"the time it stops (now, or WHEN), so what it signed before stays\n"
	"authentic. WHEN is a date (2026-12-05, the whole day in Vietnam) or\n"
	"a time (2026-12-05T10:30:00+07:00)."),
};

/* The laptops whose work waits for approval, after the members. */
static int list_waiting(struct cli *cli, struct ks_diags *d)
{
	struct ks_waiting *w = NULL;
	size_t i, n = 0;
	int err = ks_enrol_waiting(&w, &n, ks_repo_git(cli->repo), d);

	if (err || !n)
		return err;
	fputs(_("\nAsked to join; their work waits here for the centre's approval:\n"), stdout);
	for (i = 0; i < n; i++)
		printf(Q_("%-12s %-8s %s  %s  (%zu commit: khaosat device approve %s)\n",
			  "%-12s %-8s %s  %s  (%zu commits: khaosat device approve %s)\n",
			  w[i].commits),
		       w[i].device, "-", w[i].fingerprint, w[i].surveyor,
		       w[i].commits, w[i].device);
	ks_free(w);
	return 0;
}

static int list(struct cli *cli)
{
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_members *m = NULL;
	size_t i;
	int err;

	if ((err = open_survey(cli, &d)) || (err = ks_enrol_members(&m, cli->repo, &d)) < 0)
		return fail(&d, err);
	if (!err) {
		fputs(_("No members file: this survey is not signed. The centre starts with\n"
			"'khaosat device add DEVICE --surveyor NAME --role centre --key KEY'.\n"),
		      stdout);
		ks_diags_release(&d);
		return EXIT_OK;
	}
	for (i = 0; i < ks_members_count(m); i++) {
		const struct ks_member *mb = ks_members_at(m, i);
		char fp[KS_SSHSIG_FINGERPRINT_SIZE] = "?";
		struct ks_sshsig_key k;

		if (ks_sshsig_key_parse(&k, mb->key, strlen(mb->key), NULL) == 0)
			ks_sshsig_key_fingerprint(fp, &k);
		printf("%-12s %-8s %s  %s", mb->device, ks_role_name(mb->role),
		       fp, mb->surveyor);
		if (mb->from_text)
			printf(_("  from %s"), mb->from_text);
		if (mb->until_text)
			printf(_("  until %s"), mb->until_text);
		putchar('\n');
	}
	ks_members_free(m);
	if ((err = list_waiting(cli, &d)))
		return fail(&d, err);
	ks_diags_release(&d);
	return EXIT_OK;
}

/* The key given: the first line of a .pub file, or the text itself. */
static char *key_of(const char *arg, struct ks_diags *d)
{
	struct ks_buf text = KS_BUF_INIT;
	char *nl;

	if (!strncmp(arg, "ssh-", 4))
		return ks_strdup(arg);
	if (!*arg) {
		ks_error(d, KS_EINVALID, NULL, 0, 0,
			 "--key is empty: give a .pub file or the key itself");
		return NULL;
	}
	if (ks_buf_read_file(&text, arg, 64 * 1024) < 0) {
		ks_error(d, KS_EINVALID, arg, 0, 0,
			 "cannot read the key: %s (give a .pub file or the key itself)",
			 strerror(errno));
		return NULL;
	}
	if ((nl = strchr(text.ptr, '\n')))
		*nl = '\0';
	return ks_buf_detach(&text, NULL);
}

/* Now, as a time with Vietnam's offset. */
static void now_text(char *buf, size_t n)
{
	time_t t = time(NULL) + 7 * 3600;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, n, "%Y-%m-%dT%H:%M:%S+07:00", &tm);
}

/*
 * Writes `m` as members.yaml and commits it alone; the file goes back as
 * it was when the commit is refused.
 */
static int save(struct cli *cli, const struct ks_members *m,
		const char *message, struct ks_diags *d)
{
	struct ks_changes ch = { 0 };
	struct ks_buf text = KS_BUF_INIT, old = KS_BUF_INIT;
	char *abs = ks_repo_path(cli->repo, KS_MEMBERS_FILE);
	int had, err;
	size_t i;
	git_oid out;

	if (!abs)
		return -1;
	if ((err = ks_changes_list(&ch, cli->repo, d)))
		goto out;
	for (i = 0; i < ch.n; i++)
		if (strcmp(ch.v[i].path, KS_MEMBERS_FILE)) {
			err = ks_error(d, KS_EINVALID, ch.v[i].path, 0, 0,
				       "not committed yet: commit it first ('khaosat commit'), so that this change of the members is a commit of its own");
			goto out;
		}
	had = ks_buf_read_file(&old, abs, 1024 * 1024) == 0;
	if ((err = ks_members_write(&text, m)) ||
	    (err = ks_file_put_text(abs, &text, KS_FILE_DURABLE, d)))
		goto out;
	if ((err = ks_commit_changes(&out, cli->repo, message, d))) {
		/* Nothing committed: the file as it was. */
		if (had)
			ks_file_put_text(abs, &old, KS_FILE_DURABLE, d);
		else
			unlink(abs);
	}
out:
	ks_changes_release(&ch);
	ks_buf_release(&text);
	ks_buf_release(&old);
	ks_free(abs);
	return err;
}

/*
 * The commit just made started signed mode: this laptop remembers it as the
 * survey's introduction, as init does, for verify.  Said, not fatal.
 */
static void remember_introduction(struct cli *cli, struct ks_diags *d)
{
	git_repository *repo = ks_repo_git(cli->repo);
	struct ks_intro in;
	git_oid tip;

	if (git_reference_name_to_id(&tip, repo, KS_MAIN_REF) < 0 ||
	    ks_enrol_introduction(&in, repo, &tip, d) || !in.is_signed ||
	    ks_enrol_remember(repo, &in) < 0) {
		git_error_clear();
		return;
	}
	printf(_("The survey is signed from this commit on: its introduction is commit %.10s, key %s.\n"),
	       git_oid_tostr_s(&in.root), in.fingerprint);
}

static int add(struct cli *cli, const char *device, const char *surveyor,
	       const char *role, const char *keyarg, const char *from,
	       const char *until)
{
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_members *m = NULL;
	struct ks_buf msg = KS_BUF_INIT;
	enum ks_role rl;
	char *key = NULL;
	int err, starts;

	if (!surveyor || !role)
		return usage_error(&info, "add needs --surveyor and --role (and --key, unless DEVICE is this laptop)");
	if (ks_role_parse(&rl, role) < 0)
		return usage_error(&info, "no role '%s': centre, surveyor or auditor", role);
	if ((err = open_survey(cli, &d)) || (err = ks_enrol_members(&m, cli->repo, &d)) < 0)
		return fail(&d, err);
	err = -1;
	starts = !m;
	if (!m && !(m = ks_members_new()))
		goto out;
	if (!keyarg && !strcmp(device, ks_repo_identity(cli->repo)->device)) {
		/* This laptop: its own key, made now if it has none. */
		struct ks_sshsig_key pub;
		struct ks_buf text = KS_BUF_INIT;

		if ((err = ks_signer_make_key(&pub, ks_repo_git(cli->repo), device, &d)))
			goto out;
		if (ks_sshkey_public_text(&text, &pub, NULL) < 0) {
			err = -1;
			goto out;
		}
		key = ks_buf_detach(&text, NULL);
	} else if (!keyarg) {
		err = ks_error(&d, KS_EINVALID, NULL, 0, 0,
			       "--key is needed for another laptop than this one (%s): its .pub file or the key itself; a laptop set up with 'khaosat clone' asks to join by itself ('khaosat device approve')",
			       ks_repo_identity(cli->repo)->device);
		goto out;
	} else if (!(key = key_of(keyarg, &d))) {
		err = KS_EINVALID;
		goto out;
	}
	if ((err = ks_members_add(m, device, surveyor, rl, key, from, until, &d)))
		goto out;
	err = -1;
	/* The history's message, in the survey's language. */
	if (ks_buf_addf(&msg, _("Members: add %s (%s, %s)"), device, role, surveyor) < 0)
		goto out;
	if ((err = save(cli, m, msg.ptr, &d)))
		goto out;
	if (starts)
		remember_introduction(cli, &d);
	printf(_("Added %s (%s, %s) to the members.\n"), device, role, surveyor);
out:
	ks_free(key);
	ks_buf_release(&msg);
	ks_members_free(m);
	if (err)
		return fail(&d, err);
	ks_diags_release(&d);
	return EXIT_OK;
}

/*
 * Makes a laptop whose work waits here a member, with the key its work is
 * signed with.  Only a centre may: a surveyor's change of the members
 * would be refused by every other laptop.
 */
static int approve(struct cli *cli, const char *device, const char *role,
		   const char *surveyor)
{
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_members *m = NULL;
	struct ks_waiting *w = NULL, *it = NULL;
	struct ks_buf msg = KS_BUF_INIT;
	const struct ks_member *me;
	enum ks_role rl = KS_ROLE_SURVEYOR;
	size_t i, n = 0;
	int err;

	if (role && ks_role_parse(&rl, role) < 0)
		return usage_error(&info, "no role '%s': centre, surveyor or auditor", role);
	if ((err = open_survey(cli, &d)) || (err = ks_enrol_members(&m, cli->repo, &d)) < 0)
		return fail(&d, err);
	if (!err) {
		err = ks_error(&d, KS_ENOTFOUND, NULL, 0, 0,
			       "no members file: this survey is not signed, every laptop's work is taken");
		goto out;
	}
	me = ks_members_device(m, ks_repo_identity(cli->repo)->device);
	if (!me || me->role != KS_ROLE_CENTRE) {
		err = ks_error(&d, KS_EINVALID, NULL, 0, 0,
			       "only the centre approves laptops; this laptop is %s (%s)",
			       ks_repo_identity(cli->repo)->device,
			       me ? ks_role_name(me->role) : _("not a member"));
		goto out;
	}
	if ((err = ks_enrol_waiting(&w, &n, ks_repo_git(cli->repo), &d)))
		goto out;
	for (i = 0; i < n && !it; i++)
		if (!strcmp(w[i].device, device))
			it = &w[i];
	if (!it) {
		err = ks_error(&d, KS_ENOTFOUND, NULL, 0, 0,
			       "no work of %s waits here: sync with the stick or hub that holds its work first, or add its key with 'khaosat device add'",
			       device);
		goto out;
	}
	if ((err = ks_members_add(m, device, surveyor ? surveyor : it->surveyor, rl,
				  it->key, NULL, NULL, &d)))
		goto out;
	err = -1;
	if (ks_buf_addf(&msg, _("Members: approve %s (%s, %s)"), device,
			ks_role_name(rl), surveyor ? surveyor : it->surveyor) < 0)
		goto out;
	if ((err = save(cli, m, msg.ptr, &d)))
		goto out;
	printf(Q_("Approved %s (%s, %s) with key %s.\n"
		  "Its %zu commit waiting here is taken in at the next sync, and at the\n"
		  "other laptops once this approval reaches them.\n",
		  "Approved %s (%s, %s) with key %s.\n"
		  "Its %zu commits waiting here are taken in at the next sync, and at the\n"
		  "other laptops once this approval reaches them.\n",
		  it->commits),
	       device, ks_role_name(rl), surveyor ? surveyor : it->surveyor,
	       it->fingerprint, it->commits);
out:
	ks_free(w);
	ks_buf_release(&msg);
	ks_members_free(m);
	if (err)
		return fail(&d, err);
	ks_diags_release(&d);
	return EXIT_OK;
}

static int remove_member(struct cli *cli, const char *device, const char *until)
{
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_members *m = NULL;
	struct ks_buf msg = KS_BUF_INIT;
	char now[64];
	int err;

	if ((err = open_survey(cli, &d)) || (err = ks_enrol_members(&m, cli->repo, &d)) < 0)
		return fail(&d, err);
	if (!err) {
		err = ks_error(&d, KS_ENOTFOUND, NULL, 0, 0,
			       "no members file: this survey is not signed");
		goto out;
	}
	if (!until) {
		now_text(now, sizeof(now));
		until = now;
	}
	if ((err = ks_members_set_until(m, device, until, &d)))
		goto out;
	err = -1;
	if (ks_buf_addf(&msg, _("Members: %s stops signing at %s"), device, until) < 0)
		goto out;
	if ((err = save(cli, m, msg.ptr, &d)))
		goto out;
	printf(_("%s's commits made after %s are no longer taken.\n"), device, until);
out:
	ks_buf_release(&msg);
	ks_members_free(m);
	if (err)
		return fail(&d, err);
	ks_diags_release(&d);
	return EXIT_OK;
}

int cmd_device(int argc, char **argv, struct cli *cli)
{
	const char *surveyor = NULL, *role = NULL, *key = NULL, *from = NULL,
		   *until = NULL;
	const struct opt opts[] = {
		{ 0, "surveyor", "NAME", OPT_STRING, &surveyor, N_("add, approve: the surveyor's name") },
		{ 0, "role", "ROLE", OPT_STRING, &role, N_("add, approve: centre, surveyor or auditor") },
		{ 0, "key", "KEY", OPT_STRING, &key, N_("add: a .pub file, or the key itself (this laptop: its own)") },
		{ 0, "from", "WHEN", OPT_STRING, &from, N_("add: the first time the key may sign") },
		{ 0, "until", "WHEN", OPT_STRING, &until, N_("add, remove: the last time it may sign") },
		OPT_END_MARK,
	};
	int err;

	if ((err = parse_options(&argc, argv, &info, opts)))
		return err;
	if (argc < 1)
		return usage_error(&info, "give a subcommand: list, approve, add or remove");
	if (!strcmp(argv[0], "list")) {
		if (argc != 1)
			return usage_error(&info, "list takes no arguments");
		return list(cli);
	}
	if (!strcmp(argv[0], "add")) {
		if (argc != 2)
			return usage_error(&info, "give the device id to add");
		return add(cli, argv[1], surveyor, role, key, from, until);
	}
	if (!strcmp(argv[0], "approve")) {
		if (argc != 2)
			return usage_error(&info, "give the device id to approve");
		return approve(cli, argv[1], role, surveyor);
	}
	if (!strcmp(argv[0], "remove")) {
		if (argc != 2)
			return usage_error(&info, "give the device id to remove");
		return remove_member(cli, argv[1], until);
	}
	return usage_error(&info, "unknown subcommand '%s'; use list, approve, add or remove",
			   argv[0]);
}
