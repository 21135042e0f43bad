/*
 * khaosat resolve: settle one open conflict by choosing a proposal, the
 * base value, or a new value; the record is checked and the settlement is
 * committed like any other edit, so it syncs to every laptop.
 */
#include "cli.h"
#include "intl.h"
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
	N_("Settle the open conflict on FIELD of record ID ('/' for the whole\n"
	"record): keep proposal N as listed by 'khaosat conflicts', a new VALUE,\n"
	"or the base value. The record must stay valid; the change is committed.\n"
	"A conflict in khaosat.yaml or a schema is settled the same way, with its\n"
	"path (khaosat.yaml, schema/workshop.yaml) in place of ID."),
};

/* 1 when conflicts/<rel> is there; -1 when memory runs out. */
static int has_conflicts(struct ks_repo *r, const char *rel)
{
	struct ks_buf c = KS_BUF_INIT;
	char *abs = NULL;
	int found = -1;

	if (ks_buf_addf(&c, "conflicts/%s", rel) == 0 &&
	    (abs = ks_repo_path(r, c.ptr)))
		found = access(abs, F_OK) == 0;
	ks_free(abs);
	ks_buf_release(&c);
	return found;
}

/*
 * The file a conflict is about, even when it is gone: a record by its id,
 * or a survey file (khaosat.yaml, a schema) by its path in the survey.
 * 0, KS_ENOTFOUND, or -1 when memory runs out.
 */
static int conflict_file(char **out, struct ks_repo *r, const char *arg)
{
	size_t i;
	int found = 0;

	for (i = 0; i < ks_repo_kind_count(r) && !found; i++) {
		char *rel = ks_record_relpath(ks_repo_kind(r, i)->name, arg);

		found = rel ? has_conflicts(r, rel) : 0;
		if (found > 0)
			*out = rel;
		else
			ks_free(rel);
	}
	if (found)
		return found < 0 ? -1 : 0;
	while (!strncmp(arg, "./", 2))
		arg += 2;
	if (!ks_is_survey_path(arg) || !strncmp(arg, "conflicts/", 10) ||
	    strstr(arg, ".."))
		return KS_ENOTFOUND;
	if ((found = has_conflicts(r, arg)) <= 0)
		return found < 0 ? -1 : KS_ENOTFOUND;
	*out = ks_strdup(arg);
	return *out ? 0 : -1;
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

/* The open conflict the command line names. */
struct target {
	char *rel;		/* the file it is about */
	char *field;		/* as history names fields; "" the whole record */
	struct ks_buf cpath;	/* the file's conflict file */
	struct ks_conflict_set s;
	const struct ks_conflict_entry *e;	/* in `s` */
	int gone;		/* a field of a record deleted since */
};

static void target_release(struct target *t)
{
	ks_free(t->rel);
	ks_free(t->field);
	ks_buf_release(&t->cpath);
	ks_conflict_set_release(&t->s);
}

/*
 * Only the record and its conflict file may have changes: a resolve
 * stopped between writing them and committing is finished by running it
 * again.
 */
static int only_own_changes(struct ks_repo *r, const struct target *t,
			    struct ks_diags *d)
{
	struct ks_changes ch = { 0 };
	size_t i;
	int err = ks_changes_list(&ch, r, d);

	for (i = 0; !err && i < ch.n; i++)
		if (strcmp(ch.v[i].path, t->rel) && strcmp(ch.v[i].path, t->cpath.ptr))
			err = ks_error(d, KS_EINVALID, NULL, 0, 0,
				       "the work tree has uncommitted changes; commit them before resolving");
	ks_changes_release(&ch);
	return err;
}

/* Finds the conflict on `field` of `id`, and checks it can be settled now. */
static int find_target(struct target *t, struct ks_repo *r, const char *id,
		       const char *field, struct ks_diags *d)
{
	size_t i;
	int err = conflict_file(&t->rel, r, id);

	if (err == KS_ENOTFOUND)
		return ks_error(d, err, NULL, 0, 0,
				"no open conflict on \"%s\" (give a record id, or a survey file as 'khaosat conflicts' names it)",
				id);
	/*
	 * "phone", "/phone", "workers.regular" and "/workers/regular" name
	 * fields as history does; "/" the whole record.
	 */
	if (err || !(t->field = ks_field_normalise(field)) ||
	    ks_buf_addf(&t->cpath, "conflicts/%s", t->rel) < 0)
		return -1;
	if ((err = only_own_changes(r, t, d)) ||
	    (err = ks_conflicts_load(&t->s, r, t->rel, d)))
		return err;
	for (i = 0; i < t->s.n && !t->e; i++)
		if (!strcmp(t->s.v[i].field, t->field))
			t->e = &t->s.v[i];
	if (!t->e)
		return ks_error(d, KS_ENOTFOUND, NULL, 0, 0,
				"no open conflict on %s %s", id, field);
	t->gone = *t->field && !record_exists(r, t->rel);
	return 0;
}

/* What settles the conflict, and the commit message that says so. */
struct choice {
	const struct ks_node *value;
	const char *text;	/* a proposal's text that does not parse */
	struct ks_doc *doc;	/* holds a --value */
	struct ks_buf msg;
};

/* 0, or the exit code of the usage error it printed. */
static int choose(struct choice *c, const struct target *t, const char *id,
		  const char *take, const char *value, int base)
{
	const struct ks_node *proposals = t->e->proposals;
	const char *what = *t->field ? t->field : _("(record)");
	unsigned long n;
	char *end;

	if (t->gone) {
		ks_buf_addf(&c->msg, _("Close the conflict on %s %s: the record was deleted"),
			    id, t->field);
	} else if (take) {
		n = strtoul(take, &end, 10);
		if (*end || n < 1 || n > proposals->u.seq.n)
			return usage_error(&info, "--take: choose a proposal from 1 to %zu",
					   proposals->u.seq.n);
		c->value = ks_map_get(proposals->u.seq.v[n - 1], "value");
		if (ks_map_get(proposals->u.seq.v[n - 1], "text"))
			c->text = ks_map_get(proposals->u.seq.v[n - 1], "text")->u.scalar.str;
		ks_buf_addf(&c->msg, _("Resolve %s %s: keep proposal %lu"), id, what, n);
	} else if (base) {
		c->value = t->e->base;
		ks_buf_addf(&c->msg, _("Resolve %s %s: keep the base value"), id, what);
	} else {
		c->doc = ks_doc_new(NULL);
		c->value = c->doc ? ks_node_scalar(c->doc, value, strlen(value), 0) : NULL;
		if (!c->value)
			return usage_error(&info, "--value must be UTF-8 text");
		ks_buf_addf(&c->msg, _("Resolve %s %s: set a new value"), id, what);
	}
	return 0;
}

/*
 * Writes the choice and commits it; when that is refused (an invalid
 * record), both files are put back as they were.
 */
static int settle(struct ks_repo *r, const struct target *t,
		  const struct choice *c, const char *message, struct ks_diags *d)
{
	struct saved sr, sc;
	git_oid id;
	int err;

	save(&sr, r, t->rel);
	save(&sc, r, t->cpath.ptr);
	err = ks_conflict_resolve(r, t->rel, t->field, c->value, c->text, d);
	if (!err)
		err = ks_commit_changes(&id, r, message ? message : c->msg.ptr, d);
	if (err) {
		restore(&sr);
		restore(&sc);
	}
	saved_release(&sr);
	saved_release(&sc);
	return err;
}

int cmd_resolve(int argc, char **argv, struct cli *cli)
{
	const char *take = NULL, *value = NULL, *message = NULL;
	int base = 0, err, code;
	struct ks_diags d = KS_DIAGS_INIT;
	struct target t = { .cpath = KS_BUF_INIT };
	struct choice c = { .msg = KS_BUF_INIT };
	const struct opt opts[] = {
		{ 0, "take", "N", OPT_STRING, &take,
		  N_("keep proposal N, as numbered by 'khaosat conflicts'") },
		{ 0, "value", "VALUE", OPT_STRING, &value, N_("set a new value instead") },
		{ 0, "base", NULL, OPT_FLAG, &base,
		  N_("keep the base value (the value before both changes)") },
		{ 'm', "message", "MESSAGE", OPT_STRING, &message,
		  N_("what the survey history records for it (default: says what was chosen)") },
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
	if ((err = find_target(&t, cli->repo, argv[0], argv[1], &d)) ||
	    (t.gone && value &&
	     (err = ks_error(&d, KS_EINVALID, t.rel, 0, 0,
			     "record %s was deleted, so %s cannot be set; 'khaosat resolve %s %s --base' closes its conflict",
			     argv[0], t.field, argv[0], t.field)))) {
		code = fail(&d, err);
		goto out;
	}
	if ((code = choose(&c, &t, argv[0], take, value, base)))
		goto out;
	/* A commit message cut short is not committed. */
	if (ks_buf_failed(&c.msg)) {
		code = fail(&d, -1);
		goto out;
	}
	if ((err = settle(cli->repo, &t, &c, message, &d))) {
		print_diags(&d);
		if (base && !t.e->base && *t.field)
			fputs(_("note: there was no value before both changes, so --base removes the field; keep a proposal (--take N) or give one (--value VALUE)\n"),
			      stderr);
		fputs(_("not resolved: nothing was changed\n"), stderr);
		code = exit_code(err);
		goto out;
	}
	if (t.gone)
		printf(_("Record %s no longer exists: closed its conflict on %s without setting a value; saved to the survey history.\n"),
		       argv[0], t.field);
	else
		printf(_("Settled the conflict on %s %s; saved to the survey history.\n"), argv[0], argv[1]);
	fflush(stdout);
	print_diags(&d);
	code = EXIT_OK;
out:
	target_release(&t);
	ks_doc_free(c.doc);
	ks_buf_release(&c.msg);
	ks_diags_release(&d);
	return code;
}
