/*
 * SSH signatures checked in process: see sshsig.h.  Written from the
 * format's description (OpenSSH's PROTOCOL.sshsig and RFC 4251's wire
 * encoding); every length read is checked against what remains.
 */
#include "sshsig.h"
#include "sshwire.h"
#include "diag.h"
#include "repo.h"

#include <ctype.h>
#include <sodium.h>
#include <string.h>

/* Far above any real key or signature (RSA 16384 takes some 4 KB). */
#define MAX_BLOB 16384

#define MAGIC "SSHSIG"
#define MAGIC_LEN 6
#define VERSION 1
#define ED25519 "ssh-ed25519"
#define ARMOR_BEGIN "-----BEGIN SSH SIGNATURE-----"
#define ARMOR_END "-----END SSH SIGNATURE-----"
/* string "ssh-ed25519", string of 32 bytes */
#define ED25519_BLOB_LEN (4 + sizeof(ED25519) - 1 + 4 + KS_SSHSIG_KEY_SIZE)

const char *ks_sshsig_verdict_name(enum ks_sshsig_verdict v)
{
	static const char *const names[] = {
		[KS_SSHSIG_GOOD] = "good",
		[KS_SSHSIG_BAD] = "bad",
		[KS_SSHSIG_WRONG_NAMESPACE] = "wrong-namespace",
		[KS_SSHSIG_OTHER_KEY] = "other-key",
		[KS_SSHSIG_UNSUPPORTED] = "unsupported",
		[KS_SSHSIG_MALFORMED] = "malformed",
		[KS_SSHSIG_UNSIGNED] = "unsigned",
	};

	if ((unsigned)v >= sizeof(names) / sizeof(names[0]))
		return "unknown";
	return names[v];
}

/* sodium_init() is safe to call from any thread, any number of times. */
static int sodium_ready(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

static int why_not(const char **why, int status, const char *reason)
{
	if (why)
		*why = reason;
	return status;
}

/* ---- the wire format: uint32 and string, big-endian ---- */

/* A name (key type, namespace) copied out, NUL-terminated: no NUL inside. */
static int copy_name(char out[KS_SSHSIG_MAX_NAME + 1], const unsigned char *s,
		     size_t len)
{
	if (len > KS_SSHSIG_MAX_NAME || memchr(s, '\0', len))
		return -1;
	memcpy(out, s, len);
	out[len] = '\0';
	return 0;
}

static unsigned char *put_u32(unsigned char *p, size_t n)
{
	p[0] = (unsigned char)(n >> 24);
	p[1] = (unsigned char)(n >> 16);
	p[2] = (unsigned char)(n >> 8);
	p[3] = (unsigned char)n;
	return p + 4;
}

static unsigned char *put_string(unsigned char *p, const void *s, size_t len)
{
	p = put_u32(p, len);
	memcpy(p, s, len);
	return p + len;
}

/* ---- keys ---- */

/*
 * The wire-format public key `blob`: its type name into `type`, and for
 * ed25519 the key into `key`.  0, KS_SSHSIG_UNSUPPORTED or
 * KS_SSHSIG_MALFORMED.
 */
static int read_key_blob(char type[KS_SSHSIG_MAX_NAME + 1],
			 struct ks_sshsig_key *key, const unsigned char *blob,
			 size_t len, const char **why)
{
	struct ks_wire r = { blob, len };
	const unsigned char *s, *pk;
	size_t slen, pklen;

	if (ks_wire_string(&r, &s, &slen) < 0 || !slen)
		return why_not(why, KS_SSHSIG_MALFORMED, "the key has no type");
	if (copy_name(type, s, slen) < 0)
		return why_not(why, KS_SSHSIG_MALFORMED, "the key's type name is not a name");
	if (!ks_wire_is(s, slen, ED25519))
		return why_not(why, KS_SSHSIG_UNSUPPORTED,
			    "only ssh-ed25519 keys are supported");
	if (ks_wire_string(&r, &pk, &pklen) < 0 || pklen != KS_SSHSIG_KEY_SIZE ||
	    r.left)
		return why_not(why, KS_SSHSIG_MALFORMED, "the ed25519 key is not 32 bytes");
	memcpy(key->pk, pk, KS_SSHSIG_KEY_SIZE);
	return 0;
}

/* "SHA256:" and the unpadded base64 of the SHA-256 of `blob`. */
static void fingerprint(char out[KS_SSHSIG_FINGERPRINT_SIZE],
			const unsigned char *blob, size_t len)
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, blob, len);
	memcpy(out, "SHA256:", 7);
	sodium_bin2base64(out + 7, KS_SSHSIG_FINGERPRINT_SIZE - 7, h, sizeof(h),
			  sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
}

static int blank(char c)
{
	return c == ' ' || c == '\t';
}

int ks_sshsig_key_parse(struct ks_sshsig_key *out, const char *text,
			size_t len, const char **why)
{
	unsigned char blob[MAX_BLOB];
	char type[KS_SSHSIG_MAX_NAME + 1];
	const char *end = text + len, *t, *b64, *stop;
	size_t tlen, blen;
	int err;

	while (len && (end[-1] == '\n' || end[-1] == '\r'))
		end--, len--;
	while (text < end && blank(*text))
		text++;
	for (t = text; t < end && !blank(*t); t++)
		;
	tlen = (size_t)(t - text);
	for (b64 = t; b64 < end && blank(*b64); b64++)
		;
	for (t = b64; t < end && !blank(*t); t++)
		;
	if (!tlen || t == b64)
		return why_not(why, KS_SSHSIG_MALFORMED,
			    "not a public key (\"ssh-ed25519 AAAA...\")");
	if (sodium_base642bin(blob, sizeof(blob), b64, (size_t)(t - b64), NULL,
			      &blen, &stop, sodium_base64_VARIANT_ORIGINAL) < 0 ||
	    stop != t)
		return why_not(why, KS_SSHSIG_MALFORMED, "the key is not valid base64");
	err = read_key_blob(type, out, blob, blen, why);
	if (err == KS_SSHSIG_MALFORMED)
		return err;
	if (strlen(type) != tlen || memcmp(type, text, tlen))
		return why_not(why, KS_SSHSIG_MALFORMED,
			    "the key's type differs from the type named before it");
	return err;
}

int ks_sshsig_key_fingerprint(char out[KS_SSHSIG_FINGERPRINT_SIZE],
			      const struct ks_sshsig_key *key)
{
	unsigned char blob[ED25519_BLOB_LEN], *p;

	if (sodium_ready() < 0)
		return -1;
	p = put_string(blob, ED25519, sizeof(ED25519) - 1);
	put_string(p, key->pk, KS_SSHSIG_KEY_SIZE);
	fingerprint(out, blob, sizeof(blob));
	return 0;
}

/* ---- signatures ---- */

/*
 * The base64 between the armor lines, decoded into blob[MAX_BLOB].  As in
 * ssh-keygen, the first line is the BEGIN line and blanks inside the
 * base64 do not count; unlike it, nothing but blanks may follow the END
 * line.
 */
static int unarmor(unsigned char *blob, size_t *blen, const char *armor,
		   size_t len, const char **why)
{
	const char *end = armor + len, *body, *stop, *tail;
	size_t begin_len = sizeof(ARMOR_BEGIN) - 1;
	size_t end_len = sizeof(ARMOR_END) - 1;

	while (end > armor && isspace((unsigned char)end[-1]))
		end--;
	if ((size_t)(end - armor) <= begin_len + end_len ||
	    memcmp(armor, ARMOR_BEGIN, begin_len) || armor[begin_len] != '\n')
		return why_not(why, KS_SSHSIG_MALFORMED,
			    "not an SSH signature (no \"" ARMOR_BEGIN "\" line)");
	body = armor + begin_len + 1;
	tail = end - end_len;
	if (tail < body || memcmp(tail, ARMOR_END, end_len) || tail[-1] != '\n')
		return why_not(why, KS_SSHSIG_MALFORMED,
			    "the signature is cut short (no \"" ARMOR_END "\" line)");
	if (sodium_base642bin(blob, MAX_BLOB, body, (size_t)(tail - body),
			      " \t\r\n", blen, &stop,
			      sodium_base64_VARIANT_ORIGINAL) < 0 || stop != tail)
		return why_not(why, KS_SSHSIG_MALFORMED,
			    "the signature is not valid base64, or too long");
	return 0;
}

int ks_sshsig_parse(struct ks_sshsig *out, const char *armor, size_t len,
		    const char **why)
{
	unsigned char blob[MAX_BLOB];
	struct ks_wire r, sr;
	const unsigned char *pub, *ns, *reserved, *hash, *sig, *stype, *raw;
	size_t blen, publen, nslen, reslen, hashlen, siglen, stlen, rawlen;
	const char *unsupported = NULL, *reason = NULL;
	unsigned long version;
	int err;

	memset(out, 0, sizeof(*out));
	if (sodium_ready() < 0)
		return why_not(why, -1, "libsodium cannot start");
	if ((err = unarmor(blob, &blen, armor, len, why)))
		return err;
	r.p = blob;
	r.left = blen;
	if (r.left < MAGIC_LEN || memcmp(r.p, MAGIC, MAGIC_LEN))
		return why_not(why, KS_SSHSIG_MALFORMED, "no SSHSIG magic");
	r.p += MAGIC_LEN;
	r.left -= MAGIC_LEN;
	if (ks_wire_u32(&r, &version) < 0)
		return why_not(why, KS_SSHSIG_MALFORMED, "the signature is cut short");
	if (version != VERSION)
		return why_not(why, KS_SSHSIG_UNSUPPORTED,
			    "a signature version other than 1");
	if (ks_wire_string(&r, &pub, &publen) < 0 ||
	    ks_wire_string(&r, &ns, &nslen) < 0 ||
	    ks_wire_string(&r, &reserved, &reslen) < 0 ||
	    ks_wire_string(&r, &hash, &hashlen) < 0 ||
	    ks_wire_string(&r, &sig, &siglen) < 0)
		return why_not(why, KS_SSHSIG_MALFORMED,
			    "a length runs past the end of the signature");
	if (r.left)
		return why_not(why, KS_SSHSIG_MALFORMED,
			    "bytes after the end of the signature");
	/*
	 * The reserved field is for future use; OpenSSH signs and checks an
	 * empty one whatever the signature holds, and so does this.
	 */
	(void)reserved;
	(void)reslen;
	if (!nslen || copy_name(out->ns, ns, nslen) < 0)
		return why_not(why, KS_SSHSIG_MALFORMED,
			    "the namespace is empty, too long or not text");
	err = read_key_blob(out->key_type, &out->key, pub, publen, &reason);
	if (err == KS_SSHSIG_MALFORMED)
		return why_not(why, err, reason);
	fingerprint(out->fingerprint, pub, publen);
	if (err)
		unsupported = reason;
	if (ks_wire_is(hash, hashlen, "sha512"))
		out->hash = KS_SSHSIG_SHA512;
	else if (ks_wire_is(hash, hashlen, "sha256"))
		out->hash = KS_SSHSIG_SHA256;
	else if (!unsupported)
		unsupported = "a hash other than sha512 and sha256";
	if (unsupported)
		return why_not(why, KS_SSHSIG_UNSUPPORTED, unsupported);

	sr.p = sig;
	sr.left = siglen;
	if (ks_wire_string(&sr, &stype, &stlen) < 0 ||
	    ks_wire_string(&sr, &raw, &rawlen) < 0 || sr.left)
		return why_not(why, KS_SSHSIG_MALFORMED,
			    "the signature field is not a type and a signature");
	if (!ks_wire_is(stype, stlen, ED25519))
		return why_not(why, KS_SSHSIG_MALFORMED,
			    "the signature's type is not its key's");
	if (rawlen != sizeof(out->sig))
		return why_not(why, KS_SSHSIG_MALFORMED,
			    "the ed25519 signature is not 64 bytes");
	memcpy(out->sig, raw, sizeof(out->sig));
	return 0;
}

int ks_sshsig_check(const struct ks_sshsig *sig, const void *data,
		    size_t len, const char *ns,
		    const struct ks_sshsig_key *key)
{
	/* MAGIC, string ns, string reserved, string hash, string H(data) */
	unsigned char msg[MAGIC_LEN + 4 + KS_SSHSIG_MAX_NAME + 4 + 4 + 6 + 4 +
			  crypto_hash_sha512_BYTES];
	unsigned char h[crypto_hash_sha512_BYTES], *p;
	size_t hlen;
	const char *hname;

	if (sodium_ready() < 0)
		return -1;
	if (strcmp(sig->ns, ns))
		return KS_SSHSIG_WRONG_NAMESPACE;
	if (!key)
		key = &sig->key;
	else if (sodium_memcmp(key->pk, sig->key.pk, KS_SSHSIG_KEY_SIZE))
		return KS_SSHSIG_OTHER_KEY;
	if (sig->hash == KS_SSHSIG_SHA256) {
		crypto_hash_sha256(h, data, len);
		hlen = crypto_hash_sha256_BYTES;
		hname = "sha256";
	} else {
		crypto_hash_sha512(h, data, len);
		hlen = crypto_hash_sha512_BYTES;
		hname = "sha512";
	}
	memcpy(msg, MAGIC, MAGIC_LEN);
	p = put_string(msg + MAGIC_LEN, sig->ns, strlen(sig->ns));
	p = put_u32(p, 0);
	p = put_string(p, hname, strlen(hname));
	p = put_string(p, h, hlen);
	if (crypto_sign_verify_detached(sig->sig, msg, (size_t)(p - msg),
					key->pk))
		return KS_SSHSIG_BAD;
	return KS_SSHSIG_GOOD;
}

int ks_sshsig_verify(struct ks_sshsig *out, const void *data, size_t len,
		     const char *armor, size_t armor_len, const char *ns,
		     const struct ks_sshsig_key *key, const char **why)
{
	struct ks_sshsig local;
	int err;

	if (!out)
		out = &local;
	if (why)
		*why = NULL;
	err = ks_sshsig_parse(out, armor, armor_len, why);
	if (err)
		return err;
	err = ks_sshsig_check(out, data, len, ns, key);
	if (err < 0)
		return why_not(why, -1, "libsodium cannot start");
	return err;
}

int ks_sshsig_verify_commit(enum ks_sshsig_verdict *verdict,
			    struct ks_sshsig *out, git_repository *repo,
			    const git_oid *id, const char *field,
			    const char *ns, const struct ks_sshsig_key *key,
			    const char **why, struct ks_diags *d)
{
	git_buf sig = GIT_BUF_INIT, data = GIT_BUF_INIT;
	git_oid oid;
	git_odb *odb = NULL;
	int err, v;

	*verdict = KS_SSHSIG_MALFORMED;
	if (why)
		*why = NULL;
	git_oid_cpy(&oid, id);
	err = git_commit_extract_signature(&sig, &data, repo, &oid, field);
	if (err == GIT_ENOTFOUND) {
		/* either the commit or its signature header is missing */
		if (git_repository_odb(&odb, repo) < 0)
			err = ks_error(d, KS_EIO, NULL, 0, 0,
				       "cannot open the object database: %s",
				       ks_git_error());
		else if (!git_odb_exists(odb, &oid))
			err = ks_error(d, KS_ENOTFOUND, NULL, 0, 0,
				       "no commit %s", git_oid_tostr_s(&oid));
		else {
			*verdict = KS_SSHSIG_UNSIGNED;
			err = 0;
		}
		goto out;
	}
	if (err < 0) {
		err = ks_error(d, KS_EIO, NULL, 0, 0,
			       "cannot read the signature of commit %s: %s",
			       git_oid_tostr_s(&oid), ks_git_error());
		goto out;
	}
	v = ks_sshsig_verify(out, data.ptr, data.size, sig.ptr, sig.size, ns,
			     key, why);
	if (v < 0) {
		err = ks_error(d, -1, NULL, 0, 0,
			       "cannot check the signature of commit %s: libsodium cannot start",
			       git_oid_tostr_s(&oid));
		goto out;
	}
	*verdict = (enum ks_sshsig_verdict)v;
out:
	git_odb_free(odb);
	git_buf_dispose(&sig);
	git_buf_dispose(&data);
	return err;
}
