/*
 * khaosat status: what changed since the last commit, and which of the
 * changed records would stop a commit.
 */
#include "cli.h"
#include "intl.h"
#include "alloc.h"
#include "buf.h"
#include "check.h"
#include "commit.h"
#include "conflict.h"
#include "diag.h"
#include "draft.h"
#include "formsave.h"
#include "json.h"
#include "text.h"
#include "record.h"
#include "repo.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static const struct cmd_info info = {
	"khaosat status [--json]",
	N_("Show the survey's new, modified and deleted records and schema files\n"
	"since the last commit, which changed records are invalid, the forms\n"
	"left unfinished and the drafts waiting to be finished."),
};

static const char *change_name(enum ks_change_kind k)
{
	switch (k) {
	case KS_CHANGE_NEW:
		return "new";
	case KS_CHANGE_MODIFIED:
		return "modified";
	case KS_CHANGE_DELETED:
		return "deleted";
	}
	return "?";
}

/* How many errors a draft has now (its text, its schema, its references). */
static size_t draft_errors(struct ks_repo *r, const struct ks_draft *dr)
{
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_buf text = KS_BUF_INIT;
	struct ks_doc *doc = NULL;
	char *kind = NULL, *where = ks_draft_display(dr->id);
	size_t n;

	if (!ks_draft_load(&text, &kind, r, dr->id, &d) &&
	    !ks_doc_parse(&doc, where, text.ptr, text.len, KS_PARSE_RECORD, &d))
		ks_check_values(r, kind, ks_doc_root(doc), where, &d);
	n = d.errors;
	ks_doc_free(doc);
	ks_free(kind);
	ks_free(where);
	ks_buf_release(&text);
	ks_diags_release(&d);
	return n;
}

void note_drafts(struct ks_repo *r)
{
	struct ks_diags ignore = KS_DIAGS_INIT;
	struct ks_buf ids = KS_BUF_INIT;
	struct ks_drafts l;
	size_t i;

	if (ks_draft_list(&l, r, &ignore) == 0 && l.n) {
		for (i = 0; i < l.n; i++)
			ks_buf_addf(&ids, "%s%s", i ? ", " : "", l.v[i].id);
		/* Out of memory: the note without the ids, rather than some. */
		if (ks_buf_failed(&ids))
			ks_buf_reset(&ids);
		if (l.n == 1)
			fprintf(stderr, _("note: 1 draft is not included (%s); finish it with 'khaosat edit %s'\n"),
				ids.ptr, l.v[0].id);
		else
			fprintf(stderr, Q_("note: %zu draft is not included (%s); finish each with 'khaosat edit ID'\n",
					   "note: %zu drafts are not included (%s); finish each with 'khaosat edit ID'\n",
					   l.n), l.n, ids.ptr);
	}
	ks_buf_release(&ids);
	ks_drafts_release(&l);
	ks_diags_release(&ignore);
}

static void json_local(struct ks_json *j, struct ks_repo *r,
		       const struct ks_formsaves *forms,
		       const struct ks_drafts *drafts)
{
	struct ks_buf file = KS_BUF_INIT;
	size_t i;

	ks_json_key(j, "forms");
	ks_json_begin_array(j);
	for (i = 0; i < forms->n; i++) {
		const struct ks_formsave *f = &forms->v[i];
		char when[32];
		struct tm tm;

		gmtime_r(&f->started, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		ks_buf_reset(&file);
		ks_buf_addf(&file, ".git/%s/%s", KS_FORMS_DIR, f->file);
		ks_json_begin_object(j);
		ks_json_field_str(j, "kind", f->kind);
		if (f->of)
			ks_json_field_str(j, "of", f->of);
		ks_json_field_str(j, "started", when);
		ks_json_field_uint(j, "answers", f->nanswers);
		ks_json_key(j, "file");
		ks_json_str_buf(j, &file);
		ks_json_end_object(j);
	}
	ks_json_end_array(j);
	ks_json_key(j, "drafts");
	ks_json_begin_array(j);
	for (i = 0; i < drafts->n; i++) {
		ks_json_begin_object(j);
		ks_json_field_str(j, "id", drafts->v[i].id);
		ks_json_field_str(j, "kind", drafts->v[i].kind);
		ks_json_field_uint(j, "errors", draft_errors(r, &drafts->v[i]));
		ks_json_end_object(j);
	}
	ks_json_end_array(j);
	ks_buf_release(&file);
}

/* What is kept on this laptop only: unfinished forms and drafts. */
static void text_local(struct ks_buf *b, struct ks_repo *r,
		       const struct ks_formsaves *forms,
		       const struct ks_drafts *drafts)
{
	size_t i, n;

	if (forms->n)
		ks_buf_puts(b, _("Unfinished forms (continue one with 'khaosat new KIND'):\n"));
	for (i = 0; i < forms->n; i++) {
		const struct ks_formsave *f = &forms->v[i];
		char when[32];
		struct tm tm;

		localtime_r(&f->started, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm);
		if (f->of)
			ks_buf_addf(b, _("  %s %s  a change started %s in the browser; go on with it there ('khaosat serve')\n"),
				    f->kind, f->of, when);
		else
			ks_buf_addf(b, Q_("  %s  started %s, %zu answer\n",
					  "  %s  started %s, %zu answers\n", f->nanswers),
				    f->kind, when, f->nanswers);
	}
	if (drafts->n)
		ks_buf_puts(b, _("Drafts, not in the survey until finished with 'khaosat edit ID':\n"));
	for (i = 0; i < drafts->n; i++) {
		n = draft_errors(r, &drafts->v[i]);
		ks_buf_addf(b, "  %s  %s", drafts->v[i].id, drafts->v[i].kind);
		if (n)
			ks_buf_addf(b, Q_("  (invalid: %zu error)", "  (invalid: %zu errors)", n),
				    n);
		ks_buf_putc(b, '\n');
	}
}

/* What status reports: the changes, how many errors each has, and more. */
struct status {
	struct ks_changes c;
	int *invalid;		/* errors of each change; 0 when valid */
	int ninvalid;		/* changes that are invalid */
	struct ks_formsaves forms;
	struct ks_drafts drafts;
};

static void status_release(struct status *st)
{
	free(st->invalid);
	ks_changes_release(&st->c);
	ks_formsaves_release(&st->forms);
	ks_drafts_release(&st->drafts);
}

/* Checks each changed record: which would stop a commit. */
static int check_changes(struct status *st, struct ks_repo *r)
{
	const struct ks_changes *c = &st->c;
	size_t i;

	if (!(st->invalid = calloc(c->n + 1, sizeof(*st->invalid))))
		return -1;
	for (i = 0; i < c->n; i++) {
		struct ks_diags rd = KS_DIAGS_INIT;

		if (c->v[i].what == KS_CHANGE_DELETED ||
		    strncmp(c->v[i].path, KS_RECORDS_DIR "/",
			    strlen(KS_RECORDS_DIR) + 1))
			continue;
		if (ks_check_record(r, c->v[i].path, NULL, NULL, &rd)) {
			st->invalid[i] = (int)(rd.errors ? rd.errors : 1);
			st->ninvalid++;
		}
		ks_diags_release(&rd);
	}
	return 0;
}

static void json_status(struct ks_buf *b, struct ks_repo *r,
			const struct status *st)
{
	const struct ks_identity *who = ks_repo_identity(r);
	struct ks_json j;
	size_t i;

	ks_json_init(&j, b);
	ks_json_begin_object(&j);
	ks_json_field_str(&j, "survey", ks_repo_name(r));
	ks_json_field_str(&j, "device", who->device ? who->device : "");
	ks_json_key(&j, "changes");
	ks_json_begin_array(&j);
	for (i = 0; i < st->c.n; i++) {
		ks_json_begin_object(&j);
		ks_json_field_str(&j, "change", change_name(st->c.v[i].what));
		ks_json_field_str(&j, "path", st->c.v[i].path);
		ks_json_field_int(&j, "errors", st->invalid[i]);
		ks_json_end_object(&j);
	}
	ks_json_end_array(&j);
	json_local(&j, r, &st->forms, &st->drafts);
	ks_json_end_object(&j);
	ks_buf_putc(b, '\n');
}

/* The change as a person reads it, in their language. */
static const char *change_label(enum ks_change_kind k)
{
	switch (k) {
	case KS_CHANGE_NEW:
		return C_("status", "new");
	case KS_CHANGE_MODIFIED:
		return C_("status", "modified");
	case KS_CHANGE_DELETED:
		break;
	}
	return C_("status", "deleted");
}

static void text_changes(struct ks_buf *b, const struct status *st)
{
	const struct ks_changes *c = &st->c;
	size_t i;

	if (!c->n)
		ks_buf_puts(b, _("Nothing to save: every change is in the survey history.\n"));
	else
		ks_buf_puts(b, _("Changes not saved to the survey history yet:\n"));
	for (i = 0; i < c->n; i++) {
		const char *what = change_label(c->v[i].what);
		size_t w = ks_utf8_count(what, strlen(what));

		/* a column of 9 characters, not bytes: "đã sửa" is 6 */
		ks_buf_addf(b, "  %s%*s %s", what, w < 9 ? (int)(9 - w) : 0, "",
			    c->v[i].path);
		if (st->invalid[i])
			ks_buf_addf(b, Q_("  (invalid: %zu error)", "  (invalid: %zu errors)",
					  st->invalid[i]), (size_t)st->invalid[i]);
		ks_buf_putc(b, '\n');
	}
}

static void text_status(struct ks_buf *b, struct ks_repo *r,
			const struct status *st)
{
	const struct ks_identity *who = ks_repo_identity(r);
	struct ks_conflict_set cs = { 0 };
	struct ks_diags cd = KS_DIAGS_INIT;
	int n = st->ninvalid;

	ks_buf_addf(b, _("Survey \"%s\", device %s (%s)\n"), ks_repo_name(r),
		    who->device ? who->device : "?",
		    who->surveyor ? who->surveyor : _("no surveyor set"));
	text_changes(b, st);
	if (ks_conflicts_load(&cs, r, NULL, &cd) == 0 && cs.n)
		ks_buf_addf(b, Q_("%zu open conflict; see 'khaosat conflicts'.\n",
				  "%zu open conflicts; see 'khaosat conflicts'.\n", cs.n),
			    cs.n);
	ks_conflict_set_release(&cs);
	ks_diags_release(&cd);
	if (n)
		ks_buf_addf(b, Q_("%d record is invalid; see 'khaosat check'. Nothing can be saved to the survey history until it is fixed.\n",
				  "%d records are invalid; see 'khaosat check'. Nothing can be saved to the survey history until they are fixed.\n",
				  n), n);
	else if (st->c.n)
		ks_buf_puts(b, _("Save them to the survey history with 'khaosat commit -m MESSAGE'.\n"));
	text_local(b, r, &st->forms, &st->drafts);
}

int cmd_status(int argc, char **argv, struct cli *cli)
{
	struct ks_diags d = KS_DIAGS_INIT;
	struct status st = { 0 };
	struct ks_buf out = KS_BUF_INIT;
	int json = 0, err;
	const struct opt opts[] = {
		{ 0, "json", NULL, OPT_FLAG, &json, N_("print the changes as JSON") },
		OPT_END_MARK,
	};

	if ((err = parse_options(&argc, argv, &info, opts)))
		return err;
	if (argc)
		return usage_error(&info, "status takes no arguments");
	if ((err = open_survey(cli, &d)) ||
	    (err = ks_changes_list(&st.c, cli->repo, &d)) ||
	    (err = ks_formsave_list(&st.forms, cli->repo, NULL, &d)) ||
	    (err = ks_draft_list(&st.drafts, cli->repo, &d)) ||
	    (err = check_changes(&st, cli->repo))) {
		status_release(&st);
		return fail(&d, err);
	}
	if (json)
		json_status(&out, cli->repo, &st);
	else
		text_status(&out, cli->repo, &st);
	err = put_output(&out) < 0 ? EXIT_INTERNAL : EXIT_OK;
	ks_buf_release(&out);
	status_release(&st);
	ks_diags_release(&d);
	return err;
}
