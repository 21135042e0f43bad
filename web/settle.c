/*
 * Settling conflicts in the browser: a later step.
 */
#include "pages_int.h"

int ks_web_settle(const struct ks_web_req *q, struct ks_web_reply *r)
{
	return ks_web_not_found(q, r);
}
