/*
 * khaosat edit: open a record in the surveyor's text editor on a copy, and
 * save it (in canonical form) only when it is valid; otherwise show the
 * errors and offer to edit again or abandon, leaving the record exactly as
 * it was (as visudo does).
 */
#include "cli.h"
#include "alloc.h"
#include "buf.h"
#include "check.h"
#include "diag.h"
#include "file.h"
#include "record.h"
#include "repo.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const struct cmd_info info = {
	"khaosat edit ID",
	"Edit a record in $VISUAL or $EDITOR (default vi). On saving, the record\n"
	"is checked; if it has errors you can edit again or abandon, and an\n"
	"abandoned edit leaves the record exactly as it was.",
};

static int run_editor(const char *file)
{
	const char *ed = getenv("VISUAL");
	pid_t pid;
	int status;

	if (!ed || !*ed)
		ed = getenv("EDITOR");
	if (!ed || !*ed)
		ed = "vi";
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", "exec $0 \"$1\"", ed, file,
		      (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* Asks what to do after errors: 1 edit again, 0 abandon. */
static int ask_again(void)
{
	if (!isatty(0))
		return 0;
	for (;;) {
		char *a = read_line("(e)dit again or (a)bandon the changes? [e] ");
		int r = -1;

		if (!a)
			return 0;
		if (!*a || !strcasecmp(a, "e"))
			r = 1;
		else if (!strcasecmp(a, "a"))
			r = 0;
		free(a);
		if (r >= 0)
			return r;
	}
}

int cmd_edit(int argc, char **argv, struct cli *cli)
{
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_buf orig = KS_BUF_INIT, cur = KS_BUF_INIT, out = KS_BUF_INIT;
	struct ks_buf tmp = KS_BUF_INIT;
	char *rel = NULL, *abs = NULL, *kind = NULL, *id = NULL;
	int err, code = EXIT_OK, fd;

	if ((err = parse_options(&argc, argv, &info, NULL)))
		return err;
	if (argc != 1)
		return usage_error(&info, "give one record id");
	if ((err = open_survey(cli, &d)) ||
	    (err = ks_resolve_record(&rel, cli->repo, argv[0], cli->cwd, &d)))
		return fail(&d, err);
	abs = ks_repo_path(cli->repo, rel);
	if (!abs || ks_buf_read_file(&orig, abs, 0) < 0 ||
	    ks_record_path_parse(rel, &kind, &id) < 0) {
		code = fail(&d, ks_error(&d, KS_EIO, rel, 0, 0, "cannot read the record"));
		goto out;
	}
	/* The copy lives in .git, out of the survey's way, on the same disk. */
	ks_buf_addf(&tmp, "%s/khaosat-edit-%s-XXXXXX.yaml",
		    git_repository_path(ks_repo_git(cli->repo)), id);
	fd = mkstemps(tmp.ptr, 5);
	if (fd < 0 || write(fd, orig.ptr, orig.len) != (ssize_t)orig.len) {
		if (fd >= 0)
			close(fd);
		code = fail(&d, ks_error(&d, KS_EIO, tmp.ptr, 0, 0,
					 "cannot make a copy to edit: %s", strerror(errno)));
		goto out;
	}
	close(fd);
	for (;;) {
		struct ks_doc *doc = NULL;

		if (run_editor(tmp.ptr) < 0) {
			fprintf(stderr, "the editor failed; %s was left as it was\n", id);
			code = EXIT_PROBLEMS;
			break;
		}
		ks_buf_reset(&cur);
		if (ks_buf_read_file(&cur, tmp.ptr, 0) < 0) {
			code = fail(&d, ks_error(&d, KS_EIO, tmp.ptr, 0, 0,
						 "cannot read the edited copy"));
			break;
		}
		if (cur.len == orig.len && !memcmp(cur.ptr, orig.ptr, orig.len)) {
			printf("No changes to %s.\n", id);
			break;
		}
		err = ks_doc_parse(&doc, rel, cur.ptr, cur.len, KS_PARSE_RECORD, &d);
		if (!err)
			err = ks_check_doc(cli->repo, rel, doc, NULL, &d);
		if (!err) {
			ks_buf_reset(&out);
			if (ks_record_format(&out, cli->repo, kind, ks_doc_root(doc)) < 0 ||
			    ks_file_put(abs, out.ptr, out.len, KS_FILE_DURABLE, &d)) {
				ks_doc_free(doc);
				code = fail(&d, KS_EIO);
				break;
			}
			ks_doc_free(doc);
			printf("Saved %s: %s\n", id, rel);
			break;
		}
		ks_doc_free(doc);
		/* The errors are about the edited copy, not the record. */
		diag_alias_path = rel;
		diag_alias_file = tmp.ptr;
		print_diags(&d);
		diag_alias_path = NULL;
		ks_diags_release(&d);
		if (!ask_again()) {
			fprintf(stderr, "abandoned; %s was left as it was\n", id);
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
