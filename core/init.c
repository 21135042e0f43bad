/*
 * khaosat init: a new survey repository (see init.h).  It lives apart from
 * repo.c, which opens surveys, because making one needs what opening one
 * must not depend on: the first commit, the schema pack, the laptop's key
 * and the members file of a signed survey.
 */
#include "init.h"
#include "intl.h"
#include "alloc.h"
#include "buf.h"
#include "commit.h"
#include "diag.h"
#include "enrol.h"
#include "file.h"
#include "members.h"
#include "pack.h"
#include "record.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

/* Appends `s` as a YAML string scalar (plain when safe) and a newline. */
static int yaml_string(struct ks_buf *out, const char *s)
{
	struct ks_doc *doc = ks_doc_new(NULL);
	struct ks_node *n = doc ? ks_node_scalar(doc, s, strlen(s), 1) : NULL;
	int err = n ? ks_doc_write(out, n, NULL, NULL) : -1;

	ks_doc_free(doc);
	return err;
}

/* The title of a schema in the pack, for khaosat.yaml. */
static char *pack_title(const struct ks_pack_file *f)
{
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_doc *doc = NULL;
	const struct ks_node *t;
	char *title = NULL;

	if (ks_doc_parse(&doc, f->name, (const char *)f->data, f->len, 0, &d) == 0) {
		t = ks_map_get(ks_doc_root(doc), "title");
		if (t && t->kind == KS_NODE_SCALAR)
			title = ks_strdup(t->u.scalar.str);
	}
	ks_doc_free(doc);
	ks_diags_release(&d);
	return title;
}

static int survey_file_text(struct ks_buf *out, const char *name,
			    const char *id)
{
	const struct ks_pack_file *f;
	int e = 0;

	e |= ks_buf_puts(out, "# The survey: its name, its id (made at init, never changed), and\n"
			 "# the kinds of record it holds with their schemas.\n");
	e |= ks_buf_puts(out, "name: ");
	e |= yaml_string(out, name);
	e |= ks_buf_addf(out, "id: %s\nformat: 1\nkinds:\n", id);
	for (f = ks_schema_pack; f->name; f++) {
		size_t n = strlen(f->name);
		char *title;

		if (n < 6 || strcmp(f->name + n - 5, ".yaml"))
			continue;
		e |= ks_buf_addf(out, "  %.*s:\n    schema: %s/%s\n",
				 (int)(n - 5), f->name, KS_SCHEMA_DIR,
				 f->name);
		title = pack_title(f);
		if (title) {
			e |= ks_buf_puts(out, "    title: ");
			e |= yaml_string(out, title);
		}
		ks_free(title);
	}
	return e ? -1 : 0;
}

static int random_id(char *out, size_t n)
{
	unsigned char bytes[8];
	size_t i;

	if (n < 17 || getrandom(bytes, sizeof(bytes), 0) != sizeof(bytes))
		return -1;
	for (i = 0; i < sizeof(bytes); i++)
		snprintf(out + 2 * i, 3, "%02x", bytes[i]);
	return 0;
}

/* Undoes a failed init, so that running it again starts clean. */
static void init_rollback(const char *dir, int made_dir)
{
	const struct ks_pack_file *f;
	struct ks_buf b = KS_BUF_INIT;

	ks_buf_addf(&b, "%s/.git", dir);
	ks_remove_tree(b.ptr);
	ks_buf_reset(&b);
	ks_buf_addf(&b, "%s/%s", dir, KS_SURVEY_FILE);
	unlink(b.ptr);
	for (f = ks_schema_pack; f->name; f++) {
		ks_buf_reset(&b);
		ks_buf_addf(&b, "%s/%s/%s", dir, KS_SCHEMA_DIR, f->name);
		unlink(b.ptr);
	}
	ks_buf_reset(&b);
	ks_buf_addf(&b, "%s/%s", dir, KS_SCHEMA_DIR);
	rmdir(b.ptr);
	if (made_dir)
		rmdir(dir);
	ks_buf_release(&b);
}

/* A folder that holds a survey or a git repository is not made one. */
static int refuse_existing(const char *dir, struct ks_diags *d)
{
	struct ks_buf path = KS_BUF_INIT;
	struct stat st;
	int err = 0;

	if (ks_buf_addf(&path, "%s/%s", dir, KS_SURVEY_FILE) < 0)
		return -1;
	if (stat(path.ptr, &st) == 0)
		err = ks_error(d, KS_EEXISTS, dir, 0, 0,
			       "already holds a survey; refusing to overwrite it");
	ks_buf_reset(&path);
	if (!err && ks_buf_addf(&path, "%s/.git", dir) < 0)
		err = -1;
	else if (!err && stat(path.ptr, &st) == 0)
		err = ks_error(d, KS_EEXISTS, dir, 0, 0,
			       "already a git repository; refusing to create a survey over it");
	ks_buf_release(&path);
	return err;
}

/* khaosat.yaml and the schemas built into the program, written durably. */
static int write_files(const char *dir, const char *name, const char *id,
		       struct ks_diags *d)
{
	struct ks_buf path = KS_BUF_INIT, text = KS_BUF_INIT;
	const struct ks_pack_file *f;
	int err = -1;

	if (survey_file_text(&text, name, id) < 0 ||
	    ks_buf_addf(&path, "%s/%s", dir, KS_SURVEY_FILE) < 0)
		goto out;
	if ((err = ks_file_put_text(path.ptr, &text, KS_FILE_DURABLE, d)))
		goto out;
	for (f = ks_schema_pack; f->name && !err; f++) {
		ks_buf_reset(&path);
		err = ks_buf_addf(&path, "%s/%s/%s", dir, KS_SCHEMA_DIR, f->name) < 0
			? -1 : ks_file_put(path.ptr, (const char *)f->data, f->len,
					   KS_FILE_DURABLE, d);
	}
out:
	ks_buf_release(&path);
	ks_buf_release(&text);
	return err;
}

/*
 * The survey's first commit, of the files written, and in signed mode
 * the introduction that verify holds the survey to from then on.
 */
static int first_commit(struct ks_repo *r, const char *name, int signed_mode,
			const char *dir, struct ks_diags *d)
{
	struct ks_buf path = KS_BUF_INIT;
	const struct ks_pack_file *f;
	git_index *index = NULL;
	git_oid tree, commit;
	struct ks_intro in;
	int err = KS_EIO;

	if (git_repository_index(&index, ks_repo_git(r)) < 0 ||
	    git_index_add_bypath(index, KS_SURVEY_FILE) < 0 ||
	    (signed_mode && git_index_add_bypath(index, KS_MEMBERS_FILE) < 0))
		goto gitfail;
	for (f = ks_schema_pack; f->name; f++) {
		ks_buf_reset(&path);
		if (ks_buf_addf(&path, "%s/%s", KS_SCHEMA_DIR, f->name) < 0) {
			err = -1;
			goto out;
		}
		if (git_index_add_bypath(index, path.ptr) < 0)
			goto gitfail;
	}
	/* version 4, as commit.c writes it: paths share their prefixes */
	if (git_index_write_tree(&tree, index) < 0 ||
	    git_index_set_version(index, 4) < 0 || git_index_write(index) < 0)
		goto gitfail;
	ks_buf_reset(&path);
	/* The history's message, in the language the survey is made in. */
	if (ks_buf_addf(&path, _("Create survey \"%s\""), name) < 0) {
		err = -1;
		goto out;
	}
	if ((err = ks_commit_tree(&commit, r, &tree, NULL, 0, path.ptr, d)) ||
	    !signed_mode ||
	    (err = ks_enrol_introduction(&in, ks_repo_git(r), &commit, d)))
		goto out;
	if (ks_enrol_remember(ks_repo_git(r), &in) < 0)
		err = ks_error(d, KS_EIO, dir, 0, 0, "cannot save the introduction: %s",
			       ks_git_error());
	goto out;
gitfail:
	err = ks_error(d, KS_EIO, dir, 0, 0, "cannot make the first commit: %s",
		       ks_git_error());
out:
	git_index_free(index);
	ks_buf_release(&path);
	return err;
}

/* The survey's name: as given, else the folder's. */
static char *survey_name(const char *dir, const char *given)
{
	char real[PATH_MAX];
	const char *base;

	if (given)
		return ks_strdup(given);
	base = realpath(dir, real) ? strrchr(real, '/') : NULL;
	return ks_strdup(base && base[1] ? base + 1 : "survey");
}

int ks_repo_init(struct ks_repo **out, const char *dir,
		 const struct ks_init_opts *opts, struct ks_diags *d)
{
	git_repository_init_options io = GIT_REPOSITORY_INIT_OPTIONS_INIT;
	git_repository *repo = NULL;
	struct ks_repo *r = NULL;
	struct stat st;
	char id[17];
	char *name = NULL;
	int err, made_dir, created = 0;

	*out = NULL;
	if ((err = ks_validate_identity(&opts->who, d)) ||
	    (err = refuse_existing(dir, d)))
		return err;
	made_dir = stat(dir, &st) < 0;
	io.flags = GIT_REPOSITORY_INIT_MKPATH | GIT_REPOSITORY_INIT_NO_REINIT;
	io.initial_head = "main";
	if (git_repository_init_ext(&repo, dir, &io) < 0) {
		err = ks_error(d, KS_EIO, dir, 0, 0,
			       "cannot create the repository: %s",
			       ks_git_error());
		goto out;
	}
	created = 1;
	if (random_id(id, sizeof(id)) < 0) {
		err = ks_error(d, KS_EIO, NULL, 0, 0,
			       "cannot make a random survey id");
		goto out;
	}
	err = -1;
	if (!(name = survey_name(dir, opts->name)) ||
	    (err = write_files(dir, name, id, d)) ||
	    (err = ks_repo_set_identity(repo, &opts->who, d)) ||
	    (!opts->unsigned_mode &&
	     (err = ks_enrol_start(repo, dir, &opts->who, d))))
		goto out;
	git_repository_free(repo);
	repo = NULL;
	if ((err = ks_repo_open(&r, dir, d)) ||
	    (err = first_commit(r, name, !opts->unsigned_mode, dir, d)))
		goto out;
	*out = r;
	r = NULL;
out:
	git_repository_free(repo);
	ks_repo_free(r);
	if (err && created)
		init_rollback(dir, made_dir);
	ks_free(name);
	return err;
}
