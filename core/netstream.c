/*
 * A socket stream for libgit2 that gives up on a silent hub: the
 * interface (netstream.h).  The state is netstate.c's; the sockets are
 * each system's own: netstream_posix.c, netstream_win32.c.
 */
#include "netstream.h"
#include "netstream_int.h"

#include <assert.h>

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
	return ks_net.limit_s ? ks_net.limit_s : KS_NET_TIMEOUT_DEFAULT;
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
