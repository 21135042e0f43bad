/*
 * Unit tests for core/statcursor.h: a file's stat data through its
 * folder, opened once for a run of files, is what fstatat() from the top
 * gives, errno included: across folders, back to one already left, at
 * the top itself, through a folder that is a link, for a file gone, a
 * folder gone, and a name whose folder is a file.
 */
#include "unit.h"

#include "statcursor.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64];
static int top = -1;

static void make(const char *rel, int folder)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	if (folder) {
		assert_int_equal(mkdir(p, 0777), 0);
	} else {
		FILE *f = fopen(p, "w");

		assert_non_null(f);
		fprintf(f, "%s\n", rel);
		assert_int_equal(fclose(f), 0);
	}
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/ks-unit-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	make("a", 1);
	make("a/b", 1);
	make("a/b/one", 0);
	make("a/b/two", 0);
	make("a/c", 1);
	make("a/c/three", 0);
	make("top", 0);
	{
		char p[256];

		snprintf(p, sizeof(p), "%s/link", dir);
		if (symlink("a/b", p))
			return -1;
	}
	top = open(dir, O_RDONLY | O_DIRECTORY);
	return top < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	close(top);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) ? -1 : 0;
}

/* ks_stat_at() and fstatat() agree on `path`: result, errno, data. */
static void agree(struct ks_stat_cursor *c, const char *path)
{
	struct stat a, b;
	int ra, rb, ea, eb;

	errno = 0;
	ra = ks_stat_at(c, path, &a);
	ea = errno;
	errno = 0;
	rb = fstatat(top, path, &b, AT_SYMLINK_NOFOLLOW);
	eb = errno;
	assert_int_equal(ra, rb);
	if (rb < 0) {
		assert_int_equal(ea, eb);
		return;
	}
	assert_int_equal(a.st_ino, b.st_ino);
	assert_int_equal(a.st_mode, b.st_mode);
	assert_int_equal(a.st_size, b.st_size);
}

static void test_agrees(void **state)
{
	static const char *const paths[] = {
		"a/b/one", "a/b/two", "a/c/three", "a/b/one", "top", "a/b",
		"link/one", "link", "a/b/gone", "a/gone/one", "top/one",
		"a/c/three", "a/c/three/x", "",
	};
	struct ks_stat_cursor c;
	size_t i;

	(void)state;
	ks_stat_cursor_init(&c, top);
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		agree(&c, paths[i]);
	ks_stat_cursor_release(&c);
	/* released, it starts again */
	agree(&c, "a/b/two");
	ks_stat_cursor_release(&c);
}

/* A file removed while the cursor is in its folder. */
static void test_file_removed(void **state)
{
	struct ks_stat_cursor c;
	struct stat st;
	char p[256];

	(void)state;
	ks_stat_cursor_init(&c, top);
	agree(&c, "a/c/three");
	snprintf(p, sizeof(p), "%s/a/c/three", dir);
	assert_int_equal(unlink(p), 0);
	assert_int_equal(ks_stat_at(&c, "a/c/three", &st), -1);
	assert_int_equal(errno, ENOENT);
	ks_stat_cursor_release(&c);
	make("a/c/three", 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_agrees),
		cmocka_unit_test(test_file_removed),
	};
	int failed = cmocka_run_group_tests(tests, setup, teardown);
	int total = (int)(sizeof(tests) / sizeof(tests[0]));

	printf("%d passed, %d failed\n", total - failed, failed);
	return failed ? 1 : 0;
}
