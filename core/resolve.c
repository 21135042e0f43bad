/*
 * Settling an open conflict (`khaosat resolve`, and the conflicts page of
 * `khaosat serve`): finding it by a record's id or a survey file's path
 * and the field, then writing the value chosen and committing it like any
 * other edit, so that it syncs to every laptop.  A settlement the record
 * refuses (it would not be valid) puts both files back as they were.
 */
#include "resolve.h"
#include "alloc.h"
#include "buf.h"
#include "changes.h"
#include "commit.h"
#include "conflict.h"
#include "diag.h"
#include "fielddiff.h"
#include "file.h"
#include "intl.h"
#include "record.h"
#include "repo.h"

#include <string.h>
#include <unistd.h>

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
		ks_file_put_text(s->abs, &s->text, KS_FILE_DURABLE, &ignore);
	else if (s->abs)
		unlink(s->abs);
	ks_diags_release(&ignore);
}

static void saved_release(struct saved *s)
{
	ks_free(s->abs);
	ks_buf_release(&s->text);
}

void ks_resolve_release(struct ks_resolve *t)
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
static int only_own_changes(struct ks_repo *r, const struct ks_resolve *t,
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

int ks_resolve_find(struct ks_resolve *t, struct ks_repo *r, const char *id,
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

int ks_resolve_settle(struct ks_repo *r, const struct ks_resolve *t,
		      const struct ks_node *value, const char *text,
		      const char *message, struct ks_diags *d)
{
	struct saved sr, sc;
	git_oid id;
	int err;

	save(&sr, r, t->rel);
	save(&sc, r, t->cpath.ptr);
	err = ks_conflict_resolve(r, t->rel, t->field, value, text, d);
	if (!err)
		err = ks_commit_changes(&id, r, message, d);
	if (err) {
		restore(&sr);
		restore(&sc);
	}
	saved_release(&sr);
	saved_release(&sc);
	return err;
}

int ks_resolve_choice(const struct ks_node **value, const char **text,
		      struct ks_buf *msg, const struct ks_resolve *t,
		      const char *id, enum ks_resolve_how how, unsigned long n,
		      const struct ks_node *given)
{
	const struct ks_node *proposals = t->e->proposals, *p;
	const char *what = *t->field ? t->field : _("(record)");

	*value = NULL;
	*text = NULL;
	if (t->gone)
		return ks_buf_addf(msg, _("Close the conflict on %s %s: the record was deleted"),
				   id, t->field);
	switch (how) {
	case KS_RESOLVE_BASE:
		*value = t->e->base;
		return ks_buf_addf(msg, _("Resolve %s %s: keep the base value"), id, what);
	case KS_RESOLVE_VALUE:
		*value = given;
		return ks_buf_addf(msg, _("Resolve %s %s: set a new value"), id, what);
	case KS_RESOLVE_TAKE:
		break;
	}
	if (n < 1 || n > proposals->u.seq.n)
		return KS_EINVALID;
	p = proposals->u.seq.v[n - 1];
	*value = ks_map_get(p, "value");
	if (ks_map_get(p, "text"))
		*text = ks_map_get(p, "text")->u.scalar.str;
	return ks_buf_addf(msg, _("Resolve %s %s: keep proposal %lu"), id, what, n);
}
