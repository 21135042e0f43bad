/*
 * The sync page of khaosat serve: sync with a USB stick (a folder) or with
 * one of the survey's hubs, and watch it happen.
 *
 * A sync is the command itself: `khaosat sync TARGET` run as a child of the
 * server (this same program, /proc/self/exe), in the survey's folder, in
 * the pages' language, its output going to .git/khaosat/web-sync.log.  So
 * the page shows exactly the command line's report, the sync takes the
 * survey lock as any sync does, and the server goes on answering while it
 * runs; the page reloads itself every second until it is done (a <meta>
 * refresh: no script).  One sync at a time.
 */
#include "common.h"
#include "pages_int.h"
#include "html.h"
#include "post.h"
#include "alloc.h"
#include "buf.h"
#include "diag.h"
#include "intl.h"
#include "paths.h"
#include "remote.h"
#include "repo.h"
#include "run.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SYNC_LOG "khaosat/web-sync.log"	/* under the .git folder */
#define MAX_LOG (256 * 1024)		/* of the report shown */

/* The sync this server started last (one server per process). */
static struct ks_child running;
static int finished, status;
static char target[1024];

static char *log_path(struct ks_repo *r)
{
	struct ks_buf b = KS_BUF_INIT;

	ks_buf_addf(&b, "%s%s", git_repository_path(ks_repo_git(r)), SYNC_LOG);
	return ks_buf_failed(&b) ? (ks_buf_release(&b), NULL)
				 : ks_buf_detach(&b, NULL);
}

/* Whether the sync has ended since the last look. */
static void look(void)
{
	if (ks_child_ended(&running, &status))
		finished = 1;
}

/* The folders where a desktop puts the USB sticks it has mounted. */
static void sticks(struct ks_buf *b)
{
	static const char *const roots[] = { "/media", "/run/media", NULL };
	const char *user = getenv("USER");
	struct ks_buf dir = KS_BUF_INIT;
	struct dirent *e;
	size_t i;

	ks_buf_puts(b, "<datalist id=\"sticks\">");
	for (i = 0; user && roots[i]; i++) {
		DIR *dh;

		ks_buf_reset(&dir);
		if (ks_buf_addf(&dir, "%s/%s", roots[i], user) < 0 ||
		    !(dh = opendir(dir.ptr)))
			continue;
		while ((e = readdir(dh))) {
			if (e->d_name[0] == '.')
				continue;
			ks_buf_puts(b, "<option value=\"");
			ks_html(b, dir.ptr);
			ks_buf_putc(b, '/');
			ks_html(b, e->d_name);
			ks_buf_puts(b, "\"></option>");
		}
		closedir(dh);
	}
	ks_buf_puts(b, "</datalist>\n");
	ks_buf_release(&dir);
}

static void report(struct ks_buf *b, struct ks_repo *r)
{
	struct ks_buf text = KS_BUF_INIT;
	char *path = log_path(r);

	if (path && ks_buf_read_file(&text, path, MAX_LOG) == 0 && text.len) {
		ks_buf_puts(b, "<pre class=\"report\">");
		ks_html_n(b, text.ptr, text.len);
		ks_buf_puts(b, "</pre>\n");
	}
	ks_buf_release(&text);
	ks_free(path);
}

static void hub_buttons(struct ks_buf *b, const struct ks_web_req *q)
{
	struct ks_paths names = { 0 };
	size_t i;

	if (ks_remote_names(ks_repo_git(q->repo), &names) < 0 || !names.n) {
		ks_paths_release(&names);
		return;
	}
	ks_web_form_begin(b, q, "sync", "/sync");
	ks_buf_puts(b, "<fieldset><legend>");
	ks_html(b, _("With the centre's hub"));
	ks_buf_puts(b, "</legend>\n");
	for (i = 0; i < names.n; i++) {
		ks_buf_puts(b, "<button class=\"save\" name=\"hub\" value=\"");
		ks_html(b, names.v[i]);
		ks_buf_puts(b, "\">");
		ks_html(b, names.v[i]);
		ks_buf_puts(b, "</button>\n");
	}
	ks_buf_puts(b, "</fieldset></form>\n");
	ks_paths_release(&names);
}

static int page(const struct ks_web_req *q, struct ks_web_reply *r,
		const struct ks_diags *notes)
{
	struct ks_buf *b = &r->body;

	look();
	ks_page_begin(b, ks_repo_name(q->repo), C_("page", "Sync"), KS_PAGE_SYNC);
	if (notes && notes->errors) {
		ks_buf_puts(b, "<p class=\"bad\">");
		ks_html(b, _("The sync did not start:"));
		ks_buf_puts(b, "</p>\n");
		ks_web_diags(b, notes);
	}
	if (running.id) {
		/* the page looks again in a second, until the sync is done */
		r->refresh = 1;
		ks_buf_puts(b, "<p class=\"said\">");
		ks_buf_addf(b, _("Syncing with %s…"), target);
		ks_buf_puts(b, "</p>\n");
		report(b, q->repo);
		return ks_web_done(r);
	}
	if (finished) {
		ks_buf_puts(b, status ? "<p class=\"bad\">" : "<p class=\"said\">");
		if (status)
			ks_buf_addf(b, _("The sync with %s ended with a problem (code %d); what it did is below."),
				    target, status);
		else
			ks_buf_addf(b, _("The sync with %s is done."), target);
		ks_buf_puts(b, "</p>\n");
		report(b, q->repo);
	}
	if (!q->writable) {
		ks_buf_puts(b, "<p>");
		ks_html(b, _("Syncs are started on the laptop that serves these pages."));
		ks_buf_puts(b, "</p>\n");
		return ks_web_done(r);
	}
	ks_web_form_begin(b, q, "sync", "/sync");
	ks_buf_puts(b, "<fieldset><legend>");
	ks_html(b, _("With a USB stick or a folder"));
	ks_buf_puts(b, "</legend>\n<div class=\"field\"><label for=\"stick\">");
	ks_html(b, _("The stick's folder (as the computer shows it, e.g. /media/hoa/USB)"));
	ks_buf_puts(b, "</label><input id=\"stick\" name=\"stick\" type=\"text\" list=\"sticks\"></div>\n");
	sticks(b);
	ks_buf_puts(b, "<button class=\"save\">");
	ks_html(b, _("Sync"));
	ks_buf_puts(b, "</button>\n</fieldset></form>\n");
	hub_buttons(b, q);
	return ks_web_done(r);
}

/*
 * What the form names: a folder that is there (an absolute path, nothing
 * else reaches the command), or one of the survey's hubs by name.
 */
static int chosen(char *out, size_t n, const struct ks_web_req *q,
		  struct ks_diags *d)
{
	const char *stick = ks_web_form_get(q->form, "stick");
	const char *hub = ks_web_form_get(q->form, "hub");
	struct stat st;

	if (hub && *hub) {
		char *url = ks_remote_url(ks_repo_git(q->repo), hub);

		ks_free(url);
		if (!url)
			return ks_error(d, KS_ENOTFOUND, NULL, 0, 0,
					"the survey has no hub named \"%s\"", hub);
		snprintf(out, n, "%s", hub);
		return 0;
	}
	if (!stick || !*stick)
		return ks_error(d, KS_EINVALID, NULL, 0, 0,
				"give the folder of the USB stick");
	if (stick[0] != '/' || strlen(stick) >= n || strpbrk(stick, "\n\r\t"))
		return ks_error(d, KS_EINVALID, NULL, 0, 0,
				"\"%s\" is not a folder's full path (it starts with /)", stick);
	if (stat(stick, &st) < 0 || !S_ISDIR(st.st_mode))
		return ks_error(d, KS_ENOTFOUND, NULL, 0, 0,
				"there is no folder \"%s\" (is the stick plugged in?)", stick);
	snprintf(out, n, "%s", stick);
	return 0;
}

/* Starts `khaosat sync TARGET` in the survey's folder, its report logged. */
static int start(const struct ks_web_req *q, const char *what,
		 struct ks_diags *d)
{
	char *path = log_path(q->repo);
	int fd = path ? open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644) : -1;
	const char *argv[] = { "khaosat", "sync", NULL, NULL };
	int e;

	if (fd < 0) {
		int err = path ? ks_error(d, KS_EIO, NULL, 0, 0, "cannot write %s: %s",
					  path, strerror(errno)) : -1;

		ks_free(path);
		return err;
	}
	ks_free(path);
	argv[2] = what;
	e = ks_run_self(&running, argv, ks_repo_workdir(q->repo), fd) < 0 ? errno : 0;
	close(fd);
	if (e)
		return ks_error(d, KS_EIO, NULL, 0, 0, "cannot start the sync: %s",
				strerror(e));
	finished = 0;
	snprintf(target, sizeof(target), "%s", what);
	return 0;
}

int ks_web_sync(const struct ks_web_req *q, struct ks_web_reply *r)
{
	struct ks_diags d = KS_DIAGS_INIT;
	char what[sizeof(target)];
	int err;

	if (!q->form)
		return page(q, r, NULL);
	look();
	if (running.id)
		err = ks_error(&d, KS_ECONFLICT, NULL, 0, 0,
			       "a sync is running; wait for it to end");
	else if (!(err = chosen(what, sizeof(what), q, &d)))
		err = start(q, what, &d);
	if (!err)
		err = ks_web_redirect(r, "/sync");
	else if (err != -1 && !(err = page(q, r, &d)))
		r->status = 422;
	ks_diags_release(&d);
	return err;
}
