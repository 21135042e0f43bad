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

#endif
