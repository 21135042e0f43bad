#!/bin/sh
# The pseudo locale: a catalogue in which every marked message is its
# English wrapped in ⟦ ⟧ (tests/tools/pseudo_po.py).  Under it, a line of
# output that still holds an English sentence outside the brackets is a
# message nobody marked for translation (tests/tools/pseudo_check.py).
# This runs the commands whose every message is marked, as a surveyor
# runs them; a new message left unmarked there fails it.
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

test_done
