/*
 * khaosat resolve: settle one open conflict by choosing a proposal, the
 * base value, or a new value; the record is checked and the settlement is
 * committed like any other edit, so it syncs to every laptop.
 */
#include "cli.h"
#include "intl.h"
#include "buf.h"
#include "diag.h"
#include "record.h"
#include "repo.h"
#include "resolve.h"

#include <stdlib.h>
#include <string.h>

static const struct cmd_info info = {
	"khaosat resolve ID FIELD (--take N | --value VALUE | --base) [-m MESSAGE]",
	N_("Settle the open conflict on FIELD of record ID ('/' for the whole\n"
	"record): keep proposal N as listed by 'khaosat conflicts', a new VALUE,\n"
	"or the base value. The record must stay valid; the change is committed.\n"
	"A conflict in khaosat.yaml or a schema is settled the same way, with its\n"
	"path (khaosat.yaml, schema/workshop.yaml) in place of ID."),
};

/* What settles the conflict, and the commit message that says so. */
struct choice {
	const struct ks_node *value;
	const char *text;	/* a proposal's text that does not parse */
	struct ks_doc *doc;	/* holds a --value */
	struct ks_buf msg;
};

/* 0, or the exit code of the usage error it printed. */
static int choose(struct choice *c, const struct ks_resolve *t, const char *id,
		  const char *take, const char *value, int base)
{
	const struct ks_node *given = NULL;
	unsigned long n = 0;
	char *end;

	if (take && !t->gone) {
		n = strtoul(take, &end, 10);
		if (*end || n < 1 || n > t->e->proposals->u.seq.n)
			return usage_error(&info, "--take: choose a proposal from 1 to %zu",
					   t->e->proposals->u.seq.n);
	} else if (value && !t->gone) {
		c->doc = ks_doc_new(NULL);
		given = c->doc ? ks_node_scalar(c->doc, value, strlen(value), 0) : NULL;
		if (!given)
			return usage_error(&info, "--value must be UTF-8 text");
	}
	if (ks_resolve_choice(&c->value, &c->text, &c->msg, t, id,
			      take ? KS_RESOLVE_TAKE : base ? KS_RESOLVE_BASE
			      : KS_RESOLVE_VALUE, n, given) < 0)
		ks_buf_fail(&c->msg);	/* said as out of memory below */
	return 0;
}

int cmd_resolve(int argc, char **argv, struct cli *cli)
{
	const char *take = NULL, *value = NULL, *message = NULL;
	int base = 0, err, code;
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_resolve t = KS_RESOLVE_INIT;
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
	if ((err = ks_resolve_find(&t, cli->repo, argv[0], argv[1], &d)) ||
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
	if ((err = ks_resolve_settle(cli->repo, &t, c.value, c.text,
				      message ? message : c.msg.ptr, &d))) {
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
	ks_resolve_release(&t);
	ks_doc_free(c.doc);
	ks_buf_release(&c.msg);
	ks_diags_release(&d);
	return code;
}
