/*
 * khaosat find: records whose name or address holds every word of a query,
 * however either is written (marks, case, tone placement, đ/d, legal-form
 * words): "my dong thanh phuong" finds "Công ty TNHH Cơ khí đúc Thành
 * Phương" in Mỹ Đồng.
 */
#include "cli.h"
#include "intl.h"
#include "alloc.h"
#include "buf.h"
#include "diag.h"
#include "dupes.h"
#include "json.h"
#include "repo.h"
#include "rindex.h"

#include <string.h>

static const struct cmd_info info = {
	"khaosat find [--json] WORD...",
	N_("List the records whose name or address (street, village, commune,\n"
	"address as written) has a word starting with each WORD, ignoring case,\n"
	"marks and legal-form words, or typed in Telex; or whose phone number,\n"
	"tax code or id the words are, written any way: id, name and commune,\n"
	"one per line. Exit 1 when nothing matches."),
};

static void print_text(struct ks_buf *b, const struct ks_dupe_index *ix,
		       const size_t *hits, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct ks_dupe_rec *e = &ix->v[hits[i]];

		ks_buf_addf(b, "%s  %s", e->id, e->name ? e->name : _("(no name)"));
		if (e->commune)
			ks_buf_addf(b, "  %s", e->commune);
		ks_buf_putc(b, '\n');
	}
}

static void print_json(struct ks_buf *b, const struct ks_dupe_index *ix,
		       const size_t *hits, size_t n)
{
	struct ks_json j;
	size_t i;

	ks_json_init(&j, b);
	ks_json_begin_lines(&j);
	for (i = 0; i < n; i++) {
		const struct ks_dupe_rec *e = &ix->v[hits[i]];

		ks_json_begin_object(&j);
		ks_json_field_str(&j, "id", e->id);
		ks_json_field_str(&j, "kind", e->kind);
		ks_json_field_str(&j, "path", e->path);
		ks_json_field_str(&j, "name", e->name ? e->name : "");
		ks_json_field_str(&j, "commune", e->commune ? e->commune : "");
		ks_json_end_object(&j);
	}
	ks_json_end_array(&j);
	ks_buf_putc(b, '\n');
}

int cmd_find(int argc, char **argv, struct cli *cli)
{
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_dupe_index ix = { 0 };
	struct ks_buf query = KS_BUF_INIT, out = KS_BUF_INIT;
	size_t *hits = NULL, n = 0;
	int json = 0, err, i;
	const struct opt opts[] = {
		{ 0, "json", NULL, OPT_FLAG, &json, N_("print the records as JSON") },
		OPT_END_MARK,
	};

	if ((err = parse_options(&argc, argv, &info, opts)))
		return err;
	if (!argc)
		return usage_error(&info, "give words to search for");
	for (i = 0; i < argc; i++)
		ks_buf_addf(&query, "%s%s", i ? " " : "", argv[i]);
	/* A query cut short would find what was not asked for. */
	if (ks_buf_failed(&query) || (err = open_survey(cli, &d))) {
		ks_buf_release(&query);
		return fail(&d, err ? err : -1);
	}
	err = ks_rindex_dupe_load(&ix, cli->repo, NULL, KS_RINDEX_WORDS, &d);
	if (!err)
		err = ks_dupe_search(&hits, &n, &ix, query.ptr, &d);
	if (err == KS_EINVALID) {
		/* Nothing to search for: the command line is at fault. */
		print_diags(&d);
		fprintf(stderr, "usage: %s\n", info.usage);
		err = EXIT_USAGE;
		goto out;
	}
	if (err) {
		err = fail(&d, err);
		goto out;
	}
	if (json)
		print_json(&out, &ix, hits, n);
	else
		print_text(&out, &ix, hits, n);
	err = put_output(&out) < 0 ? EXIT_INTERNAL : n ? EXIT_OK : EXIT_PROBLEMS;
	print_diags(&d);
	if (!n && !json)
		fprintf(stderr, _("no record matches \"%s\"\n"), query.ptr);
out:
	ks_free(hits);
	ks_buf_release(&out);
	ks_buf_release(&query);
	ks_dupe_index_release(&ix);
	ks_diags_release(&d);
	return err;
}
