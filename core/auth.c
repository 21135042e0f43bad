/*
 * Authenticating commits against the survey's members.  See auth.h.
 */
#include "auth.h"
#include "intl.h"
#include "alloc.h"
#include "buf.h"
#include "commit.h"
#include "diag.h"
#include "merge.h"
#include "repo.h"
#include "sshsig.h"
#include "treediff.h"

#include <stdio.h>
#include <string.h>

const char *ks_auth_status_name(enum ks_auth_status s)
{
	/* English, for --json and logs; _() of one gives a person's words */
	static const char *const names[] = {
		N_("authentic"), N_("before signed mode"),
		N_("waiting for approval"), N_("unsigned"),
		N_("bad signature"), N_("unsupported signature"),
		N_("not a member's key"), N_("key not valid then"),
		N_("wrong device"), N_("path not allowed"),
		N_("members file unreadable"), N_("more than two parents"),
	};

	return (size_t)s < sizeof(names) / sizeof(*names) ? names[s] : "?";
}

int ks_auth_refused(enum ks_auth_status s)
{
	return s != KS_AUTH_OK && s != KS_AUTH_OPEN && s != KS_AUTH_WAITING;
}

static void set(struct ks_auth *out, enum ks_auth_status s, const char *why)
{
	out->status = s;
	out->why = why;
}

/* 1 when the survey keeps surveyors to their own records at `path`. */
static int own_only(const struct ks_survey *rules, const char *path)
{
	const struct ks_kind *k;
	char kind[64];
	size_t n;

	if (!rules)
		return 0;
	if (!strncmp(path, "conflicts/", 10))
		path += 10;
	if (strncmp(path, KS_RECORDS_DIR "/", strlen(KS_RECORDS_DIR) + 1))
		return 0;
	path += strlen(KS_RECORDS_DIR) + 1;
	n = strcspn(path, "/");
	if (n >= sizeof(kind))
		return 0;
	memcpy(kind, path, n);
	kind[n] = '\0';
	k = ks_survey_kind(rules, kind);
	return k && k->own_only;
}

/* ---- what the judge keeps ---- */

struct members_seen {
	git_oid blob;
	struct ks_members *m;	/* NULL: the file does not read */
};

struct ks_auth_judge {
	struct ks_repo *r;
	struct members_seen *seen;
	size_t nseen, alloc;
	const struct ks_members **approvals;
	size_t napprovals, aapprovals;
	git_oid rules_blob;	/* the khaosat.yaml last read into `rules` */
	int have_rules, rules_ok;
	struct ks_survey rules;
};

int ks_auth_judge_new(struct ks_auth_judge **out, struct ks_repo *r)
{
	if (!(*out = ks_calloc(1, sizeof(**out))))
		return -1;
	(*out)->r = r;
	return 0;
}

void ks_auth_judge_free(struct ks_auth_judge *j)
{
	size_t i;

	if (!j)
		return;
	for (i = 0; i < j->nseen; i++)
		ks_members_free(j->seen[i].m);
	ks_free(j->seen);
	ks_free(j->approvals);
	ks_survey_release(&j->rules);
	ks_free(j);
}

/* The tree entry `path` of commit `id`: 1 with its blob, 0 when none. */
static int commit_blob(git_oid *blob, git_repository *repo, const git_oid *id,
		       const char *path)
{
	git_commit *c = NULL;
	git_tree *t = NULL;
	int has = git_commit_lookup(&c, repo, id) == 0 &&
		  git_commit_tree(&t, c) == 0 && ks_tree_blob(blob, t, path);

	git_tree_free(t);
	git_commit_free(c);
	git_error_clear();
	return has;
}

/*
 * The members file of commit `id`: 1 with *out (NULL when it does not
 * read), 0 when the commit has none, -1.
 */
static int members_of(const struct ks_members **out, struct ks_auth_judge *j,
		      const git_oid *id)
{
	git_repository *repo = ks_repo_git(j->r);
	struct ks_diags ignore = KS_DIAGS_INIT;
	struct members_seen *ms;
	git_blob *b = NULL;
	git_oid blob;
	size_t i;
	int err = 0;

	*out = NULL;
	if (!commit_blob(&blob, repo, id, KS_MEMBERS_FILE))
		return 0;
	for (i = 0; i < j->nseen; i++)
		if (git_oid_equal(&j->seen[i].blob, &blob)) {
			*out = j->seen[i].m;
			return 1;
		}
	if (ks_grow(&j->seen, j->nseen, &j->alloc, sizeof(*j->seen), 8) < 0)
		return -1;
	ms = &j->seen[j->nseen];
	git_oid_cpy(&ms->blob, &blob);
	ms->m = NULL;
	if (git_blob_lookup(&b, repo, &blob) == 0)
		err = ks_members_parse(&ms->m, KS_MEMBERS_FILE,
				       git_blob_rawcontent(b),
				       (size_t)git_blob_rawsize(b), &ignore);
	git_blob_free(b);
	git_error_clear();
	ks_diags_release(&ignore);
	if (err == -1)
		return -1;
	*out = j->seen[j->nseen++].m;
	return 1;
}

/* The khaosat.yaml of commit `id`, when it reads; the last one is kept. */
static const struct ks_survey *rules_of(struct ks_auth_judge *j,
					const git_oid *id)
{
	git_repository *repo = ks_repo_git(j->r);
	struct ks_diags ignore = KS_DIAGS_INIT;
	git_blob *b = NULL;
	git_oid blob;

	if (!commit_blob(&blob, repo, id, KS_SURVEY_FILE))
		return NULL;
	if (!j->have_rules || !git_oid_equal(&j->rules_blob, &blob)) {
		ks_survey_release(&j->rules);
		memset(&j->rules, 0, sizeof(j->rules));
		j->have_rules = 1;
		git_oid_cpy(&j->rules_blob, &blob);
		j->rules_ok = git_blob_lookup(&b, repo, &blob) == 0 &&
			      ks_survey_parse(&j->rules, git_blob_rawcontent(b),
					      (size_t)git_blob_rawsize(b),
					      KS_SURVEY_FILE, &ignore) == 0;
		git_blob_free(b);
		git_error_clear();
		ks_diags_release(&ignore);
	}
	return j->rules_ok ? &j->rules : NULL;
}

int ks_auth_judge_approval(struct ks_auth_judge *j, const git_oid *commit)
{
	const struct ks_members *m;
	size_t i;
	int has = members_of(&m, j, commit);

	if (has <= 0 || !m)
		return has < 0 ? -1 : 0;
	for (i = 0; i < j->napprovals; i++)
		if (j->approvals[i] == m)
			return 0;
	if (ks_grow(&j->approvals, j->napprovals, &j->aapprovals,
		    sizeof(*j->approvals), 8) < 0)
		return -1;
	j->approvals[j->napprovals++] = m;
	return 0;
}

/* ---- judging ---- */

/*
 * The member that signed: listed for key `pk` by every parent's members
 * file that is there (pm[i] NULL: that parent has none), all for one
 * device; or, for a device no parent knows, by an approval.  Sets the
 * status when there is none.
 */
static const struct ks_member *signer(struct ks_auth *out,
				      struct ks_auth_judge *j,
				      const struct ks_members *const *pm,
				      size_t np, const unsigned char *pk,
				      const char *trailer, int64_t when)
{
	const struct ks_member *mb = NULL, *p;
	size_t i, listed = 0, with = 0;

	for (i = 0; i < np; i++) {
		if (!pm[i])
			continue;
		with++;
		if (!(p = ks_members_pk(pm[i], pk)))
			continue;
		if (mb && strcmp(p->device, mb->device))
			break;
		listed++;
		/* Each parent's entry must allow it: dates, and the least role. */
		if (!ks_member_valid_at(p, when)) {
			snprintf(out->device, sizeof(out->device), "%s", p->device);
			set(out, KS_AUTH_NOT_VALID_THEN, "signed by a member's key outside the dates it may sign (from, until)");
			return NULL;
		}
		if (!mb || p->role > mb->role)
			mb = p;
	}
	if (mb && listed == with)
		return mb;
	if (listed) {
		set(out, KS_AUTH_NOT_MEMBER, "signed by a key that not every parent's members file gives to the same laptop");
		return NULL;
	}
	for (i = 0; trailer && i < np; i++)
		if (pm[i] && ks_members_device(pm[i], trailer)) {
			set(out, KS_AUTH_NOT_MEMBER, "signed by a key the survey's members file does not give to that laptop");
			return NULL;
		}
	if (!trailer || !ks_device_valid(trailer)) {
		set(out, KS_AUTH_NOT_MEMBER, "signed by a key the survey's members file does not list");
		return NULL;
	}
	for (i = 0; i < j->napprovals; i++)
		if ((p = ks_members_pk(j->approvals[i], pk)) &&
		    !strcmp(p->device, trailer)) {
			out->by_approval = 1;
			return p;
		}
	set(out, KS_AUTH_WAITING, "a new laptop: its key waits for the centre's approval");
	return NULL;
}

/*
 * The members files of the `np` parents of `c` in pm, *with how many
 * have one, and *against the parent to judge the change against (-1 for
 * the merge of both).  Returns -1, 1 with the status set when a parent's
 * file does not read, or 0.
 */
static int parents_members(struct ks_auth *out, const struct ks_members **pm,
			   size_t *with, int *against, struct ks_auth_judge *j,
			   git_commit *c, size_t np)
{
	size_t i;
	int has;

	*with = 0;
	*against = -1;
	for (i = 0; i < np; i++) {
		if ((has = members_of(&pm[i], j, git_commit_parent_id(c, (unsigned)i))) < 0)
			return -1;
		if (has && !pm[i]) {
			set(out, KS_AUTH_NO_MEMBERS, "its parent's members file does not read, so nobody may sign it");
			return 1;
		}
		if (has)
			++*with, *against = (int)i;
	}
	if (*with == np)
		*against = -1;
	return 0;
}

/*
 * Checks the signature of commit `id`: returns 0 when it is good, with
 * its key in *sig, 1 with the status set when not, or an error.
 */
static int good_signature(struct ks_auth *out, struct ks_sshsig *sig,
			  git_repository *repo, const git_oid *id,
			  struct ks_diags *d)
{
	enum ks_sshsig_verdict verdict;
	const char *why = NULL;
	int err;

	if ((err = ks_sshsig_verify_commit(&verdict, sig, repo, id, NULL, "git",
					   NULL, &why, d)))
		return err;
	if (verdict != KS_SSHSIG_UNSIGNED && *sig->fingerprint)
		memcpy(out->fingerprint, sig->fingerprint, sizeof(out->fingerprint));
	switch (verdict) {
	case KS_SSHSIG_GOOD:
		return 0;
	case KS_SSHSIG_UNSIGNED:
		set(out, KS_AUTH_UNSIGNED, _("not signed"));
		return 1;
	case KS_SSHSIG_UNSUPPORTED:
		set(out, KS_AUTH_UNSUPPORTED, why ? why : "not an ed25519 SSH signature");
		return 1;
	default:
		set(out, KS_AUTH_BAD_SIGNATURE, why ? why : "the signature does not match the commit");
		return 1;
	}
}

/*
 * Whether member `mb` could make commit `c` when it did, as the device
 * its trailer and committer name: 0, or 1 with the status set.
 */
static int may_sign_then(struct ks_auth *out, struct ks_auth_judge *j,
			 git_commit *c, const struct ks_member *mb,
			 const char *trailer)
{
	const char *committer;
	size_t i;

	if (!ks_member_valid_at(mb, (int64_t)git_commit_committer(c)->when.time)) {
		set(out, KS_AUTH_NOT_VALID_THEN, "signed by a member's key outside the dates it may sign (from, until)");
		return 1;
	}
	/* A removal the parents did not know yet still stops later commits. */
	for (i = 0; i < j->napprovals; i++) {
		const struct ks_member *later = ks_members_device(j->approvals[i], mb->device);

		if (later && later->has_until &&
		    (int64_t)git_commit_committer(c)->when.time > later->until) {
			set(out, KS_AUTH_NOT_VALID_THEN, "made after the centre removed that laptop from the survey");
			return 1;
		}
	}
	committer = git_commit_committer(c)->name;
	if (!trailer || strcmp(trailer, mb->device) || strcmp(committer, mb->device)) {
		set(out, KS_AUTH_WRONG_DEVICE, "its Device trailer or committer names another device than the key's");
		return 1;
	}
	return 0;
}

/*
 * Whether member `mb` may change every path commit `id` (`c`) changes:
 * 0, 1 with the status set, or an error.
 */
static int paths_allowed(struct ks_auth *out, struct ks_auth_judge *j,
			 git_commit *c, const git_oid *id, int against,
			 const struct ks_member *mb, struct ks_diags *d)
{
	char **changed = NULL;
	size_t i, nchanged = 0;
	int err, refused = 0;

	if ((err = ks_auth_changed(&changed, &nchanged, j->r, id, against, d)))
		return err;
	for (i = 0; i < nchanged && !refused; i++) {
		const char *no = ks_role_may_change(
			mb->role, mb->device, changed[i],
			own_only(rules_of(j, git_commit_parent_id(c, 0)), changed[i]));

		if (no) {
			snprintf(out->path, sizeof(out->path), "%s", changed[i]);
			set(out, KS_AUTH_PATH, no);
			refused = 1;
		}
	}
	ks_auth_changed_free(changed, nchanged);
	return refused;
}

int ks_auth_judge(struct ks_auth *out, struct ks_auth_judge *j,
		  const git_oid *id, struct ks_diags *d)
{
	git_repository *repo = ks_repo_git(j->r);
	const struct ks_members *pm[2] = { NULL, NULL };
	const struct ks_member *mb;
	struct ks_sshsig sig;
	git_commit *c = NULL;
	char *trailer = NULL;
	size_t np, with;
	int err = 0, against;

	memset(out, 0, sizeof(*out));
	if (git_commit_lookup(&c, repo, id) < 0)
		return ks_error(d, KS_EIO, NULL, 0, 0, "cannot read commit %.10s: %s",
				git_oid_tostr_s(id), ks_git_error());
	np = git_commit_parentcount(c);
	if (np > 2) {
		set(out, KS_AUTH_OCTOPUS, "a merge of more than two histories, which khaosat never makes");
		goto out;
	}
	if ((err = parents_members(out, pm, &with, &against, j, c, np)))
		goto out;
	if (!with) {
		set(out, KS_AUTH_OPEN, NULL);
		goto out;
	}
	if ((err = good_signature(out, &sig, repo, id, d)))
		goto out;
	trailer = ks_commit_device(git_commit_message(c));
	if (trailer)
		snprintf(out->device, sizeof(out->device), "%s", trailer);
	if (!(mb = signer(out, j, pm, np, sig.key.pk, trailer,
			  (int64_t)git_commit_committer(c)->when.time)))
		goto out;
	snprintf(out->device, sizeof(out->device), "%s", mb->device);
	if (may_sign_then(out, j, c, mb, trailer))
		goto out;
	if ((err = paths_allowed(out, j, c, id, against, mb, d)))
		goto out;
	set(out, KS_AUTH_OK, NULL);
out:
	ks_free(trailer);
	git_commit_free(c);
	/* 1 from a step: the status says why the commit is refused. */
	return err < 0 ? err : 0;
}

static int walk_failed(struct ks_diags *d, const git_oid *tip)
{
	return ks_error(d, KS_EIO, NULL, 0, 0, "cannot walk the history of %.10s: %s",
			git_oid_tostr_s(tip), ks_git_error());
}

/* The first commit refused, and why. */
static void refuse(struct ks_auth_verdict *out, const struct ks_auth *a,
		   const git_oid *id)
{
	out->status = a->status;
	out->first = *a;
	git_oid_cpy(&out->commit, id);
}

/*
 * Commit `id` is authentic: its members file may approve new laptops
 * from now on (unless it was itself approved), and when it has none the
 * centre took the survey back to unsigned mode (*reopened).
 */
static int proved(int *reopened, struct ks_auth_judge *j, const git_oid *id,
		  const struct ks_auth *a)
{
	const struct ks_members *m;
	int has = members_of(&m, j, id);

	if (has < 0)
		return -1;
	*reopened |= !has;
	if (!a->by_approval && ks_auth_judge_approval(j, id) < 0)
		return -1;
	return 0;
}

/* Those that waited, judged again with every approval the history proved. */
static int judge_waiting(struct ks_auth_verdict *out, struct ks_auth_judge *j,
			 const git_oid *waits, size_t nwaits,
			 struct ks_diags *d)
{
	struct ks_auth a;
	size_t i;
	int err;

	for (i = 0; out->status == KS_AUTH_OK && i < nwaits; i++) {
		if ((err = ks_auth_judge(&a, j, &waits[i], d)))
			return err;
		if (a.status == KS_AUTH_OK)
			continue;
		if (a.status == KS_AUTH_WAITING) {
			if (!out->waiting++) {
				out->first = a;
				git_oid_cpy(&out->commit, &waits[i]);
			}
			continue;
		}
		refuse(out, &a, &waits[i]);
	}
	if (out->status == KS_AUTH_OK && out->waiting)
		out->status = KS_AUTH_WAITING;
	return 0;
}

/*
 * A tip from before signed mode, on a laptop in signed mode (`hide` has
 * a members file): work of a laptop that has not heard of it yet (its
 * next sync merges it under its key, and that waits for approval like a
 * new laptop's), or a history made to slip past the rule.  Not taken as
 * it is.  Returns -1 when memory runs out.
 */
static int open_tip(struct ks_auth_verdict *out, struct ks_auth_judge *j,
		    const git_oid *tip, const git_oid *hide)
{
	const struct ks_members *hm;
	char *dev = NULL;
	git_commit *c = NULL;
	int has = members_of(&hm, j, hide);

	if (has <= 0)
		return has;
	out->status = KS_AUTH_WAITING;
	out->waiting = 1;
	memset(&out->first, 0, sizeof(out->first));
	out->first.status = KS_AUTH_WAITING;
	out->first.why = "made before this survey was signed: taken in once that laptop has synced with the signed survey and the centre approved it";
	if (git_commit_lookup(&c, ks_repo_git(j->r), tip) == 0 &&
	    (dev = ks_commit_device(git_commit_message(c))) && ks_device_valid(dev))
		snprintf(out->first.device, sizeof(out->first.device), "%s", dev);
	ks_free(dev);
	git_commit_free(c);
	git_oid_cpy(&out->commit, tip);
	return 0;
}

static void note_summary(struct ks_auth_verdict *out, git_repository *repo)
{
	git_commit *c = NULL;

	if (git_commit_lookup(&c, repo, &out->commit) == 0)
		snprintf(out->summary, sizeof(out->summary), "%s",
			 git_commit_summary(c) ? git_commit_summary(c) : "");
	git_commit_free(c);
	git_error_clear();
}

int ks_auth_history(struct ks_auth_verdict *out, struct ks_auth_judge *j,
		    const git_oid *tip, const git_oid *hide,
		    struct ks_diags *d)
{
	git_repository *repo = ks_repo_git(j->r);
	git_revwalk *w = NULL;
	git_oid id, *waits = NULL;
	size_t nwaits = 0, await = 0;
	struct ks_auth a;
	int e, err = 0, tip_open = 0, reopened = 0;

	memset(out, 0, sizeof(*out));
	out->status = KS_AUTH_OK;
	if (git_revwalk_new(&w, repo) < 0 ||
	    git_revwalk_sorting(w, GIT_SORT_TOPOLOGICAL | GIT_SORT_REVERSE) < 0 ||
	    git_revwalk_push(w, tip) < 0 ||
	    (hide && git_revwalk_hide(w, hide) < 0)) {
		err = walk_failed(d, tip);
		goto out;
	}
	while ((e = git_revwalk_next(&id, w)) == 0) {
		out->commits++;
		if ((err = ks_auth_judge(&a, j, &id, d)))
			goto out;
		if (a.status == KS_AUTH_OPEN) {
			tip_open |= git_oid_equal(&id, tip);
			continue;
		}
		out->judged++;
		if (a.status == KS_AUTH_OK) {
			if (proved(&reopened, j, &id, &a) < 0)
				goto oom;
			continue;
		}
		if (a.status == KS_AUTH_WAITING) {
			if (ks_grow(&waits, nwaits, &await, sizeof(*waits), 8) < 0)
				goto oom;
			git_oid_cpy(&waits[nwaits++], &id);
			continue;
		}
		refuse(out, &a, &id);
		break;
	}
	if (e < 0 && e != GIT_ITEROVER) {
		err = walk_failed(d, tip);
		goto out;
	}
	if ((err = judge_waiting(out, j, waits, nwaits, d)))
		goto out;
	if (out->status == KS_AUTH_OK && tip_open && !reopened && hide &&
	    open_tip(out, j, tip, hide) < 0)
		goto oom;
	if (out->status != KS_AUTH_OK)
		note_summary(out, repo);
	goto out;
oom:
	err = -1;
out:
	ks_free(waits);
	git_revwalk_free(w);
	return err;
}

int ks_auth_verdict_text(struct ks_buf *out, const struct ks_auth_verdict *v)
{
	const struct ks_auth *a = &v->first;
	char hex[11];

	git_oid_tostr(hex, sizeof(hex), &v->commit);
	/* TRANSLATORS: commit 1a2b3c4d5e "its summary" */
	ks_buf_addf(out, _("commit %s \"%s\""), hex, v->summary);
	if (*a->device)
		ks_buf_addf(out, _(" signed by %s"), a->device);
	if (*a->fingerprint)
		ks_buf_addf(out, _(" with key %s"), a->fingerprint);
	ks_buf_addf(out, ": %s%s%s: %s", _(ks_auth_status_name(a->status)),
		    *a->path ? " " : "", a->path, a->why ? a->why : "");
	return ks_buf_failed(out) ? -1 : 0;
}

void ks_auth_changed_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		ks_free(v[i]);
	ks_free(v);
}

struct paths {
	char **v;
	size_t n, alloc;
};

static int add_path(const git_diff_delta *dd, float progress, void *p)
{
	struct paths *ps = p;
	const char *path = dd->new_file.path ? dd->new_file.path : dd->old_file.path;

	(void)progress;
	if (ks_grow(&ps->v, ps->n, &ps->alloc, sizeof(*ps->v), 16) < 0 ||
	    !(ps->v[ps->n] = ks_strdup(path)))
		return -1;
	ps->n++;
	return 0;
}

int ks_auth_changed(char ***out, size_t *n, struct ks_repo *r,
		    const git_oid *id, int against, struct ks_diags *d)
{
	git_repository *repo = ks_repo_git(r);
	struct ks_merge_stats st;
	struct paths ps = { NULL, 0, 0 };
	git_commit *c = NULL, *p = NULL;
	git_tree *from = NULL, *to = NULL;
	git_oid merged;
	int err = KS_EIO;

	*out = NULL;
	*n = 0;
	if (git_commit_lookup(&c, repo, id) < 0 || git_commit_tree(&to, c) < 0)
		goto gitfail;
	switch (git_commit_parentcount(c)) {
	case 0:
		break;
	case 1:
		if (git_commit_parent(&p, c, 0) < 0 || git_commit_tree(&from, p) < 0)
			goto gitfail;
		break;
	case 2:
		if (against >= 0) {
			if (git_commit_parent(&p, c, (unsigned)against) < 0 ||
			    git_commit_tree(&from, p) < 0)
				goto gitfail;
			break;
		}
		if ((err = ks_merge_trees_of(&merged, &st, r, git_commit_parent_id(c, 0),
					     git_commit_parent_id(c, 1), d)))
			goto out;
		if (git_tree_lookup(&from, repo, &merged) < 0)
			goto gitfail;
		break;
	default:
		err = ks_error(d, KS_EINVALID, NULL, 0, 0,
			       "commit %.10s has more than two parents", git_oid_tostr_s(id));
		goto out;
	}
	if (ks_tree_diff(repo, from, to, NULL, add_path, &ps))
		goto gitfail;
	*out = ps.v;
	*n = ps.n;
	ps.v = NULL;
	ps.n = 0;
	err = 0;
	goto out;
gitfail:
	err = ks_error(d, KS_EIO, NULL, 0, 0, "cannot compare commit %.10s: %s",
		       git_oid_tostr_s(id), ks_git_error());
out:
	ks_auth_changed_free(ps.v, ps.n);
	git_tree_free(from);
	git_tree_free(to);
	git_commit_free(p);
	git_commit_free(c);
	return err;
}
