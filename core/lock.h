/*
 * One writer at a time.  Every command that changes a survey holds an
 * exclusive lock on .git/khaosat/lock while it writes; commands that only
 * read hold it shared, so they never see a half-written state.  It is the
 * kernel's lock (flock), so it goes with the process: a crash or a kill
 * never leaves a lock that a person must delete.
 *
 * Whoever holds the lock exclusively writes "PID COMMAND" into the file,
 * so that a command that has to wait can say what it waits for.
 *
 * libgit2 and git write refs, the index and the configuration through
 * "NAME.lock" files that a killed process leaves behind, and that block
 * every later write.  While khaosat holds the survey lock no other khaosat
 * writes, so such a file is either stale (no process has it open) or held
 * by a running plain git: ks_lock_clear_stale() removes the first kind and
 * names the second.
 */
#ifndef KS_LOCK_H
#define KS_LOCK_H

struct ks_diags;
struct ks_lock;

/*
 * Called once when the lock is busy for more than a moment; `holder` is
 * "khaosat sync (pid 4242)", or NULL when no single writer holds it
 * (commands that read).
 */
typedef void (*ks_lock_wait_fn)(const char *holder, void *payload);

struct ks_lock_opts {
	const char *what;	/* "khaosat sync", written for waiters */
	long timeout_ms;	/* how long to wait; KS_EIO past it */
	ks_lock_wait_fn wait;
	void *payload;
};

/*
 * Takes the lock of the repository whose git folder is `gitdir`
 * (exclusive or shared), waiting at most opts->timeout_ms.  *out is freed
 * with ks_lock_free(), which also lets it go.
 */
int ks_lock_take(struct ks_lock **out, const char *gitdir, int exclusive,
		 const struct ks_lock_opts *opts, struct ks_diags *d);

/*
 * For a survey that does not exist yet (init, clone into `path`): the
 * exclusive lock of the folder that will hold it, so two of them into one
 * folder run one after the other.  No lock is needed (and none is taken)
 * when that folder does not exist either.
 */
int ks_lock_take_folder(struct ks_lock **out, const char *path,
			const struct ks_lock_opts *opts, struct ks_diags *d);

/*
 * Turns a held lock shared or exclusive, waiting as ks_lock_take() does.
 * Not atomic (the kernel lets it go between): callers read the survey
 * again after it.
 */
int ks_lock_change(struct ks_lock *l, int exclusive,
		   const struct ks_lock_opts *opts, struct ks_diags *d);

int ks_lock_is_exclusive(const struct ks_lock *l);
void ks_lock_free(struct ks_lock *l);

/*
 * With the exclusive lock held: removes the "*.lock" files in `gitdir`
 * (refs, logs, index, HEAD, config, packed-refs) that no process has
 * open.  What they held was never moved into place, so the write they
 * belonged to did not happen, and the command that was killed can be run
 * again.  One held by a running program is an error (KS_EIO) naming the
 * file, its age and the program.  *removed counts what went.
 */
int ks_lock_clear_stale(const char *gitdir, int *removed, struct ks_diags *d);

#endif
