/*
 * Unit tests for core/buf.h: a failed addition is sticky.  The text is
 * emptied, every later addition fails even once memory is back (no text
 * with a hole in it, no prefix to pass for the whole), ks_buf_failed()
 * says so, detaching it gives nothing, and a reset starts a new text.
 */
#include "unit.h"

#include "alloc.h"
#include "buf.h"
#include "diag.h"
#include "file.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void test_sticky(void **state)
{
	struct ks_buf b = KS_BUF_INIT;
	char big[200];

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(ks_buf_puts(&b, "head "), 0);
	assert_false(ks_buf_failed(&b));
	/* The next growth fails: the text is emptied, no prefix left. */
	ks_alloc_fail_after(0);
	assert_int_equal(ks_buf_puts(&b, big), -1);
	ks_alloc_fail_after(-1);
	assert_true(ks_buf_failed(&b));
	assert_string_equal(b.ptr, "");
	assert_int_equal(b.len, 0);
	/* Memory is back, but nothing more is added: no hole in the text. */
	assert_int_equal(ks_buf_puts(&b, "tail"), -1);
	assert_int_equal(ks_buf_putc(&b, '!'), -1);
	assert_int_equal(ks_buf_addf(&b, "%d", 42), -1);
	assert_string_equal(b.ptr, "");
	assert_true(ks_buf_failed(&b));
	/* A reset starts anew. */
	ks_buf_reset(&b);
	assert_false(ks_buf_failed(&b));
	assert_int_equal(ks_buf_addf(&b, "%s %d", "again", 7), 0);
	assert_string_equal(b.ptr, "again 7");
	ks_buf_release(&b);
	assert_false(ks_buf_failed(&b));
}

static void test_released_and_detached(void **state)
{
	struct ks_buf b = KS_BUF_INIT;
	char *s;

	(void)state;
	ks_alloc_fail_after(0);
	assert_int_equal(ks_buf_puts(&b, "x"), -1);
	ks_alloc_fail_after(-1);
	assert_true(ks_buf_failed(&b));
	/* A failed text is not handed on as if it were whole. */
	s = ks_buf_detach(&b, NULL);
	assert_null(s);
	assert_false(ks_buf_failed(&b));
	assert_int_equal(ks_buf_puts(&b, "ok"), 0);
	ks_buf_release(&b);
}

/* A text whose building ran out of memory is never written over a file. */
static void test_failed_text_not_written(void **state)
{
	char dir[] = "/tmp/ks-buf-XXXXXX";
	struct ks_buf path = KS_BUF_INIT, b = KS_BUF_INIT, back = KS_BUF_INIT;
	struct ks_diags d = KS_DIAGS_INIT;
	char big[8192];

	(void)state;
	assert_non_null(mkdtemp(dir));
	ks_buf_addf(&path, "%s/record.yaml", dir);
	ks_buf_puts(&b, "name: before\n");
	assert_int_equal(ks_file_put_text(path.ptr, &b, 0, &d), 0);
	ks_buf_release(&b);
	ks_buf_puts(&b, "name: ");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ks_alloc_fail_after(0);
	ks_buf_puts(&b, big);
	ks_alloc_fail_after(-1);
	assert_true(ks_buf_failed(&b));
	assert_int_equal(ks_file_put_text(path.ptr, &b, 0, &d), KS_ERROR);
	assert_int_equal(d.errors, 1);
	assert_int_equal(ks_buf_read_file(&back, path.ptr, 0), 0);
	assert_string_equal(back.ptr, "name: before\n");
	assert_int_equal(unlink(path.ptr), 0);
	assert_int_equal(rmdir(dir), 0);
	ks_diags_release(&d);
	ks_buf_release(&path);
	ks_buf_release(&b);
	ks_buf_release(&back);
}

/* A value as one field of one line, and back: every byte kept. */
/* Every byte value as two lower-case digits, as git writes an id. */
static void test_hex(void **state)
{
	struct ks_buf b = KS_BUF_INIT;
	unsigned char bytes[256];
	char want[3];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bytes); i++)
		bytes[i] = (unsigned char)i;
	ks_buf_puts(&b, "id ");
	assert_int_equal(ks_buf_add_hex(&b, bytes, sizeof(bytes)), 0);
	assert_int_equal(b.len, 3 + 2 * sizeof(bytes));
	assert_memory_equal(b.ptr, "id ", 3);
	for (i = 0; i < sizeof(bytes); i++) {
		snprintf(want, sizeof(want), "%02x", (unsigned)i);
		assert_memory_equal(b.ptr + 3 + 2 * i, want, 2);
	}
	assert_int_equal(b.ptr[b.len], '\0');
	ks_buf_release(&b);
}

static void test_escaped_and_back(void **state)
{
	static const char *const values[] = {
		"", "plain", "a\tb", "a\nb", "back\\slash", "\\t not a tab",
		"\t\n\\", "Mỹ Đồng", "end\\",
	};
	struct ks_buf esc = KS_BUF_INIT, back = KS_BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		ks_buf_reset(&esc);
		ks_buf_reset(&back);
		ks_buf_add_escaped(&esc, values[i], strlen(values[i]));
		assert_null(memchr(esc.ptr, '\t', esc.len));
		assert_null(memchr(esc.ptr, '\n', esc.len));
		ks_buf_add_unescaped(&back, esc.ptr, esc.ptr + esc.len);
		assert_false(ks_buf_failed(&back));
		assert_int_equal(back.len, strlen(values[i]));
		assert_memory_equal(back.ptr, values[i], back.len);
	}
	/* a lone backslash at the end stays what it is */
	ks_buf_reset(&back);
	ks_buf_add_unescaped(&back, "ab\\", "ab\\" + 3);
	assert_string_equal(back.ptr, "ab\\");
	ks_buf_release(&esc);
	ks_buf_release(&back);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sticky),
		cmocka_unit_test(test_released_and_detached),
		cmocka_unit_test(test_failed_text_not_written),
		cmocka_unit_test(test_escaped_and_back),
		cmocka_unit_test(test_hex),
	};

	KS_RUN_TESTS(tests);
}
