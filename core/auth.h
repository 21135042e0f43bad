/*
 * Whether a commit may be taken in a signed survey (DESIGN.md, Trust; the
 * model is GNU Guix's channel authentication, extended with roles over
 * paths).  A commit is authentic when:
 *
 *   - it carries git's SSH signature (namespace "git") and the signature
 *     matches its bytes;
 *   - the key is a member's in the members file of every parent, valid at
 *     the commit's time (the committer's);
 *   - its Device trailer and its committer name that member's device;
 *   - every path it changes is one that member's role may change (see
 *     ks_role_may_change()).  What a merge commit changes is its
 *     difference from the merge khaosat computes of its parents: merges
 *     are deterministic, so only what the signer added on top is judged.
 *
 * A commit whose parents have no members file is before the survey moved
 * to signed mode: nothing is asked of it here.
 */
#ifndef KS_AUTH_H
#define KS_AUTH_H

#include <git2.h>

#include "members.h"

struct ks_diags;
struct ks_repo;
struct ks_survey;

enum ks_auth_status {
	KS_AUTH_OK,
	KS_AUTH_UNSIGNED,
	KS_AUTH_BAD_SIGNATURE,	/* does not match, or is not well formed */
	KS_AUTH_UNSUPPORTED,	/* an RSA, ECDSA or OpenPGP signature */
	KS_AUTH_NOT_MEMBER,	/* a key no parent's members file lists */
	KS_AUTH_NOT_VALID_THEN,	/* a member's key, outside its dates */
	KS_AUTH_WRONG_DEVICE,	/* trailer or committer names another device */
	KS_AUTH_PATH,		/* a path the member's role may not change */
};

struct ks_auth {
	enum ks_auth_status status;
	char device[16];	/* the signer's device, when a member signed */
	char path[256];		/* the path refused (KS_AUTH_PATH) */
	const char *why;	/* in words, for a person */
};

/*
 * Judges commit `id` against the members files of its parents
 * (`members[i]` for parent i, none NULL) and the paths `changed` it
 * changes (see ks_auth_changed()); `rules` (its first parent's
 * khaosat.yaml, or NULL) says which kinds keep surveyors to their own
 * laptop's records.  Fills `out` and returns 0, or
 * KS_EIO / -1 with the reason in `d`.
 */
int ks_auth_commit(struct ks_auth *out, git_repository *repo,
		   const git_oid *id, const struct ks_members *const *members,
		   size_t nparents, const struct ks_survey *rules,
		   char *const *changed, size_t nchanged, struct ks_diags *d);

/*
 * The paths commit `id` changes, as judged: against its parent, or for a
 * merge against the merge of its two parents khaosat computes.  *out is
 * a list of `*n` strings (ks_auth_changed_free).  Returns 0, KS_EINVALID
 * for more than two parents, KS_EIO or -1.
 */
int ks_auth_changed(char ***out, size_t *n, struct ks_repo *r,
		    const git_oid *id, struct ks_diags *d);
void ks_auth_changed_free(char **v, size_t n);

/* "unsigned", "bad signature", ...: the status in words. */
const char *ks_auth_status_name(enum ks_auth_status s);

#endif
