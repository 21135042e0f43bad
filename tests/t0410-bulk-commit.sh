#!/bin/sh
# A commit of many new records (an import) writes their blobs as one pack,
# flushed with its index before they take their names, and only then its
# trees, the commit and main; a commit of a few records writes loose objects, each
# flushed.  strace is the witness of the order; git fsck and git
# count-objects of the result.
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
		strace -f -o ../trace -e trace=fsync,fdatasync,rename,renameat,renameat2,link,linkat \
		"$KHAOSAT_BIN" "$@"
}

# line_of PATTERN: the number of the last line of ../trace that matches
line_of() {
	grep -n -e "$1" trace | tail -n 1 | cut -d: -f1
}

# loose: the ids of the loose objects of the survey s, sorted
loose() {
	(cd s/.git/objects && find ?? -type f | tr -d / | sort)
}

# count NAME: a number of git count-objects -v of the survey s
count() {
	git -C s count-objects -v | sed -n "s/^$1: //p"
}

test_expect_success 'setup: a survey with 300 new records' '
	make_survey s &&
	"$KHAOSAT_TOOLS/gensurvey" s 300 >/dev/null &&
	test $(find s/records -name "*.yaml" | wc -l) -eq 300 &&
	loose >loose.before
'

test_expect_success 'the import: one pack, flushed and named before the commit and main' '
	(cd s && traced commit -m import >/dev/null) &&
	test "$(count packs)" -eq 1 &&
	test "$(count in-pack)" -eq 300 &&
	loose >loose.after &&
	comm -13 loose.before loose.after >new &&
	test -s new &&
	git -C s cat-file --batch-check="%(objecttype)" <new | sort -u >types &&
	! grep -q blob types &&
	pack=$(line_of "objects/pack/pack-[0-9a-f]*\.pack\") = 0") &&
	idx=$(line_of "objects/pack/pack-[0-9a-f]*\.idx\") = 0") &&
	main=$(line_of "refs/heads/main\") = 0") &&
	test -n "$pack" && test -n "$idx" && test -n "$main" &&
	test "$pack" -lt "$main" && test "$idx" -lt "$main" &&
	last=$((idx > pack ? idx : pack)) &&
	test $(head -n "$last" trace | grep -c "fsync(") -ge 2 &&
	git -C s ls-tree -r main records | wc -l >n &&
	test "$(cat n)" -eq 300 &&
	git -C s fsck --full --strict
'

test_expect_success 'one changed record: a loose object, flushed; no new pack' '
	f=$(find s/records -name "*.yaml" | sort | head -n 1) &&
	sed "s/^name: .*/name: \"Cơ sở đổi tên\"/" "$f" >tmp && mv tmp "$f" &&
	(cd s && traced commit -m one >/dev/null) &&
	test "$(count packs)" -eq 1 &&
	test $(grep -c "fsync(" trace) -ge 3 &&
	git -C s fsck --full --strict
'

test_expect_success 'an import of records the survey has already writes no pack' '
	make_survey t &&
	"$KHAOSAT_TOOLS/gensurvey" t 300 >/dev/null &&
	(cd t && khaosat commit -m import >/dev/null) &&
	git -C t count-objects -v | sed -n "s/^packs: //p" >packs &&
	test "$(cat packs)" -eq 1 &&
	git -C t rm -r -q --cached records &&
	git -C t commit -q -m "records out of the index" &&
	(cd t && khaosat commit -m again >/dev/null) &&
	git -C t count-objects -v | sed -n "s/^packs: //p" >packs &&
	test "$(cat packs)" -eq 1 &&
	git -C t fsck --full --strict
'

test_done
