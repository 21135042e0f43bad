#!/bin/sh
# A commit of many new records (an import) writes its objects without a
# flush each and flushes them all with one syncfs before the commit object
# and main are written; a commit of a few records flushes each object as it
# goes.  strace is the witness of the order; git fsck of the result.
. "$(dirname "$0")/lib.sh"

if ! command -v strace >/dev/null 2>&1; then
	test_skip "strace is not installed (Debian package strace): the flushes are not traced"
	test_done
	exit 0
fi

# traced ARGS...: khaosat ARGS under strace, its flushes and renames in
# ../trace, one line each (libgit2 moves a file into place with link(),
# or rename() when the name is taken; LeakSanitizer cannot run under
# ptrace)
traced() {
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		strace -f -o ../trace -e trace=fsync,fdatasync,syncfs,rename,renameat,renameat2,link,linkat \
		"$KHAOSAT_BIN" "$@"
}

# line_of PATTERN: the number of the last line of ../trace that matches
line_of() {
	grep -n -e "$1" trace | tail -n 1 | cut -d: -f1
}

test_expect_success 'setup: a survey with 300 new records' '
	make_survey s &&
	"$KHAOSAT_TOOLS/gensurvey" s 300 >/dev/null &&
	test $(find s/records -name "*.yaml" | wc -l) -eq 300
'

test_expect_success 'the import: one syncfs after the objects, before the commit and main' '
	(cd s && traced commit -m import >/dev/null) &&
	test $(grep -c "syncfs(" trace) -eq 1 &&
	flush=$(line_of "syncfs(") &&
	main=$(line_of "refs/heads/main\") = 0") &&
	test -n "$flush" && test -n "$main" &&
	test "$flush" -lt "$main" &&
	obj="/objects/[0-9a-f][0-9a-f]/[0-9a-f]*\") = 0" &&
	test $(head -n "$flush" trace | grep -c -e "$obj") -ge 300 &&
	test $(tail -n +"$flush" trace | grep -c -e "$obj") -le 1 &&
	test $(grep -c "fsync(" trace) -lt 50 &&
	git -C s ls-tree -r main records | wc -l >n &&
	test "$(cat n)" -eq 300 &&
	git -C s fsck --full --strict
'

test_expect_success 'one changed record: each object flushed, no syncfs' '
	f=$(find s/records -name "*.yaml" | sort | head -n 1) &&
	sed "s/^name: .*/name: \"Cơ sở đổi tên\"/" "$f" >tmp && mv tmp "$f" &&
	(cd s && traced commit -m one >/dev/null) &&
	! grep -q "syncfs(" trace &&
	test $(grep -c "fsync(" trace) -ge 3 &&
	git -C s fsck --full --strict
'

test_done
