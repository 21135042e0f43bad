#!/bin/sh
# LAN sync through a hub: khaosat init --bare, remote add|list|remove,
# sync NAME|URL and clone URL, over a path (a shared folder), file:// and
# git:// (git daemon, started here).  Each device pushes only its own ref;
# a hub holding a hostile commit and an unreachable hub change nothing.
. "$(dirname "$0")/lib.sh"

W1=records/workshop/md01/000/md01-0001.yaml
W2=records/workshop/md01/000/md01-0002.yaml

edit() {
	set_line "$1/$2" "$3" "$4" &&
	(cd "$1" && khaosat commit -m "$5" >/dev/null)
}

test_expect_success 'init --bare makes a hub that refuses rewinding' '
	khaosat init --bare hub.git >out &&
	grep -q "^Created a hub in hub.git\." out &&
	test "$(git -C hub.git rev-parse --is-bare-repository)" = true &&
	test "$(git -C hub.git config receive.denyNonFastForwards)" = true &&
	test "$(git -C hub.git config receive.denyDeletes)" = true &&
	test_expect_code 3 khaosat init --bare hub.git 2>err &&
	grep -q "already a git repository" err &&
	test_expect_code 2 khaosat init --bare x.git --device d1 2>err
'

test_expect_success 'remote add, list and remove; the first is the default' '
	make_survey centre centre "Lê Văn Tâm" &&
	copy_samples centre &&
	(cd centre && khaosat commit -m "Samples" >/dev/null) &&
	(cd centre && khaosat remote add hub ../hub.git >out) &&
	grep -q "^Added remote hub: ../hub.git$" centre/out &&
	(cd centre && khaosat remote add spare file:///nowhere.git >/dev/null) &&
	(cd centre && khaosat remote list >list) &&
	printf "hub\t%s\t(default)\nspare\tfile:///nowhere.git\n" "$PWD/hub.git" >expect &&
	test_cmp expect centre/list &&
	(cd centre && test_expect_code 3 khaosat remote add hub x 2>err) &&
	(cd centre && khaosat remote remove spare >/dev/null) &&
	(cd centre && test_expect_code 1 khaosat remote remove spare 2>err) &&
	grep -q "no remote \"spare\"" centre/err &&
	(cd centre && test_expect_code 2 khaosat remote frob 2>err)
'

test_expect_success 'the first sync pushes main as the device ref' '
	(cd centre && khaosat sync >out) &&
	grep -q "^Sent this laptop.s survey history to hub\.$" centre/out &&
	test "$(git -C hub.git rev-parse refs/heads/devices/centre)" = "$(git -C centre rev-parse main)" &&
	test "$(git -C centre rev-parse refs/khaosat/remotes/hub/centre)" = "$(git -C centre rev-parse main)" &&
	(cd centre && khaosat sync >out) &&
	grep -q "^hub already has everything of this laptop\.$" centre/out
'

test_expect_success 'clone from the hub by path and by file:// URL' '
	khaosat clone hub.git lap1 --device lap1 --surveyor "Nguyễn Thị Hoa" >out &&
	grep -q "syncs with the remote centre" out &&
	khaosat clone "file://$PWD/hub.git" lap2 --device lap2 --surveyor "Trần Văn Minh" >/dev/null &&
	test "$(tree lap1)" = "$(tree centre)" &&
	test "$(tree lap2)" = "$(tree centre)" &&
	test "$(git -C lap1 config khaosat.remote)" = centre &&
	test "$(git -C lap1 remote get-url centre)" = "$PWD/hub.git" &&
	test_expect_code 3 khaosat clone hub.git x1 --device centre --surveyor A 2>err &&
	grep -q "device id \"centre\" is already used on this hub" err &&
	test_path_is_missing x1
'

test_expect_success 'changes travel through the hub; a conflict is recorded and settled' '
	edit lap1 $W1 "phone:" "phone: \"02253111222\"" "lap1: phone" &&
	edit lap2 $W1 "phone:" "phone: \"02253111333\"" "lap2: phone" &&
	edit lap2 $W2 "phone:" "phone: \"02253444555\"" "lap2: W2" &&
	(cd lap1 && khaosat sync >/dev/null) &&
	(cd lap2 && khaosat sync >out) &&
	grep -q "^  lap1 .*1 conflict kept for review$" lap2/out &&
	(cd lap2 && test_expect_code 1 khaosat conflicts >c) &&
	n=$(sed -n "s/^  \([0-9]*\)) 02253111222$/\1/p" lap2/c) &&
	(cd lap2 && khaosat resolve md01-0001 /phone --take $n >/dev/null && khaosat sync >/dev/null) &&
	for l in lap1 centre lap1 lap2; do
		(cd $l && khaosat sync >/dev/null) || return 1
	done &&
	test "$(tree centre)" = "$(tree lap1)" &&
	test "$(tree centre)" = "$(tree lap2)" &&
	grep -q "^phone: \"02253111222\"$" centre/$W1 &&
	grep -q "^phone: \"02253444555\"$" lap1/$W2 &&
	(cd lap1 && khaosat conflicts >/dev/null) &&
	{ git -C hub.git fsck --full --no-dangling 2>&1 | grep -v "^notice" >fsck || :; } &&
	test_must_be_empty fsck
'

test_expect_success 'the hub holds one ref per device, each moving only forward' '
	git -C hub.git for-each-ref --format="%(refname)" >refs &&
	printf "refs/heads/devices/centre\nrefs/heads/devices/lap1\nrefs/heads/devices/lap2\n" >expect &&
	test_cmp expect refs &&
	git -C hub.git reflog show --format=%H refs/heads/devices/lap1 >moves &&
	prev= &&
	for c in $(tac moves); do
		if [ -n "$prev" ]; then git -C hub.git merge-base --is-ancestor $prev $c || return 1; fi
		prev=$c
	done
'

test_expect_success 'sync refuses uncommitted changes and touches nothing' '
	echo "# draft" >>lap1/$W2 &&
	git -C hub.git for-each-ref >hub.before &&
	test_expect_code 1 khaosat -C lap1 sync 2>err &&
	grep -q "uncommitted changes" err &&
	git -C hub.git for-each-ref >hub.after &&
	test_cmp hub.before hub.after &&
	git -C lap1 checkout -q -- $W2
'

test_expect_success 'an unreachable hub: a clear error, nothing changed' '
	state lap1 >before &&
	test_expect_code 4 khaosat -C lap1 sync file:///nonexistent/hub.git 2>err &&
	grep -q "cannot fetch from the hub" err &&
	grep -q "nothing was changed" err &&
	state lap1 >after &&
	test_cmp before after &&
	! ls lap1/.git/khaosat/fetch-* 2>/dev/null
'

test_expect_success 'a hub holding a hostile commit: refused by its reason, the rest applies' '
	git clone -q --bare hub.git evil.git &&
	git clone -q hub.git ev -b devices/centre &&
	link=$(printf "/etc/passwd" | git -C ev hash-object -w --stdin) &&
	rec=$({ git -C ev ls-tree HEAD:records &&
		printf "120000 blob %s\tevil.yaml\n" $link; } | git -C ev mktree) &&
	root=$({ git -C ev ls-tree HEAD | grep -v "	records\$" &&
		printf "040000 tree %s\trecords\n" $rec; } | git -C ev mktree) &&
	c=$(git -C ev commit-tree -p HEAD -m evil $root) &&
	git -C ev push -q ../evil.git $c:refs/heads/devices/evil1 &&
	edit lap2 $W2 "phone:" "phone: \"02253666777\"" "lap2: again" &&
	(cd lap2 && khaosat sync >/dev/null) &&
	git -C hub.git push -q ../evil.git refs/heads/devices/lap2:refs/heads/devices/lap2 &&
	state lap1 >before &&
	test_expect_code 1 khaosat -C lap1 sync "$PWD/evil.git" >out 2>err &&
	grep -q "(evil1): error: unsafe tree in commit [0-9a-f]*: records/evil.yaml: a symbolic link is not allowed" err &&
	grep -q "^  evil1 *refused" out &&
	grep -q "^  lap2 *1 changed$" out &&
	test_path_is_missing lap1/records/evil.yaml &&
	git -C lap1 rev-list --all >reachable &&
	! grep -q $c reachable &&
	git -C lap1 fsck --full >/dev/null
'

test_expect_success 'through git daemon: clone, sync, both ways' '
	test_when_finished stop_git_daemon &&
	start_git_daemon "$TRASH" 19400 &&
	url=git://127.0.0.1:$(cat daemon.port)/hub.git &&
	khaosat clone $url lap3 --device lap3 --surveyor C >/dev/null &&
	test "$(git -C lap3 remote get-url centre)" = "$url" &&
	edit lap3 $W1 "phone:" "phone: \"02253888999\"" "lap3: phone" &&
	(cd lap3 && khaosat sync >out) &&
	grep -q "^Sent this laptop.s survey history to centre\.$" lap3/out &&
	(cd centre && khaosat sync >out) &&
	grep -q "^  lap3 *[0-9]* changed$" centre/out &&
	grep -q "^phone: \"02253888999\"$" centre/$W1 &&
	(cd lap3 && khaosat sync >/dev/null) &&
	test "$(tree lap3)" = "$(tree centre)"
'

test_expect_success 'sync and remote: usage' '
	(cd lap1 && git config --unset khaosat.remote) &&
	test_expect_code 2 khaosat -C lap1 sync 2>err &&
	grep -q "no default remote" err &&
	test_expect_code 2 khaosat -C lap1 remote add onlyname 2>err
'

test_done
