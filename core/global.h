/*
 * The process-wide set-up khaosat's core relies on, done once by whoever
 * runs it (the command line, a test): libgit2 started, with every file it
 * writes under .git fsynced (survey data must survive a power cut) and
 * the survey's trees kept in its object cache.
 */
#ifndef KS_GLOBAL_H
#define KS_GLOBAL_H

#include <stddef.h>

/* 0, or -1 when libgit2 cannot start. */
int ks_global_init(void);

/*
 * Before the first connection to another machine: libgit2's https gets
 * the certificate authorities, which ks_global_init() does not load.
 */
void ks_global_network(void);
void ks_global_shutdown(void);

/*
 * For a process that runs for hours (khaosat serve): libgit2 keeps a
 * smaller object cache and maps its packs in small windows, at most
 * `mapped` bytes at once, so that a page that walks every tree leaves the
 * memory it took.  0, or -1.
 */
int ks_global_long_running(size_t cache, size_t mapped);

#endif
