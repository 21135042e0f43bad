/*
 * The parts of the hub connections (netstream.h): netstate.c holds their
 * state and errors, which the sockets of each system (netstream_posix.c,
 * netstream_win32.c) use, and netstream.c the interface over both.
 */
#ifndef KS_NETSTREAM_INT_H
#define KS_NETSTREAM_INT_H

#include <git2.h>
#include <git2/sys/stream.h>
#include <stdatomic.h>

/* What a hub had sent and nobody read when a write to it failed: a hub
 * that stops reading (a full disk ends its receive-pack) says why first. */
#define KS_NET_UNREAD_MAX ((size_t)64 * 1024)

struct ks_net_state {
	unsigned limit_s;	/* ks_net_arm()'s bound; 0 before it */
	atomic_int timed_out;
	atomic_int cancelled;	/* ks_net_cancel() was called */
	size_t unread_len;
	char unread[KS_NET_UNREAD_MAX];
};
extern struct ks_net_state ks_net;

/* netstate.c: a libgit2 error for a connection given up on, or cut; -1. */
int ks_net_fail_silent(void);
int ks_net_fail_cancelled(void);

/* ---- each system's sockets ---- */

/* The stream registered with libgit2 (git_stream_registration.init). */
int ks_net_stream_new(git_stream **out, const char *host, const char *port);
/* Before the first connection: 0, or -1 with a libgit2 error set. */
int ks_net_sockets_start(void);
/* Shuts every open connection; from a signal handler on POSIX. */
void ks_net_cut_all(void);

#endif
