/*
 * A form's answer against the survey: schema, references and unique
 * values.  See answer.h.
 */
#include "answer.h"
#include "alloc.h"
#include "check.h"
#include "clash.h"
#include "diag.h"
#include "record.h"
#include "repo.h"
#include "schema.h"

#include <string.h>
#include <time.h>

int ks_answer_check(struct ks_repo *r, const char *kind, const char *id,
		    const struct ks_snode *s, const char *pointer,
		    const struct ks_node *value, struct ks_diags *d)
{
	int err = ks_check_value(r, s, value, d);

	if (err || value->kind != KS_NODE_SCALAR || !ks_snode_xunique(s))
		return err;
	return ks_clash_value(r, kind, id, pointer, value, d);
}

/*
 * Errors of the object itself that are not a missing field: what a
 * condition says of the object as a whole ("not", "false").
 */
static size_t object_errors(const struct ks_diags *d, const char *name)
{
	size_t i, n = 0;

	for (i = 0; i < d->n; i++) {
		const struct ks_diag *g = &d->v[i];
		const char *p = g->pointer ? g->pointer : "";
		char *missing;

		if (g->severity != KS_SEV_ERROR)
			continue;
		if ((missing = ks_diag_missing_property(g))) {
			ks_free(missing);
			continue;
		}
		if (!*p || (p[0] == '/' && !strcmp(p + 1, name) && g->keyword &&
			    !strcmp(g->keyword, "false")))
			n++;
	}
	return n;
}

/*
 * The errors of the object `map` (schema `parent`) without the field
 * `name`, and with `value` in it; `map` is left as it was.  0, or -1.
 */
static int without_and_with(struct ks_diags *without, struct ks_diags *with,
			    struct ks_doc *doc, const struct ks_snode *parent,
			    struct ks_node *map, const char *name,
			    struct ks_node *value)
{
	struct ks_node *old = ks_map_get(map, name);
	int err = 0;

	if (old)
		ks_map_remove(map, name);
	if (ks_snode_validate(parent, map, NULL, NULL, without) == -1 ||
	    ks_map_set(doc, map, name, value) < 0 ||
	    ks_snode_validate(parent, map, NULL, NULL, with) == -1)
		err = -1;
	ks_map_remove(map, name);
	if (old && ks_map_set(doc, map, name, old) < 0)
		err = -1;
	return err;
}

int ks_field_forbidden(struct ks_doc *doc, const struct ks_snode *parent,
		       struct ks_node *map, const char *name)
{
	struct ks_diags without = KS_DIAGS_INIT, with = KS_DIAGS_INIT;
	struct ks_node *probe;
	int r;

	if (ks_map_get(map, name))
		return 0;
	if (!(probe = ks_node_scalar(doc, "null", 4, 0)))
		return -1;
	r = without_and_with(&without, &with, doc, parent, map, name, probe);
	if (!r)
		r = object_errors(&with, name) > object_errors(&without, name);
	ks_diags_release(&without);
	ks_diags_release(&with);
	return r;
}

/* 1 when `d` has the x-compare error `g` (same place, same words). */
static int has_rule_error(const struct ks_diags *d, const struct ks_diag *g)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (d->v[i].keyword && !strcmp(d->v[i].keyword, "x-compare") &&
		    !strcmp(d->v[i].pointer ? d->v[i].pointer : "",
			    g->pointer ? g->pointer : "") &&
		    !strcmp(d->v[i].message, g->message))
			return 1;
	return 0;
}

int ks_answer_rules(struct ks_doc *doc, const struct ks_snode *parent,
		    struct ks_node *map, const char *name,
		    struct ks_node *value, struct ks_diags *d)
{
	struct ks_diags before = KS_DIAGS_INIT, after = KS_DIAGS_INIT;
	size_t i;
	int err = without_and_with(&before, &after, doc, parent, map, name, value);

	for (i = 0; !err && i < after.n; i++) {
		const struct ks_diag *g = &after.v[i];

		if (!g->keyword || strcmp(g->keyword, "x-compare") ||
		    has_rule_error(&before, g))
			continue;
		err = ks_error(d, KS_EINVALID, NULL, 0, 0, "%s", g->message);
	}
	ks_diags_release(&before);
	ks_diags_release(&after);
	return err;
}

int ks_record_defaults(struct ks_doc *doc, struct ks_node *root,
			 const struct ks_snode *s, const struct ks_identity *who)
{
	char today[16];
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(today, sizeof(today), "%Y-%m-%d", &tm);
	if (ks_snode_property(s, "surveyor") && !ks_map_get(root, "surveyor") &&
	    ks_map_set(doc, root, "surveyor",
		       ks_node_scalar(doc, who->surveyor,
				      strlen(who->surveyor), 1)) < 0)
		return -1;
	if (ks_snode_property(s, "surveyed_at") &&
	    !ks_map_get(root, "surveyed_at") &&
	    ks_map_set(doc, root, "surveyed_at",
		       ks_node_scalar(doc, today, strlen(today), 1)) < 0)
		return -1;
	return 0;
}
