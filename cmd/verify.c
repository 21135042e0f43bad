/*
 * khaosat verify: an audit of the survey repository.  Counts per check
 * (objects, signatures of main's commits, records, conflicts, history),
 * then each problem; --json gives the same as data.
 */
#include "cli.h"
#include "intl.h"
#include "hubcheck.h"
#include "alloc.h"
#include "buf.h"
#include "commit.h"
#include "diag.h"
#include "json.h"
#include "repo.h"
#include "verify.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static const struct cmd_info info = {
	"khaosat verify [--json] [--require-signatures] [--accept-rewrite] [--no-cache]\n"
	"   or: khaosat verify --hub DIR [--repair-from SURVEY] [--quarantine]\n"
	"                        [--set-aside DEVICE]...",
	N_("Audit the survey: every object reachable from main and the devices'\n"
	"refs is present and intact; every commit on main is signed by a key\n"
	"that allowed_signers (at main's tip) allows for its author, and in a\n"
	"signed survey authentic by its members from the introduction on; every\n"
	"record at HEAD is valid; no conflict is open; and main still contains\n"
	"what the last verify saw. Exit 1 when a problem is found.\n"
	"With --hub, check a hub where it lives instead: each ref the laptops\n"
	"fetch (main, devices/*) gets the checks a laptop's sync gives it.\n"
	"--quarantine sets every ref that fails aside under refs/quarantine/,\n"
	"where no laptop fetches it (a khaosat hub refuses deletions through\n"
	"git); --set-aside does so for a device's ref the laptops refuse for a\n"
	"reason the hub cannot judge, such as the survey's members.\n"
	"--repair-from rebuilds the hub's objects, taking each from the survey\n"
	"folder SURVEY (a laptop that synced the work before) when it has it:\n"
	"what the hub's copy lost comes back."),
};

/* 12345 as "12,345". */
static const char *count(char *buf, size_t n)
{
	char tmp[32];
	size_t len, i, j = 0;

	snprintf(tmp, sizeof(tmp), "%zu", n);
	len = strlen(tmp);
	for (i = 0; i < len; i++) {
		if (i && (len - i) % 3 == 0)
			buf[j++] = ',';
		buf[j++] = tmp[i];
	}
	buf[j] = '\0';
	return buf;
}

static const char *short_hex(char *buf, const git_oid *id)
{
	return git_oid_tostr(buf, 11, id);
}

/* "12,345 commits", for a line that counts two histories. */
static const char *commits_text(char *buf, size_t size, size_t n)
{
	char num[32];

	snprintf(buf, size, Q_("%s commit", "%s commits", n), count(num, n));
	return buf;
}

/*
 * The parts of the commits line after "N signed by allowed keys, N
 * unsigned", each after its count.
 */
static const struct {
	enum ks_sig_status status;
	const char *text;
} sig_parts[] = {
	{ KS_SIG_UNCHECKED, N_("signed but not checked") },
	{ KS_SIG_UNSUPPORTED, N_("with OpenPGP or X.509 signatures") },
	{ KS_SIG_UNKNOWN_KEY, N_("signed by unknown keys") },
	{ KS_SIG_KEY_NOT_VALID, N_("signed by keys not valid then") },
	{ KS_SIG_OTHER_SIGNER, N_("signed by another surveyor's key") },
	{ KS_SIG_BAD, N_("with bad signatures") },
};

static void summary(struct ks_buf *b, const struct ks_verify_report *rep)
{
	char n1[32], n2[32], n3[32], h1[12], h2[12], c1[64], c2[64];
	size_t i, valid;

	ks_buf_addf(b, _("objects: %s checked, %s bad\n"),
		    count(n1, rep->objects), count(n2, rep->nbad));
	if (!rep->has_signers && rep->auth_commits)
		/* Signed mode: the members line says what the signatures are worth. */
		ks_buf_addf(b, _("commits on main: %s, %s unsigned"), count(n1, rep->commits),
			    count(n3, rep->sig_count[KS_SIG_UNSIGNED]));
	else
		ks_buf_addf(b, _("commits on main: %s, %s signed by allowed keys, %s unsigned"),
			    count(n1, rep->commits),
			    count(n2, rep->sig_count[KS_SIG_GOOD]),
			    count(n3, rep->sig_count[KS_SIG_UNSIGNED]));
	for (i = 0; (rep->has_signers || !rep->auth_commits) &&
		    i < sizeof(sig_parts) / sizeof(*sig_parts); i++)
		if (rep->sig_count[sig_parts[i].status])
			ks_buf_addf(b, ", %s %s",
				    count(n1, rep->sig_count[sig_parts[i].status]),
				    _(sig_parts[i].text));
	valid = rep->records - (rep->invalid_records > rep->records
				? rep->records : rep->invalid_records);
	if (rep->auth_commits)
		ks_buf_addf(b, Q_("\nmembers: %s commit judged by the members file, %s authentic",
				  "\nmembers: %s commits judged by the members file, %s authentic",
				  rep->auth_commits),
			    count(n1, rep->auth_commits),
			    count(n2, rep->auth_commits - rep->auth_bad - rep->auth_waiting));
	if (rep->auth_waiting)
		ks_buf_addf(b, _(", %s waiting for approval"), count(n1, rep->auth_waiting));
	if (rep->has_intro) {
		short_hex(h1, &rep->intro);
		ks_buf_addf(b, _("\nintroduction: commit %s, signed by the centre %s with key %s"),
			    h1, rep->intro_device, rep->intro_key);
	}
	ks_buf_addf(b, _("\nrecords: %s valid, %s invalid\n"), count(n1, valid),
		    count(n2, rep->records - valid));
	if (rep->attachments)
		ks_buf_addf(b, Q_("attached files: %s, each checked against its name\n",
				  "attached files: %s, each checked against its name\n",
				  rep->attachments), count(n1, rep->attachments));
	ks_buf_addf(b, _("conflicts: %s open\n"), count(n1, rep->conflicts));
	short_hex(h2, &rep->tip);
	count(n2, rep->commits);
	switch (rep->history) {
	case KS_HISTORY_FIRST:
		ks_buf_addf(b, Q_("history: no earlier verify to compare with; main is at %s (%s commit)\n",
				  "history: no earlier verify to compare with; main is at %s (%s commits)\n",
				  rep->commits),
			    h2, n2);
		break;
	case KS_HISTORY_UNCHANGED:
		ks_buf_addf(b, Q_("history: unchanged since the last verify, at %s (%s commit)\n",
				  "history: unchanged since the last verify, at %s (%s commits)\n",
				  rep->commits),
			    h2, n2);
		break;
	case KS_HISTORY_GREW:
		/* TRANSLATORS: each "(%s)": "3 commits". */
		ks_buf_addf(b, _("history: grew from %s (%s) to %s (%s)\n"),
			    short_hex(h1, &rep->old_tip),
			    commits_text(c1, sizeof(c1), rep->old_commits), h2,
			    commits_text(c2, sizeof(c2), rep->commits));
		break;
	case KS_HISTORY_REWRITTEN:
		short_hex(h1, &rep->old_tip);
		commits_text(c1, sizeof(c1), rep->old_commits);
		commits_text(c2, sizeof(c2), rep->commits);
		if (rep->accepted)
			/* TRANSLATORS: each "(%s)": "3 commits". */
			ks_buf_addf(b, _("history: REWRITTEN: main no longer contains %s (%s); it is now at %s (%s), accepted as the new starting point\n"),
				    h1, c1, h2, c2);
		else
			/* TRANSLATORS: each "(%s)": "3 commits". */
			ks_buf_addf(b, _("history: REWRITTEN: main no longer contains %s (%s); it is now at %s (%s)\n"),
				    h1, c1, h2, c2);
		break;
	case KS_HISTORY_UNKNOWN:
		ks_buf_puts(b, _("history: not compared: main's history could not be read whole\n"));
		break;
	}
}

/* Why a commit's signature is not good, in words. */
static void sig_message(struct ks_buf *b, const struct ks_verify_commit *f)
{
	const char *key = f->key ? f->key : "?";

	switch (f->status) {
	case KS_SIG_GOOD:
		break;
	case KS_SIG_UNSIGNED:
		ks_buf_puts(b, _("not signed"));
		break;
	case KS_SIG_UNCHECKED:
		ks_buf_puts(b, _("signed, but the survey has no allowed_signers to check it against"));
		break;
	case KS_SIG_UNSUPPORTED:
		ks_buf_puts(b, _("signed with an OpenPGP or X.509 signature, which verify does not check"));
		break;
	case KS_SIG_UNKNOWN_KEY:
		ks_buf_addf(b, _("signed by key %s, which is not in allowed_signers"), key);
		break;
	case KS_SIG_KEY_NOT_VALID:
		ks_buf_addf(b, _("signed by key %s of %s, which allowed_signers does not allow for this commit (valid-after, valid-before or namespaces)"),
			    key, f->signer ? f->signer : "?");
		break;
	case KS_SIG_OTHER_SIGNER:
		ks_buf_addf(b, _("signed by key %s, which allowed_signers gives to %s, not to %s"),
			    key, f->signer ? f->signer : "?", f->email);
		break;
	case KS_SIG_BAD:
		ks_buf_puts(b, _("the signature does not match the commit: changed after signing, or a damaged signature"));
		break;
	case KS_SIG_NSTATUS:
		break;
	}
}

static void commit_line(struct ks_buf *b, const struct ks_verify_commit *f)
{
	char hex[12], when[64];

	ks_format_time(when, sizeof(when), &f->when, 0);
	ks_buf_addf(b, _("%s: commit %s \"%s\" (%s <%s>, device %s, %s): "),
		    ks_severity_label(f->severity), short_hex(hex, &f->id),
		    f->summary, f->author, f->email,
		    f->device ? f->device : "-", when);
	sig_message(b, f);
	ks_buf_putc(b, '\n');
}

static void diag_lines(struct ks_buf *b, const struct ks_diags *d)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		ks_diag_format(b, &d->v[i]);
		ks_buf_putc(b, '\n');
	}
}

static void rewrite_line(struct ks_buf *b, const struct ks_verify_report *rep)
{
	char h1[12], h2[12], when[64];
	time_t t = (time_t)rep->old_time;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm);
	short_hex(h1, &rep->old_tip);
	short_hex(h2, &rep->tip);
	if (rep->accepted)
		ks_buf_addf(b, Q_("%s: history rewritten: main no longer contains %s, which the verify of %s saw with %zu commit; main is now at %s; accepted: later verifies compare with it\n",
				  "%s: history rewritten: main no longer contains %s, which the verify of %s saw with %zu commits; main is now at %s; accepted: later verifies compare with it\n",
				  rep->old_commits),
			    _("warning"), h1, when, rep->old_commits, h2);
	else
		ks_buf_addf(b, Q_("%s: history rewritten: main no longer contains %s, which the verify of %s saw with %zu commit; main is now at %s; once explained, 'khaosat verify --accept-rewrite' takes it as the new starting point\n",
				  "%s: history rewritten: main no longer contains %s, which the verify of %s saw with %zu commits; main is now at %s; once explained, 'khaosat verify --accept-rewrite' takes it as the new starting point\n",
				  rep->old_commits),
			    _("error"), h1, when, rep->old_commits, h2);
}

static void details(struct ks_buf *b, const struct ks_verify_report *rep)
{
	size_t i;

	for (i = 0; i < rep->nbad; i++) {
		const struct ks_verify_object *o = &rep->bad[i];
		char hex[GIT_OID_HEXSZ + 1];

		ks_buf_addf(b, _("error: %s: object %s %s\n"), o->where,
			    git_oid_tostr(hex, sizeof(hex), &o->id), o->message);
	}
	if (rep->history == KS_HISTORY_REWRITTEN)
		rewrite_line(b, rep);
	if (!rep->has_signers && rep->commits && !rep->auth_commits)
		ks_buf_puts(b, _("note: no allowed_signers in the survey: signatures are not checked\n"));
	for (i = 0; i < rep->nfindings; i++)
		commit_line(b, &rep->findings[i]);
	diag_lines(b, &rep->notes);
	diag_lines(b, &rep->record_diags);
	diag_lines(b, &rep->conflict_diags);
	if (rep->uncommitted)
		ks_buf_addf(b, Q_("note: %zu uncommitted change in the work tree is not verified: records are checked as committed\n",
				  "note: %zu uncommitted changes in the work tree are not verified: records are checked as committed\n",
				  rep->uncommitted),
			    rep->uncommitted);
	if (rep->problems)
		ks_buf_addf(b, Q_("verify: %zu problem found\n",
				  "verify: %zu problems found\n", rep->problems),
			    rep->problems);
	else
		ks_buf_puts(b, _("verify: no problems found\n"));
}

/* ---- --json ---- */

static void json_oid(struct ks_json *j, const char *name, const git_oid *id)
{
	char hex[GIT_OID_HEXSZ + 1];

	ks_json_field_str(j, name, git_oid_tostr(hex, sizeof(hex), id));
}

static void json_diags(struct ks_json *j, const char *name,
		       const struct ks_diags *d)
{
	size_t i;

	ks_json_key(j, name);
	ks_json_begin_array(j);
	for (i = 0; i < d->n; i++)
		ks_diag_format_json(j, &d->v[i]);
	ks_json_end_array(j);
}

static void json_objects(struct ks_json *j, const struct ks_verify_report *rep)
{
	size_t i;

	ks_json_key(j, "objects");
	ks_json_begin_object(j);
	ks_json_field_uint(j, "checked", rep->objects);
	ks_json_field_uint(j, "bad", rep->nbad);
	ks_json_key(j, "problems");
	ks_json_begin_array(j);
	for (i = 0; i < rep->nbad; i++) {
		const struct ks_verify_object *o = &rep->bad[i];

		ks_json_begin_object(j);
		json_oid(j, "id", &o->id);
		ks_json_field_str(j, "type", git_object_type2string(o->type));
		ks_json_field_str(j, "problem", o->missing ? "missing" : "damaged");
		ks_json_field_str(j, "where", o->where);
		ks_json_field_str(j, "message", o->message);
		ks_json_end_object(j);
	}
	ks_json_end_array(j);
	ks_json_end_object(j);
}

static void json_finding(struct ks_json *j, const struct ks_verify_commit *f,
			 struct ks_buf *msg)
{
	char when[64];

	ks_format_time(when, sizeof(when), &f->when, 1);
	ks_buf_reset(msg);
	sig_message(msg, f);
	ks_json_begin_object(j);
	json_oid(j, "commit", &f->id);
	ks_json_field_str(j, "summary", f->summary);
	ks_json_field_str(j, "author", f->author);
	ks_json_field_str(j, "email", f->email);
	ks_json_field_str(j, "device", f->device);
	ks_json_field_str(j, "time", when);
	ks_json_field_str(j, "signature", ks_sig_status_name(f->status));
	ks_json_field_str(j, "severity", ks_severity_name(f->severity));
	ks_json_field_str(j, "key", f->key);
	ks_json_field_str(j, "signer", f->signer);
	ks_json_key(j, "message");
	ks_json_str_buf(j, msg);
	ks_json_end_object(j);
}

static void json_commits(struct ks_json *j, const struct ks_verify_report *rep)
{
	struct ks_buf msg = KS_BUF_INIT;
	size_t i;

	ks_json_key(j, "commits");
	ks_json_begin_object(j);
	ks_json_field_uint(j, "main", rep->commits);
	/* The allowed_signers blob the signatures were checked against. */
	if (rep->has_signers)
		json_oid(j, "allowed_signers", &rep->signers_blob);
	else
		ks_json_field_str(j, "allowed_signers", NULL);
	for (i = 0; i < KS_SIG_NSTATUS; i++)
		ks_json_field_uint(j, ks_sig_status_name((enum ks_sig_status)i),
				   rep->sig_count[i]);
	ks_json_key(j, "findings");
	ks_json_begin_array(j);
	for (i = 0; i < rep->nfindings; i++)
		json_finding(j, &rep->findings[i], &msg);
	ks_json_end_array(j);
	ks_json_end_object(j);
	ks_buf_release(&msg);
}

static void json_members(struct ks_json *j, const struct ks_verify_report *rep)
{
	ks_json_key(j, "members");
	ks_json_begin_object(j);
	ks_json_field_uint(j, "judged", rep->auth_commits);
	ks_json_field_uint(j, "authentic", rep->auth_commits - rep->auth_bad -
			   rep->auth_waiting);
	ks_json_field_uint(j, "waiting", rep->auth_waiting);
	ks_json_key(j, "introduction");
	if (rep->has_intro) {
		ks_json_begin_object(j);
		json_oid(j, "commit", &rep->intro);
		ks_json_field_str(j, "device", rep->intro_device);
		ks_json_field_str(j, "key", rep->intro_key);
		ks_json_end_object(j);
	} else {
		ks_json_null(j);
	}
	ks_json_end_object(j);
}

static void json_history(struct ks_json *j, const struct ks_verify_report *rep)
{
	static const char *const names[] = {
		"first", "unchanged", "grew", "rewritten", "unknown",
	};

	ks_json_key(j, "history");
	ks_json_begin_object(j);
	ks_json_field_str(j, "state", names[rep->history]);
	json_oid(j, "tip", &rep->tip);
	ks_json_field_uint(j, "commits", rep->commits);
	if (rep->history != KS_HISTORY_FIRST) {
		json_oid(j, "old_tip", &rep->old_tip);
		ks_json_field_uint(j, "old_commits", rep->old_commits);
		ks_json_field_int(j, "old_time", rep->old_time);
	}
	ks_json_field_bool(j, "accepted", rep->accepted);
	ks_json_field_bool(j, "saved", rep->saved);
	ks_json_end_object(j);
}

static void json_report(struct ks_buf *b, const struct ks_verify_report *rep)
{
	size_t valid = rep->records - (rep->invalid_records > rep->records
				       ? rep->records : rep->invalid_records);
	struct ks_json j;

	ks_json_init(&j, b);
	ks_json_begin_object(&j);
	json_objects(&j, rep);
	json_commits(&j, rep);
	json_members(&j, rep);
	ks_json_key(&j, "records");
	ks_json_begin_object(&j);
	ks_json_field_uint(&j, "checked", rep->records);
	ks_json_field_uint(&j, "valid", valid);
	ks_json_field_uint(&j, "invalid", rep->records - valid);
	ks_json_field_uint(&j, "uncommitted_changes", rep->uncommitted);
	ks_json_field_uint(&j, "attached_files", rep->attachments);
	json_diags(&j, "diagnostics", &rep->record_diags);
	ks_json_end_object(&j);
	ks_json_key(&j, "conflicts");
	ks_json_begin_object(&j);
	ks_json_field_uint(&j, "open", rep->conflicts);
	json_diags(&j, "diagnostics", &rep->conflict_diags);
	ks_json_end_object(&j);
	json_history(&j, rep);
	json_diags(&j, "notes", &rep->notes);
	ks_json_field_uint(&j, "problems", rep->problems);
	ks_json_end_object(&j);
	ks_buf_putc(b, '\n');
}

/* khaosat verify --hub DIR: see hubcheck.h. */
static int verify_hub(const char *dir, const char *repair, int quarantine,
		      const struct strlist *aside)
{
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_hub_report rep;
	char hex[GIT_OID_HEXSZ + 1];
	size_t i, j, left, copied;
	int err;

	if (repair) {
		if ((err = ks_hub_repair(&copied, dir, repair, &d)))
			return fail(&d, err);
		printf(Q_("Rebuilt the hub's objects from %s and its own copy: %zu object.\n",
			  "Rebuilt the hub's objects from %s and its own copy: %zu objects.\n",
			  copied),
		       repair, copied);
	}
	err = ks_hub_check(&rep, dir, quarantine ? KS_HUB_QUARANTINE : 0,
			   (char *const *)aside->v, (size_t)aside->n, &d);
	if (err)
		return fail(&d, err);
	if (rep.has_root)
		printf(_("hub %s: survey whose first commit is %.10s\n"), dir,
		       git_oid_tostr(hex, sizeof(hex), &rep.root));
	else
		printf(_("hub %s: empty\n"), dir);
	for (i = 0; i < rep.n; i++) {
		const struct ks_hub_ref *h = &rep.refs[i];

		printf("  %-32s %.10s  %s", h->name, git_oid_tostr(hex, sizeof(hex), &h->tip),
		       !h->bad ? C_("hub", "ok") : h->damaged ? C_("hub", "damaged")
		       : C_("hub", "refused"));
		if (h->set_aside)
			printf(_(", set aside as %s"), h->set_aside);
		putchar('\n');
	}
	for (i = 0; i < rep.diags.n; i++) {
		const struct ks_diag *g = &rep.diags.v[i];

		for (j = 0; j < rep.n && (!g->path || strcmp(g->path, rep.refs[j].name)); j++)
			;
		if (j < rep.n && rep.refs[j].damaged)
			printf(_("%s: error: the hub's copy is damaged: %s. A laptop that synced this work before still has it: 'khaosat verify --hub %s --repair-from SURVEY', with SURVEY that laptop's survey folder (or a copy of it)\n"),
			       g->path, g->message, dir);
		else
			printf("%s: %s: %s\n", g->path ? g->path : dir,
			       g->severity == KS_SEV_ERROR ? _("error") : _("note"),
			       g->message);
	}
	left = 0;
	for (i = 0; i < rep.n; i++)
		left += rep.refs[i].bad && !rep.refs[i].set_aside;
	if (rep.set_aside)
		printf(Q_("%zu ref set aside: the laptops no longer fetch it.\n",
			  "%zu refs set aside: the laptops no longer fetch them.\n",
			  rep.set_aside),
		       rep.set_aside);
	if (left)
		printf(Q_("verify: %zu ref refused by every laptop; 'khaosat verify --hub %s --quarantine' sets it aside\n",
			  "verify: %zu refs refused by every laptop; 'khaosat verify --hub %s --quarantine' sets them aside\n",
			  left),
		       left, dir);
	else
		fputs(_("verify: no problems found\n"), stdout);
	err = left ? EXIT_PROBLEMS : EXIT_OK;
	ks_hub_report_release(&rep);
	ks_diags_release(&d);
	return err;
}

int cmd_verify(int argc, char **argv, struct cli *cli)
{
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_verify_opts vo = KS_VERIFY_OPTS_INIT;
	struct ks_verify_report rep = { 0 };
	struct ks_buf out = KS_BUF_INIT;
	int json = 0, require = 0, accept = 0, no_cache = 0, quarantine = 0, err;
	const char *hub = NULL, *repair = NULL;
	struct strlist aside = { 0 };
	const struct opt opts[] = {
		{ 0, "json", NULL, OPT_FLAG, &json, N_("print the report as JSON") },
		{ 0, "require-signatures", NULL, OPT_FLAG, &require,
		  N_("unsigned commits and unknown keys are problems too") },
		{ 0, "accept-rewrite", NULL, OPT_FLAG, &accept,
		  N_("take a rewritten main as the new starting point") },
		{ 0, "no-cache", NULL, OPT_FLAG, &no_cache,
		  N_("check every signature again, ignoring earlier results") },
		{ 0, "hub", "DIR", OPT_STRING, &hub,
		  N_("check the hub in DIR (where it lives) instead of a survey") },
		{ 0, "repair-from", "SURVEY", OPT_STRING, &repair,
		  N_("with --hub: rebuild its objects, from SURVEY first") },
		{ 0, "quarantine", NULL, OPT_FLAG, &quarantine,
		  N_("with --hub: set every ref that fails aside") },
		{ 0, "set-aside", "DEVICE", OPT_LIST, &aside,
		  N_("with --hub: set this device's ref aside") },
		OPT_END_MARK,
	};

	if ((err = parse_options(&argc, argv, &info, opts)))
		return err;
	if (argc)
		return usage_error(&info, "verify takes no arguments");
	if ((quarantine || aside.n || repair) && !hub) {
		free(aside.v);
		return usage_error(&info, "--repair-from, --quarantine and --set-aside go with --hub");
	}
	if (hub) {
		if (json || require || accept || no_cache) {
			free(aside.v);
			return usage_error(&info, "--hub takes only --repair-from, --quarantine and --set-aside");
		}
		err = verify_hub(hub, repair, quarantine, &aside);
		free(aside.v);
		return err;
	}
	/*
	 * Not open_survey(): verify changes nothing, not even to finish an
	 * interrupted merge (its uncommitted result shows as such).
	 */
	if ((err = ks_repo_open(&cli->repo, cli->cwd, &d)) ||
	    (err = lock_to_read(cli, &d)))
		return fail(&d, err);
	vo.flags = (require ? KS_VERIFY_REQUIRE_SIGNATURES : 0) |
		   (accept ? KS_VERIFY_ACCEPT_REWRITE : 0) |
		   (no_cache ? KS_VERIFY_NO_CACHE : 0);
	err = ks_verify(&rep, cli->repo, &vo, &d);
	if (err) {
		ks_verify_report_release(&rep);
		return fail(&d, err);
	}
	if (json) {
		json_report(&out, &rep);
	} else {
		summary(&out, &rep);
		details(&out, &rep);
	}
	err = put_output(&out) < 0 ? EXIT_INTERNAL
		: rep.problems ? EXIT_PROBLEMS : EXIT_OK;
	ks_buf_release(&out);
	ks_verify_report_release(&rep);
	ks_diags_release(&d);
	return err;
}
