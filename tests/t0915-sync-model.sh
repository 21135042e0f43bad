#!/bin/sh
# Model-based randomized sync test: tests/tools/syncmodel.py drives the
# real binary on 4 to 8 laptops that share a USB stick folder and a hub
# (a bare repository), some set up from the stick and some from the hub,
# through random steps: new records, field edits (by hand, by 'khaosat
# edit', by 'khaosat fmt' after a hand edit), deletions, commits, syncs
# with the stick and the hub, and 'khaosat resolve' with every choice.
# Two laptops often change one field of a few hot records; records are
# deleted on one laptop and changed on others; records with an open
# conflict are changed and deleted.  The program keeps a model of every
# commit (laptop, device, surveyor, the values it wrote) and of the
# commits each laptop has seen; git is the witness.  Then every laptop
# syncs with the stick and the hub, in a fixed order, until nothing moves,
# and for each seed one case per promise:
#   steps       every step did what the model expects
#   converge    the syncs come to rest
#   1.          the same main tree and 'conflicts --json' everywhere, git
#               fsck clean, work trees clean, every commit everywhere
#   2.          no lost update, no invented value, no field dropped
#   3.          every proposal names the commit, author and device that
#               wrote its value
#   4.          every open conflict can be settled (--take 1, --base) and
#               'khaosat check' then passes
#   5.          one more round of syncs moves no laptop's main
#
# Knobs:
#   SYNC_MODEL_SEED=N          one seed (laptops and rounds from the seed)
#   SYNC_MODEL_SEEDS="1 2 3"   several seeds
#   SYNC_MODEL_RUNS=K          seeds 1..K (a long run)
#   SYNC_MODEL_ROUNDS=R        rounds of random steps (30..400 by default)
#   SYNC_MODEL_LAPTOPS=L       laptops (4..8 by default)
#   SYNC_MODEL_REPLAY=FILE     replay a step list the program wrote
#   SYNC_MODEL_SHRINK_SECONDS  time for shrinking a failing run (default
#                              120; 0 disables; 0 when no knob is set)
#   SYNC_MODEL_SHRINK_TARGET   what the shrunk run must still break, as
#                              the check prints it (proposals/writer,
#                              settle/take, ...; "all": each in turn);
#                              default: the first broken promise
#   SYNC_MODEL_SHRINK_TRIES=N  replays of each candidate (default 1): commit
#                              ids hold the time of day and order proposals
#                              and merges, so a failure may need luck
#   SYNC_MODEL_OUT=DIR         where step lists are written (default
#                              $TMPDIR or /tmp)
# With no knob (make check): seeds 1 2 3, 4 or 5 laptops, 40 rounds, and
# the step lists in tests/data/syncmodel/ replayed.
#
# tests/data/syncmodel/ holds short step lists the shrinking found, one
# for each bug it met; replay one with
#   SYNC_MODEL_REPLAY=tests/data/syncmodel/base-without-record.json \
#	sh tests/t0915-sync-model.sh -v

# Paths given relative to where the script was started (lib.sh moves to
# its own folder).
for v in SYNC_MODEL_REPLAY SYNC_MODEL_OUT; do
	eval "p=\${$v:-}"
	case "$p" in
	"" | /*) ;;
	*) eval "$v=\$(pwd)/\$p" ;;
	esac
done
. "$(dirname "$0")/lib.sh"

SYNCMODEL=$KHAOSAT_TOP/tests/tools/syncmodel.py
SYNC_MODEL_OUT=${SYNC_MODEL_OUT:-${TMPDIR:-/tmp}}

if ! command -v python3 >/dev/null 2>&1; then
	test_skip "python3 is missing: the sync model cannot run"
	test_done
fi

sizes=
if [ -n "$SYNC_MODEL_REPLAY" ]; then
	seeds=replay
elif [ -n "$SYNC_MODEL_SEED" ]; then
	seeds=$SYNC_MODEL_SEED
elif [ -n "$SYNC_MODEL_SEEDS" ]; then
	seeds=$SYNC_MODEL_SEEDS
elif [ -n "$SYNC_MODEL_RUNS" ]; then
	seeds=$(seq 1 "$SYNC_MODEL_RUNS")
else
	# The default: small, fixed, quick; and the step lists of the bugs
	# the model found, each replayed as a regression test.
	seeds="1 2 3"
	for f in "$KHAOSAT_TOP"/tests/data/syncmodel/*.json; do
		[ -f "$f" ] && seeds="$seeds replay:$f"
	done
	sizes="--rounds 40 --max-laptops 5"
	SYNC_MODEL_SHRINK_SECONDS=${SYNC_MODEL_SHRINK_SECONDS:-0}
fi
SYNC_MODEL_SHRINK_SECONDS=${SYNC_MODEL_SHRINK_SECONDS:-120}
[ -n "$SYNC_MODEL_ROUNDS" ] && sizes="$sizes --rounds $SYNC_MODEL_ROUNDS"
[ -n "$SYNC_MODEL_LAPTOPS" ] && sizes="$sizes --laptops $SYNC_MODEL_LAPTOPS"

# sm ARGS...: the model program.
sm() {
	python3 "$SYNCMODEL" "$@"
}

# check SEED NAME: one check of the run of SEED.
check() {
	test_path_is_file "$TRASH/run-$1/model.json" &&
	sm check --dir "$TRASH/run-$1" "$2"
}

for seed in $seeds; do
	failed_before=$test_failed
	case "$seed" in
	replay)
		replay=$SYNC_MODEL_REPLAY
		key=replay
		run_args=
		label=replay
		;;
	replay:*)
		replay=${seed#replay:}
		key=$(basename "$replay" .json)
		run_args=
		label="replay $key"
		;;
	*)
		replay=
		key=$seed
		run_args="--seed $seed $sizes"
		label="seed $seed"
		;;
	esac
	dir=$TRASH/run-$key

	test_expect_success "$label: set-up and random steps, each as the model expects" '
		sm run --quiet --dir "$dir" $run_args ${replay:+--replay "$replay"} &&
		check "$key" steps
	'
	test_expect_success "$label: the laptops come to rest (stick and hub syncs in turn)" '
		check "$key" converge
	'
	test_expect_success "$label: 1. identical main trees and conflicts; fsck and work trees clean" '
		check "$key" identical
	'
	test_expect_success "$label: 2. no lost update, no invented value" '
		check "$key" lost
	'
	test_expect_success "$label: 3. proposals name the commit, author and device that wrote them" '
		check "$key" proposals
	'
	test_expect_success "$label: 4. every open conflict can be settled (--take 1, --base)" '
		check "$key" settle
	'
	test_expect_success "$label: 5. fixed point: one more sync round moves no main" '
		check "$key" fixpoint
	'

	if [ "$test_failed" -ne "$failed_before" ] && [ -f "$dir/model.json" ]; then
		if [ -n "$replay" ]; then
			echo "# replay: SYNC_MODEL_REPLAY=$replay sh $0 -v"
		else
			out=$SYNC_MODEL_OUT/syncmodel-seed$seed-steps.json
			sm save --dir "$dir" --out "$out"
		fi
		if [ "$SYNC_MODEL_SHRINK_SECONDS" != 0 ]; then
			sm shrink --dir "$dir" --seconds "$SYNC_MODEL_SHRINK_SECONDS" \
				--out-dir "$SYNC_MODEL_OUT" \
				${SYNC_MODEL_SHRINK_TARGET:+--target "$SYNC_MODEL_SHRINK_TARGET"}
		else
			echo "# to shrink it: the replay line above with SYNC_MODEL_SHRINK_SECONDS=120"
		fi
	fi
	# Each run's laptops are done with: keep the disk small on long runs.
	[ -n "$KHAOSAT_KEEP" ] || rm -rf "$dir/lap"[0-9]* "$dir/hub.git" "$dir/stick"
done

test_done
