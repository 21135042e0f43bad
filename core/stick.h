/*
 * Sync through a folder: a USB stick passed between laptops and the centre.
 *
 * The folder holds, per survey, PATH/<survey id>/: the shared bundle
 * _base.bundle, the whole survey history up to some commit, and one
 * <device>.bundle per device, that device's main beyond the shared
 * bundle.  Plain git reads them all.  A sync imports every bundle there
 * that brings something new (each checked whole before anything of it is
 * kept, see bundle.h), merges their tips into main field by field
 * (conflicts are recorded, never stop the sync), then writes this
 * device's own bundle through a temporary file, fsync and rename.
 *
 * Why two kinds.  A new laptop set up from the stick alone needs the
 * whole history, but writing it whole at every sync costs the size of
 * the survey each time.  So the whole history is written rarely, to the
 * shared bundle, and each sync writes only what its device has beyond it:
 *   - the shared bundle is written (whole, at this device's main) when
 *     there is none, when it cannot be used (damaged, not whole), or when
 *     the device bundles that hold work beyond it add up to more than a
 *     quarter of it and more than khaosat.stickRewrite (1 MiB); then
 *     only by a device whose main holds the old one's tip, so every
 *     device bundle's prerequisites stay in its history;
 *   - a device bundle requires only the shared bundle's tip (or, when
 *     main does not hold that tip, the history both share).
 * Full bundles (the shared one, and those of older versions) are imported
 * first, so any laptop can apply the rest.  Writing the shared bundle
 * first and the device's own after it keeps the stick usable wherever a
 * sync is cut off.  A shared bundle that holds work made under this
 * laptop's device id elsewhere is left alone, and the device's own
 * bundle is then written whole.
 *
 * Relay: a device's bundle carries everything on its main beyond the
 * shared bundle, its peers' work included, so a change reaches laptops
 * that never meet the one that made it.
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
