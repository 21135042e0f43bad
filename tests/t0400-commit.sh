#!/bin/sh
# khaosat status, commit, log and show, with plain git as the witness:
# what is listed, what is committed (and by whom, from which device), what
# is refused (and that a refusal changes nothing), and reading history.
. "$(dirname "$0")/lib.sh"

W1=records/workshop/md01/000/md01-0001.yaml
W2=records/workshop/md01/000/md01-0002.yaml
NEW=records/workshop/md01/001/md01-0100.yaml
B21=records/brand/md01/000/md01-0021.yaml

# in_s CMD...: runs CMD inside the survey s.
in_s() {
	(cd s && "$@")
}

# The line khaosat log prints for each commit, made with git alone.
git_log_lines() {
	git -C s log --date=format:"%Y-%m-%d %H:%M %z" \
		--format="%H|%ad|%(trailers:key=Device,valueonly,separator=)|%an|%s" "$@" |
	while IFS="|" read -r h d dev an s; do
		printf "%.10s %s  %-6s %s: %s\n" "$h" "$d" "$dev" "$an" "$s"
	done
}

# Everything a refused command must leave alone.
# .git/khaosat holds local caches (unique values of committed records),
# which any command may refresh: they are not the repository's state.
state() {
	git -C s rev-parse HEAD &&
	git -C s status --porcelain --untracked-files=all &&
	snapshot s | grep -v '\./\.git/khaosat/'
}

test_expect_success 'setup: a new survey' '
	make_survey s &&
	git -C s rev-parse HEAD >head0
'

test_expect_success 'status of a new survey: nothing to commit' '
	in_s khaosat status >out 2>err &&
	test_must_be_empty err &&
	cat >expect <<-\EOF &&
	Survey "Mỹ Đồng", device md01 (Nguyễn Thị Hoa)
	Nothing to save: every change is in the survey history.
	EOF
	test_cmp expect out
'

test_expect_success 'commit with nothing to commit: exit 1, no commit' '
	in_s test_expect_code 1 khaosat commit -m "nothing" >out 2>err &&
	test_must_be_empty out &&
	echo "error: nothing to commit: no record or schema changed" >expect &&
	test_cmp expect err &&
	git -C s rev-parse HEAD >head &&
	test_cmp head0 head
'

test_expect_success 'status lists the new records, sorted' '
	copy_samples s &&
	mkdir -p s/records/workshop/md01/001 s/records/brand/md01/001 &&
	in_s khaosat status >out &&
	{
		echo "Survey \"Mỹ Đồng\", device md01 (Nguyễn Thị Hoa)" &&
		echo "Changes not saved to the survey history yet:" &&
		(cd s && find records -type f | LC_ALL=C sort) |
		while read -r p; do printf "  %-9s %s\n" new "$p"; done &&
		echo "Save them to the survey history with '"'"'khaosat commit -m MESSAGE'"'"'."
	} >expect &&
	test_cmp expect out
'

test_expect_success 'files that are not survey files are neither listed nor committed' '
	echo "my notes" >s/notes.txt &&
	in_s khaosat status >out &&
	! grep notes.txt out
'

test_expect_success 'commit records every new record in one commit' '
	in_s khaosat commit -m "Mẫu khảo sát Mỹ Đồng" >out 2>err &&
	test_must_be_empty err &&
	echo "Saved to the survey history: Mẫu khảo sát Mỹ Đồng" >expect &&
	test_cmp expect out &&
	test "$(git -C s rev-list --count HEAD)" = 2 &&
	test "$(git -C s rev-parse HEAD~1)" = "$(cat head0)" &&
	git -C s diff --name-status HEAD~1 HEAD >changes &&
	(cd s && find records -type f | LC_ALL=C sort | sed "s/^/A	/") >expect &&
	test_cmp expect changes
'

test_expect_success 'the commit: author surveyor, committer device, Device trailer' '
	git -C s log -1 --format="%an <%ae>%n%cn <%ce>%n%B" >commit &&
	cat >expect <<-\EOF &&
	Nguyễn Thị Hoa <hoa@example.vn>
	md01 <hoa@example.vn>
	Mẫu khảo sát Mỹ Đồng

	Device: md01

	EOF
	test_cmp expect commit &&
	git -C s log -1 --format="%(trailers:key=Device,valueonly,separator=)" >trailer &&
	echo md01 >expect &&
	test_cmp expect trailer
'

test_expect_success 'after the commit: git sees a clean survey, khaosat too' '
	git -C s status --porcelain >status &&
	echo "?? notes.txt" >expect &&
	test_cmp expect status &&
	in_s khaosat status >out &&
	tail -n 1 out >last &&
	echo "Nothing to save: every change is in the survey history." >expect &&
	test_cmp expect last &&
	git -C s fsck --full --strict
'

test_expect_success 'status lists new, modified and deleted records' '
	cp "$TEST_DATA/workshop-min.yaml" s/$NEW &&
	sed -i "s/^  regular: 86$/  regular: 90/" s/$W1 &&
	rm s/$B21 &&
	in_s khaosat status >out &&
	cat >expect <<-EOF &&
	Survey "Mỹ Đồng", device md01 (Nguyễn Thị Hoa)
	Changes not saved to the survey history yet:
	  deleted   $B21
	  modified  $W1
	  new       $NEW
	Save them to the survey history with '"'"'khaosat commit -m MESSAGE'"'"'.
	EOF
	test_cmp expect out
'

test_expect_success 'status --json' '
	in_s khaosat status --json >out &&
	cat >expect <<-EOF &&
	{"survey":"Mỹ Đồng","device":"md01","changes":[{"change":"deleted","path":"$B21","errors":0},{"change":"modified","path":"$W1","errors":0},{"change":"new","path":"$NEW","errors":0}],"forms":[],"drafts":[]}
	EOF
	test_cmp expect out
'

test_expect_success 'status marks an invalid changed record' '
	cp "$TEST_DATA/bad/three-errors.yaml" s/$NEW &&
	in_s khaosat status >out &&
	cat >expect <<-EOF &&
	Survey "Mỹ Đồng", device md01 (Nguyễn Thị Hoa)
	Changes not saved to the survey history yet:
	  deleted   $B21
	  modified  $W1
	  new       $NEW  (invalid: 3 errors)
	1 record is invalid; see '"'"'khaosat check'"'"'. Nothing can be saved to the survey history until it is fixed.
	EOF
	test_cmp expect out &&
	in_s khaosat status --json >out &&
	grep "{\"change\":\"new\",\"path\":\"$NEW\",\"errors\":3}" out
'

test_expect_success 'commit is refused when a changed record is invalid: exit 1, nothing changes' '
	state >before &&
	in_s test_expect_code 1 khaosat commit -m "should not happen" >out 2>err &&
	state >after &&
	test_cmp before after &&
	test_must_be_empty out &&
	cat >expect <<-EOF &&
	$NEW:3:13: error: Loại hình: "cong_ty" is not one of the choices: Công ty TNHH (doanh_nghiep_tnhh), Công ty cổ phần (doanh_nghiep_co_phan), Doanh nghiệp tư nhân (doanh_nghiep_tu_nhan), Hợp tác xã (HTX) (hop_tac_xa), Tổ hợp tác (THT) (to_hop_tac), Hộ kinh doanh (HKD) (ho_kinh_doanh)
	$NEW:12:12: error: Lao động (người) › Lao động thường xuyên: -3 is less than the smallest allowed, 0
	$NEW:13:14: error: Ngày khảo sát: "2024-02-30" is not a valid date (year-month-day): 2024-02 has no day 30
	not saved: fix the errors above; nothing was saved to the history
	EOF
	test_cmp expect err &&
	git -C s log --format=%s >log &&
	! grep "should not happen" log
'

test_expect_success 'commit is refused for a record that does not parse' '
	cp "$TEST_DATA/bad/duplicate-key.yaml" s/$NEW &&
	state >before &&
	in_s test_expect_code 1 khaosat commit -m "should not happen" >out 2>err &&
	state >after &&
	test_cmp before after &&
	cat >expect <<-EOF &&
	$NEW:11:1: error: duplicate key "phone"
	not saved: fix the errors above; nothing was saved to the history
	EOF
	test_cmp expect err
'

test_expect_success 'a valid commit takes new, modified and deleted records together' '
	cp "$TEST_DATA/workshop-min.yaml" s/$NEW &&
	(cd s/records && khaosat commit -m "Thêm md01-0100, sửa md01-0001" >../../out) &&
	git -C s diff --name-status HEAD~1 HEAD >changes &&
	cat >expect <<-EOF &&
	D	$B21
	M	$W1
	A	$NEW
	EOF
	sort -k2 expect >expect.sorted &&
	sort -k2 changes >changes.sorted &&
	test_cmp expect.sorted changes.sorted &&
	git -C s log -1 --format="%an|%cn|%(trailers:key=Device,valueonly,separator=)" >who &&
	echo "Nguyễn Thị Hoa|md01|md01" >expect &&
	test_cmp expect who &&
	git -C s show HEAD:$NEW >committed &&
	test_cmp "$TEST_DATA/workshop-min.yaml" committed &&
	git -C s fsck --full --strict
'

test_expect_success 'a stricter schema is committed; each record it breaks is named' '
	rm -rf s2 && cp -R s s2 &&
	sed -i "/^  count:$/,/^  [a-z]*:$/ s/minimum: 0/minimum: 100/" s2/schema/workshop.yaml &&
	! cmp -s s/schema/workshop.yaml s2/schema/workshop.yaml &&
	(cd s2 && khaosat commit -m "stricter schema" >../out 2>../err) &&
	git -C s2 show --name-only --format= main >files &&
	echo schema/workshop.yaml >expect && test_cmp expect files &&
	grep "^$W1:26:13: warning: Lao động (người) › Lao động thời vụ: 12 is less than the smallest allowed, 100$" err &&
	grep -q "^note: [0-9]* records* this commit does not change .* not valid under the rules it changes" err
'

test_expect_success 'a schema change that does not compile is refused' '
	rm -rf s2 && cp -R s s2 &&
	printf "properties: [\n" >>s2/schema/workshop.yaml &&
	(cd s2 && test_expect_code 1 khaosat commit -m "broken schema" >../out 2>../err) &&
	tail -n 1 err >last &&
	echo "not saved: fix the errors above; nothing was saved to the history" >expect &&
	test_cmp expect last &&
	grep -q "^schema/workshop.yaml:" err &&
	test "$(git -C s2 rev-parse main)" = "$(git -C s rev-parse main)"
'

test_expect_success 'without a device identity, commit is refused (exit 3)' '
	sed -i "s/^  regular: 4$/  regular: 5/" s/$NEW &&
	git -C s config --unset khaosat.device &&
	test_when_finished "git -C s config khaosat.device md01" &&
	state >before &&
	in_s test_expect_code 3 khaosat commit -m "no device" >out 2>err &&
	state >after &&
	test_cmp before after &&
	echo "error: this laptop has no device identity for the survey; set it with '"'"'git config khaosat.device ID'"'"' and '"'"'git config khaosat.surveyor NAME'"'"'" >expect &&
	test_cmp expect err
'

test_expect_success 'commit without -m is a usage error (exit 2)' '
	in_s test_expect_code 2 khaosat commit >out 2>err &&
	cat >expect <<-\EOF &&
	error: a message is required (-m MESSAGE)
	usage: khaosat commit [-v] -m MESSAGE
	EOF
	test_cmp expect err
'

test_expect_success 'commit time is the surveyor'"'"'s local time, with its offset' '
	TZ=UTC-7 in_s khaosat commit -m "Giờ Hà Nội" >out &&
	git -C s log -1 --format=%ai >when &&
	grep " +0700$" when
'

test_expect_success 'commits are visible to plain git, which finds the repository sound' '
	git -C s fsck --full --strict &&
	test "$(git -C s rev-list --count HEAD)" = 4 &&
	git -C s log --format="%an|%cn" >who &&
	sort -u who >who.u &&
	echo "Nguyễn Thị Hoa|md01" >expect &&
	test_cmp expect who.u
'

# ---- log ----

test_expect_success 'log lists every commit, newest first' '
	in_s khaosat log >out 2>err &&
	test_must_be_empty err &&
	git_log_lines >expect &&
	test_line_count = 4 expect &&
	test_cmp expect out &&
	grep "+0700  md01   Nguyễn Thị Hoa: Giờ Hà Nội$" out
'

test_expect_success 'log -n 2' '
	in_s khaosat log -n 2 >out &&
	git_log_lines -n 2 >expect &&
	test_cmp expect out
'

test_expect_success 'log ID lists only the commits that changed the record' '
	in_s khaosat log md01-0100 >out &&
	git_log_lines -- $NEW >expect &&
	test_line_count = 2 expect &&
	test_cmp expect out &&
	in_s khaosat log md01-0001 >out &&
	git_log_lines -- $W1 >expect &&
	test_line_count = 2 expect &&
	test_cmp expect out &&
	in_s khaosat log md02-0005 >out &&
	git_log_lines -- records/workshop/md02/000/md02-0005.yaml >expect &&
	test_line_count = 1 expect &&
	test_cmp expect out
'

test_expect_success 'log --json' '
	in_s khaosat log -n 1 --json >out &&
	git -C s log -1 --format="%H|%at|%an|%ae|%s" >info &&
	IFS="|" read -r h at an ae subj <info &&
	d=$(git -C s log -1 --date=format:"%Y-%m-%d %H:%M %z" --format=%ad) &&
	echo "[{\"commit\":\"$h\",\"time\":$at,\"offset\":420,\"date\":\"$d\",\"author\":\"$an\",\"email\":\"$ae\",\"device\":\"md01\",\"parents\":1,\"summary\":\"$subj\"}]" >expect &&
	test_cmp expect out
'

test_expect_success 'log --json: a summary that is not UTF-8 still gives valid JSON' '
	git -C s commit -q --allow-empty -m "$(printf "bad \377 \"q\"\ttab")" 2>/dev/null &&
	test_when_finished "git -C s reset -q --hard HEAD~1" &&
	in_s khaosat log -n 1 --json >out &&
	cat >summary.py <<-\EOF &&
	import json, sys
	s = json.load(open(sys.argv[1], encoding="utf-8"))[0]["summary"]
	sys.exit(not (s.startswith("bad ") and s.endswith(" \"q\"\ttab")))
	EOF
	python3 summary.py out
'

test_expect_success 'log of an id that never existed: exit 1' '
	in_s test_expect_code 1 khaosat log md01-0999 >out 2>err &&
	test_must_be_empty out &&
	echo "error: no record \"md01-0999\" in the history of the survey" >expect &&
	test_cmp expect err
'

test_expect_success 'log of a record deleted and committed still shows its history' '
	in_s khaosat log md01-0021 >out &&
	git_log_lines -- $B21 >expect &&
	test_line_count = 2 expect &&
	test_cmp expect out
'

test_expect_success 'log usage errors (exit 2)' '
	in_s test_expect_code 2 khaosat log md01-0001 md01-0002 2>err &&
	grep "^error: give at most one record id$" err &&
	in_s test_expect_code 2 khaosat log -n x 2>err &&
	grep "^error: COUNT must be a whole number$" err
'

# ---- show ----

test_expect_success 'show --yaml ID prints the record as it is in the work tree' '
	in_s khaosat show --yaml md01-0100 >out 2>err &&
	test_must_be_empty err &&
	test_cmp s/$NEW out &&
	echo "  note: not saved" >>s/$NEW &&
	in_s khaosat show --yaml md01-0100 >out &&
	test_cmp s/$NEW out &&
	git -C s checkout -q -- $NEW
'

test_expect_success 'show --yaml ID@HEAD~1 and ID@commit print the committed text' '
	in_s khaosat show --yaml md01-0100@HEAD~1 >out &&
	git -C s show HEAD~1:$NEW >expect &&
	test_cmp expect out &&
	! test_cmp expect s/$NEW >/dev/null &&
	c=$(git -C s rev-parse HEAD~2) &&
	in_s khaosat show --yaml md01-0001@$c >out &&
	git -C s show $c:$W1 >expect &&
	test_cmp expect out &&
	grep "^  regular: 86$" out &&
	in_s khaosat show --yaml md01-0001@main >out &&
	git -C s show main:$W1 >expect &&
	test_cmp expect out
'

test_expect_success 'show a deleted record at a commit where it existed' '
	in_s khaosat show --yaml md01-0021@HEAD~2 >out &&
	test_cmp "$SAMPLES/records/brand/md01/000/md01-0021.yaml" out
'

test_expect_success 'show ID: each field by its title, each choice by its label' '
	in_s khaosat show md01-0001 >out &&
	head -n 1 out >first &&
	echo "Cơ sở công nghiệp nông thôn md01-0001" >expect &&
	test_cmp expect first &&
	grep -q "^Loại hình: Công ty TNHH$" out &&
	grep -q "^  Lao động thường xuyên: [0-9][0-9]*$" out &&
	grep -q "^  Loại vị trí: Trong điểm công nghiệp$" out &&
	grep -q "^Thành viên hội, hiệp hội làng nghề: yes$" out &&
	! grep -q "doanh_nghiep_tnhh" out &&
	(cd s && LANGUAGE=vi khaosat show md01-0001 >../out) &&
	grep -q "^Thành viên hội, hiệp hội làng nghề: có$" out &&
	in_s khaosat show md01-0021@HEAD~2 >out &&
	grep -q "^Nhãn hiệu md01-0021$" out
'

test_expect_success 'show: no such record (exit 1)' '
	in_s test_expect_code 1 khaosat show md01-0021 >out 2>err &&
	test_must_be_empty out &&
	echo "error: no record \"md01-0021\" in this survey" >expect &&
	test_cmp expect err &&
	in_s test_expect_code 1 khaosat show md01-0100@HEAD~3 >out 2>err &&
	echo "error: no record \"md01-0100\" at HEAD~3" >expect &&
	test_cmp expect err
'

test_expect_success 'show: an unknown revision (exit 1)' '
	in_s test_expect_code 1 khaosat show md01-0001@nosuch >out 2>err &&
	test_must_be_empty out &&
	echo "error: unknown revision \"nosuch\" (give a commit id, main~2, or a date YYYY-MM-DD)" >expect &&
	test_cmp expect err
'

test_expect_success 'show without an id is a usage error (exit 2)' '
	in_s test_expect_code 2 khaosat show 2>err &&
	cat >expect <<-\EOF &&
	error: give one record id
	usage: khaosat show [--yaml] ID[@REV|@DATE]
	EOF
	test_cmp expect err
'

# ---- the whole survey must stay valid at every commit ----

test_expect_success 'commit refuses a deletion that leaves a reference dangling' '
	grep "workshop: md01-0002" s/records/brand/md02/000/md02-0019.yaml &&
	git -C s rev-parse HEAD >head-before &&
	test_when_finished "git -C s reset -q --hard \$(cat head-before)" &&
	rm s/$W2 &&
	state >before &&
	in_s test_expect_code 1 khaosat commit -m "Xoá md01-0002" >out 2>err &&
	state >after &&
	test_cmp before after &&
	cat >expect <<-\EOF &&
	records/brand/md02/000/md02-0019.yaml:8:13: error: Chủ sở hữu › Mã phiếu cơ sở (nếu chủ sở hữu là cơ sở đã khảo sát): there is no workshop record with the id "md01-0002"
	not saved: fix the errors above; nothing was saved to the history
	EOF
	test_cmp expect err
'

test_expect_success 'a deletion and a value another record holds: the clash is at the changed record' '
	W3=records/workshop/md01/000/md01-0003.yaml &&
	W7=records/workshop/md01/000/md01-0007.yaml &&
	git -C s rev-parse HEAD >head-before &&
	test_when_finished "git -C s reset -q --hard \$(cat head-before)" &&
	rm s/$W7 &&
	sed -i "s/^tax_code: .*/tax_code: \"0200094485\"/" s/$W3 &&
	state >before &&
	in_s test_expect_code 1 khaosat commit -m "xoá md01-0007" >out 2>err &&
	state >after &&
	test_cmp before after &&
	cat >expect <<-EOF &&
	$W3:4:11: error: Mã số thuế: "0200094485" is also used by record md01-0001 ($W1:4:11); it must be unique
	not saved: fix the errors above; nothing was saved to the history
	EOF
	test_cmp expect err
'

test_expect_success 'a deletion and a changed record that refers to the deleted one: refused there' '
	W7=records/workshop/md01/000/md01-0007.yaml &&
	B19=records/brand/md02/000/md02-0019.yaml &&
	git -C s rev-parse HEAD >head-before &&
	test_when_finished "git -C s reset -q --hard \$(cat head-before)" &&
	rm s/$W7 &&
	sed -i "s/workshop: md01-0002/workshop: md01-0007/" s/$B19 &&
	state >before &&
	in_s test_expect_code 1 khaosat commit -m "xoá md01-0007" >out 2>err &&
	state >after &&
	test_cmp before after &&
	grep -q "^$B19:8:13: error: .*there is no workshop record with the id \"md01-0007\"" err &&
	test_line_count = 2 err
'

test_expect_success 'a deletion that leaves every reference whole is committed' '
	W7=records/workshop/md01/000/md01-0007.yaml &&
	git -C s rev-parse HEAD >head-before &&
	test_when_finished "git -C s reset -q --hard \$(cat head-before)" &&
	rm s/$W7 &&
	in_s khaosat commit -m "xoá md01-0007" >out 2>err &&
	test_must_be_empty err &&
	git -C s diff --name-status HEAD~1 HEAD >changed &&
	printf "D\t%s\n" "$W7" >expect &&
	test_cmp expect changed
'

test_expect_success 'commit refuses a value that must be unique and is already used' '
	D=records/workshop/md01/001/md01-0101.yaml &&
	git -C s rev-parse HEAD >head-before &&
	test_when_finished "rm -f s/$D && git -C s reset -q --hard \$(cat head-before)" &&
	sed -e "s/^legal_type: .*/legal_type: ho_kinh_doanh\\ntax_code: \"0200094485\"/" \
	    -e "s/md01-0100/md01-0101/" "$TEST_DATA/workshop-min.yaml" >s/$D &&
	in_s test_expect_code 1 khaosat check md01-0101 2>check-err &&
	grep -q "is also used by record md01-0001" check-err &&
	state >before &&
	in_s test_expect_code 1 khaosat commit -m "trùng mã số thuế" >out 2>err &&
	state >after &&
	test_cmp before after &&
	cat >expect <<-EOF &&
	$D:4:11: error: Mã số thuế: "0200094485" is also used by record md01-0001 ($W1:4:11); it must be unique
	not saved: fix the errors above; nothing was saved to the history
	EOF
	test_cmp expect err
'

test_expect_success 'a file staged with plain git that is not a survey file is not committed' '
	git -C s rev-parse HEAD >head-before &&
	test_when_finished "git -C s reset -q --hard \$(cat head-before) && echo \"my notes\" >s/notes.txt" &&
	git -C s add notes.txt &&
	sed -i "s/^  regular: 90$/  regular: 91/" s/$W1 &&
	in_s khaosat status >out &&
	! grep notes.txt out &&
	in_s khaosat commit -m "sửa md01-0001" >out &&
	git -C s diff --name-only HEAD~1 HEAD >changed &&
	echo "$W1" >expect &&
	test_cmp expect changed
'

# Atomic writes go through "<file>.tmp-XXXXXX"; check skips such leftovers
# of an interrupted write, and commit must agree with check.
test_expect_success 'a temporary file left by an interrupted write does not block a commit' '
	git -C s rev-parse HEAD >head-before &&
	test_when_finished "rm -f s/$W1.tmp-Ab12Cd && git -C s reset -q --hard \$(cat head-before)" &&
	echo "id: md01-00" >s/$W1.tmp-Ab12Cd &&
	in_s khaosat check 2>err &&
	sed -i "s/^  regular: 90$/  regular: 92/" s/$W1 &&
	in_s khaosat status >out &&
	! grep "tmp-Ab12Cd" out &&
	in_s khaosat commit -m "sửa md01-0001" >out 2>err &&
	git -C s diff --name-only HEAD~1 HEAD >changed &&
	echo "$W1" >expect &&
	test_cmp expect changed
'

test_expect_success 'status, commit, log and show outside a survey: exit 3' '
	mkdir elsewhere &&
	for cmd in status "commit -m x" log "show md01-0001"; do
		(cd elsewhere && test_expect_code 3 khaosat $cmd >../out 2>../err) &&
		test_must_be_empty out &&
		echo "error: not inside a survey (no khaosat.yaml in '"'"'$TRASH/elsewhere'"'"' or its parents); create one with '"'"'khaosat init'"'"'" >expect &&
		test_cmp expect err || return 1
	done
'

test_expect_success 'every record at HEAD is valid, and git is satisfied' '
	git -C s status --porcelain >status &&
	echo "?? notes.txt" >expect &&
	test_cmp expect status &&
	in_s khaosat check 2>err &&
	git -C s fsck --full --strict
'

test_expect_success 'commit -v names the commit as git does; in Vietnamese, plain words' '
	echo "notes: x" >>s/khaosat.yaml &&
	in_s khaosat commit -v -m "Ghi chú" >out &&
	echo "[main $(git -C s rev-parse --short=10 HEAD)] Ghi chú" >expect &&
	test_cmp expect out &&
	sed -i "s/^notes: x$/notes: y/" s/khaosat.yaml &&
	(cd s && LANGUAGE=vi khaosat commit -m "Ghi chú 2" >../out) &&
	echo "Đã lưu vào lịch sử khảo sát: Ghi chú 2" >expect &&
	test_cmp expect out
'

test_expect_success 'the index is written as version 4, which git reads, and stays clean' '
	od -An -tx1 -j4 -N4 s/.git/index | tr -d " " >version &&
	echo 00000004 >expect &&
	test_cmp expect version &&
	git -C s ls-files -s >staged &&
	git -C s ls-tree -r HEAD >tree &&
	test $(wc -l <staged) = $(wc -l <tree) &&
	git -C s diff --cached --quiet
'

# An import's records are read and parsed ahead on the pool's threads
# (64 or more); a few are checked one by one.  Both say the same, in the
# same order, and save nothing.
test_expect_success 'an import with bad records: the same messages on any number of threads, and as few records get' '
	make_survey imp &&
	"$KHAOSAT_TOOLS/gensurvey" imp 80 >/dev/null &&
	(cd imp && find records -name "*.yaml" | sort | head -n 5 >../bad) &&
	set -- $(cat bad) &&
	printf "tags: [never closed\n" >>"imp/$1" &&
	sed -i "s/^annual_revenue: .*/annual_revenue: lots/" "imp/$2" &&
	sed -i "s/^id: .*/id: d99-0999/" "imp/$3" &&
	tax=$(sed -n "s/^tax_code: //p" "imp/$4") &&
	sed -i "s/^tax_code: .*/tax_code: $tax/" "imp/$5" &&
	before=$(git -C imp rev-parse main) &&
	for t in 1 2 4; do
		(cd imp && KHAOSAT_THREADS=$t khaosat commit -m import \
			>/dev/null 2>../err.$t; echo $? >../rc.$t) || return 1
	done &&
	echo 1 >expect && test_cmp expect rc.1 && test_cmp expect rc.4 &&
	test_cmp err.1 err.2 && test_cmp err.1 err.4 &&
	test "$(git -C imp rev-parse main)" = "$before" &&
	for f in "$1" "$2" "$3" "$5"; do
		grep -q "^$f:[0-9]*:[0-9]*: error: " err.1 || return 1
	done &&
	make_survey few &&
	for f in "$@"; do
		mkdir -p "few/${f%/*}" && cp "imp/$f" "few/$f" || return 1
	done &&
	(cd few && khaosat commit -m few >/dev/null 2>../err.few; echo $? >../rc.few) &&
	test_cmp expect rc.few &&
	test_cmp err.few err.1
'

test_done
