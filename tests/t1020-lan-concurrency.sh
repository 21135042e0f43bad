#!/bin/sh
# Concurrency through a hub on a LAN (issue: eight laptops each commit and
# sync against one hub at the same time).  Twice: once with the hub as a
# shared folder (a path), once through git daemon (git://).  Each time a
# centre puts the samples on the hub and eight laptops are set up from it;
# then CONC_ROUNDS rounds (default 12) in which every laptop, all at once,
# makes a new record, perhaps edits a field of a shared record (two of
# them the same field now and then: a conflict), commits, and then all
# eight sync at the same instant.  After every round:
#   - a sync either succeeds or fails only because the hub kept moving
#     (exit 1, counted); nothing else (a crash, exit 3/4/5, a warning);
#   - no sync lost a commit: each laptop's main holds what it committed and
#     its previous main; the hub's ref of a laptop holds everything that
#     laptop ever pushed, and is its main after a sync that succeeded;
#   - every ref on the hub only moved forward.
# At the end everyone syncs twice, one after another, and all nine mains
# have the same tree, holding every record anyone made and every commit
# anyone made; git fsck --full is clean on the hub and on every laptop; the
# hub's reflog shows only fast-forwards.
#   CONC_ROUNDS=40 sh tests/t1020-lan-concurrency.sh -v   (a longer run)
if [ -z "$KHAOSAT_BIN" ] && [ -n "$BUILD" ]; then
	KHAOSAT_BIN=$(cd "$(dirname "$0")/.." && pwd)/$BUILD/khaosat
fi
. "$(dirname "$0")/lib.sh"

CONC_ROUNDS=${CONC_ROUNDS:-12}
# A sync that takes longer than this (seconds) has hung: the test fails
# rather than wait for it.
CONC_TIMEOUT=${CONC_TIMEOUT:-60}
LAPTOPS="l1 l2 l3 l4 l5 l6 l7 l8"
# The centre first, then the laptops: the order of the final syncs.
ACTORS="ce01 $LAPTOPS"
# Fields present in every sample workshop; shared records several laptops
# edit (each a different field of one of them, so merges are field by field).
FIELDS="/phone /name /representative/name /workers/regular /address/village"
HOT="md01-0001 md01-0002 md02-0001"
# The record l7 and l8 both change (the same field) every fifth round.
CLASH=md01-0003

# The git daemon of part 2, stopped however the script ends.
stop_daemon() {
	if [ -f "$TRASH/daemon.pid" ]; then
		kill "$(cat "$TRASH/daemon.pid")" 2>/dev/null
		rm -f "$TRASH/daemon.pid"
	fi
}
trap 'stop_daemon; test_cleanup' EXIT

# nth N WORDS...: P is the Nth word (from 0, modulo their number).
nth() {
	n_=$1
	shift
	shift $((n_ % $#))
	P=$1
}

# value_for FIELD N: a valid value for FIELD, different for every N and
# from every sample value, as YAML (Y).
value_for() {
	case "$1" in
	/phone) Y=$(printf '"0225%07d"' "$2") ;;
	/name) Y="Cơ sở đúc số $2" ;;
	/representative/name) Y="Người đại diện $2" ;;
	/workers/regular) Y=$((1000 + $2)) ;;
	/address/village) Y="Xóm mới $2" ;;
	esac
}

# The file of record ID in a laptop's work tree.
record_file() {
	case "$2" in
	md0*) echo "$1/$(record_path workshop "$2")" ;;
	esac
}

# work PARTDIR LAPTOP ROUND INDEX: a new record, perhaps an edit, a commit.
# Logs the record's path to made-records.LAPTOP and the commit to
# made-commits.LAPTOP.
work() {
	d=$1/$2
	num=$((${1##*/p} * 10000 + $3 * 10 + $4))
	khaosat -C "$d" new workshop --set "name=Cơ sở đúc số $num" \
		--set legal_type=ho_kinh_doanh \
		--set "address.commune_name=Mỹ Đồng" \
		--set "address.province_name=Hải Phòng" \
		--set "address.village=Xóm mới $num" \
		--set trade_group=do_go_gom_su_det_may_co_khi_nho \
		--set "representative.name=Người đại diện $num" \
		--set "phone=$(printf '0225%07d' "$num")" \
		--set "workers.regular=$((1000 + num))" \
		--set surveyed_at=2025-06-01 >"$d.new.out" 2>&1 || {
		cat "$d.new.out"
		return 1
	}
	path=$(sed -n 's/^Saved workshop [^:]*: //p' "$d.new.out") &&
	test -f "$d/$path" &&
	echo "$path" >>"$1/made-records.$2" || return 1
	# Edits use numbers no new record uses (phones are unique).
	if [ $((($3 + $4) % 4)) -ne 3 ]; then
		nth $(($3 + $4)) $HOT && rec=$P &&
		nth $(($3 * 3 + $4)) $FIELDS && f=$P &&
		value_for "$f" $((num + 5000)) &&
		set_field "$(record_file "$d" "$rec")" "$f" "$Y" || return 1
	fi
	if [ $(($3 % 5)) -eq 0 ] && { [ "$2" = l7 ] || [ "$2" = l8 ]; }; then
		value_for /phone $((num + 7000)) &&
		set_field "$(record_file "$d" $CLASH)" /phone "$Y" || return 1
	fi
	khaosat -C "$d" commit -m "round $3 on $2" >"$d.commit.out" 2>&1 || {
		cat "$d.commit.out"
		return 1
	}
	git -C "$d" rev-parse main >>"$1/made-commits.$2"
}

# timed_sync DIR: khaosat sync with the default remote, killed after
# CONC_TIMEOUT seconds (exit code 124 then).
timed_sync() {
	timeout -s KILL "$CONC_TIMEOUT" "$KHAOSAT_BIN" -C "$1" sync
	rc_=$?
	[ $rc_ -eq 137 ] && rc_=124
	return $rc_
}

# sync_one PARTDIR LAPTOP ROUND: a sync; its output, exit code and main
# after it land in PARTDIR/log/.
sync_one() {
	o=$1/log/r$3.$2
	timed_sync "$1/$2" >"$o.out" 2>&1
	echo $? >"$o.rc"
	git -C "$1/$2" rev-parse main >"$o.main"
}

# run_round PARTDIR ROUND: every laptop works at once; once all are done,
# every laptop syncs at once.
run_round() {
	pids=
	i=1
	for l in $LAPTOPS; do
		work "$1" $l "$2" $i >"$1/log/r$2.$l.work" 2>&1 &
		pids="$pids $!"
		i=$((i + 1))
	done
	bad=0
	for p in $pids; do
		wait "$p" || bad=1
	done
	if [ $bad -ne 0 ]; then
		cat "$1"/log/r"$2".*.work
		echo "round $2: a laptop could not make or commit its work" >&2
		return 1
	fi
	for l in $LAPTOPS; do
		git -C "$1/$l" rev-parse main >"$1/log/r$2.$l.before" || return 1
	done
	pids=
	for l in $LAPTOPS; do
		sync_one "$1" $l "$2" &
		pids="$pids $!"
	done
	for p in $pids; do
		wait "$p"
	done
}

# hub_refs PARTDIR: "ref oid" for every ref on the hub.
hub_refs() {
	git -C "$1/hub.git" for-each-ref --format='%(refname) %(objectname)' |
		LC_ALL=C sort
}

# forward OLD NEW: every ref in the list OLD is in NEW, at or after where it was.
forward() {
	while read -r ref old; do
		new=$(sed -n "s|^$ref ||p" "$2")
		[ -n "$new" ] || {
			echo "hub ref $ref ($old) is gone" >&2
			return 1
		}
		git -C "$hub" merge-base --is-ancestor "$old" "$new" || {
			echo "hub ref $ref went from $old to $new, not a fast-forward" >&2
			return 1
		}
	done <"$1"
}

# check_round PARTDIR ROUND: what a round must leave (see the top).
check_round() {
	hub=$1/hub.git
	hub_refs "$1" >"$1/refs.new" &&
	forward "$1/refs.old" "$1/refs.new" &&
	mv "$1/refs.new" "$1/refs.old" || return 1
	for l in $LAPTOPS; do
		o=$1/log/r$2.$l
		rc=$(cat "$o.rc") && main=$(cat "$o.main") &&
		before=$(cat "$o.before") || return 1
		case "$rc" in
		0)
			if grep -i "error\|warning" "$o.out"; then
				echo "round $2: the sync on $l reported a problem" >&2
				return 1
			fi
			echo "$main" >>"$1/pushed.$l"
			;;
		1)
			grep -q "the hub kept moving" "$o.out" &&
			! grep -v "the hub kept moving" "$o.out" | grep -i "error\|warning" || {
				cat "$o.out"
				echo "round $2: the sync on $l failed, not for a moving hub" >&2
				return 1
			}
			echo "round $2 $l" >>"$1/moving"
			;;
		124)
			cat "$o.out"
			echo "round $2: the sync on $l did not finish in $CONC_TIMEOUT s (killed)" >&2
			return 1
			;;
		*)
			cat "$o.out"
			echo "round $2: the sync on $l failed with $(test_describe_code_ "$rc")" >&2
			return 1
			;;
		esac
		# Its main holds what it had before the sync (its commit of
		# this round included), and the work tree is clean.
		git -C "$1/$l" merge-base --is-ancestor "$before" "$main" || {
			echo "round $2: $l lost its own commit $before in the sync" >&2
			return 1
		}
		test -z "$(git -C "$1/$l" status --porcelain)" || {
			git -C "$1/$l" status --porcelain
			echo "round $2: the sync left changes in $l's work tree" >&2
			return 1
		}
		# The hub's ref holds all that the laptop ever pushed.
		tip=$(git -C "$hub" rev-parse --verify -q "refs/heads/devices/$l") || {
			[ ! -s "$1/pushed.$l" ] && continue
			echo "round $2: the hub has no ref for $l" >&2
			return 1
		}
		if [ "$rc" -eq 0 ] && [ "$tip" != "$main" ]; then
			echo "round $2: $l synced, but the hub has $tip for it, not its main $main" >&2
			return 1
		fi
		[ -s "$1/pushed.$l" ] || continue
		while read -r c; do
			git -C "$hub" merge-base --is-ancestor "$c" "$tip" || {
				echo "round $2: the hub lost $c, which $l pushed" >&2
				return 1
			}
		done <"$1/pushed.$l"
	done
}

# rounds PARTDIR: CONC_ROUNDS rounds, each checked.
rounds() {
	hub_refs "$1" >"$1/refs.old" || return 1
	r=1
	while [ $r -le "$CONC_ROUNDS" ]; do
		t0=$(date +%s)
		run_round "$1" $r && check_round "$1" $r || {
			echo "round $r failed" >&2
			return 1
		}
		echo "round $r: $(($(date +%s) - t0)) s"
		r=$((r + 1))
	done
	(cd "$1" && cat $(for l in $LAPTOPS; do echo made-commits.$l; done)) >"$1/made-commits" &&
	(cd "$1" && cat $(for l in $LAPTOPS; do echo made-records.$l; done)) >"$1/made-records" &&
	test_line_count = $((8 * CONC_ROUNDS)) "$1/made-commits" &&
	test_line_count = $((8 * CONC_ROUNDS)) "$1/made-records" &&
	echo "$(cat "$1"/log/*.out | grep -c "the hub moved meanwhile") syncs merged again after a refused push," \
		"$(cat "$1/moving" 2>/dev/null | wc -l) gave up on a moving hub"
}

# setup PARTDIR URL: a hub, the centre with the samples, eight laptops.
setup() {
	khaosat init "$1/ce01" --unsigned --device ce01 --surveyor "Trung tâm Khuyến công" \
		--name "Mỹ Đồng" >/dev/null &&
	copy_samples "$1/ce01" &&
	khaosat -C "$1/ce01" commit -m "Samples" >/dev/null &&
	khaosat -C "$1/ce01" remote add hub "$2" >/dev/null &&
	khaosat -C "$1/ce01" sync >"$1/out" &&
	test_grep "^Sent this laptop.s survey history to hub\.$" "$1/out" &&
	for l in $LAPTOPS; do
		khaosat clone "$2" "$1/$l" --device $l \
			--surveyor "Điều tra viên $l" >"$1/out" &&
		test "$(git -C "$1/$l" rev-parse main)" = "$(git -C "$1/ce01" rev-parse main)" ||
			return 1
	done &&
	mkdir "$1/log" &&
	git -C "$1/ce01" rev-parse main >"$1/made-commits.ce01"
}

# final PARTDIR: everyone syncs twice, one after another.
final_syncs() {
	for pass in 1 2; do
		for a in $ACTORS; do
			timed_sync "$1/$a" >"$1/final.out" 2>&1 || {
				rc=$?
				cat "$1/final.out"
				if [ $rc -eq 124 ]; then
					echo "final sync $pass on $a did not finish in $CONC_TIMEOUT s (killed)" >&2
				else
					echo "final sync $pass failed on $a with $(test_describe_code_ $rc)" >&2
				fi
				return 1
			}
			if grep -i "error\|warning" "$1/final.out"; then
				echo "final sync $pass on $a reported a problem" >&2
				return 1
			fi
		done
	done
}

same_trees() {
	git -C "$1/ce01" rev-parse "main^{tree}" >"$1/expect" &&
	for a in $LAPTOPS; do
		git -C "$1/$a" rev-parse "main^{tree}" >"$1/actual" &&
		test_cmp "$1/expect" "$1/actual" || {
			echo "$a differs from the centre" >&2
			return 1
		}
	done
}

everything_everywhere() {
	LC_ALL=C sort -u "$1"/made-commits.* >"$1/commits" &&
	LC_ALL=C sort -u "$1/made-records" >"$1/records" &&
	for a in $ACTORS; do
		git -C "$1/$a" rev-list main | LC_ALL=C sort >"$1/reach" &&
		LC_ALL=C comm -23 "$1/commits" "$1/reach" >"$1/missing" &&
		test_must_be_empty "$1/missing" &&
		git -C "$1/$a" ls-tree -r --name-only main | LC_ALL=C sort >"$1/files" &&
		LC_ALL=C comm -23 "$1/records" "$1/files" >"$1/missing" &&
		test_must_be_empty "$1/missing" || {
			echo "$a lacks the above" >&2
			return 1
		}
	done &&
	# What everyone pushed last is on the hub.
	for a in $ACTORS; do
		test "$(git -C "$1/hub.git" rev-parse refs/heads/devices/$a)" = \
			"$(git -C "$1/$a" rev-parse main)" || {
			echo "the hub does not have $a's main" >&2
			return 1
		}
	done
}

fsck_all() {
	for a in hub.git $ACTORS; do
		git -C "$1/$a" fsck --full --no-dangling --no-progress >"$1/fsck.out" 2>&1 &&
		# A hub holds only the devices' refs: no main for its HEAD.
		if [ $a = hub.git ]; then
			{ grep -v "^notice: HEAD points to an unborn branch (main)$" \
				"$1/fsck.out" >"$1/fsck.rest" || :; }
		else
			cp "$1/fsck.out" "$1/fsck.rest"
		fi &&
		test_must_be_empty "$1/fsck.rest" || {
			echo "git fsck on $a" >&2
			return 1
		}
	done
}

# Every update the hub logged was a creation or a fast-forward.
hub_reflog() {
	hub=$1/hub.git
	for l in $ACTORS; do
		log=$hub/logs/refs/heads/devices/$l
		test_path_is_file "$log" || return 1
		while read -r old new rest; do
			case "$old" in 0000000000000000000000000000000000000000) continue ;; esac
			git -C "$hub" merge-base --is-ancestor "$old" "$new" || {
				echo "the hub's reflog of devices/$l: $old -> $new is not a fast-forward" >&2
				return 1
			}
		done <"$log" || return 1
	done &&
	test "$(git -C "$hub" config --bool receive.denyNonFastForwards)" = true
}

# start_daemon: git daemon on a free port, serving $TRASH/p2; the port in
# $TRASH/daemon.port, its pid in $TRASH/daemon.pid.
start_daemon() {
	port=$((20000 + $$ % 20000))
	tries=0
	while [ $tries -lt 30 ]; do
		git daemon --base-path="$TRASH/p2" --export-all --enable=receive-pack \
			--reuseaddr --listen=127.0.0.1 --port=$port \
			--informative-errors "$TRASH/p2" \
			>"$TRASH/daemon.log" 2>&1 </dev/null 3>&- &
		pid=$!
		echo $pid >"$TRASH/daemon.pid"
		w=0
		while [ $w -lt 50 ] && kill -0 $pid 2>/dev/null; do
			if git ls-remote "git://127.0.0.1:$port/hub.git" >/dev/null 2>&1 &&
				kill -0 $pid 2>/dev/null; then
				echo $port >"$TRASH/daemon.port"
				echo "git daemon (pid $pid) on port $port"
				return 0
			fi
			sleep 0.1
			w=$((w + 1))
		done
		kill $pid 2>/dev/null
		wait $pid 2>/dev/null
		rm -f "$TRASH/daemon.pid"
		port=$((port + 1))
		tries=$((tries + 1))
	done
	cat "$TRASH/daemon.log"
	echo "cannot start git daemon" >&2
	return 1
}

# ---- part 1: the hub is a shared folder ----

test_expect_success 'folder hub: the centre puts the samples there, eight laptops clone it' '
	mkdir p1 &&
	khaosat init --bare p1/hub.git >/dev/null &&
	setup "$TRASH/p1" "$TRASH/p1/hub.git"
'

test_expect_success "folder hub: $CONC_ROUNDS rounds of eight laptops committing and syncing at once" '
	rounds "$TRASH/p1"
'

test_expect_success 'folder hub: everyone syncs twice; one tree everywhere' '
	final_syncs "$TRASH/p1" &&
	same_trees "$TRASH/p1"
'

test_expect_success 'folder hub: every commit and record anyone made is in every main' '
	everything_everywhere "$TRASH/p1"
'

test_expect_success 'folder hub: git fsck is clean on the hub and every laptop; the hub only moved forward' '
	fsck_all "$TRASH/p1" &&
	hub_reflog "$TRASH/p1"
'

# ---- part 2: the hub through git daemon ----

test_expect_success 'git daemon: a hub served on a free port' '
	mkdir p2 &&
	khaosat init --bare p2/hub.git >/dev/null &&
	start_daemon
'

test_expect_success 'git daemon: the centre puts the samples there, eight laptops clone it' '
	test -s daemon.port &&
	setup "$TRASH/p2" "git://127.0.0.1:$(cat daemon.port)/hub.git"
'

test_expect_success "git daemon: $CONC_ROUNDS rounds of eight laptops committing and syncing at once" '
	rounds "$TRASH/p2"
'

test_expect_success 'git daemon: everyone syncs twice; one tree everywhere' '
	final_syncs "$TRASH/p2" &&
	same_trees "$TRASH/p2"
'

test_expect_success 'git daemon: every commit and record anyone made is in every main' '
	everything_everywhere "$TRASH/p2"
'

test_expect_success 'git daemon: git fsck is clean on the hub and every laptop; the hub only moved forward' '
	fsck_all "$TRASH/p2" &&
	hub_reflog "$TRASH/p2"
'

test_expect_success 'git daemon stops' '
	pid=$(cat daemon.pid) &&
	kill "$pid" &&
	rm daemon.pid &&
	w=0 &&
	while kill -0 "$pid" 2>/dev/null && [ $w -lt 50 ]; do
		sleep 0.1 && w=$((w + 1)) || return 1
	done &&
	! kill -0 "$pid" 2>/dev/null
'

test_done
