/*
 * What every sync does with the other devices' work it found, through a
 * stick or a hub: the record that a device's history only grows, the
 * judgement of each peer's commits by the survey's members, and the merge
 * of the peers' tips into main.
 */
#include "sync.h"
#include "alloc.h"
#include "auth.h"
#include "buf.h"
#include "commit.h"
#include "crash.h"
#include "diag.h"
#include "enrol.h"
#include "intl.h"
#include "sync_int.h"
#include "treediff.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ks_sync_report_release(struct ks_sync_report *rep)
{
	size_t i;

	for (i = 0; i < rep->npeers; i++)
		ks_free(rep->peers[i].path);
	ks_free(rep->peers);
	ks_free(rep->folder);
	ks_free(rep->hub);
	ks_free(rep->own);
	ks_free(rep->base);
	memset(rep, 0, sizeof(*rep));
}

static int cmp_peer(const void *a, const void *b)
{
	return strcmp(((const struct ks_sync_peer *)a)->device,
		      ((const struct ks_sync_peer *)b)->device);
}

void ks_sync_sort_peers(struct ks_sync_report *rep)
{
	qsort(rep->peers, rep->npeers, sizeof(*rep->peers), cmp_peer);
}

int ks_sync_has_commit(git_odb *odb, const git_oid *id)
{
	size_t len;
	git_object_t type;
	int r = git_odb_read_header(&len, &type, odb, id) == 0 &&
		type == GIT_OBJECT_COMMIT;

	git_error_clear();
	return r;
}

/* ---- a device's history only grows ---- */

#define SEEN "refs/khaosat/seen/"

/* The tip of `device` this laptop took in last: 1 with it in *out, or 0. */
int ks_sync_seen_tip(git_oid *out, git_repository *repo, const char *device)
{
	char name[sizeof(SEEN) + KS_DEVICE_MAX + 1];
	int r;

	if (!ks_device_valid(device))
		return 0;
	snprintf(name, sizeof(name), SEEN "%s", device);
	r = git_reference_name_to_id(out, repo, name) == 0;
	git_error_clear();
	return r;
}

/*
 * Remembers `tip` as the last taken in from `device`, unless what was seen
 * before already holds it (an older bundle found on another stick).  Only
 * a record for the next check: a failure is not the sync's.
 */
void ks_sync_remember_seen(git_repository *repo, const char *device,
			  const git_oid *tip)
{
	char name[sizeof(SEEN) + KS_DEVICE_MAX + 1];
	git_reference *ref = NULL;
	git_oid seen;

	if (!ks_device_valid(device))
		return;
	if (ks_sync_seen_tip(&seen, repo, device) &&
	    (git_oid_equal(&seen, tip) ||
	     git_graph_descendant_of(repo, &seen, tip) == 1)) {
		git_error_clear();
		return;
	}
	snprintf(name, sizeof(name), SEEN "%s", device);
	if (git_reference_create(&ref, repo, name, tip, 1, "khaosat sync") == 0)
		git_reference_free(ref);
	git_error_clear();
}

/*
 * For a tip this laptop has already: it must be on the line of that
 * device's tips (older or newer than the one seen), or its history was
 * rewritten.  1 (and an error in `got`) when it was.
 */
int ks_sync_forked(git_repository *repo, const struct ks_sync_peer *p,
		  const char *what, struct ks_diags *got)
{
	char hex[GIT_OID_HEXSZ + 1];
	git_oid seen;

	if (!ks_sync_seen_tip(&seen, repo, p->device) || git_oid_equal(&seen, &p->tip) ||
	    git_graph_descendant_of(repo, &seen, &p->tip) == 1 ||
	    git_graph_descendant_of(repo, &p->tip, &seen) == 1) {
		git_error_clear();
		return 0;
	}
	git_error_clear();
	git_oid_tostr(hex, sizeof(hex), &seen);
	ks_error(got, KS_EINVALID, what, 0, 0,
		 "rewritten history: %s's history no longer holds commit %.10s, which this laptop took in from %s before; a device's history only grows (this is an older copy of its survey folder, or history changed with plain git), so nothing of it was applied",
		 p->device, hex, p->device);
	return 1;
}

void ks_sync_took(git_repository *repo, const char *own, const git_oid *tip)
{
	git_commit *c = NULL;
	char *dev = NULL;

	if (git_commit_lookup(&c, repo, tip) == 0 &&
	    (dev = ks_commit_device(git_commit_message(c))) &&
	    ks_device_valid(dev) && (!own || strcmp(dev, own)))
		ks_sync_remember_seen(repo, dev, tip);
	git_error_clear();
	ks_free(dev);
	git_commit_free(c);
}

/*
 * A commit of `tip` that `head` lacks and that says it was made on
 * `device` (this laptop's id): another laptop uses the same id, or this
 * survey folder is an older copy of itself.  *out receives it.
 */
static int made_elsewhere(git_oid *out, git_repository *repo,
			  const git_oid *tip, const git_oid *head,
			  const char *device)
{
	git_revwalk *w = NULL;
	git_oid oid;
	int found = 0;

	if (git_revwalk_new(&w, repo) < 0 || git_revwalk_push(w, tip) < 0 ||
	    git_revwalk_hide(w, head) < 0) {
		git_revwalk_free(w);
		git_error_clear();
		return 0;
	}
	while (!found && git_revwalk_next(&oid, w) == 0) {
		git_commit *c = NULL;
		char *dev;

		if (git_commit_lookup(&c, repo, &oid) < 0)
			continue;
		dev = ks_commit_device(git_commit_message(c));
		if (dev && !strcmp(dev, device)) {
			git_oid_cpy(out, &oid);
			found = 1;
		}
		ks_free(dev);
		git_commit_free(c);
	}
	git_revwalk_free(w);
	git_error_clear();
	return found;
}

/*
 * Refuses a peer that brings work made under this laptop's device id:
 * merged, two surveys' md03-0001 would become one record.
 */
static int refuse_alien(struct ks_sync_peer *p, struct ks_sync_report *rep,
			git_repository *repo, const git_oid *head,
			const char *device, struct ks_diags *d)
{
	char hex[GIT_OID_HEXSZ + 1];
	git_oid c;

	if (!made_elsewhere(&c, repo, &p->tip, head, device))
		return 0;
	git_oid_tostr(hex, sizeof(hex), &c);
	p->alien = 1;
	p->hostile = 1;
	p->state = KS_PEER_REFUSED;
	ks_diags_add(d, KS_SEV_ERROR, rep->hub ? NULL : p->path, 0, 0, NULL,
		     "device-id",
		     "%s%snot merged: it holds work recorded under this laptop's device id \"%s\" that this laptop never made (commit %.10s): another laptop uses the same id, or this survey folder is an older copy. Two laptops must never share a device id; set one of them up again with its own ('khaosat clone ... --device NEW') and enter its records there",
		     rep->hub ? p->device : "", rep->hub ? ": " : "", device, hex);
	return 1;
}

/*
 * Judges what a peer's tip brings beyond main (core/auth.h): 0 to merge
 * it; 1 when it is refused (said in `d`) or waits for the centre's
 * approval of a new laptop (kept aside); -1 or an error otherwise.
 */
static int judge_peer(struct ks_sync_peer *p, struct ks_sync_report *rep,
		      struct ks_repo *r, const git_oid *head,
		      struct ks_diags *d)
{
	struct ks_auth_verdict v;
	struct ks_buf why = KS_BUF_INIT;
	int err = ks_enrol_judge(&v, r, head, &p->tip, p->device, d);

	if (err <= 0)
		return err;
	if (err == KS_ENROL_WAITS) {
		p->unapproved = v.waiting;
		snprintf(p->key, sizeof(p->key), "%s", v.first.fingerprint);
		return 1;
	}
	p->state = KS_PEER_REFUSED;
	p->hostile = 1;
	if (ks_auth_verdict_text(&why, &v) < 0)
		return -1;
	ks_diags_add(d, KS_SEV_ERROR, rep->hub ? NULL : p->path, 0, 0, NULL, "auth",
		     "%s%snot merged: %s. Nothing of it was taken in; the other laptops' work was",
		     rep->hub ? p->device : "", rep->hub ? ": " : "", why.ptr);
	ks_buf_release(&why);
	return 1;
}

/*
 * Records main gained, changed and lost between two commits, and the other
 * survey files that changed (conflict files are the merge's own count).
 */
static int count_delta(const git_diff_delta *dd, float progress, void *payload)
{
	struct ks_sync_peer *p = payload;
	const char *path = dd->new_file.path ? dd->new_file.path
					     : dd->old_file.path;

	(void)progress;
	if (strncmp(path, KS_RECORDS_DIR "/", strlen(KS_RECORDS_DIR) + 1)) {
		if (strncmp(path, "conflicts/", 10))
			p->files++;
		return 0;
	}
	switch (dd->status) {
	case GIT_DELTA_ADDED:
		p->added++;
		break;
	case GIT_DELTA_DELETED:
		p->deleted++;
		break;
	default:
		p->changed++;
	}
	return 0;
}

static int count_records(struct ks_sync_peer *p, git_repository *repo,
			 const git_oid *before, const git_oid *after)
{
	return ks_commit_diff(repo, before, after, NULL, count_delta, p) ? -1 : 0;
}

/*
 * Merges the peers' tips into main in device order, leaving out a tip
 * that another tip contains (merging that one brings it too, with fewer
 * merge commits).
 */
int ks_sync_merge_peers(struct ks_sync_report *rep, struct ks_repo *r,
		       struct ks_diags *d)
{
	git_repository *repo = ks_repo_git(r);
	struct ks_buf what = KS_BUF_INIT;
	size_t i, j;
	int err = 0;

	for (i = 0; i < rep->npeers && !err; i++) {
		struct ks_sync_peer *p = &rep->peers[i];
		git_oid head, out;
		int covered = 0;

		if (!p->has_tip)
			continue;
		for (j = 0; j < rep->npeers && !covered; j++) {
			const struct ks_sync_peer *q = &rep->peers[j];

			if (j == i || !q->has_tip)
				continue;
			if (git_oid_equal(&q->tip, &p->tip))
				covered = j < i;
			else
				covered = git_graph_descendant_of(repo, &q->tip,
								  &p->tip) == 1;
		}
		if (covered)
			continue;
		if (git_reference_name_to_id(&head, repo, KS_MAIN_REF) < 0) {
			err = ks_error(d, KS_EIO, NULL, 0, 0, "cannot read main: %s",
				       ks_git_error());
			break;
		}
		if (refuse_alien(p, rep, repo, &head,
				 ks_repo_identity(r)->device, d))
			continue;
		if ((err = judge_peer(p, rep, r, &head, d)) == 1) {
			err = 0;
			continue;
		}
		if (err)
			break;
		ks_buf_reset(&what);
		if ((rep->hub ? ks_buf_addf(&what, _("%s from %s"), p->device, rep->hub)
			      : p->base ? ks_buf_puts(&what, _("the stick's shared bundle"))
			      : ks_buf_addf(&what, _("the bundle of %s"), p->device)) < 0) {
			err = -1;
			break;
		}
		if ((err = ks_merge_into_main_checked(&out, &p->merge, r, &p->tip,
						      what.ptr, d)))
			break;
		if (p->merge.up_to_date)
			continue;
		p->merged = 1;
		ks_crash_point("sync: bundle merged");
		if (count_records(p, repo, &head, &out) < 0)
			err = ks_error(d, KS_EIO, NULL, 0, 0,
				       "cannot compare the merge: %s",
				       ks_git_error());
	}
	ks_buf_release(&what);
	return err;
}

int ks_sync_main_tip(git_oid *out, git_repository *repo, struct ks_diags *d)
{
	if (git_reference_name_to_id(out, repo, KS_MAIN_REF) < 0)
		return ks_error(d, KS_EIO, NULL, 0, 0, "the survey has no commit yet");
	return 0;
}

/*
 * What every sync checks before it reads or writes anything: a device
 * identity, no uncommitted change (a merge needs a clean work tree), and
 * main with the survey's first commit.
 */
int ks_sync_start(struct ks_sync_report *rep, struct ks_repo *r,
		      git_oid *root, struct ks_diags *d)
{
	struct ks_changes ch = { 0 };
	int err;

	memset(rep, 0, sizeof(*rep));
	if ((err = ks_repo_require_identity(r, d)) ||
	    (err = ks_repo_require_main(r, d)) ||
	    (err = ks_changes_list(&ch, r, d)))
		return err;
	if (ch.n) {
		ks_changes_release(&ch);
		return ks_error(d, KS_EINVALID, NULL, 0, 0,
				"the work tree has uncommitted changes; commit them first ('khaosat status' lists them); nothing was synced");
	}
	ks_changes_release(&ch);
	if ((err = ks_sync_main_tip(&rep->before, ks_repo_git(r), d)))
		return err;
	if (ks_bundle_survey_root(root, ks_repo_git(r), &rep->before) < 0)
		return ks_error(d, KS_EIO, NULL, 0, 0,
				"cannot read the survey's history: %s", ks_git_error());
	return 0;
}
