/*
 * Setting up a new laptop from a stick, a bundle file or a hub.
 */
#ifndef KS_CLONE_H
#define KS_CLONE_H

#include "hub.h"
#include "sync.h"

struct ks_clone_opts {
	struct ks_identity who;
	const char *centre_key;	/* the fingerprint the centre gave, or NULL */
	struct ks_net_opts net;	/* how to reach a hub */
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

#endif
