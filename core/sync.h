/*
 * What every sync shares, through a stick (stick.h), through a hub
 * (hub.h) and when a laptop is set up (clone.h): the report of what each
 * other device brought, and the record that a device's history only grows.
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

/* A stick's shared bundle is <survey id>/_base.bundle: no device's id. */
#define KS_STICK_BASE "_base"

/* One bundle found in the survey's folder. */
struct ks_sync_peer {
	char device[KS_DEVICE_MAX + 1];	/* KS_STICK_BASE for a stick's
					   shared bundle */
	char *path;
	int base;		/* the stick's shared bundle, not a device's */
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
	/* the stick's shared bundle, when this sync wrote it */
	char *base;
	int base_replaced;	/* the one there could not be used */
	struct ks_bundle_stats base_out;
	/* through a hub */
	int pushed;		/* main was pushed (0: the hub had it) */
	int foreign;		/* the hub holds refs, none of this survey */
	const char *device;	/* this laptop's (not owned; NULL: setting up) */
	int own_rewritten;	/* the hub's ref of this laptop was rewritten
				   without it, and was put back */
	int tries;		/* fetch-merge-push rounds it took */
};

void ks_sync_report_release(struct ks_sync_report *rep);

/*
 * Remembers `tip` as the last commit taken in from the device its Device
 * trailer names (unless it is `own`, this laptop's), for the check that a
 * device's history only grows: for a bundle applied by hand.
 */
void ks_sync_took(git_repository *repo, const char *own, const git_oid *tip);

#endif
