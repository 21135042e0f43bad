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
bench=bench
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$top/tests/bench/lib.sh"
N=${BENCH_N:-100000}
COMMITS=${BENCH_COMMITS:-50}
RUNS=${BENCH_RUNS:-3}

bench_need "build it with make BUILD=$BUILD" "$ks" "$tools/gensurvey"
bench_numbers BENCH_N="$N" BENCH_COMMITS="$COMMITS" BENCH_RUNS="$RUNS"
if [ "$N" -lt 100 ]; then
	note "BENCH_N must be at least 100"
	exit 2
fi
for t in git ssh-keygen; do
	command -v $t >/dev/null 2>&1 || {
		note "$t is needed"
		exit 1
	}
done
bench_timer
bench_tmp bench-verify
bench_copy gensurvey
# the table gives the day and the minute it was built
built=${ks_built%:*}
bench_env
# the commits are git's, as user.name and user.email below say
unset GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL
# seconds to the millisecond, as the table shows them and computes the
# ratios from them
bench_sfmt=%.3f

# ---- the survey ----

s=$tmp/survey
bench_init "$s" --email bench@khaosat.invalid
git config user.name Bench
git config user.email bench@khaosat.invalid
note "generating $N records"
bench_gensurvey "$s"
ssh-keygen -q -t ed25519 -N "" -C bench -f "$tmp/key" || die ssh-keygen
echo "bench@khaosat.invalid namespaces=\"git\" $(cut -d" " -f1,2 "$tmp/key.pub")" \
	>allowed_signers
note "committing the import with git, then $COMMITS signed commits"
if ! git add -A records allowed_signers >/dev/null 2>"$tmp/err" ||
	! git commit -q -m "Import $N workshops" -m "Device: bench" 2>"$tmp/err"; then
	die "git commit of the import"
fi
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
note "$(head -n 2 "$tmp/verify.out" | tr '\n' ';' | sed 's/;$//')"

# ---- timing ----

# time_all LABEL: the median seconds of each command into $tmp/LABEL.times,
# one line per command: git fsck --full, khaosat check, khaosat verify,
# khaosat verify --no-cache.
time_all() {
	: >"$tmp/$1.times"
	for c in "git fsck --full" "'$ks' check" "'$ks' verify" \
		"'$ks' verify --no-cache"; do
		measure "$RUNS" "$c" || exit 1
		echo "$M" >>"$tmp/$1.times"
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

note "timing with loose objects ($tool, median of $RUNS)"
time_all loose
if [ "${BENCH_PACKED:-1}" != 0 ]; then
	note "git gc, then timing with packed objects"
	git gc -q 2>"$tmp/err" || die "git gc"
	"$ks" verify >/dev/null 2>"$tmp/err" || die "khaosat verify after git gc"
	time_all packed
fi

echo
echo "khaosat verify: $N records, $ncommits commits ($COMMITS signed), $nobj objects"
echo "built $built, $(nproc) cores, timer: $tool"
report loose "loose objects"
[ -f "$tmp/packed.times" ] && report packed "packed (after git gc)"
exit 0
