#!/bin/sh
# khaosat fmt: rewrites records in the canonical form (schema key order,
# two-space indent, NFC, strings quoted where YAML would misread them);
# --check only reports; canonical files are not touched at all.
. "$(dirname "$0")/lib.sh"

R=records/workshop/md01/001/md01-0100.yaml
MIN=$TEST_DATA/workshop-min.yaml

# fmt_in ARGS...: khaosat fmt inside s, output in out and err.
fmt_in() {
	(cd s && khaosat fmt "$@" >../out 2>../err)
}

test_expect_success 'setup: a survey holding the sample records' '
	make_survey s &&
	copy_samples s &&
	mkdir -p s/records/workshop/md01/001 s/records/brand/md01/001 &&
	git -C s add -A &&
	git -C s commit -q -m "the samples"
'

test_expect_success 'the sample records are canonical: fmt --check says nothing' '
	fmt_in --check &&
	test_must_be_empty out &&
	test_must_be_empty err
'

test_expect_success 'fmt leaves canonical files untouched: same bytes, same mtime, same inode' '
	find s/records -type f -exec touch -d "2020-01-01 00:00:00" {} + &&
	(cd s && find records -type f -printf "%p %i %T@\n" | sort) >before &&
	fmt_in &&
	test_must_be_empty out &&
	test_must_be_empty err &&
	(cd s && find records -type f -printf "%p %i %T@\n" | sort) >after &&
	test_cmp before after &&
	git -C s status --porcelain >status &&
	test_must_be_empty status
'

test_expect_success 'fmt rewrites a hand-edited record canonically' '
	mkdir -p s/records/workshop/md01/000 &&
	cp "$TEST_DATA/fmt/messy.yaml" s/$R &&
	(cd s && khaosat check md01-0100 2>../err) &&
	fmt_in &&
	echo "formatted $R" >expect &&
	test_cmp expect out &&
	test_must_be_empty err &&
	test_cmp "$MIN" s/$R
'

test_expect_success 'the result is valid, canonical and stable' '
	(cd s && khaosat check md01-0100 2>/dev/null) &&
	fmt_in --check &&
	cp s/$R once &&
	fmt_in &&
	test_must_be_empty out &&
	test_cmp once s/$R
'

test_expect_success 'fmt --check reports a non-canonical record, exit 1, and changes nothing' '
	cp "$TEST_DATA/fmt/messy.yaml" s/$R &&
	touch -d "2020-01-01 00:00:00" s/$R &&
	snapshot s >before &&
	snapshot_mtime s >before-mtime &&
	(cd s && test_expect_code 1 khaosat fmt --check >../out 2>../err) &&
	snapshot s >after &&
	snapshot_mtime s >after-mtime &&
	test_cmp before after &&
	test_cmp before-mtime after-mtime &&
	test_must_be_empty out &&
	cat >expect <<-EOF &&
	$R: error: not in canonical form; run '"'"'khaosat fmt md01-0100'"'"'
	1 of 43 records not in canonical form
	EOF
	test_cmp expect err
'

test_expect_success 'fmt --check ID checks only that record' '
	(cd s && test_expect_code 1 khaosat fmt --check md01-0100 2>../err) &&
	cat >expect <<-EOF &&
	$R: error: not in canonical form; run '"'"'khaosat fmt md01-0100'"'"'
	1 of 1 records not in canonical form
	EOF
	test_cmp expect err &&
	(cd s && khaosat fmt --check md01-0001 2>../err) &&
	test_must_be_empty err
'

test_expect_success 'fmt ID formats only that record' '
	cp s/records/workshop/md01/000/md01-0001.yaml w1.orig &&
	sed -i "s/^phone: \"\\(.*\\)\"$/phone: \\1/" s/records/workshop/md01/000/md01-0001.yaml &&
	fmt_in md01-0100 &&
	echo "formatted $R" >expect &&
	test_cmp expect out &&
	test_cmp "$MIN" s/$R &&
	grep "^phone: 02256246341$" s/records/workshop/md01/000/md01-0001.yaml &&
	cp w1.orig s/records/workshop/md01/000/md01-0001.yaml
'

test_expect_success 'an unquoted phone number is quoted' '
	sed "s/^phone: .*/phone: 0912345678/" "$MIN" >s/$R &&
	fmt_in &&
	echo "formatted $R" >expect &&
	test_cmp expect out &&
	test_cmp "$MIN" s/$R
'

test_expect_success 'strings that YAML would misread are quoted, codes stay plain' '
	sed -e "s/^name: .*/name: \"yes\"/" \
	    -e "s/^main_trade: .*/main_trade: 452\\/QĐ-BCT/" \
	    -e "s/^surveyed_at: .*/surveyed_at: 2024-03-15/" "$MIN" >s/$R &&
	fmt_in &&
	grep "^name: \"yes\"$" s/$R &&
	grep "^main_trade: 452/QĐ-BCT$" s/$R &&
	grep "^surveyed_at: \"2024-03-15\"$" s/$R &&
	cp "$MIN" s/$R
'

test_expect_success 'a name written in NFD is rewritten in NFC' '
	sed -e "s/Phạm/Pha\\xcc\\xa3m/" -e "s/Thôn 7/Tho\\xcc\\x82n 7/" "$MIN" >s/$R &&
	! cmp -s "$MIN" s/$R &&
	grep -c "Pha.m" s/$R &&
	(cd s && khaosat check md01-0100 2>/dev/null) &&
	(cd s && test_expect_code 1 khaosat fmt --check 2>/dev/null) &&
	fmt_in &&
	echo "formatted $R" >expect &&
	test_cmp expect out &&
	test_cmp "$MIN" s/$R
'

test_expect_success 'CR LF line ends become LF' '
	sed "s/\$/\\r/" "$MIN" >s/$R &&
	fmt_in &&
	test_cmp "$MIN" s/$R
'

test_expect_success 'a file that does not parse: exit 1, located error, unchanged' '
	cp "$TEST_DATA/bad/duplicate-key.yaml" s/$R &&
	snapshot s >before &&
	(cd s && test_expect_code 1 khaosat fmt >../out 2>../err) &&
	snapshot s >after &&
	test_cmp before after &&
	test_must_be_empty out &&
	echo "$R:11:1: error: duplicate key \"phone\"" >expect &&
	test_cmp expect err &&
	(cd s && test_expect_code 1 khaosat fmt --check >../out 2>../err) &&
	test_cmp expect err
'

test_expect_success 'a record in the wrong folder is reported, not moved or rewritten' '
	rm s/$R &&
	cp "$TEST_DATA/fmt/messy.yaml" s/records/workshop/md01/000/md01-0100.yaml &&
	snapshot s >before &&
	(cd s && test_expect_code 1 khaosat fmt >../out 2>../err) &&
	snapshot s >after &&
	test_cmp before after &&
	echo "records/workshop/md01/000/md01-0100.yaml: error: not where a record belongs: records are named records/<kind>/<device>/<NNN>/<id>.yaml" >expect &&
	test_cmp expect err &&
	rm s/records/workshop/md01/000/md01-0100.yaml
'

test_expect_success 'fmt of an id that does not exist: exit 1' '
	(cd s && test_expect_code 1 khaosat fmt md01-0999 >../out 2>../err) &&
	echo "error: no record \"md01-0999\" in this survey" >expect &&
	test_cmp expect err
'

test_expect_success 'fmt outside a survey: exit 3' '
	mkdir elsewhere &&
	cp "$TEST_DATA/fmt/messy.yaml" elsewhere/w.yaml &&
	snapshot elsewhere >before &&
	(cd elsewhere && test_expect_code 3 khaosat fmt >../out 2>../err) &&
	(cd elsewhere && test_expect_code 3 khaosat fmt w.yaml >../out 2>../err) &&
	snapshot elsewhere >after &&
	test_cmp before after &&
	echo "error: not inside a survey (no khaosat.yaml in '"'"'$TRASH/elsewhere'"'"' or its parents); create one with '"'"'khaosat init'"'"'" >expect &&
	test_cmp expect err
'

# Key order comes from the schema: without it fmt would write every record
# in byte order, a rewrite of the whole survey that is not canonical.
test_expect_success 'fmt with a broken schema changes nothing and says why' '
	git -C s status --porcelain >status &&
	test_must_be_empty status &&
	cp s/schema/workshop.yaml workshop.schema &&
	test_when_finished "cp workshop.schema s/schema/workshop.yaml && git -C s checkout -q -- records" &&
	printf "type: object\nproperties: [\n" >s/schema/workshop.yaml &&
	snapshot s >before &&
	(cd s && test_expect_code 1 khaosat fmt >../out 2>../err) &&
	snapshot s >after &&
	test_cmp before after &&
	test_must_be_empty out &&
	head -n 1 err >first &&
	echo "schema/workshop.yaml:3:1: error: the file cannot be read (YAML): a value is missing where one must be" >expect &&
	test_cmp expect first
'

test_expect_success 'fmt leaves no temporary files, and git accepts the repository' '
	find s -name "*.tmp-*" >tmpfiles &&
	test_must_be_empty tmpfiles &&
	git -C s fsck --full --strict
'

test_done
