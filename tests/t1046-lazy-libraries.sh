#!/bin/sh
# The libraries only some commands use (photos: libjpeg, libpng, libwebp,
# libexif; spreadsheets: libxlsxwriter; zip: minizip; international host
# names: libidn2) are loaded at their first call, not at every start:
# status, check and a commit open none of them; an export, a photo and a
# host name in punycode each load theirs and do their work; a library
# that cannot be loaded stops the command with its name and its Debian
# package, the survey as it was.
. "$(dirname "$0")/lib.sh"

LAZY='libjpeg\.so|libpng16\.so|libwebp\.so|libexif\.so|libxlsxwriter\.so|libminizip\.so|libidn2\.so'

if ! command -v strace >/dev/null 2>&1; then
	test_skip "strace is not installed (Debian package strace): the files opened are not traced"
	test_done
	exit 0
fi
case $KHAOSAT_BIN in
*.exe)
	test_skip "the Windows build links every library"
	test_done
	exit 0
	;;
esac

# traced ARGS...: khaosat ARGS under strace, its opened files in ../trace
# (LeakSanitizer cannot run under ptrace; memory errors are still caught)
traced() {
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		strace -f -o ../trace -e trace=open,openat "$KHAOSAT_BIN" "$@"
}

# loaded TRACE: the lazily loaded libraries a traced run opened, one a line
loaded() {
	grep -v ENOENT "$1" | grep -oE "$LAZY" | sort -u
}

test_expect_success 'setup: a committed survey' '
	make_survey s &&
	copy_samples s &&
	(cd s && khaosat commit -m samples >/dev/null)
'

test_expect_success 'the program is not linked against them' '
	{ readelf -d "$KHAOSAT_BIN" >dyn 2>/dev/null || objdump -p "$KHAOSAT_BIN" >dyn; } &&
	grep -q NEEDED dyn &&
	grep NEEDED dyn >needed &&
	! grep -E "$LAZY" needed
'

test_expect_success 'status, check, a commit and stats open none of them' '
	echo "# visited again" >>s/records/workshop/md01/000/md01-0001.yaml &&
	for c in status check "commit -m again" stats; do
		(cd s && traced $c >/dev/null 2>../err) || return 1
		grep -q "record" trace &&
		loaded trace >libs &&
		test_must_be_empty libs || return 1
	done
'

test_expect_success 'a spreadsheet export loads libxlsxwriter and writes the workbook' '
	(cd s && traced export -o ../all.xlsx 2>../err) &&
	loaded trace >libs &&
	grep -qx "libxlsxwriter\.so" libs &&
	! grep -qx "libjpeg\.so" libs &&
	python3 -c "import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
sys.exit(z.testzip() is not None or \"xl/workbook.xml\" not in z.namelist())" all.xlsx
'

if /usr/bin/python3 -c "import PIL" 2>/dev/null; then
	test_expect_success 'a photo attached loads libjpeg and libexif, which read it' '
		/usr/bin/python3 "$KHAOSAT_TOP/tests/tools/mkphoto.py" p.jpg \
			--size 640x480 --gps 20.9871,106.6512 &&
		(cd s && traced attach md01-0001 ../p.jpg >../out 2>../err) &&
		loaded trace >libs &&
		grep -qx "libjpeg\.so" libs &&
		grep -qx "libexif\.so" libs &&
		grep -q "20.9871" s/records/workshop/md01/000/md01-0001.yaml
	'
else
	test_skip "python3-pil is not installed: no photo to attach"
fi

test_expect_success 'a host name in punycode loads libidn2, which judges it' '
	mkdir h &&
	cat >h/host.yaml <<-\EOF &&
	$schema: https://json-schema.org/draft/2020-12/schema
	type: object
	properties:
	  site:
	    type: string
	    format: hostname
	EOF
	echo "site: xn--hni-9ka0849a.vn" >h/good.yaml &&
	echo "site: xn--VITNAM-JK8B.vn" >h/bad.yaml &&
	(cd h && traced check --schema host.yaml good.yaml >../out 2>../err) &&
	loaded trace >libs &&
	test "$(cat libs)" = "libidn2.so" &&
	(cd h && test_must_fail "$KHAOSAT_BIN" check --schema host.yaml bad.yaml >../out 2>../err) &&
	grep -q "^bad.yaml:1:7: .*has a capital letter" err
'

test_expect_success 'a library that cannot be loaded: named with its package, nothing changed' '
	mkdir -p broken &&
	: >broken/libxlsxwriter.so.4 &&
	{ git -C s rev-parse HEAD && git -C s status --porcelain; } >before &&
	(cd s && test_expect_code 127 env LD_LIBRARY_PATH="$PWD/../broken" \
		"$KHAOSAT_BIN" export -o ../broken.xlsx >../out 2>../err) &&
	grep -q "cannot load the library libxlsxwriter.so.4 (Debian package libxlsxwriter4)" err &&
	test ! -e broken.xlsx &&
	{ git -C s rev-parse HEAD && git -C s status --porcelain; } >after &&
	test_cmp before after
'

test_done
