/*
 * khaosat fmt: rewrite records in the canonical form (schema key order,
 * two-space indent, NFC, quoted where a plain reader would see another
 * type), or with --check only report the ones that are not.
 */
#include "cli.h"
#include "intl.h"
#include "alloc.h"
#include "buf.h"
#include "check.h"
#include "diag.h"
#include "file.h"
#include "record.h"
#include "repo.h"

#include <string.h>

static const struct cmd_info info = {
	"khaosat fmt [--check] [ID|PATH]...",
	N_("Rewrite records (all, or the ones named) in canonical form. With\n"
	"--check, change nothing and exit 1 if any record is not canonical."),
};

/* Formats one record; 1 when it was (or would be) changed. */
static int fmt_one(struct ks_repo *r, const char *rel, int check_only,
		   struct ks_diags *d)
{
	struct ks_buf old = KS_BUF_INIT, out = KS_BUF_INIT;
	struct ks_doc *doc = NULL;
	char *abs = ks_repo_path(r, rel), *kind = NULL, *id = NULL;
	int err;

	if (!abs)
		return -1;
	err = ks_doc_load(&doc, abs, rel, KS_PARSE_RECORD, d);
	if (err)
		goto out;
	if (ks_record_path_parse(rel, &kind, &id) < 0) {
		err = ks_error(d, KS_EINVALID, rel, 0, 0,
			       "not where a record belongs: records are named records/<kind>/<device>/<NNN>/<id>.yaml");
		goto out;
	}
	if (ks_buf_read_file(&old, abs, 0) < 0 ||
	    ks_record_format(&out, r, kind, ks_doc_root(doc)) < 0) {
		err = -1;
		goto out;
	}
	if (old.len == out.len && !memcmp(old.ptr, out.ptr, old.len))
		goto out;
	if (check_only) {
		ks_diags_add(d, KS_SEV_ERROR, rel, 0, 0, NULL, "fmt",
			     "not in canonical form; run 'khaosat fmt %s'", id);
		err = 1;
		goto out;
	}
	err = ks_file_put_text(abs, &out, KS_FILE_DURABLE, d);
	if (!err) {
		printf(_("formatted %s\n"), rel);
		err = 1;
	}
out:
	ks_free(abs);
	ks_free(kind);
	ks_free(id);
	ks_doc_free(doc);
	ks_buf_release(&old);
	ks_buf_release(&out);
	return err;
}

int cmd_fmt(int argc, char **argv, struct cli *cli)
{
	int check_only = 0, err, i, bad = 0, changed = 0;
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_paths paths = { 0 };
	size_t j;
	const struct opt opts[] = {
		{ 0, "check", NULL, OPT_FLAG, &check_only,
		  N_("change nothing; exit 1 if a record is not in canonical form") },
		OPT_END_MARK,
	};

	if ((err = parse_options(&argc, argv, &info, opts)))
		return err;
	if ((err = open_survey(cli, &d)))
		return fail(&d, err);
	/* Key order comes from the schemas: never format without them. */
	for (j = 0; j < ks_repo_kind_count(cli->repo); j++) {
		struct ks_schema *s;

		bad |= ks_repo_schema(&s, cli->repo, ks_repo_kind(cli->repo, j), &d) != 0;
	}
	if (bad) {
		print_diags(&d);
		fputs(_("no record was formatted: fix the schema first\n"), stderr);
		ks_diags_release(&d);
		return EXIT_PROBLEMS;
	}
	for (i = 0; i < argc; i++) {
		char *rel = NULL;

		if (ks_resolve_record(&rel, cli->repo, argv[i], cli->cwd, &d))
			bad++;
		else if (ks_paths_add(&paths, rel) < 0)
			bad++;
		ks_free(rel);
	}
	if (!argc && ks_list_records(&paths, cli->repo, &d) < 0)
		bad++;
	for (j = 0; j < paths.n; j++) {
		err = fmt_one(cli->repo, paths.v[j], check_only, &d);
		if (err == 1)
			changed++;
		else if (err)
			bad++;
	}
	print_diags(&d);
	if (check_only && changed)
		fprintf(stderr, _("%d of %zu records not in canonical form\n"),
			changed, paths.n);
	ks_paths_release(&paths);
	ks_diags_release(&d);
	return bad || (check_only && changed) ? EXIT_PROBLEMS : EXIT_OK;
}
