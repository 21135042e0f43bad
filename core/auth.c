/*
 * Authenticating commits against the survey's members.  See auth.h.
 */
#include "auth.h"
#include "alloc.h"
#include "commit.h"
#include "diag.h"
#include "merge.h"
#include "repo.h"
#include "sshsig.h"

#include <stdio.h>
#include <string.h>

const char *ks_auth_status_name(enum ks_auth_status s)
{
	static const char *const names[] = {
		"authentic", "unsigned", "bad signature", "unsupported signature",
		"not a member's key", "key not valid then", "wrong device",
		"path not allowed",
	};

	return (size_t)s < sizeof(names) / sizeof(*names) ? names[s] : "?";
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

int ks_auth_commit(struct ks_auth *out, git_repository *repo,
		   const git_oid *id, const struct ks_members *const *members,
		   size_t nparents, const struct ks_survey *rules,
		   char *const *changed, size_t nchanged, struct ks_diags *d)
{
	enum ks_sshsig_verdict verdict;
	const struct ks_member *mb = NULL;
	struct ks_sshsig sig;
	git_commit *c = NULL;
	const char *why = NULL, *committer;
	char *trailer = NULL;
	int64_t when;
	size_t i;
	int err;

	memset(out, 0, sizeof(*out));
	if ((err = ks_sshsig_verify_commit(&verdict, &sig, repo, id, NULL, "git",
					   NULL, &why, d)))
		return err;
	switch (verdict) {
	case KS_SSHSIG_GOOD:
		break;
	case KS_SSHSIG_UNSIGNED:
		set(out, KS_AUTH_UNSIGNED, "not signed");
		return 0;
	case KS_SSHSIG_UNSUPPORTED:
		set(out, KS_AUTH_UNSUPPORTED, why ? why : "not an ed25519 SSH signature");
		return 0;
	default:
		set(out, KS_AUTH_BAD_SIGNATURE, why ? why : "the signature does not match the commit");
		return 0;
	}
	if (git_commit_lookup(&c, repo, id) < 0)
		return ks_error(d, KS_EIO, NULL, 0, 0, "cannot read a commit: %s",
				ks_git_error());
	when = (int64_t)git_commit_committer(c)->when.time;
	/* A member in the members file of every parent. */
	for (i = 0; i < nparents; i++) {
		const struct ks_member *p = ks_members_pk(members[i], sig.key.pk);

		if (!p || (mb && strcmp(p->device, mb->device))) {
			set(out, KS_AUTH_NOT_MEMBER, "signed by a key the survey's members file does not list");
			goto out;
		}
		if (!ks_member_valid_at(p, when)) {
			snprintf(out->device, sizeof(out->device), "%s", p->device);
			set(out, KS_AUTH_NOT_VALID_THEN, "signed by a member's key outside the dates it may sign (from, until)");
			goto out;
		}
		mb = p;
	}
	if (!mb) {
		set(out, KS_AUTH_NOT_MEMBER, "a first commit: no members file before it");
		goto out;
	}
	snprintf(out->device, sizeof(out->device), "%s", mb->device);
	trailer = ks_commit_device(git_commit_message(c));
	committer = git_commit_committer(c)->name;
	if (!trailer || strcmp(trailer, mb->device) || strcmp(committer, mb->device)) {
		set(out, KS_AUTH_WRONG_DEVICE, "its Device trailer or committer names another device than the key's");
		goto out;
	}
	for (i = 0; i < nchanged; i++) {
		const char *no = ks_role_may_change(mb->role, mb->device, changed[i],
						    own_only(rules, changed[i]));

		if (no) {
			snprintf(out->path, sizeof(out->path), "%s", changed[i]);
			set(out, KS_AUTH_PATH, no);
			goto out;
		}
	}
	set(out, KS_AUTH_OK, NULL);
out:
	ks_free(trailer);
	git_commit_free(c);
	return 0;
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
		    const git_oid *id, struct ks_diags *d)
{
	git_repository *repo = ks_repo_git(r);
	git_diff_options opts = GIT_DIFF_OPTIONS_INIT;
	struct ks_merge_stats st;
	struct paths ps = { NULL, 0, 0 };
	git_commit *c = NULL, *p = NULL;
	git_tree *from = NULL, *to = NULL;
	git_diff *diff = NULL;
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
	opts.flags = GIT_DIFF_SKIP_BINARY_CHECK;
	if (git_diff_tree_to_tree(&diff, repo, from, to, &opts) < 0 ||
	    git_diff_foreach(diff, add_path, NULL, NULL, NULL, &ps) < 0)
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
	git_diff_free(diff);
	git_tree_free(from);
	git_tree_free(to);
	git_commit_free(p);
	git_commit_free(c);
	return err;
}
