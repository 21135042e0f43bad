/*
 * libFuzzer target: arbitrary bytes as an SSH signature and as a public
 * key, the two things a commit's gpgsig header and a members file carry.
 * Parsing either accepts the input or refuses it with a reason, never
 * reading past it (each input is copied into a buffer of its own size, so
 * that AddressSanitizer sees any over-read); an accepted signature names
 * its key's type and a fingerprint as ssh-keygen prints it, and checking
 * it against the input itself gives a verdict, whatever the bytes.
 */
#include "fuzz.h"
#include "sshsig.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	return 0;
}

static void check_fingerprint(const char *fp)
{
	if (strncmp(fp, "SHA256:", 7) || strlen(fp) != KS_SSHSIG_FINGERPRINT_SIZE - 1)
		fuzz_fail(NULL, "a fingerprint \"%s\" not as ssh-keygen prints one", fp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *copy = malloc(size ? size : 1);
	struct ks_sshsig sig;
	struct ks_sshsig_key key;
	const char *why = NULL;
	int r;

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	r = ks_sshsig_parse(&sig, (const char *)copy, size, &why);
	if (r == 0) {
		if (!*sig.key_type)
			fuzz_fail(NULL, "a signature accepted without a key type");
		check_fingerprint(sig.fingerprint);
		r = ks_sshsig_check(&sig, copy, size, "git", NULL);
		if (r < KS_SSHSIG_GOOD || r > KS_SSHSIG_MALFORMED)
			fuzz_fail(NULL, "a check gave %d", r);
	} else if (r != KS_SSHSIG_UNSUPPORTED && r != KS_SSHSIG_MALFORMED) {
		fuzz_fail(NULL, "parse gave %d", r);
	} else if (!why || !*why) {
		fuzz_fail(NULL, "a signature refused without a reason");
	}
	why = NULL;
	r = ks_sshsig_key_parse(&key, (const char *)copy, size, &why);
	if (r == 0) {
		char fp[KS_SSHSIG_FINGERPRINT_SIZE];

		if (ks_sshsig_key_fingerprint(fp, &key) < 0)
			fuzz_fail(NULL, "no fingerprint for a key read");
		check_fingerprint(fp);
	} else if (r != KS_SSHSIG_UNSUPPORTED && r != KS_SSHSIG_MALFORMED) {
		fuzz_fail(NULL, "key parse gave %d", r);
	} else if (!why || !*why) {
		fuzz_fail(NULL, "a key refused without a reason");
	}
	free(copy);
	return 0;
}
