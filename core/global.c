#include "global.h"

#include <dlfcn.h>
#include <git2.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>

/*
 * libgit2 1.5 as Debian builds it (with mbedTLS) parses the whole CA
 * bundle in git_libgit2_init(): some 50 million instructions that every
 * command paid, though only a sync or a clone over https:// needs them.
 * mbedTLS's file parser is defined here, so the one libgit2 calls is this
 * one (the link exports it): during git_libgit2_init() it notes the path
 * and loads nothing; ks_global_network() hands the path back to libgit2,
 * and from then on every call goes to mbedTLS's own.  With another TLS
 * library this is never called, and nothing changes.
 */
int mbedtls_x509_crt_parse_file(void *chain, const char *path);

static int deferring;
static char deferred[4096];

int mbedtls_x509_crt_parse_file(void *chain, const char *path)
{
	static int (*real)(void *, const char *);

	if (deferring && path &&
	    snprintf(deferred, sizeof(deferred), "%s", path) < (int)sizeof(deferred))
		return 0;
	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "mbedtls_x509_crt_parse_file");
	return real ? real(chain, path) : -1;
}

static void load_certificates(void)
{
	if (deferred[0] &&
	    git_libgit2_opts(GIT_OPT_SET_SSL_CERT_LOCATIONS, deferred, NULL) < 0)
		git_error_clear();	/* https:// then reports the certificate */
}

void ks_global_network(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, load_certificates);
}

int ks_global_init(void)
{
	int rc;

	deferring = 1;
	rc = git_libgit2_init();
	deferring = 0;
	if (rc < 0)
		return -1;
	/* Survey data must survive a power cut: make libgit2 fsync. */
	if (git_libgit2_opts(GIT_OPT_ENABLE_FSYNC_GITDIR, 1) < 0)
		return -1;
	/*
	 * Keep the survey's trees in libgit2's object cache (by default only
	 * those under 4 KiB are kept, and a folder of a hundred records is
	 * larger): a merge looks paths up in the same trees again and again.
	 * The whole cache stays within 64 MiB.
	 */
	if (git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT, GIT_OBJECT_TREE,
			     (size_t)64 << 10) < 0 ||
	    git_libgit2_opts(GIT_OPT_SET_CACHE_MAX_SIZE, (ssize_t)64 << 20) < 0)
		return -1;
	/*
	 * Map packs 4 MiB at a time, 16 MiB at most (libgit2's default maps
	 * a whole pack and keeps it): a check that reads every record blob
	 * of a 100,000-record survey peaked at 145 MB, 60 of them the pack's
	 * pages, and at 84 MB this way, as fast; a full bundle of it takes
	 * half the memory and 5% more time (windows mapped again).
	 */
	if (git_libgit2_opts(GIT_OPT_SET_MWINDOW_SIZE, (size_t)4 << 20) < 0 ||
	    git_libgit2_opts(GIT_OPT_SET_MWINDOW_MAPPED_LIMIT, (size_t)16 << 20) < 0)
		return -1;
	return 0;
}

int ks_global_long_running(size_t cache, size_t mapped)
{
	if (git_libgit2_opts(GIT_OPT_SET_CACHE_MAX_SIZE, (ssize_t)cache) < 0 ||
	    git_libgit2_opts(GIT_OPT_SET_MWINDOW_SIZE, mapped / 4) < 0 ||
	    git_libgit2_opts(GIT_OPT_SET_MWINDOW_MAPPED_LIMIT, mapped) < 0)
		return -1;
	return 0;
}

void ks_global_shutdown(void)
{
	git_libgit2_shutdown();
}
