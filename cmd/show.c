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
#include "repo.h"
#include "rev.h"

#include <string.h>

static const struct cmd_info info = {
	"khaosat show ID[@REV|@DATE]",
	N_("Print a record: as it is now in the work tree, or as it was committed\n"
	"at REV (a commit id, main~2, a tag...) or on DATE (YYYY-MM-DD, or\n"
	"\"YYYY-MM-DD HH:MM\": the survey's main as it stood then)."),
};

static int show_at(struct ks_repo *r, const char *id, const char *rev,
		   struct ks_diags *d)
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

		if (rel)
			git_tree_entry_bypath(&e, t, rel);
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
	fwrite(git_blob_rawcontent(b), 1, (size_t)git_blob_rawsize(b), stdout);
	err = 0;
out:
	git_blob_free(b);
	git_tree_entry_free(e);
	git_tree_free(t);
	git_commit_free(c);
	return err;
}

int cmd_show(int argc, char **argv, struct cli *cli)
{
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_buf text = KS_BUF_INIT;
	char *at, *rel = NULL, *abs = NULL;
	int err;

	if ((err = parse_options(&argc, argv, &info, NULL)))
		return err;
	if (argc != 1)
		return usage_error(&info, "give one record id");
	if ((err = open_survey(cli, &d)))
		return fail(&d, err);
	at = strchr(argv[0], '@');
	if (at) {
		*at = '\0';
		err = show_at(cli->repo, argv[0], at + 1, &d);
	} else if (!(err = ks_resolve_record(&rel, cli->repo, argv[0], cli->cwd,
					     &d))) {
		abs = ks_repo_path(cli->repo, rel);
		if (!abs || ks_buf_read_file(&text, abs, 0) < 0)
			err = ks_error(&d, KS_EIO, rel, 0, 0, "cannot read the record");
		else
			fwrite(text.ptr, 1, text.len, stdout);
	}
	ks_free(rel);
	ks_free(abs);
	ks_buf_release(&text);
	if (err)
		return fail(&d, err);
	ks_diags_release(&d);
	return EXIT_OK;
}
