#!/bin/sh
# khaosat history, blame, diff and show ID@DATE: field-level answers over the
# commit graph, attributed through merges to the commits that first wrote
# each value; git log and git rev-parse are the witnesses.
. "$(dirname "$0")/lib.sh"

W1=records/workshop/md01/000/md01-0001.yaml
W2=records/workshop/md01/000/md01-0002.yaml
W3=records/workshop/md01/000/md01-0003.yaml

# A second laptop: a copy of the survey with its own device identity.
laptop() {
	git clone -q a "$1" &&
	git -C "$1" config khaosat.device "$2" &&
	git -C "$1" config khaosat.surveyor "$3"
}

# json_get FILE EXPR: prints a Python expression over the parsed JSON `j`.
json_get() {
	python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

test_expect_success 'setup: laptop a with the samples, laptop b a copy' '
	make_survey a md01 "Nguyễn Thị Hoa" &&
	copy_samples a &&
	(cd a && khaosat commit -m "Samples" >/dev/null) &&
	laptop b md02 "Trần Văn Minh"
'

test_expect_success 'two laptops set different fields; the merge is not credited' '
	set_line a/$W1 "main_trade:" "main_trade: Đúc gang cầu" &&
	(cd a && khaosat commit -m "a: main trade" >/dev/null) &&
	git -C a rev-parse HEAD >a_commit &&
	set_line b/$W1 "  regular:" "  regular: 55" &&
	(cd b && khaosat commit -m "b: workers" >/dev/null) &&
	git -C b rev-parse HEAD >b_commit &&
	git -C a fetch -q ../b main:refs/remotes/b/main &&
	(cd a && khaosat merge b/main >/dev/null) &&
	git -C a rev-parse HEAD >merge_commit &&
	(cd a && khaosat history --json md01-0001 >../h.json) &&
	test "$(json_get h.json "[e[\"commit\"] for e in j if e[\"field\"]==\"/main_trade\" and not e[\"created\"]]")" = "[$(printf "%s" "'"'"'$(cat a_commit)'"'"'")]" &&
	test "$(json_get h.json "[e[\"commit\"] for e in j if e[\"field\"]==\"/workers/regular\"]")" = "[$(printf "%s" "'"'"'$(cat b_commit)'"'"'")]" &&
	test "$(json_get h.json "len([e for e in j if e[\"commit\"]==\"$(cat merge_commit)\"])")" = 0
'

test_expect_success 'history says who, which device, old and new, and how it came' '
	(cd a && khaosat history md01-0001 workers.regular >../out) &&
	grep -q "Trần Văn Minh on md02" out &&
	grep -q "^  ~ Lao động (người) › Lao động thường xuyên: 86 → 55$" out &&
	grep -q "reached main through merge $(cut -c1-7 merge_commit)" out &&
	grep -q "^  + Lao động (người) › Lao động thường xuyên: 86  (record created)$" out &&
	test "$(grep -c "^  [~+-] " out)" = 2 &&
	json_get h.json "[e for e in j if e[\"field\"]==\"/workers/regular\"][0][\"via_merge\"]" >via &&
	test "$(cat via)" = "$(cat merge_commit)" &&
	json_get h.json "[e for e in j if e[\"field\"]==\"/workers/regular\"][0][\"device\"]" >dev &&
	test "$(cat dev)" = md02
'

test_expect_success 'a field is accepted dotted, slashed, and by a keyed item' '
	(cd a && khaosat history md01-0001 /workers/regular >../slashed) &&
	test_cmp out slashed &&
	set_line b/$W1 "    output_tonnes_per_year: 320" "    output_tonnes_per_year: 333" &&
	(cd b && khaosat commit -m "b: puly output" >/dev/null) &&
	(cd b && khaosat history "md01-0001" "products[name=Puly thang máy].output_tonnes_per_year" >../out) &&
	grep -q "^  ~ Sản phẩm \[Puly thang máy\] › Sản lượng (tấn/năm): 320 → 333$" out &&
	grep -q "^  + Sản phẩm \[Puly thang máy\] › Sản lượng (tấn/năm): 320  (record created)$" out &&
	test "$(grep -c "^  [~+-] " out)" = 2
'

test_expect_success 'history names fields by title and choices by label; --json keeps codes' '
	(cd a && khaosat history md01-0001 legal_type >../out &&
	 khaosat history --json md01-0001 legal_type >../h.json) &&
	grep -q "^  + Loại hình: Công ty TNHH  (record created)$" out &&
	! grep -q "doanh_nghiep_tnhh\|/legal_type" out &&
	grep -q "\"field\":\"/legal_type\"" h.json &&
	grep -q "doanh_nghiep_tnhh" h.json
'

test_expect_success 'an unknown field is an error, a known one without changes is not' '
	(cd a && test_expect_code 1 khaosat history md01-0001 no.such 2>../err) &&
	grep -q "no field /no/such" err &&
	(cd a && khaosat history md01-0001 notes >../out) &&
	grep -q "(record created)" out
'

test_expect_success 'a conflict and its resolution show as such' '
	set_line a/$W1 "phone:" "phone: \"0912345678\"" &&
	(cd a && khaosat commit -m "a: phone" >/dev/null) &&
	git -C a rev-parse HEAD >a_phone &&
	set_line b/$W1 "phone:" "phone: \"0987654321\"" &&
	(cd b && khaosat commit -m "b: phone" >/dev/null) &&
	git -C b rev-parse HEAD >b_phone &&
	git -C a fetch -q ../b main:refs/remotes/b/main &&
	(cd a && khaosat merge b/main >/dev/null) &&
	git -C a rev-parse HEAD >conflict_merge &&
	(cd a && test_expect_code 1 khaosat conflicts --json >../c.json) &&
	n=$(json_get c.json "[p[\"number\"] for p in j[0][\"proposals\"] if p[\"device\"]==\"md02\"][0]") &&
	(cd a && khaosat resolve md01-0001 /phone --take $n >/dev/null) &&
	git -C a rev-parse HEAD >resolution &&
	(cd a && khaosat history md01-0001 phone >../out && khaosat history --json md01-0001 phone >../h.json) &&
	grep -q "^  ! Điện thoại: conflict recorded, kept \"02256246341\"; proposals .*\"0912345678\" (Nguyễn Thị Hoa, md01, $(cut -c1-7 a_phone))" out &&
	grep -q "^  ! Điện thoại: conflict recorded, .*\"0987654321\" (Trần Văn Minh, md02, $(cut -c1-7 b_phone))" out &&
	grep -q "^  ~ Điện thoại: \"02256246341\" → \"0987654321\"  (settles a conflict)$" out &&
	test "$(json_get h.json "[e[\"kind\"] for e in j]")" = "['"'"'edit'"'"', '"'"'edit'"'"', '"'"'edit'"'"', '"'"'merge'"'"', '"'"'conflict'"'"', '"'"'resolution'"'"']" &&
	test "$(json_get h.json "j[-1][\"commit\"]")" = "$(cat resolution)"
'

test_expect_success 'blame credits each field to the commit that wrote its value' '
	(cd a && khaosat blame --json md01-0001 >../b.json && khaosat blame md01-0001 >../out) &&
	test "$(json_get b.json "[l[\"commit\"] for l in j if l[\"field\"]==\"/workers/regular\"][0]")" = "$(cat b_commit)" &&
	test "$(json_get b.json "[l[\"commit\"] for l in j if l[\"field\"]==\"/main_trade\"][0]")" = "$(cat a_commit)" &&
	test "$(json_get b.json "[l[\"commit\"] for l in j if l[\"field\"]==\"/phone\"][0]")" = "$(cat b_phone)" &&
	test "$(json_get b.json "[l[\"value\"] for l in j if l[\"field\"]==\"/workers/regular\"][0]")" = 55 &&
	grep -q "^$(cut -c1-7 b_commit) .* Trần Văn Minh (md02) *|   Lao động thường xuyên: 55$" out &&
	grep -q "^ *| Lao động (người):$" out &&
	grep -q "^$(git -C a log --format=%h -1 --grep=^Samples) .*| Tên cơ sở: " out &&
	grep -q "| Loại hình: Công ty TNHH$" out &&
	! grep -q "doanh_nghiep_tnhh\|^ .*| name:" out &&
	(cd a && khaosat blame --yaml md01-0001 >../yaml) &&
	grep -q "^$(cut -c1-7 b_commit) .* Trần Văn Minh (md02) *|   regular: 55$" yaml &&
	grep -q "^ *| workers:$" yaml &&
	grep -q "| legal_type: doanh_nghiep_tnhh$" yaml
'

test_expect_success 'blame at a revision and of a record never changed since' '
	(cd a && khaosat blame md01-0001@$(cat ../a_commit) >../out) &&
	grep -q "|   Lao động thường xuyên: 86$" out &&
	(cd a && khaosat blame --json md01-0002 >../b2.json) &&
	test "$(json_get b2.json "sorted(set(l[\"commit\"] for l in j))")" = "['"'"'$(git -C a log --format=%H -1 --grep=^Samples)'"'"']"
'

test_expect_success 'diff: the work tree against HEAD, field by field' '
	set_line a/$W2 "  regular:" "  regular: 99" &&
	(cd a && khaosat diff >../out) &&
	cat >expect <<-EOF &&
	workshop md01-0002 ($W2): changed
	  ~ /workers/regular: $(git -C a show HEAD:$W2 | sed -n "s/^  regular: //p") → 99
	EOF
	test_cmp expect out &&
	(cd a && khaosat diff md01-0001 >../out) &&
	test_must_be_empty out &&
	git -C a checkout -q -- $W2
'

test_expect_success 'diff between revisions, of one record, and as JSON' '
	(cd a && khaosat diff "$(cat ../a_commit)" "$(cat ../resolution)" md01-0001 >../out) &&
	grep -q "^  ~ /phone: \"02256246341\" → \"0987654321\"$" out &&
	grep -q "^  ~ /workers/regular: 86 → 55$" out &&
	grep -q "^  ~ /products\[name=Puly thang máy\]/output_tonnes_per_year: 320 → 333$" out &&
	(cd a && khaosat diff --json "$(cat ../a_commit)" "$(cat ../resolution)" >../d.json) &&
	test "$(json_get d.json "[f[\"new\"] for e in j if e[\"id\"]==\"md01-0001\" for f in e[\"fields\"] if f[\"field\"]==\"/workers/regular\"]")" = "[55]"
'

test_expect_success 'diff names added and removed keyed items and deleted records' '
	python3 - a/$W1 <<-\PY &&
	import sys
	p = sys.argv[1]
	s = open(p, encoding="utf-8").read()
	s = s.replace("  - name: Puly thang máy\n", "  - name: Puly thang máy loại mới\n")
	open(p, "w", encoding="utf-8").write(s)
	PY
	git -C a rm -q $W2 &&
	(cd a && khaosat diff >../out) &&
	grep -q "^workshop md01-0002 ($W2): deleted$" out &&
	grep -q "^  - /name, was \"" out &&
	grep -q "^  + /products\[name=Puly thang máy loại mới\]: {name: \"Puly thang máy loại mới\", " out &&
	grep -q "^  - /products\[name=Puly thang máy\], was {" out &&
	git -C a checkout -q HEAD -- $W1 $W2
'

test_expect_success 'diff of a file that does not parse names the reason' '
	cp a/$W1 w1.save &&
	printf "name: [unclosed\n" >>a/$W1 &&
	(cd a && khaosat diff >../out) &&
	grep -q "cannot compare field by field: $W1:" out &&
	cp w1.save a/$W1
'

test_expect_success 'show, blame and history accept a date: main as it was then' '
	set_line a/$W2 "main_trade:" "main_trade: Đúc đồng" &&
	git -C a add $W2 &&
	GIT_COMMITTER_DATE="2030-06-30T10:00:00" GIT_AUTHOR_DATE="2030-06-30T10:00:00" \
		git -C a commit -q -m "June" &&
	set_line a/$W2 "main_trade:" "main_trade: Đúc nhôm" &&
	git -C a add $W2 &&
	GIT_COMMITTER_DATE="2030-07-02T10:00:00" GIT_AUTHOR_DATE="2030-07-02T10:00:00" \
		git -C a commit -q -m "July" &&
	(cd a && khaosat show --yaml md01-0002@2030-06-30 >../june &&
	 khaosat show --yaml md01-0002@2030-07-01 >../july1 &&
	 khaosat show --yaml md01-0002@"2030-07-02 10:00" >../july2 &&
	 khaosat show --yaml md01-0002@2030-06-29 >../before) &&
	grep -q "^main_trade: Đúc đồng$" june &&
	test_cmp june july1 &&
	grep -q "^main_trade: Đúc nhôm$" july2 &&
	! grep -q "^main_trade: Đúc đồng$" before &&
	(cd a && khaosat history md01-0002@2030-07-01 main_trade >../out) &&
	grep -q "→ \"Đúc đồng\"" out && ! grep -q "Đúc nhôm" out &&
	(cd a && test_expect_code 1 khaosat show md01-0002@1999-01-01 2>../err) &&
	grep -q "did not exist yet at 1999-01-01" err &&
	(cd a && test_expect_code 1 khaosat show md01-0002@2030-02-30 2>../err) &&
	grep -q "is not a date" err
'

test_expect_success 'history of a deleted record; blame says it is gone' '
	git -C a rm -q $W3 &&
	(cd a && khaosat commit -m "delete md01-0003" >/dev/null) &&
	(cd a && khaosat history md01-0003 >../out) &&
	grep -q "^  - the whole record, was {id: \"md01-0003\"" out &&
	grep -q "(record deleted)" out &&
	(cd a && test_expect_code 1 khaosat blame md01-0003 2>../err) &&
	grep -q "was deleted" err &&
	(cd a && test_expect_code 1 khaosat history md99-0001 2>../err) &&
	grep -q "no record \"md99-0001\"" err
'

test_expect_success 'nothing here writes to the repository' '
	state a >before &&
	(cd a && khaosat history md01-0001 >/dev/null && khaosat blame md01-0001 >/dev/null &&
	 khaosat diff HEAD~2 >/dev/null) &&
	state a >after &&
	test_cmp before after
'

test_done
