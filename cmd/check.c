/*
 * khaosat check: validate records of the survey (all, or the ones named), or
 * any YAML/JSON files against a schema file with --schema.
 */
#include "cli.h"
#include "alloc.h"
#include "buf.h"
#include "check.h"
#include "commit.h"
#include "conflict.h"
#include "diag.h"
#include "record.h"
#include "repo.h"
#include "schema.h"
#include "recordcache.h"
#include "unique.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const struct cmd_info info = {
	"khaosat check [--json] [--strict] [ID|PATH]...\n"
	"   or: khaosat check --schema SCHEMA [--json] FILE|DIR...",
	"Validate records: each file's YAML, its place and id, its schema, its\n"
	"references to other records and, when the whole survey is checked,\n"
	"values that must be unique. Errors name the file, line and column.\n"
	"Exit 1 when anything is invalid.",
};

static int has_ext(const char *name)
{
	size_t n = strlen(name);

	return (n > 5 && !strcmp(name + n - 5, ".yaml")) ||
	       (n > 4 && !strcmp(name + n - 4, ".yml")) ||
	       (n > 5 && !strcmp(name + n - 5, ".json"));
}

static int collect(struct ks_paths *out, const char *path, int top)
{
	struct stat st;
	struct dirent **names = NULL;
	int i, n, err = 0;

	if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode))
		return top || has_ext(path) ? ks_paths_add(out, path) : 0;
	n = scandir(path, &names, NULL, alphasort);
	for (i = 0; i < n; i++) {
		struct ks_buf b = KS_BUF_INIT;

		if (names[i]->d_name[0] != '.' && !err) {
			ks_buf_addf(&b, "%s%s%s", path,
				    path[strlen(path) - 1] == '/' ? "" : "/",
				    names[i]->d_name);
			err = collect(out, b.ptr, 0);
		}
		ks_buf_release(&b);
		free(names[i]);
	}
	free(names);
	return err;
}

static int check_files(const char *schema_path, int argc, char **argv,
		       int json, unsigned flags)
{
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_schema *s = NULL;
	struct ks_paths files = { 0 };
	size_t i, bad = 0;
	int err, i2;

	err = ks_schema_load(&s, schema_path, schema_path, flags, &d);
	if (err) {
		if (json)
			print_diags_json(&d);
		else
			print_diags(&d);
		ks_diags_release(&d);
		return err == KS_ENOTFOUND || err == KS_EINVALID ? EXIT_PROBLEMS
							       : exit_code(err);
	}
	for (i2 = 0; i2 < argc; i2++)
		collect(&files, argv[i2], 1);
	for (i = 0; i < files.n; i++) {
		struct ks_doc *doc = NULL;
		size_t n = strlen(files.v[i]);
		struct ks_validate_opts vo = { 0 };

		vo.flags = n > 5 && !strcmp(files.v[i] + n - 5, ".json")
			? KS_VALIDATE_JSON : 0;
		err = ks_doc_load(&doc, files.v[i], files.v[i], 0, &d);
		if (!err)
			err = ks_schema_validate(s, ks_doc_root(doc), files.v[i],
						 &vo, &d);
		if (err)
			bad++;
		ks_doc_free(doc);
	}
	if (json) {
		print_diags_json(&d);
	} else {
		print_diags(&d);
		fprintf(stderr, "checked %zu file%s: %zu valid, %zu invalid\n",
			files.n, files.n == 1 ? "" : "s", files.n - bad, bad);
	}
	err = bad || d.errors ? EXIT_PROBLEMS : EXIT_OK;
	ks_paths_release(&files);
	ks_schema_free(s);
	ks_diags_release(&d);
	return err;
}

/* Compiles every kind's schema, so a broken one is reported first. */
static int check_schemas(struct ks_repo *r, struct ks_diags *d)
{
	struct ks_schema *s;
	size_t i;
	int bad = 0;

	for (i = 0; i < ks_repo_kind_count(r); i++)
		bad |= ks_repo_schema(&s, r, ks_repo_kind(r, i), d) != 0;
	return bad;
}

/* How many records have errors (uniqueness errors come late, out of order). */
static size_t invalid_records(const struct ks_diags *d)
{
	struct ks_paths seen = { 0 };
	size_t i, j, n = 0;

	for (i = 0; i < d->n; i++) {
		const char *p = d->v[i].path;

		if (d->v[i].severity != KS_SEV_ERROR || !p)
			continue;
		for (j = 0; j < seen.n && strcmp(seen.v[j], p); j++)
			;
		if (j == seen.n && ks_paths_add(&seen, p) == 0)
			n++;
	}
	ks_paths_release(&seen);
	return n;
}

int cmd_check(int argc, char **argv, struct cli *cli)
{
	const char *schema = NULL;
	int json = 0, strict = 0, err, i;
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_paths paths = { 0 };
	struct ks_unique *uniq = NULL;
	size_t j, bad = 0, committed = 0, total;
	const char *stopped = NULL;
	const struct opt opts[] = {
		{ 0, "schema", "SCHEMA", OPT_STRING, &schema,
		  "validate FILEs or DIRs against this schema file (no survey needed)" },
		{ 0, "json", NULL, OPT_FLAG, &json,
		  "print the errors as JSON (path, line, column, pointer, keyword, message)" },
		{ 0, "strict", NULL, OPT_FLAG, &strict,
		  "treat unknown schema keywords as errors" },
		OPT_END_MARK,
	};

	err = parse_options(&argc, argv, &info, opts);
	if (err)
		return err;
	if (schema) {
		if (!argc)
			return usage_error(&info, "--schema needs files or folders to check");
		return check_files(schema, argc, argv, json,
				   strict ? KS_SCHEMA_STRICT : 0);
	}
	if ((err = open_survey(cli, &d))) {
		err = exit_code(err);
		goto out;
	}
	ks_repo_set_schema_flags(cli->repo, strict ? KS_SCHEMA_STRICT : 0);
	if (check_schemas(cli->repo, &d)) {
		stopped = "no record was checked: fix the schema first";
		err = EXIT_PROBLEMS;
		goto out;
	}
	for (i = 0; i < argc; i++) {
		char *rel = NULL;

		err = ks_resolve_record(&rel, cli->repo, argv[i], cli->cwd, &d);
		if (err == -1)
			goto out;
		if (!err && ks_paths_add(&paths, rel) < 0)
			err = -1;
		ks_free(rel);
		if (err)
			bad++;
	}
	uniq = ks_unique_new();
	if (!uniq) {
		err = -1;
		goto out;
	}
	if (!argc) {
		/*
		 * The whole survey: committed records through the record
		 * cache, and what changed since from the work tree.
		 */
		struct ks_changes ch = { 0 };
		struct ks_paths changed = { 0 };

		err = ks_changes_list(&ch, cli->repo, &d);
		for (j = 0; !err && j < ch.n; j++) {
			if (ks_paths_add(&changed, ch.v[j].path) < 0)
				err = -1;
			else if (ch.v[j].what != KS_CHANGE_DELETED &&
				 !strncmp(ch.v[j].path, KS_RECORDS_DIR "/",
					  strlen(KS_RECORDS_DIR) + 1) &&
				 ks_paths_add(&paths, ch.v[j].path) < 0)
				err = -1;
		}
		ks_changes_release(&ch);
		ks_paths_sort(&changed);
		if (!err)
			err = ks_check_committed(uniq, cli->repo, &changed,
						 &committed, &d);
		ks_paths_release(&changed);
		if (err) {
			err = err == -1 ? -1 : exit_code(err);
			goto out;
		}
	}
	ks_paths_sort(&paths);
	for (j = 0; j < paths.n; j++) {
		err = ks_check_record(cli->repo, paths.v[j], uniq, NULL, &d);
		if (err == -1)
			goto out;
		if (err)
			bad++;
	}
	/* Named records: their unique values against the committed survey. */
	if (argc && ks_unique_probe_head(uniq, cli->repo, &paths, &d) == -1) {
		err = -1;
		goto out;
	}
	if (uniq && ks_unique_report(uniq, &d) < 0) {
		err = -1;
		goto out;
	}
	/* An open conflict is an error at its field until someone settles it. */
	for (j = 0; j < (argc ? paths.n : 1); j++) {
		struct ks_conflict_set cs = { 0 };

		if (ks_conflicts_load(&cs, cli->repo, argc ? paths.v[j] : NULL, &d) == -1 ||
		    ks_conflicts_report(cli->repo, &cs, &d) < 0) {
			ks_conflict_set_release(&cs);
			err = -1;
			goto out;
		}
		ks_conflict_set_release(&cs);
	}
	bad = invalid_records(&d);
	err = bad || d.errors ? EXIT_PROBLEMS : EXIT_OK;
	/* One order whatever the path taken: by file, line and column. */
	ks_diags_sort(&d);
out:
	total = paths.n + committed;
	if (err == -1)
		err = EXIT_INTERNAL;
	if (json) {
		print_diags_json(&d);
	} else {
		print_diags(&d);
		if (stopped)
			fprintf(stderr, "%s\n", stopped);
		else if (total || !d.errors)
			fprintf(stderr, "checked %zu record%s: %zu valid, %zu invalid\n",
				total, total == 1 ? "" : "s",
				total - (bad > total ? total : bad),
				bad > total ? total : bad);
	}
	ks_unique_free(uniq);
	ks_paths_release(&paths);
	ks_diags_release(&d);
	return err;
}
