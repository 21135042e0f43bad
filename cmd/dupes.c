/*
 * khaosat dupes: pairs of records that likely describe one establishment
 * (or one brand): the same tax code, the same phone, or the same name in
 * the same commune once spelling, marks and legal-form words are set aside.
 */
#include "cli.h"
#include "buf.h"
#include "diag.h"
#include "intl.h"
#include "dupes.h"
#include "json.h"
#include "repo.h"
#include "rindex.h"

#include <string.h>

static const struct cmd_info info = {
	"khaosat dupes [--json] [KIND]",
	N_("List pairs of records of one kind that likely describe the same thing:\n"
	"the same tax code, the same phone (however written), or the same name\n"
	"in the same commune, ignoring case, marks, tone placement and legal-form\n"
	"words (Cty, Công ty TNHH, HTX, cơ sở...). Each pair once, with its\n"
	"evidence. A value shared by more than 8 records is named, not paired.\n"
	"Exit 1 when any pair is found."),
};

static const char *or_empty(const char *s)
{
	return s ? s : "";
}

/* Two lines a pair, 300,000 at 100,000 records: no format parsed. */
static void text_record(struct ks_buf *b, const struct ks_dupe_rec *e)
{
	ks_buf_puts(b, e->id);
	ks_buf_puts(b, "  ");
	ks_buf_puts(b, e->name ? e->name : "(no name)");
	if (e->commune) {
		ks_buf_puts(b, "  (");
		ks_buf_puts(b, e->commune);
		ks_buf_putc(b, ')');
	}
	ks_buf_putc(b, '\n');
}

/*
 * A pair's words, looked up in the catalogue once: at 100,000 records a
 * survey can have 148,000 pairs, and a lookup costs more than the line.
 */
struct pair_words {
	const char *tax, *phone, *same, *similar, *commune, *settle;
};

static const struct pair_words *pair_words(void)
{
	static struct pair_words w;

	if (!w.tax) {
		w.phone = _("  same phone %s\n");
		w.same = _("  same name \"%s\"");
		w.similar = _("  similar name \"%s\"");
		w.commune = _(" in the same commune \"%s\"");
		/* What settles it, when the two are one. */
		w.settle = _("  if they are one: khaosat delete %s -m \"same as %s\"\n");
		w.tax = _("  same tax code %s\n");
	}
	return &w;
}

static void text_pair(struct ks_buf *b, const struct ks_dupe_index *ix,
		      const struct ks_dupe_pair *p)
{
	const struct ks_dupe_rec *a = &ix->v[p->a];
	const struct pair_words *w = pair_words();

	text_record(b, a);
	text_record(b, &ix->v[p->b]);
	if (p->why & KS_DUPE_TAX)
		ks_buf_addf(b, w->tax, a->tax);
	if (p->why & KS_DUPE_PHONE)
		ks_buf_addf(b, w->phone, a->phone);
	if (p->why & KS_DUPE_NAME) {
		ks_buf_addf(b, p->why & KS_DUPE_SAME_NAME ? w->same : w->similar,
			    p->why & KS_DUPE_SAME_NAME ? a->name_exact : a->name_loose);
		if (*a->scope)
			ks_buf_addf(b, w->commune, a->scope);
		ks_buf_putc(b, '\n');
	}
	ks_buf_addf(b, w->settle, ix->v[p->b].id, a->id);
}

/* What the records share, as a person reads it. */
static const char *what_label(unsigned why)
{
	switch (why) {
	case KS_DUPE_TAX:
		return C_("shared", "tax code");
	case KS_DUPE_PHONE:
		return C_("shared", "phone");
	}
	return C_("shared", "name");
}

static void json_record(struct ks_json *j, const struct ks_dupe_rec *e)
{
	ks_json_begin_object(j);
	ks_json_field_str(j, "id", e->id);
	ks_json_field_str(j, "path", e->path);
	ks_json_field_str(j, "name", or_empty(e->name));
	ks_json_field_str(j, "commune", or_empty(e->commune));
	ks_json_end_object(j);
}

/* What the records share, as the key of each kind of evidence. */
static void json_evidence(struct ks_json *j, const struct ks_dupe_rec *a,
			  unsigned why)
{
	ks_json_key(j, "evidence");
	ks_json_begin_array(j);
	if (why & KS_DUPE_TAX) {
		ks_json_begin_object(j);
		ks_json_field_str(j, "what", "tax_code");
		ks_json_field_str(j, "key", a->tax);
		ks_json_end_object(j);
	}
	if (why & KS_DUPE_PHONE) {
		ks_json_begin_object(j);
		ks_json_field_str(j, "what", "phone");
		ks_json_field_str(j, "key", a->phone);
		ks_json_end_object(j);
	}
	if (why & KS_DUPE_NAME) {
		ks_json_begin_object(j);
		ks_json_field_str(j, "what", "name");
		ks_json_field_str(j, "key", a->name_loose);
		ks_json_field_bool(j, "exact", why & KS_DUPE_SAME_NAME);
		ks_json_field_str(j, "commune", a->scope);
		ks_json_end_object(j);
	}
	ks_json_end_array(j);
}

static void json_pairs(struct ks_json *j, const struct ks_dupe_index *ix,
		       const struct ks_dupes *p)
{
	size_t i;

	ks_json_key(j, "pairs");
	ks_json_begin_lines(j);
	for (i = 0; i < p->n; i++) {
		const struct ks_dupe_rec *a = &ix->v[p->v[i].a];

		ks_json_begin_object(j);
		ks_json_field_str(j, "kind", a->kind);
		ks_json_key(j, "records");
		ks_json_begin_array(j);
		json_record(j, a);
		json_record(j, &ix->v[p->v[i].b]);
		ks_json_end_array(j);
		json_evidence(j, a, p->v[i].why);
		ks_json_end_object(j);
	}
	ks_json_end_array(j);
}

/* The values too many records share to be paired. */
static void json_shared(struct ks_json *j, const struct ks_dupe_index *ix,
			const struct ks_dupes *p)
{
	size_t i;

	ks_json_key(j, "shared");
	ks_json_begin_array(j);
	for (i = 0; i < p->nshared; i++) {
		const struct ks_dupe_shared *s = &p->shared[i];
		const struct ks_dupe_rec *e = &ix->v[s->first];

		ks_json_begin_object(j);
		ks_json_field_str(j, "kind", e->kind);
		ks_json_field_str(j, "what", s->why == KS_DUPE_TAX ? "tax_code" :
				  s->why == KS_DUPE_PHONE ? "phone" : "name");
		ks_json_field_str(j, "key", ks_dupe_key(e, s->why));
		ks_json_field_str(j, "commune",
				  s->why == KS_DUPE_NAME ? e->scope : "");
		ks_json_field_uint(j, "records", s->count);
		ks_json_field_str(j, "first", e->id);
		ks_json_end_object(j);
	}
	ks_json_end_array(j);
}

static void print_json(struct ks_buf *b, const struct ks_dupe_index *ix,
		       const struct ks_dupes *p)
{
	struct ks_json j;

	ks_json_init(&j, b);
	ks_json_begin_object(&j);
	json_pairs(&j, ix, p);
	ks_json_newline(&j);
	json_shared(&j, ix, p);
	ks_json_newline(&j);
	ks_json_field_uint(&j, "records", ix->n);
	ks_json_end_object(&j);
	ks_buf_putc(b, '\n');
}

static void print_text(struct ks_buf *b, const struct ks_dupe_index *ix,
		       const struct ks_dupes *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		if (i)
			ks_buf_putc(b, '\n');
		text_pair(b, ix, &p->v[i]);
	}
}

/* On standard error, for people: the values shared, and the count. */
static void text_summary(const struct ks_dupe_index *ix, const struct ks_dupes *p)
{
	size_t i;

	for (i = 0; i < p->nshared; i++) {
		const struct ks_dupe_shared *s = &p->shared[i];
		const struct ks_dupe_rec *e = &ix->v[s->first];

		fprintf(stderr, _("note: %zu %s records share the %s \"%s\""),
			s->count, e->kind, what_label(s->why), ks_dupe_key(e, s->why));
		if (s->why == KS_DUPE_NAME && *e->scope)
			fprintf(stderr, _(" in the commune \"%s\""), e->scope);
		fprintf(stderr, _(" (%s and others): too many to pair\n"), e->id);
	}
	if (p->n)
		fprintf(stderr, Q_("%zu likely duplicate pair among %zu records\n",
				   "%zu likely duplicate pairs among %zu records\n", p->n),
			p->n, ix->n);
	else
		fprintf(stderr, Q_("no likely duplicates among %zu record\n",
				   "no likely duplicates among %zu records\n", ix->n),
			ix->n);
}

int cmd_dupes(int argc, char **argv, struct cli *cli)
{
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_dupe_index ix = { 0 };
	struct ks_dupes p = { 0 };
	struct ks_buf out = KS_BUF_INIT;
	int json = 0, err;
	const struct opt opts[] = {
		{ 0, "json", NULL, OPT_FLAG, &json, N_("print the pairs as JSON") },
		OPT_END_MARK,
	};

	if ((err = parse_options(&argc, argv, &info, opts)))
		return err;
	if ((err = open_survey_kind(argc, argv, cli, &info, &d)))
		return err;
	err = ks_rindex_dupe_load(&ix, cli->repo, argc ? argv[0] : NULL, 0, &d);
	if (!err)
		err = ks_dupes_find(&p, &ix);
	if (err) {
		ks_dupe_index_release(&ix);
		return fail(&d, err);
	}
	if (json)
		print_json(&out, &ix, &p);
	else
		print_text(&out, &ix, &p);
	if (put_output(&out) < 0)
		err = EXIT_INTERNAL;
	else
		err = p.n ? EXIT_PROBLEMS : EXIT_OK;
	print_diags(&d);
	if (!json && err != EXIT_INTERNAL)
		text_summary(&ix, &p);
	ks_buf_release(&out);
	ks_dupes_release(&p);
	ks_dupe_index_release(&ix);
	ks_diags_release(&d);
	return err;
}
