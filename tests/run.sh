#!/bin/sh
# Runs every test program and script, adds up their "N passed, N failed"
# lines (with ", N skipped" where a test's input or tool is missing), and
# prints the total as the last line.  Exits 1 on any failure,
# including a program that crashed or printed no summary.
#   BUILD=build/release sh tests/run.sh [PATTERN]
# Tests run side by side, KHAOSAT_TEST_JOBS at a time (the number of
# processors by default; 1 runs them one after another).  Each test has
# its own folder and finds its own free ports, so they do not meet.
# A test's lines are printed when it ends, so the order follows the ends.
BUILD=${BUILD:-build/release}
top=$(cd "$(dirname "$0")/.." && pwd)
export KHAOSAT_TOP="$top"
export KHAOSAT_BIN="$top/$BUILD/khaosat"
export KHAOSAT_TOOLS="$top/$BUILD/tests/tools"
export KHAOSAT_SHARED="${KHAOSAT_SHARED:-$top/../shared}"
# A build with sanitizers: tests that meet a library's own leaks say so.
case "$BUILD" in *asan*) export KHAOSAT_SANITIZE=1 ;; esac

# run_one OUT NAME COMMAND...: runs one test into OUT.log, prints what
# the person running the suite needs (its log when it failed, its skips,
# its summary), and leaves "passed failed skipped" in OUT.sum.
run_one() {
	out=$1
	name=$2
	shift 2
	"$@" >"$out.log" 2>&1
	rc=$?
	summary=$(grep -E '^([A-Za-z]+: )?[0-9]+ passed, [0-9]+ failed' "$out.log" | tail -n 1)
	if [ -z "$summary" ]; then
		{ cat "$out.log"; echo "FAIL $name: exit $rc, no summary line"; } >"$out.say"
		echo "0 1 0" >"$out.sum"
		cat "$out.say"
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
	{
		if [ "$f" -ne 0 ]; then
			cat "$out.log"
		else
			grep -E '^(skip|SKIP)' "$out.log"
		fi
		echo "$name: $p passed, $f failed, $s skipped"
	} >"$out.say"
	echo "$p $f $s" >"$out.sum"
	# one write, so that lines of tests ending together do not mix
	cat "$out.say"
}

# --one K: test K of the list in $KHAOSAT_RUN_DIR (K.name, K.path; a
# script when the path ends in .sh), as xargs hands them out.
if [ "${1:-}" = "--one" ]; then
	at="$KHAOSAT_RUN_DIR/$2"
	name=$(cat "$at.name")
	path=$(cat "$at.path")
	case "$path" in
	*.sh) run_one "$at" "$name" sh "$path" ;;
	*) run_one "$at" "$name" "$path" ;;
	esac
	exit 0
fi

pattern=${1:-}
jobs=${KHAOSAT_TEST_JOBS:-$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)}
case "$jobs" in ''|*[!0-9]*|0) jobs=1 ;; esac
KHAOSAT_RUN_DIR=$(mktemp -d) || exit 1
export KHAOSAT_RUN_DIR
trap 'rm -rf "$KHAOSAT_RUN_DIR"' EXIT

n=0
add() {
	case "$1" in *"$pattern"*) ;; *) return ;; esac
	n=$((n + 1))
	printf '%s\n' "$1" >"$KHAOSAT_RUN_DIR/$n.name"
	printf '%s\n' "$2" >"$KHAOSAT_RUN_DIR/$n.path"
}
for t in "$top/$BUILD"/tests/unit/*; do
	[ -x "$t" ] && add "unit/$(basename "$t")" "$t"
done
for t in "$top"/tests/t[0-9]*.sh; do
	[ -f "$t" ] && add "$(basename "$t")" "$t"
done

[ "$n" -gt 0 ] && seq 1 "$n" | xargs -P "$jobs" -n 1 sh "$top/tests/run.sh" --one
passed=0
failed=0
skipped=0
k=0
while [ "$k" -lt "$n" ]; do
	k=$((k + 1))
	if [ -s "$KHAOSAT_RUN_DIR/$k.sum" ]; then
		read -r p f s <"$KHAOSAT_RUN_DIR/$k.sum"
	else
		# killed before it could say: a failure, never a pass
		echo "FAIL $(cat "$KHAOSAT_RUN_DIR/$k.name"): did not finish"
		p=0 f=1 s=0
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
