#!/bin/sh
# khaosat serve's forms: a new record and a changed one through the
# browser's form, generated from the schema, read as the terminal form
# reads what is typed, checked by the same validator, kept as the same
# unfinished form at every press, and saved as the same commit.  Every
# refused request leaves the survey as it was.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-serve.sh"

# hold_lock SECONDS [DIR]: another program holds the survey lock of DIR
# (default s) for that long, from now; the file held appears once it has it.
hold_lock() {
	rm -f held
	python3 -c "
import fcntl, time
f = open(\"${2:-s}/.git/khaosat/lock\", \"a\"); fcntl.flock(f, fcntl.LOCK_EX)
open(\"held\", \"w\").close(); time.sleep($1)" &
	for i in $(seq 1 50); do
		test -f held && return 0
		sleep 0.1
	done
	return 1
}

# field NAME FILE: the value attribute of the input named NAME.
field() {
	sed -n "s|.*name=\"$1\"[^>]*value=\"\([^\"]*\)\".*|\1|p" "$2" | head -1
}

test_expect_success 'set-up: a survey with the samples, served on a free port' '
	make_survey s &&
	copy_samples s &&
	(cd s && khaosat commit -m samples >/dev/null) &&
	start_server && served &&
	token >csrf &&
	test -s csrf
'

test_expect_success 'the new form: fields by title, choices by label, the usual fields filled' '
	req -c GET /new/workshop >out &&
	test "$(status out)" = 200 &&
	grep -q "<h1>Thêm Cơ sở công nghiệp nông thôn</h1>" out &&
	grep -q "<label for=\"f/name\">Tên cơ sở <abbr class=\"req\">\*</abbr></label>" out &&
	grep -q "<option value=\"hop_tac_xa\">Hợp tác xã (HTX)</option>" out &&
	grep -q "<input id=\"f/surveyed_at\" name=\"/surveyed_at\" type=\"date\" value=\"$(date +%Y-%m-%d)\">" out &&
	test "$(field /surveyor out)" = "Nguyễn Thị Hoa" &&
	grep -q "<legend>Địa chỉ</legend>" out &&
	grep -q "name=\"/address/commune_name\"" out &&
	grep -q "value=\"add /products\">Thêm Sản phẩm</button>" out &&
	grep -q "<input type=\"checkbox\" name=\"/pollution/sources\" value=\"xi_lo\"> Chất thải rắn: xỉ lò</label>" out &&
	! grep -q "name=\"/id\"" out
'

test_expect_success 'a valid workshop saved: one commit as the surveyor, text in NFC, numbers as typed in Vietnamese' '
	nfd=$(python3 -c "import unicodedata; print(unicodedata.normalize(\"NFD\", \"Hộ kinh doanh Đúc Thành\"))") &&
	test "$(printf %s "$nfd" | wc -c)" -gt "$(printf %s "Hộ kinh doanh Đúc Thành" | wc -c)" &&
	req -c -f POST /new/workshop csrf=$(cat csrf) op=save \
		"/name=$nfd" /legal_type=ho_kinh_doanh \
		/address/commune_name=Mỹ\ Đồng /address/province_name=Hải\ Phòng \
		/trade_group=do_go_gom_su_det_may_co_khi_nho \
		"/surveyed_at=$(date +%Y-%m-%d)" "/surveyor=Nguyễn Thị Hoa" \
		"/annual_revenue=2.500.000.000" "/phone=0912 345 678" >out &&
	test "$(status out)" = 303 &&
	id=$(sed -n "s|^Location: /records/\(md01-[0-9]*\)?saved=1$|\1|p" out) &&
	test -n "$id" && echo $id >id1 &&
	f=s/$(record_path workshop $id) &&
	grep -q "^name: Hộ kinh doanh Đúc Thành$" $f &&
	grep -q "^annual_revenue: 2500000000$" $f &&
	grep -q "^phone: \"0912345678\"$" $f &&
	git -C s log -1 --format="%an|%s|%(trailers:key=Device,valueonly)" >log &&
	grep -q "^Nguyễn Thị Hoa|Add workshop $id|md01$" log &&
	test -z "$(git -C s status --porcelain)" &&
	(cd s && khaosat check >/dev/null) &&
	! ls s/.git/khaosat/forms/*.yaml 2>/dev/null &&
	req -c GET "/records/$id?saved=1" >out &&
	grep -q "Đã lưu vào lịch sử khảo sát" out
'

test_expect_success 'an invalid form: refused with each problem at its field, the text kept as typed' '
	state s | grep -v "khaosat/forms" >before &&
	req -c -f POST /new/workshop csrf=$(cat csrf) op=save \
		"/name=" /legal_type=hop_tac_xa "/phone=12345" \
		"/floor_area=1.234" "/address/province_name=Hải Phòng" >out &&
	test "$(status out)" = 422 &&
	grep -q "Chưa lưu: hồ sơ chưa hợp lệ" out &&
	grep -q "<li>Tên cơ sở: " out &&
	sed -n "/id=\"f\/floor_area\"/,/<\/div>/p" out >at &&
	grep -q "value=\"1.234\"" at &&
	grep -q "<ul class=\"problems\"><li>.*1.234" at &&
	sed -n "/id=\"f\/phone\"/,/<\/div>/p" out >at &&
	grep -q "class=\"problems\"" at &&
	state s | grep -v "khaosat/forms" >after &&
	test_cmp before after
'

test_expect_success 'the answers are kept as an unfinished form, offered on the overview and reopened' '
	ls s/.git/khaosat/forms/workshop-*.yaml >forms &&
	test_line_count = 1 forms &&
	form=$(basename "$(cat forms)") &&
	grep -q "province_name: Hải Phòng" s/.git/khaosat/forms/$form &&
	req -c GET / >out &&
	grep -q "href=\"/new/workshop?form=$form\"" out &&
	req -c GET "/new/workshop?form=$form" >out &&
	test "$(status out)" = 200 &&
	test "$(field /address/province_name out)" = "Hải Phòng" &&
	test "$(field form out)" = "$form" &&
	req -c GET "/new/workshop?form=..%2F..%2Fkhaosat.yaml" >out &&
	test "$(status out)" = 404 &&
	req -c GET "/new/brand?form=$form" >out &&
	test "$(status out)" = 404
'

test_expect_success 'items of a list are added and removed; an empty item stays until removed' '
	form=$(basename "$(cat forms)") &&
	req -c -O "http://127.0.0.1:$(cat port)" -f POST /new/workshop csrf=$(cat csrf) \
		form=$form "op=add /products" "/name=Xưởng đúc" >out &&
	test "$(status out)" = 200 &&
	grep -q "<legend>Sản phẩm 1</legend>" out &&
	grep -q "name=\"/products/0/name\"" out &&
	req -c -f POST /new/workshop csrf=$(cat csrf) form=$form "op=add /products" \
		"/name=Xưởng đúc" /products/0= "/products/0/name=Nắp hố ga" >out &&
	grep -q "<legend>Sản phẩm 2</legend>" out &&
	test "$(field /products/0/name out)" = "Nắp hố ga" &&
	req -c -f POST /new/workshop csrf=$(cat csrf) form=$form "op=del /products/0" \
		"/name=Xưởng đúc" /products/0= "/products/0/name=Nắp hố ga" \
		/products/1= "/products/1/name=Chân song" >out &&
	! grep -q "<legend>Sản phẩm 2</legend>" out &&
	test "$(field /products/0/name out)" = "Chân song" &&
	grep -q "Chân song" s/.git/khaosat/forms/$form
'

test_expect_success 'kept as a draft, then fixed and saved: the draft becomes a record' '
	form=$(basename "$(cat forms)") &&
	req -c -f POST /new/workshop csrf=$(cat csrf) form=$form op=draft \
		"/name=Hộ Phạm Văn Tuấn" /legal_type=ho_kinh_doanh >out &&
	test "$(status out)" = 303 &&
	id=$(sed -n "s|^Location: /records/\(md01-[0-9]*\)/edit?kept=1$|\1|p" out) &&
	test -n "$id" &&
	test -f s/.git/khaosat/drafts/$id.yaml &&
	! test -f s/.git/khaosat/forms/$form &&
	req -c GET "/records/$id/edit?kept=1" >out &&
	test "$(status out)" = 200 &&
	grep -q "Đã giữ làm bản nháp" out &&
	test "$(field /name out)" = "Hộ Phạm Văn Tuấn" &&
	req -c -f POST /records/$id/edit csrf=$(cat csrf) op=save \
		"/name=Hộ Phạm Văn Tuấn" /legal_type=ho_kinh_doanh \
		/address/commune_name=Mỹ\ Đồng /address/province_name=Hải\ Phòng \
		/trade_group=do_go_gom_su_det_may_co_khi_nho \
		"/surveyed_at=2026-12-01" "/surveyor=Nguyễn Thị Hoa" >out &&
	test "$(status out)" = 303 &&
	! test -f s/.git/khaosat/drafts/$id.yaml &&
	git -C s show --stat HEAD >log &&
	grep -q "Add workshop $id" log &&
	grep -q "$(record_path workshop $id)" log &&
	test -z "$(git -C s status --porcelain)"
'

test_expect_success 'kept as it is typed (op=keep): the answers kept, the problems as JSON' '
	req -c GET /static/form.js >out &&
	test "$(status out)" = 200 &&
	grep -q "^Content-Type: text/javascript; charset=utf-8$" out &&
	req -c -f POST /new/workshop csrf=$(cat csrf) op=keep "/name=Hộ Lê Văn Bình" "/phone=12345" >out &&
	test "$(status out)" = 200 &&
	grep -q "^Content-Type: application/json$" out &&
	sed "1,/^$/d" out >keep.json &&
	python3 -c "
import json
j = json.load(open(\"keep.json\"))
assert j[\"form\"].startswith(\"workshop-\") and j[\"form\"].endswith(\".yaml\"), j
assert j[\"said\"].startswith(\"Đã giữ lúc \"), j
fields = {p[\"field\"] for p in j[\"problems\"]}
assert \"/phone\" in fields and \"/legal_type\" in fields, fields
print(j[\"form\"])" >form &&
	grep -q "name: Hộ Lê Văn Bình" "s/.git/khaosat/forms/$(cat form)" &&
	rm "s/.git/khaosat/forms/$(cat form)"
'

test_expect_success 'a change kept unsaved: offered on the overview and on the record, shown again, removed once saved' '
	f=s/$(record_path workshop md01-0007) &&
	req -c GET /records/md01-0007/edit >out &&
	python3 "$KHAOSAT_TOP/tests/tools/formfields.py" out >fields &&
	sed -i "s|^/main_trade=.*|/main_trade=Đúc nhôm thỏi|" fields &&
	req -c -F fields -f POST /records/md01-0007/edit csrf=$(cat csrf) op=keep >out &&
	test "$(status out)" = 200 &&
	change=$(ls s/.git/khaosat/forms/) &&
	grep -q "^of: md01-0007$" s/.git/khaosat/forms/$change &&
	grep -q "^base: $(git -C s rev-parse HEAD:$(record_path workshop md01-0007))$" s/.git/khaosat/forms/$change &&
	! grep -q "Đúc nhôm thỏi" $f &&
	req -c GET / >out &&
	grep -q "href=\"/records/md01-0007/edit?form=$change\">Thay đổi workshop md01-0007 chưa lưu" out &&
	(cd s && khaosat status) >st &&
	grep -q "workshop md01-0007  thay đổi bắt đầu lúc\|workshop md01-0007  a change started" st &&
	req -c GET /records/md01-0007/edit >out &&
	grep -q "edit?form=$change\">Tiếp tục thay đổi hồ sơ này" out &&
	req -c GET "/records/md01-0007/edit?form=$change" >out &&
	test "$(field /main_trade out)" = "Đúc nhôm thỏi" &&
	python3 "$KHAOSAT_TOP/tests/tools/formfields.py" out >fields &&
	grep -q "^form=$change$" fields &&
	req -c -F fields -f POST /records/md01-0007/edit csrf=$(cat csrf) op=save >out &&
	test "$(status out)" = 303 &&
	grep -q "^main_trade: Đúc nhôm thỏi$" $f &&
	! test -e s/.git/khaosat/forms/$change &&
	req -c GET "/new/workshop?form=$change" >out &&
	test "$(status out)" = 404
'

test_expect_success 'every sample record opened and saved unchanged: nothing changes, not one byte' '
	git -C s rev-parse HEAD >before &&
	python3 "$KHAOSAT_TOP/tests/tools/resave.py" "$(cat csrf)" \
		$(cd s && ls records/*/*/*/*.yaml | sed "s|.*/||; s|\.yaml$||") &&
	git -C s rev-parse HEAD >after &&
	test_cmp before after &&
	test -z "$(git -C s status --porcelain)"
'

test_expect_success 'a record changed in the form: committed as an edit, the other fields kept' '
	req -c GET /records/md01-0002/edit >out &&
	test "$(status out)" = 200 &&
	base=$(field base out) &&
	test "$base" = "$(git -C s rev-parse main:records/workshop/md01/000/md01-0002.yaml)" &&
	python3 "$KHAOSAT_TOP/tests/tools/formfields.py" out >fields &&
	grep -q "^/name=" fields &&
	sed -i "s|^/phone=.*|/phone=0225 3871 234|" fields &&
	req -c -F fields -f POST /records/md01-0002/edit \
		csrf=$(cat csrf) op=save >out &&
	test "$(status out)" = 303 &&
	git -C s diff HEAD^ HEAD -- records >diff &&
	grep -q "^+phone: \"02253871234\"$" diff &&
	test "$(grep -c "^[-+][^-+]" diff)" = 2 &&
	git -C s log -1 --format=%s >log &&
	grep -q "^Edit workshop md01-0002$" log
'

test_expect_success 'changed meanwhile on the laptop: the two changes are merged field by field' '
	req -c GET /records/md01-0003/edit >out &&
	python3 "$KHAOSAT_TOP/tests/tools/formfields.py" out >fields &&
	(cd s && khaosat edit md01-0003 --set "main_trade=Đúc đồng" >/dev/null 2>&1 ||
	 set_field records/workshop/md01/000/md01-0003.yaml /main_trade "Đúc đồng") &&
	(cd s && khaosat commit -m "main trade" >/dev/null) &&
	sed -i "s|^/phone=.*|/phone=0904111222|" fields &&
	req -c -F fields -f POST /records/md01-0003/edit \
		csrf=$(cat csrf) op=save >out &&
	test "$(status out)" = 303 &&
	f=s/records/workshop/md01/000/md01-0003.yaml &&
	grep -q "^main_trade: Đúc đồng$" $f &&
	grep -q "^phone: \"0904111222\"$" $f &&
	test -z "$(git -C s status --porcelain)"
'

test_expect_success 'a tax code another record holds, committed or changed in the folder, is a problem at its field' '
	W1=records/workshop/md01/000/md01-0001.yaml &&
	W5=s/records/workshop/md01/000/md01-0005.yaml &&
	T1=$(sed -n "s/^tax_code: \"\(.*\)\"$/\1/p" s/$W1) &&
	T5=$(sed -n "s/^tax_code: \"\(.*\)\"$/\1/p" $W5) &&
	req -c GET /records/md01-0004/edit >out &&
	python3 "$KHAOSAT_TOP/tests/tools/formfields.py" out >fields &&
	sed "s|^/tax_code=.*|/tax_code=$T1|" fields >f1 &&
	sed "s|^/tax_code=.*|/tax_code=$T5|" fields >f5 &&
	unique_problem() {
		req -c -F "$1" -f POST /records/md01-0004/edit csrf=$(cat csrf) op=keep >out &&
		test "$(status out)" = 200 &&
		sed "1,/^$/d" out >keep.json &&
		python3 -c "
import json
j = json.load(open(\"keep.json\"))
for p in j[\"problems\"]:
    if p[\"field\"] == \"/tax_code\": print(p[\"problem\"])"
	} &&
	unique_problem f1 >said &&
	grep -q "md01-0001" said &&
	set_line s/$W1 "tax_code:" "tax_code: \"$T5\"" &&
	unique_problem f1 >said &&
	test_must_be_empty said &&
	unique_problem f5 >said &&
	grep -q "md01-0001\|md01-0005" said &&
	git -C s checkout -q -- $W1 &&
	unique_problem f1 >said &&
	grep -q "md01-0001" said &&
	rm -f s/.git/khaosat/forms/workshop-*
'

test_expect_success 'a form from a version the laptop never had is refused, nothing changed' '
	req -c GET /records/md01-0004/edit >out &&
	python3 "$KHAOSAT_TOP/tests/tools/formfields.py" out | grep -v "^base=" >fields &&
	state s >before &&
	req -c -F fields -f POST /records/md01-0004/edit \
		csrf=$(cat csrf) op=save base=0123456789012345678901234567890123456789 >out &&
	test "$(status out)" = 409 &&
	grep -q "đã được sửa trên máy này" out &&
	state s >after &&
	test_cmp before after
'

test_expect_success 'refused writes: no token, a wrong one, another origin, a wrong type, too big, badly encoded' '
	state s >before &&
	req -c -f POST /new/workshop op=save /name=X >out &&
	test "$(status out)" = 403 &&
	req -c -f POST /new/workshop csrf=00000000000000000000000000000000 op=save /name=X >out &&
	test "$(status out)" = 403 &&
	req POST /new/workshop "csrf=$(cat csrf)&op=save" >out &&
	test "$(status out)" = 403 &&
	req -c -O http://evil.example -f POST /new/workshop csrf=$(cat csrf) op=save >out &&
	test "$(status out)" = 403 &&
	req -c -O null -f POST /new/workshop csrf=$(cat csrf) op=save >out &&
	test "$(status out)" = 403 &&
	req -c -T text/plain POST /new/workshop "csrf=$(cat csrf)" >out &&
	test "$(status out)" = 415 &&
	python3 -c "print(\"csrf=$(cat csrf)&/name=\" + \"a\" * 300000)" >big &&
	req -c POST /new/workshop @big >out &&
	test "$(status out)" = 413 &&
	req -c -C POST /new/workshop @big >out &&
	test "$(status out)" = 413 &&
	for body in "csrf=$(cat csrf)&/name=%zz" "csrf=$(cat csrf)&/name=%ff" \
		    "csrf=$(cat csrf)&/name=a%00b" "csrf=$(cat csrf)&noequals" \
		    "csrf=$(cat csrf)&/name=%4"; do
		req -c POST /new/workshop "$body" >out &&
		test "$(status out)" = 400 || { echo "not 400: $body"; return 1; }
	done &&
	for p in /new/nothing /new/../khaosat.yaml /records/md01-0001/history /records/x/edit /; do
		req -c -f POST "$p" csrf=$(cat csrf) op=save >out &&
		test "$(status out)" = 404 || { echo "not 404: $p"; return 1; }
	done &&
	state s >after &&
	test_cmp before after
'

test_expect_success 'a button naming no list changes nothing and breaks nothing' '
	for op in "add /name" "add /nowhere" "del /products/7" "del /../../x" "add " "frob"; do
		req -c -f POST /new/workshop csrf=$(cat csrf) "op=$op" /name=Y >out &&
		test "$(status out)" = 200 || { echo "op $op"; return 1; }
	done &&
	rm -f s/.git/khaosat/forms/*.yaml
'

test_expect_success 'while another command holds the survey lock, a save waits for it' '
	req -c GET /records/md01-0005/edit >out &&
	python3 "$KHAOSAT_TOP/tests/tools/formfields.py" out >fields &&
	sed -i "s|^/phone=.*|/phone=0912000111|" fields &&
	hold_lock 3 &&
	req -c -F fields -f POST /records/md01-0005/edit csrf=$(cat csrf) op=save >out &&
	test "$(status out)" = 303 &&
	test -f held &&
	grep -q "^phone: \"0912000111\"$" s/$(record_path workshop md01-0005) &&
	test -z "$(git -C s status --porcelain)"
'

test_expect_success 'held longer than the server waits: refused, nothing changed, the form shown again' '
	stop_server &&
	(KHAOSAT_LOCK_TIMEOUT=1 && export KHAOSAT_LOCK_TIMEOUT && start_server) &&
	served && token >csrf &&
	req -c GET /records/md01-0006/edit >out &&
	python3 "$KHAOSAT_TOP/tests/tools/formfields.py" out >fields &&
	sed -i "s|^/phone=.*|/phone=0912000222|" fields &&
	hold_lock 4 &&
	state s | grep -v "khaosat/lock" >before &&
	req -c -F fields -f POST /records/md01-0006/edit csrf=$(cat csrf) op=save >out &&
	test "$(status out)" = 503 &&
	test "$(field /phone out)" = "0912000222" &&
	state s | grep -v "khaosat/lock" >after &&
	test_cmp before after
'

W1=records/workshop/md01/000/md01-0001.yaml
W2=records/workshop/md01/000/md01-0002.yaml

test_expect_success 'conflicts: set-up of three, from two laptops that changed the same fields' '
	stop_server &&
	two_laptops &&
	set_line c/$W1 "legal_type:" "legal_type: hop_tac_xa" &&
	set_line c2/$W1 "legal_type:" "legal_type: ho_kinh_doanh" &&
	set_line c/$W1 "phone:" "phone: \"0912000111\"" &&
	set_line c2/$W1 "phone:" "phone: \"0912000222\"" &&
	set_line c/$W2 "main_trade:" "main_trade: Đúc nhôm" &&
	set_line c2/$W2 "main_trade:" "main_trade: Đúc đồng" &&
	exchange_laptops &&
	(cd c && ! khaosat conflicts) >before &&
	test "$(grep -c "^md01-000[12] " before)" = 3 &&
	start_server c && served && token >csrf
'

test_expect_success 'conflicts: each one offers its proposals, the base and a new value' '
	req -c GET /conflicts >out &&
	test "$(status out)" = 200 &&
	test "$(grep -c "<form class=\"settle\" method=\"post\" action=\"/conflicts\">" out)" = 3 &&
	grep -q "<input type=\"hidden\" name=\"field\" value=\"/legal_type\">" out &&
	grep -q "<button name=\"choice\" value=\"2\">Giữ phương án 2</button>" out &&
	grep -q "<button name=\"choice\" value=\"base\">" out &&
	grep -q "<input type=\"text\" name=\"value\">" out
'

test_expect_success 'conflicts: a proposal kept with one click is committed, as resolve does' '
	req -c GET /conflicts >out &&
	n=$(sed -n "s|^<tr><td>\([0-9]\)</td><td>Hộ kinh doanh (HKD)</td>.*|\1|p" out) &&
	test -n "$n" &&
	req -c -f POST /conflicts csrf=$(cat csrf) id=md01-0001 field=/legal_type choice=$n >out &&
	test "$(status out)" = 303 &&
	grep -q "^Location: /conflicts?settled=1$" out &&
	grep -q "^legal_type: ho_kinh_doanh$" c/$W1 &&
	git -C c log -1 --format=%s >log &&
	grep -q "md01-0001 /legal_type" log &&
	test -z "$(git -C c status --porcelain)" &&
	req -c GET "/conflicts?settled=1" >out &&
	grep -q "Đã giải quyết xung đột" out &&
	test "$(grep -c "<form class=\"settle\"" out)" = 2
'

test_expect_success 'conflicts: a new value, read as typed; one that is not valid changes nothing' '
	state c >before &&
	req -c -f POST /conflicts csrf=$(cat csrf) id=md01-0001 field=/phone choice=value "value=12 34" >out &&
	test "$(status out)" = 422 &&
	grep -q "Chưa giải quyết: không có gì bị thay đổi" out &&
	state c >after &&
	test_cmp before after &&
	req -c -f POST /conflicts csrf=$(cat csrf) id=md01-0001 field=/phone choice=value "value=0912 000 333" >out &&
	test "$(status out)" = 303 &&
	grep -q "^phone: \"0912000333\"$" c/$W1 &&
	test -z "$(git -C c status --porcelain)"
'

test_expect_success 'conflicts: a choice that is none of them, or a conflict that is not there, changes nothing' '
	state c >before &&
	req -c -f POST /conflicts csrf=$(cat csrf) id=md01-0002 field=/main_trade choice=7 >out &&
	test "$(status out)" = 422 &&
	req -c -f POST /conflicts csrf=$(cat csrf) id=md01-0002 field=/main_trade >out &&
	test "$(status out)" = 422 &&
	req -c -f POST /conflicts csrf=$(cat csrf) id=md01-0002 field=/name choice=1 >out &&
	test "$(status out)" = 404 &&
	req -c -f POST /conflicts csrf=$(cat csrf) id=../khaosat.yaml field=/name choice=1 >out &&
	test "$(status out)" = 404 &&
	req -c -f POST /conflicts id=md01-0002 field=/main_trade choice=1 >out &&
	test "$(status out)" = 403 &&
	state c >after &&
	test_cmp before after
'

test_expect_success 'conflicts: the value from before both changes; then none is left, and git agrees' '
	req -c -f POST /conflicts csrf=$(cat csrf) id=md01-0002 field=/main_trade choice=base >out &&
	test "$(status out)" = 303 &&
	grep -q "^main_trade: Đúc gang cầu$" c/$W2 &&
	req -c GET /conflicts >out &&
	grep -q "Không có xung đột nào" out &&
	(cd c && khaosat conflicts) >left &&
	! grep -q "^md01" left &&
	! test -e c/conflicts &&
	git -C c fsck --no-progress &&
	(cd c && khaosat check >/dev/null)
'

# sync_done: waits (20 s at most) for the sync page to say it is done.
sync_done() {
	for i in $(seq 1 200); do
		req -c GET /sync >sync.out &&
		! grep -q "^Refresh: 1" sync.out && return 0
		sleep 0.1
	done
	return 1
}

test_expect_success 'sync with a stick from the page: the command runs, its report shown' '
	set_line c2/$W2 "phone:" "phone: \"0912000444\"" &&
	(cd c2 && khaosat commit -m phone >/dev/null && khaosat sync ../stick >/dev/null) &&
	req -c GET /sync >out &&
	test "$(status out)" = 200 &&
	grep -q "<input id=\"stick\" name=\"stick\" type=\"text\" list=\"sticks\">" out &&
	req -c -f POST /sync csrf=$(cat csrf) "stick=$PWD/stick" >out &&
	test "$(status out)" = 303 &&
	grep -q "^Location: /sync$" out &&
	sync_done &&
	grep -q "Đã đồng bộ xong với $PWD/stick" sync.out &&
	grep -q "^  md07  .*1 hồ sơ được sửa" sync.out &&
	grep -q "^phone: \"0912000444\"$" c/$W2 &&
	test -z "$(git -C c status --porcelain)" &&
	git -C c fsck --no-progress &&
	git -C c bundle verify "$PWD"/stick/*/md01.bundle >/dev/null 2>&1
'

test_expect_success 'while the sync waits for the survey lock, the pages are still served' '
	hold_lock 3 c &&
	req -c -f POST /sync csrf=$(cat csrf) "stick=$PWD/stick" >out &&
	test "$(status out)" = 303 &&
	req -c GET /sync >out &&
	grep -q "^Refresh: 1" out &&
	grep -q "Đang đồng bộ với $PWD/stick" out &&
	req -c -f POST /sync csrf=$(cat csrf) "stick=$PWD/stick" >out &&
	test "$(status out)" = 422 &&
	grep -q "đang có một lần đồng bộ" out &&
	req -c GET /records/md01-0001 >out &&
	test "$(status out)" = 200 &&
	req -c GET / >out &&
	test "$(status out)" = 200 &&
	sync_done &&
	grep -q "Đã đồng bộ xong" sync.out
'

test_expect_success 'a folder that is not there, not a full path, or a hub the survey lacks: refused' '
	state c >before &&
	for stick in "stick" "$PWD/nowhere" "$PWD/c/khaosat.yaml" ""; do
		req -c -f POST /sync csrf=$(cat csrf) "stick=$stick" >out &&
		test "$(status out)" = 422 || { echo "not refused: $stick"; return 1; }
	done &&
	req -c -f POST /sync csrf=$(cat csrf) hub=nowhere >out &&
	test "$(status out)" = 422 &&
	grep -q "không có máy chủ trung tâm nào tên là &quot;nowhere&quot;" out &&
	req -c -f POST /sync "stick=$PWD/stick" >out &&
	test "$(status out)" = 403 &&
	state c >after &&
	test_cmp before after
'

test_expect_success 'sync with the centre hub: one button per hub the survey has' '
	khaosat init --bare hub.git >/dev/null &&
	(cd c && khaosat remote add centre ../hub.git >/dev/null) &&
	req -c GET /sync >out &&
	grep -q "<button class=\"save\" name=\"hub\" value=\"centre\">centre</button>" out &&
	req -c -f POST /sync csrf=$(cat csrf) hub=centre >out &&
	test "$(status out)" = 303 &&
	sync_done &&
	grep -q "Đã đồng bộ xong với centre" sync.out &&
	git -C hub.git for-each-ref >refs &&
	test -s refs &&
	req -c GET / >out &&
	grep -q "<tr><td>md07</td>" out &&
	! grep -q "<tr><td>md01</td>" out &&
	git -C hub.git fsck --no-progress
'

LAN=$(lan_address)

test_expect_success '--allow-writes is for --listen, and needs a password' '
	test_expect_code 2 khaosat -C c serve --allow-writes 2>err &&
	grep -q "allow-writes" err &&
	test_expect_code 2 khaosat -C c serve --listen 127.0.0.1 --allow-writes </dev/null 2>err &&
	grep -q "KHAOSAT_SERVE_PASSWORD" err
'

if test -n "$LAN"; then
test_expect_success 'on a LAN address: read-only, no form offered, every write refused' '
	stop_server &&
	start_server c --listen "$LAN" && served &&
	test "$(cat addr)" = "$LAN" &&
	req -c GET / >out &&
	test "$(status out)" = 200 &&
	! grep -q "href=\"/new\"" out &&
	! grep -q "href=\"/login\"" out &&
	req -c GET /new/workshop >out &&
	test "$(status out)" = 404 &&
	req -c GET /records/md01-0001/edit >out &&
	test "$(status out)" = 404 &&
	state c >before &&
	req -c -f POST /new/workshop csrf=0 op=save >out &&
	test "$(status out)" = 403 &&
	grep -q "chỉ cho xem" out &&
	req -c GET /conflicts >out &&
	! grep -q "<form class=\"settle\"" out &&
	state c >after &&
	test_cmp before after
'

test_expect_success 'on a LAN address with a password: who gives it may write, a wrong one waits' '
	stop_server &&
	(KHAOSAT_SERVE_PASSWORD="mật khẩu 2026" && export KHAOSAT_SERVE_PASSWORD &&
	 start_server c --listen "$LAN" --allow-writes) &&
	served &&
	req -c GET / >out &&
	grep -q "href=\"/login\">Đăng nhập để sửa</a>" out &&
	req -c GET /login >out &&
	csrf=$(sed -n "s/.*name=\"csrf\" value=\"\([0-9a-f]*\)\".*/\1/p" out) &&
	test -n "$csrf" &&
	req -c -f POST /new/workshop csrf=$csrf op=save /name=X >out &&
	test "$(status out)" = 403 &&
	start=$(date +%s) &&
	req -c -f POST /login csrf=$csrf password=wrong >out &&
	test "$(status out)" = 403 &&
	grep -q "sai mật khẩu" out &&
	test $(($(date +%s) - start)) -ge 1 &&
	req -c -f POST /login csrf=$csrf "password=mật khẩu 2026" >out &&
	test "$(status out)" = 303 &&
	kw=$(sed -n "s/^Set-Cookie: kw=\([0-9a-f]*\); Path=\/; HttpOnly; SameSite=Strict$/\1/p" out) &&
	test -n "$kw" &&
	echo "$(cat cookie); kw=$kw" >cookie &&
	req -c GET /records/md01-0006/edit >out &&
	test "$(status out)" = 200 &&
	python3 "$KHAOSAT_TOP/tests/tools/formfields.py" out >fields &&
	sed -i "s|^/phone=.*|/phone=0912000666|" fields &&
	req -c -F fields -f POST /records/md01-0006/edit csrf=$csrf op=save >out &&
	test "$(status out)" = 303 &&
	grep -q "^phone: \"0912000666\"$" c/$(record_path workshop md01-0006) &&
	test -z "$(git -C c status --porcelain)" &&
	! grep -q "mật khẩu" serve.out serve.err
'
else
	test_skip 'a LAN address: this machine has no IPv4 address but loopback'
fi

test_expect_success 'stop the server' '
	stop_server
'

test_done
