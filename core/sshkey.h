/*
 * A laptop's own signing key: an ed25519 key made with libsodium and kept
 * in OpenSSH's own private key format ("openssh-key-v1", unencrypted), so
 * that `ssh-keygen -Y sign -f KEY` and git's SSH signing read the same
 * file; and SSHSIG signatures made in process with it, byte for byte what
 * `ssh-keygen -Y sign` writes (sha512, 70-column armor), which git keeps
 * in a commit's gpgsig header and `git verify-commit` checks.
 *
 * The key of a survey lives in its repository (.git/khaosat/key, mode
 * 0600, and key.pub): it is the laptop's in that survey, and it never
 * leaves the laptop.  Only the public half travels, in the members file
 * and in every signature.
 */
#ifndef KS_SSHKEY_H
#define KS_SSHKEY_H

#include <stddef.h>

#include "sshsig.h"

struct ks_buf;
struct ks_diags;

struct ks_sshkey {
	unsigned char sk[64];		/* libsodium's: seed, then public key */
	struct ks_sshsig_key pub;
};

/* A new key.  Returns 0, or -1 when libsodium cannot start. */
int ks_sshkey_generate(struct ks_sshkey *out);

/* Forgets the secret (overwrites it). */
void ks_sshkey_wipe(struct ks_sshkey *k);

/*
 * Appends the public key as a .pub file or members entry has it:
 * "ssh-ed25519 AAAA..." and, when `comment` is given, " comment".
 */
int ks_sshkey_public_text(struct ks_buf *out, const struct ks_sshsig_key *pub,
			  const char *comment);

/* Appends the private key file ("-----BEGIN OPENSSH PRIVATE KEY-----"). */
int ks_sshkey_private_text(struct ks_buf *out, const struct ks_sshkey *k,
			   const char *comment);

/*
 * Reads a private key file of `len` bytes: unencrypted openssh-key-v1
 * holding one ed25519 key whose halves agree.  Returns 0, or
 * KS_SSHSIG_UNSUPPORTED (encrypted, another key type) or
 * KS_SSHSIG_MALFORMED with the reason in `why`.
 */
int ks_sshkey_parse(struct ks_sshkey *out, const char *text, size_t len,
		    const char **why);

/*
 * Appends the armored SSHSIG signature of `len` bytes of `data` for
 * namespace `ns` ("git" for commits).  Returns 0 or -1.
 */
int ks_sshkey_sign(struct ks_buf *armor, const struct ks_sshkey *k,
		   const void *data, size_t len, const char *ns);

/*
 * Writes the key to `path` (mode 0600) and its public half to
 * `path`.pub, durably.  Returns 0, KS_EIO (said in `d`) or -1.
 */
int ks_sshkey_save(const struct ks_sshkey *k, const char *path,
		   const char *comment, struct ks_diags *d);

/*
 * Reads the key at `path`: 0; KS_ENOTFOUND when there is none;
 * KS_EIO or KS_EINVALID (said in `d`, naming the file).
 */
int ks_sshkey_load(struct ks_sshkey *out, const char *path,
		   struct ks_diags *d);

#endif
