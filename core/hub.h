/*
 * Sync with a hub: a git remote on the LAN (a shared folder, git daemon,
 * ssh or http).  Each device pushes only its own ref, every device's ref
 * is fetched and checked as a bundle is, and nothing is kept before that.
 */
#ifndef KS_HUB_H
#define KS_HUB_H

#include "remote.h"
#include "sync.h"

/* Fetch-merge-push rounds before giving up on a hub that keeps moving. */
#define KS_PUSH_TRIES 5

/*
 * Asks a person for a hub's user name and password (on a terminal): 0 with
 * both set (ks_free them; the caller wipes the password first), or -1
 * when there is nobody to ask or the person gives none.
 */
typedef int (*ks_ask_fn)(const char *url, char **user, char **pass);

/*
 * How this laptop reaches a hub.  Commands fill it from the environment
 * and the terminal; core reads neither, and keeps what a person typed
 * only for the one sync or clone it was asked for.
 */
struct ks_net_opts {
	unsigned timeout;	/* seconds of silence after which the hub is
				   given up (netstream.h says what that
				   covers); 0: khaosat.hubTimeout from the
				   configuration, else KS_NET_TIMEOUT_DEFAULT */
	const char *ssh_dir;	/* the folder of the ssh keys tried
				   (id_ed25519, id_rsa), or NULL */
	int ssh_agent;		/* an ssh agent runs: its keys come first */
	const char *user;	/* for http(s): the user name and password of
				   KHAOSAT_USERNAME and KHAOSAT_PASSWORD (the
				   messages name them), or NULL */
	const char *pass;
	ks_ask_fn ask;		/* asks a person when user or pass is NULL;
				   NULL: nobody to ask */
};

/*
 * Syncs with a git remote (a configured name, a URL, or a path to a bare
 * repository): fetches every device's ref from the hub into a private
 * folder, checks all of it as a bundle is checked (bundle.h) before any
 * object or ref is kept, merges the devices' tips into main, and pushes
 * main to this device's own ref on the hub (KS_HUB_DEVICES<device>).  A
 * push the hub refuses (it moved meanwhile) starts another round, up to
 * KS_PUSH_TRIES.  The work tree must have no uncommitted changes.
 *
 * A hub silent for longer than net->timeout fails with KS_EIO.  After
 * ks_net_cancel() (Ctrl-C) the sync stops at the next step that can be
 * left safely and fails with KS_EINTR; either way the diagnostic says what
 * was kept, and the private folder is removed.
 */
int ks_sync_remote(struct ks_sync_report *rep, struct ks_repo *r,
		   const char *remote, const struct ks_net_opts *net,
		   const struct ks_progress *pg, struct ks_diags *d);

#endif
