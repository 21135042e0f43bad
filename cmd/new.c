/*
 * khaosat new: add a record.  On a terminal it runs the form; with --set
 * and --from it takes the values given.  The id comes from this device's
 * counter; the record is written in canonical form only when it is valid
 * (or with --draft).
 */
#include "cli.h"
#include "alloc.h"
#include "buf.h"
#include "check.h"
#include "diag.h"
#include "file.h"
#include "form.h"
#include "record.h"
#include "repo.h"
#include "schema.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static const struct cmd_info info = {
	"khaosat new KIND [--set FIELD=VALUE]... [--from FILE] [--draft]",
	"Add a record of KIND (workshop, brand...). On a terminal, a form asks\n"
	"for each field; with --set or --from, the values are taken as given.\n"
	"The record gets the next id of this device and is saved only if it is\n"
	"valid, unless --draft is given. FIELD is a dotted path such as\n"
	"address.commune_name or products[0].name.",
};

/* Fills the fields every record of a survey has, when the schema has them. */
static int fill_defaults(struct ks_doc *doc, struct ks_node *root,
			 const struct ks_snode *s, const struct ks_identity *who)
{
	char today[16];
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(today, sizeof(today), "%Y-%m-%d", &tm);
	if (ks_snode_property(s, "surveyor") && !ks_map_get(root, "surveyor") &&
	    ks_map_set(doc, root, "surveyor",
		       ks_node_scalar(doc, who->surveyor,
				      strlen(who->surveyor), 1)) < 0)
		return -1;
	if (ks_snode_property(s, "surveyed_at") &&
	    !ks_map_get(root, "surveyed_at") &&
	    ks_map_set(doc, root, "surveyed_at",
		       ks_node_scalar(doc, today, strlen(today), 1)) < 0)
		return -1;
	return 0;
}

static int apply_sets(struct ks_doc *doc, struct ks_node *root,
		      const struct strlist *sets, struct ks_diags *d)
{
	int i;

	for (i = 0; i < sets->n; i++) {
		const char *eq = strchr(sets->v[i], '=');
		struct ks_node *v;
		char *path;
		int err;

		if (!eq || eq == sets->v[i])
			return ks_error(d, KS_EINVALID, NULL, 0, 0,
					"--set \"%s\": expected FIELD=VALUE",
					sets->v[i]);
		v = ks_node_scalar(doc, eq + 1, strlen(eq + 1), 0);
		if (!v)
			return ks_error(d, KS_EINVALID, NULL, 0, 0,
					"--set \"%s\": the value is not valid UTF-8",
					sets->v[i]);
		path = ks_strndup(sets->v[i], (size_t)(eq - sets->v[i]));
		if (!path)
			return -1;
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

/* The top-level field a diagnostic's pointer is about. */
static char *top_field(const char *pointer)
{
	size_t n;

	if (!pointer || pointer[0] != '/')
		return NULL;
	n = strcspn(pointer + 1, "/");
	return n ? ks_strndup(pointer + 1, n) : NULL;
}

/* Runs the form until the record is valid or the surveyor gives up. */
static int interactive_form(struct ks_doc *doc, struct ks_node *root,
			    const struct ks_schema *schema, const char *kind,
			    const char *provisional, struct ks_diags *d)
{
	const struct ks_snode *s = ks_schema_root(schema);
	struct ks_buf text = KS_BUF_INIT;
	const char *title = ks_snode_title(s);

	printf("New %s%s%s%s. Fields marked * are required; press Enter to skip\n"
	       "a field or keep the value in [brackets].\n", kind,
	       title ? " (" : "", title ? title : "", title ? ")" : "");
	if (form_fill(doc, root, s, NULL) < 0)
		goto eof;
	for (;;) {
		struct ks_diags vd = KS_DIAGS_INIT;
		size_t i;

		ks_map_set(doc, root, "id",
			   ks_node_scalar(doc, provisional, strlen(provisional), 1));
		ks_snode_validate(s, root, NULL, NULL, &vd);
		ks_map_remove(root, "id");
		if (!vd.errors) {
			ks_diags_release(&vd);
			break;
		}
		printf("\nThe record is not valid yet:\n");
		for (i = 0; i < vd.n; i++)
			printf("  %s: %s\n", vd.v[i].pointer && *vd.v[i].pointer ?
			       vd.v[i].pointer : "/", vd.v[i].message);
		if (!ask_yes_no("Correct these fields now?", 1)) {
			ks_diags_move(d, &vd);
			return KS_EINVALID;
		}
		for (i = 0; i < vd.n; i++) {
			char *f = top_field(vd.v[i].pointer);
			size_t j;
			int seen = 0;

			for (j = 0; j < i && f; j++) {
				char *g = top_field(vd.v[j].pointer);

				seen |= g && !strcmp(f, g);
				ks_free(g);
			}
			if (f && !seen && form_fill(doc, root, s, f) < 0) {
				ks_free(f);
				ks_diags_release(&vd);
				goto eof;
			}
			ks_free(f);
		}
		ks_diags_release(&vd);
	}
	ks_doc_write(&text, root, ks_schema_layout(), ks_schema_layout_root(schema));
	printf("\n%s\n", text.ptr);
	ks_buf_release(&text);
	if (!ask_yes_no("Save this record?", 1))
		return ks_error(d, KS_EINVALID, NULL, 0, 0,
				"not saved: abandoned by the surveyor");
	return 0;
eof:
	return ks_error(d, KS_EINVALID, NULL, 0, 0, "input ended; nothing was saved");
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
	struct ks_buf text = KS_BUF_INIT, prov = KS_BUF_INIT;
	char *id = NULL, *rel = NULL, *abs = NULL;
	struct stat st;
	const struct opt opts[] = {
		{ 0, "set", "FIELD=VALUE", OPT_LIST, &sets,
		  "set a field (repeatable); FIELD is a dotted path" },
		{ 0, "from", "FILE", OPT_STRING, &from,
		  "take field values from a YAML file (its id is replaced)" },
		{ 0, "draft", NULL, OPT_FLAG, &draft,
		  "save the record even if it is not valid yet" },
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
	if ((err = ks_repo_schema(&schema, cli->repo, k, &d)))
		goto fail;
	doc = ks_doc_new(from);
	if (!doc) {
		err = -1;
		goto fail;
	}
	if (from)
		err = load_from(doc, &root, from, &d);
	else if (!(root = ks_node_map(doc)))
		err = -1;
	if (err || (err = apply_sets(doc, root, &sets, &d)))
		goto fail;
	if (fill_defaults(doc, root, ks_schema_root(schema),
			  ks_repo_identity(cli->repo)) < 0) {
		err = -1;
		goto fail;
	}
	ks_doc_set_root(doc, root);
	/* Check with a stand-in id; the real one is taken only to save. */
	ks_buf_addf(&prov, "%s-0000", ks_repo_identity(cli->repo)->device);
	if (!from && !sets.n && interactive()) {
		if ((err = interactive_form(doc, root, schema, k->name, prov.ptr, &d)))
			goto fail;
	}
	/* One writer: checks against the survey as it is when saving, and
	 * the id counter taken by one new at a time. */
	if ((err = lock_to_save(cli, &d)))
		goto fail;
	ks_map_set(doc, root, "id", ks_node_scalar(doc, prov.ptr, prov.len, 1));
	err = ks_check_values(cli->repo, k->name, root, from, &d);
	if (err == -1)
		goto fail;
	if (err && !draft) {
		print_diags(&d);
		fprintf(stderr, "not saved: the record is not valid (use --draft to save it anyway)\n");
		err = EXIT_PROBLEMS;
		goto done;
	}
	if ((err = ks_repo_next_id(&id, cli->repo, &d)))
		goto fail;
	ks_map_set(doc, root, "id", ks_node_scalar(doc, id, strlen(id), 1));
	rel = ks_record_relpath(k->name, id);
	abs = rel ? ks_repo_path(cli->repo, rel) : NULL;
	if (!abs || ks_record_format(&text, cli->repo, k->name, root) < 0) {
		err = -1;
		goto fail;
	}
	if (stat(abs, &st) == 0) {
		err = ks_error(&d, KS_EEXISTS, rel, 0, 0,
			       "a record already exists here; refusing to overwrite it");
		goto fail;
	}
	if ((err = ks_file_put(abs, text.ptr, text.len, KS_FILE_DURABLE, &d)))
		goto fail;
	print_diags(&d);
	printf("Saved %s %s%s: %s\n", k->name, id, d.errors ? " as a draft" : "", rel);
	printf("Record it with 'khaosat commit -m MESSAGE'.\n");
	err = EXIT_OK;
	goto done;
fail:
	err = fail(&d, err);
done:
	free(sets.v);
	ks_free(id);
	ks_free(rel);
	ks_free(abs);
	ks_buf_release(&text);
	ks_buf_release(&prov);
	ks_doc_free(doc);
	ks_diags_release(&d);
	return err == PARSE_HELP ? EXIT_OK : err;
}
