/*
 * Deleting a record and saving the deletion: see delete.h.  The file is
 * moved aside into .git/khaosat while the deletion is checked and
 * committed, and put back if the commit is refused.
 */
#include "delete.h"
#include "alloc.h"
#include "buf.h"
#include "commit.h"
#include "diag.h"
#include "file.h"
#include "repo.h"

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

int ks_delete_record(git_oid *out, int *saved, struct ks_repo *r,
		     const char *relpath, const char *message,
		     struct ks_diags *d)
{
	char *abs = ks_repo_path(r, relpath);
	char *aside = abs ? aside_path(r, relpath, d) : NULL;
	struct ks_diags cd = KS_DIAGS_INIT;
	int err;

	*saved = 0;
	if (!abs || !aside) {
		err = d->errors ? KS_EIO : -1;
		goto out;
	}
	if ((err = move(abs, aside, d)))
		goto out;
	err = ks_commit_path(out, r, relpath, message, &cd);
	if (err == KS_ENOTFOUND) {
		/* Never saved to the history: removing it is all. */
		ks_diags_release(&cd);
		err = 0;
	} else if (err) {
		ks_diags_move(d, &cd);
		if (move(aside, abs, d))
			ks_error(d, KS_EIO, relpath, 0, 0,
				 "the record is kept in %s; move it back by hand",
				 aside);
		goto out;
	} else {
		ks_diags_move(d, &cd);	/* what it settled, what it let through */
		*saved = 1;
	}
	if (unlink(aside) < 0)
		err = ks_error(d, KS_EIO, aside, 0, 0, "cannot remove: %s",
			       strerror(errno));
out:
	ks_diags_release(&cd);
	ks_free(abs);
	ks_free(aside);
	return err;
}
