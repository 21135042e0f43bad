/*
 * What sync and clone share when they talk to a hub: how to reach it, read
 * from the environment (KHAOSAT_HUB_TIMEOUT, HOME's ssh keys, the ssh
 * agent, KHAOSAT_USERNAME and KHAOSAT_PASSWORD) and asked at the terminal;
 * and Ctrl-C.  A Ctrl-C (or SIGTERM)
 * only cuts the network (ks_net_cancel), so that core stops at its next
 * safe step, removes its temporary folder and says what was kept; the
 * command then exits with 128 + the signal's number.  A second one stops
 * the program at once, as if nothing caught it (the folder is then swept
 * by a later sync).
 */
#include "cli.h"
#include "intl.h"
#include "alloc.h"
#include "hub.h"
#include "netstream.h"

#include <bsd/readpassphrase.h>
#include <sodium.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile sig_atomic_t caught;
static struct sigaction old_int, old_term;

static int hub_timeout_env(unsigned *out)
{
	const char *s = getenv("KHAOSAT_HUB_TIMEOUT");
	unsigned long v;
	char *end;

	*out = 0;
	if (!s || !*s)
		return 0;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (!isdigit((unsigned char)*s) || *end || errno || v < 1 ||
	    v > KS_NET_TIMEOUT_MAX) {
		fprintf(stderr, _("error: KHAOSAT_HUB_TIMEOUT is \"%s\"; give the seconds a silent hub is waited for, from 1 to %d\n"),
			s, KS_NET_TIMEOUT_MAX);
		return EXIT_USAGE;
	}
	*out = (unsigned)v;
	return 0;
}

/* The longest user name or password taken; a longer one is refused. */
#define ANSWER_MAX 1024

char *ask_one(const char *prompt, int hidden)
{
	char buf[ANSWER_MAX + 1];
	char *got = readpassphrase(prompt, buf, sizeof(buf),
				   RPP_REQUIRE_TTY | (hidden ? RPP_ECHO_OFF : RPP_ECHO_ON));
	char *s = NULL;

	if (got && strlen(buf) == ANSWER_MAX)
		fprintf(stderr, _("error: that is longer than %d characters\n"),
			ANSWER_MAX - 1);
	else if (got && *buf)
		s = ks_strdup(buf);
	sodium_memzero(buf, sizeof(buf));
	return s;
}

/*
 * A hub's user name and password, asked on the terminal (the password
 * without echo).  -1 when the person gives none.
 */
static int ask_credentials(const char *url, char **user, char **pass)
{
	progress_done();
	fprintf(stderr, _("The hub %s asks who you are.\n"), url);
	*pass = NULL;
	if (!(*user = ask_one(_("User name: "), 0)))
		return -1;
	if (!(*pass = ask_one(_("Password: "), 1))) {
		ks_free(*user);
		*user = NULL;
		return -1;
	}
	return 0;
}

int hub_net_opts(struct ks_net_opts *o)
{
	static char ssh_dir[PATH_MAX];
	const char *home = getenv("HOME");
	int err;

	memset(o, 0, sizeof(*o));
	if ((err = hub_timeout_env(&o->timeout)))
		return err;
	if (home && *home &&
	    snprintf(ssh_dir, sizeof(ssh_dir), "%s/.ssh", home) < (int)sizeof(ssh_dir))
		o->ssh_dir = ssh_dir;
	o->ssh_agent = getenv("SSH_AUTH_SOCK") != NULL;
	o->user = getenv("KHAOSAT_USERNAME");
	o->pass = getenv("KHAOSAT_PASSWORD");
	o->ask = interactive() ? ask_credentials : NULL;
	return 0;
}

static void on_signal(int sig)
{
	if (caught) {
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	caught = sig;
	ks_net_cancel();
}

void catch_interrupts(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a wait at the password prompt ends as well. */
	sa.sa_flags = 0;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
}

void release_interrupts(void)
{
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
}

int interrupted_exit(int code)
{
	return caught ? 128 + caught : code;
}
