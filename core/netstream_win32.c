/*
 * The hub connections' sockets on Windows (netstream.h; the state they
 * share with POSIX's in netstream.c).  As netstream_posix.c, with
 * Windows' sockets: select() with a bound before
 * every wait in connect, read and write, and a watcher thread for the
 * sockets libssh2 reads and writes by itself, which sees data move in
 * the connection's byte counts (SIO_TCP_INFO, Windows 10 1703 on).
 * libgit2 reaches http:// and https:// hubs through WinHTTP, which bounds
 * its own waits and never uses this stream.
 */
#ifdef _WIN32

#define NTDDI_VERSION 0x0A000003	/* NTDDI_WIN10_RS2: TCP_INFO_v0 */
#include "netstream_int.h"
#include "intl.h"
#include "alloc.h"

#include <winsock2.h>
#include <ws2tcpip.h>
#include <mstcpip.h>
#include <windows.h>

#include <stdio.h>
#include <string.h>

/* Connections open at once; libgit2 holds one, two while it reconnects. */
#define MAX_OPEN 8
/* How often the watcher looks at a connection libssh2 drives, and the
 * longest a wait goes without looking at ks_net_cancel(). */
#define WATCH_MS 100

/* The open sockets as socket + 1 (0: a free slot), for ks_net_cancel(). */
static atomic_ullong open_sock[MAX_OPEN];

struct conn {
	/*
	 * The first four members as in libgit2 1.5's own socket stream
	 * (git_socket_stream): its ssh transport casts the stream to that
	 * and hands `s` to libssh2.  On Windows `s` is a SOCKET.
	 */
	git_stream parent;
	char *host;
	char *port;
	SOCKET s;
	long limit_ms;
	atomic_int used;	/* libgit2 reads or writes through this stream */
	atomic_int closing;	/* the watcher is to stop */
	int slot;		/* in open_sock, or -1 */
	HANDLE watcher;
};

/* What the hub had sent when a write failed (its own words on why). */
static void keep_unread(SOCKET s)
{
	int n;

	while (ks_net.unread_len < KS_NET_UNREAD_MAX &&
	       (n = recv(s, ks_net.unread + ks_net.unread_len, (int)(KS_NET_UNREAD_MAX - ks_net.unread_len), 0)) > 0)
		ks_net.unread_len += (size_t)n;
}

/* `fmt` names the host, then Windows' reason: "cannot read from %s: %s". */
static int fail_os(const char *fmt, const char *host, int e)
{
	char msg[400], why[200];

	if (!FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS,
			    NULL, (DWORD)e, 0, why, sizeof(why), NULL))
		snprintf(why, sizeof(why), "Windows socket error %d", e);
	why[strcspn(why, "\r\n")] = '\0';
	snprintf(msg, sizeof(msg), fmt, host, why);
	git_error_set_str(GIT_ERROR_OS, msg);
	return -1;
}

/*
 * Waits until `s` can be written (`writing`) or read: 0, or -1 (a libgit2
 * error set) after `limit_ms` of silence or on ks_net_cancel().  A wait
 * looks at the cancel every WATCH_MS.
 */
static int wait_sock(SOCKET s, int writing, long limit_ms, const char *host)
{
	ULONGLONG end = GetTickCount64() + (ULONGLONG)limit_ms;

	for (;;) {
		fd_set rd, wr, ex;
		struct timeval tv;
		ULONGLONG now = GetTickCount64();
		long left;
		int n;

		if (atomic_load(&ks_net.cancelled))
			return ks_net_fail_cancelled();
		if (now >= end)
			return ks_net_fail_silent();
		left = (long)(end - now);
		if (left > WATCH_MS)
			left = WATCH_MS;
		FD_ZERO(&rd);
		FD_ZERO(&wr);
		FD_ZERO(&ex);
		FD_SET(s, writing ? &wr : &rd);
		FD_SET(s, &ex);
		tv.tv_sec = left / 1000;
		tv.tv_usec = (left % 1000) * 1000;
		n = select(0, &rd, &wr, &ex, &tv);
		if (n > 0)
			return 0;
		if (n == SOCKET_ERROR)
			return fail_os(_("cannot wait for %s: %s"), host, WSAGetLastError());
	}
}

static int track(SOCKET s)
{
	int i;

	for (i = 0; i < MAX_OPEN; i++) {
		unsigned long long none = 0;

		if (atomic_compare_exchange_strong(&open_sock[i], &none,
						   (unsigned long long)s + 1))
			return i;
	}
	return -1;	/* not cut by ks_net_cancel(); its reads still fail */
}

/* The bytes the connection has carried both ways; -1: unknown. */
static long long carried(SOCKET s)
{
	DWORD version = 0, got = 0;
	TCP_INFO_v0 ti;

	if (WSAIoctl(s, SIO_TCP_INFO, &version, sizeof(version), &ti, sizeof(ti),
		     &got, NULL, NULL) != 0)
		return -1;
	return (long long)(ti.BytesIn + ti.BytesOut);
}

/*
 * Until libgit2 reads or writes through the stream (then conn_read and
 * conn_write keep the bound) or the connection closes: cuts a connection
 * on which nothing moved for the bound.  That is libssh2's socket, which
 * it waits on without a limit.
 */
static DWORD WINAPI watch(void *arg)
{
	struct conn *c = arg;
	long long last = carried(c->s);
	ULONGLONG since = GetTickCount64();

	if (last < 0)
		return 0;	/* no counts here: unbounded, as before */
	while (!atomic_load(&c->used) && !atomic_load(&c->closing)) {
		long long now = carried(c->s);

		if (now != last) {
			last = now;
			since = GetTickCount64();
		} else if (GetTickCount64() - since >= (ULONGLONG)c->limit_ms) {
			atomic_store(&ks_net.timed_out, 1);
			shutdown(c->s, SD_BOTH);
			break;
		}
		Sleep(WATCH_MS);
	}
	return 0;
}

static void watch_stop(struct conn *c)
{
	if (c->watcher) {
		atomic_store(&c->closing, 1);
		WaitForSingleObject(c->watcher, INFINITE);
		CloseHandle(c->watcher);
		c->watcher = NULL;
	}
}

/* A non-blocking connect to one address, bounded; the socket or -1. */
static SOCKET connect_one(const struct addrinfo *a, const struct conn *c, int *why)
{
	u_long on = 1;
	SOCKET s = WSASocketW(a->ai_family, a->ai_socktype, a->ai_protocol, NULL, 0,
			      WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
	int e = 0, n = sizeof(e);

	if (s == INVALID_SOCKET) {
		*why = WSAGetLastError();
		return INVALID_SOCKET;
	}
	if (ioctlsocket(s, FIONBIO, &on) != 0) {
		*why = WSAGetLastError();
		closesocket(s);
		return INVALID_SOCKET;
	}
	if (connect(s, a->ai_addr, (int)a->ai_addrlen) == 0)
		return s;
	if ((*why = WSAGetLastError()) != WSAEWOULDBLOCK ||
	    wait_sock(s, 1, c->limit_ms, c->host) < 0) {
		closesocket(s);
		return INVALID_SOCKET;
	}
	if (getsockopt(s, SOL_SOCKET, SO_ERROR, (char *)&e, &n) != 0 || e) {
		*why = e ? e : WSAGetLastError();
		closesocket(s);
		return INVALID_SOCKET;
	}
	return s;
}

static int conn_connect(git_stream *stream)
{
	struct conn *c = (struct conn *)stream;
	struct addrinfo hints, *ai = NULL, *a;
	SOCKET s = INVALID_SOCKET;
	int e, why = 0;

	if (atomic_load(&ks_net.cancelled))
		return ks_net_fail_cancelled();
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((e = getaddrinfo(c->host, c->port, &hints, &ai)) != 0) {
		git_error_set(GIT_ERROR_NET, _("cannot find the address of %s: %s"),
			      c->host, gai_strerrorA(e));
		return -1;
	}
	for (a = ai; a && s == INVALID_SOCKET; a = a->ai_next) {
		s = connect_one(a, c, &why);
		/* Silence or Ctrl-C: another address would wait as long. */
		if (s == INVALID_SOCKET && (atomic_load(&ks_net.timed_out) ||
					    atomic_load(&ks_net.cancelled)))
			break;
	}
	freeaddrinfo(ai);
	if (s == INVALID_SOCKET) {
		if (!atomic_load(&ks_net.timed_out) && !atomic_load(&ks_net.cancelled))
			fail_os(_("failed to connect to %s: %s"), c->host, why);
		return -1;
	}
	c->s = s;
	c->slot = track(s);
	c->watcher = CreateThread(NULL, 0, watch, c, 0, NULL);
	return 0;
}

static ssize_t conn_read(git_stream *stream, void *buf, size_t len)
{
	struct conn *c = (struct conn *)stream;
	int n, e;

	atomic_store(&c->used, 1);
	if (len > INT_MAX)
		len = INT_MAX;
	for (;;) {
		if (atomic_load(&ks_net.cancelled))
			return ks_net_fail_cancelled();
		if ((n = recv(c->s, buf, (int)len, 0)) >= 0)
			/* ks_net_cancel() shuts the socket: not the hub's end. */
			return n == 0 && atomic_load(&ks_net.cancelled) ? ks_net_fail_cancelled() : n;
		if ((e = WSAGetLastError()) != WSAEWOULDBLOCK)
			return atomic_load(&ks_net.cancelled) ? ks_net_fail_cancelled()
				: fail_os(_("cannot read from %s: %s"), c->host, e);
		if (wait_sock(c->s, 0, c->limit_ms, c->host) < 0)
			return -1;
	}
}

static ssize_t conn_write(git_stream *stream, const char *data, size_t len,
			  int flags)
{
	struct conn *c = (struct conn *)stream;
	int n, e;

	(void)flags;
	atomic_store(&c->used, 1);
	if (len > INT_MAX)
		len = INT_MAX;
	for (;;) {
		if (atomic_load(&ks_net.cancelled))
			return ks_net_fail_cancelled();
		if ((n = send(c->s, data, (int)len, 0)) >= 0)
			return n;
		e = WSAGetLastError();
		if (e == WSAECONNRESET || e == WSAECONNABORTED || e == WSAESHUTDOWN)
			keep_unread(c->s);
		if (e != WSAEWOULDBLOCK)
			return atomic_load(&ks_net.cancelled) ? ks_net_fail_cancelled()
				: fail_os(_("cannot write to %s: %s"), c->host, e);
		if (wait_sock(c->s, 1, c->limit_ms, c->host) < 0)
			return -1;
	}
}

static int conn_close(git_stream *stream)
{
	struct conn *c = (struct conn *)stream;

	watch_stop(c);
	/* Out of the table before the socket can be reused. */
	if (c->slot >= 0)
		atomic_store(&open_sock[c->slot], 0);
	c->slot = -1;
	if (c->s != INVALID_SOCKET)
		closesocket(c->s);
	c->s = INVALID_SOCKET;
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
	c->s = INVALID_SOCKET;
	c->slot = -1;
	c->limit_ms = (long)ks_net.limit_s * 1000;
	*out = &c->parent;
	return 0;
}

int ks_net_sockets_start(void)
{
	static int started;
	WSADATA w;

	if (!started && WSAStartup(MAKEWORD(2, 2), &w) != 0) {
		git_error_set_str(GIT_ERROR_OS, "cannot start Windows' sockets");
		return -1;
	}
	started = 1;
	return 0;
}

void ks_net_cut_all(void)
{
	int i;

	for (i = 0; i < MAX_OPEN; i++) {
		unsigned long long s = atomic_load(&open_sock[i]);

		if (s)
			shutdown((SOCKET)(s - 1), SD_BOTH);
	}
}

#endif /* _WIN32 */
