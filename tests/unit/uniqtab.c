/*
 * Unit tests for core/uniqtab.h: rows given in any order are found by
 * their exact key (not by a key that is a prefix of theirs, or theirs of
 * it), escaped values keep their tabs and newlines, a table written
 * from an old one drops the rows asked and merges the new ones in order,
 * and a table that is not whole, or of another header, is not used.
 */
#include "unit.h"

#include "buf.h"
#include "uniqtab.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char tree[] = "0123456789abcdef0123456789abcdef01234567";

static char file[64];

static int setup(void **state)
{
	int fd;

	(void)state;
	strcpy(file, "/tmp/ks-uniqtab-XXXXXX");
	fd = mkstemp(file);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(file);
	return 0;
}

static void header(struct ks_buf *h)
{
	ks_buf_reset(h);
	ks_buf_puts(h, "test-table 1\nS schema/x.yaml 42\n");
}

/* The ids of the rows of (kind, pointer, value), joined by spaces. */
static void ids(char *out, size_t size, const struct ks_uniqtab *t,
		const char *kind, const char *pointer, const char *value,
		size_t len)
{
	struct ks_buf key = KS_BUF_INIT, v = KS_BUF_INIT;
	struct ks_uniqrow r;
	const char *row;
	size_t pos = 0;

	out[0] = '\0';
	assert_int_equal(ks_uniqtab_key(&key, kind, pointer, value, len), 0);
	while ((row = ks_uniqtab_next(t, &key, &pos))) {
		assert_int_equal(ks_uniqtab_row(&r, &v, row), 0);
		assert_int_equal(v.len, len);
		assert_memory_equal(v.ptr, value, len);
		if (out[0])
			strncat(out, " ", size - strlen(out) - 1);
		strncat(out, r.id, r.id_len < size - strlen(out) - 1
				   ? r.id_len : size - strlen(out) - 1);
	}
	ks_buf_release(&key);
	ks_buf_release(&v);
}

static void add(struct ks_uniqrows *rows, const char *kind, const char *value,
		const char *id)
{
	ks_uniqrows_add(rows, kind, "/tax_code", 9, value, strlen(value), id, 4, 11);
}

static void write_sample(const struct ks_buf *h)
{
	struct ks_uniqrows rows = KS_UNIQROWS_INIT;

	add(&rows, "workshop", "123", "a-0003");
	add(&rows, "workshop", "12", "a-0001");
	add(&rows, "workshop", "1234", "a-0002");
	add(&rows, "brand", "123", "b-0001");
	add(&rows, "workshop", "123", "a-0004");
	/* a value with a tab and a newline, escaped as the record cache does */
	add(&rows, "workshop", "x\\ty\\nz", "a-0005");
	assert_false(rows.failed);
	assert_int_equal(ks_uniqtab_write(file, h, tree, NULL, NULL, NULL, &rows), 0);
	ks_uniqrows_release(&rows);
}

static void test_found_by_exact_key(void **state)
{
	struct ks_buf h = KS_BUF_INIT;
	struct ks_uniqtab t = KS_UNIQTAB_INIT;
	char got[256];

	(void)state;
	header(&h);
	write_sample(&h);
	assert_int_equal(ks_uniqtab_load(&t, file, &h), 1);
	assert_string_equal(t.tree, tree);
	assert_int_equal(t.nrows, 6);
	ids(got, sizeof(got), &t, "workshop", "/tax_code", "123", 3);
	assert_string_equal(got, "a-0003 a-0004");
	ids(got, sizeof(got), &t, "workshop", "/tax_code", "12", 2);
	assert_string_equal(got, "a-0001");
	ids(got, sizeof(got), &t, "workshop", "/tax_code", "1234", 4);
	assert_string_equal(got, "a-0002");
	ids(got, sizeof(got), &t, "workshop", "/tax_code", "1", 1);
	assert_string_equal(got, "");
	ids(got, sizeof(got), &t, "workshop", "/tax_code", "12345", 5);
	assert_string_equal(got, "");
	ids(got, sizeof(got), &t, "brand", "/tax_code", "123", 3);
	assert_string_equal(got, "b-0001");
	ids(got, sizeof(got), &t, "brand", "/phone", "123", 3);
	assert_string_equal(got, "");
	ids(got, sizeof(got), &t, "workshop", "/tax_code", "x\ty\nz", 5);
	assert_string_equal(got, "a-0005");
	ids(got, sizeof(got), &t, "zzz", "/tax_code", "123", 3);
	assert_string_equal(got, "");
	ids(got, sizeof(got), &t, "a", "/tax_code", "123", 3);
	assert_string_equal(got, "");
	ks_uniqtab_release(&t);
	ks_buf_release(&h);
}

static int drop_a0003(void *ctx, const char *kind, size_t kind_len,
		      const char *id, size_t id_len)
{
	(void)ctx;
	return kind_len == 8 && !memcmp(kind, "workshop", 8) && id_len == 6 &&
	       !memcmp(id, "a-0003", 6);
}

static void test_written_from_an_old_one(void **state)
{
	struct ks_buf h = KS_BUF_INIT, text = KS_BUF_INIT;
	struct ks_uniqtab t = KS_UNIQTAB_INIT, t2 = KS_UNIQTAB_INIT;
	struct ks_uniqrows rows = KS_UNIQROWS_INIT;
	const char *s;
	char got[256];

	(void)state;
	header(&h);
	write_sample(&h);
	assert_int_equal(ks_uniqtab_load(&t, file, &h), 1);
	add(&rows, "workshop", "123", "a-0003x");
	add(&rows, "workshop", "0", "a-0009");
	add(&rows, "workshop", "9", "a-0010");
	assert_int_equal(ks_uniqtab_write(file, &h, "ffffffffffffffffffffffffffffffffffffffff",
					  &t, drop_a0003, NULL, &rows), 0);
	ks_uniqrows_release(&rows);
	assert_int_equal(ks_uniqtab_load(&t2, file, &h), 1);
	assert_string_equal(t2.tree, "ffffffffffffffffffffffffffffffffffffffff");
	assert_int_equal(t2.nrows, 8);
	ids(got, sizeof(got), &t2, "workshop", "/tax_code", "123", 3);
	assert_string_equal(got, "a-0003x a-0004");
	ids(got, sizeof(got), &t2, "workshop", "/tax_code", "0", 1);
	assert_string_equal(got, "a-0009");
	ids(got, sizeof(got), &t2, "workshop", "/tax_code", "9", 1);
	assert_string_equal(got, "a-0010");
	/* every row after the one before it */
	assert_int_equal(ks_buf_read_file(&text, file, 0), 0);
	s = strstr(text.ptr, "\nT ");
	assert_non_null(s);
	s = strchr(s + 1, '\n') + 1;
	while (strncmp(s, "E ", 2)) {
		const char *next = strchr(s, '\n') + 1;

		if (strncmp(next, "E ", 2))
			assert_true(strcmp(s, next) < 0);
		s = next;
	}
	ks_uniqtab_release(&t);
	ks_uniqtab_release(&t2);
	ks_buf_release(&text);
	ks_buf_release(&h);
}

static void put(const char *text, size_t len)
{
	FILE *f = fopen(file, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	fclose(f);
}

static void test_not_whole_not_used(void **state)
{
	struct ks_buf h = KS_BUF_INIT, good = KS_BUF_INIT, other = KS_BUF_INIT;
	struct ks_uniqtab t = KS_UNIQTAB_INIT;
	struct ks_uniqrows rows = KS_UNIQROWS_INIT;
	char *bad;
	size_t cut;

	(void)state;
	header(&h);
	write_sample(&h);
	assert_int_equal(ks_buf_read_file(&good, file, 0), 0);
	/* cut anywhere: never whole */
	for (cut = 0; cut < good.len; cut++) {
		put(good.ptr, cut);
		assert_int_equal(ks_uniqtab_load(&t, file, &h), 0);
	}
	/* a row lost, the end line kept */
	bad = strdup(good.ptr);
	assert_non_null(bad);
	memmove(strstr(bad, "workshop\t"), strchr(strstr(bad, "workshop\t"), '\n') + 1,
		strlen(strchr(strstr(bad, "workshop\t"), '\n') + 1) + 1);
	put(bad, strlen(bad));
	assert_int_equal(ks_uniqtab_load(&t, file, &h), 0);
	free(bad);
	/* another header */
	put(good.ptr, good.len);
	ks_buf_puts(&other, "test-table 1\nS schema/x.yaml 43\n");
	assert_int_equal(ks_uniqtab_load(&t, file, &other), 0);
	assert_int_equal(ks_uniqtab_load(&t, file, &h), 1);
	ks_uniqtab_release(&t);
	/* no file */
	unlink(file);
	assert_int_equal(ks_uniqtab_load(&t, file, &h), 0);
	/* rows that cannot be one line each are refused, nothing written */
	ks_uniqrows_add(&rows, "work\tshop", "/x", 2, "1", 1, "a-0001", 1, 1);
	assert_true(rows.failed);
	assert_int_equal(ks_uniqtab_write(file, &h, tree, NULL, NULL, NULL, &rows), -1);
	assert_int_equal(access(file, F_OK), -1);
	ks_uniqrows_release(&rows);
	ks_uniqrows_add(&rows, "workshop", "/x", 2, "1\n2", 3, "a-0001", 1, 1);
	assert_true(rows.failed);
	ks_uniqrows_release(&rows);
	ks_buf_release(&good);
	ks_buf_release(&other);
	ks_buf_release(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_found_by_exact_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_written_from_an_old_one, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_whole_not_used, setup, teardown),
	};

	KS_RUN_TESTS(tests);
}
