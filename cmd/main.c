/*
 * The khaosat binary: one table of subcommands, the shared set-up (libgit2,
 * the working folder), and a check that standard output was written in full
 * (a full disk is an error, not silence).
 */
#include "cli.h"
#include "diag.h"
#include "global.h"
#include "intl.h"
#include "lock.h"
#include "repo.h"

#include <errno.h>
#include <git2.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


const struct cmd_entry commands[] = {
	{ "init", cmd_init, LOCK_NONE, N_("create a survey repository") },
	{ "clone", cmd_clone, LOCK_NONE, N_("set up a laptop from a stick, a bundle or a remote") },
	{ "new", cmd_new, LOCK_SAVE, N_("add a record, by a form on a terminal or from values") },
	{ "edit", cmd_edit, LOCK_SAVE, N_("edit a record in a text editor, checked on save") },
	{ "delete", cmd_delete, LOCK_WRITE, N_("delete a record, with the reason, saved to the history") },
	{ "attach", cmd_attach, LOCK_SAVE, N_("attach photos and documents to a record") },
	{ "check", cmd_check, LOCK_READ, N_("validate records against their schemas") },
	{ "fmt", cmd_fmt, LOCK_WRITE, N_("rewrite records in canonical form") },
	{ "status", cmd_status, LOCK_READ, N_("show new, changed, deleted and invalid records") },
	{ "commit", cmd_commit, LOCK_WRITE, N_("record every change, if every record is valid") },
	{ "log", cmd_log, LOCK_READ, N_("list commits, or those that touched one record") },
	{ "show", cmd_show, LOCK_READ, N_("print a record, now or at an earlier commit") },
	{ "diff", cmd_diff, LOCK_READ, N_("show changes field by field") },
	{ "history", cmd_history, LOCK_READ, N_("every change of every field of a record") },
	{ "blame", cmd_blame, LOCK_READ, N_("who last set each field of a record") },
	{ "merge", cmd_merge, LOCK_WRITE, N_("merge another line of history, field by field") },
	{ "conflicts", cmd_conflicts, LOCK_READ, N_("list open conflicts and their proposals") },
	{ "resolve", cmd_resolve, LOCK_WRITE, N_("settle a conflict: take a proposal or a value") },
	{ "sync", cmd_sync, LOCK_WRITE, N_("exchange changes through a USB stick or a hub") },
	{ "remote", cmd_remote, LOCK_WRITE, N_("name the hubs this laptop syncs with") },
	{ "bundle", cmd_bundle, LOCK_WRITE, N_("write, check or apply a git bundle file") },
	{ "device", cmd_device, LOCK_WRITE, N_("the survey's members: who may change what, with which key") },
	{ "verify", cmd_verify, LOCK_READ, N_("audit objects, signatures, records and history") },
	{ "stats", cmd_stats, LOCK_READ, N_("count records by commune, type, surveyor, device, status") },
	{ "dupes", cmd_dupes, LOCK_READ, N_("list pairs of records that likely describe one thing") },
	{ "find", cmd_find, LOCK_READ, N_("list records whose name or address holds some words") },
	{ "export", cmd_export, LOCK_READ, N_("export records as a spreadsheet, CSV or JSON") },
	{ "serve", cmd_serve, LOCK_SAVE, N_("show the survey in a web browser on this laptop") },
	{ "help", cmd_help, LOCK_NONE, N_("show help for khaosat or one command") },
	{ NULL, NULL, LOCK_NONE, NULL },
};

static void main_usage(FILE *f)
{
	const struct cmd_entry *c;

	fprintf(f, "%s", _("usage: khaosat [-C DIR] COMMAND [OPTIONS] [ARGS]\n\n"
			 "khaosat keeps survey records (YAML files) in a git repository,\n"
			 "checks them against the survey's schemas and merges changes.\n\n"
			 "commands:\n"));
	for (c = commands; c->name; c++)
		fprintf(f, "  %-10s %s\n", c->name, _(c->summary));
	fprintf(f, "%s", _("\nRun 'khaosat help COMMAND' for the options of a command.\n"
			 "Exit codes: 0 ok, 1 problems found, 2 usage error, 3 no survey or\n"
			 "identity, 4 file system or git failure, 5 internal error,\n"
			 "130 stopped by Ctrl-C.\n"));
}

int cmd_help(int argc, char **argv, struct cli *cli)
{
	const struct cmd_entry *c;
	char *sub[3];

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		main_usage(stdout);
		return EXIT_OK;
	}
	for (c = commands; c->name; c++) {
		if (strcmp(c->name, argv[1]))
			continue;
		if (c->fn == cmd_help) {
			main_usage(stdout);
			return EXIT_OK;
		}
		sub[0] = argv[1];
		sub[1] = "--help";
		sub[2] = NULL;
		return c->fn(2, sub, cli);
	}
	fprintf(stderr, _("error: unknown command '%s'\n"), argv[1]);
	return EXIT_USAGE;
}

static int close_stdout(int code)
{
	if (fflush(stdout) != 0 || ferror(stdout) || fclose(stdout) != 0) {
#ifdef _WIN32
		/* a reader that went away: Windows' C library says EINVAL */
		if (errno == EINVAL)
			errno = EPIPE;
#endif
		if (errno != EPIPE) {
			fprintf(stderr, _("error: cannot write the output: %s\n"),
				strerror(errno));
			return code ? code : EXIT_IO;
		}
	}
	return code;
}

int main(int argc, char **argv)
{
	struct cli cli = { 0 };
	const struct cmd_entry *c;
	char cwd[PATH_MAX];
	int code, i = 1;

#ifdef _WIN32
	ks_win_start();
#endif
	lang_init();
	while (i < argc && argv[i][0] == '-') {
		if (!strcmp(argv[i], "-C") && i + 1 < argc) {
			if (chdir(argv[i + 1]) < 0) {
				fprintf(stderr, _("error: cannot enter '%s': %s\n"),
					argv[i + 1], strerror(errno));
				return EXIT_USAGE;
			}
			i += 2;
		} else if (!strcmp(argv[i], "--version")) {
			printf("khaosat %s\n", KS_VERSION);
			return close_stdout(EXIT_OK);
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			main_usage(stdout);
			return close_stdout(EXIT_OK);
		} else {
			fprintf(stderr, _("error: unknown option '%s'\n"), argv[i]);
			main_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (i >= argc) {
		main_usage(stderr);
		return EXIT_USAGE;
	}
	for (c = commands; c->name; c++)
		if (!strcmp(c->name, argv[i]))
			break;
	if (!c->name) {
		fprintf(stderr, _("error: unknown command '%s'; see 'khaosat help'\n"),
			argv[i]);
		return EXIT_USAGE;
	}
	if (!getcwd(cwd, sizeof(cwd))) {
		fprintf(stderr, _("error: cannot read the current folder: %s\n"),
			strerror(errno));
		return EXIT_IO;
	}
	cli.cwd = cwd;
	cli.command = c->name;
	cli.lock_mode = c->lock;
	if (ks_global_init() < 0) {
		fprintf(stderr, _("error: cannot start libgit2: %s\n"), ks_git_error());
		return EXIT_IO;
	}
	code = c->fn(argc - i, argv + i, &cli);
	if (code == PARSE_HELP)
		code = EXIT_OK;
	/*
	 * At 100,000 records, freeing git's index entry by entry is 60 M
	 * instructions the process's end does for nothing: nothing is left
	 * to write when a command returns.  Freed under AddressSanitizer,
	 * whose leak check would see it.
	 */
#if defined(__SANITIZE_ADDRESS__)
	ks_repo_free(cli.repo);
#endif
	ks_lock_free(cli.lock);
	ks_global_shutdown();
	return close_stdout(code);
}
