#!/bin/sh
# Killed anywhere, not only at khaosat's own kill points: commit, sync
# through a stick, sync through a hub, merge and resolve are each killed
# (strace's fault injection, -e inject=SYSCALL:signal=KILL:when=K) at the
# K-th rename, write, fsync, openat and unlink.  After each kill: status
# runs and no lock blocks it, running the command again (or committing what
# it left) finishes the job, nothing saved or committed is lost, and
# git fsck --full --strict and khaosat verify are clean.
#   KILL_POINTS=N  kill points per system call (default 5, spread evenly);
#   KILL_POINTS=all  every K, the longer run.
. "$(dirname "$0")/lib.sh"

POINTS=${KILL_POINTS:-5}
SYSCALLS="rename write fsync openat unlink"
W1=records/workshop/md01/000/md01-0001.yaml
W2=records/workshop/md01/000/md01-0002.yaml
W3=records/workshop/md01/000/md01-0003.yaml
W4=records/workshop/md01/000/md01-0004.yaml
W5=records/workshop/md01/000/md01-0005.yaml

if ! command -v strace >/dev/null 2>&1; then
	test_skip "strace is not installed (Debian package strace): no case ran"
	test_done
fi
if [ -n "$KHAOSAT_SANITIZE" ]; then
	# LeakSanitizer cannot run under ptrace: the traced runs check memory
	# errors only (every other command still checks leaks), and two
	# points per call keep the slower run short.
	POINTS=2
	TRACED_ASAN="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
else
	TRACED_ASAN=${ASAN_OPTIONS:-}
fi

commit() {
	(cd "$1" && khaosat commit -m "$2" >/dev/null)
}

# The values every run must end with, per operation.
has() {
	git -C lap show "main:$1" 2>/dev/null | grep -q "$2"
}

test_expect_success 'setup: a fixture for each operation' '
	make_survey centre centre "Lê Văn Tâm" &&
	copy_samples centre &&
	commit centre "Samples" &&
	mkdir stick &&
	khaosat -C centre sync ../stick >/dev/null &&
	khaosat init --bare hub.git >/dev/null &&
	khaosat -C centre remote add centre ../hub.git >/dev/null &&
	khaosat -C centre sync >/dev/null &&
	khaosat clone stick lap --device lap --surveyor "Trần Thị Bình" >/dev/null &&
	khaosat -C lap remote add centre ../hub.git >/dev/null &&
	khaosat clone stick lap2 --device lap2 --surveyor "Đỗ Văn Nam" >/dev/null &&
	set_field centre/$W2 /phone "\"0916000002\"" &&
	commit centre "centre: W2" &&
	khaosat -C centre sync ../stick >/dev/null &&
	khaosat -C centre sync >/dev/null &&
	set_field lap2/$W5 /phone "\"0916000005\"" &&
	commit lap2 "lap2: W5" &&
	git -C lap fetch -q ../lap2 main:refs/heads/other &&
	set_field lap/$W3 /phone "\"0916000003\"" &&
	commit lap "lap: W3" &&
	tar cf base.tar centre stick hub.git lap &&

	set_field lap/$W4 /phone "\"0916000004\"" &&
	tar cf fx-commit.tar centre stick hub.git lap &&

	rm -rf centre stick hub.git lap && tar xf base.tar &&
	set_field lap/$W1 /phone "\"0916000011\"" &&
	commit lap "lap: W1" &&
	set_field centre/$W1 /phone "\"0916000021\"" &&
	commit centre "centre: W1" &&
	khaosat -C centre sync ../stick >/dev/null &&
	khaosat -C lap sync ../stick >/dev/null &&
	(cd lap && test_expect_code 1 khaosat conflicts >/dev/null) &&
	tar cf fx-resolve.tar centre stick hub.git lap &&
	for op in stick hub merge; do
		cp base.tar fx-$op.tar || return 1
	done
'

# ---- the operations, and how each one is finished after a kill ----

# The arguments of khaosat for OP (no argument holds a space).
args() {
	case $1 in
	commit) echo "-C lap commit -m lap-W4" ;;
	stick) echo "-C lap sync ../stick" ;;
	hub) echo "-C lap sync centre" ;;
	merge) echo "-C lap merge other" ;;
	resolve) echo "-C lap resolve md01-0001 /phone --take 1" ;;
	esac
}

finish_commit() {
	if ! has $W4 0916000004; then
		(cd lap && khaosat commit -m "lap: W4 again") >/dev/null || return 1
	fi
	has $W4 0916000004 && has $W3 0916000003
}

finish_stick() {
	khaosat -C lap sync ../stick >/dev/null &&
	has $W2 0916000002 && has $W3 0916000003 &&
	git -C lap bundle verify "$PWD/$(echo stick/*/lap.bundle)" >/dev/null 2>&1
}

finish_hub() {
	khaosat -C lap sync centre >/dev/null &&
	has $W2 0916000002 && has $W3 0916000003 &&
	git -C hub.git show devices/lap:$W3 | grep -q 0916000003
}

finish_merge() {
	if ! has $W5 0916000005; then
		khaosat -C lap merge other >/dev/null || return 1
	fi
	has $W5 0916000005 && has $W3 0916000003
}

finish_resolve() {
	if test -f lap/conflicts/$W1; then
		khaosat -C lap resolve md01-0001 /phone --take 1 >/dev/null || return 1
	elif ! (cd lap && khaosat status) | grep -q "Nothing to save"; then
		(cd lap && khaosat commit -m "resolved") >/dev/null || return 1
	fi
	! git -C lap cat-file -e main:conflicts/$W1 2>/dev/null &&
	git -C lap show main:$W1 | grep -q "^phone: \"09160000[12]1\"$"
}

# restore FIXTURE: the fixture in the current folder, its hub here too
# (remotes keep absolute paths).
restore() {
	rm -rf centre stick hub.git lap && tar xf "../fx-$1.tar" &&
	git -C lap config remote.centre.url "$PWD/hub.git"
}

# kill_at OP SYSCALL K: the operation killed at the K-th SYSCALL, then
# status, the finish, and the witnesses.
kill_at() {
	restore "$2" &&
	{
		# shellcheck disable=SC2046
		ASAN_OPTIONS=$TRACED_ASAN strace -f -o /dev/null -e trace="$3" \
			-e inject="$3:signal=KILL:when=$4" \
			"$KHAOSAT_BIN" $(args "$1") >/dev/null 2>&1
		rc=$?
		[ $rc -eq 137 ] && echo "$1 $3 $4" >>killed
		[ $rc -eq 0 ] || [ $rc -eq 137 ] || {
			echo "the run ended with $rc"
			return 1
		}
	} &&
	{ (cd lap && khaosat status) >status.out 2>status.err; test $? -le 1; } &&
	! grep "error" status.err &&
	finish_$1 &&
	git -C lap fsck --full --strict --no-dangling >fsck.out 2>&1 &&
	test_must_be_empty fsck.out &&
	khaosat -C lap verify >verify.out 2>&1
}


# points OP FIXTURE SYSCALL: the K to try, from a traced run.
points() {
	restore "$2" &&
	# shellcheck disable=SC2046
	ASAN_OPTIONS=$TRACED_ASAN strace -f -o trace.$3 -e trace=$3 \
		"$KHAOSAT_BIN" $(args "$1") >/dev/null 2>&1 &&
	n=$(grep -c " $3(" trace.$3) &&
	if [ "$POINTS" = all ] || [ "$n" -le "$POINTS" ]; then
		seq 1 "$n"
	else
		awk -v n="$n" -v m="$POINTS" "BEGIN {
			if (m < 2) { print int((n + 1) / 2); exit }
			for (i = 0; i < m; i++) print 1 + int(i * (n - 1) / (m - 1))
		}" | sort -n -u
	fi
}

# kill_all OP FIXTURE: every point of every call; prints the failures.
kill_all() {
	for sc in $SYSCALLS; do
		for k in $(points "$1" "$2" "$sc"); do
			if ! kill_at "$1" "$2" "$sc" "$k" >kill.log 2>&1 3>&1; then
				echo "failed: $1 killed at $sc #$k"
				sed "s/^/	/" kill.log | tail -n 15
			fi
		done
	done
}

# kill_test OP FIXTURE: in a folder of its own, so two can run at once.
kill_test() {
	mkdir -p "w.$1" && (cd "w.$1" && kill_all "$1" "$2" >failed) &&
	cat "w.$1/failed" &&
	test_must_be_empty "w.$1/failed" &&
	echo "$(wc -l <"w.$1/killed") runs of $1 killed" &&
	test -s "w.$1/killed"
}

test_expect_success 'commit killed at any write, rename, fsync, open or unlink' '
	kill_test commit commit
'

test_expect_success 'sync through a stick, and merge, killed anywhere' '
	{ kill_test stick stick >stick.out 2>&1 & p=$!; } &&
	kill_test merge merge &&
	{ wait $p || { cat stick.out; false; }; }
'

test_expect_success 'sync through a hub killed anywhere' '
	kill_test hub hub
'

test_expect_success 'resolve killed anywhere' '
	kill_test resolve resolve
'

test_done
