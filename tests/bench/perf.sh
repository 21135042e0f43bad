#!/bin/sh
# The performance targets in one table: each measured in one run on one
# survey of BENCH_N generated workshop records (khaosat init, gensurvey,
# khaosat commit of the import), khaosat against an anchor measured in the
# same run, in this order:
#
#   12 bulk commit   khaosat commit -m import of all N new records vs git
#                    add -A && git commit into a second GIT_DIR over the
#                    same work tree, as run.sh does (BENCH_BULK_TIMEOUT;
#                    past it, plain git commits the import).  With
#                    BENCH_SURVEY, into a new survey holding a copy of its
#                    records.  Target <= 1.5x
#   13 start-up      instructions of khaosat status vs git status in a
#                    newly made empty survey (valgrind --tool=callgrind,
#                    else perf stat -e instructions:u; no data without
#                    either).  Target < 40 million (absolute)
#    1 commit        khaosat commit -m of one changed record vs git commit
#                    -q -am of another, alternating, BENCH_ROUNDS rounds,
#                    median.  Target <= 1.5x
#    2 check, edits  khaosat check (no argument) with 10 records edited and
#                    not committed vs git status in the same state.
#                    Target <= 1.5x
#   10 stats, dupes, find   each warm (run once first), absolute: <= 1 s
#    3 check all     khaosat check of the whole survey, its caches removed
#                    (rm -rf .git/khaosat) before each run, vs parsefloor
#                    (read each file, run libyaml's parser, nothing else)
#                    over records/.  Target <= 1.3x
#    5 memory        peak RSS (GNU time %M) of that check; parsefloor's for
#                    information.  Target < 32 MB (absolute)
#    4 check --schema   khaosat check --schema schema/workshop.yaml over
#                    10,000 record files copied into a plain folder (no
#                    survey, no git) vs parsefloor over it.  Target <= 1.2x
#    8 bundle create khaosat bundle create inc.bundle --since BASE vs git
#                    bundle create inc-git.bundle BASE..main, 100 records
#                    changed in two khaosat commits.  Target <= 1.0x
#    6 bundle apply  khaosat bundle apply inc.bundle vs git fetch
#                    inc-git.bundle main:refs/remotes/b/main && git merge
#                    --no-edit refs/remotes/b/main, into a receiver with two
#                    commits of its own (20 other records): a real merge.
#                    Each run in a fresh untimed copy of the receiver (as
#                    bundle.sh).  Target <= 1.5x
#    7 the same into a receiver at BASE: fast-forward.  Target <= 1.2x
#   11 stick sync    khaosat sync STICK on the laptop that anchors the
#                    stick (STICK written by its own earlier sync), after
#                    100 records changed in a khaosat commit: time and
#                    bytes written to STICK (the sizes of the files there
#                    that are new or replaced), median of BENCH_SYNC_ROUNDS
#                    rounds; git's incremental bundle of the same commit
#                    for information.  Targets <= 2 s and <= 1 MB.  Then
#                    the bundles on the stick against one full bundle of
#                    main by git bundle create.  Target <= 1.2x
#    9 merge         khaosat merge side-b vs git merge --no-edit side-b,
#                    1,000 records changed on each side in a khaosat
#                    commit (disjoint: no conflict; side B in a copy of
#                    the survey, fetched with git), alternating, each run from
#                    the pre-merge state (as merge.sh: reset, new objects
#                    deleted, .git/khaosat as it was; untimed), median of
#                    BENCH_RUNS after a warm-up round.  Target <= 1.3x
#   14 delete        khaosat delete ID -m REASON of one record vs git rm +
#                    git commit of another, alternating, BENCH_ROUNDS
#                    rounds, median; each must be a commit deleting that
#                    record alone.  Target <= 1.5x (not in the issue's
#                    table: a deletion once checked every record again)
#
# The witnesses, plain git: git bundle verify of both incremental bundles
# in a receiver at BASE; after the first apply of each kind main a merge
# of both tips (or the sender's tip), the work tree clean, every changed
# value there and the same tree as git's; git bundle verify of every
# bundle on the stick; after the first khaosat merge git fsck --full clean
# and the same tree as git merge's.  A failed witness counts as a failure;
# the table still prints.
#
# A row that compares two commands times them in turn (tests/tools/
# alternate: a warm-up run of each, then BENCH_RUNS or BENCH_SLOW_RUNS
# rounds, khaosat first in one round and the anchor first in the next,
# median of each), so that both are measured in the same minutes of a
# machine whose speed drifts.  stats, dupes and find use hyperfine (median
# of BENCH_RUNS runs after a warm-up) when it is installed, or date +%s%N
# around each run; commits, syncs and merges, which change the survey, are
# timed one by one with date +%s%N, alternating.  The programs are copied
# first, so a rebuild during the run changes nothing.
#
#   BUILD=build/release sh tests/bench/perf.sh
#
# BENCH_N          records (default 100000)
# BENCH_QUICK=1    a quick run: 20000 records unless BENCH_N says otherwise
# BENCH_RUNS       timed runs of each quick command and merge (default 5)
# BENCH_SLOW_RUNS  timed runs of whole-survey checks and apply (default 3)
# BENCH_ROUNDS     alternating commit rounds (default 5)
# BENCH_SYNC_ROUNDS  stick syncs timed (default 3)
# BENCH_BULK_TIMEOUT  seconds khaosat may take to commit the import
#                  (default 300)
# BENCH_SURVEY=DIR start from this survey (a clean work tree on main)
#                  instead of generating one; it is copied, never changed,
#                  and BENCH_N is then its number of workshop records
# BENCH_TOOL=date  use the fallback timer even when hyperfine is there
# BENCH_KEEP=1     keep the temporary folder (its path is printed), the
#                  receivers at BASE (recv, recv-ff) in it
#
# A benchmark, not a test: a target that is not met never fails it.  Exit 0,
# or 1 when a command crashed or failed, or a witness disagreed.
set -u
bench="bench-perf"
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$top/tests/bench/lib.sh"
if [ "${BENCH_QUICK:-}" = 1 ]; then
	N=${BENCH_N:-20000}
else
	N=${BENCH_N:-100000}
fi
RUNS=${BENCH_RUNS:-5}
SLOW_RUNS=${BENCH_SLOW_RUNS:-3}
ROUNDS=${BENCH_ROUNDS:-5}
SYNC_ROUNDS=${BENCH_SYNC_ROUNDS:-3}
BULK_TIMEOUT=${BENCH_BULK_TIMEOUT:-300}
SRC=${BENCH_SURVEY:-}
CHANGES=100	# records of an incremental bundle, and of a stick sync
LOCAL=10	# records changed by each of the receiver's two commits
SIDE=1000	# records changed on each side of the merge
EDITS=10	# records edited before khaosat check
PLAIN=10000	# record files in the plain folder

bench_need "run 'make khaosat tests-built'" "$ks" "$tools/gensurvey" \
	"$tools/parsefloor" "$tools/alternate"
bench_numbers BENCH_N="$N" BENCH_RUNS="$RUNS" BENCH_SLOW_RUNS="$SLOW_RUNS" \
	BENCH_ROUNDS="$ROUNDS" BENCH_SYNC_ROUNDS="$SYNC_ROUNDS" \
	BENCH_BULK_TIMEOUT="$BULK_TIMEOUT"
if [ "$RUNS" -lt 1 ] || [ "$SLOW_RUNS" -lt 1 ] || [ "$ROUNDS" -lt 1 ] ||
	[ "$SYNC_ROUNDS" -lt 1 ] || [ "$BULK_TIMEOUT" -lt 1 ]; then
	note "BENCH_RUNS, BENCH_SLOW_RUNS, BENCH_ROUNDS, BENCH_SYNC_ROUNDS and BENCH_BULK_TIMEOUT must be at least 1"
	exit 2
fi
if [ -z "$SRC" ] && [ "$N" -lt $((2 * SIDE + 500)) ]; then
	note "BENCH_N must be at least $((2 * SIDE + 500))"
	exit 2
fi

# hyperfine and GNU time, installed like the build dependencies when missing
bench_deps hyperfine:hyperfine /usr/bin/time:time
bench_need_time
bench_timer
bench_tmp perf
bench_copy gensurvey parsefloor alternate
bench_env

survey=$tmp/survey
size() { stat -c %s "$1"; }
objects() { find .git/objects -type f -path '*/objects/??/*' | sort; }

# witness WHAT STATUS: a check by plain git (0: it holds); one that does
# not is a failure, its errors those in $tmp/err
witness() {
	if [ "$2" = 0 ]; then
		checks="$checks  ok      $1
"
	else
		checks="$checks  FAILED  $1
"
		fail "witness: $1"
	fi
}

# pick COUNT OFFSET: COUNT workshop records spread evenly over the survey
# from the OFFSET-th on, "k PATH" a line (k: 0, 1, ...; it makes every new
# value unique)
pick() {
	awk -v c="$1" -v o="$2" '{ a[NR - 1] = $0 }
		END { step = int(NR / c); if (step < 1) step = 1
		      for (k = 0; k < c; k++) print k, a[(o + k * step) % NR] }' \
		"$tmp/all"
}

# keys: the survey's signing key, kept aside (khaosat makes a new one, no
# member's, when .git/khaosat is removed); restore_key puts it back
restore_key() {
	[ -s "$tmp/keys/key" ] || return 0
	mkdir -p .git/khaosat && cp -p "$tmp/keys/key" "$tmp/keys/key.pub" .git/khaosat/
}

# ---- the survey, and 12: the bulk commit ----

# bulk DIR: khaosat commit of every new record in DIR, timed (bulk_ks),
# then git add -A && git commit of the same files into a second
# repository (bulk_git); plain git commits them when khaosat fails
bulk() {
	cd "$1" || exit 1
	note "khaosat commit of $N new records (limit ${BULK_TIMEOUT}s)"
	bulk_ks=
	bulk_out=0
	if ns=$(timed timeout "$BULK_TIMEOUT" "$ks" commit -m "Import $N workshops"); then
		bulk_ks=$(echo "$ns" | median_s)
	else
		rc=$?
		if [ $rc -eq 124 ]; then
			note "khaosat commit took more than ${BULK_TIMEOUT}s: stopped"
			bulk_ks=$BULK_TIMEOUT
			bulk_out=1
		else
			fail "khaosat commit of $N new records (exit $rc)"
			bulk_ks=failed
		fi
		rm -f .git/index.lock
		note "committing the import with git add -A && git commit"
		if ! git add -A 2>"$tmp/err" ||
			! git commit -q -m "Import $N workshops" 2>>"$tmp/err"; then
			die "git commit of the import"
		fi
	fi
	bench_git_import "$1"
	if [ -n "$(git status --porcelain)" ]; then
		git status --porcelain | head -n 5 >"$tmp/err"
		fail "the work tree is not clean after the import"
	fi
}

mkdir -p "$tmp/keys"
if [ -z "$SRC" ]; then
	bench_init "$survey"
	note "generating $N records in $survey"
	bench_gensurvey "$survey"
	bulk "$survey"
else
	bench_survey "$survey"
	# bench_survey removed the survey's caches, and its key with them
	if [ -s "$SRC/.git/khaosat/key" ]; then
		mkdir -p .git/khaosat
		cp -p "$SRC/.git/khaosat/key" "$SRC/.git/khaosat/key.pub" .git/khaosat/ ||
			exit 1
	fi
	if [ -z "$(git config khaosat.device)" ]; then
		git config khaosat.device bench
		git config khaosat.surveyor Bench
	fi
	# its reflogs are no business of git fsck here
	git reflog expire --expire=now --all
	git update-index -q --refresh >/dev/null
	if [ "$N" -lt $((2 * SIDE + 500)) ]; then
		note "$SRC has $N workshop records; at least $((2 * SIDE + 500)) are needed"
		exit 2
	fi
	bulk_dir=$tmp/bulk
	bench_init "$bulk_dir"
	note "copying the $N records of $SRC into a new survey"
	cp -a "$survey/records" "$bulk_dir/" || exit 1
	bulk "$bulk_dir"
	cd "$tmp" || exit 1
	rm -rf "$bulk_dir"
	cd "$survey" || exit 1
fi
if [ -s .git/khaosat/key ]; then
	cp -p .git/khaosat/key .git/khaosat/key.pub "$tmp/keys/" || exit 1
fi
bytes=$(git ls-files -z records/workshop | xargs -0 cat | wc -c)
git ls-files records/workshop >"$tmp/all"
dev=$(git config khaosat.device)

# ---- 13: start-up instructions ----

# instr CMD...: the instructions CMD runs (user space), or "no data"
instr() {
	if command -v valgrind >/dev/null 2>&1; then
		valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" \
			>/dev/null 2>"$tmp/vg"
		sed -n 's/^==[0-9]*== Collected : \([0-9][0-9]*\)$/\1/p' "$tmp/vg" |
			grep . || echo "no data"
	elif command -v perf >/dev/null 2>&1; then
		perf stat -x, -e instructions:u "$@" >/dev/null 2>"$tmp/vg"
		awk -F, '$3 ~ /^instructions/ && $1 ~ /^[0-9]+$/ { print $1; n++ }
			END { if (!n) print "no data" }' "$tmp/vg"
	else
		echo "no data"
	fi
}

note "start-up: instructions of khaosat status and git status in an empty survey"
empty=$tmp/empty
must "khaosat init (empty survey)" "$ks" init "$empty" --device bench \
	--surveyor Bench --name Empty
cd "$empty" || exit 1
git config gc.auto 0
# a second later, no file is as new as the index the first runs write:
# none is "racily clean", to be read again at every run
sleep 1
must "khaosat status (empty survey)" "$ks" status
must "git status (empty survey)" git status
in_ks=$(instr "$ks" status)
in_git=$(instr git status)
in_tool=$(if command -v valgrind >/dev/null 2>&1; then echo "valgrind --tool=callgrind"
	elif command -v perf >/dev/null 2>&1; then echo "perf stat -e instructions:u"
	else echo "none"; fi)
cd "$survey" || exit 1

# ---- 1: commits of one record, alternating ----

# commit_round ks|git FILE VALUE ROUND: FILE changed and committed, the
# time appended to $tmp/time.ks or .git
commit_round() {
	set_field "$2" annual_revenue "$3" || return 1
	if [ "$1" = ks ]; then
		ns=$(timed "$ks" commit -m "bench round $4")
	else
		ns=$(timed git commit -q -am "bench round $4")
	fi || {
		fail "$1 commit of one record (round $4)"
		return 1
	}
	echo "$ns" >>"$tmp/time.$1"
}

note "commit of one changed record, $ROUNDS rounds each, alternating"
: >"$tmp/time.ks"
: >"$tmp/time.git"
pick $((2 * ROUNDS)) 0 >"$tmp/sel.commit"
while read -r k f; do
	if [ $((k % 2)) -eq 0 ]; then
		commit_round ks "$f" $((9100000001 + k)) $((k / 2 + 1))
	else
		commit_round git "$f" $((9100000001 + k)) $((k / 2 + 1))
	fi
done <"$tmp/sel.commit"
cm_ks=$(median_s <"$tmp/time.ks") || cm_ks=failed
cm_git=$(median_s <"$tmp/time.git") || cm_git=failed

# ---- 2: check with records edited ----

note "khaosat check and git status with $EDITS records edited, not committed"
pick "$EDITS" 3 >"$tmp/sel.edit"
while read -r k f; do
	set_field "$f" annual_revenue $((9200000001 + k)) || exit 1
done <"$tmp/sel.edit"
measure_pair "$RUNS" "'$ks' check" "git status"
ed_ks=$MA
ed_git=$MB
cut -d' ' -f2 "$tmp/sel.edit" | xargs git checkout -q --
if [ -n "$(git status --porcelain)" ]; then
	git status --porcelain | head -n 5 >"$tmp/err"
	die "the edited records could not be put back"
fi

# ---- 10: stats, dupes, find, warm ----

# dupes exits 1 when it finds a pair: a wrapper that takes 0 and 1
cat >"$tmp/bin/dupes" <<EOF
#!/bin/sh
'$ks' dupes >/dev/null
[ \$? -le 1 ]
EOF
chmod +x "$tmp/bin/dupes"
# two words of a record's name: a search that finds it
words=$(sed -n 's/^name: //p' "$(sed -n "$((N / 2 + 1))p" "$tmp/all")" |
	tr -d '"' | awk '{ print $(NF - 1), $NF }')
w1=${words% *}
w2=${words#* }
note "stats, dupes and find $w1 $w2, warm"
"$ks" stats >"$tmp/out" 2>"$tmp/err" || fail "khaosat stats"
"$tmp/bin/dupes" 2>"$tmp/err" || fail "khaosat dupes"
"$ks" find "$w1" "$w2" >"$tmp/found" 2>"$tmp/err" || fail "khaosat find $w1 $w2"
found=$(wc -l <"$tmp/found")
measure "$RUNS" "'$ks' stats" && st_ks=$M || st_ks=failed
measure "$RUNS" "'$tmp/bin/dupes'" && du_ks=$M || du_ks=failed
measure "$RUNS" "'$ks' find '$w1' '$w2'" && fd_ks=$M || fd_ks=failed

# ---- 3 and 5: the whole survey without caches ----

bench_check_cold "$survey"
note "peak memory of khaosat check without caches, and of parsefloor"
peak "'$ks' check" "rm -rf .git/khaosat" && mem_ks=$K || mem_ks=failed
peak "'$tools/parsefloor' '$survey/records'" && mem_floor=$K || mem_floor=failed
restore_key
note "khaosat check, to fill the caches again (untimed)"
"$ks" check >/dev/null 2>"$tmp/err" || fail "khaosat check"

# ---- 4: check --schema over a plain folder ----

plain=$tmp/plain
[ "$N" -ge "$PLAIN" ] || PLAIN=$N
note "khaosat check --schema of $PLAIN record files in a plain folder"
mkdir -p "$plain/records" || exit 1
cp -r schema "$plain/" || exit 1
head -n "$PLAIN" "$tmp/all" | xargs cp -t "$plain/records/" || exit 1
cd "$plain" || exit 1
measure_pair "$RUNS" "'$ks' check --schema schema/workshop.yaml records" \
	"'$tools/parsefloor' records"
pl_ks=$MA
pl_floor=$MB
cd "$survey" || exit 1
rm -rf "$plain"

# ---- 8, 6, 7: bundles ----

bench_copy_repo
run=$tmp/run
cat >"$tmp/bin/fresh" <<EOF
#!/bin/sh
'$tmp/bin/copy-repo' "\$1" '$run' && sync
EOF
chmod +x "$tmp/bin/fresh"

base=$(git rev-parse main)
recv=$tmp/recv
recv_ff=$tmp/recv-ff
note "the receivers: copies of the survey at BASE"
"$tmp/bin/copy-repo" "$survey" "$recv" || die "copying the survey"
"$tmp/bin/copy-repo" "$survey" "$recv_ff" || die "copying the survey"
for r in "$recv" "$recv_ff"; do
	git -C "$r" config khaosat.device bench2
	git -C "$r" config khaosat.surveyor "Bench Two"
	git -C "$r" config khaosat.email bench2@khaosat.invalid
done
bench_select $((CHANGES + 2 * LOCAL)) "$CHANGES"

note "sender: $CHANGES records changed in two khaosat commits"
: >"$tmp/expect"
half=$((CHANGES / 2))
while read -r k f; do
	revise "$f" $((7700000001 + k)) "" expect || exit 1
	[ "$k" -ne $((half - 1)) ] || ks_commit "Sender: records 1 to $half"
done <"$tmp/sel.send"
ks_commit "Sender: records $((half + 1)) to $CHANGES"
tip=$(git rev-parse main)

note "receiver: $((2 * LOCAL)) records changed in two khaosat commits of its own"
cd "$recv" || exit 1
: >"$tmp/expect.local"
while read -r k f; do
	revise "$f" $((8800000001 + k)) "" expect.local || exit 1
	[ "$k" -ne $((CHANGES + LOCAL - 1)) ] || ks_commit "Receiver: first visit"
done <"$tmp/sel.local"
ks_commit "Receiver: second visit"
local_tip=$(git rev-parse main)
cd "$survey" || exit 1

inc=$tmp/inc.bundle
inc_git=$tmp/inc-git.bundle
note "incremental bundle of $CHANGES changed records: khaosat and git, in turn"
measure_pair "$RUNS" "'$ks' bundle create '$inc' --since $base" \
	"git bundle create -q '$inc_git' $base..main"
bc_ks=$MA
bc_git=$MB
bs_ks=$(size "$inc" 2>/dev/null) || bs_ks=failed
bs_git=$(size "$inc_git" 2>/dev/null) || bs_git=failed
git -C "$recv_ff" bundle verify "$inc" >/dev/null 2>"$tmp/err"
witness "git bundle verify inc.bundle, in a receiver at BASE" $?
git -C "$recv_ff" bundle verify "$inc_git" >/dev/null 2>"$tmp/err"
witness "git bundle verify inc-git.bundle, in a receiver at BASE" $?

cat >"$tmp/bin/apply-ks" <<EOF
#!/bin/sh
cd '$run' && exec '$ks' bundle apply '$inc'
EOF
chmod +x "$tmp/bin/apply-ks"
bench_apply_git "$run" "$inc_git"

# apply_case NAME RECEIVER FF: one untimed run of each into a fresh copy
# of RECEIVER, its result checked, then each timed (A_ks, A_git)
apply_case() {
	note "apply ($1): the result of each"
	ks_tree=
	if "$tmp/bin/fresh" "$2" && "$tmp/bin/apply-ks" >"$tmp/out" 2>"$tmp/err"; then
		cd "$run" || exit 1
		wrong0=$wrong
		check_tree "khaosat bundle apply ($1)" "$3" "$tip" "$local_tip" \
			"the sender's" "the receiver's"
		[ "$wrong" -eq "$wrong0" ] || fail "khaosat bundle apply ($1): its result"
		ks_tree=$(git rev-parse 'HEAD^{tree}')
		cd "$survey" || exit 1
	else
		fail "khaosat bundle apply ($1)"
	fi
	if "$tmp/bin/fresh" "$2" && "$tmp/bin/apply-git" >"$tmp/out" 2>"$tmp/err"; then
		git_tree=$(git -C "$run" rev-parse 'HEAD^{tree}')
		[ -n "$ks_tree" ] && [ "$ks_tree" = "$git_tree" ]
		witness "khaosat bundle apply ($1): the same tree as git fetch + merge" $?
	else
		fail "git fetch + git merge ($1)"
	fi
	bench_time_apply "$1" "'$tmp/bin/fresh' '$2'"
	rm -rf "$run"
}

apply_case merge "$recv" 0
ap_ks=$A_ks ap_git=$A_git
apply_case fast-forward "$recv_ff" 1
ff_ks=$A_ks ff_git=$A_git
# kept with the folder: the receivers at BASE, to look at an apply again
[ -n "${BENCH_KEEP:-}" ] || rm -rf "$recv" "$recv_ff"

# ---- 11: the stick ----

stick=$tmp/stick
mkdir -p "$stick" || exit 1
# stick_files: every file on the stick, "inode size mtime path" a line; a
# file new or replaced since an earlier listing has a line of its own
stick_files() { find "$stick" -type f -printf '%i %s %T@ %p\n' | sort; }

note "stick: the first khaosat sync, which anchors it"
must "khaosat sync (first)" "$ks" sync "$stick"
stick_first=$(du -sb "$stick" | cut -f1)
: >"$tmp/time.sync"
: >"$tmp/bytes.sync"
: >"$tmp/gitb.sync"
r=1
while [ $r -le "$SYNC_ROUNDS" ]; do
	note "stick, round $r of $SYNC_ROUNDS: $CHANGES records changed and committed, then khaosat sync"
	pick "$CHANGES" $((5 + r)) >"$tmp/sel.stick"
	while read -r k f; do
		set_field "$f" annual_revenue $((9300000001 + r * 1000 + k)) || exit 1
	done <"$tmp/sel.stick"
	prev=$(git rev-parse main)
	ks_commit "Stick round $r: $CHANGES records"
	git bundle create -q "$tmp/stick-git.bundle" "$prev..main" 2>"$tmp/err" &&
		size "$tmp/stick-git.bundle" >>"$tmp/gitb.sync"
	stick_files >"$tmp/stick.before"
	if ns=$(timed "$ks" sync "$stick"); then
		echo "$ns" >>"$tmp/time.sync"
		stick_files | comm -13 "$tmp/stick.before" - |
			awk '{ s += $2 } END { print s + 0 }' >>"$tmp/bytes.sync"
	else
		fail "khaosat sync $stick (round $r)"
	fi
	r=$((r + 1))
done
sy_ks=$(median_s <"$tmp/time.sync") || sy_ks=failed
sb_ks=$(median <"$tmp/bytes.sync") || sb_ks=failed
sb_git=$(median <"$tmp/gitb.sync") || sb_git=failed
stick_last=$(find "$stick" -name '*.bundle' -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')
if git bundle create -q "$tmp/full-git.bundle" main 2>"$tmp/err"; then
	full_git=$(size "$tmp/full-git.bundle")
	full_limit=$(awk -v f="$full_git" 'BEGIN { printf "%d\n", f * 1.2 }')
else
	fail "git bundle create (the whole history)"
	full_git=failed full_limit=0
fi
rm -f "$tmp/full-git.bundle"
find "$stick" -name '*.bundle' | sort >"$tmp/stick.bundles"
nb=$(wc -l <"$tmp/stick.bundles")
while read -r b; do
	git bundle verify "$b" >/dev/null 2>"$tmp/err"
	witness "git bundle verify ${b#"$stick"/} (the stick)" $?
done <"$tmp/stick.bundles"
[ "$nb" -gt 0 ]
witness "the stick holds $nb bundle(s)" $?

# ---- 9: merge ----

# In a signed survey khaosat merges only commits a member signed: side B
# is made with khaosat commit in a copy of the survey (another laptop of
# the same member) and fetched from there with plain git.
note "merge: side-b and main, $SIDE records each, in khaosat commits"
pick $((2 * SIDE)) 1 >"$tmp/sel.merge"
sideb=$tmp/side-b
"$tmp/bin/copy-repo" "$survey" "$sideb" || die "copying the survey"
cd "$sideb" || exit 1
while read -r k f; do
	[ $((k % 2)) -eq 1 ] || continue
	set_field "$f" annual_revenue $((9500000001 + k)) || exit 1
done <"$tmp/sel.merge"
ks_commit "Side B: $SIDE records"
cd "$survey" || exit 1
git fetch -q "$sideb" main:side-b 2>"$tmp/err" || die "git fetch of side B"
rm -rf "$sideb"
while read -r k f; do
	[ $((k % 2)) -eq 0 ] || continue
	set_field "$f" annual_revenue $((9400000001 + k)) || exit 1
done <"$tmp/sel.merge"
ks_commit "Side A: $SIDE records"
side_a=$(git rev-parse main)
side_b=$(git rev-parse side-b)
if [ "$(git diff --name-only "$side_a^" "$side_a" | wc -l)" -ne "$SIDE" ] ||
	[ "$(git diff --name-only "$side_a^" "$side_b" | wc -l)" -ne "$SIDE" ]; then
	die "the two sides of the merge: $SIDE records each"
fi
"$ks" check >/dev/null 2>"$tmp/err" || fail "khaosat check before the merge"
restore_key
objects >"$tmp/objs.pre"
cp -a .git/logs "$tmp/logs.pre" || exit 1
rm -rf "$tmp/ks.pre"
cp -a .git/khaosat "$tmp/ks.pre" || exit 1

# prepare: the survey back at its pre-merge state (main at side A, the
# work tree and index as they were, no merge state, .git/khaosat and the
# reflogs as they were, none of the objects an earlier run wrote), then
# the page cache written to disk; untimed
prepare() {
	cd "$survey" || exit 1
	git merge --abort >/dev/null 2>&1
	if ! git reset -q --hard "$side_a" 2>"$tmp/err" ||
		! git clean -fdq 2>>"$tmp/err"; then
		die "git reset --hard to the pre-merge state"
	fi
	rm -rf .git/khaosat .git/ORIG_HEAD .git/AUTO_MERGE .git/logs
	cp -a "$tmp/ks.pre" .git/khaosat || exit 1
	cp -a "$tmp/logs.pre" .git/logs || exit 1
	objects | comm -13 "$tmp/objs.pre" - | xargs -r rm -f
	git update-index -q --refresh >/dev/null 2>&1
	if [ "$(git rev-parse HEAD)" != "$side_a" ] ||
		[ "$(git symbolic-ref HEAD)" != refs/heads/main ] ||
		[ -n "$(git status --porcelain)" ]; then
		git status | head -n 10 >"$tmp/err"
		die "the pre-merge state could not be restored"
	fi
	sync
}

: >"$tmp/time.mks"
: >"$tmp/time.mgit"
ks_tree=
i=0
while [ $i -le "$RUNS" ]; do
	if [ $i -eq 0 ]; then r=" (warm-up)"; else r=" of $RUNS"; fi
	note "merge, round $i$r: khaosat merge, then git merge"
	prepare
	if ns=$(timed "$ks" merge side-b); then
		[ $i -eq 0 ] || echo "$ns" >>"$tmp/time.mks"
	else
		fail "khaosat merge side-b (round $i)"
	fi
	if [ $i -eq 0 ]; then
		ks_tree=$(git rev-parse 'HEAD^{tree}')
		[ "$(git rev-parse -q --verify HEAD^1)" = "$side_a" ] &&
			[ "$(git rev-parse -q --verify HEAD^2)" = "$side_b" ]
		witness "khaosat merge: a merge commit of main and side-b" $?
		note "git fsck --full after khaosat merge"
		git fsck --full --no-progress >"$tmp/fsck" 2>&1
		rc=$?
		grep -v '^dangling\|^Checking\|^notice' "$tmp/fsck" >"$tmp/err"
		[ $rc -eq 0 ] && [ ! -s "$tmp/err" ]
		witness "git fsck --full after khaosat merge (exit $rc)" $?
	fi
	prepare
	if ns=$(timed git merge --no-edit side-b); then
		[ $i -eq 0 ] || echo "$ns" >>"$tmp/time.mgit"
	else
		fail "git merge side-b (round $i)"
	fi
	if [ $i -eq 0 ]; then
		git_tree=$(git rev-parse 'HEAD^{tree}')
		[ -n "$ks_tree" ] && [ "$ks_tree" = "$git_tree" ]
		witness "khaosat merge: the same tree as git merge" $?
	fi
	i=$((i + 1))
done
prepare
mg_ks=$(median_s <"$tmp/time.mks") || mg_ks=failed
mg_git=$(median_s <"$tmp/time.mgit") || mg_git=failed

# ---- 14: delete one record ----

note "delete of one record, $ROUNDS rounds each, alternating with git rm + commit"
: >"$tmp/time.dks"
: >"$tmp/time.dgit"
deleted_ok=0
pick $((2 * ROUNDS)) 11 >"$tmp/sel.delete"
while read -r k f; do
	id=${f##*/}
	id=${id%.yaml}
	if [ $((k % 2)) -eq 0 ]; then
		ns=$(timed "$ks" delete "$id" -m "bench delete $k") ||
			{ fail "khaosat delete $id"; continue; }
	else
		ns=$(timed git rm -q "$f") && ns2=$(timed git commit -q -m "bench delete $k") ||
			{ fail "git rm + commit of $f"; continue; }
		ns=$((ns + ns2))
	fi
	[ "$(git diff --name-status HEAD^ HEAD)" = "D	$f" ] &&
		deleted_ok=$((deleted_ok + 1))
	if [ $((k % 2)) -eq 0 ]; then
		echo "$ns" >>"$tmp/time.dks"
	else
		echo "$ns" >>"$tmp/time.dgit"
	fi
done <"$tmp/sel.delete"
[ "$deleted_ok" -eq $((2 * ROUNDS)) ]
witness "each delete: a commit that deletes that record alone ($deleted_ok of $((2 * ROUNDS)))" $?
dl_ks=$(median_s <"$tmp/time.dks") || dl_ks=failed
dl_git=$(median_s <"$tmp/time.dgit") || dl_git=failed
cd "$tmp" || exit 1

# ---- the table ----

# absolute NAME VALUE LIMIT OP KS_TEXT OTHER_TEXT TARGET_TEXT [OTHER]: the
# target VALUE OP LIMIT (OP < or <=); with OTHER, the ratio VALUE / OTHER
absolute() {
	total=$((total + 1))
	ratio=-
	if numeric "$2" && [ $# -ge 8 ] && numeric "$8"; then
		ratio=$(awk -v a="$2" -v b="$8" 'BEGIN { if (b > 0) printf "%.2fx\n", a / b; else print "-" }')
	fi
	if ! numeric "$2"; then
		result="no data"
	elif awk -v v="$2" -v l="$3" -v op="$4" \
		'BEGIN { exit !(op == "<" ? v < l : v <= l) }'; then
		result=met
		met=$((met + 1))
	else
		result="NOT met"
	fi
	# shellcheck disable=SC2059
	printf "$row_fmt" "$1" "$5" "$6" "$ratio" "$7" "$result"
}

# fmt_m COUNT: "32.5 M" (millions)
fmt_m() {
	case "$1" in *[!0-9]* | '') echo "$1"; return ;; esac
	awk -v n="$1" 'BEGIN { printf "%.1f M\n", n / 1e6 }'
}

echo
echo "khaosat performance targets: N=$N workshop records ($(fmt_b "$bytes" KB)), device $dev"
built_line
echo "timer: $(timer_name), median of $RUNS runs ($SLOW_RUNS for whole-survey checks and apply, $ROUNDS commit rounds, $SYNC_ROUNDS stick syncs, $RUNS merges); instructions: $in_tool"
echo "load $(cut -d' ' -f1-3 /proc/loadavg)"
echo
table_start '%-46s %11s %11s %8s  %-9s %s\n' anchor
rows_of "commit, 1 changed record (git commit -am)" "$cm_ks" "$cm_git" fmt_s 1.5
rows_of "check, $EDITS records edited (git status)" "$ed_ks" "$ed_git" fmt_s 1.5
rows_of "check all, no caches (parsefloor)" "$all_cold" "$all_floor" fmt_s 1.3
rows_of "check --schema, $PLAIN files (parsefloor)" "$pl_ks" "$pl_floor" fmt_s 1.2
absolute "peak memory, check all, no caches" "$mem_ks" 32768 "<" \
	"$(fmt_kb "$mem_ks")" "$(fmt_kb "$mem_floor")" "< 32 MB" "$mem_floor"
rows_of "bundle apply, merge (fetch + merge)" "$ap_ks" "$ap_git" fmt_s 1.5
rows_of "bundle apply, fast-forward (fetch + merge)" "$ff_ks" "$ff_git" fmt_s 1.2
rows_of "bundle create, $CHANGES records (git bundle)" "$bc_ks" "$bc_git" fmt_s 1.0
rows_of "merge, $SIDE + $SIDE records (git merge)" "$mg_ks" "$mg_git" fmt_s 1.3
rows_of "delete, 1 record (git rm + commit)" "$dl_ks" "$dl_git" fmt_s 1.5
absolute "stats, warm" "$st_ks" 1 "<=" "$(fmt_s "$st_ks")" - "<= 1 s"
absolute "dupes, warm" "$du_ks" 1 "<=" "$(fmt_s "$du_ks")" - "<= 1 s"
absolute "find, warm ($found found)" "$fd_ks" 1 "<=" "$(fmt_s "$fd_ks")" - "<= 1 s"
absolute "stick sync, $CHANGES records: time" "$sy_ks" 2 "<=" \
	"$(fmt_s "$sy_ks")" - "<= 2 s"
absolute "stick sync: bytes written (git inc. bundle)" "$sb_ks" 1048576 "<=" \
	"$(fmt_b "$sb_ks")" "$(fmt_b "$sb_git")" "<= 1 MB" "$sb_git"
absolute "stick: its bundles (git full bundle)" "$stick_last" "$full_limit" "<=" \
	"$(fmt_b "$stick_last")" "$(fmt_b "$full_git")" "<= 1.2x" "$full_git"
if [ "$bulk_out" = 1 ]; then
	row "bulk commit, $N records (git add + commit)" "$bulk_ks" "$bulk_git" \
		"> $(fmt_s "$bulk_ks")" "$(fmt_s "$bulk_git")" 1.5
else
	rows_of "bulk commit, $N records (git add + commit)" "$bulk_ks" "$bulk_git" fmt_s 1.5
fi
absolute "start-up: status, instructions (git status)" "$in_ks" 40000000 "<" \
	"$(fmt_m "$in_ks")" "$(fmt_m "$in_git")" "< 40 M" "$in_git"
table_end
echo
echo "bundles: khaosat's incremental $(fmt_b "$bs_ks"), git's $(fmt_b "$bs_git")"
echo "stick: $(fmt_b "$stick_first") after the first sync, $(fmt_b "$stick_last") of bundles after the last; written each round (B):" \
	"$(tr '\n' ' ' <"$tmp/bytes.sync")"
[ "$bulk_out" != 1 ] ||
	echo "bulk commit: stopped at ${BULK_TIMEOUT}s, so its ratio is a lower bound"
bench_exit "witnesses (plain git):"
