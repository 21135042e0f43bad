/*
 * The process-wide set-up khaosat's core relies on, done once by whoever
 * runs it (the command line, a test): libgit2 started, with every file it
 * writes under .git fsynced (survey data must survive a power cut) and
 * the survey's trees kept in its object cache.
 */
#ifndef KS_GLOBAL_H
#define KS_GLOBAL_H

/* 0, or -1 when libgit2 cannot start. */
int ks_global_init(void);
void ks_global_shutdown(void);

#endif
