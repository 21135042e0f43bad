/*
 * Sync through a folder of bundles, and setting up a laptop from one.
 * The rules for what a bundle holds are in sync.h.
 */
#include "sync.h"
#include "alloc.h"
#include "auth.h"
#include "buf.h"
#include "bundlecache.h"
#include "check.h"
#include "commit.h"
#include "crash.h"
#include "diag.h"
#include "enrol.h"
#include "file.h"
#include "netstream.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BUNDLE_EXT ".bundle"
#define TMP_MARK ".bundle.tmp-"
/* A temporary file of another device older than this was left by a crash. */
#define STALE_TMP_SECONDS 3600

void ks_sync_report_release(struct ks_sync_report *rep)
{
	size_t i;

	for (i = 0; i < rep->npeers; i++)
		ks_free(rep->peers[i].path);
	ks_free(rep->peers);
	ks_free(rep->folder);
	ks_free(rep->hub);
	ks_free(rep->own);
	memset(rep, 0, sizeof(*rep));
}

static int is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* "<device>.bundle" -> device, or 0 when the name is not a device's bundle. */
static int bundle_device(char *device, const char *name)
{
	size_t n = strlen(name), e = strlen(BUNDLE_EXT);

	if (n <= e || strcmp(name + n - e, BUNDLE_EXT) || n - e > KS_DEVICE_MAX)
		return 0;
	memcpy(device, name, n - e);
	device[n - e] = '\0';
	return ks_device_valid(device);
}

/*
 * The survey's folder on the stick: `folder` itself when it is named by
 * the survey id, else folder/<survey id> (made when `create`).
 */
static int survey_folder(char **out, const char *folder, const char *id,
			 int create, struct ks_diags *d)
{
	struct ks_buf b = KS_BUF_INIT;
	size_t n = strlen(folder);

	if (!is_dir(folder))
		return ks_error(d, KS_ENOTFOUND, folder, 0, 0,
				"no such folder (is the stick plugged in and mounted?)");
	while (n > 1 && folder[n - 1] == '/')
		n--;
	if (ks_buf_add(&b, folder, n) < 0)
		return -1;
	if (strcmp(base_name(b.ptr), id)) {
		if (ks_buf_addf(&b, "/%s", id) < 0) {
			ks_buf_release(&b);
			return -1;
		}
		if (create && mkdir(b.ptr, 0777) < 0 && errno != EEXIST) {
			int e = errno;

			ks_buf_release(&b);
			return ks_error(d, KS_EIO, folder, 0, 0,
					"cannot make the survey's folder there: %s",
					strerror(e));
		}
	}
	*out = ks_buf_detach(&b, NULL);
	return *out ? 0 : -1;
}

/*
 * Temporary files of a write that never finished: this device's are
 * always stale (it is not writing now), another device's after an hour.
 */
static size_t sweep_temps(const char *dir, const char *device)
{
	struct ks_buf p = KS_BUF_INIT;
	struct dirent *de;
	struct stat st;
	time_t now = time(NULL);
	size_t n = 0, own = strlen(device);
	DIR *dh = opendir(dir);

	if (!dh)
		return 0;
	while ((de = readdir(dh))) {
		const char *mark = strstr(de->d_name, ".tmp-");
		int mine;

		if (!mark)
			continue;
		mine = !strncmp(de->d_name, device, own) &&
		       !strncmp(de->d_name + own, TMP_MARK, strlen(TMP_MARK));
		ks_buf_reset(&p);
		if (ks_buf_addf(&p, "%s/%s", dir, de->d_name) < 0)
			break;
		if (lstat(p.ptr, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		if ((mine || st.st_mtime + STALE_TMP_SECONDS < now) &&
		    unlink(p.ptr) == 0)
			n++;
	}
	closedir(dh);
	ks_buf_release(&p);
	return n;
}

static int cmp_peer(const void *a, const void *b)
{
	return strcmp(((const struct ks_sync_peer *)a)->device,
		      ((const struct ks_sync_peer *)b)->device);
}

static int list_peers(struct ks_sync_report *rep, const char *dir,
		      struct ks_diags *d)
{
	struct ks_buf path = KS_BUF_INIT;
	size_t alloc = 0;
	struct dirent *de;
	DIR *dh = opendir(dir);

	if (!dh)
		return ks_error(d, KS_EIO, dir, 0, 0, "cannot read the folder: %s",
				strerror(errno));
	while ((de = readdir(dh))) {
		struct ks_sync_peer *p;
		char device[KS_DEVICE_MAX + 1];

		if (!bundle_device(device, de->d_name))
			continue;
		if (ks_grow(&rep->peers, rep->npeers, &alloc, sizeof(*p), 8) < 0)
			goto nomem;
		p = &rep->peers[rep->npeers];
		memset(p, 0, sizeof(*p));
		memcpy(p->device, device, strlen(device) + 1);
		ks_buf_reset(&path);
		if (ks_buf_addf(&path, "%s/%s", dir, de->d_name) < 0 ||
		    !(p->path = ks_buf_detach(&path, NULL)))
			goto nomem;
		rep->npeers++;
	}
	closedir(dh);
	ks_buf_release(&path);
	if (rep->npeers)
		qsort(rep->peers, rep->npeers, sizeof(*rep->peers), cmp_peer);
	return 0;
nomem:
	closedir(dh);
	ks_buf_release(&path);
	return -1;
}

/*
 * Reads a peer's header: its tip, whether it is full, what it requires,
 * and the file's stamp.  What is not a regular file is refused unread.
 */
static int read_peer(struct ks_sync_peer *p, struct ks_bundle_info *info,
		     struct ks_diags *d)
{
	const struct ks_bundle_ref *tip;
	struct ks_bundle_stamp stamp;
	FILE *f;
	int err;

	memset(info, 0, sizeof(*info));
	if ((err = ks_bundle_open(&f, &stamp, p->path, KS_BUNDLE_NOFOLLOW, d)))
		return err == KS_ENOTFOUND ? KS_EIO : err;
	err = ks_bundle_read_header(info, f, p->path, d);
	fclose(f);
	if (err)
		return err;
	info->stamp = stamp;
	if (!(tip = ks_bundle_main_ref(info))) {
		ks_bundle_info_release(info);
		return ks_error(d, KS_EINVALID, p->path, 0, 0,
				"the bundle has several references and none is refs/heads/main or HEAD");
	}
	git_oid_cpy(&p->tip, &tip->oid);
	p->full = info->nprereqs == 0;
	return 0;
}

static int has_commit(git_odb *odb, const git_oid *id)
{
	size_t len;
	git_object_t type;
	int r = git_odb_read_header(&len, &type, odb, id) == 0 &&
		type == GIT_OBJECT_COMMIT;

	git_error_clear();
	return r;
}

/* The first prerequisite of `info` this repository lacks, or NULL. */
static const struct ks_bundle_prereq *lacking(git_odb *odb,
					       const struct ks_bundle_info *info)
{
	size_t i;

	for (i = 0; i < info->nprereqs; i++)
		if (!has_commit(odb, &info->prereqs[i].oid))
			return &info->prereqs[i];
	return NULL;
}

/*
 * Problems with this device's own earlier bundle are warnings: the sync
 * writes it again.  Another device's damaged bundle can only be mended by
 * that device: the note says so.
 */
static void report(struct ks_diags *d, struct ks_diags *got,
		   const struct ks_sync_peer *p, int own)
{
	int broken = 0;
	size_t i;

	for (i = 0; i < got->n; i++)
		broken |= got->v[i].keyword &&
			  !strcmp(got->v[i].keyword, KS_BUNDLE_DAMAGED);
	if (!own) {
		ks_diags_move(d, got);
		if (broken)
			ks_diags_add(d, KS_SEV_NOTE, p->path, 0, 0, NULL, NULL,
				     "%s's bundle on this stick is damaged and was not used; sync %s with this stick again to write it anew",
				     p->device, p->device);
		return;
	}
	for (i = 0; i < got->n; i++) {
		const struct ks_diag *g = &got->v[i];

		ks_diags_add(d, KS_SEV_WARNING, g->path, g->line, g->col,
			     g->pointer, g->keyword, "%s (this device's own bundle, written again below)",
			     g->message);
	}
	ks_diags_release(got);
}

/* ---- a device's history only grows ---- */

#define SEEN "refs/khaosat/seen/"

/* The tip of `device` this laptop took in last: 1 with it in *out, or 0. */
static int seen_tip(git_oid *out, git_repository *repo, const char *device)
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
static void remember_seen(git_repository *repo, const char *device,
			  const git_oid *tip)
{
	char name[sizeof(SEEN) + KS_DEVICE_MAX + 1];
	git_reference *ref = NULL;
	git_oid seen;

	if (!ks_device_valid(device))
		return;
	if (seen_tip(&seen, repo, device) &&
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
static int forked(git_repository *repo, const struct ks_sync_peer *p,
		  const char *what, struct ks_diags *got)
{
	char hex[GIT_OID_HEXSZ + 1];
	git_oid seen;

	if (!seen_tip(&seen, repo, p->device) || git_oid_equal(&seen, &p->tip) ||
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
		remember_seen(repo, dev, tip);
	git_error_clear();
	ks_free(dev);
	git_commit_free(c);
}

/* A bundle that failed a check: reported, and nothing of it is used. */
static int refuse(struct ks_sync_peer *p, int err, struct ks_diags *got,
		  const char *device, struct ks_diags *d)
{
	report(d, got, p, !strcmp(p->device, device));
	if (err != KS_EINVALID && err != KS_EIO && err != KS_ENOTFOUND)
		return err;
	p->state = KS_PEER_REFUSED;
	p->has_tip = 0;
	return 0;
}

/*
 * A bundle whose commits this survey has already: importing it would read
 * nothing, so its damage would go unseen and be passed on to every laptop
 * set up from the stick.  It is read whole once in each state of the file
 * (its stamp); the cache remembers the states found intact.
 */
static int check_known(struct ks_sync_peer *p, const struct ks_bundle_info *head,
		       struct ks_bundle_cache *cache, git_repository *repo,
		       const git_oid *root, const char *device,
		       const struct ks_progress *pg, struct ks_diags *d)
{
	struct ks_diags got = KS_DIAGS_INIT;
	struct ks_bundle_info info;
	const char *name = base_name(p->path);
	int err;

	if (ks_bundle_cache_has(cache, name, &head->stamp))
		return 0;
	err = ks_bundle_verify_git(repo, root, p->path, KS_BUNDLE_NOFOLLOW, pg,
				   &info, &got);
	if (err)
		return refuse(p, err, &got, device, d);
	report(d, &got, p, !strcmp(p->device, device));
	err = ks_bundle_cache_add(cache, name, &info.stamp);
	ks_bundle_info_release(&info);
	return err;
}

/*
 * Imports every peer that brings something new, full bundles first and
 * then each one whose prerequisites are here, until none is left that can
 * be applied; then checks the peers that brought nothing new.  A bundle
 * that fails is reported and skipped.
 */
static int import_peers(struct ks_sync_report *rep, git_repository *repo,
			const git_oid *root, const char *device,
			const struct ks_bundle_judge *judge,
			const struct ks_progress *pg, struct ks_diags *d)
{
	struct ks_diags got = KS_DIAGS_INIT, ignore = KS_DIAGS_INIT;
	struct ks_bundle_cache cache = KS_BUNDLE_CACHE_INIT;
	struct ks_bundle_info *infos;
	git_odb *odb = NULL;
	size_t i, pending = 0;
	int err = 0, progress;

	if (!rep->npeers)
		return 0;
	if (!(infos = ks_calloc(rep->npeers, sizeof(*infos))))
		return -1;
	if (git_repository_odb(&odb, repo) < 0) {
		ks_free(infos);
		return ks_error(d, KS_EIO, NULL, 0, 0, "cannot read the repository: %s",
				ks_git_error());
	}
	if ((err = ks_bundle_cache_load(&cache, repo)))
		goto out;
	for (i = 0; i < rep->npeers; i++) {
		struct ks_sync_peer *p = &rep->peers[i];

		if ((err = read_peer(p, &infos[i], &got))) {
			report(d, &got, p, !strcmp(p->device, device));
			if (err != KS_EINVALID && err != KS_EIO)
				goto out;
			p->state = KS_PEER_REFUSED;
			err = 0;
		} else if (has_commit(odb, &p->tip)) {
			p->state = KS_PEER_KNOWN;
			p->has_tip = 1;
			if (strcmp(p->device, device) &&
			    forked(repo, p, p->path, &got) &&
			    (err = refuse(p, KS_EINVALID, &got, device, d)))
				goto out;
		} else {
			p->state = KS_PEER_WAITING;
			pending++;
		}
	}
	do {
		progress = 0;
		for (i = 0; i < rep->npeers && !err; i++) {
			struct ks_sync_peer *p = &rep->peers[i];
			struct ks_bundle_info info;

			git_oid seen;

			if (p->state != KS_PEER_WAITING || lacking(odb, &infos[i]))
				continue;
			/* Brought meanwhile by another bundle: nothing to read. */
			if (has_commit(odb, &p->tip)) {
				p->state = KS_PEER_KNOWN;
			} else {
				int since = strcmp(p->device, device) &&
					    seen_tip(&seen, repo, p->device);

				err = ks_bundle_import_git(repo, root,
							   since ? &seen : NULL, p->path,
							   KS_BUNDLE_NOFOLLOW, judge, pg,
							   &info, &got);
				if (err) {
					if ((err = refuse(p, err, &got, device, d)))
						break;
					pending--;
					progress = 1;
					continue;
				}
				report(d, &got, p, !strcmp(p->device, device));
				err = ks_bundle_cache_add(&cache, base_name(p->path),
							  &info.stamp);
				ks_bundle_info_release(&info);
				if (err)
					break;
				p->state = KS_PEER_IMPORTED;
				ks_crash_point("sync: bundle imported");
			}
			p->has_tip = 1;
			pending--;
			progress = 1;
		}
	} while (progress && pending && !err);
	for (i = 0; i < rep->npeers && !err; i++)
		if (rep->peers[i].state == KS_PEER_KNOWN)
			err = check_known(&rep->peers[i], &infos[i], &cache, repo,
					  root, device, pg, d);
	for (i = 0; i < rep->npeers && !err; i++) {
		const struct ks_sync_peer *p = &rep->peers[i];
		const struct ks_bundle_prereq *need;
		char hex[GIT_OID_HEXSZ + 1];

		if (p->state != KS_PEER_WAITING ||
		    !(need = lacking(odb, &infos[i])))
			continue;
		git_oid_tostr(hex, sizeof(hex), &need->oid);
		ks_error(&got, KS_ENOTFOUND, p->path, 0, 0,
			 "not applied: it needs commit %.10s%s%s%s first, which no bundle here brings; sync with the stick or laptop that has the full survey (a bundle that holds everything, such as the centre's), then sync here again",
			 hex, *need->comment ? " (\"" : "", need->comment,
			 *need->comment ? "\")" : "");
		report(d, &got, p, !strcmp(p->device, device));
	}
	for (i = 0; i < rep->npeers && !err; i++)
		if (rep->peers[i].has_tip && strcmp(rep->peers[i].device, device))
			remember_seen(repo, rep->peers[i].device, &rep->peers[i].tip);
	/* Only a cache: failing to save it costs a reading, nothing else. */
	if (!err)
		ks_bundle_cache_save(&cache, &ignore);
out:
	for (i = 0; i < rep->npeers; i++)
		ks_bundle_info_release(&infos[i]);
	ks_free(infos);
	git_odb_free(odb);
	ks_bundle_cache_release(&cache);
	ks_diags_release(&ignore);
	return err;
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
static int count_records(struct ks_sync_peer *p, git_repository *repo,
			 const git_oid *before, const git_oid *after)
{
	git_diff *diff = NULL;
	size_t i, n;
	int err = -1;

	if (ks_diff_commits(&diff, repo, before, after, NULL) < 0)
		goto out;
	n = git_diff_num_deltas(diff);
	for (i = 0; i < n; i++) {
		const git_diff_delta *dd = git_diff_get_delta(diff, i);
		const char *path = dd->new_file.path ? dd->new_file.path
						     : dd->old_file.path;

		if (strncmp(path, KS_RECORDS_DIR "/", strlen(KS_RECORDS_DIR) + 1)) {
			if (strncmp(path, "conflicts/", 10))
				p->files++;
			continue;
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
	}
	err = 0;
out:
	git_diff_free(diff);
	return err;
}

/*
 * Merges the peers' tips into main in device order, leaving out a tip
 * that another tip contains (merging that one brings it too, with fewer
 * merge commits).
 */
static int merge_peers(struct ks_sync_report *rep, struct ks_repo *r,
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
		if ((rep->hub ? ks_buf_addf(&what, "%s from %s", p->device, rep->hub)
			      : ks_buf_addf(&what, "the bundle of %s", p->device)) < 0) {
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

/*
 * What this device's bundle leaves out: the history common to every other
 * device's tip, when one of them is full and all of them were read.
 * *nhidden = 0: write a full bundle.
 */
static int choose_base(git_oid *base, size_t *nhidden,
		       const struct ks_sync_report *rep, git_repository *repo,
		       const char *device, const git_oid *tip)
{
	git_oid *tips;
	size_t i, n = 0;
	int full_other = 0, err;

	*nhidden = 0;
	for (i = 0; i < rep->npeers; i++) {
		const struct ks_sync_peer *p = &rep->peers[i];

		if (!strcmp(p->device, device))
			continue;
		if (!p->has_tip)
			return 0;	/* what that device has is unknown */
		full_other |= p->full;
		n++;
	}
	if (!n || !full_other)
		return 0;
	if (!(tips = ks_calloc(n, sizeof(*tips))))
		return -1;
	for (i = n = 0; i < rep->npeers; i++)
		if (strcmp(rep->peers[i].device, device))
			git_oid_cpy(&tips[n++], &rep->peers[i].tip);
	err = n == 1 ? (git_oid_cpy(base, &tips[0]), 0)
		     : git_merge_base_octopus(base, repo, n, tips);
	ks_free(tips);
	/*
	 * The base must be in main's own history: main need not contain the
	 * others' tips (a merge that would bring nothing is not made), and a
	 * bundle's prerequisites are commits its history builds on.
	 */
	if (err == 0 && !git_oid_equal(base, tip) &&
	    git_graph_descendant_of(repo, tip, base) != 1) {
		git_oid mb;

		err = git_merge_base(&mb, repo, tip, base);
		if (err == 0)
			git_oid_cpy(base, &mb);
	}
	git_error_clear();
	if (err == 0)
		*nhidden = 1;
	return 0;	/* no common history: a full bundle is always right */
}

/*
 * 1 when the bundle already on the stick can stay: it was found intact
 * (import_peers() read it whole, or the cache says it did), it ends at
 * main and is full, or requires only what the chosen base holds.
 */
static int own_is_current(const struct ks_sync_peer *own, git_repository *repo,
			  const git_oid *tip, const git_oid *base,
			  size_t nhidden, struct ks_diags *d)
{
	struct ks_sync_peer copy = *own;
	struct ks_bundle_info info = KS_BUNDLE_INFO_INIT;
	struct ks_diags quiet = KS_DIAGS_INIT;
	size_t i;
	int ok;

	/* Damaged, or not a bundle file: the import said so. */
	if (own->state == KS_PEER_REFUSED)
		return 0;
	if (read_peer(&copy, &info, &quiet) || !git_oid_equal(&copy.tip, tip)) {
		ks_diags_release(&quiet);
		ks_bundle_info_release(&info);
		return 0;
	}
	ok = 1;
	for (i = 0; i < info.nprereqs && ok; i++)
		ok = nhidden &&
		     (git_oid_equal(&info.prereqs[i].oid, base) ||
		      git_graph_descendant_of(repo, base, &info.prereqs[i].oid) == 1);
	git_error_clear();
	ks_diags_release(&quiet);
	ks_bundle_info_release(&info);
	(void)d;
	return ok;
}

static int write_own(struct ks_sync_report *rep, struct ks_repo *r,
		     const struct ks_progress *pg, struct ks_diags *d)
{
	git_repository *repo = ks_repo_git(r);
	const char *device = ks_repo_identity(r)->device;
	const struct ks_sync_peer *own = NULL;
	git_oid base;
	size_t nhidden, i;
	int err;

	{
		struct ks_buf own_path = KS_BUF_INIT;

		if (ks_buf_addf(&own_path, "%s/%s%s", rep->folder, device, BUNDLE_EXT) < 0)
			return -1;
		rep->own = ks_buf_detach(&own_path, NULL);
	}
	for (i = 0; i < rep->npeers; i++)
		if (!strcmp(rep->peers[i].device, device))
			own = &rep->peers[i];
	if (choose_base(&base, &nhidden, rep, repo, device, &rep->after) < 0)
		return -1;
	rep->full = !nhidden;
	/* Another laptop's, under this one's id: never written over. */
	if (own && own->alien)
		return ks_error(d, KS_EEXISTS, rep->own, 0, 0,
				"not written: the bundle there is another laptop's that uses this device id (see above)");
	if (own && own_is_current(own, repo, &rep->after, &base, nhidden, d))
		return 0;
	rep->replaced = own && own->state == KS_PEER_REFUSED;
	ks_crash_point("sync: writing own bundle");
	err = ks_bundle_write(r, rep->own, &rep->after, &base, nhidden, pg,
			      &rep->out, d);
	if (!err)
		rep->wrote = 1;
	return err;
}

/* A note for people who find the folder: what it is, how git reads it. */
static int write_readme(const char *dir, struct ks_repo *r, struct ks_diags *d)
{
	struct ks_buf path = KS_BUF_INIT, text = KS_BUF_INIT;
	struct stat st;
	int err = 0;

	if (ks_buf_addf(&path, "%s/README.txt", dir) < 0)
		return -1;
	if (stat(path.ptr, &st) < 0) {
		if (ks_buf_addf(&text,
				"khaosat survey \"%s\" (survey id %s)\n\n"
				"Each <device>.bundle here is a git bundle of one laptop's survey\n"
				"data, written by 'khaosat sync'. Set up a new laptop with\n"
				"  khaosat clone %s NEW-FOLDER --device ID --surveyor NAME\n"
				"or look inside with plain git:\n"
				"  git clone <device>.bundle copy\n",
				ks_repo_name(r), ks_repo_survey_id(r),
				base_name(dir)) < 0)
			err = -1;
		else
			err = ks_file_put(path.ptr, text.ptr, text.len, KS_FILE_DURABLE, d);
	}
	ks_buf_release(&path);
	ks_buf_release(&text);
	return err;
}

static int main_tip(git_oid *out, git_repository *repo, struct ks_diags *d)
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
static int sync_start(struct ks_sync_report *rep, struct ks_repo *r,
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
	if ((err = main_tip(&rep->before, ks_repo_git(r), d)))
		return err;
	if (ks_bundle_survey_root(root, ks_repo_git(r), &rep->before) < 0)
		return ks_error(d, KS_EIO, NULL, 0, 0,
				"cannot read the survey's history: %s", ks_git_error());
	return 0;
}

int ks_sync_folder(struct ks_sync_report *rep, struct ks_repo *r,
		   const char *folder, unsigned flags,
		   const struct ks_progress *pg, struct ks_diags *d)
{
	git_repository *repo = ks_repo_git(r);
	struct ks_bundle_judge judge;
	git_oid root;
	int err;

	if ((err = sync_start(rep, r, &root, d)))
		return err;
	if ((err = survey_folder(&rep->folder, folder, ks_repo_survey_id(r),
				 !(flags & KS_SYNC_NO_WRITE), d)))
		return err;
	if (!is_dir(rep->folder)) {
		/* Nothing of this survey there yet, and nothing to write. */
		git_oid_cpy(&rep->after, &rep->before);
		return 0;
	}
	if (!(flags & KS_SYNC_NO_WRITE))
		rep->swept = sweep_temps(rep->folder, ks_repo_identity(r)->device);
	ks_enrol_bundle_judge(&judge, r);
	if ((err = list_peers(rep, rep->folder, d)) ||
	    (err = import_peers(rep, repo, &root, ks_repo_identity(r)->device,
				&judge, pg, d)))
		return err;
	if ((err = merge_peers(rep, r, d))) {
		/* What merged before the failure is in main: say where. */
		if (git_reference_name_to_id(&rep->after, repo, KS_MAIN_REF) < 0)
			memset(&rep->after, 0, sizeof(rep->after));
		return err;
	}
	if ((err = main_tip(&rep->after, repo, d)))
		return err;
	if (flags & KS_SYNC_NO_WRITE)
		return 0;
	if ((err = write_own(rep, r, pg, d)))
		return err;
	return write_readme(rep->folder, r, d);
}

/* ---- setting up a laptop ---- */

enum source { SRC_BUNDLE, SRC_FOLDER, SRC_GIT };

static int has_bundles(const char *dir)
{
	char device[KS_DEVICE_MAX + 1];
	struct dirent *de;
	DIR *dh = opendir(dir);
	int found = 0;

	if (!dh)
		return 0;
	while (!found && (de = readdir(dh)))
		found = bundle_device(device, de->d_name);
	closedir(dh);
	return found;
}

static int is_git_dir(const char *dir)
{
	struct ks_buf p = KS_BUF_INIT;
	struct stat st;
	int r = 0;

	if (ks_buf_addf(&p, "%s/.git", dir) == 0 && stat(p.ptr, &st) == 0)
		r = 1;
	ks_buf_reset(&p);
	if (!r && ks_buf_addf(&p, "%s/HEAD", dir) == 0 && stat(p.ptr, &st) == 0) {
		ks_buf_reset(&p);
		r = ks_buf_addf(&p, "%s/objects", dir) == 0 && is_dir(p.ptr);
	}
	ks_buf_release(&p);
	return r;
}

/* "host:path" (scp-like ssh) or "scheme://..." */
static int looks_like_url(const char *s)
{
	const char *colon = strchr(s, ':'), *slash = strchr(s, '/');

	return strstr(s, "://") || (colon && colon != s && (!slash || colon < slash));
}

/*
 * What `source` is.  A stick's mount point holding one survey's folder is
 * taken as that folder; with several, the person must say which.
 */
static int classify(enum source *kind, char **folder, const char *source,
		    struct ks_diags *d)
{
	struct ks_buf found = KS_BUF_INIT, p = KS_BUF_INIT;
	struct stat st;
	struct dirent *de;
	size_t n = 0;
	DIR *dh;
	int err = 0;

	*folder = NULL;
	if (stat(source, &st) < 0) {
		if (looks_like_url(source)) {
			*kind = SRC_GIT;
			return 0;
		}
		return ks_error(d, KS_ENOTFOUND, source, 0, 0,
				"no such file or folder (is the stick plugged in and mounted?)");
	}
	if (S_ISREG(st.st_mode)) {
		*kind = SRC_BUNDLE;
		return 0;
	}
	if (!S_ISDIR(st.st_mode))
		return ks_error(d, KS_EINVALID, source, 0, 0,
				"neither a bundle file nor a folder, but %s",
				ks_bundle_file_kind(st.st_mode));
	if (is_git_dir(source)) {
		*kind = SRC_GIT;
		return 0;
	}
	*kind = SRC_FOLDER;
	if (has_bundles(source))
		return (*folder = ks_strdup(source)) ? 0 : -1;
	if (!(dh = opendir(source)))
		return ks_error(d, KS_EIO, source, 0, 0, "cannot read the folder: %s",
				strerror(errno));
	while ((de = readdir(dh)) && err == 0) {
		if (de->d_name[0] == '.')
			continue;
		ks_buf_reset(&p);
		if (ks_buf_addf(&p, "%s/%s", source, de->d_name) < 0) {
			err = -1;
			break;
		}
		if (!is_dir(p.ptr) || !has_bundles(p.ptr))
			continue;
		if (n++ == 0 && !(*folder = ks_strdup(p.ptr)))
			err = -1;
		else if (ks_buf_addf(&found, "%s  %s", n > 1 ? "," : "", p.ptr) < 0)
			err = -1;
	}
	closedir(dh);
	if (!err && n == 0) {
		ks_error(d, KS_ENOTFOUND, source, 0, 0,
			 "holds no khaosat bundles (<survey id>/<device>.bundle)");
		err = KS_ENOTFOUND;
	} else if (!err && n > 1) {
		ks_error(d, KS_EINVALID, source, 0, 0,
			 "holds %zu surveys; give the folder of one:%s", n, found.ptr);
		err = KS_EINVALID;
	}
	if (err) {
		ks_free(*folder);
		*folder = NULL;
	}
	ks_buf_release(&found);
	ks_buf_release(&p);
	return err;
}

/* Device ids with records in `tree` (records/<kind>/<device>/). */
static int device_has_records(git_repository *repo, const git_tree *root,
			      const char *device)
{
	git_tree_entry *e = NULL;
	git_tree *records = NULL;
	size_t i, n;
	int found = 0;

	if (git_tree_entry_bypath(&e, root, KS_RECORDS_DIR) < 0 ||
	    git_tree_lookup(&records, repo, git_tree_entry_id(e)) < 0) {
		git_tree_entry_free(e);
		git_error_clear();
		return 0;
	}
	n = git_tree_entrycount(records);
	for (i = 0; i < n && !found; i++) {
		const git_tree_entry *kind = git_tree_entry_byindex(records, i);
		git_tree *t = NULL;

		if (git_tree_entry_type(kind) != GIT_OBJECT_TREE ||
		    git_tree_lookup(&t, repo, git_tree_entry_id(kind)) < 0)
			continue;
		found = git_tree_entry_byname(t, device) != NULL;
		git_tree_free(t);
	}
	git_tree_free(records);
	git_tree_entry_free(e);
	git_error_clear();
	return found;
}

static int device_taken(struct ks_diags *d, const char *device,
			const char *where)
{
	return ks_error(d, KS_EEXISTS, NULL, 0, 0,
			"device id \"%s\" is already used %s; every laptop needs its own device id (--device), or record ids would clash",
			device, where);
}

/* The first full bundle, in device order: the survey's whole history. */
static const struct ks_sync_peer *first_full(struct ks_sync_report *rep,
					     struct ks_diags *d)
{
	size_t i;

	for (i = 0; i < rep->npeers; i++) {
		struct ks_sync_peer *p = &rep->peers[i];
		struct ks_bundle_info info = KS_BUNDLE_INFO_INIT;
		struct ks_diags quiet = KS_DIAGS_INIT;
		int err = read_peer(p, &info, &quiet);

		ks_diags_release(&quiet);
		ks_bundle_info_release(&info);
		if (!err && p->full)
			return p;
	}
	ks_error(d, KS_ENOTFOUND, rep->folder, 0, 0,
		 "no bundle here holds the whole survey; sync a laptop that has it (or the centre) with this stick first");
	return NULL;
}

static int fetch_hub(struct ks_sync_report *rep, git_repository *repo,
		     const char *url, const char *remote, unsigned timeout,
		     git_oid *root, const struct ks_bundle_judge *judge,
		     const struct ks_progress *pg, struct ks_diags *d);
static int hub_timeout(unsigned *out, git_repository *repo, unsigned given,
		       struct ks_diags *d);
static int hub_main_at(git_repository *repo, git_oid *tip,
		       struct ks_sync_report *rep, const char *url,
		       const struct ks_clone_opts *opts,
		       const struct ks_progress *pg, struct ks_diags *d);
static int named_remote(git_repository *repo, const char *name,
			const char *url, const char *fetchspec);

/*
 * From a hub: the remote KS_CLONE_REMOTE, made the default; every device's
 * ref fetched and checked; main starts at the hub's main, or at its first
 * device's tip, and the others are merged once the survey is open.
 */
/*
 * A remote's URL as it is kept: a local path made absolute, so that it
 * means the same from any folder.  NULL: out of memory.
 */
static char *keep_url(const char *url)
{
	char real[PATH_MAX];

	if (!looks_like_url(url) && realpath(url, real))
		return ks_strdup(real);
	return ks_strdup(url);
}

static int hub_main(git_repository *repo, git_oid *tip,
		    struct ks_sync_report *rep, const char *source,
		    const struct ks_clone_opts *opts,
		    const struct ks_progress *pg, struct ks_diags *d)
{
	char *url = keep_url(source);
	int r;

	if (!url)
		return -1;
	r = hub_main_at(repo, tip, rep, url, opts, pg, d);
	ks_free(url);
	return r;
}

static int hub_main_at(git_repository *repo, git_oid *tip,
		       struct ks_sync_report *rep, const char *url,
		       const struct ks_clone_opts *opts,
		       const struct ks_progress *pg, struct ks_diags *d)
{
	const char *device = opts->who.device;
	git_remote *rem = NULL;
	git_config *cfg = NULL;
	git_oid root;
	unsigned timeout;
	size_t i;
	int err;

	memset(&root, 0, sizeof(root));
	/* The new survey's configuration is the user's and the system's. */
	if ((err = hub_timeout(&timeout, repo, opts->hub_timeout, d)))
		return err;
	if (named_remote(repo, KS_CLONE_REMOTE, url,
			 "+" KS_HUB_DEVICES "*:" KS_TRACKING KS_CLONE_REMOTE "/*") < 0 ||
	    git_repository_config(&cfg, repo) < 0 ||
	    git_config_set_string(cfg, "khaosat.remote", KS_CLONE_REMOTE) < 0) {
		git_remote_free(rem);
		git_config_free(cfg);
		return ks_error(d, KS_EIO, url, 0, 0, "cannot record the remote: %s",
				ks_git_error());
	}
	git_remote_free(rem);
	git_config_free(cfg);
	if (!(rep->folder = ks_strdup(url)) || !(rep->hub = ks_strdup(KS_CLONE_REMOTE)))
		return -1;
	if ((err = fetch_hub(rep, repo, url, KS_CLONE_REMOTE, timeout, &root,
			     NULL, pg, d)))
		return err;
	for (i = 0; i < rep->npeers; i++)
		if (!strcmp(rep->peers[i].device, device))
			return device_taken(d, device, "on this hub");
	for (i = 0; i < rep->npeers && !rep->peers[i].has_tip; i++)
		;
	if (i == rep->npeers)
		return ks_error(d, KS_ENOTFOUND, url, 0, 0,
				"the hub holds no survey yet (no main, no devices/*); sync a laptop that has the survey with it first");
	git_oid_cpy(tip, &rep->peers[i].tip);
	{
		git_reference *r = NULL;

		if (git_reference_create(&r, repo, KS_MAIN_REF, tip, 0,
					 "khaosat clone") < 0)
			return ks_error(d, KS_EIO, url, 0, 0, "cannot set main: %s",
					ks_git_error());
		git_reference_free(r);
	}
	return 0;
}

/*
 * Makes the repository and brings the survey's main into it.  From a
 * bundle, `stamp` is the file as it was read and checked.
 */
static int fetch_main(git_repository **repo, git_oid *tip,
		      struct ks_bundle_stamp *stamp, enum source kind,
		      const char *source, const char *bundle, const char *dir,
		      struct ks_sync_report *hubrep,
		      const struct ks_clone_opts *opts,
		      const struct ks_progress *pg, struct ks_diags *d)
{
	git_repository_init_options io = GIT_REPOSITORY_INIT_OPTIONS_INIT;
	struct ks_bundle_info info = KS_BUNDLE_INFO_INIT;
	const struct ks_bundle_ref *ref;
	git_reference *r = NULL;
	int err;

	io.flags = GIT_REPOSITORY_INIT_MKPATH | GIT_REPOSITORY_INIT_NO_REINIT;
	io.initial_head = "main";
	if (git_repository_init_ext(repo, dir, &io) < 0)
		return ks_error(d, KS_EIO, dir, 0, 0, "cannot create the repository: %s",
				ks_git_error());
	if (kind == SRC_GIT)
		return hub_main(*repo, tip, hubrep, source, opts, pg, d);
	if ((err = ks_bundle_import_git(*repo, NULL, NULL, bundle,
					kind == SRC_FOLDER ? KS_BUNDLE_NOFOLLOW : 0,
					NULL, pg, &info, d)))
		return err;
	*stamp = info.stamp;
	if (!(ref = ks_bundle_main_ref(&info))) {
		ks_bundle_info_release(&info);
		return ks_error(d, KS_EINVALID, bundle, 0, 0,
				"the bundle has several references and none is refs/heads/main or HEAD");
	}
	git_oid_cpy(tip, &ref->oid);
	ks_bundle_info_release(&info);
	if (git_reference_create(&r, *repo, KS_MAIN_REF, tip, 0,
				 "khaosat clone") < 0)
		return ks_error(d, KS_EIO, dir, 0, 0, "cannot set main: %s",
				ks_git_error());
	git_reference_free(r);
	return 0;
}

/*
 * The stick's bundle a new laptop was set up from was read whole: the sync
 * that follows need not read it again.
 */
static void remember_checked(git_repository *repo, const char *path,
			     const struct ks_bundle_stamp *stamp)
{
	struct ks_bundle_cache cache = KS_BUNDLE_CACHE_INIT;
	struct ks_diags ignore = KS_DIAGS_INIT;

	if (ks_bundle_cache_load(&cache, repo) == 0 &&
	    ks_bundle_cache_add(&cache, base_name(path), stamp) == 0)
		ks_bundle_cache_save(&cache, &ignore);
	ks_bundle_cache_release(&cache);
	ks_diags_release(&ignore);
}

/* Empties `dir` (which was empty before) or removes it (clone made it). */
static void clone_rollback(const char *dir, int made)
{
	struct ks_buf p = KS_BUF_INIT;
	struct dirent *de;
	DIR *dh;

	if (made) {
		ks_remove_tree(dir);
		return;
	}
	if (!(dh = opendir(dir)))
		return;
	while ((de = readdir(dh))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		ks_buf_reset(&p);
		if (ks_buf_addf(&p, "%s/%s", dir, de->d_name) == 0)
			ks_remove_tree(p.ptr);
	}
	closedir(dh);
	ks_buf_release(&p);
}

static int dir_usable(int *made, const char *dir, struct ks_diags *d)
{
	struct dirent *de;
	DIR *dh;
	int empty = 1;

	*made = 0;
	if (!(dh = opendir(dir))) {
		if (errno != ENOENT)
			return ks_error(d, KS_EIO, dir, 0, 0, "cannot use it: %s",
					strerror(errno));
		*made = 1;
		return 0;
	}
	while (empty && (de = readdir(dh)))
		empty = !strcmp(de->d_name, ".") || !strcmp(de->d_name, "..");
	closedir(dh);
	if (!empty)
		return ks_error(d, KS_EEXISTS, dir, 0, 0,
				"already exists and is not empty; give a new folder");
	return 0;
}

static int checkout_main(git_repository *repo, const git_oid *tip,
			 const char *source, const char *device,
			 struct ks_diags *d)
{
	git_checkout_options co = GIT_CHECKOUT_OPTIONS_INIT;
	git_commit *c = NULL;
	git_tree *t = NULL;
	git_tree_entry *e = NULL;
	int err = 0;

	if (git_commit_lookup(&c, repo, tip) < 0 || git_commit_tree(&t, c) < 0) {
		err = ks_error(d, KS_EIO, source, 0, 0, "cannot read the survey: %s",
			       ks_git_error());
		goto out;
	}
	if (git_tree_entry_bypath(&e, t, KS_SURVEY_FILE) < 0) {
		git_error_clear();
		err = ks_error(d, KS_EINVALID, source, 0, 0,
			       "not a khaosat survey: its main has no %s",
			       KS_SURVEY_FILE);
		goto out;
	}
	if (device_has_records(repo, t, device)) {
		err = device_taken(d, device, "by records in this survey");
		goto out;
	}
	co.checkout_strategy = GIT_CHECKOUT_FORCE;
	if (git_repository_set_head(repo, KS_MAIN_REF) < 0 ||
	    git_checkout_tree(repo, (git_object *)c, &co) < 0)
		err = ks_error(d, KS_EIO, source, 0, 0,
			       "cannot write the work tree: %s", ks_git_error());
out:
	git_tree_entry_free(e);
	git_tree_free(t);
	git_commit_free(c);
	return err;
}

/*
 * What a new laptop takes from its source must be trustworthy from the
 * survey's introduction on: its first commit signed by the centre its own
 * members file names (and by the key the centre gave, when one was
 * given), and every later commit authentic (core/auth.h).
 */
static int trust_first(struct ks_repo *r, const git_oid *tip,
		       const char *centre_key, struct ks_diags *d)
{
	struct ks_auth_judge *j = NULL;
	struct ks_auth_verdict v;
	struct ks_buf why = KS_BUF_INIT;
	struct ks_intro in;
	int err;

	if ((err = ks_enrol_introduction(&in, ks_repo_git(r), tip, d)))
		return err;
	if (centre_key && (!in.is_signed || strcmp(centre_key, in.fingerprint)))
		return ks_error(d, KS_EINVALID, NULL, 0, 0,
				"this is not the survey the centre gave you: its first commit is %s%s, not by key %s; nothing was kept",
				in.is_signed ? "signed by key " : "not signed",
				in.is_signed ? in.fingerprint : "", centre_key);
	if (in.is_signed && ks_enrol_remember(ks_repo_git(r), &in) < 0)
		return ks_error(d, KS_EIO, NULL, 0, 0, "cannot save the introduction: %s",
				ks_git_error());
	if (ks_auth_judge_new(&j, r) < 0)
		return -1;
	err = ks_auth_history(&v, j, tip, NULL, d);
	ks_auth_judge_free(j);
	if (err || v.status == KS_AUTH_OK)
		return err;
	if (ks_auth_verdict_text(&why, &v) < 0)
		return -1;
	err = ks_error(d, KS_EINVALID, NULL, 0, 0,
		       v.status == KS_AUTH_WAITING
		       ? "the source holds work of a laptop the centre has not approved yet (%s); set this laptop up from the centre's bundle or hub"
		       : "the source holds a commit that may not be taken: %s; nothing was kept",
		       why.ptr);
	ks_buf_release(&why);
	return err;
}

int ks_clone(struct ks_repo **out, struct ks_sync_report *rep,
	     const char *source, const char *dir,
	     const struct ks_clone_opts *opts, const struct ks_progress *pg,
	     struct ks_diags *d)
{
	struct ks_sync_report stick;
	git_repository *repo = NULL;
	struct ks_repo *r = NULL;
	const struct ks_sync_peer *first = NULL;
	struct ks_bundle_stamp stamp = { 0 };
	enum source kind;
	char *folder = NULL;
	struct ks_sshsig_key pub;
	git_oid tip;
	size_t i;
	int err, made = 0, started = 0;

	*out = NULL;
	memset(rep, 0, sizeof(*rep));
	memset(&stick, 0, sizeof(stick));
	if ((err = ks_validate_identity(&opts->who, d)) ||
	    (err = classify(&kind, &folder, source, d)) ||
	    (err = dir_usable(&made, dir, d)))
		goto out;
	if (kind == SRC_FOLDER && folder) {
		if (!(stick.folder = ks_strdup(folder))) {
			err = -1;
			goto out;
		}
		if ((err = list_peers(&stick, folder, d)))
			goto out;
		for (i = 0; i < stick.npeers; i++)
			if (!strcmp(stick.peers[i].device, opts->who.device)) {
				err = device_taken(d, opts->who.device,
						   "on this stick");
				goto out;
			}
		if (!(first = first_full(&stick, d))) {
			err = KS_ENOTFOUND;
			goto out;
		}
	}
	started = 1;
	if ((err = fetch_main(&repo, &tip, &stamp, kind, source,
			      first ? first->path : source, dir, rep, opts, pg, d)))
		goto out;
	/* A Ctrl-C that came too late to cut the fetch stops it here. */
	if (ks_net_cancelled()) {
		err = ks_error(d, KS_EINTR, NULL, 0, 0,
			       "interrupted while setting up the survey; nothing was kept");
		goto out;
	}
	if ((err = checkout_main(repo, &tip, source, opts->who.device, d)))
		goto out;
	if (ks_repo_set_identity(repo, &opts->who) < 0) {
		err = ks_error(d, KS_EIO, dir, 0, 0,
			       "cannot save the device identity: %s",
			       ks_git_error());
		goto out;
	}
	git_repository_free(repo);
	repo = NULL;
	if ((err = ks_repo_open(&r, dir, d)) ||
	    (err = trust_first(r, &tip, opts->centre_key, d)))
		goto out;
	if (kind == SRC_FOLDER)
		remember_checked(ks_repo_git(r), first->path, &stamp);
	if (kind == SRC_FOLDER &&
	    (err = ks_sync_folder(rep, r, folder, KS_SYNC_NO_WRITE, pg, d)))
		goto out;
	if (kind == SRC_GIT) {
		git_oid_cpy(&rep->before, &tip);
		if ((err = merge_peers(rep, r, d)) ||
		    (err = main_tip(&rep->after, ks_repo_git(r), d)))
			goto out;
	}
	if ((err = ks_enrol_join(&pub, r, d)) < 0)
		goto out;
	err = 0;
	*out = r;
	r = NULL;
out:
	ks_repo_free(r);
	git_repository_free(repo);
	if (err && started)
		clone_rollback(dir, made);
	if (err)
		ks_sync_report_release(rep);
	ks_sync_report_release(&stick);
	ks_free(folder);
	return err;
}

/* ---- hubs: git remotes (LAN) ---- */

struct net {
	const struct ks_progress *pg;
	const char *what;
	int tries;
	int rejected;
	char *why;		/* the hub's reason for refusing a push */
	char *said;		/* the first failure the hub's git reported */
};

/*
 * ssh: the agent (when one runs), then ~/.ssh/id_ed25519 and id_rsa;
 * http(s): the user and password in KHAOSAT_USERNAME / KHAOSAT_PASSWORD.
 * libgit2 calls again after each refusal, so each way is tried once and
 * then this gives up, saying what was tried.
 */
static int ssh_key(git_credential **out, const char *user, int *step)
{
	static const char *const keys[] = { "id_ed25519", "id_rsa" };
	const char *home = getenv("HOME");
	int r = GIT_PASSTHROUGH;

	if (*step == 0) {
		(*step)++;
		if (getenv("SSH_AUTH_SOCK"))
			return git_credential_ssh_key_from_agent(out, user);
	}
	while (r == GIT_PASSTHROUGH && home && *step - 1 < 2) {
		struct ks_buf priv = KS_BUF_INIT, pub = KS_BUF_INIT;

		if (ks_buf_addf(&priv, "%s/.ssh/%s", home, keys[*step - 1]) == 0 &&
		    ks_buf_addf(&pub, "%s.pub", priv.ptr) == 0 &&
		    access(priv.ptr, R_OK) == 0)
			r = git_credential_ssh_key_new(out, user,
						       access(pub.ptr, R_OK) ? NULL : pub.ptr,
						       priv.ptr, NULL);
		ks_buf_release(&priv);
		ks_buf_release(&pub);
		(*step)++;
	}
	if (r != GIT_PASSTHROUGH)
		return r;
	git_error_set_str(GIT_ERROR_NET,
			  "the hub accepted none of the ssh keys tried (the ssh agent, ~/.ssh/id_ed25519, ~/.ssh/id_rsa)");
	return GIT_EAUTH;
}

static ks_ask_fn ask_person;

/*
 * What the person answered, kept while this program runs: a sync fetches
 * and pushes over separate connections and should ask once.
 */
static struct {
	char *url, *user, *pass;
} answered;

static void forget_answer(void)
{
	if (answered.pass)
		memset(answered.pass, 0, strlen(answered.pass));
	ks_free(answered.url);
	ks_free(answered.user);
	ks_free(answered.pass);
	memset(&answered, 0, sizeof(answered));
}

void ks_sync_set_ask(ks_ask_fn ask)
{
	ask_person = ask;
}

/* Three tries at the keyboard, as a login prompt gives. */
#define ASK_TRIES 3

static int credentials(git_credential **out, const char *url,
		       const char *user, unsigned int allowed, void *payload)
{
	struct net *n = payload;

	(void)url;
	if (!user)
		user = "git";
	if (allowed & GIT_CREDENTIAL_USERNAME)
		return git_credential_username_new(out, user);
	if (allowed & GIT_CREDENTIAL_SSH_KEY)
		return ssh_key(out, user, &n->tries);
	if (allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) {
		const char *u = getenv("KHAOSAT_USERNAME");
		const char *p = getenv("KHAOSAT_PASSWORD");

		if ((!u || !p) && ask_person) {
			if (n->tries == 0 && answered.url && !strcmp(answered.url, url)) {
				n->tries = 1;
				return git_credential_userpass_plaintext_new(out, answered.user,
									    answered.pass);
			}
			forget_answer();
			if (n->tries++ >= ASK_TRIES) {
				git_error_set_str(GIT_ERROR_NET,
						  "the hub refused the user name and password given");
				return GIT_EAUTH;
			}
			if (ask_person(url, &answered.user, &answered.pass) < 0) {
				git_error_set_str(GIT_ERROR_NET,
						  "the hub asks for a user name and password, and none was given");
				return GIT_EAUTH;
			}
			if (!(answered.url = ks_strdup(url))) {
				forget_answer();
				return -1;
			}
			return git_credential_userpass_plaintext_new(out, answered.user,
								    answered.pass);
		}
		if (!u || !p) {
			git_error_set_str(GIT_ERROR_NET,
					  "the hub asks for a user name and password: set KHAOSAT_USERNAME and KHAOSAT_PASSWORD");
			return GIT_EAUTH;
		}
		if (n->tries++ == 0)
			return git_credential_userpass_plaintext_new(out, u, p);
		git_error_set_str(GIT_ERROR_NET,
				  "the hub refused the user name and password in KHAOSAT_USERNAME and KHAOSAT_PASSWORD");
		return GIT_EAUTH;
	}
	git_error_set_str(GIT_ERROR_NET,
			  "the hub asks for a kind of credential khaosat does not have");
	return GIT_EAUTH;
}

static int fetch_progress(const git_indexer_progress *st, void *payload)
{
	struct net *n = payload;

	if (n->pg && n->pg->fn)
		n->pg->fn(n->pg->payload, n->what, st->received_bytes, 0);
	ks_crash_point("hub: fetch data received");
	return 0;
}

static int push_progress(unsigned int current, unsigned int total,
			 size_t bytes, void *payload)
{
	struct net *n = payload;

	(void)current;
	(void)total;
	if (n->pg && n->pg->fn)
		n->pg->fn(n->pg->payload, n->what, bytes, 0);
	return 0;
}

static int push_status(const char *ref, const char *status, void *payload)
{
	struct net *n = payload;

	(void)ref;
	if (status) {
		n->rejected = 1;
		ks_free(n->why);
		n->why = ks_strdup(status);
	}
	return 0;
}

/*
 * What the hub's git says on the way ("remote: ..."): the first line that
 * reports a failure is kept, for an error that ends the connection early
 * (a full disk ends receive-pack before it can answer).
 */
static int remote_text(const char *str, int len, void *payload)
{
	struct net *n = payload;
	char line[256];
	int i, start = 0;

	for (i = 0; i <= len && !n->said; i++) {
		if (i < len && str[i] != '\n' && str[i] != '\r')
			continue;
		snprintf(line, sizeof(line), "%.*s", i - start, str + start);
		start = i + 1;
		if (strstr(line, "error") || strstr(line, "fatal") ||
		    strstr(line, "No space") || strstr(line, "denied") ||
		    strstr(line, "failed"))
			n->said = ks_strdup(line);
	}
	return 0;
}

static void net_callbacks(git_remote_callbacks *cb, struct net *n)
{
	cb->sideband_progress = remote_text;
	cb->credentials = credentials;
	cb->transfer_progress = fetch_progress;
	cb->push_transfer_progress = push_progress;
	cb->push_update_reference = push_status;
	cb->payload = n;
}

/*
 * Seconds of silence after which a hub is given up: `given` when not 0,
 * else khaosat.hubTimeout from the configuration, else the default.
 */
static int hub_timeout(unsigned *out, git_repository *repo, unsigned given,
		       struct ks_diags *d)
{
	git_config *cfg = NULL;
	git_buf b = { 0 };
	char *end;
	unsigned long v;
	int err = 0;

	*out = given ? given : KS_NET_TIMEOUT_DEFAULT;
	if (given)
		return 0;
	if (git_repository_config_snapshot(&cfg, repo) == 0 &&
	    git_config_get_string_buf(&b, cfg, "khaosat.hubTimeout") == 0) {
		errno = 0;
		v = strtoul(b.ptr, &end, 10);
		if (!isdigit((unsigned char)*b.ptr) || *end || errno ||
		    v < 1 || v > KS_NET_TIMEOUT_MAX)
			err = ks_error(d, KS_EENV, NULL, 0, 0,
				       "khaosat.hubTimeout is \"%s\"; give the seconds a silent hub is waited for, from 1 to %d ('git config khaosat.hubTimeout 60')",
				       b.ptr, KS_NET_TIMEOUT_MAX);
		else
			*out = (unsigned)v;
	}
	git_buf_dispose(&b);
	git_config_free(cfg);
	git_error_clear();
	return err;
}

/*
 * A fetch that failed or was stopped changed nothing; in a later round of
 * a sync, what the earlier rounds merged stays.
 */
static int fetch_failed(struct ks_diags *d, const char *url,
			const struct ks_sync_report *rep)
{
	const char *kept = rep->tries > 1
		? "what came from the hub before is kept here; run 'khaosat sync' again"
		: "nothing was changed";
	unsigned t = ks_net_timeout();

	if (ks_net_cancelled())
		return ks_error(d, KS_EINTR, NULL, 0, 0,
				"interrupted while fetching from the hub '%s'; %s",
				url, kept);
	if (ks_net_timed_out())
		return ks_error(d, KS_EIO, NULL, 0, 0,
				"the hub '%s' did not answer for %u second%s; %s",
				url, t, t == 1 ? "" : "s", kept);
	if (git_error_last() && (git_error_last()->klass == GIT_ERROR_ZLIB ||
				 git_error_last()->klass == GIT_ERROR_ODB))
		return ks_error(d, KS_EIO, url, 0, 0,
				"the hub's copy of the survey is damaged (%s); %s. Where the hub lives, 'khaosat verify --hub DIR' finds the damage and '--repair-from SURVEY' repairs it from a laptop that synced before",
				ks_git_error(), kept);
	return ks_error(d, KS_EIO, url, 0, 0,
			"cannot fetch from the hub: %s; %s", ks_git_error(), kept);
}

static int stopped_before_push(struct ks_diags *d, const char *url)
{
	return ks_error(d, KS_EINTR, NULL, 0, 0,
			"interrupted before pushing to the hub '%s'; what came from the hub is kept here; run 'khaosat sync' again",
			url);
}

/*
 * A push cut short by silence or Ctrl-C: the hub may or may not have taken
 * main (it can fall silent after it did); what the fetch brought stays.
 */
static int push_failed(struct ks_diags *d, const char *url)
{
	unsigned t = ks_net_timeout();

	if (ks_net_cancelled())
		return ks_error(d, KS_EINTR, NULL, 0, 0,
				"interrupted while pushing to the hub '%s'; main may not have reached it, what came from the hub is kept here; run 'khaosat sync' again",
				url);
	return ks_error(d, KS_EIO, NULL, 0, 0,
			"the hub '%s' did not answer for %u second%s; main may not have reached it, what came from the hub is kept here; run 'khaosat sync' again",
			url, t, t == 1 ? "" : "s");
}

/* The survey's private fetch folders: .git/khaosat/fetch-XXXXXX. */
static int quarantine(char **out, git_repository **q, git_repository *repo,
		      struct ks_diags *d)
{
	struct ks_buf p = KS_BUF_INIT, alt = KS_BUF_INIT;
	int err = KS_EIO;

	*out = NULL;
	if (ks_buf_addf(&p, "%skhaosat", git_repository_path(repo)) < 0)
		return -1;
	mkdir(p.ptr, 0777);
	/* A sync killed while fetching leaves its folder; an hour is plenty. */
	ks_sweep_stale(p.ptr, "fetch-", STALE_TMP_SECONDS);
	if (ks_buf_puts(&p, "/fetch-XXXXXX") < 0)
		goto nomem;
	if (!mkdtemp(p.ptr)) {
		err = ks_error(d, KS_EIO, NULL, 0, 0,
			       "cannot make a folder for fetching: %s", strerror(errno));
		goto out;
	}
	if (git_repository_init(q, p.ptr, 1) < 0)
		goto gitfail;
	/* It sees the survey's objects, so the hub sends only what is new. */
	if (ks_buf_addf(&alt, "%s/objects/info/alternates", p.ptr) < 0)
		goto nomem;
	{
		struct ks_buf text = KS_BUF_INIT;

		err = ks_buf_addf(&text, "%sobjects\n", git_repository_path(repo)) < 0
			? -1 : ks_file_put(alt.ptr, text.ptr, text.len, KS_FILE_DURABLE, d);
		ks_buf_release(&text);
		if (err)
			goto out;
	}
	*out = ks_buf_detach(&p, NULL);
	err = *out ? 0 : -1;
	goto out;
nomem:
	err = -1;
	goto out;
gitfail:
	err = ks_error(d, KS_EIO, NULL, 0, 0, "cannot make a folder for fetching: %s",
		       ks_git_error());
out:
	if (err && p.len && p.ptr[p.len - 1] != 'X')
		ks_remove_tree(p.ptr);
	ks_buf_release(&p);
	ks_buf_release(&alt);
	return err;
}

/*
 * A remote for one fetch or push, not kept in the configuration.  Not
 * git_remote_create_anonymous(): in libgit2 1.5 its url.*.insteadOf lookup
 * leaks the regex match data of every configuration entry it tries.
 */
static int hub_remote(git_remote **out, git_repository *repo, const char *url)
{
	git_remote_create_options o = GIT_REMOTE_CREATE_OPTIONS_INIT;

	o.repository = repo;
	o.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF |
		  GIT_REMOTE_CREATE_SKIP_DEFAULT_FETCHSPEC;
	return git_remote_create_with_opts(out, url, &o);
}

/* A remote kept in the configuration as `name` (same leak as above). */
static int named_remote(git_repository *repo, const char *name,
			const char *url, const char *fetchspec)
{
	git_remote_create_options o = GIT_REMOTE_CREATE_OPTIONS_INIT;
	git_remote *rem = NULL;
	int e;

	o.repository = repo;
	o.name = name;
	o.fetchspec = fetchspec;
	o.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF;
	e = git_remote_create_with_opts(&rem, url, &o);
	git_remote_free(rem);
	return e;
}

/* Our main and the remote's tracking refs, so the hub sends only what is new. */
static int copy_haves(git_repository *q, git_repository *repo)
{
	git_reference_iterator *it = NULL;
	git_reference *ref, *made;
	int e;

	if (git_reference_iterator_new(&it, repo) < 0)
		return -1;
	while ((e = git_reference_next(&ref, it)) == 0) {
		const char *name = git_reference_name(ref);

		if (git_reference_type(ref) == GIT_REFERENCE_DIRECT &&
		    (!strcmp(name, KS_MAIN_REF) ||
		     !strncmp(name, KS_TRACKING, strlen(KS_TRACKING))) &&
		    git_reference_create(&made, q, name, git_reference_target(ref),
					 1, NULL) == 0)
			git_reference_free(made);
		git_reference_free(ref);
	}
	git_reference_iterator_free(it);
	git_error_clear();
	return e == GIT_ITEROVER ? 0 : -1;
}

#define IN_DEVICES "refs/khaosat/in/"
#define IN_MAIN "refs/khaosat/in-main"
/* The hub's main (a survey repository used as a hub has only that). */
#define HUB_MAIN_PEER "(main)"

/* The refs fetched into the private repository, as peers. */
static int incoming_peers(struct ks_sync_report *rep, git_repository *q,
			  struct ks_diags *d)
{
	git_reference_iterator *it = NULL;
	git_reference *ref;
	size_t alloc = 0;
	int e, err = 0;

	if (git_reference_iterator_glob_new(&it, q, "refs/khaosat/in*") < 0)
		return ks_error(d, KS_EIO, NULL, 0, 0, "cannot read what was fetched: %s",
				ks_git_error());
	while (!err && (e = git_reference_next(&ref, it)) == 0) {
		const char *name = git_reference_name(ref);
		const char *dev = !strcmp(name, IN_MAIN) ? HUB_MAIN_PEER
			: !strncmp(name, IN_DEVICES, strlen(IN_DEVICES))
			? name + strlen(IN_DEVICES) : NULL;
		struct ks_sync_peer *p;

		if (dev && dev != (const char *)HUB_MAIN_PEER && !ks_device_valid(dev)) {
			ks_diags_add(d, KS_SEV_WARNING, rep->folder, 0, 0, NULL, NULL,
				     "ignored %s: not a device id", name);
			dev = NULL;
		}
		if (dev && git_reference_type(ref) == GIT_REFERENCE_DIRECT) {
			if (ks_grow(&rep->peers, rep->npeers, &alloc, sizeof(*p), 8) < 0) {
				err = -1;
			} else {
				p = &rep->peers[rep->npeers++];
				memset(p, 0, sizeof(*p));
				snprintf(p->device, sizeof(p->device), "%s", dev);
				git_oid_cpy(&p->tip, git_reference_target(ref));
				p->full = 1;
				if (!(p->path = ks_strdup(name)))
					err = -1;
			}
		}
		git_reference_free(ref);
	}
	git_reference_iterator_free(it);
	git_error_clear();
	if (!err && rep->npeers)
		qsort(rep->peers, rep->npeers, sizeof(*rep->peers), cmp_peer);
	return err;
}

/*
 * Moves what was fetched into the repository: all of it when every ref was
 * taken, else only what the taken ones reach, so that nothing of a refused
 * ref stays in the store.
 */
static int install_fetched(git_repository *repo, const struct ks_sync_report *rep,
			   const char *objects, const char *url,
			   struct ks_diags *d)
{
	git_oid *tips;
	size_t i, n = 0;
	int refused = 0, err;

	for (i = 0; i < rep->npeers; i++)
		refused |= rep->peers[i].state == KS_PEER_REFUSED;
	if (!refused)
		return ks_bundle_install_incoming(repo, objects, url, d);
	if (!(tips = ks_calloc(rep->npeers + 1, sizeof(*tips))))
		return -1;
	for (i = 0; i < rep->npeers; i++)
		if (rep->peers[i].state == KS_PEER_IMPORTED)
			git_oid_cpy(&tips[n++], &rep->peers[i].tip);
	err = ks_bundle_install_reachable(repo, objects, tips, n, url, d);
	ks_free(tips);
	return err;
}

/* 1 when a fetched ref's history holds the survey's first commit `root`. */
static int any_of_survey(const struct ks_sync_report *rep, const char *incoming,
			 git_repository *repo, const git_oid *root)
{
	struct ks_buf objects = KS_BUF_INIT;
	git_repository *w = NULL;
	git_odb *wodb = NULL;
	size_t i;
	int found = 0;

	if (ks_buf_addf(&objects, "%sobjects", git_repository_path(repo)) < 0 ||
	    git_odb_new(&wodb) < 0 ||
	    git_odb_add_disk_alternate(wodb, objects.ptr) < 0 ||
	    git_odb_add_disk_alternate(wodb, incoming) < 0 ||
	    git_repository_wrap_odb(&w, wodb) < 0) {
		found = 1;	/* cannot tell: the checks that follow will */
		goto out;
	}
	for (i = 0; i < rep->npeers && !found; i++)
		found = git_oid_equal(&rep->peers[i].tip, root) ||
			git_graph_descendant_of(w, &rep->peers[i].tip, root) == 1;
out:
	git_error_clear();
	git_repository_free(w);
	git_odb_free(wodb);
	ks_buf_release(&objects);
	return found;
}

static void specs_free(git_strarray *a)
{
	size_t i;

	for (i = 0; i < a->count; i++)
		ks_free(a->strings[i]);
	ks_free(a->strings);
	a->strings = NULL;
	a->count = 0;
}

/*
 * Refs of a hub this laptop refused for what they hold, one line each in
 * .git/khaosat/refused-refs: "<commit> <ref> <hub URL>".  A khaosat hub
 * refuses deletions, so such a ref stays until the centre sets it aside;
 * the same ref at the same commit is then neither fetched nor reported as
 * an error again, only named in a note.  A ref that moves is judged anew.
 */
static char *refused_path(git_repository *repo)
{
	struct ks_buf p = KS_BUF_INIT;

	if (ks_buf_addf(&p, "%skhaosat/refused-refs", git_repository_path(repo)) < 0)
		return NULL;
	return ks_buf_detach(&p, NULL);
}

static void refused_read(struct ks_buf *text, git_repository *repo)
{
	char *path = refused_path(repo);

	ks_buf_reset(text);
	if (!path || ks_buf_read_file(text, path, 1 << 20) < 0)
		ks_buf_reset(text);
	ks_free(path);
}

/* The line for `ref` of hub `url`, wherever it points: its start or NULL. */
static const char *refused_line(const struct ks_buf *text, const char *ref,
				const char *url)
{
	const char *line = text->ptr;
	size_t rl = strlen(ref), ul = strlen(url);

	while (line && *line) {
		const char *nl = strchr(line, '\n'), *sp = strchr(line, ' ');

		if (sp && (!nl || sp < nl) && !strncmp(sp + 1, ref, rl) &&
		    sp[1 + rl] == ' ' && !strncmp(sp + 2 + rl, url, ul) &&
		    (sp[2 + rl + ul] == '\n' || !sp[2 + rl + ul]))
			return line;
		line = nl ? nl + 1 : NULL;
	}
	return NULL;
}

static int refused_has(const struct ks_buf *text, const git_oid *oid,
		       const char *ref, const char *url)
{
	const char *line = refused_line(text, ref, url);
	git_oid at;

	return line && git_oid_fromstrn(&at, line, GIT_OID_HEXSZ) == 0 &&
	       git_oid_equal(&at, oid);
}

/* Remembers `ref` at `oid` as refused; only a cache: failures are ignored. */
static void refused_add(git_repository *repo, const git_oid *oid,
			const char *ref, const char *url)
{
	struct ks_buf text = KS_BUF_INIT, out = KS_BUF_INIT;
	struct ks_diags ignore = KS_DIAGS_INIT;
	char hex[GIT_OID_HEXSZ + 1], *path = refused_path(repo);
	const char *old;

	refused_read(&text, repo);
	if (!path || refused_has(&text, oid, ref, url))
		goto out;
	if ((old = refused_line(&text, ref, url))) {
		const char *nl = strchr(old, '\n');

		ks_buf_add(&out, text.ptr, (size_t)(old - text.ptr));
		if (nl)
			ks_buf_puts(&out, nl + 1);
	} else {
		ks_buf_add(&out, text.ptr, text.len);
	}
	if (ks_buf_addf(&out, "%s %s %s\n", git_oid_tostr(hex, sizeof(hex), oid),
			ref, url) == 0)
		ks_file_put(path, out.ptr, out.len, KS_FILE_DURABLE, &ignore);
out:
	ks_free(path);
	ks_buf_release(&text);
	ks_buf_release(&out);
	ks_diags_release(&ignore);
}

/* The hub's ref a peer came from. */
static int peer_ref(struct ks_buf *out, const struct ks_sync_peer *p)
{
	return !strcmp(p->device, HUB_MAIN_PEER)
		? ks_buf_puts(out, KS_MAIN_REF)
		: ks_buf_addf(out, "%s%s", KS_HUB_DEVICES, p->device);
}

/* The hub's refs refused this time for what they hold. */
static void remember_refused(const struct ks_sync_report *rep,
			     git_repository *repo, const char *url)
{
	struct ks_buf ref = KS_BUF_INIT;
	size_t i;

	for (i = 0; i < rep->npeers; i++) {
		const struct ks_sync_peer *p = &rep->peers[i];

		ks_buf_reset(&ref);
		if (p->hostile && p->state == KS_PEER_REFUSED && peer_ref(&ref, p) == 0)
			refused_add(repo, &p->tip, ref.ptr, url);
	}
	ks_buf_release(&ref);
}

/*
 * What to fetch from the hub: each device's ref and main, by name, except
 * a ref still at a commit this laptop refused before (named in a note).
 */
static int fetch_specs(git_strarray *out, git_remote *rem,
		       git_repository *repo, const char *url,
		       struct ks_diags *d)
{
	const git_remote_head **heads;
	struct ks_buf text = KS_BUF_INIT, spec = KS_BUF_INIT;
	size_t i, n, alloc = 0;
	int err = 0;

	memset(out, 0, sizeof(*out));
	if (git_remote_ls(&heads, &n, rem) < 0)
		return KS_EIO;
	refused_read(&text, repo);
	for (i = 0; i < n && !err; i++) {
		const char *name = heads[i]->name;
		char hex[GIT_OID_HEXSZ + 1];

		ks_buf_reset(&spec);
		if (!strcmp(name, KS_MAIN_REF))
			err = ks_buf_addf(&spec, "+%s:%s", name, IN_MAIN);
		else if (!strncmp(name, KS_HUB_DEVICES, strlen(KS_HUB_DEVICES)))
			err = ks_buf_addf(&spec, "+%s:%s%s", name, IN_DEVICES,
					  name + strlen(KS_HUB_DEVICES));
		else
			continue;
		if (err)
			break;
		if (refused_has(&text, &heads[i]->oid, name, url)) {
			ks_diags_add(d, KS_SEV_NOTE, url, 0, 0, NULL, NULL,
				     "%s is still at commit %.10s, which this laptop refused before: not taken, not fetched again. The hub keeps it until the centre sets it aside ('khaosat verify --hub DIR --quarantine' where the hub lives)",
				     name, git_oid_tostr(hex, sizeof(hex), &heads[i]->oid));
			continue;
		}
		if (ks_grow(&out->strings, out->count, &alloc, sizeof(char *), 8) < 0 ||
		    !(out->strings[out->count] = ks_buf_detach(&spec, NULL)))
			err = -1;
		else
			out->count++;
	}
	ks_buf_release(&text);
	ks_buf_release(&spec);
	if (err)
		specs_free(out);
	return err;
}

/*
 * Fetches every device's ref of the hub at `url` into a private folder,
 * checks what is new and only then moves it into the repository.  `root`:
 * the survey's first commit; zero when setting up a laptop (it is then
 * that of the hub's main, or of its first device in order).
 */
static int fetch_hub(struct ks_sync_report *rep, git_repository *repo,
		     const char *url, const char *remote, unsigned timeout,
		     git_oid *root, const struct ks_bundle_judge *judge,
		     const struct ks_progress *pg, struct ks_diags *d)
{
	git_strarray refspecs = { NULL, 0 };
	git_fetch_options fo = GIT_FETCH_OPTIONS_INIT;
	git_repository *q = NULL;
	git_remote *rem = NULL;
	git_odb *odb = NULL;
	struct net n = { pg, url, 0, 0, NULL, NULL };
	struct ks_buf objects = KS_BUF_INIT, name = KS_BUF_INIT;
	char *qdir = NULL;
	size_t i;
	int err, any = 0, learn = git_oid_is_zero(root);

	if ((err = quarantine(&qdir, &q, repo, d)))
		goto out;
	err = KS_EIO;
	if (ks_net_arm(timeout) < 0 ||
	    copy_haves(q, repo) < 0 ||
	    hub_remote(&rem, q, url) < 0)
		goto gitfail;
	net_callbacks(&fo.callbacks, &n);
	fo.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
	fo.update_fetchhead = 0;
	if (git_remote_connect(rem, GIT_DIRECTION_FETCH, &fo.callbacks, NULL, NULL) < 0 ||
	    ks_net_cancelled() ||
	    (err = fetch_specs(&refspecs, rem, repo, url, d)) == KS_EIO ||
	    (!err && refspecs.count &&
	     git_remote_fetch(rem, &refspecs, &fo, NULL) < 0) ||
	    ks_net_cancelled()) {
		err = fetch_failed(d, url, rep);
		goto out;
	}
	if (err)
		goto out;
	ks_crash_point("hub: fetched");
	if ((err = incoming_peers(rep, q, d)))
		goto out;
	if (ks_buf_addf(&objects, "%sobjects", git_repository_path(q)) < 0 ||
	    git_repository_odb(&odb, repo) < 0) {
		err = -1;
		goto out;
	}
	/*
	 * A hub that holds refs, none of them of this survey, is another
	 * survey's: nothing of this one may be pushed there, where its
	 * records could be read and its refs never removed.
	 */
	if (!learn && rep->npeers && !any_of_survey(rep, objects.ptr, repo, root))
		rep->foreign = 1;
	/* The hub's main first: when setting up, it names the survey. */
	for (i = 0; i < rep->npeers && learn; i++)
		if (!strcmp(rep->peers[i].device, HUB_MAIN_PEER) && i) {
			struct ks_sync_peer t = rep->peers[0];

			rep->peers[0] = rep->peers[i];
			rep->peers[i] = t;
		}
	for (i = 0; i < rep->npeers; i++) {
		struct ks_sync_peer *p = &rep->peers[i];
		struct ks_bundle_ref ref;
		struct ks_diags got = KS_DIAGS_INIT;

		git_oid seen;
		int since, own = rep->device && !strcmp(p->device, rep->device);

		if (has_commit(odb, &p->tip)) {
			p->state = KS_PEER_KNOWN;
			p->has_tip = 1;
			if (forked(repo, p, url, &got)) {
				if (own)
					rep->own_rewritten = 1;
				else
					ks_diags_move(d, &got);
				ks_diags_release(&got);
				p->state = KS_PEER_REFUSED;
				p->has_tip = 0;
			}
			continue;
		}
		since = strcmp(p->device, HUB_MAIN_PEER) &&
			seen_tip(&seen, repo, p->device);
		git_oid_cpy(&ref.oid, &p->tip);
		ref.name = p->path;
		ks_buf_reset(&name);
		if (ks_buf_addf(&name, "%s (%s)", url, p->device) < 0) {
			err = -1;
			goto out;
		}
		err = ks_bundle_check_incoming(repo, objects.ptr, &ref, 1,
					       learn && !any ? NULL : root,
					       since ? &seen : NULL, judge,
					       name.ptr, &got);
		/*
		 * This laptop's own ref, rewritten by someone else: not an
		 * error of the sync; main is pushed back over it.
		 */
		if (err == KS_EINVALID && own && since) {
			struct ks_diags again = KS_DIAGS_INIT;

			if (ks_bundle_check_incoming(repo, objects.ptr, &ref, 1, root,
						     NULL, judge, name.ptr, &again) == 0) {
				rep->own_rewritten = 1;
				ks_diags_release(&got);
				ks_diags_release(&again);
				p->state = KS_PEER_REFUSED;
				continue;
			}
			ks_diags_release(&again);
		}
		if (err == KS_EINVALID || err == KS_EIO) {
			ks_diags_move(d, &got);
			p->state = KS_PEER_REFUSED;
			p->hostile = err == KS_EINVALID;
			continue;
		}
		ks_diags_release(&got);
		if (err)
			goto out;
		if (learn && !any) {
			git_repository *w = NULL;
			git_odb *wodb = NULL;

			/* Its first commit, read through both object folders. */
			if (git_odb_new(&wodb) < 0 ||
			    git_odb_add_disk_alternate(wodb, objects.ptr) < 0 ||
			    git_repository_wrap_odb(&w, wodb) < 0 ||
			    ks_bundle_survey_root(root, w, &p->tip) < 0) {
				git_repository_free(w);
				git_odb_free(wodb);
				goto gitfail;
			}
			git_repository_free(w);
			git_odb_free(wodb);
		}
		p->state = KS_PEER_IMPORTED;
		p->has_tip = 1;
		any = 1;
	}
	/* The last moment at which stopping leaves the survey as it was. */
	if (ks_net_cancelled()) {
		err = fetch_failed(d, url, rep);
		goto out;
	}
	if (any && (err = install_fetched(repo, rep, objects.ptr, url, d)))
		goto out;
	ks_crash_point("hub: objects installed");
	for (i = 0; i < rep->npeers; i++)
		if (rep->peers[i].has_tip &&
		    strcmp(rep->peers[i].device, HUB_MAIN_PEER))
			remember_seen(repo, rep->peers[i].device, &rep->peers[i].tip);
	/* What the hub had, for the next fetch to start from. */
	for (i = 0; remote && i < rep->npeers; i++) {
		git_reference *made = NULL;

		if (!rep->peers[i].has_tip ||
		    !strcmp(rep->peers[i].device, HUB_MAIN_PEER))
			continue;
		ks_buf_reset(&name);
		if (ks_buf_addf(&name, "%s%s/%s", KS_TRACKING, remote,
				rep->peers[i].device) < 0) {
			err = -1;
			goto out;
		}
		if (git_reference_create(&made, repo, name.ptr, &rep->peers[i].tip,
					 1, "khaosat sync") < 0)
			goto gitfail;
		git_reference_free(made);
	}
	err = 0;
	goto out;
gitfail:
	err = ks_error(d, KS_EIO, url, 0, 0, "cannot fetch from the hub: %s",
		       ks_git_error());
out:
	specs_free(&refspecs);
	ks_free(n.why);
	ks_free(n.said);
	git_odb_free(odb);
	git_remote_free(rem);
	git_repository_free(q);
	if (qdir)
		ks_remove_tree(qdir);
	ks_free(qdir);
	ks_buf_release(&objects);
	ks_buf_release(&name);
	return err;
}

/* Pushes main to this device's ref on the hub; *rejected when it refused. */
static int push_hub(git_repository *repo, const char *url, const char *device,
		    int force, unsigned timeout, const struct ks_progress *pg,
		    int *rejected, struct ks_diags *d)
{
	git_push_options po = GIT_PUSH_OPTIONS_INIT;
	git_remote *rem = NULL;
	struct net n = { pg, url, 0, 0, NULL, NULL };
	struct ks_buf spec = KS_BUF_INIT;
	char *specs[1];
	git_strarray refspecs = { specs, 1 };
	int err = 0, e;

	*rejected = 0;
	if (ks_buf_addf(&spec, "%srefs/heads/main:%s%s", force ? "+" : "",
			KS_HUB_DEVICES, device) < 0)
		return -1;
	specs[0] = spec.ptr;
	net_callbacks(&po.callbacks, &n);
	ks_crash_point("hub: pushing");
	if (ks_net_arm(timeout) < 0 || hub_remote(&rem, repo, url) < 0 ||
	    (e = git_remote_push(rem, &refspecs, &po)) < 0) {
		const git_error *ge = git_error_last();

		if (ks_net_timed_out() || ks_net_cancelled()) {
			err = push_failed(d, url);
		} else if (ge && (strstr(ge->message, "non-fast-forward") ||
			   strstr(ge->message, "fetch first") ||
			   strstr(ge->message, "rejected"))) {
			*rejected = 1;
			git_error_clear();
		} else {
			/* The hub's own words come first: they say why. */
			err = n.said
				? ks_error(d, KS_EIO, url, 0, 0,
					   "cannot push to the hub: the hub said \"%s\" (then: %s); nothing of this laptop changed",
					   n.said, ks_git_error())
				: ks_error(d, KS_EIO, url, 0, 0,
					   "cannot push to the hub: %s%s", ks_git_error(),
					   ge && ge->klass == GIT_ERROR_INVALID
					   ? " (a hub must be a bare repository: 'khaosat init --bare')" : "");
		}
	}
	if (!err && n.rejected)
		*rejected = 1;
	ks_free(n.why);
	ks_free(n.said);
	git_remote_free(rem);
	ks_buf_release(&spec);
	return err;
}

static void peers_release(struct ks_sync_report *rep)
{
	size_t i;

	for (i = 0; i < rep->npeers; i++)
		ks_free(rep->peers[i].path);
	ks_free(rep->peers);
	rep->peers = NULL;
	rep->npeers = 0;
}

char *ks_remote_url(git_repository *repo, const char *name)
{
	struct ks_buf key = KS_BUF_INIT;
	git_config *cfg = NULL;
	git_buf b = { 0 };
	char *url = NULL;

	/*
	 * Read from the configuration, not with git_remote_lookup(): in
	 * libgit2 1.5 that leaks the regex match data of every lookup.
	 */
	if (ks_buf_addf(&key, "remote.%s.url", name) == 0 &&
	    git_repository_config_snapshot(&cfg, repo) == 0 &&
	    git_config_get_string_buf(&b, cfg, key.ptr) == 0)
		url = ks_strdup(b.ptr);
	git_buf_dispose(&b);
	git_config_free(cfg);
	ks_buf_release(&key);
	git_error_clear();
	return url;
}

/* A configured remote's URL, or `arg` itself. */
static int remote_url(char **url, char **name, git_repository *repo,
		      const char *arg)
{
	*name = NULL;
	if ((*url = ks_remote_url(repo, arg))) {
		*name = ks_strdup(arg);
		return *name ? 0 : -1;
	}
	*url = ks_strdup(arg);
	return *url ? 0 : -1;
}

int ks_sync_remote(struct ks_sync_report *rep, struct ks_repo *r,
		   const char *remote, unsigned given_timeout,
		   const struct ks_progress *pg, struct ks_diags *d)
{
	git_repository *repo = ks_repo_git(r);
	const char *device = ks_repo_identity(r)->device;
	struct ks_bundle_judge judge;
	char *url = NULL, *name = NULL;
	git_oid root;
	unsigned timeout;
	int err, rejected = 1;
	size_t i;

	ks_enrol_bundle_judge(&judge, r);
	if ((err = sync_start(rep, r, &root, d)) ||
	    (err = hub_timeout(&timeout, repo, given_timeout, d)))
		return err;
	if (remote_url(&url, &name, repo, remote) < 0)
		return -1;
	rep->folder = url;
	rep->device = device;
	if (!(rep->hub = ks_strdup(name ? name : url))) {
		ks_free(name);
		return -1;
	}
	while (rejected && !err) {
		/* Ctrl-C during a merge: stop before the next network step. */
		if (rep->tries && ks_net_cancelled()) {
			err = stopped_before_push(d, url);
			break;
		}
		if (rep->tries++ == KS_PUSH_TRIES) {
			err = ks_error(d, KS_ECONFLICT, url, 0, 0,
				       "the hub kept moving while this laptop synced (%d rounds); nothing was lost, run 'khaosat sync' again",
				       KS_PUSH_TRIES);
			break;
		}
		peers_release(rep);
		if ((err = fetch_hub(rep, repo, url, name, timeout, &root, &judge,
				     pg, d)))
			break;
		if (rep->foreign) {
			err = ks_error(d, KS_EINVALID, url, 0, 0,
				       "this hub holds another survey: none of its %zu refs holds this survey's first commit; nothing was pushed there and nothing taken from it (check the hub's address with 'khaosat remote list')",
				       rep->npeers);
			break;
		}
		if ((err = merge_peers(rep, r, d)) ||
		    (err = main_tip(&rep->after, repo, d)))
			break;
		remember_refused(rep, repo, url);
		/* The hub already has main as this device's ref: nothing to push. */
		for (i = 0; i < rep->npeers; i++)
			if (!strcmp(rep->peers[i].device, device) &&
			    git_oid_equal(&rep->peers[i].tip, &rep->after))
				break;
		if (i < rep->npeers) {
			rejected = 0;
			break;
		}
		if (ks_net_cancelled()) {
			err = stopped_before_push(d, url);
			break;
		}
		if ((err = push_hub(repo, url, device, rep->own_rewritten,
				    timeout, pg, &rejected, d)))
			break;
		/*
		 * A hub that refuses force-pushes (one made by khaosat) will
		 * not take this laptop's work back over the rewritten copy,
		 * however often it is asked.
		 */
		if (rejected && rep->own_rewritten) {
			err = ks_error(d, KS_EINVALID, url, 0, 0,
				       "this hub's copy of this laptop's work (%s%s) was rewritten by someone else, and the hub refuses to have it put back (it refuses force-pushes). Nothing here was lost. Where the hub lives, 'khaosat verify --hub DIR --set-aside %s' sets the rewritten copy aside; then sync again",
				       KS_HUB_DEVICES, device, device);
			break;
		}
		rep->pushed = !rejected;
		if (rep->pushed) {
			remember_seen(repo, device, &rep->after);
			if (rep->own_rewritten)
				ks_diags_add(d, KS_SEV_WARNING, url, 0, 0, NULL, NULL,
					     "this hub's copy of this laptop's work (%s%s) had been rewritten by someone else; it was put back from this laptop",
					     KS_HUB_DEVICES, device);
		}
	}
	if (!err && rep->pushed && name) {
		git_reference *made = NULL;
		struct ks_buf t = KS_BUF_INIT;

		/* What we pushed is what the hub now holds for us. */
		if (ks_buf_addf(&t, "%s%s/%s", KS_TRACKING, name, device) == 0 &&
		    git_reference_create(&made, repo, t.ptr, &rep->after, 1,
					 "khaosat sync: pushed") == 0)
			git_reference_free(made);
		git_error_clear();
		ks_buf_release(&t);
	}
	ks_free(name);
	return err;
}

char *ks_default_remote(struct ks_repo *r)
{
	git_config *cfg = NULL;
	git_buf b = { 0 };
	char *s = NULL;

	if (git_repository_config_snapshot(&cfg, ks_repo_git(r)) == 0 &&
	    git_config_get_string_buf(&b, cfg, "khaosat.remote") == 0)
		s = ks_strdup(b.ptr);
	git_buf_dispose(&b);
	git_config_free(cfg);
	git_error_clear();
	return s;
}

static int set_default_remote(git_repository *repo, const char *name)
{
	git_config *cfg = NULL;
	int e;

	if (git_repository_config(&cfg, repo) < 0)
		return -1;
	e = name ? git_config_set_string(cfg, "khaosat.remote", name)
		 : git_config_delete_entry(cfg, "khaosat.remote");
	git_config_free(cfg);
	return e;
}

int ks_remote_add(struct ks_repo *r, const char *name, const char *url,
		  struct ks_diags *d)
{
	git_remote *rem = NULL;
	struct ks_buf spec = KS_BUF_INIT;
	char *def, *kept;
	int valid = 0;

	if (git_remote_name_is_valid(&valid, name) < 0 || !valid)
		return ks_error(d, KS_EINVALID, NULL, 0, 0,
				"\"%s\" is not a valid remote name", name);
	if ((kept = ks_remote_url(ks_repo_git(r), name))) {
		ks_free(kept);
		return ks_error(d, KS_EEXISTS, NULL, 0, 0,
				"a remote \"%s\" exists already ('khaosat remote list')", name);
	}
	if (!(kept = keep_url(url)))
		return -1;
	if (ks_buf_addf(&spec, "+%s*:%s%s/*", KS_HUB_DEVICES, KS_TRACKING, name) < 0 ||
	    named_remote(ks_repo_git(r), name, kept, spec.ptr) < 0) {
		ks_free(kept);
		ks_buf_release(&spec);
		return ks_error(d, KS_EIO, NULL, 0, 0, "cannot add the remote: %s",
				ks_git_error());
	}
	ks_free(kept);
	ks_buf_release(&spec);
	git_remote_free(rem);
	def = ks_default_remote(r);
	if (!def && set_default_remote(ks_repo_git(r), name) < 0)
		return ks_error(d, KS_EIO, NULL, 0, 0, "cannot save the default remote: %s",
				ks_git_error());
	ks_free(def);
	return 0;
}

int ks_remote_names(git_repository *repo, struct ks_paths *out)
{
	git_config *cfg = NULL;
	git_config_iterator *it = NULL;
	git_config_entry *e;
	int err = -1;

	/* Not git_remote_list(): in libgit2 1.5 it leaks (see hub_remote). */
	if (git_repository_config_snapshot(&cfg, repo) < 0 ||
	    git_config_iterator_new(&it, cfg) < 0)
		goto out;
	while (git_config_next(&e, it) == 0) {
		size_t n = strlen(e->name);
		char *name;

		if (strncmp(e->name, "remote.", 7) || n < 12 ||
		    strcmp(e->name + n - 4, ".url"))
			continue;
		if (!(name = ks_strndup(e->name + 7, n - 11)) ||
		    ks_paths_add(out, name) < 0) {
			ks_free(name);
			goto out;
		}
		ks_free(name);
	}
	ks_paths_sort(out);
	err = 0;
out:
	git_config_iterator_free(it);
	git_config_free(cfg);
	git_error_clear();
	return err;
}

/* Deletes every remote.<name>.* entry of the local configuration. */
static int remove_remote_config(git_repository *repo, const char *name)
{
	git_config *cfg = NULL, *local = NULL;
	git_config_iterator *it = NULL;
	git_config_entry *e;
	struct ks_paths keys = { 0 };
	struct ks_buf prefix = KS_BUF_INIT;
	size_t i;
	int err = -1;

	if (ks_buf_addf(&prefix, "remote.%s.", name) < 0 ||
	    git_repository_config(&cfg, repo) < 0 ||
	    git_config_open_level(&local, cfg, GIT_CONFIG_LEVEL_LOCAL) < 0 ||
	    git_config_iterator_new(&it, local) < 0)
		goto out;
	while (git_config_next(&e, it) == 0)
		if (!strncmp(e->name, prefix.ptr, prefix.len) &&
		    ks_paths_add(&keys, e->name) < 0)
			goto out;
	git_config_iterator_free(it);
	it = NULL;
	for (i = 0; i < keys.n; i++)
		/* A key with several values (fetch) goes value by value. */
		while (git_config_delete_entry(local, keys.v[i]) == 0)
			;
	git_error_clear();
	err = 0;
out:
	git_config_iterator_free(it);
	git_config_free(local);
	git_config_free(cfg);
	ks_paths_release(&keys);
	ks_buf_release(&prefix);
	return err;
}

int ks_remote_remove(struct ks_repo *r, const char *name, struct ks_diags *d)
{
	git_reference_iterator *it = NULL;
	git_reference *ref;
	struct ks_buf glob = KS_BUF_INIT;
	char *def;

	if (!(def = ks_remote_url(ks_repo_git(r), name)))
		return ks_error(d, KS_ENOTFOUND, NULL, 0, 0, "no remote \"%s\"", name);
	ks_free(def);
	/* Not git_remote_delete(): in libgit2 1.5 it leaks (see hub_remote). */
	if (remove_remote_config(ks_repo_git(r), name) < 0)
		return ks_error(d, KS_EIO, NULL, 0, 0, "cannot remove the remote: %s",
				ks_git_error());
	/* Its tracking refs go with it. */
	if (ks_buf_addf(&glob, "%s%s/*", KS_TRACKING, name) == 0 &&
	    git_reference_iterator_glob_new(&it, ks_repo_git(r), glob.ptr) == 0) {
		while (git_reference_next(&ref, it) == 0) {
			git_reference_delete(ref);
			git_reference_free(ref);
		}
		git_reference_iterator_free(it);
	}
	ks_buf_release(&glob);
	git_error_clear();
	def = ks_default_remote(r);
	if (def && !strcmp(def, name))
		set_default_remote(ks_repo_git(r), NULL);
	ks_free(def);
	return 0;
}

int ks_hub_init(const char *dir, struct ks_diags *d)
{
	git_repository_init_options io = GIT_REPOSITORY_INIT_OPTIONS_INIT;
	git_repository *repo = NULL;
	git_config *cfg = NULL;
	int e = 0;

	io.flags = GIT_REPOSITORY_INIT_MKPATH | GIT_REPOSITORY_INIT_NO_REINIT |
		   GIT_REPOSITORY_INIT_BARE;
	io.initial_head = "main";
	if (git_repository_open_ext(NULL, dir, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) == 0)
		return ks_error(d, KS_EEXISTS, dir, 0, 0,
				"already a git repository; refusing to make a hub over it");
	git_error_clear();
	if (git_repository_init_ext(&repo, dir, &io) < 0)
		return ks_error(d, KS_EIO, dir, 0, 0, "cannot create the hub: %s",
				ks_git_error());
	if (git_repository_config(&cfg, repo) < 0) {
		git_repository_free(repo);
		return ks_error(d, KS_EIO, dir, 0, 0, "cannot configure the hub: %s",
				ks_git_error());
	}
	/* History only grows: no rewinding or deleting a device's ref. */
	e |= git_config_set_bool(cfg, "receive.denyNonFastForwards", 1);
	e |= git_config_set_bool(cfg, "receive.denyDeletes", 1);
	e |= git_config_set_bool(cfg, "core.logAllRefUpdates", 1);
	e |= git_config_set_string(cfg, "khaosat.hub", "true");
	git_config_free(cfg);
	git_repository_free(repo);
	if (e)
		return ks_error(d, KS_EIO, dir, 0, 0, "cannot configure the hub: %s",
				ks_git_error());
	return 0;
}
