/*
 * Unit tests for core/run.h: a child's input fed and its outputs drained
 * at once, so that a child that writes much before reading all of its
 * input cannot deadlock with us; exit statuses, signals, a program that
 * cannot be started.  An alarm ends a test that would hang.
 */
#include "unit.h"

#include "buf.h"
#include "run.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void test_writes_before_reading(void **state)
{
	const char *argv[] = {
		"sh", "-c", "head -c 300000 /dev/zero; wc -c", NULL,
	};
	struct ks_buf out = KS_BUF_INIT;
	size_t n = 1000000;
	char *in = malloc(n);

	(void)state;
	assert_non_null(in);
	memset(in, 'x', n);
	alarm(30);
	assert_int_equal(ks_run(argv, in, n, &out, NULL), 0);
	alarm(0);
	assert_int_equal(out.len, 300000 + strlen("1000000\n"));
	assert_string_equal(out.ptr + 300000, "1000000\n");
	free(in);
	ks_buf_release(&out);
}

static void test_statuses(void **state)
{
	const char *exit3[] = { "sh", "-c", "echo oops >&2; exit 3", NULL };
	const char *killed[] = { "sh", "-c", "kill -TERM $$", NULL };
	const char *missing[] = { "khaosat-no-such-program", NULL };
	struct ks_buf err = KS_BUF_INIT;

	(void)state;
	assert_int_equal(ks_run(exit3, NULL, 0, NULL, &err), 3);
	assert_string_equal(err.ptr, "oops\n");
	assert_int_equal(ks_run(killed, NULL, 0, NULL, NULL), 256 + SIGTERM);
	errno = 0;
	assert_int_equal(ks_run(missing, NULL, 0, NULL, NULL), -1);
	assert_int_equal(errno, ENOENT);
	ks_buf_release(&err);
}

static void test_child_stops_reading(void **state)
{
	const char *argv[] = { "sh", "-c", "head -c 10 >/dev/null; echo done", NULL };
	struct ks_buf out = KS_BUF_INIT;
	size_t n = 4000000;
	char *in = malloc(n);

	(void)state;
	assert_non_null(in);
	memset(in, 'y', n);
	alarm(30);
	assert_int_equal(ks_run(argv, in, n, &out, NULL), 0);
	alarm(0);
	assert_string_equal(out.ptr, "done\n");
	/* We are not killed by SIGPIPE, and its handling is as it was. */
	assert_true(signal(SIGPIPE, SIG_DFL) == SIG_DFL);
	free(in);
	ks_buf_release(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_writes_before_reading),
		cmocka_unit_test(test_statuses),
		cmocka_unit_test(test_child_stops_reading),
	};

	KS_RUN_TESTS(tests);
}
