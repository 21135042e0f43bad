/*
 * khaosat history: every change to every field of one record, oldest
 * first, each attributed to the commit that first wrote it (not to the
 * merges that carried it), with who, when, on which device, and how it
 * reached main.
 */
#include "cli.h"
#include "intl.h"
#include "alloc.h"
#include "buf.h"
#include "commit.h"
#include "diag.h"
#include "history.h"
#include "json.h"
#include "labels.h"
#include "record.h"
#include "rev.h"

#include <string.h>

static const struct cmd_info info = {
	"khaosat history [--json] ID[@REV] [FIELD]",
	N_("List every change of every field of a record (or of one FIELD, such as\n"
	"workers.regular or products[name=Chảo gang].output): when, who, on which\n"
	"device, old → new, which commit, and whether it came through a merge,\n"
	"a conflict or its resolution. Values carried by merges are shown at\n"
	"the commit that first wrote them. @REV (or @DATE) reads history up to\n"
	"that point."),
};

static const char *const kind_word[] = {
	[KS_EVENT_EDIT] = "edit",
	[KS_EVENT_RESOLUTION] = "resolution",
	[KS_EVENT_MERGE] = "merge",
	[KS_EVENT_CONFLICT] = "conflict",
};

static void short_id(char *buf, const git_oid *id)
{
	git_oid_tostr(buf, 8, id);
}

static void commit_line(struct ks_buf *b, const struct ks_commit_info *ci)
{
	char when[64], hex[8], arrival[64], mhex[8];

	ks_format_time(when, sizeof(when), &ci->when, 0);
	short_id(hex, &ci->id);
	ks_buf_addf(b, "%s  %s  %s", when, hex, ci->author);
	if (ci->device)
		/* TRANSLATORS: after the author: "Hoa on md01". */
		ks_buf_addf(b, _(" on %s"), ci->device);
	if (ci->parents > 1)
		ks_buf_puts(b, _(", merge"));
	ks_buf_addf(b, "\n    %s\n", ci->summary);
	if (ci->arrived) {
		ks_format_time(arrival, sizeof(arrival), &ci->arrival_when, 0);
		short_id(mhex, &ci->arrival);
		ks_buf_addf(b, _("    (reached main through merge %s on %s)\n"), mhex,
			    arrival);
	}
}

static const char *scalar(const struct ks_node *map, const char *key)
{
	const struct ks_node *n = map ? ks_map_get(map, key) : NULL;

	return n && n->kind == KS_NODE_SCALAR ? n->u.scalar.str : "";
}

/*
 * One change: the field by its titles, choices by their labels (the
 * field paths and codes are in --json).
 */
static void event_line(struct ks_buf *b, const struct ks_event *e,
		       const struct ks_snode *schema)
{
	const struct ks_field_change *c = &e->change;
	struct ks_buf field = KS_BUF_INIT;
	size_t i;

	ks_labels_path(&field, schema, c->field);
	if (e->kind == KS_EVENT_CONFLICT) {
		/*
		 * TRANSLATORS: the parts of one line: "  ! /phone: conflict
		 * recorded, kept 0225; proposals 0912 (Hoa, md01, 1a2b3c4),
		 * ...".
		 */
		ks_buf_addf(b, _("  ! %s: conflict recorded, kept "),
			    field.ptr ? field.ptr : "");
		ks_value_inline(b, c->old);
		ks_buf_puts(b, _("; proposals"));
		for (i = 0; e->proposals && i < e->proposals->u.seq.n; i++) {
			const struct ks_node *p = e->proposals->u.seq.v[i];
			const struct ks_node *v = ks_map_get(p, "value");

			ks_buf_puts(b, i ? ", " : " ");
			if (v)
				ks_value_inline(b, v);
			else
				ks_buf_puts(b, ks_map_get(p, "deleted") ? _("(deleted)")
									: _("(text)"));
			ks_buf_addf(b, " (%s, %s, %.7s)", scalar(p, "author"),
				    scalar(p, "device"), scalar(p, "commit"));
		}
		ks_buf_putc(b, '\n');
		ks_buf_release(&field);
		return;
	}
	ks_buf_release(&field);
	ks_buf_puts(b, "  ");
	ks_labels_change(b, schema, c);
	if (e->created)
		ks_buf_puts(b, _("  (record created)"));
	if (e->deleted)
		ks_buf_puts(b, _("  (record deleted)"));
	if (e->kind == KS_EVENT_RESOLUTION)
		ks_buf_puts(b, _("  (settles a conflict)"));
	if (e->kind == KS_EVENT_MERGE)
		ks_buf_puts(b, _("  (set by the merge)"));
	ks_buf_putc(b, '\n');
}

static void print_text(struct ks_buf *b, const struct ks_history *h)
{
	size_t i, last = (size_t)-1;

	for (i = 0; i < h->nevents; i++) {
		const struct ks_event *e = &h->events[i];

		if (e->commit != last) {
			if (i)
				ks_buf_putc(b, '\n');
			commit_line(b, &h->commits.v[e->commit]);
			last = e->commit;
		}
		event_line(b, e, h->schema);
	}
}

void json_commit_info(struct ks_json *j, const struct ks_commit_info *ci)
{
	char hex[GIT_OID_HEXSZ + 1], when[64];

	git_oid_tostr(hex, sizeof(hex), &ci->id);
	ks_format_time(when, sizeof(when), &ci->when, 1);
	ks_json_field_str(j, "commit", hex);
	ks_json_field_str(j, "date", when);
	ks_json_field_str(j, "author", ci->author);
	ks_json_field_str(j, "email", ci->email);
	ks_json_field_str(j, "device", ci->device);
	ks_json_field_str(j, "summary", ci->summary);
	git_oid_tostr(hex, sizeof(hex), &ci->arrival);
	ks_json_field_str(j, "via_merge", ci->arrived ? hex : NULL);
}

/* The proposals a conflict event recorded. */
static void json_proposals(struct ks_json *j, const struct ks_node *proposals)
{
	size_t i;

	ks_json_key(j, "proposals");
	ks_json_begin_array(j);
	for (i = 0; i < proposals->u.seq.n; i++) {
		const struct ks_node *p = proposals->u.seq.v[i];

		ks_json_begin_object(j);
		ks_json_field_str(j, "author", scalar(p, "author"));
		ks_json_field_str(j, "device", scalar(p, "device"));
		ks_json_field_str(j, "commit", scalar(p, "commit"));
		ks_json_key(j, "value");
		ks_value_json(ks_json_value_buf(j), ks_map_get(p, "value"), NULL);
		ks_json_end_object(j);
	}
	ks_json_end_array(j);
}

static void print_json(struct ks_buf *b, const struct ks_history *h)
{
	struct ks_json j;
	size_t i;

	ks_json_init(&j, b);
	ks_json_begin_lines(&j);
	for (i = 0; i < h->nevents; i++) {
		const struct ks_event *e = &h->events[i];
		char op[2] = { e->change.op, '\0' };

		ks_json_begin_object(&j);
		json_commit_info(&j, &h->commits.v[e->commit]);
		ks_json_field_str(&j, "kind", kind_word[e->kind]);
		ks_json_field_str(&j, "op", op);
		ks_json_field_str(&j, "field", e->change.field);
		ks_json_key(&j, "old");
		ks_value_json(ks_json_value_buf(&j), e->change.old, NULL);
		ks_json_key(&j, "new");
		ks_value_json(ks_json_value_buf(&j), e->change.new, NULL);
		ks_json_field_bool(&j, "created", e->created);
		ks_json_field_bool(&j, "deleted", e->deleted);
		if (e->proposals)
			json_proposals(&j, e->proposals);
		ks_json_end_object(&j);
	}
	ks_json_end_array(&j);
	ks_buf_putc(b, '\n');
}

int cmd_history(int argc, char **argv, struct cli *cli)
{
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_history h = { 0 };
	git_commit *tip = NULL;
	char *field = NULL, *at;
	struct ks_buf out = KS_BUF_INIT;
	int json = 0, err, code = EXIT_OK;
	const struct opt opts[] = {
		{ 0, "json", NULL, OPT_FLAG, &json, N_("print the changes as JSON") },
		OPT_END_MARK,
	};

	if ((err = parse_options(&argc, argv, &info, opts)))
		return err;
	if (argc < 1 || argc > 2)
		return usage_error(&info, "give a record id and at most one field");
	if ((err = open_survey(cli, &d)))
		return fail(&d, err);
	if ((at = strchr(argv[0], '@'))) {
		*at++ = '\0';
		if ((err = ks_rev_commit(&tip, cli->repo, at, &d)))
			goto out;
	}
	if (argc == 2 && !(field = ks_field_normalise(argv[1]))) {
		err = -1;
		goto out;
	}
	if ((err = ks_history_record(&h, cli->repo, argv[0], tip, field, &d)))
		goto out;
	if (json)
		print_json(&out, &h);
	else if (!h.nevents && field && h.schema &&
		 !ks_field_schema(h.schema, field))
		err = ks_error(&d, KS_ENOTFOUND, NULL, 0, 0,
			       "no field %s in %s's schema, and no change to it in its history",
			       field, argv[0]);
	else if (!h.nevents && field)
		printf(_("no change to %s in the history of %s\n"), field, argv[0]);
	else if (!h.nevents)
		printf(_("no change to any field in the history of %s\n"), argv[0]);
	else
		print_text(&out, &h);
	if (!err && put_output(&out) < 0)
		code = EXIT_INTERNAL;
out:
	ks_history_release(&h);
	git_commit_free(tip);
	ks_free(field);
	ks_buf_release(&out);
	if (err)
		return fail(&d, err);
	ks_diags_release(&d);
	return code;
}
