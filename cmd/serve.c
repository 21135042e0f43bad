/*
 * khaosat serve: the survey in a web browser, on this laptop (web/).
 */
#include "cli.h"
#include "global.h"
#include "intl.h"
#include "diag.h"
#include "repo.h"
#include "server.h"
#include "alloc.h"
#include "run.h"

#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifndef _WIN32
#include <sys/wait.h>
#endif
#include <unistd.h>

static const struct cmd_info info = {
	"khaosat serve [--port N] [--listen ADDR [--allow-writes]] [--open]",
	N_("Serve the survey's pages to a web browser on this laptop, with no\n"
	"internet: an overview, the records with search, each record by its\n"
	"titles and labels with its problems, forms to add and change records,\n"
	"conflicts settled with a click, sync, figures and export. Prints the\n"
	"address to open (it holds a key: only who has the address gets in) and\n"
	"serves until Ctrl-C. With --listen on another address than 127.0.0.1\n"
	"the pages are read-only, unless --allow-writes sets a password for\n"
	"changing records. The pages speak the survey's language, Vietnamese\n"
	"unless the survey or KHAOSAT_LANGUAGE says otherwise."),
};

/*
 * The password for writing over the LAN: KHAOSAT_SERVE_PASSWORD (wiped
 * from the environment once read), or asked twice on the terminal.  NULL
 * when none is given or the two differ.
 */
static char *write_password(void)
{
	const char *env = getenv("KHAOSAT_SERVE_PASSWORD");
	char *a, *b;
	int same;

	if (env && *env) {
		a = ks_strdup(env);
		unsetenv("KHAOSAT_SERVE_PASSWORD");
		return a;
	}
	if (!(a = ask_one(_("Password for changing records over the network: "), 1)))
		return NULL;
	b = ask_one(_("The same password again: "), 1);
	same = b && !strcmp(a, b);
	if (b) {
		sodium_memzero(b, strlen(b));
		ks_free(b);
	}
	if (!same) {
		sodium_memzero(a, strlen(a));
		ks_free(a);
		return NULL;
	}
	return a;
}

/* Asks the desktop to open `url`; a laptop without one is told to. */
static void open_browser(const char *url)
{
	if (ks_open_url(url) < 0)
		fputs(_("note: cannot open a browser; open the address above in one\n"),
		      stderr);
}

int cmd_serve(int argc, char **argv, struct cli *cli)
{
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_serve_opts o = { NULL, 0, 0, KS_VERSION, NULL };
	struct ks_server *s = NULL;
	const char *port = NULL;
#ifndef _WIN32
	sigset_t stop;
#endif
	int open = 0, writes = 0, err, sig = 0;
	char *password = NULL;
	const struct opt opts[] = {
		{ 'p', "port", "N", OPT_STRING, &port,
		  N_("the port to serve on (default: a free one)") },
		{ 0, "listen", "ADDR", OPT_STRING, &o.listen,
		  N_("the IPv4 address to listen on (default: 127.0.0.1, this laptop only)") },
		{ 0, "open", NULL, OPT_FLAG, &open,
		  N_("open the address in the desktop's web browser") },
		{ 0, "allow-writes", NULL, OPT_FLAG, &writes,
		  N_("with --listen: who gives a password (asked now, or KHAOSAT_SERVE_PASSWORD) may change records") },
		OPT_END_MARK,
	};

	if ((err = parse_options(&argc, argv, &info, opts)))
		return err;
	if (argc)
		return usage_error(&info, "serve takes no arguments");
	if (port) {
		char *end;
		unsigned long v = strtoul(port, &end, 10);

		if (!*port || *end || v > 65535)
			return usage_error(&info, "--port takes a number from 0 to 65535");
		o.port = (unsigned)v;
	}
	if (writes && !o.listen)
		return usage_error(&info, "--allow-writes is for --listen: on this laptop alone, writing is always open");
	if (writes && !(password = write_password()))
		return usage_error(&info, "--allow-writes needs a password: give the same one twice, or set KHAOSAT_SERVE_PASSWORD");
	o.write_password = password;
	if ((err = open_survey(cli, &d)))
		goto out;
	/* a browser waits for a save a few seconds, not minutes */
	o.lock_ms = lock_timeout_ms() < 10000 ? lock_timeout_ms() : 10000;
	if (!ks_repo_language(cli->repo))
		lang_use("vi");
#ifndef _WIN32
	/* The server's thread inherits the mask: the signals come here. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
#endif
	/*
	 * hours of pages: libgit2 holds 8 MB of objects and maps 16 of packs
	 * (a first check reads every record blob from the pack: with 32 MB
	 * mapped the server peaked at 107 MB, with 16 at 88, as fast)
	 */
	if (ks_global_long_running((size_t)8 << 20, (size_t)16 << 20) < 0)
		err = ks_error(&d, KS_EIO, NULL, 0, 0, "cannot set up git: %s",
			       ks_git_error());
	else
		err = ks_server_start(&s, cli->repo, &o, &d);
	if (password) {
		/* the server keeps only a keyed hash of it */
		sodium_memzero(password, strlen(password));
		ks_free(password);
		password = NULL;
	}
	if (err)
		goto out;
	printf(_("Serving the survey \"%s\" at\n  %s\nOpen that address in a web browser; Ctrl-C stops.\n"),
	       ks_repo_name(cli->repo), ks_server_url(s));
	fflush(stdout);
	if (open)
		open_browser(ks_server_url(s));
#ifdef _WIN32
	ks_win_wait_for_stop();
	(void)sig;
	ks_server_stop(s);
#else
	sigwait(&stop, &sig);
	ks_server_stop(s);
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
#endif
	fputs(_("Stopped serving.\n"), stdout);
	ks_diags_release(&d);
	return EXIT_OK;
out:
	if (password) {
		sodium_memzero(password, strlen(password));
		ks_free(password);
	}
	return fail(&d, err);
}
