/*
 * khaosat diff: what changed, field by field, between two points of the
 * survey's history or between a commit and the work tree.
 */
#include "cli.h"
#include "intl.h"
#include "alloc.h"
#include "buf.h"
#include "check.h"
#include "diag.h"
#include "history.h"
#include "json.h"
#include "record.h"
#include "repo.h"
#include "rev.h"

#include <string.h>

static const struct cmd_info info = {
	"khaosat diff [--json] [REV [REV]] [ID]",
	N_("Show changes field by field: \"~ /phone: old → new\", \"+ /machinery[name=...]\".\n"
	"With no REV, the work tree against the last commit; with one, the\n"
	"work tree against REV; with two, the first REV against the second.\n"
	"REV is a commit id, main~2, a tag, or a date (YYYY-MM-DD). ID limits\n"
	"it to one record."),
};

/* What happened to a file, as a person reads it. */
static const char *change_word(enum ks_file_change what)
{
	switch (what) {
	case KS_FILE_ADDED:
		return C_("diff", "new");
	case KS_FILE_DELETED:
		return C_("diff", "deleted");
	case KS_FILE_MODIFIED:
		break;
	}
	return C_("diff", "changed");
}

/* One change line; a whole new or deleted record shows field by field. */
static void print_change(struct ks_buf *b, const struct ks_field_change *c)
{
	const struct ks_node *whole = c->new ? c->new : c->old;
	size_t i;

	if (!*c->field && c->op != KS_FIELD_CHANGED && whole &&
	    whole->kind == KS_NODE_MAP) {
		for (i = 0; i < whole->u.map.n; i++) {
			if (c->op == KS_FIELD_ADDED)
				ks_buf_addf(b, "  %c /%s: ", c->op,
					    whole->u.map.v[i].key);
			else
				/* TRANSLATORS: "  - /phone, was 0912" */
				ks_buf_addf(b, _("  %c /%s, was "), c->op,
					    whole->u.map.v[i].key);
			ks_value_inline(b, whole->u.map.v[i].value);
			ks_buf_putc(b, '\n');
		}
		return;
	}
	ks_buf_puts(b, "  ");
	ks_field_change_format(b, c);
	ks_buf_putc(b, '\n');
}

static void print_text(struct ks_buf *b, const struct ks_file_diffs *f)
{
	size_t i, j;

	for (i = 0; i < f->n; i++) {
		const struct ks_file_diff *e = &f->v[i];

		if (e->id)
			ks_buf_addf(b, "%s %s (%s): %s\n", e->kind, e->id, e->path,
				    change_word(e->what));
		else
			ks_buf_addf(b, "%s: %s\n", e->path, change_word(e->what));
		if (e->unreadable)
			ks_buf_addf(b, _("  cannot compare field by field: %s\n"),
				    e->unreadable);
		for (j = 0; j < e->fields.n; j++)
			print_change(b, &e->fields.v[j]);
	}
}

static void json_fields(struct ks_json *j, const struct ks_field_changes *l)
{
	size_t i;

	ks_json_key(j, "fields");
	ks_json_begin_array(j);
	for (i = 0; i < l->n; i++) {
		const struct ks_field_change *c = &l->v[i];
		char op[2] = { c->op, '\0' };

		ks_json_begin_object(j);
		ks_json_field_str(j, "op", op);
		ks_json_field_str(j, "field", c->field);
		ks_json_key(j, "old");
		ks_value_json(ks_json_value_buf(j), c->old, NULL);
		ks_json_key(j, "new");
		ks_value_json(ks_json_value_buf(j), c->new, NULL);
		ks_json_end_object(j);
	}
	ks_json_end_array(j);
}

static void print_json(struct ks_buf *b, const struct ks_file_diffs *f)
{
	static const char *const change[] = {
		[KS_FILE_ADDED] = "added",
		[KS_FILE_DELETED] = "deleted",
		[KS_FILE_MODIFIED] = "modified",
	};
	struct ks_json j;
	size_t i;

	ks_json_init(&j, b);
	ks_json_begin_lines(&j);
	for (i = 0; i < f->n; i++) {
		const struct ks_file_diff *e = &f->v[i];

		ks_json_begin_object(&j);
		ks_json_field_str(&j, "path", e->path);
		ks_json_field_str(&j, "kind", e->kind);
		ks_json_field_str(&j, "id", e->id);
		ks_json_field_str(&j, "change", change[e->what]);
		ks_json_field_str(&j, "unreadable", e->unreadable);
		json_fields(&j, &e->fields);
		ks_json_end_object(&j);
	}
	ks_json_end_array(&j);
	ks_buf_putc(b, '\n');
}

/* A record id, or a path to a record file: not a revision. */
static int names_record(const char *arg)
{
	char device[16];
	unsigned long n;
	size_t len = strlen(arg);

	return ks_id_parse(arg, device, &n) == 0 ||
	       (len > 5 && !strcmp(arg + len - 5, ".yaml"));
}

int cmd_diff(int argc, char **argv, struct cli *cli)
{
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_file_diffs f = { 0 };
	git_commit *from = NULL, *to = NULL;
	struct ks_buf out = KS_BUF_INIT;
	char *rel = NULL;
	int json = 0, err, nrev, code = EXIT_OK;
	const struct opt opts[] = {
		{ 0, "json", NULL, OPT_FLAG, &json, N_("print the changes as JSON") },
		OPT_END_MARK,
	};

	if ((err = parse_options(&argc, argv, &info, opts)))
		return err;
	nrev = argc && names_record(argv[argc - 1]) ? argc - 1 : argc;
	if (nrev > 2 || argc - nrev > 1)
		return usage_error(&info, "give at most two revisions and one record");
	if ((err = open_survey(cli, &d)))
		return fail(&d, err);
	if (nrev < argc) {
		char *id;

		/* A record that is gone from the work tree still has a path. */
		if (ks_resolve_record(&rel, cli->repo, argv[nrev], cli->cwd, &d) &&
		    !strchr(argv[nrev], '/')) {
			ks_diags_release(&d);
			ks_diags_init(&d);
			id = argv[nrev];
			if ((err = ks_record_path_in_history(&rel, cli->repo, id,
							     NULL, &d)))
				goto out;
		} else if (!rel) {
			err = KS_ENOTFOUND;
			goto out;
		}
	}
	if ((err = nrev ? ks_rev_commit(&from, cli->repo, argv[0], &d)
			: ks_rev_commit(&from, cli->repo, "HEAD", &d)) ||
	    (nrev == 2 && (err = ks_rev_commit(&to, cli->repo, argv[1], &d))))
		goto out;
	if ((err = ks_survey_diff(&f, cli->repo, from, to, rel, &d)))
		goto out;
	if (json)
		print_json(&out, &f);
	else
		print_text(&out, &f);
	if (put_output(&out) < 0)
		code = EXIT_INTERNAL;
out:
	ks_file_diffs_release(&f);
	git_commit_free(from);
	git_commit_free(to);
	ks_free(rel);
	ks_buf_release(&out);
	if (err)
		return fail(&d, err);
	ks_diags_release(&d);
	return code;
}
