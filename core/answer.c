/*
 * A form's answer against the survey: schema, references and unique
 * values.  See answer.h.
 */
#include "answer.h"
#include "check.h"
#include "clash.h"
#include "record.h"
#include "schema.h"

int ks_answer_check(struct ks_repo *r, const char *kind, const char *id,
		    const struct ks_snode *s, const char *pointer,
		    const struct ks_node *value, struct ks_diags *d)
{
	int err = ks_check_value(r, s, value, d);

	if (err || value->kind != KS_NODE_SCALAR || !ks_snode_xunique(s))
		return err;
	return ks_clash_value(r, kind, id, pointer, value, d);
}
