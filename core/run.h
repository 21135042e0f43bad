/*
 * Running another program (ssh-keygen, for signatures): its standard input
 * given, its standard output and error collected, without a shell.
 */
#ifndef KS_RUN_H
#define KS_RUN_H

#include <stddef.h>

struct ks_buf;

/*
 * Runs argv[0] (looked up in PATH) with `argv`, feeding it `in` (`inlen`
 * bytes) and collecting what it writes into `out` and `err` (either may be
 * NULL to discard).  Returns its exit status (0..255), 256 + the signal
 * that ended it, or -1 when it could not be started (errno says why, as
 * exec saw it: ENOENT for a program not found) or memory ran out.
 */
int ks_run(const char *const argv[], const char *in, size_t inlen,
	   struct ks_buf *out, struct ks_buf *err);

#endif
