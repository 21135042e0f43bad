#!/bin/sh
# The form of 'khaosat new' never throws away what the surveyor typed:
# fields required under a condition are asked, list items can be
# corrected, other records are checked as each answer is given, "no" at
# the end leads to a review, "<" goes back, and every answer is kept on
# disk as it is given, so Ctrl-C or a power cut loses nothing.
. "$(dirname "$0")/lib.sh"

forms=s/.git/khaosat/forms

test_expect_success 'set-up: a survey with conditions, lists and references' '
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
	    minLength: 2
	  legal_type:
	    title: Loại hình
	    enum: [doanh_nghiep_tnhh, hop_tac_xa, ho_kinh_doanh]
	    x-enum-titles:
	      doanh_nghiep_tnhh: Công ty TNHH
	      hop_tac_xa: Hợp tác xã
	      ho_kinh_doanh: Hộ kinh doanh
	  tax_code:
	    type: string
	    title: Mã số thuế
	    format: vn-tax-code
	    x-unique: true
	  contact:
	    type: string
	    title: Người liên hệ
	  phone:
	    type: string
	    title: Điện thoại
	    format: vn-phone
	  email:
	    type: string
	    title: Thư điện tử
	    format: email
	  website:
	    type: string
	    title: Trang web
	  products:
	    title: Sản phẩm
	    type: array
	    items:
	      title: sản phẩm
	      type: object
	      additionalProperties: false
	      required: [name]
	      properties:
	        name:
	          title: Tên sản phẩm
	          type: string
	        export_countries:
	          title: Nước xuất khẩu
	          type: array
	          uniqueItems: true
	          items:
	            title: nước
	            type: string
	  surveyed_at:
	    title: Ngày khảo sát
	    type: string
	    format: date
	  surveyor:
	    title: Người khảo sát
	    type: string
	dependentRequired:
	  phone: [contact]
	dependentSchemas:
	  website:
	    required: [email]
	if:
	  properties:
	    legal_type:
	      const: doanh_nghiep_tnhh
	  required: [legal_type]
	then:
	  required: [tax_code]
	EOF
	cat >s/schema/brand.yaml <<-\EOF &&
	$schema: https://json-schema.org/draft/2020-12/schema
	title: Nhãn hiệu
	type: object
	unevaluatedProperties: false
	required: [id, name, surveyed_at, surveyor]
	properties:
	  id:
	    type: string
	    pattern: "^[a-z][a-z0-9]{1,11}-[0-9]{4,9}$"
	  name:
	    type: string
	    title: Tên nhãn hiệu
	  owner_workshop:
	    type: string
	    title: Cơ sở chủ sở hữu
	    x-ref: workshop
	  status:
	    title: Tình trạng
	    enum: [da_cap_van_bang, da_nop_don]
	  surveyed_at:
	    title: Ngày khảo sát
	    type: string
	    format: date
	  surveyor:
	    title: Người khảo sát
	    type: string
	if:
	  properties:
	    status:
	      const: da_cap_van_bang
	  required: [status]
	then:
	  required: [certificate]
	  properties:
	    certificate:
	      type: string
	      title: Số văn bằng
	EOF
	(cd s && khaosat commit -m "Forms with conditions" >/dev/null)
'

# The questions after legal_type for a household, left empty.
skip_household() {
	cat <<-\EOF
	expect [tax_code]
	send
	expect [contact]
	send
	expect [phone]
	send
	expect [email]
	send
	expect [website]
	send
	EOF
}

# The end of the form: no products, today, this surveyor.
finish() {
	cat <<-\EOF
	expect add a sản phẩm?
	send n
	expect [surveyed_at] *
	send
	expect [surveyor] *
	send
	EOF
}

test_expect_success 'a field required under a condition is asked when the condition holds' '
	cat >script <<-\EOF &&
	expect [name] *
	send Công ty TNHH Đúc Hưng
	expect 3) Hộ kinh doanh (ho_kinh_doanh)
	send 1
	expect [tax_code] *
	send
	expect ! this field is required
	send 0201110122
	expect [contact]
	send
	expect [phone]
	send 0912345678
	expect [contact] *
	send Nguyễn Văn Hưng
	expect [email]
	send
	expect [website]
	send hung.example.vn
	expect [email] *
	send hung@example.vn
	EOF
	finish >>script &&
	printf "expect Save this record?\nsend y\nexpect Saved workshop md01-0001\n" >>script &&
	(cd s && ptydrive -o ../transcript ../script -- "$KHAOSAT_BIN" new workshop) &&
	cat >expect <<-EOF &&
	id: md01-0001
	name: Công ty TNHH Đúc Hưng
	legal_type: doanh_nghiep_tnhh
	tax_code: "0201110122"
	contact: Nguyễn Văn Hưng
	phone: "0912345678"
	email: hung@example.vn
	website: hung.example.vn
	surveyed_at: "$(date +%Y-%m-%d)"
	surveyor: Nguyễn Thị Hoa
	EOF
	test_cmp expect s/records/workshop/md01/000/md01-0001.yaml &&
	test_path_is_missing $forms/workshop-* &&
	(cd s && khaosat commit -m "Hưng" >/dev/null)
'

test_expect_success 'an error inside a list item reopens that item' '
	cat >script <<-\EOF &&
	expect [name] *
	send Hộ Đúc Lâm
	expect 3) Hộ kinh doanh
	send 3
	EOF
	skip_household >>script &&
	cat >>script <<-\EOF &&
	expect add a sản phẩm?
	send y
	expect [name] *
	send Chảo gang
	expect add a nước?
	send y
	send Nhật Bản
	expect add another nước?
	send y
	send Nhật Bản
	expect add another nước?
	send n
	expect add another sản phẩm?
	send n
	expect [surveyed_at] *
	send
	expect [surveyor] *
	send
	expect The record is not valid yet
	expect Sản phẩm 1 › Nước xuất khẩu 2: "Nhật Bản" is already in item 1
	expect Correct these fields now?
	send y
	expect [Chảo gang] >
	send
	expect nước 1: Nhật Bản
	send
	expect nước 2: Nhật Bản
	send x
	expect add another nước?
	send y
	expect nước 2
	send Hàn Quốc
	expect add another nước?
	send n
	expect Save this record?
	send y
	expect Saved workshop md01-0002
	EOF
	(cd s && ptydrive -o ../transcript ../script -- "$KHAOSAT_BIN" new workshop) &&
	cat >expect <<-EOF &&
	products:
	  - name: Chảo gang
	    export_countries:
	      - Nhật Bản
	      - Hàn Quốc
	EOF
	sed -n "/^products:/,/^surveyed_at/p" s/records/workshop/md01/000/md01-0002.yaml |
		sed "\$d" >actual &&
	test_cmp expect actual &&
	(cd s && khaosat check md01-0002)
'

test_expect_success 'with --draft the form saves an invalid record as a draft' '
	cat >script <<-\EOF &&
	expect [name] *
	send Công ty TNHH Chưa Có Mã
	expect 3) Hộ kinh doanh
	send 1
	expect [tax_code] *
	send
	expect draft
	expect [contact]
	send
	expect [phone]
	send
	expect [email]
	send
	expect [website]
	send
	EOF
	finish >>script &&
	cat >>script <<-\EOF &&
	expect required, but not filled in
	expect Correct these fields now?
	send n
	expect Save it as a draft?
	send y
	expect Saved workshop md01-0003 as a draft
	EOF
	(cd s && ptydrive -o ../transcript ../script -- "$KHAOSAT_BIN" new workshop --draft) &&
	test_path_is_missing s/records/workshop/md01/000/md01-0003.yaml &&
	test_path_is_file s/.git/khaosat/drafts/md01-0003.yaml &&
	grep -q "^name: Công ty TNHH Chưa Có Mã$" s/.git/khaosat/drafts/md01-0003.yaml &&
	test_path_is_missing $forms/workshop-*
'

test_expect_success 'a value another record holds (x-unique) is re-asked at once' '
	cat >script <<-\EOF &&
	expect [name] *
	send Công ty TNHH Trùng Mã
	expect 3) Hộ kinh doanh
	send 1
	expect [tax_code] *
	send 0201110122
	expect "0201110122" is also used by record md01-0001
	send 0200336582
	expect [contact]
	send
	expect [phone]
	send
	expect [email]
	send
	expect [website]
	send
	EOF
	finish >>script &&
	printf "expect Save this record?\nsend y\nexpect Saved workshop md01-0004\n" >>script &&
	(cd s && ptydrive -o ../transcript ../script -- "$KHAOSAT_BIN" new workshop) &&
	grep -q "^tax_code: \"0200336582\"$" s/records/workshop/md01/000/md01-0004.yaml
'

test_expect_success 'a clash with a record not committed yet is caught too' '
	cat >script <<-\EOF &&
	expect [name] *
	send Công ty TNHH Trùng Lần Hai
	expect 3) Hộ kinh doanh
	send 1
	expect [tax_code] *
	send 0200336582
	expect "0200336582" is also used by record md01-0004
	eof
	EOF
	(cd s && test_expect_code 1 ptydrive -o ../transcript ../script -- "$KHAOSAT_BIN" new workshop) &&
	rm -f $forms/workshop-*
'

test_expect_success 'a reference to a record that does not exist (x-ref) is re-asked at once' '
	cat >script <<-\EOF &&
	expect [name] *
	send Đúc Hưng
	expect [owner_workshop]
	send md01-0099
	expect there is no workshop record with the id "md01-0099"
	send md01-0001
	expect [status]
	send
	expect [surveyed_at] *
	send
	expect [surveyor] *
	send
	expect Save this record?
	send y
	expect Saved brand md01-0005
	EOF
	(cd s && ptydrive -o ../transcript ../script -- "$KHAOSAT_BIN" new brand) &&
	grep -q "^owner_workshop: md01-0001$" s/records/brand/md01/000/md01-0005.yaml
'

test_expect_success 'a field that only a condition describes is asked when it holds' '
	cat >script <<-\EOF &&
	expect [name] *
	send Đúc Hưng Hai
	expect [owner_workshop]
	send
	expect 1) da_cap_van_bang
	send 1
	expect [surveyed_at] *
	send
	expect [surveyor] *
	send
	expect [certificate] *
	send 410651
	expect Save this record?
	send y
	expect Saved brand md01-0006
	EOF
	(cd s && ptydrive -o ../transcript ../script -- "$KHAOSAT_BIN" new brand) &&
	grep -q "^certificate: \"410651\"$" s/records/brand/md01/000/md01-0006.yaml
'

test_expect_success '"n" at "Save this record?" leads to a review where any answer changes' '
	cat >script <<-\EOF &&
	expect [name] *
	send Hộ Đúc Sai Tên
	expect 3) Hộ kinh doanh
	send 3
	EOF
	skip_household >>script &&
	finish >>script &&
	cat >>script <<-\EOF &&
	expect Save this record?
	send n
	expect 1) Tên cơ sở [name]: Hộ Đúc Sai Tên
	expect 2) Loại hình [legal_type]: Hộ kinh doanh
	expect s to save
	send 1
	expect [Hộ Đúc Sai Tên] >
	send Hộ Đúc Đúng Tên
	expect 1) Tên cơ sở [name]: Hộ Đúc Đúng Tên
	expect s to save
	send s
	expect Save this record?
	send y
	expect Saved workshop md01-0007
	EOF
	(cd s && ptydrive -o ../transcript ../script -- "$KHAOSAT_BIN" new workshop) &&
	grep -q "^name: Hộ Đúc Đúng Tên$" s/records/workshop/md01/000/md01-0007.yaml
'

test_expect_success 'abandoning takes an explicit choice and a confirmation' '
	cat >script <<-\EOF &&
	expect [name] *
	send Hộ Đúc Bỏ
	expect 3) Hộ kinh doanh
	send 3
	EOF
	skip_household >>script &&
	finish >>script &&
	cat >>script <<-\EOF &&
	expect Save this record?
	send n
	expect a to abandon
	send a
	expect Abandon this record?
	send n
	expect a to abandon
	send a
	expect Abandon this record?
	send y
	expect abandoned; nothing was saved
	EOF
	(cd s && snapshot >../before &&
	 test_expect_code 1 ptydrive -o ../transcript ../script -- "$KHAOSAT_BIN" new workshop &&
	 snapshot >../after) &&
	grep -v "/\.git/" before >b && grep -v "/\.git/" after >a &&
	test_cmp b a &&
	test_path_is_missing $forms/workshop-*
'

test_expect_success '"<" goes back to the previous question' '
	cat >script <<-\EOF &&
	expect < to go back
	expect [name] *
	send <
	expect ! this is the first question
	send Hộ Đúc Nhầm
	expect 3) Hộ kinh doanh
	send <
	expect [Hộ Đúc Nhầm] >
	send Hộ Đúc Sửa
	expect 3) Hộ kinh doanh
	send 3
	expect [tax_code]
	send
	expect [contact]
	send Chị Mai
	expect [phone]
	send <
	expect [Chị Mai] >
	send Chị Hoa
	expect [phone]
	send
	expect [email]
	send
	expect [website]
	send
	EOF
	finish >>script &&
	printf "expect Save this record?\nsend y\nexpect Saved workshop md01-0008\n" >>script &&
	(cd s && ptydrive -o ../transcript ../script -- "$KHAOSAT_BIN" new workshop) &&
	grep -q "^name: Hộ Đúc Sửa$" s/records/workshop/md01/000/md01-0008.yaml &&
	grep -q "^contact: Chị Hoa$" s/records/workshop/md01/000/md01-0008.yaml
'

test_expect_success 'Ctrl-C keeps the answers and says how to continue' '
	cat >script <<-\EOF &&
	expect [name] *
	send Hộ Đúc Gián Đoạn
	expect 3) Hộ kinh doanh
	send 3
	expect [tax_code]
	send
	expect [contact]
	send Chị Lan
	expect [phone]
	sendraw \x03
	expect your answers are kept
	expect khaosat new workshop
	EOF
	(cd s && test_expect_code 130 ptydrive -o ../transcript ../script -- "$KHAOSAT_BIN" new workshop) &&
	ls $forms >list &&
	test_line_count = 1 list &&
	grep -q "Hộ Đúc Gián Đoạn" $forms/workshop-* &&
	test_path_is_missing s/records/workshop/md01/000/md01-0009.yaml
'

test_expect_success 'status lists the unfinished form' '
	(cd s && khaosat status >../out) &&
	grep -q "^Unfinished forms" out &&
	grep -q "^  workshop  started $(date +%Y-%m-%d) [0-9:]*, 4 answers$" out &&
	(cd s && khaosat status --json >../out) &&
	grep -q "\"forms\":\[{\"kind\":\"workshop\",\"started\":\"$(date +%Y-%m-%d)T[0-9:]*Z\",\"answers\":4," out
'

test_expect_success 'the next form offers to continue, with every earlier answer' '
	cat >script <<-\EOF &&
	expect unfinished workshop form
	expect Continue it?
	send y
	expect [phone]
	send 0987654321
	expect [email]
	send
	expect [website]
	send
	EOF
	finish >>script &&
	printf "expect Save this record?\nsend y\nexpect Saved workshop md01-0009\n" >>script &&
	(cd s && ptydrive -o ../transcript ../script -- "$KHAOSAT_BIN" new workshop) &&
	cat >expect <<-EOF &&
	id: md01-0009
	name: Hộ Đúc Gián Đoạn
	legal_type: ho_kinh_doanh
	contact: Chị Lan
	phone: "0987654321"
	surveyed_at: "$(date +%Y-%m-%d)"
	surveyor: Nguyễn Thị Hoa
	EOF
	test_cmp expect s/records/workshop/md01/000/md01-0009.yaml &&
	test_path_is_missing $forms/workshop-*
'

test_expect_success 'a power cut (SIGKILL) in the middle of a form loses no answer' '
	cat >script <<-\EOF &&
	expect [name] *
	send Hộ Đúc Mất Điện
	expect 3) Hộ kinh doanh
	send 3
	expect [tax_code]
	send
	expect [contact]
	send Anh Tư
	expect [phone]
	send 0977111222
	expect [email]
	kill KILL
	EOF
	(cd s && test_expect_code 137 ptydrive -o ../transcript ../script -- "$KHAOSAT_BIN" new workshop) &&
	ls $forms >list &&
	test_line_count = 1 list &&
	! ls $forms/*.tmp-* 2>/dev/null &&
	cat >script <<-\EOF &&
	expect Continue it?
	send y
	expect [email]
	send
	expect [website]
	send
	EOF
	finish >>script &&
	printf "expect Save this record?\nsend y\nexpect Saved workshop md01-0010\n" >>script &&
	(cd s && ptydrive -o ../transcript ../script -- "$KHAOSAT_BIN" new workshop) &&
	grep -q "^name: Hộ Đúc Mất Điện$" s/records/workshop/md01/000/md01-0010.yaml &&
	grep -q "^contact: Anh Tư$" s/records/workshop/md01/000/md01-0010.yaml &&
	grep -q "^phone: \"0977111222\"$" s/records/workshop/md01/000/md01-0010.yaml
'

test_expect_success 'declining to continue asks whether to discard, and keeps it otherwise' '
	cat >script <<-\EOF &&
	expect [name] *
	send Hộ Đúc Để Sau
	expect 3) Hộ kinh doanh
	sendraw \x03
	expect kept
	EOF
	(cd s && test_expect_code 130 ptydrive -o ../transcript ../script -- "$KHAOSAT_BIN" new workshop) &&
	cat >script <<-\EOF &&
	expect Continue it?
	send n
	expect Discard it?
	send n
	expect [name] *
	eof
	EOF
	(cd s && test_expect_code 1 ptydrive -o ../transcript ../script -- "$KHAOSAT_BIN" new workshop) &&
	grep -q "Hộ Đúc Để Sau" $forms/workshop-* &&
	cat >script <<-\EOF &&
	expect Continue it?
	send n
	expect Discard it?
	send y
	expect [name] *
	eof
	EOF
	(cd s && test_expect_code 1 ptydrive -o ../transcript ../script -- "$KHAOSAT_BIN" new workshop) &&
	! grep -q "Hộ Đúc Để Sau" $forms/workshop-* &&
	rm -f $forms/workshop-*
'

test_expect_success 'a change of a record kept by the browser is not offered to a new form, and status says what it is' '
	cat >$forms/workshop-20261205-010203-1.yaml <<-\EOF &&
	kind: workshop
	of: md01-0001
	base: 0123456789012345678901234567890123456789
	started: "2026-12-05T01:02:03Z"
	answers: []
	record:
	  name: Hộ Đúc Đổi Tên
	EOF
	cat >script <<-\EOF &&
	expect [name] *
	eof
	EOF
	(cd s && test_expect_code 1 ptydrive -o ../transcript ../script -- "$KHAOSAT_BIN" new workshop) &&
	! grep -q "Continue it" transcript &&
	test -f $forms/workshop-20261205-010203-1.yaml &&
	(cd s && khaosat status >../out) &&
	grep -q "^  workshop md01-0001  a change started 2026-12-05 [0-9:]* in the browser; go on with it there (.khaosat serve.)$" out &&
	(cd s && khaosat status --json >../out) &&
	grep -q "{\"kind\":\"workshop\",\"of\":\"md01-0001\"," out &&
	rm $forms/workshop-20261205-010203-1.yaml
'

test_expect_success 'everything the forms saved checks and commits' '
	(cd s && khaosat check && khaosat commit -m "Forms" >/dev/null) &&
	git -C s fsck --full &&
	test "$(git -C s status --porcelain)" = ""
'

test_done
