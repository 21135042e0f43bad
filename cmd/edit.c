/*
 * khaosat edit: open a record in the surveyor's text editor on a copy, and
 * save it (in canonical form) only when it is valid; otherwise show the
 * errors and offer to edit again or abandon, leaving the record exactly as
 * it was (as visudo does).
 */
#include "cli.h"
#include "intl.h"
#include "alloc.h"
#include "buf.h"
#include "check.h"
#include "clash.h"
#include "commit.h"
#include "diag.h"
#include "draft.h"
#include "file.h"
#include "merge.h"
#include "record.h"
#include "repo.h"
#include "run.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct cmd_info info = {
	"khaosat edit ID",
	N_("Edit a record in $VISUAL or $EDITOR (default vi; Notepad on Windows).\n"
	"On saving, the record is checked; if it has errors you can edit again\n"
	"or abandon, and an abandoned edit leaves the record exactly as it was.\n"
	"A draft (saved with 'khaosat new --draft') becomes a new record once it\n"
	"is valid, and stays a draft, with your edits, until then."),
};

static int run_editor(const char *file)
{
	const char *ed = getenv("VISUAL");

	if (!ed || !*ed)
		ed = getenv("EDITOR");
	if (!ed || !*ed)
#ifdef _WIN32
		ed = "notepad";
#else
		ed = "vi";
#endif
	return ks_run_editor(ed, file);
}

/*
 * Who made the version of `rel` now on disk: main's last commit when the
 * file is as main has it, else this surveyor, by hand, not committed.
 */
static void proposer_now(struct ks_proposer *p, git_commit **keep,
			 char **dev, struct ks_repo *r, const char *rel,
			 const struct ks_buf *now)
{
	git_repository *repo = ks_repo_git(r);
	git_object *blob = NULL;
	git_oid id;
	static char hex[GIT_OID_HEXSZ + 1];
	struct ks_buf spec = KS_BUF_INIT;

	ks_proposer_self(p, r);
	*keep = NULL;
	*dev = NULL;
	if (now && ks_buf_addf(&spec, "main:%s", rel) == 0 &&
	    git_revparse_single(&blob, repo, spec.ptr) == 0 &&
	    git_odb_hash(&id, now->ptr, now->len, GIT_OBJECT_BLOB) == 0 &&
	    git_oid_equal(&id, git_object_id(blob)) &&
	    git_reference_name_to_id(&id, repo, KS_MAIN_REF) == 0 &&
	    git_commit_lookup(keep, repo, &id) == 0) {
		git_oid_tostr(hex, sizeof(hex), &id);
		*dev = ks_commit_device(git_commit_message(*keep));
		p->author = git_commit_author(*keep)->name;
		p->email = git_commit_author(*keep)->email;
		p->device = *dev;
		p->commit = hex;
		p->when = git_commit_author(*keep)->when;
	}
	git_error_clear();
	git_object_free(blob);
	ks_buf_release(&spec);
}

/*
 * Saves the edited record `text` over `abs`, holding the survey lock.  If
 * the record changed while the editor was open (a sync merged something
 * in, or a hand edit), the two are merged field by field from `orig`, the
 * version the editor opened with; a clash becomes a conflict entry.
 */
static int save(struct cli *cli, const char *rel, const char *abs,
		const struct ks_buf *orig, const struct ks_buf *text,
		struct ks_diags *d)
{
	struct ks_buf now = KS_BUF_INIT;
	struct ks_proposer pm, pt;
	git_commit *c = NULL;
	char *dev = NULL;
	size_t conflicts = 0;
	int err, gone;

	if ((err = lock_to_save(cli, d)))
		return err;
	gone = ks_buf_read_file(&now, abs, 0) < 0;
	if (gone && errno != ENOENT) {
		ks_buf_release(&now);
		return ks_error(d, KS_EIO, rel, 0, 0, "cannot read: %s",
				strerror(errno));
	}
	if (!gone && now.len == orig->len &&
	    !memcmp(now.ptr, orig->ptr, orig->len)) {
		ks_buf_release(&now);
		return ks_file_put_text(abs, text, KS_FILE_DURABLE, d);
	}
	proposer_now(&pm, &c, &dev, cli->repo, rel, NULL);
	proposer_now(&pt, &c, &dev, cli->repo, rel, gone ? NULL : &now);
	err = ks_merge_worktree_file(&conflicts, cli->repo, rel, orig, text,
				     gone ? NULL : &now, &pm, &pt, d);
	if (!err && conflicts)
		printf(Q_("The record changed while you were editing it; your changes were merged with it, and %zu field that both changed is kept as a conflict ('khaosat conflicts').\n",
			  "The record changed while you were editing it; your changes were merged with it, and %zu fields that both changed are kept as conflicts ('khaosat conflicts').\n",
			  conflicts), conflicts);
	else if (!err)
		fputs(_("The record changed while you were editing it; your changes were merged with it, field by field.\n"),
		      stdout);
	ks_free(dev);
	git_commit_free(c);
	ks_buf_release(&now);
	return err;
}

/*
 * The edited record as `check` would judge it, and its unique values
 * against every other record (said now, not at the commit).
 */
static int check_saved(struct cli *cli, const char *kind, const char *id,
		       const char *rel, const struct ks_doc *doc,
		       struct ks_diags *d)
{
	int err = ks_check_doc(cli->repo, rel, doc, NULL, d);

	if (!err)
		err = ks_clash_record(cli->repo, kind, id, ks_doc_root(doc), d);
	return err;
}

/*
 * Asks what to do after errors: 1 edit again ("e"), 0 the other choice
 * (`key` its letter; `prompt` offers both).
 */
static int ask_again(const char *prompt, const char *key)
{
	if (!isatty(0))
		return 0;
	for (;;) {
		char *a = read_line(prompt);
		int r = -1;

		if (!a)
			return 0;
		if (!*a || !strcasecmp(a, "e"))
			r = 1;
		else if (!strcasecmp(a, key))
			r = 0;
		free(a);
		if (r >= 0)
			return r;
	}
}

/*
 * The copy the editor opens: in .git, out of the survey's way, on the
 * same disk; its name in `tmp`.
 */
static int make_copy(struct ks_buf *tmp, struct cli *cli, const char *id,
		     const struct ks_buf *text, struct ks_diags *d)
{
	int fd;

	if (ks_buf_addf(tmp, "%s/khaosat-edit-%s-XXXXXX.yaml",
			git_repository_path(ks_repo_git(cli->repo)), id) < 0)
		return -1;
	fd = mkstemps(tmp->ptr, 5);
	if (fd < 0 || write(fd, text->ptr, text->len) != (ssize_t)text->len) {
		int e = errno;

		if (fd >= 0) {
			close(fd);
			unlink(tmp->ptr);
		}
		return ks_error(d, KS_EIO, tmp->ptr, 0, 0,
				"cannot make a copy to edit: %s", strerror(e));
	}
	close(fd);
	return 0;
}

/*
 * Opens the editor on the copy `tmp` and reads it back into `cur`: 0, or
 * the exit code to stop with after saying why (`failed`, with `id` for its
 * %s, says what was left as it was).
 */
static int edit_copy(struct ks_buf *cur, const char *tmp, const char *failed,
		     const char *id, struct ks_diags *d)
{
	if (run_editor(tmp) < 0) {
		fprintf(stderr, failed, id);
		return EXIT_PROBLEMS;
	}
	ks_buf_reset(cur);
	if (ks_buf_read_file(cur, tmp, 0) < 0)
		return fail(d, ks_error(d, KS_EIO, tmp, 0, 0,
					"cannot read the edited copy"));
	return 0;
}

/* 1 when `arg` names a draft and no record. */
static int draft_only(struct cli *cli, const char *arg)
{
	struct ks_diags ignore = KS_DIAGS_INIT;
	char *rel = NULL;
	int yes = !open_survey(cli, &ignore) && ks_draft_exists(cli->repo, arg) &&
		  ks_resolve_record(&rel, cli->repo, arg, cli->cwd, &ignore) ==
		  KS_ENOTFOUND;

	ks_free(rel);
	ks_diags_release(&ignore);
	return yes;
}

/*
 * A draft is edited like a record, but its edits are never thrown away:
 * once valid it becomes a new record under records/, and while it is not
 * the edited text stays the draft.
 */
static int edit_draft(struct cli *cli, const char *id)
{
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_buf orig = KS_BUF_INIT, cur = KS_BUF_INIT, out = KS_BUF_INIT;
	struct ks_buf tmp = KS_BUF_INIT;
	char *kind = NULL, *rel = NULL;
	int err, code = EXIT_OK;

	if ((err = ks_draft_load(&orig, &kind, cli->repo, id, &d)))
		return fail(&d, err);
	rel = ks_record_relpath(kind, id);
	if (!rel || (err = make_copy(&tmp, cli, id, &orig, &d))) {
		code = fail(&d, rel ? err : -1);
		goto out;
	}
	for (;;) {
		struct ks_doc *doc = NULL;

		if ((code = edit_copy(&cur, tmp.ptr,
				      _("the editor failed; draft %s was left as it was\n"),
				      id, &d)))
			break;
		err = ks_doc_parse(&doc, rel, cur.ptr, cur.len, KS_PARSE_RECORD, &d);
		/* Checked and saved as the survey is now, one writer at a time. */
		if (!err)
			err = lock_to_save(cli, &d);
		if (!err)
			err = check_saved(cli, kind, id, rel, doc, &d);
		ks_buf_reset(&out);
		if (!err && (ks_record_format(&out, cli->repo, kind, ks_doc_root(doc)) < 0 ||
			     ks_draft_finish(cli->repo, kind, id, out.ptr, out.len, &d)))
			err = -1;
		ks_doc_free(doc);
		if (!err) {
			printf(_("Saved %s: %s\n"), id, rel);
			fputs(_("Save it to the survey history with 'khaosat commit -m MESSAGE'.\n"), stdout);
			break;
		}
		/* Not valid yet: the edits are the draft now. */
		if (err == -1 || ((cur.len != orig.len || memcmp(cur.ptr, orig.ptr, cur.len)) &&
				  ks_draft_save(cli->repo, kind, id, cur.ptr, cur.len, &d))) {
			code = fail(&d, err == -1 ? -1 : KS_EIO);
			break;
		}
		ks_buf_reset(&orig);
		ks_buf_add(&orig, cur.ptr, cur.len);
		diag_alias_path = rel;
		diag_alias_file = tmp.ptr;
		print_diags(&d);
		diag_alias_path = NULL;
		ks_diags_release(&d);
		unlock(cli);
		/* TRANSLATORS: answered "e" or "k", in every language. */
		if (!ask_again(_("(e)dit again or (k)eep it as a draft? [e] "), "k")) {
			fprintf(stderr, _("kept as a draft; finish it with 'khaosat edit %s'\n"), id);
			code = EXIT_PROBLEMS;
			break;
		}
	}
	unlink(tmp.ptr);
out:
	ks_free(kind);
	ks_free(rel);
	ks_buf_release(&orig);
	ks_buf_release(&cur);
	ks_buf_release(&out);
	ks_buf_release(&tmp);
	ks_diags_release(&d);
	return code;
}

int cmd_edit(int argc, char **argv, struct cli *cli)
{
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_buf orig = KS_BUF_INIT, cur = KS_BUF_INIT, out = KS_BUF_INIT;
	struct ks_buf tmp = KS_BUF_INIT;
	char *rel = NULL, *abs = NULL, *kind = NULL, *id = NULL;
	int err, code = EXIT_OK;

	if ((err = parse_options(&argc, argv, &info, NULL)))
		return err;
	if (argc != 1)
		return usage_error(&info, "give one record id");
	if (draft_only(cli, argv[0]))
		return edit_draft(cli, argv[0]);
	if ((err = open_survey(cli, &d)) ||
	    (err = ks_resolve_record(&rel, cli->repo, argv[0], cli->cwd, &d)))
		return fail(&d, err);
	abs = ks_repo_path(cli->repo, rel);
	if (!abs || ks_buf_read_file(&orig, abs, 0) < 0 ||
	    ks_record_path_parse(rel, &kind, &id) < 0) {
		code = fail(&d, ks_error(&d, KS_EIO, rel, 0, 0, "cannot read the record"));
		goto out;
	}
	if ((err = make_copy(&tmp, cli, id, &orig, &d))) {
		code = fail(&d, err);
		goto out;
	}
	for (;;) {
		struct ks_doc *doc = NULL;

		if ((code = edit_copy(&cur, tmp.ptr,
				      _("the editor failed; %s was left as it was\n"),
				      id, &d)))
			break;
		if (cur.len == orig.len && !memcmp(cur.ptr, orig.ptr, orig.len)) {
			printf(_("No changes to %s.\n"), id);
			break;
		}
		err = ks_doc_parse(&doc, rel, cur.ptr, cur.len, KS_PARSE_RECORD, &d);
		if (!err)
			err = check_saved(cli, kind, id, rel, doc, &d);
		if (!err) {
			ks_buf_reset(&out);
			if (ks_record_format(&out, cli->repo, kind, ks_doc_root(doc)) < 0 ||
			    (err = save(cli, rel, abs, &orig, &out, &d))) {
				ks_doc_free(doc);
				code = fail(&d, err ? err : -1);
				break;
			}
			ks_doc_free(doc);
			printf(_("Saved %s: %s\n"), id, rel);
			break;
		}
		ks_doc_free(doc);
		/* The errors are about the edited copy, not the record. */
		diag_alias_path = rel;
		diag_alias_file = tmp.ptr;
		print_diags(&d);
		diag_alias_path = NULL;
		ks_diags_release(&d);
		/* TRANSLATORS: answered "e" or "a", in every language. */
		if (!ask_again(_("(e)dit again or (a)bandon the changes? [e] "), "a")) {
			fprintf(stderr, _("abandoned; %s was left as it was\n"), id);
			code = EXIT_PROBLEMS;
			break;
		}
	}
	unlink(tmp.ptr);
out:
	ks_free(rel);
	ks_free(abs);
	ks_free(kind);
	ks_free(id);
	ks_buf_release(&orig);
	ks_buf_release(&cur);
	ks_buf_release(&out);
	ks_buf_release(&tmp);
	ks_diags_release(&d);
	return code;
}
