/*
 * Sync through a folder of bundles: a USB stick passed between laptops
 * and the centre.  stick.h says what a bundle there holds.
 */
#include "stick.h"
#include "intl.h"
#include "alloc.h"
#include "buf.h"
#include "bundlecache.h"
#include "crash.h"
#include "diag.h"
#include "enrol.h"
#include "file.h"
#include "sync_int.h"

#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BUNDLE_EXT ".bundle"
#define TMP_MARK ".bundle.tmp-"

enum { NOT_OURS, DEVICE_BUNDLE, BASE_BUNDLE };

/*
 * "<device>.bundle" -> device and DEVICE_BUNDLE; "_base.bundle" ->
 * KS_STICK_BASE and BASE_BUNDLE; NOT_OURS for any other name.
 */
static int bundle_kind(char *device, const char *name)
{
	size_t n = strlen(name), e = strlen(BUNDLE_EXT);

	if (n <= e || strcmp(name + n - e, BUNDLE_EXT) || n - e > KS_DEVICE_MAX)
		return NOT_OURS;
	memcpy(device, name, n - e);
	device[n - e] = '\0';
	if (!strcmp(device, KS_STICK_BASE))
		return BASE_BUNDLE;
	return ks_device_valid(device) ? DEVICE_BUNDLE : NOT_OURS;
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

	if (!ks_is_dir(folder))
		return ks_error(d, KS_ENOTFOUND, folder, 0, 0,
				"no such folder (is the stick plugged in and mounted?)");
	while (n > 1 && folder[n - 1] == '/')
		n--;
	if (ks_buf_add(&b, folder, n) < 0)
		return -1;
	if (strcmp(ks_base_name(b.ptr), id)) {
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
 * Temporary files of a write that never finished: this device's and the
 * shared bundle's are always stale (this device is the stick's writer
 * now), another device's after an hour.
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
		mine = (!strncmp(de->d_name, device, own) &&
			!strncmp(de->d_name + own, TMP_MARK, strlen(TMP_MARK))) ||
		       (!strncmp(de->d_name, KS_STICK_BASE, strlen(KS_STICK_BASE)) &&
			!strncmp(de->d_name + strlen(KS_STICK_BASE), TMP_MARK,
				 strlen(TMP_MARK)));
		ks_buf_reset(&p);
		if (ks_buf_addf(&p, "%s/%s", dir, de->d_name) < 0)
			break;
		if (lstat(p.ptr, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		if ((mine || st.st_mtime + KS_STALE_SECONDS < now) &&
		    unlink(p.ptr) == 0)
			n++;
	}
	closedir(dh);
	ks_buf_release(&p);
	return n;
}

int ks_stick_list_peers(struct ks_sync_report *rep, const char *dir,
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
		int kind = bundle_kind(device, de->d_name);

		if (kind == NOT_OURS)
			continue;
		if (ks_grow(&rep->peers, rep->npeers, &alloc, sizeof(*p), 8) < 0)
			goto nomem;
		p = &rep->peers[rep->npeers];
		memset(p, 0, sizeof(*p));
		memcpy(p->device, device, strlen(device) + 1);
		p->base = kind == BASE_BUNDLE;
		ks_buf_reset(&path);
		if (ks_buf_addf(&path, "%s/%s", dir, de->d_name) < 0 ||
		    !(p->path = ks_buf_detach(&path, NULL)))
			goto nomem;
		rep->npeers++;
	}
	closedir(dh);
	ks_buf_release(&path);
	if (rep->npeers)
		ks_sync_sort_peers(rep);
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
int ks_stick_read_peer(struct ks_sync_peer *p, struct ks_bundle_info *info,
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

/* The first prerequisite of `info` this repository lacks, or NULL. */
static const struct ks_bundle_prereq *lacking(git_odb *odb,
					       const struct ks_bundle_info *info)
{
	size_t i;

	for (i = 0; i < info->nprereqs; i++)
		if (!ks_sync_has_commit(odb, &info->prereqs[i].oid))
			return &info->prereqs[i];
	return NULL;
}

/* One import of a stick's bundles. */
struct import {
	struct ks_sync_report *rep;
	git_repository *repo;
	const git_oid *root;
	const char *device;		/* this laptop's */
	const struct ks_bundle_judge *judge;
	const struct ks_progress *pg;
	git_odb *odb;
	struct ks_bundle_info *infos;	/* each peer's header */
	struct ks_bundle_cache cache;
	struct ks_diags got;
	struct ks_diags *d;
	int writes;			/* the sync writes to the stick */
};

static int is_own(const struct import *im, const struct ks_sync_peer *p)
{
	return !strcmp(p->device, im->device);
}

/*
 * 1 for a bundle this sync writes anew when it cannot be used: this
 * device's own, and the shared one.
 */
static int mended_here(const struct import *im, const struct ks_sync_peer *p)
{
	return p->base ? im->writes : is_own(im, p);
}

/*
 * Problems with this device's own earlier bundle, or with the shared one,
 * are warnings: the sync writes it again.  Another device's damaged
 * bundle can only be mended by that device: the note says so.
 */
static void report(struct import *im, struct ks_diags *got,
		   const struct ks_sync_peer *p)
{
	struct ks_diags *d = im->d;
	int broken = 0;
	size_t i;

	for (i = 0; i < got->n; i++)
		broken |= got->v[i].keyword &&
			  !strcmp(got->v[i].keyword, KS_BUNDLE_DAMAGED);
	if (!mended_here(im, p)) {
		ks_diags_move(d, got);
		if (broken && p->base)
			ks_diags_add(d, KS_SEV_NOTE, p->path, 0, 0, NULL, NULL,
				     "the stick's shared bundle is damaged and was not used; sync a laptop that has the survey with this stick to write it anew");
		else if (broken)
			ks_diags_add(d, KS_SEV_NOTE, p->path, 0, 0, NULL, NULL,
				     "%s's bundle on this stick is damaged and was not used; sync %s with this stick again to write it anew",
				     p->device, p->device);
		return;
	}
	for (i = 0; i < got->n; i++) {
		const struct ks_diag *g = &got->v[i];

		if (p->base)
			ks_diags_add(d, KS_SEV_WARNING, g->path, g->line, g->col,
				     g->pointer, g->keyword, "%s (the stick's shared bundle, written again below)",
				     g->message);
		else
			ks_diags_add(d, KS_SEV_WARNING, g->path, g->line, g->col,
				     g->pointer, g->keyword, "%s (this device's own bundle, written again below)",
				     g->message);
	}
	ks_diags_release(got);
}

/* A bundle that failed a check: reported, and nothing of it is used. */
static int refuse(struct import *im, struct ks_sync_peer *p, int err,
		  struct ks_diags *got)
{
	report(im, got, p);
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
static int check_known(struct import *im, struct ks_sync_peer *p,
		       const struct ks_bundle_info *head)
{
	struct ks_diags got = KS_DIAGS_INIT;
	struct ks_bundle_info info;
	const char *name = ks_base_name(p->path);
	int err;

	if (ks_bundle_cache_has(&im->cache, name, &head->stamp))
		return 0;
	err = ks_bundle_verify_git(im->repo, im->root, p->path, KS_BUNDLE_NOFOLLOW,
				   im->pg, &info, &got);
	if (err)
		return refuse(im, p, err, &got);
	report(im, &got, p);
	err = ks_bundle_cache_add(&im->cache, name, &info.stamp);
	ks_bundle_info_release(&info);
	return err;
}


/*
 * Each peer's header: refused when it cannot be read, KNOWN when this
 * laptop has its tip, else WAITING to be imported.  *pending counts them.
 */
static int read_headers(struct import *im, size_t *pending)
{
	size_t i;
	int err;

	for (i = 0; i < im->rep->npeers; i++) {
		struct ks_sync_peer *p = &im->rep->peers[i];

		if ((err = ks_stick_read_peer(p, &im->infos[i], &im->got))) {
			report(im, &im->got, p);
			if (err != KS_EINVALID && err != KS_EIO)
				return err;
			p->state = KS_PEER_REFUSED;
		} else if (ks_sync_has_commit(im->odb, &p->tip)) {
			p->state = KS_PEER_KNOWN;
			p->has_tip = 1;
			/* Any device writes the shared bundle: no line of tips. */
			if (!is_own(im, p) && !p->base &&
			    ks_sync_forked(im->repo, p, p->path, &im->got) &&
			    (err = refuse(im, p, KS_EINVALID, &im->got)))
				return err;
		} else {
			p->state = KS_PEER_WAITING;
			(*pending)++;
		}
	}
	return 0;
}

/*
 * Imports one waiting peer whose prerequisites are here.  A refused one
 * is reported and the others go on; 0, or what stops them all.
 */
static int import_one(struct import *im, struct ks_sync_peer *p)
{
	struct ks_bundle_info info;
	git_oid seen;
	int since, err;

	/* Brought meanwhile by another bundle: nothing to read. */
	if (ks_sync_has_commit(im->odb, &p->tip)) {
		p->state = KS_PEER_KNOWN;
		p->has_tip = 1;
		return 0;
	}
	since = !is_own(im, p) && !p->base &&
		ks_sync_seen_tip(&seen, im->repo, p->device);
	err = ks_bundle_import_git(im->repo, im->root, since ? &seen : NULL,
				   p->path, KS_BUNDLE_NOFOLLOW, im->judge, im->pg,
				   &info, &im->got);
	if (err)
		return refuse(im, p, err, &im->got);
	report(im, &im->got, p);
	err = ks_bundle_cache_add(&im->cache, ks_base_name(p->path), &info.stamp);
	ks_bundle_info_release(&info);
	if (err)
		return err;
	p->state = KS_PEER_IMPORTED;
	p->has_tip = 1;
	ks_crash_point("sync: bundle imported");
	return 0;
}

/* Rounds of imports until no waiting peer can be applied. */
static int import_waiting(struct import *im, size_t pending)
{
	size_t i;
	int progress, err = 0;

	do {
		progress = 0;
		for (i = 0; i < im->rep->npeers && !err; i++) {
			struct ks_sync_peer *p = &im->rep->peers[i];

			if (p->state != KS_PEER_WAITING ||
			    lacking(im->odb, &im->infos[i]))
				continue;
			err = import_one(im, p);
			pending--;
			progress = 1;
		}
	} while (progress && pending && !err);
	return err;
}

/* A peer still waiting needs a commit no bundle here brings. */
static void report_waiting(struct import *im)
{
	size_t i;

	for (i = 0; i < im->rep->npeers; i++) {
		const struct ks_sync_peer *p = &im->rep->peers[i];
		const struct ks_bundle_prereq *need;
		char hex[GIT_OID_HEXSZ + 1];

		if (p->state != KS_PEER_WAITING ||
		    !(need = lacking(im->odb, &im->infos[i])))
			continue;
		git_oid_tostr(hex, sizeof(hex), &need->oid);
		ks_error(&im->got, KS_ENOTFOUND, p->path, 0, 0,
			 "not applied: it needs commit %.10s%s%s%s first, which no bundle here brings; sync with the stick or laptop that has the full survey (a bundle that holds everything, such as the centre's), then sync here again",
			 hex, *need->comment ? " (\"" : "", need->comment,
			 *need->comment ? "\")" : "");
		report(im, &im->got, p);
	}
}

/*
 * Imports every peer that brings something new, full bundles first and
 * then each one whose prerequisites are here, until none is left that can
 * be applied; then checks the peers that brought nothing new.  A bundle
 * that fails is reported and skipped.
 */
static int import_peers(struct ks_sync_report *rep, git_repository *repo,
			const git_oid *root, const char *device, int writes,
			const struct ks_bundle_judge *judge,
			const struct ks_progress *pg, struct ks_diags *d)
{
	struct import im = { rep, repo, root, device, judge, pg, NULL, NULL,
			     KS_BUNDLE_CACHE_INIT, KS_DIAGS_INIT, d, writes };
	struct ks_diags ignore = KS_DIAGS_INIT;
	size_t i, pending = 0;
	int err;

	if (!rep->npeers)
		return 0;
	if (!(im.infos = ks_calloc(rep->npeers, sizeof(*im.infos))))
		return -1;
	if (git_repository_odb(&im.odb, repo) < 0) {
		ks_free(im.infos);
		return ks_error(d, KS_EIO, NULL, 0, 0, "cannot read the repository: %s",
				ks_git_error());
	}
	if (!(err = ks_bundle_cache_load(&im.cache, repo)) &&
	    !(err = read_headers(&im, &pending)))
		err = import_waiting(&im, pending);
	for (i = 0; i < rep->npeers && !err; i++)
		if (rep->peers[i].state == KS_PEER_KNOWN)
			err = check_known(&im, &rep->peers[i], &im.infos[i]);
	if (!err)
		report_waiting(&im);
	for (i = 0; i < rep->npeers && !err; i++)
		if (rep->peers[i].has_tip && !rep->peers[i].base &&
		    strcmp(rep->peers[i].device, device))
			ks_sync_remember_seen(repo, rep->peers[i].device, &rep->peers[i].tip);
	/* Only a cache: failing to save it costs a reading, nothing else. */
	if (!err)
		ks_bundle_cache_save(&im.cache, &ignore);
	for (i = 0; i < rep->npeers; i++)
		ks_bundle_info_release(&im.infos[i]);
	ks_free(im.infos);
	git_odb_free(im.odb);
	ks_bundle_cache_release(&im.cache);
	ks_diags_release(&im.got);
	ks_diags_release(&ignore);
	return err;
}

/* 1 when `a` is `b` or holds it in its history. */
static int holds(git_repository *repo, const git_oid *a, const git_oid *b)
{
	int yes = git_oid_equal(a, b) || git_graph_descendant_of(repo, a, b) == 1;

	git_error_clear();
	return yes;
}

/* The size of the regular file `path`, or 0. */
static uint64_t file_size(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
		return 0;
	return (uint64_t)st.st_size;
}

/*
 * The bytes of the device bundles that hold work beyond the shared
 * bundle's tip `base` (this device's own as it was before this sync
 * among them): what a laptop set up from the stick reads on top of it.
 */
static uint64_t beyond_base(const struct ks_sync_report *rep,
			    git_repository *repo, const git_oid *base)
{
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < rep->npeers; i++) {
		const struct ks_sync_peer *p = &rep->peers[i];

		if (!p->base && p->has_tip && !holds(repo, base, &p->tip))
			n += file_size(p->path);
	}
	return n;
}

/*
 * How many bytes of device bundles beyond the shared one a stick carries
 * before the shared bundle is written anew (as well as a quarter of it):
 * `git config khaosat.stickRewrite SIZE` (k, m, g suffixes), 1 MiB unless
 * set.  Below it, writing the whole history again costs more than the
 * copies it saves.
 */
static uint64_t rewrite_floor(git_repository *repo)
{
	git_config *cfg = NULL;
	int64_t v = 1 << 20;

	if (git_repository_config_snapshot(&cfg, repo) == 0 &&
	    git_config_get_int64(&v, cfg, "khaosat.stickRewrite") == 0 && v < 0)
		v = 0;
	git_config_free(cfg);
	git_error_clear();
	return (uint64_t)v;
}

/* What a sync writes to the stick. */
struct plan {
	int base;		/* the shared bundle, whole, at main */
	git_oid hidden;		/* what this device's bundle leaves out */
	size_t nhidden;		/* 0: its bundle is whole */
};

/* stick.h says why. */
static void plan_writes(struct plan *pl, const struct ks_sync_report *rep,
			git_repository *repo, const git_oid *tip)
{
	const struct ks_sync_peer *base = NULL;
	size_t i;

	memset(pl, 0, sizeof(*pl));
	for (i = 0; i < rep->npeers; i++)
		if (rep->peers[i].base)
			base = &rep->peers[i];
	/* Work under this device's id made elsewhere: not written over. */
	if (base && base->alien)
		return;
	pl->nhidden = 1;
	if (!base || !base->has_tip || !base->full ||
	    base->state == KS_PEER_REFUSED || base->unapproved) {
		pl->base = 1;
		git_oid_cpy(&pl->hidden, tip);
		return;
	}
	if (holds(repo, tip, &base->tip)) {
		uint64_t beyond;

		git_oid_cpy(&pl->hidden, &base->tip);
		if (!git_oid_equal(tip, &base->tip) &&
		    (beyond = beyond_base(rep, repo, &base->tip)) > file_size(base->path) / 4 &&
		    beyond > rewrite_floor(repo)) {
			pl->base = 1;
			git_oid_cpy(&pl->hidden, tip);
		}
		return;
	}
	/* A merge that would bring nothing is not made: what both share. */
	if (git_merge_base(&pl->hidden, repo, tip, &base->tip) < 0)
		pl->nhidden = 0;
	git_error_clear();
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
	if (ks_stick_read_peer(&copy, &info, &quiet) || !git_oid_equal(&copy.tip, tip)) {
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

/*
 * A bundle this laptop just wrote from its own objects goes into the
 * bundle cache as found intact, or the next sync would read all of it
 * back (the shared bundle: the whole survey).  Only a cache: a failure
 * costs that reading.
 */
static void remember_written(git_repository *repo, const char *path)
{
	struct ks_bundle_cache cache = KS_BUNDLE_CACHE_INIT;
	struct ks_diags quiet = KS_DIAGS_INIT;
	struct ks_bundle_stamp stamp;
	FILE *f;

	if (ks_bundle_cache_load(&cache, repo) == 0 &&
	    ks_bundle_open(&f, &stamp, path, KS_BUNDLE_NOFOLLOW, &quiet) == 0) {
		fclose(f);
		if (ks_bundle_cache_add(&cache, ks_base_name(path), &stamp) == 0)
			ks_bundle_cache_save(&cache, &quiet);
	}
	ks_bundle_cache_release(&cache);
	ks_diags_release(&quiet);
}

/* The shared bundle, whole, at main; rep->base names it once written. */
static int write_base(struct ks_sync_report *rep, struct ks_repo *r,
		      const struct ks_progress *pg, struct ks_diags *d)
{
	struct ks_buf path = KS_BUF_INIT;
	size_t i;
	int err;

	if (ks_buf_addf(&path, "%s/%s%s", rep->folder, KS_STICK_BASE, BUNDLE_EXT) < 0)
		return -1;
	for (i = 0; i < rep->npeers; i++)
		if (rep->peers[i].base)
			rep->base_replaced = rep->peers[i].state == KS_PEER_REFUSED;
	ks_crash_point("sync: writing the shared bundle");
	err = ks_bundle_write(r, path.ptr, &rep->after, NULL, 0, pg,
			      &rep->base_out, d);
	if (!err)
		remember_written(ks_repo_git(r), path.ptr);
	if (!err && !(rep->base = ks_buf_detach(&path, NULL)))
		err = -1;
	ks_buf_release(&path);
	return err;
}

static int write_own(struct ks_sync_report *rep, struct ks_repo *r,
		     const struct ks_progress *pg, struct ks_diags *d)
{
	git_repository *repo = ks_repo_git(r);
	const char *device = ks_repo_identity(r)->device;
	const struct ks_sync_peer *own = NULL;
	struct ks_buf own_path = KS_BUF_INIT;
	struct plan pl;
	size_t i;
	int err;

	if (ks_buf_addf(&own_path, "%s/%s%s", rep->folder, device, BUNDLE_EXT) < 0 ||
	    !(rep->own = ks_buf_detach(&own_path, NULL)))
		return -1;
	for (i = 0; i < rep->npeers; i++)
		if (!rep->peers[i].base && !strcmp(rep->peers[i].device, device))
			own = &rep->peers[i];
	/* Another laptop's, under this one's id: never written over. */
	if (own && own->alien)
		return ks_error(d, KS_EEXISTS, rep->own, 0, 0,
				"not written: the bundle there is another laptop's that uses this device id (see above)");
	plan_writes(&pl, rep, repo, &rep->after);
	/* First: a sync cut off here leaves the old device bundle usable. */
	if (pl.base && (err = write_base(rep, r, pg, d)))
		return err;
	rep->full = !pl.nhidden;
	if (own && own_is_current(own, repo, &rep->after, &pl.hidden, pl.nhidden, d))
		return 0;
	rep->replaced = own && own->state == KS_PEER_REFUSED;
	ks_crash_point("sync: writing own bundle");
	err = ks_bundle_write(r, rep->own, &rep->after, &pl.hidden, pl.nhidden,
			      pg, &rep->out, d);
	if (!err) {
		rep->wrote = 1;
		remember_written(repo, rep->own);
	}
	return err;
}

static const char readme[] = N_(
	"khaosat survey \"%s\" (survey id %s)\n\n"
	"The files here are git bundles written by 'khaosat sync':\n"
	"_base.bundle holds the whole survey history up to some point, and\n"
	"each <device>.bundle one laptop's newer work. Set up a new laptop with\n"
	"  khaosat clone %s NEW-FOLDER --device ID --surveyor NAME\n"
	"or look inside with plain git:\n"
	"  git clone _base.bundle copy\n"
	"  git -C copy pull ../<device>.bundle main\n");

/*
 * A note for people who find the folder: what it is, how git reads it.
 * In the survey's language, and in English after it when that is another.
 */
static int write_readme(const char *dir, struct ks_repo *r, struct ks_diags *d)
{
	const char *said = _(readme);
	struct ks_buf path = KS_BUF_INIT, text = KS_BUF_INIT, old = KS_BUF_INIT;
	struct stat st;
	int err = 0;

	if (ks_buf_addf(&path, "%s/README.txt", dir) < 0)
		return -1;
	ks_buf_addf(&text, said, ks_repo_name(r), ks_repo_survey_id(r),
		    ks_base_name(dir));
	if (said != readme) {
		ks_buf_puts(&text, "\n");
		ks_buf_addf(&text, readme, ks_repo_name(r), ks_repo_survey_id(r),
			    ks_base_name(dir));
	}
	if (ks_buf_failed(&text))
		err = -1;
	/* Written when missing or another version's; anything else is left. */
	else if (lstat(path.ptr, &st) < 0 ||
		 (S_ISREG(st.st_mode) &&
		  (ks_buf_read_file(&old, path.ptr, 2 * text.len + 1) < 0 ||
		   old.len != text.len || memcmp(old.ptr, text.ptr, text.len))))
		err = ks_file_put_text(path.ptr, &text, KS_FILE_DURABLE, d);
	ks_buf_release(&path);
	ks_buf_release(&text);
	ks_buf_release(&old);
	return err;
}

int ks_sync_folder(struct ks_sync_report *rep, struct ks_repo *r,
		   const char *folder, unsigned flags,
		   const struct ks_progress *pg, struct ks_diags *d)
{
	git_repository *repo = ks_repo_git(r);
	struct ks_bundle_judge judge;
	git_oid root;
	int err;

	if ((err = ks_sync_start(rep, r, &root, d)))
		return err;
	if ((err = survey_folder(&rep->folder, folder, ks_repo_survey_id(r),
				 !(flags & KS_SYNC_NO_WRITE), d)))
		return err;
	if (!ks_is_dir(rep->folder)) {
		/* Nothing of this survey there yet, and nothing to write. */
		git_oid_cpy(&rep->after, &rep->before);
		return 0;
	}
	if (!(flags & KS_SYNC_NO_WRITE))
		rep->swept = sweep_temps(rep->folder, ks_repo_identity(r)->device);
	ks_enrol_bundle_judge(&judge, r);
	if ((err = ks_stick_list_peers(rep, rep->folder, d)) ||
	    (err = import_peers(rep, repo, &root, ks_repo_identity(r)->device,
				!(flags & KS_SYNC_NO_WRITE),
				&judge, pg, d)))
		return err;
	if ((err = ks_sync_merge_peers(rep, r, d))) {
		/* What merged before the failure is in main: say where. */
		if (git_reference_name_to_id(&rep->after, repo, KS_MAIN_REF) < 0)
			memset(&rep->after, 0, sizeof(rep->after));
		return err;
	}
	if ((err = ks_sync_main_tip(&rep->after, repo, d)))
		return err;
	if (flags & KS_SYNC_NO_WRITE)
		return 0;
	if ((err = write_own(rep, r, pg, d)))
		return err;
	return write_readme(rep->folder, r, d);
}

int ks_stick_has_bundles(const char *dir)
{
	char device[KS_DEVICE_MAX + 1];
	struct dirent *de;
	DIR *dh = opendir(dir);
	int found = 0;

	if (!dh)
		return 0;
	while (!found && (de = readdir(dh)))
		found = bundle_kind(device, de->d_name) != NOT_OURS;
	closedir(dh);
	return found;
}
