#!/bin/sh
# khaosat verify: a survey whose commits are all signed (with plain git and
# keys made here by ssh-keygen) passes; each kind of tampering is found,
# named with the commit or the object, and exits 1; history that only grew
# is told apart from history that was rewritten.  git verify-commit and git
# fsck are the independent witnesses.
. "$(dirname "$0")/lib.sh"

W1=records/workshop/md01/000/md01-0001.yaml
W2=records/workshop/md01/000/md01-0002.yaml

if ! command -v ssh-keygen >/dev/null 2>&1; then
	test_skip "ssh-keygen is not installed (openssh-client)"
	test_done
fi

# sign_commit DIR KEY NAME EMAIL DEVICE MESSAGE: commits what is staged in
# DIR with plain git, signed in git's SSH format with KEY.
sign_commit() {
	GIT_AUTHOR_NAME="$3" GIT_AUTHOR_EMAIL="$4" \
	GIT_COMMITTER_NAME="$5" GIT_COMMITTER_EMAIL="$4" \
	git -C "$1" -c gpg.format=ssh -c user.signingKey="$TRASH/keys/$2" \
		commit -q -S -m "$6" -m "Device: $5"
}

# signed_change DIR KEY NAME EMAIL DEVICE WORKERS MESSAGE: DIR is a copy of
# s with one more commit, signed with KEY, that sets md01-0001's workers.
signed_change() {
	cp -R s "$1" &&
	set_line "$1/$W1" "  regular:" "  regular: $6" &&
	git -C "$1" add -A records &&
	sign_commit "$1" "$2" "$3" "$4" "$5" "$7"
}

# The git CLI's own check of one commit against the survey's signers.
git_verify() {
	git -C "$1" -c gpg.ssh.allowedSignersFile="$TRASH/$1/allowed_signers" \
		verify-commit "$2"
}

# What verify prints about a commit: 'commit <short id> "<summary>"'.
commit_ref() {
	printf 'commit %s "%s"' "$(git -C "$1" rev-parse --short=10 "$2")" \
		"$(git -C "$1" log -1 --format=%s "$2")"
}

# replace_main DIR: main moves to the commit object on standard input.
replace_main() {
	new=$(git -C "$1" hash-object -t commit -w --stdin) &&
	git -C "$1" update-ref refs/heads/main "$new"
}

# The number of objects reachable from main, as git counts them.
git_objects() {
	git -C "$1" rev-list --objects main | wc -l | tr -d " "
}

fingerprint() {
	ssh-keygen -l -f "keys/$1.pub" | cut -d" " -f2
}

test_expect_success 'setup: keys, allowed_signers and a survey of signed commits' '
	mkdir keys &&
	for k in hoa tam cu stranger; do
		ssh-keygen -q -t ed25519 -N "" -C "$k" -f keys/$k || return 1
	done &&
	make_survey s &&
	{
		echo "# surveyors of the Mỹ Đồng survey, managed by the centre" &&
		echo "hoa@example.vn namespaces=\"git\" $(cut -d" " -f1,2 keys/hoa.pub) md01" &&
		echo "tam@example.vn namespaces=\"git\" $(cut -d" " -f1,2 keys/tam.pub)" &&
		echo "cu@example.vn namespaces=\"git\",valid-before=\"20200101Z\" $(cut -d" " -f1,2 keys/cu.pub)"
	} >s/allowed_signers &&
	GIT_COMMITTER_NAME=md01 GIT_COMMITTER_EMAIL=hoa@example.vn \
	git -C s -c gpg.format=ssh -c user.signingKey="$TRASH/keys/hoa" \
		commit -q --amend -S --no-edit &&
	copy_samples s &&
	(cd s && khaosat check >/dev/null 2>&1) &&
	git -C s add -A records allowed_signers &&
	sign_commit s hoa "Nguyễn Thị Hoa" hoa@example.vn md01 "Mẫu khảo sát Mỹ Đồng" &&
	set_line s/$W2 "  regular:" "  regular: 40" &&
	git -C s add -A records &&
	sign_commit s tam "Lê Văn Tâm" tam@example.vn md02 "Workers of md01-0002" &&
	test "$(git -C s rev-list --count main)" = 3
'

test_expect_success 'git verify-commit accepts every commit (the witness)' '
	for c in main~2 main~1 main; do
		git_verify s $c 2>err || { cat err; return 1; }
	done
'

test_expect_success 'a survey signed throughout verifies: exit 0, counts' '
	(cd s && khaosat verify >../out 2>../err) &&
	test_must_be_empty err &&
	cat >expect <<-EOF &&
	objects: $(git_objects s) checked, 0 bad
	commits on main: 3, 3 signed by allowed keys, 0 unsigned
	records: 42 valid, 0 invalid
	conflicts: 0 open
	history: no earlier verify to compare with; main is at $(git -C s rev-parse --short=10 main) (3 commits)
	verify: no problems found
	EOF
	test_cmp expect out &&
	test_path_is_file s/.git/khaosat/verify-state
'

test_expect_success 'run again: unchanged, and --require-signatures passes too' '
	(cd s && khaosat verify --require-signatures >../out) &&
	grep "^history:" out >actual &&
	echo "history: unchanged since the last verify, at $(git -C s rev-parse --short=10 main) (3 commits)" >expect &&
	test_cmp expect actual &&
	tail -n 1 out >actual &&
	echo "verify: no problems found" >expect &&
	test_cmp expect actual
'

test_expect_success 'a new signed commit: history grew' '
	old=$(git -C s rev-parse --short=10 main) &&
	set_line s/$W1 "  regular:" "  regular: 90" &&
	git -C s add -A records &&
	sign_commit s hoa "Nguyễn Thị Hoa" hoa@example.vn md01 "Workers of md01-0001" &&
	(cd s && khaosat verify >../out) &&
	grep "^history:" out >actual &&
	echo "history: grew from $old (3 commits) to $(git -C s rev-parse --short=10 main) (4 commits)" >expect &&
	test_cmp expect actual &&
	(cd s && khaosat verify >../out) &&
	grep -q "^history: unchanged since the last verify" out
'

test_expect_success 'verify changes nothing but its state and caches' '
	{ git -C s for-each-ref && snapshot s | grep -v " \./\.git/khaosat/"; } >before &&
	(cd s && khaosat verify >/dev/null) &&
	{ git -C s for-each-ref && snapshot s | grep -v " \./\.git/khaosat/"; } >after &&
	test_cmp before after &&
	git -C s status --porcelain >status &&
	test_must_be_empty status
'

test_expect_success '--json: the same report as data' '
	(cd s && khaosat verify --json >../out) &&
	python3 - "$(git_objects s)" "$(git -C s rev-parse main)" \
		"$(git -C s rev-parse main:allowed_signers)" <<-\EOF
	import json, sys
	r = json.load(open("out"))
	assert r["objects"] == {"checked": int(sys.argv[1]), "bad": 0, "problems": []}, r["objects"]
	c = r["commits"]
	assert (c["main"], c["good"], c["unsigned"], c["allowed_signers"]) == (4, 4, 0, sys.argv[3]), c
	assert c["findings"] == [], c
	assert (r["records"]["checked"], r["records"]["valid"], r["records"]["invalid"]) == (42, 42, 0), r["records"]
	assert r["conflicts"]["open"] == 0
	h = r["history"]
	assert (h["state"], h["tip"], h["commits"], h["saved"]) == ("unchanged", sys.argv[2], 4, True), h
	assert r["problems"] == 0
	EOF
'

test_expect_success 'tamper: a blob changed in the object store' '
	cp -R s t-blob &&
	blob=$(git -C t-blob rev-parse main:$W1) &&
	obj=t-blob/.git/objects/$(echo $blob | cut -c1-2)/$(echo $blob | cut -c3-) &&
	test_path_is_file $obj &&
	git init -q scratch &&
	other=$(sed "s/^  regular: 90$/  regular: 9/" s/$W1 | git -C scratch hash-object -w --stdin) &&
	chmod u+w $obj &&
	cp scratch/.git/objects/$(echo $other | cut -c1-2)/$(echo $other | cut -c3-) $obj &&
	test_must_fail git -C t-blob fsck --full 2>/dev/null &&
	(cd t-blob && test_expect_code 1 khaosat verify >../out) &&
	grep "^objects:" out >actual &&
	echo "objects: $(git_objects s) checked, 1 bad" >expect &&
	test_cmp expect actual &&
	echo "error: blob $W1 in $(commit_ref t-blob main): object $blob is damaged: its content does not hash to its id" >expect &&
	grep "^error:" out >actual &&
	test_cmp expect actual &&
	tail -n 1 out >actual &&
	echo "verify: 1 problem found" >expect &&
	test_cmp expect actual
'

test_expect_success 'tamper: an object missing from the store' '
	cp -R s t-missing &&
	tree=$(git -C t-missing rev-parse main:records/brand) &&
	rm -f t-missing/.git/objects/$(echo $tree | cut -c1-2)/$(echo $tree | cut -c3-) &&
	(cd t-missing && test_expect_code 1 khaosat verify >../out) &&
	grep -q "^error: tree records/brand in $(commit_ref t-missing main): object $tree is missing from the object store$" out
'

test_expect_success 'tamper: a byte of a packed blob changed' '
	cp -R s t-pack &&
	git -C t-pack gc -q &&
	test -z "$(find t-pack/.git/objects -path "*/objects/??/*" -type f)" &&
	blob=$(git -C t-pack rev-parse main:records/brand/md01/000/md01-0021.yaml) &&
	idx=$(ls t-pack/.git/objects/pack/*.idx) &&
	git verify-pack -v "$idx" >objs &&
	line=$(grep "^$blob blob" objs) &&
	offset=$(echo "$line" | awk "{ print \$5 }") &&
	insize=$(echo "$line" | awk "{ print \$4 }") &&
	pack=${idx%.idx}.pack &&
	chmod u+w "$pack" &&
	python3 - "$pack" "$offset" "$insize" <<-\EOF &&
	import sys
	path, off, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
	with open(path, "r+b") as f:
	    f.seek(off + n // 2)
	    b = f.read(1)
	    f.seek(off + n // 2)
	    f.write(bytes([b[0] ^ 0x55]))
	EOF
	(cd t-pack && test_expect_code 1 khaosat verify >../out) &&
	grep -q "^error: blob records/brand/md01/000/md01-0021.yaml in commit .*: object $blob is damaged: it cannot be read (.*)$" out
'

test_expect_success 'tamper: a commit rewritten with a forged author, main moved to it' '
	cp -R s t-forged &&
	old=$(git -C t-forged rev-parse --short=10 main) &&
	git -C t-forged cat-file commit main >c &&
	sed -e "/^gpgsig /,/^ -----END SSH SIGNATURE-----/d" \
	    -e "s/^author Nguyễn Thị Hoa <hoa@example.vn>/author Lê Văn Tâm <tam@example.vn>/" c |
		replace_main t-forged &&
	test "$(git -C t-forged log -1 --format=%ae main)" = tam@example.vn &&
	(cd t-forged && test_expect_code 1 khaosat verify >../out) &&
	new=$(git -C t-forged rev-parse --short=10 main) &&
	grep "^history:" out >actual &&
	echo "history: REWRITTEN: main no longer contains $old (4 commits); it is now at $new (4 commits)" >expect &&
	test_cmp expect actual &&
	grep -q "^error: history rewritten: main no longer contains $old, which the verify of .* saw with 4 commits; main is now at $new; once explained, " out &&
	grep -q "^warning: $(commit_ref t-forged main) (Lê Văn Tâm <tam@example.vn>, device md01, .*): not signed$" out
'

test_expect_success 'a rewrite keeps being reported until it is accepted' '
	(cd t-forged && test_expect_code 1 khaosat verify >../out) &&
	grep -q "^history: REWRITTEN" out &&
	(cd t-forged && khaosat verify --accept-rewrite >../out) &&
	grep -q "^history: REWRITTEN: .*, accepted as the new starting point$" out &&
	grep -q "^warning: history rewritten: .*; accepted: later verifies compare with it$" out &&
	(cd t-forged && khaosat verify >../out) &&
	grep -q "^history: unchanged since the last verify, at $(git -C t-forged rev-parse --short=10 main) (4 commits)$" out
'

test_expect_success 'tamper: a signature stripped' '
	cp -R s t-strip &&
	git -C t-strip cat-file commit main >c &&
	grep -q "^gpgsig -----BEGIN SSH SIGNATURE-----" c &&
	sed "/^gpgsig /,/^ -----END SSH SIGNATURE-----/d" c | replace_main t-strip &&
	test_must_fail git_verify t-strip main 2>/dev/null &&
	(cd t-strip && test_expect_code 1 khaosat verify >../out) &&
	grep -q "^history: REWRITTEN" out &&
	grep -q "^commits on main: 4, 3 signed by allowed keys, 1 unsigned$" out &&
	rm t-strip/.git/khaosat/verify-state &&
	(cd t-strip && khaosat verify >../out) &&
	grep -q "^warning: $(commit_ref t-strip main) (Nguyễn Thị Hoa <hoa@example.vn>, device md01, .*): not signed$" out &&
	(cd t-strip && test_expect_code 1 khaosat verify --require-signatures >../out) &&
	grep -q "^error: $(commit_ref t-strip main) (Nguyễn Thị Hoa <hoa@example.vn>, device md01, .*): not signed$" out &&
	tail -n 1 out >actual &&
	echo "verify: 1 problem found" >expect &&
	test_cmp expect actual
'

test_expect_success 'tamper: a commit signed by a key not in allowed_signers' '
	signed_change t-stranger stranger "Nguyễn Thị Hoa" hoa@example.vn md01 91 "Workers again" &&
	test_must_fail git_verify t-stranger main 2>/dev/null &&
	(cd t-stranger && test_expect_code 1 khaosat verify --require-signatures >../out) &&
	grep -q "^commits on main: 5, 4 signed by allowed keys, 0 unsigned, 1 signed by unknown keys$" out &&
	grep -q "^error: $(commit_ref t-stranger main) (Nguyễn Thị Hoa <hoa@example.vn>, device md01, .*): signed by key $(fingerprint stranger), which is not in allowed_signers$" out &&
	(cd t-stranger && khaosat verify >../out) &&
	grep -q "^warning: $(commit_ref t-stranger main) .*: signed by key $(fingerprint stranger), which is not in allowed_signers$" out
'

test_expect_success 'tamper: a commit signed by the key of another surveyor' '
	signed_change t-other tam "Nguyễn Thị Hoa" hoa@example.vn md01 92 "Workers, as Hoa" &&
	git_verify t-other main 2>err &&
	grep -q "Good \"git\" signature for tam@example.vn" err &&
	(cd t-other && test_expect_code 1 khaosat verify >../out) &&
	grep -q "^commits on main: 5, 4 signed by allowed keys, 0 unsigned, 1 signed by another surveyor.s key$" out &&
	grep -q "^error: $(commit_ref t-other main) (Nguyễn Thị Hoa <hoa@example.vn>, device md01, .*): signed by key $(fingerprint tam), which allowed_signers gives to tam@example.vn, not to hoa@example.vn$" out &&
	(cd t-other && test_expect_code 1 khaosat verify --json >../out) &&
	python3 - "$(git -C t-other rev-parse main)" "$(fingerprint tam)" <<-\EOF
	import json, sys
	r = json.load(open("out"))
	f = r["commits"]["findings"]
	assert len(f) == 1, f
	want = {"commit": sys.argv[1], "summary": "Workers, as Hoa", "email": "hoa@example.vn",
	        "device": "md01", "signature": "other-signer", "severity": "error",
	        "key": sys.argv[2], "signer": "tam@example.vn"}
	assert {k: f[0][k] for k in want} == want, f[0]
	assert r["commits"]["other-signer"] == 1 and r["problems"] == 1, r
	EOF
'

test_expect_success 'tamper: a signed commit changed after signing' '
	cp -R s t-bad &&
	git -C t-bad cat-file commit main >c &&
	sed "s/^Workers of md01-0001$/Workers of md01-0003/" c | replace_main t-bad &&
	test_must_fail git_verify t-bad main 2>/dev/null &&
	rm t-bad/.git/khaosat/verify-state &&
	(cd t-bad && test_expect_code 1 khaosat verify >../out) &&
	grep -q "^error: $(commit_ref t-bad main) .*: the signature does not match the commit: changed after signing, or a damaged signature$" out
'

test_expect_success 'a key signing outside its valid-before is refused' '
	signed_change t-old cu "Phạm Văn Cư" cu@example.vn md03 93 "Workers by Cư" &&
	(cd t-old && test_expect_code 1 khaosat verify >../out) &&
	grep -q "^error: $(commit_ref t-old main) (Phạm Văn Cư <cu@example.vn>, device md03, .*): signed by key $(fingerprint cu) of cu@example.vn, which allowed_signers does not allow for this commit" out
'

test_expect_success 'keys are judged at the commit'"'"'s time, not today'"'"'s' '
	(
		GIT_COMMITTER_DATE="2019-06-01T08:00:00Z" &&
		export GIT_COMMITTER_DATE &&
		signed_change t-then cu "Phạm Văn Cư" cu@example.vn md03 94 "Workers by Cư, 2019"
	) &&
	(cd t-then && khaosat verify >../out) &&
	grep -q "^commits on main: 5, 5 signed by allowed keys, 0 unsigned$" out
'

test_expect_success 'signature results are cached; --no-cache checks again alike' '
	cp -R t-other t-cache &&
	(cd t-cache && test_expect_code 1 khaosat verify >../first) &&
	test_path_is_file t-cache/.git/khaosat/verify-signatures &&
	grep -q "^$(git -C t-cache rev-parse main) other-signer " t-cache/.git/khaosat/verify-signatures &&
	(cd t-cache && test_expect_code 1 khaosat verify --no-cache >../second) &&
	test_cmp first second
'

test_expect_success 'an invalid record at HEAD is located' '
	signed_change t-invalid hoa "Nguyễn Thị Hoa" hoa@example.vn md01 -3 "Negative workers" &&
	(cd t-invalid && test_expect_code 1 khaosat check 2>../check-err >/dev/null) &&
	(cd t-invalid && test_expect_code 1 khaosat verify >../out) &&
	grep -q "^records: 41 valid, 1 invalid$" out &&
	grep "^$W1:" check-err >expect &&
	test -s expect &&
	grep "^$W1:" out >actual &&
	test_cmp expect actual
'

test_expect_success 'uncommitted changes are not verified: records as committed' '
	cp -R t-invalid t-dirty &&
	set_line t-dirty/$W1 "  regular:" "  regular: 3" &&
	(cd t-dirty && test_expect_code 1 khaosat verify >../out) &&
	grep -q "^records: 41 valid, 1 invalid$" out &&
	grep -q "^note: 1 uncommitted change in the work tree is not verified" out
'

test_expect_success 'a survey without allowed_signers: said once, unsigned listed on request' '
	make_survey plain &&
	copy_samples plain &&
	(cd plain && khaosat commit -m "Samples" >/dev/null) &&
	(cd plain && khaosat verify >../out) &&
	grep -q "^commits on main: 2, 0 signed by allowed keys, 2 unsigned$" out &&
	grep -q "^note: no allowed_signers in the survey: signatures are not checked$" out &&
	test "$(grep -c "^warning:\|^error:" out)" = 0 &&
	(cd plain && test_expect_code 1 khaosat verify --require-signatures >../out) &&
	test "$(grep -c "^error: commit .*: not signed$" out)" = 2
'

test_expect_success 'open conflicts are counted and listed' '
	git clone -q plain other &&
	git -C other config khaosat.device md02 &&
	git -C other config khaosat.surveyor "Lê Văn Tâm" &&
	set_line plain/$W1 "phone:" "phone: \"0987654321\"" &&
	(cd plain && khaosat commit -m "phone a" >/dev/null) &&
	set_line other/$W1 "phone:" "phone: \"0911111111\"" &&
	(cd other && khaosat commit -m "phone b" >/dev/null) &&
	git -C plain fetch -q ../other main:refs/remotes/other/main &&
	(cd plain && khaosat merge other/main >/dev/null) &&
	test_path_is_file plain/conflicts/$W1 &&
	(cd plain && test_expect_code 1 khaosat verify >../out) &&
	grep -q "^conflicts: 1 open$" out &&
	grep -q "^$W1:[0-9]*:[0-9]*: error: open conflict in /phone between " out
'

test_expect_success 'conflicts are judged as committed: removing conflicts/ hides none' '
	cp -R plain t-noconf &&
	rm -rf t-noconf/conflicts &&
	(cd t-noconf && test_expect_code 1 khaosat verify >../out) &&
	grep -q "^conflicts: 1 open$" out &&
	grep -q "open conflict in /phone between " out
'

test_expect_success 'a replace ref (plain git shows a forged author) is a problem' '
	cp -R plain t-replace &&
	c=$(git -C t-replace rev-parse main~1) &&
	git -C t-replace cat-file commit $c |
		sed "s/^author [^<]*</author Kẻ Giả Mạo </" >forged &&
	f=$(git -C t-replace hash-object -t commit -w --stdin <forged) &&
	git -C t-replace replace $c $f &&
	git -C t-replace log --format=%an | grep -q "Kẻ Giả Mạo" &&
	(cd t-replace && test_expect_code 1 khaosat verify >../out) &&
	grep -q "^refs/replace/$c: error: plain git shows object $(echo $c | cut -c1-10) with the content of $(echo $f | cut -c1-10)" out &&
	grep -q "git replace -d" out
'

test_expect_success 'a grafts file and a shallow file are problems' '
	cp -R plain t-grafts &&
	git -C t-grafts rev-parse main >t-grafts/.git/info/grafts &&
	(cd t-grafts && test_expect_code 1 khaosat verify >../out) &&
	grep -q "^info/grafts: error: plain git gives commits other parents" out &&
	cp -R plain t-shallow &&
	git -C t-shallow rev-parse main~1 >t-shallow/.git/shallow &&
	(cd t-shallow && test_expect_code 1 khaosat verify >../out) &&
	grep -q "^shallow: error: plain git takes history to stop early" out
'

test_expect_success 'the devices refs are read too' '
	cp -R s t-dev &&
	git -C t-dev commit-tree -m side "main^{tree}" >side &&
	git -C t-dev update-ref refs/heads/devices/md09 "$(cat side)" &&
	(cd t-dev && khaosat verify >../out) &&
	grep "^objects:" out >actual &&
	echo "objects: $(($(git_objects s) + 1)) checked, 0 bad" >expect &&
	test_cmp expect actual
'

test_expect_success 'a line of allowed_signers that is not a signer is a located warning' '
	cp -R s t-lines &&
	echo "tam@example.vn not-a-key" >>t-lines/allowed_signers &&
	git -C t-lines add allowed_signers &&
	sign_commit t-lines hoa "Nguyễn Thị Hoa" hoa@example.vn md01 "One more signer" &&
	(cd t-lines && khaosat verify >../out) &&
	grep -q "^commits on main: 5, 5 signed by allowed keys, 0 unsigned$" out &&
	grep -q "^allowed_signers:5:1: warning: not an allowed signer: want .principals \[options\] keytype key.$" out
'

test_expect_success 'ssh-keygen that cannot be run (gpg.ssh.program): exit 4, said why' '
	cp -R s t-prog &&
	git -C t-prog config gpg.ssh.program "$TRASH/no-such-program" &&
	(cd t-prog && test_expect_code 4 khaosat verify --no-cache >../out 2>../err) &&
	test_must_be_empty out &&
	grep -q "^error: cannot run $TRASH/no-such-program to check signatures: No such file or directory$" err
'

test_expect_success 'usage: verify takes no arguments' '
	(cd s && test_expect_code 2 khaosat verify extra 2>../err) &&
	grep -q "^error: verify takes no arguments$" err
'

test_done
