/*
 * khaosat sync PATH: exchange survey data with a folder of bundles (a USB
 * stick).  What a sync brings in is listed per device, then what it wrote;
 * a bundle that was refused is named with the reason, and the rest of the
 * sync still happens.
 */
#include "cli.h"
#include "buf.h"
#include "check.h"
#include <errno.h>
#include "alloc.h"
#include "diag.h"
#include "intl.h"
#include "hub.h"
#include "remote.h"
#include "stick.h"
#include "sync.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const struct cmd_info info = {
	"khaosat sync [-v] [PATH|REMOTE|URL]",
	N_("Sync with a USB stick or any folder: take in the other laptops'\n"
	"package files from PATH/<survey id>/, combine them with this laptop's\n"
	"survey history field by field (a conflict is kept for review; the sync\n"
	"always finishes), then write this laptop's package file there. With a\n"
	"centre hub (a name from 'khaosat remote', a URL, or a hub's path): take\n"
	"in every laptop's work from the hub, combine it, and send this laptop's\n"
	"history there. Without an argument: the default hub. Save your changes\n"
	"to the survey history first ('khaosat commit')."),
};

static void print_count(size_t n, const char *what, int *first)
{
	if (!n)
		return;
	printf("%s%zu %s", *first ? "" : ", ", n, what);
	*first = 0;
}

static void print_peer(const struct ks_sync_peer *p, const char *self)
{
	int first = 1;

	printf("  %-12s ", p->base ? _("(shared)") : p->device);
	switch (p->state) {
	case KS_PEER_REFUSED:
		if (p->alien)
			fputs(_("not merged: work under this laptop's device id made elsewhere (see the error above)\n"), stdout);
		else if (!strcmp(p->device, self))
			fputs(_("this laptop's own, not usable (see the warning above)\n"), stdout);
		else if (p->base)
			fputs(_("not usable (see above)\n"), stdout);
		else
			fputs(_("refused (see the error above)\n"), stdout);
		return;
	case KS_PEER_WAITING:
		fputs(_("not applied yet (see the error above)\n"), stdout);
		return;
	default:
		break;
	}
	if (p->unapproved) {
		printf(Q_("%zu save waits for the centre to approve this laptop (key %s); kept here, taken in at the first sync after the approval\n",
			  "%zu saves wait for the centre to approve this laptop (key %s); kept here, taken in at the first sync after the approval\n",
			  p->unapproved),
		       p->unapproved, p->key);
		return;
	}
	if (!p->merged) {
		if (!strcmp(p->device, self))
			fputs(_("this laptop's own\n"), stdout);
		else if (p->state == KS_PEER_IMPORTED)
			fputs(_("nothing beyond what the others brought\n"), stdout);
		else
			fputs(_("nothing new\n"), stdout);
		return;
	}
	print_count(p->added, Q_("record added", "records added", p->added), &first);
	print_count(p->changed, Q_("changed", "changed", p->changed), &first);
	print_count(p->deleted, Q_("deleted", "deleted", p->deleted), &first);
	print_count(p->files, Q_("survey file changed (schema, khaosat.yaml, members.yaml or allowed_signers)",
				 "survey files changed (schemas, khaosat.yaml, members.yaml, allowed_signers)",
				 p->files), &first);
	if (first)
		fputs(_("history only"), stdout);
	if (p->merge.conflicts)
		printf(Q_("; %zu conflict kept for review", "; %zu conflicts kept for review",
			  p->merge.conflicts), p->merge.conflicts);
	printf("\n");
}

static void human(char *out, size_t size, unsigned long long n)
{
	if (n >= 1024 * 1024)
		snprintf(out, size, "%.1f MB", n / 1048576.0);
	else if (n >= 1024)
		snprintf(out, size, "%.1f kB", n / 1024.0);
	else
		snprintf(out, size, Q_("%llu byte", "%llu bytes", n), n);
}

void print_sync(const struct ks_sync_report *rep, const char *self,
		int verbose)
{
	size_t i, conflicts = 0;
	char size[32], hex[GIT_OID_HEXSZ + 1];
	const char *own = rep->own ? strrchr(rep->own, '/') : NULL;

	for (i = 0; i < rep->npeers; i++)
		conflicts += rep->peers[i].merge.conflicts;
	/* Setting up a laptop: only what was merged on top of the first. */
	if (rep->npeers && (rep->own || !git_oid_equal(&rep->before, &rep->after)))
		printf(_("From %s:\n"), rep->folder);
	for (i = 0; i < rep->npeers; i++)
		if (rep->own || rep->peers[i].merged || rep->peers[i].unapproved ||
		    rep->peers[i].state >= KS_PEER_REFUSED)
			print_peer(&rep->peers[i], self);
	if (rep->swept)
		printf(Q_("Removed %zu unfinished temporary file.\n",
			  "Removed %zu unfinished temporary files.\n", rep->swept),
		       rep->swept);
	if (rep->hub && rep->tries) {
		if (rep->pushed && verbose)
			printf(rep->tries > 1
			       ? _("Pushed main to %s as devices/%s (the hub moved meanwhile: merged again).\n")
			       : _("Pushed main to %s as devices/%s.\n"), rep->hub, self);
		else if (rep->pushed)
			printf(rep->tries > 1
			       ? _("Sent this laptop's survey history to %s (it changed meanwhile: combined again).\n")
			       : _("Sent this laptop's survey history to %s.\n"), rep->hub);
		else
			printf(_("%s already has everything of this laptop.\n"), rep->hub);
	}
	if (rep->base) {
		const char *base = strrchr(rep->base, '/');

		human(size, sizeof(size), (unsigned long long)rep->base_out.bytes);
		printf(Q_("Wrote %s%s: the whole survey history, shared by every laptop, %zu save, %s.\n",
			  "Wrote %s%s: the whole survey history, shared by every laptop, %zu saves, %s.\n",
			  rep->base_out.commits), base ? base + 1 : rep->base,
		       rep->base_replaced ? _(" again (the one there could not be used)") : "",
		       rep->base_out.commits, size);
	}
	if (rep->own) {
		own = own ? own + 1 : rep->own;
		if (rep->wrote) {
			const char *again = rep->replaced
				? _(" again (the one there could not be used)") : "";

			human(size, sizeof(size), (unsigned long long)rep->out.bytes);
			if (!rep->full && !rep->out.commits)
				printf(_("Wrote %s%s: nothing beyond the shared bundle, %s.\n"),
				       own, again, size);
			else
				printf(Q_("Wrote %s%s: %s, %zu save, %s.\n",
					  "Wrote %s%s: %s, %zu saves, %s.\n",
					  rep->out.commits), own,
				       again, rep->full ? _("the whole survey history")
						 : _("what the shared bundle lacks"),
				       rep->out.commits, size);
		} else {
			printf(_("%s there is up to date.\n"), own);
		}
	}
	git_oid_tostr(hex, sizeof(hex), &rep->after);
	if (verbose && !git_oid_equal(&rep->before, &rep->after))
		printf(_("main is now %.10s.\n"), hex);
	else if (verbose && (rep->own || rep->tries))
		printf(_("main unchanged at %.10s.\n"), hex);
	else if (!git_oid_equal(&rep->before, &rep->after))
		fputs(_("The survey history now holds what came in.\n"), stdout);
	else if (rep->own || rep->tries)
		fputs(_("Nothing came in: the survey history is as it was.\n"), stdout);
	if (conflicts)
		fputs(_("See the conflicts with 'khaosat conflicts'; settle each with 'khaosat resolve'.\n"),
		      stdout);
}

static int is_repository(const char *path)
{
	git_repository *r = NULL;
	int yes = git_repository_open_ext(&r, path, GIT_REPOSITORY_OPEN_NO_SEARCH |
					  GIT_REPOSITORY_OPEN_BARE, NULL) == 0;

	git_repository_free(r);
	git_error_clear();
	return yes;
}

/*
 * A remote's name, a URL, or a git repository's path is a hub; anything
 * else is a stick's folder (and a missing one is reported as such).
 */
static int is_hub(struct ks_repo *r, const char *target, struct stat *st)
{
	char *url = ks_remote_url(ks_repo_git(r), target);

	if (url) {
		ks_free(url);
		return 1;
	}
	if (stat(target, st) == 0)
		return S_ISDIR(st->st_mode) && is_repository(target);
	return ks_looks_like_url(target);
}

/* A stick's folder, as a person here would type it, and what ends a
 * folder's name in a path. */
#ifdef _WIN32
#define STICK_EXAMPLE "E:\\"
#define SEPARATORS "/\\"
#else
#define STICK_EXAMPLE "/media/usb"
#define SEPARATORS "/"
#endif

/*
 * A bare name that is neither a remote nor a folder here: say so, with
 * the hubs this laptop knows (a stick is given by its folder's path).
 */
static int unknown_target(struct ks_repo *r, const char *target,
			  struct ks_diags *d)
{
	struct ks_paths names = { 0 };
	struct ks_buf list = KS_BUF_INIT;
	size_t i;
	int err;

	if (ks_remote_names(ks_repo_git(r), &names) < 0)
		git_error_clear();
	for (i = 0; i < names.n; i++)
		ks_buf_addf(&list, "%s%s", i ? ", " : "", names.v[i]);
	if (names.n)
		err = ks_error(d, KS_ENOTFOUND, target, 0, 0,
			       "no hub of that name and no such folder; the hubs this laptop knows: %s (a stick is given by its folder, such as %s)",
			       list.ptr, STICK_EXAMPLE);
	else
		err = ks_error(d, KS_ENOTFOUND, target, 0, 0,
			       "no hub of that name and no such folder; this laptop knows no hub ('khaosat remote add NAME URL'; a stick is given by its folder, such as %s)",
			       STICK_EXAMPLE);
	ks_buf_release(&list);
	ks_paths_release(&names);
	return err;
}

int cmd_sync(int argc, char **argv, struct cli *cli)
{
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_sync_report rep;
	int err;

	char *def = NULL;
	const char *target;
	struct stat st;
	struct ks_net_opts net;
	int verbose = 0;
	const struct opt opts[] = {
		{ 'v', "verbose", NULL, OPT_FLAG, &verbose,
		  N_("also name the survey history's last save by its id, and the hub's name for this laptop's history") },
		OPT_END_MARK,
	};

	if ((err = parse_options(&argc, argv, &info, opts)) ||
	    (err = hub_net_opts(&net)))
		return err;
	if (argc > 1)
		return usage_error(&info, "give one stick folder or remote");
	if ((err = open_survey(cli, &d)))
		return fail(&d, err);
	if (!argc && !(def = ks_default_remote(cli->repo)))
		return usage_error(&info, "give the stick's folder or a remote; there is no default remote ('khaosat remote add NAME URL')");
	target = argc ? argv[0] : def;
	if (!strpbrk(target, SEPARATORS) && stat(target, &st) < 0 && errno == ENOENT &&
	    !is_hub(cli->repo, target, &st)) {
		ks_free(def);
		return fail(&d, unknown_target(cli->repo, target, &d));
	}
	if (is_hub(cli->repo, target, &st)) {
		catch_interrupts();
		err = ks_sync_remote(&rep, cli->repo, target, &net,
				     progress_bar(), &d);
		release_interrupts();
	} else {
		err = ks_sync_folder(&rep, cli->repo, target, 0, progress_bar(), &d);
	}
	ks_free(def);
	progress_done();
	note_drafts(cli->repo);
	if (err) {
		/* What came in before the failure is in main: say so. */
		if (!git_oid_is_zero(&rep.after) &&
		    !git_oid_equal(&rep.before, &rep.after)) {
			char *own = rep.own;

			rep.own = NULL;
			rep.tries = 0;
			print_sync(&rep, ks_repo_identity(cli->repo)->device, verbose);
			fflush(stdout);
			rep.own = own;
			note_clashes(cli->repo, &rep.before, &rep.after);
			note_rules_changed(cli->repo, &rep.before, &rep.after);
		}
		ks_sync_report_release(&rep);
		return interrupted_exit(fail(&d, err));
	}
	print_diags(&d);
	print_sync(&rep, ks_repo_identity(cli->repo)->device, verbose);
	fflush(stdout);
	note_clashes(cli->repo, &rep.before, &rep.after);
	note_rules_changed(cli->repo, &rep.before, &rep.after);
	ks_sync_report_release(&rep);
	err = d.errors ? EXIT_PROBLEMS : EXIT_OK;
	ks_diags_release(&d);
	return interrupted_exit(err);
}
