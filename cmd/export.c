/*
 * khaosat export: the survey's records as a spreadsheet, CSV files or
 * JSON, from the work tree or as they were at a commit or on a date.
 */
#include "cli.h"
#include "alloc.h"
#include "intl.h"
#include "diag.h"
#include "export.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>


static const struct cmd_info info = {
	"khaosat export [KIND]... [--format xlsx|csv|json|jsonl|geojson] [-o FILE|DIR]\n"
	"                      [--at REV|DATE] [--where FIELD=VALUE]... [--values] [--files]",
	N_("Export records (of every kind, or of the KINDs named): a spreadsheet\n"
	"(one sheet per kind and per list of objects, and \"Thông tin\"), CSV files\n"
	"in a new folder (one per table), JSON, or GeoJSON (each record with a\n"
	"position, its own or its first photo's, as a point for QGIS or a web\n"
	"map). Every record is exported with its status: ok, invalid (the first\n"
	"error) or conflict (the fields), and the places of its photos and\n"
	"documents (a spreadsheet links to them); --files copies them with the\n"
	"export. Without --at, the work tree, uncommitted changes included (said\n"
	"on standard error and in the export); with --at, the survey as committed."),
};

static int format_of(const char *name, enum ks_export_format *f)
{
	static const char *const names[] = { "xlsx", "csv", "json", "jsonl", "geojson" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(*names); i++)
		if (!strcmp(name, names[i])) {
			*f = (enum ks_export_format)i;
			return 0;
		}
	return -1;
}

/* The format an output file's name implies, when --format is not given. */
static int guess_format(const char *output, enum ks_export_format *f)
{
	const char *dot = output ? strrchr(output, '.') : NULL;

	if (!dot || strchr(dot, '/'))
		return -1;
	return format_of(dot + 1, f);
}

static int check_output(const char *output, enum ks_export_format f)
{
	int to_stdout = !output || !strcmp(output, "-");

	if (f == KS_EXPORT_XLSX && to_stdout)
		return usage_error(&info, "xlsx needs a file: -o FILE.xlsx");
	if (f == KS_EXPORT_CSV && to_stdout)
		return usage_error(&info, "csv needs a new or empty folder: -o DIR");
	return 0;
}

static void summary(const struct ks_export_stats *st, const char *output)
{
	/*
	 * TRANSLATORS: the parts of one line: "exported 42 records (3 invalid,
	 * 1 with open conflicts); 5 left out by --where to out.xlsx".
	 */
	fprintf(stderr, Q_("exported %zu record", "exported %zu records",
			   st->records), st->records);
	if (st->invalid || st->conflicted)
		fprintf(stderr, _(" (%zu invalid, %zu with open conflicts)"),
			st->invalid, st->conflicted);
	if (st->filtered)
		fprintf(stderr, _("; %zu left out by --where"), st->filtered);
	if (output && strcmp(output, "-"))
		fprintf(stderr, _(" to %s"), output);
	fprintf(stderr, "\n");
	if (st->files)
		fprintf(stderr, Q_("copied %zu attached file (%llu kB) with it\n",
				   "copied %zu attached files (%llu kB) with it\n",
				   st->files), st->files,
			(st->file_bytes + 999) / 1000);
}

int cmd_export(int argc, char **argv, struct cli *cli)
{
	const char *format = NULL, *output = NULL, *at = NULL;
	struct strlist where = { 0 };
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_export_opts o = { 0 };
	struct ks_export *x = NULL;
	const struct ks_export_stats *st;
	int values = 0, files = 0, err, i;
	char *trimmed = NULL;
	const struct opt opts[] = {
		{ 0, "format", "FORMAT", OPT_STRING, &format,
		  N_("xlsx, csv (a folder of files), json, jsonl or geojson; default: from -o's extension") },
		{ 'o', "output", "FILE", OPT_STRING, &output,
		  N_("write here (a new or empty folder for csv; json goes to standard output without it)") },
		{ 0, "at", "REV|DATE", OPT_STRING, &at,
		  N_("the survey as committed at REV or on DATE (YYYY-MM-DD[ HH:MM])") },
		{ 0, "where", "FIELD=VALUE", OPT_LIST, &where,
		  N_("only records whose FIELD (a dotted path) holds VALUE or its label; repeatable, all must hold") },
		{ 0, "values", NULL, OPT_FLAG, &values,
		  N_("show enum values as stored, not their labels") },
		{ 0, "files", NULL, OPT_FLAG, &files,
		  N_("copy the records' photos and documents with the export (into the csv folder, or a folder NAME_files beside NAME.xlsx)") },
		OPT_END_MARK,
	};

	err = parse_options(&argc, argv, &info, opts);
	if (err)
		goto out;
	if (format && format_of(format, &o.format) < 0) {
		err = usage_error(&info, "unknown format \"%s\": use xlsx, csv, json, jsonl or geojson",
				  format);
		goto out;
	}
	if (!format && guess_format(output, &o.format) < 0) {
		err = usage_error(&info, "give --format xlsx, csv, json, jsonl or geojson");
		goto out;
	}
	if ((err = check_output(output, o.format)))
		goto out;
	if ((err = open_survey(cli, &d)) ||
	    (err = ks_export_open(&x, cli->repo, at, &d))) {
		err = fail(&d, err);
		goto out;
	}
	for (i = 0; i < argc && !err; i++)
		err = ks_export_select(x, argv[i], &d);
	for (i = 0; i < where.n && !err; i++)
		err = ks_export_where(x, where.v[i], &d);
	if (err == -1) {
		err = fail(&d, err);
		goto out;
	}
	if (err) {
		/* An unknown kind or field is a mistake on the command line. */
		print_diags(&d);
		err = EXIT_USAGE;
		goto out;
	}
	st = ks_export_stats(x);
	if (st->worktree && st->uncommitted)
		fprintf(stderr, Q_("note: the export includes %zu uncommitted change (not in commit %.10s)\n",
				   "note: the export includes %zu uncommitted changes (not in commit %.10s)\n",
				   st->uncommitted),
			st->uncommitted, st->commit);
	/* "out/", as a folder is often typed, names the folder "out" */
	if (output && strlen(output) > 1 && output[strlen(output) - 1] == '/') {
		size_t n = strlen(output);

		while (n > 1 && output[n - 1] == '/')
			n--;
		if (!(trimmed = ks_strndup(output, n))) {
			err = fail(&d, -1);
			goto out;
		}
		output = trimmed;
	}
	o.output = output;
	o.out = stdout;
	o.values = values;
	o.files = files;
	o.now = time(NULL);
	o.version = KS_VERSION;
	err = ks_export_write(x, &o, &d);
	if (err) {
		err = fail(&d, err);
		goto out;
	}
	print_diags(&d);
	summary(st, output);
	err = EXIT_OK;
out:
	ks_diags_release(&d);
	ks_export_free(x);
	free(where.v);
	ks_free(trimmed);
	return err;
}
