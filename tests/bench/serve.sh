#!/bin/sh
# The serve benchmark (issue 18): khaosat serve on a generated survey of
# BENCH_N workshop records (default 100,000), driven over HTTP by
# tests/bench/serve.py in the same run:
#
#   records, search, filter, record, overview   the median time of each
#               page (target for the list and the search: under 200 ms)
#   save        a record's form saved: validated and committed (target:
#               under 300 ms)
#   readers     50 readers, 4 pages each, while a stick sync runs
#               (target: no error)
#   memory      the server's peak resident memory (target: under 100 MB)
#
# A benchmark, not a test: a target that is not met never fails it.
#
#   BUILD=build/release sh tests/bench/serve.sh
#
# BENCH_N       records (default 100000)
# BENCH_RUNS    requests of each page measured (default 5)
# BENCH_SURVEY  use this survey (committed, clean) instead of generating one
# BENCH_KEEP=1  keep the temporary folder
set -u
bench=bench-serve
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$top/tests/bench/lib.sh"
N=${BENCH_N:-100000}
RUNS=${BENCH_RUNS:-5}
bench_numbers BENCH_N="$N" BENCH_RUNS="$RUNS"
bench_need "run 'make bench'" "$ks" "$tools/gensurvey"
bench_tmp bench-serve
bench_copy gensurvey
bench_env
bench_survey "$tmp/survey"
mkdir -p "$tmp/stick"

stop_server() {
	[ -z "${server:-}" ] || kill "$server" 2>/dev/null
	wait 2>/dev/null
}
bench_atexit=stop_server

note "starting khaosat serve on $N records"
"$ks" serve --port 0 >"$tmp/serve.out" 2>"$tmp/serve.err" &
server=$!
i=0
while ! grep -q "?k=" "$tmp/serve.out" 2>/dev/null; do
	i=$((i + 1))
	[ $i -lt 1200 ] || die "khaosat serve did not start"
	sleep 0.1
done
url=$(sed -n "s/^  \(http:.*\)$/\1/p" "$tmp/serve.out")

note "measuring"
python3 "$top/tests/bench/serve.py" "$url" "$server" "$tmp/stick" "$RUNS" \
	>"$tmp/m" 2>"$tmp/err" || die "serve.py"

v() { awk -v n="$1" '$1 == n { print $2 }' "$tmp/m"; }
met() { awk -v a="$1" -v b="$2" 'BEGIN { print (a + 0 < b + 0) ? "met" : "NOT met" }'; }

printf '%s\n' "khaosat serve on $N records, $RUNS requests of each page (median)"
printf '%-34s %10s  %-16s %s\n' "measure" "value" "target" ""
printf '%-34s %7s ms  %-16s %s\n' "records list, first page" "$(v records)" "< 200 ms" "$(met "$(v records)" 200)"
printf '%-34s %7s ms  %-16s %s\n' "records list, page 50" "$(v records-page-50)" "< 200 ms" "$(met "$(v records-page-50)" 200)"
printf '%-34s %7s ms  %-16s %s\n' "search" "$(v search)" "< 200 ms" "$(met "$(v search)" 200)"
printf '%-34s %7s ms  %-16s\n' "filter by a choice field" "$(v filter)" ""
printf '%-34s %7s ms  %-16s\n' "one record (with who saved what)" "$(v record)" ""
printf '%-34s %7s ms  %-16s\n' "overview" "$(v overview)" ""
printf '%-34s %7s ms  %-16s %s\n' "form saved (validated, committed)" "$(v save)" "< 300 ms" "$(met "$(v save)" 300)"
printf '%-34s %7s     %-16s %s\n' "50 readers during a sync: errors" "$(v readers-errors)" "0" "$(met "$(v readers-errors)" 1)"
printf '%-34s %7s s   %-16s\n' "  ... all their pages in" "$(v readers-time)" ""
printf '%-34s %7s MB  %-16s %s\n' "server's peak memory" "$(v memory)" "< 100 MB" "$(met "$(v memory)" 100)"
[ "$(v sync-done)" = 1 ] || fail "the sync started from the page did not end well"
[ "$failures" = 0 ]
