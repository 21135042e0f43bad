#!/bin/sh
# khaosat serve in a real browser: headless Chromium driven through
# WebDriver (tests/tools/browser.py) does what a surveyor and the centre
# do, by clicking and typing: the overview, a workshop added through the
# form with Vietnamese text (a wrong value refused at its field, fixed, a
# product added), a record changed, a conflict settled, a search.  git is
# the witness of what was saved.  A screenshot of each page is kept in
# the build folder (screenshots/), where the README's come from.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-serve.sh"

W1=records/workshop/md01/000/md01-0001.yaml
SHOTS=$(dirname "$KHAOSAT_BIN")/screenshots

# The browser's Python is Debian's, where python3-selenium is.
PY=/usr/bin/python3
if ! test -x /usr/bin/chromium || ! test -x /usr/bin/chromedriver ||
   ! $PY -c "import selenium" 2>/dev/null; then
	test_skip 'a real browser (chromium, chromium-driver, python3-selenium: make deps installs them)'
	test_done
fi

# browse STEP [ARG...]: one step of tools/browser.py on the server.
browse() {
	$PY "$KHAOSAT_TOP/tests/tools/browser.py" "$(sed -n "s/^  \(http:.*\)$/\1/p" serve.out)" \
		"$SHOTS" "$@"
}

test_expect_success 'set-up: two laptops that changed one field differently, the first served' '
	two_laptops &&
	set_line c/$W1 "legal_type:" "legal_type: hop_tac_xa" &&
	set_line c2/$W1 "legal_type:" "legal_type: ho_kinh_doanh" &&
	exchange_laptops &&
	rm -rf "$SHOTS" &&
	start_server c && served
'

test_expect_success 'the overview in the browser, in Vietnamese' '
	browse overview >out &&
	grep -q "^Tổng quan$" out &&
	grep -q "^Cơ sở công nghiệp nông thôn 33 Thêm mới$" out &&
	test -s "$SHOTS/overview.png"
'

test_expect_success 'a workshop through the form: refused at its field, fixed, a product added, saved' '
	browse new-workshop >out &&
	grep -q "^refused: \"12345\" không phải là số điện thoại hợp lệ" out &&
	grep -q "^Đã lưu vào lịch sử khảo sát.$" out &&
	id=$(sed -n "s/^saved: //p" out) &&
	f=c/$(record_path workshop $id) &&
	grep -q "^name: Hộ kinh doanh Phạm Văn Tuấn$" $f &&
	grep -q "^phone: \"0912345678\"$" $f &&
	grep -q "^  regular: 1200$" $f &&
	grep -q "^  - name: Nắp hố ga$" $f &&
	git -C c log -1 --format="%an|%s" >log &&
	grep -q "^Nguyễn Thị Hoa|Add workshop $id$" log &&
	test -z "$(git -C c status --porcelain)" &&
	git -C c fsck --no-progress &&
	! ls c/.git/khaosat/forms/*.yaml 2>/dev/null &&
	test -s "$SHOTS/form-refused.png" && test -s "$SHOTS/record.png"
'

test_expect_success 'as it is typed: a problem shown under its field, the answers kept though the tab is closed' '
	browse type-and-leave >out &&
	grep -q "^live: \"12345\" không phải là số điện thoại hợp lệ" out &&
	grep -q "^kept: Đã giữ lúc " out &&
	grep -l "name: Hộ kinh doanh Gõ Dở" c/.git/khaosat/forms/workshop-*.yaml >kept &&
	test_line_count = 1 kept &&
	browse overview >out &&
	test -s "$SHOTS/form-typing.png" &&
	rm $(cat kept)
'

test_expect_success 'a record changed through its form' '
	browse edit md01-0003 /main_trade "Đúc gang cầu" >out &&
	grep -q "^Đã lưu vào lịch sử khảo sát.$" out &&
	grep -q "^main_trade: Đúc gang cầu$" c/$(record_path workshop md01-0003) &&
	git -C c log -1 --format=%s >log &&
	grep -q "^Edit workshop md01-0003$" log &&
	git -C c diff --stat HEAD^ HEAD >stat &&
	grep -q "1 file changed, 1 insertion(+), 1 deletion(-)" stat &&
	sleep 2 &&
	! ls c/.git/khaosat/forms/*.yaml 2>/dev/null
'

test_expect_success 'a conflict settled with one click' '
	browse settle md01-0001 "Hộ kinh doanh (HKD)" >out &&
	grep -q "^Đã giải quyết xung đột" out &&
	grep -q "^legal_type: ho_kinh_doanh$" c/$W1 &&
	(cd c && khaosat conflicts >/dev/null) &&
	test -z "$(git -C c status --porcelain)" &&
	test -s "$SHOTS/conflicts.png"
'

test_expect_success 'the records searched without accents find the new workshop' '
	browse search "pham van tuan" >out &&
	grep -q "Hộ kinh doanh Phạm Văn Tuấn" out &&
	test -s "$SHOTS/records.png"
'

test_expect_success 'a stick sync from the sync page, watched until done' '
	set_line c2/records/workshop/md01/000/md01-0004.yaml "phone:" "phone: \"0912000555\"" &&
	(cd c2 && khaosat commit -m phone >/dev/null && khaosat sync ../stick >/dev/null) &&
	browse sync "$PWD/stick" >out &&
	grep -q "^Đã đồng bộ xong với $PWD/stick.$" out &&
	grep -q "^  md07 " out &&
	grep -q "^phone: \"0912000555\"$" c/$(record_path workshop md01-0004) &&
	test -z "$(git -C c status --porcelain)" &&
	test -s "$SHOTS/sync.png"
'

test_expect_success 'the figures as charts, and the spreadsheet downloaded and read back' '
	browse download dl >out &&
	f=$(cat out) &&
	case "$f" in *.xlsx) ;; *) echo "downloaded $f"; false ;; esac &&
	python3 -c "
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
text = \"\".join(z.read(n).decode() for n in z.namelist() if n.startswith(\"xl/worksheets/\"))
assert \"Hộ kinh doanh Phạm Văn Tuấn\" in text, \"the new workshop is not in the spreadsheet\"
assert \"Đúc gang cầu\" in text
" "$f" &&
	test -s "$SHOTS/figures.png"
'

test_expect_success 'photos chosen in the browser are attached, saved and shown' '
	/usr/bin/python3 "$KHAOSAT_TOP/tests/tools/mkphoto.py" p1.jpg --size 1200x900 &&
	/usr/bin/python3 "$KHAOSAT_TOP/tests/tools/mkphoto.py" p2.png --format png --size 300x200 &&
	before=$(git -C c rev-parse HEAD) &&
	browse attach md01-0003 "Lò và hệ thống lọc bụi" p1.jpg p2.png >out &&
	grep -q "^photos shown: 2$" out &&
	test "$(git -C c rev-list --count $before..HEAD)" = 1 &&
	test "$(ls c/attachments/workshop/md01/000/md01-0003 | wc -l)" = 2 &&
	grep -q "caption: Lò và hệ thống lọc bụi" c/records/workshop/md01/000/md01-0003.yaml &&
	test -z "$(git -C c status --porcelain)" &&
	test -s "$SHOTS/photos.png"
'

test_expect_success 'a workshop placed on the map by a click, and saved' '
	before=$(git -C c rev-parse HEAD) &&
	browse map md01-0004 20.93 106.70 14 100 -80 >out &&
	sed -n "1p" out >chosen &&
	$PY - <<-\EOF &&
	import re
	said = open("chosen").read()
	lat, lon = map(float, re.findall(r"\d+\.\d+", said)[:2])
	span = 16 / 2 ** 14
	north = 20.93 + span / 2
	want_lat = north - (240 + 0.5) / 640 * span
	assert abs(lat - want_lat) < 3 * span / 640, (lat, want_lat)
	assert lon > 106.70 and lon < 106.70 + span, lon
	EOF
	test "$(git -C c rev-list --count $before..HEAD)" = 1 &&
	W4=c/records/workshop/md01/000/md01-0004.yaml &&
	grep -q "^  source: map$" $W4 &&
	lat=$(sed -n "s/^  latitude: //p" $W4) &&
	grep -q "$lat" chosen &&
	test -z "$(git -C c status --porcelain)" &&
	test -s "$SHOTS/map.png"
'

test_expect_success 'stop the server' '
	stop_server
'

test_done
