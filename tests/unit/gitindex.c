/*
 * Unit tests for core/gitindex.h and core/wtlist.h, with libgit2 and the
 * git command as witnesses:
 *
 * - indexes written by libgit2 as versions 2, 3 and 4 read entry for
 *   entry as libgit2 reads them;
 * - an index changed and written here reads back in libgit2 and in
 *   `git ls-files -s` as the entries put in;
 * - a damaged file, a required extension, a held lock, an index changed
 *   since it was read are refused or given up;
 * - over random changes to a survey's work tree (contents changed with
 *   the same size and time, sizes changed, files deleted, added, touched,
 *   put in new folders, ignored, folders where files were), khaosat's own
 *   listing gives what libgit2's status gives.
 */
#include "unit.h"
#include "survey.h"

#include "alloc.h"
#include "changes.h"
#include "check.h"
#include "gitindex.h"
#include "wtlist.h"

#include <errno.h>
#include <fcntl.h>
#include <git2.h>
#include <nettle/sha1.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>

static unsigned long seed = 4242;

static unsigned rnd(unsigned n)
{
	seed = seed * 6364136223846793005ul + 1442695040888963407ul;
	return (unsigned)((seed >> 33) % n);
}

static const char *workdir(struct fixture *fx)
{
	return ks_repo_workdir(fx->r);
}

static void put_file(struct fixture *fx, const char *rel, const char *text)
{
	struct ks_buf p = KS_BUF_INIT, dir = KS_BUF_INIT;
	FILE *f;
	char *slash;

	ks_buf_addf(&p, "%s%s", workdir(fx), rel);
	ks_buf_puts(&dir, p.ptr);
	for (slash = strchr(dir.ptr + strlen(workdir(fx)), '/'); slash;
	     slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(dir.ptr, 0755);
		*slash = '/';
	}
	f = fopen(p.ptr, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	ks_buf_release(&p);
	ks_buf_release(&dir);
}

static void run(struct fixture *fx, const char *cmd)
{
	struct ks_buf c = KS_BUF_INIT;

	ks_buf_addf(&c, "cd '%s' && %s", workdir(fx), cmd);
	assert_int_equal(system(c.ptr), 0);
	ks_buf_release(&c);
}

static char *index_file(struct fixture *fx)
{
	struct ks_buf p = KS_BUF_INIT;

	ks_buf_addf(&p, "%sindex", git_repository_path(ks_repo_git(fx->r)));
	return ks_buf_detach(&p, NULL);
}

/* A tree of record-like files committed by git, its index git's. */
static void populate(struct fixture *fx, int n)
{
	char rel[128], text[128];
	int i;

	for (i = 0; i < n; i++) {
		snprintf(rel, sizeof(rel), "records/workshop/d%02d/%03d/f%04d.yaml",
			 i % 3, i % 7, i);
		snprintf(text, sizeof(text), "id: f%04d\nname: N %d\n", i, i * 7);
		put_file(fx, rel, text);
	}
	/* names that sort around a folder's '/' */
	put_file(fx, "records/workshop/a.b", "x\n");
	put_file(fx, "records/workshop/a/b", "y\n");
	put_file(fx, "records/workshop/a-b", "z\n");
	put_file(fx, "README", "not a survey file\n");
	run(fx, "git add -A && git -c user.name=T -c user.email=t@e commit -qm populate");
}

/* ---- the format ---- */

/* Every entry of libgit2's reading, read here the same. */
static void same_as_libgit2(struct fixture *fx, const char *file)
{
	struct ks_gitindex ix = KS_GITINDEX_INIT;
	git_index *gi = NULL;
	size_t i;

	assert_int_equal(git_index_open(&gi, file), 0);
	assert_int_equal(ks_gitindex_read(&ix, file, 1), 0);
	assert_int_equal(ix.n, git_index_entrycount(gi));
	for (i = 0; i < ix.n; i++) {
		const git_index_entry *g = git_index_get_byindex(gi, i);
		const struct ks_gitindex_entry *e = &ix.v[i];
		const struct ks_gitindex_stat *st = &ix.stat[i];

		assert_string_equal(ks_gitindex_path(&ix, e), g->path);
		assert_int_equal(e->path_len, strlen(g->path));
		assert_memory_equal(e->id, g->id.id, 20);
		assert_int_equal(e->mode, g->mode);
		assert_int_equal(st->size, g->file_size);
		assert_int_equal(st->mtime_s, (uint32_t)g->mtime.seconds);
		assert_int_equal(st->mtime_ns, g->mtime.nanoseconds);
		assert_int_equal(st->ctime_s, (uint32_t)g->ctime.seconds);
		assert_int_equal(st->ino, g->ino);
		assert_int_equal(st->uid, g->uid);
		assert_int_equal(KS_GITINDEX_STAGE(e->flags), git_index_entry_stage(g));
		assert_int_equal(e->flags2 != 0, g->flags_extended != 0);
	}
	git_index_free(gi);
	ks_gitindex_release(&ix);
}

static void reads_every_version(void **state)
{
	struct fixture *fx = *state;
	char *file = index_file(fx);
	git_index *gi = NULL;
	unsigned v;

	populate(fx, 60);
	for (v = 2; v <= 4; v++) {
		struct ks_gitindex ix = KS_GITINDEX_INIT;

		if (v == 3) {
			/* extended flags make git write version 3 */
			put_file(fx, "records/new.yaml", "id: new\n");
			run(fx, "git add -N records/new.yaml");
		} else {
			assert_int_equal(git_repository_index(&gi, ks_repo_git(fx->r)), 0);
			assert_int_equal(git_index_read(gi, 1), 0);
			assert_int_equal(git_index_set_version(gi, v), 0);
			assert_int_equal(git_index_write(gi), 0);
			git_index_free(gi);
		}
		assert_int_equal(ks_gitindex_read(&ix, file, 1), 0);
		assert_int_equal(ix.version, v);
		ks_gitindex_release(&ix);
		same_as_libgit2(fx, file);
	}
	ks_free(file);
}

/*
 * An index of megabytes, read a megabyte at a time (its pages let go of
 * behind): every entry as libgit2 reads it, in versions 4 and 2, and a
 * byte changed in its third megabyte caught by the SHA-1.
 */
static void reads_a_large_index(void **state)
{
	struct fixture *fx = *state;
	char *file = index_file(fx);
	struct ks_gitindex ix = KS_GITINDEX_INIT;
	struct ks_buf whole = KS_BUF_INIT;
	git_index *gi = NULL;
	git_index_entry e;
	char path[64];
	unsigned v, i;

	/* ids of no object: libgit2 would look each up */
	assert_int_equal(git_libgit2_opts(GIT_OPT_ENABLE_STRICT_OBJECT_CREATION, 0), 0);
	assert_int_equal(git_repository_index(&gi, ks_repo_git(fx->r)), 0);
	for (i = 0; i < 40000; i++) {
		memset(&e, 0, sizeof(e));
		snprintf(path, sizeof(path), "records/workshop/d%02u/%03u/f%05u.yaml",
			 i % 50, i % 7, i);
		e.path = path;
		e.mode = GIT_FILEMODE_BLOB;
		e.file_size = i;
		e.mtime.seconds = (int32_t)i;
		memcpy(e.id.id, &i, sizeof(i));
		e.id.id[19] = 1;
		assert_int_equal(git_index_add(gi, &e), 0);
	}
	for (v = 4; v >= 2; v -= 2) {
		assert_int_equal(git_index_set_version(gi, v), 0);
		assert_int_equal(git_index_write(gi), 0);
		assert_int_equal(ks_gitindex_read(&ix, file, 1), 0);
		assert_int_equal(ix.version, v);
		assert_int_equal(ix.n, git_index_entrycount(gi));
		ks_gitindex_release(&ix);
		same_as_libgit2(fx, file);
	}
	git_index_free(gi);
	assert_int_equal(git_libgit2_opts(GIT_OPT_ENABLE_STRICT_OBJECT_CREATION, 1), 0);
	assert_int_equal(ks_buf_read_file(&whole, file, 0), 0);
	assert_true(whole.len > (3u << 20));
	whole.ptr[(5u << 19) + 7] ^= 1;
	assert_int_equal(ks_file_put(file, whole.ptr, whole.len, 0, NULL), 0);
	assert_int_equal(ks_gitindex_read(&ix, file, 1), 1);
	ks_gitindex_release(&ix);
	ks_buf_release(&whole);
	ks_free(file);
}

static void written_reads_back(void **state)
{
	struct fixture *fx = *state;
	char *file = index_file(fx);
	struct ks_gitindex ix = KS_GITINDEX_INIT;
	struct ks_buf expect = KS_BUF_INIT, got = KS_BUF_INIT, cmd = KS_BUF_INIT;
	unsigned char id[20];
	struct stat st;
	char path[64];
	size_t i;
	int round;

	populate(fx, 80);
	memset(id, 0xab, sizeof(id));
	for (round = 0; round < 20; round++) {
		assert_int_equal(ks_gitindex_read(&ix, file, 1), 0);
		for (i = 0; i < 10; i++) {
			snprintf(path, sizeof(path), "records/workshop/d%02u/%03u/f%04u.yaml",
				 rnd(4), rnd(8), rnd(90));
			id[0] = (unsigned char)rnd(256);
			if (rnd(3) == 0) {
				ks_gitindex_remove(&ix, path);
			} else {
				assert_int_equal(stat(file, &st), 0);
				assert_int_equal(ks_gitindex_put(&ix, path, 0100644, id,
								 rnd(2) ? &st : NULL), 0);
			}
		}
		assert_int_equal(ks_gitindex_write(&ix, file, 0), 0);
		/* the entries as git lists them */
		ks_buf_reset(&expect);
		for (i = 0; i < ix.n; i++) {
			char hex[41];
			size_t k;

			for (k = 0; k < 20; k++)
				sprintf(hex + 2 * k, "%02x", ix.v[i].id[k]);
			ks_buf_addf(&expect, "%o %s 0\t%s\n", ix.v[i].mode, hex,
				    ks_gitindex_path(&ix, &ix.v[i]));
		}
		ks_gitindex_release(&ix);
		ks_buf_reset(&cmd);
		ks_buf_addf(&cmd, "%s/ls", fx->dir.ptr);
		run(fx, "git ls-files -s > ../ls");
		ks_buf_reset(&got);
		assert_int_equal(ks_buf_read_file(&got, cmd.ptr, 0), 0);
		assert_int_equal(got.len, expect.len);
		assert_memory_equal(got.ptr, expect.ptr, got.len);
		same_as_libgit2(fx, file);
	}
	ks_buf_release(&expect);
	ks_buf_release(&got);
	ks_buf_release(&cmd);
	ks_free(file);
}

static void refuses_damage(void **state)
{
	struct fixture *fx = *state;
	char *file = index_file(fx);
	struct ks_gitindex ix = KS_GITINDEX_INIT;
	struct ks_buf whole = KS_BUF_INIT;
	size_t cut;

	populate(fx, 20);
	assert_int_equal(ks_buf_read_file(&whole, file, 0), 0);
	for (cut = 0; cut < whole.len; cut += 1 + cut / 8) {
		assert_int_equal(ks_file_put(file, whole.ptr, cut, 0, NULL), 0);
		assert_int_equal(ks_gitindex_read(&ix, file, 1), 1);
		ks_gitindex_release(&ix);
	}
	/* a count of entries the file cannot hold, its SHA-1 right */
	{
		struct ks_buf big = KS_BUF_INIT;
		struct sha1_ctx sha;

		ks_buf_add(&big, whole.ptr, whole.len);
		big.ptr[8] = big.ptr[9] = big.ptr[10] = big.ptr[11] = (char)0xff;
		sha1_init(&sha);
		sha1_update(&sha, big.len - 20, (const uint8_t *)big.ptr);
		sha1_digest(&sha, 20, (uint8_t *)big.ptr + big.len - 20);
		assert_int_equal(ks_file_put(file, big.ptr, big.len, 0, NULL), 0);
		assert_int_equal(ks_gitindex_read(&ix, file, 1), 1);
		ks_gitindex_release(&ix);
		ks_buf_release(&big);
	}
	/* one byte changed: the SHA-1 */
	whole.ptr[40] ^= 1;
	assert_int_equal(ks_file_put(file, whole.ptr, whole.len, 0, NULL), 0);
	assert_int_equal(ks_gitindex_read(&ix, file, 1), 1);
	ks_gitindex_release(&ix);
	whole.ptr[40] ^= 1;
	assert_int_equal(ks_file_put(file, whole.ptr, whole.len, 0, NULL), 0);
	assert_int_equal(ks_gitindex_read(&ix, file, 1), 0);
	ks_gitindex_release(&ix);
	/* a required extension: git's split index ("link") */
	run(fx, "git update-index --split-index");
	assert_int_equal(ks_gitindex_read(&ix, file, 1), 1);
	ks_gitindex_release(&ix);
	run(fx, "git update-index --no-split-index");
	assert_int_equal(ks_gitindex_read(&ix, file, 1), 0);
	ks_gitindex_release(&ix);
	/* paths git never writes, at the start, in the middle, at the end */
	{
		static const char *const bad[] = {
			"/etc/passwd", "records/../../etc", "records//a", "records/./a",
			"records/a/", "records/..", ".", "records/a/../b",
		};
		unsigned char id[20] = { 7 };
		size_t i;

		for (i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
			assert_int_equal(ks_gitindex_read(&ix, file, 1), 0);
			assert_int_equal(ks_gitindex_put(&ix, bad[i], 0100644, id, NULL), 0);
			assert_int_equal(ks_gitindex_write(&ix, file, 0), 0);
			ks_gitindex_release(&ix);
			assert_int_equal(ks_gitindex_read(&ix, file, 1), 1);
			ks_gitindex_release(&ix);
			assert_int_equal(ks_file_put(file, whole.ptr, whole.len, 0, NULL), 0);
		}
	}
	ks_buf_release(&whole);
	ks_free(file);
}

static void gives_up_to_git(void **state)
{
	struct fixture *fx = *state;
	char *file = index_file(fx);
	struct ks_gitindex ix = KS_GITINDEX_INIT;
	struct ks_buf lock = KS_BUF_INIT;
	unsigned char id[20] = { 1 };
	int fd;

	populate(fx, 10);
	/* a plain git holds the lock */
	ks_buf_addf(&lock, "%s.lock", file);
	fd = open(lock.ptr, O_CREAT | O_EXCL | O_WRONLY, 0644);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(ks_gitindex_read(&ix, file, 1), 0);
	assert_int_equal(ks_gitindex_put(&ix, "records/x", 0100644, id, NULL), 0);
	assert_int_equal(ks_gitindex_write(&ix, file, 1), 1);
	assert_int_equal(access(lock.ptr, F_OK), 0);
	unlink(lock.ptr);
	/* the index written by git after it was read here */
	run(fx, "git update-index --refresh >/dev/null && touch index-moved && git add index-moved");
	assert_int_equal(ks_gitindex_write(&ix, file, 1), 1);
	ks_gitindex_release(&ix);
	assert_int_equal(access(lock.ptr, F_OK), -1);
	ks_buf_release(&lock);
	ks_free(file);
}

static void smudges_racy_entries(void **state)
{
	struct fixture *fx = *state;
	char *file = index_file(fx);
	struct ks_gitindex ix = KS_GITINDEX_INIT;
	struct stat st;
	size_t at;
	const char *kept = "records/workshop/d00/000/f0000.yaml";
	const char *fresh = "records/workshop/d01/001/f0001.yaml";

	populate(fx, 5);
	assert_int_equal(ks_gitindex_read(&ix, file, 1), 0);
	/* an entry whose time is the index's own: racily clean */
	assert_true(ks_gitindex_find(&ix, kept, strlen(kept), &at));
	ix.stat[at].mtime_s = (uint32_t)ix.st.st_mtim.tv_sec;
	ix.stat[at].mtime_ns = (uint32_t)ix.st.st_mtim.tv_nsec;
	assert_true(ix.stat[at].size > 0);
	/* one whose stat data was just taken is not */
	assert_int_equal(stat(file, &st), 0);
	assert_true(ks_gitindex_find(&ix, fresh, strlen(fresh), &at));
	assert_int_equal(ks_gitindex_put(&ix, fresh, 0100644, ix.v[at].id, &st), 0);
	assert_int_equal(ks_gitindex_write(&ix, file, 0), 0);
	ks_gitindex_release(&ix);
	assert_int_equal(ks_gitindex_read(&ix, file, 1), 0);
	assert_true(ks_gitindex_find(&ix, kept, strlen(kept), &at));
	assert_int_equal(ix.stat[at].size, 0);
	assert_true(ks_gitindex_find(&ix, fresh, strlen(fresh), &at));
	assert_int_equal(ix.stat[at].size, (uint32_t)st.st_size);
	ks_gitindex_release(&ix);
	ks_free(file);
}

/* Without its stat data an index is read as before, and never written. */
static void drops_stat_read_only(void **state)
{
	struct fixture *fx = *state;
	char *file = index_file(fx);
	struct ks_gitindex ix = KS_GITINDEX_INIT, again = KS_GITINDEX_INIT;
	const char *path = "records/workshop/d01/001/f0001.yaml";
	unsigned char id[20];
	struct stat before, after;
	size_t at, i;

	populate(fx, 5);
	assert_int_equal(ks_gitindex_read(&ix, file, 1), 0);
	assert_int_equal(ks_gitindex_read(&again, file, 1), 0);
	assert_int_equal(stat(file, &before), 0);
	ks_gitindex_drop_stat(&ix);
	assert_null(ix.stat);
	/* paths, ids and modes as they were */
	assert_int_equal(ix.n, again.n);
	for (i = 0; i < ix.n; i++) {
		assert_string_equal(ks_gitindex_path(&ix, &ix.v[i]),
				    ks_gitindex_path(&again, &again.v[i]));
		assert_memory_equal(ix.v[i].id, again.v[i].id, 20);
		assert_int_equal(ix.v[i].mode, again.v[i].mode);
	}
	assert_true(ks_gitindex_find(&ix, path, strlen(path), &at));
	memcpy(id, ix.v[at].id, 20);
	/* nothing changed, nothing written: the file stays the one read */
	assert_int_equal(ks_gitindex_put(&ix, path, 0100644, id, NULL), -1);
	assert_int_equal(ks_gitindex_put(&ix, "records/new.yaml", 0100644, id, NULL), -1);
	assert_int_equal(ix.n, again.n);
	assert_int_equal(ks_gitindex_write(&ix, file, 0), 1);
	assert_int_equal(stat(file, &after), 0);
	assert_true(ks_gitindex_same_file(&before, &after));
	ks_gitindex_release(&ix);
	ks_gitindex_release(&again);
	ks_free(file);
}

/* git's cache of the index's tree: HEAD's after a commit, none after an add. */
static void reads_git_tree_cache(void **state)
{
	struct fixture *fx = *state;
	char *file = index_file(fx);
	struct ks_gitindex ix = KS_GITINDEX_INIT;
	git_object *tree = NULL;

	populate(fx, 30);
	run(fx, "git read-tree HEAD");
	assert_int_equal(git_revparse_single(&tree, ks_repo_git(fx->r), "HEAD^{tree}"), 0);
	assert_int_equal(ks_gitindex_read(&ix, file, 1), 0);
	assert_true(ix.has_root);
	assert_memory_equal(ix.root, git_object_id(tree)->id, 20);
	ks_gitindex_release(&ix);
	/* an entry changed: git invalidates the root */
	put_file(fx, "records/workshop/d00/000/f0000.yaml", "id: other\n");
	run(fx, "git add records/workshop/d00/000/f0000.yaml");
	assert_int_equal(ks_gitindex_read(&ix, file, 1), 0);
	assert_false(ix.has_root);
	ks_gitindex_release(&ix);
	git_object_free(tree);
	ks_free(file);
}

/* ---- the listing, against libgit2's status ---- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "N path", "M path", "D path" lines, sorted, of libgit2's status. */
static void libgit2_listing(struct fixture *fx, struct ks_buf *out)
{
	git_status_options opts = GIT_STATUS_OPTIONS_INIT;
	git_status_list *list = NULL;
	char **lines;
	size_t i, n, k = 0;

	opts.show = GIT_STATUS_SHOW_WORKDIR_ONLY;
	opts.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED |
		     GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS |
		     GIT_STATUS_OPT_EXCLUDE_SUBMODULES;
	assert_int_equal(git_status_list_new(&list, ks_repo_git(fx->r), &opts), 0);
	n = git_status_list_entrycount(list);
	lines = calloc(n + 1, sizeof(*lines));
	for (i = 0; i < n; i++) {
		const git_status_entry *e = git_status_byindex(list, i);
		const git_diff_delta *dd = e->index_to_workdir;
		const char *path = dd->new_file.path ? dd->new_file.path
						     : dd->old_file.path;
		char c = e->status & GIT_STATUS_WT_NEW ? 'N'
			 : e->status & GIT_STATUS_WT_DELETED ? 'D' : 'M';
		struct ks_buf line = KS_BUF_INIT;

		if (!ks_is_survey_path(path))
			continue;
		ks_buf_addf(&line, "%c %s\n", c, path);
		lines[k++] = ks_buf_detach(&line, NULL);
	}
	qsort(lines, k, sizeof(*lines), cmp_str);
	ks_buf_reset(out);
	for (i = 0; i < k; i++) {
		ks_buf_puts(out, lines[i]);
		free(lines[i]);
	}
	free(lines);
	git_status_list_free(list);
}

static int add_found(void *payload, enum ks_wt_change what, const char *path)
{
	return ks_changes_add(payload, what == KS_WT_NEW        ? KS_CHANGE_NEW
				       : what == KS_WT_MODIFIED ? KS_CHANGE_MODIFIED
								: KS_CHANGE_DELETED,
			      path);
}

/* The same lines from ks_wtlist(): 0, or 1 when it left it to libgit2. */
static int own_listing(struct fixture *fx, struct ks_buf *out, int *refreshed)
{
	struct ks_changes c = { 0 };
	struct ks_wtlist_ask ask = { ks_is_survey_path, add_found, &c };
	struct ks_gitindex ix = KS_GITINDEX_INIT;
	char *file = index_file(fx);
	size_t i;
	int err;

	assert_int_equal(ks_gitindex_read(&ix, file, 1), 0);
	err = ks_wtlist(fx->r, &ix, &ask, 1, refreshed);
	assert_true(err == 0 || err == 1);
	/* in the order of the lines, as libgit2_listing() has them */
	{
		char **lines = calloc(c.n + 1, sizeof(*lines));

		for (i = 0; i < c.n; i++) {
			struct ks_buf line = KS_BUF_INIT;

			ks_buf_addf(&line, "%c %s\n", "NMD"[c.v[i].what], c.v[i].path);
			lines[i] = ks_buf_detach(&line, NULL);
		}
		qsort(lines, c.n, sizeof(*lines), cmp_str);
		ks_buf_reset(out);
		for (i = 0; i < c.n; i++) {
			ks_buf_puts(out, lines[i]);
			free(lines[i]);
		}
		free(lines);
	}
	ks_gitindex_release(&ix);
	ks_changes_release(&c);
	ks_free(file);
	return err;
}

/* A random change to the work tree of a survey of `n` populate()d files. */
static void random_change(struct fixture *fx, int i, unsigned n)
{
	struct ks_buf p = KS_BUF_INIT;
	char rel[128];
	struct stat st;
	FILE *f;
	unsigned k = rnd(n);
	char beside[128];

	/* one of populate()'s files, which may be gone by now */
	snprintf(rel, sizeof(rel), "records/workshop/d%02u/%03u/f%04u.yaml",
		 k % 3, k % 7, k);
	ks_buf_addf(&p, "%s%s", workdir(fx), rel);
	snprintf(beside, sizeof(beside), "records/workshop/d%02u/%03u/b%d.yaml",
		 k % 3, k % 7, i);
	switch (rnd(13)) {
	case 0:	/* same size, same time: only ctime and content differ */
		if (stat(p.ptr, &st) == 0 && (f = fopen(p.ptr, "r+"))) {
			struct timespec t[2] = { st.st_atim, st.st_mtim };

			fputc('Q', f);
			fclose(f);
			utimensat(AT_FDCWD, p.ptr, t, 0);
		}
		break;
	case 1:	/* another size */
		put_file(fx, rel, "id: changed\n");
		break;
	case 2:
		unlink(p.ptr);
		break;
	case 3:	/* touched: same content, new time */
		utimensat(AT_FDCWD, p.ptr, NULL, 0);
		break;
	case 4: {	/* new, perhaps in a new folder */
		char fresh[128];

		snprintf(fresh, sizeof(fresh), "records/workshop/n%u/%u/new%d.yaml",
			 rnd(3), rnd(2), i);
		put_file(fx, fresh, "id: new\n");
		break;
	}
	case 5:	/* ignored by git */
		put_file(fx, "records/workshop/d00/ignored.bak", "x\n");
		break;
	case 6:	/* a temporary file of khaosat's */
		put_file(fx, "records/workshop/d01/x.yaml.tmp-abc123", "x\n");
		break;
	case 7:	/* a new survey file at the top, and outside the survey */
		put_file(fx, rnd(2) ? "members.yaml.new" : "notes.txt", "x\n");
		put_file(fx, "conflicts/workshop/c.yaml", "x\n");
		break;
	case 8:	/* racily clean: the index has the file's stat, not its content */
		if (stat(p.ptr, &st) == 0 && (f = fopen(p.ptr, "r+"))) {
			struct ks_gitindex ix = KS_GITINDEX_INIT;
			struct timespec t[2];
			char *file = index_file(fx);
			size_t at;

			fputc('R', f);
			fclose(f);
			clock_gettime(CLOCK_REALTIME, &t[0]);
			t[0].tv_sec += 100;
			t[1] = t[0];
			utimensat(AT_FDCWD, p.ptr, t, 0);
			assert_int_equal(stat(p.ptr, &st), 0);
			assert_int_equal(ks_gitindex_read(&ix, file, 1), 0);
			if (ks_gitindex_find(&ix, rel, strlen(rel), &at)) {
				unsigned char old[20];

				memcpy(old, ix.v[at].id, 20);
				assert_int_equal(ks_gitindex_put(&ix, rel, 0100644, old,
								 &st), 0);
				assert_int_equal(ks_gitindex_write(&ix, file, 0), 0);
			}
			ks_gitindex_release(&ix);
			ks_free(file);
		}
		break;
	case 9:	/* new, beside the index's files */
		put_file(fx, beside, "id: beside\n");
		break;
	case 10: /* one gone and one new: as many files as entries */
		if (unlink(p.ptr) == 0)
			put_file(fx, beside, "id: instead\n");
		break;
	case 11: /* ignored (where there is a .gitignore), beside them */
		strcpy(beside + strlen(beside) - 4, "bak");
		put_file(fx, beside, "x\n");
		break;
	default: /* a file put back as it was */
		run(fx, "git checkout -q -- records 2>/dev/null || true");
		break;
	}
	ks_buf_release(&p);
}

static void lists_as_libgit2(void **state)
{
	struct fixture *fx = *state;
	struct ks_buf want = KS_BUF_INIT, got = KS_BUF_INIT;
	int round, step, own = 0, refreshes = 0;

	populate(fx, 60);
	put_file(fx, ".gitignore", "*.bak\n");
	run(fx, "git add .gitignore && git -c user.name=T -c user.email=t@e commit -qm ignore");
	for (round = 0; round < 60; round++) {
		int refreshed = 0;

		for (step = 0; step < 1 + (int)rnd(4); step++)
			random_change(fx, round * 10 + step, 60);
		libgit2_listing(fx, &want);
		if (own_listing(fx, &got, &refreshed) == 0) {
			own++;
			refreshes += refreshed;
			if (got.len != want.len || memcmp(got.ptr, want.ptr, got.len))
				fail_msg("round %d:\nlibgit2:\n%s\nkhaosat:\n%s", round,
					 want.ptr ? want.ptr : "", got.ptr ? got.ptr : "");
			/* a refreshed index reads the same in libgit2 */
			libgit2_listing(fx, &want);
			assert_int_equal(got.len, want.len);
		}
		if (rnd(4) == 0)
			run(fx, "git add -A && { git diff --cached --quiet || "
				"git -c user.name=T -c user.email=t@e commit -qm step; }");
	}
	/* nothing here needs libgit2's rules: every round listed here */
	assert_int_equal(own, 60);
	assert_true(refreshes > 0);
	ks_buf_release(&want);
	ks_buf_release(&got);
}

/* Enough entries that several threads look at them. */
static void lists_many_as_libgit2(void **state)
{
	struct fixture *fx = *state;
	struct ks_buf want = KS_BUF_INIT, got = KS_BUF_INIT;
	int round, step, refreshed;

	populate(fx, 10000);
	for (round = 0; round < 4; round++) {
		for (step = 0; step < 20; step++)
			random_change(fx, round * 100 + step, 10000);
		libgit2_listing(fx, &want);
		assert_int_equal(own_listing(fx, &got, &refreshed), 0);
		if (got.len != want.len || memcmp(got.ptr, want.ptr, got.len))
			fail_msg("round %d:\nlibgit2:\n%s\nkhaosat:\n%s", round,
				 want.ptr ? want.ptr : "", got.ptr ? got.ptr : "");
	}
	ks_buf_release(&want);
	ks_buf_release(&got);
}

/*
 * New files where a rule may ignore them, whichever of git's places holds
 * the rule, and where none may: listed as libgit2 lists them.
 */
static void ignores_as_libgit2(void **state)
{
	static const char *const set[] = {
		"",
		"printf '# only a comment\\n\\n   \\n' >.git/info/exclude",
		"printf '*.bak\\n' >.git/info/exclude",
		"printf '  # not a comment: a pattern\\n' >.git/info/exclude && "
		"touch 'records/workshop/d01/001/  # not a comment: a pattern'",
		"printf '*.bak\\n' >records/workshop/d01/.gitignore",
		"printf '*.bak\\n' >records/workshop/d01/001/.gitignore",
		"printf '*.bak\\n' >.gitignore",
		"printf '*.bak\\n' >../excludes && "
		"git config core.excludesFile \"$PWD/../excludes\"",
		"mkdir -p home/.config/git && printf '*.bak\\n' >home/.config/git/ignore",
	};
	static const char *const unset[] = {
		"",
		"rm .git/info/exclude",
		"rm .git/info/exclude",
		"rm .git/info/exclude 'records/workshop/d01/001/  # not a comment: a pattern'",
		"rm records/workshop/d01/.gitignore",
		"rm records/workshop/d01/001/.gitignore",
		"rm .gitignore",
		"git config --unset core.excludesFile && rm ../excludes",
		"rm -r home",
	};
	struct fixture *fx = *state;
	struct ks_buf want = KS_BUF_INIT, got = KS_BUF_INIT, xdg = KS_BUF_INIT;
	struct ks_buf top = KS_BUF_INIT;
	size_t i;
	int refreshed;

	populate(fx, 40);
	/* libgit2's own user folders: the fixture's, for the last case */
	ks_buf_addf(&xdg, "%shome/.config/git", workdir(fx));
	assert_int_equal(git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH,
					  GIT_CONFIG_LEVEL_XDG, xdg.ptr), 0);
	put_file(fx, "records/workshop/d01/001/new.bak", "x\n");
	put_file(fx, "records/workshop/d01/001/new.yaml", "id: new\n");
	put_file(fx, "records/workshop/d02/002/other.bak", "x\n");
	for (i = 0; i < sizeof(set) / sizeof(*set); i++) {
		struct ks_diags d = KS_DIAGS_INIT;

		if (*set[i])
			run(fx, set[i]);
		/* libgit2 finds the ignore files once, when it opens a survey */
		ks_buf_reset(&top);
		ks_buf_puts(&top, workdir(fx));
		ks_repo_free(fx->r);
		assert_int_equal(ks_repo_open(&fx->r, top.ptr, &d), 0);
		ks_diags_release(&d);
		libgit2_listing(fx, &want);
		assert_int_equal(own_listing(fx, &got, &refreshed), 0);
		if (got.len != want.len || memcmp(got.ptr, want.ptr, got.len))
			fail_msg("%s:\nlibgit2:\n%s\nkhaosat:\n%s", set[i],
				 want.ptr ? want.ptr : "", got.ptr ? got.ptr : "");
		/* ignored by each rule but the comment and the odd pattern */
		if ((strstr(got.ptr, "new.bak") != NULL) != (i < 2 || i == 3))
			fail_msg("%s: new.bak %s", set[i], got.ptr);
		if (*unset[i])
			run(fx, unset[i]);
	}
	assert_int_equal(git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH,
					  GIT_CONFIG_LEVEL_XDG, NULL), 0);
	ks_buf_release(&xdg);
	ks_buf_release(&top);
	ks_buf_release(&want);
	ks_buf_release(&got);
}

/*
 * A file git's filters change on its way in (CRLF to LF), committed, then
 * touched: the same content, so unchanged, whichever setting or
 * attributes file asks for the filter.  Hashed without its filter, it
 * would be listed as changed.
 */
static void filters_as_libgit2(void **state)
{
	static const char *const set[] = {
		"git config core.autocrlf true",
		"git config core.autocrlf input",
		"printf '*.yaml text\\n' >records/.gitattributes",
		"printf '*.yaml text\\n' >records/workshop/d01/.gitattributes",
		"printf '*.yaml text\\n' >.gitattributes",
		"printf '*.yaml text\\n' >.git/info/attributes",
		/* in the index only: libgit2 reads it from there */
		"printf '*.yaml text\\n' >.gitattributes && git add .gitattributes && "
		"git -c user.name=T -c user.email=t@e commit -qm a && rm .gitattributes",
	};
	static const char *const unset[] = {
		"git config --unset core.autocrlf",
		"git config --unset core.autocrlf",
		"rm records/.gitattributes",
		"rm records/workshop/d01/.gitattributes",
		"rm .gitattributes",
		"rm .git/info/attributes",
		"git rm -q --cached .gitattributes && "
		"git -c user.name=T -c user.email=t@e commit -qm b",
	};
	struct fixture *fx = *state;
	struct ks_buf want = KS_BUF_INIT, got = KS_BUF_INIT, p = KS_BUF_INIT;
	const char *rel = "records/workshop/d01/001/crlf.yaml";
	struct timeval tv[2];
	size_t i;
	int refreshed;

	populate(fx, 10);
	ks_buf_addf(&p, "%s%s", workdir(fx), rel);
	for (i = 0; i < sizeof(set) / sizeof(*set); i++) {
		run(fx, set[i]);
		put_file(fx, rel, "id: crlf\r\nname: N\r\n");
		run(fx, "git add records && git -c user.name=T -c user.email=t@e commit -qm crlf");
		/* the same bytes, a later time: read and hashed again */
		gettimeofday(&tv[0], NULL);
		tv[0].tv_sec += 5;
		tv[1] = tv[0];
		assert_int_equal(utimes(p.ptr, tv), 0);
		libgit2_listing(fx, &want);
		assert_int_equal(own_listing(fx, &got, &refreshed), 0);
		if (got.len != want.len || memcmp(got.ptr, want.ptr, got.len) ||
		    (got.ptr && strstr(got.ptr, rel)))
			fail_msg("%s:\nlibgit2:\n%s\nkhaosat:\n%s", set[i],
				 want.ptr ? want.ptr : "", got.ptr ? got.ptr : "");
		run(fx, "git rm -q records/workshop/d01/001/crlf.yaml && "
			"git -c user.name=T -c user.email=t@e commit -qm gone");
		run(fx, unset[i]);
	}
	/* no filter: the same file, touched, is hashed plain and changed */
	put_file(fx, rel, "id: crlf\r\nname: N\r\n");
	run(fx, "git add records && git -c user.name=T -c user.email=t@e commit -qm crlf");
	put_file(fx, rel, "id: CRLF\r\nname: N\r\n");
	assert_int_equal(utimes(p.ptr, tv), 0);
	libgit2_listing(fx, &want);
	assert_int_equal(own_listing(fx, &got, &refreshed), 0);
	assert_non_null(got.ptr);
	assert_string_equal(got.ptr, want.ptr);
	assert_non_null(strstr(got.ptr, rel));
	ks_buf_release(&want);
	ks_buf_release(&got);
	ks_buf_release(&p);
}

/* What only libgit2 knows is left to it. */
static void leaves_to_libgit2(void **state)
{
	struct fixture *fx = *state;
	struct ks_buf got = KS_BUF_INIT, p = KS_BUF_INIT;
	int refreshed;

	populate(fx, 10);
	assert_int_equal(own_listing(fx, &got, &refreshed), 0);
	/* a link where a record was */
	ks_buf_addf(&p, "%srecords/workshop/d00/000/f0000.yaml", workdir(fx));
	unlink(p.ptr);
	assert_int_equal(symlink("/etc/passwd", p.ptr), 0);
	assert_int_equal(own_listing(fx, &got, &refreshed), 1);
	unlink(p.ptr);
	run(fx, "git checkout -q -- records");
	/* an executable bit */
	assert_int_equal(chmod(p.ptr, 0755), 0);
	assert_int_equal(own_listing(fx, &got, &refreshed), 1);
	assert_int_equal(chmod(p.ptr, 0644), 0);
	/* a new link */
	ks_buf_reset(&p);
	ks_buf_addf(&p, "%srecords/workshop/link.yaml", workdir(fx));
	assert_int_equal(symlink("/etc/passwd", p.ptr), 0);
	assert_int_equal(own_listing(fx, &got, &refreshed), 1);
	unlink(p.ptr);
	/* a conflict in the index */
	run(fx, "h=$(git hash-object -w README) && "
		"printf '100644 %s 1\\trecords/c.yaml\\n' $h | git update-index --index-info");
	assert_int_equal(own_listing(fx, &got, &refreshed), 1);
	run(fx, "git rm -q --cached records/c.yaml");
	/* core.filemode off */
	run(fx, "git config core.filemode false");
	assert_int_equal(own_listing(fx, &got, &refreshed), 1);
	run(fx, "git config core.filemode true");
	assert_int_equal(own_listing(fx, &got, &refreshed), 0);
	ks_buf_release(&got);
	ks_buf_release(&p);
}

static int run_all(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(reads_every_version, setup, teardown),
		cmocka_unit_test_setup_teardown(reads_a_large_index, setup, teardown),
		cmocka_unit_test_setup_teardown(written_reads_back, setup, teardown),
		cmocka_unit_test_setup_teardown(refuses_damage, setup, teardown),
		cmocka_unit_test_setup_teardown(gives_up_to_git, setup, teardown),
		cmocka_unit_test_setup_teardown(smudges_racy_entries, setup, teardown),
		cmocka_unit_test_setup_teardown(drops_stat_read_only, setup, teardown),
		cmocka_unit_test_setup_teardown(reads_git_tree_cache, setup, teardown),
		cmocka_unit_test_setup_teardown(lists_as_libgit2, setup, teardown),
		cmocka_unit_test_setup_teardown(lists_many_as_libgit2, setup, teardown),
		cmocka_unit_test_setup_teardown(filters_as_libgit2, setup, teardown),
		cmocka_unit_test_setup_teardown(ignores_as_libgit2, setup, teardown),
		cmocka_unit_test_setup_teardown(leaves_to_libgit2, setup, teardown),
	};

	KS_RUN_TESTS(tests);
}

int main(void)
{
	int rc;

	git_libgit2_init();
	rc = run_all();
	git_libgit2_shutdown();
	return rc;
}
