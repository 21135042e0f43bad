/*
 * Replays what fuzzing found.  Every file in tests/data/fuzz-crashes/ is an
 * input that once crashed a libFuzzer target or broke one of its oracles;
 * its name starts with the target's (fuzz_record-..., fuzz_schema-...,
 * fuzz_validate-..., fuzz_bundle-..., fuzz_members-..., fuzz_sshsig-...).  Each runs through that very target
 * (its source is included here, without libFuzzer) in a child process with
 * an alarm, so that a crash, an abort from an oracle or a hang is one
 * failed test that names the file.  A fixed bug stays fixed; an open one stays visible.
 */
#define LLVMFuzzerTestOneInput fuzz_record_one
#define LLVMFuzzerInitialize fuzz_record_init
#include "../fuzz/fuzz_record.c"
#undef LLVMFuzzerTestOneInput
#undef LLVMFuzzerInitialize

int fuzz_schema_one(const uint8_t *data, size_t size);
int fuzz_schema_init(int *argc, char ***argv);
#define LLVMFuzzerTestOneInput fuzz_schema_one
#define LLVMFuzzerInitialize fuzz_schema_init
#include "../fuzz/fuzz_schema.c"
#undef LLVMFuzzerTestOneInput
#undef LLVMFuzzerInitialize

int fuzz_validate_one(const uint8_t *data, size_t size);
int fuzz_validate_init(int *argc, char ***argv);
#define LLVMFuzzerTestOneInput fuzz_validate_one
#define LLVMFuzzerInitialize fuzz_validate_init
#include "../fuzz/fuzz_validate.c"
#undef LLVMFuzzerTestOneInput
#undef LLVMFuzzerInitialize

int fuzz_bundle_one(const uint8_t *data, size_t size);
int fuzz_bundle_init(int *argc, char ***argv);
#define LLVMFuzzerTestOneInput fuzz_bundle_one
#define LLVMFuzzerInitialize fuzz_bundle_init
#include "../fuzz/fuzz_bundle.c"
#undef LLVMFuzzerTestOneInput
#undef LLVMFuzzerInitialize

int fuzz_members_one(const uint8_t *data, size_t size);
int fuzz_members_init(int *argc, char ***argv);
#define LLVMFuzzerTestOneInput fuzz_members_one
#define LLVMFuzzerInitialize fuzz_members_init
#include "../fuzz/fuzz_members.c"
#undef LLVMFuzzerTestOneInput
#undef LLVMFuzzerInitialize

int fuzz_sshsig_one(const uint8_t *data, size_t size);
int fuzz_sshsig_init(int *argc, char ***argv);
#define LLVMFuzzerTestOneInput fuzz_sshsig_one
#define LLVMFuzzerInitialize fuzz_sshsig_init
#include "../fuzz/fuzz_sshsig.c"
#undef LLVMFuzzerTestOneInput
#undef LLVMFuzzerInitialize

#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#define TIMEOUT 10	/* seconds for one input */

static const struct target {
	const char *prefix;
	int (*init)(int *argc, char ***argv);
	int (*one)(const uint8_t *data, size_t size);
} targets[] = {
	{ "fuzz_record-", fuzz_record_init, fuzz_record_one },
	{ "fuzz_schema-", fuzz_schema_init, fuzz_schema_one },
	{ "fuzz_validate-", fuzz_validate_init, fuzz_validate_one },
	{ "fuzz_bundle-", fuzz_bundle_init, fuzz_bundle_one },
	{ "fuzz_members-", fuzz_members_init, fuzz_members_one },
	{ "fuzz_sshsig-", fuzz_sshsig_init, fuzz_sshsig_one },
};

static const struct target *target_of(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(targets) / sizeof(targets[0]); i++)
		if (!strncmp(name, targets[i].prefix,
			     strlen(targets[i].prefix)))
			return &targets[i];
	return NULL;
}

/* 0 when the input went through its target cleanly. */
static int replay(const struct target *t, const char *path,
		  const char *name)
{
	int status;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		printf("FAIL %s: cannot fork: %s\n", name, strerror(errno));
		return 1;
	}
	if (pid == 0) {
		struct ks_buf b = KS_BUF_INIT;
		int argc = 1;
		char *args[] = { "fuzzreplay", NULL }, **argv = args;

		alarm(TIMEOUT);
		if (ks_buf_read_file(&b, path, (size_t)1 << 30) < 0) {
			printf("FAIL %s: cannot read: %s\n", name,
			       strerror(errno));
			fflush(stdout);
			_exit(3);
		}
		t->init(&argc, &argv);
		t->one((const uint8_t *)b.ptr, b.len);
		ks_buf_release(&b);
		_exit(0);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			printf("FAIL %s: waitpid: %s\n", name, strerror(errno));
			return 1;
		}
	}
	if (WIFSIGNALED(status)) {
		if (WTERMSIG(status) == SIGALRM)
			printf("FAIL %s: hangs (still running after %d s)\n",
			       name, TIMEOUT);
		else
			printf("FAIL %s: %s\n", name,
			       WTERMSIG(status) == SIGABRT
			       ? "an oracle broke or it crashed (abort)"
			       : strsignal(WTERMSIG(status)));
		return 1;
	}
	if (WEXITSTATUS(status)) {
		printf("FAIL %s: exit status %d\n", name, WEXITSTATUS(status));
		return 1;
	}
	return 0;
}

int main(void)
{
	const char *top = getenv("KHAOSAT_TOP");
	struct ks_buf dir = KS_BUF_INIT, path = KS_BUF_INIT;
	struct dirent **names;
	int i, n, passed = 0, failed = 0;

	ks_buf_addf(&dir, "%s/tests/data/fuzz-crashes",
		    top && *top ? top : ".");
	n = scandir(dir.ptr, &names, NULL, alphasort);
	if (n < 0) {
		printf("skip: no fuzz crashes to replay at %s\n", dir.ptr);
		printf("0 passed, 0 failed, 1 skipped\n");
		ks_buf_release(&dir);
		return 0;
	}
	for (i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		const struct target *t = target_of(name);

		if (name[0] == '.') {
			free(names[i]);
			continue;
		}
		ks_buf_reset(&path);
		ks_buf_addf(&path, "%s/%s", dir.ptr, name);
		if (!t) {
			printf("FAIL %s: names no fuzz target "
			       "(fuzz_record-, fuzz_schema-, fuzz_validate-, "
			       "fuzz_bundle-, fuzz_members-, fuzz_sshsig-)\n",
			       name);
			failed++;
		} else if (replay(t, path.ptr, name)) {
			failed++;
		} else {
			passed++;
		}
		free(names[i]);
	}
	free(names);
	printf("%d passed, %d failed\n", passed, failed);
	ks_buf_release(&dir);
	ks_buf_release(&path);
	return failed ? 1 : 0;
}
