#!/bin/sh
# A hub whose disk is full, as a folder and through git daemon: the push
# fails with the hub's own words (not the broken connection that follows
# them), exit 4; the hub's ref and its reflog record nothing that did not
# happen, the laptop keeps its work, and the next sync once there is room
# pushes it.  The hub lives on a small tmpfs (mounting one needs root).
. "$(dirname "$0")/lib.sh"

if ! mkdir -p fs || ! mount -t tmpfs -o size=1M tmpfs fs 2>/dev/null; then
	test_skip "cannot mount a small tmpfs here (needs root)"
	test_done
fi
umount fs

stop() {
	stop_git_daemon
	rm -f "$TRASH/daemon.pid"
	sleep 0.2
	umount "$TRASH/fs" 2>/dev/null
	return 0
}

# full URL: a laptop d01 syncs with the hub at URL (on fs/), then records
# 80 workshops while the hub's disk fills up; its sync must fail, saying
# why, and change nothing on either side.
full() {
	rm -rf la &&
	khaosat init la --unsigned --device d01 --surveyor A --name "Mỹ Đồng" >/dev/null &&
	"$KHAOSAT_TOOLS/gensurvey" la 5 --devices 1 >/dev/null &&
	(cd la && khaosat commit -m start >/dev/null &&
	 khaosat remote add hub "$1" >/dev/null && khaosat sync hub >/dev/null) &&
	"$KHAOSAT_TOOLS/gensurvey" la 80 --devices 1 --seed 7 >/dev/null &&
	(cd la && khaosat commit -m many >/dev/null) &&
	hub_before=$(git -C fs/hub.git rev-parse devices/d01) &&
	cp fs/hub.git/logs/refs/heads/devices/d01 reflog.before &&
	main=$(git -C la rev-parse main) &&
	avail=$(df -k --output=avail fs | tail -1) &&
	dd if=/dev/zero of=fs/fill bs=1k count=$((avail - 4)) 2>/dev/null;
	(cd la && test_expect_code 4 khaosat sync hub >../out 2>&1) &&
	test "$(git -C fs/hub.git rev-parse devices/d01)" = "$hub_before" &&
	test_cmp reflog.before fs/hub.git/logs/refs/heads/devices/d01 &&
	test "$(git -C la rev-parse main)" = "$main" &&
	rm fs/fill &&
	(cd la && khaosat sync hub >/dev/null) &&
	test "$(git -C fs/hub.git rev-parse devices/d01)" = "$main" &&
	git -C fs/hub.git fsck --no-progress --no-dangling 2>/dev/null
}

test_expect_success 'a full hub folder: exit 4, why, nothing changed, pushed once there is room' '
	test_when_finished stop &&
	mount -t tmpfs -o size=1M tmpfs fs &&
	khaosat init --bare fs/hub.git >/dev/null &&
	full "$TRASH/fs/hub.git" &&
	grep -q "error: cannot push to the hub: .*No space left on device" out
'

test_expect_success 'a full hub through git daemon: the hub.s own words come first' '
	test_when_finished stop &&
	mount -t tmpfs -o size=1M tmpfs fs &&
	khaosat init --bare fs/hub.git >/dev/null &&
	start_git_daemon "$TRASH/fs" 19500 &&
	full "git://127.0.0.1:$(cat daemon.port)/hub.git" &&
	grep -q "error: cannot push to the hub: the hub said .*No space left on device. (then: " out
'

test_done
