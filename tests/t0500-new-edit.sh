#!/bin/sh
# khaosat new (form on a terminal, --set, --from, --draft) and khaosat edit
# (editor on a copy, re-edit or abandon), driven through a pseudo-terminal.
. "$(dirname "$0")/lib.sh"

# A small schema for the form: every kind of question the form asks.
test_expect_success 'set-up: a survey whose workshop form is short' '
	make_survey s &&
	cat >s/schema/workshop.yaml <<-\EOF &&
	$schema: https://json-schema.org/draft/2020-12/schema
	title: Cơ sở
	type: object
	additionalProperties: false
	required: [id, name, legal_type, surveyed_at, surveyor]
	properties:
	  id:
	    type: string
	    pattern: "^[a-z][a-z0-9]{1,11}-[0-9]{4,9}$"
	  name:
	    type: string
	    title: Tên cơ sở
	    description: Tên đầy đủ theo giấy đăng ký
	    minLength: 2
	  legal_type:
	    title: Loại hình
	    enum: [doanh_nghiep_tnhh, hop_tac_xa, ho_kinh_doanh]
	    x-enum-titles:
	      doanh_nghiep_tnhh: Công ty TNHH
	      hop_tac_xa: Hợp tác xã
	      ho_kinh_doanh: Hộ kinh doanh
	  phone:
	    type: string
	    title: Điện thoại
	    format: vn-phone
	  workers:
	    title: Lao động
	    type: object
	    additionalProperties: false
	    properties:
	      regular:
	        title: Lao động thường xuyên
	        type: integer
	        minimum: 0
	  association_member:
	    title: Hội viên hiệp hội
	    type: boolean
	  products:
	    title: Sản phẩm
	    type: array
	    x-key: name
	    items:
	      title: sản phẩm
	      type: object
	      additionalProperties: false
	      required: [name]
	      properties:
	        name:
	          title: Tên sản phẩm
	          type: string
	  surveyed_at:
	    title: Ngày khảo sát
	    type: string
	    format: date
	  surveyor:
	    title: Người khảo sát
	    type: string
	EOF
	(cd s && khaosat commit -m "Short form" >/dev/null)
'

test_expect_success 'the form asks, re-asks with the reason, and saves' '
	cat >script <<-\EOF &&
	expect [name] *
	send X
	expect ! must have at least 2 characters
	send Cơ sở Đúc Thành Công
	expect 3) Hộ kinh doanh (ho_kinh_doanh)
	send 9
	expect ! choose a number from 1 to 3
	send 3
	expect [phone]
	send 12345
	expect not a valid phone number
	send 0912345678
	expect fill in this part?
	send y
	expect [regular]
	send -3
	expect -3 is less than the smallest allowed, 0
	send 4
	expect [association_member]
	send y
	expect add a sản phẩm?
	send y
	expect [name] *
	send Chảo gang
	expect add another sản phẩm?
	send n
	expect [surveyed_at] *
	send
	expect [surveyor] *
	send
	expect Save this record?
	send y
	expect Saved workshop md01-0001
	EOF
	(cd s && ptydrive -o ../transcript ../script -- "$KHAOSAT_BIN" new workshop) &&
	cat >expect <<-EOF &&
	id: md01-0001
	name: Cơ sở Đúc Thành Công
	legal_type: ho_kinh_doanh
	phone: "0912345678"
	workers:
	  regular: 4
	association_member: true
	products:
	  - name: Chảo gang
	surveyed_at: "$(date +%Y-%m-%d)"
	surveyor: Nguyễn Thị Hoa
	EOF
	test_cmp expect s/records/workshop/md01/000/md01-0001.yaml &&
	(cd s && khaosat check md01-0001)
'

test_expect_success 'end of input in the form saves no record and keeps the answers' '
	printf "expect [name] *\nsend Cơ sở Bỏ dở\nexpect [legal_type]\neof\n" >script &&
	(cd s && test_expect_code 1 ptydrive -o ../transcript ../script -- "$KHAOSAT_BIN" new workshop) &&
	grep -q "input ended; nothing was saved" transcript &&
	test_path_is_missing s/records/workshop/md01/000/md01-0002.yaml &&
	grep -q "Cơ sở Bỏ dở" s/.git/khaosat/forms/workshop-*.yaml
'

test_expect_success 'new --set saves a valid record with the next id' '
	(cd s && khaosat new workshop --set name="Hộ Đúc Nhôm" \
		--set legal_type=hop_tac_xa --set workers.regular=12 \
		--set products[0].name="Nồi nhôm" >../out) &&
	grep -q "^Saved workshop md01-0002: records/workshop/md01/000/md01-0002.yaml$" out &&
	grep -q "^  regular: 12$" s/records/workshop/md01/000/md01-0002.yaml &&
	grep -q "^  - name: Nồi nhôm$" s/records/workshop/md01/000/md01-0002.yaml
'

# new_vn SURVEY --set...: a workshop of the shipped form, in survey v.
new_vn() {
	(cd v && khaosat new workshop --set name="Hộ Đúc Đồng Tư" \
		--set legal_type=ho_kinh_doanh \
		--set address.village="Thôn 7" --set address.commune_name="Mỹ Đồng" \
		--set address.province_name="Hải Phòng" \
		--set trade_group=do_go_gom_su_det_may_co_khi_nho "$@")
}

test_expect_success 'new --set reads numbers, dates and yes/no as Vietnamese write them' '
	make_survey v &&
	new_vn --set workers.regular=1.200 --set floor_area=350,5 \
		--set association_member=c --set phone="0912 345 678" \
		--set year_founded=1.998 --set surveyed_at=31/12/2024 >out &&
	f=$(ls v/records/workshop/md01/*/*.yaml) &&
	grep -q "^  regular: 1200$" "$f" &&
	grep -q "^floor_area: 350.5$" "$f" &&
	grep -q "^association_member: true$" "$f" &&
	grep -q "^phone: \"\{0,1\}0912345678\"\{0,1\}$" "$f" &&
	grep -q "^year_founded: 1998$" "$f" &&
	grep -q "^surveyed_at: \"\{0,1\}2024-12-31\"\{0,1\}$" "$f"
'

test_expect_success 'new --set: a code typed for a field that takes text or nothing stays text' '
	rm -rf v && make_survey v &&
	new_vn --set address.district_code=311 --set address.district_name=Thủy\ Nguyên \
		--set address.admin_catalog_version=pre_2025_01 >out &&
	f=$(ls v/records/workshop/md01/*/*.yaml) &&
	grep -q "^  district_code: \"311\"$" "$f" &&
	(cd v && khaosat export --format json -o -) >json &&
	grep -q "\"district_code\":\"311\"" json
'

test_expect_success 'new --set refuses 2e9 for a whole number and an unclear 1.234' '
	state v >before &&
	test_expect_code 1 new_vn --set workers.regular=2e9 2>err &&
	grep -q "workers.regular: \"2e9\" is not a whole number" err &&
	test_expect_code 1 new_vn --set floor_area=1.234 2>err &&
	grep -q "floor_area: \"1.234\" is unclear: write 1234 for a whole number, or 1,234 for one with decimals" err &&
	test_expect_code 1 new_vn --set surveyed_at=31/02/2024 2>err &&
	grep -q "surveyed_at: \"31/02/2024\" is not a date" err &&
	state v >after &&
	test_cmp before after
'

test_expect_success 'new --set with a bad value saves nothing and takes no id' '
	(cd s && snapshot >../before &&
	 test_expect_code 1 khaosat new workshop --set name="Hộ A" \
		--set legal_type=hop_tac_xa --set workers.regular=-3 2>../err &&
	 snapshot >../after) &&
	test_cmp before after &&
	test_cmp - err <<-\EOF &&
	error: Lao động › Lao động thường xuyên: -3 is less than the smallest allowed, 0
	not saved: the record is not valid (use --draft to save it anyway)
	EOF
	(cd s && khaosat new workshop --set name="Hộ B" --set legal_type=hop_tac_xa >../out) &&
	grep -q "^Saved workshop md01-0003" out
'

test_expect_success 'new --draft keeps an invalid record as a draft, out of the survey' '
	(cd s && khaosat new workshop --draft --set name="Hộ C" --set legal_type=xyz >../out 2>../err) &&
	grep -q "^Saved workshop md01-0004 as a draft: .git/khaosat/drafts/md01-0004.yaml$" out &&
	grep -q "^error: Loại hình: \"xyz\" is not one of the choices" err &&
	test_path_is_missing s/records/workshop/md01/000/md01-0004.yaml &&
	grep -q "^legal_type: xyz$" s/.git/khaosat/drafts/md01-0004.yaml
'

test_expect_success 'new --from takes a file, replaces its id, normalises to NFC' '
	printf "id: zz99-9999\nname: \"Vie\314\202\314\243t Đu\314\201c\"\nlegal_type: ho_kinh_doanh\n" >from.yaml &&
	(cd s && khaosat new workshop --from ../from.yaml >../out) &&
	grep -q "^Saved workshop md01-0005" out &&
	grep -q "^id: md01-0005$" s/records/workshop/md01/000/md01-0005.yaml &&
	grep -q "^name: Việt Đúc$" s/records/workshop/md01/000/md01-0005.yaml
'

test_expect_success 'new --from with an invalid value names the file and line' '
	printf "name: Hộ D\nlegal_type: ho_kinh_doanh\nworkers:\n  regular: -1\n" >bad.yaml &&
	(cd s && test_expect_code 1 khaosat new workshop --from ../bad.yaml 2>../err) &&
	grep -q "^../bad.yaml:4:12: error: Lao động › Lao động thường xuyên: -1 is less than the smallest allowed, 0$" err
'

test_expect_success 'new with an unknown kind is a usage error' '
	(cd s && test_expect_code 2 khaosat new factory 2>../err) &&
	grep -q "^error: unknown kind \"factory\" (the survey has: workshop, brand)$" err
'

test_expect_success 'edit saves a valid change in canonical form' '
	cat >editor <<-\EOF &&
	#!/bin/sh
	sed -i "s/^  regular: 12$/  regular: 15/" "$1"
	EOF
	chmod +x editor &&
	(cd s && EDITOR=../editor khaosat edit md01-0002 >../out) &&
	grep -q "^Saved md01-0002" out &&
	grep -q "^  regular: 15$" s/records/workshop/md01/000/md01-0002.yaml
'

test_expect_success 'edit with no change says so and touches nothing' '
	(cd s && snapshot_mtime >../before && EDITOR=true khaosat edit md01-0002 >../out &&
	 snapshot_mtime >../after) &&
	test_cmp before after &&
	grep -q "^No changes to md01-0002.$" out
'

test_expect_success 'edit: invalid, abandoned (no terminal) leaves the record as it was' '
	cat >editor <<-\EOF &&
	#!/bin/sh
	sed -i "s/^  regular: 15$/  regular: -7/" "$1"
	EOF
	(cd s && snapshot >../before &&
	 test_expect_code 1 env EDITOR=../editor "$KHAOSAT_BIN" edit md01-0002 </dev/null 2>../err &&
	 snapshot >../after) &&
	test_cmp before after &&
	test_cmp - err <<-\EOF
	records/workshop/md01/000/md01-0002.yaml:5:12: error: Lao động › Lao động thường xuyên: -7 is less than the smallest allowed, 0
	abandoned; md01-0002 was left as it was
	EOF
'

test_expect_success 'edit: invalid, then edited again on a terminal, then saved' '
	cat >editor <<-\EOF &&
	#!/bin/sh
	# First pass breaks the record, second pass fixes it.
	if grep -q "regular: -7" "$1"; then
		sed -i "s/regular: -7/regular: 20/" "$1"
	else
		sed -i "s/^  regular: 15$/  regular: -7/" "$1"
	fi
	EOF
	printf "expect (e)dit again or (a)bandon\nsend e\nexpect Saved md01-0002\n" >script &&
	(cd s && EDITOR=../editor ptydrive -o ../transcript ../script -- "$KHAOSAT_BIN" edit md01-0002) &&
	grep -q "error: Lao động › Lao động thường xuyên: -7 is less than the smallest allowed, 0" transcript &&
	grep -q "^  regular: 20$" s/records/workshop/md01/000/md01-0002.yaml
'

test_expect_success 'edit: changing the id is refused at its line' '
	cat >editor <<-\EOF &&
	#!/bin/sh
	sed -i "s/^id: md01-0002$/id: md01-0099/" "$1"
	EOF
	(cd s && test_expect_code 1 env EDITOR=../editor "$KHAOSAT_BIN" edit md01-0002 </dev/null 2>../err) &&
	grep -q "^records/workshop/md01/000/md01-0002.yaml:1:5: error: record id \"md01-0099\" does not match its file name \"md01-0002.yaml\"$" err
'

test_expect_success 'no edit copies are left behind' '
	ls s/.git >list &&
	! grep khaosat-edit list
'

test_expect_success 'everything commits and git agrees' '
	(cd s && khaosat commit --message "Forms and edits" >/dev/null 2>&1) &&
	git -C s fsck --full &&
	test "$(git -C s status --porcelain)" = ""
'

test_expect_success 'the form takes numbers, dates, phones and yes/no as Vietnamese write them' '
	cat >script <<-\EOF &&
	expect Continue it?
	send k
	expect Discard it?
	send c
	expect [name] *
	send Cơ sở Đúc Đồng Văn
	expect 3) Hộ kinh doanh (ho_kinh_doanh)
	send 3
	expect [phone]
	send 0912 345 679
	expect fill in this part?
	send c
	expect [regular]
	send 2e9
	expect "2e9" is not a whole number
	send 1.200
	expect [association_member]
	send maybe
	expect answer c (có) or k (không)
	send có
	expect add a sản phẩm?
	send k
	expect [surveyed_at] *
	send 31/02/2024
	expect is not a date: write day/month/year
	send 5/6/2024
	expect [surveyor] *
	send
	expect Save this record?
	send c
	expect Saved workshop
	EOF
	(cd s && ptydrive -o ../transcript ../script -- "$KHAOSAT_BIN" new workshop) &&
	f=$(grep -l "^name: Cơ sở Đúc Đồng Văn$" s/records/workshop/md01/*/*.yaml) &&
	grep -q "^phone: \"0912345679\"$" $f &&
	grep -q "^  regular: 1200$" $f &&
	grep -q "^association_member: true$" $f &&
	grep -q "^surveyed_at: \"2024-06-05\"$" $f
'

test_done
