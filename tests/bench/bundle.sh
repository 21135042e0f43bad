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
# it is installed; else date +%s%N around each run, median) and, in one
# more run of each under GNU time, peak RSS:
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
BUILD=${BUILD:-build/release}
top=$(cd "$(dirname "$0")/../.." && pwd)
ks=$top/$BUILD/khaosat
tools=$top/$BUILD/tests/tools
N=${BENCH_N:-100000}
RUNS=${BENCH_RUNS:-5}
SLOW_RUNS=${BENCH_SLOW_RUNS:-3}
CHANGES=${BENCH_CHANGES:-100}
SRC=${BENCH_SURVEY:-}
LOCAL=10	# records changed by each of the receiver's two commits

for f in "$ks" "$tools/gensurvey"; do
	if [ ! -x "$f" ]; then
		echo "bench-bundle: $f is missing; run 'make khaosat tests-built'" >&2
		exit 1
	fi
done
for v in "$N" "$RUNS" "$SLOW_RUNS" "$CHANGES"; do
	case "$v" in '' | *[!0-9]*)
		echo "bench-bundle: BENCH_N, BENCH_RUNS, BENCH_SLOW_RUNS and BENCH_CHANGES must be numbers" >&2
		exit 2 ;;
	esac
done
if [ "$RUNS" -lt 1 ] || [ "$SLOW_RUNS" -lt 1 ] || [ "$CHANGES" -lt 2 ]; then
	echo "bench-bundle: BENCH_RUNS and BENCH_SLOW_RUNS must be at least 1, BENCH_CHANGES at least 2" >&2
	exit 2
fi

# hyperfine and GNU time, installed like the build dependencies when missing
sh "$top/tests/deps.sh" -- hyperfine:hyperfine /usr/bin/time:time 2>&1 |
	sed 's/^/bench-bundle: /' >&2
if [ ! -x /usr/bin/time ]; then
	echo "bench-bundle: /usr/bin/time is missing (apt-get install time)" >&2
	exit 1
fi
tool="date"
if [ "${BENCH_TOOL:-}" != date ] && command -v hyperfine >/dev/null 2>&1; then
	tool=hyperfine
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/khaosat-bundle.XXXXXX") || exit 1
# shellcheck disable=SC2317
cleanup() {
	cd /
	if [ -n "${BENCH_KEEP:-}" ]; then
		echo "bench-bundle: kept $tmp" >&2
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Copies of the programs, so that a rebuild during the run changes nothing.
mkdir -p "$tmp/bin"
cp "$ks" "$tools/gensurvey" "$tmp/bin/" || exit 1
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
wrong=0
note() { echo "bench-bundle: $*" >&2; }
# fail WHAT: a command crashed or failed; the run goes on where it can.
fail() {
	echo "bench-bundle: FAILED: $1" >&2
	if [ -s "$tmp/err" ]; then
		sed 's/^/bench-bundle:   /' "$tmp/err" | head -n 20 >&2
	fi
	failures=$((failures + 1))
}
# verdict WHAT OK: one correctness check, printed in the report
checks=
verdict() {
	if [ "$2" = 0 ]; then
		checks="$checks  ok      $1
"
	else
		checks="$checks  WRONG   $1
"
		wrong=$((wrong + 1))
	fi
}

# The median of the numbers on standard input.
median() {
	sort -n | awk '{ v[NR] = $1 }
		END { if (!NR) exit 1
		      printf "%.0f\n", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# timed CMD...: runs CMD once, output discarded, errors in $tmp/err;
# prints the elapsed nanoseconds and returns CMD's exit code.  (Called
# through eval.)
# shellcheck disable=SC2317
timed() {
	t0=$(date +%s%N)
	"$@" >/dev/null 2>"$tmp/err"
	rc=$?
	t1=$(date +%s%N)
	echo $((t1 - t0))
	return "$rc"
}

# measure RUNS CMD [PREPARE]: the median wall time of CMD (a string, words
# quoted for the shell, no other shell syntax) in seconds, in $M; returns 1
# if it failed.  PREPARE, a command of the same kind, runs before each run
# (the warm-up included), untimed.
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
	while [ "$m_i" -lt "$1" ]; do
		if ! eval "$prep" || ! eval "timed $2" >>"$tmp/times"; then
			fail "$2"
			return 1
		fi
		m_i=$((m_i + 1))
	done
	M=$(median <"$tmp/times" | awk '{ printf "%.6f\n", $1 / 1e9 }')
}

# peak CMD [PREPARE]: the peak RSS in KB of one run of CMD (and of the
# processes it waits for) under GNU time, in $K; returns 1 if it failed
# or crashed.
peak() {
	K=
	if ! eval "${2:-true}"; then
		fail "preparing $1"
		return 1
	fi
	eval "/usr/bin/time -o '$tmp/mem' -f '%M' $1" >/dev/null 2>"$tmp/err"
	rc=$?
	if grep -q '^Command terminated by signal' "$tmp/mem"; then
		cat "$tmp/mem" >>"$tmp/err"
		fail "$1 (crashed)"
		return 1
	fi
	if [ $rc -ne 0 ]; then
		fail "$1 (exit $rc)"
		return 1
	fi
	K=$(tail -n 1 "$tmp/mem")
}

size() { stat -c %s "$1"; }

# ---- the survey at BASE ----

src=$tmp/sender
if [ -n "$SRC" ]; then
	note "copying the survey $SRC"
	if [ -n "$(git -C "$SRC" --no-optional-locks status --porcelain 2>/dev/null)" ] ||
		! git -C "$SRC" rev-parse -q --verify refs/heads/main >/dev/null; then
		note "$SRC is not a survey with a clean work tree on main"
		exit 1
	fi
	cp -a "$SRC" "$src" || exit 1
	cd "$src" || exit 1
	rm -rf .git/khaosat
	git checkout -q main || exit 1
	git config gc.auto 0
	if [ -z "$(git config khaosat.device)" ]; then
		git config khaosat.device bench
		git config khaosat.surveyor Bench
	fi
	N=$(git ls-files records/workshop | wc -l)
else
	"$ks" init "$src" --device bench --surveyor Bench \
		--name "Bench: $N workshops" >/dev/null 2>"$tmp/err" || {
		fail "khaosat init"
		exit 1
	}
	cd "$src" || exit 1
	# git would pack 100,000 loose objects in the background in the middle
	# of a measurement; khaosat (libgit2) never does.
	git config gc.auto 0
	note "generating $N records"
	"$tools/gensurvey" "$src" "$N" >"$tmp/gen.out" 2>"$tmp/err" || {
		fail gensurvey
		exit 1
	}
	note "git add -A && git commit of the import"
	if ! git add -A 2>"$tmp/err" ||
		! git commit -q -m "Import $N workshops" 2>>"$tmp/err"; then
		fail "git commit of the import"
		exit 1
	fi
fi
T=$((CHANGES + 2 * LOCAL))
if [ "$N" -lt "$T" ]; then
	note "BENCH_N ($N) must be at least BENCH_CHANGES + $((2 * LOCAL)) ($T)"
	exit 2
fi
base=$(git rev-parse main)
loose=$(git count-objects | cut -d' ' -f1)

# T records spread evenly over the survey: the first CHANGES for the
# sender, the others for the receiver's own commits (k: the record's
# number in the selection, which makes every new value unique).
git ls-files records/workshop | awk -v n="$N" -v t="$T" -v c="$CHANGES" \
	-v dir="$tmp" '
	BEGIN { step = int(n / t); k = 0 }
	(NR - 1) % step == 0 && k < t {
		print k, $0 > (dir "/sel." (k < c ? "send" : "local"))
		k++
	}'
touch "$tmp/sel.send" "$tmp/sel.local"
if [ "$(wc -l <"$tmp/sel.send")" -ne "$CHANGES" ] ||
	[ "$(wc -l <"$tmp/sel.local")" -ne $((2 * LOCAL)) ]; then
	note "internal error: wrong selection of records"
	exit 1
fi

# set_field FILE KEY VALUE
set_field() {
	if ! grep -q "^$2: " "$1"; then
		echo "no '$2' in $1" >"$tmp/err"
		fail "editing $1"
		return 1
	fi
	sed -i "s/^$2: .*/$2: $3/" "$1"
}

# ks_commit MESSAGE: khaosat commit in the current folder
ks_commit() {
	if ! "$ks" commit -m "$1" >"$tmp/out" 2>"$tmp/err"; then
		fail "khaosat commit -m '$1' in $(pwd)"
		exit 1
	fi
}

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
	v=$((7700000001 + k))
	set_field "$f" annual_revenue "$v" || exit 1
	printf '%s\tannual_revenue: %s\n' "$f" "$v" >>"$tmp/expect"
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
	v=$((8800000001 + k))
	set_field "$f" annual_revenue "$v" || exit 1
	printf '%s\tannual_revenue: %s\n' "$f" "$v" >>"$tmp/expect.local"
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
peak "'$ks' bundle create '$inc' --since $base" && inc_m_ks=$K ||
	inc_m_ks=failed
peak "git bundle create -q '$inc_git' $base..main" && inc_m_git=$K ||
	inc_m_git=failed
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
peak "'$ks' bundle create '$full'" && full_m_ks=$K || full_m_ks=failed
peak "git bundle create -q '$full_git' main" && full_m_git=$K ||
	full_m_git=failed
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
cat >"$tmp/bin/apply-git" <<EOF
#!/bin/sh
cd '$run' &&
	git fetch -q '$inc_git' main:refs/remotes/b/main &&
	exec git merge -q --no-edit refs/remotes/b/main
EOF
chmod +x "$tmp/bin/apply-ks" "$tmp/bin/apply-git"

# check_apply WHAT FF: the result of an apply in $run (FF: 1 when the
# receiver had no commit of its own)
check_apply() {
	cd "$run" || exit 1
	if [ "$2" = 1 ]; then
		[ "$(git rev-parse HEAD)" = "$tip" ]
		verdict "$1: main fast-forwarded to the sender's tip" $?
	else
		p1=$(git rev-parse -q --verify HEAD^1)
		p2=$(git rev-parse -q --verify HEAD^2)
		{ [ "$p1" = "$local_tip" ] && [ "$p2" = "$tip" ]; } ||
			{ [ "$p1" = "$tip" ] && [ "$p2" = "$local_tip" ]; }
		verdict "$1: main is a merge of the receiver's tip and the sender's" $?
	fi
	[ "$(git symbolic-ref HEAD)" = refs/heads/main ] &&
		[ -z "$(git status --porcelain)" ]
	verdict "$1: on main, work tree clean ($(git status --porcelain | wc -l) entries in git status)" $?
	# every changed value in the committed tree
	: >"$tmp/missing"
	cat "$tmp/expect" >"$tmp/want"
	[ "$2" = 1 ] || cat "$tmp/expect.local" >>"$tmp/want"
	while IFS="$(printf '\t')" read -r f line; do
		git show "HEAD:$f" 2>/dev/null | grep -qxF "$line" ||
			echo "$f: $line" >>"$tmp/missing"
	done <"$tmp/want"
	n_exp=$(wc -l <"$tmp/want")
	n_miss=$(wc -l <"$tmp/missing")
	[ "$n_miss" -eq 0 ]
	verdict "$1: $((n_exp - n_miss)) of $n_exp changed values in main's tree" $?
	head -n 5 "$tmp/missing" | sed 's/^/bench-bundle:   missing: /' >&2
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
	note "apply ($1): khaosat bundle apply, timed"
	measure "$SLOW_RUNS" "'$tmp/bin/apply-ks'" "$fresh" && A_ks=$M ||
		A_ks=failed
	note "apply ($1): git fetch + git merge, timed"
	measure "$SLOW_RUNS" "'$tmp/bin/apply-git'" "$fresh" && A_git=$M ||
		A_git=failed
	rm -rf "$run"
}

apply_case merge "$recv" 0
ap_t_ks=$A_ks ap_t_git=$A_git ap_m_ks=$AM_ks ap_m_git=$AM_git
apply_case fast-forward "$recv_ff" 1
ff_t_ks=$A_ks ff_t_git=$A_git ff_m_ks=$AM_ks ff_m_git=$AM_git
cd "$tmp" || exit 1

# ---- the table ----

# shellcheck disable=SC2317
fmt_s() {
	case "$1" in *[!0-9.]* | '') echo "$1"; return ;; esac
	awk -v s="$1" 'BEGIN { if (s < 1) printf "%.1f ms\n", s * 1000
			       else printf "%.2f s\n", s }'
}
# shellcheck disable=SC2317
fmt_kb() {
	case "$1" in *[!0-9]* | '') echo "$1"; return ;; esac
	awk -v k="$1" 'BEGIN { printf "%.1f MB\n", k / 1024 }'
}
# shellcheck disable=SC2317
fmt_b() {
	case "$1" in *[!0-9]* | '') echo "$1"; return ;; esac
	awk -v b="$1" 'BEGIN { if (b < 10240) printf "%d B\n", b
			       else if (b < 10485760) printf "%.1f KB\n", b / 1024
			       else printf "%.1f MB\n", b / 1048576 }'
}
numeric() { case "$1" in *[!0-9.]* | '') return 1 ;; esac; }

met=0
total=0
row_fmt='%-42s %10s %10s %8s  %-9s %s\n'
# row NAME KS GIT KS_TEXT GIT_TEXT LIMIT_RATIO|-
row() {
	ratio=-
	result=-
	target=-
	if numeric "$2" && numeric "$3"; then
		ratio=$(awk -v a="$2" -v b="$3" 'BEGIN { printf "%.2fx", (b > 0 ? a / b : 0) }')
	fi
	if [ "$6" != - ]; then
		target="<= ${6}x"
		total=$((total + 1))
		if [ "$ratio" = - ]; then
			result="no data"
		elif awk -v a="$2" -v b="$3" -v l="$6" 'BEGIN { exit !(a <= b * l) }'; then
			result=met
			met=$((met + 1))
		else
			result="NOT met"
		fi
	fi
	# shellcheck disable=SC2059
	printf "$row_fmt" "$1" "$4" "$5" "$ratio" "$target" "$result"
}
# rows_of LABEL KS GIT FMT LIMIT
rows_of() { row "$1" "$2" "$3" "$($4 "$2")" "$($4 "$3")" "$5"; }

echo
echo "khaosat bundle benchmark: N=$N workshop records, $loose loose objects at BASE"
echo "sender: $CHANGES records changed in 2 commits; receiver: $((2 * LOCAL)) other records in 2 commits of its own"
echo "khaosat built $ks_built ($(sha1sum "$ks" | cut -c1-12)), $(nproc) CPUs, $(git --version),"
echo "timer: $(
	if [ $tool = hyperfine ]; then hyperfine --version; else echo "date +%s%N"; fi
), median of $RUNS runs ($SLOW_RUNS for full bundles and apply); peak memory: GNU time, one run"
echo
# shellcheck disable=SC2059
printf "$row_fmt" measurement khaosat git ratio target result
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
echo
echo "$met of $total targets met"
if [ -n "$checks" ]; then
	echo
	echo "correctness (plain git as the witness):"
	printf '%s' "$checks"
fi
if [ $failures -ne 0 ] || [ $wrong -ne 0 ]; then
	echo
	echo "bench-bundle: $failures command(s) failed or crashed, $wrong check(s) wrong (see above)"
	exit 1
fi
exit 0
