#!/bin/sh
# Validation end to end: a deliberately broken copy of the samples gives
# the exact located messages (as text and as --json data); check --schema
# reads loose YAML and JSON files; a broken schema is reported at its own
# location before any record is read; hostile records (too deep, too big,
# alias bombs) and hostile patterns cost little time.  No check changes a
# byte on disk.  Last, fmt must keep what check accepted.
. "$(dirname "$0")/lib.sh"

V=$TEST_DATA/validate
W=records/workshop/md01/000
B=records/brand/md01/000

# check_in DIR CODE ARGS...: runs "khaosat check ARGS" in DIR, which must
# exit with CODE within a minute and leave DIR byte for byte as it was (but
# for .git/khaosat/, where check keeps its local caches).  Output in
# $TRASH/out and $TRASH/err.
check_in() {
	check_in_dir_=$1
	check_in_want_=$2
	shift 2
	snapshot "$check_in_dir_" | grep -v '\./\.git/khaosat/' >"$TRASH/before" &&
	(cd "$check_in_dir_" &&
		test_expect_code "$check_in_want_" timeout "${TIMEOUT:-60}" \
			"$KHAOSAT_BIN" check "$@" >"$TRASH/out" 2>"$TRASH/err") &&
	snapshot "$check_in_dir_" | grep -v '\./\.git/khaosat/' >"$TRASH/after" &&
	test_cmp "$TRASH/before" "$TRASH/after"
}

# check_quick DIR CODE ARGS...: the same within 10 seconds (inputs built to
# cost time or memory must be refused at once).
check_quick() {
	TIMEOUT=10
	check_in "$@"
}

# test_has_line LINE FILE: FILE holds LINE, verbatim, as a whole line.
test_has_line() {
	if ! grep -Fx -e "$1" "$2" >/dev/null; then
		echo "no line in $2 is exactly:" >&2
		echo "$1" >&2
		echo "$2 holds:" >&2
		cat "$2" >&2
		return 1
	fi
}

# ---- a broken copy of the samples ----

# The broken records have ids below 100 so that they live in the 000 folder
# whether a folder holds a hundred or a thousand counter values.
test_expect_success 'setup: the samples, committed, and four broken records' '
	make_survey s &&
	copy_samples s &&
	git -C s add -A &&
	git -C s commit -q -m "the samples" &&
	cp -R "$V/records" s/ &&
	find s/records -name "*.yaml" >list &&
	test_line_count = 46 list
'

test_expect_success 'the broken survey: exit 1, nothing changed' '
	check_in s 1 &&
	test_must_be_empty out &&
	test_has_line "checked 46 records: 42 valid, 4 invalid" err
'

test_expect_success 'a negative count: located at the value, with the title' '
	check_in s 1 &&
	test_has_line "$W/md01-0091.yaml:12:12: error: Lao động (người) › Lao động thường xuyên: -3 is less than the smallest allowed, 0" err
'

test_expect_success 'an enum typo: names every allowed value' '
	check_in s 1 &&
	test_has_line "$W/md01-0091.yaml:3:13: error: Loại hình: \"ho_kinh_doan\" is not one of the choices: Công ty TNHH (doanh_nghiep_tnhh), Công ty cổ phần (doanh_nghiep_co_phan), Doanh nghiệp tư nhân (doanh_nghiep_tu_nhan), Hợp tác xã (HTX) (hop_tac_xa), Tổ hợp tác (THT) (to_hop_tac), Hộ kinh doanh (HKD) (ho_kinh_doanh)" err
'

# 0200094486: weights 31,29,23,19,17,13,7,5,3 on 020009448 sum to 247;
# 247 mod 11 = 5; the check digit is 10 - 5 = 5 (DOMAIN.md 2.1).
test_expect_success 'a bad tax code check digit: says which digit is right' '
	check_in s 1 &&
	test_has_line "$W/md01-0091.yaml:4:11: error: Mã số thuế: \"0200094486\" is not a valid tax code: tax code check digit should be 5" err
'

test_expect_success 'a bad phone number' '
	check_in s 1 &&
	test_has_line "$W/md01-0091.yaml:5:8: error: Điện thoại: \"091234567\" is not a valid phone number: phone number must have 10 digits (mobile) or 11 digits starting with 02 (landline)" err
'

test_expect_success 'a date in the wrong format' '
	check_in s 1 &&
	test_has_line "$W/md01-0091.yaml:13:14: error: Ngày khảo sát: \"15/03/2024\" is not a valid date (year-month-day): expected YYYY-MM-DD" err
'

test_expect_success 'a misspelt field: did you mean' '
	check_in s 1 &&
	test_has_line "$W/md01-0091.yaml:10:1: error: Cơ sở công nghiệp nông thôn: the form has no field \"main_trad\" here; did you mean \"main_trade\"?" err
'

test_expect_success 'a missing required field: located at the parent mapping' '
	check_in s 1 &&
	test_has_line "$W/md01-0091.yaml:7:3: error: Địa chỉ › Tỉnh, thành phố: required, but not filled in" err
'

test_expect_success 'a tax code used twice (x-unique): names the other record and where' '
	check_in s 1 &&
	test_has_line "$W/md01-0092.yaml:4:11: error: Mã số thuế: \"0200094485\" is also used by record md01-0001 ($W/md01-0001.yaml:4:11); it must be unique" err
'

test_expect_success 'x-unique when only the new record is named' '
	check_in s 1 md01-0092 &&
	test_has_line "$W/md01-0092.yaml:4:11: error: Mã số thuế: \"0200094485\" is also used by record md01-0001 ($W/md01-0001.yaml:4:11); it must be unique" err &&
	test_has_line "checked 1 record: 0 valid, 1 invalid" err
'

test_expect_success 'a brand naming a missing workshop (dangling x-ref)' '
	check_in s 1 &&
	test_has_line "$B/md01-0094.yaml:7:15: error: Cơ sở được quyền sử dụng 2 › Mã phiếu cơ sở được cấp quyền: there is no workshop record with the id \"md01-0999\"" err
'

test_expect_success 'two products with the same name (x-key)' '
	check_in s 1 &&
	test_has_line "$W/md01-0092.yaml:14:11: error: Sản phẩm 3 › Tên sản phẩm: \"Nắp hố ga\" is already in item 1" err
'

test_expect_success 'an if/then rule: a cooperative without a tax code' '
	check_in s 1 &&
	test_has_line "$W/md01-0093.yaml:1:1: error: Mã số thuế: required, but not filled in" err
'

test_expect_success 'the whole report, exactly: no other error' '
	check_in s 1 &&
	cat >report <<-EOF &&
	$B/md01-0094.yaml:7:15: error: Cơ sở được quyền sử dụng 2 › Mã phiếu cơ sở được cấp quyền: there is no workshop record with the id "md01-0999"
	$W/md01-0091.yaml:3:13: error: Loại hình: "ho_kinh_doan" is not one of the choices: Công ty TNHH (doanh_nghiep_tnhh), Công ty cổ phần (doanh_nghiep_co_phan), Doanh nghiệp tư nhân (doanh_nghiep_tu_nhan), Hợp tác xã (HTX) (hop_tac_xa), Tổ hợp tác (THT) (to_hop_tac), Hộ kinh doanh (HKD) (ho_kinh_doanh)
	$W/md01-0091.yaml:4:11: error: Mã số thuế: "0200094486" is not a valid tax code: tax code check digit should be 5
	$W/md01-0091.yaml:5:8: error: Điện thoại: "091234567" is not a valid phone number: phone number must have 10 digits (mobile) or 11 digits starting with 02 (landline)
	$W/md01-0091.yaml:7:3: error: Địa chỉ › Tỉnh, thành phố: required, but not filled in
	$W/md01-0091.yaml:10:1: error: Cơ sở công nghiệp nông thôn: the form has no field "main_trad" here; did you mean "main_trade"?
	$W/md01-0091.yaml:12:12: error: Lao động (người) › Lao động thường xuyên: -3 is less than the smallest allowed, 0
	$W/md01-0091.yaml:13:14: error: Ngày khảo sát: "15/03/2024" is not a valid date (year-month-day): expected YYYY-MM-DD
	$W/md01-0092.yaml:4:11: error: Mã số thuế: "0200094485" is also used by record md01-0001 ($W/md01-0001.yaml:4:11); it must be unique
	$W/md01-0092.yaml:14:11: error: Sản phẩm 3 › Tên sản phẩm: "Nắp hố ga" is already in item 1
	$W/md01-0093.yaml:1:1: error: Mã số thuế: required, but not filled in
	checked 46 records: 42 valid, 4 invalid
	EOF
	LC_ALL=C sort report >expect.sorted &&
	LC_ALL=C sort err >err.sorted &&
	test_cmp expect.sorted err.sorted
'

# Compiler-style: by file, then line.  The x-unique error of md01-0092
# (line 4) is found after its schema errors (line 14), yet comes first.
test_expect_success 'the errors of one record come in file order' '
	check_in s 1 &&
	test_cmp report err
'

test_expect_success 'check --json: the same errors as data' '
	check_in s 1 --json &&
	test_must_be_empty err &&
	python3 -c "
import json, sys
d = json.load(open(\"out\"))
assert isinstance(d, list), \"not a list\"
keys = [\"severity\", \"path\", \"line\", \"column\", \"pointer\", \"keyword\", \"message\"]
for e in d:
    assert list(e) == keys, e
    assert e[\"severity\"] == \"error\", e
    assert isinstance(e[\"line\"], int) and e[\"line\"] >= 1, e
    assert isinstance(e[\"column\"], int) and e[\"column\"] >= 1, e
    for k in (\"path\", \"pointer\", \"keyword\", \"message\"):
        assert isinstance(e[k], str), e
    print(\"%s:%d:%d: %s: %s\" % (e[\"path\"], e[\"line\"], e[\"column\"],
          e[\"severity\"], e[\"message\"]))
" >json.lines &&
	grep -v "^checked " report >expect.lines &&
	LC_ALL=C sort expect.lines >expect.sorted &&
	LC_ALL=C sort json.lines >json.sorted &&
	test_cmp expect.sorted json.sorted
'

test_expect_success 'check --json: each error names the keyword that failed' '
	check_in s 1 --json &&
	python3 -c "
import json
for e in json.load(open(\"out\")):
    print(e[\"path\"].rsplit(\"/\", 1)[1], e[\"pointer\"], e[\"keyword\"])
" | LC_ALL=C sort >keywords &&
	LC_ALL=C sort >expect <<-\EOF &&
	md01-0091.yaml /legal_type enum
	md01-0091.yaml /tax_code format
	md01-0091.yaml /phone format
	md01-0091.yaml /address required
	md01-0091.yaml /main_trad additionalProperties
	md01-0091.yaml /workers/regular minimum
	md01-0091.yaml /surveyed_at format
	md01-0092.yaml /tax_code x-unique
	md01-0092.yaml /products/2/name x-key
	md01-0093.yaml  required
	md01-0094.yaml /usage_rights/1/workshop x-ref
	EOF
	test_cmp expect keywords
'

# ---- check --schema: loose YAML and JSON files, no survey ----

test_expect_success 'setup: loose files and schemas outside any survey' '
	mkdir work &&
	cp -R "$V/loose" "$V/schemas" work/ &&
	check_in work 3 &&
	test_grep "^error: not inside a survey" err
'

test_expect_success 'check --schema on valid YAML and JSON files' '
	cp "$TEST_DATA/workshop-min.yaml" work/ &&
	check_in work 0 --schema "$KHAOSAT_TOP/schema/workshop.yaml" \
		workshop-min.yaml loose/md01-0090.json &&
	echo "checked 2 files: 2 valid, 0 invalid" >expect &&
	test_cmp expect err &&
	test_must_be_empty out
'

test_expect_success 'check --schema on a folder of YAML and JSON, one invalid' '
	check_in work 1 --schema schemas/furnace.yaml loose/bad-furnace.json \
		loose/furnace.json loose/furnace.yaml &&
	cat >expect <<-\EOF &&
	loose/bad-furnace.json:3:22: error: capacity_tonnes: -1 is less than the smallest allowed, 0
	checked 3 files: 2 valid, 1 invalid
	EOF
	test_cmp expect err
'

test_expect_success 'check --schema --json on loose files' '
	check_in work 1 --schema schemas/unknown-keyword.yaml --json \
		loose/bad-furnace.json &&
	cat >expect <<-\EOF &&
	[{"severity":"warning","path":"schemas/unknown-keyword.yaml","line":10,"column":5,"pointer":null,"keyword":"maxLenght","message":"unknown keyword \"maxLenght\"; did you mean \"maxLength\"?"},
	 {"severity":"error","path":"loose/bad-furnace.json","line":3,"column":22,"pointer":"/capacity_tonnes","keyword":"minimum","message":"capacity_tonnes: -1 is less than the smallest allowed, 0"}]
	EOF
	test_cmp expect out &&
	test_must_be_empty err
'

test_expect_success 'a broken record checked with --schema: same messages, its own path' '
	cp "$V/$W/md01-0091.yaml" work/loose/ &&
	check_in work 1 --schema "$KHAOSAT_TOP/schema/workshop.yaml" \
		loose/md01-0091.yaml &&
	cat >expect <<-\EOF &&
	loose/md01-0091.yaml:3:13: error: Loại hình: "ho_kinh_doan" is not one of the choices: Công ty TNHH (doanh_nghiep_tnhh), Công ty cổ phần (doanh_nghiep_co_phan), Doanh nghiệp tư nhân (doanh_nghiep_tu_nhan), Hợp tác xã (HTX) (hop_tac_xa), Tổ hợp tác (THT) (to_hop_tac), Hộ kinh doanh (HKD) (ho_kinh_doanh)
	loose/md01-0091.yaml:4:11: error: Mã số thuế: "0200094486" is not a valid tax code: tax code check digit should be 5
	loose/md01-0091.yaml:5:8: error: Điện thoại: "091234567" is not a valid phone number: phone number must have 10 digits (mobile) or 11 digits starting with 02 (landline)
	loose/md01-0091.yaml:7:3: error: Địa chỉ › Tỉnh, thành phố: required, but not filled in
	loose/md01-0091.yaml:10:1: error: Cơ sở công nghiệp nông thôn: the form has no field "main_trad" here; did you mean "main_trade"?
	loose/md01-0091.yaml:12:12: error: Lao động (người) › Lao động thường xuyên: -3 is less than the smallest allowed, 0
	loose/md01-0091.yaml:13:14: error: Ngày khảo sát: "15/03/2024" is not a valid date (year-month-day): expected YYYY-MM-DD
	checked 1 file: 0 valid, 1 invalid
	EOF
	test_cmp expect err &&
	rm work/loose/md01-0091.yaml
'

# ---- broken schemas ----

test_expect_success 'an unknown schema keyword warns; valid records still pass' '
	check_in work 0 --schema schemas/unknown-keyword.yaml \
		loose/furnace.yaml loose/furnace.json &&
	cat >expect <<-\EOF &&
	schemas/unknown-keyword.yaml:10:5: warning: unknown keyword "maxLenght"; did you mean "maxLength"?
	checked 2 files: 2 valid, 0 invalid
	EOF
	test_cmp expect err
'

test_expect_success 'an unknown schema keyword fails under --strict, no file checked' '
	check_in work 1 --strict --schema schemas/unknown-keyword.yaml \
		loose/furnace.yaml loose/furnace.json &&
	cat >expect <<-\EOF &&
	schemas/unknown-keyword.yaml:10:5: error: unknown keyword "maxLenght"; did you mean "maxLength"?
	EOF
	test_cmp expect err &&
	test_must_be_empty out
'

test_expect_success 'an invalid regular expression: at the pattern, no file checked' '
	check_in work 1 --schema schemas/bad-regex.yaml loose &&
	cat >expect <<-\EOF &&
	schemas/bad-regex.yaml:6:14: error: invalid regular expression "^[0-9{5}$": missing terminating ] for character class at offset 9
	EOF
	test_cmp expect err
'

test_expect_success 'a $ref cycle: at the $ref, no file checked' '
	check_in work 1 --schema schemas/ref-cycle.yaml loose &&
	cat >expect <<-\EOF &&
	schemas/ref-cycle.yaml:10:11: error: $ref "#/$defs/a" loops back to itself without descending into the value
	EOF
	test_cmp expect err
'

test_expect_success 'a $ref to a missing file: at the $ref, no file checked' '
	check_in work 1 --schema schemas/ref-missing.yaml loose &&
	cat >expect <<-EOF &&
	schemas/ref-missing.yaml:5:11: error: cannot resolve "address.yaml": no schema at file://$TRASH/work/schemas/address.yaml
	EOF
	test_cmp expect err
'

test_expect_success 'a schema that is an alias bomb is refused at the first anchor' '
	cat >work/laughs.schema <<-\EOF &&
	$defs:
	  a: &a {type: string}
	  b: &b {allOf: [*a, *a, *a, *a, *a, *a, *a, *a, *a]}
	  c: &c {allOf: [*b, *b, *b, *b, *b, *b, *b, *b, *b]}
	$ref: "#/$defs/c"
	EOF
	check_quick work 1 --schema laughs.schema loose &&
	echo "laughs.schema:2:6: error: anchors (&a) are not allowed in records" >expect &&
	test_cmp expect err &&
	rm work/laughs.schema
'

# In a survey: the schema is reported where it is, and no record is read.
test_expect_success 'in a survey, an invalid regex in a schema stops the check' '
	cp s/schema/brand.yaml brand.schema &&
	test_when_finished "cp brand.schema s/schema/brand.yaml" &&
	cp "$V/schemas/bad-regex.yaml" s/schema/brand.yaml &&
	check_in s 1 &&
	cat >expect <<-\EOF &&
	schema/brand.yaml:6:14: error: invalid regular expression "^[0-9{5}$": missing terminating ] for character class at offset 9
	no record was checked: fix the schema first
	EOF
	test_cmp expect err
'

test_expect_success 'in a survey, a $ref to a missing file stops the check' '
	test_when_finished "cp brand.schema s/schema/brand.yaml" &&
	cp "$V/schemas/ref-missing.yaml" s/schema/brand.yaml &&
	check_in s 1 &&
	cat >expect <<-EOF &&
	schema/brand.yaml:5:11: error: cannot resolve "address.yaml": no schema at file://$TRASH/s/schema/address.yaml
	no record was checked: fix the schema first
	EOF
	test_cmp expect err
'

test_expect_success 'in a survey, a $ref cycle stops the check (--json too)' '
	test_when_finished "cp brand.schema s/schema/brand.yaml" &&
	cp "$V/schemas/ref-cycle.yaml" s/schema/brand.yaml &&
	check_in s 1 --json &&
	cat >expect <<-\EOF &&
	[{"severity":"error","path":"schema/brand.yaml","line":10,"column":11,"pointer":null,"keyword":"$ref","message":"$ref \"#/$defs/a\" loops back to itself without descending into the value"}]
	EOF
	test_cmp expect out &&
	test_must_be_empty err
'

test_expect_success 'setup: a clean survey with a misspelt keyword in its schema' '
	make_survey u &&
	copy_samples u &&
	git -C u add -A &&
	git -C u commit -q -m "the samples" &&
	sed -i "s/^    maxLength: 200$/    maxLenght: 200/" u/schema/workshop.yaml &&
	grep -n maxLenght u/schema/workshop.yaml >found &&
	echo "30:    maxLenght: 200" >expect &&
	test_cmp expect found
'

test_expect_success 'in a survey, an unknown keyword warns and the records pass' '
	check_in u 0 &&
	cat >expect <<-\EOF &&
	schema/workshop.yaml:30:5: warning: unknown keyword "maxLenght"; did you mean "maxLength"?
	checked 42 records: 42 valid, 0 invalid
	EOF
	test_cmp expect err
'

# check --help: "--strict  treat unknown schema keywords as errors", in a
# survey as with --schema.
test_expect_success 'in a survey, --strict makes an unknown keyword an error' '
	check_in u 1 --strict &&
	cat >expect <<-\EOF &&
	schema/workshop.yaml:30:5: error: unknown keyword "maxLenght"; did you mean "maxLength"?
	no record was checked: fix the schema first
	EOF
	test_cmp expect err
'

# ---- patterns on long or hostile values ----

# 1,995 characters, under maxLength 4000.  PCRE2's JIT runs out of its
# default stack on a repeated group after about 1,000 to 2,000 characters
# (PCRE2_ERROR_JIT_STACKLIMIT, -46); the value is valid all the same.
test_expect_success 'a valid 2,000-character note matches a repeated-group pattern' '
	{
		printf "notes: " &&
		i=0 &&
		while [ $i -lt 57 ]; do
			printf "Lò <b>trung tần</b> số %03d đã lắp. " $i || return 1
			i=$((i + 1))
		done &&
		echo
	} >work/long-note.yaml &&
	test_when_finished "rm work/long-note.yaml" &&
	check_quick work 0 --schema schemas/notes-pattern.yaml long-note.yaml &&
	echo "checked 1 file: 1 valid, 0 invalid" >expect &&
	test_cmp expect err
'

test_expect_success 'a short note that breaks the pattern: exact message' '
	printf "notes: \"Xem <i>ảnh</i>\"\n" >work/bad-note.yaml &&
	test_when_finished "rm work/bad-note.yaml" &&
	check_quick work 1 --schema schemas/notes-pattern.yaml bad-note.yaml &&
	cat >expect <<-\EOF &&
	bad-note.yaml:1:8: error: Ghi chú: "Xem <i>ảnh</i>" is not written the way this field must be written
	checked 1 file: 0 valid, 1 invalid
	EOF
	test_cmp expect err
'

# A catastrophic pattern (a schema is synced data too) against 200 values:
# each match must stop early and say why in words, not "(error -47)"
# (PCRE2_ERROR_MATCHLIMIT after ten million steps per value).
test_expect_success 'a backtracking pattern: bounded time, a message in words' '
	{
		echo "codes:" &&
		i=0 &&
		while [ $i -lt 200 ]; do
			echo "  - aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab" || return 1
			i=$((i + 1))
		done
	} >work/codes.yaml &&
	test_when_finished "rm work/codes.yaml" &&
	check_quick work 1 --schema schemas/backtracking.yaml codes.yaml &&
	grep -c "^codes.yaml:[0-9]*:5: error: codes [0-9]*: .* takes too much work to check" err >count &&
	echo 200 >expect &&
	test_cmp expect count &&
	! grep "(error -" err
'

# ---- hostile records: refused at once, located ----

test_expect_success 'a record nested deeper than the limit (block style)' '
	{
		printf "id: md01-0095\nnotes:\n" &&
		i=1 && ind="  " &&
		while [ $i -le 70 ]; do
			printf "%sk%d:\n" "$ind" $i || return 1
			ind="$ind  " && i=$((i + 1))
		done &&
		printf "%send: 1\n" "$ind"
	} >deep.yaml &&
	mkdir -p s/$W &&
	cp deep.yaml s/$W/md01-0095.yaml &&
	test_when_finished "rm s/$W/md01-0095.yaml" &&
	check_quick s 1 md01-0095 &&
	cat >expect <<-EOF &&
	$W/md01-0095.yaml:66:129: error: nesting is deeper than the limit of 64 levels
	checked 1 record: 0 valid, 1 invalid
	EOF
	test_cmp expect err
'

test_expect_success 'a record nested deeper than the limit (flow style, --schema)' '
	{
		printf "id: md01-0095\nnotes: " &&
		i=0 &&
		while [ $i -lt 100 ]; do
			printf "[" || return 1
			i=$((i + 1))
		done &&
		echo
	} >work/deep.yaml &&
	check_quick work 1 --schema "$KHAOSAT_TOP/schema/workshop.yaml" deep.yaml &&
	cat >expect <<-\EOF &&
	deep.yaml:2:71: error: nesting is deeper than the limit of 64 levels
	checked 1 file: 0 valid, 1 invalid
	EOF
	test_cmp expect err &&
	rm work/deep.yaml
'

test_expect_success 'a record over the 16 MiB limit' '
	{
		printf "id: md01-0095\nnotes: \"" &&
		head -c 17000000 /dev/zero | tr "\\0" x &&
		printf "\"\n"
	} >s/$W/md01-0095.yaml &&
	test_when_finished "rm s/$W/md01-0095.yaml" &&
	check_quick s 1 &&
	cat >expect <<-EOF &&
	$W/md01-0095.yaml: error: file is larger than the limit of 16 MiB
	EOF
	grep "md01-0095" err >found &&
	test_cmp expect found &&
	test_has_line "checked 47 records: 42 valid, 5 invalid" err
'

test_expect_success 'a "billion laughs" record is refused at the first anchor' '
	cat >laughs.yaml <<-\EOF &&
	a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
	b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
	c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
	d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
	e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
	f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
	g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
	h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
	i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
	EOF
	cp laughs.yaml s/$W/md01-0095.yaml &&
	test_when_finished "rm s/$W/md01-0095.yaml" &&
	check_quick s 1 md01-0095 &&
	cat >expect <<-EOF &&
	$W/md01-0095.yaml:1:4: error: anchors (&a) are not allowed in records
	checked 1 record: 0 valid, 1 invalid
	EOF
	test_cmp expect err
'

# libyaml's reader reports a control character with a byte offset but no
# mark; the offset gives the line and column (2:9 here).
test_expect_success 'a control character is located' '
	printf "id: md01-0095\nname: Lò\\001nung\n" >work/ctrl.yaml &&
	check_quick work 1 --schema "$KHAOSAT_TOP/schema/workshop.yaml" ctrl.yaml &&
	cat >expect <<-\EOF &&
	ctrl.yaml:2:9: error: the file cannot be read (YAML): a control character (an invisible character that is not a space, tab or line break)
	checked 1 file: 0 valid, 1 invalid
	EOF
	test_cmp expect err &&
	rm work/ctrl.yaml
'

# ---- what check accepts, fmt keeps ----
# (Found while fuzzing the reader and the canonical writer; they belong with
# t0300-fmt.sh.)

test_expect_success 'setup: a survey for fmt' '
	make_survey f &&
	mkdir -p f/$W
'

# U+2028 (LINE SEPARATOR) is a line break to libyaml (YAML 1.1), as are
# U+2029 and U+0085 (NEL).  Written raw inside a literal block it ends the
# line there: "main_trade: Đúc đồng" became a field of its own and notes
# lost all but "Dòng một".  Escaped in a double-quoted string it is safe.
test_expect_success 'fmt keeps a note holding a line separator (U+2028) whole' '
	cat >f/$W/md01-0090.yaml <<-\EOF &&
	id: md01-0090
	name: Hộ kinh doanh Phạm Văn Tư
	legal_type: ho_kinh_doanh
	address:
	  commune_name: Mỹ Đồng
	  province_name: Hải Phòng
	trade_group: do_go_gom_su_det_may_co_khi_nho
	surveyed_at: "2024-03-15"
	surveyor: Nguyễn Thị Hoa
	notes: "Dòng một\u2028main_trade: Đúc đồng\nDòng hai"
	EOF
	cp f/$W/md01-0090.yaml expect &&
	check_in f 0 &&
	(cd f && khaosat fmt >../out 2>../err) &&
	test_cmp expect f/$W/md01-0090.yaml
'

# A plain scalar over several lines, where the schema does not say
# "string" alone (district_name is string or null): the first fmt writes
# "Thủy\nNguyên", the second a literal block; fmt --check in between fails.
test_expect_success 'fmt is idempotent on a plain scalar over several lines' '
	cat >f/$W/md01-0090.yaml <<-\EOF &&
	id: md01-0090
	name: Hộ kinh doanh Phạm Văn Tư
	legal_type: ho_kinh_doanh
	address:
	  commune_name: Mỹ Đồng
	  district_name: Thủy

	    Nguyên
	  province_name: Hải Phòng
	trade_group: do_go_gom_su_det_may_co_khi_nho
	surveyed_at: "2024-03-15"
	surveyor: Nguyễn Thị Hoa
	EOF
	check_in f 0 &&
	(cd f && khaosat fmt >../out 2>../err) &&
	cp f/$W/md01-0090.yaml first &&
	(cd f && khaosat fmt --check >../out 2>../err) &&
	(cd f && khaosat fmt >../out 2>../err) &&
	test_cmp first f/$W/md01-0090.yaml
'

test_expect_success 'the survey is as committed, but for the broken records' '
	git -C s status --porcelain >status &&
	cat >expect <<-\EOF &&
	?? records/brand/md01/000/md01-0094.yaml
	?? records/workshop/md01/000/md01-0091.yaml
	?? records/workshop/md01/000/md01-0092.yaml
	?? records/workshop/md01/000/md01-0093.yaml
	EOF
	test_cmp expect status
'

test_done
