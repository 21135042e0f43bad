#!/bin/sh
# A change of the survey's rules (a schema, khaosat.yaml) that a sync,
# a merge or a bundle brings is announced: the records committed now that
# the new rules find invalid are named, located, as warnings, with a note
# naming the changed files; when every record is still valid, one line
# says so.  A sync that changes no rule says nothing of them.
. "$(dirname "$0")/lib.sh"

test_expect_success 'setup: the centre (md01) and a laptop (md09) with the samples' '
	khaosat init md01 --unsigned --device md01 --surveyor "Trung tâm" --name "Mỹ Đồng" >/dev/null &&
	copy_samples md01 &&
	(cd md01 && khaosat commit -m "Samples" >/dev/null) &&
	mkdir stick && (cd md01 && khaosat sync ../stick >/dev/null) &&
	khaosat clone stick md09 --device md09 --surveyor "Người 9" >/dev/null
'

test_expect_success 'a sync that changes no rule says nothing of them' '
	(cd md09 && khaosat new workshop --from "$TEST_DATA/workshop-min.yaml" >/dev/null &&
	 khaosat commit -m "one more" >/dev/null) &&
	(cd md09 && khaosat sync ../stick >../out 2>../err) &&
	! grep -q "rules" out err
'

test_expect_success 'the centre makes the tax code required: the laptop is told which records lack it' '
	sed -i "/^required:/a\\  - tax_code" md01/schema/workshop.yaml &&
	(cd md01 && khaosat commit -m "tax code required" >/dev/null 2>&1) &&
	(cd md01 && khaosat sync ../stick >/dev/null 2>&1) &&
	(cd md09 && khaosat sync ../stick >../out 2>../err) &&
	for f in md09/records/workshop/*/000/*.yaml; do
		grep -q "^tax_code:" $f || echo "${f#md09/}"
	done | sort >expect.paths &&
	test -s expect.paths &&
	grep -q "^note: the survey.s rules changed (schema/workshop.yaml): $(wc -l <expect.paths) records are not valid under them" err &&
	grep ": warning: " err | cut -d: -f1 | sort -u >got.paths &&
	test_cmp expect.paths got.paths &&
	grep ": warning: .*Mã số thuế" err >/dev/null
'

test_expect_success 'a rule change every record meets: one line says so' '
	printf "\$comment: rà soát 2026\n" >>md01/schema/brand.yaml &&
	(cd md01 && khaosat commit -m "comment" >/dev/null 2>&1 && khaosat sync ../stick >/dev/null 2>&1) &&
	(cd md09 && khaosat sync ../stick >../out 2>../err) &&
	grep -q "^The survey.s rules changed (schema/brand.yaml); every record" out
'

test_expect_success 'a schema file a kind refers to ($ref) is committed and travels' '
	cat >md01/schema/common.yaml <<-\EOF &&
	$defs:
	  trade:
	    type: string
	    title: Nghề chính
	    minLength: 1
	    maxLength: 100
	EOF
	python3 - md01/schema/workshop.yaml <<-\EOF &&
	import sys
	p = sys.argv[1]
	s = open(p, encoding="utf-8").read()
	old = "  main_trade:\n    type: string\n    title: Nghề chính\n    minLength: 1\n    maxLength: 100\n"
	assert old in s
	s = s.replace(old, "  main_trade:\n    $ref: common.yaml#/$defs/trade\n")
	open(p, "w", encoding="utf-8").write(s)
	EOF
	(cd md01 && khaosat commit -m "common definitions" >/dev/null 2>&1 &&
	 khaosat sync ../stick >/dev/null 2>&1) &&
	(cd md09 && khaosat sync ../stick >../out 2>../err) &&
	test_path_is_file md09/schema/common.yaml &&
	cat out err | grep -q "rules changed (schema/common.yaml, schema/workshop.yaml)" &&
	git -C md09 fsck --no-progress
'

test_done
