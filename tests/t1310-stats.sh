#!/bin/sh
# khaosat stats: every count checked against one made independently (grep
# and awk over the YAML files, khaosat check's summary, the conflict files),
# the table as printed, --json as python reads it, and the errors.
. "$(dirname "$0")/lib.sh"

W1=records/workshop/md01/000/md01-0001.yaml
W2=records/workshop/md01/000/md01-0002.yaml
B19=records/brand/md01/000/md01-0019.yaml

# json_counts KIND FIELD <stats.json: "value count" lines, sorted.
json_counts() {
	python3 -c '
import json, sys
kind, field = sys.argv[1], sys.argv[2]
data = json.load(sys.stdin)
for k in data["kinds"]:
    if k["kind"] != kind:
        continue
    f = k["fields"][field]
    for v in f["values"]:
        print("%s %d" % (v["value"], v["count"]))
    if f["missing"]:
        print("(missing) %d" % f["missing"])
' "$1" "$2" | LC_ALL=C sort
}

# json_total KIND WHAT <stats.json: one number of a kind.
json_total() {
	python3 -c '
import json, sys
for k in json.load(sys.stdin)["kinds"]:
    if k["kind"] == sys.argv[1]:
        print(k[sys.argv[2]])
' "$1" "$2"
}

# yaml_counts DIR PATTERN [MISSING_FILES]: "value count" of the lines
# matching ^PATTERN in the records under DIR (value: the rest of the line,
# quotes dropped), and "(missing) N" for the files without such a line.
yaml_counts() {
	{
		grep -rh "^$2" "$1" | sed "s/^$2//; s/^\"//; s/\"\$//" |
			LC_ALL=C sort | uniq -c | awk '{ n = $1; $1 = ""; print substr($0, 2) " " n }'
		missing=$(grep -rL "^$2" "$1" --include="*.yaml" | wc -l)
		[ "$missing" -eq 0 ] || echo "(missing) $missing"
	} | LC_ALL=C sort
}

test_expect_success 'setup: a survey holding the sample records, committed' '
	make_survey s &&
	copy_samples s &&
	(cd s && khaosat commit -m "Samples" >/dev/null) &&
	(cd s && khaosat stats --json >../stats.json) &&
	python3 -c "import json; json.load(open(\"stats.json\"))"
'

test_expect_success 'record counts per kind, as find counts the files' '
	for k in workshop brand; do
		n=$(find s/records/$k -name "*.yaml" | wc -l) &&
		test "$(json_total $k records <stats.json)" = "$n" &&
		test "$(json_total $k valid <stats.json)" = "$n" &&
		test "$(json_total $k invalid <stats.json)" = 0 || return 1
	done &&
	python3 -c "
import json
d = json.load(open(\"stats.json\"))
assert d[\"records\"] == sum(k[\"records\"] for k in d[\"kinds\"]) == 42, d
assert [k[\"kind\"] for k in d[\"kinds\"]] == [\"workshop\", \"brand\"]
"
'

test_expect_success 'counts by commune, legal type and trade group agree with grep' '
	yaml_counts s/records/workshop "  commune_name: " >expect &&
	json_counts workshop address.commune_name <stats.json >actual &&
	test_cmp expect actual &&
	yaml_counts s/records/workshop "legal_type: " >expect &&
	json_counts workshop legal_type <stats.json >actual &&
	test_cmp expect actual &&
	yaml_counts s/records/workshop "trade_group: " >expect &&
	json_counts workshop trade_group <stats.json >actual &&
	test_cmp expect actual
'

test_expect_success 'counts by brand kind and OCOP stars agree with grep' '
	yaml_counts s/records/brand "kind: " >expect &&
	json_counts brand kind <stats.json >actual &&
	test_cmp expect actual &&
	yaml_counts s/records/brand "  stars: " >expect &&
	json_counts brand ocop.stars <stats.json >actual &&
	test_cmp expect actual &&
	grep -q "^(missing) [1-9]" actual
'

test_expect_success 'records per surveyor and per device agree with grep and find' '
	for k in workshop brand; do
		yaml_counts s/records/$k "surveyor: " >expect &&
		json_counts $k surveyor <stats.json >actual &&
		test_cmp expect actual &&
		(cd s/records/$k && for dev in *; do
			echo "$dev $(find $dev -name "*.yaml" | wc -l)"
		done) | LC_ALL=C sort >expect &&
		json_counts $k device <stats.json >actual &&
		test_cmp expect actual || return 1
	done
'

test_expect_success 'fields carry the titles of the schema' '
	python3 -c "
import json
d = json.load(open(\"stats.json\"))
w = d[\"kinds\"][0]
assert w[\"title\"] == \"Cơ sở công nghiệp nông thôn\", w[\"title\"]
assert w[\"fields\"][\"address.commune_name\"][\"title\"] == \"Xã, phường\"
lt = {v[\"value\"]: v[\"title\"] for v in w[\"fields\"][\"legal_type\"][\"values\"]}
assert lt[\"ho_kinh_doanh\"] == \"Hộ kinh doanh (HKD)\", lt
assert w[\"fields\"][\"device\"][\"title\"] is None
assert list(w[\"fields\"]) == [\"address.commune_name\", \"legal_type\", \"trade_group\", \"surveyor\", \"device\"], list(w[\"fields\"])
b = d[\"kinds\"][1]
assert list(b[\"fields\"]) == [\"kind\", \"ocop.stars\", \"surveyor\", \"device\"], list(b[\"fields\"])
"
'

test_expect_success 'stats KIND counts that kind only' '
	(cd s && khaosat stats --json brand >../brand.json) &&
	python3 -c "
import json
d = json.load(open(\"brand.json\"))
assert [k[\"kind\"] for k in d[\"kinds\"]] == [\"brand\"], d
assert d[\"records\"] == 9, d
"
'

test_expect_success 'the table on a small survey, as printed' '
	make_survey t md05 &&
	cp -R "$TEST_DATA/dupes/records" t/ &&
	rm t/records/workshop/md05/000/md05-00[01][0-9].yaml &&
	for n in 01 03 04 05; do
		cp "$TEST_DATA/dupes/records/workshop/md05/000/md05-00$n.yaml" \
			t/records/workshop/md05/000/ || return 1
	done &&
	(cd t && khaosat stats >../out 2>../err) &&
	test_must_be_empty err &&
	cat >expect <<-\EOF &&
	workshop (Cơ sở công nghiệp nông thôn): 4 records
	  valid                4
	  invalid              0
	  with conflicts       0 (0 open conflicts)

	  Xã, phường (address.commune_name)
	    2  Mỹ Đồng
	    2  Thiên Hương

	  Loại hình (legal_type)
	    3  Hộ kinh doanh (HKD)  ho_kinh_doanh
	    1  Công ty TNHH         doanh_nghiep_tnhh

	  Nhóm ngành nghề nông thôn (trade_group)
	    4  Sản xuất đồ gỗ, mây tre đan, gốm sứ, thủy tinh, dệt may, sợi, thêu ren, đan lát, cơ khí nhỏ  do_go_gom_su_det_may_co_khi_nho

	  Người khảo sát (surveyor)
	    3  Nguyễn Thị Hoa
	    1  Trần Văn Minh

	  Device (device, the prefix of the record id)
	    4  md05

	brand (Nhãn hiệu): 3 records
	  valid                3
	  invalid              0
	  with conflicts       0 (0 open conflicts)

	  Loại (kind)
	    3  Nhãn hiệu thông thường  nhan_hieu_thong_thuong

	  Số sao (ocop.stars)
	    3  (not given)

	  Người khảo sát (surveyor)
	    3  Trần Văn Minh

	  Device (device, the prefix of the record id)
	    3  md05
	EOF
	test_cmp expect out
'

test_expect_success 'a commune written in two tone styles, two forms and two cases counts once' '
	mkdir -p t/records/workshop/md05/001 &&
	for n in 0101 0102 0103 0104; do
		sed -e "s/^id: .*/id: md05-$n/" \
			"$TEST_DATA/dupes/records/workshop/md05/000/md05-0003.yaml" \
			>t/records/workshop/md05/001/md05-$n.yaml || return 1
	done &&
	W=t/records/workshop/md05/001 &&
	set_line $W/md05-0101.yaml "  commune_name:" "  commune_name: Hòa Bình" &&
	set_line $W/md05-0102.yaml "  commune_name:" "  commune_name: Hoà Bình" &&
	set_line $W/md05-0103.yaml "  commune_name:" "  commune_name: HOÀ BÌNH" &&
	nfd=$(printf "Ho\314\200a Bi\314\200nh") &&
	set_line $W/md05-0104.yaml "  commune_name:" "  commune_name: $nfd" &&
	(cd t && khaosat stats --json workshop >../t.json) &&
	json_counts workshop address.commune_name <t.json >actual &&
	cat >expect <<-\EOF &&
	Hòa Bình 4
	Mỹ Đồng 2
	Thiên Hương 2
	EOF
	test_cmp expect actual
'

test_expect_success 'invalid records are counted, not printed, as check counts them' '
	set_line s/$W1 "  regular:" "  regular: -3" &&
	tax=$(sed -n "s/^tax_code: //p" s/$W2) &&
	test -n "$tax" &&
	set_line s/records/workshop/md02/000/md02-0001.yaml "tax_code:" "tax_code: $tax" &&
	(cd s && test_expect_code 1 khaosat check >/dev/null 2>../check.err) &&
	tail -n 1 check.err >summary &&
	(cd s && khaosat stats --json >../stats.json 2>../err) &&
	test_must_be_empty err &&
	v=$(($(json_total workshop valid <stats.json) + $(json_total brand valid <stats.json))) &&
	i=$(($(json_total workshop invalid <stats.json) + $(json_total brand invalid <stats.json))) &&
	echo "checked $((v + i)) records: $v valid, $i invalid" >expect &&
	test_cmp expect summary &&
	test "$i" -ge 2 &&
	(cd s && khaosat stats workshop >../out 2>../err) &&
	test_must_be_empty err &&
	grep -q "^  invalid  *$i\$" out &&
	(cd s && git checkout -q -- records)
'

test_expect_success 'a record that does not parse is invalid and counted under its device' '
	mkdir -p s/records/workshop/md07/000 &&
	printf "id: md07-0001\nname: [broken\n" >s/records/workshop/md07/000/md07-0001.yaml &&
	(cd s && khaosat stats --json workshop >../w.json 2>../err) &&
	test_must_be_empty err &&
	n=$(find s/records/workshop -name "*.yaml" | wc -l) &&
	test "$(json_total workshop records <w.json)" = "$n" &&
	test "$(json_total workshop invalid <w.json)" = 1 &&
	json_counts workshop device <w.json >actual &&
	grep -qx "md07 1" actual &&
	json_counts workshop address.commune_name <w.json >actual &&
	grep -qx "(missing) 1" actual &&
	rm -r s/records/workshop/md07
'

test_expect_success 'records with open conflicts, as the conflict files hold them' '
	git clone -q s b &&
	git -C b config khaosat.device md02 &&
	git -C b config khaosat.surveyor "Trần Văn Minh" &&
	set_line s/$W1 "phone:" "phone: \"0911111111\"" &&
	set_line s/$W1 "  regular:" "  regular: 11" &&
	set_line s/$B19 "goods:" "goods: Vật đúc" &&
	(cd s && khaosat commit -m "s: phone, workers, goods" >/dev/null) &&
	set_line b/$W1 "phone:" "phone: \"0922222222\"" &&
	set_line b/$W1 "  regular:" "  regular: 22" &&
	set_line b/$B19 "goods:" "goods: Chảo gang" &&
	(cd b && khaosat commit -m "b: phone, workers, goods" >/dev/null) &&
	git -C s fetch -q ../b main:refs/remotes/b/main &&
	(cd s && khaosat merge b/main >/dev/null) &&
	for k in workshop brand; do
		files=$(find s/conflicts/records/$k -type f | wc -l) &&
		entries=$(cat $(find s/conflicts/records/$k -type f) | grep -c "^  - field:") &&
		test "$files" -ge 1 &&
		(cd s && khaosat stats --json $k >../k.json) &&
		test "$(json_total $k with_conflicts <k.json)" = "$files" &&
		test "$(json_total $k conflicts <k.json)" = "$entries" || return 1
	done &&
	test "$(json_total workshop conflicts <k.json 2>/dev/null)" = "" &&
	(cd s && khaosat stats --json >../all.json) &&
	test "$(json_total workshop conflicts <all.json)" = 2 &&
	test "$(json_total brand conflicts <all.json)" = 1
'

test_expect_success 'a record with open conflicts is invalid, as check says; an edit shows at once' '
	(cd s && test_expect_code 1 khaosat check 2>../err) &&
	tail -n 1 err >expect &&
	(cd s && khaosat stats --json >../all.json) &&
	v=$(($(json_total workshop valid <all.json) + $(json_total brand valid <all.json))) &&
	i=$(($(json_total workshop invalid <all.json) + $(json_total brand invalid <all.json))) &&
	echo "checked $((v + i)) records: $v valid, $i invalid" >actual &&
	test_cmp expect actual &&
	test "$i" -ge 2 &&
	set_line s/records/workshop/md01/000/md01-0003.yaml "surveyor:" "surveyor: Người Mới" &&
	(cd s && khaosat stats --json workshop >../w.json) &&
	json_counts workshop surveyor <w.json >actual &&
	grep -qx "Người Mới 1" actual &&
	git -C s checkout -q -- records/workshop/md01/000/md01-0003.yaml
'

test_expect_success 'what changed since the last stats is counted as the files say' '
	set_line s/$W1 "surveyor:" "surveyor: Người Ẩn A" &&
	set_line s/$W2 "surveyor:" "surveyor: Người Ẩn A" &&
	(cd s && khaosat stats --json workshop >../w.json) &&
	json_counts workshop surveyor <w.json >actual &&
	grep -qx "Người Ẩn A 2" actual &&
	# the same size, a new record, one removed: the check just before
	# has looked at each file, and stats takes its stat data
	set_line s/$W1 "surveyor:" "surveyor: Người Ẩn B" &&
	mkdir -p s/records/workshop/md01/009 &&
	sed "s/^id: .*/id: md01-0950/" s/$W1 >s/records/workshop/md01/009/md01-0950.yaml &&
	rm s/$W2 &&
	test_when_finished "rm -f s/records/workshop/md01/009/md01-0950.yaml &&
		git -C s checkout -q -- $W1 $W2" &&
	(cd s && khaosat stats --json workshop >../w.json) &&
	json_counts workshop surveyor <w.json >actual &&
	yaml_counts s/records/workshop "surveyor: " >expect &&
	test_cmp expect actual &&
	grep -qx "Người Ẩn B 2" actual &&
	! grep -q "Người Ẩn A" actual
'

test_expect_success 'without its reading index (one that cannot be made) stats counts the same' '
	(cd s && khaosat stats --json >../with.json) &&
	rm -rf s/.git/khaosat/read-index.sqlite* &&
	mkdir s/.git/khaosat/read-index.sqlite &&
	test_when_finished "rmdir s/.git/khaosat/read-index.sqlite" &&
	(cd s && khaosat stats --json >../without.json) &&
	test_path_is_dir s/.git/khaosat/read-index.sqlite &&
	test_cmp with.json without.json
'

test_expect_success 'stats changes nothing in the survey' '
	snapshot s | grep -v "\./\.git/khaosat/" >before &&
	(cd s && khaosat stats >/dev/null && khaosat stats --json >/dev/null) &&
	snapshot s | grep -v "\./\.git/khaosat/" >after &&
	test_cmp before after
'

test_expect_success 'an unknown kind, extra arguments, no survey: clear errors' '
	(cd s && test_expect_code 2 khaosat stats shop >../out 2>../err) &&
	test_must_be_empty out &&
	cat >expect <<-\EOF &&
	error: unknown kind "shop" (the survey has: workshop, brand)
	usage: khaosat stats [--json] [KIND]
	EOF
	test_cmp expect err &&
	(cd s && test_expect_code 2 khaosat stats workshop brand 2>../err) &&
	grep -q "^error: give at most one kind$" err &&
	mkdir nowhere &&
	(cd nowhere && test_expect_code 3 khaosat stats 2>../err) &&
	grep -q "^error: not inside a survey" err
'

test_done
