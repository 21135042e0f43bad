#!/bin/sh
# check with no argument reads committed records through the record cache
# (.git/khaosat/record-cache): it must give the same answers as reading
# every file, whatever state the cache is in.
. "$(dirname "$0")/lib.sh"

W1=records/workshop/md01/000/md01-0001.yaml
W2=records/workshop/md01/000/md01-0002.yaml
B=records/brand/md02/000/md02-0019.yaml

test_expect_success 'setup: a committed survey, checked once to fill the cache' '
	make_survey s &&
	copy_samples s &&
	(cd s && khaosat commit -m samples >/dev/null && khaosat check 2>../err) &&
	grep -q "^checked 42 records: 42 valid, 0 invalid$" err &&
	test_path_is_file s/.git/khaosat/record-cache
'

test_expect_success 'a workshop deleted in the work tree: the brand that refers to it is invalid' '
	grep -q "md01-0002" s/$B &&
	mv s/$W2 w2.yaml &&
	(cd s && test_expect_code 1 khaosat check 2>../err) &&
	grep -q "^$B:[0-9]*:[0-9]*: error: .*there is no workshop record with the id \"md01-0002\"" err &&
	mv w2.yaml s/$W2
'

test_expect_success 'an uncommitted duplicate tax code is found against the cached values' '
	sed -i "s/^tax_code: .*/tax_code: \"0200094485\"/" s/$W2 &&
	grep -q "^tax_code: \"0200094485\"" s/$W1 &&
	(cd s && test_expect_code 1 khaosat check 2>../err) &&
	grep -q "^$W2:[0-9]*:[0-9]*: error: Mã số thuế: \"0200094485\" is also used by record md01-0001" err &&
	git -C s checkout -q -- $W2
'

test_expect_success 'the same duplicate found by check and commit with a change staged by plain git' '
	sed -i "s/^tax_code: .*/tax_code: \"0200094485\"/" s/$W2 &&
	W3=records/workshop/md01/000/md01-0003.yaml &&
	sed -i "s/^phone: .*/phone: \"02253000333\"/" s/$W3 &&
	git -C s add $W3 &&
	(cd s && test_expect_code 1 khaosat check 2>../err) &&
	grep -q "^$W2:[0-9]*:[0-9]*: error: Mã số thuế: \"0200094485\" is also used by record md01-0001" err &&
	(cd s && test_expect_code 1 khaosat commit -m dup >../out 2>../err) &&
	grep -q "^$W2:[0-9]*:[0-9]*: error: Mã số thuế: \"0200094485\" is also used by record md01-0001" err &&
	git -C s reset -q &&
	(cd s && test_expect_code 1 khaosat commit -m dup >../out 2>../err) &&
	grep -q "^$W2:[0-9]*:[0-9]*: error: Mã số thuế: \"0200094485\" is also used by record md01-0001" err &&
	git -C s checkout -q -- $W2 $W3
'

test_expect_success 'an uncommitted invalid edit is found' '
	sed -i "s/^  regular: .*/  regular: -3/" s/$W1 &&
	(cd s && test_expect_code 1 khaosat check 2>../err) &&
	grep -q "^$W1:[0-9]*:12: error: Lao động (người) › Lao động thường xuyên: -3 is less than the smallest allowed, 0" err &&
	git -C s checkout -q -- $W1
'

test_expect_success 'a damaged cache changes no answer' '
	cp s/.git/khaosat/record-cache good &&
	grep -v "^[BVRE] " good >head &&
	test_line_count -gt 2 head &&
	{ cat head && printf "B garbage\nV x\n"; } >s/.git/khaosat/record-cache &&
	(cd s && khaosat check 2>../err) &&
	grep -q "^checked 42 records: 42 valid, 0 invalid$" err &&
	test_cmp good s/.git/khaosat/record-cache &&
	sed "0,/^V [0-9]* [0-9]* /s//V x y /" good >s/.git/khaosat/record-cache &&
	grep -q "^V x y " s/.git/khaosat/record-cache &&
	(cd s && khaosat check 2>../err) &&
	grep -q "^checked 42 records: 42 valid, 0 invalid$" err &&
	test_cmp good s/.git/khaosat/record-cache &&
	sed "3,\$s/^\(B [0-9a-f]* [a-z]* [a-z0-9-]*\) [0-9]* /\1 many /" good \
		>s/.git/khaosat/record-cache &&
	grep -q " many " s/.git/khaosat/record-cache &&
	(cd s && khaosat check 2>../err) &&
	grep -q "^checked 42 records: 42 valid, 0 invalid$" err &&
	test_cmp good s/.git/khaosat/record-cache &&
	head -c 300 /dev/urandom >s/.git/khaosat/record-cache &&
	(cd s && khaosat check 2>../err) &&
	grep -q "^checked 42 records: 42 valid, 0 invalid$" err &&
	sed -i "s/^\(B [0-9a-f]* workshop md01-0001\) [0-9]* /\1 999 /" \
		s/.git/khaosat/record-cache &&
	grep -q "workshop md01-0001 999 " s/.git/khaosat/record-cache &&
	(cd s && khaosat check 2>../err) &&
	grep -q "^checked 42 records: 42 valid, 0 invalid$" err &&
	sed -i "s/^\(B [0-9a-f]* workshop md01-0003 [0-9]*\) 1 /\1 0 /" \
		s/.git/khaosat/record-cache &&
	(cd s && khaosat check 2>../err) &&
	grep -q "^checked 42 records: 42 valid, 0 invalid$" err
'

test_expect_success 'a schema change is not answered from the old cache' '
	(cd s && khaosat check 2>/dev/null) &&
	sed -i "s/^        minimum: 0$/        minimum: 1000/" s/schema/workshop.yaml &&
	(cd s && test_expect_code 1 khaosat check 2>../err) &&
	grep -q "is less than the smallest allowed, 1000" err &&
	git -C s checkout -q -- schema
'

test_expect_success 'an invalid record committed with plain git is reported every time' '
	sed -i "s/^  regular: .*/  regular: -5/" s/$W1 &&
	git -C s commit -q -am "bypassing khaosat" &&
	(cd s && test_expect_code 1 khaosat check 2>../err1 &&
	 test_expect_code 1 khaosat check 2>../err2) &&
	test_cmp err1 err2 &&
	grep -q "^$W1:[0-9]*:12: error: Lao động (người) › Lao động thường xuyên: -5 is less than the smallest allowed, 0" err2
'

test_expect_success 'a check that finds every record as cached leaves the cache file alone' '
	git -C s checkout -q -- . &&
	(cd s && test_expect_code 1 khaosat check 2>/dev/null &&
		test_expect_code 1 khaosat check 2>/dev/null) &&
	stat -c "%i %Y %s" s/.git/khaosat/record-cache >before &&
	sleep 1 &&
	(cd s && test_expect_code 1 khaosat check 2>/dev/null) &&
	stat -c "%i %Y %s" s/.git/khaosat/record-cache >after &&
	test_cmp before after
'

test_expect_success 'records deleted and committed: their entries leave the cache, answers stay the same' '
	cp s/.git/khaosat/record-cache full &&
	grep -q " md01-0003 " full &&
	git -C s rm -q records/workshop/md01/000/md01-0003.yaml &&
	git -C s commit -q -m "one less" &&
	(cd s && test_expect_code 1 khaosat check 2>../err1) &&
	test "$(wc -c <s/.git/khaosat/record-cache)" -lt "$(wc -c <full)" &&
	! grep -q " md01-0003 " s/.git/khaosat/record-cache &&
	(cd s && test_expect_code 1 khaosat check 2>../err2) &&
	test_cmp err1 err2 &&
	rm s/.git/khaosat/record-cache &&
	(cd s && test_expect_code 1 khaosat check 2>../err3) &&
	test_cmp err1 err3
'

test_expect_success 'the cache kept up to date is the cache made anew, byte for byte' '
	git -C s reset -q --hard &&
	(cd s && test_expect_code 1 khaosat check 2>/dev/null) &&
	sed "s/^id: .*/id: ab01-0001/; s/^tax_code: .*/tax_code: \"0109999991\"/" \
		s/$W2 >new.yaml &&
	mkdir -p s/records/workshop/ab01/000 &&
	mv new.yaml s/records/workshop/ab01/000/ab01-0001.yaml &&
	sed -i "s/^  regular: .*/  regular: 7/" s/records/workshop/md01/000/md01-0004.yaml &&
	last=$(git -C s ls-files records | tail -n 1) &&
	git -C s rm -q records/workshop/md01/000/md01-0005.yaml "$last" &&
	git -C s add -A && git -C s commit -q -m "added, changed, removed" &&
	(cd s && test_expect_code 1 khaosat check 2>../err1) &&
	cp s/.git/khaosat/record-cache kept &&
	rm s/.git/khaosat/record-cache &&
	(cd s && test_expect_code 1 khaosat check 2>../err2) &&
	test_cmp err1 err2 &&
	test_cmp kept s/.git/khaosat/record-cache &&
	grep -q " ab01-0001 " kept &&
	! grep -q " md01-0005 " kept &&
	echo "E $(grep -c "^V " kept)" >want &&
	tail -n 1 kept >got &&
	test_cmp want got
'

test_expect_success 'a cache cut short or with an entry out of its place changes no answer, and is made whole' '
	cp s/.git/khaosat/record-cache whole &&
	head -c $(($(wc -c <whole) / 2)) whole >s/.git/khaosat/record-cache &&
	(cd s && test_expect_code 1 khaosat check 2>../err3) &&
	test_cmp err1 err3 &&
	test_cmp whole s/.git/khaosat/record-cache &&
	awk "/^B /{n++} n==3{print > \"third\"; next} {print > \"rest\"}" whole &&
	test -s third &&
	{ sed -n "1,/^E /p" rest | sed "\$d" && cat third && tail -n 1 rest; } \
		>s/.git/khaosat/record-cache &&
	! test_cmp whole s/.git/khaosat/record-cache >/dev/null &&
	(cd s && test_expect_code 1 khaosat check 2>../err4) &&
	test_cmp err1 err4 &&
	test_cmp whole s/.git/khaosat/record-cache
'

test_expect_success 'git'"'"'s index noted as holding HEAD: a reset or a git add is still seen' '
	git -C s reset -q --hard &&
	sed -i "s/^  regular: .*/  regular: 9/" s/$W1 &&
	(cd s && khaosat commit -m "nine" >/dev/null) &&
	test_path_is_file s/.git/khaosat/index-head &&
	(cd s && khaosat status >../out) &&
	grep -q "Nothing to save" out &&
	git -C s reset -q --soft HEAD~1 &&
	(cd s && khaosat status >../out) &&
	grep -q "md01-0001" out &&
	(cd s && khaosat check 2>/dev/null; khaosat status >../out2) &&
	test_cmp out out2 &&
	git -C s reset -q --hard HEAD@{1} &&
	(cd s && khaosat status >../out) &&
	grep -q "Nothing to save" out &&
	sed -i "s/^  regular: .*/  regular: 10/" s/$W2 &&
	git -C s add $W2 &&
	(cd s && khaosat status >../out) &&
	grep -q "md01-0002" out &&
	(cd s && khaosat commit -m "ten" >/dev/null) &&
	(cd s && khaosat status >../out) &&
	grep -q "Nothing to save" out &&
	test -z "$(git -C s status --porcelain)"
'

test_expect_success 'a survey copied to another folder: the first command that writes refreshes git'"'"'s index; one that reads leaves it' '
	git -C s reset -q --hard &&
	cp -a s s2 &&
	f=records/workshop/md01/000/md01-0001.yaml &&
	git -C s2 ls-files --debug $f | sed -n "s/.*ino: \([0-9]*\).*/\1/p" >old &&
	stat -c %i s2/$f >now &&
	! test_cmp old now >/dev/null &&
	(cd s2 && khaosat status >/dev/null) &&
	git -C s2 ls-files --debug $f | sed -n "s/.*ino: \([0-9]*\).*/\1/p" >still &&
	test_cmp old still &&
	(cd s2 && test_expect_code 1 khaosat commit -m nothing >/dev/null 2>&1) &&
	git -C s2 ls-files --debug $f | sed -n "s/.*ino: \([0-9]*\).*/\1/p" >refreshed &&
	test_cmp now refreshed
'

test_expect_success 'another git holding the index: commands that read still answer, and leave its lock alone' '
	cp -a s s3 &&
	echo held >s3/.git/index.lock &&
	(cd s3 && khaosat status >../out && test_expect_code 1 khaosat check 2>/dev/null) &&
	grep -q "Nothing to save" out &&
	test "$(cat s3/.git/index.lock)" = held
'

# cold_check N OUT: the check of every record of g with no cache, on N
# processors; its messages into OUT, its cache into OUT.cache
cold_check() {
	rm -rf g/.git/khaosat &&
	(cd g && KHAOSAT_THREADS=$1 test_expect_code 1 khaosat check 2>../$2) &&
	cp g/.git/khaosat/record-cache $2.cache
}

test_expect_success 'the first check on several processors: the same answers and cache as on one' '
	make_survey g &&
	"$KHAOSAT_TOOLS/gensurvey" g 400 >/dev/null &&
	(cd g && khaosat commit -m import >/dev/null) &&
	files=$(cd g && find records -name "*.yaml" | sort) &&
	bad1=$(echo "$files" | sed -n 7p) &&
	bad2=$(echo "$files" | sed -n 200p) &&
	bad3=$(echo "$files" | sed -n 399p) &&
	edited=$(echo "$files" | sed -n 250p) &&
	for f in $bad1 $bad2 $bad3; do
		sed -i "s/^  regular: .*/  regular: -3/" g/$f || return 1
	done &&
	git -C g commit -q -am "three invalid, by plain git" &&
	sed -i "s/^  regular: .*/  regular: -4/" g/$edited &&
	cold_check 1 one &&
	cold_check 4 four &&
	cold_check 2 two &&
	test_cmp one four &&
	test_cmp one two &&
	cmp one.cache four.cache &&
	cmp one.cache two.cache &&
	grep ": error: " one | cut -d: -f1 | sort -u >invalid &&
	test_line_count = 4 invalid &&
	for f in $bad1 $bad2 $bad3 $edited; do
		grep -q "^$f:[0-9]*:[0-9]*: error: .*: -[34] is less than" one || return 1
	done &&
	grep -q "^checked 400 records: 396 valid, 4 invalid$" one &&
	test $(grep -c "^B " one.cache) -eq 400
'

test_done
