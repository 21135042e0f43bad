/*
 * SSH signatures checked in process: the SSHSIG format that
 * `ssh-keygen -Y sign` writes and git keeps in a signed commit's gpgsig
 * header (OpenSSH's PROTOCOL.sshsig), for ed25519 keys, with libsodium.
 * Running ssh-keygen costs a process per signature; this costs
 * microseconds, so a whole history can be authenticated on every import.
 *
 * What it answers is only "did this key sign these bytes for this
 * namespace": which keys may sign, and when, is the caller's business.
 * A signature is parsed once (ks_sshsig_parse), which names the key that
 * made it, so the caller can look the signer up, then checked against the
 * data and the key the caller trusts (ks_sshsig_check).  Other key types
 * (RSA, ECDSA, security keys) are recognised and reported unsupported.
 *
 * Parsing and checking allocate nothing and cannot run out of memory:
 * keys and parsed signatures are plain structs with nothing to release.
 * Reasons (`why`) are short static strings for the caller's diagnostics.
 */
#ifndef KS_SSHSIG_H
#define KS_SSHSIG_H

#include <git2.h>
#include <stddef.h>

struct ks_diags;

/* What a check says of a signature; 0 is the only good answer. */
enum ks_sshsig_verdict {
	KS_SSHSIG_GOOD = 0,
	KS_SSHSIG_BAD,			/* it does not match the data */
	KS_SSHSIG_WRONG_NAMESPACE,	/* made for another purpose ("file") */
	KS_SSHSIG_OTHER_KEY,		/* made by a key other than the one given */
	KS_SSHSIG_UNSUPPORTED,		/* a key type, hash or version not handled */
	KS_SSHSIG_MALFORMED,		/* not a well-formed SSH signature */
	KS_SSHSIG_UNSIGNED,		/* the commit has no signature at all */
};

/* "good", "bad", "wrong-namespace", ...: stable words for output. */
const char *ks_sshsig_verdict_name(enum ks_sshsig_verdict v);

#define KS_SSHSIG_KEY_SIZE 32
/* "SHA256:" and 43 characters of unpadded base64, and the NUL */
#define KS_SSHSIG_FINGERPRINT_SIZE 51
/* The longest namespace and key type name a signature may carry. */
#define KS_SSHSIG_MAX_NAME 64

/* An ed25519 public key. */
struct ks_sshsig_key {
	unsigned char pk[KS_SSHSIG_KEY_SIZE];
};

/*
 * Reads a public key as an authorized_keys or .pub line has it:
 * "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA... comment" (the comment is
 * optional; `len` bytes, no NUL needed).  Returns 0; KS_SSHSIG_UNSUPPORTED
 * for a well-formed key of another type; KS_SSHSIG_MALFORMED otherwise.
 * `why` (may be NULL) says what is wrong.
 */
int ks_sshsig_key_parse(struct ks_sshsig_key *out, const char *text,
			size_t len, const char **why);

/*
 * The key's fingerprint as `ssh-keygen -l` prints it ("SHA256:QGRJ..."),
 * NUL-terminated.  Returns 0, or -1 when libsodium cannot start.
 */
int ks_sshsig_key_fingerprint(char out[KS_SSHSIG_FINGERPRINT_SIZE],
			      const struct ks_sshsig_key *key);

enum ks_sshsig_hash {
	KS_SSHSIG_SHA512,	/* what ssh-keygen uses */
	KS_SSHSIG_SHA256,
};

/*
 * A parsed signature.  The key type and fingerprint are filled for any key
 * type once the envelope is well formed, so an unsupported signature can
 * still say whose it is; `key` and `sig` only for ed25519.
 */
struct ks_sshsig {
	char key_type[KS_SSHSIG_MAX_NAME + 1];	/* "ssh-ed25519", "ssh-rsa" */
	char fingerprint[KS_SSHSIG_FINGERPRINT_SIZE];
	struct ks_sshsig_key key;		/* the key that signed */
	char ns[KS_SSHSIG_MAX_NAME + 1];	/* the namespace, "git" */
	enum ks_sshsig_hash hash;
	unsigned char sig[64];			/* the ed25519 signature */
};

/*
 * Reads an armored signature ("-----BEGIN SSH SIGNATURE-----", base64
 * lines, "-----END SSH SIGNATURE-----"; `len` bytes).  Returns 0;
 * KS_SSHSIG_UNSUPPORTED (a newer version, another key type or hash);
 * KS_SSHSIG_MALFORMED; or -1 when libsodium cannot start.  `why` (may be
 * NULL) says what is wrong.
 */
int ks_sshsig_parse(struct ks_sshsig *out, const char *armor, size_t len,
		    const char **why);

/*
 * Checks a parsed signature over `len` bytes of `data`: made for namespace
 * `ns` (git's is "git"), by `key`, and matching the data.  The verdict is
 * the first of KS_SSHSIG_WRONG_NAMESPACE, KS_SSHSIG_OTHER_KEY and
 * KS_SSHSIG_BAD that applies, else KS_SSHSIG_GOOD; -1 when libsodium
 * cannot start.
 *
 * `key` NULL checks against the key the signature names (sig->key): the
 * signature is then only known to be sound, and the caller must still
 * decide whether that key may sign.
 */
int ks_sshsig_check(const struct ks_sshsig *sig, const void *data,
		    size_t len, const char *ns,
		    const struct ks_sshsig_key *key);

/*
 * ks_sshsig_parse, then ks_sshsig_check.  `out` (may be NULL) receives the
 * parsed signature, so that a caller told KS_SSHSIG_OTHER_KEY can say
 * whose it was.
 */
int ks_sshsig_verify(struct ks_sshsig *out, const void *data, size_t len,
		     const char *armor, size_t armor_len, const char *ns,
		     const struct ks_sshsig_key *key, const char **why);

/*
 * The same for a commit: its signature in header `field` (NULL for git's
 * "gpgsig") over the commit's bytes without that header, as git checks
 * it.  Sets *verdict (KS_SSHSIG_UNSIGNED when the header is missing) and
 * returns 0; or returns KS_ENOTFOUND (no such commit), KS_EIO (it cannot
 * be read) or -1 (no memory, libsodium cannot start), with the reason in
 * `d`.
 */
int ks_sshsig_verify_commit(enum ks_sshsig_verdict *verdict,
			    struct ks_sshsig *out, git_repository *repo,
			    const git_oid *id, const char *field,
			    const char *ns, const struct ks_sshsig_key *key,
			    const char **why, struct ks_diags *d);

#endif
