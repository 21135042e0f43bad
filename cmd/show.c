/*
 * khaosat show: print a record as it is in the work tree, or as it was at
 * a commit (ID@REV, where REV is anything git understands: a commit id,
 * main~3, a tag; or a date, naming main as it was at the end of that day).
 */
#include "cli.h"
#include "intl.h"
#include "alloc.h"
#include "buf.h"
#include "check.h"
#include "diag.h"
#include "labels.h"
#include "record.h"
#include "repo.h"
#include "rev.h"
#include "schema.h"

#include <stdio.h>
#include <string.h>

static const struct cmd_info info = {
	"khaosat show [--yaml] ID[@REV|@DATE]",
	N_("Print a record, each field by its title and each choice by its\n"
	"label: as it is now in the work tree, or as it was committed at REV (a\n"
	"commit id, main~2, a tag...) or on DATE (YYYY-MM-DD, or\n"
	"\"YYYY-MM-DD HH:MM\": the survey's main as it stood then). With --yaml,\n"
	"the record's file as it is written."),
};

/* The record `id` as committed at `rev`: its text and path. */
static int read_at(struct ks_buf *text, char **relpath, struct ks_repo *r,
		   const char *id, const char *rev, struct ks_diags *d)
{
	git_repository *repo = ks_repo_git(r);
	git_commit *c = NULL;
	git_tree *t = NULL;
	git_tree_entry *e = NULL;
	git_blob *b = NULL;
	size_t i;
	int err;

	if ((err = ks_rev_commit(&c, r, rev, d)))
		return err;
	err = KS_ENOTFOUND;
	if (git_commit_tree(&t, c) < 0)
		goto out;
	for (i = 0; i < ks_repo_kind_count(r) && !e; i++) {
		char *rel = ks_record_relpath(ks_repo_kind(r, i)->name, id);

		if (rel && git_tree_entry_bypath(&e, t, rel) == 0)
			*relpath = rel;
		else
			ks_free(rel);
	}
	if (!e) {
		ks_error(d, err, NULL, 0, 0, "no record \"%s\" at %s", id, rev);
		goto out;
	}
	if (git_blob_lookup(&b, repo, git_tree_entry_id(e)) < 0) {
		err = ks_error(d, KS_EIO, NULL, 0, 0, "cannot read the record: %s",
			       ks_git_error());
		goto out;
	}
	err = ks_buf_add(text, git_blob_rawcontent(b), (size_t)git_blob_rawsize(b));
out:
	git_blob_free(b);
	git_tree_entry_free(e);
	git_tree_free(t);
	git_commit_free(c);
	return err;
}

/*
 * The record for a person: each field by its title, enum values by their
 * labels.  A record that does not parse is shown as it is written.
 */
static int print_labelled(struct ks_repo *r, const char *rel,
			  const struct ks_buf *text, struct ks_diags *d)
{
	struct ks_buf out = KS_BUF_INIT;
	struct ks_diags quiet = KS_DIAGS_INIT;
	struct ks_schema *schema = NULL;
	struct ks_doc *doc = NULL;
	struct ks_kind *kind = NULL;
	const struct ks_snode *root;
	char *kname = NULL, *id = NULL;
	int err = 0;

	if (ks_record_path_parse(rel, &kname, &id) == 0)
		kind = ks_repo_find_kind(r, kname);
	if (ks_doc_parse(&doc, rel, text->ptr, text->len, KS_PARSE_RECORD,
			 &quiet) ||
	    !kind || ks_repo_schema(&schema, r, kind, &quiet)) {
		fwrite(text->ptr, 1, text->len, stdout);
		goto out;
	}
	root = ks_schema_root(schema);
	ks_buf_addf(&out, "%s %s\n",
		    ks_snode_title(root) ? ks_snode_title(root) : kname, id);
	if (ks_labels_record(&out, root, ks_doc_root(doc)) < 0 ||
	    put_output(&out) < 0)
		err = ks_error(d, -1, NULL, 0, 0, "out of memory");
out:
	ks_buf_release(&out);
	ks_diags_release(&quiet);
	ks_doc_free(doc);
	ks_free(kname);
	ks_free(id);
	return err;
}

int cmd_show(int argc, char **argv, struct cli *cli)
{
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_buf text = KS_BUF_INIT;
	char *at, *rel = NULL, *abs = NULL;
	int yaml = 0, err;
	const struct opt opts[] = {
		{ 0, "yaml", NULL, OPT_FLAG, &yaml,
		  N_("print the record's file as it is written, codes and all") },
		OPT_END_MARK,
	};

	if ((err = parse_options(&argc, argv, &info, opts)))
		return err;
	if (argc != 1)
		return usage_error(&info, "give one record id");
	if ((err = open_survey(cli, &d)))
		return fail(&d, err);
	at = strchr(argv[0], '@');
	if (at) {
		*at = '\0';
		err = read_at(&text, &rel, cli->repo, argv[0], at + 1, &d);
	} else if (!(err = ks_resolve_record(&rel, cli->repo, argv[0], cli->cwd,
					     &d))) {
		abs = ks_repo_path(cli->repo, rel);
		if (!abs || ks_buf_read_file(&text, abs, 0) < 0)
			err = ks_error(&d, KS_EIO, rel, 0, 0, "cannot read the record");
	}
	if (!err && yaml)
		fwrite(text.ptr, 1, text.len, stdout);
	else if (!err)
		err = print_labelled(cli->repo, rel, &text, &d);
	ks_free(rel);
	ks_free(abs);
	ks_buf_release(&text);
	if (err)
		return fail(&d, err);
	ks_diags_release(&d);
	return EXIT_OK;
}
