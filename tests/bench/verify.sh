#!/bin/sh
# Verify benchmark (issue 7, "Speed"): khaosat verify of a survey of
# BENCH_N generated workshop records against its baseline, git fsck --full
# plus khaosat check, measured in the same run on the same repository.
#
# In a temporary folder it makes a survey (khaosat init, gensurvey, the
# bulk import committed with plain git, as merge.sh does), an
# allowed_signers file with one ed25519 key made by ssh-keygen, and
# BENCH_COMMITS commits of one changed record each, signed by that key
# with git commit -S.  One verify runs first, untimed, so that the timed
# runs find khaosat's caches as an auditor's second run does.  Then it
# measures, median of BENCH_RUNS runs after a warm-up:
#
#   git fsck --full           every object hashed, connectivity
#   khaosat check             every record valid at HEAD
#   khaosat verify            objects, signatures, records, history
#   khaosat verify --no-cache the same, every signature checked again
#                             (for information)
#
# with the objects loose (as khaosat and git commit leave them), then again
# after git gc (packed).  The target: verify within 2x the sum of fsck and
# check.  Timings use hyperfine when installed, else date +%s%N.
#
#   BUILD=build/release sh tests/bench/verify.sh
#
# BENCH_N        records (default 100000)
# BENCH_COMMITS  signed commits on top of the import (default 50)
# BENCH_RUNS     timed runs of each command (default 3)
# BENCH_PACKED=0 skip the packed round
# BENCH_TOOL=date  use the fallback timer even when hyperfine is there
# BENCH_KEEP=1   keep the temporary folder (its path is printed)
#
# A benchmark, not a test: a missed target never fails it.  Exit 0, or 1
# when a command failed.
set -u
BUILD=${BUILD:-build/release}
top=$(cd "$(dirname "$0")/../.." && pwd)
ks=$top/$BUILD/khaosat
gen=$top/$BUILD/tests/tools/gensurvey
N=${BENCH_N:-100000}
COMMITS=${BENCH_COMMITS:-50}
RUNS=${BENCH_RUNS:-3}

for f in "$ks" "$gen"; do
	if [ ! -x "$f" ]; then
		echo "bench: $f is missing; build it with make BUILD=$BUILD" >&2
		exit 1
	fi
done
for v in "$N" "$COMMITS" "$RUNS"; do
	case "$v" in '' | *[!0-9]*)
		echo "bench: BENCH_N, BENCH_COMMITS and BENCH_RUNS must be numbers" >&2
		exit 2 ;;
	esac
done
if [ "$N" -lt 100 ]; then
	echo "bench: BENCH_N must be at least 100" >&2
	exit 2
fi
for t in git ssh-keygen; do
	command -v $t >/dev/null 2>&1 || {
		echo "bench: $t is needed" >&2
		exit 1
	}
done
timer=date
if [ "${BENCH_TOOL:-}" != date ] && command -v hyperfine >/dev/null 2>&1; then
	timer=hyperfine
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/khaosat-bench-verify.XXXXXX") || exit 1
# shellcheck disable=SC2317
finish() {
	cd /
	if [ -n "${BENCH_KEEP:-}" ]; then
		echo "bench: kept $tmp" >&2
	else
		rm -rf "$tmp"
	fi
}
trap finish EXIT
trap 'exit 130' INT TERM

# The programs are copied: a rebuild during the run changes nothing.
mkdir -p "$tmp/bin" "$tmp/home"
built=$(date -r "$ks" '+%Y-%m-%d %H:%M')
cp "$ks" "$gen" "$tmp/bin/" || exit 1
ks=$tmp/bin/khaosat
gen=$tmp/bin/gensurvey

# Nobody's git configuration takes part.
HOME=$tmp/home
LC_ALL=C.UTF-8
TZ=UTC
GIT_CONFIG_NOSYSTEM=1
export HOME LC_ALL TZ GIT_CONFIG_NOSYSTEM
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_OBJECT_DIRECTORY \
	GIT_CONFIG_PARAMETERS XDG_CONFIG_HOME GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL \
	GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL

say() { echo "bench: $*" >&2; }
die() {
	say "FAILED: $*"
	[ -s "$tmp/err" ] && sed 's/^/bench:   /' "$tmp/err" | head -n 20 >&2
	exit 1
}

# ---- the survey ----

s=$tmp/survey
"$ks" init "$s" --device bench --surveyor Bench --email bench@khaosat.invalid \
	--name "Bench: $N workshops" >/dev/null 2>"$tmp/err" || die "khaosat init"
cd "$s" || exit 1
# git must not pack in the background while the loose round is measured.
git config gc.auto 0
git config user.name Bench
git config user.email bench@khaosat.invalid
say "generating $N records"
"$gen" "$s" "$N" >/dev/null 2>"$tmp/err" || die gensurvey
ssh-keygen -q -t ed25519 -N "" -C bench -f "$tmp/key" || die ssh-keygen
echo "bench@khaosat.invalid namespaces=\"git\" $(cut -d" " -f1,2 "$tmp/key.pub")" \
	>allowed_signers
say "committing the import with git, then $COMMITS signed commits"
git add -A records allowed_signers >/dev/null 2>"$tmp/err" &&
	git commit -q -m "Import $N workshops" -m "Device: bench" 2>"$tmp/err" ||
	die "git commit of the import"
i=1
while [ "$i" -le "$COMMITS" ]; do
	f=$(find records/workshop/d01 -name "d01-$(printf %04d "$i").yaml" | head -n 1)
	[ -n "$f" ] || f=$(find records -name '*.yaml' | head -n 1)
	sed -i "s/^floor_area: .*/floor_area: $((5000 + i))/" "$f"
	git -c gpg.format=ssh -c user.signingKey="$tmp/key" commit -q -S -a \
		-m "Floor area, round $i" -m "Device: bench" 2>"$tmp/err" ||
		die "signed commit $i"
	i=$((i + 1))
done
[ -z "$(git status --porcelain)" ] || die "the work tree is not clean"
nobj=$(git rev-list --objects --all | wc -l)
ncommits=$(git rev-list --count main)

# One verify before timing: it fills the signature and record caches.
"$ks" verify >"$tmp/verify.out" 2>"$tmp/err" || {
	cat "$tmp/verify.out" >>"$tmp/err"
	die "khaosat verify of the fresh survey"
}
say "$(head -n 2 "$tmp/verify.out" | tr '\n' ';' | sed 's/;$//')"

# ---- timing ----

# time_all LABEL: the median seconds of each command into $tmp/LABEL.times,
# one line per command, in the order of $cmds.
cmds="git fsck --full|$ks check|$ks verify|$ks verify --no-cache"
time_all() {
	label=$1
	old_ifs=$IFS
	IFS="|"
	# shellcheck disable=SC2086
	set -- $cmds
	IFS=$old_ifs
	if [ $timer = hyperfine ]; then
		hyperfine -N -w 1 -r "$RUNS" --style basic \
			--export-csv "$tmp/h.csv" -- "$@" >"$tmp/err" 2>&1 ||
			die "hyperfine ($label)"
		awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "median") c = i; next }
			 { printf "%.3f\n", $c }' "$tmp/h.csv" >"$tmp/$label.times"
		return
	fi
	: >"$tmp/$label.times"
	for c in "$@"; do
		# shellcheck disable=SC2086
		$c >/dev/null 2>"$tmp/err" || die "$c"
		r=0
		: >"$tmp/ns"
		while [ $r -lt "$RUNS" ]; do
			t0=$(date +%s%N)
			# shellcheck disable=SC2086
			$c >/dev/null 2>"$tmp/err" || die "$c"
			t1=$(date +%s%N)
			echo $((t1 - t0)) >>"$tmp/ns"
			r=$((r + 1))
		done
		sort -n "$tmp/ns" | awk '{ v[NR] = $1 } END {
			m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "%.3f\n", m / 1e9 }' >>"$tmp/$label.times"
	done
}

# report LABEL TITLE: the table for one round.
report() {
	awk -v label="$2" '
		{ t[NR] = $1 }
		END {
			base = t[1] + t[2]
			printf "\n%s\n", label
			printf "  %-34s %9.3f s\n", "git fsck --full", t[1]
			printf "  %-34s %9.3f s\n", "khaosat check", t[2]
			printf "  %-34s %9.3f s\n", "baseline: fsck + check", base
			printf "  %-34s %9.3f s   %.2fx the baseline (target <= 2x): %s\n",
				"khaosat verify", t[3], t[3] / base,
				t[3] <= 2 * base ? "met" : "NOT MET"
			printf "  %-34s %9.3f s   %.2fx (information)\n",
				"khaosat verify --no-cache", t[4], t[4] / base
		}' "$tmp/$1.times"
}

say "timing with loose objects ($timer, median of $RUNS)"
time_all loose
if [ "${BENCH_PACKED:-1}" != 0 ]; then
	say "git gc, then timing with packed objects"
	git gc -q 2>"$tmp/err" || die "git gc"
	"$ks" verify >/dev/null 2>"$tmp/err" || die "khaosat verify after git gc"
	time_all packed
fi

echo
echo "khaosat verify: $N records, $ncommits commits ($COMMITS signed), $nobj objects"
echo "built $built, $(nproc) cores, timer: $timer"
report loose "loose objects"
[ -f "$tmp/packed.times" ] && report packed "packed (after git gc)"
exit 0
