#!/bin/sh
# commit, and check of named records, compare the records' unique values
# with the committed survey through the table of unique values
# (.git/khaosat/unique-table), made by the first such comparison and
# brought forward from commit to commit.  It must give the answers the
# walk of every committed record gives, whatever state it is in.
. "$(dirname "$0")/lib.sh"

# workshops no brand refers to
W1=records/workshop/md01/000/md01-0003.yaml
W2=records/workshop/md01/000/md01-0007.yaml
W3=records/workshop/md01/000/md01-0010.yaml
W4=records/workshop/md01/000/md01-0013.yaml
T=s/.git/khaosat/unique-table

tax_code() {
	sed -n "s/^tax_code: \"\(.*\)\"$/\1/p" "$1"
}

# the records tree the table is of, and HEAD's
table_tree() {
	sed -n "s/^T //p" $T
}

test_expect_success 'setup: a committed survey' '
	make_survey s &&
	copy_samples s &&
	(cd s && khaosat commit -m samples >/dev/null) &&
	test_path_is_missing $T &&
	tax_code s/$W1 >v1 &&
	tax_code s/$W2 >v2 &&
	test_line_count = 1 v1 &&
	test_line_count = 1 v2 &&
	! test_cmp v1 v2 >/dev/null
'

V1=$(cat v1 2>/dev/null)
V2=$(cat v2 2>/dev/null)


test_expect_success 'a clash with a committed record: the first comparison makes the table' '
	set_line s/$W2 tax_code: "tax_code: \"$V1\"" &&
	(cd s && test_expect_code 1 khaosat check $W2 2>../err) &&
	grep -q "^$W2:[0-9]*:[0-9]*: error: Mã số thuế: \"$V1\" is also used by record md01-0003 ($W1:" err &&
	test_path_is_file $T &&
	git -C s rev-parse HEAD:records >expect &&
	table_tree >tree &&
	test_cmp expect tree &&
	grep -q "^workshop	/tax_code	$V1	md01-0003	[0-9]*	[0-9]*$" $T &&
	tail -n 1 $T >end &&
	grep -q "^E [1-9][0-9]* [1-9][0-9]*$" end &&
	git -C s checkout -q -- $W2
'

test_expect_success 'a record deleted since the table was made clashes with nothing' '
	cp $T table-before &&
	git -C s rm -q $W1 &&
	(cd s && khaosat commit -m "md01-0003 gone" >/dev/null) &&
	set_line s/$W2 tax_code: "tax_code: \"$V1\"" &&
	(cd s && khaosat check $W2 2>../err) &&
	! grep -q "is also used" err &&
	test_cmp table-before $T
'

test_expect_success 'a record committed since the table was made is compared as HEAD has it' '
	(cd s && khaosat commit -m "md01-0007 takes the tax code" >/dev/null) &&
	test_cmp table-before $T &&
	set_line s/$W3 tax_code: "tax_code: \"$V1\"" &&
	(cd s && test_expect_code 1 khaosat check md01-0010 2>../err) &&
	grep -q "^$W3:[0-9]*:[0-9]*: error: Mã số thuế: \"$V1\" is also used by record md01-0007 ($W2:" err &&
	(cd s && test_expect_code 1 khaosat commit -m dup >/dev/null 2>../err) &&
	grep -q "^$W3:[0-9]*:[0-9]*: error: Mã số thuế: \"$V1\" is also used by record md01-0007" err &&
	git -C s checkout -q -- $W3
'

test_expect_success 'a value a committed record gave up is free; one it took is not' '
	OLD=$(sed -n "s/^tax_code: \"\(.*\)\"/\1/p" s/$W4) &&
	set_line s/$W4 tax_code: "tax_code: \"$V2\"" &&
	(cd s && khaosat commit -m "md01-0013 takes the old one of md01-0007" >/dev/null 2>../err) &&
	set_line s/$W3 tax_code: "tax_code: \"$OLD\"" &&
	(cd s && khaosat check $W3 2>../err) &&
	! grep -q "is also used" err &&
	set_line s/$W3 tax_code: "tax_code: \"$V2\"" &&
	(cd s && test_expect_code 1 khaosat check $W3 2>../err) &&
	grep -q "^$W3:[0-9]*:[0-9]*: error: Mã số thuế: \"$V2\" is also used by record md01-0013 ($W4:" err &&
	git -C s checkout -q -- $W3
'

test_expect_success 'the same answers with no table, a damaged one, one of other schemas or of a tree that is not there' '
	set_line s/$W3 tax_code: "tax_code: \"$V2\"" &&
	(cd s && test_expect_code 1 khaosat commit -m dup >/dev/null 2>../expect) &&
	grep -q "is also used by record md01-0013" expect &&
	cp $T good &&
	ZERO=0000000000000000000000000000000000000000 &&
	for how in none truncated schemas tree rows; do
		case $how in
		none) rm $T ;;
		truncated) head -c 300 good >$T ;;
		schemas) sed "0,/^S /s/^S \([^ ]*\) .*/S \1 $ZERO/" good >$T &&
			! cmp -s good $T ;;
		tree) sed "s/^T .*/T 0123456789abcdef0123456789abcdef01234567/" good >$T ;;
		rows) sed "\$d" good >$T && echo "E 1 1" >>$T ;;
		esac &&
		(cd s && test_expect_code 1 khaosat commit -m dup >/dev/null 2>../err) &&
		test_cmp expect err &&
		git -C s rev-parse HEAD:records >tree-head &&
		table_tree >tree &&
		test_cmp tree-head tree || return 1
	done &&
	git -C s checkout -q -- $W3
'

test_expect_success 'far behind HEAD, the table is brought to HEAD and keeps every committed value' '
	table_tree >tree-old &&
	mkdir -p s/records/workshop/md01/001 &&
	for i in $(seq 100 169); do
		sed "s/^id: .*/id: md01-0$i/" s/$W4 \
			>s/records/workshop/md01/001/md01-0$i.yaml || return 1
	done &&
	git -C s add records &&
	git -C s commit -q -m "70 copies, by plain git" &&
	set_line s/$W3 tax_code: "tax_code: \"$V2\"" &&
	(cd s && test_expect_code 1 khaosat check $W3 2>../err) &&
	grep -q "is also used by record md01-0013" err &&
	git -C s rev-parse HEAD:records >tree-head &&
	table_tree >tree &&
	test_cmp tree-head tree &&
	! test_cmp tree-old tree >/dev/null &&
	grep -c "^workshop	/tax_code	$V2	md01-0" $T >count &&
	echo 71 >expect &&
	test_cmp expect count &&
	cp $T brought &&
	rm $T &&
	(cd s && test_expect_code 1 khaosat check $W3 2>../err2) &&
	test_cmp err err2 &&
	test_cmp brought $T &&
	git -C s checkout -q -- $W3
'

test_expect_success 'check of the whole survey makes a missing table from the record cache' '
	git -C s status --porcelain >changes &&
	test_must_be_empty changes &&
	cp $T made &&
	rm $T &&
	(cd s && test_expect_code 1 khaosat check >/dev/null 2>../err) &&
	grep -c "is also used by record md01-0013" err >count &&
	echo 70 >expect &&
	test_cmp expect count &&
	test_cmp made $T &&
	rm $T &&
	(cd s && test_expect_code 1 khaosat check >/dev/null 2>../err2) &&
	test_cmp err err2 &&
	test_cmp made $T
'

test_expect_success 'with records changed, the table made is of HEAD; not made with the cache' '
	set_line s/$W3 tax_code: "tax_code: \"$V2\"" &&
	rm $T &&
	(cd s && test_expect_code 1 khaosat check >/dev/null 2>../err) &&
	grep -q "^$W3:[0-9]*:[0-9]*: error: Mã số thuế: \"$V2\" is also used by record md01-0013" err &&
	test_cmp made $T &&
	rm $T s/.git/khaosat/record-cache &&
	(cd s && test_expect_code 1 khaosat check >/dev/null 2>../err2) &&
	test_cmp err err2 &&
	test_path_is_file s/.git/khaosat/record-cache &&
	test_path_is_missing $T &&
	(cd s && test_expect_code 1 khaosat check >/dev/null 2>../err3) &&
	test_cmp err err3 &&
	test_cmp made $T &&
	git -C s checkout -q -- $W3
'

test_done
