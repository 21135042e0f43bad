#!/bin/sh
# LAN sync benchmark: khaosat sync through a hub served by git daemon on
# loopback (git://127.0.0.1) against plain git pull + git push of the same
# commits, in the same run.  In a temporary folder it takes a survey of
# BENCH_N workshop records (BENCH_SURVEY, or khaosat init + gensurvey + a
# plain git commit of the import) at commit BASE and sets up, with khaosat:
#
#   hub            khaosat init --bare srv/hub.git, served by git daemon
#                  --base-path=srv --export-all --enable=receive-pack
#                  --listen=127.0.0.1 on a free port (started here, always
#                  stopped on exit); gc.auto 0 and receive.autogc false, so
#                  that no push starts a repack on the hub
#   laptop A       the survey (device bench, or its own), khaosat remote add
#                  hub + khaosat sync: BASE as the hub's devices/<A>
#   laptop B       khaosat clone of the hub (device lapb), one khaosat sync
#                  (the hub's devices/lapb at BASE), then two khaosat commits
#                  of its own (BENCH_LOCAL records each), so that both sides
#                  merge; and a copy taken before those: fast-forward
#   A's changes    BENCH_CHANGES records get a new annual_revenue on A, in
#                  two khaosat commits, then khaosat sync: the hub's
#                  devices/<A> at A's tip
#
# Then it measures on laptop B (hyperfine, median of BENCH_RUNS after a
# warm-up, when it is installed; else date +%s%N around each run, median)
# and, in one more run of each under GNU time, peak RSS:
#
#   merge          khaosat sync (fetch every device's ref, check, merge into
#                  main, push main to devices/lapb) vs git pull -q
#                  --no-rebase --no-edit git://.../hub.git devices/<A> &&
#                  git push -q git://.../hub.git main:refs/heads/devices/lapb
#   fast-forward   the same, from the copy of B without commits of its own
#   nothing new    both again right after a sync (info: the round trip)
#
# Each run starts from a fresh copy of B and of the hub (made untimed:
# object files hard-linked as in bundle.sh, everything else copied, the
# index refreshed with git update-index so that neither tool re-reads the
# copied work tree), so no object an earlier run fetched or pushed is found
# already there and the hub's devices/lapb is back at BASE.  The server's
# work (git upload-pack, git receive-pack) is in the wall time of both, not
# in their peak memory.
#
# It checks the result of the first khaosat sync of each kind, with plain
# git as the witness: main a merge of B's tip and A's (or A's tip), on main,
# the work tree clean, every changed value in main's tree, the hub's
# devices/lapb equal to B's main, its devices/<A> still A's tip, git fsck
# --connectivity-only of the hub, and the same tree as git pull's.  Prints
# a table with the target: khaosat sync within 1.5x git pull + git push.
#
#   BUILD=build/release sh tests/bench/lan.sh
#
# BENCH_N          records (default 100000)
# BENCH_RUNS       timed runs of each sync (default 5)
# BENCH_CHANGES    records laptop A changes (default 100)
# BENCH_LOCAL      records changed by each of B's two commits (default 10)
# BENCH_SURVEY=DIR start from this survey (a clean work tree on main,
#                  with a device identity) instead of generating one; it is
#                  copied, never changed, and BENCH_N is then its number of
#                  workshop records.  tests/bench/run.sh passes its own.
# BENCH_TIMEOUT    seconds any one sync or clone may take (default 600)
# BENCH_TOOL=date  use the fallback timer even when hyperfine is there
# BENCH_KEEP=1     keep the temporary folder (its path is printed)
#
# A benchmark, not a test: a target that is not met never fails it.  Exit 0;
# 1 when a command crashed or failed, or a check of khaosat's result failed.
set -u
bench="bench-lan"
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$top/tests/bench/lib.sh"
N=${BENCH_N:-100000}
RUNS=${BENCH_RUNS:-5}
CHANGES=${BENCH_CHANGES:-100}
LOCAL=${BENCH_LOCAL:-10}
TIMEOUT=${BENCH_TIMEOUT:-600}
SRC=${BENCH_SURVEY:-}
DEV_B=lapb

bench_need "run 'make khaosat tests-built'" "$ks" "$tools/gensurvey"
bench_numbers BENCH_N="$N" BENCH_RUNS="$RUNS" BENCH_CHANGES="$CHANGES" \
	BENCH_LOCAL="$LOCAL" BENCH_TIMEOUT="$TIMEOUT"
if [ "$RUNS" -lt 1 ] || [ "$CHANGES" -lt 2 ] || [ "$LOCAL" -lt 1 ] ||
	[ "$TIMEOUT" -lt 1 ]; then
	note "BENCH_RUNS, BENCH_LOCAL and BENCH_TIMEOUT must be at least 1, BENCH_CHANGES at least 2"
	exit 2
fi

# hyperfine and GNU time, installed like the build dependencies when missing
bench_deps hyperfine:hyperfine /usr/bin/time:time
bench_need_time
daemon_prog="$(git --exec-path)/git-daemon"
if [ ! -x "$daemon_prog" ]; then
	note "$daemon_prog is missing (apt-get install git-daemon-run, or a git with git daemon)"
	exit 1
fi
bench_timer

daemon_pid=
stop_daemon() {
	if [ -n "$daemon_pid" ]; then
		kill "$daemon_pid" 2>/dev/null
		wait "$daemon_pid" 2>/dev/null
		daemon_pid=
	fi
}
bench_atexit=stop_daemon
bench_tmp lan
trap 'exit 130' HUP
bench_copy gensurvey
bench_env
# every sync, clone and commit of the set-up within BENCH_TIMEOUT
bench_timeout=$TIMEOUT

# ---- the survey at BASE: laptop A ----

lap_a=$tmp/lap-a
bench_survey "$lap_a"
if [ -z "$(git config khaosat.device)" ]; then
	git config khaosat.device bench
	git config khaosat.surveyor Bench
fi
if [ -n "$SRC" ]; then
	# a survey that already syncs somewhere: only this benchmark's hub
	for r in $(git remote); do git remote remove "$r" 2>/dev/null; done
	git config --unset khaosat.remote
fi
DEV_A=$(git config khaosat.device)
if [ "$DEV_A" = "$DEV_B" ]; then
	DEV_B=lapc
fi
T=$((CHANGES + 2 * LOCAL))
if [ "$N" -lt "$T" ]; then
	note "BENCH_N ($N) must be at least BENCH_CHANGES + 2 * BENCH_LOCAL ($T)"
	exit 2
fi
base=$(git rev-parse main)

# The first CHANGES records of the selection for laptop A, the others for
# B's own commits.
bench_select "$T" "$CHANGES"

# ---- the hub and git daemon ----

srv=$tmp/srv
hub=$srv/hub.git
mkdir -p "$srv" || exit 1
must "khaosat init --bare" "$ks" init --bare "$hub"
git -C "$hub" config gc.auto 0
git -C "$hub" config receive.autogc false

# git daemon on 127.0.0.1, on the first port that is free, from one that
# depends on this process (so that two runs at once do not meet).
port=$((20000 + $$ % 20000))
tries=0
while :; do
	"$daemon_prog" --base-path="$srv" --export-all --enable=receive-pack \
		--reuseaddr --listen=127.0.0.1 --port=$port "$srv" \
		>"$tmp/daemon.log" 2>&1 &
	daemon_pid=$!
	up=0
	i=0
	while [ $i -lt 50 ]; do
		if ! kill -0 "$daemon_pid" 2>/dev/null; then
			break
		fi
		if git ls-remote "git://127.0.0.1:$port/hub.git" >/dev/null 2>&1; then
			up=1
			break
		fi
		sleep 0.1
		i=$((i + 1))
	done
	[ $up = 0 ] || break
	stop_daemon
	tries=$((tries + 1))
	if [ $tries -ge 20 ]; then
		cp "$tmp/daemon.log" "$tmp/err"
		fail "git daemon: no free port"
		exit 1
	fi
	port=$((port + 1))
done
url=git://127.0.0.1:$port/hub.git
note "git daemon (pid $daemon_pid) serving $url"

note "laptop A ($DEV_A): khaosat remote add hub + first khaosat sync of $N records"
must "khaosat remote add" "$ks" remote add hub "$url"
t0=$(date +%s%N)
must "khaosat sync (first, laptop A)" "$ks" sync
first_sync=$(($(date +%s%N) - t0))
[ "$(git -C "$hub" rev-parse "refs/heads/devices/$DEV_A" 2>/dev/null)" = "$base" ] || {
	fail "the hub's devices/$DEV_A is not at BASE after A's first sync"
	exit 1
}

lap_b=$tmp/lap-b
note "laptop B ($DEV_B): khaosat clone, then khaosat sync at BASE"
t0=$(date +%s%N)
must "khaosat clone" "$ks" clone "$url" "$lap_b" --device "$DEV_B" \
	--surveyor "Bench Two"
clone_t=$(($(date +%s%N) - t0))
cd "$lap_b" || exit 1
git config gc.auto 0
git config khaosat.email bench2@khaosat.invalid
must "khaosat sync (laptop B, at BASE)" "$ks" sync
if [ "$(git rev-parse main)" != "$base" ] ||
	[ "$(git -C "$hub" rev-parse "refs/heads/devices/$DEV_B" 2>/dev/null)" != "$base" ]; then
	echo "main: $(git rev-parse main)" >"$tmp/err"
	fail "laptop B's first sync: main and the hub's devices/$DEV_B should be BASE"
	exit 1
fi
b_ff=$tmp/b-ff
cp -a "$lap_b" "$b_ff" || exit 1

note "laptop B: $((2 * LOCAL)) records changed in two khaosat commits of its own"
: >"$tmp/expect.local"
while read -r k f; do
	revise "$f" $((8800000001 + k)) $((8600000001 + k)) expect.local || exit 1
	[ "$k" -ne $((CHANGES + LOCAL - 1)) ] || ks_commit "Laptop B: first visit"
done <"$tmp/sel.local"
ks_commit "Laptop B: second visit"
b_tip=$(git rev-parse main)

note "laptop A: $CHANGES records changed in two khaosat commits, then khaosat sync"
cd "$lap_a" || exit 1
: >"$tmp/expect"
half=$((CHANGES / 2))
while read -r k f; do
	revise "$f" $((7700000001 + k)) $((7600000001 + k)) expect || exit 1
	[ "$k" -ne $((half - 1)) ] || ks_commit "Laptop A: records 1 to $half"
done <"$tmp/sel.send"
ks_commit "Laptop A: records $((half + 1)) to $CHANGES"
a_tip=$(git rev-parse main)
if [ "$(git rev-list --count "$base..$a_tip")" -ne 2 ] ||
	[ -n "$(git status --porcelain)" ]; then
	git status --porcelain | head -n 5 >"$tmp/err"
	fail "laptop A's two commits"
	exit 1
fi
must "khaosat sync (laptop A, pushing its changes)" "$ks" sync
if [ "$(git -C "$hub" rev-parse "refs/heads/devices/$DEV_A")" != "$a_tip" ] ||
	[ "$(git rev-parse main)" != "$a_tip" ]; then
	fail "laptop A's sync: the hub's devices/$DEV_A should be A's tip"
	exit 1
fi
cd "$tmp" || exit 1

# The hub as it is now, for every run to start from.
hub0=$tmp/hub0.git
cp -a "$hub" "$hub0" || exit 1

# ---- fresh copies ----

# Each run in a fresh copy of laptop B and of the hub, made by PREPARE
# (untimed): git reset --hard would leave the fetched objects behind, and
# the hub's devices/lapb must be back at BASE.  The object files are hard
# links (git and libgit2 only ever add an object file, by rename, and never
# write into one), everything else is copied.  The copied work tree has new
# inodes and ctimes: git update-index --refresh records them in the index,
# and khaosat status in khaosat's notes (bench_make_notes), as on a laptop
# where nothing was touched since the last command.
run=$tmp/run
cat >"$tmp/bin/copy-repo" <<'EOF'
#!/bin/sh
# copy-repo FROM TO GITDIR: TO a copy of the repository FROM (GITDIR: .git,
# or . when bare), its object files hard links to FROM's
set -e
# except FROM TO SKIP: every entry of the folder FROM but SKIP into TO
except() {
	for e in "$1"/* "$1"/.[!.]* "$1"/..?*; do
		[ -e "$e" ] || [ -L "$e" ] || continue
		[ "${e##*/}" = "$3" ] || cp -a "$e" "$2/"
	done
}
rm -rf "$2"
mkdir "$2"
if [ "$3" = . ]; then
	except "$1" "$2" objects
else
	except "$1" "$2" "$3"
	mkdir "$2/$3"
	except "$1/$3" "$2/$3" objects
fi
cp -al "$1/$3/objects" "$2/$3/objects"
EOF
cat >"$tmp/bin/fresh" <<EOF
#!/bin/sh
set -e
'$tmp/bin/copy-repo' '$hub0' '$hub' .
'$tmp/bin/copy-repo' "\$1" '$run' .git
cd '$run'
git update-index -q --refresh >/dev/null
$(bench_make_notes)
sync
EOF
chmod +x "$tmp/bin/copy-repo" "$tmp/bin/fresh"

cat >"$tmp/bin/sync-ks" <<EOF
#!/bin/sh
cd '$run' && exec timeout $TIMEOUT '$ks' sync
EOF
cat >"$tmp/bin/sync-git" <<EOF
#!/bin/sh
cd '$run' &&
	timeout $TIMEOUT git pull -q --no-rebase --no-edit '$url' 'devices/$DEV_A' &&
	exec timeout $TIMEOUT git push -q '$url' 'main:refs/heads/devices/$DEV_B'
EOF
chmod +x "$tmp/bin/sync-ks" "$tmp/bin/sync-git"

# check_sync WHAT FF: the result of a khaosat sync in $run (FF: 1 when B
# had no commit of its own)
check_sync() {
	cd "$run" || exit 1
	check_tree "$1" "$2" "$a_tip" "$b_tip" "A's" "B's"
	hb=$(git -C "$hub" rev-parse -q --verify "refs/heads/devices/$DEV_B")
	[ -n "$hb" ] && [ "$hb" = "$(git rev-parse main)" ]
	verdict "$1: the hub's devices/$DEV_B equals B's main" $?
	[ "$(git -C "$hub" rev-parse -q --verify "refs/heads/devices/$DEV_A")" = "$a_tip" ]
	verdict "$1: the hub's devices/$DEV_A still A's tip" $?
	git -C "$hub" fsck --connectivity-only --no-progress >/dev/null 2>"$tmp/err"
	verdict "$1: git fsck --connectivity-only of the hub (exit $?)" $?
	cd "$tmp" || exit 1
}

# sync_case NAME SNAPSHOT FF: times and checks both ways from SNAPSHOT;
# the first run of each, not timed, gives the peak memory and the result
sync_case() {
	note "sync ($1): the result of each, and its peak memory"
	fresh="'$tmp/bin/fresh' '$2'"
	ks_tree=
	if peak "'$tmp/bin/sync-ks'" "$fresh"; then
		SM_ks=$K
		check_sync "khaosat sync ($1)" "$3"
		ks_tree=$(git -C "$run" rev-parse 'HEAD^{tree}')
		# right after a sync, nothing is new: a snapshot for later
		if [ "$3" = 0 ]; then
			rm -rf "$tmp/synced" "$tmp/hub-synced.git"
			cp -a "$run" "$tmp/synced" && cp -a "$hub" "$tmp/hub-synced.git"
		fi
	else
		SM_ks=failed
	fi
	if peak "'$tmp/bin/sync-git'" "$fresh"; then
		SM_git=$K
		git_tree=$(git -C "$run" rev-parse 'HEAD^{tree}')
		[ -n "$ks_tree" ] && [ "$ks_tree" = "$git_tree" ]
		verdict "khaosat sync ($1): the same tree as git pull" $?
		[ "$(git -C "$hub" rev-parse -q --verify "refs/heads/devices/$DEV_B")" = \
		  "$(git -C "$run" rev-parse main)" ]
		verdict "git pull + git push ($1): the hub's devices/$DEV_B equals main (witness)" $?
	else
		SM_git=failed
	fi
	note "sync ($1): khaosat sync, timed"
	measure "$RUNS" "'$tmp/bin/sync-ks'" "$fresh" && S_ks=$M || S_ks=failed
	note "sync ($1): git pull + git push, timed"
	measure "$RUNS" "'$tmp/bin/sync-git'" "$fresh" && S_git=$M || S_git=failed
	rm -rf "$run"
}

sync_case merge "$lap_b" 0
mg_t_ks=$S_ks mg_t_git=$S_git mg_m_ks=$SM_ks mg_m_git=$SM_git
sync_case fast-forward "$b_ff" 1
ff_t_ks=$S_ks ff_t_git=$S_git ff_m_ks=$SM_ks ff_m_git=$SM_git

# Nothing new: B right after its khaosat sync, the hub as that sync left
# it; neither command changes anything, so no copies between runs.
no_t_ks=failed no_t_git=failed
if [ -d "$tmp/synced" ]; then
	note "sync (nothing new): khaosat sync, then git pull + git push, timed"
	rm -rf "$run" "$hub"
	mv "$tmp/synced" "$run" && mv "$tmp/hub-synced.git" "$hub" &&
		(cd "$run" && git update-index -q --refresh >/dev/null)
	measure "$RUNS" "'$tmp/bin/sync-ks'" && no_t_ks=$M
	measure "$RUNS" "'$tmp/bin/sync-git'" && no_t_git=$M
	rm -rf "$run"
fi
cd "$tmp" || exit 1
stop_daemon

# ---- the table ----

echo
echo "khaosat LAN sync benchmark: N=$N workshop records, hub served by git daemon on 127.0.0.1 (git://)"
echo "laptop A: $CHANGES records changed in 2 commits, synced; laptop B: $((2 * LOCAL)) other records in 2 commits of its own"
echo "set-up (info): A's first khaosat sync of $N records $(fmt_s "$(echo "$first_sync" | median_s)"), khaosat clone $(fmt_s "$(echo "$clone_t" | median_s)")"
built_line
echo "timer: $(timer_name), median of $RUNS runs; peak memory: GNU time, one run (client side only)"
echo "git: git pull -q --no-rebase --no-edit URL devices/$DEV_A && git push -q URL main:refs/heads/devices/$DEV_B"
echo
table_start '%-42s %10s %10s %8s  %-9s %s\n'
rows_of "sync, both sides changed: time" "$mg_t_ks" "$mg_t_git" fmt_s 1.5
rows_of "sync, both sides changed: peak memory" "$mg_m_ks" "$mg_m_git" fmt_kb -
rows_of "sync, fast-forward: time (info)" "$ff_t_ks" "$ff_t_git" fmt_s -
rows_of "sync, fast-forward: peak memory" "$ff_m_ks" "$ff_m_git" fmt_kb -
rows_of "sync, nothing new: time (info)" "$no_t_ks" "$no_t_git" fmt_s -
table_end
bench_exit "correctness (plain git as the witness):"
