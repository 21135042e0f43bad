#!/bin/sh
# The language khaosat speaks: the person's locale, then the survey's own
# (khaosat.yaml's `language`), with KHAOSAT_LANGUAGE over both; and the
# Vietnamese catalogue whole, every marked message translated.
. "$(dirname "$0")/lib.sh"

po=$KHAOSAT_TOP/po

if command -v msgfmt >/dev/null && command -v xgettext >/dev/null &&
   command -v msgcmp >/dev/null; then
	test_expect_success 'the Vietnamese catalogue: no message untranslated or fuzzy' '
		msgfmt --check --statistics -o /dev/null "$po/vi.po" 2>stats &&
		cat stats &&
		grep -q "translated message" stats &&
		! grep -q "untranslated\|fuzzy" stats
	'

	test_expect_success 'every message marked in the code is in the catalogue' '
		sh "$KHAOSAT_TOP/po/extract.sh" now.pot &&
		msgcmp "$po/vi.po" now.pot
	'
else
	test_skip "gettext tools (msgfmt, xgettext, msgcmp) are not installed"
fi

test_expect_success 'LANGUAGE=vi: help in Vietnamese' '
	LANGUAGE=vi khaosat help >out &&
	head -n 1 out >first &&
	echo "cách dùng: khaosat [-C THƯ_MỤC] LỆNH [TUỲ_CHỌN] [THAM_SỐ]" >expect &&
	test_cmp expect first &&
	grep -q "^  sync       đồng bộ thay đổi qua USB" out
'

test_expect_success 'LANGUAGE=vi: every command'"'"'s help in Vietnamese' '
	for cmd in $(khaosat help | sed -n "s/^  \([a-z]*\)  .*/\1/p"); do
		test "$cmd" = help && continue
		LANGUAGE=vi khaosat help $cmd >out &&
		khaosat help $cmd >en &&
		head -n 1 out | grep -q "^cách dùng: khaosat $cmd" &&
		! test_cmp en out >/dev/null &&
		{ ! grep -q "^options:$" en ||
		  grep -q "^  -h, --help  *cho xem hướng dẫn này$" out; } || return 1
	done
'

test_expect_success 'LANGUAGE=vi: init, new and commit say what they did in Vietnamese' '
	LANGUAGE=vi khaosat init v --unsigned --device md01 --surveyor "Hoa" \
		--name "Mỹ Đồng" >out &&
	grep -q "^Đã tạo cuộc khảo sát \"Mỹ Đồng\" (mã [0-9a-f]*) ở " out &&
	grep -q "^Máy md01, cán bộ khảo sát Hoa. Thêm hồ sơ bằng" out &&
	grep -q "^Cuộc khảo sát không ký" out &&
	(cd v && LANGUAGE=vi khaosat new workshop --set name="Hộ Tư" \
		--set legal_type=ho_kinh_doanh --set address.village="Thôn 7" \
		--set address.commune_name="Mỹ Đồng" --set address.province_name="Hải Phòng" \
		--set trade_group=do_go_gom_su_det_may_co_khi_nho >../out) &&
	grep -q "^Đã lưu workshop md01-0001: records/workshop/md01/000/md01-0001.yaml$" out &&
	(cd v && LANGUAGE=vi khaosat commit -m "Thôn 7" >../out) &&
	echo "Đã lưu vào lịch sử khảo sát: Thôn 7" >expect &&
	test_cmp expect out &&
	sed -i "s/^surveyor: .*/surveyor: Hoa B/" v/records/workshop/md01/000/md01-0001.yaml &&
	(cd v && LANGUAGE=vi khaosat status >../out) &&
	grep -q "^  đã sửa    records/workshop/md01/000/md01-0001.yaml$" out &&
	git -C v checkout -q -- records
'

test_expect_success 'a Vietnamese locale this system lacks still gives Vietnamese' '
	LC_ALL=vi_VN.UTF-8 test_expect_code 2 khaosat nosuch 2>err &&
	echo "lỗi: không có lệnh '"'"'nosuch'"'"'; xem '"'"'khaosat help'"'"'" >expect &&
	test_cmp expect err
'

test_expect_success 'English by default' '
	test_expect_code 2 khaosat nosuch 2>err &&
	echo "error: unknown command '"'"'nosuch'"'"'; see '"'"'khaosat help'"'"'" >expect &&
	test_cmp expect err
'

test_expect_success 'a survey whose khaosat.yaml says vi speaks Vietnamese on any laptop' '
	make_survey s &&
	echo "language: vi" >>s/khaosat.yaml &&
	(cd s && khaosat commit -m "Vietnamese" >/dev/null) &&
	mkdir -p s/records/workshop/md01/000 &&
	printf "id: md01-0001\nname: 5\n" >s/records/workshop/md01/000/md01-0001.yaml &&
	(cd s && test_expect_code 1 khaosat check 2>../err) &&
	grep -q "^records/workshop/md01/000/md01-0001.yaml:[0-9]*:[0-9]*: lỗi: " err &&
	grep -q "^đã kiểm tra 1 hồ sơ: 0 hợp lệ, 1 có lỗi$" err
'

test_expect_success 'KHAOSAT_LANGUAGE=en: English in that survey all the same' '
	(cd s && KHAOSAT_LANGUAGE=en test_expect_code 1 khaosat check 2>../err) &&
	grep -q "^records/workshop/md01/000/md01-0001.yaml:[0-9]*:[0-9]*: error: " err &&
	grep -q "^checked 1 record: 0 valid, 1 invalid$" err
'

test_expect_success '--json keeps its English keys and values in Vietnamese' '
	(cd s && test_expect_code 1 khaosat check --json >../out) &&
	grep -q "\"severity\":\"error\"" out
'

test_expect_success 'a language that is not a language code is refused where it is written' '
	sed -i "s/^language: vi$/language: Vietnamese/" s/khaosat.yaml &&
	(cd s && test_expect_code 1 khaosat check 2>../err) &&
	grep -q "^khaosat.yaml:[0-9]*:11: error: \"language\" is a language code" err
'

test_done
