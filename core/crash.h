/*
 * Named points where a test may kill the program, to show that every
 * write is atomic (DESIGN.md, invariant 4).
 *
 * ks_crash_point() does nothing unless the environment asks for it:
 *   KHAOSAT_CRASH_AT=N      the Nth point reached kills the process with
 *                           SIGKILL, as a power cut or a yanked cable would;
 *                           a name ("merge: journal written") instead of N
 *                           kills it at the first point of that name
 *   KHAOSAT_CRASH_TRACE=F   each point reached appends its name to file F,
 *                           so a test can count the points of a run
 *   KHAOSAT_CRASH_SIGNAL=STOP  stops the process there instead (SIGSTOP),
 *                           so a test can act while it waits, then let it
 *                           go on with SIGCONT
 * Points sit between the steps of a multi-step write (before a rename,
 * between moving a reference and updating the work tree...), never inside
 * one libgit2 call.
 */
#ifndef KS_CRASH_H
#define KS_CRASH_H

void ks_crash_point(const char *name);

#endif
