/*
 * sshsig_bench: how long core/sshsig.h takes to check git's SSH commit
 * signatures.  It makes an ed25519 key and N distinct commit-sized
 * payloads, signs each as `ssh-keygen -Y sign -n git` would (SSHSIG over
 * SHA-512, armored), then times ks_sshsig_verify of all N, ROUNDS times.
 * Every verdict must be good, and each payload with a byte changed bad.
 *
 *   sshsig_bench N [ROUNDS [DIR COUNT]]
 *
 * With DIR, the key (DIR/key.pub) and the first COUNT payloads and
 * signatures (DIR/1.data, DIR/1.sig, ...) are written there, for timing
 * ssh-keygen -Y verify on the same signatures.
 *
 * Prints "N signatures, median NS ns a round of ROUNDS" on standard
 * output.  Exit 0; 1 when a verdict is wrong or a file cannot be written;
 * 2 on bad arguments.
 */
#include "sshsig.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PAYLOAD_MAX 400

struct sig {
	char data[PAYLOAD_MAX];
	size_t len;
	char armor[512];
	size_t armor_len;
};

static unsigned char *put_string(unsigned char *p, const void *s, size_t len)
{
	p[0] = (unsigned char)(len >> 24);
	p[1] = (unsigned char)(len >> 16);
	p[2] = (unsigned char)(len >> 8);
	p[3] = (unsigned char)len;
	memcpy(p + 4, s, len);
	return p + 4 + len;
}

/* A commit object without its gpgsig header, different for each i. */
static size_t payload(char *out, unsigned long i)
{
	unsigned char tree[20], parent[20];
	char th[41], ph[41];
	int n;

	randombytes_buf(tree, sizeof(tree));
	randombytes_buf(parent, sizeof(parent));
	sodium_bin2hex(th, sizeof(th), tree, sizeof(tree));
	sodium_bin2hex(ph, sizeof(ph), parent, sizeof(parent));
	n = snprintf(out, PAYLOAD_MAX,
		     "tree %s\nparent %s\n"
		     "author Bench <bench@khaosat.invalid> %lu +0700\n"
		     "committer Bench <bench@khaosat.invalid> %lu +0700\n\n"
		     "Floor area, round %lu\n\nDevice: bench\n",
		     th, ph, 1700000000 + i, 1700000000 + i, i);
	return (size_t)n;
}

/* base64 of `len` bytes into `out`, in lines of 70, each ending "\n". */
static char *put_base64(char *out, const unsigned char *b, size_t len)
{
	char b64[400];
	size_t i, n;

	sodium_bin2base64(b64, sizeof(b64), b, len,
			  sodium_base64_VARIANT_ORIGINAL);
	n = strlen(b64);
	for (i = 0; i < n; i += 70) {
		size_t k = n - i < 70 ? n - i : 70;

		memcpy(out, b64 + i, k);
		out += k;
		*out++ = '\n';
	}
	return out;
}

static void sign(struct sig *s, const unsigned char *pk,
		 const unsigned char *sk)
{
	unsigned char h[crypto_hash_sha512_BYTES], msg[128], key[64], raw[64],
		inner[96], blob[300], *p, *key_end, *inner_end;
	char *a;

	crypto_hash_sha512(h, (const unsigned char *)s->data, s->len);
	memcpy(msg, "SSHSIG", 6);
	p = put_string(msg + 6, "git", 3);
	p = put_string(p, "", 0);
	p = put_string(p, "sha512", 6);
	p = put_string(p, h, sizeof(h));
	crypto_sign_detached(raw, NULL, msg, (size_t)(p - msg), sk);

	key_end = put_string(key, "ssh-ed25519", 11);
	key_end = put_string(key_end, pk, crypto_sign_PUBLICKEYBYTES);
	inner_end = put_string(inner, "ssh-ed25519", 11);
	inner_end = put_string(inner_end, raw, sizeof(raw));

	memcpy(blob, "SSHSIG\0\0\0\1", 10);
	p = put_string(blob + 10, key, (size_t)(key_end - key));
	p = put_string(p, "git", 3);
	p = put_string(p, "", 0);
	p = put_string(p, "sha512", 6);
	p = put_string(p, inner, (size_t)(inner_end - inner));

	a = s->armor;
	memcpy(a, "-----BEGIN SSH SIGNATURE-----\n", 30);
	a = put_base64(a + 30, blob, (size_t)(p - blob));
	memcpy(a, "-----END SSH SIGNATURE-----\n", 28);
	s->armor_len = (size_t)(a + 28 - s->armor);
}

static int write_file(const char *dir, const char *name, const void *data,
		      size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (!(f = fopen(path, "wb")) || fwrite(data, 1, len, f) != len ||
	    fclose(f)) {
		fprintf(stderr, "sshsig_bench: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* DIR/key.pub and the first `count` payloads and signatures. */
static int write_out(const char *dir, const struct sig *sigs, size_t count,
		     const unsigned char *pk)
{
	unsigned char wire[51], *p;
	char b64[80], line[128], name[32];
	size_t i;

	p = put_string(wire, "ssh-ed25519", 11);
	put_string(p, pk, crypto_sign_PUBLICKEYBYTES);
	sodium_bin2base64(b64, sizeof(b64), wire, sizeof(wire),
			  sodium_base64_VARIANT_ORIGINAL);
	snprintf(line, sizeof(line), "ssh-ed25519 %s bench\n", b64);
	if (write_file(dir, "key.pub", line, strlen(line)) < 0)
		return -1;
	for (i = 0; i < count; i++) {
		snprintf(name, sizeof(name), "%zu.data", i + 1);
		if (write_file(dir, name, sigs[i].data, sigs[i].len) < 0)
			return -1;
		snprintf(name, sizeof(name), "%zu.sig", i + 1);
		if (write_file(dir, name, sigs[i].armor, sigs[i].armor_len) < 0)
			return -1;
	}
	return 0;
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	struct ks_sshsig_key key;
	struct sig *sigs;
	long long *times;
	size_t n, rounds, count = 0, i, r, wrong = 0;
	const char *dir = NULL;

	if (argc != 2 && argc != 3 && argc != 5) {
		fprintf(stderr, "usage: sshsig_bench N [ROUNDS [DIR COUNT]]\n");
		return 2;
	}
	n = strtoul(argv[1], NULL, 10);
	rounds = argc > 2 ? strtoul(argv[2], NULL, 10) : 5;
	if (argc == 5) {
		dir = argv[3];
		count = strtoul(argv[4], NULL, 10);
	}
	if (!n || !rounds || count > n) {
		fprintf(stderr, "sshsig_bench: N and ROUNDS must be at least 1, COUNT at most N\n");
		return 2;
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "sshsig_bench: libsodium cannot start\n");
		return 1;
	}
	sigs = calloc(n, sizeof(*sigs));
	times = calloc(rounds, sizeof(*times));
	if (!sigs || !times) {
		fprintf(stderr, "sshsig_bench: out of memory\n");
		return 1;
	}
	crypto_sign_keypair(pk, sk);
	memcpy(key.pk, pk, sizeof(key.pk));
	for (i = 0; i < n; i++) {
		sigs[i].len = payload(sigs[i].data, i);
		sign(&sigs[i], pk, sk);
	}
	if (dir && write_out(dir, sigs, count, pk) < 0)
		return 1;

	for (r = 0; r < rounds; r++) {
		long long t0 = now_ns();

		for (i = 0; i < n; i++)
			if (ks_sshsig_verify(NULL, sigs[i].data, sigs[i].len,
					     sigs[i].armor, sigs[i].armor_len,
					     "git", &key, NULL) != KS_SSHSIG_GOOD)
				wrong++;
		times[r] = now_ns() - t0;
	}
	/* Each payload changed: never good. */
	for (i = 0; i < n; i++) {
		sigs[i].data[i % sigs[i].len] ^= 1;
		if (ks_sshsig_verify(NULL, sigs[i].data, sigs[i].len,
				     sigs[i].armor, sigs[i].armor_len, "git",
				     &key, NULL) != KS_SSHSIG_BAD)
			wrong++;
	}
	if (wrong) {
		fprintf(stderr, "sshsig_bench: %zu wrong verdicts\n", wrong);
		return 1;
	}
	qsort(times, rounds, sizeof(*times), cmp_ll);
	printf("%zu signatures, median %lld ns a round of %zu\n", n,
	       times[rounds / 2], rounds);
	free(sigs);
	free(times);
	return 0;
}
