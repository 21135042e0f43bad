/*
 * khaosat new: add a record.  On a terminal it runs the form (continuing
 * an unfinished one when the surveyor says so); with --set and --from it
 * takes the values given.  The id comes from this device's counter; the
 * record is written in canonical form only when it is valid, or kept as a
 * local draft with --draft.
 */
#include "cli.h"
#include "answer.h"
#include "intl.h"
#include "alloc.h"
#include "buf.h"
#include "check.h"
#include "create.h"
#include "clash.h"
#include "diag.h"
#include "input.h"
#include "draft.h"
#include "file.h"
#include "form.h"
#include "formsave.h"
#include "record.h"
#include "repo.h"
#include "schema.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static const struct cmd_info info = {
	"khaosat new KIND [--set FIELD=VALUE]... [--from FILE] [--draft]",
	N_("Add a record of KIND (workshop, brand...). On a terminal, a form asks\n"
	"for each field; with --set or --from, the values are taken as given.\n"
	"The record gets the next id of this device and is saved only if it is\n"
	"valid; with --draft an invalid one waits as a draft ('khaosat edit ID'\n"
	"finishes it). A form's answers are kept as they are given: the next\n"
	"form of the kind offers to continue one that was interrupted. FIELD is\n"
	"a dotted path such as address.commune_name or products[0].name."),
};

/*
 * The schema of the field at a --set path ("workers.regular",
 * "products[0].name"), or NULL when the schema does not describe it.
 */
static const struct ks_snode *field_schema(const struct ks_snode *s,
					   const char *path)
{
	char seg[256];
	size_t n;

	while (s && *path) {
		if (*path == '[') {
			path += strcspn(path, "]");
			path += *path == ']';
			path += *path == '.';
			s = ks_snode_items(s);
			continue;
		}
		n = strcspn(path, ".[");
		if (n >= sizeof(seg))
			return NULL;
		memcpy(seg, path, n);
		seg[n] = '\0';
		path += n + (path[n] == '.');
		s = ks_snode_cond_property(s, seg);
	}
	return s;
}

static int apply_sets(struct ks_doc *doc, struct ks_node *root,
		      const struct ks_snode *schema,
		      const struct strlist *sets, struct ks_diags *d)
{
	int i;

	for (i = 0; i < sets->n; i++) {
		const char *eq = strchr(sets->v[i], '=');
		struct ks_diags why = KS_DIAGS_INIT;
		struct ks_node *v;
		char *path;
		int err;

		if (!eq || eq == sets->v[i])
			return ks_error(d, KS_EINVALID, NULL, 0, 0,
					"--set \"%s\": expected FIELD=VALUE",
					sets->v[i]);
		if (!(path = ks_strndup(sets->v[i], (size_t)(eq - sets->v[i]))))
			return -1;
		err = ks_input_read(&v, doc, field_schema(schema, path), eq + 1,
				    &why);
		if (err && why.n)
			err = ks_error(d, err, NULL, 0, 0, "--set %s: %s", path,
				       why.v[0].message);
		ks_diags_release(&why);
		if (!err)
			err = ks_node_set_path(doc, root, path, v, d);
		ks_free(path);
		if (err)
			return err;
	}
	return 0;
}

/* Reads --from FILE into a fresh mapping; its id is dropped. */
static int load_from(struct ks_doc *doc, struct ks_node **root,
		     const char *file, struct ks_diags *d)
{
	struct ks_doc *src = NULL;
	int err = ks_doc_load(&src, file, file, KS_PARSE_RECORD, d);

	if (err)
		return err;
	*root = ks_node_clone(doc, ks_doc_root(src));
	ks_doc_free(src);
	if (!*root)
		return -1;
	ks_map_remove(*root, "id");
	return 0;
}

/* Offers the unfinished forms of `kind`; the one to continue goes to *out. */
static int offer_unfinished(struct ks_repo *r, const char *kind,
			    struct ks_formsave *out, struct ks_diags *d)
{
	struct ks_formsaves l;
	size_t i;
	int err = ks_formsave_list(&l, r, kind, d), yes = 0;

	for (i = 0; !err && i < l.n; i++) {
		struct ks_formsave *f = &l.v[i];
		char when[32];
		struct tm tm;

		if (f->of)
			continue;	/* a change of a record, the browser's */
		localtime_r(&f->started, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm);
		printf(Q_("An unfinished %s form started %s holds %zu answer.\n",
			  "An unfinished %s form started %s holds %zu answers.\n",
			  f->nanswers), kind, when, f->nanswers);
		if ((yes = form_yes_no(_("Continue it?"), 1)) < 0)
			break;
		if (yes) {
			*out = *f;
			memset(f, 0, sizeof(*f));
			break;
		}
		if ((yes = form_yes_no(_("Discard it? Its answers would be lost."), 0)) < 0)
			break;
		if (yes && !(err = ks_formsave_remove(r, f, d)))
			fputs(_("Discarded.\n\n"), stdout);
		else if (!yes)
			fputs(_("Kept; it is offered again next time.\n\n"), stdout);
	}
	ks_formsaves_release(&l);
	if (!err && yes < 0)
		err = ks_error(d, KS_EINVALID, NULL, 0, 0,
			       "input ended; nothing was saved");
	return err;
}

/*
 * Runs the form, on an unfinished one when the surveyor continues it.
 * Returns an enum form_end, or a failure status.
 */
static int interactive_form(struct form *f, struct ks_node **root,
			    const char *title, struct ks_diags *d)
{
	struct ks_formsave old = KS_FORMSAVE_INIT;
	int err = offer_unfinished(f->repo, f->kind, &old, d);

	if (err)
		return err;
	if (old.file) {
		struct ks_node *rec = ks_node_clone(f->doc, old.record);

		ks_doc_free(old.doc);
		old.doc = NULL;
		old.record = NULL;
		f->save = old;
		if (!rec)
			return -1;
		ks_doc_set_root(f->doc, rec);
		*root = rec;
		printf(Q_("Continuing with the %zu answer given before.\n",
			  "Continuing with the %zu answers given before.\n",
			  f->save.nanswers), f->save.nanswers);
	} else if (ks_formsave_start(&f->save, f->repo, f->kind) < 0) {
		return -1;
	}
	f->root = *root;
	printf(_("New %s%s%s%s. Fields marked * are required. Press Enter to skip\n"
		 "a field or keep the value in [brackets]; type - to empty a field,\n"
		 "< to go back to the previous question. Every answer is kept as soon\n"
		 "as it is given.\n"),
	       f->kind, title ? " (" : "", title ? title : "", title ? ")" : "");
	return form_run(f, d);
}

/* What is kept of a form that did not end in a record, and how to go on. */
static int form_stopped(const struct form *f, int end)
{
	if (!f->save.nanswers)
		fputs(end == FORM_STOPPED ? _("\ninterrupted; nothing was saved\n")
		      : _("input ended; nothing was saved\n"), stderr);
	else if (end == FORM_STOPPED)
		fprintf(stderr, _("\ninterrupted; your answers are kept. Run 'khaosat new %s' to continue.\n"),
			f->kind);
	else
		fprintf(stderr, _("input ended; nothing was saved yet and your answers are kept. Run 'khaosat new %s' to continue.\n"),
			f->kind);
	return end == FORM_STOPPED ? EXIT_INTERRUPTED : EXIT_PROBLEMS;
}

/* A record that is not valid yet, kept as a draft under .git/khaosat/. */
static int save_draft(struct cli *cli, const char *kind, struct ks_doc *doc,
		      struct ks_node *root, struct ks_diags *d)
{
	char *id = NULL, *where = NULL;
	int err = ks_record_create(&id, cli->repo, kind, doc, root, 1, d);

	if (!err && !(where = ks_draft_display(id)))
		err = -1;
	if (err) {
		err = fail(d, err);
	} else {
		print_diags(d);
		printf(_("Saved %s %s as a draft: %s\n"), kind, id, where);
		printf(_("It is not part of the survey until it is valid; finish it with 'khaosat edit %s'.\n"),
		       id);
	}
	ks_free(id);
	ks_free(where);
	return err;
}

/* The record --from, --set and the fields every record has make. */
static int build_record(struct ks_doc **doc, struct ks_node **root,
			const char *from, const struct strlist *sets,
			struct ks_schema *schema, const struct ks_identity *who,
			struct ks_diags *d)
{
	int err = 0;

	*doc = ks_doc_new(from);
	if (!*doc)
		return -1;
	if (from)
		err = load_from(*doc, root, from, d);
	else if (!(*root = ks_node_map(*doc)))
		err = -1;
	if (err || (err = apply_sets(*doc, *root, ks_schema_root(schema), sets,
				     d)))
		return err;
	if (ks_record_defaults(*doc, *root, ks_schema_root(schema), who) < 0)
		return -1;
	ks_doc_set_root(*doc, *root);
	return 0;
}

/*
 * The form, on a terminal: 0 when it ends in a record to save; the exit
 * code when it stopped (after saying what is kept); or a failure status.
 */
static int fill_in(struct form *f, struct ks_node **root,
		   struct ks_schema *schema, struct ks_diags *d)
{
	int end = interactive_form(f, root,
				   ks_snode_title(ks_schema_root(schema)), d);

	if (end < 0)
		return end;
	if (end == FORM_ABANDONED) {
		ks_formsave_remove(f->repo, &f->save, d);
		fputs(_("abandoned; nothing was saved\n"), stderr);
		return EXIT_PROBLEMS;
	}
	if (end == FORM_EOF || end == FORM_STOPPED)
		return form_stopped(f, end);
	return 0;
}

/* The valid record, under this device's next id, into the work tree. */
static int save_record(struct cli *cli, const char *kind, struct ks_doc *doc,
		       struct ks_node *root, struct form *form,
		       struct ks_diags *d)
{
	char *id = NULL, *rel = NULL;
	int asked = form->root != NULL;
	int err = ks_record_create(&id, cli->repo, kind, doc, root, 0, d);

	if (!err && !(rel = ks_record_relpath(kind, id)))
		err = -1;
	if (!err) {
		if (form->save.file)
			ks_formsave_remove(cli->repo, &form->save, d);
		print_diags(d);
		printf(_("Saved %s %s: %s\n"), kind, id, rel);
		/* the form goes on with the record's photos */
		if (asked)
			err = form_attach(cli, kind, id, rel);
		fputs(_("Save it to the survey history with 'khaosat commit -m MESSAGE'.\n"), stdout);
	}
	ks_free(id);
	ks_free(rel);
	return err;
}

int cmd_new(int argc, char **argv, struct cli *cli)
{
	struct strlist sets = { 0 };
	const char *from = NULL;
	int draft = 0, err;
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_doc *doc = NULL;
	struct ks_node *root = NULL;
	struct ks_kind *k;
	struct ks_schema *schema = NULL;
	struct ks_buf prov = KS_BUF_INIT;
	struct form form = { 0 };
	const struct opt opts[] = {
		{ 0, "set", "FIELD=VALUE", OPT_LIST, &sets,
		  N_("set a field (repeatable); FIELD is a dotted path") },
		{ 0, "from", "FILE", OPT_STRING, &from,
		  N_("take field values from a YAML file (its id is replaced)") },
		{ 0, "draft", NULL, OPT_FLAG, &draft,
		  N_("keep a record that is not valid yet as a draft on this laptop") },
		OPT_END_MARK,
	};

	if ((err = parse_options(&argc, argv, &info, opts)))
		goto done;
	if (argc != 1) {
		err = usage_error(&info, "give the kind of record to add");
		goto done;
	}
	if ((err = open_survey(cli, &d)) || (err = ks_repo_require_identity(cli->repo, &d)))
		goto fail;
	if (!(k = kind_arg(cli, &info, argv[0], &err)))
		goto done;
	if ((err = ks_repo_schema(&schema, cli->repo, k, &d)) ||
	    (err = build_record(&doc, &root, from, &sets, schema,
				ks_repo_identity(cli->repo), &d)))
		goto fail;
	/* Check with a stand-in id; the real one is taken only to save. */
	if (ks_buf_addf(&prov, "%s-0000", ks_repo_identity(cli->repo)->device) < 0) {
		err = -1;
		goto fail;
	}
	if (!from && !sets.n && interactive()) {
		form.repo = cli->repo;
		form.schema = schema;
		form.kind = k->name;
		form.id = prov.ptr;
		form.draft = draft;
		form.doc = doc;
		if ((err = fill_in(&form, &root, schema, &d)) < 0)
			goto fail;
		if (err)
			goto done;
	}
	/* One writer: checks against the survey as it is when saving, and
	 * the id counter taken by one new at a time. */
	if ((err = lock_to_save(cli, &d)))
		goto fail;
	ks_map_set(doc, root, "id", ks_node_scalar(doc, prov.ptr, prov.len, 1));
	err = ks_check_values(cli->repo, k->name, root, from, &d);
	/* A tax code or phone another record holds: said now, not at commit. */
	if (!err)
		err = ks_clash_record(cli->repo, k->name, prov.ptr, root, &d);
	if (err == -1)
		goto fail;
	if (err && draft) {
		err = save_draft(cli, k->name, doc, root, &d);
		if (!err && form.save.file)
			ks_formsave_remove(cli->repo, &form.save, &d);
		goto done;
	}
	if (err) {
		print_diags(&d);
		fputs(_("not saved: the record is not valid (use --draft to save it anyway)\n"),
		      stderr);
		err = EXIT_PROBLEMS;
		goto done;
	}
	if (!(err = save_record(cli, k->name, doc, root, &form, &d)))
		goto done;
fail:
	err = fail(&d, err);
done:
	free(sets.v);
	ks_buf_release(&prov);
	form_release(&form);
	ks_doc_free(doc);
	ks_diags_release(&d);
	return err == PARSE_HELP ? EXIT_OK : err;
}
