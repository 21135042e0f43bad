/*
 * Joining a signed survey (DESIGN.md, Trust).  The centre starts the
 * survey with its own key as the first member; every other laptop makes
 * its key when it is cloned and works at once, and its commits wait at
 * its peers until the centre's approval of that key (a members.yaml
 * change) reaches them.
 */
#ifndef KS_ENROL_H
#define KS_ENROL_H

#include <git2.h>

struct ks_diags;
struct ks_identity;

/*
 * Makes the laptop's key in the survey at `workdir` (repository `repo`)
 * and writes members.yaml there naming `who` its centre.  Returns 0,
 * KS_EIO or -1; the caller commits the file.
 */
int ks_enrol_start(git_repository *repo, const char *workdir,
		   const struct ks_identity *who, struct ks_diags *d);

#endif
