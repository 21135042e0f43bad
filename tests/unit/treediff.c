/*
 * Unit tests for core/treediff.h, with libgit2's own tree diff as the
 * witness: for random pairs of trees (files changed, deleted and added,
 * modes and kinds of file changed, files that become folders and folders
 * that become files, names that sort around a folder's '/'), and for
 * paths kept by `only`, the side-by-side walk gives the very deltas
 * git_diff_tree_to_tree() gives, in its order.
 */
#include "unit.h"

#include "alloc.h"
#include "buf.h"
#include "treediff.h"

#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static git_repository *repo;
static char dir[64];

static int setup(void **state)
{
	(void)state;
	git_libgit2_init();
	strcpy(dir, "/tmp/ks-treediff-XXXXXX");
	if (!mkdtemp(dir) || git_repository_init(&repo, dir, 1) < 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	git_repository_free(repo);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return -1;
	git_libgit2_shutdown();
	return 0;
}

/* Names that sort on both sides of a folder's '/'. */
static const char *const names[] = { "a", "a.b", "a-b", "a0", "b", "c" };
#define NNAMES (sizeof(names) / sizeof(names[0]))

static unsigned long seed = 12345;

static unsigned rnd(unsigned n)
{
	seed = seed * 6364136223846793005ul + 1442695040888963407ul;
	return (unsigned)((seed >> 33) % n);
}

/* A random path of one to three names. */
static void random_path(char *out, size_t size)
{
	unsigned depth = 1 + rnd(3), i;

	out[0] = '\0';
	for (i = 0; i < depth; i++) {
		if (i)
			strncat(out, "/", size - strlen(out) - 1);
		strncat(out, names[rnd(NNAMES)], size - strlen(out) - 1);
	}
}

struct file {
	char path[32];
	unsigned mode;
	int content;
};

/* 1 when `a` is `b`, or a folder of it, or `b` a folder of `a`. */
static int clash(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), n = la < lb ? la : lb;

	return !strncmp(a, b, n) && (la == lb || (la < lb ? b[la] : a[lb]) == '/');
}

static int has_clash(const struct file *f, size_t n, const char *path)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (clash(f[i].path, path))
			return 1;
	return 0;
}

static unsigned random_mode(void)
{
	static const unsigned modes[] = { 0100644, 0100644, 0100644, 0100755, 0120000 };

	return modes[rnd(5)];
}

static void tree_of(git_oid *out, const struct file *f, size_t n)
{
	git_index *index;
	size_t i;

	assert_int_equal(git_index_new(&index), 0);
	for (i = 0; i < n; i++) {
		git_index_entry e;
		char text[32];

		snprintf(text, sizeof(text), "content %d\n", f[i].content);
		memset(&e, 0, sizeof(e));
		e.path = f[i].path;
		e.mode = f[i].mode;
		assert_int_equal(git_blob_create_from_buffer(&e.id, repo, text,
							     strlen(text)), 0);
		assert_int_equal(git_index_add(index, &e), 0);
	}
	assert_int_equal(git_index_write_tree_to(out, index, repo), 0);
	git_index_free(index);
}

/* Each delta as one line of text, the same for both walks. */
static int note(const git_diff_delta *dd, float progress, void *payload)
{
	struct ks_buf *b = payload;
	char o[GIT_OID_HEXSZ + 1], n[GIT_OID_HEXSZ + 1];

	(void)progress;
	git_oid_tostr(o, sizeof(o), &dd->old_file.id);
	git_oid_tostr(n, sizeof(n), &dd->new_file.id);
	ks_buf_addf(b, "%d %s %s %o %o %s %s\n", (int)dd->status,
		    dd->old_file.path, dd->new_file.path, dd->old_file.mode,
		    dd->new_file.mode, o, n);
	return 0;
}

static void compare(git_tree *a, git_tree *b, const char *only)
{
	git_diff_options opts = GIT_DIFF_OPTIONS_INIT;
	struct ks_buf mine = KS_BUF_INIT, theirs = KS_BUF_INIT;
	char *spec[1] = { (char *)only };
	git_diff *diff = NULL;

	opts.flags = GIT_DIFF_SKIP_BINARY_CHECK;
	if (only) {
		opts.pathspec.strings = spec;
		opts.pathspec.count = 1;
		opts.flags |= GIT_DIFF_DISABLE_PATHSPEC_MATCH;
	}
	assert_int_equal(git_diff_tree_to_tree(&diff, repo, a, b, &opts), 0);
	assert_int_equal(git_diff_foreach(diff, note, NULL, NULL, NULL, &theirs), 0);
	assert_int_equal(ks_tree_diff(repo, a, b, only, note, &mine), 0);
	assert_false(ks_buf_failed(&mine));
	if (strcmp(mine.ptr, theirs.ptr))
		fprintf(stderr, "only %s\nmine:\n%stheirs:\n%s", only ? only : "-",
			mine.ptr, theirs.ptr);
	assert_string_equal(mine.ptr, theirs.ptr);
	git_diff_free(diff);
	ks_buf_release(&mine);
	ks_buf_release(&theirs);
}

static void test_as_libgit2_says(void **state)
{
	static const char *const onlies[] = { NULL, "a/", "a", "a.b", "a/b/", "c/a" };
	int round;

	(void)state;
	for (round = 0; round < 300; round++) {
		struct file fa[24], fb[48];
		size_t na = 0, nb = 0, i, k;
		git_oid ta, tb;
		git_tree *a = NULL, *b = NULL;

		for (i = 0; i < 24; i++) {
			struct file f;

			random_path(f.path, sizeof(f.path));
			f.mode = random_mode();
			f.content = (int)rnd(3);
			if (!has_clash(fa, na, f.path))
				fa[na++] = f;
		}
		/* the second tree: each file kept, changed or dropped */
		for (i = 0; i < na; i++) {
			unsigned what = rnd(6);
			struct file f = fa[i];

			if (what == 0)
				continue;
			if (what == 1)
				f.content += 1;
			if (what == 2)
				f.mode = random_mode();
			fb[nb++] = f;
		}
		/* and new ones, where they fit: a file may become a folder */
		for (i = 0; i < 8; i++) {
			struct file f;

			random_path(f.path, sizeof(f.path));
			f.mode = random_mode();
			f.content = (int)rnd(3);
			if (rnd(2) && has_clash(fb, nb, f.path)) {
				/* what was there goes, the new one takes its place */
				for (k = 0; k < nb; k++)
					if (clash(fb[k].path, f.path))
						fb[k--] = fb[--nb];
			}
			if (!has_clash(fb, nb, f.path))
				fb[nb++] = f;
		}
		tree_of(&ta, fa, na);
		tree_of(&tb, fb, nb);
		assert_int_equal(git_tree_lookup(&a, repo, &ta), 0);
		assert_int_equal(git_tree_lookup(&b, repo, &tb), 0);
		for (k = 0; k < sizeof(onlies) / sizeof(onlies[0]); k++) {
			compare(a, b, onlies[k]);
			compare(b, a, onlies[k]);
		}
		compare(NULL, b, NULL);
		compare(a, NULL, NULL);
		compare(a, a, NULL);
		git_tree_free(a);
		git_tree_free(b);
	}
}

static int stop_at_second(const git_diff_delta *dd, float progress, void *payload)
{
	int *seen = payload;

	(void)dd;
	(void)progress;
	return ++*seen == 2 ? 42 : 0;
}

static void test_callback_stops_the_walk(void **state)
{
	struct file f[3] = { { "a", 0100644, 1 }, { "b/c", 0100644, 1 },
			     { "d", 0100644, 1 } };
	git_oid t;
	git_tree *tree = NULL;
	int seen = 0;

	(void)state;
	tree_of(&t, f, 3);
	assert_int_equal(git_tree_lookup(&tree, repo, &t), 0);
	assert_int_equal(ks_tree_diff(repo, NULL, tree, NULL, stop_at_second, &seen), 42);
	assert_int_equal(seen, 2);
	git_tree_free(tree);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_as_libgit2_says, setup, teardown),
		cmocka_unit_test_setup_teardown(test_callback_stops_the_walk, setup, teardown),
	};

	KS_RUN_TESTS(tests);
}
