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
#include "sshsig.h"

struct ks_buf;
struct ks_diags;
struct ks_repo;
struct ks_survey;

enum ks_auth_status {
	KS_AUTH_OK,
	KS_AUTH_OPEN,		/* before signed mode: not judged */
	KS_AUTH_WAITING,	/* a new laptop the centre has not approved yet */
	KS_AUTH_UNSIGNED,
	KS_AUTH_BAD_SIGNATURE,	/* does not match, or is not well formed */
	KS_AUTH_UNSUPPORTED,	/* an RSA, ECDSA or OpenPGP signature */
	KS_AUTH_NOT_MEMBER,	/* a key no parent's members file lists */
	KS_AUTH_NOT_VALID_THEN,	/* a member's key, outside its dates */
	KS_AUTH_WRONG_DEVICE,	/* trailer or committer names another device */
	KS_AUTH_PATH,		/* a path the member's role may not change */
	KS_AUTH_NO_MEMBERS,	/* a parent's members file does not read */
	KS_AUTH_OCTOPUS,	/* more than two parents */
};

struct ks_auth {
	enum ks_auth_status status;
	char device[16];	/* the signer's device (or the one it claims) */
	char path[256];		/* the path refused (KS_AUTH_PATH) */
	char fingerprint[KS_SSHSIG_FINGERPRINT_SIZE];	/* the key, if signed */
	int by_approval;	/* OK by an approval, not by its parents */
	const char *why;	/* in words, for a person */
};

/*
 * A judge of commits, with what it read kept for the next commit: the
 * members files and khaosat.yaml of parents, by blob.  It reads commits
 * from the repository `r` holds when asked (ks_repo_git(r)), which may be
 * a view of incoming objects swapped in for the time of an import.
 */
struct ks_auth_judge;

int ks_auth_judge_new(struct ks_auth_judge **out, struct ks_repo *r);
void ks_auth_judge_free(struct ks_auth_judge *j);

/*
 * Adds the members file of `commit` as an approval: a commit signed by a
 * laptop its parents did not know yet, which would wait, is judged by the
 * entry an approval gives its key and device (DESIGN.md: a new laptop's
 * commits wait until the centre's approval reaches the peer).  Only a
 * members file already known authentic may approve: this laptop's main's.
 * ks_auth_history() adds those its own walk proves (a commit authentic by
 * its parents' members), never one a commit it judges merely carries, so
 * a newcomer cannot approve itself.  A commit without a members file adds
 * nothing.  Returns 0 or -1.
 */
int ks_auth_judge_approval(struct ks_auth_judge *j, const git_oid *commit);

/*
 * Judges commit `id`: KS_AUTH_OPEN when no parent holds a members file
 * (or it has none); otherwise by the members files of the parents that
 * hold one: signed by a key every one of them lists for the same device
 * (or, for a device none of them knows, that an approval lists: else
 * KS_AUTH_WAITING), valid at the commit's time, its Device trailer and
 * committer that device, and every path it changes one the device's role
 * may change (by the khaosat.yaml of its first parent).  What a merge
 * changes is its difference from the merge khaosat computes of its
 * parents; for a merge of a signed history with one from before signed
 * mode, its difference from the signed parent: it answers for everything
 * the other brings.  Fills `out` and returns 0, or KS_EIO / -1 with the
 * reason in `d`.
 */
int ks_auth_judge(struct ks_auth *out, struct ks_auth_judge *j,
		  const git_oid *id, struct ks_diags *d);

/*
 * What a history brings, judged: the commits `tip` reaches and `hide`
 * (may be NULL) does not, each by ks_auth_judge().  The members file of
 * each commit authentic by its parents' members becomes an approval, and
 * the commits that waited are judged again with them: an approval made
 * anywhere in the history (by a centre) lets the newcomer's commits in,
 * in any order.  `status` is KS_AUTH_OK
 * when every one is authentic or from before signed mode; else the first
 * refused one's (with it in `first` and `commit`), or, when none is
 * refused but some wait for an approval, KS_AUTH_WAITING with the first
 * that waits.  `judged` counts the commits judged (not open), `waiting`
 * those that wait.
 */
struct ks_auth_verdict {
	enum ks_auth_status status;
	struct ks_auth first;
	git_oid commit;
	char summary[80];	/* the first line of that commit's message */
	size_t commits, judged, waiting;
};

int ks_auth_history(struct ks_auth_verdict *out, struct ks_auth_judge *j,
		    const git_oid *tip, const git_oid *hide,
		    struct ks_diags *d);

/*
 * Says a verdict that refuses or waits as a person reads it: "commit
 * 1a2b3c4d5e "Sửa hộ md01-0001" signed by md05: path not allowed
 * khaosat.yaml: only the centre may change ...".
 */
int ks_auth_verdict_text(struct ks_buf *out, const struct ks_auth_verdict *v);

/*
 * The paths commit `id` changes, as judged: against its parent, or for a
 * merge against the merge of its two parents khaosat computes (`against`
 * -1) or against parent `against`.  *out is a list of `*n` strings
 * (ks_auth_changed_free).  Returns 0, KS_EINVALID for more than two
 * parents, KS_EIO or -1.
 */
int ks_auth_changed(char ***out, size_t *n, struct ks_repo *r,
		    const git_oid *id, int against, struct ks_diags *d);
void ks_auth_changed_free(char **v, size_t n);

/* "unsigned", "bad signature", ...: the status in words. */
const char *ks_auth_status_name(enum ks_auth_status s);

/* 1 for the statuses that refuse a commit (not OK, OPEN or WAITING). */
int ks_auth_refused(enum ks_auth_status s);

#endif
