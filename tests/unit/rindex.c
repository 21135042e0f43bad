/*
 * Unit tests for the reading index (core/rindex.h): a refresh reads only
 * the files whose stat data changed, and again a file changed within the
 * second the refresh began; a file's entry follows it through changes and
 * removal; thousands of files in many folders, their stat data read by
 * several threads, are each indexed once, a link among them named and
 * never read; loads page and filter as the records page asks; out of
 * memory at any allocation leaves an index the next refresh completes.
 */
#include "unit.h"
#include "survey.h"

#include "alloc.h"
#include "buf.h"
#include "diag.h"
#include "dupes.h"
#include "file.h"
#include "init.h"
#include "paths.h"
#include "repo.h"
#include "rindex.h"

#include <fcntl.h>
#include <git2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Writes workshop md01-N named `name`, with legal type `legal`. */
static void put(struct fixture *fx, unsigned n, const char *name,
		const char *legal)
{
	struct ks_buf rel = KS_BUF_INIT, text = KS_BUF_INIT;
	struct ks_diags d = KS_DIAGS_INIT;
	char *abs;

	ks_buf_addf(&rel, "records/workshop/md01/000/md01-%04u.yaml", n);
	ks_buf_addf(&text, "id: md01-%04u\nname: %s\nlegal_type: %s\n", n, name,
		    legal);
	abs = ks_repo_path(fx->r, rel.ptr);
	assert_int_equal(ks_file_put_text(abs, &text, 0, &d), 0);
	ks_free(abs);
	ks_buf_release(&rel);
	ks_buf_release(&text);
}

/* Sets a record file's times `ago` seconds back, as if written then. */
static void age(struct fixture *fx, unsigned n, int ago)
{
	struct ks_buf rel = KS_BUF_INIT;
	struct timespec t[2];
	char *abs;

	ks_buf_addf(&rel, "records/workshop/md01/000/md01-%04u.yaml", n);
	abs = ks_repo_path(fx->r, rel.ptr);
	clock_gettime(CLOCK_REALTIME, &t[0]);
	t[0].tv_sec -= ago;
	t[1] = t[0];
	assert_int_equal(utimensat(AT_FDCWD, abs, t, 0), 0);
	ks_free(abs);
	ks_buf_release(&rel);
}

static size_t refresh(struct ks_rindex *x)
{
	struct ks_diags d = KS_DIAGS_INIT;
	size_t read = 0;

	assert_int_equal(ks_rindex_refresh(x, &read, &d), 0);
	ks_diags_release(&d);
	return read;
}

static void test_reads_only_what_changed(void **state)
{
	struct fixture *fx = *state;
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_rindex *x = NULL;
	struct ks_dupe_index ix = { 0 };
	size_t total;
	unsigned i;

	for (i = 1; i <= 5; i++) {
		put(fx, i, "Hộ Đúc", "ho_kinh_doanh");
		age(fx, i, 10);
	}
	assert_int_equal(ks_rindex_open(&x, fx->r, &d), 0);
	assert_int_equal(refresh(x), 5);
	assert_int_equal(refresh(x), 0);
	/* a change that keeps the size is seen by its times */
	put(fx, 3, "Hộ Đục", "ho_kinh_doanh");
	age(fx, 3, 5);
	assert_int_equal(refresh(x), 1);
	assert_int_equal(refresh(x), 0);
	/* one changed in the refresh's own second is read again next time */
	put(fx, 4, "Hộ Gốm", "hop_tac_xa");
	assert_int_equal(refresh(x), 1);
	assert_int_equal(refresh(x), 1);
	age(fx, 4, 5);
	assert_int_equal(refresh(x), 1);
	assert_int_equal(refresh(x), 0);
	/* what the index gives follows the files */
	assert_int_equal(ks_rindex_load(x, &ix, &total, NULL, NULL, 0, NULL, 0, 0, &d), 0);
	assert_int_equal(total, 5);
	assert_string_equal(ix.v[3].id, "md01-0004");
	assert_string_equal(ix.v[3].name, "Hộ Gốm");
	assert_string_equal(ix.v[2].name, "Hộ Đục");
	ks_dupe_index_release(&ix);
	{
		char *abs = ks_repo_path(fx->r,
			"records/workshop/md01/000/md01-0002.yaml");

		assert_int_equal(unlink(abs), 0);
		ks_free(abs);
	}
	assert_int_equal(refresh(x), 0);
	assert_int_equal(ks_rindex_load(x, &ix, &total, "workshop", NULL, 0,
					NULL, 1, 2, &d), 0);
	assert_int_equal(total, 4);
	assert_int_equal(ix.n, 2);
	assert_string_equal(ix.v[0].id, "md01-0003");
	assert_string_equal(ix.v[1].id, "md01-0004");
	ks_dupe_index_release(&ix);
	ks_rindex_close(x);
	ks_diags_release(&d);
}

/* Writes records/workshop/md01/<n / 100>/md01-<n>.yaml, plainly. */
static void put_many(struct fixture *fx, unsigned n, const char *name)
{
	struct ks_buf rel = KS_BUF_INIT;
	struct timespec t[2];
	char *abs;
	FILE *f;

	const char *const up[] = { "records", "/workshop", "/md01", "/" };
	size_t i;

	for (i = 0; i < 4; i++) {
		ks_buf_puts(&rel, up[i]);
		if (i == 3)
			ks_buf_addf(&rel, "%03u", n / 100);
		abs = ks_repo_path(fx->r, rel.ptr);
		mkdir(abs, 0777);
		ks_free(abs);
	}
	ks_buf_addf(&rel, "/md01-%04u.yaml", n);
	abs = ks_repo_path(fx->r, rel.ptr);
	assert_non_null(f = fopen(abs, "w"));
	fprintf(f, "id: md01-%04u\nname: %s\nlegal_type: hop_tac_xa\n", n, name);
	assert_int_equal(fclose(f), 0);
	/* written before the refresh's second: not read again for that */
	clock_gettime(CLOCK_REALTIME, &t[0]);
	t[0].tv_sec -= 10;
	t[1] = t[0];
	assert_int_equal(utimensat(AT_FDCWD, abs, t, 0), 0);
	ks_free(abs);
	ks_buf_release(&rel);
}

static void test_many_folders(void **state)
{
	struct fixture *fx = *state;
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_rindex *x = NULL;
	struct ks_dupe_index ix = { 0 };
	size_t total, i;
	char *abs;
	unsigned n;

	setenv("KHAOSAT_THREADS", "3", 1);
	for (n = 1; n <= 9000; n++)
		put_many(fx, n, n % 2 ? "Đúc Đồng" : "Gốm Bình");
	/* a link and a folder too deep among them */
	abs = ks_repo_path(fx->r, "records/workshop/md01/040/md01-9999.yaml");
	assert_int_equal(symlink("md01-4001.yaml", abs), 0);
	ks_free(abs);
	{
		struct ks_buf deep = KS_BUF_INIT;
		const char *p;

		ks_buf_puts(&deep, "records/workshop/md01/010");
		for (p = "abcdef"; *p; p++) {
			ks_buf_addf(&deep, "/%c", *p);
			abs = ks_repo_path(fx->r, deep.ptr);
			assert_int_equal(mkdir(abs, 0777), 0);
			ks_free(abs);
		}
		ks_buf_puts(&deep, "/md01-7777.yaml");
		abs = ks_repo_path(fx->r, deep.ptr);
		assert_int_equal(symlink("/dev/null", abs), 0);
		ks_free(abs);
		ks_buf_release(&deep);
	}
	assert_int_equal(ks_rindex_open(&x, fx->r, &d), 0);
	assert_int_equal(refresh(x), 9000);
	assert_int_equal(ks_rindex_not_plain(x)->n, 1);
	assert_string_equal(ks_rindex_not_plain(x)->v[0],
			    "records/workshop/md01/040/md01-9999.yaml");
	assert_int_equal(ks_rindex_load(x, &ix, &total, NULL, NULL, 0, NULL, 0,
					0, &d), 0);
	assert_int_equal(total, 9000);
	for (i = 0; i < ix.n; i++) {
		char want[32];

		snprintf(want, sizeof(want), "md01-%04zu", i + 1);
		assert_string_equal(ix.v[i].id, want);
		assert_string_equal(ix.v[i].name, (i + 1) % 2 ? "Đúc Đồng" : "Gốm Bình");
	}
	ks_dupe_index_release(&ix);
	/* one in each share changed, one gone: those alone */
	for (n = 1; n <= 9000; n += 3000)
		put_many(fx, n, "Mây Tre");
	abs = ks_repo_path(fx->r, "records/workshop/md01/088/md01-8888.yaml");
	assert_int_equal(unlink(abs), 0);
	ks_free(abs);
	assert_int_equal(refresh(x), 3);
	assert_int_equal(ks_rindex_load(x, &ix, &total, NULL, NULL, 0, NULL, 0,
					0, &d), 0);
	assert_int_equal(total, 8999);
	assert_string_equal(ix.v[3000].name, "Mây Tre");
	assert_string_equal(ix.v[3000].id, "md01-3001");
	ks_dupe_index_release(&ix);
	ks_rindex_close(x);
	ks_diags_release(&d);
	unsetenv("KHAOSAT_THREADS");
}

/* A search and a filter read from the index, a page at a time. */
static void test_search_pages(void **state)
{
	struct fixture *fx = *state;
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_rindex *x = NULL;
	struct ks_dupe_index ix = { 0 };
	struct ks_dupe_query *q = NULL;
	const char *held[1] = { "hop_tac_xa" };
	size_t total;

	put(fx, 1, "Đúc Đồng An", "ho_kinh_doanh");
	put(fx, 2, "Gốm Bình", "hop_tac_xa");
	put(fx, 3, "Đúc Gang Phát", "hop_tac_xa");
	put(fx, 4, "Đúc Nhôm Lộc", "ho_kinh_doanh");
	put(fx, 5, "Mây Tre Đan", "hop_tac_xa");
	assert_int_equal(ks_rindex_open(&x, fx->r, &d), 0);
	refresh(x);
	assert_int_equal(ks_dupe_query_new(&q, "duc", &d), 0);
	assert_int_equal(ks_rindex_load(x, &ix, &total, NULL, NULL, 0, q, 1, 1,
					&d), 0);
	assert_int_equal(total, 3);
	assert_int_equal(ix.n, 1);
	assert_string_equal(ix.v[0].id, "md01-0003");
	assert_string_equal(ix.v[0].name, "Đúc Gang Phát");
	ks_dupe_index_release(&ix);
	/* with the filter on the first facet, legal_type */
	assert_int_equal(ks_rindex_load(x, &ix, &total, "workshop", held, 1, q,
					0, 0, &d), 0);
	assert_int_equal(total, 1);
	assert_string_equal(ix.v[0].id, "md01-0003");
	ks_dupe_index_release(&ix);
	assert_int_equal(ks_rindex_load(x, &ix, &total, "workshop", held, 1,
					NULL, 1, 5, &d), 0);
	assert_int_equal(total, 3);
	assert_int_equal(ix.n, 2);
	assert_string_equal(ix.v[0].id, "md01-0003");
	assert_string_equal(ix.v[1].id, "md01-0005");
	ks_dupe_index_release(&ix);
	ks_dupe_query_free(q);
	ks_rindex_close(x);
	ks_diags_release(&d);
}

static void test_out_of_memory(void **state)
{
	struct fixture *fx = *state;
	struct ks_dupe_index ix = { 0 };
	long n;
	unsigned i;
	int done = 0;

	for (i = 1; i <= 3; i++) {
		put(fx, i, "Cơ khí", "hop_tac_xa");
		age(fx, i, 10);
	}
	for (n = 0; !done && n < 20000; n++) {
		struct ks_diags d = KS_DIAGS_INIT;
		struct ks_rindex *x = NULL;
		size_t total = 0;
		int err;

		ks_alloc_fail_after(n);
		err = ks_rindex_open(&x, fx->r, &d);
		if (!err)
			err = ks_rindex_refresh(x, NULL, &d);
		if (!err)
			err = ks_rindex_load(x, &ix, &total, NULL, NULL, 0, NULL, 0, 0, &d);
		ks_alloc_fail_after(-1);
		if (!err) {
			assert_int_equal(total, 3);
			assert_int_equal(ix.n, 3);
			done = 1;
		}
		ks_dupe_index_release(&ix);
		ks_rindex_close(x);
		ks_diags_release(&d);
	}
	assert_true(done);
	/* whatever was cut short, a refresh with memory completes it */
	{
		struct ks_diags d = KS_DIAGS_INIT;
		struct ks_rindex *x = NULL;
		size_t total;

		assert_int_equal(ks_rindex_open(&x, fx->r, &d), 0);
		refresh(x);
		assert_int_equal(ks_rindex_load(x, &ix, &total, NULL, NULL, 0,
						NULL, 0, 0, &d), 0);
		assert_int_equal(total, 3);
		assert_string_equal(ix.v[2].name, "Cơ khí");
		ks_dupe_index_release(&ix);
		ks_rindex_close(x);
		ks_diags_release(&d);
	}
}

static int run(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_reads_only_what_changed,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_folders, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_search_pages, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_out_of_memory, setup,
						teardown),
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
