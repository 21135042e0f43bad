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

#include "sshsig.h"

struct ks_diags;
struct ks_identity;
struct ks_repo;

/*
 * Makes the laptop's key in the survey at `workdir` (repository `repo`)
 * and writes members.yaml there naming `who` its centre.  Returns 0,
 * KS_EIO or -1; the caller commits the file.
 */
int ks_enrol_start(git_repository *repo, const char *workdir,
		   const struct ks_identity *who, struct ks_diags *d);

/*
 * A survey's introduction (the Guix term): the commit that started signed
 * mode and the key that signed it.  For a survey made signed, that is its
 * first commit, made by init at the centre; for one moved to signed mode
 * later, the first commit on main that holds members.yaml.  It holds
 * members.yaml naming the centre and is signed by the centre's key: what
 * a person compares with the slip the centre gave.
 */
struct ks_intro {
	git_oid root;		/* the introduction commit */
	int is_signed;		/* 0: the survey started unsigned */
	char device[16];	/* the centre that signed it */
	char surveyor[128];
	char fingerprint[KS_SSHSIG_FINGERPRINT_SIZE];	/* "SHA256:..." */
};

/*
 * Reads the introduction of the history of `tip` (is_signed 0: the survey
 * is not signed).  KS_EINVALID (said in `d`) when that commit is not
 * signed by a centre its own members file lists: the survey cannot be
 * trusted from the start of signed mode.
 */
int ks_enrol_introduction(struct ks_intro *out, git_repository *repo,
			  const git_oid *tip, struct ks_diags *d);

/*
 * Remembers an introduction in the laptop's configuration
 * (khaosat.introduction: the commit and the key's fingerprint), as a new
 * laptop saw it, for verify to hold the survey to; and reads it back
 * (0, or KS_ENOTFOUND when none was recorded).
 */
int ks_enrol_remember(git_repository *repo, const struct ks_intro *in);
int ks_enrol_remembered(git_oid *commit,
			char fingerprint[KS_SSHSIG_FINGERPRINT_SIZE],
			git_repository *repo);

/* The members file of the work tree: 1 read, 0 none, or an error. */
struct ks_members;
int ks_enrol_members(struct ks_members **out, struct ks_repo *r,
		     struct ks_diags *d);

/*
 * A laptop set up from a signed survey joins it: it gets its own key and
 * makes its request to join, an empty commit signed by that key ("Ask to
 * join the survey as md05", with the key in a Key trailer), which travels
 * with its work; until the centre approves the key, peers keep the
 * laptop's commits aside.  Refuses (KS_EEXISTS) a device id the members
 * file already gives to another key.  Returns 1 with the laptop's key in
 * `pub`, or 0 when the survey is not signed (nothing to join).
 */
struct ks_sshsig_key;
int ks_enrol_join(struct ks_sshsig_key *pub, struct ks_repo *r,
		  struct ks_diags *d);

/* refs/khaosat/waiting/<device>: a new laptop's work, until approved. */
#define KS_WAITING_REFS "refs/khaosat/waiting/"

/* A laptop whose work waits here for the centre's approval. */
struct ks_waiting {
	char device[16];
	char surveyor[128];	/* as its commits name their author */
	char key[128];		/* "ssh-ed25519 AAAA...", the key that signed */
	char fingerprint[KS_SSHSIG_FINGERPRINT_SIZE];
	git_oid tip;
	size_t commits;		/* commits main does not have */
};

/*
 * Judges what `tip` brings beyond `head` (main) before it is merged, with
 * main's members file and the tip's own as approvals (core/auth.h):
 * 0 when it may be merged (whatever waited of `device` is then taken in);
 * KS_ENROL_WAITS when a laptop's work waits for the centre's approval,
 * which keeps it aside under that laptop's id; KS_ENROL_REFUSED when a
 * commit may not be taken.  `v` says which commit and why.  Or KS_EIO, -1.
 */
enum { KS_ENROL_WAITS = 1, KS_ENROL_REFUSED = 2 };
struct ks_auth_verdict;
int ks_enrol_judge(struct ks_auth_verdict *v, struct ks_repo *r,
		   const git_oid *head, const git_oid *tip, const char *device,
		   struct ks_diags *d);

/*
 * A judge for core/bundle.h's checks of incoming objects: the history of
 * each incoming tip judged as ks_enrol_judge() does, before anything of it
 * is kept; a commit that may not be taken refuses it (KS_EINVALID, said in
 * `d`), a laptop's work that waits for approval is accepted (it is kept
 * aside when it would be merged).  `r` must outlive the judge's use.
 */
struct ks_bundle_judge;
void ks_enrol_bundle_judge(struct ks_bundle_judge *out, struct ks_repo *r);

/*
 * The laptops kept aside (refs/khaosat/waiting/<device>) whose work main
 * does not hold yet, by device.  *out is freed with ks_free().
 */
int ks_enrol_waiting(struct ks_waiting **out, size_t *n, git_repository *repo,
		     struct ks_diags *d);

#endif
