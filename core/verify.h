/*
 * Auditing a survey repository: what `khaosat verify` checks and reports.
 *
 * Six checks, each with counts and the details of every problem:
 *
 *   objects    every object reachable from main, refs/heads/devices/...
 *              and refs/khaosat/... is present and hashes to its id (libgit2
 *              re-hashes what it reads); each object is read once
 *   signatures every commit on main carries an SSH signature (git's
 *              format) by a key that the survey's allowed_signers file, as
 *              committed at main's tip, allows for the commit's author
 *              e-mail at the commit's time; ssh-keygen -Y checks them
 *   records    every record at HEAD validates, as `khaosat check` sees it
 *   conflicts  open conflict entries under conflicts/ as committed at
 *              main's tip (a work tree without conflicts/ hides none)
 *   members    in signed mode (a members.yaml), every commit on main
 *              authenticated by its parents' members file (auth.h)
 *   git's view replace refs, a grafts file or a shallow file, which make
 *              plain git show another history than the one stored
 *   history    main still contains the tip the last verify saw; the state
 *              is kept in .git/khaosat/verify-state
 *
 * Nothing in the repository changes except .git/khaosat/verify-state and
 * two caches: .git/khaosat/verify-signatures (the result per signed commit,
 * keyed by the allowed_signers blob: a commit's bytes never change) and
 * the record cache that `check` keeps.  The state is saved when main's
 * history was read whole and contains the tip saved before (or with
 * KS_VERIFY_ACCEPT_REWRITE): it is the last tip verified free of
 * rewrites, so a rewrite keeps being reported until someone accepts it.
 */
#ifndef KS_VERIFY_H
#define KS_VERIFY_H

#include <git2.h>
#include <stddef.h>

#include "diag.h"

struct ks_repo;

#define KS_VERIFY_STATE_FILE "khaosat/verify-state"
#define KS_VERIFY_CACHE_FILE "khaosat/verify-signatures"

enum {
	/* Unsigned commits, unknown keys and unchecked ones are problems. */
	KS_VERIFY_REQUIRE_SIGNATURES = 1 << 0,
	/* A rewrite of main is reported but taken as the new starting point. */
	KS_VERIFY_ACCEPT_REWRITE = 1 << 1,
	/* Check every signature again instead of trusting the cache. */
	KS_VERIFY_NO_CACHE = 1 << 2,
};

struct ks_verify_opts {
	unsigned flags;
	const char *ssh_keygen;	/* NULL: gpg.ssh.program, or ssh-keygen */
};

#define KS_VERIFY_OPTS_INIT { 0, NULL }

/* A missing or corrupt object, and where it was reached from. */
struct ks_verify_object {
	git_oid id;
	git_object_t type;	/* the type it was expected to have */
	int missing;		/* 1 missing, 0 present but corrupt */
	char *where;		/* "blob records/... in commit 1a2b3c4d5e \"...\"" */
	char *message;		/* what is wrong with it */
};

enum ks_sig_status {
	KS_SIG_GOOD,		/* by a key allowed for its author then */
	KS_SIG_UNSIGNED,
	KS_SIG_UNCHECKED,	/* signed; the survey has no allowed_signers */
	KS_SIG_UNSUPPORTED,	/* an OpenPGP or X.509 signature */
	KS_SIG_UNKNOWN_KEY,	/* a key allowed_signers does not name */
	KS_SIG_KEY_NOT_VALID,	/* a listed key its options refuse then */
	KS_SIG_OTHER_SIGNER,	/* a key allowed for somebody else */
	KS_SIG_BAD,		/* the signature does not match the commit */
	KS_SIG_NSTATUS
};

/* Short names for output and the cache: "good", "unsigned", ... */
const char *ks_sig_status_name(enum ks_sig_status s);

/* A commit on main whose signature is not good. */
struct ks_verify_commit {
	git_oid id;
	enum ks_sig_status status;
	enum ks_severity severity;	/* error when it is a problem */
	char *summary;
	char *author, *email;
	char *device;		/* the Device trailer, or NULL */
	git_time when;		/* the committer's time */
	char *key;		/* the key's fingerprint, or NULL */
	char *signer;		/* whom allowed_signers gives the key to, or NULL */
};

enum ks_history {
	KS_HISTORY_FIRST,	/* no earlier verify */
	KS_HISTORY_UNCHANGED,
	KS_HISTORY_GREW,
	KS_HISTORY_REWRITTEN,
	KS_HISTORY_UNKNOWN,	/* main could not be read whole */
};

struct ks_verify_report {
	/* objects */
	size_t objects;
	struct ks_verify_object *bad;
	size_t nbad, abad;

	/* commits on main and their signatures */
	size_t commits;
	size_t sig_count[KS_SIG_NSTATUS];
	int has_signers;	/* allowed_signers at main's tip */
	git_oid signers_blob;
	struct ks_verify_commit *findings;	/* newest first */
	size_t nfindings, afindings;

	/* commits judged by the members file (signed mode) */
	size_t auth_commits, auth_bad;
	size_t auth_waiting;	/* of a laptop not approved yet: this one */
	int has_intro;		/* a signed survey: its introduction */
	git_oid intro;
	char intro_device[16], intro_key[52];
	/* records at HEAD and open conflicts */
	size_t records, invalid_records;
	size_t attachments;	/* attached files at main's tip, each checked */
	size_t uncommitted;	/* survey files changed in the work tree */
	struct ks_diags record_diags;
	size_t conflicts;
	struct ks_diags conflict_diags;

	/* history */
	enum ks_history history;
	git_oid old_tip, tip;
	size_t old_commits;
	long long old_time;	/* when the old tip was verified */
	int accepted;		/* a rewrite taken with KS_VERIFY_ACCEPT_REWRITE */
	int saved;		/* verify-state now names `tip` */

	/* notes and warnings about verify itself (allowed_signers lines...) */
	struct ks_diags notes;

	size_t problems;	/* what makes verify exit 1 */
};

void ks_verify_report_release(struct ks_verify_report *rep);

/*
 * Runs every check on the survey and fills `rep` (released by the caller
 * with ks_verify_report_release, also on failure).  Problems found are
 * counted in rep->problems, not returned: the return value is 0 when the
 * checks ran, or a status (KS_EIO when the repository or ssh-keygen cannot
 * be used, -1 when memory runs out) with the reason in `d`.
 */
int ks_verify(struct ks_verify_report *rep, struct ks_repo *r,
	      const struct ks_verify_opts *opts, struct ks_diags *d);

#endif
