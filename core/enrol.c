/*
 * Joining a signed survey: see enrol.h.
 */
#include "enrol.h"
#include "intl.h"
#include "alloc.h"
#include "auth.h"
#include "buf.h"
#include "diag.h"
#include "file.h"
#include "members.h"
#include "repo.h"
#include "sign.h"
#include "sshkey.h"
#include "commit.h"
#include "bundle.h"

#include <errno.h>
#include <git2/sys/mempack.h>
#include <git2/sys/odb_backend.h>
#include <stdio.h>
#include <string.h>

int ks_enrol_start(git_repository *repo, const char *workdir,
		   const struct ks_identity *who, struct ks_diags *d)
{
	struct ks_buf key = KS_BUF_INIT, text = KS_BUF_INIT, path = KS_BUF_INIT;
	struct ks_members *m = ks_members_new();
	struct ks_sshsig_key pub;
	int err = -1;

	if (!m)
		return -1;
	if ((err = ks_signer_make_key(&pub, repo, who->device, d)))
		goto out;
	err = -1;
	if (ks_sshkey_public_text(&key, &pub, NULL) < 0)
		goto out;
	if ((err = ks_members_add(m, who->device, who->surveyor, KS_ROLE_CENTRE,
				  key.ptr, NULL, NULL, d)))
		goto out;
	err = -1;
	if (ks_members_write(&text, m) < 0 ||
	    ks_buf_addf(&path, "%s/%s", workdir, KS_MEMBERS_FILE) < 0)
		goto out;
	err = ks_file_put_text(path.ptr, &text, KS_FILE_DURABLE, d);
out:
	ks_members_free(m);
	ks_buf_release(&key);
	ks_buf_release(&text);
	ks_buf_release(&path);
	return err;
}

/*
 * The oldest commit on the first-parent line of `tip` whose tree holds
 * members.yaml: 1 with it in *out, 0 when none does, -1.
 */
static int first_signed(git_oid *out, git_repository *repo, const git_oid *tip)
{
	git_revwalk *w = NULL;
	git_oid id;
	int found = 0, e;

	if (git_revwalk_new(&w, repo) < 0 || git_revwalk_push(w, tip) < 0) {
		git_revwalk_free(w);
		return -1;
	}
	git_revwalk_simplify_first_parent(w);
	while ((e = git_revwalk_next(&id, w)) == 0) {
		git_commit *c = NULL;
		git_tree *t = NULL;
		git_oid blob;
		int has = git_commit_lookup(&c, repo, &id) == 0 &&
			  git_commit_tree(&t, c) == 0 &&
			  ks_tree_blob(&blob, t, KS_MEMBERS_FILE);

		git_tree_free(t);
		git_commit_free(c);
		/* Newest first: the last one found before a commit without. */
		if (has) {
			git_oid_cpy(out, &id);
			found = 1;
		} else if (found) {
			break;
		}
	}
	git_revwalk_free(w);
	if (e < 0 && e != GIT_ITEROVER)
		return -1;
	git_error_clear();
	return found;
}

int ks_enrol_remember(git_repository *repo, const struct ks_intro *in)
{
	git_config *cfg = NULL;
	char value[GIT_OID_HEXSZ + 1 + sizeof(in->fingerprint)];
	char hex[GIT_OID_HEXSZ + 1];
	int err;

	git_oid_tostr(hex, sizeof(hex), &in->root);
	snprintf(value, sizeof(value), "%s %s", hex, in->fingerprint);
	err = git_repository_config(&cfg, repo) < 0 ||
	      git_config_set_string(cfg, "khaosat.introduction", value) < 0 ? -1 : 0;
	git_config_free(cfg);
	return err;
}

int ks_enrol_remembered(git_oid *commit,
			char fingerprint[KS_SSHSIG_FINGERPRINT_SIZE],
			git_repository *repo)
{
	git_config *cfg = NULL;
	git_buf value = GIT_BUF_INIT;
	const char *sp;
	int err = KS_ENOTFOUND;

	if (git_repository_config_snapshot(&cfg, repo) == 0 &&
	    git_config_get_string_buf(&value, cfg, "khaosat.introduction") == 0 &&
	    (sp = strchr(value.ptr, ' ')) && sp - value.ptr == GIT_OID_HEXSZ &&
	    git_oid_fromstrn(commit, value.ptr, GIT_OID_HEXSZ) == 0 &&
	    strlen(sp + 1) < KS_SSHSIG_FINGERPRINT_SIZE) {
		snprintf(fingerprint, KS_SSHSIG_FINGERPRINT_SIZE, "%s", sp + 1);
		err = 0;
	}
	git_buf_dispose(&value);
	git_config_free(cfg);
	git_error_clear();
	return err;
}

int ks_enrol_introduction(struct ks_intro *out, git_repository *repo,
			  const git_oid *tip, struct ks_diags *d)
{
	struct ks_diags ignore = KS_DIAGS_INIT;
	enum ks_sshsig_verdict verdict;
	struct ks_members *m = NULL;
	const struct ks_member *mb;
	struct ks_sshsig sig;
	git_commit *c = NULL;
	git_tree *t = NULL;
	git_blob *b = NULL;
	git_oid blob;
	const char *why = NULL;
	char hex[11];
	int err;

	memset(out, 0, sizeof(*out));
	if ((err = first_signed(&out->root, repo, tip)) < 0)
		return ks_error(d, KS_EIO, NULL, 0, 0, "cannot read the survey's history: %s",
				ks_git_error());
	if (!err)
		return 0;
	git_oid_tostr(hex, sizeof(hex), &out->root);
	if (git_commit_lookup(&c, repo, &out->root) < 0 || git_commit_tree(&t, c) < 0 ||
	    !ks_tree_blob(&blob, t, KS_MEMBERS_FILE)) {
		err = ks_error(d, KS_EIO, NULL, 0, 0, "cannot read commit %s: %s", hex,
			       ks_git_error());
		goto out;
	}
	err = 0;
	out->is_signed = 1;
	if (git_blob_lookup(&b, repo, &blob) < 0 ||
	    ks_members_parse(&m, KS_MEMBERS_FILE, git_blob_rawcontent(b),
			     (size_t)git_blob_rawsize(b), &ignore)) {
		err = ks_error(d, KS_EINVALID, NULL, 0, 0,
			       "commit %s, which made the survey signed, holds a members file that does not read: this survey cannot be trusted",
			       hex);
		goto out;
	}
	if ((err = ks_sshsig_verify_commit(&verdict, &sig, repo, &out->root, NULL,
					   "git", NULL, &why, d)))
		goto out;
	mb = verdict == KS_SSHSIG_GOOD ? ks_members_pk(m, sig.key.pk) : NULL;
	if (!mb || mb->role != KS_ROLE_CENTRE) {
		err = ks_error(d, KS_EINVALID, NULL, 0, 0,
			       "commit %s, which made the survey signed, is %s: this survey cannot be trusted",
			       hex, verdict == KS_SSHSIG_UNSIGNED ? _("not signed")
			       : verdict != KS_SSHSIG_GOOD ? _("badly signed")
			       : _("not signed by a centre its members file lists"));
		goto out;
	}
	snprintf(out->device, sizeof(out->device), "%s", mb->device);
	snprintf(out->surveyor, sizeof(out->surveyor), "%s", mb->surveyor);
	memcpy(out->fingerprint, sig.fingerprint, sizeof(sig.fingerprint));
out:
	ks_members_free(m);
	ks_diags_release(&ignore);
	git_blob_free(b);
	git_tree_free(t);
	git_commit_free(c);
	return err;
}

int ks_enrol_members(struct ks_members **out, struct ks_repo *r,
		     struct ks_diags *d)
{
	struct ks_buf text = KS_BUF_INIT;
	char *abs = ks_repo_path(r, KS_MEMBERS_FILE);
	int err;

	*out = NULL;
	if (!abs)
		return -1;
	if (ks_buf_read_file(&text, abs, 1024 * 1024) < 0)
		err = errno == ENOENT ? 0
			: ks_error(d, KS_EIO, KS_MEMBERS_FILE, 0, 0, "cannot read it: %s",
				   strerror(errno));
	else if (!(err = ks_members_parse(out, KS_MEMBERS_FILE, text.ptr, text.len, d)))
		err = 1;
	ks_free(abs);
	ks_buf_release(&text);
	return err;
}

int ks_enrol_join(struct ks_sshsig_key *pub, struct ks_repo *r,
		  struct ks_diags *d)
{
	const struct ks_identity *who = ks_repo_identity(r);
	git_repository *repo = ks_repo_git(r);
	struct ks_buf key = KS_BUF_INIT, msg = KS_BUF_INIT;
	struct ks_members *m = NULL;
	const struct ks_member *mb;
	git_commit *head = NULL;
	git_oid tip, tree, made;
	int err;

	if ((err = ks_enrol_members(&m, r, d)) <= 0)
		goto out;
	if ((mb = ks_members_device(m, who->device))) {
		err = ks_error(d, KS_EEXISTS, NULL, 0, 0,
			       "device id %s already belongs to %s in this survey; give this laptop an id of its own",
			       who->device, mb->surveyor);
		goto out;
	}
	if ((err = ks_signer_make_key(pub, repo, who->device, d)))
		goto out;
	err = -1;
	/* The history's message in the survey's language; Key: a trailer. */
	if (ks_sshkey_public_text(&key, pub, NULL) < 0 ||
	    ks_buf_addf(&msg, _("Ask to join the survey as %s (%s)"),
			who->device, who->surveyor) < 0 ||
	    ks_buf_addf(&msg, "\n\nKey: %s\n", key.ptr) < 0)
		goto out;
	if (git_reference_name_to_id(&tip, repo, KS_MAIN_REF) < 0 ||
	    git_commit_lookup(&head, repo, &tip) < 0) {
		err = ks_error(d, KS_EIO, NULL, 0, 0, "cannot read main: %s", ks_git_error());
		goto out;
	}
	git_oid_cpy(&tree, git_commit_tree_id(head));
	if (!(err = ks_commit_tree(&made, r, &tree, &tip, 1, msg.ptr, d)))
		err = 1;
out:
	git_commit_free(head);
	ks_members_free(m);
	ks_buf_release(&key);
	ks_buf_release(&msg);
	return err;
}

/*
 * The key and author of the newest commit of `device` signed in the
 * history of `tip` that main lacks, and how many commits main lacks.
 */
static int read_waiting(struct ks_waiting *w, git_repository *repo,
			const git_oid *main)
{
	git_revwalk *walk = NULL;
	git_oid id;
	int found = 0;

	if (git_revwalk_new(&walk, repo) < 0 || git_revwalk_push(walk, &w->tip) < 0 ||
	    (main && git_revwalk_hide(walk, main) < 0)) {
		git_revwalk_free(walk);
		return -1;
	}
	while (git_revwalk_next(&id, walk) == 0) {
		struct ks_diags ignore = KS_DIAGS_INIT;
		enum ks_sshsig_verdict verdict;
		struct ks_sshsig sig;
		struct ks_buf key = KS_BUF_INIT;
		git_commit *c = NULL;
		char *dev = NULL;

		w->commits++;
		if (found || git_commit_lookup(&c, repo, &id) < 0)
			continue;
		dev = ks_commit_device(git_commit_message(c));
		if (dev && !strcmp(dev, w->device) &&
		    ks_sshsig_verify_commit(&verdict, &sig, repo, &id, NULL, "git",
					    NULL, NULL, &ignore) == 0 &&
		    verdict == KS_SSHSIG_GOOD &&
		    ks_sshkey_public_text(&key, &sig.key, NULL) == 0) {
			snprintf(w->key, sizeof(w->key), "%s", key.ptr);
			memcpy(w->fingerprint, sig.fingerprint, sizeof(sig.fingerprint));
			snprintf(w->surveyor, sizeof(w->surveyor), "%s",
				 git_commit_author(c)->name);
			found = 1;
		}
		ks_buf_release(&key);
		ks_diags_release(&ignore);
		ks_free(dev);
		git_commit_free(c);
	}
	git_revwalk_free(walk);
	git_error_clear();
	return found;
}

int ks_enrol_waiting(struct ks_waiting **out, size_t *n, git_repository *repo,
		     struct ks_diags *d)
{
	git_reference_iterator *it = NULL;
	git_reference *ref;
	struct ks_waiting *v = NULL;
	size_t alloc = 0, prefix = strlen(KS_WAITING_REFS);
	git_oid main;
	int has_main, e, err = 0;

	*out = NULL;
	*n = 0;
	has_main = git_reference_name_to_id(&main, repo, KS_MAIN_REF) == 0;
	if (git_reference_iterator_glob_new(&it, repo, KS_WAITING_REFS "*") < 0)
		return ks_error(d, KS_EIO, NULL, 0, 0, "cannot read the waiting laptops: %s",
				ks_git_error());
	while (!err && (e = git_reference_next(&ref, it)) == 0) {
		const char *name = git_reference_name(ref);
		struct ks_waiting w;

		memset(&w, 0, sizeof(w));
		if (git_reference_type(ref) == GIT_REFERENCE_DIRECT &&
		    strlen(name + prefix) < sizeof(w.device) &&
		    ks_device_valid(name + prefix)) {
			snprintf(w.device, sizeof(w.device), "%s", name + prefix);
			git_oid_cpy(&w.tip, git_reference_target(ref));
			if (read_waiting(&w, repo, has_main ? &main : NULL) == 1 &&
			    w.commits) {
				if (ks_grow(&v, *n, &alloc, sizeof(*v), 4) < 0)
					err = -1;
				else
					v[(*n)++] = w;
			}
		}
		git_reference_free(ref);
	}
	git_reference_iterator_free(it);
	git_error_clear();
	if (err) {
		ks_free(v);
		*n = 0;
		return err;
	}
	*out = v;
	return 0;
}

/* Keeps a laptop's work aside under its id, whole, until approved. */
static void keep_aside(git_repository *repo, const char *device,
		       const git_oid *tip)
{
	git_reference *ref = NULL;
	char name[64];

	snprintf(name, sizeof(name), KS_WAITING_REFS "%s", device);
	if (git_reference_create(&ref, repo, name, tip, 1,
				 "khaosat: waiting for the centre's approval") < 0)
		git_error_clear();
	git_reference_free(ref);
}

/* What waited of `device` is held by main now, or will be. */
static void taken_in(git_repository *repo, const char *device,
		     const git_oid *tip)
{
	git_reference *ref = NULL;
	char name[64];

	snprintf(name, sizeof(name), KS_WAITING_REFS "%s", device);
	if (git_reference_lookup(&ref, repo, name) == 0 &&
	    (git_oid_equal(git_reference_target(ref), tip) ||
	     git_graph_descendant_of(repo, tip, git_reference_target(ref)) == 1))
		git_reference_delete(ref);
	git_reference_free(ref);
	git_error_clear();
}

int ks_enrol_judge(struct ks_auth_verdict *v, struct ks_repo *r,
		   const git_oid *head, const git_oid *tip, const char *device,
		   struct ks_diags *d)
{
	git_repository *repo = ks_repo_git(r);
	struct ks_auth_judge *j = NULL;
	int err;

	if (ks_auth_judge_new(&j, r) < 0 ||
	    (head && ks_auth_judge_approval(j, head) < 0)) {
		ks_auth_judge_free(j);
		return -1;
	}
	err = ks_auth_history(v, j, tip, head, d);
	ks_auth_judge_free(j);
	if (err)
		return err;
	switch (v->status) {
	case KS_AUTH_OK:
		if (device)
			taken_in(repo, device, tip);
		return 0;
	case KS_AUTH_WAITING:
		keep_aside(repo, *v->first.device ? v->first.device : device, tip);
		return KS_ENROL_WAITS;
	default:
		return KS_ENROL_REFUSED;
	}
}

/* See ks_enrol_bundle_judge(). */
static int judge_view(void *arg, git_repository *view, const git_oid *tip,
		      const char *what, struct ks_diags *d)
{
	struct ks_repo *r = arg;
	struct ks_auth_judge *j = NULL;
	struct ks_auth_verdict v;
	struct ks_buf why = KS_BUF_INIT;
	git_odb_backend *mem = NULL;
	git_repository *own;
	git_odb *odb = NULL;
	git_oid head;
	int has_head, err;

	/* Merges computed to judge a merge commit are written to memory. */
	if (git_repository_odb(&odb, view) < 0 || git_mempack_new(&mem) < 0 ||
	    git_odb_add_backend(odb, mem, 1000) < 0) {
		if (mem)
			mem->free(mem);
		git_odb_free(odb);
		return ks_error(d, KS_EIO, what, 0, 0, "cannot judge the incoming commits: %s",
				ks_git_error());
	}
	git_odb_free(odb);
	has_head = git_reference_name_to_id(&head, ks_repo_git(r), KS_MAIN_REF) == 0;
	git_error_clear();
	own = ks_repo_swap_git(r, view);
	err = ks_auth_judge_new(&j, r) < 0 ||
	      (has_head && ks_auth_judge_approval(j, &head) < 0) ? -1
		: ks_auth_history(&v, j, tip, has_head ? &head : NULL, d);
	ks_auth_judge_free(j);
	ks_repo_swap_git(r, own);
	if (err || !ks_auth_refused(v.status))
		return err;
	if (ks_auth_verdict_text(&why, &v) < 0)
		return -1;
	err = ks_error(d, KS_EINVALID, what, 0, 0,
		       "not taken: %s. Nothing of it was kept", why.ptr);
	ks_buf_release(&why);
	return err;
}

void ks_enrol_bundle_judge(struct ks_bundle_judge *out, struct ks_repo *r)
{
	out->fn = judge_view;
	out->arg = r;
}
