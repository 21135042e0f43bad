#!/bin/sh
# History benchmark (issue 7, "Speed"): khaosat history of one record
# against git log -p of its file, in the same run on the same repository,
# in a survey of BENCH_N workshop records with BENCH_COMMITS commits of
# history made by tests/bench/mkhistory.sh (git fast-import: edits of one
# field of one to three records by several surveyors and devices, a side
# branch merged every BENCH_EVERY commits; the benchmarked record changed
# by about one commit in fifty, on main and on the side branches).
#
# First it checks that the benchmark measures real work: khaosat check of
# the benchmarked record and of every record the history changed passes,
# and khaosat history ID lists at least the commits that git log
# --no-merges -- PATH lists (both counts printed, with the generator's).
# Then it measures, median of BENCH_RUNS runs after a warm-up:
#
#   khaosat history ID          vs git log -p -- PATH     target <= 2x
#   khaosat history ID FIELD    vs git log -p -- PATH     (information)
#   khaosat blame ID            vs git blame PATH         (information)
#   khaosat history ID          vs git log -- PATH, no patch (information)
#
# with the CPU time (user + system) of the first two, for information: on
# a busy machine it says more than the wall time; and the peak RSS of khaosat history and git log -p (GNU time), and prints
# a table with the ratios and whether the target is met.  Timings use
# hyperfine when it is installed, or installable as root; otherwise date
# +%s%N around each run.  The programs are copied first, so a rebuild
# during the run changes nothing.
#
#   BUILD=build/release sh tests/bench/history.sh
#
# BENCH_N        records (default 100000)
# BENCH_COMMITS  commits of history (default 5000)
# BENCH_RUNS     timed runs of each command (default 5)
# BENCH_FIELD    the field of 'khaosat history ID FIELD' (default
#                workers.regular)
# BENCH_SURVEY=DIR  a folder that mkhistory.sh made (git config
#                bench.record set): used as it is, not made again (khaosat
#                may leave its caches in DIR/.git/khaosat); a folder that
#                does not exist: the survey is made there and kept, for the
#                next runs; any other survey (committed, clean, on main,
#                e.g. tests/bench/run.sh's): copied, and the history made on
#                top of the copy.  BENCH_N is then the survey's own.
# BENCH_EVERY, BENCH_SIDE, BENCH_TOUCH, BENCH_POOL, BENCH_SEED, BENCH_LOOSE
#                the history's shape, see tests/bench/mkhistory.sh
# BENCH_TOOL=date  use the fallback timer even when hyperfine is there
# BENCH_KEEP=1   keep the temporary folder (its path is printed)
#
# A benchmark, not a test: a target that is not met never fails it.  Exit 0;
# 1 when a command crashed or failed, or a sanity check failed; 2 on bad
# arguments.
set -u
bench="bench-history"
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$top/tests/bench/lib.sh"
N=${BENCH_N:-100000}
COMMITS=${BENCH_COMMITS:-5000}
RUNS=${BENCH_RUNS:-5}
FIELD=${BENCH_FIELD:-workers.regular}
SRC=${BENCH_SURVEY:-}

bench_need "build it with make BUILD=$BUILD $BUILD/khaosat $BUILD/tests/tools/gensurvey" \
	"$ks" "$tools/gensurvey"
bench_numbers BENCH_N="$N" BENCH_COMMITS="$COMMITS" BENCH_RUNS="$RUNS"
if [ "$RUNS" -lt 1 ] || [ "$COMMITS" -lt 1 ]; then
	note "BENCH_RUNS and BENCH_COMMITS must be at least 1"
	exit 2
fi

# hyperfine and GNU time, installed like the build dependencies when missing
bench_deps hyperfine:hyperfine /usr/bin/time:time
bench_timer
bench_tmp history
bench_copy gensurvey
bench_env
# the CPU time too: on a busy machine it says more than the wall time
bench_cpu=1
# a zero time of git's is below the timer's resolution: no ratio
row_zero=-

# ---- the survey ----

# gen DIR: mkhistory.sh into DIR, its assignments into $tmp/hist.env
gen() {
	note "mkhistory.sh $1 (BENCH_COMMITS=$COMMITS)"
	t0=$(date +%s%N)
	if ! KHAOSAT=$ks GENSURVEY=$tools/gensurvey BENCH_N=$N \
		BENCH_COMMITS=$COMMITS sh "$top/tests/bench/mkhistory.sh" "$1" \
		>"$tmp/hist.env" 2>"$tmp/err"; then
		fail "tests/bench/mkhistory.sh $1"
		exit 1
	fi
	t1=$(date +%s%N)
	gen_s=$(echo $((t1 - t0)) | awk '{ printf "%.0f\n", $1 / 1e9 }')
	note "made in $gen_s s"
}

gen_s=
if [ -n "$SRC" ] && [ -d "$SRC" ] &&
	[ -n "$(git -C "$SRC" config bench.record 2>/dev/null)" ]; then
	survey=$(cd "$SRC" && pwd)
	note "reusing $survey"
	git_cfg() { git -C "$survey" config "bench.$1"; }
	{
		echo "HIST_ID=$(git_cfg record)"
		echo "HIST_PATH=$(git_cfg path)"
		echo "HIST_N=$(git_cfg n)"
		echo "HIST_COMMITS=$(git_cfg commits)"
		echo "HIST_MERGES=$(git_cfg merges)"
		echo "HIST_TOUCHED=$(git_cfg touched)"
		echo "HIST_BASE=$(git_cfg base)"
	} >"$tmp/hist.env"
elif [ -n "$SRC" ] && [ -d "$SRC" ]; then
	survey=$tmp/survey
	note "copying $SRC"
	cp -a "$SRC" "$survey" || exit 1
	# khaosat's caches describe that survey's use, not this benchmark
	rm -rf "$survey/.git/khaosat"
	gen "$survey"
elif [ -n "$SRC" ]; then
	case "$SRC" in /*) survey=$SRC ;; *) survey=$(pwd)/$SRC ;; esac
	gen "$survey"
else
	survey=$tmp/survey
	gen "$survey"
fi
HIST_ID=
HIST_PATH=
HIST_N=
HIST_COMMITS=
HIST_MERGES=
HIST_TOUCHED=
HIST_BASE=
# shellcheck source=/dev/null
. "$tmp/hist.env"
id=$HIST_ID
path=$HIST_PATH
cd "$survey" || exit 1
if [ -z "$id" ] || [ ! -f "$path" ]; then
	note "no benchmarked record in $survey (git config bench.record, bench.path)"
	exit 1
fi
N=$HIST_N

# ---- sanity: the work is real ----

note "khaosat check of $id and of every record the history changed"
if ! "$ks" check "$id" >/dev/null 2>"$tmp/err"; then
	fail "khaosat check $id"
fi
git log --format= --name-only "$HIST_BASE..main" -- records/workshop | sort -u | sed 's|.*/||; s|\.yaml$||' >"$tmp/changed"
nchanged=$(wc -l <"$tmp/changed")
# shellcheck disable=SC2046
if ! "$ks" check $(cat "$tmp/changed") >"$tmp/out" 2>"$tmp/err"; then
	cat "$tmp/out" >>"$tmp/err"
	fail "khaosat check of the $nchanged records the history changed"
fi

note "khaosat history $id against git log -- $path"
if "$ks" history --json "$id" >"$tmp/hist.json" 2>"$tmp/err"; then
	grep -o '{"commit":"[0-9a-f]*"' "$tmp/hist.json" | cut -d'"' -f4 |
		sort -u >"$tmp/ks.commits"
else
	fail "khaosat history --json $id"
	: >"$tmp/ks.commits"
fi
git log --no-merges --format=%H -- "$path" | sort >"$tmp/git.commits"
n_ks=$(wc -l <"$tmp/ks.commits")
n_git=$(wc -l <"$tmp/git.commits")
n_git_all=$(git log --format=%H -- "$path" | wc -l)
n_missing=$(comm -23 "$tmp/git.commits" "$tmp/ks.commits" | wc -l)
n_events=$(grep -c '"kind":' "$tmp/hist.json")
sanity="khaosat history: $n_ks commits ($n_events changes); git log --no-merges -- PATH: $n_git ($n_git_all with merges); the generator: $HIST_TOUCHED + the import"
if [ "$n_ks" -lt "$n_git" ] || [ "$n_missing" -ne 0 ] || [ "$n_git" -lt 2 ]; then
	comm -23 "$tmp/git.commits" "$tmp/ks.commits" | head -n 5 |
		sed 's/^/not in khaosat history: /' >"$tmp/err"
	fail "$sanity; $n_missing of git's commits missing"
	sanity="$sanity: WRONG"
else
	sanity="$sanity: ok"
fi
note "$sanity"

# ---- timing ----

qpath="'$path'"
note "khaosat history $id vs git log -p -- $path ($tool, median of $RUNS)"
measure "$RUNS" "'$ks' history $id" && h_ks=$M || h_ks=failed
hc_ks=$C
measure "$RUNS" "git --no-pager log -p -- $qpath" && h_git=$M || h_git=failed
hc_git=$C
note "khaosat history $id $FIELD"
measure "$RUNS" "'$ks' history $id '$FIELD'" && hf_ks=$M || hf_ks=failed
note "khaosat blame $id vs git blame $path"
measure "$RUNS" "'$ks' blame $id" && b_ks=$M || b_ks=failed
measure "$RUNS" "git --no-pager blame -- $qpath" && b_git=$M || b_git=failed
note "git log -- $path, no patch"
measure "$RUNS" "git --no-pager log --format=%H -- $qpath" && l_git=$M ||
	l_git=failed

peak "'$ks' history $id"
m_ks=$K
peak "git --no-pager log -p -- $qpath"
m_git=$K

# ---- the table ----

ncommits=$(git rev-list --count main)
nmerges=$(git rev-list --merges --count main)
loose=$(git count-objects -v | sed -n 's/^count: //p')
packed=$(git count-objects -v | sed -n 's/^in-pack: //p')
echo
echo "khaosat history benchmark: N=$N workshop records, $ncommits commits on main ($nmerges merges)"
echo "record $id ($path), changed by $HIST_TOUCHED of the $HIST_COMMITS generated commits (and $HIST_MERGES merges)${gen_s:+, generated in $gen_s s}"
echo "objects: $loose loose, $packed packed"
built_line
echo "timer: $(timer_name), median of $RUNS runs; load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "$sanity"
echo
table_start '%-48s %10s %10s %8s  %-9s %s\n'
rows_of "history ID vs git log -p -- PATH" "$h_ks" "$h_git" fmt_s 2
rows_of "history ID vs git log -p, CPU time (info)" "$hc_ks" "$hc_git" fmt_s -
rows_of "history ID $FIELD vs git log -p (info)" "$hf_ks" "$h_git" fmt_s -
rows_of "blame ID vs git blame PATH (info)" "$b_ks" "$b_git" fmt_s -
rows_of "history ID vs git log -- PATH (info)" "$h_ks" "$l_git" fmt_s -
rows_of "peak memory, history vs git log -p (info)" "$m_ks" "$m_git" fmt_kb -
table_end
[ $failures -eq 0 ] || {
	echo
	echo "bench-history: $failures command(s) failed or a check was wrong (see above)"
	exit 1
}
exit 0
