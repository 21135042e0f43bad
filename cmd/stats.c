/*
 * khaosat stats: how many records of each kind the survey holds, how many
 * are valid or have open conflicts, and how they fall by commune, legal
 * type, trade group, brand kind, OCOP stars, surveyor and device.
 */
#include "cli.h"
#include "buf.h"
#include "diag.h"
#include "repo.h"
#include "stats.h"
#include "text.h"

#include <string.h>

static const struct cmd_info info = {
	"khaosat stats [--json] [KIND]",
	"Count the records of the work tree (of one kind, or of each): valid,\n"
	"invalid, with open conflicts, and by commune, legal type, trade group,\n"
	"brand kind, OCOP stars, surveyor and device (the prefix of the id).\n"
	"Communes and surveyors written two ways (Thủy/Thuỷ) count as one.",
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
		ks_buf_addf(b, "\n  Device (%s, the prefix of the record id)\n",
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
		ks_buf_addf(b, "    %*zu  (not given)\n", (int)wc, f->missing);
}

static void print_text(struct ks_buf *b, const struct ks_stats *s)
{
	size_t i, j;

	for (i = 0; i < s->n; i++) {
		const struct ks_stat_kind *k = &s->v[i];

		ks_buf_addf(b, "%s%s", i ? "\n" : "", k->kind);
		if (k->title)
			ks_buf_addf(b, " (%s)", k->title);
		ks_buf_addf(b, ": %zu record%s\n", k->records,
			    k->records == 1 ? "" : "s");
		ks_buf_addf(b, "  %-20s %zu\n  %-20s %zu\n", "valid", k->valid,
			    "invalid", k->invalid);
		ks_buf_addf(b, "  %-20s %zu (%zu open conflict%s)\n",
			    "with conflicts", k->conflicted, k->conflicts,
			    k->conflicts == 1 ? "" : "s");
		if (!k->records)
			continue;
		for (j = 0; j < k->nfields; j++)
			print_field(b, &k->fields[j]);
	}
}

static void json_field(struct ks_buf *b, const struct ks_stat_field *f)
{
	size_t i;

	ks_json_string(b, f->field);
	ks_buf_puts(b, ":{\"title\":");
	if (f->title)
		ks_json_string(b, f->title);
	else
		ks_buf_puts(b, "null");
	ks_buf_addf(b, ",\"missing\":%zu,\"values\":[", f->missing);
	for (i = 0; i < f->n; i++) {
		ks_buf_puts(b, i ? ",{\"value\":" : "{\"value\":");
		ks_json_string(b, f->v[i].value);
		ks_buf_puts(b, ",\"title\":");
		if (f->v[i].title)
			ks_json_string(b, f->v[i].title);
		else
			ks_buf_puts(b, "null");
		ks_buf_addf(b, ",\"count\":%zu}", f->v[i].count);
	}
	ks_buf_puts(b, "]}");
}

static void print_json(struct ks_buf *b, const struct ks_stats *s)
{
	size_t i, j, t[5] = { 0 };

	ks_buf_puts(b, "{\"kinds\":[");
	for (i = 0; i < s->n; i++) {
		const struct ks_stat_kind *k = &s->v[i];

		ks_buf_puts(b, i ? ",\n {\"kind\":" : "{\"kind\":");
		ks_json_string(b, k->kind);
		ks_buf_puts(b, ",\"title\":");
		if (k->title)
			ks_json_string(b, k->title);
		else
			ks_buf_puts(b, "null");
		ks_buf_addf(b, ",\"records\":%zu,\"valid\":%zu,\"invalid\":%zu,"
			    "\"with_conflicts\":%zu,\"conflicts\":%zu,\"fields\":{",
			    k->records, k->valid, k->invalid, k->conflicted,
			    k->conflicts);
		for (j = 0; j < k->nfields; j++) {
			if (j)
				ks_buf_putc(b, ',');
			json_field(b, &k->fields[j]);
		}
		ks_buf_puts(b, "}}");
		t[0] += k->records;
		t[1] += k->valid;
		t[2] += k->invalid;
		t[3] += k->conflicted;
		t[4] += k->conflicts;
	}
	ks_buf_addf(b, "],\n \"records\":%zu,\"valid\":%zu,\"invalid\":%zu,"
		    "\"with_conflicts\":%zu,\"conflicts\":%zu}\n",
		    t[0], t[1], t[2], t[3], t[4]);
}

int cmd_stats(int argc, char **argv, struct cli *cli)
{
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_stats s = { 0 };
	struct ks_buf out = KS_BUF_INIT;
	int json = 0, err;
	const struct opt opts[] = {
		{ 0, "json", NULL, OPT_FLAG, &json, "print the counts as JSON" },
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
