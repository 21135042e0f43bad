#!/bin/sh
# khaosat merge, conflicts and resolve between two laptops' histories, with
# plain git carrying the commits (sync comes later) and as the witness.
. "$(dirname "$0")/lib.sh"

W1=records/workshop/md01/000/md01-0001.yaml
W2=records/workshop/md01/000/md01-0002.yaml
W3=records/workshop/md01/000/md01-0003.yaml

# laptop NAME DEVICE SURVEYOR [FROM]: a second laptop, a copy of the
# survey FROM (a) with its own device identity.
laptop() {
	git clone -q "${4:-a}" "$1" &&
	git -C "$1" config khaosat.device "$2" &&
	git -C "$1" config khaosat.surveyor "$3"
}

# generated_pair A B N: survey A with N generated records committed, B
# another laptop's copy of it; the record files, sorted, in ./all
generated_pair() {
	make_survey "$1" md01 "Nguyễn Thị Hoa" &&
	"$KHAOSAT_TOOLS/gensurvey" "$1" "$3" >/dev/null &&
	(cd "$1" && khaosat commit -m base >/dev/null) &&
	laptop "$2" md02 "Trần Văn Minh" "$1" &&
	(cd "$1" && find records -name "*.yaml" | sort >../all)
}

test_expect_success 'setup: laptop a with the samples, laptop b a copy of it' '
	make_survey a md01 "Nguyễn Thị Hoa" &&
	copy_samples a &&
	(cd a && khaosat commit -m "Samples" >/dev/null) &&
	laptop b md02 "Trần Văn Minh" &&
	git -C a rev-parse HEAD >base
'

test_expect_success 'changes on one side only: a fast-forward' '
	set_line b/$W3 "  regular:" "  regular: 77" &&
	(cd b && khaosat commit -m "b: workers of md01-0003" >/dev/null) &&
	git -C a fetch -q ../b main:refs/remotes/b/main &&
	(cd a && khaosat merge b/main >../out) &&
	grep -q "^Fast-forward to " out &&
	test "$(git -C a rev-parse HEAD)" = "$(git -C b rev-parse HEAD)" &&
	grep -q "^  regular: 77$" a/$W3
'

test_expect_success 'different fields of one record on each side merge cleanly' '
	set_line a/$W1 "name:" "name: Công ty TNHH Cơ khí đúc Hoa Sen" &&
	(cd a && khaosat commit -m "a: name" >/dev/null) &&
	set_line b/$W1 "  regular:" "  regular: 55" &&
	(cd b && khaosat commit -m "b: workers" >/dev/null) &&
	git -C a fetch -q ../b main:refs/remotes/b/main &&
	(cd a && khaosat merge b/main >../out) &&
	grep -q "1 record merged field by field, 0 conflicts" out &&
	grep -q "^name: Công ty TNHH Cơ khí đúc Hoa Sen$" a/$W1 &&
	grep -q "^  regular: 55$" a/$W1 &&
	test "$(git -C a rev-list --parents -n 1 HEAD | wc -w)" = 3 &&
	test_path_is_missing a/conflicts &&
	(cd a && khaosat check >/dev/null 2>&1) &&
	git -C a fsck --full
'

test_expect_success 'the merge commit is authored by the device that made it' '
	git -C a log -1 --format="%an|%cn|%s" >actual &&
	echo "Nguyễn Thị Hoa|md01|Merge b/main" >expect &&
	test_cmp expect actual &&
	git -C a log -1 --format=%B | grep -q "^Device: md01$"
'

test_expect_success 'b takes a back: both laptops hold the same tree' '
	git -C b fetch -q ../a main:refs/remotes/a/main &&
	(cd b && khaosat merge a/main >../out) &&
	grep -q "^Fast-forward" out &&
	test "$(git -C a rev-parse HEAD^{tree})" = "$(git -C b rev-parse HEAD^{tree})"
'

test_expect_success 'the same field changed differently: a conflict, base value kept' '
	old=$(grep "^phone:" a/$W1) &&
	set_line a/$W1 "phone:" "phone: \"0987654321\"" &&
	(cd a && khaosat commit -m "a: phone" >/dev/null) &&
	set_line b/$W1 "phone:" "phone: \"0911111111\"" &&
	set_line b/$W2 "  regular:" "  regular: 12" &&
	(cd b && khaosat commit -m "b: phone and md01-0002" >/dev/null) &&
	git -C a fetch -q ../b main:refs/remotes/b/main &&
	git -C b fetch -q ../a main:refs/remotes/a/main &&
	(cd a && khaosat merge b/main >../out) &&
	grep -q "1 conflict in 1 record" out &&
	test "$(grep "^phone:" a/$W1)" = "$old" &&
	grep -q "^  regular: 12$" a/$W2 &&
	test_path_is_file a/conflicts/$W1
'

test_expect_success 'the conflict entry holds both proposals, ordered by commit' '
	ca=$(git -C a rev-parse HEAD^1) && cb=$(git -C a rev-parse HEAD^2) &&
	sed -n "/^  - field:/,\$p" a/conflicts/$W1 >entry &&
	grep -q "^  - field: /phone$" entry &&
	grep -q "^    base: \"02256" entry &&
	grep "^      - commit: " entry | sed "s/.*: //" >commits &&
	printf "%s\n%s\n" "$ca" "$cb" | sort >expect &&
	test_cmp expect commits &&
	grep -q "^        value: \"0987654321\"$" entry &&
	grep -q "^        value: \"0911111111\"$" entry &&
	grep -q "^        device: md02$" entry &&
	grep -q "^        author: Trần Văn Minh$" entry
'

test_expect_success 'merging the other way gives the same tree, conflicts included' '
	(cd b && khaosat merge a/main >../out) &&
	grep -q "1 conflict in 1 record" out &&
	test "$(git -C a rev-parse HEAD^{tree})" = "$(git -C b rev-parse HEAD^{tree})"
'

test_expect_success 'merging again is a no-op' '
	git -C a fetch -q ../b main:refs/remotes/b/main &&
	(cd a && khaosat merge b/main >../out) &&
	(test "$(cat out)" = "Already up to date." || grep -q "0 conflicts" out) &&
	git -C a diff --quiet HEAD^{tree} $(git -C b rev-parse HEAD^{tree})
'

test_expect_success 'check reports the open conflict at the field, exit 1' '
	(cd a && test_expect_code 1 khaosat check md01-0001 2>../err) &&
	line=$(grep -n "^phone:" a/$W1 | cut -d: -f1) &&
	grep -q "^$W1:$line:8: error: open conflict in /phone between \"09" err &&
	(cd a && test_expect_code 1 khaosat conflicts >../out) &&
	grep -q "^md01-0001 Điện thoại (/phone)$" out &&
	grep -q "^  1) 09" out &&
	(cd a && khaosat status >../out) &&
	grep -q "^1 open conflict; see .khaosat conflicts.\.$" out
'

test_expect_success 'conflicts --json lists the proposals as data' '
	(cd a && test_expect_code 1 khaosat conflicts --json >../out) &&
	grep -q "\"field\":\"/phone\"" out &&
	grep -q "\"number\":2" out
'

test_expect_success 'an invalid settlement is refused and changes nothing' '
	snapshot a | grep -v "\./\.git/" >before &&
	(cd a && test_expect_code 1 khaosat resolve md01-0001 /phone --value 12345 2>../err) &&
	snapshot a | grep -v "\./\.git/" >after &&
	test_cmp before after &&
	grep -q "not a valid phone number" err &&
	grep -q "^not resolved: nothing was changed$" err
'

test_expect_success 'resolve --take settles it in a normal commit' '
	(cd a && khaosat conflicts md01-0001 | grep "^  [12]) " >../props) &&
	n=$(grep -n "0987654321" props | cut -d: -f1) &&
	(cd a && khaosat resolve md01-0001 /phone --take $n >../out) &&
	grep -q "^phone: \"0987654321\"$" a/$W1 &&
	test_path_is_missing a/conflicts &&
	(cd a && khaosat check >/dev/null 2>&1 && khaosat conflicts >/dev/null) &&
	test "$(git -C a rev-list --parents -n 1 HEAD | wc -w)" = 2 &&
	test -z "$(git -C a status --porcelain)" &&
	git -C a fsck --full
'

test_expect_success 'the settlement reaches b by a merge, and b agrees' '
	git -C b fetch -q ../a main:refs/remotes/a/main &&
	(cd b && khaosat merge a/main >/dev/null) &&
	grep -q "^phone: \"0987654321\"$" b/$W1 &&
	test_path_is_missing b/conflicts &&
	test "$(git -C a rev-parse HEAD^{tree})" = "$(git -C b rev-parse HEAD^{tree})"
'

test_expect_success 'delete against modify keeps the modified record, with a conflict' '
	git -C a rm -q $W3 && git -C a commit -q -m "a: delete md01-0003" &&
	set_line b/$W3 "  regular:" "  regular: 78" &&
	(cd b && khaosat commit -m "b: md01-0003" >/dev/null) &&
	git -C a fetch -q ../b main:refs/remotes/b/main &&
	(cd a && khaosat merge b/main >/dev/null) &&
	grep -q "^  regular: 78$" a/$W3 &&
	grep -q "^  - field: \"\"$" a/conflicts/$W3 &&
	grep -q "^        deleted: true$" a/conflicts/$W3 &&
	(cd a && khaosat resolve md01-0003 / --take 1 >/dev/null || khaosat resolve md01-0003 / --take 2 >/dev/null) &&
	git -C a fsck --full
'

test_expect_success 'a delete against edits that ended in a conflict keeps the record' '
	R=records/workshop/md02/000/md02-0007.yaml &&
	rm -rf d1 d2 d3 &&
	for x in d1 d2 d3; do laptop $x ${x}x "$x" || return 1; done &&
	set_line d2/$R "phone:" "phone: \"02251111111\"" &&
	(cd d2 && khaosat commit -m "d2: phone" >/dev/null) &&
	set_line d3/$R "phone:" "phone: \"02252222222\"" &&
	(cd d3 && khaosat commit -m "d3: phone" >/dev/null) &&
	git -C d1 rm -q $R && git -C d1 commit -q -m "d1: delete md02-0007" &&
	git -C d3 fetch -q ../d2 main:refs/remotes/d2/main &&
	(cd d3 && khaosat merge d2/main >/dev/null) &&
	git -C d1 fetch -q ../d3 main:refs/remotes/d3/main &&
	(cd d1 && khaosat merge d3/main >/dev/null) &&
	test_path_is_file d1/$R &&
	grep -q "^  - field: \"\"$" d1/conflicts/$R &&
	grep -q "^  - field: /phone$" d1/conflicts/$R &&
	(cd d1 && test_expect_code 1 khaosat conflicts md02-0007 >out) &&
	grep -q "02251111111" d1/out &&
	git -C d3 fetch -q ../d1 main:refs/remotes/d1/main &&
	(cd d3 && khaosat merge d1/main >/dev/null) &&
	test "$(git -C d1 rev-parse HEAD^{tree})" = "$(git -C d3 rev-parse HEAD^{tree})"
'

test_expect_success 'a merge with uncommitted changes is refused; up to date is no merge' '
	set_line a/$W2 "  regular:" "  regular: 99" &&
	(cd a && khaosat merge b/main >out) &&
	grep -q "^Already up to date\.$" a/out &&
	laptop e md05 "Đỗ Văn E" &&
	set_line e/$W2 "  seasonal:" "  seasonal: 17" &&
	(cd e && khaosat commit -m "e: seasonal" >/dev/null) &&
	git -C a fetch -q ../e main:refs/remotes/e/main &&
	git -C a rev-parse HEAD >head.before &&
	(cd a && test_expect_code 1 khaosat merge e/main 2>../err) &&
	grep -q "uncommitted changes" err &&
	test "$(git -C a rev-parse HEAD)" = "$(cat head.before)" &&
	grep -q "^  regular: 99$" a/$W2 &&
	git -C a checkout -q -- $W2
'

test_expect_success 'git sees a proper merge graph' '
	git -C a log --graph --oneline >graph &&
	grep -q "^\*   .* Merge b/main" graph &&
	git -C a fsck --full
'

test_expect_success 'two laptops settle one conflict differently: a new conflict, no value lost' '
	git -C b fetch -q ../a main:refs/remotes/a/main &&
	(cd b && khaosat merge a/main >/dev/null) &&
	set_line a/$W2 "  regular:" "  regular: 21" &&
	(cd a && khaosat commit -m "a: md01-0002" >/dev/null) &&
	set_line b/$W2 "  regular:" "  regular: 22" &&
	(cd b && khaosat commit -m "b: md01-0002" >/dev/null) &&
	git -C a fetch -q ../b main:refs/remotes/b/main &&
	(cd a && khaosat merge b/main >/dev/null) &&
	git -C b fetch -q ../a main:refs/remotes/a/main &&
	(cd b && khaosat merge a/main >/dev/null) &&
	test "$(git -C a rev-parse HEAD^{tree})" = "$(git -C b rev-parse HEAD^{tree})" &&
	(cd a && khaosat resolve md01-0002 /workers/regular --value 30 >/dev/null) &&
	(cd b && khaosat resolve md01-0002 /workers/regular --value 31 >/dev/null) &&
	git -C a fetch -q ../b main:refs/remotes/b/main &&
	(cd a && khaosat merge b/main >../out) &&
	grep -q "1 conflict in 1 record" out &&
	grep -q "^        value: 30$" a/conflicts/$W2 &&
	grep -q "^        value: 31$" a/conflicts/$W2 &&
	git -C a fsck --full
'

test_expect_success 'a conflict in a schema is merged with the same engine and reported loudly' '
	git -C b fetch -q ../a main:refs/remotes/a/main &&
	(cd b && khaosat merge a/main >/dev/null) &&
	(cd a && khaosat resolve md01-0002 /workers/regular --value 30 >/dev/null) &&
	git -C b fetch -q ../a main:refs/remotes/a/main &&
	(cd b && khaosat merge a/main >/dev/null) &&
	sed -i "0,/^title: .*/s//title: Cơ sở sản xuất/" a/schema/workshop.yaml &&
	(cd a && khaosat commit -m "a: schema title" >/dev/null) &&
	sed -i "0,/^title: .*/s//title: Xưởng đúc/" b/schema/workshop.yaml &&
	(cd b && khaosat commit -m "b: schema title" >/dev/null) &&
	git -C a fetch -q ../b main:refs/remotes/b/main &&
	(cd a && khaosat merge b/main >../out 2>../err) &&
	grep -q "^schema/workshop.yaml: warning: 1 conflict in a file every record depends on" err &&
	test_path_is_file a/conflicts/schema/workshop.yaml &&
	grep -q "^  - field: /title$" a/conflicts/schema/workshop.yaml
'

# Built with plain git: a survey's own commands put no file outside records.
test_expect_success 'a file on one side where the other has a folder: named, nothing merged, nothing lost' '
	laptop c md03 "Lê Văn Tâm" &&
	laptop d md04 "Phạm Thị Lan" &&
	echo "ghi chú" >c/notes &&
	git -C c add notes && git -C c commit -q -m "c: notes" &&
	mkdir d/notes && echo "ảnh" >d/notes/a.txt &&
	git -C d add notes && git -C d commit -q -m "d: notes folder" &&
	git -C c rev-parse HEAD >c.before &&
	git -C d rev-parse HEAD >d.before &&
	git -C c fetch -q ../d main:refs/remotes/d/main &&
	git -C d fetch -q ../c main:refs/remotes/c/main &&
	(cd c && test_expect_code 1 khaosat merge d/main >../out 2>../err) &&
	grep -q "^notes: error: a file on one side and a folder on the other have this name; nothing was merged" err &&
	(cd d && test_expect_code 1 khaosat merge c/main >../out 2>../err) &&
	grep -q "^notes: error: a file on one side and a folder on the other have this name; nothing was merged" err &&
	git -C c rev-parse HEAD >c.after &&
	git -C d rev-parse HEAD >d.after &&
	test_cmp c.before c.after &&
	test_cmp d.before d.after &&
	test "$(cat c/notes)" = "ghi chú" &&
	test "$(cat d/notes/a.txt)" = "ảnh" &&
	test -z "$(git -C c status --porcelain)" &&
	test -z "$(git -C d status --porcelain)" &&
	git -C c fsck --full && git -C d fsck --full
'

# The records a merge brought are read on every processor from 64 on
# (ks_check_records()) for its note of clashing values.
test_expect_success 'a merge bringing 80 records: its clash said the same on any number of threads' '
	generated_pair m1 m2 200 &&
	ours=$(head -n 1 all) && theirs=$(tail -n 1 all) &&
	set_line "m1/$ours" "tax_code:" "tax_code: \"0100109106\"" &&
	(cd m1 && khaosat commit -m "m1: tax code" >/dev/null) &&
	for f in $(tail -n 80 all); do
		sed -i "s/^annual_revenue: .*/annual_revenue: 123/" "m2/$f" || return 1
	done &&
	set_line "m2/$theirs" "tax_code:" "tax_code: \"0100109106\"" &&
	(cd m2 && khaosat commit -m "m2: 80 records" >/dev/null) &&
	git -C m1 fetch -q ../m2 main:refs/remotes/m2/main &&
	cp -a m1 m1b &&
	(cd m1 && KHAOSAT_THREADS=1 khaosat merge m2/main >/dev/null 2>../err.1) &&
	(cd m1b && KHAOSAT_THREADS=4 khaosat merge m2/main >/dev/null 2>../err.4) &&
	test_cmp err.1 err.4 &&
	id=${ours##*/} &&
	grep -q "^$theirs:4:11: warning: .*\"0100109106\" is also used by record ${id%.yaml} " err.1
'


# loose OBJDIR: the loose object files under OBJDIR, one a line, sorted
loose() {
	find "$1" -type f -path "*/objects/??/*" | sort
}

test_expect_success 'a merge writes its trees and commit as one pack, no loose object' '
	generated_pair p1 p2 300 &&
	for f in $(head -n 40 all); do
		sed -i "s/^annual_revenue: .*/annual_revenue: 321/" "p1/$f" || return 1
	done &&
	(cd p1 && khaosat commit -m "p1: 40 records" >/dev/null) &&
	for f in $(tail -n 40 all); do
		sed -i "s/^annual_revenue: .*/annual_revenue: 123/" "p2/$f" || return 1
	done &&
	f=$(sed -n 100p all) &&
	set_line "p1/$f" "floor_area:" "floor_area: 9100" &&
	set_line "p2/$f" "name:" "name: Xưởng đúc Hoà Bình" &&
	(cd p1 && khaosat commit -m "p1: floor area" >/dev/null) &&
	(cd p2 && khaosat commit -m "p2: 41 records" >/dev/null) &&
	git -C p1 fetch -q ../p2 main:refs/remotes/p2/main &&
	git -C p1 repack -q -a -d &&
	loose p1/.git >loose.before &&
	ls p1/.git/objects/pack/*.pack >packs.before &&
	(cd p1 && khaosat merge p2/main >../out) &&
	grep -q "1 record merged field by field, 0 conflicts" out &&
	loose p1/.git >loose.after &&
	test_cmp loose.before loose.after &&
	ls p1/.git/objects/pack/*.pack >packs.after &&
	test "$(comm -13 packs.before packs.after | wc -l)" = 1 &&
	pack=$(comm -13 packs.before packs.after) &&
	git verify-pack -v "${pack%.pack}.idx" >contents &&
	grep -q "^$(git -C p1 rev-parse HEAD) commit " contents &&
	grep -q "^$(git -C p1 rev-parse "HEAD^{tree}") tree " contents &&
	grep -q "^$(git -C p1 rev-parse "HEAD:$f") blob " contents &&
	grep -q "^name: Xưởng đúc Hoà Bình$" "p1/$f" &&
	grep -q "^floor_area: 9100$" "p1/$f" &&
	git -C p1 fsck --full &&
	test -z "$(git -C p1 status --porcelain)" &&
	(cd p1 && khaosat check >/dev/null)
'

test_expect_success 'objects written after a merge in the same survey are kept on the disk' '
	f=$(sed -n 200p all) &&
	set_line "p1/$f" "annual_revenue:" "annual_revenue: 777" &&
	(cd p1 && khaosat commit -m "p1: after the merge" >/dev/null) &&
	git -C p1 cat-file -e "HEAD:$f" &&
	git -C p1 fsck --full
'

test_done
