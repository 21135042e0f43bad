/*
 * Signed commits, as git makes them with SSH keys.
 *
 * When git's own configuration asks for signed commits (commit.gpgSign =
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

struct ks_buf;
struct ks_diags;

struct ks_signer {
	char *program;		/* gpg.ssh.program, or ssh-keygen */
	char *key;		/* a file ssh-keygen -f takes */
	char *key_file_made;	/* a "key::" literal written out; removed */
};

/*
 * Reads what the configuration asks for: 0 with *out NULL when commits are
 * not to be signed, 0 with a signer, or KS_EENV when signing is asked
 * for in a way khaosat cannot do.
 */
int ks_signer_get(struct ks_signer **out, git_repository *repo,
		  struct ks_diags *d);
void ks_signer_free(struct ks_signer *s);

/* Appends the armored SSH signature of `data` to `sig`. */
int ks_sign(struct ks_buf *sig, const struct ks_signer *s, const char *data,
	    size_t len, struct ks_diags *d);

#endif
