#!/bin/sh
# SSH signature benchmark: checking git's SSH commit signatures in process
# (core/sshsig.h, libsodium) against forking ssh-keygen -Y verify for each,
# as khaosat verify does, in the same run.
#
# tests/tools/sshsig_bench makes an ed25519 key and BENCH_SIGS distinct
# commit-sized payloads, signs them as git would, and times checking all of
# them in process (median of BENCH_RUNS rounds; every verdict must be
# good, and each payload changed by a byte bad).  It writes the key and the
# first BENCH_SSH payloads and signatures out; ssh-keygen -Y verify checks
# those, one process each as git verify-commit runs it (median of
# BENCH_RUNS rounds; each must say good, which also shows that the
# signatures are git's format).  Both are given per 1,000 commits:
#
#   per 1,000 commits: in process X s, ssh-keygen Y s (ratio Z)
#
# The target: under a second per 1,000 commits in process.
#
#   BUILD=build/release sh tests/bench/sshsig.sh
#
# BENCH_SIGS   signatures checked in process a round (default 1000)
# BENCH_SSH    signatures checked by ssh-keygen a round (default 20)
# BENCH_RUNS   rounds of each (default 5)
# BENCH_KEEP=1 keep the temporary folder (its path is printed)
#
# A benchmark, not a test: a missed target never fails it.  Exit 0; 1 when
# a command failed or a verdict was wrong; 2 on bad arguments.
set -u
bench="bench-sshsig"
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$top/tests/bench/lib.sh"
SIGS=${BENCH_SIGS:-1000}
SSH=${BENCH_SSH:-20}
RUNS=${BENCH_RUNS:-5}

bench_need "run 'make bench'" "$tools/sshsig_bench"
bench_numbers BENCH_SIGS="$SIGS" BENCH_SSH="$SSH" BENCH_RUNS="$RUNS"
if [ "$SIGS" -lt 1 ] || [ "$SSH" -lt 1 ] || [ "$SSH" -gt "$SIGS" ] ||
	[ "$RUNS" -lt 1 ]; then
	note "BENCH_SIGS, BENCH_SSH and BENCH_RUNS must be at least 1, BENCH_SSH at most BENCH_SIGS"
	exit 2
fi
command -v ssh-keygen >/dev/null 2>&1 || {
	note "ssh-keygen is needed"
	exit 1
}
bench_tmp sshsig
bench_copy sshsig_bench
bench_env

# ---- in process ----

note "signing $SIGS payloads, then checking them in process, $RUNS rounds"
mkdir -p "$tmp/sigs"
"$tools/sshsig_bench" "$SIGS" "$RUNS" "$tmp/sigs" "$SSH" >"$tmp/out" \
	2>"$tmp/err" || die "sshsig_bench $SIGS $RUNS"
# "N signatures, median NS ns a round of ROUNDS"
ns_in=$(sed -n 's/.*, median \([0-9]*\) ns a round.*/\1/p' "$tmp/out")
[ -n "$ns_in" ] || die "sshsig_bench printed no time: $(cat "$tmp/out")"
verdict "$SIGS signatures good in process, each changed payload bad" 0

# ---- ssh-keygen ----

echo "bench@khaosat.invalid namespaces=\"git\" $(cut -d' ' -f1,2 "$tmp/sigs/key.pub")" \
	>"$tmp/allowed_signers"
# check_all: ssh-keygen -Y verify of each written signature, as git runs
# it; the number of those it did not find good on standard output
check_all() {
	ca_bad=0
	ca_i=1
	while [ "$ca_i" -le "$SSH" ]; do
		ssh-keygen -Y verify -n git -f "$tmp/allowed_signers" \
			-I bench@khaosat.invalid -s "$tmp/sigs/$ca_i.sig" \
			<"$tmp/sigs/$ca_i.data" >/dev/null 2>>"$tmp/err" ||
			ca_bad=$((ca_bad + 1))
		ca_i=$((ca_i + 1))
	done
	echo "$ca_bad"
}

note "checking $SSH of them with ssh-keygen -Y verify, $RUNS rounds"
: >"$tmp/err"
: >"$tmp/times"
bad=0
r=0
while [ "$r" -lt "$RUNS" ]; do
	t0=$(date +%s%N)
	b=$(check_all)
	t1=$(date +%s%N)
	echo $((t1 - t0)) >>"$tmp/times"
	bad=$((bad + b))
	r=$((r + 1))
done
[ "$bad" -eq 0 ] || fail "ssh-keygen found $bad of $((SSH * RUNS)) signatures not good"
verdict "ssh-keygen -Y verify finds the same $SSH signatures good" "$bad"
ns_ssh=$(median <"$tmp/times")

# ---- the report ----

# per 1,000 commits, in seconds, and the ratio
in_s=$(awk -v t="$ns_in" -v n="$SIGS" 'BEGIN { printf "%.4f\n", t / n * 1000 / 1e9 }')
ssh_s=$(awk -v t="$ns_ssh" -v n="$SSH" 'BEGIN { printf "%.2f\n", t / n * 1000 / 1e9 }')
ratio=$(awk -v a="$ssh_s" -v b="$in_s" 'BEGIN { if (b > 0) printf "%.0f\n", a / b; else print "-" }')
met=$(awk -v s="$in_s" 'BEGIN { print s < 1 ? "met" : "NOT met" }')

echo "khaosat SSH signature checks: ed25519, sha512, commit-sized payloads"
echo "$(nproc) CPUs, $(ssh -V 2>&1), libsodium $(pkg-config --modversion libsodium 2>/dev/null || echo '?')"
echo "in process: $SIGS signatures a round; ssh-keygen -Y verify: $SSH a round; median of $RUNS rounds"
echo
echo "per 1,000 commits: in process $in_s s, ssh-keygen $ssh_s s (ratio $ratio)"
echo "target: in process under 1 s per 1,000 commits: $met"
bench_exit "checks:"
