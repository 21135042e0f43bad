/*
 * The survey's hubs as the git configuration keeps them, and making a hub.
 */
#include "remote.h"
#include "alloc.h"
#include "buf.h"
#include "diag.h"
#include "paths.h"
#include "repo.h"
#include "sync_int.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* "host:path" (scp-like ssh) or "scheme://..." */
int ks_looks_like_url(const char *s)
{
	const char *colon = strchr(s, ':'), *slash = strchr(s, '/');

#ifdef _WIN32
	/* "E:", "E:\..." and "E:/..." name a drive, as Git for Windows reads them */
	if (((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z')) && s[1] == ':')
		return 0;
#endif
	return strstr(s, "://") || (colon && colon != s && (!slash || colon < slash));
}
/*
 * A remote's URL as it is kept: a local path made absolute, so that it
 * means the same from any folder.  NULL: out of memory.
 */
char *ks_remote_keep_url(const char *url)
{
	char real[PATH_MAX];

	if (!ks_looks_like_url(url) && realpath(url, real))
		return ks_strdup(real);
	return ks_strdup(url);
}

/* A remote kept in the configuration as `name` (same leak as above). */
int ks_remote_named(git_repository *repo, const char *name,
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
	if (!(kept = ks_remote_keep_url(url)))
		return -1;
	if (ks_buf_addf(&spec, "+%s*:%s%s/*", KS_HUB_DEVICES, KS_TRACKING, name) < 0 ||
	    ks_remote_named(ks_repo_git(r), name, kept, spec.ptr) < 0) {
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
