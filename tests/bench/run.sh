#!/bin/sh
# make bench: khaosat against plain git and against a bare libyaml parse, on
# one survey of generated workshop records (issue 2).  In a temporary folder
# it creates a survey, writes BENCH_N records with gensurvey, commits them,
# then measures in the same run:
#
#   status          khaosat status vs git status, clean and with 1 change
#   commit          khaosat commit vs git commit -a of one changed record,
#                   alternating, BENCH_ROUNDS rounds, median
#   check ID        khaosat check of one record vs git status (and vs the
#                   git commit above, for information); also its first run
#                   without khaosat's caches in .git/khaosat
#   growth          bytes of the new loose objects of a one-record commit
#                   (and how much du -sb .git grows)
#   check all       khaosat check of the whole survey, without its caches
#                   and warm, vs parsefloor (read each file and run
#                   libyaml's parser over it, nothing else)
#   memory          peak RSS of khaosat check (GNU time %M), both ways
#
# and prints a table with the targets and whether each is met.  Timings use
# hyperfine (median of BENCH_RUNS runs after a warm-up) when it is
# installed, or installable as root; otherwise date +%s%N around each run.
# The programs are copied first, so a rebuild during the run changes nothing.
#
#   BUILD=build/release sh tests/bench/run.sh
#
# BENCH_N       records (default 100000)
# BENCH_RUNS    timed runs of each quick command (default 5)
# BENCH_SLOW_RUNS  timed runs of whole-survey commands (default 3)
# BENCH_ROUNDS  alternating commit rounds (default 5)
# BENCH_BULK_TIMEOUT  seconds khaosat may take to commit everything at once
#               (default 300); past it, plain git commits the import
# BENCH_TOOL=date  use the fallback timer even when hyperfine is there
# BENCH_KEEP=1  keep the temporary folder (its path is printed)
#
# A benchmark, not a test: a target that is not met never fails it.  Exit 0,
# or 1 when a command crashed or failed.
set -u
BUILD=${BUILD:-build/release}
top=$(cd "$(dirname "$0")/../.." && pwd)
ks=$top/$BUILD/khaosat
tools=$top/$BUILD/tests/tools
N=${BENCH_N:-100000}
RUNS=${BENCH_RUNS:-5}
SLOW_RUNS=${BENCH_SLOW_RUNS:-3}
ROUNDS=${BENCH_ROUNDS:-5}
BULK_TIMEOUT=${BENCH_BULK_TIMEOUT:-300}

for f in "$ks" "$tools/gensurvey" "$tools/parsefloor"; do
	if [ ! -x "$f" ]; then
		echo "bench: $f is missing; run 'make bench'" >&2
		exit 1
	fi
done
case "$N" in '' | *[!0-9]*)
	echo "bench: BENCH_N must be a number" >&2
	exit 2 ;;
esac
if [ "$N" -lt 100 ]; then
	echo "bench: BENCH_N must be at least 100" >&2
	exit 2
fi

# hyperfine and GNU time, installed like the build dependencies when missing
sh "$top/tests/deps.sh" -- hyperfine:hyperfine time:time 2>&1 |
	sed 's/^/bench: /' >&2
tool="date"
if [ "${BENCH_TOOL:-}" != date ] && command -v hyperfine >/dev/null 2>&1; then
	tool=hyperfine
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/khaosat-bench.XXXXXX") || exit 1
# shellcheck disable=SC2317
cleanup() {
	cd /
	if [ -n "${BENCH_KEEP:-}" ]; then
		echo "bench: kept $tmp" >&2
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Copies of the programs, so that a rebuild during the run changes nothing.
mkdir -p "$tmp/bin"
cp "$ks" "$tools/gensurvey" "$tools/parsefloor" "$tmp/bin/" || exit 1
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
	GIT_CONFIG_PARAMETERS XDG_CONFIG_HOME

failures=0
# fail WHAT: a command crashed or failed; the run goes on where it can.
fail() {
	echo "bench: FAILED: $1" >&2
	if [ -s "$tmp/err" ]; then
		sed 's/^/bench:   /' "$tmp/err" | head -n 20 >&2
	fi
	failures=$((failures + 1))
}

note() { echo "bench: $*" >&2; }

# The median of the numbers on standard input.
median() {
	sort -n | awk '{ v[NR] = $1 }
		END { if (!NR) exit 1
		      printf "%.0f\n", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# The median of nanosecond counts on standard input, in seconds.
median_s() {
	median | awk '{ printf "%.6f\n", $1 / 1e9 }' | grep .
}

# timed CMD...: runs CMD once, output discarded, errors in $tmp/err;
# prints the elapsed nanoseconds and returns CMD's exit code.
timed() {
	t0=$(date +%s%N)
	"$@" >/dev/null 2>"$tmp/err"
	rc=$?
	t1=$(date +%s%N)
	echo $((t1 - t0))
	return $rc
}

# measure RUNS CMD [PREPARE]: the median wall time of the command CMD (a
# string, words quoted for the shell, no other shell syntax) in seconds, in
# $M; 1 if it failed.  PREPARE, a command of the same kind, runs before
# each run, untimed.
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
	while [ $m_i -lt "$1" ]; do
		if ! eval "$prep" || ! eval "timed $2" >>"$tmp/times"; then
			fail "$2"
			return 1
		fi
		m_i=$((m_i + 1))
	done
	M=$(median_s <"$tmp/times")
}

# The id of record <device number> <counter>, and where it lives (found,
# not computed, so that the layout is khaosat's business).
rec_id() { printf 'd%02d-%04d' "$1" "$2"; }
rec_path() {
	find "records/workshop/d$(printf %02d "$1")" -name "$(rec_id "$1" "$2").yaml" |
		head -n 1
}

# touch_record DEV COUNTER VALUE: a small valid change (the floor area).
touch_record() {
	tr_f=$(rec_path "$1" "$2")
	if [ ! -f "$tr_f" ]; then
		echo "no record $(rec_id "$1" "$2")" >"$tmp/err"
		fail "touch $(rec_id "$1" "$2")"
		return 1
	fi
	sed -i "s/^floor_area: .*/floor_area: $3/" "$tr_f"
}

gitsize() { du -sb .git | cut -f1; }
# The loose object files, sorted.  (Not find -newer: libgit2 and git
# "freshen" an object they write again by setting its time, libgit2 to the
# second, so old objects look new and new ones can look old.)
objects() { find .git/objects -type f -path '*/objects/??/*' | sort; }

# ---- the survey ----

survey=$tmp/survey
per_dev=$((N / 50))
c0=$((per_dev / 2))
[ $c0 -ge 1 ] || c0=1
"$ks" init "$survey" --device bench --surveyor Bench \
	--name "Bench: $N workshops" >/dev/null 2>"$tmp/err" || {
	fail "khaosat init"
	exit 1
}
cd "$survey" || exit 1
# git would pack 100,000 loose objects in the background in the middle of
# a measurement; khaosat (libgit2) never does.
git config gc.auto 0
note "generating $N records in $survey"
t0=$(date +%s%N)
"$tools/gensurvey" "$survey" "$N" >"$tmp/gen.out" 2>"$tmp/err" || {
	fail gensurvey
	exit 1
}
t1=$(date +%s%N)
bytes=$(sed -n 's/.*, \([0-9]*\) bytes$/\1/p' "$tmp/gen.out")
note "$(cat "$tmp/gen.out") in $(echo $((t1 - t0)) | median_s) s"

# ---- the bulk import ----

note "khaosat commit of $N new records (limit ${BULK_TIMEOUT}s)"
bulk_ks=
if ns=$(timed timeout "$BULK_TIMEOUT" "$ks" commit -m "Import $N workshops"); then
	bulk_ks=$(echo "$ns" | median_s)
else
	rc=$?
	if [ $rc -eq 124 ]; then
		note "khaosat commit took more than ${BULK_TIMEOUT}s: stopped"
		bulk_ks="> ${BULK_TIMEOUT} s"
	else
		fail "khaosat commit of $N new records (exit $rc)"
		bulk_ks=failed
	fi
	rm -f .git/index.lock
	note "committing the import with git add -A && git commit"
	if ! git add -A || ! git commit -q -m "Import $N workshops"; then
		fail "git commit of the import"
		exit 1
	fi
fi
# git's time for the same import, into a second repository of the same
# work tree, so that neither finds the other's objects already written
note "git add -A && git commit of the same files (reference repository)"
env GIT_DIR="$tmp/ref.git" git init -q -b main 2>/dev/null ||
	env GIT_DIR="$tmp/ref.git" git init -q
env GIT_DIR="$tmp/ref.git" git config gc.auto 0
if ns=$(timed env GIT_DIR="$tmp/ref.git" GIT_WORK_TREE="$survey" \
	sh -c 'git add -A && git commit -q -m import'); then
	bulk_git=$(echo "$ns" | median_s)
else
	fail "git add -A && git commit into the reference repository"
	bulk_git=failed
fi
rm -rf "$tmp/ref.git"
if [ -n "$(git status --porcelain)" ]; then
	git status --porcelain | head -n 5 >"$tmp/err"
	fail "the work tree is not clean after the import"
fi

# ---- status ----

note "status, clean tree"
measure "$RUNS" "'$ks' status" && st_ks=$M || st_ks=failed
measure "$RUNS" "git status" && st_git=$M || st_git=failed

note "status, one record modified"
touch_record 50 "$c0" 987651
measure "$RUNS" "'$ks' status" && st1_ks=$M || st1_ks=failed
measure "$RUNS" "git status" && st1_git=$M || st1_git=failed
git checkout -q -- "$(rec_path 50 "$c0")"

# ---- check ID ----

id=$(rec_id 7 "$c0")
# check ID compares the record's unique values with every committed record
# through a cache in .git/khaosat; the first run after an import builds it.
note "khaosat check $id, once without khaosat's caches, then warm"
rm -rf .git/khaosat
if ns=$(timed "$ks" check "$id"); then
	ck1_cold=$(echo "$ns" | median_s)
else
	fail "khaosat check $id (cold)"
	ck1_cold=failed
fi
measure "$RUNS" "'$ks' check $id" && ck1_ks=$M || ck1_ks=failed

# ---- commits of one record, alternating ----

# commit_round ks|git DEV COUNTER ROUND: changes a record, commits it, and
# appends the time, the growth of du -sb .git and the bytes of new objects
# to $tmp/{time,du,obj}.ks or .git
commit_round() {
	touch_record "$2" "$3" $((123450 + $4)) || return 1
	before=$(gitsize)
	objects >"$tmp/objs.before"
	if [ "$1" = ks ]; then
		ns=$(timed "$ks" commit -m "bench round $4")
	else
		ns=$(timed git commit -q -am "bench round $4")
	fi || {
		fail "$1 commit of one record (round $4)"
		return 1
	}
	echo "$ns" >>"$tmp/time.$1"
	echo $(($(gitsize) - before)) >>"$tmp/du.$1"
	objects | comm -13 "$tmp/objs.before" - >"$tmp/newobjs.$1"
	xargs -r stat -c %s <"$tmp/newobjs.$1" |
		awk '{ s += $1 } END { print s + 0 }' >>"$tmp/obj.$1"
	[ "$4" -ne 1 ] || cp "$tmp/newobjs.$1" "$tmp/newobjs1.$1"
}

note "commit of one changed record, $ROUNDS rounds each, alternating"
for f in time du obj; do
	: >"$tmp/$f.ks"
	: >"$tmp/$f.git"
done
r=1
while [ $r -le "$ROUNDS" ]; do
	dev=$(((r - 1) % 25 + 1))
	cnt=$((c0 + (r - 1) / 25))
	[ $cnt -le "$per_dev" ] || cnt=1
	commit_round ks "$dev" "$cnt" "$r"
	commit_round git $((dev + 25)) "$cnt" "$r"
	r=$((r + 1))
done
cm_ks=$(median_s <"$tmp/time.ks") || cm_ks=failed
cm_git=$(median_s <"$tmp/time.git") || cm_git=failed
du_ks=$(median <"$tmp/du.ks") || du_ks=failed
du_git=$(median <"$tmp/du.git") || du_git=failed
obj_ks=$(median <"$tmp/obj.ks") || obj_ks=failed
obj_git=$(median <"$tmp/obj.git") || obj_git=failed

# ---- the whole survey ----

# With its cache of committed records, check need not parse unchanged
# records at all; without it (a fresh clone, a schema change) it must.
note "khaosat check of all $N records, warm"
measure "$SLOW_RUNS" "'$ks' check" && all_ks=$M || all_ks=failed
note "khaosat check of all $N records, caches removed before each run"
measure "$SLOW_RUNS" "'$ks' check" "rm -rf .git/khaosat" && all_cold=$M ||
	all_cold=failed
note "parsefloor of the same files"
measure "$SLOW_RUNS" "'$tools/parsefloor' '$survey/records'" && all_floor=$M ||
	all_floor=failed

# peak CMD...: the peak resident memory of CMD in KB, in $P
peak() {
	if /usr/bin/time -o "$tmp/mem" -f %M "$@" >/dev/null 2>"$tmp/err"; then
		P=$(tail -n 1 "$tmp/mem")
	else
		fail "$* (peak memory run)"
		P=failed
	fi
}
if [ -x /usr/bin/time ]; then
	note "peak memory of khaosat check, warm then without caches"
	peak "$ks" check
	mem_ks=$P
	rm -rf .git/khaosat
	peak "$ks" check
	mem_cold=$P
	peak "$tools/parsefloor" "$survey/records"
	mem_floor=$P
else
	note "no /usr/bin/time (apt-get install time): peak memory not measured"
	mem_ks=n/a
	mem_cold=n/a
	mem_floor=n/a
fi

# ---- the table ----

# fmt_s SECONDS: "412 ms" or "1.23 s"
fmt_s() {
	case "$1" in *[!0-9.]* | '') echo "$1"; return ;; esac
	awk -v s="$1" 'BEGIN { if (s < 1) printf "%.1f ms\n", s * 1000
			       else printf "%.2f s\n", s }'
}
fmt_b() {
	case "$1" in *[!0-9]* | '') echo "$1"; return ;; esac
	awk -v b="$1" 'BEGIN { if (b < 10240) printf "%d B\n", b
			       else printf "%.1f KB\n", b / 1024 }'
}
fmt_kb() {
	case "$1" in *[!0-9]* | '') echo "$1"; return ;; esac
	awk -v k="$1" 'BEGIN { printf "%.1f MB\n", k / 1024 }'
}
numeric() { case "$1" in *[!0-9.]* | '') return 1 ;; esac; }

met=0
total=0
row_fmt='%-36s %11s %11s %8s  %-9s %s\n'
# row NAME KS GIT KS_TEXT GIT_TEXT LIMIT_RATIO|- : a ratio row
row() {
	ratio=-
	verdict=-
	target=-
	if numeric "$2" && numeric "$3"; then
		ratio=$(awk -v a="$2" -v b="$3" 'BEGIN { printf "%.2fx", (b > 0 ? a / b : 0) }')
	fi
	if [ "$6" != - ]; then
		target="<= ${6}x"
		total=$((total + 1))
		if [ "$ratio" = - ]; then
			verdict="no data"
		elif awk -v a="$2" -v b="$3" -v l="$6" 'BEGIN { exit !(a <= b * l) }'; then
			verdict=met
			met=$((met + 1))
		else
			verdict="NOT met"
		fi
	fi
	# shellcheck disable=SC2059
	printf "$row_fmt" "$1" "$4" "$5" "$ratio" "$target" "$verdict"
}
# absolute NAME VALUE LIMIT KS_TEXT OTHER_TEXT TARGET_TEXT: value < limit
absolute() {
	total=$((total + 1))
	if ! numeric "$2"; then
		verdict="no data"
	elif [ "$2" -lt "$3" ]; then
		verdict=met
		met=$((met + 1))
	else
		verdict="NOT met"
	fi
	# shellcheck disable=SC2059
	printf "$row_fmt" "$1" "$4" "$5" - "$6" "$verdict"
}

echo
echo "khaosat benchmark: N=$N workshop records ($(fmt_b "$bytes"), $((bytes / N)) B each), 50 devices"
echo "khaosat built $ks_built ($(sha1sum "$ks" | cut -c1-12)), $(nproc) CPUs, $(git --version),"
echo "timer: $(
	if [ $tool = hyperfine ]; then hyperfine --version; else echo "date +%s%N"; fi
), median of $RUNS runs ($SLOW_RUNS for whole-survey runs, $ROUNDS commit rounds)"
echo
# shellcheck disable=SC2059
printf "$row_fmt" measurement khaosat "git/floor" ratio target result
row "bulk commit of $N new records" "$bulk_ks" "$bulk_git" \
	"$(fmt_s "$bulk_ks")" "$(fmt_s "$bulk_git")" -
row "status, clean tree" "$st_ks" "$st_git" "$(fmt_s "$st_ks")" "$(fmt_s "$st_git")" 2
row "status, 1 record modified" "$st1_ks" "$st1_git" \
	"$(fmt_s "$st1_ks")" "$(fmt_s "$st1_git")" 2
row "commit of 1 changed record" "$cm_ks" "$cm_git" \
	"$(fmt_s "$cm_ks")" "$(fmt_s "$cm_git")" 2
row "check ID vs git status" "$ck1_ks" "$st_git" \
	"$(fmt_s "$ck1_ks")" "$(fmt_s "$st_git")" 2
row "check ID vs git commit (info)" "$ck1_ks" "$cm_git" \
	"$(fmt_s "$ck1_ks")" "$(fmt_s "$cm_git")" -
row "check ID, first run, no cache (info)" "$ck1_cold" "$st_git" \
	"$(fmt_s "$ck1_cold")" "$(fmt_s "$st_git")" -
absolute "new objects, 1-record commit" "$obj_ks" 20480 \
	"$(fmt_b "$obj_ks")" "$(fmt_b "$obj_git")" "< 20 KB"
row "du -sb .git growth, same (info)" "$du_ks" "$du_git" \
	"$(fmt_b "$du_ks")" "$(fmt_b "$du_git")" -
row "check all, no cache, vs parse floor" "$all_cold" "$all_floor" \
	"$(fmt_s "$all_cold")" "$(fmt_s "$all_floor")" 1.3
row "check all, warm cache, vs floor" "$all_ks" "$all_floor" \
	"$(fmt_s "$all_ks")" "$(fmt_s "$all_floor")" 1.3
absolute "peak memory, check, no cache" "$mem_cold" 32768 \
	"$(fmt_kb "$mem_cold")" "$(fmt_kb "$mem_floor")" "< 32 MB"
absolute "peak memory, check, warm cache" "$mem_ks" 32768 \
	"$(fmt_kb "$mem_ks")" "$(fmt_kb "$mem_floor")" "< 32 MB"
echo
echo "$met of $total targets met"
if [ -s "$tmp/newobjs1.ks" ]; then
	echo
	echo "objects written by one khaosat commit (round 1):"
	while read -r p; do
		h=$(echo "$p" | sed 's|.*objects/\(..\)/\(.*\)|\1\2|')
		printf '  %-6s %8s B on disk, %8s B raw  %s\n' \
			"$(git cat-file -t "$h")" "$(stat -c %s "$p")" \
			"$(git cat-file -s "$h")" "$h"
	done <"$tmp/newobjs1.ks"
fi
if [ -d .git/khaosat ]; then
	echo
	echo "khaosat's caches: $(du -sb .git/khaosat | cut -f1) bytes in .git/khaosat"
fi
# ---- merge (issue 4): tests/bench/merge.sh on a copy of this survey ----
echo
if ! BUILD=$BUILD BENCH_SURVEY=$survey sh "$top/tests/bench/merge.sh"; then
	failures=$((failures + 1))
fi
# ---- bundles: tests/bench/bundle.sh on a copy of this survey ----
echo
if ! BUILD=$BUILD BENCH_SURVEY=$survey sh "$top/tests/bench/bundle.sh"; then
	failures=$((failures + 1))
fi
# ---- LAN sync through a hub: tests/bench/lan.sh on a copy of this survey ----
echo
if ! BUILD=$BUILD BENCH_SURVEY=$survey sh "$top/tests/bench/lan.sh"; then
	failures=$((failures + 1))
fi
# ---- history and blame (issue 7): tests/bench/history.sh on a copy of this survey ----
echo
if ! BUILD=$BUILD BENCH_SURVEY=$survey sh "$top/tests/bench/history.sh"; then
	failures=$((failures + 1))
fi
# ---- verify (issue 7): tests/bench/verify.sh on a survey of its own, signed ----
echo
if ! BUILD=$BUILD BENCH_N=$N sh "$top/tests/bench/verify.sh"; then
	failures=$((failures + 1))
fi
[ $failures -eq 0 ] || {
	echo
	echo "bench: $failures command(s) failed or crashed (see above)"
	exit 1
}
exit 0
