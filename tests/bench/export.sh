#!/bin/sh
# The export benchmark (issue 8): a generated survey of BENCH_N workshop
# records (1% of them invalid), committed with plain git, then in the same
# run:
#
#   check         khaosat check of the whole survey, without its caches
#                 (every record parsed and validated) and warm
#   export csv    khaosat export --format csv, against check's times
#                 (target: within 2x of check)
#   export xlsx   wall time and peak resident memory (GNU time)
#                 (targets: under 30 s and 200 MB for 100,000 records)
#
# Not part of make check.  Timings are the median of BENCH_SLOW_RUNS runs
# (default 3), measured with date +%s%N.
#
#   BUILD=build/release sh tests/bench/export.sh
#
# BENCH_N       records (default 100000)
# BENCH_SURVEY  use this survey (already committed) instead of generating one
# BENCH_KEEP=1  keep the temporary folder
set -u
bench="bench"
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/bench/lib.sh"
gen=$tools/gensurvey
N=${BENCH_N:-100000}
RUNS=${BENCH_SLOW_RUNS:-3}

for f in "$ks" "$gen"; do
	if [ ! -x "$f" ]; then
		echo "bench: $f is missing; run 'make bench'" >&2
		exit 1
	fi
done
if [ ! -x /usr/bin/time ]; then
	sh "$top/tests/deps.sh" -- time:time >&2
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/khaosat-bench-export.XXXXXX") || exit 1
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

mkdir -p "$tmp/bin"
cp "$ks" "$gen" "$tmp/bin/" || exit 1
ks=$tmp/bin/khaosat
gen=$tmp/bin/gensurvey

bench_env

if [ -n "${BENCH_SURVEY:-}" ]; then
	survey=$tmp/survey
	cp -a "$BENCH_SURVEY" "$survey" || exit 1
else
	survey=$tmp/survey
	"$ks" init "$survey" --device bench --surveyor Bench \
		--name "Bench: $N workshops" >/dev/null || exit 1
	note "generating $N records"
	"$gen" "$survey" "$N" --invalid 1 >/dev/null || exit 1
	note "committing them with git"
	(cd "$survey" && git config gc.auto 0 && git add -A &&
		git commit -q -m "Import $N workshops") || exit 1
fi
cd "$survey" || exit 1

# run_median PREPARE CMD...: the median wall time of CMD in seconds, in $M.
run_median() {
	prep=$1
	shift
	: >"$tmp/times"
	i=0
	while [ $i -lt "$RUNS" ]; do
		eval "$prep"
		t0=$(date +%s%N)
		"$@" >/dev/null 2>"$tmp/err"
		rc=$?
		t1=$(date +%s%N)
		# check exits 1 on the invalid records it finds
		if [ $rc -gt 1 ]; then
			note "FAILED ($rc): $*"
			sed 's/^/bench:   /' "$tmp/err" | head -n 5 >&2
			failures=$((failures + 1))
		fi
		echo $((t1 - t0)) >>"$tmp/times"
		i=$((i + 1))
	done
	M=$(sort -n "$tmp/times" | awk '{ v[NR] = $1 } END { printf "%.3f\n", v[int((NR + 1) / 2)] / 1e9 }')
}

# peak CMD...: the CPU seconds (user + system) and peak RSS in KB of one
# run, in $PC and $PM.  CPU time says more than wall time on a busy machine.
peak() {
	/usr/bin/time -o "$tmp/mem" -f "%U %S %M" "$@" >/dev/null 2>"$tmp/err"
	# check exits 1 on the invalid records it finds
	if [ $? -gt 1 ] || [ ! -s "$tmp/mem" ]; then
		note "FAILED: $*"
		failures=$((failures + 1))
	fi
	PC=$(tail -n 1 "$tmp/mem" | awk '{ printf "%.2f\n", $1 + $2 }')
	PM=$(tail -n 1 "$tmp/mem" | cut -d' ' -f3)
}

note "khaosat check, without its caches"
run_median "rm -rf .git/khaosat" "$ks" check
check_cold=$M
note "khaosat check, warm"
run_median true "$ks" check
check_warm=$M
note "khaosat export --format csv"
run_median "rm -rf '$tmp/csv'" "$ks" export workshop --format csv -o "$tmp/csv"
csv=$M
note "khaosat export to xlsx (and its peak memory)"
run_median "rm -f '$tmp/out.xlsx'" "$ks" export workshop -o "$tmp/out.xlsx"
xlsx=$M
rm -f "$tmp/out.xlsx"
peak "$ks" export workshop -o "$tmp/out.xlsx"
xlsx_mem=$PM
xlsx_bytes=$(stat -c %s "$tmp/out.xlsx" 2>/dev/null || echo 0)
xlsx_cpu=$PC
rm -rf "$tmp/csv"
peak "$ks" export workshop --format csv -o "$tmp/csv"
csv_mem=$PM
csv_cpu=$PC
rm -rf .git/khaosat
peak "$ks" check
check_cpu=$PC

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", (b > 0 ? a / b : 0) }'; }
verdict() { awk -v a="$1" -v l="$2" 'BEGIN { print (a <= l ? "met" : "NOT met") }'; }

echo
echo "khaosat export benchmark: N=$N workshop records, $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-40s %10s  %s\n' measurement value "target / result"
printf '%-40s %9ss\n' "check, no cache" "$check_cold"
printf '%-40s %9ss\n' "check, warm" "$check_warm"
printf '%-40s %9ss  %s vs check without cache: <= 2x %s\n' "export csv" "$csv" \
	"$(ratio "$csv" "$check_cold")" "$(verdict "$(ratio "$csv" "$check_cold" | tr -d x)" 2)"
printf '%-40s %10s  (vs warm check, for information)\n' "" "$(ratio "$csv" "$check_warm")"
printf '%-40s %9ss  < 30 s %s\n' "export xlsx" "$xlsx" \
	"$(verdict "$xlsx" "$(awk -v n="$N" 'BEGIN { print 30 * n / 100000 }')")"
printf '%-40s %7.1f MB  < 200 MB %s\n' "export xlsx, peak memory" \
	"$(awk -v k="$xlsx_mem" 'BEGIN { print k / 1024 }')" \
	"$(verdict "$xlsx_mem" 204800)"
printf '%-40s %7.1f MB\n' "export csv, peak memory" \
	"$(awk -v k="$csv_mem" 'BEGIN { print k / 1024 }')"
printf '%-40s check (no cache) %ss, csv %ss (%s), xlsx %ss\n' \
	"cpu time, user + system" "$check_cpu" "$csv_cpu" \
	"$(ratio "$csv_cpu" "$check_cpu")" "$xlsx_cpu"
printf '%-40s %7.1f MB\n' "xlsx file size" \
	"$(awk -v b="$xlsx_bytes" 'BEGIN { print b / 1048576 }')"
[ "$N" -eq 100000 ] || echo "(the 30 s target is scaled to N: $(awk -v n="$N" 'BEGIN { print 30 * n / 100000 }') s)"
[ $failures -eq 0 ] || exit 1
exit 0
