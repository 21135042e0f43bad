#!/bin/sh
# khaosat serve at the HTTP level: the key in the printed address becomes
# a cookie, and nothing is answered without it; the Host header must name
# the server; only reading is served; an id is never a path; every answer
# forbids scripts and outside fetches.  Then the pages themselves, in
# Vietnamese: the overview, the records with search and pages, a record by
# its titles and labels with its problems.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-serve.sh"

W1=records/workshop/md01/000/md01-0001.yaml

# hold_port: a listening socket on a free port, for 10 s; its port in busy.
hold_port() {
	python3 -c "
import os, socket, time
s = socket.socket(); s.bind((\"127.0.0.1\", 0)); s.listen(1)
with open(\"busy.tmp\", \"w\") as f: f.write(str(s.getsockname()[1]))
os.rename(\"busy.tmp\", \"busy\"); time.sleep(10)" &
	for i in $(seq 1 100); do
		test -s busy && return 0
		sleep 0.1
	done
	return 1
}

test_expect_success 'set-up: a survey with the samples, served on a free port' '
	make_survey s &&
	copy_samples s &&
	(cd s && khaosat commit -m samples >/dev/null) &&
	set_line s/$W1 "  regular:" "  regular: -3" &&
	start_server && served &&
	grep -q "^  http://127.0.0.1:[0-9]*/?k=[0-9a-f]\{32\}$" serve.out &&
	sed -n "s/^  http:.*?k=//p" serve.out >key &&
	rm cookie &&
	grep -q "^Đang phục vụ cuộc khảo sát \"Mỹ Đồng\" tại$" serve.out
'


test_expect_success 'without the key: refused, saying to open the printed address' '
	req GET / >out &&
	head -1 out | grep -q "^403$" &&
	grep -q "hãy mở đúng địa chỉ khaosat serve đã in ra" out &&
	req GET /records/md01-0001 >out &&
	head -1 out | grep -q "^403$" &&
	! grep -q "Lao động" out
'

test_expect_success 'a wrong key is refused too; the right one becomes a strict cookie' '
	req GET "/?k=00000000000000000000000000000000" >out &&
	head -1 out | grep -q "^403$" &&
	req GET "/?k=$(cat key)" >out &&
	head -1 out | grep -q "^303$" &&
	grep -q "^Location: /$" out &&
	grep -q "^Set-Cookie: ks=$(cat key); Path=/; HttpOnly; SameSite=Strict$" out &&
	echo "ks=$(cat key)" >cookie &&
	req GET "/records%0d%0aSet-Cookie:%20x=y?k=$(cat key)" >out &&
	head -1 out | grep -q "^303$" &&
	grep -q "^Location: /$" out &&
	! grep -q "^Set-Cookie: x=y" out &&
	req GET "//evil.example/?k=$(cat key)" >out &&
	grep -q "^Location: /$" out
'

test_expect_success 'a Host header that does not name the server is refused (DNS rebinding)' '
	req -c -H "evil.example:$(cat port)" GET / >out &&
	head -1 out | grep -q "^421$" &&
	req -c -H "127.0.0.1" GET / >out &&
	head -1 out | grep -q "^421$" &&
	req -c -H "localhost:$(cat port)" GET / >out &&
	head -1 out | grep -q "^200$"
'

test_expect_success 'PUT, DELETE, a body to read, and a form without its token are refused' '
	state s >before &&
	req -c POST / "a=b" >out && head -1 out | grep -q "^403$" &&
	req -c PUT /records/md01-0001 "x" >out && head -1 out | grep -q "^405$" &&
	req -c DELETE /records/md01-0001 >out && head -1 out | grep -q "^405$" &&
	req -c GET / "body" >out && head -1 out | grep -q "^400$" &&
	state s >after &&
	test_cmp before after
'

test_expect_success 'an id is never a path: traversal and odd ids are not found' '
	for p in "/records/../khaosat.yaml" "/records/..%2f..%2fkhaosat.yaml" \
		 "/records/md01-0001/../../khaosat.yaml" "/records/%2e%2e/%2e%2e/etc/passwd" \
		 "/records/md01-0001.yaml" "/records/MD01-0001" "/records/" \
		 "/static/../khaosat.yaml" "/khaosat.yaml"; do
		req -c GET "$p" >out &&
		head -1 out | grep -q "^404$" || { echo "not 404: $p"; return 1; }
		! grep -q "^name: \|survey_id\|^id: " out || { echo "leaked: $p"; return 1; }
	done
'

test_expect_success 'a very long address, or one hiding a NUL, is refused' '
	long=$(python3 -c "print(\"a\" * 3000)") &&
	req -c GET "/records?q=$long" >out &&
	head -1 out | grep -q "^414$" &&
	req -c GET "/records/md01-0001%00x" >out &&
	head -1 out | grep -q "^400$" &&
	req -c GET "/records?q=a%00b" >out &&
	head -1 out | grep -q "^400$"
'

test_expect_success 'every answer forbids inline scripts and outside fetches, and is not cached' '
	for p in / /records /records/md01-0001 /static/style.css /static/form.js /nowhere; do
		req -c GET "$p" >out &&
		grep -q "^Content-Security-Policy: default-src .none.; script-src .self.; connect-src .self.; style-src .self.; img-src .self. data:; form-action .self.; frame-ancestors .none.; base-uri .none.$" out &&
		grep -q "^X-Content-Type-Options: nosniff$" out &&
		grep -q "^Cache-Control: no-store$" out || { echo "headers of $p"; return 1; }
	done &&
	req GET / >out &&
	grep -q "^Content-Security-Policy: default-src .none." out
'

test_expect_success 'the overview, in Vietnamese: the survey, its records by kind, its conflicts' '
	req -c GET / >out &&
	head -1 out | grep -q "^200$" &&
	grep -q "^Content-Type: text/html; charset=utf-8$" out &&
	grep -q "<html lang=\"vi\">" out &&
	grep -q "<span class=\"survey\">Mỹ Đồng</span>" out &&
	grep -q "<tr><td>Cơ sở công nghiệp nông thôn</td><td>33</td><td><a class=\"new\" href=\"/new/workshop\">" out &&
	grep -q "<tr><td>Nhãn hiệu</td><td>9</td><td><a class=\"new\" href=\"/new/brand\">" out &&
	grep -q "Không có xung đột nào" out &&
	grep -q "<li>1 hồ sơ chưa hợp lệ.</li>" out &&
	grep -q "<li>0 phiếu đang điền dở trên máy này.</li>" out &&
	grep -q "<li>0 hồ sơ đang lưu dưới dạng bản nháp.</li>" out &&
	grep -q "Chưa nhận được gì từ máy khác" out
'

test_expect_success 'the records: all of them a page at a time, and a search' '
	req -c GET /records >out &&
	head -1 out | grep -q "^200$" &&
	grep -q "<p>42 hồ sơ</p>" out &&
	test "$(grep -c "<tr><td><a href=\"/records/" out)" = 42 &&
	req -c GET "/records?q=hung%20phat" >out &&
	grep -q "<a href=\"/records/md01-0001\">md01-0001</a>" out &&
	! grep -q "md01-0002\"" out &&
	req -c GET "/records?q=0200094485" >out &&
	grep -q "md01-0001" out &&
	req -c GET "/records?q=kh%C3%B4ng%20c%C3%B3%20%C4%91%C3%A2u" >out &&
	grep -q "Không có hồ sơ nào khớp" out &&
	req -c GET "/records?page=2" >out &&
	head -1 out | grep -q "^200$" &&
	req -c GET "/records?page=x" >out &&
	head -1 out | grep -q "^404$"
'

# count_records PAGE: the number the records page says it lists.
count_records() {
	sed -n "s|^<p>\([0-9]*\) hồ sơ</p>$|\1|p" "$1"
}

test_expect_success 'the records filtered by kind and by each choice field, with a search' '
	req -c GET "/records?kind=workshop" >out &&
	grep -q "<select name=\"f.legal_type\"><option value=\"\"></option><option value=\"doanh_nghiep_tnhh\">Công ty TNHH</option>" out &&
	grep -q "<select name=\"f.location.kind\">" out &&
	test "$(count_records out)" = "$(ls s/records/workshop/*/*/*.yaml | wc -l)" &&
	req -c GET "/records?kind=workshop&f.legal_type=ho_kinh_doanh" >out &&
	test "$(count_records out)" = "$(grep -l "^legal_type: ho_kinh_doanh$" s/records/workshop/*/*/*.yaml | wc -l)" &&
	grep -q "<option value=\"ho_kinh_doanh\" selected>" out &&
	req -c GET "/records?kind=workshop&f.legal_type=ho_kinh_doanh&f.pollution.sources=xi_lo" >out &&
	test "$(count_records out)" = "$(grep -l "^    - xi_lo$" $(grep -l "^legal_type: ho_kinh_doanh$" s/records/workshop/*/*/*.yaml) | wc -l)" &&
	req -c GET "/records?kind=brand&f.ocop.stars=3" >out &&
	test "$(count_records out)" = "$(grep -l "^  stars: 3$" s/records/brand/*/*/*.yaml | wc -l)" &&
	test "$(count_records out)" -gt 0 &&
	req -c GET "/records?q=M%E1%BB%B9%20%C4%90%E1%BB%93ng&kind=workshop&f.legal_type=hop_tac_xa" >out &&
	n=$(count_records out) &&
	test "$n" -ge 1 &&
	test "$n" -lt "$(ls s/records/workshop/*/*/*.yaml | wc -l)" &&
	for p in "kind=nothing" "kind=workshop&f.legal_type=bogus" "kind=brand&f.ocop.stars=9"; do
		req -c GET "/records?$p" >out &&
		test "$(status out)" = 404 || { echo "not 404: $p"; return 1; }
	done
'

test_expect_success 'many records: pages of 50 in id order, each record read only when shown' '
	make_survey big &&
	"$KHAOSAT_TOOLS/gensurvey" big 120 >/dev/null &&
	(cd big && ls records/workshop/*/*/*.yaml) | sed "s|.*/||; s|\.yaml$||" |
		sort -t- -k1,1 -k2,2n >ids &&
	test_line_count = 120 ids &&
	bad=$(sed -n 7p ids) &&
	printf "not: [yaml\n" >big/$(record_path workshop $bad) &&
	stop_server && start_server big && served &&
	for p in 1 2 3; do
		req -c GET "/records?page=$p" >out &&
		grep -q "<p>120 hồ sơ</p>" out &&
		sed -n "s|^<tr><td><a href=\"/records/\([^\"]*\)\">.*|\1|p" out >>listed || return 1
	done &&
	test_cmp ids listed &&
	req -c GET "/records?page=1" >out &&
	grep -q "<tr><td><a href=\"/records/$bad\">$bad</a></td><td></td><td></td></tr>" out &&
	grep -q "rel=\"next\" href=\"/records?page=2\"" out &&
	req -c GET "/records?page=3&kind=workshop" >out &&
	grep -q "rel=\"prev\" href=\"/records?page=2&amp;kind=workshop\"" out &&
	! grep -q "rel=\"next\"" out &&
	req -c GET "/records?kind=brand" >out &&
	grep -q "<p>0 hồ sơ</p>" out &&
	stop_server && start_server && served
'

test_expect_success 'text from a record is escaped, never markup' '
	cp s/$W1 w1.saved &&
	python3 - s/$W1 <<-\EOF &&
	import sys
	p = sys.argv[1]
	s = open(p).read().split("\n")
	s = [("name: \"<script>alert(1)</script> & \\\"\u0110\u00fac\\\"\"" if l.startswith("name:") else l) for l in s]
	open(p, "w").write("\n".join(s))
	EOF
	req -c GET /records >out &&
	grep -q "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Đúc&quot;" out &&
	! grep -q "<script>" out &&
	req -c GET "/records?q=%3Cscript%3E" >out &&
	! grep -q "<script>" out &&
	cp w1.saved s/$W1
'

test_expect_success 'a record: its fields by title, choices by label, its problems at their field' '
	req -c GET /records/md01-0001 >out &&
	head -1 out | grep -q "^200$" &&
	grep -q "<h1>Cơ sở công nghiệp nông thôn md01-0001</h1>" out &&
	grep -q "<dt>Loại hình</dt><dd>Công ty TNHH <small" out &&
	! grep -q "doanh_nghiep_tnhh" out &&
	grep -q "Hồ sơ chưa hợp lệ" out &&
	grep -q "Lao động (người) › Lao động thường xuyên: -3 nhỏ hơn mức thấp nhất cho phép là 0" out &&
	req -c GET /records/md01-0002 >out &&
	grep -q "Hồ sơ hợp lệ" out
'

test_expect_success 'a record: who saved each value, and what is changed but not saved' '
	req -c GET /records/md01-0001 >out &&
	day=$(git -C s log -1 --format=%ad --date=format:%Y-%m-%d) &&
	grep -q "<dt>Tên cơ sở</dt><dd>Công ty TNHH Cơ khí đúc Hưng Phát <small class=\"who\"><a href=\"/records/md01-0001/history?field=%2Fname\">Nguyễn Thị Hoa, trên máy md01, $day</a></small></dd>" out &&
	grep -q "<dt>Lao động thường xuyên</dt><dd>-3 <small class=\"who\"><a href=\"/records/md01-0001/history?field=%2Fworkers%2Fregular\">đã sửa ở đây, chưa lưu vào lịch sử</a></small></dd>" out
'

test_expect_success 'a record'"'"'s history: every change, by titles and labels, with who' '
	req -c GET /records/md01-0001 >out &&
	grep -q "<a href=\"/records/md01-0001/history\">" out &&
	req -c GET /records/md01-0001/history >out &&
	head -1 out | grep -q "^200$" &&
	grep -q "<h1>Lịch sử của md01-0001</h1>" out &&
	grep -q "Nguyễn Thị Hoa, md01</h2>" out &&
	grep -q "<li>+ Loại hình: Công ty TNHH  (tạo hồ sơ)</li>\|<li>+ Loại hình: Công ty TNHH</li>" out &&
	! grep -q "doanh_nghiep_tnhh" out &&
	for p in /records/md01-0001/history/x /records/md01-0001/other \
		 /records/../history /records/md09-0009/history \
		 "/records/md01-0001/history?field=phone"; do
		req -c GET "$p" >out &&
		head -1 out | grep -q "^404$" || { echo "not 404: $p"; return 1; }
	done
'

test_expect_success 'the figures: each field a bar chart drawn on the server, counts as stats counts them' '
	req -c GET /export >out &&
	test "$(status out)" = 200 &&
	grep -q "<h1>Số liệu và xuất dữ liệu</h1>" out &&
	(cd s && khaosat stats --json) >stats.json &&
	python3 -c "
import json, re, sys
page = open(\"out\", encoding=\"utf-8\").read()
st = json.load(open(\"stats.json\"))
bars = re.findall(r\"<g><title>([^<]*): (\\d+)</title>\", page)
for k in st[\"kinds\"]:
    for f in k[\"fields\"].values():
        for v in f[\"values\"][:15]:
            label = (v.get(\"title\") or v[\"value\"]).replace(\"&\", \"&amp;\")
            if (label, str(v[\"count\"])) not in bars:
                sys.exit(\"no bar %s: %s\" % (label, v[\"count\"]))
" &&
	grep -q "<figcaption>Loại hình</figcaption>" out &&
	! grep -q "<script" out
'

test_expect_success 'the export downloaded: the same as khaosat export, nothing left behind' '
	req -c -o x.json GET "/export/file?format=json&kind.brand=1" >out &&
	test "$(status out)" = 200 &&
	grep -q "^Content-Type: application/json$" out &&
	grep -q "^Content-Disposition: attachment; filename=\"khaosat-$(date +%Y-%m-%d).json\"; filename\*=UTF-8.." out &&
	(cd s && LANGUAGE=vi khaosat export brand --format json -o -) >cli.json &&
	grep -v "Exported at" x.json >a && grep -v "Exported at" cli.json >b &&
	test_cmp b a &&
	req -c -o x.zip GET "/export/file?format=csv&kind.workshop=1&values=1" >out &&
	test "$(status out)" = 200 &&
	(cd s && LANGUAGE=vi khaosat export workshop --format csv --values -o ../csv >/dev/null 2>&1) &&
	python3 -c "
import os, sys, zipfile
z = zipfile.ZipFile(\"x.zip\")
names = sorted(z.namelist())
if z.testzip() is not None:
    sys.exit(\"bad CRC: %s\" % z.testzip())
for i in z.infolist():
    if i.compress_type != zipfile.ZIP_DEFLATED or i.external_attr >> 16 != 0o100644:
        sys.exit(\"%s: method %d, mode %o\" % (i.filename, i.compress_type, i.external_attr >> 16))
if names != sorted(os.listdir(\"csv\")):
    sys.exit(\"files: %s\" % names)
for n in names:
    if n != \"_info.csv\" and z.read(n) != open(\"csv/\" + n, \"rb\").read():
        sys.exit(\"differs: \" + n)
" &&
	req -c -o x.xlsx GET "/export/file?format=xlsx&kind.workshop=1&kind.brand=1" >out &&
	test "$(status out)" = 200 &&
	python3 -c "
import zipfile
z = zipfile.ZipFile(\"x.xlsx\")
sheets = [n for n in z.namelist() if n.startswith(\"xl/worksheets/sheet\")]
assert len(sheets) >= 2, sheets
assert any(\"Công ty TNHH Đúc Minh Khang\" in z.read(n).decode() for n in z.namelist())
" &&
	! ls -d s/.git/khaosat/web-export-* 2>/dev/null
'

test_expect_success 'the export at a date: the survey as it was; a bad request says why' '
	git -C s log -1 --format=%cd --date=short >day &&
	req -c -o at.json GET "/export/file?format=json&kind.workshop=1&at=$(cat day)" >out &&
	test "$(status out)" = 200 &&
	grep -q "\"regular\":86" at.json &&
	req -c GET "/export/file?format=json&kind.workshop=1&at=yesterday" >out &&
	test "$(status out)" = 422 &&
	grep -q "không phải là ngày" out &&
	req -c GET "/export/file?format=json" >out &&
	test "$(status out)" = 422 &&
	grep -q "hãy đánh dấu ít nhất một loại hồ sơ" out &&
	req -c GET "/export/file?format=pdf&kind.brand=1" >out &&
	test "$(status out)" = 404 &&
	! ls -d s/.git/khaosat/web-export-* 2>/dev/null
'

test_expect_success 'one field'"'"'s history, a click away from its value' '
	req -c GET /records/md01-0002/edit >out &&
	python3 "$KHAOSAT_TOP/tests/tools/formfields.py" out >fields &&
	sed -i "s|^/phone=.*|/phone=0912000777|" fields &&
	req -c -F fields -f POST /records/md01-0002/edit csrf=$(token) op=save >out &&
	test "$(status out)" = 303 &&
	req -c GET /records/md01-0002 >out &&
	grep -q "<small class=\"who\"><a href=\"/records/md01-0002/history?field=%2Fphone\">Nguyễn Thị Hoa, trên máy md01, " out &&
	grep -q "history?field=%2Fproducts%5Bname%3DN%E1%BA%AFp%20h%E1%BB%91%20ga%20gang%20c%E1%BA%A7u%5D%2Fname" out &&
	req -c GET "/records/md01-0002/history?field=%2Fphone" >out &&
	grep -q "<h1>Lịch sử của md01-0002: Điện thoại</h1>" out &&
	test "$(grep -c "^<li>" out)" = 2 &&
	grep -q "<li>~ Điện thoại: &quot;0949720078&quot; → &quot;0912000777&quot;</li>" out &&
	! grep -q "Loại hình" out &&
	req -c GET "/records/md01-0002/history?field=%2Fproducts%5Bname%3DN%E1%BA%AFp%20h%E1%BB%91%20ga%20gang%20c%E1%BA%A7u%5D%2Fname" >out &&
	grep -q "<h1>Lịch sử của md01-0002: Sản phẩm \[Nắp hố ga gang cầu\] › Tên sản phẩm</h1>" out
'

test_expect_success 'KHAOSAT_LANGUAGE=en: the pages in English' '
	stop_server &&
	KHAOSAT_LANGUAGE=en start_server && served &&
	req -c GET / >out &&
	grep -q "<html lang=\"en\">" out &&
	grep -q "No open conflicts" out
'

test_expect_success 'SIGTERM stops the server; the survey is as it was' '
	state s >before &&
	kill "$(cat serve.pid)" &&
	for i in $(seq 1 100); do
		kill -0 "$(cat serve.pid)" 2>/dev/null || break
		sleep 0.1
	done &&
	! kill -0 "$(cat serve.pid)" 2>/dev/null &&
	grep -q "^Stopped serving\.$" serve.out &&
	test_must_be_empty serve.err &&
	state s >after &&
	test_cmp before after
'

test_expect_success 'the conflicts: each field by title, its base and every proposal' '
	two_laptops &&
	set_line c/$W1 "legal_type:" "legal_type: hop_tac_xa" &&
	set_line c2/$W1 "legal_type:" "legal_type: ho_kinh_doanh" &&
	exchange_laptops &&
	start_server c && served &&
	req -c GET /conflicts >out &&
	head -1 out | grep -q "^200$" &&
	grep -q "<h2><a href=\"/records/md01-0001\">md01-0001</a> Loại hình</h2>" out &&
	grep -q "<td>trước cả hai thay đổi</td><td>Công ty TNHH</td>" out &&
	grep -q "<td>Hợp tác xã (HTX)</td><td>Nguyễn Thị Hoa, md01, " out &&
	grep -q "<td>Hộ kinh doanh (HKD)</td><td>Trần Văn Minh, md07, " out &&
	! grep -q "hop_tac_xa\|ho_kinh_doanh" out &&
	req -c GET / >out &&
	grep -q "Còn 1 xung đột" out &&
	grep -q "<tr><td>md07</td><td>$(date +%Y-%m-%d) [0-9:]* [+-][0-9]*</td><td>Trần Văn Minh</td></tr>" out &&
	stop_server
'

test_expect_success 'serve: usage, and a port in use' '
	test_expect_code 2 khaosat -C s serve --port 70000 2>err &&
	grep -q "port takes a number from 0 to 65535" err &&
	test_expect_code 2 khaosat -C s serve extra 2>err &&
	hold_port &&
	test_expect_code 4 khaosat -C s serve --port "$(cat busy)" 2>err &&
	grep -q "không lắng nghe được ở 127.0.0.1 cổng $(cat busy)" err &&
	test_expect_code 1 khaosat -C s serve --listen nowhere 2>err &&
	grep -q "\"nowhere\" không phải địa chỉ IPv4" err
'

stop_server
test_expect_success 'a survey copied from another disk: serve refreshes git'"'"'s index once, at its start' '
	stop_server &&
	git -C s stash -q &&
	cp -a s copied &&
	f=records/workshop/md01/000/md01-0001.yaml &&
	stat -c %i copied/$f >now &&
	start_server copied && test_when_finished stop_server && served &&
	req -c GET / >out &&
	git -C copied ls-files --debug $f | sed -n "s/.*ino: \([0-9]*\).*/\1/p" >refreshed &&
	test_cmp now refreshed &&
	git -C s stash pop -q
'

test_done
