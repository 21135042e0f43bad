# shellcheck shell=sh
# What the benchmarks in tests/bench share: their checks of the knobs, the
# temporary folder, the copied programs and the fixed environment, timing
# (hyperfine, or date +%s%N around each run), medians, and the table with
# its ratios and targets.  A benchmark names itself (the prefix of its
# messages) and sources it:
#
#	bench="bench-merge"
#	top=$(cd "$(dirname "$0")/../.." && pwd)
#	. "$top/tests/bench/lib.sh"
#
# which sets BUILD (default build/release), ks and tools (the programs of
# that build).  Then, as it needs them: bench_numbers, bench_need,
# bench_deps, bench_timer, bench_tmp, bench_copy, bench_env.  Progress and
# failures go to standard error, each line prefixed with $bench; the table
# to standard output.

# (top and bench are the benchmark's)
# shellcheck disable=SC2154
BUILD=${BUILD:-build/release}
ks=$top/$BUILD/khaosat
tools=$top/$BUILD/tests/tools
tmp=
tool="date"
failures=0
wrong=0
checks=
# printf format of the seconds measure leaves in $M and $C
bench_sfmt=%.6f
# the ratio a row shows against a zero (see row)
row_zero=0.00x
# set by a benchmark: run by the cleanup on exit, before the folder goes
bench_atexit=
# set to 1 by a benchmark: timed runs under GNU time, for the CPU time
bench_cpu=
# set by a benchmark: the seconds a command given to must may take
bench_timeout=

note() { echo "$bench: $*" >&2; }

# fail WHAT: a command crashed or failed; the run goes on where it can.
fail() {
	echo "$bench: FAILED: $1" >&2
	if [ -s "$tmp/err" ]; then
		sed "s/^/$bench:   /" "$tmp/err" | head -n 20 >&2
	fi
	failures=$((failures + 1))
}

# die WHAT: a step the rest depends on failed.
die() {
	fail "$1"
	exit 1
}

# verdict WHAT STATUS: one correctness check (0: it holds), for the report
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

# ---- the set-up ----

# bench_numbers NAME=VALUE...: every VALUE a whole number, or exit 2 naming
# every NAME ("BENCH_N and BENCH_RUNS must be numbers")
bench_numbers() {
	bn_bad=
	bn_names=
	bn_i=0
	for bn_kv in "$@"; do
		bn_i=$((bn_i + 1))
		case "${bn_kv#*=}" in '' | *[!0-9]*) bn_bad=1 ;; esac
		if [ $bn_i -eq 1 ]; then
			bn_names=${bn_kv%%=*}
		elif [ $bn_i -eq $# ]; then
			bn_names="$bn_names and ${bn_kv%%=*}"
		else
			bn_names="$bn_names, ${bn_kv%%=*}"
		fi
	done
	[ -n "$bn_bad" ] || return 0
	if [ $# -eq 1 ]; then
		note "$bn_names must be a number"
	else
		note "$bn_names must be numbers"
	fi
	exit 2
}

# bench_need HINT PROGRAM...: every PROGRAM there, or exit 1 saying HINT
# (how to build it)
bench_need() {
	bnd_hint=$1
	shift
	for bnd_f in "$@"; do
		if [ ! -x "$bnd_f" ]; then
			note "$bnd_f is missing; $bnd_hint"
			exit 1
		fi
	done
}

# bench_deps COMMAND:PACKAGE...: installed like the build dependencies
# when missing (as root; otherwise the command to run is printed)
bench_deps() {
	sh "$top/tests/deps.sh" -- "$@" 2>&1 | sed "s/^/$bench: /" >&2
}

# bench_need_time: GNU time, or exit 1
bench_need_time() {
	if [ ! -x /usr/bin/time ]; then
		note "/usr/bin/time is missing (apt-get install time)"
		exit 1
	fi
}

# bench_timer: $tool, hyperfine when it is there and BENCH_TOOL is not date
bench_timer() {
	tool="date"
	if [ "${BENCH_TOOL:-}" != date ] && command -v hyperfine >/dev/null 2>&1; then
		tool=hyperfine
	fi
}

# bench_tmp NAME: a new temporary folder $tmp (khaosat-NAME.XXXXXX),
# removed on exit, or kept and its path printed when BENCH_KEEP is set
bench_tmp() {
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/khaosat-$1.XXXXXX") || exit 1
	trap bench_cleanup EXIT
	trap 'exit 130' INT TERM
}

# shellcheck disable=SC2317
bench_cleanup() {
	[ -z "$bench_atexit" ] || $bench_atexit
	cd /
	if [ -n "${BENCH_KEEP:-}" ]; then
		note "kept $tmp"
	else
		rm -rf "$tmp"
	fi
}

# bench_copy TOOL...: khaosat and the named test tools copied into
# $tmp/bin, so that a rebuild during the run changes nothing; ks and tools
# name the copies from then on, ks_built the time khaosat was built
# bench_git_import DIR: git's time for the import of DIR's files (git add
# -A && git commit into a second repository over the same work tree, so
# that neither finds the other's objects written) into bulk_git
bench_git_import() {
	note "git add -A && git commit of the same files (reference repository)"
	env GIT_DIR="$tmp/ref.git" git init -q -b main 2>/dev/null ||
		env GIT_DIR="$tmp/ref.git" git init -q
	env GIT_DIR="$tmp/ref.git" git config gc.auto 0
	if ns=$(timed env GIT_DIR="$tmp/ref.git" GIT_WORK_TREE="$1" \
		sh -c 'git add -A && git commit -q -m import'); then
		bulk_git=$(echo "$ns" | median_s)
	else
		fail "git add -A && git commit into the reference repository"
		bulk_git=failed
	fi
	rm -rf "$tmp/ref.git"
}

# bench_copy_repo: $tmp/bin/copy-repo FROM TO, TO a copy of the survey
# FROM, its object files hard links to FROM's (git and libgit2 only ever
# add an object file, by rename, and never write into one), everything
# else copied.  The copy has new inodes and change times: git's index is
# refreshed, and khaosat's notes made again (bench_make_notes), as on a
# laptop where nothing was touched since the last command.
bench_copy_repo() {
	cat >"$tmp/bin/copy-repo" <<'EOF'
#!/bin/sh
set -e
rm -rf "$2"
mkdir "$2" "$2/.git"
for e in "$1"/* "$1"/.[!.]* "$1"/..?*; do
	[ -e "$e" ] && [ "${e##*/}" != .git ] || continue
	cp -a "$e" "$2/"
done
for e in "$1"/.git/* "$1"/.git/.[!.]*; do
	[ -e "$e" ] && [ "${e##*/}" != objects ] || continue
	cp -a "$e" "$2/.git/"
done
cp -al "$1/.git/objects" "$2/.git/objects"
cd "$2"
git update-index -q --refresh >/dev/null
EOF
	bench_make_notes >>"$tmp/bin/copy-repo"
	chmod +x "$tmp/bin/copy-repo"
}

# bench_make_notes: the lines of a script, run in a survey just copied,
# that make khaosat's notes of it again.  The refresh wrote git's index
# anew, so the first khaosat status learns from libgit2's status that it
# holds main's tree, and notes that (.git/khaosat/index-head); the second
# then lists the work tree itself and notes its folders (.git/khaosat/
# folders: a folder changed in the two whole seconds before is not
# noted, hence the wait).
bench_make_notes() {
	cat <<EOF
sleep 3
'$ks' status >/dev/null 2>&1 || :
'$ks' status >/dev/null 2>&1 || :
EOF
}

# bench_time_apply NAME PREPARE: $tmp/bin/apply-ks and apply-git timed in
# turn, PREPARE run before each (untimed), into A_ks and A_git
bench_time_apply() {
	note "apply ($1): khaosat bundle apply and git fetch + git merge, timed in turn"
	measure_pair "$SLOW_RUNS" "'$tmp/bin/apply-ks'" "'$tmp/bin/apply-git'" \
		"$2" "$2"
	A_ks=$MA
	A_git=$MB
}

# bench_check_cold SURVEY: khaosat check of the whole survey, its caches
# removed before each run, into all_cold, timed in turn with parsefloor
# over its records (the same read and parsed with libyaml alone), into
# all_floor
bench_check_cold() {
	note "khaosat check of all $N records, caches removed before each run, and parsefloor of the same files, in turn"
	measure_pair "$SLOW_RUNS" "'$ks' check" "'$tools/parsefloor' '$1/records'" \
		"rm -rf .git/khaosat"
	all_cold=$MA
	all_floor=$MB
}

# bench_apply_git RUN BUNDLE: $tmp/bin/apply-git, git's apply of BUNDLE's
# main in RUN: git fetch, then git merge
bench_apply_git() {
	cat >"$tmp/bin/apply-git" <<EOF
#!/bin/sh
cd '$1' &&
	git fetch -q '$2' main:refs/remotes/b/main &&
	exec git merge -q --no-edit refs/remotes/b/main
EOF
	chmod +x "$tmp/bin/apply-git"
}

bench_copy() {
	mkdir -p "$tmp/bin"
	cp "$ks" "$tmp/bin/" || exit 1
	for bc_t in "$@"; do
		cp "$tools/$bc_t" "$tmp/bin/" || exit 1
	done
	ks_built=$(date -r "$ks" '+%Y-%m-%d %H:%M:%S')
	ks=$tmp/bin/khaosat
	tools=$tmp/bin
}

# bench_env: a fixed environment, in which nobody's git configuration
# takes part; plain git commits as Bench
bench_env() {
	HOME=$tmp/home
	mkdir -p "$HOME"
	LC_ALL=C.UTF-8
	TZ=UTC
	GIT_CONFIG_NOSYSTEM=1
	GIT_AUTHOR_NAME=Bench
	GIT_AUTHOR_EMAIL=bench@khaosat.invalid
	GIT_COMMITTER_NAME=bench
	GIT_COMMITTER_EMAIL=bench@khaosat.invalid
	export HOME LC_ALL TZ GIT_CONFIG_NOSYSTEM GIT_AUTHOR_NAME \
		GIT_AUTHOR_EMAIL GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL
	unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_OBJECT_DIRECTORY \
		GIT_CONFIG_PARAMETERS XDG_CONFIG_HOME KHAOSAT_USERNAME \
		KHAOSAT_PASSWORD
}

# ---- the survey ----

# bench_init DIR [OPTION...]: a new survey in DIR (khaosat init, device
# bench, and the OPTIONs), the current folder from then on
bench_init() {
	bi_dir=$1
	shift
	"$ks" init "$bi_dir" --device bench --surveyor Bench "$@" \
		--name "Bench: $N workshops" >/dev/null 2>"$tmp/err" ||
		die "khaosat init"
	cd "$bi_dir" || exit 1
	# git would pack 100,000 loose objects in the background in the middle
	# of a measurement; khaosat (libgit2) never does.
	git config gc.auto 0
}

# bench_gensurvey DIR: BENCH_N workshop records written into DIR; what
# gensurvey says in $tmp/gen.out
bench_gensurvey() {
	"$tools/gensurvey" "$1" "$N" >"$tmp/gen.out" 2>"$tmp/err" ||
		die gensurvey
}

# bench_survey DIR: the survey to start from in DIR, the current folder
# from then on: a copy of BENCH_SURVEY (a clean work tree on main, N then
# its number of workshop records, khaosat's caches removed), or a new one
# with BENCH_N records, the import committed with plain git
bench_survey() {
	if [ -z "${BENCH_SURVEY:-}" ]; then
		bench_init "$1"
		note "generating $N records"
		bench_gensurvey "$1"
		note "git add -A && git commit of the import"
		if ! git add -A 2>"$tmp/err" ||
			! git commit -q -m "Import $N workshops" 2>>"$tmp/err"; then
			die "git commit of the import"
		fi
		return
	fi
	note "copying the survey $BENCH_SURVEY"
	if [ -n "$(git -C "$BENCH_SURVEY" --no-optional-locks status --porcelain 2>/dev/null)" ] ||
		! git -C "$BENCH_SURVEY" rev-parse -q --verify refs/heads/main >/dev/null; then
		note "$BENCH_SURVEY is not a survey with a clean work tree on main"
		exit 1
	fi
	cp -a "$BENCH_SURVEY" "$1" || exit 1
	cd "$1" || exit 1
	# khaosat's caches describe that survey's use, not this benchmark
	rm -rf .git/khaosat
	git checkout -q main || exit 1
	git config gc.auto 0
	N=$(git ls-files records/workshop | wc -l)
}

# set_field FILE KEY VALUE: KEY is "annual_revenue", "floor_area" or
# "  regular" (workers.regular, the only key with that indentation)
set_field() {
	if ! grep -q "^$2: " "$1"; then
		echo "no '$2' in $1" >"$tmp/err"
		fail "editing $1"
		return 1
	fi
	sed -i "s/^$2: .*/$2: $3/" "$1"
}

# bench_select T C: T records spread evenly over the survey, "k PATH" a
# line (k: the record's number in the selection, which makes every new
# value unique): the first C in $tmp/sel.send, the others in
# $tmp/sel.local
bench_select() {
	git ls-files records/workshop | awk -v n="$N" -v t="$1" -v c="$2" \
		-v dir="$tmp" '
		BEGIN { step = int(n / t); k = 0 }
		(NR - 1) % step == 0 && k < t {
			print k, $0 > (dir "/sel." (k < c ? "send" : "local"))
			k++
		}'
	touch "$tmp/sel.send" "$tmp/sel.local"
	if [ "$(wc -l <"$tmp/sel.send")" -ne "$2" ] ||
		[ "$(wc -l <"$tmp/sel.local")" -ne $(($1 - $2)) ]; then
		note "internal error: wrong selection of records"
		exit 1
	fi
}

# revise FILE VALUE ALT EXPECT: annual_revenue VALUE in FILE (ALT, when
# not empty, where FILE has VALUE already: a survey that went through the
# benchmark before), and the line appended to $tmp/EXPECT
revise() {
	rv_v=$2
	[ -z "$3" ] || ! grep -qx "annual_revenue: $rv_v" "$1" || rv_v=$3
	set_field "$1" annual_revenue "$rv_v" || return 1
	printf '%s\tannual_revenue: %s\n' "$1" "$rv_v" >>"$tmp/$4"
}

# must WHAT CMD...: CMD must succeed (within bench_timeout seconds, when
# set), or exit 1; its output in $tmp/out, errors in $tmp/err
must() {
	must_what=$1
	shift
	[ -z "$bench_timeout" ] || set -- timeout "$bench_timeout" "$@"
	if ! "$@" >"$tmp/out" 2>"$tmp/err"; then
		fail "$must_what in $(pwd)"
		exit 1
	fi
}

# ks_commit MESSAGE: khaosat commit in the current folder, or exit 1
ks_commit() {
	must "khaosat commit -m '$1'" "$ks" commit -m "$1"
}

# check_tree WHAT FF THEIR_TIP OUR_TIP THEIRS OURS: the verdicts on the
# repository in the current folder after it took THEIR_TIP (THEIRS: whose,
# as in "A's"): main a merge of OUR_TIP (OURS: whose) and THEIR_TIP, or
# with FF 1 (no commit of its own) THEIR_TIP; on main, the work tree
# clean; every changed value ($tmp/expect, and $tmp/expect.local unless
# FF) in main's tree
check_tree() {
	if [ "$2" = 1 ]; then
		[ "$(git rev-parse HEAD)" = "$3" ]
		verdict "$1: main fast-forwarded to $5 tip" $?
	else
		ct_p1=$(git rev-parse -q --verify HEAD^1)
		ct_p2=$(git rev-parse -q --verify HEAD^2)
		{ [ "$ct_p1" = "$4" ] && [ "$ct_p2" = "$3" ]; } ||
			{ [ "$ct_p1" = "$3" ] && [ "$ct_p2" = "$4" ]; }
		verdict "$1: main is a merge of $6 tip and $5" $?
	fi
	[ "$(git symbolic-ref HEAD)" = refs/heads/main ] &&
		[ -z "$(git status --porcelain)" ]
	verdict "$1: on main, work tree clean ($(git status --porcelain | wc -l) entries in git status)" $?
	: >"$tmp/missing"
	cat "$tmp/expect" >"$tmp/want"
	[ "$2" = 1 ] || cat "$tmp/expect.local" >>"$tmp/want"
	while IFS="$(printf '\t')" read -r ct_f ct_line; do
		git show "HEAD:$ct_f" 2>/dev/null | grep -qxF "$ct_line" ||
			echo "$ct_f: $ct_line" >>"$tmp/missing"
	done <"$tmp/want"
	ct_exp=$(wc -l <"$tmp/want")
	ct_miss=$(wc -l <"$tmp/missing")
	[ "$ct_miss" -eq 0 ]
	verdict "$1: $((ct_exp - ct_miss)) of $ct_exp changed values in main's tree" $?
	head -n 5 "$tmp/missing" | sed "s/^/$bench:   missing: /" >&2
}

# ---- timing ----

# median: the median of the whole numbers on standard input; returns 1
# when there are none
median() { median_f %.0f; }

# median_f FORMAT: the same of any numbers, printed with FORMAT
median_f() {
	sort -n | awk -v f="$1" '{ v[NR] = $1 }
		END { if (!NR) exit 1
		      printf f "\n", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# median_s: the median of the nanosecond counts on standard input, in
# seconds ($bench_sfmt); returns 1 when there are none
median_s() {
	median | awk -v f="$bench_sfmt" '{ printf f "\n", $1 / 1e9 }' | grep .
}

# timed CMD...: runs CMD once, output discarded, errors in $tmp/err;
# prints the elapsed nanoseconds and returns CMD's exit code.  With
# bench_cpu=1 and GNU time there, CMD runs under it and its CPU time (user
# + system) is appended to $tmp/cpu in nanoseconds.
timed() {
	t0=$(date +%s%N)
	if [ "$bench_cpu" = 1 ] && [ -x /usr/bin/time ]; then
		/usr/bin/time -o "$tmp/cpu1" -f '%U %S' "$@" >/dev/null 2>"$tmp/err"
		rc=$?
		tail -n 1 "$tmp/cpu1" |
			awk '{ printf "%.0f\n", ($1 + $2) * 1e9 }' >>"$tmp/cpu"
	else
		"$@" >/dev/null 2>"$tmp/err"
		rc=$?
	fi
	t1=$(date +%s%N)
	echo $((t1 - t0))
	return "$rc"
}

# hf_sum FORMAT COLUMN...: from the CSV hyperfine exported, on standard
# input, the sum of the named columns, a line for each command
hf_sum() {
	hs_fmt=$1
	shift
	awk -F, -v f="$hs_fmt" -v names=" $* " '
		NR == 1 { for (i = 1; i <= NF; i++)
				if (index(names, " " $i " ")) c[++n] = i
			  next }
		{ s = 0; for (j = 1; j <= n; j++) s += $c[j]; printf f "\n", s }'
}

# measure RUNS CMD [PREPARE]: the median wall time of the command CMD (a
# string, words quoted for the shell, no other shell syntax) in seconds,
# in $M, after a warm-up run; its CPU time (user + system: hyperfine's
# mean, else the median under bench_cpu=1) in $C, or n/a.  Returns 1 if it
# failed.  PREPARE, a command of the same kind, runs before each run (the
# warm-up included), untimed.
# shellcheck disable=SC2034
measure() {
	M=
	C=n/a
	m_runs=$1
	m_cmd=$2
	m_prep=${3:-}
	if [ "$tool" = hyperfine ]; then
		set --
		[ -z "$m_prep" ] || set -- --prepare "$m_prep"
		if ! hyperfine -N -w 1 -r "$m_runs" --style basic "$@" \
			--export-csv "$tmp/h.csv" -- "$m_cmd" >"$tmp/err" 2>&1; then
			fail "$m_cmd"
			return 1
		fi
		C=$(hf_sum "$bench_sfmt" user system <"$tmp/h.csv")
		M=$(hf_sum "$bench_sfmt" median <"$tmp/h.csv")
		return 0
	fi
	m_prep=${m_prep:-true}
	if ! eval "$m_prep" || ! eval "$m_cmd" >/dev/null 2>"$tmp/err"; then
		fail "$m_cmd"
		return 1
	fi
	: >"$tmp/times"
	: >"$tmp/cpu"
	m_i=0
	while [ "$m_i" -lt "$m_runs" ]; do
		if ! eval "$m_prep" || ! eval "timed $m_cmd" >>"$tmp/times"; then
			fail "$m_cmd"
			return 1
		fi
		m_i=$((m_i + 1))
	done
	if [ -s "$tmp/cpu" ]; then
		C=$(median_s <"$tmp/cpu")
	fi
	M=$(median_s <"$tmp/times")
}

# measure_pair RUNS CMD_A CMD_B [PREPARE_A [PREPARE_B]]: the two commands
# (strings as for measure) timed in turn by $tools/alternate, a warm-up
# run of each, then RUNS rounds, A first in one and B first in the next,
# so that a machine whose speed drifts times both in the same minutes: the
# median wall times in seconds in $MA and $MB, the median CPU times in $CA
# and $CB.  PREPARE_A runs before each run of A, PREPARE_B before each of
# B, untimed.  Returns 1 if either failed, MA and MB then "failed".
# shellcheck disable=SC2034
measure_pair() {
	MA=failed
	MB=failed
	CA=n/a
	CB=n/a
	mp_runs=$1
	mp_a=$2
	mp_b=$3
	mp_pa=${4:-}
	mp_pb=${5:-}
	eval "set -- $mp_a"
	mp_na=$#
	eval "set -- \"\$@\" $mp_b"
	if ! mp_out=$("$tools/alternate" "$mp_runs" "$mp_pa" "$mp_pb" "$mp_na" \
		"$@" 2>"$tmp/err"); then
		fail "$mp_a, timed in turn with $mp_b"
		return 1
	fi
	# shellcheck disable=SC2086
	set -- $mp_out
	MA=$(printf "$bench_sfmt" "$1")
	CA=$(printf "$bench_sfmt" "$2")
	MB=$(printf "$bench_sfmt" "$3")
	CB=$(printf "$bench_sfmt" "$4")
}

# peak CMD [PREPARE]: the peak resident memory in KB of one run of CMD (a
# string as for measure; of the largest of it and the processes it waits
# for) under GNU time, in $K: n/a without GNU time; "failed", returning 1,
# when it failed or crashed.  PREPARE runs first, untimed.
# shellcheck disable=SC2034
peak() {
	K=failed
	if [ ! -x /usr/bin/time ]; then
		K=n/a
		return 0
	fi
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

# ---- the table ----

# fmt_s SECONDS: "412.0 ms" or "1.23 s"; anything else as it is
fmt_s() {
	case "$1" in *[!0-9.]* | '') echo "$1"; return ;; esac
	awk -v s="$1" 'BEGIN { if (s < 1) printf "%.1f ms\n", s * 1000
			       else printf "%.2f s\n", s }'
}

# fmt_b BYTES [KB]: "812 B", "40.2 KB" or "12.3 MB" (with KB, never MB)
fmt_b() {
	case "$1" in *[!0-9]* | '') echo "$1"; return ;; esac
	awk -v b="$1" -v top="${2:-MB}" 'BEGIN { if (b < 10240) printf "%d B\n", b
			       else if (b < 10485760 || top == "KB") printf "%.1f KB\n", b / 1024
			       else printf "%.1f MB\n", b / 1048576 }'
}

# fmt_kb KB: "12.3 MB"
fmt_kb() {
	case "$1" in *[!0-9]* | '') echo "$1"; return ;; esac
	awk -v k="$1" 'BEGIN { printf "%.1f MB\n", k / 1024 }'
}

numeric() { case "$1" in *[!0-9.]* | '') return 1 ;; esac; }

# built_line: which khaosat, on what, against which git
built_line() {
	echo "khaosat built $ks_built ($(sha1sum "$ks" | cut -c1-12)), $(nproc) CPUs, $(git --version),"
}

# timer_name: hyperfine's name and version, or "date +%s%N"
timer_name() {
	if [ "$tool" = hyperfine ]; then hyperfine --version; else echo "date +%s%N"; fi
}

# table_start FORMAT [OTHER]: the heading of a table whose rows print with
# FORMAT, OTHER (default git) naming the column khaosat is measured against
table_start() {
	row_fmt=$1
	met=0
	total=0
	# shellcheck disable=SC2059
	printf "$row_fmt" measurement khaosat "${2:-git}" ratio target result
}

# row NAME KS OTHER KS_TEXT OTHER_TEXT LIMIT|-: a row with the ratio
# KS / OTHER and, with a LIMIT, the target KS <= OTHER * LIMIT and whether
# it is met.  Against a zero the ratio is $row_zero: 0.00x, or - (no data)
# where a zero only means a time below the timer's resolution.
row() {
	ratio=-
	result=-
	target=-
	if numeric "$2" && numeric "$3"; then
		ratio=$(awk -v a="$2" -v b="$3" -v z="$row_zero" \
			'BEGIN { if (b > 0) printf "%.2fx\n", a / b; else print z }')
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

# rows_of NAME KS OTHER FMT LIMIT|-: row, the texts by the function FMT
rows_of() { row "$1" "$2" "$3" "$($4 "$2")" "$($4 "$3")" "$5"; }

# table_end: how many targets were met
table_end() {
	echo
	echo "$met of $total targets met"
}

# bench_exit TITLE: the correctness checks under TITLE, then exit 1 when a
# command failed or a check was wrong, else 0
bench_exit() {
	if [ -n "$checks" ]; then
		echo
		echo "$1"
		printf '%s' "$checks"
	fi
	if [ $failures -ne 0 ] || [ $wrong -ne 0 ]; then
		echo
		echo "$bench: $failures command(s) failed or crashed, $wrong check(s) wrong (see above)"
		exit 1
	fi
	exit 0
}
