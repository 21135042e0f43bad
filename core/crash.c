/* Test-only kill points; see crash.h. */
#include "crash.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void ks_crash_point(const char *name)
{
	static int loaded;
	static long at, reached;
	static const char *trace, *at_name;
	static int sig = SIGKILL;

	if (!loaded) {
		const char *s = getenv("KHAOSAT_CRASH_AT");
		char *end;

		at = s ? strtol(s, &end, 10) : 0;
		if (s && *s && *end) {
			/* A name: the first point of that name. */
			at = 0;
			at_name = s;
		}
		trace = getenv("KHAOSAT_CRASH_TRACE");
		s = getenv("KHAOSAT_CRASH_SIGNAL");
		if (s && !strcmp(s, "STOP"))
			sig = SIGSTOP;
		loaded = 1;
	}
	if (!at && !at_name && !trace)
		return;
	reached++;
	if (trace) {
		FILE *f = fopen(trace, "a");

		if (f) {
			fprintf(f, "%ld %s\n", reached, name);
			fclose(f);
		}
	}
	if (reached == at || (at_name && !strcmp(name, at_name))) {
		at_name = NULL;
		kill(getpid(), sig);
	}
}
