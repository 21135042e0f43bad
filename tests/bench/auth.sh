#!/bin/sh
# Authentication benchmark (issue: trust between laptops): how long a
# laptop takes to judge 1,000 new commits before it merges them, each
# signature checked in process, its signer looked up in the parents'
# members file, its changed paths judged by the signer's role; against
# git verify-commit forking ssh-keygen for each commit, in the same run.
#
# A centre starts a signed survey of the samples; a surveyor's laptop,
# cloned from it and added to the members, makes BENCH_COMMITS commits,
# each a khaosat commit of one changed field.  The centre fetches them
# and tests/tools/auth_bench times ks_auth_history over them (median of
# BENCH_RUNS rounds; each must be authentic); git verify-commit checks
# BENCH_SSH of the same commits, one ssh-keygen each.  Both are given
# per 1,000 commits:
#
#   per 1,000 commits: in process X s, git verify-commit Y s (ratio Z)
#
# The target: under a second per 1,000 commits.
#
#   BUILD=build/release sh tests/bench/auth.sh
#
# BENCH_COMMITS  commits made and judged (default 1000)
# BENCH_SSH      of them checked by git verify-commit a round (default 20)
# BENCH_RUNS     rounds of each (default 5)
# BENCH_KEEP=1   keep the temporary folder (its path is printed)
#
# A benchmark, not a test: a missed target never fails it.  Exit 0; 1 when
# a command failed or a verdict was wrong; 2 on bad arguments.
set -u
bench="bench-auth"
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$top/tests/bench/lib.sh"
COMMITS=${BENCH_COMMITS:-1000}
SSH=${BENCH_SSH:-20}
RUNS=${BENCH_RUNS:-5}

bench_need "run 'make bench'" "$tools/auth_bench"
bench_numbers BENCH_COMMITS="$COMMITS" BENCH_SSH="$SSH" BENCH_RUNS="$RUNS"
if [ "$COMMITS" -lt 1 ] || [ "$SSH" -lt 1 ] || [ "$SSH" -gt "$COMMITS" ] ||
	[ "$RUNS" -lt 1 ]; then
	note "BENCH_COMMITS, BENCH_SSH and BENCH_RUNS must be at least 1, BENCH_SSH at most BENCH_COMMITS"
	exit 2
fi
command -v ssh-keygen >/dev/null 2>&1 || {
	note "ssh-keygen is needed"
	exit 1
}
bench_tmp auth
bench_copy auth_bench
bench_env

note "a signed survey and a surveyor's $COMMITS commits"
cd "$tmp" || exit 1
"$ks" init centre --device tt01 --surveyor "Trung tâm" --name Bench >/dev/null 2>"$tmp/err" ||
	die "khaosat init"
cp -R "$top/samples/records" centre/
(cd centre && "$ks" commit -m Samples >/dev/null 2>>"$tmp/err") || die "khaosat commit"
"$ks" clone centre md05 --device md05 --surveyor "Lê Văn Tâm" >/dev/null 2>>"$tmp/err" ||
	die "khaosat clone"
(cd centre && "$ks" device add md05 --surveyor "Lê Văn Tâm" --role surveyor \
	--key ../md05/.git/khaosat/key.pub >/dev/null 2>>"$tmp/err") || die "khaosat device add"
rec=records/workshop/md01/000/md01-0001.yaml
i=1
while [ "$i" -le "$COMMITS" ]; do
	sed -i "s/^  regular: .*/  regular: $i/" "md05/$rec" &&
	(cd md05 && "$ks" commit -m "regular $i" >/dev/null 2>>"$tmp/err") ||
		die "khaosat commit $i"
	i=$((i + 1))
done
git -C centre fetch -q ../md05 main:refs/bench/md05 || die "git fetch"
tip=$(git -C centre rev-parse refs/bench/md05)
base=$(git -C centre merge-base main refs/bench/md05)

note "judging them in process, $RUNS rounds"
"$tools/auth_bench" centre "$tip" "$base" "$RUNS" >"$tmp/out" 2>>"$tmp/err" ||
	die "auth_bench"
judged=$(sed -n 's/^\([0-9]*\) commits judged.*/\1/p' "$tmp/out")
ns_in=$(sed -n 's/.*, median \([0-9]*\) ns a round.*/\1/p' "$tmp/out")
[ -n "$ns_in" ] || die "auth_bench printed no time: $(cat "$tmp/out")"
verdict "$judged commits (the request and $COMMITS) authentic in process" \
	$([ "$judged" -eq $((COMMITS + 1)) ] && echo 0 || echo 1)

note "git verify-commit of $SSH of them, $RUNS rounds"
sed -n "s/^  - device: //p" centre/members.yaml >"$tmp/devices"
sed -n "s/^    key: //p" centre/members.yaml >"$tmp/keys"
paste -d" " "$tmp/devices" "$tmp/keys" >"$tmp/allowed_signers"
git -C centre rev-list -n "$SSH" refs/bench/md05 >"$tmp/some"
: >"$tmp/times"
bad=0
r=0
while [ "$r" -lt "$RUNS" ]; do
	t0=$(date +%s%N)
	while read -r c; do
		git -C centre -c gpg.ssh.allowedSignersFile="$tmp/allowed_signers" \
			verify-commit "$c" 2>/dev/null || bad=$((bad + 1))
	done <"$tmp/some"
	t1=$(date +%s%N)
	echo $((t1 - t0)) >>"$tmp/times"
	r=$((r + 1))
done
verdict "git verify-commit finds the same $SSH commits good" "$bad"
ns_ssh=$(median <"$tmp/times")

in_s=$(awk -v t="$ns_in" -v n="$judged" 'BEGIN { printf "%.4f\n", t / n * 1000 / 1e9 }')
ssh_s=$(awk -v t="$ns_ssh" -v n="$SSH" 'BEGIN { printf "%.2f\n", t / n * 1000 / 1e9 }')
ratio=$(awk -v a="$ssh_s" -v b="$in_s" 'BEGIN { if (b > 0) printf "%.0f\n", a / b; else print "-" }')
met=$(awk -v s="$in_s" 'BEGIN { print s < 1 ? "met" : "NOT met" }')

echo "khaosat authentication of new commits: signature, members, role over paths"
echo "$(nproc) CPUs; $judged commits judged a round; git verify-commit: $SSH a round; median of $RUNS rounds"
echo
echo "per 1,000 commits: in process $in_s s, git verify-commit $ssh_s s (ratio $ratio)"
echo "target: under 1 s per 1,000 commits: $met"
bench_exit "checks:"
