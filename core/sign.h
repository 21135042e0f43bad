/*
 * Signed commits, as git makes them with SSH keys.
 *
 * A laptop's own key (.git/khaosat/key, made by init and clone, see
 * sshkey.h) signs every commit in process.  Otherwise, when git's own
 * configuration asks for signed commits (commit.gpgSign =
 * true, gpg.format = ssh, user.signingKey = a key file, or "key::" and a
 * public key whose private half is in ssh-agent), every commit khaosat
 * makes is signed by `ssh-keygen -Y sign -n git` and stored with the
 * signature in its gpgsig header, which `git verify-commit` and
 * `git log --show-signature` read.  Asked for signatures that cannot be
 * made (another gpg.format, no key), khaosat refuses to commit rather than
 * make an unsigned commit silently.
 */
#ifndef KS_SIGN_H
#define KS_SIGN_H

#include <git2.h>
#include <stddef.h>

#include "sshsig.h"

struct ks_buf;
struct ks_diags;

struct ks_sshkey;

struct ks_signer {
	struct ks_sshkey *own;	/* the survey's key on this laptop, or NULL */
	char *program;		/* gpg.ssh.program, or ssh-keygen */
	char *key;		/* a file ssh-keygen -f takes */
	char *key_file_made;	/* a "key::" literal written out; removed */
};

/*
 * Reads what the configuration asks for: 0 with *out NULL when commits are
 * not to be signed, 0 with a signer, or KS_EENV when signing is asked
 * for in a way khaosat cannot do.  The laptop's own key in the survey
 * (ks_signer_key_path()) comes first: with it, commits are signed in
 * process, whatever git's configuration says.
 */
int ks_signer_get(struct ks_signer **out, git_repository *repo,
		  struct ks_diags *d);
void ks_signer_free(struct ks_signer *s);

/* Where the laptop's own key of the survey is kept (.git/khaosat/key). */
char *ks_signer_key_path(git_repository *repo);

/*
 * Makes the laptop's own key of the survey (`comment`: the device id) and
 * fills `pub` with its public half; a key already there is kept and
 * returned.  Returns 0, KS_EIO or -1.
 */
int ks_signer_make_key(struct ks_sshsig_key *pub, git_repository *repo,
		       const char *comment, struct ks_diags *d);

/* The public half of the laptop's own key: 0, KS_ENOTFOUND, or an error. */
int ks_signer_own_key(struct ks_sshsig_key *pub, git_repository *repo,
		      struct ks_diags *d);

/* Appends the armored SSH signature of `data` to `sig`. */
int ks_sign(struct ks_buf *sig, const struct ks_signer *s, const char *data,
	    size_t len, struct ks_diags *d);

#endif
