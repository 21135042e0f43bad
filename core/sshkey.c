/*
 * A laptop's own ed25519 key and the signatures it makes: see sshkey.h.
 * The formats are OpenSSH's PROTOCOL.key and PROTOCOL.sshsig.
 */
#include "sshkey.h"
#include "alloc.h"
#include "buf.h"
#include "sshwire.h"
#include "diag.h"
#include "file.h"

#include <errno.h>
#include <sodium.h>
#include <string.h>
#include <sys/stat.h>

#define ED25519 "ssh-ed25519"
#define KEY_MAGIC "openssh-key-v1"	/* and its NUL */
#define KEY_BEGIN "-----BEGIN OPENSSH PRIVATE KEY-----"
#define KEY_END "-----END OPENSSH PRIVATE KEY-----"
#define SIG_BEGIN "-----BEGIN SSH SIGNATURE-----"
#define SIG_END "-----END SSH SIGNATURE-----"
#define MAX_KEY_FILE 4096

/* ---- the wire format, into a growing buffer ---- */

static int put_u32(struct ks_buf *b, size_t n)
{
	unsigned char p[4];

	p[0] = (unsigned char)(n >> 24);
	p[1] = (unsigned char)(n >> 16);
	p[2] = (unsigned char)(n >> 8);
	p[3] = (unsigned char)n;
	return ks_buf_add(b, p, 4);
}

static int put_string(struct ks_buf *b, const void *s, size_t len)
{
	return put_u32(b, len) < 0 || ks_buf_add(b, s, len) < 0 ? -1 : 0;
}

static int put_cstring(struct ks_buf *b, const char *s)
{
	return put_string(b, s, strlen(s));
}

/* string "ssh-ed25519", string pk: the public key's wire form. */
static int put_public(struct ks_buf *b, const struct ks_sshsig_key *pub)
{
	struct ks_buf blob = KS_BUF_INIT;
	int err = put_cstring(&blob, ED25519) < 0 ||
		  put_string(&blob, pub->pk, KS_SSHSIG_KEY_SIZE) < 0 ||
		  put_string(b, blob.ptr, blob.len) < 0 ? -1 : 0;

	ks_buf_release(&blob);
	return err;
}

/* Base64 of `len` bytes, in lines of 70 as OpenSSH writes them. */
static int put_armor(struct ks_buf *out, const char *begin, const char *end,
		     const unsigned char *data, size_t len)
{
	size_t b64len = sodium_base64_encoded_len(len, sodium_base64_VARIANT_ORIGINAL);
	char *b64 = ks_malloc(b64len);
	size_t i, n;
	int err = -1;

	if (!b64)
		return -1;
	sodium_bin2base64(b64, b64len, data, len, sodium_base64_VARIANT_ORIGINAL);
	n = strlen(b64);
	if (ks_buf_addf(out, "%s\n", begin) < 0)
		goto out;
	for (i = 0; i < n; i += 70)
		if (ks_buf_add(out, b64 + i, n - i < 70 ? n - i : 70) < 0 ||
		    ks_buf_putc(out, '\n') < 0)
			goto out;
	err = ks_buf_addf(out, "%s\n", end);
out:
	ks_free(b64);
	return err;
}

/* ---- reading ---- */

static int why_not(const char **why, int status, const char *reason)
{
	if (why)
		*why = reason;
	return status;
}

/* ---- keys ---- */

int ks_sshkey_generate(struct ks_sshkey *out)
{
	if (sodium_init() < 0)
		return -1;
	crypto_sign_keypair(out->pub.pk, out->sk);
	return 0;
}

void ks_sshkey_wipe(struct ks_sshkey *k)
{
	sodium_memzero(k, sizeof(*k));
}

int ks_sshkey_public_text(struct ks_buf *out, const struct ks_sshsig_key *pub,
			  const char *comment)
{
	struct ks_buf blob = KS_BUF_INIT;
	size_t b64len;
	char *b64 = NULL;
	int err = -1;

	if (sodium_init() < 0 || put_cstring(&blob, ED25519) < 0 ||
	    put_string(&blob, pub->pk, KS_SSHSIG_KEY_SIZE) < 0)
		goto out;
	b64len = sodium_base64_encoded_len(blob.len, sodium_base64_VARIANT_ORIGINAL);
	if (!(b64 = ks_malloc(b64len)))
		goto out;
	sodium_bin2base64(b64, b64len, (const unsigned char *)blob.ptr, blob.len,
			  sodium_base64_VARIANT_ORIGINAL);
	err = ks_buf_addf(out, ED25519 " %s%s%s", b64, comment ? " " : "",
			  comment ? comment : "");
out:
	ks_free(b64);
	ks_buf_release(&blob);
	return err;
}

int ks_sshkey_private_text(struct ks_buf *out, const struct ks_sshkey *k,
			   const char *comment)
{
	struct ks_buf file = KS_BUF_INIT, priv = KS_BUF_INIT;
	uint32_t check = randombytes_random();
	unsigned char pad = 1;
	int err = -1;

	if (sodium_init() < 0)
		return -1;
	/* The private section: check ints, the key, its comment, padding. */
	if (put_u32(&priv, check) < 0 || put_u32(&priv, check) < 0 ||
	    put_cstring(&priv, ED25519) < 0 ||
	    put_string(&priv, k->pub.pk, KS_SSHSIG_KEY_SIZE) < 0 ||
	    put_string(&priv, k->sk, sizeof(k->sk)) < 0 ||
	    put_cstring(&priv, comment ? comment : "") < 0)
		goto out;
	while (priv.len % 8)
		if (ks_buf_putc(&priv, (char)pad++) < 0)
			goto out;
	if (ks_buf_add(&file, KEY_MAGIC, sizeof(KEY_MAGIC)) < 0 ||
	    put_cstring(&file, "none") < 0 || put_cstring(&file, "none") < 0 ||
	    put_cstring(&file, "") < 0 || put_u32(&file, 1) < 0 ||
	    put_public(&file, &k->pub) < 0 ||
	    put_string(&file, priv.ptr, priv.len) < 0)
		goto out;
	err = put_armor(out, KEY_BEGIN, KEY_END, (const unsigned char *)file.ptr,
			file.len);
out:
	sodium_memzero(priv.ptr, priv.len);
	sodium_memzero(file.ptr, file.len);
	ks_buf_release(&priv);
	ks_buf_release(&file);
	return err;
}

/* The base64 between KEY_BEGIN and KEY_END, decoded into `blob`. */
static int unarmor_key(unsigned char *blob, size_t *blen, const char *text,
		       size_t len, const char **why)
{
	const char *end = text + len, *body, *tail;
	const char *stop;

	while (end > text && (end[-1] == '\n' || end[-1] == '\r' ||
			      end[-1] == ' ' || end[-1] == '\t'))
		end--;
	if ((size_t)(end - text) < sizeof(KEY_BEGIN) + sizeof(KEY_END) ||
	    memcmp(text, KEY_BEGIN, sizeof(KEY_BEGIN) - 1))
		return why_not(why, KS_SSHSIG_MALFORMED,
			    "not an OpenSSH private key (no \"" KEY_BEGIN "\" line)");
	body = text + sizeof(KEY_BEGIN) - 1;
	tail = end - (sizeof(KEY_END) - 1);
	if (tail < body || memcmp(tail, KEY_END, sizeof(KEY_END) - 1))
		return why_not(why, KS_SSHSIG_MALFORMED,
			    "the key file is cut short (no \"" KEY_END "\" line)");
	if (sodium_base642bin(blob, MAX_KEY_FILE, body, (size_t)(tail - body),
			      " \t\r\n", blen, &stop,
			      sodium_base64_VARIANT_ORIGINAL) < 0 || stop != tail)
		return why_not(why, KS_SSHSIG_MALFORMED,
			    "the key file is not valid base64, or too long");
	return 0;
}

int ks_sshkey_parse(struct ks_sshkey *out, const char *text, size_t len,
		    const char **why)
{
	unsigned char blob[MAX_KEY_FILE], derived[crypto_sign_PUBLICKEYBYTES];
	const unsigned char *cipher, *kdf, *kdfopt, *pub, *priv, *type, *pk, *sk;
	size_t blen, clen, klen, kolen, publen, privlen, tlen, pklen, sklen;
	unsigned long nkeys, c1, c2;
	struct ks_wire r, pr;
	int err = KS_SSHSIG_MALFORMED;

	memset(out, 0, sizeof(*out));
	if (sodium_init() < 0)
		return why_not(why, -1, "libsodium cannot start");
	if ((err = unarmor_key(blob, &blen, text, len, why)))
		goto out;
	err = KS_SSHSIG_MALFORMED;
	r.p = blob;
	r.left = blen;
	if (r.left < sizeof(KEY_MAGIC) || memcmp(r.p, KEY_MAGIC, sizeof(KEY_MAGIC))) {
		why_not(why, err, "not an openssh-key-v1 key");
		goto out;
	}
	r.p += sizeof(KEY_MAGIC);
	r.left -= sizeof(KEY_MAGIC);
	if (ks_wire_string(&r, &cipher, &clen) < 0 || ks_wire_string(&r, &kdf, &klen) < 0 ||
	    ks_wire_string(&r, &kdfopt, &kolen) < 0 || ks_wire_u32(&r, &nkeys) < 0 ||
	    ks_wire_string(&r, &pub, &publen) < 0 ||
	    ks_wire_string(&r, &priv, &privlen) < 0 || r.left) {
		why_not(why, err, "the key file is cut short or has bytes after its end");
		goto out;
	}
	(void)kdfopt;
	if (!ks_wire_is(cipher, clen, "none") || !ks_wire_is(kdf, klen, "none")) {
		err = why_not(why, KS_SSHSIG_UNSUPPORTED,
			   "the key is protected by a passphrase: khaosat signs with a key without one");
		goto out;
	}
	if (nkeys != 1) {
		why_not(why, err, "the key file does not hold exactly one key");
		goto out;
	}
	pr.p = priv;
	pr.left = privlen;
	if (ks_wire_u32(&pr, &c1) < 0 || ks_wire_u32(&pr, &c2) < 0 || c1 != c2 ||
	    ks_wire_string(&pr, &type, &tlen) < 0) {
		why_not(why, err, "the key's private part does not read");
		goto out;
	}
	if (!ks_wire_is(type, tlen, ED25519)) {
		err = why_not(why, KS_SSHSIG_UNSUPPORTED, "only ssh-ed25519 keys are supported");
		goto out;
	}
	if (ks_wire_string(&pr, &pk, &pklen) < 0 || pklen != KS_SSHSIG_KEY_SIZE ||
	    ks_wire_string(&pr, &sk, &sklen) < 0 || sklen != sizeof(out->sk)) {
		why_not(why, err, "the ed25519 key has the wrong size");
		goto out;
	}
	/* Both halves, and the public key before the private part, agree. */
	crypto_sign_ed25519_sk_to_pk(derived, sk);
	if (memcmp(derived, pk, sizeof(derived)) || memcmp(sk + 32, pk, 32) ||
	    publen != 4 + sizeof(ED25519) - 1 + 4 + KS_SSHSIG_KEY_SIZE ||
	    memcmp(pub + publen - KS_SSHSIG_KEY_SIZE, pk, KS_SSHSIG_KEY_SIZE)) {
		why_not(why, err, "the key's public and private halves differ");
		goto out;
	}
	memcpy(out->sk, sk, sizeof(out->sk));
	memcpy(out->pub.pk, pk, KS_SSHSIG_KEY_SIZE);
	err = 0;
out:
	sodium_memzero(blob, sizeof(blob));
	return err;
}

/* ---- signatures ---- */

int ks_sshkey_sign(struct ks_buf *armor, const struct ks_sshkey *k,
		   const void *data, size_t len, const char *ns)
{
	unsigned char h[crypto_hash_sha512_BYTES], sig[crypto_sign_BYTES];
	struct ks_buf msg = KS_BUF_INIT, blob = KS_BUF_INIT, sigblob = KS_BUF_INIT;
	int err = -1;

	if (sodium_init() < 0)
		return -1;
	crypto_hash_sha512(h, data, len);
	/* What is signed: MAGIC, namespace, reserved, hash name, H(data). */
	if (ks_buf_add(&msg, "SSHSIG", 6) < 0 || put_cstring(&msg, ns) < 0 ||
	    put_cstring(&msg, "") < 0 || put_cstring(&msg, "sha512") < 0 ||
	    put_string(&msg, h, sizeof(h)) < 0)
		goto out;
	crypto_sign_detached(sig, NULL, (const unsigned char *)msg.ptr, msg.len,
			     k->sk);
	/* What is written: MAGIC, version, key, namespace, reserved, hash, sig. */
	if (put_cstring(&sigblob, ED25519) < 0 ||
	    put_string(&sigblob, sig, sizeof(sig)) < 0 ||
	    ks_buf_add(&blob, "SSHSIG", 6) < 0 || put_u32(&blob, 1) < 0 ||
	    put_public(&blob, &k->pub) < 0 || put_cstring(&blob, ns) < 0 ||
	    put_cstring(&blob, "") < 0 || put_cstring(&blob, "sha512") < 0 ||
	    put_string(&blob, sigblob.ptr, sigblob.len) < 0)
		goto out;
	err = put_armor(armor, SIG_BEGIN, SIG_END, (const unsigned char *)blob.ptr,
			blob.len);
out:
	ks_buf_release(&msg);
	ks_buf_release(&blob);
	ks_buf_release(&sigblob);
	return err;
}

/* ---- files ---- */

static int put_file(const char *path, const struct ks_buf *text, mode_t mode,
		    struct ks_diags *d)
{
	struct ks_file f = KS_FILE_INIT;
	int err;

	if ((err = ks_file_begin(&f, path, KS_FILE_DURABLE | KS_FILE_FOLDERS, d)))
		return err;
	if (fchmod(f.fd, mode) < 0) {
		err = ks_error(d, KS_EIO, path, 0, 0, "cannot keep the key private: %s",
			       strerror(errno));
		ks_file_abort(&f);
		return err;
	}
	ks_file_write(&f, text->ptr, text->len);
	return ks_file_commit(&f, d);
}

int ks_sshkey_save(const struct ks_sshkey *k, const char *path,
		   const char *comment, struct ks_diags *d)
{
	struct ks_buf priv = KS_BUF_INIT, pub = KS_BUF_INIT, pubpath = KS_BUF_INIT;
	int err = -1;

	if (ks_sshkey_private_text(&priv, k, comment) < 0 ||
	    ks_sshkey_public_text(&pub, &k->pub, comment) < 0 ||
	    ks_buf_putc(&pub, '\n') < 0 ||
	    ks_buf_addf(&pubpath, "%s.pub", path) < 0)
		goto out;
	if (!(err = put_file(path, &priv, 0600, d)))
		err = put_file(pubpath.ptr, &pub, 0644, d);
out:
	sodium_memzero(priv.ptr, priv.len);
	ks_buf_release(&priv);
	ks_buf_release(&pub);
	ks_buf_release(&pubpath);
	return err;
}

int ks_sshkey_load(struct ks_sshkey *out, const char *path,
		   struct ks_diags *d)
{
	struct ks_buf text = KS_BUF_INIT;
	const char *why = NULL;
	int err;

	if (ks_buf_read_file(&text, path, MAX_KEY_FILE * 2) < 0) {
		err = errno == ENOENT ? KS_ENOTFOUND
			: ks_error(d, KS_EIO, path, 0, 0, "cannot read the signing key: %s",
				   strerror(errno));
		goto out;
	}
	err = ks_sshkey_parse(out, text.ptr, text.len, &why);
	if (err > 0)
		err = ks_error(d, KS_EINVALID, path, 0, 0,
			       "not a signing key khaosat can use: %s", why);
out:
	sodium_memzero(text.ptr, text.len);
	ks_buf_release(&text);
	return err;
}
