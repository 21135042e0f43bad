/*
 * khaosat conflicts: list the open conflicts the merges left, with every
 * proposal, who made it, where and when.
 */
#include "cli.h"
#include "intl.h"
#include "alloc.h"
#include "buf.h"
#include "check.h"
#include "conflict.h"
#include "diag.h"
#include "fielddiff.h"
#include "json.h"
#include "labels.h"
#include "record.h"
#include "repo.h"
#include "schema.h"

#include <string.h>

static const struct cmd_info info = {
	"khaosat conflicts [-v] [--json] [ID]",
	N_("List open conflicts (all, or those of one record): the field by its\n"
	"title, its base value and each proposal (choices by their labels),\n"
	"numbered for 'khaosat resolve --take N', with author, device and time.\n"
	"Exit 1 when any conflict is open."),
};

/* What names a conflict's field and its values for people. */
struct words {
	struct ks_repo *repo;
	int verbose;			/* commit ids too */
	const struct ks_snode *field;	/* the field's subschema, or NULL */
};

/* A proposal's value on one line; -1 when memory runs out. */
static int value_text(struct ks_buf *b, const struct ks_node *p,
		      const struct words *w)
{
	const struct ks_node *v = ks_map_get(p, "value");
	struct ks_buf y = KS_BUF_INIT;
	char *nl;
	int err;

	if (ks_map_get(p, "deleted"))
		return ks_buf_puts(b, _("(delete)"));
	if (ks_map_get(p, "text"))
		return ks_buf_puts(b, _("(text that does not parse; see the conflict file)"));
	if (!v)
		return 0;
	if (v->kind == KS_NODE_SCALAR)
		return ks_labels_value(b, w->field, v);
	err = ks_doc_write(&y, v, NULL, NULL);
	if (!err && !ks_buf_failed(&y)) {
		/* One line in the list; the conflict file has it all. */
		nl = strchr(y.ptr, '\n');
		err = ks_buf_addf(b, "%.*s%s", nl ? (int)(nl - y.ptr) : (int)y.len,
				  y.ptr, nl && nl[1] ? " ..." : "");
	}
	ks_buf_release(&y);
	return err ? -1 : 0;
}

static const char *scalar(const struct ks_node *p, const char *key)
{
	const struct ks_node *n = ks_map_get(p, key);

	return n && n->kind == KS_NODE_SCALAR ? n->u.scalar.str : "";
}

/*
 * The kind's schema for a record's path, or NULL (khaosat.yaml, a kind
 * whose schema does not compile: the field is then named by its path).
 */
static const struct ks_schema *schema_of(struct ks_repo *r, const char *kind)
{
	struct ks_kind *k = kind ? ks_repo_find_kind(r, kind) : NULL;
	struct ks_diags ignore = KS_DIAGS_INIT;
	struct ks_schema *s = NULL;

	if (k && ks_repo_schema(&s, r, k, &ignore))
		s = NULL;
	ks_diags_release(&ignore);
	return s;
}

/*
 * One conflict for people: the field by its title (and the path that
 * resolve takes), its base and each proposal.
 */
static int text_entry(struct ks_buf *b, const struct ks_conflict_entry *e,
		      struct words *w)
{
	char *kind = NULL, *id = NULL;
	const struct ks_schema *schema;
	const char *name;
	size_t i;
	int err = 0;

	ks_record_path_parse(e->file, &kind, &id);
	name = id ? id : e->file;
	schema = schema_of(w->repo, kind);
	w->field = schema ? ks_field_schema(ks_schema_root(schema), e->field)
			  : NULL;
	ks_buf_addf(b, "%s ", name);
	if (*e->field) {
		ks_labels_path(b, schema ? ks_schema_root(schema) : NULL,
			       e->field);
		ks_buf_addf(b, " (%s)\n", e->field);
	} else {
		ks_buf_addf(b, "%s\n", _("(the whole record)"));
	}
	if (!e->base) {
		ks_buf_puts(b, _("  base: (none)\n"));
	} else if (e->base->kind == KS_NODE_SCALAR) {
		ks_buf_puts(b, _("  base: "));
		ks_labels_value(b, w->field, e->base);
		ks_buf_putc(b, '\n');
	} else {
		ks_buf_addf(b, _("  base: %s\n"), _("(a value with several fields)"));
	}
	for (i = 0; i < e->proposals->u.seq.n && !err; i++) {
		const struct ks_node *p = e->proposals->u.seq.v[i];
		const char *dev = scalar(p, "device");

		ks_buf_addf(b, "  %zu) ", i + 1);
		err = value_text(b, p, w);
		ks_buf_addf(b, _("\n     by %s on %s, %s"), scalar(p, "author"),
			    *dev ? dev : _("an unknown device"), scalar(p, "time"));
		if (!*scalar(p, "commit"))
			ks_buf_addf(b, ", %s\n", _("not saved to the history yet"));
		else if (w->verbose)
			ks_buf_addf(b, _(", commit %.10s\n"), scalar(p, "commit"));
		else
			ks_buf_putc(b, '\n');
	}
	ks_buf_addf(b, _("  settle it: khaosat resolve %s %s --take N\n"), name,
		    *e->field ? e->field : "/");
	ks_free(kind);
	ks_free(id);
	return err;
}

static int print_text(struct ks_buf *b, const struct ks_conflict_set *s,
		      struct words *w)
{
	size_t i;
	int err = 0;

	for (i = 0; i < s->n && !err; i++) {
		if (i)
			ks_buf_putc(b, '\n');
		err = text_entry(b, &s->v[i], w);
	}
	if (!s->n)
		ks_buf_puts(b, _("No open conflicts.\n"));
	return err;
}

/* `v` as YAML text in a JSON string, or null; -1 when memory runs out. */
static int json_yaml(struct ks_json *j, const char *key,
		     const struct ks_node *v, const char *text)
{
	struct ks_buf y = KS_BUF_INIT;
	int err = 0;

	if (v)
		err = ks_doc_write(&y, v, NULL, NULL);
	else if (text)
		err = ks_buf_puts(&y, text);
	if (!err && !ks_buf_failed(&y))
		ks_json_field_str(j, key, y.len ? y.ptr : NULL);
	ks_buf_release(&y);
	return err ? -1 : 0;
}

static int json_proposals(struct ks_json *j, const struct ks_node *proposals)
{
	static const char *const keys[] = {
		"commit", "author", "email", "device", "time", NULL,
	};
	size_t i;
	int k, err = 0;

	ks_json_key(j, "proposals");
	ks_json_begin_array(j);
	for (i = 0; i < proposals->u.seq.n && !err; i++) {
		const struct ks_node *p = proposals->u.seq.v[i];

		ks_json_begin_object(j);
		ks_json_field_uint(j, "number", i + 1);
		for (k = 0; keys[k]; k++)
			ks_json_field_str(j, keys[k], scalar(p, keys[k]));
		ks_json_field_bool(j, "deleted", ks_map_get(p, "deleted") != NULL);
		err = json_yaml(j, "value", ks_map_get(p, "value"),
				ks_map_get(p, "text") ? scalar(p, "text") : NULL);
		ks_json_end_object(j);
	}
	ks_json_end_array(j);
	return err;
}

static int print_json(struct ks_buf *b, const struct ks_conflict_set *s)
{
	struct ks_json j;
	size_t i;
	int err = 0;

	ks_json_init(&j, b);
	ks_json_begin_lines(&j);
	for (i = 0; i < s->n && !err; i++) {
		const struct ks_conflict_entry *e = &s->v[i];

		ks_json_begin_object(&j);
		ks_json_field_str(&j, "file", e->file);
		ks_json_field_str(&j, "field", *e->field ? e->field : "/");
		err = json_yaml(&j, "base", e->base, NULL);
		if (!err)
			err = json_proposals(&j, e->proposals);
		ks_json_end_object(&j);
	}
	ks_json_end_array(&j);
	ks_buf_putc(b, '\n');
	return err;
}

int cmd_conflicts(int argc, char **argv, struct cli *cli)
{
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_conflict_set s = { 0 };
	struct ks_buf out = KS_BUF_INIT;
	char *rel = NULL;
	int json = 0, verbose = 0, err;
	struct words w = { NULL, 0, NULL };
	const struct opt opts[] = {
		{ 'v', "verbose", NULL, OPT_FLAG, &verbose,
		  N_("also name the commit of each proposal") },
		{ 0, "json", NULL, OPT_FLAG, &json, N_("print the conflicts as JSON") },
		OPT_END_MARK,
	};

	if ((err = parse_options(&argc, argv, &info, opts)))
		return err;
	if (argc > 1)
		return usage_error(&info, "give at most one record id");
	if ((err = open_survey(cli, &d)))
		return fail(&d, err);
	if (argc && (err = ks_resolve_record(&rel, cli->repo, argv[0], cli->cwd, &d)))
		return fail(&d, err);
	err = ks_conflicts_load(&s, cli->repo, rel, &d);
	ks_free(rel);
	w.repo = cli->repo;
	w.verbose = verbose;
	if (!err)
		err = json ? print_json(&out, &s) : print_text(&out, &s, &w);
	if (err)
		err = fail(&d, err);
	else if (put_output(&out) < 0)
		err = EXIT_INTERNAL;
	else
		err = s.n ? EXIT_PROBLEMS : EXIT_OK;
	ks_buf_release(&out);
	ks_conflict_set_release(&s);
	ks_diags_release(&d);
	return err;
}
