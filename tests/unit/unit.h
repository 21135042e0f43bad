/*
 * Shared set-up for unit tests: cmocka, plus a main() helper that prints
 * the "N passed, N failed" line tests/run.sh adds up.
 */
#ifndef KS_UNIT_H
#define KS_UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#define KS_RUN_TESTS(tests)                                              \
	do {                                                             \
		int failed_ = cmocka_run_group_tests(tests, NULL, NULL); \
		int total_ = (int)(sizeof(tests) / sizeof(tests[0]));    \
		printf("%d passed, %d failed\n", total_ - failed_,       \
		       failed_);                                         \
		return failed_ ? 1 : 0;                                  \
	} while (0)

#endif
