#!/bin/sh
# mkhistory: builds a survey with a long history for the history, blame and
# verify benchmarks (issue 7), fast: thousands of commits in seconds with
# git fast-import instead of one khaosat commit each.
#
#   sh tests/bench/mkhistory.sh DIR
#
# DIR missing: a survey is made there (khaosat init, BENCH_N workshop
# records written by gensurvey, the bulk import committed with plain git).
# DIR an existing survey (committed, a clean work tree on main, no history
# of this script yet): the history goes on top of its main.
#
# Then BENCH_COMMITS commits, each changing one field of one record or, one
# commit in eight, of two or three (workers.regular, workers.seasonal,
# workers.insured, phone, annual_revenue, floor_area, the first product's
# output_tonnes_per_year, pollution.distance_to_residential_m), edited in
# the records' canonical text, so every version stays valid.  The records
# come from a pool of BENCH_POOL spread over the survey; the benchmarked one
# (a record in the middle of the survey) is in about one commit in
# BENCH_TOUCH.  Commits carry a surveyor as author, the device as
# committer and a "Device: <id>" trailer, as khaosat writes them, with
# dates from January 2025 on (10 to 80 minutes apart, working hours, +0700).
#
# Of every BENCH_EVERY commits, BENCH_SIDE are made on a side branch by
# another device (md02, md03, md04) while main goes on, then merged into
# main by a merge commit ("Merge the bundle of md0N", as khaosat merge
# writes it) whose tree takes both sides field by field.  While the side
# branch is open, main edits phone, workers.regular, workers.insured and
# output only, the side branch the other four fields: no conflicts.  The
# side branch changes the benchmarked record too, as often as main does.
#
# fast-import writes the new objects as one pack (BENCH_LOOSE=1: they are
# unpacked into loose objects afterwards, as khaosat's own commits leave
# them).  git's gc.auto is set to 0.
#
# On standard output, shell assignments to eval:
#   HIST_ID       the benchmarked record's id
#   HIST_PATH     its path in the survey
#   HIST_N        workshop records in the survey
#   HIST_COMMITS  commits made (merges not counted)
#   HIST_MERGES   merge commits made
#   HIST_TOUCHED  of the HIST_COMMITS, those that changed the record
#   HIST_BASE     the commit the history starts from (the import)
# which are also kept in DIR/.git/config (git config bench.record etc.), so
# that a benchmark can reuse DIR later.  Progress goes to standard error.
#
# KHAOSAT, GENSURVEY  the programs (default $BUILD/khaosat and
#                     $BUILD/tests/tools/gensurvey, BUILD=build/release)
# BENCH_N        records when DIR is made (default 100000)
# BENCH_COMMITS  commits (default 5000)
# BENCH_EVERY    commits per merge (default 100; 0: no side branches)
# BENCH_SIDE     of those, commits on the side branch (default 20)
# BENCH_TOUCH    one commit in this many changes the record (default 50)
# BENCH_POOL     records that the commits change (default 500)
# BENCH_SEED     random seed (default 7)
# BENCH_LOOSE=1  loose objects instead of one pack
#
# Exit 0; 1 when a step failed; 2 on bad arguments.
set -u
bench=mkhistory
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$top/tests/bench/lib.sh"
KHAOSAT=${KHAOSAT:-$ks}
GENSURVEY=${GENSURVEY:-$tools/gensurvey}
N=${BENCH_N:-100000}
COMMITS=${BENCH_COMMITS:-5000}
EVERY=${BENCH_EVERY:-100}
SIDE=${BENCH_SIDE:-20}
TOUCH=${BENCH_TOUCH:-50}
POOL=${BENCH_POOL:-500}
SEED=${BENCH_SEED:-7}

if [ $# -ne 1 ] || [ -z "$1" ]; then
	note "usage: sh tests/bench/mkhistory.sh DIR"
	exit 2
fi
bench_numbers BENCH_N="$N" BENCH_COMMITS="$COMMITS" BENCH_EVERY="$EVERY" \
	BENCH_SIDE="$SIDE" BENCH_TOUCH="$TOUCH" BENCH_POOL="$POOL" \
	BENCH_SEED="$SEED"
if [ "$TOUCH" -lt 1 ] || [ "$POOL" -lt 1 ] || [ "$COMMITS" -lt 1 ] ||
	{ [ "$EVERY" -gt 0 ] && [ "$SIDE" -ge "$EVERY" ]; }; then
	note "BENCH_COMMITS, BENCH_TOUCH and BENCH_POOL must be at least 1, BENCH_SIDE below BENCH_EVERY"
	exit 2
fi
[ "$EVERY" -gt 0 ] || SIDE=0

dir=$1
case "$dir" in /*) ;; *) dir=$(pwd)/$dir ;; esac
# (not bench_tmp: BENCH_KEEP is for the benchmark that runs this)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/khaosat-mkhistory.XXXXXX") || exit 1
err=$tmp/err
# shellcheck disable=SC2317
cleanup() { rm -rf "$tmp"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# Nobody's git configuration takes part (signing, hooks, templates).
export GIT_CONFIG_NOSYSTEM=1
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_OBJECT_DIRECTORY \
	GIT_CONFIG_PARAMETERS
gitq() { git -c commit.gpgsign=false -c core.hooksPath=/dev/null "$@"; }

# 2025-01-06 08:00 +0700
start=1736125200
if [ ! -e "$dir" ]; then
	bench_need "build it with make BUILD=$BUILD" "$KHAOSAT" "$GENSURVEY"
	if [ "$N" -lt 10 ]; then
		note "BENCH_N must be at least 10"
		exit 2
	fi
	"$KHAOSAT" init "$dir" --device md01 --surveyor "Nguyễn Thị Lan" \
		--email lan@khaosat.invalid \
		--name "Bench: $N workshops, $COMMITS commits" >/dev/null 2>"$err" ||
		die "khaosat init $dir"
	cd "$dir" || exit 1
	# git would pack the loose objects in the background in the middle
	# of a measurement; khaosat (libgit2) never does.
	git config gc.auto 0
	note "generating $N records in $dir"
	"$GENSURVEY" "$dir" "$N" >/dev/null 2>"$err" || die gensurvey
	note "git add -A && git commit of the import"
	d="$((start - 86400)) +0700"
	gitq add -A >/dev/null 2>"$err" || die "git add of the import"
	GIT_AUTHOR_NAME="Nguyễn Thị Lan" GIT_AUTHOR_EMAIL=lan@khaosat.invalid \
		GIT_COMMITTER_NAME=md01 GIT_COMMITTER_EMAIL=lan@khaosat.invalid \
		GIT_AUTHOR_DATE=$d GIT_COMMITTER_DATE=$d \
		gitq commit -q -m "Import $N workshops" -m "Device: md01" \
		>/dev/null 2>"$err" || die "git commit of the import"
else
	cd "$dir" || exit 1
	if [ -n "$(git config bench.record 2>/dev/null)" ]; then
		note "$dir already has a benchmark history (git config bench.record)"
		exit 2
	fi
	if [ "$(git symbolic-ref -q HEAD 2>/dev/null)" != refs/heads/main ] ||
		[ -n "$(git status --porcelain 2>"$err")" ]; then
		note "$dir is not a survey on main with a clean work tree"
		exit 2
	fi
	git config gc.auto 0
	last=$(git log -1 --format=%ct main)
	[ "$last" -lt "$start" ] || start=$((last + 3600))
fi
base=$(git rev-parse --verify -q main) || die "no main branch in $dir"

# ---- the records ----

git ls-files records/workshop >"$tmp/all" 2>"$err" || die "git ls-files"
N=$(wc -l <"$tmp/all")
[ "$N" -ge 2 ] || die "fewer than 2 workshop records in $dir"
# The benchmarked record: one in the middle of the survey, in a folder with
# others (the walk goes through the same trees for them).
path=$(sed -n "$(((N + 1) / 2))p" "$tmp/all")
id=$(basename "$path" .yaml)
[ "$POOL" -lt "$N" ] || POOL=$((N - 1))
{
	echo "$path"
	grep -vxF "$path" "$tmp/all" |
		awk -v n="$((N - 1))" -v p="$POOL" \
			'int(NR * p / n) > int((NR - 1) * p / n)'
} >"$tmp/pool"

# ---- the commits ----

note "writing $COMMITS commits with git fast-import (a merge every $EVERY, $SIDE on the side branch)"
# The stream is bytes: lengths in bytes (LC_ALL=C).
LC_ALL=C awk -v seed="$SEED" -v ncommits="$COMMITS" -v every="$EVERY" \
	-v side="$SIDE" -v touch="$TOUCH" -v clock="$start" -v base="$base" \
	-v id="$id" -v stats="$tmp/stats" -v poolfile="$tmp/pool" '
function load(r, p,    line, n, k, f) {
	n = 0
	while ((getline line < p) > 0) {
		L[r, ++n] = line
		LF[r, n] = ""
		for (k = 1; k <= nf; k++) {
			f = F[k]
			if (!((r, f) in FL) && index(line, PRE[f]) == 1) {
				FL[r, f] = n
				LF[r, n] = f
				V["m", r, f] = substr(line, length(PRE[f]) + 1)
			}
		}
	}
	close(p)
	NL[r] = n
	if (!n) {
		print "cannot read " p > "/dev/stderr"
		exit 1
	}
}
# The record as it is on branch b: its lines, the edited fields replaced.
function render(b, r,    s, i, f) {
	s = ""
	for (i = 1; i <= NL[r]; i++) {
		f = LF[r, i]
		s = s (f == "" ? L[r, i] : PRE[f] V[b, r, f]) "\n"
	}
	return s
}
function rnd(lo, hi) { return lo + int(rand() * (hi - lo + 1)) }
function newval(f, cur,    v) {
	do {
		if (f == "phone")
			v = "\"0" substr("35789", rnd(1, 5), 1) sprintf("%04d%04d", rnd(0, 9999), rnd(0, 9999)) "\""
		else if (f == "regular")
			v = rnd(1, 60)
		else if (f == "seasonal")
			v = rnd(0, 30)
		else if (f == "insured")
			v = rnd(0, 20)
		else if (f == "annual_revenue")
			v = rnd(4, 400) * 5 "0000000"
		else if (f == "floor_area")
			v = rnd(5, 200) * 10
		else if (f == "output")
			v = rnd(5, 500)
		else
			v = rnd(5, 300)
	} while (v "" == cur "")
	return v
}
# One field of one to three records on branch b; fields from the set
# "fields" (space separated).  Sets nrec, REC[], and returns the summary.
function edit(b, fields,    nset, S, f, k, r, i, dup, want, tries) {
	nset = split(fields, S, " ")
	f = S[rnd(1, nset)]
	nrec = 0
	if (rand() * touch < 1) {
		REC[++nrec] = 1
		touched++
	}
	want = rand() < 0.125 ? rnd(2, 3) : 1
	tries = 0
	while (nrec < want && tries++ < 100) {
		r = npool > 1 ? rnd(2, npool) : 1
		dup = 0
		for (i = 1; i <= nrec; i++)
			dup = dup || REC[i] == r
		if (!dup && (r, f) in FL)
			REC[++nrec] = r
	}
	if (!nrec) {
		print "no record of the pool has " f > "/dev/stderr"
		exit 1
	}
	for (i = 1; i <= nrec; i++) {
		r = REC[i]
		if (!((r, f) in FL)) {
			print "no field " f " in " P[r] > "/dev/stderr"
			exit 1
		}
		V[b, r, f] = newval(f, V[b, r, f])
		if (b == "s") {
			SCH[r, f] = 1
			SR[r] = 1
		}
	}
	if (nrec == 1)
		return RID[REC[1]] ": " LABEL[f]
	return "Revisit " nrec " workshops: " LABEL[f]
}
# Ten to eighty minutes on, in working hours (07:30 to 18:00, +0700).
function tick(    local, h) {
	clock += rnd(600, 4800)
	local = clock + 25200
	h = int((local % 86400) / 3600)
	if (h >= 18)
		clock += 86400 - local % 86400 + 27000
	else if (h < 7)
		clock += 27000 - local % 86400
}
function header(ref, name, email, dev, msg) {
	mark++
	msg = msg "\n\nDevice: " dev "\n"
	printf "commit %s\nmark :%d\n", ref, mark
	printf "author %s <%s> %d +0700\n", name, email, clock
	printf "committer %s <%s> %d +0700\n", dev, email, clock
	printf "data %d\n%s\n", length(msg), msg
}
function files(b,    i, c) {
	for (i = 1; i <= nrec; i++) {
		c = render(b, REC[i])
		printf "M 100644 inline %s\ndata %d\n%s\n", P[REC[i]], length(c), c
	}
	print ""
}
function main_commit(inwin,    msg, who) {
	tick()
	msg = edit("m", inwin ? "phone regular insured output" : ALL)
	who = int((clock + 25200) / 86400) % 2 + 1
	header("refs/heads/main", MS[who], ME[who], "md01", msg)
	if (mainfrom != "") {
		print "from " mainfrom
		mainfrom = ""
	}
	files("m")
	lastmain = ":" mark
	made++
}
function side_commit(k, first,    msg) {
	tick()
	msg = edit("s", "floor_area annual_revenue seasonal distance")
	header("refs/heads/bench-side", SS[k], SE[k], SD[k], msg)
	if (first)
		print "from " fork
	files("s")
	lastside = ":" mark
	made++
}
function merge_commit(k,    key, parts, r, n, i, who) {
	clock += rnd(120, 900)
	for (key in SCH) {
		split(key, parts, SUBSEP)
		V["m", parts[1], parts[2]] = V["s", parts[1], parts[2]]
	}
	nrec = 0
	for (r in SR)
		REC[++nrec] = r + 0
	who = int((clock + 25200) / 86400) % 2 + 1
	header("refs/heads/main", MS[who], ME[who], "md01",
	       "Merge the bundle of " SD[k] "\n\n" nrec " record" (nrec == 1 ? "" : "s") " merged field by field.")
	print "from " lastmain
	print "merge " lastside
	files("m")
	lastmain = ":" mark
	merges++
}
BEGIN {
	srand(seed)
	nf = split("phone regular seasonal insured annual_revenue floor_area output distance", F, " ")
	ALL = "phone regular seasonal insured annual_revenue floor_area output distance"
	PRE["phone"] = "phone: ";			LABEL["phone"] = "phone"
	PRE["regular"] = "  regular: ";			LABEL["regular"] = "workers.regular"
	PRE["seasonal"] = "  seasonal: ";		LABEL["seasonal"] = "workers.seasonal"
	PRE["insured"] = "  insured: ";			LABEL["insured"] = "workers.insured"
	PRE["annual_revenue"] = "annual_revenue: ";	LABEL["annual_revenue"] = "annual_revenue"
	PRE["floor_area"] = "floor_area: ";		LABEL["floor_area"] = "floor_area"
	PRE["output"] = "    output_tonnes_per_year: ";	LABEL["output"] = "output of the first product"
	PRE["distance"] = "  distance_to_residential_m: ";	LABEL["distance"] = "pollution.distance_to_residential_m"
	MS[1] = "Nguyễn Thị Lan";	ME[1] = "lan@khaosat.invalid"
	MS[2] = "Trần Văn Hùng";	ME[2] = "hung@khaosat.invalid"
	SS[1] = "Lê Thu Hà";		SE[1] = "ha@khaosat.invalid";	SD[1] = "md02"
	SS[2] = "Phạm Quốc Bảo";	SE[2] = "bao@khaosat.invalid";	SD[2] = "md03"
	SS[3] = "Đỗ Minh Châu";	SE[3] = "chau@khaosat.invalid";	SD[3] = "md04"
	npool = 0
	while ((getline p < poolfile) > 0) {
		P[++npool] = p
		RID[npool] = p
		sub(/.*\//, "", RID[npool])
		sub(/\.yaml$/, "", RID[npool])
		load(npool, p)
	}
	# the benchmarked record must have every field
	for (k = 1; k <= nf; k++)
		if (!((1, F[k]) in FL)) {
			print "the record " P[1] " has no " F[k] > "/dev/stderr"
			exit 1
		}
	print "feature done"
	mainfrom = base
	lastmain = base
	made = merges = touched = 0
	for (blk = 0; made < ncommits; blk++) {
		n = ncommits - made
		if (n > every && every > 0)
			n = every
		ns = side > 0 && n == every ? side : 0
		nm = n - ns
		before = nm - ns > 0 ? nm - ns : 0
		for (i = 0; i < before; i++)
			main_commit(0)
		if (!ns)
			continue
		fork = lastmain
		k = blk % 3 + 1
		delete SCH
		delete SR
		for (r = 1; r <= npool; r++)
			for (j = 1; j <= nf; j++)
				if ((r, F[j]) in FL)
					V["s", r, F[j]] = V["m", r, F[j]]
		print "reset refs/heads/bench-side\n"
		rm = nm - before
		rs = ns
		while (rm + rs > 0) {
			if (rand() * (rm + rs) < rs) {
				side_commit(k, rs == ns)
				rs--
			} else {
				main_commit(1)
				rm--
			}
		}
		merge_commit(k)
	}
	print "done"
	printf "%d %d %d\n", made, merges, touched > stats
}' >"$tmp/stream" 2>"$err" || die "writing the fast-import stream"
ls .git/objects/pack >"$tmp/packs.before" 2>/dev/null
gitq fast-import --quiet --done <"$tmp/stream" 2>"$err" || die "git fast-import"
git update-ref -d refs/heads/bench-side 2>"$err" || die "removing the side branch"
read -r made merges touched <"$tmp/stats" || die "no statistics"
if [ "${BENCH_LOOSE:-}" = 1 ]; then
	note "unpacking the new objects into loose objects"
	for p in .git/objects/pack/pack-*.pack; do
		[ -f "$p" ] || continue
		grep -qxF "${p##*/}" "$tmp/packs.before" && continue
		if ! mv "$p" "$tmp/h.pack" ||
			! rm -f "${p%.pack}.idx" "${p%.pack}.rev" ||
			! git unpack-objects -q <"$tmp/h.pack" 2>"$err"; then
			die "git unpack-objects"
		fi
	done
fi
note "updating the work tree"
gitq reset -q --hard main 2>"$err" || die "git reset --hard main"
[ -z "$(git status --porcelain)" ] || die "the work tree is not clean"
want=$(($(git rev-list --count "$base") + made + merges))
got=$(git rev-list --count main)
[ "$got" -eq "$want" ] || {
	echo "main has $got commits, $want expected" >"$err"
	die "the history"
}
for kv in "record $id" "path $path" "n $N" "commits $made" "merges $merges" \
	"touched $touched" "base $base"; do
	git config "bench.${kv%% *}" "${kv#* }" 2>"$err" || die "git config bench.*"
done
note "$made commits, $merges merges; $id changed by $touched of them"
echo "HIST_ID=$id"
echo "HIST_PATH=$path"
echo "HIST_N=$N"
echo "HIST_COMMITS=$made"
echo "HIST_MERGES=$merges"
echo "HIST_TOUCHED=$touched"
echo "HIST_BASE=$base"
exit 0
