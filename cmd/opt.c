/*
 * Option parsing, help text generated from the option tables, diagnostics
 * printing and small terminal helpers shared by the subcommands.
 */
#include "cli.h"
#include "intl.h"
#include "alloc.h"
#include "buf.h"
#include "check.h"
#include "clash.h"
#include "diag.h"
#include "enrol.h"
#include "json.h"
#include "auth.h"
#include "lock.h"
#include "merge.h"
#include "repo.h"
#include "recordcache.h"
#include "treediff.h"
#include "unique.h"

#include <errno.h>
#ifndef _WIN32
#include <poll.h>
#endif
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int strlist_add(struct strlist *l, const char *s)
{
	if (l->n == l->alloc) {
		int n = l->alloc ? l->alloc * 2 : 8;
		const char **v = realloc(l->v, (size_t)n * sizeof(*v));

		if (!v)
			return -1;
		l->v = v;
		l->alloc = n;
	}
	l->v[l->n++] = s;
	return 0;
}

void print_help(FILE *f, const struct cmd_info *info, const struct opt *opts)
{
	const struct opt *o;

	fprintf(f, _("usage: %s\n\n%s\n"), info->usage, _(info->summary));
	if (!opts || opts->type == OPT_END)
		return;
	fputs(_("\noptions:\n"), f);
	for (o = opts; o->type != OPT_END; o++) {
		char left[64];

		if (o->short_name && o->arg)
			snprintf(left, sizeof(left), "-%c, --%s %s",
				 o->short_name, o->long_name, o->arg);
		else if (o->short_name)
			snprintf(left, sizeof(left), "-%c, --%s",
				 o->short_name, o->long_name);
		else if (o->arg)
			snprintf(left, sizeof(left), "    --%s %s",
				 o->long_name, o->arg);
		else
			snprintf(left, sizeof(left), "    --%s", o->long_name);
		fprintf(f, "  %-26s %s\n", left, _(o->help));
	}
	fprintf(f, "  %-26s %s\n", "-h, --help", _("show this help"));
}

int usage_error(const struct cmd_info *info, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", _("error"));
	va_start(ap, fmt);
	vfprintf(stderr, _(fmt), ap);
	va_end(ap);
	fprintf(stderr, _("\nusage: %s\n"), info->usage);
	return EXIT_USAGE;
}

static int set_value(const struct opt *o, const char *arg)
{
	switch (o->type) {
	case OPT_FLAG:
		*(int *)o->value = 1;
		return 0;
	case OPT_STRING:
		*(const char **)o->value = arg;
		return 0;
	case OPT_LIST:
		return strlist_add(o->value, arg);
	case OPT_END:
		break;
	}
	return -1;
}

int parse_options(int *argc, char **argv, const struct cmd_info *info,
		  const struct opt *opts)
{
	int i, npos = 0, only_pos = 0;
	const struct opt *o;

	for (i = 1; i < *argc; i++) {
		char *a = argv[i];
		const char *val = NULL;

		if (only_pos || a[0] != '-' || !a[1]) {
			argv[npos++] = a;
			continue;
		}
		if (!strcmp(a, "--")) {
			only_pos = 1;
			continue;
		}
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			print_help(stdout, info, opts);
			return PARSE_HELP;
		}
		if (a[1] == '-') {
			char *eq = strchr(a + 2, '=');
			size_t n = eq ? (size_t)(eq - a - 2) : strlen(a + 2);

			for (o = opts; o && o->type != OPT_END; o++)
				if (strlen(o->long_name) == n &&
				    !strncmp(o->long_name, a + 2, n))
					break;
			if (!o || o->type == OPT_END)
				return usage_error(info, "unknown option '%s'", a);
			if (eq && o->type == OPT_FLAG)
				return usage_error(info, "option '--%s' takes no value",
						   o->long_name);
			val = eq ? eq + 1 : NULL;
		} else {
			for (o = opts; o && o->type != OPT_END; o++)
				if (o->short_name == a[1])
					break;
			if (!o || o->type == OPT_END)
				return usage_error(info, "unknown option '%s'", a);
			if (a[2])
				val = a + 2;
		}
		if (o->type != OPT_FLAG && !val) {
			if (i + 1 >= *argc)
				return usage_error(info, "option '--%s' needs a value",
						   o->long_name);
			val = argv[++i];
		}
		if (set_value(o, val) < 0)
			return EXIT_INTERNAL;
	}
	*argc = npos;
	argv[npos] = NULL;
	return 0;
}

const char *diag_base;
const char *diag_alias_path, *diag_alias_file;

/*
 * Shows the offending line with a caret under the column, for a person at
 * a terminal (jq does the same).  Paths are relative to the survey.
 */
static void show_source(const struct ks_diag *g)
{
	struct ks_buf file = KS_BUF_INIT, path = KS_BUF_INIT;
	const char *p, *end;
	int line = 1, col;

	if (!g->path || g->line <= 0)
		return;
	if (diag_alias_path && !strcmp(g->path, diag_alias_path)) {
		ks_buf_puts(&path, diag_alias_file);
	} else {
		if (g->path[0] != '/' && diag_base)
			ks_buf_puts(&path, diag_base);
		ks_buf_puts(&path, g->path);
	}
	if (ks_buf_read_file(&file, path.ptr, 1 << 20) < 0)
		goto out;
	for (p = file.ptr; *p && line < g->line; p++)
		if (*p == '\n')
			line++;
	if (line != g->line || !*p)
		goto out;
	end = strchr(p, '\n');
	if (!end)
		end = p + strlen(p);
	fprintf(stderr, "  %.*s\n  ", (int)(end - p), p);
	/* Columns count characters; pad with the line's own blanks. */
	for (col = 1; col < g->col && p < end; p++) {
		if (((unsigned char)*p & 0xc0) == 0x80)
			continue;
		fputc(*p == '\t' ? '\t' : ' ', stderr);
		col++;
	}
	fputs("^\n", stderr);
out:
	ks_buf_release(&file);
	ks_buf_release(&path);
}

void print_diags(const struct ks_diags *d)
{
	struct ks_buf b = KS_BUF_INIT;
	int tty = isatty(2);
	size_t i;

	for (i = 0; i < d->n; i++) {
		ks_buf_reset(&b);
		ks_diag_format(&b, &d->v[i]);
		/* A message cut short could say what it does not mean. */
		fprintf(stderr, "%s\n", ks_buf_failed(&b)
			? _("error: out of memory; a message cannot be shown") : b.ptr);
		if (tty)
			show_source(&d->v[i]);
	}
	ks_buf_release(&b);
}

int print_diags_json(const struct ks_diags *d)
{
	struct ks_buf b = KS_BUF_INIT;
	struct ks_json j;
	size_t i;
	int err;

	ks_json_init(&j, &b);
	ks_json_begin_lines(&j);
	for (i = 0; i < d->n; i++)
		ks_diag_format_json(&j, &d->v[i]);
	ks_json_end_array(&j);
	ks_buf_putc(&b, '\n');
	err = put_output(&b);
	ks_buf_release(&b);
	return err;
}

int exit_code(int status)
{
	switch (status) {
	case KS_OK:
		return EXIT_OK;
	case KS_EINVALID:
	case KS_ECONFLICT:
	case KS_ENOTFOUND:
		return EXIT_PROBLEMS;
	case KS_ENOSURVEY:
	case KS_EEXISTS:
	case KS_EENV:
		return EXIT_ENV;
	case KS_EIO:
		return EXIT_IO;
	case KS_EINTR:
		return EXIT_INTERRUPTED;
	default:
		return EXIT_INTERNAL;
	}
}

struct ks_kind *kind_arg(struct cli *cli, const struct cmd_info *info,
			 const char *name, int *err)
{
	struct ks_kind *k = ks_repo_find_kind(cli->repo, name);
	struct ks_buf known = KS_BUF_INIT;

	if (k)
		return k;
	ks_repo_kind_list(cli->repo, &known);
	*err = usage_error(info, "unknown kind \"%s\" (the survey has: %s)",
			   name, known.ptr);
	ks_buf_release(&known);
	return NULL;
}

int open_survey_kind(int argc, char **argv, struct cli *cli,
		     const struct cmd_info *info, struct ks_diags *d)
{
	int err;

	if (argc > 1)
		return usage_error(info, "give at most one kind");
	if ((err = open_survey(cli, d)))
		return fail(d, err);
	if (argc && !kind_arg(cli, info, argv[0], &err)) {
		ks_diags_release(d);
		return err;
	}
	return 0;
}

int fail(struct ks_diags *d, int status)
{
	if (status == -1 && !d->n)
		fputs(_("error: out of memory\n"), stderr);
	print_diags(d);
	ks_diags_release(d);
	return exit_code(status);
}

int interactive(void)
{
	return isatty(0) && isatty(1);
}

char *read_line(const char *prompt)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (prompt) {
		fputs(prompt, stdout);
		fflush(stdout);
	}
	n = getline(&line, &cap, stdin);
	if (n < 0) {
		free(line);
		return NULL;
	}
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	return line;
}

#ifdef _WIN32
/*
 * Windows runs a Ctrl+C handler on a thread of its own, and the console's
 * read then ends: the flag is looked at before and after it.
 */
char *read_line_or_stop(const char *prompt, volatile sig_atomic_t *stop,
			int sig)
{
	char *line;

	(void)sig;
	if (*stop)
		return NULL;
	if (prompt) {
		fputs(prompt, stdout);
		fflush(stdout);
	}
	line = read_line(NULL);
	if (*stop) {
		free(line);
		return NULL;
	}
	return line;
}
#else
char *read_line_or_stop(const char *prompt, volatile sig_atomic_t *stop,
			int sig)
{
	struct pollfd p = { 0, POLLIN, 0 };
	sigset_t block, old;
	int r;

	sigemptyset(&block);
	sigaddset(&block, sig);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	if (!*stop) {
		if (prompt) {
			fputs(prompt, stdout);
			fflush(stdout);
		}
		/* the signal gets in only here, where it also ends the wait */
		do
			r = ppoll(&p, 1, NULL, &old);
		while (r < 0 && errno == EINTR && !*stop);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return *stop ? NULL : read_line(NULL);
}
#endif

int ask_yes_no(const char *question, int def)
{
	for (;;) {
		char q[512];
		char *a;
		int r = -1;

		snprintf(q, sizeof(q), "%s [%s] ", question, def ? "Y/n" : "y/N");
		a = read_line(q);
		if (!a)
			return def;
		if (!*a)
			r = def;
		else if (!strcasecmp(a, "y") || !strcasecmp(a, "yes") ||
			 !strcasecmp(a, "c") || !strcasecmp(a, "có"))
			r = 1;
		else if (!strcasecmp(a, "n") || !strcasecmp(a, "no") ||
			 !strcasecmp(a, "k") || !strcasecmp(a, "không"))
			r = 0;
		free(a);
		if (r >= 0)
			return r;
		fputs(_("please answer y or n\n"), stdout);
	}
}

static void say_waiting(const char *holder, void *payload)
{
	(void)payload;
	if (holder)
		fprintf(stderr, _("waiting for %s to finish...\n"), holder);
	else
		fputs(_("waiting for other khaosat commands to finish...\n"), stderr);
}

/* How long a command waits for another: KHAOSAT_LOCK_TIMEOUT seconds. */
long lock_timeout_ms(void)
{
	const char *s = getenv("KHAOSAT_LOCK_TIMEOUT");
	char *end;
	long v;

	if (s && *s) {
		v = strtol(s, &end, 10);
		if (!*end && v >= 0 && v < 86400)
			return v * 1000;
	}
	return 600 * 1000L;
}

static int lock_opts(struct ks_lock_opts *o, struct ks_buf *what,
		     const struct cli *cli)
{
	if (ks_buf_addf(what, "khaosat %s", cli->command ? cli->command : "") < 0)
		return -1;
	o->what = what->ptr;
	o->timeout_ms = lock_timeout_ms();
	o->wait = say_waiting;
	o->payload = NULL;
	return 0;
}

int lock_new_survey(struct cli *cli, const char *dir, struct ks_diags *d)
{
	struct ks_buf what = KS_BUF_INIT;
	struct ks_lock_opts o;
	int err = lock_opts(&o, &what, cli);

	if (!err)
		err = ks_lock_take_folder(&cli->lock, dir, &o, d);
	ks_buf_release(&what);
	return err;
}

/* Takes the survey lock, or turns the one held shared or exclusive. */
static int survey_lock(struct cli *cli, int exclusive, struct ks_diags *d)
{
	const char *gitdir = git_repository_path(ks_repo_git(cli->repo));
	struct ks_buf what = KS_BUF_INIT;
	struct ks_lock_opts o;
	int err, removed;

	if (lock_opts(&o, &what, cli) < 0)
		return -1;
	if (cli->lock)
		err = ks_lock_change(cli->lock, exclusive, &o, d);
	else
		err = ks_lock_take(&cli->lock, gitdir, exclusive, &o, d);
	ks_buf_release(&what);
	if (!err)
		ks_repo_set_writer(cli->repo, exclusive);
	if (err || !exclusive)
		return err;
	/* No other khaosat writes now: a lock file left is stale, or git's. */
	if ((err = ks_lock_clear_stale(gitdir, &removed, d)))
		return err;
	if (removed)
		fprintf(stderr, Q_("note: removed %d lock file left by a command that was stopped\n",
				   "note: removed %d lock files left by a command that was stopped\n",
				   removed), removed);
	return 0;
}

/* A merge killed half way is finished before anything else. */
static int recover(struct cli *cli, struct ks_diags *d)
{
	int recovered, err;

	if ((err = ks_merge_recover(cli->repo, &recovered, d)))
		return err;
	if (recovered)
		fputs(_("note: finished a merge that was interrupted\n"), stderr);
	/* What happened to files changed by hand meanwhile. */
	print_diags(d);
	ks_diags_release(d);
	return 0;
}

int open_survey(struct cli *cli, struct ks_diags *d)
{
	int err;

	if (cli->repo)
		return 0;
	err = ks_repo_open(&cli->repo, cli->cwd, d);
	if (err)
		return err;
	if (ks_repo_language(cli->repo))
		lang_use(ks_repo_language(cli->repo));
	diag_base = ks_repo_workdir(cli->repo);
	switch (cli->lock_mode) {
	case LOCK_WRITE:
		if ((err = survey_lock(cli, 1, d)))
			return err;
		return recover(cli, d);
	case LOCK_READ:
		if ((err = survey_lock(cli, 0, d)))
			return err;
		if (!ks_merge_pending(cli->repo))
			return 0;
		if ((err = survey_lock(cli, 1, d)) || (err = recover(cli, d)))
			return err;
		return survey_lock(cli, 0, d);
	case LOCK_SAVE:
		if (!ks_merge_pending(cli->repo))
			return 0;
		if ((err = survey_lock(cli, 1, d)) || (err = recover(cli, d)))
			return err;
		unlock(cli);
		return 0;
	case LOCK_NONE:
		break;
	}
	return 0;
}

int lock_to_save(struct cli *cli, struct ks_diags *d)
{
	int err = survey_lock(cli, 1, d);

	return err ? err : recover(cli, d);
}

int lock_to_read(struct cli *cli, struct ks_diags *d)
{
	return survey_lock(cli, 0, d);
}

void unlock(struct cli *cli)
{
	ks_lock_free(cli->lock);
	cli->lock = NULL;
	if (cli->repo)
		ks_repo_set_writer(cli->repo, 0);
}

void note_clashes(struct ks_repo *r, const git_oid *before,
		  const git_oid *after)
{
	struct ks_diags c = KS_DIAGS_INIT, w = KS_DIAGS_INIT;
	size_t i;

	if (git_oid_equal(before, after) ||
	    ks_clash_between(r, before, after, 1, &c) != KS_EINVALID)
		goto out;
	for (i = 0; i < c.n; i++)
		ks_diags_add(&w, KS_SEV_WARNING, c.v[i].path, c.v[i].line,
			     c.v[i].col, c.v[i].pointer, c.v[i].keyword, "%s",
			     c.v[i].message);
	print_diags(&w);
	fputs(_("note: two records hold a value only one of them may have; correct one with 'khaosat edit ID'\n"),
	      stderr);
out:
	ks_diags_release(&c);
	ks_diags_release(&w);
}

/* The survey files changed between two commits that shape records. */
static int rule_file(const git_diff_delta *dd, float progress, void *out)
{
	const char *p = dd->new_file.path ? dd->new_file.path : dd->old_file.path;

	(void)progress;
	if (!strcmp(p, "khaosat.yaml") || !strncmp(p, "schema/", 7))
		return ks_paths_add(out, p) < 0 ? -1 : 0;
	return 0;
}

static int rules_changed(struct ks_paths *out, git_repository *repo,
			 const git_oid *before, const git_oid *after)
{
	int err = ks_commit_diff(repo, before, after, NULL, rule_file, out);

	git_error_clear();
	return err ? -1 : 0;
}

#define RULES_SHOWN 50

/*
 * 1 when the record at `path` is of a kind the changed files shape: the
 * kind whose schema/<kind>.yaml changed; every kind when khaosat.yaml or
 * another schema file (one a kind may $ref) changed.
 */
static int of_changed_kind(struct ks_repo *r, const struct ks_paths *files,
			   const char *path)
{
	const char *kind = path + strlen(KS_RECORDS_DIR "/");
	size_t i, n;

	if (strncmp(path, KS_RECORDS_DIR "/", strlen(KS_RECORDS_DIR "/")))
		return 1;
	n = strcspn(kind, "/");
	for (i = 0; i < files->n; i++) {
		const char *f = files->v[i], *name = f + strlen("schema/");
		size_t len = strlen(name);
		char k[64];

		if (strncmp(f, "schema/", 7) || len < 6 || len - 5 >= sizeof(k) ||
		    strcmp(name + len - 5, ".yaml"))
			return 1;
		memcpy(k, name, len - 5);
		k[len - 5] = '\0';
		if (!ks_repo_find_kind(r, k))
			return 1;
		if (strlen(k) == n && !strncmp(k, kind, n))
			return 1;
	}
	return 0;
}

void note_rules_changed(struct ks_repo *r, const git_oid *before,
			const git_oid *after)
{
	struct ks_diags d = KS_DIAGS_INIT, w = KS_DIAGS_INIT;
	struct ks_paths files = { 0 }, none = { 0 }, bad = { 0 };
	struct ks_repo *now = NULL;
	struct ks_unique *u = NULL;
	struct ks_buf names = KS_BUF_INIT;
	size_t i, count = 0;

	if (git_oid_is_zero(before) || git_oid_equal(before, after) ||
	    rules_changed(&files, ks_repo_git(r), before, after) || !files.n)
		goto out;
	/* The rules as they are now, read afresh. */
	if (ks_repo_open(&now, ks_repo_workdir(r), &d) || !(u = ks_unique_new()))
		goto out;
	if (ks_check_committed(u, now, &none, NULL, &count, &d) == -1)
		goto out;
	for (i = 0; i < d.n; i++) {
		const struct ks_diag *g = &d.v[i];

		if (g->severity != KS_SEV_ERROR || !g->path ||
		    !of_changed_kind(now, &files, g->path))
			continue;
		if (!bad.n || strcmp(bad.v[bad.n - 1], g->path))
			ks_paths_add(&bad, g->path);
		if (bad.n <= RULES_SHOWN)
			ks_diags_add(&w, KS_SEV_WARNING, g->path, g->line, g->col,
				     g->pointer, g->keyword, "%s", g->message);
	}
	for (i = 0; i < files.n; i++)
		ks_buf_addf(&names, "%s%s", i ? ", " : "", files.v[i]);
	if (ks_buf_failed(&names))
		goto out;
	if (!bad.n) {
		printf(_("The survey's rules changed (%s); every record is still valid.\n"),
		       names.ptr);
		goto out;
	}
	print_diags(&w);
	if (bad.n > RULES_SHOWN)
		fprintf(stderr, Q_("note: the survey's rules changed (%s): %zu record is not valid under them (the first %d are shown); correct it with 'khaosat edit ID' ('khaosat check' lists every problem)\n",
				   "note: the survey's rules changed (%s): %zu records are not valid under them (the first %d are shown); correct them with 'khaosat edit ID' ('khaosat check' lists every problem)\n",
				   bad.n),
			names.ptr, bad.n, RULES_SHOWN);
	else
		fprintf(stderr, Q_("note: the survey's rules changed (%s): %zu record is not valid under them; correct it with 'khaosat edit ID' ('khaosat check' lists every problem)\n",
				   "note: the survey's rules changed (%s): %zu records are not valid under them; correct them with 'khaosat edit ID' ('khaosat check' lists every problem)\n",
				   bad.n),
			names.ptr, bad.n);
out:
	ks_unique_free(u);
	ks_repo_free(now);
	ks_paths_release(&files);
	ks_paths_release(&bad);
	ks_buf_release(&names);
	ks_diags_release(&d);
	ks_diags_release(&w);
}

int judge_before_merge(struct ks_repo *r, const git_oid *tip, const char *what,
		       int *refused, struct ks_diags *d)
{
	struct ks_auth_verdict v;
	struct ks_buf why = KS_BUF_INIT;
	git_oid head;
	int has = git_reference_name_to_id(&head, ks_repo_git(r), KS_MAIN_REF) == 0;
	int err = ks_enrol_judge(&v, r, has ? &head : NULL, tip, NULL, d);

	*refused = 0;
	if (err <= 0)
		return err;
	if (ks_auth_verdict_text(&why, &v) < 0)
		return -1;
	if (err == KS_ENROL_WAITS) {
		printf(Q_("Not merged: %zu commit of %s waits for the centre to approve laptop %s (key %s); kept here, taken in once the approval is here.\n",
			  "Not merged: %zu commits of %s wait for the centre to approve laptop %s (key %s); kept here, taken in once the approval is here.\n",
			  v.waiting),
		       v.waiting, what, v.first.device, v.first.fingerprint);
	} else {
		*refused = 1;
		ks_error(d, KS_EINVALID, NULL, 0, 0,
			 "%s not merged: %s; nothing of it was taken in", what, why.ptr);
	}
	ks_buf_release(&why);
	return 1;
}

int identity_from_options(struct ks_identity *who, const struct cmd_info *info,
			  const char *device, const char *surveyor,
			  const char *email)
{
	struct ks_diags d = KS_DIAGS_INIT;

	if (!device || !surveyor)
		return usage_error(info, "--device and --surveyor are required");
	who->device = (char *)device;
	who->surveyor = (char *)surveyor;
	who->email = (char *)email;
	if (ks_validate_identity(who, &d)) {
		print_diags(&d);
		ks_diags_release(&d);
		return EXIT_USAGE;
	}
	ks_diags_release(&d);
	return 0;
}

int put_output(const struct ks_buf *out)
{
	if (ks_buf_failed(out)) {
		fputs(_("error: out of memory while writing the report; nothing of it is shown\n"),
		      stderr);
		return -1;
	}
	fputs(out->ptr, stdout);
	return 0;
}
