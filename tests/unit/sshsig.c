/*
 * Unit tests for core/sshsig.h: SSH signatures checked in process, against
 * vectors ssh-keygen and git made (tests/data/sshsig/, see make.sh there):
 * good ones, and every way of spoiling one (a bit of the data or of the
 * signature, another namespace or key, cut or garbled armor, lengths that
 * run past the end), keys of other types, and a signed git commit.
 */
#include "unit.h"

#include "buf.h"
#include "diag.h"
#include "file.h"
#include "sshsig.h"

#include <git2.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define BEGIN "-----BEGIN SSH SIGNATURE-----\n"
#define END "-----END SSH SIGNATURE-----\n"

static const char *top(void)
{
	const char *t = getenv("KHAOSAT_TOP");

	return t && *t ? t : ".";
}

/* tests/data/sshsig/NAME, whole. */
static void slurp(struct ks_buf *b, const char *name)
{
	struct ks_buf path = KS_BUF_INIT;

	ks_buf_reset(b);
	ks_buf_addf(&path, "%s/tests/data/sshsig/%s", top(), name);
	if (ks_buf_read_file(b, path.ptr, 1 << 20) < 0)
		print_message("cannot read %s\n", path.ptr);
	assert_true(b->len > 0);
	ks_buf_release(&path);
}

static struct ks_sshsig_key key_of(const char *name)
{
	struct ks_sshsig_key k;
	struct ks_buf b = KS_BUF_INIT;
	const char *why = NULL;

	slurp(&b, name);
	if (ks_sshsig_key_parse(&k, b.ptr, b.len, &why))
		print_message("%s: %s\n", name, why);
	assert_int_equal(ks_sshsig_key_parse(&k, b.ptr, b.len, NULL), 0);
	ks_buf_release(&b);
	return k;
}

/* The fingerprint ssh-keygen -lf printed: "256 SHA256:... comment (TYPE)" */
static void fpr_of(char out[KS_SSHSIG_FINGERPRINT_SIZE], const char *name)
{
	struct ks_buf b = KS_BUF_INIT;
	const char *s, *e;

	slurp(&b, name);
	s = strchr(b.ptr, ' ');
	assert_non_null(s);
	e = strchr(++s, ' ');
	assert_non_null(e);
	assert_true((size_t)(e - s) < KS_SSHSIG_FINGERPRINT_SIZE);
	memcpy(out, s, (size_t)(e - s));
	out[e - s] = '\0';
	ks_buf_release(&b);
}

/* The bytes inside an armored signature. */
static void unarmor(struct ks_buf *blob, const struct ks_buf *armor)
{
	const char *body = armor->ptr + strlen(BEGIN);
	const char *end = strstr(armor->ptr, END);
	size_t len;

	assert_non_null(end);
	ks_buf_reset(blob);
	assert_int_equal(ks_buf_grow(blob, armor->len), 0);
	assert_int_equal(sodium_base642bin((unsigned char *)blob->ptr,
					   armor->len, body, (size_t)(end - body),
					   "\n", &len, NULL,
					   sodium_base64_VARIANT_ORIGINAL), 0);
	blob->len = len;
}

/* Armor around `len` bytes, in lines of 70 as ssh-keygen writes them. */
static void armor(struct ks_buf *out, const void *blob, size_t len)
{
	size_t n = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
	char *b64 = malloc(n);
	size_t i, b64len;

	assert_non_null(b64);
	sodium_bin2base64(b64, n, blob, len, sodium_base64_VARIANT_ORIGINAL);
	b64len = strlen(b64);
	ks_buf_reset(out);
	ks_buf_puts(out, BEGIN);
	for (i = 0; i < b64len; i += 70) {
		ks_buf_add(out, b64 + i, b64len - i < 70 ? b64len - i : 70);
		ks_buf_putc(out, '\n');
	}
	ks_buf_puts(out, END);
	free(b64);
}

static int verify(const struct ks_buf *data, const char *armor_text,
		  size_t len, const char *ns, const struct ks_sshsig_key *key,
		  const char **why)
{
	return ks_sshsig_verify(NULL, data->ptr, data->len, armor_text, len, ns,
				key, why);
}

/* The verdict on the signature made of the bytes of `blob`. */
static int verify_blob(const struct ks_buf *data, const struct ks_buf *blob,
		       const struct ks_sshsig_key *key, const char **why)
{
	struct ks_buf a = KS_BUF_INIT;
	int v;

	armor(&a, blob->ptr, blob->len);
	v = verify(data, a.ptr, a.len, "git", key, why);
	ks_buf_release(&a);
	return v;
}

static void assert_verdict(int got, int want, const char *what,
			   const char *why)
{
	if (got != want)
		print_message("%s: %s (%s), wanted %s\n", what,
			      got < 0 ? "error" : ks_sshsig_verdict_name(got),
			      why ? why : "no reason", ks_sshsig_verdict_name(want));
	assert_int_equal(got, want);
}

/* Where a signature's fields start, as offsets into its bytes. */
struct layout {
	size_t pub, key_type, key, ns, reserved, hash, sig, sig_type, raw, end;
};

static size_t skip_string(const struct ks_buf *b, size_t at)
{
	const unsigned char *p = (const unsigned char *)b->ptr + at;

	assert_true(at + 4 <= b->len);
	return at + 4 + ((size_t)p[0] << 24 | (size_t)p[1] << 16 |
			 (size_t)p[2] << 8 | p[3]);
}

static struct layout layout_of(const struct ks_buf *b)
{
	struct layout l;

	l.pub = 10;
	l.key_type = l.pub + 4;
	l.key = skip_string(b, l.key_type);
	l.ns = skip_string(b, l.pub);
	l.reserved = skip_string(b, l.ns);
	l.hash = skip_string(b, l.reserved);
	l.sig = skip_string(b, l.hash);
	l.sig_type = l.sig + 4;
	l.raw = skip_string(b, l.sig_type);
	l.end = skip_string(b, l.sig);
	assert_int_equal(l.end, b->len);
	return l;
}

static void put_u32(struct ks_buf *b, size_t at, unsigned long v)
{
	unsigned char *p = (unsigned char *)b->ptr + at;

	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* `blob` with `len` bytes at `at` replaced by the string `s`. */
static void replace_string(struct ks_buf *out, const struct ks_buf *blob,
			   size_t at, const char *s)
{
	size_t old_end = skip_string(blob, at);

	ks_buf_reset(out);
	ks_buf_add(out, blob->ptr, at);
	ks_buf_add(out, "\0\0\0\0", 4);
	put_u32(out, at, strlen(s));
	ks_buf_puts(out, s);
	ks_buf_add(out, blob->ptr + old_end, blob->len - old_end);
}

/*
 * What most tests start from: the message, key's signature of it (as
 * armor, and its bytes), room for a spoilt copy, and the two keys.
 */
struct fx {
	struct ks_buf data, sig, blob, forged;
	struct ks_sshsig_key key, other;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	ks_buf_init(&f->data);
	ks_buf_init(&f->sig);
	ks_buf_init(&f->blob);
	ks_buf_init(&f->forged);
	slurp(&f->data, "message");
	slurp(&f->sig, "message.sig");
	unarmor(&f->blob, &f->sig);
	f->key = key_of("key.pub");
	f->other = key_of("other.pub");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	ks_buf_release(&f->data);
	ks_buf_release(&f->sig);
	ks_buf_release(&f->blob);
	ks_buf_release(&f->forged);
	free(f);
	return 0;
}

static void test_key(void **state)
{
	static const char *const bad[] = {
		"", "ssh-ed25519", "ssh-ed25519 ", " AAAA", "ssh-ed25519 !!!!",
		"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5",	/* the type, no key */
		"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA==", /* key 32, 0 there */
		"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIC4jKCJiOoiXcAqEeGgIBm9bPKl4l70xeJOVZRNPc/cS=",
		"ssh-ed25519 AAAAB3NzaC1yc2EAAAADAQAB", /* ssh-rsa inside */
		"ssh-ed25519 AAAAAA==", /* an empty type */
	};
	struct ks_buf b = KS_BUF_INIT, line = KS_BUF_INIT;
	struct ks_sshsig_key k, k2;
	char fp[KS_SSHSIG_FINGERPRINT_SIZE], want[KS_SSHSIG_FINGERPRINT_SIZE];
	const char *why;
	size_t i;

	/* The fingerprints are ssh-keygen -lf's. */
	k = key_of("key.pub");
	assert_int_equal(ks_sshsig_key_fingerprint(fp, &k), 0);
	fpr_of(want, "key.fpr");
	assert_string_equal(fp, want);
	k2 = key_of("other.pub");
	assert_int_equal(ks_sshsig_key_fingerprint(fp, &k2), 0);
	fpr_of(want, "other.fpr");
	assert_string_equal(fp, want);
	assert_memory_not_equal(k.pk, k2.pk, KS_SSHSIG_KEY_SIZE);

	/* Without its comment or its newline, with blanks around: the same. */
	slurp(&b, "key.pub");
	ks_buf_add(&line, "\t ", 2);
	ks_buf_add(&line, b.ptr, (size_t)(strchr(strchr(b.ptr, ' ') + 1, ' ') - b.ptr));
	assert_int_equal(ks_sshsig_key_parse(&k2, line.ptr, line.len, NULL), 0);
	assert_memory_equal(k.pk, k2.pk, KS_SSHSIG_KEY_SIZE);
	ks_buf_puts(&line, "\r\n");
	assert_int_equal(ks_sshsig_key_parse(&k2, line.ptr, line.len, NULL), 0);
	assert_memory_equal(k.pk, k2.pk, KS_SSHSIG_KEY_SIZE);
	/* Only `len` bytes are read: the key cut short is not one. */
	assert_int_equal(ks_sshsig_key_parse(&k2, b.ptr, 40, &why),
			 KS_SSHSIG_MALFORMED);

	/* Other types are recognised as such. */
	slurp(&b, "rsa.pub");
	why = NULL;
	assert_int_equal(ks_sshsig_key_parse(&k2, b.ptr, b.len, &why),
			 KS_SSHSIG_UNSUPPORTED);
	assert_non_null(why);
	slurp(&b, "ecdsa.pub");
	assert_int_equal(ks_sshsig_key_parse(&k2, b.ptr, b.len, NULL),
			 KS_SSHSIG_UNSUPPORTED);
	/* ... unless the name before the data lies about it. */
	assert_non_null(memchr(b.ptr, ' ', b.len));
	ks_buf_reset(&line);
	ks_buf_puts(&line, "ssh-ed25519");
	ks_buf_puts(&line, strchr(b.ptr, ' '));
	assert_int_equal(ks_sshsig_key_parse(&k2, line.ptr, line.len, NULL),
			 KS_SSHSIG_MALFORMED);

	/* A key of 31 or 33 bytes, each framed as it says. */
	for (i = 31; i <= 33; i += 2) {
		unsigned char wire[4 + 11 + 4 + 33] = "\0\0\0\13ssh-ed25519\0\0\0";
		char b64[sodium_base64_ENCODED_LEN(sizeof(wire),
						   sodium_base64_VARIANT_ORIGINAL)];

		wire[18] = (unsigned char)i;
		memset(wire + 19, 0x42, i);
		sodium_bin2base64(b64, sizeof(b64), wire, 19 + i,
				  sodium_base64_VARIANT_ORIGINAL);
		ks_buf_reset(&line);
		ks_buf_addf(&line, "ssh-ed25519 %s", b64);
		assert_int_equal(ks_sshsig_key_parse(&k2, line.ptr, line.len, NULL),
				 KS_SSHSIG_MALFORMED);
	}

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		if (ks_sshsig_key_parse(&k2, bad[i], strlen(bad[i]), &why) !=
		    KS_SSHSIG_MALFORMED)
			print_message("\"%s\" was taken for a key\n", bad[i]);
		assert_int_equal(ks_sshsig_key_parse(&k2, bad[i], strlen(bad[i]), &why),
				 KS_SSHSIG_MALFORMED);
		assert_non_null(why);
	}
	ks_buf_release(&b);
	ks_buf_release(&line);
}

static void test_good(void **state)
{
	struct fx *f = *state;
	struct ks_buf text = KS_BUF_INIT;
	struct ks_sshsig s;
	char want[KS_SSHSIG_FINGERPRINT_SIZE];
	const char *why = "unset";
	size_t i;

	assert_verdict(ks_sshsig_verify(&s, f->data.ptr, f->data.len, f->sig.ptr,
					f->sig.len, "git", &f->key, &why),
		       KS_SSHSIG_GOOD, "message.sig", why);
	assert_null(why);
	assert_string_equal(s.key_type, "ssh-ed25519");
	assert_string_equal(s.ns, "git");
	assert_int_equal(s.hash, KS_SSHSIG_SHA512);
	assert_memory_equal(s.key.pk, f->key.pk, KS_SSHSIG_KEY_SIZE);
	fpr_of(want, "key.fpr");
	assert_string_equal(s.fingerprint, want);
	/* Against the key it names; parsed once, checked twice. */
	assert_int_equal(verify(&f->data, f->sig.ptr, f->sig.len, "git", NULL, NULL),
			 KS_SSHSIG_GOOD);
	assert_int_equal(ks_sshsig_parse(&s, f->sig.ptr, f->sig.len, NULL), 0);
	assert_int_equal(ks_sshsig_check(&s, f->data.ptr, f->data.len, "git",
					 &f->key), KS_SSHSIG_GOOD);
	assert_int_equal(ks_sshsig_check(&s, f->data.ptr, f->data.len, "git",
					 NULL), KS_SSHSIG_GOOD);
	/*
	 * Blanks inside the base64 and after the END line do not count,
	 * as for ssh-keygen; nor do they there before BEGIN or in its line.
	 */
	assert_int_equal(verify(&f->data, f->sig.ptr, f->sig.len - 1, "git",
				&f->key, NULL), KS_SSHSIG_GOOD);
	for (i = 0; i < f->sig.len; i++) {
		if (f->sig.ptr[i] == '\n' && i > 30)
			ks_buf_puts(&text, " \t\r");
		ks_buf_putc(&text, f->sig.ptr[i]);
	}
	assert_int_equal(verify(&f->data, text.ptr, text.len, "git", &f->key, NULL),
			 KS_SSHSIG_GOOD);
	ks_buf_reset(&text);
	ks_buf_putc(&text, '\n');
	ks_buf_add(&text, f->sig.ptr, f->sig.len);
	assert_int_equal(verify(&f->data, text.ptr, text.len, "git", &f->key, NULL),
			 KS_SSHSIG_MALFORMED);
	ks_buf_release(&text);
}

static void test_flipped_data(void **state)
{
	struct fx *f = *state;
	struct ks_buf *data = &f->data;
	struct ks_sshsig s;
	size_t bit;

	assert_int_equal(ks_sshsig_parse(&s, f->sig.ptr, f->sig.len, NULL), 0);
	for (bit = 0; bit < data->len * 8; bit++) {
		data->ptr[bit / 8] ^= (char)(1 << bit % 8);
		assert_int_equal(ks_sshsig_check(&s, data->ptr, data->len, "git",
						 &f->key), KS_SSHSIG_BAD);
		data->ptr[bit / 8] ^= (char)(1 << bit % 8);
	}
	/* One byte more or less. */
	assert_int_equal(ks_sshsig_check(&s, data->ptr, data->len - 1, "git",
					 &f->key), KS_SSHSIG_BAD);
	ks_buf_putc(data, '\n');
	assert_int_equal(ks_sshsig_check(&s, data->ptr, data->len, "git", &f->key),
			 KS_SSHSIG_BAD);
}

/* Every bit of the signature's bytes: never good, and bad in the raw one. */
static void test_flipped_signature(void **state)
{
	struct fx *f = *state;
	struct ks_buf *blob = &f->blob;
	struct layout l = layout_of(blob);
	size_t bit, at, counts[KS_SSHSIG_UNSIGNED + 1] = { 0 };
	const char *why;
	int v;

	assert_int_equal(verify_blob(&f->data, blob, &f->key, NULL), KS_SSHSIG_GOOD);
	for (bit = 0; bit < blob->len * 8; bit++) {
		at = bit / 8;
		blob->ptr[at] ^= (char)(1 << bit % 8);
		why = NULL;
		v = verify_blob(&f->data, blob, &f->key, &why);
		if (v == KS_SSHSIG_GOOD || v < 0)
			print_message("bit %zu flipped: %d\n", bit, v);
		assert_true(v > 0 && v <= KS_SSHSIG_UNSIGNED);
		counts[v]++;
		if (at >= l.raw + 4)
			assert_verdict(v, KS_SSHSIG_BAD, "a bit of the raw signature", why);
		else if (at >= l.key + 4 && at < l.ns)
			assert_verdict(v, KS_SSHSIG_OTHER_KEY, "a bit of the key", why);
		else if (at >= l.ns + 4 && at < l.reserved)
			assert_verdict(v, KS_SSHSIG_WRONG_NAMESPACE,
				       "a bit of the namespace", why);
		if (v == KS_SSHSIG_MALFORMED || v == KS_SSHSIG_UNSUPPORTED)
			assert_non_null(why);
		blob->ptr[at] ^= (char)(1 << bit % 8);
	}
	print_message("%zu bits: %zu bad, %zu wrong namespace, %zu other key, "
		      "%zu unsupported, %zu malformed\n", blob->len * 8,
		      counts[KS_SSHSIG_BAD], counts[KS_SSHSIG_WRONG_NAMESPACE],
		      counts[KS_SSHSIG_OTHER_KEY], counts[KS_SSHSIG_UNSUPPORTED],
		      counts[KS_SSHSIG_MALFORMED]);
}

/* Key's signature with the string at `at` replaced by `s`: the verdict. */
static int verify_with(struct fx *f, size_t at, const char *s,
		       const struct ks_sshsig_key *key, const char **why)
{
	replace_string(&f->forged, &f->blob, at, s);
	return verify_blob(&f->data, &f->forged, key, why);
}

static void test_namespace(void **state)
{
	struct fx *f = *state;
	const char *why = NULL;
	size_t ns = layout_of(&f->blob).ns;

	slurp(&f->sig, "message.file.sig");
	assert_verdict(verify(&f->data, f->sig.ptr, f->sig.len, "git", &f->key,
			      &why),
		       KS_SSHSIG_WRONG_NAMESPACE, "message.file.sig", why);
	assert_int_equal(verify(&f->data, f->sig.ptr, f->sig.len, "file", &f->key,
				NULL), KS_SSHSIG_GOOD);
	/* Relabelled "git", it is no good either: the namespace is signed. */
	unarmor(&f->blob, &f->sig);
	assert_int_equal(verify_with(f, ns, "git", &f->key, NULL), KS_SSHSIG_BAD);
	/* Names that are no names. */
	assert_int_equal(verify_with(f, ns, "", &f->key, NULL), KS_SSHSIG_MALFORMED);
	assert_int_equal(verify_with(f, ns,
				     "a-namespace-longer-than-sixty-four-characters-is-not-taken-at-all",
				     &f->key, NULL), KS_SSHSIG_MALFORMED);
	replace_string(&f->forged, &f->blob, ns, "git");
	f->forged.ptr[ns + 5] = '\0';
	assert_int_equal(verify_blob(&f->data, &f->forged, &f->key, NULL),
			 KS_SSHSIG_MALFORMED);
}

static void test_other_key(void **state)
{
	struct fx *f = *state;
	struct ks_buf other_blob = KS_BUF_INIT;
	struct ks_sshsig s;
	size_t ns = layout_of(&f->blob).ns;
	char want[KS_SSHSIG_FINGERPRINT_SIZE];

	assert_int_equal(verify(&f->data, f->sig.ptr, f->sig.len, "git",
				&f->other, NULL), KS_SSHSIG_OTHER_KEY);
	slurp(&f->sig, "message.other.sig");
	assert_int_equal(ks_sshsig_verify(&s, f->data.ptr, f->data.len, f->sig.ptr,
					  f->sig.len, "git", &f->key, NULL),
			 KS_SSHSIG_OTHER_KEY);
	/* It says whose it is, for the message. */
	fpr_of(want, "other.fpr");
	assert_string_equal(s.fingerprint, want);
	assert_int_equal(verify(&f->data, f->sig.ptr, f->sig.len, "git",
				&f->other, NULL), KS_SSHSIG_GOOD);

	/* key's signature claiming to be other's: bad, whoever is asked. */
	unarmor(&other_blob, &f->sig);
	ks_buf_add(&f->forged, other_blob.ptr, layout_of(&other_blob).ns);
	ks_buf_add(&f->forged, f->blob.ptr + ns, f->blob.len - ns);
	assert_int_equal(verify_blob(&f->data, &f->forged, &f->other, NULL),
			 KS_SSHSIG_BAD);
	assert_int_equal(verify_blob(&f->data, &f->forged, NULL, NULL),
			 KS_SSHSIG_BAD);
	assert_int_equal(verify_blob(&f->data, &f->forged, &f->key, NULL),
			 KS_SSHSIG_OTHER_KEY);
	ks_buf_release(&other_blob);
}

static void test_sha256(void **state)
{
	struct fx *f = *state;
	struct ks_sshsig s;
	const char *why = NULL;
	size_t hash;

	slurp(&f->sig, "message.sha256.sig");
	assert_verdict(ks_sshsig_verify(&s, f->data.ptr, f->data.len, f->sig.ptr,
					f->sig.len, "git", &f->key, &why),
		       KS_SSHSIG_GOOD, "message.sha256.sig", why);
	assert_int_equal(s.hash, KS_SSHSIG_SHA256);
	f->data.ptr[0] ^= 1;
	assert_int_equal(ks_sshsig_check(&s, f->data.ptr, f->data.len, "git",
					 &f->key), KS_SSHSIG_BAD);
	f->data.ptr[0] ^= 1;
	/* The hash's name is signed: sha256 called sha512 is bad. */
	unarmor(&f->blob, &f->sig);
	hash = layout_of(&f->blob).hash;
	assert_int_equal(verify_with(f, hash, "sha512", &f->key, NULL), KS_SSHSIG_BAD);
	/* ... and another hash is not known. */
	why = NULL;
	assert_int_equal(verify_with(f, hash, "sha1", &f->key, &why),
			 KS_SSHSIG_UNSUPPORTED);
	assert_non_null(why);
}

/* Armor cut anywhere before its last line ends. */
static void test_truncated(void **state)
{
	struct fx *f = *state;
	const char *why;
	size_t n;

	for (n = 0; n + 1 < f->sig.len; n++) {
		/* a copy of that length, so that a read past it is caught */
		char *copy = malloc(n + 1);

		assert_non_null(copy);
		memcpy(copy, f->sig.ptr, n);
		why = NULL;
		assert_verdict(verify(&f->data, copy, n, "git", &f->key, &why),
			       KS_SSHSIG_MALFORMED, "armor cut short", why);
		assert_non_null(why);
		free(copy);
	}
	/* The bytes inside cut at any length, armored again. */
	for (n = 0; n < f->blob.len; n++) {
		ks_buf_reset(&f->forged);
		ks_buf_add(&f->forged, f->blob.ptr, n);
		why = NULL;
		assert_verdict(verify_blob(&f->data, &f->forged, &f->key, &why),
			       KS_SSHSIG_MALFORMED, "signature cut short", why);
	}
}

static void test_garbage(void **state)
{
	static const char *const bad[] = {
		"",
		"\n",
		"U1NIU0lH",
		BEGIN END,
		BEGIN "\n" END,
		BEGIN "!!!!\n" END,
		BEGIN "U1NIU0lH*AAAAQ\n" END,
		BEGIN "U1NIU0lHAAAAAQ\n" END,	/* no padding */
		BEGIN "U1NIU0lH\n",
		"-----BEGIN SSH SIGNATURE----- U1NIU0lH\n" END,
		"-----BEGIN SSH SIGNATURE-----\r\nU1NIU0lH\r\n" END,
		" " BEGIN "U1NIU0lH\n" END,
		BEGIN "U1NIU0lH\n-----END SSH SIGNATURE-----x\n",
		BEGIN "U1NIU0lH\n" END "and more\n",
		"-----BEGIN PGP SIGNATURE-----\n\niQEz\n-----END PGP SIGNATURE-----\n",
		"garbage" BEGIN "U1NIU0lH\n" END,
		BEGIN "-----END SSH SIGNATURE-----",
	};
	struct fx *f = *state;
	struct ks_buf text = KS_BUF_INIT, *blob = &f->forged;
	const char *why;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		assert_verdict(verify(&f->data, bad[i], strlen(bad[i]), "git",
				      &f->key, &why),
			       KS_SSHSIG_MALFORMED, bad[i], why);
		assert_non_null(why);
	}
	/* Random bytes, armored, and not. */
	for (i = 0; i < 200; i++) {
		size_t n = randombytes_uniform(400);

		ks_buf_reset(blob);
		ks_buf_grow(blob, n);
		randombytes_buf(blob->ptr, n);
		blob->len = n;
		if (i % 2 == 0 && n >= 10)
			memcpy(blob->ptr, "SSHSIG\0\0\0\1", 10);
		assert_int_equal(verify_blob(&f->data, blob, &f->key, NULL),
				 KS_SSHSIG_MALFORMED);
		ks_buf_reset(&text);
		ks_buf_puts(&text, BEGIN);
		ks_buf_add(&text, blob->ptr, blob->len);
		ks_buf_puts(&text, END);
		assert_int_equal(verify(&f->data, text.ptr, text.len, "git", &f->key,
					NULL), KS_SSHSIG_MALFORMED);
	}
	/* Bytes after the signature, or more than any signature has. */
	ks_buf_reset(blob);
	ks_buf_add(blob, f->blob.ptr, f->blob.len);
	ks_buf_putc(blob, '\0');
	why = NULL;
	assert_int_equal(verify_blob(&f->data, blob, &f->key, &why),
			 KS_SSHSIG_MALFORMED);
	assert_non_null(why);
	ks_buf_grow(blob, 20000);
	memset(blob->ptr + blob->len, 'x', 20000);
	blob->len += 20000;
	assert_int_equal(verify_blob(&f->data, blob, &f->key, NULL),
			 KS_SSHSIG_MALFORMED);
	/* Another end line, of the same length. */
	ks_buf_reset(&text);
	ks_buf_add(&text, f->sig.ptr, f->sig.len - strlen(END));
	ks_buf_puts(&text, "-----END PGP SIGNATURE-----\n");
	assert_int_equal(verify(&f->data, text.ptr, text.len, "git", &f->key,
				NULL), KS_SSHSIG_MALFORMED);
	/* A NUL in the middle of the base64. */
	f->sig.ptr[40] = '\0';
	assert_int_equal(verify(&f->data, f->sig.ptr, f->sig.len, "git", &f->key,
				NULL), KS_SSHSIG_MALFORMED);
	ks_buf_release(&text);
}

/* Every length field set past what remains, to the end and beyond. */
static void test_overrun(void **state)
{
	struct fx *f = *state;
	struct ks_buf *blob = &f->blob;
	struct layout l = layout_of(blob);
	size_t at[] = { l.pub, l.key_type, l.key, l.ns, l.reserved, l.hash,
			l.sig, l.sig_type, l.raw };
	const char *why;
	size_t i, j;
	unsigned long old;
	int v;

	for (i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		/* the end of what holds the field: the key, or the whole */
		size_t limit = at[i] == l.key_type || at[i] == l.key ? l.ns : l.end;
		unsigned long overs[] = {
			(unsigned long)(limit - at[i] - 4 + 1),
			(unsigned long)(limit - at[i] - 4 + 100),
			0x7fffffffUL, 0x80000000UL, 0xffffffffUL, 0xfffffffcUL,
		};
		const unsigned char *p = (const unsigned char *)blob->ptr + at[i];

		old = (unsigned long)p[0] << 24 | (unsigned long)p[1] << 16 |
		      (unsigned long)p[2] << 8 | p[3];
		for (j = 0; j < sizeof(overs) / sizeof(overs[0]); j++) {
			put_u32(blob, at[i], overs[j]);
			why = NULL;
			v = verify_blob(&f->data, blob, &f->key, &why);
			if (v != KS_SSHSIG_MALFORMED)
				print_message("length at %zu set to %lu\n", at[i], overs[j]);
			assert_verdict(v, KS_SSHSIG_MALFORMED, "a length overruns", why);
			assert_non_null(why);
		}
		put_u32(blob, at[i], old);
	}
	assert_int_equal(verify_blob(&f->data, blob, &f->key, NULL), KS_SSHSIG_GOOD);
	/* Lengths short of the field: the rest is misread, never good. */
	put_u32(blob, l.raw, 63);
	assert_int_equal(verify_blob(&f->data, blob, &f->key, NULL),
			 KS_SSHSIG_MALFORMED);
	put_u32(blob, l.raw, 64);
	put_u32(blob, l.key, 31);
	assert_int_equal(verify_blob(&f->data, blob, &f->key, NULL),
			 KS_SSHSIG_MALFORMED);
}

static void test_unsupported(void **state)
{
	static const char *const names[][3] = {
		{ "message.rsa.sig", "rsa.fpr", "ssh-rsa" },
		{ "message.ecdsa.sig", "ecdsa.fpr", "ecdsa-sha2-nistp256" },
	};
	struct fx *f = *state;
	struct ks_sshsig s;
	char want[KS_SSHSIG_FINGERPRINT_SIZE];
	const char *why;
	size_t i;

	/* A later version of the format. */
	f->blob.ptr[9] = 2;
	why = NULL;
	assert_int_equal(verify_blob(&f->data, &f->blob, &f->key, &why),
			 KS_SSHSIG_UNSUPPORTED);
	assert_non_null(why);
	for (i = 0; i < 2; i++) {
		slurp(&f->sig, names[i][0]);
		why = NULL;
		assert_verdict(ks_sshsig_verify(&s, f->data.ptr, f->data.len,
						f->sig.ptr, f->sig.len, "git",
						&f->key, &why),
			       KS_SSHSIG_UNSUPPORTED, names[i][0], why);
		assert_non_null(why);
		/* Whose it is, all the same. */
		assert_string_equal(s.key_type, names[i][2]);
		fpr_of(want, names[i][1]);
		assert_string_equal(s.fingerprint, want);
		/* ... but cut short, it is malformed. */
		unarmor(&f->blob, &f->sig);
		f->blob.len--;
		assert_int_equal(verify_blob(&f->data, &f->blob, &f->key, NULL),
				 KS_SSHSIG_MALFORMED);
	}
}

/* The reserved field is not signed: OpenSSH takes it filled, and so here. */
static void test_reserved(void **state)
{
	struct fx *f = *state;

	assert_int_equal(verify_with(f, layout_of(&f->blob).reserved, "abc",
				     &f->key, NULL), KS_SSHSIG_GOOD);
}

/* The verdict on the commit `raw`, written to `repo` first. */
static int commit_verdict(git_repository *repo, const struct ks_buf *raw,
			  const struct ks_sshsig_key *key)
{
	struct ks_diags d = KS_DIAGS_INIT;
	enum ks_sshsig_verdict v;
	git_odb *odb = NULL;
	git_oid id;

	assert_int_equal(git_repository_odb(&odb, repo), 0);
	assert_int_equal(git_odb_write(&id, odb, raw->ptr, raw->len,
				       GIT_OBJECT_COMMIT), 0);
	git_odb_free(odb);
	assert_int_equal(ks_sshsig_verify_commit(&v, NULL, repo, &id, NULL, "git",
						 key, NULL, &d), 0);
	assert_int_equal(d.errors, 0);
	return (int)v;
}

static void test_commit(void **state)
{
	struct ks_buf dir = KS_BUF_INIT, raw = KS_BUF_INIT, payload = KS_BUF_INIT,
		      id = KS_BUF_INIT;
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_sshsig_key k = key_of("key.pub"), o = key_of("other.pub");
	struct ks_sshsig s;
	enum ks_sshsig_verdict v;
	git_repository *repo = NULL;
	git_odb *odb = NULL;
	git_buf sig = GIT_BUF_INIT, signed_data = GIT_BUF_INIT;
	git_oid oid, want, other;
	const char *why = NULL;
	char *p;

	ks_buf_puts(&dir, "/tmp/ks-unit-sshsig-XXXXXX");
	assert_non_null(mkdtemp(dir.ptr));
	assert_int_equal(git_repository_init(&repo, dir.ptr, 1), 0);
	assert_int_equal(git_repository_odb(&odb, repo), 0);
	slurp(&raw, "commit");
	slurp(&payload, "commit.payload");
	slurp(&id, "commit.id");
	assert_int_equal(git_oid_fromstrn(&want, id.ptr, GIT_OID_HEXSZ), 0);
	assert_int_equal(git_odb_write(&oid, odb, raw.ptr, raw.len,
				       GIT_OBJECT_COMMIT), 0);
	/* The bytes git wrote, and the bytes git gave ssh-keygen. */
	assert_true(git_oid_equal(&oid, &want));
	assert_int_equal(git_commit_extract_signature(&sig, &signed_data, repo,
						      &oid, NULL), 0);
	assert_int_equal(signed_data.size, payload.len);
	assert_memory_equal(signed_data.ptr, payload.ptr, payload.len);
	assert_int_equal(verify(&payload, sig.ptr, sig.size, "git", &k, NULL),
			 KS_SSHSIG_GOOD);

	assert_int_equal(ks_sshsig_verify_commit(&v, &s, repo, &oid, NULL, "git",
						 &k, &why, &d), 0);
	assert_verdict((int)v, KS_SSHSIG_GOOD, "the commit", why);
	assert_int_equal(ks_sshsig_verify_commit(&v, NULL, repo, &oid, "gpgsig",
						 "git", NULL, NULL, &d), 0);
	assert_int_equal(v, KS_SSHSIG_GOOD);
	assert_int_equal(ks_sshsig_verify_commit(&v, &s, repo, &oid, NULL, "git",
						 &o, NULL, &d), 0);
	assert_int_equal(v, KS_SSHSIG_OTHER_KEY);
	assert_int_equal(ks_sshsig_verify_commit(&v, NULL, repo, &oid, NULL,
						 "file", &k, NULL, &d), 0);
	assert_int_equal(v, KS_SSHSIG_WRONG_NAMESPACE);

	/* Its message or its author changed, its signature kept: bad. */
	p = strstr(raw.ptr, "A signed commit");
	assert_non_null(p);
	p[0] = 'B';
	assert_int_equal(commit_verdict(repo, &raw, &k), KS_SSHSIG_BAD);
	p[0] = 'A';
	p = strstr(raw.ptr, "author Test");
	assert_non_null(p);
	p[7] = 'B';
	assert_int_equal(commit_verdict(repo, &raw, &k), KS_SSHSIG_BAD);

	/* Without a signature: unsigned; the signature in another header. */
	assert_int_equal(commit_verdict(repo, &payload, &k), KS_SSHSIG_UNSIGNED);
	assert_int_equal(ks_sshsig_verify_commit(&v, NULL, repo, &oid,
						 "gpgsig-sha256", "git", &k,
						 NULL, &d), 0);
	assert_int_equal(v, KS_SSHSIG_UNSIGNED);
	assert_int_equal(d.errors, 0);

	/* No such commit: an error, not a verdict. */
	memset(&other, 0x42, sizeof(other));
	assert_int_equal(ks_sshsig_verify_commit(&v, NULL, repo, &other, NULL,
						 "git", &k, NULL, &d),
			 KS_ENOTFOUND);
	assert_int_equal(d.errors, 1);
	ks_diags_release(&d);

	git_buf_dispose(&sig);
	git_buf_dispose(&signed_data);
	git_odb_free(odb);
	git_repository_free(repo);
	ks_remove_tree(dir.ptr);
	ks_buf_release(&dir);
	ks_buf_release(&raw);
	ks_buf_release(&payload);
	ks_buf_release(&id);
}

static void test_names(void **state)
{
	assert_string_equal(ks_sshsig_verdict_name(KS_SSHSIG_GOOD), "good");
	assert_string_equal(ks_sshsig_verdict_name(KS_SSHSIG_BAD), "bad");
	assert_string_equal(ks_sshsig_verdict_name(KS_SSHSIG_WRONG_NAMESPACE),
			    "wrong-namespace");
	assert_string_equal(ks_sshsig_verdict_name(KS_SSHSIG_OTHER_KEY), "other-key");
	assert_string_equal(ks_sshsig_verdict_name(KS_SSHSIG_UNSUPPORTED),
			    "unsupported");
	assert_string_equal(ks_sshsig_verdict_name(KS_SSHSIG_MALFORMED), "malformed");
	assert_string_equal(ks_sshsig_verdict_name(KS_SSHSIG_UNSIGNED), "unsigned");
	assert_string_equal(ks_sshsig_verdict_name((enum ks_sshsig_verdict)99),
			    "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key),
		cmocka_unit_test_setup_teardown(test_good, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flipped_data, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flipped_signature, setup, teardown),
		cmocka_unit_test_setup_teardown(test_namespace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sha256, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overrun, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unsupported, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reserved, setup, teardown),
		cmocka_unit_test(test_commit),
		cmocka_unit_test(test_names),
	};

	if (sodium_init() < 0)
		return 1;
	git_libgit2_init();
	KS_RUN_TESTS(tests);
}
