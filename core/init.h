/*
 * Making a new survey: see init.c.
 */
#ifndef KS_INIT_H
#define KS_INIT_H

#include "repo.h"

struct ks_init_opts {
	const char *name;	/* survey name; NULL: the folder's name */
	struct ks_identity who;
	int unsigned_mode;	/* no members file, no key: anyone may sign */
};

/*
 * Creates a survey in `dir` (made if missing): git repository on branch
 * main, khaosat.yaml with a random survey id, the default schema pack in
 * schema/, the device identity in local config, and a first commit.
 * Unless `unsigned_mode`, the survey starts in signed mode: the laptop gets
 * its own key (see sign.h) and members.yaml names it the centre, so the
 * first commit, signed by it, is the survey's introduction.
 * Refuses (KS_EEXISTS) when `dir` already holds a repository or a survey.
 */
int ks_repo_init(struct ks_repo **out, const char *dir,
		 const struct ks_init_opts *opts, struct ks_diags *d);

#endif
