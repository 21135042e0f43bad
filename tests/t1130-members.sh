#!/bin/sh
# Signed mode: once a survey holds members.yaml, verify judges every later
# commit on main by its parents' members file: signed by a member's key
# valid at the commit's time, its Device trailer and committer that key's
# device, every path it changes one the member's role may change (a merge
# by what it adds to the merge khaosat computes of its parents).  A table
# of roles x paths x signatures (valid, missing, unknown key, another
# device's key, outside its dates, forged device, changed after signing).
# Commits are made with plain git, signed with keys ssh-keygen makes here.
. "$(dirname "$0")/lib.sh"

W1=records/workshop/md01/000/md01-0001.yaml

if ! command -v ssh-keygen >/dev/null 2>&1; then
	test_skip "ssh-keygen is not installed (openssh-client)"
	test_done
fi

# sign_commit DIR KEY DEVICE MESSAGE [TRAILER-DEVICE]: commits what is
# staged in DIR with plain git, signed with keys/KEY, committed by DEVICE.
sign_commit() {
	GIT_AUTHOR_NAME="Người $3" GIT_AUTHOR_EMAIL="$3@khaosat.invalid" \
	GIT_COMMITTER_NAME="$3" GIT_COMMITTER_EMAIL="$3@khaosat.invalid" \
	git -C "$1" -c gpg.format=ssh -c user.signingKey="$TRASH/keys/$2" \
		commit -q -S -m "$4" -m "Device: ${5:-$3}"
}

# change DIR KEY DEVICE PATH [TRAILER-DEVICE]: DIR, a copy of s, gets one
# commit signed with KEY that changes PATH (a record field, or a comment
# appended to any other file).
change() {
	rm -rf "$1" && cp -R s "$1" &&
	case "$4" in
	records/*) sed -i "s/^  regular: .*/  regular: 77/" "$1/$4" ;;
	*) echo "# $1" >>"$1/$4" ;;
	esac &&
	git -C "$1" add -A &&
	sign_commit "$1" "$2" "$3" "change $4" "$5"
}

# judged DIR PATTERN: verify in DIR exits 1 and names main's tip with
# PATTERN.
judged() {
	(cd "$1" && test_expect_code 1 khaosat verify >../out 2>&1) &&
	c=$(git -C "$1" rev-parse --short=10 main) &&
	grep "^error: commit $c " out | grep -q "$2" || {
		cat out; false; }
}

# authentic DIR: verify in DIR passes, every judged commit authentic.
authentic() {
	(cd "$1" && khaosat verify >../out 2>&1) &&
	n=$(sed -n "s/^members: \([0-9]*\) commits* judged by the members file, \([0-9]*\) authentic$/\1 \2/p" out) &&
	test -n "$n" && test "${n% *}" = "${n#* }" || { cat out; false; }
}

test_expect_success 'setup: keys for the centre, a surveyor, an auditor and an outsider' '
	mkdir keys &&
	for k in centre surveyor auditor outsider old; do
		ssh-keygen -q -t ed25519 -N "" -C $k -f keys/$k || return 1
	done
'

test_expect_success 'setup: a survey moves to signed mode with its members file' '
	khaosat init s --unsigned --device md01 --surveyor "Người md01" --name "Mỹ Đồng" >/dev/null &&
	copy_samples s &&
	(cd s && khaosat commit -m Samples >/dev/null) &&
	cat >s/members.yaml <<-EOF &&
	members:
	  - device: md01
	    surveyor: Người md01
	    role: centre
	    key: $(cat keys/centre.pub)
	  - device: md02
	    surveyor: Người md02
	    role: surveyor
	    key: $(cat keys/surveyor.pub)
	  - device: au01
	    surveyor: Người au01
	    role: auditor
	    key: $(cat keys/auditor.pub)
	  - device: md03
	    surveyor: Người md03
	    role: surveyor
	    key: $(cat keys/old.pub)
	    until: "2020-01-01"
	EOF
	git -C s add members.yaml &&
	sign_commit s centre md01 "Signed mode" &&
	(cd s && khaosat verify >../out 2>&1) &&
	! grep -q "^members:" out
'

test_expect_success 'the centre may change the rules, the members and records' '
	for p in schema/workshop.yaml khaosat.yaml members.yaml $W1; do
		change c0 centre md01 $p && authentic c0 || return 1
	done
'

test_expect_success 'a surveyor may change records, of any laptop' '
	change c1 surveyor md02 $W1 && authentic c1 &&
	change c2 surveyor md02 records/workshop/md02/000/md02-0001.yaml && authentic c2
'

test_expect_success 'a surveyor may not change the rules or the members' '
	for p in schema/workshop.yaml khaosat.yaml members.yaml; do
		change c3 surveyor md02 $p &&
		judged c3 "signed by md02: path not allowed $p: only the centre may change" || return 1
	done
'

test_expect_success 'a kind with surveyors: own keeps a surveyor to its own laptop.s records' '
	rm -rf own && cp -R s own &&
	sed -i "/^    schema: schema\/workshop.yaml/a\    surveyors: own" own/khaosat.yaml &&
	git -C own add -A && sign_commit own centre md01 "workshops: own records only" &&
	(cd own && khaosat check >/dev/null) &&
	authentic own &&
	rm -rf s.keep && mv s s.keep && mv own s &&
	change c11 surveyor md02 $W1 &&
	judged c11 "signed by md02: path not allowed $W1: a record of another laptop" &&
	change c12 surveyor md02 records/workshop/md02/000/md02-0001.yaml &&
	authentic c12 &&
	rm -rf s && mv s.keep s
'

test_expect_success 'khaosat.yaml refuses another word than own or all, located' '
	rm -rf bad && cp -R s bad &&
	sed -i "/^    schema: schema\/workshop.yaml/a\    surveyors: some" bad/khaosat.yaml &&
	(cd bad && test_expect_code 1 khaosat check >../out 2>&1) &&
	grep -q "^khaosat.yaml:[0-9]*:[0-9]*: error: kind \"workshop\": surveyors is \"all\"" out
'

test_expect_success 'an auditor changes nothing' '
	change c4 auditor au01 $W1 &&
	judged c4 "signed by au01: path not allowed $W1: an auditor reads the survey"
'

test_expect_success 'an unsigned commit is refused' '
	rm -rf c5 && cp -R s c5 &&
	sed -i "s/^  regular: .*/  regular: 78/" c5/$W1 &&
	git -C c5 -c user.name=md02 -c user.email=x@y commit -q -a -m unsigned -m "Device: md02" &&
	judged c5 ": unsigned: not signed"
'

test_expect_success 'a key the members file does not list is refused' '
	change c6 outsider md02 $W1 &&
	judged c6 ": not a member.s key: signed by a key the survey.s members file does not give to that laptop"
'

test_expect_success 'a member key outside its dates is refused' '
	change c7 old md03 $W1 &&
	judged c7 "signed by md03: key not valid then"
'

test_expect_success 'a member key with another device in its trailer or committer is refused' '
	change c8 surveyor md02 $W1 md01 &&
	judged c8 "signed by md02: wrong device" &&
	change c9 surveyor md01 $W1 md02 &&
	judged c9 "signed by md02: wrong device"
'

test_expect_success 'a signed commit changed afterwards no longer matches its signature' '
	change c10 surveyor md02 $W1 &&
	git -C c10 cat-file commit main | sed "s/^change /forged change /" >forged &&
	new=$(git -C c10 hash-object -t commit -w --stdin <forged) &&
	git -C c10 update-ref refs/heads/main $new &&
	judged c10 ": bad signature"
'

test_expect_success 'a merge adding nothing to the computed merge is authentic' '
	rm -rf m && cp -R s m &&
	git -C m checkout -q -b side &&
	sed -i "s/^  regular: .*/  regular: 91/" m/$W1 && git -C m add -A &&
	sign_commit m surveyor md02 "side" &&
	git -C m checkout -q main &&
	sed -i "s/^phone: .*/phone: \"0912000999\"/" m/records/workshop/md01/000/md01-0002.yaml &&
	git -C m add -A && sign_commit m centre md01 "main" &&
	git -C m config khaosat.device md02 &&
	git -C m config gpg.format ssh &&
	git -C m config commit.gpgSign true &&
	git -C m config user.signingKey "$TRASH/keys/surveyor" &&
	(cd m && khaosat merge side >/dev/null) &&
	test "$(git -C m rev-list --count --merges main)" = 1 &&
	authentic m
'

test_expect_success 'a surveyor merge that slips in a schema change is refused' '
	rm -rf m2 && cp -R m m2 &&
	git -C m2 reset -q --hard main~1 &&
	git -C m2 -c user.name=x -c user.email=x@y merge -q --no-ff --no-commit -s ours side &&
	echo "# slipped in" >>m2/schema/workshop.yaml &&
	git -C m2 add -A &&
	sign_commit m2 surveyor md02 "merge" &&
	test "$(git -C m2 rev-list --count --merges main)" = 1 &&
	judged m2 "signed by md02: path not allowed schema/workshop.yaml"
'

test_expect_success 'a merge is held to the least role its parents give the signer' '
	rm -rf m3 && cp -R s m3 &&
	git -C m3 checkout -q -b side &&
	sed -i "/device: md02/,/role:/s/role: surveyor/role: centre/" m3/members.yaml &&
	git -C m3 add -A && sign_commit m3 centre md01 "md02 becomes centre" &&
	git -C m3 checkout -q main &&
	sed -i "s/^phone: .*/phone: \"0912000777\"/" m3/records/workshop/md01/000/md01-0002.yaml &&
	git -C m3 add -A && sign_commit m3 centre md01 "main" &&
	git -C m3 -c user.name=x -c user.email=x@y merge -q --no-ff --no-commit side &&
	echo "# slipped in" >>m3/schema/workshop.yaml &&
	git -C m3 add -A &&
	sign_commit m3 surveyor md02 "merge" &&
	judged m3 "signed by md02: path not allowed schema/workshop.yaml"
'

test_expect_success 'device add and list: the centre builds the members file, one commit each' '
	khaosat init d --unsigned --device md01 --surveyor "Người md01" --name "Mỹ Đồng" >/dev/null &&
	(cd d && khaosat device list >../out) &&
	grep -q "^No members file" out &&
	(cd d && khaosat device add md01 --surveyor "Nguyễn Thị Hoa" --role centre --key ../keys/centre.pub >../out) &&
	grep -q "^Added md01 (centre, Nguyễn Thị Hoa)" out &&
	(cd d && khaosat device add md02 --surveyor "Lê: Văn \"Tâm\"" --role surveyor \
		--key "$(cat ../keys/surveyor.pub)" --from 2026-12-01 >/dev/null) &&
	test "$(git -C d rev-list --count main)" = 3 &&
	git -C d show --name-only --format=%s main >shown &&
	printf "%s\n\n%s\n" "Members: add md02 (surveyor, Lê: Văn \"Tâm\")" members.yaml >expect &&
	test_cmp expect shown &&
	(cd d && khaosat device list >../out) &&
	grep -q "^md01 *centre *$(ssh-keygen -l -f keys/centre.pub | cut -d" " -f2)  Nguyễn Thị Hoa$" out &&
	grep -q "^md02 *surveyor *$(ssh-keygen -l -f keys/surveyor.pub | cut -d" " -f2)  Lê: Văn \"Tâm\"  from 2026-12-01$" out &&
	(cd d && khaosat check >/dev/null)
'

test_expect_success 'device add refuses a key listed, a bad role, and other uncommitted work, changing nothing' '
	before=$(git -C d rev-parse main) &&
	(cd d && test_expect_code 1 khaosat device add md03 --surveyor X --role surveyor --key ../keys/surveyor.pub 2>../err) &&
	grep -q "this key is already another member.s" err &&
	(cd d && test_expect_code 2 khaosat device add md03 --surveyor X --role boss --key ../keys/old.pub 2>../err) &&
	(cd d && test_expect_code 1 khaosat device add md03 --surveyor X --role surveyor --key ../keys/nokey.pub 2>../err) &&
	grep -q "cannot read the key" err &&
	echo "# note" >>d/schema/brand.yaml &&
	(cd d && test_expect_code 1 khaosat device add md03 --surveyor X --role surveyor --key ../keys/old.pub 2>../err) &&
	grep -q "^schema/brand.yaml: error: not committed yet" err &&
	git -C d checkout -q schema/brand.yaml &&
	test "$(git -C d rev-parse main)" = "$before" &&
	test -z "$(git -C d status --porcelain)"
'

test_expect_success 'device remove keeps the member with the time it stops; later commits are refused' '
	(cd d && khaosat device remove md02 --until 2026-12-02 >../out) &&
	grep -q "until: \"2026-12-02\"" d/members.yaml &&
	(cd d && khaosat device list >../out) &&
	grep -q "^md02 .*from 2026-12-01  until 2026-12-02$" out &&
	(cd d && test_expect_code 1 khaosat device remove md09 2>../err) &&
	grep -q "no member md09" err &&
	sed -i "s/^name: .*/name: Mỹ Đồng 2/" d/khaosat.yaml &&
	git -C d add -A &&
	sign_commit d centre md01 "renamed" &&
	cp -R d d2 &&
	echo "# x" >>d2/khaosat.yaml && git -C d2 add -A &&
	sign_commit d2 surveyor md02 "late" &&
	judged d2 "signed by md02: key not valid then"
'

test_done
