/*
 * khaosat check: validate records of the survey (all, or the ones named), or
 * any YAML/JSON files against a schema file with --schema.
 */
#include "cli.h"
#include "intl.h"
#include "alloc.h"
#include "buf.h"
#include "check.h"
#include "checkall.h"
#include "diag.h"
#include "record.h"
#include "repo.h"
#include "pool.h"
#include "schema.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const struct cmd_info info = {
	"khaosat check [--json] [--strict] [ID|PATH]...\n"
	"   or: khaosat check --schema SCHEMA [--json] FILE|DIR...",
	N_("Validate records: each file's YAML, its place and id, its schema, its\n"
	"references to other records and, when the whole survey is checked,\n"
	"values that must be unique. Errors name the file, line and column.\n"
	"Exit 1 when anything is invalid."),
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

/*
 * One file of a check --schema: read and validated by a pool thread
 * (the compiled schema is shared, and never changed), its diagnostics
 * kept apart until the files before it have theirs.
 */
struct file_job {
	const char *path;
	struct ks_diags d;
	int err;
};

static void check_file(void *item, void *ctx)
{
	struct file_job *j = item;
	struct ks_validate_opts vo = { 0 };
	struct ks_doc *doc = NULL;
	size_t n = strlen(j->path);

	ks_diags_init(&j->d);
	vo.flags = n > 5 && !strcmp(j->path + n - 5, ".json")
		? KS_VALIDATE_JSON : 0;
	j->err = ks_doc_load(&doc, j->path, j->path, 0, &j->d);
	if (!j->err)
		j->err = ks_schema_validate(ctx, ks_doc_root(doc), j->path,
					    &vo, &j->d);
	ks_doc_free(doc);
}

/* The oldest file's result into `d`; 1 when it was invalid. */
static int file_done(struct ks_pool *pool, struct ks_diags *d)
{
	struct file_job *j = ks_pool_take(pool);
	int bad = j->err != 0;

	ks_diags_move(d, &j->d);	/* which releases j->d */
	ks_pool_drop(pool);
	return bad;
}

static int check_files(const char *schema_path, int argc, char **argv,
		       int json, unsigned flags)
{
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_schema *s = NULL;
	struct ks_paths files = { 0 };
	struct ks_pool *pool;
	struct file_job *j;
	size_t i, bad = 0;
	int err, i2;

	err = ks_schema_load(&s, schema_path, schema_path, flags, &d);
	if (!err && !(pool = ks_pool_new(sizeof(*j), 0, check_file, s))) {
		fputs(_("error: out of memory\n"), stderr);
		err = -1;
	}
	if (err) {
		int lost = json ? print_diags_json(&d) : (print_diags(&d), 0);

		ks_diags_release(&d);
		ks_schema_free(s);
		if (lost)
			return EXIT_INTERNAL;
		return err == KS_ENOTFOUND || err == KS_EINVALID ? EXIT_PROBLEMS
							       : exit_code(err);
	}
	for (i2 = 0; i2 < argc; i2++)
		collect(&files, argv[i2], 1);
	for (i = 0; i < files.n; i++) {
		while (!(j = ks_pool_slot(pool)))
			bad += file_done(pool, &d);
		j->path = files.v[i];
		ks_pool_put(pool);
	}
	while (ks_pool_take(pool))
		bad += file_done(pool, &d);
	ks_pool_free(pool);
	err = bad || d.errors ? EXIT_PROBLEMS : EXIT_OK;
	if (json && print_diags_json(&d) < 0) {
		err = EXIT_INTERNAL;
	} else if (!json) {
		print_diags(&d);
		fprintf(stderr, Q_("checked %zu file: %zu valid, %zu invalid\n",
				   "checked %zu files: %zu valid, %zu invalid\n",
				   files.n),
			files.n, files.n - bad, bad);
	}
	ks_paths_release(&files);
	ks_schema_free(s);
	ks_diags_release(&d);
	return err;
}

int cmd_check(int argc, char **argv, struct cli *cli)
{
	const char *schema = NULL;
	int json = 0, strict = 0, err;
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_check_totals t = { 0 };
	struct ks_check_opts o = { NULL, 0, NULL, NULL };
	size_t bad;
	const struct opt opts[] = {
		{ 0, "schema", "SCHEMA", OPT_STRING, &schema,
		  N_("validate FILEs or DIRs against this schema file (no survey needed)") },
		{ 0, "json", NULL, OPT_FLAG, &json,
		  N_("print the errors as JSON (path, line, column, pointer, keyword, message)") },
		{ 0, "strict", NULL, OPT_FLAG, &strict,
		  N_("treat unknown schema keywords as errors") },
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
	} else {
		ks_repo_set_schema_flags(cli->repo, strict ? KS_SCHEMA_STRICT : 0);
		o.names = argv;
		o.nnames = (size_t)argc;
		o.cwd = cli->cwd;
		err = ks_check_survey(&t, cli->repo, &o, &d);
		err = err == -1 ? EXIT_INTERNAL
			: err ? exit_code(err)
			: t.schemas_bad || t.invalid || d.errors ? EXIT_PROBLEMS
			: EXIT_OK;
	}
	bad = t.invalid > t.records ? t.records : t.invalid;
	if (json && print_diags_json(&d) < 0) {
		err = EXIT_INTERNAL;
	} else if (!json) {
		print_diags(&d);
		if (err == EXIT_INTERNAL && !d.n)
			fputs(_("error: out of memory\n"), stderr);
		else if (t.schemas_bad)
			fputs(_("no record was checked: fix the schema first\n"),
			      stderr);
		else if (t.records || !d.errors)
			fprintf(stderr, Q_("checked %zu record: %zu valid, %zu invalid\n",
					   "checked %zu records: %zu valid, %zu invalid\n",
					   t.records),
				t.records, t.records - bad, bad);
	}
	ks_diags_release(&d);
	return err;
}
