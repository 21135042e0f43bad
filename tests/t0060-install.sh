#!/bin/sh
# make install honours PREFIX and DESTDIR and installs the binary, the
# man page, which man can render, and the message catalogues.
. "$(dirname "$0")/lib.sh"

test_expect_success 'make install DESTDIR=... PREFIX=/usr puts both files in place' '
	case "$KHAOSAT_BIN" in
	*/asan/*) san=1 ;;
	*) san= ;;
	esac &&
	make -s -C "$KHAOSAT_TOP" install DESTDIR="$TRASH/dest" PREFIX=/usr \
		SANITIZE=$san >out 2>&1 &&
	test -x dest/usr/bin/khaosat &&
	test_path_is_file dest/usr/share/man/man1/khaosat.1 &&
	dest/usr/bin/khaosat --version >version &&
	grep -q "^khaosat " version
'

test_expect_success 'the installed program finds its Vietnamese catalogue' '
	test_path_is_file dest/usr/share/locale/vi/LC_MESSAGES/khaosat.mo &&
	LANGUAGE=vi dest/usr/bin/khaosat help >out &&
	grep -q "^cách dùng: khaosat" out
'

test_expect_success 'the man page renders without troff warnings' '
	if command -v groff >/dev/null 2>&1; then
		groff -k -man -Tutf8 -P-cbou -ww dest/usr/share/man/man1/khaosat.1 >page 2>warn &&
		test_must_be_empty warn &&
		grep -q "khaosat merge REF" page
	fi
'

test_expect_success 'the Vietnamese man page is installed under vi and renders' '
	test_path_is_file dest/usr/share/man/vi/man1/khaosat.1 &&
	if command -v groff >/dev/null 2>&1; then
		groff -k -man -Tutf8 -P-cbou -ww dest/usr/share/man/vi/man1/khaosat.1 >page 2>warn &&
		test_must_be_empty warn &&
		grep -q "khaosat merge REF" page &&
		grep -q "đồng bộ" page
	fi
'

test_done
