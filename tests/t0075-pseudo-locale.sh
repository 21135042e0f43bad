#!/bin/sh
# The pseudo locale: a catalogue in which every marked message is its
# English wrapped in ⟦ ⟧ (tests/tools/pseudo_po.py).  Under it, a line of
# output that still holds an English sentence outside the brackets is a
# message nobody marked for translation (tests/tools/pseudo_check.py).
# This runs the demo and the commands a surveyor, the centre and an
# auditor run, errors included; a new message left unmarked there fails
# it.
. "$(dirname "$0")/lib.sh"

if ! command -v xgettext >/dev/null || ! command -v msgfmt >/dev/null; then
	test_skip "gettext tools (xgettext, msgfmt) are not installed"
	test_done
	exit 0
fi

test_expect_success 'set-up: the pseudo catalogue' '
	sh "$KHAOSAT_TOP/po/extract.sh" now.pot &&
	python3 "$KHAOSAT_TOP/tests/tools/pseudo_po.py" now.pot qps.po &&
	mkdir -p locale/qps/LC_MESSAGES &&
	msgfmt --check -o locale/qps/LC_MESSAGES/khaosat.mo qps.po
'

# ks_qps ARGS...: khaosat under the pseudo locale, both outputs to "said".
ks_qps() {
	KHAOSAT_LOCALEDIR="$TRASH/locale" LANGUAGE=qps khaosat "$@" >>"$TRASH/said" 2>&1
}

test_expect_success 'help and every command'"'"'s help are all marked' '
	: >said &&
	ks_qps help &&
	for cmd in $(khaosat help | sed -n "s/^  \([a-z]*\)  .*/\1/p"); do
		ks_qps help $cmd || return 1
	done &&
	python3 "$KHAOSAT_TOP/tests/tools/pseudo_check.py" said
'

test_expect_success 'a surveyor'"'"'s day is all marked: init, new, status, commit, show, find, dupes' '
	: >said &&
	ks_qps init s --unsigned --device md01 --surveyor "Hoa" --name "Mỹ Đồng" &&
	(cd s && ks_qps new workshop --set name="Hộ Đúc Tư" \
		--set legal_type=ho_kinh_doanh --set address.village="Thôn 7" \
		--set address.commune_name="Mỹ Đồng" --set address.province_name="Hải Phòng" \
		--set trade_group=do_go_gom_su_det_may_co_khi_nho --set floor_area=350,5 &&
	 ks_qps status && ks_qps commit -m "Thôn 7" && ks_qps status &&
	 ks_qps show md01-0001 && ks_qps stats && ks_qps find Tư &&
	 { ks_qps dupes || test $? = 1; } && ks_qps conflicts ||
	 test $? = 1) &&
	python3 "$KHAOSAT_TOP/tests/tools/pseudo_check.py" said
'

test_expect_success 'a sync through a stick, and the conflict it brings, are all marked' '
	: >said &&
	mkdir stick &&
	(cd s && ks_qps sync ../stick) &&
	khaosat clone stick t --device md02 --surveyor "Minh" >/dev/null &&
	set_line s/records/workshop/md01/000/md01-0001.yaml "floor_area:" "floor_area: 400" &&
	set_line t/records/workshop/md01/000/md01-0001.yaml "floor_area:" "floor_area: 500" &&
	(cd s && khaosat commit -m s >/dev/null) &&
	(cd t && khaosat commit -m t >/dev/null && ks_qps sync ../stick) &&
	(cd s && ks_qps sync ../stick) &&
	(cd s && test_expect_code 1 ks_qps conflicts) &&
	grep -q "khaosat resolve md01-0001 /floor_area" said &&
	python3 "$KHAOSAT_TOP/tests/tools/pseudo_check.py" said
'

test_expect_success 'the demo is all marked, its narration too' '
	KHAOSAT_LOCALEDIR="$TRASH/locale" LANGUAGE=qps TMPDIR="$TRASH" \
		sh "$KHAOSAT_TOP/samples/demo.sh" "$KHAOSAT_BIN" "$SAMPLES" \
		>said 2>&1 &&
	grep -q "⟦" said &&
	python3 - khaosat-demo.*/my-dong.xlsx >>said <<-\EOF &&
	import re, sys, zipfile
	z = zipfile.ZipFile(sys.argv[1])
	for n in sorted(z.namelist()):
	    if n.startswith("xl/worksheets/"):
	        # row 2 of a table holds the field paths, which are data
	        rows = re.findall(r"<row [^>]*r=\"(\d+)\"[^>]*>(.*?)</row>", z.read(n).decode())
	        for r, cells in rows:
	            if r != "2":
	                print("\n".join(re.findall(r"<t[^>]*>([^<]*)</t>", cells)))
	EOF
	grep -q "⟦Record status⟧" said &&
	python3 "$KHAOSAT_TOP/tests/tools/pseudo_check.py" said
'

W1=records/workshop/md01/000/md01-0001.yaml
test_expect_success 'errors are all marked: bad records, bad values, bad commands' '
	: >said &&
	ks_qps init e --unsigned --device md01 --surveyor "Hoa" &&
	cp -R "$SAMPLES/records" e/ &&
	(cd e && khaosat commit -m samples >/dev/null) &&
	mkdir -p e/records/workshop/md01/001 &&
	cp "$TEST_DATA"/bad/three-errors.yaml e/records/workshop/md01/001/md01-0100.yaml &&
	sed -i "s/^id: .*/id: md01-0100/" e/records/workshop/md01/001/md01-0100.yaml &&
	cp "$TEST_DATA"/bad/malformed.yaml e/records/workshop/md01/001/md01-0101.yaml &&
	set_line e/$W1 "tax_code:" "tax_code: \"0100233480\"" &&
	set_line e/$W1 "phone:" "phone: \"0212345678\"" &&
	(cd e &&
	 { ks_qps check; test $? = 1; } &&
	 { ks_qps status; true; } &&
	 { ks_qps commit -m x; test $? = 1; } &&
	 { ks_qps fmt --check; true; } &&
	 { ks_qps new workshop --set name=X --set legal_type=xyz --set workers.regular=2e9 --set phone=abc; test $? = 1; } &&
	 { ks_qps new workshop --set legal_type=ho_kinh_doanh --set surveyed_at=31/02/2024; test $? = 1; } &&
	 { ks_qps show md09-0009; test $? != 0; } &&
	 { ks_qps delete md01-0002; test $? = 2; } &&
	 { ks_qps sync /nonexistent/stick; test $? != 0; } &&
	 { ks_qps sync; test $? != 0; } &&
	 { ks_qps resolve md01-0001 /phone --take 1; test $? != 0; } &&
	 { ks_qps frobnicate; test $? = 2; } &&
	 { ks_qps export --format nonsense; test $? = 2; }) &&
	cp said said.errors &&
	grep -c "⟦" said >count && test $(cat count) -gt 20 &&
	python3 "$KHAOSAT_TOP/tests/tools/pseudo_check.py" said
'

test_expect_success 'the centre and the auditor: export, history, hub, members, verify' '
	: >said &&
	(cd s && ks_qps history md01-0001 && ks_qps history md01-0001 floor_area &&
	 ks_qps blame md01-0001 && ks_qps log -n 3 &&
	 ks_qps export --format csv -o ../csv && ks_qps verify &&
	 ks_qps remote list && ks_qps device list; true) &&
	cat csv/*.csv >>said &&
	ks_qps init --bare hub.git &&
	(cd s && ks_qps remote add hub ../hub.git && ks_qps sync hub &&
	 ks_qps sync -v hub) &&
	python3 "$KHAOSAT_TOP/tests/tools/pseudo_check.py" said
'

# serve_qps: khaosat serve on survey s under the pseudo locale, in the
# background; its pid in serve.pid.
serve_qps() {
	(cd s && KHAOSAT_LOCALEDIR="$TRASH/locale" KHAOSAT_LANGUAGE=qps \
		exec "$KHAOSAT_BIN" serve --port 0 >../serve.out 2>&1) &
	echo $! >serve.pid
}

test_expect_success 'the web pages are all marked' '
	serve_qps &&
	for i in $(seq 1 100); do
		grep -q "?k=" serve.out && break
		sleep 0.1
	done &&
	python3 - "$(grep -o "http://[^ ]*" serve.out)" >said <<-\EOF &&
	import html, re, sys, urllib.request
	url = sys.argv[1]
	base, key = url.split("/?k=")
	for path in ("/", "/records", "/records?q=T%C6%B0", "/records/md01-0001", "/records/md01-0001/history", "/conflicts", "/records/nowhere"):
	    req = urllib.request.Request(base + path, headers={"Cookie": "ks=" + key})
	    try:
	        page = urllib.request.urlopen(req).read().decode()
	    except urllib.error.HTTPError as e:
	        page = e.read().decode()
	    # the text a person reads: tags out, entities decoded, one line each
	    text = re.sub(r"<[^>]*>", "\n", page)
	    print(html.unescape(text))
	EOF
	kill $(cat serve.pid) &&
	grep -q "⟦" said &&
	python3 "$KHAOSAT_TOP/tests/tools/pseudo_check.py" said
'

test_done
