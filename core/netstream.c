/*
 * A socket stream for libgit2 that gives up on a silent hub: the state
 * and the interface (netstream.h).  The sockets are each system's own:
 * netstream_posix.c, netstream_win32.c.
 */
#include "netstream_int.h"
#include "intl.h"

#include <assert.h>
#include <stdio.h>

/* ks_net_cancel() runs in a signal handler: its atomics must be lock-free. */
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "atomic int is not lock-free");

struct ks_net_state ks_net = { KS_NET_TIMEOUT_DEFAULT };

int ks_net_fail_silent(void)
{
	char msg[160];

	atomic_store(&ks_net.timed_out, 1);
	snprintf(msg, sizeof(msg), Q_("the hub did not answer for %u second",
				      "the hub did not answer for %u seconds",
				      ks_net.limit_s), ks_net.limit_s);
	git_error_set_str(GIT_ERROR_NET, msg);
	return -1;
}

int ks_net_fail_cancelled(void)
{
	git_error_set_str(GIT_ERROR_NET, _("interrupted"));
	return -1;
}

int ks_net_arm(unsigned seconds)
{
	git_stream_registration reg = { GIT_STREAM_VERSION, ks_net_stream_new, NULL };

	assert(seconds >= 1 && seconds <= KS_NET_TIMEOUT_MAX);
	if (ks_net_sockets_start() < 0)
		return -1;
	ks_net.limit_s = seconds;
	atomic_store(&ks_net.timed_out, 0);
	ks_net.unread_len = 0;
	/* Every time: git_libgit2_shutdown() forgets registrations. */
	return git_stream_register(GIT_STREAM_STANDARD, &reg) < 0 ? -1 : 0;
}

size_t ks_net_unread(const char **data)
{
	*data = ks_net.unread;
	return ks_net.unread_len;
}

unsigned ks_net_timeout(void)
{
	return ks_net.limit_s;
}

int ks_net_timed_out(void)
{
	return atomic_load(&ks_net.timed_out);
}

void ks_net_cancel(void)
{
	atomic_store(&ks_net.cancelled, 1);
	ks_net_cut_all();
}

int ks_net_cancelled(void)
{
	return atomic_load(&ks_net.cancelled);
}
