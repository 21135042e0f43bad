/*
 * auth_bench: how long it takes to authenticate what a history brings
 * (core/auth.h), as every import does before it merges: each commit's
 * SSH signature checked in process, its signer looked up in its parents'
 * members files, its changed paths judged by the signer's role.
 *
 *   auth_bench SURVEY TIP HIDE [ROUNDS]
 *
 * Judges the commits TIP reaches and HIDE does not, in the survey at
 * SURVEY, ROUNDS times (default 5), with the survey's main's members file
 * as approval, as an import does.
 * Every commit must be authentic.  Prints "N commits judged, median NS ns
 * a round of ROUNDS" on standard output.  Exit 0; 1 when a commit is not
 * authentic or the survey cannot be read; 2 on bad arguments.
 */
#include "auth.h"
#include "diag.h"
#include "repo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_repo *r = NULL;
	git_oid tip, hide, main;
	long long times[64];
	size_t judged = 0;
	int rounds = argc > 4 ? atoi(argv[4]) : 5, i, rc = 1;

	if (argc < 4 || rounds < 1 || rounds > 64) {
		fprintf(stderr, "usage: auth_bench SURVEY TIP HIDE [ROUNDS (1-64)]\n");
		return 2;
	}
	git_libgit2_init();
	if (ks_repo_open(&r, argv[1], &d) ||
	    git_oid_fromstr(&tip, argv[2]) < 0 || git_oid_fromstr(&hide, argv[3]) < 0 ||
	    git_reference_name_to_id(&main, ks_repo_git(r), "refs/heads/main") < 0) {
		fprintf(stderr, "auth_bench: cannot open %s or read the commit ids\n", argv[1]);
		goto out;
	}
	for (i = 0; i < rounds; i++) {
		struct ks_auth_judge *j = NULL;
		struct ks_auth_verdict v;
		long long t0 = now_ns();
		int err;

		if (ks_auth_judge_new(&j, r) < 0 || ks_auth_judge_approval(j, &main) < 0)
			goto out;
		err = ks_auth_history(&v, j, &tip, &hide, &d);
		ks_auth_judge_free(j);
		times[i] = now_ns() - t0;
		if (err || v.status != KS_AUTH_OK || v.judged != v.commits) {
			fprintf(stderr, "auth_bench: %zu of %zu commits judged, status %s\n",
				v.judged, v.commits, ks_auth_status_name(v.status));
			goto out;
		}
		judged = v.judged;
	}
	qsort(times, (size_t)rounds, sizeof(*times), cmp_ll);
	printf("%zu commits judged, median %lld ns a round of %d\n", judged,
	       times[rounds / 2], rounds);
	rc = 0;
out:
	ks_repo_free(r);
	ks_diags_release(&d);
	git_libgit2_shutdown();
	return rc;
}
