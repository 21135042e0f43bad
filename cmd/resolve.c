/*
 * khaosat resolve: settle one open conflict by choosing a proposal, the
 * base value, or a new value; the record is checked and the settlement is
 * committed like any other edit, so it syncs to every laptop.
 */
#include "cli.h"
#include "alloc.h"
#include "buf.h"
#include "check.h"
#include "commit.h"
#include "conflict.h"
#include "diag.h"
#include "fielddiff.h"
#include "file.h"
#include "record.h"
#include "repo.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct cmd_info info = {
	"khaosat resolve ID FIELD (--take N | --value VALUE | --base) [-m MESSAGE]",
	"Settle the open conflict on FIELD of record ID ('/' for the whole\n"
	"record): keep proposal N as listed by 'khaosat conflicts', a new VALUE,\n"
	"or the base value. The record must stay valid; the change is committed.\n"
	"A conflict in khaosat.yaml or a schema is settled the same way, with its\n"
	"path (khaosat.yaml, schema/workshop.yaml) in place of ID.",
};

/* 1 when conflicts/<rel> is there. */
static int has_conflicts(struct ks_repo *r, const char *rel)
{
	struct ks_buf c = KS_BUF_INIT;
	char *abs;
	int found;

	ks_buf_addf(&c, "conflicts/%s", rel);
	abs = ks_repo_path(r, c.ptr);
	found = abs && access(abs, F_OK) == 0;
	ks_free(abs);
	ks_buf_release(&c);
	return found;
}

/*
 * The file a conflict is about, even when it is gone: a record by its id,
 * or a survey file (khaosat.yaml, a schema) by its path in the survey.
 */
static char *conflict_file(struct ks_repo *r, const char *arg)
{
	size_t i;

	for (i = 0; i < ks_repo_kind_count(r); i++) {
		char *rel = ks_record_relpath(ks_repo_kind(r, i)->name, arg);

		if (rel && has_conflicts(r, rel))
			return rel;
		ks_free(rel);
	}
	while (!strncmp(arg, "./", 2))
		arg += 2;
	if (ks_is_survey_path(arg) && strncmp(arg, "conflicts/", 10) &&
	    !strstr(arg, "..") && has_conflicts(r, arg))
		return ks_strdup(arg);
	return NULL;
}

static int record_exists(struct ks_repo *r, const char *rel)
{
	char *abs = ks_repo_path(r, rel);
	int found = abs && access(abs, F_OK) == 0;

	ks_free(abs);
	return found;
}

/* Saves a file's bytes to put it back if the settlement is refused. */
struct saved {
	char *abs;
	struct ks_buf text;
	int existed;
};

static void save(struct saved *s, struct ks_repo *r, const char *rel)
{
	s->abs = ks_repo_path(r, rel);
	ks_buf_init(&s->text);
	s->existed = s->abs && ks_buf_read_file(&s->text, s->abs, 0) == 0;
}

static void restore(struct saved *s)
{
	struct ks_diags ignore = KS_DIAGS_INIT;

	if (s->existed)
		ks_file_put(s->abs, s->text.ptr, s->text.len, KS_FILE_DURABLE, &ignore);
	else if (s->abs)
		unlink(s->abs);
	ks_diags_release(&ignore);
}

static void saved_release(struct saved *s)
{
	ks_free(s->abs);
	ks_buf_release(&s->text);
}

int cmd_resolve(int argc, char **argv, struct cli *cli)
{
	const char *take = NULL, *value = NULL, *message = NULL;
	int base = 0, gone, err, code = EXIT_PROBLEMS;
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_conflict_set s = { 0 };
	struct ks_changes ch = { 0 };
	struct ks_doc *vdoc = NULL;
	struct ks_buf field = KS_BUF_INIT, cpath = KS_BUF_INIT, msg = KS_BUF_INIT;
	struct saved sr = { 0 }, sc = { 0 };
	const struct ks_conflict_entry *e = NULL;
	const struct ks_node *choice = NULL;
	const char *text = NULL;
	char *rel = NULL;
	git_oid id;
	size_t i;
	const struct opt opts[] = {
		{ 0, "take", "N", OPT_STRING, &take,
		  "keep proposal N, as numbered by 'khaosat conflicts'" },
		{ 0, "value", "VALUE", OPT_STRING, &value, "set a new value instead" },
		{ 0, "base", NULL, OPT_FLAG, &base,
		  "keep the base value (the value before both changes)" },
		{ 'm', "message", "MESSAGE", OPT_STRING, &message,
		  "the commit message (default: says what was chosen)" },
		OPT_END_MARK,
	};

	if ((err = parse_options(&argc, argv, &info, opts)))
		return err;
	if (argc != 2)
		return usage_error(&info, "give the record id and the field");
	if (!!take + !!value + !!base != 1)
		return usage_error(&info, "choose one of --take N, --value VALUE or --base");
	/* It commits: refused before the record is touched when off main. */
	if ((err = open_survey(cli, &d)) ||
	    (err = ks_repo_require_main(cli->repo, &d)))
		return fail(&d, err);
	if (!(rel = conflict_file(cli->repo, argv[0]))) {
		code = fail(&d, ks_error(&d, KS_ENOTFOUND, NULL, 0, 0,
					 "no open conflict on \"%s\" (give a record id, or a survey file as 'khaosat conflicts' names it)",
					 argv[0]));
		goto out;
	}
	/*
	 * "phone", "/phone", "workers.regular" and "/workers/regular" name
	 * fields as history does; "/" the whole record.
	 */
	{
		char *f = ks_field_normalise(argv[1]);

		if (!f || ks_buf_puts(&field, f) < 0) {
			ks_free(f);
			code = fail(&d, -1);
			goto out;
		}
		ks_free(f);
	}
	ks_buf_addf(&cpath, "conflicts/%s", rel);
	/*
	 * Changes to this record and its conflict file are allowed: a resolve
	 * stopped between writing them and committing is finished by running
	 * it again.
	 */
	if (!(err = ks_changes_list(&ch, cli->repo, &d)))
		for (i = 0; i < ch.n; i++)
			if (strcmp(ch.v[i].path, rel) && strcmp(ch.v[i].path, cpath.ptr))
				err = KS_EINVALID;
	if (err) {
		if (err == KS_EINVALID)
			ks_error(&d, KS_EINVALID, NULL, 0, 0,
				 "the work tree has uncommitted changes; commit them before resolving");
		code = fail(&d, err);
		goto out;
	}
	if ((err = ks_conflicts_load(&s, cli->repo, rel, &d))) {
		code = fail(&d, err);
		goto out;
	}
	for (i = 0; i < s.n && !e; i++)
		if (!strcmp(s.v[i].field, field.ptr))
			e = &s.v[i];
	if (!e) {
		code = fail(&d, ks_error(&d, KS_ENOTFOUND, NULL, 0, 0,
					 "no open conflict on %s %s", argv[0], argv[1]));
		goto out;
	}
	gone = *field.ptr && !record_exists(cli->repo, rel);
	if (gone && value) {
		code = fail(&d, ks_error(&d, KS_EINVALID, rel, 0, 0,
					 "record %s was deleted, so %s cannot be set; 'khaosat resolve %s %s --base' closes its conflict",
					 argv[0], field.ptr, argv[0], field.ptr));
		goto out;
	}
	if (gone) {
		ks_buf_addf(&msg, "Close the conflict on %s %s: the record was deleted",
			    argv[0], field.ptr);
	} else if (take) {
		char *end;
		unsigned long n = strtoul(take, &end, 10);
		const struct ks_node *p;

		if (*end || n < 1 || n > e->proposals->u.seq.n) {
			code = usage_error(&info, "--take: choose a proposal from 1 to %zu",
					   e->proposals->u.seq.n);
			goto out;
		}
		p = e->proposals->u.seq.v[n - 1];
		choice = ks_map_get(p, "value");
		if (ks_map_get(p, "text"))
			text = ks_map_get(p, "text")->u.scalar.str;
		ks_buf_addf(&msg, "Resolve %s %s: keep proposal %lu", argv[0],
			    *field.ptr ? field.ptr : "(record)", n);
	} else if (base) {
		choice = e->base;
		ks_buf_addf(&msg, "Resolve %s %s: keep the base value", argv[0],
			    *field.ptr ? field.ptr : "(record)");
	} else {
		vdoc = ks_doc_new(NULL);
		choice = vdoc ? ks_node_scalar(vdoc, value, strlen(value), 0) : NULL;
		if (!choice) {
			code = usage_error(&info, "--value must be UTF-8 text");
			goto out;
		}
		ks_buf_addf(&msg, "Resolve %s %s: set a new value", argv[0],
			    *field.ptr ? field.ptr : "(record)");
	}
	save(&sr, cli->repo, rel);
	save(&sc, cli->repo, cpath.ptr);
	err = ks_conflict_resolve(cli->repo, rel, field.ptr, choice, text, &d);
	if (!err)
		err = ks_commit_changes(&id, cli->repo, message ? message : msg.ptr, &d);
	if (err) {
		/* Refused (an invalid record): leave both files as they were. */
		restore(&sr);
		restore(&sc);
		print_diags(&d);
		if (base && !e->base && *field.ptr)
			fprintf(stderr, "note: there was no value before both changes, so --base removes the field; keep a proposal (--take N) or give one (--value VALUE)\n");
		fprintf(stderr, "not resolved: nothing was changed\n");
		code = exit_code(err);
		goto out;
	}
	if (gone)
		printf("Record %s no longer exists: closed its conflict on %s without setting a value; committed.\n",
		       argv[0], field.ptr);
	else
		printf("Resolved %s %s; committed.\n", argv[0], argv[1]);
	fflush(stdout);
	print_diags(&d);
	code = EXIT_OK;
out:
	saved_release(&sr);
	saved_release(&sc);
	ks_free(rel);
	ks_doc_free(vdoc);
	ks_changes_release(&ch);
	ks_conflict_set_release(&s);
	ks_buf_release(&field);
	ks_buf_release(&cpath);
	ks_buf_release(&msg);
	ks_diags_release(&d);
	return code;
}
