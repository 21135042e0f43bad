#!/bin/sh
# Runs every test program and script, adds up their "N passed, N failed"
# lines (with ", N skipped" where a test's input or tool is missing), and
# prints the total as the last line.  Exits 1 on any failure,
# including a program that crashed or printed no summary.
#   BUILD=build/release sh tests/run.sh [PATTERN]
BUILD=${BUILD:-build/release}
top=$(cd "$(dirname "$0")/.." && pwd)
export KHAOSAT_TOP="$top"
export KHAOSAT_BIN="$top/$BUILD/khaosat"
export KHAOSAT_TOOLS="$top/$BUILD/tests/tools"
export KHAOSAT_SHARED="${KHAOSAT_SHARED:-$top/../shared}"
# A build with sanitizers: tests that meet a library's own leaks say so.
case "$BUILD" in *asan*) export KHAOSAT_SANITIZE=1 ;; esac
pattern=${1:-}
passed=0
failed=0
skipped=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

run_one() {
	name=$1
	shift
	case "$name" in *"$pattern"*) ;; *) return ;; esac
	"$@" >"$log" 2>&1
	rc=$?
	summary=$(grep -E '^([A-Za-z]+: )?[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	if [ -z "$summary" ]; then
		cat "$log"
		echo "FAIL $name: exit $rc, no summary line"
		failed=$((failed + 1))
		return
	fi
	p=$(echo "$summary" | sed -E 's/^([A-Za-z]+: )?([0-9]+) passed.*/\2/')
	f=$(echo "$summary" | sed -E 's/.* ([0-9]+) failed.*/\1/')
	s=0
	case "$summary" in *skipped*)
		s=$(echo "$summary" | sed -E 's/.* ([0-9]+) skipped.*/\1/') ;;
	esac
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
	fi
	if [ "$f" -ne 0 ]; then
		cat "$log"
	else
		grep -E '^(skip|SKIP)' "$log"
	fi
	echo "$name: $p passed, $f failed, $s skipped"
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
}

for t in "$top/$BUILD"/tests/unit/*; do
	[ -x "$t" ] || continue
	run_one "unit/$(basename "$t")" "$t"
done
for t in "$top"/tests/t[0-9]*.sh; do
	[ -f "$t" ] || continue
	run_one "$(basename "$t")" sh "$t"
done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
