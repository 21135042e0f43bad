#!/bin/sh
# Bundle benchmark: khaosat bundle create|apply against plain git bundle,
# fetch and merge of the same commits, in the same run.  In a temporary
# folder it takes a survey of BENCH_N workshop records (BENCH_SURVEY, or
# khaosat init + gensurvey + a plain git commit of the import) at commit
# BASE, and makes with khaosat:
#
#   sender         BENCH_CHANGES records get a new annual_revenue, in two
#                  khaosat commits on top of BASE
#   receiver       a copy of the survey at BASE with a second device
#                  identity and two khaosat commits of its own (10 other
#                  records each), so that applying is a real merge
#   receiver (ff)  a copy at BASE with no commit of its own: fast-forward
#
# Then it measures (hyperfine, median of BENCH_RUNS after a warm-up, when
# it is installed; else date +%s%N around each run, median; the applies
# timed in turn with git's, tests/tools/alternate) and, in one more run
# of each under GNU time, peak RSS:
#
#   incremental    khaosat bundle create inc.bundle --since BASE
#                  vs git bundle create inc-git.bundle BASE..main
#                  (size and time)
#   apply          khaosat bundle apply inc.bundle vs git fetch
#                  inc-git.bundle main:refs/remotes/b/main && git merge
#                  --no-edit refs/remotes/b/main, each run in a fresh copy
#                  of the receiver (copied, untimed, so no object of an
#                  earlier run is found already there); merge and ff
#   full           khaosat bundle create full.bundle vs git bundle create
#                  full-git.bundle main (size and time)
#
# It checks what khaosat wrote and did with plain git as the witness: git
# bundle verify of both khaosat bundles inside a copy at BASE, the tips git
# fetches from them, a bare clone of the full bundle holding main's tree,
# and after the first apply of each kind: main a merge of the receiver's
# tip and the sender's (or the sender's tip), the work tree clean, every
# changed value in the merged tree, and the same tree as git's merge.
# Prints a table with the targets: incremental bundle no bigger and no
# slower than git's, apply within 1.5x git's time, the full bundle within
# 1.05x git's size.  Nothing here knows how core/bundle.c builds its pack.
#
#   BUILD=build/release sh tests/bench/bundle.sh
#
# BENCH_N          records (default 100000)
# BENCH_RUNS       timed runs of each quick command (default 5)
# BENCH_SLOW_RUNS  timed runs of the full bundles and of apply (default 3)
# BENCH_CHANGES    records the sender changes (default 100)
# BENCH_SURVEY=DIR start from this survey (a clean work tree on main,
#                  with a device identity) instead of generating one; it is
#                  copied, never changed, and BENCH_N is then its number of
#                  workshop records.  tests/bench/run.sh passes its own.
# BENCH_TOOL=date  use the fallback timer even when hyperfine is there
# BENCH_KEEP=1     keep the temporary folder (its path is printed)
#
# A benchmark, not a test: a target that is not met never fails it.  Exit 0;
# 1 when a command crashed or failed, or a check of khaosat's result failed.
set -u
bench="bench-bundle"
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$top/tests/bench/lib.sh"
N=${BENCH_N:-100000}
RUNS=${BENCH_RUNS:-5}
SLOW_RUNS=${BENCH_SLOW_RUNS:-3}
CHANGES=${BENCH_CHANGES:-100}
LOCAL=10	# records changed by each of the receiver's two commits

bench_need "run 'make khaosat tests-built'" "$ks" "$tools/gensurvey" \
	"$tools/alternate"
bench_numbers BENCH_N="$N" BENCH_RUNS="$RUNS" BENCH_SLOW_RUNS="$SLOW_RUNS" \
	BENCH_CHANGES="$CHANGES"
if [ "$RUNS" -lt 1 ] || [ "$SLOW_RUNS" -lt 1 ] || [ "$CHANGES" -lt 2 ]; then
	note "BENCH_RUNS and BENCH_SLOW_RUNS must be at least 1, BENCH_CHANGES at least 2"
	exit 2
fi

# hyperfine and GNU time, installed like the build dependencies when missing
bench_deps hyperfine:hyperfine /usr/bin/time:time
bench_need_time
bench_timer
bench_tmp bundle
bench_copy gensurvey alternate
bench_env

size() { stat -c %s "$1"; }

# ---- the survey at BASE ----

src=$tmp/sender
bench_survey "$src"
if [ -z "$(git config khaosat.device)" ]; then
	git config khaosat.device bench
	git config khaosat.surveyor Bench
fi
T=$((CHANGES + 2 * LOCAL))
if [ "$N" -lt "$T" ]; then
	note "BENCH_N ($N) must be at least BENCH_CHANGES + $((2 * LOCAL)) ($T)"
	exit 2
fi
base=$(git rev-parse main)
loose=$(git count-objects | cut -d' ' -f1)

# The first CHANGES records of the selection for the sender, the others
# for the receiver's own commits.
bench_select "$T" "$CHANGES"

# The receivers start from BASE: copies taken before the sender commits.
note "the receivers: copies of the survey at BASE"
recv_ff=$tmp/recv-ff
recv=$tmp/recv
cp -a "$src" "$recv_ff" || exit 1
cp -a "$src" "$recv" || exit 1
for r in "$recv_ff" "$recv"; do
	git -C "$r" config khaosat.device bench2
	git -C "$r" config khaosat.surveyor "Bench Two"
	git -C "$r" config khaosat.email bench2@khaosat.invalid
done

note "sender: $CHANGES records changed in two khaosat commits"
: >"$tmp/expect"
half=$((CHANGES / 2))
while read -r k f; do
	revise "$f" $((7700000001 + k)) "" expect || exit 1
	[ "$k" -ne $((half - 1)) ] || ks_commit "Sender: records 1 to $half"
done <"$tmp/sel.send"
ks_commit "Sender: records $((half + 1)) to $CHANGES"
tip=$(git rev-parse main)
if [ "$(git rev-list --count "$base..$tip")" -ne 2 ] ||
	[ -n "$(git status --porcelain)" ]; then
	git status --porcelain | head -n 5 >"$tmp/err"
	fail "the sender's two commits"
	exit 1
fi

note "receiver: $((2 * LOCAL)) records changed in two khaosat commits of its own"
cd "$recv" || exit 1
: >"$tmp/expect.local"
while read -r k f; do
	revise "$f" $((8800000001 + k)) "" expect.local || exit 1
	[ "$k" -ne $((CHANGES + LOCAL - 1)) ] || ks_commit "Receiver: first visit"
done <"$tmp/sel.local"
ks_commit "Receiver: second visit"
local_tip=$(git rev-parse main)
rm -rf .git/khaosat "$recv_ff/.git/khaosat"
cd "$src" || exit 1

# ---- incremental bundle ----

inc=$tmp/inc.bundle
inc_git=$tmp/inc-git.bundle
note "incremental bundle of $CHANGES changed records: khaosat, then git"
measure "$RUNS" "'$ks' bundle create '$inc' --since $base" && inc_t_ks=$M ||
	inc_t_ks=failed
measure "$RUNS" "git bundle create -q '$inc_git' $base..main" && inc_t_git=$M ||
	inc_t_git=failed
peak "'$ks' bundle create '$inc' --since $base"
inc_m_ks=$K
peak "git bundle create -q '$inc_git' $base..main"
inc_m_git=$K
inc_s_ks=$(size "$inc" 2>/dev/null) || inc_s_ks=failed
inc_s_git=$(size "$inc_git" 2>/dev/null) || inc_s_git=failed

# ---- full bundle ----

full=$tmp/full.bundle
full_git=$tmp/full-git.bundle
note "full bundle of $N records: khaosat, then git"
measure "$SLOW_RUNS" "'$ks' bundle create '$full'" && full_t_ks=$M ||
	full_t_ks=failed
measure "$SLOW_RUNS" "git bundle create -q '$full_git' main" &&
	full_t_git=$M || full_t_git=failed
peak "'$ks' bundle create '$full'"
full_m_ks=$K
peak "git bundle create -q '$full_git' main"
full_m_git=$K
full_s_ks=$(size "$full" 2>/dev/null) || full_s_ks=failed
full_s_git=$(size "$full_git" 2>/dev/null) || full_s_git=failed

# ---- fresh copies ----

# Each run in a fresh copy of its receiver, made by PREPARE (untimed):
# git reset --hard would leave the imported objects behind.  The object
# files are hard links (git and libgit2 only ever add an object file, by
# rename, and never write into one), everything else is copied.
run=$tmp/run
cat >"$tmp/bin/fresh" <<EOF
#!/bin/sh
set -e
rm -rf '$run'
mkdir '$run' '$run/.git'
for e in "\$1"/* "\$1"/.[!.]*; do
	[ -e "\$e" ] && [ "\${e##*/}" != .git ] || continue
	cp -a "\$e" '$run/'
done
for e in "\$1"/.git/*; do
	[ "\${e##*/}" != objects ] || continue
	cp -a "\$e" '$run/.git/'
done
cp -al "\$1/.git/objects" '$run/.git/objects'
sync
EOF
chmod +x "$tmp/bin/fresh"

# ---- what git says of khaosat's bundles ----

note "checking khaosat's bundles with git (bundle verify, fetch, clone)"
wit=$run
"$tmp/bin/fresh" "$recv_ff" || exit 1
cd "$wit" || exit 1
git bundle verify "$inc" >"$tmp/out" 2>"$tmp/err"
verdict "git bundle verify inc.bundle, in a copy at BASE (exit $?)" $?
git bundle verify "$full" >"$tmp/out" 2>"$tmp/err"
verdict "git bundle verify full.bundle (exit $?)" $?
heads=$(git bundle list-heads "$inc" 2>/dev/null | awk '$2 == "refs/heads/main" { print $1 }')
[ "$heads" = "$tip" ]
verdict "inc.bundle offers refs/heads/main at the sender's tip" $?
git fetch -q "$inc" main:refs/remotes/k/main >/dev/null 2>"$tmp/err" &&
	[ "$(git rev-parse refs/remotes/k/main)" = "$tip" ] &&
	[ "$(git rev-list --count "$base..refs/remotes/k/main")" -eq 2 ]
verdict "git fetch of inc.bundle gives the sender's two commits" $?
cd "$tmp" || exit 1
rm -rf "$wit"
git clone -q --bare "$full" "$tmp/clone.git" >/dev/null 2>"$tmp/err" &&
	[ "$(git -C "$tmp/clone.git" rev-parse 'main^{tree}')" = \
	  "$(git -C "$src" rev-parse 'main^{tree}')" ] &&
	[ "$(git -C "$tmp/clone.git" rev-list --count main)" = \
	  "$(git -C "$src" rev-list --count main)" ]
verdict "git clone --bare of full.bundle: main's tree and every commit" $?
rm -rf "$tmp/clone.git"

# ---- apply ----

cat >"$tmp/bin/apply-ks" <<EOF
#!/bin/sh
cd '$run' && exec '$ks' bundle apply '$inc'
EOF
chmod +x "$tmp/bin/apply-ks"
bench_apply_git "$run" "$inc_git"

# check_apply WHAT FF: the result of an apply in $run (FF: 1 when the
# receiver had no commit of its own)
check_apply() {
	cd "$run" || exit 1
	check_tree "$1" "$2" "$tip" "$local_tip" "the sender's" "the receiver's"
	cd "$tmp" || exit 1
}

# apply_case NAME RECEIVER FF: times and checks both ways into RECEIVER;
# the first run of each, not timed, gives the peak memory and the result
apply_case() {
	note "apply ($1): the result of each, and its peak memory"
	fresh="'$tmp/bin/fresh' '$2'"
	ks_tree=
	if peak "'$tmp/bin/apply-ks'" "$fresh"; then
		AM_ks=$K
		check_apply "khaosat bundle apply ($1)" "$3"
		ks_tree=$(git -C "$run" rev-parse 'HEAD^{tree}')
	else
		AM_ks=failed
	fi
	if peak "'$tmp/bin/apply-git'" "$fresh"; then
		AM_git=$K
		git_tree=$(git -C "$run" rev-parse 'HEAD^{tree}')
		[ -n "$ks_tree" ] && [ "$ks_tree" = "$git_tree" ]
		verdict "khaosat bundle apply ($1): the same tree as git fetch + merge" $?
	else
		AM_git=failed
	fi
	bench_time_apply "$1" "$fresh"
	rm -rf "$run"
}

apply_case merge "$recv" 0
ap_t_ks=$A_ks ap_t_git=$A_git ap_m_ks=$AM_ks ap_m_git=$AM_git
apply_case fast-forward "$recv_ff" 1
ff_t_ks=$A_ks ff_t_git=$A_git ff_m_ks=$AM_ks ff_m_git=$AM_git
cd "$tmp" || exit 1

# ---- the table ----

echo
echo "khaosat bundle benchmark: N=$N workshop records, $loose loose objects at BASE"
echo "sender: $CHANGES records changed in 2 commits; receiver: $((2 * LOCAL)) other records in 2 commits of its own"
built_line
echo "timer: $(timer_name), median of $RUNS runs ($SLOW_RUNS for full bundles and apply); peak memory: GNU time, one run"
echo
table_start '%-42s %10s %10s %8s  %-9s %s\n'
rows_of "incremental bundle: size" "$inc_s_ks" "$inc_s_git" fmt_b 1.0
rows_of "incremental bundle: create time" "$inc_t_ks" "$inc_t_git" fmt_s 1.0
rows_of "incremental bundle: create peak memory" "$inc_m_ks" "$inc_m_git" fmt_kb -
rows_of "apply, merge (vs fetch + merge): time" "$ap_t_ks" "$ap_t_git" fmt_s 1.5
rows_of "apply, merge: peak memory" "$ap_m_ks" "$ap_m_git" fmt_kb -
rows_of "apply, fast-forward: time (info)" "$ff_t_ks" "$ff_t_git" fmt_s -
rows_of "apply, fast-forward: peak memory" "$ff_m_ks" "$ff_m_git" fmt_kb -
rows_of "full bundle: size" "$full_s_ks" "$full_s_git" fmt_b 1.05
rows_of "full bundle: create time (info)" "$full_t_ks" "$full_t_git" fmt_s -
rows_of "full bundle: create peak memory" "$full_m_ks" "$full_m_git" fmt_kb -
table_end
bench_exit "correctness (plain git as the witness):"
