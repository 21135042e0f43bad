/*
 * khaosat stats: how many records of each kind the survey holds, how many
 * are valid or have open conflicts, and how they fall by commune, legal
 * type, trade group, brand kind, OCOP stars, surveyor and device.
 */
#include "cli.h"
#include "intl.h"
#include "buf.h"
#include "diag.h"
#include "json.h"
#include "repo.h"
#include "stats.h"
#include "text.h"

#include <string.h>

static const struct cmd_info info = {
	"khaosat stats [--json] [KIND]",
	N_("Count the records of the work tree (of one kind, or of each): valid,\n"
	"invalid, with open conflicts, and by commune, legal type, trade group,\n"
	"brand kind, OCOP stars, surveyor and device (the prefix of the id).\n"
	"Communes and surveyors written two ways (Thủy/Thuỷ) count as one."),
};

static size_t width(const char *s)
{
	return ks_utf8_count(s, strlen(s));
}

static void pad(struct ks_buf *b, const char *s, size_t w)
{
	size_t n = width(s);

	ks_buf_puts(b, s);
	while (n++ < w)
		ks_buf_putc(b, ' ');
}

static const char *label(const struct ks_stat_value *v)
{
	return v->title ? v->title : v->value;
}

static void print_field(struct ks_buf *b, const struct ks_stat_field *f)
{
	size_t i, wl = 11, wc = 1;	/* "(not given)" */
	char num[32];

	for (i = 0; i < f->n; i++) {
		if (width(label(&f->v[i])) > wl)
			wl = width(label(&f->v[i]));
		if ((size_t)snprintf(num, sizeof(num), "%zu", f->v[i].count) > wc)
			wc = strlen(num);
	}
	if ((size_t)snprintf(num, sizeof(num), "%zu", f->missing) > wc)
		wc = strlen(num);
	if (f->title)
		ks_buf_addf(b, "\n  %s (%s)\n", f->title, f->field);
	else
		ks_buf_addf(b, _("\n  Device (%s, the prefix of the record id)\n"),
			    f->field);
	for (i = 0; i < f->n; i++) {
		ks_buf_addf(b, "    %*zu  ", (int)wc, f->v[i].count);
		if (f->v[i].title) {
			pad(b, f->v[i].title, wl);
			ks_buf_addf(b, "  %s", f->v[i].value);
		} else {
			ks_buf_puts(b, f->v[i].value);
		}
		ks_buf_putc(b, '\n');
	}
	if (f->missing)
		ks_buf_addf(b, "    %*zu  %s\n", (int)wc, f->missing, _("(not given)"));
}

static void print_text(struct ks_buf *b, const struct ks_stats *s)
{
	size_t i, j;

	for (i = 0; i < s->n; i++) {
		const struct ks_stat_kind *k = &s->v[i];

		ks_buf_addf(b, "%s%s", i ? "\n" : "", k->kind);
		if (k->title)
			ks_buf_addf(b, " (%s)", k->title);
		ks_buf_addf(b, Q_(": %zu record\n", ": %zu records\n", k->records),
			    k->records);
		ks_buf_puts(b, "  ");
		pad(b, C_("stats", "valid"), 20);
		ks_buf_addf(b, " %zu\n  ", k->valid);
		pad(b, C_("stats", "invalid"), 20);
		ks_buf_addf(b, " %zu\n  ", k->invalid);
		pad(b, C_("stats", "with conflicts"), 20);
		ks_buf_addf(b, Q_(" %zu (%zu open conflict)\n",
				  " %zu (%zu open conflicts)\n", k->conflicts),
			    k->conflicted, k->conflicts);
		if (!k->records)
			continue;
		for (j = 0; j < k->nfields; j++)
			print_field(b, &k->fields[j]);
	}
}

static void json_field(struct ks_json *j, const struct ks_stat_field *f)
{
	size_t i;

	ks_json_key(j, f->field);
	ks_json_begin_object(j);
	ks_json_field_str(j, "title", f->title);
	ks_json_field_uint(j, "missing", f->missing);
	ks_json_key(j, "values");
	ks_json_begin_array(j);
	for (i = 0; i < f->n; i++) {
		ks_json_begin_object(j);
		ks_json_field_str(j, "value", f->v[i].value);
		ks_json_field_str(j, "title", f->v[i].title);
		ks_json_field_uint(j, "count", f->v[i].count);
		ks_json_end_object(j);
	}
	ks_json_end_array(j);
	ks_json_end_object(j);
}

/* The counts of a kind, or of every kind together (t[0..4]). */
static void json_counts(struct ks_json *j, const size_t *t)
{
	ks_json_field_uint(j, "records", t[0]);
	ks_json_field_uint(j, "valid", t[1]);
	ks_json_field_uint(j, "invalid", t[2]);
	ks_json_field_uint(j, "with_conflicts", t[3]);
	ks_json_field_uint(j, "conflicts", t[4]);
}

static void print_json(struct ks_buf *b, const struct ks_stats *s)
{
	struct ks_json j;
	size_t i, n, total[5] = { 0 };

	ks_json_init(&j, b);
	ks_json_begin_object(&j);
	ks_json_key(&j, "kinds");
	ks_json_begin_lines(&j);
	for (i = 0; i < s->n; i++) {
		const struct ks_stat_kind *k = &s->v[i];
		size_t t[5] = { k->records, k->valid, k->invalid,
				k->conflicted, k->conflicts };

		ks_json_begin_object(&j);
		ks_json_field_str(&j, "kind", k->kind);
		ks_json_field_str(&j, "title", k->title);
		json_counts(&j, t);
		ks_json_key(&j, "fields");
		ks_json_begin_object(&j);
		for (n = 0; n < k->nfields; n++)
			json_field(&j, &k->fields[n]);
		ks_json_end_object(&j);
		ks_json_end_object(&j);
		for (n = 0; n < 5; n++)
			total[n] += t[n];
	}
	ks_json_end_array(&j);
	ks_json_newline(&j);
	json_counts(&j, total);
	ks_json_end_object(&j);
	ks_buf_putc(b, '\n');
}

int cmd_stats(int argc, char **argv, struct cli *cli)
{
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_stats s = { 0 };
	struct ks_buf out = KS_BUF_INIT;
	int json = 0, err;
	const struct opt opts[] = {
		{ 0, "json", NULL, OPT_FLAG, &json, N_("print the counts as JSON") },
		OPT_END_MARK,
	};

	if ((err = parse_options(&argc, argv, &info, opts)))
		return err;
	if ((err = open_survey_kind(argc, argv, cli, &info, &d)))
		return err;
	err = ks_stats_collect(&s, cli->repo, argc ? argv[0] : NULL, &d);
	if (err)
		return fail(&d, err);
	if (json)
		print_json(&out, &s);
	else
		print_text(&out, &s);
	err = put_output(&out) < 0 ? EXIT_INTERNAL : EXIT_OK;
	print_diags(&d);
	ks_buf_release(&out);
	ks_stats_release(&s);
	ks_diags_release(&d);
	return err;
}
