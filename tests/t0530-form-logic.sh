#!/bin/sh
# The form follows the schema's conditions: a question the answers so far
# rule out is not asked (export countries of a product sold at home, the
# cluster's name for a workshop among houses), and a question a condition
# requires is asked when the condition holds.
. "$(dirname "$0")/lib.sh"

test_expect_success 'set-up: a form with conditions on a part and on list items' '
	make_survey s &&
	cat >s/schema/workshop.yaml <<-\EOF &&
	$schema: https://json-schema.org/draft/2020-12/schema
	title: Cơ sở
	type: object
	additionalProperties: false
	required: [id, name, surveyed_at, surveyor]
	properties:
	  id:
	    type: string
	  name:
	    type: string
	    title: Tên cơ sở
	  location:
	    type: object
	    title: Vị trí
	    additionalProperties: false
	    required: [kind]
	    properties:
	      kind:
	        title: Loại vị trí
	        enum: [khu_dan_cu, cum_cong_nghiep]
	        x-enum-titles:
	          khu_dan_cu: Trong khu dân cư
	          cum_cong_nghiep: Trong cụm công nghiệp
	      name:
	        type: string
	        title: Tên cụm công nghiệp
	    if:
	      properties:
	        kind:
	          const: khu_dan_cu
	    then:
	      not:
	        required: [name]
	    else:
	      required: [name]
	  products:
	    type: array
	    title: Sản phẩm
	    items:
	      type: object
	      title: sản phẩm
	      additionalProperties: false
	      required: [name]
	      properties:
	        name:
	          type: string
	          title: Tên sản phẩm
	        market:
	          title: Thị trường
	          enum: [noi_dia, xuat_khau]
	          x-enum-titles:
	            noi_dia: Nội địa
	            xuat_khau: Xuất khẩu
	        export_countries:
	          type: array
	          title: Nước xuất khẩu
	          items:
	            type: string
	            title: nước
	      if:
	        properties:
	          market:
	            const: noi_dia
	        required: [market]
	      then:
	        not:
	          required: [export_countries]
	  surveyed_at:
	    title: Ngày khảo sát
	    type: string
	    format: date
	  surveyor:
	    title: Người khảo sát
	    type: string
	EOF
	(cd s && khaosat commit -m "A form with conditions" >/dev/null)
'

test_expect_success 'what the answers rule out is not asked' '
	cat >script <<-\EOF &&
	expect [name] *
	send Cơ sở Đúc Hưng
	expect fill in this part?
	send c
	expect 2) Trong cụm công nghiệp
	send 1
	expect add a sản phẩm?
	send c
	expect [name] *
	send Chảo gang
	expect 2) Xuất khẩu
	send 1
	expect add another sản phẩm?
	send c
	expect [name] *
	send Chuông đồng
	expect 2) Xuất khẩu
	send 2
	expect Nước xuất khẩu
	expect add a nước?
	send c
	expect >
	send Nhật Bản
	expect add another nước?
	send k
	expect add another sản phẩm?
	send k
	expect [surveyed_at] *
	send
	expect [surveyor] *
	send
	expect Save this record?
	send c
	expect Saved workshop md01-0001
	EOF
	(cd s && ptydrive -o ../transcript ../script -- "$KHAOSAT_BIN" new workshop) &&
	! grep -q "Tên cụm công nghiệp" transcript &&
	test "$(grep -c "Nước xuất khẩu" transcript)" = 1 &&
	f=s/records/workshop/md01/000/md01-0001.yaml &&
	grep -q "^  kind: khu_dan_cu$" $f &&
	grep -q "^      - Nhật Bản$" $f &&
	(cd s && khaosat check md01-0001)
'

test_expect_success 'what a condition requires is asked when it holds' '
	cat >script <<-\EOF &&
	expect [name] *
	send Cơ sở Đúc Thịnh
	expect fill in this part?
	send c
	expect 2) Trong cụm công nghiệp
	send 2
	expect Tên cụm công nghiệp
	send Cụm công nghiệp Mỹ Đồng
	expect add a sản phẩm?
	send k
	expect [surveyed_at] *
	send
	expect [surveyor] *
	send
	expect Save this record?
	send c
	expect Saved workshop md01-0002
	EOF
	(cd s && ptydrive -o ../transcript ../script -- "$KHAOSAT_BIN" new workshop) &&
	grep -q "^  name: Cụm công nghiệp Mỹ Đồng$" s/records/workshop/md01/000/md01-0002.yaml
'

test_expect_success 'the form speaks Vietnamese when asked to' '
	cat >script <<-\EOF &&
	expect [name] *
	send Cơ sở Đúc Phát
	expect điền phần này không? [c/K]
	send k
	expect thêm sản phẩm? [c/K]
	send k
	expect [surveyed_at] *
	send
	expect [surveyor] *
	send
	expect Lưu hồ sơ này? [C/k]
	send c
	EOF
	(cd s && LANGUAGE=vi ptydrive -o ../transcript ../script -- "$KHAOSAT_BIN" new workshop) &&
	grep -q "^name: Cơ sở Đúc Phát$" s/records/workshop/md01/000/md01-0003.yaml
'

test_expect_success 'a rule between two fields is checked as soon as both are answered' '
	make_survey r &&
	cat >r/schema/workshop.yaml <<-\EOF &&
	$schema: https://json-schema.org/draft/2020-12/schema
	title: Cơ sở
	type: object
	additionalProperties: false
	required: [id, name, workers, surveyed_at, surveyor]
	properties:
	  id:
	    type: string
	  name:
	    type: string
	    title: Tên cơ sở
	  workers:
	    type: object
	    title: Lao động
	    additionalProperties: false
	    properties:
	      regular:
	        type: integer
	        title: Lao động thường xuyên
	      insured:
	        type: integer
	        title: Lao động có đóng BHXH
	    x-compare:
	      - [insured, "<=", regular]
	  surveyed_at:
	    title: Ngày khảo sát
	    type: string
	    format: date
	  surveyor:
	    title: Người khảo sát
	    type: string
	EOF
	(cd r && khaosat commit -m "Một quy tắc" >/dev/null) &&
	cat >script <<-\EOF &&
	expect [name] *
	send Cơ sở Đúc Lợi
	expect [regular]
	send 10
	expect [insured]
	send 12
	expect must not be more than Lao động thường xuyên, which is 10
	send 8
	expect [surveyed_at] *
	send
	expect [surveyor] *
	send
	expect Save this record?
	send c
	expect Saved workshop md01-0001
	EOF
	(cd r && ptydrive -o ../transcript ../script -- "$KHAOSAT_BIN" new workshop) &&
	grep -q "^  insured: 8$" r/records/workshop/md01/000/md01-0001.yaml
'

test_expect_success 'the shipped brand form: a certificate is not dated before its application' '
	state r >before &&
	(cd r && test_expect_code 1 khaosat new brand --set kind=nhan_hieu_tap_the \
		--set name="Đúc Mỹ Đồng" --set application_date=01/03/2024 \
		--set certificate_date=05/01/2024 2>../err) &&
	grep -q "^error: Ngày cấp văn bằng: must not be before Ngày nộp đơn, which is 2024-03-01" err &&
	state r >after &&
	test_cmp before after &&
	(cd r && khaosat new brand --set kind=nhan_hieu_tap_the \
		--set name="Đúc Mỹ Đồng" --set application_date=01/03/2024 \
		--set certificate_date=05/01/2025 >/dev/null)
'

test_expect_success 'the shipped workshop form: those insured are among the regular workers' '
	make_survey w &&
	state w >before &&
	(cd w && test_expect_code 1 khaosat new workshop --set name="Hộ Đúc Lợi" \
		--set legal_type=ho_kinh_doanh --set address.village="Thôn 7" \
		--set address.commune_name="Mỹ Đồng" --set address.province_name="Hải Phòng" \
		--set trade_group=do_go_gom_su_det_may_co_khi_nho \
		--set workers.regular=3 --set workers.insured=5 2>../err) &&
	grep -q "^error: Lao động (người) › Lao động có đóng BHXH: must not be more than Lao động thường xuyên, which is 3$" err &&
	state w >after &&
	test_cmp before after &&
	cp -R "$SAMPLES/records" w/ &&
	(cd w && khaosat check 2>../err) &&
	grep -q "records: 4[0-9] valid, 0 invalid\|checked [0-9]* records: [0-9]* valid, 0 invalid" err
'

test_done
