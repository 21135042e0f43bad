/*
 * khaosat status: what changed since the last commit, and which of the
 * changed records would stop a commit.
 */
#include "cli.h"
#include "alloc.h"
#include "buf.h"
#include "check.h"
#include "commit.h"
#include "conflict.h"
#include "diag.h"
#include "draft.h"
#include "formsave.h"
#include "record.h"
#include "repo.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static const struct cmd_info info = {
	"khaosat status [--json]",
	"Show the survey's new, modified and deleted records and schema files\n"
	"since the last commit, which changed records are invalid, the forms\n"
	"left unfinished and the drafts waiting to be finished.",
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
	struct ks_drafts l;
	size_t i;

	if (ks_draft_list(&l, r, &ignore) == 0 && l.n) {
		fprintf(stderr, "note: %zu draft%s not included (", l.n,
			l.n == 1 ? " is" : "s are");
		for (i = 0; i < l.n; i++)
			fprintf(stderr, "%s%s", i ? ", " : "", l.v[i].id);
		if (l.n == 1)
			fprintf(stderr, "); finish it with 'khaosat edit %s'\n",
				l.v[0].id);
		else
			fprintf(stderr, "); finish each with 'khaosat edit ID'\n");
	}
	ks_drafts_release(&l);
	ks_diags_release(&ignore);
}

static void json_local(struct ks_buf *b, struct ks_repo *r,
		       const struct ks_formsaves *forms,
		       const struct ks_drafts *drafts)
{
	struct ks_buf file = KS_BUF_INIT;
	size_t i;

	ks_buf_puts(b, ",\"forms\":[");
	for (i = 0; i < forms->n; i++) {
		const struct ks_formsave *f = &forms->v[i];
		char when[32];
		struct tm tm;

		gmtime_r(&f->started, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		ks_buf_addf(b, "%s{\"kind\":", i ? "," : "");
		ks_json_string(b, f->kind);
		ks_buf_reset(&file);
		ks_buf_addf(&file, ".git/%s/%s", KS_FORMS_DIR, f->file);
		ks_buf_addf(b, ",\"started\":\"%s\",\"answers\":%zu,\"file\":",
			    when, f->nanswers);
		ks_json_string(b, file.ptr);
		ks_buf_puts(b, "}");
	}
	ks_buf_puts(b, "],\"drafts\":[");
	for (i = 0; i < drafts->n; i++) {
		ks_buf_addf(b, "%s{\"id\":", i ? "," : "");
		ks_json_string(b, drafts->v[i].id);
		ks_buf_puts(b, ",\"kind\":");
		ks_json_string(b, drafts->v[i].kind);
		ks_buf_addf(b, ",\"errors\":%zu}", draft_errors(r, &drafts->v[i]));
	}
	ks_buf_puts(b, "]");
	ks_buf_release(&file);
}

/* What is kept on this laptop only: unfinished forms and drafts. */
static void print_local(struct ks_repo *r, const struct ks_formsaves *forms,
			const struct ks_drafts *drafts)
{
	size_t i, n;

	if (forms->n)
		printf("Unfinished forms (continue one with 'khaosat new KIND'):\n");
	for (i = 0; i < forms->n; i++) {
		const struct ks_formsave *f = &forms->v[i];
		char when[32];
		struct tm tm;

		localtime_r(&f->started, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm);
		printf("  %s  started %s, %zu answer%s\n", f->kind, when,
		       f->nanswers, f->nanswers == 1 ? "" : "s");
	}
	if (drafts->n)
		printf("Drafts, not in the survey until finished with 'khaosat edit ID':\n");
	for (i = 0; i < drafts->n; i++) {
		n = draft_errors(r, &drafts->v[i]);
		printf("  %s  %s", drafts->v[i].id, drafts->v[i].kind);
		if (n)
			printf("  (invalid: %zu error%s)", n, n == 1 ? "" : "s");
		printf("\n");
	}
}

int cmd_status(int argc, char **argv, struct cli *cli)
{
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_changes c = { 0 };
	const struct ks_identity *who;
	int json = 0, err, ninvalid = 0;
	size_t i;
	const struct opt opts[] = {
		{ 0, "json", NULL, OPT_FLAG, &json, "print the changes as JSON" },
		OPT_END_MARK,
	};
	int *invalid = NULL;
	struct ks_formsaves forms = { 0 };
	struct ks_drafts drafts = { 0 };

	if ((err = parse_options(&argc, argv, &info, opts)))
		return err;
	if (argc)
		return usage_error(&info, "status takes no arguments");
	if ((err = open_survey(cli, &d)))
		return fail(&d, err);
	if ((err = ks_changes_list(&c, cli->repo, &d)))
		return fail(&d, err);
	if ((err = ks_formsave_list(&forms, cli->repo, NULL, &d)) ||
	    (err = ks_draft_list(&drafts, cli->repo, &d))) {
		ks_changes_release(&c);
		ks_formsaves_release(&forms);
		return fail(&d, err);
	}
	if (!(invalid = calloc(c.n + 1, sizeof(*invalid)))) {
		ks_changes_release(&c);
		ks_formsaves_release(&forms);
		ks_drafts_release(&drafts);
		return fail(&d, -1);
	}
	for (i = 0; i < c.n; i++) {
		struct ks_diags rd = KS_DIAGS_INIT;

		if (c.v[i].what == KS_CHANGE_DELETED ||
		    strncmp(c.v[i].path, KS_RECORDS_DIR "/",
			    strlen(KS_RECORDS_DIR) + 1))
			continue;
		if (ks_check_record(cli->repo, c.v[i].path, NULL, NULL, &rd)) {
			invalid[i] = (int)(rd.errors ? rd.errors : 1);
			ninvalid++;
		}
		ks_diags_release(&rd);
	}
	who = ks_repo_identity(cli->repo);
	if (json) {
		struct ks_buf b = KS_BUF_INIT;

		ks_buf_puts(&b, "{\"survey\":");
		ks_json_string(&b, ks_repo_name(cli->repo));
		ks_buf_puts(&b, ",\"device\":");
		ks_json_string(&b, who->device ? who->device : "");
		ks_buf_puts(&b, ",\"changes\":[");
		for (i = 0; i < c.n; i++) {
			ks_buf_addf(&b, "%s{\"change\":\"%s\",\"path\":", i ? "," : "",
				    change_name(c.v[i].what));
			ks_json_string(&b, c.v[i].path);
			ks_buf_addf(&b, ",\"errors\":%d}", invalid[i]);
		}
		ks_buf_puts(&b, "]");
		json_local(&b, cli->repo, &forms, &drafts);
		ks_buf_puts(&b, "}\n");
		fputs(b.ptr, stdout);
		ks_buf_release(&b);
	} else {
		printf("Survey \"%s\", device %s (%s)\n", ks_repo_name(cli->repo),
		       who->device ? who->device : "?",
		       who->surveyor ? who->surveyor : "no surveyor set");
		if (!c.n)
			printf("Nothing to commit: every record is committed.\n");
		else
			printf("Changes not committed yet:\n");
		for (i = 0; i < c.n; i++) {
			printf("  %-9s %s", change_name(c.v[i].what), c.v[i].path);
			if (invalid[i])
				printf("  (invalid: %d error%s)", invalid[i],
				       invalid[i] == 1 ? "" : "s");
			printf("\n");
		}
		{
			struct ks_conflict_set cs = { 0 };
			struct ks_diags cd = KS_DIAGS_INIT;

			if (ks_conflicts_load(&cs, cli->repo, NULL, &cd) == 0 && cs.n)
				printf("%zu open conflict%s; see 'khaosat conflicts'.\n",
				       cs.n, cs.n == 1 ? "" : "s");
			ks_conflict_set_release(&cs);
			ks_diags_release(&cd);
		}
		if (ninvalid)
			printf("%d record%s invalid; see 'khaosat check'. A commit is refused until %s fixed.\n",
			       ninvalid, ninvalid == 1 ? " is" : "s are",
			       ninvalid == 1 ? "it is" : "they are");
		else if (c.n)
			printf("Record them with 'khaosat commit -m MESSAGE'.\n");
		print_local(cli->repo, &forms, &drafts);
	}
	free(invalid);
	ks_formsaves_release(&forms);
	ks_drafts_release(&drafts);
	ks_changes_release(&c);
	ks_diags_release(&d);
	return EXIT_OK;
}
