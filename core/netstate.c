/*
 * The hub connections' state and errors (netstream_int.h), below both
 * the interface (netstream.c) and each system's sockets.
 */
#include "netstream_int.h"
#include "intl.h"

#include <stdio.h>

/* ks_net_cancel() runs in a signal handler: its atomics must be lock-free. */
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "atomic int is not lock-free");

struct ks_net_state ks_net;

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
