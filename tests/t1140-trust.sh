#!/bin/sh
# Trust between laptops in a signed survey: the centre starts it, a new
# laptop set up from the stick asks to join and works at once, its work
# waits at the centre until the centre approves it and is then taken in;
# every commit a laptop takes in is judged before it is merged, and one
# that may not be taken refuses its history whole (the hostile bundles
# here are made with plain git, signed with the laptops' own keys).
. "$(dirname "$0")/lib.sh"

W1=records/workshop/md01/000/md01-0001.yaml

if ! command -v ssh-keygen >/dev/null 2>&1; then
	test_skip "ssh-keygen is not installed (openssh-client)"
	test_done
fi

# fp DIR: the fingerprint of the laptop's own key, as ssh-keygen says it.
fp() {
	ssh-keygen -l -f "$1/.git/khaosat/key.pub" | cut -d" " -f2
}

# hostile DIR KEYDIR TRAILER COMMITTER: commits what is changed in DIR
# with plain git, signed with KEYDIR's own key (or unsigned when KEYDIR
# is "-"), claiming device TRAILER, committed by COMMITTER; then writes
# DIR.bundle with plain git.
hostile() {
	git -C "$1" add -A &&
	if test "$2" = -; then sign=; else
		sign="-c gpg.format=ssh -c user.signingKey=$TRASH/$2/.git/khaosat/key"
	fi &&
	GIT_AUTHOR_NAME="Người $3" GIT_AUTHOR_EMAIL="$3@khaosat.invalid" \
	GIT_COMMITTER_NAME="$4" GIT_COMMITTER_EMAIL="$4@khaosat.invalid" \
	git -C "$1" $sign commit -q $(test "$2" = - || echo -S) \
		-m "hostile change" -m "Device: $3" &&
	git -C "$1" bundle create -q "$TRASH/$1.bundle" main
}

# refused BUNDLE PATTERN: bundle apply at the centre refuses BUNDLE (made
# from h) with PATTERN in its error, before keeping anything: main does not
# move, and not one object of the hostile commit is kept.
refused() {
	before=$(git -C centre rev-parse main) &&
	(cd centre && test_expect_code 1 khaosat bundle apply "$TRASH/$1" >../out 2>&1) &&
	grep "^$TRASH/$1: error: not taken: commit [0-9a-f]\{10\} \"hostile change\"" out |
		grep -q "$2" || { cat out; false; } &&
	test "$(git -C centre rev-parse main)" = "$before" &&
	test_must_fail git -C centre cat-file -e "$(git -C h rev-parse main)" &&
	test_must_fail git -C centre cat-file -e "$(git -C h rev-parse main^{tree})"
}

test_expect_success 'setup: the centre starts a signed survey and writes the stick' '
	khaosat init centre --device tt01 --surveyor "Trung tâm Khuyến công" \
		--name "Mỹ Đồng" >out &&
	grep -q "^Signed survey: this laptop is its centre, with key $(fp centre)\.$" out &&
	copy_samples centre && mkdir stick &&
	(cd centre && khaosat commit -m Samples >/dev/null &&
	 khaosat sync ../stick >/dev/null)
'

test_expect_success 'clone shows the centre.s key, makes its own and asks to join' '
	khaosat clone stick md05 --device md05 --surveyor "Trần Văn Minh" >out &&
	grep -q "^The survey was started by its centre tt01 (Trung tâm Khuyến công) with key $(fp centre):$" out &&
	grep -q "^This laptop (md05) has its own key $(fp md05) and has asked to join" out &&
	test "$(git -C md05 log -1 --format=%s)" = "Ask to join the survey as md05 (Trần Văn Minh)" &&
	git -C md05 log -1 --format=%B | grep -q "^Key: $(cut -d" " -f1-2 md05/.git/khaosat/key.pub)$" &&
	test "$(git -C md05 diff --name-only HEAD~1 HEAD)" = ""
'

test_expect_success 'clone --centre-key with another key is refused, nothing kept' '
	test_expect_code 1 khaosat clone stick x --device md09 --surveyor X \
		--centre-key "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" 2>err &&
	grep -q "this is not the survey the centre gave you: its first commit is signed by key $(fp centre)" err &&
	test_path_is_missing x &&
	khaosat clone stick ok --device md08 --surveyor Y --centre-key "$(fp centre)" >/dev/null &&
	rm -rf ok
'

test_expect_success 'clone refuses a device id the members file already holds' '
	test_expect_code 3 khaosat clone centre y --device tt01 --surveyor Y 2>err &&
	grep -q "device id tt01 already belongs to Trung tâm Khuyến công" err &&
	test_path_is_missing y
'

test_expect_success 'a new laptop works at once; its work waits at the centre, said so' '
	set_line md05/$W1 "  regular:" "  regular: 55" &&
	(cd md05 && khaosat commit -m "md05: workers" >/dev/null &&
	 khaosat sync ../stick >/dev/null) &&
	before=$(git -C centre rev-parse main) &&
	(cd centre && khaosat sync ../stick >../out) &&
	grep -q "^  md05  *2 saves wait for the centre to approve this laptop (key $(fp md05)); kept here" out &&
	test "$(git -C centre rev-parse main)" = "$before" &&
	grep -q "^  regular: 86$" centre/$W1 &&
	test "$(git -C centre rev-parse refs/khaosat/waiting/md05)" = "$(git -C md05 rev-parse main)"
'

test_expect_success 'device list shows who asked; only the centre approves' '
	(cd centre && khaosat device list >../out) &&
	grep -q "^tt01  *centre  *$(fp centre)  Trung tâm Khuyến công$" out &&
	grep -q "^md05  *-  *$(fp md05)  Trần Văn Minh  (2 commits: khaosat device approve md05)$" out &&
	(cd md05 && test_expect_code 1 khaosat device approve md05 2>../err) &&
	grep -q "only the centre approves laptops; this laptop is md05 (not a member)" err &&
	(cd centre && test_expect_code 1 khaosat device approve md07 2>../err) &&
	grep -q "no work of md07 waits here" err
'

test_expect_success 'the centre approves; the next sync takes the work in' '
	(cd centre && khaosat device approve md05 >../out) &&
	grep -q "^Approved md05 (surveyor, Trần Văn Minh) with key $(fp md05)\.$" out &&
	test "$(git -C centre log -1 --format=%s)" = "Members: approve md05 (surveyor, Trần Văn Minh)" &&
	(cd centre && khaosat sync ../stick >../out) &&
	grep -q "^  md05  *1 changed$" out &&
	grep -q "^  regular: 55$" centre/$W1 &&
	test_must_fail git -C centre rev-parse -q --verify refs/khaosat/waiting/md05 &&
	(cd centre && khaosat verify >../out) &&
	grep -q "^members: [0-9]* commits judged by the members file, \([0-9]*\) authentic" out
'

test_expect_success 'the approval reaches md05; a third laptop takes md05.s work at once' '
	(cd md05 && khaosat sync ../stick >/dev/null) &&
	grep -q "^  - device: md05$" md05/members.yaml &&
	khaosat clone stick md06 --device md06 --surveyor "Phạm Thị Lan" >/dev/null &&
	grep -q "^  regular: 55$" md06/$W1 &&
	(cd md06 && khaosat verify >/dev/null)
'

test_expect_success 'git verify-commit accepts every commit of main, with the members as allowed signers' '
	sed -n "s/^  - device: //p" centre/members.yaml >devices &&
	sed -n "s/^    key: //p" centre/members.yaml >keys &&
	paste -d" " devices keys >signers &&
	git -C centre rev-list main >commits &&
	while read c; do
		git -C centre -c gpg.ssh.allowedSignersFile="$TRASH/signers" \
			verify-commit "$c" 2>/dev/null || { echo "not verified: $c"; return 1; }
	done <commits
'

test_expect_success 'a surveyor that changes the rules or the members is refused whole' '
	for p in khaosat.yaml schema/workshop.yaml members.yaml; do
		rm -rf h && git clone -q md05 h &&
		echo "# changed" >>h/$p &&
		hostile h md05 md05 md05 &&
		refused h.bundle "signed by md05 with key $(fp md05): path not allowed $p: only the centre may change" ||
		return 1
	done
'

test_expect_success 'self-authorisation: a surveyor making itself centre is refused' '
	rm -rf h && git clone -q md05 h &&
	sed -i "/device: md05/,/role:/s/role: surveyor/role: centre/" h/members.yaml &&
	grep -q "role: centre" h/members.yaml &&
	hostile h md05 md05 md05 &&
	refused h.bundle "path not allowed members.yaml"
'

test_expect_success 'forged attribution: a surveyor signing as the centre is refused' '
	rm -rf h && git clone -q md05 h &&
	sed -i "s/^  regular: .*/  regular: 99/" h/$W1 &&
	hostile h md05 tt01 tt01 &&
	refused h.bundle "signed by md05 with key $(fp md05): wrong device"
'

test_expect_success 'an unsigned commit, or one by a key given to another laptop, is refused' '
	rm -rf h && git clone -q md05 h &&
	sed -i "s/^  regular: .*/  regular: 98/" h/$W1 &&
	hostile h - md05 md05 &&
	refused h.bundle "unsigned: not signed" &&
	rm -rf h && git clone -q md05 h &&
	sed -i "s/^  regular: .*/  regular: 97/" h/$W1 &&
	hostile h md06 md05 md05 &&
	refused h.bundle "not a member.s key: signed by a key the survey.s members file does not give to that laptop"
'

test_expect_success 'a newcomer cannot approve itself: its own members file approves nothing' '
	rm -rf h && git clone -q md05 h &&
	ssh-keygen -q -t ed25519 -N "" -C md66 -f selfkey &&
	cat >>h/members.yaml <<-EOF &&
	  - device: md66
	    surveyor: Kẻ lạ
	    role: centre
	    key: $(cut -d" " -f1-2 selfkey.pub)
	EOF
	git -C h add -A &&
	GIT_COMMITTER_NAME=md66 GIT_COMMITTER_EMAIL=md66@x \
	git -C h -c gpg.format=ssh -c user.signingKey="$TRASH/selfkey" \
		commit -q -S -m "hostile change" -m "Device: md66" &&
	git -C h bundle create -q "$TRASH/h.bundle" main &&
	before=$(git -C centre rev-parse main) &&
	(cd centre && khaosat bundle apply "$TRASH/h.bundle" >../out 2>&1) &&
	grep -q "^Not merged: 1 commit of bundle h.bundle waits for the centre to approve laptop md66" out &&
	test "$(git -C centre rev-parse main)" = "$before" &&
	(cd centre && khaosat verify >/dev/null) &&
	(cd centre && khaosat device approve md66 >/dev/null) &&
	(cd centre && test_expect_code 1 khaosat bundle apply "$TRASH/h.bundle" >../out 2>&1) &&
	grep -q "signed by md66 with key .*: path not allowed members.yaml: only the centre may change" out &&
	grep -A3 "device: md66" centre/members.yaml | grep -q "role: surveyor"
'

test_expect_success 'on the stick, a forged bundle is refused and the others still merge' '
	rm -rf h && git clone -q md05 h &&
	sed -i "s/^  regular: .*/  regular: 96/" h/$W1 &&
	hostile h md05 md06 md06 &&
	id=$(sed -n "s/^id: //p" centre/khaosat.yaml) &&
	set_line md05/$W1 "  seasonal:" "  seasonal: 4" &&
	(cd md05 && khaosat commit -m "md05: seasonal" >/dev/null &&
	 khaosat sync ../stick >/dev/null) &&
	cp h.bundle stick/$id/md09.bundle &&
	(cd centre && test_expect_code 1 khaosat sync ../stick >../out 2>&1) &&
	grep -q "md09.bundle: error: not taken: commit [0-9a-f]* \"hostile change\" signed by md05 with key $(fp md05): wrong device" out &&
	test_must_fail git -C centre cat-file -e "$(git -C h rev-parse main)" &&
	grep -q "^  seasonal: 4$" centre/$W1 &&
	! grep -q "regular: 96" centre/$W1 &&
	rm stick/$id/md09.bundle
'

test_expect_success 'a laptop the centre removed: its later commits are refused' '
	(cd centre && khaosat device remove md05 >/dev/null) &&
	sleep 2 &&
	set_line md05/$W1 "  seasonal:" "  seasonal: 8" &&
	(cd md05 && khaosat commit -m "md05: seasonal" >/dev/null) &&
	git -C md05 bundle create -q "$TRASH/m3.bundle" main &&
	before=$(git -C centre rev-parse main) &&
	(cd centre && test_expect_code 1 khaosat bundle apply "$TRASH/m3.bundle" >../out 2>&1) &&
	grep -q "signed by md05 with key $(fp md05): key not valid then: made after the centre removed that laptop from the survey" out &&
	test "$(git -C centre rev-parse main)" = "$before" &&
	(cd centre && khaosat verify >/dev/null)
'

test_expect_success 'through a hub: a new laptop.s work waits, then is taken in' '
	khaosat init --bare hub.git >/dev/null &&
	(cd centre && khaosat remote add hub "$TRASH/hub.git" >/dev/null &&
	 khaosat sync hub >/dev/null) &&
	khaosat clone "$TRASH/hub.git" md07 --device md07 --surveyor "Đỗ Văn Hùng" >out &&
	grep -q "^This laptop (md07) has its own key $(fp md07) and has asked to join" out &&
	set_line md07/$W1 "  regular:" "  regular: 71" &&
	(cd md07 && khaosat commit -m "md07: workers" >/dev/null && khaosat sync >/dev/null) &&
	before=$(git -C centre rev-parse main) &&
	(cd centre && khaosat sync hub >../out) &&
	grep -q "^  md07  *2 saves wait for the centre to approve this laptop (key $(fp md07))" out &&
	test "$(git -C centre rev-parse main)" = "$before" &&
	(cd centre && khaosat device approve md07 >/dev/null && khaosat sync hub >../out) &&
	grep -q "^  md07  *1 changed$" out &&
	grep -q "^  regular: 71$" centre/$W1 &&
	(cd md07 && khaosat sync >/dev/null && khaosat verify >../out) &&
	! grep -q "waiting" out
'

test_expect_success 'through a hub: a forged ref is refused before anything of it is kept' '
	rm -rf h && git clone -q md07 h &&
	sed -i "s/^  regular: .*/  regular: 95/" h/$W1 &&
	hostile h md07 tt01 tt01 &&
	git -C h push -q "$TRASH/hub.git" main:refs/heads/devices/md09 &&
	(cd centre && test_expect_code 1 khaosat sync hub >../out 2>&1) &&
	grep -q "error: not taken: commit [0-9a-f]* \"hostile change\" signed by md07 with key $(fp md07): wrong device" out &&
	test_must_fail git -C centre cat-file -e "$(git -C h rev-parse main)" &&
	! grep -q "regular: 95" centre/$W1
'

test_expect_success 'verify names the introduction, and holds the laptop to it' '
	root=$(git -C centre rev-list --max-parents=0 main) &&
	(cd centre && khaosat verify >../out) &&
	grep -q "^introduction: commit $(echo $root | cut -c1-10), signed by the centre tt01 with key $(fp centre)$" out &&
	(cd md07 && khaosat verify >../out) &&
	grep -q "^introduction: commit $(echo $root | cut -c1-10), signed by the centre tt01 with key $(fp centre)$" out &&
	test "$(git -C md07 config khaosat.introduction)" = "$root $(fp centre)" &&
	rm -rf c2 && cp -R centre c2 &&
	git -C c2 config khaosat.introduction "$(git -C c2 rev-parse main) $(fp md07)" &&
	(cd c2 && test_expect_code 1 khaosat verify >../out 2>&1) &&
	grep -q "^error: this laptop was set up with the survey introduced by commit [0-9a-f]* (key $(fp md07)), but main.s signed history starts at commit $(echo $root | cut -c1-10), key $(fp centre): it was replaced$" out
'

test_expect_success 'a members file nobody signed is no introduction' '
	make_survey nosig md01 &&
	cat >nosig/members.yaml <<-EOF &&
	members:
	  - device: md01
	    surveyor: Người md01
	    role: centre
	    key: $(cut -d" " -f1-2 md07/.git/khaosat/key.pub)
	EOF
	git -C nosig add members.yaml &&
	git -C nosig commit -q -m "Signed mode, unsigned" &&
	(cd nosig && test_expect_code 1 khaosat verify >../out 2>&1) &&
	grep -q "^error: commit [0-9a-f]*, which made the survey signed, is not signed: this survey cannot be trusted$" out &&
	test_expect_code 1 khaosat clone nosig nosig2 --device md09 --surveyor X 2>err &&
	grep -q "which made the survey signed, is not signed" err &&
	test_path_is_missing nosig2
'

test_expect_success 'an unsigned survey moves to signed mode in one command' '
	make_survey open md01 &&
	copy_samples open &&
	mkdir ostick &&
	(cd open && khaosat commit -m Samples >/dev/null && khaosat sync ../ostick >/dev/null) &&
	khaosat clone ostick o2 --device md05 --surveyor "Trần Văn Minh" >/dev/null &&
	test_path_is_missing o2/.git/khaosat/key &&
	(cd open && khaosat device add md01 --role centre --surveyor "Nguyễn Thị Hoa" >/dev/null &&
	 khaosat sync ../ostick >/dev/null) &&
	test -f open/.git/khaosat/key &&
	set_line o2/$W1 "  regular:" "  regular: 31" &&
	(cd o2 && khaosat commit -m "o2: before it knew" >/dev/null &&
	 khaosat sync ../ostick >/dev/null) &&
	test -f o2/.git/khaosat/key &&
	(cd open && khaosat sync ../ostick >../out) &&
	grep -q "^  md05  *[0-9]* saves* waits* for the centre to approve this laptop" out &&
	(cd open && khaosat device approve md05 >/dev/null && khaosat sync ../ostick >/dev/null) &&
	grep -q "^  regular: 31$" open/$W1 &&
	(cd open && khaosat verify >/dev/null)
'

test_expect_success 'a history forked from before signed mode is not taken as it is' '
	pre=$(git -C open log --format=%H -n 1 --diff-filter=A -- members.yaml)~1 &&
	rm -rf h && git clone -q open h &&
	git -C h checkout -q -B old "$pre" &&
	echo "# anything goes" >>h/schema/workshop.yaml &&
	git -C h add -A &&
	GIT_COMMITTER_NAME=md09 git -C h commit -q -m "hostile change" -m "Device: md09" &&
	git -C h bundle create -q "$TRASH/old.bundle" old &&
	before=$(git -C open rev-parse main) &&
	(cd open && khaosat bundle apply "$TRASH/old.bundle" >../out 2>&1) &&
	grep -q "^Not merged: 1 commit of bundle old.bundle waits for the centre to approve laptop md09" out &&
	test "$(git -C open rev-parse main)" = "$before" &&
	! grep -q "anything goes" open/schema/workshop.yaml
'

test_done
