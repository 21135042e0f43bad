#!/bin/sh
# khaosat delete: the record goes and the deletion is saved to the survey
# history at once, with its reason, leaving other changes alone; refused,
# with the record kept, while another record refers to it.
. "$(dirname "$0")/lib.sh"

W=records/workshop/md01/000

test_expect_success 'set-up: the sample survey, saved' '
	make_survey s &&
	copy_samples s &&
	(cd s && khaosat commit -m "Mẫu" >/dev/null)
'

test_expect_success 'delete saves the deletion with its reason; other changes stay' '
	sed -i "s/^name: .*/name: Cơ sở đổi tên/" s/$W/md01-0003.yaml &&
	(cd s && khaosat delete md01-0007 -m "Trùng với md01-0003" >../out) &&
	grep -q "^Deleted records/workshop/md01/000/md01-0007.yaml; the deletion is saved" out &&
	test_path_is_missing s/$W/md01-0007.yaml &&
	test "$(git -C s log -1 --format=%s)" = "Delete md01-0007: Trùng với md01-0003" &&
	git -C s show --name-status --format= HEAD >changed &&
	echo "D	$W/md01-0007.yaml" >expect &&
	test_cmp expect changed &&
	git -C s status --porcelain >status &&
	echo " M $W/md01-0003.yaml" >expect &&
	test_cmp expect status &&
	git -C s fsck --strict 2>/dev/null
'

test_expect_success 'a record another refers to is kept, with the reason' '
	state s >before &&
	(cd s && test_expect_code 1 khaosat delete md01-0002 -m "Đóng cửa" 2>../err) &&
	grep -q "md01-0002" err &&
	test_path_is_file s/$W/md01-0002.yaml &&
	state s >after &&
	test_cmp before after
'

test_expect_success 'a record never saved to the history is only removed' '
	cp s/$W/md01-0003.yaml s/$W/md01-0099.yaml &&
	sed -i "s/^id: .*/id: md01-0099/" s/$W/md01-0099.yaml &&
	head=$(git -C s rev-parse HEAD) &&
	(cd s && khaosat delete md01-0099 -m "Nhập nhầm" >../out) &&
	grep -q "never been saved" out &&
	test_path_is_missing s/$W/md01-0099.yaml &&
	test "$(git -C s rev-parse HEAD)" = "$head"
'

test_expect_success 'delete without a reason or an id is a usage error' '
	(cd s && test_expect_code 2 khaosat delete md01-0005 2>../err) &&
	grep -q "say why the record goes (-m REASON)" err &&
	(cd s && test_expect_code 2 khaosat delete -m "x" 2>../err) &&
	grep -q "give one record id" err &&
	(cd s && test_expect_code 1 khaosat delete md01-0999 -m "x" 2>../err) &&
	test_path_is_file s/$W/md01-0005.yaml
'

test_expect_success 'in a Vietnamese survey the history says it in Vietnamese' '
	echo "language: vi" >>s/khaosat.yaml &&
	(cd s && khaosat commit -m "Tiếng Việt" >/dev/null) &&
	(cd s && khaosat delete md01-0010 -m "Đã giải thể" >../out) &&
	grep -q "^Đã xoá records/workshop/md01/000/md01-0010.yaml" out &&
	test "$(git -C s log -1 --format=%s)" = "Xoá hồ sơ md01-0010: Đã giải thể"
'

test_expect_success 'the deletion reaches another laptop through a stick; sync speaks Vietnamese' '
	mkdir stick &&
	(cd s && khaosat sync ../stick >../out) &&
	grep -q "^Đã ghi _base.bundle: toàn bộ lịch sử khảo sát, dùng chung cho mọi máy, [0-9]* lần lưu, " out &&
	grep -q "^Đã ghi md01.bundle: không có gì ngoài tệp gói chung, " out &&
	khaosat clone stick lap2 --device md09 --surveyor "Lê Văn B" >/dev/null &&
	test_path_is_missing lap2/$W/md01-0007.yaml &&
	test_path_is_missing lap2/$W/md01-0010.yaml &&
	test_path_is_file lap2/$W/md01-0011.yaml
'

test_expect_success 'in a Vietnamese survey a merge says so in Vietnamese' '
	set_line lap2/$W/md01-0011.yaml "main_trade:" "main_trade: Đúc đồng" &&
	(cd lap2 && khaosat commit -m "lap2: nghề chính" >/dev/null &&
	 khaosat sync ../stick >/dev/null) &&
	set_line s/$W/md01-0012.yaml "main_trade:" "main_trade: Đúc nhôm" &&
	(cd s && khaosat commit -m "s: nghề chính" >/dev/null &&
	 khaosat sync ../stick >/dev/null) &&
	test "$(git -C s log -1 --format=%s)" = "Gộp tệp gói của md09" &&
	git -C s log -1 --format=%b | grep -q "^[0-9]* hồ sơ được gộp theo từng mục\.$"
'

test_done
