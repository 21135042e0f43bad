/*
 * What sync and clone share when they talk to a hub: the bound on a silent
 * hub taken from KHAOSAT_HUB_TIMEOUT, and Ctrl-C.  A Ctrl-C (or SIGTERM)
 * only cuts the network (ks_net_cancel), so that core stops at its next
 * safe step, removes its temporary folder and says what was kept; the
 * command then exits with 128 + the signal's number.  A second one stops
 * the program at once, as if nothing caught it (the folder is then swept
 * by a later sync).
 */
#include "cli.h"
#include "netstream.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

static volatile sig_atomic_t caught;
static struct sigaction old_int, old_term;

int hub_timeout_env(unsigned *out)
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
		fprintf(stderr, "error: KHAOSAT_HUB_TIMEOUT is \"%s\"; give the seconds a silent hub is waited for, from 1 to %d\n",
			s, KS_NET_TIMEOUT_MAX);
		return EXIT_USAGE;
	}
	*out = (unsigned)v;
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
