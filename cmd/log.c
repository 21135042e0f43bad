/*
 * khaosat log: the survey's commits, newest first, or only those that
 * changed one record; with surveyor, device and the surveyor's local time.
 */
#include "cli.h"
#include "intl.h"
#include "alloc.h"
#include "buf.h"
#include "commit.h"
#include "diag.h"
#include "history.h"
#include "json.h"
#include "repo.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static const struct cmd_info info = {
	"khaosat log [-n COUNT] [--json] [ID]",
	N_("List commits, newest first: id, date in the surveyor's time zone,\n"
	"device, surveyor and summary. With ID, only commits that changed it."),
};

/* The blob id of `path` in a commit's tree; 0 if absent. */
static int blob_at(git_oid *out, git_commit *c, const char *path)
{
	git_tree *t = NULL;
	git_tree_entry *e = NULL;
	int found = 0;

	if (git_commit_tree(&t, c) == 0 &&
	    git_tree_entry_bypath(&e, t, path) == 0) {
		git_oid_cpy(out, git_tree_entry_id(e));
		found = 1;
	}
	git_tree_entry_free(e);
	git_tree_free(t);
	return found;
}

/* 1 when the commit changed `path` against its first parent. */
static int touches(git_commit *c, const char *path)
{
	git_commit *p = NULL;
	git_oid a, b;
	int ha = blob_at(&a, c, path), hb = 0, r;

	if (git_commit_parentcount(c) > 0 && git_commit_parent(&p, c, 0) == 0)
		hb = blob_at(&b, p, path);
	git_commit_free(p);
	if (ha != hb)
		return 1;
	r = ha && !git_oid_equal(&a, &b);
	return r;
}

/* One commit, as a line of text or a JSON object. */
static void put_commit(struct ks_buf *out, struct ks_json *j, git_commit *c)
{
	const git_signature *a = git_commit_author(c);
	char hex[GIT_OID_HEXSZ + 1], when[64];
	char *dev = ks_commit_device(git_commit_message(c));

	git_oid_tostr(hex, sizeof(hex), git_commit_id(c));
	ks_format_time(when, sizeof(when), &a->when, 0);
	if (!j) {
		ks_buf_addf(out, "%.10s %s  %-6s %s: %s\n", hex, when,
			    dev ? dev : "-", a->name, git_commit_summary(c));
		ks_free(dev);
		return;
	}
	ks_json_begin_object(j);
	ks_json_field_str(j, "commit", hex);
	ks_json_field_int(j, "time", (long long)a->when.time);
	ks_json_field_int(j, "offset", a->when.offset);
	ks_json_field_str(j, "date", when);
	ks_json_field_str(j, "author", a->name);
	ks_json_field_str(j, "email", a->email);
	ks_json_field_str(j, "device", dev ? dev : "");
	ks_json_field_uint(j, "parents", git_commit_parentcount(c));
	ks_json_field_str(j, "summary", git_commit_summary(c));
	ks_json_end_object(j);
	ks_free(dev);
}

/*
 * At most `max` commits (all when negative) from the walk into `out`,
 * those that changed `path` when it is given.
 */
static int walk_log(struct ks_buf *out, struct ks_json *j, git_revwalk *walk,
		    git_repository *repo, const char *path, long max,
		    struct ks_diags *d)
{
	git_oid oid;
	long shown = 0;

	while (max < 0 || shown < max) {
		git_commit *c = NULL;
		int rc = git_revwalk_next(&oid, walk);

		if (rc == GIT_ITEROVER)
			break;
		/* A commit that cannot be read is said, never skipped. */
		if (rc < 0 || git_commit_lookup(&c, repo, &oid) < 0)
			return ks_error(d, KS_EIO, NULL, 0, 0,
					"cannot read the history: %s; the survey's files are damaged ('khaosat verify' says where)",
					ks_git_error());
		if (!path || touches(c, path)) {
			put_commit(out, j, c);
			shown++;
		}
		git_commit_free(c);
	}
	return 0;
}

int cmd_log(int argc, char **argv, struct cli *cli)
{
	struct ks_diags d = KS_DIAGS_INIT;
	const char *count = NULL;
	int json = 0, err, code = EXIT_OK;
	long max = -1;
	git_revwalk *walk = NULL;
	git_repository *repo;
	char *path = NULL;
	struct ks_buf out = KS_BUF_INIT;
	struct ks_json j;
	const struct opt opts[] = {
		{ 'n', "max-count", "COUNT", OPT_STRING, &count,
		  N_("show at most COUNT commits") },
		{ 0, "json", NULL, OPT_FLAG, &json, N_("print the commits as JSON") },
		OPT_END_MARK,
	};

	if ((err = parse_options(&argc, argv, &info, opts)))
		return err;
	if (argc > 1)
		return usage_error(&info, "give at most one record id");
	if (count) {
		char *end;

		max = strtol(count, &end, 10);
		if (*end || max < 0)
			return usage_error(&info, "COUNT must be a whole number");
	}
	if ((err = open_survey(cli, &d)))
		return fail(&d, err);
	repo = ks_repo_git(cli->repo);
	if (git_revwalk_new(&walk, repo) < 0 ||
	    git_revwalk_push_ref(walk, KS_MAIN_REF) < 0) {
		err = ks_error(&d, KS_EIO, NULL, 0, 0, "cannot read the history: %s",
			       ks_git_error());
		goto out;
	}
	git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME);
	if (argc && (err = ks_record_path_in_history(&path, cli->repo, argv[0],
						    NULL, &d)))
		goto out;
	ks_json_init(&j, &out);
	if (json)
		ks_json_begin_lines(&j);
	err = walk_log(&out, json ? &j : NULL, walk, repo, path, max, &d);
	if (json) {
		ks_json_end_array(&j);
		ks_buf_putc(&out, '\n');
	}
	/* Half a JSON list is no list; the lines read before a failure are. */
	if ((!err || !json) && put_output(&out) < 0)
		code = EXIT_INTERNAL;
out:
	ks_free(path);
	ks_buf_release(&out);
	git_revwalk_free(walk);
	if (err)
		return fail(&d, err);
	ks_diags_release(&d);
	return code;
}
