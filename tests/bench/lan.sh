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
BUILD=${BUILD:-build/release}
top=$(cd "$(dirname "$0")/../.." && pwd)
ks=$top/$BUILD/khaosat
tools=$top/$BUILD/tests/tools
N=${BENCH_N:-100000}
RUNS=${BENCH_RUNS:-5}
CHANGES=${BENCH_CHANGES:-100}
LOCAL=${BENCH_LOCAL:-10}
TIMEOUT=${BENCH_TIMEOUT:-600}
SRC=${BENCH_SURVEY:-}
DEV_B=lapb

for f in "$ks" "$tools/gensurvey"; do
	if [ ! -x "$f" ]; then
		echo "bench-lan: $f is missing; run 'make khaosat tests-built'" >&2
		exit 1
	fi
done
for v in "$N" "$RUNS" "$CHANGES" "$LOCAL" "$TIMEOUT"; do
	case "$v" in '' | *[!0-9]*)
		echo "bench-lan: BENCH_N, BENCH_RUNS, BENCH_CHANGES, BENCH_LOCAL and BENCH_TIMEOUT must be numbers" >&2
		exit 2 ;;
	esac
done
if [ "$RUNS" -lt 1 ] || [ "$CHANGES" -lt 2 ] || [ "$LOCAL" -lt 1 ] ||
	[ "$TIMEOUT" -lt 1 ]; then
	echo "bench-lan: BENCH_RUNS, BENCH_LOCAL and BENCH_TIMEOUT must be at least 1, BENCH_CHANGES at least 2" >&2
	exit 2
fi

# hyperfine and GNU time, installed like the build dependencies when missing
sh "$top/tests/deps.sh" -- hyperfine:hyperfine /usr/bin/time:time 2>&1 |
	sed 's/^/bench-lan: /' >&2
if [ ! -x /usr/bin/time ]; then
	echo "bench-lan: /usr/bin/time is missing (apt-get install time)" >&2
	exit 1
fi
daemon_prog="$(git --exec-path)/git-daemon"
if [ ! -x "$daemon_prog" ]; then
	echo "bench-lan: $daemon_prog is missing (apt-get install git-daemon-run, or a git with git daemon)" >&2
	exit 1
fi
tool="date"
if [ "${BENCH_TOOL:-}" != date ] && command -v hyperfine >/dev/null 2>&1; then
	tool=hyperfine
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/khaosat-lan.XXXXXX") || exit 1
daemon_pid=
stop_daemon() {
	if [ -n "$daemon_pid" ]; then
		kill "$daemon_pid" 2>/dev/null
		wait "$daemon_pid" 2>/dev/null
		daemon_pid=
	fi
}
# shellcheck disable=SC2317
cleanup() {
	stop_daemon
	cd /
	if [ -n "${BENCH_KEEP:-}" ]; then
		echo "bench-lan: kept $tmp" >&2
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# Copies of the programs, so that a rebuild during the run changes nothing.
mkdir -p "$tmp/bin"
cp "$ks" "$tools/gensurvey" "$tmp/bin/" || exit 1
ks_built=$(date -r "$ks" '+%Y-%m-%d %H:%M:%S')
ks=$tmp/bin/khaosat
tools=$tmp/bin

# A fixed environment: nobody's git configuration takes part.
HOME=$tmp/home
mkdir -p "$HOME"
LC_ALL=C.UTF-8
TZ=UTC
GIT_CONFIG_NOSYSTEM=1
GIT_AUTHOR_NAME=Bench
GIT_AUTHOR_EMAIL=bench@khaosat.invalid
GIT_COMMITTER_NAME=bench
GIT_COMMITTER_EMAIL=bench@khaosat.invalid
export HOME LC_ALL TZ GIT_CONFIG_NOSYSTEM GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL \
	GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_OBJECT_DIRECTORY \
	GIT_CONFIG_PARAMETERS XDG_CONFIG_HOME KHAOSAT_USERNAME KHAOSAT_PASSWORD

failures=0
wrong=0
note() { echo "bench-lan: $*" >&2; }
# fail WHAT: a command crashed or failed; the run goes on where it can.
fail() {
	echo "bench-lan: FAILED: $1" >&2
	if [ -s "$tmp/err" ]; then
		sed 's/^/bench-lan:   /' "$tmp/err" | head -n 20 >&2
	fi
	failures=$((failures + 1))
}
# verdict WHAT OK: one correctness check, printed in the report
checks=
verdict() {
	if [ "$2" = 0 ]; then
		checks="$checks  ok      $1
"
	else
		checks="$checks  WRONG   $1
"
		wrong=$((wrong + 1))
	fi
}

# The median of the numbers on standard input.
median() {
	sort -n | awk '{ v[NR] = $1 }
		END { if (!NR) exit 1
		      printf "%.0f\n", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# timed CMD...: runs CMD once, output discarded, errors in $tmp/err;
# prints the elapsed nanoseconds and returns CMD's exit code.  (Called
# through eval.)
# shellcheck disable=SC2317
timed() {
	t0=$(date +%s%N)
	"$@" >/dev/null 2>"$tmp/err"
	rc=$?
	t1=$(date +%s%N)
	echo $((t1 - t0))
	return "$rc"
}

# measure RUNS CMD [PREPARE]: the median wall time of CMD (a string, words
# quoted for the shell, no other shell syntax) in seconds, in $M; returns 1
# if it failed.  PREPARE, a command of the same kind, runs before each run
# (the warm-up included), untimed.
measure() {
	M=
	prep=${3:-true}
	if [ $tool = hyperfine ]; then
		if ! hyperfine -N -w 1 -r "$1" --style basic --prepare "$prep" \
			--export-csv "$tmp/h.csv" -- "$2" >"$tmp/err" 2>&1; then
			fail "$2"
			return 1
		fi
		M=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++)
					 if ($i == "median") c = i }
			     NR == 2 { printf "%.6f\n", $c }' "$tmp/h.csv")
		return 0
	fi
	if ! eval "$prep" || ! eval "$2" >/dev/null 2>"$tmp/err"; then
		fail "$2"
		return 1
	fi
	: >"$tmp/times"
	m_i=0
	while [ "$m_i" -lt "$1" ]; do
		if ! eval "$prep" || ! eval "timed $2" >>"$tmp/times"; then
			fail "$2"
			return 1
		fi
		m_i=$((m_i + 1))
	done
	M=$(median <"$tmp/times" | awk '{ printf "%.6f\n", $1 / 1e9 }')
}

# peak CMD [PREPARE]: the peak RSS in KB of one run of CMD (and of the
# processes it waits for: the largest of them) under GNU time, in $K;
# returns 1 if it failed or crashed.
peak() {
	K=
	if ! eval "${2:-true}"; then
		fail "preparing $1"
		return 1
	fi
	eval "/usr/bin/time -o '$tmp/mem' -f '%M' $1" >/dev/null 2>"$tmp/err"
	rc=$?
	if grep -q '^Command terminated by signal' "$tmp/mem"; then
		cat "$tmp/mem" >>"$tmp/err"
		fail "$1 (crashed)"
		return 1
	fi
	if [ $rc -ne 0 ]; then
		fail "$1 (exit $rc)"
		return 1
	fi
	K=$(tail -n 1 "$tmp/mem")
}

# ---- the survey at BASE: laptop A ----

lap_a=$tmp/lap-a
if [ -n "$SRC" ]; then
	note "copying the survey $SRC"
	if [ -n "$(git -C "$SRC" --no-optional-locks status --porcelain 2>/dev/null)" ] ||
		! git -C "$SRC" rev-parse -q --verify refs/heads/main >/dev/null; then
		note "$SRC is not a survey with a clean work tree on main"
		exit 1
	fi
	cp -a "$SRC" "$lap_a" || exit 1
	cd "$lap_a" || exit 1
	rm -rf .git/khaosat
	git checkout -q main || exit 1
	git config gc.auto 0
	if [ -z "$(git config khaosat.device)" ]; then
		git config khaosat.device bench
		git config khaosat.surveyor Bench
	fi
	# a survey that already syncs somewhere: only this benchmark's hub
	for r in $(git remote); do git remote remove "$r" 2>/dev/null; done
	git config --unset khaosat.remote
	N=$(git ls-files records/workshop | wc -l)
else
	"$ks" init "$lap_a" --device bench --surveyor Bench \
		--name "Bench: $N workshops" >/dev/null 2>"$tmp/err" || {
		fail "khaosat init"
		exit 1
	}
	cd "$lap_a" || exit 1
	# git would pack 100,000 loose objects in the background in the middle
	# of a measurement; khaosat (libgit2) never does.
	git config gc.auto 0
	note "generating $N records"
	"$tools/gensurvey" "$lap_a" "$N" >"$tmp/gen.out" 2>"$tmp/err" || {
		fail gensurvey
		exit 1
	}
	note "git add -A && git commit of the import"
	if ! git add -A 2>"$tmp/err" ||
		! git commit -q -m "Import $N workshops" 2>>"$tmp/err"; then
		fail "git commit of the import"
		exit 1
	fi
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

# T records spread evenly over the survey: the first CHANGES for laptop A,
# the others for B's own commits (k: the record's number in the selection,
# which makes every new value unique).
git ls-files records/workshop | awk -v n="$N" -v t="$T" -v c="$CHANGES" \
	-v dir="$tmp" '
	BEGIN { step = int(n / t); k = 0 }
	(NR - 1) % step == 0 && k < t {
		print k, $0 > (dir "/sel." (k < c ? "send" : "local"))
		k++
	}'
touch "$tmp/sel.send" "$tmp/sel.local"
if [ "$(wc -l <"$tmp/sel.send")" -ne "$CHANGES" ] ||
	[ "$(wc -l <"$tmp/sel.local")" -ne $((2 * LOCAL)) ]; then
	note "internal error: wrong selection of records"
	exit 1
fi

# set_field FILE KEY VALUE
set_field() {
	if ! grep -q "^$2: " "$1"; then
		echo "no '$2' in $1" >"$tmp/err"
		fail "editing $1"
		return 1
	fi
	sed -i "s/^$2: .*/$2: $3/" "$1"
}

# ks_do WHAT CMD...: a khaosat (or other) command that must succeed
ks_do() {
	what=$1
	shift
	if ! timeout "$TIMEOUT" "$@" >"$tmp/out" 2>"$tmp/err"; then
		fail "$what in $(pwd)"
		exit 1
	fi
}

# ---- the hub and git daemon ----

srv=$tmp/srv
hub=$srv/hub.git
mkdir -p "$srv" || exit 1
ks_do "khaosat init --bare" "$ks" init --bare "$hub"
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
ks_do "khaosat remote add" "$ks" remote add hub "$url"
t0=$(date +%s%N)
ks_do "khaosat sync (first, laptop A)" "$ks" sync
first_sync=$(($(date +%s%N) - t0))
[ "$(git -C "$hub" rev-parse "refs/heads/devices/$DEV_A" 2>/dev/null)" = "$base" ] || {
	fail "the hub's devices/$DEV_A is not at BASE after A's first sync"
	exit 1
}

lap_b=$tmp/lap-b
note "laptop B ($DEV_B): khaosat clone, then khaosat sync at BASE"
t0=$(date +%s%N)
ks_do "khaosat clone" "$ks" clone "$url" "$lap_b" --device "$DEV_B" \
	--surveyor "Bench Two"
clone_t=$(($(date +%s%N) - t0))
cd "$lap_b" || exit 1
git config gc.auto 0
git config khaosat.email bench2@khaosat.invalid
ks_do "khaosat sync (laptop B, at BASE)" "$ks" sync
if [ "$(git rev-parse main)" != "$base" ] ||
	[ "$(git -C "$hub" rev-parse "refs/heads/devices/$DEV_B" 2>/dev/null)" != "$base" ]; then
	echo "main: $(git rev-parse main)" >"$tmp/err"
	fail "laptop B's first sync: main and the hub's devices/$DEV_B should be BASE"
	exit 1
fi
b_ff=$tmp/b-ff
cp -a "$lap_b" "$b_ff" || exit 1

ks_commit() {
	ks_do "khaosat commit -m '$1'" "$ks" commit -m "$1"
}

note "laptop B: $((2 * LOCAL)) records changed in two khaosat commits of its own"
: >"$tmp/expect.local"
while read -r k f; do
	v=$((8800000001 + k))
	# (a survey that went through this benchmark already has it)
	! grep -qx "annual_revenue: $v" "$f" || v=$((8600000001 + k))
	set_field "$f" annual_revenue "$v" || exit 1
	printf '%s\tannual_revenue: %s\n' "$f" "$v" >>"$tmp/expect.local"
	[ "$k" -ne $((CHANGES + LOCAL - 1)) ] || ks_commit "Laptop B: first visit"
done <"$tmp/sel.local"
ks_commit "Laptop B: second visit"
b_tip=$(git rev-parse main)

note "laptop A: $CHANGES records changed in two khaosat commits, then khaosat sync"
cd "$lap_a" || exit 1
: >"$tmp/expect"
half=$((CHANGES / 2))
while read -r k f; do
	v=$((7700000001 + k))
	# (a survey that went through this benchmark already has it)
	! grep -qx "annual_revenue: $v" "$f" || v=$((7600000001 + k))
	set_field "$f" annual_revenue "$v" || exit 1
	printf '%s\tannual_revenue: %s\n' "$f" "$v" >>"$tmp/expect"
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
ks_do "khaosat sync (laptop A, pushing its changes)" "$ks" sync
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
# as on a laptop where nothing was touched since the last command.
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
	if [ "$2" = 1 ]; then
		[ "$(git rev-parse HEAD)" = "$a_tip" ]
		verdict "$1: main fast-forwarded to A's tip" $?
	else
		p1=$(git rev-parse -q --verify HEAD^1)
		p2=$(git rev-parse -q --verify HEAD^2)
		{ [ "$p1" = "$b_tip" ] && [ "$p2" = "$a_tip" ]; } ||
			{ [ "$p1" = "$a_tip" ] && [ "$p2" = "$b_tip" ]; }
		verdict "$1: main is a merge of B's tip and A's" $?
	fi
	[ "$(git symbolic-ref HEAD)" = refs/heads/main ] &&
		[ -z "$(git status --porcelain)" ]
	verdict "$1: on main, work tree clean ($(git status --porcelain | wc -l) entries in git status)" $?
	: >"$tmp/missing"
	cat "$tmp/expect" >"$tmp/want"
	[ "$2" = 1 ] || cat "$tmp/expect.local" >>"$tmp/want"
	while IFS="$(printf '\t')" read -r f line; do
		git show "HEAD:$f" 2>/dev/null | grep -qxF "$line" ||
			echo "$f: $line" >>"$tmp/missing"
	done <"$tmp/want"
	n_exp=$(wc -l <"$tmp/want")
	n_miss=$(wc -l <"$tmp/missing")
	[ "$n_miss" -eq 0 ]
	verdict "$1: $((n_exp - n_miss)) of $n_exp changed values in main's tree" $?
	head -n 5 "$tmp/missing" | sed 's/^/bench-lan:   missing: /' >&2
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

# shellcheck disable=SC2317
fmt_s() {
	case "$1" in *[!0-9.]* | '') echo "$1"; return ;; esac
	awk -v s="$1" 'BEGIN { if (s < 1) printf "%.1f ms\n", s * 1000
			       else printf "%.2f s\n", s }'
}
# shellcheck disable=SC2317
fmt_kb() {
	case "$1" in *[!0-9]* | '') echo "$1"; return ;; esac
	awk -v k="$1" 'BEGIN { printf "%.1f MB\n", k / 1024 }'
}
numeric() { case "$1" in *[!0-9.]* | '') return 1 ;; esac; }

met=0
total=0
row_fmt='%-42s %10s %10s %8s  %-9s %s\n'
# row NAME KS GIT KS_TEXT GIT_TEXT LIMIT_RATIO|-
row() {
	ratio=-
	result=-
	target=-
	if numeric "$2" && numeric "$3"; then
		ratio=$(awk -v a="$2" -v b="$3" 'BEGIN { printf "%.2fx", (b > 0 ? a / b : 0) }')
	fi
	if [ "$6" != - ]; then
		target="<= ${6}x"
		total=$((total + 1))
		if [ "$ratio" = - ]; then
			result="no data"
		elif awk -v a="$2" -v b="$3" -v l="$6" 'BEGIN { exit !(a <= b * l) }'; then
			result=met
			met=$((met + 1))
		else
			result="NOT met"
		fi
	fi
	# shellcheck disable=SC2059
	printf "$row_fmt" "$1" "$4" "$5" "$ratio" "$target" "$result"
}
# rows_of LABEL KS GIT FMT LIMIT
rows_of() { row "$1" "$2" "$3" "$($4 "$2")" "$($4 "$3")" "$5"; }

echo
echo "khaosat LAN sync benchmark: N=$N workshop records, hub served by git daemon on 127.0.0.1 (git://)"
echo "laptop A: $CHANGES records changed in 2 commits, synced; laptop B: $((2 * LOCAL)) other records in 2 commits of its own"
echo "set-up (info): A's first khaosat sync of $N records $(fmt_s "$(echo "$first_sync" | awk '{ printf "%.6f", $1 / 1e9 }')"), khaosat clone $(fmt_s "$(echo "$clone_t" | awk '{ printf "%.6f", $1 / 1e9 }')")"
echo "khaosat built $ks_built ($(sha1sum "$ks" | cut -c1-12)), $(nproc) CPUs, $(git --version),"
echo "timer: $(
	if [ $tool = hyperfine ]; then hyperfine --version; else echo "date +%s%N"; fi
), median of $RUNS runs; peak memory: GNU time, one run (client side only)"
echo "git: git pull -q --no-rebase --no-edit URL devices/$DEV_A && git push -q URL main:refs/heads/devices/$DEV_B"
echo
# shellcheck disable=SC2059
printf "$row_fmt" measurement khaosat git ratio target result
rows_of "sync, both sides changed: time" "$mg_t_ks" "$mg_t_git" fmt_s 1.5
rows_of "sync, both sides changed: peak memory" "$mg_m_ks" "$mg_m_git" fmt_kb -
rows_of "sync, fast-forward: time (info)" "$ff_t_ks" "$ff_t_git" fmt_s -
rows_of "sync, fast-forward: peak memory" "$ff_m_ks" "$ff_m_git" fmt_kb -
rows_of "sync, nothing new: time (info)" "$no_t_ks" "$no_t_git" fmt_s -
echo
echo "$met of $total targets met"
if [ -n "$checks" ]; then
	echo
	echo "correctness (plain git as the witness):"
	printf '%s' "$checks"
fi
if [ $failures -ne 0 ] || [ $wrong -ne 0 ]; then
	echo
	echo "bench-lan: $failures command(s) failed or crashed, $wrong check(s) wrong (see above)"
	exit 1
fi
exit 0
