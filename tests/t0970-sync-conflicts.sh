#!/bin/sh
# Sync and conflicts, each finding of issue 14 as a case: proposals that
# name the commit, author and device that wrote their value; conflicts on
# a deleted record that can be settled; a stick and a hub used together
# that come to rest; a merge from a base without the record that keeps a
# valid record; and the smaller findings (two laptops with one device id,
# unique values where they are typed and where a sync brings them, dotted
# fields in resolve, export filters that fold as stats does, a sync that
# cannot write its bundle, log on a damaged repository, history of what is
# not a record).  Plain git is the witness.
. "$(dirname "$0")/lib.sh"

W3=records/workshop/md01/000/md01-0003.yaml
W7=records/workshop/md01/000/md01-0007.yaml
P1=records/workshop/md02/000/md02-0001.yaml

# A workshop with one product, P1, for --from.
cat >"$TRASH/p1.yaml" <<'EOF'
name: Xưởng đúc Phúc Lợi
legal_type: ho_kinh_doanh
phone: "0912345678"
address:
  commune_name: Mỹ Đồng
  district_name: Thủy Nguyên
  province_name: Hải Phòng
trade_group: do_go_gom_su_det_may_co_khi_nho
products:
  - name: P1
    output_tonnes_per_year: 1018
surveyed_at: "2024-03-12"
surveyor: Người 2
EOF

# commit_in DIR MESSAGE: commits DIR's changes quietly.
commit_in() {
	(cd "$1" && khaosat commit -m "$2" >/dev/null)
}

# sync_in DIR TARGET: syncs DIR with the stick (../stick) or a remote.
sync_in() {
	(cd "$1" && khaosat sync "$2" >/dev/null)
}

# conflicts_json DIR [ID]: the open conflicts as JSON (exit 1 is "some
# are open", not a failure).
conflicts_json() {
	(cd "$1" && shift && khaosat conflicts --json "$@"; test $? -le 1)
}

# The commit whose summary is $2 in survey $1.
commit_of() {
	git -C "$1" log --all --format='%H %s' | awk -v s="$2" '
		substr($0, 42) == s { print $1; exit }'
}

# ---- 1: proposals name who wrote the value -------------------------------

test_expect_success 'setup: md01 with a hub and a stick; md02 from the stick, md03 from the hub' '
	khaosat init md01 --unsigned --device md01 --surveyor "Người 1" --name "Mỹ Đồng" >/dev/null &&
	khaosat init --bare hub.git >/dev/null &&
	mkdir stick &&
	(cd md01 && khaosat remote add hub ../hub.git >/dev/null) &&
	sync_in md01 hub && sync_in md01 ../stick &&
	khaosat clone stick md02 --device md02 --surveyor "Người 2" >/dev/null &&
	(cd md02 && khaosat remote add hub ../hub.git >/dev/null) &&
	khaosat clone hub.git md03 --device md03 --surveyor "Người 3" >/dev/null &&
	(cd md03 && khaosat remote add hub ../hub.git >/dev/null)
'

test_expect_success 'the three laptops disagree on the output of P1' '
	(cd md02 && khaosat new workshop --from ../p1.yaml >/dev/null) &&
	commit_in md02 "P1" && sync_in md02 hub &&
	sync_in md03 hub &&
	set_line md03/$P1 "    output_tonnes_per_year:" "    output_tonnes_per_year: 1057" &&
	commit_in md03 "C sets 1057" &&
	set_line md02/$P1 "phone:" "phone: \"0912345679\"" &&
	commit_in md02 "B phone" && sync_in md02 ../stick &&
	sync_in md01 hub &&
	set_line md01/$P1 "    output_tonnes_per_year:" "    output_tonnes_per_year: 5" &&
	commit_in md01 "A sets 5" && sync_in md01 ../stick &&
	sync_in md03 ../stick &&
	conflicts_json md03 >conflicts.json &&
	grep -q "output_tonnes_per_year" conflicts.json
'

test_expect_success 'each proposal names the commit, author and device that wrote its value' '
	c5=$(commit_of md03 "A sets 5") && c1057=$(commit_of md03 "C sets 1057") &&
	test -n "$c5" && test -n "$c1057" &&
	python3 - "$c5" "$c1057" <<-\EOF
	import json, sys
	c5, c1057 = sys.argv[1], sys.argv[2]
	entries = [e for e in json.load(open("conflicts.json"))
	           if e["field"].endswith("/output_tonnes_per_year")]
	assert len(entries) == 1, entries
	got = {p["value"].strip(): (p["commit"], p["author"], p["device"])
	       for p in entries[0]["proposals"]}
	assert got["5"] == (c5, "Người 1", "md01"), got
	assert got["1057"] == (c1057, "Người 3", "md03"), got
	EOF
'

test_expect_success 'the commit a proposal names holds that value, as history says' '
	c5=$(commit_of md03 "A sets 5") &&
	git -C md03 show $c5:$P1 | grep -q "^    output_tonnes_per_year: 5$" &&
	git -C md03 show $c5^:$P1 | grep -q "^    output_tonnes_per_year: 1018$" &&
	(cd md03 && khaosat history md02-0001 "products[name=P1].output_tonnes_per_year") >h &&
	grep -q "$(echo $c5 | cut -c1-7)" h
'

test_expect_success 'conflicts names a keyed item'"'"'s field by the titles, the item by its key' '
	(cd md03 && test_expect_code 1 khaosat conflicts md02-0001) >c &&
	grep -q "^md02-0001 Sản phẩm \[P1\] › Sản lượng (tấn/năm) (/products\[name=P1\]/output_tonnes_per_year)$" c
'

# ---- 2: a conflict on a deleted record ----------------------------------

test_expect_success 'setup: a and b share the samples' '
	make_survey a ce01 "Lê Văn Tâm" && copy_samples a && commit_in a samples &&
	mkdir stick2 && sync_in a ../stick2 &&
	khaosat clone stick2 b --device lb1 --surveyor "Trần Thị Bình" >/dev/null
'

# conflict_on_w3: a sets workers.regular of md01-0003 to 4, b to 5, both
# sync, so both hold the conflict.
conflict_on_w3() {
	set_line a/$W3 "  regular:" "  regular: 41" && commit_in a "a: 41" &&
	sync_in a ../stick2 &&
	set_line b/$W3 "  regular:" "  regular: 52" && commit_in b "b: 52" &&
	sync_in b ../stick2 && sync_in a ../stick2 &&
	test_path_is_file a/conflicts/$W3 && test_path_is_file b/conflicts/$W3
}

test_expect_success 'deleting a record settles its conflicts in the same commit' '
	conflict_on_w3 &&
	rm b/$W3 &&
	(cd b && khaosat commit -m "b: gone") >out 2>err &&
	grep -q "deleted with its open conflicts" err &&
	test_path_is_missing b/conflicts/$W3 &&
	test -z "$(git -C b ls-tree -r HEAD --name-only | grep md01-0003)" &&
	(cd b && khaosat conflicts) &&
	(cd b && khaosat check >/dev/null) &&
	(cd b && khaosat verify >/dev/null) &&
	(cd b && khaosat history md01-0003) >h &&
	grep -q "settles a conflict" h
'

test_expect_success 'the settlement reaches the other laptop' '
	sync_in b ../stick2 && sync_in a ../stick2 &&
	test_path_is_missing a/$W3 && test_path_is_missing a/conflicts/$W3 &&
	test "$(tree a)" = "$(tree b)"
'

test_expect_success 'kept against its deletion, a record keeps its field conflicts' '
	R=records/workshop/md01/000/md01-0010.yaml &&
	set_line a/$R "  regular:" "  regular: 41" && commit_in a "a: 41" &&
	sync_in a ../stick2 &&
	set_line b/$R "  regular:" "  regular: 52" && commit_in b "b: 52" &&
	sync_in b ../stick2 && sync_in a ../stick2 &&
	rm b/$R && commit_in b "b: delete md01-0010" 2>/dev/null &&
	set_line a/$R "phone:" "phone: \"0912000111\"" && commit_in a "a: phone" &&
	sync_in b ../stick2 && sync_in a ../stick2 && sync_in b ../stick2 &&
	test "$(tree a)" = "$(tree b)" &&
	conflicts_json a md01-0010 >c.json &&
	python3 -c "
import json, sys
fields = sorted(e[\"field\"] for e in json.load(open(\"c.json\")))
assert fields == [\"/\", \"/workers/regular\"], fields
"
'

test_expect_success 'taking the deletion of the whole record settles all of them' '
	n=$(conflicts_json a md01-0010 | python3 -c "
import json, sys
e = [x for x in json.load(sys.stdin) if x[\"field\"] == \"/\"][0]
print([i for i, p in enumerate(e[\"proposals\"], 1) if p.get(\"deleted\")][0])") &&
	(cd a && khaosat resolve md01-0010 / --take $n >/dev/null) &&
	test_path_is_missing a/records/workshop/md01/000/md01-0010.yaml &&
	test_path_is_missing a/conflicts/records/workshop/md01/000/md01-0010.yaml &&
	(cd a && khaosat conflicts) && (cd a && khaosat check >/dev/null)
'

test_expect_success 'a conflict left on a record removed by plain git can still be settled' '
	R=records/workshop/md01/000/md01-0011.yaml &&
	sync_in a ../stick2 && sync_in b ../stick2 &&
	set_line a/$R "  regular:" "  regular: 41" && commit_in a "a: 41" &&
	sync_in a ../stick2 &&
	set_line b/$R "  regular:" "  regular: 52" && commit_in b "b: 52" &&
	sync_in b ../stick2 &&
	git -C b rm -q $R && git -C b commit -q -m "plain rm" &&
	test_path_is_file b/conflicts/$R &&
	test_expect_code 1 khaosat -C b check >/dev/null 2>&1 &&
	test_expect_code 1 khaosat -C b resolve md01-0011 workers.regular --value 7 2>err &&
	grep -q "was deleted" err &&
	(cd b && khaosat resolve md01-0011 workers.regular --base) >out &&
	grep -q "no longer exists" out &&
	test_path_is_missing b/conflicts/$R &&
	(cd b && khaosat check >/dev/null) &&
	git -C b fsck --full
'

test_expect_success 'resolve takes the dotted field history takes' '
	R=records/workshop/md01/000/md01-0006.yaml &&
	sync_in a ../stick2 && sync_in b ../stick2 &&
	set_line a/$R "  regular:" "  regular: 41" && commit_in a "a: 41" &&
	sync_in a ../stick2 &&
	set_line b/$R "  regular:" "  regular: 52" && commit_in b "b: 52" &&
	sync_in b ../stick2 &&
	(cd b && khaosat resolve md01-0006 workers.regular --take 1 >/dev/null) &&
	test_path_is_missing b/conflicts/$R
'

test_expect_success 'conflicts --json names the whole record "/", which resolve takes' '
	R=records/workshop/md01/000/md01-0013.yaml &&
	sync_in b ../stick2 && sync_in a ../stick2 &&
	git -C a rm -q $R && git -C a commit -q -m "a: plain delete" &&
	sync_in a ../stick2 &&
	set_line b/$R "phone:" "phone: \"0912000222\"" && commit_in b "b: phone" &&
	sync_in b ../stick2 &&
	conflicts_json b md01-0013 >j &&
	field=$(python3 -c "import json; print(json.load(open(\"j\"))[0][\"field\"])") &&
	test "$field" = / &&
	n=$(python3 -c "
import json
p = json.load(open(\"j\"))[0][\"proposals\"]
print([i for i, x in enumerate(p, 1) if not x[\"deleted\"]][0])") &&
	(cd b && khaosat resolve md01-0013 "$field" --take $n >/dev/null) &&
	test_path_is_file b/$R &&
	test_path_is_missing b/conflicts/$R
'

test_expect_success 'a conflict in khaosat.yaml is settled by its path' '
	sync_in b ../stick2 && sync_in a ../stick2 &&
	set_line a/khaosat.yaml "name:" "name: Mỹ Đồng (A)" && commit_in a "a: name" &&
	sync_in a ../stick2 &&
	set_line b/khaosat.yaml "name:" "name: Mỹ Đồng (B)" && commit_in b "b: name" &&
	sync_in b ../stick2 2>/dev/null &&
	(cd b && khaosat conflicts; test $? = 1) >out &&
	grep -q "settle it: khaosat resolve khaosat.yaml /name --take N" out &&
	n=$(conflicts_json b | python3 -c "
import json, sys
p = json.load(sys.stdin)[0][\"proposals\"]
print([i for i, x in enumerate(p, 1) if \"(B)\" in x[\"value\"]][0])") &&
	(cd b && khaosat resolve khaosat.yaml name --take $n >/dev/null) &&
	grep -q "^name: Mỹ Đồng (B)$" b/khaosat.yaml &&
	test_path_is_missing b/conflicts/khaosat.yaml &&
	(cd b && khaosat check >/dev/null) &&
	sync_in b ../stick2 && sync_in a ../stick2 &&
	test "$(tree a)" = "$(tree b)"
'

# ---- 3: a stick and a hub together come to rest -------------------------

# counts: the number of commits on main in each of md01 md02 md03.
counts() {
	for l in md01 md02 md03; do
		git -C $l rev-list --count main || return 1
	done | tr '\n' ' '
}

test_expect_success 'two laptops that merged each other through two channels' '
	for l in md02 md03; do
		(cd $l && khaosat new workshop --from ../p1.yaml >/dev/null) &&
		commit_in $l "new on $l" || return 1
	done &&
	sync_in md02 ../stick && sync_in md03 hub &&
	sync_in md02 hub && sync_in md03 ../stick &&
	test "$(tree md02)" = "$(tree md03)"
'

test_expect_success 'syncing every channel again and again comes to rest' '
	for pass in 1 2 3; do
		for l in md01 md02 md03; do
			sync_in $l ../stick && sync_in $l hub || return 1
		done
	done &&
	before=$(counts) &&
	for l in md01 md02 md03; do
		git -C $l rev-parse main >$l.main || return 1
	done &&
	for pass in 1 2; do
		for l in md01 md02 md03; do
			sync_in $l ../stick && sync_in $l hub || return 1
		done
	done &&
	test "$(counts)" = "$before" &&
	for l in md01 md02 md03; do
		test "$(git -C $l rev-parse main)" = "$(cat $l.main)" &&
		test "$(tree $l)" = "$(tree md01)" || return 1
	done
'

test_expect_success 'no surveyor commit is left out of any main' '
	for l in md01 md02 md03; do
		git -C $l log --all --no-merges --format=%H || return 1
	done | sort -u >made &&
	for l in md01 md02 md03; do
		git -C $l log main --no-merges --format=%H | sort -u >has.$l &&
		comm -23 made has.$l >missing &&
		test_must_be_empty missing || return 1
	done
'

# ---- 4: a merge whose base has no record --------------------------------

test_expect_success 'setup: three laptops share md01-0003' '
	make_survey x ce02 "Lê Văn Tâm" && copy_samples x && commit_in x samples &&
	mkdir stick3 && sync_in x ../stick3 &&
	khaosat clone stick3 y --device ly1 --surveyor Y >/dev/null &&
	khaosat clone stick3 z --device lz1 --surveyor Z >/dev/null
'

test_expect_success 'delete on one, two changes elsewhere, merged through a base without it' '
	rm x/$W3 && commit_in x "x: delete" && sync_in x ../stick3 &&
	cp -R stick3 stick3x &&
	set_line y/$W3 "trade_group:" "trade_group: thu_cong_my_nghe" &&
	commit_in y "y: trade group" && sync_in y ../stick3 &&
	set_line z/$W3 "trade_group:" "trade_group: sinh_vat_canh" &&
	commit_in z "z: trade group" &&
	sync_in z ../stick3x && sync_in z ../stick3 &&
	grep -q "^trade_group: " z/$W3 &&
	(cd z && khaosat check --json >../j 2>/dev/null; test $? -le 1) &&
	! grep -q "missing required" j &&
	conflicts_json z md01-0003 >c &&
	grep -q "sinh_vat_canh" c && grep -q "thu_cong_my_nghe" c
'

test_expect_success 'the merge is the same from both sides' '
	sync_in y ../stick3 && sync_in z ../stick3 && sync_in y ../stick3 &&
	test "$(tree y)" = "$(tree z)"
'

test_expect_success 'an invalid record that arrived does not stop unrelated work' '
	R=records/workshop/md01/000/md01-0011.yaml &&
	sed -i "/^trade_group:/d" z/$R &&
	git -C z commit -q -a -m "an invalid record, as a merge could leave one" &&
	rm z/$W7 &&
	(cd z && khaosat commit -m "z: delete md01-0007") 2>err &&
	grep -q "md01-0011.yaml: warning: was not valid before this commit" err &&
	test_path_is_missing z/$W7 &&
	set_line z/records/workshop/md01/000/md01-0013.yaml "phone:" "phone: \"0912000333\"" &&
	(cd z && khaosat commit -m "z: phone") 2>err &&
	test_expect_code 1 khaosat -C z check >/dev/null 2>&1
'

test_expect_success 'a deletion that breaks a reference is still refused' '
	B=$(grep -rl "workshop: md01-0001" z/records/brand | head -n 1) &&
	test -n "$B" &&
	rm z/records/workshop/md01/000/md01-0001.yaml &&
	test_expect_code 1 khaosat -C z commit -m "z: delete a referenced workshop" 2>err &&
	grep -q "there is no workshop record with the id \"md01-0001\"" err &&
	git -C z checkout -q -- records/workshop/md01/000/md01-0001.yaml
'

# ---- 5: smaller findings -------------------------------------------------

test_expect_success 'two laptops with one device id: the second never merges the first' '
	khaosat clone stick3 s1 --device md09 --surveyor S1 >/dev/null &&
	khaosat clone stick3 s2 --device md09 --surveyor S2 >/dev/null &&
	(cd s1 && khaosat new workshop --from ../p1.yaml >/dev/null) &&
	commit_in s1 "s1" && sync_in s1 ../stick3 &&
	cp stick3/*/md09.bundle s1.bundle &&
	(cd s2 && khaosat new workshop --from ../p1.yaml --set name="Xưởng khác" >/dev/null) &&
	commit_in s2 "s2" &&
	test_must_fail khaosat -C s2 sync ../stick3 >out 2>err &&
	grep -q "device id \"md09\" that this laptop never made" err &&
	grep -q "^name: Xưởng khác$" s2/records/workshop/md09/000/md09-0001.yaml &&
	test -z "$(git -C s2 log --format=%s | grep -x s1)" &&
	cmp stick3/*/md09.bundle s1.bundle
'

test_expect_success 'a tax code another record holds is refused when saved, naming it' '
	test_expect_code 1 khaosat -C y new workshop --from ../p1.yaml \
		--set tax_code=0200094485 2>err &&
	grep -q "also used by record md01-0001" err &&
	test -z "$(git -C y status --porcelain)" &&
	write_file tax.sh <<-\EOF &&
	#!/bin/sh
	sed -i "s/^tax_code:.*/tax_code: \"0200094485\"/" "$1"
	EOF
	chmod +x tax.sh &&
	EDITOR="$TRASH/tax.sh" && export EDITOR &&
	test_must_fail khaosat -C y edit md01-0002 </dev/null >out 2>err &&
	grep -q "also used by record md01-0001" err &&
	test -z "$(git -C y status --porcelain)"
'

test_expect_success 'a clash brought by a sync is said after the sync, naming both records' '
	sync_in y ../stick3 && sync_in z ../stick3 && sync_in y ../stick3 &&
	set_line y/records/workshop/md01/000/md01-0012.yaml "tax_code:" "tax_code: \"0100109106\"" &&
	commit_in y "y: tax code" && sync_in y ../stick3 &&
	set_line z/records/workshop/md01/000/md01-0014.yaml "tax_code:" "tax_code: \"0100109106\"" &&
	commit_in z "z: tax code" &&
	(cd z && khaosat sync ../stick3) >out 2>err &&
	grep -q "md01-0012.yaml:4:11: warning: Mã số thuế: \"0100109106\" is also used by record md01-0014" err
'

test_expect_success 'export --where folds a commune as stats counts it' '
	R=records/workshop/md01/000/md01-0015.yaml &&
	set_line y/$R "  commune_name:" "  commune_name: xã Mỹ Đồng" &&
	commit_in y "y: commune written with xã" &&
	(cd y && khaosat stats --json) >stats.json &&
	n=$(python3 -c "
import json
s = json.load(open(\"stats.json\"))
w = [k for k in s[\"kinds\"] if k[\"kind\"] == \"workshop\"][0]
v = w[\"fields\"][\"address.commune_name\"][\"values\"]
print([x[\"count\"] for x in v if x[\"value\"] == \"Mỹ Đồng\"][0])") &&
	(cd y && khaosat export workshop --format jsonl \
		--where "address.commune_name=Mỹ Đồng") >md.jsonl &&
	grep -q "md01-0015" md.jsonl &&
	test "$(wc -l <md.jsonl)" = "$n" &&
	(cd y && khaosat export workshop --format jsonl \
		--where "address.commune_name=xã mỹ đồng") >md2.jsonl &&
	test_cmp md.jsonl md2.jsonl
'

test_expect_success 'a sync that cannot write its bundle still says what came in' '
	set_line y/records/workshop/md01/000/md01-0016.yaml "phone:" "phone: \"0912000444\"" &&
	commit_in y "y: phone" && sync_in y ../stick3 &&
	id=$(ls stick3) &&
	rm -f stick3/$id/lz1.bundle && mkdir stick3/$id/lz1.bundle &&
	test_must_fail khaosat -C z sync ../stick3 >out 2>err &&
	grep -q "^The survey history now holds what came in\.$" out &&
	grep -q "ly1 .*changed" out &&
	rmdir stick3/$id/lz1.bundle
'

test_expect_success 'log on a damaged repository says so; history of a non-record says no such record' '
	cp -R y broken &&
	R=records/workshop/md01/000/md01-0017.yaml &&
	set_line broken/$R "phone:" "phone: \"0912000555\"" && commit_in broken c1 &&
	set_line broken/$R "phone:" "phone: \"0912000666\"" && commit_in broken c2 &&
	c=$(git -C broken rev-parse main~1) &&
	f=broken/.git/objects/$(echo $c | cut -c1-2)/$(echo $c | cut -c3-) &&
	test_path_is_file "$f" &&
	chmod u+w "$f" && printf garbage >"$f" &&
	test_expect_code 4 khaosat -C broken log >out 2>err &&
	grep -q "cannot read the history" err &&
	test_expect_code 1 khaosat -C y history x 2>err &&
	grep -q "no record \"x\"" err &&
	test_expect_code 1 khaosat -C y blame ../../etc/passwd 2>err &&
	grep -q "no record" err && ! grep -q "out of memory" err
'

# ---- 6: open conflicts merge the same through any base ------------------

X1=records/workshop/x1/000/x1-0001.yaml

# phone_of DIR: the phone of x1-0001 in DIR's work tree.
phone_of() {
	sed -n 's/^phone: //p' "$1/$X1"
}

test_expect_success 'setup: x1 and x2 both merge their two phones (a criss-cross)' '
	khaosat init x1 --unsigned --device x1 --surveyor "Người X1" --name "Mỹ Đồng" >/dev/null &&
	(cd x1 && khaosat new workshop --from ../p1.yaml >/dev/null) &&
	commit_in x1 W && mkdir xstick && sync_in x1 ../xstick &&
	khaosat clone xstick x2 --device x2 --surveyor "Người X2" >/dev/null &&
	set_line x1/$X1 "phone:" "phone: \"0912000001\"" && commit_in x1 "x1 phone" &&
	set_line x2/$X1 "phone:" "phone: \"0912000002\"" && commit_in x2 "x2 phone" &&
	(cd x1 && khaosat bundle create ../x1.bundle >/dev/null) &&
	(cd x2 && khaosat bundle create ../x2.bundle >/dev/null) &&
	(cd x1 && khaosat bundle apply ../x2.bundle >/dev/null) &&
	(cd x2 && khaosat bundle apply ../x1.bundle >/dev/null) &&
	test "$(tree x1)" = "$(tree x2)" &&
	test "$(phone_of x1)" = "\"0912345678\""
'

test_expect_success 'a field with an open conflict stays at its base whichever proposal a side holds' '
	# Plain git (or an older khaosat) can leave a proposal in the field
	# with the conflict still open; the merge base (virtual here) must
	# not decide what the merge leaves there.
	cp -R x1 x1g &&
	set_line x1g/$X1 "phone:" "phone: \"0912000002\"" &&
	git -C x1g commit -q -a -m "proposal 2 by hand" &&
	(cd x2 && khaosat bundle create ../x2m.bundle >/dev/null) &&
	(cd x1g && khaosat bundle create ../x1g.bundle >/dev/null) &&
	cp -R x2 x2g &&
	(cd x1g && khaosat bundle apply ../x2m.bundle >/dev/null) &&
	(cd x2g && khaosat bundle apply ../x1g.bundle >/dev/null) &&
	test "$(phone_of x1g)" = "\"0912345678\"" &&
	test "$(tree x1g)" = "$(tree x2g)" &&
	conflicts_json x1g x1-0001 >c.json &&
	grep -q "0912000001" c.json && grep -q "0912000002" c.json
'

test_expect_success 'typing a value in a field with an open conflict settles it, and says so' '
	set_line x2/$X1 "phone:" "phone: \"0912000003\"" &&
	(cd x2 && khaosat commit -m "x2 types the phone" >../out 2>&1) &&
	grep -q "the open conflict in /phone is settled by the value typed here" out &&
	test_path_is_missing x2/conflicts/$X1 &&
	git -C x2 show --name-only --format= main >stat &&
	grep -q "conflicts/$X1" stat &&
	conflicts_json x2 >c.json && ! grep -q x1-0001 c.json
'

test_expect_success 'the settlement reaches the laptop that still has the conflict open' '
	(cd x2 && khaosat bundle create ../x2s.bundle >/dev/null) &&
	(cd x1 && khaosat bundle apply ../x2s.bundle >/dev/null) &&
	test "$(phone_of x1)" = "\"0912000003\"" &&
	test_path_is_missing x1/conflicts/$X1 &&
	test "$(tree x1)" = "$(tree x2)"
'

test_expect_success 'typing the base value back settles nothing' '
	cp -R x1g x3 &&
	git -C x3 config khaosat.device x3 &&
	set_line x3/$X1 "phone:" "phone: \"0912345678\"" &&
	set_line x3/$X1 "surveyor:" "surveyor: Người X3" &&
	(cd x3 && khaosat commit -m "x3 other field" >../out 2>&1) &&
	! grep -q settled out &&
	test_path_is_file x3/conflicts/$X1
'

test_done
