/*
 * khaosat dupes: pairs of records that likely describe one establishment
 * (or one brand): the same tax code, the same phone, or the same name in
 * the same commune once spelling, marks and legal-form words are set aside.
 */
#include "cli.h"
#include "buf.h"
#include "diag.h"
#include "dupes.h"
#include "repo.h"

#include <string.h>

static const struct cmd_info info = {
	"khaosat dupes [--json] [KIND]",
	"List pairs of records of one kind that likely describe the same thing:\n"
	"the same tax code, the same phone (however written), or the same name\n"
	"in the same commune, ignoring case, marks, tone placement and legal-form\n"
	"words (Cty, Công ty TNHH, HTX, cơ sở...). Each pair once, with its\n"
	"evidence. A value shared by more than 8 records is named, not paired.\n"
	"Exit 1 when any pair is found.",
};

static const char *or_empty(const char *s)
{
	return s ? s : "";
}

static void text_record(struct ks_buf *b, const struct ks_dupe_rec *e)
{
	ks_buf_addf(b, "%s  %s", e->id, e->name ? e->name : "(no name)");
	if (e->commune)
		ks_buf_addf(b, "  (%s)", e->commune);
	ks_buf_putc(b, '\n');
}

static void text_pair(struct ks_buf *b, const struct ks_dupe_index *ix,
		      const struct ks_dupe_pair *p)
{
	const struct ks_dupe_rec *a = &ix->v[p->a];

	text_record(b, a);
	text_record(b, &ix->v[p->b]);
	if (p->why & KS_DUPE_TAX)
		ks_buf_addf(b, "  same tax code %s\n", a->tax);
	if (p->why & KS_DUPE_PHONE)
		ks_buf_addf(b, "  same phone %s\n", a->phone);
	if (p->why & KS_DUPE_NAME) {
		if (p->why & KS_DUPE_SAME_NAME)
			ks_buf_addf(b, "  same name \"%s\"", a->name_exact);
		else
			ks_buf_addf(b, "  similar name \"%s\"", a->name_loose);
		if (*a->scope)
			ks_buf_addf(b, " in the same commune \"%s\"", a->scope);
		ks_buf_putc(b, '\n');
	}
}

static const char *what(unsigned why)
{
	switch (why) {
	case KS_DUPE_TAX:
		return "tax code";
	case KS_DUPE_PHONE:
		return "phone";
	}
	return "name";
}

static void json_record(struct ks_buf *b, const struct ks_dupe_rec *e)
{
	ks_buf_puts(b, "{\"id\":");
	ks_json_string(b, e->id);
	ks_buf_puts(b, ",\"path\":");
	ks_json_string(b, e->path);
	ks_buf_puts(b, ",\"name\":");
	ks_json_string(b, or_empty(e->name));
	ks_buf_puts(b, ",\"commune\":");
	ks_json_string(b, or_empty(e->commune));
	ks_buf_puts(b, "}");
}

static void json_evidence(struct ks_buf *b, const struct ks_dupe_rec *a,
			  unsigned why)
{
	const char *sep = "";

	if (why & KS_DUPE_TAX) {
		ks_buf_puts(b, "{\"what\":\"tax_code\",\"key\":");
		ks_json_string(b, a->tax);
		ks_buf_puts(b, "}");
		sep = ",";
	}
	if (why & KS_DUPE_PHONE) {
		ks_buf_addf(b, "%s{\"what\":\"phone\",\"key\":", sep);
		ks_json_string(b, a->phone);
		ks_buf_puts(b, "}");
		sep = ",";
	}
	if (why & KS_DUPE_NAME) {
		ks_buf_addf(b, "%s{\"what\":\"name\",\"key\":", sep);
		ks_json_string(b, a->name_loose);
		ks_buf_addf(b, ",\"exact\":%s,\"commune\":",
			    why & KS_DUPE_SAME_NAME ? "true" : "false");
		ks_json_string(b, a->scope);
		ks_buf_puts(b, "}");
	}
}

static void print_json(struct ks_buf *b, const struct ks_dupe_index *ix,
		       const struct ks_dupes *p)
{
	size_t i;

	ks_buf_puts(b, "{\"pairs\":[");
	for (i = 0; i < p->n; i++) {
		const struct ks_dupe_rec *a = &ix->v[p->v[i].a];

		ks_buf_puts(b, i ? ",\n {\"kind\":" : "{\"kind\":");
		ks_json_string(b, a->kind);
		ks_buf_puts(b, ",\"records\":[");
		json_record(b, a);
		ks_buf_putc(b, ',');
		json_record(b, &ix->v[p->v[i].b]);
		ks_buf_puts(b, "],\"evidence\":[");
		json_evidence(b, a, p->v[i].why);
		ks_buf_puts(b, "]}");
	}
	ks_buf_puts(b, "],\n \"shared\":[");
	for (i = 0; i < p->nshared; i++) {
		const struct ks_dupe_rec *e = &ix->v[p->shared[i].first];

		ks_buf_addf(b, "%s{\"kind\":", i ? "," : "");
		ks_json_string(b, e->kind);
		ks_buf_addf(b, ",\"what\":\"%s\",\"key\":",
			    p->shared[i].why == KS_DUPE_TAX ? "tax_code" :
			    p->shared[i].why == KS_DUPE_PHONE ? "phone" : "name");
		ks_json_string(b, ks_dupe_key(e, p->shared[i].why));
		ks_buf_puts(b, ",\"commune\":");
		ks_json_string(b, p->shared[i].why == KS_DUPE_NAME ? e->scope : "");
		ks_buf_addf(b, ",\"records\":%zu,\"first\":", p->shared[i].count);
		ks_json_string(b, e->id);
		ks_buf_puts(b, "}");
	}
	ks_buf_addf(b, "],\n \"records\":%zu}\n", ix->n);
}

int cmd_dupes(int argc, char **argv, struct cli *cli)
{
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_dupe_index ix = { 0 };
	struct ks_dupes p = { 0 };
	struct ks_buf out = KS_BUF_INIT;
	int json = 0, err;
	size_t i;
	const struct opt opts[] = {
		{ 0, "json", NULL, OPT_FLAG, &json, "print the pairs as JSON" },
		OPT_END_MARK,
	};

	if ((err = parse_options(&argc, argv, &info, opts)))
		return err;
	if ((err = open_survey_kind(argc, argv, cli, &info, &d)))
		return err;
	err = ks_dupe_index_load(&ix, cli->repo, argc ? argv[0] : NULL, &d);
	if (!err)
		err = ks_dupes_find(&p, &ix);
	if (err) {
		ks_dupe_index_release(&ix);
		return fail(&d, err);
	}
	if (json) {
		print_json(&out, &ix, &p);
	} else {
		for (i = 0; i < p.n; i++) {
			if (i)
				ks_buf_putc(&out, '\n');
			text_pair(&out, &ix, &p.v[i]);
		}
	}
	fputs(out.ptr, stdout);
	print_diags(&d);
	if (!json) {
		for (i = 0; i < p.nshared; i++) {
			const struct ks_dupe_shared *s = &p.shared[i];
			const struct ks_dupe_rec *e = &ix.v[s->first];

			fprintf(stderr, "note: %zu %s records share the %s \"%s\"",
				s->count, e->kind, what(s->why),
				ks_dupe_key(e, s->why));
			if (s->why == KS_DUPE_NAME && *e->scope)
				fprintf(stderr, " in the commune \"%s\"", e->scope);
			fprintf(stderr, " (%s and others): too many to pair\n",
				e->id);
		}
		if (p.n)
			fprintf(stderr, "%zu likely duplicate pair%s among "
				"%zu records\n", p.n, p.n == 1 ? "" : "s", ix.n);
		else
			fprintf(stderr, "no likely duplicates among %zu record%s\n",
				ix.n, ix.n == 1 ? "" : "s");
	}
	err = p.n ? EXIT_PROBLEMS : EXIT_OK;
	ks_buf_release(&out);
	ks_dupes_release(&p);
	ks_dupe_index_release(&ix);
	ks_diags_release(&d);
	return err;
}
