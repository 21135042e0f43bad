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

/* A program started and not waited for (ks_run_self()). */
struct ks_child {
	long id;		/* POSIX: the pid; Windows: the process handle */
};

/*
 * Starts this same program (the running khaosat) with `argv` (argv[0]
 * its name), in the folder `dir`, its input empty and its output and
 * errors written to the open file `out`; does not wait for it.  0, or -1
 * with errno.
 */
int ks_run_self(struct ks_child *c, const char *const argv[], const char *dir,
		int out);

/*
 * Whether `c` has ended, without waiting: 1 with *status its exit status
 * (128 + the signal that ended it), 0 while it runs.
 */
int ks_child_ended(struct ks_child *c, int *status);

/*
 * Runs the person's editor on `file` and waits for it: `editor` is a
 * command line of its own ("code --wait"), given the file as one more
 * argument.  0 when it ended well, -1 otherwise.
 */
int ks_run_editor(const char *editor, const char *file);

/* Asks the desktop to open `url` in its browser; -1 when it cannot. */
int ks_open_url(const char *url);

#endif
