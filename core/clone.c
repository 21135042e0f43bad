/*
 * Setting up a new laptop from a stick, one bundle file or a hub: what
 * the source is, the survey's first check against the centre's key, and a
 * work tree written only once everything is checked.
 */
#include "clone.h"
#include "intl.h"
#include "hub.h"
#include "stick.h"
#include "alloc.h"
#include "auth.h"
#include "buf.h"
#include "bundlecache.h"
#include "diag.h"
#include "enrol.h"
#include "file.h"
#include "netstream.h"
#include "sync_int.h"

#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

enum source { SRC_BUNDLE, SRC_FOLDER, SRC_GIT };

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
		r = ks_buf_addf(&p, "%s/objects", dir) == 0 && ks_is_dir(p.ptr);
	}
	ks_buf_release(&p);
	return r;
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
		if (ks_looks_like_url(source)) {
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
	if (ks_stick_has_bundles(source))
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
		if (!ks_is_dir(p.ptr) || !ks_stick_has_bundles(p.ptr))
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
		int err = ks_stick_read_peer(p, &info, &quiet);

		ks_diags_release(&quiet);
		ks_bundle_info_release(&info);
		if (!err && p->full)
			return p;
	}
	ks_error(d, KS_ENOTFOUND, rep->folder, 0, 0,
		 "no bundle here holds the whole survey; sync a laptop that has it (or the centre) with this stick first");
	return NULL;
}

static int hub_main_at(git_repository *repo, git_oid *tip,
		       struct ks_sync_report *rep, const char *url,
		       const struct ks_clone_opts *opts,
		       const struct ks_progress *pg, struct ks_diags *d)
{
	const char *device = opts->who.device;
	git_remote *rem = NULL;
	git_config *cfg = NULL;
	struct ks_hub_link link;
	git_oid root;
	size_t i;
	int err;

	memset(&root, 0, sizeof(root));
	/* The new survey's configuration is the user's and the system's. */
	if ((err = ks_hub_link_init(&link, &opts->net, repo, d)))
		return err;
	if (ks_remote_named(repo, KS_CLONE_REMOTE, url,
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
	err = ks_hub_fetch(rep, repo, url, KS_CLONE_REMOTE, &link, &root, NULL,
			   pg, d);
	ks_hub_link_release(&link);
	if (err)
		return err;
	for (i = 0; i < rep->npeers; i++)
		if (!strcmp(rep->peers[i].device, device))
			return device_taken(d, device, _("on this hub"));
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
 * From a hub: the remote KS_CLONE_REMOTE, made the default; every device's
 * ref fetched and checked; main starts at the hub's main, or at its first
 * device's tip, and the others are merged once the survey is open.
 */
static int hub_main(git_repository *repo, git_oid *tip,
		    struct ks_sync_report *rep, const char *source,
		    const struct ks_clone_opts *opts,
		    const struct ks_progress *pg, struct ks_diags *d)
{
	char *url = ks_remote_keep_url(source);
	int r;

	if (!url)
		return -1;
	r = hub_main_at(repo, tip, rep, url, opts, pg, d);
	ks_free(url);
	return r;
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
	    ks_bundle_cache_add(&cache, ks_base_name(path), stamp) == 0)
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
		err = device_taken(d, device, _("by records in this survey"));
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
				in.is_signed ? _("signed by key ") : _("not signed"),
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
		if ((err = ks_stick_list_peers(&stick, folder, d)))
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
	/* the identity first: with it, the line ends the checkout keeps */
	if ((err = ks_repo_set_identity(repo, &opts->who, d)))
		goto out;
	if ((err = checkout_main(repo, &tip, source, opts->who.device, d)))
		goto out;
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
		if ((err = ks_sync_merge_peers(rep, r, d)) ||
		    (err = ks_sync_main_tip(&rep->after, ks_repo_git(r), d)))
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
