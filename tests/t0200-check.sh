#!/bin/sh
# khaosat check: every bad input gets its exact located message and exit
# code, and checking never changes a byte on disk.
. "$(dirname "$0")/lib.sh"

R=records/workshop/md01/001/md01-0100.yaml
BAD=$TEST_DATA/bad

# put FIXTURE [PATH]: places a test record in the survey s.
put() {
	mkdir -p "s/$(dirname "${2:-$R}")" &&
	cp "$1" "s/${2:-$R}"
}

# check_refuses CODE ARGS...: runs check in s; the survey must be byte for
# byte the same afterwards (.git included, but for .git/khaosat, the local
# cache of committed unique values that check may refresh, as git status
# refreshes the index).  Output in out and err.
check_refuses() {
	want=$1
	shift
	snapshot s | grep -v '\./\.git/khaosat/' >before &&
	(cd s && test_expect_code "$want" khaosat check "$@" >../out 2>../err) &&
	snapshot s | grep -v '\./\.git/khaosat/' >after &&
	test_cmp before after
}

test_expect_success 'setup: a survey holding the sample records' '
	make_survey s &&
	copy_samples s &&
	mkdir -p s/records/workshop/md01/001 s/records/brand/md01/001 &&
	git -C s add -A &&
	git -C s commit -q -m "the samples" &&
	find s/records -name "*.yaml" >list &&
	test_line_count = 42 list
'

test_expect_success 'every sample record is valid' '
	(cd s && khaosat check >../out 2>../err) &&
	test_must_be_empty out &&
	echo "checked 42 records: 42 valid, 0 invalid" >expect &&
	test_cmp expect err
'

test_expect_success 'checking changes nothing, not even .git' '
	check_refuses 0 &&
	check_refuses 0 md01-0001 md02-0017
'

test_expect_success 'check --json of a valid survey is an empty list' '
	(cd s && khaosat check --json >../out 2>../err) &&
	echo "[]" >expect &&
	test_cmp expect out &&
	test_must_be_empty err
'

test_expect_success 'check one record by id, by path, and from a subfolder' '
	(cd s && khaosat check md01-0001 2>../err) &&
	echo "checked 1 record: 1 valid, 0 invalid" >expect &&
	test_cmp expect err &&
	(cd s && khaosat check records/brand/md02/000/md02-0017.yaml 2>../err) &&
	test_cmp expect err &&
	(cd s/records/workshop && khaosat check md02/000/md02-0001.yaml 2>../../../err) &&
	test_cmp expect err &&
	(cd s/records && khaosat check md01-0002 md02-0002 2>../../err) &&
	echo "checked 2 records: 2 valid, 0 invalid" >expect &&
	test_cmp expect err
'

test_expect_success 'a new valid record is valid' '
	put "$TEST_DATA/workshop-min.yaml" &&
	(cd s && khaosat check md01-0100 2>../err) &&
	echo "checked 1 record: 1 valid, 0 invalid" >expect &&
	test_cmp expect err
'

# ---- each bad input: its message, exit 1, nothing changed ----

test_expect_success 'malformed YAML' '
	put "$BAD/malformed.yaml" &&
	check_refuses 1 &&
	test_must_be_empty out &&
	cat >expect <<-EOF &&
	$R:3:11: error: the file cannot be read (YAML): a list in brackets [ ] is not closed with "]", or its items are not separated by commas (it began at line 2, column 7)
	checked 43 records: 42 valid, 1 invalid
	EOF
	test_cmp expect err
'

test_expect_success 'malformed YAML, checked by id' '
	check_refuses 1 md01-0100 &&
	cat >expect <<-EOF &&
	$R:3:11: error: the file cannot be read (YAML): a list in brackets [ ] is not closed with "]", or its items are not separated by commas (it began at line 2, column 7)
	checked 1 record: 0 valid, 1 invalid
	EOF
	test_cmp expect err
'

test_expect_success 'a duplicate key' '
	put "$BAD/duplicate-key.yaml" &&
	check_refuses 1 &&
	cat >expect <<-EOF &&
	$R:11:1: error: duplicate key "phone"
	checked 43 records: 42 valid, 1 invalid
	EOF
	test_cmp expect err
'

test_expect_success 'an anchor' '
	put "$BAD/anchor.yaml" &&
	check_refuses 1 &&
	cat >expect <<-EOF &&
	$R:6:12: error: anchors (&v) are not allowed in records
	checked 43 records: 42 valid, 1 invalid
	EOF
	test_cmp expect err
'

test_expect_success 'an alias' '
	put "$BAD/alias.yaml" &&
	check_refuses 1 &&
	cat >expect <<-EOF &&
	$R:14:11: error: aliases (*hoa) are not allowed in records
	checked 43 records: 42 valid, 1 invalid
	EOF
	test_cmp expect err
'

test_expect_success 'a tab in indentation' '
	put "$BAD/tab.yaml" &&
	check_refuses 1 &&
	cat >expect <<-EOF &&
	$R:7:1: error: tab character in indentation; indent with spaces
	checked 43 records: 42 valid, 1 invalid
	EOF
	test_cmp expect err
'

test_expect_success 'bytes that are not UTF-8 (a Latin-1 "Mý Ðông")' '
	sed "s/^  commune_name: .*/  commune_name: M\\xfd \\xd0\\xf4ng/" \
		"$TEST_DATA/workshop-min.yaml" >latin1.yaml &&
	test_must_fail iconv -f UTF-8 -t UTF-8 latin1.yaml >/dev/null 2>&1 &&
	put latin1.yaml &&
	check_refuses 1 &&
	cat >expect <<-EOF &&
	$R:7:18: error: invalid UTF-8 byte sequence; save the file as UTF-8
	checked 43 records: 42 valid, 1 invalid
	EOF
	test_cmp expect err
'

test_expect_success 'a bad byte after Vietnamese text is located in characters' '
	sed "s/^name: .*/name: Hộ kinh doanh Phạm Văn Tư \\xff/" \
		"$TEST_DATA/workshop-min.yaml" >bad-byte.yaml &&
	put bad-byte.yaml &&
	check_refuses 1 md01-0100 &&
	cat >expect <<-EOF &&
	$R:2:33: error: invalid UTF-8 byte sequence; save the file as UTF-8
	checked 1 record: 0 valid, 1 invalid
	EOF
	test_cmp expect err
'

test_expect_success 'a record whose id does not match its file name' '
	put "$BAD/id-mismatch.yaml" &&
	check_refuses 1 &&
	cat >expect <<-EOF &&
	$R:1:5: error: record id "md01-0101" does not match its file name "md01-0100.yaml"
	checked 43 records: 42 valid, 1 invalid
	EOF
	test_cmp expect err
'

test_expect_success 'an invalid field value is located at the value' '
	put "$BAD/negative.yaml" &&
	check_refuses 1 &&
	cat >expect <<-EOF &&
	$R:12:12: error: Lao động (người) › Lao động thường xuyên: -3 is less than the smallest allowed, 0
	checked 43 records: 42 valid, 1 invalid
	EOF
	test_cmp expect err
'

test_expect_success 'every error of a record is reported, in file order' '
	put "$BAD/three-errors.yaml" &&
	check_refuses 1 md01-0100 &&
	cat >expect <<-EOF &&
	$R:3:13: error: Loại hình: "cong_ty" is not one of the choices: Công ty TNHH (doanh_nghiep_tnhh), Công ty cổ phần (doanh_nghiep_co_phan), Doanh nghiệp tư nhân (doanh_nghiep_tu_nhan), Hợp tác xã (HTX) (hop_tac_xa), Tổ hợp tác (THT) (to_hop_tac), Hộ kinh doanh (HKD) (ho_kinh_doanh)
	$R:12:12: error: Lao động (người) › Lao động thường xuyên: -3 is less than the smallest allowed, 0
	$R:13:14: error: Ngày khảo sát: "2024-02-30" is not a valid date (year-month-day): 2024-02 has no day 30
	checked 1 record: 0 valid, 1 invalid
	EOF
	test_cmp expect err
'

test_expect_success 'check --json gives the same errors as data' '
	check_refuses 1 --json md01-0100 &&
	test_must_be_empty err &&
	cat >expect <<-EOF &&
	[{"severity":"error","path":"$R","line":3,"column":13,"pointer":"/legal_type","keyword":"enum","message":"Loại hình: \\"cong_ty\\" is not one of the choices: Công ty TNHH (doanh_nghiep_tnhh), Công ty cổ phần (doanh_nghiep_co_phan), Doanh nghiệp tư nhân (doanh_nghiep_tu_nhan), Hợp tác xã (HTX) (hop_tac_xa), Tổ hợp tác (THT) (to_hop_tac), Hộ kinh doanh (HKD) (ho_kinh_doanh)"},
	 {"severity":"error","path":"$R","line":12,"column":12,"pointer":"/workers/regular","keyword":"minimum","message":"Lao động (người) › Lao động thường xuyên: -3 is less than the smallest allowed, 0"},
	 {"severity":"error","path":"$R","line":13,"column":14,"pointer":"/surveyed_at","keyword":"format","message":"Ngày khảo sát: \\"2024-02-30\\" is not a valid date (year-month-day): 2024-02 has no day 30"}]
	EOF
	test_cmp expect out
'

test_expect_success 'check --json of a file that does not parse' '
	put "$BAD/duplicate-key.yaml" &&
	check_refuses 1 --json &&
	test_must_be_empty err &&
	cat >expect <<-EOF &&
	[{"severity":"error","path":"$R","line":11,"column":1,"pointer":null,"keyword":null,"message":"duplicate key \\"phone\\""}]
	EOF
	test_cmp expect out
'

test_expect_success 'a value used twice where it must be unique (x-unique)' '
	rm "s/$R" &&
	sed "s/^tax_code: .*/tax_code: \"0200094485\"/" \
		s/records/workshop/md01/000/md01-0003.yaml >dup-tax.yaml &&
	put dup-tax.yaml records/workshop/md01/000/md01-0003.yaml &&
	check_refuses 1 &&
	cat >expect <<-\EOF &&
	records/workshop/md01/000/md01-0003.yaml:4:11: error: Mã số thuế: "0200094485" is also used by record md01-0001 (records/workshop/md01/000/md01-0001.yaml:4:11); it must be unique
	checked 42 records: 41 valid, 1 invalid
	EOF
	test_cmp expect err &&
	git -C s checkout -q -- records
'

test_expect_success 'an unknown kind' '
	put "$TEST_DATA/workshop-min.yaml" records/foo/md01/000/md01-0001.yaml &&
	check_refuses 1 &&
	cat >expect <<-\EOF &&
	records/foo/md01/000/md01-0001.yaml: error: unknown kind "foo" (the survey has: workshop, brand)
	checked 43 records: 42 valid, 1 invalid
	EOF
	test_cmp expect err &&
	rm -r s/records/foo
'

test_expect_success 'a record in the wrong folder' '
	put "$TEST_DATA/workshop-min.yaml" records/workshop/md01/000/md01-0100.yaml &&
	check_refuses 1 &&
	cat >expect <<-\EOF &&
	records/workshop/md01/000/md01-0100.yaml: error: not where a record belongs: records are named records/<kind>/<device>/<NNN>/<id>.yaml
	checked 43 records: 42 valid, 1 invalid
	EOF
	test_cmp expect err &&
	rm s/records/workshop/md01/000/md01-0100.yaml
'

test_expect_success 'an id that is not in the survey' '
	check_refuses 1 md01-0999 &&
	head -n 1 err >first &&
	echo "error: no record \"md01-0999\" in this survey" >expect &&
	test_cmp expect first
'

test_expect_success 'a path that does not exist' '
	check_refuses 1 nothere.yaml &&
	echo "nothere.yaml: error: no such record file or id" >expect &&
	test_cmp expect err
'

test_expect_success 'a file outside the survey' '
	cp "$TEST_DATA/workshop-min.yaml" loose.yaml &&
	check_refuses 1 "$TRASH/loose.yaml" &&
	echo "$TRASH/loose.yaml: error: file is outside the survey" >expect &&
	test_cmp expect err
'

test_expect_success 'a missing schema file: located in khaosat.yaml, no record checked' '
	mv s/schema/workshop.yaml workshop.schema &&
	check_refuses 1 &&
	test_must_be_empty out &&
	cat >expect <<-\EOF &&
	khaosat.yaml:8:13: error: the schema of kind "workshop", "schema/workshop.yaml", is missing
	no record was checked: fix the schema first
	EOF
	test_cmp expect err &&
	mv workshop.schema s/schema/workshop.yaml
'

test_expect_success 'a broken schema (invalid YAML in schema/workshop.yaml)' '
	cp s/schema/workshop.yaml workshop.schema &&
	printf "type: object\nproperties: [\n" >s/schema/workshop.yaml &&
	check_refuses 1 &&
	cat >expect <<-\EOF &&
	schema/workshop.yaml:3:1: error: the file cannot be read (YAML): a value is missing where one must be
	no record was checked: fix the schema first
	EOF
	test_cmp expect err &&
	cp workshop.schema s/schema/workshop.yaml
'

test_expect_success 'a schema with an unknown type is located at the type' '
	printf "type: object\nproperties:\n  id:\n    type: strin\n" >s/schema/workshop.yaml &&
	check_refuses 1 md01-0001 &&
	cat >expect <<-\EOF &&
	schema/workshop.yaml:4:11: error: unknown type "strin"
	no record was checked: fix the schema first
	EOF
	test_cmp expect err &&
	cp workshop.schema s/schema/workshop.yaml
'

# The design: "--json gives the same as data", whatever stops the check.
test_expect_success 'check --json with a broken schema still prints JSON' '
	printf "type: object\nproperties: [\n" >s/schema/workshop.yaml &&
	check_refuses 1 --json &&
	cat >expect <<-\EOF &&
	[{"severity":"error","path":"schema/workshop.yaml","line":3,"column":1,"pointer":null,"keyword":null,"message":"the file cannot be read (YAML): a value is missing where one must be"}]
	EOF
	test_cmp expect out &&
	test_must_be_empty err
'

test_expect_success 'restore the schema' '
	cp workshop.schema s/schema/workshop.yaml &&
	git -C s status --porcelain >status &&
	test_must_be_empty status
'

test_expect_success 'outside a survey: exit 3' '
	mkdir elsewhere &&
	(cd elsewhere && test_expect_code 3 khaosat check >../out 2>../err) &&
	test_must_be_empty out &&
	echo "error: not inside a survey (no khaosat.yaml in '"'"'$TRASH/elsewhere'"'"' or its parents); create one with '"'"'khaosat init'"'"'" >expect &&
	test_cmp expect err
'

test_expect_success 'outside a survey, check --json prints the error as JSON' '
	(cd elsewhere && test_expect_code 3 khaosat check --json >../out 2>../err) &&
	cat >expect <<-EOF &&
	[{"severity":"error","path":null,"line":0,"column":0,"pointer":null,"keyword":null,"message":"not inside a survey (no khaosat.yaml in '"'"'$TRASH/elsewhere'"'"' or its parents); create one with '"'"'khaosat init'"'"'"}]
	EOF
	test_cmp expect out
'

test_expect_success 'a git repository without khaosat.yaml is not a survey (exit 3)' '
	git init -q plain &&
	(cd plain && test_expect_code 3 khaosat check 2>../err) &&
	echo "error: not inside a survey (no khaosat.yaml in '"'"'$TRASH/plain/'"'"'); create one with '"'"'khaosat init'"'"'" >expect &&
	test_cmp expect err
'

# ---- check --schema: loose files, no survey needed ----

test_expect_success 'check --schema on a valid loose file outside any survey' '
	cp "$TEST_DATA/workshop-min.yaml" elsewhere/w.yaml &&
	(cd elsewhere && khaosat check --schema "$KHAOSAT_TOP/schema/workshop.yaml" w.yaml >../out 2>../err) &&
	test_must_be_empty out &&
	echo "checked 1 file: 1 valid, 0 invalid" >expect &&
	test_cmp expect err
'

test_expect_success 'check --schema on an invalid loose file' '
	cp "$BAD/negative.yaml" elsewhere/neg.yaml &&
	snapshot elsewhere >before &&
	(cd elsewhere && test_expect_code 1 khaosat check --schema "$KHAOSAT_TOP/schema/workshop.yaml" neg.yaml w.yaml >../out 2>../err) &&
	snapshot elsewhere >after &&
	test_cmp before after &&
	cat >expect <<-\EOF &&
	neg.yaml:12:12: error: Lao động (người) › Lao động thường xuyên: -3 is less than the smallest allowed, 0
	checked 2 files: 1 valid, 1 invalid
	EOF
	test_cmp expect err
'

test_expect_success 'check --schema --json' '
	(cd elsewhere && test_expect_code 1 khaosat check --schema "$KHAOSAT_TOP/schema/workshop.yaml" --json neg.yaml >../out 2>../err) &&
	cat >expect <<-\EOF &&
	[{"severity":"error","path":"neg.yaml","line":12,"column":12,"pointer":"/workers/regular","keyword":"minimum","message":"Lao động (người) › Lao động thường xuyên: -3 is less than the smallest allowed, 0"}]
	EOF
	test_cmp expect out &&
	test_must_be_empty err
'

test_expect_success 'check --schema on a folder checks the YAML files in it' '
	mkdir elsewhere/dir &&
	cp "$TEST_DATA/workshop-min.yaml" elsewhere/dir/a.yaml &&
	cp "$BAD/duplicate-key.yaml" elsewhere/dir/b.yaml &&
	echo "not yaml" >elsewhere/dir/notes.txt &&
	(cd elsewhere && test_expect_code 1 khaosat check --schema "$KHAOSAT_TOP/schema/workshop.yaml" dir >../out 2>../err) &&
	cat >expect <<-\EOF &&
	dir/b.yaml:11:1: error: duplicate key "phone"
	checked 2 files: 1 valid, 1 invalid
	EOF
	test_cmp expect err
'

test_expect_success 'check --schema with a missing schema file' '
	(cd elsewhere && test_expect_code 1 khaosat check --schema nosuch.yaml w.yaml >../out 2>../err) &&
	echo "nosuch.yaml: error: no such file" >expect &&
	test_cmp expect err
'

test_expect_success 'check --schema without files is a usage error (exit 2)' '
	test_expect_code 2 khaosat check --schema "$KHAOSAT_TOP/schema/workshop.yaml" 2>err &&
	grep "^error: --schema needs files or folders to check$" err
'

test_expect_success 'the survey passed git fsck throughout' '
	git -C s fsck --full --strict &&
	git -C s status --porcelain >status &&
	test_must_be_empty status
'

test_done
