/*
 * Unit tests for core/bundlecache.h: an entry is found only for the very
 * name and stamp it was made with; what is saved reads back; and a cache
 * file that is damaged in any way (cut short, a field changed into
 * another spelling, a line too many) is dropped whole, never read in part.
 */
#include "unit.h"

#include "alloc.h"
#include "buf.h"
#include "bundlecache.h"
#include "diag.h"

#include <ftw.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>

#define MAGIC "khaosat-bundle-cache 1\n"
#define HEX40 "00112233445566778899aabbccddeeff00112233"

struct fixture {
	struct ks_buf dir, file;
	git_repository *repo;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	ks_buf_init(&f->dir);
	ks_buf_init(&f->file);
	ks_buf_puts(&f->dir, "/tmp/ks-unit-bundlecache-XXXXXX");
	if (!mkdtemp(f->dir.ptr) ||
	    git_repository_init(&f->repo, f->dir.ptr, 1) < 0)
		return -1;
	ks_buf_addf(&f->file, "%s%s", git_repository_path(f->repo),
		    KS_BUNDLE_CACHE_FILE);
	*state = f;
	return 0;
}

static int rm_one(const char *path, const struct stat *sb, int type,
		  struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	return remove(path);
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	git_repository_free(f->repo);
	nftw(f->dir.ptr, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	ks_buf_release(&f->dir);
	ks_buf_release(&f->file);
	free(f);
	return 0;
}

static struct ks_bundle_stamp stamp_of(uint64_t size, int64_t sec, long nsec,
				       unsigned char first)
{
	struct ks_bundle_stamp st;
	size_t i;

	memset(&st, 0, sizeof(st));
	st.size = size;
	st.mtime_sec = sec;
	st.mtime_nsec = nsec;
	for (i = 0; i < sizeof(st.trailer); i++)
		st.trailer[i] = (unsigned char)(first + 0x11 * (i % 16));
	return st;
}

static void write_cache(struct fixture *f, const char *text)
{
	FILE *fp;

	mkdir(f->dir.ptr, 0777);
	{
		struct ks_buf d = KS_BUF_INIT;

		ks_buf_addf(&d, "%skhaosat", git_repository_path(f->repo));
		mkdir(d.ptr, 0777);
		ks_buf_release(&d);
	}
	fp = fopen(f->file.ptr, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(text, 1, strlen(text), fp), strlen(text));
	assert_int_equal(fclose(fp), 0);
}

static size_t loaded(struct fixture *f)
{
	struct ks_bundle_cache c = KS_BUNDLE_CACHE_INIT;
	size_t n;

	assert_int_equal(ks_bundle_cache_load(&c, f->repo), 0);
	n = c.n;
	ks_bundle_cache_release(&c);
	return n;
}

static void test_round_trip(void **state)
{
	struct fixture *f = *state;
	struct ks_bundle_cache c = KS_BUNDLE_CACHE_INIT;
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_bundle_stamp a = stamp_of(42471, 1700000000, 123, 0x00),
			       b = stamp_of(203, 1700000001, 999999999, 0x07),
			       other;
	struct ks_buf text = KS_BUF_INIT;

	/* None yet: empty, and nothing to write until something is entered. */
	assert_int_equal(ks_bundle_cache_load(&c, f->repo), 0);
	assert_int_equal(c.n, 0);
	assert_int_equal(ks_bundle_cache_has(&c, "md01.bundle", &a), 0);
	assert_int_equal(ks_bundle_cache_add(&c, "md01.bundle", &a), 0);
	assert_int_equal(ks_bundle_cache_add(&c, "md02.bundle", &b), 0);
	assert_int_equal(ks_bundle_cache_add(&c, "md01.bundle", &a), 0);
	assert_int_equal(c.n, 2);
	assert_int_equal(ks_bundle_cache_save(&c, &d), 0);
	ks_bundle_cache_release(&c);
	assert_int_equal(ks_buf_read_file(&text, f->file.ptr, 1 << 16), 0);
	assert_string_equal(text.ptr, MAGIC
			    "md01.bundle 42471 1700000000.000000123 " HEX40 "\n"
			    "md02.bundle 203 1700000001.999999999 "
			    "0718293a4b5c6d7e8fa0b1c2d3e4f5060718293a\n");

	assert_int_equal(ks_bundle_cache_load(&c, f->repo), 0);
	assert_int_equal(c.n, 2);
	assert_int_equal(ks_bundle_cache_has(&c, "md01.bundle", &a), 1);
	assert_int_equal(ks_bundle_cache_has(&c, "md02.bundle", &b), 1);
	/* Another name, or any part of the stamp changed: not found. */
	assert_int_equal(ks_bundle_cache_has(&c, "md02.bundle", &a), 0);
	other = a;
	other.size++;
	assert_int_equal(ks_bundle_cache_has(&c, "md01.bundle", &other), 0);
	other = a;
	other.mtime_sec++;
	assert_int_equal(ks_bundle_cache_has(&c, "md01.bundle", &other), 0);
	other = a;
	other.mtime_nsec++;
	assert_int_equal(ks_bundle_cache_has(&c, "md01.bundle", &other), 0);
	other = a;
	other.trailer[19] ^= 1;
	assert_int_equal(ks_bundle_cache_has(&c, "md01.bundle", &other), 0);
	/* A file that changed while it was read (size 0) is never entered. */
	memset(&other, 0, sizeof(other));
	assert_int_equal(ks_bundle_cache_add(&c, "md03.bundle", &other), 0);
	assert_int_equal(ks_bundle_cache_add(&c, "bad name.bundle", &a), 0);
	assert_int_equal(c.n, 2);
	ks_bundle_cache_release(&c);
	ks_buf_release(&text);
	ks_diags_release(&d);
}

static void test_damaged(void **state)
{
	static const char *const bad[] = {
		"",
		"garbage\n",
		"khaosat-bundle-cache 2\n",
		MAGIC "md01.bundle 12",
		MAGIC "md01.bundle 42471 1700000000.000000123 " HEX40,
		MAGIC "md01.bundle 42471 1700000000.000000123 " HEX40 " x\n",
		MAGIC "md01.bundle  42471 1700000000.000000123 " HEX40 "\n",
		MAGIC "md01.bundle 042471 1700000000.000000123 " HEX40 "\n",
		MAGIC "md01.bundle +42471 1700000000.000000123 " HEX40 "\n",
		MAGIC "md01.bundle 42471 1700000000.00000012 " HEX40 "\n",
		MAGIC "md01.bundle 42471 1700000000.1000000000 " HEX40 "\n",
		MAGIC "md01.bundle 42471 -1.000000000 " HEX40 "\n",
		MAGIC "md01.bundle 0 1700000000.000000123 " HEX40 "\n",
		MAGIC "md01.bundle 42471 1700000000.000000123 "
		      "00112233445566778899AABBCCDDEEFF00112233\n",
		MAGIC "md01.bundle 42471 1700000000.000000123 "
		      "00112233445566778899aabbccddeeff0011223\n",
		MAGIC "md01.bundle 42471 1700000000.000000123\n",
		/* A good line does not make a bad one acceptable. */
		MAGIC "md01.bundle 42471 1700000000.000000123 " HEX40 "\n"
		      "md02.bundle 42471 1700000000.000000123 " HEX40 "\r\n",
		MAGIC "md01.bundle 42471 1700000000.000000123 " HEX40 "\n\n",
		NULL,
	};
	struct fixture *f = *state;
	size_t i;

	write_cache(f, MAGIC "md01.bundle 42471 1700000000.000000123 " HEX40 "\n");
	assert_int_equal(loaded(f), 1);
	for (i = 0; bad[i]; i++) {
		write_cache(f, bad[i]);
		if (loaded(f))
			print_message("should be dropped: \"%s\"\n", bad[i]);
		assert_int_equal(loaded(f), 0);
	}
}

static void test_kept_entries(void **state)
{
	struct fixture *f = *state;
	struct ks_bundle_cache c = KS_BUNDLE_CACHE_INIT;
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_bundle_stamp st;
	char name[32];
	size_t i;

	/* More than the cache keeps: the last ones met stay. */
	assert_int_equal(ks_bundle_cache_load(&c, f->repo), 0);
	for (i = 0; i < KS_BUNDLE_CACHE_MAX + 10; i++) {
		snprintf(name, sizeof(name), "d%zu.bundle", i);
		st = stamp_of(1000 + i, 1700000000, 0, 0);
		assert_int_equal(ks_bundle_cache_add(&c, name, &st), 0);
	}
	assert_int_equal(ks_bundle_cache_save(&c, &d), 0);
	ks_bundle_cache_release(&c);
	assert_int_equal(loaded(f), KS_BUNDLE_CACHE_MAX);

	/* A second run meets the last entry only: it is kept first. */
	assert_int_equal(ks_bundle_cache_load(&c, f->repo), 0);
	st = stamp_of(1000 + KS_BUNDLE_CACHE_MAX - 1, 1700000000, 0, 0);
	snprintf(name, sizeof(name), "d%d.bundle", KS_BUNDLE_CACHE_MAX - 1);
	assert_int_equal(ks_bundle_cache_has(&c, name, &st), 1);
	st = stamp_of(5, 1700000000, 0, 0);
	assert_int_equal(ks_bundle_cache_add(&c, "new.bundle", &st), 0);
	assert_int_equal(ks_bundle_cache_save(&c, &d), 0);
	ks_bundle_cache_release(&c);
	assert_int_equal(ks_bundle_cache_load(&c, f->repo), 0);
	assert_int_equal(c.n, KS_BUNDLE_CACHE_MAX);
	assert_string_equal(c.v[0].name, name);
	assert_string_equal(c.v[1].name, "new.bundle");
	ks_bundle_cache_release(&c);
	ks_diags_release(&d);
}

static int run(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_damaged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kept_entries, setup, teardown),
	};

	KS_RUN_TESTS(tests);
}

int main(void)
{
	int rc;

	git_libgit2_init();
	rc = run();
	git_libgit2_shutdown();
	return rc;
}
