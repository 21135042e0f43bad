/*
 * Unit tests for core/bundle.h without a repository: the header parser
 * (v2 and v3, capabilities, prerequisites, references, and a located error
 * for each malformed line), the tree-entry name rules, and which reference
 * a bundle offers for merging.  Then, in a real survey made in a temporary
 * folder, the corruption sweep: a bundle cut at every length and with one
 * byte of its pack changed at hundreds of places is refused every time,
 * and the repository's object files stay exactly as they were; and writing
 * and checking a bundle with each of our allocations failing in turn fail
 * cleanly (-1, nothing leaked, nothing left in .git/objects).
 */
#include "unit.h"

#include "alloc.h"
#include "bundle.h"
#include "buf.h"
#include "diag.h"
#include "init.h"
#include "repo.h"

#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define A40 "0123456789abcdef0123456789abcdef01234567"
#define B40 "89abcdef0123456789abcdef0123456789abcdef"

/* Parses `text` as a bundle header; the first diagnostic goes to `msg`. */
static int parse(struct ks_bundle_info *info, const char *text, size_t len,
		 struct ks_buf *msg)
{
	struct ks_diags d = KS_DIAGS_INIT;
	FILE *f = fmemopen((void *)text, len, "rb");
	int err;

	assert_non_null(f);
	err = ks_bundle_read_header(info, f, "x.bundle", &d);
	fclose(f);
	ks_buf_reset(msg);
	if (d.n)
		ks_diag_format(msg, &d.v[0]);
	assert_int_equal(!!err, !!d.errors);
	ks_diags_release(&d);
	return err;
}

static void assert_refused(const char *text, const char *message)
{
	struct ks_bundle_info info;
	struct ks_buf msg = KS_BUF_INIT;

	assert_int_equal(parse(&info, text, strlen(text), &msg), KS_EINVALID);
	if (strcmp(msg.ptr, message))
		print_message("input:\n%s\ngot:    %s\nwanted: %s\n", text,
			      msg.ptr, message);
	assert_string_equal(msg.ptr, message);
	assert_int_equal(info.nrefs, 0);
	assert_null(info.refs);
	ks_buf_release(&msg);
}

static void test_v2(void **state)
{
	static const char text[] = "# v2 git bundle\n"
		"-" A40 " Create survey \"S\"\n"
		"-" B40 "\n"
		B40 " refs/heads/main\n"
		B40 " HEAD\n"
		"\nPACK";
	struct ks_bundle_info info;
	struct ks_buf msg = KS_BUF_INIT;
	char hex[GIT_OID_HEXSZ + 1];

	assert_int_equal(parse(&info, text, sizeof(text) - 1, &msg), 0);
	assert_int_equal(info.version, 2);
	assert_int_equal(info.nprereqs, 2);
	assert_int_equal(info.nrefs, 2);
	git_oid_tostr(hex, sizeof(hex), &info.prereqs[0].oid);
	assert_string_equal(hex, A40);
	assert_string_equal(info.prereqs[0].comment, "Create survey \"S\"");
	assert_string_equal(info.prereqs[1].comment, "");
	assert_string_equal(info.refs[0].name, "refs/heads/main");
	assert_string_equal(info.refs[1].name, "HEAD");
	assert_int_equal(info.header_bytes, sizeof(text) - 1 - 4);
	assert_ptr_equal(ks_bundle_main_ref(&info), &info.refs[0]);
	ks_bundle_info_release(&info);
	ks_buf_release(&msg);
}

static void test_v3(void **state)
{
	static const char text[] = "# v3 git bundle\n"
		"@object-format=sha1\n"
		A40 " refs/heads/feature\n"
		"\n";
	struct ks_bundle_info info;
	struct ks_buf msg = KS_BUF_INIT;

	assert_int_equal(parse(&info, text, sizeof(text) - 1, &msg), 0);
	assert_int_equal(info.version, 3);
	assert_int_equal(info.nrefs, 1);
	/* One reference, whatever its name, is the one to merge. */
	assert_ptr_equal(ks_bundle_main_ref(&info), &info.refs[0]);
	ks_bundle_info_release(&info);
	ks_buf_release(&msg);
}

static void test_main_ref_ambiguous(void **state)
{
	static const char text[] = "# v2 git bundle\n"
		A40 " refs/heads/a\n"
		B40 " refs/heads/b\n"
		"\n";
	struct ks_bundle_info info;
	struct ks_buf msg = KS_BUF_INIT;

	assert_int_equal(parse(&info, text, sizeof(text) - 1, &msg), 0);
	assert_null(ks_bundle_main_ref(&info));
	ks_bundle_info_release(&info);
	ks_buf_release(&msg);
}

static void test_refused(void **state)
{
	assert_refused("",
		"x.bundle:1:1: error: not a git bundle: the first line is not \"# v2 git bundle\" or \"# v3 git bundle\"");
	assert_refused("# v4 git bundle\n\n",
		"x.bundle:1:1: error: not a git bundle: the first line is not \"# v2 git bundle\" or \"# v3 git bundle\"");
	assert_refused("# v2 git bundle",
		"x.bundle:1:1: error: not a git bundle: the first line is not \"# v2 git bundle\" or \"# v3 git bundle\"");
	assert_refused("# v2 git bundle\n",
		"x.bundle:2:1: error: the header ends before its empty line (truncated bundle?)");
	assert_refused("# v2 git bundle\n" A40 " refs/heads/main",
		"x.bundle:2:1: error: the header ends before its empty line (truncated bundle?)");
	assert_refused("# v2 git bundle\n" A40 " refs/heads/main\n",
		"x.bundle:3:1: error: the header ends before its empty line (truncated bundle?)");
	assert_refused("# v2 git bundle\n\n",
		"x.bundle:2:1: error: the bundle lists no references");
	assert_refused("# v2 git bundle\n-" A40 "\n\n",
		"x.bundle:3:1: error: the bundle lists no references");
	assert_refused("# v3 git bundle\n@object-format=sha256\n" A40 " HEAD\n\n",
		"x.bundle:2:1: error: object format \"sha256\" is not supported (only sha1)");
	assert_refused("# v3 git bundle\n@object-format\n" A40 " HEAD\n\n",
		"x.bundle:2:1: error: object format \"\" is not supported (only sha1)");
	assert_refused("# v3 git bundle\n@filter=blob:none\n" A40 " HEAD\n\n",
		"x.bundle:2:1: error: partial bundles are not supported (capability \"@filter=blob:none\")");
	assert_refused("# v3 git bundle\n@object-format=sha1\n@frob\n\n",
		"x.bundle:3:1: error: unknown capability \"@frob\"");
	assert_refused("# v2 git bundle\n@object-format=sha1\n" A40 " HEAD\n\n",
		"x.bundle:2:1: error: capability \"@object-format=sha1\" in a v2 bundle");
	assert_refused("# v3 git bundle\n" A40 " HEAD\n@object-format=sha1\n\n",
		"x.bundle:3:1: error: capability \"@object-format=sha1\" after the references");
	assert_refused("# v2 git bundle\n-1234 short\n" A40 " HEAD\n\n",
		"x.bundle:2:1: error: malformed prerequisite line (wanted \"-<object id> <comment>\")");
	assert_refused("# v2 git bundle\n-" A40 "x\n" A40 " HEAD\n\n",
		"x.bundle:2:1: error: malformed prerequisite line (wanted \"-<object id> <comment>\")");
	assert_refused("# v2 git bundle\n" A40 "\n\n",
		"x.bundle:2:1: error: malformed reference line (wanted \"<object id> <refname>\")");
	assert_refused("# v2 git bundle\n" A40 " main\n\n",
		"x.bundle:2:1: error: malformed reference line (wanted \"<object id> <refname>\")");
	assert_refused("# v2 git bundle\n" A40 " refs/heads/a..b\n\n",
		"x.bundle:2:1: error: malformed reference line (wanted \"<object id> <refname>\")");
	assert_refused("# v2 git bundle\n" A40 "0 refs/heads/main\n\n",
		"x.bundle:2:1: error: malformed reference line (wanted \"<object id> <refname>\")");
	assert_refused("# v2 git bundle\nxyz" A40 " HEAD\n\n",
		"x.bundle:2:1: error: malformed reference line (wanted \"<object id> <refname>\")");
}

static void test_nul_and_long_lines(void **state)
{
	static const char nul[] = "# v2 git bundle\n" A40 " HEAD\0\n\n";
	struct ks_bundle_info info;
	struct ks_buf msg = KS_BUF_INIT, big = KS_BUF_INIT;
	size_t i;

	assert_int_equal(parse(&info, nul, sizeof(nul) - 1, &msg), KS_EINVALID);
	assert_string_equal(msg.ptr, "x.bundle:2:1: error: NUL byte in the header");
	ks_buf_puts(&big, "# v2 git bundle\n" A40 " refs/heads/");
	for (i = 0; i < 5000; i++)
		ks_buf_putc(&big, 'a');
	ks_buf_puts(&big, "\n\n");
	assert_int_equal(parse(&info, big.ptr, big.len, &msg), KS_EINVALID);
	assert_string_equal(msg.ptr, "x.bundle:2:1: error: header line too long");
	ks_buf_release(&msg);
	ks_buf_release(&big);
}

static void test_names(void **state)
{
	static const char *const good[] = {
		"khaosat.yaml", "records", "md01-0001.yaml", "000", ".gitx",
		"x.git", "git~2", "Chảo gang", "a..b", "...", NULL,
	};
	static const struct {
		const char *name, *why;
	} bad[] = {
		{ "", "an empty name is not allowed" },
		{ ".", "the name \".\" is not allowed" },
		{ "..", "the name \"..\" is not allowed" },
		{ ".git", "the name \".git\" is not allowed, in any case" },
		{ ".GIT", "the name \".git\" is not allowed, in any case" },
		{ ".Git", "the name \".git\" is not allowed, in any case" },
		{ ".git.", "the name \".git\" is not allowed, in any case" },
		{ ".git ", "the name \".git\" is not allowed, in any case" },
		{ ".git::$INDEX_ALLOCATION", "the name \".git\" is not allowed, in any case" },
		{ "GIT~1", "the name \".git\" is not allowed, in any case" },
		{ "/etc", "an absolute path is not allowed" },
		{ "a/b", "a name with a slash is not allowed" },
		{ "a\\b", "a name with a slash is not allowed" },
		{ "a\nb", "a control character in a name is not allowed" },
		{ "a\x7f", "a control character in a name is not allowed" },
	};
	size_t i;

	for (i = 0; good[i]; i++) {
		if (ks_bundle_name_problem(good[i]))
			print_message("should be allowed: \"%s\"\n", good[i]);
		assert_null(ks_bundle_name_problem(good[i]));
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *why = ks_bundle_name_problem(bad[i].name);

		if (!why || strcmp(why, bad[i].why))
			print_message("\"%s\": got %s\n", bad[i].name,
				      why ? why : "(allowed)");
		assert_non_null(why);
		assert_string_equal(why, bad[i].why);
	}
}

/* Every allocation failing in turn: -1, nothing leaked (ASan checks). */
static void test_out_of_memory(void **state)
{
	static const char text[] = "# v3 git bundle\n@object-format=sha1\n"
		"-" A40 " one\n-" B40 " two\n"
		A40 " refs/heads/main\n" B40 " HEAD\n\n";
	struct ks_bundle_info info;
	long n;
	int err = -1;

	for (n = 0; err; n++) {
		struct ks_diags d = KS_DIAGS_INIT;
		FILE *f = fmemopen((void *)text, sizeof(text) - 1, "rb");

		assert_non_null(f);
		ks_alloc_fail_after(n);
		err = ks_bundle_read_header(&info, f, "x.bundle", &d);
		ks_alloc_fail_after(-1);
		fclose(f);
		ks_diags_release(&d);
		assert_true(err == 0 || err == -1);
		if (err)
			assert_null(info.refs);
		assert_true(n < 1000);
	}
	assert_int_equal(info.nrefs, 2);
	ks_bundle_info_release(&info);
}

/* ---- corruption sweep in a real repository ---- */

static struct ks_buf *listing;

static int list_one(const char *path, const struct stat *sb, int type,
		    struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	if (type == FTW_F) {
		ks_buf_puts(listing, path);
		ks_buf_putc(listing, '\n');
	}
	return 0;
}

/* Every file under `dir`, in the order nftw finds them (stable here). */
static void list_files(struct ks_buf *out, const char *dir)
{
	ks_buf_reset(out);
	listing = out;
	assert_int_equal(nftw(dir, list_one, 16, FTW_PHYS), 0);
}

static void write_bytes(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static int rm_one(const char *path, const struct stat *sb, int type,
		  struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	return remove(path);
}

static void test_corruption(void **state)
{
	struct ks_init_opts opts = { "Sweep", { "md01", "Tester", "t@example.com" } };
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_bundle_info info;
	struct ks_buf dir = KS_BUF_INIT, survey = KS_BUF_INIT, file = KS_BUF_INIT,
		      objects = KS_BUF_INIT, data = KS_BUF_INIT,
		      before = KS_BUF_INIT, after = KS_BUF_INIT;
	struct ks_repo *r = NULL;
	git_oid tip;
	size_t i, pack_start, cuts = 0, flips = 0;
	long n;
	char *copy;

	ks_buf_puts(&dir, "/tmp/ks-unit-bundle-XXXXXX");
	assert_non_null(mkdtemp(dir.ptr));
	ks_buf_addf(&survey, "%s/s", dir.ptr);
	ks_buf_addf(&file, "%s/x.bundle", dir.ptr);
	ks_buf_addf(&objects, "%s/.git/objects", survey.ptr);
	assert_int_equal(ks_repo_init(&r, survey.ptr, &opts, &d), 0);
	assert_int_equal(git_reference_name_to_id(&tip, ks_repo_git(r),
						  "refs/heads/main"), 0);
	assert_int_equal(ks_bundle_write(r, file.ptr, &tip, NULL, 0, NULL, NULL, &d), 0);
	assert_int_equal(ks_buf_read_file(&data, file.ptr, 1 << 24), 0);
	/* The whole bundle verifies and imports (its objects are known). */
	assert_int_equal(ks_bundle_verify_import(r, file.ptr, NULL, NULL, &info, &d), 0);
	pack_start = info.header_bytes;
	ks_bundle_info_release(&info);
	assert_int_equal(d.errors, 0);
	list_files(&before, objects.ptr);

	/* Cut at every length, or at 600 spread over a large bundle. */
	for (i = 0; i < data.len; i += data.len > 600 ? data.len / 600 : 1) {
		write_bytes(file.ptr, data.ptr, i);
		if (!ks_bundle_verify_import(r, file.ptr, NULL, NULL, &info, &d))
			print_message("a bundle cut at %zu of %zu bytes was accepted\n",
				      i, data.len);
		assert_int_not_equal(d.errors, 0);
		ks_diags_release(&d);
		cuts++;
	}
	/* One byte changed in the pack, at 600 places or at every byte. */
	copy = ks_malloc(data.len);
	assert_non_null(copy);
	for (i = pack_start; i < data.len;
	     i += (data.len - pack_start) > 600 ? (data.len - pack_start) / 600 : 1) {
		memcpy(copy, data.ptr, data.len);
		copy[i] ^= (char)(1 + (i % 255));
		write_bytes(file.ptr, copy, data.len);
		if (!ks_bundle_verify_import(r, file.ptr, NULL, NULL, &info, &d))
			print_message("a bundle changed at byte %zu was accepted\n", i);
		assert_int_not_equal(d.errors, 0);
		ks_diags_release(&d);
		flips++;
	}
	ks_free(copy);
	print_message("%zu cuts, %zu changed bytes: all refused\n", cuts, flips);
	assert_true(cuts >= 500);
	assert_true(flips >= 500);
	list_files(&after, objects.ptr);
	assert_string_equal(before.ptr, after.ptr);

	/* Every allocation of ours failing in turn: a clean failure each time. */
	for (n = 0;; n++) {
		int err;

		ks_alloc_fail_after(n);
		err = ks_bundle_write(r, file.ptr, &tip, &tip, 1, NULL, NULL, &d);
		ks_alloc_fail_after(-1);
		ks_diags_release(&d);
		if (!err)
			break;
		assert_int_equal(err, -1);
		assert_true(n < 10000);
	}
	assert_int_equal(ks_bundle_write(r, file.ptr, &tip, NULL, 0, NULL, NULL, &d), 0);
	for (n = 0;; n++) {
		int err;

		ks_alloc_fail_after(n);
		err = ks_bundle_verify(r, file.ptr, NULL, &info, &d);
		ks_alloc_fail_after(-1);
		ks_diags_release(&d);
		if (!err)
			break;
		assert_int_equal(err, -1);
		assert_null(info.refs);
		assert_true(n < 10000);
	}
	ks_bundle_info_release(&info);
	list_files(&after, objects.ptr);
	assert_string_equal(before.ptr, after.ptr);

	ks_repo_free(r);
	nftw(dir.ptr, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	ks_buf_release(&dir);
	ks_buf_release(&survey);
	ks_buf_release(&file);
	ks_buf_release(&objects);
	ks_buf_release(&data);
	ks_buf_release(&before);
	ks_buf_release(&after);
}

static int run(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v2),
		cmocka_unit_test(test_v3),
		cmocka_unit_test(test_main_ref_ambiguous),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_nul_and_long_lines),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_out_of_memory),
		cmocka_unit_test(test_corruption),
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
