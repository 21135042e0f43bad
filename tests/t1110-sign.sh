#!/bin/sh
# Signed commits: when git's configuration asks for them, every commit
# khaosat makes (init, commit, merge, resolve, sync) carries an SSH signature
# that git verify-commit accepts; signing asked for but impossible refuses
# the commit and changes nothing.
. "$(dirname "$0")/lib.sh"

W1=records/workshop/md01/000/md01-0001.yaml

# Every commit on main of the survey at $1 passes git verify-commit.
all_verified() {
	for c in $(git -C "$1" rev-list main); do
		git -C "$1" verify-commit "$c" 2>/dev/null || {
			echo "not verified: $c $(git -C "$1" log -1 --format=%s "$c")"
			return 1
		}
	done
}

# What a refused commit must leave alone: refs, index and work tree (a
# signature that fails late leaves only unreachable objects behind).
visible_state() {
	git -C "$1" for-each-ref &&
	git -C "$1" ls-files -s &&
	snapshot "$1" | grep -v " \./\.git/"
}

start_agent() {
	eval "$(ssh-agent -s)" >/dev/null &&
	echo "$SSH_AGENT_PID" >agent.pid
}

stop_agent() {
	[ -f agent.pid ] && kill "$(cat agent.pid)" 2>/dev/null
	rm -f agent.pid
}

test_expect_success 'setup: two surveyors with keys, git told to sign with ssh' '
	ssh-keygen -q -t ed25519 -N "" -C hoa -f hoa.key &&
	ssh-keygen -q -t ed25519 -N "" -C minh -f minh.key &&
	{
		echo "hoa@example.vn namespaces=\"git\" $(cat hoa.key.pub)" &&
		echo "minh@example.vn namespaces=\"git\" $(cat minh.key.pub)"
	} >allowed_signers &&
	git config --global gpg.format ssh &&
	git config --global commit.gpgSign true &&
	git config --global user.signingKey "$PWD/hoa.key" &&
	git config --global gpg.ssh.allowedSignersFile "$PWD/allowed_signers"
'

test_expect_success 'init and commit are signed, as git verify-commit sees them' '
	make_survey a md01 "Nguyễn Thị Hoa" &&
	copy_samples a &&
	(cd a && khaosat commit -m "Samples" >/dev/null) &&
	test "$(git -C a rev-list --count main)" = 2 &&
	all_verified a &&
	git -C a log -1 --show-signature >out &&
	grep -q "Good \"git\" signature for hoa@example.vn" out &&
	git -C a fsck --full
'

test_expect_success 'a second laptop signs with its own key; merges and resolutions are signed' '
	git clone -q a b &&
	git -C b config khaosat.device md02 &&
	git -C b config khaosat.surveyor "Trần Văn Minh" &&
	git -C b config khaosat.email minh@example.vn &&
	git -C b config user.signingKey "$PWD/minh.key" &&
	set_line a/$W1 "phone:" "phone: \"0912345678\"" &&
	(cd a && khaosat commit -m "a: phone" >/dev/null) &&
	set_line b/$W1 "phone:" "phone: \"0987654321\"" &&
	(cd b && khaosat commit -m "b: phone" >/dev/null) &&
	git -C b log -1 --show-signature >out &&
	grep -q "Good \"git\" signature for minh@example.vn" out &&
	git -C a fetch -q ../b main:refs/remotes/b/main &&
	(cd a && khaosat merge b/main >/dev/null) &&
	test "$(git -C a rev-list --parents -n 1 HEAD | wc -w)" = 3 &&
	(cd a && khaosat resolve md01-0001 /phone --take 1 >/dev/null) &&
	all_verified a
'

test_expect_success 'sync through a stick: the merges each laptop makes are signed' '
	mkdir stick &&
	(cd a && khaosat sync ../stick >/dev/null) &&
	set_line b/$W1 "  regular:" "  regular: 55" &&
	(cd b && khaosat commit -m "b: workers" >/dev/null) &&
	(cd b && khaosat sync ../stick >/dev/null) &&
	(cd a && khaosat sync ../stick >/dev/null) &&
	all_verified a && all_verified b &&
	test "$(tree a)" = "$(tree b)" &&
	git -C b log -1 --format=%H >b_tip &&
	git -C b verify-commit "$(cat b_tip)" 2>out &&
	grep -q "minh@example.vn" out
'

test_expect_success 'the survey carries allowed_signers; sync takes it to every laptop' '
	cp allowed_signers a/allowed_signers &&
	(cd a && khaosat status >../out) &&
	grep -q "new *allowed_signers" out &&
	(cd a && khaosat commit -m "Who may sign" >/dev/null && khaosat sync ../stick >/dev/null) &&
	(cd b && khaosat sync ../stick >../out) &&
	grep -q "^  md01  *1 survey file changed (schema, khaosat.yaml, members.yaml or allowed_signers)$" out &&
	test_cmp allowed_signers b/allowed_signers &&
	for c in $(git -C b rev-list main); do
		git -C b -c gpg.ssh.allowedSignersFile=allowed_signers verify-commit "$c" 2>/dev/null || return 1
	done
'

test_expect_success 'a key held by ssh-agent, named by key:: as git allows' '
	start_agent &&
	test_when_finished stop_agent &&
	cp minh.key agent.key && chmod 600 agent.key &&
	SSH_ASKPASS= ssh-add -q agent.key 2>/dev/null &&
	rm agent.key &&
	git -C b config user.signingKey "key::$(cat minh.key.pub)" &&
	set_line b/$W1 "  seasonal:" "  seasonal: 3" &&
	(cd b && khaosat commit -m "b: seasonal, agent key" >/dev/null) &&
	git -C b verify-commit HEAD &&
	test_path_is_missing b/.git/khaosat/signing-key-* &&
	git -C b config user.signingKey "$PWD/minh.key"
'

test_expect_success 'a key named from the home folder (~/), as git reads it' '
	git -C b config user.signingKey "~/minh.key" &&
	set_line b/$W1 "  seasonal:" "  seasonal: 5" &&
	(cd b && khaosat commit -m "b: seasonal, key in ~" >/dev/null) &&
	git -C b verify-commit HEAD &&
	git -C b config user.signingKey "$PWD/minh.key"
'

test_expect_success 'signing asked for in another format: refused, nothing changed' '
	set_line a/$W1 "  seasonal:" "  seasonal: 4" &&
	state a >before &&
	git -C a config gpg.format openpgp &&
	(cd a && test_expect_code 3 khaosat commit -m "no" 2>../err) &&
	git -C a config --unset gpg.format &&
	grep -q "gpg.format is \"openpgp\": khaosat signs with SSH keys only" err &&
	state a >after &&
	test_cmp before after
'

test_expect_success 'a missing or broken key: refused with the key named, nothing changed' '
	git -C a config user.signingKey "$PWD/nosuch.key" &&
	(cd a && test_expect_code 3 khaosat commit -m "no" 2>../err) &&
	grep -q "cannot read the signing key $PWD/nosuch.key" err &&
	state a >after &&
	test_cmp before after &&
	echo "not a key" >broken.key && chmod 600 broken.key &&
	git -C a config user.signingKey "$PWD/broken.key" &&
	visible_state a >before_late &&
	(cd a && test_expect_code 3 khaosat commit -m "no" </dev/null 2>../err) &&
	grep -q "could not sign with $PWD/broken.key" err &&
	visible_state a >after_late &&
	test_cmp before_late after_late &&
	git -C a config user.signingKey "$PWD/hoa.key" &&
	git -C a config gpg.ssh.program "$PWD/no-such-keygen" &&
	(cd a && test_expect_code 3 khaosat commit -m "no" 2>../err) &&
	grep -q "cannot run $PWD/no-such-keygen to sign the commit: No such file or directory" err &&
	git -C a config --unset gpg.ssh.program &&
	visible_state a >after_late &&
	test_cmp before_late after_late &&
	state a >before &&
	git -C a config user.signingKey "" &&
	(cd a && test_expect_code 3 khaosat commit -m "no" 2>../err) &&
	grep -q "user.signingKey names no key" err &&
	state a >after &&
	test_cmp before after &&
	git -C a config --unset user.signingKey
'

test_expect_success 'a merge that cannot be signed is refused before it starts' '
	set_line b/$W1 "  insured:" "  insured: 7" &&
	(cd b && khaosat commit -m "b: insured" >/dev/null) &&
	git -C a checkout -q -- $W1 &&
	git -C a fetch -q ../b main:refs/remotes/b/main &&
	set_line a/$W1 "main_trade:" "main_trade: Đúc gang xám" &&
	(cd a && khaosat commit -m "a: trade" >/dev/null) &&
	state a >before &&
	git -C a config gpg.format x509 &&
	(cd a && test_expect_code 3 khaosat merge b/main 2>../err) &&
	grep -q "khaosat signs with SSH keys only" err &&
	state a >after &&
	test_cmp before after &&
	git -C a config --unset gpg.format &&
	(cd a && khaosat merge b/main >/dev/null) &&
	all_verified a
'

test_expect_success 'with signing off, commits are plain again' '
	git -C a config commit.gpgSign false &&
	set_line a/$W1 "  seasonal:" "  seasonal: 9" &&
	(cd a && khaosat commit -m "unsigned" >/dev/null) &&
	test_must_fail git -C a verify-commit HEAD 2>/dev/null &&
	git -C a cat-file commit HEAD >c &&
	! grep -q "^gpgsig" c
'

test_done
