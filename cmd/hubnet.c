/*
 * What sync and clone share when they talk to a hub: the bound on a silent
 * hub taken from KHAOSAT_HUB_TIMEOUT.
 */
#include "cli.h"
#include "netstream.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>

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
