#!/bin/sh
# Checks tests/lint/circles.py on a small core/ of its own: layers give no
# circle, two static functions and a global one of the same name are not
# confused, and a circle made by a call or by an include is found, printed
# with its edges, and allowed only when the accepted list names it.  And
# that findings.py accepts a finding by file, kind and function, whatever
# its line.
# Run by `make lint`; needs gcc and python3.
KHAOSAT_TOP=${KHAOSAT_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$KHAOSAT_TOP/tests/lib.sh"

circles() {
	for c in core/*.c; do
		gcc -std=c11 -fcallgraph-info -dumpbase "ci/$(basename "$c" .c)" \
			-c "$c" -o /dev/null || return
	done &&
	python3 "$KHAOSAT_TOP/tests/lint/circles.py" "$@" core ci
}

test_expect_success 'layers are no circle' '
	mkdir core ci &&
	printf "int low_get(void);\n" >core/low.h &&
	printf "#include \"low.h\"\nint low_get(void) { return 1; }\n" \
		>core/low.c &&
	printf "int mid_get(void);\n" >core/mid.h &&
	printf "#include \"mid.h\"\n#include \"low.h\"\n%s\n" \
		"int mid_get(void) { return low_get(); }" >core/mid.c &&
	circles >out &&
	test_must_be_empty out
'

test_expect_success 'a static function is not taken for a global one' '
	printf "int top_run(void);\n" >core/top.h &&
	printf "#include \"top.h\"\n#include \"mid.h\"\n%s\n%s\n" \
		"static int fail(void) { return -1; }" \
		"int top_run(void) { return mid_get() + fail(); }" >core/top.c &&
	printf "#include \"top.h\"\n%s\n%s\n" \
		"int fail(void);" \
		"int fail(void) { return top_run(); }" >core/other.c &&
	printf "%s\n" "static int fail(void) { return 0; }" \
		"int quiet(void);" "int quiet(void) { return fail(); }" \
		>core/quiet.c &&
	circles >out &&
	test_must_be_empty out
'

test_expect_success 'a call back makes a circle, printed with its edges' '
	printf "#include \"low.h\"\n%s\n%s\n%s\n" \
		"int mid_get(void);" \
		"int low_get(void) { return 1; }" \
		"int low_twice(void) { return mid_get() * 2; }" >core/low.c &&
	test_expect_code 1 circles >out &&
	cat >expect <<-\EOT &&
	circle: low.c mid.c
	  low.c -> mid.c: low.c:4 calls mid_get()
	  mid.c -> low.c: mid.c includes low.h; mid.c:3 calls low_get()
	EOT
	test_cmp expect out
'

test_expect_success 'the accepted list allows a circle by pattern' '
	printf "circle low.c mi*.c: a test\n" >accepted &&
	circles --accepted accepted >out &&
	test_must_be_empty out &&
	printf "circle low.c: a test\n" >accepted &&
	test_expect_code 1 circles --accepted accepted >out &&
	test_grep "^circle: low.c mid.c" out
'

test_expect_success 'an include alone makes a circle' '
	printf "#include \"low.h\"\nint low_get(void) { return 1; }\n" \
		>core/low.c &&
	circles >out &&
	test_must_be_empty out &&
	printf "#include \"top.h\"\nint low_get(void);\n" >core/low.h &&
	test_expect_code 1 circles >out &&
	test_grep "^circle: low.c mid.c top.c" out &&
	test_grep "low.c -> top.c: low.h includes top.h" out
'

test_expect_success 'a file without its call graph is an error' '
	printf "int new_file(void) { return 0; }\n" >core/new.c &&
	test_must_fail python3 "$KHAOSAT_TOP/tests/lint/circles.py" \
		core ci 2>err &&
	test_grep "ci/new.ci: no call graph" err
'

test_expect_success 'a finding is accepted by file, kind and function' '
	cat >a.txt <<-\EOT &&
	core/a.c: In function ‘grow’:
	core/a.c:72:9: warning: use of uninitialized value ‘v’ [CWE-457] [-Wanalyzer-use-of-uninitialized-value]
	core/a.c: In function ‘shrink’:
	core/a.c:90:9: warning: use of uninitialized value ‘w’ [CWE-457] [-Wanalyzer-use-of-uninitialized-value]
	EOT
	cat >accepted <<-\EOT &&
	analyzer core/a.c -Wanalyzer-use-of-uninitialized-value grow: a test
	analyzer core/a.c -Wanalyzer-null-dereference grow: a test
	EOT
	test_expect_code 1 python3 "$KHAOSAT_TOP/tests/lint/findings.py" \
		--accepted accepted a.txt >out &&
	cat >expect <<-\EOT &&
	core/a.c:90:9: analyzer: use of uninitialized value ‘w’ [CWE-457] [-Wanalyzer-use-of-uninitialized-value] (in shrink)
	accepted:2: note: accepted but not found: analyzer core/a.c -Wanalyzer-null-dereference grow
	EOT
	test_cmp expect out
'

test_done
