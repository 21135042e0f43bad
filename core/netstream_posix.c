/*
 * The hub connections' sockets on POSIX systems (netstream.h; the state
 * they share with Windows' in netstream.c): poll() with a bound before
 * every wait in connect, read and write, and a watcher thread for the
 * sockets libssh2 reads and writes by itself.
 */
#ifndef _WIN32		/* Windows: netstream_win32.c */

#include "netstream_int.h"
#include "intl.h"
#include "alloc.h"

#include <git2.h>
#include <git2/sys/stream.h>

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Connections open at once; libgit2 holds one, two while it reconnects. */
#define MAX_OPEN 8
/* How often the watcher looks at a connection libssh2 drives. */
#define WATCH_MS 100

/* The open sockets as fd + 1 (0: a free slot), for ks_net_cancel(). */
static atomic_int open_fd[MAX_OPEN];

struct conn {
	/*
	 * The first four members as in libgit2 1.5's own socket stream
	 * (git_socket_stream in src/libgit2/streams/socket.h): its ssh
	 * transport casts the stream to that and hands `s` to libssh2.
	 */
	git_stream parent;
	char *host;
	char *port;
	int s;
	long limit_ms;
	atomic_int used;	/* libgit2 reads or writes through this stream */
	atomic_int closing;	/* the watcher is to stop */
	int slot;		/* in open_fd, or -1 */
	int wake[2];		/* a byte here stops the watcher */
	pthread_t watcher;
	int watching;
};

static void keep_unread(int s)
{
	ssize_t n;

	while (ks_net.unread_len < KS_NET_UNREAD_MAX &&
	       (n = recv(s, ks_net.unread + ks_net.unread_len, KS_NET_UNREAD_MAX - ks_net.unread_len,
			 MSG_DONTWAIT)) > 0)
		ks_net.unread_len += (size_t)n;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* `fmt` names the host, then errno's reason: "cannot read from %s: %s". */
static int fail_os(const char *fmt, const char *host)
{
	char msg[400];
	int e = errno;

	snprintf(msg, sizeof(msg), fmt, host, strerror(e));
	git_error_set_str(GIT_ERROR_OS, msg);
	return -1;
}

/*
 * Waits until `fd` is ready for `events`: 0, or -1 (a libgit2 error set)
 * after `limit_ms` of silence or on ks_net_cancel().
 */
static int wait_fd(int fd, short events, long limit_ms, const char *host)
{
	long long end = now_ms() + limit_ms;
	struct pollfd p;
	long long left;
	int n;

	for (;;) {
		if (atomic_load(&ks_net.cancelled))
			return ks_net_fail_cancelled();
		if ((left = end - now_ms()) <= 0)
			return ks_net_fail_silent();
		p.fd = fd;
		p.events = events;
		p.revents = 0;
		n = poll(&p, 1, (int)left);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return fail_os(_("cannot wait for %s: %s"), host);
	}
}

static int track(int fd)
{
	int i, none;

	for (i = 0; i < MAX_OPEN; i++) {
		none = 0;
		if (atomic_compare_exchange_strong(&open_fd[i], &none, fd + 1))
			return i;
	}
	return -1;	/* not cut by ks_net_cancel(); its reads still fail */
}

/* Milliseconds since data last moved either way on `fd`; -1: unknown. */
static long idle_ms(int fd)
{
	struct tcp_info ti;
	socklen_t n = sizeof(ti);

	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &n) < 0)
		return -1;
	return ti.tcpi_last_data_recv < ti.tcpi_last_data_sent
		? (long)ti.tcpi_last_data_recv : (long)ti.tcpi_last_data_sent;
}

/*
 * Until libgit2 reads or writes through the stream (then conn_read and
 * conn_write keep the bound) or the connection closes: cuts a connection
 * on which nothing moved for the bound.  That is libssh2's socket, which
 * it polls without a limit.
 */
static void *watch(void *arg)
{
	struct conn *c = arg;
	struct pollfd p;

	p.fd = c->wake[0];
	p.events = POLLIN;
	p.revents = 0;
	while (poll(&p, 1, WATCH_MS) == 0 && !atomic_load(&c->used) &&
	       !atomic_load(&c->closing)) {
		if (idle_ms(c->s) >= c->limit_ms) {
			atomic_store(&ks_net.timed_out, 1);
			shutdown(c->s, SHUT_RDWR);
			break;
		}
	}
	return NULL;
}

/*
 * Starts the watcher with every signal blocked, so that a signal reaches
 * the thread that waits on the hub.  Without a watcher (no thread to be
 * had) the connection works as before, unbounded for ssh.
 */
static void watch_start(struct conn *c)
{
	sigset_t all, old;

	if (pipe2(c->wake, O_CLOEXEC) < 0) {
		c->wake[0] = c->wake[1] = -1;
		return;
	}
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	c->watching = pthread_create(&c->watcher, NULL, watch, c) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

static void watch_stop(struct conn *c)
{
	if (c->watching) {
		ssize_t w;

		atomic_store(&c->closing, 1);
		w = write(c->wake[1], "", 1);
		(void)w;	/* without the byte it stops at its next look */
		pthread_join(c->watcher, NULL);
		c->watching = 0;
	}
	if (c->wake[0] >= 0) {
		close(c->wake[0]);
		close(c->wake[1]);
		c->wake[0] = c->wake[1] = -1;
	}
}

/* A non-blocking connect to one address, bounded. */
static int connect_one(const struct addrinfo *a, const struct conn *c)
{
	int fd, e = 0;
	socklen_t n = sizeof(e);

	fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    a->ai_protocol);
	if (fd < 0)
		return -1;
	if (connect(fd, a->ai_addr, a->ai_addrlen) == 0)
		return fd;
	if (errno != EINPROGRESS ||
	    wait_fd(fd, POLLOUT, c->limit_ms, c->host) < 0) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &n) < 0 || e) {
		close(fd);
		errno = e ? e : errno;
		return -1;
	}
	return fd;
}

static int conn_connect(git_stream *stream)
{
	struct conn *c = (struct conn *)stream;
	struct addrinfo hints, *ai = NULL, *a;
	int e, fd = -1, why = 0;

	if (atomic_load(&ks_net.cancelled))
		return ks_net_fail_cancelled();
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((e = getaddrinfo(c->host, c->port, &hints, &ai)) != 0) {
		git_error_set(GIT_ERROR_NET, _("cannot find the address of %s: %s"),
			      c->host, gai_strerror(e));
		return -1;
	}
	for (a = ai; a && fd < 0; a = a->ai_next) {
		if ((fd = connect_one(a, c)) < 0)
			why = errno;
		/* Silence or Ctrl-C: another address would wait as long. */
		if (fd < 0 && (atomic_load(&ks_net.timed_out) ||
			       atomic_load(&ks_net.cancelled)))
			break;
	}
	freeaddrinfo(ai);
	if (fd < 0) {
		errno = why;
		if (!atomic_load(&ks_net.timed_out) && !atomic_load(&ks_net.cancelled))
			fail_os(_("failed to connect to %s: %s"), c->host);
		return -1;
	}
	c->s = fd;
	c->slot = track(fd);
	watch_start(c);
	return 0;
}

static ssize_t conn_read(git_stream *stream, void *buf, size_t len)
{
	struct conn *c = (struct conn *)stream;
	ssize_t n;

	atomic_store(&c->used, 1);
	for (;;) {
		if (atomic_load(&ks_net.cancelled))
			return ks_net_fail_cancelled();
		if ((n = recv(c->s, buf, len, 0)) >= 0)
			/* ks_net_cancel() shuts the socket: not the hub's end. */
			return n == 0 && atomic_load(&ks_net.cancelled)
				? ks_net_fail_cancelled() : n;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return fail_os(_("cannot read from %s: %s"), c->host);
		if (wait_fd(c->s, POLLIN, c->limit_ms, c->host) < 0)
			return -1;
	}
}

static ssize_t conn_write(git_stream *stream, const char *data, size_t len,
			  int flags)
{
	struct conn *c = (struct conn *)stream;
	ssize_t n;

	(void)flags;
	atomic_store(&c->used, 1);
	for (;;) {
		if (atomic_load(&ks_net.cancelled))
			return ks_net_fail_cancelled();
		/* MSG_NOSIGNAL: a hub that went away is an error, not SIGPIPE. */
		if ((n = send(c->s, data, len, MSG_NOSIGNAL)) >= 0)
			return n;
		if (errno == EINTR)
			continue;
		if (errno == EPIPE || errno == ECONNRESET) {
			int e = errno;

			keep_unread(c->s);
			errno = e;
		}
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return atomic_load(&ks_net.cancelled) ? ks_net_fail_cancelled()
				: fail_os(_("cannot write to %s: %s"), c->host);
		if (wait_fd(c->s, POLLOUT, c->limit_ms, c->host) < 0)
			return -1;
	}
}

static int conn_close(git_stream *stream)
{
	struct conn *c = (struct conn *)stream;

	watch_stop(c);
	/* Out of the table before the descriptor can be reused. */
	if (c->slot >= 0)
		atomic_store(&open_fd[c->slot], 0);
	c->slot = -1;
	if (c->s >= 0)
		close(c->s);
	c->s = -1;
	return 0;
}

static void conn_free(git_stream *stream)
{
	struct conn *c = (struct conn *)stream;

	conn_close(stream);
	ks_free(c->host);
	ks_free(c->port);
	ks_free(c);
}

int ks_net_stream_new(git_stream **out, const char *host, const char *port)
{
	struct conn *c = ks_calloc(1, sizeof(*c));

	if (!c || !(c->host = ks_strdup(host)) ||
	    !(c->port = ks_strdup(port))) {
		if (c) {
			ks_free(c->host);
			ks_free(c);
		}
		git_error_set_oom();
		return -1;
	}
	c->parent.version = GIT_STREAM_VERSION;
	c->parent.connect = conn_connect;
	c->parent.read = conn_read;
	c->parent.write = conn_write;
	c->parent.close = conn_close;
	c->parent.free = conn_free;
	c->s = -1;
	c->slot = -1;
	c->wake[0] = c->wake[1] = -1;
	c->limit_ms = (long)ks_net.limit_s * 1000;
	*out = &c->parent;
	return 0;
}

int ks_net_sockets_start(void)
{
	return 0;
}

void ks_net_cut_all(void)
{
	int saved = errno, i, fd;

	for (i = 0; i < MAX_OPEN; i++)
		if ((fd = atomic_load(&open_fd[i]) - 1) >= 0)
			shutdown(fd, SHUT_RDWR);
	errno = saved;
}

#endif /* _WIN32 */
