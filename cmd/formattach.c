/*
 * The terminal form's last step: photos and documents for the record it
 * has just saved, one file at a time, each added as 'khaosat attach' adds
 * it.  A file refused (not a photo or a PDF, cut short, too large) is
 * said and nothing changes; the next one can be given.  Ctrl-C or the end
 * of input ends the step, never an attachment half made.
 */
#include "cli.h"
#include "form.h"
#include "alloc.h"
#include "attach.h"
#include "buf.h"
#include "diag.h"
#include "intl.h"
#include "record.h"
#include "repo.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile sig_atomic_t stopped;

static void on_interrupt(int sig)
{
	(void)sig;
	stopped = 1;
}

/*
 * A path as typed, or as a terminal writes a file dropped on it: in
 * quotes, or with its spaces and quotes escaped by "\"; "~/" is the home
 * folder.  A new string (ks_free), or NULL when memory runs out.
 */
char *form_path_typed(const char *s)
{
	struct ks_buf b = KS_BUF_INIT;
	size_t n;

	s += strspn(s, " \t");
	n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	if (n >= 2 && (s[0] == '\'' || s[0] == '"') && s[n - 1] == s[0]) {
		ks_buf_add(&b, s + 1, n - 2);
		return ks_buf_failed(&b) ? NULL : ks_buf_detach(&b, NULL);
	}
	if (s[0] == '~' && s[1] == '/' && getenv("HOME")) {
		ks_buf_puts(&b, getenv("HOME"));
		s++;
		n--;
	}
	for (size_t i = 0; i < n; i++) {
		/* only what a shell escapes: a Windows path keeps its "\" */
		if (s[i] == '\\' && i + 1 < n && strchr(" '\"()&;[]!$`", s[i + 1]))
			i++;
		ks_buf_putc(&b, s[i]);
	}
	ks_buf_putc(&b, '\0');
	return ks_buf_failed(&b) ? NULL : ks_buf_detach(&b, NULL);
}

/* One file attached to the record; 0 whether or not it was, -1 for memory. */
static int attach_one(struct cli *cli, const char *kind, const char *id,
		      const char *rel, const char *path, const char *caption)
{
	struct ks_media_opts mo = { ATTACH_MAX_SIDE, ATTACH_QUALITY, 0 };
	struct ks_attach_file file = { path, path, caption };
	struct ks_attached done;
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_doc *doc = NULL;
	char *abs = ks_repo_path(cli->repo, rel);
	int err = abs ? ks_doc_load(&doc, abs, rel, KS_PARSE_RECORD, &d) : -1;

	memset(&done, 0, sizeof(done));
	if (!err)
		err = ks_attach(&done, cli->repo, kind, id, rel, doc, &file, 1,
				&mo, &d);
	print_diags(&d);
	if (!err) {
		attach_report(&done, path);
		ks_attached_release(&done, 1);
	} else if (err != -1) {
		fputs(_("not attached; nothing was changed\n"), stdout);
	}
	ks_diags_release(&d);
	ks_doc_free(doc);
	ks_free(abs);
	return err == -1 ? -1 : 0;
}

int form_attach(struct cli *cli, const char *kind, const char *id,
		const char *rel)
{
	struct sigaction sa, old;
	int err = 0;

	if (!ks_repo_kind_has(cli->repo, kind, "attachments"))
		return 0;
	/* Ctrl-C ends the questions; a file being attached is finished. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_interrupt;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old);
	stopped = 0;
	printf(_("\nPhotos and documents of %s (JPEG, PNG, WebP or PDF): type a file's\n"
		 "path or drop the file here, then Enter; Enter alone to finish.\n"), id);
	while (!err) {
		char *line = read_line_or_stop(_("File: "), &stopped, SIGINT);
		char *path = NULL, *caption = NULL;

		if (!line || !line[strspn(line, " \t\r")]) {
			free(line);
			break;
		}
		path = form_path_typed(line);
		free(line);
		if (path)
			caption = read_line_or_stop(_("What it shows (Enter: nothing): "),
						    &stopped, SIGINT);
		if (!path)
			err = -1;
		else if (caption || !stopped)
			err = attach_one(cli, kind, id, rel, path,
					 caption && caption[strspn(caption, " \t")] ?
					 caption : NULL);
		ks_free(path);
		free(caption);
		if (stopped)
			break;
	}
	if (stopped)
		putchar('\n');
	sigaction(SIGINT, &old, NULL);
	return err;
}
