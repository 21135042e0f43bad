/*
 * Deleting a record and saving the deletion: see delete.h.  The file, and
 * the folder of its attached files, are moved aside into .git/khaosat
 * while the deletion is checked and committed, and put back if the commit
 * is refused.
 */
#include "delete.h"
#include "alloc.h"
#include "attachpath.h"
#include "buf.h"
#include "commit.h"
#include "diag.h"
#include "file.h"
#include "paths.h"
#include "repo.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* .git/khaosat/deleting-<file name>: where the record waits. */
static char *aside_path(struct ks_repo *r, const char *relpath,
			struct ks_diags *d)
{
	struct ks_buf b = KS_BUF_INIT;

	if (ks_buf_addf(&b, "%skhaosat", git_repository_path(ks_repo_git(r))) < 0)
		return NULL;
	if (mkdir(b.ptr, 0777) < 0 && errno != EEXIST) {
		ks_error(d, KS_EIO, b.ptr, 0, 0, "cannot create: %s",
			 strerror(errno));
		ks_buf_release(&b);
		return NULL;
	}
	ks_buf_addf(&b, "/deleting-%s", ks_base_name(relpath));
	return ks_buf_detach(&b, NULL);
}

static int move(const char *from, const char *to, struct ks_diags *d)
{
	if (rename(from, to) == 0 && ks_file_sync_folder(to) == 0 &&
	    ks_file_sync_folder(from) == 0)
		return 0;
	return ks_error(d, KS_EIO, from, 0, 0, "cannot move it to %s: %s", to,
			strerror(errno));
}

/*
 * The record's attached files (paths relative to the work tree) into
 * `files`, after `relpath`: they go with it.
 */
static int files_of(struct ks_paths *files, struct ks_repo *r,
		    const char *folder)
{
	char *abs = ks_repo_path(r, folder);
	DIR *dh = abs ? opendir(abs) : NULL;
	struct dirent *e;
	struct ks_buf p = KS_BUF_INIT;
	int err = abs ? 0 : -1;

	while (dh && !err && (e = readdir(dh))) {
		if (e->d_name[0] == '.')
			continue;
		ks_buf_reset(&p);
		if (ks_buf_addf(&p, "%s/%s", folder, e->d_name) < 0 ||
		    ks_paths_add(files, p.ptr) < 0)
			err = -1;
	}
	if (dh)
		closedir(dh);
	ks_buf_release(&p);
	ks_free(abs);
	return err;
}

int ks_delete_record(git_oid *out, int *saved, struct ks_repo *r,
		     const char *relpath, const char *message,
		     struct ks_diags *d)
{
	char *abs = ks_repo_path(r, relpath);
	char *aside = abs ? aside_path(r, relpath, d) : NULL;
	char *folder = ks_attach_folder(relpath);
	char *fabs = folder ? ks_repo_path(r, folder) : NULL;
	struct ks_buf faside = KS_BUF_INIT;
	struct ks_paths paths = { 0 };
	struct ks_diags cd = KS_DIAGS_INIT;
	int err, moved = 0;

	*saved = 0;
	if (!abs || !aside || !fabs || ks_paths_add(&paths, relpath) < 0 ||
	    files_of(&paths, r, folder) < 0 ||
	    ks_buf_addf(&faside, "%s-files", aside) < 0) {
		err = d->errors ? KS_EIO : -1;
		goto out;
	}
	if ((err = move(abs, aside, d)))
		goto out;
	/* its files go aside with it, and come back with it */
	if (paths.n > 1) {
		ks_remove_tree(faside.ptr);
		if ((err = move(fabs, faside.ptr, d))) {
			if (move(aside, abs, d))
				ks_error(d, KS_EIO, relpath, 0, 0,
					 "the record is kept in %s; move it back by hand",
					 aside);
			goto out;
		}
		moved = 1;
	}
	err = ks_commit_paths(out, r, (const char *const *)paths.v, paths.n,
			      message, &cd);
	if (err == KS_ENOTFOUND) {
		/* Never saved to the history: removing it is all. */
		ks_diags_release(&cd);
		err = 0;
	} else if (err) {
		ks_diags_move(d, &cd);
		if (moved && move(faside.ptr, fabs, d))
			ks_error(d, KS_EIO, folder, 0, 0,
				 "its files are kept in %s; move them back by hand",
				 faside.ptr);
		if (move(aside, abs, d))
			ks_error(d, KS_EIO, relpath, 0, 0,
				 "the record is kept in %s; move it back by hand",
				 aside);
		goto out;
	} else {
		ks_diags_move(d, &cd);	/* what it settled, what it let through */
		*saved = 1;
	}
	if (moved)
		ks_remove_tree(faside.ptr);
	if (unlink(aside) < 0)
		err = ks_error(d, KS_EIO, aside, 0, 0, "cannot remove: %s",
			       strerror(errno));
out:
	ks_diags_release(&cd);
	ks_paths_release(&paths);
	ks_buf_release(&faside);
	ks_free(abs);
	ks_free(aside);
	ks_free(folder);
	ks_free(fabs);
	return err;
}
