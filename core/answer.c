/*
 * A form's answer against the survey: schema, references and unique
 * values.  See answer.h.
 */
#include "answer.h"
#include "alloc.h"
#include "check.h"
#include "commit.h"
#include "diag.h"
#include "record.h"
#include "repo.h"
#include "schema.h"
#include "unique.h"

#include <string.h>

/*
 * A form's value against every other record of its kind: first the
 * records changed in the work tree are indexed, then the value, then the
 * committed records are compared with the index.  Only the clashes of the
 * value are kept.
 */
static int unique_answer(struct ks_repo *r, const char *kind, const char *id,
			 const char *pointer, const struct ks_node *value,
			 struct ks_diags *d)
{
	struct ks_unique *u = ks_unique_new();
	struct ks_changes ch = { 0 };
	struct ks_paths changed = { 0 };
	struct ks_diags ignore = KS_DIAGS_INIT, mine = KS_DIAGS_INIT;
	char *rel = ks_record_relpath(kind, id);
	size_t i;
	int err = -1;

	if (!u || !rel)
		goto out;
	if (ks_changes_list(&ch, r, &ignore) == -1)
		goto out;
	for (i = 0; i < ch.n; i++) {
		const char *p = ch.v[i].path;

		if (ch.v[i].what == KS_CHANGE_DELETED ||
		    strncmp(p, KS_RECORDS_DIR "/", strlen(KS_RECORDS_DIR) + 1) ||
		    !strcmp(p, rel))
			continue;
		if (ks_paths_add(&changed, p) < 0 ||
		    ks_check_record(r, p, u, NULL, &ignore) == -1)
			goto out;
	}
	ks_paths_sort(&changed);
	ks_unique_begin(u, kind, rel, id, &mine);
	ks_unique_value(u, pointer, value);
	if (ks_unique_probe_head(u, r, &changed, &mine) == -1 ||
	    ks_unique_report(u, &mine) < 0)
		goto out;
	err = 0;
	for (i = 0; i < mine.n; i++) {
		const struct ks_diag *m = &mine.v[i];

		if (m->severity != KS_SEV_ERROR || !m->path || strcmp(m->path, rel))
			continue;
		ks_diags_add(d, KS_SEV_ERROR, NULL, 0, 0, m->pointer, m->keyword,
			     "%s", m->message);
		err = KS_EINVALID;
	}
out:
	ks_unique_free(u);
	ks_changes_release(&ch);
	ks_paths_release(&changed);
	ks_diags_release(&ignore);
	ks_diags_release(&mine);
	ks_free(rel);
	return err;
}

int ks_answer_check(struct ks_repo *r, const char *kind, const char *id,
		    const struct ks_snode *s, const char *pointer,
		    const struct ks_node *value, struct ks_diags *d)
{
	int err = ks_check_value(r, s, value, d);

	if (err || value->kind != KS_NODE_SCALAR || !ks_snode_xunique(s))
		return err;
	return unique_answer(r, kind, id, pointer, value, d);
}
