#!/bin/sh
# A hub on any git server (here a folder made by plain 'git init --bare',
# which refuses no force-push) cannot make laptops lose or leak work: a
# device ref rewritten on the hub is refused by the others and put back by
# its own laptop, with a warning; another survey's hub gets nothing pushed
# into it; a name that is neither a hub nor a folder says which hubs the
# laptop knows.  Hostile changes are made with plain git.
. "$(dirname "$0")/lib.sh"

W1=records/workshop/md01/000/md01-0001.yaml

# The laptops reach the hub as a folder, or, with KHAOSAT_TEST_HUB=daemon
# (t1041), through git daemon on loopback: hub_url says which.
hub_url() {
	cat "$TRASH/hub.url" 2>/dev/null || echo "$TRASH/hub.git"
}

# sync_hub DIR: syncs DIR with its hub, quietly.
sync_hub() {
	(cd "$1" && khaosat sync hub >/dev/null 2>&1)
}

# rewrite_ref DEVICE: on the hub, devices/DEVICE is amended by someone
# with plain git to drop md01-0001, and force-pushed.
rewrite_ref() {
	rm -rf attacker &&
	git clone -q hub.git attacker 2>/dev/null &&
	git -C attacker checkout -q -B x origin/devices/$1 &&
	git -C attacker rm -q $W1 &&
	git -C attacker -c user.name=$1 -c user.email=$1@x commit -q --amend \
		-m "dropped" -m "Device: $1" &&
	git -C attacker push -q -f origin x:refs/heads/devices/$1
}

test_expect_success 'setup: three laptops and a hub made by plain git' '
	git init -q --bare hub.git &&
	if test "$KHAOSAT_TEST_HUB" = daemon; then
		start_git_daemon "$TRASH" 19600 &&
		echo "git://127.0.0.1:$(cat daemon.port)/hub.git" >hub.url || return 1
	fi &&
	khaosat init la --unsigned --device la --surveyor "Người A" --name "Mỹ Đồng" >/dev/null &&
	copy_samples la &&
	(cd la && khaosat commit -m Samples >/dev/null &&
	 khaosat remote add hub "$(hub_url)" >/dev/null) &&
	sync_hub la &&
	for l in lb lc; do
		khaosat clone "$(hub_url)" $l --device $l --surveyor "Người $l" >/dev/null &&
		(cd $l && khaosat remote add hub "$(hub_url)" >/dev/null) &&
		sync_hub $l || return 1
	done &&
	sync_hub la
'

test_expect_success 'a device ref rewritten on the hub is refused by the others' '
	rewrite_ref la &&
	for l in lb lc; do
		(cd $l && test_expect_code 1 khaosat sync hub >../out 2>&1) &&
		grep -q "(la): error: rewritten history" out &&
		test_path_is_file $l/$W1 || return 1
	done
'

test_expect_success 'and put back by its own laptop, with a warning' '
	(cd la && khaosat sync hub >../out 2>&1) &&
	grep -q "warning: this hub.s copy of this laptop.s work (refs/heads/devices/la) had been rewritten by someone else; it was put back" out &&
	test "$(git -C hub.git rev-parse devices/la)" = "$(git -C la rev-parse main)" &&
	for l in lb lc; do
		sync_hub $l && test_path_is_file $l/$W1 || return 1
	done &&
	git -C hub.git fsck --no-progress
'

# hostile_ref DEVICE: a ref devices/DEVICE pushed to the hub with plain
# git, whose commit adds a record that is a symbolic link.
hostile_ref() {
	rm -rf attacker &&
	git clone -q hub.git attacker 2>/dev/null &&
	git -C attacker checkout -q -B x origin/devices/la &&
	mkdir -p attacker/records/workshop/$1/000 &&
	ln -sf /etc/passwd attacker/records/workshop/$1/000/$1-0001.yaml &&
	git -C attacker add -A &&
	git -C attacker -c user.name=$1 -c user.email=$1@x commit -q \
		-m "link $2" -m "Device: $1" &&
	git -C attacker push -q -f origin x:refs/heads/devices/$1
}

test_expect_success 'a refused ref the hub keeps is reported once, then only noted' '
	hostile_ref lx one &&
	(cd lb && test_expect_code 1 khaosat sync hub >../out 2>&1) &&
	grep -q "(lx): error: .*symbolic link" out &&
	set_line lb/$W1 "  regular:" "  regular: 41" &&
	(cd lb && khaosat commit -m "lb: workers" >/dev/null &&
	 khaosat sync hub >../out 2>&1) &&
	grep -q "note: refs/heads/devices/lx is still at commit [0-9a-f]\{10\}, which this laptop refused before: not taken, not fetched again" out &&
	! grep -q "error" out &&
	test "$(git -C hub.git rev-parse devices/lb)" = "$(git -C lb rev-parse main)" &&
	(cd lc && test_expect_code 1 khaosat sync hub >/dev/null 2>&1) &&
	grep -q "^  regular: 41$" lc/$W1 &&
	sync_hub lc
'

test_expect_success 'a refused ref that moves is judged again' '
	hostile_ref lx two &&
	(cd lb && test_expect_code 1 khaosat sync hub >../out 2>&1) &&
	grep -q "(lx): error: .*symbolic link" out
'

test_expect_success 'the centre sets refused refs aside where the hub lives' '
	(cd lb && khaosat verify --hub ../hub.git >../out 2>&1; test $? = 1) &&
	grep -q "^  refs/heads/devices/lx  *[0-9a-f]\{10\}  refused$" out &&
	grep -q "^  refs/heads/devices/la  *[0-9a-f]\{10\}  ok$" out &&
	grep -q "^refs/heads/devices/lx: error: .*symbolic link" out &&
	khaosat verify --hub hub.git --quarantine >out &&
	grep -q "^  refs/heads/devices/lx  *[0-9a-f]\{10\}  refused, set aside as refs/quarantine/devices/lx/[0-9TZ]*$" out &&
	grep -q "^1 ref set aside: the laptops no longer fetch it.$" out &&
	test_must_fail git -C hub.git rev-parse -q --verify refs/heads/devices/lx &&
	git -C hub.git for-each-ref refs/quarantine/ | grep -q devices/lx &&
	khaosat verify --hub hub.git >out &&
	grep -q "^verify: no problems found$" out &&
	for l in la lb lc; do
		(cd $l && khaosat sync hub >../out 2>&1) && ! grep -q "lx" out || return 1
	done
'

test_expect_success 'a ref the laptops refuse for a reason the hub cannot judge is set aside by name' '
	git -C hub.git update-ref refs/heads/devices/lz "$(git -C hub.git rev-parse devices/la)" &&
	test_expect_code 1 khaosat verify --hub hub.git --set-aside nosuch 2>err &&
	grep -q "the hub has no refs/heads/devices/nosuch to set aside" err &&
	khaosat verify --hub hub.git --set-aside lz >out &&
	grep -q "^  refs/heads/devices/lz  *[0-9a-f]\{10\}  ok, set aside as refs/quarantine/devices/lz/" out &&
	test_must_fail git -C hub.git rev-parse -q --verify refs/heads/devices/lz
'

test_expect_success 'a damaged hub: plain words on the laptop, found and repaired where it lives' '
	git -C hub.git repack -a -d -q &&
	pack=$(ls hub.git/objects/pack/*.pack) &&
	blob=$(git -C hub.git rev-parse devices/la:$W1) &&
	set -- $(git verify-pack -v "${pack%.pack}.idx" | grep "^$blob ") &&
	test -n "$5" &&
	chmod u+w "$pack" &&
	python3 -c "import sys; p = sys.argv[1]; b = bytearray(open(p, \"rb\").read()); i = int(sys.argv[2]) + int(sys.argv[3]) - 2; b[i] ^= 0xff; open(p, \"wb\").write(b)" "$pack" "$5" "$4" &&
	test_expect_code 4 khaosat clone "$(hub_url)" ld --device ld --surveyor D 2>err &&
	grep -q "error: the hub.s copy of the survey is damaged (.*); nothing was changed. Where the hub lives, .khaosat verify --hub DIR. finds the damage" err &&
	test_path_is_missing ld &&
	test_expect_code 1 khaosat verify --hub hub.git >out &&
	grep -q "  damaged$" out &&
	grep -q "error: the hub.s copy is damaged: object [0-9a-f]* (.*) cannot be read: .*--repair-from SURVEY" out &&
	khaosat verify --hub hub.git --repair-from la >out &&
	grep -q "^Rebuilt the hub.s objects from la and its own copy: [0-9]* objects.$" out &&
	grep -q "^verify: no problems found$" out &&
	git -C hub.git fsck --no-progress --no-dangling &&
	khaosat clone "$(hub_url)" ld --device ld --surveyor D >/dev/null &&
	test_cmp la/$W1 ld/$W1
'

# kh_url: the khaosat hub kh.git as the laptops reach it.
kh_url() {
	sed "s|/hub.git\$|/kh.git|" "$TRASH/hub.url" 2>/dev/null || echo "$TRASH/kh.git"
}

test_expect_success 'a rewritten own ref on a khaosat hub: put back, or why not and the way out' '
	khaosat init --bare kh.git >/dev/null &&
	(cd la && khaosat sync "$(kh_url)" >/dev/null) &&
	amended=$(git -C kh.git commit-tree -p devices/la~1 -m amended devices/la^{tree}) &&
	git -C kh.git update-ref refs/heads/devices/la "$amended" &&
	if test -f hub.url; then
		# git receive-pack honours the hub.s receive.denyNonFastForwards
		(cd la && test_expect_code 1 khaosat sync "$(kh_url)" >../out 2>&1) &&
		grep -q "error: this hub.s copy of this laptop.s work (refs/heads/devices/la) was rewritten by someone else, and the hub refuses to have it put back .*khaosat verify --hub DIR --set-aside la" out &&
		! grep -q "kept moving" out &&
		khaosat verify --hub kh.git --set-aside la >/dev/null &&
		(cd la && khaosat sync "$(kh_url)" >/dev/null)
	else
		# a folder is written by libgit2, which reads no receive.* setting
		(cd la && khaosat sync "$(kh_url)" >../out 2>&1) &&
		grep -q "warning: this hub.s copy of this laptop.s work (refs/heads/devices/la) had been rewritten by someone else; it was put back" out
	fi &&
	test "$(git -C kh.git rev-parse devices/la)" = "$(git -C la rev-parse main)"
'

test_expect_success 'another survey.s hub gets nothing pushed into it' '
	khaosat init other --unsigned --device ox --surveyor "Người O" --name "Khác" >/dev/null &&
	git init -q --bare other.git &&
	(cd other && khaosat sync ../other.git >/dev/null) &&
	git -C other.git for-each-ref >before &&
	(cd la && test_expect_code 1 khaosat sync ../other.git >../out 2>&1) &&
	grep -q "error: this hub holds another survey: none of its 1 refs holds this survey.s first commit; nothing was pushed" out &&
	git -C other.git for-each-ref >after &&
	test_cmp before after
'

test_expect_success 'a name that is neither a hub nor a folder names the hubs' '
	(cd la && test_expect_code 1 khaosat sync hubD >../out 2>&1) &&
	grep -q "^hubD: error: no hub of that name and no such folder; the hubs this laptop knows: hub " out &&
	(cd other && test_expect_code 1 khaosat sync hubD >../out 2>&1) &&
	grep -q "this laptop knows no hub" out
'

test_expect_success 'cleanup' '
	stop_git_daemon
'

test_done
