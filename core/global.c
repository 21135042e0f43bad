#include "global.h"

#include <git2.h>
#include <stddef.h>

int ks_global_init(void)
{
	if (git_libgit2_init() < 0)
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
