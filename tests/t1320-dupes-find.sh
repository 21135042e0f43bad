#!/bin/sh
# khaosat dupes and find: the known duplicates of tests/data/dupes (NFC and
# NFD names, "Cty" and "Công ty TNHH", "Thủy" and "Thuỷ", a phone written
# two ways, one tax code twice) are found with their evidence, near misses
# are not, the samples hold no false pair, and find matches words however
# they are written.
. "$(dirname "$0")/lib.sh"

D=$TEST_DATA/dupes/records
W=records/workshop/md05/000

# pairs <dupes.json: "kind a b what[+what...]" lines, what with the key.
pairs() {
	python3 -c '
import json, sys
d = json.load(sys.stdin)
for p in d["pairs"]:
    ev = []
    for e in p["evidence"]:
        s = "%s=%s" % (e["what"], e["key"])
        if e["what"] == "name":
            s += "@%s%s" % (e["commune"], "(exact)" if e["exact"] else "")
        ev.append(s)
    print(p["kind"], p["records"][0]["id"], p["records"][1]["id"], "+".join(ev))
'
}

test_expect_success 'setup: a survey holding the records with known duplicates' '
	make_survey f md05 &&
	cp -R "$D" f/ &&
	(cd f && test_expect_code 1 khaosat dupes --json >../dupes.json) &&
	python3 -c "import json; json.load(open(\"dupes.json\"))" &&
	pairs <dupes.json >all-pairs
'

test_expect_success 'the fixture is what it claims: one name in NFD, one in NFC' '
	nfd=$(printf "Ho\314\243\314\202 kinh doanh Nguye\314\202\314\203n Va\314\206n Tu\314\233") &&
	grep -q "^name: $nfd\$" f/$W/md05-0006.yaml &&
	grep -q "^name: Hộ kinh doanh Nguyễn Văn Tư\$" f/$W/md05-0005.yaml &&
	! grep -q "Nguyễn" f/$W/md05-0006.yaml
'

test_expect_success 'NFC and NFD spellings of one name pair as the same name' '
	grep -qx "workshop md05-0005 md05-0006 name=nguyen van tu@my dong(exact)" all-pairs
'

test_expect_success '"Cty" and "Công ty TNHH" of one name in one commune pair as similar names' '
	grep -q "^name: Công ty TNHH Cơ khí đúc Thành Phương\$" f/$W/md05-0001.yaml &&
	grep -q "^name: Cty Cơ khí đúc Thành Phương\$" f/$W/md05-0002.yaml &&
	grep -q "^  commune_name: xã Mỹ Đồng\$" f/$W/md05-0002.yaml &&
	grep -qx "workshop md05-0001 md05-0002 name=co khi duc thanh phuong@my dong" all-pairs
'

test_expect_success '"Thủy" and "Thuỷ" pair as the same name' '
	grep -q "^name: Phạm Thị Thủy\$" f/$W/md05-0003.yaml &&
	grep -q "^name: Phạm Thị Thuỷ\$" f/$W/md05-0004.yaml &&
	grep -qx "workshop md05-0003 md05-0004 name=pham thi thuy@thien huong(exact)" all-pairs
'

test_expect_success '"0912.345.678" and "+84912345678" pair as the same phone' '
	grep -q "^phone: \"0912.345.678\"\$" f/$W/md05-0007.yaml &&
	grep -q "^phone: \"+84912345678\"\$" f/$W/md05-0008.yaml &&
	grep -qx "workshop md05-0007 md05-0008 phone=+84912345678" all-pairs
'

test_expect_success 'one tax code in two communes pairs; brands pair by name alone' '
	grep -qx "workshop md05-0001 md05-0009 tax_code=0205260182" all-pairs &&
	grep -qx "brand md05-0013 md05-0014 name=thanh phuong@(exact)" all-pairs
'

test_expect_success 'near misses are not pairs: another commune, Thu, a digit off, another kind' '
	test_line_count = 6 all-pairs &&
	for id in md05-0010 md05-0011 md05-0012 md05-0015; do
		! grep -q " $id " all-pairs || return 1
		! grep -q " $id\$" all-pairs || return 1
	done
'

test_expect_success 'dupes prints each pair once, in order, with its evidence; exit 1' '
	(cd f && test_expect_code 1 khaosat dupes >../out 2>../err) &&
	cat >expect <<-\EOF &&
	md05-0001  Công ty TNHH Cơ khí đúc Thành Phương  (Mỹ Đồng)
	md05-0002  Cty Cơ khí đúc Thành Phương  (xã Mỹ Đồng)
	  similar name "co khi duc thanh phuong" in the same commune "my dong"
	  if they are one: khaosat delete md05-0002 -m "same as md05-0001"

	md05-0001  Công ty TNHH Cơ khí đúc Thành Phương  (Mỹ Đồng)
	md05-0009  Xưởng đúc Thành Phương số 2  (Kiền Bái)
	  same tax code 0205260182
	  if they are one: khaosat delete md05-0009 -m "same as md05-0001"

	md05-0003  Phạm Thị Thủy  (Thiên Hương)
	md05-0004  Phạm Thị Thuỷ  (phường Thiên Hương)
	  same name "phạm thị thuỷ" in the same commune "thien huong"
	  if they are one: khaosat delete md05-0004 -m "same as md05-0003"

	md05-0005  Hộ kinh doanh Nguyễn Văn Tư  (Mỹ Đồng)
	md05-0006  Hộ kinh doanh Nguyễn Văn Tư  (Mỹ Đồng)
	  same name "hộ kinh doanh nguyễn văn tư" in the same commune "my dong"
	  if they are one: khaosat delete md05-0006 -m "same as md05-0005"

	md05-0007  Đúc gang Hải Hà  (Mỹ Đồng)
	md05-0008  Cơ khí Lê Minh  (Thiên Hương)
	  same phone +84912345678
	  if they are one: khaosat delete md05-0008 -m "same as md05-0007"

	md05-0013  Thành Phương
	md05-0014  THÀNH PHƯƠNG
	  same name "thành phương"
	  if they are one: khaosat delete md05-0014 -m "same as md05-0013"
	EOF
	test_cmp expect out &&
	echo "6 likely duplicate pairs among 15 records" >expect &&
	test_cmp expect err
'

test_expect_success 'all the evidence of a pair, on one entry' '
	cp f/$W/md05-0007.yaml f/$W/md05-0016.yaml &&
	sed -i -e "s/^id: .*/id: md05-0016/" -e "s/^name: .*/name: ĐÚC GANG HẢI HÀ/" \
		-e "s/^phone: .*/phone: \"(+84) 912 345 678\"/" f/$W/md05-0016.yaml &&
	(cd f && test_expect_code 1 khaosat dupes --json workshop >../j.json) &&
	pairs <j.json >p &&
	grep -qx "workshop md05-0007 md05-0016 phone=+84912345678+name=duc gang hai ha@my dong(exact)" p &&
	grep -qx "workshop md05-0008 md05-0016 phone=+84912345678" p &&
	test_line_count = 7 p &&
	rm f/$W/md05-0016.yaml
'

test_expect_success 'dupes KIND looks at that kind only' '
	(cd f && test_expect_code 1 khaosat dupes --json brand >../j.json) &&
	pairs <j.json >p &&
	echo "brand md05-0013 md05-0014 name=thanh phuong@(exact)" >expect &&
	test_cmp expect p &&
	(cd f && test_expect_code 1 khaosat dupes --json workshop >../j.json) &&
	pairs <j.json >p &&
	test_line_count = 5 p
'

test_expect_success 'no false pair among the samples: exit 0' '
	make_survey s &&
	copy_samples s &&
	(cd s && khaosat dupes >../out 2>../err) &&
	test_must_be_empty out &&
	echo "no likely duplicates among 42 records" >expect &&
	test_cmp expect err &&
	(cd s && khaosat dupes --json >../j.json) &&
	pairs <j.json >p &&
	test_must_be_empty p
'

test_expect_success 'a sample entered twice, under another id and spelling, is found' '
	mkdir -p s/records/workshop/md09/000 &&
	sed -e "s/^id: .*/id: md09-0001/" \
		-e "s/^name: Công ty TNHH /name: CTY /" \
		s/records/workshop/md01/000/md01-0001.yaml \
		>s/records/workshop/md09/000/md09-0001.yaml &&
	grep -q "^name: CTY Cơ khí đúc Hưng Phát\$" s/records/workshop/md09/000/md09-0001.yaml &&
	(cd s && test_expect_code 1 khaosat dupes --json >../j.json) &&
	pairs <j.json >p &&
	echo "workshop md01-0001 md09-0001 tax_code=0200094485+phone=+842256246341+name=co khi duc hung phat@my dong" >expect &&
	test_cmp expect p &&
	rm -r s/records/workshop/md09
'

# same_phone N: N more workshops in survey f sharing the phone 0988 777 666.
same_phone() {
	mkdir -p f/records/workshop/md06/000 &&
	i=1 &&
	while [ $i -le "$1" ]; do
		id=$(printf "md06-%04d" $i) &&
		sed -e "s/^id: .*/id: $id/" -e "s/^name: .*/name: Cơ sở đúc số $i/" \
			-e "s/^phone: .*/phone: \"0988 777 666\"/" \
			f/$W/md05-0011.yaml >f/records/workshop/md06/000/$id.yaml &&
		i=$((i + 1)) || return 1
	done
}

test_expect_success 'a phone shared by 8 records gives 28 pairs' '
	same_phone 8 &&
	(cd f && test_expect_code 1 khaosat dupes --json workshop >../j.json) &&
	pairs <j.json >p &&
	grep -c "phone=+84988777666\$" p >n &&
	echo 28 >expect &&
	test_cmp expect n &&
	rm -r f/records/workshop/md06
'

test_expect_success 'a phone shared by 9 records is named once, not paired' '
	same_phone 9 &&
	(cd f && test_expect_code 1 khaosat dupes workshop >../out 2>../err) &&
	! grep -q md06 out &&
	grep -qx "note: 9 workshop records share the phone \"+84988777666\" (md06-0001 and others): too many to pair" err &&
	(cd f && test_expect_code 1 khaosat dupes --json workshop >../j.json) &&
	python3 -c "
import json
d = json.load(open(\"j.json\"))
assert d[\"shared\"] == [{\"kind\": \"workshop\", \"what\": \"phone\", \"key\": \"+84988777666\", \"commune\": \"\", \"records\": 9, \"first\": \"md06-0001\"}], d[\"shared\"]
assert len(d[\"pairs\"]) == 5, d[\"pairs\"]
" &&
	rm -r f/records/workshop/md06
'

test_expect_success 'a record that cannot be read is named and left out' '
	mkdir -p f/records/workshop/md07/000 &&
	printf "id: md07-0001\nname: [broken\n" >f/records/workshop/md07/000/md07-0001.yaml &&
	(cd f && test_expect_code 1 khaosat dupes >../out 2>../err) &&
	grep -qx "records/workshop/md07/000/md07-0001.yaml: warning: left out: the record cannot be read" err &&
	grep -qx "6 likely duplicate pairs among 15 records" err &&
	rm -r f/records/workshop/md07
'

# The reading index under .git/khaosat is a cache that reads refresh.
test_expect_success 'dupes changes nothing but its reading index' '
	snapshot f | grep -v "/.git/khaosat/read-index.sqlite" >before &&
	(cd f && test_expect_code 1 khaosat dupes >/dev/null 2>&1) &&
	snapshot f | grep -v "/.git/khaosat/read-index.sqlite" >after &&
	test_cmp before after
'

test_expect_success 'dupes: unknown kind, extra arguments, no survey' '
	(cd f && test_expect_code 2 khaosat dupes shop >../out 2>../err) &&
	test_must_be_empty out &&
	cat >expect <<-\EOF &&
	error: unknown kind "shop" (the survey has: workshop, brand)
	usage: khaosat dupes [--json] [KIND]
	EOF
	test_cmp expect err &&
	(cd f && test_expect_code 2 khaosat dupes workshop brand 2>../err) &&
	grep -qx "error: give at most one kind" err &&
	mkdir nowhere &&
	(cd nowhere && test_expect_code 3 khaosat dupes 2>../err) &&
	grep -q "^error: not inside a survey" err
'

# ---- find ----

test_expect_success 'find "my dong thanh phuong" finds Thành Phương in Mỹ Đồng' '
	(cd f && khaosat find "my dong thanh phuong" >../out 2>../err) &&
	test_must_be_empty err &&
	cat >expect <<-\EOF &&
	md05-0001  Công ty TNHH Cơ khí đúc Thành Phương  Mỹ Đồng
	md05-0002  Cty Cơ khí đúc Thành Phương  xã Mỹ Đồng
	EOF
	test_cmp expect out
'

test_expect_success 'find: words as separate arguments, any case and marks, prefixes' '
	(cd f && khaosat find my dong thanh phuong >../out2) &&
	test_cmp out out2 &&
	(cd f && khaosat find "MỸ ĐỒNG" "Thành Phương" >../out2) &&
	test_cmp out out2 &&
	(cd f && khaosat find "Mỹ Ðồng" thanh phuo >../out2) &&
	test_cmp out out2 &&
	(cd f && khaosat find "THÀNH PHƯƠNG" >../out2) &&
	cut -d" " -f1 out2 >ids &&
	cat >expect <<-\EOF &&
	md05-0001
	md05-0002
	md05-0009
	md05-0010
	md05-0013
	md05-0014
	md05-0015
	EOF
	test_cmp expect ids
'

test_expect_success 'find: a phone number written any way, a tax code, an id' '
	(cd f && khaosat find 0912 345 678 >../out) &&
	cut -d" " -f1 out >ids &&
	grep -qx md05-0007 ids && grep -qx md05-0008 ids &&
	(cd f && khaosat find "+84 912.345.678" >../out2) &&
	test_cmp out out2 &&
	(cd f && khaosat find 0205 260 182 >../out) &&
	cut -d" " -f1 out >ids &&
	grep -qx md05-0001 ids && grep -qx md05-0009 ids &&
	(cd f && khaosat find md05-0003 >../out) &&
	test "$(cut -d" " -f1 out)" = md05-0003
'

test_expect_success 'find: a name typed in Telex, without a Vietnamese keyboard' '
	(cd f && khaosat find Dduc gang Hai Haf >../out) &&
	(cd f && khaosat find "Đúc gang Hải Hà" >../expect) &&
	test -s expect &&
	test_cmp expect out
'

test_expect_success 'find matches villages and whole words only from their start' '
	(cd f && khaosat find "tổ dân phố 3" >../out) &&
	cut -d" " -f1 out >ids &&
	printf "md05-0003\nmd05-0004\nmd05-0011\n" >expect &&
	test_cmp expect ids &&
	(cd f && test_expect_code 1 khaosat find hanh >../out 2>../err) &&
	test_must_be_empty out &&
	echo "no record matches \"hanh\"" >expect &&
	test_cmp expect err
'

test_expect_success 'find: legal-form words are left out, unless they are all there is' '
	(cd f && khaosat find "Công ty TNHH" "Thành Phương" >../out) &&
	(cd f && khaosat find "thanh phuong" >../out2) &&
	test_cmp out out2 &&
	(cd f && khaosat find "công ty" >../out) &&
	cut -d" " -f1 out >ids &&
	echo md05-0001 >expect &&
	test_cmp expect ids
'

test_expect_success 'find --json' '
	(cd f && khaosat find --json my dong thanh phuong >../f.json) &&
	python3 -c "
import json
d = json.load(open(\"f.json\"))
assert [r[\"id\"] for r in d] == [\"md05-0001\", \"md05-0002\"], d
assert d[0] == {\"id\": \"md05-0001\", \"kind\": \"workshop\", \"path\": \"records/workshop/md05/000/md05-0001.yaml\", \"name\": \"Công ty TNHH Cơ khí đúc Thành Phương\", \"commune\": \"Mỹ Đồng\"}, d[0]
" &&
	(cd f && test_expect_code 1 khaosat find --json zzz >../f.json) &&
	echo "[]" >expect &&
	test_cmp expect f.json
'

# sql FILE STATEMENT...: runs them (python's sqlite3); prints each row
sql() {
	python3 -c '
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
for q in sys.argv[2:]:
    for row in db.execute(q):
        print("|".join(str(v) for v in row))
' "$@"
}

test_expect_success 'the reading index of the last version is brought up to date, not made again' '
	ix=f/.git/khaosat/read-index.sqlite &&
	(cd f && khaosat find "thanh phuong" >../before) &&
	sql $ix "DROP INDEX rec_stat" "CREATE TABLE kept(x)" \
		"PRAGMA user_version = 4" &&
	(cd f && khaosat find "thanh phuong" >../after) &&
	test_cmp before after &&
	sql $ix "PRAGMA user_version" \
		"SELECT name FROM sqlite_master WHERE name IN (\"rec_stat\", \"kept\") ORDER BY name" >actual &&
	printf "5\nkept\nrec_stat\n" >expect &&
	test_cmp expect actual &&
	# an older one is made anew
	sql $ix "PRAGMA user_version = 3" &&
	(cd f && khaosat find "thanh phuong" >../after) &&
	test_cmp before after &&
	sql $ix "PRAGMA user_version" \
		"SELECT count(*) FROM sqlite_master WHERE name = \"kept\"" >actual &&
	printf "5\n0\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'find: no words, no letters, no survey' '
	(cd f && test_expect_code 2 khaosat find >../out 2>../err) &&
	test_must_be_empty out &&
	cat >expect <<-\EOF &&
	error: give words to search for
	usage: khaosat find [--json] WORD...
	EOF
	test_cmp expect err &&
	(cd f && test_expect_code 2 khaosat find "!!" "..." >../out 2>../err) &&
	cat >expect <<-\EOF &&
	error: nothing to search for in "!! ...": give words of a name or an address, a phone number, a tax code or an id
	usage: khaosat find [--json] WORD...
	EOF
	test_cmp expect err &&
	(cd nowhere && test_expect_code 3 khaosat find thanh 2>../err) &&
	grep -q "^error: not inside a survey" err
'

test_done
