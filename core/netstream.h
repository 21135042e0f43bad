/*
 * The connections khaosat makes to a hub, with a bound on silence.
 *
 * libgit2 1.5 has no network timeouts: a hub that accepts a connection and
 * never answers blocks a fetch or push forever.  ks_net_arm() registers
 * this module's socket stream with libgit2 (git_stream_register,
 * GIT_STREAM_STANDARD), which libgit2 then uses for every git://, http://
 * and ssh:// connection, and for https:// as well: its mbedTLS stream
 * wraps the standard one.
 *
 * What is bounded, each to the armed number of seconds:
 *   - connecting (after the name is resolved: getaddrinfo has its own
 *     limits, and a LAN hub is usually named by its address);
 *   - every wait for the hub to answer or to take more data, for git://,
 *     http:// and https:// (libgit2 reads and writes through this stream);
 *   - for ssh://, libssh2 reads and writes the socket itself, so a watcher
 *     thread cuts a connection on which no data moved either way for that
 *     long.  Local work between two requests on one ssh connection (the
 *     packing before a push) counts as silence there.
 *
 * A connection given up on fails the libgit2 call that used it; then
 * ks_net_timed_out() says why.  ks_net_cancel() is for a signal handler:
 * it cuts every open connection at once and makes new ones fail, so the
 * libgit2 call returns and its caller can clean up.
 *
 * The state is the process's, as libgit2's stream registration is: one
 * network operation at a time (khaosat has one thread of work).
 */
#ifndef KS_NETSTREAM_H
#define KS_NETSTREAM_H

#include <stddef.h>

/* The bound when neither the caller nor the configuration gives one. */
#define KS_NET_TIMEOUT_DEFAULT 60
/* The largest bound accepted: a day. */
#define KS_NET_TIMEOUT_MAX 86400

/*
 * Bounds the silence of the connections made from now on to `seconds`
 * (1 to KS_NET_TIMEOUT_MAX) and clears ks_net_timed_out().  Registers the
 * stream with libgit2 the first time (after git_libgit2_init()).  0, or -1
 * with a libgit2 error set.
 */
int ks_net_arm(unsigned seconds);

/*
 * What the hub had sent and nobody had read when a write to it failed
 * (the hub closed its end), since ks_net_arm(): for the hub's own words
 * on why it stopped.  Its length; *data points at it.
 */
size_t ks_net_unread(const char **data);
/* The bound ks_net_arm() set. */
unsigned ks_net_timeout(void);

/* 1 when a connection was given up on since ks_net_arm(). */
int ks_net_timed_out(void);

/*
 * Cuts every open connection to a hub and makes every later connect, read
 * and write fail, for the rest of the process.  Async-signal-safe.
 */
void ks_net_cancel(void);

/* 1 once ks_net_cancel() was called. */
int ks_net_cancelled(void);

#endif
