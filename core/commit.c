/*
 * Survey changes against HEAD, and commits with the surveyor as author and
 * the device as committer.  See commit.h.
 */
#include "commit.h"
#include "alloc.h"
#include "buf.h"
#include "bulkpack.h"
#include "checkall.h"
#include "conflict.h"
#include "diag.h"
#include "gitindex.h"
#include "members.h"
#include "record.h"
#include "repo.h"
#include "sign.h"

#include <errno.h>
#include <stdint.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>

void ks_format_time(char *buf, size_t n, const git_time *t, int iso)
{
	time_t when = (time_t)t->time + (time_t)t->offset * 60;
	int off = t->offset < 0 ? -t->offset : t->offset;
	struct tm tm;

	gmtime_r(&when, &tm);
	if (iso)
		snprintf(buf, n, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
			 tm.tm_min, tm.tm_sec, t->offset < 0 ? '-' : '+',
			 off / 60, off % 60);
	else
		snprintf(buf, n, "%04d-%02d-%02d %02d:%02d %c%02d%02d",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
			 tm.tm_min, t->offset < 0 ? '-' : '+', off / 60, off % 60);
}

char *ks_commit_device(const char *message)
{
	git_message_trailer_array arr = { 0 };
	char *dev = NULL;
	size_t i;

	if (git_message_trailers(&arr, message) < 0)
		return NULL;
	for (i = 0; i < arr.count; i++)
		if (!strcmp(arr.trailers[i].key, "Device"))
			dev = ks_strdup(arr.trailers[i].value);
	git_message_trailer_array_free(&arr);
	return dev;
}

/*
 * The commit as git would write it, signed, then stored with its
 * signature; main moves only if it still is where the commit started.
 */
static int signed_commit(git_oid *out, git_repository *repo,
			 const struct ks_signer *signer,
			 const git_signature *author,
			 const git_signature *committer, const char *message,
			 const git_tree *tree, size_t nparents,
			 const git_commit **parents, int update_ref,
			 struct ks_diags *d)
{
	git_buf body = GIT_BUF_INIT;
	git_reference *ref = NULL;
	struct ks_buf sig = KS_BUF_INIT, log = KS_BUF_INIT;
	int err;

	if (git_commit_create_buffer(&body, repo, author, committer, NULL,
				     message, tree, nparents, parents) < 0) {
		err = ks_error(d, KS_EIO, NULL, 0, 0, "cannot commit: %s",
			       ks_git_error());
		goto out;
	}
	if ((err = ks_sign(&sig, signer, body.ptr, body.size, d)))
		goto out;
	if (git_commit_create_with_signature(out, repo, body.ptr, sig.ptr,
					     NULL) < 0) {
		err = ks_error(d, KS_EIO, NULL, 0, 0, "cannot store the signed commit: %s",
			       ks_git_error());
		goto out;
	}
	if (!update_ref)
		goto out;
	ks_buf_addf(&log, "commit%s: %.*s",
		    nparents == 0 ? " (initial)" : nparents > 1 ? " (merge)" : "",
		    (int)strcspn(message, "\n"), message);
	if (git_reference_create_matching(&ref, repo, KS_MAIN_REF, out,
					  nparents > 0,
					  nparents ? git_commit_id(parents[0]) : NULL,
					  log.ptr) < 0)
		err = ks_error(d, KS_EIO, NULL, 0, 0, "cannot move main: %s",
			       ks_git_error());
out:
	git_reference_free(ref);
	git_buf_dispose(&body);
	ks_buf_release(&sig);
	ks_buf_release(&log);
	return err;
}

static int commit_tree(git_oid *out, struct ks_repo *r,
		       const git_oid *tree_id, const git_oid *parent_ids,
		       size_t nparents, const char *message, int update_ref,
		       struct ks_diags *d)
{
	const struct ks_identity *who = ks_repo_identity(r);
	git_repository *repo = ks_repo_git(r);
	git_signature *author = NULL, *committer = NULL;
	struct ks_signer *signer = NULL;
	git_tree *tree = NULL;
	const git_commit *parents[8];
	git_commit *owned[8];
	git_buf msg = GIT_BUF_INIT;
	struct ks_buf full = KS_BUF_INIT, email = KS_BUF_INIT;
	struct ks_sshsig_key pub;
	git_oid members;
	size_t i, got = 0;
	int err = KS_EIO;

	if ((err = ks_repo_require_identity(r, d)))
		return err;
	err = KS_EIO;
	if (nparents > 8)
		return ks_error(d, KS_ERROR, NULL, 0, 0, "too many parents");
	/* git needs an e-mail; a surveyor without one gets the device's. */
	if (!who->email || !*who->email)
		ks_buf_addf(&email, "%s@khaosat.invalid", who->device);
	else
		ks_buf_puts(&email, who->email);
	if (git_signature_now(&author, who->surveyor, email.ptr) < 0 ||
	    git_signature_now(&committer, who->device, email.ptr) < 0) {
		ks_error(d, KS_EINVALID, NULL, 0, 0,
			 "invalid surveyor or device name: %s", ks_git_error());
		err = KS_EINVALID;
		goto out;
	}
	if (git_message_prettify(&msg, message, 0, 0) < 0 || !msg.size) {
		err = ks_error(d, KS_EINVALID, NULL, 0, 0,
			       "the commit message is empty");
		goto out;
	}
	ks_buf_add(&full, msg.ptr, msg.size);
	if (ks_buf_addf(&full, "\nDevice: %s\n", who->device) < 0) {
		err = -1;
		goto out;
	}
	if (git_tree_lookup(&tree, repo, tree_id) < 0)
		goto gitfail;
	for (got = 0; got < nparents; got++) {
		if (git_commit_lookup(&owned[got], repo, &parent_ids[got]) < 0)
			goto gitfail;
		parents[got] = owned[got];
	}
	if ((err = ks_signer_get(&signer, repo, d)))
		goto out;
	/*
	 * A signed survey's commits are all signed: a laptop without a key
	 * (set up before the survey was signed) makes its own now, and its
	 * commits wait at the others until the centre approves it.
	 */
	if (!signer && ks_tree_blob(&members, tree, KS_MEMBERS_FILE) &&
	    (!(err = ks_signer_make_key(&pub, repo, who->device, d)) &&
	     !(err = ks_signer_get(&signer, repo, d))) && !signer)
		err = ks_error(d, KS_EENV, NULL, 0, 0, "cannot read the key just made");
	if (err)
		goto out;
	if (signer) {
		err = signed_commit(out, repo, signer, author, committer, full.ptr,
				    tree, nparents, parents, update_ref, d);
		goto out;
	}
	if (git_commit_create(out, repo, update_ref ? KS_MAIN_REF : NULL,
			      author, committer, NULL, full.ptr, tree,
			      nparents, parents) < 0)
		goto gitfail;
	err = 0;
	goto out;
gitfail:
	err = ks_error(d, KS_EIO, NULL, 0, 0, "cannot commit: %s",
		       ks_git_error());
out:
	for (i = 0; i < got; i++)
		git_commit_free(owned[i]);
	git_tree_free(tree);
	git_signature_free(author);
	git_signature_free(committer);
	ks_signer_free(signer);
	git_buf_dispose(&msg);
	ks_buf_release(&full);
	ks_buf_release(&email);
	return err;
}

int ks_commit_can_sign(struct ks_repo *r, struct ks_diags *d)
{
	struct ks_signer *s = NULL;
	int err = ks_signer_get(&s, ks_repo_git(r), d);

	ks_signer_free(s);
	return err;
}

int ks_commit_tree(git_oid *out, struct ks_repo *r, const git_oid *tree,
		   const git_oid *parents, size_t nparents, const char *message,
		   struct ks_diags *d)
{
	return commit_tree(out, r, tree, parents, nparents, message, 1, d);
}

int ks_commit_tree_only(git_oid *out, struct ks_repo *r, const git_oid *tree,
			const git_oid *parents, size_t nparents,
			const char *message, struct ks_diags *d)
{
	return commit_tree(out, r, tree, parents, nparents, message, 0, d);
}

/*
 * The tree of HEAD with the changes applied.  git_tree_create_updated
 * rewrites only the trees on the changed paths, so a one-record commit
 * costs the same in a survey of 100 or 100,000 records; and whatever else
 * someone staged with plain git stays out of the commit.
 */
/* What the index needs to know of a committed file without hashing it. */
struct staged {
	git_oid id;
	struct stat st;
	int known;		/* the file did not change while it was read */
};
static int same_stat(const struct stat *a, const struct stat *b)
{
	return a->st_size == b->st_size && a->st_ino == b->st_ino &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	       a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	       a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
	       a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/*
 * From this many files on, the new blobs of a commit go into one pack
 * (bulkpack.h) rather than a loose object each: an import.
 */
#define BULK_FILES 256

static int build_tree(git_oid *tree, struct ks_repo *r,
		      const struct ks_changes *c, int has_head,
		      const git_oid *head, struct staged *staged,
		      struct ks_diags *d)
{
	git_repository *repo = ks_repo_git(r);
	git_tree_update *up = NULL;
	git_commit *hc = NULL;
	git_tree *ht = NULL;
	git_treebuilder *empty = NULL;
	struct ks_buf data = KS_BUF_INIT;
	struct ks_bulk_blob *bulk = NULL;
	size_t i, files = 0, nbulk = 0;
	int err = KS_EIO;

	up = ks_calloc(c->n + 1, sizeof(*up));
	if (!up)
		return -1;
	for (i = 0; i < c->n; i++)
		files += c->v[i].what != KS_CHANGE_DELETED;
	if (files >= BULK_FILES && !(bulk = ks_calloc(files, sizeof(*bulk)))) {
		ks_free(up);
		return -1;
	}
	if (has_head) {
		if (git_commit_lookup(&hc, repo, head) < 0 ||
		    git_commit_tree(&ht, hc) < 0)
			goto gitfail;
	} else {
		git_oid eid;

		/* The first commit grows from an empty tree. */
		if (git_treebuilder_new(&empty, repo, NULL) < 0 ||
		    git_treebuilder_write(&eid, empty) < 0 ||
		    git_tree_lookup(&ht, repo, &eid) < 0)
			goto gitfail;
	}
	for (i = 0; i < c->n; i++) {
		char *abs;

		up[i].path = c->v[i].path;
		if (c->v[i].what == KS_CHANGE_DELETED) {
			up[i].action = GIT_TREE_UPDATE_REMOVE;
			continue;
		}
		abs = ks_repo_path(r, c->v[i].path);
		ks_buf_reset(&data);
		if (abs && lstat(abs, &staged[i].st) == 0)
			staged[i].known = 1;
		if (!abs || ks_buf_read_file(&data, abs, 0) < 0) {
			ks_free(abs);
			err = ks_error(d, KS_EIO, c->v[i].path, 0, 0,
				       "cannot read the file to commit it");
			goto out;
		}
		up[i].action = GIT_TREE_UPDATE_UPSERT;
		up[i].filemode = GIT_FILEMODE_BLOB;
		if (bulk) {
			/* Written below, with the others, reading the file again. */
			if (git_odb_hash(&up[i].id, data.ptr, data.len,
					 GIT_OBJECT_BLOB) < 0) {
				ks_free(abs);
				goto gitfail;
			}
			bulk[nbulk].path = abs;
			bulk[nbulk].name = c->v[i].path;
			git_oid_cpy(&bulk[nbulk++].id, &up[i].id);
		} else if (git_blob_create_from_buffer(&up[i].id, repo, data.ptr,
						       data.len) < 0) {
			ks_free(abs);
			goto gitfail;
		}
		{
			struct stat after;

			git_oid_cpy(&staged[i].id, &up[i].id);
			/* Changed while being read: let the index hash it. */
			if (staged[i].known && (lstat(abs, &after) < 0 ||
						!same_stat(&after, &staged[i].st)))
				staged[i].known = 0;
		}
		if (!bulk)
			ks_free(abs);
	}
	if (bulk && (err = ks_bulk_pack_blobs(repo, bulk, nbulk, d)))
		goto out;
	if (git_tree_create_updated(tree, repo, ht, c->n, up) < 0)
		goto gitfail;
	err = 0;
	goto out;
gitfail:
	err = ks_error(d, KS_EIO, NULL, 0, 0, "cannot build the commit: %s",
		       ks_git_error());
out:
	for (i = 0; i < nbulk; i++)
		ks_free((char *)bulk[i].path);
	ks_free(bulk);
	ks_free(up);
	ks_buf_release(&data);
	git_treebuilder_free(empty);
	git_tree_free(ht);
	git_commit_free(hc);
	return err;
}

/*
 * A deleted record's open conflicts go with it: the deletion settles them,
 * in the same commit (history shows it as their settlement).  Adds the
 * removal of conflicts/<record> to `c` and removes the file; a note says
 * how many were closed.
 */
static int settle_deleted(struct ks_changes *c, struct ks_repo *r,
			  const git_oid *head, struct ks_diags *d)
{
	git_commit *hc = NULL;
	git_tree *ht = NULL;
	size_t i, j, n = c->n;
	int err = 0, added = 0, drop = 0;

	if (head && (git_commit_lookup(&hc, ks_repo_git(r), head) < 0 ||
		     git_commit_tree(&ht, hc) < 0)) {
		git_commit_free(hc);
		return ks_error(d, KS_EIO, NULL, 0, 0, "cannot read the last commit: %s",
				ks_git_error());
	}
	for (i = 0; i < n && !err; i++) {
		struct ks_buf cp = KS_BUF_INIT;
		struct ks_change *x;
		git_tree_entry *te = NULL;
		char *abs;

		if (c->v[i].what != KS_CHANGE_DELETED || !ks_is_record_path(c->v[i].path))
			continue;
		if (ks_buf_addf(&cp, "conflicts/%s", c->v[i].path) < 0) {
			err = -1;
			break;
		}
		x = (struct ks_change *)ks_changes_find(c, cp.ptr);
		if (x && x->what == KS_CHANGE_NEW) {
			/* Never committed: it only goes from the work tree. */
			x->what = KS_CHANGE_DELETED;
			drop = 1;
		} else if (x) {
			x->what = KS_CHANGE_DELETED;
		} else if (ht && git_tree_entry_bypath(&te, ht, cp.ptr) == 0) {
			err = ks_changes_add(c, KS_CHANGE_DELETED, cp.ptr);
			added = 1;
		} else {
			ks_buf_release(&cp);
			continue;
		}
		git_tree_entry_free(te);
		abs = err ? NULL : ks_repo_path(r, cp.ptr);
		if (!err && (!abs || (unlink(abs) < 0 && errno != ENOENT)))
			err = ks_error(d, KS_EIO, cp.ptr, 0, 0, "cannot remove: %s",
				       strerror(errno));
		if (!err)
			ks_diags_add(d, KS_SEV_NOTE, c->v[i].path, 0, 0, NULL,
				     "settled", "deleted with its open conflicts: the deletion settles them");
		ks_free(abs);
		ks_buf_release(&cp);
	}
	/* A removal of what HEAD does not have is no change. */
	for (i = j = 0; drop && i < c->n; i++) {
		git_tree_entry *te = NULL;

		if (c->v[i].what == KS_CHANGE_DELETED &&
		    (!ht || git_tree_entry_bypath(&te, ht, c->v[i].path) < 0)) {
			ks_free(c->v[i].path);
			continue;
		}
		git_tree_entry_free(te);
		c->v[j++] = c->v[i];
	}
	if (drop)
		c->n = j;
	/* ks_changes_find() needs the list in order. */
	if (added)
		ks_changes_sort(c);
	git_tree_free(ht);
	git_commit_free(hc);
	return err;
}

/*
 * A field with an open conflict that the person changed is settled by what
 * they typed (see ks_conflicts_settle_typed()), in the same commit: the
 * conflict file's change joins `c`.
 */
static int settle_typed(struct ks_changes *c, struct ks_repo *r,
			const git_oid *head, struct ks_diags *d)
{
	git_repository *repo = ks_repo_git(r);
	git_commit *hc = NULL;
	git_tree *ht = NULL;
	size_t i, j, n = c->n;
	int err = 0, reorder = 0;

	if (!head)
		return 0;
	if (git_commit_lookup(&hc, repo, head) < 0 || git_commit_tree(&ht, hc) < 0) {
		git_commit_free(hc);
		return ks_error(d, KS_EIO, NULL, 0, 0, "cannot read the last commit: %s",
				ks_git_error());
	}
	for (i = 0; i < n && !err; i++) {
		struct ks_buf cp = KS_BUF_INIT;
		struct ks_diags ignore = KS_DIAGS_INIT;
		struct ks_doc *before = NULL, *now = NULL;
		struct ks_change *x;
		git_blob *blob = NULL;
		git_oid id;
		size_t settled = 0;
		char *abs = NULL;
		int in_head;

		if (c->v[i].what != KS_CHANGE_MODIFIED || !ks_is_record_path(c->v[i].path))
			continue;
		if (ks_buf_addf(&cp, "conflicts/%s", c->v[i].path) < 0 ||
		    !(abs = ks_repo_path(r, cp.ptr))) {
			err = -1;
			goto next;
		}
		/* Most records have no open conflict: nothing to read. */
		if (access(abs, F_OK) < 0)
			goto next;
		ks_free(abs);
		if (!(abs = ks_repo_path(r, c->v[i].path))) {
			err = -1;
			goto next;
		}
		if (ks_tree_blob(&id, ht, c->v[i].path) != 1 ||
		    git_blob_lookup(&blob, repo, &id) < 0 ||
		    ks_doc_parse(&before, c->v[i].path, git_blob_rawcontent(blob),
				 (size_t)git_blob_rawsize(blob), KS_PARSE_RECORD,
				 &ignore) ||
		    ks_doc_load(&now, abs, c->v[i].path, KS_PARSE_RECORD, &ignore))
			goto next;	/* nothing to compare: nothing settled */
		err = ks_conflicts_settle_typed(r, c->v[i].path, ks_doc_root(before),
						ks_doc_root(now), &settled, d);
		if (err || !settled)
			goto next;
		ks_free(abs);
		abs = ks_repo_path(r, cp.ptr);
		in_head = ks_tree_blob(&id, ht, cp.ptr) == 1;
		x = (struct ks_change *)ks_changes_find(c, cp.ptr);
		if (abs && access(abs, F_OK) == 0) {
			if (!x) {
				err = ks_changes_add(c, in_head ? KS_CHANGE_MODIFIED
						   : KS_CHANGE_NEW, cp.ptr);
				reorder = 1;
			}
		} else if (x) {
			/* Gone: a removal, or nothing when never committed. */
			x->what = KS_CHANGE_DELETED;
			if (!in_head) {
				ks_free(x->path);
				x->path = NULL;
				reorder = 1;
			}
		} else if (in_head) {
			err = ks_changes_add(c, KS_CHANGE_DELETED, cp.ptr);
			reorder = 1;
		}
next:
		git_error_clear();
		git_blob_free(blob);
		ks_doc_free(before);
		ks_doc_free(now);
		ks_diags_release(&ignore);
		ks_free(abs);
		ks_buf_release(&cp);
	}
	for (i = j = 0; reorder && i < c->n; i++)
		if (c->v[i].path)
			c->v[j++] = c->v[i];
	if (reorder) {
		c->n = j;
		ks_changes_sort(c);
	}
	git_tree_free(ht);
	git_commit_free(hc);
	return err;
}

/*
 * update_index() by khaosat's own reader and writer of the index
 * (gitindex.h): libgit2 turns all 100,000 entries into objects to change
 * one.  A file that changed while it was read is noted without stat
 * data, so that the next listing reads it again: the index then holds
 * exactly what was committed.  0, -1 when it cannot be written, 1 when
 * libgit2 must do it (an index this reader refuses, or none).
 */
static int update_own_index(struct ks_repo *r, const struct ks_changes *c,
			    const struct staged *staged)
{
	struct ks_gitindex read = KS_GITINDEX_INIT, *ix = c->index;
	struct ks_buf file = KS_BUF_INIT;
	size_t i;
	int err = 0;

	if (ks_buf_addf(&file, "%sindex", git_repository_path(ks_repo_git(r))) < 0) {
		ks_buf_release(&file);
		return -1;
	}
	/* the listing's, when it read one: the write checks it is still there */
	if (!ix) {
		ix = &read;
		err = ks_changes_read_index(ix, r);
		if (!err && !ix->has_file)
			err = 1;
	}
	for (i = 0; !err && i < c->n; i++) {
		if (c->v[i].what == KS_CHANGE_DELETED)
			ks_gitindex_remove(ix, c->v[i].path);
		else
			err = ks_gitindex_put(ix, c->v[i].path, GIT_FILEMODE_BLOB,
					      staged[i].id.id,
					      staged[i].known ? &staged[i].st : NULL);
	}
	/* written over by a plain git meanwhile: what it wrote stays */
	if (!err)
		err = ks_gitindex_write(ix, file.ptr, 1) == 0 ? 0 : -1;
	ks_gitindex_release(&read);
	ks_buf_release(&file);
	return err;
}

/*
 * Brings the repository's own index up to date for the committed paths:
 * 0, 1 when a file that changed while it was read was hashed again (the
 * index may then hold other than what was committed), -1 when the index
 * could not be written.
 */
static int update_index(struct ks_repo *r, const struct ks_changes *c,
			const struct staged *staged)
{
	git_index *index = NULL;
	size_t i;
	int err = 0;

	switch (update_own_index(r, c, staged)) {
	case 0:
		return 0;
	case -1:
		return -1;
	}
	if (git_repository_index(&index, ks_repo_git(r)) < 0) {
		git_error_clear();
		return -1;
	}
	for (i = 0; i < c->n; i++) {
		const struct stat *st = &staged[i].st;
		git_index_entry e;

		if (c->v[i].what == KS_CHANGE_DELETED) {
			if (git_index_remove_bypath(index, c->v[i].path) < 0)
				err = -1;
			continue;
		}
		if (!staged[i].known) {
			if (git_index_add_bypath(index, c->v[i].path) < 0)
				err = -1;
			else if (!err)
				err = 1;
			continue;
		}
		/* The blob is written already: no need to read and hash it again. */
		memset(&e, 0, sizeof(e));
		e.path = c->v[i].path;
		git_oid_cpy(&e.id, &staged[i].id);
		e.mode = GIT_FILEMODE_BLOB;
		e.file_size = (uint32_t)st->st_size;
		e.ctime.seconds = (int32_t)st->st_ctim.tv_sec;
		e.ctime.nanoseconds = (uint32_t)st->st_ctim.tv_nsec;
		e.mtime.seconds = (int32_t)st->st_mtim.tv_sec;
		e.mtime.nanoseconds = (uint32_t)st->st_mtim.tv_nsec;
		e.dev = (uint32_t)st->st_dev;
		e.ino = (uint32_t)st->st_ino;
		e.uid = st->st_uid;
		e.gid = st->st_gid;
		if (git_index_add(index, &e) < 0) {
			if (git_index_add_bypath(index, c->v[i].path) < 0)
				err = -1;
			else if (!err)
				err = 1;
		}
	}
	/*
	 * Only a cache for status: a failure here loses nothing.  Written as
	 * version 4, whose paths share their prefixes: a third smaller at
	 * 100,000 records, and libgit2 hashes the whole file at every read
	 * and write (git reads every version since 1.8).
	 */
	if (git_index_set_version(index, 4) < 0 || git_index_write(index) < 0)
		err = -1;
	git_error_clear();
	git_index_free(index);
	return err;
}

/* Keeps of `c` only the change of `path`: 1 when it is there. */
/*
 * Checks and commits the changes, or with `only` (n paths) those paths'
 * changes.
 */
static int commit_some(git_oid *out, struct ks_repo *r,
		       const char *const *only, size_t n, const char *message,
		       struct ks_diags *d)
{
	git_repository *repo = ks_repo_git(r);
	struct ks_changes c = { 0 };
	struct staged *staged = NULL;
	git_oid tree, head;
	size_t i;
	int err = 0, has_head;

	if ((err = ks_repo_require_identity(r, d)) ||
	    (err = ks_repo_require_main(r, d)))
		return err;
	if ((err = ks_commit_can_sign(r, d)))
		goto out;
	/* files named are compared alone: no walk of the whole work tree */
	for (i = 0; only && !err && i < n; i++)
		err = ks_changes_of_path(&c, r, only[i], d);
	if (!err && !only)
		err = ks_changes_list(&c, r, d);
	if (err)
		goto out;
	ks_changes_sort(&c);
	if (!c.n) {
		err = ks_error(d, KS_ENOTFOUND, only ? only[0] : NULL, 0, 0, "%s",
			       only ? "nothing to save: it did not change"
				    : "nothing to commit: no record or schema changed");
		goto out;
	}
	if ((err = ks_check_changes(r, &c, d)))
		goto out;
	has_head = git_reference_name_to_id(&head, repo, KS_MAIN_REF) == 0;
	if ((err = settle_deleted(&c, r, has_head ? &head : NULL, d)) ||
	    (err = settle_typed(&c, r, has_head ? &head : NULL, d)))
		goto out;
	staged = ks_calloc(c.n + 1, sizeof(*staged));
	if (!staged) {
		err = -1;
		goto out;
	}
	if ((err = build_tree(&tree, r, &c, has_head, &head, staged, d)))
		goto out;
	err = ks_commit_tree(out, r, &tree, &head, has_head ? 1 : 0, message, d);
	/* the index holds the new HEAD's tree when it held the old one's */
	if (!err && update_index(r, &c, staged) == 0 && !only &&
	    c.index_is_head)
		ks_changes_index_is_head(r);
out:
	ks_free(staged);
	ks_changes_release(&c);
	return err;
}

int ks_commit_changes(git_oid *out, struct ks_repo *r, const char *message,
		      struct ks_diags *d)
{
	return commit_some(out, r, NULL, 0, message, d);
}

int ks_commit_path(git_oid *out, struct ks_repo *r, const char *path,
		   const char *message, struct ks_diags *d)
{
	return commit_some(out, r, &path, 1, message, d);
}

int ks_commit_paths(git_oid *out, struct ks_repo *r, const char *const *paths,
		    size_t n, const char *message, struct ks_diags *d)
{
	return commit_some(out, r, paths, n, message, d);
}
