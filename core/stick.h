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
#ifndef KS_STICK_H
#define KS_STICK_H

#include "sync.h"

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

#endif
