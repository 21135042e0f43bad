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
# and prints a table with the targets and whether each is met.  The check
# without caches and parsefloor are timed in turn (tests/tools/alternate,
# median of BENCH_SLOW_RUNS rounds after a warm-up); other timings use
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
bench=bench
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$top/tests/bench/lib.sh"
N=${BENCH_N:-100000}
RUNS=${BENCH_RUNS:-5}
SLOW_RUNS=${BENCH_SLOW_RUNS:-3}
ROUNDS=${BENCH_ROUNDS:-5}
BULK_TIMEOUT=${BENCH_BULK_TIMEOUT:-300}

bench_need "run 'make bench'" "$ks" "$tools/gensurvey" "$tools/parsefloor" "$tools/alternate"
bench_numbers BENCH_N="$N"
if [ "$N" -lt 100 ]; then
	note "BENCH_N must be at least 100"
	exit 2
fi

# hyperfine and GNU time, installed like the build dependencies when missing
bench_deps hyperfine:hyperfine time:time
bench_timer
bench_tmp bench
bench_copy gensurvey parsefloor alternate
bench_env

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
bench_init "$survey"
note "generating $N records in $survey"
t0=$(date +%s%N)
bench_gensurvey "$survey"
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
bench_git_import "$survey"
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
bench_check_cold "$survey"

if [ -x /usr/bin/time ]; then
	note "peak memory of khaosat check, warm then without caches"
	peak "'$ks' check"
	mem_ks=$K
	rm -rf .git/khaosat
	peak "'$ks' check"
	mem_cold=$K
	peak "'$tools/parsefloor' '$survey/records'"
	mem_floor=$K
else
	note "no /usr/bin/time (apt-get install time): peak memory not measured"
	mem_ks=n/a
	mem_cold=n/a
	mem_floor=n/a
fi

# ---- the table ----

# absolute NAME VALUE LIMIT KS_TEXT OTHER_TEXT TARGET_TEXT: value < limit
absolute() {
	total=$((total + 1))
	if ! numeric "$2"; then
		result="no data"
	elif [ "$2" -lt "$3" ]; then
		result=met
		met=$((met + 1))
	else
		result="NOT met"
	fi
	# shellcheck disable=SC2059
	printf "$row_fmt" "$1" "$4" "$5" - "$6" "$result"
}

echo
echo "khaosat benchmark: N=$N workshop records ($(fmt_b "$bytes" KB), $((bytes / N)) B each), 50 devices"
built_line
echo "timer: $(timer_name), median of $RUNS runs ($SLOW_RUNS for whole-survey runs, $ROUNDS commit rounds)"
echo
table_start '%-36s %11s %11s %8s  %-9s %s\n' "git/floor"
rows_of "bulk commit of $N new records" "$bulk_ks" "$bulk_git" fmt_s -
rows_of "status, clean tree" "$st_ks" "$st_git" fmt_s 2
rows_of "status, 1 record modified" "$st1_ks" "$st1_git" fmt_s 2
rows_of "commit of 1 changed record" "$cm_ks" "$cm_git" fmt_s 2
rows_of "check ID vs git status" "$ck1_ks" "$st_git" fmt_s 2
rows_of "check ID vs git commit (info)" "$ck1_ks" "$cm_git" fmt_s -
rows_of "check ID, first run, no cache (info)" "$ck1_cold" "$st_git" fmt_s -
absolute "new objects, 1-record commit" "$obj_ks" 20480 \
	"$(fmt_b "$obj_ks" KB)" "$(fmt_b "$obj_git" KB)" "< 20 KB"
row "du -sb .git growth, same (info)" "$du_ks" "$du_git" \
	"$(fmt_b "$du_ks" KB)" "$(fmt_b "$du_git" KB)" -
rows_of "check all, no cache, vs parse floor" "$all_cold" "$all_floor" fmt_s 1.3
rows_of "check all, warm cache, vs floor" "$all_ks" "$all_floor" fmt_s 1.3
absolute "peak memory, check, no cache" "$mem_cold" 32768 \
	"$(fmt_kb "$mem_cold")" "$(fmt_kb "$mem_floor")" "< 32 MB"
absolute "peak memory, check, warm cache" "$mem_ks" 32768 \
	"$(fmt_kb "$mem_ks")" "$(fmt_kb "$mem_floor")" "< 32 MB"
table_end
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
# ---- the performance targets (issue 20) in one table: tests/bench/perf.sh
# on a copy of this survey's records ----
echo
if ! BUILD=$BUILD BENCH_SURVEY=$survey sh "$top/tests/bench/perf.sh"; then
	failures=$((failures + 1))
fi
# ---- the others, each on a copy of this survey: merge (issue 4), bundles,
# LAN sync through a hub, history and blame (issue 7); then verify (issue
# 7) on a survey of its own, signed, and SSH signature checks ----
for b in merge bundle lan history; do
	echo
	if ! BUILD=$BUILD BENCH_SURVEY=$survey sh "$top/tests/bench/$b.sh"; then
		failures=$((failures + 1))
	fi
done
echo
if ! BUILD=$BUILD BENCH_N=$N sh "$top/tests/bench/verify.sh"; then
	failures=$((failures + 1))
fi
# ---- SSH signatures checked in process vs ssh-keygen: tests/bench/sshsig.sh
echo
if ! BUILD=$BUILD sh "$top/tests/bench/sshsig.sh"; then
	failures=$((failures + 1))
fi
# ---- authentication of new commits in a signed survey: tests/bench/auth.sh
echo
if ! BUILD=$BUILD sh "$top/tests/bench/auth.sh"; then
	failures=$((failures + 1))
fi
# ---- export (issue 8): tests/bench/export.sh on a copy of this survey ----
echo
if ! BUILD=$BUILD BENCH_SURVEY=$survey sh "$top/tests/bench/export.sh"; then
	failures=$((failures + 1))
fi
# ---- serve (issue 18): tests/bench/serve.sh on a copy of this survey ----
echo
if ! BUILD=$BUILD BENCH_SURVEY=$survey sh "$top/tests/bench/serve.sh"; then
	failures=$((failures + 1))
fi
# ---- attached photos (issue 19): tests/bench/attach.sh, a survey of its own
echo
if ! BUILD=$BUILD sh "$top/tests/bench/attach.sh"; then
	failures=$((failures + 1))
fi
[ $failures -eq 0 ] || {
	echo
	echo "bench: $failures command(s) failed or crashed (see above)"
	exit 1
}
exit 0
