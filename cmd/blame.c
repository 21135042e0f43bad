/*
 * khaosat blame: a record as committed, each field with who last set it,
 * when and on which device (seen through merges, as history is).
 */
#include "cli.h"
#include "intl.h"
#include "alloc.h"
#include "buf.h"
#include "commit.h"
#include "diag.h"
#include "history.h"
#include "json.h"
#include "labels.h"
#include "record.h"
#include "rev.h"
#include "text.h"

#include <string.h>

static const struct cmd_info info = {
	"khaosat blame [--yaml|--json] ID[@REV]",
	N_("Print a record as committed (at REV or DATE when given), each field\n"
	"by its title and each choice by its label, with the commit that set its\n"
	"value: date, surveyor and device. Values carried by merges are shown\n"
	"with the commit that first wrote them."),
};

/* Pads `s` with spaces to `width` characters (not bytes). */
static void pad(struct ks_buf *b, const char *s, size_t width)
{
	size_t n = ks_utf8_count(s, strlen(s));

	ks_buf_puts(b, s);
	while (n++ < width)
		ks_buf_putc(b, ' ');
}

static size_t who_width(const struct ks_blame *bl)
{
	size_t i, who_w = 0;

	for (i = 0; i < bl->commits.n; i++) {
		const struct ks_commit_info *ci = &bl->commits.v[i];
		size_t w = ks_utf8_count(ci->author, strlen(ci->author)) +
			   (ci->device ? strlen(ci->device) + 3 : 0);

		if (w > who_w)
			who_w = w;
	}
	return who_w;
}

/* "a1b2c3d 2024-03-15 Hoa (md01) | ", or as many blanks. */
static void annotate(struct ks_buf *b, const struct ks_blame *bl,
		     const struct ks_blame_line *l, size_t who_w)
{
	if (l) {
		const struct ks_commit_info *ci = &bl->commits.v[l->commit];
		char hex[8], when[64], who[256];

		git_oid_tostr(hex, sizeof(hex), &ci->id);
		ks_format_time(when, sizeof(when), &ci->when, 0);
		when[10] = '\0';	/* the day is enough here */
		snprintf(who, sizeof(who), ci->device ? "%s (%s)" : "%s",
			 ci->author, ci->device);
		ks_buf_addf(b, "%s %s ", hex, when);
		pad(b, who, who_w);
	} else {
		ks_buf_addf(b, "%*s", 19, "");
		pad(b, "", who_w);
	}
	ks_buf_puts(b, " | ");
}

struct labelled {
	const struct ks_blame *bl;
	size_t who_w;
};

static void label_line(void *ctx, struct ks_buf *b, const struct ks_node *v)
{
	const struct labelled *lb = ctx;
	const struct ks_blame_line *l = NULL;
	size_t i;

	for (i = 0; v && !l && i < lb->bl->nlines; i++)
		if (lb->bl->lines[i].value == v)
			l = &lb->bl->lines[i];
	annotate(b, lb->bl, l, lb->who_w);
}

/* The record by its titles and labels, each value with who set it. */
static void print_labelled(struct ks_buf *b, const struct ks_blame *bl)
{
	struct labelled lb = { bl, who_width(bl) };
	struct ks_labels_opts o = { label_line, &lb };

	ks_labels_record_with(b, bl->schema, ks_doc_root(bl->doc), &o);
}

/* The record's file as committed, each line with who set its value. */
static void print_text(struct ks_buf *b, const struct ks_blame *bl)
{
	const char *p = bl->text, *nl;
	size_t who_w = who_width(bl), k = 0;
	int line = 1;

	for (; *p; p = nl + 1, line++) {
		nl = strchr(p, '\n');
		if (!nl)
			nl = p + strlen(p);
		while (k < bl->nlines && bl->lines[k].line < line)
			k++;
		annotate(b, bl, k < bl->nlines && bl->lines[k].line == line
			 ? &bl->lines[k] : NULL, who_w);
		ks_buf_add(b, p, (size_t)(nl - p));
		ks_buf_putc(b, '\n');
		if (!*nl)
			break;
	}
}

static void print_json(struct ks_buf *b, const struct ks_blame *bl)
{
	struct ks_json j;
	size_t i;

	ks_json_init(&j, b);
	ks_json_begin_lines(&j);
	for (i = 0; i < bl->nlines; i++) {
		const struct ks_blame_line *l = &bl->lines[i];

		ks_json_begin_object(&j);
		ks_json_field_str(&j, "field", l->field);
		ks_json_key(&j, "value");
		ks_value_json(ks_json_value_buf(&j), l->value, NULL);
		json_commit_info(&j, &bl->commits.v[l->commit]);
		ks_json_end_object(&j);
	}
	ks_json_end_array(&j);
	ks_buf_putc(b, '\n');
}

int cmd_blame(int argc, char **argv, struct cli *cli)
{
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_blame bl = { 0 };
	git_commit *tip = NULL;
	struct ks_buf out = KS_BUF_INIT;
	char *at;
	int json = 0, yaml = 0, err, code = EXIT_OK;
	const struct opt opts[] = {
		{ 0, "yaml", NULL, OPT_FLAG, &yaml,
		  N_("print the record's file as it is written (codes, not labels)") },
		{ 0, "json", NULL, OPT_FLAG, &json, N_("print the fields as JSON") },
		OPT_END_MARK,
	};

	if ((err = parse_options(&argc, argv, &info, opts)))
		return err;
	if (argc != 1)
		return usage_error(&info, "give one record id");
	if ((err = open_survey(cli, &d)))
		return fail(&d, err);
	if ((at = strchr(argv[0], '@'))) {
		*at++ = '\0';
		if ((err = ks_rev_commit(&tip, cli->repo, at, &d)))
			goto out;
	}
	if ((err = ks_blame_record(&bl, cli->repo, argv[0], tip, &d)))
		goto out;
	if (json)
		print_json(&out, &bl);
	else if (yaml || !bl.doc)
		print_text(&out, &bl);
	else
		print_labelled(&out, &bl);
	if (put_output(&out) < 0)
		code = EXIT_INTERNAL;
out:
	ks_blame_release(&bl);
	git_commit_free(tip);
	ks_buf_release(&out);
	if (err)
		return fail(&d, err);
	ks_diags_release(&d);
	return code;
}
