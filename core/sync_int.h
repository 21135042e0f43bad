/*
 * What the files of sync share inside core: sync.c (what every sync does
 * with the peers it found), stick.c, hub.c, remote.c and clone.c.  Not
 * for commands.
 */
#ifndef KS_SYNC_INT_H
#define KS_SYNC_INT_H

#include <git2.h>

struct ks_bundle_info;
struct ks_bundle_judge;
struct ks_diags;
struct ks_net_opts;
struct ks_progress;
struct ks_repo;
struct ks_sync_peer;
struct ks_sync_report;

/* sync.c */

/* The peers in device order. */
void ks_sync_sort_peers(struct ks_sync_report *rep);

/* 1 when the object database has the commit `id`. */
int ks_sync_has_commit(git_odb *odb, const git_oid *id);

/* The tip of `device` this laptop took in last: 1 with it in *out, or 0. */
int ks_sync_seen_tip(git_oid *out, git_repository *repo, const char *device);

/*
 * Remembers `tip` as the last taken in from `device`, unless what was seen
 * before already holds it.  Only a record for the next check: a failure
 * is not the sync's.
 */
void ks_sync_remember_seen(git_repository *repo, const char *device,
			   const git_oid *tip);

/*
 * For a tip this laptop has already: 1 (and an error in `got`) when it is
 * not on the line of that device's tips, so its history was rewritten.
 */
int ks_sync_forked(git_repository *repo, const struct ks_sync_peer *p,
		   const char *what, struct ks_diags *got);

/* Merges the peers' tips into main in device order. */
int ks_sync_merge_peers(struct ks_sync_report *rep, struct ks_repo *r,
			struct ks_diags *d);

/* main's tip into *out, or an error naming what is wrong. */
int ks_sync_main_tip(git_oid *out, git_repository *repo, struct ks_diags *d);

/*
 * What every sync checks before it reads or writes anything: a device
 * identity, no uncommitted change, and main with the survey's first
 * commit, which goes into *root.
 */
int ks_sync_start(struct ks_sync_report *rep, struct ks_repo *r,
		  git_oid *root, struct ks_diags *d);

/* stick.c */

/* 1 when the folder `dir` holds a device's bundle. */
int ks_stick_has_bundles(const char *dir);

/* The devices' bundles in `dir` into rep->peers, sorted by device. */
int ks_stick_list_peers(struct ks_sync_report *rep, const char *dir,
			struct ks_diags *d);

/* A peer's bundle header: its tip, whether it is full, what it requires. */
int ks_stick_read_peer(struct ks_sync_peer *p, struct ks_bundle_info *info,
		       struct ks_diags *d);

/* hub.c */

/*
 * One sync's or clone's way to a hub: its options, the timeout it comes
 * to, and what the person answered when asked, kept so that the fetch and
 * the push ask once.  ks_hub_link_release() wipes the answer.
 */
struct ks_hub_link {
	const struct ks_net_opts *opts;
	unsigned timeout;
	char *url, *user, *pass;	/* the answer, and the hub it is for */
};

/* Takes the timeout from `opts`, else the configuration of `repo`. */
int ks_hub_link_init(struct ks_hub_link *l, const struct ks_net_opts *opts,
		     git_repository *repo, struct ks_diags *d);
void ks_hub_link_release(struct ks_hub_link *l);

/*
 * Fetches every device's ref of the hub at `url` into a private folder,
 * checks what is new and only then moves it into the repository.  `root`:
 * the survey's first commit; zero when setting up a laptop.
 */
int ks_hub_fetch(struct ks_sync_report *rep, git_repository *repo,
		 const char *url, const char *remote, struct ks_hub_link *link,
		 git_oid *root, const struct ks_bundle_judge *judge,
		 const struct ks_progress *pg, struct ks_diags *d);

/* remote.c */

/* A remote's URL as it is kept: a local path made absolute.  NULL: no memory. */
char *ks_remote_keep_url(const char *url);

/* Keeps the remote `name` in the configuration. */
int ks_remote_named(git_repository *repo, const char *name,
		    const char *url, const char *fetchspec);

#endif
