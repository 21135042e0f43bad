/*
 * Checking a hub where it lives (khaosat verify --hub).  Each ref that
 * laptops fetch from a hub (main and devices/<device>) gets the checks a
 * laptop's fetch gives it: every tree safe to check out and every record
 * readable over its whole history, every object there and intact, and the
 * survey's first commit in that history.  A hub made by khaosat refuses
 * deletions through git, so a ref pushed with plain git that every laptop
 * refuses would stay for good: asked, the check sets such a ref aside
 * under refs/quarantine/, where no laptop fetches it, kept for whoever
 * audits the hub.  A ref laptops refuse for a reason the hub cannot judge
 * (the survey's members) can be set aside by name.
 */
#ifndef KS_HUBCHECK_H
#define KS_HUBCHECK_H

#include <git2.h>
#include <stddef.h>

#include "diag.h"

#define KS_QUARANTINE_REFS "refs/quarantine/"

struct ks_hub_ref {
	char *name;		/* "refs/heads/devices/md05" */
	git_oid tip;
	int bad;		/* failed a check (why: diags, path = name) */
	int damaged;		/* ... because an object cannot be read */
	char *set_aside;	/* where it was moved, or NULL */
};

struct ks_hub_report {
	git_oid root;		/* the survey's first commit, by main */
	int has_root;
	struct ks_hub_ref *refs;
	size_t n;
	struct ks_diags diags;
	size_t bad, set_aside;
};

enum {
	KS_HUB_QUARANTINE = 0x1,	/* set aside every ref that fails */
};

/*
 * Checks the hub (a bare repository) at `dir`.  With KS_HUB_QUARANTINE
 * every ref that fails is set aside; the device ids in `aside` (n of
 * them) are set aside whatever their checks say.  Returns 0 with the
 * report (problems in it, not in `d`), KS_ENOSURVEY when `dir` is not a
 * bare repository, KS_ENOTFOUND for a device in `aside` the hub lacks,
 * KS_EIO, or -1.
 */
int ks_hub_check(struct ks_hub_report *rep, const char *dir, unsigned flags,
		 char *const *aside, size_t naside, struct ks_diags *d);
void ks_hub_report_release(struct ks_hub_report *rep);

/*
 * Rebuilds the objects of the hub at `dir` as one new pack, each object
 * read from the survey folder `from` (a laptop's, or the centre's) when it
 * has it, else from the hub: what the hub's copy lost and the laptop kept
 * comes back.  The packs and loose objects the hub had when it started are
 * removed once the new pack is in place; anything pushed meanwhile stays.
 * *copied counts the objects written.  KS_EIO names an object neither
 * holds whole (nothing of the hub changed then).
 */
int ks_hub_repair(size_t *copied, const char *dir, const char *from,
		  struct ks_diags *d);

#endif
