#!/bin/sh
# Merge benchmark (issue 4, "Speed"): khaosat merge against git merge of the
# same two commits, in the same run.  In a temporary folder it creates a
# survey of BENCH_N workshop records (khaosat init, gensurvey, then a plain
# git add -A && git commit for the bulk import) and makes two lines of
# history from that commit with plain git:
#
#   main (side A)  BENCH_CHANGES records get a new annual_revenue, and the
#                  BENCH_SHARED shared records a new workers.regular
#   side-b         BENCH_CHANGES other records get a new annual_revenue, the
#                  shared records a new floor_area, and the first
#                  BENCH_CONFLICTS of them also a workers.regular different
#                  from side A's (a conflict)
#
# so the shared records merge field by field (floor_area and regular are
# four lines apart: a line-based merge takes them too) except the conflicts.
# Then, each run from the pre-merge state (git reset --hard to side A, the
# objects earlier runs wrote deleted, .git/khaosat removed, sync; none of it
# timed), it measures wall time (date +%s%N), CPU time (user + system) and
# peak RSS (GNU time), median of BENCH_RUNS after one warm-up round, the
# three commands alternating:
#
#   khaosat merge side-b                           (work tree updated)
#   git -c merge.conflictstyle=merge merge --no-edit side-b   (line-based)
#   git merge-tree --write-tree main side-b       (in memory, reference)
#
# Objects stay loose and git's gc.auto is 0, as in run.sh (libgit2 never
# packs; git would start gc --auto after its merge).
#
# checks the result of the first khaosat merge (git fsck --full, a merge
# commit with both parents, a clean work tree, every changed value of both
# sides in the files, the conflicting fields at their base value with both
# proposals under conflicts/, and 'khaosat conflicts' listing exactly
# BENCH_CONFLICTS entries), and prints a table with the targets: khaosat
# merge within 1.5x the time and 2x the peak memory of git merge.
#
#   BUILD=build/release sh tests/bench/merge.sh
#
# BENCH_N          records (default 100000)
# BENCH_RUNS       timed runs of each command (default 3)
# BENCH_CHANGES    records changed on one side only, per side (default 1000)
# BENCH_SHARED     records changed on both sides (default 100)
# BENCH_CONFLICTS  of those, records where both change the same field
#                  differently (default 10)
# BENCH_SURVEY=DIR start from this survey (a clean work tree, committed)
#                  instead of generating one; it is copied, never changed,
#                  and BENCH_N is then its number of workshop records.
#                  tests/bench/run.sh can pass its own survey this way.
# BENCH_KEEP=1     keep the temporary folder (its path is printed)
#
# A benchmark, not a test: a target that is not met never fails it.  Exit 0;
# 1 when a command crashed or failed, or khaosat merge gave a wrong result.
set -u
bench="bench-merge"
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$top/tests/bench/lib.sh"
N=${BENCH_N:-100000}
RUNS=${BENCH_RUNS:-3}
CHANGES=${BENCH_CHANGES:-1000}
SHARED=${BENCH_SHARED:-100}
CONFLICTS=${BENCH_CONFLICTS:-10}
SRC=${BENCH_SURVEY:-}

bench_need "run 'make khaosat tests-built'" "$ks" "$tools/gensurvey"
bench_numbers BENCH_N="$N" BENCH_RUNS="$RUNS" BENCH_CHANGES="$CHANGES" \
	BENCH_SHARED="$SHARED" BENCH_CONFLICTS="$CONFLICTS"
if [ "$RUNS" -lt 1 ] || [ "$CONFLICTS" -gt "$SHARED" ]; then
	note "BENCH_RUNS must be at least 1, BENCH_CONFLICTS at most BENCH_SHARED"
	exit 2
fi

# GNU time, installed like the build dependencies when missing
bench_deps /usr/bin/time:time
bench_need_time
bench_tmp merge
bench_copy gensurvey
bench_env

# ---- the survey and the bulk import ----

pre=$tmp/pre
bench_survey "$pre"
if [ -n "$SRC" ]; then
	# its reflogs are no business of git fsck here
	git reflog expire --expire=now --all
	bytes=$(git ls-files -z records/workshop | xargs -0 cat | wc -c)
else
	bytes=$(sed -n 's/.*, \([0-9]*\) bytes$/\1/p' "$tmp/gen.out")
fi
T=$((2 * CHANGES + SHARED))
if [ "$N" -lt "$T" ]; then
	note "BENCH_N ($N) must be at least 2 * BENCH_CHANGES + BENCH_SHARED ($T)"
	exit 2
fi

# ---- the two sides ----

# T records spread evenly over the survey; the shared ones spread evenly
# among them, the others alternately to side A and side B.  k is the
# record's number in the selection, which makes every new value unique.
git ls-files records/workshop | awk -v n="$N" -v t="$T" -v s="$SHARED" \
	-v cf="$CONFLICTS" -v dir="$tmp" '
	BEGIN { step = int(n / t); k = 0; one = 0; shared = 0 }
	(NR - 1) % step == 0 && k < t {
		if (int((k + 1) * s / t) > int(k * s / t)) {
			role = shared < cf ? "c" : "s"
			shared++
		} else {
			role = one++ % 2 ? "b" : "a"
		}
		print k, $0 > (dir "/sel." role)
		k++
	}'
for r in a b s c; do
	touch "$tmp/sel.$r"
done
cat "$tmp/sel.c" "$tmp/sel.s" >"$tmp/sel.shared"
if [ "$(wc -l <"$tmp/sel.a")" -ne "$CHANGES" ] ||
	[ "$(wc -l <"$tmp/sel.b")" -ne "$CHANGES" ] ||
	[ "$(wc -l <"$tmp/sel.shared")" -ne "$SHARED" ] ||
	[ "$(wc -l <"$tmp/sel.c")" -ne "$CONFLICTS" ]; then
	note "internal error: wrong selection of records"
	exit 1
fi

# The new values; $tmp/expect gets "path<TAB>line" for every value the
# merge must keep, $tmp/expect.conflict "path<TAB>base<TAB>A<TAB>B".
rev_a() { echo $((7700000001 + $1)); }
rev_b() { echo $((8800000001 + $1)); }
reg_a() { echo $((10000 + $1)); }
reg_b() { echo $((20000 + $1)); }
area_b() { echo $((50000 + $1)); }
: >"$tmp/expect"
: >"$tmp/expect.conflict"

note "side-b: $CHANGES records + $SHARED shared ($CONFLICTS conflicting)"
git checkout -q -B side-b || exit 1
while read -r k f; do
	set_field "$f" annual_revenue "$(rev_b "$k")" || exit 1
	printf '%s\tannual_revenue: %s\n' "$f" "$(rev_b "$k")" >>"$tmp/expect"
done <"$tmp/sel.b"
while read -r k f; do
	set_field "$f" floor_area "$(area_b "$k")" || exit 1
	printf '%s\tfloor_area: %s\n' "$f" "$(area_b "$k")" >>"$tmp/expect"
done <"$tmp/sel.shared"
while read -r k f; do
	printf '%s\t%s\t%s\t%s\n' "$f" "$(sed -n 's/^  regular: //p' "$f")" \
		"$(reg_a "$k")" "$(reg_b "$k")" >>"$tmp/expect.conflict"
	set_field "$f" "  regular" "$(reg_b "$k")" || exit 1
done <"$tmp/sel.c"
GIT_AUTHOR_NAME="Surveyor B" git commit -q -a -m "Side B: $CHANGES records, $SHARED shared

Device: side-b" >"$tmp/err" 2>&1 || {
	fail "git commit of side B (no change? a survey that already has these values)"
	exit 1
}

note "main (side A): $CHANGES records + the $SHARED shared"
git checkout -q main || exit 1
while read -r k f; do
	set_field "$f" annual_revenue "$(rev_a "$k")" || exit 1
	printf '%s\tannual_revenue: %s\n' "$f" "$(rev_a "$k")" >>"$tmp/expect"
done <"$tmp/sel.a"
while read -r k f; do
	set_field "$f" "  regular" "$(reg_a "$k")" || exit 1
done <"$tmp/sel.shared"
while read -r k f; do
	printf '%s\t  regular: %s\n' "$f" "$(reg_a "$k")" >>"$tmp/expect"
done <"$tmp/sel.s"
GIT_AUTHOR_NAME="Surveyor A" git commit -q -a -m "Side A: $CHANGES records, $SHARED shared

Device: side-a" >"$tmp/err" 2>&1 || {
	fail "git commit of side A (no change? a survey that already has these values)"
	exit 1
}
side_a=$(git rev-parse main)
side_b=$(git rev-parse side-b)
if [ -n "$(git status --porcelain)" ]; then
	git status --porcelain | head -n 5 >"$tmp/err"
	fail "the work tree is not clean before the merge"
	exit 1
fi
loose=$(git count-objects | cut -d' ' -f1)

# ---- the measurements ----

run=$pre
objects() { find .git/objects -type f -path '*/objects/??/*' | sort; }
objects >"$tmp/objs.pre"
cp -a .git/logs "$tmp/logs.pre" || exit 1
# prepare: the repository back at its pre-merge state: main at side A, the
# work tree and index as they were, no merge state, no khaosat caches, the
# reflogs as they were, and none of the objects an earlier run wrote (an object found already
# written is not written again); then the page cache written to disk.
# None of it is timed.
prepare() {
	cd "$run" || exit 1
	git merge --abort >/dev/null 2>&1
	if ! git reset -q --hard "$side_a" 2>"$tmp/err" ||
		! git clean -fdq 2>>"$tmp/err"; then
		fail "git reset --hard to the pre-merge state"
		exit 1
	fi
	rm -rf .git/khaosat .git/ORIG_HEAD .git/AUTO_MERGE .git/logs
	cp -a "$tmp/logs.pre" .git/logs || exit 1
	objects | comm -13 "$tmp/objs.pre" - | xargs -r rm -f
	git update-index -q --refresh >/dev/null 2>&1
	if [ "$(git rev-parse HEAD)" != "$side_a" ] ||
		[ "$(git symbolic-ref HEAD)" != refs/heads/main ] ||
		[ -n "$(git status --porcelain)" ]; then
		git status | head -n 10 >"$tmp/err"
		fail "the pre-merge state could not be restored"
		exit 1
	fi
	sync
}

# timed_in NAME CMD...: runs CMD in $run; appends the wall time (ns) to
# $tmp/time.NAME, the peak RSS (KB) to $tmp/mem.NAME and the CPU time
# (user + system, s) to $tmp/cpu.NAME; its standard
# output is in $tmp/out, errors in $tmp/err; returns CMD's exit code.
timed_in() {
	t_name=$1
	shift
	t0=$(date +%s%N)
	/usr/bin/time -o "$tmp/mem" -f '%e %M %U %S' "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	t1=$(date +%s%N)
	echo $((t1 - t0)) >>"$tmp/time.$t_name"
	tail -n 1 "$tmp/mem" | cut -d' ' -f2 >>"$tmp/mem.$t_name"
	tail -n 1 "$tmp/mem" | awk '{ printf "%.2f\n", $3 + $4 }' >>"$tmp/cpu.$t_name"
	if grep -q '^Command terminated by signal' "$tmp/mem"; then
		cat "$tmp/mem" >>"$tmp/err"
		return 255
	fi
	return $rc
}

# check_merge: the result of the khaosat merge in $run
check_merge() {
	ks_summary=$(head -n 1 "$tmp/out")
	ks_reported=$(sed -n 's/.* \([0-9][0-9]*\) conflicts\{0,1\} in .*/\1/p' "$tmp/out" | head -n 1)
	note "checking the result: git fsck --full"
	git fsck --full >"$tmp/fsck" 2>&1
	rc=$?
	problems=$(grep -cv '^dangling\|^Checking\|^notice' "$tmp/fsck")
	dangling=$(grep -c '^dangling' "$tmp/fsck")
	[ $rc -eq 0 ] && [ "$problems" -eq 0 ]
	verdict "git fsck --full: exit $rc, $problems problem line(s), $dangling dangling" $?
	[ "$(git rev-parse HEAD^1 2>/dev/null)" = "$side_a" ] &&
		[ "$(git rev-parse HEAD^2 2>/dev/null)" = "$side_b" ] &&
		[ "$(git symbolic-ref HEAD)" = refs/heads/main ]
	verdict "main is a merge commit with parents A and side-b" $?
	[ -z "$(git status --porcelain)" ]
	verdict "work tree clean after the merge ($(git status --porcelain | wc -l) entries in git status)" $?
	# every value either side set, in the work tree (and so, the tree
	# being clean, in the merge commit)
	: >"$tmp/missing"
	while IFS="$(printf '\t')" read -r f line; do
		grep -qxF "$line" "$f" 2>/dev/null || echo "$f: $line" >>"$tmp/missing"
	done <"$tmp/expect"
	n_exp=$(wc -l <"$tmp/expect")
	n_miss=$(wc -l <"$tmp/missing")
	[ "$n_miss" -eq 0 ]
	verdict "$((n_exp - n_miss)) of $n_exp changed values present ($CHANGES + $CHANGES one-sided, $SHARED + $((SHARED - CONFLICTS)) on shared records, in $T records)" $?
	head -n 5 "$tmp/missing" | sed 's/^/bench-merge:   missing: /' >&2
	# the conflicting field: base value in the record, both proposals in
	# its conflict file
	: >"$tmp/badconf"
	while IFS="$(printf '\t')" read -r f bv av bbv; do
		cf=conflicts/$f
		if ! grep -qxF "  regular: $bv" "$f"; then
			echo "$f: not at its base value $bv" >>"$tmp/badconf"
		elif [ ! -f "$cf" ]; then
			echo "$cf: missing" >>"$tmp/badconf"
		elif ! grep -q "\b$av\b" "$cf" || ! grep -q "\b$bbv\b" "$cf"; then
			echo "$cf: lacks $av or $bbv" >>"$tmp/badconf"
		fi
	done <"$tmp/expect.conflict"
	n_badc=$(wc -l <"$tmp/badconf")
	[ "$n_badc" -eq 0 ]
	verdict "$((CONFLICTS - n_badc)) of $CONFLICTS conflicting fields at their base value, both proposals in conflicts/" $?
	head -n 5 "$tmp/badconf" | sed 's/^/bench-merge:   /' >&2
	n_cfiles=$(find conflicts -type f 2>/dev/null | wc -l)
	[ "$n_cfiles" -eq "$CONFLICTS" ]
	verdict "$n_cfiles conflict file(s) under conflicts/ (expected $CONFLICTS)" $?
	"$ks" conflicts --json >"$tmp/conflicts.json" 2>"$tmp/err"
	rc=$?
	ks_listed=$(grep -o '"field":' "$tmp/conflicts.json" | wc -l)
	if [ "$CONFLICTS" -gt 0 ]; then want_rc=1; else want_rc=0; fi
	[ "$ks_listed" -eq "$CONFLICTS" ] && [ $rc -eq $want_rc ] &&
		[ "${ks_reported:-0}" -eq "$CONFLICTS" ]
	verdict "khaosat conflicts lists $ks_listed (exit $rc), khaosat merge reported ${ks_reported:-?}; expected $CONFLICTS" $?
}

# unmerged: the number of paths git left in conflict in $run
unmerged() { git ls-files -u | cut -f2 | sort -u | wc -l; }

for name in ks git mt ks.warm git.warm mt.warm; do
	: >"$tmp/time.$name"
	: >"$tmp/mem.$name"
	: >"$tmp/cpu.$name"
done
git_conflicts="?"
mt_conflicts="?"
# Round 0 warms the caches up and is not counted; the result of its khaosat
# merge is checked, and its git merges give the conflict counts.
i=0
while [ $i -le "$RUNS" ]; do
	if [ $i -eq 0 ]; then
		r=" (warm-up)"
		sfx=.warm
	else
		r=" of $RUNS"
		sfx=
	fi
	note "round $i$r: khaosat merge"
	prepare
	if ! timed_in ks$sfx "$ks" merge side-b; then
		fail "khaosat merge side-b (round $i, exit $rc)"
	elif [ $i -eq 0 ]; then
		check_merge
	fi

	note "round $i$r: git merge"
	prepare
	timed_in git$sfx git -c merge.conflictstyle=merge merge --no-edit side-b
	case $? in
	0) [ $i -ne 0 ] || git_conflicts=0 ;;
	1) [ $i -ne 0 ] || git_conflicts=$(unmerged) ;;
	*) fail "git merge side-b (round $i, exit $rc)" ;;
	esac

	note "round $i$r: git merge-tree --write-tree"
	prepare
	timed_in mt$sfx git merge-tree --write-tree --name-only main side-b
	case $? in
	0) [ $i -ne 0 ] || mt_conflicts=0 ;;
	1) [ $i -ne 0 ] || mt_conflicts=$(sed -n '2,/^$/p' "$tmp/out" | grep -c .) ;;
	*) fail "git merge-tree (round $i, exit $rc)" ;;
	esac
	i=$((i + 1))
done
prepare
cd "$tmp" || exit 1

# ---- the table ----

med_s() { median_s <"$tmp/time.$1"; }
med_kb() { grep -v '^$' "$tmp/mem.$1" | median; }
t_ks=$(med_s ks) || t_ks=failed
t_git=$(med_s git) || t_git=failed
t_mt=$(med_s mt) || t_mt=failed
m_ks=$(med_kb ks) || m_ks=failed
m_git=$(med_kb git) || m_git=failed
m_mt=$(med_kb mt) || m_mt=failed
med_cpu() { median_f %.2f <"$tmp/cpu.$1"; }
c_ks=$(med_cpu ks) || c_ks=failed
c_git=$(med_cpu git) || c_git=failed

echo
echo "khaosat merge benchmark: N=$N workshop records ($bytes bytes), $loose loose objects"
echo "side A (main) and side-b: $CHANGES records each + $SHARED shared ($CONFLICTS conflicting)"
built_line
echo "median of $RUNS runs, each from the pre-merge state (reset, new objects deleted); load $(cut -d' ' -f1-3 /proc/loadavg)"
echo
table_start '%-40s %10s %10s %8s  %-9s %s\n'
rows_of "merge, work tree updated: time" "$t_ks" "$t_git" fmt_s 1.5
rows_of "merge, work tree updated: peak memory" "$m_ks" "$m_git" fmt_kb 2
rows_of "merge: CPU time, user + system (info)" "$c_ks" "$c_git" fmt_s -
rows_of "vs git merge-tree (in memory): time" "$t_ks" "$t_mt" fmt_s -
rows_of "vs git merge-tree: peak memory" "$m_ks" "$m_mt" fmt_kb -
table_end
echo
echo "khaosat merge: ${ks_summary:-(no output)}"
echo "conflicts: khaosat ${ks_reported:-?} (expected $CONFLICTS), git merge $git_conflicts file(s), git merge-tree $mt_conflicts file(s)"
echo "each run: wall s / CPU s / peak KB"
for name in ks git mt; do
	printf '  %-4s' "$name"
	paste -d' ' "$tmp/time.$name" "$tmp/cpu.$name" "$tmp/mem.$name" |
		awk '{ printf "  %.3f/%s/%s", $1 / 1e9, $2, $3 }'
	printf '   (warm-up:'
	paste -d' ' "$tmp/time.$name.warm" "$tmp/cpu.$name.warm" "$tmp/mem.$name.warm" |
		awk '{ printf " %.3f/%s/%s", $1 / 1e9, $2, $3 }'
	echo ')'
done
bench_exit "correctness of the khaosat merge:"
