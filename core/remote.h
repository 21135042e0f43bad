/*
 * The survey's hubs as its configuration keeps them (remote add, remove,
 * the default one), and making a hub.
 */
#ifndef KS_REMOTE_H
#define KS_REMOTE_H

#include <git2.h>

struct ks_diags;
struct ks_repo;

/* On a hub, each device pushes only its own ref: no two laptops race. */
#define KS_HUB_DEVICES "refs/heads/devices/"
/* Where a remote's device refs are kept locally. */
#define KS_TRACKING "refs/khaosat/remotes/"
/* The remote 'khaosat sync' uses without an argument, or NULL (ks_free). */
char *ks_default_remote(struct ks_repo *r);

/*
 * Whether `s` is a hub's address, not a folder: "host:path" (scp-like
 * ssh) or "scheme://...".  On Windows "E:", "E:\..." are drives.
 */
int ks_looks_like_url(const char *s);

/* The URL of the remote `name`, or NULL when there is none (ks_free). */
char *ks_remote_url(git_repository *repo, const char *name);

/* The names of the remotes, sorted, into `out` (paths.h). */
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

#endif
