/*
 * Sync through a folder: a USB stick passed between laptops and the centre.
 *
 * The folder holds, per survey, PATH/<survey id>/<device>.bundle: one git
 * bundle per device, which plain git reads.  A sync imports every bundle
 * there that brings something new (each checked whole before anything of
 * it is kept, see bundle.h), merges their tips into main field by field
 * (conflicts are recorded, never stop the sync), then writes this device's
 * own bundle through a temporary file, fsync and rename.
 *
 * What a bundle holds.  A reader can apply an incremental bundle only if
 * it has the bundle's prerequisites, and a new laptop set up from the
 * stick alone needs the whole history there.  So a device writes:
 *   - a full bundle when no other device's bundle on the stick is full, or
 *     when some other bundle could not be read (what its device has is
 *     then unknown);
 *   - otherwise only what is not in the history common to every other
 *     device's tip: each of them has it (their bundles say so, and history
 *     only grows), and so does the full bundle on the stick.
 * Every prerequisite on the stick is thus inside a full bundle's history,
 * and importing the full bundles first lets any laptop apply the rest.
 *
 * Relay: a device's bundle carries everything on its main that the others
 * lack, its peers' work included, so a change reaches laptops that never
 * meet the one that made it.
 */
#ifndef KS_SYNC_H
#define KS_SYNC_H

#include <git2.h>
#include <stddef.h>

#include "bundle.h"
#include "merge.h"
#include "repo.h"

struct ks_diags;
struct ks_repo;

enum ks_peer_state {
	KS_PEER_KNOWN,		/* nothing this survey did not have */
	KS_PEER_IMPORTED,	/* brought new commits, imported */
	KS_PEER_REFUSED,	/* failed a check: the diagnostics say which */
	KS_PEER_WAITING,	/* needs a commit no bundle here brings */
};

/* One bundle found in the survey's folder. */
struct ks_sync_peer {
	char device[KS_DEVICE_MAX + 1];
	char *path;
	enum ks_peer_state state;
	int full;		/* no prerequisites */
	int has_tip;		/* tip is known here (KNOWN or IMPORTED) */
	git_oid tip;
	int merged;		/* its tip was merged into main */
	int alien;		/* holds work of this device id that this
				   laptop never made: refused */
	int hostile;		/* refused for what it holds (not for a
				   failure to read it): a hub's ref at this
				   commit is not fetched again */
	struct ks_merge_stats merge;
	size_t added, changed, deleted;	/* records it changed on main */
	size_t files;		/* other survey files: khaosat.yaml, schemas,
				   allowed_signers */
	size_t unapproved;	/* commits of a laptop the centre has not
				   approved yet: kept aside, not merged */
	char key[52];		/* that laptop's key fingerprint */
};

struct ks_sync_report {
	char *folder;		/* PATH/<survey id>, or the hub's URL */
	char *hub;		/* the remote's name or URL; NULL for a folder */
	struct ks_sync_peer *peers;	/* sorted by device */
	size_t npeers;
	size_t swept;		/* stale temporary files removed */
	git_oid before, after;	/* main */
	/* this device's bundle */
	char *own;
	int wrote;		/* 0: the one there was already up to date */
	int replaced;		/* it replaced one that could not be used
				   (damaged, or not a bundle file) */
	int full;
	struct ks_bundle_stats out;
	/* through a hub */
	int pushed;		/* main was pushed (0: the hub had it) */
	int foreign;		/* the hub holds refs, none of this survey */
	const char *device;	/* this laptop's (not owned; NULL: setting up) */
	int own_rewritten;	/* the hub's ref of this laptop was rewritten
				   without it, and was put back */
	int tries;		/* fetch-merge-push rounds it took */
};

void ks_sync_report_release(struct ks_sync_report *rep);

#define KS_SYNC_NO_WRITE 0x1	/* import and merge only (setting up a laptop) */

/*
 * Syncs the survey with the folder `folder` (a stick's mount point, or
 * its <survey id> folder).  The work tree must have no uncommitted
 * changes; nothing is read or written before that is checked.  A bundle
 * that fails a check or waits for another device's bundle is reported in
 * `d` as an error and in `rep`, and the sync goes on with the others;
 * ks_sync_folder() then still returns 0 (callers look at d->errors).
 */
int ks_sync_folder(struct ks_sync_report *rep, struct ks_repo *r,
		   const char *folder, unsigned flags,
		   const struct ks_progress *pg, struct ks_diags *d);

/* On a hub, each device pushes only its own ref: no two laptops race. */
#define KS_HUB_DEVICES "refs/heads/devices/"
/* Where a remote's device refs are kept locally. */
#define KS_TRACKING "refs/khaosat/remotes/"
/* Fetch-merge-push rounds before giving up on a hub that keeps moving. */
#define KS_PUSH_TRIES 5

/*
 * Syncs with a git remote (a configured name, a URL, or a path to a bare
 * repository): fetches every device's ref from the hub into a private
 * folder, checks all of it as a bundle is checked (bundle.h) before any
 * object or ref is kept, merges the devices' tips into main, and pushes
 * main to this device's own ref on the hub (KS_HUB_DEVICES<device>).  A
 * push the hub refuses (it moved meanwhile) starts another round, up to
 * KS_PUSH_TRIES.  The work tree must have no uncommitted changes.
 *
 * `timeout`: the seconds of silence after which the hub is given up
 * (netstream.h says what that covers); 0 takes khaosat.hubTimeout from the
 * configuration, else KS_NET_TIMEOUT_DEFAULT.  A hub given up on fails
 * with KS_EIO.  After ks_net_cancel() (Ctrl-C) the sync stops at the next
 * step that can be left safely and fails with KS_EINTR; either way the
 * diagnostic says what was kept, and the private folder is removed.
 */
int ks_sync_remote(struct ks_sync_report *rep, struct ks_repo *r,
		   const char *remote, unsigned timeout,
		   const struct ks_progress *pg, struct ks_diags *d);

/*
 * Asks a person for a hub's user name and password (on a terminal): 0 with
 * both set (ks_free them), or -1 when there is nobody to ask.  Without it,
 * or when KHAOSAT_USERNAME and KHAOSAT_PASSWORD are set, those are used.
 */
typedef int (*ks_ask_fn)(const char *url, char **user, char **pass);
void ks_sync_set_ask(ks_ask_fn ask);

/* The remote 'khaosat sync' uses without an argument, or NULL (ks_free). */
char *ks_default_remote(struct ks_repo *r);

/* The URL of the remote `name`, or NULL when there is none (ks_free). */
char *ks_remote_url(git_repository *repo, const char *name);

/* The names of the remotes, sorted, into `out` (check.h's ks_paths). */
struct ks_paths;
int ks_remote_names(git_repository *repo, struct ks_paths *out);

/* remote add|remove: the first remote added becomes the default. */
int ks_remote_add(struct ks_repo *r, const char *name, const char *url,
		  struct ks_diags *d);
int ks_remote_remove(struct ks_repo *r, const char *name, struct ks_diags *d);

/*
 * Creates a hub: a bare repository whose configuration refuses
 * non-fast-forward updates and deletions of refs, and logs every update.
 */
int ks_hub_init(const char *dir, struct ks_diags *d);

struct ks_clone_opts {
	struct ks_identity who;
	const char *centre_key;	/* the fingerprint the centre gave, or NULL */
	unsigned hub_timeout;	/* as ks_sync_remote()'s timeout */
};

/* The name a remote gets when a laptop is set up from it. */
#define KS_CLONE_REMOTE "centre"

/*
 * Sets up a new laptop in `dir` (made; it must not exist or be empty) from
 * `source`: a folder of bundles (a stick, or its <survey id> folder), one
 * bundle file, or a git remote (URL, or a path to a repository), which is
 * then kept as the remote KS_CLONE_REMOTE.  Everything is checked as a
 * bundle is (bundle.h) before the work tree is written; the device id
 * must be new to the survey and to the stick.  On failure `dir` is as it
 * was (removed, if clone made it); after ks_net_cancel() that is KS_EINTR.  `rep` receives what was imported from
 * a folder (release it; it is empty for other sources).
 */
int ks_clone(struct ks_repo **out, struct ks_sync_report *rep,
	     const char *source, const char *dir,
	     const struct ks_clone_opts *opts, const struct ks_progress *pg,
	     struct ks_diags *d);

/*
 * Remembers `tip` as the last commit taken in from the device its Device
 * trailer names (unless it is `own`, this laptop's), for the check that a
 * device's history only grows: for a bundle applied by hand.
 */
void ks_sync_took(git_repository *repo, const char *own, const git_oid *tip);

#endif
