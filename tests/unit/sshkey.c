/*
 * Unit tests for core/sshkey.h: a laptop's own key and the signatures it
 * makes, against what ssh-keygen makes (tests/data/sshkey/, see make.sh
 * there): a key ssh-keygen wrote reads, and signs a message byte for byte
 * as `ssh-keygen -Y sign` did (ed25519 signatures are deterministic); a key
 * made here reads back and its signatures check; keys that cannot be used
 * (a passphrase, RSA, halves that differ, cut short) are refused.
 */
#include "unit.h"

#include "buf.h"
#include "diag.h"
#include "sshkey.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *top(void)
{
	const char *t = getenv("KHAOSAT_TOP");

	return t && *t ? t : ".";
}

static void slurp(struct ks_buf *b, const char *name)
{
	struct ks_buf path = KS_BUF_INIT;

	ks_buf_reset(b);
	ks_buf_addf(&path, "%s/tests/data/sshkey/%s", top(), name);
	if (ks_buf_read_file(b, path.ptr, 1 << 20) < 0)
		print_message("cannot read %s\n", path.ptr);
	assert_true(b->len > 0);
	ks_buf_release(&path);
}

static void test_ssh_keygen_key(void **state)
{
	struct ks_buf text = KS_BUF_INIT, msg = KS_BUF_INIT, want = KS_BUF_INIT;
	struct ks_buf sig = KS_BUF_INIT, pub = KS_BUF_INIT, file = KS_BUF_INIT;
	struct ks_sshkey k;
	const char *why = NULL;

	(void)state;
	slurp(&text, "key");
	assert_int_equal(ks_sshkey_parse(&k, text.ptr, text.len, &why), 0);
	/* The same public key as key.pub, written the same way. */
	slurp(&file, "key.pub");
	assert_int_equal(ks_sshkey_public_text(&pub, &k.pub, "test@khaosat.invalid"), 0);
	assert_int_equal(ks_buf_putc(&pub, '\n'), 0);
	assert_string_equal(pub.ptr, file.ptr);
	/* Byte for byte what ssh-keygen -Y sign -n git wrote. */
	slurp(&msg, "message");
	slurp(&want, "message.sig");
	assert_int_equal(ks_sshkey_sign(&sig, &k, msg.ptr, msg.len, "git"), 0);
	assert_string_equal(sig.ptr, want.ptr);
	ks_sshkey_wipe(&k);
	ks_buf_release(&text);
	ks_buf_release(&msg);
	ks_buf_release(&want);
	ks_buf_release(&sig);
	ks_buf_release(&pub);
	ks_buf_release(&file);
}

static void test_round_trip(void **state)
{
	struct ks_buf text = KS_BUF_INIT, sig = KS_BUF_INIT, pub = KS_BUF_INIT;
	struct ks_sshkey k, back;
	struct ks_sshsig_key pk;
	struct ks_sshsig parsed;
	const char data[] = "Cơ sở đúc đồng Mỹ Đồng\n";

	(void)state;
	assert_int_equal(ks_sshkey_generate(&k), 0);
	assert_int_equal(ks_sshkey_private_text(&text, &k, "md05"), 0);
	assert_int_equal(ks_sshkey_parse(&back, text.ptr, text.len, NULL), 0);
	assert_memory_equal(back.sk, k.sk, sizeof(k.sk));
	assert_memory_equal(back.pub.pk, k.pub.pk, sizeof(k.pub.pk));
	assert_int_equal(ks_sshkey_public_text(&pub, &k.pub, NULL), 0);
	assert_int_equal(ks_sshsig_key_parse(&pk, pub.ptr, pub.len, NULL), 0);
	assert_memory_equal(pk.pk, k.pub.pk, sizeof(pk.pk));

	assert_int_equal(ks_sshkey_sign(&sig, &k, data, strlen(data), "git"), 0);
	assert_int_equal(ks_sshsig_verify(&parsed, data, strlen(data), sig.ptr,
					  sig.len, "git", &pk, NULL), KS_SSHSIG_GOOD);
	assert_int_equal(ks_sshsig_verify(NULL, data, strlen(data) - 1, sig.ptr,
					  sig.len, "git", &pk, NULL), KS_SSHSIG_BAD);
	assert_int_equal(ks_sshsig_verify(NULL, data, strlen(data), sig.ptr,
					  sig.len, "file", &pk, NULL),
			 KS_SSHSIG_WRONG_NAMESPACE);
	ks_sshkey_wipe(&k);
	ks_sshkey_wipe(&back);
	ks_buf_release(&text);
	ks_buf_release(&sig);
	ks_buf_release(&pub);
}

static void expect_refused(const char *text, size_t len, int want,
			   const char *what)
{
	struct ks_sshkey k;
	const char *why = NULL;
	int got = ks_sshkey_parse(&k, text, len, &why);

	if (got != want)
		print_message("%s: got %d (%s), want %d\n", what, got,
			      why ? why : "-", want);
	assert_int_equal(got, want);
	assert_non_null(why);
}

static void test_refused(void **state)
{
	struct ks_buf text = KS_BUF_INIT, other = KS_BUF_INIT;
	struct ks_sshkey a, b;
	size_t cut;

	(void)state;
	slurp(&text, "locked");
	expect_refused(text.ptr, text.len, KS_SSHSIG_UNSUPPORTED, "passphrase");
	slurp(&text, "rsa");
	expect_refused(text.ptr, text.len, KS_SSHSIG_UNSUPPORTED, "rsa");
	slurp(&text, "key.pub");
	expect_refused(text.ptr, text.len, KS_SSHSIG_MALFORMED, "a public key");
	expect_refused("", 0, KS_SSHSIG_MALFORMED, "empty");

	/* Cut short at every line: never read, never past the end. */
	slurp(&text, "key");
	for (cut = 0; cut + 1 < text.len; cut++)
		if (text.ptr[cut] == '\n')
			expect_refused(text.ptr, cut + 1, KS_SSHSIG_MALFORMED, "cut");

	/* A public key before the private part that is not its own. */
	assert_int_equal(ks_sshkey_generate(&a), 0);
	assert_int_equal(ks_sshkey_generate(&b), 0);
	memcpy(a.pub.pk, b.pub.pk, sizeof(a.pub.pk));
	ks_buf_reset(&other);
	assert_int_equal(ks_sshkey_private_text(&other, &a, NULL), 0);
	expect_refused(other.ptr, other.len, KS_SSHSIG_MALFORMED, "halves");
	ks_buf_release(&text);
	ks_buf_release(&other);
}

static void test_save_load(void **state)
{
	char dir[] = "/tmp/khaosat-sshkey-XXXXXX";
	struct ks_buf path = KS_BUF_INIT, pub = KS_BUF_INIT;
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_sshkey k, back;
	struct stat st;

	(void)state;
	assert_non_null(mkdtemp(dir));
	ks_buf_addf(&path, "%s/key", dir);
	assert_int_equal(ks_sshkey_load(&back, path.ptr, &d), KS_ENOTFOUND);
	assert_int_equal(ks_sshkey_generate(&k), 0);
	assert_int_equal(ks_sshkey_save(&k, path.ptr, "md05", &d), 0);
	assert_int_equal(stat(path.ptr, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(ks_sshkey_load(&back, path.ptr, &d), 0);
	assert_memory_equal(back.sk, k.sk, sizeof(k.sk));
	ks_buf_addf(&pub, "%s/key.pub", dir);
	assert_int_equal(stat(pub.ptr, &st), 0);
	/* A file that is not a key: refused, naming it. */
	assert_int_equal(ks_sshkey_save(&k, pub.ptr, NULL, &d), 0);
	unlink(pub.ptr);
	assert_int_equal(rename(path.ptr, pub.ptr), 0);
	{
		FILE *f = fopen(path.ptr, "w");

		assert_non_null(f);
		fputs("not a key\n", f);
		fclose(f);
	}
	assert_int_equal(ks_sshkey_load(&back, path.ptr, &d), KS_EINVALID);
	assert_true(d.n > 0);
	assert_string_equal(d.v[d.n - 1].path, path.ptr);
	unlink(path.ptr);
	unlink(pub.ptr);
	ks_buf_reset(&pub);
	ks_buf_addf(&pub, "%s/key.pub.pub", dir);
	unlink(pub.ptr);
	rmdir(dir);
	ks_diags_release(&d);
	ks_buf_release(&path);
	ks_buf_release(&pub);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ssh_keygen_key),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_save_load),
	};

	KS_RUN_TESTS(tests);
}
